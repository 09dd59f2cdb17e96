"""Fixtures of the Telegram channel tests: the fake Bot API, the NLU loaded once."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tg_fake import FakeBotApi

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def tg_nlu(county: Any) -> Any:
    """The built-in NLU, loaded once per session."""
    import nlu
    from bot.bootstrap import dialog_context

    return nlu.load_nlu(gazetteer=dialog_context(county).gazetteer())


@pytest.fixture
async def fake(clock: Any) -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(now=lambda: clock().timestamp())
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
