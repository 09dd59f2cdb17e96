"""Read models and queries: what staff see of a case (``CaseDetail``), what the complainant sees
(``CaseView``), and the register search (``CaseFilter``). Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.attachments.records import AttachmentCounts, counts_for_cases
from backend.categories import CATEGORIES, TIERS, category_label, tier_label
from backend.config import County
from backend.drafts import AgencyContact, CaseView
from backend.models import Assignment, Case, Event, Filer, Person
from backend.permissions import STATE_EVENTS, CaseState, possible_actions
from backend.workflow import (
    OPEN_STATUSES,
    STATUSES,
    InvalidAction,
    action_label,
    status_label,
)
from identifiers import digit_string, normalise_case_number, phone_digits


@dataclass(frozen=True)
class PersonView:
    kind: str
    name: str | None
    phone: str | None
    id_number: str | None
    employer: str | None
    credit_code: str | None
    township: str | None
    village: str | None


@dataclass(frozen=True)
class FilerView:
    role: str
    name: str
    phone: str
    township: str | None
    village: str | None
    channel: str | None
    channel_user: str | None


@dataclass(frozen=True)
class AssignmentView:
    agency_id: str
    agency_name: str
    role: str  # lead | co
    active: bool
    assigned_at: datetime
    opinion: str | None
    opinion_at: datetime | None


@dataclass(frozen=True)
class EventView:
    id: int
    at: datetime
    actor: str
    action: str
    action_label: str
    text: str
    data: dict[str, Any]
    #: Who acted, for people: "王建国", "缴费人张三", "网格员张桂兰", "系统".
    actor_name: str = ""
    #: The acting staff member's agency (None for complainants, grid workers, the system).
    actor_agency: str | None = None


@dataclass(frozen=True)
class CaseDetail:
    """Everything about a case (staff side: full data; mask before showing it in chats)."""

    number: str
    status: str
    status_label: str
    category: str
    category_label: str
    tier: str
    tier_label: str
    description: str
    created_at: datetime
    due_at: datetime
    updated_at: datetime
    channel: str
    channel_user: str
    lead_agency: str
    co_agencies: tuple[str, ...]
    complainant: PersonView
    filed_by: FilerView | None
    consent: bool
    insurance_type: str | None
    period_start: date | None
    period_end: date | None
    amount: float | None
    people_count: int | None
    nlu_confidence: float | None
    repeat_of: str | None
    related_cases: tuple[str, ...]
    transferred_to: str | None
    latest_reply: str | None
    replied_at: datetime | None
    closed_at: datetime | None
    satisfaction: str | None
    reminders: tuple[str, ...]
    assignments: tuple[AssignmentView, ...]
    events: tuple[EventView, ...]
    overdue: bool
    #: Actions SOMEONE can take now (status, tier, approval, missing opinions; any role).
    #: What one actor can do: ``backend.permissions.allowed_actions(detail, actor)``.
    allowed_actions: tuple[str, ...]
    #: The agency that first received the case (首问): it keeps read access after a transfer.
    first_agency: str | None = None
    #: Photos, voice messages, videos and files the case carries (issue 15).
    attachments: AttachmentCounts = field(default_factory=AttachmentCounts)
    #: Joint handling was started (发起联办): the reply waits for every co-agency's opinion.
    joint_started: bool = False
    #: A complex case was approved (批准专案办理): it may be answered.
    approved: bool = False
    #: Every insurance the case is about when more than one ("pension", "medical"…);
    #: ``insurance_type`` is the first.
    insurance_types: tuple[str, ...] = ()

    @property
    def insurance_keys(self) -> tuple[str, ...]:
        """The case's insurances, the first one first (one or none when a single one)."""
        if self.insurance_types:
            return self.insurance_types
        return (self.insurance_type,) if self.insurance_type else ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def readers(self) -> tuple[str, ...]:
        """Agencies whose staff may read the case: lead, active co-agencies, first receiver."""
        first = (self.first_agency,) if self.first_agency else ()
        return tuple(dict.fromkeys((self.lead_agency, *self.co_agencies, *first)))

    def to_json(self) -> dict[str, Any]:
        """The export record (ARCHITECTURE.md "Case export (JSON)") plus extra fields."""
        c = self.complainant
        period = (
            None
            if self.period_start is None and self.period_end is None
            else {"start": iso(self.period_start), "end": iso(self.period_end)}
        )
        return {
            "number": self.number,
            "status": self.status,
            "status_label": self.status_label,
            "category": self.category,
            "category_label": self.category_label,
            "tier": self.tier,
            "tier_label": self.tier_label,
            "description": self.description,
            "created_at": iso(self.created_at),
            "due_at": iso(self.due_at),
            "overdue": self.overdue,
            "channel": self.channel,
            "channel_user": self.channel_user,
            "lead_agency": self.lead_agency,
            "first_agency": self.first_agency,
            "co_agencies": list(self.co_agencies),
            "complainant": {
                "kind": c.kind,
                "name": c.name,
                "phone": c.phone,
                "id_number": c.id_number,
                "employer": c.employer,
                "credit_code": c.credit_code,
                "township": c.township,
                "village": c.village,
                "insurance_type": self.insurance_type,
                "insurance_types": list(self.insurance_keys),
                "period": period,
                "amount": self.amount,
                "people_count": self.people_count,
            },
            "filed_by": None
            if self.filed_by is None
            else {
                "role": self.filed_by.role,
                "name": self.filed_by.name,
                "phone": self.filed_by.phone,
                "township": self.filed_by.township,
                "village": self.filed_by.village,
            },
            "consent": self.consent,
            "related_cases": list(self.related_cases),
            "repeat_of": self.repeat_of,
            "transferred_to": self.transferred_to,
            "latest_reply": self.latest_reply,
            "replied_at": iso(self.replied_at),
            "closed_at": iso(self.closed_at),
            "satisfaction": self.satisfaction,
            "attachments": self.attachments.total,
            "attachment_counts": self.attachments.to_json(),
            "events": [
                {
                    "at": iso(e.at),
                    "actor": e.actor,
                    "actor_name": e.actor_name,
                    "actor_agency": e.actor_agency,
                    "action": e.action,
                    "text": e.text,
                }
                for e in self.events
            ],
        }


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# --- the register search -------------------------------------------------------------------


