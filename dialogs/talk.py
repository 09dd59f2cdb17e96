"""What is not the form: greetings, thanks and help, questions for other offices (hotlines),
status questions, and what is said about a case already registered."""

from __future__ import annotations

import re

from dialogs import filling, lookup, questions, story, texts, understand
from dialogs.effects import ListMyCases, RecordInfo
from dialogs.lookup import STATUS_WORDS
from dialogs.names import find_name
from dialogs.step import Step

#: A question about insurance rules (咨询), not a dispute: referred to the county's hotline.
QUESTION = re.compile(
    r"怎么|如何|咋|多少|比例|能不能|可不可以|可以.{0,8}吗|需要.{0,6}(?:材料|手续|什么)|在哪|哪里"
    r"|什么时候|是什么|有没有|吗[？?]?$"
)
#: Words of a complaint (something went wrong), as opposed to a question about the rules.
DISPUTE = re.compile(
    r"扣多|多扣|扣了两|扣了.{0,3}次|重复(?:扣|交|缴)|交了两|没给我?|不给|欠缴|拖欠.{0,8}(?:社保|保险|保费)"
    r"|没到账|少了|少算|不对|错了|算错|停发|交不了|缴不了|报错|投诉|反映|不合理|凭什么|不认|多收|被扣"
    r"|没交|漏交|退不了|不退|还没退|乱收|不让|不能交|交不上|交重|重复了|比别人少|少这么多"
    r"|失败|交不进去|付不了|支付不了|用不了|登不上|打不开|卡住"
)
#: Reimbursement of medical bills (医保报销): a benefit question, never a fee dispute.
REIMBURSEMENT = re.compile(r"报销|能报|报多少|给报|报不报")
#: A question about how to pay (缴费咨询): the payment hotline (``[dialogue]``).
PAYMENT_QUESTION = re.compile(
    r"交多少|缴多少|怎么交|怎么缴|缴费标准|缴费档次|哪里交|在哪交|去哪交|交几年|交到几岁"
)


def small_talk(s: Step, in_progress: bool) -> bool:
    st, text, parse = s.st, s.text, s.parse
    assert parse is not None
    has_details = any(e.type != "case_number" for e in parse.entities)
    if not understand.is_help(text) and parse.intent == "help" and consultation(s):
        return True  # "…能不能申请法律援助" may read as a request for help: it is a question
    matter = story.FEE_WORDS.search(text) is not None and DISPUTE.search(text) is not None
    helps = understand.is_help(text) or (parse.intent == "help" and not has_details and not matter)
    about_a_matter = helps and parse.intent == "help" and story.plain_matter(s)
    how_to = HOW_TO_REPORT.search(text) is not None and not has_details and len(text) <= 30
    if not in_progress and (how_to or about_a_matter):
        # "怎么反映问题？", "多交的养老保险咋退？": the answer is to start — the notice, and
        # the matter said with the question kept as the story (or the story asked).
        s.say(texts.HOW_TO_REPORT)
        s.new_draft()
        if about_a_matter:
            story.take_story(s, text)
        questions.continue_prompt(s)
        return True
    if helps:
        s.say(texts.help_text(s.ctx))
        ask_again(s)
        return True
    if understand.is_thanks(text) or (parse.intent == "thanks" and len(text) <= 10):
        s.say(texts.THANKS_REPLY if not in_progress else "不客气。")
        ask_again(s)
        return True
    if understand.is_greet(text) or (parse.intent == "greet" and len(text) <= 8):
        if st.turns > 1 or not s.parts:
            s.say("您好！" if in_progress else "您好！有什么可以帮您？直接说遇到的问题就行。")
        if not st.privacy_accepted and not in_progress:
            questions.ask_privacy(s, [])
        else:
            ask_again(s)
        return True
    if lookup.status_query(s):
        return True
    if consultation(s):
        return True
    if (
        not in_progress
        and parse.intent in ("affirm", "deny", "skip", "cancel", "correct")
        and not story.announces_matter(text)
    ):
        s.say("有什么可以帮您？直接说遇到的问题就行。")
        questions.continue_prompt(s)
        return True
    return False


