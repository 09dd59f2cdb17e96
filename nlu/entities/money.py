"""Amounts of money (yuan), the number of people affected, and groups of people with no number.

Money and people are told apart by their units and nouns, never by the size of the number:
"卡里差了几十块钱" is money, "几十号人" are people, "两千多" after a money word is money.
A group named without a number ("全厂工人", "大伙儿", "老人们") is a ``group`` entity (its words
as the value), not a ``people_count``: a count is a number the complainant said, and
inventing one (or a None that every reader must guard against) would be worse than saying
"a group" and letting the dialogue ask how many."""

from __future__ import annotations

import re

from nlu.entities.base import MAX_FOUND, Found
from nlu.entities.numbers import money_value, parse_number

#: Characters of a number token: digits, Chinese numerals and units, separators.
_NUM_CHARS = r"\d零〇一二两三四五六七八九十百千万亿几点,."
#: Characters a number token may not follow: a digit, numeral or unit (a separator may: "，二十几个").
_NUM_START = r"\d零〇一二两三四五六七八九十百千万亿几"
#: A number token: starts where no number character precedes (so a long digit run is tried
#: once, from its start, not from each of its digits) and is at most 16 characters long —
#: no nested or adjacent unbounded quantifiers, hence no catastrophic backtracking.
#: A comma belongs to a number only as a thousands separator, between digits ("3,000"): "1.2万，
#: 二十来个" is money and then people, not one number.
_NUM = rf"(?<![{_NUM_START}])(?:好(?=几))?[\d零〇一二两三四五六七八九十百千几](?:[{_NUM_START}点.]|(?<=\d),(?=\d)|好(?=几)){{0,15}}"
#: A count: a number token without separators ("员工共计36，…": the comma ends it).
_COUNT = rf"(?<![{_NUM_START}])(?:好(?=几))?[\d零〇一二两三四五六七八九十百千几](?:[\d零〇一二两三四五六七八九十百千万几]|好(?=几)){{0,15}}"
#: Whitespace between a number and its unit: a few characters at most.
_SP = r"\s{0,2}"
_CURRENCY_PREFIX = re.compile(rf"(?:￥|¥|人民币){_SP}({_NUM})")
# "3500元", "三千五百块钱", "1.2万元", "五百多块", "3千5块"
_WITH_UNIT = re.compile(rf"({_NUM}){_SP}(多|余|来|把)?{_SP}(元|块钱|块|圆|rmb|RMB)")
# "1.2万", "一万两千", "130余万元", "20多万", "1.2w", "9k": tens of thousands (or thousands) with
# no other unit — money unless people or things follow.
_WAN = re.compile(
    rf"({_NUM})(?:{_SP}(多|余|来))?(?:{_SP}(万|w|W|k|K)(?![A-Za-z]))?(?:{_SP}(?:元|块钱|块))?"
)
# "扣了3千5", "滞纳金交了四千多": a number right after a money word, no unit.
_CUE = re.compile(
    rf"(?:[多少](?:交|缴|扣|收|算|给|发|退)了?的?|(?:我|俺)的|一次|每次|一回|每回|一份|扣了?|扣我|交了?|缴了?|退了?|补缴|补交|罚了?|罚款|滞纳金|利息|多收了?|收了|收取了?|被收了?|刚说了|说过了?|少了|金额是?|钱|费用|共计|合计|一共|总共|花了|报销了?|工资|养老金|退休金|每月|每个月|一个月|欠了?|欠缴|差了?"
    rf"|月薪|薪水|薪资|底薪|基数|补贴|津贴|收入|挣|到手|少给了?|少发了?|多交了?|多缴了?|核定|应缴|应交|要交|得交|让交|让补|让我交|让我补|退还|返还|到账|账上|卡里|标准是?|按|发了?|拿了?|领了?|给了?"
    # "扣社保150", "医保每人380", "一年交的380": the insurance or the head it is paid for.
    rf"|(?:社保|医保|保险|保费|养老|医疗)费?|每人(?:每年|每月|每个月)?|一人|每年|一年|(?:交|缴|扣)的)"
    rf"{_SP}(?:是|有|了|要|都|才|就|只)?{_SP}({_NUM}){_SP}(多|余)?(?![{_NUM_START}点]|[.,](?=\d)|{_SP}(?:个|名|位|人|户|家|次|年|月|日|号|天|岁|%|点|小时|分|块|元|万))"
)
#: "两千多", "三千五", "好几千": a number with a magnitude word and no unit. In this domain it is
#: money unless a unit of people, time or things follows.
_MAGNITUDE = re.compile(
    rf"(?<![第号{_NUM_START}])((?:[一二两三四五六七八九几\d]|十)(?:[{_NUM_START}点.]|(?<=\d),(?=\d)){{0,8}})(多|余|来)?"
)
_NOT_MONEY_AFTER = re.compile(
    r"\s{0,2}(?:多|余|来)?\s{0,2}(?:个|名|位|号|人|户|家|次|步|斤|公里|里|米|亩|平|字|年|岁|天|日|号|月|周|"
    r"小时|分钟|分|秒|页|份|张|条|件|项|元|块|圆|%|％|倍|级|层|楼|期|批|届|辆|台|吨|项|遍|趟|回|口|头|只|"
    r"工|职工|员工|工人|村民|老人|农民工|群众|同事|工友|点|年级)"
)
#: People nouns after a number ("37名职工", "一百多户", "几十号人", "二十来个工友").
_PEOPLE_NOUN = (
    r"人(?!社(?!保)|民|事|大|寿|保|均|次)|工人|职工|员工|农民工|村民|老人|户|群众|家庭|工友|同事|兄弟|姐妹|伙计|乡亲|农户|居民|"
    r"临时工|合同工|派遣工|退休人员|退休职工|退休工人|老师傅|老师|教师|护士|司机|保安|保洁|学生|采茶工|"
    r"环卫工|矿工|建筑工|小工|老师傅|师傅|会员|社员|贫困户|低保户|五保户|人员|劳务工|新员工|老职工|老员工|口子人|口子|口人|"
    r"孩子|小孩|新生儿|实习生|服务员|帮工|雇工|工友|残疾人|家属|弟兄|哥们|姊妹|儿女|子女|"
    r"老乡|老汉|老太太|老太|大爷|大娘|婶子|学员|护工|保姆|厨师|店员|"
    r"民工|农民|职员|骑手|教职工|教职员工|雇员|学徒|技术员|业务员|营业员|"
    r"收银员|快递员|外卖员|送餐员|保育员|护理员|清洁工|装卸工|搬运工|钢筋工|木工|瓦工|电工|焊工|"
    r"挡车工|一线工人|住户|商户|个体户|党员|退役军人|病人|乡村医生|村医|代课老师|民办教师|病友|"
    r"妇女|女工|男工|老头|老太婆|小伙子|年轻人|家长|护林员|网格员|协管员|保洁员|环卫"
)
_PEOPLE = re.compile(
    rf"(?<!第)((?:成百上千|成千上万)的?|上百|上千|成百|近百|百十|数十|数百|数千|({_NUM}){_SP}(多|余|来|把)?){_SP}(?:个|名|位|号)?{_SP}(?:{_PEOPLE_NOUN})"
)
#: "职工56名", "二十来个都没交": a classifier of people with no noun after it.
_PEOPLE_BARE = re.compile(
    rf"(?<![哪第])(({_NUM}){_SP}(多|余|来)?){_SP}"
    r"(?:[名位](?!字|单|义|额|称|下|片|次|列|誉|牌|气|数|师|置|于|工作)"
    r"|[个口](?=[，。,.!！？?；;、\s)）]|$|都|全|也|一起|没|被|左右|"
    r"人都|人全|同事|工友|员工|职工|工人))"
)
#: "十几个退休的都没领到", "五个打零工的": a classifier and a "…的" naming the people.
_PEOPLE_DE = re.compile(
    rf"(?<![哪第])(({_NUM}){_SP}(多|余|来)?){_SP}(?:个|名|位)"
    r"(?:退休|下岗|内退|在职|离职|辞职|打工|打零工|干活|上班|种地|同村|同厂|同组|一起干活|一起进厂|"
    r"一块干活|外出打工|交了|没交|交过|参保|当兵|残疾|领养老金|领退休金)的"
    r"(?=[，。,.!！？?；;、\s]|$|都|也|全|没|一起)"
)
#: "涉及人数：38", "职工人数为56", "一家五口": a count after a word that says it counts people.
_PEOPLE_CUE = re.compile(
    rf"(?:(?:人数|总人数|(?:职工|员工|工人|人员)(?:数量|数)|涉及人员|涉及职工|涉及群众|一家|全家)"
    rf"(?:是|为|有|共|约|大概|大约|总共|一共|达到|达|超过|将近|近|约有)?"
    # "员工共计36", "职工合计四十五": a people noun and a word of counting, no unit
    rf"|(?:职工|员工|工人|农民工|村民|人员|临时工|老人|群众|住户|农户)"
    rf"(?:共计|合计|总计|一共有?|总共有?|共有|共))"
    rf"[:：]?{_SP}(({_COUNT}){_SP}(多|余|来)?)"
    rf"(?:{_SP}(?:人|名|位|口)|{_SP}个(?![月年天小钟星礼工期])"
    rf"|(?![{_NUM_CHARS}](?<![,.])|[,.]\d|{_SP}(?:个|年|月|日|号|天|岁|%|元|块|万|次|项|件|笔)))"
)
#: Three people said as 仨: "我们仨", "俺家仨人" (not "仨月": a person word must be near).
_TRIO = re.compile(r"(?:(?:我们|俺们|咱们|咱|俺家|我家|他们|她们|他家)仨人?|仨人)")
#: Two people said as a pair: "老两口", "我们俩", "夫妻俩".
_PAIR = re.compile(
    r"老两口|两口子|俺俩|我俩|我们俩|俺们俩|咱俩|他俩|她俩|他们俩|夫妻俩|娘俩|爷俩|母女俩|父子俩|母子俩|父女俩|兄弟俩|姐妹俩|姊妹俩"
    # "一人三百八，俩人一共七百六": 俩人 at the head of a clause is a count of people.
    r"|(?:^|(?<=[，,。；;\s]))俩人"
)
#: "3名外省籍职工", "12个返聘退休人员": a few words between the classifier and a noun that
#: ends like a person (…人 / …员 / …生 / …儿 / …工, not 工作 / 工资).
_PEOPLE_MODIFIED = re.compile(
    rf"(?<!第)(({_NUM}){_SP}(多|余|来)?){_SP}(?:个|名|位)(?:(?!的|人社|没|在|月|年|天|工作)[\u4e00-\u9fff]){{1,4}}?"
    r"(?:人员|职工|工人|员工|老人|家人|农民工|村民|居民|学生|教师|老师|护士|司机|工友|临时工|合同工|"
    r"派遣工|实习生|服务员|帮工|雇工|孩子|新生儿)"
)
#: A group of people affected, named without a number.
_GROUP = re.compile(
    r"(?:全厂|全体|全部|所有|全公司|全单位|全车间|整个车间|全矿|全村|全组|全队|全校|一整个?厂|全乡|全镇|"
    r"全社区|全小区|全班)的?"
    r"(?:工人|职工|员工|同事|工友|人|村民|老人|农民工|师傅|临时工|人员|教职工|老师)?"
    r"|(?:工人|职工|员工|工友|同事|村民|老人|乡亲|农民工|老师|兄弟|姐妹|伙计|老乡|临时工|社员|师傅|家长|老职工)们"
    r"|大伙儿?|大家伙儿?|一大帮|一大群|一帮人|一群人|一批人|大家(?=都|一起|伙|全)"
    r"|整个(?:厂子?|公司|单位|车间|村子?|矿|班组|组|小区|社区|乡|镇)的?(?:人|工人|职工|员工|村民|老人)?"
    # "不止我一个", "跟我一样的还有很多": the speaker is one of many
    r"|不(?:止|光|只|单)(?:是)?(?:我|俺)(?:们)?(?:一个人?|一家|一户|自己)"
    r"|(?:像我这样|跟我一样|和我一样|同我一样|跟俺一样)[^，。,.!?！？；;]{0,6}?(?:很多|好多|不少|多的是|一大堆|好些)"
    r"|家家户户|各家各户|挨家挨户|每家每户|(?:我们|俺们|咱们)?每个人(?=都)|人人(?=都)|老百姓(?=都|全)"
    r"|(?:这帮|那帮|咱这帮|我们这帮)(?:老)?(?:哥们|兄弟|工友|人|工人|老人|姐妹|老姐妹)"
    r"|(?:我们|俺们|咱们|咱)(?:这些)?(?:工人|职工|员工|农民工|临时工|工友|老职工|退休职工)"
    r"|(?:村里|组里|厂里|队里|矿上|咱村|我们村|俺村|俺们村|单位里?|公司里?|车间里?|班组里?|厂子里?"
    r"|(?:我们|俺们|咱们|咱|一个|同一个?)(?:村|组|队|班|班组|车间|厂子?|公司|单位|小区|社区|矿|学校|店))的?"
    r"(?:老人|村民|工人|职工|员工|人|群众|农户|老乡|低保户|贫困户|五保户|临时工|居民)"
    r"(?=(?:的?(?:社保|医保|养老保险|养老|保险|新农合|工资))?(?:都|全|一起|基本|大多|大部分|好多))"
    r"|(?:这些|那些|我们这些|俺们这些|咱们这些|咱这些|其他|其余|别的)(?:老)?(?:工人|职工|员工|工友|同事|"
    r"村民|老人|农民工|临时工|人|打零工的|打工的|干活的)"
    r"|(?:好多|很多|不少|许多|好些|一些|有些|大部分|大多数|绝大多数|多数|成批的?|大批的?)(?:的)?(?:工人|职工|员工|工友|同事|村民|老人|农民工|"
    r"老师|临时工|人)"
    r"|(?:一帮|一群|一批|一伙)[\u4e00-\u9fff]{0,3}?(?:工人|工|人|老人|职工|员工|村民|农民工)"
)
_GROUP_ALONE = frozenset({"全部", "所有", "全体"})
#: "其他人都交了", "别的工友的社保都补上了": others who are fine, the foil of a complaint
#: ("就我一个没交上"), not a group affected ("其他人都没交" is one).
_FINE_AFTER = re.compile(
    r"^(?:的社保|的保险|的养老|的医保)?(?:也都|都|全都|全)(?:已经)?(?:交|缴|补交|补缴|补上|有|正常|到账|退|办)"
    r"(?!不)"
)


