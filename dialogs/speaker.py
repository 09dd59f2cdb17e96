"""Who reports: a unit (用人单位: its clerk, accountant or owner speaking for it) or a person.

A worker complaining ABOUT their employer ("我们公司没给我交社保") stays a person; a unit
speaking for itself ("我司", "本单位", "我是厂里的会计", a credit code) reports as a unit.
"""

from __future__ import annotations

import re

from nlu.types import Parse

#: Kinds of unit a clerk or an owner names their own by ("我们加油站", "咱这个煤矿").
UNIT_KINDS = (
    r"公司|单位|厂|企业|合作社|卫生院|医院|学校|门市|店|超市|饭店|酒店|宾馆|饭馆|餐馆|工地|诊所"
    r"|幼儿园|加油站|煤矿|矿|养殖场|农场|物业|车间|作坊|驾校|药房|商行|事务所|工作室|物流|建筑队"
)
#: Whom a unit pays contributions for ("给司机们申报", "为员工交").
_STAFF = (
    r"职工|员工|工人|单位职工|伙计|店员|雇的人|社员|司机|服务员|师傅|护士|老师|保安|保洁|学徒"
    r"|雇员|矿工|医生|工作人员"
)

#: An employer speaking: "我们公司…", "我是XX厂的会计", "本单位…".
EMPLOYER_SPEAKER = re.compile(
    r"(?:我是|我们是|我们这是|我这边是|我们这边是|这边是|这里是)[^，,。]{2,20}?(?:公司|厂|合作社|卫生院|医院|学校|门市部|超市|饭店|酒店|诊所|幼儿园|企业)的?(?![的]?(?:员工|职工|工人))"
    # "公司这边想问一下": the unit's side speaking.
    r"|^(?:公司|单位|厂里|企业|我方|我司)这边"
    r"|(?:我们|俺们|咱们|咱|俺)(?:是|这个|这家|是一家|是个|这)?(?:小)?(?:" + UNIT_KINDS + r")"
    r"|(?:我们|俺们|咱们)(?:是|这边是)?(?:做|搞|干|开)[^，,。的]{1,8}的"
    r"|(?:我|俺|咱)(?:们)?[^，,。我俺]{0,6}雇了"
    r"|个体(?:工商)?户.{0,24}(?:雇|伙计|店员|员工|职工|工人)"
    r"|我(?:自己)?(?:在[^，,。]{1,8})?开(?:了)?(?:个|一个|一家|家)[^，,。]{0,12}?"
    r"(?:公司|厂|店|超市|饭店|饭馆|菜馆|餐馆|诊所|合作社|铺|部)"
)
#: ... in their own words: sure even beside words a worker would use.
EMPLOYER_SURE = re.compile(
    r"本(?:公司|单位|企业|厂|司)|我(?:单位|公司|厂|社|院|司)(?!门口)|敝(?:司|公司|单位)"
    r"|作为(?:用人)?单位|(?:本|我们是|我们)用人单位|以单位(?:的)?名义|代表(?:公司|单位|企业|厂)"
    # A unit naming itself first: "云川县宏达公司反映：…", "用人单位申请…".
    r"|^[^，,。：:我俺]{0,24}(?:公司|单位|企业|厂|合作社)[,，:：]?(?:特此|现)?(?:反映|申请|要求|提出)"
    r"|(?:公司|厂|单位|企业|合作社|卫生院|医院|学校|门市部|店|超市|诊所)里?的?"
    r"(?:会计|出纳|财务|人事|老板|负责人|法人|经理|办事员|专员|行政|管社保|负责社保|经办人)"
    r"|我是.{0,16}?(?:会计|出纳|财务|人事|老板|老板娘|法人|法定代表人|负责人|办事员|厂长|院长|社长|店主|经办人|社保专员)"
    r"|(?:给|替|为)(?:" + _STAFF + r")(?:们)?(?:交|缴|申报|办|参保)"
    r"|(?:给|替|为)(?:全体|在职|参保)?(?:" + _STAFF + r")(?:们)?的?(?:社保|养老|医保|保险)"
    r"|单位(?:缴费)?账户|申报(?:的)?(?:缴费)?基数"
    # A unit answering a worker's claim ("其实我们每个月都给他交了"), a clerk sent by the boss.
    r"|(?:我们|俺们|咱们)[^，,。]{0,6}(?:都|一直|按时)给(?:他|她|他们|她们)(?:交|缴)了"
    r"|老板(?:让|叫|派)我(?:来)?(?:问|办|反映|咨询|登记)"
)
#: A worker's own matter ("没给我交", "我的社保"): not the unit's, even from its clerk.
#: "给我们" / "把我们" are not here: a unit says them of itself as often ("把我们算多了",
#: "给我们单位核定的基数"); workers who speak of themselves as a group are WORKER_VOICE's.
PERSONAL = re.compile(
    r"(?:给|把|拖欠|欠|辞退|开除|扣了?)(?:我|俺|咱)(?!们)|(?:我|俺|咱)们?的(?:社保|养老|医保|工资|保险)"
    r"|俺的"
    # A worker made to pay for the unit's lateness ("这钱凭啥我出", "让我自己交滞纳金").
    r"|凭(?:啥|什么)(?:让|要|叫)?(?:我|俺)(?!们)|(?:让|叫|要)(?:我|俺)(?!们)(?:自己)?(?:出|掏|补|承担)"
)
#: A worker speaking about their employer ("我们公司没给我交社保", "厂里欠着我们工人的").
WORKER_SPEAKER = re.compile(
    PERSONAL.pattern + r"|老板|辞退|开除|退休|打工|上班|干活|工友|同事"
    r"|(?:欠|拖欠|不给|没给|没有给|少给|克扣)了?(?:我们|俺们|咱们|大家|工人|职工|员工)"
    r"|(?:我们|俺们|咱们)(?:这些)?(?:工人|职工|员工)|(?:不给|没给|没有给)(?:交|缴|上|办)"
    # A base reported too low, contributions short: what workers hold against a unit.
    r"|报低|按最低|少报|漏报|少交|少缴|漏交"
)


