"""Dialogue-control words (取消, 跳过, 确认, 满意...) and answers to menus.

The NLU classifies whole messages; these short, closed phrases decide the dialogue's course
and must not depend on a statistical model, so they are matched here by rule. Long messages
are never taken as a control word: "我不知道为什么扣了滞纳金" is a report, not a 跳过.
"""

from __future__ import annotations

import re

from nlu.entities.numbers import parse_number
from nlu.types import CATEGORY_NAMES, INSURANCE_TYPES

_PUNCT = re.compile(r"[\s，。！？、,.!?~～…；;：:“”\"'（）()【】\[\]]+")

CANCEL = (
    "算了",
    "不弄了",
    "取消",
    "不办了",
    "不反映了",
    "不报了",
    "不要了",
    "撤销",
    "不想弄了",
    "不用了",
    "不登记",
    "先不登",
    "不提交",
    "别提交",
    "别登记",
    "先别登",
    "再想想",
    "不用登记",
    "撤回",
    "不登了",
)
SKIP = (
    "跳过",
    "不知道",
    "不方便",
    "不清楚",
    "不记得",
    "忘了",
    "没有",
    "不晓得",
    "不想说",
    "略过",
    "下一个",
    "没",
    "还没问过",
    "没问过",
    "还没问",
    "回头问问",
    "说不准",
    "说不清",
    "记不清",
    "记不得",
    "不太清楚",
    "不太记得",
    "不晓得",
    "不知",
    "没注意",
    "不懂",
    "说不上来",
    "说不上",
    "不好说",
    "讲不清",
    "这个我说不上来",
    "搞不清",
    "闹不清",
)
AFFIRM = (
    "确认",
    "确认提交",
    "提交",
    "是",
    "是的",
    "对",
    "对的",
    "好",
    "好的",
    "可以",
    "行",
    "同意",
    "没问题",
    "嗯",
    "嗯嗯",
    "恩",
    "ok",
    "yes",
    "y",
    "确定",
    "中",
    "要得",
    "没错",
    "正确",
    "继续",
    "同意并提交",
    "对着哩",
    "对着呢",
    "对着了",
    "就这",
    "就这样",
    "就这些",
    "没毛病",
    "中嘞",
    "好嘞",
    "行嘞",
    "可以了",
    "提交吧",
    "登记吧",
    "对头",
    "嗯呐",
    "都对",
    "没错误",
    # Typos of 确认 / 同意 an older user makes on a phone keyboard (same sound, near key).
    "确任", "确人", "却认", "确仁", "缺认", "确忍", "鹊认", "queren", "qr",
    "同衣", "铜意", "童意", "通意", "同义", "tongyi", "ty",
)  # fmt: skip
DENY = ("不", "不是", "不对", "不同意", "否", "不行", "no", "n", "不可以", "拒绝", "不要")
THANKS = ("谢谢", "谢了", "多谢", "感谢", "谢谢你", "辛苦了", "麻烦你了")
GREET = (
    "你好",
    "您好",
    "在吗",
    "在不在",
    "哈喽",
    "hello",
    "hi",
    "喂",
    "有人吗",
    "早上好",
    "下午好",
    "晚上好",
)
HELP = (
    "帮助",
    "help",
    "怎么用",
    "你能做什么",
    "能做什么",
    "菜单",
    "说明",
    "怎么弄",
    "?",
    "？",
    "使用说明",
)
MY_CASES = re.compile(
    r"我(报|反映|提交|代办|登记)?的(案件|案子|反映|件)|我报的|我反映的|查看案件|案件列表"
)
#: A verdict on a closed case, however it is put (the closing notice asks 满意 / 基本满意 /
#: 不满意). The dissatisfied words are looked for first: "不满意" contains "满意", and an
#: objection ("有异议", "不服", "钱还是没到账") is a verdict of dissatisfaction with a reason.
_DISSATISFIED = re.compile(
    r"不满意|不太满意|不大满意|不怎么满意|不是很满意|不算满意|谈不上满意|很不满|不满|没法满意"
    r"|异议|不服|不认可|不认同|不接受|不同意(?:这个|处理|结果|答复)?|不公平|不合理|不公道|糊弄|敷衍"
    r"|没(?:有)?解决|没给解决|解决不了|不给解决|还是没|还没(?:到账|退|解决|给|办)|没(?:有)?到账"
    r"|没(?:有)?退|不退|没(?:有)?收到|差评|不行|太少|才(?:给|退|报|补)?了?这么点|这么点"
    r"|要(?:申请)?(?:复议|仲裁|起诉|上诉)|去告|要告|告(?:他们|你们)|法院|我要投诉|再投诉"
    r"|不怎么样|不咋(?:地|样)|不咋的|差劲|太差|太慢|拖了|不认(?!真)|(?<![没无])有意见|(?<![没无有])意见(?!都没|没有)"
    r"|说不上满意|不对|错了|算错"
)
_BASICALLY = re.compile(
    r"基本满意|基本上满意|基本上还行|还算满意|比较满意|大体满意|总体满意|还行|一般|凑合|还可以"
    r"|马马虎虎|过得去|差不多吧|勉强|将就"
)
_SATISFIED = re.compile(
    r"满意|挺好|很好|不错|解决了|办好了|收到了|到账了|退回来了|没问题|没意见|没有意见|没啥意见"
    r"|没什么意见|感谢|谢谢|好评|点赞"
)
#: The order of the closing notice's question (满意 / 基本满意 / 不满意): "3" answers it.
VERDICT_ORDER = ("satisfied", "basically_satisfied", "dissatisfied")
#: How long a verdict with its reason may be ("不满意，才报了这么点…").
MAX_VERDICT = 200