def _value(token: str) -> float | None:
    value = parse_number(token)
    if value is None or value <= 0:
        return None
    return value


#: The numerals of financial writing (大写: "贰拾叁万元整"), one for one with the ordinary ones.
_CAPITALS = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟", "一二三四五六七八九十百千")


def amounts(text: str) -> list[Found]:
    out: list[Found] = []
    text = text.translate(_CAPITALS)  # same length: offsets stay those of the text

    def add(start: int, end: int, token: str) -> None:
        if token.endswith((",", ".")) and end == start + len(token):
            end -= len(token) - len(token.rstrip(",."))
        token = token.rstrip(",.")
        value = _value(token)
        if value is None or any(f.start < end and start < f.end for f in out):
            return
        if re.fullmatch(r"\d{11,}", token):  # a phone or ID number, not money
            return
        out.append(Found("amount", money_value(value), start, end))

    for m in _CURRENCY_PREFIX.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        end = m.end(1)
        tail = re.match(r"\s{0,2}(?:元|块钱|块)", text[end : end + 8])
        add(m.start(), end + (tail.end() if tail else 0), m.group(1))
    for m in _WITH_UNIT.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        add(m.start(1), m.end(), m.group(1))
    for m in _WAN.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        token, suffix = m.group(1).rstrip(",."), m.group(3)
        if suffix is None and "万" not in token:
            continue
        if suffix in ("w", "W", "k", "K") and not re.fullmatch(r"\d+(?:\.\d+)?", token):
            continue
        if _NOT_MONEY_AFTER.match(text, m.end()):
            continue
        value = _value(token)
        if value is None:
            continue
        if suffix is not None:
            value *= 1000 if suffix in ("k", "K") else 10_000
        if any(f.start < m.end() and m.start(1) < f.end for f in out):
            continue
        out.append(Found("amount", money_value(value), m.start(1), m.end()))
    for m in _CUE.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        token = m.group(1).rstrip(",.")
        value = _value(token)
        if value is None or value < 10 or re.fullmatch(r"(19|20)\d\d", token):
            continue
        add(m.start(1), m.end(), token)
    for m in _MAGNITUDE.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        token = m.group(1).rstrip(",.")
        # Only numbers said with a magnitude word (百 千 万): "3千5", "两千多", "八万".
        if not re.search(r"[百千万]", token) or re.fullmatch(r"[\d.,]+", token):
            continue
        if _NOT_MONEY_AFTER.match(text, m.end()):
            continue
        value = _value(token)
        if value is None or value < 100:
            continue
        add(m.start(1), m.end(), token)
    return sorted(out, key=lambda f: f.start)


