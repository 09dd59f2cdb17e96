"""Synthetic receipts, notices and SMS screenshots for the OCR tests and benchmark.

Each ``Sample`` is a rendered image (JPEG bytes) with the truth it shows: an ID number (valid
check digit), a mobile phone number, an amount and a period; notices to employers also show a
unified social credit code. Rendered with a CJK font (Debian: fonts-noto-cjk or
fonts-wqy-microhei) at several sizes, rotations and JPEG qualities, from a seed.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_AREAS = ("140522", "140525", "140581", "140502", "429005", "110105")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "建国秀英桂兰志强丽娟海燕红梅文华玉珍明亮小红德胜"


def fonts() -> list[str]:
    """CJK fonts installed here (the first is the default)."""
    return [f for f in FONT_CANDIDATES if Path(f).exists()]


def id_number(rng: random.Random) -> str:
    born = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
    body = f"{rng.choice(_AREAS)}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + _ID_CHECK[total % 11]


def credit_code(rng: random.Random) -> str:
    body = "91" + rng.choice(_AREAS) + "".join(rng.choice(_USCC_CHARS) for _ in range(9))
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "152", "158", "177", "186", "199")) + "".join(
        str(rng.randint(0, 9)) for _ in range(8)
    )


@dataclass(frozen=True)
class Truth:
    id_number: str
    phone: str | None  # None: the image shows none of the resident's (an SMS)
    amount: float
    period: tuple[str, str]  # ISO start and end dates
    credit_code: str | None = None


@dataclass
class Sample:
    name: str
    kind: str  # receipt | notice | sms
    image: bytes  # JPEG
    truth: Truth
    params: dict[str, Any] = field(default_factory=dict)


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def _lines(kind: str, rng: random.Random, truth: Truth) -> list[str]:
    name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, 2))
    (y1, m1, _), (y2, m2, d2) = (
        tuple(int(x) for x in truth.period[0].split("-")),
        tuple(int(x) for x in truth.period[1].split("-")),
    )
    period_texts = [
        f"{y1}年{m1:02d}月至{y2}年{m2:02d}月",
        f"{y1}-{m1:02d}-01至{y2}-{m2:02d}-{d2:02d}",
        f"{y1}.{m1:02d}-{y2}.{m2:02d}",
    ]
    period = rng.choice(period_texts)
    amount = f"{truth.amount:,.2f}" if rng.random() < 0.5 else f"{truth.amount:.2f}"
    if kind == "receipt":
        return [
            "中华人民共和国",
            "社会保险费缴费凭证",
            f"票证号码：{rng.randint(10**11, 10**12 - 1)}",
            f"缴费人：{name}",
            f"身份证号：{truth.id_number}",
            f"联系电话：{truth.phone}",
            "险种：城乡居民基本养老保险",
            f"费款所属期：{period}",
            f"缴费金额（元）：{amount}",
            "征收机关：国家税务总局云川县税务局",
        ]
    if kind == "notice":
        assert truth.credit_code is not None
        return [
            "社会保险费核定通知书",
            f"单位名称：云川县{rng.choice(('宏达', '永兴', '鑫源', '华泰'))}建材有限公司",
            f"统一社会信用代码：{truth.credit_code}",
            f"经办人：{name}  身份证号码：{truth.id_number}",
            f"联系电话：{truth.phone}",
            f"核定所属期：{period}",
            f"核定应缴费额：{amount}元",
            "请于收到本通知之日起十五日内缴纳。",
        ]
    return [  # an SMS screenshot
        "短信  10086",
        f"【云川税务】尊敬的{name}（身份证{truth.id_number[:6]}********{truth.id_number[-4:]}）：",
        f"您{period}的社会保险费{amount}元已扣款成功。",
        "如有疑问请致电12366。",
        f"完整证件号：{truth.id_number}",
    ]


def render(
    lines: list[str], *, font_path: str, size: int, rotate: float, quality: int, seed: int
) -> bytes:
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    font = ImageFont.truetype(font_path, size)
    pad = size
    width = max(int(font.getlength(line)) for line in lines) + 2 * pad
    height = int(len(lines) * size * 1.8) + 2 * pad
    rng = random.Random(seed)
    paper = (rng.randint(238, 255), rng.randint(236, 252), rng.randint(225, 245))
    img = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        ink = (rng.randint(0, 60), rng.randint(0, 60), rng.randint(0, 90))
        draw.text((pad, pad + i * size * 1.8), line, font=font, fill=ink)
    if rotate:
        img = img.rotate(
            rotate, expand=True, fillcolor=(250, 250, 250), resample=Image.Resampling.BICUBIC
        )
    if quality < 50:
        img = img.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def sample(
    seed: int,
    kind: str = "receipt",
    *,
    size: int = 28,
    rotate: float = 0.0,
    quality: int = 90,
    font_index: int = 0,
) -> Sample:
    rng = random.Random(seed)
    year = rng.randint(2019, 2025)
    m1 = rng.randint(1, 6)
    m2 = rng.randint(m1, 12)
    truth = Truth(
        id_number=id_number(rng),
        phone=phone(rng) if kind != "sms" else None,
        amount=round(rng.uniform(120, 48000), 2),
        period=(f"{year}-{m1:02d}-01", _month_end(year, m2).isoformat()),
        credit_code=credit_code(rng) if kind == "notice" else None,
    )
    available = fonts()
    if not available:
        raise RuntimeError("no CJK font: apt-get install fonts-noto-cjk fonts-wqy-microhei")
    font = available[font_index % len(available)]
    image = render(
        _lines(kind, rng, truth),
        font_path=font,
        size=size,
        rotate=rotate,
        quality=quality,
        seed=seed,
    )
    params = {"size": size, "rotate": rotate, "quality": quality, "font": Path(font).name}
    return Sample(f"{kind}-{seed}", kind, image, truth, params)


def clean_set(n: int = 12, start: int = 1) -> Iterator[Sample]:
    """Clean renders: upright, good JPEG quality, normal sizes; all three kinds."""
    kinds = ("receipt", "notice", "sms")
    for i in range(n):
        yield sample(start + i, kinds[i % 3], size=(24, 28, 34)[i % 3], font_index=i)


def hard_set(n: int = 12, start: int = 1000) -> Iterator[Sample]:
    """Harder renders: small type, skew, 90° turns, heavy JPEG compression."""
    kinds = ("receipt", "notice", "sms")
    variants: list[tuple[int, float, int]] = [  # size, rotation, JPEG quality
        (18, 0.0, 60),
        (28, 4.0, 75),
        (28, -8.0, 85),
        (30, 90.0, 80),
        (26, 0.0, 25),
        (22, 2.0, 40),
    ]
    for i in range(n):
        size, rotate, quality = variants[i % len(variants)]
        yield sample(
            start + i, kinds[i % 3], size=size, rotate=rotate, quality=quality, font_index=i
        )
