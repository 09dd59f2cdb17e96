"""One object for everything the channels, the dialogue and the staff desk do with
attachments, bound to a county, a database, a store and a clock. Build it once at start-up:
``AttachmentDesk.from_settings(county, db, settings)`` (``aclose()`` at shut-down).

- ``receive(upload, draft_key=…)`` / ``receive(upload, case_number=…)``: keep what a resident
  sent and the sentence to answer them (acknowledgement or refusal);
- ``attach_in_session(session, draft_key, case_id, event_id)``: the intake's one line;
- ``list_for(staff, number)``, ``fetch_for(staff, ref, via=…)``, ``counts(numbers)``: staff side;
- ``prune(dry_run=…)``: retention.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.attachments import records, retention
from backend.attachments.limits import Refused, noun_of
from backend.attachments.records import (
    AddedToCase,
    AttachmentCounts,
    AttachmentView,
    Fetched,
    Stored,
    Upload,
)
from backend.attachments.store import AttachmentStore, store_from_settings
from backend.db import Database
from backend.models import utcnow

ACK_DRAFT = "收到{noun}了，会一并交给办理单位。"
ACK_CASE = "收到{noun}了，已补充到案件 {number}，办理单位会看到。"


@dataclass(frozen=True)
class Received:
    """What became of an upload, and the one sentence to tell the sender."""

    sentence: str
    refused: bool
    attachment: AttachmentView | None = None
    case_number: str | None = None  # the case it joined (None: it waits with the draft)
    duplicate: bool = False

    @property
    def kind(self) -> str | None:
        return self.attachment.kind if self.attachment else None


class AttachmentDesk:
    def __init__(
        self,
        county: Any,
        db: Database,
        store: AttachmentStore,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.county = county
        self.db = db
        self.store = store
        self.clock = clock

    @classmethod
    def from_settings(
        cls, county: Any, db: Database, settings: Any, clock: Callable[[], datetime] = utcnow
    ) -> AttachmentDesk:
        return cls(county, db, store_from_settings(settings), clock)

    async def aclose(self) -> None:
        await self.store.aclose()

    # --- residents ----------------------------------------------------------------------

    async def receive(
        self, upload: Upload, *, draft_key: str | None = None, case_number: str | None = None
    ) -> Received:
        """Keep an upload with the draft being collected (``draft_key``) or an existing case
        (``case_number``; only its complainant or filer may add: ``Forbidden`` otherwise)."""
        if draft_key:
            result: Stored | AddedToCase | Refused = await records.store_draft_upload(
                self.db, self.store, upload, draft_key, county=self.county
            )
        elif case_number:
            result = await records.add_to_case(
                self.db, self.store, self.county, case_number, upload
            )
        else:
            raise ValueError("receive needs a draft_key or a case_number")
        if isinstance(result, Refused):
            return Received(result.sentence, refused=True)
        view = result.attachment
        number = result.case_number if isinstance(result, Stored) else view.case_number
        noun = noun_of(view.kind)
        sentence = (
            ACK_CASE.format(noun=noun, number=number) if number else ACK_DRAFT.format(noun=noun)
        )
        return Received(sentence, False, view, number, result.duplicate)

    async def of_draft(self, draft_key: str) -> list[AttachmentView]:
        return await records.draft_attachments(self.db, draft_key)

    # --- intake ---------------------------------------------------------------------------

    async def attach_in_session(
        self, session: AsyncSession, draft_key: str | None, case_id: int, event_id: int | None
    ) -> AttachmentCounts:
        return await records.attach_draft_uploads(
            session, draft_key, case_id, event_id=event_id, now=self.clock(), new_case=False
        )

    # --- staff ------------------------------------------------------------------------------

    async def list_for(self, staff: Any, number: str) -> list[AttachmentView]:
        return await records.case_attachments(self.db, self.county, staff, number)

    async def fetch_for(self, staff: Any, ref: str, *, via: str = "console") -> Fetched:
        return await records.fetch_attachment(
            self.db, self.store, self.county, staff, ref, via=via, now=self.clock()
        )

    async def counts(self, numbers: Sequence[str] | None = None) -> dict[str, AttachmentCounts]:
        return await records.counts_by_number(self.db, numbers)

    # --- retention ----------------------------------------------------------------------------

    async def prune(self, *, dry_run: bool = False) -> retention.PruneReport:
        return await retention.prune(
            self.db, self.store, self.county.attachments, now=self.clock(), dry_run=dry_run
        )
