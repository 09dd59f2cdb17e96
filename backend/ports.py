"""The small interface the dialogue engine uses to reach the backend (ARCHITECTURE.md).

``dialogs`` depends on these protocols only; ``backend.service`` implements them and tests
may use fakes.
"""

from __future__ import annotations

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


class ConversationStore(Protocol):
    async def load(self, channel: str, user_ref: str) -> dict[str, Any] | None: ...

    async def save(self, channel: str, user_ref: str, state: dict[str, Any]) -> None: ...

    async def first_time_seen(self, channel: str, message_id: str) -> bool:
        """Record the inbound message id; False if it was already processed (a retry)."""
        ...
