"""Filling the form from what the user said: the NLU's entities, bare answers to the slots
asked (one or several: "李桂花，139…"), values of slots not asked yet, skips; and no
question asked for ever (``give_up_on_loops``).

Every value goes through its slot's reader (``dialogs.form``), so an answer typed bare and
the same value inside a sentence are checked the same way.
"""

from __future__ import annotations

import re

from dialogs import form, questions, readers, speaker, story, texts, understand
from dialogs.form import SLOTS, Slot
from dialogs.messages import Choice
from dialogs.names import find_name
from dialogs.readers import NOTHING, Read, Reading, clean_value, period_spans
from dialogs.state import DRAFT_FIELDS, Draft
from dialogs.step import Step
from identifiers import COMPOUND_SURNAMES, SURNAMES
from nlu.entities.numbers import parse_number
from nlu.types import INSURANCE_TYPES, Entity

_PIECES = re.compile(r"[，,。；;、\n！!？?（）()【】]+")
#: Where one clause of a message ends (a comma between digits is a thousands separator).
_CLAUSE_BREAK = re.compile(r"[，。；;、\n！!？?]|,(?!\d{3})")
#: A message that is a number and nothing else ("3", "三百八", "2222").
_BARE_NUMBER = re.compile(r"[0-9０-９.零〇一二两三四五六七八九十百千万]{1,12}")
#: Entity types whose NLU value is final (checked by ``identifiers`` inside the NLU).
_TAKEN_AS_IS = {
    "phone": "phone",
    "id_number": "id_number",
    "credit_code": "credit_code",
    "insurance_type": "insurance_type",
    "amount": "amount",
    "people_count": "people_count",
    "employer": "employer",
}
#: The latest value said wins for these, asked or not ("电话是…" twice: the second).
_ALWAYS_REPLACE = frozenset(
    {"phone", "id_number", "credit_code", "insurance_type", "amount", "people_count"}
)
_WORKER_SLOT = {
    "person_name": "worker_name",
    "phone": "worker_phone",
    "village": "worker_village",
    "township": "worker_village",
}
#: Readers tried on the pieces of a several-part answer, the most particular first (a phone
#: number must not become an employer's name).
_PIECE_ORDER = (
    "worker_phone", "phone", "id_number", "credit_code", "period", "amount", "people_count",
    "insurance_type", "township", "village", "worker_village", "name", "contact_person",
    "worker_name", "unit", "employer", "consent", "category", "description",
)  # fmt: skip

GRID_INTRO = re.compile(r"网格员|代办员|协理员|网格长")
PROXY_MARKER = re.compile(r"帮|替|代(?!办员)|给")


def pieces(text: str) -> list[str]:
    return [p.strip() for p in _PIECES.split(text) if p.strip()]


def reading(s: Step, asked_alone: str = "") -> Reading:
    return Reading(s.ctx, s.draft, s.st.profile, s.today, s.choice or "", asked_alone)


#: A villager speaking OF their grid worker ("网格员帮俺反映的事", "俺村的网格员说…"): the
#: speaker is not the grid worker.
VILLAGER_OF_WORKER = re.compile(
    rf"(?:{GRID_INTRO.pattern})[^，,。]{{0,6}}?(?:帮|替|给|让|叫|跟|和)(?:我|俺|咱)"
    r"|(?:让|找|请|叫|托|问|问了|跟|和|我们|俺们|咱们|我|俺|咱)(?:村|村里|这儿|那儿)?的?"
    rf"(?:{GRID_INTRO.pattern})"
)
#: ... unless the speaker says they are one ("我是南关村网格员张桂兰").
_WORKER_SELF = re.compile(rf"(?:我|俺)是[^，,。]{{0,8}}(?:{GRID_INTRO.pattern})")


def grid_split(s: Step) -> int | None:
    """Where the complainant's part of "我是XX村网格员王芳，帮张桂兰反映…" begins."""
    m = GRID_INTRO.search(s.text)
    if not m or (VILLAGER_OF_WORKER.search(s.text) and not _WORKER_SELF.search(s.text)):
        return None
    marker = PROXY_MARKER.search(s.text, m.end())
    if marker:
        return marker.start()
    stop = re.search(r"[，,。.!！\n]", s.text[m.end() :])
    return m.end() + stop.start() if stop else len(s.text)


# --- entities ------------------------------------------------------------------------------


