"""Readers of bare answers: the text typed for one question -> the draft fields it sets.

Each reader takes the answer (or one piece of a several-part answer, "李桂花，139…") and a
``Reading`` (the county, the draft, today, the menu item picked) and returns a ``Read``: the
fields to set, or a problem (one Chinese sentence: the question is asked again), or nothing
when the text is not this kind of answer. The rules for numbers live in ``identifiers``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dialogs import understand
from dialogs.context import DialogContext
from dialogs.names import NOT_NAME, is_talk
from dialogs.state import Draft, Profile
from identifiers import (
    bare_name,
    check_id_number,
    check_phone,
    credit_code_problem,
    digit_string,
    id_shaped,
    name_plausibility,
    normalise_credit_code,
    small_int,
)
from nlu.entities.money import count_number, people_counts
from nlu.entities.numbers import parse_number
from nlu.entities.periods import birth_year, dated_periods, english_months, joined_year
from nlu.types import CATEGORIES, INSURANCE_TYPES


@dataclass(frozen=True)
class Reading:
    ctx: DialogContext
    draft: Draft
    profile: Profile
    today: date
    #: The id of the menu item the user picked ("tw:2"), "" when none.
    choice: str = ""
    #: The slot asked when it was asked alone: its reader may take looser answers.
    asked_alone: str = ""


@dataclass(frozen=True)
class Read:
    """Fields to set (on the draft, or on the profile for the grid worker's own slots)."""

    updates: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.updates)


NOTHING = Read()
Reader = Callable[[str, Reading], Read]

_CJK = re.compile(r"[\u4e00-\u9fff]")
#: Digits as people type them in a number: ASCII, full-width, Chinese (幺 = 1), separators.
_NUMBER_RUN = re.compile(r"[+0-9０-９零〇○洞一幺二两三四五六七八九xXｘＸ\s\-－—]{7,40}")
_VALUE_PREFIX = re.compile(
    r"^(?:是|在|叫|我在|我是|俺是|咱是|就是|单位是|公司是|我们是|我们单位是|我们公司是|单位叫|公司叫"
    r"|名称是|全称是|全称叫|单位全称是)"
)
_TRAILING = re.compile(r"[\s，。！？、,.!?~…]+$")


def clean_value(text: str) -> str:
    value = _VALUE_PREFIX.sub("", text.strip())
    return _TRAILING.sub("", value).strip()


def number_runs(text: str) -> list[str]:
    """Stretches of the text that look like a typed number (phone, ID), longest first."""
    runs = [m.group(0).strip() for m in _NUMBER_RUN.finditer(text)]
    return sorted((r for r in runs if sum(ch.isdigit() for ch in r) >= 5 or _cn_digits(r)),
                  key=len, reverse=True)  # fmt: skip


def id_spans(text: str) -> list[tuple[int, int]]:
    """Where an ID number (or a credit code) is typed, spaces and dashes included: its digits
    are never a period, an amount or a count ("1405 2219 5011 2005 18" holds no 2005)."""
    spans = []
    for m in _NUMBER_RUN.finditer(text):
        digits = sum(ch.isdigit() for ch in m.group(0))
        if digits >= 15 or (digits >= 14 and re.search(r"[xXｘＸ]", m.group(0))):
            spans.append((m.start(), m.end()))
    return spans


def blank_ids(text: str) -> str:
    """``text`` with its ID numbers blanked out (same length: offsets still hold)."""
    for start, end in id_spans(text):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _cn_digits(run: str) -> bool:
    return sum(ch in "零〇○洞一幺二两三四五六七八九" for ch in run) >= 7


# --- description and category --------------------------------------------------------------


def read_description(text: str, r: Reading) -> Read:
    if understand.is_skip(text) or len(_CJK.findall(text)) < 4:
        return NOTHING
    return Read({"description": understand.tidy(text)})


def read_category(text: str, r: Reading) -> Read:
    label = r.choice[4:] if r.choice.startswith("cat:") else None
    label = label or understand.category_from_words(text)
    if label in CATEGORIES:
        return Read({"category": label, "category_sure": True})
    return NOTHING


# --- people ----------------------------------------------------------------------------------


#: A unit's clerk saying who they are ("我是厂里的会计刘晓燕", "会计 张丽").
CLERK = re.compile(
    r"会计|出纳|财务|人事|老板娘|老板|负责人|经理|办事员|专管员|法人|厂长|院长|社长|店主|经办人"
    r"|社保专员"
)


def read_clerk(text: str, r: Reading) -> Read:
    """The name of a unit's clerk, whose answer names their job: the report is the unit's."""
    if r.draft.proxy or not CLERK.search(text):
        return NOTHING
    rest = CLERK.split(text)[-1] or CLERK.split(text)[0]
    rest = re.sub(r"^(?:是|叫|我叫|姓名是?)", "", rest.strip(" ，,。：:"))
    found = read_name(rest, r) if rest else NOTHING
    if not found.ok:
        head = re.sub(r"^(?:我是|我叫|俺是)", "", CLERK.split(text)[0]).strip(" ，,。的")
        head = re.sub(r"^.{0,12}?(?:公司|厂|单位|合作社|卫生院|店|社|院)的?", "", head)
        found = read_name(head, r) if head else NOTHING
    if not found.ok:
        return NOTHING
    return Read({"name": found.updates["name"], "kind": "employer"})


