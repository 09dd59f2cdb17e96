"""The console channel: ``yichuang demo`` (interactive) and ``yichuang chat`` (scriptable).

Both talk to the same dialogue service as Telegram and WeChat Work, with channel "console".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

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

    app = await _ready(build_context)
    try:
        await chat_lines(app.dialogue, user, sys.stdin, sys.stdout, as_json=as_json)
    finally:
        await close_context(app)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    return asyncio.run(_demo())


async def _ready(build: Callable[..., object]) -> object:
    raise NotImplementedError


async def _demo() -> int:
    raise NotImplementedError
