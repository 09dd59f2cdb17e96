"""The user's story and its category: when a message tells the problem (not just "帮陈大爷
反映个事"), which category the NLU gives it, and more of the story said later."""

from __future__ import annotations

import re

from dialogs import form, speaker, texts, understand
from dialogs.context import Hotline
from dialogs.step import Step
from nlu.parser import in_domain
from nlu.types import CATEGORIES

#: A category ranked at least this likely is taken without asking (when the NLU is not
#: "uncertain"); "other" is never taken without asking: the menu helps the user say more.
RANKING_SURE = 0.6
#: ... and at least this likely even when the NLU calls the message as a whole uncertain.
RANKING_CLEAR = 0.8


#: "帮村里的陈大爷反映个事": an errand announced, no problem told yet.
ERRAND = re.compile(
    r"(?:帮|替|给)[^，,。]{0,10}?(?:反映|反应|问|说|登记|咨询|办)(?:个|一下|点|几个)?"
    r"(?:事情|事儿|事|情况|问题)?"
)
#: Words that announce a matter without telling it ("你好，我想反映个社保的事").
_ANNOUNCING = re.compile(
    r"你好|您好|请问|我想|我要|俺想|想要|想|反映|反应|咨询|问问|问一下|说说|说一下|一下|个|点|的"
    r"|事情|事儿|事|问题|情况|社保|社会保险|保险|这边|那个|就是|有|一|了|啊|呀|吧|问|个事"
)


def only_announces(text: str) -> bool:
    """ "想问个事", "你好，我想反映个社保的事": a matter announced, not yet told."""
    content = _ANNOUNCING.sub("", understand.squeeze(ERRAND.sub("", text)))
    return len(re.findall(r"[\u4e00-\u9fff]", content)) < 3 and len(text) <= 20


#: A matter announced in so many words ("想反映个事", "有个事想问问"), not a bare "好的".
_MATTER_WORDS = re.compile(r"反映|反应|投诉|登记|咨询|问问|问一下|问个|事")


def announces_matter(text: str) -> bool:
    """ "想反映个事": a report is coming, whatever intent the classifier gives so short a
    message (a yes, a no, a cancel): the intake starts and asks for the story."""
    return only_announces(text) and _MATTER_WORDS.search(text) is not None


def is_report_text(s: Step, body: str) -> bool:
    parse = s.parse
    assert parse is not None
    content = understand.squeeze(ERRAND.sub("", body))
    if len(re.findall(r"[\u4e00-\u9fff]", _ANNOUNCING.sub("", content))) < 3:
        return False
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
    told = parse.intent in ("report_dispute", "inform", "correct") or bool(parse.category)
    if not told and not plain_matter(s):
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
    named = named_category(s.text)
    if named is not None and len(understand.squeeze(s.text)) <= 30:
        # "想反映一下缴费基数的问题": a short message naming the category in its own words.
        draft.category, draft.category_sure = named, True
        draft.confidence, draft.tier_hint = parse.confidence, parse.tier
        return
    if named is not None:
        ranked = [named, *(c for c in ranked if c != named)]  # first in the menu
    if ranked or parse.category:
        draft.candidates = ranked[:3] or list(form.DEFAULT_CANDIDATES)
        draft.category = parse.category
        draft.confidence, draft.tier_hint = parse.confidence, parse.tier


def plain_matter(s: Step) -> bool:
    """ "这个小程序怎么用啊，交医保老是失败", "退费申请了半年了，进度怎么样了": read as a
    question, yet a fee matter whose category is clear."""
    parse = s.parse
    return (
        parse is not None
        and bool(parse.ranking)
        and parse.ranking[0][1] >= RANKING_CLEAR
        and FEE_WORDS.search(s.text) is not None
    )


#: A category's own words ("缴费基数", "滞纳金", "退费", "缴费记录"): naming one names it.
_OWN_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("contribution_base", re.compile(r"缴费基数|基数")),
    ("late_fee", re.compile(r"滞纳金")),
    ("refund", re.compile(r"退费|退款")),
    ("payment_record", re.compile(r"缴费记录|缴费明细|断缴")),
    ("registration", re.compile(r"参保登记")),
    ("labor_relation", re.compile(r"劳动关系")),
)


