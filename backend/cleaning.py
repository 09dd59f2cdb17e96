"""Text as the database will take it: no NUL or other control characters (PostgreSQL refuses
NUL, SQLite does not, so tests on SQLite alone never see it), no lone surrogates, and no
longer than the column holds. Applied to everything a case stores from outside."""

from __future__ import annotations

import math
import re

# C0 controls except tab/newline, DEL, C1 controls, lone surrogates (not encodable as UTF-8).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]+")

#: The longest description kept (the rest is cut with a mark: a report is never refused).
DESCRIPTION_LIMIT = 10_000
#: The largest value an INTEGER column holds on PostgreSQL.
INT32_MAX = 2**31 - 1


def clean_line(value: str | None, limit: int, *, upper: bool = False) -> str | None:
    """One-line text: controls removed, whitespace runs kept as one space, cut to ``limit``;
    None when nothing is left."""
    if value is None:
        return None
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", value)).strip()[:limit].strip()
    if not text:
        return None
    return text.upper() if upper else text


def clean_block(value: str | None, limit: int = DESCRIPTION_LIMIT) -> str:
    """Free text (descriptions, replies, notes): line breaks kept, controls removed, cut to
    ``limit`` with a mark."""
    text = _CONTROL.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def clean_count(value: int | None) -> int | None:
    """A count that fits an INTEGER column (None if it does not make sense)."""
    if value is None or value < 0 or value > INT32_MAX:
        return None
    return value


def clean_amount(value: float | None) -> float | None:
    """A finite, non-negative amount, or None."""
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return value
