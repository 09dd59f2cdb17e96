"""Personal names: 我叫… / 俺叫…, 本人…, 我是…的…, 帮…反映, 替…, 名字是…, a name before an ID
or phone number; and ``looks_like_name`` for a bare answer."""

from __future__ import annotations

import re

from identifiers import COMPOUND_SURNAMES, ROLES, SURNAMES
from nlu.entities.base import MAX_FOUND, Found
from nlu.entities.common_words import COMMON_WORDS

# Characters that end a name: function words, verbs and place/ID words that follow names.
_STOP = set(
    "的了是在给和跟说电话手机今年家住村镇乡县市区反映问查办身份证号码今昨我你他她们这那也都还就"
    "想要要去来到从被把让对向为替帮代吗呢吧啊呀哦哈嘛，。、！？：；,.!?:; 0123456789岁个已今"
    "社税局单位公司厂交缴扣退欠补钱费医养老险伤失"
)
#: Characters that do not occur in a given name (function words, kinship and place words; not
#: 月: 月娥, 秀月);
#: 保 / 生 / 业 are common in given names (保田, 建业), so they are not here.
_NOT_GIVEN = set(
    "不没的了吗呢啊吧么什怎谁哪钱费险社税局村镇乡县市区号码电话公司单位问题知道爷奶叔婶姨伯哥姐嫂妈爸娘户"
    "是跟说我你他她们这那也都还就被把让替帮代啥咋俺咱嘞哩呀哦嗯事情况些样里外边面点时候回次块元岁日"
)
_SURNAME_CLASS = "".join(sorted(SURNAMES))
_NAME = rf"(?:{'|'.join(COMPOUND_SURNAMES)}|[{_SURNAME_CLASS}])[\u4e00-\u9fff]{{1,3}}"

