"""How people read codes and numbers: ONE place for the channel names, the access log's
words and money. The register, the desk, the staff chat, the CLI and the API all use these
(imports nothing of ours, so every package may)."""

from __future__ import annotations

import re

#: 受理渠道: one label per channel, everywhere (register, desk, statistics, CLI).
CHANNEL_LABELS: dict[str, str] = {
    "telegram": "Telegram",
    "wecom_app": "企业微信应用",
    "wecom_kf": "微信客服",
    "wecom_robot": "企业微信群机器人",
    # The terminal chat (``yichuang chat`` / ``demo``): staff typing in a walk-in's report at
    # the window, or a demonstration.
    "console": "窗口终端",
    "window": "窗口",
    "hotline": "12345热线",
    "sms": "短信",
    "web": "网页",
}

#: The access log's ``via``: the way in.
VIA_LABELS: dict[str, str] = {
    "api": "工作人员接口",
    "cli": "命令行",
    "console": "工作台",
    "chat": "工作人员聊天",
}


def channel_label(channel: str | None) -> str:
    """``"console"`` -> ``"窗口终端"``; an unknown code is shown as it is."""
    if not channel:
        return ""
    return CHANNEL_LABELS.get(channel, channel)


def via_label(via: str | None) -> str:
    return VIA_LABELS.get(via or "", via or "")


_EXPORT = re.compile(r"export (\w+): (\d+) 件")


def access_label(what: str | None) -> str:
    """The access log's ``what`` in words: ``detail`` -> 查看案件详情（含身份证号、电话）,
    ``export csv: 12 件`` -> 导出台账（CSV，12 件）, ``attachment:ab12`` -> 查看附件 ab12."""
    text = what or ""
    if text == "detail":
        return "查看案件详情（含身份证号、电话）"
    if text == "export":
        return "导出台账"
    found = _EXPORT.fullmatch(text)
    if found:
        return f"导出台账（{found.group(1).upper()}，{found.group(2)} 件）"
    if text.startswith("attachment:"):
        return f"查看附件 {text.removeprefix('attachment:')}"
    return text


def format_money(amount: float | int | None, unit: str = "元") -> str:
    """Money as people write it: ``200,000 元``, ``1,234.5 元``, ``0.06 元`` (to the fen;
    no ``.0``); ``""`` for None."""
    if amount is None:
        return ""
    text = f"{float(amount):,.2f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return f"{text} {unit}" if unit else text
