"""Issue 14: rate limits shared by every ``serve`` process, kept in the database."""

from __future__ import annotations

import asyncio
from typing import Any

from backend.db import Database
from backend.ratelimit import DbRateLimiter, Rate


async def test_the_window_slides(database: Database, clock: Any) -> None:
    limiter = DbRateLimiter(database, {"wecom_robot": Rate(3, 60.0)}, clock=clock)
    assert [await limiter.take("wecom_robot", "tax_group") for _ in range(3)] == [0.0] * 3
    wait = await limiter.take("wecom_robot", "tax_group")
    assert 59.0 < wait <= 60.0
    assert await limiter.take("wecom_robot", "hrss_group") == 0.0  # another recipient
    assert await limiter.take("console", "anyone") == 0.0  # a channel without a limit
    clock.advance(30)
    assert 29.0 < await limiter.take("wecom_robot", "tax_group") <= 30.0
    clock.advance(31)
    assert await limiter.take("wecom_robot", "tax_group") == 0.0


async def test_two_processes_share_one_limit(postgres_database: Database, clock: Any) -> None:
    """Two processes (two connection pools) sending to one group: 5 a minute in all."""
    other = await Database.connect(postgres_database.url)
    try:
        rates = {"telegram": Rate(5, 60.0)}
        a = DbRateLimiter(postgres_database, rates, clock=clock)
        b = DbRateLimiter(other, rates, clock=clock)
        waits = await asyncio.gather(
            *(limiter.take("telegram", "-100123") for limiter in [a, b] * 10)
        )
    finally:
        await other.dispose()
    assert sum(1 for w in waits if w == 0.0) == 5
    assert all(w > 0 for w in waits if w != 0.0)
