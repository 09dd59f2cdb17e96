"""Per-channel, per-recipient rate limits for outgoing notifications.

Channels cap how fast one recipient may be messaged (WeChat Work: 30 messages a minute per
member for app messages, 20 a minute per group robot; Telegram: 20 a minute per group). A
message over the limit is never dropped: the limiter says how long to wait and the notifier
puts the outbox row back in the queue for then.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from backend.models import RateSlot


@dataclass(frozen=True)
class Rate:
    """At most ``limit`` messages in any window of ``per`` seconds."""

    limit: int
    per: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.per <= 0:
            raise ValueError("rate limit needs limit >= 1 and per > 0")


#: Documented channel limits (per recipient). Channels not listed are not limited here
#: (微信客服 has a per-conversation quota instead: its sender reports when it is used up).
DEFAULT_RATES: Mapping[str, Rate] = {
    "wecom_app": Rate(30, 60.0),
    "wecom_robot": Rate(20, 60.0),
    "telegram": Rate(20, 60.0),
}


def _system_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RateLimiter:
    """Sliding-window limiter keyed by (channel, recipient).

    ``reserve`` never blocks: it either takes a slot (returns 0.0) or returns the seconds to
    wait, taking nothing. Time comes from ``clock`` so tests can move it without sleeping.
    One instance per process: limits are not shared between processes (``DbRateLimiter`` is).
    """

    rates: Mapping[str, Rate] = field(default_factory=lambda: dict(DEFAULT_RATES))
    clock: Callable[[], datetime] = _system_now
    _sent: dict[tuple[str, str], deque[float]] = field(default_factory=dict, repr=False)

    def rate_for(self, channel: str) -> Rate | None:
        return self.rates.get(channel)

    def reserve(self, channel: str, recipient: str, now: datetime | None = None) -> float:
        """Take a slot for one message now (0.0), or the seconds until one frees up."""
        rate = self.rates.get(channel)
        if rate is None:
            return 0.0
        t = (now or self.clock()).timestamp()
        key = (channel, recipient)
        window = self._sent.setdefault(key, deque())
        while window and window[0] <= t - rate.per:
            window.popleft()
        if len(window) < rate.limit:
            window.append(t)
            return 0.0
        return max(window[0] + rate.per - t, 0.001)

    def release(self, channel: str, recipient: str) -> None:
        """Give back the most recent slot (the message was not sent after all)."""
        window = self._sent.get((channel, recipient))
        if window:
            window.pop()

    async def take(self, channel: str, recipient: str) -> float:
        """``reserve`` with the ``Limiter`` interface (see ``DbRateLimiter``)."""
        return self.reserve(channel, recipient)

    async def acquire(self, channel: str, recipient: str) -> None:
        """Wait until a slot is free and take it (for senders that pace themselves)."""
        while (wait := self.reserve(channel, recipient)) > 0:
            await asyncio.sleep(wait)

    def forget_idle(self, now: datetime | None = None) -> None:
        """Drop windows with nothing in them any more (keeps memory bounded)."""
        t = (now or self.clock()).timestamp()
        for key in list(self._sent):
            rate = self.rates.get(key[0])
            window = self._sent[key]
            if rate is None or not window or window[-1] <= t - rate.per:
                del self._sent[key]


class Limiter(Protocol):
    """What the notifier needs of a rate limiter."""

    def rate_for(self, channel: str) -> Rate | None: ...

    async def take(self, channel: str, recipient: str) -> float:
        """Take a slot now (0.0), or the seconds until one frees up (nothing taken)."""
        ...


class SessionSource(Protocol):
    @property
    def dialect_name(self) -> str: ...

    def session(self, *, write: bool = False) -> Any: ...


#: A slot never used yet.
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)
#: Seconds to wait when every slot is being taken by someone else at this very moment.
_BUSY_WAIT = 0.05


@dataclass
class DbRateLimiter:
    """The sliding-window limit of ``RateLimiter``, shared through the database.

    Each (channel, recipient) has ``limit`` rows in ``rate_slots`` holding when each slot was
    last used. Taking a slot = the least recently used row, locked (PostgreSQL ``FOR UPDATE
    SKIP LOCKED``; SQLite's write transaction is exclusive anyway): if it was used more than
    ``per`` seconds ago it is ours (set to now), else its age says how long to wait. At most
    ``limit`` messages can thus go out in any window, whichever process sends them.
    """

    db: SessionSource
    rates: Mapping[str, Rate] = field(default_factory=lambda: dict(DEFAULT_RATES))
    clock: Callable[[], datetime] = _system_now

    def rate_for(self, channel: str) -> Rate | None:
        return self.rates.get(channel)

    async def take(self, channel: str, recipient: str) -> float:
        rate = self.rates.get(channel)
        if rate is None:
            return 0.0
        recipient = recipient[:200]
        for _ in range(2):
            wait = await self._take(rate, channel, recipient)
            if wait is not None:
                return wait
            await self._create_slots(rate, channel, recipient)
        return _BUSY_WAIT

    async def _take(self, rate: Rate, channel: str, recipient: str) -> float | None:
        """0.0 (taken), the seconds to wait, or None when the slots do not exist yet."""
        t = RateSlot.__table__.c  # type: ignore[attr-defined]
        pick = (
            sa.select(t.slot, t.used_at)
            .where(t.channel == channel, t.recipient == recipient)
            .order_by(t.used_at, t.slot)
            .limit(1)
        )
        postgres = self.db.dialect_name == "postgresql"
        if postgres:
            pick = pick.with_for_update(skip_locked=True)
        async with self.db.session(write=True) as s:
            row = (await s.execute(pick)).first()
            if row is None:
                await s.commit()
                if postgres and await self._has_slots(channel, recipient):
                    return _BUSY_WAIT  # all locked by concurrent takers right now
                return None
            now = self.clock()
            used_at: datetime = row.used_at
            if used_at.tzinfo is None:
                used_at = used_at.replace(tzinfo=UTC)
            free_at = used_at + timedelta(seconds=rate.per)
            if free_at > now:
                await s.commit()
                return max((free_at - now).total_seconds(), 0.001)
            await s.execute(
                sa.update(RateSlot.__table__)  # type: ignore[attr-defined]
                .where(t.channel == channel, t.recipient == recipient, t.slot == row.slot)
                .values(used_at=now)
            )
            await s.commit()
        return 0.0

    async def _has_slots(self, channel: str, recipient: str) -> bool:
        t = RateSlot.__table__.c  # type: ignore[attr-defined]
        async with self.db.session() as s:
            found = (
                await s.execute(
                    sa.select(t.slot).where(t.channel == channel, t.recipient == recipient).limit(1)
                )
            ).first()
        return found is not None

    async def _create_slots(self, rate: Rate, channel: str, recipient: str) -> None:
        table = RateSlot.__table__  # type: ignore[attr-defined]
        insert = postgresql.insert if self.db.dialect_name == "postgresql" else sqlite.insert
        rows = [
            {"channel": channel, "recipient": recipient, "slot": i, "used_at": _NEVER}
            for i in range(rate.limit)
        ]
        async with self.db.session(write=True) as s:
            await s.execute(
                insert(table)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["channel", "recipient", "slot"])
            )
            await s.commit()
