"""The overdue scanner (督办) with a frozen clock, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col

from backend.drafts import CaseDraft, ComplainantDraft
from backend.models import OutboxMessage
from backend.notifications import Notification
from backend.notifier import Notifier
from backend.scanner import OverdueScanner
from backend.workflow import Actor, StaffAction

BEIJING = ZoneInfo("Asia/Shanghai")


class Recorder:
    channel = "console"

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def send(self, notification: Notification) -> None:
        self.sent.append(notification)


async def open_case(
    case_service: Any, description: str = "滞纳金太高了", id_number: str = "140522199003151234"
) -> str:
    opened = await case_service.open_case(
        CaseDraft(
            channel="telegram",
            channel_user="1001",
            description=description,
            category="late_fee",
            complainant=ComplainantDraft(
                name="张三",
                phone="13812341427",
                id_number=id_number,
                period_start=date(2025, 1, 1),
                period_end=date(2025, 3, 31),
            ),
        )
    )
    return str(opened.number)


async def reminder_rows(database: Any, kind: str) -> list[OutboxMessage]:
    async with database.session() as s:
        rows = await s.execute(sa.select(OutboxMessage).where(col(OutboxMessage.kind) == kind))
        return list(rows.scalars())


async def test_due_soon_then_overdue_each_once(
    case_service: Any, database: Any, county: Any, clock: Any
) -> None:
    number = await open_case(case_service)  # Monday 2026-03-02 09:00, general: 5 working days
    quiet = await open_case(case_service, "滞纳金加收有误")
    detail = await case_service.detail(number)
    assert detail.due_at.astimezone(BEIJING) == datetime(2026, 3, 9, 18, 0, tzinfo=BEIJING)
    await case_service.act(quiet, StaffAction("accept", Actor("tax01", "staff", "tax")))
    await case_service.act(
        quiet, StaffAction("transfer_out", Actor("tax01", "staff", "tax"), jurisdiction="外县")
    )
    scanner = OverdueScanner(county, database, clock)
    assert (await scanner.scan()).total == 0

    clock.set(datetime(2026, 3, 5, 17, 0, tzinfo=BEIJING))  # Thursday: 2 working days left
    assert (await scanner.scan()).total == 0
    clock.set(datetime(2026, 3, 6, 9, 0, tzinfo=BEIJING))  # Friday: 1 working day left
    result = await scanner.scan()
    assert result.due_soon == [number] and result.overdue == []
    assert (await scanner.scan()).total == 0, "a reminder was repeated"
    rows = await reminder_rows(database, "due_soon")
    assert {r.recipient for r in rows} == {"tax", "office"}
    assert all("1405**********1234" in r.body and "140522199003151234" not in r.body for r in rows)

    clock.set(datetime(2026, 3, 9, 17, 59, tzinfo=BEIJING))  # due day, not yet past
    assert (await scanner.scan()).total == 0
    clock.set(datetime(2026, 3, 9, 18, 1, tzinfo=BEIJING))
    result = await scanner.scan()
    assert result.overdue == [number] and result.due_soon == []
    assert (await scanner.scan()).total == 0
    detail = await case_service.detail(number)
    assert detail.reminders == ("due_soon", "overdue") and detail.overdue
    assert [e.action for e in detail.events][-2:] == ["due_soon", "overdue"]

    sender = Recorder()
    await Notifier(database, [sender], clock=clock).drain()
    overdue = [n for n in sender.sent if n.kind == "overdue"]
    assert {n.recipient for n in overdue} == {"tax", "office"}
    assert all(n.case_number == number and "超" in n.title for n in overdue)


async def test_extension_reopens_the_watch_and_closed_cases_are_left_alone(
    case_service: Any, database: Any, county: Any, clock: Any
) -> None:
    number = await open_case(case_service)
    closed = await open_case(case_service, "另一件", id_number="11010519491231002X")
    tax = Actor("tax01", "staff", "tax")
    await case_service.act(closed, StaffAction("accept", tax))
    await case_service.act(closed, StaffAction("reply", tax, text="已答复"))
    scanner = OverdueScanner(county, database, clock)
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=BEIJING))
    assert (await scanner.scan()).overdue == [number]
    await case_service.act(
        number, StaffAction("extend_due", Actor("office01", "office", "office"), extend_days=5)
    )
    assert (await scanner.scan()).total == 0  # now 5 working days away again
    clock.set(datetime(2026, 3, 13, 9, 0, tzinfo=BEIJING))  # Friday before Monday 16th
    assert (await scanner.scan()).due_soon == [number]
    clock.set(datetime(2026, 3, 16, 19, 0, tzinfo=BEIJING))
    assert (await scanner.scan()).overdue == [number]
    assert len(await reminder_rows(database, "overdue")) == 4  # twice to tax and office


async def test_serve_warns_once_a_day_about_years_without_a_holiday_schedule(
    county: Any, caplog: Any
) -> None:
    import logging

    moment = datetime(2026, 11, 30, 9, 0, tzinfo=BEIJING)
    scanner = OverdueScanner(county, db=None, clock=lambda: moment)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="backend.scanner"):
        warning = scanner.check_calendar(moment)
        assert scanner.check_calendar(moment) is None  # once a day
    expected = county.calendar_warning(date(2026, 11, 30))
    assert warning == expected
    if expected is not None:  # chinese_calendar 1.11 has no 2027
        assert [r.getMessage() for r in caplog.records] == [expected]
