"""Issue 15 phase 2 on Telegram (webhook, real HTTP, the fake Bot API with getFile and the file
download): a resident's photo and voice message end up with the case, byte-identical; a photo
after the case is opened joins it as 补充材料 and the agency is told; a refused file (too big,
empty) gets its sentence and loses nothing already given; another agency cannot fetch it."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tg_harness import Harness, agency_chat, running

from backend.attachments import fetch_attachment, list_attachments
from backend.workflow import Forbidden
from tests.backend.attachment_samples import exe, image, ogg_opus
from tests.bot.test_media_telegram import FakeBotApiWithFiles

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

RESIDENT = 737000
PHONE = "13935612340"
_updates = itertools.count(9000)


@pytest.fixture
async def files(clock: Any) -> AsyncIterator[FakeBotApiWithFiles]:
    api = FakeBotApiWithFiles(now=lambda: clock().timestamp())
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


def media_update(fake: FakeBotApiWithFiles, **media: Any) -> dict[str, Any]:
    message = fake.message(**media)
    message["chat"]["id"] = message["from"]["id"] = RESIDENT
    message["date"] = int(fake.now())
    return {"update_id": next(_updates), "message": message}


def photo(fake: FakeBotApiWithFiles, data: bytes) -> dict[str, Any]:
    fid = fake.add_file(data, "jpg")
    size = {"file_id": fid, "file_unique_id": fid[-6:], "width": 640, "height": 480}
    return media_update(fake, photo=[{**size, "file_size": len(data)}])


def voice(fake: FakeBotApiWithFiles, data: bytes) -> dict[str, Any]:
    fid = fake.add_file(data, "oga")
    v = {"file_id": fid, "file_unique_id": fid[-6:], "duration": 3, "mime_type": "audio/ogg"}
    return media_update(fake, voice={**v, "file_size": len(data)})


async def say(h: Harness, text: str) -> str:
    assert await h.post_update(h.fake.text(RESIDENT, text, queue=False)) == 200
    return h.fake.texts(RESIDENT)[-1]


async def send(h: Harness, update: dict[str, Any]) -> str:
    before = len(h.fake.texts(RESIDENT))
    assert await h.post_update(update) == 200
    texts = h.fake.texts(RESIDENT)
    assert len(texts) == before + 1, texts[before:]
    return texts[-1]


async def test_photo_and_voice_follow_the_report_into_the_case(
    files: FakeBotApiWithFiles,
    database: Any,
    tg_nlu: Any,
    clock: Any,
    tmp_path: Path,
) -> None:
    url = database.url.render_as_string(hide_password=False)
    receipt, recording = image("JPEG", (640, 480), seed=3), ogg_opus()
    async with running(
        url, files, nlu=tg_nlu, clock=clock, webhook=True, attachments_dir=tmp_path / "att"
    ) as h:
        assert "个人信息说明" in await say(h, "你好")
        assert "遇到了什么问题" in await say(h, "同意")
        # A photo before the story: kept, and it follows the report that starts next.
        answer = await send(h, photo(files, receipt))
        assert "收到照片了" in answer and "目前只能处理文字" not in answer
        assert "遇到了什么问题" in answer
        assert "名字和联系电话" in await say(h, "我的医保今年扣了两次钱，想退一次")
        # Refused files get their sentence; the report goes on where it was.
        empty = await send(h, voice(files, b""))
        assert "空的" in empty and "名字和联系电话" in empty
        fid = files.add_file(exe(), "pdf")
        doc = {"file_id": fid, "file_unique_id": "x1", "file_name": "收据.pdf"}
        wrong = await send(h, media_update(files, document={**doc, "mime_type": "application/pdf"}))
        assert "格式暂不支持" in wrong and "名字和联系电话" in wrong
        big = {"file_id": files.add_file(b"x", "oga"), "file_unique_id": "b1", "duration": 9}
        huge = await send(h, media_update(files, voice={**big, "file_size": 50 * 1024 * 1024}))
        assert "太大了" in huge
        # Nothing given so far is lost (the report, with its story, is still open).
        state = await h.ctx.conversations.load("telegram", str(RESIDENT))
        assert state is not None and "扣了两次" in state["draft"]["description"]
        answer = await send(h, voice(files, recording))
        assert "收到语音了" in answer
        asked = files.delivered(RESIDENT)[-1]
        press = files.press(RESIDENT, dict(asked["_result"]), "call_back")
        assert "打电话和您核实" in await send(h, press)
        assert "请核对" in await say(h, PHONE)
        done = await say(h, "确认")
        assert "案件编号：" in done, done
        number = done.split("案件编号：")[1].split()[0]

        kept = await list_attachments(h.ctx.db, number)
        assert sorted(a.kind for a in kept) == ["image", "voice"]
        store = h.ctx.attachments.store  # type: ignore[union-attr]
        got = {a.kind: await store.get(a.sha256) for a in kept}
        assert got == {"image": receipt, "voice": recording}  # byte-identical

        # After the case is opened: a photo joins it as 补充材料, and the agency is told.
        later = image("PNG", (320, 240), seed=9)
        answer = await send(h, photo(files, later))
        assert f"已补充到案件 {number}" in answer
        kept = await list_attachments(h.ctx.db, number)
        assert len(kept) == 3
        detail = await h.ctx.cases.detail(number)
        assert detail.events[-1].action == "attachment"
        await h.deliver_outbox()
        lead_id = detail.lead_agency
        told = "\n".join(files.texts(agency_chat(h.ctx.county, lead_id)))
        assert "补充材料" in told and number in told

        # Another agency cannot fetch it; the handling one can.
        handling = {lead_id, *detail.co_agencies, detail.first_agency, h.ctx.county.office}
        others = [s for s in h.ctx.county.staff if s.agency not in handling and s.role == "staff"]
        with pytest.raises(Forbidden):
            await fetch_attachment(
                h.ctx.db, store, h.ctx.county, others[0], kept[-1].ref, via="api"
            )
        mine = next(s for s in h.ctx.county.staff if s.agency == lead_id)
        fetched = await fetch_attachment(h.ctx.db, store, h.ctx.county, mine, kept[-1].ref)
        assert fetched.data == later
