"""Our OWN personas, played by the blind-set scorer (``benchmarks/dialog_blind.py``): each
answers whatever the bot asks with its answer for that question. Written by us, so they are
evidence only that the classes of problems the blind figures pointed to are fixed; per-item
assertions are fine here (never for the blind set).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import ric

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def _code(body17: str) -> str:
    from stdnum.cn import uscc

    return body17 + uscc.calc_check_digit(body17)


FALLBACK = "这个我说不上来"

PERSONAS: list[dict[str, Any]] = [
    {
        "id": "p01",
        "role": "resident",
        "opening": "俺家老头子的城乡居民养老保险今年扣了两回钱，想退一回",
        "answers": {
            "name": "俺叫孟凤英",
            "phone": "幺三八 三五六七 八九零一",
            "township": "町河镇",
            "village": "东冶村",
            "id_number": _id("14052219560817032"),
            "amount": "三百块",
            "period": "今年的",
            "consent": "中，你记吧",
            "confirm": "对着哩",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "person",
                "name": "孟凤英",
                "phone": "13835678901",
                "category": "refund",
                "insurance_type": "resident_pension",
                "township": "町河镇",
                "village": "东冶村",
                "amount": 300,
                "period_years": [2026, 2026],
            },
        },
    },
    {
        "id": "p02",
        "role": "resident",
        "opening": "你好，我想反映个社保的事",
        "answers": {
            "consent": "可以的",
            "description": "我在外地打工回来，医保缴费记录少了2021年一整年",
            "name": "栗志刚",
            "phone": "13703561234",
            "township": "陵川县附城镇",
            "village": "不知道",
            "id_number": _id("14052419720301123"),
            "insurance_type": "职工医保",
            "period": "2021年",
            "confirm": "没问题，提交吧",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "栗志刚",
                "township": "附城镇",
                "insurance_type": "medical",
                "period_years": [2021, 2021],
                "category": "payment_record",
            },
        },
    },
    {
        "id": "p03",
        "role": "employer",
        "opening": "我们是一家小建筑公司，今年的社保滞纳金算得不对，多收了我们一万二",
        "answers": {
            "consent": "同意",
            "name": "我是公司出纳，叫韩晓梅",
            "contact_person": "韩晓梅",
            "employer": "云川县兴盛建筑工程有限公司",
            "credit_code": _code("91140522MA0HK3L2P").lower().replace("91", "91 ", 1),
            "phone": "0356-4221234",
            "township": "凤鸣镇",
            "village": "不知道",
            "insurance_type": "养老和工伤",
            "people_count": "十二个人",
            "period": "今年",
            "amount": "一万二",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "employer": "云川县兴盛建筑工程有限公司",
                "credit_code": _code("91140522MA0HK3L2P"),
                "people_count": 12,
                "amount": 12000,
                "category": "late_fee",
            },
        },
    },
    {
        "id": "p04",
        "role": "employer",
        "opening": "您好，乡卫生院这边给职工申报的医保缴费，税务系统里一直显示信息没推送过去",
        "answers": {
            "consent": "好的，你登记吧",
            "name": "卫生院会计，吴丽娟",
            "contact_person": "吴丽娟",
            "employer": "云川县芹川乡卫生院",
            "credit_code": "121405224057138691",
            "phone": "13903567788",
            "township": "芹川乡",
            "village": "跳过",
            "insurance_type": "医保",
            "people_count": "二十多个",
            "confirm": "对，确认提交",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "credit_code": "121405224057138691",
                "township": "芹川乡",
            },
        },
    },
    {
        "id": "p05",
        "role": "grid_worker",
        "grid_worker": "郭志强",
        "opening": "帮俺村的宋老汉问个事",
        "answers": {
            "description": "他的养老保险2019年的缴费记录没了，钱是交了的",
            "name": "宋福来",
            "phone": "他没手机，有事找我",
            "id_number": _id("14052219510909101"),
            "period": "2019年",
            "villager_consent": "他同意了",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "worker": {
            "name": "郭志强",
            "phone": "15835602231",
            "township": "北岭镇",
            "village": "北岭村",
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "宋福来",
                "filed_by_grid_worker": True,
                "contact_phone": "15835602231",
                "village": "北岭村",
                "period_years": [2019, 2019],
                "category": "payment_record",
            },
        },
    },
    {
        "id": "p06",
        "role": "grid_worker",
        "grid_worker": "田晓燕",
        "opening": "我替上庄村的冀秀英反映，她的医保去年交了两次",
        "answers": {
            "phone": "13834561122",
            "id_number": "不知道",
            "amount": "还没问过",
            "period": "去年",
            "villager_consent": "还没问过",
            "confirm": "确认",
            "fallback": "还没问过",
        },
        "script": [
            {"when": "villager_consent", "say": "还没问过"},
            {"when": "villager_consent", "say": "刚打电话问了，她同意"},
        ],
        "worker": {
            "name": "田晓燕",
            "phone": "15835603341",
            "township": "润泉镇",
            "village": "上庄村",
        },
        "expect": {
            "case": True,
            "fields": {"name": "冀秀英", "phone": "13834561122", "category": "refund"},
        },
    },
    {
        "id": "p07",
        "role": "resident",
        "opening": "我叫萧山河，西河乡郭河村的，2018年的养老保险滞纳金收得太多",
        "answers": {
            "consent": "同意",
            "phone": "13512345678",
            "id_number": _id("51162119650505123"),
            "insurance_type": "养老保险",
            "amount": "八百多",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "script": [{"when": "confirm", "say": "时间不对，是2017年和2018年这两年"}],
        "expect": {
            "case": True,
            "fields": {"name": "萧山河", "period_years": [2017, 2018], "category": "late_fee"},
        },
    },
    {
        "id": "p08",
        "role": "resident",
        "opening": "单位欠了我们二十几个人的社保费，好几年了",
        "answers": {
            "consent": "同意",
            "name": "郇建国",
            "phone": "13633561234",
            "township": "北岭镇",
            "village": "宋家庄村",
            "id_number": "不方便",
            "employer": "云川县宏达煤业公司",
            "insurance_type": "养老",
            "period": "2020年到2023年",
            "amount": "不清楚",
            "people_count": "二十几个",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "script": [{"when": "confirm", "say": "不是欠费的事，是单位不给交，劳动关系的事"}],
        "expect": {
            "case": True,
            "fields": {
                "employer": "云川县宏达煤业公司",
                "people_count": 20,
                "period_years": [2020, 2023],
            },
        },
    },
    {
        "id": "p09",
        "role": "resident",
        "opening": "我交的医保钱扣多了",
        "answers": {
            "consent": "同意",
            "name": "王秀兰",
            "phone": "13812349876",
            "confirm": "是的",
            "fallback": FALLBACK,
        },
        "script": [{"when": "township", "say": "算了，不弄了"}],
        "expect": {"case": False, "reply_any": ["已取消"]},
    },
    {
        "id": "p10",
        "role": "resident",
        "opening": "想问问城乡居民医保明年一年交多少钱",
        "answers": {"fallback": FALLBACK},
        "expect": {"case": False, "reply_any": ["12366"]},
    },
    {
        "id": "p11",
        "role": "resident",
        "opening": "住院花了三万，医保能报多少啊",
        "answers": {"fallback": FALLBACK},
        "expect": {"case": False, "reply_any": ["12393"]},
    },
    {
        "id": "p12",
        "role": "resident",
        "opening": "查一下 YC-2026-000777 这个件到哪了",
        "answers": {"fallback": FALLBACK},
        "expect": {"case": False, "reply_any": ["没有找到"]},
    },
    {
        "id": "p13",
        "role": "resident",
        "opening": "我是晋城泽州县巴公镇的，去年在你们县打工，工伤保险单位少报了基数",
        "answers": {
            "consent": "行",
            "name": "阴红霞",
            "phone": "13935671234",
            "township": "泽州县巴公镇",
            "village": "东四义村",
            "id_number": _id("14052519800101124"),
            "employer": "云川县鑫达铸造厂",
            "insurance_type": "工伤",
            "period": "去年",
            "people_count": "就我一个",
            "confirm": "中",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {
                "township": "巴公镇",
                "village": "东四义村",
                "insurance_type": "work_injury",
                "employer": "云川县鑫达铸造厂",
                "people_count": 1,
                "category": "contribution_base",
            },
        },
    },
    # --- class 1: the disputed period in categories whose routing ignores it ---------------
    {
        "id": "p14",
        "role": "resident",
        "opening": "俺的养老保险关系从外地转回来，转了大半年还转不过来",
        "answers": {
            "consent": "同意",
            "name": "牛建平",
            "phone": "13834005566",
            "township": "西河乡",
            "village": "宜壁村",
            "id_number": _id("14052219660412331"),
            "period": "2023年到2024年",
            "insurance_type": "养老",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {"name": "牛建平", "period_years": [2023, 2024]},
        },
    },
    {
        "id": "p15",
        "role": "resident",
        "opening": "补缴的钱核定得不对，让俺补交一万多，俺觉得不该这么多",
        "answers": {
            "consent": "行",
            "name": "常玉兰",
            "phone": "13623567788",
            "township": "町河镇",
            "village": "坪头村",
            "id_number": "不方便",
            "insurance_type": "职工养老",
            "period": "2015年到2017年",
            "amount": "一万三",
            "confirm": "中",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {
                "period_years": [2015, 2017],
                "insurance_type": "pension",
            },
        },
    },
    {
        "id": "p16",
        "role": "resident",
        "opening": "厂里辞退我以后社保就断了，我想问问这个找谁",
        "answers": {
            "consent": "同意",
            "name": "焦永红",
            "phone": "13503561234",
            "township": "凤鸣镇",
            "village": "下李村",
            "id_number": "不方便",
            "employer": "云川县永红铸件厂",
            "period": "今年三月份",
            "people_count": "就我自己",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {"employer": "云川县永红铸件厂", "period_years": [2026, 2026]},
        },
    },
    # --- class 2: which scheme: employees' or residents' --------------------------------------
    {
        "id": "p17",
        "role": "resident",
        "opening": "我每年在村里交养老保险，今年选的三百块的档次，结果扣了两次",
        "answers": {
            "consent": "同意",
            "name": "贾春花",
            "phone": "13835671122",
            "township": "北岭镇",
            "village": "郭峪村",
            "id_number": "不方便",
            "amount": "三百",
            "period": "今年",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {"insurance_type": "resident_pension", "amount": 300},
        },
    },
    {
        "id": "p18",
        "role": "resident",
        "opening": "公司每个月从工资里扣医保，可是医保局说我去年断缴了五个月",
        "answers": {
            "consent": "同意",
            "name": "司马俊",
            "phone": "13903561100",
            "township": "凤鸣镇",
            "village": "东关社区",
            "id_number": "不方便",
            "period": "去年",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {"insurance_type": "medical", "period_years": [2025, 2025]},
        },
    },
    {
        "id": "p19",
        "role": "resident",
        "opening": "俺们家在农村，医保每年都是村里统一收的，今年交了可是看病时说没参保",
        "answers": {
            "consent": "中",
            "name": "武二妮",
            "phone": "13934567012",
            "township": "润泉镇",
            "village": "沁河村",
            "id_number": "不方便",
            "period": "今年",
            "amount": "四百",
            "confirm": "中",
            "fallback": FALLBACK,
        },
        "expect": {"case": True, "fields": {"insurance_type": "resident_medical"}},
    },
    # --- class 3: who reports: the unit or a worker -------------------------------------------
    {
        "id": "p20",
        "role": "employer",
        "opening": "我司上个月申报的缴费基数被系统退回了，职工的养老保险交不上",
        "answers": {
            "consent": "同意",
            "name": "我是公司人事，姓名董丽",
            "contact_person": "董丽",
            "employer": "云川县恒远商贸有限公司",
            "credit_code": _code("91140522MA0K7R3B2"),
            "phone": "13703560088",
            "township": "凤鸣镇",
            "village": "跳过",
            "people_count": "三十五个",
            "period": "上个月",
            "insurance_type": "养老",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {"kind": "employer", "credit_code": _code("91140522MA0K7R3B2")},
        },
    },
    {
        "id": "p21",
        "role": "resident",
        "opening": "我们公司欠缴了我们工人两年的社保，老板一直拖着",
        "answers": {
            "consent": "同意",
            "name": "聂红军",
            "phone": "13633569900",
            "township": "北岭镇",
            "village": "尧沟村",
            "id_number": "不方便",
            "employer": "云川县北岭建材公司",
            "period": "2024年到2025年",
            "people_count": "十几个人",
            "amount": "不清楚",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {"kind": "person", "employer": "云川县北岭建材公司"},
        },
    },
    {
        "id": "p22",
        "role": "employer",
        "opening": "我是合作社的会计，本单位给社员交的工伤保险滞纳金算多了",
        "answers": {
            "consent": "同意",
            "name": "会计 任小芳",
            "contact_person": "任小芳",
            "employer": "云川县町河种植专业合作社",
            "credit_code": _code("93140522MA0L2Q8X1"),
            "phone": "13513561234",
            "township": "町河镇",
            "village": "町河村",
            "period": "2025年",
            "amount": "两千四",
            "people_count": "八个",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {"case": True, "fields": {"kind": "employer", "amount": 2400}},
    },
    # --- class 4: not a fee dispute: referred, nothing opened --------------------------------
    {
        "id": "p23",
        "role": "resident",
        "opening": "我的个税退税申请了两个月了还没到账",
        "answers": {"consent": "同意", "fallback": FALLBACK, "confirm": "确认"},
        "expect": {"case": False, "reply_any": ["12366"]},
    },
    {
        "id": "p24",
        "role": "resident",
        "opening": "老板欠了俺半年工钱不给",
        "answers": {"consent": "同意", "fallback": FALLBACK, "confirm": "确认"},
        "expect": {"case": False, "reply_any": ["12333"]},
    },
    {
        "id": "p25",
        "role": "resident",
        "opening": "你好",
        "answers": {
            "consent": "同意",
            "description": "我家门口的路灯坏了好几天了",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {"case": False, "reply_any": ["12345"]},
    },
    {
        "id": "p26",
        "role": "resident",
        "opening": "我和老伴的医保今年都扣了两次钱，想把多扣的退回来",
        "answers": {
            "consent": "同意",
            "name": "赵满仓",
            "phone": "13834561290",
            "township": "润泉镇",
            "village": "中庄村",
            "id_number": "不方便",
            "amount": "一共七百六",
            "period": "今年",
            "people_count": "我们俩",
            "insurance_type": "医保",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {
                "people_count": 2,
                "amount": 760,
                "insurance_type": "resident_medical",
                "period_years": [2026, 2026],
            },
        },
    },
    {
        "id": "p27",
        "role": "resident",
        "opening": "我退休前在县城的厂里上了二十年班，现在养老金算少了，工龄没算全",
        "answers": {
            "consent": "同意",
            "name": "毕国庆",
            "phone": "13903562277",
            "township": "凤鸣镇",
            "village": "西街社区",
            "id_number": _id("14052219620315031"),
            "insurance_type": "养老",
            "period": "1985年到2005年",
            "employer": "云川县农机厂",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {"insurance_type": "pension", "category": "benefits"},
        },
    },
    {
        "id": "p28",
        "role": "resident",
        "opening": "单位这个月从工资里扣了我两回失业保险，多扣的想退回来",
        "answers": {
            "consent": "同意",
            "name": "闫晓东",
            "phone": "13753561234",
            "township": "北岭镇",
            "village": "大桥村",
            "id_number": "不方便",
            "employer": "云川县晋丰物流有限公司",
            "amount": "四十多块",
            "period": "这个月",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {
                "employer": "云川县晋丰物流有限公司",
                "insurance_type": "unemployment",
                "period_years": [2026, 2026],
            },
        },
    },
    {
        "id": "p29",
        "role": "employer",
        "opening": "您好",
        "answers": {
            "consent": "同意",
            "description": "作为用人单位，我们对今年核定的工伤保险费率和金额有异议",
            "contact_person": "申丽萍",
            "name": "申丽萍",
            "employer": "云川县金穗农业开发有限公司",
            "credit_code": _code("91140522MA0M5T2W4"),
            "phone": "13903569012",
            "township": "西河乡",
            "village": "跳过",
            "insurance_type": "工伤",
            "amount": "八千多",
            "people_count": "二十六个",
            "period": "今年",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "credit_code": _code("91140522MA0M5T2W4"),
                "employer": "云川县金穗农业开发有限公司",
            },
        },
    },
    {
        "id": "p30",
        "role": "employer",
        "opening": "单位的失业保险费今年被多收了一个季度，申请退费一直没办",
        "answers": {
            "consent": "同意",
            "name": "温海燕",
            "contact_person": "温海燕",
            "employer": "云川县恒通运输有限公司",
            "credit_code": _code("91140522MA0N8P6Q3"),
            "phone": "13835609988",
            "township": "凤鸣镇",
            "village": "跳过",
            "amount": "三千六",
            "people_count": "十八个人",
            "period": "今年",
            "confirm": "确认",
            "fallback": FALLBACK,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "credit_code": _code("91140522MA0N8P6Q3"),
                "employer": "云川县恒通运输有限公司",
                "category": "refund",
            },
        },
    },
]


@pytest.fixture(scope="module")
def outcomes(nlu_engine: Any) -> list[Any]:
    import asyncio

    sys.path.insert(0, str(BENCHMARKS))
    try:
        import dialog_blind
    finally:
        sys.path.remove(str(BENCHMARKS))
    found: list[Any] = []
    asyncio.run(dialog_blind.run_personas(PERSONAS, nlu_engine, found))
    return found


@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=[p["id"] for p in PERSONAS])
def test_persona(outcomes: list[Any], index: int) -> None:
    outcome = outcomes[index]
    assert outcome.case_ok, f"{outcome.id}: case opened or not, against expectation"
    assert outcome.reply_ok, f"{outcome.id}: the reply lacks what was expected"
    assert not outcome.wrong_fields, f"{outcome.id}: wrong {outcome.wrong_fields}"
    if outcome.turns is not None:
        assert outcome.turns <= 8, f"{outcome.id}: {outcome.turns} turns"
