"""Checks of single answers, with the friendly sentence to show when they fail.

The NLU already marks invalid entities (``Entity.valid``/``reason``); these checks cover bare
answers the NLU did not recognise as an entity, e.g. 17 digits typed for an ID number. The
rules themselves live in ``identifiers`` (one home for each kind of number).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from identifiers import (
    check_id_number as _check_id,
)
from identifiers import (
    check_phone as _check_phone,
)
from identifiers import (
    credit_code_problem,
    normalise_credit_code,
)
from identifiers.digits import CHINESE_DIGITS, SEPARATORS, ascii_digit

#: When no message date is known, only impossible birth dates are refused.
_NO_DATE = date(9999, 12, 31)


@dataclass(frozen=True)
class Checked:
    value: str | None
    reason: str | None = None


def normalise_digits(text: str) -> str:
    """Digits of any script to ASCII (not Chinese ones: 一 is a word too); drops the spaces
    and dashes people type inside numbers."""
    out = []
    for ch in text:
        if ch in SEPARATORS and ch != ".":
            continue
        digit = None if ch in CHINESE_DIGITS else ascii_digit(ch)
        out.append(digit or ("X" if ch in "xｘＸ" else ch))
    return "".join(out)


def _sentence(problem: str) -> str:
    return problem if problem.endswith(("。", "）")) else f"{problem}，请再核对一下。"


def check_phone(text: str) -> Checked:
    result = _check_phone(text)
    return Checked(result.value, result.problem)


def check_id_number(text: str, today: date | None = None) -> Checked:
    result = _check_id(text, today or _NO_DATE)
    return Checked(result.value, _sentence(result.problem) if result.problem else None)


def check_credit_code(text: str) -> Checked:
    code = normalise_credit_code(text)
    problem = credit_code_problem(code)
    return Checked(None, _sentence(problem)) if problem else Checked(code)
