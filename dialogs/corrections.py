"""Corrections: "电话写错了，是139…", "名字不对 是李桂华", "不是滞纳金，是退费",
"时间不对，是2016年和2017年这两年" change the one field they name (the bot advertises them)."""

from __future__ import annotations

from dialogs import form, questions, texts, understand
from dialogs.filling import absorb, reading
from dialogs.form import SLOTS
from dialogs.readers import period_spans
from dialogs.step import Step


def correct(s: Step) -> bool:
    """ "电话写错了，是139…" / "名字不对 是李桂华" / "不是滞纳金，是退费" /
    "时间不对，是2016年和2017年这两年": change one field."""
    st, text = s.st, s.text
    draft = s.draft
    target = understand.correction_field(text)
    tail_text = understand.correction_tail(text) or ""
    tail_at = text.rfind(tail_text) if tail_text else 0
    changed = False
    if target == "category":
        label = None
        if s.tail and s.tail.category and not s.tail.uncertain:
            label = s.tail.category
        label = understand.category_from_words(tail_text) or label
        if label:
            draft.category, draft.category_sure = label, True
            changed = True
    elif target == "period":
        spans = period_spans(tail_text or text, s.today)
        if spans:
            draft.period_start, draft.period_end = spans
            changed = True
    else:
        before = len(s.parts)
        asking = [target] if target else list(st.asking)
        stored = absorb(s, split=None, asking=asking, overwrite=True, after=max(tail_at, 0))
        if len(s.parts) > before:
            st.asking = [target] if target and target in SLOTS else st.asking
            return True
        if target and target not in stored and target in SLOTS and tail_text:
            slot_ = SLOTS[
                target if target != "name" or draft.kind != "employer" else "contact_person"
            ]
            read = slot_.read(tail_text, reading(s, slot_.name))
            if read.problem:
                s.error(slot_.name, read.problem)
                return True
            if read.ok:
                form.apply(slot_, read.updates, draft, st.profile)
                changed = True
        changed = changed or bool(stored)
    if not changed:
        if target is None and not s.parts:
            return False  # not a correction after all ("缴费基数报错了"): the story goes on
        s.say(texts.EDIT_HINT)
        questions.continue_prompt(s)
        return True
    s.say("改好了。")
    questions.continue_prompt(s)
    return True
