"""Issue 10: each defect found on conversations written by others, as a conversation table.

ID numbers are of people born 1950–1984 under today's area codes of several provinces (a code
younger than its holder is normal: it is the code in force when the card was issued); their
check digits come from ``stdnum.cn.ric.calc_check_digit``. Places outside the county are
registered as given (首问责任制) and transferred by staff.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from dialog_chat import Chat, make_service
from stdnum.cn import ric

from dialogs.messages import Inbound
from dialogs.service import DialogueService

PHONE = "13935612340"


def _id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


#: (area code, place, born): codes created after the holder's birth year.
OLD_PEOPLE = [
    ("140522", "阳城县", "19620415"),  # 阳城 since 1985
    ("140525", "泽州县", "19580312"),  # 泽州 since 1996
    ("429005", "潜江市", "19550718"),  # 潜江 since 1994
    ("511621", "岳池县", "19700203"),  # 岳池 since 1998
    ("610528", "富平县", "19840911"),  # 富平 since 1994
    ("130429", "永年县", "19660101"),  # 永年 abolished in 2016
]


async def _agree(chat: Chat) -> None:
    await chat.verify([("你好", "个人信息说明"), ("同意", "遇到了什么问题")])


async def _opened(chat: Chat, cases: Any) -> Any:
    """The case the conversation opened (its number from the bot's last message)."""
    text = chat.log[-1][1]
    assert "案件编号：" in text, text
    number = text.split("案件编号：")[1].split()[0]
    return await cases.detail(number)


@pytest.mark.parametrize(("code", "place", "born"), OLD_PEOPLE)
async def test_real_id_numbers_of_older_people_are_accepted(
    chat: Chat, sqlite_case_service: Any, code: str, place: str, born: str
) -> None:
    number = _id(f"{code}{born}123")
    await _agree(chat)
    await chat.verify(
        [
            ("我的医保缴费记录少了半年", "名字和联系电话"),
            (f"李桂花，{PHONE}", "身份证号"),
            (f"凤鸣镇，南关村，{number}", ("哪段时间", "!校验码", "!出生日期", "!核对")),
            ("2019年", ("请核对", f"{number[:4]}**********{number[-4:]}")),
            ("确认", "已登记"),
        ]
    )
    assert (await _opened(chat, sqlite_case_service)).complainant.id_number == number


@pytest.mark.parametrize(
    ("place", "township", "village"),
    [
        ("润城镇东沟村", "润城镇", "东沟村"),
        ("泽州县巴公镇", "泽州县巴公镇", None),
        ("潜江市园林街道青年社区", "潜江市园林街道", "青年社区"),
    ],
)
async def test_a_place_outside_the_county_is_registered_as_given(
    chat: Chat, sqlite_case_service: Any, place: str, township: str, village: str | None
) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("我的养老保险多扣了两百八十元，2023年的", "名字和联系电话"),
            (f"王秀英，{PHONE}", "乡镇"),
            (place, ("!是哪个乡镇", "!没太看明白")),
        ]
    )
    await chat.verify([("跳过", ("请核对", "不在本县，我们照样登记")), ("确认", "已登记")])
    case = await _opened(chat, sqlite_case_service)
    assert case.complainant.township == township
    assert case.complainant.village == village


@pytest.mark.parametrize("yes", ["对，确认提交", "好的，你登记吧", "中", "同意"])
async def test_consent_in_everyday_words(chat: Chat, yes: str) -> None:
    await chat.verify(
        [
            ("单位扣了我的养老保险钱没交", ("个人信息说明", "同意")),
            (yes, ("名字", "!登记前需要您先同意")),
        ]
    )


