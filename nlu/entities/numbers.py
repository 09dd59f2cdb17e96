"""Numbers as people write them: 3500, 3,500.5, 三千五百, 一千二, 3千5, 1.2万, 两万三, 十几."""

from __future__ import annotations

import contextlib
import logging
import re

CN_DIGITS = "零〇一二两三四五六七八九"
CN_UNITS = "十百千万亿"
_DIGIT_VALUE = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "几": 2,  # "几十个" -> 20: a conservative lower bound
}
#: The numerals of financial writing (大写), one for one with the ordinary ones.
_CAPITALS = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟", "一二三四五六七八九十百千")
_UNIT_VALUE = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}


def _small(text: str) -> float | None:
    """A number below 10,000 with units 十百千, colloquial tail allowed ("一千二" = 1200)."""
    if not text:
        return 0.0
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total = 0.0
    current: float | None = None
    last_unit = 0
    i = 0
    while i < len(text):
        m = re.match(r"\d+(?:\.\d+)?", text[i:])
        if m:
            current = float(m.group(0))
            i += len(m.group(0))
            continue
        ch = text[i]
        if ch in "零〇":
            current = None
            last_unit = 0  # "一千零五": the 5 is units, not hundreds
        elif ch in _DIGIT_VALUE:
            current = float(_DIGIT_VALUE[ch])
        elif ch in "十百千":
            unit = _UNIT_VALUE[ch]
            total += (1.0 if current is None else current) * unit
            current = None
            last_unit = unit
        else:
            return None
        i += 1
    if current is not None:
        # "一千二" / "3千5": a bare digit after a unit is one order of magnitude below it.
        total += current * (last_unit // 10 if last_unit >= 100 else 1)
    return total


def parse_number(text: str) -> float | None:
    """The value of a number token, or None when it is not a number. "1.2万" -> 12000."""
    s = text.replace(",", "").replace("，", "").strip()
    s = s.translate(_CAPITALS)  # "贰拾叁万" is 二十三万
    s = s.replace("十好几", "十几")  # "十好几个": more than ten, said of people or money
    if s.startswith("好几"):  # "好几千" = 几千
        s = s[1:]
    if not s:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    if len(s) > 1 and s.endswith("几"):  # "十几" / "二十几": the lower bound
        s = s[:-1]
    # Sections split by 亿 / 万, each parsed on its own ("两万三" = 2万 + colloquial 3千).
    for big, factor in (("亿", 100_000_000), ("万", 10_000)):
        if big in s:
            head, _, tail = s.partition(big)
            head_value = parse_number(head) if head else 1.0
            if head_value is None:
                return None
            if tail and re.fullmatch(r"[\d一二两三四五六七八九]", tail):
                tail_value: float | None = float(_digit(tail)) * factor / 10
            else:
                tail_value = parse_number(tail) if tail else 0.0
            if tail_value is None:
                return None
            return head_value * factor + tail_value
    if "点" in s:
        head, _, tail = s.partition("点")
        head_value = _small(head)
        if head_value is None or not re.fullmatch(r"[\d零〇一二两三四五六七八九]+", tail or "0"):
            return None
        decimals = "".join(str(_digit(c)) for c in tail)
        return float(f"{int(head_value)}.{decimals or 0}")
    value = _small(s)
    if value is None:
        value = _cn2an(s)
    return value


def money_value(value: float) -> int | float:
    """An amount of money as said, to the fen: a whole number of yuan is an ``int``
    ("一百五十万" -> 1500000, "1.2万" -> 12000, never 1.5e+06 or 12000.000000000002), else a
    float with at most two decimals (3500.5)."""
    cents = round(value * 100)
    return cents // 100 if cents % 100 == 0 else cents / 100


def _digit(ch: str) -> int:
    return int(ch) if ch.isdigit() else _DIGIT_VALUE[ch]


def _cn2an(text: str) -> float | None:
    """cn2an's "smart" mode for whatever the small parser above did not take."""
    logging.getLogger("cn2an").setLevel(logging.ERROR)
    import cn2an

    with contextlib.suppress(Exception):
        return float(cn2an.cn2an(text, "smart"))
    return None


def warm() -> None:
    """Import the Chinese number library now (0.3 s) rather than in a user's turn."""
    _cn2an("一")
