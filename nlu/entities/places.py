"""Townships and villages (gazetteer names, plus …镇/…乡/…街道/…村/…社区 patterns) and employers."""

from __future__ import annotations

import re

from nlu.entities.base import MAX_FOUND, Found
from nlu.types import Gazetteer

_PLACE_SUFFIX = re.compile(r"街道|社区|镇|乡|村")
_PLACE_STOP = set(
    "的是在住我你他她们从到去回和跟给个这那本该全各每哪某、，。,.!?！？：:；; 镇乡县市区省村里上下"
    "帮替代叫说对向找属归于为"
)
_PLACE_STOP_BIGRAMS = {"老家", "我家", "家住", "住在", "来自", "户籍", "位于", "咱们", "我们", "农村",
                       "城乡", "城镇", "乡镇", "网格", "那个", "这个"}  # fmt: skip
_NOT_PLACES = {"农村", "乡村", "城乡", "城镇", "乡镇", "村镇", "下乡", "老乡", "家乡", "回乡", "同乡",
               "新农村", "村村", "邻村", "外村", "本村", "全村", "各村", "该村", "同村", "本镇",
               "全镇", "各镇", "社区", "街道", "农民村", "小区"}  # fmt: skip

_EMPLOYER_SUFFIX = re.compile(
    r"有限责任公司|股份有限公司|有限公司|分公司|公司|集团|加工厂|工厂|厂|合作社|煤矿|矿业|酒店|宾馆|饭店"
    r"|医院|学校|幼儿园|超市|商场|物业|建筑队|工程队|项目部|工地|农场|养殖场|门市部|经销部|商行|事务所"
)
_EMPLOYER_STOP = set(
    "在给是的了和跟被从到去说对向把让叫帮替为我你他她们咱这那个，。、,.!?！？：:；; "
    "原以前之后后来现今年月日号就都也还又才再把被交缴扣退欠由按找判"
)
_EMPLOYER_STOP_BIGRAMS = {"一家", "这家", "那家", "以前", "原来", "之前", "现在", "本地", "当地", "我们",
                          "咱们", "上班", "干活", "打工", "工作", "单位", "公司", "名称", "判决", "裁决",
                          "督促", "写明", "包括", "时候", "结果", "通过", "记得", "晓得", "显示", "并入",
                          "转入", "转到", "请问", "不能", "不要", "要求", "当时", "进厂", "进了", "判了",
                          "找了", "告诉", "起诉", "投诉", "反映", "津贴", "结算", "看病", "出院", "由于",
                          "基数", "社保", "职工", "员工", "工人", "会计", "老板", "法人", "所在", "改成",
                          "期间", "当初", "入职", "同名", "要走", "应由", "已由", "家里", "老家", "在家",
                          "县里", "市里", "镇上", "镇里", "乡里", "村里", "村上", "城里", "厂里",
                          "俺们", "这个", "那个", "就是", "叫做"}  # fmt: skip
#: Words that describe a kind of business, not name one: "物流公司", "小服装厂" are not names.
_GENERIC_TRADES = frozenset(
    [
        "物流",
        "建筑",
        "物业",
        "纺织",
        "电子",
        "化肥",
        "机械",
        "保安",
        "人力资源",
        "劳务",
        "派遣",
        "服装",
        "板材",
        "竹制品",
        "软件",
        "砂石",
        "外贸",
        "预制板",
        "水泥",
        "运输",
        "木材加工",
        "木材",
        "农机",
        "鞋",
        "煤",
        "砖",
        "家具",
        "食品",
        "餐饮",
        "装修",
        "装饰",
        "广告",
        "中介",
        "保险",
        "科技",
        "贸易",
        "商贸",
        "建材",
        "化工",
        "印刷",
        "包装",
        "塑料",
        "五金",
        "汽修",
        "汽车",
        "快递",
        "外卖",
        "清洁",
        "保洁",
        "家政",
        "养殖",
        "种植",
        "农业",
        "林业",
        "旅游",
        "医药",
        "药",
        "教育",
        "培训",
        "空壳",
        "私人",
        "股份",
        "国有独资",
        "独资",
        "合资",
        "个体",
        "民办",
        "私立",
        "民营",
        "国营",
        "私营",
        "职业",
        "专业",
        "农民专业",
        "小区",
        "总",
        "分",
        "老",
        "新",
        "原",
        "子",
        "母",
        "大",
        "小",
        "本",
        "该",
        "那",
        "这",
        "外省",
        "外地",
        "省城",
        "县城",
        "市里",
        "县里",
        "城里",
    ]
)
_GENERIC_PREFIX = re.compile(
    r"^(?:一家|这家|那家|小型|大型|小|老|原|私人|民营|国营|私营|外省|省城|外地|本地|当地)+"
)
_NOT_EMPLOYERS = {"公司", "分公司", "工厂", "厂", "总公司", "子公司", "母公司", "本公司", "原公司",
                  "新公司", "老公司", "医院", "学校", "工地", "超市", "集团", "酒店", "饭店", "物业",
                  "保险公司", "中介公司", "劳务公司", "派遣公司", "税务", "合作社", "项目部"}  # fmt: skip


def _extend_left(
    text: str, end: int, limit: int, stop: set[str], bigrams: set[str], boundary: int
) -> int:
    start = end
    while start > boundary and end - start < limit:
        ch = text[start - 1]
        if ch in stop or not ("\u4e00" <= ch <= "\u9fff" or ch.isalnum() or ch in "()（）"):
            break
        if text[max(0, start - 2) : start] in bigrams:
            break
        start -= 1
    return start


