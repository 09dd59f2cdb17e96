"""Telegram: an answer saved with its turn but never sent (the process died before
sendMessage, and Telegram did not deliver the update again) is re-sent once by the sweeper."""

from __future__ import annotations

from typing import Any

import pytest
from tg_fake import FakeBotApi
from tg_harness import running

from bot.server import sweep_lost_answers

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

RESIDENT = 929000


async def test_a_lost_answer_is_re_sent_once(
    fake: FakeBotApi, database: Any, tg_nlu: Any, clock: Any
) -> None:
    url = database.url.render_as_string(hide_password=False)
    async with running(url, fake, nlu=tg_nlu, clock=clock, webhook=True) as h:
        fake.fail("sendMessage", 502, "Bad Gateway", times=3, chat_id=RESIDENT)
        assert await h.post_update(fake.text(RESIDENT, "你好", queue=False)) == 503
        assert fake.texts(RESIDENT) == []
        plugins = [h.plugin]
        assert await sweep_lost_answers(h.ctx, plugins) == 0  # too fresh
        clock.advance(180)
        assert await sweep_lost_answers(h.ctx, plugins) == 1
        [answer] = fake.texts(RESIDENT)
        assert "个人信息说明" in answer
        assert await sweep_lost_answers(h.ctx, plugins) == 0
