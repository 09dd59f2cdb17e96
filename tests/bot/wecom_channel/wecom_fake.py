"""A local WeChat Work API server for tests (aiohttp on 127.0.0.1, a free port).

Implements what yichuang calls: ``gettoken`` (counted; tokens can be expired server-side),
``message/send``, ``kf/sync_msg`` (serves queued customer messages with cursors),
``kf/send_msg`` (with the 5-messages-per-customer-message quota), ``kf/send_msg_on_event``
and ``webhook/send``. Also plays WeChat Work's callback side: ``callback_*`` builds a signed,
encrypted POST for a plugin route.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.wecom.crypto import WXBizMsgCrypt
from bot.wecom.xml import to_xml

CORP_ID = "ww0000yichuangtest"
APP_SECRET = "app-secret-123"
KF_SECRET = "kf-secret-456"
AGENT_ID = "1000002"
CB_TOKEN = "cbTokenForTests"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 chars
OPEN_KFID = "wkTESTKF0001"
KF_QUOTA = 5  # messages to a customer per message of theirs (within 48 h)


@dataclass
class Sent:
    path: str
    payload: dict[str, Any]
    query: dict[str, str]


@dataclass
class FakeWeCom:
    corp_id: str = CORP_ID
    secrets: dict[str, str] = field(default_factory=lambda: {APP_SECRET: "app", KF_SECRET: "kf"})
    agent_id: str = AGENT_ID
    members: set[str] = field(default_factory=set)  # valid userids; empty = all valid
    robot_keys: set[str] = field(default_factory=set)
    gettoken_delay: float = 0.05
    gettoken_calls: Counter[str] = field(default_factory=Counter)
    tokens: dict[str, str] = field(default_factory=dict)  # live token -> "app" | "kf"
    sent: list[Sent] = field(default_factory=list)
    sync_requests: list[dict[str, Any]] = field(default_factory=list)
    kf_queue: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    quota: dict[str, int] = field(default_factory=dict)  # external_userid -> sends left
    fail_next: dict[str, list[int]] = field(default_factory=dict)  # path -> errcodes to return
    base: str = ""
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    # --- test controls -------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every issued access_token becomes invalid (42001) from now on."""
        self.tokens.clear()

    def add_customer_text(
        self,
        external_userid: str,
        content: str,
        *,
        menu_id: str | None = None,
        open_kfid: str = OPEN_KFID,
    ) -> str:
        msgid = f"kfmsg{next(self._ids)}"
        text: dict[str, Any] = {"content": content}
        if menu_id:
            text["menu_id"] = menu_id
        self.kf_queue.setdefault(open_kfid, []).append(
            {
                "msgid": msgid,
                "open_kfid": open_kfid,
                "external_userid": external_userid,
                "send_time": int(time.time()),
                "origin": 3,
                "msgtype": "text",
                "text": text,
            }
        )
        self.quota[external_userid] = KF_QUOTA
        return msgid

    def add_enter_session(
        self, external_userid: str, welcome_code: str, open_kfid: str = OPEN_KFID
    ) -> None:
        self.kf_queue.setdefault(open_kfid, []).append(
            {
                "msgid": f"kfev{next(self._ids)}",
                "send_time": int(time.time()),
                "origin": 4,
                "msgtype": "event",
                "event": {
                    "event_type": "enter_session",
                    "open_kfid": open_kfid,
                    "external_userid": external_userid,
                    "scene": "qrcode",
                    "welcome_code": welcome_code,
                },
            }
        )

    def to(self, path: str) -> list[dict[str, Any]]:
        return [s.payload for s in self.sent if s.path == path]

    def all_payload_text(self) -> str:
        return "\n".join(json.dumps(s.payload, ensure_ascii=False) for s in self.sent)

    # --- handlers --------------------------------------------------------------------------

    def _err(self, code: int, msg: str) -> web.Response:
        return web.json_response({"errcode": code, "errmsg": msg})

    def _injected(self, path: str) -> int | None:
        queue = self.fail_next.get(path)
        return queue.pop(0) if queue else None

    async def gettoken(self, request: web.Request) -> web.Response:
        secret = request.query.get("corpsecret", "")
        kind = self.secrets.get(secret)
        self.gettoken_calls[kind or "bad"] += 1
        if request.query.get("corpid") != self.corp_id or kind is None:
            return self._err(40001, "invalid secret")
        await asyncio.sleep(self.gettoken_delay)
        token = f"{kind}-{secrets.token_hex(8)}"
        self.tokens[token] = kind
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        )

    def _check_token(self, request: web.Request, kind: str) -> web.Response | None:
        token = request.query.get("access_token", "")
        have = self.tokens.get(token)
        if have is None:
            return self._err(42001, "access_token expired")
        if have != kind:
            return self._err(40014, "invalid access_token")
        return None

    async def _post(self, request: web.Request, path: str, kind: str | None) -> Any:
        if kind is not None and (bad := self._check_token(request, kind)) is not None:
            return bad
        payload = await request.json()
        code = self._injected(path)
        if code is not None:
            return self._err(code, "injected")
        self.sent.append(Sent(path, payload, dict(request.query)))
        return payload

    async def message_send(self, request: web.Request) -> web.Response:
        payload = await self._post(request, "message/send", "app")
        if isinstance(payload, web.Response):
            return payload
        if str(payload.get("agentid")) != self.agent_id:
            return self._err(40056, "invalid agentid")
        users = [u for u in str(payload.get("touser", "")).split("|") if u]
        invalid = [u for u in users if self.members and u not in self.members]
        if users and len(invalid) == len(users):
            return self._err(81013, "user & party & tag all invalid")
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": "m1"}
        )

    async def kf_sync_msg(self, request: web.Request) -> web.Response:
        if (bad := self._check_token(request, "kf")) is not None:
            return bad
        payload = await request.json()
        self.sync_requests.append(payload)
        open_kfid = payload.get("open_kfid", "")
        queue = self.kf_queue.get(open_kfid, [])
        start = int(payload.get("cursor") or 0)
        limit = int(payload.get("limit") or 1000)
        page = queue[start : start + limit]
        end = start + len(page)
        return web.json_response(
            {
                "errcode": 0,
                "errmsg": "ok",
                "next_cursor": str(end),
                "has_more": 1 if end < len(queue) else 0,
                "msg_list": page,
            }
        )

    async def kf_send_msg(self, request: web.Request) -> web.Response:
        payload = await self._post(request, "kf/send_msg", "kf")
        if isinstance(payload, web.Response):
            return payload
        user = payload.get("touser", "")
        if self.quota.get(user, 0) <= 0:
            self.sent.pop()
            return self._err(95001, "send msg count limit")
        self.quota[user] -= 1
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": f"out{len(self.sent)}"})

    async def kf_send_on_event(self, request: web.Request) -> web.Response:
        payload = await self._post(request, "kf/send_msg_on_event", "kf")
        if isinstance(payload, web.Response):
            return payload
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": "welcome"})

    async def webhook_send(self, request: web.Request) -> web.Response:
        if request.query.get("key") not in self.robot_keys:
            return self._err(93000, "invalid webhook url")
        payload = await self._post(request, "webhook/send", None)
        if isinstance(payload, web.Response):
            return payload
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/cgi-bin/gettoken", self.gettoken)
        r.add_post("/cgi-bin/message/send", self.message_send)
        r.add_post("/cgi-bin/kf/sync_msg", self.kf_sync_msg)
        r.add_post("/cgi-bin/kf/send_msg", self.kf_send_msg)
        r.add_post("/cgi-bin/kf/send_msg_on_event", self.kf_send_on_event)
        r.add_post("/cgi-bin/webhook/send", self.webhook_send)
        return app


