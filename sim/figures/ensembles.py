"""Many runs at once: the shares of outcomes with their Wilson intervals, and fan charts of a variable's quantiles by week."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from summitry.sim.figures.common import OUTCOME_COLOURS, OUTCOME_LABELS, _layout, _rgba, time_axis_title, whole_step_ticks
from summitry.sim.labels import counted, unit_word
from summitry.sim.results.run_result import OUTCOMES, RunResult
from summitry.sim.results.runview import THIRD_PARTIES, THIRD_PARTY_COLOUR, WORLD_COLOUR, run_view, side_colours, step_unit
from summitry.sim.stats import wilson

# ------------------------------------------------------------------- ensembles


def _outcome_of(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        return str(item["outcome"])
    return str(item.manifest["outcome"])


def outcome_figure(results: Sequence[Any] | Mapping[str, int], title: str | None = None) -> go.Figure:
    """Outcome probabilities over an ensemble, with Wilson 95% intervals.

    Args:
        results: RunResults, outcome strings, dicts with an ``"outcome"`` key,
            or a mapping outcome -> count.

    Bars are in :data:`OUTCOME_COLOURS`; ``customdata`` holds [count, low, high].
    """
    if isinstance(results, Mapping):
        counts = {k: int(v) for k, v in results.items()}
    else:
        counts = {}
        for r in results:
            o = _outcome_of(r)
            counts[o] = counts.get(o, 0) + 1
    n = sum(counts.values())
    names = [o for o in OUTCOMES if o in counts or o in ("walk_away", "declaration", "stalemate")] + [
        o for o in counts if o not in OUTCOMES
    ]
    p = [counts.get(o, 0) / n if n else 0.0 for o in names]
    ci = [wilson(counts.get(o, 0), n)[1:] for o in names]
    fig = go.Figure(
        go.Bar(
            y=[f"{OUTCOME_LABELS.get(o, o)} · {q:.0%}" for o, q in zip(names, p, strict=True)],
            x=p,
            orientation="h",
            marker={"color": [OUTCOME_COLOURS.get(o, "#888") for o in names]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [hi - q for q, (_, hi) in zip(p, ci, strict=True)],
                "arrayminus": [q - lo for q, (lo, _) in zip(p, ci, strict=True)],
                "color": "#333",
                "thickness": 1.2,
                "width": 4,
            },
            customdata=[[counts.get(o, 0), lo, hi] for o, (lo, hi) in zip(names, ci, strict=True)],
            hovertemplate="%{y}: %{x:.1%} (%{customdata[0]} runs)<br>95% CI %{customdata[1]:.1%} – %{customdata[2]:.1%}<extra></extra>",
            meta=names,
        )
    )
    _layout(fig, title or f"Outcomes of {counted(n, 'run')} (95% Wilson intervals)", legend=False)
    fig.update_xaxes(range=[0, 1.08], tickformat=".0%", title_text="share of runs")
    fig.update_yaxes(autorange="reversed", automargin=True, title_text="outcome")
    fig.update_layout(margin={"l": 10, "r": 20, "t": 34, "b": 30})
    return fig


def carry_forward(rows: Sequence[np.ndarray]) -> np.ndarray:
    """Stack runs of unequal length, each continued at its last value (a finished run stays where it ended)."""
    T = max((len(r) for r in rows), default=0)
    out = np.full((len(rows), T), np.nan)
    for i, r in enumerate(rows):
        r = np.asarray(r, dtype=float)
        if r.size:
            out[i, : r.size] = r
            out[i, r.size :] = r[-1]
    return out


def fan_chart_matrix(
    values: np.ndarray,
    title: str,
    colour: str = "#1f77b4",
    steps: Sequence[int] | None = None,
    y_title: str | None = None,
    unit: str | None = None,
) -> go.Figure:
    """Median with 50% and 90% bands of a (runs x steps) matrix.

    Traces, in order: the 90% band (two traces: 5th then 95th percentile),
    the 50% band (25th, 75th) and the median (``data[4]``).
    """
    return fans_figure([("median", colour, values)], title, steps=steps, y_title=y_title, unit=unit)


def fans_figure(
    bands: Sequence[tuple[str, str, np.ndarray]],
    title: str,
    steps: Sequence[int] | None = None,
    y_title: str | None = None,
    unit: str | None = None,
) -> go.Figure:
    """Several fan charts overlaid: for each (name, colour, runs x steps matrix), the 90% and 50% bands and the median.

    ``unit`` is the runs' step unit (``day``, ``week``, ``month``; None: a week), for the time axis.

    Each fan contributes five traces in this order: 5th, 95th (filled to the
    5th), 25th, 75th (filled) and the median, named ``name``.
    """
    fig = go.Figure()
    lo_all, hi_all = np.inf, -np.inf
    single = len(bands) == 1
    last = -1  # the last step drawn
    for name, colour, values in bands:
        values = np.asarray(values, dtype=float)
        n = values.shape[1] if values.ndim == 2 else 0
        x = list(steps)[:n] if steps is not None else list(range(n))
        last = max([last, *(int(s) for s in x)])
        q = np.nanpercentile(values, [5, 25, 50, 75, 95], axis=0) if values.size else np.zeros((5, 0))
        if values.size:
            lo_all, hi_all = min(lo_all, float(np.nanmin(values))), max(hi_all, float(np.nanmax(values)))
        for lo, hi, alpha, band in ((q[0], q[4], 0.13, "90%"), (q[1], q[3], 0.28, "50%")):
            label = f"{band} of runs" if single else f"{name}: {band} of runs"
            fig.add_trace(
                go.Scatter(x=x, y=lo.tolist(), mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip", legendgroup=name)
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=hi.tolist(),
                    mode="lines",
                    line={"width": 0},
                    fill="tonexty",
                    fillcolor=_rgba(colour, alpha),
                    name=label,
                    hoverinfo="skip",
                    legendgroup=name,
                    showlegend=single,
                )
            )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=q[2].tolist(),
                mode="lines",
                name=name,
                legendgroup=name,
                line={"color": colour, "width": 2.4},
                hovertemplate=f"{unit_word(unit)} %{{x}}<br>{name}: median %{{y:.2f}}<extra></extra>",
            )
        )
    _layout(fig, title)
    unit_interval = lo_all >= 0 and hi_all <= 1
    fig.update_yaxes(title_text=y_title, range=[0, 1] if unit_interval else None)
    fig.update_xaxes(title_text=time_axis_title(unit), **(whole_step_ticks(last) if last >= 0 else {}))
    # the legend under the time axis's title, not over it
    fig.update_layout(legend={"y": -0.3}, margin={"b": 64})
    return fig


def fan_chart(results: Sequence[RunResult], variable: str, agent: str, title: str | None = None) -> go.Figure:
    """Median and 50%/90% bands of ``variable`` of ``agent`` across an ensemble of RunResults.

    Runs that ended early (an agreement, an escalation) are continued at their
    last value. Coloured by the agent's side (or the side itself, or grey).
    """
    rows = [run_view(r).series(variable, agent) for r in results]
    matrix = carry_forward(rows)
    colour = THIRD_PARTY_COLOUR
    if results:
        colours = side_colours(results[0])
        side = run_view(results[0]).side_of(agent)
        colour = colours.get(agent) or colours.get(side or THIRD_PARTIES, THIRD_PARTY_COLOUR)
        if agent == "world":
            colour = WORLD_COLOUR
    name = title or f"{variable} of {agent}: median, 50% and 90% of {counted(len(rows), 'run')}"
    return fan_chart_matrix(matrix, name, colour, unit=step_unit(results[0]) if results else None)
