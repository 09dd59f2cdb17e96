"""The SVG charts: bars in proportion, labels escaped, an empty chart says so."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from bot.desk.charts import bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_are_in_proportion_and_labels_escaped() -> None:
    markup = str(bar_chart([("<script>x</script>", 10), ("县人社局", 5)], title="按单位"))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    root = ElementTree.fromstring(markup)  # well-formed XML
    widths = [float(r.get("width") or 0) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1] > 0
    assert root.get("aria-label") == "按单位"


def test_rates_are_percentages_of_the_full_width() -> None:
    markup = str(bar_chart([("甲", 1.0), ("乙", 0.25)], title="按时办结率", percent=True))
    assert "100%" in markup and "25%" in markup
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', markup)]
    assert widths[0] == 4 * widths[1]


def test_columns_and_empty_charts() -> None:
    root = ElementTree.fromstring(str(column_chart([("2026-01", 3), ("2026-02", 0)], title="月")))
    heights = [float(r.get("height") or 0) for r in root.iter(f"{SVG}rect")]
    assert heights[0] > 0 and heights[1] == 0
    assert "暂无数据" in str(bar_chart([], title="空"))
