"""``yichuang cases list | show N | export``: the staff view of the case register (台账).

These run on the server itself, so they show full data (no masking), like the authenticated
staff API; ``show`` and ``export`` are recorded in the access log of personal data
(``cases access-log``) under the operating-system user ("cli:<user>").
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli import UserError

if TYPE_CHECKING:
    from backend.config import County
    from backend.service import CaseDetail


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cases = subparsers.add_parser("cases", help="案件台账：list 列表、show 详情、export 导出")
    actions = cases.add_subparsers(dest="cases_command", required=True, metavar="操作")

    lst = actions.add_parser("list", help="列出案件（最新的在前）")
    _add_filters(lst)
    lst.set_defaults(func=run_list)

    show = actions.add_parser("show", help="显示一件案件的全部信息和办理过程")
    show.add_argument("number", metavar="案件编号", help="如 YC-2026-000123")
    show.set_defaults(func=run_show)

    export = actions.add_parser("export", help="导出案件台账")
    export.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    export.add_argument("--out", type=Path, help="输出文件（仅本人可读）；不写则输出到标准输出")
    _add_filters(export, limit=None)
    export.set_defaults(func=run_export)

    log = actions.add_parser("access-log", help="个人信息查看记录：谁在何时查看了哪件案件")
    log.add_argument("--case", dest="number", help="只看这件案件")
    log.add_argument("--format", choices=("csv", "json"), default="csv")
    log.add_argument("--out", type=Path, help="输出文件（仅本人可读）；不写则输出到标准输出")
    log.add_argument("--limit", type=_limit, default=10000, help="最多几条（最新的在前）")
    log.set_defaults(func=run_access_log)


def _add_filters(p: argparse.ArgumentParser, limit: int | None = 50) -> None:
    p.add_argument("--status", help="状态，如 registered、accepted、closed")
    p.add_argument("--category", help="争议类别，如 refund")
    p.add_argument("--tier", choices=("simple", "general", "complex"))
    p.add_argument("--agency", help="单位（牵头或联办）：编号、全称或简称，如 tax、人社局")
    p.add_argument("--overdue", action="store_true", help="只看超期未办结的")
    p.add_argument("--from", dest="date_from", type=_date, help="登记日期起，YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=_date, help="登记日期止，YYYY-MM-DD")
    p.add_argument(
        "--text", help="按编号、内容、姓名、单位、电话、身份证号搜索（号码可带空格或横线）"
    )
    p.add_argument("--limit", type=_limit, default=limit, help="最多几条")


#: Dates a register can hold: earlier or later ones are typos (and overflow the time zone maths).
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
MAX_LIMIT = 100_000


def _date(text: str) -> date:
    try:
        value = date.fromisoformat(text) if text.isascii() else None
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"日期“{text[:20]}”应写成 YYYY-MM-DD")
    if not EARLIEST <= value <= LATEST:
        raise argparse.ArgumentTypeError(f"日期“{text}”不在 1900-01-01 到 2999-12-31 之间")
    return value


def _limit(text: str) -> int:
    """A count typed on the command line: ASCII digits only, 1 … MAX_LIMIT."""
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or not 1 <= int(text) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"条数应为 1 到 {MAX_LIMIT} 之间的整数")
    return int(text)


def _agency(county: County, text: str | None) -> str | None:
    """The agency id for an id, full name or short name (人社局 / 县人社局 / hrss)."""
    if text is None:
        return None
    agency = county.find_agency(text)
    if agency is None:
        known = "、".join(a.short_name for a in county.agencies)
        raise UserError(f"没有叫“{text[:40]}”的单位，可选：{known}。")
    return agency.id


def _filter(args: argparse.Namespace, county: County, *, with_events: bool) -> Any:
    from backend.service import CaseFilter

    return CaseFilter(
        status=args.status,
        category=args.category,
        tier=args.tier,
        agency=_agency(county, args.agency),
        overdue=True if args.overdue else None,
        created_from=args.date_from,
        created_to=args.date_to,
        text=args.text,
        limit=args.limit,
        with_events=with_events,
    )


def cli_actor() -> str:
    """Who runs the command, as the access log names them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


def _write(path: Path, data: bytes) -> None:
    from backend.export import write_file

    try:
        write_file(path, data)
    except OSError as exc:
        raise UserError(f"无法写入文件 {path}：{exc.strerror}。") from None


async def _with_context(work: Any) -> int:
    from bot.bootstrap import build_context, close_context

    ctx = await build_context()
    try:
        result: int = await work(ctx)
        return result
    finally:
        await close_context(ctx)


# --- list --------------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    async def work(ctx: Any) -> int:
        wanted = _filter(args, ctx.county, with_events=False)
        cases = await ctx.cases.list_cases(wanted)
        total = len(cases)
        if wanted.limit is not None and total >= wanted.limit:
            total = await ctx.cases.count_cases(wanted)
        print(render_list(cases, ctx.county, total))
        return 0

    return asyncio.run(_with_context(work))


