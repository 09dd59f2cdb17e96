"""The WeChat Work plugin on the real server: callbacks, 微信客服 sync, app, senders.

These tests use a stand-in dialogue (``EchoHandler``) to pin down the channel's plumbing;
``test_wecom_flows.py`` runs the real dialogue end to end.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from wecom_fake import (
    CB_TOKEN,
    OPEN_KFID,
    FakeWeCom,
    app_text,
    crypter,
    kf_event,
    running_fake,
    signed_callback,
)
from wecom_harness import EchoHandler, running, wecom_county

from backend.drafts import CaseDraft, ComplainantDraft
from dialogs.messages import Inbound, Reply

ID_NUMBER = "140522199003151234"
PHONE = "13812341427"


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    county = wecom_county()
    keys = {f"key-{a.id}" for a in county.agencies}
    async with running_fake(FakeWeCom(robot_keys=keys)) as f:
        yield f


async def test_url_verification_and_forged_signatures(sqlite_db_url: str, fake: FakeWeCom) -> None:
    async with running(sqlite_db_url, fake, echo=True) as h:
        c = crypter()
        echostr = c.encrypt("5927782489442352469")
        for route in ("/wecom/app", "/wecom/kf"):
            query = {
                "msg_signature": c.signature("1700000000", "n1", echostr),
                "timestamp": "1700000000",
                "nonce": "n1",
                "echostr": echostr,
            }
            async with h.http.get(h.url(route), params=query) as resp:
                assert resp.status == 200 and await resp.text() == "5927782489442352469"
            async with h.http.get(h.url(route), params={**query, "nonce": "n2"}) as resp:
                assert resp.status == 403

        # A forged POST: the right body, a signature made with another token.
        query, body = signed_callback(app_text("tax01", "/cases", "m-forged"))
        query["msg_signature"] = "f" * 40
        for route in ("/wecom/app", "/wecom/kf"):
            async with h.http.post(h.url(route), params=query, data=body) as resp:
                assert resp.status == 403
        # Garbage and a missing signature are refused too.
        async with h.http.post(h.url("/wecom/app"), params=query, data=b"<xml>") as resp:
            assert resp.status in (400, 403)
        async with h.http.post(h.url("/wecom/app"), data=body) as resp:
            assert resp.status == 400
        await h.settle()
        assert h.fake.sent == [] and h.fake.sync_requests == []
        assert isinstance(h.plugin._handler, EchoHandler) and h.plugin._handler.seen == []


class BlockedHandler:
    """A dialogue that takes as long as the test wants."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def handle(self, inbound: Inbound) -> list[Reply]:
        self.started.set()
        await self.release.wait()
        return [Reply(f"终于处理完：{inbound.text}")]


async def test_acknowledged_only_once_the_turn_is_done(sqlite_db_url: str, fake: FakeWeCom) -> None:
    """Finding 4 (issue 14): "success" means the message is handled, not merely received; the
    answer to the member then goes out in the background."""
    handler = BlockedHandler()
    async with running(sqlite_db_url, fake, handler=handler) as h:
        post = asyncio.create_task(h.post("/wecom/app", app_text("member8", "慢慢来", "m-slow")))
        await asyncio.wait_for(handler.started.wait(), 5)
        await asyncio.sleep(0.2)
        assert not post.done()  # the turn is not done: WeChat Work has no "success" yet
        handler.release.set()
        assert await asyncio.wait_for(post, 5) == [200]
        await h.settle()
        assert fake.to("message/send")[0]["text"]["content"] == "终于处理完：慢慢来"


