"""What every channel does with a resident's message BEFORE the dialogue: one rule, one place.

Console (``yichuang chat`` and the demo), Telegram, the WeChat Work app and 微信客服 all call
``before_dialogue``; ``None`` means "a turn of the dialogue", a list of replies means "handled
here, answer these". Today one kind of message is routed away from the dialogue:

- **已转告** (``bot.relay``): the button ``relayed:<case>`` on a grid worker's notice is always
  a relay (refused if the case is not theirs). Typed words — 「已转告 YC-…」, 「已转告」,
  「转告了」, 「已经告诉她了」 — are a relay only from a grid worker who filed cases from this
  chat; anyone else (a resident saying 转告了 about something else) gets the dialogue as
  before. Without a number the words mean the most recent of their cases whose latest
  notice they have not yet confirmed passing on (the others still waiting are named); with
  none waiting they are asked which case.

``might_route`` is the cheap check (no I/O) a channel makes first, so that only candidate
messages take the channel's once-only bookkeeping path (its ledger) around ``before_dialogue``.
"""

from __future__ import annotations

from bot.relay import RelayDesk, record, relay_target
from dialogs.messages import Inbound, Reply

#: Waiting cases named in one answer.
MAX_NAMED = 5


def might_route(text: str, choice_id: str | None = None) -> bool:
    """A message of this text (or button) may be handled here rather than by the dialogue
    (no database needed: channels call this before building their ``Inbound``)."""
    return relay_target(text, choice_id) is not None


async def before_dialogue(desk: RelayDesk, inbound: Inbound) -> list[Reply] | None:
    """The replies of a message handled before the dialogue, or None: the dialogue's turn."""
    if inbound.attachments or inbound.uploads:
        return None
    number = relay_target(inbound.text, inbound.choice_id)
    if number is None:
        return None
    pressed = bool(inbound.choice_id)
    filed = [
        v
        for v in await desk.cases_of_user(inbound.channel, inbound.user_ref)
        if v.filed_by_channel_user == inbound.user_ref
    ]
    if not filed and not pressed:
        return None  # not a grid worker who filed here: words for the dialogue
    if number:
        return await record(desk, inbound, number)
    if not filed:
        return [Reply("没有找到您代办的案件。请写上案件号，例如：已转告 YC-2026-000001")]
    waiting = await desk.awaiting_relay(inbound.channel, inbound.user_ref)
    if not waiting:
        latest = filed[0].number
        return [
            Reply(
                "您代办的案件目前没有待转告的新进展。"
                f"如果要登记某一件已转告，请写上案件号，例如：已转告 {latest}"
            )
        ]
    replies = await record(desk, inbound, waiting[0])
    others = waiting[1:]
    if others:
        named = "、".join(others[:MAX_NAMED]) + ("等" if len(others) > MAX_NAMED else "")
        replies.append(
            Reply(
                f"您还有 {len(others)} 件案件的进展待转告：{named}。"
                f"转告后请分别回复：已转告 案件号，例如：已转告 {others[0]}"
            )
        )
    return replies
