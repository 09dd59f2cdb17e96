"""Round 3 of our OWN personas (``benchmarks/dialog_blind.py`` plays them): people as they type
(dialect, typos, several answers in one message or in the wrong order), a unit's clerk with its
credit code, grid workers filing for villagers without phones, amounts, counts and periods
said loosely, the schemes by their everyday names. Written from DOMAIN.md and the seeds; the
expected fields are what a careful clerk would record.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import ric, uscc

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def _code(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


DUNNO = "这个俺说不上来"

PERSONAS: list[dict[str, Any]] = [
    # --- villagers, in their own words -----------------------------------------------------
    {
        "id": "r01",
        "role": "resident",
        "opening": "俺是町河镇史山村的秦来福，今年68了，俺的农保前年跟去年都扣了两回钱，"
        "咋回事啊，多扣的想要回来",
        "answers": {
            "consent": "中",
            "phone": "13935670123",
            "id_number": "俺记不住，身份证在家搁着哩",
            "amount": "两千多",
            "confirm": "中，就这",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "person",
                "name": "秦来福",
                "township": "町河镇",
                "village": "史山村",
                "insurance_type": "resident_pension",
                "period_years": [2024, 2025],
                "amount": 2000,
                "category": "refund",
                "people_count": 1,
            },
        },
    },
    {
        "id": "r02",
        "role": "resident",
        "opening": "俺家合疗今年交了，咋看病的时候说俺没交上",
        "answers": {
            "consent": "行",
            "name": "梁秀珍，住下庄村",
            "phone": "138 3567 2210",
            "township": "润泉",
            "village": "下庄",
            "id_number": "没带",
            "period": "今年",
            "amount": "三百八",
            "confirm": "对着哩",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "梁秀珍",
                "phone": "13835672210",
                "township": "润泉镇",
                "village": "下庄村",
                "insurance_type": "resident_medical",
                "period_years": [2026, 2026],
                "category": "payment_record",
            },
        },
    },
    {
        "id": "r03",
        "role": "resident",
        "opening": "俺的居民医保去年下半年明明交了，去医院报销时候人家说俺断缴了，啥情况",
        "answers": {
            "consent": "中",
            "name": "俺叫焦二妮",
            "phone": "13753560987",
            "township": "西河乡台头村",
            "village": "台头村",
            "id_number": _id("14052219580623042"),
            "period": "去年下半年",
            "confirm": "中",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "焦二妮",
                "id_number": _id("14052219580623042"),
                "township": "西河乡",
                "village": "台头村",
                "insurance_type": "resident_medical",
                "period_years": [2025, 2025],
                "category": "payment_record",
                "people_count": 1,
            },
        },
    },
    {
        "id": "r04",
        "role": "resident",
        "opening": "我叫杜文斌，电话13603561234，北岭镇大桥村的，2020年到2022年的失业保险"
        "缴费记录查不到了",
        "answers": {
            "consent": "同意",
            "id_number": _id("14052219790214301"),
            "employer": "原来在云川县北岭水泥厂上班",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "杜文斌",
                "phone": "13603561234",
                "township": "北岭镇",
                "village": "大桥村",
                "insurance_type": "unemployment",
                "period_years": [2020, 2022],
                "category": "payment_record",
            },
        },
    },
    {
        "id": "r05",
        "role": "resident",
        "opening": "俺是灵活就业交的职工养老，2016年和2017年断了，今年补交的时候收了俺"
        "好几千滞纳金，太高了",
        "answers": {
            "consent": "同意",
            "name": "申建军",
            "phone": "13834107766",
            "township": "凤鸣镇",
            "village": "崔家庄村",
            "id_number": "不方便说",
            "amount": "三千六百多块",
            "confirm": "没问题",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "申建军",
                "insurance_type": "pension",
                "period_years": [2016, 2017],
                "amount": 3600,
                "category": "late_fee",
                "people_count": 1,
            },
        },
    },
    {
        "id": "r06",
        "role": "resident",
        "opening": "单位这几年给俺交的养老保险，记录里少了好几个月",
        "answers": {
            "consent": "好",
            "name": "常海龙",
            "phone": "13903564455",
            "township": "北岭镇",
            "village": "杨家岭村",
            "id_number": "不方便",
            "employer": "云川县恒发煤业有限公司",
            "insurance_type": "单位交的养老",
            "period": "2019年到2021年",
            "people_count": "就我一个",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "person",
                "employer": "云川县恒发煤业有限公司",
                "insurance_type": "pension",
                "period_years": [2019, 2021],
                "category": "payment_record",
                "people_count": 1,
            },
        },
    },
    {
        "id": "r07",
        "role": "resident",
        "opening": "我在县城的饭店干了三年，老板一直不给交职工养老，我想让他给补上",
        "answers": {
            "consent": "同意",
            "name": "任晓军",
            "phone": "15903561288",
            "township": "凤鸣镇",
            "village": "北关村",
            "id_number": "不方便",
            "employer": "云川县福满楼饭店",
            "period": "2023年到2025年",
            "people_count": "就我自己",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "person",
                "employer": "云川县福满楼饭店",
                "insurance_type": "pension",
                "period_years": [2023, 2025],
                "category": "labor_relation",
                "people_count": 1,
            },
        },
    },
    {
        "id": "r08",
        "role": "resident",
        "opening": "俺们厂欠了全厂工人前年到去年两年的社保，老板说没钱",
        "answers": {
            "consent": "同意",
            "name": "卢国强",
            "phone": "13633567890",
            "township": "町河镇",
            "village": "涧底村",
            "id_number": "不方便",
            "employer": "云川县华兴铸造厂",
            "insurance_type": "养老医疗都欠着",
            "period": "前年到去年",
            "amount": "不清楚",
            "people_count": "全厂工人",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "person",
                "employer": "云川县华兴铸造厂",
                "period_years": [2024, 2025],
                "category": "arrears",
            },
        },
    },
    {
        "id": "r09",
        "role": "resident",
        "opening": "住院花了一万二，新农合说俺不在报销范围，不给报",
        "answers": {
            "consent": "中",
            "name": "俺叫范桂英",
            "phone": "13453562001",
            "township": "芹川乡",
            "village": "羊泉村",
            "id_number": "记不住",
            "amount": "1.2万",
            "period": "今年",
            "confirm": "中",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "范桂英",
                "insurance_type": "resident_medical",
                "category": "benefits",
                "period_years": [2026, 2026],
            },
        },
    },
    {
        "id": "r10",
        "role": "resident",
        "opening": "俺在外地交的职工养老转回来，转了一年多还没转过来，前年就申请了",
        "answers": {
            "consent": "同意",
            "name": "贺永明",
            "phone": "13835620019",
            "township": "润泉镇",
            "village": "润泉村",
            "id_number": _id("14052219700918251"),
            "period": "前年",
            "confirm": "对",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "贺永明",
                "insurance_type": "pension",
                "period_years": [2024, 2024],
                "category": "registration",
            },
        },
    },
    {
        "id": "r11",
        "role": "resident",
        "opening": "厂里这个月从工资里扣了我八百来块失业保险，比平时多扣了一倍，多的要退给我",
        "answers": {
            "consent": "同意",
            "name": "郝晓燕",
            "phone": "13703567711",
            "township": "凤鸣镇",
            "village": "刘庄村",
            "id_number": "不方便",
            "employer": "云川县晋阳纺织厂",
            "period": "这个月",
            "amount": "八百来块",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "employer": "云川县晋阳纺织厂",
                "insurance_type": "unemployment",
                "amount": 800,
                "category": "refund",
                "people_count": 1,
            },
        },
    },
    # --- a unit's clerk --------------------------------------------------------------------
    {
        "id": "r12",
        "role": "employer",
        "opening": "您好，我是云川县鼎盛机械制造有限公司的会计，税务局给我们公司核定的职工"
        "养老缴费基数高了",
        "answers": {
            "consent": "同意",
            "name": "会计冯丽",
            "contact_person": "冯丽",
            "employer": "云川县鼎盛机械制造有限公司",
            "credit_code": _code("91140522MA0R2D7K3"),
            "phone": "13935608812",
            "township": "凤鸣镇",
            "village": "跳过",
            "people_count": "全厂工人，四十二个",
            "period": "今年",
            "amount": "多交了一万二",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "employer": "云川县鼎盛机械制造有限公司",
                "credit_code": _code("91140522MA0R2D7K3"),
                "insurance_type": "pension",
                "category": "contribution_base",
                "people_count": 42,
                "period_years": [2026, 2026],
            },
        },
    },
    {
        "id": "r13",
        "role": "employer",
        "opening": "你好，我们单位去年下半年的工伤保险费，系统给我们单位算多了",
        "answers": {
            "consent": "同意",
            "name": "我是单位人事，叫牛丽萍",
            "contact_person": "牛丽萍",
            "employer": "云川县宏远建筑安装有限公司",
            "credit_code": _code("91140522MA0T6W1P8"),
            "phone": "0356-4227788",
            "township": "北岭镇",
            "village": "跳过",
            "people_count": "二十来个",
            "period": "去年下半年",
            "amount": "1.2万",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "employer": "云川县宏远建筑安装有限公司",
                "credit_code": _code("91140522MA0T6W1P8"),
                "insurance_type": "work_injury",
                "people_count": 20,
                "amount": 12000,
                "period_years": [2025, 2025],
                "category": "contribution_amount",
            },
        },
    },
    {
        "id": "r14",
        "role": "employer",
        "opening": "合作社给社员交的医保，2016年和2017年的滞纳金把我们算多了",
        "answers": {
            "consent": "同意",
            "name": "温秀梅",
            "contact_person": "温秀梅",
            "employer": "云川县润泉养殖专业合作社",
            "credit_code": _code("93140522MA0U3N5H2"),
            "phone": "13835661230",
            "township": "润泉镇",
            "village": "润泉村",
            "people_count": "十二三个",
            "amount": "两千多",
            "insurance_type": "职工医保",
            "period": "2016年和2017年",
            "category": "滞纳金",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "employer": "云川县润泉养殖专业合作社",
                "credit_code": _code("93140522MA0U3N5H2"),
                "people_count": 12,
                "amount": 2000,
                "period_years": [2016, 2017],
                "category": "late_fee",
            },
        },
    },
    {
        "id": "r15",
        "role": "employer",
        "opening": "公司在电子税务局申报社保费一直报错，交不上",
        "answers": {
            "consent": "同意",
            "name": "我是财务，叫郑海燕",
            "contact_person": "郑海燕",
            "employer": "云川县新源商贸有限公司",
            "credit_code": _code("91140522MA0W9C4E6").lower(),
            "id_number": "我们是公司，信用代码是" + _code("91140522MA0W9C4E6"),
            "phone": "13603568890",
            "township": "凤鸣镇",
            "village": "不知道",
            "people_count": "十五个",
            "period": "这个月",
            "insurance_type": "五险",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "employer": "云川县新源商贸有限公司",
                "credit_code": _code("91140522MA0W9C4E6"),
                "category": "payment_system",
            },
        },
    },
    {
        "id": "r16",
        "role": "employer",
        "opening": "俺是厂长，今年税务局把俺厂给工人交的工伤保险费率定高了，俺们不服",
        "answers": {
            "consent": "同意",
            "name": "厂长 赵铁柱",
            "contact_person": "赵铁柱",
            "employer": "云川县町河石料厂",
            "credit_code": _code("91140522MA0X8F2G5"),
            "phone": "13934561122",
            "township": "町河镇",
            "village": "八甲口村",
            "people_count": "全厂工人，三十来个",
            "amount": "八千来块",
            "period": "今年",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "employer": "云川县町河石料厂",
                "credit_code": _code("91140522MA0X8F2G5"),
                "insurance_type": "work_injury",
                "period_years": [2026, 2026],
            },
        },
    },
    {
        "id": "r17",
        "role": "employer",
        "opening": "您好",
        "answers": {
            "consent": "同意",
            "description": "卫生院给职工申报的生育保险，今年退费申请交上去三个月了还没退回来",
            "name": "出纳 侯玉霞",
            "contact_person": "侯玉霞",
            "employer": "云川县北岭镇卫生院",
            "credit_code": "121405224057138691",
            "phone": "13703562299",
            "township": "北岭镇",
            "village": "跳过",
            "amount": "六千多",
            "people_count": "二十多个",
            "period": "今年",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "credit_code": "121405224057138691",
                "insurance_type": "maternity",
                "amount": 6000,
                "category": "refund",
                "people_count": 20,
            },
        },
    },
    # --- grid workers for villagers ---------------------------------------------------------
    {
        "id": "r18",
        "role": "grid_worker",
        "grid_worker": "卫红梅",
        "opening": "我是芹池村网格员卫红梅，俺村王守仁老汉没手机，让我帮他问问，他的新农合"
        "去年交了三百八，系统里查不着",
        "answers": {
            "name": "王守仁",
            "phone": "他没手机，有事打我电话",
            "id_number": "他身份证号不记得",
            "villager_consent": "他同意让我反映",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "worker": {
            "name": "卫红梅",
            "phone": "15835604451",
            "township": "芹川乡",
            "village": "芹池村",
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "王守仁",
                "filed_by_grid_worker": True,
                "contact_phone": "15835604451",
                "village": "芹池村",
                "insurance_type": "resident_medical",
                "amount": 380,
                "period_years": [2025, 2025],
                "category": "payment_record",
            },
        },
    },
    {
        "id": "r19",
        "role": "grid_worker",
        "grid_worker": "张桂兰",
        "opening": "帮俺们村李大娘反映个事，她的居民医保今年交了两遍，想退一遍",
        "answers": {
            "name": "李翠莲",
            "phone": "她没有手机，打我电话就行",
            "id_number": "不知道",
            "amount": "八百来块",
            "period": "今年",
            "villager_consent": "她同意了",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "worker": {
            "name": "张桂兰",
            "phone": "15835601121",
            "township": "凤鸣镇",
            "village": "南关村",
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "李翠莲",
                "filed_by_grid_worker": True,
                "contact_phone": "15835601121",
                "insurance_type": "resident_medical",
                "amount": 800,
                "category": "refund",
            },
        },
    },
    {
        "id": "r20",
        "role": "grid_worker",
        "grid_worker": "郭志强",
        "opening": "俺替村里张家老两口反映一下，他俩的农保今年都扣了两次钱",
        "answers": {
            "name": "户主叫张有福",
            "phone": "老两口都没手机，找我就行",
            "id_number": "不清楚",
            "amount": "一共一千二",
            "period": "今年",
            "people_count": "两口子俩人",
            "villager_consent": "他们同意的",
            "confirm": "确认",
            "fallback": DUNNO,
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
                "name": "张有福",
                "filed_by_grid_worker": True,
                "insurance_type": "resident_pension",
                "people_count": 2,
                "amount": 1200,
                "period_years": [2026, 2026],
            },
        },
    },
    {
        "id": "r21",
        "role": "grid_worker",
        "grid_worker": "田晓燕",
        "opening": "我是上庄村网格员，替村民冀满仓问问，他去年下半年的合疗缴费记录没了",
        "answers": {
            "name": "冀满仓",
            "phone": "13834569012",
            "id_number": _id("14052219550303101"),
            "period": "去年下半年",
            "villager_consent": "同意",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "worker": {
            "name": "田晓燕",
            "phone": "15835603341",
            "township": "润泉镇",
            "village": "上庄村",
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "冀满仓",
                "phone": "13834569012",
                "filed_by_grid_worker": True,
                "insurance_type": "resident_medical",
                "period_years": [2025, 2025],
                "category": "payment_record",
            },
        },
    },
    # --- answers out of order, several in one message -----------------------------------------
    {
        "id": "r22",
        "role": "resident",
        "opening": "想反映个事",
        "answers": {
            "consent": "同意",
            "description": "俺在县里的砖厂干活，厂里没给俺上工伤保险，前年受了伤啥也报不了",
            "name": "牛二虎，电话13503569876",
            "phone": "13503569876",
            "township": "西河乡陕庄村",
            "village": "陕庄村",
            "id_number": "不方便",
            "employer": "云川县宏达砖厂",
            "period": "前年",
            "people_count": "就我一个",
            "confirm": "中",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "牛二虎",
                "phone": "13503569876",
                "township": "西河乡",
                "village": "陕庄村",
                "employer": "云川县宏达砖厂",
                "insurance_type": "work_injury",
                "period_years": [2024, 2024],
                "people_count": 1,
            },
        },
    },
    {
        "id": "r23",
        "role": "resident",
        "opening": "俺们村收农保的档次今年给俺报错了，报成了两千的档，俺交的是五百的",
        "answers": {
            "consent": "中",
            "name": "俺叫马春兰，町河村的",
            "phone": "15035612345",
            "township": "町河镇",
            "village": "町河村",
            "id_number": "不方便",
            "amount": "多扣了一千五",
            "period": "今年",
            "confirm": "中",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "马春兰",
                "village": "町河村",
                "insurance_type": "resident_pension",
                "amount": 1500,
                "period_years": [2026, 2026],
                "people_count": 1,
            },
        },
    },
    {
        "id": "r24",
        "role": "resident",
        "opening": "俺和工友们二十来个人，公司从前年开始就没给俺们交单位的养老了",
        "answers": {
            "consent": "同意",
            "name": "许卫东",
            "phone": "13835679900",
            "township": "凤鸣镇",
            "village": "南关村",
            "id_number": "不方便",
            "employer": "云川县广源物流有限公司",
            "period": "前年到现在",
            "people_count": "二十来个",
            "amount": "不清楚",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "person",
                "employer": "云川县广源物流有限公司",
                "insurance_type": "pension",
                "people_count": 20,
                "period_years": [2024, 2026],
            },
        },
    },
    {
        "id": "r25",
        "role": "resident",
        "opening": "我交的职工医保，窗口的人让我来回跑了五趟还没给办，态度也差",
        "answers": {
            "consent": "同意",
            "name": "我姓闫，闫春生",
            "phone": "13903561357",
            "township": "凤鸣镇",
            "village": "西街社区",
            "id_number": "不方便",
            "employer": "没有单位，灵活就业",
            "period": "这个月",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "name": "闫春生",
                "insurance_type": "medical",
                "category": "service",
            },
        },
    },
    # --- a unit named by its kind, a unit chased for arrears, a scheme paid by the month ---
    {
        "id": "r26",
        "role": "employer",
        "opening": "我们加油站今年的失业保险多交了两个月，想退回来",
        "answers": {
            "consent": "同意",
            "name": "邵丽君",
            "contact_person": "邵丽君",
            "employer": "云川县凤鸣加油站",
            "credit_code": _code("91140522MA0Y4H7J1"),
            "id_number": "不方便",
            "phone": "13603560021",
            "township": "凤鸣镇",
            "village": "跳过",
            "amount": "两千四",
            "people_count": "八个人",
            "period": "今年",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "credit_code": _code("91140522MA0Y4H7J1"),
                "employer": "云川县凤鸣加油站",
                "insurance_type": "unemployment",
                "amount": 2400,
            },
        },
    },
    {
        "id": "r27",
        "role": "employer",
        "opening": "税务局追缴我们公司2019年的养老保险费，我们觉得算多了",
        "answers": {
            "consent": "同意",
            "name": "贾国华",
            "contact_person": "贾国华",
            "employer": "云川县通达运输有限公司",
            "credit_code": _code("91140522MA0X8F2G5"),
            "id_number": "不方便",
            "phone": "13835601234",
            "township": "北岭镇",
            "village": "跳过",
            "amount": "四万多",
            "people_count": "二十六个",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "kind": "employer",
                "credit_code": _code("91140522MA0X8F2G5"),
                "period_years": [2019, 2019],
                "insurance_type": "pension",
            },
        },
    },
    {
        "id": "r28",
        "role": "resident",
        "opening": "我的社保养老保险2022年的缴费记录少了三个月",
        "answers": {
            "consent": "同意",
            "name": "岳海平",
            "phone": "13703561239",
            "township": "润泉镇",
            "village": "中庄村",
            "id_number": "不方便",
            "employer": "不方便说",
            "confirm": "确认",
            "fallback": DUNNO,
        },
        "expect": {
            "case": True,
            "fields": {
                "insurance_type": "pension",
                "period_years": [2022, 2022],
                "category": "payment_record",
                "people_count": 1,
            },
        },
    },
]

#: Personas whose remaining miss is the NLU's category (``nlu/``, owned elsewhere): a request
#: for money back after a double deduction is 退（抵）费, "交了却查不到/说没交上" is 缴费记录异议.
#: Strict: the day the classifier gets them right the marker must go.
NLU_CATEGORY_GAPS = {"r11"}


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


def _marked(index: int) -> Any:
    if PERSONAS[index]["id"] not in NLU_CATEGORY_GAPS:
        return index
    reason = "the NLU's category for this phrasing (fix belongs in nlu/)"
    return pytest.param(index, marks=pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize(
    "index", [_marked(i) for i in range(len(PERSONAS))], ids=[p["id"] for p in PERSONAS]
)
def test_persona(outcomes: list[Any], index: int) -> None:
    outcome = outcomes[index]
    assert outcome.case_ok, f"{outcome.id}: case opened or not, against expectation"
    assert outcome.reply_ok, f"{outcome.id}: the reply lacks what was expected"
    assert not outcome.wrong_fields, f"{outcome.id}: wrong {outcome.wrong_fields}"
    if outcome.turns is not None:
        assert outcome.turns <= 8, f"{outcome.id}: {outcome.turns} turns"