#: "姓刘", "我姓刘": a surname only, not the full name the form needs.
_SURNAME_ONLY = re.compile(r"^(?:我|俺|他|她|本人)?姓[\u4e00-\u9fff]{1,2}$")


#: Words that introduce a name, besides those ``identifiers.bare_name`` knows ("大名", "叫做",
#: "登记人：") and what may follow it ("（女）").
_NAME_LEAD = re.compile(
    r"^(?:我的名字|我名字|名字|姓名|大名|全名|户主|登记人|联系人|申请人|反映人|我|俺|咱|本人)?"
    r"(?:叫做|就叫|叫个|名叫|叫|是)?[:：\s]*"
)
#: Each run of separators is tried from its start only: linear on a message of commas.
_NAME_TAIL = re.compile(r"(?<!\s)\s*+[（(][^）)]{0,8}[）)]\s*$|(?<![，,\s])[，,\s]++(?:女|男)$")


#: "姓王名建国", "姓王，名字叫建国": the surname and the given name said apart.
_SURNAME_THEN_GIVEN = re.compile(
    r"^(?:我|俺|本人)?姓([\u4e00-\u9fff]{1,2}?)[，,、\s]*(?:名字?叫?|叫)([\u4e00-\u9fff]{1,2})$"
)


def read_name(text: str, r: Reading) -> Read:
    """A personal name; a surname outside the list is taken but marked for checking."""
    text = text.strip()
    apart = _SURNAME_THEN_GIVEN.match(text)
    if apart:
        text = apart.group(1) + apart.group(2)
    lead = _NAME_LEAD.sub("", _NAME_TAIL.sub("", text))
    if lead != text and name_plausibility(lead) == "sure":
        text = lead
    if _SURNAME_ONLY.match(understand.squeeze(text)):
        return NOTHING
    if NOT_NAME.search(bare_name(text)) or understand.is_skip(text) or understand.agrees(text):
        return NOTHING
    if is_talk(text):
        return NOTHING  # "咋办", "转人工": talk, never a name
    verdict = name_plausibility(text)
    if verdict == "no":
        return NOTHING
    return Read({"name": bare_name(text), "name_unsure": verdict == "maybe"})


def read_worker_name(text: str, r: Reading) -> Read:
    found = read_name(text, r)
    return Read({"name": found.updates["name"]}) if found.ok else NOTHING


#: "他没有手机，有事打我电话就行": the villager is reached through the grid worker.
NO_PHONE = re.compile(
    r"没(?:有)?(?:手机|电话)|不会用手机|手机.{0,4}(?:没有|没得)|打我(?:的)?(?:电话|手机)"
    r"|(?:找|联系|打给)我|留我的|我的(?:电话|手机|号)"
)


def read_phone(text: str, r: Reading) -> Read:
    if r.draft.proxy and NO_PHONE.search(text):
        return Read({"contact_via_filer": True})
    return read_worker_phone(text, r)


def read_worker_phone(text: str, r: Reading) -> Read:
    for run in number_runs(text):
        if len(re.sub(r"\D", "", run)) >= 15 or re.search(r"[xXｘＸ]", run):
            continue  # an ID number
        checked = check_phone(run)
        return Read({"phone": checked.value}) if checked.value else Read(problem=checked.problem)
    return NOTHING


def read_id_number(text: str, r: Reading) -> Read:
    """An ID number; a unified social credit code typed where the ID was asked is kept as
    the code (one with letters, or all 18 digits like a 事业单位's that is no ID)."""
    code = re.search(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])", text)
    if code and (
        re.search(r"[A-Za-z]", code.group(0)[:17]) or code.group(0)[17] not in "0123456789Xx"
    ):
        return read_credit_code(code.group(0), r)
    for run in number_runs(text):
        compact = re.sub(r"[\s\-－—]", "", run)
        if len(compact) < 14 and (r.asked_alone != "id_number" or len(compact) >= 11):
            continue  # a phone number, not an ID
        checked = check_id_number(run, r.today)
        if checked.value:
            return Read({"id_number": checked.value})
        shaped = id_shaped(compact.upper(), r.today)
        as_code = read_credit_code(compact, r) if len(compact) == 18 and not shaped else NOTHING
        if as_code.ok:
            return as_code
        problem = (checked.problem or "").rstrip("。")
        return Read(problem=f"{problem}，请再核对一下。" if problem else None)
    return NOTHING


def read_credit_code(text: str, r: Reading) -> Read:
    m = re.search(r"[0-9A-Za-z][0-9A-Za-z\s\-]{16,30}[0-9A-Za-z]", text)
    if not m:
        return NOTHING
    code = normalise_credit_code(m.group(0))
    if len(code) != 18 or check_id_number(code, r.today).value:
        return NOTHING  # a valid resident ID is never checked as a credit code
    problem = credit_code_problem(code)
    if problem:
        return Read(problem=f"{problem.rstrip('。')}，请再核对一下。")
    return Read({"credit_code": code})


