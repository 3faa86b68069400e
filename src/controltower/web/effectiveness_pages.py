"""The alert-effectiveness page: which rules raise work people do, and which are noise.

It shows what ``GET /api/alert-effectiveness`` returns: per exception type (or per type
and owning team, the routing rule), how the cases opened in the period ended up (acted
on, cleared by itself, ignored, not yet due), the noisiest first, as a stacked bar chart
and the same numbers in a table. A rule whose cases mostly clear by themselves or sit
untouched past their target is the one to tune in the policy.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final
from urllib.parse import urlencode

import plotly.graph_objects as go
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from controltower.api.auth import Authenticated, require_on_page
from controltower.api.deps import SessionDep
from controltower.api.labels import EXCEPTION_TYPE_LABELS
from controltower.api.routes.effectiveness import (
    EffectivenessRowPublic,
    Grouping,
    PeriodError,
    effectiveness,
    period_of,
)
from controltower.api.scope import require_scan
from controltower.domain.cases import ExceptionType
from controltower.domain.people import Permission
from controltower.web.assets import TEMPLATES
from controltower.web.charts import figure_html
from controltower.web.page_support import (
    QueryReading,
    blank_is_none,
    company_query,
    list_status,
    scope_or_notice,
)

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Authenticated, Depends(require_on_page(Permission.VIEW))]

#: the outcomes drawn, in stacking order, with their colours (acted on in green: good)
_OUTCOMES: Final = (
    ("acted_on", "Acted on", "#2f855a"),
    ("cleared_by_itself", "Cleared by itself", "#94a3b8"),
    ("ignored", "Ignored past its target", "#c2410c"),
    ("pending", "Not yet due", "#d9dee5"),
)

_FONT: Final = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'


def rule_label(row: EffectivenessRowPublic) -> str:
    """A row's rule in words: the type, and the team it was routed to on a per-rule row."""
    label = EXCEPTION_TYPE_LABELS[ExceptionType(row.type)]
    return f"{label} → {row.owner}" if row.owner else label


def outcomes_figure(rows: list[EffectivenessRowPublic]) -> go.Figure | None:
    """One horizontal bar per rule, split by outcome, the noisiest at the top."""
    if not rows:
        return None
    shown = rows[::-1]  # plotly draws the first category at the bottom
    labels = [rule_label(row) for row in shown]
    figure = go.Figure()
    for field, name, colour in _OUTCOMES:
        values = [getattr(row, field) for row in shown]
        if not any(values):
            continue
        figure.add_trace(
            go.Bar(
                name=name,
                y=labels,
                x=values,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{y}: %{x} " + name.lower() + "<extra></extra>",
            )
        )
    figure.update_layout(
        template="none",
        barmode="stack",
        height=90 + 30 * len(rows),
        margin={"l": 10, "r": 20, "t": 40, "b": 30},
        font={"family": _FONT, "size": 13, "color": "#1d2733"},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
        xaxis={"title": None, "gridcolor": "#e5e9ef", "rangemode": "tozero"},
        yaxis={"automargin": True, "ticksuffix": "  "},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        bargap=0.25,
    )
    return figure


def _read_date(reading: QueryReading, value: str | None, parameter: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        reading.problem(
            parameter,
            f"“{text[:40]}” is not a day; write it as YYYY-MM-DD (for example 2026-11-25). "
            "Showing the last 30 days instead.",
        )
        return None


@router.get("/exceptions/effectiveness", response_class=HTMLResponse)
def effectiveness_page(
    request: Request,
    session: SessionDep,
    visitor: Viewer,
    company: str | None = None,
    to: str | None = None,
    by: str | None = None,
) -> HTMLResponse:
    """Per rule, were its cases acted on, cleared by themselves or ignored?

    ``from`` is read from the query itself (a Python keyword cannot name a parameter)."""
    company = blank_is_none(company)
    scope = scope_or_notice(request, session, company, "exceptions", visitor.principal)
    if isinstance(scope, HTMLResponse):
        return scope
    reading = QueryReading()
    first = _read_date(reading, request.query_params.get("from"), "from")
    last = _read_date(reading, to, "to")
    grouping = reading.choice(Grouping, blank_is_none(by), "grouping", parameter="by")
    judged_at = require_scan(scope).scanned_at
    try:
        period = period_of(first, last, judged_at)
    except PeriodError as error:
        reading.problem("from", f"{error}. Showing the last 30 days instead.")
        period = period_of(None, None, judged_at)
    chosen = grouping or Grouping.TYPE
    answer = effectiveness(session, scope, period, chosen)
    figure = outcomes_figure(answer.rows)
    query = company_query(company)
    return TEMPLATES.TemplateResponse(
        request,
        "effectiveness.html",
        {
            "nav": "exceptions",
            "answer": answer,
            "rows": [(rule_label(row), row) for row in answer.rows],
            "by_owner": chosen is Grouping.OWNER,
            "chart": figure_html(figure, "chart-effectiveness") if figure else None,
            "needs_chart": figure is not None,
            "problems": reading.problems,
            "company": company,
            "query": urlencode(query),
        },
        status_code=list_status(reading),
    )
