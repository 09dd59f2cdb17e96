"""The channel's persistent cursors on SQLite and PostgreSQL (upsert, read back)."""

from __future__ import annotations

from typing import Any

from bot.wecom.cursors import CursorStore


async def test_set_get_and_replace(database: Any) -> None:
    store = CursorStore(database)
    assert await store.get("kf_cursor:wk1") is None
    await store.set("kf_cursor:wk1", "4gw7MepFLfgF2VC5npN")
    await store.set("kf_cursor:wk2", "other")
    await store.set("kf_cursor:wk1", "4gw7MepFLfgF2VC5npX")
    assert await store.get("kf_cursor:wk1") == "4gw7MepFLfgF2VC5npX"
    assert await CursorStore(database).get("kf_cursor:wk2") == "other"