@pytest.mark.parametrize(
    ("question", "hotline"),
    [
        ("医保报销比例是多少", "12393"),
        ("养老金怎么算", "12333"),
        ("医保卡丢了怎么补办", "12393"),
        ("老板拖欠了我三个月工资咋办", "12333"),
        ("个税汇算怎么退税", "12366"),
    ],
)
async def test_out_of_scope_questions_with_insurance_words_are_referred(
    chat: Chat, question: str, hotline: str
) -> None:
    reply = await chat.send(question)
    assert hotline in reply.text
    assert "个人信息说明" not in reply.text and "哪一类" not in reply.text
    assert not reply.choices  # no registration started


async def test_an_employer_reports_as_a_unit(chat: Chat, sqlite_case_service: Any) -> None:
    await chat.verify(
        [
            (
                "我是云川县宏达建材有限公司的会计，我们公司2019年的滞纳金算多了，多收了一万八千六百五",
                ("个人信息说明", "统一社会信用代码", "联系人", "!身份证号是多少"),
            ),
            ("同意，91140522MA0GR4H20X，刘晓燕，13935612345", ("乡镇", "!身份证")),
            ("凤鸣镇，跳过", ("哪种保险", "几个人")),
            ("养老保险，23个人", ("请核对", "反映单位：云川县宏达建材有限公司", "联系人：刘晓燕")),
            ("确认", "已登记"),
        ]
    )
    case = await _opened(chat, sqlite_case_service)
    c = case.complainant
    assert (c.kind, c.employer, c.credit_code, c.name) == (
        "employer",
        "云川县宏达建材有限公司",
        "91140522MA0GR4H20X",
        "刘晓燕",
    )
    assert case.people_count == 23 and case.amount == 18650


async def test_a_clerk_who_names_their_job_makes_it_the_units_report(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("缴费基数报错了，单位申报的时候系统填错了", "名字和联系电话"),
            (f"我是厂里的会计刘晓燕，{PHONE}", ("单位全称", "统一社会信用代码")),
        ]
    )


@pytest.mark.parametrize(
    ("correction", "shows", "gone"),
    [
        ("不是滞纳金，是退费", "退（抵）费", "滞纳金（利息）加收"),
        ("名字不对 是李桂华", "姓名：李桂华", "姓名：李桂花"),
        ("时间不对，是2016年和2017年这两年", "时间：2016年1月至2017年12月", "时间：2022年"),
        ("电话号码不对，应该是一三九一二三四五六七八", "电话：13912345678", f"电话：{PHONE}"),
    ],
)
async def test_the_corrections_the_bot_advertises_work(
    chat: Chat, correction: str, shows: str, gone: str
) -> None:
    await _agree(chat)
    await chat.verify(
        [
            (
                f"我叫李桂花，凤鸣镇南关村的，电话{PHONE}，身份证{_id('14052219620415123')}，"
                "2022年的养老保险滞纳金多收了三百元",
                "请核对",
            ),
            (correction, ("改好了", "请核对", shows, f"!{gone}")),
        ]
    )


@pytest.mark.parametrize(
    "said",
    ["俺叫李桂花", "俺是李桂花", "我叫李桂花。", "李桂花"],
)
async def test_colloquial_names(chat: Chat, said: str) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("我的养老保险多扣了钱", "名字和联系电话"),
            (said, ("联系电话", "!名字")),
        ]
    )


async def test_colloquial_place_phone_and_confirmation(
    chat: Chat, sqlite_case_service: Any
) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("我的医保缴费记录少了三个月", "名字和联系电话"),
            ("李桂花，一三九三五六一二三四零", "乡镇"),
            ("俺是芹池的", ("身份证", "!乡镇", "!村（社区）")),
            ("跳过", "哪段时间"),
            ("前年", ("请核对", "芹川乡芹池村", PHONE)),
            ("对着哩", "已登记"),
        ]
    )
    case = await _opened(chat, sqlite_case_service)
    assert (case.complainant.township, case.complainant.village) == ("芹川乡", "芹池村")
    assert case.complainant.phone == PHONE


