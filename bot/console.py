"""The console channel: ``yichuang demo`` (interactive) and ``yichuang chat`` (scriptable).

Both talk to the same dialogue service as Telegram and WeChat Work, with channel "console".
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TextIO

from backend.config import GridWorker
from backend.notifications import PERSONAL_KINDS, Notification, shown
from backend.notifier import Mailbox, Notifier
from backend.outbox import TO_COMPLAINANT, TO_GRID_WORKER
from backend.settings import Settings
from bot.inbound_router import before_dialogue
from bot.relay import RelayDesk
from bot.senders.console import render_notification
from bot.senders.sms import ConsoleSmsGateway, SmsSender
from dialogs.messages import Choice, Inbound, InboundHandler, Reply
from identifiers import find_case_numbers, phone_digits

CHANNEL = "console"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser(
        "demo", help="在终端里以居民身份和机器人对话（示例县，SQLite，内置NLU）"
    )
    demo.add_argument(
        "--tour", action="store_true", help="自动演示一件案件走完全程：居民反映、受理、答复、评价"
    )
    demo.set_defaults(func=run_demo)
    chat = subparsers.add_parser(
        "chat",
        help="从标准输入逐行读用户消息，输出机器人的回复",
        description=(
            "从标准输入逐行读用户消息，输出机器人的回复。开始时先显示发给这位用户、还没看过的"
            "通知（受理、答复、办结……；网格员还会收到请转告的通知），之后每条消息后也会显示新通知。"
            "网格员代办：加 --grid-phone 本人手机号（须在县配置的网格员名单中），"
            "转告村民后发送「已转告 案件号」或「已转告」。"
        ),
    )
    chat.add_argument("--user", required=True, help="用户标识；同一标识再次调用会接着上次的对话")
    chat.add_argument(
        "--grid-phone",
        metavar="手机号",
        help="以网格员身份对话（代村民反映）：县配置 grid_workers 中登记的本人手机号，"
        "如 15835601121；终端为这个号码作保，和 Telegram 分享本人手机号一样",
    )
    chat.add_argument("--json", action="store_true", help="每条回复（和每条通知）输出一行JSON")
    chat.set_defaults(func=run_chat)


# --- rendering ----------------------------------------------------------------------------


def render(reply: Reply) -> str:
    """Plain text with the choices as a numbered list (the user answers with the number)."""
    lines = [reply.text]
    lines += [f"  {i}. {c.label}" for i, c in enumerate(reply.choices, 1)]
    return "\n".join(lines)


def reply_json(reply: Reply) -> str:
    return json.dumps(
        {"text": reply.text, "choices": [{"id": c.id, "label": c.label} for c in reply.choices]},
        ensure_ascii=False,
    )


def inbound(user: str, text: str, *, contact_phone: str | None = None) -> Inbound:
    return Inbound(
        channel=CHANNEL,
        user_ref=user,
        text=text,
        message_id=uuid.uuid4().hex,
        received_at=datetime.now(UTC),
        contact_phone=contact_phone,
    )


#: ``/grid`` typed into ``yichuang chat``: who you are is said on the command line.
CHAT_IDENTITY_HINT = (
    "这里不能切换身份。网格员请退出后用 yichuang chat --user 标识 --grid-phone 本人手机号 "
    "重新开始（手机号须在县配置的网格员名单中）；工作人员请用工作台或工作人员接口。"
)


def mailbox(user: str | None = None) -> Mailbox:
    """The console's notices to a person (the complainant, the grid worker who filed): they
    wait in the outbox until ``yichuang chat --user U`` shows them to U (``None``: any user's;
    ``yichuang serve`` leaves those alone)."""
    return Mailbox(CHANNEL, PERSONAL_KINDS, user)


class ChatNoticeSender:
    """Shows a console user their notices in ``yichuang chat`` (plain text or one JSON line);
    the notifier marks each one sent once shown, so it is shown once."""

    channel = CHANNEL

    def __init__(self, out: TextIO, *, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json

    async def send(self, notification: Notification) -> None:
        text = shown(notification, notification.text)
        if self.as_json:
            line = json.dumps(
                {
                    "text": text,
                    "choices": [],
                    "notice": {
                        "kind": notification.kind,
                        "case_number": notification.case_number,
                        "title": notification.title,
                        "actions": [
                            {"id": f"{action}:{notification.case_number}", "label": label}
                            for action, label in notification.actions
                        ],
                    },
                },
                ensure_ascii=False,
            )
        else:
            line = f"【通知】{shown(notification, notification.title)}\n{text}\n"
        print(line, file=self.out, flush=True)


async def chat_lines(
    handler: InboundHandler,
    user: str,
    lines: TextIO,
    out: TextIO,
    *,
    as_json: bool,
    desk: RelayDesk | None = None,
    contact_phone: str | None = None,
    notices: Callable[[], Awaitable[Any]] | None = None,
) -> int:
    """Feed each non-empty line to the inbound router and the dialogue; print the replies.
    ``notices``: shows the user's new notices (called before the first line and after each
    turn). Returns the turns taken."""
    if notices is not None:
        await notices()
    turns = 0
    for line in lines:
        text = line.strip()
        if not text:
            continue
        turns += 1
        if text.split()[0] in ("/grid", "/staff"):
            # The demo's identity switches: here the identity is given when the chat starts.
            hint = Reply(CHAT_IDENTITY_HINT)
            print(reply_json(hint) if as_json else render(hint), file=out, flush=True)
            continue
        message = inbound(user, text, contact_phone=contact_phone)
        replies = await before_dialogue(desk, message) if desk is not None else None
        if replies is None:
            replies = await handler.handle(message)
        for reply in replies:
            print(reply_json(reply) if as_json else render(reply), file=out, flush=True)
        if notices is not None:
            await notices()
    return turns


def grid_phone(county: Any, phone: str) -> str:
    """The phone of a grid worker the county lists, as the config has it; ``UserError``
    naming the problem otherwise."""
    from bot.cli import UserError

    digits = phone_digits(phone)
    for worker in county.grid_workers:
        if digits and phone_digits(worker.phone) == digits:
            return str(worker.phone)
    listed = "、".join(f"{w.name} {w.phone}" for w in county.grid_workers) or "（无）"
    raise UserError(f"手机号 {phone[:20]} 不在县配置的网格员名单（grid_workers）中：{listed}。")


# --- commands -----------------------------------------------------------------------------


def run_chat(args: argparse.Namespace) -> int:
    return asyncio.run(
        chat(args.user, sys.stdin, sys.stdout, as_json=args.json, grid=args.grid_phone)
    )


async def chat(
    user: str,
    lines: TextIO,
    out: TextIO,
    settings: Settings | None = None,
    *,
    as_json: bool = False,
    grid: str | None = None,
    nlu: Any = None,
) -> int:
    """``yichuang chat``: the user's waiting notices, then each line a turn (and any new
    notices after it). ``grid``: the phone of a listed grid worker, vouched for by the
    console as Telegram vouches for a shared contact. ``nlu``: one already loaded (tests)."""
    from bot.bootstrap import build_context, build_dialogue, close_context

    app = await build_context(settings)
    try:
        contact_phone = grid_phone(app.county, grid) if grid is not None else None
        if nlu is not None:
            app.nlu = nlu
            build_dialogue(app)
        assert app.dialogue is not None
        # The same outbox, claim and "sent" mark as every push; only this user's notices.
        notifier = Notifier(
            app.db, [ChatNoticeSender(out, as_json=as_json)], clock=app.clock, only=mailbox(user)
        )
        await chat_lines(
            app.dialogue,
            user,
            lines,
            out,
            as_json=as_json,
            desk=app.cases,
            contact_phone=contact_phone,
            notices=notifier.drain,
        )
    finally:
        await close_context(app)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    lines: TextIO = io.StringIO("\n".join(TOUR) + "\n") if args.tour else sys.stdin
    return asyncio.run(demo(lines, sys.stdout, echo=args.tour, console=not args.tour))


class DemoSender:
    """Shows console-channel notifications in the chat window: staff pushes boxed, notices to
    the complainant (or to the grid worker, to pass on) as the bot's messages to them."""

    channel = CHANNEL

    def __init__(self, out: TextIO, seen: Callable[[str], None] | None = None) -> None:
        self.out = out
        self._seen = seen or (lambda number: None)

    async def send(self, notification: Notification) -> None:
        if notification.case_number:
            self._seen(notification.case_number)
        if notification.kind == TO_COMPLAINANT:
            print(f"一窗 → {notification.recipient}：{notification.text}\n", file=self.out)
            return
        if notification.kind == TO_GRID_WORKER:
            buttons = " ".join(f"[{label}]" for _id, label in notification.actions)
            print(
                f"一窗 → 网格员（{notification.recipient}）：{notification.text}\n  {buttons}\n",
                file=self.out,
                flush=True,
            )
            return
        print("  ┄┄ 推送给工作人员 ┄┄", file=self.out)
        for line in render_notification(notification).splitlines():
            print(f"  ┆ {line}", file=self.out)
        print(file=self.out, flush=True)


