"""Round 6 classes (our own phrasings):

1. "养老保险" / "医保" named without the scheme: which scheme (职工 / 城乡居民) is asked once,
   as a sentence of its own after a question asked anyway; the answer settles it, 不知道
   leaves the inference (shown in the summary);
2. a user who keeps telling their matter past the privacy notice and two reminders is never
   looped: the notice stands, 取消 withdraws everything;
3. names: thanks beside a consent ("可以的，谢谢"), a spouse's name beside one's own, a
   surname and a given name said apart ("姓王名建国"), a family ("王家的媳妇");
4. the consent's "同意，" keeps the parse's offsets: what follows is read where it was said.
"""

from __future__ import annotations

from typing import Any

import pytest
from dialog_chat import Chat

from dialogs import texts
from dialogs.context import DialogContext
from dialogs.state import Draft, Profile

PHONE = "13935612340"


async def _case(chat: Chat, cases: Any) -> Any:
    text = chat.log[-1][1]
    assert "案件编号：" in text, text
    return await cases.detail(text.split("案件编号：")[1].split()[0])


async def _to_the_place(chat: Chat, story: str) -> None:
    await chat.verify([(story, "个人信息说明"), (f"同意，李桂花，{PHONE}", "乡镇")])


@pytest.mark.parametrize(
    ("answer", "scheme"),
    [
        ("单位交的", "medical"),
        ("是厂里给交的职工医保", "medical"),
        ("俺自己在村里交的", "resident_medical"),
        ("城乡居民的", "resident_medical"),
    ],
)
async def test_the_scheme_is_asked_along_and_the_answer_settles_it(
    chat: Chat, sqlite_case_service: Any, answer: str, scheme: str
) -> None:
    await _to_the_place(chat, "我的医保今年扣了两次，要退费")
    await chat.verify(
        [
            ("凤鸣镇南关村，身份证不知道", ("交的职工医保", "城乡居民医保", "多少钱")),
            (f"380元，{answer}", ("请核对", "金额：380元")),
            ("确认", "已登记"),
        ]
    )
    case = await _case(chat, sqlite_case_service)
    assert case.insurance_type == scheme


async def test_the_scheme_is_asked_once_and_dont_know_keeps_the_inference(
    chat: Chat, sqlite_case_service: Any
) -> None:
    await _to_the_place(chat, "我的医保今年扣了两次，要退费")
    await chat.verify(
        [
            ("凤鸣镇南关村，身份证不知道", "城乡居民医保"),
            ("不知道，不知道", ("请核对", "险种：城乡居民医疗保险", "!单位（或按灵活就业）")),
            ("确认", "已登记"),
        ]
    )
    case = await _case(chat, sqlite_case_service)
    assert case.insurance_type == "resident_medical"


async def test_a_scheme_said_in_the_story_is_not_asked(chat: Chat) -> None:
    await _to_the_place(chat, "俺在村里交的养老保险，今年交了两回，想退一回")
    reply = await chat.send("凤鸣镇南关村，身份证不知道")
    assert "城乡居民养老" not in reply.text and "还是" not in reply.text, reply.text


async def test_telling_the_matter_past_the_notice_is_never_a_loop(
    chat: Chat, sqlite_case_service: Any
) -> None:
    story = "俺家的养老保险交了钱查不到记录"
    await chat.verify(
        [
            ("你好", "个人信息说明"),
            (story, "回复「同意」"),
            (f"{story}，李桂花，{PHONE}", "回复「同意」"),
            ("凤鸣镇南关村", ("按上面的个人信息说明接着帮您登记", "「取消」")),
        ]
    )
    reply = await chat.send("跳过")
    for _ in range(4):
        if "请核对" in reply.text:
            break
        reply = await chat.send("不知道")
    assert "请核对" in reply.text and "姓名：李桂花" in reply.text, chat.log
    await chat.verify([("确认", "已登记")])
    case = await _case(chat, sqlite_case_service)
    assert case.category == "payment_record" and case.complainant.township == "凤鸣镇"


