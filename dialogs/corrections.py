"""Corrections: "电话写错了，是139…", "名字不对 是李桂华", "不是滞纳金，是退费",
"时间不对，是2016年和2017年这两年" change the one field they name (the bot advertises them)."""

from __future__ import annotations

import re
from datetime import date

from dialogs import form, questions, texts, understand
from dialogs.filling import absorb, reading
from dialogs.form import SLOTS
from dialogs.readers import full_year, period_spans
from dialogs.state import DRAFT_FIELDS, Draft
from dialogs.step import Step
from identifiers import check_phone, digit_string, plain_digits, small_int
from nlu.entities.numbers import parse_number


def _values(draft: Draft) -> dict[str, object]:
    return {f: getattr(draft, f) for f in (*DRAFT_FIELDS, "kind")}


def correct(s: Step) -> bool:
    """ "电话写错了，是139…" / "名字不对 是李桂华" / "不是滞纳金，是退费" /
    "时间不对，是2016年和2017年这两年": change one field."""
    st, text = s.st, s.text
    draft = s.draft
    if _last_digits(s):
        return True
    target = understand.correction_field(text)
    tail_text = understand.correction_tail(text) or _after_cue(text, target)
    before = _values(draft)
    tail_at = text.rfind(tail_text) if tail_text else 0
    changed = False
    if target == "category":
        label = None
        # The NLU classifies a correction's new value itself (``Parse.category`` of a
        # "correct" parse); a separate parse of the tail (``tail``) is not needed.
        told = s.tail or (s.parse if s.parse is not None and s.parse.intent == "correct" else None)
        if told and told.category and not told.uncertain:
            label = told.category
        label = understand.category_from_words(tail_text) or label
        if label:
            if label != draft.category and tail_text and len(tail_text) >= 6:
                # What the problem is, told again: the description says it too.
                draft.description = (
                    f"{draft.description}（更正：{tail_text}）" if draft.description else tail_text
                )
            draft.category, draft.category_sure = label, True
            changed = True
    elif target == "period":
        spans = period_spans(_full_years(tail_text or text, s.today), s.today)
        if spans:
            draft.period_start, draft.period_end = spans
            changed = True
    else:
        said = len(s.parts)
        asking = [target] if target else list(st.asking)
        stored = absorb(s, split=None, asking=asking, overwrite=True, after=max(tail_at, 0))
        if len(s.parts) > said:
            st.asking = [target] if target and target in SLOTS else st.asking
            return True
        if target and target in SLOTS and tail_text:
            slot_ = SLOTS[
                target if target != "name" or draft.kind != "employer" else "contact_person"
            ]
            read = slot_.read(tail_text, reading(s, slot_.name))
            if read.problem and target not in stored:
                s.error(slot_.name, read.problem)
                return True
            # The new value typed after 改成 is read by the slot's own reader too: when it
            # says more than what was taken from the sentence ("张福来", not "张福"), it wins.
            if read.ok and (target not in stored or _fuller(read.updates, draft)):
                form.apply(slot_, read.updates, draft, st.profile)
                changed = True
            elif target == "village" and not read.ok and "village" not in stored:
                # "村改成工业园区": not a village (nor a 社区): no village is kept.
                draft.village = None
                draft.skipped.append("village")
                s.say(f"好的，村（社区）不填了（{tail_text[:12]}不是村或社区）。")
                questions.continue_prompt(s)
                return True
        changed = changed or bool(stored)
        if draft.village == before["village"] and (
            draft.township != before["township"] or target in ("township", "address")
        ):
            _drop_foreign_village(s, text)
    now = _values(draft)
    diff = [f for f in now if now[f] != before[f]]
    if not changed or not diff:
        if target is None and not s.parts:
            return False  # not a correction after all ("缴费基数报错了"): the story goes on
        if changed and target:
            # "改好了" only for a value that changed: the same value again is said so.
            s.say(texts.correction_unchanged(target, draft))
        else:
            s.say(texts.EDIT_HINT)
        questions.continue_prompt(s)
        return True
    note_in_description(draft, before, diff, s.today)
    s.say(texts.corrected(diff, draft))
    questions.continue_prompt(s)
    return True


#: "村一栏请留空", "村不用填", "不涉及村": no village is to be registered.
_NO_VILLAGE_SAID = re.compile(
    r"不涉及(?:村|社区)|(?:没有|不在|不属于)(?:村|社区)(?:里)?"
    r"|(?:村|社区|村社区|村（社区）)(?:一栏|这一?栏|那一?栏|这一?项|那一?项|的?名字)?"
    r"(?:请|就|先)?(?:留空|空着|不用填|不填|不要填|不需要填|不用写|不写|不用了)"
)


def no_village(s: Step) -> bool:
    """ "村一栏请留空" / "不涉及村": the village is left out (never stored as a village's name).
    True when the message said nothing else; otherwise the rest goes on, and ``settle_village``
    clears what it may have stored."""
    if s.st.draft is None or s.st.mode not in ("", "summary") or s.choice:
        return False
    m = _NO_VILLAGE_SAID.search(s.text)
    if m is None:
        return False
    rest = s.text[: m.start()] + s.text[m.end() :]
    if len(re.findall(r"[\u4e00-\u9fff0-9]", rest)) > 2:
        return False
    _leave_out_village(s.draft)
    s.say("好的，村（社区）不填了。")
    if s.st.mode == "summary":
        questions.show_summary(s)
    else:
        questions.continue_prompt(s)
    return True


