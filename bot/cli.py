"""The ``yichuang`` command. Each sub-command lives in its own module, imported lazily so
that ``yichuang nlu parse`` does not pay for the web server's imports and vice versa."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# sub-command -> module with ``register(subparsers)``; the module sets ``func`` on its parser.
COMMANDS: dict[str, str] = {
    "db": "bot.cli_db",
    "cases": "bot.cli_cases",
    "nlu": "nlu.cli",
    "chat": "bot.console",
    "demo": "bot.console",
    "serve": "bot.server",
    "staff": "bot.cli_staff",
    "outbox": "bot.cli_staff",
}


class UserError(Exception):
    """A problem the user can fix (bad config, bad URL, unreachable database): one sentence, exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yichuang", description="一窗：社会保险费征缴争议受理机器人")
    sub = parser.add_subparsers(dest="command", required=True)
    registered: set[str] = set()
    for module_name in dict.fromkeys(COMMANDS.values()):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # not written yet
                continue
            raise
        module.register(sub)
        registered.add(module_name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return int(func(args) or 0)
    except UserError as exc:
        print(f"yichuang: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
