"""Due dates in working days on the Chinese calendar (holidays and 调休 make-up days).

Which days are worked comes, for each year, from the first source that has it:

1. ``chinese_calendar``: the State Council's yearly notice, as the library ships it;
2. the county file's ``[calendar]``: the notice as the IT clerk entered it (a year the
   library does not have yet, e.g. a new year's notice published in November);
3. the rules of《全国年节及纪念日放假办法》(``backend.holidays``): the statutory holidays and
   their 补假, without the notice's bridge days and 调休 weekends. Never a silent guess:
   a date counted this way is logged as a warning, and ``yichuang check`` / ``serve`` say
   which years need the county file (``uncovered_years``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

from backend.holidays import rule_days_off, statutory_holidays

log = logging.getLogger(__name__)

#: A working day ends (and a case falls due) at this local time.
END_OF_DAY = time(18, 0)

#: The most working days an office extension adds (``actions.extend_due``).
MAX_EXTENSION_DAYS = 60

Source = Literal["library", "county", "rules"]


@lru_cache(maxsize=1)
def library_years() -> range:
    """The years ``chinese_calendar`` has the State Council's schedule for."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@dataclass(frozen=True)
class WorkCalendar:
    """Working days: the library's years, then the county file's, then the 办法's rules.

    ``holidays`` / ``workdays``: the days off and the 调休 working weekends the county file
    gives, for the ``years`` it covers (a notice may start in the December before its year).
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    #: Days off per year, worked out once per year (``chinese_calendar.is_workday`` costs
    #: microseconds a day, and a due date counts a few weeks of days at every case opening).
    _off: dict[int, frozenset[date]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def source(self, year: int) -> Source:
        if year in library_years():
            return "library"
        if year in self.years:
            return "county"
        return "rules"

    def covers(self, year: int) -> bool:
        """True when the year's official schedule is known (library or county file)."""
        return self.source(year) != "rules"

    def is_working_day(self, day: date) -> bool:
        """Official working day: holidays are off, 调休 Saturdays/Sundays are on."""
        off = self._off.get(day.year)
        if off is None:
            # Filled per year (a dict store is atomic: two threads at worst both compute it).
            first = date(day.year, 1, 1)
            days = (date(day.year + 1, 1, 1) - first).days
            all_days = (first + timedelta(days=i) for i in range(days))
            off = frozenset(d for d in all_days if not self._worked(d))
            self._off[day.year] = off
        return day not in off

    def _worked(self, day: date) -> bool:
        source = self.source(day.year)
        if source == "library":
            return bool(chinese_calendar.is_workday(day))
        if source == "county":
            if day in self.workdays:
                return True
            if day in self.holidays or day in statutory_holidays(day.year):
                return False
            return day.weekday() < 5
        return day.weekday() < 5 and day not in rule_days_off(day.year)

    def uncovered_years(self, today: date, longest_working_days: int) -> list[int]:
        """Years a due date set from ``today`` on can fall in (``longest_working_days``: the
        longest deadline plus the longest extension) whose schedule nobody has given."""
        last = add_working_days(today, longest_working_days, self, warn=False)
        return [y for y in range(today.year, last.year + 1) if not self.covers(y)]


#: The library's years, then the 办法's rules (no county file).
DEFAULT_CALENDAR = WorkCalendar()


def calendar_knows(day: date) -> bool:
    """True when ``chinese_calendar`` has the official schedule for ``day``'s year."""
    return day.year in library_years()


def is_working_day(day: date, calendar: WorkCalendar = DEFAULT_CALENDAR) -> bool:
    return calendar.is_working_day(day)


def add_working_days(
    start: date, days: int, calendar: WorkCalendar = DEFAULT_CALENDAR, *, warn: bool = True
) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count).

    ``days == 0`` is ``start`` if it is a working day, else the next working day. Counting
    through a year whose schedule is not known logs a warning (``warn``).
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    day = start
    if days == 0:
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    guessed = [y for y in range(start.year, day.year + 1) if not calendar.covers(y)]
    if warn and guessed:
        log.warning(
            "%s 年的节假日安排未知（chinese_calendar 没有，县配置文件 [calendar] 也没有），"
            "%s 起的 %s 个工作日按《全国年节及纪念日放假办法》的法定假日和补假推算，"
            "未计调休：请在国务院办公厅发布通知后填入县配置文件",
            "、".join(map(str, guessed)),
            start.isoformat(),
            days,
        )
    return day


def due_at(
    registered_at: datetime,
    working_days: int,
    tz: str,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> datetime:
    """End (18:00 local) of the ``working_days``-th working day after registration, in UTC.

    ``working_days == 0`` is the same working day (简易事项, 当场办结); registered after the end
    of the day or on a day off, it is the next working day's end.
    """
    zone = ZoneInfo(tz)
    local = registered_at.astimezone(zone)
    local_day = local.date()
    if working_days == 0 and local.time() >= END_OF_DAY:
        local_day += timedelta(days=1)
    due_day = add_working_days(local_day, working_days, calendar)
    return datetime.combine(due_day, END_OF_DAY, tzinfo=zone).astimezone(UTC)


def extend(
    due: datetime, working_days: int, tz: str, calendar: WorkCalendar = DEFAULT_CALENDAR
) -> datetime:
    """Move a due date ``working_days`` working days later (office extension)."""
    zone = ZoneInfo(tz)
    local = due.astimezone(zone)
    new_day = add_working_days(local.date(), working_days, calendar)
    return datetime.combine(new_day, local.timetz()).astimezone(UTC)


def working_days_left(
    now: datetime, due: datetime, tz: str, calendar: WorkCalendar = DEFAULT_CALENDAR
) -> int:
    """Working days from today (exclusive) up to the due day (inclusive); negative if overdue."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    due_day = due.astimezone(zone).date()
    if due_day < today:
        return -sum(
            1
            for i in range(1, (today - due_day).days + 1)
            if calendar.is_working_day(due_day + timedelta(days=i))
        )
    return sum(
        1
        for i in range(1, (due_day - today).days + 1)
        if calendar.is_working_day(today + timedelta(days=i))
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


def calendar_warning(calendar: WorkCalendar, today: date, longest_working_days: int) -> str | None:
    """One sentence for the IT clerk when a due date set from ``today`` can fall in a year
    whose holiday schedule neither the library nor the county file has; None otherwise."""
    years = calendar.uncovered_years(today, longest_working_days)
    if not years:
        return None
    shown = "、".join(f"{y} 年" for y in years)
    return (
        f"{shown}的节假日安排 chinese_calendar 还没有，县配置文件 [calendar] 里也没有，"
        "到期日只能按《全国年节及纪念日放假办法》的法定假日和补假推算（不含调休），"
        "请在国务院办公厅发布放假通知后把放假日和调休上班日填入 [calendar]。"
    )