#: How the names of employers end (公司, 厂, 合作社, 卫生院, 个体户的字号…).
ORG_SUFFIX = re.compile(
    r"(?:公司|厂|单位|合作社|集团|商店|店|超市|医院|卫生院|学校|中心|站|所|局|部|场|矿|社|馆"
    r"|酒店|饭店|门市|企业|商行|工作室|工地|队|园|处|会|院|行|坊|铺|厅|楼|市场|基地|物业|银行"
    r"|车间|酒楼|诊所|药房|驾校|幼儿园|托儿所"
    # trade words a firm's short name ends with ("鑫源煤业", "宏发建材")
    r"|煤业|矿业|建材|物流|商贸|工贸|贸易|建筑|建工|建设|食品|化工|实业|科技|运输|餐饮|服饰|纺织"
    r"|机械|电子|农业|农牧|养殖|木业|石材|水泥|钢铁|能源|家具|汽修|置业|地产|劳务|保洁|家政|印务)$"
)
#: "在县城的宏达饭馆打工": the employer is where one works.
_WORKS_AT = re.compile(r"在([\u4e00-\u9fff]{2,20}?)(?:打工|上班|干活|工作|做工|干)")
_WORK_VERB_AFTER = re.compile(r"(?<=[公司厂矿店场站社院校行所队部])(?:打工|上班|干活|工作|做工|干)(?:的|了)?$")


def read_employer(text: str, r: Reading) -> Read:
    """An employer's name: said with its kind (…公司, …厂), or anything name-like when the
    question asked for it alone."""
    value = clean_value(text)
    works = _WORKS_AT.search(text) or _WORKS_AT.search(value)
    if works and ORG_SUFFIX.search(works.group(1)):
        value = works.group(1)
    else:  # "宏达煤矿上班": the verb after the name is not part of it
        value = _WORK_VERB_AFTER.sub("", value)
    # "在咱县宏达煤矿上班": 咱县 says where, not the name ("县化肥厂" alone is a name).
    value = re.sub(
        r"^(?:县里的|县城的|镇上的|村里的|(?:咱们|咱|我们|俺们|本)(?:县|镇|乡|村)(?:里|上)?的?"
        r"|我们|俺们|就是)",
        "",
        value,
    )
    if understand.is_skip(text) or understand.is_deny(text) or not 2 <= len(value) <= 40:
        return NOTHING
    if not _CJK.search(value) or understand.agrees(text) or number_runs(value):
        return NOTHING
    if is_talk(text) or understand.wants_person(text):
        return NOTHING  # "本人已同意", "别问了": a consent or a request, never a unit's name
    if not ORG_SUFFIX.search(value) and r.asked_alone != "employer":
        return NOTHING
    return Read({"employer": value})


def read_unit(text: str, r: Reading) -> Read:
    """The name of the unit that reports: with its kind (…公司) unless asked for alone; never
    the clerk's own words ("我是厂里会计")."""
    if CLERK.search(text) or re.search(r"我是|我姓|姓[\u4e00-\u9fff]$", text):
        return NOTHING
    alone = "employer" if r.asked_alone == "unit" else r.asked_alone
    return read_employer(text, Reading(r.ctx, r.draft, r.profile, r.today, r.choice, alone))


def read_consent(text: str, r: Reading) -> Read:
    if r.choice == "consent_yes":
        return Read({"consent": True})
    s = understand.squeeze(text)
    if r.choice == "consent_no" or re.search(r"没|不同意|不愿意|还没|不让|不肯", s):
        return Read({"consent": False})
    if understand.agrees(text) or re.search(r"同意|答应|愿意|让我(帮|替|给)", s):
        return Read({"consent": True})
    return NOTHING


# --- places ----------------------------------------------------------------------------------

#: A place as people say it: [county] [township] [village], each optional, ending in its kind.
_PLACE = re.compile(
    r"(?P<county>[\u4e00-\u9fff]{2,5}?(?:县|市|区|旗))?"
    r"(?P<town>[\u4e00-\u9fff]{1,6}?(?:镇|乡|街道|办事处|街办))?"
    r"(?P<village>[\u4e00-\u9fff\d]{1,8}?(?:村|社区|居委会|组|(?:庄|屯|寨|沟|湾|坪)村|庄|屯|寨))?"
)
_PLACE_NOISE = re.compile(
    r"^(?:我是|俺是|咱是|我在|俺在|住在|家在|我家在|是|在|就在|我们是|他是|她是)"
)


#: The words that name a place field or its change ("地址改成…", "乡镇是…", "村是…"): never
#: part of the value. A field word counts only where a clause begins ("凤城镇是…" is a place).
_PLACE_FIELD = re.compile(
    r"(?:^|(?<=[，,。；;、\s]))(?:我的|俺的|我们的?|俺们的?|我家的?|俺家的?)?"
    r"(?:家庭住址|住址|地址|所在地|乡镇|街道|社区|村子|村委会|村|镇|乡)(?:名|名字|名称)?"
    r"(?:也|就|应该|应)?(?:改成|改为|换成|更正为|写成|是|在|叫|为|[:：])"
    r"|改成|改为|换成|更正为|应该是"
)
#: "没有村", "不在村里": no village to give (a 跳过 for the village, never a village's name).
NO_VILLAGE = re.compile(r"(?:没有|没|无|不是|不在|不属于|不涉及)(?:村|社区|村子)(?:里)?")


