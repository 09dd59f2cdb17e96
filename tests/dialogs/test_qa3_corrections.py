"""Defects a black-box tester found with ``yichuang chat`` (QA round 3):

1. the words naming a place field (地址、乡镇、村、社区、改成、是) are never part of its value;
2. traditional script is read in its simplified form (鳳鳴鎮南關村, 確認);
3. a "不知道" with words around it skips the fields it names (or all asked), the rest is read;
4. a name corrected before the summary, a phone corrected by its last digit;
5. circled digits (①③⑨…) are digits, in a phone number and as a menu choice;
6. a correction of a value the description still says is noted there, once;
7. a consent refused over the ID number is asked once more (the ID can be skipped).
"""

from __future__ import annotations

from typing import Any

from dialog_chat import Chat

STORY = "你好，俺叫李贵华，俺的养老保险去年多扣了一千五"


async def _to_summary(chat: Chat, *answers: str) -> str:
    await chat.verify([("你好", "个人信息说明"), ("同意", "遇到了什么问题"), (STORY, "电话")])
    text = ""
    for said in [*answers, "跳过", "跳过", "跳过", "跳过"]:
        text = (await chat.send(said)).text
        if "请核对" in text:
            return text
    raise AssertionError(chat.log)


def _line(summary: str, label: str) -> str:
    return next((ln for ln in summary.splitlines() if ln.startswith(label)), "")


async def test_place_corrections_keep_the_field_words_out(chat: Chat) -> None:
    summary = await _to_summary(chat, "13935678890", "凤鸣镇南关村", "跳过")
    assert "地址：凤鸣镇南关村" in summary, summary
    reply = await chat.send("地址改成凤城镇工业园区")
    assert "地址：凤城镇\n" in reply.text and "地址改成" not in reply.text, reply.text
    reply = await chat.send("乡镇是凤城镇，村是城东社区")
    assert "地址：凤城镇城东社区" in reply.text, reply.text
    reply = await chat.send("村改成工业园区")
    assert "不是村或社区" in reply.text and "地址：凤城镇\n" in reply.text, reply.text
    reply = await chat.send("乡镇改成凤鸣镇")
    assert "改好了：乡镇" in reply.text and "地址：凤鸣镇" in reply.text, reply.text
    assert "乡镇现在就是" not in reply.text


async def test_no_village_is_a_skip_not_a_village(chat: Chat) -> None:
    summary = await _to_summary(chat, "13935678890", "凤鸣镇", "工业园区，没有村")
    assert "没有村" not in summary and "工业园区" not in _line(summary, "地址"), summary


async def test_traditional_script_places_and_confirmation(
    chat: Chat, sqlite_case_service: Any
) -> None:
    summary = await _to_summary(chat, "13935678890", "我在鳳鳴鎮南關村")
    assert "地址：凤鸣镇南关村\n" in summary, summary
    reply = await chat.send("村是北關村")
    assert "地址：凤鸣镇北关村" in reply.text, reply.text
    await chat.verify([("確認", "案件编号")])
    assert len(await sqlite_case_service.cases_of_user(chat.channel, chat.user)) == 1


async def test_dont_know_with_words_around_it_skips_the_fields_named(chat: Chat) -> None:
    await chat.verify([("你好", "个人信息说明"), ("同意", "遇到了什么问题")])
    await chat.verify([("俺的养老保险扣多了", "名字"), ("李桂华 13935678890", "身份证")])
    reply = await chat.send("凤鸣镇南关村，身份证俺记不住 不知道")
    assert "身份证" not in reply.text.split("\n")[-1] or "请核对" in reply.text, reply.text
    reply = await chat.send("钱也说不清，说了不知道")
    assert "不好意思" not in reply.text and "多少钱" not in reply.text, reply.text


async def test_several_asked_and_some_named_unknown(chat: Chat) -> None:
    await chat.verify([("你好", "个人信息说明"), ("同意", "遇到了什么问题")])
    await chat.verify([("俺的养老保险扣多了", "名字"), ("李桂华 13935678890", "身份证")])
    reply = await chat.send("凤鸣镇，身份证不知道")
    # The township is read, the ID left out: the village is what is still asked.
    assert "村" in reply.text and "身份证号是多少" not in reply.text, reply.text
    reply = await chat.send("都不知道")
    assert "没太看明白" not in reply.text and "哪个村" not in reply.text, reply.text


async def test_name_corrected_before_the_summary_and_noted_in_the_story(chat: Chat) -> None:
    await chat.verify([("你好", "个人信息说明"), ("同意", "遇到了什么问题"), (STORY, "电话")])
    await chat.verify([("不对，是李桂华，不是李贵华", ("改好了", "李桂华", "!没太看明白"))])
    summary = await _to_summary_rest(chat, "13935678890", "凤鸣镇南关村")
    story = _line(summary, "情况：")
    assert story.startswith("情况：俺叫李贵华"), story  # what was said, without the greeting
    assert story.count("（更正：姓名为李桂华）") == 1, story


async def _to_summary_rest(chat: Chat, *answers: str) -> str:
    for said in [*answers, "跳过", "跳过", "跳过"]:
        text = (await chat.send(said)).text
        if "请核对" in text:
            return text
    raise AssertionError(chat.log)


async def test_phone_fixed_by_its_last_digit_and_circled_digits(chat: Chat) -> None:
    await chat.verify([("你好", "个人信息说明"), ("同意", "遇到了什么问题"), (STORY, "电话")])
    await chat.verify([("①③⑨③⑤⑥⑦⑧⑧⑨⓪", ("!电话", "!没太看明白"))])
    summary = await _to_summary_rest(chat, "凤鸣镇南关村")
    assert "电话：13935678890" in summary, summary
    await chat.verify([("电话最后一位是1", ("改好了", "13935678891"))])
    reply = await chat.send("最后一位是5")
    assert "电话：13935678895" in reply.text, reply.text


async def test_circled_digit_picks_from_a_menu(chat: Chat) -> None:
    await chat.verify([("俺的养老保险去年多扣了一千五", "个人信息说明"), ("①", "谢谢您的信任")])


async def test_corrections_are_noted_once_in_the_description(chat: Chat) -> None:
    summary = await _to_summary(chat, "13935678890", "凤鸣镇南关村")
    assert "更正" not in summary, summary
    await chat.send("时间不对，是2023年")
    await chat.send("金额改成两千")
    reply = await chat.send("金额改成两千五")
    story = _line(reply.text, "情况：")
    assert "去年多扣了一千五" in story, story  # the person's words are kept
    assert story.count("（更正：时间为2023年") == 1, story
    assert story.count("（更正：金额为") == 1 and "金额为2500元" in story, story
    await chat.send("电话改成13935678891")
    reply = await chat.send("确认")
    assert "案件编号" in reply.text, reply.text


async def test_consent_refused_over_the_id_is_asked_once_more(
    chat: Chat, sqlite_case_service: Any
) -> None:
    await chat.verify(
        [
            ("俺的养老保险去年多扣了一千五", "个人信息说明"),
            ("不同意，俺不想给你们身份证", ("跳过", "同意", "!不记录")),
            ("不同意", "不记录您的信息"),
        ]
    )
    assert await sqlite_case_service.cases_of_user(chat.channel, chat.user) == []


async def test_consent_after_the_second_ask_goes_on(chat: Chat) -> None:
    await chat.verify(
        [
            ("俺的养老保险去年多扣了一千五", "个人信息说明"),
            ("不同意，俺不想给你们身份证", "跳过"),
            ("同意", ("谢谢您的信任", "名字")),
        ]
    )