CORRECTION = re.compile(
    r"写错|错了|打错|改成|改为|改一下|更正|应该是|不是.{0,12}[，,\s]*(而)?是|换成"
    r"|(?:^|[，,。\s])(?:哦|噢|啊|呃)?是[^，,。不]{2,16}[，,\s]*(?:而)?不是"
    r"|^(?:不对|不是|错了)[，,。\s]+(?:应该)?是[^，,。]{2,16}"
    r"|(?:最后|末尾?|尾数|倒数第?)[一二两三四五六七八九1-9]位"
    r"|(?:名字|姓名|电话|手机|号码|身份证|时间|年份|月份|乡镇?|村|地址|单位|公司|险种|金额|类型|类别"
    r"|人数|问题类型|钱数|数额)(?:也|有点|都)?(?:不对|有误|错)"
)

#: Field cue words for corrections: "电话写错了，是139…" -> phone.
FIELD_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("people_count", ("人数", "几个人", "多少人", "几人")),
    ("category", ("类别", "问题类型", "事项")),
    ("phone", ("电话", "手机", "号码", "联系方式")),
    ("id_number", ("身份证",)),
    ("credit_code", ("信用代码",)),
    ("name", ("名字", "姓名", "叫")),
    ("village", ("村", "社区")),
    ("township", ("乡镇", "镇", "乡", "街道", "地址", "住址")),
    ("employer", ("单位", "公司", "厂")),
    ("insurance_type", ("险种", "保险")),
    ("period", ("时间", "月份", "年份", "期间")),
    ("amount", ("金额", "多少钱", "钱数", "数额", "钱")),
    ("category", ("问题", "类型", "事")),
    ("description", ("情况", "描述")),
)

#: Words -> category label, for short menu answers and corrections ("不是滞纳金，是退费").
CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("late_fee", ("滞纳金", "利息", "罚款")),
    ("refund", ("退费", "退钱", "退款", "退回", "抵费")),
    ("contribution_base", ("基数",)),
    ("special_assessment", ("补缴", "核定")),
    ("benefits", ("待遇", "养老金", "报销", "退休金", "工伤待遇")),
    ("arrears", ("欠缴", "欠费", "拖欠", "追缴", "欠")),
    ("payment_record", ("缴费记录", "记录", "断缴")),
    ("payment_system", ("系统", "交不了", "缴不了", "小程序", "报错")),
    ("labor_relation", ("劳动关系", "不给交", "不给缴", "辞退")),
    ("service", ("态度", "服务", "推诿", "来回跑")),
    ("registration", ("参保登记", "转移", "登记", "没上社保")),
    ("info_transfer", ("信息", "推送", "不同步")),
    ("contribution_amount", ("金额", "扣多", "多扣", "应缴")),
    ("other", ("其他", "其它", "别的")),
)

