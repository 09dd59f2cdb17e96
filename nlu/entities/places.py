"""Townships and villages (gazetteer names, plus …镇/…乡/…街道/…村/…社区 patterns) and employers."""

from __future__ import annotations

import re

from nlu.entities.base import MAX_FOUND, Found
from nlu.types import Gazetteer

_PLACE_SUFFIX = re.compile(r"街道|社区|镇|乡|村")
_PLACE_STOP = set(
    "的是在住我你他她们从到去回和跟给个这那本该全各每哪某、，。,.!?！？：:；; 镇乡县市区省村里上下"
    "帮替代叫说对向找属归于为了过也有趟次遍就还又才再很把被让往离年候"
)
_PLACE_STOP_BIGRAMS = {"老家", "我家", "家住", "住在", "来自", "户籍", "位于", "咱们", "我们", "农村",
                       "城乡", "城镇", "乡镇", "网格", "那个", "这个", "反映", "反应", "隔壁", "附近",
                       "周边", "邻近", "返乡", "下乡", "进城", "转城", "别的", "其他", "外地"}  # fmt: skip
_NOT_PLACES = {"农村", "乡村", "城乡", "城镇", "乡镇", "村镇", "下乡", "老乡", "家乡", "回乡", "同乡",
               "新农村", "村村", "邻村", "外村", "本村", "全村", "各村", "该村", "同村", "本镇",
               "全镇", "各镇", "社区", "街道", "农民村", "小区"}  # fmt: skip

_EMPLOYER_SUFFIX = re.compile(
    r"有限责任公司|股份有限公司|有限公司|分公司|公司|集团|加工厂|工厂|厂(?!子|里|长|家|房|区|址|商|矿)|合作社|煤矿|矿业|酒店|宾馆|饭店"
    r"|医院|学校|幼儿园|超市|商场|物业|建筑队|工程队|项目部|工地|农场|养殖场|门市部|经销部|商行|事务所"
    r"|供销社|信用社|卫生院|中学|小学"
)
_EMPLOYER_STOP = set(
    "在给是的了和跟被从到去说对向把让叫帮替为我你他她们咱这那个，。、,.!?！？：:；; "
    "原以前之后后来现今年月日号就也还又才再把被交缴扣退欠由按找判"
    "里要没岁费可但却问请送读念考"
)
#: Stop characters that also begin words of unit names: 时 (时代), 能 (能源), 进 (进出口),
#: 上 (上海): they end the name unless the next character makes such a word.
_EMPLOYER_SOFT_STOP = {"时": "代尚", "能": "源", "进": "出", "上": "海党", "先": "锋进", "费": "县"}
_EMPLOYER_STOP_BIGRAMS = {"一家", "这家", "那家", "以前", "原来", "之前", "现在", "本地", "当地", "我们",
                          "咱们", "上班", "干活", "打工", "工作", "单位", "公司", "名称", "判决", "裁决",
                          "督促", "写明", "包括", "时候", "结果", "通过", "记得", "晓得", "显示", "并入",
                          "转入", "转到", "请问", "不能", "不要", "要求", "当时", "进厂", "进了", "判了",
                          "找了", "告诉", "起诉", "投诉", "反映", "津贴", "结算", "看病", "出院", "由于",
                          "基数", "社保", "职工", "员工", "工人", "老板", "法人", "所在", "改成",
                          "期间", "当初", "入职", "同名", "要走", "应由", "已由", "家里", "老家", "在家",
                          "县里", "市里", "镇上", "镇里", "乡里", "村里", "村上", "城里", "厂里",
                          "俺们", "这个", "那个", "就是", "叫做", "上家", "下家", "人家", "别人", "两家",
                          "几家", "多家", "各家", "三家", "系统", "挂靠"}  # fmt: skip
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
        "互联网",
        "网络",
        "电商",
        "连锁",
        "关联",
        "总包",
        "分包",
        "外包",
        "承包",
        "劳务派遣",
        "人力",
        "商业保险",
        "人寿保险",
        "定点",
        "民宿",
        "挂靠",
        "代理",
        "房地产",
        "工程",
        "投资",
        "金融",
        "律师",
        "会计",
        "建设",
        "生产",
        "用工",
        "空壳公司",
        "皮包",
        "黑",
        "国有",
        "国企",
        "私企",
        "外企",
        "乡镇",
        "村办",
        "集体",
        "公办",
        "民办",
        "县办",
        "砖瓦",
        "农村",
        "供电",
        "电力",
        "自来水",
        "燃气",
        "移动",
        "联通",
        "电信",
        "邮政",
        "石料",
        "面粉",
        "造纸",
        "钢铁",
        "陶瓷",
        "玻璃",
        "饲料",
        "制衣",
        "纸箱",
        "木器",
        "铸造",
        "粮食",
    ]
)
_GENERIC_PREFIX = re.compile(
    r"^(?:一家|这家|那家|小型|大型|小|老|原|私人|民营|国营|私营|外省|省城|外地|本地|当地|"
    r"(?:第?[一二两三四五六七八九十几多每各某另同]|另一|同一)[家个所])+"
)
_NOT_EMPLOYERS = {"公司", "分公司", "工厂", "厂", "总公司", "子公司", "母公司", "本公司", "原公司",
                  "新公司", "老公司", "医院", "学校", "工地", "超市", "集团", "酒店", "饭店", "物业",
                  "保险公司", "中介公司", "劳务公司", "派遣公司", "税务", "合作社", "项目部"}  # fmt: skip


