"""The one inbound router (``bot.inbound_router``) every channel calls before the dialogue:
which words are a 已转告, whose they are, and which case a bare 「已转告」 means."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.notifications import Notification
from backend.notifier import Notifier
from backend.workflow import Actor, StaffAction
from bot.inbound_router import before_dialogue, might_route
from bot.relay import said_relayed
from dialogs.messages import Inbound

TAX = Actor("tax01", "staff", "tax", "王建国")
GRID = "grid-chat"


@pytest.mark.parametrize(
    "text",
    [
        "已转告",
        "转告了",
        "已转告 YC-2026-000007",
        "YC-2026-000007已转告。",
        "已经告诉她了",
        "我已把情况转达给老人了",
        "转告过了，谢谢",
        "已告知本人",
        "都转告了啊",
    ],
)
def test_relay_words(text: str) -> None:
    assert said_relayed(text)


@pytest.mark.parametrize(
    "text",
    [
        "转告",  # not said to be done
        "请转告",
        "你好",
        "单位没有转告我就扣了钱",
        "告诉我案件进度",
        "已转告" + "很" * 80,  # too long for a relay
        "",
    ],
)
def test_not_relay_words(text: str) -> None:
    assert not said_relayed(text)
    assert not might_route(text)


def _inbound(user: str, text: str, choice_id: str | None = None) -> Inbound:
    return Inbound(
        channel="console",
        user_ref=user,
        text=text,
        message_id=f"{user}:{text}",
        received_at=datetime.now(UTC),
        choice_id=choice_id,
    )


class _Shown:
    channel = "console"

    def __init__(self) -> None:
        self.seen: list[Notification] = []

    async def send(self, notification: Notification) -> None:
        self.seen.append(notification)


async def test_a_bare_relay_means_the_latest_case_waiting_for_one(
    case_service: Any, make_draft: Any, clock: Any
) -> None:
    svc = case_service
    filed = [
        await svc.open_case(
            make_draft(
                filed_by=("张桂兰", "15835601121"), channel_user=GRID, name=name, draft_key=name
            )
        )
        for name in ("李四", "王五")
    ]
    shown = _Shown()
    notifier = Notifier(svc.db, [shown], clock=clock)
    for opened in filed:  # each accepted, the notice delivered to the grid worker's chat
        clock.advance(60)
        await svc.act(opened.number, StaffAction("accept", TAX))
    await notifier.drain()
    assert {n.case_number for n in shown.seen if n.kind == "to_grid_worker"} == {
        o.number for o in filed
    }
    first, second = (o.number for o in filed)
    assert await svc.awaiting_relay("console", GRID) == [second, first]

    clock.advance(60)
    recorded, others = await before_dialogue(svc, _inbound(GRID, "已转告")) or []
    assert second in recorded.text and "王五" in recorded.text  # the most recent notice
    assert first in others.text  # still waiting, named
    assert await svc.awaiting_relay("console", GRID) == [first]
    [again] = await before_dialogue(svc, _inbound(GRID, "转告了")) or []
    assert first in again.text and "李四" in again.text
    [nothing] = await before_dialogue(svc, _inbound(GRID, "已转告")) or []
    assert "没有待转告" in nothing.text  # asks which case, relays nothing
    # A new notice on the first case makes it wait again.
    clock.advance(60)
    await svc.act(first, StaffAction("reply", TAX, reply="已核实。"))
    await notifier.drain()
    assert await svc.awaiting_relay("console", GRID) == [first]

    # A resident (no filings from this chat): words for the dialogue, even with a number;
    # the button on a forwarded notice is refused.
    assert await before_dialogue(svc, _inbound("resident", "转告了")) is None
    assert await before_dialogue(svc, _inbound("resident", f"已转告 {first}")) is None
    pressed = replace(_inbound("resident", "已转告"), choice_id=f"relayed:{first}")
    [refused] = await before_dialogue(svc, pressed) or []
    assert "不是您代办的" in refused.text
    relays = [e for e in (await svc.detail(first)).events if e.action == "relay"]
    assert len(relays) == 1