#: Asking how to report ("怎么反映？", "在哪登记", "我要投诉，咋弄"): answered by starting.
HOW_TO_REPORT = re.compile(
    r"(?:怎么|咋|如何|在哪|去哪|哪里)(?:样)?(?:反映|登记|投诉|提交|申请|报)"
    r"|(?:想|要)(?:反映|登记|投诉)[^，,。？?]{0,6}(?:怎么|咋|如何)"
)


#: Worries about a registered case: what if it is not settled ("办不好还能找谁？").
AFTER_CASE_WORRY = re.compile(
    r"办不好|不满意|没人管|拖着不办|还能找谁|找谁|解决不了|不给解决|不给办"
)


#: Questions about a case just registered (not a new matter).
ABOUT_THE_CASE = re.compile(
    r"材料|编号|进度|快点|快些|加急|催|什么时候|啥时候|多久|几天|结果|钱.{0,4}(?:到|退|拿|给)"
    r"|要我(?:去|做|带|交)|还要我|去哪|找谁办|谁来办|谁给办"
)


def objection(text: str) -> bool:
    """ "俺不服", "对处理结果有异议", "不满意，钱还是没到账": said of a case, never a new report
    (the first clause, or a short message, decides)."""
    head = re.split(r"[，,。！!？?；;\s]", text.strip(), maxsplit=1)[0]
    if understand.OBJECTION.search(head):
        return True
    return len(understand.squeeze(text)) <= 30 and understand.OBJECTION.search(text) is not None


WITHDRAW = re.compile(r"撤回|撤销|不想反映了|不告了|不要办了|不用办了")


#: Words that announce another matter or another household after a case.
NEW_MATTER = re.compile(
    r"新的|另一|另外一|另外有|还有一户|下一户|又一户|又有一|再反映|再登记|还有个事|还有一个事|还有件事"
    r"|换一户|新一户|别的事|另一件|第二件|再帮|还要帮|也要反映|也想反映"
    r"|第[二三四五六七八九十两0-9]{1,3}户|另外一户|还有户"
)


def new_filing(s: Step) -> bool:
    """After a case: a story about another person or another matter is a new filing ("下庄村
    的王福生，厂里没给他交工伤保险", "不是问进度，是新的一户要登记"), never read as about the
    case just registered."""
    text, parse = s.text, s.parse
    if NEW_MATTER.search(text):
        return True
    if parse is None or len(understand.squeeze(text)) < 10 or not story.is_report_text(s, text):
        return False
    names = {about[1] for about in s.st.opened_about if len(about) > 1 and about[1]}
    said = [str(e.value) for e in parse.entities if e.type == "person_name"]
    found = find_name(text)
    if found is not None:
        said.append(found[0])
    if any(n not in names for n in said if len(n) >= 2):
        return True  # another person's matter
    if s.st.profile.role == "grid_worker" and not STATUS_WORDS.search(text):
        return True  # a grid worker telling a story: the next household
    categories = {about[2] for about in s.st.opened_about if len(about) > 2}
    told = parse.category if parse.category and not parse.uncertain else None
    return told is not None and told != "other" and bool(categories) and told not in categories


def after_case(s: Step) -> bool:
    """After a case is registered: a correction goes to staff (the case is on record), a
    worry about the outcome gets the routes the law offers; another matter is a new filing."""
    number = s.st.opened[-1]
    if not NEW_MATTER.search(s.text) and lookup.follow_up(s):
        return True  # "俺那事咋还没人管": the status of their case(s) first
    if new_filing(s):
        return False
    if understand.is_correction(s.text) or re.search(r"说错|写错|记错|填错", s.text):
        # Recorded on the case and pushed to its agency (补充更正); said so when it is.
        s.effects.append(RecordInfo(number, understand.tidy(s.text)[:500]))
        return True
    objects = objection(s.text)
    judged = [n for n in s.st.judged if n in s.st.opened]
    # Of a closed case, any dissatisfied word short of a new story is about it ("钱还是没到账").
    about_closed = len(understand.squeeze(s.text)) <= 30 and understand.is_objection(s.text)
    if (
        judged
        and (objects or about_closed or AFTER_CASE_WORRY.search(s.text))
        and len(s.text) <= 60
    ):
        # A closed case (its verdict recorded here): the routes, never "will be answered".
        s.say(texts.objection_again(s.ctx, judged[-1]))
        return True
    if (objects or AFTER_CASE_WORRY.search(s.text)) and len(s.text) <= 60:
        s.say(texts.if_not_settled(number))
        return True
    if WITHDRAW.search(s.text) and len(s.text) <= 30:
        s.say(texts.after_case_withdraw(number))
        return True
    if ABOUT_THE_CASE.search(s.text) and len(s.text) <= 30 and not DISPUTE.search(s.text):
        # "要准备什么材料", "钱什么时候退", "编号再发一下": the case's status, and who acts next.
        s.say(texts.AFTER_CASE_NOTE)
        s.effects.append(ListMyCases())
        return True
    return False


