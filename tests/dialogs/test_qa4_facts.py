"""Facts read from a story (QA round 4): the disputed period and sum, the scheme, and the
questions a complainant asks back. A birth year, the year one joined, a wage, a grade, a
colleague's sum are the background of a dispute, not its facts."""

from __future__ import annotations

import pytest
from dialog_chat import Chat

_ANSWERS = ("同意", "阎春生，13935601234", "凤鸣镇南关村，跳过", "跳过", "跳过", "跳过", "跳过")


async def _summary(chat: Chat, text: str) -> str:
    reply = await chat.send(text)
    for answer in _ANSWERS:
        if "请核对" in reply.text:
            return reply.text
        reply = await chat.send(answer)
    assert "请核对" in reply.text, chat.log
    return reply.text


@pytest.mark.parametrize(
    ("story", "want", "not_want"),
    [
        # The clock of the tests is 2026-03-02.
        ("我是1963年生的，2023年度城乡居民养老保险没给我记上", "2023年1月", "1963"),
        ("我从2019年进厂，公司从2021年开始就一直没给我们交养老保险", "2021年1月", "2019"),
        ("最近一年半单位没给我交养老保险", "2024年9月", "2026年12月"),
    ],
)
async def test_the_disputed_period(chat: Chat, story: str, want: str, not_want: str) -> None:
    summary = await _summary(chat, story)
    line = next(x for x in summary.splitlines() if x.startswith("时间："))
    assert want in line and not_want not in line, summary


@pytest.mark.parametrize(
    ("story", "amount"),
    [
        ("单位扣的养老保险不对，我同事的养老金有2500，我的才2130", "金额：2130元"),
        ("公司工资6000，每月少交了两百来块养老保险，一共18个月", "金额：3600元"),
        ("城乡居民养老保险选的300档，多扣了100", "金额：100元"),
        ("医保总共交了6000，多交了3000", "金额：3000元"),
        ("去年单位少交了养老保险，少说也有一万多块钱", "金额：10000元"),
        ("单位欠缴养老保险，滞纳金56块", "金额：56元"),
        ("公司欠缴养老保险贰拾叁万元整", "金额：230000元"),
        ("居民医保一次380，交了两回，退一次给我", "金额：380元"),
        ("居民医保一次380，交了两回", "金额：760元"),
    ],
)
async def test_the_disputed_sum(chat: Chat, story: str, amount: str) -> None:
    summary = await _summary(chat, story)
    assert amount in summary, summary


@pytest.mark.parametrize("fix", ["多交了3000", "钱数不对，多交的是3000"])
async def test_the_disputed_sum_said_at_the_summary(chat: Chat, fix: str) -> None:
    summary = await _summary(chat, "今年的职工医保总共交了6000，交多了")
    assert "金额：6000元" in summary, summary
    reply = await chat.send(fix)
    assert "金额：3000元" in reply.text, reply.text


async def test_the_amount_is_kept_as_said(chat: Chat) -> None:
    summary = await _summary(chat, "单位多扣了我养老保险，多扣了800")
    assert "金额：800元" in summary, summary
    reply = await chat.send("金额如前所述")
    assert "金额" not in reply.text or "金额：800元" in reply.text, reply.text
    assert "多少钱" not in reply.text, reply.text


async def test_residents_medical_named_is_the_one_scheme(chat: Chat) -> None:
    summary = await _summary(chat, "我孩子在上学，医保卡里扣了两次钱，今年的居民医保交重了")
    line = next(x for x in summary.splitlines() if x.startswith("险种："))
    assert line == "险种：城乡居民医疗保险", summary


async def test_pension_of_a_worker_is_the_employees_scheme(chat: Chat) -> None:
    summary = await _summary(chat, "我在张记饭店干活，养老保险老板一直没给交")
    line = next(x for x in summary.splitlines() if x.startswith("险种："))
    assert line == "险种：养老保险", summary


async def test_no_employer_asked_for_a_pupils_residents_scheme(chat: Chat) -> None:
    await _summary(chat, "我家孩子在学校读书，今年的居民医保多扣了一次钱，320元")
    asked = " ".join(bot for _, bot in chat.log)
    assert "单位（公司）名称" not in asked, chat.log


async def _at_id_question(chat: Chat) -> str:
    reply = await chat.send("单位多扣了我的养老保险，每个月多扣了120")
    for answer in ("同意", "阎春生，13935601234"):
        reply = await chat.send(answer)
    return reply.text


@pytest.mark.parametrize(
    ("question", "answer"),
    [("身份证号干啥用？", "核实身份"), ("为啥要电话？", "联系您"),
     ("啥叫统一社会信用代码？", "营业执照"), ("要多长时间能退下来？", "办理时限")],
)  # fmt: skip
async def test_a_question_asked_back_is_answered_then_asked_again(
    chat: Chat, question: str, answer: str
) -> None:
    pending = await _at_id_question(chat)
    asked = pending.splitlines()[-1]
    reply = await chat.send(question)
    assert answer in reply.text and asked in reply.text, reply.text
    assert "没太看明白" not in reply.text and "12345" not in reply.text, reply.text
    summary = await _summary(chat, "跳过")
    assert question not in summary, summary


async def test_how_long_after_filing_says_the_due_date(chat: Chat) -> None:
    await _summary(chat, "单位多扣了我的养老保险，每个月多扣了120，扣了三个月")
    await chat.send("确认")
    reply = await chat.send("要多长时间？")
    assert "办理时限：" in reply.text and "12345" not in reply.text, reply.text