INSURANCE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("resident_pension", ("居民养老", "城乡居民养老", "新农保", "农保")),
    (
        "resident_medical",
        ("居民医保", "居民医疗", "城乡居民医疗", "新农合", "农合", "合疗", "合作医疗"),
    ),
    ("pension", ("养老",)),
    ("medical", ("医疗", "医保")),
    ("unemployment", ("失业",)),
    ("work_injury", ("工伤",)),
    ("maternity", ("生育",)),
)


_GAPS = re.compile(r"[ \t]{2,}|(?:[ \t]*，[ \t]*){2,}")


#: A greeting a story starts with ("你好，…", "您好！俺想问问…"): not part of the story.
_GREETING_HEAD = re.compile(
    r"^(?:(?:你好|您好|你们好|哈喽|嗨|喂|在吗|在不在|有人吗|早上好|上午好|中午好|下午好|晚上好)"
    r"[啊呀哈吗呢，,。.！!？?\s~～]{0,6})+"
)


def tidy(text: str) -> str:
    """What is kept of a story: markup blanked out (``nlu.normalize.blank_markup``) leaves
    runs of spaces and commas, squeezed here; a greeting before it is dropped."""
    kept = _GAPS.sub(lambda m: "，" if "，" in m.group(0) else " ", text).strip(" ，,。")
    return _GREETING_HEAD.sub("", kept).strip(" ，,。") or kept


def squeeze(text: str) -> str:
    """Lower-case, punctuation and spaces removed: what short-phrase matching compares."""
    return _PUNCT.sub("", text).lower()


def _is(text: str, words: tuple[str, ...], limit: int = 8) -> bool:
    s = squeeze(text)
    if not s or len(s) > limit:
        return False
    return (
        any(s == w or (len(w) >= 2 and s.startswith(w)) for w in words)
        or s.rstrip("吧吗啊呀了哈") in words
    )


#: Words that place a message in social-insurance territory, homophone typos included.
DOMAIN_WORDS = re.compile(
    r"社保|社宝|社会保险|保险|养老|医保|医宝|医疗|缴费|交费|缴纳|扣|退费|退钱|滞纳|利息|罚"
    r"|补缴|补交|工伤|失业|生育|参保|断缴|断交|待遇|报销|欠缴|欠费|拖欠|基数|工资|单位|公司|厂"
    r"|税务|人社|社保局|医保局|窗口|大厅|工作人员|经办|柜台|小程序|系统|缴|交钱|交了|退休|农保|合作医疗"
    r"|新农合|农合|合疗|新农保|档次|记录|转移|关系|登记|代扣|银行|存折"
)


def mentions_domain(text: str) -> bool:
    return DOMAIN_WORDS.search(text) is not None


def is_cancel(text: str) -> bool:
    s = squeeze(text)
    return bool(s) and len(s) <= 16 and any(w in s for w in CANCEL)


#: What people put before a "don't know" ("这个俺说不上来", "俺也不清楚", "实在记不得").
_SKIP_LEAD = re.compile(
    r"^(?:这个|那个|这|那|啊|哎|唉|呃)?(?:我|俺|咱|他|她)?(?:也|真|实在|确实|是)?"
)


def is_skip(text: str) -> bool:
    return (
        _is(text, SKIP)
        or _is(_SKIP_LEAD.sub("", squeeze(text)), SKIP)
        or (bool(clauses(text)) and all(_unknown_clause(c) == () for c in clauses(text)))
    )


