"""One dialogue turn as a pure function.

``turn(state, inbound, parse, ctx)`` returns the new state, the replies and the effects the
caller must carry out (open a case, look one up...). Effects that produce an answer are fed
back through ``resolve(state, effect, outcome, inbound, ctx)``, also pure. Nothing here does
I/O, reads a clock or knows a channel: ``dialogs.service`` does that.

The turn's parts live in modules with one job each: ``modes`` (questions that must be
answered first: an Enum and its handler table), ``form`` (the intake form as data) and
``readers`` (its bare-answer readers), ``filling`` (values from what was said), ``corrections``,
``story`` (the story and its category; what is not a fee dispute), ``speaker`` (a unit or a
person reporting), ``questions`` (what to ask next), ``talk`` (greetings, hotlines, what is said
after a case), ``lookup`` (status and feedback), ``attachments`` (photos, voice, files: issue
15), ``effects``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from backend.drafts import OpenedCase
from dialogs import (
    attachments,
    corrections,
    filling,
    households,
    lookup,
    modes,
    questions,
    speaker,
    story,
    talk,
    texts,
    understand,
)
from dialogs.attachments import attachment_target, current_draft_key
from dialogs.context import DialogContext
from dialogs.effects import (
    Effect,
    Failed,
    ListMyCases,
    LookupCase,
    OpenCase,
    RecordFeedback,
    RecordInfo,
    Replay,
    TurnResult,
)
from dialogs.form import case_draft, expecting_of, next_field
from dialogs.messages import Choice, Inbound
from dialogs.modes import Mode
from dialogs.names import is_address_form
from dialogs.state import ConversationState, Draft
from dialogs.step import Step
from identifiers import check_phone, mask_phone
from nlu.types import Parse

__all__ = [
    "Effect",
    "Failed",
    "ListMyCases",
    "LookupCase",
    "OpenCase",
    "RecordFeedback",
    "RecordInfo",
    "Replay",
    "TurnResult",
    "asking",
    "attachment_target",
    "case_draft",
    "current_draft_key",
    "expecting",
    "next_field",
    "resolve",
    "turn",
]

SELF_MARKER = re.compile(r"我自己|我本人|本人的事|给我自己")
#: A grid worker saying the villager agreed ("本人已同意", "她同意我帮她反映"); never a no.
_CONSENT_GIVEN = re.compile(
    r"(?:本人|他本人|她本人|户主|老人|当事人|他|她)(?:已经?|都|也)?(?:同意|答应)(?!吗)"
    r"|已(?:经)?征得(?:本人|他|她|户主)?(?:的)?同意"
)
#: A grid worker's first message saying the villager does not want it filed.
_VILLAGER_REFUSES = re.compile(
    r"(?:本人|他本人|她本人|户主|老人|当事人|他|她|人家)(?:说)?(?:还是|也)?"
    r"(?:不同意|不愿意|不愿|不让|不肯|不想让|拒绝|不要我?帮|不用我?帮)"
)
# --- public functions ---------------------------------------------------------------------


def turn(
    state: ConversationState,
    inbound: Inbound,
    parse: Parse,
    ctx: DialogContext,
    *,
    tail: Parse | None = None,
) -> TurnResult:
    """One user message -> new state, replies, effects.

    ``tail`` is the parse of a correction's new value ("不是滞纳金的问题，是退费" -> "退费"),
    when the caller found one with ``understand.correction_tail``.
    """
    s = Step.begin(state, inbound, ctx, parse, tail)
    _run(s)
    return s.result()


def resolve(
    state: ConversationState,
    effect: Effect,
    outcome: Any,
    inbound: Inbound,
    ctx: DialogContext,
) -> TurnResult:
    """Fold an effect's outcome back into the conversation (replies come before the turn's)."""
    s = Step.begin(state, inbound, ctx, None)
    st = s.st
    st.menu = []
    if isinstance(effect, OpenCase):
        if isinstance(outcome, OpenedCase):
            proxy = bool(st.draft and st.draft.proxy)
            if st.draft is not None:
                about = [outcome.number, st.draft.name or "", st.draft.category or ""]
                st.opened_about = [*st.opened_about, about][-20:]
                _remember_complainant(st)
            st.draft, st.mode, st.asking = None, Mode.FORM, []
            st.opened.append(outcome.number)
            # Only this conversation's own cases are named: a case linked by the backend (the
            # same ID number, say) may be another person's, and its number is not theirs to see.
            s.say(texts.opened(outcome, proxy, ctx.timezone, s.today, own=tuple(st.opened)))
            held = households.held_next(s)
            if held:
                s.effects.append(Replay(held))  # the next household, held while this one was open
        else:
            s.say(texts.OPEN_FAILED)
            questions.show_summary(s)
    elif isinstance(effect, LookupCase):
        lookup.resolve_lookup(s, effect, outcome)
    elif isinstance(effect, ListMyCases):
        lookup.resolve_list(s, effect, outcome)
    elif isinstance(effect, RecordFeedback):
        lookup.resolve_feedback(s, effect, outcome)
    elif isinstance(effect, RecordInfo):
        if isinstance(outcome, Failed):
            s.say(texts.after_case_correction(effect.number))
        else:
            s.say(texts.info_recorded(effect.number))
    return s.result()


def asking(state: ConversationState) -> tuple[str, ...]:
    """What the conversation waits for: the mode ("privacy", "summary", ...) and/or the form
    slots asked ("name", "phone"); () when nothing is asked."""
    mode = (state.mode,) if state.mode else ()
    slots = tuple(state.asking) if state.mode in ("", "privacy") else ()
    return mode + slots


def expecting(state: ConversationState) -> str | None:
    """What the NLU is told the dialogue just asked (``Nlu.parse(..., expecting=...)``)."""
    if state.mode in (Mode.SUMMARY, Mode.CANCEL, Mode.RESUME, Mode.PHOTO):
        return "confirm"
    if state.mode == Mode.PRIVACY and not state.asking:
        return "confirm"
    if state.mode in (Mode.LOOKUP, Mode.FEEDBACK):
        return None
    if state.asking:
        first = state.asking[0]
        return "confirm" if first == "consent" else expecting_of(first).removeprefix("worker_")
    return None


# --- the turn -------------------------------------------------------------------------------


def _run(s: Step) -> None:
    st = s.st
    first_contact = st.turns == 0
    st.turns += 1
    _identify(s)
    s.choice = understand.resolve_choice(s.text, s.inbound.choice_id, st.menu)
    st.menu = []
    if first_contact:
        s.say(texts.greeting(s.ctx))
    if attachments.acknowledge(s):
        return  # a photo, voice or file without words: acknowledged, the question stands
    if s.choice == attachments.CALL_BACK and attachments.call_back(s):
        return
    if _idle_return(s):
        return
    if households.filed_correction(s) or households.hold_next(s):
        pass  # another household: its case, or held until the open one is submitted
    elif corrections.no_village(s):
        pass
    elif questions.person_said(s):
        pass  # "俺是工人，不是单位的": settled at any question, the summary included
    elif not modes.handle(s):
        _dispatch(s)
    corrections.settle_village(s)
    if s.inbound.attachments:
        attachments.after_turn(s)
    elif st.photo_offers and st.mode != Mode.PHOTO:
        st.photo_offers = []  # a photo's values not taken up when offered: dropped, not kept


def _identify(s: Step) -> None:
    """A grid worker listed in the config is recognised by a vouched phone or account."""
    profile = s.st.profile
    if profile.from_config:
        return
    worker = s.ctx.grid_worker_for(s.inbound.channel, s.inbound.user_ref, s.inbound.contact_phone)
    if worker is None:
        return
    profile.role = "grid_worker"
    profile.from_config = True
    profile.name = profile.name or worker.name
    profile.phone = profile.phone or check_phone(worker.phone).value or worker.phone
    profile.township = profile.township or worker.township
    profile.village = profile.village or worker.village
    if not s.st.privacy_accepted:
        # A grid worker the county lists files with the villager's consent (asked for each
        # household): the notice is for them to pass on, not a question to them.
        s.st.privacy_accepted = True
        s.say(texts.privacy_for_grid_worker(s.ctx))


def _idle_return(s: Step) -> bool:
    st = s.st
    if st.draft is None or st.mode in (Mode.RESUME, Mode.CANCEL) or not st.updated_at:
        return False
    last = datetime.fromisoformat(st.updated_at)
    if s.inbound.received_at - last <= timedelta(minutes=s.ctx.idle_minutes):
        return False
    if lookup.case_number(s) or understand.is_my_cases(s.text):
        return False  # a quick lookup does not need the question
    st.mode = Mode.RESUME
    st.pending_text = s.text if not s.choice else None
    s.say(texts.resume(st.draft))
    s.offer(Choice("resume", "接着填"), Choice("restart", "重新开始"))
    return True


def _dispatch(s: Step) -> None:
    st, text, parse = s.st, s.text, s.parse
    assert parse is not None
    in_progress = st.draft is not None

    if not in_progress and lookup.take_verdict(s):
        return  # a verdict on a closed case ("不满意，才报了这么点", "3") before anything else
    if not in_progress and st.opened and not lookup.case_number(s) and talk.after_case(s):
        return
    if understand.is_cancel(text) and not understand.is_correction(text):
        if in_progress:
            questions.ask_cancel(s)
        else:
            s.say(texts.NOTHING_TO_CANCEL)
        return
    number = lookup.case_number(s)
    if number:
        s.effects.append(LookupCase(number, lookup.last4_besides(s, number)))
        return
    if lookup.partial_number(s):
        return  # "2026年第5号" with no prefix known: the full number is asked for
    if understand.is_my_cases(text):
        s.effects.append(ListMyCases())
        return
    if not in_progress and lookup.feedback_turn(s):
        return
    story_asked = st.asking == ["description"]
    if in_progress and _same_as_before(s):
        return
    if in_progress and st.draft is not None and st.draft.description and story.addition(s):
        questions.continue_prompt(s)
        return
    if in_progress and _announces_new_matter(text) and st.draft is not None:
        # "不是问进度，是新的一户要登记": this report is the new one; carry on with it.
        s.say(texts.NEW_ONE)
        questions.continue_prompt(s)
        return
    if (
        in_progress
        and not story_asked
        and understand.is_correction(text)
        and corrections.correct(s)
    ):
        return
    # A bare name or phone number may look like small talk to the NLU: when a value is
    # asked, try the answer first; when the story is asked, greetings and questions first.
    talk_first = not in_progress or st.asking in ([], ["description"])
    if talk_first and talk.small_talk(s, in_progress):
        return
    if in_progress and story_asked and _not_ours(s):
        return
    if in_progress and filling.answer(s):
        return
    if in_progress and story.more_story(s):
        filling.give_up_on_loops(s)
        questions.continue_prompt(s)
        return
    if not talk_first and talk.small_talk(s, in_progress):
        return
    if not in_progress:
        _start(s)
        return
    _unanswered(s)


def _announces_new_matter(text: str) -> bool:
    """A short message that only says another household or matter is being reported ("是新的
    一户要登记"), never a correction like "是另一个单位"."""
    return (
        len(text) <= 30
        and households.NOT_NEW.search(text) is None
        and talk.NEW_MATTER.search(text) is not None
        and re.search(r"一户|一件|新的|事|登记", text) is not None
    )


#: Details a first message may carry before its story ("我叫李桂花，电话139…").
_FORM_DETAILS = frozenset(
    {"person_name", "phone", "id_number", "credit_code", "township", "village"}
)


def _start(s: Step) -> None:
    st, parse, text = s.st, s.parse, s.text
    assert parse is not None
    split = filling.grid_split(s)
    if split is None and not any(e.type in _FORM_DETAILS for e in parse.entities):
        topic = story.off_topic(s, text)
        if topic is not None and not story.only_announces(text):
            # Nothing opens unless a fee dispute was reported: another office's matter is
            # referred to its hotline (the county's), and no form is started.
            s.say(texts.referral(s.ctx, text, topic or None))
            return
    worker = split is not None or st.profile.role == "grid_worker"
    if worker and not SELF_MARKER.search(text) and _VILLAGER_REFUSES.search(text):
        # "他不愿意让我代办": no filing without the villager's consent; nothing is kept.
        s.say(filling.CONSENT_REFUSED)
        return
    draft = s.new_draft()
    if split is not None:
        st.profile.role = "grid_worker"
    if st.profile.role == "grid_worker":
        draft.proxy = not SELF_MARKER.search(text)
    if not draft.proxy and speaker.employer_speaks(text, parse):
        draft.kind = "employer"
    filling.absorb(s, split=split, asking=[])
    if draft.proxy and draft.consent is None and _CONSENT_GIVEN.search(text):
        draft.consent = True  # "本人已同意": the villager's consent, said with the report
    _prefill_returning(s)
    body = text[split:] if split is not None else text
    if not story.take_story(s, body) and not draft.description and not draft.proxy:
        story.keep_piece(s, body)  # "医保": the story told in pieces starts here
    questions.continue_prompt(s)


#: The complainant's own details carried to their next matter in the same chat.
_OWN_DETAILS = ("name", "phone", "id_number", "township", "village")


def _remember_complainant(st: ConversationState) -> None:
    d = st.draft
    if d is None or d.proxy or d.kind != "person" or not d.name:
        return
    st.last_complainant = {f: str(v) for f in _OWN_DETAILS if (v := getattr(d, f))}
    skipped = [f for f in _OWN_DETAILS if f in d.skipped]
    if skipped:
        st.last_complainant["skipped"] = ",".join(skipped)


#: "还是俺，电话跟上回一样": the value said before (the last case's), never the story.
_SAME_AS_BEFORE = re.compile(
    r"(?:跟|和|同|与)?(?:上回|上次|上一次|上一回|前面|刚才|以前|之前)(?:的|说的|登记的)?(?:一样|一个样|相同|那个)"
    r"|还是(?:俺|我|我本人|本人)(?:$|[，,。])|同上"
)


def _same_as_before(s: Step) -> bool:
    st, draft = s.st, s.st.draft
    if draft is None or not st.last_complainant or draft.proxy or draft.kind != "person":
        return False
    if len(understand.squeeze(s.text)) > 20 or _SAME_AS_BEFORE.search(s.text) is None:
        return False
    if draft.name and draft.name != st.last_complainant.get("name"):
        return False
    _fill_from_last(draft, st.last_complainant)
    s.say("好的，用您上次登记的信息。")
    questions.continue_prompt(s)
    return True


def _fill_from_last(draft: Draft, last: dict[str, str]) -> list[str]:
    place_ok = not draft.township or draft.township == last.get("township")
    taken = []
    for f in _OWN_DETAILS:
        if f not in last or getattr(draft, f):
            continue
        if f in ("township", "village") and not place_ok:
            continue
        setattr(draft, f, last[f])
        taken.append(f)
    for f in last.get("skipped", "").split(","):
        if f in _OWN_DETAILS and not getattr(draft, f) and f not in draft.skipped:
            draft.skipped.append(f)
    return taken


def _prefill_returning(s: Step) -> None:
    """A returning complainant with a new matter: their name, phone, place and ID from the
    case before are filled in (shown at the summary, where they can be changed), not asked
    again. Not when the new message names someone else."""
    last, draft = s.st.last_complainant, s.draft
    if not last or draft.proxy or draft.kind != "person":
        return
    if draft.name and draft.name != last.get("name"):
        return
    if _fill_from_last(draft, last):
        who = "、".join(v for v in (last.get("name"), mask_phone(last.get("phone"))) if v)
        s.say(f"姓名、电话等先用您上次登记的（{who}），不对的话直接告诉我要改哪项。")


def _not_ours(s: Step) -> bool:
    """Asked for the story, told of another office's matter: referred, and the empty form
    dropped (nothing is registered that is not a fee dispute)."""
    parse = s.parse
    if parse is not None and any(e.type in _FORM_DETAILS for e in parse.entities):
        return False
    topic = story.off_topic(s, s.text)
    if topic is None or s.st.draft is None or s.st.draft.description:
        return False
    s.say(texts.referral(s.ctx, s.text, topic or None))
    s.st.draft, s.st.mode, s.st.asking = None, Mode.FORM, []
    return True


def _unanswered(s: Step) -> None:
    st = s.st
    if any(n in ("name", "worker_name", "contact_person") for n in st.asking) and is_address_form(
        s.text
    ):
        s.say(texts.FULL_NAME_PLEASE)
        questions.continue_prompt(s)
        return
    s.say(texts.NOT_UNDERSTOOD)
    if st.mode == Mode.SUMMARY:
        s.say(texts.EDIT_HINT)
        s.say(texts.SUMMARY_ASK)
        s.offer(*questions.CONFIRM_CHOICES)
        return
    if st.draft is not None:
        filling.give_up_on_loops(s)
    questions.continue_prompt(s)
