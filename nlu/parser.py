"""``Nlu.parse``: one message -> ``Parse`` (intent, category, confidence, tier hint, entities).

The classifiers decide the intent and the category; what the dialogue just asked
(``expecting``) weighs the intents (a "中" after a summary is a yes; a first message that states
a problem is a report); a few rules handle what a statistical model cannot see: empty or
meaningless input, a message that is only a detail (a phone number, a case number), the bare
answer to a question (a name, an amount), and the new value of a correction
("不是滞纳金，是退费").
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


#: Greetings and openers before the matter ("你好，医保扣了两回"): the classifier weighs the
#: greeting's words against the story's, so it is given what follows them.
_GREETING_HEAD = re.compile(
    r"^(?:(?:你好|您好|你们好|大家好|同志|领导|师傅|工作人员|小助手|客服|hello|hi|嗨|哈喽|喂|早上好"
    r"|上午好|下午好|晚上好|在吗|在不在|有人吗|请问(?:一下)?|打扰(?:一下|了|您了)?|麻烦(?:问)?(?:一下|您)?)"
    r"[，,。.!！~～\s啊呀呢哈嗯]*)+",
    re.IGNORECASE,
)
#: Shorter than this after the greeting: the greeting is the message ("你好，在吗").
_STORY_AFTER_GREETING = 6


def without_greeting(text: str) -> str:
    m = _GREETING_HEAD.match(text)
    if m is None or len(text) - m.end() < _STORY_AFTER_GREETING:
        return text
    rest = text[m.end() :]
    # Only a matter of the domain is classified without its greeting ("你好，我想反映个事"
    # stays a greeting: the bot greets and asks for the matter).
    return rest if _INSURANCE.search(align(rest)) else text


#: What the dialogue may be waiting for (COMMON.md, the parse contract). "worker_*" slots (the
#: grid worker's own details) read like the complainant's.
SLOTS: tuple[str, ...] = (
    "name", "phone", "id_number", "credit_code", "township", "village", "employer",
    "insurance_type", "period", "amount", "people_count", "description",
)  # fmt: skip
EXPECTING: tuple[str, ...] = ("confirm", "correction", "category", *SLOTS)

#: How likely each intent is, relative to the others, given what was asked: the classifier's
#: probabilities are multiplied by these and renormalised (unlisted intents: 1). With no
#: question pending, a bare yes/no/skip answers nothing; after a question, an answer is likely.
_ANSWERS = {"affirm": 0.15, "deny": 0.15, "skip": 0.15, "correct": 0.5, "inform": 0.6}
_PRIORS: dict[str | None, dict[str, float]] = {
    None: _ANSWERS,
    "confirm": {"affirm": 4.0, "deny": 4.0, "cancel": 2.0, "correct": 2.0, "skip": 0.5,
                "report_dispute": 0.3, "inform": 0.5, "out_of_scope": 0.3, "query_status": 0.3,
                "greet": 0.5, "help": 0.5},
    "correction": {"correct": 4.0, "inform": 2.0, "deny": 1.5, "affirm": 0.7,
                   "report_dispute": 0.5, "out_of_scope": 0.3, "query_status": 0.3},
    "category": {"report_dispute": 3.0, "inform": 0.5, "out_of_scope": 0.5,
                 "query_status": 0.3, "affirm": 0.3, "deny": 0.7},
    "description": {"report_dispute": 4.0, "skip": 2.0, "inform": 1.0, "out_of_scope": 0.5,
                    "query_status": 0.3, "affirm": 0.3, "deny": 0.3, "correct": 0.5},
    "slot": {"inform": 4.0, "skip": 2.0, "correct": 1.5, "deny": 0.7, "affirm": 0.5,
             "report_dispute": 0.5, "out_of_scope": 0.3, "query_status": 0.3},
}  # fmt: skip

#: A first message that states a problem is a report, whatever the classifier made of its
#: few words: a word of the insurance domain and a word saying something is wrong.
_INSURANCE = re.compile(
    r"社保|保险|保费|养老|医保|医疗|参保|缴费|交费|缴纳|扣费|扣款|滞纳|基数|待遇|退费|返还|退款|补缴|"
    r"补交|断缴|缴费记录|社保卡|工伤|失业|生育|新农合|新农保|费用|险"
)
_PROBLEM = re.compile(
    r"不对|有误|错了|出错|弄错|算错|搞错|错误|太高|太多|过高|偏高|多扣|扣多|多收|收多|少了|少算|"
    r"算少|不够|没到账|不到账|没退|不退|不给|没给|不让|不认|查不到|对不上|不一致|不合理|有问题|"
    r"问题|欠|拖着|交不了|缴不了|交不上|办不了|没办|不办|异议|不服|冤|"
    # Paid twice, paid more, paid less than others: the commonest grievances, often asked as
    # a question ("医保交了两次，能退吗？").
    r"重复|交重|缴重|扣重|(?:交|缴|扣)了?(?:两|2)(?:次|回|遍|份)|多交|多缴|比别人少|少这么多|少了这么多"
)
#: A question asked for information ("养老金怎么算", "报销比例是多少") rather than a complaint:
#: a question word and no word of grievance ("为什么", "还没", "凭什么" are complaints).
_QUESTION = re.compile(
    r"怎么|咋|如何|多少|哪|什么|啥|能不能|可不可以|可以不|能否|是否|吗|么|啥时候|"
    r"什么时候|几月|几号|几岁|多久|多长时间|需要|要带|什么材料|啥材料|有没有|是不是|算不算|\?|？"
)
_GRIEVANCE = re.compile(
    r"为什么|为啥|凭什么|凭啥|咋还|怎么还|还没|又|一直|总是|老是|到现在|至今|迟迟|反复|好几次|多次|"
    r"投诉|反映|不满|举报|说法|讨个|给个|违规|违法|乱|骗"
)
#: A how-to question ("单位社保费怎么申报", "灵活就业在哪交", "退休要带什么材料"): a consultation
#: (the county's hotline: 12366 for fees, 12333 for benefits), never a complaint unless the
#: message also states a grievance or a problem.
_HOW_TO = re.compile(
    r"(?:怎么|怎样|如何|咋|在哪儿?|去哪儿?|到哪儿?|哪里)(?:样|个)?(?:才能|才可以|能|可以|去|来|给|帮)?"
    r"(?:申报|办理|办|交|缴|缴纳|缴费|参保|登记|报销|领取|领|查询|查|打印|转移|转|续|开通|注册|操作|弄|"
    r"申请|认证|补缴|补交|变更|增员|减员|停保|接续)"
    r"|(?:需要|要|得)(?:带|准备|提供|交)?(?:什么|啥|哪些)(?:材料|资料|手续|证件|条件)|什么条件|啥条件|"
    r"(?:什么|啥)时候(?:开始|截止)?(?:交|缴|申报|办)|(?:截止|最晚)(?:到|是)?(?:什么|啥|哪)"
)
_HOW_TO_GRIEVANCE = re.compile(
    r"这么少|这么多|这么高|这么低|这么贵|不给|不让|不办|不管|办不了|交不了|缴不了|交不上|没交上|都|不知道|"
    r"不清楚|说不清|突然|差了|不一样|不对|多了|少了|查不|暂未|提示|不过来|怎么办|咋办|该怎么|晚了|没人|"
    r"算的|算出|[，,。；;]"
)
#: A consultation is asked in a few words; a longer message tells a story.
HOW_TO_MAX_CHARS = 30
#: Wages alone (欠工资, 讨薪) are a labour-inspection matter (12333), not a contribution dispute:
#: out of scope unless the message also speaks of insurance or of a deduction.
_WAGES = re.compile(r"工资|工钱|薪水|薪资|欠薪|讨薪|加班费|工费|劳务费|血汗钱")
_DEDUCTION = re.compile(r"扣|交|缴")
#: A "report" the classifier is less sure of than this, that is a neutral question, is out of
#: scope: the dialogue refers it to the county's hotlines.
QUESTION_GATE = 0.9

#: "我反映的社保问题怎么样了" asks about a case: not a new report.
_STATUS = re.compile(
    r"怎么样了|进度|结果|处理到|办到|有回复|回复了|有消息|办好了没|办完了没|案件|编号"
)
#: Asking after a report already made: a past report ("我之前反映的", "登记过", "报的事") and a
#: question about its course ("回复了没有", "没消息", "还在受理吗", "有没有人管").
_PAST_REPORT = re.compile(
    r"(?:反映|提交|登记|报|投诉|申请|递交)(?:过|了)?的(?:事|问题|争议|案子|材料|情况)?|登记过|反映过|报过|"
    r"提交过|投诉过|上次|之前说的|前几天说的|上个月说的|(?:反映|提交|登记|报)(?:了|过)?(?:快|都|有|已经)"
)
_COURSE = re.compile(
    r"回复了?没|回复了吗|有回复|没回复|没消息|没有消息|有消息|有结果|没结果|结果呢|还在受理|受理了吗|"
    r"受理了没|有没有人管|有人管吗|没人管|多久|多长时间|到哪一步|进度|怎么样了|咋样了|办得怎么样|办好了|"
    r"办完了|处理了吗|处理了没|处理得怎么样|过去.{0,4}(?:天|周|个月|月)了|回话|答复了?没|进展|如何了"
)
#: ... unless it says the matter keeps being ignored: a repeated complaint is a report (重复件).
_REPEATED = re.compile(r"好几次|多次|几次|好几回|一直|又|再次|重复|还是没")
STATUS_MAX_CHARS = 60
#: Questions about using the bot itself.
_HELP = re.compile(
    r"^(?:帮助|help|菜单|\?+|？+|怎么用|咋用|怎么使用|使用说明|怎么提交|怎么反映|咋反映|怎么登记|"
    r"你是谁|你是干啥的|你是干什么的|你能做什么|你能干啥|能干啥|都能办啥|能办什么|怎么操作)[吗呢啊呀?？!！。]*$"
)
#: Short yes/no answers to a confirmation, dialect included (中, 对着哩, 就这, 妥了).
_YES = re.compile(
    r"^(?:对|对的|对着哩|对着呢|对着嘞|是|是的|是哩|是嘞|好|好的|好嘞|好滴|行|行的|成|中|中嘞|中哩|"
    r"可以|可以的|没问题|没错|不错|确认|确定|提交|同意|嗯|嗯嗯|恩|ok|okay|yes|就这|就这样|就这么着|"
    r"妥|妥了|要得|得嘞|中中|对头|没得问题|确认提交|你登记吧|登记吧|提交吧|帮我登记|给登记上|"
    r"你们登记吧|办吧|就这么办|没啥问题|没有问题|吧|了|哩|嘞)+$"
)
_NO = re.compile(
    r"^(?:不对|不是|不行|不中|错了|不要|不用|不|没有|没|不同意|不确认|不提交|不成|不得行|不是这样|"
    r"搞错了|弄错了|有错|不对头|吧|了|哩|嘞)+$"
)
#: A refusal with anything after it ("不同意，凭啥要我身份证"): after a yes/no question it is
#: a "no", whatever else it says — but not a yes containing a no word (不要紧, 没问题), nor an
#: A-not-A question (行不行).
_REFUSAL = re.compile(r"不同意|不行|不愿意|不要(?!紧)|不肯|不答应|不乐意|不可以|拒绝|不想给|不能给|不给你")
_NOT_REFUSAL = re.compile(r"不要紧|行不行|可不可以|要不要|同意不同意|愿不愿意|肯不肯")
_AGREE_HEAD = re.compile(r"^(?:对|是|好|行|中|嗯|恩|可以|同意|确认|确定|没问题|没错|ok|yes)(?:的|了|吧)?(?:[,，。\s]|$)")
#: The message asks something: a question mark or a word of a question.
_ASKS = re.compile(
    r"[?？]|为什么|为啥|凭什么|凭啥|干嘛|干啥|咋|怎么|如何|是不是|能不能|可不可以|有没有|吗|多少|多久|"
    r"什么|哪里|哪儿|啥时候|有啥用|啥意思"
)
_ANSWER_PUNCT = re.compile(r"[\s，。！？、,.!?~～…；;：:啊呀呢哈哦嘛]+")


#: Yes/no words are only looked for in answers this short (it also bounds the matching time:
#: the word lists overlap, "确认" + "提交" / "确认提交").
SHORT_ANSWER = 12


def short_answer(aligned: str) -> str:
    """The text without punctuation and particles, lower case, if it is a short answer."""
    answer = _ANSWER_PUNCT.sub("", aligned[: SHORT_ANSWER * 4].lower())
    return answer if len(answer) <= SHORT_ANSWER else ""


def expecting_key(expecting: str | None) -> str | None:
    """The normalised ``expecting`` value: one of ``EXPECTING`` or None (unknown -> None)."""
    if not expecting:
        return None
    key = expecting.removeprefix("worker_")
    return key if key in EXPECTING else None


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

    def parse(
        self, text: str, now: datetime | None = None, *, expecting: str | None = None
    ) -> Parse:
        """What ``text`` says. ``expecting``: what the dialogue just asked — None (nothing
        pending: a first message or free chat), "confirm" (a yes/no), "correction",
        "category", or a slot name (``SLOTS``; "worker_name" reads like "name")."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        key = expecting_key(expecting if isinstance(expecting, str) else None)
        if self.remote is not None:
            try:
                remote = self.remote(text, now)
            except Exception:
                remote = None
            if remote is not None:
                try:
                    return in_context(remote, key)
                except Exception:
                    return remote
        try:
            return self._parse(text, now, key)
        except Exception:  # the contract: never raise, whatever the input
            return Parse(text=text, intent="out_of_scope", category=None, confidence=0.0,
                         tier="general", uncertain=True)  # fmt: skip

    def warm(self) -> None:
        """Run every path of a parse once (the classifiers, the entity rules, the Chinese
        number reader and its library), so that the first user's message does not pay for
        lazy imports and first-use compilation. Call it off the event loop at start-up."""
        from nlu.entities import numbers

        numbers.warm()
        for text, expecting in _WARM_UP:
            self.parse(text, expecting=expecting)

    def entities(self, text: str, now: datetime | None = None) -> list[Entity]:
        return extract(text, now, self.gazetteer)

    def _parse(self, text: str, now: datetime | None, expecting: str | None) -> Parse:
        entities = tuple(extract(text, now, self.gazetteer))
        head = text[:CLASSIFY_CHARS]
        aligned = align(head)
        if not _MEANINGFUL.search(aligned):
            return Parse(text=text, intent="out_of_scope", category=None, confidence=0.0,
                         tier="general", entities=entities, uncertain=True)  # fmt: skip
        if expecting in SLOTS:
            entities = entities + bare_answer(head, expecting, entities)
        intent_p, category_p = self.model.predict(without_greeting(head))
        intent_p = weigh(intent_p, expecting)
        intent, intent_conf = _best(intent_p)
        intent_uncertain = _is_uncertain(intent_p)
        residue = _residue(head, entities)
        detail_only = residue == "" and bool(entities)
        answer = short_answer(aligned)
        if detail_only:
            only_case = all(e.type == "case_number" for e in entities)
            intent, intent_conf, intent_uncertain = (
                ("query_status" if only_case and expecting is None else "inform"),
                1.0,
                False,
            )
        elif expecting is None and is_help(aligned):
            intent, intent_conf, intent_uncertain = "help", 1.0, False
        elif expecting is None and is_status_question(aligned):
            intent, intent_conf, intent_uncertain = "query_status", 0.9, False
        elif expecting == "confirm" and answer and _YES.match(answer):
            intent, intent_conf, intent_uncertain = "affirm", 1.0, False
        elif (expecting == "confirm" and answer and _NO.match(answer)) or (expecting == "confirm" and refuses(aligned)):
            intent, intent_conf, intent_uncertain = "deny", 1.0, False
        elif (
            intent == "report_dispute"
            and intent_conf < GATE_CONFIDENCE
            and not _DOMAIN.search(aligned)
            and not states_problem(aligned)
        ):
            intent, intent_conf, intent_uncertain = "out_of_scope", max(intent_conf, 0.5), True
        elif (
            expecting is None
            and intent == "report_dispute"
            and intent_conf < QUESTION_GATE
            and neutral_question(aligned)
        ):
            intent, intent_conf, intent_uncertain = "out_of_scope", 1.0 - intent_conf, True
        elif (
            expecting is None
            and intent in ("report_dispute", "help")
            and not is_help(aligned)
            and how_to_question(aligned)
            and _DOMAIN.search(aligned)
            and not any(e.type in ("amount", "period", "people_count") for e in entities)
        ) or (expecting is None and intent == "report_dispute" and wages_only(aligned)):
            intent, intent_conf, intent_uncertain = "out_of_scope", 0.8, False
        elif (
            expecting in (None, "description", "category")
            and intent not in ("report_dispute", "greet", "thanks", "cancel")
            and states_problem(aligned)
            and not (intent == "query_status" and _STATUS.search(aligned))
            and not (intent == "correct" and _correction_tail(head))
        ):
            # "扣费金额不对", "返还金额有误": short, but a report, not a "no" or a question.
            intent, intent_conf = "report_dispute", max(intent_p.get("report_dispute", 0.0), 0.5)
            intent_uncertain = False
        ranking = _ranked(category_p)
        if intent == "inform" and len(residue) >= DISPUTE_RESIDUE and expecting not in SLOTS:
            # Details AND a story: a report that happens to carry a name and a phone number.
            best_category = ranking[0][1]
            if best_category >= MIN_CONFIDENCE and _DOMAIN.search(aligned):
                intent, intent_conf = (
                    "report_dispute",
                    max(intent_p.get("report_dispute", 0.0), 0.5),
                )
        if expecting == "category" and intent in ("inform", "correct", "deny"):
            intent = "report_dispute"  # the answer to "哪一类？" names the category
        if expecting == "correction" and intent in ("inform", "deny", "report_dispute"):
            intent = "correct"
        category: str | None = None
        confidence = intent_conf
        uncertain = intent_uncertain
        if intent == "report_dispute":
            category, confidence = ranking[0]
            uncertain = uncertain or _is_uncertain(category_p)
        elif intent == "correct":
            tail = _correction_tail(head)
            if tail is None and expecting == "correction":
                tail = aligned
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
            question=asks(aligned),
        )


