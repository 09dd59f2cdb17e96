"""Small persistent key/value state of the WeChat Work channel (table ``channel_cursors``).

Keys used: ``kf_cursor:<open_kfid>`` (the ``kf/sync_msg`` cursor), ``kf_user:<external_userid>``
(the 微信客服 account the resident talks to, for later notifications), ``app_menu:<userid>``
(the numbered choices last shown to a member of the self-built app, as JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from backend.models import ChannelCursor, utcnow


class CursorStore:
    def __init__(self, db: Any, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def get(self, key: str) -> str | None:
        async with self._db.session() as s:
            row = await s.get(ChannelCursor, key)
            return None if row is None else row.value

    async def set(self, key: str, value: str) -> None:
        """Insert or replace (an upsert: another process may write the same key)."""
        table = ChannelCursor.__table__  # type: ignore[attr-defined]
        insert = postgresql.insert if self._db.dialect_name == "postgresql" else sqlite.insert
        stmt = insert(table).values(key=key, value=value, updated_at=self._clock())
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        )
        async with self._db.session(write=True) as s:
            await s.execute(stmt)
            await s.commit()