#: The fields a "don't know" may name ("身份证不知道", "钱也说不清", "村没有"), longest cue first
#: ("身份证号码" is the ID, not a phone).
_UNKNOWN_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("id_number", ("身份证号码", "身份证号", "身份证", "证件号")),
    ("credit_code", ("统一社会信用代码", "信用代码")),
    ("phone", ("电话号码", "手机号码", "电话", "手机号", "手机", "号码", "联系方式")),
    ("name", ("名字", "姓名")),
    ("people_count", ("几个人", "多少人", "人数")),
    ("village", ("社区", "村里", "村子", "村")),
    ("township", ("乡镇", "街道", "镇", "乡", "地址", "住址")),
    ("employer", ("单位", "公司", "厂子", "厂")),
    ("insurance_type", ("险种", "什么保险", "啥保险", "哪个保险")),
    ("period", ("什么时候", "啥时候", "哪一年", "哪年", "几年", "时间", "年份", "月份")),
    ("amount", ("多少钱", "钱数", "金额", "数额", "钱")),
)
_CUE_RE = re.compile("|".join(sorted((re.escape(c) for _, cs in _UNKNOWN_CUES for c in cs),
                                     key=len, reverse=True)))  # fmt: skip
_CUE_FIELD = {c: name for name, cs in _UNKNOWN_CUES for c in cs}
#: A "don't know" said whole, with what people put around it ("俺也说不清", "说了不知道",
#: "都不知道", "记不住 不知道").
_UNKNOWN_WORDS = re.compile(
    r"(?:这个|那个|这|那|啊|哎|唉|呃|我|俺|咱|他|她|也|都|全|全都|啥都|什么都|真|实在|确实|是|说了"
    r"|早说了|反正|和|跟|与|还有|的|了|吧|呀|啊|哈|呢|嘛|就|我都|俺都|还|暂时|现在)*"
    r"(?:(?:不知道|不清楚|不太清楚|不记得|不太记得|记不住|记不清|记不得|记不起来?|想不起来?|忘了"
    r"|忘记了|忘记|说不清楚?|说不准|说不上来?|讲不清|搞不清|闹不清|不晓得|不知|不懂|不好说"
    r"|不方便|不想说|跳过|略过|没有|没记|没注意|不知道了)"
    r"(?:了|吧|呀|啊|哈|呢|嘛|的|啦|哦|也|都|我|俺)*)+"
)


def clauses(text: str) -> list[str]:
    """A message's clauses, squeezed (a space inside one does not split it)."""
    return [c for c in (squeeze(p) for p in re.split(r"[，,。；;！!？?\n、]+", text)) if c]


def _unknown_clause(clause: str) -> tuple[str, ...] | None:
    """The fields a clause says are not known (() when it names none: "不知道"), None when
    the clause is not a "don't know"."""
    if len(clause) > 24:
        return None
    named = tuple(dict.fromkeys(_CUE_FIELD[m.group(0)] for m in _CUE_RE.finditer(clause)))
    rest = _CUE_RE.sub("", clause)
    if not rest or not _UNKNOWN_WORDS.fullmatch(rest):
        return None
    return named


def unknowns(text: str) -> tuple[list[str], bool]:
    """What a message says is not known: the fields named ("身份证不知道，钱也说不清" ->
    [id_number, amount]) and whether a "don't know" named nothing ("李桂花，不知道")."""
    named: list[str] = []
    unnamed = False
    for clause in clauses(text)[:12]:
        found = _unknown_clause(clause)
        if found is None:
            continue
        named += [f for f in found if f not in named]
        unnamed = unnamed or not found
    return named, unnamed


def is_unknown_clause(text: str) -> bool:
    """A piece of an answer that only says something is not known ("身份证俺记不住")."""
    return all(_unknown_clause(c) is not None for c in clauses(text)) and bool(clauses(text))


def is_affirm(text: str) -> bool:
    return _is(text, AFFIRM, limit=6)


#: Yeses that contain a "no" word: 没问题, 不反对, 没意见.
_POSITIVE = re.compile(
    r"没问题|没错|不反对|没意见|没有意见|不介意|没啥问题|没说的|没得问题|没啥说的|没事|不要紧|不碍事"
)
_NEGATION = re.compile(r"不|别|没|否|错|改|等等|等一下|先别")
_AGREE_HEAD = re.compile(
    r"^(?:那|那就|那你|就)?(?:对|是|好|行|中|嗯|恩|可以|同意|确认|确定|没问题|没错|正确|ok|yes|知道了"
    r"|明白|晓得|放心|照办|按你说的|成|妥|得嘞|听你的|依你|随你)"
)
_AGREE_WORDS = re.compile(
    r"同意|确认提交|确认|提交吧|登记吧|你登记|帮我登记|没问题|就这样|不反对|没意见|记吧|写吧|可以的|行吧"
    r"|你记|你写|记下|记着|登记一下|给登记|帮忙登记|没得问题|没啥问题|没意见"
)


