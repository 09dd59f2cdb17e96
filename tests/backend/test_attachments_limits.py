"""What residents may send: types sniffed from the bytes, limits per kind, sentences."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tests.backend.attachment_samples as samples
from backend.attachments.limits import (
    MAX_BYTES,
    Accepted,
    Refused,
    check_upload,
    clean_name,
    size_refusal,
)
from backend.attachments.sniff import sniff

SAMPLES: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("jpeg", lambda: samples.image("JPEG"), "image/jpeg", "image"),
    ("png", lambda: samples.image("PNG"), "image/png", "image"),
    ("gif", lambda: samples.image("GIF"), "image/gif", "image"),
    ("webp", samples.webp, "image/webp", "image"),
    ("heic", samples.heic, "image/heic", "image"),
    ("pdf", samples.pdf, "application/pdf", "document"),
    ("amr", samples.amr, "audio/amr", "audio"),
    ("silk", samples.silk, "audio/silk", "audio"),
    ("opus", samples.ogg_opus, "audio/ogg", "audio"),
    ("mp3", samples.mp3, "audio/mpeg", "audio"),
    ("mp3+id3", lambda: samples.mp3(with_tag=True), "audio/mpeg", "audio"),
    ("m4a", samples.m4a, "audio/mp4", "audio"),
    ("m4a-as-isom", lambda: samples.iso_media(b"isom", b"soun"), "audio/mp4", "audio"),
    ("wav", samples.wav, "audio/wav", "audio"),
    ("mp4", samples.mp4, "video/mp4", "video"),
]


@pytest.mark.parametrize(("name", "make", "content_type", "family"), SAMPLES)
def test_types_are_read_from_the_bytes(
    name: str, make: Callable[[], bytes], content_type: str, family: str
) -> None:
    found = sniff(make())
    assert found is not None, name
    assert (found.content_type, found.family) == (content_type, family)


@pytest.mark.parametrize(
    "data", [samples.exe(), b"hello, plain text", b"RIFF\x00\x00\x00\x00AVI ", b"OggS" + bytes(60)]
)
def test_unknown_formats_are_not_sniffed(data: bytes) -> None:
    assert sniff(data) is None


def _sentence(result: Accepted | Refused) -> str:
    assert isinstance(result, Refused), result
    text = result.sentence
    assert "\n" not in text and text.endswith("。") and re.search(r"[\u4e00-\u9fff]", text)
    return text


def test_a_photo_is_accepted_with_its_real_type_whatever_the_channel_says() -> None:
    data = samples.image("PNG")
    result = check_upload(data, "收据.jpg", "image/jpeg", "image")
    assert isinstance(result, Accepted)
    assert (result.kind, result.content_type, result.size) == ("image", "image/png", len(data))
    assert result.original_name == "收据.jpg" and result.declared_type == "image/jpeg"
    import hashlib

    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_a_file_is_stored_as_what_it_is() -> None:
    jpeg = check_upload(samples.image("JPEG"), "scan.pdf", "application/pdf", "file")
    pdf = check_upload(samples.pdf(), "通知书.pdf", None, "file")
    voice = check_upload(samples.amr(), "rec.amr", None, "file")
    assert isinstance(jpeg, Accepted) and jpeg.kind == "image"
    assert isinstance(pdf, Accepted) and (pdf.kind, pdf.content_type) == (
        "file",
        "application/pdf",
    )
    assert isinstance(voice, Accepted) and voice.kind == "voice"


@pytest.mark.parametrize("kind", ["image", "voice", "video", "file"])
def test_zero_bytes_are_refused(kind: str) -> None:
    assert "空的" in _sentence(check_upload(b"", "a", None, kind))


@pytest.mark.parametrize("kind", ["image", "voice", "video", "file"])
def test_oversize_is_refused_with_the_limit(kind: str) -> None:
    head = samples.image("JPEG") if kind in ("image", "file") else samples.amr()
    if kind == "video":
        head = samples.mp4()
    data = head + bytes(MAX_BYTES[kind] + 1 - len(head))  # type: ignore[index]
    text = _sentence(check_upload(data, None, None, kind))
    assert "太大" in text and f"{MAX_BYTES[kind] // 1024 // 1024} MB" in text  # type: ignore[index]


def test_a_file_that_is_a_big_photo_gets_the_photo_limit() -> None:
    data = samples.image("JPEG")
    data += bytes(MAX_BYTES["image"] + 10 - len(data))
    assert "照片太大" in _sentence(check_upload(data, "x.jpg", None, "file"))


@pytest.mark.parametrize(
    ("data", "kind", "words"),
    [
        (samples.exe(), "file", "格式暂不支持"),
        (samples.exe(), "image", "无法识别为图片"),
        (samples.amr(), "image", "无法识别为图片"),
        (samples.image("JPEG"), "voice", "语音"),
        (samples.pdf(), "video", "MP4"),
        (samples.image("JPEG"), "sticker", "无法处理"),
    ],
)
def test_wrong_types_are_refused_with_a_sentence(data: bytes, kind: str, words: str) -> None:
    assert words in _sentence(check_upload(data, "evil.jpg", "image/jpeg", kind))


def test_announced_sizes_are_refused_before_download() -> None:
    assert size_refusal("voice", 100) is None
    assert size_refusal("voice", None) is None
    assert "太大" in _sentence(size_refusal("voice", MAX_BYTES["voice"] + 1))  # type: ignore[arg-type]
    assert "空的" in _sentence(size_refusal("image", 0))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张三\\收据.jpg", "收据.jpg"),
        ("a\x00b\u202e.jpg", "ab.jpg"),
        ("..", None),
        ("", None),
        (None, None),
        ("x" * 500 + ".pdf", "x" * 120),
        ('what?"<>|.png', "what_____.png"),
    ],
)
def test_names_are_cleaned(raw: str | None, clean: str | None) -> None:
    assert clean_name(raw) == clean


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["image", "voice", "video", "file", "x"]))
def test_any_bytes_give_an_answer(data: bytes, kind: str) -> None:
    result = check_upload(data, "n", "t", kind)
    assert isinstance(result, Accepted | Refused)
