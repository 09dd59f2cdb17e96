"""One home for each identifier: ID numbers, credit codes, phones, names, case numbers, digits
as typed, and masking."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from identifiers import (
    check_id_number,
    check_phone,
    credit_code_problem,
    digit_string,
    id_number_problem,
    mask_id,
    mask_phone,
    mask_text,
    name_plausibility,
    normalise_case_number,
    normalise_credit_code,
    small_int,
)

TODAY = date(2026, 11, 30)


def real_id(area: str, born: str, serial: str = "123") -> str:
    body = area + born + serial
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


# Area codes younger than their holders: 140522 阳城县 (1985), 140525 泽州县 (1996),
# 429005 潜江市 (1988 as a sub-prefecture city), 410581 林州市 (1994), 130481 武安市 (1988),
# 610581 韩城市 (1983 -> a 1950 birth), 510681 广汉市 (1988).
OLDER_THAN_THEIR_AREA_CODE = [
    real_id("140522", "19580312"),
    real_id("140522", "19620415", "586"),
    real_id("140525", "19700101"),
    real_id("429005", "19551120"),
    real_id("410581", "19840229"),
    real_id("130481", "19501001"),
    real_id("610581", "19500505"),
    real_id("510681", "19661231"),
]


@pytest.mark.parametrize("number", OLDER_THAN_THEIR_AREA_CODE)
def test_ids_whose_area_code_is_younger_than_the_holder_are_valid(number: str) -> None:
    assert id_number_problem(number, TODAY) is None
    assert check_id_number(number, TODAY).value == number


def test_stdnum_still_refuses_them_which_is_why_it_is_not_used() -> None:
    # python-stdnum issue #442: if this starts passing, the workaround can go.
    assert not ric.is_valid(real_id("140525", "19700101"))


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        (real_id("140522", "19580312")[:-1] + "0", "校验码"),
        ("140522195802301234", "出生日期"),
        ("990522195803121234", "地区代码"),
        ("14052219580312", "18位"),
        ("140522580312123", "15位"),
        (real_id("140522", "20270101"), "出生日期"),
    ],
)
def test_each_failed_check_is_named(typed: str, problem: str) -> None:
    result = check_id_number(typed, TODAY)
    assert result.value is None and result.problem and problem in result.problem


@pytest.mark.parametrize(
    "typed",
    [
        "140522 19580312 1230",
        "140522-1958-0312-123X",
        "１４０５２２１９５８０３１２１２３Ｘ",
    ],
)
def test_ids_typed_with_spaces_dashes_and_full_width(typed: str) -> None:
    digits = digit_string(typed)
    assert digits is not None and len(digits) == 18


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("13935612340", "13935612340"),
        ("139 3561 2340", "13935612340"),
        ("139-3561-2340", "13935612340"),
        ("+86 139 3561 2340", "13935612340"),
        ("8613935612340", "13935612340"),
        ("１３９３５６１２３４０", "13935612340"),
        ("一三九三五六一二三四零", "13935612340"),
        ("幺三九三五六幺二三四洞", "13935612340"),
        ("0356-5551234", "03565551234"),
        ("(0356)5551234", "03565551234"),
    ],
)
def test_phones_however_typed(typed: str, value: str) -> None:
    assert check_phone(typed).value == value


@pytest.mark.parametrize("typed", ["1393561234", "5551234", "不知道", "1" * 5000, "\x00"])
def test_bad_phones_get_a_sentence(typed: str) -> None:
    result = check_phone(typed)
    assert result.value is None and result.problem and result.problem.endswith("。")


def test_credit_codes() -> None:
    assert credit_code_problem("91140522MA0K1234X1") is not None
    code = normalise_credit_code("9114 0522 ma0k 1234 x1")
    assert code == "91140522MA0K1234X1"
    assert credit_code_problem("91350100M000100Y43") is None


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("电话13812341427", "13812341427"),
        ("电话 138 1234 1427", "138 1234 1427"),
        ("电话138-1234-1427", "138-1234-1427"),
        ("+86 13812341427", "13812341427"),
        ("手机１３８１２３４１４２７", "１３８１２３４１４２７"),
        ("号码一三八一二三四一四二七", "一三八一二三四一四二七"),
        ("身份证140522195803121230", "140522195803121230"),
        ("身份证 1405 2219 5803 1212 3X", "1405 2219 5803 1212 3X"),
        ("座机0356-5551234", "0356-5551234"),
        ("电话5551234", "5551234"),
        ("卡号6222021234567890123", "6222021234567890123"),
    ],
)
def test_masking_covers_every_way_of_typing(text: str, hidden: str) -> None:
    masked = mask_text(text)
    assert hidden not in masked and "*" in masked


def test_masking_keeps_what_staff_need() -> None:
    text = "YC-2026-000123 2023-01-15 扣了3500元 37名职工"
    assert mask_text(text) == text
    assert mask_phone("13812341427") == "138****1427"
    assert mask_phone("5551234") == "***1234"
    assert mask_id("11010519491231002X") == "1101**********002X"


@pytest.mark.parametrize(
    "answer",
    [
        "萧红",
        "郇保田",
        "刘镇",
        "栗建军",
        "冀秀英",
        "晋小明",
        "阴丽华",
        "郇建军",
        "欧阳春梅",
        "俺叫李桂花",
        "傅明",
    ],
)
def test_less_common_surnames_are_names(answer: str) -> None:
    assert name_plausibility(answer) == "sure"


@pytest.mark.parametrize(
    ("answer", "verdict"), [("不知道", "no"), ("跳过", "no"), ("禤晓东", "maybe")]
)
def test_unknown_surnames_ask_rather_than_refuse(answer: str, verdict: str) -> None:
    assert name_plausibility(answer) == verdict


@pytest.mark.parametrize(
    ("typed", "value"),
    [("2", 2), ("２", 2), ("②", 2), ("#2", 2), ("第二个", 2), ("十二", 12), ("⑩", 10), ("²", 2)],
)
def test_menu_numbers(typed: str, value: int) -> None:
    assert small_int(typed) == value


@pytest.mark.parametrize("typed", ["9" * 5000, "abc", "", "-1", "1.5", "\x00"])
def test_menu_numbers_never_raise(typed: str) -> None:
    assert small_int(typed) is None


def test_case_numbers_as_typed() -> None:
    assert normalise_case_number("yc2026123") == "YC-2026-000123"
    assert normalise_case_number("YC－2026－000123") == "YC-2026-000123"
    assert normalise_case_number("YC-" + "9" * 800) is None


def test_plain_digits_keeps_length_and_words() -> None:
    from identifiers import phone_digits, plain_digits

    typed = "①③⑨③⑤⑥⑦⑧⑧⑨⓪"
    assert plain_digits(typed) == "13935678890"
    assert plain_digits("电话１３９，一三九") == "电话139，一三九"  # Chinese numerals stay words
    assert plain_digits("⑩号") == "⑩号"  # not one digit: left as typed
    assert len(plain_digits("鳳①②x")) == 4
    assert phone_digits(typed) == "13935678890"
