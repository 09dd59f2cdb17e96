"""Disputed periods (所属期) as date ranges, relative to the date of the message.

"2023年3月到6月" -> 2023-03-01..2023-06-30; "去年下半年"; "前年腊月" (lunar month, from a table of
Spring Festival dates, accurate to a day or two); "最近三个月"; "从去年10月开始" (-> today).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from nlu.entities.base import MAX_FOUND, Found
from nlu.entities.numbers import parse_number

#: Spring Festival (正月初一) by Gregorian year.
_SPRING_FESTIVAL = {
    1990: (1, 27), 1991: (2, 15), 1992: (2, 4), 1993: (1, 23), 1994: (2, 10), 1995: (1, 31),
    1996: (2, 19), 1997: (2, 7), 1998: (1, 28), 1999: (2, 16), 2000: (2, 5), 2001: (1, 24),
    2002: (2, 12), 2003: (2, 1), 2004: (1, 22), 2005: (2, 9), 2006: (1, 29), 2007: (2, 18),
    2008: (2, 7), 2009: (1, 26), 2010: (2, 14), 2011: (2, 3), 2012: (1, 23), 2013: (2, 10),
    2014: (1, 31), 2015: (2, 19), 2016: (2, 8), 2017: (1, 28), 2018: (2, 16), 2019: (2, 5),
    2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29),
    2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23),
    2032: (2, 11), 2033: (1, 31), 2034: (2, 19), 2035: (2, 8),
}  # fmt: skip

_REL_YEAR = {"今年": 0, "本年": 0, "当年": 0, "去年": -1, "上一年": -1, "上年": -1, "前年": -2,
             "大前年": -3, "明年": 1}  # fmt: skip
_CN_MONTH = {"正": 1, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10, "十一": 11, "冬": 11, "十二": 12, "腊": 12}  # fmt: skip
_CN_DIGIT = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0"}

_YEAR = (
    r"(?P<{p}y>(?:19|20)\d{{2}}\s*年(?:度)?|[二一][零〇一二三四五六七八九]{{3}}年|大前年|前年|去年|上一年|今年|本年|明年"
    r"|\d{{2}}年(?=\s*(?:\d{{1,2}}|十[一二]?|[一二三四五六七八九])\s*月))"
)
_MONTH = r"(?P<{p}lunar>农历|阴历)?(?P<{p}m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]|正|冬|腊)\s*月份?(?:(?P<{p}d>[12]\d|3[01]|0?[1-9])\s*[日号])?"
_PART = r"(?P<{p}part>上半年|下半年|年初|年底|年末|年中|第?[一二三四1-4]季度|前半年|后半年)"
_REL_MONTH = r"(?P<{p}rel>上上个?月|上个?月|这个月|本月|当月)"
_DOTTED = r"(?P<{p}dy>(?:19|20)\d{{2}})[./](?P<{p}dm>1[0-2]|0?[1-9])(?![\d])"


def _point(p: str) -> str:
    year = _YEAR.format(p=p)
    return (
        rf"(?:{_DOTTED.format(p=p)}|{_REL_MONTH.format(p=p)}"
        rf"|(?:{year}\s*(?:的)?\s*)?(?:{_PART.format(p=p)}|{_MONTH.format(p=p)})"
        rf"|{_YEAR.format(p=p + 'o')})"
    )


_JOIN = r"\s*(?:一直到|直到|到了|到|至|~|～|-|—|–|－)\s*"
_NOW = r"(?P<now>至今|到现在|到目前|到今天|到如今|开始|起|以来|以后|之后)"
_PERIOD = re.compile(
    rf"(?<![\d.])(?:{_point('a')})(?:(?:{_JOIN}(?:{_point('b')}|(?P<bnow>现在|目前|今天|如今)))|\s*{_NOW})?"
)
#: "今年68了", "今年都七十多岁": a year followed by an age says how old, not when.
_AGE_AFTER = re.compile(
    r"\s*(?:都|已经|快|也|有|刚|满|才)?\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?:周岁|岁|了|多)"
)
_RECENT = re.compile(
    r"(?:最近|近|这|过去(?:的)?)\s*(?P<n>\d{1,2}|[一二两三四五六七八九十几半])\s*(?:个)?\s*(?P<u>月|年)"
)


@dataclass
class _Span:
    start: date
    end: date
    has_year: bool


def _last_day(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _spring(year: int) -> date:
    month, day = _SPRING_FESTIVAL.get(year, (2, 1))
    return date(year, month, day)


def _lunar_month(year: int, month: int) -> tuple[date, date]:
    if month == 12:
        end = _spring(year + 1) - timedelta(days=1)
        return end - timedelta(days=29), end
    start = _spring(year) + timedelta(days=round((month - 1) * 29.53))
    return start, start + timedelta(days=29)


def _year_value(text: str, today: date) -> int | None:
    t = re.sub(r"\s|年|度", "", text)
    if t in ("大前", "前", "去", "上一", "今", "本", "明", "上", "当"):
        return today.year + _REL_YEAR[t + "年"]
    if all(c in _CN_DIGIT for c in t):
        t = "".join(_CN_DIGIT[c] for c in t)
    if not t.isdigit():
        return None
    value = int(t)
    if len(t) == 2:
        value += 2000 if value <= today.year % 100 + 1 else 1900
    return value if 1950 <= value <= today.year + 1 else None


def _month_value(text: str) -> int:
    return int(text) if text.isdigit() else _CN_MONTH[text]


def _resolve(m: re.Match[str], p: str, today: date, year_hint: int | None) -> _Span | None:
    g = m.groupdict()
    if g.get(p + "dy"):
        y, mo = int(g[p + "dy"]), int(g[p + "dm"])
        return _Span(date(y, mo, 1), _last_day(y, mo), True)
    if g.get(p + "rel"):
        back = {"上上个月": 2, "上上月": 2, "上个月": 1, "上月": 1}.get(g[p + "rel"], 0)
        first = date(today.year, today.month, 1)
        for _ in range(back):
            first = (first - timedelta(days=1)).replace(day=1)
        return _Span(first, _last_day(first.year, first.month), True)
    year_text = g.get(p + "y") or g.get(p + "oy")
    year = _year_value(year_text, today) if year_text else None
    if year_text and year is None:
        return None
    has_year = year is not None
    if year is None:
        year = year_hint if year_hint is not None else today.year
    part = g.get(p + "part")
    if part:
        quarter = re.search(r"[一二三四1-4]", part)
        if quarter and "季度" in part:
            q = (
                "一二三四".find(quarter.group(0)) + 1
                if not quarter.group(0).isdigit()
                else int(quarter.group(0))
            )
            return _Span(date(year, 3 * q - 2, 1), _last_day(year, 3 * q), has_year)
        first_month, last_month = {
            "上半年": (1, 6), "前半年": (1, 6), "下半年": (7, 12), "后半年": (7, 12),
            "年初": (1, 3), "年中": (6, 7), "年底": (11, 12), "年末": (11, 12),
        }[part]  # fmt: skip
        return _Span(date(year, first_month, 1), _last_day(year, last_month), has_year)
    if g.get(p + "m"):
        month = _month_value(g[p + "m"])
        lunar = g.get(p + "lunar") or g[p + "m"] in ("正", "冬", "腊")
        if lunar:
            start, end = _lunar_month(year, month)
            return _Span(start, end, has_year)
        if g.get(p + "d"):
            try:
                day = date(year, month, int(g[p + "d"]))
            except ValueError:
                return None
            return _Span(day, day, has_year)
        return _Span(date(year, month, 1), _last_day(year, month), has_year)
    if has_year:
        return _Span(date(year, 1, 1), date(year, 12, 31), True)
    return None


def _shift_year(span: _Span, years: int) -> _Span:
    def move(d: date) -> date:
        try:
            return d.replace(year=d.year + years)
        except ValueError:  # 29 February
            return d.replace(year=d.year + years, day=28)

    return _Span(move(span.start), move(span.end), span.has_year)


def periods(text: str, today: date) -> list[Found]:
    out: list[Found] = []
    for m in _PERIOD.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        year_only = m.group("aoy") and m.group(0).strip() == m.group("aoy").strip()
        if year_only and _AGE_AFTER.match(text, m.end()):
            continue
        first = _resolve(m, "a", today, None)
        if first is None:
            continue
        start, end = first.start, first.end
        if m.group("bnow") or m.group("now"):
            word = m.group("now") or ""
            if word in ("以后", "之后") and not first.has_year:
                continue
            end = max(today, first.end)
        elif m.group(0) != m.group(0).rstrip() or any(
            m.group(k) for k in ("bdy", "brel", "by", "boy", "bm", "bpart")
        ):
            second = _resolve(m, "b", today, first.start.year)
            if second is None:
                continue
            if not second.has_year and second.end < first.start:
                second = _shift_year(second, 1)  # "2023年11月到2月" -> 2024-02
            end = second.end
        open_ended = bool(m.group("bnow") or m.group("now"))
        if not first.has_year and (start > today or (end > today and not open_ended)):
            # Months without a year are in the past: "3月到6月" said in March is last year's.
            shifted = _shift_year(_Span(start, end, False), -1)
            start, end = shifted.start, shifted.end
        if end < start:
            continue
        out.append(
            Found(
                "period", {"start": start.isoformat(), "end": end.isoformat()}, m.start(), m.end()
            )
        )
    for m in _RECENT.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        if any(f.start <= m.start() < f.end for f in out):
            continue
        n_text = m.group("n")
        n = 0.5 if n_text == "半" else parse_number(n_text) or 0
        months = round(n * (12 if m.group("u") == "年" else 1))
        if months <= 0 or months > 240:
            continue
        start = _add_months(today, -months)
        out.append(
            Found(
                "period", {"start": start.isoformat(), "end": today.isoformat()}, m.start(), m.end()
            )
        )
    return out


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    y, mo = divmod(total, 12)
    return date(y, mo + 1, min(d.day, calendar.monthrange(y, mo + 1)[1]))
