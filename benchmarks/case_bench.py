"""Case-service throughput: open_case and a staff action, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/case_bench.py [--n 300] [--concurrency 20] [--postgres URL]

Creates a scratch database for each run (SQLite: a temp file; PostgreSQL: a temporary
database on the given server, dropped afterwards) and prints cases/second.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from backend.config import load_county
from backend.db import Database
from backend.drafts import CaseDraft, ComplainantDraft
from backend.service import CaseService
from backend.workflow import Actor, StaffAction

TAX = Actor("tax01", "staff", "tax", "王建国")


def draft(i: int) -> CaseDraft:
    return CaseDraft(
        channel="console",
        channel_user=f"bench-{i}",
        description="单位扣了养老保险但没有交，缴费记录少了几个月",
        category="refund" if i % 2 else "contribution_amount",
        complainant=ComplainantDraft(name=f"用户{i}", phone=f"138{i:08d}"),
    )


async def bench(url: str, n: int, concurrency: int) -> None:
    db = await Database.connect(url)
    await db.upgrade()
    svc = CaseService(load_county(), db)
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> str:
        async with gate:
            return (await svc.open_case(draft(i))).number

    t0 = time.perf_counter()
    numbers = await asyncio.gather(*(one(i) for i in range(n)))
    t1 = time.perf_counter()

    async def accept(number: str) -> None:
        async with gate:
            await svc.act(number, StaffAction("accept", TAX))

    tax_cases = [num for i, num in enumerate(numbers) if i % 2]
    t2 = time.perf_counter()
    await asyncio.gather(*(accept(num) for num in tax_cases))
    t3 = time.perf_counter()
    assert len(set(numbers)) == n
    print(
        f"{db.dialect_name:10s} open_case {n / (t1 - t0):7.1f}/s   "
        f"accept {len(tax_cases) / (t3 - t2):7.1f}/s   (n={n}, concurrency={concurrency})"
    )
    await db.dispose()


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await bench(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.n, args.concurrency)
    import asyncpg

    from backend.db import normalise_url

    admin = normalise_url(args.postgres)
    name = f"yc_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(
        host=admin.host, port=admin.port or 5432, user=admin.username, database=admin.database
    )
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        await bench(admin.set(database=name).render_as_string(False), args.n, args.concurrency)
    finally:
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