def _extend_left(
    text: str,
    end: int,
    limit: int,
    stop: set[str],
    bigrams: set[str],
    boundary: int,
    soft: dict[str, str] | None = None,
) -> int:
    start = end
    while start > boundary and end - start < limit:
        ch = text[start - 1]
        if soft and ch in soft and text[start : start + 1] not in soft[ch]:
            break
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
        suffix = m.group(0)
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        if text[m.start() - 1 : m.end()] in _VERB_PLACES or text[m.start() : m.end() + 1] == "乡镇":
            continue  # "返乡", "乡镇企业": words, not the end of a place name
        if suffix == "村" and _VILLAGE_IN_TOWNSHIP.match(text, m.end()):
            continue  # "南村镇", "周村乡": the 村 is part of the township's name
        boundary = max((e for s, e in taken if e <= m.start()), default=0)
        start = _place_start(text, m.start(), boundary, suffix)
        name_part = text[start : m.start()]
        if suffix in ("镇", "乡", "街道") and len(name_part) == 4 and name_part[1] not in "家庄":
            # "阳城北留镇": a county said without 县 before a two-character township
            start += 2
            name_part = name_part[2:]
        value = text[start : m.end()]
        if len(name_part) < 2 or value in _NOT_PLACES:
            continue
        if len(suffix) == 1 and value[-2:] in _NOT_PLACES and value[-2:] not in ("城镇", "村镇"):
            continue  # "偏远农村"; but 润城镇, 南村镇 are townships
        if value[-2:] in ("城镇", "城乡", "乡镇", "村镇") and (
            text[m.end() : m.end() + 2] in _NOT_AFTER_TOWNSHIP
        ):
            continue  # "城乡居民", "城镇职工": a kind of insurance, not a place
        kind = "village" if suffix in ("村", "社区") else "township"
        out.append(Found(kind, value, start, m.end()))
        taken.append((start, m.end()))
    return out


#: Words that end in a place word without naming a place ("农民工返乡了").
_VERB_PLACES = frozenset(
    {"返乡", "离乡", "还乡", "思乡", "故乡", "异乡", "他乡", "下乡", "回乡", "老乡", "家乡", "同乡"}
)
#: What follows 城镇 / 城乡 / 乡镇 used as an adjective: "城镇职工医保", "城乡居民养老".
_NOT_AFTER_TOWNSHIP = frozenset(
    {"居民", "职工", "医保", "养老", "户口", "户籍", "企业", "人口", "低保", "社保", "个体", "灵活",
     "就业", "单位", "干部", "卫生", "医疗"}
)  # fmt: skip
#: "南村镇", "周村乡": a 村 right before the township word ends no village (not "村镇").
_VILLAGE_IN_TOWNSHIP = re.compile(r"(?:镇|乡)(?!上|里|下|干部|企业|卫生|政府的人)")
#: Characters that are words of their own (上, 下, 里) but also begin or sit inside place
#: names (上庄乡, 下村镇, 十里铺村): part of the name unless they close a word with the
#: character before them ("镇上", "村里", "这里").
_PLACE_SOFT = frozenset("上下里")
_SOFT_WORDS = frozenset(
    {"镇上", "村上", "乡上", "县上", "市上", "乡下", "村里", "镇里", "乡里", "县里", "市里", "城里",
     "这里", "那里", "哪里", "家里", "厂里", "组里", "队里", "网上", "线上", "手上", "马上", "路上",
     "街上", "身上", "早上", "晚上", "以上", "以下", "底下", "地下", "楼下", "楼上", "之上", "之下",
     "交上", "缴上", "补上", "加上", "心里", "手里", "屋里", "家下"}
)  # fmt: skip
#: Characters before a leading 上 / 下 / 里 that make it the start of the name ("住在上庄乡").
_SOFT_LEAD = frozenset("是在住于自到")


