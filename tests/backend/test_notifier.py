"""The notifier against real databases (SQLite and PostgreSQL), with a clock the test moves."""

from __future__ import annotations

import asyncio
import collections
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col

from backend.db import Database
from backend.models import OutboxMessage
from backend.notifications import Notification, PermanentSendError, TransientSendError
from backend.notifier import BACKOFF, Notifier, list_outbox
from backend.ratelimit import Rate, RateLimiter

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self, t: datetime = T0) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


class Recorder:
    """A sender that fails ``failures`` times (transiently), then records what it delivers."""

    def __init__(
        self, channel: str = "telegram", failures: int = 0, retry_after: float | None = None
    ):
        self.channel = channel
        self.failures = failures
        self.retry_after = retry_after
        self.calls = 0
        self.sent: list[Notification] = []

    async def send(self, notification: Notification) -> None:
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise TransientSendError("网络错误", retry_after=self.retry_after)
        self.sent.append(notification)


async def add_rows(
    db: Database, n: int, now: datetime, *, channel: str = "telegram", recipient: str = "42"
) -> list[int]:
    async with db.session(write=True) as s:
        rows = [
            OutboxMessage(
                channel=channel,
                recipient=recipient,
                kind="new_case",
                title="新案件",
                body=f"第{i}条",
                dedup_key=f"test:{channel}:{recipient}:{i}:{now.timestamp()}",
                actions=[["accept", "受理"], ["transfer", "移送"]],
                next_attempt_at=now,
                created_at=now,
            )
            for i in range(n)
        ]
        s.add_all(rows)
        await s.commit()
        return [r.id for r in rows if r.id is not None]


async def row(db: Database, outbox_id: int) -> OutboxMessage:
    async with db.session() as s:
        found = await s.get(OutboxMessage, outbox_id)
        assert found is not None
        return found


@pytest.fixture
async def outbox_db(database: Database) -> Database:
    async with database.session(write=True) as s:
        await s.execute(sa.delete(OutboxMessage))
        await s.commit()
    return database


async def test_delivers_with_actions_and_dedup_key(outbox_db: Database) -> None:
    clock = Clock()
    [oid] = await add_rows(outbox_db, 1, clock())
    sender = Recorder()
    result = await Notifier(outbox_db, [sender], clock=clock).drain()
    assert result.sent == 1
    [note] = sender.sent
    assert note.id == oid and note.text == "第0条"
    assert note.actions == (("accept", "受理"), ("transfer", "移送"))
    assert note.dedup_key.startswith("test:telegram:42:0")
    stored = await row(outbox_db, oid)
    assert (stored.status, stored.attempts, stored.sent_at) == ("sent", 1, clock())


async def test_fails_three_times_then_delivers_exactly_once(outbox_db: Database) -> None:
    clock = Clock()
    [oid] = await add_rows(outbox_db, 1, clock())
    sender = Recorder(failures=3)
    notifier = Notifier(outbox_db, [sender], clock=clock)
    for wait in BACKOFF[:3]:
        assert (await notifier.run_once()).retrying == 1
        clock.advance(wait - 1)
        assert (await notifier.run_once()).claimed == 0, "retried before its back-off ran out"
        clock.advance(1)
    assert (await notifier.run_once()).sent == 1
    clock.advance(7200)
    assert (await notifier.drain()).claimed == 0
    assert [n.id for n in sender.sent] == [oid]
    assert sender.calls == 4
    stored = await row(outbox_db, oid)
    assert (stored.status, stored.attempts, stored.last_error) == ("sent", 4, None)


async def test_retry_after_from_the_channel_is_respected(outbox_db: Database) -> None:
    clock = Clock()
    await add_rows(outbox_db, 1, clock())
    sender = Recorder(failures=1, retry_after=90)
    notifier = Notifier(outbox_db, [sender], clock=clock)
    await notifier.run_once()
    clock.advance(BACKOFF[0])
    assert (await notifier.run_once()).claimed == 0
    clock.advance(90 - BACKOFF[0])
    assert (await notifier.run_once()).sent == 1


async def test_permanent_failure_is_dead_at_once_and_staff_can_retry(outbox_db: Database) -> None:
    clock = Clock()
    [oid] = await add_rows(outbox_db, 1, clock())

    class Blocked:
        channel = "telegram"

        async def send(self, notification: Notification) -> None:
            raise PermanentSendError("用户已屏蔽机器人")

    notifier = Notifier(outbox_db, [Blocked()], clock=clock)
    assert (await notifier.run_once()).dead == 1
    [dead] = await notifier.dead_letters()
    assert dead.id == oid and "屏蔽" in (dead.last_error or "") and dead.attempts == 1
    sender = Recorder()
    notifier.register(sender)
    assert await notifier.retry(oid)
    assert not await notifier.retry(oid), "only dead letters can be retried"
    assert (await notifier.drain()).sent == 1
    assert [n.id for n in sender.sent] == [oid]
    assert await notifier.dead_letters() == []