_CUES = (
    r"我叫|我的名字叫|我的名字是|我名字叫|我名叫|俺叫|俺的名字叫|俺名字叫|咱叫|额叫|名字叫|名字是|名叫|"
    r"姓名是|姓名[:：]|姓名|本人姓名|本人叫|本人是|本人|当事人是|当事人[:：]?|被代办人是?|"
    r"联系人是?|负责人是?|经办人是?|申请人是?|投诉人是?|反映人是?|缴费人是?|法定代表人是?|法人是?"
    r"|(?:他|她|老人|老人家|老汉|老太太|大爷|大娘|父亲|母亲|爸爸|妈妈|我爸|我妈|老伴|老公|爱人|儿子|女儿|"
    r"婆婆|公公)(?:的名字)?叫"
)
#: People nouns before a name ("村民王秀英", "会计张丽"): the name must look like a full name.
_NOUN_CUES = (
    r"(?:村民|居民|老人|职工|工人|员工|贫困户|五保户|低保户|大爷|大娘|阿姨|大姐|老乡|会计|出纳|"
    r"网格员|代办员|协理员|我爸|我妈|我爹|我娘|俺爹|俺娘|俺爸|俺妈|我父亲|我母亲|俺父亲|俺母亲|"
    r"我爱人|俺爱人|我老伴|俺老伴|我丈夫|我妻子|我老公|我媳妇|俺媳妇|俺男人|俺家男人|我儿子|我女儿|"
    r"我闺女|俺闺女|俺儿子|我公公|我婆婆|邻居|同事|工友|老职工|退休职工|退休工人|农民工|临时工|"
    r"[组班队村站所科处]长|主任|代表|经理|书记|支书|专干|专管员|协管员|信息员|联络员|调解员|工作人员|"
    r"店主|老板|业主|雇主|包工头|工头|户主|党员|退役军人|残疾人|家属|农户|住户|困难户|脱贫户|监测户|"
    r"个体户|老师|医生|司机|保安|保洁|护工|家人|病人|市民|群众|农民|股东)"
)
#: Strict cues (the name must look like a full name): "枣园村的王秀英", "村里王秀英", "参保人员王某",
#: "，是王秀英".
_STRICT_CUES = re.compile(
    rf"(?:(?:村|镇|乡|组|社区|庄|屯|街道)的|村里的?|村上的?|镇上的?|乡里的?|组里的?|厂里的?|队里的?|人员|"
    rf"(?:^|(?<=[，,。:：]))是)\s*(?P<n>{_NAME})"
)
_AFTER_CUE = re.compile(rf"(?:{_CUES})[:：]?\s*(?P<n>{_NAME})")
_AFTER_NOUN = re.compile(rf"(?:{_NOUN_CUES})[:：]?\s*(?P<n>{_NAME})")
_I_AM = re.compile(rf"(?:我是|俺是|咱是|额是)\s*(?P<n>{_NAME})")
_FOR = re.compile(
    rf"(?:帮助?|替|代|给)\s*(?P<n>{_NAME})(?=(?:来|向|跟|给)?(?:反映|反应|问|查|办|登记|投诉|申请|咨询|说|代办|报|提交|交|缴))"
)
#: "我是巴公镇枣园村的王秀英", "帮村里的赵福贵反映": the name after "…的", a short way after the cue.
_OF = re.compile(
    rf"(?:我是|俺是|咱是|帮助?|替|代)[^，。,.!?！？;；:：]{{0,14}}?的\s*(?P<n>{_NAME})"
)
#: "枣园村王秀英，身份证…": a name right before an ID number or a phone number.
_BEFORE_DETAIL = re.compile(
    rf"(?:(?<=[村镇乡组的是:：，,、\s(（])|^)(?P<n>{_NAME})(?=[，,、\s]?(?:身份证|电话|手机|联系电话|联系方式|证件号|\d{{11}}))"
)
#: "村里的王秀英大娘": a full name right before how one addresses her (大娘, 老人, 师傅…).
_BEFORE_TITLE = re.compile(
    rf"(?:(?<=[村镇乡组的是:：，,、\s(（])|^)(?P<n>{_NAME})"
    r"(?=大爷|大娘|大妈|大伯|大叔|大婶|婶子|奶奶|爷爷|老人|老汉|老太|阿姨|大姐|大哥|师傅|老师|同志|女士|先生)"
)
#: A corrected name: "名字改成刘芳", "姓名写错了，应该是李桂华", "名字不对 是李桂华".
_RENAMED = re.compile(
    rf"(?:名字|姓名|名)(?:写错了|打错了|错了|不对|有误|搞错了)?[，,。\s]{{0,2}}(?:应该|应当)?"
    rf"(?:改成|改为|更正为|换成|是|叫)[:：]?\s*(?P<n>{_NAME})"
)
#: "有个老人叫王某某": a name after 叫 (taken only when it is plainly a name).
_CALLED = re.compile(rf"叫\s*(?P<n>{_NAME})")
_NOT_NAMES = frozenset({"张家", "王家", "李家", "石门", "高兴", "白天", "万元", "于是", "安全", "明白",
                        "和平", "关于", "成功", "时候", "方便", "文件", "车间", "包括", "常常", "安排",
                        "管理", "时间", "能够", "都是", "都有", "有人", "有关", "有些", "那边", "那个",
                        "原来", "原因", "通知", "通过", "利息", "全部", "全家", "公司", "公积金",
                        "国家", "金额", "石头", "高龄", "广场", "双方", "家里", "后来", "从来"})  # fmt: skip
#: Place-name endings: "我是王家庄的" names a village, not a person.
_PLACE_END = frozenset("庄村屯沟营寨湾店集铺堡岭峪坪洼镇乡街区县市厂矿")


_TITLES = (
    "先生",
    "女士",
    "师傅",
    "大爷",
    "大娘",
    "大妈",
    "阿姨",
    "大姐",
    "大哥",
    "老汉",
    "奶奶",
    "爷爷",
)


