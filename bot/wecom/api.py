"""The WeChat Work server API, as much of it as yichuang uses (aiohttp).

access_token: fetched with ``gettoken`` (corp id + secret; the self-built app and 微信客服 have
separate secrets, hence two ``AccessToken`` holders), cached until ``REFRESH_MARGIN`` seconds
before ``expires_in``, refreshed when the API says it is invalid or expired
(40014/42001/42009; the call is retried once) and shared by concurrent callers: one refresh
at a time, so 20 sends that all hit an expired token cause exactly one ``gettoken``.

Errors: a non-zero errcode raises ``WeComApiError`` (errcode, errmsg); rate limits and
server trouble are also ``TransientSendError`` (the outbox retries), an unknown recipient is
also ``PermanentSendError`` (dead letter at once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from backend.notifications import PermanentSendError, TransientSendError

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com/cgi-bin"
#: Refresh this many seconds before the token's announced expiry (clock skew, slow calls).
REFRESH_MARGIN = 300.0

#: access_token invalid (40014), expired (42001), expired because the secret changed… (42009).
TOKEN_ERRORS = frozenset({40014, 42001, 42009})
#: Busy / rate limited: try again later. -1 system busy; 45009 API frequency limit;
#: 45033 concurrency limit; 45011 too frequent; 95001/95002 微信客服 message quota/window.
TRANSIENT_ERRORS = frozenset({-1, 45009, 45011, 45033, 95001, 95002})
#: Will never succeed for this recipient: invalid userid (40003, 60111), all recipients
#: invalid (81013), invalid external_userid (40096), robot key invalid (93000), robot
#: disabled (93004), invalid / unknown open_kfid (95000, 95004).
PERMANENT_ERRORS = frozenset({40003, 40096, 60111, 81013, 93000, 93004, 95000, 95004})


class WeComApiError(Exception):
    """The API answered with a non-zero errcode."""

    def __init__(self, path: str, errcode: int, errmsg: str) -> None:
        super().__init__(f"企业微信接口 {path} 返回错误 {errcode}：{errmsg}")
        self.path = path
        self.errcode = errcode
        self.errmsg = errmsg


class WeComTransientError(WeComApiError, TransientSendError):
    def __init__(self, path: str, errcode: int, errmsg: str, retry_after: float | None = None):
        WeComApiError.__init__(self, path, errcode, errmsg)
        self.retry_after = retry_after


class WeComPermanentError(WeComApiError, PermanentSendError):
    pass


def error_for(path: str, errcode: int, errmsg: str) -> WeComApiError:
    if errcode in TRANSIENT_ERRORS:
        # The quota of 微信客服 frees up only when the resident writes again: wait longer.
        retry = 600.0 if errcode in (95001, 95002) else 60.0
        return WeComTransientError(path, errcode, errmsg, retry)
    if errcode in PERMANENT_ERRORS:
        return WeComPermanentError(path, errcode, errmsg)
    return WeComApiError(path, errcode, errmsg)


class AccessToken:
    """One cached access_token; ``get`` and ``refresh`` are safe under concurrency."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[tuple[str, float]]],
        *,
        monotonic: Callable[[], float] = time.monotonic,
        margin: float = REFRESH_MARGIN,
    ) -> None:
        self._fetch = fetch
        self._monotonic = monotonic
        self._margin = margin
        self._token: str | None = None
        self._valid_until = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        if self._token is not None and self._monotonic() < self._valid_until:
            return self._token
        async with self._lock:
            # Someone else may have refreshed while we waited for the lock.
            if self._token is not None and self._monotonic() < self._valid_until:
                return self._token
            return await self._renew()

    async def refresh(self, stale: str) -> str:
        """The API refused ``stale``: fetch a new token unless another caller already did."""
        async with self._lock:
            if self._token is not None and self._token != stale:
                return self._token
            return await self._renew()

    async def _renew(self) -> str:
        token, expires_in = await self._fetch()
        self._token = token
        self._valid_until = self._monotonic() + max(expires_in - self._margin, expires_in / 2)
        return token


@dataclass(frozen=True)
class SyncPage:
    """One page of ``kf/sync_msg``."""

    next_cursor: str
    has_more: bool
    msg_list: list[dict[str, Any]]


