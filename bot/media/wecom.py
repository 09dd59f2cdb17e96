"""Images, voice, video and files from WeChat Work: ``media/get`` with a message's media_id.

微信客服 messages (from ``kf/sync_msg``) carry ``{"msgtype": "image", "image": {"media_id"}}``
and the like; the self-built app's callback XML carries ``<MediaId>``. Both download through
``GET /cgi-bin/media/get?access_token=…&media_id=…`` with their own access_token (the
微信客服 secret's for kf messages, the app secret's for app messages). The answer is the file
(its name in Content-Disposition) or, on error, JSON with an errcode. A media_id lives 3 days.

Wiring (phase 2): the plugin passes its aiohttp session, the API base and
``api.kf_token`` / ``api.app_token`` to ``receive_kf`` / ``receive_app``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

from backend.attachments.limits import KINDS, MAX_BYTES, Refused, too_big
from backend.attachments.records import Upload
from bot.media import DOWNLOAD_FAILED, DownloadFailed
from bot.wecom.api import TOKEN_ERRORS, AccessToken

log = logging.getLogger(__name__)

KF_CHANNEL = "wecom_kf"
APP_CHANNEL = "wecom_app"
EXPIRED = "文件已失效（企业微信只保留 3 天），请重新发送。"
#: invalid media_id (40007), media data missing / expired (40008 is type, 45001 size).
_EXPIRED_CODES = frozenset({40007})
_TOO_BIG_CODES = frozenset({45001})
#: kf msgtype / app MsgType -> our kind.
_KINDS = {"image": "image", "voice": "voice", "video": "video", "file": "file"}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class WeComMedia:
    kind: str  # image | voice | video | file
    media_id: str
    file_name: str | None = None


@dataclass(frozen=True)
class Downloaded:
    data: bytes
    file_name: str | None
    content_type: str | None


def media_of_kf(item: Mapping[str, Any]) -> WeComMedia | None:
    """The media of one 微信客服 message (``kf/sync_msg`` item), or None (text, events...)."""
    msgtype = str(item.get("msgtype") or "")
    kind = _KINDS.get(msgtype)
    body = item.get(msgtype)
    if kind is None or not isinstance(body, dict):
        return None
    media_id = str(body.get("media_id") or "").strip()
    if not media_id:
        return None
    return WeComMedia(kind, media_id[:500])


def media_of_app(fields: Mapping[str, str]) -> WeComMedia | None:
    """The media of a self-built app callback (``CallbackMessage.fields``), or None."""
    kind = _KINDS.get(str(fields.get("MsgType") or ""))
    media_id = str(fields.get("MediaId") or "").strip()
    if kind is None or not media_id:
        return None
    return WeComMedia(kind, media_id[:500], fields.get("FileName") or fields.get("Title") or None)


async def download(
    session: aiohttp.ClientSession,
    base: str,
    token: AccessToken | None,
    media: WeComMedia,
    *,
    timeout: float = 60.0,
) -> Downloaded | Refused:
    """The media's bytes (read no further than the kind's size limit), ``Refused`` for a file
    over the limit or an expired media_id, ``DownloadFailed`` for anything transient."""
    if token is None:
        raise DownloadFailed(DOWNLOAD_FAILED)
    if media.kind not in KINDS:
        raise ValueError(media.kind)
    limit = MAX_BYTES[media.kind]  # type: ignore[index]
    access = await token.get()
    result = await _get(session, base, access, media, limit, timeout)
    if isinstance(result, int) and result in TOKEN_ERRORS:
        access = await token.refresh(access)
        result = await _get(session, base, access, media, limit, timeout)
    if isinstance(result, int):
        if result in _EXPIRED_CODES:
            return Refused(EXPIRED)
        if result in _TOO_BIG_CODES:
            return too_big(media.kind)
        log.warning("wecom media/get %s: errcode %s", media.media_id[:16], result)
        raise DownloadFailed(DOWNLOAD_FAILED)
    return result


async def _get(
    session: aiohttp.ClientSession,
    base: str,
    access: str,
    media: WeComMedia,
    limit: int,
    timeout: float,
) -> Downloaded | Refused | int:
    """One ``media/get``: the file, a refusal, or the API's errcode."""
    url = f"{base.rstrip('/')}/media/get"
    params = {"access_token": access, "media_id": media.media_id}
    try:
        async with session.get(
            url, params=params, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as resp:
            if resp.status != 200:
                log.warning("wecom media/get HTTP %s", resp.status)
                raise DownloadFailed(DOWNLOAD_FAILED)
            content_type = resp.content_type or None
            if resp.content_length is not None and resp.content_length > limit:
                return too_big(media.kind)
            body = bytearray()
            async for chunk in resp.content.iter_chunked(_CHUNK):
                body.extend(chunk)
                if len(body) > limit:
                    return too_big(media.kind)
            name = resp.content_disposition.filename if resp.content_disposition else None
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("wecom media/get failed: %s", type(exc).__name__)
        raise DownloadFailed(DOWNLOAD_FAILED) from exc
    code = _errcode(bytes(body), content_type)
    if code is not None:
        return code
    return Downloaded(bytes(body), name or media.file_name, content_type)


def _errcode(body: bytes, content_type: str | None) -> int | None:
    """The errcode of a JSON error answer; None when the body is the file."""
    looks_json = (content_type or "").endswith(("json", "plain")) or body[:1] == b"{"
    if not looks_json or len(body) > 4096:
        return None
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(data, dict) and "errcode" in data:
        try:
            return int(data["errcode"]) or None
        except (TypeError, ValueError):
            return -1
    return None


async def receive_kf(
    session: aiohttp.ClientSession,
    base: str,
    token: AccessToken | None,
    item: Mapping[str, Any],
    *,
    received_at: datetime,
) -> Upload | Refused | None:
    """A 微信客服 media message as an ``Upload`` (None: not a media message)."""
    media = media_of_kf(item)
    if media is None:
        return None
    got = await download(session, base, token, media)
    if isinstance(got, Refused):
        return got
    return Upload(
        data=got.data,
        kind=media.kind,
        channel=KF_CHANNEL,
        user_ref=str(item.get("external_userid") or "")[:200],
        received_at=received_at,
        declared_name=got.file_name,
        declared_type=got.content_type,
        channel_media_id=media.media_id,
        message_id=str(item.get("msgid") or "")[:200] or None,
    )


async def receive_app(
    session: aiohttp.ClientSession,
    base: str,
    token: AccessToken | None,
    fields: Mapping[str, str],
    *,
    user_ref: str,
    message_key: str,
    received_at: datetime,
) -> Upload | Refused | None:
    """A self-built app media callback as an ``Upload`` (None: not a media message)."""
    media = media_of_app(fields)
    if media is None:
        return None
    got = await download(session, base, token, media)
    if isinstance(got, Refused):
        return got
    return Upload(
        data=got.data,
        kind=media.kind,
        channel=APP_CHANNEL,
        user_ref=user_ref[:200],
        received_at=received_at,
        declared_name=got.file_name,
        declared_type=got.content_type,
        channel_media_id=media.media_id,
        message_id=message_key[:200],
    )
