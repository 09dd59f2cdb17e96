"""Checks of single answers, with the friendly sentence to show when they fail.

The NLU already marks invalid entities (``Entity.valid``/``reason``); these checks cover bare
answers the NLU did not recognise as an entity, e.g. 17 digits typed for an ID number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ－", "0123456789xX-")
_MOBILE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Checked:
    value: str | None
    reason: str | None = None


def normalise_digits(text: str) -> str:
    """Full-width digits to ASCII; drops the spaces and dashes people type inside numbers."""
    return re.sub(r"[\s\-—]", "", text.translate(_FULLWIDTH))


def check_phone(text: str) -> Checked:
    digits = "".join(ch for ch in normalise_digits(text) if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.fullmatch(digits):
        return Checked(digits)
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return Checked(digits)  # landline with area code
    if digits.startswith("1") and len(digits) in (10, 12):
        return Checked(None, f"手机号是11位，您发的是{len(digits)}位，请再核对一下。")
    if 7 <= len(digits) <= 8:
        return Checked(None, "座机号请加上区号，比如0356-5551234。")
    return Checked(None, "这个电话号码好像不对，请再核对一下（手机号是11位）。")


def check_id_number(text: str) -> Checked:
    value = normalise_digits(text).upper()
    if not re.fullmatch(r"\d{17}[\dX]|\d{15}", value):
        n = len(re.sub(r"[^\dX]", "", value))
        return Checked(None, f"身份证号应该是18位，您发的是{n}位，请再核对一下。")
    if len(value) == 15:
        return Checked(None, "这是老的15位身份证号，请发18位的新号码。")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return Checked(None, "身份证号里的出生日期不对，请再核对一下。")
    try:
        ric.validate(value)
    except InvalidChecksum:
        return Checked(None, "身份证号第18位校验码不对，请再核对一下。")
    except ValidationError:
        return Checked(None, "这个身份证号好像不对，请再核对一下。")
    return Checked(value)


def check_credit_code(text: str) -> Checked:
    value = normalise_digits(text).upper()
    try:
        return Checked(uscc.validate(value))
    except InvalidLength:
        return Checked(None, f"统一社会信用代码应该是18位，您发的是{len(value)}位，请再核对一下。")
    except InvalidChecksum:
        return Checked(None, "统一社会信用代码最后一位校验码不对，请再核对一下。")
    except (InvalidFormat, ValidationError):
        return Checked(None, "这个统一社会信用代码好像不对，请再核对一下。")


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else phone[:-4] + "****"


def mask_id(value: str) -> str:
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else value


_ID_IN_TEXT = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_text(text: str) -> str:
    """ID numbers and mobile numbers inside free text, partly hidden (summaries)."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0).upper()), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