#: Categories where the unit is the one complained about (欠费追缴、劳动关系): "我们公司" in
#: them is the worker's company, unless the unit clearly speaks for itself.
AGAINST_THE_UNIT = frozenset({"arrears", "labor_relation"})
#: ... but a unit chased for arrears by the collecting office disputes the demand itself
#: ("税务局追缴我们公司2019年的社保费", "稽核后让我们厂补缴"): then the unit may be speaking.
#: The unit must be the one chased ("追缴我们公司", "让我们厂补缴"): workers ask for
#: arrears to be chased too ("希望税务局追缴").
CHASED = re.compile(
    r"(?:追缴|催缴|稽核|稽查|清缴|强制执行|划扣|查封|冻结|追欠|要求|让|对)了?"
    r"(?:我们|我方|本|我|俺们|咱们)(?:" + UNIT_KINDS + r")"
    # "税务局说我们店…要追缴", "社保局说我们欠了三年": the collecting office's demand.
    r"|(?:税务|社保|医保|人社|劳动监察|稽核)[局所部门中心的人]{0,3}[非硬就又还]{0,2}"
    r"(?:说|称|通知|要求|让|找|查|催)(?:我们|我方|俺们|咱们)"
    # "我们企业被稽核了", "我们物业公司被要求补缴": the unit is the one chased.
    r"|(?:我们|我方|本|俺们|咱们)(?:" + UNIT_KINDS + r")[^，,。]{0,3}被(?:税务|社保|医保|人社)?[局所]?"
    r"(?:稽核|稽查|追缴|催缴|核定|要求|查出|查|罚|加收|处罚)"
)


