"""ConsoleSender: prints a notification the way it would be pushed to staff (demo, logs).

Title, summary with ID numbers and phones masked, due date and the action buttons as labels.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

from backend.notifications import Notification

# An 18-character resident ID (last char may be X) and an 11-digit mainland mobile number,
# not inside a longer run of digits.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_sensitive(text: str) -> str:
    """1405**********076X, 138****1427: staff pushes never carry full numbers."""
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * 10}{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def render_notification(note: Notification) -> str:
    """The push as plain text: what the console prints and what tests compare."""
    lines = [f"【{note.title}】" + (f" {note.case_number}" if note.case_number else "")]
    lines.append(f"致：{note.recipient}（{note.channel}）")
    lines += [f"  {line}" for line in mask_sensitive(note.text).splitlines() if line.strip()]
    if note.due_label:
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
