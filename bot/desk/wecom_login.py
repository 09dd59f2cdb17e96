"""Sign-in through WeChat Work's web authorisation (企业微信网页授权, OAuth 2).

1. ``/console/wecom`` sends the browser to ``open.weixin.qq.com/connect/oauth2/authorize`` with a
   random ``state`` (also kept in a short-lived HTTP-only cookie, so a forged callback fails);
2. WeChat Work comes back to ``/console/wecom/callback?code=…&state=…``;
3. the server exchanges the code for the member's userid (``auth/getuserinfo`` with the
   self-built app's access_token) and signs in the staff account with that ``wecom_userid``.

The code is single-use and expires in five minutes on WeChat Work's side; we only ever
send it to the API base configured in ``YICHUANG_WECOM_API_BASE``.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import aiohttp

from backend.settings import secret_value
from bot.wecom.api import DEFAULT_API_BASE, TOKEN_ERRORS, AccessToken

log = logging.getLogger("bot.desk")

AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
#: WeChat Work's current name of the call; ``user/getuserinfo`` is its older alias.
USERINFO_PATH = "auth/getuserinfo"
#: WeChat Work caps ``state`` at 128 bytes of [a-zA-Z0-9].
STATE_BYTES = 24


class WeComLoginError(Exception):
    """The authorisation could not be completed; the message is one Chinese sentence."""


def configured(settings: Any) -> bool:
    """Web authorisation needs the corp id and the self-built app's secret."""
    return bool(settings.wecom_corp_id and secret_value(settings.wecom_secret))


class WeComLogin:
    """The OAuth client (owns its own HTTP session; ``close()`` it)."""

    def __init__(self, settings: Any, *, timeout: float = 10.0) -> None:
        self.corp_id = str(settings.wecom_corp_id)
        self.agent_id = str(settings.wecom_agent_id or "")
        self._secret = secret_value(settings.wecom_secret) or ""
        self._base = str(getattr(settings, "wecom_api_base", None) or DEFAULT_API_BASE).rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None
        self._token = AccessToken(self._gettoken)

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = {
            "appid": self.corp_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
        if self.agent_id:
            query["agentid"] = self.agent_id
        return f"{AUTHORIZE_URL}?{urlencode(query)}#wechat_redirect"

    async def userid(self, code: str) -> str:
        """The member's userid for an authorisation ``code``; ``WeComLoginError`` otherwise."""
        token = await self._token.get()
        data = await self._get(USERINFO_PATH, {"access_token": token, "code": code})
        if int(data.get("errcode", 0) or 0) in TOKEN_ERRORS:
            token = await self._token.refresh(token)
            data = await self._get(USERINFO_PATH, {"access_token": token, "code": code})
        code_ = int(data.get("errcode", 0) or 0)
        if code_:
            log.warning("wecom getuserinfo: %s %s", code_, data.get("errmsg"))
            raise WeComLoginError("企业微信授权已失效，请从企业微信重新打开工作台。")
        userid = data.get("userid") or data.get("UserId")
        if not userid:
            # A WeChat user outside the enterprise (openid only): not staff.
            raise WeComLoginError("只有本单位企业微信成员可以登录工作台。")
        return str(userid)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _gettoken(self) -> tuple[str, float]:
        data = await self._get("gettoken", {"corpid": self.corp_id, "corpsecret": self._secret})
        code = int(data.get("errcode", 0) or 0)
        if code or not data.get("access_token"):
            log.warning("wecom gettoken: %s %s", code, data.get("errmsg"))
            raise WeComLoginError("企业微信应用凭证无效，请联系管理员检查配置，或用令牌登录。")
        return str(data["access_token"]), float(data.get("expires_in", 7200))

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._http.get(f"{self._base}/{path}", params=params) as resp:
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("wecom %s failed: %s", path, type(exc).__name__)
            raise WeComLoginError("暂时连不上企业微信，请稍后再试或用令牌登录。") from exc
        if not isinstance(data, dict):
            raise WeComLoginError("企业微信返回的内容不对，请稍后再试。")
        return data
