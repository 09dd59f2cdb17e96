"""``Database.connect``: a new SQLite file is private (0600 in a new 0700 folder); an
unreachable server is one Chinese sentence (no English library fragment)."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest

from backend.db import Database, DatabaseError


async def test_a_new_sqlite_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "yc.db"
    db = await Database.connect(f"sqlite+aiosqlite:///{path}")
    await db.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


async def test_an_unreachable_server_is_said_in_chinese() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatabaseError) as info:
        await Database.connect(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x")
    text = str(info.value)
    assert text.startswith("连不上数据库") and "拒绝连接" in text
    assert "Connect call failed" not in text and "Errno" not in text
