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
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
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
        """Save ``state`` (None: leave it as it was) and mark the message handled, atomically."""
        if self.finished:
            raise RuntimeError("turn already finished")
        assert self._finish is not None
        await self._finish(state, replies)
        self.finished = True


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
        table = Conversation.__table__  # type: ignore[attr-defined]
        pm = ProcessedMessage.__table__  # type: ignore[attr-defined]
        # The conversation row locked and, in the same round trip, the message's mark.
        lock = (
            sa.select(
                table.c.state,
                pm.c.message_id.is_not(None).label("done"),
                pm.c.replies,
                pm.c.answered_at,
            )
            .select_from(
                table.outerjoin(
                    pm, sa.and_(pm.c.channel == table.c.channel, pm.c.message_id == message_id)
                )
            )
            .where(table.c.channel == channel, table.c.user_ref == user_ref)
            .with_for_update(of=table)
        )
        async with self.db.session(write=True) as s:
            row = (await s.execute(lock)).first()
            if row is None:
                # A new conversation: create the row to lock. Of two processes racing here,
                # one inserts; the other's insert waits for it, does nothing, and then waits
                # for the row lock like any later message.
                await s.execute(
                    postgresql.insert(table)
                    .values(channel=channel, user_ref=user_ref, state=None, updated_at=self.clock())
                    .on_conflict_do_nothing(index_elements=["channel", "user_ref"])
                )
                row = (await s.execute(lock)).one()
            turn = Turn(
                state=dict(row.state) if isinstance(row.state, dict) else None,
                done=bool(row.done),
                replies=list(row.replies) if row.replies else None,
                answered=row.answered_at is not None,
            )

            async def finish(
                new_state: dict[str, Any] | None, replies: list[dict[str, Any]] | None
            ) -> None:
                await self._write(s, channel, user_ref, message_id, new_state, replies)
                await s.commit()

            turn._finish = finish
            try:
                yield turn
            finally:
                if not turn.finished:
                    await s.rollback()

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
        pm = ProcessedMessage.__table__  # type: ignore[attr-defined]
        async with self.db.session(write=True) as s:
            await s.execute(
                sa.update(pm)
                .where(pm.c.channel == channel, pm.c.message_id == message_id)
                .values(answered_at=self.clock(), replies=None)
            )
            await s.commit()

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
