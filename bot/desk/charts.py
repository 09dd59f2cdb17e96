"""Charts as server-rendered SVG: no JavaScript, nothing to download, readable on a phone.

Each chart scales with the page (``viewBox``) and carries a ``<title>`` and an ``aria-label``;
the page shows the same figures as a table under it. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

#: Chart width in SVG units; the page scales it to the column (375 px phones included).
WIDTH = 360
ROW = 26
FONT = 13
LABEL_WIDTH = 126
VALUE_WIDTH = 48
COLOURS = {"normal": "#2f6fb3", "warn": "#c77800", "bad": "#c0392b", "good": "#2e8b57"}


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _clip(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    percent: bool = False,
    tone: str = "normal",
) -> Markup:
    """Horizontal bars, one per (label, value); ``percent``: values are 0–1 rates."""
    if not rows:
        return Markup('<p class="empty">暂无数据</p>')
    top = 1.0 if percent else max((v for _, v in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = ROW * len(rows) + 8
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    colour = COLOURS.get(tone, COLOURS["normal"])
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW
        width = max(0.0, min(1.0, value / top)) * span
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + ROW / 2 + FONT / 2 - 2:.0f}" '
            f'text-anchor="end" font-size="{FONT}">{escape(_clip(label, 9))}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{width:.1f}" height="{ROW - 8}" '
            f'rx="2" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + ROW / 2 + FONT / 2 - 2:.0f}" '
            f'font-size="{FONT}">{escape(_fmt(value, percent))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(rows: Sequence[tuple[str, float]], *, title: str) -> Markup:
    """Vertical columns over time (months), labels under each column."""
    if not rows:
        return Markup('<p class="empty">暂无数据</p>')
    top = max((v for _, v in rows), default=0) or 1
    height = 180
    base = height - 28
    slot = (WIDTH - 20) / len(rows)
    bar = max(4.0, min(36.0, slot * 0.6))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="10" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#999" />',
    ]
    every = max(1, len(rows) // 8)  # at most ~8 labels under the axis
    for i, (label, value) in enumerate(rows):
        x = 10 + slot * i + (slot - bar) / 2
        h = (value / top) * (base - 22)
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="{COLOURS["normal"]}"/>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" '
            f'font-size="{FONT - 2}">{escape(_fmt(value, False))}</text>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 16}" text-anchor="middle" '
                f'font-size="{FONT - 2}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
