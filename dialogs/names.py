"""Is a bare answer a Chinese personal name? Used when the bot asked for one ("张桂兰")."""

from __future__ import annotations

import re

# Common surnames (百家姓, the ~200 most frequent), single and compound.
_SINGLE = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "令狐",
    "夏侯",
)
_NOT_NAME = re.compile(
    r"[不没的了吗呢啊吧么什怎谁哪钱费保险社税局村镇乡号码电话公司单位问题知道爷奶叔婶姨伯哥姐嫂妈爸娘户]"
)
_PREFIX = re.compile(r"^(我叫|我是|叫|姓名是?|名字是?|他叫|她叫|本人|当事人是?|被代办人是?)[:：]?")


def looks_like_name(text: str) -> str | None:
    """The name in a short answer, or None. "我叫张桂兰。" -> "张桂兰"; "不知道" -> None."""
    value = re.sub(r"[\s，。！？、,.!?~…:：]+", "", text)
    value = _PREFIX.sub("", value)
    if not re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", value):
        return None
    if _NOT_NAME.search(value[1:]):
        return None
    if value[:2] in _COMPOUND:
        return value if len(value) >= 3 else None
    if value[0] in _SINGLE and len(value) <= 4:
        return value
    return None


_CUES = (
    re.compile(r"(?:网格员|代办员|协理员|网格长)[是叫:：]?([\u4e00-\u9fff]{2,4})"),
    re.compile(r"(?:我叫|叫做|名叫|叫|姓名[是:：]?|名字[是叫:：]?)\s*([\u4e00-\u9fff·]{2,5})"),
    re.compile(r"(?:帮|替|给)([\u4e00-\u9fff]{2,4}?)(?:反映|反应|登记|报|问|说|办)"),
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
