"""Conversation state and processed inbound message ids, in the database (``ConversationStore``).

Both live next to the cases so that a restart, or another server process, continues a
conversation and never handles a re-sent message twice.

One turn = ``async with store.turn(channel, user_ref, message_id) as t``: the conversation is
locked (PostgreSQL: its row, ``SELECT … FOR UPDATE``, created first if missing with
``INSERT … ON CONFLICT DO NOTHING``; inside one process also an ``asyncio.Lock``), ``t.state``
is what was saved, ``t.done`` says the message was handled before. ``await t.finish(state,
replies)`` saves the new state AND records the message as handled (with the replies) in one
transaction; leaving the block without ``finish`` (an exception, a crash) changes nothing, so
the channel's re-delivery is handled as if it were the first. SQLite has one writer at a time
and serves one process: there the in-process lock guards the turn and ``finish`` is one short
write transaction (a long write transaction would block the case desk's own writes).

PostgreSQL, the hot path of every message, talks to asyncpg directly with fixed SQL (prepared
once per connection by asyncpg's statement cache): BEGIN, one statement that locks the row
and reads the message's mark, one that saves the state and marks the message, COMMIT — four
round trips. The lock is tried with ``SKIP LOCKED`` first: a row held by another turn (or
missing) takes the slow path, which waits for the lock and THEN reads the mark in a statement
of its own, so a concurrent turn on the same message that committed while we waited is seen
(one statement's snapshot is older than the lock it waited for). ``finish`` marks the message
with ``ON CONFLICT DO NOTHING`` and saves the state only if the mark was new: should a copy
of the same message still have been handled meanwhile, nothing is saved and ``t.done`` is set.
``mark_answered`` (after the answer went out) is written in groups: the marks that come in
while one UPDATE runs go in the next; it returns once its mark is durable.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db import Database, is_unavailable
from backend.models import Conversation, ProcessedMessage, utcnow

#: Turns holding a PostgreSQL connection (and its row lock) at once in one process. A turn
#: may need a second connection for the case desk while it holds the first: keeping this well
#: below the pool size (10 + 20 overflow) means the pool can never be exhausted by turns
#: waiting for each other.
MAX_LOCKED_TURNS = 12

# PostgreSQL statements of the turn (asyncpg, ``$n`` parameters). The JSON columns go in as
# text (SQLAlchemy's asyncpg codec on every pooled connection) and come out parsed.
_PG_LOCK_FAST = """
SELECT c.state, pm.message_id IS NOT NULL AS done, pm.replies, pm.answered_at
FROM conversations c
LEFT JOIN processed_messages pm ON pm.channel = c.channel AND pm.message_id = $3
WHERE c.channel = $1 AND c.user_ref = $2
FOR UPDATE OF c SKIP LOCKED
"""
_PG_CREATE = """
INSERT INTO conversations (channel, user_ref, state, updated_at) VALUES ($1, $2, NULL, $3)
ON CONFLICT (channel, user_ref) DO NOTHING
RETURNING true
"""
_PG_LOCK_WAIT = """
SELECT state FROM conversations WHERE channel = $1 AND user_ref = $2 FOR UPDATE
"""
_PG_MARK_OF = """
SELECT replies, answered_at FROM processed_messages WHERE channel = $1 AND message_id = $2
"""
_PG_FINISH = """
WITH mark AS (
    INSERT INTO processed_messages (channel, message_id, received_at, replies)
    VALUES ($1, $3, $4, $5::json)
    ON CONFLICT (channel, message_id) DO NOTHING
    RETURNING 1
), saved AS (
    UPDATE conversations SET state = $6::json, updated_at = $4
    WHERE channel = $1 AND user_ref = $2 AND $7::boolean AND EXISTS (SELECT 1 FROM mark)
    RETURNING 1
)
SELECT count(*) FROM mark
"""
_PG_ANSWERED = """
UPDATE processed_messages p SET answered_at = $3, replies = NULL
FROM unnest($1::varchar[], $2::varchar[]) AS m(channel, message_id)
WHERE p.channel = m.channel AND p.message_id = m.message_id
"""


#: A stored answer is re-sent by the sweeper only once the turn is this old (the channel's
#: own path — a Telegram flood wait included — has finished by then) …
UNANSWERED_GRACE = timedelta(minutes=2)
#: … and no older than this (an answer hours late would confuse more than help).
UNANSWERED_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Unanswered:
    """A handled message whose answer never went out (``claim_unanswered``)."""

    channel: str
    message_id: str
    #: The stored replies (``dialogs.service.reply_to_json``; each carries "to": the user).
    replies: list[dict[str, Any]]

    @property
    def user_ref(self) -> str | None:
        for reply in self.replies:
            if isinstance(reply, dict) and reply.get("to"):
                return str(reply["to"])
        return None


@dataclass
class Turn:
    """One locked turn of a conversation (see the module docstring)."""

    state: dict[str, Any] | None
    #: The message was handled before (a re-delivery).
    done: bool = False
    #: The replies stored when it was handled (JSON), if any.
    replies: list[dict[str, Any]] | None = None
    #: Those replies are known to have reached the user.
    answered: bool = False
    finished: bool = False
    _finish: Callable[[dict[str, Any] | None, list[dict[str, Any]] | None], Any] | None = field(
        default=None, repr=False
    )

    async def finish(
        self, state: dict[str, Any] | None, replies: list[dict[str, Any]] | None = None
    ) -> None:
        """Save ``state`` (None: leave it as it was) and mark the message handled, atomically.
        If another copy of the message was handled meanwhile, nothing is saved and ``done``
        becomes True."""
        if self.finished:
            raise RuntimeError("turn already finished")
        assert self._finish is not None
        recorded = await self._finish(state, replies)
        self.finished = True
        if recorded is False:
            self.done = True


class SqlConversationStore:
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] = utcnow,
        *,
        max_locked_turns: int = MAX_LOCKED_TURNS,
    ) -> None:
        self.db = db
        self.clock = clock
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._max_locked = max_locked_turns
        self._slots: asyncio.Semaphore | None = None
        #: ``mark_answered`` waiting for the next UPDATE (PostgreSQL), and its writer.
        self._answered: list[tuple[str, str, asyncio.Future[None]]] = []
        self._answering: asyncio.Task[None] | None = None

    def _insert(self) -> Any:
        return postgresql.insert if self.db.dialect_name == "postgresql" else sqlite.insert

    def is_unavailable(self, exc: BaseException) -> bool:
        """The error means the database cannot serve us now (retry later), not bad input."""
        return is_unavailable(exc)

    # --- the locked turn ----------------------------------------------------------------

    def _local_lock(self, channel: str, user_ref: str) -> asyncio.Lock:
        key = (channel, user_ref)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    @asynccontextmanager
    async def turn(self, channel: str, user_ref: str, message_id: str) -> AsyncIterator[Turn]:
        """Lock the conversation for one message (see the module docstring)."""
        async with self._local_lock(channel, user_ref):
            if self.db.dialect_name == "postgresql":
                if self._slots is None:
                    self._slots = asyncio.Semaphore(self._max_locked)
                async with self._slots, self._locked_pg(channel, user_ref, message_id) as t:
                    yield t
            else:
                async with self._unlocked(channel, user_ref, message_id) as t:
                    yield t

    @asynccontextmanager
    async def _locked_pg(self, channel: str, user_ref: str, message_id: str) -> AsyncIterator[Turn]:
        async with self.db.raw_connection() as conn:
            await conn.execute("BEGIN")
            open_tx = True
            try:
                turn = await self._lock_pg(conn, channel, user_ref, message_id)

                async def finish(
                    new_state: dict[str, Any] | None, replies: list[dict[str, Any]] | None
                ) -> bool:
                    nonlocal open_tx
                    marked = await conn.fetchval(
                        _PG_FINISH,
                        channel,
                        user_ref,
                        message_id,
                        self.clock(),
                        None if replies is None else json.dumps(replies),
                        None if new_state is None else json.dumps(new_state),
                        new_state is not None,
                    )
                    # Not marked: a copy of this message was handled meanwhile; keep nothing.
                    open_tx = False
                    await conn.execute("COMMIT" if marked else "ROLLBACK")
                    return bool(marked)

                turn._finish = finish
                yield turn
            finally:
                if open_tx:  # left without finish (an error, a crash test): nothing changes
                    await conn.execute("ROLLBACK")

    async def _lock_pg(self, conn: Any, channel: str, user_ref: str, message_id: str) -> Turn:
        """Lock the conversation row; the turn as saved, and the message's mark."""
        row = await conn.fetchrow(_PG_LOCK_FAST, channel, user_ref, message_id)
        if row is not None:
            return _turn(row["state"], row["done"], row["replies"], row["answered_at"])
        # A new conversation (create the row: of two processes racing here, one inserts, the
        # other waits for it and does nothing), or a row another turn holds: wait for the
        # lock, then read the mark afresh.
        created = await conn.fetchval(_PG_CREATE, channel, user_ref, self.clock())
        state = None if created else await conn.fetchval(_PG_LOCK_WAIT, channel, user_ref)
        mark = await conn.fetchrow(_PG_MARK_OF, channel, message_id)
        if mark is None:
            return _turn(state, False, None, None)
        return _turn(state, True, mark["replies"], mark["answered_at"])

    @asynccontextmanager
    async def _unlocked(self, channel: str, user_ref: str, message_id: str) -> AsyncIterator[Turn]:
        async with self.db.session() as s:
            row = await s.get(Conversation, (channel, user_ref))
            turn = await self._turn_of(s, channel, message_id, None if row is None else row.state)
            await s.commit()

        async def finish(
            new_state: dict[str, Any] | None, replies: list[dict[str, Any]] | None
        ) -> None:
            async with self.db.session(write=True) as w:
                await self._write(w, channel, user_ref, message_id, new_state, replies)
                await w.commit()

        turn._finish = finish
        yield turn

    async def _turn_of(self, s: AsyncSession, channel: str, message_id: str, state: Any) -> Turn:
        pm = ProcessedMessage.__table__  # type: ignore[attr-defined]
        done = (
            await s.execute(
                sa.select(pm.c.replies, pm.c.answered_at).where(
                    pm.c.channel == channel, pm.c.message_id == message_id
                )
            )
        ).first()
        return Turn(
            state=dict(state) if isinstance(state, dict) else None,
            done=done is not None,
            replies=list(done.replies) if done is not None and done.replies else None,
            answered=done is not None and done.answered_at is not None,
        )

    async def _write(
        self,
        s: AsyncSession,
        channel: str,
        user_ref: str,
        message_id: str,
        state: dict[str, Any] | None,
        replies: list[dict[str, Any]] | None,
    ) -> None:
        now = self.clock()
        if state is not None:
            await s.execute(self._upsert_state(channel, user_ref, state, now))
        pm = ProcessedMessage.__table__  # type: ignore[attr-defined]
        await s.execute(
            self._insert()(pm)
            .values(channel=channel, message_id=message_id, received_at=now, replies=replies)
            .on_conflict_do_nothing(index_elements=["channel", "message_id"])
        )

    def _upsert_state(
        self, channel: str, user_ref: str, state: dict[str, Any], now: datetime
    ) -> Any:
        table = Conversation.__table__  # type: ignore[attr-defined]
        stmt = self._insert()(table).values(
            channel=channel, user_ref=user_ref, state=state, updated_at=now
        )
        return stmt.on_conflict_do_update(
            index_elements=["channel", "user_ref"],
            set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
        )

    # --- processed messages outside the dialogue ------------------------------------------

    async def mark_answered(self, channel: str, message_id: str) -> None:
        """The replies of a handled message reached the user: a re-delivery now gets nothing."""
        if self.db.dialect_name == "postgresql":
            # Group commit: the marks that come in while one UPDATE runs go in the next one
            # (durable before this returns).
            done = asyncio.get_running_loop().create_future()
            self._answered.append((channel, message_id, done))
            self._write_answered_soon()
            await done
            return
        pm = ProcessedMessage.__table__  # type: ignore[attr-defined]
        async with self.db.session(write=True) as s:
            await s.execute(
                sa.update(pm)
                .where(pm.c.channel == channel, pm.c.message_id == message_id)
                .values(answered_at=self.clock(), replies=None)
            )
            await s.commit()

    def _write_answered_soon(self) -> None:
        task = self._answering
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            self._answering = asyncio.create_task(self._write_answered())

    async def _write_answered(self) -> None:
        while self._answered:
            batch, self._answered = self._answered, []
            try:
                async with self.db.raw_connection() as conn:  # one statement, autocommitted
                    await conn.execute(
                        _PG_ANSWERED, [b[0] for b in batch], [b[1] for b in batch], self.clock()
                    )
            except Exception as exc:
                _settle(batch, exc)
            except BaseException:  # cancelled (shutting down): nobody waits forever
                for *_, waiter in batch:
                    waiter.cancel()
                raise
            else:
                _settle(batch, None)

    async def claim_unanswered(
        self,
        channels: Sequence[str],
        *,
        now: datetime,
        grace: timedelta = UNANSWERED_GRACE,
        window: timedelta = UNANSWERED_WINDOW,
        limit: int = 50,
    ) -> list[Unanswered]:
        """Handled messages of ``channels`` whose stored replies were never marked delivered
        (the process died between saving the turn and sending its answer): handled more than
        ``grace`` ago (the normal path has long finished) and less than ``window`` ago (an old
        answer would only confuse). Each is claimed ONCE — marked answered in the same
        transaction, its replies cleared — so it is re-sent at most once more, by one process
        (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: one writer at a time)."""
        if not channels:
            return []
        pm = ProcessedMessage.__table__  # type: ignore[attr-defined]
        pick = (
            sa.select(pm.c.channel, pm.c.message_id, pm.c.replies)
            .where(
                pm.c.channel.in_(list(channels)),
                pm.c.answered_at.is_(None),
                pm.c.replies.is_not(None),
                pm.c.received_at < now - grace,
                pm.c.received_at > now - window,
            )
            .order_by(pm.c.received_at)
            .limit(limit)
        )
        if self.db.dialect_name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        out: list[Unanswered] = []
        async with self.db.session(write=True) as s:
            for channel, message_id, replies in (await s.execute(pick)).all():
                claimed = await s.execute(
                    sa.update(pm)
                    .where(
                        pm.c.channel == channel,
                        pm.c.message_id == message_id,
                        pm.c.answered_at.is_(None),
                    )
                    .values(answered_at=now, replies=None)
                )
                if claimed.rowcount == 1 and isinstance(replies, list):  # type: ignore[attr-defined]
                    out.append(Unanswered(channel, message_id, list(replies)))
            await s.commit()
        return out

    async def prune(self, before: datetime) -> int:
        """Forget handled message ids received before ``before`` (channels re-send for a day
        at most); returns how many were removed."""
        pm = ProcessedMessage.__table__  # type: ignore[attr-defined]
        async with self.db.session(write=True) as s:
            done = await s.execute(sa.delete(pm).where(pm.c.received_at < before))
            await s.commit()
        return int(done.rowcount or 0)  # type: ignore[attr-defined]

    async def is_done(self, channel: str, message_id: str) -> bool:
        """The message was handled before (a re-delivery): read only, marks nothing."""
        pm = ProcessedMessage.__table__  # type: ignore[attr-defined]
        async with self.db.session() as s:
            row = (
                await s.execute(
                    sa.select(pm.c.message_id).where(
                        pm.c.channel == channel, pm.c.message_id == message_id
                    )
                )
            ).first()
        return row is not None

    async def mark_done(self, channel: str, message_id: str) -> bool:
        """Record a message as handled, AFTER its effects succeeded; False if it already was."""
        return await self.first_time_seen(channel, message_id, answered=True)

    # --- plain load / save (the console, tests, tools) ------------------------------------

    async def load(self, channel: str, user_ref: str) -> dict[str, Any] | None:
        async with self.db.session() as s:
            row = await s.get(Conversation, (channel, user_ref))
            return None if row is None or row.state is None else dict(row.state)

    async def save(self, channel: str, user_ref: str, state: dict[str, Any]) -> None:
        """Insert or replace the state (an upsert: two processes may race on a new user)."""
        async with self.db.session(write=True) as s:
            await s.execute(self._upsert_state(channel, user_ref, state, self.clock()))
            await s.commit()

    async def forget(self, channel: str, user_ref: str) -> None:
        async with self.db.session(write=True) as s:
            await s.execute(
                sa.delete(Conversation).where(
                    Conversation.channel == channel,  # type: ignore[arg-type]
                    Conversation.user_ref == user_ref,  # type: ignore[arg-type]
                )
            )
            await s.commit()

    async def first_time_seen(
        self, channel: str, message_id: str, *, answered: bool = False
    ) -> bool:
        """Record the id; False if it was already there. Race-safe: the primary key decides
        (INSERT … ON CONFLICT DO NOTHING), so of two concurrent deliveries exactly one wins.

        Marks BEFORE the work is done: a crash in between loses the message. Use ``turn`` for
        the dialogue and ``is_done`` + ``mark_done`` (after success) elsewhere."""
        table = ProcessedMessage.__table__  # type: ignore[attr-defined]
        now = self.clock()
        stmt = (
            self._insert()(table)
            .values(
                channel=channel,
                message_id=message_id,
                received_at=now,
                answered_at=now if answered else None,
            )
            .on_conflict_do_nothing(index_elements=["channel", "message_id"])
        )
        async with self.db.session(write=True) as s:
            result = await s.execute(stmt)
            await s.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _turn(state: Any, done: bool, replies: Any, answered_at: Any) -> Turn:
    return Turn(
        state=dict(state) if isinstance(state, dict) else None,
        done=bool(done),
        replies=list(replies) if replies else None,
        answered=answered_at is not None,
    )


def _settle(batch: list[tuple[str, str, asyncio.Future[None]]], error: Exception | None) -> None:
    """Tell the waiting ``mark_answered`` calls how their marks went."""
    for *_, waiter in batch:
        if waiter.done() or waiter.get_loop().is_closed():
            continue
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(error)
