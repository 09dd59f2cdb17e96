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
from datetime import UTC, datetime


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
    One instance per process: limits are not shared between several ``serve`` processes.
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
