"""``Nlu.parse``: one message -> ``Parse`` (intent, category, confidence, tier hint, entities).

The classifiers decide the intent and the category; a few rules handle what a statistical
model cannot see: empty or meaningless input, a message that is only a detail (a phone number,
a case number), and the new value of a correction ("不是滞纳金，是退费").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from nlu.entities import extract
from nlu.model import Model
from nlu.normalize import align
from nlu.tiers import tier_hint
from nlu.types import Entity, Gazetteer, Parse

#: Below this probability (or top-2 margin) the parse is flagged ``uncertain``.
MIN_CONFIDENCE = 0.40
MIN_MARGIN = 0.12
#: A "dispute" without any word of the domain is taken as out of scope below this confidence.
GATE_CONFIDENCE = 0.9
#: An "inform" with at least this many characters besides its details is a report.
DISPUTE_RESIDUE = 8
#: The classifier sees at most this many characters (the start of a long complaint says what
#: it is about; this bounds the time of a 20,000-character message).
CLASSIFY_CHARS = 600

_MEANINGFUL = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")
# Words around a detail that do not change what the message is ("我叫…", "电话是…").
_FILLER = re.compile(
    r"我叫|我是|名字|姓名|叫|电话|手机|号码|联系方式|身份证号?|证件号|信用代码|统一社会|编号|案件|是|的|在|住|"
    r"村民|上班|干活|单位|公司|就|大概|大约|左右|吧|啊|呢|呀|哦|嗯|这|我|她|他|老人|一共|共|"
    r"被代办人|代办|号|网格员|属于|和|还有|时间|金额|人数|险种|保险"
)
_PUNCT = re.compile(r"[\s\W_]+")
# Where the new value of a correction starts.
_CORRECTION_TAIL = re.compile(
    r"(?:改成|改为|换成|更正为|应该是|应当是|其实是|实际是|(?:^|[，,。;；\s])(?:而)?是)[:：\s]*(.+)$"
)
# Words that say a correction is about the category (not a name or a number).
_CATEGORY_CUES = re.compile(
    r"滞纳金|利息|退|基数|补缴|补交|核定|待遇|养老金|退休金|报销|欠|记录|系统|交不了|缴不了|态度|服务|推诿|"
    r"登记|转移|信息|推送|金额|扣多|多扣|劳动关系|不给交|没给交|断缴|问题|事|类"
)
# The cue words of the domain: a "dispute" without any of them is something else.
_DOMAIN = re.compile(
    r"社保|保险|保费|养老|医保|医疗|报销|退休|工伤|失业|生育|滞纳|利息|基数|参保|缴|交钱|交费|交了|费|欠|"
    r"记录|待遇|退款|退钱|退费|窗口|税务|人社|社保局|医保局|态度|单位|公司|老板|厂|工资|扣|补|登记|转移|"
    r"小程序|系统|年限|津贴|抚恤|丧葬|核定|账户|劳动|合同|辞退|开除|工地|仲裁|网格|村里|乡里|"
    r"工作人员|办事|经办|材料|证明|跑|档次|应交|加收|减免|冒用|身份证|推|态度|投诉|反映|办理|收了|收我"
)


class Nlu:
    """The built-in NLU. ``parse`` never raises and is safe to call from several threads."""

    def __init__(
        self,
        model: Model,
        gazetteer: Gazetteer | None = None,
        remote: Callable[[str, datetime | None], Parse | None] | None = None,
    ) -> None:
        self.model = model
        self.gazetteer = gazetteer
        #: Another NLU (e.g. a Rasa server) asked first; None or an error -> the built-in one.
        self.remote = remote

    def parse(self, text: str, now: datetime | None = None) -> Parse:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        if self.remote is not None:
            try:
                remote = self.remote(text, now)
            except Exception:
                remote = None
            if remote is not None:
                return remote
        try:
            return self._parse(text, now)
        except Exception:  # the contract: never raise, whatever the input
            return Parse(text=text, intent="out_of_scope", category=None, confidence=0.0,
                         tier="general", uncertain=True)  # fmt: skip

    def entities(self, text: str, now: datetime | None = None) -> list[Entity]:
        return extract(text, now, self.gazetteer)

    def _parse(self, text: str, now: datetime | None) -> Parse:
        entities = tuple(extract(text, now, self.gazetteer))
        head = text[:CLASSIFY_CHARS]
        if not _MEANINGFUL.search(align(head)):
            return Parse(text=text, intent="out_of_scope", category=None, confidence=0.0,
                         tier="general", entities=entities, uncertain=True)  # fmt: skip
        intent_p, category_p = self.model.predict(head)
        intent, intent_conf = _best(intent_p)
        intent_uncertain = _is_uncertain(intent_p)
        detail_only = _residue(head, entities) == "" and bool(entities)
        if detail_only:
            only_case = all(e.type == "case_number" for e in entities)
            intent, intent_conf, intent_uncertain = (
                ("query_status" if only_case else "inform"),
                1.0,
                False,
            )
        elif (
            intent == "report_dispute"
            and intent_conf < GATE_CONFIDENCE
            and not _DOMAIN.search(align(head))
        ):
            intent, intent_conf, intent_uncertain = "out_of_scope", max(intent_conf, 0.5), True
        ranking = _ranked(category_p)
        if intent == "inform" and len(_residue(head, entities)) >= DISPUTE_RESIDUE:
            # Details AND a story: a report that happens to carry a name and a phone number.
            best_category = ranking[0][1]
            if best_category >= MIN_CONFIDENCE and _DOMAIN.search(align(head)):
                intent, intent_conf = (
                    "report_dispute",
                    max(intent_p.get("report_dispute", 0.0), 0.5),
                )
        category: str | None = None
        confidence = intent_conf
        uncertain = intent_uncertain
        if intent == "report_dispute":
            category, confidence = ranking[0]
            uncertain = uncertain or _is_uncertain(category_p)
        elif intent == "correct":
            tail = _correction_tail(head)
            if tail and _CATEGORY_CUES.search(tail) and _residue(tail, ()):
                _, tail_p = self.model.predict(tail)
                ranking = _ranked(tail_p)
                category, confidence = ranking[0]
                uncertain = uncertain or _is_uncertain(tail_p)
        tier = tier_hint(align(text[:5000]), category, entities)
        return Parse(
            text=text,
            intent=intent,
            category=category,
            confidence=float(confidence),
            tier=tier,
            entities=entities,
            ranking=ranking,
            uncertain=bool(uncertain),
            intent_confidence=float(intent_conf),
        )


def _best(p: dict[str, float]) -> tuple[str, float]:
    label = max(p, key=lambda k: p[k])
    return label, p[label]


def _ranked(p: dict[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted(((k, float(v)) for k, v in p.items()), key=lambda kv: -kv[1]))


def _is_uncertain(p: dict[str, float]) -> bool:
    top = sorted(p.values(), reverse=True)
    second = top[1] if len(top) > 1 else 0.0
    return top[0] < MIN_CONFIDENCE or top[0] - second < MIN_MARGIN


def _residue(text: str, entities: tuple[Entity, ...]) -> str:
    """What is left of ``text`` without its entities, filler words and punctuation."""
    chars = list(align(text))
    for e in entities:
        for i in range(max(0, e.start), min(len(chars), e.end)):
            chars[i] = " "
    rest = _FILLER.sub(" ", "".join(chars))
    return _PUNCT.sub("", rest)


def _correction_tail(text: str) -> str | None:
    m = _CORRECTION_TAIL.search(align(text))
    return m.group(1).strip() if m else None
