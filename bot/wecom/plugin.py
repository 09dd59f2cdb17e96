"""The WeChat Work channel plugin: callback routes, 微信客服 sync, self-built app, senders.

Routes (on the shared aiohttp server):
- ``/wecom/app``: the self-built app's callback — staff (StaffChat commands) and members such
  as grid workers (the dialogue, proxy filing), replies by ``message/send``;
- ``/wecom/kf``: 微信客服's callback — residents; a ``kf_msg_or_event`` event makes us pull
  the new messages with ``kf/sync_msg`` and answer each turn with ONE ``kf/send_msg``.

Images, voice, video and files (微信客服 ``msgtype``, the app's ``MediaId``) are fetched with
``media/get`` and handed to the dialogue as ``Inbound.uploads`` (``bot.media``); a grid
worker's 「已转告 案件号」 / 「已转告」 (or the menu item ``relayed:<case>``) is recorded on the
case (``bot.inbound_router``, the same rule on every channel). A dialogue answer is marked
delivered once sent; one lost in a crash is re-sent by the server's sweeper (``resenders``).

GET verifies the URL (decrypted echostr). POST first checks what it can without the body (the
query's signature, timestamp and nonce are present and well formed, the declared length is
small), then reads at most ``MAX_CALLBACK_BYTES`` within ``BODY_TIMEOUT``, verifies the
signature (it covers the encrypted body, so it can only be checked once the body is in; 403 if
forged, nothing processed) and decrypts.

Nothing is acknowledged before it is safe (WeChat Work re-sends a callback not answered
"success" within 5 s, up to 3 times):
- ``/wecom/app`` carries the message itself: the dialogue turn (or the staff action) is done
  BEFORE "success" is answered — the turn is committed with its "handled" mark, a staff action
  is marked after it is done; when the database is unavailable the answer is 503 and WeChat
  Work re-sends. The reply is then sent in the background;
- ``/wecom/kf`` only says "there are new messages": they wait, durably, on WeChat Work's side
  (``kf/sync_msg``), so "success" is answered once the callback is recorded (a re-sent one
  does nothing) and the sync runs in the background, retried with back-off until it succeeds
  (after a crash, the catch-up on start syncs every account from its stored cursor). The cursor moves past a page only when every
  message on it is handled (a database failure stops the page; it is read again and the
  dialogue drops what it has already handled).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from backend.attachments.limits import UNKNOWN_KIND
from backend.db import is_unavailable
from backend.notifications import Sender
from backend.settings import secret_value
from bot.inbound_router import before_dialogue, might_route
from bot.media import DownloadFailed
from bot.media import wecom as media
from bot.media.port import download_failed, prepare
from bot.wecom.api import WeComApi
from bot.wecom.crypto import SignatureError, WeComCryptoError, WXBizMsgCrypt
from bot.wecom.cursors import CursorStore
from bot.wecom.senders import WeComAppSender, WeComKfSender, WeComRobotSender
from bot.wecom.xml import CallbackMessage, XmlError, parse_envelope, parse_message
from dialogs.edge import clean_text
from dialogs.messages import Inbound, InboundAttachment, InboundHandler, InboundUpload, Reply
from identifiers import small_int

log = logging.getLogger(__name__)

KF_CHANNEL = "wecom_kf"
APP_CHANNEL = "wecom_app"
#: Customer messages in kf/sync_msg (3 = from the WeChat user; 4 = system; 5 = servicer).
ORIGIN_CUSTOMER = 3
#: Safety stop for one sync run (1000 messages a page).
MAX_SYNC_PAGES = 100
STOP_GRACE_SECONDS = 15.0
#: A callback is a small XML envelope; anything bigger is not from WeChat Work.
MAX_CALLBACK_BYTES = 64 * 1024
#: Seconds the body of a callback may take to arrive.
BODY_TIMEOUT = 5.0
#: Pauses between attempts of a failed 微信客服 sync: 1, 2, 4 … 60 s.
SYNC_RETRY_MAX = 60.0
#: Query parameters of a callback: SHA1 hex signature, a Unix time, a short nonce.
_SIGNATURE = re.compile(r"^[0-9a-fA-F]{40}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_NONCE = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
#: Timestamps accepted from messages (seconds): 2000-01-01 … 2100-01-01.
_SANE_TIME = (946_684_800, 4_102_444_800)

WELCOME_TAIL = (
    "请直接用文字说说您遇到的问题，我帮您登记并转给负责的部门办理；"
    "有收据、通知书的照片也可以发过来。"
)


def configured(settings: Any) -> bool:
    """Enough settings to receive callbacks: corp id, callback token and EncodingAESKey, and
    at least one of the two secrets."""
    return bool(
        settings.wecom_corp_id
        and secret_value(settings.wecom_token)
        and secret_value(settings.wecom_aes_key)
        and (secret_value(settings.wecom_secret) or secret_value(settings.wecom_kf_secret))
    )


def render_text(reply: Reply) -> str:
    """A reply as plain text for the app: the choices as a numbered list."""
    lines = [reply.text]
    lines += [f"{i}. {c.label}" for i, c in enumerate(reply.choices, 1)]
    return "\n".join(lines)


def merge(replies: list[Reply]) -> Reply | None:
    """One message per turn (微信客服: 5 messages within 48 h of the customer's last one)."""
    texts = [r.text for r in replies if r.text]
    if not texts:
        return None
    return Reply("\n\n".join(texts), replies[-1].choices)


class WeComPlugin:
    """``bot.channels.ChannelPlugin`` for WeChat Work (企业微信)."""

    name = "wecom"

    def __init__(
        self,
        ctx: Any,
        *,
        handler: InboundHandler | None = None,
        staff_chat: Any | None = None,
        environ: Mapping[str, str] | None = None,
        open_kfid: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        catch_up_on_start: bool = True,
    ) -> None:
        settings = ctx.settings
        self._ctx = ctx
        handler = handler if handler is not None else getattr(ctx, "dialogue", None)
        if handler is None:
            raise ValueError("WeComPlugin needs the dialogue (ctx.dialogue or handler=)")
        self._handler: InboundHandler = handler
        if staff_chat is None:
            from bot.staff_chat import StaffChat

            staff_chat = StaffChat(ctx.county, ctx.cases)
        self._staff = staff_chat
        self._environ = environ
        self._corp_id = str(settings.wecom_corp_id or "")
        self._crypto = WXBizMsgCrypt(
            secret_value(settings.wecom_token) or "",
            secret_value(settings.wecom_aes_key) or "",
            self._corp_id,
        )
        self._cursors = CursorStore(ctx.db, ctx.clock)
        self._open_kfid = open_kfid or getattr(settings, "wecom_kf_open_kfid", None)
        self._monotonic = monotonic
        self._catch_up = catch_up_on_start
        self._http: aiohttp.ClientSession | None = None
        self._api: WeComApi | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._kf_locks: dict[str, asyncio.Lock] = {}
        self._kf_users: dict[str, str] = {}
        #: 微信客服 accounts with a sync waiting to be retried (one retry loop each).
        self._kf_retrying: set[str] = set()
        self._sync_retry_first = 1.0

    # --- ChannelPlugin -------------------------------------------------------------------

    def senders(self) -> list[Sender]:
        dashboard = getattr(self._ctx.county, "dashboard_url", None)
        out: list[Sender] = [WeComRobotSender(self.api, dashboard, self._environ)]
        if secret_value(self._ctx.settings.wecom_secret):
            out.append(WeComAppSender(self.api, dashboard))
        if secret_value(self._ctx.settings.wecom_kf_secret):
            out.append(WeComKfSender(self.api, self._cursors, self._open_kfid))
        return out

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_get("/wecom/app", self._verify_url)
        app.router.add_get("/wecom/kf", self._verify_url)
        app.router.add_post("/wecom/app", self._callback_app)
        app.router.add_post("/wecom/kf", self._callback_kf)

    async def start(self) -> None:
        self.api()
        if self._catch_up and secret_value(self._ctx.settings.wecom_kf_secret):
            # Messages that arrived while we were down (their callbacks were given up on)
            # wait on WeChat Work's side: pull them once, from the stored cursors.
            self.spawn(self._catch_up_kf())

    async def stop(self) -> None:
        """Let callbacks being processed finish (bounded), then close the HTTP session."""
        await self.drain(STOP_GRACE_SECONDS)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.close()
            self._http = None
            self._api = None

    # --- plumbing ------------------------------------------------------------------------

    def api(self) -> WeComApi:
        """The API client (created on first use, inside the running loop)."""
        if self._api is None:
            s = self._ctx.settings
            self._http = aiohttp.ClientSession()
            self._api = WeComApi(
                self._http,
                corp_id=self._corp_id,
                app_secret=secret_value(s.wecom_secret),
                kf_secret=secret_value(s.wecom_kf_secret),
                agent_id=str(s.wecom_agent_id) if s.wecom_agent_id else None,
                base=s.wecom_api_base,
                monotonic=self._monotonic,
            )
        return self._api

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(self._guard(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("wecom: background processing failed")

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until no background work is left (tests; shutdown)."""
        deadline = None if timeout is None else self._monotonic() + timeout
        while self._tasks:
            left = None if deadline is None else max(deadline - self._monotonic(), 0.0)
            if left == 0.0:
                return
            await asyncio.wait(set(self._tasks), timeout=left)

    # --- HTTP routes ---------------------------------------------------------------------

    async def _verify_url(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            # base64 has no spaces: a "+" sent without URL-encoding was decoded to " ".
            echostr = q["echostr"].replace(" ", "+")
            echo = self._crypto.verify_url(q["msg_signature"], q["timestamp"], q["nonce"], echostr)
        except KeyError:
            return web.Response(status=400, text="missing query parameter")
        except SignatureError:
            log.warning("wecom %s: URL verification with a bad signature", request.path)
            return web.Response(status=403, text="bad signature")
        except WeComCryptoError as exc:
            log.warning("wecom %s: URL verification failed: %s", request.path, exc)
            return web.Response(status=400, text="cannot decrypt")
        return web.Response(text=echo)

    async def _open(self, request: web.Request) -> CallbackMessage | web.Response:
        q = request.query
        try:
            signature, timestamp, nonce = q["msg_signature"], q["timestamp"], q["nonce"]
        except KeyError:
            return web.Response(status=400, text="missing query parameter")
        # What can be checked without the body is checked before reading it.
        if not (
            _SIGNATURE.match(signature) and _TIMESTAMP.match(timestamp) and _NONCE.match(nonce)
        ):
            log.warning("wecom %s: malformed callback query refused", request.path)
            return web.Response(status=403, text="bad signature")
        if (request.content_length or 0) > MAX_CALLBACK_BYTES:
            return web.Response(status=413, text="too large")
        try:
            body = await asyncio.wait_for(_read_limited(request), BODY_TIMEOUT)
        except TimeoutError:
            resp = web.Response(status=408, text="body too slow")
            resp.force_close()
            return resp
        if body is None:
            return web.Response(status=413, text="too large")
        try:
            envelope = parse_envelope(body)
            inner = self._crypto.decrypt_message(signature, timestamp, nonce, envelope.encrypt)
            return parse_message(inner)
        except SignatureError:
            log.warning("wecom %s: callback with a bad signature refused", request.path)
            return web.Response(status=403, text="bad signature")
        except (XmlError, WeComCryptoError) as exc:
            log.warning("wecom %s: unreadable callback: %s", request.path, exc)
            return web.Response(status=400, text="bad callback")

    async def _callback_app(self, request: web.Request) -> web.Response:
        opened = await self._open(request)
        if isinstance(opened, web.Response):
            return opened
        try:
            await self._app_message(opened)
        except Exception as exc:
            if is_unavailable(exc):
                log.warning("wecom app: database unavailable, WeChat Work will re-send: %s", exc)
                return web.Response(status=503, text="retry later")
            log.exception("wecom app: callback %s failed", opened.dedup_key())
        return web.Response(text="success")

    async def _callback_kf(self, request: web.Request) -> web.Response:
        opened = await self._open(request)
        if isinstance(opened, web.Response):
            return opened
        if opened.msg_type == "event" and opened.event == "kf_msg_or_event":
            # The messages wait on WeChat Work's side until synced, so the callback may be
            # marked at once: a sync that fails is retried here, and after a crash the
            # catch-up on start syncs every account from its stored cursor.
            seen = self._ctx.conversations.first_time_seen
            try:
                first = await seen("wecom_cb", f"kf:{opened.dedup_key()}")
            except Exception as exc:
                if is_unavailable(exc):
                    return web.Response(status=503, text="retry later")
                raise
            if first:
                self.spawn(self._sync_or_retry(opened.open_kfid, opened.token))
        return web.Response(text="success")

    # --- 微信客服 ------------------------------------------------------------------------

    async def _sync_or_retry(self, open_kfid: str, token: str) -> None:
        """Sync now; on failure keep retrying (with back-off) until a sync succeeds."""
        try:
            await self.sync_kf(open_kfid, token)
            return
        except Exception as exc:
            log.warning("wecom kf: sync of %s failed, will retry: %s", open_kfid, exc)
        if open_kfid in self._kf_retrying:
            return  # a retry loop for this account is already running
        self._kf_retrying.add(open_kfid)
        pause = self._sync_retry_first
        try:
            while True:
                await asyncio.sleep(pause)
                try:
                    await self.sync_kf(open_kfid, "")
                    return
                except Exception as exc:
                    pause = min(pause * 2, SYNC_RETRY_MAX)
                    log.warning(
                        "wecom kf: sync of %s failed again (next in %.0fs): %s",
                        open_kfid,
                        pause,
                        exc,
                    )
        finally:
            self._kf_retrying.discard(open_kfid)

    async def _catch_up_kf(self) -> None:
        from sqlalchemy import select

        from backend.models import ChannelCursor

        async with self._ctx.db.session() as s:
            keys = (
                await s.execute(
                    select(ChannelCursor.key).where(  # type: ignore[call-overload]
                        ChannelCursor.key.startswith("kf_cursor:")  # type: ignore[attr-defined]
                    )
                )
            ).scalars()
            open_kfids = [k.split(":", 1)[1] for k in keys]
        for open_kfid in open_kfids:
            try:
                await self.sync_kf(open_kfid, "")
            except Exception:
                log.exception("wecom kf: catch-up sync of %s failed", open_kfid)

    async def sync_kf(self, open_kfid: str, token: str) -> int:
        """Pull everything new for ``open_kfid`` and answer it; returns the messages read.

        The cursor is stored after each page is handled: a restart continues after the last
        page done (a page cut short is read again; the dialogue drops what it has seen)."""
        lock = self._kf_locks.setdefault(open_kfid, asyncio.Lock())
        read = 0
        async with lock:
            key = f"kf_cursor:{open_kfid}"
            cursor = await self._cursors.get(key) or ""
            for _ in range(MAX_SYNC_PAGES):
                page = await self.api().kf_sync_msg(cursor=cursor, token=token, open_kfid=open_kfid)
                for item in page.msg_list:
                    read += 1
                    try:
                        await self._kf_item(item, open_kfid)
                    except Exception as exc:
                        if is_unavailable(exc):
                            raise  # the page is read again later; nothing is skipped
                        # One bad message must not hold up the others.
                        log.exception("wecom kf: message %s failed", item.get("msgid"))
                if page.next_cursor and page.next_cursor != cursor:
                    cursor = page.next_cursor
                    await self._cursors.set(key, cursor)
                if not page.has_more:
                    break
        return read

    async def _remember_kf_user(self, external_userid: str, open_kfid: str) -> None:
        if self._kf_users.get(external_userid) != open_kfid:
            await self._cursors.set(f"kf_user:{external_userid}", open_kfid)
            self._kf_users[external_userid] = open_kfid

    async def _kf_item(self, item: dict[str, Any], default_kfid: str) -> None:
        msgtype = str(item.get("msgtype", ""))
        open_kfid = str(item.get("open_kfid") or default_kfid)
        if msgtype == "event":
            event = item.get("event") or {}
            if event.get("event_type") == "enter_session":
                user = str(event.get("external_userid") or "")
                if user:
                    await self._remember_kf_user(user, str(event.get("open_kfid") or open_kfid))
                code = str(event.get("welcome_code") or "")
                if code:
                    await self.api().kf_send_on_event(code, self._welcome())
            return
        if item.get("origin") != ORIGIN_CUSTOMER:
            return
        user = str(item.get("external_userid") or "")
        msgid = str(item.get("msgid") or "")
        if not user or not msgid:
            return
        await self._remember_kf_user(user, open_kfid)
        received = self._moment(item.get("send_time"))
        if msgtype != "text":
            found = media.media_of_kf(item)
            if found is None:  # a location, a link, a mini program …: nothing to keep
                store = self._ctx.conversations
                if not await store.is_done(KF_CHANNEL + "_other", msgid):
                    await self.api().kf_send_text(user, open_kfid, UNKNOWN_KIND)
                    await store.mark_done(KF_CHANNEL + "_other", msgid)
                return
            api = self.api()
            try:
                got = await media.receive_kf(
                    self._session(), api.base, api.kf_token, item, received_at=received
                )
            except DownloadFailed:
                picked: InboundAttachment | InboundUpload | None = download_failed(found.kind)
            else:
                picked = await prepare(got, kind=found.kind, reader=self._reader(), now=received)
            media_in = Inbound(
                channel=KF_CHANNEL,
                user_ref=user,
                text="",
                message_id=msgid,
                received_at=received,
                attachments=(picked,) if isinstance(picked, InboundAttachment) else (),
                uploads=(picked,) if isinstance(picked, InboundUpload) else (),
            )
            if await self._kf_answer(user, open_kfid, await self._handler.handle(media_in)):
                await self._delivered(media_in)
            return
        text = item.get("text") or {}
        if not isinstance(text, dict):
            text = {}
        inbound = Inbound(
            channel=KF_CHANNEL,
            user_ref=user,
            text=clean_text(str(text.get("content") or "")),
            message_id=msgid,
            received_at=received,
            choice_id=clean_text(str(text["menu_id"]), 64) if text.get("menu_id") else None,
        )
        if might_route(inbound.text, inbound.choice_id):
            routed = await self._relay(inbound, f"kf:{msgid}")
            if routed is not None:
                await self._kf_answer(user, open_kfid, routed)
                return
        if await self._kf_answer(user, open_kfid, await self._handler.handle(inbound)):
            await self._delivered(inbound)

    async def _kf_answer(self, user: str, open_kfid: str, replies: list[Reply]) -> bool:
        """One turn's replies as ONE kf/send_msg (a menu when there are choices); True when
        something was sent."""
        reply = merge(replies)
        if reply is None:
            return False
        if reply.choices:
            await self.api().kf_send_menu(
                user, open_kfid, reply.text, [(c.id, c.label) for c in reply.choices]
            )
        else:
            await self.api().kf_send_text(user, open_kfid, reply.text)
        return True

    async def _delivered(self, inbound: Inbound) -> None:
        """The turn's answer went out: a stored answer no sweeper needs to re-send."""
        delivered = getattr(self._handler, "delivered", None)
        if delivered is None:
            return
        try:
            await delivered(inbound)
        except Exception as exc:  # the answer did go out; at worst it is re-sent once
            log.warning("wecom: could not record the answer to %s: %s", inbound.message_id, exc)

    # --- answers lost in a crash (``bot.server``'s sweeper) -------------------------------

    def resenders(self) -> dict[str, Callable[[str, list[Reply]], Awaitable[None]]]:
        """Per channel, how a stored answer that never went out is sent again."""
        out: dict[str, Callable[[str, list[Reply]], Awaitable[None]]] = {}
        s = self._ctx.settings
        if secret_value(s.wecom_kf_secret):
            out[KF_CHANNEL] = self._resend_kf
        if secret_value(s.wecom_secret):
            out[APP_CHANNEL] = self._resend_app
        return out

    async def _resend_kf(self, user: str, replies: list[Reply]) -> None:
        open_kfid = await self._cursors.get(f"kf_user:{user}") or self._open_kfid
        if not open_kfid:
            log.warning("wecom kf: no 微信客服 account known for %s, answer not re-sent", user)
            return
        await self._kf_answer(user, open_kfid, replies)

    async def _resend_app(self, userid: str, replies: list[Reply]) -> None:
        reply = merge(replies)
        if reply is not None:
            await self.api().send_text(userid, render_text(reply))

    def _session(self) -> aiohttp.ClientSession:
        self.api()
        assert self._http is not None
        return self._http

    def _reader(self) -> Any | None:
        return getattr(self._ctx, "photo_reader", None)

    async def _relay(self, inbound: Inbound, key: str) -> list[Reply] | None:
        """A grid worker's 已转告 (``bot.inbound_router``, the rule of every channel): recorded
        on the case once — only by the grid worker who filed it — and confirmed; never a turn
        of the dialogue ([] for a repeat). None: the router leaves it to the dialogue."""
        store = self._ctx.conversations
        if await store.is_done("wecom_relay", key):
            return []
        replies = await before_dialogue(self._ctx.cases, inbound)
        if replies is None:
            return None
        await store.mark_done("wecom_relay", key)
        return replies

    def _moment(self, value: Any) -> datetime:
        """A Unix time from WeChat Work as a datetime; now when it is missing or absurd."""
        if isinstance(value, int | float) and _SANE_TIME[0] <= value <= _SANE_TIME[1]:
            return datetime.fromtimestamp(value, UTC)
        return self._ctx.clock()  # type: ignore[no-any-return]

    def _welcome(self) -> str:
        from dialogs import texts
        from dialogs.context import DialogContext

        return texts.greeting(DialogContext(county_name=self._ctx.county.name)) + WELCOME_TAIL

    # --- self-built app ------------------------------------------------------------------

    async def _app_message(self, msg: CallbackMessage) -> None:
        """Handle one app callback (durably) and send the answer in the background."""
        if not msg.from_user or msg.msg_type in ("event", ""):
            return  # events (enter_agent, …): nothing to do
        userid = clean_text(msg.from_user, 200)
        content = clean_text(msg.content) if msg.msg_type == "text" else ""
        received = self._moment(msg.create_time)
        staff = self._staff.staff_for(APP_CHANNEL, userid)
        dialogue = False  # the replies are a dialogue turn's (stored until delivered)
        picked: InboundAttachment | InboundUpload | None = None
        if msg.msg_type != "text":
            found = media.media_of_app(msg.fields)
            if staff is not None or found is None:
                # Staff work with text commands; a location or a link is nothing to keep.
                self.spawn(self._send_app(userid, UNKNOWN_KIND))
                return
            picked = await self._app_media(msg, userid, found.kind, received)
        store = self._ctx.conversations
        if staff is not None:
            key = f"app:{msg.dedup_key()}"
            if await store.is_done("wecom_cb", key):
                log.info("wecom app: repeated callback %s ignored", key)
                return
            choice_id, text = await self._menu_pick(userid, content)
            replies = await self._staff.handle(staff, text, choice_id=choice_id)
            await store.mark_done("wecom_cb", key)
        else:
            worker = self._grid_worker(userid)
            inbound = Inbound(
                channel=APP_CHANNEL,
                user_ref=userid,
                text=content,
                message_id=msg.msg_id or msg.dedup_key(),
                received_at=received,
                contact_phone=worker.phone if worker is not None else None,
                display_name=worker.name if worker is not None else None,
                attachments=(picked,) if isinstance(picked, InboundAttachment) else (),
                uploads=(picked,) if isinstance(picked, InboundUpload) else (),
            )
            routed = None
            if picked is None and might_route(content):
                routed = await self._relay(inbound, f"app:{msg.dedup_key()}")
            if routed is not None:
                replies = routed
            else:
                replies = await self._handler.handle(inbound)
                dialogue = True
        reply = merge(replies)
        if reply is None:
            return
        if staff is not None:
            await self._cursors.set(f"app_menu:{userid}", json.dumps([c.id for c in reply.choices]))
        turn = inbound if dialogue else None
        self.spawn(self._send_app(userid, render_text(reply), turn))

    async def _app_media(
        self, msg: CallbackMessage, userid: str, kind: str, received: datetime
    ) -> InboundAttachment | InboundUpload | None:
        """A member's image, voice, video or file (``media/get`` with the app's token)."""
        api = self.api()
        try:
            got = await media.receive_app(
                self._session(),
                api.base,
                api.app_token,
                msg.fields,
                user_ref=userid,
                message_key=msg.msg_id or msg.dedup_key(),
                received_at=received,
            )
        except DownloadFailed:
            return download_failed(kind)
        return await prepare(got, kind=kind, reader=self._reader(), now=received)

    async def _send_app(self, userid: str, text: str, turn: Inbound | None = None) -> None:
        await self.api().send_text(userid, text)
        if turn is not None:
            await self._delivered(turn)

    def _grid_worker(self, userid: str) -> Any | None:
        for worker in getattr(self._ctx.county, "grid_workers", ()):
            if getattr(worker, "wecom_userid", None) == userid:
                return worker
        return None

    async def _menu_pick(self, userid: str, text: str) -> tuple[str | None, str]:
        """A member answering a numbered list with its number: the choice id it stands for."""
        number = small_int(text)  # "2", "２", "②"; never int() on other digits
        if number is None:
            return None, text
        stored = await self._cursors.get(f"app_menu:{userid}")
        try:
            ids = json.loads(stored) if stored else []
        except ValueError:
            ids = []
        index = number - 1
        if isinstance(ids, list) and 0 <= index < len(ids):
            return str(ids[index]), text
        return None, text


async def _read_limited(request: web.Request, limit: int = MAX_CALLBACK_BYTES) -> bytes | None:
    """The body, or None once it grows past ``limit`` (whatever Content-Length said)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(16 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
