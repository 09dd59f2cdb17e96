"""Real phrasing (issue 11): each failure class found on messages written by others.

Short first messages are reports; what the dialogue asked (``expecting``) decides how a short
answer reads; neighbours of a dispute are out of scope; names after 我是…的 / 本人 / 俺叫;
amounts as people say them; money and people told apart by their units; tier hints from
evidence, not bare words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from nlu.parser import EXPECTING, Nlu
from nlu.rasa_client import from_rasa
from nlu.types import INTENTS, Parse

NOW = datetime(2026, 11, 22, 10, 0)


def values(parse: Parse, kind: str) -> list[Any]:
    return [e.value for e in parse.entities if e.type == kind and e.valid]


# --- short first messages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("扣费金额不对", "contribution_amount"),
        ("缴费记录不对", "payment_record"),
        ("返还金额有误", "refund"),
        ("滞纳金太高了", "late_fee"),
        ("基数不对", "contribution_base"),
        ("退费金额不对", "refund"),
    ],
)
def test_a_short_first_message_that_states_a_problem_is_a_report(
    shared_nlu: Nlu, text: str, category: str
) -> None:
    parse = shared_nlu.parse(text, NOW)
    assert (parse.intent, parse.category) == ("report_dispute", category)


def test_a_vague_first_message_is_a_report_with_a_ranking_to_choose_from(shared_nlu: Nlu) -> None:
    parse = shared_nlu.parse("社保的事情有点问题想问问", NOW)
    assert parse.intent == "report_dispute"
    assert len([label for label, _ in parse.ranking if label != "other"]) >= 3


@pytest.mark.parametrize(
    "text",
    [
        "我上个月反映的社保问题怎么样了",
        "我之前提交的社保问题进展如何",
        "反映快半个月了，咋还没人给我回话",
    ],
)
def test_asking_about_a_case_is_not_a_new_report(shared_nlu: Nlu, text: str) -> None:
    assert shared_nlu.parse(text, NOW).intent == "query_status"


def test_a_complaint_repeated_is_a_report_not_a_status_question(shared_nlu: Nlu) -> None:
    parse = shared_nlu.parse("滞纳金的事反映过好几次了，一直没人管", NOW)
    assert (parse.intent, parse.category, parse.tier) == ("report_dispute", "late_fee", "complex")


@pytest.mark.parametrize("text", ["怎么提交", "你是谁", "你能做什么"])
def test_questions_about_the_bot_are_help(shared_nlu: Nlu, text: str) -> None:
    assert shared_nlu.parse(text, NOW).intent == "help"


# --- what the dialogue asked ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["对，确认提交", "好的，你登记吧", "中", "对着哩", "就这", "没问题"]
)
def test_yes_after_a_confirmation_question(shared_nlu: Nlu, text: str) -> None:
    parse = shared_nlu.parse(text, NOW, expecting="confirm")
    assert parse.intent == "affirm" and parse.category is None


@pytest.mark.parametrize("text", ["不对", "不是", "错了"])
def test_no_after_a_confirmation_question(shared_nlu: Nlu, text: str) -> None:
    assert shared_nlu.parse(text, NOW, expecting="confirm").intent == "deny"


@pytest.mark.parametrize(
    ("text", "expecting", "kind", "value"),
    [
        ("李桂花", "name", "person_name", "李桂花"),
        ("郇保田", "worker_name", "person_name", "郇保田"),
        ("三千五", "amount", "amount", 3500.0),
        ("两千多块", "amount", "amount", 2000.0),
        ("二十来个", "people_count", "people_count", 20),
        ("30人左右", "people_count", "people_count", 30),
        ("就我一个", "people_count", "people_count", 1),
        ("13812341427", "phone", "phone", "13812341427"),
    ],
)
def test_an_answer_that_is_just_the_detail_is_inform(
    shared_nlu: Nlu, text: str, expecting: str, kind: str, value: Any
) -> None:
    parse = shared_nlu.parse(text, NOW, expecting=expecting)
    assert parse.intent == "inform"
    assert value in values(parse, kind)


def test_a_correction_reads_the_new_category(shared_nlu: Nlu) -> None:
    for expecting in ("correction", None):
        parse = shared_nlu.parse("不是滞纳金，是退费", NOW, expecting=expecting)
        assert (parse.intent, parse.category) == ("correct", "refund")


@pytest.mark.parametrize("text", ["名字改成刘芳", "姓名写错了，应该是刘芳"])
def test_a_corrected_name_is_found(shared_nlu: Nlu, text: str) -> None:
    parse = shared_nlu.parse(text, NOW, expecting="confirm")
    assert parse.intent == "correct" and values(parse, "person_name") == ["刘芳"]


def test_the_answer_to_which_category(shared_nlu: Nlu) -> None:
    parse = shared_nlu.parse("滞纳金", NOW, expecting="category")
    assert (parse.intent, parse.category) == ("report_dispute", "late_fee")


@pytest.mark.parametrize("expecting", [*EXPECTING, None, "worker_village", "nonsense", ""])
def test_every_expecting_value_gives_a_valid_parse(shared_nlu: Nlu, expecting: str | None) -> None:
    for text in ("好的", "单位欠缴社保三年了", "", "😀"):
        assert shared_nlu.parse(text, NOW, expecting=expecting).intent in INTENTS


def test_a_rasa_parse_is_read_in_the_same_context() -> None:
    answer = {"intent": {"name": "out_of_scope", "confidence": 0.6}, "intent_ranking": []}
    assert from_rasa(answer, "中").intent == "out_of_scope"
    from nlu.parser import in_context

    assert in_context(from_rasa(answer, "中"), "confirm").intent == "affirm"


# --- realistic neighbours -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["医保报销比例是多少", "养老金怎么算", "医保卡丢了怎么补办", "老板拖欠了我三个月工资咋办"],
)
def test_neighbours_of_a_dispute_are_out_of_scope(shared_nlu: Nlu, text: str) -> None:
    assert shared_nlu.parse(text, NOW).intent == "out_of_scope"


# --- entities -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我是巴公镇枣园村的王秀英，养老金少发了", "王秀英"),
        ("本人陈淑芳，身份证号码丢了想问滞纳金", "陈淑芳"),
        ("俺叫李桂花，医保断了", "李桂花"),
        ("俺是李桂花", "李桂花"),
        ("帮村里的赵福贵反映一下，他的社保断了", "赵福贵"),
        ("替上官美娟问一下退费的事", "上官美娟"),
        ("有个老人叫郇保田，养老金停了", "郇保田"),
        ("村民栗秀英让我问问", "栗秀英"),
        ("枣园村冀文明，身份证140522195803124529", "冀文明"),
        ("我们组的王秀英大娘七十多了", "王秀英"),
    ],
)
def test_names_as_people_introduce_them(shared_nlu: Nlu, text: str, name: str) -> None:
    assert name in values(shared_nlu.parse(text, NOW), "person_name")


@pytest.mark.parametrize("text", ["王大爷让我问问", "我姓王", "我是王家庄的", "老职工都快退休了"])
def test_address_forms_and_words_are_not_names(shared_nlu: Nlu, text: str) -> None:
    assert values(shared_nlu.parse(text, NOW), "person_name") == []


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("补缴交了两千多", 2000.0),
        ("差了八万", 80000.0),
        ("扣了几百块", 200.0),
        ("多收了五百来块", 500.0),
        ("滞纳金¥680", 680.0),
        ("退费1.2万", 12000.0),
        ("他交了三千五", 3500.0),
        ("一万两千的补缴", 12000.0),
        ("欠了130余万元", 1_300_000.0),
        ("每月工资9k", 9000.0),
        ("卡里差了几十块钱", 20.0),
        ("多扣了千把块钱", 1000.0),
    ],
)
def test_amounts_as_people_say_them(shared_nlu: Nlu, text: str, amount: float) -> None:
    assert amount in values(shared_nlu.parse(text, NOW), "amount")


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("我们几十号人都没交", 20),
        ("我们二十来个都没交社保", 20),
        ("村里一百多户的医保", 100),
        ("涉及职工56名的社保", 56),
        ("厂里三十多个工人", 30),
        ("我们单位３名外省籍职工", 3),
        ("老两口的居民养老", 2),
        ("数十名职工的养老保险", 20),
        ("厂里百把人都没交", 100),
        ("涉及人数达到40多", 40),
        ("俺们一家五口就俺没参上保", 5),
        ("俺家仨人的居民医保都没交上", 3),
        ("我们仨都是临时工", 3),
    ],
)
def test_people_counts(shared_nlu: Nlu, text: str, count: int) -> None:
    assert count in values(shared_nlu.parse(text, NOW), "people_count")


def test_three_months_is_not_three_people(shared_nlu: Nlu) -> None:
    assert values(shared_nlu.parse("仨月没交了，三家公司都欠费", NOW), "people_count") == []


def test_money_is_not_people_and_people_are_not_money(shared_nlu: Nlu) -> None:
    money = shared_nlu.parse("卡里差了几十块钱", NOW)
    assert values(money, "people_count") == [] and money.tier != "complex"
    people = shared_nlu.parse("一共二十多个工人没交社保", NOW)
    assert values(people, "amount") == [] and values(people, "people_count") == [20]


@pytest.mark.parametrize(
    "text",
    [
        "大家都没交社保",
        "整个厂子的人都断缴了",
        "这些老人的医保",
        "老人们的养老金",
        "单位的职工都没交",
        "村里的低保户都没补上",
    ],
)
def test_groups_named_without_a_number(shared_nlu: Nlu, text: str) -> None:
    parse = shared_nlu.parse(text, NOW)
    assert values(parse, "group") and values(parse, "people_count") == []


def test_a_group_without_a_number_is_a_group_not_a_count(shared_nlu: Nlu) -> None:
    parse = shared_nlu.parse("全厂工人的社保都欠了三年", NOW)
    assert values(parse, "people_count") == []
    assert values(parse, "group") == ["全厂工人"]
    assert parse.tier == "complex"


# --- tier hints from evidence -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("社保局关门了没办成，白跑一趟", "general"),
        ("卡里差了几十块钱", "general"),
        ("企业倒闭了，欠的社保没人管", "complex"),
        ("厂子关了，老板联系不上，社保欠着", "complex"),
        ("我们厂三十多个工人的社保都没交", "complex"),
        ("我公司现有12名员工，缴费基数申报有误，请核实", "general"),
        ("原来是集体企业的职工，养老保险断缴了", "general"),
        ("单位多扣了我十二万", "complex"),
        ("这事反映了好几次了没人管，滞纳金还在涨", "complex"),
        ("我们职工3人的基数报低了", "general"),
        ("村里的老人都没领到养老金", "complex"),
    ],
)
def test_tier_hints_come_from_evidence(shared_nlu: Nlu, text: str, tier: str) -> None:
    assert shared_nlu.parse(text, NOW).tier == tier


# --- a greeting before the matter ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("你好，医保去年扣了两回", "contribution_amount"),
        ("您好，我姓王，医保去年扣了两回", "contribution_amount"),
        ("领导好，俺们厂欠了半年社保没交", "arrears"),
        ("在吗？我的养老保险交了查不到记录", "payment_record"),
    ],
)
def test_a_greeting_before_the_matter_is_a_report(
    shared_nlu: Nlu, text: str, category: str
) -> None:
    parse = shared_nlu.parse(text, NOW)
    assert (parse.intent, parse.category) == ("report_dispute", category), parse


@pytest.mark.parametrize("text", ["你好", "你好，在吗", "您好，我想反映个事"])
def test_a_greeting_alone_stays_a_greeting(shared_nlu: Nlu, text: str) -> None:
    assert shared_nlu.parse(text, NOW).intent == "greet"


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("我每个月工资里扣社保150，单位没交", 150),
        ("俺家2口人，医保每人380，交重了", 380),
        ("一年交的380，交了两回", 380),
    ],
)
def test_a_sum_after_the_insurance_or_its_head_is_money(
    shared_nlu: Nlu, text: str, amount: int
) -> None:
    assert values(shared_nlu.parse(text, NOW), "amount") == [amount]


@pytest.mark.parametrize("text", ["养老保险2019年断了", "医保2口人", "社保12个月没交"])
def test_a_year_or_a_count_after_the_insurance_is_not_money(shared_nlu: Nlu, text: str) -> None:
    assert values(shared_nlu.parse(text, NOW), "amount") == []