@asynccontextmanager
async def running_fake(fake: FakeWeCom | None = None) -> AsyncIterator[FakeWeCom]:
    fake = fake or FakeWeCom()
    server = TestServer(fake.app(), host="127.0.0.1", port=0)
    await server.start_server()
    fake.base = str(server.make_url("/cgi-bin"))
    try:
        yield fake
    finally:
        await server.close()


# --- the callback side ----------------------------------------------------------------------


def crypter() -> WXBizMsgCrypt:
    return WXBizMsgCrypt(CB_TOKEN, AES_KEY, CORP_ID)


def signed_callback(
    inner: dict[str, str | int], *, agent_id: str = AGENT_ID
) -> tuple[dict[str, str], str]:
    """(query, body) of an encrypted callback POST carrying ``inner`` as its XML."""
    c = crypter()
    timestamp = str(int(time.time()))
    nonce = str(secrets.randbelow(10**9))
    encrypted, signature = c.encrypt_message(to_xml(inner), timestamp, nonce)
    body = to_xml({"ToUserName": CORP_ID, "Encrypt": encrypted, "AgentID": agent_id})
    return {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}, body


def app_text(userid: str, content: str, msg_id: str) -> dict[str, str | int]:
    return {
        "ToUserName": CORP_ID,
        "FromUserName": userid,
        "CreateTime": int(time.time()),
        "MsgType": "text",
        "Content": content,
        "MsgId": msg_id,
        "AgentID": int(AGENT_ID),
    }


def kf_event(token: str, open_kfid: str = OPEN_KFID) -> dict[str, str | int]:
    return {
        "ToUserName": CORP_ID,
        "CreateTime": int(time.time()),
        "MsgType": "event",
        "Event": "kf_msg_or_event",
        "Token": token,
        "OpenKfId": open_kfid,
    }
