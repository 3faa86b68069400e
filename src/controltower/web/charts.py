"""Charts, built on the server with plotly and drawn in the browser by plotly's own JS.

The JavaScript comes from the installed ``plotly`` package (never a CDN), served by the
app under a versioned path so browsers may cache it for a year: the app works offline.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Final

import plotly
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from controltower.api.labels import EXCEPTION_TYPE_LABELS, SEVERITY_LABELS
from controltower.domain.cases import ExceptionType, Severity

#: where the pages load plotly.js from; the version in the name makes long caching safe
PLOTLY_JS_PATH: Final = f"/static/vendor/plotly-{plotly.__version__}.min.js"

#: the severity colours of the stylesheet (app.css), so chart and badges agree
SEVERITY_COLOURS: Final[dict[Severity, str]] = {
    Severity.CRITICAL: "#7f1d1d",
    Severity.HIGH: "#c2410c",
    Severity.MEDIUM: "#d4a017",
    Severity.LOW: "#94a3b8",
}

#: drawing order: the worst at the left of each bar, so it catches the eye first
_STACK_ORDER: Final = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)

#: the columns of the chart's table, worst first (the chart's stacking order)
CHART_SEVERITIES: Final = _STACK_ORDER

#: plotly's options for every chart: no toolbar, and redrawn to fit its box
_CHART_CONFIG: Final = json.dumps({"displayModeBar": False, "responsive": True})

_FONT: Final = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'


@cache
def plotly_js() -> bytes:
    """plotly.js exactly as the installed package ships it."""
    script: str = get_plotlyjs()
    return script.encode("utf-8")


#: a ``<style>`` text plotly.js writes as it loads (maplibre's, for map traces)
_STYLE_TEXT: Final = re.compile(r"""\.textContent='([^'\\]*)'""")


@cache
def plotly_inline_styles() -> tuple[str, ...]:
    """The ``<style>`` texts plotly.js writes into the page, for a Content-Security-Policy
    that allows exactly these: the empty element whose rules it then adds through the
    CSSOM, and the stylesheet its bundled maplibre writes whole."""
    return ("", *dict.fromkeys(_STYLE_TEXT.findall(get_plotlyjs())))


@cache
def plotly_js_gzipped() -> bytes:
    """plotly.js compressed once (about a third of its size), for browsers that accept it."""
    return gzip.compress(plotly_js(), compresslevel=6, mtime=0)


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One bar of the chart as a row of its table: a type, its cases per severity (in
    :data:`CHART_SEVERITIES` order) and in all."""

    label: str
    counts: tuple[int, ...]
    total: int


def exceptions_by_type_rows(counts: Mapping[tuple[ExceptionType, Severity], int]) -> list[ChartRow]:
    """The numbers of :func:`exceptions_by_type_figure` as a table, the text alternative
    of the chart: one row per type with cases, the most first (the chart's top bar)."""
    per_type: Counter[ExceptionType] = Counter()
    for (type_, _), count in counts.items():
        per_type[type_] += count
    types = sorted(
        (t for t in per_type if per_type[t]), key=lambda t: (-per_type[t], EXCEPTION_TYPE_LABELS[t])
    )
    return [
        ChartRow(
            label=EXCEPTION_TYPE_LABELS[t],
            counts=tuple(counts.get((t, severity), 0) for severity in CHART_SEVERITIES),
            total=per_type[t],
        )
        for t in types
    ]


def exceptions_by_type_figure(
    counts: Mapping[tuple[ExceptionType, Severity], int],
) -> go.Figure | None:
    """Active exceptions per type as horizontal bars split by severity (None when none).

    ``counts`` is how many active cases each (type, severity) has, as the database
    counts them. Types with the most cases come first (at the top); each bar is stacked
    critical to low, in the badge colours.
    """
    counts = {key: n for key, n in counts.items() if n}
    if not counts:
        return None
    per_type: Counter[ExceptionType] = Counter()
    for (type_, _), count in counts.items():
        per_type[type_] += count
    # Most first; plotly draws the first category at the bottom, hence the reversal.
    types = sorted(per_type, key=lambda t: (-per_type[t], EXCEPTION_TYPE_LABELS[t]))[::-1]
    labels = [EXCEPTION_TYPE_LABELS[t] for t in types]
    figure = go.Figure()
    for severity in _STACK_ORDER:
        values = [counts.get((t, severity), 0) for t in types]
        if not any(values):
            continue
        figure.add_trace(
            go.Bar(
                name=SEVERITY_LABELS[severity],
                y=labels,
                x=values,
                orientation="h",
                marker_color=SEVERITY_COLOURS[severity],
                hovertemplate="%{y}: %{x} " + SEVERITY_LABELS[severity].lower() + "<extra></extra>",
            )
        )
    figure.update_layout(
        template="none",
        barmode="stack",
        height=90 + 30 * len(types),
        margin={"l": 10, "r": 20, "t": 40, "b": 30},
        font={"family": _FONT, "size": 13, "color": "#1d2733"},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
        xaxis={"title": None, "dtick": _tick_step(max(per_type.values())), "gridcolor": "#e5e9ef"},
        yaxis={"automargin": True, "ticksuffix": "  "},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        bargap=0.25,
    )
    return figure


def figure_html(figure: go.Figure, element_id: str) -> str:
    """The figure as a ``<div>`` holding it as JSON, which the packaged ``charts.js``
    draws with plotly.js: no inline script, so the pages' Content-Security-Policy need
    not allow any (see ``api/security_headers.py``)."""
    figure_json: str = figure.to_json()
    return (
        f'<div id="{escape(element_id)}" class="plotly-graph-div" '
        f'data-figure="{escape(figure_json)}" data-config="{escape(_CHART_CONFIG)}"></div>'
    )


def _tick_step(largest: int) -> int:
    """Whole-number ticks, about five of them: counts of cases are never fractions."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if largest / step <= 6:
            return step
    return max(1, largest // 5)