#: What a question is about when it names no insurance ("办退休要什么材料"): the insurance
#: whose office answers it (``[dialogue] consultation_hotlines``).
_ABOUT: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pension", re.compile(r"退休|养老金|社保卡|参保|缴费年限|视同缴费|认定工龄")),
    ("medical", re.compile(r"报销|住院|看病|医院|门诊|异地就医|慢病|药")),
    ("unemployment", re.compile(r"失业")),
    ("work_injury", re.compile(r"工伤|受伤")),
    ("maternity", re.compile(r"生育|产假|生孩子")),
)


def consultation(s: Step) -> bool:
    """A question that is not a dispute ("医保报销比例是多少", "老板拖欠了我三个月工资咋办"):
    the county's hotline for it, whatever insurance words it contains."""
    text, parse = s.text, s.parse
    assert parse is not None
    errand = story.ERRAND.search(text)
    if filling.GRID_INTRO.search(text) or (errand and len(text) - len(errand.group(0)) < 6):
        return False  # "帮宋老汉问个事": someone's matter is coming, not a question
    if story.only_announces(text):
        return False  # "想问个事": the matter comes next
    if DISPUTE.search(text) and parse.intent != "out_of_scope":
        return False
    # An amount belongs to a dispute ("交了两千八怎么又让交"), unless it is what a medical
    # bill will be reimbursed ("住院花了三万，医保能报多少"): benefits, not fees.
    claims = REIMBURSEMENT.search(text) is not None
    allowed = ("insurance_type", "case_number", "period") + (("amount",) if claims else ())
    details = [e for e in parse.entities if e.type not in allowed]
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
    key = key or next((k for k, words in _ABOUT if words.search(text)), None)
    if PAYMENT_QUESTION.search(text):
        key = "payment"
    elif story.WAGES.search(text) and not story.FEE_WORDS.search(text):
        key = "wages"
    s.say(texts.referral(s.ctx, text, key))
    ask_again(s)  # a question answered is no failed try at the form's question
    return True


def ask_again(s: Step) -> None:
    """The pending question again after talk that answered nothing (help, a person asked
    for): not one more failed try, so it never makes a required question be left out."""
    draft = s.st.draft
    if draft is not None and s.st.asking and not s.st.mode:
        key = "@" + "+".join(s.st.asking)
        draft.tries[key] = draft.tries.get(key, 0) - 1  # ``questions.ask`` adds it back
    if s.st.mode == "cancel":
        questions.ask_cancel(s)
        return
    questions.continue_prompt(s)


def person_wanted(s: Step) -> bool:
    """ "转人工", "我要跟真人说", "你是人不是": how to reach a person (the county office), that
    nothing said is lost, and the pending question again. Nothing is stored."""
    if not understand.wants_person(s.text):
        return False
    lines = []
    if re.search(r"你是|机器人", s.text):
        lines.append(f"我是{s.ctx.county_name}的社保费争议登记小助手，不是真人。")
    office = s.ctx.office or s.ctx.hotline("government")
    if office is not None:
        lines.append(f"要找工作人员，可以打{office.name}的电话 {office.number}。")
    else:
        lines.append("要找工作人员，可以拨打12345热线。")
    if s.st.draft is not None:
        lines.append("您已经说的都记着，不会丢；在这里也可以接着登记，登记后工作人员会联系您。")
    else:
        lines.append("在这里说的不会丢；直接说遇到的问题，我也能帮您登记，登记后工作人员会联系您。")
    s.say("".join(lines))
    ask_again(s)
    return True
