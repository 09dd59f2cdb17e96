"""The intake form as data: one row per slot (《社会保险费征缴争议登记表》, DOMAIN.md §6).

A row says whose the slot is (the complainant, an employer complainant, or the grid worker
filing for someone), how it is labelled and asked, which NLU entity types fill it, the reader
of a bare answer, whether it may be skipped and when it is needed. "When needed" comes from the
county (``FormRules``): a category whose routing reads the period asks for it, likewise the
insurance type. Rows of one ``group`` are asked in one question ("姓名和联系电话").

The dialogue reads this table the way the case workflow reads its transitions table:
``pending`` says what to ask next, ``summary_lines`` what to show, ``case_draft`` what to hand
to the backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from backend.drafts import CaseDraft, ComplainantDraft, FilerDraft
from dialogs import readers
from dialogs.context import DialogContext, FormRules
from dialogs.messages import Choice, Inbound
from dialogs.state import ConversationState, Draft, Profile
from nlu.types import CATEGORY_NAMES, INSURANCE_TYPES

Owner = Literal["complainant", "employer", "grid_worker"]
Needed = Callable[[Draft, Profile, FormRules], bool]
Menu = Callable[[DialogContext, Draft, Profile], tuple[Choice, ...]]

SKIP_CHOICE = Choice("skip", "跳过")
#: Default category menu when the NLU offers no ranking.
DEFAULT_CANDIDATES = ("contribution_amount", "late_fee", "refund")


@dataclass(frozen=True)
class Slot:
    name: str
    owner: Owner
    #: How the summary and "记下了…" name it.
    label: str
    #: Rows of one group are asked together, in table order.
    group: str
    #: NLU entity types whose value fills this slot.
    entities: tuple[str, ...]
    read: readers.Reader
    needed: Needed
    #: Attributes (of the draft, or of the profile for the grid worker's slots) that hold it.
    holds: tuple[str, ...]
    #: How the slot is named inside a question that asks several things ("联系电话").
    part: str
    skippable: Callable[[Draft], bool] = lambda d: False
    menu: Menu | None = None
    #: What the NLU is told is being asked (``Nlu.parse(expecting=...)``); default: the name.
    expecting: str = ""

    def done(self, draft: Draft, profile: Profile) -> bool:
        target: Any = profile if self.owner == "grid_worker" else draft
        skipped = profile.skipped if self.owner == "grid_worker" else draft.skipped
        if self.name in skipped:
            return True
        if self.name == "category":
            return draft.category_sure
        if self.name == "consent":
            return draft.consent is True
        if self.name == "phone" and draft.contact_via_filer:
            return True
        return any(getattr(target, attr, None) for attr in self.holds)

    def target(self, draft: Draft, profile: Profile) -> Draft | Profile:
        return profile if self.owner == "grid_worker" else draft


# --- when a slot is needed -----------------------------------------------------------------


def _always(d: Draft, p: Profile, r: FormRules) -> bool:
    return True


def _person(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.kind != "employer"


def _unit(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.kind == "employer"


def _worker(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.proxy


def _employer(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.kind != "employer" and d.category in r.employer_categories


def _insurance(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.category in r.insurance_categories


def _period(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.category in r.period_categories


def _amount(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.category in r.amount_categories


def _people(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.kind == "employer" or d.category in r.employer_categories


def _optional(d: Draft) -> bool:
    return True


def _phone_optional(d: Draft) -> bool:
    return d.proxy  # a villager without a phone is reached through the grid worker


# --- menus -----------------------------------------------------------------------------------


def category_menu(ctx: DialogContext, d: Draft, p: Profile) -> tuple[Choice, ...]:
    candidates = d.candidates or list(DEFAULT_CANDIDATES)
    return (
        *(Choice(f"cat:{c}", CATEGORY_NAMES[c]) for c in candidates[:3]),
        Choice("cat:other", "其他"),
    )


def township_menu(ctx: DialogContext, d: Draft, p: Profile) -> tuple[Choice, ...]:
    names = ctx.township_names
    return tuple(Choice(f"tw:{i}", n) for i, n in enumerate(names)) if 1 < len(names) <= 12 else ()


def village_menu(ctx: DialogContext, d: Draft, p: Profile) -> tuple[Choice, ...]:
    villages = ctx.villages_of(d.township)
    listed = (
        tuple(Choice(f"vil:{i}", v) for i, v in enumerate(villages))
        if 1 < len(villages) <= 12
        else ()
    )
    return (*listed, SKIP_CHOICE)


def insurance_menu(ctx: DialogContext, d: Draft, p: Profile) -> tuple[Choice, ...]:
    return (*(Choice(f"ins:{k}", v) for k, v in INSURANCE_TYPES.items()), SKIP_CHOICE)


def consent_menu(ctx: DialogContext, d: Draft, p: Profile) -> tuple[Choice, ...]:
    return (Choice("consent_yes", "本人已同意"), Choice("consent_no", "还没问过"))


# --- the table -------------------------------------------------------------------------------

FORM: tuple[Slot, ...] = (
    Slot("worker_name", "grid_worker", "您的姓名", "worker", ("person_name",),
         readers.read_worker_name, _worker, ("name",), "您的姓名"),
    Slot("worker_phone", "grid_worker", "您的电话", "worker", ("phone",),
         readers.read_worker_phone, _worker, ("phone",), "您的手机号"),
    Slot("worker_village", "grid_worker", "您负责的村", "worker", ("village", "township"),
         readers.read_worker_village, _worker, ("village", "township"), "您负责的村（社区）",
         _optional),
    Slot("description", "complainant", "情况", "story", (),
         readers.read_description, _always, ("description",), "遇到的问题"),
    Slot("category", "complainant", "问题类型", "category", (),
         readers.read_category, _always, ("category",), "问题类型", menu=category_menu),
    Slot("unit", "employer", "单位", "who", ("employer",),
         readers.read_unit, _unit, ("employer",), "单位全称", expecting="employer"),
    Slot("credit_code", "employer", "统一社会信用代码", "who", ("credit_code",),
         readers.read_credit_code, _unit, ("credit_code",), "统一社会信用代码", _optional),
    Slot("contact_person", "employer", "联系人", "who", ("person_name",),
         readers.read_name, _unit, ("name",), "联系人姓名"),
    Slot("name", "complainant", "姓名", "who", ("person_name",),
         readers.read_name, _person, ("name",), "{who}的姓名"),
    Slot("phone", "complainant", "电话", "who", ("phone",),
         readers.read_phone, _always, ("phone",), "联系电话", _phone_optional),
    Slot("township", "complainant", "乡镇", "where", ("township", "village"),
         readers.read_township, _always, ("township",), "所在乡镇（街道）"),
    Slot("village", "complainant", "村（社区）", "where", ("village",),
         readers.read_village, _always, ("village",), "村（社区）", _optional, village_menu),
    Slot("id_number", "complainant", "身份证号", "where", ("id_number", "credit_code"),
         readers.read_id_number, _person, ("id_number", "credit_code"), "{who}的身份证号",
         _optional),
    Slot("employer", "complainant", "单位", "facts", ("employer",),
         readers.read_employer, _employer, ("employer",), "{who}的单位（公司）名称", _optional),
    Slot("insurance_type", "complainant", "险种", "facts", ("insurance_type",),
         readers.read_insurance, _insurance, ("insurance_type",), "险种（养老、医疗、失业、工伤、生育）",
         _optional, insurance_menu),
    Slot("period", "complainant", "时间", "facts", ("period",),
         readers.read_period, _period, ("period_start",), "大概是哪段时间的事", _optional),
    Slot("amount", "complainant", "金额", "facts", ("amount",),
         readers.read_amount, _amount, ("amount",), "涉及多少钱", _optional),
    Slot("people_count", "complainant", "人数", "facts", ("people_count",),
         readers.read_people, _people, ("people_count",), "涉及几个人", _optional),
    Slot("consent", "complainant", "本人同意", "consent", (),
         readers.read_consent, _worker, ("consent",), "本人是否同意由您代为反映", menu=consent_menu),
)  # fmt: skip

SLOTS: dict[str, Slot] = {slot.name: slot for slot in FORM}
SLOT_NAMES: tuple[str, ...] = tuple(SLOTS)


def slot(name: str) -> Slot:
    return SLOTS[name]


def pending(draft: Draft, profile: Profile, rules: FormRules) -> list[Slot]:
    """The slots to ask now: the first group with an unanswered needed slot, in table order."""
    open_slots = [s for s in FORM if s.needed(draft, profile, rules) and not s.done(draft, profile)]
    if not open_slots:
        return []
    group = open_slots[0].group
    return [s for s in open_slots if s.group == group]


def next_field(draft: Draft, profile: Profile, rules: FormRules | None = None) -> str | None:
    """The first slot to ask next; None when the summary can be shown."""
    slots = pending(draft, profile, rules or FormRules())
    return slots[0].name if slots else None


def needed_slots(draft: Draft, profile: Profile, rules: FormRules) -> list[str]:
    return [s.name for s in FORM if s.needed(draft, profile, rules)]


def slots_for_entity(entity_type: str, draft: Draft) -> list[Slot]:
    """Where an entity goes: the complainant's slots (a unit's when an employer reports), the
    slot named like the entity first."""
    unit = draft.kind == "employer"

    def fits(s: Slot) -> bool:
        if entity_type not in s.entities or s.owner == "grid_worker":
            return False
        if s.name in ("unit", "contact_person", "credit_code"):
            return unit
        if s.name in ("name", "employer"):
            return not unit
        return True

    return sorted(filter(fits, FORM), key=lambda s: s.name != entity_type)


def apply(slot_: Slot, updates: dict[str, Any], draft: Draft, profile: Profile) -> None:
    target = slot_.target(draft, profile)
    for attr, value in updates.items():
        if hasattr(target, attr):
            setattr(target, attr, value)
    if slot_.name in draft.skipped and updates:
        draft.skipped.remove(slot_.name)


def expecting_of(name: str) -> str:
    found = SLOTS.get(name)
    return (found.expecting or found.name) if found else name


#: Required slots left to staff when they cannot be had (the chat itself reaches the user).
LEFT_TO_STAFF = frozenset({"unit", "contact_person", "worker_name", "name", "phone"})


def leave_out(draft: Draft, profile: Profile, slots: list[Slot]) -> bool:
    """Stop asking these slots (asked again and again without a usable answer); True if any
    was left out. The story, the category and the consent are never left out."""
    left = False
    for x in slots:
        if x.skippable(draft) or x.name in LEFT_TO_STAFF:
            (profile.skipped if x.owner == "grid_worker" else draft.skipped).append(x.name)
            left = True
        elif x.name == "category":
            draft.category, draft.category_sure = draft.category or "other", True
            left = True
    return left


def settle(draft: Draft, rules: FormRules) -> None:
    """What the summary can say for sure before the user checks it: a person reporting their
    own matter is one person (no group words in the story), and "养老保险" / "医保" said by a
    villager paying for themselves is the residents' scheme. Both are shown in the summary,
    where a correction changes them."""
    if not (
        draft.people_count
        or draft.kind == "employer"
        or draft.category in rules.employer_categories
        or not draft.description
        or _mentions_group(draft.description)
    ):
        draft.people_count = 1
    if draft.scheme_open and draft.insurance_type in ("pension", "medical"):
        draft.insurance_type = readers.resident_scheme(
            draft.insurance_type, draft, "", settled=True
        )
        draft.scheme_open = False


_GROUP_WORDS = (
    "我们", "俺们", "咱们", "大家", "工友", "同事", "职工", "员工", "工人", "全家", "一家",
    "家里人", "几个人", "好多人", "村民们", "户", "集体", "群体", "老伴", "两口子", "夫妻",
    "俩", "我和", "父母", "爹娘", "全村", "乡亲",
)  # fmt: skip


def _mentions_group(text: str) -> bool:
    return any(w in text for w in _GROUP_WORDS)


# --- what the backend receives -----------------------------------------------------------------


def case_draft(state: ConversationState, inbound: Inbound) -> CaseDraft:
    """The backend's view of the collected draft."""
    d = state.draft or Draft()
    profile = state.profile
    filer = None
    if d.proxy:
        filer = FilerDraft(
            name=profile.name or "",
            phone=profile.phone or "",
            township=profile.township,
            village=profile.village,
        )
    return CaseDraft(
        channel=inbound.channel,
        channel_user=inbound.user_ref,
        description=d.description or "",
        complainant=ComplainantDraft(
            kind="employer" if d.kind == "employer" else "person",
            name=d.name,
            phone=d.phone,
            id_number=d.id_number,
            employer=d.employer,
            credit_code=d.credit_code,
            township=d.township,
            village=d.village,
            insurance_type=d.insurance_type,
            period_start=date.fromisoformat(d.period_start) if d.period_start else None,
            period_end=date.fromisoformat(d.period_end) if d.period_end else None,
            amount=d.amount,
            people_count=d.people_count,
        ),
        category=d.category,
        tier_hint=d.tier_hint,
        nlu_confidence=d.confidence,
        filed_by=filer,
        consent=bool(d.proxy and d.consent),
        reported_at=inbound.received_at,
        # One report, one case: a 确认 repeated after a crash or sent twice finds this key.
        draft_key=f"{inbound.channel}:{inbound.user_ref}:{d.started_at}" if d.started_at else None,
    )
