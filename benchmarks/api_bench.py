"""Case-open and staff-action throughput, on SQLite and PostgreSQL.

Opens N cases through ``CaseService.open_case`` (what the dialogue calls), then drives
``accept`` + ``reply`` for each through the staff API of a real server on 127.0.0.1
(``build_web_app``, as ``yichuang serve`` runs it), with C concurrent clients; finally drains
the outbox through a no-op sender. Bounded loops, local only.

    .venv/bin/python benchmarks/api_bench.py [--cases 200] [--concurrency 10] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


class NullSender:
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.count = 0

    async def send(self, notification: Any) -> None:
        self.count += 1


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def bench(url: str, cases: int, concurrency: int) -> dict[str, float]:
    from backend.auth import StaffAuth
    from backend.drafts import CaseDraft, ComplainantDraft
    from backend.notifier import Notifier
    from backend.ratelimit import RateLimiter
    from backend.settings import Settings
    from bot.bootstrap import build_context, close_context
    from bot.server import build_web_app

    ctx = await build_context(Settings(database_url=url))
    sink = {c: NullSender(c) for c in ("console", "telegram")}
    ctx.notifier = Notifier(ctx.db, sink.values(), batch_size=100, limiter=RateLimiter({}))
    app = build_web_app(ctx, [], background=False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    token = await StaffAuth(ctx.db, ctx.county).issue("tax01")
    sem = asyncio.Semaphore(concurrency)
    out: dict[str, float] = {}
    try:

        async def open_one(i: int) -> str:
            async with sem:
                opened = await ctx.cases.open_case(
                    CaseDraft(
                        channel="telegram",
                        channel_user=f"bench-{i}",
                        description="单位扣了社保费，滞纳金太高",
                        category="late_fee",
                        complainant=ComplainantDraft(
                            name=f"用户{i}",
                            phone=f"138{i:08d}",
                            period_start=date(2025, 1, 1),
                            period_end=date(2025, 3, 31),
                        ),
                    )
                )
                return opened.number

        t = time.perf_counter()
        numbers = await asyncio.gather(*(open_one(i) for i in range(cases)))
        out["open_per_s"] = cases / (time.perf_counter() - t)

        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as http:

            async def handle(number: str) -> None:
                async with sem:
                    for kind, body in (("accept", {}), ("reply", {"text": "已核实并减免滞纳金。"})):
                        async with http.post(f"/api/v1/cases/{number}/{kind}", json=body) as r:
                            assert r.status == 200, await r.text()

            t = time.perf_counter()
            await asyncio.gather(*(handle(n) for n in numbers))
            out["actions_per_s"] = 2 * cases / (time.perf_counter() - t)

            t = time.perf_counter()
            for _ in range(50):
                async with http.get("/api/v1/cases?limit=50") as r:
                    assert r.status == 200
            out["list50_per_s"] = 50 / (time.perf_counter() - t)

        t = time.perf_counter()
        result = await ctx.notifier.drain(max_rounds=10_000)
        out["notifications"] = result.sent
        out["deliveries_per_s"] = result.sent / (time.perf_counter() - t)
    finally:
        await runner.cleanup()
        await close_context(ctx)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    cases = max(1, min(args.cases, 5000))
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            print("sqlite    ", _fmt(await bench(url, cases, args.concurrency)))
    if args.only in (None, "postgres"):
        name = f"yc_bench_{uuid.uuid4().hex[:8]}"
        try:
            await _pg(f'CREATE DATABASE "{name}"')
        except Exception as exc:
            print(f"postgres   skipped: {exc}")
            return
        try:
            print("postgres  ", _fmt(await bench(PG.format(name=name), cases, args.concurrency)))
        finally:
            await _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fmt(result: dict[str, float]) -> str:
    return "  ".join(f"{k}={v:.0f}" for k, v in result.items())


if __name__ == "__main__":
    asyncio.run(main())