def settle_village(s: Step) -> None:
    """After a turn that said there is no village beside other things ("凤鸣镇，不涉及村")."""
    if s.st.draft is not None and _NO_VILLAGE_SAID.search(s.text):
        _leave_out_village(s.st.draft)


def _leave_out_village(draft: Draft) -> None:
    draft.village = None
    if "village" not in draft.skipped:
        draft.skipped.append("village")


#: "最后一位是1", "电话最后两位是89", "尾数是1": the last digits of the phone number.
_LAST_DIGITS = re.compile(
    r"(?:电话|手机|号码|手机号)?(?:号码)?(?:的)?(?:最后|末尾?|尾数|尾号)的?"
    r"(?P<n>[一二两三四五六七八九1-9]?)位?(?:数字?)?(?:应该|其实)?(?:是|改成|改为|为|换成)[:：\s]*"
    r"(?P<digits>[0-9零〇一二三四五六七八九幺]{1,9})(?![0-9])"
)


def _last_digits(s: Step) -> bool:
    """A phone number corrected by its last digits: the stored number's end is replaced."""
    m = _LAST_DIGITS.search(understand.squeeze(s.text))
    if m is None:
        return False
    draft = s.draft
    digits = digit_string(m.group("digits")) or ""
    count = small_int(m.group("n")) if m.group("n") else len(digits)
    if not draft.phone or not digits.isdigit() or count != len(digits):
        s.say(texts.EDIT_HINT)
        questions.continue_prompt(s)
        return True
    if len(digits) >= len(draft.phone):
        return False
    new = draft.phone[: -len(digits)] + digits
    checked = check_phone(new)
    if checked.value is None:
        s.say(checked.problem or texts.EDIT_HINT)
        questions.continue_prompt(s)
        return True
    before = _values(draft)
    if checked.value == draft.phone:
        s.say(texts.correction_unchanged("phone", draft))
    else:
        draft.phone = checked.value
        note_in_description(draft, before, ["phone"], s.today)
        s.say(texts.corrected(["phone"], draft))
    questions.continue_prompt(s)
    return True


def _drop_foreign_village(s: Step, text: str) -> None:
    """The township changed and no village was said: the old village (of the old township) is
    not kept where it does not belong to the new one."""
    draft, ctx = s.draft, s.ctx
    if draft.village is None:
        return
    if draft.township in ctx.township_names and draft.village in ctx.villages_of(draft.township):
        return
    draft.village = None
    if re.search(r"地址|住址", text):
        draft.skipped.append("village")  # the whole address was given: it has no village


#: How a corrected field is named in the description's note.
_NOTE_LABELS = {"name": "姓名", "phone": "电话", "period_start": "时间", "period_end": "时间",
                "amount": "金额", "township": "乡镇", "village": "村（社区）",
                "people_count": "人数", "employer": "单位", "id_number": "身份证号"}  # fmt: skip
_AMOUNT_WORDS = re.compile(r"[0-9零〇一二两三四五六七八九十百千万.]{1,12}")


def note_in_description(
    draft: Draft, before: dict[str, object], diff: list[str], today: date
) -> None:
    """A corrected value the description still says in its old form ("李贵华", "去年",
    "一千五") gets a note at the end ("（更正：姓名为李桂华）"), once per field; what the
    person said is never rewritten."""
    said = draft.description
    if not said:
        return
    for f in dict.fromkeys("period" if f.startswith("period_") else f for f in diff):
        label = _NOTE_LABELS.get("period_start" if f == "period" else f)
        if label is None:
            continue
        note = f"（更正：{label}为{texts.shown(f, draft)}）"
        # A field corrected again: its note says the newest value.
        old = re.search(rf"（更正：{re.escape(label)}为[^（）]{{0,40}}）", said)
        if old:
            said = said[: old.start()] + note + said[old.end() :]
        elif _said_in(said, f, before, today):
            said += note
    draft.description = said


def _said_in(description: str, field: str, before: dict[str, object], today: date) -> bool:
    """Does the description state the old value of ``field``?"""
    story = re.sub(r"（更正：[^（）]{0,60}）", "", description)
    if field == "period":
        old = (before.get("period_start"), before.get("period_end"))
        return old[0] is not None and period_spans(story, today) == old
    value = before.get(field)
    if field == "amount":
        return isinstance(value, float) and any(
            parse_number(m.group(0)) == value for m in _AMOUNT_WORDS.finditer(story[:400])
        )
    if field == "phone" and isinstance(value, str):
        return value in re.sub(r"[\s\-－—]", "", plain_digits(story))
    return isinstance(value, str) and len(value) >= 2 and value in story


def _fuller(updates: dict[str, object], draft: Draft) -> bool:
    """The reader's value holds the stored one and more (the entity was cut short)."""
    for attr, value in updates.items():
        old = getattr(draft, attr, None)
        if isinstance(value, str) and isinstance(old, str) and value != old and old in value:
            return True
    return False


#: A year said by its last two digits ("21年开始没交的"), never part of a longer number.
_SHORT_YEAR = re.compile(r"(?<![0-9])([0-9]{2})(?=年)")


def _full_years(text: str, today: date) -> str:
    """ "21年" is 2021 (a year to come is of the last century: "98年" is 1998), as a clerk
    reads a corrected time."""

    return _SHORT_YEAR.sub(lambda m: str(full_year(int(m.group(1)), today)), text)


def _after_cue(text: str, target: str | None) -> str:
    """ "人数不对，就我一个": the new value follows the clause that names the field."""
    if target is None:
        return ""
    parts = re.split(r"[，,。；;\s]+", text.strip(), maxsplit=1)
    return parts[1].strip(" 。.！!") if len(parts) == 2 else ""
