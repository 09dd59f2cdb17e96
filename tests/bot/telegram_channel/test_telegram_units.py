"""Telegram rendering, error mapping and configuration, each on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from tg_fake import TOKEN, FakeBotApi
from tg_harness import tg_settings

from backend.config import ConfigError
from backend.notifications import Notification, PermanentSendError, TransientSendError
from bot.telegram.handlers import command_of, is_staff_choice
from bot.telegram.render import (
    MAX_TEXT,
    SHARE_CONTACT,
    case_number_in,
    notification_messages,
    reply_messages,
    split_text,
)
from bot.telegram.sending import TelegramSender
from dialogs.messages import Choice, Reply

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _note(**kw: Any) -> Notification:
    base: dict[str, Any] = {
        "id": 1,
        "channel": "telegram",
        "recipient": "-1001",
        "kind": "new_case",
        "title": "新案件 YC-2026-000007",
        "text": "缴费人：王秀英 13812341427，身份证 11010519491231002X\n诉求：退费",
        "case_number": "YC-2026-000007",
        "due_label": "2026-03-09（5个工作日）",
        "actions": (("accept", "受理"), ("transfer", "移送"), ("detail", "详情")),
    }
    base.update(kw)
    return Notification(**base)


def test_choices_become_buttons_and_overlong_ids_text() -> None:
    long_id = "x" * 65
    [out] = reply_messages(Reply("请选择", (Choice("yes", "同意"), Choice(long_id, "很长的选项"))))
    assert isinstance(out.markup, InlineKeyboardMarkup)
    datas = [b.callback_data for row in out.markup.inline_keyboard for b in row]
    assert datas == ["yes"]
    assert out.text.endswith("· 很长的选项")
    # exactly 64 bytes still fits (multi-byte characters counted as bytes)
    [fits] = reply_messages(Reply("好", (Choice("a" * 64, "A"), Choice("选" * 22, "B"))))
    assert isinstance(fits.markup, InlineKeyboardMarkup)
    assert [b.text for row in fits.markup.inline_keyboard for b in row] == ["A"]


def test_share_contact_choice_asks_for_the_contact() -> None:
    [out] = reply_messages(
        Reply("请核对身份", (Choice(SHARE_CONTACT, "分享"), Choice("skip", "跳过")))
    )
    assert isinstance(out.markup, ReplyKeyboardMarkup)
    assert out.markup.keyboard[0][0].request_contact is True
    assert out.markup.keyboard[1][0].text == "跳过"
    [plain] = reply_messages(Reply("好的"), remove_keyboard=True)
    assert isinstance(plain.markup, ReplyKeyboardRemove)


def test_long_text_is_split_at_lines_with_the_keyboard_last() -> None:
    text = "\n".join(f"第{i}行：" + "很" * 80 for i in range(120))
    parts = reply_messages(Reply(text, (Choice("ok", "好"),)))
    assert len(parts) > 1 and all(len(p.text) <= MAX_TEXT for p in parts)
    assert all(p.markup is None for p in parts[:-1]) and parts[-1].markup is not None
    assert "".join(p.text for p in parts).replace("\n", "") == text.replace("\n", "")
    assert split_text("a" * 9000) == ["a" * 4000, "a" * 4000, "a" * 1000]


def test_staff_notification_is_masked_with_case_buttons() -> None:
    [out] = notification_messages(_note())
    assert "138****1427" in out.text and "1101**********002X" in out.text
    assert "13812341427" not in out.text and "11010519491231002X" not in out.text
    assert "办理时限：2026-03-09（5个工作日）" in out.text
    assert isinstance(out.markup, InlineKeyboardMarkup)
    datas = [b.callback_data for row in out.markup.inline_keyboard for b in row]
    assert datas == ["accept:YC-2026-000007", "transfer:YC-2026-000007", "detail:YC-2026-000007"]
    assert case_number_in(out.text) == "YC-2026-000007"


def test_complainant_notification_is_their_own_text() -> None:
    note = _note(
        kind="to_complainant", title="案件答复", text="您的电话13812341427已登记。", actions=()
    )
    [out] = notification_messages(note)
    assert "13812341427" in out.text and out.markup is None


def test_staff_choices_and_commands_are_recognised() -> None:
    assert is_staff_choice("accept:YC-2026-000001")
    assert is_staff_choice("transfer_to:YC-2026-000001:hrss")
    assert not is_staff_choice("fb:satisfied") and not is_staff_choice("cat:other")
    assert not is_staff_choice("accept:") and not is_staff_choice("confirm")
    assert command_of("/Reply@yichuang_bot YC-2026-000001 好") == "reply"
    assert command_of("我要反映") is None
    assert case_number_in("回复 yc-2026-12 的事") == "YC-2026-12"
    assert case_number_in("没有编号") is None


@pytest.fixture
async def sender(fake: FakeBotApi) -> AsyncIterator[TelegramSender]:
    bot = Bot(TOKEN, base_url=fake.base)
    try:
        yield TelegramSender(bot)
    finally:
        await bot.shutdown()


async def test_sender_maps_telegram_errors(fake: FakeBotApi, sender: TelegramSender) -> None:
    await sender.send(_note())
    assert fake.texts(-1001) and fake.of("sendMessage")[-1]["reply_markup"]["inline_keyboard"]

    fake.fail("sendMessage", 429, "Too Many Requests: retry after 17", retry_after=17)
    with pytest.raises(TransientSendError) as transient:
        await sender.send(_note())
    assert transient.value.retry_after == 17

    fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(PermanentSendError):
        await sender.send(_note(kind="to_complainant", recipient="42"))

    fake.fail("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(PermanentSendError):
        await sender.send(_note())

    fake.fail("sendMessage", 502, "Bad Gateway")
    with pytest.raises(TransientSendError):
        await sender.send(_note())
    assert len(fake.texts(-1001)) == 1  # only the first went through


async def test_build_plugins_and_settings_checks(sqlite_db_url: str, fake: FakeBotApi) -> None:
    from bot.bootstrap import build_context, close_context
    from bot.plugins import build_plugins
    from bot.telegram.plugin import TelegramPlugin

    ctx = await build_context(tg_settings(sqlite_db_url, fake, webhook=False))
    try:
        assert [type(p) for p in build_plugins(ctx)] == [TelegramPlugin]
        ctx.settings = ctx.settings.model_copy(update={"telegram_token": None})
        assert build_plugins(ctx) == []
        ctx.settings = tg_settings(sqlite_db_url, fake, webhook=True).model_copy(
            update={"telegram_secret": None}
        )
        with pytest.raises(ConfigError, match="YICHUANG_TELEGRAM_SECRET"):
            build_plugins(ctx)
    finally:
        await close_context(ctx)
