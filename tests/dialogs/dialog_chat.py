"""Conversation tables (Zulip ``verify_dialog`` style): (user says, bot must contain) pairs.

Expected text is a string or a tuple of strings; each must appear in the bot's one message.
A string starting with "!" must NOT appear.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dialogs.messages import Inbound, InboundAttachment, InboundHandler, Reply
from dialogs.service import DialogueService

Expect = str | tuple[str, ...]
_ids = itertools.count(1)


@dataclass
class Chat:
    handler: InboundHandler
    user: str
    channel: str = "console"
    contact_phone: str | None = None
    #: The test's frozen clock (``tests/conftest.py``): shared with the case service, so that
    #: idle time and due dates agree.
    clock: Any = None
    log: list[tuple[str, str]] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        now: datetime = self.clock()
        return now

    async def send(
        self,
        text: str,
        *,
        choice_id: str | None = None,
        attachments: tuple[InboundAttachment, ...] = (),
    ) -> Reply:
        self.clock.advance(20)
        inbound = Inbound(
            channel=self.channel,
            user_ref=self.user,
            text=text,
            message_id=f"m{next(_ids)}",
            received_at=self.now,
            choice_id=choice_id,
            contact_phone=self.contact_phone,
            attachments=attachments,
        )
        replies = await self.handler.handle(inbound)
        assert len(replies) == 1, f"one message per turn expected for {text!r}, got {replies}"
        self.log.append((text, replies[0].text))
        return replies[0]

    async def verify(self, table: list[tuple[str, Expect]]) -> Reply:
        reply = Reply("")
        for says, expect in table:
            reply = await self.send(says)
            wanted = (expect,) if isinstance(expect, str) else expect
            for piece in wanted:
                if piece.startswith("!"):
                    assert piece[1:] not in reply.text, self._explain(says, piece, reply)
                else:
                    assert piece in reply.text, self._explain(says, piece, reply)
        return reply

    def idle(self, minutes: float) -> None:
        self.clock.advance(minutes * 60)

    def other(self, user: str, **kw: Any) -> Chat:
        """Another user on the same service and clock."""
        return Chat(self.handler, user, clock=self.clock, **kw)

    def _explain(self, says: str, piece: str, reply: Reply) -> str:
        history = "\n".join(f"  用户：{u}\n  机器人：{b}" for u, b in self.log)
        return f"after {says!r} expected {piece!r} in:\n{reply.text}\nchoices={reply.choices}\n---\n{history}"


def make_service(nlu: Any, cases: Any, database: Any, ctx: Any, clock: Any) -> DialogueService:
    """The dialogue on the real conversation store of ``database``."""
    from backend.conversations import SqlConversationStore

    return DialogueService(nlu, cases, SqlConversationStore(database, clock), ctx, clock)
