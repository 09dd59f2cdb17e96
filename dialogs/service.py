"""The dialogue as channels see it: ``handle(inbound) -> replies``.

Loads the conversation, parses the text, runs one pure turn, carries out its effects against
the case desk and saves the new state. Everything a turn says goes out as ONE message where
possible (微信客服 allows 5 messages per 48 hours after the user's last one).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from backend.ports import CaseDesk, ConversationStore
from dialogs import engine, understand
from dialogs.context import DialogContext
from dialogs.messages import Inbound, Reply
from dialogs.state import ConversationState
from nlu.types import Parse

log = logging.getLogger(__name__)

#: What the NLU reads of one message (Telegram allows 4,096 characters, WeChat 2,048): the
#: description keeps the whole text, the analysis its head.
MAX_TEXT = 4096

SORRY = "不好意思，系统开了个小差，请稍后再发一次。您之前填的内容都还在。"


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
    ) -> None:
        self.nlu = nlu
        self.desk = desk
        self.store = store
        self.context = context
        self.clock = clock or (lambda: datetime.now(UTC))
        # One turn at a time per user inside this process (two quick messages must not race).
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def handle(self, inbound: Inbound) -> list[Reply]:
        if not await self.store.first_time_seen(inbound.channel, inbound.message_id):
            return []
        if inbound.received_at.tzinfo is None:
            inbound = replace(inbound, received_at=self.clock())
        key = (inbound.channel, inbound.user_ref)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        async with lock:
            raw = await self.store.load(inbound.channel, inbound.user_ref)
            state = ConversationState.from_json(raw)
            await self._refresh_feedback(state, inbound)
            try:
                state, replies = await self._turn(state, inbound, replay_allowed=True)
            except Exception:
                # A bug must not leave the user without an answer; the saved state stays as
                # it was, so nothing collected so far is lost.
                log.exception("dialogue turn failed for %s:%s", inbound.channel, inbound.user_ref)
                return [Reply(SORRY)]
            await self.store.save(inbound.channel, inbound.user_ref, state.to_json())
        return merge(replies)

    def parse(self, text: str, now: datetime) -> Parse:
        return self.nlu.parse(text, now=now)

    async def _parse(self, text: str, now: datetime) -> Parse:
        """The parse in a worker thread: the event loop goes on serving other users (and
        ``/healthz``) while one message is analysed."""
        return await asyncio.to_thread(self.parse, text[:MAX_TEXT], now)

    async def _turn(
        self, state: ConversationState, inbound: Inbound, *, replay_allowed: bool
    ) -> tuple[ConversationState, list[Reply]]:
        parse = await self._parse(inbound.text, inbound.received_at)
        tail = None
        if understand.is_correction(inbound.text):
            tail_text = understand.correction_tail(inbound.text)
            if tail_text:
                tail = await self._parse(tail_text, inbound.received_at)
        result = engine.turn(state, inbound, parse, self.context, tail=tail)
        state, replies = result.state, list(result.replies)
        for effect in result.effects:
            if isinstance(effect, engine.Replay):
                if replay_allowed and effect.text.strip():
                    held = replace(inbound, text=effect.text, choice_id=None)
                    state, more = await self._turn(state, held, replay_allowed=False)
                    replies.extend(more)
                continue
            outcome = await self._carry_out(effect, inbound)
            resolved = engine.resolve(state, effect, outcome, inbound, self.context)
            state = resolved.state
            replies.extend(resolved.replies)
        return state, replies

    async def _carry_out(self, effect: engine.Effect, inbound: Inbound) -> Any:
        try:
            if isinstance(effect, engine.OpenCase):
                return await self.desk.open_case(effect.draft)
            if isinstance(effect, engine.LookupCase):
                return await self.desk.find_case(effect.number)
            if isinstance(effect, engine.ListMyCases):
                return await self.desk.cases_of_user(inbound.channel, inbound.user_ref)
            if isinstance(effect, engine.RecordFeedback):
                return await self.desk.record_feedback(
                    effect.number, effect.verdict, effect.text, actor=effect.actor
                )
        except Exception as exc:  # the user gets a friendly retry message; staff get the log
            log.exception("dialogue effect %s failed", type(effect).__name__)
            return engine.Failed(str(exc))
        return engine.Failed("unknown effect")

    async def _refresh_feedback(self, state: ConversationState, inbound: Inbound) -> None:
        """Closed cases awaiting a verdict, asked about when no report is in progress."""
        if not state.opened or state.draft is not None or state.mode not in ("", "feedback"):
            return
        try:
            views = await self.desk.cases_of_user(inbound.channel, inbound.user_ref)
        except Exception:
            log.exception("could not list the user's cases")
            return
        state.feedback_due = [
            [v.number, v.latest_reply or ""] for v in views if v.awaiting_feedback
        ]


def merge(replies: list[Reply]) -> list[Reply]:
    """All of a turn's texts as one message; the choices of the last part (the open question)."""
    texts = [r.text for r in replies if r.text]
    if not texts:
        return []
    return [Reply("\n\n".join(texts), replies[-1].choices)]