#: A person saying who they are: a worker or a private person, not the unit ("俺是工人，不是
#: 单位的", "我是以个人身份反映的，不是代表单位"). Said at any point, it settles the kind.
PERSON_SELF = re.compile(
    r"(?:我|俺|咱)(?:就|只)?是(?:这个?|那个?)?(?:[^，,。不]{0,10}的)?(?:普通)?(?:工人|职工|员工|打工的|上班的|干活的"
    r"|矿工|农民工|临时工|个人|老百姓)"
    r"|(?:以|按|用)(?:我)?个人(?:的)?(?:身份|名义)|个人(?:身份|名义)(?:反映|投诉|登记|来)"
    r"|(?:我|俺|咱)(?:也|可|又|并)?不是(?:代表)?(?:单位|公司|厂|企业|用人单位)"
    r"|(?:^|[，,。！!；;])不是(?:代表)?(?:单位|用人单位)的?人?(?:[，,。！!；;]|$)"
    r"|不(?:是)?代表(?:单位|公司|厂|企业)"
)
#: A worker speaking of their workplace and its boss ("俺们厂老板拖欠工资", "我们公司老板不给交"):
#: "厂老板" is the worker's boss, not the owner speaking.
_OUR_BOSS = re.compile(
    r"(?:我们|俺们|咱们|我|俺|咱)(?:" + UNIT_KINDS + r")(?:里|的)?(?:的)?老板"
    r"|老板(?:一直|总是|就)?(?:拖欠|欠|不给|没给|克扣|扣)"
)


def person_speaks(text: str) -> bool:
    """The speaker says they report as a worker or a private person, not for a unit."""
    return PERSON_SELF.search(text) is not None


def employer_speaks(text: str, parse: Parse | None = None) -> bool:
    """An employer (a unit's clerk, accountant or owner) reporting for the unit."""
    if person_speaks(text) or _OUR_BOSS.search(text):
        return False
    if parse is not None and parse.first("credit_code") is not None:
        return True
    if EMPLOYER_SURE.search(text):
        return PERSONAL.search(text) is None
    chased = CHASED.search(text) is not None
    if (
        parse is not None
        and parse.category in AGAINST_THE_UNIT
        and not parse.uncertain
        and not chased
    ):
        return False  # "我们厂欠缴社保": arrears are reported by the unit's workers
    if EMPLOYER_SPEAKER.search(text) is None:
        return False
    if chased:
        # "税务非说俺们少报了基数": the short payment is what the unit is accused of.
        return PERSONAL.search(text) is None and _WORKER_LIFE.search(text) is None
    return WORKER_SPEAKER.search(text) is None


#: A worker's life at a unit (their boss, their workmates, their job): a unit chased by the
#: office is spoken of by its workers too ("厂里被稽核了，老板说要从我们工资里扣").
_WORKER_LIFE = re.compile(r"老板|工友|同事|打工|上班|干活|我们工资|俺们工资")


#: Words naming a unit: a story with one of them may be the unit's own.
UNIT_WORDS = re.compile(
    UNIT_KINDS + r"|集团|职工|员工|机构|协会"
    # Only a unit has a contribution rate, a credit code, a licence, declares for others.
    r"|费率|信用代码|营业执照|法人|申报"
)


#: A worker's own voice about a unit (their boss, their job, their workmates): a report
#: about the unit, not by it. Words of short payments (少缴、漏交、报低) are not here: a unit
#: says them of itself as often ("我们单位少缴了两个月，被加收滞纳金").
WORKER_VOICE = re.compile(
    PERSONAL.pattern + r"|老板|辞退|开除|打工|上班|干活|工友|同事"
    r"|(?:欠|拖欠|不给|没给|没有给|少给|克扣)了?(?:我们|俺们|咱们|大家|工人|职工|员工)"
    r"|(?:我们|俺们|咱们)(?:这些)?(?:工人|职工|员工)"
)


def unit_possible(text: str, category: str | None = None) -> bool:
    """A story that names a unit and is not a worker's complaint about one: the unit may be
    the one reporting (asked, as an optional credit code beside the ID number: it costs no
    question of its own, so it is asked whenever a unit may be speaking)."""
    if category in AGAINST_THE_UNIT and not CHASED.search(text):
        return False
    return bool(UNIT_WORDS.search(text) and not WORKER_VOICE.search(text))