def place_text(text: str) -> str:
    """A place answer without the words naming the field, its change or a missing village."""
    return NO_VILLAGE.sub("，", _PLACE_FIELD.sub("，", text))


@dataclass(frozen=True)
class Place:
    township: str | None = None
    village: str | None = None


def find_place(text: str, ctx: DialogContext, township_hint: str | None = None) -> Place:
    """The township and village named in a short answer: the county's own names (full, or
    their stem: "芹池" for 芹池村), else the place as given (首问负责: registered anyway)."""
    s = understand.squeeze(place_text(text))
    town = next((t for t in ctx.township_names if t in s), None)
    town = town or next((t for t in ctx.township_names if len(_stem(t)) >= 2 and _stem(t) in s),
                        None)  # fmt: skip
    said = _given_place(s)
    outside = township_hint is not None and township_hint not in ctx.township_names
    if town is None and (said.township or outside):
        # A township named that the county does not have (北留镇), or a village asked of one:
        # registered as given (首问责任制), never matched to a county name that looks alike
        # (北留镇大桥村 is not 北岭镇's 大桥村; 东关村 there is not 凤鸣镇's 东关社区).
        return said
    village = _gazetteer_village(s, ctx, town or township_hint)
    if village and not town:
        town = ctx.township_of_village(village) or (
            township_hint if village in ctx.villages_of(township_hint) else None
        )
    if town or village:
        if village is None:
            given = _given_place(s)
            village = given.village
        return Place(town, village)
    return _given_place(s)


def _gazetteer_village(s: str, ctx: DialogContext, township: str | None) -> str | None:
    villages = ctx.villages_of(township) if township else ()
    every = villages or tuple(v for _, vs in ctx.townships for v in vs)
    for name in every:
        if name in s:
            return name
    for name in every:
        stem = _stem(name)
        if len(stem) < 2 or stem not in s:
            continue
        # "芹池" / "芹池的" is 芹池村; "东关村" is not 东关社区, nor "北岭镇" a village: a name
        # said with a kind of its own that differs is another place (registered as given).
        kind = re.search(re.escape(stem) + r"(村|社区|居委会|庄|屯|寨|镇|乡|街道)", s)
        if kind is None or name == stem + kind.group(1):
            return name
    return None


def _given_place(s: str) -> Place:
    s = _PLACE_NOISE.sub("", s)
    best = Place()
    for m in _PLACE.finditer(s):
        if not m.group(0):
            continue
        county, town, village = m.group("county"), m.group("town"), m.group("village")
        if town:
            township = f"{county or ''}{town}"
        elif county and not village:
            township = county
        else:
            township = None
        found = Place(township, village if village and len(village) >= 2 else None)
        if (found.township or found.village) and not (best.township or best.village):
            best = found
    return best


def _stem(name: str) -> str:
    return re.sub(r"(镇|乡|街道|办事处|村|社区|居委会)$", "", name)


def read_township(text: str, r: Reading) -> Read:
    names = r.ctx.township_names
    if r.choice.startswith("tw:"):
        index = small_int(r.choice[3:])
        if index is not None and index < len(names):
            return Read({"township": names[index]})
    place = find_place(text, r.ctx)
    updates: dict[str, Any] = {}
    if place.township:
        updates["township"] = place.township
    if place.village and not r.draft.village:
        updates["village"] = place.village
    return Read(updates)


def read_village(text: str, r: Reading, township: str | None = None) -> Read:
    township = township or r.draft.township
    villages = r.ctx.villages_of(township)
    if r.choice.startswith("vil:"):
        index = small_int(r.choice[4:])
        if index is not None and index < len(villages):
            return Read({"village": villages[index]})
    place = find_place(text, r.ctx, township)
    updates: dict[str, Any] = {}
    value = place.village
    if value is None and not place.township:
        bare = clean_value(understand.squeeze(place_text(text)))
        if re.fullmatch(r"[\u4e00-\u9fff\d]{1,8}(?:村|社区|居委会|组|庄|屯|寨|沟|湾|坪|营)", bare):
            value = bare
    if value:
        updates["village"] = value
        if place.township and (not township or township not in r.ctx.township_names):
            updates["township"] = place.township
    return Read(updates)


def read_worker_village(text: str, r: Reading) -> Read:
    found = read_village(text, r, r.profile.township)
    updates = dict(found.updates)
    if "village" in updates and not r.profile.township:
        updates.setdefault("township", r.ctx.township_of_village(updates["village"]))
    if not updates:
        town = read_township(text, r).updates.get("township")
        if town:
            updates["township"] = town
    return Read({k: v for k, v in updates.items() if v})


# --- facts -----------------------------------------------------------------------------------


#: What is said NOT to be the case ("不是城乡居民的"): no evidence of anything.
_NEGATED = re.compile(r"(?:不是|并非|而不是|不属于)[^，,。；;、]*")
#: The employees' scheme said in words ("职工养老", "单位交的", "企业养老").
EMPLOYEE_SCHEME = re.compile(r"职工|企业(?:养老|医保|医疗)|单位(?:给|帮)?(?:交|缴)|在职")


