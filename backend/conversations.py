"""Conversation state and processed inbound message ids, in the database (``ConversationStore``).

Both live next to the cases so that a restart, or another server process, continues a
conversation and never handles a re-sent message twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from backend.db import Database
from backend.models import Conversation, ProcessedMessage, utcnow


class SqlConversationStore:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock

    def _insert(self) -> Any:
        return postgresql.insert if self.db.dialect_name == "postgresql" else sqlite.insert

    async def load(self, channel: str, user_ref: str) -> dict[str, Any] | None:
        async with self.db.session() as s:
            row = await s.get(Conversation, (channel, user_ref))
            return None if row is None else dict(row.state or {})

    async def save(self, channel: str, user_ref: str, state: dict[str, Any]) -> None:
        """Insert or replace the state (an upsert: two processes may race on a new user)."""
        table = Conversation.__table__  # type: ignore[attr-defined]
        now = self.clock()
        stmt = self._insert()(table).values(
            channel=channel, user_ref=user_ref, state=state, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel", "user_ref"],
            set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
        )
        async with self.db.session(write=True) as s:
            await s.execute(stmt)
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

    async def first_time_seen(self, channel: str, message_id: str) -> bool:
        """Record the id; False if it was already there. Race-safe: the primary key decides
        (INSERT … ON CONFLICT DO NOTHING), so of two concurrent deliveries exactly one wins."""
        table = ProcessedMessage.__table__  # type: ignore[attr-defined]
        stmt = (
            self._insert()(table)
            .values(channel=channel, message_id=message_id, received_at=self.clock())
            .on_conflict_do_nothing(index_elements=["channel", "message_id"])
        )
        async with self.db.session(write=True) as s:
            result = await s.execute(stmt)
            await s.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]