def absorb(
    s: Step,
    *,
    split: int | None,
    asking: list[str],
    overwrite: bool = False,
    after: int = 0,
) -> list[str]:
    """Store every valid entity of the parse; return the slots filled. Errors are said."""
    parse = s.parse
    assert parse is not None
    stored: list[str] = []
    seen: set[str] = set()
    entities = [e for e in parse.entities if e.start >= after] or list(parse.entities)
    if overwrite:
        entities = list(reversed(entities))  # the corrected value is the last one said
    else:
        # Several amounts ("每月两百，一共两千四"): the dispute is about the total.
        # The sum said of what went wrong wins over a wage, a grade or someone else's sum.
        entities.sort(
            key=lambda e: (
                readers.amount_rank(s.text, e.start, e.end, float(e.value))
                if e.type == "amount"
                else (9, 0.0)
            )
        )
    worker_asked = bool(asking) and asking[0].startswith("worker_")
    ids = readers.id_spans(s.text)
    bare = _BARE_NUMBER.fullmatch(understand.squeeze(s.text)) is not None
    for e in entities:
        if e.type in ("period", "amount", "people_count", "phone") and any(
            a < e.end and e.start < b for a, b in ids
        ):
            continue  # the digits of an ID number are never a period, an amount or a count
        if (
            e.type == "people_count"
            and not readers.people_phrase(s.text, e.start, e.end)
            and (asking != ["people_count"] or s.text[max(e.start - 1, 0) : e.start] == "第")
        ):
            continue  # "三百八", "3", "第二户": not said of people
        if e.type == "amount" and bare and "amount" not in asking and (asking or s.st.opened):
            continue  # a bare number answers what was asked (a menu, a count), not money
        if e.type in ("id_number", "phone") and not worker_asked and _relatives(s, e):
            continue  # a child's ID, a son's phone: not the complainant's own (said so)
        if e.type == "group" and not worker_asked:
            s.draft.group = s.draft.group or str(e.value)[:20]
            continue
        if e.type in ("period", "case_number"):
            continue
        if e.type == "person_name" and len(str(e.value)) < 2:
            continue  # a lone surname is not a name to store
        if e.type == "person_name" and not worker_asked and _relative_named(s, e, entities):
            continue  # "我老伴叫李大山，我叫王秀英": the speaker's own name, not the spouse's
        to_worker = worker_asked or (split is not None and e.start < split)
        if e.type in seen and not to_worker:
            continue
        if not e.valid:
            target = form.slots_for_entity(e.type, s.draft)
            s.error(target[0].name if target else e.type, _error(e))
            seen.add(e.type)
            continue
        name = store_entity(s, e, to_worker=to_worker, asking=asking, overwrite=overwrite)
        if name:
            stored.append(name)
            # The grid worker's own name before the split leaves the villager's to be found.
            seen.add(f"worker:{e.type}" if to_worker and not worker_asked else e.type)
    if (
        not worker_asked
        and not s.draft.people_count
        and "people_count" not in seen
        and form.ONLY_ME.search(s.text[after:])
    ):
        s.draft.people_count = 1  # "就我一个没交上": the speaker alone, as said
        stored.append("people_count")
    if not worker_asked and "insurance_type" not in seen:
        stored += _insurance_in_words(s, asking, overwrite, after)
    periods = [e for e in entities if e.type == "period" and e.valid and e.start >= after]
    if periods and not worker_asked:
        period_slot = SLOTS["period"]
        replace = overwrite or "period" in asking or s.st.mode == "summary"
        if replace or not period_slot.known(s.draft, s.st.profile):
            spans = period_spans(readers.blank_ids(s.text)[after:], s.today) or _entity_span(
                periods
            )
            form.apply(
                period_slot,
                {"period_start": spans[0], "period_end": spans[1]},
                s.draft,
                s.st.profile,
            )
            stored.append("period")
    if (
        not worker_asked
        and s.draft.proxy
        and not s.draft.phone
        and readers.NO_PHONE.search(s.text[max(after, split or 0) :])
    ):
        s.draft.contact_via_filer = True  # "她没有手机": staff call the grid worker who filed
        stored.append("phone")
    wants_name = not asking or any(
        n in ("name", "worker_name", "contact_person", "description") for n in asking
    )
    if "person_name" not in seen and len(s.text) > 5 and wants_name:
        stored += names_in_text(s, split, asking, overwrite, after)
    if not worker_asked:
        stored += titled_contact(s, asking, after)
    if "amount" in stored:
        _monthly_total(s, entities, after)
        _per_head_total(s, entities, after)
    if not worker_asked and not overwrite and s.st.mode != "summary":
        _mark_loose(s, entities, stored, asking, after)
    return stored


#: A unit's contact person given as surname + title ("联系人赵会计", "找刘经理"): what a clerk
#: writes down when no full name is given.
_TITLED = re.compile(
    r"(?:联系人|联系|找)?(?:是|为|叫)?[:：]?\s?"
    r"([\u4e00-\u9fff]{1,2}?)(会计|出纳|经理|主任|科长|部长|厂长|主管|老板|老师|师傅|总)"
    r"(?=$|[，,。；;！!\s]|电话|手机)"
)


def titled_contact(s: Step, asking: list[str], after: int = 0) -> list[str]:
    """ "联系人赵会计": 赵会计 is the unit's contact person (never "联系人赵")."""
    draft = s.draft
    if draft.kind != "employer" and "contact_person" not in asking:
        return []
    text = s.text[after:]
    for m in _TITLED.finditer(text):
        surname = m.group(1)
        if surname not in SURNAMES and surname not in COMPOUND_SURNAMES:
            continue
        bare = m.group(0).startswith(("联系人", "联系", "找")) or "contact_person" in asking
        if not bare:
            continue
        titled = surname + m.group(2)
        old = draft.name or ""
        if old and "联系人" not in old and len(old) >= 2 and not titled.startswith(old):
            return []  # a full name was given: kept
        draft.name, draft.name_unsure = titled, False
        return ["contact_person"]
    return []


#: A sum said per month ("每个月多扣一百二"): the words just before the amount.
_PER_MONTH = re.compile(r"(?:每个?月|一个月|月月|按月)[^，。,；;]{0,5}$")
#: How long it went on ("扣了一年了", "三个月", "半年多"), said with the monthly sum.
_HOW_LONG = re.compile(
    r"(?<![0-9零一二两三四五六七八九十第])([0-9]{1,2}|[一二两三四五六七八九十]{1,3}|半)\s?(?:个)?\s?(年|月)(?!份|底|初)"
)


#: Whose a number is, said just before it: "孩子身份证", "我儿子的电话", "她女儿的手机".
_RELATIVE_OF = re.compile(
    r"(孩子|小孩|儿子|女儿|闺女|老人|我爸|我妈|我父亲|我母亲|父亲|母亲|老伴|爱人|丈夫|老公|妻子|媳妇"
    r"|孙子|孙女|外孙|外孙女)的?(?:身份证|身份证号|身份证号码|证件号|电话|手机|手机号|电话号码?)"
    r"[是为:：\s]*$"
)