async def test_cancel_after_the_notice_was_taken_as_read_keeps_nothing(chat: Chat) -> None:
    story = "俺家的养老保险交了钱查不到记录"
    await chat.verify(
        [
            ("你好", "个人信息说明"),
            (story, "回复「同意」"),
            (f"李桂花，{PHONE}", "回复「同意」"),
            ("凤鸣镇南关村", "按上面的个人信息说明"),
            ("取消", "删掉"),
            ("确定取消", "!已登记"),
        ]
    )
    reply = await chat.send("我刚才说的记下了吗")
    assert "李桂花" not in reply.text, reply.text


@pytest.mark.parametrize(
    ("said", "name"),
    [
        (f"可以的，谢谢，王秀英，{PHONE}", "王秀英"),
        (f"同意，我老伴叫李大山，我叫王秀英，{PHONE}", "王秀英"),
        (f"同意，姓王名建国，{PHONE}", "王建国"),
        (f"同意，我姓司马，叫司马光明，{PHONE}", "司马光明"),
    ],
)
async def test_the_speakers_own_name(chat: Chat, said: str, name: str) -> None:
    await chat.verify([("医保去年扣了两回，想退一回", "个人信息说明"), (said, "乡镇")])
    reply = await chat.send("凤鸣镇南关村，身份证不知道")
    for _ in range(3):
        if "请核对" in reply.text:
            break
        reply = await chat.send("不知道")
    assert f"姓名：{name}\n" in reply.text + "\n", reply.text


async def test_a_family_is_not_a_name(chat: Chat) -> None:
    await chat.verify(
        [
            ("我是南关村王家的媳妇，医保去年扣了两回", "个人信息说明"),
            (f"同意，{PHONE}", "名字"),
        ]
    )


def test_a_name_left_to_staff_shows_a_dash_never_none(dialog_ctx: DialogContext) -> None:
    draft = Draft(description="医保扣了两回", category="refund", category_sure=True)
    text = texts.summary(draft, Profile(), dialog_ctx)
    assert "姓名：—" in text and "None" not in text and "地址：—" in text, text


async def test_a_greeting_before_the_matter_does_not_hide_it(chat: Chat) -> None:
    reply = await chat.send("你好，我姓王，医保去年扣了两回")
    await chat.verify([("同意", "名字")])
    assert "哪一类" not in reply.text
    assert "哪一类" not in chat.log[-1][1], chat.log


async def test_dont_know_to_the_notice_is_never_taken_as_reading_it(chat: Chat) -> None:
    await chat.send("我之前打12345反映过养老保险多扣钱的事，到现在没人管")
    for _ in range(4):
        reply = await chat.send("不知道")
        assert "按上面的个人信息说明接着帮您登记" not in reply.text, reply.text


async def test_a_villager_speaking_of_their_grid_worker_is_not_asked_the_workers_details(
    chat: Chat,
) -> None:
    reply = await chat.send("俺村的网格员说俺的养老保险断交了，让俺来这问问")
    assert "您负责的村" not in reply.text and "您的手机号" not in reply.text, reply.text


@pytest.mark.parametrize("question", ["怎么反映问题？", "在哪登记社保的问题"])
async def test_asking_how_to_report_starts_the_report(chat: Chat, question: str) -> None:
    reply = await chat.send(question)
    assert "直接跟我说就行" in reply.text and "说说遇到了什么问题" in reply.text, reply.text
    await chat.verify([("同意，俺的医保今年扣了两回", "名字")])


async def test_a_how_to_question_about_a_matter_keeps_the_matter(
    chat: Chat, sqlite_case_service: Any
) -> None:
    reply = await chat.send("这个小程序怎么用啊，交医保老是失败")
    assert "我可以帮您" not in reply.text, reply.text
    await chat.verify([(f"同意，王秀英，{PHONE}", "乡镇")])
    reply = await chat.send("凤鸣镇南关村，身份证不知道")
    for _ in range(3):
        if "请核对" in reply.text:
            break
        reply = await chat.send("不知道")
    await chat.verify([("确认", "已登记")])
    case = await _case(chat, sqlite_case_service)
    assert case.category == "payment_system"


async def test_a_typed_yes_is_not_a_scheme_button(chat: Chat) -> None:
    await chat.verify([("怎么反映问题？", "同意"), ("同意，俺的医保今年扣了两回", "名字")])
    await chat.send(f"王秀英，{PHONE}")
    reply = await chat.send("凤鸣镇，南关村，不知道")
    assert "城乡居民医保" in reply.text, reply.text
