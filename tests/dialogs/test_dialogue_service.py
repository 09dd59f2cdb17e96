"""The service around the turn: a failing turn still answers and keeps the saved state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dialog_chat import make_service

from dialogs.messages import Inbound
from dialogs.service import SORRY


class BrokenNlu:
    """Stands in for an NLU that fails on one input (the engine's own error handling)."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def parse(self, text: str, now: datetime | None = None) -> Any:
        if "炸" in text:
            raise RuntimeError("boom")
        return self.real.parse(text, now=now)


async def test_a_failing_turn_answers_politely_and_loses_nothing(
    nlu_engine: Any, sqlite_case_service: Any, sqlite_database: Any, dialog_ctx: Any, clock: Any
) -> None:
    service = make_service(
        BrokenNlu(nlu_engine), sqlite_case_service, sqlite_database, dialog_ctx, clock
    )

    async def say(text: str, n: int) -> str:
        (reply,) = await service.handle(Inbound("console", "u", text, f"s{n}", datetime.now(UTC)))
        return reply.text

    await say("你好", 1)
    await say("同意", 2)
    assert "名字" in await say("单位欠缴我的养老保险", 3)
    saved = await service.store.load("console", "u")
    assert await say("炸", 4) == SORRY
    assert await service.store.load("console", "u") == saved
    assert "电话" in await say("张建华", 5)