#: A relative's name said as such ("我老伴叫", "俺闺女是").
_RELATIVE_NAMED = re.compile(
    r"(?:孩子|小孩|儿子|女儿|闺女|老人|爸|妈|父亲|母亲|老伴|爱人|丈夫|老公|妻子|媳妇|孙子|孙女"
    r"|外孙|外孙女|公公|婆婆|兄弟|姐姐|妹妹|哥哥|弟弟)(?:的名字|名字)?(?:叫|是|名叫)[:：\s]*$"
)


def _relative_named(s: Step, e: Entity, entities: list[Entity]) -> bool:
    """A name said to be a relative's, beside another name in the message: the other one is
    the speaker's (alone, a relative's name is whose matter it is, and kept)."""
    if _RELATIVE_NAMED.search(s.text[max(0, e.start - 8) : e.start]) is None:
        return False
    return any(o.type == "person_name" and o.value != e.value for o in entities)


def _relatives(s: Step, e: Entity) -> bool:
    """An ID number said to be a relative's is kept in the description, never as the
    complainant's; a relative's phone is the contact phone, and the description says whose."""
    m = _RELATIVE_OF.search(s.text[max(0, e.start - 14) : e.start])
    if m is None or s.draft.proxy:
        return False  # a grid worker's "老人的身份证": the villager, the complainant, is meant
    draft, who = s.draft, m.group(1).removeprefix("我")
    noted = f"（{who}的{'身份证号' if e.type == 'id_number' else '电话'}：{e.text}）"
    if draft.description and e.text not in draft.description:
        draft.description += noted  # (a first message is the story itself: it says it)
    if e.type == "phone":
        if draft.description and "电话是" not in draft.description:
            draft.description += f"（联系电话是{who}的）"
        return False  # the contact phone all the same
    s.say(
        f"{who}的身份证号记在情况里了。这里登记的是反映人本人的身份证号；"
        f"如果这件事是{who}本人的，请说明，{who}就是当事人、您是联系人。"
    )
    return True


def _per_head_total(s: Step, entities: list[Entity], after: int) -> None:
    """ "一个人多收二十，俺家五口人": a sum said per person, with how many people in the same
    message and no total, is that sum times the people (100), as a clerk would write it."""
    text = s.text[after:][:400]
    sums = [e for e in entities if e.type == "amount" and e.valid and e.start >= after]
    counts = [e for e in entities if e.type == "people_count" and e.valid and e.start >= after]
    chosen = [e for e in sums if float(e.value) == s.draft.amount]
    if len(chosen) != 1 or len(sums) != 1 or len(counts) != 1 or _TOTAL.search(text):
        return
    before = s.text[max(after, chosen[0].start - 6) : chosen[0].start]
    if readers.PER_HEAD.search(before) and 2 <= int(counts[0].value) <= 50:
        s.draft.amount = float(chosen[0].value) * int(counts[0].value)


def _monthly_total(s: Step, entities: list[Entity], after: int) -> None:
    """ "每个月多扣一百二，扣了一年了", "每月少交两百，一共18个月", "650，12个月": the disputed sum
    is the monthly sum times the months said (1,440), as a clerk would write it; "一次380，交
    了两回" is 760 paid twice (380 when only one payment is to be refunded: "退一次"); a
    total said outright always wins."""
    text = s.text[after:][:400]
    sums = [e for e in entities if e.type == "amount" and e.valid and e.start >= after]
    chosen = [e for e in sums if float(e.value) == s.draft.amount]
    if len(chosen) != 1 or _TOTAL.search(_MONTH_COUNTS.sub("", text)):
        return
    amount = chosen[0]
    if any(
        e is not amount and readers.amount_rank(s.text, e.start, e.end, float(e.value))[0] <= 1
        for e in sums
    ):
        return  # two sums of the dispute, neither a total: not ours to multiply
    before = s.text[max(after, amount.start - 8) : amount.start]
    tail = s.text[amount.end : amount.end + 16]
    times = _TIMES.search(text)
    if _PER_TIME.search(before) and times and not _PER_MONTH.search(before):
        n = parse_number(times.group(1)) or 0.0
        if 2 <= n <= 12 and not _ONE_BACK.search(text):
            s.draft.amount = float(amount.value) * n
        return
    if not (_PER_MONTH.search(before) or _MONTHS_AFTER.match(tail)):
        return
    spans = [
        m
        for m in _HOW_LONG.finditer(text)
        if not (amount.start - after <= m.start() < amount.end - after)
        and not (m.group(2) == "月" and m.group(1) == "一")  # "一个月扣…": per month, not how long
    ]
    if len(spans) != 1:
        return
    n_text, unit = spans[0].group(1), spans[0].group(2)
    n = 0.5 if n_text == "半" else parse_number(n_text) or 0.0
    months = round(n * 12) if unit == "年" else round(n)
    if 2 <= months <= 120:
        s.draft.amount = float(amount.value) * months


