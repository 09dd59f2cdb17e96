"""Where the serve path spends its CPU: the fleet's load run (``benchmarks/fleet_bench.py``:
two ``yichuang serve`` processes on a fresh PostgreSQL database, Telegram webhook, residents
from first message to case number) with py-spy sampling both servers, then a table of the
costs per message.

    .venv/bin/pip install py-spy          # a profiling tool, not a dependency
    .venv/bin/python benchmarks/serve_profile.py [--residents 200] [--rate 100] [--burst]
        [--seconds 15] [--rate-hz 50] [--keep DIR]

Prints messages/s, webhook p50/p99, server CPU ms per message (utime + stime from /proc),
and for each part of a turn its share of the servers' busy samples and the CPU ms per
message that share stands for. py-spy samples wall-clock time of the running threads: a
thread waiting in a ``send`` to PostgreSQL or blocked on the GIL counts as busy, so read the
shares as "where the time goes", the CPU figure as "how much there is". Without py-spy only
the figures are printed. ``--keep DIR`` keeps the raw collapsed stacks (flame graphs:
``py-spy``'s ``--format raw`` is what ``inferno`` / ``flamegraph.pl`` read).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bot" / "fleet"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")

from fleet_bench import profiles
from fleet_infra import Fleet, postgres_problem
from fleet_run import count, details, run_phase, table

#: Parts of a turn: (label, pattern of a frame that marks it). A sample counts for the first
#: part (in this order) one of its frames matches; the order puts the specific before the
#: general (the case opening before the dialogue that calls it).
PARTS: tuple[tuple[str, str], ...] = (
    ("idle (waiting for events)", r"^EpollSelector\.select "),
    # uvloop: the loop is C; a sample with no Python frame below ``Runner.run`` is the loop
    # waiting (mostly) or doing its own I/O. Counted as idle: py-spy cannot tell them apart.
    ("idle (uvloop, native)", r"^(Runner\.run|BaseEventLoop\.run_until_complete) [^;]*$"),
    ("NLU parse", r"^Nlu\.parse "),
    ("case opening (ORM)", r"^open_case \(backend/intake"),
    ("other case desk calls", r"^CaseService\."),
    ("conversation lock + load", r"^SqlConversationStore\.(_locked_pg|turn) "),
    ("save state + mark handled", r"^Turn\.finish "),
    ("mark answered", r"^SqlConversationStore\.mark_answered|_write_answered"),
    ("dialogue engine", r"^(turn|resolve) \(dialogs/engine"),
    ("dialogue service (rest)", r"^DialogueService\."),
    ("sendMessage (PTB + aiohttp)", r"^(answer|send_one) \(bot/telegram/sending"),
    ("PTB update parsing", r"^(Update\.de_json|TelegramObject\._de_json)"),
    ("PTB dispatch + our handler", r"^(Application\.process_update|TelegramPlugin\.process) "),
    ("webhook + aiohttp server", r"^(RequestHandler|TelegramPlugin\.webhook|edge_guard)"),
    ("notifier (outbox)", r"^Notifier\."),
    ("overdue scanner", r"_scan_loop|OverdueScanner"),
    ("other threads", r"^Thread\._bootstrap"),
    # Frames py-spy cannot tie to their caller: SQLAlchemy's greenlets (mostly the case
    # opening's ORM), the aiohttp client's writer task (sendMessage), socket reads.
    ("SQLAlchemy (greenlet frames)", r"\(sqlalchemy/"),
    ("aiohttp client (writer task)", r"\(aiohttp/(client|http_writer|connector)"),
    ("socket reads (asyncio)", r"_read_ready"),
)


_PARTS = tuple((label, re.compile(pattern)) for label, pattern in PARTS)


def classify(stack: list[str]) -> str:
    """The part of a turn one sample (its frames, outermost first) belongs to."""
    for label, rx in _PARTS:
        if label == "idle (uvloop, native)":
            if rx.search(stack[-1]):
                return label
        elif any(rx.search(frame) for frame in stack):
            return label
    return "event loop, GC, other"


def read_samples(paths: list[Path]) -> Counter[str]:
    parts: Counter[str] = Counter()
    for path in paths:
        for line in path.read_text().splitlines():
            stack, _, n = line.rpartition(" ")
            if stack and n.isdigit():
                parts[classify(stack.split(";"))] += int(n)
    return parts


async def spy(pids: list[int], seconds: float, rate_hz: int, out: Path) -> list[Path]:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        return []
    files = [out / f"serve-{pid}.collapsed" for pid in pids]
    procs = [
        await asyncio.create_subprocess_exec(
            exe,
            "record",
            "--nonblocking",
            "-r",
            str(rate_hz),
            "-d",
            str(int(seconds)),
            "-f",
            "raw",
            "-o",
            str(f),
            "--pid",
            str(pid),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for pid, f in zip(pids, files, strict=True)
    ]
    for p in procs:
        await p.wait()
    return [f for f in files if f.exists()]


async def main(args: argparse.Namespace) -> int:
    problem = await postgres_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="yichuang-profile-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"# load average {os.getloadavg()[0]:.2f} before the run", flush=True)
    async with Fleet(processes=2, use_pg_proxy=False, log_dir=out / "logs") as fleet:
        pids = [s.proc.pid for s in fleet.servers if s.proc is not None]
        rate = None if args.burst else args.rate
        label = "burst" if args.burst else f"load@{args.rate:g}"
        began = time.monotonic()
        recording = asyncio.create_task(spy(pids, args.seconds, args.rate_hz, out))
        phase = await run_phase(fleet, label, profiles(args, 810_000), rate=rate)
        files = await recording
        tally = count(phase, await fleet.cases())
        print(table([tally]))
        print(details(tally))
        print(f"# {time.monotonic() - began:.0f}s; load average {os.getloadavg()[0]:.2f} after")
    if not files:
        print("(py-spy not found: no breakdown; .venv/bin/pip install py-spy)")
        return 0
    parts = read_samples(files)
    busy = sum(n for p, n in parts.items() if not p.startswith("idle"))
    cpu_ms = 1000 * tally.server_cpu / max(tally.messages, 1)
    print(f"\nbusy samples {busy}; server CPU {cpu_ms:.2f} ms per message\n")
    print(f"{'part':34s} {'share':>6s} {'~ms/msg':>8s}")
    for part, n in parts.most_common():
        if part.startswith("idle"):
            continue
        print(f"{part:34s} {100 * n / busy:5.1f}% {cpu_ms * n / busy:8.2f}")
    if args.keep:
        print(f"\nraw stacks and server logs in {out}")
    else:
        shutil.rmtree(out, ignore_errors=True)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--residents", type=int, default=200)
    p.add_argument("--rate", type=float, default=100.0, help="offered messages per second")
    p.add_argument("--burst", action="store_true", help="as fast as the residents go")
    p.add_argument("--seconds", type=float, default=15.0, help="how long py-spy samples")
    p.add_argument("--rate-hz", type=int, default=50, help="py-spy samples per second")
    p.add_argument("--double-confirm", type=float, default=0.05)
    p.add_argument("--corrections", type=float, default=0.05)
    p.add_argument("--keep", help="keep the stacks and logs in this directory")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
