"""Defects a third black-box tester found with ``yichuang chat``, each fixed as a class and
pinned here (our own phrasings):

1. a worker speaking of 俺们厂 / 老板 is a person; "我是工人 / 以个人身份 / 不是代表单位" sets
   the complainant to a person at any point, the summary included;
2. a valid resident ID is never checked as a credit code;
3. a case filed by a grid worker: the filer needs no check, and their phone's last four
   digits open it;
4. while a lookup waits for the last four digits, four digits in any width are the answer;
   a case number without its prefix is completed or asked for in full;
5. a follow-up from a user with cases shows their status first, never a second case;
6. a worker living elsewhere whose employer is here: no transfer is promised;
7. unpaid wages beside a fee matter: one line to 12333, the fee matter registered; 五险 is
   all five insurances;
8. a message naming a category's own words (缴费基数) takes that category.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dialog_chat import Chat
from stdnum.cn import ric

from backend.drafts import AgencyContact, CaseView
from dialogs import engine
from dialogs.context import DialogContext, GridWorkerInfo
from dialogs.effects import LookupCase
from dialogs.messages import Inbound
from dialogs.state import ConversationState

PHONE = "13935610418"
WORKER_PHONE = "15835601121"  # 张桂兰, 凤鸣镇南关村 (example county)


def _id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


async def _until(chat: Chat, reply_text: str, marker: str, answer: str = "跳过") -> str:
    for _ in range(8):
        if marker in reply_text:
            return reply_text
        reply_text = (await chat.send(answer)).text
    raise AssertionError(reply_text)


async def _file(chat: Chat, story: str) -> str:
    """A resident's case from ``story``: its number."""
    reply = await chat.send(f"{story}，我叫李桂花，电话{PHONE}，凤鸣镇南关村")
    reply = await chat.send("同意")
    await _until(chat, reply.text, "请核对")
    text = (await chat.send("确认")).text
    assert "案件编号：" in text, text
    return text.split("案件编号：")[1].split()[0]


# --- 1. who speaks ---------------------------------------------------------------------------


async def test_a_worker_speaking_of_our_factory_and_its_boss_is_a_person(chat: Chat) -> None:
    await chat.verify(
        [
            (
                "俺们厂老板拖欠工资，社保也欠着没交，全厂工人都这样",
                ("个人信息说明", "!统一社会信用代码", "!单位全称"),
            ),
            ("俺是工人，不是单位的", ("个人反映", "!工人（")),
        ]
    )


async def test_i_report_as_a_person_at_the_summary_makes_the_unit_my_employer(
    chat: Chat, sqlite_case_service: Any
) -> None:
    reply = await chat.send("我们公司申报的缴费基数核定得不对")
    assert "统一社会信用代码" in reply.text, reply.text  # read as the unit speaking
    reply = await chat.send("同意")
    reply = await chat.send(f"宏达公司，李桂花，{PHONE}")
    text = await _until(chat, reply.text, "请核对")
    assert "反映单位：宏达公司" in text, text
    reply = await chat.send("我是以个人身份反映的，不是代表单位")
    assert "按您个人反映登记" in reply.text and "宏达公司记为您的用人单位" in reply.text
    text = await _until(chat, reply.text, "请核对")
    assert "单位：宏达公司" in text and "反映单位" not in text, text
    reply = await chat.send("确认")
    number = reply.text.split("案件编号：")[1].split()[0]
    case = await sqlite_case_service.detail(number)
    assert case.complainant.kind == "person"
    assert case.complainant.employer == "宏达公司"
    assert "个人身份" not in (case.description or "")


# --- 2. an ID is no credit code ---------------------------------------------------------------