#: "一共18个月", "总共交了12个月": a number of months, not a total sum.
_MONTH_COUNTS = re.compile(
    r"(?:一共|总共|合计|共计|总计)(?:有|是|交了|扣了|缴了|少交了|少缴了|欠了|差了|断了)?\s?"
    r"(?:[0-9]{1,3}|[一二两三四五六七八九十]{1,3}|半)\s?个?(?:月|年)"
)
#: "650，12个月": a sum followed by how many months.
_MONTHS_AFTER = re.compile(
    r"^(?:元|块钱|块)?\s?[，,]\s?(?:一共|共|总共)?(?:交了|扣了|缴了)?\s?"
    r"(?:[0-9]{1,3}|[一二两三四五六七八九十]{1,3})\s?个月"
)
#: "一次380", "每次两百": a sum per payment, and how many payments ("交了两回", "扣了3次").
_PER_TIME = re.compile(r"(?:一次|每次|一回|每回)[^，。,；;]{0,3}$")
_TIMES = re.compile(r"(?:交|缴|扣|收)了?\s?([0-9]|[两二三四五六七八九十])\s?(?:回|次|遍)")
#: "退一次就行", "退一份": only one of the payments is to come back.
_ONE_BACK = re.compile(r"退(?:给我|我)?(?:一次|一份|一回|一笔|其中一)")


def _insurance_in_words(s: Step, asking: list[str], overwrite: bool, after: int) -> list[str]:
    """ "合疗钱扣了两回", "新农保": the residents' schemes in villagers' words, read by the
    dialogue itself when the NLU tagged no insurance (its word list is not ours to rely on)."""
    said = s.text[after:][:400]
    if not understand.resident_insurances_in(said):
        return []
    candidates = form.slots_for_entity("insurance_type", s.draft)
    if not candidates:
        return []
    found = candidates[0]
    replace = overwrite or s.st.mode == "summary" or found.name in asking
    if found.known(s.draft, s.st.profile) and not replace:
        return []
    read = found.read(said, reading(s))
    if not read.ok:
        return []
    form.apply(found, read.updates, s.draft, s.st.profile)
    return [found.name]


#: A sum or a time said only roughly ("好几千", "上万", "这几年", "前几年"): no figure a clerk
#: would write down without asking.
_LOOSE_AMOUNT = re.compile(r"^(?:好|十)?几|^上[百千万]|^数[十百千万]")
_LOOSE_PERIOD = re.compile(r"几|这些年|那些年|好多年|多年|一直")
#: The sum a story's several amounts add up to ("每月两百，一共两千四").
_TOTAL = re.compile(r"一共|总共|合计|共计|总计|加起来|总的")


def _mark_loose(
    s: Step, entities: list[Entity], stored: list[str], asking: list[str], after: int
) -> None:
    """Values taken from a story that said them only roughly stay, but are still asked
    (``Draft.unsure``): a rough sum or time, or two different sums with no total."""
    draft = s.draft
    if "amount" in stored and "amount" not in asking:
        sums = [e for e in entities if e.type == "amount" and e.valid and e.start >= after]
        distinct = {float(e.value) for e in sums}
        loose = any(_LOOSE_AMOUNT.search(e.text) for e in sums) or (
            len(distinct) > 1 and not _TOTAL.search(s.text[after:])
        )
        if loose and "amount" not in draft.unsure:
            draft.unsure.append("amount")
    if "period" in stored and "period" not in asking:
        times = [e for e in entities if e.type == "period" and e.valid and e.start >= after]
        loose = bool(times) and all(_LOOSE_PERIOD.search(e.text) for e in times)
        if loose and "period" not in draft.unsure:
            draft.unsure.append("period")


#: A number of people that is not the number affected: the population a few are picked from
#: ("村里三百多户，其中…"), or the others who are fine ("其他二十多个人都交了").
_NOT_AFFECTED_AFTER = re.compile(r"^[^，。,.;；]{0,6}?[，,]?\s?(?:其中|里面有|里头有|中间有|当中)")
_FINE_AFTER = re.compile(r"^[^，。,.;；]{0,6}?(?:都|全)(?:交|缴|有|正常|到账|退|没事|没问题|好好)")


def counts_the_affected(text: str, e: Entity) -> bool:
    """Is the count said in the story the number of people the matter touches? Not when the
    speaker says only they are ("就我一个没交上", "别人都交了"), nor for a population or for
    the others who are fine."""
    after = text[e.end : e.end + 16]
    if _NOT_AFFECTED_AFTER.match(after) or _FINE_AFTER.match(after):
        return False
    return form.ONLY_ME.search(text) is None


def _entity_span(periods: list[Entity]) -> tuple[str, str]:
    start = min(str(e.value["start"]) for e in periods)
    end = max(str(e.value.get("end") or e.value["start"]) for e in periods)
    return start, end


def store_entity(
    s: Step, e: Entity, *, to_worker: bool, asking: list[str], overwrite: bool
) -> str | None:
    draft, profile = s.draft, s.st.profile
    if to_worker:
        slot_name = _WORKER_SLOT.get(e.type)
        if slot_name is None:
            return None
        found = SLOTS[slot_name]
    else:
        candidates = form.slots_for_entity(e.type, draft)
        if not candidates:
            return None
        found = candidates[0]
    replace = (
        overwrite
        or s.st.mode == "summary"
        or found.name in asking
        or found.name in _ALWAYS_REPLACE
        or found.owner == "grid_worker"
    )
    if found.known(draft, profile) and not replace and found.name != "village":
        return None
    if (
        e.type == "people_count"
        and "people_count" not in asking
        and not overwrite
        and not counts_the_affected(s.text, e)
    ):
        return None
    if found.name == "village" and draft.village and not replace:
        return None
    if e.type == "village" and readers.NO_VILLAGE.search(e.text):
        # "不涉及村", "没有村": no village, never one named so.
        draft.village = None
        if "village" not in draft.skipped:
            draft.skipped.append("village")
        return "village"
    read = entity_read(s, found, e)
    if read.problem:
        s.error(found.name, read.problem)
        return None
    if not read.ok:
        return None
    form.apply(found, read.updates, draft, profile)
    return found.name


