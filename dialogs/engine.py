"""One dialogue turn as a pure function.

``turn(state, inbound, parse, ctx)`` returns the new state, the replies and the effects the
caller must carry out (open a case, look one up...). Effects that produce an answer are fed
back through ``resolve(state, effect, outcome, inbound, ctx)``, also pure. Nothing here does
I/O, reads a clock or knows a channel: ``dialogs.service`` does that.

The turn's parts live in modules with one job each: ``modes`` (questions that must be
answered first), ``form`` (the intake form as data), ``filling`` (values from what was said),
``questions`` (what to ask next), ``lookup`` (status and feedback), ``effects``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from backend.drafts import OpenedCase
from dialogs import corrections, filling, lookup, modes, questions, story, texts, understand
from dialogs.context import DialogContext
from dialogs.effects import (
    Effect,
    Failed,
    ListMyCases,
    LookupCase,
    OpenCase,
    RecordFeedback,
    Replay,
    TurnResult,
)
from dialogs.form import case_draft, expecting_of, next_field
from dialogs.messages import Choice, Inbound
from dialogs.modes import Mode
from dialogs.names import is_address_form
from dialogs.state import ConversationState
from dialogs.step import Step
from identifiers import check_phone
from nlu.types import Parse

__all__ = [
    "Effect",
    "Failed",
    "ListMyCases",
    "LookupCase",
    "OpenCase",
    "RecordFeedback",
    "Replay",
    "TurnResult",
    "asking",
    "case_draft",
    "expecting",
    "next_field",
    "resolve",
    "turn",
]

SELF_MARKER = re.compile(r"我自己|我本人|本人的事|给我自己")
#: An employer speaking: "我们公司…", "我是XX厂的会计", "本单位…".
EMPLOYER_SPEAKER = re.compile(
    r"(?:我是|我们是|我们这是)[^，,。]{2,20}?(?:公司|厂|合作社|卫生院|医院|学校|门市部|超市|饭店|酒店|诊所|幼儿园|企业)的?(?![的]?(?:员工|职工|工人))"
    r"|(?:我们|俺们|咱们|咱|俺)(?:是|这个|这家|是一家|是个|这)?(?:小)?(?:公司|单位|厂|企业|合作社|卫生院|医院|学校|门市|店|超市|饭店|酒店|工地|诊所|幼儿园)"
    r"|个体户|个体工商户"
)
#: ... in their own words: sure even beside words a worker would use.
EMPLOYER_SURE = re.compile(
    r"本(?:公司|单位|企业|厂)|我(?:单位|公司|厂|社|院)(?!门口)"
    r"|(?:公司|厂|单位|企业|合作社|卫生院|医院|学校|门市部|店|超市|诊所)里?的?"
    r"(?:会计|出纳|财务|人事|老板|负责人|法人|经理|办事员|专员|行政|管社保|负责社保)"
    r"|我是.{0,16}?(?:会计|出纳|财务|人事|老板|老板娘|法人|法定代表人|负责人|办事员|厂长|院长|社长|店主)"
    r"|(?:给|替|为)(?:职工|员工|工人|单位职工|伙计|店员|雇的人)(?:们)?(?:交|缴|申报|办)"
)
#: A worker speaking about their employer ("我们公司没给我交社保").
WORKER_SPEAKER = re.compile(
    r"给我|把我|我的(?:社保|养老|医保|工资|保险)|辞退|开除|拖欠我|欠我|老板|给俺|把俺|俺的|欠俺|给咱"
    r"|退休|打工|上班|干活"
)
#: A question about insurance rules (咨询), not a dispute: referred to the county's hotline.
QUESTION = re.compile(
    r"怎么|如何|咋|多少|比例|能不能|可不可以|可以.{0,8}吗|需要.{0,6}(?:材料|手续|什么)|在哪|哪里"
    r"|什么时候|是什么|有没有|吗[？?]?$"
)
#: Words of a complaint (something went wrong), as opposed to a question about the rules.
DISPUTE = re.compile(
    r"扣多|多扣|扣了两|扣了.{0,3}次|重复(?:扣|交|缴)|交了两|没给我?|不给|欠缴|拖欠.{0,8}(?:社保|保险|保费)"
    r"|没到账|少了|少算|不对|错了|算错|停发|交不了|缴不了|报错|投诉|反映|不合理|凭什么|不认|多收|被扣"
    r"|没交|漏交|退不了|不退|还没退|为什么|为啥|咋回事|怎么回事|乱收|不让|不能交|交不上|查不到"
)
#: A question about how to pay (缴费咨询): the payment hotline (``[dialogue]``).
PAYMENT_QUESTION = re.compile(r"交多少|缴多少|怎么交|怎么缴|缴费标准|缴费档次|哪里交|在哪交|去哪交|交几年|交到几岁")


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
            st.draft, st.mode, st.asking = None, Mode.FORM, []
            st.opened.append(outcome.number)
            s.say(texts.opened(outcome, proxy, ctx.timezone))
        else:
            s.say(texts.OPEN_FAILED)
            questions.show_summary(s)
    elif isinstance(effect, LookupCase):
        lookup.resolve_lookup(s, effect, outcome)
    elif isinstance(effect, ListMyCases):
        lookup.resolve_list(s, effect, outcome)
    elif isinstance(effect, RecordFeedback):
        lookup.resolve_feedback(s, effect, outcome)
    return s.result()


def asking(state: ConversationState) -> tuple[str, ...]:
    """What the conversation waits for: the mode ("privacy", "summary", ...) and/or the form
    slots asked ("name", "phone"); () when nothing is asked."""
    mode = (state.mode,) if state.mode else ()
    slots = tuple(state.asking) if state.mode in ("", "privacy") else ()
    return mode + slots


def expecting(state: ConversationState) -> str | None:
    """What the NLU is told the dialogue just asked (``Nlu.parse(..., expecting=...)``)."""
    if state.mode in (Mode.SUMMARY, Mode.CANCEL, Mode.RESUME):
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
    if _idle_return(s):
        return
    if modes.handle(s):
        return
    _dispatch(s)


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
    if understand.is_my_cases(text):
        s.effects.append(ListMyCases())
        return
    if not in_progress and lookup.feedback_turn(s):
        return
    if not in_progress and st.opened and _after_case(s):
        return
    story_asked = st.asking == ["description"]
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
    if talk_first and _small_talk(s, in_progress):
        return
    if in_progress and filling.answer(s):
        return
    if in_progress and story.more_story(s):
        filling.give_up_on_loops(s)
        questions.continue_prompt(s)
        return
    if not talk_first and _small_talk(s, in_progress):
        return
    if not in_progress:
        _start(s)
        return
    _unanswered(s)


def _small_talk(s: Step, in_progress: bool) -> bool:
    st, text, parse = s.st, s.text, s.parse
    assert parse is not None
    has_details = any(e.type != "case_number" for e in parse.entities)
    if understand.is_help(text) or (parse.intent == "help" and not has_details):
        s.say(texts.help_text(s.ctx))
        questions.continue_prompt(s)
        return True
    if understand.is_thanks(text) or (parse.intent == "thanks" and len(text) <= 10):
        s.say(texts.THANKS_REPLY if not in_progress else "不客气。")
        questions.continue_prompt(s)
        return True
    if understand.is_greet(text) or (parse.intent == "greet" and len(text) <= 8):
        if st.turns > 1 or not s.parts:
            s.say("您好！" if in_progress else "您好！有什么可以帮您？直接说遇到的问题就行。")
        if not st.privacy_accepted and not in_progress:
            questions.ask_privacy(s, [])
        else:
            questions.continue_prompt(s)
        return True
    if lookup.status_query(s):
        return True
    if _consultation(s):
        return True
    if not in_progress and parse.intent in ("affirm", "deny", "skip", "cancel", "correct"):
        s.say("有什么可以帮您？直接说遇到的问题就行。")
        questions.continue_prompt(s)
        return True
    return False


#: Worries about a registered case: what if it is not settled ("办不好还能找谁？").
AFTER_CASE_WORRY = re.compile(
    r"办不好|不满意|没人管|拖着不办|还能找谁|找谁|解决不了|不给解决|不给办"
)


def _after_case(s: Step) -> bool:
    """After a case is registered: a correction goes to staff (the case is on record), a
    worry about the outcome gets the routes the law offers."""
    number = s.st.opened[-1]
    if understand.is_correction(s.text) or re.search(r"说错|写错|记错|填错", s.text):
        s.say(texts.after_case_correction(number))
        return True
    if AFTER_CASE_WORRY.search(s.text) and len(s.text) <= 40:
        s.say(texts.if_not_settled(number))
        return True
    return False


def _consultation(s: Step) -> bool:
    """A question that is not a dispute ("医保报销比例是多少", "老板拖欠了我三个月工资咋办"):
    the county's hotline for it, whatever insurance words it contains."""
    text, parse = s.text, s.parse
    assert parse is not None
    if filling.GRID_INTRO.search(text) or DISPUTE.search(text):
        return False
    details = [e for e in parse.entities if e.type not in ("insurance_type", "case_number")]
    if details:
        return False
    form_question = s.st.draft is not None and s.st.asking not in ([], ["description"])
    if form_question and not QUESTION.search(text):
        return False  # an answer we could not read, not a question to refer
    story_asked = s.st.draft is not None and s.st.asking == ["description"]
    if story_asked and s.st.draft is not None and s.st.draft.tries.get("@description", 0) >= 2:
        return False  # asked for the story again: this is it, however it is put
    asks = parse.intent == "out_of_scope" or (
        QUESTION.search(text) is not None
        and len(text) <= 40
        and not (parse.intent == "report_dispute" and parse.intent_confidence >= 0.9)
    )
    if not asks:
        return False
    insurance = parse.first("insurance_type")
    key = str(insurance.value) if insurance is not None else understand.insurance_from_words(text)
    if PAYMENT_QUESTION.search(text):
        key = "payment"
    s.say(texts.referral(s.ctx, text, key))
    questions.continue_prompt(s)
    return True


def _start(s: Step) -> None:
    st, parse, text = s.st, s.parse, s.text
    assert parse is not None
    draft = s.new_draft()
    split = filling.grid_split(s)
    if split is not None:
        st.profile.role = "grid_worker"
    if st.profile.role == "grid_worker":
        draft.proxy = not SELF_MARKER.search(text)
    if not draft.proxy and _employer_speaks(text, parse):
        draft.kind = "employer"
    filling.absorb(s, split=split, asking=[])
    body = text[split:] if split is not None else text
    if story.is_report_text(s, body) and not draft.description:
        draft.description = body.strip(" ，,。")
        story.take_category(s)
    questions.continue_prompt(s)


def _employer_speaks(text: str, parse: Parse) -> bool:
    """An employer (a unit's clerk, accountant or owner) reporting for the unit."""
    if EMPLOYER_SURE.search(text) or parse.first("credit_code") is not None:
        return True
    return EMPLOYER_SPEAKER.search(text) is not None and WORKER_SPEAKER.search(text) is None


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