def read_insurance(text: str, r: Reading) -> Read:
    text = _NEGATED.sub("", text)
    several = [] if r.choice.startswith("ins:") else understand.insurances_in(text)
    if len(several) > 1:
        # "养老、医疗、失业都有": every one kept; the first (as said) is the case's.
        return Read({"insurance_type": several[0], "insurance_types": several,
                     "scheme_open": False})  # fmt: skip
    key = r.choice[4:] if r.choice.startswith("ins:") else understand.insurance_from_words(text)
    if key is None and r.draft.scheme_open:
        # "单位交的" / "自己在村里交的": the answer to which scheme, the insurance already named.
        return read_scheme(text, r.draft)
    if key not in INSURANCE_TYPES:
        return NOTHING
    if key in ("pension", "medical") and EMPLOYEE_SCHEME.search(text):
        return Read({"insurance_type": key, "scheme_open": False, "insurance_types": []})
    inferred = resident_scheme(key, r.draft, text)
    # A button, or words naming the scheme, settle it; "养老保险" leaves it inferred (and
    # asked once, along with another question: ``form.scheme_to_ask``).
    open_ = (
        key in ("pension", "medical")
        and not r.choice.startswith("ins:")
        and not scheme_said(f"{r.draft.description or ''}{text}")
        and not r.draft.employer
    )
    return Read({"insurance_type": inferred, "scheme_open": open_, "insurance_types": []})


#: The residents' scheme said without naming the insurance ("自己交的", "村里收的").
RESIDENT_SCHEME = re.compile(
    r"居民|城乡|农村|新农|农合|合疗|自己(?:在村里|在社区)?(?:交|缴|掏)|个人(?:交|缴)"
    r"|村里|村委|社区(?:收|交|缴)|按年|每年|一年一|档次"
)


def read_scheme(text: str, draft: Draft) -> Read:
    """Which scheme the insurance named is in (asked as 单位交的职工… / 自己交的城乡居民…);
    NOTHING when the answer says neither."""
    base = (draft.insurance_type or "").removeprefix("resident_")
    if base not in ("pension", "medical"):
        return NOTHING
    text = _NEGATED.sub("", text)
    employee = EMPLOYEE_SCHEME.search(text) or re.search(r"单位|公司|厂|灵活就业|个体", text)
    resident = RESIDENT_SCHEME.search(text)
    if bool(employee) == bool(resident):
        return NOTHING
    key = base if employee else f"resident_{base}"
    return Read({"insurance_type": key, "scheme_open": False, "insurance_types": []})


#: The employees' scheme beyond doubt: a worker, a retiree from a unit, the self-employed
#: ("从厂里退休", "灵活就业", "工资里扣"): its scheme is not asked.
EMPLOYEE_SURE = re.compile(
    EMPLOYEE_SCHEME.pattern
    + r"|企业|员工|灵活就业|个体|(?:厂|公司|单位|矿|企业)[^，,。]{0,3}退休|工资里扣|扣工资|从工资"
)


def scheme_said(text: str) -> bool:
    """The scheme is beyond doubt in what was said (城乡居民 / 每年交 / 从厂里退休 / 灵活就业)."""
    return _RESIDENT_SURE.search(text) is not None or EMPLOYEE_SURE.search(text) is not None


#: Working for oneself: no employer to name ("灵活就业", "个体户", "自己交职工养老").
SELF_EMPLOYED = re.compile(r"灵活就业|个体(?:户|工商户)?(?!.{0,6}雇)|自由职业|自己交职工")


#: Villagers paying for themselves are in the residents' schemes (城乡居民养老 / 医保): a
#: yearly payment by grade, collected in the village, no employer...
_RESIDENT_HINT = re.compile(
    r"村里|村委|村干部|农村|农民|务农|种地|档次|每年交|一年交|一年一交|按年交|每年.{0,6}(?:交|缴)"
    r"|自己交|自己缴|个人交|老人|新农|农保|居民|城乡|合作医疗|低保|学生|在家|没(?:有)?(?:单位|工作)"
    r"|无业"
)
#: ... the surest of those, which outweigh an employer mentioned beside them.
_RESIDENT_SURE = re.compile(
    r"档次|每年.{0,6}(?:交|缴)|一年交|一年一交|按年交|村里.{0,4}(?:收|交|缴)|村委|新农|农保|居民"
)
#: ... employees (and the self-employed) in the employees' schemes: wages, an employer.
_EMPLOYEE_HINT = re.compile(
    r"单位|公司|厂|职工|员工|灵活就业|个体|上班|工资|企业|退休|在职|打工|用人|老板|扣工资"
    # Working for someone, said in other words: a shop, a site, a hiring, a leaving.
    r"|干活|店里|饭店|酒店|超市|工地|矿上|车间|雇|东家|入职|进厂|辞职|离职|开除|辞退|劳动合同"
    # Things only the employees' schemes have: a wage base, late fees, years of service,
    # a transfer of the insurance relation between employers' places.
    r"|基数|滞纳金|工龄|视同缴费|关系转|转移接续|转入|转出"
    # Paid by the month (the residents' schemes are paid once a year): a gap of months, a
    # monthly deduction; "社保" for one's own insurance is the workers' word; a scheme moved
    # from another province is a worker's.
    r"|(?:少|断|漏|缺|差)(?:交|缴)?了?[0-9一二两三四五六七八九十几半]{1,3}个?多?月"
    r"|每个?月(?:都)?(?:扣|交|缴)|社保(?!卡|局|中心|所|站|经办)|外省|转回|转过来|转不回|转不过"
)
#: Categories that only arise in the employees' schemes (a wage base, an employer's debts).
_EMPLOYEE_CATEGORIES = frozenset({"contribution_base", "late_fee", "arrears", "labor_relation"})