@dataclass
class CaseFilter:
    """Search the register. ``None`` means "any"; dates are local (county) calendar days."""

    status: str | Sequence[str] | None = None
    category: str | None = None
    tier: str | None = None
    #: Cases this agency may read: it leads, co-handles (active) or first received them.
    agency: str | None = None
    overdue: bool | None = None
    created_from: date | datetime | None = None
    created_to: date | datetime | None = None  # inclusive when a date
    #: Substring of number, description, complainant name / employer / phone / ID number /
    #: credit code; a number is matched by its digits (spaces, dashes, +86, full-width).
    text: str | None = None
    limit: int | None = 500
    offset: int = 0
    #: Load each case's event timeline too (the export needs it; a list view may not).
    with_events: bool = True

    def validate(self) -> None:
        """Raise ``InvalidAction`` naming the allowed values if a filter value is unknown
        (an unknown status must not silently match nothing)."""
        statuses = [self.status] if isinstance(self.status, str) else list(self.status or ())
        check_choice("status", statuses, STATUSES)
        check_choice("category", [self.category] if self.category else [], CATEGORIES)
        check_choice("tier", [self.tier] if self.tier else [], TIERS)


def check_choice(field: str, values: Sequence[str], allowed: Sequence[str]) -> None:
    """``InvalidAction`` with the allowed values when a value is not one of them."""
    for value in values:
        if value not in allowed:
            raise InvalidFilter(field, value, tuple(allowed))


class InvalidFilter(InvalidAction):
    """An unknown filter value; ``allowed`` lists the accepted ones (the API returns them)."""

    def __init__(self, field: str, value: str, allowed: tuple[str, ...]) -> None:
        super().__init__(f"{field} 不认识“{value[:40]}”，应为 {'、'.join(allowed)} 之一。")
        self.field = field
        self.value = value
        self.allowed = allowed


