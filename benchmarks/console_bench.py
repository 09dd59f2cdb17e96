"""Web console response times with a register of 10,000 cases (PostgreSQL by default).

Fills a fresh database with N cases spread over twelve months (categories, tiers, agencies,
statuses, co-agencies, answers, evaluations and repeat complaints in realistic shares; rows
inserted in bulk, not through the dialogue), serves ``build_web_app`` as ``yichuang serve``
does on 127.0.0.1, signs in through the console and times whole requests from a client on
the same machine (server time plus a loopback round trip):

- the first page of the case list (office: all cases; an agency: its own; a text search);
- a case page; the statistics page (考核, all cases); the 督办 board.

Targets (issue 12): first page ≤ 200 ms, statistics ≤ 500 ms.

    .venv/bin/python benchmarks/console_bench.py [--cases 10000] [--repeat 20] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
CSRF = re.compile(r'name="_csrf" value="([^"]*)"')
BATCH = 1000


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fill(db: Any, county: Any, n: int, now: datetime, seed: int = 12) -> None:
    """``n`` cases in bulk: persons, cases, assignments and a register event each."""
    import sqlalchemy as sa
    from sqlmodel import SQLModel

    from backend.categories import CATEGORIES
    from backend.models import Assignment, Case, Event, Person
    from backend.workflow import STATUSES

    rng = random.Random(seed)
    agencies = [a.id for a in county.agencies]
    weights = [30 if a in ("tax", "hrss", "medical") else 2 for a in agencies]
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    channels = ["telegram", "wecom_kf", "wecom_app", "console"]
    tiers = ["simple", "general", "complex"]
    tables = SQLModel.metadata.tables
    p_t, c_t, a_t, e_t = (tables[m.__tablename__] for m in (Person, Case, Assignment, Event))
    async with db.session(write=True) as s:
        for start in range(0, n, BATCH):
            persons, cases, assignments, events = [], [], [], []
            for i in range(start, min(n, start + BATCH)):
                created = now - timedelta(days=rng.uniform(0, 365), hours=rng.uniform(0, 9))
                tier = rng.choices(tiers, [25, 65, 10])[0]
                due = created + timedelta(days={"simple": 1, "general": 7, "complex": 21}[tier])
                status = rng.choices(STATUSES, [6, 8, 3, 1, 4, 2, 1, 10, 50, 3, 12])[0]
                answered = status in ("replied", "closed", "objected", "archived")
                replied = created + timedelta(days=rng.uniform(0.2, 12)) if answered else None
                lead = rng.choices(agencies, weights)[0]
                persons.append(
                    {
                        "id": i + 1,
                        "kind": "person",
                        "name": rng.choice(surnames) + rng.choice("秀建国丽军红伟芳明华") + "某",
                        "phone": f"138{rng.randrange(10**8):08d}",
                        "id_number": None,
                    }
                )
                cases.append(
                    {
                        "id": i + 1,
                        "number": f"{county.id}-{created.year}-{i + 1:06d}",
                        "status": status,
                        "category": rng.choice(CATEGORIES),
                        "tier": tier,
                        "description": "单位少缴了我的养老保险，反映多次没有结果"
                        * rng.randint(1, 3),
                        "created_at": created,
                        "due_at": due,
                        "channel": rng.choice(channels),
                        "channel_user": f"user-{i}",
                        "lead_agency": lead,
                        "first_agency": lead,
                        "complainant_id": i + 1,
                        "consent": True,
                        "repeat_of": f"{county.id}-{created.year}-{i:06d}"
                        if i and rng.random() < 0.05
                        else None,
                        "replied_at": replied,
                        "closed_at": replied if status in ("closed", "archived") else None,
                        "latest_reply": "已答复" if answered else None,
                        "satisfaction": rng.choice(
                            ["satisfied", "satisfied", "basically_satisfied", "dissatisfied"]
                        )
                        if status in ("closed", "archived", "objected")
                        else None,
                        "reminders": [],
                        "updated_at": replied or created,
                    }
                )
                assignments.append(
                    {
                        "case_id": i + 1,
                        "agency_id": lead,
                        "role": "lead",
                        "active": True,
                        "assigned_at": created,
                    }
                )
                if rng.random() < 0.3:
                    co = rng.choice([a for a in agencies if a != lead])
                    assignments.append(
                        {
                            "case_id": i + 1,
                            "agency_id": co,
                            "role": "co",
                            "active": True,
                            "assigned_at": created,
                        }
                    )
                events.append(
                    {
                        "case_id": i + 1,
                        "at": created,
                        "actor": "complainant",
                        "action": "register",
                        "text": "登记",
                        "data": {},
                    }
                )
            if "first_agency" not in c_t.c:
                for row in cases:
                    row.pop("first_agency")
            await s.execute(sa.insert(p_t), persons)
            await s.execute(sa.insert(c_t), cases)
            await s.execute(sa.insert(a_t), assignments)
            await s.execute(sa.insert(e_t), events)
        if db.dialect_name == "postgresql":
            for table in ("persons", "cases"):
                await s.execute(
                    sa.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
        await s.commit()
    if db.dialect_name == "postgresql":
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text("ANALYZE"))


async def timed(http: aiohttp.ClientSession, path: str, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        async with http.get(path) as resp:
            await resp.read()
            assert resp.status == 200, (path, resp.status)
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def sign_in(base: str, token: str) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.get("/console/login") as resp:
        found = CSRF.search(await resp.text())
    assert found
    async with http.post(
        "/console/login", data={"_csrf": found.group(1), "token": token}, allow_redirects=False
    ) as resp:
        assert resp.status == 303, resp.status
    return http


async def bench(url: str, n: int, repeat: int) -> dict[str, list[float]]:
    from backend.auth import StaffAuth
    from backend.settings import Settings
    from bot.bootstrap import build_context, close_context
    from bot.server import build_web_app

    ctx = await build_context(Settings(database_url=url))
    runner: web.AppRunner | None = None
    try:
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        await fill(ctx.db, ctx.county, n, now)
        print(f"  filled {n} cases in {time.perf_counter() - t0:.1f} s")
        app = build_web_app(ctx, [], background=False)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = next(iter(getattr(site._server, "sockets", []))).getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        auth = StaffAuth(ctx.db, ctx.county)
        office = await sign_in(base, await auth.issue("office01"))
        agency = await sign_in(base, await auth.issue("tax01"))
        number = f"{ctx.county.id}-{now.year}-{n // 2:06d}"
        try:
            # Warm up (connection pool, template compilation) before timing.
            for http, path in ((office, "/console/cases"), (office, "/console/stats")):
                await timed(http, path, 2)
            detail = await ctx.cases.detail(number) if n else None
            return {
                "list, first page (office, all cases)": await timed(
                    office, "/console/cases", repeat
                ),
                "list, first page (agency 税务)": await timed(agency, "/console/cases", repeat),
                "list, first page, overdue filter": await timed(
                    office, "/console/cases?overdue=true", repeat
                ),
                "list, text search (q=王秀)": await timed(office, "/console/cases?q=王秀", repeat),
                "case page": await timed(office, f"/console/cases/{detail.number}", repeat)
                if detail
                else [],
                "statistics (all cases)": await timed(office, "/console/stats", repeat),
                "statistics (agency 税务)": await timed(agency, "/console/stats", repeat),
                "督办 board": await timed(office, "/console/board", repeat),
            }
        finally:
            await office.close()
            await agency.close()
    finally:
        if runner is not None:
            await runner.cleanup()
        await close_context(ctx)


def report(name: str, results: dict[str, list[float]]) -> None:
    print(f"\n{name}: request time in ms (median / p95 / max)")
    for what, times in results.items():
        if not times:
            continue
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(f"  {what:40s} {statistics.median(times):7.1f} {p95:7.1f} {max(times):7.1f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            report(f"SQLite, {args.cases} cases", await bench(url, args.cases, args.repeat))
        return
    name = f"yc_console_bench_{uuid.uuid4().hex[:8]}"
    await _pg(f'CREATE DATABASE "{name}"')
    try:
        results = await bench(PG.format(name=name), args.cases, args.repeat)
        report(f"PostgreSQL, {args.cases} cases", results)
    finally:
        await _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
