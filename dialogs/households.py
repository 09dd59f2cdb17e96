"""Several households in one conversation (a grid worker's round of the village).

Two rules keep each household's case its own:

* another household announced while a draft is open ("还有一户，南关村刘春花…", "下一户：…",
  "第三户是…", "再帮李四反映…") never changes the open draft: the message is held
  (``state.pending_text``), the open household is finished or submitted first, and the held
  message then starts a new draft of its own (``Replay``);
* a correction of a household already registered ("刚才王二狗那户说错了，滞纳金是65"), named
  by its person or its case number, never touches the draft being filled: it goes the way
  of any correction after a case (``texts.after_case_correction``), with that person's case.
"""

from __future__ import annotations

import re
from dataclasses import replace

from dialogs import questions
from dialogs.effects import RecordInfo
from dialogs.form import pending
from dialogs.names import find_name
from dialogs.step import Step
from identifiers import find_case_numbers

#: Words that announce another household than the one being filled.
ANOTHER = re.compile(
    r"还有一户|还有户|下一户|又一户|另一户|另外一户|另外还有一户|新的一户|新一户|换一户"
    r"|第[二三四五六七八九十两0-9]{1,3}户|再帮[^，,。；;]{0,12}?(?:反映|反应|登记|报|问)"
    r"|还要帮[^，,。；;]{0,12}?(?:反映|反应|登记|报)"
)
#: Words of a correction of something said before.
_CORRECTING = re.compile(
    r"说错|写错|记错|填错|报错|搞错|弄错|错了|不对|改一下|改成|改为|改下|应该是|应为|更正|不是\S{0,8}是"
    r"|是\S{0,8}不是|(?:是|要|想|得|帮我?|给我?)改|不是新"
)
#: "不是新的" / "不是另一户": the message is about a case already registered, never a new one.
NOT_NEW = re.compile(r"不是(?:新的?|另(?:一|外)|又一|再)")
#: "王二狗那户的滞纳金是56块": a value said of a registered household by its name.
_THAT_HOUSEHOLD = re.compile(r"(?:那户|那一户|那家|家|的那件|那件|那个事|的事)")
#: Values a correction of a registered household states.
_FACTS = frozenset(
    {"amount", "period", "phone", "id_number", "insurance_type", "people_count", "person_name"}
)
#: Where a correction clause begins inside a longer message ("…。对了，刚才王二狗那户…").
_CLAUSE_START = re.compile(r"对了|另外|还有就是|哦|噢|刚才|之前|前面|上一户|上户")
_SENTENCE_END = re.compile(r"[。！!？?；;\n]")
_COMMA = re.compile(r"[，,]")


def _opened_names(s: Step) -> dict[str, str]:
    """The names of this conversation's own cases, each with its (latest) case number."""
    return {a[1]: a[0] for a in s.st.opened_about if len(a) > 1 and len(a[1]) >= 2}


def _named_case(s: Step) -> tuple[str, str, int] | None:
    """(case number, who, where named) of a registered household the message names."""
    text = s.text
    for number, at, _end in find_case_numbers(text):
        if number in s.st.opened:
            return number, "", at
    draft_name = s.st.draft.name if s.st.draft is not None else None
    best: tuple[str, str, int] | None = None
    for name, number in _opened_names(s).items():
        at = text.find(name)
        if at < 0 or name == draft_name:
            continue  # the household being filled is corrected in its draft
        if best is None or at < best[2]:
            best = (number, name, at)
    return best


