"""Opening a case (登记): numbering, routing, tier, due date, repeats, the first events and
the new-case notifications, in ONE transaction; idempotent per draft (``draft_key``).

Everything the draft carries is cleaned first (``backend.cleaning``): a NUL character or an
employer name longer than its column must never make the database refuse a report.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend import deadlines, notices, outbox, texts
from backend.attachments.records import attach_draft_uploads
from backend.categories import CATEGORIES, INSURANCE_TYPES
from backend.cleaning import clean_amount, clean_block, clean_count, clean_line
from backend.config import County
from backend.db import Database
from backend.drafts import CaseDraft, ComplainantDraft, FilerDraft, OpenedCase
from backend.models import Assignment, Case, CaseCounter, Event, Filer, OutboxMessage, Person
from backend.outbox import DETAIL_ONLY, STAFF_NEW_CASE_ACTIONS, STAFF_SIMPLE_CASE_ACTIONS, Note
from backend.routing import Route, route
from backend.tiers import decide_tier
from backend.views import contact, iso
from identifiers import mask_text


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
        insurance_types=insurance_list(c.insurance_type, c.insurance_types),
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
    try:
        # The look-up of an earlier opening of this draft is the first statement of the
        # opening's own transaction (one transaction, not two).
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
        return await _opened_from_draft(s, county, key)


async def _opened_from_draft(s: AsyncSession, county: County, key: str) -> OpenedCase | None:
    case = (await s.execute(sa.select(Case).where(col(Case.draft_key) == key))).scalar_one_or_none()
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
        related_cases=await _own_related(s, case),
    )


async def _own_related(s: AsyncSession, case: Case) -> tuple[str, ...]:
    """The case's repeat link as the complainant may be told it: only their own earlier
    case (the same chat, or ``is_same_person``); staff see every link on the case itself."""
    if not case.repeat_of:
        return ()
    rows = await s.execute(
        sa.select(Case, Person)
        .join(Person, col(Person.id) == col(Case.complainant_id))
        .where(col(Case.number) == case.repeat_of)
    )
    found = rows.first()
    me = await s.get(Person, case.complainant_id)
    if found is None or me is None:
        return ()
    earlier, person = found
    same_chat = bool(case.channel_user) and (earlier.channel, earlier.channel_user) == (
        case.channel,
        case.channel_user,
    )
    return (case.repeat_of,) if same_chat or is_same_person(me, person) else ()


async def _open_new(county: County, db: Database, draft: CaseDraft, now: datetime) -> OpenedCase:
    c = draft.complainant
    category = draft.category or "other"
    description = draft.description
    tz = county.timezone
    async with db.session(write=True) as s:
        if draft.draft_key is not None:
            earlier = await _opened_from_draft(s, county, draft.draft_key)
            if earlier is not None:
                return earlier
        repeats = await earlier_cases(s, county, draft, category, now)
        related = repeats.numbers
        routed = route(
            county,
            category,
            c.insurance_type,
            c.period_start,
            c.period_end,
            description,
            also=c.insurance_types[1:],
        )
        decision = decide_tier(
            county.tiers,
            category,
            hint=draft.tier_hint,
            amount=c.amount,
            people_count=c.people_count,
            text=description,
            keywords=draft.keywords,
            repeat=repeats.repeat,
            period_side=routed.side if (c.period_start or c.period_end) else None,
            period_start=c.period_start,
            today=deadlines.local_date(now, tz),
        )
        working_days = county.working_days(decision.tier)
        due = deadlines.due_at(now, working_days, tz, county.work_calendar)
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
        # Rows go in with Core statements (the ORM's unit of work costs more than the
        # statements themselves); the objects stay, unattached, for the texts below.
        person.id = await _insert(s, person)
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
            filer.id = await _insert(s, filer)
        # The counter row stays locked until commit, so the number is taken LAST: the case is
        # written first under a placeholder (unique, seen by no other transaction), with its
        # assignments, events, uploads and outbox rows; then one statement takes the number
        # and puts it in place of the placeholder, sent together with the COMMIT: concurrent
        # openings wait for each other for the server's work only (``number_and_commit``).
        case = Case(
            number=_placeholder(),
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
            insurance_types=",".join(c.insurance_types) or None,
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
        case.id = await _insert(s, case)
        await _insert_many(
            s,
            [Assignment(case_id=case.id, agency_id=routed.lead, role="lead", assigned_at=now)]
            + [
                Assignment(case_id=case.id, agency_id=co, role="co", assigned_at=now)
                for co in routed.co
            ],
        )
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
        register.id = await _insert(s, register)
        await _insert_many(
            s,
            _side_events(county, case, filer, draft, related, opener, now)
            + repeats.events(case.id, now),
        )
        # Photos, voice and files sent while the draft was open follow it into the case, in
        # this same transaction (a rollback attaches nothing).
        # (``draft.uploads is False``: the dialogue kept none, so no statement at all.)
        counts = await attach_draft_uploads(
            s,
            draft.draft_key if draft.uploads is not False else None,
            case.id,
            event_id=register.id,
            now=now,
        )
        label = deadlines.due_label(due, tz, working_days)
        notes = new_case_notes(
            county,
            case,
            person,
            filer,
            routed,
            label,
            attachments=counts.summary(),
            warnings=repeats.warnings(),
        )
        outbox.write(s, case, f"{case.number}:{register.id}", notes, now)
        await s.flush()
        # Now the number: it replaces the placeholder on the case and in its outbox rows.
        placeholder = case.number
        number = await number_and_commit(s, county, case.id, placeholder, now, db.dialect_name)
        case.number = number
    return OpenedCase(
        number=number,
        category=category,
        tier=decision.tier,
        lead=contact(county, routed.lead),
        co_agencies=tuple(contact(county, a) for a in routed.co),
        due_at=due,
        working_days=working_days,
        # The complainant hears only of their own earlier cases; staff see every link.
        related_cases=tuple(repeats.own),
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


def _row(obj: Any) -> dict[str, Any]:
    """The column values of a model object, its unset primary key left to the database."""
    table = type(obj).__table__
    return {
        c.name: getattr(obj, c.name)
        for c in table.columns
        if not (c.primary_key and getattr(obj, c.name) is None)
    }


async def _insert(s: AsyncSession, obj: Any) -> int:
    """INSERT one row of ``obj`` (Core, no unit of work); its new id."""
    table = type(obj).__table__
    new_id = (
        await s.execute(sa.insert(table).values(_row(obj)).returning(table.c.id))
    ).scalar_one()
    return int(new_id)


async def _insert_many(s: AsyncSession, objs: list[Any]) -> None:
    """INSERT rows of one model in one statement (executemany)."""
    if objs:
        await s.execute(sa.insert(type(objs[0]).__table__), [_row(o) for o in objs])


def _placeholder() -> str:
    """A case's number until the counter gives it one (same transaction; never committed).
    Letters only: no digit run in it could ever look like a phone or ID number to masking."""
    return "~" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(24))


async def number_and_commit(
    s: AsyncSession, county: County, case_id: int, placeholder: str, now: datetime, dialect: str
) -> str:
    """Give case ``case_id`` the next number (``next_number``) in place of ``placeholder`` —
    on the case and in the texts and keys of its outbox rows — and commit; return it.

    PostgreSQL: the counter row stays locked from the increment to the commit, so both go to
    the server in ONE message (a simple-protocol query: the numbering statement, COMMIT, and
    a BEGIN that leaves SQLAlchemy an empty transaction to end). The lock is then held for
    the server's own work only, never across a round trip to a busy event loop. The values
    are inlined: the county id (checked against its pattern), numbers and our placeholder."""
    if dialect != "postgresql":
        cases = Case.__table__  # type: ignore[attr-defined]
        box = OutboxMessage.__table__  # type: ignore[attr-defined]
        number = await next_number(s, county, now, dialect)
        await s.execute(sa.update(cases).where(cases.c.id == case_id).values(number=number))
        await s.execute(
            sa.update(box)
            .where(box.c.case_id == case_id)
            .values(
                {
                    col: sa.func.replace(box.c[col], placeholder, number)
                    for col in ("title", "body", "dedup_key")
                }
            )
        )
        await s.commit()
        return number
    year = now.astimezone(ZoneInfo(county.timezone)).year
    if not _COUNTY_ID.fullmatch(county.id) or not _PLACEHOLDER.fullmatch(placeholder):
        raise ValueError("county id or placeholder not fit to be inlined")
    sql = _NUMBER_AND_COMMIT_PG.format(
        county=f"'{county.id}'",
        year=int(year),
        prefix=f"'{county.id}-{int(year)}-'",
        id=int(case_id),
        placeholder=f"'{placeholder}'",
    )
    conn = await s.connection()
    driver: Any = (await conn.get_raw_connection()).driver_connection
    await driver.execute(sql)  # committed from here on
    number = await driver.fetchval("SELECT number FROM cases WHERE id = $1", case_id)
    await s.commit()  # ends the empty transaction the query began
    return str(number)


#: What ``number_and_commit`` inlines (the county id's pattern is the config's).
_COUNTY_ID = re.compile(r"[A-Z][A-Z0-9]{0,7}")
_PLACEHOLDER = re.compile(r"~[a-z]{24}")

#: ``number_and_commit`` on PostgreSQL (``lpad`` would cut a number past 999999, hence the
#: CASE). One simple-protocol query: should the statement fail, the rest is not run.
_NUMBER_AND_COMMIT_PG = """
WITH n AS (
    INSERT INTO case_counters (county, year, last_seq) VALUES ({county}, {year}, 1)
    ON CONFLICT (county, year) DO UPDATE SET last_seq = case_counters.last_seq + 1
    RETURNING last_seq
), c AS (
    UPDATE cases SET number = {prefix} || CASE WHEN n.last_seq < 1000000
        THEN lpad(n.last_seq::text, 6, '0') ELSE n.last_seq::text END
    FROM n WHERE cases.id = {id}
    RETURNING cases.number
)
UPDATE outbox SET title = replace(outbox.title, {placeholder}, c.number),
    body = replace(outbox.body, {placeholder}, c.number),
    dedup_key = replace(outbox.dedup_key, {placeholder}, c.number)
