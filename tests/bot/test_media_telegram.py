"""Telegram photos, voice and documents: ``getFile`` and the download through PTB against a
local fake Bot API (real HTTP), into the attachment store and the case, byte-identical."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, Message

from backend.attachments import (
    FileStore,
    Refused,
    Stored,
    attach_draft_to_case,
    fetch_attachment,
    list_attachments,
    store_draft_upload,
)
from backend.attachments.limits import MAX_BYTES
from bot.media.telegram import DownloadFailed, file_base_url, media_of, receive
from tests.backend.attachment_samples import amr, exe, image, ogg_opus, pdf
from tests.bot.telegram_channel.tg_fake import TOKEN, FakeBotApi

USER = 4242


@dataclass
class FakeBotApiWithFiles(FakeBotApi):
    """The fake Bot API plus ``getFile`` and the file download route."""

    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id -> (path, data)
    announced: dict[str, int] = field(default_factory=dict)  # file_id -> size getFile reports
    downloads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._file_ids = itertools.count(1)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    def add_file(self, data: bytes, ext: str, *, announce: int | None = None) -> str:
        n = next(self._file_ids)
        file_id = f"AgACAgIAAxkBAAI{n:04d}"
        self.files[file_id] = (f"documents/file_{n}.{ext}", data)
        if announce is not None:
            self.announced[file_id] = announce
        return file_id

    async def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise web.HTTPBadRequest(text="unknown file")
        path, data = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id[-4:]}",
            "file_size": self.announced.get(file_id, len(data)),
            "file_path": path,
        }

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != TOKEN:
            return web.Response(status=401)
        path = request.match_info["path"]
        self.downloads.append(path)
        for stored_path, data in self.files.values():
            if stored_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.Response(status=404)

    def message(self, **media: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": USER, "type": "private", "first_name": "张三"},
            "from": {"id": USER, "is_bot": False, "first_name": "张三"},
            **media,
        }


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApiWithFiles]:
    api = FakeBotApiWithFiles()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


@pytest.fixture
async def bot(fake: FakeBotApiWithFiles) -> AsyncIterator[Bot]:
    b = Bot(TOKEN, base_url=fake.base, base_file_url=file_base_url(fake.base))
    async with b:
        yield b


def _photo(fake: FakeBotApiWithFiles, data: bytes) -> dict[str, Any]:
    small = fake.add_file(image("JPEG", (32, 24)), "jpg")
    big = fake.add_file(data, "jpg")
    return {
        "photo": [
            {"file_id": small, "file_unique_id": "s1", "width": 32, "height": 24, "file_size": 500},
            {
                "file_id": big,
                "file_unique_id": "b1",
                "width": 640,
                "height": 480,
                "file_size": len(data),
            },
        ]
    }


def _voice(fake: FakeBotApiWithFiles, data: bytes, *, claim: int | None = None) -> dict[str, Any]:
    """A voice message; ``claim``: the size the message and getFile say (a lie)."""
    fid = fake.add_file(data, "oga", announce=claim)
    return {
        "voice": {
            "file_id": fid,
            "file_unique_id": "v1",
            "duration": 3,
            "mime_type": "audio/ogg",
            "file_size": claim if claim is not None else len(data),
        }
    }


def _document(fake: FakeBotApiWithFiles, data: bytes, name: str, **kw: Any) -> dict[str, Any]:
    fid = fake.add_file(data, name.rsplit(".", 1)[-1], announce=kw.pop("announce", None))
    doc = {
        "file_id": fid,
        "file_unique_id": "d1",
        "file_name": name,
        "mime_type": "application/pdf",
    }
    doc.update(kw)
    return {"document": doc}


def test_file_urls_follow_the_api_base() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:9/bot/") == "http://127.0.0.1:9/file/bot"


async def test_photo_and_voice_reach_the_case_byte_identical(
    fake: FakeBotApiWithFiles,
    bot: Bot,
    case_service: Any,
    database: Any,
    county: Any,
    clock: Any,
    tmp_path: Path,
    make_draft: Any,
) -> None:
    store = FileStore(tmp_path / "att")
    key = f"telegram:{USER}:2026-03-02T01:00:00+00:00"
    photo, voice = image("JPEG", (640, 480), seed=5), ogg_opus()
    sent = [
        Message.de_json(fake.message(**_photo(fake, photo)), bot),
        Message.de_json(fake.message(**_voice(fake, voice)), bot),
        Message.de_json(fake.message(**_document(fake, pdf(), "核定通知书.pdf")), bot),
    ]
    for i, message in enumerate(sent):
        assert message is not None
        got = await receive(
            bot, message, user_ref=str(USER), message_key=f"{5000 + i}", received_at=clock()
        )
        assert got is not None and not isinstance(got, Refused)
        stored = await store_draft_upload(database, store, got, key)
        assert isinstance(stored, Stored)
    opened = await case_service.open_case(
        make_draft(draft_key=key, channel="telegram", channel_user=str(USER))
    )
    await attach_draft_to_case(database, key, now=clock())
    views = await list_attachments(database, opened.number)
    assert [(v.kind, v.content_type) for v in views] == [
        ("image", "image/jpeg"),
        ("voice", "audio/ogg"),
        ("file", "application/pdf"),
    ]
    assert views[2].original_name == "核定通知书.pdf"
    staff = county.staff_of(opened.lead.id)[0]
    for view, data in zip(views, (photo, voice, pdf()), strict=True):
        assert (await fetch_attachment(database, store, county, staff, view.ref)).data == data
    # The largest photo size was fetched, not the thumbnail.
    assert [p.split("/")[-1] for p in fake.downloads] == ["file_2.jpg", "file_3.oga", "file_4.pdf"]


async def test_oversize_and_wrong_files_are_refused(
    fake: FakeBotApiWithFiles, bot: Bot, database: Any, clock: Any, tmp_path: Path
) -> None:
    announced_big = Message.de_json(
        fake.message(**_document(fake, pdf(), "a.pdf", file_size=MAX_BYTES["file"] + 1)), bot
    )
    lying = Message.de_json(
        fake.message(**_voice(fake, amr() + bytes(MAX_BYTES["voice"]), claim=900)), bot
    )
    get_file_says_big = Message.de_json(
        fake.message(**_document(fake, pdf(), "b.pdf", announce=MAX_BYTES["file"] + 5)), bot
    )
    for message in (announced_big, lying, get_file_says_big):
        assert message is not None
        got = await receive(bot, message, user_ref="1", message_key="k", received_at=clock())
        assert isinstance(got, Refused) and "太大" in got.sentence
    assert len(fake.downloads) == 1  # only the one that under-announced its size

    exe_doc = Message.de_json(fake.message(**_document(fake, exe(), "receipt.jpg")), bot)
    assert exe_doc is not None
    upload = await receive(bot, exe_doc, user_ref="1", message_key="x", received_at=clock())
    assert upload is not None and not isinstance(upload, Refused)
    refused = await store_draft_upload(database, FileStore(tmp_path), upload, "draft")
    assert isinstance(refused, Refused) and "格式暂不支持" in refused.sentence

    sticker = Message.de_json(
        fake.message(
            sticker={
                "file_id": "st",
                "file_unique_id": "st",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        ),
        bot,
    )
    assert sticker is not None and media_of(sticker) is None
    got = await receive(bot, sticker, user_ref="1", message_key="s", received_at=clock())
    assert isinstance(got, Refused) and "无法处理" in got.sentence
    text = Message.de_json(fake.message(text="你好"), bot)
    assert text is not None
    assert await receive(bot, text, user_ref="1", message_key="t", received_at=clock()) is None


async def test_a_failed_download_is_reported(
    fake: FakeBotApiWithFiles, bot: Bot, clock: Any
) -> None:
    message = Message.de_json(fake.message(**_voice(fake, amr())), bot)
    assert message is not None
    fake.fail("getFile", 500, "Internal Server Error")
    with pytest.raises(DownloadFailed) as info:
        await receive(bot, message, user_ref="1", message_key="f", received_at=clock())
    assert "重新发送" in str(info.value)
