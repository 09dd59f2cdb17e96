"""Every sentence the bot says, in one place: warm, short, Simplified Chinese."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from backend.drafts import CaseView, OpenedCase
from dialogs.context import DialogContext, Hotline
from dialogs.state import Draft, Profile
from identifiers import mask_id, mask_text
from nlu.types import CATEGORY_NAMES, INSURANCE_TYPES

FIELD_LABELS: dict[str, str] = {
    "description": "情况",
    "category": "问题类型",
    "name": "姓名",
    "phone": "电话",
    "id_number": "身份证号",
    "credit_code": "统一社会信用代码",
    "employer": "单位",
    "township": "乡镇",
    "village": "村（社区）",
    "insurance_type": "险种",
    "period": "时间",
    "period_start": "时间",
    "period_end": "时间",
    "amount": "金额",
    "people_count": "人数",
    "worker_name": "您的姓名",
    "worker_phone": "您的电话",
    "worker_village": "您负责的村",
    "consent": "本人同意",
    "contact_person": "联系人",
}

SKIP_HINT = "不方便可以回复「跳过」。"


def greeting(ctx: DialogContext) -> str:
    return f"您好！我是{ctx.county_name}社保费争议受理小助手，缴社保费遇到的难处可以跟我说。"


def privacy(ctx: DialogContext) -> str:
    return f"【个人信息说明】{ctx.privacy_notice}"


def privacy_for_grid_worker(ctx: DialogContext) -> str:
    return f"【个人信息说明】{ctx.privacy_notice}代办时请向群众说明，并征得本人同意。"


PRIVACY_ASK = "您同意的话请回复「同意」，我接着帮您登记。"
PRIVACY_REMIND = "登记前需要您先同意上面的个人信息说明，回复「同意」就行。"
#: The notice shown, then reminded twice, and the user went on telling their matter: the
#: window goes on (registering a complaint is the agencies' statutory duty; the notice is what
#: must be given), saying so and how to withdraw.
PRIVACY_TAKEN_AS_READ = (
    "您一直在说情况，我就按上面的个人信息说明接着帮您登记。"
    "如果不想登记了，随时回复「取消」，已记下的内容会全部删掉。"
)
PRIVACY_DECLINED = (
    "好的，不记录您的信息。您也可以到县政务服务中心税务窗口当面反映，或拨打12345热线。"
)
PRIVACY_THEN_ASK = "谢谢您的信任。"
#: A no to the notice over the ID number: it can be left out, so the consent is asked again.
PRIVACY_ID_OPTIONAL = (
    "身份证号不方便给的话可以不填，问到时回复「跳过」就行；姓名、电话和乡镇村还是要记下，"
    "工作人员才能联系您、办理您的事。"
)
#: Why details are asked (a question at the privacy notice, "为什么要身份证").
PRIVACY_WHY = (
    "这些信息只用来登记和办理您反映的事：姓名和电话用来联系您、告诉您办理结果，乡镇村用来确定"
    "由哪里的部门办理，身份证号用来核实身份、查缴费记录。身份证号不方便的话可以不填（回复「跳过」）。"
    "信息只给负责办理的部门看，不会公开。"
)
ASK_PROBLEM = "请用自己的话说说遇到了什么问题，比如哪个单位、哪段时间、扣了多少钱。"
ASK_PROBLEM_PROXY = "请说说被代办人遇到了什么问题。"


def ask_problem_again(proxy: bool) -> str:
    """The story asked again after a message of details only (the details are taken)."""
    return "请再说说被代办人遇到了什么问题。" if proxy else "请再说说遇到了什么问题。"


def question(names: list[str], draft: Draft | None, profile: Profile, ctx: DialogContext) -> str:
    """The question for the slots asked now: one slot's own question, or one sentence asking
    several things ("请告诉我您的姓名和联系电话。")."""
    if len(names) == 1:
        return ctx.question_text(names[0]) or _single(names[0], draft, profile)
    proxy = bool(draft and draft.proxy)
    who = "被代办人" if proxy else "您"
    unit_code = (
        "credit_code" in names and "id_number" in names and not (draft and draft.kind == "employer")
    )
    scheme = scheme_question(draft, who) if "insurance_type" in names else ""
    parts = [
        _part(name, draft, who) + ("（代表单位反映的，请给单位的统一社会信用代码）" if
                                   unit_code and name == "id_number" else "")
        for name in names
        if name != "consent" and not (unit_code and name == "credit_code")
        and not (scheme and name == "insurance_type")
    ]  # fmt: skip
    text = f"请告诉我{_join(parts)}。" if parts else ""
    text += scheme
    if "phone" in names and proxy:
        text += "没有手机的话说一声，可以留您的电话。"
    optional = [n for n in names if n in OPTIONAL_IN_GROUP and n != "credit_code"]
    if optional and len(optional) == len([n for n in names if n not in ("consent", "credit_code")]):
        text += "不清楚的说「不知道」就行。"
    elif optional:
        labels = "、".join(_SHORT.get(n, FIELD_LABELS.get(n, n)) for n in optional)
        text += f"{labels}不清楚可以说「不知道」。"
    if "consent" in names:
        text += _single("consent", draft, profile)
    return text


#: Slots a grouped question says may be left out.
OPTIONAL_IN_GROUP = frozenset({"village", "id_number", "insurance_type", "period", "amount",
                               "people_count", "credit_code", "worker_village",
                               "employer"})  # fmt: skip

#: Short names of the parts a question may leave out ("村（社区）、身份证号不清楚可以说…").
_SHORT = {"employer": "单位", "village": "村", "id_number": "身份证号", "insurance_type": "险种", "period": "时间",
          "amount": "金额", "people_count": "人数", "worker_village": "负责的村"}  # fmt: skip

_PARTS = {
    "worker_name": "您的姓名",
    "worker_phone": "您的手机号",
    "worker_village": "您负责的村（社区）",
    "unit": "单位全称",
    "credit_code": "统一社会信用代码",
    "contact_person": "联系人的姓名",
    "name": "{who}的名字",
    "phone": "联系电话",
    "township": "所在乡镇（街道）",
    "village": "村（社区）",
    "id_number": "{who}的身份证号",
    "insurance_type": "是哪种保险（养老、医疗、失业、工伤、生育）",
    "period": "大概是哪段时间的事",
    "amount": "涉及多少钱",
    "people_count": "涉及几个人",
}


#: The insurance named, its scheme to ask: (the word people use, employees', residents').
_SCHEMES = {
    "pension": ("养老保险", "职工养老", "城乡居民养老"),
    "medical": ("医保", "职工医保", "城乡居民医保"),
}


def scheme_question(draft: Draft | None, who: str) -> str:
    """ "养老保险" named without its scheme: which one, asked as its own sentence after the
    question it rides on ("" when the insurance is not yet named or its scheme was said)."""
    if draft is None or not draft.scheme_open or len(draft.insurance_types) > 1:
        return ""
    key = (draft.insurance_type or "").removeprefix("resident_")
    if key not in _SCHEMES:
        return ""
    word, employee, resident = _SCHEMES[key]
    return (
        f"另外，{who}的{word}是单位（或按灵活就业）交的{employee}，"
        f"还是自己在村里（社区）交的{resident}？"
    )


def _part(name: str, draft: Draft | None, who: str) -> str:
    if name == "employer":
        return f"{who}的单位（公司）名称"
    if name == "people_count" and draft is not None and draft.group:
        return "大概涉及多少人"
    return _PARTS.get(name, FIELD_LABELS.get(name, name)).format(who=who)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return "、".join(parts[:-1]) + "和" + parts[-1]


def _single(field: str, draft: Draft | None, profile: Profile) -> str:
    proxy = bool(draft and draft.proxy)
    who = "被代办人" if proxy else "您"
    if field == "worker_name":
        return "网格员您好！第一次代办，先登记您自己的信息（只问这一次）。请问您的姓名？"
    if field == "worker_phone":
        return "您的手机号是多少？"
    if field == "worker_village":
        return "您负责哪个村（社区）？"
    if field == "description":
        return ASK_PROBLEM_PROXY if proxy else ASK_PROBLEM
    if field == "category":
        return "您反映的问题更接近哪一类？回复数字或文字都行。"
    if field == "name":
        return "请问被代办人叫什么名字？" if proxy else "请问您叫什么名字？"
    if field == "contact_person":
        return "请问联系人怎么称呼（姓名）？"
    if field == "phone":
        if proxy:
            return "被代办人的联系电话是多少？没有手机的话说一声，可以留您的电话。"
        return "留个联系电话吧，方便工作人员联系您。"
    if field == "township":
        return f"{who}是哪个乡镇（街道）的？"
    if field == "village":
        return f"哪个村（社区）？{SKIP_HINT}"
    if field == "id_number":
        return f"{who}的身份证号是多少？用来核实身份，{SKIP_HINT}"
    if field == "credit_code":
        return f"单位的统一社会信用代码是多少？{SKIP_HINT}"
    if field == "unit":
        return "贵单位的全称是什么？"
    if field == "employer":
        return "是哪个单位（公司）？不知道可以回复「跳过」。"
    if field == "insurance_type":
        return "是哪种保险？不清楚可以回复「跳过」。"
    if field == "period":
        return "大概是哪段时间的事？比如「2023年3月到6月」，不记得可以回复「跳过」。"
    if field == "amount":
        return "涉及多少钱？不清楚可以回复「跳过」。"
    if field == "people_count":
        if draft is not None and draft.group:
            return f"您说的{draft.group}，大概有多少人？说个大概数就行，不清楚可以回复「跳过」。"
        return "一共涉及几个人？不清楚可以回复「跳过」。"
    if field == "consent":
        name = draft.name if draft and draft.name else "被代办人"
        return f"另外确认一下：{name}本人知道个人信息说明、同意由您代为反映吗？"
    return "还有什么要补充的吗？"


def privacy_ask(question_text: str) -> str:
    """The consent request, with the first question when there is one."""
    if not question_text:
        return PRIVACY_ASK
    if question_text.startswith("请告诉我"):
        return f"您同意的话，请回复「同意」，并告诉我{question_text.removeprefix('请告诉我')}"
    return f"您同意的话，请回复「同意」。{question_text}"


REQUIRED_NOT_SKIPPABLE = "这一项需要填写，工作人员才能联系上并办理。"
#: Why a required slot is asked, said when the answer is "跳过" / "不知道".
WHY_NEEDED: dict[str, str] = {
    "township": "乡镇（街道）用来确定由哪里的部门办理，说个大概的地方就行，比如镇名或村名。",
    "name": "登记表上要写反映人的姓名，工作人员才能核实和答复。",
    "contact_person": "登记表上要写单位联系人的姓名，工作人员才能联系核实。",
    "worker_name": "代办要登记网格员的姓名，办理进展会告诉您。",
    "phone": "电话用来告诉您办理进展和结果，工作人员也要电话核实情况。",
    "unit": "单位全称用来确定由谁办理、核对缴费记录。",
    "description": "请简单说说遇到的问题，工作人员才知道怎么办理。",
    "consent": "代办需要本人同意，请问本人同意了吗？",
}


def why_needed(slot: str) -> str:
    return WHY_NEEDED.get(slot, REQUIRED_NOT_SKIPPABLE)


def left_to_staff(labels: list[str]) -> str:
    return f"好的，{'、'.join(labels)}先空着，工作人员联系您时再核实。"


NOT_UNDERSTOOD = "不好意思，没太看明白。"
NEW_ONE = "好的，这是一件新的反映，单独登记，不影响前面那件。"
FULL_NAME_PLEASE = "登记需要身份证上的全名，比如“李德福”，麻烦再说一下。"
CANCEL_ASK = "确定不反映了吗？已经填的内容会删掉。"
CANCEL_DONE = "好的，已取消，刚才填的内容已删除。什么时候想反映，直接跟我说就行。"
CANCEL_KEPT = "好的，我们接着来。"
NOTHING_TO_CANCEL = "好的。有需要随时跟我说。"
CONSENT_MISSING = "需要本人同意才能代办。征得同意后回复「本人已同意」就行，已填的内容先给您留着。"
EDIT_HINT = (
    "要改哪一项，直接告诉我就行，比如「电话改成139……」「名字改成张桂兰」「不是滞纳金，是退费」。"
)
OPEN_FAILED = "不好意思，系统开了个小差，没提交成功。您填的内容都还在，请稍后回复「确认」再试一次。"
LOOKUP_ASK_LAST4 = "为保护个人信息，请告诉我当事人手机号的后4位。"
LOOKUP_WRONG_LAST4 = "手机号后4位对不上，无法查询。请核对后再试。"
LOOKUP_LOCKED = "核对次数太多了，为安全起见暂时不能查询这件。可以联系承办单位或拨打12345。"
LOOKUP_ASK_NUMBER = "请发一下案件编号，比如 YC-2026-000123。"
FOLLOW_UP_NEW_MATTER = (
    "上面是您已登记的事的办理情况。如果这次要反映的是另一件新的事，直接说说情况就行。"
)
LOOKUP_ASK_FULL_NUMBER = "请发一下完整的案件编号（登记时发给您的，字母开头，比如 YC-2026-000123）。"
NO_CASES = "您还没有通过这里反映过问题。需要反映的话，直接说情况就行。"
THANKS_REPLY = "不客气，有需要随时找我。"
THANKS_FEEDBACK = "感谢您的评价！有别的问题随时找我。"


def resume(draft: Draft) -> str:
    got = "、".join(
        FIELD_LABELS[f] for f in draft.filled() if f in FIELD_LABELS and f != "period_end"
    )
    held = f"（已记下：{got}）" if got else ""
    return f"欢迎回来！您上次的反映还没提交{held}。接着填，还是重新开始？"


HOW_TO_REPORT = "在这里直接跟我说就行，我一步步帮您登记，登记后有案件编号，办理进展也在这里告诉您。"


def help_text(ctx: DialogContext) -> str:
    return (
        "我可以帮您：\n"
        "1. 反映缴社保费遇到的问题（扣费不对、滞纳金、退费、缴费记录、单位欠缴等），直接说情况就行；\n"
        "2. 查询办理进度，发送案件编号就行，比如 YC-2026-000123；\n"
        "3. 网格员代办：说「我是XX村网格员，帮XXX反映」。\n"
        "填到一半不想弄了，回复「取消」。"
    )


def _wages_hotline(ctx: DialogContext) -> Hotline | None:
    """The county's hotline whose keywords speak of wages (工资)."""
    return next((h for h in ctx.hotlines if any("工资" in k for k in h.keywords)), None)


