"""Defects a fifth black-box tester found with ``yichuang chat`` (answers that are not
values), each fixed as a class (our own phrasings):

1. talk, questions, requests and consent words are never a name or an employer;
2. asking for a person gets the county office's phone, then the pending question again;
3. an ID number given in two halves over two messages is joined and checked as one;
4. an unclear answer, or talk between answers, never makes the phone be left out;
5. 确定取消 / 确定 / 是的，取消 at the cancel confirmation cancel.
"""

from __future__ import annotations

from dialog_chat import Chat
from stdnum.cn import ric

from dialogs.context import DialogContext

WORKER_PHONE = "15835601121"  # 张桂兰, 凤鸣镇南关村 (example county)
STORY = "我反映一下，2023年城乡居民养老保险扣了两次，多扣了200元"


def _id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


ID_A = _id("14052219510312042")
ID_B = _id("41052619550101203")


async def _at_the_name(chat: Chat) -> None:
    await chat.send(STORY)
    reply = await chat.send("同意")
    assert "名字" in reply.text, reply.text


async def test_talk_is_never_a_name(chat: Chat) -> None:
    await _at_the_name(chat)
    for said in ("咋办", "这咋弄啊？", "你问这干啥"):
        reply = await chat.send(said)
        assert "名字" in reply.text, (said, reply.text)
    reply = await chat.send("王秀英，13903561234")
    assert "王秀英" not in reply.text or "姓名：王秀英" in reply.text
    for said in ("咋办", "干啥", "你问这干啥"):
        assert f"姓名：{said}" not in "\n".join(t for _, t in chat.log), chat.log


async def test_a_consent_is_never_an_employer(chat: Chat) -> None:
    w = chat.other("grid-1", contact_phone=WORKER_PHONE)
    await w.send(f"南关村赵铁柱，电话13903561234，身份证{ID_A}，厂里没给交养老保险，2021年到现在")
    reply = await w.send("就他一个人，钱不清楚")
    assert "哪个单位" in reply.text, reply.text
    reply = await w.send("本人已同意")
    assert "单位：本人已同意" not in reply.text and "哪个单位" in reply.text, reply.text
    reply = await w.send("宏达煤矿")
    assert "单位：宏达煤矿" in reply.text and "同意由您代为反映" not in reply.text, reply.text


async def test_asking_for_a_person(chat: Chat, dialog_ctx: DialogContext) -> None:
    assert dialog_ctx.office is not None and dialog_ctx.office.number
    await _at_the_name(chat)
    for said in ("找人工", "别问了，转人工", "我要跟真人说"):
        reply = await chat.send(said)
        assert dialog_ctx.office.number in reply.text, (said, reply.text)
        assert "不会丢" in reply.text and "名字" in reply.text, reply.text
        assert "我可以帮您" not in reply.text and "12345" not in reply.text, reply.text
    reply = await chat.send("王秀英，13903561234")
    assert "人工" not in reply.text and "真人" not in reply.text, reply.text
    reply = await chat.send("凤鸣镇南关村，身份证不知道")
    assert "姓名：王秀英" in reply.text and "转人工" not in reply.text, reply.text


async def test_asking_for_a_person_at_the_consent(chat: Chat, dialog_ctx: DialogContext) -> None:
    assert dialog_ctx.office is not None
    await chat.send(STORY)
    reply = await chat.send("转人工")
    assert dialog_ctx.office.number in reply.text and "同意" in reply.text, reply.text


async def test_an_id_number_in_two_halves(chat: Chat) -> None:
    await _at_the_name(chat)
    await chat.send("王秀英，13903561234")
    reply = await chat.send("凤鸣镇南关村")
    assert "身份证" in reply.text, reply.text
    reply = await chat.send(f"身份证{ID_A[:10]}")
    assert "后面的8位" in reply.text, reply.text
    reply = await chat.send(ID_A[10:])
    assert "记下了" in reply.text and "18位" not in reply.text, reply.text
    other = chat.other("resident-2")
    await _at_the_name(other)
    await other.send("李建国，13903561235")
    await other.send("凤鸣镇南关村")
    reply = await other.send(f"前头是{ID_B[:12]}")
    assert "后面的6位" in reply.text, reply.text
    reply = await other.send(f"后头是{ID_B[12:]}")
    assert "身份证号记下了" in reply.text, reply.text
    bad = chat.other("resident-3")
    await _at_the_name(bad)
    await bad.send("李建华，13903561236")
    await bad.send("凤鸣镇南关村")
    await bad.send(f"身份证{ID_B[:12]}")
    wrong = "0" if ID_B[12] != "0" else "1"
    reply = await bad.send(wrong + ID_B[13:])
    assert "核对" in reply.text and "身份证号记下了" not in reply.text, reply.text


async def test_an_unclear_answer_asks_the_phone_again(chat: Chat) -> None:
    await _at_the_name(chat)
    reply = await chat.send("王秀英")
    assert "电话" in reply.text, reply.text
    for said in ("帮助", "转人工", "你是人不是", "嗯嗯嗯", "啊？", "哦哦", "呃"):
        reply = await chat.send(said)
        assert "电话" in reply.text and "乡镇" not in reply.text, (said, reply.text)
    reply = await chat.send("13903561234")
    assert "乡镇" in reply.text, reply.text


async def test_cancel_confirmed_in_other_words(chat: Chat) -> None:
    for n, said in enumerate(("确定取消", "确定", "是的，取消")):
        user = chat.other(f"resident-c{n}")
        await _at_the_name(user)
        await user.send("王秀英，13903561234")
        reply = await user.send("取消")
        assert "确定不反映了吗" in reply.text, reply.text
        reply = await user.send(said)
        assert "已取消" in reply.text, (said, reply.text)
