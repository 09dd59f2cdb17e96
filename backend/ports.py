"""The small interface the dialogue engine uses to reach the backend (ARCHITECTURE.md).

``dialogs`` depends on these protocols only; ``backend.service`` implements them and tests
may use fakes.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
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
