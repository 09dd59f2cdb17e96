"""The console's own reads (and one write) the case service does not offer yet:

- ``board``: open cases overdue or due soon, grouped by lead agency (督办);
- ``remind``: the office's manual reminder to the lead agency (an event + outbox rows in one
  transaction, like every other notification);
- ``figures``: the statistics page (考核) in one query over the cases in scope.

They read the tables directly, in one place, so that they can move behind ``CaseService``
without touching the pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from backend.attachments.records import counts_for_cases
from backend.deadlines import due_label, working_days_left
from backend.models import Assignment, Case, Event, OutboxMessage, Person
from backend.notifier import SessionSource
from backend.workflow import OPEN_STATUSES, Actor

#: A manual reminder of the same case is refused within this time of the last one.
REMIND_INTERVAL = timedelta(hours=1)

# --- 督办 board ------------------------------------------------------------------------------


#: Cases shown per agency and kind on the board (the list page has the rest).
BOARD_ROWS = 10


@dataclass(frozen=True)
class BoardCase:
    number: str
    status: str
    category: str
    tier: str
    lead_agency: str
    due_at: datetime
    complainant: str
    overdue: bool
    #: Working days left (due soon) or calendar days past the due moment (overdue).
    days: int
    last_reminder: datetime | None = None


@dataclass
class AgencyBoard:
    agency: str
    overdue: list[BoardCase] = field(default_factory=list)
    due_soon: list[BoardCase] = field(default_factory=list)
    overdue_count: int = 0
    due_soon_count: int = 0

    @property
    def total(self) -> int:
        return self.overdue_count + self.due_soon_count

    @property
    def shown(self) -> list[BoardCase]:
        return self.overdue + self.due_soon


async def board(db: SessionSource, county: Any, now: datetime) -> list[AgencyBoard]:
    """Open cases past or near their due date by lead agency, most overdue agency first;
    per agency the ``BOARD_ROWS`` longest overdue and the ``BOARD_ROWS`` due soonest."""
    c = Case.__table__.c  # type: ignore[attr-defined]
    p = Person.__table__.c  # type: ignore[attr-defined]
    e = Event.__table__.c  # type: ignore[attr-defined]
    # Working days can be separated by a week of holidays: look far enough ahead.
    horizon = now + timedelta(days=max(14, 3 * county.due_soon_days + 14))
    tz = county.timezone
    groups: dict[str, AgencyBoard] = {}
    ids: dict[str, int] = {}
    async with db.session() as s:
        rows = (
            await s.execute(
                sa.select(
                    c.id,
                    c.number,
                    c.status,
                    c.category,
                    c.tier,
                    c.lead_agency,
                    c.due_at,
                    p.name,
                    p.employer,
                )
                .join(Person.__table__, p.id == c.complainant_id)  # type: ignore[attr-defined]
                .where(c.status.in_(sorted(OPEN_STATUSES)), c.due_at <= horizon)
                .order_by(c.due_at, c.id)
            )
        ).all()
        for r in rows:
            due = _aware(r.due_at)
            late = due < now
            # Working days only for the few not yet due (counting them is a calendar walk).
            days = (now - due).days if late else working_days_left(now, due, tz)
            if not late and days > county.due_soon_days:
                continue
            group = groups.setdefault(r.lead_agency, AgencyBoard(r.lead_agency))
            if late:
                group.overdue_count += 1
                shown = group.overdue
            else:
                group.due_soon_count += 1
                shown = group.due_soon
            if len(shown) >= BOARD_ROWS:
                continue
            shown.append(
                BoardCase(
                    number=r.number,
                    status=r.status,
                    category=r.category,
                    tier=r.tier,
                    lead_agency=r.lead_agency,
                    due_at=due,
                    complainant=r.name or r.employer or "（未留姓名）",
                    overdue=late,
                    days=days,
                )
            )
            ids[r.number] = r.id
        reminded: dict[int, datetime] = {}
        if ids:
            for case_id, at in await s.execute(
                sa.select(e.case_id, sa.func.max(e.at))
                .where(e.case_id.in_(list(ids.values())), e.action.in_(("overdue", "due_soon")))
                .group_by(e.case_id)
            ):
                reminded[case_id] = _aware(at)
    for group in groups.values():
        for items in (group.overdue, group.due_soon):
            items[:] = [replace(b, last_reminder=reminded.get(ids[b.number])) for b in items]
    return sorted(groups.values(), key=lambda g: (-g.overdue_count, -g.total, g.agency))


class ReminderRefused(Exception):
    """The reminder was not sent; the message is one Chinese sentence."""


async def remind(
    db: SessionSource, county: Any, number: str, actor: Actor, now: datetime, texts: Any
) -> str:
    """Queue the office's reminder of ``number`` to its lead agency; the agency's name.

    One transaction: the event (超期督办 / 临期提醒, by this staff member) and an outbox row per
    notify target of the lead agency. ``texts``: ``backend.texts`` (the masked case summary).
    """
    from backend.models import Filer

    c = Case.__table__.c  # type: ignore[attr-defined]
    e = Event.__table__.c  # type: ignore[attr-defined]
    tz = county.timezone
    async with db.session(write=True) as s:
        q = sa.select(Case).where(c.number == number)
        if db.dialect_name == "postgresql":
            q = q.with_for_update()
        case = (await s.execute(q)).scalars().first()
        if case is None:
            raise ReminderRefused(f"没有编号为 {number} 的案件。")
        if case.status not in OPEN_STATUSES:
            raise ReminderRefused(f"案件 {number} 已不在办理中，无需督办。")
        last = await s.scalar(
            sa.select(sa.func.max(e.at)).where(
                e.case_id == case.id,
                e.action.in_(("overdue", "due_soon")),
                e.actor != "system",
            )
        )
        if last is not None and now - _aware(last) < REMIND_INTERVAL:
            raise ReminderRefused(f"案件 {number} 一小时内已经提醒过，请稍后再试。")
        late = case.due_at < now
        kind = "overdue" if late else "due_soon"
        if late:
            head = (
                f"【督办】案件 {number} 已超过办理时限（{texts.local(case.due_at, tz)}），"
                "领导小组办公室请贵单位立即办理并说明原因。"
            )
        else:
            left = max(working_days_left(now, case.due_at, tz), 0)
            head = (
                f"【督办】案件 {number} 将于 {texts.local(case.due_at, tz)} 到期"
                f"（还剩 {left} 个工作日），领导小组办公室请贵单位抓紧办理。"
            )
        person = await s.get(Person, case.complainant_id)
        filer = await s.get(Filer, case.filer_id) if case.filer_id else None
        a = Assignment.__table__.c  # type: ignore[attr-defined]
        co = list(
            (
                await s.execute(
                    sa.select(a.agency_id).where(
                        a.case_id == case.id, a.role == "co", a.active.is_(True)
                    )
                )
            ).scalars()
        )
        assert person is not None and case.id is not None
        counts = (await counts_for_cases(s, [case.id])).get(case.id)
        summary = texts.case_summary(
            county,
            case,
            person,
            filer,
            lead=case.lead_agency,
            co=co,
            attachments=counts.summary() if counts is not None else "",
        )
        event = Event(
            case_id=case.id,
            at=now,
            actor=actor.ref,
            action=kind,
            text=head,
            data={
                "manual": True,
                "actor_name": actor.name or None,
                "actor_agency": actor.agency,
                "notified": [case.lead_agency],
            },
        )
        s.add(event)
        await s.flush()
        agency = county.agency(case.lead_agency) if county.has_agency(case.lead_agency) else None
        targets = [(t.channel, t.to) for t in agency.notify] if agency else []
        for channel, to in dict.fromkeys(targets or [("console", case.lead_agency)]):
            s.add(
                OutboxMessage(
                    case_id=case.id,
                    channel=channel,
                    recipient=to,
                    kind=kind,
                    title=f"督办 {number}",
                    body="\n".join([head, *summary]),
                    due_label=due_label(case.due_at, tz),
                    actions=[["detail", "详情"], ["reply", "答复"]],
                    dedup_key=f"{number}:{event.id}:{channel}:{to}"[:200],
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        await s.commit()
    return agency.short_name if agency else case.lead_agency


# --- statistics (考核) ------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyFigures:
    agency: str
    total: int
    finished: int  # answered in writing or closed
    on_time: int  # finished by the due moment
    late_open: int  # still being handled past the due moment
    average_days: float | None  # registration to answer, calendar days

    @property
    def on_time_rate(self) -> float | None:
        judged = self.finished + self.late_open
        return self.on_time / judged if judged else None


@dataclass(frozen=True)
class Figures:
    total: int
    by_category: list[tuple[str, int]]
    by_tier: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    by_month: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    agencies: list[AgencyFigures]
    satisfaction: list[tuple[str, int]]  # verdict -> cases
    evaluated: int
    answered: int
    objections: int
    repeats: int
    overdue_open: int

    @property
    def satisfied_rate(self) -> float | None:
        good = sum(n for v, n in self.satisfaction if v in ("satisfied", "basically_satisfied"))
        return good / self.evaluated if self.evaluated else None

    @property
    def objection_rate(self) -> float | None:
        return self.objections / self.answered if self.answered else None

    @property
    def repeat_rate(self) -> float | None:
        return self.repeats / self.total if self.total else None


async def figures(
    db: SessionSource,
    county: Any,
    now: datetime,
    *,
    agency: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Figures:
    """Statistics of the cases registered in [date_from, date_to] (local days); ``agency``:
    only those it leads or co-handles. Aggregated by the database (a handful of GROUP BYs),
    so the time hardly grows with the register."""
    c = Case.__table__.c  # type: ignore[attr-defined]
    zone = ZoneInfo(county.timezone)
    where: list[Any] = []
    if date_from is not None:
        where.append(c.created_at >= datetime.combine(date_from, time(0), tzinfo=zone))
    if date_to is not None:
        where.append(
            c.created_at < datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=zone)
        )
    if agency is not None:
        a = Assignment.__table__.c  # type: ignore[attr-defined]
        co = sa.select(a.case_id).where(a.agency_id == agency, a.active.is_(True))
        where.append(sa.or_(c.lead_agency == agency, c.id.in_(co)))
    done = sa.func.coalesce(c.replied_at, c.closed_at)
    open_late = sa.and_(done.is_(None), c.status.in_(sorted(OPEN_STATUSES)), c.due_at < now)
    postgres = db.dialect_name == "postgresql"
    if postgres:
        month = sa.func.to_char(sa.func.timezone(county.timezone, c.created_at), "YYYY-MM")
        days = sa.func.extract("epoch", done - c.created_at) / 86400.0
    else:
        # SQLite keeps UTC text: shift by the zone's offset (China has no summer time).
        offset = now.astimezone(zone).utcoffset() or timedelta(0)
        month = sa.func.strftime(
            "%Y-%m", c.created_at, f"{offset.total_seconds() / 3600:+.2f} hours"
        )
        days = sa.func.julianday(done) - sa.func.julianday(c.created_at)

    def count(*cond: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*cond), 1), else_=0)), 0)

    def grouped(column: Any) -> Any:
        return sa.select(column, sa.func.count()).where(*where).group_by(column)

    async with db.session() as s:
        totals = (
            await s.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.count(done),
                    count(sa.or_(c.satisfaction == "dissatisfied", c.status == "objected")),
                    sa.func.count(c.repeat_of),
                    count(c.status.in_(sorted(OPEN_STATUSES)), c.due_at < now),
                ).where(*where)
            )
        ).one()
        by = {
            name: [(str(k), int(n)) for k, n in (await s.execute(grouped(column))).all() if k]
            for name, column in (
                ("category", c.category),
                ("tier", c.tier),
                ("channel", c.channel),
                ("status", c.status),
                ("month", month),
                ("satisfaction", c.satisfaction),
            )
        }
        per_agency = (
            await s.execute(
                sa.select(
                    c.lead_agency,
                    sa.func.count(),
                    sa.func.count(done),
                    count(done.is_not(None), done <= c.due_at),
                    count(open_late),
                    sa.func.avg(days),
                )
                .where(*where)
                .group_by(c.lead_agency)
            )
        ).all()
    agencies = sorted(
        (
            AgencyFigures(
                agency=str(lead),
                total=int(total),
                finished=int(finished),
                on_time=int(on_time),
                late_open=int(late_open),
                average_days=None if avg is None else round(float(avg), 1),
            )
            for lead, total, finished, on_time, late_open, avg in per_agency
        ),
        key=lambda f: (-f.total, f.agency),
    )
    verdicts = dict(by["satisfaction"])
    return Figures(
        total=int(totals[0]),
        by_category=_ranked(by["category"]),
        by_tier=_ranked(by["tier"]),
        by_channel=_ranked(by["channel"]),
        by_month=sorted(by["month"]),
        by_status=_ranked(by["status"]),
        agencies=agencies,
        satisfaction=[
            (v, verdicts[v])
            for v in ("satisfied", "basically_satisfied", "dissatisfied")
            if verdicts.get(v)
        ],
        evaluated=sum(verdicts.values()),
        answered=int(totals[1]),
        objections=int(totals[2]),
        repeats=int(totals[3]),
        overdue_open=int(totals[4]),
    )


def _ranked(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(counts, key=lambda kv: (-kv[1], kv[0]))


def _aware(value: datetime) -> datetime:
    """Rows read through Core columns: SQLite gives naive UTC, PostgreSQL aware."""
    from datetime import UTC

    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- undelivered notifications (死信) -------------------------------------------------------


@dataclass(frozen=True)
class DeadNotice:
    """A notification of a case that could not be delivered (the outbox gave up on it)."""

    id: int
    channel: str
    recipient: str
    kind: str
    title: str
    attempts: int
    last_error: str | None
    created_at: datetime
    #: Who it was for, in words: 缴费人, 代办网格员, 缴费人（短信）, 县税务局.
    to: str


def recipient_label(county: Any, kind: str, channel: str, recipient: str) -> str:
    """Who an outbox row is for, as staff say it."""
    from backend.outbox import SMS, TO_COMPLAINANT, TO_GRID_WORKER

    if channel == SMS:
        return "缴费人（短信）"
    if kind == TO_COMPLAINANT:
        return "缴费人"
    if kind == TO_GRID_WORKER:
        return "代办网格员"
    for agency in county.agencies:
        if any(t.channel == channel and t.to == recipient for t in agency.notify):
            return str(agency.short_name)
        if channel == "console" and recipient == agency.id:
            return str(agency.short_name)
    return "工作人员"


async def dead_notices(db: SessionSource, county: Any, number: str) -> list[DeadNotice]:
    """The case's undelivered notifications, newest first."""
    o = OutboxMessage.__table__.c  # type: ignore[attr-defined]
    c = Case.__table__.c  # type: ignore[attr-defined]
    async with db.session() as s:
        rows = (
            await s.execute(
                sa.select(
                    o.id,
                    o.channel,
                    o.recipient,
                    o.kind,
                    o.title,
                    o.attempts,
                    o.last_error,
                    o.created_at,
                )
                .join(Case.__table__, c.id == o.case_id)  # type: ignore[attr-defined]
                .where(c.number == number, o.status == "dead")
                .order_by(o.id.desc())
            )
        ).all()
    return [
        DeadNotice(
            id=int(r.id),
            channel=r.channel,
            recipient=r.recipient,
            kind=r.kind,
            title=r.title,
            attempts=int(r.attempts),
            last_error=r.last_error,
            created_at=_aware(r.created_at),
            to=recipient_label(county, r.kind, r.channel, r.recipient),
        )
        for r in rows
    ]


