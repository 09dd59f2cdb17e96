"""Acceptance blocker: a resident's message on the Telegram webhook while PostgreSQL is away
(black-holed, then refusing) must not be answered 200 and forgotten — the webhook says 503 so
Telegram re-sends it, and the re-sent update is answered once the database is back.

The outage is a TCP proxy between the server and PostgreSQL (``tests.bot.pgproxy``)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from tg_fake import FakeBotApi
from tg_harness import running

from tests.bot.pgproxy import PgProxy, proxied_timeouts

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

RESIDENT = 626000


async def _post_until_ok(h: Any, update: dict[str, Any], seconds: float = 15.0) -> list[int]:
    """Re-send ``update`` as Telegram would (it retries a non-2xx answer) until 200."""
    statuses: list[int] = []
    deadline = time.monotonic() + seconds
    while True:
        statuses.append(await h.post_update(update))
        if statuses[-1] == 200 or time.monotonic() > deadline:
            return statuses
        await asyncio.sleep(0.3)


@pytest.mark.parametrize("outage", ["blackhole", "cut"])
async def test_a_message_during_a_database_outage_is_answered_after_recovery(
    fake: FakeBotApi,
    postgres_db_url: str,
    tg_nlu: Any,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: Any,
    outage: str,
) -> None:
    proxied_timeouts(monkeypatch)
    url = make_url(postgres_db_url)
    proxy = PgProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    try:
        async with running(via_proxy, fake, nlu=tg_nlu, clock=clock, webhook=True) as h:
            assert await h.post_update(fake.text(RESIDENT, "你好", queue=False)) == 200
            assert await h.post_update(fake.text(RESIDENT, "同意", queue=False)) == 200
            assert len(fake.texts(RESIDENT)) == 2

            complaint = fake.text(RESIDENT, "俺的社保扣多了", queue=False)
            if outage == "blackhole":
                proxy.mode = "blackhole"
            else:
                proxy.cut()
            started = time.monotonic()
            status = await h.post_update(complaint)
            took = time.monotonic() - started
            assert status == 503, "Telegram drops an update answered 200"
            assert took < 10, f"the webhook took {took:.1f}s"
            assert len(fake.texts(RESIDENT)) == 2  # nothing said while nothing was saved
            assert f"update {complaint['update_id']} failed" not in caplog.text

            proxy.mode = "pass"
            statuses = await _post_until_ok(h, complaint)
            assert statuses[-1] == 200, statuses
            texts = fake.texts(RESIDENT)
            assert len(texts) == 3, texts
            assert "名字" in texts[-1] or "姓名" in texts[-1] or "电话" in texts[-1], texts[-1]
            assert await h.post_update(complaint) == 200  # a stray copy: nothing more
            assert len(fake.texts(RESIDENT)) == 3
    finally:
        await proxy.stop()
