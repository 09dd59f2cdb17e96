"""Phone numbers: mobiles (11 digits, 1[3-9]…) and landlines with an area code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from identifiers.digits import digit_string

MOBILE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class PhoneCheck:
    """The number as digits when it is one, else ``problem``: one Chinese sentence."""

    value: str | None
    problem: str | None = None


def phone_digits(text: str) -> str | None:
    """The digits of a phone number however typed: "+86 139-3561-2340", "１３９…",
    "一三九三五六一二三四零", "(0356)5551234"; None when the text is something else."""
    cleaned = (text or "").strip().replace("(", "").replace(")", "").replace("（", "")
    value = digit_string(cleaned.replace("）", ""))
    if value is None:
        return None
    if value.startswith("+"):
        value = value[1:]
        if value.startswith("86"):
            value = value[2:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    return value


def check_phone(text: str) -> PhoneCheck:
    digits = phone_digits(text)
    if digits is None:
        return PhoneCheck(None, "这不像电话号码，手机号是11位数字，座机请加区号。")
    if MOBILE.fullmatch(digits):
        return PhoneCheck(digits)
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return PhoneCheck(digits)
    if digits.startswith("1") and 9 <= len(digits) <= 13:
        return PhoneCheck(None, f"手机号是11位，您发的是{len(digits)}位，请再核对一下。")
    if 7 <= len(digits) <= 8:
        return PhoneCheck(None, "座机号请加上区号，比如0356-5551234。")
    return PhoneCheck(None, "这个电话号码好像不对，请再核对一下（手机号是11位）。")