FROM c WHERE outbox.case_id = {id};
COMMIT;
BEGIN
"""


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
) -> Repeats:
    """Repeat complaints (重复件: 同一人或同一单位就同类事项再次反映): the same ID number, credit
    code or employer IN THE SAME CATEGORY within the window, newest first; and, in any
    category, earlier cases on the same ID number under another name (a note for staff).
    One query. ``draft`` is cleaned."""
    c = draft.complainant
    same: list[Any] = []
    if c.id_number:
        same.append(col(Person.id_number) == c.id_number)
    if c.credit_code:
        same.append(col(Person.credit_code) == c.credit_code)
    if c.employer:
        same.append(col(Person.employer) == c.employer)
    if not same:
        return Repeats()
    since = now - timedelta(days=county.repeat_window_days)
    rows = await s.execute(
        sa.select(
            col(Case.number),
            col(Case.category),
            col(Case.channel),
            col(Case.channel_user),
            col(Person.kind),
            col(Person.id_number),
            col(Person.name),
            col(Person.credit_code),
            col(Person.employer),
        )
        .join(Person, col(Person.id) == col(Case.complainant_id))
        .where(col(Case.created_at) >= since, sa.or_(*same))
        .order_by(col(Case.created_at).desc(), col(Case.id).desc())
        .limit(50)
    )
    me = Person(
        kind=c.kind,
        name=c.name,
        id_number=c.id_number,
        credit_code=c.credit_code,
        employer=c.employer,
    )
    numbers: list[str] = []
    own: list[str] = []
    other_names: list[tuple[str, str]] = []
    other_units: list[tuple[str, str]] = []
    repeat = False
    for row in rows.all():
        number, earlier_category, channel, channel_user, kind, id_number, name = row[:7]
        if earlier_category == category and len(numbers) < 20:
            numbers.append(number)
            earlier = Person(
                kind=kind, name=name, id_number=id_number, credit_code=row[7], employer=row[8]
            )
            repeat = repeat or same_complainant(me, earlier)
            same_chat = bool(channel_user) and (channel, channel_user) == (
                draft.channel,
                draft.channel_user,
            )
            if same_chat or is_same_person(me, earlier):
                own.append(number)
        if c.id_number and id_number == c.id_number and name and c.name and name != c.name:
            other_names.append((number, name))
        unit = row[8]
        if c.credit_code and row[7] == c.credit_code and unit and c.employer and unit != c.employer:
            other_units.append((number, unit))
    return Repeats(numbers, repeat, other_names[:5], other_units[:5], own)


def insurance_list(first: str | None, named: Sequence[str]) -> tuple[str, ...]:
    """Every insurance named, known keys only, each once, the case's own first; () when
    fewer than two (``insurance_type`` says it)."""
    keys = [k for k in dict.fromkeys([first or "", *named]) if k in INSURANCE_TYPES]
    if first not in INSURANCE_TYPES:
        keys = [k for k in dict.fromkeys(named) if k in INSURANCE_TYPES]
    return tuple(keys[:8]) if len(keys) > 1 else ()


def same_complainant(me: Person, other: Person) -> bool:
    """Is ``other`` plausibly the same complainant, for counting a repeat complaint? The same
    ID number with no conflicting name, the same credit code, or the same reporting unit."""
    if me.id_number and me.id_number == other.id_number:
        return not (me.name and other.name and me.name != other.name)
    if me.credit_code and me.credit_code == other.credit_code:
        return not (me.employer and other.employer and me.employer != other.employer)
    return bool(
        me.kind == other.kind == "employer" and me.employer and me.employer == other.employer
    )


def is_same_person(me: Person, other: Person) -> bool:
    """The complainant of ``other`` is the one of ``me`` as far as telling them goes: the same
    ID number AND the same name (an employer: the same credit code and the same name). An ID
    number alone is not enough — a typo or a borrowed number must not show one person
    another's case."""
    if me.kind == "employer" or other.kind == "employer":
        return bool(
            me.kind == other.kind
            and me.credit_code
            and me.credit_code == other.credit_code
            and me.employer
            and me.employer == other.employer
        )
    return bool(
        me.id_number and me.id_number == other.id_number and me.name and me.name == other.name
    )


