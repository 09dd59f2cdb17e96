"""One turn's working copy: the state being changed, the message, and what the turn says.

Every module of the turn (modes, filling, questions, lookup) works on a ``Step``; only
``engine`` creates one and turns it into a ``TurnResult``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dialogs.context import DialogContext
from dialogs.effects import Effect, TurnResult
from dialogs.messages import Choice, Inbound, Reply
from dialogs.state import ConversationState, Draft
from identifiers import plain_digits
from nlu.normalize import blank_markup, simplified
from nlu.types import Parse


@dataclass
class Step:
    st: ConversationState
    inbound: Inbound
    ctx: DialogContext
    parse: Parse | None
    #: The parse of a correction's new value ("不是滞纳金，是退费" -> "退费").
    tail: Parse | None = None
    text: str = ""
    #: The menu item the message picked (a button, its number or its words).
    choice: str | None = None
    mode_at_start: str = ""
    #: The choices shown before this message (``state.menu`` is cleared as the turn starts).
    menu_at_start: list[list[str]] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    choices: tuple[Choice, ...] = ()
    effects: list[Effect] = field(default_factory=list)
    #: Slots whose value was given but failed its check this turn.
    error_fields: list[str] = field(default_factory=list)

    @classmethod
    def begin(
        cls,
        state: ConversationState,
        inbound: Inbound,
        ctx: DialogContext,
        parse: Parse | None,
        tail: Parse | None = None,
    ) -> Step:
        # Work on a copy: the caller's state object stays as it was (pure function).
        copy = ConversationState.from_json(state.to_json())
        # Values are read from the simplified, ASCII-digit form ("鳳鳴鎮" is 凤鸣镇, "①③⑨…" a
        # phone number); both keep the length, so the parse's offsets still hold.
        text = plain_digits(simplified(blank_markup(inbound.text))).strip()
        return cls(
            copy, inbound, ctx, parse, tail, text, None, state.mode,
            [list(item) for item in state.menu],
        )  # fmt: skip

    @property
    def draft(self) -> Draft:
        assert self.st.draft is not None
        return self.st.draft

    @property
    def today(self) -> date:
        return self.inbound.received_at.astimezone(ZoneInfo(self.ctx.timezone)).date()

    def say(self, text: str) -> None:
        if text and text not in self.parts:
            self.parts.append(text)

    def error(self, slot_name: str, message: str) -> None:
        self.say(message)
        self.error_fields.append(slot_name)

    def offer(self, *choices: Choice) -> None:
        self.choices = tuple(choices)
        self.st.menu = [[c.id, c.label] for c in choices]

    def new_draft(self) -> Draft:
        draft = Draft(started_at=iso(self.inbound.received_at))
        draft.proxy = self.st.profile.role == "grid_worker"
        self.st.draft = draft
        return draft

    def result(self) -> TurnResult:
        self.st.updated_at = iso(self.inbound.received_at)
        replies = [Reply("\n".join(self.parts), self.choices)] if self.parts else []
        return TurnResult(self.st, replies, self.effects)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
