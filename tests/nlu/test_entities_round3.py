"""Entities as people write them (round 3): counts of people said every which way, places
outside any gazetteer, employer names and what is not one, names after roles.

Our own phrasings, written from DOMAIN.md and the seeds; each case is one general shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from nlu.entities import extract
from nlu.types import Gazetteer

NOW = datetime(2026, 11, 22, 10, 0)
#: The tests' own county: every place below is outside it.
GAZETTEER = Gazetteer(townships={"凤鸣镇": ("南关村", "北关村")})


def found(text: str, kind: str) -> list[Any]:
    return [e.value for e in extract(text, NOW, GAZETTEER) if e.type == kind and e.valid]


# --- people counts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("我们厂二十来号人都没交社保", 20),
        ("三四十个农民工的养老保险单位一直没交", 30),
        ("厂里百把人的社保都断了", 100),
        ("职工共计四十五名，单位欠缴社保", 45),
        ("涉及员工17人", 17),
        ("俺们十几个都被扣了钱", 10),
        ("连我在内七个人都没交上", 7),
        ("一百多个退休职工养老金少发了", 100),
        ("我们有十五六个人医保被停了", 15),
        ("十二三个人的社保没交", 12),
        ("一两百人的医保断了", 100),
        ("三五个人去问过", 3),
        ("十几二十个工人都没交", 10),
        ("百八十个工人没有工伤保险", 80),
        ("工地上百十来号人没社保", 100),
        ("员工共计36，单位一分没交", 36),
        ("36个被辞退了，社保也停了", 36),
        ("厂里有30人社保没交", 30),
        ("三十个民工的社保", 30),
        ("二十多个农民的新农保", 20),
        ("八个骑手都没有工伤保险", 8),
        ("五十个左右的工人", 50),
        ("十几个退休的都没领到", 10),
        ("员工数量56，都没交", 56),
        ("我们俩都没交", 2),
        ("成百上千的农民工没社保", 100),
        ("全村有三百多口，都被多扣了", 300),
        ("我和另外两个工友都被扣了", 3),
    ],
)
def test_people_counts_as_said(text: str, count: int) -> None:
    assert found(text, "people_count") == [count]


@pytest.mark.parametrize(
    "text",
    [
        "单位三个月没交社保",
        "我去了两次都没办",
        "第二户的情况也一样",
        "五个工作日内给答复",
        "打12366问了说不管",
        "扣了我三百块钱",
        "这个月扣了两千多",
        "同一事项三名工作人员给出三种说法",
        "两个部门的都说不管",
        "三个月的都没交",
        "人社局说不归他们管",
    ],
)
def test_not_people_counts(text: str) -> None:
    assert found(text, "people_count") == []


@pytest.mark.parametrize(
    "text",
    [
        "全矿的人都没有交工伤保险",
        "我们车间的人都没上社保",
        "整个村子的人都没交",
        "不止我一个人这样",
        "像我这样的有很多",
        "我们公司的人社保都没交",
        "全乡的老人都被扣了",
        "家家户户都被扣了",
        "大部分人都没交",
    ],
)
def test_a_group_without_a_number(text: str) -> None:
    assert found(text, "group") and found(text, "people_count") == []


# --- townships and villages outside the gazetteer ------------------------------------------


@pytest.mark.parametrize(
    ("text", "township", "village"),
    [
        ("俺是北留镇郭峪村的", "北留镇", "郭峪村"),
        ("家住西河乡", "西河乡", None),
        ("城关街道东关社区的居民", "城关街道", "东关社区"),
        ("我是城东街道幸福社区的", "城东街道", "幸福社区"),
        ("住在新华街道办事处附近", "新华街道", None),
        ("我是周村镇的", "周村镇", None),
        ("我是下村镇东庄村的", "下村镇", "东庄村"),
        ("洛川县旧县镇网格员反映", "旧县镇", None),
        ("在润城镇上班", "润城镇", None),
        ("我住在上庄乡", "上庄乡", None),
        ("阳城北留镇的村民", "北留镇", None),
        ("我是十里铺村的", None, "十里铺村"),
        ("俺是李家庄村的", None, "李家庄村"),
        ("上周去青石镇社保所办事", "青石镇", None),
    ],
)
def test_places_said_with_their_suffix(
    text: str, township: str | None, village: str | None
) -> None:
    assert found(text, "township") == ([township] if township else [])
    assert found(text, "village") == ([village] if village else [])


@pytest.mark.parametrize(
    "text",
    [
        "参加城镇职工养老保险",
        "城乡居民医保交不上",
        "农民工返乡了，关系转不回来",
        "跑了五趟镇上都不给办",
        "村里老人反映镇上只收现金",
        "去了三趟乡里都说在审",
        "那段时间乡镇企业没交社保",
        "我们镇和隔壁镇不一样",
    ],
)
def test_not_places(text: str) -> None:
    assert found(text, "township") == [] and found(text, "village") == []


# --- employers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "employer"),
    [
        ("我在晋城市恒通物流有限公司上班", "晋城市恒通物流有限公司"),
        ("俺在县里的福顺建材厂干了十年", "福顺建材厂"),
        ("我们是兴旺养殖专业合作社的社员", "兴旺养殖专业合作社"),
        ("在王台煤矿下井", "王台煤矿"),
        ("我是阳城县第一中学的老师", "阳城县第一中学"),
        ("我司曹县腾飞木制品有限公司收到通知", "曹县腾飞木制品有限公司"),
        ("我公司于都县赣南脐橙专业合作社多缴了", "于都县赣南脐橙专业合作社"),
        ("恒瑞会计服务有限公司受托反映", "恒瑞会计服务有限公司"),
        ("每个月在德润医药连锁有限公司领点工资", "德润医药连锁有限公司"),
        ("宏发建筑公司项目部不给交", "宏发建筑公司"),
        ("在县人民医院当护工", "县人民医院"),
    ],
)
def test_employers(text: str, employer: str) -> None:
    assert found(text, "employer") == [employer]


@pytest.mark.parametrize(
    "text",
    [
        "税务局说不归他们管",
        "人社局让我找医保局",
        "社保中心说查不到",
        "通过劳务派遣公司派到电厂",
        "说我上家公司没做减员",
        "在两家公司实习期间被重复交了社保",
        "商业保险公司不给理赔",
        "定点医院有哪些",
        "在县人民医院住院花了三万",
        "孩子在新村小学上学",
        "十九岁进厂，厂里给交了社保",
        "加班费公司一直不给",
        "年休假没休公司要给钱吗",
        "有个中介说能挂靠公司交社保",
    ],
)
def test_not_employers(text: str) -> None:
    assert found(text, "employer") == []


# --- person names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("网格员代萧春福反映：他在煤矿井下工作", "萧春福"),
        ("网格员代欧阳文斌反映滞纳金的事", "欧阳文斌"),
        ("村民王秀英的养老金少发了", "王秀英"),
        ("车间主任贺建新说不给交", "贺建新"),
        ("我叫高峰，电话13812341427", "高峰"),
    ],
)
def test_names_after_roles(text: str, name: str) -> None:
    assert found(text, "person_name") == [name]


@pytest.mark.parametrize(
    "text",
    [
        "单位帮员工申请补缴社保",
        "厂里有二十多个老职工马上到退休年龄",
        "我妈居民医保在微信上交过了",
        "就到镇上银行去交",
        "瑞丰印务有限公司职工有六十多人",
        "员工陆续都走了",
        "本人申请补缴养老",
        "我们乡里的干部",
        "谢谢了同志",
    ],
)
def test_running_text_is_no_name(text: str) -> None:
    assert found(text, "person_name") == []


# --- insurance types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "types"),
    [
        ("我失业了，养老保险断了", ["pension"]),
        ("计划生育那会儿的事，医保不给报", ["medical"]),
        ("失业后没领到失业金", ["unemployment"]),
    ],
)
def test_insurance_words_in_other_senses(text: str, types: list[str]) -> None:
    assert found(text, "insurance_type") == types
