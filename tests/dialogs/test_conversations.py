"""Every dialogue path as a conversation table: (user says, the bot's one message contains).

Real NLU, real case service, real conversation store (SQLite; the key flows on PostgreSQL too).
"""

from __future__ import annotations

from typing import Any

import pytest
from dialog_chat import Chat, make_service

from dialogs.service import DialogueService

ID_OK = "11010519491231002X"
ID_BAD = "110105194912310021"  # wrong check digit
PHONE = "13812341427"
PHONE2 = "13912345678"

RAMBLING = (
    "你好，俺是凤鸣镇南关村的，叫王秀英，今年68了。去年在村里交的养老保险交了两回，"
    "钱扣了两次，多扣了两百八，想把多交的退给俺。电话13812341427，身份证11010519491231002X"
)


async def _agree(chat: Chat) -> None:
    await chat.verify([("你好", ("您好", "个人信息说明", "同意")), ("同意", "遇到了什么问题")])


async def test_everything_in_the_first_message_takes_two_turns(
    dialogue_any_db: DialogueService, clock: Any
) -> None:
    chat = Chat(dialogue_any_db, "villager", clock=clock)
    await chat.verify(
        [
            (
                RAMBLING,
                (
                    "个人信息说明",
                    "请核对",
                    "退（抵）费",
                    "王秀英",
                    "1101**********002X",
                    "凤鸣镇南关村",
                    "城乡居民养老保险",
                    "280元",
                    "确认",
                    PHONE,  # their own number, in full: they must check it
                    "!" + ID_OK,
                ),
            ),
            ("确认", ("已登记", "案件编号：YC-", "承办单位", "工作日", "前答复")),
        ]
    )
    assert len(chat.log) == 2


async def test_step_by_step_one_question_at_a_time(chat: Chat) -> None:
    await _agree(chat)
    reply = await chat.verify(
        [
            ("单位没给我交养老保险，欠了好几年了", ("名字和联系电话", "!险种")),
            ("李建国", "联系电话"),
            (PHONE, ("乡镇", "村", "身份证号")),
            ("凤鸣镇", ("村", "!乡镇")),
            ("北关村", "身份证"),
            (ID_OK, ("单位", "时间", "多少钱", "几个人")),
            ("县里的宏达建材厂，2021年到2023年，一万二，就我一个", "请核对"),
        ]
    )
    assert all(
        x in reply.text for x in ("北关村", "宏达建材厂", "2021年1月至2023年12月", "12000元")
    )
    assert "涉及人数：1人" in reply.text
    assert [c.id for c in reply.choices] == ["confirm", "edit", "cancel"]
    await chat.verify([("1", ("已登记", "YC-"))])


async def test_several_answers_in_one_message_in_any_order(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("我交的社保滞纳金收得太多了", "名字和联系电话"),
            # the phone alone: kept; only the name is asked again
            (PHONE, ("名字", "!联系电话")),
            ("赵红", ("乡镇", "!电话")),
            # the answers in another order than asked, one of them skipped
            ("不知道，上庄村，润泉镇", ("哪种保险", "时间", "多少钱")),
            (f"电话改成{PHONE2}", ("改好了", "哪种保险")),
            ("2023年3月到6月，医保，三百块", "请核对"),
        ]
    )
    summary = chat.log[-1][1]
    assert all(x in summary for x in (PHONE2, "润泉镇上庄村", "医疗保险", "300元", "2023年3月"))
    assert "身份证号" not in summary


async def test_validation_keeps_everything_else(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("我的医保缴费记录少了三个月，叫孙丽", "联系电话"),
            ("1381234142", ("11位", "!请核对")),
            (PHONE, "乡镇"),
            (f"町河镇坪头村，{ID_BAD}", ("第18位校验码不对，请再核对一下", "记下了", "!哪个乡镇")),
            (ID_OK, ("时间", "!乡镇")),
            ("2024年", "请核对"),
        ]
    )
    summary = chat.log[-1][1]
    assert all(x in summary for x in ("孙丽", PHONE, "町河镇坪头村", "1101**********002X"))


async def test_skip_optional_but_not_required(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("单位拖欠社保费不交", "名字"),
            ("不方便", ("要写反映人的姓名", "名字")),
            (f"周强，{PHONE}", "乡镇"),
            ("西河乡，跳过，跳过", ("单位", "时间")),
            ("不清楚", "请核对"),
        ]
    )