def entity_read(s: Step, found: Slot, e: Entity) -> Read:
    """The slot's reader on the entity (a place is read from the words around it, so that
    "润城镇东沟村" keeps its township even when only the village was tagged)."""
    r = reading(s)
    if e.type in ("township", "village"):
        piece = _piece_around(s.text, e)
        read = found.read(piece, r)
        if read.ok:
            return read
        return Read({e.type: str(e.value)})
    if e.type == "person_name":
        return found.read(str(e.value), r)
    if e.type == "insurance_type":
        # "养老、医疗、失业都有": the clause names every insurance (、 does not end it).
        read = found.read(_clause_around(s.text, e), r)
        if read.ok and len(read.updates.get("insurance_types") or ()) > 1:
            return read
    if e.type == "amount" and _CLAUSE_BREAK.search(e.text):
        # "1.2万，二十来个": a sum tagged across a comma runs into the next answer; the money
        # is the first clause that reads as money.
        for part in _CLAUSE_BREAK.split(e.text):
            read = found.read(part, r)
            if read.ok:
                return read
        return NOTHING
    if e.type in ("insurance_type", "amount"):
        # "城乡居民基本养老保险", "一万二": the words around say more than the tag.
        read = found.read(_piece_around(s.text, e), r)
        if read.ok:
            return read
    attr = _TAKEN_AS_IS.get(e.type)
    if attr is None:
        return NOTHING
    value = e.value
    if e.type == "insurance_type" and value not in INSURANCE_TYPES:
        return NOTHING
    if e.type == "amount":
        value = float(value)
    if e.type == "people_count":
        value = int(value)
    if e.type == "credit_code" and found.name == "id_number":
        attr = "credit_code"
    return Read({attr: value})


def _clause_around(text: str, e: Entity) -> str:
    start = max(text.rfind(c, 0, e.start) for c in "，,。；;\n") + 1
    ends = [i for i in (text.find(c, e.end) for c in "，,。；;\n") if i >= 0]
    return text[start : min(ends) if ends else len(text)]


def _piece_around(text: str, e: Entity) -> str:
    start = max(text.rfind(c, 0, e.start) for c in "，,。；;、 \n") + 1
    ends = [i for i in (text.find(c, e.end) for c in "，,。；;、 \n") if i >= 0]
    return text[start : min(ends) if ends else len(text)]


def names_in_text(
    s: Step, split: int | None, asking: list[str], overwrite: bool, after: int
) -> list[str]:
    """Names the NLU did not tag ("…的，叫王秀英，今年68了"), for the worker or complainant."""
    st, draft = s.st, s.draft
    if split is not None and split > after and not (asking and asking[0].startswith("worker_")):
        # "我是上庄村网格员田晓燕，帮中庄村的冀秀英反映…": the villager's name is after the
        # split, whatever name the grid worker gave for themselves before it.
        stored: list[str] = []
        if not st.profile.name:
            head = find_name(s.text[after:split])
            if head is not None:
                st.profile.name = head[0]
                stored.append("worker_name")
        return stored + names_in_text(s, None, asking, overwrite, split)
    found = find_name(s.text[after:])
    if found is None:
        return []
    name, at = found[0], found[1] + after
    if (asking and asking[0].startswith("worker_")) or (split is not None and at < split):
        if st.profile.name and "worker_name" not in asking:
            return []
        st.profile.name = name
        return ["worker_name"]
    target = "contact_person" if draft.kind == "employer" else "name"
    named = re.search(r"名字|姓名|叫|户主|本人是|联系人", s.text) is not None
    if draft.name and not (overwrite or target in asking or (st.mode == "summary" and named)):
        return []
    draft.name, draft.name_unsure = name, False
    return [target]


# --- bare answers --------------------------------------------------------------------------


def fill_bare(s: Step, slots: list[Slot], claimed_text: list[str]) -> list[str]:
    """Read the answer (or its pieces, for a question that asked several things) with the
    readers of the slots still open; returns the slots filled."""
    draft, profile = s.draft, s.st.profile
    # A reader may take a looser answer only when its slot was the whole question: "三百八"
    # to 涉及多少钱和涉及几个人 is the money, never 380 people once the money is taken.
    alone_asked = [n for n in s.st.asking if n != "consent"]
    if len(slots) == 1:
        only = slots[0]
        loose = only.name if alone_asked in ([], [only.name]) else ""
        read = only.read(s.text, reading(s, loose))
        if read.problem:
            s.error(only.name, read.problem)
            return []
        if read.ok:
            form.apply(only, read.updates, draft, profile)
            return [only.name]
    parts = [p for p in pieces(s.text) if not understand.is_unknown_clause(p)]
    parts += [w for p in parts if " " in p and not readers.id_spans(p) for w in p.split()]
    claimed = [any(c and c in p for c in claimed_text) for p in parts]
    used = [False] * len(parts)
    stored: list[str] = []
    alone = slots[0].name if len(slots) == 1 and alone_asked in ([], [slots[0].name]) else ""
    for x in sorted(
        slots, key=lambda x: _PIECE_ORDER.index(x.name) if x.name in _PIECE_ORDER else 99
    ):
        for i, piece in enumerate(parts):
            if used[i]:
                continue
            if claimed[i] and not (
                # "北岭镇晓东汽修部": a unit named after its township is still the unit's name.
                x.name in ("unit", "employer") and readers.ORG_SUFFIX.search(piece)
            ):
                continue
            read = x.read(piece, reading(s, alone))
            if read.problem:
                s.error(x.name, read.problem)
                used[i] = True
                break
            if read.ok:
                form.apply(x, read.updates, draft, profile)
                stored.append(x.name)
                used[i] = True
                break
    return stored