def named_category(text: str) -> str | None:
    """The one category a message names in its own words; None for none or several."""
    s = understand.squeeze(text[:400])
    found = [label for label, words in _OWN_WORDS if words.search(s)]
    return found[0] if len(found) == 1 and found[0] in CATEGORIES else None


#: Words of a social-insurance fee matter: narrower than ``understand.DOMAIN_WORDS`` (no
#: 单位 / 公司 / 工资: a boss who owes wages is not a fee dispute).
FEE_WORDS = re.compile(
    r"社保|社宝|社会保险|保险|保费|养老|医保|医宝|医疗|缴费|交费|缴纳|缴|参保|滞纳|补缴|补交|断缴|断交"
    r"|基数|工伤|失业|生育|新农合|农合|合疗|农保|合作医疗|档次|退费|待遇|退休|社保局|医保局|人社|窗口|经办"
    r"|交钱|交了|交上|扣|(?:没|不)给?(?:交|缴|上)"
)
#: Wages (工资、工钱): the labour office's matter (12333), unless insurance is spoken of too.
WAGES = re.compile(r"工资|工钱|薪水|薪资|欠薪|讨薪|加班费|劳务费|血汗钱|工费")
#: A medical bill not reimbursed as it should be is a benefits dispute (待遇核定和支付).
_CLAIM_REFUSED = re.compile(
    r"报不了|不给报|不能报|报销不了|没给报|少报|拒绝报|不让报|报销.{0,4}(?:被拒|没批)"
)


#: How a complaint about the fee offices' service is put without a word of insurance.
_SERVICE_WORDS = re.compile(
    r"来回跑|推诿|踢皮球|态度|办事员|收费|多收|收钱|交的钱|交过的钱|钱.{0,4}(?:退|扣)"
    r"|数不对|算错|算少|算多|少算|多算|不对"
)


def _general(hotline: Hotline) -> bool:
    """The general hotline (12345): its keywords (投诉、建议) name no other office's business."""
    return hotline.number == "12345" or hotline.topic in ("general", "government", "12345")


def off_topic(s: Step, text: str) -> str | None:
    """Not a fee dispute: the topic key of the hotline to refer it to ("wages", "" for the
    general one), or None when it is (or may be) a fee matter. Words of another office's
    business (the county's hotline keywords: 个税、工资、报销…) with no word of insurance fees
    beside them, or a story with no word of the domain at all that the NLU does not take for
    a report."""
    said = text[:400]
    other = other_office(s, said)
    if other is not None:
        return other
    if understand.mentions_domain(said) or _SERVICE_WORDS.search(said) or in_domain(said):
        return None
    if len(re.findall(r"[\u4e00-\u9fff]", said)) < 4:
        return None
    parse = s.parse
    sure = (
        parse is not None
        and parse.text == text
        and parse.intent == "report_dispute"
        and parse.intent_confidence >= 0.9
        # "路灯坏了" reads as a complaint about a service: not ours without a word of ours.
        and parse.category not in (None, "other", "service")
    )
    return None if sure else ""


def other_office(s: Step, said: str) -> str | None:
    """Words of another office's business (the county's hotline keywords: 个税、工资、报销…)
    with no word of insurance fees beside them: that hotline's topic key ("wages", "")."""
    keywords = [k for h in s.ctx.hotlines if not _general(h) for k in h.keywords if k and k in said]
    wages = WAGES.search(said)
    if keywords or wages:
        rest = WAGES.sub("", said)
        for k in sorted(keywords, key=len, reverse=True):
            rest = rest.replace(k, "")
        if FEE_WORDS.search(rest) or _CLAIM_REFUSED.search(said):
            return None
        return "wages" if wages else ""
    return None


def more_story(s: Step) -> bool:
    """More of the story when a value was asked: kept, nothing the user says is dropped."""
    draft = s.draft
    if not is_report_text(s, s.text) or len(s.text) < 10:
        return False
    more = understand.tidy(s.text)
    draft.description = f"{draft.description}；{more}" if draft.description else more
    if draft.kind != "employer" and not draft.proxy and speaker.employer_speaks(s.text):
        draft.kind = "employer"
    s.say("补充的情况记下了。")
    return True


