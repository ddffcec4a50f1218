"""What every figure shares: the colours, the small template, the week axis with its step marker and veil.

The marker of the current step is always ``layout.shapes[0]`` and the veil over the weeks after
``until`` is ``layout.shapes[1]`` (:func:`_step_marker`, :func:`_curtain`): the dashboard's per-step
``Patch`` updates rely on both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go

from summitry.sim.labels import OUTCOME_LABELS as _OUTCOME_IDS
from summitry.sim.labels import in_unit, outcome_label
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.runview import date_of, run_view, short_name, step_unit

#: Dove (0) to hawk (1); deliberately neither side's blue nor red.
STANCE_COLOURSCALE: list[list[Any]] = [[0.0, "#1b9e77"], [0.5, "#f2e394"], [1.0, "#d95f02"]]
#: Above this many nodes the network is drawn with WebGL (Scattergl).
GL_THRESHOLD = 300
#: Arrows drawn as annotations at most; more signals in a week are drawn as plain segments.
MAX_ARROWS = 120
OUTCOME_LABELS = {k: outcome_label(k, capital=True) for k in _OUTCOME_IDS}
"""Outcome -> label, from the label table the reports share (sim/labels.py)."""
WEEK_AXIS = "week (one step of the run)"
"""Title of every time axis of a weekly run (:func:`time_axis_title` says it in another run's unit)."""
FUTURE_LEGEND = "faded: weeks not yet reached"
OUTCOME_COLOURS = {
    "agreement_comprehensive": "#4d9221",
    "agreement_interim": "#a1d76a",
    "declaration": "#2a9d8f",
    "walk_away": "#e76f51",
    "escalation": "#8c1d18",
    "stalemate": "#9e9e9e",
}
_SIGNAL_COLOURS = {"conciliatory": "#1b9e77", "hostile": "#d95f02", "neutral": "#666666"}
_PRESSURE_DASH = {"pressure_economic": "solid", "pressure_domestic": "dash", "pressure_military": "dot"}
_PRESSURE_LABEL = {"pressure_economic": "economic", "pressure_domestic": "domestic", "pressure_military": "military"}
_EXTRA_DASH = ("dot", "dashdot", "longdash", "longdashdot")
_FONT = {"family": "Inter, 'Segoe UI', Helvetica, Arial, sans-serif", "size": 12, "color": "#222"}
_AXIS = {"gridcolor": "#eceef1", "linecolor": "#c8ccd2", "zerolinecolor": "#dfe2e6", "ticks": "", "showline": True, "automargin": True}
#: A small template (plotly's own templates add ~7 kB to every figure sent to the browser).
TEMPLATE = go.layout.Template(
    layout={
        "font": _FONT,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "hoverlabel": {"font": {"size": 12}},
        "colorway": ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"],
    }
)


# --------------------------------------------------------------------- helpers
def _layout(fig: go.Figure, title: str | None, height: int = 300, legend: bool = True, **kw: Any) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top", "font": {"size": 14}} if title else None,
        height=height,
        margin={"l": 48, "r": 12, "t": 34 if title else 10, "b": 36},
        font=_FONT,
        showlegend=legend,
        legend={"orientation": "h", "y": -0.18, "x": 0, "yanchor": "top", "font": {"size": 11}},
        hovermode="closest",
        uirevision="keep",
        **kw,
    )
    return fig


def _step_marker(step: int | None) -> dict[str, Any]:
    """The current-step marker; always ``layout.shapes[0]`` (visible only with a step)."""
    x = 0 if step is None else int(step)
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": "rgba(0,0,0,0.45)", "width": 1.5},
        "visible": step is not None,
        "layer": "above",
    }


def _fork_marker(compare: RunResult | None) -> list[dict[str, Any]]:
    fork = (compare.manifest.get("fork") or {}) if compare is not None else {}
    if "at_step" not in fork:
        return []
    x = int(fork["at_step"])
    return [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": x,
            "x1": x,
            "y0": 0,
            "y1": 1,
            "line": {"color": "rgba(0,0,0,0.35)", "width": 1, "dash": "dot"},
        }
    ]


