"""The API client against the local WeChat Work server: tokens, refresh, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from wecom_fake import APP_SECRET, CORP_ID, KF_SECRET, OPEN_KFID, FakeWeCom, running_fake

from backend.notifications import PermanentSendError, TransientSendError
from bot.wecom.api import WeComApi, WeComApiError, clip


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    async with running_fake(FakeWeCom(members={"u1", "u2"}, robot_keys={"robot-key"})) as f:
        yield f


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def api(fake: FakeWeCom) -> AsyncIterator[tuple[WeComApi, Clock]]:
    clock = Clock()
    async with aiohttp.ClientSession() as session:
        yield (
            WeComApi(
                session,
                corp_id=CORP_ID,
                app_secret=APP_SECRET,
                kf_secret=KF_SECRET,
                agent_id="1000002",
                base=fake.base,
                monotonic=clock,
            ),
            clock,
        )


async def test_expired_token_is_refreshed_once_under_20_concurrent_sends(
    fake: FakeWeCom, api: tuple[WeComApi, Clock]
) -> None:
    client, _ = api
    await client.send_text("u1", "预热")
    assert fake.gettoken_calls["app"] == 1
    fake.expire_tokens()  # the server forgets the token; the client still thinks it is good
    await asyncio.gather(*(client.send_text("u1", f"第{i}条") for i in range(20)))
    assert fake.gettoken_calls["app"] == 2  # exactly one refresh for the 20 sends
    assert len(fake.to("message/send")) == 21


async def test_token_cached_until_shortly_before_expiry(
    fake: FakeWeCom, api: tuple[WeComApi, Clock]
) -> None:
    client, clock = api
    await asyncio.gather(*(client.send_text("u1", "x") for _ in range(10)))
    assert fake.gettoken_calls["app"] == 1  # concurrent first use: one gettoken
    clock.t += 7200 - 400  # still inside expires_in minus the margin
    await client.send_text("u1", "y")
    assert fake.gettoken_calls["app"] == 1
    clock.t += 200  # within the margin: fetched again before WeChat Work expires it
    await asyncio.gather(*(client.send_text("u1", "z") for _ in range(5)))
    assert fake.gettoken_calls["app"] == 2


async def test_app_and_kf_use_separate_tokens(fake: FakeWeCom, api: tuple[WeComApi, Clock]) -> None:
    client, _ = api
    fake.add_customer_text("ext1", "你好")
    page = await client.kf_sync_msg(open_kfid=OPEN_KFID, token="cbtoken")
    assert [m["msgid"] for m in page.msg_list] and page.next_cursor == "1" and not page.has_more
    await client.kf_send_text("ext1", OPEN_KFID, "收到")
    await client.send_text("u1", "通知")
    assert fake.gettoken_calls == {"kf": 1, "app": 1}
    assert fake.sync_requests[0]["token"] == "cbtoken"


async def test_errors_are_classified(fake: FakeWeCom, api: tuple[WeComApi, Clock]) -> None:
    client, _ = api
    fake.fail_next["message/send"] = [45009, 40003, 60020]
    with pytest.raises(TransientSendError) as transient:
        await client.send_text("u1", "x")
    assert isinstance(transient.value, WeComApiError) and transient.value.errcode == 45009
    with pytest.raises(PermanentSendError):
        await client.send_text("u1", "x")
    with pytest.raises(WeComApiError) as other:
        await client.send_text("u1", "x")
    assert not isinstance(other.value, TransientSendError | PermanentSendError)
    assert "60020" in str(other.value)
    # Every recipient unknown -> permanent; some unknown -> delivered to the others.
    with pytest.raises(PermanentSendError):
        await client.send_text("nobody|ghost", "x")
    await client.send_text("u1|ghost", "x")
    # A robot key WeChat Work does not know.
    with pytest.raises(PermanentSendError):
        await client.robot_markdown("wrong-key", "**x**")
    await client.robot_markdown("robot-key", "**x**")


async def test_unreachable_server_is_transient() -> None:
    async with aiohttp.ClientSession() as session:
        client = WeComApi(
            session,
            corp_id=CORP_ID,
            app_secret=APP_SECRET,
            agent_id="1000002",
            base="http://127.0.0.1:9/cgi-bin",
        )
        with pytest.raises(TransientSendError):
            await client.send_textcard("u1", "t", "d", "http://x")


async def test_missing_secret_is_permanent(fake: FakeWeCom) -> None:
    async with aiohttp.ClientSession() as session:
        client = WeComApi(session, corp_id=CORP_ID, app_secret=APP_SECRET, base=fake.base)
        with pytest.raises(PermanentSendError):
            await client.kf_send_text("ext", OPEN_KFID, "x")


def test_clip_counts_bytes() -> None:
    assert clip("短", 10) == "短"
    cut = clip("汉" * 1000, 2048)
    assert len(cut.encode()) <= 2048 and cut.endswith("…")