def bare_count(text: str, *, people: bool = False) -> float | None:
    """The number in an answer that is only a number, with an optional unit or vagueness word:
    "三千五", "3500元", "二十来个", "30人左右", "一百多户" (None for anything else)."""
    s = re.sub(r"\s+", "", text)[:24]
    s = re.sub(
        r"^(?:大概|大约|约|差不多|估计|有|一共|共|总共|是|就|只有|只|光|就是|我们|俺们|咱们|我|俺|咱|"
        r"他|她|自己|本人)+",
        "",
        s,
    )
    s = re.sub(r"(?:左右|上下|的样子|吧|了|的)+$", "", s)
    s = re.sub(
        r"(?:元|块钱|块|圆|人民币|个人|个|名|位|号人|人|户|家)$",
        "",
        s.removeprefix("￥").removeprefix("¥"),
    )
    s = re.sub(r"(?:多|余|来)$", "", s)
    if not s and re.search(r"自己|本人|就我|只有我|俺自己", text):  # "只有我自己": one person
        return 1.0
    if not s or not re.fullmatch(rf"[{_NUM_CHARS}]+", s):
        return None
    return count_number(s) if people else parse_number(s)


#: Round counts said without a digit ("数十" reads like "几十": a conservative 20).
_ROUND = {"成百上千": 100.0, "成千上万": 1000.0, "上百": 100.0, "上千": 1000.0, "成百": 100.0, "近百": 90.0, "百十": 100.0,
          "数十": 20.0, "数百": 200.0, "数千": 2000.0}  # fmt: skip


