"""Working days on the Chinese calendar, across real 2025/2026 holidays with 调休 days."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from importlib import resources
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from backend.config import ConfigError, load_county, parse_county
from backend.deadlines import (
    DEFAULT_CALENDAR,
    add_working_days,
    calendar_knows,
    due_at,
    due_label,
    extend,
    is_working_day,
    working_days_left,
)
from backend.holidays import statutory_holidays

TZ = "Asia/Shanghai"


def example_text() -> str:
    return resources.files("backend.county").joinpath("example.toml").read_text(encoding="utf-8")


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


def test_a_year_nobody_knows_counts_the_statutory_holidays_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="backend.deadlines"):
        # 2099-12-31 is a Thursday; Fri 2100-01-01 is 元旦, so Mon 01-04 and Tue 01-05
        assert add_working_days(date(2099, 12, 31), 2) == date(2100, 1, 5)
    assert any("2100" in r.getMessage() and "法定假日" in r.getMessage() for r in caplog.records)


# --- 2027: the tester's extension over 元旦, and the Spring Festival -------------------------


def test_statutory_holidays_follow_the_2024_rules_and_the_library_agrees() -> None:
    for year in (2025, 2026):  # the library has the State Council's notices for these
        for day, name in statutory_holidays(year).items():
            assert chinese_calendar.is_holiday(day), (day, name)
    days = statutory_holidays(2027)
    assert len(days) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3 days (2024 revision)
    assert [d for d, n in days.items() if n == "春节"] == [
        date(2027, 2, 5),  # 除夕
        date(2027, 2, 6),  # 正月初一
        date(2027, 2, 7),
        date(2027, 2, 8),
    ]
    assert days[date(2027, 1, 1)] == "元旦" and days[date(2027, 4, 5)] == "清明节"
    assert days[date(2027, 6, 9)] == "端午节" and days[date(2027, 9, 15)] == "中秋节"


def test_the_library_lacks_2027_so_the_rules_count_it() -> None:
    assert not calendar_knows(date(2027, 1, 1))  # if this fails, the library caught up
    assert DEFAULT_CALENDAR.source(2027) == "rules"
    assert not is_working_day(date(2027, 1, 1))  # 元旦, a Friday
    # Spring Festival: 除夕 Fri 02-05 .. 初三 Mon 02-08; Sat/Sun holidays made up Tue, Wed
    assert [is_working_day(date(2027, 2, d)) for d in range(4, 12)] == [
        True, False, False, False, False, False, False, True,
    ]  # fmt: skip


def test_extension_over_new_year_2027_skips_the_holiday() -> None:
    # The tester's case: the office extends by 10 working days from Mon 2026-12-21.
    due = datetime(2026, 12, 21, 18, 0, tzinfo=BJ)
    new = extend(due, 10, TZ).astimezone(BJ)
    assert new == datetime(2027, 1, 5, 18, 0, tzinfo=BJ)  # 01-01 is 元旦, not a working day
    assert add_working_days(date(2027, 2, 1), 5) == date(2027, 2, 12)


def test_the_county_file_gives_a_year_the_library_lacks() -> None:
    text = example_text() + (
        "\n[[calendar.years]]\nyear = 2027\n"
        'source = "国务院办公厅关于2027年部分节假日安排的通知（示例）"\n'
        'holidays = [2027-01-01, "2027-02-05~2027-02-11"]\n'
        "workdays = [2027-02-13, 2027-02-20]\n"
    )
    county = parse_county(text, "x.toml")
    calendar = county.work_calendar
    assert calendar.source(2027) == "county" and calendar.source(2026) == "library"
    assert not calendar.is_working_day(date(2027, 2, 11))  # a bridge day of the notice
    assert calendar.is_working_day(date(2027, 2, 13))  # 调休 Saturday
    assert not calendar.is_working_day(date(2027, 4, 5))  # statutory, not listed: still off
    # Fri 02-12 (1), Sat 02-13 调休 (2), Mon 02-15 (3)
    assert add_working_days(date(2027, 2, 4), 3, calendar) == date(2027, 2, 15)
    assert county.calendar_warning(date(2026, 11, 30)) is None
    assert due_at(datetime(2027, 2, 4, 9, tzinfo=BJ), 1, TZ, calendar).astimezone(BJ).date() == (
        date(2027, 2, 12)
    )


def test_the_library_wins_over_the_county_file() -> None:
    text = example_text() + "\n[[calendar.years]]\nyear = 2026\nholidays = [2026-03-02]\n"
    calendar = parse_county(text, "x.toml").work_calendar
    assert calendar.is_working_day(date(2026, 3, 2))


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("year = 2027\nholidays = [2027-01-01]\nworkdays = [2027-02-15]", "不是周六或周日"),
        ("year = 2027\nholidays = [2028-01-01]", "不在 2027 年"),
        ('year = 2027\nholidays = ["2027-02-11~2027-02-05"]', "起止日期不对"),
        ("year = 2027\nholidays = [2027-02-13]\nworkdays = [2027-02-13]", "同时写在了放假日"),
    ],
)
def test_the_county_calendar_is_checked(entry: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_county(example_text() + f"\n[[calendar.years]]\n{entry}\n", "x.toml")
    assert problem in str(info.value) and "第1个 calendar.years" in str(info.value)


def test_a_warning_names_the_years_nobody_covers() -> None:
    county = load_county()
    warning = county.calendar_warning(date(2026, 11, 30))
    assert warning is not None and "2027 年" in warning and "[calendar]" in warning
    assert warning.count("。") == 1 and warning.endswith("。")
    assert county.calendar_warning(date(2026, 3, 2)) is None  # 15 + 60 working days: still 2026


def test_extend_and_working_days_left() -> None:
    due = datetime(2025, 9, 30, 10, 0, tzinfo=UTC)  # Tuesday 18:00 Beijing
    assert extend(due, 1, TZ) == datetime(2025, 10, 9, 10, 0, tzinfo=UTC)
    now = datetime(2025, 9, 26, 9, 0, tzinfo=BJ)  # Friday
    assert working_days_left(now, due, TZ) == 3  # Sun 28 (调休), Mon 29, Tue 30
    later = datetime(2025, 10, 9, 9, 0, tzinfo=BJ)
    assert working_days_left(later, due, TZ) == -1