class DatabaseDown:
    """A dialogue whose database is unreachable for the first ``failures`` messages."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.seen: list[str] = []

    async def handle(self, inbound: Inbound) -> list[Reply]:
        import sqlalchemy.exc

        self.seen.append(inbound.text)
        if self.failures > 0:
            self.failures -= 1
            raise sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError())
        return [Reply(f"收到：{inbound.text}")]


async def test_database_down_answers_503_so_wechat_resends(
    sqlite_db_url: str, fake: FakeWeCom
) -> None:
    """Finding 4 (issue 14): with the database unreachable the app callback is NOT answered
    "success" (WeChat Work re-sends it); the re-sent callback is handled once it is back."""
    handler = DatabaseDown(failures=1)
    async with running(sqlite_db_url, fake, handler=handler) as h:
        query, body = signed_callback(app_text("member9", "单位欠费", "m-down"))
        async with h.http.post(h.url("/wecom/app"), params=query, data=body) as resp:
            assert resp.status == 503
        await h.settle()
        assert fake.to("message/send") == []
        async with h.http.post(h.url("/wecom/app"), params=query, data=body) as resp:
            assert resp.status == 200 and await resp.text() == "success"
        await h.settle()
        assert handler.seen == ["单位欠费", "单位欠费"]
        assert fake.to("message/send")[0]["text"]["content"] == "收到：单位欠费"


async def test_body_is_not_read_for_a_malformed_query_and_is_bounded(
    sqlite_db_url: str, fake: FakeWeCom
) -> None:
    """Finding 10 (issue 14): a callback without a well-formed signature query is refused
    before its body is read (the request below never sends the body it announces), and a
    body bigger than a callback can be is refused."""
    async with running(sqlite_db_url, fake, echo=True) as h:
        host, port = h.server.host, h.server.port
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            b"POST /wecom/app?msg_signature=nothex&timestamp=1&nonce=n HTTP/1.1\r\n"
            b"Host: x\r\nContent-Length: 100000\r\n\r\n"
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 2)
        assert b" 403 " in status
        writer.close()
        query, _ = signed_callback(app_text("member7", "x", "m-big"))
        async with h.http.post(h.url("/wecom/app"), params=query, data=b"x" * 100_000) as resp:
            assert resp.status == 413
        # Unicode digits as a menu choice never crash the staff path.
        for i, text in enumerate(("²", "①", "9" * 5000)):
            assert await h.post("/wecom/app", app_text("tax01", text, f"m-digits-{i}")) == [200]
        await h.settle()
        assert len(fake.to("message/send")) == 3


async def test_plugin_only_when_configured(sqlite_db_url: str, fake: FakeWeCom) -> None:
    from bot.plugins import build_plugins
    from bot.wecom import create_plugin

    async with running(sqlite_db_url, fake, echo=True) as h:
        assert create_plugin(h.ctx) is not None
        assert any(p.name == "wecom" for p in build_plugins(h.ctx))
        bare = h.ctx.settings.model_copy(update={"wecom_aes_key": None})
        h.ctx.settings = bare
        assert create_plugin(h.ctx) is None


async def test_callback_sent_three_times_is_processed_once(
    sqlite_db_url: str, fake: FakeWeCom
) -> None:
    async with running(sqlite_db_url, fake, echo=True) as h:
        started = time.monotonic()
        assert (
            await h.post("/wecom/app", app_text("member7", "单位没交社保", "m-1"), 3) == [200] * 3
        )
        assert time.monotonic() - started < 1.0 * 3  # answered at once (work is in background)
        fake.add_customer_text("ext-1", "你好")
        assert await h.post("/wecom/kf", kf_event("tok-1"), 3) == [200] * 3
        await h.settle()
        handler = h.plugin._handler
        assert isinstance(handler, EchoHandler)
        assert [(i.channel, i.user_ref, i.text) for i in handler.seen] == [
            ("wecom_app", "member7", "单位没交社保"),
            ("wecom_kf", "ext-1", "你好"),
        ]
        assert len(fake.sync_requests) == 1 and fake.sync_requests[0]["token"] == "tok-1"
        (app_reply,) = fake.to("message/send")
        assert app_reply["touser"] == "member7"
        assert app_reply["text"]["content"] == "收到：单位没交社保\n\n还有别的情况吗？"
        # Two reply parts went out as ONE kf message (the 5-per-48h quota).
        (kf_reply,) = fake.to("kf/send_msg")
        assert kf_reply["touser"] == "ext-1" and kf_reply["open_kfid"] == OPEN_KFID
        assert kf_reply["text"]["content"] == "收到：你好\n\n还有别的情况吗？"


async def test_kf_welcome_menu_and_menu_click(sqlite_db_url: str, fake: FakeWeCom) -> None:
    async with running(sqlite_db_url, fake, echo=True) as h:
        fake.add_enter_session("ext-2", "WELCOME-CODE-1")
        fake.add_customer_text("ext-2", "菜单")
        await h.post("/wecom/kf", kf_event("tok-a"))
        await h.settle()
        (welcome,) = fake.to("kf/send_msg_on_event")
        assert welcome["code"] == "WELCOME-CODE-1" and "云川县" in welcome["text"]["content"]
        (menu,) = fake.to("kf/send_msg")
        assert menu["msgtype"] == "msgmenu"
        assert menu["msgmenu"]["head_content"] == "请选择："
        assert menu["msgmenu"]["list"] == [
            {"type": "click", "click": {"id": "opt_a", "content": "选项A"}},
            {"type": "click", "click": {"id": "opt_b", "content": "选项B"}},
        ]
        # The click comes back as a text carrying the menu id.
        fake.add_customer_text("ext-2", "选项B", menu_id="opt_b")
        # An agent's own message (origin 5) and a system event are not the customer's.
        fake.kf_queue[OPEN_KFID].append(
            {"msgid": "srv1", "origin": 5, "msgtype": "text", "text": {"content": "人工"}}
        )
        await h.post("/wecom/kf", kf_event("tok-b"))
        await h.settle()
        handler = h.plugin._handler
        assert isinstance(handler, EchoHandler)
        assert [(i.text, i.choice_id) for i in handler.seen] == [("菜单", None), ("选项B", "opt_b")]
        assert fake.sync_requests[-1]["cursor"] == "2"  # continued from the stored cursor


async def test_staff_notified_by_textcard_and_robot_with_masked_pii(
    sqlite_db_url: str, fake: FakeWeCom
) -> None:
    async with running(sqlite_db_url, fake, echo=True) as h:
        opened = await h.ctx.cases.open_case(
            CaseDraft(
                channel="wecom_kf",
                channel_user="ext-9",
                description=f"单位一直没给我交养老保险，我电话{PHONE}，身份证{ID_NUMBER}",
                category="contribution_amount",
                complainant=ComplainantDraft(name="张三", phone=PHONE, id_number=ID_NUMBER),
            )
        )
        await h.settle()
        cards = fake.to("message/send")
        robots = fake.to("webhook/send")
        assert cards and robots
        card = cards[0]
        assert card["msgtype"] == "textcard"
        assert opened.number in card["textcard"]["description"]
        assert card["textcard"]["url"].endswith(f"/{opened.number}")
        assert "办理时限" in card["textcard"]["description"]
        assert len(card["textcard"]["description"].encode()) <= 512
        robot = robots[0]
        assert robot["msgtype"] == "markdown" and opened.number in robot["markdown"]["content"]
        # The lead agency's members get the card; its group robot the markdown.
        members = [s.wecom_userid for s in h.ctx.county.staff_of(opened.lead.id)]
        assert set(card["touser"].split("|")) == set(members)
        robot_keys = [s.query["key"] for s in fake.sent if s.path == "webhook/send"]
        assert f"key-{opened.lead.id}" in robot_keys
        everything = fake.all_payload_text()
        assert ID_NUMBER not in everything and PHONE not in everything
        assert "138****1427" in everything and "1405**********1234" in everything


async def test_staff_reply_reaches_the_resident_through_kf(
    sqlite_db_url: str, fake: FakeWeCom
) -> None:
    async with running(sqlite_db_url, fake, echo=True) as h:
        fake.add_customer_text("ext-5", "你好")
        await h.post("/wecom/kf", kf_event("tok-1"))
        await h.settle()
        opened = await h.ctx.cases.open_case(
            CaseDraft(
                channel="wecom_kf",
                channel_user="ext-5",
                description="单位给我交的养老保险缴费金额不对，扣多了",
                category="contribution_amount",
                complainant=ComplainantDraft(name="张三", phone=PHONE),
            )
        )
        detail = await h.ctx.cases.detail(opened.number)
        staff = h.ctx.county.staff_of(detail.lead_agency)[0]
        userid = str(staff.wecom_userid)
        await h.settle()
        fake.sent.clear()
        fake.quota["ext-5"] = 5  # the resident wrote again
        await h.post("/wecom/app", app_text(userid, f"/accept {opened.number}", "s1"))
        await h.settle()
        answer = "经核实，单位已补缴2025年3月至6月的养老保险。"
        await h.post("/wecom/app", app_text(userid, f"/reply {opened.number} {answer}", "s2"))
        await h.settle()
        staff_msgs = [
            m["text"]["content"]
            for m in fake.to("message/send")
            if m["touser"] == userid and m["msgtype"] == "text"
        ]
        assert any("已受理" in t for t in staff_msgs) and any("已书面答复" in t for t in staff_msgs)
        to_resident = [m for m in fake.to("kf/send_msg") if m["touser"] == "ext-5"]
        assert any(answer in m["text"]["content"] for m in to_resident)
        assert all(m["open_kfid"] == OPEN_KFID for m in to_resident)


async def test_staff_pick_from_a_numbered_list(sqlite_db_url: str, fake: FakeWeCom) -> None:
    async with running(sqlite_db_url, fake, echo=True) as h:
        opened = await h.ctx.cases.open_case(
            CaseDraft(
                channel="wecom_kf",
                channel_user="ext-6",
                description="单位给我交的养老保险缴费金额不对",
                category="contribution_amount",
                complainant=ComplainantDraft(name="李四", phone=PHONE),
            )
        )
        detail = await h.ctx.cases.detail(opened.number)
        staff = h.ctx.county.staff_of(detail.lead_agency)[0]
        userid = str(staff.wecom_userid)
        await h.post("/wecom/app", app_text(userid, f"/detail {opened.number}", "d1"))
        await h.settle()
        shown = [m for m in fake.to("message/send") if m["msgtype"] == "text"][-1]
        lines = shown["text"]["content"].splitlines()
        pick = next(line for line in lines if line.endswith(". 受理")).split(".")[0]
        await h.post("/wecom/app", app_text(userid, pick, "d2"))
        await h.settle()
        after = await h.ctx.cases.detail(opened.number)
        assert after.status == "accepted"


async def test_restart_mid_kf_conversation_keeps_cursor_and_user(
    sqlite_db_url: str, fake: FakeWeCom
) -> None:
    async with running(sqlite_db_url, fake, echo=True) as h:
        fake.add_customer_text("ext-7", "第一句")
        fake.add_customer_text("ext-7", "第二句")
        await h.post("/wecom/kf", kf_event("tok-1"))
        await h.settle()
        first = [i.text for i in h.plugin._handler.seen]  # type: ignore[attr-defined]
    assert first == ["第一句", "第二句"]
    # While the server is down a message arrives; its callback is lost.
    fake.add_customer_text("ext-7", "第三句")
    async with running(sqlite_db_url, fake, echo=True) as h:
        await h.settle()  # the catch-up sync on start
        fake.add_customer_text("ext-7", "第四句")
        await h.post("/wecom/kf", kf_event("tok-2"))
        await h.settle()
        second = [i.text for i in h.plugin._handler.seen]  # type: ignore[attr-defined]
        # Nothing read twice, nothing skipped.
        assert second == ["第三句", "第四句"]
        assert [r.get("cursor") for r in fake.sync_requests] == [None, "2", "3"]
        from bot.wecom.cursors import CursorStore

        assert await CursorStore(h.ctx.db).get("kf_user:ext-7") == OPEN_KFID
        assert json.dumps(fake.sync_requests[-1]).count(CB_TOKEN) == 0
