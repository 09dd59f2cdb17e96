"""``yichuang serve``: a real subprocess (healthz, API, background notifier, SIGTERM), and the
shutdown promise: a delivery in flight is finished, nothing is left half done."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestServer
from sqlmodel import col

from backend.models import OutboxMessage
from backend.notifications import Notification
from bot.server import build_web_app

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _open_case(url: str) -> str:
    from backend.drafts import CaseDraft, ComplainantDraft
    from backend.settings import Settings
    from bot.bootstrap import build_context, close_context

    ctx = await build_context(Settings(database_url=url))
    try:
        opened = await ctx.cases.open_case(
            CaseDraft(
                channel="console",
                channel_user="resident-1",
                description="单位扣了我的社保钱没交",
                category="contribution_amount",
                complainant=ComplainantDraft(name="张三", phone="13812341427"),
            )
        )
        return str(opened.number)
    finally:
        await close_context(ctx)


async def test_serve_subprocess_healthz_notifier_and_sigterm(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    number = await _open_case(url)
    port = free_port()
    env = {
        **os.environ,
        "YICHUANG_DATABASE_URL": url,
        "YICHUANG_HTTP_HOST": "127.0.0.1",
        "YICHUANG_HTTP_PORT": str(port),
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(base + "/healthz") as resp:
                        assert resp.status == 200
                        assert (await resp.json())["status"] == "ok"
                        break
                except aiohttp.ClientConnectionError:
                    assert proc.poll() is None, proc.communicate()
                    assert time.monotonic() < deadline, "serve did not come up"
                    await asyncio.sleep(0.1)
            async with http.get(base + "/api/v1/openapi.json") as resp:
                assert resp.status == 200 and "paths" in await resp.json()
            async with http.get(base + "/api/v1/cases") as resp:
                assert resp.status == 401
        # the background notifier delivers the new-case notifications through the console
        from backend.db import Database

        db = await Database.connect(url)
        try:
            for _ in range(100):
                async with db.session() as s:
                    pending = (
                        await s.execute(
                            sa.select(sa.func.count())
                            .select_from(OutboxMessage)
                            .where(col(OutboxMessage.status) != "sent")
                        )
                    ).scalar_one()
                if pending == 0:
                    break
                await asyncio.sleep(0.1)
            assert pending == 0
        finally:
            await db.dispose()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert f"【新案件 {number}" in out and "13812341427" not in out and "138****1427" in out
    assert "已停止" in out
    assert "Traceback" not in err


async def test_shutdown_finishes_the_delivery_in_flight(sqlite_database: Any, county: Any) -> None:
    from backend.conversations import SqlConversationStore
    from backend.notifier import Notifier
    from backend.ratelimit import RateLimiter
    from backend.service import CaseService
    from backend.settings import Settings
    from bot.bootstrap import AppContext

    db = sqlite_database
    now = datetime.now(UTC)
    async with db.session(write=True) as s:
        s.add_all(
            OutboxMessage(
                channel="slow",
                recipient="x",
                kind="test",
                title="t",
                body=str(i),
                dedup_key=f"slow:{i}",
                next_attempt_at=now,
                created_at=now,
            )
            for i in range(3)
        )
        await s.commit()

    started = asyncio.Event()

    class Slow:
        channel = "slow"
        done: ClassVar[list[int]] = []

        async def send(self, notification: Notification) -> None:
            started.set()
            await asyncio.sleep(0.5)
            self.done.append(notification.id)

    notifier = Notifier(db, [Slow()], batch_size=1, limiter=RateLimiter({}))
    ctx = AppContext(
        settings=Settings(),
        county=county,
        db=db,
        cases=CaseService(county, db),
        conversations=SqlConversationStore(db),
        clock=lambda: datetime.now(UTC),
        notifier=notifier,
    )
    server = TestServer(build_web_app(ctx, [], background=True), host="127.0.0.1")
    await server.start_server()
    await asyncio.wait_for(started.wait(), 5)
    await server.close()  # runs the cleanup: stop the loops, wait for the batch in flight
    async with db.session() as s:
        rows = {r.id: r.status for r in (await s.execute(sa.select(OutboxMessage))).scalars()}
    sent = {i for i, status in rows.items() if status == "sent"}
    assert sent == set(Slow.done) and len(sent) >= 1, "a delivery was cut off or not recorded"
    assert set(rows.values()) <= {"sent", "pending"} and len(sent) < 3


@pytest.mark.parametrize("argv", [["serve", "--help"]])
def test_serve_is_registered(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "--port" in capsys.readouterr().out
