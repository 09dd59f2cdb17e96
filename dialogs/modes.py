"""Questions that must be answered before anything else, and their handlers.

A conversation is in one ``Mode``: filling the form (``FORM``: the asked slots are in
``state.asking``) or waiting for one answer (the privacy consent, the summary's 确认, a cancel
to confirm, continue-or-restart after idling, a phone's last four digits, a verdict). Each
handler returns True when it dealt with the message; False hands it to the general dispatch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from dialogs import (
    attachments,
    corrections,
    filling,
    households,
    lookup,
    questions,
    story,
    talk,
    texts,
    understand,
)
from dialogs.effects import OpenCase, Replay
from dialogs.form import SLOTS, apply, case_draft, pending
from dialogs.messages import Choice
from dialogs.step import Step
from identifiers import PROVINCES, digit_string


class Mode(StrEnum):
    FORM = ""
    PRIVACY = "privacy"
    SUMMARY = "summary"
    CANCEL = "cancel"
    RESUME = "resume"
    LOOKUP = "lookup"
    FEEDBACK = "feedback"
    #: A value read from a photo, offered for a yes (``dialogs.attachments``).
    PHOTO = "photo"


def _decline_privacy(s: Step) -> None:
    """The privacy notice refused: the draft is dropped (nothing kept), a why answered."""
    st = s.st
    st.draft, st.mode, st.asking = None, Mode.FORM, []
    st.privacy_asked_again = False
    if understand.asks_why(s.text):
        s.say(texts.PRIVACY_WHY)
    s.say(texts.PRIVACY_DECLINED)


def on_privacy(s: Step) -> bool:
    st = s.st
    refused = s.choice == "no" or (s.choice != "yes" and understand.refuses(s.text))
    if refused and _over_the_id(s):
        return True
    if refused or (not s.choice and understand.is_cancel(s.text)):
        # Any no is a no, with a reason or a question beside it: nothing is recorded.
        _decline_privacy(s)
        return True
    if not s.choice and understand.asks_why(s.text):
        # "为什么要身份证？": answered, and the consent asked again (never taken for a yes).
        s.say(texts.PRIVACY_WHY)
        s.say(texts.PRIVACY_ASK)
        s.offer(Choice("yes", "同意"), Choice("no", "不同意"))
        return True
    agreed, rest = understand.leading_agreement(s.text)
    if not agreed and s.parse is not None and not _negated(s.text):
        agreed = s.parse.intent == "affirm" and s.parse.intent_confidence >= 0.8
    if s.choice == "yes" or (not s.choice and agreed):
        st.privacy_accepted, st.mode = True, Mode.FORM
        s.say(texts.PRIVACY_THEN_ASK)
        if st.draft is None:
            s.new_draft()
        if rest:
            # The yes blanked, not cut: the parse's entity offsets still point into the text.
            at = s.text.rfind(rest)
            s.text = " " * at + s.text[at:] if at >= 0 else rest
            if filling.answer(s, prompt=False) is False:
                story.more_story(s)
        talk.ask_again(s)  # the consent answered: the question asked with it is asked anew
        return True
    return False


#: A refusal because of the ID number ("不同意，俺不想给你们身份证").
_ID_WORDS = re.compile(r"身份证|证件|身份号")


def _over_the_id(s: Step) -> bool:
    """The first no that names the ID number: the ID can be left out (「跳过」), so the consent
    is asked once more before anything is discarded; a second no is a no."""
    st = s.st
    if st.privacy_asked_again or not _ID_WORDS.search(s.text):
        return False
    st.privacy_asked_again = True
    s.say(texts.PRIVACY_WHY if understand.asks_why(s.text) else texts.PRIVACY_ID_OPTIONAL)
    s.say(texts.PRIVACY_ASK)
    s.offer(Choice("yes", "同意"), Choice("no", "不同意"))
    return True


def _negated(text: str) -> bool:
    """A negation or a question anywhere: the NLU's "affirm" is not taken for a consent."""
    return re.search(r"不|没|别|否|[?？吗]", text) is not None


