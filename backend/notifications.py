"""Outbound notifications as seen by senders (channel plugins). Plain data only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
