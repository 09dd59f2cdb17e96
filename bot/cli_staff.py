"""``yichuang staff token issue|revoke`` and ``yichuang outbox dead|retry``."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from bot.cli import UserError
from identifiers import small_int

#: Most dead letters listed at once.
MAX_LIST = 500


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = subparsers.add_parser("staff", help="工作人员账号：接口令牌的签发和吊销")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    token = staff_sub.add_parser("token", help="接口令牌")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    issue = token_sub.add_parser("issue", help="为工作人员签发新令牌（只显示这一次）")
    issue.add_argument("staff_id", metavar="STAFF_ID", help="县配置中的人员编号")
    issue.set_defaults(func=_sync(_issue))
    revoke = token_sub.add_parser(
        "revoke",
        help="吊销令牌：某人的全部令牌（同时结束其全部网页工作台会话），或用 --token 指定一个",
    )
    revoke.add_argument("staff_id", metavar="STAFF_ID", nargs="?", help="人员编号")
    revoke.add_argument("--token", help="只吊销这一个令牌")
    revoke.set_defaults(func=_sync(_revoke))

    outbox = subparsers.add_parser("outbox", help="通知发件箱：查看和重试投递失败的通知")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True)
    dead = outbox_sub.add_parser("dead", help="列出投递失败（死信）的通知")
    dead.add_argument("--limit", default="50", help="最多列出多少条（默认50，最多500）")
    dead.add_argument("--json", action="store_true", help="每条输出一行JSON")
    dead.set_defaults(func=_sync(_dead))
    retry = outbox_sub.add_parser("retry", help="把一条死信重新放回发送队列")
    # Read as text and checked in _retry: argparse's int() takes "٣" and 5,000 digits, and
    # its error message is English.
    retry.add_argument("outbox_id", metavar="ID", help="通知编号（见 outbox dead）")
    retry.set_defaults(func=_sync(_retry))


def _sync(
    command: Callable[[Any, argparse.Namespace], Awaitable[int]],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return asyncio.run(_with_context(command, args))

    return run


async def _with_context(
    command: Callable[[Any, argparse.Namespace], Awaitable[int]], args: argparse.Namespace
) -> int:
    from bot.bootstrap import build_context, close_context

    ctx = await build_context()
    try:
        return await command(ctx, args)
    finally:
        await close_context(ctx)


def _check_staff_id(staff_id: str) -> None:
    """Staff ids are short config keys; NUL would reach PostgreSQL in the token query."""
    from bot.api.inputs import shown, text_problem

    if len(staff_id) > 64 or text_problem(staff_id, one_line=True):
        raise UserError(f"人员编号“{shown(staff_id)}”不对：应为县配置中的编号，如 tax01。")


async def _issue(ctx: Any, args: argparse.Namespace) -> int:
    from backend.auth import StaffAuth, UnknownStaff

    _check_staff_id(args.staff_id)
    try:
        token = await StaffAuth(ctx.db, ctx.county, ctx.clock).issue(args.staff_id)
    except UnknownStaff:
        raise UserError(f"县配置里没有编号为“{args.staff_id}”的工作人员。") from None
    staff = ctx.county.staff_member(args.staff_id)
    print(f"已为 {staff.name}（{args.staff_id}）签发令牌，只显示这一次，请妥善保存：")
    print(token)
    return 0


async def _revoke(ctx: Any, args: argparse.Namespace) -> int:
    from backend.auth import StaffAuth

    auth = StaffAuth(ctx.db, ctx.county, ctx.clock)
    if args.token:
        if not await auth.revoke_token(args.token):
            raise UserError("这个令牌不存在或已经吊销。")
        print("已吊销 1 个令牌，用它登录的网页工作台会话已结束。")
        return 0
    if not args.staff_id:
        raise UserError("请给出人员编号，或用 --token 指定要吊销的令牌。")
    _check_staff_id(args.staff_id)
    count = await auth.revoke(args.staff_id)
    print(f"已吊销 {args.staff_id} 的 {count} 个令牌，并结束其全部网页工作台会话。")
    return 0


async def _dead(ctx: Any, args: argparse.Namespace) -> int:
    from backend.notifier import list_outbox

    limit = small_int(args.limit, limit=MAX_LIST)
    if limit is None or limit < 1:
        raise UserError(f"--limit 应为 1 到 {MAX_LIST} 之间的整数。")
    entries = await list_outbox(ctx.db, status="dead", limit=limit)
    if args.json:
        for entry in entries:
            print(json.dumps(entry.to_json(), ensure_ascii=False))
        return 0
    if not entries:
        print("没有投递失败的通知。")
        return 0
    for e in entries:
        print(
            f"#{e.id}  {e.case_number or '-'}  {e.channel}:{e.recipient}  {e.title}"
            f"  尝试{e.attempts}次  {e.last_error or ''}"
        )
    return 0


async def _retry(ctx: Any, args: argparse.Namespace) -> int:
    from backend.notifier import as_clock, retry_dead
    from bot.api.handlers import MAX_OUTBOX_ID, parse_outbox_id

    outbox_id = parse_outbox_id(args.outbox_id.removeprefix("#"))
    if outbox_id is None:
        raise UserError(f"通知编号应为 1 到 {MAX_OUTBOX_ID} 之间的整数（见 outbox dead）。")
    if not await retry_dead(ctx.db, outbox_id, as_clock(ctx.clock)()):
        raise UserError(f"编号 {outbox_id} 不是投递失败的通知（不存在或不是死信）。")
    print(f"通知 #{outbox_id} 已重新排队，服务运行时会再次投递。")
    return 0
