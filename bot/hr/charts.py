"""Charts as server-rendered SVG (pygal), loading nothing from another host: pygal's
default tooltip script points at a CDN, so ``js`` is empty, and the inline configuration
script pygal still writes is dropped (the desk runs no script; its CSP forbids them).
Each chart is paired with a table on the page, its text alternative."""

from __future__ import annotations

from collections.abc import Sequence

from xml.etree import ElementTree

import pygal
import pygal.graph.graph
from pygal.style import Style

from bot.model.i18n import t

STYLE = Style(background="white", plot_background="white", font_family="Noto Sans CJK JP, sans-serif",
              colors=("#1a5fb4", "#c64600", "#26a269", "#a51d2d", "#613583", "#986a44", "#5e5c64", "#e5a50a"))


LEGEND_LINE = 22  # px per legend entry: one entry a line below the plot, never cut short


def _config(title: str, locale: str, entries: int) -> dict[str, object]:
    """Legends one per line under the chart, in full (pygal's estimate of a text's width
    is too small for Japanese, so side-by-side entries overlap); "no data" in ``locale``."""
    return {"js": [], "disable_xml_declaration": True, "title": title, "style": STYLE, "width": 760,
            "height": 300 + LEGEND_LINE * entries, "explicit_size": True, "legend_at_bottom": True,
            "legend_at_bottom_columns": 1, "truncate_legend": -1, "print_values": False,
            "no_data_text": t(locale, "hr.insights.chart_no_data")}


def _svg(chart: pygal.graph.graph.Graph) -> str:
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return ElementTree.tostring(tree, encoding="unicode")


def stacked_bars(title: str, x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
                 locale: str = "en") -> str:
    chart = pygal.StackedBar(**_config(title, locale, len(series)))
    chart.x_labels = list(x_labels)
    for name, values in series:
        chart.add(name, list(values))
    return _svg(chart)


def bars(title: str, x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
         locale: str = "en") -> str:
    chart = pygal.Bar(**_config(title, locale, len(series)))
    chart.x_labels = list(x_labels)
    for name, values in series:
        chart.add(name, list(values))
    return _svg(chart)
