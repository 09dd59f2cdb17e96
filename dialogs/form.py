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

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from backend.drafts import CaseDraft, ComplainantDraft, FilerDraft
from dialogs import readers, speaker, understand
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

    def skipped_list(self, draft: Draft, profile: Profile) -> list[str]:
        """Where this slot is marked skipped: the grid worker's own profile or the draft."""
        return profile.skipped if self.owner == "grid_worker" else draft.skipped

    def done(self, draft: Draft, profile: Profile) -> bool:
        return self.name in self.skipped_list(draft, profile) or self.known(draft, profile)

    def known(self, draft: Draft, profile: Profile) -> bool:
        """A value is held (a slot skipped or left out is done, but not known: a value
        volunteered for it later fills it)."""
        target: Any = profile if self.owner == "grid_worker" else draft
        if self.owner != "grid_worker" and self.name in draft.unsure:
            return False
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
    return (
        d.kind != "employer"
        and d.category in r.employer_categories
        and not _resident_without_unit(d)
        and not readers.SELF_EMPLOYED.search(d.description or "")
    )


#: A unit worked for, said in a story ("学校" is not one for a pupil's 居民医保).
_WORK_UNIT_WORDS = re.compile(r"单位|公司|厂|老板|企业|上班|打工|工地|店里|超市|饭店|雇|干活")


def _resident_without_unit(d: Draft) -> bool:
    """A residents' scheme (居民医保 / 居民养老) is paid by the person, not an employer: the
    employer is asked only when the story mentions a unit worked for."""
    return d.insurance_type in ("resident_pension", "resident_medical") and not (
        _WORK_UNIT_WORDS.search(d.description or "")
    )