@dataclass
class Identity:
    user: str
    contact_phone: str | None = None
    label: str = "居民"
    #: A staff member (``backend.config.StaffMember``): lines go to the staff chat.
    staff: Any = None


BANNER = (
    "一窗 · {county}社保费争议受理（演示）\n"
    "像群众一样打字就行，比如：单位把我的养老保险扣多了。回复数字可以选择。\n"
    "/staff [编号] 切换为工作人员（默认：刚才那件案件承办单位的工作人员），用 受理、答复 内容、办结 等办理\n"
    "/resident 回到刚才那位居民　/grid 切换为网格员　/new 换一位新居民　/quit 退出\n"
    "推送给工作人员、告知缴费人的消息和短信都显示在这里。\n"
)

#: ``yichuang demo --tour``: one case round the whole loop — a villager reports, the tax
#: bureau accepts and replies (with the objection routes), the villager rates it. ``/auto``
#: answers the bot's questions with the first choice until a case number is given.
TOUR: tuple[str, ...] = (
    "你好，俺是凤鸣镇南关村的，叫王秀英。去年交的养老保险交了两回，钱扣了两次，"
    "想把多交的退给俺。电话13812341427，身份证11010519491231002X",
    "/auto",
    "/staff tax01",
    "受理",
    "答复 经核实，您2025年的城乡居民养老保险重复缴费一次，多缴的 300 元将在 10 个工作日内"
    "退回您的社保卡账户。",
    "/resident",
    "我的案件",
    "满意",
    "/staff tax01",
    "详情",
    "/quit",
)