def day_start(value: date | datetime, tz: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))
    return datetime.combine(value, time(0), tzinfo=ZoneInfo(tz))


def case_query(f: CaseFilter, now: datetime, tz: str) -> Any:
    """The SELECT of ``Case`` rows matching ``f``, newest first (``f.limit``, ``f.offset``)."""
    q = _filtered(sa.select(Case), f, now, tz)
    q = q.order_by(col(Case.created_at).desc(), col(Case.id).desc()).offset(f.offset)
    if f.limit is not None:
        q = q.limit(f.limit)
    return q


def count_query(f: CaseFilter, now: datetime, tz: str) -> Any:
    """SELECT count(*) of the cases matching ``f`` (all of them, whatever ``f.limit``)."""
    return _filtered(sa.select(sa.func.count(col(Case.id))), f, now, tz)


def _text_match(text: str) -> Any:
    """Where a search text matches: as typed in the texts and names; by its digits in the
    phone, ID number and credit code (``138 1234 1427`` finds 13812341427)."""
    like = f"%{_escape_like(text)}%"
    fields: list[Any] = [
        col(Case.number).ilike(like, escape="\\"),
        col(Case.description).ilike(like, escape="\\"),
        col(Person.name).ilike(like, escape="\\"),
        col(Person.employer).ilike(like, escape="\\"),
        col(Person.phone).ilike(like, escape="\\"),
        col(Person.id_number).ilike(like, escape="\\"),
        col(Person.credit_code).ilike(like, escape="\\"),
    ]
    digits = phone_digits(text) or digit_string(text)
    if digits and len(digits) >= 3:
        by_digits = f"%{digits.lstrip('+')}%"
        stored_phone = sa.func.replace(
            sa.func.replace(sa.func.replace(col(Person.phone), " ", ""), "-", ""), "+86", ""
        )
        fields += [
            stored_phone.like(by_digits),
            sa.func.upper(col(Person.id_number)).like(by_digits),
            sa.func.upper(col(Person.credit_code)).like(by_digits),
        ]
    normalised = normalise_case_number(text)
    if normalised:
        fields.append(col(Case.number) == normalised)
    return sa.or_(*fields)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(q: Any, f: CaseFilter, now: datetime, tz: str) -> Any:
    """``q`` (a SELECT from cases) with the WHERE of ``f``."""
    q = q.select_from(Case).join(Person, col(Person.id) == col(Case.complainant_id))
    if f.status:
        statuses = [f.status] if isinstance(f.status, str) else list(f.status)
        q = q.where(col(Case.status).in_(statuses))
    if f.category:
        q = q.where(col(Case.category) == f.category)
    if f.tier:
        q = q.where(col(Case.tier) == f.tier)
    if f.agency:
        co = sa.select(col(Assignment.case_id)).where(
            col(Assignment.agency_id) == f.agency,
            col(Assignment.active) == True,  # noqa: E712
        )
        q = q.where(
            sa.or_(
                col(Case.lead_agency) == f.agency,
                col(Case.first_agency) == f.agency,
                col(Case.id).in_(co),
            )
        )
    if f.overdue is not None:
        late = sa.and_(col(Case.due_at) < now, col(Case.status).in_(sorted(OPEN_STATUSES)))
        q = q.where(late if f.overdue else sa.not_(late))
    if f.created_from is not None:
        q = q.where(col(Case.created_at) >= day_start(f.created_from, tz))
    if f.created_to is not None:
        end = (
            f.created_to
            if isinstance(f.created_to, datetime)
            else day_start(f.created_to + timedelta(days=1), tz)
        )
        q = q.where(col(Case.created_at) < end)
    if f.text and f.text.strip():
        q = q.where(_text_match(f.text.strip()))
    return q


async def find(s: AsyncSession, number: str, *, for_update: bool = False) -> Case | None:
    """The case row by number (``for_update``: SELECT … FOR UPDATE, PostgreSQL only)."""
    q = sa.select(Case).where(col(Case.number) == number)
    if for_update:
        q = q.with_for_update()
    return (await s.execute(q)).scalars().first()