def agrees(text: str) -> bool:
    """A yes to a yes/no question, however phrased: "对，确认提交", "好的，你登记吧",
    "对着哩", "就这". A "no", a change or a long message is not a yes."""
    s = squeeze(text)
    if not s or len(s) > 40:
        return False
    if is_affirm(text):
        return True
    if is_correction(text) or re.search(r"\d{3}", s):
        return False  # "电话写错了，是139…": a change, not a yes
    clauses = [squeeze(c) for c in re.split(r"[，,。！!？?；;\s]+", text) if squeeze(c)]
    if any(is_deny(c) or _REFUSAL.search(c) for c in clauses):
        return False
    # Every clause must agree (or be a courtesy): "是职工养老保险，不是城乡居民的" and
    # "对，险种是失业保险" state a value (a correction), they are not a yes.
    agreeing = [c for c in clauses if not _COURTESY.fullmatch(c)]
    return bool(agreeing) and all(_clause_agrees(c) for c in agreeing)


#: Courtesies said beside a yes ("对，谢谢", "好的，麻烦了").
_COURTESY = re.compile(
    r"(?:谢谢|多谢|感谢|辛苦|麻烦)(?:你|您|你们|啦|了|哈|啊)*"
)
#: What may follow an agreeing head in the same clause: particles and words of agreement,
#: never content ("是职工养老保险" is a value, "是的呀" a yes).
_AGREE_REST = re.compile(
    r"(?:的|了|啊|呀|吧|嘞|哩|着|呢|哈|么|嘛|哦|噢|喔|滴|哒|这样|这些|就|都|也|那|你|您|我|俺|咱"
    r"|就行|就好|行了|好了|没问题|提交|确认|登记|可以|对|是|好|行|中|嗯|恩|没错|正确|同意|一下|吧)*"
)


#: A clear no inside a longer answer ("不同意，别登记").
_REFUSAL = re.compile(r"不同意|不愿意|不行|拒绝|别登|不要登|不登记|不用了|算了")


def _clause_agrees(s: str) -> bool:
    if len(s) > 10 or is_cancel(s):
        return False
    if is_affirm(s):
        return True
    if _NEGATION.search(_POSITIVE.sub("", s)):
        return False
    head = _AGREE_HEAD.match(s)
    if head and _AGREE_REST.fullmatch(_AGREE_WORDS.sub("", s[head.end() :])):
        return True
    words = _AGREE_WORDS.search(s)
    return bool(words) and _AGREE_REST.fullmatch(_AGREE_WORDS.sub("", s)) is not None


def leading_agreement(text: str) -> tuple[bool, str]:
    """ "同意，我叫李桂花，139…" -> (True, "我叫李桂花，139…"): a yes said before other answers.
    A whole-message yes gives (True, "")."""
    head, sep, rest = _split_head(text)
    if sep and agrees(head):
        return True, "" if agrees(rest) else rest.strip()
    return agrees(text), ""


#: A no to the privacy notice, however it is put: "不同意，凭啥要我身份证", "我不同意",
#: "不想给", "不愿意留身份证". A refusal with a reason or a question is still a refusal.
_REFUSES = re.compile(
    r"不同意|不愿意|不答应|不想(?:给|留|说|登|填|告诉)|不给|不留|拒绝|不行|不可以|不要登|别登|不登记"
    r"|不接受|不认可|不干|不弄了|算了|不用了"
)
#: A question about the notice: why the ID (or any detail) is needed, what it is used for.
_WHY_ASKED = re.compile(
    r"为什么|为啥|凭啥|凭什么|干嘛|干啥|做什么用|干什么用|有什么用|啥用|用来干|用来做|必须|非要|一定要"
    r"|安全吗|会不会泄露|泄露|给谁看|谁能看|能不能不|可以不|不填行|不给行|匿名"
)