#: Stop characters that are also common in given names (晋福来, 赵拴住, 孙来福, 秦在田, 李家明,
#: 王向东, 刘为民, 张映红): they end a name only by what follows them, never by themselves.
_SOFT_STOP = frozenset("来住在家和为向映年")
#: What may follow a full name: a detail of the same person (电话, 身份证, 今年…).
_DETAIL_AFTER = ("电话", "手机", "身份证", "今年", "家住", "住在", "联系", "号码", "证件", "的电话")


def _ends_name(rest: str) -> bool:
    """The name may end before ``rest``: nothing, punctuation, a digit, or a detail word."""
    return not rest or not ("\u4e00" <= rest[0] <= "\u9fff") or rest.startswith(_DETAIL_AFTER)


def _hard_stop(ch: str) -> bool:
    return ch in _STOP and ch not in _SOFT_STOP


def _soft_in_name(ch: str, given: int, rest: str) -> bool:
    """Is the soft stop ``ch`` part of the name? ``given``: given-name characters before it;
    ``rest``: the text after it. As the first given character (孙来福) it needs a name
    character after it and the name's end right after that; as the second (晋福来) the name's
    end right after it ("王芳来反映", "王芳在厂里": a verb follows, so it is a word)."""
    if given == 0:
        if len(rest) < 1 or rest[0] in _STOP or rest[0] in _NOT_GIVEN:
            return False
        if not ("\u4e00" <= rest[0] <= "\u9fff"):
            return False
        after = rest[1:]
        return (
            not after
            or not ("\u4e00" <= after[0] <= "\u9fff")
            or _hard_stop(after[0])
            or (after.startswith(_DETAIL_AFTER))
        )
    return given == 1 and _ends_name(rest)


def _trim(candidate: str, following: str = "") -> str | None:
    """The name at the head of ``candidate`` (``following``: the text right after it)."""
    surname_len = 2 if candidate[:2] in COMPOUND_SURNAMES else 1
    if candidate[surname_len : surname_len + 2] in _TITLES:  # "王大爷": not a full name
        return None
    name = candidate[:surname_len]
    tail = candidate + following
    for i in range(surname_len, len(candidate)):
        ch = candidate[i]
        if ch in _SOFT_STOP:
            if not _soft_in_name(ch, len(name) - surname_len, tail[i + 1 : i + 8]):
                break
        elif ch in _STOP:
            break
        name += ch
    if any(name.endswith(t) for t in _TITLES):
        return None
    if len(name) > surname_len + 2:  # "王秀英七十多了": the name is the first three
        name = name[: surname_len + 2]
    if len(name) <= surname_len or name in _NOT_NAMES:
        return None
    return name


#: Surnames that are also everyday function words: "都快", "有人", "从来" are not names.
_WORDLIKE_SURNAMES = frozenset("都有和那能从于时向全双通利公后过把被让给对就")