def _insurance(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.category in r.insurance_categories


def _period(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.category in r.period_categories


def _amount(d: Draft, p: Profile, r: FormRules) -> bool:
    return d.category in r.amount_categories


def _people(d: Draft, p: Profile, r: FormRules) -> bool:
    return (d.kind == "employer" or d.category in r.employer_categories) and count_matters(d)


def count_matters(d: Draft) -> bool:
    """How many people is asked only when the number can change the tier: a group named
    without a number ("全厂工人") already makes the case a group complaint (complex), so
    nothing is asked and nothing stored; a count the story gave is kept as said."""
    return not (d.group and d.tier_hint == "complex")


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


#: Questions that never carry facts along: the grid worker's own details, the story, its
#: category (a menu) and the villager's consent (a yes/no).
_NO_HOST = frozenset({"worker", "story", "category", "consent"})


def pending(draft: Draft, profile: Profile, rules: FormRules) -> list[Slot]:
    """The slots to ask now: the first group with an unanswered needed slot, in table order.
    The last such question also carries the useful facts routing does not need
    (``along``): optional parts that cost no turn of their own."""
    open_slots = [s for s in FORM if s.needed(draft, profile, rules) and not s.done(draft, profile)]
    if not open_slots:
        return []
    group = open_slots[0].group
    asked = [s for s in open_slots if s.group == group]
    hosts = [s.group for s in open_slots if s.group not in _NO_HOST]
    if hosts and hosts[-1] == group:
        asked += along(draft, profile, rules, asked)
    code = SLOTS["credit_code"]
    if (
        any(x.name == "id_number" for x in asked)
        and not code.done(draft, profile)
        and not draft.proxy
        and speaker.unit_possible(draft.description or "", draft.category)
    ):
        # A story a unit may be telling: its credit code is asked beside the ID number (one
        # part of the question); given, the report is the unit's.
        asked.append(code)
    return asked


def along(draft: Draft, profile: Profile, rules: FormRules, asked: list[Slot]) -> list[Slot]:
    """The facts of ``rules.facts_along`` the question ``asked`` may carry: not needed (those
    are asked anyway), not known, not settled without asking (one person's own matter), and
    no more than the question has room for (``rules.max_parts``)."""
    room = rules.max_parts - len(asked)
    extras: list[Slot] = []
    for name in rules.facts_along:
        x = SLOTS.get(name)
        if x is None or x in asked or x.owner != "complainant":
            continue
        if name == "insurance_type" and scheme_to_ask(draft):
            # Known, its scheme only inferred: asked in a sentence of its own after the
            # question (``texts.scheme_question``), so it takes no part's room.
            extras.append(x)
            continue
        if room <= 0:
            continue
        if x.done(draft, profile):
            continue
        if x.needed(draft, profile, rules) or (
            name == "people_count" and (_one_person(draft, rules) or not count_matters(draft))
        ):
            continue
        if name == "employer" and (
            draft.kind == "employer"
            or not _speaks_of_employer(draft)
            or _resident_without_unit(draft)
            or readers.SELF_EMPLOYED.search(draft.description or "")
        ):
            continue
        extras.append(x)
        room -= 1
    return extras


def scheme_to_ask(draft: Draft) -> bool:
    """ "养老保险" / "医保" named, its scheme (职工 or 城乡居民) only inferred: asked once, as a
    part of a question asked anyway (never a turn of its own; not answered, the inference
    stands and the summary shows it)."""
    return (
        draft.scheme_open
        and not draft.scheme_asked
        and draft.kind != "employer"
        and draft.insurance_type in _SCHEME_KEYS
        and len(draft.insurance_types) <= 1
        and "insurance_type" not in draft.skipped
        and not draft.employer
        and not readers.scheme_said(draft.description or "")
    )


_SCHEME_KEYS = frozenset({"pension", "medical", "resident_pension", "resident_medical"})


#: A story that speaks of the complainant's employer (then its name is worth asking).
_EMPLOYER_WORDS = re.compile(
    r"单位|公司|厂|老板|企业|上班|打工|工地|店里|超市|饭店|医院|学校|合作社"
)


def _speaks_of_employer(draft: Draft) -> bool:
    return _EMPLOYER_WORDS.search(draft.description or "") is not None


def is_along(x: Slot, draft: Draft, profile: Profile, rules: FormRules) -> bool:
    """A slot asked only as an optional part of another question (``along``)."""
    return x.name in rules.facts_along and not x.needed(draft, profile, rules)


def next_field(draft: Draft, profile: Profile, rules: FormRules) -> str | None:
    """The first slot to ask next; None when the summary can be shown."""
    slots = pending(draft, profile, rules)
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
    if slot_.name in draft.unsure and updates and slot_.owner != "grid_worker":
        draft.unsure.remove(slot_.name)


def expecting_of(name: str) -> str:
    found = SLOTS.get(name)
    return (found.expecting or found.name) if found else name


#: Required slots left to staff when they cannot be had (the chat itself reaches the user;
#: a grid worker's own phone is in the county's list or is asked by staff).
LEFT_TO_STAFF = frozenset(
    {"unit", "contact_person", "worker_name", "worker_phone", "name", "phone", "township"}
)
#: Required slots never left out for unclear answers: asked again until given, or until the
#: user says they have none (``filling`` then leaves it to staff and says so).
ASKED_UNTIL_GIVEN = frozenset({"phone"})
#: Required slots left to staff after repeated unclear answers.
GIVEN_UP_AFTER_TRIES = LEFT_TO_STAFF - ASKED_UNTIL_GIVEN


def leave_out(draft: Draft, profile: Profile, slots: list[Slot]) -> bool:
    """Stop asking these slots (asked again and again without a usable answer); True if any
    was left out. The story, the category and the consent are never left out."""
    left = False
    for x in slots:
        if x.skippable(draft) or x.name in GIVEN_UP_AFTER_TRIES:
            x.skipped_list(draft, profile).append(x.name)
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
    if not draft.people_count and _one_person(draft, rules, said_singular=False):
        draft.people_count = 1
    insurance_from_story(draft)
    if draft.scheme_open and draft.insurance_type in ("pension", "medical"):
        draft.insurance_type = readers.resident_scheme(
            draft.insurance_type, draft, "", settled=True
        )
    # From here a word at the summary is a correction, never an answer to the scheme.
    draft.scheme_open = False


def insurance_from_story(draft: Draft) -> None:
    """Not said, but the story shows it: a hospital bill is medical insurance, a pension
    drawn is the pension insurance; its scheme stays open (asked along, or inferred at the
    summary). Done as soon as the story is told, so that the scheme can still be asked."""
    if draft.insurance_type or draft.kind == "employer":
        return
    story = draft.description or ""
    named = understand.insurance_from_words(story)  # "合疗", "农保": words the NLU may miss
    found = {key for key, words in _INSURANCE_EVIDENCE if words.search(story)}
    if named:
        draft.insurance_type, draft.scheme_open = named, named in ("pension", "medical")
    elif len(found) == 1:
        draft.insurance_type, draft.scheme_open = found.pop(), True


#: What a story says of its insurance without naming it.
_INSURANCE_EVIDENCE = (
    ("medical", re.compile(r"看病|住院|报销|医院|门诊|药费|医药费|拿药")),
    ("pension", re.compile(r"养老金|退休金|领钱.{0,6}岁|缴费年限|交够|档次")),
)


def _one_person(draft: Draft, rules: FormRules, *, said_singular: bool = True) -> bool:
    """A person reporting their own matter: one person. Said so ("就我一个", "只有我"), or a
    story told in the first (or, filed for someone, third) person singular with no group
    words. A story that says neither is asked along (it costs no turn); not answered there,
    the summary takes it for one person (``said_singular=False``), where a correction
    changes it."""
    story = draft.description or ""
    if ONLY_ME.search(story):
        return True
    return not (
        draft.kind == "employer"
        or draft.category in rules.employer_categories
        or not story
        or _mentions_group(story)
        or (said_singular and not _SINGULAR.search(story))
    )


#: "就我一个", "只有我没交上", "唯独俺": the speaker alone is affected, whatever group the
#: story names beside (厂里其他人都交了).
ONLY_ME = re.compile(
    r"(?<![不非])(?:就|只有|只|光|唯独|单单|偏偏)(?:我|俺)(?:一个|自己|本人)?(?:人)?"
    r"(?:没|的|被|不|给|一个|$)"
    r"|(?:别人|其他人|人家|旁人)(?:都|全)(?:交|缴|有|正常|到账|退|没事)"
)
#: One person speaking of their own matter, or of the villager filed for.
_SINGULAR = re.compile(r"(?:我|俺|咱|本人|自己|他|她|老人|大爷|大娘)(?!们|家)")


_GROUP_WORDS = (
    "我们", "俺们", "咱们", "大家", "工友", "同事", "职工", "员工", "工人", "全家", "一家",
    "家里人", "几个人", "好多人", "村民们", "户", "集体", "群体", "老伴", "两口子", "夫妻",
    "俩", "我和", "父母", "爹娘", "全村", "乡亲",
)  # fmt: skip


#: Someone besides the speaker in the story (a parent, a spouse, a child, a neighbour): how
#: many people it is about is asked (along), not assumed.
_OTHERS = re.compile(
    r"爹|娘|爸|妈|老伴|爱人|媳妇|老婆|丈夫|老公|孩子|儿子|女儿|闺女|父亲|母亲|公公|婆婆|奶奶|爷爷"
    r"|姥|外公|外婆|家人|亲戚|邻居|兄弟|姐妹|我跟|俺和|俺跟|咱和|另外"
)


#: Words that hold a group word without speaking of a group: a scheme's name ("职工养老",
#: "城镇职工医保") and "俺们村" / "我们这儿" (where the speaker lives, not who is affected).
_NOT_A_GROUP = re.compile(
    r"(?:城镇|企业)?职工(?:基本)?(?:养老|医疗|医保|社保|保险)"
    r"|(?:我|俺|咱)们?(?:村|镇|乡|县|社区|小区|这儿|这里|这边|那儿|那边|这块)"
)


def _mentions_group(text: str) -> bool:
    text = _NOT_A_GROUP.sub("", text)
    return any(w in text for w in _GROUP_WORDS) or _OTHERS.search(text) is not None


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
    description = d.description or ""
    # Every insurance named goes to the case (routing brings in each one's agencies); the
    # first as settled here (its scheme inferred) leads.
    several = (
        (d.insurance_type, *d.insurance_types[1:])
        if d.insurance_type and len(d.insurance_types) > 1
        else ()
    )
    return CaseDraft(
        channel=inbound.channel,
        channel_user=inbound.user_ref,
        description=description,
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
            insurance_types=tuple(several),
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
