"""``yichuang db upgrade``: bring the database schema up to date (Alembic migrations)."""

from __future__ import annotations

import argparse
import asyncio


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser("db", help="数据库：upgrade 升级表结构")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="操作")
    up = actions.add_parser("upgrade", help="升级数据库表结构到最新版本（YICHUANG_DATABASE_URL）")
    up.set_defaults(func=run_upgrade)
    current = actions.add_parser("current", help="显示数据库当前的表结构版本")
    current.set_defaults(func=run_current)


def run_upgrade(args: argparse.Namespace) -> int:
    return asyncio.run(_upgrade())


def run_current(args: argparse.Namespace) -> int:
    return asyncio.run(_current())


async def _upgrade() -> int:
    from backend.db import Database
    from bot.bootstrap import settings_from_env

    db = await Database.connect(settings_from_env().database_url)
    try:
        before = await db.current_revision()
        await db.upgrade()
        after = await db.current_revision()
    finally:
        await db.dispose()
    if before == after:
        print(f"数据库 {db.display_url} 已是最新版本（{after}）。")
    else:
        print(f"数据库 {db.display_url} 已升级：{before or '空库'} → {after}。")
    return 0


async def _current() -> int:
    from backend.db import Database
    from bot.bootstrap import settings_from_env

    db = await Database.connect(settings_from_env().database_url)
    try:
        print(await db.current_revision() or "空库（尚未升级）")
    finally:
        await db.dispose()
    return 0
