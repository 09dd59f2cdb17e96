"""Sign-in through WeChat Work's web authorisation against the local fake WeChat Work API:
the authorize redirect, the state check, code -> userid -> staff account, the refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from desk_harness import DeskServer, running_desk
from pydantic import SecretStr
from wecom_fake import AGENT_ID, APP_SECRET, CORP_ID, FakeWeCom, running_fake
from wecom_harness import wecom_county

from bot.desk.core import OAUTH_COOKIE, SESSION_COOKIE


@dataclass
class OAuthFake(FakeWeCom):
    """The fake WeChat Work API plus ``auth/getuserinfo`` (and its old name): each code in
    ``codes`` names a member once; any other code is refused with 40029."""

    codes: dict[str, str] = field(default_factory=dict)
    used: list[str] = field(default_factory=list)

    async def getuserinfo(self, request: web.Request) -> web.Response:
        if (bad := self._check_token(request, "app")) is not None:
            return bad
        code = request.query.get("code", "")
        self.used.append(code)
        userid = self.codes.pop(code, None)  # a code works once
        if userid is None:
            return self._err(40029, "invalid code")
        if userid.startswith("external:"):
            return web.json_response({"errcode": 0, "errmsg": "ok", "openid": "oEXT"})
        return web.json_response({"errcode": 0, "errmsg": "ok", "userid": userid})

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/cgi-bin/auth/getuserinfo", self.getuserinfo)
        app.router.add_get("/cgi-bin/user/getuserinfo", self.getuserinfo)
        return app


@pytest.fixture
async def fake() -> AsyncIterator[OAuthFake]:
    async with running_fake(OAuthFake()) as api:
        yield api  # type: ignore[misc]


@pytest.fixture
async def desk(database: Any, clock: Any, fake: OAuthFake) -> AsyncIterator[DeskServer]:
    async with running_desk(
        database,
        wecom_county(),  # every staff member's userid is their staff id
        clock,
        wecom_corp_id=CORP_ID,
        wecom_agent_id=AGENT_ID,
        wecom_secret=SecretStr(APP_SECRET),
        wecom_api_base=fake.base,
    ) as server:
        yield server


async def _start(client: Any, next_path: str) -> dict[str, list[str]]:
    status, _, resp = await client.get(f"/console/wecom?next={next_path}", follow=False)
    assert status == 303
    target = urlsplit(resp.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == (
        "https",
        "open.weixin.qq.com",
        "/connect/oauth2/authorize",
    )
    assert target.fragment == "wechat_redirect"
    return parse_qs(target.query)


async def test_wecom_member_signs_in_without_a_token(desk: DeskServer, fake: OAuthFake) -> None:
    number = await desk.open_case()
    client = desk.client()
    try:
        # Inside WeChat Work's browser the sign-in page goes straight to the authorisation.
        status, _, resp = await client.get(
            f"/console/login?next=/console/cases/{number}",
            headers={"User-Agent": "Mozilla/5.0 wxwork/4.1.0 MicroMessenger/7.0.1"},
            follow=False,
        )
        assert status == 303 and resp.headers["Location"].startswith("/console/wecom?next=")
        query = await _start(client, f"/console/cases/{number}")
        assert query["appid"] == [CORP_ID] and query["agentid"] == [AGENT_ID]
        assert query["scope"] == ["snsapi_base"] and query["response_type"] == ["code"]
        # Back to the address staff use (the county's dashboard_url), not the Host header.
        assert query["redirect_uri"] == ["http://127.0.0.1:8080/console/wecom/callback"]
        state = query["state"][0]
        assert state.isalnum() and len(state) <= 128

        fake.codes["CODE-TAX01"] = "tax01"
        status, _, resp = await client.get(
            f"/console/wecom/callback?code=CODE-TAX01&state={state}", follow=False
        )
        assert status == 303 and resp.headers["Location"] == f"/console/cases/{number}"
        assert client.cookie(SESSION_COOKIE)
        status, html, _ = await client.get(f"/console/cases/{number}")
        assert status == 200 and "王建国" in html
        assert fake.gettoken_calls["app"] == 1
    finally:
        await client.close()


async def test_wecom_callback_refusals(desk: DeskServer, fake: OAuthFake) -> None:
    client = desk.client()
    try:
        # No authorisation started in this browser (forged or replayed callback).
        fake.codes["C1"] = "tax01"
        status, html, _ = await client.get("/console/wecom/callback?code=C1&state=abc")
        assert status == 403 and "来源不明" in html and fake.used == []
        # Started, but the state differs.
        await _start(client, "/console/cases")
        status, _, _ = await client.get("/console/wecom/callback?code=C1&state=other")
        assert status == 403 and fake.used == []
        # A member who is not staff, a WeChat user outside the enterprise, a spent code.
        for code, userid, words in (
            ("C2", "stranger", "没有登记为工作人员"),
            ("C3", "external:1", "只有本单位企业微信成员"),
            ("C4", None, "授权已失效"),
        ):
            if userid is not None:
                fake.codes[code] = userid
            state = (await _start(client, "/console/cases"))["state"][0]
            status, html, _ = await client.get(f"/console/wecom/callback?code={code}&state={state}")
            assert status == 403 and words in html, code
            assert client.cookie(SESSION_COOKIE) is None
        # The state cookie is HTTP-only and short-lived.
        _, _, resp = await client.get("/console/wecom?next=/console/cases", follow=False)
        header = next(v for v in resp.headers.getall("Set-Cookie") if OAUTH_COOKIE in v)
        assert "httponly" in header.lower() and "max-age=300" in header.lower()
    finally:
        await client.close()


async def test_without_wecom_settings_there_is_only_the_token(
    database: Any, county: Any, clock: Any
) -> None:
    async with running_desk(database, county, clock) as server:
        client = server.client()
        try:
            status, html, _ = await client.get("/console/login")
            assert status == 200 and "用企业微信登录" not in html
            status, _, _ = await client.get("/console/wecom")
            assert status == 404
        finally:
            await client.close()
