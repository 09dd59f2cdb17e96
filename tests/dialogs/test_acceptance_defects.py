"""Defects an acceptance tester found by chatting (never having read the code), each fixed as a
class and pinned here as conversation tables:

1. a verdict or an objection after a case is closed is recorded, never a new report;
2. given names with 来 / 住 / 在 / 福 are whole, and a correction that says 改好了 changed it;
3. markup pasted with a complaint is read as its text;
4. a value volunteered at any point fills its slot, and a changed value says what changed;
5. a township outside the county is never mapped onto a county name that looks alike;
6. 跳过 is never offered where it is refused; "don't know" for a required slot is explained,
   and the third time left to staff;
7. the simple tier is due the same day ("当天办结"), never "0个工作日";
8. every invalid detail gets its sentence, and the rest of the message is taken.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from dialog_chat import Chat, make_service

from dialogs.context import DialogContext

PHONE = "13935612340"
STORY = "我的医保今年扣了两次，要退费"
ROUTES = ("调解", "仲裁", "行政复议", "行政诉讼")


async def _agree(chat: Chat) -> None:
    await chat.verify([("你好", "个人信息说明"), ("同意", "遇到了什么问题")])


async def _case(chat: Chat, cases: Any) -> Any:
    text = chat.log[-1][1]
    assert "案件编号：" in text, text
    return await cases.detail(text.split("案件编号：")[1].split()[0])


async def _file(chat: Chat, *, name: str = "李桂花") -> str:
    """A report filed to the end; returns its case number."""
    await _agree(chat)
    await chat.verify(
        [
            (f"{STORY}，我叫{name}，电话{PHONE}，凤鸣镇南关村", "身份证号"),
            ("跳过", "多少钱"),
            ("跳过", "请核对"),
        ]
    )
    reply = await chat.send("确认")
    assert "案件编号：" in reply.text, reply.text
    return reply.text.split("案件编号：")[1].split()[0]


async def _close(cases: Any, number: str) -> None:
    """Staff accept and answer the case: the closing notice asks 满意 / 基本满意 / 不满意."""
    from backend.workflow import Actor, StaffAction

    detail = await cases.detail(number)
    staff = Actor(id="staff-1", kind="staff", agency=detail.lead_agency)
    for kind, text in (("accept", ""), ("reply", "经核实，多缴的费用已退回您的账户。")):
        await cases.act(number, StaffAction(kind=kind, actor=staff, text=text))


# --- 1. a verdict after closing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "verdict"),
    [
        ("不满意", "dissatisfied"),
        ("不满意，才报了这么点", "dissatisfied"),
        ("俺对处理结果有异议", "dissatisfied"),
        ("俺不服，钱还是没到账", "dissatisfied"),
        ("不太满意", "dissatisfied"),
        ("3", "dissatisfied"),
        ("满意", "satisfied"),
        ("挺满意的，谢谢", "satisfied"),
        ("1", "satisfied"),
        ("还行吧", "basically_satisfied"),
        ("基本满意", "basically_satisfied"),
        ("还算满意", "basically_satisfied"),
    ],
)
async def test_a_verdict_after_closing_is_recorded_never_a_new_report(
    chat: Chat, sqlite_case_service: Any, said: str, verdict: str
) -> None:
    number = await _file(chat)
    await _close(sqlite_case_service, number)
    never = ("!办理时限内答复", "!遇到了什么问题", "!名字", "!联系电话", "!没记录成功")
    wanted = ROUTES if verdict == "dissatisfied" else ("感谢您的评价",)
    await chat.verify([(said, (*wanted, *never))])
    case = await sqlite_case_service.detail(number)
    assert case.satisfaction == verdict
    feedback = [e for e in case.events if e.action == "feedback"]
    assert len(feedback) == 1
    if "，" in said:
        assert said.split("，")[1] in feedback[0].text  # the reason is kept
    # Said again later: the routes of a closed case, never "will be answered", nor a report.
    await chat.verify([("俺不服", (*ROUTES, "已经办结", *never))])
    assert len(await sqlite_case_service.cases_of_user(chat.channel, chat.user)) == 1


async def test_an_objection_gets_the_routes_of_the_countys_closing_notice(
    nlu_engine: Any,
    sqlite_case_service: Any,
    sqlite_database: Any,
    dialog_ctx: DialogContext,
    county: Any,
    clock: Any,
) -> None:
    from backend.notices import objection_routes

    routes = objection_routes(county)
    ctx = replace(dialog_ctx, objection_routes=routes)
    chat = Chat(make_service(nlu_engine, sqlite_case_service, sqlite_database, ctx, clock),
                "objector", clock=clock)  # fmt: skip
    number = await _file(chat)
    await _close(sqlite_case_service, number)
    reply = await chat.send("俺对处理结果有异议")
    assert routes in reply.text and "办理时限内" not in reply.text


# --- 2. names ---------------------------------------------------------------------------------


NAMES = ["晋福来", "马金来", "赵拴住", "孙来福", "张来喜", "秦在田", "李家明", "王向东"]


@pytest.mark.parametrize("name", NAMES)
async def test_a_name_with_a_stop_character_is_taken_whole(
    chat: Chat, sqlite_case_service: Any, name: str
) -> None:
    await _agree(chat)
    await chat.verify(
        [
            (STORY, "名字"),
            (f"俺叫{name}，电话{PHONE}", ("乡镇", "!名字")),
            ("凤鸣镇南关村，跳过", "多少钱"),
            ("跳过", ("请核对", f"姓名：{name}\n")),
            ("确认", "已登记"),
        ]
    )
    assert (await _case(chat, sqlite_case_service)).complainant.name == name


@pytest.mark.parametrize(
    ("opening", "name"),
    [
        (f"我叫孙来福，{STORY}，电话{PHONE}", "孙来福"),
        (f"我是秦在田，{STORY}，电话{PHONE}", "秦在田"),
        (f"俺是乔月娥，{STORY}，电话{PHONE}", "乔月娥"),
        (f"帮张三来反映个事，{STORY}，他电话{PHONE}", "张三"),
        (f"我叫王芳，来问问，{STORY}，电话{PHONE}", "王芳"),
    ],
)
async def test_a_stop_character_is_judged_by_what_follows(
    chat: Chat, opening: str, name: str
) -> None:
    """来 / 在 end a name when a verb follows them ("张三来反映"), not when the name ends."""
    await _agree(chat)
    await chat.send(opening)
    await chat.send("凤鸣镇南关村，跳过")
    reply = await chat.send("跳过")
    assert f"：{name}\n" in reply.text, reply.text


async def test_a_corrected_name_is_the_name_registered(
    chat: Chat, sqlite_case_service: Any
) -> None:
    await _agree(chat)
    await chat.verify(
        [
            (f"{STORY}，我叫张福，电话{PHONE}，凤鸣镇南关村", "身份证号"),
            ("跳过", "多少钱"),
            ("跳过", ("请核对", "姓名：张福\n")),
            ("名字改成张福来", ("改好了", "姓名改为张福来", "姓名：张福来\n")),
            ("名字不对，是秦在田", ("姓名改为秦在田", "姓名：秦在田\n")),
            # The same value again is not "改好了": nothing changed, and it is said so.
            ("名字改成秦在田", ("没有改动", "!改好了")),
            ("确认", "已登记"),
        ]
    )
    assert (await _case(chat, sqlite_case_service)).complainant.name == "秦在田"


# --- 3. markup --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opening",
    [
        f"<p>我的<b>医保</b>今年扣了两次，要退费。</p><p>我叫李桂花，电话{PHONE}</p>",
        f"<div>尊敬的领导：<br/>我的医保今年扣了两次，要退费&nbsp;&nbsp;我叫李桂花，电话{PHONE}"
        '<a href="https://example.com/x?a=1&amp;b=2">附件</a></div>',
    ],
)
async def test_markup_is_read_as_text(chat: Chat, sqlite_case_service: Any, opening: str) -> None:
    await _agree(chat)
    await chat.verify(
        [
            (opening, ("乡镇", "!12393", "!12345", "!不归我们")),
            ("凤鸣镇南关村，跳过", "多少钱"),
            ("跳过", ("请核对", "李桂花", "!<b>", "!<p>", "!&nbsp;")),
            ("确认", "已登记"),
        ]
    )
    case = await _case(chat, sqlite_case_service)
    assert case.category == "refund" and "<" not in case.description and "医保" in case.description


# --- 4. volunteered values --------------------------------------------------------------------


async def test_a_period_said_later_fills_its_slot_and_a_change_is_said(
    chat: Chat, sqlite_case_service: Any
) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("我的养老保险关系从外地转回来，一直转不过来", "名字"),
            (f"牛建平，{PHONE}", ("乡镇", "哪段时间")),
            ("凤鸣镇南关村", "身份证号"),  # the period asked along was left out
            ("对了，是2019年的事", ("也记下了时间", "2019年", "身份证号")),
            ("跳过", ("请核对", "时间：2019年1月至2019年12月")),
            ("还有，应该是2018年到2020年", ("时间改为2018年1月至2020年12月", "请核对")),
            ("确认", "已登记"),
        ]
    )
    case = await _case(chat, sqlite_case_service)
    assert (str(case.period_start), str(case.period_end)) == (
        "2018-01-01",
        "2020-12-31",
    )


# --- 5. places outside the county -------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        (["北留镇大桥村，跳过"], "北留镇大桥村"),  # 大桥村 is also a village of 北岭镇
        (["北留镇", "东关村，跳过"], "北留镇东关村"),  # 东关社区 is 凤鸣镇's
    ],
)
async def test_a_place_outside_the_county_is_never_mapped_onto_one_inside(
    chat: Chat, sqlite_case_service: Any, answers: list[str], shown: str
) -> None:
    await _agree(chat)
    await chat.send(f"{STORY}，我叫李桂花，电话{PHONE}")
    for answer in answers:
        reply = await chat.send(answer)
        assert "北岭镇" not in reply.text and "凤鸣镇" not in reply.text, reply.text
    await chat.verify([("跳过", ("请核对", f"地址：{shown}", "不在本县")), ("确认", "已登记")])
    case = await _case(chat, sqlite_case_service)
    assert f"{case.complainant.township}{case.complainant.village}" == shown


async def test_a_village_said_with_another_kind_is_not_a_county_village(chat: Chat) -> None:
    """ "东关村" is not 凤鸣镇's 东关社区 (a stem match only for a name said without a kind of
    its own: "芹池" -> 芹池村); the township is asked."""
    await _agree(chat)
    await chat.send(f"{STORY}，我叫李桂花，电话{PHONE}")
    await chat.verify([("东关村", ("乡镇", "!凤鸣镇", "!东关社区"))])
    await chat.verify([("芹池的", ("好的", "!哪个乡镇"))])


# --- 6. 跳过 and required slots ----------------------------------------------------------------


async def test_skip_is_never_offered_where_it_is_refused(chat: Chat) -> None:
    await _agree(chat)
    await chat.send(STORY)
    reply = await chat.send(f"李桂花，{PHONE}")
    assert "乡镇" in reply.text and "跳过" not in [c.label for c in reply.choices]
    assert "村、身份证号不清楚可以说「不知道」" in reply.text


async def test_a_required_slot_says_why_and_is_left_to_staff_the_third_time(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            (STORY, "名字"),
            (f"李桂花，{PHONE}", "乡镇"),
            # The village and the ID are skipped; the township is explained (1st ask) ...
            (
                "跳过",
                (
                    "村（社区）、身份证号先不填",
                    "确定由哪里的部门办理",
                    "哪个乡镇",
                    "!这一项需要填写",
                ),
            ),
            ("不知道", ("确定由哪里的部门办理", "哪个乡镇")),  # ... the 2nd ...
            ("不知道", ("乡镇先空着", "工作人员联系您时再核实", "!哪个乡镇", "!先不填")),
        ]
    )


# --- 7. the simple tier ---------------------------------------------------------------------


async def test_the_simple_tier_is_due_today_not_in_zero_working_days(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            (f"医保小程序交不了费，一直报错，我叫李桂花，电话{PHONE}", "乡镇"),
            ("凤鸣镇南关村，跳过", "哪段时间"),
            ("跳过", "请核对"),
            ("确认", ("已登记", "当天办结", "今天下班前", "!0个工作日")),
        ]
    )


# --- 8. invalid details -----------------------------------------------------------------------

#: Wrong check digits; the first also passes the credit code's own check (it must not become a
#: unit's code), the second does not.
BAD_IDS = ["140522196204151000", "140522196204155860", "14052219620415586X"]


@pytest.mark.parametrize("number", BAD_IDS)
async def test_an_invalid_id_is_said_and_the_rest_of_the_message_taken(
    chat: Chat, sqlite_case_service: Any, number: str
) -> None:
    await _agree(chat)
    await chat.verify(
        [
            (STORY, "名字"),
            (f"李桂花，{PHONE}", "乡镇"),
            (f"凤鸣镇南关村，{number}", ("第18位校验码不对", "乡镇、村（社区）记下了",
                                       "!单位", "!哪个乡镇")),
            # The scheme of the 医保 named is asked along (its own sentence), never the unit.
            ("跳过", ("多少钱", "交的职工医保", "!单位（公司）", "!信用代码")),
            ("跳过", ("请核对", "地址：凤鸣镇南关村", "姓名：李桂花", "!信用代码")),
            ("确认", "已登记"),
        ]
    )  # fmt: skip
    case = await _case(chat, sqlite_case_service)
    assert case.complainant.kind == "person" and case.complainant.credit_code is None


# --- a unit speaking of its own short payments ---------------------------------------------

CODE = "91140522MA0K2B3C4D"  # check character from ``stdnum.cn.uscc.calc_check_digit``


@pytest.mark.parametrize(
    "story",
    ["我们单位去年少缴了两个月社保，被加收了滞纳金", "公司漏报了两个职工的缴费基数，现在要补缴"],
)
async def test_a_unit_telling_of_its_short_payments_is_asked_its_code(
    chat: Chat, sqlite_case_service: Any, story: str
) -> None:
    """少缴 / 漏报 are said by units of themselves as often as by workers of their unit: the
    credit code is asked beside the ID number (no question of its own), and given, the report
    is the unit's."""
    await _agree(chat)
    await chat.verify(
        [
            (story, "名字"),
            (f"张丽，{PHONE}", "统一社会信用代码"),
            (f"凤鸣镇，跳过，{CODE}", "单位的全称"),
            ("云川县宏达建材有限公司", "!身份证"),
        ]
    )
    for _ in range(3):
        if "请核对" in chat.log[-1][1]:
            break
        await chat.send("跳过")
    await chat.verify([("确认", "已登记")])
    case = await _case(chat, sqlite_case_service)
    assert (case.complainant.kind, case.complainant.credit_code) == ("employer", CODE)
