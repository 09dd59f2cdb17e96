"""Scripted residents for the fleet suite: who they are and what they answer.

A resident is a Telegram chat that goes from its first message to 确认 and a case number.
The script plays the bot's questions: it reads the bot's last message, recognises the
question (a few stable key words of ``dialogs/texts.py``) and answers with that detail; a
question it does not recognise is answered with the next detail the bot has not been given
yet. Nothing here knows about processes or HTTP (``fleet_run`` drives the residents).

Profiles are generated from a seed (reproducible): a common surname and given name, a valid
mobile, a valid 18-digit ID number (python-stdnum check digit), a township and village of
the example county, an employer, a problem sentence per dispute kind, a period. Three
opening styles: everything in one message (two turns), a greeting then one question at a
time, the problem first.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Literal

from stdnum.cn import ric

Style = Literal["all_at_once", "greeting", "problem_first"]
Special = Literal["", "double_confirm", "two_corrections"]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗梁宋郑谢韩唐冯于董程"
#: Given names, two characters each.
_GIVEN = "建国秀英桂兰志强海燕玉梅德福丽娟文华淑珍凤英建军春生玉兰志刚秀兰金凤永福翠花长林俊杰素芳立新爱华振华美玲晓东丽萍学文桂芝"
GIVEN = tuple(_GIVEN[i : i + 2] for i in range(0, len(_GIVEN), 2))
EMPLOYERS = (
    "宏达建材厂",
    "金泰煤业公司",
    "兴旺养殖场",
    "鑫源物流公司",
    "华康医药公司",
    "福顺食品厂",
    "恒通运输公司",
    "永盛机械厂",
)
#: Problems as residents put them (one dispute kind each).
PROBLEMS = (
    "单位没给我交养老保险，欠了好几年了",
    "我交的社保滞纳金收得太多了",
    "我交的养老保险钱扣多了",
    "去年在村里交的医保交了两回，钱扣了两次，想把多交的退给我",
    "单位拖欠社保费不交",
    "我的医保缴费记录少了几个月，查不到",
)
PERIODS = ("2023年3月到6月", "2024年1月到5月", "2022年下半年", "去年7月到10月")
CASE_NUMBER = re.compile(r"YC-\d{4}-\d{6}")


@dataclass(frozen=True)
class Profile:
    chat_id: int
    name: str
    phone: str
    id_number: str
    township: str
    village: str
    employer: str
    problem: str
    period: str
    style: Style
    special: Special = ""
    #: For ``two_corrections``: the name and phone the resident corrects to, at once.
    new_name: str = ""
    new_phone: str = ""

    @property
    def final_name(self) -> str:
        return self.new_name or self.name

    @property
    def final_phone(self) -> str:
        return self.new_phone or self.phone


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "135", "158", "186", "187")) + "".join(
        rng.choice("0123456789") for _ in range(8)
    )


def _id_number(rng: random.Random) -> str:
    body = (
        "140522"
        + f"{rng.randint(1950, 1995)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + f"{rng.randint(10, 999):03d}"
    )
    # calc_check_digit wants the number with a (any) check digit in place.
    return body + ric.calc_check_digit(body + "0")


def make_profiles(
    count: int,
    townships: list[tuple[str, list[str]]],
    *,
    first_chat: int = 810_000,
    seed: int = 14,
    double_confirm: int = 0,
    two_corrections: int = 0,
) -> list[Profile]:
    """``count`` residents; the first ``double_confirm`` press 确认 twice at once, the next
    ``two_corrections`` send two corrections at once (to two different processes)."""
    rng = random.Random(seed)
    names: set[str] = set()
    out: list[Profile] = []
    styles: tuple[Style, ...] = ("all_at_once", "greeting", "problem_first")
    for i in range(count):
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in names:
                names.add(name)
                break
        township, villages = rng.choice(townships)
        special: Special = ""
        if i < double_confirm:
            special = "double_confirm"
        elif i < double_confirm + two_corrections:
            special = "two_corrections"
        new_name = ""
        if special == "two_corrections":
            new_name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            while new_name == name:
                new_name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        out.append(
            Profile(
                chat_id=first_chat + i,
                name=name,
                phone=_phone(rng),
                id_number=_id_number(rng),
                township=township,
                village=rng.choice(villages),
                employer=rng.choice(EMPLOYERS),
                problem=rng.choice(PROBLEMS),
                period=rng.choice(PERIODS),
                style=styles[i % len(styles)],
                special=special,
                new_name=new_name,
                new_phone=_phone(rng) if special == "two_corrections" else "",
            )
        )
    return out


# --- the script ----------------------------------------------------------------------------

#: What the bot asks, recognised by key words. A question may ask several things at once
#: ("请告诉我您的名字和联系电话。"): the resident answers the one asked first.
QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("name", ("名字", "姓名", "叫什么", "全名", "称呼")),
    ("phone", ("联系电话", "手机号", "电话是多少")),
    ("township", ("乡镇",)),
    ("village", ("村（社区）", "哪个村")),
    ("id_number", ("身份证号",)),
    ("credit_code", ("统一社会信用代码",)),
    ("employer", ("单位（公司）", "哪个单位", "单位全称", "单位的全称")),
    ("insurance_type", ("哪种保险",)),
    ("period", ("哪段时间",)),
    ("amount", ("多少钱",)),
    ("people_count", ("几个人",)),
    ("category", ("哪一类",)),
    ("description", ("遇到了什么问题",)),
    ("cancel_ask", ("确定不反映了吗",)),
    ("resume", ("接着填", "重新开始")),
    ("more", ("要补充",)),
)
#: The order of "the next detail the bot does not have yet".
DETAIL_ORDER = ("description", "name", "phone", "township", "village", "id_number", "employer")


def first_asked(text: str) -> str | None:
    """The detail the question asks first (the earliest key word), None if none is asked."""
    found = [(text.find(key), what) for what, keys in QUESTIONS for key in keys if key in text]
    return min(found)[1] if found else None


Step = Literal["say", "double_confirm", "two_corrections", "done", "give_up"]


@dataclass
class Action:
    step: Step
    texts: tuple[str, ...] = ()


@dataclass
class Script:
    """The resident's side of the dialogue: ``first()`` then ``next(bot_text)``."""

    profile: Profile
    given: set[str] = field(default_factory=set)
    #: Details given as the answer to their own question; asked again = the bot forgot.
    answered: set[str] = field(default_factory=set)
    reasked: list[str] = field(default_factory=list)
    corrected: bool = False
    confirms: int = 0
    unknown: list[str] = field(default_factory=list)
    case_number: str | None = None

    def detail(self, what: str) -> str:
        p = self.profile
        self.given.add(what)
        return {
            "description": p.problem,
            "name": p.name,
            "phone": p.phone,
            "township": p.township,
            "village": p.village,
            "id_number": p.id_number,
            "employer": p.employer,
            "period": p.period,
        }.get(what, "跳过")

    def first(self) -> str:
        p = self.profile
        if p.style == "greeting":
            return "你好"
        if p.style == "problem_first":
            self.given.add("description")
            return p.problem
        self.given.update(("description", "name", "phone", "township", "village", "id_number"))
        return (
            f"你好，我是{p.township}{p.village}的，叫{p.name}。{p.problem}。"
            f"电话{p.phone}，身份证{p.id_number}"
        )

    def next(self, bot_text: str) -> Action:
        """The answer to the bot's last message."""
        found = CASE_NUMBER.search(bot_text)
        if "已登记" in bot_text and found:
            self.case_number = found.group(0)
            return Action("done")
        if "「确认」" in bot_text:  # the summary (or "please send 确认 again")
            p = self.profile
            if p.special == "two_corrections" and not self.corrected:
                self.corrected = True
                return Action(
                    "two_corrections", (f"名字改成{p.new_name}", f"电话改成{p.new_phone}")
                )
            self.confirms += 1
            if p.special == "double_confirm" and self.confirms == 1:
                return Action("double_confirm", ("确认", "确认"))
            return Action("say", ("确认",))
        if "「同意」" in bot_text:
            return Action("say", ("同意",))
        last = [part for part in bot_text.split("\n\n") if part.strip()]
        for text in (last[-1] if last else "", bot_text):
            asked = first_asked(text)
            if asked is not None:
                return Action("say", (self._answer(asked),))
        self.unknown.append(bot_text)
        for what in DETAIL_ORDER:
            if what not in self.given:
                return Action("say", (self.detail(what),))
        return Action("say", ("没有了",))

    def _answer(self, what: str) -> str:
        if what in self.answered:
            self.reasked.append(what)
        self.answered.add(what)
        if what == "category":
            return "1"
        if what == "cancel_ask":
            return "继续填写"
        if what == "resume":
            return "接着填"
        if what == "more":
            return "没有了"
        if what in ("credit_code", "insurance_type", "amount", "people_count"):
            return "不知道"
        return self.detail(what)
