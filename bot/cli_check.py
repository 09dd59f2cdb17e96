"""``yichuang check``: is the county file complete for what the seeds require of a reply?

Loads the county TOML (``YICHUANG_CONFIG`` or ``--config``) and checks that every objection
route (调解、劳动仲裁、行政复议、行政诉讼) names its body, address/phone and time limit, since
every written reply and closing notice states them; warns (stderr, exit unchanged) when a due
date can fall in a year whose holiday schedule neither chinese_calendar nor ``[calendar]`` has. Exit 0 when complete, 1 with one line per
problem otherwise (a file that does not load at all: one sentence, exit 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = subparsers.add_parser(
        "check", help="检查县配置文件：救济途径（调解、仲裁、行政复议、行政诉讼）是否写全"
    )
    check.add_argument("--config", type=Path, help="县配置文件（默认取 YICHUANG_CONFIG）")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from backend.clock import system_clock
    from backend.config import load_county
    from backend.deadlines import local_date
    from bot.bootstrap import settings_from_env

    path = args.config if args.config is not None else settings_from_env().config
    county = load_county(path)
    source = str(path) if path else "内置示例县配置"
    # Not a failure (cases can still be filed), but the IT clerk must hear it.
    warning = county.calendar_warning(local_date(system_clock(), county.timezone))
    if warning:
        print(f"提示：{warning}", file=sys.stderr)
    problems = county.objection_route_problems()
    if problems:
        print(f"{source}（{county.name}）有 {len(problems)} 处问题：")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"{source}（{county.name}）检查通过：救济途径齐全。")
    for r in county.objection_routes:
        print(f"  {r.name}：{r.body}，{r.address}，{r.phone}；{r.time_limit}")
    return 0
