"""The console channel: ``yichuang chat`` (one process per call, state persists) and the demo."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from backend.settings import Settings
from bot.console import demo, render
from dialogs.messages import Choice, Reply


@pytest.fixture(scope="module")
def nlu_engine() -> Any:
    import nlu
    from backend.config import load_county
    from bot.bootstrap import dialog_context

    return nlu.load_nlu(gazetteer=dialog_context(load_county()).gazetteer())


def _yichuang(args: list[str], stdin: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, YICHUANG_DATABASE_URL=f"sqlite+aiosqlite:///{db}")
    env.pop("YICHUANG_CONFIG", None)
    exe = Path(sys.executable).with_name("yichuang")
    return subprocess.run(
        [str(exe), *args], input=stdin, capture_output=True, text=True, env=env, timeout=180
    )


def test_chat_json_one_object_per_reply_and_state_persists_between_calls(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    first = _yichuang(["chat", "--user", "U1", "--json"], "你好\n同意\n", db)
    assert first.returncode == 0, first.stderr
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    assert len(lines) == 2
    assert "个人信息说明" in lines[0]["text"]
    assert [c["id"] for c in lines[0]["choices"]] == ["yes", "no"]
    assert "遇到了什么问题" in lines[1]["text"]

    second = _yichuang(["chat", "--user", "U1", "--json"], "单位欠缴我的养老保险\n", db)
    assert second.returncode == 0, second.stderr
    (reply,) = [json.loads(line) for line in second.stdout.splitlines()]
    assert ("名字" in reply["text"] or "姓名" in reply["text"]) and "个人信息说明" not in reply[
        "text"
    ]

    plain = _yichuang(["chat", "--user", "U2"], "你好\n", db)
    assert plain.returncode == 0, plain.stderr
    assert "  1. 同意" in plain.stdout and "  2. 不同意" in plain.stdout


def test_render_numbers_the_choices() -> None:
    text = render(Reply("选一个", (Choice("a", "满意"), Choice("b", "不满意"))))
    assert text == "选一个\n  1. 满意\n  2. 不满意"


async def test_demo_files_a_case_and_shows_the_staff_push(tmp_path: Path, nlu_engine: Any) -> None:
    script = "\n".join(
        [
            "你好，俺是凤鸣镇南关村的，叫王秀英。去年交的养老保险交了两回，钱扣了两次，"
            "想把多交的退给俺。电话13812341427，身份证11010519491231002X",
            "/auto",  # the first choice each time (同意, 跳过, 确认提交) until a case number
            "/grid",
            "你好",
            "/new",
            "你好",
            "/quit",
            "不会读到这里",
        ]
    )
    out = io.StringIO()
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    assert await demo(io.StringIO(script + "\n"), out, settings, nlu=nlu_engine) == 0
    text = out.getvalue()
    assert "案件编号：YC-" in text
    assert "  1. 同意" in text  # choices as a numbered list
    assert "┄┄ 推送给工作人员" in text  # the new-case notification, as it would be pushed
    assert "13812341427" not in text.split("┄┄ 推送给工作人员", 1)[1]  # staff pushes are masked
    assert "网格员 张桂兰" in text
    assert text.count("【个人信息说明】") == 3  # resident, grid worker, new resident: each asked


async def test_demo_tour_shows_both_sides_of_one_case(tmp_path: Path, nlu_engine: Any) -> None:
    from bot.console import TOUR

    out = io.StringIO()
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'tour.db'}")
    lines = io.StringIO("\n".join(TOUR) + "\n")
    assert await demo(lines, out, settings, nlu=nlu_engine, echo=True) == 0
    text = out.getvalue()
    number = text.split("案件编号：", 1)[1][:14]
    assert number.startswith("YC-")
    # Staff side: the push, then the staff's own commands answered in the same window.
    assert "推送给工作人员" in text and f"已受理：{number}" in text
    assert f"已书面答复缴费人：{number}" in text
    # Complainant side, in order: accepted (who, by when, phone), the reply with the routes.
    told = [part for part in text.split("一窗 → ")[1:] if part.startswith("居民-")]
    assert len(told) == 2, told
    assert "已由国家税务总局云川县税务局受理" in told[0] and "0356-4218366" in told[0]
    assert "多缴的 300 元" in told[1] and "行政复议" in told[1] and "行政诉讼" in told[1]
    assert "评价" in text.split("/resident", 1)[1]


async def test_demo_staff_alone_acts_for_the_agency_leading_the_case(
    tmp_path: Path, nlu_engine: Any
) -> None:
    """A newcomer types /staff without a number: they become staff of the case's lead agency
    (人社 for a missing pension record), not of the tax bureau that would be refused."""
    script = [
        "俺的养老保险2019年交了钱没记录，俺叫李桂花，电话13935612345，北岭镇北岭村的",
        "/auto",
        "/staff",
        "受理",
        "/quit",
    ]
    out = io.StringIO()
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'staff.db'}")
    assert await demo(io.StringIO("\n".join(script) + "\n"), out, settings, nlu=nlu_engine) == 0
    text = out.getvalue()
    assert "承办单位：云川县人力资源和社会保障局" in text
    assert "（现在你是工作人员：县人社局" in text
    assert "已受理：YC-" in text and "无权" not in text


async def test_relay_and_sms_in_the_console(
    sqlite_case_service: Any, make_draft: Any, clock: Any
) -> None:
    from backend.notifications import Notification, PermanentSendError
    from backend.notifier import Notifier
    from backend.workflow import Actor, StaffAction
    from bot.console import inbound
    from bot.inbound_router import before_dialogue
    from bot.relay import relay_target
    from bot.senders.sms import ConsoleSmsGateway, SmsSender

    svc = sqlite_case_service
    opened = await svc.open_case(
        make_draft(filed_by=("张桂兰", "15835601121"), channel_user="网格员-1121", name="李四")
    )
    await svc.act(opened.number, StaffAction("accept", Actor("tax01", "staff", "tax", "王建国")))
    await Notifier(svc.db, [SmsSender(ConsoleSmsGateway(io.StringIO()))], clock=clock).drain()
    assert relay_target("你好", None) is None
    assert relay_target(f"已转告 {opened.number.lower()}", None) == opened.number
    assert relay_target("好的", f"relayed:{opened.number}") == opened.number
    assert await before_dialogue(svc, inbound("网格员-1121", "我想问个事")) is None
    # The notice is not delivered yet (no console sender ran): nothing waits for a relay.
    [asked] = await before_dialogue(svc, inbound("网格员-1121", "已转告")) or []
    assert "没有待转告" in asked.text and f"已转告 {opened.number}" in asked.text
    [answer] = await before_dialogue(svc, inbound("网格员-1121", f"已转告 {opened.number}")) or []
    assert opened.number in answer.text and "李四" in answer.text
    # Someone who filed nothing typing the words: the dialogue's, as before; pressing the
    # button (a forwarded notice) is refused.
    assert await before_dialogue(svc, inbound("别人", f"已转告 {opened.number}")) is None
    pressed = replace(inbound("别人", "已转告"), choice_id=f"relayed:{opened.number}")
    [refused] = await before_dialogue(svc, pressed) or []
    assert "不是您代办的" in refused.text
    events = [e.action for e in (await svc.detail(opened.number)).events]
    assert events.count("relay") == 1

    out = io.StringIO()
    sender = SmsSender(ConsoleSmsGateway(out))

    def note(to: str) -> Notification:
        return Notification(1, "sms", to, "to_complainant", "标题", "您好", opened.number)

    await sender.send(note("+86 139-1234-5678"))
    assert out.getvalue().startswith("短信 → 139****5678：您好")
    with pytest.raises(PermanentSendError):
        await sender.send(note("0356-4218366"))


# --- yichuang chat: notices, grid workers, 已转告 ------------------------------------------------


async def _pending_to(settings: Settings, user: str) -> list[Any]:
    from backend.db import Database
    from backend.notifier import list_outbox

    db = await Database.connect(settings.database_url)
    try:
        return [e for e in await list_outbox(db, status="pending") if e.recipient == user]
    finally:
        await db.dispose()


async def test_chat_shows_the_users_notices_once_and_serve_leaves_them(
    tmp_path: Path, nlu_engine: Any, make_draft: Any
) -> None:
    """The tester's complaint: what the complainant was told appeared only in the ``serve``
    log. Now ``serve``'s notifier leaves a console user's notices; ``yichuang chat --user U``
    shows them first (once: marked sent), and new ones after each turn."""
    from backend.workflow import Actor, StaffAction
    from bot.bootstrap import build_context, close_context
    from bot.console import chat

    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'notices.db'}")
    tax = Actor("tax01", "staff", "tax", "王建国")
    app = await build_context(settings)
    try:
        opened = await app.cases.open_case(make_draft(channel="console", channel_user="U7"))
        await app.cases.act(opened.number, StaffAction("accept", tax))
        await app.cases.act(opened.number, StaffAction("reply", tax, reply="多缴的钱下周退回。"))
        assert app.notifier is not None
        await app.notifier.drain()  # what ``yichuang serve`` does: prints staff pushes only
    finally:
        await close_context(app)
    assert [e.kind for e in await _pending_to(settings, "U7")] == ["to_complainant"] * 2

    out = io.StringIO()
    assert await chat("U7", io.StringIO(""), out, settings, nlu=nlu_engine) == 0
    shown = out.getvalue()
    assert shown.count("【通知】") == 2
    assert shown.index("已受理") < shown.index("多缴的钱下周退回。")
    assert await _pending_to(settings, "U7") == []
    again = io.StringIO()
    await chat("U7", io.StringIO(""), again, settings, nlu=nlu_engine)
    assert "【通知】" not in again.getvalue()  # shown once

    app = await build_context(settings)
    try:
        await app.cases.act(opened.number, StaffAction("close", tax, text="已办结"))
    finally:
        await close_context(app)
    as_json = io.StringIO()
    await chat("U7", io.StringIO(""), as_json, settings, nlu=nlu_engine, as_json=True)
    [line] = [json.loads(x) for x in as_json.getvalue().splitlines()]
    assert line["notice"]["kind"] == "to_complainant" and "已经办结" in line["text"]
    assert line["notice"]["case_number"] == opened.number


def _first_choices(out: io.StringIO, first: str, done: str, turns: int = 10) -> Any:
    """Lines for ``chat``: ``first``, then the label of the first choice offered, until
    ``done`` appears in the output."""
    yield first + "\n"
    for _ in range(turns):
        text = out.getvalue()
        if done in text:
            return
        labels = [line[5:] for line in text.splitlines() if line.startswith("  1. ")]
        yield (labels[-1] if labels else "确认") + "\n"


async def test_chat_as_a_grid_worker_files_for_a_villager_and_relays(
    tmp_path: Path, nlu_engine: Any
) -> None:
    """``--grid-phone``: the console vouches for a listed grid worker (as Telegram's shared
    contact does); the filing is hers, the villager's phone stays the villager's; her
    「已转告」 / 「转告了」 / 「已转告 案件号」 are recorded, a resident's 转告了 is not."""
    from backend.workflow import Actor, StaffAction
    from bot.bootstrap import build_context, close_context
    from bot.cli import UserError, build_parser
    from bot.console import CHAT_IDENTITY_HINT, chat

    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'grid.db'}")
    out = io.StringIO()
    story = (
        "凤鸣镇南关村的王秀英，去年交的养老保险交了两回，钱扣了两次，想把多交的退给她。"
        "她电话13812341427，身份证11010519491231002X，金额300元"
    )
    lines = _first_choices(out, story, "案件编号：")
    assert await chat("G1", lines, out, settings, grid="158 3560 1121", nlu=nlu_engine) == 0
    text = out.getvalue()
    assert "代办时请向群众说明" in text  # recognised as the grid worker 张桂兰
    number = text.split("案件编号：", 1)[1][:14]
    tax = Actor("tax01", "staff", "tax", "王建国")
    app = await build_context(settings)
    try:
        detail = await app.cases.detail(number)
        assert detail.filed_by is not None and detail.filed_by.phone == "15835601121"
        assert detail.filed_by.channel_user == "G1"
        assert detail.complainant.phone == "13812341427"
        await app.cases.act(number, StaffAction("accept", tax))
    finally:
        await close_context(app)

    async def say(user: str, words: str, grid: str | None = "15835601121") -> str:
        said = io.StringIO()
        await chat(user, io.StringIO(words + "\n"), said, settings, grid=grid, nlu=nlu_engine)
        return said.getvalue()

    relayed = await say("G1", "已转告")  # the notice first, then the relay recorded
    assert relayed.index("请转告王秀英") < relayed.index("已记录") and number in relayed
    assert "没有待转告" in await say("G1", "转告了")  # nothing new to pass on: asks
    assert "已记录" not in await say("R1", "转告了", grid=None)  # a resident: the dialogue
    app = await build_context(settings)
    try:
        await app.cases.act(number, StaffAction("reply", tax, reply="下周退回。"))
    finally:
        await close_context(app)
    typed = await say("G1", f"已转告 {number}")  # exactly as the notice tells her
    assert "下周退回。" in typed and "已记录" in typed
    assert CHAT_IDENTITY_HINT in await say("G1", "/grid")
    app = await build_context(settings)
    try:
        events = (await app.cases.detail(number)).events
    finally:
        await close_context(app)
    assert [e.actor_name for e in events if e.action == "relay"] == ["网格员张桂兰"] * 2

    with pytest.raises(UserError, match="不在县配置的网格员名单"):
        await chat("G2", io.StringIO(""), io.StringIO(), settings, grid="13800000000")
    parser: Any = build_parser(["chat"])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helptext = sub.choices["chat"].format_help()
    assert "--grid-phone" in helptext and "网格员" in helptext
