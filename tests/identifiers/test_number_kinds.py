"""What number a person was giving (acceptance round 2): a mistyped number is named as what the
person meant — an ID number unless the context says credit code — and a valid personal ID is
never reported as a bad unified social credit code. Roles before a name are not the name."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from identifiers import bare_name, check_number, id_number_problem, id_shaped, name_plausibility

TODAY = date(2026, 11, 30)


def real_id(area: str, born: str, serial: str = "123") -> str:
    body = area + born + serial
    return body + ric.calc_check_digit(body + "0")


VALID_ID = real_id("140525", "19630708", "412")


@pytest.mark.parametrize("asked", [None, "id_number", "credit_code"])
def test_a_valid_personal_id_is_an_id_whatever_was_asked(asked: str | None) -> None:
    found = check_number(VALID_ID, TODAY, asked=asked)  # type: ignore[arg-type]
    assert (found.kind, found.value, found.problem) == ("id_number", VALID_ID, None)


@pytest.mark.parametrize(("letter", "digit"), [("O", "0"), ("o", "0"), ("I", "1"), ("l", "1")])
def test_a_letter_typed_for_a_digit_in_an_id_names_the_id(letter: str, digit: str) -> None:
    i = VALID_ID.index(digit, 6)
    typed = VALID_ID[:i] + letter + VALID_ID[i + 1 :]
    found = check_number(typed, TODAY)
    assert found.kind == "id_number" and not found.valid
    assert found.problem and "身份证号" in found.problem and "信用代码" not in found.problem
    assert letter.upper() in found.problem  # says which character is wrong
    assert id_shaped(typed, TODAY)


def test_a_wrong_check_digit_is_an_id_problem_unless_the_unit_code_was_asked_and_has_letters() -> (
    None
):
    wrong = VALID_ID[:17] + ("1" if VALID_ID[17] != "1" else "2")
    assert "身份证号" in (check_number(wrong, TODAY).problem or "")
    assert check_number(wrong, TODAY, asked="credit_code").kind == "id_number"
    code = "91140525MA0GUFK94M"  # letters: a unit's code typed with a wrong check character
    found = check_number(code, TODAY)
    assert found.kind == "credit_code" and not found.valid
    assert "信用代码" in (found.problem or "")


def test_the_id_problem_for_a_letter_is_one_plain_sentence() -> None:
    problem = id_number_problem(VALID_ID[:8] + "O" + VALID_ID[9:], TODAY) or ""
    assert problem.startswith("身份证号") and "O" in problem and "0" in problem


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("我是职工代表郇春生", "郇春生"),
        ("组长刘二平", "刘二平"),
        ("本人是网格员冯翠兰", "冯翠兰"),
        ("总经理高建军", "高建军"),
        ("代晓燕", "代晓燕"),  # 代 is a surname too: no role stripped from a plain name
    ],
)
def test_roles_before_a_name_are_not_the_name(said: str, name: str) -> None:
    assert bare_name(said) == name
    assert name_plausibility(said) == "sure"
