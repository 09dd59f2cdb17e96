"""The NLU result: what one message says, independent of any channel or dialogue."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Dispute categories (DOMAIN.md §2). Stable identifiers; Chinese names in ``CATEGORY_NAMES``.
CATEGORIES: tuple[str, ...] = (
    "registration",
    "info_transfer",
    "contribution_base",
    "contribution_amount",
    "special_assessment",
    "late_fee",
    "refund",
    "benefits",
    "arrears",
    "payment_record",
    "payment_system",
    "labor_relation",
    "service",
    "other",
)

CATEGORY_NAMES: dict[str, str] = {
    "registration": "参保登记、关系转移",
    "info_transfer": "登记信息传递",
    "contribution_base": "缴费基数申报",
    "contribution_amount": "缴费金额、应缴费额",
    "special_assessment": "特殊缴费核定",
    "late_fee": "滞纳金（利息）加收",
    "refund": "退（抵）费",
    "benefits": "待遇核定和支付",
    "arrears": "征缴检查、欠费追缴",
    "payment_record": "缴费记录异议",
    "payment_system": "系统原因无法申报、缴纳、退付",
    "labor_relation": "职工与用人单位的参保、基数纠纷",
    "service": "经办和缴费服务不满意",
    "other": "其他征缴争议",
}

#: Dialogue intents. ``report_dispute`` carries a category; the others do not.
#: ``inform`` = the message mainly supplies a detail (a name, a phone number...).
INTENTS: tuple[str, ...] = (
    "report_dispute",
    "query_status",
    "greet",
    "thanks",
    "cancel",
    "help",
    "out_of_scope",
    "affirm",
    "deny",
    "skip",
    "correct",
    "inform",
)

TIERS: tuple[str, ...] = ("simple", "general", "complex")

#: Entity types and the shape of their normalised ``value``:
#:   phone: str digits ("13812341427", "03565551234")
#:   id_number: str, 18 chars, upper-case X       credit_code: str, 18 chars upper-case
#:   amount: int or float, yuan: an int when the text says a whole number of yuan ("一百五十万"
#:           -> 1500000), else a float to the fen (3500.5); show it with
#:           ``backend.drafts.format_money``, never with ``:g`` (1.5e+06)
#:   people_count: int
#:   period: {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}, plus "years": [2015, 2017] when the
#:           years were said one by one ("2015年和2017年": start..end is their hull)
#:   person_name, employer, township, village: str
#:   insurance_type: one of INSURANCE_TYPES       case_number: str ("YC-2026-000123")
#:   group: str, the words naming a group of people affected without a number ("全厂工人",
#:          "大伙儿", "老人们"): evidence of a group complaint; ``people_count`` stays a number
#:          the user said (the dialogue may ask "大概多少人？")
ENTITY_TYPES: tuple[str, ...] = (
    "phone",
    "id_number",
    "credit_code",
    "amount",
    "period",
    "person_name",
    "employer",
    "township",
    "village",
    "insurance_type",
    "people_count",
    "case_number",
    "group",
)

INSURANCE_TYPES: dict[str, str] = {
    "pension": "养老保险",
    "medical": "医疗保险",
    "unemployment": "失业保险",
    "work_injury": "工伤保险",
    "maternity": "生育保险",
    "resident_pension": "城乡居民养老保险",
    "resident_medical": "城乡居民医疗保险",
}


@dataclass(frozen=True)
class Entity:
    """One thing found in the text, with character offsets into the *original* text."""

    type: str
    value: Any
    start: int
    end: int
    text: str = ""
    #: False when the text looks like this type but fails its check (e.g. ID check digit).
    valid: bool = True
    #: Why it is invalid, in Chinese, ready to show to the user.
    reason: str | None = None


@dataclass(frozen=True)
class Gazetteer:
    """Townships and their villages, from the county config (NLU never reads config itself)."""

    townships: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Parse:
    text: str
    intent: str
    category: str | None
    confidence: float
    tier: str
    entities: tuple[Entity, ...] = ()
    #: Category ranking, best first: ((label, probability), ...)
    ranking: tuple[tuple[str, float], ...] = ()
    #: True when the classifier is not sure (low confidence or small top-2 margin):
    #: the dialogue should offer a menu instead of guessing.
    uncertain: bool = False
    intent_confidence: float = 0.0
    #: The message asks something ("凭啥要我身份证", "为什么", "？"): with intent "deny" after a
    #: yes/no question it is a refusal with a reason to answer, not a plain "no".
    question: bool = False

    def first(self, entity_type: str, *, valid_only: bool = True) -> Entity | None:
        for e in self.entities:
            if e.type == entity_type and (e.valid or not valid_only):
                return e
        return None

    def all(self, entity_type: str) -> list[Entity]:
        return [e for e in self.entities if e.type == entity_type]

    def to_json(self) -> dict[str, Any]:
        """The JSON line of ``yichuang nlu parse`` (ARCHITECTURE.md)."""
        return {
            "text": self.text,
            "intent": self.intent,
            "category": self.category,
            "confidence": round(self.confidence, 4),
            "tier": self.tier,
            "uncertain": self.uncertain,
            "question": self.question,
            "ranking": [[label, round(p, 4)] for label, p in self.ranking],
            "entities": [
                {k: v for k, v in asdict(e).items() if not (k == "reason" and v is None)}
                for e in self.entities
            ],
        }
