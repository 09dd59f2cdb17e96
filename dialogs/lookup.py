"""Case status for complainants and grid workers: a case number, "我的案件", "我前头帮赵福贵
反映的事咋样了", the last four digits of the phone when asked from another account, and the
verdict asked once a case is closed."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from backend.drafts import CaseView
from dialogs import questions, texts, understand
from dialogs.context import GridWorkerInfo
from dialogs.effects import Failed, ListMyCases, LookupCase, RecordFeedback
from dialogs.messages import Choice
from dialogs.names import find_name
from dialogs.step import Step
from identifiers import digit_string, find_case_numbers, format_case_number

#: Words that ask how a matter is going (a status query, not a new report).
STATUS_WORDS = re.compile(
    r"进度|咋样了|怎么样了|怎样了|办得|办到|结果|有消息|处理到|到哪一步|办好了|办了没|回复了吗"
    r"|有回音|有答复|啥时候能办|什么时候能办|办完|处理了没|解决了没|有进展|多久|几天能|啥时候有"
    r"|什么时候有|到哪了|进展"
)

__all__ = ["ListMyCases", "LookupCase", "case_number", "last4_besides"]


#: A case number said without its county prefix: "2026年第5号", "2026年的5号案件".
YEAR_AND_SEQ = re.compile(r"(20\d{2})\s*年\s*(?:的|第)?\s*(\d{1,6})\s*(?:号|件)")
#: Words around a case number that is said without its prefix.
_CASE_WORDS = re.compile(r"案件|案子|编号|单号|受理号|登记号")


def case_number(s: Step) -> str | None:
    parse = s.parse
    if parse is not None:
        e = parse.first("case_number")
        if e is not None:
            return str(e.value)
    found = find_case_numbers(s.text)
    if found:
        return found[0][0]
    said = year_and_seq(s.text)
    prefix = known_prefix(s)
    if said is not None and prefix is not None:
        return format_case_number(prefix, *said)  # the county's prefix is implied
    return None


def year_and_seq(text: str) -> tuple[int, int] | None:
    """ "我的案件号是2026年第5号": the year and number of a case said without its prefix."""
    plain = unicodedata.normalize("NFKC", text[:200])
    m = YEAR_AND_SEQ.search(plain)
    if m is None or not _CASE_WORDS.search(plain) or int(m.group(2)) == 0:
        return None
    return int(m.group(1)), int(m.group(2))


def known_prefix(s: Step) -> str | None:
    """The county's case-number prefix: from its config, else from the case numbers this
    conversation has seen (its cases, a lookup)."""
    if s.ctx.case_prefix:
        return s.ctx.case_prefix
    st = s.st
    seen = [*st.opened, *(d[0] for d in st.feedback_due if d), st.lookup_number or ""]
    for number in seen:
        found = find_case_numbers(number)
        if found:
            return found[0][0].split("-", 1)[0]
    return None


def partial_number(s: Step) -> bool:
    """A case number without its prefix that cannot be completed: the full one is asked for
    (never a hotline referral, never a new report)."""
    if find_case_numbers(s.text) or year_and_seq(s.text) is None or case_number(s):
        return False
    s.say(texts.LOOKUP_ASK_FULL_NUMBER)
    questions.continue_prompt(s)
    return True


def last4_answer(text: str) -> str | None:
    """The answer to "手机号后4位": four digits in any width or script ("后四位是0418",
    "０４１８", "网格员电话1121", "零四一八"), or a whole mobile number (its last four)."""
    plain = unicodedata.normalize("NFKC", text[:200])
    for _, start, end in reversed(find_case_numbers(plain)):
        plain = f"{plain[:start]} {plain[end:]}"
    plain = YEAR_AND_SEQ.sub(" ", plain)
    runs = [m.group(0) for m in re.finditer(r"\d+", plain)]
    fours = [r for r in runs if len(r) == 4]
    if len(fours) == 1:
        return fours[0]
    phones = [r for r in runs if len(r) == 11 and r.startswith("1")]
    if not runs and len(phones) == 0:
        bare = re.sub(r"^.*?(?:尾号|后四位|后4位|号码|电话|手机|是)", "", understand.squeeze(plain))
        digits = digit_string(bare) or ""
        return digits if re.fullmatch(r"\d{4}", digits) else None
    return phones[0][-4:] if len(phones) == 1 and not fours else None


def last4_besides(s: Step, number: str) -> str | None:
    rest = s.text
    for _, start, end in reversed(find_case_numbers(rest)):
        rest = f"{rest[:start]} {rest[end:]}"
    rest = YEAR_AND_SEQ.sub(" ", unicodedata.normalize("NFKC", rest))
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
    if effect.follow_up and views and not isinstance(outcome, Failed):
        s.say(texts.FOLLOW_UP_NEW_MATTER)
    questions.continue_prompt(s)


#: A complaint about delay or a follow-up on a matter already reported ("俺那事咋还没人管",
#: "上回反映的怎么样了", "有消息没"): its status first, never a new report.
FOLLOW_UP = re.compile(
    r"咋还没|怎么还没|为啥还没|为什么还没|还没人管|没人管|没人理|没人问|没动静|没下文|没信儿?"
    r"|怎么样了|咋样了|怎样了|有消息没|有没有消息|有信儿没|还没(?:处理|办|解决|回复|答复|消息|弄)"
    r"|等了(?:好|这么)?(?:多|几|久|半)|催(?:一下|一催|催)|到底(?:管不管|办不办)"
    # "要多长时间？" right after filing: the case's due date is in its status.
    r"|多长时间|要多久|多久能|多久才|几天能|几天才|啥时候能|什么时候能|啥时候有|什么时候有"
)


def follow_up(s: Step) -> bool:
    """From a user with cases, a message that reads as a follow-up on them: the cases'
    status first (and whether this is a new matter), never a second case."""
    if not s.st.opened or s.st.draft is not None or not FOLLOW_UP.search(s.text):
        return False
    if len(understand.squeeze(s.text)) > 40:
        return False  # a long story is told for its own sake (read as a report)
    names = {about[1] for about in s.st.opened_about if len(about) > 1 and about[1]}
    said = [str(e.value) for e in s.parse.entities if e.type == "person_name"] if s.parse else []
    found = find_name(s.text)
    said += [found[0]] if found is not None else []
    if any(n not in names for n in said if len(n) >= 2):
        return False  # another person's matter: a new filing
    known = [n for n in said if n in names]
    s.effects.append(ListMyCases(known[0] if known else None, follow_up=True))
    return True


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
    if own_case(s, view) or (
        effect.phone_last4
        and effect.phone_last4 in phones_last4(s, view)
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


def _filer(s: Step, view: CaseView) -> GridWorkerInfo | None:
    """The county's grid worker who filed the case (代办), when their account is listed."""
    if not view.filed_by_channel_user:
        return None
    return s.ctx.grid_worker_for(view.channel, view.filed_by_channel_user, None)


def own_case(s: Step, view: CaseView) -> bool:
    """The complainant's own account, or the grid worker who filed it (any of their listed
    accounts or their vouched phone): no check needed."""
    inbound = s.inbound
    if view.channel == inbound.channel and inbound.user_ref in (
        view.channel_user,
        view.filed_by_channel_user,
    ):
        return True
    filer = _filer(s, view)
    if filer is None or s.st.profile.role != "grid_worker":
        return False
    me = s.ctx.grid_worker_for(inbound.channel, inbound.user_ref, inbound.contact_phone)
    return me is not None and _last(me.phone, 11) == _last(filer.phone, 11)


def phones_last4(s: Step, view: CaseView) -> set[str]:
    """Whose phone's last four digits open a case: the complainant's, and — a villager
    filed for by a grid worker, reached through them — the filing grid worker's."""
    found = {view.complainant_phone_last4} if view.complainant_phone_last4 else set()
    if view.filer_phone_last4:
        found.add(view.filer_phone_last4)
    filer = _filer(s, view)
    if filer is not None and _last(filer.phone, 4):
        found.add(_last(filer.phone, 4))
    return found


def _last(phone: str, n: int) -> str:
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit())
    return digits[-n:] if len(digits) >= n else ""


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
