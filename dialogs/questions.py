"""Asking: the next question of the form, the summary, the privacy notice, cancel-or-not."""

from __future__ import annotations

import re

from dialogs import form, speaker, texts
from dialogs.form import Slot
from dialogs.messages import Choice
from dialogs.step import Step

CONFIRM_CHOICES = (
    Choice("confirm", "确认提交"),
    Choice("edit", "修改"),
    Choice("cancel", "取消"),
)


def continue_prompt(s: Step) -> None:
    """Ask whatever the conversation needs next (nothing when no report is in progress)."""
    st = s.st
    if st.draft is None:
        st.asking = []
        if st.mode not in ("lookup", "feedback"):
            st.mode = ""
        return
    prefill_place(s)
    form.insurance_from_story(st.draft)  # the story told by any path: its scheme still asked
    slots = form.pending(st.draft, st.profile, s.ctx.form_rules)
    if not st.privacy_accepted:
        ask_privacy(s, slots)
        return
    if not slots:
        show_summary(s)
        return
    st.mode = ""
    ask(s, slots)


#: The same question asked this many times in a row: what may be left out is left out.
MAX_SAME_QUESTION = 3


def ask(s: Step, slots: list[Slot]) -> None:
    st = s.st
    assert st.draft is not None
    names = [x.name for x in slots]
    key = "@" + "+".join(names)
    repeats = st.draft.tries.get(key, 0) + 1 if st.asking == names else 0
    st.draft.tries = {k: v for k, v in st.draft.tries.items() if not k.startswith("@")}
    st.draft.tries[key] = repeats
    if repeats >= MAX_SAME_QUESTION and form.leave_out(st.draft, st.profile, slots):
        continue_prompt(s)  # never the same question for ever: the next one instead
        return
    st.asking = names
    if "insurance_type" in names and form.scheme_to_ask(st.draft):
        st.draft.scheme_asked = True
    s.say(texts.question(st.asking, st.draft, st.profile, s.ctx))
    s.offer(*_menu(s, slots))


def _menu(s: Step, slots: list[Slot]) -> tuple[Choice, ...]:
    assert s.st.draft is not None
    if len(slots) == 1 and slots[0].menu is not None:
        return slots[0].menu(s.ctx, s.st.draft, s.st.profile)
    # 跳过 is offered only where it skips everything asked: never offer what is then refused
    # (a question with a required part says which parts may be left out instead).
    if all(x.skippable(s.st.draft) for x in slots):
        return (form.SKIP_CHOICE,)
    return ()


def show_summary(s: Step) -> None:
    st = s.st
    assert st.draft is not None
    form.settle(st.draft, s.ctx.form_rules)
    with_privacy = not st.privacy_accepted
    st.mode, st.asking = "summary", []
    s.say(texts.summary(st.draft, st.profile, s.ctx))
    s.say(texts.SUMMARY_ASK_PRIVACY if with_privacy else texts.SUMMARY_ASK)
    s.offer(*CONFIRM_CHOICES)


#: Reminders of the notice before a user who keeps telling their matter is taken as having
#: read it (``texts.PRIVACY_TAKEN_AS_READ``).
PRIVACY_REMINDERS = 2


def ask_privacy(s: Step, slots: list[Slot]) -> None:
    """The notice and the consent request; the first question comes with it (one turn less),
    unless it needs a menu of its own. All asked at once: the summary asks for both."""
    st = s.st
    if not slots and st.draft is not None:
        s.say(texts.privacy(s.ctx))
        show_summary(s)
        return
    st.mode = "privacy"
    combined = [x for x in slots if x.menu is None or len(slots) > 1]
    st.asking = [x.name for x in combined]
    question = texts.question(st.asking, st.draft, st.profile, s.ctx) if combined else ""
    if s.mode_at_start == "privacy":
        assert st.draft is not None
        reminded = st.draft.tries.get("privacy", 0) + 1
        st.draft.tries["privacy"] = reminded
        told = s.parse is not None and (
            s.parse.intent in ("report_dispute", "inform")
            or any(e.valid for e in s.parse.entities)
        )
        if reminded > PRIVACY_REMINDERS and st.draft.description and told:
            # Told the matter again and again past the notice and two reminders: never a
            # loop; the notice stands and 取消 withdraws everything.
            st.privacy_accepted = True
            s.say(texts.PRIVACY_TAKEN_AS_READ)
            continue_prompt(s)
            return
        s.say(texts.PRIVACY_REMIND)  # the notice is just above: do not repeat it
    else:
        s.say(texts.privacy(s.ctx))
        s.say(texts.privacy_ask(question))
    s.offer(Choice("yes", "同意"), Choice("no", "不同意"))


def ask_cancel(s: Step) -> None:
    s.st.mode = "cancel"
    s.say(texts.CANCEL_ASK)
    s.offer(Choice("cancel_yes", "确定取消"), Choice("cancel_no", "继续填写"))


def prefill_place(s: Step) -> None:
    """A grid worker files for households of their own grid: start from its township and
    village (shown in the summary, where a correction changes them)."""
    draft, profile = s.st.draft, s.st.profile
    if draft is None or not draft.proxy or draft.township or draft.village:
        return
    first = form.pending(draft, profile, s.ctx.form_rules)
    if first and first[0].owner == "grid_worker":
        return
    draft.township, draft.village = profile.township, profile.village


#: What is left of "俺是工人，不是单位的" once the statement is out: nothing of substance.
_FILLER = re.compile(r"[\s，,。.！!？?；;、…~～]|的|是|我|俺|咱|反映|登记|啊|呀|呢|嘛|了|就|只")


def person_said(s: Step) -> bool:
    """ "俺是工人，不是单位的", "我是以个人身份反映的" at any point (a question, the privacy
    notice, the summary): the report is the person's and the unit named is their employer.
    True when the message said nothing else (answered here: the question asked again);
    anything more goes on through the turn."""
    draft = s.st.draft
    if draft is None or draft.proxy or not speaker.person_speaks(s.text):
        return False
    was_unit = draft.kind == "employer"
    draft.kind = "person"
    rest = _FILLER.sub("", speaker.PERSON_SELF.sub("", s.text))
    if len(rest) > 3:
        return False
    unit = f"，{draft.employer}记为您的用人单位" if was_unit and draft.employer else ""
    s.say(f"好的，按您个人反映登记{unit}。")
    continue_prompt(s)  # a person's form may ask more (the ID number) before the summary
    return True
