"""Offline OCR of photos (optional extra ``yichuang[ocr]``: rapidocr-onnxruntime, whose wheel
carries the PP-OCR detection, direction and recognition models — nothing is downloaded).

``PhotoReader.read(data)`` decodes the image (EXIF orientation applied, size bounded),
runs the OCR in a worker thread (onnxruntime releases the GIL, so the event loop keeps
serving) one image at a time per reader, and returns the text lines top to bottom. Without
the extra, ``available()`` is False and ``read`` returns None: the photo is simply stored.
Feed the lines to ``bot.media.suggest.suggestions``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: Larger photos are scaled down to this long side first (phone photos are 4000 px; text
#: on a receipt stays legible and detection time falls with the area).
MAX_SIDE = 1600
#: Refuse to decode images above this many pixels (decompression bombs).
MAX_PIXELS = 50_000_000
#: Content types worth reading (PDFs, HEIC without a decoder plug-in, audio: not read).
READABLE = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


def available() -> bool:
    """The OCR extra is installed (rapidocr-onnxruntime and Pillow importable)."""
    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr_onnxruntime", "PIL"))


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class OcrReading:
    lines: tuple[str, ...]
    raw: tuple[OcrLine, ...]
    seconds: float
    size: tuple[int, int]  # the image as read (after scaling)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class PhotoReader:
    """One OCR engine (loaded on first use, ~1 s), used by one image at a time.

    ``threads``: onnxruntime's intra-op threads. One by default: the bot shares its cores
    with the web server and the database, and onnxruntime's spinning worker threads cost
    twice the CPU for little gain on a busy 2-core machine (see benchmarks/ocr_bench.py)."""

    def __init__(self, *, max_side: int = MAX_SIDE, threads: int | None = 1) -> None:
        self.max_side = max_side
        self.threads = threads
        self._engine: Any = None
        self._load_lock = threading.Lock()
        self._busy: asyncio.Semaphore | None = None

    @property
    def available(self) -> bool:
        return available()

    async def read(self, data: bytes, content_type: str | None = None) -> OcrReading | None:
        """The photo's text lines off the event loop; None when OCR is not installed, the
        type is not readable or the image cannot be decoded."""
        if not available() or (content_type is not None and content_type not in READABLE):
            return None
        if self._busy is None:
            self._busy = asyncio.Semaphore(1)
        async with self._busy:
            return await asyncio.to_thread(self.read_sync, data)

    def read_sync(self, data: bytes) -> OcrReading | None:
        """The same, blocking (for scripts and the benchmark)."""
        if not available():
            return None
        start = time.perf_counter()
        image = _decode(data, self.max_side)
        if image is None:
            return None
        result, _ = self._load()(image)
        raw = tuple(_line(item) for item in (result or []) if item and len(item) >= 3)
        lines = tuple(rows(raw))
        return OcrReading(lines, raw, time.perf_counter() - start, (image.shape[1], image.shape[0]))

    def _load(self) -> Any:
        with self._load_lock:
            if self._engine is None:
                from rapidocr_onnxruntime import RapidOCR

                kwargs: dict[str, Any] = {}
                if self.threads:
                    kwargs["intra_op_num_threads"] = self.threads
                self._engine = RapidOCR(**kwargs)
            return self._engine


def _decode(data: bytes, max_side: int) -> Any:
    import numpy as np
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width * height > MAX_PIXELS or width < 8 or height < 8:
                return None
            img.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale
            shown = ImageOps.exif_transpose(img).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    if max(shown.size) > max_side:
        shown.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return np.asarray(shown)


def _line(item: Sequence[Any]) -> OcrLine:
    box, text, score = item[0], str(item[1]), float(item[2])
    xs = [float(p[0]) for p in box]
    ys = [float(p[1]) for p in box]
    return OcrLine(text, score, (min(xs), min(ys), max(xs), max(ys)))


def rows(lines: Sequence[OcrLine]) -> list[str]:
    """Text lines top to bottom; boxes on the same row (a label and its value in two table
    cells) joined left to right. Upright boxes of a turned page stay on their own."""
    flat = [ln for ln in lines if ln.box[2] - ln.box[0] >= ln.box[3] - ln.box[1]]
    upright = [ln for ln in lines if ln not in flat]
    flat.sort(key=lambda ln: ((ln.box[1] + ln.box[3]) / 2, ln.box[0]))
    grouped: list[list[OcrLine]] = []
    for ln in flat:
        if grouped and _same_row(grouped[-1][-1], ln):
            grouped[-1].append(ln)
        else:
            grouped.append([ln])
    out = [" ".join(x.text for x in sorted(g, key=lambda x: x.box[0])) for g in grouped]
    out.extend(ln.text for ln in sorted(upright, key=lambda ln: ln.box[0]))
    return [t for t in out if t.strip()]


def _same_row(a: OcrLine, b: OcrLine) -> bool:
    top, bottom = max(a.box[1], b.box[1]), min(a.box[3], b.box[3])
    overlap = bottom - top
    return overlap > 0.5 * min(a.box[3] - a.box[1], b.box[3] - b.box[1])
