"""WeChat Work media: ``media/get`` for 微信客服 and self-built app messages against a local
fake WeChat Work API (real HTTP), into the attachment store and the case, byte-identical."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from backend.attachments import (
    FileStore,
    Refused,
    Stored,
    add_to_case,
    attach_draft_to_case,
    fetch_attachment,
    list_attachments,
    store_draft_upload,
)
from backend.attachments.limits import MAX_BYTES
from bot.media import DownloadFailed
from bot.media.wecom import EXPIRED, media_of_app, media_of_kf, receive_app, receive_kf
from bot.wecom.api import WeComApi
from tests.backend.attachment_samples import amr, image, mp4, pdf
from tests.bot.wecom_channel.wecom_fake import (
    AGENT_ID,
    APP_SECRET,
    CORP_ID,
    KF_SECRET,
    OPEN_KFID,
    FakeWeCom,
    running_fake,
)


@dataclass
class FakeWeComWithMedia(FakeWeCom):
    """The fake WeChat Work API plus ``media/get`` (per token kind, like the real one)."""

    media: dict[str, tuple[bytes, str, str, str]] = field(default_factory=dict)
    media_gets: list[str] = field(default_factory=list)
    _media_ids: Any = field(default_factory=lambda: itertools.count(1))

    def add_media(self, data: bytes, content_type: str, name: str, kind: str = "kf") -> str:
        media_id = f"3{kind}_{next(self._media_ids):04d}_MEDIAID"
        self.media[media_id] = (data, content_type, name, kind)
        return media_id

    def kf_media_message(self, user: str, msgtype: str, media_id: str) -> dict[str, Any]:
        return {
            "msgid": f"kfmsg{next(self._ids)}",
            "open_kfid": OPEN_KFID,
            "external_userid": user,
            "send_time": int(time.time()),
            "origin": 3,
            "msgtype": msgtype,
            msgtype: {"media_id": media_id},
        }

    async def media_get(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("access_token", "")
        kind = self.tokens.get(token)
        if kind is None:
            return self._err(42001, "access_token expired")
        media_id = request.query.get("media_id", "")
        self.media_gets.append(media_id)
        found = self.media.get(media_id)
        if found is None or found[3] != kind:
            return self._err(40007, "invalid media_id")
        data, content_type, name, _ = found
        return web.Response(
            body=data,
            content_type=content_type,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/cgi-bin/media/get", self.media_get)
        return app


@pytest.fixture
async def wecom() -> AsyncIterator[tuple[FakeWeComWithMedia, WeComApi, aiohttp.ClientSession]]:
    async with running_fake(FakeWeComWithMedia()) as fake, aiohttp.ClientSession() as session:
        api = WeComApi(
            session,
            corp_id=CORP_ID,
            app_secret=APP_SECRET,
            kf_secret=KF_SECRET,
            agent_id=AGENT_ID,
            base=fake.base,
        )
        yield fake, api, session  # type: ignore[misc]


async def test_kf_image_and_voice_reach_the_case_byte_identical(
    wecom: tuple[FakeWeComWithMedia, WeComApi, aiohttp.ClientSession],
    case_service: Any,
    database: Any,
    county: Any,
    clock: Any,
    tmp_path: Path,
    make_draft: Any,
) -> None:
    fake, api, session = wecom
    store = FileStore(tmp_path)
    user = "wmEXTERNAL001"
    key = f"wecom_kf:{user}:2026-03-02T01:00:00+00:00"
    photo, voice = image("PNG", (320, 200), seed=4), amr()
    items = [
        fake.kf_media_message(user, "image", fake.add_media(photo, "image/png", "a.png")),
        fake.kf_media_message(user, "voice", fake.add_media(voice, "audio/amr", "v.amr")),
    ]
    fake.expire_tokens()  # the first call refreshes the token and retries
    for item in items:
        assert media_of_kf(item) is not None
        got = await receive_kf(session, fake.base, api.kf_token, item, received_at=clock())
        assert got is not None and not isinstance(got, Refused)
        assert got.user_ref == user and got.message_id == item["msgid"]
        assert isinstance(await store_draft_upload(database, store, got, key), Stored)
    opened = await case_service.open_case(
        make_draft(draft_key=key, channel="wecom_kf", channel_user=user)
    )
    await attach_draft_to_case(database, key, now=clock())
    views = await list_attachments(database, opened.number)
    assert [(v.kind, v.content_type, v.channel) for v in views] == [
        ("image", "image/png", "wecom_kf"),
        ("voice", "audio/amr", "wecom_kf"),
    ]
    staff = county.staff_of(opened.lead.id)[0]
    got_back = [
        (await fetch_attachment(database, FileStore(tmp_path), county, staff, v.ref)).data
        for v in views
    ]
    assert got_back == [photo, voice]

    # A video sent after the case opened joins it.
    video = fake.kf_media_message(user, "video", fake.add_media(mp4(), "video/mp4", "v.mp4"))
    later = await receive_kf(session, fake.base, api.kf_token, video, received_at=clock())
    assert later is not None and not isinstance(later, Refused)
    added = await add_to_case(database, store, county, opened.number, later)
    assert (
        not isinstance(added, Refused)
        and added.counts.summary() == "照片 1 张、语音 1 条、视频 1 段"
    )


async def test_app_media_uses_the_app_token(
    wecom: tuple[FakeWeComWithMedia, WeComApi, aiohttp.ClientSession], clock: Any
) -> None:
    fake, api, session = wecom
    media_id = fake.add_media(pdf(), "application/octet-stream", "通知书.pdf", kind="app")
    fields = {"MsgType": "file", "MediaId": media_id, "MsgId": "777", "FromUserName": "LiSi"}
    assert media_of_app(fields) is not None and media_of_app({"MsgType": "text"}) is None
    got = await receive_app(
        session,
        fake.base,
        api.app_token,
        fields,
        user_ref="LiSi",
        message_key="777",
        received_at=clock(),
    )
    assert got is not None and not isinstance(got, Refused)
    assert got.data == pdf() and got.declared_name == "通知书.pdf"
    assert (got.channel, got.kind) == ("wecom_app", "file")
    # The same media_id with the 微信客服 token is unknown: expired/invalid, a sentence.
    wrong = await receive_app(
        session,
        fake.base,
        api.kf_token,
        fields,
        user_ref="LiSi",
        message_key="777",
        received_at=clock(),
    )
    assert isinstance(wrong, Refused) and wrong.sentence == EXPIRED


async def test_oversize_is_refused_without_reading_it_all(
    wecom: tuple[FakeWeComWithMedia, WeComApi, aiohttp.ClientSession], clock: Any
) -> None:
    fake, api, session = wecom
    big = amr() + bytes(MAX_BYTES["voice"])
    item = fake.kf_media_message("u", "voice", fake.add_media(big, "audio/amr", "v.amr"))
    got = await receive_kf(session, fake.base, api.kf_token, item, received_at=clock())
    assert isinstance(got, Refused) and "语音太大" in got.sentence
    text = {"msgid": "t", "msgtype": "text", "text": {"content": "你好"}}
    assert await receive_kf(session, fake.base, api.kf_token, text, received_at=clock()) is None


async def test_a_server_error_is_a_failed_download(
    wecom: tuple[FakeWeComWithMedia, WeComApi, aiohttp.ClientSession], clock: Any
) -> None:
    fake, api, session = wecom
    item = fake.kf_media_message("u", "image", "3kf_9999_MEDIAID")
    got = await receive_kf(session, fake.base, api.kf_token, item, received_at=clock())
    assert isinstance(got, Refused)  # unknown media_id: expired
    with pytest.raises(DownloadFailed):
        await receive_kf(
            session, "http://127.0.0.1:9/cgi-bin", api.kf_token, item, received_at=clock()
        )
