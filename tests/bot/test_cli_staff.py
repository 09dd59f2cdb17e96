"""``yichuang staff token issue|revoke`` and ``yichuang outbox dead|retry``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col

from backend.auth import StaffAuth, hash_token
from backend.config import load_county
from backend.db import Database
from backend.models import OutboxMessage, StaffToken
from bot.cli import main


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("YICHUANG_DATABASE_URL", url)
    return url


async def _verify(url: str, token: str) -> str | None:
    db = await Database.connect(url)
    try:
        staff = await StaffAuth(db, load_county()).verify(token)
        async with db.session() as s:
            hashes = (await s.execute(sa.select(col(StaffToken.token_hash)))).scalars().all()
        assert token not in hashes and hash_token(token) in hashes, "stored in the clear"
        return staff.id if staff else None
    finally:
        await db.dispose()


def test_issue_and_revoke(db_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "token", "issue", "tax01"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert asyncio.run(_verify(db_env, token)) == "tax01"
    assert main(["staff", "token", "revoke", "tax01"]) == 0
    assert "1 个" in capsys.readouterr().out
    assert asyncio.run(_verify(db_env, token)) is None
    assert main(["staff", "token", "issue", "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err


async def _dead_row(url: str) -> int:
    db = await Database.connect(url)
    try:
        now = datetime.now(UTC)
        async with db.session(write=True) as s:
            row = OutboxMessage(
                channel="wecom_app",
                recipient="ZhangWei",
                kind="new_case",
                title="新案件",
                body="x",
                dedup_key="cli:1",
                status="dead",
                attempts=6,
                last_error="渠道未启用：wecom_app",
                next_attempt_at=now,
                created_at=now,
            )
            s.add(row)
            await s.commit()
            assert row.id is not None
            return row.id
    finally:
        await db.dispose()


def test_outbox_dead_and_retry(db_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outbox", "dead"]) == 0
    assert "没有" in capsys.readouterr().out
    oid = asyncio.run(_dead_row(db_env))
    assert main(["outbox", "dead"]) == 0
    assert f"#{oid}" in capsys.readouterr().out
    assert main(["outbox", "dead", "--json"]) == 0
    assert f'"id": {oid}' in capsys.readouterr().out
    assert main(["outbox", "retry", str(oid)]) == 0
    assert "重新排队" in capsys.readouterr().out
    assert main(["outbox", "retry", str(oid)]) == 2
    assert main(["outbox", "dead", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "", "the retried row is still a dead letter"


@pytest.mark.parametrize(
    "argv",
    [
        ["outbox", "retry", "²"],
        ["outbox", "retry", "①"],
        ["outbox", "retry", "٣"],
        ["outbox", "retry", "2147483648"],
        ["outbox", "retry", "9" * 5000],
        ["outbox", "retry", "0"],
        ["outbox", "retry", "-1"],
        ["outbox", "dead", "--limit", "-5"],
        ["outbox", "dead", "--limit", "0"],
        ["outbox", "dead", "--limit", "9" * 5000],
        ["staff", "token", "revoke", "tax\x0001"],
        ["staff", "token", "issue", "x" * 5000],
    ],
)
def test_bad_numbers_and_ids_are_one_chinese_sentence(
    db_env: str, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Issue 14.8 on the CLI: no traceback, no database error — exit 2 with one sentence."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("yichuang: ") and len(err.splitlines()) == 1, err[:200]
    assert "Traceback" not in err and "invalid" not in err


def test_retry_takes_the_hash_form_listed_by_outbox_dead(
    db_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "dead", "--limit", "５"]) == 0  # creates the tables
    oid = asyncio.run(_dead_row(db_env))
    assert main(["outbox", "retry", f"#{oid}"]) == 0
    assert "重新排队" in capsys.readouterr().out


@pytest.mark.parametrize("outbox_id", ["2147483648", "9223372036854775808"])
def test_out_of_range_outbox_id_on_both_databases(
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    outbox_id: str,
) -> None:
    """PostgreSQL's INTEGER key refuses these (a DataError, formerly a traceback)."""
    monkeypatch.setenv("YICHUANG_DATABASE_URL", db_url)
    assert main(["outbox", "dead"]) == 0
    capsys.readouterr()
    assert main(["outbox", "retry", outbox_id]) == 2
    assert "2147483647" in capsys.readouterr().err


async def _console_session(url: str, token: str | None, staff_id: str = "tax01") -> str:
    """Sign in to the console as the sign-in page does (with ``token``, else by WeChat Work)."""
    from backend.auth import token_via
    from bot.desk.sessions import ConsoleSessions

    db = await Database.connect(url)
    try:
        county = load_county()
        via = "wecom"
        if token is not None:
            found = await StaffAuth(db, county).verify_with_id(token)
            assert found is not None
            via = token_via(found[1])
        return (await ConsoleSessions(db, county).create(staff_id, via)).session_id
    finally:
        await db.dispose()


async def _session_alive(url: str, session_id: str) -> bool:
    from bot.desk.sessions import ConsoleSessions

    db = await Database.connect(url)
    try:
        return await ConsoleSessions(db, load_county()).lookup(session_id) is not None
    finally:
        await db.dispose()


def test_revoke_ends_console_sessions(db_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A web-console session signed in with a token dies with that token; revoking a staff
    member ends all their sessions (WeChat Work ones too)."""
    tokens = []
    for _ in range(2):
        assert main(["staff", "token", "issue", "tax01"]) == 0
        tokens.append(capsys.readouterr().out.strip().splitlines()[-1])
    first = asyncio.run(_console_session(db_env, tokens[0]))
    second = asyncio.run(_console_session(db_env, tokens[1]))
    wecom = asyncio.run(_console_session(db_env, None))
    assert main(["staff", "token", "revoke", "--token", tokens[0]]) == 0
    assert "会话已结束" in capsys.readouterr().out
    alive = [asyncio.run(_session_alive(db_env, s)) for s in (first, second, wecom)]
    assert alive == [False, True, True]
    assert main(["staff", "token", "revoke", "tax01"]) == 0
    assert "1 个令牌" in capsys.readouterr().out
    assert not any(asyncio.run(_session_alive(db_env, s)) for s in (second, wecom))
