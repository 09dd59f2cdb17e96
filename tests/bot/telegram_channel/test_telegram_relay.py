"""已转告 on Telegram: the grid worker's notice (agency phone in full) carries the button
``relayed:<case>``; pressing it, or typing 「已转告 案件号」 as the notice says, records the relay
on the case once and confirms — never the raw code, never a new report; nobody but the grid
worker who filed may record it."""

from __future__ import annotations

from typing import Any

import pytest
from tg_fake import FakeBotApi
from tg_harness import running

from backend.workflow import Actor, StaffAction

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

GRID_CHAT = 818000
STRANGER = 818001


async def test_relayed_button_and_words(
    fake: FakeBotApi, database: Any, tg_nlu: Any, clock: Any, make_draft: Any
) -> None:
    url = database.url.render_as_string(hide_password=False)
    async with running(url, fake, nlu=tg_nlu, clock=clock, webhook=True) as h:
        draft = make_draft(
            filed_by=("张桂兰", "15835601121"),
            channel="telegram",
            channel_user=str(GRID_CHAT),
            name="李四",
            phone="13912345678",
        )
        opened = await h.ctx.cases.open_case(draft)
        staff = next(s for s in h.ctx.county.staff if s.agency == opened.lead.id)
        actor = Actor(staff.id, "staff", staff.agency, staff.name)
        await h.ctx.cases.act(opened.number, StaffAction("accept", actor))
        await h.deliver_outbox()
        notice = fake.delivered(GRID_CHAT)[-1]
        assert "请转告李四" in notice["text"] and "***" not in notice["text"]
        agency_phone = h.ctx.county.agency(opened.lead.id).phone
        assert agency_phone in notice["text"]

        # Someone who filed nothing types the words: the dialogue's (bot.inbound_router),
        # nothing recorded.
        other = fake.text(STRANGER, f"已转告 {opened.number}", queue=False)
        assert await h.post_update(other) == 200
        assert "已记录" not in fake.texts(STRANGER)[-1]
        # The grid worker's bare 「转告了」: the case whose notice waits for it.
        bare = fake.text(GRID_CHAT, "转告了", queue=False)
        assert await h.post_update(bare) == 200
        assert "已记录" in fake.texts(GRID_CHAT)[-1] and opened.number in fake.texts(GRID_CHAT)[-1]

        press = fake.press(GRID_CHAT, dict(notice["_result"]), f"relayed:{opened.number}")
        assert await h.post_update(press) == 200
        confirm = fake.texts(GRID_CHAT)[-1]
        assert "已记录" in confirm and opened.number in confirm and "relayed:" not in confirm
        assert await h.post_update(press) == 200  # the same press re-delivered: once
        again = fake.press(GRID_CHAT, dict(notice["_result"]), f"relayed:{opened.number}")
        assert await h.post_update(again) == 200  # pressed again: "already"
        answers = fake.of("answerCallbackQuery")
        assert answers[-1].get("text") == "这个按钮已经点过了。"

        typed = fake.text(GRID_CHAT, f"已转告 {opened.number}", queue=False)
        assert await h.post_update(typed) == 200
        assert "已记录" in fake.texts(GRID_CHAT)[-1]
        nothing_new = fake.text(GRID_CHAT, "已转告", queue=False)
        assert await h.post_update(nothing_new) == 200
        assert "没有待转告" in fake.texts(GRID_CHAT)[-1]

        detail = await h.ctx.cases.detail(opened.number)
        relays = [e for e in detail.events if e.action == "relay"]
        assert len(relays) == 3 and relays[0].actor_name == "网格员张桂兰"
        # No new report was started by either message.
        assert await h.ctx.conversations.load("telegram", str(GRID_CHAT)) is None
        assert len(await h.ctx.cases.cases_of_user("telegram", str(GRID_CHAT))) == 1
