"""Helpers shared by the extractors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nlu.types import Entity

CJK = r"\u4e00-\u9fff"
#: At most this many entities of one kind per message: a chat message holds a handful; the
#: bound keeps the overlap checks linear on hostile input ("1元1元1元…").
MAX_FOUND = 30


@dataclass(frozen=True)
class Found:
    """An entity before its original text is attached (offsets are shared with the original)."""

    type: str
    value: Any
    start: int
    end: int
    valid: bool = True
    reason: str | None = None

    def entity(self, original: str) -> Entity:
        return Entity(
            type=self.type,
            value=self.value,
            start=self.start,
            end=self.end,
            text=original[self.start : self.end],
            valid=self.valid,
            reason=self.reason,
        )


def overlaps(a: Found, b: Found) -> bool:
    return a.start < b.end and b.start < a.end