def _clerk(s: Step, slots: list[Slot]) -> list[str]:
    """ "我是厂里的会计刘晓燕": a unit's clerk answered the name question; the report becomes
    the unit's (its name and credit code are asked next)."""
    if not any(x.name in ("name", "contact_person") for x in slots) or not readers.CLERK.search(
        s.text
    ):
        return []
    for piece in [s.text, *pieces(s.text)]:
        read = readers.read_clerk(piece, reading(s))
        if not read.ok and not readers.CLERK.search(piece):
            read = readers.read_name(piece, reading(s))
        if read.ok:
            draft = s.draft
            draft.kind, draft.name, draft.name_unsure = "employer", read.updates["name"], False
            if draft.id_number is None:
                draft.skipped.append("id_number")
            return ["contact_person"]
    return []


#: Slots whose answers cannot be mistaken for another's: taken from a several-part answer
#: even when not asked ("养老保险，2019年，23个人" when the village was asked).
_UNMISTAKABLE = ("phone", "id_number", "credit_code", "period", "people_count", "insurance_type")
_MONEY_WORDS = re.compile(r"元|块|钱|万")


def _unasked(s: Step, asked: list[Slot], claimed_text: list[str]) -> list[str]:
    """Values of slots not asked, in pieces of the answer no asked slot took."""
    draft, profile = s.draft, s.st.profile
    taken = [getattr(s.draft, a, None) for x in asked for a in x.holds]
    parts = [
        p
        for p in pieces(s.text)
        if not any(c and c in p for c in claimed_text)
        and not any(isinstance(v, str) and v and v in p for v in taken)
    ]
    used = [False] * len(parts)
    open_slots = [
        x
        for x in form.FORM
        if x not in asked
        and (x.name in _UNMISTAKABLE or x.name in ("amount", "consent"))
        and (x.name != "phone" or draft.proxy)
        and (x.needed(draft, profile, s.ctx.form_rules) or x.name in s.ctx.form_rules.facts_along)
        # At the summary a value stated is a correction: known slots take it too.
        and (not x.known(draft, profile) or s.st.mode == "summary")
    ]
    stored: list[str] = []
    for x in open_slots:
        for i, piece in enumerate(parts):
            if used[i] or (x.name == "amount" and not _MONEY_WORDS.search(piece)):
                continue
            if x.name == "consent" and not re.search("同意|答应", piece):
                continue
            read = x.read(piece, reading(s))
            if read.ok:
                form.apply(x, read.updates, draft, profile)
                stored.append(x.name)
                used[i] = True
                break
    return stored


def skip_answers(s: Step, asked: list[Slot], still_open: list[Slot]) -> list[str]:
    """Slots answered with 跳过 / 不知道 / 还没问过; a required one is asked again."""
    st, draft = s.st, s.draft
    if not still_open:
        return []
    parts = pieces(s.text)
    named, unnamed = understand.unknowns(s.text)
    if understand.is_skip(s.text) or s.choice == "skip":
        targets = still_open
    elif unnamed or named or any(understand.is_skip(p) for p in parts):
        # "身份证不知道，钱也说不清": the fields named are skipped (asked or still to ask); a
        # "不知道" that names none skips what was asked and may be left out.
        targets = [
            x
            for x in still_open
            if _named(x, named) or (x.skippable(draft) and (unnamed or not named))
        ]
        targets += [
            x
            for x in form.FORM
            if x not in asked
            and _named(x, named)
            and x.skippable(draft)
            and not x.known(draft, st.profile)
            and x.name not in draft.skipped
        ]
    else:
        return []
    skipped: list[str] = []
    refused: list[Slot] = []
    for x in targets:
        if x.name == "category":
            draft.category, draft.category_sure = "other", True
        elif x.skippable(draft):
            x.skipped_list(draft, st.profile).append(x.name)
        else:
            refused.append(x)
            continue
        skipped.append(x.name)
    if refused:
        # Counted from the first ask, a group question's included: the third time it is left.
        skipped += _required_unknown(s, refused)
    return skipped


def _named(x: Slot, named: list[str]) -> bool:
    """Is slot ``x`` one of the fields a "don't know" named (a grid worker's own, a unit's
    contact person included)?"""
    base = "name" if x.name == "contact_person" else x.name.removeprefix("worker_")
    return base in named


def _required_unknown(s: Step, refused: list[Slot]) -> list[str]:
    """ "不知道" for a required slot: why it is needed, asked again; the third time it is left
    to staff (they reach the complainant through this chat), never asked for ever."""
    draft, left = s.draft, []
    for x in refused:
        key = f"unknown:{x.name}"
        draft.tries[key] = draft.tries.get(key, 0) + 1
        if draft.tries[key] >= 3 and x.name in form.LEFT_TO_STAFF:
            x.skipped_list(draft, s.st.profile).append(x.name)
            left.append(x.name)
    if left:
        s.say(texts.left_to_staff([_label(n) for n in left]))
    else:
        s.say(texts.why_needed(refused[0].name))
    return left


