"""Masking personal data in staff notifications (full data only behind authentication)."""

from __future__ import annotations

import re

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_id(id_number: str | None) -> str | None:
    """``140522199003151234`` -> ``1405**********1234`` (first 4, last 4)."""
    if not id_number:
        return id_number
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_phone(phone: str | None) -> str | None:
    """``13812341427`` -> ``138****1427``; landlines keep the area code and last 4 digits."""
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    if "-" in digits:
        area, _, local = digits.partition("-")
        return f"{area}-" + "*" * max(len(local) - 4, 0) + local[-4:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_text(text: str) -> str:
    """Mask ID numbers and mobile numbers written inside free text."""
    text = _ID_IN_TEXT.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(3)[-4:], text)
    return _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
