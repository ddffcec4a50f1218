"""When an ensemble does what the record did: the week of each event pattern's first occurrence, model beside null model.

A backtest's skill over the null model can only come from timing, since the
null model sends each kind as often as the model does (docs/ODD.md 8c). This
figure shows where it does: one row per event pattern of the scenario, its
historical window shaded, and the spread of the week the event first
happened in each run, for the model and for the null model. Data in
(``runs.parquet``'s ``first.<pattern>`` columns), figure out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from summitry.sim.labels import in_unit

ENSEMBLE_COLOURS = {"model": "#1f6f8b", "null": "#9a9a9a"}
WINDOW_COLOUR = "rgba(181, 83, 47, 0.18)"


def timed_patterns(runs: pd.DataFrame, patterns: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The event patterns a timing figure can show: not a state, not "must not happen", with a first week in some run.

    >>> runs = pd.DataFrame({"model": ["model", "null"], "first.a": [3.0, None], "first.b": [None, None]})
    >>> [p["id"] for p in timed_patterns(runs, [{"id": "a", "window": [2, 4]}, {"id": "b", "window": [0, 1]}])]
    ['a']
    """
    out = []
    for p in patterns:
        col = f"first.{p['id']}"
        if p.get("state") or p.get("absent") or col not in runs.columns:
            continue
        if runs.loc[runs["model"].isin(list(ENSEMBLE_COLOURS)), col].notna().any():
            out.append(p)
    return out


def pattern_timing_figure(runs: pd.DataFrame, patterns: Sequence[Mapping[str, Any]], unit: str | None = None) -> go.Figure:
    """Horizontal box plots of each timed pattern's first week, model and null model side by side, windows shaded.

    ``runs`` holds one row per run with a ``model`` column (``model``, ``null``,
    baselines; only the first two are drawn) and ``first.<id>`` columns;
    ``patterns`` are the stored pattern definitions (``id``, ``text``,
    ``window``). The row label gives each ensemble's share of runs in which
    the event happened at all.
    """
    rows = timed_patterns(runs, patterns)
    labels = []
    fig = go.Figure()
    for name, colour in ENSEMBLE_COLOURS.items():
        part = runs[runs["model"] == name]
        xs: list[float] = []
        ys: list[str] = []
        for p in rows:
            weeks = part[f"first.{p['id']}"].dropna().to_numpy(dtype=float)
            xs.extend(weeks.tolist())
            ys.extend([p["id"]] * weeks.size)
        fig.add_trace(
            go.Box(
                x=xs,
                y=ys,
                name="model" if name == "model" else "null model",
                orientation="h",
                marker_color=colour,
                boxpoints=False,
                hovertemplate="%{y}: week %{x}<extra>" + name + "</extra>",
            )
        )
    for i, p in enumerate(rows):
        col = f"first.{p['id']}"
        shares = [
            float(runs.loc[runs["model"] == n, col].notna().mean()) if (runs["model"] == n).any() else np.nan for n in ENSEMBLE_COLOURS
        ]
        labels.append(f"{p['id']}<br><span style='font-size:10px'>in {shares[0]:.0%} / {shares[1]:.0%} of runs</span>")
        lo, hi = p["window"]
        fig.add_shape(
            type="rect",
            xref="x",
            yref="y",
            x0=lo - 0.5,
            x1=hi + 0.5,
            y0=i - 0.45,
            y1=i + 0.45,
            fillcolor=WINDOW_COLOUR,
            line_width=0,
            layer="below",
        )
    fig.update_layout(
        boxmode="group",
        height=max(240, 70 * len(rows) + 110),
        xaxis_title=in_unit("week", unit) + " of the first occurrence",
        yaxis={
            "categoryorder": "array",
            "categoryarray": [p["id"] for p in rows],
            "tickvals": [p["id"] for p in rows],
            "ticktext": labels,
            "autorange": "reversed",
        },
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"l": 150, "r": 20, "t": 40, "b": 50},
        plot_bgcolor="white",
    )
    fig.update_xaxes(gridcolor="#e5e5e5", zeroline=False)
    return fig
