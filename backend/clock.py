"""The one clock of the backend: every "now" is an aware UTC datetime from a ``Clock``.

Services take a ``Clock`` (a callable) so that tests can freeze and move time; ``as_clock``
also accepts an object with ``now()`` and ``None`` (the system clock).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def as_clock(clock: Any) -> Clock:
    """A ``Clock`` from a callable, an object with ``now()``, or ``None`` (the system clock)."""
    if clock is None:
        return system_clock
    now = getattr(clock, "now", None)
    if callable(now):
        return now  # type: ignore[no-any-return]
    if callable(clock):
        return clock  # type: ignore[no-any-return]
    raise TypeError("clock must be callable or have now()")


def utc_now(clock: Clock) -> datetime:
    """``clock()`` as UTC; a naive answer is a programming error, not a local time."""
    now = clock()
    if now.tzinfo is None:
        raise ValueError("the clock must return an aware datetime")
    return now.astimezone(UTC)
