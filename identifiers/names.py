"""Chinese personal names: the surname list and whether a short answer is a name.

The list is the full 百家姓 (single and compound surnames, as collected in jionlp's
``rule_pattern.py``, Apache-2.0) ordered with the most frequent modern surnames first, plus
modern surnames it lacks (肖, 付, 覃, 郇, 栗, 仝, 畅…). A name with a surname outside it is
still possible: ``name_plausibility`` says "maybe" and the dialogue asks to confirm.
"""

from __future__ import annotations

import re
from typing import Literal

SINGLE_SURNAMES: str = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄"
    "聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶"
    "解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑"
    "郎甄丛仲虞敖巩明佘池查麻苑迟邝原茹郜暴候水云奚昌凤花酆廉乐皮元平萧湛禹狄贝计伏谈茅强危支昝经裘干宣贲郁杭洪诸钮嵇滑荀羊於"
    "惠家封芮羿储汲邴糜松井富乌巴弓牧隗山宓蓬郗班仰秋伊钭厉戎祖束幸韶蓟薄印宿怀邰从鄂索咸籍赖蔺屠阴胥能苍双闻莘贡劳逄扶堵宰郦"
    "雍郤璩濮寿通扈燕冀郏浦别充慕习宦鱼容慎戈庾终暨居衡步都满弘匡国广禄阙东殳沃利蔚越夔隆厍晁勾融訾阚那空毋乜养鞠须丰巢蒯相後"
    "荆红竺权逯盖益桓公仉督晋楚法汝鄢钦归海帅缑亢况后有琴佴伯赏墨哈谯笪年爱言福冼粟揭银智仝郇栗畅谌邸练门母兀税衣代战展达旷库"
    "买依帖"
)
COMPOUND_SURNAMES: tuple[str, ...] = (
    "万俟",
    "司马",
    "上官",
    "欧阳",
    "夏侯",
    "诸葛",
    "闻人",
    "东方",
    "赫连",
    "皇甫",
    "尉迟",
    "公羊",
    "澹台",
    "公冶",
    "宗政",
    "濮阳",
    "淳于",
    "单于",
    "太叔",
    "申屠",
    "公孙",
    "仲孙",
    "轩辕",
    "令狐",
    "钟离",
    "宇文",
    "长孙",
    "慕容",
    "鲜于",
    "闾丘",
    "司徒",
    "司空",
    "亓官",
    "司寇",
    "子车",
    "颛孙",
    "端木",
    "巫马",
    "公西",
    "漆雕",
    "乐正",
    "壤驷",
    "公良",
    "拓跋",
    "夹谷",
    "宰父",
    "谷梁",
    "段干",
    "百里",
    "东郭",
    "南门",
    "呼延",
    "羊舌",
    "微生",
    "梁丘",
    "左丘",
    "东门",
    "西门",
    "南宫",
    "第五",
)
SURNAMES = frozenset(SINGLE_SURNAMES)

#: Characters that do not occur in the given name of an answer that is only a name: question
#: and function words, and the words of the form itself.
_NOT_IN_GIVEN_NAME = re.compile(
    r"[不没的了吗呢啊吧么什怎谁哪钱费险社税局村乡县市区号码电话公司单位问题知道爷奶叔婶姨伯哥姐嫂妈爸娘户"
    r"是跟说我你他她们这那也都还就被把让替帮代啥咋俺咱嘞哩呀哦嗯]"
)
#: How people introduce their name before it ("俺叫李桂花", "本人：陈淑芳", "我是王秀英").
NAME_PREFIX = re.compile(
    r"^(?:我的名字叫|我的名字是|我名字叫|我叫|俺叫|咱叫|我是|俺是|叫|姓名是?|名字是?|他叫|她叫|"
    r"他是|她是|本人是?|当事人是?|被代办人是?|老人叫|名叫)[:：]?"
)
#: Titles and roles said before a name ("工人代表阴国庆", "经理赵刚", "网格员李强"): never the
#: start of the name, which follows them.
ROLES: tuple[str, ...] = (
    "工人代表", "职工代表", "村民代表", "群众代表", "代表", "会计", "出纳", "总经理", "副经理", "经理",
    "副主任", "主任", "队长", "组长", "班长", "网格员", "书记", "支书", "厂长", "村长", "站长",
    "所长", "科长", "处长", "局长", "负责人", "专干", "协理员", "文书", "主管", "人事", "财务",
    "法人", "董事长", "管理员", "联络员", "信息员", "社长", "会长", "院长", "校长", "老板娘",
    "老板", "工头", "包工头", "监理", "技术员", "司机", "保安", "厨师",
)  # fmt: skip
_ROLES_AHEAD = re.compile(
    "^(?:" + "|".join(sorted(ROLES, key=len, reverse=True)) + r")+(?=[\u4e00-\u9fff]{2,4}$)"
)
_PUNCT = re.compile(r"[\s，。！？、,.!?~…:：;；]+")
#: First characters of everyday replies ("跳过", "好的", "可以", "算了"): not a rare surname.
_REPLY_STARTS = frozenset("好可谢你您确取修同对行算没跳嗯啊哦喂请问就还再去来到说给帮不是")
Plausibility = Literal["sure", "maybe", "no"]


def surname_length(name: str) -> int:
    """2 for a compound surname (欧阳春梅), else 1."""
    return 2 if name[:2] in COMPOUND_SURNAMES else 1


def has_known_surname(name: str) -> bool:
    return name[:2] in COMPOUND_SURNAMES or (bool(name) and name[0] in SURNAMES)


def bare_name(text: str) -> str:
    """The answer without punctuation and the words introducing a name, roles included
    ("我是工人代表阴国庆" -> "阴国庆")."""
    value = NAME_PREFIX.sub("", _PUNCT.sub("", text or ""))
    bare = _ROLES_AHEAD.sub("", value)
    return bare if bare != value and has_known_surname(bare) else value


def name_plausibility(text: str) -> Plausibility:
    """Is this short answer a personal name? "sure": a known surname and a one- or two-character
    given name; "maybe": 2–4 Chinese characters that could be a name with a rare surname (ask
    the user to confirm); "no": anything else."""
    value = bare_name(text)
    if not re.fullmatch(r"[\u4e00-\u9fff·]{2,6}", value):
        return "no"
    surname = surname_length(value)
    given = value[surname:].replace("·", "")
    if not given or _NOT_IN_GIVEN_NAME.search(given) or (len(value) > 4 and "·" not in value):
        return "no"
    if has_known_surname(value) and 1 <= len(given) <= 2:
        return "sure"
    if value[0] in _REPLY_STARTS:
        return "no"
    return "maybe"