async def is_dead_notice_of(db: SessionSource, number: str, outbox_id: int) -> bool:
    """Whether ``outbox_id`` is an undelivered notification of case ``number``."""
    o = OutboxMessage.__table__.c  # type: ignore[attr-defined]
    c = Case.__table__.c  # type: ignore[attr-defined]
    async with db.session() as s:
        found = await s.scalar(
            sa.select(o.id)
            .join(Case.__table__, c.id == o.case_id)  # type: ignore[attr-defined]
            .where(o.id == outbox_id, c.number == number, o.status == "dead")
        )
    return found is not None


@dataclass(frozen=True)
class DeadSummary:
    """Undelivered notifications for the 督办 board: how many, and the cases they belong to
    (most recent first, at most ``BOARD_ROWS``)."""

    total: int
    cases: list[tuple[str, int]]  # (case number, undelivered notifications)
    case_count: int


async def dead_summary(db: SessionSource) -> DeadSummary:
    o = OutboxMessage.__table__.c  # type: ignore[attr-defined]
    c = Case.__table__.c  # type: ignore[attr-defined]
    async with db.session() as s:
        total = int(await s.scalar(sa.select(sa.func.count()).where(o.status == "dead")) or 0)
        if not total:
            return DeadSummary(0, [], 0)
        per_case = (
            sa.select(c.number, sa.func.count().label("n"), sa.func.max(o.id).label("last"))
            .join(Case.__table__, c.id == o.case_id)  # type: ignore[attr-defined]
            .where(o.status == "dead")
            .group_by(c.number)
        ).subquery()
        case_count = int(await s.scalar(sa.select(sa.func.count()).select_from(per_case)) or 0)
        rows = (
            await s.execute(
                sa.select(per_case.c.number, per_case.c.n)
                .order_by(per_case.c.last.desc())
                .limit(BOARD_ROWS)
            )
        ).all()
    return DeadSummary(total, [(r.number, int(r.n)) for r in rows], case_count)