#: Messages that take every path of a parse once (``Nlu.warm``).
_WARM_UP: tuple[tuple[str, str | None], ...] = (
    ("你好，我叫王秀英，电话13812341427，凤鸣镇南关村的，单位欠缴了我2019年到2021年的养老保险"
     "一万二千五百元，二十来个人", None),
    ("三千四百五十块", "amount"),
    ("多扣了两百八", "amount"),
    ("不是滞纳金，是退费", "correction"),
    ("对着哩", "confirm"),
)  # fmt: skip


def weigh(intent_p: dict[str, float], expecting: str | None) -> dict[str, float]:
    """The intent probabilities given what was asked (``_PRIORS``), renormalised."""
    prior = _PRIORS.get(expecting if expecting in _PRIORS else "slot", {})
    if expecting is not None and expecting not in _PRIORS and expecting not in SLOTS:
        prior = {}
    weighted = {k: v * prior.get(k, 1.0) for k, v in intent_p.items()}
    total = sum(weighted.values()) or 1.0
    return {k: v / total for k, v in weighted.items()}


def in_domain(text: str) -> bool:
    """A word of the social-insurance domain (fees, benefits, offices, employers) or a
    problem stated about insurance: what a message must have to be a report."""
    aligned = align(text[:CLASSIFY_CHARS])
    return bool(_DOMAIN.search(aligned)) or states_problem(aligned)