async def test_low_confidence_offers_a_menu_answered_by_number_or_words(chat: Chat) -> None:
    await _agree(chat)
    reply = await chat.send("社保的事情有点问题想问问")
    assert "哪一类" in reply.text
    assert len(reply.choices) == 4 and reply.choices[-1].id == "cat:other"
    chosen = reply.choices[1]
    await chat.verify([("2", "名字")])
    chat2 = chat.other("resident-2")
    await _agree(chat2)
    await chat2.send("社保的事情有点问题想问问")
    await chat2.verify([("滞纳金", "名字"), ("钱芳", "电话"), (PHONE, "乡镇"), ("凤鸣镇", "村")])
    await chat.verify([("钱芳", "电话"), (PHONE, "乡镇"), ("凤鸣镇", ("村", "身份证"))])
    assert chosen.id.startswith("cat:")


async def _to_summary(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            (
                "我是北岭镇大桥村的刘芬，电话13812341427，身份证11010519491231002X，"
                "养老保险滞纳金收多了三百元，是2022年5月的",
                ("请核对", "滞纳金", "刘芬"),
            )
        ]
    )


async def test_each_correction_changes_one_field_and_shows_the_summary(chat: Chat) -> None:
    await _to_summary(chat)
    await chat.verify(
        [
            ("电话写错了，是13912345678", ("改好了", "请核对", "13912345678", "刘芬", "滞纳金")),
            ("名字改成刘芳", ("改好了", "刘芳", "13912345678")),
            ("不是滞纳金的问题，是退费", ("改好了", "退（抵）费", "刘芳", "!滞纳金（利息）")),
            ("村写错了，是郭峪村", ("郭峪村", "刘芳")),
            ("确认", ("已登记", "YC-")),
        ]
    )


async def test_cancel_asks_once_then_discards_and_restart_is_immediate(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("我交的养老保险钱扣多了", "名字"),
            ("吴敏", "电话"),
            ("算了", ("确定不反映了吗", "删掉")),
            ("继续填写", ("接着", "电话")),
            ("不弄了", "确定不反映了吗"),
            ("确定", "已取消"),
            ("单位一直欠缴社保", ("名字", "!个人信息说明")),
        ]
    )
    await chat.verify([("我叫吴敏", "电话")])


async def test_privacy_declined_stores_nothing(chat: Chat) -> None:
    await chat.verify(
        [
            ("单位扣了我的社保钱没交，我叫郑伟，电话13812341427", ("个人信息说明", "同意")),
            ("不同意", ("不记录", "12345")),
            ("你好", "个人信息说明"),
        ]
    )


async def test_grid_worker_files_for_several_households(
    dialogue: DialogueService, clock: Any
) -> None:
    chat = Chat(dialogue, "grid-unlisted", clock=clock)
    await chat.verify(
        [
            ("我是北关村网格员李春梅，帮村里的陈大爷反映个事", ("个人信息说明", "您的手机号")),
            ("同意", "您的手机号"),
            ("15835609999", "被代办人遇到了什么问题"),
            ("他的养老保险缴费记录少了两年", "被代办人的名字和联系电话"),
            (f"陈志明，{PHONE}", "身份证"),
            ("跳过", ("哪段时间", "!哪种保险")),  # 养老 was in the story
            ("2019年到2020年", "同意由您代为反映"),
            ("同意了", ("请核对", "陈志明", "代办网格员：李春梅", "凤鸣镇北关村")),
            ("确认", ("已登记", "下一户")),
            # the second household: the grid worker is not asked about herself again
            ("下一户是宋桂芝，医保缴费记录不对，电话13912345678", ("身份证", "!您的手机号")),
            ("跳过", "哪段时间"),
            ("2024年", "同意由您代为反映"),
            ("本人已同意", "请核对"),
            ("确认", "已登记"),
            ("我报的案件", ("共2件", "陈志明", "宋桂芝")),
        ]
    )


async def test_grid_worker_from_config_is_recognised_by_phone(
    dialogue_any_db: DialogueService, clock: Any
) -> None:
    chat = Chat(dialogue_any_db, "wecom-zgl", clock=clock, contact_phone="15835601121")
    await chat.verify(
        [
            # the notice is for her to pass on; each household's consent is asked below
            ("你好", ("个人信息说明", "代办时请向群众说明", "!您的姓名")),
            ("帮何秀梅反映，她的退费申请了半年还没到账，电话13812341427", "身份证"),
            ("跳过", ("哪种保险", "时间", "多少钱")),
            ("医保，去年，五百元", "同意由您代为反映"),
            ("还没问过", "需要本人同意"),
            ("本人已同意", ("请核对", "代办网格员：张桂兰", "凤鸣镇南关村")),
            ("确认", "已登记"),
        ]
    )


