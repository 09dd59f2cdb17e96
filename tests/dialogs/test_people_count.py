"""How many people a matter touches, as a class (the blind figures' largest miss):

- the county's convention for a vague count is its LOWER bound ("二三十个" -> 20, "三四个"
  -> 3, "二十多" -> 20, "十几个" -> 10): the smallest number the complainant vouches for;
- the speaker is counted when the number names only the others ("我和另外三个工友" -> 4,
  "除了我还有3个人" -> 4, "…还有五个工友也一样" -> 6); "我们五个", "连我在内6个" include them;
- "就我一个" / "只有我没交上" / "别人都交了" is one person, whatever group the story names;
  a population ("村里三百多户，其中…") is not the number affected;
- a group named without a number ("全厂工人") is already a group complaint (complex): the
  count cannot change the tier, so nothing is asked and nothing stored;
- households count as said ("二十来户" -> 20).
"""

from __future__ import annotations

from typing import Any

import pytest
from dialog_chat import Chat

from dialogs.readers import read_people

PHONE = "13935612340"


async def _agree(chat: Chat) -> None:
    await chat.verify([("你好", "个人信息说明"), ("同意", "遇到了什么问题")])


async def _case(chat: Chat, cases: Any) -> Any:
    text = chat.log[-1][1]
    assert "案件编号：" in text, text
    return await cases.detail(text.split("案件编号：")[1].split()[0])


@pytest.mark.parametrize(
    ("said", "count"),
    [
        ("二三十个吧", 20),
        ("三四个人", 3),
        ("大概四五十人", 40),
        ("二十多个", 20),
        ("十几个", 10),
        ("就我一个", 1),
        ("只有我自己", 1),
        ("我和另外两个", 3),
        ("除了我还有3个人", 4),
        ("俺们村二十来户", 20),
        ("我们五个", 5),
        ("连我在内一共6个", 6),
        ("我跟老伴", 2),
        ("一家三口", 3),
        ("5万，二三十个", 20),  # a comma ends a number: not 50030
    ],
)
def test_a_count_as_people_say_it(said: str, count: int) -> None:
    assert read_people(said, None).updates == {"people_count": count}  # type: ignore[arg-type]


@pytest.mark.parametrize("said", ["不知道", "全厂工人", "挺多的", "跳过"])
def test_no_number_is_no_count(said: str) -> None:
    assert not read_people(said, None).ok  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("story", "count"),
    [
        ("厂里二三十个工人的社保都没交，老板一直拖着", 20),
        ("我和另外三个工友的养老保险单位都没给交", 4),
        ("单位一直拖欠我的社保不交，还有五个工友也一样", 6),
        ("单位拖欠社保费不交，别人都补交了，就我一个没交上", 1),
        ("单位拖欠社保费不交，就我一个没交上，其他人都交了", 1),
    ],
)
async def test_the_count_in_the_story_is_the_number_affected(
    chat: Chat, sqlite_case_service: Any, story: str, count: int
) -> None:
    await _agree(chat)
    await chat.verify(
        [
            (story, "名字"),
            (f"李桂花，{PHONE}", "乡镇"),
            ("凤鸣镇南关村，跳过", ("单位", "!几个人", "!多少人")),
            ("宏达公司，养老，2023年，跳过", ("请核对", f"涉及人数：{count}人")),
            ("确认", "已登记"),
        ]
    )
    assert (await _case(chat, sqlite_case_service)).people_count == count


async def test_a_count_asked_is_read_by_the_convention(
    chat: Chat, sqlite_case_service: Any
) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("单位一直没给我们交社保", "名字"),
            (f"李桂花，{PHONE}", "乡镇"),
            ("凤鸣镇南关村，跳过", "涉及几个人"),
            ("宏达公司，养老，2023年，二三十个吧", ("请核对", "涉及人数：20人")),
            ("确认", "已登记"),
        ]
    )
    assert (await _case(chat, sqlite_case_service)).people_count == 20


async def test_a_group_without_a_number_is_not_asked_how_many(
    chat: Chat, sqlite_case_service: Any
) -> None:
    """The group already makes the case complex: the number could not change the tier."""
    await _agree(chat)
    await chat.verify(
        [
            ("我们厂欠缴全厂工人的社保，老板一直拖着", "名字"),
            (f"李桂花，{PHONE}", "乡镇"),
            ("凤鸣镇南关村，跳过", ("单位", "!几个人", "!多少人")),
            ("宏达公司，养老，2023年，跳过", ("请核对", "!涉及人数")),
            ("确认", "已登记"),
        ]
    )
    case = await _case(chat, sqlite_case_service)
    assert case.people_count is None and case.tier == "complex"


async def test_a_population_is_not_the_number_affected(chat: Chat) -> None:
    await _agree(chat)
    await chat.verify(
        [
            ("我们村三百多户，其中老张家的医保被扣了两次，俺是他家的", "名字"),
            (f"张福来，{PHONE}", "乡镇"),
            ("凤鸣镇南关村，跳过", "!300"),
        ]
    )
    reply = await chat.send("跳过")
    reply = reply if "请核对" in reply.text else await chat.send("跳过")
    assert "请核对" in reply.text and "300人" not in reply.text, reply.text
