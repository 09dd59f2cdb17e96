"""Receiving limits: what a resident may send, decided from the bytes alone.

``check_upload(data, declared_name, declared_type, kind)`` is pure: it sniffs the real type,
checks the size limit of the kind, and returns ``Accepted`` (with the facts to store) or
``Refused`` with one Chinese sentence for the sender. ``size_refusal`` lets a channel refuse
before downloading when the channel announces the size.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from backend.attachments.sniff import Family, sniff

Kind = Literal["image", "voice", "video", "file"]
KINDS: tuple[Kind, ...] = ("image", "voice", "video", "file")

MIB = 1024 * 1024
#: Per kind: Telegram's Bot API serves files up to 20 MB to bots; WeChat Work's media/get
#: serves images up to 10 MB, voice 2 MB, video 10 MB and files 20 MB.
MAX_BYTES: dict[Kind, int] = {
    "image": 10 * MIB,
    "voice": 5 * MIB,
    "video": 20 * MIB,
    "file": 20 * MIB,
}
#: The largest of the limits: a download is never read beyond this.
MAX_ANY = max(MAX_BYTES.values())

NOUN: dict[Kind, str] = {"image": "照片", "voice": "语音", "video": "视频", "file": "文件"}
#: The kind a sniffed family is stored as when the channel only says "a file".
_KIND_OF_FAMILY: dict[Family, Kind] = {
    "image": "image",
    "audio": "voice",
    "video": "video",
    "document": "file",
}
#: Families a message of each kind may carry.
_ALLOWED: dict[Kind, frozenset[Family]] = {
    "image": frozenset({"image"}),
    "voice": frozenset({"audio"}),
    "video": frozenset({"video"}),
    "file": frozenset({"image", "audio", "video", "document"}),
}

EMPTY = "收到的{noun}是空的（0 字节），请重新发送。"
TOO_BIG = "{noun}太大了（{size}），最大 {limit}，请压缩或分开后重新发送。"
UNKNOWN = (
    "这个文件的格式暂不支持。可以发送照片（JPG、PNG、GIF、WebP、HEIC）、PDF 文件、语音或 MP4 视频。"
)
WRONG: dict[Kind, str] = {
    "image": "这张照片的内容无法识别为图片，请重新拍照发送。",
    "voice": "这条语音的格式无法识别，请重新录制，或直接打字说明。",
    "video": "这个视频的格式暂不支持，请发送 MP4 视频。",
    "file": UNKNOWN,
}
UNKNOWN_KIND = "这种消息暂时无法处理，请发送文字、照片、语音或文件。"

_NAME_MAX = 120
_TYPE_MAX = 100
_UNSAFE_NAME = re.compile(r"[\\/:*?\"<>|]")


@dataclass(frozen=True)
class Accepted:
    kind: Kind  # what it is stored as (a "file" that is a photo becomes an image)
    content_type: str  # sniffed from the bytes
    extension: str
    size: int
    sha256: str
    original_name: str | None  # cleaned: a base name, no control characters, capped
    declared_type: str | None  # what the channel said (recorded, not trusted)


@dataclass(frozen=True)
class Refused:
    sentence: str  # Chinese, for the sender


def check_upload(
    data: bytes, declared_name: str | None, declared_type: str | None, kind: str
) -> Accepted | Refused:
    """Accept ``data`` as an attachment of the channel's ``kind`` or refuse it, with a reason."""
    if kind not in KINDS:
        return Refused(UNKNOWN_KIND)
    k: Kind = kind  # type: ignore[assignment]  # narrowed by the check above
    size = len(data)
    if size == 0:
        return Refused(EMPTY.format(noun=NOUN[k]))
    refusal = size_refusal(k, size)
    if refusal is not None:
        return refusal
    found = sniff(data)
    if found is None:
        return Refused(WRONG[k] if k != "file" else UNKNOWN)
    if found.family not in _ALLOWED[k]:
        return Refused(WRONG[k])
    stored: Kind = _KIND_OF_FAMILY[found.family] if k == "file" else k
    if size > MAX_BYTES[stored]:
        return Refused(
            TOO_BIG.format(noun=NOUN[stored], size=_mb(size), limit=_mb(MAX_BYTES[stored]))
        )
    return Accepted(
        kind=stored,
        content_type=found.content_type,
        extension=found.extension,
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=clean_name(declared_name),
        declared_type=_clean_text(declared_type, _TYPE_MAX),
    )


def size_refusal(kind: str, size: int | None) -> Refused | None:
    """The refusal for an announced size (before downloading), or None when it may fit."""
    if kind not in KINDS:
        return Refused(UNKNOWN_KIND)
    if size is None:
        return None
    k: Kind = kind  # type: ignore[assignment]
    if size == 0:
        return Refused(EMPTY.format(noun=NOUN[k]))
    if size > MAX_BYTES[k]:
        return Refused(TOO_BIG.format(noun=NOUN[k], size=_mb(size), limit=_mb(MAX_BYTES[k])))
    return None


def too_big(kind: str) -> Refused:
    """The refusal for a download that ran past the limit of ``kind``."""
    k: Kind = kind if kind in KINDS else "file"  # type: ignore[assignment]
    return Refused(
        TOO_BIG.format(noun=NOUN[k], size=f"超过 {_mb(MAX_BYTES[k])}", limit=_mb(MAX_BYTES[k]))
    )


def noun_of(kind: str) -> str:
    """照片 / 语音 / 视频 / 文件 (附件 for anything else)."""
    return NOUN.get(kind, "附件")  # type: ignore[call-overload]


def clean_name(name: str | None) -> str | None:
    """A file name safe to store and show: the last path part, printable, at most 120 chars."""
    if not name:
        return None
    base = re.split(r"[\\/]", name)[-1]
    base = _UNSAFE_NAME.sub("_", base)
    return _clean_text(base, _NAME_MAX)


def _clean_text(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    kept = kept.strip().strip(".")
    return kept[:limit] or None


def _mb(size: int) -> str:
    value = size / MIB
    return f"{value:.0f} MB" if value >= 10 or value.is_integer() else f"{value:.1f} MB"