def refuses(text: str) -> bool:
    """A refusal of the privacy notice (or of the filing), even with a reason or a question."""
    if is_deny(text):
        return True
    s = squeeze(text)
    return bool(s) and len(s) <= 60 and _REFUSES.search(s) is not None


def asks_why(text: str) -> bool:
    """A question about why details are asked and what happens to them."""
    s = squeeze(text)
    return bool(s) and len(s) <= 60 and _WHY_ASKED.search(s) is not None


def _split_head(text: str) -> tuple[str, str, str]:
    m = re.search(r"[，,。;；\s]", text.strip())
    if not m:
        return text.strip(), "", ""
    stripped = text.strip()
    return stripped[: m.start()], stripped[m.start()], stripped[m.end() :]


def is_deny(text: str) -> bool:
    return _is(text, DENY, limit=5)


#: Asking for a person instead of the bot ("找人工", "别问了，转人工", "我要跟真人说", "你是人不是").
_WANTS_PERSON = re.compile(
    r"(?:转|找|要|接|叫|换)(?:个)?人工|人工(?:服务|客服|坐席|台)|^人工$|真人|活人"
    r"|(?:找|要|叫|换)(?:个)?(?:工作人员|客服|领导|管事的)|(?:跟|和|同)(?:工作人员|客服|领导)(?:说|讲|谈|聊)"
    r"|你是(?:不是)?(?:真)?人|是(?:不是)?机器人|你是人不是"
)


def wants_person(text: str) -> bool:
    """A short message asking for a person ("转人工"), never a story that mentions one."""
    s = squeeze(text)
    return bool(s) and len(s) <= 20 and _WANTS_PERSON.search(s) is not None


def is_thanks(text: str) -> bool:
    return _is(text, THANKS, limit=10)


def is_greet(text: str) -> bool:
    return _is(text, GREET, limit=8)


def is_help(text: str) -> bool:
    return _is(text, HELP, limit=8)


def is_my_cases(text: str) -> bool:
    return len(squeeze(text)) <= 14 and bool(MY_CASES.search(text))


def verdict(text: str, *, numbered: bool = False) -> str | None:
    """satisfied / basically_satisfied / dissatisfied, or None when the text gives no verdict.
    ``numbered``: the question was just asked, so "3" (or "第三个") picks from its order."""
    s = squeeze(text)
    if not s or len(s) > MAX_VERDICT:
        return None
    if numbered:
        index = menu_index(s, len(VERDICT_ORDER))
        if index is not None:
            return VERDICT_ORDER[index]
    if _DISSATISFIED.search(s):
        return "dissatisfied"
    if _BASICALLY.search(s):
        return "basically_satisfied"
    if _SATISFIED.search(s) or (numbered and len(s) <= 4 and is_affirm(s)):
        return "satisfied"
    return None


def is_objection(text: str) -> bool:
    """ "俺对处理结果有异议", "不服", "还是没到账": dissatisfied with how a case ended."""
    return verdict(text) == "dissatisfied"


#: An objection said outright: "有异议", "不服", "不满意", "要复议". Unlike the wider
#: dissatisfied words ("错了", "没到账") these never start a new report, so they are read as
#: about the user's case whenever one is on record.
OBJECTION = re.compile(
    r"异议|不服|不满意|不太满意|不认可|不接受|复议|仲裁|起诉|上诉|法院|(?<![没无])有意见|不公平|不合理"
)


def is_correction(text: str) -> bool:
    return bool(CORRECTION.search(text))


def correction_field(text: str) -> str | None:
    """Which field a correction talks about, from its cue words (before the new value);
    a category's own words count: "不是滞纳金，是退费" corrects the category."""
    # A run of spaces is tried from its first space only (possessive): linear on any input.
    head = re.split(r"改成|改为|应该是|换成|(?:[，,]|(?<!\s)\s)\s*+(?:而)?是", text, maxsplit=1)[0]
    # The field named first ("是职工养老保险，不是城乡居民的" names 保险 before 乡).
    found = [
        (head.find(c), -len(c), order, name)
        for order, (name, cues) in enumerate(FIELD_CUES)
        for c in cues
        if c in head
    ]
    if found:
        return min(found)[3]
    said = category_from_words(head)
    if said not in (None, "other", "contribution_amount"):
        return "category"
    # "不是扣多了，是交了钱以后缴费记录里没有": what the problem IS, said again.
    told = category_from_words(correction_tail(text) or "")
    if told not in (None, "other") and told != said:
        return "category"
    return None


