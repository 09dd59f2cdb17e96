"""What the dialogue hands to the backend, and what it gets back. Plain data only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

# Re-exported for ``dialogs`` (which may import only this module and ``backend.ports``):
# money and channel names are written the same way everywhere.
from backend.labels import channel_label, format_money  # noqa: F401


@dataclass
class ComplainantDraft:
    kind: Literal["person", "employer"] = "person"
    name: str | None = None
    phone: str | None = None
    id_number: str | None = None  # 18-digit resident ID, already checked
    employer: str | None = None
    credit_code: str | None = None  # unified social credit code (employer), already checked
    township: str | None = None
    village: str | None = None
    insurance_type: str | None = None  # key of nlu.types.INSURANCE_TYPES
    #: Every insurance named, in the order said, when more than one ("养老、医疗都…");
    #: ``insurance_type`` is the first of them.
    insurance_types: tuple[str, ...] = ()
    period_start: date | None = None
    period_end: date | None = None
    amount: float | None = None  # yuan
    people_count: int | None = None


@dataclass
class FilerDraft:
    """A grid worker (网格员) filing on someone's behalf (代办)."""

    name: str
    phone: str
    township: str | None = None
    village: str | None = None
    role: str = "grid_worker"


@dataclass
class CaseDraft:
    channel: str  # where the complainant (or the grid worker) talks to us
    channel_user: str
    description: str
    complainant: ComplainantDraft
    category: str | None = None  # nlu.types.CATEGORIES; None -> "other"
    tier_hint: str | None = None  # nlu tier hint
    nlu_confidence: float | None = None
    filed_by: FilerDraft | None = None
    #: For proxy filing: the grid worker confirmed the complainant agreed.
    consent: bool = False
    reported_at: datetime | None = None
    keywords: list[str] = field(default_factory=list)
    #: Identifies the draft (one per report the dialogue collects): opening the same draft
    #: twice returns the case opened the first time. None: no idempotency.
    draft_key: str | None = None
    #: Photos, voice or files were kept with this draft (``draft_key``): True / False when the
    #: dialogue knows (False: opening the case looks for none), None when it does not.
    uploads: bool | None = None


@dataclass(frozen=True)
class AgencyContact:
    id: str
    name: str
    phone: str | None
    address: str | None


@dataclass(frozen=True)
class OpenedCase:
    number: str
    category: str
    tier: str
    lead: AgencyContact
    co_agencies: tuple[AgencyContact, ...]
    due_at: datetime
    working_days: int
    related_cases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseView:
    """What a complainant or grid worker may see of a case."""

    number: str
    status: str  # machine status, see backend.workflow
    status_label: str  # Chinese
    category: str
    tier: str
    lead: AgencyContact
    due_at: datetime
    created_at: datetime
    complainant_name: str | None
    complainant_phone_last4: str | None
    channel: str
    channel_user: str
    filed_by_channel_user: str | None
    latest_reply: str | None
    awaiting_feedback: bool
    #: The last four digits of the grid worker's phone who filed it (代办): a villager
    #: without a phone is reached through them, so their digits open the case too.
    filer_phone_last4: str | None = None