def normalise_number(number: str) -> str:
    """Case numbers are matched case-insensitively and without surrounding spaces."""
    return number.strip().upper()


# --- people and agencies -------------------------------------------------------------------


def contact(county: County, agency_id: str) -> AgencyContact:
    if not county.has_agency(agency_id):
        return AgencyContact(agency_id, agency_id, None, None)
    a = county.agency(agency_id)
    return AgencyContact(a.id, a.name, a.phone, a.address)


def actor_of(
    county: County, ref: str, data: dict[str, Any], person: Person, filer: Filer | None
) -> tuple[str, str | None]:
    """(name, agency) of an event's actor as people read them, not ``staff:tax01``."""
    kind, _, ident = ref.partition(":")
    if kind in ("staff", "office", "leader"):
        member = county.staff_member(ident)
        name = member.name if member else str(data.get("actor_name") or ident)
        agency = member.agency if member else data.get("actor_agency")
        return name, agency
    if kind == "grid_worker":
        worker = filer.name if filer is not None else ident
        return f"网格员{worker}", None
    if kind == "complainant":
        return f"缴费人{person.name or person.employer or ''}", None
    if kind == "system":
        return "系统", None
    return str(data.get("actor_name") or ref), data.get("actor_agency")


def case_view(county: County, case: Case, person: Person, filer: Filer | None) -> CaseView:
    """What the complainant (or their grid worker) may see."""
    return CaseView(
        number=case.number,
        status=case.status,
        status_label=status_label(case.status),
        category=case.category,
        tier=case.tier,
        lead=contact(county, case.lead_agency),
        due_at=case.due_at,
        created_at=case.created_at,
        complainant_name=person.name or person.employer,
        complainant_phone_last4=person.phone[-4:] if person.phone else None,
        channel=case.channel,
        channel_user=case.channel_user,
        filed_by_channel_user=filer.channel_user if filer else None,
        latest_reply=case.latest_reply,
        awaiting_feedback=case.status in ("replied", "closed") and case.satisfaction is None,
        filer_phone_last4=filer.phone[-4:] if filer and filer.phone else None,
    )


# --- loading details -----------------------------------------------------------------------


async def details(
    s: AsyncSession,
    county: County,
    cases: list[Case],
    now: datetime,
    *,
    with_events: bool,
) -> list[CaseDetail]:
    """``CaseDetail`` of each case, loading persons, filers, assignments and events at once."""
    if not cases:
        return []
    ids = [c.id for c in cases]
    numbers = [c.number for c in cases]
    persons = {
        p.id: p
        for p in (
            await s.execute(
                sa.select(Person).where(col(Person.id).in_({c.complainant_id for c in cases}))
            )
        ).scalars()
    }
    filer_ids = {c.filer_id for c in cases if c.filer_id is not None}
    filers = (
        {
            f.id: f
            for f in (
                await s.execute(sa.select(Filer).where(col(Filer.id).in_(filer_ids)))
            ).scalars()
        }
        if filer_ids
        else {}
    )
    assignments: dict[int, list[Assignment]] = {i: [] for i in ids if i is not None}
    for a in (
        await s.execute(
            sa.select(Assignment)
            .where(col(Assignment.case_id).in_(ids))
            .order_by(col(Assignment.id))
        )
    ).scalars():
        assignments[a.case_id].append(a)
    events: dict[int, list[Event]] = {i: [] for i in ids if i is not None}
    repeat_events: dict[int, list[str]] = {}
    milestones: dict[int, set[str]] = {i: set() for i in ids if i is not None}
    event_q = sa.select(Event).where(col(Event.case_id).in_(ids))
    if not with_events:
        event_q = event_q.where(col(Event.action).in_(("repeat", *STATE_EVENTS)))
    for e in (await s.execute(event_q.order_by(col(Event.at), col(Event.id)))).scalars():
        events[e.case_id].append(e)
        if e.action == "repeat":
            repeat_events[e.case_id] = list((e.data or {}).get("related_cases", []))
        if e.action in STATE_EVENTS:
            milestones[e.case_id].add(e.action)
    later: dict[str, list[str]] = {}
    for repeat_of, num in (
        await s.execute(
            sa.select(col(Case.repeat_of), col(Case.number))
            .where(col(Case.repeat_of).in_(numbers))
            .order_by(col(Case.id))
        )
    ).all():
        if repeat_of is not None:
            later.setdefault(repeat_of, []).append(num)
    counts = await counts_for_cases(s, [i for i in ids if i is not None])
    out = []
    for c in cases:
        assert c.id is not None
        p = persons[c.complainant_id]
        f = filers.get(c.filer_id) if c.filer_id else None
        related = tuple(dict.fromkeys([*repeat_events.get(c.id, []), *later.get(c.number, [])]))
        shown = events[c.id] if with_events else []
        detail = _detail(county, c, p, f, assignments[c.id], shown, related, now, milestones[c.id])
        if c.id in counts:
            detail = replace(detail, attachments=counts[c.id])
        out.append(detail)
    return out


