"""Kaplan–Meier curves as a Plotly figure: data → figure, shared by the reports and the dashboard's ensemble tab.

The figure has two rows: the step curves S(t) with their shaded 95% bands
(line shape ``hv``: S holds its value until the next week at which a run
ends), and under them the number of runs at risk at evenly spaced weeks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from summitry.sim.analysis.survival import SurvivalTable
from summitry.sim.labels import in_unit, unit_word

CURVE_COLOURS = ("#1f6f8b", "#b5532f", "#5b8c3a", "#7a4f9a")

SURVIVAL_CURVES = {
    "agreement": (
        "Time to agreement (Kaplan–Meier)",
        "week of the run",
        "S(t): no agreement yet",
        "S(t): the share of runs still without an agreement after week t; runs that end without one are censored at their last week. "
        "The shaded band is a pointwise 95% interval (log(−log) Greenwood); the row below gives the runs still at risk.",
    ),
    "moratorium": (
        "Moratorium survival (Kaplan–Meier)",
        "weeks since the first pledge",
        "S(t): no test yet",
        "S(t): the share of moratorium pledges not yet followed by a test by the pledged side t weeks after the first pledge; "
        "pledges still standing when the run ends are censored; runs without a pledge are left out. "
        "The shaded band is a pointwise 95% interval (log(−log) Greenwood); the row below gives the runs still at risk.",
    ),
}
"""Per curve: title, x-axis title (weeks), y-axis title, caption; :func:`survival_curves` says them in a run's unit."""


def survival_curves(unit: str | None = None) -> dict[str, tuple[str, str, str, str]]:
    """:data:`SURVIVAL_CURVES` with the steps they count in the runs' unit.

    >>> survival_curves("day")["agreement"][1], survival_curves("month")["moratorium"][1]
    ('day of the run', 'months since the first pledge')
    """
    out: dict[str, tuple[str, str, str, str]] = {}
    for key, (title, x_title, y_title, caption) in SURVIVAL_CURVES.items():
        out[key] = (in_unit(title, unit), in_unit(x_title, unit), in_unit(y_title, unit), in_unit(caption, unit))
    return out


def _fill(colour: str, alpha: float = 0.18) -> str:
    c = colour.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def risk_weeks(tables: Sequence[SurvivalTable], count: int = 6) -> list[int]:
    """Whole weeks, evenly spaced from 0 to the last week of any curve, at which the number at risk is printed."""
    last = max((float(t.week[-1]) for t in tables if t.week.size), default=0.0)
    return sorted({round(w) for w in np.linspace(0.0, last, count)})


def survival_figure(
    curves: Sequence[tuple[str, SurvivalTable]],
    title: str,
    x_title: str = "week",
    y_title: str = "share of runs still without the event",
    height: int = 360,
    unit: str | None = None,
) -> go.Figure:
    """Kaplan–Meier step curves, each with its pointwise band, and the number at risk under them.

    Args:
        curves: (label, table) pairs; a table without runs is drawn as a note.
        title: the figure's title.
        x_title: the time axis's title, with its unit (weeks).
        y_title: what S(t) is the share of.
        unit: the runs' step unit (None: a week), for the hover texts.

    The step trace of each curve is named by its label and has
    ``meta="km"``; its ``customdata`` rows are [at risk, low, high].
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.8, 0.2], vertical_spacing=0.1)
    tables = [t for _, t in curves]
    ticks = risk_weeks(tables)
    labels: list[str] = []
    for i, (label, t) in enumerate(curves):
        colour = CURVE_COLOURS[i % len(CURVE_COLOURS)]
        name = f"{label} (n = {t.n}, {t.n_events} events)"
        if t.n == 0:
            continue
        labels.append(label)
        x = t.week.tolist()
        fig.add_trace(
            go.Scatter(x=x, y=t.high.tolist(), mode="lines", line={"width": 0, "shape": "hv"}, hoverinfo="skip", showlegend=False),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=t.low.tolist(),
                mode="lines",
                line={"width": 0, "shape": "hv"},
                fill="tonexty",
                fillcolor=_fill(colour),
                hoverinfo="skip",
                name=f"{label}: {round(100 * t.confidence)}% band",
                showlegend=False,
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=t.survival.tolist(),
                mode="lines",
                line={"color": colour, "width": 2, "shape": "hv"},
                name=name,
                meta="km",
                customdata=np.column_stack([t.at_risk, t.low, t.high]).tolist(),
                hovertemplate=(
                    f"{label}<br>{unit_word(unit)} %{{x}}: S = %{{y:.3f}}"
                    f"<br>{round(100 * t.confidence)}% band %{{customdata[1]:.3f}} – %{{customdata[2]:.3f}}"
                    "<br>%{customdata[0]} runs at risk<extra></extra>"
                ),
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=ticks,
                y=[label] * len(ticks),
                mode="text",
                text=[str(t.at_risk_at(w)) for w in ticks],
                textfont={"color": colour, "size": 11},
                hoverinfo="skip",
                showlegend=False,
                meta="at_risk",
            ),
            row=2,
            col=1,
        )
    if not labels:
        fig.add_annotation(text="no runs to estimate from", showarrow=False, x=0.5, y=0.6, xref="paper", yref="paper")
    fig.update_layout(
        # the title on the top line and the legend on its own line under it: side by side they overlapped in a
        # narrow card (the ensemble tab's)
        title={"text": title, "x": 0.01, "y": 0.985, "yanchor": "top", "font": {"size": 14}},
        height=height,
        margin={"l": 60, "r": 20, "t": 62, "b": 40},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        plot_bgcolor="white",
        showlegend=True,
    )
    fig.update_yaxes(range=[0, 1.03], tickformat=".0%", title_text=y_title, gridcolor="#eee", row=1, col=1)
    fig.update_yaxes(title_text="at risk", autorange="reversed", type="category", row=2, col=1)
    last = max(ticks[-1], 1)
    span = [-0.05 * last, 1.04 * last]  # room left of week 0 for the first at-risk number
    fig.update_xaxes(gridcolor="#eee", range=span, row=1, col=1)
    fig.update_xaxes(title_text=x_title, tickvals=ticks, range=span, row=2, col=1)
    return fig
