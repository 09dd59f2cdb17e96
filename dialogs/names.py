"""Is a bare answer a Chinese personal name? Used when the bot asked for one ("张桂兰")."""

from __future__ import annotations

import re

from identifiers import bare_name, name_plausibility

_PREFIX = re.compile(r"^(我叫|我是|叫|姓名是?|名字是?|他叫|她叫|本人|当事人是?|被代办人是?)[:：]?")


#: Words that end places, organisations, insurances and forms of address: never a name
#: ("凤鸣镇", "养老保险", "刘会计", "李大爷").
NOT_NAME = re.compile(
    r"(?:镇|乡|村|社区|街道|县|市|区|公司|厂|单位|局|院|站|所|组)$|保险|社保|医保|养老|医疗|工伤|失业|生育"
    r"|(?:会计|出纳|经理|老板|主任|书记|师傅|老师|大爷|大妈|大娘|大伯|大叔|大婶|阿姨|叔叔|婶婶|大哥"
    r"|大姐|爷爷|奶奶|老汉|老太|村长|组长|主管|科长|局长|校长|院长|厂长|网格员)$"
    r"|^(?:那|这|哪)(?:种|个|样|些|边|里|位|家|回|次)"
    # "王家的媳妇": a family, not a person; "职工个人": who is speaking, not a name.
    r"|^[\u4e00-\u9fff]家$|个人$|^职工"
    # Words of a report or a correction, whatever surname they start with ("经核实", "有误").
    r"|^(?:经核实|经查|核实|有误|应为|应是|应该|不对|不是|错误|有错|更正|属实|确认|改为|改成)"
)
#: Talk, questions, requests and consent words: never a name, an employer or a place ("咋办",
#: "别问了，转人工", "本人已同意", "你是人不是").
TALK = re.compile(
    r"咋办|怎么办|咋整|咋弄|怎么弄|怎么整|干啥|干嘛|为啥|为什么|凭啥|啥意思|什么意思|别问|不问|不要问"
    r"|不用问|问这|问啥|不想说|不告诉|不说了|人工|真人|活人|客服|机器人|你是|你们|同意|答应|授权|愿意"
    r"|知情|不知|不清楚|有人吗|在吗|[?？]|吗$"
    # Thanks and courtesy said beside a consent ("可以的，谢谢"): 谢 is a surname, 谢谢 no name.
    r"|谢谢|多谢|感谢|谢了|谢啦|麻烦(?:你|您)?了|辛苦(?:你|您)?了|劳驾|拜托|没问题|^好的$|^可以的?$"
)


def is_talk(text: str) -> bool:
    """Talk rather than a value: a question, a request, a consent ("本人已同意")."""
    return TALK.search(text) is not None


#: A department or role said between 联系人 and the name ("联系人：人事部赵丽娟").
_UNIT_PART = r"(?:[\u4e00-\u9fff]{1,5}?(?:部|科|处|室|办|股|中心|组)|会计|出纳|主任|经理|科长|部长)?的?"


def looks_like_name(text: str) -> str | None:
    """The name in a short answer, or None. "我叫张桂兰。" -> "张桂兰"; "不知道" -> None.
    Only names with a known surname: a rare one is for the caller to confirm
    (``identifiers.name_plausibility`` says "maybe")."""
    if name_plausibility(text) != "sure" or NOT_NAME.search(bare_name(text)) or is_talk(text):
        return None
    return bare_name(text)


_CUES = (
    # "联系人：人事部赵丽娟", "联系人应为赵丽娟", "联系人是财务科的王敏".
    re.compile(
        r"联系人(?:姓名)?(?:[:：]|是|为|应为|应该是|改为|改成|换成)?\s*"
        + _UNIT_PART
        + r"([\u4e00-\u9fff]{2,4})"
    ),
    # "下一户：王二狗", "第三户是南关村陈秀梅": the household's person comes first.
    re.compile(
        r"(?:下一户|还有一户|另一户|另外一户|又一户|第[二三四五六七八九十两0-9]{1,3}户)(?:是|叫)?"
        r"[:：，,\s]*(?:[\u4e00-\u9fff]{1,6}?(?:村|社区|组)的?)?([\u4e00-\u9fff]{2,4})"
    ),
    # "我是孩子妈妈周晓燕", "我是他儿子王强": a relative says who they are, then their name.
    re.compile(
        r"(?:我是|俺是|本人是)[\u4e00-\u9fff]{0,4}?(?:妈妈|爸爸|母亲|父亲|家长|奶奶|爷爷|姥姥"
        r"|姥爷|外婆|外公|老伴|爱人|妻子|丈夫|儿子|女儿|媳妇|孙子|孙女)[，,:：\s]?([\u4e00-\u9fff]{2,4})"
    ),
    # "联系人有误，应为赵丽娟": the name after the word that corrects it.
    re.compile(r"(?:应为|应是|应该是|改为|改成|换成)[:：\s]*([\u4e00-\u9fff]{2,4})"),
    re.compile(r"(?:网格员|代办员|协理员|网格长)[是叫:：]?([\u4e00-\u9fff]{2,4})"),
    re.compile(
        r"(?:我叫|叫做|名叫|叫|姓名[是:：]?|名字[是叫:：]?|大名|全名[是叫]?|户主是?|本人)\s*"
        r"([\u4e00-\u9fff·]{2,5})"
    ),
    re.compile(r"(?:帮|替|给)([\u4e00-\u9fff]{2,4}?)(?:反映|反应|登记|报|问|说|办)"),
    # "帮中庄村的冀秀英反映", "下庄村王福生，…": a name right after a village.
    re.compile(
        r"(?:村|社区|组)的?([\u4e00-\u9fff]{2,4}?)(?:反映|反应|登记|报|问|说|办|的|[，,。\s]|$)"
    ),
    re.compile(r"(?:^|[，,。\s的是])([\u4e00-\u9fff]{2,4})(?=[，,。；;\s]|$)"),
)


def find_name(text: str) -> tuple[str, int] | None:
    """A personal name said inside a longer message ("…的，叫王秀英，今年68了") and where it
    starts; None when nothing looks like one. A fallback for what the NLU did not tag."""
    for n, cue in enumerate(_CUES):
        for m in cue.finditer(text):
            words = m.group(1)
            # After 叫 / 帮 the name may run into the next word; between commas it is exact.
            shortest = len(words) if n == len(_CUES) - 1 else 2
            for size in range(min(len(words), 4), shortest - 1, -1):
                if NOT_NAME.search(words[:size]) or is_address_form(words[:size]):
                    break  # "宋老汉": a form of address, whose first characters are no name
                name = looks_like_name(words[:size])
                if name:
                    return name, m.start(1)
    return None


_ADDRESS_FORM = re.compile(
    r"^(?:老)?[\u4e00-\u9fff]{1,2}(?:大爷|大妈|大娘|大伯|大叔|大婶|大哥|大姐|爷爷|奶奶|阿姨|叔叔|婶婶|师傅|老汉|老太|婆婆|伯伯)$"
)


def is_address_form(text: str) -> bool:
    """ "李大爷", "王阿姨": how villagers name a neighbour, not the name the form needs."""
    value = re.sub(r"[\s，。！？、,.!?~…:：]+", "", text)
    value = _PREFIX.sub("", value)
    return _ADDRESS_FORM.fullmatch(value) is not None