def answer(s: Step, *, prompt: bool = True) -> bool:
    """Take the message as details / the answers to the slots asked. True if handled."""
    st, parse = s.st, s.parse
    assert parse is not None
    draft = s.draft
    asked = [SLOTS[n] for n in st.asking if n in SLOTS]
    names = [x.name for x in asked]
    known = {x.name for x in form.FORM if x.known(draft, st.profile)}
    before = {f: getattr(draft, f) for f in DRAFT_FIELDS}
    clerk = _clerk(s, asked)
    if clerk:
        names = ["contact_person", *names]
    split = grid_split(s)
    errand = story.ERRAND.search(s.text) if names and names[0].startswith("worker_") else None
    if errand is not None and split is None:
        # The grid worker's own detail was asked, the villager's matter told ("帮中庄村的冀秀英
        # 反映，她的医保…"): what follows 帮 is the villager's, and the story is kept.
        split = errand.start()
        stored = clerk + absorb(s, split=split, asking=[])
        story.take_story(s, s.text[split:])
        if draft.description:
            stored.append("description")
    else:
        stored = clerk + absorb(s, split=split, asking=names)
    stored += _unit_said(s, stored)
    # Who and where only, where the story was asked: the details are kept, the story asked
    # again ("俺叫李桂花，电话…" is never the description).
    details = (
        "description" in names
        and not draft.description
        and bool(stored)
        and story.details_only(s, s.text)
    )
    # The story told while a menu or a detail was pending: kept, never lost.
    if (
        "description" not in names
        and "description" not in stored
        and not details
        and story.keep_story(s, s.text[split or 0 :])
    ):
        stored.append("description")
    claimed = [e.text for e in parse.entities if e.valid and e.type != "person_name"]
    still_open = [
        x
        for x in asked
        if x.name not in stored
        and x.name not in s.error_fields
        and not (details and x.name == "description")
    ]
    reads_no = any(x.name == "consent" for x in still_open)  # "还没问过" answers the consent
    if still_open and (reads_no or not understand.is_skip(s.text)):
        stored += fill_bare(s, still_open, claimed)
        if "contact_person" in stored or "contact_person" in names:
            stored += titled_contact(s, names)
        still_open = [
            x for x in still_open if x.name not in stored and x.name not in s.error_fields
        ]
    if not understand.is_skip(s.text):
        stored += _unasked(s, asked, claimed)
    skipped = skip_answers(s, asked, still_open)
    _story_pieces(s, stored, names)
    if not draft.category_sure and parse.intent == "report_dispute" and not skipped:
        story.take_category(s)
    if (
        "description" in stored
        and draft.kind != "employer"
        and not draft.proxy
        and speaker.employer_speaks(draft.description or "", parse)
    ):
        draft.kind = "employer"  # the story, told after a greeting, is a unit's
    if draft.kind != "employer" and draft.credit_code and not draft.id_number and not draft.proxy:
        # A unified social credit code where the ID was asked: the unit is reporting.
        draft.kind = "employer"
    if "consent" in stored and draft.consent is False and REFUSES.search(s.text):
        # "他不同意": the villager said no; nothing of theirs is kept (as for a resident).
        st.draft, st.mode, st.asking = None, "", []
        s.say(CONSENT_REFUSED)
        return True
    if "consent" in stored and draft.consent is False:
        s.say(texts.CONSENT_MISSING)
        st.mode, st.asking = "", ["consent"]
        s.offer(Choice("consent_yes", "本人已同意"), Choice("cancel", "取消"))
        return True
    if s.error_fields and _errors_again(s):
        _ack(s, stored, names + sorted(known), [], before, names)
        s.say("这项先不填了，工作人员联系您时再核实。")
        questions.continue_prompt(s)
        return True
    if s.error_fields:
        _ack(s, stored, names + sorted(known), [], before, names)
        st.mode, st.asking = "", list(dict.fromkeys(s.error_fields))
        if any(SLOTS[n].skippable(draft) for n in st.asking if n in SLOTS):
            s.offer(form.SKIP_CHOICE)
        return True
    if details and not draft.description:
        said = "、".join(dict.fromkeys(_said(n, draft) for n in stored))
        if prompt:
            st.mode = ""
            s.say(f"记下了{said}，{texts.ask_problem_again(draft.proxy)}")
        else:
            s.say(f"记下了{said}。")
        return True
    if not stored and not skipped:
        if any(t in s.parts for t in texts.WHY_NEEDED.values()):
            questions.continue_prompt(s)
            return True
        return False
    if not any(n in stored or n in skipped for n in names):
        give_up_on_loops(s, [x for x in still_open if x.name not in skipped])
    else:
        # Facts asked along are asked once: an answer that leaves them out leaves them out.
        rules = s.ctx.form_rules
        for x in still_open:
            if x.name not in skipped and form.is_along(x, draft, st.profile, rules):
                draft.skipped.append(x.name)
    _ack(s, stored, names + sorted(known), skipped, before, names)
    if prompt:
        questions.continue_prompt(s)
    return True


#: Slots a piece of a story told in pieces may fill ("去年", "医保").
_PIECE_SLOTS = frozenset({"insurance_type", "period", "amount", "people_count", "description"})


def _story_pieces(s: Step, stored: list[str], names: list[str]) -> None:
    """A story told in pieces ("医保" / "扣了两回" / "去年"): the description holds them all."""
    draft = s.draft
    if "description" in stored and draft.fragments:
        head = [p for p in draft.fragments if p not in (draft.description or "")]
        draft.description = "，".join([*head, draft.description or ""]).strip("，")
        draft.fragments = []
        return
    if not stored or not set(stored) <= _PIECE_SLOTS or draft.proxy:
        return
    if "description" in names or not set(stored) & set(names):
        story.keep_piece(s, s.text)