def places(text: str, gazetteer: Gazetteer | None) -> list[Found]:
    out: list[Found] = []
    if gazetteer and gazetteer.townships:
        names: dict[str, str] = {}
        for township, villages in gazetteer.townships.items():
            names.setdefault(township, "township")
            for village in villages:
                names.setdefault(village, "village")
        pattern = "|".join(sorted((re.escape(n) for n in names if n), key=len, reverse=True))
        for m in re.finditer(pattern, text):
            out.append(Found(names[m.group(0)], m.group(0), m.start(), m.end()))
    taken = [(f.start, f.end) for f in out]
    for m in _PLACE_SUFFIX.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        boundary = max((e for s, e in taken if e <= m.start()), default=0)
        start = _extend_left(text, m.start(), 4, _PLACE_STOP, _PLACE_STOP_BIGRAMS, boundary)
        name_part = text[start : m.start()]
        value = text[start : m.end()]
        if len(name_part) < 2 or value in _NOT_PLACES or value[-2:] in _NOT_PLACES:
            continue
        if m.group(0) == "乡" and text[m.end() : m.end() + 2] in ("居民", "医保", "养老"):
            continue
        kind = "village" if m.group(0) in ("村", "社区") else "township"
        out.append(Found(kind, value, start, m.end()))
        taken.append((start, m.end()))
    return out


#: Levels of the places a unit's name may start with, biggest first: a name runs from big to
#: small (云川县润泉镇福顺建材厂); a smaller place before a bigger one is an address said before
#: the name ("润泉镇沁河村" + "云川县福顺建材有限公司").
_LEVEL = {"省": 1, "市": 2, "州": 2, "盟": 2, "县": 3, "区": 3, "旗": 3, "镇": 4, "乡": 4, "村": 5}
#: What a unit's name never starts with: a spoken "the county's" (县里的), "our" (俺们), a
#: kind of unit said before its name (厂 in "俺们厂福顺建材厂").
_UNIT_LEAD = re.compile(
    r"^(?:(?:县|市|镇|乡|村|区|城|厂|矿)(?:里|上|城里|城)的?|本地的?|当地的?|俺们|我们|咱们|咱|俺|"
    r"这个|那个|就是|(?:厂|矿|公司|单位)(?=[\u4e00-\u9fff]{2}))+"
)


def unit_start(name: str) -> int:
    """Where a unit's name starts in ``name`` (an employer as matched): after a spoken lead
    ("县里", "村里的", "俺们厂") and after an address glued before it."""
    lead = _UNIT_LEAD.match(name)
    at = lead.end() if lead and len(name) - lead.end() >= 3 else 0
    cut = at
    for i in range(at, len(name) - 1):
        level = _LEVEL.get(name[i])
        if level is None or i - at < 2 or name[i + 1] in _LEVEL:
            continue
        if any(_LEVEL.get(name[j], 9) < level and name[j + 1 : j + 2] not in _LEVEL
               for j in range(i + 3, len(name) - 1)):  # fmt: skip
            cut = i + 1
    return cut


def unit_name(text: str) -> str | None:
    """The name of a unit as a person writes it on a form, from an answer to "单位叫什么":
    "县里宏发建筑公司" -> 宏发建筑公司, "润泉镇沁河村云川县福顺建材有限公司" -> 云川县福顺建材有限公司,
    "在晋城市恒通物流上班" -> 晋城市恒通物流 (a place that begins the name is kept). None when
    nothing name-like is left."""
    from nlu.normalize import align

    s = align((text or "")[:200]).strip()
    found = employers(s)
    if found:
        return str(found[0].value)
    works = _WORKS_AT.search(s)
    if works:
        s = works.group(1)
    s = _ANSWER_TAIL.sub("", _ANSWER_LEAD.sub("", s)).strip()
    s = s[unit_start(s) :]
    return s if 2 <= len(s) <= 40 and re.search(r"[\u4e00-\u9fff]", s) else None


_ANSWER_LEAD = re.compile(
    r"^(?:(?:我们|俺们|咱们|我|俺)?(?:的)?(?:单位|公司|厂子?)?(?:的)?(?:全称|名称|名字)?(?:是|叫|叫做)|"
    r"是|在|叫|就是)+"
)
_WORKS_AT = re.compile(r"在([\u4e00-\u9fff]{2,30}?)(?:打工|上班|干活|工作|做工|干)")
_ANSWER_TAIL = re.compile(r"[\s，。！？、,.!?~…]+$|(?:的|吧|啊|呀)+$")


def employers(text: str) -> list[Found]:
    out: list[Found] = []
    for m in _EMPLOYER_SUFFIX.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        if any(f.start < m.end() and m.start() < f.end for f in out):
            continue
        if out and out[-1].end == m.start():  # "宏达集团" + "有限公司": one name
            last = out.pop()
            out.append(Found("employer", text[last.start : m.end()], last.start, m.end()))
            continue
        boundary = out[-1].end if out else 0
        start = _extend_left(text, m.start(), 16, _EMPLOYER_STOP, _EMPLOYER_STOP_BIGRAMS, boundary)
        value = text[start : m.end()]
        if m.start() - start < 2 or value in _NOT_EMPLOYERS:
            continue
        start += unit_start(value)
        value = text[start : m.end()]
        name_part = _GENERIC_PREFIX.sub("", text[start : m.start()])
        if len(name_part) < 2 or name_part in _GENERIC_TRADES or value in _NOT_EMPLOYERS:
            continue
        out.append(Found("employer", value, start, m.end()))
    return out