@dataclass(frozen=True)
class Repeats:
    """What ``earlier_cases`` found: repeats (same category) and name conflicts on an ID."""

    numbers: list[str] = field(default_factory=list)
    #: A repeat complaint by the same complainant (重复件, which raises the tier): the same ID
    #: number under no other name, the same credit code, or the same unit reporting again.
    #: Another worker of the same employer, or an ID number given under another name, is
    #: linked for staff (``numbers``) but is no repeat of theirs.
    repeat: bool = False
    #: (case number, the name given there) for earlier cases on the same ID number.
    other_names: list[tuple[str, str]] = field(default_factory=list)
    #: (case number, the unit named there) for earlier cases on the same credit code.
    other_units: list[tuple[str, str]] = field(default_factory=list)
    #: The repeats the complainant may be told of: their own (the same chat, or the same ID
    #: number and name); staff see every one of ``numbers``.
    own: list[str] = field(default_factory=list)

    def warnings(self) -> list[str]:
        """Lines for the staff pushes: the names differ, so check who is who."""
        lines = []
        if self.other_names:
            seen = "；".join(f"{n} 登记为“{mask_text(name)}”" for n, name in self.other_names)
            lines.append(f"请核对身份：同一身份证号此前以其他姓名反映过（{seen}）")
        if self.other_units:
            seen = "；".join(f"{n} 登记为“{unit}”" for n, unit in self.other_units)
            lines.append(f"请核对单位：同一统一社会信用代码此前登记为其他单位名称（{seen}）")
        return lines

    def events(self, case_id: int | None, now: datetime) -> list[Event]:
        if not (self.other_names or self.other_units) or case_id is None:
            return []
        cases = [n for n, _ in (*self.other_names, *self.other_units)]
        return [
            Event(
                case_id=case_id,
                at=now,
                actor="system",
                action="identity_check",
                text="；".join(self.warnings()),
                data={"cases": list(dict.fromkeys(cases))},
            )
        ]


def outside_gazetteer(county: County, township: str | None, village: str | None) -> bool:
    if not township:
        return False
    villages = county.gazetteer().get(township)
    return villages is None or (village is not None and village not in villages)


def new_case_notes(
    county: County,
    case: Case,
    person: Person,
    filer: Filer | None,
    routed: Route,
    label: str,
    *,
    attachments: str = "",
    warnings: Sequence[str] = (),
) -> list[Note]:
    """The lead's, co-agencies' and (complex) office's pushes; the villager's SMS.
    ``attachments``: what came with the draft ("照片 2 张、语音 1 条"); ``warnings``: lines
    staff must read (an ID number seen under another name)."""
    summary = texts.case_summary(
        county, case, person, filer, lead=routed.lead, co=routed.co, attachments=attachments
    ) + list(warnings)
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
