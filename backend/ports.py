"""The small interface the dialogue engine uses to reach the backend (ARCHITECTURE.md).

``dialogs`` depends on these protocols only; ``backend.service`` implements them and tests
may use fakes.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from backend.drafts import CaseDraft, CaseView, OpenedCase


class CaseDesk(Protocol):
    async def open_case(self, draft: CaseDraft) -> OpenedCase: ...

    async def find_case(self, number: str) -> CaseView | None: ...

    async def cases_of_user(self, channel: str, user_ref: str) -> list[CaseView]:
        """Cases where (channel, user_ref) is the complainant's or the filer's chat."""
        ...

    async def record_feedback(
        self, number: str, verdict: str, text: str, *, actor: str
    ) -> CaseView:
        """verdict: "satisfied" | "basically_satisfied" | "dissatisfied"."""
        ...

    async def record_info(self, number: str, text: str, channel: str, user_ref: str) -> CaseView:
        """The complainant's (or filing grid worker's) correction or addition to case
        ``number``, from the chat (channel, user_ref) that reported it (补充更正): kept with
        the case and pushed to the handling agencies. Raises ``Forbidden`` / ``CaseNotFound``."""
        ...

    async def record_relayed(self, number: str, channel: str, user_ref: str) -> CaseView:
        """The grid worker chatting as (channel, user_ref) passed the latest notice of case
        ``number`` on to the villager (已转告). Raises ``backend.workflow.Forbidden`` if that
        chat did not file the case, ``CaseNotFound`` if there is none."""
        ...


class ConversationTurn(Protocol):
    """One message's turn, with the conversation locked (``ConversationStore.turn``)."""

    #: The saved state (None: a new conversation).
    state: dict[str, Any] | None
    #: The message was handled before (a channel's re-delivery).
    done: bool
    #: The replies stored when it was handled (JSON objects), None if none were kept.
    replies: list[dict[str, Any]] | None
    #: Those replies are known to have reached the user.
    answered: bool

    async def finish(
        self, state: dict[str, Any] | None, replies: list[dict[str, Any]] | None = None
    ) -> None:
        """Save ``state`` (None: unchanged) and mark the message handled, in ONE transaction."""
        ...


class ConversationStore(Protocol):
    async def load(self, channel: str, user_ref: str) -> dict[str, Any] | None: ...

    async def save(self, channel: str, user_ref: str, state: dict[str, Any]) -> None: ...

    async def first_time_seen(self, channel: str, message_id: str) -> bool:
        """Record the inbound message id; False if it was already processed (a retry)."""
        ...

    def turn(
        self, channel: str, user_ref: str, message_id: str
    ) -> AbstractAsyncContextManager[ConversationTurn]:
        """Lock the conversation of (channel, user_ref) across processes for one message.
        Leaving the block without ``finish`` changes nothing (the message stays unhandled)."""
        ...

    async def mark_answered(self, channel: str, message_id: str) -> None:
        """The replies of a handled message were delivered (a re-delivery now gets none)."""
        ...

    def is_unavailable(self, exc: BaseException) -> bool:
        """``exc`` means the store cannot serve now (retry later) rather than bad input."""
        ...


@dataclass(frozen=True)
class AttachmentReceipt:
    """What became of one upload: kept (``accepted``) or refused, and the one sentence to tell
    the sender (the acknowledgement, or why it was refused)."""

    accepted: bool
    sentence: str
    #: The case it joined at once (None: it waits with the draft).
    case_number: str | None = None


class AttachmentPort(Protocol):
    """Where the dialogue keeps the photos, voice and files that come with a message (issue
    15), implemented by the bot layer over ``backend.attachments``. The dialogue calls it
    inside the turn, with the conversation locked, so the report or case an upload belongs to
    is the one the conversation is at. ``upload`` is the channel's object, opaque here."""

    async def receive(
        self, upload: Any, *, draft_key: str | None = None, case_number: str | None = None
    ) -> AttachmentReceipt:
        """Keep ``upload`` with the draft being collected or with an existing case of this
        conversation. Raises when the database cannot serve (the turn is redone)."""
        ...

    async def adopt(self, from_key: str, to_key: str) -> int:
        """Uploads kept under ``from_key`` (sent before anything was reported) now follow the
        draft ``to_key``; returns how many moved."""
        ...
