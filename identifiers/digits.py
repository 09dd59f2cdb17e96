"""Digits as people type them: full-width (１３９), circled (①), Chinese (一三九, 幺), with
spaces, dashes or dots between groups. ``int()`` is only ever called on ASCII digits here."""

from __future__ import annotations

import unicodedata

#: Chinese characters read aloud digit by digit in phone and ID numbers (幺 = 1, 洞 = 0).
CHINESE_DIGITS: dict[str, str] = {
    "零": "0", "〇": "0", "○": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2",
    "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
#: What people put between digit groups: spaces, hyphens and dashes, dots.
SEPARATORS = frozenset(" \u00a0\u3000\t-‐‑‒–—―－﹣.·・．")


def ascii_digit(ch: str) -> str | None:
    """The ASCII digit a character stands for ("１", "①", "٣", "三" -> "1", "1", "3", "3")."""
    if "0" <= ch <= "9":
        return ch
    if ch in CHINESE_DIGITS:
        return CHINESE_DIGITS[ch]
    value = unicodedata.digit(ch, None)
    if value is not None:
        return str(value)
    return None


def digit_string(text: str, *, max_len: int = 64) -> str | None:
    """The digits of a number typed with separators or in other scripts, with a trailing X of
    an ID number kept; None when ``text`` holds anything else (or too many characters).

    "139 3561-2340" -> "13935612340"; "一三九三五六一二三四零" -> "13935612340";
    "+86 138 1234 1427" -> "+8613812341427"; "14052219580312452x" -> "14052219580312452X".
    """
    s = unicodedata.normalize("NFKC", text or "").strip()
    if not s or len(s) > max_len:
        return None
    out: list[str] = []
    for i, ch in enumerate(s):
        digit = ascii_digit(ch)
        if digit is not None:
            out.append(digit)
        elif ch in SEPARATORS:
            continue
        elif ch == "+" and not out:
            out.append("+")
        elif ch in "xX" and i == len(s) - 1 and out:
            out.append("X")
        else:
            return None
    value = "".join(out)
    return value if value.strip("+") else None


def plain_digits(text: str) -> str:
    """``text`` with every non-ASCII digit character that stands for one digit (full-width
    "１", circled "①" / "⓪", other scripts' "٣") written as its ASCII digit, the length
    kept (offsets still hold). Chinese numerals are words and stay as they are."""
    if text.isascii():
        return text
    return "".join(
        ch if ch.isascii() or ch in CHINESE_DIGITS else (ascii_digit(ch) or ch) for ch in text
    )


def small_int(text: str, *, limit: int = 999) -> int | None:
    """A small whole number typed as a choice ("2", "２", "②", "#2", "第二个", "二"), or None.

    Never raises, whatever the input: 5,000 digits or "²" give None.
    """
    s = unicodedata.normalize("NFKC", text or "").strip().lstrip("#＃第").rstrip("个项条号.、。")
    if not s or len(s) > 4:
        return None
    digits = "".join(ascii_digit(ch) or "?" for ch in s)
    if len(s) == 2 and s[0] == "十" and s[1] in CHINESE_DIGITS:  # 十二
        digits = "1" + CHINESE_DIGITS[s[1]]
    elif s == "十":
        digits = "10"
    if not digits.isascii() or not digits.isdigit():
        return None
    value = int(digits)
    return value if 0 <= value <= limit else None