#: Entity types that are form details (who and where), never an account of a problem.
DETAIL_TYPES = frozenset(
    {"person_name", "phone", "id_number", "credit_code", "township", "village", "employer"}
)
#: The words around details ("俺叫…，电话…，俺是…村的"): what is left when the values are out.
_DETAIL_WORDS = re.compile(
    r"你好|您好|名字|姓名|叫做|叫|户主|本人|电话|手机|号码|联系方式|联系|身份证|证件|统一社会|信用代码"
    r"|代码|号|今年|岁|家住|住在|住|家在|老家|在|是|的|我|俺|咱|他|她|村|组|镇|乡|街道|社区|县|市|区"
    r"|单位|公司|厂|上班|打工|干活|工作|和|还有|就是|姓|啊|呀|吧|哈|嗯|哦|这边|这里|那边|那里|了"
)


def details_only(s: Step, text: str) -> bool:
    """ "俺叫李桂花，电话139…，俺是北岭镇北岭村的": form details (name, phone, ID, place, unit,
    credit code) and no account of a problem. Such a message fills its slots but is never the
    description; the story is asked again."""
    rest, found = text[:400], False
    parse = s.parse
    values: list[str] = []
    if parse is not None and parse.text == text:
        values += [e.text for e in parse.entities if e.type in DETAIL_TYPES and e.text]
    draft = s.st.draft
    if draft is not None:
        values += [v for v in (draft.name, draft.township, draft.village, draft.employer) if v]
    for value in sorted(values, key=len, reverse=True):
        if value in rest:
            rest, found = rest.replace(value, "，"), True
    rest, digits = re.subn(r"[0-9０-９A-Za-z]{6,}", "，", rest)
    if not (found or digits):
        return False
    if FEE_WORDS.search(rest) or WAGES.search(rest) or _SERVICE_WORDS.search(rest):
        return False
    if _CLAIM_REFUSED.search(rest):
        return False
    left = _ANNOUNCING.sub("", _DETAIL_WORDS.sub("", understand.squeeze(rest)))
    return len(re.findall(r"[\u4e00-\u9fff]", left)) <= 2


#: Words that only announce the next household or matter ("还有一户，", "下一户：", "第三户是"):
#: not part of its story.
_ANNOUNCING_HEAD = re.compile(
    r"^(?:对了[，,]?)?(?:还有一户|还有户|下一户|又一户|另一户|另外一户|另外还有一户|新的一户|新一户|换一户"
    r"|第[二三四五六七八九十两0-9]{1,3}户|还有个事|还有一个事|还有件事|还有一件事|另外一件事|另一件事)"
    r"(?:是|的情况|情况|的事)?[:：，,。；;\s]*"
)
#: How long a piece of a story told in pieces may be ("医保", "扣了两回", "去年").
PIECE_LEN = 12


def strip_announcing(body: str) -> str:
    rest = _ANNOUNCING_HEAD.sub("", body, count=1)
    return rest if len(rest) >= 2 else body


def keep_piece(s: Step, text: str) -> bool:
    """A short piece of the story ("医保", "去年") with no one's details: kept before the
    story comes (``Draft.fragments``), or added to a story still short. True when kept."""
    draft = s.st.draft
    said = understand.squeeze(text)
    if draft is None or not said or len(said) > PIECE_LEN or (draft.proxy and not draft.name):
        return False
    parse = s.parse
    if parse is not None and any(e.type in DETAIL_TYPES for e in parse.entities):
        return False
    if understand.is_skip(text) or understand.agrees(text) or understand.is_deny(text):
        return False
    piece = understand.tidy(text)
    if not draft.description:
        if piece not in draft.fragments and len(draft.fragments) < 4:
            draft.fragments.append(piece)
        return True
    if len(draft.description) <= 2 * PIECE_LEN and piece not in draft.description:
        draft.description = f"{draft.description}，{piece}"
        return True
    return False


