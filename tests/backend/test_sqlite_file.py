"""A new SQLite database is private (file 0600, new folders 0700) and named in the log."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from backend.sqlite_file import prepare_sqlite_file


def test_a_new_file_and_its_folders_are_private(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "vra" / "sub" / "yichuang.db"
    with caplog.at_level(logging.INFO, logger="backend.sqlite_file"):
        assert prepare_sqlite_file(path) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "vra").stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "已新建 SQLite 数据库文件" in messages and str(path) in messages
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="backend.sqlite_file"):
        assert prepare_sqlite_file(path) is False  # an existing file is used as it is
    assert "使用 SQLite 数据库文件" in caplog.records[-1].getMessage()


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    prepare_sqlite_file(tmp_path / "a.db")
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "a.db").stat().st_mode) == 0o600
