"""The console channel: ``yichuang demo`` (interactive) and ``yichuang chat`` (scriptable).

Both talk to the same dialogue service as Telegram and WeChat Work, with channel "console".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from backend.config import GridWorker
from backend.notifications import Notification
from backend.notifier import Notifier
from backend.settings import Settings
from bot.senders.console import render_notification
from dialogs.messages import Inbound, InboundHandler, Reply

CHANNEL = "console"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser(
        "demo", help="在终端里以居民身份和机器人对话（示例县，SQLite，内置NLU）"
    )
    demo.set_defaults(func=run_demo)
    chat = subparsers.add_parser("chat", help="从标准输入逐行读用户消息，输出机器人的回复")
    chat.add_argument("--user", required=True, help="用户标识；同一标识再次调用会接着上次的对话")
    chat.add_argument("--json", action="store_true", help="每条回复输出一行JSON")
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


async def chat_lines(
    handler: InboundHandler, user: str, lines: TextIO, out: TextIO, *, as_json: bool
) -> int:
    """Feed each non-empty line to the dialogue; print its replies. Returns the turns taken."""
    turns = 0
    for line in lines:
        text = line.strip()
        if not text:
            continue
        turns += 1
        for reply in await handler.handle(inbound(user, text)):
            print(reply_json(reply) if as_json else render(reply), file=out, flush=True)
    return turns


# --- commands -----------------------------------------------------------------------------


def run_chat(args: argparse.Namespace) -> int:
    return asyncio.run(_chat(args.user, as_json=args.json))


async def _chat(user: str, *, as_json: bool) -> int:
    from bot.bootstrap import build_context, close_context

    app = await build_context()
    try:
        assert app.dialogue is not None
        await chat_lines(app.dialogue, user, sys.stdin, sys.stdout, as_json=as_json)
    finally:
        await close_context(app)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    return asyncio.run(demo(sys.stdin, sys.stdout))


class DemoSender:
    """Shows console-channel notifications: staff pushes boxed, messages to the user as the bot."""

    channel = CHANNEL

    def __init__(self, out: TextIO) -> None:
        self.out = out

    async def send(self, notification: Notification) -> None:
        if notification.kind == "to_complainant":
            print(f"一窗（{notification.recipient}）：{notification.text}\n", file=self.out)
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


BANNER = (
    "一窗 · {county}社保费争议受理（演示）\n"
    "像群众一样打字就行，比如：单位把我的养老保险扣多了。回复数字可以选择。\n"
    "/grid 切换为网格员　/new 换一位新居民　/quit 退出\n"
)


async def demo(
    lines: TextIO, out: TextIO, settings: Settings | None = None, *, nlu: Any = None
) -> int:
    """The interactive console chat on the example county; staff pushes shown as they happen.

    ``nlu``: an NLU already loaded (tests), instead of loading the built-in one.
    """
    from bot.bootstrap import build_context, build_dialogue, close_context

    app = await build_context(settings)
    if nlu is not None:
        app.nlu = nlu
        build_dialogue(app)
    assert app.dialogue is not None
    notifier = Notifier(app.db, [DemoSender(out)], clock=app.clock)
    current = [Identity(user=f"居民-{uuid.uuid4().hex[:6]}")]  # switched by /new and /grid
    print(BANNER.format(county=app.county.name), file=out, flush=True)
    try:
        for line in _prompted(lines, out, lambda: current[0].label):
            who = current[0]
            text = line.strip()
            if not text:
                continue
            if text in ("/quit", "/exit", "/q"):
                break
            if text == "/new":
                who = current[0] = Identity(user=f"居民-{uuid.uuid4().hex[:6]}")
                print(f"（现在你是一位新居民：{who.user}）\n", file=out, flush=True)
                continue
            if text == "/grid":
                who = current[0] = _grid_identity(app.county.grid_workers)
                print(f"（现在你是{who.label}）\n", file=out, flush=True)
                continue
            message = inbound(who.user, text, contact_phone=who.contact_phone)
            for reply in await app.dialogue.handle(message):
                print(f"一窗：{render(reply)}\n", file=out, flush=True)
            await notifier.drain()
    finally:
        await close_context(app)
    return 0


def _prompted(lines: TextIO, out: TextIO, label: Callable[[], str]) -> Iterator[str]:
    interactive = lines.isatty()
    while True:
        if interactive:
            print(f"{label()}> ", end="", file=out, flush=True)
        line = lines.readline()
        if not line:
            return
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