async def test_status_query_own_and_from_another_account(
    dialogue_any_db: DialogueService, clock: Any
) -> None:
    chat = Chat(dialogue_any_db, "villager", clock=clock)
    await chat.verify([(RAMBLING, "请核对")])
    opened = await chat.send("确认")
    number = opened.text.split("案件编号：")[1].split()[0]
    await chat.verify(
        [(f"查一下{number}", (number, "承办单位", "办理时限", "!后4位")), ("我的案件", number)]
    )
    son = chat.other("son-account")
    await son.verify(
        [
            (f"{number}办得怎么样了", ("后4位", "!承办单位")),
            ("0000", ("对不上", "后4位")),
            ("1427", (number, "承办单位")),
        ]
    )
    stranger = chat.other("stranger")
    await stranger.verify([(f"{number} 1427", "承办单位"), ("YC-2026-999999", "没有找到")])


async def test_small_talk_and_referrals(chat: Chat) -> None:
    await chat.verify(
        [
            ("你好", "您好"),
            ("同意", "遇到了什么问题"),
            ("你能做什么", ("反映", "案件编号", "网格员")),
            ("个税汇算怎么退税", "12366"),
            ("谢谢", "不客气"),
        ]
    )


async def test_idle_return_asks_continue_or_restart_and_loses_nothing(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify([("单位扣了我的养老保险钱", "名字"), ("马丽", "电话")])
    chat.idle(31)
    await chat.verify(
        [
            (PHONE, ("欢迎回来", "接着填", "重新开始")),
            ("接着填", ("乡镇",)),  # the phone typed on return was kept
            ("凤鸣镇", "村"),
        ]
    )
    chat.idle(45)
    await chat.verify([("在吗", "欢迎回来"), ("重新开始", ("重新开始", "遇到了什么问题"))])


async def test_feedback_after_closure_and_objection_routes(
    dialogue: DialogueService, sqlite_case_service: Any, clock: Any
) -> None:
    from backend.workflow import Actor, StaffAction

    chat = Chat(dialogue, "villager", clock=clock)
    await chat.verify([(RAMBLING, "请核对")])
    number = (await chat.send("确认")).text.split("案件编号：")[1].split()[0]
    detail = await sqlite_case_service.detail(number)
    staff = Actor(id="staff-1", kind="staff", agency=detail.lead_agency)
    for kind, text in (("accept", ""), ("reply", "经核实，多缴的费用已退回您的账户。")):
        await sqlite_case_service.act(number, StaffAction(kind=kind, actor=staff, text=text))
    await chat.verify(
        [
            ("你好", ("已经办结", "多缴的费用已退回", "满意吗")),
            ("不满意", ("调解", "仲裁", "行政复议", "行政诉讼")),
        ]
    )
    after = await sqlite_case_service.detail(number)
    assert any(e.action in ("feedback", "object") and "不满意" in e.text for e in after.events)


async def test_duplicate_message_is_answered_once(dialogue: DialogueService, clock: Any) -> None:
    from datetime import UTC, datetime

    from dialogs.messages import Inbound

    message = Inbound("telegram", "42", "你好", "tg-1", datetime.now(UTC))
    assert await dialogue.handle(message)
    assert await dialogue.handle(message) == []


async def test_state_survives_a_new_service_instance(
    nlu_engine: Any, sqlite_case_service: Any, sqlite_database: Any, dialog_ctx: Any, clock: Any
) -> None:
    first = Chat(
        make_service(nlu_engine, sqlite_case_service, sqlite_database, dialog_ctx, clock),
        "u",
        clock=clock,
    )
    await _agree(first)
    await first.verify([("单位欠缴我的社保费", "名字")])
    second = Chat(
        make_service(nlu_engine, sqlite_case_service, sqlite_database, dialog_ctx, clock),
        "u",
        clock=clock,
    )
    await second.verify([("冯雪", "电话")])


@pytest.mark.parametrize("word", ["算了", "取消", "不弄了"])
async def test_cancel_words(chat: Chat, word: str) -> None:
    await _agree(chat)
    await chat.verify(
        [("我交的社保钱扣多了", "名字"), (word, "确定不反映了吗"), ("是的", "已取消")]
    )


async def test_a_neighbourly_name_is_asked_again_for_the_full_name(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("单位没给我交养老保险，欠了好几年了", "名字"),
            ("李大爷", ("全名", "!没太看明白")),
            ("李德福", "电话"),
        ]
    )


async def test_a_story_the_classifier_cannot_place_is_kept_not_asked_again(
    chat: Chat,
) -> None:
    await _agree(chat)
    reply = await chat.verify([("我叫王秀英，去年下半年社宝扣多了好几百", "!说说遇到了什么问题")])
    assert "遇到了什么问题" not in reply.text