#: A range said as two neighbouring numerals ("二三十", "三四个", "四五百", "十五六",
#: "一百五六十", "一两百") or as 三五 / 三两: people are counted by its LOWER bound (the
#: county's convention for 人数: the smallest number the complainant vouches for; "二十多" is
#: 20 and "十几" 10 alike).
_RANGE = re.compile(r"([一二两三四五六七八九])([二两三四五六七八九])(?=[十百千万]|$)")
_DIGIT_OF = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
#: "百八十" (80 to 100): said from the top; "百十" (about 100).
_SPOKEN_RANGES = {"百八十": 80.0, "百十": 100.0, "百把": 100.0, "千把": 1000.0}


#: A comma inside a number token that is not a thousands separator ("1,200" is one number).
_LIST_COMMA = re.compile(r",(?!\d{3}(?!\d))")


def count_number(token: str) -> float | None:
    """A count of people as said: the lower bound of a range ("二三十" -> 20, "十五六" -> 15,
    "三五个" -> 3, "十几二十" -> 10), else the number ("二十来" -> 20)."""
    if token in _SPOKEN_RANGES:
        return _SPOKEN_RANGES[token]
    if re.search(r"\d", token):
        return parse_number(token)
    m = _RANGE.search(token)
    if m and not re.search(r"[一二两三四五六七八九]", token[m.end() : m.end() + 1]):
        low, high = _DIGIT_OF[m.group(1)], _DIGIT_OF[m.group(2)]
        if high == low + 1 or (low, high) in ((3, 5), (3, 2)):
            # The range keeps its unit: "二三十" -> 二十, "十五六" -> 十五, "三两" -> 两.
            digit = m.group(2) if high < low else m.group(1)
            return parse_number(token[: m.start()] + digit + token[m.end() :])
    if re.search(r"几[一二两三四五六七八九]", token):  # "十几二十": the lower number, first
        head = token[: token.index("几") + 1]
        return parse_number(head)
    return parse_number(token)


