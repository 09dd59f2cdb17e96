"""The notifier: drains the outbox through the channel senders.

Every notification is an ``outbox`` row written in the same transaction as the event that
caused it. The notifier claims due rows with a lease (``locked_until``), delivers each through
the sender registered for the row's channel, and marks it sent; failures are retried on a
back-off schedule and then dead-lettered, where staff can see and retry them.

Claiming: PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` then the lease, so several ``serve``
processes never claim the same row; SQLite (one writer at a time) a conditional ``UPDATE``.
Delivery is at-least-once: a crash between sending and marking leaves the row pending; once
its lease runs out it is sent again with the same ``dedup_key``, which the channel uses to
drop the repeat where it can.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db import is_unavailable
from backend.models import Case, OutboxMessage
from backend.notifications import (
    Notification,
    PermanentSendError,
    Sender,
    TransientSendError,
)
from backend.ratelimit import DbRateLimiter, Limiter

log = logging.getLogger(__name__)

#: Seconds to wait after the 1st, 2nd, … failed attempt; one more failure after the last → dead.
BACKOFF: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0, 3600.0)

NO_SENDER_ERROR = "渠道未启用：{channel}（本服务没有配置这个渠道的发送器）"


class SessionSource(Protocol):
    """What the notifier needs of ``backend.db.Database``."""

    @property
    def dialect_name(self) -> str: ...

    def session(self, *, write: bool = False) -> Any:
        """An async context manager yielding an ``AsyncSession`` (``write``: will write)."""
        ...


Clock = Callable[[], datetime]


class OutageWatch(Protocol):
    """One log line per database outage for a whole process (``bot.api.outage.DbOutage``)."""

    @property
    def is_down(self) -> bool: ...

    def failed(self, exc: BaseException, where: str) -> bool:
        """Note a failure; True when it means the database is unavailable."""
        ...

    def answered(self) -> None:
        """Something used the database successfully: the outage, if any, is over."""
        ...


def _system_clock() -> datetime:
    return datetime.now(UTC)


def as_clock(clock: Any) -> Clock:
    """Accept a plain callable or an object with ``now()`` (the backend's clock)."""
    if clock is None:
        return _system_clock
    now = getattr(clock, "now", None)
    if callable(now):
        return now  # type: ignore[no-any-return]
    if callable(clock):
        return clock  # type: ignore[no-any-return]
    raise TypeError("clock must be callable or have now()")


@dataclass(frozen=True)
class Mailbox:
    """Outbox rows that wait for their reader instead of being pushed: a chat with no push
    (the console: ``yichuang chat --user U`` shows what was addressed to U when U comes back).

    A notifier given ``only=`` a mailbox delivers just those rows (the reader's own, through
    the same claim, sender and "sent" mark as every other row); one given ``leave=`` mailboxes
    never claims theirs (``yichuang serve`` leaves the console user's notices to them).
    ``recipient`` None: every recipient of the channel."""

    channel: str
    kinds: frozenset[str]
    recipient: str | None = None

    def where(self) -> sa.ColumnElement[bool]:
        t = OutboxMessage.__table__.c  # type: ignore[attr-defined]
        parts = [t.channel == self.channel, t.kind.in_(sorted(self.kinds))]
        if self.recipient is not None:
            parts.append(t.recipient == self.recipient)
        return sa.and_(*parts)


@dataclass(frozen=True)
class DrainResult:
    """What one pass over the outbox did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    deferred: int = 0  # held back by a rate limit, back in the queue

    def __add__(self, other: DrainResult) -> DrainResult:
        return DrainResult(
            self.claimed + other.claimed,
            self.sent + other.sent,
            self.retrying + other.retrying,
            self.dead + other.dead,
            self.deferred + other.deferred,
        )


@dataclass(frozen=True)
class OutboxEntry:
    """An outbox row as staff see it (dead letters, status)."""

    id: int
    case_number: str | None
    channel: str
    recipient: str
    kind: str
    title: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "case_number": self.case_number,
            "channel": self.channel,
            "recipient": self.recipient,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


@dataclass(frozen=True)
class _Claimed:
    notification: Notification
    attempts: int


_Outcome = tuple[str, float | None, str | None]  # (sent|retry|dead|deferred, delay, error)


class Notifier:
    """Drains the outbox. One per process; safe to run in several processes on PostgreSQL."""

    def __init__(
        self,
        db: SessionSource,
        senders: Iterable[Sender] = (),
        *,
        clock: Any = None,
        limiter: Limiter | None = None,
        backoff: Sequence[float] = BACKOFF,
        lease_seconds: float = 120.0,
        batch_size: int = 50,
        send_timeout: float = 30.0,
        only: Mailbox | None = None,
        leave: Sequence[Mailbox] = (),
    ) -> None:
        self._db = db
        #: Which rows this notifier claims (``Mailbox``): all but ``leave``, or ``only``.
        self._only = only
        self._leave = tuple(leave)
        self._clock = as_clock(clock)
        self._senders: dict[str, Sender] = {}
        # Shared through the database by default: several processes, one limit per recipient.
        self._limiter: Limiter = (
            limiter if limiter is not None else DbRateLimiter(db, clock=self._clock)
        )
        self._backoff = tuple(backoff)
        self._lease = timedelta(seconds=lease_seconds)
        self._batch_size = batch_size
        self._send_timeout = send_timeout
        for sender in senders:
            self.register(sender)

    # --- configuration ----------------------------------------------------------------

    def register(self, sender: Sender) -> None:
        """Deliver rows of ``sender.channel`` through ``sender`` (the last one registered wins)."""
        self._senders[sender.channel] = sender

    @property
    def channels(self) -> list[str]:
        return sorted(self._senders)

    @property
    def limiter(self) -> Limiter:
        return self._limiter

    # --- draining -----------------------------------------------------------------------

    async def run_once(self) -> DrainResult:
        """Claim one batch of due rows and deliver it. Never raises for a delivery failure."""
        now = self._clock()
        lease = self._lease_token(now)
        claimed = await self._claim(now, lease)
        if not claimed:
            return DrainResult()
        outcomes = await asyncio.gather(*(self._deliver(c) for c in claimed))
        result = DrainResult(claimed=len(claimed))
        async with self._db.session(write=True) as session:
            for item, outcome in zip(claimed, outcomes, strict=True):
                result = result + await self._record(session, item, outcome, lease)
            await session.commit()
        return result

    async def drain(self, max_rounds: int = 1000) -> DrainResult:
        """Run batches until nothing is due now (tests and the CLI)."""
        total = DrainResult()
        for _ in range(max_rounds):
            result = await self.run_once()
            total = total + result
            if result.claimed == 0 or result.claimed == result.deferred:
                break
        return total

    async def run(
        self,
        stop: asyncio.Event,
        *,
        idle_seconds: float = 1.0,
        outage: OutageWatch | None = None,
    ) -> None:
        """Background loop until ``stop`` is set. A batch in flight is always finished.

        While the database is unavailable the loop goes on trying, logging the outage once
        (through ``outage``, shared with the server's other parts, or its own line when it
        starts and when it ends) — not a traceback a second."""
        down_since: datetime | None = None
        while not stop.is_set():
            try:
                result = await self.run_once()
            except Exception as exc:  # the database may be briefly unreachable: keep going
                result = DrainResult()
                if not is_unavailable(exc):
                    log.exception("outbox pass failed")
                elif outage is not None:
                    outage.failed(exc, "outbox")
                elif down_since is None:
                    down_since = self._clock()
                    log.warning("outbox: database unavailable (%s), deliveries wait", exc)
            else:
                if outage is not None and outage.is_down:
                    outage.answered()
                if down_since is not None:
                    log.warning(
                        "outbox: database back after %.0f s, delivering again",
                        (self._clock() - down_since).total_seconds(),
                    )
                    down_since = None
            if result.claimed and result.claimed > result.deferred:
                continue  # more may be waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle_seconds)

    def _lease_token(self, now: datetime) -> datetime:
        # The lease end doubles as the claim's token: a random microsecond offset keeps two
        # claims made in the same instant distinguishable.
        return now + self._lease + timedelta(microseconds=secrets.randbelow(1_000_000))

    def _due(self, now: datetime) -> sa.ColumnElement[bool]:
        t = OutboxMessage.__table__.c  # type: ignore[attr-defined]
        due = [
            t.status == "pending",
            t.next_attempt_at <= now,
            sa.or_(t.locked_until.is_(None), t.locked_until <= now),
        ]
        if self._only is not None:
            due.append(self._only.where())
        due += [sa.not_(box.where()) for box in self._leave]
        return sa.and_(*due)

    async def _claim(self, now: datetime, lease: datetime) -> list[_Claimed]:
        t = OutboxMessage.__table__.c  # type: ignore[attr-defined]
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        async with self._db.session(write=True) as session:
            pick = (
                sa.select(t.id)
                .where(self._due(now))
                .order_by(t.next_attempt_at, t.id)
                .limit(self._batch_size)
            )
            if self._db.dialect_name == "postgresql":
                ids = list(
                    (await session.execute(pick.with_for_update(skip_locked=True))).scalars()
                )
                if not ids:
                    await session.commit()
                    return []
                await session.execute(
                    sa.update(table).where(t.id.in_(ids)).values(locked_until=lease)
                )
            else:
                # SQLite has one writer at a time: the conditional UPDATE is the claim.
                await session.execute(
                    sa.update(table)
                    .where(t.id.in_(pick.scalar_subquery()), self._due(now))
                    .values(locked_until=lease)
                    .execution_options(synchronize_session=False)
                )
            rows = (
                await session.execute(
                    sa.select(table, Case.__table__.c.number)  # type: ignore[attr-defined]
                    .select_from(
                        table.outerjoin(
                            Case.__table__,  # type: ignore[attr-defined]
                            Case.__table__.c.id == t.case_id,  # type: ignore[attr-defined]
                        )
                    )
                    .where(t.locked_until == lease, t.status == "pending")
                    .order_by(t.next_attempt_at, t.id)
                )
            ).all()
            await session.commit()
        return [_Claimed(_notification(row._mapping), row._mapping["attempts"]) for row in rows]

    async def _deliver(self, item: _Claimed) -> _Outcome:
        note = item.notification
        sender = self._senders.get(note.channel)
        if sender is None:
            return self._failure(item, NO_SENDER_ERROR.format(channel=note.channel), None)
        try:
            wait = await self._limiter.take(note.channel, note.recipient)
        except Exception as exc:  # the database is away: try again later, nothing is lost
            return ("deferred", 5.0, f"限流记录不可用：{type(exc).__name__}")
        if wait > 0:
            return ("deferred", wait, None)
        try:
            await asyncio.wait_for(sender.send(note), timeout=self._send_timeout)
        except PermanentSendError as exc:
            log.warning("outbox %s to %s:%s dead: %s", note.id, note.channel, note.recipient, exc)
            return ("dead", None, f"永久失败：{exc}")
        except TransientSendError as exc:
            return self._failure(item, f"暂时失败：{exc}", exc.retry_after)
        except TimeoutError:
            return self._failure(item, f"发送超时（{self._send_timeout:g}秒）", None)
        except Exception as exc:  # a sender bug must not stop the other deliveries
            log.exception("sender %s raised", note.channel)
            return self._failure(item, f"发送出错：{type(exc).__name__}: {exc}", None)
        return ("sent", None, None)

    def _failure(self, item: _Claimed, error: str, retry_after: float | None) -> _Outcome:
        failed_attempts = item.attempts + 1
        if failed_attempts > len(self._backoff):
            return ("dead", None, error)
        delay = self._backoff[failed_attempts - 1]
        if retry_after is not None:
            delay = max(delay, retry_after)
        return ("retry", delay, error)

    async def _record(
        self, session: AsyncSession, item: _Claimed, outcome: _Outcome, lease: datetime
    ) -> DrainResult:
        t = OutboxMessage.__table__.c  # type: ignore[attr-defined]
        kind, delay, error = outcome
        now = self._clock()
        values: dict[str, Any] = {"locked_until": None}
        if kind == "sent":
            values |= {
                "status": "sent",
                "sent_at": now,
                "attempts": t.attempts + 1,
                "last_error": None,
            }
            result = DrainResult(sent=1)
        elif kind == "deferred":
            values |= {"next_attempt_at": now + timedelta(seconds=delay or 0.0)}
            result = DrainResult(deferred=1)
        elif kind == "retry":
            values |= {
                "attempts": t.attempts + 1,
                "last_error": error,
                "next_attempt_at": now + timedelta(seconds=delay or 0.0),
            }
            result = DrainResult(retrying=1)
        else:
            values |= {"status": "dead", "attempts": t.attempts + 1, "last_error": error}
            result = DrainResult(dead=1)
        done = await session.execute(
            sa.update(OutboxMessage.__table__)  # type: ignore[attr-defined]
            .where(t.id == item.notification.id, t.locked_until == lease)
            .values(**values)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            # Our lease ran out and another worker took the row over: it owns the outcome now.
            log.warning("outbox %s: lease lost before recording %s", item.notification.id, kind)
        return result

    # --- dead letters -------------------------------------------------------------------

    async def dead_letters(self, *, limit: int = 100, offset: int = 0) -> list[OutboxEntry]:
        """Rows that will not be tried again unless staff retry them, newest first."""
        return await list_outbox(self._db, status="dead", limit=limit, offset=offset)

    async def retry(self, outbox_id: int) -> bool:
        """Put a dead letter back in the queue, due now, with a fresh schedule."""
        return await retry_dead(self._db, outbox_id, self._clock())


def _notification(row: Any) -> Notification:
    actions = tuple((str(a[0]), str(a[1])) for a in (row["actions"] or []) if len(a) >= 2)
    return Notification(
        id=row["id"],
        channel=row["channel"],
        recipient=row["recipient"],
        kind=row["kind"],
        title=row["title"],
        text=row["body"],
        case_number=row["number"],
        due_label=row["due_label"],
        actions=actions,
        dedup_key=row["dedup_key"],
    )


async def list_outbox(
    db: SessionSource, *, status: str = "dead", limit: int = 100, offset: int = 0
) -> list[OutboxEntry]:
    """Outbox rows of one status, newest first, with their case numbers."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    cases = Case.__table__  # type: ignore[attr-defined]
    t = table.c
    async with db.session() as session:
        rows = (
            await session.execute(
                sa.select(table, cases.c.number)
                .select_from(table.outerjoin(cases, cases.c.id == t.case_id))
                .where(t.status == status)
                .order_by(t.id.desc())
                .limit(limit)
                .offset(offset)
            )
        ).all()
    return [
        OutboxEntry(
            id=m["id"],
            case_number=m["number"],
            channel=m["channel"],
            recipient=m["recipient"],
            kind=m["kind"],
            title=m["title"],
            status=m["status"],
            attempts=m["attempts"],
            last_error=m["last_error"],
            created_at=m["created_at"],
            next_attempt_at=m["next_attempt_at"],
            sent_at=m["sent_at"],
        )
        for m in (row._mapping for row in rows)
    ]


async def retry_dead(db: SessionSource, outbox_id: int, now: datetime) -> bool:
    """Dead letter → pending, due ``now``, attempts reset. False if it is not a dead letter."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    t = table.c
    async with db.session(write=True) as session:
        done = await session.execute(
            sa.update(table)
            .where(t.id == outbox_id, t.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=now, locked_until=None)
        )
        await session.commit()
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]