def wages_aside(ctx: DialogContext) -> str:
    """A story of unpaid wages beside a fee matter: the fee matter is registered here, the
    wages go to the labour inspectorate (the county's wages hotline, 12333)."""
    topic = dict(ctx.consultation_hotlines).get("wages")
    chosen = (ctx.hotline(topic) if topic else None) or _wages_hotline(ctx)
    number = chosen.number if chosen is not None else "12333"
    return f"拖欠工资的事请向劳动保障监察反映（电话 {number}）；社保的问题我这里帮您登记。"


def referral(ctx: DialogContext, text: str, insurance: str | None = None) -> str:
    """Where an out-of-scope question goes: the payment hotline for how much / where to pay
    (``insurance="payment"``), a hotline whose keywords it says, else the one the county names
    for questions about its insurance type, else 12345."""
    topic = dict(ctx.consultation_hotlines).get(insurance or "")
    chosen = ctx.hotline(topic) if topic and insurance in ("payment", "wages") else None
    chosen = chosen or next(
        (h for h in ctx.hotlines if any(k and k in text for k in h.keywords)), None
    )
    if chosen is None and insurance == "wages":
        # Wages said in other words (工钱、薪水): the office whose keywords speak of wages.
        chosen = _wages_hotline(ctx)
    chosen = chosen or (ctx.hotline(topic) if topic else None)
    if chosen is not None:
        return (
            f"这个问题不归我们这里办，建议您咨询{chosen.name}，电话 {chosen.number}。"
            "社保费缴纳方面的问题可以随时找我。"
        )
    general = next(
        (h for h in ctx.hotlines if h.number == "12345" or h.topic in ("general", "12345")), None
    )
    if general is None:
        number = "12345政务服务便民热线"
    else:  # "12345政务服务便民热线" already says its number: never "…热线 12345"
        number = (
            general.name if general.number in general.name else f"{general.name} {general.number}"
        )
    return f"这个我帮不上忙，建议您拨打{number}咨询。社保费缴纳方面的问题可以随时找我。"