#: A sum paid or drawn each month at least this large is the employees' scheme: the
#: residents' pension pays a few hundred yuan a month and is paid for once a year.
EMPLOYEE_MONTHLY = 800.0
_MONTHLY = re.compile(
    r"(?:每月|每个月|一个月|月均|按月)[^，。,.；;]{0,8}?([0-9]{3,5}(?:\.[0-9]+)?|[一二三四五六七八九两][千仟][一二三四五六七八九]?(?:百)?)"
)


#: A pension of a few hundred yuan a month or less drawn: the residents' pension.
_SMALL_PENSION = re.compile(
    r"(?:每个?月|一个月|月)[^，。,]{0,4}(?:领|拿|发|给)[^，。,]{0,3}"
    r"(?:[一二两三四五六七]百|[1-7][0-9]{2}(?![0-9])|几十|[一二三四五六七八九]十)"
)


def _monthly_sum(text: str) -> float:
    """The largest monthly sum said (养老金每月1800, 一个月扣六百), 0 when none."""
    sums = [parse_number(m.group(1)) or 0.0 for m in _MONTHLY.finditer(text[:400])]
    return max(sums, default=0.0)


def resident_scheme(key: str, draft: Draft, text: str = "", *, settled: bool = False) -> str:
    """ "养老保险" / "医保" said without the scheme: the same words name two schemes run by
    different rules (职工 / 城乡居民), and routing groups them alike, so the scheme is
    inferred, never asked. Evidence of an employer (wages, 单位/公司/厂, an employer named)
    means the employees' scheme; a villager paying yearly by grade, 新农合, 居民 the
    residents'. ``settled``: the whole report is known (the summary): a person with no
    employer anywhere in it is taken to be in the residents' scheme."""
    if key not in ("pension", "medical") or draft.kind == "employer" or draft.employer:
        return key
    resident = "resident_pension" if key == "pension" else "resident_medical"
    said = f"{draft.description or ''}{text}"
    employee = (
        _EMPLOYEE_HINT.search(said) is not None
        or draft.category in _EMPLOYEE_CATEGORIES
        or _monthly_sum(said) >= EMPLOYEE_MONTHLY
    )
    if employee:
        return resident if _RESIDENT_SURE.search(said) else key
    if (
        draft.proxy
        or settled
        or _RESIDENT_HINT.search(said)
        or (key == "pension" and _SMALL_PENSION.search(said))
    ):
        return resident
    return key


def read_period(text: str, r: Reading) -> Read:
    spans = period_spans(text, r.today, bare=r.asked_alone == "period")
    if not spans:
        return NOTHING
    return Read({"period_start": spans[0], "period_end": spans[1]})


#: A year written out: 2019, 二〇一九; with ``bare`` (the period was asked) also "19年".
_YEAR = re.compile(r"(?<![\d.])(19[5-9]\d|20[0-4]\d)(?![\d.]|\s?(?:元|块|多|万|千|百|个|人|次))")
_CN_YEAR = re.compile(r"([一二][〇零○一二三四五六七八九]{3})年?")
_SHORT_YEAR = re.compile(r"(?<![\d年])([0-9]{2}|[〇零一二三四五六七八九]{2})年")


def full_year(short: int, today: date) -> int:
    """ "21年" is 2021; a year to come is of the last century ("98年" is 1998)."""
    return 2000 + short if 2000 + short <= today.year else 1900 + short


def _years(text: str, today: date, bare: bool) -> list[int]:
    """Every year written out, but not a birth year ("1963年生"), a month written in English
    ("March 2025": that month is a period of its own, never the whole year), nor the year one
    joined the employer when another period is said ("2019年进厂，从2021年开始没交")."""
    english = english_months(text)
    years: list[int] = []
    joined: list[int] = []
    matches = [*_YEAR.finditer(text), *_CN_YEAR.finditer(text)]
    if bare:
        matches += list(_SHORT_YEAR.finditer(text))
    for m in matches:
        end = m.end() + int(
            text[m.end() - 1 : m.end()] != "年" and text[m.end() : m.end() + 1] == "年"
        )
        if any(a <= m.start() < b for a, b in english):
            continue
        n = int(digit_string(m.group(1)) or 0)
        if len(m.group(1)) == 2:
            n = full_year(n, today)
        aside = joined_year(text, end) or birth_year(text, m.start(), end)
        (joined if aside else years).append(n)
    if joined and not years:
        others = [
            f
            for f, _ in dated_periods(text, today)
            if not joined_year(text, f.end) and not birth_year(text, f.start, f.end)
        ]
        years += [] if others else joined
    return [y for y in years if 1950 <= y <= today.year + 1]


