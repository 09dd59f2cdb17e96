"""The classes of misses the blind figures pointed to, each as rules and conversation tables
of our own (written from DOMAIN.md and the seeds; never from the blind set):

1. useful facts asked along with a question asked anyway, never on their own;
2. the insurance scheme (职工 / 城乡居民) inferred from evidence;
3. an employer reporting as a unit, a worker complaining about one;
4. nothing opens a case unless a fee dispute was reported.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from dialog_chat import Chat

from backend.config import County, Dialogue
from bot.bootstrap import dialog_context
from dialogs.context import DialogContext
from dialogs.form import FORM, needed_slots, pending, settle
from dialogs.readers import resident_scheme
from dialogs.speaker import employer_speaks
from dialogs.state import Draft, Profile
from nlu.types import CATEGORIES

# --- 1. facts along ------------------------------------------------------------------------


def _questions(draft: Draft, ctx: DialogContext) -> list[list[str]]:
    """Every question the form asks, each answered with 跳过 (or a value when required)."""
    out: list[list[str]] = []
    profile = Profile()
    while (slots := pending(draft, profile, ctx.form_rules)) and len(out) < 12:
        out.append([x.name for x in slots])
        for x in slots:
            draft.skipped.append(x.name)
            if not x.skippable(draft) and x.name not in ("category", "consent"):
                setattr(draft, x.holds[0], "13812341427" if x.name == "phone" else "某某")
    return out


def _without_along(ctx: DialogContext) -> DialogContext:
    return replace(ctx, form_rules=replace(ctx.form_rules, facts_along=()))


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("kind", ["person", "employer"])
def test_facts_along_never_cost_a_question(county: County, category: str, kind: str) -> None:
    """The same number of questions with and without the facts asked along; the facts ride
    only on the last question, and every field routing reads is still asked."""
    ctx = dialog_context(county)

    def fresh() -> Draft:
        return Draft(description="……", category=category, category_sure=True, kind=kind)

    with_along = _questions(fresh(), ctx)
    without = _questions(fresh(), _without_along(ctx))
    assert len(with_along) == len(without), (with_along, without)
    needed = needed_slots(fresh(), Profile(), ctx.form_rules)
    rules = ctx.form_rules
    for i, asked in enumerate(with_along):
        extras = [n for n in asked if n in rules.facts_along and n not in needed]
        assert not extras or i == len(with_along) - 1, (category, with_along)
        assert len(asked) <= max(rules.max_parts, len(without[i])), asked
    asked_at_all = {n for q in with_along for n in q}
    assert set(needed) - {"consent", "description", "category"} <= asked_at_all


def test_the_period_rides_along_where_routing_ignores_it(county: County) -> None:
    ctx = dialog_context(county)
    draft = Draft(description="养老保险关系转不过来", category="registration", category_sure=True)
    draft.insurance_type = "pension"
    assert "period" not in needed_slots(draft, Profile(), ctx.form_rules)
    questions = _questions(draft, ctx)
    assert "period" in questions[-1] and len(questions) == 2
    # ... and the county may turn it off ([dialogue] facts_along = []).
    quiet = dialog_context(county.model_copy(update={"dialogue": Dialogue(facts_along=[])}))
    draft = Draft(description="养老保险关系转不过来", category="registration", category_sure=True)
    draft.insurance_type = "pension"
    assert not any("period" in q for q in _questions(draft, quiet))


def test_one_persons_own_matter_is_not_asked_how_many_people(county: County) -> None:
    ctx = dialog_context(county)
    draft = Draft(description="我的医保扣了两次", category="refund", category_sure=True)
    assert not any("people_count" in q for q in _questions(draft, ctx))
    draft = Draft(description="我们村好多人的医保扣了两次", category="refund", category_sure=True)
    assert any("people_count" in q for q in _questions(draft, ctx))


async def test_the_facts_question_is_asked_once(chat: Chat) -> None:
    """Facts asked along and left unanswered are not asked again."""
    await chat.verify(
        [
            ("你好", "个人信息说明"),
            ("同意", "遇到了什么问题"),
            ("我的养老保险关系从外地转回来，一直转不过来", "名字和联系电话"),
            ("牛建平，13834005566", ("乡镇", "哪段时间")),
            ("西河乡宜壁村，不方便", ("请核对", "!哪段时间")),
        ]
    )


# --- 2. the scheme -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("story", "key", "expected"),
    [
        ("俺每年在村里交养老保险，选的五百块的档次", "pension", "resident_pension"),
        ("新农合今年交了两回", "medical", "resident_medical"),
        ("公司每月从工资里扣医保，记录却断了", "medical", "medical"),
        ("在县城厂里上班，养老保险少交了两年", "pension", "pension"),
        ("在厂里上班，可医保是村里统一收的居民医保", "medical", "resident_medical"),
        # A villager with no employer in the story: the residents' scheme, shown in the
        # summary where a correction changes it.
        ("俺的养老保险扣了两次钱", "pension", "resident_pension"),
        ("帮老宋反映，他的医保扣了两次", "medical", "resident_medical"),
        # A monthly sum of employees' size: 居民养老 pays a few hundred a year's worth.
        ("我的养老金每月才1800，算少了", "pension", "pension"),
        ("俺每个月领一百多块养老金，少给了", "pension", "resident_pension"),
        ("我在县城饭店打工，医保是在村里交的，今年扣了两次", "medical", "resident_medical"),
    ],
)
def test_the_scheme_is_inferred_from_the_story(story: str, key: str, expected: str) -> None:
    draft = Draft(description=story)
    assert resident_scheme(key, draft, settled=True) == expected


def test_an_employer_named_means_the_employees_scheme(county: County) -> None:
    draft = Draft(description="养老保险少了两年", employer="云川县宏达建材厂")
    draft.insurance_type, draft.scheme_open = "pension", True
    settle(draft, dialog_context(county).form_rules)
    assert draft.insurance_type == "pension"
    draft = Draft(description="养老保险少了两年")
    draft.insurance_type, draft.scheme_open = "pension", True
    settle(draft, dialog_context(county).form_rules)
    assert draft.insurance_type == "resident_pension"


# --- 3. who reports ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("我司上个月申报的缴费基数被系统退回了", True),
        ("本单位给职工交的失业保险被多收了", True),
        ("我们单位给职工申报的工伤保险，税务那边核定不对", True),
        ("我是宏达公司的财务，公司的养老保险滞纳金算多了", True),
        ("我是合作社的会计，给社员交的医保重复扣了", True),
        ("我们厂申报的缴费基数被退回了，想改", True),
        ("我们厂的社保缴费基数报低了", False),
        ("公司申报基数的时候系统一直报错", True),
        ("我们公司没给我交养老保险", False),
        ("我们公司欠缴了我们工人两年的社保", False),
        ("厂里不给交社保，老板一直拖着", False),
        ("我是公司会计，可公司没给我交医保", False),
        ("我是个体户，自己交的灵活就业养老保险多扣了一个月", False),
        ("我们单位不给交失业保险", False),
        ("我们厂欠缴了好几年社保了", False),
        ("云川县宏达建材有限公司反映：去年的失业保险费多缴了两个月", True),
        ("用人单位申请退还多缴的工伤保险费", True),
        ("我反映一下公司的事，公司没给交医保", False),
        ("作为用人单位，我们对核定的缴费基数有异议", True),
        ("我开了个小饭馆，雇了四个人，给他们交社保时系统报错", True),
        ("你好，我是县宏达公司的经办人，单位的失业保险多交了一个月", True),
    ],
)
def test_who_speaks(nlu_engine: Any, text: str, unit: bool) -> None:
    assert employer_speaks(text, nlu_engine.parse(text)) is unit


# --- 4. only fee disputes open a case -----------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "hotline"),
    [
        ("我的个税退税申请了两个月了还没到账", "12366"),
        ("老板欠了俺半年工钱不给", "12333"),
        ("厂里拖欠工资三个月了", "12333"),
    ],
)
async def test_another_offices_matter_starts_nothing(
    chat: Chat, opening: str, hotline: str
) -> None:
    reply = await chat.verify([(opening, (hotline, "!个人信息说明", "!名字"))])
    assert not reply.choices
    await chat.verify([("好的", "!个人信息说明")])


async def test_a_story_that_is_not_a_fee_dispute_drops_the_form(chat: Chat) -> None:
    await chat.verify(
        [
            ("你好", "个人信息说明"),
            ("同意", "遇到了什么问题"),
            ("我家门口的路灯坏了好几天了", ("12345", "!名字")),
            ("确认", "!已登记"),
        ]
    )


async def test_wages_with_insurance_are_a_dispute(chat: Chat) -> None:
    await chat.verify(
        [
            ("厂里每月从工资里扣了养老保险，可是一直没给交上", ("个人信息说明", "!12333")),
        ]
    )


def test_every_slot_still_has_a_home() -> None:
    assert {x.name for x in FORM} >= {"period", "insurance_type", "amount", "people_count"}


async def test_a_units_story_told_after_a_greeting_is_the_units(
    chat: Chat, sqlite_case_service: Any
) -> None:
    await chat.verify(
        [
            ("你好", "个人信息说明"),
            ("同意", "遇到了什么问题"),
            ("我司给职工申报的缴费基数被系统退回了，职工的养老保险交不上", "单位全称"),
        ]
    )


@pytest.mark.parametrize(
    ("story", "expected"),
    [
        ("俺在村里交的钱，看病的时候说没参保", "resident_medical"),
        ("我退休前在厂里上了二十年班，现在每月领的钱算少了，退休金不对", "pension"),
        ("每年交的钱，选的档次被弄错了", "resident_pension"),
        ("窗口的人态度不好", None),
    ],
)
def test_an_unnamed_insurance_is_read_from_the_story(
    county: County, story: str, expected: str | None
) -> None:
    draft = Draft(description=story, category="service", category_sure=True)
    settle(draft, dialog_context(county).form_rules)
    assert draft.insurance_type == expected


# --- readers: how people type the answers ------------------------------------------------


def _reading(asked: str) -> Any:
    from datetime import date

    from dialogs.readers import Reading

    return Reading(DialogContext(county_name="云川县"), Draft(), Profile(), date(2026, 11, 30),
                   "", asked)  # fmt: skip


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("俺叫个牛二妮", "牛二妮"),
        ("我的名字叫做郭小宝", "郭小宝"),
        ("刘小红（女）", "刘小红"),
        ("登记人：高建设", "高建设"),
        ("户主是王长林", "王长林"),
    ],
)
def test_names_as_people_type_them(said: str, name: str) -> None:
    from dialogs.readers import read_name

    assert read_name(said, _reading("name")).updates.get("name") == name


@pytest.mark.parametrize(
    ("said", "amount"),
    [("1.2万", 12000), ("¥1,234.50", 1234.5), ("退我560", 560), ("多扣了三百六", 360)],
)
def test_amounts_as_people_type_them(said: str, amount: float) -> None:
    from dialogs.readers import read_amount

    assert read_amount(said, _reading("amount")).updates.get("amount") == amount


@pytest.mark.parametrize(
    ("said", "key"),
    [("合疗", "resident_medical"), ("农保", "resident_pension"), ("职工医保", "medical")],
)
def test_insurance_as_villagers_name_it(said: str, key: str) -> None:
    from dialogs.understand import insurance_from_words

    assert insurance_from_words(said) == key


@pytest.mark.parametrize(
    ("question", "hotline"),
    [
        ("我想办理退休手续需要什么材料", "12333"),
        ("异地就医怎么备案", "12393"),
        ("失业金怎么领", "12333"),
        ("你们几点下班", "12345"),
    ],
)
async def test_questions_naming_no_insurance_go_to_the_right_hotline(
    chat: Chat, question: str, hotline: str
) -> None:
    await chat.verify([(question, (hotline, "!个人信息说明"))])


@pytest.mark.parametrize(
    "opening",
    ["医保交了两次，能退吗？", "孩子的居民医保交重复了能退吗", "我的养老金怎么比别人少这么多？"],
)
async def test_a_grievance_asked_as_a_question_is_a_report(chat: Chat, opening: str) -> None:
    await chat.verify([(opening, ("个人信息说明", "!热线"))])


@pytest.mark.parametrize(
    ("story", "asked"),
    [
        ("单位的失业保险费今年被多收了一个季度，申请退费一直没办", True),
        ("公司申报的缴费基数被系统退回了", True),
        ("单位这个月从工资里扣了我两回失业保险", False),
        ("我们公司欠缴了我们工人两年的社保", False),
        ("我的医保今年扣了两次钱", False),
    ],
)
def test_a_units_code_is_asked_beside_the_id_when_a_unit_may_be_reporting(
    county: County, story: str, asked: bool
) -> None:
    ctx = dialog_context(county)
    draft = Draft(description=story, category="refund", category_sure=True)
    draft.name, draft.phone = "温海燕", "13835609988"
    names = [x.name for x in pending(draft, Profile(), ctx.form_rules)]
    assert "id_number" in names
    assert ("credit_code" in names) is asked


def test_the_county_may_only_name_facts_the_form_has() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Dialogue(facts_along=["name"])  # type: ignore[list-item]
    assert Dialogue().facts_along[0] == "period"
