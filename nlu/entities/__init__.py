"""Entity extraction: ``extract(text, now, gazetteer) -> list[Entity]``, offsets into ``text``.

Usable on its own: the dialogue re-extracts a single answer ("13812341427", "2023年3月到6月").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from nlu.entities.base import MAX_FOUND, Found, overlaps
from nlu.entities.contact import case_numbers, id_problem, identifiers, phones, uscc_problem
from nlu.entities.insurance import insurance_types
from nlu.entities.money import amounts, groups, people_counts
from nlu.entities.people import looks_like_name, names
from nlu.entities.periods import dated_periods, disputed_period, periods
from nlu.entities.places import employers, places
from nlu.normalize import align
from nlu.types import Entity, Gazetteer

__all__ = [
    "extract",
    "id_problem",
    "looks_like_name",
    "period_of",
    "today_of",
    "uscc_problem",
]

_BEIJING = ZoneInfo("Asia/Shanghai")

#: Above this length only the head is searched (a chat message is far shorter; this bounds time).
MAX_CHARS = 5000
#: Longer runs of spaces or of number characters are not part of any entity: they are blanked
#: (offsets kept) so that no pattern ever scans a long run, whatever its quantifiers.
MAX_SPACE_RUN = 3
MAX_NUMBER_RUN = 40
_BLANK = "\ufffd"
_LONG_SPACES = re.compile(rf"(?<=\s{{{MAX_SPACE_RUN}}})\s+")
_LONG_NUMBER = re.compile(rf"[\d零〇一二两三四五六七八九十百千万亿几点,.]{{{MAX_NUMBER_RUN + 1},}}")


def today_of(now: datetime | None) -> date:
    """The message's date in China (naive datetimes are taken as Beijing time)."""
    if now is None:
        return datetime.now(_BEIJING).date()
    if now.tzinfo is None:
        return now.date()
    return now.astimezone(_BEIJING).date()


def extract(
    text: str, now: datetime | None = None, gazetteer: Gazetteer | None = None
) -> list[Entity]:
    """Every entity in ``text``, ordered by position. Never raises on any string."""
    if not text:
        return []
    original = text
    norm = defang(align(text[:MAX_CHARS]))
    return [f.entity(original) for f in _found(norm, today_of(now), gazetteer)]


def period_of(text: str, today: date, *, bare: bool = False) -> dict[str, Any] | None:
    """The one disputed period said in ``text`` (the dialogue's reader of a period answer):
    ``{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}`` plus ``"years": [2015, 2017]`` when
    years were said one by one; None when no period is said. The text is normalised first
    (traditional, full-width), the digits of ID, phone and case numbers are never a period,
    a period said to be wrong ("不是2019年") is left out, and periods that name their year
    win over those counted back from today. ``bare``: the period was asked ("19年" alone)."""
    if not text:
        return None
    norm = defang(align(text[:MAX_CHARS]))
    numbers = [*case_numbers(norm), *identifiers(norm, today), *phones(norm)]
    dated = [
        (f, named)
        for f, named in dated_periods(norm, today, bare=bare)
        if not any(overlaps(f, g) for g in numbers)
    ]
    return disputed_period(dated)


def defang(norm: str) -> str:
    """``norm`` with over-long runs of spaces and number characters blanked, same length."""
    norm = _LONG_SPACES.sub(lambda m: _BLANK * len(m.group(0)), norm)
    return _LONG_NUMBER.sub(lambda m: _BLANK * len(m.group(0)), norm)


def _found(norm: str, today: date, gazetteer: Gazetteer | None) -> list[Found]:
    # Numbers first, by priority: a case number or ID number contains digits a phone or an
    # amount pattern would also take; the earlier kind wins an overlap.
    numeric: list[Found] = []
    for group in (
        case_numbers(norm),
        identifiers(norm, today),
        phones(norm),
        periods(norm, today),
        people_counts(norm),  # a count names its people: it wins over a money cue before it
        amounts(norm),
        groups(norm),
    ):
        for f in group[:MAX_FOUND]:
            if not any(overlaps(f, g) for g in numeric):
                numeric.append(f)
    words: list[Found] = []
    for group in (places(norm, gazetteer), employers(norm), names(norm), insurance_types(norm)):
        for f in group[:MAX_FOUND]:
            if not any(overlaps(f, g) for g in numeric):
                words.append(f)
    # A name inside a place or employer ("石门村", "张记饭店") is not a person.
    words = [
        f
        for f in words
        if f.type != "person_name"
        or not any(g.type in ("village", "township", "employer") and overlaps(f, g) for g in words)
    ]
    return sorted(numeric + words, key=lambda f: (f.start, f.end))