def _detail(
    county: County,
    c: Case,
    p: Person,
    f: Filer | None,
    assignments: list[Assignment],
    events: list[Event],
    related: tuple[str, ...],
    now: datetime,
    milestones: set[str] | frozenset[str] = frozenset(),
) -> CaseDetail:
    def event_view(e: Event) -> EventView:
        data = dict(e.data or {})
        name, agency = actor_of(county, e.actor, data, p, f)
        return EventView(
            e.id or 0, e.at, e.actor, e.action, action_label(e.action), e.text, data, name, agency
        )

    co = tuple(a.agency_id for a in assignments if a.active and a.role == "co")
    state = CaseState(
        status=c.status,
        tier=c.tier,
        lead=c.lead_agency,
        co_agencies=co,
        pending_opinions=tuple(
            a.agency_id for a in assignments if a.active and a.role == "co" and a.opinion is None
        ),
        joint_started="start_joint" in milestones,
        approved="approve" in milestones,
        satisfaction=c.satisfaction,
        filer_phone=f.phone if f is not None else None,
        channel_user=c.channel_user,
    )
    return CaseDetail(
        number=c.number,
        status=c.status,
        status_label=status_label(c.status),
        category=c.category,
        category_label=category_label(c.category),
        tier=c.tier,
        tier_label=tier_label(c.tier),
        description=c.description,
        created_at=c.created_at,
        due_at=c.due_at,
        updated_at=c.updated_at,
        channel=c.channel,
        channel_user=c.channel_user,
        lead_agency=c.lead_agency,
        co_agencies=co,
        complainant=PersonView(
            p.kind, p.name, p.phone, p.id_number, p.employer, p.credit_code, p.township, p.village
        ),
        filed_by=None
        if f is None
        else FilerView(f.role, f.name, f.phone, f.township, f.village, f.channel, f.channel_user),
        consent=c.consent,
        insurance_type=c.insurance_type,
        insurance_types=tuple(k for k in (c.insurance_types or "").split(",") if k),
        period_start=c.period_start,
        period_end=c.period_end,
        amount=c.amount,
        people_count=c.people_count,
        nlu_confidence=c.nlu_confidence,
        repeat_of=c.repeat_of,
        related_cases=related,
        transferred_to=c.transferred_to,
        latest_reply=c.latest_reply,
        replied_at=c.replied_at,
        closed_at=c.closed_at,
        satisfaction=c.satisfaction,
        reminders=tuple(c.reminders or ()),
        assignments=tuple(
            AssignmentView(
                a.agency_id,
                contact(county, a.agency_id).name,
                a.role,
                a.active,
                a.assigned_at,
                a.opinion,
                a.opinion_at,
            )
            for a in assignments
        ),
        events=tuple(event_view(e) for e in events),
        overdue=c.status in OPEN_STATUSES and c.due_at < now,
        allowed_actions=possible_actions(state),
        first_agency=c.first_agency,
        joint_started=state.joint_started,
        approved=state.approved,
    )