def correction_tail(text: str) -> str | None:
    """The new value of a correction: what follows 改成 / 应该是 / "不是…，是"."""
    m = re.search(r"(?:改成|改为|应该是|换成|更正为|(?:^|[，,。\s])(?:而)?是)[:：\s]*(.+)$", text)
    if not m:
        return None
    # "是李桂华，不是李贵华": the old value said after the new one is not part of it.
    tail = re.sub(r"[，,。\s]+(?:而)?不是.*$", "", m.group(1)).strip(" 。.！!")
    return tail or None


def category_from_words(text: str) -> str | None:
    s = squeeze(text)
    for label, words in CATEGORY_WORDS:
        if any(w in s for w in words):
            return label
    for label, name in CATEGORY_NAMES.items():
        if s and s in squeeze(name):
            return label
    return None


#: The residents' schemes in the words villagers use (合疗、新农合、农保…): one list for every
#: place the dialogue reads an insurance, whatever the NLU tags.
_RESIDENT_PENSION = r"居民.{0,4}养老|农村.{0,2}养老|新农保|老农保|农保|城居保|城乡养老"
_RESIDENT_MEDICAL = (
    r"居民.{0,4}医|新农合|农合|合疗|合作医疗|农医保|城乡医保|城居医保|居民合作医疗|大病保险"
)
_RESIDENT = (
    ("resident_pension", re.compile(_RESIDENT_PENSION)),
    ("resident_medical", re.compile(_RESIDENT_MEDICAL)),
)


def resident_insurances_in(text: str) -> list[str]:
    """The residents' schemes a message names in villagers' words ("合疗钱扣了两回",
    "新农保"), in the order said: words an insurance tagger may not know."""
    s = squeeze(text)
    found = sorted(
        ((m.start(), key) for key, pattern in _RESIDENT if (m := pattern.search(s))),
    )
    return [key for _, key in found]


def insurance_from_words(text: str) -> str | None:
    s = squeeze(text)
    for key, pattern in _RESIDENT:
        if pattern.search(s):
            return key
    for key, words in INSURANCE_WORDS:
        if any(w in s for w in words):
            return key
    for key, name in INSURANCE_TYPES.items():
        if s and s in name:
            return key
    return None


#: Several insurances named at once: "五险" is all five; "三险" the three every employer
#: pays for a worker (养老、医疗、失业) as people use the word.
_BUNDLES = (
    (re.compile(r"五险|五项保险|五个险"), ("pension", "medical", "unemployment", "work_injury",
                                          "maternity")),
    (re.compile(r"三险|三项保险|三个险"), ("pension", "medical", "unemployment")),
)  # fmt: skip
_EACH_INSURANCE = re.compile(
    rf"(?P<resident_pension>{_RESIDENT_PENSION})|(?P<resident_medical>{_RESIDENT_MEDICAL})"
    r"|(?P<pension>养老(?!院|卡|中心|金卡))|(?P<medical>(?:医疗|医保)(?!卡|局|中心|所|站|窗口|大厅|部门|机构|报销|费用))"
    r"|(?P<unemployment>失业)"
    r"|(?P<work_injury>工伤)|(?P<maternity>生育)"
)


def insurances_in(text: str) -> list[str]:
    """Every insurance a message names, in the order said ("养老、医疗、失业都有", "五险都欠着");
    one or none for most messages."""
    s = squeeze(text)
    for pattern, keys in _BUNDLES:
        if pattern.search(s):
            return list(keys)
    found: list[str] = []
    for m in _EACH_INSURANCE.finditer(s):
        key = m.lastgroup
        if key and key not in found:
            found.append(key)
    # "医保…居民医保": the residents' scheme named is what the bare word meant (one scheme,
    # not two), unless the employees' scheme is named too ("职工医保和居民医保").
    for bare, resident, employee in (("medical", "resident_medical", "职工医"),
                                     ("pension", "resident_pension", "职工养老")):  # fmt: skip
        listed = re.search(r"(?:养老|医保|医疗)(?:保险)?(?:和|、|跟|及|与|以及|还有)", s)
        if bare in found and resident in found and employee not in s and not listed:
            found.remove(bare)
    return found


