"""Unified social credit codes of employers (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from identifiers.digits import ascii_digit


def normalise_credit_code(text: str) -> str:
    """Upper case, full-width folded, separators dropped."""
    out = []
    for ch in (text or "").strip():
        digit = ascii_digit(ch) if not ch.isascii() else None
        ch = digit or ch
        if ch.isascii() and ch.isalnum():
            out.append(ch.upper())
        elif 0xFF21 <= ord(ch) <= 0xFF5A:  # full-width Latin letters
            out.append(chr(ord(ch) - 0xFEE0).upper())
    return "".join(out)


def credit_code_problem(code: str) -> str | None:
    """Why a code is not valid, in Chinese (no closing punctuation), or None when valid."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，这里是{len(code)}位"
    try:
        uscc.validate(code)
    except InvalidChecksum:
        return "统一社会信用代码第18位校验码不对"
    except InvalidLength:
        return "统一社会信用代码应为18位"
    except ValidationError:
        return "统一社会信用代码含有不允许的字符（不用I、O、Z、S、V）"
    return None