def plausible_name(value: str) -> bool:
    """A full name: a (known) surname and a one- or two-character given name without function
    words (保 / 生 / 业 allowed: 保田, 建业)."""
    return bool(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", value)) and _plausible(value)


def _plausible(value: str) -> bool:
    surname = 2 if value[:2] in COMPOUND_SURNAMES else 1
    given = value[surname:]
    if surname == 1 and len(value) == 2 and value[0] in _WORDLIKE_SURNAMES:
        return False
    return 1 <= len(given) <= 2 and not any(ch in _NOT_GIVEN for ch in given)


def names(text: str) -> list[Found]:
    """Full personal names (surname and given name). Address forms (李大爷, 老王) and a bare
    surname are not names: the form needs the full name, and the dialogue asks for it."""
    out: list[Found] = []

    def add(start: int, value: str, *, strict: bool, named: bool) -> None:
        end = start + len(value)
        if any(f.start < end and start < f.end for f in out):
            return
        following = text[end : end + 1]
        if following and following in "村镇乡厂局县市区组队":
            return
        if not named and _running_text(value, following):
            return
        if strict and (
            value[-1] in _PLACE_END
            or (following and following in "庄屯沟营寨湾家")
            or not _plausible(value)
        ):
            return
        out.append(Found("person_name", value, start, end))

    for pattern, strict in ((_AFTER_CUE, False), (_RENAMED, False), (_AFTER_NOUN, True), (_FOR, False), (_I_AM, True), (_OF, True),
                            (_BEFORE_DETAIL, True), (_BEFORE_TITLE, True), (_STRICT_CUES, True),
                            (_CALLED, True)):  # fmt: skip
        for m in pattern.finditer(text):
            if len(out) >= MAX_FOUND:
                break
            start, candidate = m.start("n"), m.group("n")
            if candidate[0] in _ON_BEHALF and _NAME_AT.match(candidate, 1):
                # "网格员代萧春福反映": 代 is "on behalf of", the name follows it
                start, candidate = start + 1, candidate[1:] + text[m.end() : m.end() + 1]
            after = _after_roles(text, start, len(candidate))
            if after is not None:
                start, candidate = after
                if start < 0:
                    continue  # a role and no name after it: "我是工人代表"
            name = _trim(candidate, text[start + len(candidate) : start + len(candidate) + 8])
            if name:
                named = (pattern in (_AFTER_CUE, _RENAMED) and "叫" in m.group(0)[:6]) or (
                    pattern is _AFTER_CUE and "名" in m.group(0)[:6]
                )
                add(start, name, strict=strict, named=named)
    return sorted(out, key=lambda f: f.start)


#: Words for "on behalf of" before a name ("网格员代萧春福反映", "村民替王某问").
_ON_BEHALF = frozenset("代替帮给为向跟和与同被让叫请把对")
_NUMERALS = "一二两三四五六七八九"


def _running_text(value: str, following: str) -> bool:
    """Is ``value`` the start of running text rather than a name? Its first two characters a
    common word ("职工申请补缴", "老职工马上退休"), or a number in it ("职工有六十多人")."""
    if value[:2] in COMPOUND_SURNAMES:
        return False
    given = value[1:]
    return (
        value[:2] in COMMON_WORDS
        or any(ch in "十百千万几" for ch in given)
        or (given[-1] in _NUMERALS and bool(following) and following in "多个十百千万岁年名位户")
    )


_ROLE_AT = re.compile("|".join(sorted(ROLES, key=len, reverse=True)))
_NAME_AT = re.compile(_NAME)


def _after_roles(text: str, start: int, size: int) -> tuple[int, str] | None:
    """When a role begins inside the candidate ``text[start:start + size]`` ("工人代表阴国庆",
    "车间主任贺建新"), the name after the roles: ``(start, name)``, or ``(-1, "")`` when no name
    follows them; None when there is no role."""
    role = _ROLE_AT.search(text, start, start + size)
    if role is None:
        return None
    at = role.end()
    while (m := _ROLE_AT.match(text, at)) and m.end() - role.start() <= 8:
        at = m.end()
    m = _NAME_AT.match(text, at)
    return (at, m.group(0)) if m else (-1, "")


_PREFIX = re.compile(
    r"^(?:我叫|我是|叫|姓名是?|名字是?|他叫|她叫|本人|当事人是?|被代办人是?|老人叫)[:：]?"
)


def looks_like_name(text: str) -> bool:
    """True when the whole message is just a Chinese personal name ("张桂兰", "我叫王建国。")."""
    value = re.sub(r"[\s，。！？、,.!?~…:：]+", "", text or "")
    value = _PREFIX.sub("", value)
    if not re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", value):
        return False
    surname_len = 2 if value[:2] in COMPOUND_SURNAMES else 1
    if surname_len == 1 and value[0] not in SURNAMES:
        return False
    rest = value[surname_len:]
    if not 1 <= len(rest) <= 2 or value in _NOT_NAMES:
        return False
    return _trim(value) == value
