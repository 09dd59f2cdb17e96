"""Defects a fourth black-box tester found with ``yichuang chat`` (a grid worker's round of
several households, corrections, places, whose ID), each fixed as a class (our own phrasings):

1. another household announced while one is open never overwrites it: the open one is
   submitted first, the next one gets a draft (and a consent question) of its own;
2. a correction of a household already registered goes to its case, not the open draft;
3. 联系人：人事部赵丽娟 is 赵丽娟; 经核实 / 有误 are never names;
4. 不涉及村 / 村不用填 leave the village out;
5. a child's ID number is not the complainant's;
6. names after 下一户 / 我是孩子妈妈; 我和另外三个司机 is 4 people;
7. 时间不对，是21年开始…一直到现在 replaces the whole period;
8. 本人已同意 in a grid worker's first message is the villager's consent.
"""

from __future__ import annotations

from typing import Any

from dialog_chat import Chat
from stdnum.cn import ric

WORKER_PHONE = "15835601121"  # 张桂兰, 凤鸣镇南关村 (example county)


def _id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


ID_A = _id("41052219630812103")
ID_B = _id("41052219780214204")
CHILD_ID = _id("41052220100105305")


def _worker(chat: Chat) -> Chat:
    return chat.other("grid-1", contact_phone=WORKER_PHONE)


async def test_next_household_waits_for_the_open_one_and_gets_its_own_case(
    chat: Chat, sqlite_case_service: Any
) -> None:
    w = _worker(chat)
    reply = await w.send(
        f"南关村赵铁柱，身份证{ID_A}，电话13903561234，2023年城乡养老保险交了两次，"
        "多交了2400，本人已同意"
    )
    assert "请核对" in reply.text and "同意由您代为反映" not in reply.text, reply.text
    reply = await w.send(
        f"还有一户，南关村孙翠兰，身份证{ID_B}，电话15503567788，2024年医保交了两次要退一次，380元"
    )
    assert "孙翠兰" in reply.text and "赵铁柱" in reply.text, reply.text
    assert "姓名改为" not in reply.text and "电话改为" not in reply.text, reply.text
    assert "被代办人：赵铁柱" in reply.text and "15503567788" not in reply.text.split("请核对")[-1]
    reply = await w.send("确认")
    assert reply.text.count("案件编号") == 1, reply.text
    assert "孙翠兰本人" in reply.text, reply.text  # B's own consent question
    number_a = reply.text.split("案件编号：")[1].split()[0]
    case_a = await sqlite_case_service.find_case(number_a)
    assert case_a is not None and case_a.complainant_name == "赵铁柱"
    assert case_a.complainant_phone_last4 == "1234"


async def test_correction_of_a_filed_household_goes_to_its_case(chat: Chat) -> None:
    w = _worker(chat)
    reply = await w.send(
        f"南关村赵铁柱，身份证{ID_A}，电话13903561234，2023年养老保险晚交被收了滞纳金56元，"
        "本人已同意"
    )
    reply = await w.send("确认")
    number = reply.text.split("案件编号：")[1].split()[0]
    reply = await w.send(
        "第三户是南关村孙翠兰，电话15503567788，2024年医保扣了两次，每次400，要退一次的钱。"
        "对了，刚才赵铁柱那户说错了，滞纳金是65块不是56"
    )
    assert number in reply.text and "65" in reply.text, reply.text
    reply = await w.send("本人已同意")
    for _ in range(6):
        if "请核对" in reply.text:
            break
        reply = await w.send("跳过")
    assert "金额：400元" in reply.text and "65" not in reply.text.split("请核对")[-1]
    await w.send("取消")
    await w.send("确认")
    reply = await w.send("赵铁柱那户的滞纳金是65块，不是56，帮我改一下")
    assert number in reply.text and "有什么可以帮您" not in reply.text, reply.text


async def test_contact_person_after_a_department_and_its_correction(chat: Chat) -> None:
    reply = await chat.send(
        "经核实，我司12名职工2023年养老保险缴费基数被多核定，多交了8000元。"
        "联系人：财务科钱晓梅，电话13612345678，凤鸣镇"
    )
    for answer in ("同意，云川县宏达机械有限公司，跳过", "跳过", "跳过"):
        if "请核对" in reply.text:
            break
        reply = await chat.send(answer)
    assert "联系人：钱晓梅" in reply.text, reply.text
    reply = await chat.send("联系人有误，应为钱晓红")
    assert "联系人：钱晓红" in reply.text and "有误" not in reply.text.split("请核对")[-1]


async def test_no_village_is_left_out(chat: Chat) -> None:
    reply = await chat.send(
        f"我叫李桂花，电话13812345678，凤鸣镇东关社区，身份证{ID_B}，2023年养老保险多交了2000元"
    )
    assert "地址：凤鸣镇东关社区" in reply.text, reply.text
    reply = await chat.send("村一栏请留空")
    assert "村（社区）不填了" in reply.text and "地址：凤鸣镇\n" in reply.text, reply.text
    other = chat.other("resident-2")
    await other.send(f"我叫王建国，电话13812345679，身份证{ID_A}，2023年养老保险多交了2000元")
    reply = await other.send("凤鸣镇，不涉及村")
    assert "不涉及村" not in reply.text.split("情况：")[-1], reply.text


async def test_a_childs_id_is_not_the_mothers(chat: Chat) -> None:
    reply = await chat.send(
        f"我是孩子妈妈周晓燕，孩子身份证{CHILD_ID}，2024年医保交了两次，电话13812345678，凤鸣镇南关村"
    )
    assert "孩子的身份证号记在情况里" in reply.text, reply.text
    reply = await chat.send("同意")
    for _ in range(6):
        if "请核对" in reply.text:
            break
        reply = await chat.send("跳过")
    assert "姓名：周晓燕" in reply.text and "\n身份证号：" not in reply.text, reply.text
    assert "2024年医保交了两次" in reply.text, reply.text


async def test_names_and_people_counted_with_the_speaker(chat: Chat) -> None:
    w = _worker(chat)
    reply = await w.send("下一户：王二狗，南关村的，2023年养老保险交了两次，电话13903561234")
    for answer in ("跳过", "本人已同意", "跳过", "跳过"):
        if "请核对" in reply.text:
            break
        reply = await w.send(answer)
    assert "被代办人：王二狗" in reply.text, reply.text
    reply = await chat.send("运输公司2023年一直没给我们交养老保险，我和另外三个司机都是这样")
    for answer in ("同意", "李大海，13812345678，凤鸣镇南关村", "跳过", "跳过", "跳过"):
        if "请核对" in reply.text:
            break
        reply = await chat.send(answer)
    assert "涉及人数：4人" in reply.text, reply.text


async def test_a_corrected_period_replaces_start_and_end(chat: Chat) -> None:
    reply = await chat.send(
        f"我叫李桂花，电话13812345678，凤鸣镇南关村，身份证{ID_B}，2023年养老保险多交了2000元"
    )
    assert "请核对" in reply.text, reply.text
    reply = await chat.send("钱数不对，多交的是3000")
    assert "金额：3000元" in reply.text, reply.text
    reply = await chat.send("时间不对，是21年开始没交的，一直到现在")
    assert f"时间：2021年1月至{chat.now.year}年" in reply.text, reply.text
