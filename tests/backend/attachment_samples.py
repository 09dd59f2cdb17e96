"""Small real-format files for the attachment tests: images drawn with Pillow, a WAV written
by the standard library, and the leading structures of the other formats as their specs lay
them out (AMR, SILK, Ogg/Opus, MP3, ISO media boxes, PDF)."""

from __future__ import annotations

import io
import struct
import wave
import zlib


def image(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    from PIL import Image

    img = Image.new("RGB", size, (200, 30 + seed % 200, 90))
    for x in range(size[0]):
        img.putpixel((x, (x * 7 + seed) % size[1]), (0, 0, 0))
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


def wav(seconds: float = 0.2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * int(8000 * seconds))
    return out.getvalue()


def amr() -> bytes:
    # AMR-NB storage format: magic, then frames (header byte 0x3C = mode 7, 31 data bytes).
    return b"#!AMR\n" + (b"\x3c" + bytes(31)) * 20


def silk() -> bytes:
    # WeChat voice: 0x02, the SILK v3 magic, then length-prefixed frames.
    return b"\x02#!SILK_V3" + (struct.pack("<h", 20) + bytes(20)) * 10


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _ogg_page(payload: bytes, sequence: int, flags: int) -> bytes:
    header = (
        b"OggS"
        + bytes([0, flags])
        + struct.pack("<qIIi", 0, 0x1234, sequence, 0)
        + bytes([1, len(payload)])
    )
    page = header + payload
    crc = zlib.crc32(page) & 0xFFFFFFFF  # not Ogg's CRC; the sniffer does not check it
    return page[:22] + struct.pack("<I", crc) + page[26:]


def ogg_opus() -> bytes:
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    return _ogg_page(head, 0, 2) + _ogg_page(tags, 1, 0) + _ogg_page(bytes(60), 2, 4)


def mp3(with_tag: bool = False) -> bytes:
    frame = b"\xff\xfb\x90\x64" + bytes(413)  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(10) if with_tag else b""
    return tag + frame * 4


def iso_media(brand: bytes, handler: bytes | None = None) -> bytes:
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"isom")
    if handler is None:
        return ftyp + _box(b"mdat", bytes(64))
    hdlr = _box(b"hdlr", bytes(8) + handler + bytes(12) + b"handler\x00")
    moov = _box(b"moov", _box(b"trak", _box(b"mdia", hdlr)))
    return ftyp + moov + _box(b"mdat", bytes(64))


def mp4() -> bytes:
    return iso_media(b"isom", b"vide")


def m4a() -> bytes:
    return iso_media(b"M4A ", b"soun")


def heic() -> bytes:
    return iso_media(b"heic")


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def webp() -> bytes:
    return image("WEBP")


def exe() -> bytes:
    return b"MZ\x90\x00" + bytes(200)