#: The speaker counted beside the others: "我和另外三个工友", "除了我还有3个人", "俺跟两个
#:工友" (the count said names the others only). "我们五个", "连我在内6个" include the speaker.
_BESIDES_ME = re.compile(
    r"(?:(?<![们])(?:我|俺)(?:和|跟|同|带着)(?:另外|其他|别的)?的?"
    r"|除了?(?:我|俺)(?:自己)?(?:以外|之外)?[，,]?(?:还有|另有|另外还有|另外)?)$"
)
#: "…我的也扣多了，还有五个工友也一样": others besides the speaker, who is affected too.
_ALSO_ME = re.compile(r"(?:还有|另外还有|另外)$")
_ALSO_AFTER = re.compile(r"^[^，。,.;；]{0,8}?也")
_SINGULAR_ME = re.compile(r"(?:我|俺)(?!们)")


def _with_speaker(text: str, start: int, end: int) -> int:
    """1 when the count said at ``text[start:end]`` leaves out the speaker, who is one of
    the people affected; else 0."""
    before = text[max(0, start - 12) : start]
    if _BESIDES_ME.search(before):
        return 1
    if (
        _ALSO_ME.search(before)
        and _ALSO_AFTER.match(text[end : end + 10])
        and _SINGULAR_ME.search(text[max(0, start - 40) : start])
        and not re.search(r"(?:我|俺)们", text[max(0, start - 40) : start])
    ):
        return 1
    return 0


