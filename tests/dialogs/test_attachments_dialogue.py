"""Issue 15, the dialogue's part: photos, voice and files in the conversation (tables).

The channel layer stores what was sent and hands the dialogue ``InboundAttachment``s; here the
dialogue acknowledges them, never loses the draft, offers OCR values one at a time and fills
them only on a yes, and helps a resident who sends voice instead of typing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from dialog_chat import Chat
from stdnum.cn import ric

from dialogs import engine
from dialogs.context import DialogContext
from dialogs.messages import Inbound, InboundAttachment
from dialogs.state import ConversationState

ACK = "收到照片了，会一并交给办理单位。"
PHONE = "13935612340"


def _id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


ID = _id("14052219620415586")


def photo(*suggestions: tuple[str, str, str], sentence: str = ACK) -> tuple[InboundAttachment]:
    return (InboundAttachment("image", True, sentence, tuple(suggestions)),)


async def _opened(chat: Chat, cases: Any) -> Any:
    text = chat.log[-1][1]
    assert "案件编号：" in text, text
    return await cases.detail(text.split("案件编号：")[1].split()[0])


async def _story(chat: Chat) -> None:
    await chat.verify(
        [
            ("你好", "个人信息说明"),
            ("同意", "遇到了什么问题"),
            ("我的医保今年扣了两次钱，想退一次", "名字和联系电话"),
        ]
    )


async def test_a_photo_with_nothing_open_says_what_to_do(chat: Chat) -> None:
    reply = await chat.send("", attachments=photo(("id_number", ID, ID[:4] + "…")))
    assert ACK in reply.text and "请用文字说说遇到了什么问题，照片会一起交给办理单位" in reply.text
    assert "个人信息说明" not in reply.text and "对吗" not in reply.text
    voice = (InboundAttachment("voice", True, "收到语音了。"),)
    reply = await chat.send("", attachments=voice)
    assert "收到语音了。" in reply.text and "语音会一起交给办理单位" in reply.text


async def test_a_photos_values_are_offered_one_at_a_time(
    chat: Chat, sqlite_case_service: Any
) -> None:
    await _story(chat)
    amount = ("amount", "380", "380元")
    reply = await chat.send("", attachments=photo(("id_number", ID, "1405…5869"), amount))
    assert ACK in reply.text and "照片上的身份证号是 1405…5869，对吗？" in reply.text
    assert "金额" not in reply.text  # one at a time
    await chat.verify(
        [
            ("对", ("记下了", "照片上的金额是 380元，对吗？")),
            ("不对", ("不用照片上的", "名字和联系电话")),
            (f"李桂花，{PHONE}", "乡镇"),
            ("凤鸣镇，南关村", "!身份证号"),
        ]
    )
    while "请核对" not in chat.log[-1][1]:
        await chat.send("不知道")
    await chat.verify([("确认", "已登记")])
    case = await _opened(chat, sqlite_case_service)
    assert case.complainant.id_number == ID
    assert case.amount != 380


async def test_a_value_already_given_is_not_replaced_without_asking(chat: Chat) -> None:
    await _story(chat)
    await chat.verify([(f"李桂花，{PHONE}", "乡镇")])
    reply = await chat.send("", attachments=photo(("phone", "13812341427", "138****1427")))
    assert "和您之前说的不一样" in reply.text
    await chat.verify([("不是", ("不用照片上的", "乡镇"))])
    # the same value as the draft's is not asked about at all
    reply = await chat.send("", attachments=photo(("phone", PHONE, PHONE)))
    assert "对吗" not in reply.text and "不一样" not in reply.text and "乡镇" in reply.text


async def test_words_beside_the_offer_are_handled_as_usual(chat: Chat) -> None:
    await _story(chat)
    await chat.send("", attachments=photo(("id_number", ID, "1405…5869")))
    await chat.verify([(f"李桂花，{PHONE}", ("乡镇", "!对吗"))])


async def test_a_refused_file_loses_nothing(chat: Chat) -> None:
    await _story(chat)
    refused = (InboundAttachment("file", False, "文件太大了，请发 20MB 以内的。"),)
    await chat.verify([(f"李桂花，{PHONE}", "乡镇")])
    reply = await chat.send("", attachments=refused)
    assert "文件太大了" in reply.text and "乡镇" in reply.text


async def test_a_photo_at_the_summary_keeps_it(chat: Chat) -> None:
    await chat.verify(
        [
            (f"我叫李桂花，凤鸣镇南关村的，电话{PHONE}，今年的医保扣了两次，多扣了380元", "同意"),
            ("同意", "身份证号"),
            ("跳过", "请核对"),
        ]
    )
    reply = await chat.send("", attachments=photo())
    assert ACK in reply.text and "确认" in reply.text
    await chat.verify([("确认", "已登记")])


async def test_voice_while_a_report_is_open_asks_in_writing_or_calls_back(
    chat: Chat, sqlite_case_service: Any
) -> None:
    await _story(chat)
    voice = (InboundAttachment("voice", True, "收到语音了，会一并交给办理单位。"),)
    reply = await chat.send("", attachments=voice)
    assert "收到语音了" in reply.text and "姓名、电话" in reply.text
    assert "名字和联系电话" in reply.text
    labels = [c.label for c in reply.choices]
    assert "请工作人员打电话给我" in labels
    reply = await chat.send("请工作人员打电话给我", choice_id="call_back")
    assert "打电话和您核实" in reply.text and "电话" in reply.text
    await chat.verify([(PHONE, "请核对"), ("确认", "已登记")])
    case = await _opened(chat, sqlite_case_service)
    assert "回电" in case.description and case.complainant.phone == PHONE


async def test_a_grid_worker_of_the_village_is_offered_for_the_call(chat: Chat) -> None:
    await _story(chat)
    await chat.verify([(f"李桂花，{PHONE}", "乡镇"), ("凤鸣镇南关村", "身份证号")])
    voice = (InboundAttachment("voice", True, ""),)
    reply = await chat.send("", attachments=voice)
    # 张桂兰 is the county's grid worker of 南关村 (example.toml)
    assert "请网格员张桂兰打电话给我" in [c.label for c in reply.choices]


def test_the_draft_key_the_channel_stores_uploads_against(
    nlu_engine: Any, dialog_ctx: DialogContext
) -> None:
    at = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    state = ConversationState(privacy_accepted=True)
    inbound = Inbound("telegram", "42", "我的医保今年扣了两次钱", "m1", at, attachments=photo())
    assert engine.current_draft_key(state, inbound) is None
    result = engine.turn(state, inbound, nlu_engine.parse(inbound.text), dialog_ctx)
    key = engine.current_draft_key(result.state, inbound)
    assert key == engine.case_draft(result.state, inbound).draft_key
    assert key == f"telegram:42:{at.isoformat()}"
    assert ACK in result.replies[0].text


async def test_a_photo_after_the_case_goes_with_the_case(chat: Chat) -> None:
    await chat.verify(
        [
            (f"我叫李桂花，凤鸣镇南关村的，电话{PHONE}，今年的医保扣了两次，多扣了380元", "同意"),
            ("同意", "身份证号"),
            ("跳过", "请核对"),
            ("确认", "已登记"),
        ]
    )
    number = chat.log[-1][1].split("案件编号：")[1].split()[0]
    reply = await chat.send("", attachments=photo(("phone", PHONE, PHONE)))
    assert ACK in reply.text and number in reply.text and "对吗" not in reply.text


def test_where_an_upload_belongs(nlu_engine: Any, dialog_ctx: DialogContext) -> None:
    at = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    inbound = Inbound("wecom_kf", "u1", "", "m1", at, attachments=photo())
    assert engine.attachment_target(ConversationState(), inbound) is None
    state = ConversationState(opened=["YC-2026-000007"])
    assert engine.attachment_target(state, inbound) == ("case", "YC-2026-000007")
    text = "我的医保今年扣了两次钱"
    result = engine.turn(state, replace(inbound, text=text), nlu_engine.parse(text), dialog_ctx)
    kind, key = engine.attachment_target(result.state, inbound) or ("", "")
    assert kind == "draft" and key == engine.current_draft_key(result.state, inbound)
