"""Disputed periods (所属期) as date ranges, relative to the date of the message.

"2023年3月到6月" -> 2023-03-01..2023-06-30; "去年下半年"; "前年腊月" (lunar month, from a table of
Spring Festival dates, accurate to a day or two); "最近三个月"; "从去年10月开始" (-> today).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

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
    r"|\d{{2}}年(?=\s*(?:\d{{1,2}}|十[一二]?|[一二三四五六七八九])\s*月){short})"
)
#: With ``bare`` (the period was asked): "19年到21年", "就19年" — a two-digit year alone.
_SHORT_YEAR = r"|(?<![\d.])\d{2}年(?!\s*(?:多|了|的工龄|工龄))"
_MONTH = r"(?P<{p}lunar>农历|阴历)?(?P<{p}m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]|正|冬|腊)\s*月份?(?:(?P<{p}d>[12]\d|3[01]|0?[1-9])\s*[日号])?"
_PART = r"(?P<{p}part>上半年|下半年|年初|年底|年末|年中|第?[一二三四1-4]季度|前半年|后半年)"
_REL_MONTH = r"(?P<{p}rel>上上个?月|上个?月|这个月|本月|当月)"
_DOTTED = r"(?P<{p}dy>(?:19|20)\d{{2}})[./](?P<{p}dm>1[0-2]|0?[1-9])(?![\d])"


def _point(p: str, bare: bool = False) -> str:
    short = _SHORT_YEAR if bare else ""
    year = _YEAR.format(p=p, short=short)
    return (
        rf"(?:{_DOTTED.format(p=p)}|{_REL_MONTH.format(p=p)}"
        rf"|(?:{year}\s*(?:的)?\s*)?(?:{_PART.format(p=p)}|{_MONTH.format(p=p)})"
        rf"|{_YEAR.format(p=p + 'o', short=short)})"
    )


_JOIN = r"\s*(?:一直到|直到|到了|到|至|~|～|-|—|–|－)\s*"
_NOW = r"(?P<now>至今|到现在|到目前|到今天|到如今|开始|起|以来|以后|之后)"


def _period(bare: bool) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![\d.])(?:{_point('a', bare)})"
        rf"(?:(?:{_JOIN}(?:{_point('b', bare)}|(?P<bnow>现在|目前|今天|如今)))|\s*{_NOW})?"
    )


_PERIOD = _period(False)
_PERIOD_BARE = _period(True)
#: Years said one by one: "2015年和2017年", "2015、2016、2018年", "19年和21年" (bare).
_YEAR_ITEM = r"(?:19|20)\d{2}"
_YEAR_SEP = r"\s*(?:、|和|及|与|跟|还有|以及|,|，|/)\s*"
_YEAR_LIST = re.compile(
    rf"(?<![\d.])({_YEAR_ITEM})\s*年?(?:{_YEAR_SEP}{_YEAR_ITEM}\s*年?){{1,9}}"
    r"(?<=年)(?!\s*(?:\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月|\d)"
)
_YEAR_IN_LIST = re.compile(rf"{_YEAR_ITEM}")
#: "2019-2021年", "2019到2021年": a range whose first year has no 年 of its own.
_YEAR_RANGE = re.compile(
    rf"(?<![\d.])({_YEAR_ITEM})\s*(?:到|至|-|~|—|–|－|～)\s*({_YEAR_ITEM})\s*年"
    r"(?!\s*(?:\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月)"
)
#: "这两年" right after years said: those years, not the last two ("2015年和2017年这两年").
_ANAPHOR = re.compile(r"\s*(?:的|，|,)?\s*(?:这|那)\s*(?:两|三|四|五|六|七|八|九|十|几|[2-9])\s*(?:个)?\s*年")
#: A period said to be wrong: "不是2019年", "2019年改成2020年" (the right one is said too).
_NEGATED_BEFORE = re.compile(r"(?:不是|并非|而不是|不在|没在|不包括|除了)\s*(?:在|从)?\s*$")
_REPLACED_AFTER = re.compile(r"^\s*(?:的)?\s*(?:改成|改为|换成|更正为|应该是|应为|错了|写错了|不对)")
#: A duration of arrears or of a gap up to now: "欠了三年", "三年没交", "断缴两年多".
_GAP_NUM = r"(?P<n>\d{1,2}|[一二两三四五六七八九十几]{1,3}|半)"
_GAP_BEFORE = re.compile(
    r"(?:欠|欠了|欠缴了?|欠费|拖欠了?|断了|断缴了?|断交了?|停缴了?|停交了?|漏缴了?|漏交了?|没交了?"
    r"|没缴了?|未缴|未交|没给交|没给缴|没给上|少交了|拖了)\s*(?:我|俺|我们|俺们|咱们|咱|他|她|人家)?\s*"
    rf"{_GAP_NUM}\s*(?:个)?\s*(?P<u>年|月)(?!份|底|初|中)"
)
_GAP_AFTER = re.compile(
    rf"(?<![\d零〇一二两三四五六七八九十几第])(?:这)?{_GAP_NUM}\s*(?:个)?\s*(?P<u>年|月)(?:多)?(?:了)?\s*"
    r"(?:的(?:社保|保险|养老|医保|钱|费))?\s*(?:都|也|一直|全|就|都是|还)?\s*(?:没有|没|未|不)(?:给|让)?(?:交|缴|上|扣|买|办)"
)
#: A day: "就今天", "昨天去的".
_DAY = re.compile(r"(?<![到至~～今昨前])(?P<d>今天|今日|昨天|昨日|前天)")
_DAY_BACK = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
#: "今年68了", "今年都七十多岁": a year followed by an age says how old, not when.
_AGE_AFTER = re.compile(
    r"\s*(?:都|已经|快|也|有|刚|满|才)?\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?:周岁|岁|了|多)"
)
_RECENT = re.compile(
    r"(?:最近|近|这|过去(?:的)?)\s*(?P<n>\d{1,2}|[一二两三四五六七八九十几半])\s*(?:个)?\s*(?P<u>月|年)"
    r"(?P<half>半)?"
)
#: A year that dates the speaker, not the dispute: a birth year ("1963年生", "出生于1963年",
#: "63年生人") is never the disputed period.
_BIRTH_AFTER = re.compile(r"\s*(?:的)?\s*(?:出生|生人|生(?=[的，,。.;；\s]|$))")
_BIRTH_BEFORE = re.compile(r"(?:出生于|生于|出生在|出生|生在)\s*$")
#: The year one joined the employer ("2019年进厂", "从2019年开始上班"): dropped when the
#: story also says when the problem started.
_JOINED_AFTER = re.compile(
    r"\s*(?:的时候|那会儿?|就|开始|起)?\s*(?:进厂|进的厂|入职|进公司|进的公司|进单位|进的单位|参加工作"
    r"|参加的工作|上班|来厂|来的厂|来公司|到厂|到公司|招工|进矿|来的)"
)
#: A month written in English with its year ("March 2025", "Mar. 2025", "2025 March").
_EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_EN_MONTH = re.compile(
    r"(?<![A-Za-z])(?P<m>jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]{0,6}\.?,?\s{0,2}"
    r"(?:of\s)?(?P<y>(?:19|20)\d{2})(?!\d)",
    re.IGNORECASE,
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


def periods(text: str, today: date, *, bare: bool = False) -> list[Found]:
    """Every period said in ``text`` (``dated_periods`` without the flags)."""
    return [f for f, _ in dated_periods(text, today, bare=bare)]


def dated_periods(text: str, today: date, *, bare: bool = False) -> list[tuple[Found, bool]]:
    """(period, True when it names its year or month itself — not counted back from today
    like "最近三个月", "欠了三年", "今天", "这个月"). Every period said in ``text``. Years said one by one ("2015年和2017年") are one period
    whose value also lists them (``years``); a period said to be wrong ("不是2019年",
    "2019年改成2020年") is left out when another is said; "这两年" after years said is those
    years; a gap up to now ("欠了三年", "两年没交") ends today. ``bare``: the period was asked,
    so "19年" alone is a year."""
    out: list[Found] = []
    relative: set[int] = set()  # start offsets of the periods counted back from today
    for m in _YEAR_LIST.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        head = re.match(r"\d{4}\s*年?", m.group(0))
        if head and birth_year(text, m.start(), m.start() + head.end()):
            continue  # "出生于1958年，2020年…": a birth year, then the period
        years = sorted({int(y) for y in _YEAR_IN_LIST.findall(m.group(0))})
        if not years or years[0] < 1950 or years[-1] > today.year + 1:
            continue
        value = {"start": f"{years[0]}-01-01", "end": f"{years[-1]}-12-31", "years": years}
        out.append(Found("period", value, m.start(), m.end()))
    for m in _YEAR_RANGE.finditer(text):
        first, last = int(m.group(1)), int(m.group(2))
        if len(out) >= MAX_FOUND or not 1950 <= first <= last <= today.year + 1:
            continue
        if not any(f.start < m.end() and m.start() < f.end for f in out):
            value = {"start": f"{first}-01-01", "end": f"{last}-12-31"}
            out.append(Found("period", value, m.start(), m.end()))
    for m in (_PERIOD_BARE if bare else _PERIOD).finditer(text):
        if len(out) >= MAX_FOUND:
            break
        if any(f.start < m.end() and m.start() < f.end for f in out):
            continue
        found = _period_of(m, text, today)
        if found is not None:
            out.append(found)
            if m.group("arel"):
                relative.add(found.start)
    out = _anaphors(text, out)
    for pattern in (_GAP_BEFORE, _GAP_AFTER, _RECENT):
        for m in pattern.finditer(text):
            if len(out) >= MAX_FOUND:
                break
            if any(f.start < m.end() and m.start() < f.end for f in out):
                continue
            if any(0 <= m.start() - f.end <= 1 for f in out) and pattern is _RECENT:
                continue  # "2015年到2017年这三年": those years
            n_text = m.group("n")
            n = 0.5 if n_text == "半" else parse_number(n_text) or 0
            months = round(n * (12 if m.group("u") == "年" else 1))
            if pattern is _RECENT and m.group("half"):
                months += 6  # "最近一年半": eighteen months back to today
            if months <= 0 or months > 240:
                continue
            start = _add_months(today, -months)
            value = {"start": start.isoformat(), "end": today.isoformat()}
            out.append(Found("period", value, m.start(), m.end()))
            relative.add(m.start())
    for m in _DAY.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        if not any(f.start < m.end() and m.start() < f.end for f in out):
            day = (today - timedelta(days=_DAY_BACK[m.group("d")])).isoformat()
            out.append(Found("period", {"start": day, "end": day}, m.start(), m.end()))
            relative.add(m.start())
    for m in _EN_MONTH.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        year, month = int(m.group("y")), _EN_MONTHS.index(m.group("m")[:3].lower()) + 1
        if 1950 <= year <= today.year + 1 and not any(
            f.start < m.end() and m.start() < f.end for f in out
        ):
            value = {"start": f"{year}-{month:02d}-01", "end": _last_day(year, month).isoformat()}
            out.append(Found("period", value, m.start(), m.end()))
    # A birth year, the year one joined: left out when the story dates the dispute otherwise
    # (alone, "孩子2023年出生，医保没办上" may well be when it happened).
    aside = [f for f in out if birth_year(text, f.start, f.end) or joined_year(text, f.end)]
    if aside and len(aside) < len(out):
        out = [f for f in out if f not in aside]
    kept = _without_negated(text, sorted(out, key=lambda f: f.start))
    return [(f, f.start not in relative) for f in kept]


def birth_year(text: str, start: int, end: int) -> bool:
    """Is the year at ``text[start:end]`` the speaker's birth year ("1963年生的")?"""
    return bool(
        _BIRTH_AFTER.match(text, end) or _BIRTH_BEFORE.search(text[max(0, start - 4) : start])
    )


