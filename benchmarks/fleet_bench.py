"""Fault and load suite (issue 14): two ``yichuang serve`` processes on a fresh PostgreSQL
database, Telegram in webhook mode behind a round-robin that re-sends like Telegram, scripted
residents from first message to 确认 and a case number.

Scenarios (each on a fresh fleet and database, dropped afterwards):
- ``load``: the residents at a fixed offered rate (``--rate`` messages/s), then as many again
  all at once (burst): messages/s and webhook p50/p99;
- ``kill``: at the offered rate, ``kill -9`` of one process mid-traffic, restarted;
- ``outage``: at the offered rate, the database cut (or black-holed) for ``--outage-seconds``
  by a TCP proxy between the servers and PostgreSQL, then restored.

Columns: res residents; msgs messages acknowledged (2xx); msg/s over the phase; offered rate;
p50/p99/max webhook time (POST to 2xx, per attempt); done residents with a case number;
conf residents whose 确认 was acknowledged; cases in the database; double residents with two
cases; lost confirmed without a case (or told a number that is not theirs); wrong / lostcorr
case data not what the resident said last (lostcorr: one of two concurrent corrections lost);
unans messages acknowledged but never answered (after the run settled); late answers that
came after the resident gave up waiting and re-sent; extra answers beyond one per message;
reask questions asked again after being answered; undeliv never acknowledged in 120 s;
stuck residents who never finished; sorry "请稍后再发" answers; resent webhook attempts that
failed (the front re-sent them). Targets (issue 14): 0 doubled, 0 lost, 0 unanswered;
≥ 150 messages/s; p99 ≤ 1 s at 100 messages/s offered. The machine's load average and the
servers' CPU time per message are printed too: on a shared machine the rates say little.

    .venv/bin/python benchmarks/fleet_bench.py [--residents 200] [--rate 100]
        [--scenario load|kill|outage|all] [--outage-seconds 5] [--outage-mode cut|blackhole]

Writes nothing into the repository; the servers' logs go to a temporary directory (printed).
Exit status 1 when a fault scenario lost, doubled or left anything unanswered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bot" / "fleet"))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")

from fleet_infra import Fleet, postgres_problem
from fleet_residents import Profile, make_profiles
from fleet_run import Tally, count, details, kill_fault, outage_fault, run_phase, table

#: Messages per intake, measured on the generated residents (for timing the faults).
TURNS_PER_RESIDENT = 8.5


def townships() -> list[tuple[str, list[str]]]:
    from backend.config import load_county

    return [(t.name, list(t.villages)) for t in load_county().townships]


def profiles(args: argparse.Namespace, first_chat: int) -> list[Profile]:
    n = args.residents
    return make_profiles(
        n,
        townships(),
        first_chat=first_chat,
        seed=first_chat,
        double_confirm=max(1, round(n * args.double_confirm)),
        two_corrections=max(1, round(n * args.corrections)),
    )


def fault_time(args: argparse.Namespace) -> float:
    return args.fault_at or 0.3 * args.residents * TURNS_PER_RESIDENT / args.rate


async def scenario(name: str, args: argparse.Namespace, log_root: Path) -> list[Tally]:
    proxy = name == "outage"
    async with Fleet(
        processes=args.processes,
        use_pg_proxy=proxy,
        log_dir=log_root / name,
        connections=args.connections,
        source=args.source,
    ) as fleet:
        print(f"# {name}: fleet ready in {fleet.startup_seconds:.1f}s", flush=True)
        tallies: list[Tally] = []
        if name == "load":
            phases = [(f"load@{args.rate:g}", args.rate, 810_000), ("burst", None, 830_000)]
            for label, rate, first in phases:
                phase = await run_phase(
                    fleet, label, profiles(args, first), rate=rate, reply_timeout=args.reply_timeout
                )
                tallies.append(count(phase, await fleet.cases()))
        else:
            at = fault_time(args)
            fault = (
                kill_fault(at, index=0, down=args.kill_down)
                if name == "kill"
                else outage_fault(at, args.outage_seconds, args.outage_mode)
            )
            label = (
                "kill -9"
                if name == "kill"
                else f"outage {args.outage_mode} {args.outage_seconds:g}s"
            )
            phase = await run_phase(
                fleet,
                label,
                profiles(args, 850_000),
                rate=args.rate,
                faults=[fault],
                reply_timeout=args.reply_timeout,
            )
            tallies.append(count(phase, await fleet.cases()))
        problems = fleet.log_problems()
        if problems:
            print(f"# {name}: server log problems (top 6 of {sum(problems.values())}):")
            for text, n in problems.most_common(6):
                print(f"#   {n:5d}  {text}")
        return tallies


async def main(args: argparse.Namespace) -> int:
    problem = await postgres_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    import tempfile

    log_root = Path(tempfile.mkdtemp(prefix="yichuang-fleet-bench-"))
    names = ["load", "kill", "outage"] if args.scenario == "all" else [args.scenario]
    tallies: list[Tally] = []
    began = time.monotonic()
    for name in names:
        tallies += await scenario(name, args, log_root)
    print()
    print(table(tallies))
    print()
    for t in tallies:
        print(details(t))
    print(f"\nlogs: {log_root}   total {time.monotonic() - began:.0f}s")
    faulty = [t for t in tallies if t.events and not t.clean]
    return 1 if faulty else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--residents", type=int, default=200)
    p.add_argument("--rate", type=float, default=100.0, help="offered messages per second")
    p.add_argument("--scenario", choices=("load", "kill", "outage", "all"), default="all")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--outage-seconds", type=float, default=5.0)
    p.add_argument("--outage-mode", choices=("cut", "blackhole"), default="cut")
    p.add_argument("--kill-down", type=float, default=1.0, help="seconds before the restart")
    p.add_argument("--fault-at", type=float, default=0.0, help="seconds into the traffic")
    p.add_argument("--reply-timeout", type=float, default=15.0)
    p.add_argument("--double-confirm", type=float, default=0.05, help="share of residents")
    p.add_argument("--corrections", type=float, default=0.05, help="share of residents")
    p.add_argument("--connections", type=int, default=100, help="Telegram's max_connections")
    p.add_argument(
        "--source",
        type=Path,
        help="run the servers from this tree (PYTHONPATH), e.g. `git archive HEAD` unpacked",
    )
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
