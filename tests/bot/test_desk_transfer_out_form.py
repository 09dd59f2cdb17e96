"""The desk's 转外地 form asks for the receiving side's phone and passes it to the action."""

from __future__ import annotations

from typing import Any

from backend.workflow import Actor
from bot.desk.actions import FORMS, read_action


def test_transfer_out_form_takes_the_receiving_phone(county: Any) -> None:
    form = FORMS["transfer_out"]
    fields = {f.name: f for f in form.fields}
    assert "jurisdiction_phone" in fields and not fields["jurisdiction_phone"].required
    actor = Actor("hrss01", "staff", "hrss", "李学文")
    data = {
        "jurisdiction": "晋城市泽州县人社局",
        "jurisdiction_phone": " 0356-3021234 ",
        "text": "外县",
    }
    action = read_action(form, data, actor, county)
    assert action.jurisdiction == "晋城市泽州县人社局"
    assert action.jurisdiction_phone == "0356-3021234"
    without = read_action(form, {"jurisdiction": "泽州县", "text": "外县"}, actor, county)
    assert without.jurisdiction_phone is None
