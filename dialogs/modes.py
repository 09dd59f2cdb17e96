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
    texts,
    understand,
)
from dialogs.effects import OpenCase, Replay
from dialogs.form import case_draft, pending
from dialogs.messages import Choice
from dialogs.step import Step


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


def on_privacy(s: Step) -> bool:
    st = s.st
    refused = s.choice == "no" or (s.choice != "yes" and understand.refuses(s.text))
    if refused and _over_the_id(s):
        return True
    if refused or (not s.choice and understand.is_cancel(s.text)):
        # Any no is a no, with a reason or a question beside it: nothing is recorded.
        st.draft, st.mode, st.asking = None, Mode.FORM, []
        st.privacy_asked_again = False
        if understand.asks_why(s.text):
            s.say(texts.PRIVACY_WHY)
        s.say(texts.PRIVACY_DECLINED)
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
            s.text = rest
            if filling.answer(s, prompt=False) is False:
                story.more_story(s)
        questions.continue_prompt(s)
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
        st.draft, st.mode, st.asking = None, Mode.FORM, []
        st.privacy_asked_again = False
        if understand.asks_why(s.text):
            s.say(texts.PRIVACY_WHY)
        s.say(texts.PRIVACY_DECLINED)
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
    try:
        mode = Mode(s.st.mode)
    except ValueError:
        s.st.mode = Mode.FORM
        return False
    handler = HANDLERS.get(mode)
    return handler(s) if handler is not None else False
