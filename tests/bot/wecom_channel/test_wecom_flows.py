"""End to end with the real dialogue, NLU and SQLite: a resident's whole intake through
微信客服 (with a server restart in the middle) and a grid worker filing through the app.

The simulated person answers whatever the bot asks (the test does not hard-code the order of
the questions), so these tests follow the dialogue as it evolves.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col
from wecom_fake import OPEN_KFID, FakeWeCom, app_text, kf_event, running_fake
from wecom_harness import GRID_WORKER_USERID, Harness, running, wecom_county

from backend.models import Case, Filer, Person

NUMBER = re.compile(r"案件编号：([A-Z]+-\d{4}-\d{6})")
MAX_TURNS = 25


@pytest.fixture(scope="module")
def shared_nlu() -> Any:
    """The real NLU, loaded once for this module's server instances."""
    import nlu
    from backend.settings import Settings
    from bot.bootstrap import LazyNlu, dialog_context

    assert hasattr(nlu, "load_nlu")
    loaded = LazyNlu(dialog_context(wecom_county()).gazetteer(), Settings())
    loaded.load()
    return loaded


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    county = wecom_county()
    async with running_fake(FakeWeCom(robot_keys={f"key-{a.id}" for a in county.agencies})) as f:
        yield f


def answer(
    prompt: str, choices: list[tuple[str, str]], person: dict[str, str], stuck: bool = False
) -> tuple[str, str | None]:
    """What the person says to the bot's last message: (text, clicked menu id or None).
    Asked the same thing twice (the answer was not understood), they press the first choice
    or say 「跳过」."""
    if stuck:
        return (choices[0][1], choices[0][0]) if choices else ("跳过", None)
    last = prompt.strip().splitlines()[-1] if prompt.strip() else ""
    rules = [
        ("代为反映", "本人已同意"),
        ("回复「确认」", "确认"),
        ("回复「同意」", "同意"),
        ("您的姓名", person["worker_name"]),
        ("您的手机号", person["worker_phone"]),
        ("您负责哪个村", person["village"]),
        ("名字", person["name"]),
        ("电话", person["phone"]),
        ("身份证", person["id_number"]),
        ("乡镇", person["township"]),
        ("村（社区）", person["village"]),
        ("单位（公司）", person["employer"]),
        ("哪种保险", "养老保险"),
        ("哪段时间", "2025年3月到6月"),
        ("补充", "没有了"),
    ]
    for key, reply in rules:
        if key in last:
            return reply, None
    if choices:
        return choices[0][1], choices[0][0]
    for key, reply in rules:
        if key in prompt:
            return reply, None
    return "跳过", None


RESIDENT = {
    "name": "王秀英",
    "phone": "13935661427",
    "id_number": "140522199003151232",
    "township": "凤鸣镇",
    "village": "南关村",
    "employer": "云川县鑫源建材有限公司",
    "worker_name": "",
    "worker_phone": "",
}
STORY = "我在云川县鑫源建材有限公司上班，公司每月从工资里扣了养老保险的钱，可是从2025年3月开始一直没给我交。"


def _kf_last(fake: FakeWeCom, user: str) -> tuple[str, list[tuple[str, str]]]:
    msg = [m for m in fake.to("kf/send_msg") if m["touser"] == user][-1]
    if msg["msgtype"] == "msgmenu":
        menu = msg["msgmenu"]
        items = [(i["click"]["id"], i["click"]["content"]) for i in menu["list"]]
        return menu["head_content"] + "\n" + menu.get("tail_content", ""), items
    return msg["text"]["content"], []


async def _kf_turn(h: Harness, user: str, text: str, menu_id: str | None, n: int) -> str:
    before = len([m for m in h.fake.to("kf/send_msg") if m["touser"] == user])
    h.fake.add_customer_text(user, text, menu_id=menu_id)
    await h.post("/wecom/kf", kf_event(f"tok-{n}"))
    await h.settle()
    after = [m for m in h.fake.to("kf/send_msg") if m["touser"] == user]
    assert len(after) == before + 1, f"turn {n} ({text}) must be answered by ONE message"
    return _kf_last(h.fake, user)[0]


