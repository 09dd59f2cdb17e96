"""Which number a person was giving: an 18-character number can be a resident ID number or a
unit's unified social credit code, and a mistyped one must be named as what the person meant
("身份证号…", not "统一社会信用代码…" to someone typing their own ID).

The rules: a valid ID number is an ID number (never "a bad credit code"), unless the unit's
code was asked and the number is a valid code too; a valid code that is no ID is a code; an
invalid number is named by the context (what was asked, or the words before it), else by its
shape: digits with the province and birth date of an ID (letters O / I / l read as the digits
they look like) are an ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from identifiers.credit_code import credit_code_problem, normalise_credit_code
from identifiers.resident_id import LOOKALIKE_DIGITS, id_number_problem

NumberKind = Literal["id_number", "credit_code"]
#: Letters people type for the digits they look like.
_LOOKALIKE = str.maketrans(LOOKALIKE_DIGITS)


@dataclass(frozen=True)
class NumberCheck:
    kind: NumberKind
    #: The normalised number when it is valid, else None.
    value: str | None
    #: Why it is not valid: one Chinese sentence naming ``kind`` (no closing punctuation).
    problem: str | None = None

    @property
    def valid(self) -> bool:
        return self.value is not None


def id_shaped(number: str, today: date) -> bool:
    """18 characters with an ID number's province and birth date, whatever its check digit
    (and with look-alike letters read as digits): an ID typed wrong, never a credit code."""
    number = number.upper()
    if len(number) != 18:
        return False
    digits = number[:17].translate(_LOOKALIKE)
    if not digits.isdigit():
        return False
    return any(id_number_problem(digits + d, today) is None for d in "0123456789X")


def check_number(text: str, today: date, *, asked: NumberKind | None = None) -> NumberCheck:
    """An 18-character number read as what the person was giving. ``asked``: what the
    context says it is (the question asked, or a cue word before it: 身份证 / 信用代码); None
    when nothing says."""
    code = normalise_credit_code(text)
    id_problem = id_number_problem(code, today)
    code_problem = credit_code_problem(code)
    if asked == "credit_code":
        if code_problem is None:
            return NumberCheck("credit_code", code)
        if id_problem is None:  # a valid personal ID: never "a bad credit code"
            return NumberCheck("id_number", code)
        if id_shaped(code, today) and not _has_letters(code):
            return NumberCheck("id_number", None, id_problem)
        return NumberCheck("credit_code", None, code_problem)
    if id_problem is None:
        return NumberCheck("id_number", code)
    if code_problem is None and not id_shaped(code, today):
        return NumberCheck("credit_code", code)
    if asked == "id_number" or id_shaped(code, today) or len(code) != 18:
        return NumberCheck("id_number", None, id_problem)
    return NumberCheck("credit_code", None, code_problem)


def _has_letters(code: str) -> bool:
    return any(ch.isalpha() for ch in code[:17])