@pytest.mark.parametrize("yes", ["就这", "对着哩", "没问题，提交吧"])
async def test_confirmation_in_dialect(chat: Chat, yes: str) -> None:
    await chat.verify(
        [
            (
                f"我叫李桂花，凤鸣镇南关村的，电话{PHONE}，身份证{_id('14052219620415123')}，"
                "2022年的养老保险滞纳金多收了三百元",
                "请核对",
            ),
            (yes, "已登记"),
        ]
    )


async def test_grid_worker_villager_without_phone_and_a_later_status_question(
    dialogue: DialogueService, sqlite_case_service: Any, clock: Any
) -> None:
    # 卫红梅 is a grid worker of the county: the channel vouches for her phone.
    chat = Chat(
        dialogue, "wecom-whm", channel="wecom_app", contact_phone="15835604451", clock=clock
    )
    await chat.verify(
        [
            (
                "帮村里的赵福贵反映个事，他的养老保险交了两次",
                ("个人信息说明", "代办时请向群众说明", "!名字", "!您的姓名"),
            ),
            # "交了两次" is a refund (the NLU is sure of it): no category menu.
            ("他没有手机，有事打我电话就行", ("身份证", "!哪一类", "!12345", "!12333")),
            (_id("14052519580312452"), ("哪段时间", "多少钱")),
            ("还没问过", ("同意由您代为反映", "!没太看明白")),
            ("本人已同意", ("请核对", "赵福贵", "联系代办网格员（15835604451）")),
            ("确认", "已登记"),
        ]
    )
    case = await _opened(chat, sqlite_case_service)
    assert case.complainant.name == "赵福贵" and case.complainant.phone is None
    assert case.filed_by is not None and case.filed_by.phone == "15835604451"
    reply = await chat.send("我前头帮赵福贵反映的事咋样了")
    assert case.number in reply.text and "个人信息说明" not in reply.text
    assert len(await sqlite_case_service.list_cases()) == 1


async def test_villager_consent_not_yet_asked_gets_one_answer(
    dialogue: DialogueService, clock: Any
) -> None:
    chat = Chat(
        dialogue, "wecom-zgl", channel="wecom_app", contact_phone="15835601121", clock=clock
    )
    await chat.verify(
        [
            ("帮何秀梅反映，她的医保缴费系统交不了，电话13812341427", "身份证"),
            ("跳过", "哪段时间"),
            ("跳过", "同意由您代为反映"),
        ]
    )
    reply = await chat.send("还没问过")
    assert reply.text.count("。") <= 2 and "需要本人同意" in reply.text
    assert "没太看明白" not in reply.text and "需要填写" not in reply.text


@pytest.mark.parametrize("name", ["萧山河", "栗志刚", "冀秀英", "晋春生", "阴红霞", "郇建国"])
async def test_rare_surnames_are_taken_at_once(chat: Chat, name: str) -> None:
    await _agree(chat)
    await chat.verify([("我的养老保险多扣了钱", "名字"), (name, ("联系电话", "!名字"))])


async def test_a_name_outside_the_surname_list_is_confirmed_not_asked_again(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("我的医保缴费记录少了三个月", "名字"),
            ("禤海生", ("联系电话", "!名字")),
            (PHONE, "乡镇"),
            ("凤鸣镇南关村，跳过", "哪段时间"),
            ("2024年", ("请核对", "禤海生（这个姓不常见，请核对名字写得对不对）")),
            ("确认", "已登记"),
        ]
    )


