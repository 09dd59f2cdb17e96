"""What a file really is, read from its first bytes (magic numbers), never from its name.

Pure functions over ``bytes``: the channel's word (file name, MIME type, "this is a voice
message") is recorded but not trusted. Families: image, audio, video, document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["image", "audio", "video", "document"]


@dataclass(frozen=True)
class Sniffed:
    content_type: str  # e.g. "image/jpeg"
    family: Family
    extension: str  # without the dot, for a download name: "jpg"


#: ISO base media (``ftyp`` box) brands: HEIF images, M4A audio, MP4/3GP/QuickTime video.
_HEIF_BRANDS = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
    b"hevc": "image/heic",
    b"hevx": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"avif": "image/avif",
}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}
_VIDEO_BRANDS = {
    b"isom": "video/mp4",
    b"iso2": "video/mp4",
    b"iso4": "video/mp4",
    b"iso5": "video/mp4",
    b"iso6": "video/mp4",
    b"mp41": "video/mp4",
    b"mp42": "video/mp4",
    b"avc1": "video/mp4",
    b"dash": "video/mp4",
    b"MSNV": "video/mp4",
    b"M4V ": "video/mp4",
    b"qt  ": "video/quicktime",
    b"3gp4": "video/3gpp",
    b"3gp5": "video/3gpp",
    b"3gp6": "video/3gpp",
    b"3g2a": "video/3gpp2",
}
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/avif": "avif",
    "application/pdf": "pdf",
    "audio/amr": "amr",
    "audio/amr-wb": "awb",
    "audio/silk": "silk",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/wav": "wav",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/3gpp": "3gp",
    "video/3gpp2": "3g2",
}


def extension_for(content_type: str) -> str:
    """The usual file extension of a sniffed content type ("bin" for anything else)."""
    return _EXTENSIONS.get(content_type, "bin")


def _make(content_type: str) -> Sniffed:
    family: Family
    major = content_type.split("/", 1)[0]
    if major == "image":
        family = "image"
    elif major == "audio":
        family = "audio"
    elif major == "video":
        family = "video"
    else:
        family = "document"
    return Sniffed(content_type, family, _EXTENSIONS[content_type])


def sniff(data: bytes) -> Sniffed | None:
    """The real type of ``data`` from its leading bytes, or None when it is none we accept."""
    head = bytes(data[:64])
    found = _sniff_head(head, data)
    return _make(found) if found else None


def _sniff_head(head: bytes, data: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and len(head) >= 12:
        if head[8:12] == b"WEBP":
            return "image/webp"
        if head[8:12] == b"WAVE":
            return "audio/wav"
        return None
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"#!AMR-WB\n"):
        return "audio/amr-wb"
    if head.startswith(b"#!AMR\n"):
        return "audio/amr"
    # WeChat's SILK voice carries one 0x02 byte before the standard SILK header.
    if head.startswith((b"#!SILK_V3", b"\x02#!SILK_V3")):
        return "audio/silk"
    if head.startswith(b"OggS"):
        return _ogg(data)
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _iso_media(head[8:12], data)
    if head.startswith(b"ID3") and len(head) >= 10:
        return "audio/mpeg"
    if _mpeg_audio_frame(head):
        return "audio/mpeg"
    return None


def _ogg(data: bytes) -> str | None:
    """Ogg carrying Opus (Telegram voice) or Vorbis: the codec header is in the first page."""
    first_page = bytes(data[:512])
    if b"OpusHead" in first_page or b"\x01vorbis" in first_page:
        return "audio/ogg"
    return None


def _iso_media(major_brand: bytes, data: bytes) -> str | None:
    if major_brand in _HEIF_BRANDS:
        return _HEIF_BRANDS[major_brand]
    if major_brand in _AUDIO_BRANDS:
        return "audio/mp4"
    if major_brand in _VIDEO_BRANDS:
        # An M4A recorded by some phones says "isom" / "mp42": without a video track it is
        # audio. A cheap, bounded look: the handler type of each track, in the first 64 KiB.
        handlers = bytes(data[:65536]).replace(b"\x00", b"")
        if b"hdlrsoun" in handlers and b"hdlrvide" not in handlers:
            return "audio/mp4"
        return _VIDEO_BRANDS[major_brand]
    return None


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header (MP3 without an ID3 tag): 11 sync bits and sane fields."""
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    version = (head[1] >> 3) & 0x3
    layer = (head[1] >> 1) & 0x3
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 0x3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3