def refuses(aligned: str) -> bool:
    """A refusal, with or without a reason after it ("不同意，凭啥要我身份证", "不行，我不放心"),
    unless the message starts by agreeing ("好的，不要再问了") or asks "行不行"."""
    head = aligned[:CLASSIFY_CHARS].strip().lower()
    return (
        bool(_REFUSAL.search(head))
        and not _NOT_REFUSAL.search(head)
        and not _AGREE_HEAD.match(head)
    )


def asks(aligned: str) -> bool:
    """Does the message ask something (a question mark, 为什么 / 凭啥 / 怎么 / 吗…)?"""
    return bool(_ASKS.search(aligned[:CLASSIFY_CHARS]))


def states_problem(aligned: str) -> bool:
    """A word of the insurance domain and a word saying something is wrong."""
    return bool(_INSURANCE.search(aligned) and _PROBLEM.search(aligned))


def is_help(aligned: str) -> bool:
    """A short question about using the bot ("怎么提交", "你是谁")."""
    text = aligned.strip().lower()
    return len(text) <= SHORT_ANSWER * 2 and bool(_HELP.match(text))


def is_status_question(aligned: str) -> bool:
    """A short question about the course of a report already made."""
    return (
        len(aligned) <= STATUS_MAX_CHARS
        and bool(_PAST_REPORT.search(aligned))
        and bool(_COURSE.search(aligned))
        and not _REPEATED.search(aligned)
    )


