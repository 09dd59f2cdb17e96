"""Defect classes an acceptance tester found by chatting with the bot (round 2), each tested with
phrasings of our own: traditional characters, periods as people say them, names after roles,
units as written on a form, which number a person gave, amounts shown exactly, refusals with a
reason, and how-to questions (a consultation, not a complaint)."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

import pytest
from stdnum.cn import ric

from nlu.entities import extract, period_of
from nlu.entities.places import unit_name
from nlu.normalize import align, simplified
from nlu.parser import Nlu
from nlu.types import Gazetteer, Parse

NOW = datetime(2026, 11, 22, 10, 0)
TODAY = NOW.date()
COUNTY = Gazetteer(townships={"润城镇": ("庄头村", "龙港村"), "凤鸣镇": ("南关村", "北关村")})


def found(text: str, kind: str, gazetteer: Gazetteer | None = None) -> list[Any]:
    return [e.value for e in extract(text, NOW, gazetteer) if e.type == kind and e.valid]


def real_id(area: str, born: str, serial: str) -> str:
    body = area + born + serial
    return body + ric.calc_check_digit(body + "0")


# --- 1. traditional characters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "simple"),
    [
        ("單位欠繳養老保險", "单位欠缴养老保险"),
        ("滯納金為什麼這麼多", "滞纳金为什么这么多"),
        ("幫我們登記一下，謝謝", "帮我们登记一下，谢谢"),
        ("關於後來補繳的事", "关于后来补缴的事"),  # 於 and 後 in a traditional message
        ("乾淨俐落地辦完", "干净俐落地办完"),  # a phrase: 乾淨 -> 干净
        ("醫療保險報銷單據", "医疗保险报销单据"),
    ],
)
def test_traditional_text_reads_as_simplified(written: str, simple: str) -> None:
    assert simplified(written) == simple
    assert len(align(written)) == len(written)


@pytest.mark.parametrize("text", ["於秀兰是我妈", "乾坤", "著名的老字号", "于是我就去了", "后来"])
def test_a_simplified_message_is_never_changed(text: str) -> None:
    # 於 (a surname), 乾, 著 are simplified characters too: only a traditional message
    # (one with a traditional-only character) converts them.
    assert simplified(text) == text


def test_conversion_keeps_every_offset_on_any_text() -> None:
    rng = random.Random(7)
    alphabet = "單位繳費於乾著後裡麼社保费单位ab1２　\n，。哪吒乾淨"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        assert len(simplified(text)) == len(text)
        assert len(align(text)) == len(text)


def test_traditional_place_names_match_the_county_gazetteer() -> None:
    text = "我家在潤城鎮莊頭村，單位三年沒給交"
    ents = [e for e in extract(text, NOW, COUNTY) if e.type in ("township", "village")]
    assert [(e.type, e.value) for e in ents] == [("township", "润城镇"), ("village", "庄头村")]
    # offsets point into what the user wrote
    assert [e.text for e in ents] == ["潤城鎮", "莊頭村"]


@pytest.mark.parametrize(
    ("text", "expecting", "intent"),
    [
        ("略過", "phone", "skip"),
        ("確認無誤", "confirm", "affirm"),
        ("不願意，憑啥要我電話", "confirm", "deny"),
    ],
)
def test_traditional_answers_are_understood(
    shared_nlu: Nlu, text: str, expecting: str, intent: str
) -> None:
    assert shared_nlu.parse(text, NOW, expecting=expecting).intent == intent


# --- 2. periods ---------------------------------------------------------------------------


def test_years_said_one_by_one_are_one_period_that_keeps_the_years() -> None:
    assert period_of("2016年和2019年这两年都没交", TODAY) == {
        "start": "2016-01-01",
        "end": "2019-12-31",
        "years": [2016, 2019],
    }
    assert period_of("2012、2013、2015年的医保", TODAY) == {
        "start": "2012-01-01",
        "end": "2015-12-31",
        "years": [2012, 2013, 2015],
    }
    # "这三年" after a range names those years, not the last three
    assert found("2018年到2020年这三年", "period") == [
        {"start": "2018-01-01", "end": "2020-12-31"}
    ]


@pytest.mark.parametrize(
    "text", ["应该是2021年的，不是2018年", "不是2018年，是2021年", "2018年改成2021年"]
)
def test_a_period_said_to_be_wrong_is_left_out(text: str) -> None:
    assert period_of(text, TODAY) == {"start": "2021-01-01", "end": "2021-12-31"}
    assert found(text, "period") == [{"start": "2021-01-01", "end": "2021-12-31"}]


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("老板欠了俺们两年的养老", 24),
        ("厂里四年没给交社保", 48),
        ("断缴半年了", 6),
        ("拖欠五个月了", 5),
    ],
)
def test_a_duration_of_arrears_ends_today(text: str, months: int) -> None:
    value = period_of(text, TODAY)
    assert value is not None and value["end"] == TODAY.isoformat()
    start = date.fromisoformat(value["start"])
    assert (TODAY.year - start.year) * 12 + TODAY.month - start.month == months


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("就是今天", "2026-11-22", "2026-11-22"),
        ("昨天去办的", "2026-11-21", "2026-11-21"),
        ("本月", "2026-11-01", "2026-11-30"),
    ],
)
def test_days_and_this_month(text: str, start: str, end: str) -> None:
    assert period_of(text, TODAY) == {"start": start, "end": end}


def test_a_year_said_wins_over_a_day_counted_from_today() -> None:
    assert period_of("今天才知道2017年的没交上", TODAY) == {
        "start": "2017-01-01",
        "end": "2017-12-31",
    }


SPACED_ID = real_id("140524", "19771203", "203")


@pytest.mark.parametrize(
    "typed",
    [
        " ".join(SPACED_ID[i : i + 4] for i in range(0, 18, 4)),  # 1405 2419 7712 0320 3X
        f"{SPACED_ID[:6]} {SPACED_ID[6:14]} {SPACED_ID[14:]}",
        f"{SPACED_ID[:6]}-{SPACED_ID[6:14]}-{SPACED_ID[14:]}",
    ],
)
@pytest.mark.parametrize("before", ["", "身份证 ", "电话13912345678 身份证号 ", "欠了2万，"])
def test_an_id_typed_in_groups_is_an_id_never_a_period_amount_or_count(
    typed: str, before: str
) -> None:
    text = before + typed
    ents = extract(text, NOW)
    ids = [e for e in ents if e.type == "id_number"]
    assert [e.value for e in ids] == [SPACED_ID]
    assert ids[0].text == typed
    inside = [e for e in ents if e.type != "id_number" and e.end > len(before)]
    assert inside == []
    assert period_of(text, TODAY) is None


# --- 3. names after roles, units as written on a form -----------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("俺是村民代表车福贵，想反映个事", "车福贵"),
        ("我是食堂的会计代春梅", "代春梅"),
        ("我是车间主任贺建新", "贺建新"),
        ("这是网格员申晓东，替老人反映", "申晓东"),
    ],
)
def test_a_name_after_a_role_starts_after_the_role(text: str, name: str) -> None:
    assert found(text, "person_name") == [name]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("我是凤鸣镇南关村长治市鑫源铸造有限公司的工人", "长治市鑫源铸造有限公司"),
        ("市里恒达商贸公司不给交", "恒达商贸公司"),
        ("俺们矿金鼎煤业有限公司", "金鼎煤业有限公司"),
        ("在阳城县润达物流有限公司开车", "阳城县润达物流有限公司"),
        ("阳城县城关镇兴旺养殖场", "阳城县城关镇兴旺养殖场"),
    ],
)
def test_an_employer_is_named_as_on_a_form(text: str, unit: str) -> None:
    assert found(text, "employer", COUNTY) == [unit]


@pytest.mark.parametrize(
    ("answer", "unit"),
    [
        ("村里的鑫源铸造厂", "鑫源铸造厂"),
        ("就是县里那个恒达商贸", "恒达商贸"),
        ("在长治市鑫源铸造上班", "长治市鑫源铸造"),
        ("我们单位全称是晋城市恒达商贸有限公司。", "晋城市恒达商贸有限公司"),
    ],
)
def test_unit_name_from_an_answer(answer: str, unit: str) -> None:
    assert unit_name(answer) == unit


# --- 4. which number a person gave -----------------------------------------------------------


def test_an_id_with_a_letter_o_is_reported_as_an_id() -> None:
    number = real_id("140525", "19630708", "412")
    i = number.index("0", 6)
    typed = number[:i] + "O" + number[i + 1 :]
    ents = [e for e in extract(f"身份证号{typed}", NOW) if e.type in ("id_number", "credit_code")]
    assert [(e.type, e.valid) for e in ents] == [("id_number", False)]
    assert "身份证号" in (ents[0].reason or "") and "信用代码" not in (ents[0].reason or "")


@pytest.mark.parametrize("before", ["没有信用代码，", "营业执照号", "信用代码", ""])
def test_a_valid_personal_id_is_never_a_bad_credit_code(before: str) -> None:
    number = real_id("140522", "19580312", "586")
    ents = [e for e in extract(before + number, NOW) if e.type in ("id_number", "credit_code")]
    assert [(e.type, e.value, e.valid) for e in ents] == [("id_number", number, True)]


# --- 5. amounts are exact ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("欠了二百三十万", 2_300_000), ("差不多1.2万", 12_000), ("罚了3500.5元", 3500.5)],
)
def test_amounts_are_exact(text: str, value: float) -> None:
    amounts = found(text, "amount")
    assert amounts == [value]
    assert isinstance(amounts[0], int) == (value == int(value))
    assert "e+" not in str(amounts[0])


def test_a_bare_amount_answer_is_exact(shared_nlu: Nlu) -> None:
    parse = shared_nlu.parse("四百二十万", NOW, expecting="amount")
    assert [e.value for e in parse.all("amount")] == [4_200_000]
    assert isinstance(parse.all("amount")[0].value, int)


# --- 6. refusals with a reason --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["不同意，为什么非要我的电话", "不愿意，你们要这个干啥", "不行不行，凭什么给你们", "不要，我不放心"],
)
def test_a_refusal_with_anything_after_it_is_a_no(shared_nlu: Nlu, text: str) -> None:
    parse = shared_nlu.parse(text, NOW, expecting="confirm")
    assert parse.intent == "deny"
    assert parse.question == ("不放心" not in text)


@pytest.mark.parametrize("text", ["好的", "可以，不要紧", "没问题，提交吧"])
def test_a_yes_is_still_a_yes(shared_nlu: Nlu, text: str) -> None:
    parse: Parse = shared_nlu.parse(text, NOW, expecting="confirm")
    assert parse.intent == "affirm" and not parse.question


# --- 7. a how-to question is a consultation ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["公司的医保费在哪儿申报", "新招的工人咋办参保", "企业养老保险怎么缴纳呀", "单位增员怎么操作"],
)
def test_a_how_to_question_is_out_of_scope(shared_nlu: Nlu, text: str) -> None:
    parse = shared_nlu.parse(text, NOW)
    assert parse.intent == "out_of_scope" and parse.category is None
    assert parse.question


@pytest.mark.parametrize(
    "text",
    ["单位不给交社保，我该怎么办", "多扣的医保费怎么退", "系统一直报错，社保费怎么申报"],
)
def test_a_question_with_a_grievance_is_still_a_report(shared_nlu: Nlu, text: str) -> None:
    assert shared_nlu.parse(text, NOW).intent == "report_dispute"
