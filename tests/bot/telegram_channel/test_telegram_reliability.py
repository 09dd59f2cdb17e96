"""Issue 14 on Telegram: at-least-once delivery with exactly-once effects (findings 3, 4),
hostile updates (findings 8, 9) — webhook and polling, against the fake Bot API."""

from __future__ import annotations

from typing import Any

import pytest
from tg_fake import FakeBotApi
from tg_harness import SECRET, agency_chat, running, staff_user_id

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

RESIDENT = 515000


async def test_webhook_answers_503_while_the_database_is_down_then_handles_the_resend(
    fake: FakeBotApi, sqlite_db_url: str, tg_nlu: Any, clock: Any
) -> None:
    """Finding 4: not 200 when nothing was handled (Telegram would drop the update); the
    re-sent update is handled once the database is back, and answered once."""
    async with running(sqlite_db_url, fake, nlu=tg_nlu, clock=clock, webhook=True) as h:
        update = fake.text(RESIDENT, "你好", queue=False)
        h.handler.db_down = 1
        assert await h.post_update(update) == 503
        assert fake.texts(RESIDENT) == []
        assert await h.post_update(update) == 200
        assert await h.post_update(update) == 200  # a stray third copy: nothing more
        texts = fake.texts(RESIDENT)
        assert len(texts) == 1 and "个人信息说明" in texts[0]


async def test_an_answer_lost_on_the_way_is_sent_again_not_recomputed(
    fake: FakeBotApi, sqlite_db_url: str, tg_nlu: Any, clock: Any
) -> None:
    """Finding 3: the turn was saved but Telegram could not take the answer: the webhook
    says 503, and the re-sent update gets the SAME answer (the turn is not run twice)."""
    async with running(sqlite_db_url, fake, nlu=tg_nlu, clock=clock, webhook=True) as h:
        assert await h.post_update(fake.text(RESIDENT, "你好", queue=False)) == 200
        agree = fake.text(RESIDENT, "同意", queue=False)
        fake.fail("sendMessage", 502, "Bad Gateway", times=3, chat_id=RESIDENT)
        assert await h.post_update(agree) == 503
        state = await h.ctx.conversations.load("telegram", str(RESIDENT))
        assert await h.post_update(agree) == 200
        assert await h.ctx.conversations.load("telegram", str(RESIDENT)) == state
        texts = fake.texts(RESIDENT)
        assert len(texts) == 2 and "遇到了什么问题" in texts[-1]
        assert await h.post_update(agree) == 200
        assert len(fake.texts(RESIDENT)) == 2


async def test_polling_never_confirms_an_update_it_could_not_handle(
    fake: FakeBotApi, sqlite_db_url: str, tg_nlu: Any, clock: Any
) -> None:
    """Finding 3: the polling offset stops at the update that failed; it is fetched again
    and handled when the database is back; nothing is lost and nothing doubled."""
    async with running(sqlite_db_url, fake, nlu=tg_nlu, clock=clock, poll_pause=0.05) as h:
        h.handler.db_down = 2
        failing = fake.text(RESIDENT, "你好")
        texts = await fake.wait_sent(RESIDENT, 1)
        assert len(texts) == 1 and "个人信息说明" in texts[0]
        offsets = [int(p["offset"]) for p in fake.of("getUpdates") if p.get("offset")]
        assert offsets.count(failing["update_id"]) >= 2  # asked for again, not skipped
        assert len([i for i in h.handler.seen if i.text == "你好"]) == 3
        fake.text(RESIDENT, "同意")
        assert "遇到了什么问题" in (await fake.wait_sent(RESIDENT, 2))[-1]
        assert len(fake.texts(RESIDENT)) == 2


async def test_hostile_updates_are_refused_or_survived(
    fake: FakeBotApi, sqlite_db_url: str, tg_nlu: Any, clock: Any, make_draft: Any
) -> None:
    """Findings 8 and 9: unreadable bodies are 400 (never 500); Unicode digits from staff
    and a NUL from a resident are handled without an error."""
    async with running(sqlite_db_url, fake, nlu=tg_nlu, clock=clock, webhook=True) as h:
        url = str(h.server.make_url("/telegram/webhook"))
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        bodies = [
            b"[" * 100_000 + b"]" * 100_000,
            b'{"update_id": ' + b"9" * 5000 + b"}",
            b'{"update_id": "x", "message": 5}',
            b"\xff\xfe not utf-8",
            b"[]",
        ]
        for body in bodies:
            async with h.http.post(url, data=body, headers=headers) as resp:
                assert resp.status == 400, body[:40]

        opened = await h.ctx.cases.open_case(make_draft(channel="telegram", channel_user="1"))
        staff = next(s for s in h.ctx.county.staff if s.agency == opened.lead.id)
        staff_id = staff_user_id(h.ctx.county, staff.id)
        for i, text in enumerate(("#²", "①", "9" * 5000, "/detail ²", "受理 ①")):
            update = fake.text(staff_id, text, queue=False)
            assert await h.post_update(update) == 200
            assert len(fake.texts(staff_id)) == i + 1
        assert not h.plugin.translator.failures
        assert agency_chat(h.ctx.county, opened.lead.id)

        update = fake.text(RESIDENT, "你好\x00\x07", queue=False)
        assert await h.post_update(update) == 200
        assert "个人信息说明" in fake.texts(RESIDENT)[-1]