def period_spans(text: str, today: date, *, bare: bool = False) -> tuple[str, str] | None:
    """The disputed period said in ``text``; several ("2016年和2017年") make one span.
    Spans with a year written out win over relative ones ("这两年") said beside them, and
    every year written out is inside the span ("2018到2020年", "19年到21年")."""
    text = text[:200]
    dated = dated_periods(text, today)
    found = [f for f, _ in dated]
    explicit = [
        f for f in found if re.search(r"\d{4}|[〇零一二三四五六七八九]{4}", text[f.start : f.end])
    ]
    # "去年断缴了五个月": the period that names its year wins over one counted back from today.
    chosen = explicit or [f for f, named in dated if named] or found
    starts = [str(f.value["start"]) for f in chosen]
    ends = [str(f.value.get("end") or f.value["start"]) for f in chosen]
    for year in _years(text, today, bare):
        if not any(a[:4] <= str(year) <= b[:4] for a, b in zip(starts, ends, strict=True)):
            starts.append(f"{year}-01-01")
            ends.append(f"{year}-12-31")
    if not starts:
        return None
    return min(starts), max(ends)


#: Which of several sums in a story is the one disputed. A sum said with what went wrong
#: ("多扣了100", "少交两百", "差了", "退") is; the speaker's own ("我的才2130") beats one said of
#: others ("同事的有2500"); a total paid ("交了6000"), a grade ("300档") and a wage ("工资
#: 6000") are only the background of a dispute.
_DISPUTED_BEFORE = re.compile(
    r"(?:多|少|重复|重|错)(?:交|缴|扣|收|算|给|发|退)|少了|差了?|欠|退(?:给|还|回)?|补|滞纳金|罚"
    r"|不该|冤枉|白交|白扣"
)
_OTHERS_BEFORE = re.compile(r"同事|别人|人家|他们|她们|其他人|其他|别的|工友|邻居|(?<![其])他|她")
_OWN_BEFORE = re.compile(r"(?:我|俺)(?!同事|们|家|单位|们单位|厂|公司)")
_WAGE_BEFORE = re.compile(r"工资|月薪|薪水|薪资|底薪|收入|到手|挣|年薪|基本工资")
_GRADE_AFTER = re.compile(r"^\s?(?:元|块)?\s?(?:的)?\s?(?:档|档次)")
_GRADE_BEFORE = re.compile(r"档次|档(?:是|的)?$|选的$")
_TOTAL_BEFORE = re.compile(r"一共|总共|合计|共计|总计|加起来")
_PER_MONTH_SAID = re.compile(r"每个?月|一个月|月月|按月")
#: A sum said per person ("一人三百八", "每人多收二十", "一个人收了四百").
PER_HEAD = re.compile(r"(?:一|每)个?人|每户|一户")
_PAID_BEFORE = re.compile(
    r"(?:一共|总共|共|全年|每年|一年)?(?:交了|缴了|交的|缴的|扣了|扣的)$|一共|总共|合计"
)


def amount_rank(text: str, start: int, end: int, value: float) -> tuple[int, float]:
    """Sort key of a sum said at ``text[start:end]`` (smaller first): the disputed sum of a
    story first, then the larger."""
    clause_start = max(text.rfind(c, 0, start) for c in "，,。；;！!？?\n") + 1
    before = text[clause_start:start]
    near = text[max(clause_start, start - 8) : start]
    after = text[end : end + 6]
    if _OTHERS_BEFORE.search(before) and not re.search(r"(?:我|俺)的", before[-4:]):
        rank = 5  # "我同事的养老金有2500": someone else's
    elif _WAGE_BEFORE.search(near) and not _DISPUTED_BEFORE.search(near):
        rank = 4
    elif _GRADE_AFTER.match(after) or _GRADE_BEFORE.search(near):
        rank = 3
    elif _DISPUTED_BEFORE.search(near) or (
        _TOTAL_BEFORE.search(near) and (_PER_MONTH_SAID.search(text) or PER_HEAD.search(text))
    ):
        # "每月多扣两百，一共两千四", "一人三百八，俩人一共七百六": the total of the monthly or
        # per-head sums is the disputed one.
        rank = 0
    elif _PAID_BEFORE.search(near):
        rank = 2
    elif _OWN_BEFORE.search(before):
        rank = 1
    else:
        rank = 1
    return rank, -value


_MONEY_TRIM = re.compile(
    r"^(?:大概|大约|约|差不多|一共|总共|共|是|有|扣了|交了|多交了|多扣了|多收了)"
    r"|(?:元|块钱|块|钱|左右|上下|多|来块)+$"
)


#: What an amount may be written with besides its digits: spaces, thousands separators, the
#: currency sign (a decimal point stays: "1.2万" is 12000, not 120000).
_MONEY_NOISE = re.compile(r"[\s,，￥¥。！!？?]+")


def read_amount(text: str, r: Reading) -> Read:
    value = _MONEY_TRIM.sub("", _MONEY_NOISE.sub("", text).lower())
    value = _MONEY_TRIM.sub("", value.rstrip("."))
    value = re.sub(r"^(?:多扣了|扣了我|退我|每次|每年|一年交)", "", value)
    number = parse_number(value) if value and len(value) <= 16 else None
    if number is None or number <= 0:
        return NOTHING
    return Read({"amount": float(number)})