def render_list(cases: list[CaseDetail], county: County, total: int | None = None) -> str:
    """One line per case, then how many are shown and how many match (``total``)."""
    from backend.texts import local

    if not cases:
        return "没有符合条件的案件。"
    lines = []
    for c in cases:
        who = c.complainant.name or c.complainant.employer or "（未留姓名）"
        late = "【超期】" if c.overdue else ""
        lead = (
            county.agency(c.lead_agency).short_name
            if county.has_agency(c.lead_agency)
            else c.lead_agency
        )
        lines.append(
            f"{c.number}  {late}{c.status_label}  {c.category_label}/{c.tier_label}  "
            f"{lead}  {who}  时限 {local(c.due_at, county.timezone)}"
        )
    total = len(cases) if total is None else max(total, len(cases))
    if total > len(cases):
        lines.append(f"显示最新的 {len(cases)} 件，符合条件的共 {total} 件（用 --limit 显示更多）")
    else:
        lines.append(f"共 {total} 件")
    return "\n".join(lines)


# --- show --------------------------------------------------------------------------------


def run_show(args: argparse.Namespace) -> int:
    async def work(ctx: Any) -> int:
        from backend.workflow import CaseNotFound

        try:
            detail = await ctx.cases.detail(args.number)
        except CaseNotFound as exc:
            raise UserError(str(exc)) from None
        await ctx.cases.record_access(cli_actor(), detail.number, "detail", via="cli")
        print(render_detail(detail, ctx.county))
        return 0

    return asyncio.run(_with_context(work))


def render_detail(c: CaseDetail, county: County) -> str:
    from backend.categories import INSURANCE_TYPES
    from backend.labels import channel_label, format_money
    from backend.texts import agency_names, local
    from backend.workflow import VERDICTS

    tz = county.timezone
    p = c.complainant
    lines = [
        f"案件 {c.number}",
        f"状态：{c.status_label}{'（已超期）' if c.overdue else ''}",
        f"类别：{c.category_label}｜{c.tier_label}",
        f"登记：{local(c.created_at, tz)}（{channel_label(c.channel)}"
        f"{'，网格员代办' if c.filed_by else ''}）",
        f"时限：{local(c.due_at, tz)}",
        f"牵头单位：{agency_names(county, [c.lead_agency])}；联办单位：{agency_names(county, c.co_agencies)}"
        + (
            f"；首问单位：{agency_names(county, [c.first_agency])}"
            if c.first_agency and c.first_agency != c.lead_agency
            else ""
        ),
        f"缴费人：{p.name or '—'}（{'用人单位' if p.kind == 'employer' else '个人'}）"
        f" 电话 {p.phone or '—'} 身份证 {p.id_number or '—'}",
    ]
    if p.employer or p.credit_code:
        lines.append(f"用人单位：{p.employer or '—'} 信用代码 {p.credit_code or '—'}")
    if p.township or p.village:
        lines.append(f"所在地：{p.township or ''}{p.village or ''}")
    facts = []
    if c.insurance_type:
        facts.append(f"险种 {INSURANCE_TYPES.get(c.insurance_type, c.insurance_type)}")
    if c.period_start or c.period_end:
        facts.append(f"所属期 {c.period_start or '？'} 至 {c.period_end or '？'}")
    if c.amount is not None:
        facts.append(f"金额 {format_money(c.amount)}")
    if c.people_count is not None:
        facts.append(f"涉及 {c.people_count} 人")
    if facts:
        lines.append("；".join(facts))
    if c.filed_by:
        lines.append(
            f"代办：网格员 {c.filed_by.name} {c.filed_by.phone}（同意代办：{'是' if c.consent else '否'}）"
        )
    if c.related_cases:
        lines.append(f"关联重复件：{'、'.join(c.related_cases)}")
    if c.transferred_to:
        lines.append(f"已转：{c.transferred_to}")
    lines.append(f"反映内容：{c.description}")
    if c.latest_reply:
        lines.append(f"答复：{c.latest_reply}")
    if c.satisfaction:
        lines.append(f"评价：{VERDICTS.get(c.satisfaction, c.satisfaction)}")
    for a in c.assignments:
        if a.role == "co" and a.active:
            lines.append(f"联办意见（{a.agency_name}）：{a.opinion or '尚未提交'}")
    lines.append("办理过程：")
    for e in c.events:
        text = f"：{e.text}" if e.text else ""
        unit = agency_names(county, [e.actor_agency]) if e.actor_agency else ""
        who = " ".join(w for w in (unit, e.actor_name or e.actor) if w)
        lines.append(f"  {local(e.at, tz)}  {who}  {e.action_label}{text}")
    return "\n".join(lines)


# --- export ------------------------------------------------------------------------------


def run_export(args: argparse.Namespace) -> int:
    if args.format == "xlsx" and args.out is None and sys.stdout.isatty():
        raise UserError("xlsx 是二进制文件，请用 --out 指定输出文件。")

    async def work(ctx: Any) -> int:
        from backend.export import render

        cases = await ctx.cases.list_cases(_filter(args, ctx.county, with_events=True))
        data = render(cases, ctx.county, args.format)
        await ctx.cases.record_access(
            cli_actor(), None, f"export {args.format}: {len(cases)} 件", via="cli"
        )
        if args.out is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            _write(args.out, data)
            print(f"已导出 {len(cases)} 件案件到 {args.out}", file=sys.stderr)
        return 0

    return asyncio.run(_with_context(work))


# --- access log --------------------------------------------------------------------------


def run_access_log(args: argparse.Namespace) -> int:
    async def work(ctx: Any) -> int:
        from backend.export import render_access_log

        entries = await ctx.cases.access_log(number=args.number, limit=args.limit)
        data = render_access_log(entries, ctx.county, args.format)
        if args.out is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            _write(args.out, data)
            print(f"已导出 {len(entries)} 条查看记录到 {args.out}", file=sys.stderr)
        return 0

    return asyncio.run(_with_context(work))
