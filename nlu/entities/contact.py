"""Phone numbers, ID numbers (GB 11643), unified social credit codes (GB 32100), case numbers."""

from __future__ import annotations

import re
from datetime import date

from identifiers import NumberCheck, check_number, find_case_numbers, id_shaped
from identifiers import credit_code_problem as uscc_problem
from identifiers import id_number_problem as id_problem
from identifiers.numbers import NumberKind
from nlu.entities.base import MAX_FOUND, Found

__all__ = ["case_numbers", "id_problem", "id_shaped", "identifiers", "phones", "uscc_problem"]

_MOBILE = re.compile(r"(?<![\dA-Za-z])(?:\+?86[-\s]?)?(1[3-9]\d(?:[-\s]?\d{4}){2})(?![\dA-Za-z])")
_LANDLINE = re.compile(r"(?<![\dA-Za-z])(\(?0\d{2,3}\)?[-\s]?[2-9]\d{6,7})(?![\dA-Za-z])")
_DIGIT_RUN = re.compile(
    r"(?<![\dA-Za-z])(\d{6}\s?\d{4}\s?\d{4}\s?\d{3}[\dXx]|[\dXx]{14,20})(?![\dA-Za-z])"
)
#: An ID number typed in groups: "1405 2219 5011 2005 18", "140522-19501120-0518".
_GROUPED = re.compile(r"(?<![\dA-Za-z])\d{1,11}(?:[ \-]\d{1,11}){1,8}(?:[ \-]?[Xx])?(?![\dA-Za-z])")
_GROUP = re.compile(r"\d+[Xx]?|[Xx]")
_USCC = re.compile(r"(?<![0-9A-Za-z])([0-9A-Za-z]{2}\d{6}[0-9A-Za-z]{9,11})(?![0-9A-Za-z])")
_ID_CUE = re.compile(r"身份证|证件号|身份号|公民身份")
_USCC_CUE = re.compile(r"信用代码|社会信用|营业执照|纳税人识别号|税号|组织机构代码")


def number_found(number: str, today: date, before: str) -> NumberCheck:
    """An 18-character number read by the words before it (``identifiers.check_number``):
    named as what the person was giving, a valid ID never a bad credit code."""
    asked: NumberKind | None = None
    if _ID_CUE.search(before):
        asked = "id_number"
    elif _USCC_CUE.search(before):
        asked = "credit_code"
    return check_number(number, today, asked=asked)


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


def _grouped_ids(text: str) -> list[tuple[int, int]]:
    """Spans of ID numbers typed in groups of digits: consecutive groups that make 18
    characters (or a whole run of 15 digits), so a phone typed just before does not hide it;
    else a whole run of 14 to 20 (an ID typed with a digit too many or too few)."""
    spans: list[tuple[int, int]] = []
    for m in _GROUPED.finditer(text):
        groups = [(m.start() + g.start(), m.start() + g.end()) for g in _GROUP.finditer(m.group(0))]
        found, i = len(spans), 0
        while i < len(groups):
            size, hit = 0, None
            for j in range(i, len(groups)):
                size += groups[j][1] - groups[j][0]
                if size == 18 or (size == 15 and i == 0 and j == len(groups) - 1):
                    hit = j
                    break
                if size > 18:
                    break
            if hit is None:
                i += 1
                continue
            if hit > i:  # one group alone is a plain run: ``_DIGIT_RUN`` reads it
                spans.append((groups[i][0], groups[hit][1]))
            i = hit + 1
        if len(spans) == found and 14 <= sum(b - a for a, b in groups) <= 20:
            spans.append((m.start(), m.end()))
    return spans


def identifiers(text: str, today: date) -> list[Found]:
    """ID numbers and credit codes. A number that looks like one but fails a check is kept,
    marked invalid with the reason."""
    out: list[Found] = []
    runs = [(m.start(1), m.end(1)) for m in _DIGIT_RUN.finditer(text)]
    runs += [g for g in _grouped_ids(text) if not any(s < g[1] and g[0] < e for s, e in runs)]
    for run_start, run_end in sorted(runs):
        if len(out) >= MAX_FOUND:
            break
        raw = text[run_start:run_end]
        number = re.sub(r"[\s-]", "", raw).upper()
        if "X" in number[:-1]:
            continue
        before = text[max(0, run_start - 12) : run_start]
        if len(number) == 18:
            found = number_found(number, today, before)
            out.append(Found(found.kind, number, run_start, run_end, found.valid, found.problem))
        elif (_ID_CUE.search(before) or text.strip() == raw.strip()) and number[:1] in "123456789":
            if len(number) == 15:
                reason = "这是15位的旧身份证号，请提供18位的身份证号"
            else:
                reason = f"身份证号应为18位，这里是{len(number)}位"
            out.append(Found("id_number", number, run_start, run_end, False, reason))
    taken = [(f.start, f.end) for f in out]
    for m in _USCC.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        code = m.group(1).upper()
        if code.isdigit() or any(s < m.end(1) and m.start(1) < e for s, e in taken):
            continue
        if len(code) != 18 and not _USCC_CUE.search(text[max(0, m.start(1) - 12) : m.start(1)]):
            continue
        if len(code) == 18:
            found = number_found(code, today, text[max(0, m.start(1) - 12) : m.start(1)])
            out.append(Found(found.kind, code, m.start(1), m.end(1), found.valid, found.problem))
            continue
        problem = uscc_problem(code)
        out.append(Found("credit_code", code, m.start(1), m.end(1), problem is None, problem))
    return out


def case_numbers(text: str) -> list[Found]:
    return [Found("case_number", number, a, b) for number, a, b in find_case_numbers(text)]
