"""The county configuration: the example county is complete; errors name the key in one sentence."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from backend.categories import CATEGORIES, INSURANCE_TYPES
from backend.config import ConfigError, County, load_county, parse_county


def example_text() -> str:
    return resources.files("backend.county").joinpath("example.toml").read_text(encoding="utf-8")


def test_example_county_is_complete(county: County) -> None:
    ids = {a.id for a in county.agencies}
    assert {
        "gov_office",
        "tax",
        "hrss",
        "medical",
        "finance",
        "justice",
        "petition",
        "court",
        "police",
        "union",
        "office",
    } <= ids
    assert county.id == "YC" and county.office == "office"
    assert all(a.notify and a.phone and a.address for a in county.agencies)
    assert len(county.townships) >= 5 and all(4 <= len(t.villages) <= 8 for t in county.townships)
    numbers = {h.number for h in county.hotlines}
    assert {"12366", "12333", "12393", "12345"} <= numbers
    assert {s.role for s in county.staff} == {"staff", "office", "leader"}
    # every agency that routes cases has someone to log in
    for agency in {r.lead for rules in county.routing.values() for r in rules}:
        assert county.staff_of(agency), agency
    assert set(county.routing) | {"other"} == set(CATEGORIES)
    grouped = {t for members in county.insurance_groups.values() for t in members}
    assert grouped == set(INSURANCE_TYPES)


def test_explicit_path_loads(tmp_path: Path) -> None:
    path = tmp_path / "county.toml"
    path.write_text(example_text().replace('name = "云川县"', 'name = "测试县"'), encoding="utf-8")
    assert load_county(path).name == "测试县"


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_county(text, "x.toml")
    message = str(info.value)
    assert "\n" not in message and message.endswith("。")
    return message


def _third_agency_without_phone() -> str:
    text = example_text()
    # the third [[agencies]] entry is "tax"
    return text.replace('phone = "0356-4218366"\n', "", 1)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_third_agency_without_phone, "配置文件 x.toml 中 第3个 agencies 的 phone：缺少此项"),
        (
            lambda: example_text().replace("general = 5", 'general = "五"'),
            "deadlines.general：应为整数",
        ),
        (
            lambda: example_text().replace("reform_date = 2020-11-01", 'reform_date = "去年"'),
            "reform_date：应为日期",
        ),
        (
            lambda: example_text().replace('office = "office"', 'office = "tax_office"', 1),
            "office：没有编号为“tax_office”的单位",
        ),
        (
            lambda: example_text().replace('{ lead = "tax" },', '{ lead = "irs" },'),
            "第1个 routing.payment_system 的 lead：没有编号为“irs”的单位",
        ),
        (
            lambda: example_text().replace(
                'notify = [{ channel = "console", to = "gov_office" }]',
                'notify = [{ channel = "fax", to = "gov_office" }]',
            ),
            "第2个 agencies 的第1个 notify 的 channel：取值应为",
        ),
        (
            lambda: example_text().replace("due_soon_days = 1", "due_son_days = 1"),
            "due_son_days：不认识的配置项",
        ),
        (
            lambda: example_text().replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Base"'),
            "timezone：不认识的时区",
        ),
        (
            lambda: example_text().replace("[routing]", "[routing]\nrefunds = []"),
            "routing.refunds：不认识的争议类别",
        ),
        (
            lambda: example_text().replace('township = "北岭镇"', 'township = "南岭镇"'),
            "第2个 grid_workers 的 township：乡镇“南岭镇”不在 townships 中",
        ),
    ],
)
def test_errors_name_the_key(change: object, expected: str) -> None:
    assert callable(change)
    assert expected in _error(change())


def test_not_toml_says_where() -> None:
    message = _error("id = \n")
    assert message.startswith("配置文件 x.toml 不是合法的 TOML") and "第 1 行" in message
    assert "值的写法不对" in message and "Invalid" not in message


@pytest.mark.parametrize(
    "text",
    ["id = \n", "[a\n", "x = [1, 2\n", 'x = "abc\n', "x = 1\nx = 2\n", "名字 = 1\n"],
)
def test_toml_errors_are_chinese_only(text: str) -> None:
    message = _error(text)
    assert not re.search(r"[A-Za-z]{3,}", message.replace("TOML", "").replace("x.toml", ""))


def test_validation_errors_never_show_pydantic_english() -> None:
    text = example_text().replace("complex_people = 10", "complex_people = [1]")
    message = _error(text)
    assert "第" not in message or "tiers.complex_people" in message
    assert "Input should" not in message and "tiers.complex_people：应为整数" in message


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_county(tmp_path / "none.toml")
    with pytest.raises(ConfigError, match="是一个目录"):
        load_county(tmp_path)
    bad = tmp_path / "gbk.toml"
    bad.write_bytes("name = '云川县'".encode("gbk"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_county(bad)


def test_backend_labels_match_nlu() -> None:
    from backend import categories
    from nlu import types

    assert categories.CATEGORY_NAMES == types.CATEGORY_NAMES
    assert categories.INSURANCE_TYPES == types.INSURANCE_TYPES
    assert categories.TIERS == types.TIERS


def test_objection_routes_are_complete_and_checked(county: County) -> None:
    assert county.objection_route_problems() == []
    assert [r.kind for r in county.objection_routes] == [
        "mediation",
        "arbitration",
        "reconsideration",
        "litigation",
    ]
    text = example_text()
    cut = text[: text.index("[[objection_routes]]")]
    bare = parse_county(cut, "x.toml")
    problems = bare.objection_route_problems()
    assert len(problems) == 4 and "行政复议" in problems[2]
    twice = text + '\n[[objection_routes]]\nkind = "mediation"\nname = "调解"\nbody = "某"\n'
    twice += 'address = "某"\nphone = "1"\ntime_limit = "随时"\n'
    assert "第5个 objection_routes 的 kind：救济途径“mediation”重复" in _error(twice)


def test_find_agency_by_id_and_names(county: County) -> None:
    for text in (
        "hrss",
        "县人社局",
        "人社局",
        "云川县人力资源和社会保障局",
        " 人力资源和社会保障局 ",
    ):
        found = county.find_agency(text)
        assert found is not None and found.id == "hrss", text
    assert county.find_agency("税务局") is not None
    assert county.find_agency("") is None and county.find_agency("火星局") is None
