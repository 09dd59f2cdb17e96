"""Corrections: "电话写错了，是139…", "名字不对 是李桂华", "不是滞纳金，是退费",
"时间不对，是2016年和2017年这两年" change the one field they name (the bot advertises them)."""

from __future__ import annotations

import re

from dialogs import form, questions, texts, understand
from dialogs.filling import absorb, reading
from dialogs.form import SLOTS
from dialogs.readers import period_spans
from dialogs.state import DRAFT_FIELDS, Draft
from dialogs.step import Step


def _values(draft: Draft) -> dict[str, object]:
    return {f: getattr(draft, f) for f in (*DRAFT_FIELDS, "kind")}


def correct(s: Step) -> bool:
    """ "电话写错了，是139…" / "名字不对 是李桂华" / "不是滞纳金，是退费" /
    "时间不对，是2016年和2017年这两年": change one field."""
    st, text = s.st, s.text
    draft = s.draft
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
                draft.description = f"{draft.description or ''}；更正：{tail_text}".lstrip("；")
            draft.category, draft.category_sure = label, True
            changed = True
    elif target == "period":
        spans = period_spans(tail_text or text, s.today)
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
        changed = changed or bool(stored)
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
    s.say(texts.corrected(diff, draft))
    questions.continue_prompt(s)
    return True


def _fuller(updates: dict[str, object], draft: Draft) -> bool:
    """The reader's value holds the stored one and more (the entity was cut short)."""
    for attr, value in updates.items():
        old = getattr(draft, attr, None)
        if isinstance(value, str) and isinstance(old, str) and value != old and old in value:
            return True
    return False


def _after_cue(text: str, target: str | None) -> str:
    """ "人数不对，就我一个": the new value follows the clause that names the field."""
    if target is None:
        return ""
    parts = re.split(r"[，,。；;\s]+", text.strip(), maxsplit=1)
    return parts[1].strip(" 。.！!") if len(parts) == 2 else ""