_STAFF_WORDS = (
    "/",
    "受理",
    "移送",
    "回复",
    "答复",
    "意见",
    "办结",
    "详情",
    "查看",
    "批准",
)


async def demo(
    lines: TextIO,
    out: TextIO,
    settings: Settings | None = None,
    *,
    nlu: Any = None,
    echo: bool = False,
    console: bool = False,
) -> int:
    """The interactive console chat on the example county: a resident (or grid worker) and
    staff take turns in one window; every push and notice is shown as it is delivered.

    ``nlu``: an NLU already loaded (tests), instead of loading the built-in one.
    ``echo``: print each input line after the prompt (a scripted tour).
    """
    from bot.bootstrap import build_context, build_dialogue, close_context
    from bot.staff_chat import StaffChat

    app = await build_context(settings)
    if nlu is not None:
        app.nlu = nlu
        build_dialogue(app)
    assert app.dialogue is not None
    last_case: list[str] = []

    def seen(number: str) -> None:
        last_case[:] = [number]

    notifier = Notifier(
        app.db,
        [DemoSender(out, seen), SmsSender(ConsoleSmsGateway(out))],
        clock=app.clock,
    )
    staff_chat = StaffChat(app.county, app.cases)
    resident = Identity(user=f"居民-{uuid.uuid4().hex[:6]}")
    current = [resident]  # switched by /new, /grid, /staff, /resident
    print(BANNER.format(county=app.county.name), file=out, flush=True)
    desk = None
    if console:  # the web console beside the chat (``bot.desk.demo``)
        from bot.desk.demo import ConsoleThread

        desk = ConsoleThread(app.settings).start()
        print(desk.banner(), file=out, flush=True)
    try:
        for line in _prompted(lines, out, lambda: current[0].label, echo=echo):
            who = current[0]
            text = line.strip()
            if not text:
                continue
            if text in ("/quit", "/exit", "/q"):
                break
            lead = None
            if text.partition(" ")[0] == "/staff" and last_case:
                lead = (await app.cases.detail(last_case[0])).lead_agency
            switched = _switch(text, app.county, resident, current, out, lead=lead)
            if switched is not None:
                resident = switched
                continue
            if text == "/auto" and who.staff is None:
                await _auto(app.dialogue, who, last_case, out, seen)
                await notifier.drain()
                continue
            if who.staff is not None:
                staff_text = _with_case_number(text, last_case[0] if last_case else None)
                for reply in await staff_chat.handle(who.staff, staff_text):
                    print(f"一窗（工作人员）：{render(reply)}\n", file=out, flush=True)
            else:
                message = inbound(who.user, text, contact_phone=who.contact_phone)
                replies = await before_dialogue(app.cases, message)
                if replies is None:
                    replies = await app.dialogue.handle(message)
                for reply in replies:
                    found = find_case_numbers(reply.text)
                    if found:
                        seen(found[0][0])
                    print(f"一窗：{render(reply)}\n", file=out, flush=True)
            await notifier.drain()
    finally:
        if desk is not None:
            desk.stop()
        await close_context(app)
    return 0


