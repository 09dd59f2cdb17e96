"""Small pure pieces of the dialogue: checks, control words, state round trip, question order."""

from __future__ import annotations

import json

import pytest

from dialogs import understand
from dialogs.engine import next_field
from dialogs.names import looks_like_name
from dialogs.state import STATE_VERSION, ConversationState, Draft, Profile
from dialogs.validate import check_credit_code, check_id_number, check_phone
from identifiers import mask_id, mask_phone


@pytest.mark.parametrize(
    ("text", "value", "reason"),
    [
        ("11010519491231002X", "11010519491231002X", None),
        ("11010519491231002x", "11010519491231002X", None),
        ("110105194912310021", None, "第18位校验码不对"),
        ("1101051949123100", None, "18位，这里是16位"),
        ("110105194913310021", None, "出生日期不对"),
    ],
)
def test_id_number_check(text: str, value: str | None, reason: str | None) -> None:
    checked = check_id_number(text)
    assert checked.value == value
    assert (reason or "") in (checked.reason or "")


@pytest.mark.parametrize(
    ("text", "value", "reason"),
    [
        ("138 1234 1427", "13812341427", None),
        ("１３８１２３４１４２７", "13812341427", None),
        ("0356-5551234", "03565551234", None),
        ("1381234142", None, "11位，您发的是10位"),
        ("5551234", None, "区号"),
    ],
)
def test_phone_check(text: str, value: str | None, reason: str | None) -> None:
    checked = check_phone(text)
    assert checked.value == value
    assert (reason or "") in (checked.reason or "")


def test_credit_code_check_and_masks() -> None:
    assert check_credit_code("91110000600037341L").value == "91110000600037341L"
    assert "校验码" in (check_credit_code("91110000600037341A").reason or "")
    assert mask_phone("13812341427") == "138****1427"
    assert mask_id("11010519491231002X") == "1101**********002X"


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
    state = ConversationState(privacy_accepted=True, mode="summary", asking=None)
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


def test_question_order_asks_only_what_is_missing() -> None:
    draft = Draft(description="单位欠缴社保", category="arrears", category_sure=True)
    profile = Profile()
    asked = []
    for value in ("张桂兰", "13812341427", "城关镇"):
        field = next_field(draft, profile)
        asked.append(field)
        setattr(draft, field or "", value)
    for field in ("village", "id_number", "employer"):
        assert next_field(draft, profile) == field
        draft.skipped.append(field)
    assert asked == ["name", "phone", "township"]
    assert next_field(draft, profile) is None
    draft.proxy = True
    assert next_field(draft, profile) == "worker_name"
