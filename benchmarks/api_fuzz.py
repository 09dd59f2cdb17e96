"""Fuzz the staff API with schemathesis (property-based tests from ``/api/v1/openapi.json``).

Starts the application of ``yichuang serve`` on a free 127.0.0.1 port against a fresh SQLite
or PostgreSQL database with a few cases in it, issues an office token (sees every case) and
runs ``st run`` against the served document: every generated request — valid and invalid —
must get no 5xx, a documented status code and content type, and a body matching the
documented schema. Local only, bounded by ``--max-time``.

    .venv/bin/python benchmarks/api_fuzz.py [--only sqlite|postgres] [--max-time 60]
        [--checks all] [--phases examples,coverage,fuzzing]

Prints schemathesis' own summary and, per database, the exit code and wall time. Expected:
no 5xx and no schema, status or content-type violations; ``positive_data_acceptance``
(ST202) still reports the rules a JSON schema cannot state — date_from after date_to, a
reclassification that changes nothing, a transfer to the current lead, a text of spaces —
each answered 400 with its sentence.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
#: Checks that do not fit this API by design: ``ignored_auth`` needs a second token,
#: ``use_after_free``/``ensure_resource_availability`` assume DELETE/POST-created resources.
DEFAULT_EXCLUDE = "use_after_free,ensure_resource_availability,object_level_authorization"


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fuzz(url: str, args: argparse.Namespace) -> tuple[int, float]:
    from aiohttp import web

    from backend.auth import StaffAuth
    from backend.drafts import CaseDraft, ComplainantDraft
    from backend.settings import Settings
    from bot.bootstrap import build_context, close_context
    from bot.server import build_web_app

    ctx = await build_context(Settings(database_url=url))
    for i, category in enumerate(("late_fee", "refund", "arrears", "payment_system")):
        await ctx.cases.open_case(
            CaseDraft(
                channel="telegram",
                channel_user=str(1000 + i),
                description="单位拖欠社保，滞纳金太高",
                category=category,
                complainant=ComplainantDraft(
                    name="张三",
                    phone="13812341427",
                    id_number="140522199003151234",
                    period_start=date(2025, 1, 1),
                    period_end=date(2025, 6, 30),
                ),
            )
        )
    token = await StaffAuth(ctx.db, ctx.county, ctx.clock).issue("office01")
    app = build_web_app(ctx, [], background=False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    command = [
        st,
        "run",
        f"http://127.0.0.1:{port}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        args.checks,
        "--exclude-checks",
        args.exclude,
        "--phases",
        args.phases,
        "--max-time",
        str(args.max_time),
        "--request-timeout",
        "20",
        "--workers",
        "1",
        "--max-failures",
        "50",
        "--continue-on-failure",
        "--suppress-health-check",
        "all",
        "--seed",
        "1",
        "--generation-database",
        "none",
    ]
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as scratch:  # schemathesis' cache directory
            proc = await asyncio.create_subprocess_exec(*command, cwd=scratch)
            code = await proc.wait()
    finally:
        await runner.cleanup()
        await close_context(ctx)
    return code, time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--max-time", type=int, default=60)
    parser.add_argument("--checks", default="all")
    parser.add_argument("--exclude", default=DEFAULT_EXCLUDE)
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    args = parser.parse_args()
    results: dict[str, tuple[int, float]] = {}
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            results["sqlite"] = await fuzz(f"sqlite+aiosqlite:///{tmp}/fuzz.db", args)
    if args.only in (None, "postgres"):
        name = f"yc_fuzz_{uuid.uuid4().hex[:8]}"
        try:
            await _pg(f'CREATE DATABASE "{name}"')
        except Exception as exc:  # report it and carry on with SQLite's figures
            print(f"PostgreSQL unavailable, skipped: {exc}")
        else:
            try:
                results["postgres"] = await fuzz(PG.format(name=name), args)
            finally:
                await _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for db, (code, seconds) in results.items():
        verdict = "no failures" if code == 0 else f"FAILURES (exit {code})"
        print(f"{db:8s} schemathesis: {verdict} in {seconds:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
