"""PTB handlers that only translate: Telegram updates in, ``Inbound`` / staff commands out,
``Reply`` lists back as messages. No dialogue logic lives here (that is ``dialogs/``), and no
``ConversationHandler``: the conversation state is in the database, not in PTB.

Who is who:
- a user whose Telegram id is a staff member's ``telegram_user_id`` (county config) is on the
  staff path (``bot.staff_chat.StaffChat``): buttons on case notifications, ``/reply 案件号
  内容`` and the other commands, or a Telegram reply to a notification (its case number is
  read from the replied-to message);
- everyone else talks to the dialogue, one to one with the bot (``user_ref`` = chat id). In
  groups (agency staff chats) only staff are answered; a non-staff user pressing a staff
  button or using a staff command is refused and nothing changes;
- a grid worker's 已转告 (the button ``relayed:<case>`` on their notice, or the words
  「已转告 案件号」「已转告」「转告了」) is recorded on the case — never a turn of the dialogue;
  who is routed there is ``bot.inbound_router``'s rule, the same on every channel;
- photos, documents, voice and video (with their caption) are downloaded (``getFile``),
  checked and read (OCR) by ``bot.media`` and handed to the dialogue as ``Inbound.uploads``:
  its turn keeps them with the report or the case and answers with the store's sentence.

Exactly-once effects with at-least-once delivery: nothing is marked "seen" before it is
handled. A resident's message is marked handled by the dialogue in the same transaction as
the conversation state it produced (``message_id`` = the update id; for a button, the button
on that message, so a second press is a duplicate); its answer is kept until it is sent
(``delivered``), so a re-delivery after a crash answers instead of going silent. A staff
update is looked up before (``is_done``) and marked after its action (``mark_done``). When the
database is unavailable or the answer cannot be sent, the handler raises; ``failures`` tells
the plugin, which answers the webhook non-2xx / does not advance the polling offset, and
Telegram delivers the update again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from backend.attachments.limits import UNKNOWN_KIND
from backend.db import is_unavailable
from bot.inbound_router import before_dialogue, might_route
from bot.media import DownloadFailed
from bot.media import telegram as media
from bot.media.port import download_failed, prepare
from bot.relay import RelayDesk
from bot.telegram.render import (
    GRID_PROMPT,
    MAX_TEXT,
    Outgoing,
    case_number_in,
    contact_keyboard,
    reply_messages,
)
from bot.telegram.sending import AnswerNotDelivered, answer
from dialogs.edge import MAX_NAME, clean_optional, clean_text
from dialogs.messages import Inbound, InboundAttachment, InboundHandler, InboundUpload, Reply

log = logging.getLogger(__name__)

CHANNEL = "telegram"

#: Button ids (``Choice.id``) of the staff workflow (``bot.staff_chat``): "accept:YC-…".
STAFF_VERBS = frozenset(
    {"accept", "transfer", "transfer_to", "reply", "opinion", "approve", "close", "detail"}
)
#: Pressing these again is harmless (they only show something or ask), so not "once".
REPEATABLE_VERBS = frozenset({"detail", "transfer", "reply", "opinion"})
#: Slash commands only staff may use; anyone else is refused.
STAFF_COMMANDS = frozenset(
    {
        "accept",
        "transfer",
        "reply",
        "opinion",
        "approve",
        "close",
        "cases",
        "detail",
        "list",
        "show",
    }
)
#: Resident commands as the words the dialogue understands.
COMMAND_WORDS = {"start": "你好", "help": "帮助", "cancel": "取消", "status": "我的案件"}
#: What the bot hears when a user shares their contact after /grid (a grid worker's check).
CONTACT_TEXT = "我是网格员"

NOT_STAFF_BUTTON = "只有登记的工作人员可以办理案件，您的操作没有生效。"
OWN_CONTACT = "请点“分享我的手机号”按钮分享您本人的号码，不要转发别人的名片。"
ALREADY_DONE = "这个按钮已经点过了。"
CHOSEN = "\n\n✔ 已选择：{label}"


class StaffDesk(Protocol):
    """What the handlers need of ``bot.staff_chat.StaffChat``."""

    def staff_for(self, channel: str, user_ref: str) -> Any | None: ...

    async def handle(
        self,
        staff: Any | None,
        text: str,
        choice_id: str | None = None,
        reply_to_case: str | None = None,
    ) -> list[Reply]: ...


class Ledger(Protocol):
    """Handled updates outside the dialogue (``backend.conversations.SqlConversationStore``)."""

    async def is_done(self, channel: str, message_id: str) -> bool: ...

    async def mark_done(self, channel: str, message_id: str) -> bool: ...


def retryable(exc: BaseException) -> bool:
    """The update failed for a reason that passes (database, network): have it re-delivered.
    Anything else is a bug or a refusal that would fail again: logged and acknowledged."""
    if isinstance(exc, AnswerNotDelivered) or is_unavailable(exc):
        return True
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


def is_staff_choice(data: str) -> bool:
    verb, sep, rest = data.partition(":")
    return bool(sep and rest) and verb in STAFF_VERBS


def command_of(text: str) -> str | None:
    """``/Reply@yichuang_bot YC-…`` -> ``reply``; None for ordinary text."""
    if not text.startswith("/"):
        return None
    head = text.split(maxsplit=1)[0][1:]
    return head.split("@", 1)[0].lower() or None


class UpdateTranslator:
    """The handlers of the Telegram application (``register`` adds them)."""

    def __init__(
        self,
        *,
        dialogue: InboundHandler,
        staff: StaffDesk,
        ledger: Ledger,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        desk: RelayDesk | None = None,
        photo_reader: Any | None = None,
    ) -> None:
        self._dialogue = dialogue
        #: Reads photos into suggestions (``bot.media.ocr.PhotoReader``; None: not read).
        self._reader = photo_reader
        #: Where a grid worker's 已转告 is recorded (``bot.relay``); None: not offered.
        self._desk = desk
        self._staff = staff
        self._ledger = ledger
        self._clock = clock
        self._sleep = sleep
        #: update id -> the error that stopped it (read and cleared by the plugin).
        self.failures: dict[int, BaseException] = {}

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        app.add_handler(CallbackQueryHandler(self.on_button))
        new_message = filters.UpdateType.MESSAGE
        app.add_handler(MessageHandler(new_message & filters.CONTACT, self.on_contact))
        app.add_handler(MessageHandler(new_message & filters.TEXT, self.on_text))
        app.add_handler(
            MessageHandler(new_message & filters.ChatType.PRIVATE & ~filters.TEXT, self.on_other)
        )
        app.add_error_handler(self.on_error)

    # --- messages ------------------------------------------------------------------------

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.message
        if msg is None or msg.text is None:
            return
        text, chat, user = clean_text(msg.text), msg.chat, msg.from_user
        command = command_of(text)
        staff = self._staff.staff_for(CHANNEL, str(user.id)) if user else None
        if staff is not None:
            replied = msg.reply_to_message
            reply_case = case_number_in(replied.text) if replied is not None else None
            if chat.type != ChatType.PRIVATE and command is None and reply_case is None:
                return  # ordinary talk in a staff group is not for the bot
            key = str(update.update_id)
            if await self._ledger.is_done("telegram_update", key):
                log.info("telegram: update %s handled before, skipped", key)
                return
            replies = await self._staff.handle(staff, text, reply_to_case=reply_case)
            await self._ledger.mark_done("telegram_update", key)
            await self._send(context.bot, chat.id, replies)
            return
        if command in STAFF_COMMANDS:
            # The ids an administrator needs to put this user or group in the county TOML.
            log.warning(
                "telegram: staff command from user %s (not staff) in chat %s",
                user.id if user else None,
                chat.id,
            )
            await self._send(context.bot, chat.id, await self._staff.handle(None, text))
            return
        if chat.type != ChatType.PRIVATE:
            return  # residents talk to the bot one to one, not in groups
        if command == "grid":
            await self._send_out(context.bot, chat.id, [Outgoing(GRID_PROMPT, contact_keyboard())])
            return
        # 「已转告 YC-…」 from a grid worker who filed here (``bot.inbound_router``, the one
        # rule of every channel): recorded, not a new report.
        if (
            command is None
            and self._desk is not None
            and might_route(text, None)
            and await self._relay(
                context.bot, update, chat.id, text=text, choice_id=None, key=str(update.update_id)
            )
        ):
            return
        if command is not None:
            text = COMMAND_WORDS.get(command, text)
        await self._to_dialogue(
            context.bot, update, chat.id, text=text, received_at=msg.date, key=update.update_id
        )

    async def on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.message
        if msg is None or msg.contact is None or msg.chat.type != ChatType.PRIVATE:
            return
        user = msg.from_user
        if user is None or msg.contact.user_id != user.id:
            # Only a user's own contact is vouched for by Telegram; a forwarded card is not.
            await self._send_out(context.bot, msg.chat.id, [Outgoing(OWN_CONTACT)])
            return
        await self._to_dialogue(
            context.bot,
            update,
            msg.chat.id,
            text=CONTACT_TEXT,
            received_at=msg.date,
            key=update.update_id,
            contact_phone=msg.contact.phone_number,
            remove_keyboard=True,
        )

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, document, voice or video (with its caption) in a private chat: fetched,
        checked, read (photos, OCR) and handed to the dialogue, which keeps it with the
        report or the case; refused ones get their sentence, and nothing else is lost."""
        msg = update.message
        if msg is None:
            return
        found = media.media_of(msg)
        if found is None:
            # A sticker, a location, a poll …: nothing to keep.
            await self._send_out(context.bot, msg.chat.id, [Outgoing(UNKNOWN_KIND)])
            return
        item: InboundAttachment | InboundUpload | None
        try:
            got = await media.receive(
                context.bot,
                msg,
                user_ref=str(msg.chat.id),
                message_key=str(update.update_id),
                received_at=msg.date,
            )
        except DownloadFailed:
            item = download_failed(found.kind)
        else:
            item = await prepare(got, kind=found.kind, reader=self._reader, now=msg.date)
        await self._to_dialogue(
            context.bot,
            update,
            msg.chat.id,
            text=clean_text(msg.caption or ""),
            received_at=msg.date,
            key=update.update_id,
            attachments=(item,) if isinstance(item, InboundAttachment) else (),
            uploads=(item,) if isinstance(item, InboundUpload) else (),
        )

    async def _to_dialogue(
        self,
        bot: Bot,
        update: Update,
        chat_id: int,
        *,
        text: str,
        received_at: datetime,
        key: int | str,
        contact_phone: str | None = None,
        remove_keyboard: bool = False,
        choice_id: str | None = None,
        before_answer: Callable[[list[Reply]], Awaitable[None]] | None = None,
        attachments: tuple[InboundAttachment, ...] = (),
        uploads: tuple[InboundUpload, ...] = (),
    ) -> list[Reply]:
        """One turn of the dialogue and its answer; the replies ([] for a duplicate).
        ``before_answer`` runs between the turn and the sending (a button's acknowledgement)."""
        user = update.effective_user
        inbound = Inbound(
            channel=CHANNEL,
            user_ref=str(chat_id),
            text=text,
            message_id=str(key),
            received_at=received_at,
            choice_id=choice_id,
            contact_phone=clean_optional(contact_phone, 32),
            display_name=clean_optional(user.full_name, MAX_NAME) if user else None,
            attachments=attachments,
            uploads=uploads,
        )
        tracked = getattr(self._dialogue, "handle_tracked", None)
        replies: list[Reply] = await (tracked or self._dialogue.handle)(inbound)
        if before_answer is not None:
            await before_answer(replies)
        if not replies:
            return replies
        await self._send(bot, chat_id, replies, remove_keyboard=remove_keyboard, strict=True)
        delivered = getattr(self._dialogue, "delivered", None)
        if delivered is not None:
            try:
                await delivered(inbound)
            except Exception as exc:  # best effort: the answer went out, so the update is done
                log.warning("telegram: could not record the answer to %s: %s", key, exc)
        return replies

    async def _relay(
        self,
        bot: Bot,
        update: Update,
        chat_id: int,
        *,
        text: str,
        choice_id: str | None,
        key: str,
        query: CallbackQuery | None = None,
        message: Message | None = None,
    ) -> bool:
        """A grid worker's 已转告 (the button ``relayed:<case>`` or the typed words): recorded
        on the case once (only by the grid worker who filed it) and confirmed; never a turn
        of the dialogue. Marked handled after it is recorded, like a staff action. False:
        the inbound router leaves the message to the dialogue (nothing done here)."""
        assert self._desk is not None
        ledger_key = f"relay:{key}"[:200]
        if await self._ledger.is_done("telegram_update", ledger_key):
            if query is not None:
                await self._answer(query, ALREADY_DONE)
            return True
        user = update.effective_user
        inbound = Inbound(
            channel=CHANNEL,
            user_ref=str(chat_id),
            text=text,
            message_id=ledger_key,
            received_at=self._clock(),
            choice_id=choice_id,
            display_name=clean_optional(user.full_name, MAX_NAME) if user else None,
        )
        replies = await before_dialogue(self._desk, inbound)
        if replies is None:
            return False
        await self._ledger.mark_done("telegram_update", ledger_key)
        if query is not None:
            await self._answer(query)
            if message is not None:
                await self._mark_chosen(message, text or "已转告")
        await self._send(bot, chat_id, replies)
        return True

    # --- buttons -------------------------------------------------------------------------

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        message = query.message if isinstance(query.message, Message) else None
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        if is_staff_choice(data):
            await self._staff_button(context.bot, query, data, chat_id, message)
            return
        if query.message is None or query.message.chat.type != ChatType.PRIVATE:
            await self._answer(query)
            return
        label = _label_of(message, data)
        if self._desk is not None and might_route("", data):
            await self._relay(
                context.bot,
                update,
                chat_id,
                text=label or "",
                choice_id=data,
                key=_press_key(query, data),
                query=query,
                message=message,
            )
            return

        async def acknowledge(replies: list[Reply]) -> None:
            if not replies:
                await self._answer(query, ALREADY_DONE)
                return
            await self._answer(query)
            if message is not None:
                await self._mark_chosen(message, label or data)

        # The button on that message, not the update: a second press is a duplicate that the
        # dialogue drops in the same transaction as the first press's effects.
        await self._to_dialogue(
            context.bot,
            update,
            chat_id,
            text=clean_text(label or "", 200),
            received_at=self._clock(),
            key=f"btn:{_press_key(query, data)}",
            choice_id=data,
            before_answer=acknowledge,
        )

    async def _staff_button(
        self, bot: Bot, query: CallbackQuery, data: str, chat_id: int, message: Message | None
    ) -> None:
        staff = self._staff.staff_for(CHANNEL, str(query.from_user.id))
        if staff is None:
            log.warning("telegram: non-staff user %s pressed %s", query.from_user.id, data)
            await self._answer(query, NOT_STAFF_BUTTON, alert=True)
            return
        verb = data.partition(":")[0]
        once = verb not in REPEATABLE_VERBS
        key = _press_key(query, data)
        if once and await self._ledger.is_done("telegram_button", key):
            await self._answer(query, ALREADY_DONE)
            return
        await self._answer(query)
        replies = await self._staff.handle(staff, "", choice_id=data)
        if once:
            # A button on one message acts once, however often (or by how many) it is pressed.
            await self._ledger.mark_done("telegram_button", key)
        await self._send(bot, chat_id, replies)

    async def _answer(
        self, query: CallbackQuery, text: str | None = None, alert: bool = False
    ) -> None:
        """answerCallbackQuery, always (the client shows a spinner until then)."""
        try:
            await query.answer(text, show_alert=alert)
        except TelegramError as exc:  # e.g. "query is too old": the press is still handled
            log.warning("telegram: answerCallbackQuery failed: %s", exc)

    async def _mark_chosen(self, message: Message, label: str) -> None:
        """Take the buttons off the answered question and show what was chosen."""
        text = message.text or ""
        if not text or len(text) + len(label) + 10 > MAX_TEXT:
            return
        try:
            await message.edit_text(text + CHOSEN.format(label=label))
        except TelegramError as exc:
            log.info("telegram: could not mark the choice: %s", exc)

    # --- sending and errors --------------------------------------------------------------

    async def _send(
        self,
        bot: Bot,
        chat_id: int,
        replies: Sequence[Reply],
        *,
        remove_keyboard: bool = False,
        strict: bool = False,
    ) -> None:
        out: list[Outgoing] = []
        for reply in replies:
            out += reply_messages(reply, remove_keyboard=remove_keyboard)
        await self._send_out(bot, chat_id, out, strict=strict)

    async def _send_out(
        self, bot: Bot, chat_id: int, out: Sequence[Outgoing], *, strict: bool = False
    ) -> None:
        if out:
            await answer(bot, chat_id, out, sleep=self._sleep, strict=strict)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One bad update never stops the bot: log it, note it for the plugin, go on."""
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        if update_id is not None and error is not None:
            self.failures[update_id] = error
        if error is not None and retryable(error):
            log.warning(
                "telegram: update %s not handled now, to be re-delivered: %s", update_id, error
            )
        else:
            log.error("telegram: update %s failed", update_id, exc_info=error)


def _press_key(query: CallbackQuery, data: str) -> str:
    """The pressed button: chat, message and data (the same for every press of it)."""
    where = (
        f"{query.message.chat.id}:{query.message.message_id}"
        if query.message is not None
        else f"inline:{query.inline_message_id or query.id}"
    )
    return f"{where}:{data}"[:200]


def _label_of(message: Message | None, data: str) -> str | None:
    """The label of the pressed button, read from the message's inline keyboard."""
    markup = message.reply_markup if message is not None else None
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
