"""Phone numbers, ID numbers (GB 11643), unified social credit codes (GB 32100), case numbers."""

from __future__ import annotations

import re
from datetime import date

from identifiers import credit_code_problem as uscc_problem
from identifiers import find_case_numbers
from identifiers import id_number_problem as id_problem
from nlu.entities.base import MAX_FOUND, Found

__all__ = ["case_numbers", "id_problem", "id_shaped", "identifiers", "phones", "uscc_problem"]

_MOBILE = re.compile(r"(?<![\dA-Za-z])(?:\+?86[-\s]?)?(1[3-9]\d(?:[-\s]?\d{4}){2})(?![\dA-Za-z])")
_LANDLINE = re.compile(r"(?<![\dA-Za-z])(\(?0\d{2,3}\)?[-\s]?[2-9]\d{6,7})(?![\dA-Za-z])")
_DIGIT_RUN = re.compile(
    r"(?<![\dA-Za-z])(\d{6}\s?\d{4}\s?\d{4}\s?\d{3}[\dXx]|[\dXx]{14,20})(?![\dA-Za-z])"
)
_USCC = re.compile(r"(?<![0-9A-Za-z])([0-9A-Za-z]{2}\d{6}[0-9A-Za-z]{9,11})(?![0-9A-Za-z])")
_ID_CUE = re.compile(r"身份证|证件号|身份号|公民身份")
_USCC_CUE = re.compile(r"信用代码|社会信用|营业执照|纳税人识别号|税号|组织机构代码")


def id_shaped(number: str, today: date) -> bool:
    """18 characters with an ID number's province and birth date, whatever its check digit:
    an ID typed with one wrong digit (it must be told so), never a credit code that happens
    to pass the code's own check."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return any(id_problem(number[:17] + d, today) is None for d in "0123456789X")


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def phones(text: str) -> list[Found]:
    out = [
        Found("phone", _digits(m.group(1)), m.start(1), m.end(1)) for m in _MOBILE.finditer(text)
    ]
    for m in _LANDLINE.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        digits = _digits(m.group(1))
        if 10 <= len(digits) <= 12:
            out.append(Found("phone", digits, m.start(1), m.end(1)))
    return out


def identifiers(text: str, today: date) -> list[Found]:
    """ID numbers and credit codes. A number that looks like one but fails a check is kept,
    marked invalid with the reason."""
    out: list[Found] = []
    for m in _DIGIT_RUN.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        raw = m.group(1)
        number = re.sub(r"\s", "", raw).upper()
        if "X" in number[:-1]:
            continue
        before = text[max(0, m.start(1) - 12) : m.start(1)]
        if _USCC_CUE.search(before) and len(number) == 18 and not _ID_CUE.search(before):
            problem = uscc_problem(number)
            out.append(Found("credit_code", number, m.start(1), m.end(1), problem is None, problem))
            continue
        whole = text.strip() == raw.strip()
        if len(number) == 18:
            problem = id_problem(number, today)
            if (
                problem
                and not _ID_CUE.search(before)
                and uscc_problem(number) is None
                and not id_shaped(number, today)
            ):
                out.append(Found("credit_code", number, m.start(1), m.end(1)))
                continue
            out.append(Found("id_number", number, m.start(1), m.end(1), problem is None, problem))
        elif (_ID_CUE.search(before) or whole) and number[:1] in "123456789":
            if len(number) == 15:
                reason = "这是15位的旧身份证号，请提供18位的身份证号"
            else:
                reason = f"身份证号应为18位，这里是{len(number)}位"
            out.append(Found("id_number", number, m.start(1), m.end(1), False, reason))
    taken = [(f.start, f.end) for f in out]
    for m in _USCC.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        code = m.group(1).upper()
        if code.isdigit() or any(s < m.end(1) and m.start(1) < e for s, e in taken):
            continue
        if len(code) != 18 and not _USCC_CUE.search(text[max(0, m.start(1) - 12) : m.start(1)]):
            continue
        problem = uscc_problem(code)
        out.append(Found("credit_code", code, m.start(1), m.end(1), problem is None, problem))
    return out


def case_numbers(text: str) -> list[Found]:
    return [Found("case_number", number, a, b) for number, a, b in find_case_numbers(text)]
