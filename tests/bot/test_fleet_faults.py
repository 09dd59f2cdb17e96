"""The fault suite, short (issue 14): two real ``yichuang serve`` processes on a fresh
PostgreSQL database, Telegram webhooks through a round-robin that re-sends like Telegram,
20 residents from first message to 确认 — three press 确认 twice at once (one to each
process), three send two corrections at once — while one process is killed with ``kill -9``
and restarted, then the database is cut for 3 seconds (a TCP proxy between the servers and
PostgreSQL) and restored.

Nothing may be doubled or lost, and every message the server acknowledged must be answered.
The long runs (200 residents, rates, bursts) are ``benchmarks/fleet_bench.py``; the harness
is ``tests/bot/fleet/`` (``fleet_infra``, ``fleet_residents``, ``fleet_run``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fleet"))

from fleet_infra import Fleet
from fleet_residents import make_profiles
from fleet_run import after, count, details, kill_fault, outage_fault, run_phase, table

pytestmark = pytest.mark.postgres

RESIDENTS = 20
RATE = 8.0  # messages/s offered: the traffic outlasts both faults


def _need_postgres(reason: str | None) -> None:
    if reason is None:
        return
    if os.environ.get("YICHUANG_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}；YICHUANG_REQUIRE_POSTGRES=1，PostgreSQL 测试必须运行")
    pytest.skip(reason)


async def test_kill_and_database_outage_lose_nothing_and_double_nothing(
    postgres_available: str | None, county: Any, tmp_path: Path
) -> None:
    _need_postgres(postgres_available)
    towns = [(t.name, list(t.villages)) for t in county.townships]
    profiles = make_profiles(RESIDENTS, towns, seed=1414, double_confirm=3, two_corrections=3)
    plan = after(kill_fault(at=1.5, index=0, down=0.5), 0.5, outage_fault(0.0, 3.0, "cut"))
    # YICHUANG_FLEET_SOURCE: run the servers from another tree (e.g. an older commit
    # unpacked with ``git archive``) to see the suite fail there.
    source = os.environ.get("YICHUANG_FLEET_SOURCE")
    async with Fleet(
        processes=2,
        use_pg_proxy=True,
        log_dir=tmp_path / "logs",
        source=Path(source) if source else None,
    ) as fleet:
        phase = await run_phase(
            fleet, "kill+outage", profiles, rate=RATE, faults=[plan], reply_timeout=6.0
        )
        tally = count(phase, await fleet.cases())
        problems = fleet.log_problems().most_common(5)
    report = "\n".join(
        [
            table([tally]),
            details(tally),
            "server log problems: " + "; ".join(f"{n}x {text}" for text, n in problems),
            f"logs: {tmp_path / 'logs'}",
        ]
    )
    print(report)
    happened = [e.what for e in tally.events]
    # The faults really happened, mid-traffic, and the killed process came back.
    assert any(w.startswith("kill -9 serve#0") for w in happened), report
    assert "database restored" in happened, report
    assert any("ready" in what for what in happened), report
    assert tally.events[-1].at < tally.seconds, report
    assert tally.doubled == 0, report
    assert tally.lost == 0, report
    assert tally.unanswered == 0 and tally.undelivered == 0, report
    assert tally.lost_corrections == 0 and tally.wrong == 0, report
    assert tally.completed == RESIDENTS and tally.cases == RESIDENTS, report
