"""``yichuang serve`` options: a bad ``--port``/``--host`` is one sentence and exit 2 (checked like
the environment's values); the holiday-calendar gap is logged at start."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import bot.server

ROOT = Path(__file__).resolve().parents[2]


def test_serve_with_an_impossible_port_is_one_sentence() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "99999"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--port" in lines[0] and "99999" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_the_calendar_gap_is_logged_at_start(county: Any, caplog: Any) -> None:
    ctx = SimpleNamespace(county=county, clock=lambda: datetime(2039, 11, 30, tzinfo=UTC))
    with caplog.at_level(logging.WARNING, logger="bot.server"):
        bot.server._calendar_warning(ctx)
    assert "2040 年" in caplog.text and "[calendar]" in caplog.text


def test_a_reader_that_leaves_early_gets_no_traceback() -> None:
    """``yichuang cases show … | head``: the pipe closes; the command stops quietly."""
    import subprocess
    import sys

    code = (
        "import sys, bot.cli as cli\n"
        "class P:\n"
        "    def parse_args(self, argv):\n"
        "        import argparse\n"
        "        def func(args):\n"
        "            while True:\n"
        "                print('YC-2026-000001 ' * 200)\n"
        "        return argparse.Namespace(func=func)\n"
        "cli.build_parser = lambda argv: P()\n"
        "sys.exit(cli.main(['cases', 'list']))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err
