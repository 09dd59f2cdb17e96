"""已转告 on WeChat Work: the grid worker's 请转告 notice reaches them through the app as plain
text (not a staff textcard) with the agency phone in full; 「已转告 案件号」 typed back — or
the menu item ``relayed:<case>`` on 微信客服 — is recorded on the case once, confirmed, and
never starts a report; nobody else may record it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from wecom_fake import OPEN_KFID, FakeWeCom, app_text, kf_event, running_fake
from wecom_harness import GRID_WORKER_USERID, running, wecom_county

from backend.workflow import Actor, StaffAction


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    county = wecom_county()
    async with running_fake(FakeWeCom(robot_keys={f"key-{a.id}" for a in county.agencies})) as f:
        yield f


async def _accept(ctx: Any, number: str, lead: str) -> None:
    staff = next(s for s in ctx.county.staff if s.agency == lead)
    await ctx.cases.act(number, StaffAction("accept", Actor(staff.id, "staff", lead, staff.name)))


def _texts_to(fake: FakeWeCom, user: str) -> list[str]:
    return [
        p["text"]["content"]
        for p in fake.to("message/send")
        if p.get("touser") == user and p.get("msgtype") == "text"
    ]


async def test_app_notice_is_plain_text_and_typed_relay_is_recorded(
    fake: FakeWeCom, database: Any, make_draft: Any
) -> None:
    url = database.url.render_as_string(hide_password=False)
    async with running(url, fake, echo=True) as h:
        draft = make_draft(
            filed_by=("张桂兰", "15835601121"),
            channel="wecom_app",
            channel_user=GRID_WORKER_USERID,
            name="李四",
        )
        opened = await h.ctx.cases.open_case(draft)
        await _accept(h.ctx, opened.number, opened.lead.id)
        await h.settle()
        to_worker = [p for p in fake.to("message/send") if p.get("touser") == GRID_WORKER_USERID]
        assert [p["msgtype"] for p in to_worker] == ["text"]  # not a textcard
        notice = to_worker[0]["text"]["content"]
        assert "请转告李四" in notice and h.ctx.county.agency(opened.lead.id).phone in notice

        # A member who filed nothing types the words: a dialogue turn (bot.inbound_router),
        # nothing recorded.
        assert await h.post("/wecom/app", app_text("tax01x", f"已转告 {opened.number}", "m0")) == [
            200
        ]
        typed = app_text(GRID_WORKER_USERID, "转告了", "m1")  # no number: the waiting case
        assert await h.post("/wecom/app", typed, times=2) == [200, 200]  # a re-sent callback
        await h.settle()
        confirms = [t for t in _texts_to(fake, GRID_WORKER_USERID) if "已记录" in t]
        assert len(confirms) == 1 and opened.number in confirms[0]
        detail = await h.ctx.cases.detail(opened.number)
        assert [e.actor_name for e in detail.events if e.action == "relay"] == ["网格员张桂兰"]
        seen = h.plugin._handler.seen  # type: ignore[attr-defined]
        assert [m.user_ref for m in seen] == ["tax01x"]  # the grid worker's: no dialogue turn


async def test_kf_menu_relay(fake: FakeWeCom, sqlite_database: Any, make_draft: Any) -> None:
    url = sqlite_database.url.render_as_string(hide_password=False)
    async with running(url, fake, echo=True) as h:
        draft = make_draft(
            filed_by=("张桂兰", "15835601121"), channel="wecom_kf", channel_user="wmGrid"
        )
        opened = await h.ctx.cases.open_case(draft)
        fake.add_customer_text("wmGrid", "已转告", menu_id=f"relayed:{opened.number}")
        assert await h.post("/wecom/kf", kf_event("tok1", OPEN_KFID)) == [200]
        await h.settle()
        [sent] = [p for p in fake.to("kf/send_msg") if p["touser"] == "wmGrid"]
        assert "已记录" in sent["text"]["content"]
        detail = await h.ctx.cases.detail(opened.number)
        assert len([e for e in detail.events if e.action == "relay"]) == 1
        assert h.plugin._handler.seen == []  # type: ignore[attr-defined]
