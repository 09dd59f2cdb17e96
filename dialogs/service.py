"""The dialogue as channels see it: ``handle(inbound) -> replies``.

Loads the conversation, parses the text, runs one pure turn, carries out its effects against
the case desk and saves the new state. Everything a turn says goes out as ONE message where
possible (微信客服 allows 5 messages per 48 hours after the user's last one).

Several processes, crashes, re-deliveries (ARCHITECTURE.md "Several processes"): a turn runs
inside ``store.turn(...)``, which locks the conversation in the database; the new state and
the "this message is handled" mark (with the turn's replies) are committed together at the
end. A crash before that commit leaves no trace, so the channel's re-delivery runs the turn
again — and a case opened before the crash is found again, because ``open_case`` is
idempotent per ``draft_key`` and the re-run confirms the same draft. A re-delivery of a
handled message runs nothing; if its replies were never confirmed as delivered
(``delivered``), it gets them again. When the database cannot serve (down, timing out), the
error goes up to the channel, which answers "retry" (non-2xx, offset not advanced) instead of
telling the user anything.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from backend.ports import AttachmentPort, AttachmentReceipt, CaseDesk, ConversationStore
from dialogs import engine
from dialogs.context import DialogContext
from dialogs.edge import clean_inbound
from dialogs.messages import Choice, Inbound, InboundAttachment, Reply
from dialogs.state import ConversationState
from nlu.types import Parse

log = logging.getLogger(__name__)

#: What the NLU reads of one message (Telegram allows 4,096 characters, WeChat 2,048): the
#: description keeps the whole text, the analysis its head.
MAX_TEXT = 4096

#: Texts up to this long are parsed on the event loop (the parse is linear: ~1 ms here).
INLINE_PARSE_CHARS = 300

SORRY = "不好意思，系统开了个小差，请稍后再发一次。您之前填的内容都还在。"
NOT_KEPT = "这个文件没能保存，请稍后重新发送，或者用文字说明。"

#: The service's own notes in the saved state (beside ``ConversationState``'s fields, which
#: ignore them): which drafts have uploads, and whether uploads wait for a report to start.
SIDE = "_attachments"
#: Draft keys remembered as having uploads (the latest few reports of a conversation).
MAX_UPLOAD_KEYS = 5


class Parser(Protocol):
    def parse(self, text: str, now: datetime | None = None) -> Parse: ...


class DialogueService:
    """Implements ``dialogs.messages.InboundHandler``."""

    def __init__(
        self,
        nlu: Parser,
        desk: CaseDesk,
        store: ConversationStore,
        context: DialogContext,
        clock: Callable[[], datetime] | None = None,
        attachments: AttachmentPort | None = None,
    ) -> None:
        self.nlu = nlu
        self.desk = desk
        self.store = store
        self.context = context
        self.clock = clock or (lambda: datetime.now(UTC))
        #: Where uploads are kept (``Inbound.uploads``); None: they are refused politely.
        self.attachments = attachments
        self._expecting_known: tuple[Any, bool] | None = None

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """The replies to ``inbound``; [] for a message handled before (a duplicate).

        Raises when the database cannot serve (``store.is_unavailable``): nothing was saved
        and the message is not marked, so the channel should have it delivered again."""
        return await self._handle(inbound, resend=False)

    async def handle_tracked(self, inbound: Inbound) -> list[Reply]:
        """``handle`` for channels that confirm delivery: a message handled before whose
        replies were never confirmed (``delivered``) gets them again — the process died
        between saving the turn and sending its answer."""
        return await self._handle(inbound, resend=True)

    async def _handle(self, inbound: Inbound, *, resend: bool) -> list[Reply]:
        inbound = clean_inbound(inbound)
        if inbound.received_at.tzinfo is None:
            inbound = replace(inbound, received_at=self.clock())
        async with self.store.turn(inbound.channel, inbound.user_ref, inbound.message_id) as t:
            if t.done:
                if not resend or t.answered or not t.replies:
                    return []
                return [reply_from_json(r) for r in t.replies]  # the crash ate the answer
            state = ConversationState.from_json(t.state)
            side = _side(t.state)
            if inbound.uploads:
                # Stored here, under the conversation's lock: the report or case the upload
                # belongs to is the one this conversation is at now.
                inbound = await self._receive(state, inbound, side)
            await self._refresh_feedback(state, inbound)
            try:
                state, replies = await self._turn(state, inbound, replay_allowed=True, side=side)
                await self._adopt(state, inbound, side)
            except Exception as exc:
                if self.store.is_unavailable(exc):
                    raise
                # A bug must not leave the user without an answer; the saved state stays as
                # it was, so nothing collected so far is lost.
                log.exception("dialogue turn failed for %s:%s", inbound.channel, inbound.user_ref)
                sorry = [Reply(SORRY)]
                await t.finish(None, [reply_to_json(r, inbound.user_ref) for r in sorry])
                return sorry
            merged = merge(replies)
            saved = state.to_json()
            saved[SIDE] = side
            await t.finish(saved, [reply_to_json(r, inbound.user_ref) for r in merged])
            if t.done:
                return []  # another copy of this message was handled meanwhile: it answers
        return merged

    async def delivered(self, inbound: Inbound) -> None:
        """The channel sent the replies of ``inbound``: a later re-delivery gets nothing."""
        inbound = clean_inbound(inbound)
        await self.store.mark_answered(inbound.channel, inbound.message_id)

    def parse(self, text: str, now: datetime, expecting: str | None = None) -> Parse:
        # ``expecting``: what the dialogue just asked (``engine.expecting``), for NLUs that
        # take it (``Nlu.parse(text, now, *, expecting=...)``).
        parse: Any = self.nlu.parse
        if expecting is not None and self._takes_expecting():
            result: Parse = parse(text, now=now, expecting=expecting)
            return result
        return self.nlu.parse(text, now=now)

    def _takes_expecting(self) -> bool:
        """The NLU's ``parse`` has ``expecting`` (looked up once per NLU object)."""
        known = self._expecting_known
        if known is None or known[0] is not self.nlu:
            takes = "expecting" in inspect.signature(self.nlu.parse).parameters
            known = self._expecting_known = (self.nlu, takes)
        return known[1]

    async def _parse(self, text: str, now: datetime, expecting: str | None = None) -> Parse:
        """A long text is parsed in a worker thread: the event loop goes on serving other
        users (and ``/healthz``) while it is analysed. A short one (nearly every message) is
        parsed right here once the NLU is loaded: it takes about a millisecond, less than the
        hand-over to a thread and back (and the two threads' fight for the GIL) costs."""
        text = text[:MAX_TEXT]
        if len(text) <= INLINE_PARSE_CHARS and getattr(self.nlu, "loaded", True):
            return self.parse(text, now, expecting)
        return await asyncio.to_thread(self.parse, text, now, expecting)

    async def _turn(
        self,
        state: ConversationState,
        inbound: Inbound,
        *,
        replay_allowed: bool,
        side: dict[str, Any] | None = None,
    ) -> tuple[ConversationState, list[Reply]]:
        # One parse: the NLU classifies a correction's new value itself (``Parse.category``
        # of a "correct" parse), so its tail is not parsed again.
        parse = await self._parse(inbound.text, inbound.received_at, engine.expecting(state))
        result = engine.turn(state, inbound, parse, self.context)
        state, replies = result.state, list(result.replies)
        for effect in result.effects:
            if isinstance(effect, engine.Replay):
                if replay_allowed and effect.text.strip():
                    held = replace(
                        inbound, text=effect.text, choice_id=None, attachments=(), uploads=()
                    )
                    state, more = await self._turn(state, held, replay_allowed=False, side=side)
                    replies.extend(more)
                continue
            outcome = await self._carry_out(effect, inbound, side)
            resolved = engine.resolve(state, effect, outcome, inbound, self.context)
            state = resolved.state
            replies.extend(resolved.replies)
            for more_effect in resolved.effects:
                # A message held while a case was open (the next household): its turn now.
                if isinstance(more_effect, engine.Replay) and replay_allowed:
                    held = replace(
                        inbound, text=more_effect.text, choice_id=None, attachments=(), uploads=()
                    )
                    state, more = await self._turn(state, held, replay_allowed=False, side=side)
                    replies.extend(more)
        return state, replies

    async def _carry_out(
        self, effect: engine.Effect, inbound: Inbound, side: dict[str, Any] | None = None
    ) -> Any:
        try:
            if isinstance(effect, engine.OpenCase):
                draft = effect.draft
                if side is not None and draft.draft_key and draft.uploads is None:
                    # The turn knows whether anything was kept with this draft: opening the
                    # case then looks for uploads only when there are some.
                    draft = replace(draft, uploads=draft.draft_key in side.get("keys", ()))
                return await self.desk.open_case(draft)
            if isinstance(effect, engine.LookupCase):
                return await self.desk.find_case(effect.number)
            if isinstance(effect, engine.ListMyCases):
                return await self.desk.cases_of_user(inbound.channel, inbound.user_ref)
            if isinstance(effect, engine.RecordFeedback):
                return await self.desk.record_feedback(
                    effect.number, effect.verdict, effect.text, actor=effect.actor
                )
            if isinstance(effect, engine.RecordInfo):
                return await self.desk.record_info(
                    effect.number, effect.text, inbound.channel, inbound.user_ref
                )
        except Exception as exc:  # the user gets a friendly retry message; staff get the log
            if self.store.is_unavailable(exc):
                raise  # the whole turn is redone when the channel delivers the message again
            log.exception("dialogue effect %s failed", type(effect).__name__)
            return engine.Failed(str(exc))
        return engine.Failed("unknown effect")

    async def _receive(
        self, state: ConversationState, inbound: Inbound, side: dict[str, Any]
    ) -> Inbound:
        """Keep the message's uploads with the report being collected, the conversation's
        latest case, or — nothing reported yet — until a report starts (``_adopt``); the turn
        gets each as an ``InboundAttachment`` with the store's sentence."""
        received = list(inbound.attachments)
        target = engine.attachment_target(state, inbound)
        for upload in inbound.uploads:
            receipt = AttachmentReceipt(False, NOT_KEPT)
            if self.attachments is not None:
                try:
                    if target is None:
                        receipt = await self.attachments.receive(
                            upload.payload, draft_key=loose_key(inbound)
                        )
                        side["loose"] = side.get("loose", False) or receipt.accepted
                    elif target[0] == "draft":
                        receipt = await self.attachments.receive(
                            upload.payload, draft_key=target[1]
                        )
                        if receipt.accepted:
                            _remember(side, target[1])
                    else:
                        receipt = await self.attachments.receive(
                            upload.payload, case_number=target[1]
                        )
                except Exception as exc:
                    if self.store.is_unavailable(exc):
                        raise  # the whole message is handled again
                    log.exception("keeping an upload of %s failed", inbound.channel)
                    receipt = AttachmentReceipt(False, NOT_KEPT)
            received.append(
                InboundAttachment(
                    upload.kind,
                    receipt.accepted,
                    receipt.sentence,
                    upload.suggestions if receipt.accepted else (),
                )
            )
        return replace(inbound, attachments=tuple(received), uploads=())

    async def _adopt(
        self, state: ConversationState, inbound: Inbound, side: dict[str, Any]
    ) -> None:
        """Uploads sent before anything was reported follow the report once one is open."""
        if not side.get("loose") or self.attachments is None:
            return
        key = engine.current_draft_key(state, inbound)
        if key is None:
            return
        if await self.attachments.adopt(loose_key(inbound), key):
            _remember(side, key)
        side["loose"] = False

    async def _refresh_feedback(self, state: ConversationState, inbound: Inbound) -> None:
        """Closed cases awaiting a verdict, asked about when no report is in progress."""
        if not state.opened or state.draft is not None or state.mode not in ("", "feedback"):
            return
        try:
            views = await self.desk.cases_of_user(inbound.channel, inbound.user_ref)
        except Exception as exc:
            if self.store.is_unavailable(exc):
                raise
            log.exception("could not list the user's cases")
            return
        state.feedback_due = [
            [v.number, v.latest_reply or ""] for v in views if v.awaiting_feedback
        ]


