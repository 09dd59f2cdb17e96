"""Issue 15 phase 2 on WeChat Work (real HTTP against the fake API with ``media/get``): a
resident's photo and voice message on 微信客服 end up with the case, byte-identical, and a
photo of a receipt is read (OCR, when the extra is installed) into a question to confirm; a
member's image through the self-built app joins the report likewise; a photo after the case is
opened joins it as 补充材料 and the agency is told."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from wecom_fake import OPEN_KFID, kf_event
from wecom_harness import Harness, running, wecom_county

from backend.attachments import list_attachments
from bot.media.ocr import available
from tests.backend.attachment_samples import amr, image
from tests.bot.test_media_wecom import FakeWeComWithMedia

PHONE = "13935612340"
_tokens = itertools.count(1)


@pytest.fixture(scope="module")
def shared_nlu() -> Any:
    from backend.settings import Settings
    from bot.bootstrap import LazyNlu, dialog_context

    loaded = LazyNlu(dialog_context(wecom_county()).gazetteer(), Settings())
    loaded.load()
    return loaded


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeComWithMedia]:
    from wecom_fake import running_fake

    county = wecom_county()
    keys = {f"key-{a.id}" for a in county.agencies}
    async with running_fake(FakeWeComWithMedia(robot_keys=keys)) as f:
        yield f  # type: ignore[misc]


def shown(payload: dict[str, Any]) -> str:
    if payload["msgtype"] == "msgmenu":
        menu = payload["msgmenu"]
        labels = [i["click"]["content"] for i in menu["list"]]
        return "\n".join([menu["head_content"], *labels])
    return str(payload["text"]["content"])


async def kf_turn(h: Harness, user: str, item: dict[str, Any] | None = None, **text: Any) -> str:
    """One customer message (text, or a media item) through 微信客服; the answer sent back."""
    fake: FakeWeComWithMedia = h.fake  # type: ignore[assignment]
    before = len([p for p in fake.to("kf/send_msg") if p["touser"] == user])
    if item is None:
        fake.add_customer_text(user, **text)
    else:
        fake.kf_queue.setdefault(OPEN_KFID, []).append(item)
        fake.quota[user] = 5
    assert await h.post("/wecom/kf", kf_event(f"tok{next(_tokens)}")) == [200]
    await h.plugin.drain(10)
    sent = [p for p in fake.to("kf/send_msg") if p["touser"] == user]
    assert len(sent) == before + 1, [shown(p) for p in sent[before:]]
    return shown(sent[-1])


async def test_kf_photo_and_voice_reach_the_case(
    fake: FakeWeComWithMedia, database: Any, shared_nlu: Any, tmp_path: Path
) -> None:
    url = database.url.render_as_string(hide_password=False)
    user = "wmResident0001"
    ocr = None
    if available():
        from benchmarks.ocr_samples import fonts, sample

        ocr = sample(3) if fonts() else None
    receipt = ocr.image if ocr is not None else image("JPEG", (640, 480), seed=2)
    recording = amr()
    async with running(url, fake, nlu=shared_nlu, attachments_dir=tmp_path / "att") as h:
        assert "个人信息说明" in await kf_turn(h, user, content="你好")
        assert "遇到了什么问题" in await kf_turn(h, user, content="同意")
        assert "名字和联系电话" in await kf_turn(
            h, user, content="我的医保今年扣了两次钱，想退一次"
        )
        media_id = fake.add_media(receipt, "image/jpeg", "receipt.jpg")
        answer = await kf_turn(h, user, fake.kf_media_message(user, "image", media_id))
        assert "收到照片了" in answer and "目前只能处理文字" not in answer
        if ocr is not None:
            # The photo's ID number is offered for a yes, never taken silently.
            assert f"照片上的身份证号是 {ocr.truth.id_number}" in answer, answer
            assert "记下了" in await kf_turn(h, user, content="对", menu_id="photo_yes")
            while (await kf_turn(h, user, content="不对")).endswith("\n对\n不对"):
                pass  # the other values read from the photo: not taken
        media_id = fake.add_media(recording, "audio/amr", "voice.amr")
        answer = await kf_turn(h, user, fake.kf_media_message(user, "voice", media_id))
        assert "收到语音了" in answer, answer
        assert "打电话和您核实" in await kf_turn(
            h, user, content="请工作人员打电话给我", menu_id="call_back"
        )
        assert "请核对" in await kf_turn(h, user, content=PHONE)
        done = await kf_turn(h, user, content="确认")
        assert "案件编号：" in done, done
        number = done.split("案件编号：")[1].split()[0]
        kept = await list_attachments(h.ctx.db, number)
        store = h.ctx.attachments.store  # type: ignore[union-attr]
        assert {a.kind: await store.get(a.sha256) for a in kept} == {
            "image": receipt,
            "voice": recording,
        }
        if ocr is not None:
            detail = await h.ctx.cases.detail(number)
            assert detail.complainant.id_number == ocr.truth.id_number

        later = image("PNG", (300, 200), seed=7)
        media_id = fake.add_media(later, "image/png", "more.png")
        answer = await kf_turn(h, user, fake.kf_media_message(user, "image", media_id))
        assert f"已补充到案件 {number}" in answer
        assert len(await list_attachments(h.ctx.db, number)) == 3
        await h.settle()
        pushed = fake.all_payload_text()
        assert "补充材料" in pushed and number in pushed


async def test_app_member_image_joins_the_report(
    fake: FakeWeComWithMedia, sqlite_database: Any, shared_nlu: Any, tmp_path: Path
) -> None:
    import time

    from wecom_fake import AGENT_ID, CORP_ID

    url = sqlite_database.url.render_as_string(hide_password=False)
    member = "LiGuihua"  # a member who is neither staff nor grid worker: a resident
    async with running(url, fake, nlu=shared_nlu, attachments_dir=tmp_path / "att") as h:
        ids = itertools.count(1)

        async def app_send(inner: dict[str, Any]) -> str:
            before = len(fake.to("message/send"))
            assert await h.post("/wecom/app", inner) == [200]
            await h.plugin.drain(10)
            sent = fake.to("message/send")[before:]
            assert len(sent) == 1
            return str(sent[0]["text"]["content"])

        def text(content: str) -> dict[str, Any]:
            return {
                "ToUserName": CORP_ID,
                "FromUserName": member,
                "CreateTime": int(time.time()),
                "MsgType": "text",
                "Content": content,
                "MsgId": f"app{next(ids)}",
                "AgentID": int(AGENT_ID),
            }

        assert "个人信息说明" in await app_send(text("你好"))
        await app_send(text("同意"))
        await app_send(text("我的医保今年扣了两次钱，想退一次"))
        picture = image("JPEG", (400, 300), seed=11)
        media_id = fake.add_media(picture, "image/jpeg", "p.jpg", kind="app")
        answer = await app_send(
            {
                **text(""),
                "MsgType": "image",
                "PicUrl": "http://example.invalid/p.jpg",
                "MediaId": media_id,
            }
        )
        assert "收到照片了" in answer
        empty_id = fake.add_media(b"", "image/jpeg", "empty.jpg", kind="app")
        refused = await app_send({**text(""), "MsgType": "image", "MediaId": empty_id})
        assert "空的" in refused and "名字和联系电话" in refused  # nothing lost
        state = await h.ctx.conversations.load("wecom_app", member)
        assert state is not None and state["draft"]["description"]
        desk = h.ctx.attachments
        assert desk is not None
        key = f"wecom_app:{member}:{state['draft']['started_at']}"
        kept = await desk.of_draft(key)
        assert [await desk.store.get(a.sha256) for a in kept] == [picture]
