"""The overdue scanner (督办): reminds the lead agency and the office about due dates.

For every case still being handled: when the due date is ``county.due_soon_days`` working days
away (or less) a "临期提醒" goes out; once the due moment has passed a "超期督办". Each is sent
once per case: ``Case.reminders`` records what was queued, in the same transaction as the
event and the outbox rows, so a restart or a second server never repeats one. An office
extension (``extend_due``) clears the reminders so the new date is watched again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from backend import outbox
from backend.attachments.records import counts_for_cases
from backend.clock import as_clock
from backend.config import County
from backend.deadlines import due_label, local_date, working_days_left
from backend.models import Assignment, Case, Event, Filer, Person
from backend.notifier import SessionSource
from backend.outbox import Note
from backend.texts import case_summary, local
from backend.workflow import OPEN_STATUSES

log = logging.getLogger(__name__)

DUE_SOON = "due_soon"
OVERDUE = "overdue"

_TITLES = {DUE_SOON: "临期提醒", OVERDUE: "超期督办"}
_ACTIONS = [["detail", "详情"], ["reply", "答复"]]


@dataclass
class ScanResult:
    due_soon: list[str] = field(default_factory=list)  # case numbers reminded now
    overdue: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.due_soon) + len(self.overdue)


def reminder_due(county: County, case: Case, now: datetime) -> str | None:
    """Which reminder ``case`` needs at ``now`` and has not had: due_soon, overdue or None."""
    if case.status not in OPEN_STATUSES:
        return None
    sent = set(case.reminders or [])
    if now > case.due_at:
        return OVERDUE if OVERDUE not in sent else None
    if DUE_SOON in sent or OVERDUE in sent:
        return None
    # A case due the same day (简易) must not be "due soon" minutes after it was filed.
    if now - case.created_at < timedelta(hours=county.due_soon_grace_hours):
        return None
    left = working_days_left(now, case.due_at, county.timezone, county.work_calendar)
    return DUE_SOON if left <= county.due_soon_days else None


class OverdueScanner:
    def __init__(self, county: County, db: SessionSource, clock: Any = None) -> None:
        self._county = county
        self._db = db
        self._clock = as_clock(clock)
        #: Days the holiday-calendar warning was logged on (once a day is enough).
        self._calendar_checked: date | None = None

    def check_calendar(self, now: datetime) -> str | None:
        """Log (warning, once a day) when a due date set now can fall in a year whose
        holiday schedule neither ``chinese_calendar`` nor the county file has."""
        today = local_date(now, self._county.timezone)
        if self._calendar_checked == today:
            return None
        self._calendar_checked = today
        warning = self._county.calendar_warning(today)
        if warning:
            log.warning("%s", warning)
        return warning

    async def scan(self) -> ScanResult:
        """One pass over the open cases; returns what was queued."""
        now = self._clock()
        self.check_calendar(now)
        # Working days can be separated by a week of holidays: look far enough ahead.
        horizon = now + timedelta(days=max(14, 3 * self._county.due_soon_days + 14))
        c = Case.__table__.c  # type: ignore[attr-defined]
        async with self._db.session() as session:
            candidates = (
                await session.execute(
                    sa.select(c.id)
                    .where(c.status.in_(sorted(OPEN_STATUSES)), c.due_at <= horizon)
                    .order_by(c.due_at)
                )
            ).scalars()
            ids = list(candidates)
        result = ScanResult()
        for case_id in ids:
            done = await self._remind(case_id, now)
            if done is not None:
                kind, number = done
                (result.overdue if kind == OVERDUE else result.due_soon).append(number)
        if result.total:
            log.info("督办：临期 %s，超期 %s", result.due_soon, result.overdue)
        return result

    async def _remind(self, case_id: int, now: datetime) -> tuple[str, str] | None:
        """Queue one reminder for one case in one transaction (re-checked under the lock)."""
        async with self._db.session(write=True) as session:
            query = sa.select(Case).where(Case.id == case_id)  # type: ignore[arg-type]
            if self._db.dialect_name == "postgresql":
                query = query.with_for_update()
            case = (await session.execute(query)).scalar_one_or_none()
            if case is None:
                return None
            kind = reminder_due(self._county, case, now)
            if kind is None:
                await session.rollback()
                return None
            person = await session.get(Person, case.complainant_id)
            filer = await session.get(Filer, case.filer_id) if case.filer_id else None
            co = await _co_agencies(session, case_id)
            assert person is not None
            counts = (await counts_for_cases(session, [case_id])).get(case_id)
            attachments = counts.summary() if counts is not None else ""
            self._queue(session, case, person, filer, co, kind, now, attachments)
            case.reminders = [*(case.reminders or []), kind]
            case.updated_at = now
            session.add(case)
            await session.commit()
            return kind, case.number

    def _queue(
        self,
        session: Any,
        case: Case,
        person: Person,
        filer: Filer | None,
        co: list[str],
        kind: str,
        now: datetime,
        attachments: str = "",
    ) -> None:
        county = self._county
        tz = county.timezone
        left = working_days_left(now, case.due_at, tz, county.work_calendar)
        if kind == OVERDUE:
            head = f"案件 {case.number} 已超过办理时限（{local(case.due_at, tz)}），请立即办理并说明原因。"
        else:
            head = (
                f"案件 {case.number} 将于 {local(case.due_at, tz)} 到期"
                f"（还剩 {max(left, 0)} 个工作日），请抓紧办理。"
            )
        assert case.id is not None
        summary = case_summary(
            county, case, person, filer, lead=case.lead_agency, co=co, attachments=attachments
        )
        session.add(
            Event(
                case_id=case.id,
                at=now,
                actor="system",
                action=kind,
                text=head,
                data={"notified": _recipients(county, case.lead_agency)},
            )
        )
        note = Note(
            kind,
            f"{_TITLES[kind]} {case.number}",
            "\n".join([head, *summary]),
            outbox.supervision_targets(county, case.lead_agency),
            _ACTIONS,
            due_label(case.due_at, tz),
        )
        # The due moment is part of the key: after an extension the new date is reminded too.
        outbox.write(session, case, f"{case.number}:{kind}:{case.due_at:%Y%m%d%H%M}", [note], now)


def _recipients(county: County, lead: str) -> list[str]:
    return list(dict.fromkeys([lead, county.office]))


async def _co_agencies(session: Any, case_id: int) -> list[str]:
    a = Assignment.__table__.c  # type: ignore[attr-defined]
    rows = await session.execute(
        sa.select(a.agency_id).where(a.case_id == case_id, a.role == "co", a.active.is_(True))
    )
    return list(rows.scalars())
