"""Opening a case (登记): numbering, routing, tier, due date, repeats, the first events and
the new-case notifications, in ONE transaction; idempotent per draft (``draft_key``).

Everything the draft carries is cleaned first (``backend.cleaning``): a NUL character or an
employer name longer than its column must never make the database refuse a report.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend import deadlines, notices, outbox, texts
from backend.categories import CATEGORIES
from backend.cleaning import clean_amount, clean_block, clean_count, clean_line
from backend.config import County
from backend.db import Database
from backend.drafts import CaseDraft, ComplainantDraft, FilerDraft, OpenedCase
from backend.models import Assignment, Case, CaseCounter, Event, Filer, Person
from backend.outbox import DETAIL_ONLY, STAFF_NEW_CASE_ACTIONS, STAFF_SIMPLE_CASE_ACTIONS, Note
from backend.routing import Route, route
from backend.tiers import decide_tier
from backend.views import contact, iso


def clean_draft(draft: CaseDraft) -> CaseDraft:
    """The draft as the columns hold it: controls removed, lengths capped, numbers in range."""
    c = draft.complainant
    person = ComplainantDraft(
        kind=c.kind if c.kind in ("person", "employer") else "person",
        name=clean_line(c.name, 200),
        phone=clean_line(c.phone, 32),
        id_number=clean_line(c.id_number, 18, upper=True),
        employer=clean_line(c.employer, 200),
        credit_code=clean_line(c.credit_code, 18, upper=True),
        township=clean_line(c.township, 100),
        village=clean_line(c.village, 100),
        insurance_type=clean_line(c.insurance_type, 32),
        period_start=c.period_start,
        period_end=c.period_end,
        amount=clean_amount(c.amount),
        people_count=clean_count(c.people_count),
    )
    filer = None
    if draft.filed_by is not None:
        f = draft.filed_by
        filer = FilerDraft(
            name=clean_line(f.name, 100) or "网格员",
            phone=clean_line(f.phone, 32) or "",
            township=clean_line(f.township, 100),
            village=clean_line(f.village, 100),
            role=clean_line(f.role, 32) or "grid_worker",
        )
    return replace(
        draft,
        channel=clean_line(draft.channel, 32) or "unknown",
        channel_user=clean_line(draft.channel_user, 200) or "",
        description=clean_block(draft.description) or "（未填写诉求内容）",
        complainant=person,
        category=draft.category if draft.category in CATEGORIES else "other",
        tier_hint=clean_line(draft.tier_hint, 16),
        filed_by=filer,
        keywords=[k for k in (clean_line(k, 50) for k in draft.keywords[:50]) if k],
        draft_key=clean_line(draft.draft_key, 64),
    )


async def open_case(county: County, db: Database, draft: CaseDraft, now: datetime) -> OpenedCase:
    """Register a case in one transaction: number, routing, tier, due date, events, outbox."""
    draft = clean_draft(draft)
    key = draft.draft_key
    if key is not None:
        earlier = await opened_from_draft(county, db, key)
        if earlier is not None:
            return earlier
    try:
        return await _open_new(county, db, draft, now)
    except sa.exc.IntegrityError:
        # Another process opened the same draft between our look-up and our commit.
        if key is None:
            raise
        earlier = await opened_from_draft(county, db, key)
        if earlier is None:
            raise
        return earlier


async def opened_from_draft(county: County, db: Database, key: str) -> OpenedCase | None:
    """The case already opened from draft ``key``, as ``open_case`` returned it."""
    async with db.session() as s:
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
        lead=contact(county, case.lead_agency),
        co_agencies=tuple(contact(county, a) for a in co),
        due_at=case.due_at,
        working_days=county.working_days(case.tier),
        related_cases=(case.repeat_of,) if case.repeat_of else (),
    )


async def _open_new(county: County, db: Database, draft: CaseDraft, now: datetime) -> OpenedCase:
    c = draft.complainant
    category = draft.category or "other"
    description = draft.description
    tz = county.timezone
    async with db.session(write=True) as s:
        number = await next_number(s, county, now, db.dialect_name)
        related = await earlier_cases(s, county, draft, category, now)
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
            period_side=routed.side if (c.period_start or c.period_end) else None,
            period_start=c.period_start,
            today=deadlines.local_date(now, tz),
        )
        working_days = county.working_days(decision.tier)
        due = deadlines.due_at(now, working_days, tz)
        person = Person(
            kind=c.kind,
            name=c.name,
            phone=c.phone,
            id_number=c.id_number,
            employer=c.employer,
            credit_code=c.credit_code,
            township=c.township,
            village=c.village,
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
            first_agency=routed.lead,
            complainant_id=person.id,
            filer_id=filer.id if filer else None,
            consent=bool(draft.consent) if filer else True,
            insurance_type=c.insurance_type,
            period_start=c.period_start,
            period_end=c.period_end,
            amount=c.amount,
            people_count=c.people_count,
            nlu_confidence=draft.nlu_confidence,
            draft_key=draft.draft_key,
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
                "reported_at": iso(draft.reported_at),
                "nlu_confidence": draft.nlu_confidence,
                "tier_hint": draft.tier_hint,
                "outside_gazetteer": outside_gazetteer(county, c.township, c.village),
            },
        )
        s.add(register)
        for event in _side_events(county, case, filer, draft, related, opener, now):
            s.add(event)
        await s.flush()
        assert register.id is not None
        label = deadlines.due_label(due, tz, working_days)
        notes = new_case_notes(county, case, person, filer, routed, label)
        outbox.write(s, case, f"{case.number}:{register.id}", notes, now)
        await s.commit()
    return OpenedCase(
        number=number,
        category=category,
        tier=decision.tier,
        lead=contact(county, routed.lead),
        co_agencies=tuple(contact(county, a) for a in routed.co),
        due_at=due,
        working_days=working_days,
        related_cases=tuple(related),
    )


def _side_events(
    county: County,
    case: Case,
    filer: Filer | None,
    draft: CaseDraft,
    related: list[str],
    opener: str,
    now: datetime,
) -> list[Event]:
    """The proxy filing's consent and the repeat link, recorded with the registration."""
    assert case.id is not None
    out = []
    if filer is not None:
        out.append(
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
        out.append(
            Event(
                case_id=case.id,
                at=now,
                actor="system",
                action="repeat",
                text=f"{county.repeat_window_days}天内重复反映，关联案件：" + "、".join(related),
                data={"related_cases": related},
            )
        )
    return out


async def next_number(s: AsyncSession, county: County, now: datetime, dialect: str) -> str:
    """``YC-2026-000123``: an atomic upsert-increment of ``case_counters`` (row-locked on
    PostgreSQL until commit, so concurrent openings get distinct sequential numbers)."""
    year = now.astimezone(ZoneInfo(county.timezone)).year
    table = CaseCounter.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(table)
        .values(county=county.id, year=year, last_seq=1)
        .on_conflict_do_update(
            index_elements=["county", "year"], set_={"last_seq": table.c.last_seq + 1}
        )
        .returning(table.c.last_seq)
    )
    seq = (await s.execute(stmt)).scalar_one()
    return f"{county.id}-{year}-{seq:06d}"