#: Candidates of one pattern looked at in a message (a real one holds a handful).
MAX_TRIED = 4 * MAX_FOUND


def people_counts(text: str) -> list[Found]:
    out: list[Found] = []
    for pattern in (_PEOPLE, _PEOPLE_MODIFIED, _PEOPLE_BARE, _PEOPLE_CUE, _PEOPLE_DE):
        for tried, m in enumerate(pattern.finditer(text)):
            if len(out) >= MAX_FOUND or tried >= MAX_TRIED:
                break  # "1人1人1人…": no message names more counts than this
            if any(f.start < m.end() and m.start() < f.end for f in out):
                continue
            head = m.group(1).removesuffix("的")
            if m.group(2) and m.group(2)[-1] in ",.":  # "年满六十，人社局…": no count
                continue
            start = m.start()
            if head in _ROUND:
                value: float | None = _ROUND[head]
            else:
                # "5万，二三十个": a comma that is no thousands separator ends the number
                # before it (the count is the one next to its people).
                token = m.group(2).rstrip(",.")
                last = _LIST_COMMA.split(token)[-1]
                if last != token:
                    start = m.start(2) + token.rfind(last)
                value = count_number(last)
            if value is None or value < 1 or value != int(value) or value > 1_000_000:
                continue
            value += _with_speaker(text, start, m.end())
            if value < 2:
                continue
            out.append(Found("people_count", int(value), start, m.end()))
    for pattern, value in ((_PAIR, 2), (_TRIO, 3)):
        for m in pattern.finditer(text):
            if len(out) >= MAX_FOUND:
                break
            if not any(f.start < m.end() and m.start() < f.end for f in out):
                out.append(Found("people_count", value, m.start(), m.end()))
    return sorted(out, key=lambda f: f.start)


def groups(text: str) -> list[Found]:
    """Groups of people named without a number ("全厂工人", "大伙儿", "一帮采茶工")."""
    out: list[Found] = []
    for m in _GROUP.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        words = m.group(0)
        if words in _GROUP_ALONE or _FINE_AFTER.match(text[m.end() : m.end() + 12]):
            continue
        out.append(Found("group", words, m.start(), m.end()))
    return out
