"""The case service: opening cases, staff actions, look-ups. Implements ``backend.ports.CaseDesk``.

Every change happens in ONE transaction: the case row, its event (the archive) and the outbox
rows of the notifications it causes. Notification recipients are resolved when the row is
written (from the agencies' ``notify`` targets; the complainant's own channel).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend import deadlines, texts
from backend.categories import CATEGORIES, TIERS, category_label, tier_label
from backend.config import County
from backend.db import Database
from backend.drafts import AgencyContact, CaseDraft, CaseView, OpenedCase
from backend.models import (
    Assignment,
    Case,
    CaseCounter,
    Event,
    Filer,
    OutboxMessage,
    Person,
    utcnow,
)
from backend.routing import Route, route
from backend.tiers import decide_tier
from backend.workflow import (
    OPEN_STATUSES,
    ROUTES,
    VERDICTS,
    Actor,
    CaseNotFound,
    Forbidden,
    IllegalTransition,
    InvalidAction,
    StaffAction,
    action_label,
    allowed_actions,
    check_permission,
    next_status,
    status_label,
)

__all__ = [
    "Actor",
    "AssignmentView",
    "CaseDetail",
    "CaseFilter",
    "CaseNotFound",
    "CaseService",
    "EventView",
    "FilerView",
    "Forbidden",
    "IllegalTransition",
    "InvalidAction",
    "PersonView",
    "StaffAction",
]

log = logging.getLogger(__name__)

STAFF_NEW_CASE_ACTIONS: list[list[str]] = [
    ["accept", "受理"],
    ["transfer", "移送"],
    ["detail", "详情"],
]
DETAIL_ONLY: list[list[str]] = [["detail", "详情"]]
OPINION_ACTIONS: list[list[str]] = [["opinion", "提交意见"], ["detail", "详情"]]
APPROVE_ACTIONS: list[list[str]] = [["approve", "批准"], ["detail", "详情"]]


# --- read models -------------------------------------------------------------------------


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
    #: Legal next actions in the current status (before permission checks).
    allowed_actions: tuple[str, ...]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def to_json(self) -> dict[str, Any]:
        """The export record (ARCHITECTURE.md "Case export (JSON)") plus extra fields."""
        c = self.complainant
        period = (
            None
            if self.period_start is None and self.period_end is None
            else {
                "start": _iso(self.period_start),
                "end": _iso(self.period_end),
            }
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
            "created_at": _iso(self.created_at),
            "due_at": _iso(self.due_at),
            "overdue": self.overdue,
            "channel": self.channel,
            "channel_user": self.channel_user,
            "lead_agency": self.lead_agency,
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
            "replied_at": _iso(self.replied_at),
            "closed_at": _iso(self.closed_at),
            "satisfaction": self.satisfaction,
            "events": [
                {"at": _iso(e.at), "actor": e.actor, "action": e.action, "text": e.text}
                for e in self.events
            ],
        }


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass
class CaseFilter:
    """Search the register. ``None`` means "any"; dates are local (county) calendar days."""

    status: str | Sequence[str] | None = None
    category: str | None = None
    tier: str | None = None
    #: Cases where this agency is the lead or an active co-agency.
    agency: str | None = None
    overdue: bool | None = None
    created_from: date | datetime | None = None
    created_to: date | datetime | None = None  # inclusive when a date
    #: Substring of number, description, complainant name / employer / phone.
    text: str | None = None
    limit: int | None = 500
    offset: int = 0
    #: Load each case's event timeline too (the export needs it; a list view may not).
    with_events: bool = True


# --- internal: notifications to write ------------------------------------------------------


@dataclass
class _Note:
    """One notification, to a set of recipients (each becomes an outbox row)."""

    kind: str
    title: str
    body: str
    targets: list[tuple[str, str]]
    actions: list[list[str]] | None = None
    due_label: str | None = None


@dataclass
class _Change:
    """What an action does besides the status: its event text/data and notifications."""

    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[_Note] = field(default_factory=list)


class CaseService:
    """Cases for the dialogue (``CaseDesk``) and for staff (detail, list, act)."""

    def __init__(
        self, county: County, db: Database, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.county = county
        self.db = db
        self.clock = clock

    # ==================================================================================
    # opening a case
    # ==================================================================================

    async def open_case(self, draft: CaseDraft) -> OpenedCase:
        """Register a case in one transaction: number, routing, tier, due date, events, outbox."""
        now = self._now()
        category = draft.category if draft.category in CATEGORIES else "other"
        description = (draft.description or "").strip() or "（未填写诉求内容）"
        key = (draft.draft_key or "").strip()[:64] or None
        if key is not None:
            earlier = await self._opened_from_draft(key)
            if earlier is not None:
                return earlier
        try:
            return await self._open_new(draft, key, category, description, now)
        except sa.exc.IntegrityError:
            # Another process opened the same draft between our look-up and our commit.
            if key is None:
                raise
            earlier = await self._opened_from_draft(key)
            if earlier is None:
                raise
            return earlier

    async def _opened_from_draft(self, key: str) -> OpenedCase | None:
        """The case already opened from draft ``key``, as ``open_case`` returned it."""
        async with self.db.session() as s:
            case = (
                await s.execute(sa.select(Case).where(col(Case.draft_key) == key))
            ).scalar_one_or_none()
            if case is None:
                return None
            assert case.id is not None
            rows = await s.execute(
                sa.select(col(Assignment.agency_id))
                .where(
                    col(Assignment.case_id) == case.id,
                    col(Assignment.role) == "co",
                    col(Assignment.active).is_(True),
                )
                .order_by(col(Assignment.id))
            )
            co = [r[0] for r in rows]
        return OpenedCase(
            number=case.number,
            category=case.category,
            tier=case.tier,
            lead=self._contact(case.lead_agency),
            co_agencies=tuple(self._contact(a) for a in co),
            due_at=case.due_at,
            working_days=self.county.working_days(case.tier),
            related_cases=(case.repeat_of,) if case.repeat_of else (),
        )

    async def _open_new(
        self,
        draft: CaseDraft,
        key: str | None,
        category: str,
        description: str,
        now: datetime,
    ) -> OpenedCase:
        county = self.county
        c = draft.complainant
        async with self.db.session(write=True) as s:
            number = await self._next_number(s, now)
            related = await self._earlier_cases(s, draft, category, now)
            routed = route(
                county, category, c.insurance_type, c.period_start, c.period_end, description
            )
            decision = decide_tier(
                county.tiers,
                category,
                hint=draft.tier_hint,
                amount=c.amount,
                people_count=c.people_count,
                text=description,
                keywords=draft.keywords,
                repeat=bool(related),
            )
            working_days = county.working_days(decision.tier)
            due = deadlines.due_at(now, working_days, county.timezone)
            person = Person(
                kind=c.kind,
                name=_clean(c.name),
                phone=_clean(c.phone),
                id_number=_clean(c.id_number, upper=True),
                employer=_clean(c.employer),
                credit_code=_clean(c.credit_code, upper=True),
                township=_clean(c.township),
                village=_clean(c.village),
            )
            s.add(person)
            filer: Filer | None = None
            if draft.filed_by is not None:
                f = draft.filed_by
                filer = Filer(
                    role=f.role,
                    name=f.name,
                    phone=f.phone,
                    township=f.township,
                    village=f.village,
                    channel=draft.channel,
                    channel_user=draft.channel_user,
                )
                s.add(filer)
            await s.flush()
            assert person.id is not None
            case = Case(
                number=number,
                status="registered",
                category=category,
                tier=decision.tier,
                description=description,
                created_at=now,
                due_at=due,
                channel=draft.channel,
                channel_user=draft.channel_user,
                lead_agency=routed.lead,
                complainant_id=person.id,
                filer_id=filer.id if filer else None,
                consent=bool(draft.consent) if filer else True,
                insurance_type=c.insurance_type,
                period_start=c.period_start,
                period_end=c.period_end,
                amount=c.amount,
                people_count=c.people_count,
                nlu_confidence=draft.nlu_confidence,
                draft_key=key,
                repeat_of=related[0] if related else None,
                reminders=[],
                updated_at=now,
            )
            s.add(case)
            await s.flush()
            assert case.id is not None
            s.add(Assignment(case_id=case.id, agency_id=routed.lead, role="lead", assigned_at=now))
            for co in routed.co:
                s.add(Assignment(case_id=case.id, agency_id=co, role="co", assigned_at=now))
            opener = f"grid_worker:{filer.phone}" if filer is not None else "complainant"
            register = Event(
                case_id=case.id,
                at=now,
                actor=opener,
                action="register",
                text=description,
                data={
                    "channel": draft.channel,
                    "category": category,
                    "tier": decision.tier,
                    "tier_reasons": list(decision.reasons),
                    "lead": routed.lead,
                    "co": list(routed.co),
                    "route_rule": routed.rule,
                    "period_side": routed.side,
                    "working_days": working_days,
                    "due_at": due.isoformat(),
                    "reported_at": _iso(draft.reported_at),
                    "nlu_confidence": draft.nlu_confidence,
                    "tier_hint": draft.tier_hint,
                    "outside_gazetteer": self._outside_gazetteer(c.township, c.village),
                },
            )
            s.add(register)
            if filer is not None:
                s.add(
                    Event(
                        case_id=case.id,
                        at=now,
                        actor=opener,
                        action="consent",
                        text=(
                            f"网格员{filer.name}代缴费人登记，确认缴费人已同意代办。"
                            if draft.consent
                            else f"网格员{filer.name}代缴费人登记，未确认缴费人同意。"
                        ),
                        data={"consent": bool(draft.consent), "filer": filer.name},
                    )
                )
            if related:
                s.add(
                    Event(
                        case_id=case.id,
                        at=now,
                        actor="system",
                        action="repeat",
                        text=f"{county.repeat_window_days}天内重复反映，关联案件："
                        + "、".join(related),
                        data={"related_cases": related},
                    )
                )
            await s.flush()
            assert register.id is not None
            label = deadlines.due_label(due, county.timezone, working_days)
            notes = self._new_case_notes(case, person, filer, routed, label)
            self._write_outbox(s, case, register.id, notes, now)
            await s.commit()
        return OpenedCase(
            number=number,
            category=category,
            tier=decision.tier,
            lead=self._contact(routed.lead),
            co_agencies=tuple(self._contact(a) for a in routed.co),
            due_at=due,
            working_days=working_days,
            related_cases=tuple(related),
        )

    async def _next_number(self, s: AsyncSession, now: datetime) -> str:
        """``YC-2026-000123``: an atomic upsert-increment of ``case_counters`` (row-locked on
        PostgreSQL until commit, so concurrent openings get distinct sequential numbers)."""
        year = now.astimezone(ZoneInfo(self.county.timezone)).year
        table = CaseCounter.__table__  # type: ignore[attr-defined]
        insert = postgresql.insert if self.db.dialect_name == "postgresql" else sqlite.insert
        stmt = (
            insert(table)
            .values(county=self.county.id, year=year, last_seq=1)
            .on_conflict_do_update(
                index_elements=["county", "year"], set_={"last_seq": table.c.last_seq + 1}
            )
            .returning(table.c.last_seq)
        )
        seq = (await s.execute(stmt)).scalar_one()
        return f"{self.county.id}-{year}-{seq:06d}"

    async def _earlier_cases(
        self, s: AsyncSession, draft: CaseDraft, category: str, now: datetime
    ) -> list[str]:
        """Repeat complaints (重复件): same ID number, or same employer / credit code in the
        same category, within the window. Newest first."""
        c = draft.complainant
        id_number = _clean(c.id_number, upper=True)
        credit = _clean(c.credit_code, upper=True)
        employer = _clean(c.employer)
        same: list[Any] = []
        if id_number:
            same.append(col(Person.id_number) == id_number)
        by_employer = [
            cond
            for cond, value in (
                (col(Person.credit_code) == credit, credit),
                (col(Person.employer) == employer, employer),
            )
            if value
        ]
        if by_employer:
            same.append(sa.and_(sa.or_(*by_employer), col(Case.category) == category))
        if not same:
            return []
        since = now - timedelta(days=self.county.repeat_window_days)
        rows = await s.execute(
            sa.select(col(Case.number))
            .join(Person, col(Person.id) == col(Case.complainant_id))
            .where(col(Case.created_at) >= since, sa.or_(*same))
            .order_by(col(Case.created_at).desc(), col(Case.id).desc())
            .limit(20)
        )
        return [r[0] for r in rows]

    def _outside_gazetteer(self, township: str | None, village: str | None) -> bool:
        if not township:
            return False
        villages = self.county.gazetteer().get(township)
        return villages is None or (village is not None and village not in villages)

    def _new_case_notes(
        self, case: Case, person: Person, filer: Filer | None, routed: Route, label: str
    ) -> list[_Note]:
        summary = texts.case_summary(
            self.county, case, person, filer, lead=routed.lead, co=routed.co
        )
        notes = [
            _Note(
                "new_case",
                f"新案件 {case.number}（牵头办理）",
                "\n".join(
                    [
                        f"【新案件】{case.number}",
                        *summary,
                        f"办理时限：{label}",
                        "请及时受理或移送。",
                    ]
                ),
                self._agency_targets(routed.lead),
                STAFF_NEW_CASE_ACTIONS,
                label,
            )
        ]
        for co in routed.co:
            notes.append(
                _Note(
                    "new_case",
                    f"新案件 {case.number}（联办）",
                    "\n".join(
                        [
                            f"【新案件·联办】{case.number}",
                            *summary,
                            f"办理时限：{label}",
                            "本单位为联办单位，请在时限内向牵头单位提交书面意见。",
                        ]
                    ),
                    self._agency_targets(co),
                    DETAIL_ONLY,
                    label,
                )
            )
        if case.tier == "complex" and routed.lead != self.county.office:
            notes.append(
                _Note(
                    "complex_case",
                    f"重大疑难案件 {case.number}",
                    "\n".join(
                        [
                            f"【重大疑难】{case.number}",
                            *summary,
                            f"办理时限：{label}",
                            "请领导小组办公室关注，按复杂争议流程上报、审批、会商。",
                        ]
                    ),
                    self._agency_targets(self.county.office),
                    DETAIL_ONLY,
                    label,
                )
            )
        return notes

    # ==================================================================================
    # the complainant's side (CaseDesk)
    # ==================================================================================

    async def find_case(self, number: str) -> CaseView | None:
        async with self.db.session() as s:
            case = await self._case(s, normalise_number(number))
            if case is None:
                return None
            person = await s.get(Person, case.complainant_id)
            filer = await s.get(Filer, case.filer_id) if case.filer_id else None
        assert person is not None
        return self._view(case, person, filer)

    async def cases_of_user(self, channel: str, user_ref: str) -> list[CaseView]:
        async with self.db.session() as s:
            rows = await s.execute(
                sa.select(Case, Person, Filer)
                .join(Person, col(Person.id) == col(Case.complainant_id))
                .outerjoin(Filer, col(Filer.id) == col(Case.filer_id))
                .where(
                    sa.or_(
                        sa.and_(col(Case.channel) == channel, col(Case.channel_user) == user_ref),
                        sa.and_(col(Filer.channel) == channel, col(Filer.channel_user) == user_ref),
                    )
                )
                .order_by(col(Case.created_at).desc(), col(Case.id).desc())
            )
            return [self._view(case, person, filer) for case, person, filer in rows.all()]

    async def record_feedback(
        self, number: str, verdict: str, text: str, *, actor: str
    ) -> CaseView:
        await self.act(
            number,
            StaffAction(kind="feedback", actor=Actor.from_ref(actor), text=text, verdict=verdict),
        )
        view = await self.find_case(number)
        assert view is not None
        return view

    def _view(self, case: Case, person: Person, filer: Filer | None) -> CaseView:
        return CaseView(
            number=case.number,
            status=case.status,
            status_label=status_label(case.status),
            category=case.category,
            tier=case.tier,
            lead=self._contact(case.lead_agency),
            due_at=case.due_at,
            created_at=case.created_at,
            complainant_name=person.name or person.employer,
            complainant_phone_last4=person.phone[-4:] if person.phone else None,
            channel=case.channel,
            channel_user=case.channel_user,
            filed_by_channel_user=filer.channel_user if filer else None,
            latest_reply=case.latest_reply,
            awaiting_feedback=case.status in ("replied", "closed") and case.satisfaction is None,
        )

    # ==================================================================================
    # the staff side
    # ==================================================================================

    async def detail(self, number: str) -> CaseDetail:
        async with self.db.session() as s:
            case = await self._case(s, normalise_number(number))
            if case is None:
                raise CaseNotFound(f"没有编号为 {number} 的案件。")
            [detail] = await self._details(s, [case], with_events=True)
        return detail

    async def list_cases(self, filter: CaseFilter | None = None) -> list[CaseDetail]:
        f = filter or CaseFilter()
        now = self._now()
        q = sa.select(Case).join(Person, col(Person.id) == col(Case.complainant_id))
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
            q = q.where(sa.or_(col(Case.lead_agency) == f.agency, col(Case.id).in_(co)))
        if f.overdue is not None:
            late = sa.and_(col(Case.due_at) < now, col(Case.status).in_(sorted(OPEN_STATUSES)))
            q = q.where(late if f.overdue else sa.not_(late))
        if f.created_from is not None:
            q = q.where(col(Case.created_at) >= self._day_start(f.created_from))
        if f.created_to is not None:
            end = (
                f.created_to
                if isinstance(f.created_to, datetime)
                else self._day_start(f.created_to + timedelta(days=1))
            )
            q = q.where(col(Case.created_at) < end)
        if f.text:
            like = f"%{f.text.strip()}%"
            q = q.where(
                sa.or_(
                    col(Case.number).ilike(like),
                    col(Case.description).ilike(like),
                    col(Person.name).ilike(like),
                    col(Person.employer).ilike(like),
                    col(Person.phone).ilike(like),
                )
            )
        q = q.order_by(col(Case.created_at).desc(), col(Case.id).desc()).offset(f.offset)
        if f.limit is not None:
            q = q.limit(f.limit)
        async with self.db.session() as s:
            cases = list((await s.execute(q)).scalars())
            return await self._details(s, cases, with_events=f.with_events)

    async def act(self, number: str, action: StaffAction) -> CaseDetail:
        """Apply one staff (or complainant) action: permission, transition, event, outbox —
        all in one transaction. Raises ``CaseNotFound``, ``Forbidden``, ``IllegalTransition``
        or ``InvalidAction`` and then changes nothing."""
        number = normalise_number(number)
        now = self._now()
        async with self.db.session(write=True) as s:
            case = await self._case(s, number, lock=True)
            if case is None:
                raise CaseNotFound(f"没有编号为 {number} 的案件。")
            assert case.id is not None
            assignments = list(
                (
                    await s.execute(
                        sa.select(Assignment)
                        .where(col(Assignment.case_id) == case.id)
                        .order_by(col(Assignment.id))
                    )
                ).scalars()
            )
            person = await s.get(Person, case.complainant_id)
            filer = await s.get(Filer, case.filer_id) if case.filer_id else None
            assert person is not None
            co = tuple(a.agency_id for a in assignments if a.active and a.role == "co")
            check_permission(
                action.actor,
                action.kind,
                lead=case.lead_agency,
                co_agencies=co,
                filer_phone=filer.phone if filer else None,
                channel_user=case.channel_user,
            )
            target = next_status(case.status, action)
            ctx = _ActionContext(self, s, case, person, filer, assignments, action, now)
            change = await ctx.apply()
            before = case.status
            case.status = target
            case.updated_at = now
            event = Event(
                case_id=case.id,
                at=now,
                actor=action.actor.ref,
                action=action.kind,
                text=change.text,
                data={
                    "from": before,
                    "to": target,
                    "actor_name": action.actor.name or None,
                    "actor_agency": action.actor.agency,
                    **change.data,
                },
            )
            s.add(event)
            await s.flush()
            assert event.id is not None
            self._write_outbox(s, case, event.id, change.notes, now)
            await s.commit()
        return await self.detail(number)

    # ==================================================================================
    # helpers
    # ==================================================================================

    def _now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        return now.astimezone(UTC)

    def _day_start(self, value: date | datetime) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(self.county.timezone))
        return datetime.combine(value, time(0), tzinfo=ZoneInfo(self.county.timezone))

    def _contact(self, agency_id: str) -> AgencyContact:
        if not self.county.has_agency(agency_id):
            return AgencyContact(agency_id, agency_id, None, None)
        a = self.county.agency(agency_id)
        return AgencyContact(a.id, a.name, a.phone, a.address)

    def _agency_targets(self, agency_id: str) -> list[tuple[str, str]]:
        if not self.county.has_agency(agency_id):
            return [("console", agency_id)]
        targets: list[tuple[str, str]] = [
            (t.channel, t.to) for t in self.county.agency(agency_id).notify
        ]
        if not targets:
            # Never lose a staff notification: without a configured target it goes to the log.
            log.warning("单位 %s 没有配置通知对象（notify），通知写入控制台", agency_id)
            return [("console", agency_id)]
        return targets

    def _complainant_targets(self, case: Case) -> list[tuple[str, str]]:
        return [(case.channel, case.channel_user)]

    def _write_outbox(
        self, s: AsyncSession, case: Case, event_id: int, notes: Iterable[_Note], now: datetime
    ) -> None:
        seen: set[tuple[str, str]] = set()
        for note in notes:
            for channel, to in note.targets:
                if (channel, to) in seen:  # one message per recipient and event
                    continue
                seen.add((channel, to))
                s.add(
                    OutboxMessage(
                        case_id=case.id,
                        channel=channel,
                        recipient=to,
                        kind=note.kind,
                        title=note.title[:200],
                        body=note.body,
                        due_label=note.due_label,
                        actions=note.actions,
                        dedup_key=f"{case.number}:{event_id}:{channel}:{to}"[:200],
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )

    async def _case(self, s: AsyncSession, number: str, *, lock: bool = False) -> Case | None:
        q = sa.select(Case).where(col(Case.number) == number)
        if lock and self.db.dialect_name == "postgresql":
            q = q.with_for_update()
        return (await s.execute(q)).scalars().first()

    async def _details(
        self, s: AsyncSession, cases: list[Case], *, with_events: bool
    ) -> list[CaseDetail]:
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
        event_q = sa.select(Event).where(col(Event.case_id).in_(ids))
        if not with_events:
            event_q = event_q.where(col(Event.action) == "repeat")
        for e in (await s.execute(event_q.order_by(col(Event.at), col(Event.id)))).scalars():
            events[e.case_id].append(e)
            if e.action == "repeat":
                repeat_events[e.case_id] = list((e.data or {}).get("related_cases", []))
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
        now = self._now()
        out = []
        for c in cases:
            assert c.id is not None
            p = persons[c.complainant_id]
            f = filers.get(c.filer_id) if c.filer_id else None
            related = tuple(dict.fromkeys([*repeat_events.get(c.id, []), *later.get(c.number, [])]))
            out.append(
                CaseDetail(
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
                    co_agencies=tuple(
                        a.agency_id for a in assignments[c.id] if a.active and a.role == "co"
                    ),
                    complainant=PersonView(
                        p.kind,
                        p.name,
                        p.phone,
                        p.id_number,
                        p.employer,
                        p.credit_code,
                        p.township,
                        p.village,
                    ),
                    filed_by=None
                    if f is None
                    else FilerView(
                        f.role, f.name, f.phone, f.township, f.village, f.channel, f.channel_user
                    ),
                    consent=c.consent,
                    insurance_type=c.insurance_type,
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
                            self._contact(a.agency_id).name,
                            a.role,
                            a.active,
                            a.assigned_at,
                            a.opinion,
                            a.opinion_at,
                        )
                        for a in assignments[c.id]
                    ),
                    events=tuple(
                        EventView(
                            e.id or 0,
                            e.at,
                            e.actor,
                            e.action,
                            action_label(e.action),
                            e.text,
                            dict(e.data or {}),
                        )
                        for e in events[c.id]
                        if with_events
                    ),
                    overdue=c.status in OPEN_STATUSES and c.due_at < now,
                    allowed_actions=allowed_actions(c.status),
                )
            )
        return out


def normalise_number(number: str) -> str:
    """Case numbers are matched case-insensitively and without surrounding spaces."""
    return number.strip().upper()


def _clean(value: str | None, *, upper: bool = False) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    return value.upper() if upper else value


# --- the actions -------------------------------------------------------------------------


class _ActionContext:
    """Applies one action's effects to the loaded rows (the caller writes event and outbox)."""

    def __init__(
        self,
        service: CaseService,
        session: AsyncSession,
        case: Case,
        person: Person,
        filer: Filer | None,
        assignments: list[Assignment],
        action: StaffAction,
        now: datetime,
    ) -> None:
        self.svc = service
        self.county = service.county
        self.s = session
        self.case = case
        self.person = person
        self.filer = filer
        self.assignments = assignments
        self.action = action
        self.now = now

    async def apply(self) -> _Change:
        handler = getattr(self, f"_{self.action.kind}")
        change: _Change = await handler()
        return change

    # -- helpers --

    @property
    def co(self) -> tuple[str, ...]:
        return tuple(a.agency_id for a in self.assignments if a.active and a.role == "co")

    def _text(self, what: str) -> str:
        text = (self.action.text or "").strip()
        if not text:
            raise InvalidAction(f"{action_label(self.action.kind)}需要填写{what}。")
        return text

    def _label(self) -> str:
        return deadlines.due_label(
            self.case.due_at, self.county.timezone, self.county.working_days(self.case.tier)
        )

    def _summary(self) -> list[str]:
        return texts.case_summary(
            self.county, self.case, self.person, self.filer, lead=self.case.lead_agency, co=self.co
        )

    def _to_complainant(self, title: str, body: str) -> _Note:
        return _Note("to_complainant", title, body, self.svc._complainant_targets(self.case))

    def _to_agency(
        self, agency: str, kind: str, title: str, lines: list[str], actions: list[list[str]]
    ) -> _Note:
        label = self._label()
        return _Note(
            kind,
            title,
            "\n".join([*lines, f"办理时限：{label}"]),
            self.svc._agency_targets(agency),
            actions,
            label,
        )

    def _require_agency(self, agency: str | None) -> str:
        if not agency:
            raise InvalidAction(f"{action_label(self.action.kind)}需要指定单位。")
        if not self.county.has_agency(agency):
            raise InvalidAction(f"没有编号为“{agency}”的单位。")
        return agency

    def _set_lead(self, agency: str) -> None:
        for a in self.assignments:
            if a.active and (a.role == "lead" or a.agency_id == agency):
                a.active = False
        new = Assignment(
            case_id=self.case.id or 0, agency_id=agency, role="lead", assigned_at=self.now
        )
        self.s.add(new)
        self.assignments.append(new)
        self.case.lead_agency = agency

    def _add_co(self, agency: str) -> None:
        if agency == self.case.lead_agency or agency in self.co:
            return
        new = Assignment(
            case_id=self.case.id or 0, agency_id=agency, role="co", assigned_at=self.now
        )
        self.s.add(new)
        self.assignments.append(new)

    async def _complex_needs_approval(self, what: str) -> None:
        """Complex cases pass 上报 -> 批准 before the answer (DOMAIN.md §5)."""
        if self.case.tier != "complex":
            return
        approved = await self.s.scalar(
            sa.select(sa.func.count(col(Event.id))).where(
                col(Event.case_id) == self.case.id, col(Event.action) == "approve"
            )
        )
        if not approved:
            raise IllegalTransition(
                f"重大疑难事项须经领导小组批准专案办理后才能{what}，请先上报领导小组办公室。"
            )

    # -- actions --

    async def _accept(self) -> _Change:
        agency = (
            self.county.agency(self.case.lead_agency)
            if self.county.has_agency(self.case.lead_agency)
            else None
        )
        name = agency.name if agency else self.case.lead_agency
        return _Change(text=self.action.text.strip() or f"{name}受理。")

    async def _transfer(self) -> _Change:
        target = self._require_agency(self.action.target_agency)
        if target == self.case.lead_agency:
            raise InvalidAction("移送的单位就是现在的牵头单位。")
        reason = self._text("移送理由")
        old = self.case.lead_agency
        self._set_lead(target)
        new = self.county.agency(target)
        lines = [
            f"【移送】{self.case.number} 由{texts.agency_names(self.county, [old])}移送本单位办理",
            f"移送理由：{reason}",
            *self._summary(),
            "办理时限不变，请及时受理。",
        ]
        return _Change(
            text=reason,
            data={"from_agency": old, "to_agency": target},
            notes=[
                self._to_agency(
                    target,
                    "transfer",
                    f"移送案件 {self.case.number}",
                    lines,
                    STAFF_NEW_CASE_ACTIONS,
                ),
                self._to_complainant(
                    f"案件 {self.case.number} 已移送",
                    f"您反映的问题（案件 {self.case.number}）已移送{texts.contact(new)}办理。"
                    f"原定答复时限不变，将在{texts.local_day(self.case.due_at, self.county.timezone)}"
                    f"前答复您。",
                ),
            ],
        )

    async def _transfer_out(self) -> _Change:
        where = (self.action.jurisdiction or "").strip()
        if not where:
            raise InvalidAction("转外地需要填写有管辖权的地区或单位。")
        reason = self.action.text.strip() or "非本辖区社保争议，转有管辖权的地区处理。"
        self.case.transferred_to = where
        return _Change(
            text=reason,
            data={"jurisdiction": where},
            notes=[
                self._to_complainant(
                    f"案件 {self.case.number} 已转{where}",
                    f"您反映的问题（案件 {self.case.number}）不属于{self.county.name}管辖，"
                    f"已转{where}处理，请留意对方与您联系。{reason}",
                )
            ],
        )

    async def _start_joint(self) -> _Change:
        if self.action.target_agency:
            self._add_co(self._require_agency(self.action.target_agency))
        if not self.co:
            raise InvalidAction("发起联办需要至少一个联办单位，请指定单位。")
        text = (
            self.action.text.strip() or "牵头单位发起联合办理，请各联办单位在时限内提交书面意见。"
        )
        lines = [
            f"【联办】{self.case.number} 请本单位依职权办理并提交书面意见",
            f"说明：{text}",
            *self._summary(),
        ]
        notes = [
            self._to_agency(co, "joint", f"联办案件 {self.case.number}", lines, OPINION_ACTIONS)
            for co in self.co
        ]
        return _Change(text=text, data={"co_agencies": list(self.co)}, notes=notes)

    async def _submit_opinion(self) -> _Change:
        opinion = self._text("书面意见")
        agency = self.action.actor.agency
        if self.action.actor.is_county_wide:
            agency = self.action.target_agency or agency
        mine = [
            a for a in self.assignments if a.active and a.role == "co" and a.agency_id == agency
        ]
        if not mine:
            raise InvalidAction("请指明提交意见的联办单位。")
        mine[0].opinion = opinion
        mine[0].opinion_at = self.now
        waiting = [
            a.agency_id
            for a in self.assignments
            if a.active and a.role == "co" and a.opinion is None and a is not mine[0]
        ]
        assert agency is not None
        lines = [
            f"【联办意见】{self.case.number} {texts.agency_names(self.county, [agency])}的书面意见：",
            opinion,
            "联办意见已全部收到，请综合后答复缴费人。"
            if not waiting
            else f"尚待：{texts.agency_names(self.county, waiting)}",
        ]
        return _Change(
            text=opinion,
            data={"agency": agency, "all_opinions": not waiting},
            notes=[
                self._to_agency(
                    self.case.lead_agency,
                    "opinion",
                    f"联办意见 {self.case.number}",
                    lines,
                    DETAIL_ONLY,
                )
            ],
        )

    async def _reply(self) -> _Change:
        answer = self._text("书面答复内容")
        await self._complex_needs_approval("答复")
        self.case.latest_reply = answer
        self.case.replied_at = self.now
        return _Change(
            text=answer,
            notes=[
                self._to_complainant(
                    f"案件 {self.case.number} 答复",
                    f"您反映的问题（案件 {self.case.number}）答复如下：\n{answer}\n"
                    f"答复单位：{texts.contact(self.county.agency(self.case.lead_agency))}",
                )
            ],
        )

    async def _escalate(self) -> _Change:
        reason = self._text("上报理由")
        lines = [
            f"【上报】{self.case.number} 请领导小组办公室审批专案办理",
            f"理由：{reason}",
            *self._summary(),
        ]
        return _Change(
            text=reason,
            notes=[
                self._to_agency(
                    self.county.office,
                    "escalated",
                    f"上报案件 {self.case.number}",
                    lines,
                    APPROVE_ACTIONS,
                )
            ],
        )

    async def _approve(self) -> _Change:
        text = self.action.text.strip() or "经领导小组组长同意，按专案处理。"
        lines = [f"【批准】{self.case.number} 领导小组已批准专案办理", f"意见：{text}"]
        notes = [
            self._to_agency(agency, "approved", f"批准专案 {self.case.number}", lines, DETAIL_ONLY)
            for agency in (self.case.lead_agency, *self.co)
        ]
        return _Change(text=text, notes=notes)

    async def _record_minutes(self) -> _Change:
        minutes = self._text("会议纪要")
        lines = [f"【会商纪要】{self.case.number}", minutes]
        notes = [
            self._to_agency(agency, "minutes", f"会商纪要 {self.case.number}", lines, DETAIL_ONLY)
            for agency in (self.case.lead_agency, *self.co)
        ]
        return _Change(text=minutes, notes=notes)

    async def _reclassify(self) -> _Change:
        category = self.action.category or self.case.category
        tier = self.action.tier or self.case.tier
        if category not in CATEGORIES:
            raise InvalidAction(f"不认识的争议类别“{category}”。")
        if tier not in TIERS:
            raise InvalidAction(f"不认识的分类“{tier}”，应为简易、一般或重大疑难。")
        if category == self.case.category and tier == self.case.tier:
            raise InvalidAction("类别和分类都没有变化。")
        old = {
            "category": self.case.category,
            "tier": self.case.tier,
            "lead": self.case.lead_agency,
        }
        notes: list[_Note] = []
        if category != self.case.category:
            routed = route(
                self.county,
                category,
                self.case.insurance_type,
                self.case.period_start,
                self.case.period_end,
                self.case.description,
            )
            if routed.lead != self.case.lead_agency:
                self._set_lead(routed.lead)
            for a in self.assignments:
                if a.active and a.role == "co" and a.agency_id not in routed.co:
                    a.active = False
            for co in routed.co:
                self._add_co(co)
            self.case.category = category
        self.case.tier = tier
        text = self.action.text.strip() or "调整类别/分类"
        lines = [
            f"【调整】{self.case.number} {category_label(old['category'])}/{tier_label(old['tier'])}"
            f" → {category_label(category)}/{tier_label(tier)}（办理时限不变）",
            *self._summary(),
        ]
        if self.case.lead_agency != old["lead"]:
            notes.append(
                self._to_agency(
                    self.case.lead_agency,
                    "transfer",
                    f"改派案件 {self.case.number}",
                    lines,
                    STAFF_NEW_CASE_ACTIONS,
                )
            )
        if tier == "complex" and old["tier"] != "complex":
            notes.append(
                self._to_agency(
                    self.county.office,
                    "complex_case",
                    f"重大疑难案件 {self.case.number}",
                    lines,
                    DETAIL_ONLY,
                )
            )
        return _Change(
            text=text,
            data={
                "old": old,
                "new": {"category": category, "tier": tier, "lead": self.case.lead_agency},
            },
            notes=notes,
        )

    async def _extend_due(self) -> _Change:
        days = self.action.extend_days
        if days is None or days < 1 or days > 60:
            raise InvalidAction("延长时限需要填写 1 到 60 个工作日。")
        old = self.case.due_at
        self.case.due_at = deadlines.extend(old, days, self.county.timezone)
        # The reminders already sent were about the old date.
        self.case.reminders = []
        text = self.action.text.strip() or f"延长 {days} 个工作日"
        lines = [
            f"【延期】{self.case.number} 办理时限延长 {days} 个工作日：",
            f"{texts.local(old, self.county.timezone)} → {texts.local(self.case.due_at, self.county.timezone)}",
        ]
        return _Change(
            text=text,
            data={
                "days": days,
                "old_due": old.isoformat(),
                "new_due": self.case.due_at.isoformat(),
            },
            notes=[
                self._to_agency(
                    self.case.lead_agency,
                    "extended",
                    f"延期 {self.case.number}",
                    lines,
                    DETAIL_ONLY,
                )
            ],
        )

    async def _close(self) -> _Change:
        if self.case.status in ("registered", "accepted"):
            if self.case.tier != "simple":
                raise IllegalTransition(
                    "只有简易事项可以当场办结；一般和重大疑难事项须先书面答复缴费人。"
                )
            answer = self._text("办理结果")
            self.case.latest_reply = answer
            self.case.replied_at = self.now
        else:
            await self._complex_needs_approval("办结")
            answer = self.action.text.strip()
        self.case.closed_at = self.now
        body = f"您反映的问题（案件 {self.case.number}）已办结。"
        if answer:
            body += f"\n办理结果：{answer}"
        body += f"\n{texts.FEEDBACK_QUESTION}"
        return _Change(
            text=answer or "办结",
            notes=[self._to_complainant(f"案件 {self.case.number} 已办结", body)],
        )

    async def _feedback(self) -> _Change:
        verdict = self.action.verdict
        if verdict not in VERDICTS:
            raise InvalidAction("评价应为满意、基本满意或不满意。")
        if self.case.satisfaction is not None:
            raise IllegalTransition(
                f"案件 {self.case.number} 已经评价过了（{VERDICTS.get(self.case.satisfaction, self.case.satisfaction)}）。"
            )
        self.case.satisfaction = verdict
        if self.case.closed_at is None and verdict != "dissatisfied":
            self.case.closed_at = self.now
        label = VERDICTS[verdict]
        remark = self.action.text.strip()
        text = f"{label}：{remark}" if remark else label
        notes: list[_Note] = []
        if verdict == "dissatisfied":
            notes.append(
                self._to_complainant(
                    f"案件 {self.case.number} 异议",
                    f"已记录您对案件 {self.case.number} 处理结果的异议。{texts.LEGAL_ROUTES}"
                    f"如需帮助，请联系{texts.contact(self.county.agency(self.case.lead_agency))}。",
                )
            )
            notes.append(
                self._to_agency(
                    self.case.lead_agency,
                    "dissatisfied",
                    f"缴费人不满意 {self.case.number}",
                    [
                        f"【不满意】{self.case.number} 缴费人对处理结果不满意",
                        f"意见：{self.action.text.strip() or '（无）'}",
                    ],
                    DETAIL_ONLY,
                )
            )
        return _Change(text=text, data={"verdict": verdict}, notes=notes)

    async def _object(self) -> _Change:
        route_key = self.action.route
        if route_key is not None and route_key not in ROUTES:
            raise InvalidAction("救济途径应为调解、仲裁、行政复议或行政诉讼。")
        text = self.action.text.strip() or "缴费人对处理结果有异议。"
        if self.case.satisfaction is None:
            self.case.satisfaction = "dissatisfied"
        route_text = ROUTES[route_key] if route_key else None
        body = f"已记录您对案件 {self.case.number} 处理结果的异议。"
        body += f"您选择{route_text}，" if route_text else ""
        body += texts.LEGAL_ROUTES
        return _Change(
            text=text,
            data={"route": route_key},
            notes=[self._to_complainant(f"案件 {self.case.number} 异议", body)],
        )

    async def _archive(self) -> _Change:
        return _Change(text=self.action.text.strip() or "案卷归档。")
