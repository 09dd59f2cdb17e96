"""Statutory public holidays (法定节假日) of any year, from the rules themselves.

《全国年节及纪念日放假办法》 (2024 revision, in force since 2025-01-01), article 2: 元旦 1 day
(1 January); 春节 4 days (农历除夕、正月初一至初三); 清明节 1 day (the solar term's day); 劳动节
2 days (1–2 May); 端午节 1 day (农历五月初五); 中秋节 1 day (农历八月十五); 国庆节 3 days
(1–3 October). Article 6: a holiday for all citizens that falls on a Saturday or Sunday is
made up on a working day (补假).

The State Council's yearly notice adds bridge days and 调休 working weekends that no rule
predicts; ``backend.deadlines.WorkCalendar`` uses the notice where it is known (the
``chinese_calendar`` data, or the county file's ``[calendar]``) and these rules only for a
year covered by neither, saying so.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar

#: The first year the 2024 revision applies to (earlier years had a 3-day 春节 without 除夕).
RULES_FROM = 2025


def _lunar(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    day = date(solar.getYear(), solar.getMonth(), solar.getDay())
    assert day.year == year and day.month == 4
    return day


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """The holidays the 办法 itself fixes for ``year`` (no bridge days, no 补假): day -> name."""
    new_year = _lunar(year, 1, 1)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    for i in range(-1, 3):  # 除夕, 正月初一至初三
        days[new_year + timedelta(days=i)] = "春节"
    days[_qingming(year)] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[_lunar(year, 5, 5)] = "端午节"
    days[_lunar(year, 8, 15)] = "中秋节"
    for d in (1, 2, 3):
        days[date(year, 10, d)] = "国庆节"
    return dict(sorted(days.items()))


@lru_cache(maxsize=64)
def rule_days_off(year: int) -> dict[date, str]:
    """``statutory_holidays`` plus article 6's 补假: each holiday on a Saturday or Sunday gives
    the next weekday that is no holiday ("春节（补假）"). What a year without the State
    Council's notice is counted with."""
    days = dict(statutory_holidays(year))
    for day, name in statutory_holidays(year).items():
        if day.weekday() < 5:
            continue
        make_up = day + timedelta(days=1)
        while make_up.weekday() >= 5 or make_up in days:
            make_up += timedelta(days=1)
        days[make_up] = f"{name}（补假）"
    return dict(sorted(days.items()))
