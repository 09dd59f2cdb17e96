"""The story and the details, found by hand in ``yichuang demo``:

1. at the story question a message of details only (name, phone, place) fills those slots, is
   not the description, and the story is asked again; a story told while something else is
   pending becomes the description when it is empty or holds only details;
2. a story with details beside it is the description whole, and the details are stored;
3. the residents' schemes in villagers' words (合疗、新农合、农保…) are read by the dialogue
   itself, from the first message on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from dialog_chat import Chat

from dialogs import engine, understand
from dialogs.context import DialogContext
from dialogs.messages import Inbound
from dialogs.state import ConversationState, Draft
from nlu.types import INSURANCE_TYPES

DETAILS = "俺叫李桂花，电话13935612345，俺是北岭镇北岭村的"
STORY = "俺的养老保险2019年交了钱没记录"


async def _summary(chat: Chat, reply_text: str) -> str:
    for _ in range(6):
        if "请核对" in reply_text:
            return reply_text
        reply_text = (await chat.send("跳过")).text
    raise AssertionError(reply_text)


async def test_details_at_the_story_question_are_kept_and_the_story_asked_again(
    chat: Chat,
) -> None:
    await chat.verify([("你好", "个人信息说明"), ("同意", "遇到了什么问题")])
    await chat.verify(
        [
            (DETAILS, ("记下了", "姓名", "电话", "请再说说遇到了什么问题", "!哪一类")),
            (STORY, "!请再说说"),
        ]
    )
    summary = await _summary(chat, chat.log[-1][1])
    assert f"情况：{STORY}\n" in summary, summary
    for shown in ("姓名：李桂花", "电话：13935612345", "北岭镇北岭村", "2019年"):
        assert shown in summary, summary
    assert "情况：俺叫" not in summary


async def test_details_with_the_consent_then_the_story(chat: Chat) -> None:
    await chat.verify(
        [
            ("你好", "个人信息说明"),
            (f"同意，{DETAILS}", ("记下了", "遇到了什么问题", "!哪一类")),
            (STORY, "!请再说说"),
        ]
    )
    summary = await _summary(chat, chat.log[-1][1])
    assert f"情况：{STORY}\n" in summary and "姓名：李桂花" in summary, summary


async def test_a_story_with_details_is_the_description_and_the_details_are_stored(
    chat: Chat,
) -> None:
    await chat.verify([("你好", "个人信息说明"), ("同意", "遇到了什么问题")])
    said = f"{STORY}，俺叫李桂花，电话13935612345，北岭镇北岭村的"
    reply = await chat.verify([(said, ("!请再说说", "!哪一类", "!您的名字"))])
    summary = await _summary(chat, reply.text)
    assert f"情况：{STORY}，俺叫李桂花" in summary, summary
    for shown in ("姓名：李桂花", "电话：13935612345", "北岭镇北岭村"):
        assert shown in summary, summary


def test_a_story_while_a_menu_is_pending_replaces_a_description_of_details(
    nlu_engine: Any, dialog_ctx: DialogContext
) -> None:
    """A conversation whose description holds only details (as older ones may): the story
    told at the category menu is added to it, not dropped."""
    draft = Draft(started_at="2026-11-30T02:00:00+00:00", description=DETAILS)
    draft.name, draft.phone, draft.township, draft.village = (
        "李桂花", "13935612345", "北岭镇", "北岭村",
    )  # fmt: skip
    state = ConversationState(privacy_accepted=True, asking=["category"], draft=draft)
    at = datetime(2026, 11, 30, 2, 5, tzinfo=UTC)
    inbound = Inbound("console", "u1", STORY, "m1", at)
    result = engine.turn(state, inbound, nlu_engine.parse(STORY, expecting="category"), dialog_ctx)
    after = result.state.draft
    assert after is not None and STORY in (after.description or ""), after.description
    assert after.category == "payment_record"


def test_a_real_description_is_not_extended_by_a_menu_answer(
    nlu_engine: Any, dialog_ctx: DialogContext
) -> None:
    draft = Draft(started_at="2026-11-30T02:00:00+00:00", description="医保今年扣了两次钱")
    state = ConversationState(privacy_accepted=True, asking=["category"], draft=draft)
    at = datetime(2026, 11, 30, 2, 5, tzinfo=UTC)
    text = "就是那个缴费记录的问题吧"
    inbound = Inbound("console", "u1", text, "m1", at)
    result = engine.turn(state, inbound, nlu_engine.parse(text, expecting="category"), dialog_ctx)
    assert result.state.draft is not None
    assert result.state.draft.description == "医保今年扣了两次钱"


@pytest.mark.parametrize(
    ("said", "key"),
    [
        ("合疗", "resident_medical"),
        ("新农合", "resident_medical"),
        ("农合", "resident_medical"),
        ("合作医疗", "resident_medical"),
        ("居民医保", "resident_medical"),
        ("城乡居民医疗保险", "resident_medical"),
        ("农保", "resident_pension"),
        ("新农保", "resident_pension"),
        ("城乡居民养老", "resident_pension"),
        ("居民养老保险", "resident_pension"),
    ],
)
def test_residents_schemes_in_villagers_words(said: str, key: str) -> None:
    assert understand.insurance_from_words(f"俺的{said}钱扣了两回") == key
    assert understand.insurances_in(f"俺的{said}钱扣了两回") == [key]
    assert understand.resident_insurances_in(said) == [key]
    assert understand.insurances_in(f"养老和{said}") == ["pension", key]


@pytest.mark.parametrize(
    ("story", "key"),
    [
        ("咋回事啊俺的合疗钱扣了两回", "resident_medical"),
        ("俺家的新农合今年交了两遍", "resident_medical"),
        ("俺的农保钱交了查不到记录", "resident_pension"),
    ],
)
async def test_the_residents_scheme_named_at_the_start_is_not_asked(
    chat: Chat, story: str, key: str
) -> None:
    await chat.verify([(story, "个人信息说明")])
    reply = await chat.send("同意，俺叫李桂花，电话13935612345")
    asked = [reply.text]
    for _ in range(8):
        if "请核对" in reply.text:
            break
        if "哪一类" in reply.text:
            reply = await chat.send("1")
        elif "乡镇" in reply.text:
            reply = await chat.send("北岭镇北岭村")
        else:
            reply = await chat.send("跳过")
        asked.append(reply.text)
    assert f"险种：{INSURANCE_TYPES[key]}" in reply.text, asked
    assert not any("哪种保险" in t or "险种（" in t for t in asked), asked