async def _auto(
    dialogue: InboundHandler,
    who: Identity,
    last_case: list[str],
    out: TextIO,
    seen: Callable[[str], None],
    turns: int = 8,
) -> None:
    """Press the first choice offered (同意, 跳过, 确认提交 …) until the bot gives a case number."""
    choice: Choice | None = None
    for _ in range(turns):
        if last_case:
            return
        label = choice.label if choice else "1"
        print(f"{who.label}> {label}", file=out, flush=True)
        message = inbound(who.user, label, contact_phone=who.contact_phone)
        if choice is not None:
            message = replace(message, choice_id=choice.id)
        choice = None
        for reply in await dialogue.handle(message):
            found = find_case_numbers(reply.text)
            if found:
                seen(found[0][0])
            choice = reply.choices[0] if reply.choices else choice
            print(f"一窗：{render(reply)}\n", file=out, flush=True)


def _switch(
    text: str,
    county: Any,
    resident: Identity,
    current: list[Identity],
    out: TextIO,
    *,
    lead: str | None = None,
) -> Identity | None:
    """Handle an identity command; the resident to come back to, or None if not one.
    ``lead``: the agency leading the case last shown — ``/staff`` alone becomes one of its
    staff, so a newcomer acts on the case instead of being refused by another agency."""
    word, _, rest = text.partition(" ")
    if word == "/new":
        resident = current[0] = Identity(user=f"居民-{uuid.uuid4().hex[:6]}")
        print(f"（现在你是一位新居民：{resident.user}）\n", file=out, flush=True)
        return resident
    if word == "/grid":
        resident = current[0] = _grid_identity(county.grid_workers)
        print(f"（现在你是{resident.label}）\n", file=out, flush=True)
        return resident
    if word == "/resident":
        current[0] = resident
        print(f"（现在你又是{resident.label}：{resident.user}）\n", file=out, flush=True)
        return resident
    if word == "/staff":
        staff = county.staff_member(rest.strip() or _default_staff(county, lead))
        if staff is None:
            ids = "、".join(s.id for s in county.staff)
            print(f"（没有编号为“{rest.strip()}”的工作人员，可选：{ids}）\n", file=out)
            return resident
        unit = county.agency(staff.agency).short_name
        current[0] = Identity(user=f"staff:{staff.id}", label=f"{unit} {staff.name}", staff=staff)
        print(f"（现在你是工作人员：{unit} {staff.name}）\n", file=out, flush=True)
        return resident
    return None


def _default_staff(county: Any, lead: str | None) -> str:
    """A handling staff member of ``lead`` (else the first staff member listed)."""
    members = [m for m in county.staff if m.role == "staff"] or list(county.staff)
    chosen = next((m for m in members if m.agency == lead), members[0] if members else None)
    return chosen.id if chosen is not None else ""


def _with_case_number(text: str, number: str | None) -> str:
    """``答复 内容`` -> ``答复 YC-… 内容``: staff in the demo act on the case last shown."""
    if number is None or find_case_numbers(text) or not text.startswith(_STAFF_WORDS):
        return text
    word, _, rest = text.partition(" ")
    return f"{word} {number} {rest}".strip()


def _prompted(
    lines: TextIO, out: TextIO, label: Callable[[], str], *, echo: bool = False
) -> Iterator[str]:
    interactive = lines.isatty()
    while True:
        if interactive or echo:
            print(f"{label()}> ", end="", file=out, flush=True)
        line = lines.readline()
        if not line:
            return
        if echo:
            print(line.rstrip("\n"), file=out, flush=True)
        yield line


def _grid_identity(workers: Sequence[GridWorker]) -> Identity:
    """The first configured grid worker, recognised by the phone the channel vouches for."""
    if not workers:
        return Identity(user=f"网格员-{uuid.uuid4().hex[:6]}", label="网格员（自我介绍即可）")
    w = workers[0]
    return Identity(
        user=f"网格员-{w.phone[-4:]}",
        contact_phone=w.phone,
        label=f"网格员 {w.name}（{w.township}{w.village}）",
    )