def loose_key(inbound: Inbound) -> str:
    """Where uploads wait when nothing has been reported yet (the next report adopts them)."""
    return f"{inbound.channel}:{inbound.user_ref}:loose"


def _side(saved: dict[str, Any] | None) -> dict[str, Any]:
    """The service's notes in a saved state (fresh ones for a state without them)."""
    value = (saved or {}).get(SIDE)
    if not isinstance(value, dict):
        return {"keys": [], "loose": False}
    keys = value.get("keys")
    return {
        "keys": [str(k) for k in keys][-MAX_UPLOAD_KEYS:] if isinstance(keys, list) else [],
        "loose": bool(value.get("loose")),
    }


def _remember(side: dict[str, Any], draft_key: str) -> None:
    keys: list[str] = side.setdefault("keys", [])
    if draft_key not in keys:
        keys.append(draft_key)
        del keys[:-MAX_UPLOAD_KEYS]


def merge(replies: list[Reply]) -> list[Reply]:
    """All of a turn's texts as one message; the choices of the last part (the open question)."""
    texts = [r.text for r in replies if r.text]
    if not texts:
        return []
    return [Reply("\n\n".join(texts), replies[-1].choices)]


def reply_to_json(reply: Reply, to: str | None = None) -> dict[str, Any]:
    """A reply as stored with its message; ``to``: the user it is for (so that an answer lost
    in a crash can be re-sent by the sweeper without the inbound message)."""
    data: dict[str, Any] = {"text": reply.text, "choices": [[c.id, c.label] for c in reply.choices]}
    if to is not None:
        data["to"] = to
    return data


def reply_from_json(data: dict[str, Any]) -> Reply:
    choices = tuple(
        Choice(str(c[0]), str(c[1]))
        for c in data.get("choices") or ()
        if isinstance(c, list | tuple) and len(c) == 2
    )
    return Reply(str(data.get("text") or ""), choices)