async def earlier_cases(
    s: AsyncSession, county: County, draft: CaseDraft, category: str, now: datetime
) -> list[str]:
    """Repeat complaints (重复件): same ID number, or same employer / credit code in the
    same category, within the window. Newest first. ``draft`` is cleaned."""
    c = draft.complainant
    same: list[Any] = []
    if c.id_number:
        same.append(col(Person.id_number) == c.id_number)
    by_employer = [
        cond
        for cond, value in (
            (col(Person.credit_code) == c.credit_code, c.credit_code),
            (col(Person.employer) == c.employer, c.employer),
        )
        if value
    ]
    if by_employer:
        same.append(sa.and_(sa.or_(*by_employer), col(Case.category) == category))
    if not same:
        return []
    since = now - timedelta(days=county.repeat_window_days)
    rows = await s.execute(
        sa.select(col(Case.number))
        .join(Person, col(Person.id) == col(Case.complainant_id))
        .where(col(Case.created_at) >= since, sa.or_(*same))
        .order_by(col(Case.created_at).desc(), col(Case.id).desc())
        .limit(20)
    )
    return [r[0] for r in rows]


def outside_gazetteer(county: County, township: str | None, village: str | None) -> bool:
    if not township:
        return False
    villages = county.gazetteer().get(township)
    return villages is None or (village is not None and village not in villages)


def new_case_notes(
    county: County, case: Case, person: Person, filer: Filer | None, routed: Route, label: str
) -> list[Note]:
    """The lead's, co-agencies' and (complex) office's pushes; the villager's SMS."""
    summary = texts.case_summary(county, case, person, filer, lead=routed.lead, co=routed.co)
    lead_actions = STAFF_SIMPLE_CASE_ACTIONS if case.tier == "simple" else STAFF_NEW_CASE_ACTIONS
    ask = (
        "简易事项：请当场办结（写明给缴费人的答复），或受理、移送。"
        if case.tier == "simple"
        else "请及时受理或移送。"
    )
    notes = [
        Note(
            "new_case",
            f"新案件 {case.number}（牵头办理）",
            "\n".join([f"【新案件】{case.number}", *summary, f"办理时限：{label}", ask]),
            outbox.agency_targets(county, routed.lead),
            lead_actions,
            label,
        )
    ]
    for co in routed.co:
        notes.append(
            Note(
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
                outbox.agency_targets(county, co),
                DETAIL_ONLY,
                label,
            )
        )
    if case.tier == "complex" and routed.lead != county.office:
        notes.append(
            Note(
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
                outbox.agency_targets(county, county.office),
                DETAIL_ONLY,
                label,
            )
        )
    if filer is not None:
        sms = outbox.sms_target(county, person, filer)
        if sms is not None:
            notice = notices.registered_by_grid_worker(county, case, filer)
            notes.append(
                Note(
                    outbox.TO_COMPLAINANT,
                    notice.title,
                    f"{county.sms.signature}{notice.body}",
                    [sms],
                )
            )
    return notes