def _clause_around(text: str, at: int) -> tuple[int, int]:
    """The correction's clause: from its opening words (or the sentence start) to the end of
    the sentence it is in."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    start = ends[-1] if ends else 0
    opener = _CLAUSE_START.search(text, start, at)
    if opener is not None:
        start = opener.start()
    elif start == 0 and at > 0:
        commas = [m.end() for m in _COMMA.finditer(text, 0, at)]
        start = commas[-1] if commas else 0
    stop = _SENTENCE_END.search(text, at)
    end = stop.end() if stop else len(text)
    # A next household told after the correction in the same sentence is not part of it.
    nxt = ANOTHER.search(text, at, end)
    if nxt is not None:
        end = nxt.start()
    return start, end


def filed_correction(s: Step) -> bool:
    """A correction of a household already registered: said to go to that case, and taken
    out of the message (the rest, a next household's story, goes on). True when nothing is
    left to handle."""
    if not s.st.opened or s.parse is None:
        return False
    named = _named_case(s)
    if named is None:
        return _not_new(s)
    number, who, at = named
    text = s.text
    start, end = _clause_around(text, at)
    if _CORRECTING.search(text[start:end]) is None and not _value_of_filed(s, who, at, end):
        return False
    whose = f"{who}那户" if who else "那件事"
    said = text[start:end].strip(" ，,。；;")[:60]
    # Said as heard, so that it can be passed on: no other household's form takes it.
    besides = "，不改正在登记的这一户" if s.st.draft is not None else ""
    s.say(f"{whose}的更正：「{said}」{besides}。")
    s.effects.append(RecordInfo(number, text[start:end].strip(" ，,。；;")[:500]))
    rest = (text[:start] + text[end:]).strip(" ，,。；;")
    if len(NOT_NEW.sub("", rest).strip(" ，,。；;的户件事一")) < 4:
        return True
    cut = end - start
    entities = tuple(
        replace(e, start=e.start - cut if e.start >= end else e.start,
                end=e.end - cut if e.start >= end else e.end)
        for e in s.parse.entities
        if e.end <= start or e.start >= end
    )  # fmt: skip
    s.text = text[:start] + text[end:]
    s.parse = replace(s.parse, text=s.text, entities=entities)
    return False


def _value_of_filed(s: Step, who: str, at: int, end: int) -> bool:
    """ "王二狗那户的滞纳金是56块": a value said of a registered household (no draft of that
    person open) is a correction of its case, not a new report."""
    if not who or not _THAT_HOUSEHOLD.match(s.text, at + len(who)):
        return False
    assert s.parse is not None
    return any(
        e.type in _FACTS and at <= e.start < end and str(e.value) != who for e in s.parse.entities
    )


def _blank(s: Step) -> bool:
    """The draft open holds no one's details yet (started by a message that was not new)."""
    d = s.st.draft
    return d is None or not (d.name or d.phone or d.id_number or d.credit_code or d.employer)


def _not_new(s: Step) -> bool:
    """ "不是新的，是改刚才那户的": said of the last registered case, never a new matter. A
    blank draft started by the message before (its words were the correction) is dropped and
    its words go to the case too. True when the message is handled."""
    st = s.st
    if NOT_NEW.search(s.text) is None or not _blank(s):
        return False
    number = st.opened[-1]
    who = next((a[1] for a in st.opened_about if a and a[0] == number and len(a) > 1), "")
    said = s.text.strip(" ，,。；;")
    if st.draft is not None and st.draft.description:
        said = f"{st.draft.description}；{said}"
    st.draft, st.mode, st.asking = None, "", []
    whose = f"{who}那户（{number}）" if who else f"案件{number}"
    s.say(f"好的，不是新的反映：记为{whose}的更正「{said[:60]}」，不另外登记。")
    s.effects.append(RecordInfo(number, said[:500]))
    return True


def _announced_name(text: str) -> str | None:
    at = ANOTHER.search(text)
    found = find_name(text[at.end() :] if at else text)
    return found[0] if found else None


def hold_next(s: Step) -> bool:
    """Another household announced while one is being filled: the open one is finished
    first (its summary when it is complete), the new one held and started after it."""
    st = s.st
    draft = st.draft
    if draft is None or st.mode not in ("", "summary") or s.choice:
        return False
    m = ANOTHER.search(s.text)
    if m is None or not (draft.name or draft.description):
        return False
    rest = (s.text[: m.start()] + s.text[m.end() :]).strip(" ，,。:：；;！!")
    details = s.parse is not None and any(
        e.type in ("person_name", "phone", "id_number", "amount", "period")
        for e in s.parse.entities
    )
    if len(rest) < 4 or not (details or find_name(rest) or len(rest) >= 20):
        return False  # "还有一户" / "是新的一户要登记": nothing to hold; this one goes on
    st.pending_text = s.text
    who = _announced_name(s.text)
    nxt = f"下一户（{who}）" if who else "下一户"
    this = f"这一户（{draft.name}）" if draft.name else "这一户"
    s.say(f"好的，{nxt}的情况我先记下，等{this}提交后单独登记，不会混在一起。")
    if not pending(draft, st.profile, s.ctx.form_rules):
        s.say(f"先提交{this}吗？")
        questions.show_summary(s)
    else:
        s.say(f"先把{this}填完：")
        questions.continue_prompt(s)
    return True


def held_next(s: Step) -> str | None:
    """The held next household, taken out of the state to be replayed."""
    held = s.st.pending_text
    s.st.pending_text = None
    return held if held and ANOTHER.search(held) else None