def joined_year(text: str, end: int) -> bool:
    """Is the year ending at ``end`` the year one joined the employer ("2019年进厂")?"""
    return _JOINED_AFTER.match(text, end) is not None


def english_months(text: str) -> list[tuple[int, int]]:
    """Spans of the months written in English with their year ("March 2025")."""
    return [(m.start(), m.end()) for m in _EN_MONTH.finditer(text[:2000])]


def _period_of(m: re.Match[str], text: str, today: date) -> Found | None:
    year_only = m.group("aoy") and m.group(0).strip() == m.group("aoy").strip()
    if year_only and _AGE_AFTER.match(text, m.end()):
        return None
    first = _resolve(m, "a", today, None)
    if first is None:
        return None
    start, end = first.start, first.end
    if m.group("bnow") or m.group("now"):
        word = m.group("now") or ""
        if word in ("以后", "之后") and not first.has_year:
            return None
        end = max(today, first.end)
    elif m.group(0) != m.group(0).rstrip() or any(
        m.group(k) for k in ("bdy", "brel", "by", "boy", "bm", "bpart")
    ):
        second = _resolve(m, "b", today, first.start.year)
        if second is None:
            return None
        if not second.has_year and second.end < first.start:
            second = _shift_year(second, 1)  # "2023年11月到2月" -> 2024-02
        end = second.end
    open_ended = bool(m.group("bnow") or m.group("now"))
    if not first.has_year and (start > today or (end > today and not open_ended)):
        # Months without a year are in the past: "3月到6月" said in March is last year's.
        shifted = _shift_year(_Span(start, end, False), -1)
        start, end = shifted.start, shifted.end
    if end < start:
        return None
    return Found("period", {"start": start.isoformat(), "end": end.isoformat()}, m.start(), m.end())


