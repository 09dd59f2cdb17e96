"""Sending to Telegram: the outbox sender and the direct answers of the handlers.

Telegram errors, as the outbox understands them:
- ``RetryAfter`` (429 flood control) -> ``TransientSendError(retry_after)``;
- ``TimedOut`` / ``NetworkError`` -> ``TransientSendError``;
- ``Forbidden`` (the user blocked the bot, the bot left the group) -> ``PermanentSendError``;
- ``BadRequest`` ("chat not found", bad markup) -> ``PermanentSendError``: resending the same
  request never succeeds;
- ``ChatMigrated`` (a group became a supergroup) -> sent to the new chat id, with a warning
  to update the county config.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from backend.notifications import Notification, PermanentSendError, TransientSendError
from bot.telegram.render import Outgoing, notification_messages

log = logging.getLogger(__name__)

CHANNEL = "telegram"

#: Direct answers (not through the outbox) wait out a 429 this long at most, this many times;
#: the user is waiting for them, and a longer flood wait is better left to the log.
ANSWER_MAX_WAIT = 30.0
ANSWER_ATTEMPTS = 3


def retry_seconds(exc: RetryAfter) -> float:
    """``RetryAfter.retry_after`` in seconds (an int or a timedelta, depending on PTB's
    ``PTB_TIMEDELTA`` migration switch; its deprecation warning is not ours to show)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def chat_id(recipient: str) -> int | str:
    """Numeric chat ids as int; ``@channelname`` stays a string."""
    text = recipient.strip()
    try:
        return int(text)
    except ValueError:
        return text


def as_send_error(exc: TelegramError) -> TransientSendError | PermanentSendError:
    """The outbox's view of a Telegram error (BadRequest is a NetworkError subclass: first)."""
    if isinstance(exc, RetryAfter):
        return TransientSendError(f"Telegram 限流：{exc}", retry_after=retry_seconds(exc))
    if isinstance(exc, Forbidden):
        return PermanentSendError(f"Telegram 拒绝发送（用户已屏蔽机器人或机器人不在群里）：{exc}")
    if isinstance(exc, BadRequest):
        return PermanentSendError(f"Telegram 请求无效：{exc}")
    if isinstance(exc, InvalidToken):
        return PermanentSendError(f"Telegram 机器人令牌无效：{exc}")
    if isinstance(exc, NetworkError):
        return TransientSendError(f"Telegram 网络错误：{exc}")
    return TransientSendError(f"Telegram 错误：{exc}")


async def send_one(bot: Bot, to: int | str, message: Outgoing) -> Message:
    """sendMessage; a group that became a supergroup is followed to its new id."""
    try:
        return await bot.send_message(to, message.text, reply_markup=message.markup)
    except ChatMigrated as exc:
        log.warning(
            "telegram: chat %s is now %s; update the county config (notify.to)",
            to,
            exc.new_chat_id,
        )
        return await bot.send_message(exc.new_chat_id, message.text, reply_markup=message.markup)


class AnswerNotDelivered(Exception):
    """A direct answer could not go out for now (network, long flood wait): the update should
    be handled again later (the dialogue keeps the answer and sends it then)."""


async def answer(
    bot: Bot,
    to: int | str,
    messages: Sequence[Outgoing],
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    strict: bool = False,
) -> int:
    """Send a handler's answer now: wait out short 429s and one network hiccup; a blocked
    bot or a bad request is logged, not raised (the update is done either way). A network
    failure or a long flood wait is logged too — or, ``strict``, raised as
    ``AnswerNotDelivered``. Returns how many messages went out."""
    sent = 0
    for message in messages:
        for attempt in range(1, ANSWER_ATTEMPTS + 1):
            try:
                await send_one(bot, to, message)
                sent += 1
                break
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                if wait > ANSWER_MAX_WAIT or attempt == ANSWER_ATTEMPTS:
                    log.error("telegram: answer to %s dropped, flood wait %.0fs", to, wait)
                    if strict:
                        raise AnswerNotDelivered(f"flood wait {wait:.0f}s") from exc
                    return sent
                await sleep(wait)
            except (Forbidden, BadRequest) as exc:
                log.warning("telegram: cannot answer %s: %s", to, exc)
                return sent
            except NetworkError as exc:
                if attempt == ANSWER_ATTEMPTS:
                    log.error("telegram: answer to %s failed: %s", to, exc)
                    if strict:
                        raise AnswerNotDelivered(str(exc)) from exc
                    return sent
                await sleep(1.0 * attempt)
    return sent


class TelegramSender:
    """``backend.notifications.Sender`` for channel "telegram": staff chats (a group or a
    person, the agency's ``notify`` target) and complainants who wrote to the bot."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, notification: Notification) -> None:
        try:
            # Idempotent; the plugin has normally done it, but the notifier may run first.
            await self._bot.initialize()
            to = chat_id(notification.recipient)
            for message in notification_messages(notification):
                await send_one(self._bot, to, message)
        except TelegramError as exc:
            raise as_send_error(exc) from exc
