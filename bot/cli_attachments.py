"""``yichuang attachments prune [--dry-run]`` and ``yichuang attachments list NUMBER``."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from bot.cli import UserError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("attachments", help="附件：按保存期限清理、查看案件附件")
    sub = parser.add_subparsers(dest="attachments_command", required=True)
    prune = sub.add_parser(
        "prune",
        help="按县配置 [attachments] 的保存期限清理附件文件（归档案件、未登记草稿、无记录文件）",
    )
    prune.add_argument("--dry-run", action="store_true", help="只统计将清理什么，不删除")
    prune.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    prune.set_defaults(func=_sync(_prune))
    listing = sub.add_parser("list", help="列出一个案件的附件")
    listing.add_argument("number", metavar="案件编号", help="如 YC-2026-000123")
    listing.add_argument("--json", action="store_true", help="每个附件输出一行 JSON")
    listing.set_defaults(func=_sync(_list))


def _sync(
    command: Callable[[Any, argparse.Namespace], Awaitable[int]],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return asyncio.run(_with_parts(command, args))

    return run


async def _with_parts(
    command: Callable[[Any, argparse.Namespace], Awaitable[int]], args: argparse.Namespace
) -> int:
    from backend.attachments.store import store_from_settings
    from backend.config import load_county
    from backend.db import Database
    from bot.bootstrap import settings_from_env

    settings = settings_from_env()
    county = load_county(settings.config)
    db = await Database.connect(settings.database_url)
    store = store_from_settings(settings)
    try:
        await db.upgrade()
        return await command({"county": county, "db": db, "store": store}, args)
    finally:
        await store.aclose()
        await db.dispose()


async def _prune(parts: dict[str, Any], args: argparse.Namespace) -> int:
    from backend.attachments.retention import prune
    from backend.attachments.store import StoreError
    from backend.models import utcnow

    try:
        report = await prune(
            parts["db"],
            parts["store"],
            parts["county"].attachments,
            now=utcnow(),
            dry_run=bool(args.dry_run),
        )
    except StoreError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        print(json.dumps(asdict(report), ensure_ascii=False))
    else:
        print(report.summary())
    return 0


async def _list(parts: dict[str, Any], args: argparse.Namespace) -> int:
    from backend.attachments.records import list_attachments
    from backend.workflow import CaseNotFound

    number = str(args.number)[:64]
    try:
        views = await list_attachments(parts["db"], number)
    except CaseNotFound as exc:
        raise UserError(str(exc)) from None
    if not views:
        if not args.json:
            print(f"案件 {number.strip().upper()} 没有附件。")
        return 0
    for v in views:
        if args.json:
            print(
                json.dumps(
                    {
                        "ref": v.ref,
                        "kind": v.kind,
                        "content_type": v.content_type,
                        "size": v.size,
                        "sha256": v.sha256,
                        "name": v.download_name,
                        "channel": v.channel,
                        "received_at": v.received_at.isoformat(),
                        "pruned": v.pruned_at is not None,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            gone = "（文件已按期限清理）" if v.pruned_at else ""
            print(
                f"{v.ref}  {v.noun}  {v.content_type}  {v.size} 字节  {v.download_name}  "
                f"{v.received_at:%Y-%m-%d %H:%M}{gone}"
            )
    return 0
