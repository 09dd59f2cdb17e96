"""Case status for complainants and grid workers: a case number, "我的案件", "我前头帮赵福贵
反映的事咋样了", the last four digits of the phone when asked from another account, and the
verdict asked once a case is closed."""

from __future__ import annotations

import re
from typing import Any

from backend.drafts import CaseView
from dialogs import questions, texts, understand
from dialogs.effects import Failed, ListMyCases, LookupCase, RecordFeedback
from dialogs.messages import Choice
from dialogs.step import Step
from identifiers import digit_string, find_case_numbers

#: Words that ask how a matter is going (a status query, not a new report).
STATUS_WORDS = re.compile(
    r"进度|咋样了|怎么样了|怎样了|办得|办到|结果|有消息|处理到|到哪一步|办好了|办了没|回复了吗"
    r"|有回音|有答复|啥时候能办|什么时候能办|办完|处理了没|解决了没|有进展|多久|几天能|啥时候有"
    r"|什么时候有|到哪了|进展"
)

__all__ = ["ListMyCases", "LookupCase", "case_number", "last4_besides"]


def case_number(s: Step) -> str | None:
    parse = s.parse
    if parse is not None:
        e = parse.first("case_number")
        if e is not None:
            return str(e.value)
    found = find_case_numbers(s.text)
    return found[0][0] if found else None


def last4_besides(s: Step, number: str) -> str | None:
    rest = s.text
    for _, start, end in reversed(find_case_numbers(rest)):
        rest = f"{rest[:start]} {rest[end:]}"
    for m in re.finditer(r"[0-9０-９]{4,}", rest):
        digits = digit_string(m.group(0)) or ""
        if len(digits) == 4:
            return digits
    return None


def status_query(s: Step) -> bool:
    """ "我前头帮赵福贵反映的事咋样了": the status of earlier cases (by name when one is said)."""
    parse = s.parse
    if parse is None or parse.intent != "query_status":
        return False
    others = [e for e in parse.entities if e.type not in ("person_name", "case_number")]
    if others or not (STATUS_WORDS.search(s.text) or parse.intent_confidence >= 0.9):
        return False
    name = parse.first("person_name")
    s.effects.append(ListMyCases(str(name.value) if name is not None else None))
    return True


def resolve_list(s: Step, effect: ListMyCases, outcome: Any) -> None:
    views: list[CaseView] = outcome if isinstance(outcome, list) else []
    if effect.name:
        views = [v for v in views if v.complainant_name == effect.name] or views
    if isinstance(outcome, Failed):
        s.say("暂时查不了，请稍后再试。")
    elif len(views) == 1:
        s.say(texts.case_status(views[0], s.ctx.timezone))
    elif views:
        s.say(texts.case_list(views, s.ctx.timezone))
    else:
        s.say(texts.NO_CASES)
    questions.continue_prompt(s)


def resolve_lookup(s: Step, effect: LookupCase, outcome: Any) -> None:
    st = s.st
    if isinstance(outcome, Failed):
        s.say("暂时查不了，请稍后再试。")
        questions.continue_prompt(s)
        return
    if not isinstance(outcome, CaseView):
        st.mode, st.lookup_number = "", None
        s.say(texts.lookup_missing(effect.number))
        questions.continue_prompt(s)
        return
    view = outcome
    user = s.inbound.user_ref
    own = view.channel == s.inbound.channel and user in (
        view.channel_user,
        view.filed_by_channel_user,
    )
    if own or (
        effect.phone_last4
        and effect.phone_last4 == view.complainant_phone_last4
        and st.lookup_attempts < 3
    ):
        st.mode, st.lookup_number, st.lookup_attempts = "", None, 0
        s.say(texts.case_status(view, s.ctx.timezone))
        questions.continue_prompt(s)
        return
    if effect.phone_last4:
        st.lookup_attempts += 1
    if st.lookup_attempts >= 3:
        st.mode, st.lookup_number = "", None
        s.say(texts.LOOKUP_LOCKED)
        questions.continue_prompt(s)
        return
    if effect.phone_last4:
        s.say(texts.LOOKUP_WRONG_LAST4)
    st.mode, st.lookup_number = "lookup", view.number
    s.say(texts.LOOKUP_ASK_LAST4)


def verdict_said(s: Step) -> str | None:
    """The verdict a message gives on a closed case awaiting one: "不满意，才报了这么点",
    "俺对处理结果有异议", "还行", "3". A long message that reports something new is not one
    unless its first clause is a verdict ("俺不服，钱还是没到账")."""
    if not s.st.feedback_due:
        return None
    head = re.split(r"[，,。！!？?；;\s]", s.text.strip(), maxsplit=1)[0]
    found = understand.verdict(head, numbered=True) if head else None
    if found:
        return found
    parse = s.parse
    new_report = parse is not None and parse.intent == "report_dispute"
    if len(understand.squeeze(s.text)) <= 30 or not new_report:
        return understand.verdict(s.text, numbered=True)
    return None


def take_verdict(s: Step) -> bool:
    """A verdict on the closed case that awaits one: recorded (with its reason: the text)."""
    found = verdict_said(s)
    if not found:
        return False
    record_feedback(s, s.st.feedback_due[0][0], found)
    return True


def feedback_turn(s: Step) -> bool:
    st = s.st
    if not st.feedback_due:
        return False
    if take_verdict(s):
        return True
    if s.parse is not None and s.parse.intent == "report_dispute" and len(s.text) > 8:
        return False
    for number, reply in st.feedback_due:
        if number not in st.feedback_asked:
            st.feedback_asked.append(number)
            st.mode, st.feedback_case = "feedback", number
            s.say(texts.ask_feedback(number, reply))
            s.offer(
                Choice("fb:satisfied", "满意"),
                Choice("fb:basically_satisfied", "基本满意"),
                Choice("fb:dissatisfied", "不满意"),
            )
            return True
    return False


def record_feedback(s: Step, number: str, verdict: str) -> None:
    profile = s.st.profile
    actor = f"grid_worker:{profile.phone}" if profile.role == "grid_worker" else "complainant"
    said = s.text
    if s.choice or understand.menu_index(said, len(understand.VERDICT_ORDER)) is not None:
        said = VERDICT_WORDS.get(verdict, said)  # a button or "3": no remark of its own
    s.effects.append(RecordFeedback(number, verdict, said, actor))


VERDICT_WORDS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


def resolve_feedback(s: Step, effect: RecordFeedback, outcome: Any) -> None:
    st = s.st
    st.feedback_due = [d for d in st.feedback_due if d[0] != effect.number]
    st.mode, st.feedback_case = "", None
    if isinstance(outcome, Failed):
        s.say("您的评价没记录成功，请稍后再回复一次。")
        return
    if effect.number not in st.judged:
        st.judged.append(effect.number)
    if effect.verdict == "dissatisfied":
        s.say(texts.objection_recorded(s.ctx, effect.number))
    else:
        s.say(texts.THANKS_FEEDBACK)