def on_summary(s: Step) -> bool:
    st = s.st
    if st.draft is None:
        st.mode = Mode.FORM
        return False
    if (
        not st.privacy_accepted
        and not s.choice
        and understand.refuses(s.text)
        and not understand.is_cancel(s.text)
    ):
        # The summary carried the privacy notice: a no to it is a no, nothing is kept.
        if _over_the_id(s):
            s.offer(*questions.CONFIRM_CHOICES)
            return True
        _decline_privacy(s)
        return True
    if s.choice == "confirm" or (not s.choice and understand.agrees(s.text)):
        if pending(st.draft, st.profile, s.ctx.form_rules):
            st.mode = Mode.FORM
            questions.continue_prompt(s)
            return True
        if story.other_office(s, (st.draft.description or "")[:400]) is not None:
            # Only a fee dispute is registered: the story told is another office's matter.
            s.say(texts.referral(s.ctx, st.draft.description or "", None))
            st.draft, st.mode, st.asking = None, Mode.FORM, []
            return True
        st.privacy_accepted = True
        s.effects.append(OpenCase(case_draft(st, s.inbound)))
        return True
    if s.choice == "edit" or (not s.choice and understand.is_deny(s.text)):
        s.say(texts.EDIT_HINT)
        s.offer(*questions.CONFIRM_CHOICES)
        return True
    if s.choice == "cancel":
        questions.ask_cancel(s)
        return True
    return not s.choice and not understand.is_cancel(s.text) and _states_values(s)


def _states_values(s: Step) -> bool:
    """At the summary, a message that states a value is a correction of it ("是职工养老保险，
    不是城乡居民的", "就他一个人", "人数不对，就我一个"): applied, the summary shown again."""
    if story.addition(s):
        questions.show_summary(s)
        return True
    if understand.is_correction(s.text) and corrections.correct(s):
        return True
    return filling.answer(s)


def on_cancel(s: Step) -> bool:
    st = s.st
    st.mode = Mode.FORM
    keep = s.choice == "cancel_no" or (
        not s.choice and (understand.is_deny(s.text) or "继续" in s.text)
    )
    if keep:
        s.say(texts.CANCEL_KEPT)
        questions.continue_prompt(s)
        return True
    if s.choice == "cancel_yes" or understand.agrees(s.text) or understand.is_cancel(s.text):
        st.draft, st.asking = None, []
        s.say(texts.CANCEL_DONE)
        held = households.held_next(s)
        if held:
            s.effects.append(Replay(held))  # the next household, held while this one was open
        return True
    return False


def on_resume(s: Step) -> bool:
    st = s.st
    held = st.pending_text or ""
    st.mode, st.pending_text = Mode.FORM, None
    if s.choice == "restart" or (not s.choice and re.search("重新|重来|重填", s.text)):
        st.draft, st.asking = None, []
        s.say("好的，重新开始。")
        if held and not understand.is_greet(held):
            s.effects.append(Replay(held))
        else:
            s.new_draft()
            questions.continue_prompt(s)
        return True
    if s.choice == "resume" or understand.agrees(s.text):
        s.say("好的，我们接着填。")
        if held and not understand.is_greet(held):
            s.effects.append(Replay(held))
        else:
            questions.continue_prompt(s)
        return True
    # Anything else: carry on with the draft; the held message is not lost.
    if held and not understand.is_greet(held):
        s.effects.append(Replay(f"{held}，{s.text}"))
        return True
    return False


def on_lookup(s: Step) -> bool:
    st = s.st
    # Waiting for the last four digits: four digits in the answer, in any width or words
    # ("后四位是０４１８", "网格员电话1121"), are that answer; another case number, a lookup.
    digits = lookup.last4_answer(s.text)
    number = lookup.case_number(s)
    if st.lookup_number and digits and number in (None, st.lookup_number):
        s.effects.append(lookup.LookupCase(st.lookup_number, digits))
        return True
    if number:
        s.effects.append(lookup.LookupCase(number, lookup.last4_besides(s, number)))
        return True
    st.mode, st.lookup_number = Mode.FORM, None
    return False


