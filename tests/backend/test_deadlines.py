"""Working days on the Chinese calendar, across real 2025/2026 holidays with 调休 days."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.deadlines import (
    add_working_days,
    calendar_knows,
    due_at,
    due_label,
    extend,
    is_working_day,
    working_days_left,
)

TZ = "Asia/Shanghai"
BJ = ZoneInfo(TZ)


def test_the_calendar_knows_2025_and_2026() -> None:
    assert calendar_knows(date(2025, 1, 1)) and calendar_knows(date(2026, 12, 31))
    # Spring Festival 2025: off 1-28..2-4, make-up working days Sun 1-26 and Sat 2-8
    assert not is_working_day(date(2025, 1, 28)) and not is_working_day(date(2025, 2, 4))
    assert is_working_day(date(2025, 1, 26)) and is_working_day(date(2025, 2, 8))
    # National Day 2025: off 10-1..10-8, make-up Sun 9-28 and Sat 10-11
    assert not is_working_day(date(2025, 10, 8))
    assert is_working_day(date(2025, 9, 28)) and is_working_day(date(2025, 10, 11))
    # Spring Festival 2026: off 2-15..2-23, make-up Sat 2-14 and Sat 2-28
    assert not is_working_day(date(2026, 2, 23))
    assert is_working_day(date(2026, 2, 14)) and is_working_day(date(2026, 2, 28))
    # National Day 2026: off 10-1..10-7, make-up Sun 9-20 and Sat 10-10
    assert is_working_day(date(2026, 9, 20)) and is_working_day(date(2026, 10, 10))


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Spring Festival 2025
        (date(2025, 1, 24), 1, date(2025, 1, 26)),  # Friday -> the 调休 Sunday
        (date(2025, 1, 27), 1, date(2025, 2, 5)),  # over the 8-day holiday
        (date(2025, 1, 27), 4, date(2025, 2, 8)),  # ... ending on the 调休 Saturday
        (date(2025, 1, 30), 1, date(2025, 2, 5)),  # registered during the holiday
        # National Day 2025
        (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Friday -> the 调休 Sunday
        (date(2025, 9, 30), 1, date(2025, 10, 9)),
        (date(2025, 9, 30), 3, date(2025, 10, 11)),  # 调休 Saturday
        (date(2025, 10, 3), 5, date(2025, 10, 14)),
        # Spring Festival 2026
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # 调休 Saturday
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 24), 4, date(2026, 2, 28)),  # 调休 Saturday
        # National Day 2026
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # 调休 Sunday
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # 调休 Saturday
        # an ordinary week and day 0
        (date(2026, 3, 2), 5, date(2026, 3, 9)),
        (date(2026, 3, 7), 0, date(2026, 3, 9)),  # Saturday, 0 days -> next working day
        (date(2026, 3, 6), 0, date(2026, 3, 6)),
    ],
)
def test_add_working_days(start: date, days: int, due: date) -> None:
    assert add_working_days(start, days) == due


def test_due_at_is_18h_local_stored_utc() -> None:
    registered = datetime(2025, 9, 30, 10, 0, tzinfo=BJ)
    due = due_at(registered, 1, TZ)
    assert due.tzinfo is UTC
    assert due == datetime(2025, 10, 9, 10, 0, tzinfo=UTC)
    assert due_label(due, TZ, 1) == "2025-10-09 18:00（1个工作日）"


def test_late_evening_registration_uses_the_local_day() -> None:
    # 23:30 Beijing on Friday 2026-03-06 is still Friday locally (15:30 UTC)
    registered = datetime(2026, 3, 6, 23, 30, tzinfo=BJ)
    assert due_at(registered, 1, TZ).astimezone(BJ).date() == date(2026, 3, 9)


def test_outside_known_years_falls_back_to_weekdays_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="backend.deadlines"):
        # 2099-12-31 is a Thursday; the next two weekdays are Fri 2100-01-01 and Mon 01-04
        assert add_working_days(date(2099, 12, 31), 2) == date(2100, 1, 4)
    assert any("周一至周五" in r.getMessage() for r in caplog.records)


def test_extend_and_working_days_left() -> None:
    due = datetime(2025, 9, 30, 10, 0, tzinfo=UTC)  # Tuesday 18:00 Beijing
    assert extend(due, 1, TZ) == datetime(2025, 10, 9, 10, 0, tzinfo=UTC)
    now = datetime(2025, 9, 26, 9, 0, tzinfo=BJ)  # Friday
    assert working_days_left(now, due, TZ) == 3  # Sun 28 (调休), Mon 29, Tue 30
    later = datetime(2025, 10, 9, 9, 0, tzinfo=BJ)
    assert working_days_left(later, due, TZ) == -1
