"""Personal names: 我叫…, 姓…, 帮…反映, 替…, 名字是…; and ``looks_like_name`` for a bare answer."""

from __future__ import annotations

import re

from identifiers import COMPOUND_SURNAMES, SURNAMES
from nlu.entities.base import MAX_FOUND, Found

# Characters that end a name: function words, verbs and place/ID words that follow names.
_STOP = set(
    "的了是在给和跟说电话手机今年家住村镇乡县市区反映问查办身份证号码今天昨天我你他她们这那也都还就"
    "想要要去来到从被把让对向为替帮代吗呢吧啊呀哦哈嘛，。、！？：；,.!?:; 0123456789岁个已今"
    "社保税局单位公司厂交缴扣退欠补钱费医养老险工伤失业生育"
)
_SURNAME_CLASS = "".join(sorted(SURNAMES))
_NAME = rf"(?:{'|'.join(COMPOUND_SURNAMES)}|[{_SURNAME_CLASS}])[\u4e00-\u9fff]{{1,3}}"

_CUES = (
    r"我叫|我的名字叫|我的名字是|名字叫|名字是|姓名是|姓名[:：]|姓名|本人叫|本人是|本人|当事人是|当事人[:：]?"
    r"|(?:他|她|老人|老人家|老汉|老太太|大爷|大娘|父亲|母亲|爸爸|妈妈|我爸|我妈|老伴|老公|爱人|儿子|女儿|婆婆|公公)(?:的名字)?叫"
    r"|(?:村民|居民|老人|职工|工人|员工|贫困户|五保户|低保户|大爷|大娘|阿姨|大姐|老乡)"
)
_AFTER_CUE = re.compile(rf"(?:{_CUES})\s*(?P<n>{_NAME})")
_I_AM = re.compile(rf"我是\s*(?P<n>{_NAME})(?=[\s，。,.!！、]|$)")
_FOR = re.compile(
    rf"(?:帮助?|替|代|给)\s*(?P<n>{_NAME})(?=(?:来|向|跟|给)?(?:反映|问|查|办|登记|投诉|申请|咨询|说|代办|报|提交|交|缴))"
)
_SURNAME_ONLY = re.compile(
    rf"(?:我|他|她|本人|老人|对方|免贵)?姓\s*(?P<s>{'|'.join(COMPOUND_SURNAMES)}|[{_SURNAME_CLASS}])(?![\u4e00-\u9fff]{{0,1}}名)"
)
_HONORIFIC = re.compile(
    rf"(?P<s>{'|'.join(COMPOUND_SURNAMES)}|[{_SURNAME_CLASS}])(?:先生|女士|师傅|大爷|大娘|大妈|阿姨|大姐|大哥|老汉|奶奶|爷爷)"
)
_NOT_NAMES = frozenset({"张家", "王家", "李家", "石门", "高兴", "白天", "万元", "于是", "安全", "明白",
                        "和平", "关于", "成功", "时候", "方便", "文件", "车间", "包括", "常常"})  # fmt: skip


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


def _trim(candidate: str) -> str | None:
    surname_len = 2 if candidate[:2] in COMPOUND_SURNAMES else 1
    if candidate[surname_len : surname_len + 2] in _TITLES:  # "王大爷" -> the surname only
        return candidate[:surname_len]
    name = candidate[:surname_len]
    for ch in candidate[surname_len:]:
        if ch in _STOP:
            break
        name += ch
    if any(name.endswith(t) for t in _TITLES):
        name = name[:surname_len]
        return name
    if len(name) <= surname_len or len(name) > surname_len + 2 or name in _NOT_NAMES:
        return None
    return name


def names(text: str) -> list[Found]:
    out: list[Found] = []

    def add(start: int, value: str, etype_value: str | None = None) -> None:
        end = start + len(value)
        if any(f.start < end and start < f.end for f in out):
            return
        following = text[end : end + 1]
        if following and following in "村镇乡厂局县市区组队":
            return
        out.append(Found("person_name", etype_value or value, start, end))

    for pattern in (_AFTER_CUE, _I_AM, _FOR):
        for m in pattern.finditer(text):
            if len(out) >= MAX_FOUND:
                break
            name = _trim(m.group("n"))
            if name:
                add(m.start("n"), name)
    for pattern in (_SURNAME_ONLY, _HONORIFIC):
        for m in pattern.finditer(text):
            if len(out) >= MAX_FOUND:
                break
            surname = m.group("s")
            if any(f.value.startswith(surname) for f in out):
                continue  # "姓张，叫张大山": the full name says more
            start = m.start("s")
            if not any(f.start <= start < f.end for f in out):
                out.append(Found("person_name", surname, start, start + len(surname)))
    return out


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
    return not any(ch in _STOP for ch in rest)
