"""Outbound notifications as seen by senders (channel plugins). Plain data only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from identifiers.masking import mask_text


@dataclass(frozen=True)
class Notification:
    id: int  # outbox row id
    channel: str  # "console" | "telegram" | "wecom_app" | "wecom_kf" | "wecom_robot"
    recipient: str  # chat id / userid / external_userid / robot key name / agency id
    kind: str  # "new_case" | "complex_case" | "transfer" | "opinion" | "due_soon" | "overdue" | "to_complainant" | ...
    title: str
    text: str  # never a full ID number or phone for staff recipients
    case_number: str | None
    due_label: str | None = None  # "2026-12-03（5个工作日）"
    #: Staff buttons: (action id, Chinese label), e.g. ("accept", "受理").
    actions: tuple[tuple[str, str], ...] = ()
    dedup_key: str = ""


class TransientSendError(Exception):
    """Retry later (network, 5xx, rate limit). ``retry_after`` seconds if the channel said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(Exception):
    """Will never succeed (user blocked the bot, unknown recipient): dead-letter at once."""


class Sender(Protocol):
    channel: str

    async def send(self, notification: Notification) -> None:
        """Deliver or raise Transient/PermanentSendError."""
        ...


# --- who reads it: the one masking rule for every channel --------------------------------------

#: Kinds addressed to the person themselves: the complainant (their own notice, also as SMS)
#: and the grid worker who filed (what to pass on to the villager). They are shown as written:
#: the agency's phone in full (they are to call it), their own details as they gave them.
#: Every other kind is a push to staff (agency chats, groups, robots, the console log): ID
#: numbers and personal phones masked (``identifiers.mask_text``).
PERSONAL_KINDS = frozenset({"to_complainant", "to_grid_worker"})


def is_personal(note: Notification) -> bool:
    """``note`` is addressed to the complainant or the filing grid worker (not to staff)."""
    return note.kind in PERSONAL_KINDS


def shown(note: Notification, text: str) -> str:
    """``text`` (a part of ``note``: title, body, a line) as its recipient may see it: as it
    is for the person themselves, masked for staff. Every sender calls this."""
    if is_personal(note):
        return text
    return mask_text(text)