_JUST_ME = re.compile(
    r"^(?:就|只有|只|光|只是|就是)?(?:我|俺|他|她|本人|这)(?:一个|1个|自己|一人|本人|一家)?(?:人)?$"
    r"|^(?:就|只有|只)?一个人$|^就一个"
)
#: "一共四十多号人", "厂里二十来个工人": a number of people inside a short answer.
_PEOPLE_IN = re.compile(
    r"([0-9一二两三四五六七八九十百千]{1,6})(?:多|来|几)?(?:个|名|位|号)?(?:人|工人|职工|员工|户|口)"
)
_PEOPLE = re.compile(
    r"^(?:有|一共|共|总共|大概|差不多)?([0-9一二两三四五六七八九十百千几]{1,6})(?:多|来)?(?:个|名|位)?(?:人|工人|职工|员工|户)?$"
)


_COUPLE = re.compile(
    r"俩|两口子|夫妻|我和(?:老伴|爱人|媳妇|老婆|丈夫|老公)"
    r"|^(?:就|只有)?(?:我|俺)(?:和|跟)(?:我|俺)?(?:家)?[\u4e00-\u9fff]{1,3}$"
)
_HOUSEHOLD = re.compile(r"([0-9一二两三四五六七八九十]{1,3})口")


#: Words that make a number a number of people ("三个人", "二十来户", "五名职工").
PERSON_WORDS = re.compile(
    r"人|名|位|户|口|工人|职工|员工|工友|同事|老人|农民工|伙计|社员|村民|家"
    r"|司机|师傅|保安|保洁|护士|老师|矿工|店员|学徒|雇员|服务员|临时工"
)
#: What a number that counts something else is followed by ("两次", "三个月", "第二户").
_NOT_PEOPLE_AFTER = re.compile(
    r"^(?:多|来|几)?(?:个)?(?:月|年|次|回|遍|天|号(?!人)|元|块|万|千|百|岁|档|小时|星期|礼拜)"
)


def people_phrase(text: str, start: int, end: int) -> bool:
    """Is the number at ``text[start:end]`` said of people? Only with a person word or
    classifier beside it ("三个人", "五名职工", "二十来户"), never an ordinal ("第二户"), a
    number of times or months ("交了两次") or a bare number ("三百八", "2222")."""
    if (start > 0 and text[start - 1] == "第") or re.search(
        r"(?:新的|下|这|那|另|又|每|上)$", text[max(0, start - 2) : start]
    ):
        return False  # "第二户", "新的一户", "下一户": which one, not how many
    said = text[start:end]
    after = text[end : end + 4]
    if _NOT_PEOPLE_AFTER.match(after):
        return False
    if re.search(r"我|俺|他|她|咱|几个|一个|[个名位]$", said) or re.search(
        r"(?:我|俺|咱)们$", text[:start]
    ):
        return True
    return PERSON_WORDS.search(said) is not None or re.match(
        r"^(?:多|来|几|余)?(?:(?:个|名|位|号)?(?:人|工人|职工|员工|户|口|工友|同事|老人|村民)"
        r"|(?:个|名|位)(?![\u4e00-\u9fff]))",
        after,
    ) is not None


def read_people(text: str, r: Reading) -> Read:
    """How many people the matter touches, by the county's convention (``nlu.entities.money``):
    a range counts by its lower bound ("二三十个" -> 20), the speaker is counted when the
    number names only the others ("我和另外三个工友" -> 4), households count as said. A bare
    number is a count of people only when that alone was asked ("一共涉及几个人？" "3"):
    answering a question that asked money too, or a menu, it is not (``people_phrase``)."""
    s = re.sub(r"(?:吧|呢|啊|呀|吧我看|左右|上下|的样子|差不多)+$", "", understand.squeeze(text))
    if _JUST_ME.search(s):
        return Read({"people_count": 1})
    if re.search(r"第[0-9一二两三四五六七八九十]", s):
        return NOTHING  # "第二户": which one, not how many
    if (
        (r is None or r.asked_alone != "people_count")
        and not any(
            people_phrase(s, m.start(), m.end())
            for m in re.finditer(r"[0-9一二两三四五六七八九十百千几]+", s)
        )
        and not _COUPLE.search(s)
    ):
        return NOTHING
    said = [f for f in people_counts(text[:80]) if people_phrase(text, f.start, f.end)]
    if said:
        return Read({"people_count": int(max(f.value for f in said))})
    m = _HOUSEHOLD.search(s)
    if m:
        number = parse_number(m.group(1))
        if number is not None and 1 <= number <= 30:
            return Read({"people_count": int(number)})
    if _COUPLE.search(s) and len(s) <= 12:
        return Read({"people_count": 2})
    s = re.sub(r"(?<=[十百千])(?:几|多|来|余)", "", s)
    m = _PEOPLE.match(s) or (_PEOPLE_IN.search(s) if len(s) <= 20 else None)
    if m:
        number = count_number(m.group(1))
        if number is not None and 1 <= number <= 1_000_000 and number == int(number):
            return Read({"people_count": int(number)})
    return NOTHING
