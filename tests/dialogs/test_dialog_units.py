"""Small pure pieces of the dialogue: checks, control words, state round trip, question order."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from backend.config import load_county
from bot.bootstrap import dialog_context
from dialogs import understand
from dialogs.form import next_field, pending
from dialogs.names import looks_like_name
from dialogs.readers import (
    Reading,
    find_place,
    read_credit_code,
    read_id_number,
    read_people,
    read_phone,
)
from dialogs.state import STATE_VERSION, ConversationState, Draft, Profile
from identifiers import mask_id, mask_phone


def _reading(draft: Draft | None = None, asked: str = "") -> Reading:
    ctx = dialog_context(load_county())
    return Reading(ctx, draft or Draft(), Profile(), date(2026, 11, 30), "", asked)


@pytest.mark.parametrize(
    ("text", "value", "reason"),
    [
        ("11010519491231002X", "11010519491231002X", None),
        ("11010519491231002x", "11010519491231002X", None),
        ("身份证是 1101 0519 4912 3100 2X", "11010519491231002X", None),
        ("140522196204155869", "140522196204155869", None),  # code younger than the holder
        ("110105194912310021", None, "第18位校验码不对"),
        ("1101051949123100", None, "18位，这里是16位"),
        ("110105194913310021", None, "出生日期不对"),
    ],
)
def test_id_number_answers(text: str, value: str | None, reason: str | None) -> None:
    read = read_id_number(text, _reading(asked="id_number"))
    assert read.updates.get("id_number") == value
    assert (reason or "") in (read.problem or "")


@pytest.mark.parametrize(
    ("text", "value", "reason"),
    [
        ("138 1234 1427", "13812341427", None),
        ("１３８１２３４１４２７", "13812341427", None),
        ("一三九三五六一二三四零", "13935612340", None),
        ("电话是幺三九三五六一二三四零", "13935612340", None),
        ("0356-5551234", "03565551234", None),
        ("1381234142", None, "11位，您发的是10位"),
        ("5551234", None, "区号"),
    ],
)
def test_phone_answers(text: str, value: str | None, reason: str | None) -> None:
    read = read_phone(text, _reading())
    assert read.updates.get("phone") == value
    assert (reason or "") in (read.problem or "")


def test_credit_code_answers_and_masks() -> None:
    assert read_credit_code("91110000600037341l", _reading()).updates == {
        "credit_code": "91110000600037341L"
    }
    assert "校验码" in (read_credit_code("91110000600037341A", _reading()).problem or "")
    # a unit's code typed where the ID was asked is kept as the code
    assert read_id_number("91110000600037341L", _reading()).updates == {
        "credit_code": "91110000600037341L"
    }
    assert mask_phone("13812341427") == "138****1427"
    assert mask_id("11010519491231002X") == "1101**********002X"


@pytest.mark.parametrize(
    ("text", "township", "village"),
    [
        ("凤鸣镇南关村", "凤鸣镇", "南关村"),
        ("俺是芹池的", "芹川乡", "芹池村"),
        ("润城镇东沟村", "润城镇", "东沟村"),
        ("我是泽州县巴公镇的", "泽州县巴公镇", None),
        ("潜江市园林街道", "潜江市园林街道", None),
    ],
)
def test_places_from_the_gazetteer_or_as_given(
    text: str, township: str, village: str | None
) -> None:
    place = find_place(text, _reading().ctx)
    assert (place.township, place.village) == (township, village)


@pytest.mark.parametrize(
    ("text", "count"),
    [("就我一个", 1), ("我自己", 1), ("23个人", 23), ("二十多个人", 20), ("三户", 3),
     ("我和老伴俩", 2), ("全家四口", 4), ("不知道", None)],
)  # fmt: skip
def test_people_counts(text: str, count: int | None) -> None:
    assert read_people(text, _reading()).updates.get("people_count") == count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("跳过", "skip"),
        ("不知道", "skip"),
        ("不方便。", "skip"),
        ("算了吧", "cancel"),
        ("不弄了", "cancel"),
        ("确认", "affirm"),
        ("对的", "affirm"),
        ("同意", "affirm"),
        ("不对", "deny"),
        ("谢谢", "thanks"),
        ("你好", "greet"),
        ("我报的案件", "mine"),
        ("我不知道为什么扣了我那么多滞纳金", None),
        ("对面的单位不给我交社保", None),
    ],
)
def test_control_words(text: str, expected: str | None) -> None:
    found = {
        "skip": understand.is_skip(text),
        "cancel": understand.is_cancel(text),
        "affirm": understand.is_affirm(text),
        "deny": understand.is_deny(text),
        "thanks": understand.is_thanks(text),
        "greet": understand.is_greet(text),
        "mine": understand.is_my_cases(text),
    }
    assert [k for k, v in found.items() if v] == ([expected] if expected else [])


def test_corrections_are_split_into_field_and_value() -> None:
    assert understand.correction_field("电话写错了，是13912345678") == "phone"
    assert understand.correction_tail("电话写错了，是13912345678") == "13912345678"
    assert understand.correction_field("名字改成张桂英") == "name"
    assert understand.correction_tail("名字改成张桂英") == "张桂英"
    assert understand.correction_field("不是滞纳金的问题，是退费") == "category"
    assert (
        understand.category_from_words(understand.correction_tail("不是滞纳金的问题，是退费") or "")
        == "refund"
    )


def test_menu_answers_by_number_or_words() -> None:
    menu = [
        ["fb:satisfied", "满意"],
        ["fb:basically_satisfied", "基本满意"],
        ["fb:dissatisfied", "不满意"],
    ]
    assert understand.resolve_choice("2", None, menu) == "fb:basically_satisfied"
    assert understand.resolve_choice("第三个", None, menu) == "fb:dissatisfied"
    assert understand.resolve_choice("满意", None, menu) == "fb:satisfied"
    assert understand.resolve_choice("不满意！", None, menu) == "fb:dissatisfied"
    assert understand.resolve_choice("7", None, menu) is None
    assert understand.resolve_choice("x", "fb:satisfied", menu) == "fb:satisfied"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("张桂兰", "张桂兰"),
        ("我叫 王小二。", "王小二"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("不知道", None),
        ("个税怎么退", None),
        ("13812341427", None),
        ("城关镇", None),
    ],
)
def test_bare_names(text: str, name: str | None) -> None:
    assert looks_like_name(text) == name


def test_state_round_trips_through_json_and_survives_a_version_change() -> None:
    state = ConversationState(privacy_accepted=True, mode="summary", asking=["phone"])
    state.draft = Draft(
        description="扣多了", name="张桂兰", phone="13812341427", skipped=["village"]
    )
    state.profile = Profile(role="grid_worker", name="王芳", phone="13900001111")
    data = json.loads(json.dumps(state.to_json()))
    assert ConversationState.from_json(data) == state
    old = dict(data, version=STATE_VERSION + 1)
    fresh = ConversationState.from_json(old)
    assert fresh.draft is None and fresh.privacy_accepted and fresh.profile.name == "王芳"
    assert ConversationState.from_json(dict(data, unknown_key=1)) == state


def test_question_order_asks_only_what_is_missing(dialog_ctx: Any) -> None:
    rules = dialog_ctx.form_rules
    draft = Draft(description="单位欠缴社保", category="arrears", category_sure=True)
    profile = Profile()
    groups: list[list[str]] = []
    while (slots := pending(draft, profile, rules)) and len(groups) < 10:
        groups.append([x.name for x in slots])
        draft.skipped.extend(x.name for x in slots)
        for x in slots:
            if not x.skippable(draft):
                setattr(draft, x.holds[0], "13812341427" if x.name == "phone" else "张桂兰")
    assert groups == [
        ["name", "phone"],
        ["township", "village", "id_number"],
        ["employer", "insurance_type", "period", "amount", "people_count"],
    ]
    assert next_field(draft, profile, rules) is None
    draft.proxy = True
    assert pending(draft, profile, rules)[0].name == "worker_name"
