"""Case numbers: ``{county}-{year}-{seq:06d}`` (``YC-2026-000123``), and how people type them
("yc2026123", "YC－2026－000123", "YC 2026 123")."""

from __future__ import annotations

import re

#: A case number inside free text; the county prefix is 2–6 Latin letters.
CASE_NUMBER_IN_TEXT = re.compile(
    r"(?<![A-Za-z])([A-Za-z]{2,6})[ \-_—－]{0,2}(20\d{2})[ \-_—－]{0,2}(\d{1,6})(?!\d)"
)


def format_case_number(county: str, year: int, seq: int) -> str:
    return f"{county.upper()}-{year}-{seq:06d}"


def find_case_numbers(text: str) -> list[tuple[str, int, int]]:
    """Every case number in ``text``: (normalised number, start, end)."""
    found = []
    for m in CASE_NUMBER_IN_TEXT.finditer(text[:5000]):
        number = format_case_number(m.group(1), int(m.group(2)), int(m.group(3)))
        found.append((number, m.start(), m.end()))
    return found


def normalise_case_number(text: str) -> str | None:
    """The case number a short text is, or None."""
    s = (text or "").strip()
    if len(s) > 40:
        return None
    m = CASE_NUMBER_IN_TEXT.fullmatch(s)
    if m is None:
        return None
    return format_case_number(m.group(1), int(m.group(2)), int(m.group(3)))
