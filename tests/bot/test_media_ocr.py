"""Reading a photo: offline OCR (extra ``yichuang[ocr]``) and the suggestions it makes.

The suggestion tests are pure and always run; the OCR tests need the extra (installed by
``make test``) and use a handful of synthetic renders (benchmarks/ocr_samples.py)."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from benchmarks.ocr_samples import fonts, sample
from bot.media.ocr import OcrLine, PhotoReader, available, rows
from bot.media.suggest import suggestions, tidy_lines

NOW = datetime(2026, 3, 1, tzinfo=UTC)
need_ocr = pytest.mark.skipif(
    not available(), reason="OCR extra not installed (pip install 'yichuang[ocr]')"
)


# --- suggestions (pure) -------------------------------------------------------------------


def test_a_receipt_text_gives_questions_to_confirm() -> None:
    lines = [
        "社会保险费缴费凭证",
        "身份证号：1405 2219 5803 1512 4O",  # spaces and an O for a 0, as OCR gives them
        "联系电话：138 1234 1427",
        "费款所属期：2023-01-01至2023-06-30",
        "缴费金额（元）：1,234.50",
        "征收机关：国家税务总局云川县税务局 咨询电话：0356-4218366 13900001111",
    ]
    from identifiers import check_id_number

    assert check_id_number("140522195803151240", NOW.date()).value
    got = {s.slot: s for s in suggestions(lines, NOW)}
    assert got["id_number"].question == "照片上的身份证号是 140522195803151240，对吗？"
    assert got["phone"].value == "13812341427"  # not the tax office's numbers
    assert got["period"].value == {"start": "2023-01-01", "end": "2023-06-30"}
    assert got["period"].question == "照片上的所属期是 2023年1月至2023年6月，对吗？"
    assert got["amount"].value == pytest.approx(1234.5)
    assert got["amount"].question == "照片上的金额是 1,234.50 元，对吗？"
    assert list(got) == ["id_number", "phone", "period", "amount"]


def test_known_values_and_bad_numbers_are_not_asked() -> None:
    lines = ["身份证号：140522195803151234", "手机：13812341427", "应缴费额：800"]
    got = suggestions(lines, NOW, known={"phone": "138 1234 1427".replace(" ", "")})
    assert [s.slot for s in got] == ["amount"]  # the ID fails its check digit
    assert got[0].shown == "800"
    assert suggestions([], NOW) == [] and suggestions(["\x00" * 5000], NOW) == []


def test_tidy_lines_keep_phone_numbers_and_amounts_apart() -> None:
    assert tidy_lines(["电话：0356-4218001", "2023/3/5", "缴费金额：2021.05"]) == [
        "电话：0356-4218001",
        "2023年3月5日",
        "缴费金额：2021.05元",
    ]


def test_rows_join_cells_of_one_row() -> None:
    def line(text: str, x0: float, y0: float, x1: float, y1: float) -> OcrLine:
        return OcrLine(text, 0.99, (x0, y0, x1, y1))

    got = rows(
        [
            line("13812341427", 300, 52, 480, 80),
            line("联系电话", 20, 50, 140, 78),
            line("缴费人：张三", 20, 10, 200, 38),
            line("竖排", 600, 0, 630, 200),
        ]
    )
    assert got == ["缴费人：张三", "联系电话 13812341427", "竖排"]


# --- OCR (the extra) ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reader() -> Iterator[PhotoReader]:
    """An engine loaded and used with the network switched off: the models ship in the wheel."""
    if not available():
        pytest.skip("OCR extra not installed (pip install 'yichuang[ocr]')")
    if not fonts():
        pytest.skip("no CJK font to render test images (apt-get install fonts-wqy-microhei)")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("network access during OCR")

    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", refuse)
    mp.setattr(socket, "create_connection", refuse)
    try:
        r = PhotoReader()
        assert r.read_sync(sample(7, "receipt").image) is not None
        yield r
    finally:
        mp.undo()


@need_ocr
@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("receipt", {}),
        ("notice", {"rotate": 4.0, "quality": 60, "font_index": 1}),
        ("sms", {"size": 22, "font_index": 2}),
    ],
)
def test_photos_are_read_into_suggestions(
    reader: PhotoReader, kind: str, options: dict[str, Any]
) -> None:
    s = sample(3, kind, **options)
    reading = reader.read_sync(s.image)
    assert reading is not None and reading.seconds > 0
    got = {x.slot: x.value for x in suggestions(reading.lines, NOW)}
    t = s.truth
    assert got["id_number"] == t.id_number
    assert got.get("phone") == t.phone
    assert got.get("credit_code") == t.credit_code
    assert got["amount"] == pytest.approx(t.amount)
    assert got["period"] == {"start": t.period[0], "end": t.period[1]}


@need_ocr
async def test_reading_runs_off_the_event_loop(reader: PhotoReader) -> None:
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    reading = await reader.read(sample(11, "receipt").image, "image/jpeg")
    stop.set()
    await task
    assert reading is not None and reading.lines
    assert ticks >= min(10, int(reading.seconds / 0.01) // 4)


@need_ocr
async def test_what_cannot_be_read_is_simply_not_read(reader: PhotoReader) -> None:
    from PIL import Image

    assert await reader.read(b"not an image", "image/jpeg") is None
    assert await reader.read(b"%PDF-1.4", "application/pdf") is None
    huge = io.BytesIO()
    Image.new("1", (12000, 6000)).save(huge, format="PNG")  # 72 Mpx: not decoded
    assert await reader.read(huge.getvalue(), "image/png") is None