class WeComApi:
    """Calls the API with the right token; ``session`` is owned by the caller."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        corp_id: str,
        app_secret: str | None = None,
        kf_secret: str | None = None,
        agent_id: str | None = None,
        base: str = DEFAULT_API_BASE,
        monotonic: Callable[[], float] = time.monotonic,
        timeout: float = 10.0,
    ) -> None:
        self._session = session
        self._base = base.rstrip("/")
        self._corp_id = corp_id
        self._agent_id = agent_id
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.app_token = (
            AccessToken(lambda: self._gettoken(app_secret), monotonic=monotonic)
            if app_secret
            else None
        )
        self.kf_token = (
            AccessToken(lambda: self._gettoken(kf_secret), monotonic=monotonic)
            if kf_secret
            else None
        )

    # --- transport ---------------------------------------------------------------------

    @property
    def base(self) -> str:
        """The API base URL (``…/cgi-bin``), e.g. for ``media/get`` downloads."""
        return self._base

    async def _request(
        self, method: str, path: str, params: dict[str, str], payload: Any = None
    ) -> dict[str, Any]:
        url = f"{self._base}/{path}"
        try:
            async with self._session.request(
                method, url, params=params, json=payload, timeout=self._timeout
            ) as resp:
                if resp.status >= 500 or resp.status == 429:
                    raise TransientSendError(f"企业微信接口 {path} HTTP {resp.status}")
                if resp.status != 200:
                    raise WeComApiError(path, resp.status, f"HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientSendError(f"企业微信接口 {path} 连接失败：{type(exc).__name__}") from exc
        except ValueError as exc:  # not JSON
            raise TransientSendError(f"企业微信接口 {path} 返回的不是 JSON") from exc
        if not isinstance(data, dict):
            raise TransientSendError(f"企业微信接口 {path} 返回格式不对")
        return data

    async def _gettoken(self, secret: str | None) -> tuple[str, float]:
        data = await self._request(
            "GET", "gettoken", {"corpid": self._corp_id, "corpsecret": secret or ""}
        )
        code = int(data.get("errcode", 0) or 0)
        if code:
            raise error_for("gettoken", code, str(data.get("errmsg", "")))
        token = data.get("access_token")
        if not token:
            raise WeComApiError("gettoken", -2, "no access_token in the answer")
        return str(token), float(data.get("expires_in", 7200))

    async def call(
        self, holder: AccessToken | None, path: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """POST ``payload`` with a valid token; refresh and retry once on a token error."""
        if holder is None:
            raise PermanentSendError(
                f"企业微信接口 {path}：没有配置对应的 Secret（YICHUANG_WECOM_*SECRET）"
            )
        token = await holder.get()
        data = await self._request("POST", path, {"access_token": token}, payload)
        code = int(data.get("errcode", 0) or 0)
        if code in TOKEN_ERRORS:
            log.info("wecom %s: access_token refused (%s), refreshing", path, code)
            token = await holder.refresh(token)
            data = await self._request("POST", path, {"access_token": token}, payload)
            code = int(data.get("errcode", 0) or 0)
        if code:
            raise error_for(path, code, str(data.get("errmsg", "")))
        return data

    # --- self-built app ----------------------------------------------------------------

    def _agent(self) -> int | str:
        if not self._agent_id:
            raise PermanentSendError("企业微信应用消息：没有配置 YICHUANG_WECOM_AGENT_ID")
        return int(self._agent_id) if self._agent_id.isdigit() else self._agent_id

    async def _message_send(self, touser: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = {"touser": touser, "agentid": self._agent(), **payload}
        data = await self.call(self.app_token, "message/send", body)
        invalid = {u for u in str(data.get("invaliduser") or "").split("|") if u}
        wanted = {u for u in touser.split("|") if u}
        if invalid and wanted <= invalid:
            raise WeComPermanentError("message/send", 81013, f"无效的成员：{'|'.join(invalid)}")
        if invalid:
            log.warning("wecom message/send: some recipients invalid: %s", "|".join(invalid))
        return data

    async def send_text(self, touser: str, content: str) -> dict[str, Any]:
        """``message/send`` text to members (``touser``: userids joined by "|")."""
        return await self._message_send(
            touser, {"msgtype": "text", "text": {"content": clip(content, 2048)}}
        )

    async def send_textcard(
        self, touser: str, title: str, description: str, url: str, btntxt: str = "详情"
    ) -> dict[str, Any]:
        return await self._message_send(
            touser,
            {
                "msgtype": "textcard",
                "textcard": {
                    "title": clip(title, 128),
                    "description": clip(description, 512),
                    "url": url,
                    "btntxt": btntxt,
                },
            },
        )

    # --- 微信客服 ------------------------------------------------------------------------

    async def kf_sync_msg(
        self, *, cursor: str = "", token: str = "", open_kfid: str = "", limit: int = 1000
    ) -> SyncPage:
        payload: dict[str, Any] = {"limit": limit}
        if cursor:
            payload["cursor"] = cursor
        if token:
            payload["token"] = token
        if open_kfid:
            payload["open_kfid"] = open_kfid
        data = await self.call(self.kf_token, "kf/sync_msg", payload)
        msgs = data.get("msg_list") or []
        return SyncPage(
            next_cursor=str(data.get("next_cursor") or cursor),
            has_more=bool(data.get("has_more")),
            msg_list=[m for m in msgs if isinstance(m, dict)],
        )

    async def kf_send_text(self, touser: str, open_kfid: str, content: str) -> str:
        data = await self.call(
            self.kf_token,
            "kf/send_msg",
            {
                "touser": touser,
                "open_kfid": open_kfid,
                "msgtype": "text",
                "text": {"content": clip(content, 2048)},
            },
        )
        return str(data.get("msgid", ""))

    async def kf_send_menu(
        self,
        touser: str,
        open_kfid: str,
        head: str,
        items: Sequence[tuple[str, str]],
        tail: str = "",
    ) -> str:
        data = await self.call(
            self.kf_token,
            "kf/send_msg",
            {
                "touser": touser,
                "open_kfid": open_kfid,
                "msgtype": "msgmenu",
                "msgmenu": menu_payload(head, items, tail),
            },
        )
        return str(data.get("msgid", ""))

    async def kf_send_on_event(
        self, code: str, content: str, items: Sequence[tuple[str, str]] = ()
    ) -> str:
        """Welcome message for ``enter_session`` (``code`` = the event's welcome_code)."""
        payload: dict[str, Any] = {"code": code}
        if items:
            payload |= {"msgtype": "msgmenu", "msgmenu": menu_payload(content, items, "")}
        else:
            payload |= {"msgtype": "text", "text": {"content": clip(content, 2048)}}
        data = await self.call(self.kf_token, "kf/send_msg_on_event", payload)
        return str(data.get("msgid", ""))

    # --- group robot -------------------------------------------------------------------

    async def robot_send(self, key: str, payload: dict[str, Any]) -> None:
        """``webhook/send?key=``: no access_token; the key is the secret."""
        data = await self._request("POST", "webhook/send", {"key": key}, payload)
        code = int(data.get("errcode", 0) or 0)
        if code:
            raise error_for("webhook/send", code, str(data.get("errmsg", "")))

    async def robot_markdown(self, key: str, content: str) -> None:
        await self.robot_send(
            key, {"msgtype": "markdown", "markdown": {"content": clip(content, 4096)}}
        )

    async def robot_text(
        self, key: str, content: str, mentioned: Sequence[str] = (), mobiles: Sequence[str] = ()
    ) -> None:
        text: dict[str, Any] = {"content": clip(content, 2048)}
        if mentioned:
            text["mentioned_list"] = list(mentioned)
        if mobiles:
            text["mentioned_mobile_list"] = list(mobiles)
        await self.robot_send(key, {"msgtype": "text", "text": text})


def menu_payload(head: str, items: Sequence[tuple[str, str]], tail: str) -> dict[str, Any]:
    """A 微信客服 ``msgmenu``: clickable items whose click comes back as text + menu_id."""
    body: dict[str, Any] = {
        "head_content": clip(head, 1024),
        "list": [
            {"type": "click", "click": {"id": item_id[:64], "content": clip(label, 128)}}
            for item_id, label in items
        ],
    }
    if tail:
        body["tail_content"] = clip(tail, 1024)
    return body


def clip(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` UTF-8 bytes (the API limits are in bytes)."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    cut = raw[: max_bytes - 3].decode("utf-8", errors="ignore")
    return cut + "…"