async def test_channel_without_sender_waits_then_goes_dead(outbox_db: Database) -> None:
    clock = Clock()
    [oid] = await add_rows(outbox_db, 1, clock(), channel="wecom_app")
    notifier = Notifier(outbox_db, [Recorder("telegram")], clock=clock)
    await notifier.run_once()
    stored = await row(outbox_db, oid)
    assert stored.status == "pending" and (stored.last_error or "").startswith("渠道未启用")
    for wait in BACKOFF:
        clock.advance(wait)
        await notifier.run_once()
    stored = await row(outbox_db, oid)
    assert (stored.status, stored.attempts) == ("dead", len(BACKOFF) + 1)
    assert [e.id for e in await list_outbox(outbox_db, status="dead")] == [oid]


async def test_rate_limit_queues_and_never_drops(outbox_db: Database) -> None:
    clock = Clock()
    ids = await add_rows(outbox_db, 25, clock(), channel="wecom_robot", recipient="robot-a")
    other = await add_rows(outbox_db, 1, clock(), channel="wecom_robot", recipient="robot-b")
    sender = Recorder("wecom_robot")
    limiter = RateLimiter({"wecom_robot": Rate(20, 60)}, clock=clock)
    notifier = Notifier(outbox_db, [sender], clock=clock, limiter=limiter)
    first = await notifier.drain()
    assert (first.sent, first.deferred) == (21, 5)
    assert sum(n.recipient == "robot-a" for n in sender.sent) == 20
    clock.advance(30)
    assert (await notifier.drain()).sent == 0
    clock.advance(30)
    assert (await notifier.drain()).sent == 5
    assert sorted(n.id for n in sender.sent) == sorted(ids + other)
    async with outbox_db.session() as s:
        statuses = (await s.execute(sa.select(col(OutboxMessage.status)))).scalars().all()
    assert set(statuses) == {"sent"}


async def test_lease_expiry_resends_with_same_dedup_key(outbox_db: Database) -> None:
    """A worker that claimed and died: the row is re-sent after the lease, never lost."""
    clock = Clock()
    [oid] = await add_rows(outbox_db, 1, clock())
    crashed = Notifier(outbox_db, [], clock=clock, lease_seconds=60)
    claimed = await crashed._claim(clock(), clock() + timedelta(seconds=60))
    assert [c.notification.id for c in claimed] == [oid]
    sender = Recorder()
    survivor = Notifier(outbox_db, [sender], clock=clock)
    assert (await survivor.run_once()).claimed == 0, "stole a row still under lease"
    clock.advance(61)
    assert (await survivor.run_once()).sent == 1
    assert sender.sent[0].dedup_key == claimed[0].notification.dedup_key


async def test_two_notifiers_on_postgres_deliver_500_once_each(outbox_db: Database) -> None:
    if outbox_db.dialect_name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is the PostgreSQL claim; SQLite has one writer")
    ids = await add_rows(outbox_db, 500, datetime.now(UTC))
    other_db = await Database.connect(outbox_db.url)
    delivered: collections.Counter[int] = collections.Counter()

    class Shared:
        channel = "telegram"

        def __init__(self, name: str) -> None:
            self.name = name
            self.count = 0

        async def send(self, notification: Notification) -> None:
            await asyncio.sleep(0.001)  # let the other worker interleave
            delivered[notification.id] += 1
            self.count += 1

    a, b = Shared("a"), Shared("b")
    try:
        workers = [
            Notifier(outbox_db, [a], batch_size=25, limiter=RateLimiter({})),
            Notifier(other_db, [b], batch_size=25, limiter=RateLimiter({})),
        ]
        stop = asyncio.Event()

        async def until_done() -> None:
            while sum(delivered.values()) < 500:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # a duplicate would show up now
            stop.set()

        await asyncio.wait_for(
            asyncio.gather(*(w.run(stop, idle_seconds=0.05) for w in workers), until_done()),
            timeout=60,
        )
    finally:
        await other_db.dispose()
    assert sorted(delivered) == sorted(ids)
    assert max(delivered.values()) == 1
    assert a.count > 0 and b.count > 0, "one worker did everything: no concurrency tested"
