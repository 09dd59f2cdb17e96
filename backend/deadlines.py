"""Due dates in working days on the Chinese calendar (holidays and 调休 make-up days).

``chinese_calendar`` knows the State Council's schedule year by year; outside the years it
knows we fall back to Monday–Friday and log a warning, so a case is never left without a date.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

#: A working day ends (and a case falls due) at this local time.
END_OF_DAY = time(18, 0)


def calendar_knows(day: date) -> bool:
    """True when ``chinese_calendar`` has the official schedule for ``day``'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    """Official working day: holidays are off, 调休 Saturdays/Sundays are on."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count).

    ``days == 0`` is ``start`` if it is a working day, else the next working day.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    fallback = False
    day = start
    if days == 0:
        fallback |= not calendar_knows(day)
        while not is_working_day(day):
            day += timedelta(days=1)
            fallback |= not calendar_knows(day)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        fallback |= not calendar_knows(day)
        if is_working_day(day):
            counted += 1
    if fallback:
        log.warning(
            "节假日安排未知（chinese_calendar 只知道到 %s 年），%s 起按周一至周五计算工作日",
            _last_known_year(),
            start.isoformat(),
        )
    return day


def due_at(registered_at: datetime, working_days: int, tz: str) -> datetime:
    """End (18:00 local) of the ``working_days``-th working day after registration, in UTC.

    ``working_days == 0`` is the same working day (简易事项, 当场办结); registered after the end
    of the day or on a day off, it is the next working day's end.
    """
    zone = ZoneInfo(tz)
    local = registered_at.astimezone(zone)
    local_day = local.date()
    if working_days == 0 and local.time() >= END_OF_DAY:
        local_day += timedelta(days=1)
    due_day = add_working_days(local_day, working_days)
    return datetime.combine(due_day, END_OF_DAY, tzinfo=zone).astimezone(UTC)


def extend(due: datetime, working_days: int, tz: str) -> datetime:
    """Move a due date ``working_days`` working days later (office extension)."""
    zone = ZoneInfo(tz)
    local = due.astimezone(zone)
    new_day = add_working_days(local.date(), working_days)
    return datetime.combine(new_day, local.timetz()).astimezone(UTC)


def working_days_left(now: datetime, due: datetime, tz: str) -> int:
    """Working days from today (exclusive) up to the due day (inclusive); negative if overdue."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    due_day = due.astimezone(zone).date()
    if due_day < today:
        return -sum(
            1
            for i in range(1, (today - due_day).days + 1)
            if is_working_day(due_day + timedelta(days=i))
        )
    return sum(
        1 for i in range(1, (due_day - today).days + 1) if is_working_day(today + timedelta(days=i))
    )


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def due_label(due: datetime, tz: str, working_days: int | None = None) -> str:
    """``2026-12-03 18:00（5个工作日）`` as shown to staff."""
    local = due.astimezone(ZoneInfo(tz))
    text = f"{local:%Y-%m-%d %H:%M}"
    if working_days is None:
        return text
    return f"{text}（{working_days}个工作日）" if working_days else f"{text}（当天办结）"


def _last_known_year() -> int:
    return max(chinese_calendar.holidays).year
