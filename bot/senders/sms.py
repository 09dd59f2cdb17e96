"""The ``sms`` channel: notices to villagers' phones (a grid worker filed for them; many have
no chat account). The sender sits behind ``SmsGateway``, one method, so a real gateway (a
carrier's or a cloud SMS API) plugs in without touching the outbox; this package ships the
console gateway (demo, ``serve`` without a gateway: the message is printed/logged, masked).
"""

from __future__ import annotations

import logging
import sys
from typing import Protocol, TextIO

from backend.notifications import Notification, PermanentSendError, shown
from identifiers.masking import mask_phone
from identifiers.phone import phone_digits

log = logging.getLogger(__name__)

CHANNEL = "sms"


class SmsGateway(Protocol):
    async def send_sms(self, phone: str, text: str, dedup_key: str) -> None:
        """Deliver ``text`` to ``phone`` (11 digits) or raise Transient/PermanentSendError;
        ``dedup_key`` identifies the message for gateways that drop repeats."""
        ...


class SmsSender:
    """The outbox sender of channel "sms": checks the number, hands the text to the gateway."""

    channel = CHANNEL

    def __init__(self, gateway: SmsGateway) -> None:
        self._gateway = gateway

    async def send(self, notification: Notification) -> None:
        digits = phone_digits(notification.recipient)
        if digits is None or len(digits) != 11 or not digits.startswith("1"):
            raise PermanentSendError(
                f"不是手机号码，不能发短信：{mask_phone(notification.recipient)}"
            )
        # A villager's own notice is shown as written (``shown``); anything else masked.
        text = shown(notification, notification.text)
        await self._gateway.send_sms(digits, text, notification.dedup_key)


class ConsoleSmsGateway:
    """Prints the SMS (the phone masked) instead of sending it: the demo and test deployments."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out

    async def send_sms(self, phone: str, text: str, dedup_key: str) -> None:
        out = self._out if self._out is not None else sys.stdout
        print(f"短信 → {mask_phone(phone)}：{text}\n", file=out, flush=True)