@pytest.mark.parametrize("failure", [RuntimeError, ConnectionResetError])
async def test_a_crash_between_opening_the_case_and_saving_the_state_opens_one_case(
    nlu_engine: Any,
    sqlite_case_service: Any,
    sqlite_database: Any,
    dialog_ctx: Any,
    clock: Any,
    failure: type[Exception],
) -> None:
    """The case is committed, then the turn dies before its state is saved: the user's next
    确认 (RuntimeError: told to retry) or the channel's re-delivery of the same message
    (ConnectionResetError: the database is "unavailable") finds the same case."""

    class CrashAfterCommit:
        def __init__(self, real: Any) -> None:
            self.real, self.crashed = real, False

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

        async def open_case(self, draft: Any) -> Any:
            opened = await self.real.open_case(draft)
            if not self.crashed:
                self.crashed = True
                raise failure("lost the answer of a committed transaction")
            return opened

    service = make_service(
        nlu_engine, CrashAfterCommit(sqlite_case_service), sqlite_database, dialog_ctx, clock
    )
    chat = Chat(service, "u", clock=clock)
    await chat.verify(
        [
            (
                f"我叫李桂花，凤鸣镇南关村的，电话{PHONE}，身份证{_id('14052219620415123')}，"
                "2022年的养老保险滞纳金多收了三百元",
                "请核对",
            ),
        ]
    )
    confirm = Inbound("console", "u", "确认", "confirm-1", clock.advance(20))
    try:
        first = await service.handle(confirm)
    except ConnectionResetError:
        first = []
    if failure is RuntimeError:
        assert "没提交成功" in first[0].text
        confirm = replace(confirm, message_id="confirm-2")  # the user says it again
    again = await service.handle(replace(confirm, received_at=clock.advance(20)))
    assert "已登记" in again[0].text
    assert len(await sqlite_case_service.list_cases()) == 1


async def test_after_the_case_a_correction_or_a_worry_does_not_open_another(
    chat: Chat, sqlite_case_service: Any
) -> None:
    await chat.verify(
        [
            (
                f"我叫李桂花，凤鸣镇南关村的，电话{PHONE}，身份证{_id('14052219620415123')}，"
                "2022年的养老保险滞纳金多收了三百元",
                "请核对",
            ),
            ("确认", "已登记"),
            # Recorded on the case and pushed to its agency, not applied to a new draft.
            ("我刚才说错了，电话是13912345678", ("已把您说的更正记到案件", "转告承办单位")),
            ("要是办不好我还能找谁？", ("行政复议", "行政诉讼")),
            ("还要我准备什么材料吗", ("承办单位会按时限联系您", "YC-", "办理时限", "!12345")),
            ("刚才那个编号再发我一下", "YC-"),
            ("我要撤回这个反映", ("已经登记", "撤回")),
            ("谢谢", "不客气"),
        ]
    )
    assert len(await sqlite_case_service.list_cases()) == 1
    (case,) = await sqlite_case_service.list_cases()
    detail = await sqlite_case_service.detail(case.number)
    info = [e for e in detail.events if e.action == "add_info"]
    assert len(info) == 1 and "13912345678" in info[0].text
    assert detail.complainant.phone == PHONE  # staff check before changing the record


@pytest.mark.parametrize("never_mind", ["算了，我再想想，先不登记了", "先别提交"])
async def test_changing_ones_mind_at_the_summary(
    chat: Chat, sqlite_case_service: Any, never_mind: str
) -> None:
    await chat.verify(
        [
            (
                f"我叫李桂花，凤鸣镇南关村的，电话{PHONE}，身份证{_id('14052219620415123')}，"
                "2022年的养老保险滞纳金多收了三百元",
                "请核对",
            ),
            (never_mind, ("确定不反映了吗", "!已登记")),
            ("是的", "已取消"),
        ]
    )
    assert await sqlite_case_service.list_cases() == []


@pytest.mark.parametrize(
    ("question", "hotline"),
    [
        ("灵活就业养老保险一年交多少钱", "12366"),
        ("住院花了三万，医保能报多少啊", "12393"),
        ("帮我儿子问问离婚能不能申请法律援助", "12348"),
    ],
)
async def test_more_questions_that_are_not_disputes(
    chat: Chat, question: str, hotline: str
) -> None:
    reply = await chat.send(question)
    assert hotline in reply.text and not reply.choices


async def test_an_announced_matter_asks_for_the_story(chat: Chat) -> None:
    await chat.verify(
        [
            ("你好，我想反映个社保的事", ("个人信息说明", "!哪一类")),
            ("同意", ("遇到了什么问题", "!哪一类")),
        ]
    )