def _place_start(text: str, end: int, boundary: int, suffix: str) -> int:
    """Where the name before the place word at ``end`` starts (at most 4 characters)."""
    start = end
    while start > boundary and end - start < 4:
        ch = text[start - 1]
        before = text[start - 2] if start - 2 >= boundary else ""
        if ch in "村县" and start == end and suffix in ("镇", "乡"):
            if (before in _PLACE_STOP and before not in _PLACE_SOFT) or text[
                start - 3 : start - 1
            ] in _PLACE_STOP_BIGRAMS:
                break
            start -= 1  # "南村镇", "旧县镇": a 村 or 县 inside a township's name
            continue
        if ch in _PLACE_SOFT:
            if before + ch in _SOFT_WORDS:
                break
            if before and before in _PLACE_STOP and before not in _SOFT_LEAD:
                break
            start -= 1
            continue
        if ch in _PLACE_STOP or not ("\u4e00" <= ch <= "\u9fff" or ch.isalnum()):
            break
        if text[max(0, start - 2) : start] in _PLACE_STOP_BIGRAMS:
            break
        start -= 1
    return start


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


#: Legal forms that continue a name already found ("宏达集团" + "有限公司").
_LEGAL_FORM = frozenset({"有限责任公司", "股份有限公司", "有限公司", "分公司", "公司", "集团"})
#: Places people go to as patients, pupils or customers: named there, they are no employer
#: ("在县人民医院住院", "孩子在二中上学") unless the text says one works there.
_SERVICE_PLACES = frozenset({"医院", "卫生院", "学校", "中学", "小学", "幼儿园", "超市", "商场",
                             "酒店", "宾馆", "饭店"})  # fmt: skip
_AS_CUSTOMER = re.compile(
    r"住院|看病|治病|治疗|就医|就诊|检查|手术|开药|买药|拿药|报销|门诊|急诊|生孩子|分娩|上学|读书|念书|"
    r"上课|学费|体检|出院|病房|医生|大夫|买东西|购物|住了|住过|吃饭|转院|定点|报了销"
)
_AS_STAFF = re.compile(
    r"上班|工作|干活|打工|当|做工|做事|任教|教书|职工|员工|护士|老师|聘|入职|辞退|欠"
)


#: A public unit named by its level alone: "县供销社", "镇卫生院", "村小学".
_PUBLIC_UNIT = re.compile(r"[县市区镇乡村](?:供销社|信用社|卫生院|医院|中学|小学)")


def _as_customer(text: str, start: int, end: int) -> bool:
    around = text[max(0, start - 6) : start] + "|" + text[end : end + 8]
    return bool(_AS_CUSTOMER.search(around)) and not _AS_STAFF.search(around)


def _only_trades(name: str) -> bool:
    """Is ``name`` made of words that describe a kind of business ("劳务派遣", "商业保险")?"""
    can_end = [True] + [False] * len(name)
    for i in range(len(name)):
        if can_end[i]:
            for j in range(i + 1, min(len(name), i + 6) + 1):
                if name[i:j] in _GENERIC_TRADES:
                    can_end[j] = True
    return can_end[len(name)]


def employers(text: str) -> list[Found]:
    out: list[Found] = []
    for m in _EMPLOYER_SUFFIX.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        if any(f.start < m.end() and m.start() < f.end for f in out):
            continue
        if out and out[-1].end == m.start():
            if m.group(0) in _LEGAL_FORM:  # "宏达集团" + "有限公司": one name
                last = out.pop()
                out.append(Found("employer", text[last.start : m.end()], last.start, m.end()))
            continue  # "宏发建筑公司" + "项目部": the unit is the first
        boundary = out[-1].end if out else 0
        start = _extend_left(
            text, m.start(), 16, _EMPLOYER_STOP, _EMPLOYER_STOP_BIGRAMS, boundary,
            _EMPLOYER_SOFT_STOP,
        )  # fmt: skip
        if text[start : start + 1] in ("司", "社", "厂") and text[start - 1 : start] in "我本该贵":
            start += 1  # "我司福顺建材有限公司": 我司 is "our company"
        value = text[start : m.end()]
        if (m.start() - start < 2 and not _PUBLIC_UNIT.fullmatch(value)) or value in _NOT_EMPLOYERS:
            continue
        start += unit_start(value)
        value = text[start : m.end()]
        name_part = _GENERIC_PREFIX.sub("", text[start : m.start()])
        if (
            (len(name_part) < 2 and not _PUBLIC_UNIT.fullmatch(value))
            or _only_trades(name_part)
            or value in _NOT_EMPLOYERS
        ):
            continue
        if m.group(0) in _SERVICE_PLACES and _as_customer(text, start, m.end()):
            continue
        out.append(Found("employer", value, start, m.end()))
    return out