async def test_a_valid_id_where_id_or_credit_code_is_asked_is_the_id(chat: Chat) -> None:
    reply = await chat.send("宏达公司职工医保的缴费基数算得不对")
    reply = await chat.send("同意")
    reply = await chat.send(f"李桂花，{PHONE}")
    reply = await chat.send("凤鸣镇南关村")
    assert "身份证号" in reply.text and "统一社会信用代码" in reply.text, reply.text
    reply = await chat.send(_id("14052219750815103"))
    assert "校验码" not in reply.text, reply.text
    assert "请告诉我" in reply.text or "请核对" in reply.text, reply.text  # the next question


# --- 3/4. status lookups ----------------------------------------------------------------------


async def test_last_four_digits_in_any_width_or_words_answer_the_lookup(chat: Chat) -> None:
    number = await _file(chat, "单位没给我交养老保险")
    other = chat.other("resident-2")
    for said in ("后四位是0418", "后四位是０４１８", "手机尾号是0418呀"):
        await other.verify(
            [(f"{number}怎么样了", "后4位"), (said, (number, "承办单位", "!12345", "!网格员"))]
        )
    await other.verify(
        [(f"{number}办得怎么样了", "后4位"), ("网格员电话1121", ("对不上", "!网格员代办"))]
    )


async def test_a_case_number_without_its_prefix(chat: Chat) -> None:
    number = await _file(chat, "单位没给我交养老保险")
    seq = int(number.rsplit("-", 1)[1])
    year = number.split("-")[1]
    # The prefix known from the conversation's own case: completed.
    await chat.verify([(f"我的案件号是{year}年第{seq}号", (number, "承办单位", "!12345"))])
    # Another account: the county's prefix (from its config) completes it, and the lookup
    # asks for the phone's last four digits as for any full number.
    await chat.other("resident-3").verify(
        [(f"我的案件号是{year}年第{seq}号", ("后4位", "!12345", "!还没有"))]
    )


def _view(**kw: Any) -> CaseView:
    now = datetime(2026, 11, 30, 8, tzinfo=UTC)
    base = CaseView(
        number="YC-2026-000007", status="registered", status_label="已登记，待受理",
        category="arrears", tier="general", lead=AgencyContact("hrss", "县人社局", "0356-4212333", None),
        due_at=now + timedelta(days=7), created_at=now, complainant_name="王福生",
        complainant_phone_last4=None, channel="wecom_app", channel_user="wx-zgl",
        filed_by_channel_user="wx-zgl", latest_reply=None, awaiting_feedback=False,
    )  # fmt: skip
    return replace(base, **kw)


def _lookup(
    ctx: DialogContext,
    user: str,
    last4: str | None,
    phone: str | None = None,
    view: CaseView | None = None,
) -> str:
    state = ConversationState(mode="lookup", lookup_number="YC-2026-000007")
    if phone:
        state.profile.role = "grid_worker"
    inbound = Inbound(
        channel="wecom_app", user_ref=user, text=last4 or "", message_id="m1",
        received_at=datetime(2026, 11, 30, 9, tzinfo=UTC), contact_phone=phone,
    )  # fmt: skip
    effect = LookupCase("YC-2026-000007", last4)
    result = engine.resolve(state, effect, view or _view(), inbound, ctx)
    return result.replies[0].text


def test_a_case_filed_by_a_grid_worker_opens_with_the_workers_phone(
    dialog_ctx: DialogContext,
) -> None:
    worker = GridWorkerInfo("张桂兰", WORKER_PHONE, "凤鸣镇", "南关村", (("wecom_app", "wx-zgl"),))
    ctx = replace(dialog_ctx, grid_workers=(worker,))
    # The villager has no phone: the filing grid worker's last four digits open the case.
    assert "承办单位" in _lookup(ctx, "wx-villager", "1121")
    assert "对不上" in _lookup(ctx, "wx-villager", "9999")
    # The filer on another account of theirs (vouched by their phone): no check at all.
    assert "承办单位" in _lookup(ctx, "wx-zgl-2", None, phone=WORKER_PHONE)
    assert "后4位" in _lookup(ctx, "wx-other", None)