def keep_story(s: Step, body: str) -> bool:
    """A story told while another question is pending (a menu, a detail): the description
    when it is empty or holds only details (appended to them); True when kept."""
    draft = s.st.draft
    if draft is None or len(understand.squeeze(body)) < 10:
        return False
    if draft.description and not details_only(s, draft.description):
        return False
    if details_only(s, body) or not is_report_text(s, body):
        return False
    more = understand.tidy(body)
    draft.description = f"{draft.description}；{more}" if draft.description else more
    return True


def take_story(s: Step, body: str) -> bool:
    """The complaint itself as the description (never a greeting or a grid worker's
    preamble), with its category; True when it was taken."""
    draft = s.st.draft
    if draft is None or draft.description or not is_report_text(s, body):
        return False
    if details_only(s, body):
        return False  # who and where only: the story is still to come
    body = strip_announcing(body)
    draft.description = understand.tidy("，".join([*draft.fragments, body]))
    draft.fragments = []
    take_category(s)
    story_facts(s, body)
    return True


def story_facts(s: Step, body: str) -> None:
    """What the story says beside its category: every insurance it names ("五险都没交": all
    five), and unpaid wages told with the fee matter (referred to the labour inspectorate in
    one line; the fee matter is registered)."""
    draft = s.draft
    several = understand.insurances_in(body)
    if len(several) > 1 and len(draft.insurance_types) < len(several):
        draft.insurance_type, draft.insurance_types = several[0], several
        draft.scheme_open = False
    if WAGES_OWED.search(body) and FEE_WORDS.search(WAGES.sub("", body)):
        s.say(texts.wages_aside(s.ctx))


#: Wages owed, not paid ("拖欠工资", "工钱一直没发"): the labour inspectorate's matter, never
#: wages named only as what contributions are deducted from ("从工资里扣了养老保险").
WAGES_OWED = re.compile(
    r"(?:拖欠|欠|扣发|克扣|拖)了?[^，,。；;]{0,6}(?:工资|工钱|薪水|薪资|加班费|血汗钱)|欠薪|讨薪"
    r"|(?:工资|工钱|薪水|薪资)[^，,。；;]{0,4}(?:没发|不发|没给|不给|没结|不结|拖着|欠着|拖欠)"
)


#: "情况再补一句：…", "补充一下，…", "还有，…", "忘了说，…": more of the story, said as such.
ADDITION = re.compile(
    r"^(?:情况|问题)?(?:我|俺)?(?:再|还)?(?:补充|补)(?:一下|一句|几句|两句|说明|个情况|点)?[:：，,。\s]*"
    r"|^(?:还有|另外|忘了说|再说一句|再说一下|对了)[:：，,。\s]+"
)


#: Entity types that fill a slot of the form: a message carrying one is an answer first.
_VALUES = frozenset(
    {"period", "amount", "people_count", "phone", "id_number", "credit_code", "insurance_type"}
)


def addition(s: Step) -> bool:
    """ "情况再补一句：…": appended to the description, and said so (never a bare 好的)."""
    draft = s.st.draft
    if draft is not None and side_answer(s):
        return True  # "要多长时间能退下来？": a question, answered — not more of the story
    m = ADDITION.match(s.text)
    if draft is None or m is None:
        return False
    if s.parse is not None and any(e.valid and e.type in _VALUES for e in s.parse.entities):
        return False  # "对了，是2019年的事": a value for the form, which filling takes and names
    more = understand.tidy(s.text[m.end() :])
    if len(re.findall(r"[\u4e00-\u9fff0-9]", more)) < 4:
        return False
    draft.description = f"{draft.description}；补充：{more}" if draft.description else more
    s.say(f"补充的情况记下了：{more[:60]}")
    return True


def side_answer(s: Step) -> bool:
    """A question asked back while the form is filled ("身份证号干啥用？", "啥叫统一社会信用
    代码？", "要多长时间？"): answered briefly; the caller asks the pending question again."""
    kind = understand.side_question(s.text)
    if kind is None:
        return False
    s.say({"why": texts.PRIVACY_WHY, "credit_code": texts.CREDIT_CODE_WHAT,
           "how_long": texts.HOW_LONG_BEFORE_FILING}[kind])  # fmt: skip
    return True
