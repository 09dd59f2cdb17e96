"""A crash between a saved turn and its ``kf/send_msg`` must not leave the resident without an
answer: WeChat Work never offers that message again, so the server's sweeper re-sends stored
answers that were never marked delivered — after a grace period, claimed by one process only,
at most once more. Answers that did go out are never sent twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from wecom_fake import FakeWeCom, app_text, kf_event, running_fake
from wecom_harness import running, wecom_county

from bot.server import sweep_lost_answers


@pytest.fixture(scope="module")
def shared_nlu() -> Any:
    from backend.settings import Settings
    from bot.bootstrap import LazyNlu, dialog_context

    loaded = LazyNlu(dialog_context(wecom_county()).gazetteer(), Settings())
    loaded.load()
    return loaded


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    county = wecom_county()
    async with running_fake(FakeWeCom(robot_keys={f"key-{a.id}" for a in county.agencies})) as f:
        yield f


def kf_texts(fake: FakeWeCom, user: str) -> list[str]:
    out = []
    for p in fake.to("kf/send_msg"):
        if p["touser"] == user:
            out.append(p["text"]["content"] if p["msgtype"] == "text" else str(p["msgmenu"]))
    return out


async def test_an_answer_lost_in_a_crash_is_sent_once_after_restart(
    fake: FakeWeCom, database: Any, shared_nlu: Any
) -> None:
    url = database.url.render_as_string(hide_password=False)
    user, member = "wmLost0001", "LiGuihua"
    async with running(url, fake, nlu=shared_nlu) as h:
        # The turn is saved, then the process "dies" before kf/send_msg goes through.
        fake.add_customer_text(user, "你好")
        fake.fail_next["kf/send_msg"] = [-1]
        assert await h.post("/wecom/kf", kf_event("tok-a")) == [200]
        await h.plugin.drain(10)
        assert kf_texts(fake, user) == []
        # The self-built app likewise (its answer is sent in the background).
        fake.fail_next["message/send"] = [-1]
        assert await h.post("/wecom/app", app_text(member, "你好", "appmsg1")) == [200]
        await h.plugin.drain(10)
        # An answer that did go out is marked delivered and never re-sent.
        other = "wmFine0002"
        fake.add_customer_text(other, "你好")
        assert await h.post("/wecom/kf", kf_event("tok-b")) == [200]
        await h.plugin.drain(10)
        assert len(kf_texts(fake, other)) == 1

    async with running(url, fake, nlu=shared_nlu) as h:  # the restart
        plugins = [h.plugin]
        assert await sweep_lost_answers(h.ctx, plugins) == 0  # too fresh: maybe still sending
        real = h.ctx.clock
        h.ctx.clock = lambda: real() + timedelta(minutes=3)
        # Two sweepers at once (two processes): each lost answer goes out once.
        sent = await asyncio.gather(
            sweep_lost_answers(h.ctx, plugins), sweep_lost_answers(h.ctx, plugins)
        )
        assert sum(sent) == 2
        [again] = kf_texts(fake, user)
        assert "个人信息说明" in again
        app_answers = [p for p in fake.to("message/send") if p.get("touser") == member]
        assert len(app_answers) == 1 and "个人信息说明" in app_answers[0]["text"]["content"]
        assert await sweep_lost_answers(h.ctx, plugins) == 0  # at most once more
        assert len(kf_texts(fake, other)) == 1
        # Too old to be worth sending: left alone.
        fake.add_customer_text(user, "同意")
        fake.fail_next["kf/send_msg"] = [-1]
        h.ctx.clock = real
        assert await h.post("/wecom/kf", kf_event("tok-c")) == [200]
        await h.plugin.drain(10)
        h.ctx.clock = lambda: real() + timedelta(hours=2)
        assert await sweep_lost_answers(h.ctx, plugins) == 0
