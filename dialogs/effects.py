"""What a turn asks its caller to do (open a case, look one up...) and what it returns.

The turn is pure: ``dialogs.service`` carries the effects out and feeds each outcome back
through ``engine.resolve``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.drafts import CaseDraft
from dialogs.messages import Reply
from dialogs.state import ConversationState


@dataclass(frozen=True)
class OpenCase:
    draft: CaseDraft


@dataclass(frozen=True)
class LookupCase:
    number: str
    phone_last4: str | None = None


@dataclass(frozen=True)
class ListMyCases:
    #: Only the cases of this complainant ("我前头帮赵福贵反映的事咋样了"); None: all.
    name: str | None = None
    #: A follow-up on open cases ("咋还没人管"): the status first, then "is this a new matter?".
    follow_up: bool = False


@dataclass(frozen=True)
class RecordFeedback:
    number: str
    verdict: str  # satisfied | basically_satisfied | dissatisfied
    text: str
    actor: str


@dataclass(frozen=True)
class RecordInfo:
    """A correction or addition to a registered case, passed to its handling agency."""

    number: str
    text: str


@dataclass(frozen=True)
class Replay:
    """Parse this held text and run one more turn with it (after resume / restart)."""

    text: str


Effect = OpenCase | LookupCase | ListMyCases | RecordFeedback | RecordInfo | Replay


@dataclass(frozen=True)
class Failed:
    """An effect that did not work (backend down, bad data): the outcome ``resolve`` gets."""

    reason: str = ""


@dataclass
class TurnResult:
    state: ConversationState
    replies: list[Reply]
    effects: list[Effect] = field(default_factory=list)