def _curtain(until: int | None, last: int) -> dict[str, Any]:
    """``layout.shapes[1]``: a veil over the weeks after ``until`` (what has not happened yet); hidden for None."""
    x = 0 if until is None else int(until)
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": last + 0.5,
        "y0": 0,
        "y1": 1,
        "fillcolor": "rgba(255,255,255,0.82)",
        "line": {"width": 0},
        "layer": "above",
        "visible": until is not None,
    }


def _last_step(result: RunResult, compare: RunResult | None = None) -> int:
    last = run_view(result).last_step
    return max(last, run_view(compare).last_step) if compare is not None else last


def _week_axis(fig: go.Figure, result: RunResult, compare: RunResult | None = None) -> None:
    """The time axis of a run's figure: its title and range in the run's unit, and that unit in the traces' hover texts."""
    view = run_view(result)
    last = view.last_step
    if compare is not None:
        last = max(last, run_view(compare).last_step)
    unit = step_unit(result)
    fig.update_xaxes(
        title_text=time_axis_title(unit),
        title_standoff=4,
        range=[-0.5, last + 0.5],
        zeroline=False,
        ticks="outside",
        ticklen=3,
        **whole_step_ticks(last),
    )
    # the legend below the axis's title (at the default -0.18 the title was drawn over its first entries)
    fig.update_layout(legend={"y": -0.3}, margin={"b": 64})
    if unit not in (None, "week"):
        # the hover texts were written for a weekly run ("week %{x}"): say the step in the run's unit
        for trace in fig.data:
            if isinstance(getattr(trace, "hovertemplate", None), str):
                trace.hovertemplate = in_unit(trace.hovertemplate, unit)


FEW_STEPS = 10
"""A time axis whose last step is below this is given a tick at each step (:func:`whole_step_ticks`)."""


def whole_step_ticks(last: int) -> dict[str, Any]:
    """The tick settings of a time axis from step 0 to ``last``: a tick at each whole step of a short run.

    Left to Plotly, an axis of a few steps is ticked at half steps and beyond its ends (a one-step run's axis,
    from -0.5 to 0.5, showed -0.5, 0 and 0.5). From :data:`FEW_STEPS` steps on, Plotly's own ticks are whole steps
    from 0 (it sets at most ten over the axis, a step or more apart, at multiples of their spacing).

    >>> whole_step_ticks(0), whole_step_ticks(2)
    ({'tickmode': 'array', 'tickvals': [0]}, {'tickmode': 'array', 'tickvals': [0, 1, 2]})
    >>> whole_step_ticks(FEW_STEPS)
    {}
    """
    if last >= FEW_STEPS:
        return {}
    return {"tickmode": "array", "tickvals": list(range(max(int(last), 0) + 1))}


def time_axis_title(unit: str | None) -> str:
    """The time axis's title in the run's unit.

    >>> time_axis_title("day"), time_axis_title(None)
    ('day (one step of the run)', 'week (one step of the run)')
    """
    return in_unit(WEEK_AXIS, unit)


def _future_key(fig: go.Figure, until: int | None, unit: str | None = None) -> None:
    """A legend entry for the veil over the steps not yet reached (only when the figure is veiled)."""
    if until is None:
        return
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=in_unit(FUTURE_LEGEND, unit),
            marker={"symbol": "square", "size": 11, "color": "rgba(200,205,212,0.35)", "line": {"color": "#c8ccd2", "width": 1}},
            hoverinfo="skip",
            meta=["future", "", -1],
        )
    )


def _dates(result: RunResult, steps: Iterable[int]) -> list[str]:
    return [date_of(result, int(s)) for s in steps]


def is_group(node: str) -> bool:
    """Whether ``node`` names a group of factions (``side:role``; actor ids cannot hold a colon)."""
    return ":" in node


def _side_of(view: Any, actor: str) -> str | None:
    return actor.split(":", 1)[0] if is_group(actor) else view.side_of(actor)


def _side_label(view: Any, side: str) -> str:
    return short_name(view.side_names.get(side, side), 18)


def _legend_key(name: str, colour: str, dash: str) -> go.Scatter:
    return go.Scatter(x=[None], y=[None], mode="lines", name=name, line={"color": colour, "dash": dash, "width": 2}, hoverinfo="skip")


def _tint(hex_colour: str, amount: float) -> str:
    """``hex_colour`` mixed with white: amount 1 is the colour, 0 white."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    mix = [round(255 - (255 - c) * amount) for c in (r, g, b)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
