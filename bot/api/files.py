"""Serving a resident's attachment to staff (the web desk and the staff API share this).

The bytes are served with the type sniffed when they arrived (never the sender's word), with
``nosniff``, never cached, and with a content policy that runs nothing: a file a resident
sent is shown or downloaded, not executed. Images, voice and video a browser can play are
served ``inline`` (so that ``<img>`` and ``<audio>`` on the case page work); anything else,
and any file asked for with ``download``, as an attachment with its download name.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from aiohttp import web

#: Attachment refs are 32 random hex digits (``secrets.token_hex(16)``): nothing else is one.
REF = re.compile(r"[0-9a-f]{32}")

#: What Chromium (and WeChat Work's built-in browser) shows or plays itself.
BROWSER_IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"})
BROWSER_AUDIO = frozenset({"audio/ogg", "audio/mpeg", "audio/mp4", "audio/wav"})
BROWSER_VIDEO = frozenset({"video/mp4"})

#: A served file may show an image or play a sound, and do nothing else (no script, no form,
#: no frame; ``sandbox`` makes it an opaque origin even if opened on its own).
FILE_CSP = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
)

GONE = "这个附件已按保存期限删除，无法再查看。"
CORRUPT = "这个附件的文件已损坏，无法查看；请联系系统管理员。"
NO_STORE = "附件存储没有配置，暂时无法查看附件。"


def display(content_type: str) -> str:
    """How the case page shows an attachment: image | audio | video | file."""
    if content_type in BROWSER_IMAGES:
        return "image"
    if content_type in BROWSER_AUDIO:
        return "audio"
    if content_type in BROWSER_VIDEO:
        return "video"
    return "file"


def content_disposition(name: str, *, inline: bool) -> str:
    """``inline``/``attachment`` with the download name: an ASCII fallback and the UTF-8
    name (RFC 6266 / 5987), quotes, backslashes and control characters removed."""
    clean = "".join(ch for ch in name if ch.isprintable() and ch not in '"\\/')[:150] or "附件"
    ascii_name = "".join(ch if ch.isascii() and ch not in ";," else "_" for ch in clean)
    return (
        f'{"inline" if inline else "attachment"}; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(clean, safe='')}"
    )


def file_response(fetched: Any, *, download: bool = False) -> web.Response:
    """The bytes of a ``backend.attachments.Fetched`` as an HTTP response."""
    view = fetched.attachment
    inline = not download and display(view.content_type) != "file"
    return web.Response(
        body=fetched.data,
        headers={
            "Content-Type": view.content_type,
            "Content-Disposition": content_disposition(view.download_name, inline=inline),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": FILE_CSP,
        },
    )


def attachment_json(view: Any, url: str) -> dict[str, Any]:
    """One attachment as the staff API lists it (no bytes; ``url`` fetches them)."""
    return {
        "ref": view.ref,
        "kind": view.kind,
        "noun": view.noun,
        "content_type": view.content_type,
        "size": view.size,
        "sha256": view.sha256,
        "name": view.download_name,
        "original_name": view.original_name,
        "channel": view.channel,
        "received_at": view.received_at.isoformat(),
        "attached_at": view.attached_at.isoformat() if view.attached_at else None,
        "pruned": view.pruned_at is not None,
        "url": url,
    }