async def test_resident_intake_through_kf_with_a_restart_in_the_middle(
    sqlite_db_url: str, fake: FakeWeCom, shared_nlu: Any
) -> None:
    user = "wmResidentExt001"
    fake.add_enter_session(user, "WELCOME-1")
    state: dict[str, Any] = {"turns": 0, "previous": ""}

    async def talk(h: Harness, until_turn: int) -> str | None:
        while state["turns"] < until_turn:
            if state["turns"] == 0:
                text, menu_id = STORY, None
            else:
                prompt, choices = _kf_last(fake, user)
                text, menu_id = answer(prompt, choices, RESIDENT, prompt == state["previous"])
                state["previous"] = prompt
            state["turns"] += 1
            found = NUMBER.search(await _kf_turn(h, user, text, menu_id, state["turns"]))
            if found:
                return found.group(1)
        return None

    async with running(sqlite_db_url, fake, nlu=shared_nlu) as h:
        assert await talk(h, 4) is None
        assert fake.to("kf/send_msg_on_event")[0]["code"] == "WELCOME-1"
    read_before = len(fake.kf_queue[OPEN_KFID])
    syncs_before = len(fake.sync_requests)
    # The server restarts: a new context and plugin on the same database.
    async with running(sqlite_db_url, fake, nlu=shared_nlu) as h:
        number = await talk(h, MAX_TURNS)
        assert number, f"no case after {state['turns']} turns; last: {_kf_last(fake, user)[0]}"
        # The new instance went on from the stored cursor: nothing read twice or skipped
        # (each turn above got exactly one answer), and the cursor never went back.
        assert fake.sync_requests[syncs_before]["cursor"] == str(read_before)
        cursors = [int(r.get("cursor") or 0) for r in fake.sync_requests]
        assert cursors == sorted(cursors)
        async with h.ctx.db.session() as s:
            case = (await s.execute(sa.select(Case).where(col(Case.number) == number))).scalar_one()
            person = await s.get(Person, case.complainant_id)
        assert (case.channel, case.channel_user) == ("wecom_kf", user)
        assert person is not None and person.phone == RESIDENT["phone"]
        # Staff were told, masked; nowhere a full ID number or phone in a staff payload.
        staff_payloads = [s for s in fake.sent if s.path in ("message/send", "webhook/send")]
        assert any(number in str(s.payload) for s in staff_payloads)
        staff_text = "\n".join(str(s.payload) for s in staff_payloads)
        assert RESIDENT["id_number"] not in staff_text and RESIDENT["phone"] not in staff_text


async def test_grid_worker_files_through_the_app(
    sqlite_db_url: str, fake: FakeWeCom, shared_nlu: Any
) -> None:
    worker = wecom_county().grid_workers[0]
    person = dict(RESIDENT, name="李德福", phone="13835667788", id_number="140522198506121217")
    person |= {"worker_name": worker.name, "worker_phone": worker.phone, "village": worker.village}
    async with running(sqlite_db_url, fake, nlu=shared_nlu) as h:
        number: str | None = None
        text: str = f"帮村里李大爷反映一下：{STORY}"
        previous = ""
        for n in range(MAX_TURNS):
            await h.post("/wecom/app", app_text(GRID_WORKER_USERID, text, f"gw-{n}"))
            await h.settle()
            mine = [m for m in fake.to("message/send") if m["touser"] == GRID_WORKER_USERID]
            prompt = mine[-1]["text"]["content"]
            found = NUMBER.search(prompt)
            if found:
                number = found.group(1)
                break
            choices = _numbered(prompt)
            text, picked = answer(prompt, choices, person, prompt == previous)
            previous = prompt
            if picked is not None:
                text = picked  # the app shows choices as a numbered list: answer the number
        assert number, f"no case; last prompt: {prompt}"
        async with h.ctx.db.session() as s:
            case = (await s.execute(sa.select(Case).where(col(Case.number) == number))).scalar_one()
            filer = await s.get(Filer, case.filer_id) if case.filer_id else None
        assert filer is not None and filer.phone == worker.phone and filer.name == worker.name
        assert (case.channel, case.channel_user) == ("wecom_app", GRID_WORKER_USERID)


def _numbered(prompt: str) -> list[tuple[str, str]]:
    """The numbered list the app shows for choices: [(number, label)]."""
    out: list[tuple[str, str]] = []
    for line in prompt.splitlines():
        m = re.match(r"^(\d+)\. (.+)$", line.strip())
        if m:
            out.append((m.group(1), m.group(2)))
    return out