def test_the_filers_phone_opens_the_case_even_when_their_account_is_not_listed(
    dialog_ctx: DialogContext,
) -> None:
    """The county lists the grid worker without chat accounts (as the example county does):
    the filer's phone, carried by the case view, still opens a villager's case."""
    ctx = replace(dialog_ctx, grid_workers=())
    view = _view(filer_phone_last4="1121")
    assert "承办单位" in _lookup(ctx, "wx-villager", "1121", view=view)
    assert "对不上" in _lookup(ctx, "wx-villager", "9999", view=view)
    assert "对不上" in _lookup(ctx, "wx-villager", "1121")  # no filer: not the complainant's


async def test_the_filing_grid_worker_needs_no_check(chat: Chat) -> None:
    worker = chat.other("grid-worker-zhang", contact_phone=WORKER_PHONE)
    reply = await worker.send("帮南关村的王福生反映，厂里没给他交养老保险，他没有手机")
    for _ in range(8):
        if "案件编号" in reply.text:
            break
        answer = "确认" if "请核对" in reply.text else "跳过"
        reply = await worker.send("他同意了" if "同意" in reply.text else answer)
    number = reply.text.split("案件编号：")[1].split()[0]
    await worker.verify([(f"{number}怎么样了", ("承办单位", "!后4位"))])


# --- 5. a follow-up -------------------------------------------------------------------------


async def test_a_follow_up_shows_the_case_status_and_asks_if_new(
    chat: Chat, sqlite_case_service: Any
) -> None:
    number = await _file(chat, "单位没给我交养老保险")
    for said in ("俺那缴费记录的事咋还没人管", "上回反映的事有消息没"):
        await chat.verify(
            [(said, (number, "承办单位", "新的事", "!名字", "!12345", "!案件编号："))]
        )
    mine = await sqlite_case_service.cases_of_user(chat.channel, chat.user)
    assert [v.number for v in mine] == [number]


# --- 6. jurisdiction ------------------------------------------------------------------------


async def test_a_worker_living_elsewhere_with_an_employer_here_is_not_transferred(
    chat: Chat,
) -> None:
    reply = await chat.send(f"宏达煤矿没给我交养老保险，我叫李桂花，电话{PHONE}")
    reply = await chat.send("同意")
    text = await _until(chat, reply.text, "请核对", "沁水县郑村镇")
    assert "宏达煤矿" in text and "转给当地" not in text, text


async def test_a_residents_own_insurance_elsewhere_is_transferred(chat: Chat) -> None:
    reply = await chat.send(f"居民医保今年扣了两次钱，我叫李桂花，电话{PHONE}")
    reply = await chat.send("同意")
    text = await _until(chat, reply.text, "请核对", "沁水县郑村镇")
    assert "转给当地" in text, text


# --- 7. wages beside a fee matter; 五险 -------------------------------------------------------


async def test_unpaid_wages_with_a_fee_matter_get_one_line_and_five_insurances(
    chat: Chat, sqlite_case_service: Any
) -> None:
    reply = await chat.send("厂里拖欠工资三个月了，五险都没交")
    assert "12333" in reply.text and "个人信息说明" in reply.text, reply.text
    reply = await chat.send("同意")
    reply = await chat.send(f"李桂花，{PHONE}")
    text = await _until(chat, reply.text, "请核对")
    assert "养老保险、医疗保险、失业保险、工伤保险、生育保险" in text, text
    reply = await chat.send("确认")
    assert "案件编号" in reply.text, reply.text


# --- 8. a category named in its own words ---------------------------------------------------


async def test_a_category_named_in_its_own_words_is_taken(chat: Chat) -> None:
    reply = await chat.send("想反映一下缴费基数的问题")
    reply = await chat.send("同意")
    reply = await chat.send(f"李桂花，{PHONE}")
    text = await _until(chat, reply.text, "请核对")
    assert "问题类型：缴费基数" in text, text
    assert "更接近哪一类" not in " ".join(b for _, b in chat.log)
