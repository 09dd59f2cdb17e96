"""Resident identity numbers (公民身份号码, GB 11643-1999).

A number is valid when its format, province, birth date and check digit are. Its 6-digit area
code is the code in force when the card was *issued*, which can be younger than the holder (a
villager of 阳城县 born in 1958 carries 140522, a code created in 1985), so the area code is
not checked against the birth date — python-stdnum's ``cn.ric.validate`` does that and refuses
real numbers (its issue #442); only its check-digit computation is used here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric

from identifiers.digits import digit_string

#: First two digits of the provinces, autonomous regions, municipalities and SARs.
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
})  # fmt: skip


#: Letters typed for the digits they look like (O for 0): named in the problem, and read as
#: those digits when telling whether a number is shaped like an ID (``numbers.id_shaped``).
LOOKALIKE_DIGITS = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8"}


@dataclass(frozen=True)
class IdCheck:
    """The normalised number when valid, else ``problem``: one Chinese sentence for the user."""

    value: str | None
    problem: str | None = None


def normalise_id_number(text: str) -> str | None:
    """Digits (and a final X) of an ID number typed with spaces, dashes, full-width or Chinese
    digits; None when the text is not a number."""
    value = digit_string(text)
    if value is None or value.startswith("+"):
        return None
    return value


def id_number_problem(number: str, today: date) -> str | None:
    """Why an ID number is not valid, in Chinese (no closing punctuation), or None when valid."""
    if len(number) == 15 and number.isdigit():
        return "这是老的15位身份证号，请提供18位的新号码"
    if len(number) != 18:
        return f"身份证号应为18位，这里是{len(number)}位"
    letters = [ch for ch in number[:17] if not ch.isdigit()]
    if letters and letters[0].upper() in LOOKALIKE_DIGITS:
        digit = LOOKALIKE_DIGITS[letters[0].upper()]
        return (
            f"身份证号只有数字（最后一位可能是X），这里有字母{letters[0]}，是不是数字{digit}"
        )
    if letters or not (number[17].isdigit() or number[17] == "X"):
        return "身份证号前17位应是数字，最后一位是数字或X"
    if number[:2] not in PROVINCES:
        return "身份证号前两位的地区代码不对"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1880 or born > today:
        return "身份证号第7到14位的出生日期不对"
    if ric.calc_check_digit(number) != number[17]:
        return "身份证号第18位校验码不对"
    return None


def check_id_number(text: str, today: date) -> IdCheck:
    """A typed answer checked as an ID number."""
    number = normalise_id_number(text)
    if number is None:
        return IdCheck(None, "这不像身份证号，身份证号是18位数字（最后一位可能是X）")
    problem = id_number_problem(number, today)
    return IdCheck(None, problem) if problem else IdCheck(number)


def birth_date(number: str) -> date | None:
    """The holder's birth date, from a valid 18-digit number."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
