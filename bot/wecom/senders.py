"""Outbox senders of the WeChat Work channel (``backend.notifications.Sender``).

- ``WeComAppSender`` ("wecom_app"): staff and grid workers, members of the self-built app.
  Staff notices go as a ``textcard`` (title, masked summary, due date, link to the case) when
  the county has a ``dashboard_url``, else as text; recipients are userids joined by "|". A
  grid worker's 请转告 notice and a complainant notice to a member go as plain text.
- ``WeComKfSender`` ("wecom_kf"): the complainant on 微信客服, by external_userid; the
  微信客服 account is the one they last wrote to (stored when their messages arrive).
- ``WeComRobotSender`` ("wecom_robot"): an agency's group chat, markdown. The recipient is the
  robot's name (``name`` or ``name:userid1|userid2`` to @-mention members); its webhook key is
  the secret in the environment variable ``YICHUANG_WECOM_ROBOT_<NAME>``, never in the TOML.

Per-member and per-robot rate limits (30/min, 20/min) are kept by the notifier, which
reserves a slot before calling ``send`` and re-queues the row when none is free.
What is masked follows ``backend.notifications.shown``: staff-facing text is masked (ID numbers,
personal phones) whatever the caller did; notices to the complainant and to the grid worker who
filed (``is_personal``) go as plain text, as written.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable, Mapping

from backend.notifications import Notification, PermanentSendError, is_personal, shown
from bot.wecom.api import WeComApi
from bot.wecom.cursors import CursorStore

ROBOT_ENV_PREFIX = "YICHUANG_WECOM_ROBOT_"


def robot_env_name(name: str) -> str:
    """``office_group`` -> ``YICHUANG_WECOM_ROBOT_OFFICE_GROUP``."""
    return ROBOT_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def robot_key(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The webhook key of the group robot called ``name``, from the environment."""
    env = os.environ if environ is None else environ
    value = env.get(robot_env_name(name), "").strip()
    return value or None


def case_url(dashboard_url: str | None, case_number: str | None) -> str | None:
    if not dashboard_url or not case_number:
        return None
    return f"{dashboard_url.rstrip('/')}/{case_number}"


def _lines(note: Notification) -> list[str]:
    return [line.strip() for line in shown(note, note.text).splitlines() if line.strip()]


def _due_line(note: Notification, lines: list[str]) -> str | None:
    if not note.due_label or any(note.due_label in line for line in lines):
        return None
    return f"办理时限：{note.due_label}"


def personal_text(note: Notification) -> str:
    """A notice to the complainant or the grid worker who filed, as written (not masked)."""
    if note.title and note.title not in note.text:
        return f"【{note.title}】\n{note.text}"
    return note.text


def staff_text(note: Notification) -> str:
    lines = _lines(note)
    due = _due_line(note, lines)
    return "\n".join([f"【{shown(note, note.title)}】", *lines, *([due] if due else [])])


def textcard_description(note: Notification, max_bytes: int = 512) -> str:
    """The card body: case number (gray), summary lines, due date (highlighted), within the
    API's byte limit — whole lines only, so no HTML tag is ever cut."""
    lines = _lines(note)
    due = note.due_label
    number = note.case_number or ""
    shown = not number or any(number in line for line in lines)
    head = "" if shown else f'<div class="gray">{html.escape(number)}</div>'
    tail = f'<div class="highlight">办理时限：{html.escape(due)}</div>' if due else ""
    body = ""
    for line in lines:
        if due and due in line:
            continue
        part = f'<div class="normal">{html.escape(line)}</div>'
        if len((head + body + part + tail).encode("utf-8")) > max_bytes:
            break
        body += part
    return head + body + tail


class WeComAppSender:
    channel = "wecom_app"

    def __init__(self, api: Callable[[], WeComApi], dashboard_url: str | None = None) -> None:
        self._api = api
        self._dashboard_url = dashboard_url

    async def send(self, notification: Notification) -> None:
        note = notification
        api = self._api()
        if is_personal(note):
            # The complainant or the grid worker who filed (a member of the app): plain text
            # as written, like the complainant's own chat — not a staff card.
            await api.send_text(note.recipient, personal_text(note))
            return
        url = case_url(self._dashboard_url, note.case_number)
        if url is None:
            await api.send_text(note.recipient, staff_text(note))
            return
        await api.send_textcard(
            note.recipient, shown(note, note.title), textcard_description(note), url, "查看案件"
        )


class WeComKfSender:
    channel = "wecom_kf"

    def __init__(
        self,
        api: Callable[[], WeComApi],
        cursors: CursorStore,
        default_open_kfid: str | None = None,
    ) -> None:
        self._api = api
        self._cursors = cursors
        self._default = default_open_kfid

    async def send(self, notification: Notification) -> None:
        note = notification
        open_kfid = await self._cursors.get(f"kf_user:{note.recipient}") or self._default
        if not open_kfid:
            raise PermanentSendError(
                f"不知道缴费人 {note.recipient} 使用的微信客服账号（open_kfid），"
                "可设置 YICHUANG_WECOM_KF_OPEN_KFID"
            )
        text = personal_text(note) if is_personal(note) else staff_text(note)
        await self._api().kf_send_text(note.recipient, open_kfid, text)


class WeComRobotSender:
    channel = "wecom_robot"

    def __init__(
        self,
        api: Callable[[], WeComApi],
        dashboard_url: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._api = api
        self._dashboard_url = dashboard_url
        self._environ = environ

    async def send(self, notification: Notification) -> None:
        note = notification
        name, _, mention = note.recipient.partition(":")
        key = robot_key(name, self._environ)
        if key is None:
            raise PermanentSendError(
                f"没有配置群机器人“{name}”的 webhook key（环境变量 {robot_env_name(name)}）"
            )
        await self._api().robot_markdown(key, robot_markdown(note, self._dashboard_url, mention))


def robot_markdown(note: Notification, dashboard_url: str | None, mention: str = "") -> str:
    lines = _lines(note)
    out = [f"**{shown(note, note.title)}**"]
    out += [f"> {line}" for line in lines]
    due = _due_line(note, lines)
    if due:
        out.append(f'> 办理时限：<font color="warning">{note.due_label}</font>')
    url = case_url(dashboard_url, note.case_number)
    if url:
        out.append(f"[查看案件]({url})")
    users = [u for u in mention.split("|") if u]
    if users:
        out.append("".join(f"<@{u}>" for u in users))
    return "\n".join(out)
