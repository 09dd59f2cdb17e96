"""The employer's name as answered: where it is (咱县, 我们镇上的) and the verb after it (上班,
干活) are not part of the name; a name that starts with 县 (县化肥厂) is kept whole."""

from __future__ import annotations

from datetime import date

import pytest

from backend.config import load_county
from bot.bootstrap import dialog_context
from dialogs.readers import Reading, read_employer
from dialogs.state import Draft, Profile


@pytest.mark.parametrize(
    ("answer", "name"),
    [
        ("在咱县宏达煤矿上班", "宏达煤矿"),
        ("宏达煤矿上班", "宏达煤矿"),
        ("在我们镇上的红星砖厂干活", "红星砖厂"),
        ("本县鑫源公司", "鑫源公司"),
        ("县化肥厂", "县化肥厂"),
        ("云川县金穗农业开发有限公司", "云川县金穗农业开发有限公司"),
    ],
)
def test_the_employers_name_alone(answer: str, name: str) -> None:
    ctx = dialog_context(load_county())
    reading = Reading(ctx, Draft(), Profile(), date(2026, 11, 30), "", "employer")
    assert read_employer(answer, reading).updates == {"employer": name}
