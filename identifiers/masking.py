"""Masking of personal numbers in everything staff pushes, logs and exports show.

One scanner finds phone and ID numbers however they were typed (spaces, dashes, dots, ``+86``,
full-width, other scripts' digits, Chinese digits read one by one) and replaces the middle
with ``*``. It over-masks rather than under-masks: any run of 12+ digits keeps only its last 4.
Linear in the text's length whatever it contains.
"""

from __future__ import annotations

import re

from identifiers.case_numbers import CASE_NUMBER_IN_TEXT
from identifiers.digits import CHINESE_DIGITS, SEPARATORS, ascii_digit
from identifiers.phone import MOBILE

#: A 7–10 digit group right after one of these words is a phone number (a landline without
#: its area code), not an amount or a date.
_PHONE_CUE = re.compile(r"(?:电话|手机|联系|座机|号码|tel|TEL|Tel|微信)[^\d]{0,4}$")
_MAX_SEPARATORS = 2


def mask_id(id_number: str | None) -> str | None:
    """``140522199003151234`` -> ``1405**********1234`` (first 4, last 4)."""
    if not id_number:
        return id_number
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_phone(phone: str | None) -> str | None:
    """``13812341427`` -> ``138****1427``; ``03565551234`` -> ``0356***1234``;
    ``5551234`` -> ``***1234``: at least three digits are always hidden."""
    if not phone:
        return phone
    digits = "".join(ascii_digit(ch) or "" for ch in phone)
    if len(digits) < 5:
        return "*" * len(digits)
    if MOBILE.fullmatch(digits):
        return f"{digits[:3]}****{digits[-4:]}"
    head = digits[:4] if digits.startswith("0") and len(digits) >= 10 else ""
    hidden = len(digits) - len(head) - 4
    return head + "*" * hidden + digits[-4:]


def _masked_number(digits: str, before: str) -> str | None:
    """The masked form of a digit group, or None to leave it as it is."""
    plain = digits.lstrip("+")
    if plain.startswith("86") and len(plain) == 13 and MOBILE.fullmatch(plain[2:]):
        plain = plain[2:]
    n = len(plain)
    if MOBILE.fullmatch(plain):
        return mask_phone(plain)
    if n == 18 or (n == 15 and plain.isdigit()):
        return mask_id(plain)
    if plain.startswith("0") and 10 <= n <= 12:
        return mask_phone(plain)
    if n >= 12:
        return "*" * (n - 4) + plain[-4:]
    if n >= 7 and _PHONE_CUE.search(before):
        return mask_phone(plain)
    return None


def mask_text(text: str) -> str:
    """``text`` with every phone and ID number in it masked; case numbers stay readable."""
    if not text:
        return text
    out: list[str] = []
    pos = 0
    for m in CASE_NUMBER_IN_TEXT.finditer(text):
        out.append(_mask_numbers(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_mask_numbers(text[pos:]))
    return "".join(out)


def _mask_numbers(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        chinese = ch in CHINESE_DIGITS
        if ascii_digit(ch) is None and not (ch == "+" and i + 1 < n and ascii_digit(text[i + 1])):
            out.append(ch)
            i += 1
            continue
        # One group: digits of one kind (Arabic or Chinese), a few separators between them.
        start, digits, j = i, [], i
        if ch == "+":
            digits.append("+")
            j += 1
        end = j
        while j < n:
            c = text[j]
            d = ascii_digit(c)
            if d is not None and (c in CHINESE_DIGITS) == chinese:
                digits.append(d)
                j += 1
                end = j
                continue
            if c in "xX" and len(digits) == 17:
                digits.append("X")
                j += 1
                end = j
                break
            k = j
            while k < n and text[k] in SEPARATORS and k - j < _MAX_SEPARATORS:
                k += 1
            if k > j and k < n and ascii_digit(text[k]) is not None and not chinese:
                j = k
                continue
            break
        group = "".join(digits)
        masked = None
        if not chinese or len(group) >= 7:
            masked = _masked_number(group, text[max(0, start - 10) : start])
        out.append(masked if masked is not None else text[start:end])
        i = end
    return "".join(out)