def on_feedback(s: Step) -> bool:
    st = s.st
    verdict = s.choice[3:] if s.choice and s.choice.startswith("fb:") else None
    verdict = verdict or understand.verdict(s.text, numbered=True)
    if verdict and st.feedback_case:
        lookup.record_feedback(s, st.feedback_case, verdict)
        return True
    st.mode, st.feedback_case = Mode.FORM, None
    return False


#: The words around half an ID number ("身份证1405221951", "前头是410526195501", "后头是…").
_ID_HALF_WORDS = re.compile(
    r"身份证号?码?|证件号码?|号码|前头|前面|前边|开头|后头|后面|后边|剩下的?|接着|还有|是|的|了|为|[:：，,。.\s]"
)


def _id_digits(text: str) -> str | None:
    """The digits of a message that is only (part of) an ID number and its cue words."""
    rest = _ID_HALF_WORDS.sub("", text)
    digits = digit_string(rest, max_len=24) if rest else None
    return digits if digits and digits.isascii() and not digits.startswith("+") else None


def _id_rest(have: int) -> str:
    return f"好的，先记下身份证号的前{have}位，请接着发后面的{18 - have}位。"


def id_in_halves(s: Step) -> bool:
    """An ID number given in two messages ("身份证1405221951", then "03120427"): the first
    digits are kept and the rest asked for; the next digits are joined and checked as one."""
    st, draft = s.st, s.st.draft
    if draft is None or st.mode or "id_number" not in st.asking or draft.id_number:
        if draft is not None:
            draft.id_partial = None
        return False
    digits = _id_digits(s.text)
    if draft.id_partial and digits:
        joined = draft.id_partial + digits
        if len(digits) in (15, 18) and digits[:2] in PROVINCES:
            draft.id_partial = None
            return False  # the whole number typed again: read as usual
        if len(joined) < 18 and not digits.upper().endswith("X"):
            draft.id_partial = joined
            s.say(_id_rest(len(joined)))
            return True
        draft.id_partial = None
        slot = SLOTS["id_number"]
        read = slot.read(joined, filling.reading(s, "id_number"))
        if read.ok:
            apply(slot, read.updates, draft, st.profile)
            s.say("好的，身份证号记下了。")
            questions.continue_prompt(s)
        else:
            s.say(read.problem or "两次发的数字拼起来不是身份证号，请再核对一下。")
            s.say("请把18位身份证号完整发一遍。")
        return True
    draft.id_partial = None
    if digits and 6 <= len(digits) <= 17 and digits.isdigit() and digits[:2] in PROVINCES:
        if len(digits) == 15 or (11 <= len(digits) <= 12 and digits[0] == "1"):
            return False  # an old 15-digit ID, or a phone number: read as usual
        draft.id_partial = digits
        s.say(_id_rest(len(digits)))
        return True
    return False


HANDLERS: dict[Mode, Callable[[Step], bool]] = {
    Mode.PRIVACY: on_privacy,
    Mode.SUMMARY: on_summary,
    Mode.CANCEL: on_cancel,
    Mode.RESUME: on_resume,
    Mode.LOOKUP: on_lookup,
    Mode.FEEDBACK: on_feedback,
    Mode.PHOTO: attachments.on_photo,
}


def handle(s: Step) -> bool:
    """The current mode's handler; False when there is none or it passed the message on."""
    if talk.person_wanted(s):
        return True  # "转人工" at any question: how to reach a person, then the question again
    if id_in_halves(s):
        return True
    try:
        mode = Mode(s.st.mode)
    except ValueError:
        s.st.mode = Mode.FORM
        return False
    handler = HANDLERS.get(mode)
    return handler(s) if handler is not None else False