def _anaphors(text: str, found: list[Found]) -> list[Found]:
    """Periods with a following "这两年" taken in: it names them, not the last two years."""
    out = []
    for f in found:
        m = _ANAPHOR.match(text, f.end)
        out.append(Found(f.type, f.value, f.start, m.end()) if m else f)
    return out


def _without_negated(text: str, found: list[Found]) -> list[Found]:
    """Without the periods said to be wrong, unless nothing else is left ("不是2019年" alone
    is kept: the dialogue still learns what the user is speaking of)."""
    right = [
        f
        for f in found
        if not _NEGATED_BEFORE.search(text[max(0, f.start - 6) : f.start])
        and not _REPLACED_AFTER.match(text[f.end : f.end + 8])
    ]
    return right or found


def disputed_period(dated: list[tuple[Found, bool]]) -> dict[str, Any] | None:
    """The one period a report is about, from the periods said (``dated_periods``): those
    that name their year win over those counted back from today ("今天才发现2019年的没交");
    several make one span, the honest hull ("2015年和2017年" -> 2015-01-01..2017-12-31),
    with ``years`` listing the years said when they were said one by one."""
    chosen = [f for f, dated_ in dated if dated_] or [f for f, _ in dated]
    if not chosen:
        return None
    value: dict[str, Any] = {
        "start": min(str(f.value["start"]) for f in chosen),
        "end": max(str(f.value["end"]) for f in chosen),
    }
    whole = all(
        str(f.value["start"]).endswith("-01-01") and str(f.value["end"]).endswith("-12-31")
        for f in chosen
    )
    if whole and (len(chosen) > 1 or "years" in chosen[0].value):
        years: set[int] = set()
        for f in chosen:
            listed = f.value.get("years")
            first, last = int(str(f.value["start"])[:4]), int(str(f.value["end"])[:4])
            years.update(listed if listed else range(first, last + 1))
        value["years"] = sorted(years)
    return value


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    y, mo = divmod(total, 12)
    return date(y, mo + 1, min(d.day, calendar.monthrange(y, mo + 1)[1]))
