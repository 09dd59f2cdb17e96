"""The user's story and its category: when a message tells the problem (not just "帮陈大爷
反映个事"), which category the NLU gives it, and more of the story said later."""

from __future__ import annotations

import re

from dialogs import form, understand
from dialogs.step import Step
from nlu.types import CATEGORIES

#: A category ranked at least this likely is taken without asking (when the NLU is not
#: "uncertain"); "other" is never taken without asking: the menu helps the user say more.
RANKING_SURE = 0.6
#: ... and at least this likely even when the NLU calls the message as a whole uncertain.
RANKING_CLEAR = 0.8


#: "帮村里的陈大爷反映个事": an errand announced, no problem told yet.
_ERRAND = re.compile(
    r"(?:帮|替|给)[^，,。]{0,10}?(?:反映|反应|问|说|登记|咨询|办)(?:个|一下|点|几个)?"
    r"(?:事情|事儿|事|情况|问题)?"
)


def is_report_text(s: Step, body: str) -> bool:
    parse = s.parse
    assert parse is not None
    content = understand.squeeze(_ERRAND.sub("", body))
    for e in parse.entities:
        content = content.replace(understand.squeeze(e.text), "")
    if len(re.findall(r"[\u4e00-\u9fff]", content)) < 4:
        return False
    # "帮陈大爷反映个事" says nothing about the problem yet: the story must name one.
    if parse.ranking and parse.ranking[0][1] >= RANKING_SURE:
        return True
    if parse.category is not None and not parse.uncertain:
        return True
    if parse.intent == "report_dispute" and parse.intent_confidence >= 0.7:
        return True
    # A rambling story the classifier cannot place is still the user's description:
    # keep it and let the category menu sort it out, rather than asking them to retype.
    return len(re.findall(r"[\u4e00-\u9fff]", content)) >= 6 and understand.mentions_domain(content)


def take_category(s: Step, *, force: bool = False) -> None:
    draft, parse = s.st.draft, s.parse
    if draft is None or parse is None or (draft.category_sure and not force):
        return
    if parse.intent not in ("report_dispute", "inform", "correct") and not parse.category:
        return
    label, confidence = parse.category, parse.confidence
    if label is None and parse.ranking and parse.ranking[0][1] >= RANKING_SURE:
        # "inform" messages carry no category, but a long story still has a clear one.
        label, confidence = parse.ranking[0]
    top, top_p = parse.ranking[0] if parse.ranking else (None, 0.0)
    # "uncertain" may come from the intent; a category this far ahead needs no menu.
    plain = label == top and top_p >= RANKING_CLEAR
    if label and label != "other" and (not parse.uncertain or plain):
        draft.category, draft.category_sure = label, True
        draft.confidence, draft.tier_hint = confidence, parse.tier
        return
    ranked = [c for c, _ in parse.ranking if c in CATEGORIES and c != "other"]
    if parse.category and parse.category != "other" and parse.category not in ranked:
        ranked.insert(0, parse.category)
    if ranked or parse.category:
        draft.candidates = ranked[:3] or list(form.DEFAULT_CANDIDATES)
        draft.category = parse.category
        draft.confidence, draft.tier_hint = parse.confidence, parse.tier


def more_story(s: Step) -> bool:
    """More of the story when a value was asked: kept, nothing the user says is dropped."""
    draft = s.draft
    if not is_report_text(s, s.text) or len(s.text) < 10:
        return False
    draft.description = f"{draft.description}；{s.text}" if draft.description else s.text
    s.say("补充的情况记下了。")
    return True
