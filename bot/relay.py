"""已转告: a grid worker tells us they passed a case notice on to the villager.

The notice to the grid worker (kind ``to_grid_worker``) carries a button ``relayed:<case>``
(Telegram and 微信客服 send it back as the ``choice_id``) and says "回复：已转告 <case>" for
channels without buttons. This module reads such a message (``relay_target``) and records it
(``record``); WHO is routed here, and which case a bare 「已转告」 means, is decided in one
place for every channel: ``bot.inbound_router``.
"""

from __future__ import annotations

import re
from typing import Protocol

from backend.drafts import CaseView
from backend.workflow import WorkflowError
from dialogs.messages import Inbound, Reply
from identifiers import find_case_numbers, normalise_case_number

WORD = "已转告"
CHOICE_PREFIX = "relayed:"
#: A relay message is short: "已转告 YC-2026-000007", "转告了，谢谢".
MAX_RELAY_TEXT = 60

#: 「已转告」「转告了」「已经告诉她了」「我把情况转达给老人了」: done (已/已经/都 before the verb, or
#: 了/过/完 after it), a verb of passing on, an optional listener. Tried on the message with
#: case numbers, spaces and punctuation removed; one pass, no nested repetition.
_RELAY = re.compile(
    r"(?:我|俺)?(?P<pre>已经|已|都)?(?:把(?:情况|进展|消息|结果|答复|通知|意见)?)?"
    r"(?:转告|转达|告知|告诉|传达|转给)(?P<mid>了|过|完)?给?"
    r"(?:他|她|他们|她们|老人|老人家|村民|本人|对方|缴费人|户主|当事人|老乡|群众|家属)?"
    r"(?P<post>了|过了|完了|到了)?(?:啦|的|哈|呢|啊)?(?:谢谢|好的)?"
)
_NOISE = re.compile(r"[\s,.!?;:，。！？；：、~…\-—()（）「」“”\"'《》]")


class RelayDesk(Protocol):
    """What relaying needs of the case service (``backend.service.CaseService``)."""

    async def cases_of_user(self, channel: str, user_ref: str) -> list[CaseView]: ...

    async def record_relayed(self, number: str, channel: str, user_ref: str) -> CaseView: ...

    async def awaiting_relay(self, channel: str, user_ref: str) -> list[str]: ...


def said_relayed(text: str) -> bool:
    """``text`` says "I passed it on" (with or without a case number)."""
    words = text.strip()[:MAX_RELAY_TEXT]
    if not words:
        return False
    for _number, start, end in reversed(find_case_numbers(words)):
        words = words[:start] + words[end:]
    bare = _NOISE.sub("", words)
    found = _RELAY.fullmatch(bare) if bare else None
    return bool(found and (found["pre"] or found["mid"] or found["post"]))


def relay_target(text: str, choice_id: str | None) -> str | None:
    """The case number of a 已转告 message ("" when it names none), or None if it is not one:
    the button ``relayed:<case>``, or words such as 「已转告 YC-…」「转告了」."""
    if choice_id and choice_id.startswith(CHOICE_PREFIX):
        return normalise_case_number(choice_id[len(CHOICE_PREFIX) :]) or ""
    if len(text) > MAX_RELAY_TEXT or not said_relayed(text):
        return None
    found = find_case_numbers(text)
    return found[0][0] if found else ""


async def record(desk: RelayDesk, inbound: Inbound, number: str) -> list[Reply]:
    """Record that the grid worker behind ``inbound`` passed case ``number`` on; the answer
    (a refusal sentence when the case is not theirs or does not exist)."""
    try:
        view = await desk.record_relayed(number, inbound.channel, inbound.user_ref)
    except WorkflowError as exc:
        return [Reply(str(exc))]
    who = view.complainant_name or "缴费人"
    return [Reply(f"好的，已记录：您已把案件 {view.number} 的最新进展转告{who}。谢谢！")]
