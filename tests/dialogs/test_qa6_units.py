"""Round 6, units (our own phrasings, after a black-box tester's employer conversations):

1. a unit speaks for itself in more words: 我这边是…公司, 公司这边, 我在…开了个小饭店, a unit
   the collecting office chases (税务非说俺们少报了, 我们企业被稽核了), a unit answering a
   worker's claim, a clerk the boss sent; its workers speaking of the same stay persons;
2. a unit named after its township ("北岭镇晓东汽修部") is the unit's name, not only a place;
3. the self-employed are not asked for an employer, and a retiree of a factory not for the
   scheme.
"""

from __future__ import annotations

from typing import Any

import pytest
from dialog_chat import Chat
from stdnum.cn import uscc

from dialogs import speaker


@pytest.mark.parametrize(
    "text",
    [
        "我这边是云川县鑫源煤业有限公司，要反映一下滞纳金的问题",
        "公司这边想问一下，去年多缴的养老保险怎么退",
        "俺们厂子小，就七八个人，税务非说俺们少报了基数",
        "我们企业被稽核了，说少缴了三年的社保，要补十几万",
        "我们物业公司被要求补缴保洁员的社保，可她们是退休返聘的",
        "我在润泉镇开了个小饭店，雇了3个服务员。税务局说我们店2023年有欠缴的社保要追缴",
        "我们厂的工人老李说厂里没给他交社保，其实我们每个月都给他交了",
        "我们店今年年初多交了一个月社保，老板让我来问怎么退",
    ],
)
def test_a_unit_speaking_for_itself(nlu_engine: Any, text: str) -> None:
    assert speaker.employer_speaks(text, nlu_engine.parse(text))


@pytest.mark.parametrize(
    "text",
    [
        "我们厂欠了我们工人三年的社保",
        "我们公司老板不给交养老保险",
        "我在宏达厂上班，厂里按最低基数给我们交的",
        "我们厂被税务稽核了，老板说要从我们工资里扣",
        "税务局说我们公司欠费，可工资里每月都扣了我的社保",
    ],
)
def test_its_workers_stay_persons(nlu_engine: Any, text: str) -> None:
    assert not speaker.employer_speaks(text, nlu_engine.parse(text))


CODE = "92140522H3BJ1XG69" + uscc.calc_check_digit("92140522H3BJ1XG69")


async def _case(chat: Chat, cases: Any) -> Any:
    text = chat.log[-1][1]
    assert "案件编号：" in text, text
    return await cases.detail(text.split("案件编号：")[1].split()[0])


async def test_a_unit_named_after_its_township(chat: Chat, sqlite_case_service: Any) -> None:
    await chat.verify(
        [
            (f"统一社会信用代码{CODE}，我们被加收了3600元滞纳金，是2024年的", "单位全称"),
            ("同意，北岭镇晓东汽修部，陈晓东，15903567712", "!贵单位的全称"),
        ]
    )
    reply = await chat.send("大桥村")
    for _ in range(3):
        if "请核对" in reply.text:
            break
        reply = await chat.send("不知道")
    assert "反映单位：北岭镇晓东汽修部" in reply.text, reply.text
    await chat.verify([("确认", "已登记")])
    case = await _case(chat, sqlite_case_service)
    assert case.complainant.kind == "employer"
    assert case.complainant.employer == "北岭镇晓东汽修部"


async def test_the_self_employed_are_not_asked_an_employer(chat: Chat) -> None:
    await chat.send("我是灵活就业人员，自己交职工养老保险，今年的缴费基数核得太高了")
    for said in ("同意，王建军，13935612340", "凤鸣镇南关村，身份证不知道"):
        reply = await chat.send(said)
        assert "单位（公司）名称" not in reply.text, reply.text


async def test_a_factory_retiree_is_not_asked_the_scheme(chat: Chat) -> None:
    await chat.send("我去年从机械厂退休，养老保险算下来才两千出头，觉得少了")
    for said in ("同意，王建军，13935612340", "凤鸣镇南关村，身份证不知道"):
        reply = await chat.send(said)
        assert "城乡居民养老" not in reply.text, reply.text


@pytest.mark.parametrize(
    "text", ["信用代码是干啥用的？我们是小公司", "你们要信用代码干啥用？", "啥叫统一社会信用代码？"]
)
def test_a_question_about_the_credit_code_is_answered_about_the_code(text: str) -> None:
    from dialogs import understand

    assert understand.side_question(text) == "credit_code"


@pytest.mark.parametrize(
    "text", ["我们单位晚交了几个月医保，现在让交滞纳金，这钱凭啥我出", "单位欠费，让我自己补滞纳金"]
)
def test_a_worker_made_to_pay_for_the_unit_is_a_person(nlu_engine: Any, text: str) -> None:
    assert not speaker.employer_speaks(text, nlu_engine.parse(text))


@pytest.mark.parametrize("typed", ["确任", "确人", "queren"])
async def test_a_typo_of_confirm_confirms(chat: Chat, typed: str) -> None:
    await chat.send("城乡居民养老保险今年多扣了五百，想退")
    reply = await chat.send("同衣，田有福，13603561094")
    assert "乡镇" in reply.text, reply.text
    reply = await chat.send("町河镇涧底村，身份证不知道")
    for _ in range(3):
        if "请核对" in reply.text:
            break
        reply = await chat.send("不知道")
    assert "请核对" in reply.text, reply.text
    reply = await chat.send(typed)
    assert "已登记" in reply.text, reply.text
