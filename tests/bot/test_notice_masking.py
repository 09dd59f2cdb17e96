"""One masking rule for every channel (``backend.notifications.shown``): notices addressed to
the person themselves — the complainant, the grid worker who filed (请转告) — show the agency's
phone in full; pushes to staff mask personal numbers. Telegram and WeChat Work over real HTTP
against their local fakes; the console and SMS senders into a buffer."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backend.notifications import Notification, is_personal, shown

sys.path[:0] = [str(Path(__file__).parent / d) for d in ("telegram_channel", "wecom_channel")]

from tg_fake import TOKEN, FakeBotApi  # noqa: E402
from wecom_fake import AGENT_ID, APP_SECRET, CORP_ID, KF_SECRET, OPEN_KFID, running_fake  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

AGENCY_PHONE = "0356-4218366"
ID_NUMBER = "140522196204155869"
MOBILE = "13935612340"
NUMBER = "YC-2026-000008"
RELAY = (
    f"您代李桂花登记的案件 {NUMBER} 有新进展，请转告李桂花：\n"
    f"「已受理，有事可以打县税务局的电话 {AGENCY_PHONE}。」\n"
    f"转告后请点“已转告”，或回复：已转告 {NUMBER}"
)
STAFF = f"反映人：李桂花，电话 {MOBILE}，身份证号 {ID_NUMBER}\n诉求：医保扣了两次"


def note(kind: str, channel: str, recipient: str) -> Notification:
    personal = kind != "new_case"
    return Notification(
        id=1,
        channel=channel,
        recipient=recipient,
        kind=kind,
        title=f"请转告：案件 {NUMBER} 已受理" if personal else f"新案件 {NUMBER}",
        text=RELAY if personal else STAFF,
        case_number=NUMBER,
        actions=(("relayed", "已转告"),) if kind == "to_grid_worker" else (("accept", "受理"),),
        dedup_key="k1",
    )


def full(text: str) -> bool:
    return AGENCY_PHONE in text


def masked(text: str) -> bool:
    return MOBILE not in text and ID_NUMBER not in text and "139****2340" in text


def test_the_rule() -> None:
    assert is_personal(note("to_grid_worker", "telegram", "1"))
    assert is_personal(note("to_complainant", "telegram", "1"))
    assert not is_personal(note("new_case", "telegram", "1"))
    assert full(shown(note("to_grid_worker", "x", "1"), RELAY))
    assert masked(shown(note("new_case", "x", "1"), STAFF))


async def test_telegram() -> None:
    from telegram import Bot

    from bot.telegram.sending import TelegramSender

    fake = FakeBotApi()
    await fake.start()
    try:
        sender = TelegramSender(Bot(TOKEN, base_url=fake.base))
        await sender.send(note("to_grid_worker", "telegram", "77"))
        await sender.send(note("to_complainant", "telegram", "78"))
        await sender.send(note("new_case", "telegram", "-100"))
        [relay] = fake.delivered(77)
        assert full(relay["text"]) and "***" not in relay["text"]
        buttons = relay["reply_markup"]["inline_keyboard"]
        assert buttons == [[{"text": "已转告", "callback_data": f"relayed:{NUMBER}"}]]
        assert full(fake.texts(78)[0])
        assert masked(fake.texts(-100)[0])
    finally:
        await fake.stop()


async def test_wecom_app_and_kf(sqlite_database: Any) -> None:
    import aiohttp

    from bot.wecom.api import WeComApi
    from bot.wecom.cursors import CursorStore
    from bot.wecom.senders import WeComAppSender, WeComKfSender

    async with running_fake() as fake, aiohttp.ClientSession() as http:
        api = WeComApi(
            http,
            corp_id=CORP_ID,
            app_secret=APP_SECRET,
            kf_secret=KF_SECRET,
            agent_id=AGENT_ID,
            base=fake.base,
        )
        app = WeComAppSender(lambda: api, "https://desk.example/console/cases")
        await app.send(note("to_grid_worker", "wecom_app", "ZhangGuilan"))
        await app.send(note("new_case", "wecom_app", "tax01"))
        relay, card = fake.to("message/send")
        # A grid worker's notice is plain text like a complainant's, not a staff textcard.
        assert relay["msgtype"] == "text" and relay["touser"] == "ZhangGuilan"
        assert full(relay["text"]["content"]) and f"已转告 {NUMBER}" in relay["text"]["content"]
        assert card["msgtype"] == "textcard"
        assert masked(card["textcard"]["description"])

        cursors = CursorStore(sqlite_database, lambda: datetime(2026, 3, 2, tzinfo=UTC))
        fake.quota["wmVillager"] = 5
        kf = WeComKfSender(lambda: api, cursors, OPEN_KFID)
        await kf.send(note("to_complainant", "wecom_kf", "wmVillager"))
        [sent] = fake.to("kf/send_msg")
        assert full(sent["text"]["content"]) and "***" not in sent["text"]["content"]


async def test_console_and_sms() -> None:
    from bot.senders.console import ConsoleSender
    from bot.senders.sms import ConsoleSmsGateway, SmsSender

    out = io.StringIO()
    console = ConsoleSender(out)
    await console.send(note("to_complainant", "console", "居民-1"))
    personal = out.getvalue()
    await console.send(note("new_case", "console", "tax"))
    staff = out.getvalue()[len(personal) :]
    assert full(personal) and masked(staff)

    sms_out = io.StringIO()
    await SmsSender(ConsoleSmsGateway(sms_out)).send(note("to_complainant", "sms", MOBILE))
    assert full(sms_out.getvalue()) and MOBILE not in sms_out.getvalue()  # the number: masked