def how_to_question(aligned: str) -> bool:
    """A question how to do something (申报, 交, 办, 材料…) with no grievance or problem in it:
    a consultation, referred to the county's hotline."""
    head = aligned[:CLASSIFY_CHARS].strip()
    return bool(
        len(head) <= HOW_TO_MAX_CHARS
        and _HOW_TO.search(head)
        and not _GRIEVANCE.search(head)
        and not _HOW_TO_GRIEVANCE.search(head)
        and not states_problem(head)
    )


def wages_only(aligned: str) -> bool:
    """About wages, with no word of insurance or of a deduction from them."""
    return bool(
        _WAGES.search(aligned) and not _INSURANCE.search(aligned) and not _DEDUCTION.search(aligned)
    )


def neutral_question(aligned: str) -> bool:
    """A question asked for information, with no word of a grievance or a problem."""
    return bool(
        _QUESTION.search(aligned) and not _GRIEVANCE.search(aligned) and not states_problem(aligned)
    )


def in_context(parse: Parse, expecting: str | None) -> Parse:
    """Another NLU's parse (Rasa) read in the dialogue's context: the same yes/no words after
    a confirmation question, and a first message that states a problem is a report."""
    from dataclasses import replace

    aligned = align(parse.text[:CLASSIFY_CHARS])
    answer = short_answer(aligned)
    if expecting == "confirm" and answer and _YES.match(answer):
        return replace(parse, intent="affirm", category=None, uncertain=False)
    if expecting == "confirm" and ((answer and _NO.match(answer)) or refuses(aligned)):
        return replace(
            parse, intent="deny", category=None, uncertain=False, question=asks(aligned)
        )
    if (
        expecting in (None, "description", "category")
        and parse.intent != "report_dispute"
        and states_problem(aligned)
        and parse.ranking
        and not _STATUS.search(aligned)
    ):
        label, p = parse.ranking[0]
        return replace(parse, intent="report_dispute", category=label, confidence=p)
    return parse


