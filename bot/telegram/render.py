"""Replies and notifications as Telegram messages: text chunks and keyboards.

Choices become an inline keyboard whose ``callback_data`` is the ``Choice.id``. Telegram
allows 1-64 bytes there; a longer id cannot be cut without changing its meaning, so such a
choice is shown as a text line instead (the dialogue also accepts the label typed back).
The one exception is ``SHARE_CONTACT``: a grid worker proves who they are by sharing their
contact, which only a reply keyboard button can ask for.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from backend.notifications import Notification, is_personal, shown
from dialogs.messages import Choice, Reply

log = logging.getLogger(__name__)

#: Telegram's limits: callback_data 1-64 bytes, message text 4096 characters (UTF-16 units;
#: we stay below with a margin so that surrogate pairs never push a chunk over).
MAX_CALLBACK_BYTES = 64
MAX_TEXT = 4000

#: A choice with this id asks the user to share their phone number (grid worker check).
SHARE_CONTACT = "share_contact"
SHARE_CONTACT_LABEL = "📱 分享我的手机号（网格员身份核对）"
GRID_PROMPT = (
    "网格员您好！请点下面的“分享我的手机号”按钮，核对您在县里登记的网格员身份，"
    "核对后就可以帮群众代办反映了。"
)

#: Case numbers as the county issues them: ``YC-2026-000123``.
CASE_NUMBER = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,8}-\d{4}-\d{1,9}(?!\d)")

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message to send: text and an optional keyboard."""

    text: str
    markup: Markup | None = None


def callback_ok(data: str) -> bool:
    return 0 < len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a long text into messages at line ends where possible (never an empty message)."""
    text = text.strip() or "…"
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= limit // 2:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    chunks.append(text)
    return [c for c in chunks if c]


def _rows(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    # Short labels (是/否, 受理/移送/详情) side by side; longer ones one per row, so they
    # are not cut off on a phone screen.
    per_row = 3 if all(len(b.text) <= 5 for b in buttons) else 1
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def inline_keyboard(choices: tuple[Choice, ...]) -> tuple[InlineKeyboardMarkup | None, list[str]]:
    """The keyboard for the choices whose id fits callback_data; the labels of the others."""
    buttons: list[InlineKeyboardButton] = []
    left_out: list[str] = []
    for choice in choices:
        if callback_ok(choice.id):
            buttons.append(InlineKeyboardButton(choice.label, callback_data=choice.id))
        else:
            log.error("telegram: choice id %r does not fit callback_data; shown as text", choice.id)
            left_out.append(choice.label)
    return (InlineKeyboardMarkup(_rows(buttons)) if buttons else None), left_out


def contact_keyboard(extra_labels: tuple[str, ...] = ()) -> ReplyKeyboardMarkup:
    """A one-time reply keyboard with the share-contact button (and plain answers)."""
    rows = [[KeyboardButton(SHARE_CONTACT_LABEL, request_contact=True)]]
    rows += [[KeyboardButton(label)] for label in extra_labels]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


def reply_messages(reply: Reply, *, remove_keyboard: bool = False) -> list[Outgoing]:
    """A dialogue/staff reply as messages; the keyboard goes on the last one.

    ``remove_keyboard`` takes a shown contact keyboard away when the reply has no buttons."""
    markup: Markup | None
    text = reply.text
    if any(c.id == SHARE_CONTACT for c in reply.choices):
        others = tuple(c.label for c in reply.choices if c.id != SHARE_CONTACT)
        markup = contact_keyboard(others)
    else:
        markup, left_out = inline_keyboard(reply.choices)
        if left_out:
            text = "\n".join([text, *(f"· {label}" for label in left_out)])
        if markup is None and remove_keyboard:
            markup = ReplyKeyboardRemove()
    chunks = split_text(text)
    out = [Outgoing(chunk) for chunk in chunks[:-1]]
    out.append(Outgoing(chunks[-1], markup))
    return out


def notification_messages(note: Notification) -> list[Outgoing]:
    """An outbox notification. Staff get the masked text with the case buttons (受理/移送/
    详情, ``callback_data`` "accept:<case>"…); the complainant and the grid worker who filed
    get the text as written (``backend.notifications.shown``), with their own buttons (已转告:
    "relayed:<case>")."""
    number = note.case_number
    choices = (
        tuple(Choice(f"{action}:{number}", label) for action, label in note.actions)
        if number
        else ()
    )
    markup, _ = inline_keyboard(choices)
    if is_personal(note):
        lines = (
            [note.title, note.text] if note.title and note.title not in note.text else [note.text]
        )
    else:
        body = shown(note, note.text)
        lines = [f"【{shown(note, note.title)}】"]
        if number and number not in note.title and number not in body:
            # Staff answer a notification by replying to it: the case number must be in it.
            lines.append(f"案件号：{number}")
        lines.append(body)
        if note.due_label and note.due_label not in body:
            lines.append(f"办理时限：{note.due_label}")
    chunks = split_text("\n".join(lines))
    out = [Outgoing(c) for c in chunks[:-1]]
    out.append(Outgoing(chunks[-1], markup))
    return out


def case_number_in(text: str | None) -> str | None:
    """The first case number in a message (a staff reply-to a notification)."""
    if not text:
        return None
    found = CASE_NUMBER.search(text)
    return found.group(0).upper() if found else None