def category_name(label: str | None) -> str:
    return CATEGORY_NAMES.get(label or "other", "其他征缴争议")


def _period(draft: Draft) -> str | None:
    if not draft.period_start:
        return None
    start = _month(draft.period_start)
    end = _month(draft.period_end) if draft.period_end else None
    return start if not end or end == start else f"{start}至{end}"


def _month(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月"


def summary(draft: Draft, profile: Profile, ctx: DialogContext) -> str:
    """The draft as the user checks it: their own phone in full (it is theirs and it must be
    right); other numbers masked, as everything that leaves this chat."""
    desc = mask_text(draft.description or "")
    if len(desc) > 80:
        desc = desc[:80] + "……"
    lines = ["请核对一下：", f"问题类型：{category_name(draft.category)}", f"情况：{desc}"]
    if draft.kind == "employer":
        lines.append(f"反映单位：{draft.employer or '—'}")
        if draft.credit_code:
            lines.append(f"统一社会信用代码：{draft.credit_code}")
        lines.append(f"联系人：{draft.name or '—'}")
    else:
        who = "被代办人" if draft.proxy else "姓名"
        unsure = "（这个姓不常见，请核对名字写得对不对）" if draft.name_unsure else ""
        lines.append(f"{who}：{draft.name or '—'}{unsure}")
    if draft.phone:
        lines.append(f"电话：{draft.phone}")
    elif draft.contact_via_filer and draft.proxy:
        lines.append(f"电话：没有手机，联系代办网格员（{profile.phone or ''}）")
    else:
        lines.append("电话：—")
    if draft.id_number:
        lines.append(f"身份证号：{mask_id(draft.id_number)}")
    if draft.credit_code and draft.kind != "employer":
        lines.append(f"统一社会信用代码：{draft.credit_code}")
    place = (draft.township or "") + (draft.village or "")
    lines.append(f"地址：{place or '—'}")
    if draft.employer and draft.kind != "employer":
        lines.append(f"单位：{draft.employer}")
    if draft.insurance_type:
        lines.append(f"险种：{shown('insurance_type', draft)}")
    period = _period(draft)
    if period:
        lines.append(f"时间：{period}")
    if draft.amount:
        lines.append(f"金额：{draft.amount:g}元")
    if draft.people_count:
        lines.append(f"涉及人数：{draft.people_count}人")
    if draft.proxy:
        place = profile.village or profile.township or ""
        lines.append(f"代办网格员：{profile.name or ''}（{place}）".replace("（）", ""))
    if out_of_county(draft, ctx):
        lines.append(f"（{draft.township}不在本县，我们照样登记，再转给当地办理。）")
    return "\n".join(lines)


def out_of_county(draft: Draft, ctx: DialogContext) -> bool:
    """The matter is another county's: the place lies outside and so does the dispute — a
    resident's own insurance there, or an employer named with that place. A worker living
    elsewhere whose employer is here is this county's case (no transfer is promised)."""
    town = draft.township
    if not town or not ctx.township_names or town in ctx.township_names:
        return False
    if not (draft.employer or draft.kind == "employer"):
        return True  # a person's own insurance: where they live
    stem = re.sub(r"(?:县|市|区|镇|乡|街道)$", "", town)
    return len(stem) >= 2 and stem in (draft.employer or "")  # "沁水县宏达煤矿": there


def insurance_list(keys: list[str]) -> str:
    return "、".join(INSURANCE_TYPES.get(k, k) for k in keys)


def shown(field: str, draft: Draft) -> str:
    """A field's value as the summary shows it."""
    if field in ("period", "period_start", "period_end"):
        return _period(draft) or "—"
    if field == "category":
        return category_name(draft.category)
    if field == "insurance_type":
        if len(draft.insurance_types) > 1:
            return insurance_list(draft.insurance_types)
        return INSURANCE_TYPES.get(draft.insurance_type or "", draft.insurance_type or "—")
    if field == "id_number":
        return (mask_id(draft.id_number) or "—") if draft.id_number else "—"
    if field == "amount":
        return f"{draft.amount:g}元" if draft.amount else "—"
    if field == "people_count":
        return f"{draft.people_count}人" if draft.people_count else "—"
    if field == "kind":
        return "用人单位" if draft.kind == "employer" else "个人"
    value = getattr(draft, field, None)
    return str(value) if value else "—"


def corrected(fields: list[str], draft: Draft) -> str:
    """ "改好了：姓名改为张福来。": the new value, so the user sees what was understood."""
    seen: dict[str, str] = {}
    for f in fields:
        label = FIELD_LABELS.get(f, "类型" if f == "kind" else f)
        if f == "name" and draft.kind == "employer":
            label = "联系人"
        seen.setdefault(label, shown(f, draft))
    said = "；".join(
        f"{label}改为{value}" if value != "—" else f"{label}不填" for label, value in seen.items()
    )
    return f"改好了：{said}。"


def correction_unchanged(field: str, draft: Draft) -> str:
    label = FIELD_LABELS.get(field, field)
    return f"{label}现在就是{shown(field, draft)}，没有改动。要改成别的，请直接说新的内容。"


SUMMARY_ASK = "没问题请回复「确认」；要改哪一项，直接告诉我，比如「电话改成139……」。"
SUMMARY_ASK_PRIVACY = (
    "同意上面的个人信息说明、内容也没问题，请回复「确认」；要改哪一项，直接告诉我。"
)


def _day(d: datetime, tz: str = "Asia/Shanghai") -> str:
    if d.tzinfo is not None:
        d = d.astimezone(ZoneInfo(tz))
    return f"{d.year}年{d.month}月{d.day}日"


def _time_limit(case: OpenedCase, tz: str, today: date | None = None) -> str:
    """The simple tier is settled the same working day: "当天办结", never "0个工作日"."""
    if case.working_days <= 0:
        due = case.due_at.astimezone(ZoneInfo(tz)).date() if case.due_at.tzinfo else None
        day = "今天" if today is not None and due == today else _day(case.due_at, tz)
        return f"办理时限：当天办结，{day}下班前答复。"
    return f"办理时限：{case.working_days}个工作日，{_day(case.due_at, tz)}前答复。"


def opened(
    case: OpenedCase,
    proxy: bool,
    tz: str = "Asia/Shanghai",
    today: date | None = None,
    own: tuple[str, ...] = (),
) -> str:
    contact = f"，电话 {case.lead.phone}" if case.lead.phone else ""
    lines = [
        f"已登记！案件编号：{case.number}",
        f"承办单位：{case.lead.name}{contact}",
        _time_limit(case, tz, today),
    ]
    mine = [n for n in case.related_cases if n in own and n != case.number]
    if mine:
        lines.append(f"（与之前的 {'、'.join(mine)} 是同一件事，会一并办理。）")
    elif case.related_cases:
        lines.append("（之前有人反映过同样的事，会一并办理。）")
    if proxy:
        lines.append("进展会在这里告诉您。要为下一户反映，直接说情况就行。")
    else:
        lines.append("有进展会在这里告诉您；查进度发送案件编号就行。")
    return "\n".join(lines)


def case_status(view: CaseView, tz: str = "Asia/Shanghai") -> str:
    contact = f"（电话 {view.lead.phone}）" if view.lead.phone else ""
    lines = [
        f"案件 {view.number}：{view.status_label}",
        f"问题类型：{category_name(view.category)}",
        f"承办单位：{view.lead.name}{contact}",
        f"办理时限：{_day(view.due_at, tz)}前",
    ]
    if view.latest_reply:
        lines.append(f"最新答复：{view.latest_reply}")
    return "\n".join(lines)


def case_list(views: list[CaseView], tz: str = "Asia/Shanghai") -> str:
    lines = [f"您反映过的案件（共{len(views)}件）："]
    for i, v in enumerate(views[:20], 1):
        who = f"{v.complainant_name}｜" if v.complainant_name else ""
        lines.append(f"{i}. {v.number}｜{who}{v.status_label}｜{_day(v.due_at, tz)[5:]}前")
    if len(views) > 20:
        lines.append(f"……还有{len(views) - 20}件")
    lines.append("发送案件编号可以看详情。")
    return "\n".join(lines)


def lookup_missing(number: str) -> str:
    return f"没有找到编号为 {number} 的案件，请核对一下编号。"


def ask_feedback(number: str, reply: str) -> str:
    said = f"\n答复：{reply}" if reply else ""
    return f"您反映的案件 {number} 已经办结。{said}\n您对处理结果满意吗？"


def info_recorded(number: str) -> str:
    return (
        f"好的，已把您说的更正记到案件 {number} 里，并转告承办单位，他们办理时会核对。"
    )


def after_case_correction(number: str) -> str:
    return (
        f"这件事已经登记了（案件编号 {number}）。信息要更正的话，工作人员联系您时说一声就行，"
        "也可以打登记回复里承办单位的电话，报上案件编号。"
    )


AFTER_CASE_NOTE = "要准备的材料和办理的具体事项，承办单位会按时限联系您。您的案件现在是这样："


def after_case_withdraw(number: str) -> str:
    return (
        f"案件 {number} 已经登记。要撤回的话，请打登记回复里承办单位的电话说明，"
        "工作人员会记下您的意见。"
    )


def if_not_settled(number: str) -> str:
    return (
        f"案件 {number} 会在办理时限内答复您。如果对处理结果有异议，您可以：申请调解；"
        "涉及劳动关系的申请劳动人事争议仲裁；对税务、人社、医保部门的决定依法申请行政复议；"
        "或者向人民法院提起行政诉讼。超过时限没答复，也可以拨打12345反映。"
    )


GENERIC_ROUTES = (
    "如果对处理结果有异议，您还可以：\n"
    "1. 申请调解：到县社保争议调解中心或乡镇调解组织；\n"
    "2. 申请仲裁：涉及劳动关系的，向劳动人事争议仲裁委员会申请；\n"
    "3. 申请行政复议：对税务、人社、医保部门的决定不服，可以依法申请；\n"
    "4. 提起行政诉讼：向人民法院起诉。"
)


def _routes(ctx: DialogContext) -> str:
    return ctx.objection_routes or GENERIC_ROUTES


def objection_recorded(ctx: DialogContext, number: str) -> str:
    """A dissatisfied verdict or an objection, just recorded on a closed case."""
    return (
        f"很抱歉没能让您满意。您对案件 {number} 处理结果的意见已经记下，转给办理单位。\n"
        f"{_routes(ctx)}\n需要帮忙可以随时问我。"
    )


def objection_again(ctx: DialogContext, number: str) -> str:
    """An objection about a case closed and judged before: the routes again, nothing new."""
    return (
        f"案件 {number} 已经办结。{_routes(ctx)}\n"
        "您的意见也可以打登记回复里承办单位的电话说明。需要帮忙可以随时问我。"
    )


# --- attachments (issue 15) -------------------------------------------------------------------


def attachment_without_story(kinds: str) -> str:
    """A photo or voice message with no words and no report open: what to do."""
    return f"请用文字说说遇到了什么问题，{kinds}会一起交给办理单位。"


def attachment_after_case(kinds: str, number: str) -> str:
    """A photo or voice message with no words after a case was registered."""
    return (
        f"这些{kinds}如果是给案件 {number} 补充的材料，不用再做什么；"
        "如果是新的问题，请用文字说说遇到了什么问题。"
    )


def photo_offer(label: str, shown: str) -> str:
    return f"照片上的{label}是 {shown}，对吗？"


def photo_differs(label: str, shown: str) -> str:
    return f"照片上的{label}是 {shown}，和您之前说的不一样。用照片上的吗？"


def voice_needs(labels: str, who: str) -> str:
    return (
        f"语音已经存下了，办理时会听。登记还差{labels}，方便的话打字告诉我；"
        f"不方便打字，也可以请{who}打电话给您。"
    )


#: Answers to questions asked back while the form is filled (``story.side_answer``).
CREDIT_CODE_WHAT = (
    "统一社会信用代码是单位的18位身份代码（数字和字母），印在营业执照上，也可以在“国家企业信用"
    "信息公示系统”查到。它用来核对单位的参保和缴费记录，不公开。不清楚可以说「不知道」。"
)
HOW_LONG_BEFORE_FILING = "登记提交后，承办单位会在办理时限内答复，提交时我会告诉您具体的答复日期。"
