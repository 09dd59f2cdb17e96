"""ConsoleSender: prints a notification the way it would be pushed to staff (demo, logs).

Title, summary, due date and the action buttons as labels. Masking follows the one rule of
``backend.notifications.shown``: staff pushes masked, notices to the complainant or to the
grid worker who filed as written.
"""

from __future__ import annotations

import sys
from typing import TextIO

from backend.notifications import Notification, shown


def render_notification(note: Notification) -> str:
    """The push as plain text: what the console prints and what tests compare."""
    number = note.case_number
    title = shown(note, note.title)
    lines = [f"【{title}】" + (f" {number}" if number and number not in note.title else "")]
    lines.append(f"致：{note.recipient}（{note.channel}）")
    lines += [f"  {line}" for line in shown(note, note.text).splitlines() if line.strip()]
    if note.due_label and note.due_label not in note.text:
        lines.append(f"  办理时限：{note.due_label}")
    if note.actions:
        lines.append("  " + " ".join(f"[{label}]" for _id, label in note.actions))
    return "\n".join(lines)


class ConsoleSender:
    """Delivers by printing; never fails. ``channel`` defaults to "console"."""

    def __init__(self, out: TextIO | None = None, channel: str = "console") -> None:
        self.channel = channel
        self._out = out

    async def send(self, notification: Notification) -> None:
        out = self._out if self._out is not None else sys.stdout
        print(render_notification(notification), file=out, flush=True)
        print(file=out, flush=True)