def bare_answer(text: str, expecting: str, found: tuple[Entity, ...]) -> tuple[Entity, ...]:
    """The answer to a question that is just the value, with no cue word: "李桂花" after
    "您叫什么名字？", "三千五" after "涉及多少钱？", "二十来个" after "涉及多少人？"."""
    kinds = {"name": "person_name", "amount": "amount", "people_count": "people_count"}
    kind = kinds.get(expecting)
    if kind is None or any(e.type == kind for e in found) or len(text) > 20:
        return ()
    value = _ANSWER_PUNCT.sub("", align(text))
    start = text.find(value[:1]) if value else -1
    if start < 0:
        return ()
    if kind == "person_name":
        from identifiers import bare_name, has_known_surname
        from nlu.entities.people import plausible_name

        name = bare_name(text)
        if not (has_known_surname(name) and plausible_name(name)) or name not in text:
            return ()
        at = text.find(name)
        return (Entity("person_name", name, at, at + len(name), name),)
    from nlu.entities.money import bare_count

    number = bare_count(value, people=kind == "people_count")
    if number is None:
        return ()
    span = text[start : start + len(value)]
    if kind == "amount":
        from nlu.entities.numbers import money_value

        return (Entity("amount", money_value(number), start, start + len(value), span),)
    if number < 1 or number != int(number):
        return ()
    return (Entity("people_count", int(number), start, start + len(value), span),)


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