def menu_index(text: str, size: int) -> int | None:
    """ "2", "２", "第二个", "二" -> 1 (zero-based) when it is a valid position of the menu."""
    s = squeeze(text).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    m = re.fullmatch(r"(?:第|选)?(\d{1,2}|[一二两三四五六七八九十])(?:个|项|号|条)?", s)
    if not m:
        return None
    token = m.group(1)
    n = int(parse_number(token) or 0)
    return n - 1 if 1 <= n <= size else None


def resolve_choice(text: str, choice_id: str | None, menu: list[list[str]]) -> str | None:
    """The id of the menu item the user picked: a pressed button, its number, or its words."""
    ids = [item[0] for item in menu]
    if choice_id and choice_id in ids:
        return choice_id
    if not menu:
        return None
    index = menu_index(text, len(menu))
    if index is not None:
        return ids[index]
    s = squeeze(text)
    if not s or len(s) > 16:
        return None
    for item_id, label in menu:
        if s == squeeze(label):
            return item_id
    # A label inside the words: the longest one ("不同意，凭啥…" holds 同意 and 不同意).
    inside = sorted(
        ((len(lab), item_id) for item_id, label in menu if (lab := squeeze(label)) and lab in s),
        reverse=True,
    )
    if inside:
        return inside[0][1]
    # The words inside one label only ("退费" for "退（抵）费").
    holding = [item_id for item_id, label in menu if len(s) >= 2 and s in squeeze(label)]
    return holding[0] if len(holding) == 1 else None


#: Questions a complainant asks back while the form is filled (answered briefly, then the
#: pending question again): why a detail is needed, what a word means, how long it takes.
_DETAIL = r"身份证号?|证件号|电话|手机号?|号码|姓名|名字|住址|地址|乡镇|村|信用代码|单位名称"
_WHY_DETAIL = re.compile(
    rf"(?:{_DETAIL})(?:号)?(?:是)?(?:干啥|干什么|干嘛|做什么|做啥|啥用|什么用|有啥用|有什么用|用来|为啥|为什么)"
    rf"|(?:为啥|为什么|干嘛|干啥|凭啥|凭什么)(?:要|非要|还要|得)?(?:我的?|留|填|给|说|提供|写)?(?:{_DETAIL})"
)
_WHAT_CODE = re.compile(
    r"(?:啥|什么)(?:叫|是)(?:统一)?(?:社会)?信用代码|(?:统一)?(?:社会)?信用代码(?:是|指)?(?:啥|什么|哪个)"
    r"|信用代码(?:在哪|去哪|从哪|咋查|怎么查|哪里)"
    r"|信用代码[^，,。？?]{0,4}(?:干啥|干什么|做什么|啥用|什么用|有什么用|为啥|为什么)"
)
_HOW_LONG = re.compile(
    r"(?:要|需要|得|等)(?:多长时间|多久|几天|多少天)"
    r"|(?:多长时间|多久|几天|什么时候|啥时候|哪天)(?:能|才能|可以|会|才)(?:退|办|处理|解决|有|给|到|下来)"
)


def side_question(text: str) -> str | None:
    """ "身份证号干啥用？" -> "why"; "啥叫统一社会信用代码？" -> "credit_code"; "要多长时间
    能退下来？" -> "how_long"; None for anything else (a short question only)."""
    s = squeeze(text)
    if not s or len(s) > 24:
        return None
    asked = text.rstrip().endswith(("?", "？", "吗", "呢")) or re.search(
        r"啥|什么|为啥|多久|多长|几天|哪", s
    )
    if not asked:
        return None
    if _WHAT_CODE.search(s):
        return "credit_code"  # "信用代码是干啥用的？": the code named, not the privacy notice
    if _WHY_DETAIL.search(s):
        return "why"
    if _HOW_LONG.search(s) and not re.search(r"\d|[一二两三四五六七八九十]{1,3}(?:年|月)", s):
        return "how_long"
    return None
