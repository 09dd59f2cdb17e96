"""The Telegram channel end to end: PTB's real HTTP stack against the local fake Bot API,
the real server, dialogue, NLU, case service and outbox on SQLite."""

from __future__ import annotations

from typing import Any

import pytest
from tg_fake import FakeBotApi
from tg_harness import SECRET, WEBHOOK_URL, Harness, agency_chat, running, staff_user_id

from bot.telegram.handlers import ALREADY_DONE, NOT_STAFF_BUTTON, OWN_CONTACT
from bot.telegram.render import GRID_PROMPT

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

RESIDENT = 424242
RAMBLING = (
    "你好，俺是凤鸣镇南关村的，叫王秀英，今年68了。去年在村里交的养老保险交了两回，"
    "钱扣了两次，想把多交的退给俺。电话13812341427，身份证11010519491231002X"
)


async def say(h: Harness, user: int, text: str, *, webhook: bool = False) -> str:
    """The user writes; the bot's answer (the one new message in their chat)."""
    before = len(h.fake.texts(user))
    update = h.fake.text(user, text, queue=not webhook)
    if webhook:
        assert await h.post_update(update) == 200
    texts = await h.fake.wait_sent(user, before + 1)
    assert len(texts) == before + 1, texts
    return texts[-1]


async def press(h: Harness, user: int, data: str, *, webhook: bool = False) -> str:
    """The user presses ``data`` on the bot's last message to them; the bot's answer."""
    message = h.fake.sent_message(-1, user)
    buttons = [
        b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert data in buttons, buttons
    before = len(h.fake.texts(user))
    answered = len(h.fake.of("answerCallbackQuery"))
    update = h.fake.press(user, message, data, queue=not webhook)
    if webhook:
        assert await h.post_update(update) == 200
    texts = await h.fake.wait_sent(user, before + 1)
    assert len(h.fake.of("answerCallbackQuery")) == answered + 1
    return texts[-1]


async def intake(h: Harness, *, webhook: bool) -> str:
    first = await say(h, RESIDENT, "/start", webhook=webhook)
    assert "个人信息说明" in first
    question = h.fake.sent_message(-1, RESIDENT)
    assert "遇到了什么问题" in await press(h, RESIDENT, "yes", webhook=webhook)
    # the same button pressed again: answered, nothing else happens
    again = h.fake.press(RESIDENT, question, "yes", queue=not webhook)
    if webhook:
        assert await h.post_update(again) == 200
    await h.fake.wait_for(lambda: h.fake.of("answerCallbackQuery")[-1].get("text") == ALREADY_DONE)
    summary = await say(h, RESIDENT, RAMBLING, webhook=webhook)
    for _ in range(5):  # optional questions the county's form may add: skipped
        if "请核对" in summary:
            break
        summary = await say(h, RESIDENT, "跳过", webhook=webhook)
    assert "请核对" in summary and "王秀英" in summary
    done = await press(h, RESIDENT, "confirm", webhook=webhook)
    assert "已登记" in done and "案件编号：YC-" in done
    # the answered questions lost their buttons and show the choice
    edits = h.fake.of("editMessageText", RESIDENT)
    assert len(edits) == 2 and "已选择：确认" in edits[-1]["text"]
    assert all("reply_markup" not in e for e in edits)
    return done.split("案件编号：")[1].split()[0]


async def test_resident_intake_by_polling(
    fake: FakeBotApi, sqlite_db_url: str, tg_nlu: Any, clock: Any
) -> None:
    async with running(sqlite_db_url, fake, nlu=tg_nlu, clock=clock) as h:
        assert fake.of("deleteWebhook"), "polling starts by removing any webhook"
        number = await intake(h, webhook=False)
        cases = await h.ctx.cases.cases_of_user("telegram", str(RESIDENT))
        assert [c.number for c in cases] == [number]
        polls = fake.of("getUpdates")
        assert polls and all(p.get("timeout") == "1" for p in polls[1:] if "timeout" in p)
    assert not fake.of("setWebhook")


async def test_resident_intake_by_webhook_wrong_secret_refused(
    fake: FakeBotApi, sqlite_db_url: str, tg_nlu: Any, clock: Any
) -> None:
    async with running(sqlite_db_url, fake, nlu=tg_nlu, clock=clock, webhook=True) as h:
        assert fake.webhook is not None
        assert fake.webhook["url"] == WEBHOOK_URL and fake.webhook["secret_token"] == SECRET
        assert not fake.of("getUpdates")

        forged = fake.text(RESIDENT, "你好", queue=False)
        assert await h.post_update(forged, secret="wrong") == 403
        assert await h.post_update(forged, secret=None) == 403
        url = str(h.server.make_url("/telegram/webhook"))
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with h.http.post(url, data=b"not json", headers=headers) as resp:
            assert resp.status == 400
        assert not h.handler.seen and not fake.of("sendMessage")

        number = await intake(h, webhook=True)
        detail = await h.ctx.cases.detail(number)
        assert (detail.channel, detail.channel_user) == ("telegram", str(RESIDENT))

        # Telegram re-sends an update it did not see confirmed: handled once
        again = fake.text(RESIDENT, "我的案件", queue=False)
        before = len(fake.texts(RESIDENT))
        assert await h.post_update(again) == 200
        assert await h.post_update(again) == 200
        assert len(fake.texts(RESIDENT)) == before + 1
        assert number in fake.texts(RESIDENT)[-1]


async def test_grid_worker_proves_identity_by_sharing_contact(
    fake: FakeBotApi, sqlite_db_url: str, tg_nlu: Any, clock: Any
) -> None:
    worker = 515151
    async with running(sqlite_db_url, fake, nlu=tg_nlu, clock=clock) as h:
        prompt = await say(h, worker, "/grid")
        assert prompt == GRID_PROMPT
        keyboard = fake.of("sendMessage", worker)[-1]["reply_markup"]["keyboard"]
        assert keyboard[0][0]["request_contact"] is True

        # somebody else's contact card proves nothing and does not reach the dialogue
        fake.contact(worker, "8615835601121", contact_user_id=99)
        assert (await fake.wait_sent(worker, 2))[-1] == OWN_CONTACT
        assert not h.handler.seen

        fake.contact(worker, "+86 158 3560 1121")
        texts = await fake.wait_sent(worker, 3)
        assert "个人信息说明" in texts[-1]
        assert h.handler.seen[-1].contact_phone == "+86 158 3560 1121"
        # recognised from the county config: asked about the household, not about herself
        # (after a consent button, where the county's form asks for it)
        after = texts[-1]
        if fake.sent_message(-1, worker).get("reply_markup"):
            after = await press(h, worker, "yes")
        assert "被代办人" in after and "您的姓名" not in after


async def test_staff_buttons_and_reply_reach_the_complainant(
    fake: FakeBotApi, sqlite_db_url: str, tg_nlu: Any, clock: Any, make_draft: Any
) -> None:
    async with running(sqlite_db_url, fake, nlu=tg_nlu, clock=clock, webhook=True) as h:
        opened = await h.ctx.cases.open_case(
            make_draft(channel="telegram", channel_user=str(RESIDENT))
        )
        number = opened.number
        result = await h.deliver_outbox()
        assert result.sent >= 1 and result.dead == 0
        lead = opened.lead.id
        group = agency_chat(h.ctx.county, lead)
        note = fake.sent_message(0, group)
        assert number in note["text"] and "138****1427" in note["text"]
        assert "13812341427" not in note["text"]
        buttons = {
            b["text"]: b["callback_data"]
            for row in note["reply_markup"]["inline_keyboard"]
            for b in row
        }
        assert buttons["受理"] == f"accept:{number}" and buttons["详情"] == f"detail:{number}"

        # a group member who is not staff: refused, nothing changes
        intruder = fake.press(31337, note, f"accept:{number}", queue=False)
        assert await h.post_update(intruder) == 200
        refusal = fake.of("answerCallbackQuery")[-1]
        assert refusal["text"] == NOT_STAFF_BUTTON and refusal["show_alert"] == "true"
        assert (await h.ctx.cases.detail(number)).status == "registered"

        staff = next(s for s in h.ctx.county.staff if s.agency == lead)
        staff_id = staff_user_id(h.ctx.county, staff.id)
        before = len(fake.texts(group))
        assert (
            await h.post_update(fake.press(staff_id, note, f"accept:{number}", queue=False)) == 200
        )
        assert (await h.ctx.cases.detail(number)).status == "accepted"
        assert "已受理" in fake.texts(group)[before]
        # pressed again (or by a colleague): acts once
        assert (
            await h.post_update(fake.press(staff_id, note, f"accept:{number}", queue=False)) == 200
        )
        assert fake.of("answerCallbackQuery")[-1]["text"] == ALREADY_DONE
        assert len(fake.texts(group)) == before + 1

        # the staff member answers the notification with a Telegram reply
        answer = "经核实，您单位2025年养老保险缴费基数申报有误，已通知单位更正，多缴部分将退还。"
        reply = fake.text(staff_id, answer, chat_id=group, reply_to=note, queue=False)
        assert await h.post_update(reply) == 200
        assert "已书面答复" in fake.texts(group)[-1]
        # Telegram re-sends the update: the reply is not recorded (nor relayed) twice
        before = len(fake.texts(group))
        assert await h.post_update(reply) == 200
        assert len(fake.texts(group)) == before
        detail = await h.ctx.cases.detail(number)
        assert detail.status == "replied" and detail.latest_reply == answer

        result = await h.deliver_outbox()
        assert result.dead == 0
        relayed = [t for t in fake.texts(RESIDENT) if answer in t]
        assert len(relayed) == 1, fake.texts(RESIDENT)


async def test_reply_command_and_rate_limits(
    fake: FakeBotApi, sqlite_db_url: str, tg_nlu: Any, clock: Any, make_draft: Any
) -> None:
    async with running(sqlite_db_url, fake, nlu=tg_nlu, clock=clock) as h:
        opened = await h.ctx.cases.open_case(
            make_draft(channel="telegram", channel_user=str(RESIDENT))
        )
        number = opened.number
        group = agency_chat(h.ctx.county, opened.lead.id)

        # a 429 on the staff notification: retried after retry_after, then delivered once
        fake.fail(
            "sendMessage", 429, "Too Many Requests: retry after 9", retry_after=9, chat_id=group
        )
        first = await h.deliver_outbox()
        assert first.retrying == 1 and not fake.texts(group)
        clock.advance(5)
        assert (await h.deliver_outbox()).claimed == 0  # the server asked for 9 s, not 5
        clock.advance(5)
        assert (await h.deliver_outbox()).sent == 1
        assert len(fake.texts(group)) == 1
        assert len([p for p in fake.of("sendMessage", group) if "_result" not in p]) == 1

        # /reply from a non-staff user: refused; from the lead agency's staff: recorded
        text = "/reply " + number + " 已联系单位补缴，请留意到账。"
        stranger = await say(h, RESIDENT, text)
        assert "不是本县登记的工作人员" in stranger
        assert (await h.ctx.cases.detail(number)).latest_reply is None
        staff = next(s for s in h.ctx.county.staff if s.agency == opened.lead.id)
        staff_id = staff_user_id(h.ctx.county, staff.id)
        assert "已受理" in await say(h, staff_id, f"/accept {number}")
        fake.fail(
            "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=staff_id
        )
        confirmation = await say(h, staff_id, text)
        assert "已书面答复" in confirmation and h.sleeps == [1.0]
        assert (await h.ctx.cases.detail(number)).latest_reply == "已联系单位补缴，请留意到账。"
        await h.deliver_outbox()
        assert any("请留意到账" in t for t in fake.texts(RESIDENT))

        # one update that breaks the handler does not stop the bot
        assert not fake.texts(RESIDENT + 1)
        fake.text(RESIDENT + 1, "boom")
        assert "您好" in await say(h, RESIDENT + 1, "你好")
        assert [i.text for i in h.handler.seen[-2:]] == ["boom", "你好"]
