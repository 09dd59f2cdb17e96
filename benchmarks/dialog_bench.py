"""Dialogue benchmark: turns to finish a report and per-turn latency on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/dialog_bench.py [--users 40] [--no-postgres]

Each turn is one ``DialogueService.handle`` call: de-duplication, state load, NLU parse (warm:
the model is loaded and used once before timing), the turn, effects (opening a case, lookups)
and the state save. Target: p99 <= 20 ms per turn on SQLite.

Where the time goes is printed too: the turns that open a case apart from the others, and the
NLU parse and the case desk's ``open_case`` alone (each timed around its own call).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.config import load_county
from backend.conversations import SqlConversationStore
from backend.db import Database
from backend.service import CaseService
from bot.bootstrap import dialog_context
from dialogs.messages import Inbound
from dialogs.service import DialogueService

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"

#: Scripted conversations: lists of user messages. The first is the 2-turn target.
SCRIPTS: dict[str, list[str]] = {
    "all_in_one": [
        "你好，俺是凤鸣镇南关村的，叫王秀英，今年68了。去年在村里交的养老保险交了两回，钱扣了两次，"
        "多扣了两百八，想把多交的退给俺。电话13812341427，身份证11010519491231002X",
        "确认",
    ],
    "step_by_step": [
        "你好",
        "同意",
        "单位没给我交养老保险，欠了好几年了",
        "李建国，13812341427",
        "凤鸣镇，北关村，11010519491231002X",
        "县里的宏达建材厂，2021年到2023年，一万二，就我一个",
        "确认",
    ],
    "corrections": [
        "我是北岭镇大桥村的刘芬，电话13812341427，身份证11010519491231002X，"
        "养老保险滞纳金收多了三百元，是2022年5月的",
        "电话写错了，是13912345678",
        "名字不对 是刘芳",
        "不是滞纳金，是退费",
        "时间不对，是2021年和2022年这两年",
        "对着哩",
        "我的案件",
    ],
    "grid_worker": [
        "我是北关村网格员李春梅，帮村里的陈大爷反映个事",
        "同意，15835609999",
        "他的养老保险缴费记录少了两年",
        "陈志明，13812341427",
        "跳过",
        "2019年到2020年",
        "同意了",
        "确认",
        "下一户是宋桂芝，医保缴费记录不对，他没有手机，打我电话就行",
        "跳过",
        "2024年",
        "本人已同意",
        "确认",
        "我报的案件",
    ],
}


@dataclass
class Run:
    latencies_ms: list[float] = field(default_factory=list)
    turns_to_finish: dict[str, list[int]] = field(default_factory=dict)
    #: Turns whose answer carries a case number (a new case: they include ``open_case``).
    opening_ms: list[float] = field(default_factory=list)
    #: Time of the parts: "parse" (every NLU parse), "open_case".
    parts_ms: dict[str, list[float]] = field(default_factory=dict)


class TimedNlu:
    """The NLU, each parse timed (the service calls it in a worker thread)."""

    def __init__(self, nlu: Any, run: Run) -> None:
        self.nlu, self.run = nlu, run

    def parse(self, text: str, now: datetime | None = None, *, expecting: str | None = None) -> Any:
        start = time.perf_counter()
        try:
            return self.nlu.parse(text, now, expecting=expecting)
        finally:
            self.run.parts_ms.setdefault("parse", []).append((time.perf_counter() - start) * 1000)


class TimedDesk:
    """The case desk, ``open_case`` timed; everything else passed through."""

    def __init__(self, desk: Any, run: Run) -> None:
        self.desk, self.run = desk, run

    def __getattr__(self, name: str) -> Any:
        return getattr(self.desk, name)

    async def open_case(self, draft: Any) -> Any:
        start = time.perf_counter()
        try:
            return await self.desk.open_case(draft)
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            self.run.parts_ms.setdefault("open_case", []).append(elapsed)


async def run_backend(url: str, nlu: Any, users: int) -> Run:
    county = load_county()
    ctx = dialog_context(county)
    db = await Database.connect(url)
    await db.upgrade()
    clock_now = [datetime.now(UTC)]

    def clock() -> datetime:
        return clock_now[0]

    run = Run()
    desk = TimedDesk(CaseService(county, db, clock), run)
    service = DialogueService(TimedNlu(nlu, run), desk, SqlConversationStore(db, clock), ctx, clock)
    try:
        for u in range(users):
            for name, script in SCRIPTS.items():
                user = f"{name}-{u}-{uuid.uuid4().hex[:6]}"
                finished = None
                for i, text in enumerate(script, 1):
                    clock_now[0] += timedelta(seconds=15)
                    inbound = Inbound("console", user, text, uuid.uuid4().hex, clock_now[0])
                    start = time.perf_counter()
                    replies = await service.handle(inbound)
                    elapsed = (time.perf_counter() - start) * 1000
                    run.latencies_ms.append(elapsed)
                    if any("案件编号" in r.text for r in replies):
                        run.opening_ms.append(elapsed)
                        finished = finished or i
                run.turns_to_finish.setdefault(name, []).append(finished or -1)
    finally:
        await db.dispose()
    return run


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def report(label: str, run: Run) -> None:
    lat = run.latencies_ms
    print(
        f"{label:<11} turns={len(lat):>5}  p50={statistics.median(lat):6.2f} ms  "
        f"p90={percentile(lat, 90):6.2f} ms  p99={percentile(lat, 99):6.2f} ms  "
        f"max={max(lat):6.2f} ms"
    )
    others = sorted(lat)
    for value in run.opening_ms:
        others.remove(value)
    for part, values in (
        ("case no. turns", run.opening_ms),
        ("other turns", others),
        *((f"{k} alone", v) for k, v in run.parts_ms.items()),
    ):
        if values:
            print(
                f"    {part:<16} n={len(values):>5}  p50={statistics.median(values):6.2f} ms  "
                f"p99={percentile(values, 99):6.2f} ms"
            )
    for name, turns in run.turns_to_finish.items():
        print(f"    {name:<13} turns to case number: {sorted(set(turns))}")


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(
        host="127.0.0.1", port=5432, user="postgres", database="test", timeout=3
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40, help="conversations per script")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    import nlu as nlu_package

    ctx = dialog_context(load_county())
    t0 = time.perf_counter()
    nlu = nlu_package.load_nlu(gazetteer=ctx.gazetteer())
    nlu.warm()
    cold = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    for script in SCRIPTS.values():
        for text in script:
            nlu.parse(text)
    n = sum(len(s) for s in SCRIPTS.values())
    print(
        f"NLU cold start {cold:.0f} ms (excluded); warm parse {((time.perf_counter() - t0) * 1000) / n:.2f} ms/msg"
    )

    with tempfile.TemporaryDirectory() as tmp:
        report("SQLite", await run_backend(f"sqlite+aiosqlite:///{tmp}/bench.db", nlu, args.users))
    if not args.no_postgres:
        name = f"yc_bench_{uuid.uuid4().hex[:10]}"
        try:
            await pg_admin(f'CREATE DATABASE "{name}"')
        except Exception as exc:
            print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}")
            return 0
        try:
            report("PostgreSQL", await run_backend(PG.format(db=name), nlu, args.users))
        finally:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