#: The villager refuses the filing ("他不愿意让我代办", "她不同意"), as opposed to "还没问".
REFUSES = re.compile(
    r"(?<!还)(?:不同意|不愿意|不愿|不让|不肯|不想让|拒绝|不要我?帮|不用我?帮|不需要我?帮)"
)
CONSENT_REFUSED = (
    "好的，本人不同意就不代办了，这一户说的情况和信息都没有保存。"
    "以后本人愿意了，可以再来登记，也可以本人直接找我反映。"
)


#: "单位是鑫源煤业", "公司叫宏发建材": the employer named with its label, at any question.
_UNIT_SAID = re.compile(
    r"^(?:我的?|俺的?|他的?|她的?)?(?:工作单位|用人单位|单位|公司|厂子?)(?:名字|名称|全称)?"
    r"(?:是|叫|为|改成|改为)[:：]?(.{2,40})$"
)


def _unit_said(s: Step, stored: list[str]) -> list[str]:
    if "employer" in stored or "unit" in stored:
        return []
    m = _UNIT_SAID.match(understand.squeeze(s.text).rstrip("。！!"))
    if m is None:
        return []
    name = "unit" if s.draft.kind == "employer" else "employer"
    x = SLOTS[name]
    read = x.read(m.group(1), reading(s, name))
    if not read.ok:
        return []
    form.apply(x, read.updates, s.draft, s.st.profile)
    return [name]


def _errors_again(s: Step) -> bool:
    """The same optional value refused a third time: left out, not asked for ever."""
    draft, given_up = s.draft, False
    for name in dict.fromkeys(s.error_fields):
        x = SLOTS.get(name)
        if x is None:
            continue
        draft.tries[name] = draft.tries.get(name, 0) + 1
        if draft.tries[name] >= 3 and x.skippable(draft):
            draft.skipped.append(name)
            given_up = True
    return given_up and all(
        SLOTS[n].done(draft, s.st.profile) for n in s.error_fields if n in SLOTS
    )


def give_up_on_loops(s: Step, unanswered: list[Slot] | None = None) -> None:
    """A question asked twice without an answer is not asked a third time: an optional one is
    left out, a place is registered as given (首问负责: staff transfer it)."""
    draft = s.draft
    if unanswered is None:
        unanswered = [SLOTS[n] for n in s.st.asking if n in SLOTS]
    for x in unanswered:
        draft.tries[x.name] = draft.tries.get(x.name, 0) + 1
        if draft.tries[x.name] < 2:
            continue
        if x.skippable(draft) or (x.name in form.GIVEN_UP_AFTER_TRIES and draft.tries[x.name] >= 3):
            x.skipped_list(draft, s.st.profile).append(x.name)
        elif x.name == "township":
            given = clean_value(s.text)
            said = len(re.findall(r"[\u4e00-\u9fff]", given))
            if 2 <= said <= 8 and not re.search(r"说不|不知|不清|不晓|不记|不好", given):
                draft.township = given  # as said (首问负责): staff transfer it
            elif draft.tries[x.name] >= 3:
                draft.skipped.append(x.name)


def _ack(
    s: Step,
    stored: list[str],
    asked: list[str],
    skipped: list[str],
    before: dict[str, object] | None = None,
    asked_now: list[str] | None = None,
) -> None:
    """What was taken: a value not asked for is named with its value ("也记下了时间：2019年"),
    and a value that replaced another says what changed ("时间改为…")."""
    if "description" in asked and "description" in stored:
        return  # the story: the next question says enough
    draft = s.draft
    changed = [
        f
        for f in DRAFT_FIELDS
        if before is not None
        and before.get(f)
        and getattr(draft, f) != before[f]
        and _slot_of(f) not in (asked_now or [])
    ]
    extra = [n for n in dict.fromkeys(stored) if n not in asked and n not in map(_slot_of, changed)]
    if changed:
        s.say(texts.corrected(changed, draft).replace("改好了：", "好的，"))
    if extra:
        said = "、".join(dict.fromkeys(_said(n, draft) for n in extra))
        s.say(f"记下了{said}。" if not asked else f"好的，也记下了{said}。")
    elif changed:
        return
    elif skipped and not stored and not any("先空着" in p for p in s.parts):
        said = "、".join(dict.fromkeys(_label(n) for n in skipped))
        why = [i for i, p in enumerate(s.parts) if p in texts.WHY_NEEDED.values()]
        if why:  # "好的，身份证号先不填。" before why the rest is needed
            s.parts.insert(why[0], f"好的，{said}先不填。")
        else:
            s.say("好的，这项先不填。")
    elif stored and not s.error_fields:
        s.say("好的。")
    elif stored:
        # A detail refused beside others: the others are taken, and said so.
        taken = [n for n in dict.fromkeys(stored) if n not in s.error_fields]
        if taken:
            s.say(f"{'、'.join(dict.fromkeys(_label(n) for n in taken))}记下了。")


def _slot_of(field: str) -> str:
    return "period" if field in ("period_start", "period_end") else field


def _said(name: str, draft: Draft) -> str:
    """A slot's label with the value taken, when it is short enough to read back."""
    label = _label(name)
    if name in ("period", "amount", "people_count", "insurance_type", "township", "village"):
        value = texts.shown(name, draft)
        return f"{label}（{value}）" if value and value != "—" else label
    return label


def _label(name: str) -> str:
    return texts.FIELD_LABELS.get(name) or (SLOTS[name].label if name in SLOTS else name)


def _error(e: Entity) -> str:
    if e.reason:
        reason = e.reason.rstrip("。！!")
        return reason + ("。" if "核对" in reason else "，请再核对一下。")
    label = texts.FIELD_LABELS.get(e.type, "这个内容")
    return f"{label}好像不对，请再核对一下。"
