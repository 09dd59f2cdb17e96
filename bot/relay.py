"""已转告: a grid worker tells us they passed a case notice on to the villager.

The notice to the grid worker (kind ``to_grid_worker``) carries a button ``relayed:<case>``
(Telegram sends it back as the ``choice_id``) and says "回复：已转告 <case>" for channels
without buttons. ``relay_reply`` recognises either, records it through
``CaseDesk.record_relayed`` and answers; any other message gives None (the dialogue's).
"""

from __future__ import annotations

from backend.ports import CaseDesk
from backend.workflow import WorkflowError
from dialogs.messages import Inbound, Reply
from identifiers import find_case_numbers, normalise_case_number

WORD = "已转告"
CHOICE_PREFIX = "relayed:"


def relay_target(text: str, choice_id: str | None) -> str | None:
    """The case number of a 已转告 message ("" when it names none), or None if it is not one."""
    if choice_id and choice_id.startswith(CHOICE_PREFIX):
        return normalise_case_number(choice_id[len(CHOICE_PREFIX) :]) or ""
    words = text.strip()[:100]
    if not words.startswith(WORD):
        return None
    found = find_case_numbers(words)
    return found[0][0] if found else ""


async def relay_reply(desk: CaseDesk, inbound: Inbound) -> list[Reply] | None:
    """Record a 已转告 and answer it, or None when ``inbound`` is not one."""
    number = relay_target(inbound.text, inbound.choice_id)
    if number is None:
        return None
    if not number:
        mine = [
            v
            for v in await desk.cases_of_user(inbound.channel, inbound.user_ref)
            if v.filed_by_channel_user == inbound.user_ref
        ]
        if not mine:
            return [Reply("没有找到您代办的案件。请写上案件号，例如：已转告 YC-2026-000001")]
        number = mine[0].number
    try:
        view = await desk.record_relayed(number, inbound.channel, inbound.user_ref)
    except WorkflowError as exc:
        return [Reply(str(exc))]
    who = view.complainant_name or "缴费人"
    return [Reply(f"好的，已记录：您已把案件 {view.number} 的最新进展转告{who}。谢谢！")]
