"""Pure functions: a :class:`~sim.run.RunResult` (or several) -> a plotly Figure.

Shared by the dashboard and the reports. No function here reads anything but
its arguments, and none mutates them (a result's series index is memoised on
the result by :func:`sim.runview.run_view`, which changes no data).

Conventions the dashboard relies on for its per-step ``Patch`` updates:

* in every time-series figure, the marker of the current step is
  ``layout.shapes[0]`` (a vertical line from ``x0`` to ``x1``) and
  ``layout.shapes[1]`` veils the weeks after ``until`` (from its ``x0`` on);
* :func:`trust_heatmap` has one trace (``data[0]``, its ``z`` and ``text``);
* :func:`issue_space_figure` draws the win-sets as ``data[0]`` (a heatmap of
  categories) and the offers as ``data[1]`` (earlier) and ``data[2]`` (this step);
* :func:`network_figure` draws the nodes as the last trace and this step's
  signals as ``layout.annotations``.

Colours: one per side everywhere (:data:`~sim.runview.SIDE_COLOURS`,
the first summit side blue, the second red), third parties grey.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from sim.labels import OUTCOME_LABELS as _OUTCOME_IDS
from sim.labels import kind_label, outcome_label
from sim.run import RunResult
from sim.runview import (
    THIRD_PARTIES,
    THIRD_PARTY_COLOUR,
    WORLD_COLOUR,
    ZONE_COLOUR,
    date_of,
    offers_until,
    principals,
    run_view,
    short_name,
    side_colours,
    win_sets_at,
)
from sim.stats import wilson

__all__ = [
    "AGGREGATE_THRESHOLD",
    "GL_THRESHOLD",
    "OUTCOME_COLOURS",
    "OUTCOME_LABELS",
    "STANCE_COLOURSCALE",
    "aggregate_edges",
    "aggregate_network",
    "aggregate_nodes",
    "events_table_rows",
    "fan_chart",
    "fan_chart_matrix",
    "fans_figure",
    "group_series",
    "grouped_nodes",
    "grouped_signal_arrows",
    "is_group",
    "issue_space_figure",
    "network_annotations",
    "network_arrow_trace",
    "network_figure",
    "network_group_step_data",
    "network_node_of",
    "network_node_trace",
    "network_positions",
    "network_step_data",
    "network_title",
    "node_name",
    "outcome_figure",
    "pressure_figure",
    "signal_arrows",
    "stance_figure",
    "trust_figure",
    "trust_heatmap",
    "trust_matrix_at",
    "weighted_mean_series",
    "zone_figure",
]

#: Dove (0) to hawk (1); deliberately neither side's blue nor red.
STANCE_COLOURSCALE: list[list[Any]] = [[0.0, "#1b9e77"], [0.5, "#f2e394"], [1.0, "#d95f02"]]
#: Above this many nodes the network is drawn with WebGL (Scattergl).
GL_THRESHOLD = 300
#: Arrows drawn as annotations at most; more signals in a week are drawn as plain segments.
MAX_ARROWS = 120
OUTCOME_LABELS = {k: outcome_label(k, capital=True) for k in _OUTCOME_IDS}
"""Outcome -> label, from the label table the reports share (sim/labels.py)."""
WEEK_AXIS = "week (one step of the run)"
"""Title of every time axis: the scenario's step is a week."""
FUTURE_LEGEND = "faded: weeks after the one on screen (not yet reached)"
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


def _full(result: RunResult, variable: str, agent: str) -> list[float | None]:
    """The whole series of ``variable`` for ``agent`` (or a group ``side:role``, :func:`group_series`)
    as a JSON-ready list (None where not recorded)."""
    values = group_series(result, variable)[agent] if is_group(agent) else run_view(result).series(variable, agent)
    return [None if v != v else float(v) for v in values.tolist()]


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
    view = run_view(result)
    last = view.last_step
    if compare is not None:
        last = max(last, run_view(compare).last_step)
    fig.update_xaxes(title_text=WEEK_AXIS, title_standoff=4, range=[-0.5, last + 0.5], zeroline=False, ticks="outside", ticklen=3)


def _future_key(fig: go.Figure, until: int | None) -> None:
    """A legend entry for the veil over the weeks not yet reached (only when the figure is veiled)."""
    if until is None:
        return
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=FUTURE_LEGEND,
            marker={"symbol": "square", "size": 11, "color": "rgba(200,205,212,0.35)", "line": {"color": "#c8ccd2", "width": 1}},
            hoverinfo="skip",
            meta=["future", "", -1],
        )
    )


def _dates(result: RunResult, steps: Iterable[int]) -> list[str]:
    return [date_of(result, int(s)) for s in steps]


def _label(view: Any, actor: str) -> str:
    if is_group(actor):
        side, role = actor.split(":", 1)
        return _group_label(view, {"id": actor, "side": side, "role": role, "grouped": True})
    return short_name(view.names.get(actor, actor), 18)


def is_group(node: str) -> bool:
    """Whether ``node`` names a group of factions (``side:role``; actor ids cannot hold a colon)."""
    return ":" in node


def _side_of(view: Any, actor: str) -> str | None:
    return actor.split(":", 1)[0] if is_group(actor) else view.side_of(actor)


def _side_label(view: Any, side: str) -> str:
    return short_name(view.side_names.get(side, side), 18)


# ----------------------------------------------------------------------- trust
def trust_figure(
    result: RunResult,
    step: int | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
    compare: Any = None,
    until: int | None = None,
) -> go.Figure:
    """Trust over time between the principals (each summit leader's trust in the other side).

    Args:
        result: a RunResult.
        step: draw the current-step marker (``layout.shapes[0]``) at this week.
        pairs: extra (agent id, side id) pairs to draw (dotted), e.g. ``[("us-hawks", "dprk")]``.
        compare: a second RunResult (a fork); its curves are overlaid dashed in the same colours,
            with a dotted line at the fork step.
        until: veil the weeks after this step (``layout.shapes[1]``; None: show the whole run), so a
            run is revealed as it plays.

    Each trace's ``y`` is the series variable ``trust_<side>`` of its agent, one
    point per recorded step; ``meta`` holds ``[variable, agent, run]`` (run 0 the
    result, 1 the comparison) like every time-series figure here.
    """
    view = run_view(result)
    colours = side_colours(result)
    fig = go.Figure()
    wanted = [(a, s, "solid") for a, s in principals(result)]
    for i, (a, s) in enumerate(pairs or []):
        if (a, s) not in [(x, y) for x, y, _ in wanted]:
            wanted.append((a, s, _EXTRA_DASH[i % len(_EXTRA_DASH)]))
    runs: list[tuple[Any, str, float, str | None]] = [(result, "", 1.0, None)]
    if compare is not None:
        runs.append((compare, " (fork)", 1.0, "dash"))
    for k, (run, suffix, opacity, dash_override) in enumerate(runs):
        rv = run_view(run)
        for agent, side, dash in wanted:
            y = _full(run, f"trust_{side}", agent)
            colour = colours.get(_side_of(rv, agent) or THIRD_PARTIES, THIRD_PARTY_COLOUR)
            fig.add_trace(
                go.Scatter(
                    x=rv.steps.tolist(),
                    y=y,
                    mode="lines",
                    name=f"{_label(view, agent)} → {_side_label(view, side)}{suffix}",
                    line={"color": colour, "width": 2.4 if dash == "solid" else 1.6, "dash": dash_override or dash},
                    opacity=opacity,
                    meta=[f"trust_{side}", agent, k],
                    customdata=_dates(run, rv.steps),
                    hovertemplate="week %{x} (%{customdata})<br>%{fullData.name}: %{y:.2f}<extra></extra>",
                )
            )
    shapes = [_step_marker(step), _curtain(until, _last_step(result, compare)), *_fork_marker(compare)]
    mu_min = result.manifest.get("parameters", {}).get("mu_min")
    if mu_min is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": mu_min,
                "y1": mu_min,
                "line": {"color": "rgba(0,0,0,0.3)", "width": 1, "dash": "dot"},
            }
        )
    _layout(fig, "Trust between the principals", shapes=shapes)
    if mu_min is not None:
        fig.add_annotation(
            xref="paper",
            yref="y",
            x=0.01,
            y=mu_min,
            text="needed for a deal",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"size": 10, "color": "#666"},
        )
    fig.update_yaxes(range=[0, 1], title_text="trust (0–1)", tickformat=".1f")
    _week_axis(fig, result, compare)
    _future_key(fig, until)
    return fig


def trust_matrix_at(result: RunResult, step: int, grouped: bool = False) -> tuple[list[str], list[str], list[list[float | None]]]:
    """(agent ids, side ids, z) of the trust matrix at ``step``; None where an agent has no trust in a side (its own).

    ``grouped``: one row per node of the grouped network (:func:`network_node_of`), a group's
    row holding its members' influence-weighted mean trust (:func:`group_series`).
    """
    view = run_view(result)
    if grouped:
        agents = [n["id"] for n in _sorted_nodes(result)]
        at = view.index_of(step)
        columns = [[float(group_series(result, f"trust_{s}")[a][at]) if view.steps.size else math.nan for a in agents] for s in view.sides]
    else:
        agents = [a["id"] for a in sorted(view.actors, key=lambda a: (_side_rank(view, a["side"]), a["role"] != "leader"))]
        columns = [view.values_at(f"trust_{s}", agents, step).tolist() for s in view.sides]
    z: list[list[float | None]] = [[None if v != v else round(v, 4) for v in row] for row in zip(*columns, strict=True)]
    return agents, list(view.sides), z


def _side_rank(view: Any, side: str | None) -> int:
    return view.sides.index(side) if side in view.sides else len(view.sides)


def trust_heatmap(result: RunResult, step: int, grouped: bool = False) -> go.Figure:
    """The trust matrix at ``step``: each agent's (rows) belief that each side (columns) is trustworthy.

    One heatmap trace; blank cells are an agent's own side. ``grouped``: one row per
    group of factions (side and role) and per leader and third party (:func:`trust_matrix_at`).
    """
    view = run_view(result)
    agents, sides, z = trust_matrix_at(result, step, grouped)
    labels = [_group_name(view, a) if is_group(a) else short_name(view.names.get(a, a), 16) for a in agents]
    text = [["" if v is None else f"{v:.2f}" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_side_label(view, s) for s in sides],
            y=labels,
            text=text,
            texttemplate="%{text}" if len(agents) <= 40 else None,
            textfont={"size": 10},
            zmin=0,
            zmax=1,
            colorscale="Greens",
            showscale=len(agents) > 40,  # the cells carry their values; a colour bar only when they cannot
            colorbar={"thickness": 10, "len": 0.9, "title": {"text": "trust", "side": "right"}},
            customdata=[[_group_name(view, a) if is_group(a) else view.names.get(a, a)] * len(sides) for a in agents],
            hovertemplate="%{customdata} → %{x}: %{z:.2f}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    _layout(fig, f"Trust matrix, week {step}", legend=False)
    fig.update_yaxes(autorange="reversed", tickfont={"size": 10}, automargin=True, title_text="actor")
    fig.update_xaxes(
        side="top", tickfont={"size": 11}, tickangle=0, showline=False, title_text="trust in this side (0–1)", title_standoff=2
    )
    fig.update_yaxes(showline=False)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 56, "b": 10})
    return fig


# -------------------------------------------------------------------- pressure
def pressure_figure(result: RunResult, step: int | None = None, compare: RunResult | None = None, until: int | None = None) -> go.Figure:
    """Economic (solid), domestic (dashed) and military (dotted) pressure per side, and tension, over time.

    Sides in their colours, tension in dark grey. With ``compare`` (a fork),
    shows each side's aggregate pressure and the tension of both runs instead:
    the base solid, the fork dashed.
    """
    view = run_view(result)
    colours = side_colours(result)
    fig = go.Figure()
    if compare is None:
        for side in view.sides:
            for var, dash in _PRESSURE_DASH.items():
                fig.add_trace(
                    go.Scatter(
                        x=view.steps.tolist(),
                        y=_full(result, var, side),
                        mode="lines",
                        name=f"{_side_label(view, side)} {_PRESSURE_LABEL[var]}",
                        line={"color": colours[side], "dash": dash, "width": 1.8},
                        showlegend=False,
                        meta=[var, side, 0],
                        hovertemplate=f"week %{{x}}<br>{_side_label(view, side)} {_PRESSURE_LABEL[var]}: %{{y:.2f}}<extra></extra>",
                    )
                )
        fig.add_trace(
            go.Scatter(
                x=view.steps.tolist(),
                y=_full(result, "tension", "world"),
                mode="lines",
                name="tension",
                line={"color": WORLD_COLOUR, "width": 2.2},
                meta=["tension", "world", 0],
                hovertemplate="week %{x}<br>tension: %{y:.2f}<extra></extra>",
            )
        )
        for side in view.sides:
            fig.add_trace(_legend_key(_side_label(view, side), colours[side], "solid"))
        for var, dash in _PRESSURE_DASH.items():
            fig.add_trace(_legend_key(_PRESSURE_LABEL[var], "#888", dash))
        title = "Pressure and tension"
    else:
        for k, (run, suffix, dash) in enumerate(((result, "", "solid"), (compare, " (fork)", "dash"))):
            rv = run_view(run)
            for side in view.sides:
                fig.add_trace(
                    go.Scatter(
                        x=rv.steps.tolist(),
                        y=_full(run, "pressure", side),
                        mode="lines",
                        name=f"{_side_label(view, side)}{suffix}",
                        line={"color": colours[side], "dash": dash, "width": 2},
                        meta=["pressure", side, k],
                        hovertemplate="week %{x}<br>%{fullData.name}: %{y:.2f}<extra></extra>",
                    )
                )
            fig.add_trace(
                go.Scatter(
                    x=rv.steps.tolist(),
                    y=_full(run, "tension", "world"),
                    mode="lines",
                    name=f"tension{suffix}",
                    line={"color": WORLD_COLOUR, "dash": dash, "width": 1.6},
                    meta=["tension", "world", k],
                    hovertemplate="week %{x}<br>%{fullData.name}: %{y:.2f}<extra></extra>",
                )
            )
        title = "Pressure on each side and tension"
    _layout(fig, title, shapes=[_step_marker(step), _curtain(until, _last_step(result, compare)), *_fork_marker(compare)])
    fig.update_yaxes(range=[0, 1.02], tickformat=".1f", title_text="pressure, tension (0–1)")
    _week_axis(fig, result, compare)
    _future_key(fig, until)
    return fig


def _legend_key(name: str, colour: str, dash: str) -> go.Scatter:
    return go.Scatter(x=[None], y=[None], mode="lines", name=name, line={"color": colour, "dash": dash, "width": 2}, hoverinfo="skip")


# ---------------------------------------------------------------------- stance
def stance_figure(result: RunResult, step: int | None = None, until: int | None = None, grouped: bool = False) -> go.Figure:
    """Every actor's stance (0 dove, 1 hawk) over time; leaders thick, factions thin, in their side's colour.

    ``grouped``: one line per group of factions (side and role: the influence-weighted mean
    stance of its members, :func:`group_series`) instead of one per faction; leaders and
    third parties keep their own lines.
    """
    if grouped:
        return _grouped_stance_figure(result, step, until)
    view = run_view(result)
    colours = side_colours(result)
    many = len(view.actors) > GL_THRESHOLD
    Trace = go.Scattergl if many else go.Scatter
    fig = go.Figure()
    shown: set[str] = set()
    steps = view.steps.tolist()
    for a in sorted(view.actors, key=lambda a: (_side_rank(view, a["side"]), a["role"] != "leader")):
        side = a["side"] or THIRD_PARTIES
        leader = a["role"] == "leader" and a["side"] is not None
        group = side if not leader else a["id"]
        name = _label(view, a["id"]) if leader else (f"{_side_label(view, side)} factions" if a["side"] else "third parties")
        fig.add_trace(
            Trace(
                x=steps,
                y=_full(result, "stance", a["id"]),
                mode="lines",
                name=name,
                legendgroup=group,
                showlegend=group not in shown,
                line={
                    "color": colours.get(side, THIRD_PARTY_COLOUR),
                    "width": 2.6 if leader else 1.1,
                    "dash": "solid" if a["side"] else "dot",
                },
                opacity=1.0 if leader else 0.55,
                meta=["stance", a["id"], 0],
                hovertemplate=f"week %{{x}}<br>{view.names[a['id']]}: %{{y:.2f}}<extra></extra>",
            )
        )
        shown.add(group)
    _layout(fig, "Stances (0 dove, 1 hawk)", shapes=[_step_marker(step), _curtain(until, view.last_step)])
    fig.update_yaxes(range=[0, 1], tickformat=".1f", title_text="stance (0 dove – 1 hawk)")
    _week_axis(fig, result)
    _future_key(fig, until)
    return fig


def _grouped_stance_figure(result: RunResult, step: int | None, until: int | None) -> go.Figure:
    view = run_view(result)
    colours = side_colours(result)
    series = group_series(result, "stance")
    fig = go.Figure()
    steps = view.steps.tolist()
    for node in _sorted_nodes(result):
        side = node["side"] or THIRD_PARTIES
        leader = node["side"] is not None and not node["grouped"]
        name = _group_name(view, node["id"]) if node["grouped"] else _label(view, node["id"])
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=[None if v != v else round(float(v), 4) for v in series[node["id"]].tolist()],
                mode="lines",
                name=name,
                legendgroup=side if node["grouped"] else node["id"],
                line={
                    "color": colours.get(side, THIRD_PARTY_COLOUR),
                    "width": 2.6 if leader else 1.6,
                    "dash": "dot" if node["side"] is None else _ROLE_DASH[_role_rank(result, node)],
                },
                opacity=1.0 if leader else 0.8,
                meta=["stance", node["id"], 0],
                hovertemplate=f"week %{{x}}<br>{name}: %{{y:.2f}}"
                + (" (mean weighted by influence)" if node["grouped"] else "")
                + "<extra></extra>",
            )
        )
    _layout(
        fig, "Stances (0 dove, 1 hawk; factions grouped by side and role)", shapes=[_step_marker(step), _curtain(until, view.last_step)]
    )
    fig.update_yaxes(range=[0, 1], tickformat=".1f", title_text="stance (0 dove – 1 hawk)")
    _week_axis(fig, result)
    _future_key(fig, until)
    return fig


# ------------------------------------------------------------------------ zone
def zone_figure(result: RunResult, step: int | None = None, until: int | None = None) -> go.Figure:
    """Share of the issue space in the zone of agreement and in each side's win-set, over time."""
    view = run_view(result)
    colours = side_colours(result)
    fig = go.Figure()
    for side in view.summit_sides + [s for s in view.sides if s not in view.summit_sides]:
        if not view.has("win_set_area", side):
            continue
        fig.add_trace(
            go.Scatter(
                x=view.steps.tolist(),
                y=_full(result, "win_set_area", side),
                mode="lines",
                name=f"{_side_label(view, side)} win-set",
                line={"color": colours[side], "width": 2},
                meta=["win_set_area", side, 0],
                hovertemplate="week %{x}<br>%{fullData.name}: %{y:.0%}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=view.steps.tolist(),
            y=_full(result, "zone_area", "world"),
            mode="lines",
            name="zone of agreement",
            line={"color": ZONE_COLOUR, "width": 2.4},
            fill="tozeroy",
            fillcolor="rgba(123,50,148,0.15)",
            meta=["zone_area", "world", 0],
            hovertemplate="week %{x}<br>zone of agreement: %{y:.1%}<extra></extra>",
        )
    )
    _layout(fig, "Win-sets and zone of agreement", shapes=[_step_marker(step), _curtain(until, view.last_step)])
    fig.update_yaxes(range=[0, 1], tickformat=".0%", title_text="share of the issue space")
    _week_axis(fig, result)
    _future_key(fig, until)
    return fig


# ----------------------------------------------------------------- issue space
def _issue_categories(result: RunResult, step: int) -> tuple[list[float], list[float], list[list[int]], list[str]]:
    """Axes and the category grid (0 none, 1 first side only, 2 second only, 3 both) projected on the first two dimensions."""
    spec = result.manifest["bargaining"]
    dims = list(spec["dimensions"])
    points = int(spec["grid_points"])
    _, ws = win_sets_at(result, step)
    view = run_view(result)
    a, b = view.summit_sides[0], view.summit_sides[1]
    code = ws[a].astype(int) + 2 * ws[b].astype(int)
    axis = np.linspace(0.0, 1.0, points)
    if len(dims) == 1:
        z = [code.tolist()]
        return axis.tolist(), [0.0], z, dims
    # project on the first two dimensions: a cell shows what any deal with those two coordinates allows
    shape = (points, points, -1)
    in_a = ws[a].reshape(shape).any(axis=2)
    in_b = ws[b].reshape(shape).any(axis=2)
    both = (ws[a] & ws[b]).reshape(shape).any(axis=2)
    cat = np.where(both, 3, in_a.astype(int) + 2 * in_b.astype(int))
    cat = np.where((cat == 3) & ~both, 0, cat)
    # rows of z are the second dimension (y), columns the first (x)
    return axis.tolist(), axis.tolist(), cat.T.tolist(), dims


def _offer_traces(result: RunResult, step: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scatter data (x, y, colours, symbols, text) of earlier offers and this step's offers."""
    view = run_view(result)
    colours = side_colours(result)
    dims = list(result.manifest["dimensions"])
    earlier: dict[str, list[Any]] = {"x": [], "y": [], "color": [], "symbol": [], "text": []}
    now: dict[str, list[Any]] = {"x": [], "y": [], "color": [], "symbol": [], "text": []}
    for o in offers_until(result, step):
        target = now if o["week"] == step else earlier
        x = o["point"][dims[0]]
        y = o["point"][dims[1]] if len(dims) > 1 else 0.0
        side = view.side_of(o["sender"]) or THIRD_PARTIES
        target["x"].append(x)
        target["y"].append(y)
        target["color"].append(ZONE_COLOUR if o["status"] == "agreement" else colours.get(side, THIRD_PARTY_COLOUR))
        target["symbol"].append("star" if o["status"] == "agreement" else "x")
        who = view.names.get(o["sender"], o["sender"])
        target["text"].append(f"week {o['week']}: {who}'s offer ({o['status']})<br>{o['text']}")
    return earlier, now


def issue_space_figure(result: RunResult, step: int, labels: Mapping[str, str] | None = None) -> go.Figure:
    """The issue space at ``step``: each summit side's win-set, the zone of agreement, and the offers.

    The win-sets are recomputed from ``manifest["bargaining"]`` and the
    series' per-member ``threshold`` and ``influence`` (see
    :func:`sim.runview.win_sets_at`). With more than two dimensions the
    picture is the projection on the first two (a cell is coloured if any deal
    with those coordinates is in the set). Offers made at summits are marked
    ×, in the colour of the side that made them (this week's large, earlier
    ones faded); an agreement is a star. ``labels`` names the dimensions on the
    axes (dimension id -> label; the ids when absent: the manifest has no labels).
    """
    view = run_view(result)
    colours = side_colours(result)
    a, b = view.summit_sides[0], view.summit_sides[1]
    xs, ys, z, dims = _issue_categories(result, step)
    light = {a: _tint(colours[a], 0.35), b: _tint(colours[b], 0.35)}
    cs = [
        [0.0, "#ffffff"],
        [0.125, "#ffffff"],
        [0.125, light[a]],
        [0.375, light[a]],
        [0.375, light[b]],
        [0.625, light[b]],
        [0.625, _tint(ZONE_COLOUR, 0.75)],
        [1.0, _tint(ZONE_COLOUR, 0.75)],
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=xs,
            y=ys,
            z=z,
            zmin=0,
            zmax=4,
            colorscale=cs,
            showscale=False,
            hovertemplate=f"{dims[0]}=%{{x:.2f}}" + (f", {dims[1]}=%{{y:.2f}}" if len(dims) > 1 else "") + "<extra></extra>",
            name="win-sets",
        )
    )
    earlier, now = _offer_traces(result, step)
    for data, size, opacity, name in ((earlier, 9, 0.45, "earlier offers"), (now, 15, 1.0, "offers this week")):
        fig.add_trace(
            go.Scatter(
                x=data["x"],
                y=data["y"],
                mode="markers",
                name=name,
                marker={"color": data["color"], "symbol": data["symbol"], "size": size, "line": {"width": 1, "color": "#222"}},
                opacity=opacity,
                text=data["text"],
                hovertemplate="%{text}<extra></extra>",
                showlegend=False,
            )
        )
    for label, colour, symbol in (
        (f"{short_name(view.side_names.get(a, a), 14)} accepts", light[a], "square"),
        (f"{short_name(view.side_names.get(b, b), 14)} accepts", light[b], "square"),
        ("both accept: zone of agreement", _tint(ZONE_COLOUR, 0.75), "square"),
        ("offer", "#555", "x"),
    ):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=label,
                marker={"color": colour, "symbol": symbol, "size": 11, "line": {"width": 0.5, "color": "#999"}},
                hoverinfo="skip",
            )
        )
    labels_of = {d["id"]: d.get("label", d["id"]) for d in result.manifest.get("issues", [])} if "issues" in result.manifest else {}
    labels_of.update(labels or {})
    _layout(fig, f"Issue space, week {step}")
    fig.update_xaxes(title_text=labels_of.get(dims[0], dims[0]), range=[-0.03, 1.03], constrain="domain", zeroline=False, showgrid=False)
    if len(dims) > 1:
        fig.update_yaxes(title_text=labels_of.get(dims[1], dims[1]), range=[-0.03, 1.03], zeroline=False, showgrid=False)
    else:
        fig.update_yaxes(visible=False, range=[-0.5, 0.5])
    fig.update_layout(margin={"l": 48, "r": 12, "t": 34, "b": 36})
    fig.update_xaxes(title_standoff=2)
    return fig


def issue_space_step_data(result: RunResult, step: int) -> dict[str, Any]:
    """What changes in :func:`issue_space_figure` from one step to the next (for a Patch)."""
    _, _, z, _ = _issue_categories(result, step)
    earlier, now = _offer_traces(result, step)
    return {"z": z, "earlier": earlier, "now": now, "title": f"Issue space, week {step}"}


def _tint(hex_colour: str, amount: float) -> str:
    """``hex_colour`` mixed with white: amount 1 is the colour, 0 white."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    mix = [round(255 - (255 - c) * amount) for c in (r, g, b)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


# --------------------------------------------------------------------- network
def network_positions(result: RunResult) -> dict[str, tuple[float, float]]:
    """Fixed node positions: one column per side, third parties in the middle column.

    The leader sits at the centre of its side's column; its factions on a
    half ring on the outer side (a sunflower spiral when there are many), so
    arrows between the principals cross open space. Deterministic: a function
    of the actors' order only.
    """
    view = run_view(result)
    return _column_positions(view.sides, view.leaders, [(a["id"], a["side"], a["role"] == "leader") for a in view.actors])


def _column_positions(
    sides: Sequence[str], leaders: Mapping[str, str], nodes: Sequence[tuple[str, str | None, bool]]
) -> dict[str, tuple[float, float]]:
    """Positions of ``nodes`` given as (id, side or None, is a leader), laid out as :func:`network_positions` says."""
    pos: dict[str, tuple[float, float]] = {}
    # summit sides at the two ends, third parties in the middle, further sides beyond
    xs = {sides[0]: 0.0}
    if len(sides) > 1:
        xs[sides[1]] = 2.0
    for i, s in enumerate(sides[2:]):
        xs[s] = 3.0 + i
    for s in sides:
        members = [nid for nid, side, leads in nodes if side == s and not leads]
        leader = leaders.get(s)
        cx = xs[s]
        if leader:
            pos[leader] = (cx, 0.0)
        outward = -1.0 if cx < 1.0 else 1.0
        n = len(members)
        if n <= 16:
            for k, m in enumerate(members):
                angle = math.pi / 2 + math.pi * (k + 1) / (n + 1)  # 90..270 degrees: the left half ring
                x = 0.62 * math.cos(angle)
                y = 0.9 * math.sin(angle)
                pos[m] = (cx - x * outward if outward > 0 else cx + x, y)
        else:
            golden = math.pi * (3 - math.sqrt(5))
            for k, m in enumerate(members):
                r = 0.85 * math.sqrt((k + 1) / n)
                t = k * golden
                pos[m] = (cx + 0.6 * r * math.cos(t), r * math.sin(t))
    tps = [nid for nid, side, _ in nodes if side is None]
    n = len(tps)
    for k, m in enumerate(tps):
        # spread over the middle column, leaving the centre line free
        if n <= 24:
            slots = [y for y in np.linspace(-0.95, 0.95, max(n + 1, 2) if n % 2 else n + 2).tolist() if abs(y) > 0.12][:n]
            y = slots[k] if k < len(slots) else 0.9
            pos[m] = (1.0 + (0.18 if k % 2 else -0.18), y)
        else:
            pos[m] = (1.0 + 0.3 * math.cos(k), -0.95 + 1.9 * k / max(n - 1, 1))
    for nid, _, _ in nodes:  # anything left (should not happen): on a line below
        pos.setdefault(nid, (1.0, -1.1))
    return pos


@functools.lru_cache(maxsize=1)
def _default_catalogue() -> dict[str, Any]:
    from sim.signals import build_catalogue

    return build_catalogue()


def _signal_class(kind: str) -> str:
    """conciliatory / hostile / neutral, by the default signal catalogue (manifests do not carry a scenario's own)."""
    k = _default_catalogue().get(kind)
    if k is None:
        return "hostile" if kind in ("walk_away", "escalation", "pledge_breach", "blame") else "neutral"
    if k.conciliatory:
        return "conciliatory"
    if k.trust.mode in ("hostile", "shift") or k.vindicates in ("hawks",):
        return "hostile"
    return "neutral"


SIGNAL_CLASSES = ("conciliatory", "hostile", "neutral")


def signal_arrows(
    result: RunResult,
    step: int,
    positions: Mapping[str, tuple[float, float]] | None = None,
    sizes: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """This step's signals as arrow traces: sender -> receiver, coloured by class, hover = the event's sentence.

    Returns ``{"lines": {class: (xs, ys)}, "heads": {"x", "y", "size", "color", "text"}}``:
    one line trace per class (segments separated by None) and one marker
    trace of arrowheads. The head trace holds (start, end) pairs: the start is
    an invisible point the head at the end turns away from (``angleref="previous"``).
    Each segment stops short of the receiver's centre so the head stays visible.
    ``positions`` and ``sizes`` (marker px) are by actor id; in the grouped
    network every member of a group has the group's, and a signal within
    one group draws no arrow.
    """
    view = run_view(result)
    pos = positions or network_positions(result)
    if sizes is None:
        sizes = dict(zip([a["id"] for a in view.actors], _node_sizes(result, step), strict=True))
    # stop short of the receiver's disc: its radius in pixels over ~130 px per unit of the layout
    radius = {a: (size / 2 + 3) / 130 for a, size in sizes.items()}
    lines: dict[str, tuple[list[float | None], list[float | None]]] = {c: ([], []) for c in SIGNAL_CLASSES}
    heads: dict[str, list[Any]] = {"x": [], "y": [], "size": [], "color": [], "text": []}
    count = 0
    for e in view.events_by_step.get(int(step), []):
        sender = e.get("sender")
        if not sender or sender not in pos:
            continue
        for r in str(e.get("receiver") or "").split("+"):
            if r not in pos or r == sender or pos[r] == pos[sender] or count >= MAX_ARROWS:
                continue
            count += 1
            (x0, y0), (x1, y1) = pos[sender], pos[r]
            dx, dy = x1 - x0, y1 - y0
            length = math.hypot(dx, dy) or 1.0
            shorten = min(radius.get(r, 0.1), 0.45 * length)
            xe, ye = x1 - dx / length * shorten, y1 - dy / length * shorten
            xs0, ys0 = x0 + dx / length * 0.08, y0 + dy / length * 0.08
            cls = _signal_class(e["kind"])
            lx, ly = lines[cls]
            lx += [round(xs0, 4), round(xe, 4), None]
            ly += [round(ys0, 4), round(ye, 4), None]
            text = str(e.get("text") or e["kind"])
            heads["x"] += [round(xs0, 4), round(xe, 4)]
            heads["y"] += [round(ys0, 4), round(ye, 4)]
            heads["size"] += [0, 11]
            heads["color"] += [_SIGNAL_COLOURS[cls]] * 2
            heads["text"] += [text, text]
    return {"lines": lines, "heads": heads}


def _node_sizes(result: RunResult, step: int) -> list[float]:
    """Marker size (px) of each actor at ``step``: by the square root of its influence, relative to the largest."""
    view = run_view(result)
    infl = view.values_at("influence", [a["id"] for a in view.actors], step)
    known = infl[~np.isnan(infl)]
    top = max(float(known.max()) if known.size else 1e-9, 1e-9)
    big = len(view.actors) > GL_THRESHOLD
    base, span = (4, 10) if big else (12, 30)
    scaled = np.sqrt(np.maximum(np.nan_to_num(infl, nan=0.0), 0.0) / top)
    return [round(base + span * float(v), 2) for v in scaled]


def network_step_data(result: RunResult, step: int) -> dict[str, Any]:
    """Per-node colour (stance), size (influence) and hover text at ``step``, in the order of ``manifest["actors"]``."""
    view = run_view(result)
    colours = side_colours(result)
    ids = [a["id"] for a in view.actors]
    stances = view.values_at("stance", ids, step).tolist()
    influences = view.values_at("influence", ids, step).tolist()
    trusts = [(s, view.values_at(f"trust_{s}", ids, step).tolist(), [view.has(f"trust_{s}", a) for a in ids]) for s in view.sides]
    side_pressure = {
        s: "side's pressure: " + ", ".join(f"{_PRESSURE_LABEL[v]} {view.at(v, s, step):.2f}" for v in _PRESSURE_DASH) for s in view.sides
    }
    domestic = view.values_at("pressure_domestic", ids, step).tolist()
    stance, hover = [], []
    for i, a in enumerate(view.actors):
        aid = a["id"]
        x = stances[i]
        w = influences[i]
        w = 0.0 if w != w else w
        stance.append(round(x, 4) if x == x else 0.5)
        lines = [f"<b>{view.names[aid]}</b>", f"{a['role']}, {_side_label(view, a['side']) if a['side'] else 'third party'}"]
        lines.append(f"stance {x:.2f} · influence {w:.2f}")
        trust = [f"{_side_label(view, s)} {values[i]:.2f}" for s, values, has in trusts if has[i]]
        if trust:
            lines.append("trust in " + ", ".join(trust))
        if a["side"]:
            lines.append(side_pressure[a["side"]])
        elif view.has("pressure_domestic", aid):
            lines.append(f"domestic pressure {domestic[i]:.2f}")
        hover.append("<br>".join(lines))
    return {
        "stance": stance,
        "size": _node_sizes(result, step),
        "hover": hover,
        "line": [colours.get(a["side"] or THIRD_PARTIES, THIRD_PARTY_COLOUR) for a in view.actors],
    }


# ------------------------------------------------------- the grouped network
#: Above this many actors the influence network opens grouped: one node per (side, role) of factions.
AGGREGATE_THRESHOLD = 300
_ROLE_PLURAL = {"military": "military", "staff": "staff", "intelligence": "intelligence"}


def network_node_of(actors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The node each actor is drawn as in the grouped network: its group ``side:role``, or itself.

    Leaders and third parties (no side) stay single nodes; a faction belongs
    to the group of its side and role.

    >>> network_node_of([{"id": "l", "side": "a", "role": "leader"}, {"id": "h1", "side": "a", "role": "hardliner"},
    ...                  {"id": "m", "side": None, "role": "mediator"}])
    {'l': 'l', 'h1': 'a:hardliner', 'm': 'm'}
    """
    return {
        str(a["id"]): str(a["id"]) if a.get("side") is None or a.get("role") == "leader" else f"{a['side']}:{a['role']}" for a in actors
    }


def _weighted_mean(values: Sequence[float], weights: Sequence[float]) -> float:
    """Mean of the known (non-NaN) ``values`` weighted by ``weights`` (NaN or negative weights count 0);
    the plain mean if those weights sum to 0; NaN if no value is known."""
    pairs = [(v, w if w == w and w > 0 else 0.0) for v, w in zip(values, weights, strict=True) if v == v]
    if not pairs:
        return float("nan")
    total = sum(w for _, w in pairs)
    if total > 0:
        return sum(v * w for v, w in pairs) / total
    return sum(v for v, _ in pairs) / len(pairs)


def aggregate_nodes(
    actors: Sequence[Mapping[str, Any]],
    stance: Mapping[str, float],
    influence: Mapping[str, float],
    trust: Mapping[str, Mapping[str, float]] | None = None,
) -> list[dict[str, Any]]:
    """The nodes of the grouped network at one step (a pure function of its arguments).

    Args:
        actors: ``manifest["actors"]`` (id, side, role), in order.
        stance, influence: each actor's value (missing or NaN: unknown).
        trust: side -> actor -> trust in that side (an actor's own side absent).

    Returns one dict per node, in order of first appearance: ``id``, ``side``,
    ``role``, ``members`` (actor ids), ``count``, ``grouped`` (False for a
    leader or third party), ``influence`` (the members' summed influence),
    ``stance`` (their influence-weighted mean stance) and ``trust`` (side ->
    influence-weighted mean trust of the members that have one).
    """
    node_of = network_node_of(actors)
    order: dict[str, dict[str, Any]] = {}
    for a in actors:
        nid = node_of[str(a["id"])]
        node = order.get(nid)
        if node is None:
            node = order[nid] = {"id": nid, "side": a.get("side"), "role": a.get("role"), "members": [], "grouped": nid != a["id"]}
        node["members"].append(str(a["id"]))
    nan = float("nan")
    out = []
    for node in order.values():
        members = node["members"]
        w = [float(influence.get(m, nan)) for m in members]
        node["count"] = len(members)
        node["influence"] = float(sum(v for v in w if v == v))
        node["stance"] = _weighted_mean([float(stance.get(m, nan)) for m in members], w)
        node["trust"] = {}
        for side, values in (trust or {}).items():
            t = [float(values.get(m, nan)) for m in members]
            if any(v == v for v in t):
                node["trust"][side] = _weighted_mean(t, w)
        out.append(node)
    return out


def aggregate_edges(actors: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Influence edges between the grouped network's nodes (a pure function of its arguments).

    Each edge (speaker -> listener, weight) is moved to the nodes of its two
    ends; edges between the same two nodes in the same direction are summed.
    Returns ``{"edges": [{"source", "target", "weight", "count"}, ...]}``
    (sorted by source and target; edges into an actor not in ``actors`` are
    left out) and ``"internal"``: node -> {"weight", "count"} of the edges
    within one group.
    """
    node_of = network_node_of(actors)
    between: dict[tuple[str, str], list[float]] = {}
    internal: dict[str, dict[str, float]] = {}
    for e in edges:
        src, dst = node_of.get(str(e["speaker"])), node_of.get(str(e["listener"]))
        if src is None or dst is None:
            continue
        w = float(e["weight"])
        if src == dst:
            acc = internal.setdefault(src, {"weight": 0.0, "count": 0})
            acc["weight"] += w
            acc["count"] += 1
            continue
        pair = between.setdefault((src, dst), [0.0, 0])
        pair[0] += w
        pair[1] += 1
    return {
        "edges": [{"source": a, "target": b, "weight": v[0], "count": int(v[1])} for (a, b), v in sorted(between.items())],
        "internal": internal,
    }


def aggregate_network(
    actors: Sequence[Mapping[str, Any]],
    edges: Sequence[Mapping[str, Any]],
    stance: Mapping[str, float],
    influence: Mapping[str, float],
    trust: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, Any]:
    """The grouped network at one step: ``{"nodes": aggregate_nodes(...), **aggregate_edges(...)}``."""
    return {"nodes": aggregate_nodes(actors, stance, influence, trust), **aggregate_edges(actors, edges)}


def _group_label(view: Any, node: Mapping[str, Any], limit: int = 26) -> str:
    if not node["grouped"]:
        return short_name(view.names.get(node["id"], node["id"]), limit)
    role = str(node["role"])
    return f"{_side_label(view, node['side'])} {_ROLE_PLURAL.get(role, role + 's')}"


def _grouped(result: RunResult) -> dict[str, Any]:
    """What the grouped network keeps for the whole run: its nodes (members), positions and summed edges."""
    view = run_view(result)
    memo = view.memo.get("grouped")
    if memo is None:
        nodes = aggregate_nodes(view.actors, {}, {})
        spec = [(n["id"], n["side"], n["side"] is not None and not n["grouped"]) for n in nodes]
        pos = _column_positions(view.sides, view.leaders, spec)
        index = {a["id"]: i for i, a in enumerate(view.actors)}
        memo = view.memo["grouped"] = {
            "nodes": nodes,
            "positions": pos,
            "members": [np.array([index[m] for m in n["members"]], dtype=np.int64) for n in nodes],
            "edges": aggregate_edges(view.actors, result.manifest.get("influence_edges", [])),
        }
    return memo


def _grouped_sizes(influence: Sequence[float]) -> list[float]:
    """Marker size (px) of each grouped-network node: by the square root of its summed influence, relative to the largest."""
    top = max([v for v in influence if v == v] + [1e-9])
    return [round(14 + 34 * math.sqrt(max(0.0 if w != w else w, 0.0) / top), 2) for w in influence]


def weighted_mean_series(values: Any, weights: Any) -> np.ndarray:
    """Column by column, the mean of the known (non-NaN) ``values`` weighted by ``weights``
    (members x steps; NaN or negative weights count 0); the plain mean of the known values
    where those weights sum to 0; NaN where no value is known (:func:`_weighted_mean` per column).

    >>> weighted_mean_series([[0.25, 1.0], [0.75, float("nan")]], [[1.0, 0.0], [3.0, 2.0]]).tolist()
    [0.625, 1.0]
    """
    v = np.atleast_2d(np.asarray(values, dtype=float))
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    known = ~np.isnan(v)
    w = np.where(known & (w > 0), w, 0.0)
    v0 = np.where(known, v, 0.0)
    total = w.sum(axis=0)
    count = known.sum(axis=0)
    weighted = (v0 * w).sum(axis=0) / np.where(total > 0, total, 1.0)
    plain = v0.sum(axis=0) / np.maximum(count, 1)
    return np.where(count > 0, np.where(total > 0, weighted, plain), np.nan)


def group_series(result: RunResult, variable: str) -> dict[str, np.ndarray]:
    """``variable`` over the run for each node of the grouped network: a group's members'
    influence-weighted mean at every step (:func:`weighted_mean_series`, each member weighted
    by its influence at that step), a leader's or third party's own series. Memoised on the run's view."""
    view = run_view(result)
    key = f"group_series:{variable}"
    memo = view.memo.get(key)
    if memo is None:
        memo = {}
        for node in _grouped(result)["nodes"]:
            if not node["grouped"]:
                memo[node["id"]] = view.series(variable, node["id"])
                continue
            members = node["members"]
            values = np.array([view.series(variable, m) for m in members]).reshape(len(members), view.steps.size)
            weights = np.array([view.series("influence", m) for m in members]).reshape(len(members), view.steps.size)
            memo[node["id"]] = weighted_mean_series(values, weights)
        view.memo[key] = memo
    return memo


def _sorted_nodes(result: RunResult) -> list[dict[str, Any]]:
    """The grouped network's nodes by side (summit sides first, third parties last), each side's leader first."""
    view = run_view(result)
    nodes = _grouped(result)["nodes"]
    return sorted(nodes, key=lambda n: (_side_rank(view, n["side"]), n["grouped"]))


_ROLE_DASH = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def _role_rank(result: RunResult, node: Mapping[str, Any]) -> int:
    """Position of a node's role among its side's groups (its line style), 0 for a leader."""
    if not node["grouped"]:
        return 0
    roles = [n["role"] for n in _sorted_nodes(result) if n["side"] == node["side"] and n["grouped"]]
    return roles.index(node["role"]) % len(_ROLE_DASH)


def grouped_nodes(result: RunResult) -> list[dict[str, Any]]:
    """The grouped network's nodes (id, side, role, members, count, grouped) by side, each side's leader first."""
    return _sorted_nodes(result)


def node_name(view: Any, node: str, limit: int = 18) -> str:
    """Display name of an actor or of a group ``side:role`` (with its member count)."""
    return _group_name(view, node) if is_group(node) else short_name(view.names.get(node, node), limit)


def _group_name(view: Any, node: str) -> str:
    """Display name of a group ``side:role`` with its member count, e.g. "US hardliners (212)"."""
    side, role = node.split(":", 1)
    count = next((n["count"] for n in view.memo.get("grouped", {}).get("nodes", []) if n["id"] == node), None)
    label = _group_label(view, {"id": node, "side": side, "role": role, "grouped": True})
    return f"{label} ({count})" if count is not None else label


def network_group_step_data(result: RunResult, step: int) -> dict[str, Any]:
    """:func:`network_step_data` of the grouped network: per node colour (influence-weighted mean stance),
    size (summed influence), hover (members, mean stance, trust, pressures) and outline, in node order."""
    view = run_view(result)
    g = _grouped(result)
    ids = [a["id"] for a in view.actors]
    values = {"stance": view.values_at("stance", ids, step), "influence": view.values_at("influence", ids, step)}
    trust_sides = [s for s in view.sides if any(view.has(f"trust_{s}", a) for a in ids)]
    trust_all = {s: view.values_at(f"trust_{s}", ids, step) for s in trust_sides}
    colours = side_colours(result)
    stance, influence, hover = [], [], []
    internal = g["edges"]["internal"]
    for node, idx in zip(g["nodes"], g["members"], strict=True):
        members = node["members"]
        infl = dict(zip(members, values["influence"][idx].tolist(), strict=True))
        agg = aggregate_nodes(
            [{"id": m, "side": node["side"], "role": node["role"]} for m in members] if node["grouped"] else [view.actors[idx[0]]],
            dict(zip(members, values["stance"][idx].tolist(), strict=True)),
            infl,
            {s: dict(zip(members, trust_all[s][idx].tolist(), strict=True)) for s in trust_sides},
        )[0]
        x, w = agg["stance"], agg["influence"]
        stance.append(round(x, 4) if x == x else 0.5)
        influence.append(w)
        if node["grouped"]:
            lines = [
                f"<b>{_group_label(view, node)}</b>",
                f"{node['count']} {node['role']} factions of {view.side_names.get(node['side'], node['side'])}",
            ]
            lines.append(f"mean stance {x:.2f} (weighted by influence) · summed influence {w:.3g}")
        else:
            a = view.actors[idx[0]]
            lines = [f"<b>{view.names[a['id']]}</b>", f"{a['role']}, {_side_label(view, a['side']) if a['side'] else 'third party'}"]
            lines.append(f"stance {x:.2f} · influence {w:.2f}")
        trust = [f"{_side_label(view, s)} {v:.2f}" for s, v in agg["trust"].items()]
        if trust:
            lines.append(("mean trust in " if node["grouped"] else "trust in ") + ", ".join(trust))
        if node["side"]:
            lines.append(
                "side's pressure: " + ", ".join(f"{_PRESSURE_LABEL[v]} {view.at(v, node['side'], step):.2f}" for v in _PRESSURE_DASH)
            )
        elif view.has("pressure_domestic", node["id"]):
            lines.append(f"domestic pressure {view.at('pressure_domestic', node['id'], step):.2f}")
        if node["id"] in internal:
            inner = internal[node["id"]]
            lines.append(f"{inner['count']} influence links within the group (summed weight {inner['weight']:.2f})")
        hover.append("<br>".join(lines))
    return {
        "stance": stance,
        "size": _grouped_sizes(influence),
        "hover": hover,
        "line": [colours.get(n["side"] or THIRD_PARTIES, THIRD_PARTY_COLOUR) for n in g["nodes"]],
    }


def grouped_signal_arrows(result: RunResult, step: int, sizes: Sequence[float] | None = None) -> dict[str, Any]:
    """:func:`signal_arrows` between the grouped network's nodes (each member sends and receives at its group)."""
    g = _grouped(result)
    if sizes is None:
        sizes = network_group_step_data(result, step)["size"]
    pos: dict[str, tuple[float, float]] = {}
    size: dict[str, float] = {}
    for node, s in zip(g["nodes"], sizes, strict=True):
        for m in node["members"]:
            pos[m] = g["positions"][node["id"]]
            size[m] = s
    return signal_arrows(result, step, pos, size)


def network_annotations(result: RunResult, positions: Mapping[str, tuple[float, float]] | None = None) -> list[dict[str, Any]]:
    """One heading per side: its name over its column, in its colour."""
    view = run_view(result)
    pos = positions or network_positions(result)
    colours = side_colours(result)
    heads = []
    for s in view.sides:
        members = [pos[a["id"]] for a in view.actors if a["side"] == s and a["id"] in pos]
        cx = float(np.mean([p[0] for p in members])) if members else 0.0
        heads.append(
            {
                "x": cx,
                "y": 1.12,
                "xref": "x",
                "yref": "y",
                "text": f"<b>{_side_label(view, s)}</b>",
                "showarrow": False,
                "font": {"color": colours[s], "size": 12},
            }
        )
    return heads


def network_node_trace(result: RunResult) -> int:
    """Index of the node trace in :func:`network_figure`: after the edge traces (four width classes, if
    there are edges), the three arrow-line traces and the arrowhead trace."""
    return network_arrow_trace(result) + len(SIGNAL_CLASSES) + 1


def network_arrow_trace(result: RunResult) -> int:
    """Index of the first arrow-line trace in :func:`network_figure` (one per class, then the heads)."""
    return 4 if result.manifest.get("influence_edges") else 0


def network_figure(
    result: RunResult, step: int, positions: Mapping[str, tuple[float, float]] | None = None, grouped: bool = False
) -> go.Figure:
    """The influence network at ``step``.

    Nodes are coloured by stance (:data:`STANCE_COLOURSCALE`), sized by
    influence, outlined in their side's colour and placed by
    :func:`network_positions` (fixed across steps); edges are drawn in four
    width classes by weight; this step's signals are arrows (teal
    conciliatory, orange hostile, grey neutral; :func:`signal_arrows`) whose
    hover is the event's sentence. Traces: edges, arrow lines, arrowheads,
    nodes (:func:`network_node_trace`). Above :data:`GL_THRESHOLD` nodes,
    WebGL traces are used.

    ``grouped`` draws the factions one node per side and role instead
    (:func:`aggregate_network`): sized by the group's summed influence,
    coloured by its influence-weighted mean stance, edges between groups
    by their summed weights; leaders and third parties stay single nodes.
    The traces are the same, in the same order, so a step patches either
    view alike (:func:`network_group_step_data`, :func:`grouped_signal_arrows`).
    """
    view = run_view(result)
    if grouped:
        g = _grouped(result)
        node_pos = g["positions"]
        data = network_group_step_data(result, step)
        pos = {m: node_pos[n["id"]] for n in g["nodes"] for m in n["members"]}  # each actor at its node
        node_ids = [n["id"] for n in g["nodes"]]
        big = False
        pairs: dict[tuple[str, str], float] = {}
        for e in g["edges"]["edges"]:  # one line per pair of nodes: both directions' summed weights
            key = (min(e["source"], e["target"]), max(e["source"], e["target"]))
            pairs[key] = pairs.get(key, 0.0) + e["weight"]
        links = [(a, b, w) for (a, b), w in pairs.items()]
        arrows = grouped_signal_arrows(result, step, data["size"])
    else:
        pos = dict(positions) if positions is not None else network_positions(result)
        node_pos = pos
        data = network_step_data(result, step)
        node_ids = [a["id"] for a in view.actors]
        big = len(view.actors) > GL_THRESHOLD
        links = [(e["speaker"], e["listener"], float(e["weight"])) for e in result.manifest.get("influence_edges", [])]
        arrows = signal_arrows(result, step, pos)
    Trace = go.Scattergl if big else go.Scatter
    fig = go.Figure()
    if links:
        weights = np.array([w for _, _, w in links])
        cuts = np.quantile(weights, [0.25, 0.5, 0.75]) if weights.size > 3 else np.array([0.1, 0.2, 0.3])
        levels = np.searchsorted(cuts, weights, side="right").tolist()
        widths = (0.6, 1.2, 2.0, 3.2)
        for level in range(4):
            xs: list[float | None] = []
            ys: list[float | None] = []
            for (speaker, listener, _), lv in zip(links, levels, strict=True):
                if lv != level or listener not in node_pos or speaker not in node_pos:
                    continue
                (x0, y0), (x1, y1) = node_pos[speaker], node_pos[listener]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
            fig.add_trace(
                Trace(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line={"color": "rgba(120,120,120,0.35)", "width": widths[level]},
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    for cls in SIGNAL_CLASSES:
        xs_, ys_ = arrows["lines"][cls]
        fig.add_trace(
            Trace(
                x=xs_, y=ys_, mode="lines", line={"color": _SIGNAL_COLOURS[cls], "width": 2}, hoverinfo="skip", showlegend=False, name=cls
            )
        )
    h = arrows["heads"]
    fig.add_trace(
        go.Scatter(
            x=h["x"],
            y=h["y"],
            mode="markers",
            marker={"symbol": "triangle-up", "angleref": "previous", "size": h["size"], "color": h["color"], "line": {"width": 0}},
            hovertext=h["text"],
            hoverinfo="text",
            showlegend=False,
            name="signals",
        )
    )
    labels, where = [], []
    leaders = set(view.leaders.values())
    centre = float(np.mean([p[0] for p in node_pos.values()])) if node_pos else 0.0
    nodes_by_id = {n["id"]: n for n in _grouped(result)["nodes"]} if grouped else {}
    for a in node_ids:
        x = node_pos[a][0]
        if big:
            labels.append("")
        elif a in leaders:
            labels.append(f"<b>{short_name(view.names.get(a, a), 18)}</b>")
        elif a in nodes_by_id and nodes_by_id[a]["grouped"]:
            labels.append(f"{_group_label(view, nodes_by_id[a])} ({nodes_by_id[a]['count']})")
        elif len(node_ids) <= 40:
            labels.append(short_name(view.names.get(a, a), 15))
        else:
            labels.append("")
        side = nodes_by_id[a]["side"] if a in nodes_by_id else view.side_of(a)
        if a in leaders:
            where.append("top center")
        elif side is None:
            where.append("bottom center")
        else:
            where.append("middle left" if x < centre else "middle right")
    fig.add_trace(
        Trace(
            x=[node_pos[a][0] for a in node_ids],
            y=[node_pos[a][1] for a in node_ids],
            mode="markers+text" if not big else "markers",
            text=labels,
            textposition=where,
            textfont={"size": 10, "color": "#333"},
            marker={
                "color": data["stance"],
                "cmin": 0,
                "cmax": 1,
                "colorscale": STANCE_COLOURSCALE,
                "size": data["size"],
                "line": {"color": data["line"], "width": 2.5 if not big else 1},
                "colorbar": {
                    "title": {"text": "stance", "side": "right"},
                    "thickness": 8,
                    "len": 0.6,
                    "tickvals": [0, 1],
                    "ticktext": ["dove", "hawk"],
                    "x": 1.0,
                },
            },
            hovertext=data["hover"],
            hoverinfo="text",
            customdata=node_ids,
            name="groups" if grouped else "actors",
            showlegend=False,
        )
    )
    xs_all = [p[0] for p in node_pos.values()] or [0.0]
    annotations = network_annotations(result, pos)
    n_arrows = len(arrows["heads"]["x"]) // 2
    _layout(fig, network_title(step, grouped), legend=False)
    fig.update_layout(annotations=annotations, meta={"arrows": n_arrows, "grouped": grouped} if grouped else {"arrows": n_arrows})
    fig.update_xaxes(visible=False, range=[min(xs_all) - (0.3 if big else 1.15), max(xs_all) + (0.3 if big else 1.25)])
    fig.update_yaxes(visible=False, range=[-1.25, 1.25], scaleanchor=None)
    fig.update_layout(margin={"l": 6, "r": 6, "t": 34, "b": 6}, dragmode="pan")
    return fig


def network_title(step: int, grouped: bool = False) -> str:
    """The network's title (the per-step patch rewrites it)."""
    return f"Influence network, week {step}" + (" · factions grouped by side and role" if grouped else "")


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
    from sim.run import OUTCOMES

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
    _layout(fig, title or f"Outcomes of {n} runs (95% Wilson intervals)", legend=False)
    fig.update_xaxes(range=[0, 1.08], tickformat=".0%", title_text="share of runs")
    fig.update_yaxes(autorange="reversed", automargin=True, title_text="outcome")
    fig.update_layout(margin={"l": 10, "r": 20, "t": 34, "b": 30})
    return fig


def _carry_forward(rows: Sequence[np.ndarray]) -> np.ndarray:
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
    values: np.ndarray, title: str, colour: str = "#1f77b4", steps: Sequence[int] | None = None, y_title: str | None = None
) -> go.Figure:
    """Median with 50% and 90% bands of a (runs x steps) matrix.

    Traces, in order: the 90% band (two traces: 5th then 95th percentile),
    the 50% band (25th, 75th) and the median (``data[4]``).
    """
    return fans_figure([("median", colour, values)], title, steps=steps, y_title=y_title)


def fans_figure(
    bands: Sequence[tuple[str, str, np.ndarray]], title: str, steps: Sequence[int] | None = None, y_title: str | None = None
) -> go.Figure:
    """Several fan charts overlaid: for each (name, colour, runs x steps matrix), the 90% and 50% bands and the median.

    Each fan contributes five traces in this order: 5th, 95th (filled to the
    5th), 25th, 75th (filled) and the median, named ``name``.
    """
    fig = go.Figure()
    lo_all, hi_all = np.inf, -np.inf
    single = len(bands) == 1
    for name, colour, values in bands:
        values = np.asarray(values, dtype=float)
        n = values.shape[1] if values.ndim == 2 else 0
        x = list(steps)[:n] if steps is not None else list(range(n))
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
                hovertemplate=f"week %{{x}}<br>{name}: median %{{y:.2f}}<extra></extra>",
            )
        )
    _layout(fig, title)
    unit = lo_all >= 0 and hi_all <= 1
    fig.update_yaxes(title_text=y_title, range=[0, 1] if unit else None)
    fig.update_xaxes(title_text=WEEK_AXIS)
    return fig


def fan_chart(results: Sequence[RunResult], variable: str, agent: str, title: str | None = None) -> go.Figure:
    """Median and 50%/90% bands of ``variable`` of ``agent`` across an ensemble of RunResults.

    Runs that ended early (an agreement, an escalation) are continued at their
    last value. Coloured by the agent's side (or the side itself, or grey).
    """
    rows = [run_view(r).series(variable, agent) for r in results]
    matrix = _carry_forward(rows)
    colour = THIRD_PARTY_COLOUR
    if results:
        colours = side_colours(results[0])
        side = run_view(results[0]).side_of(agent)
        colour = colours.get(agent) or colours.get(side or THIRD_PARTIES, THIRD_PARTY_COLOUR)
        if agent == "world":
            colour = WORLD_COLOUR
    name = title or f"{variable} of {agent}: median, 50% and 90% of {len(rows)} runs"
    fig = fan_chart_matrix(matrix, name, colour)
    fig.update_xaxes(title_text=WEEK_AXIS)
    return fig


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


# -------------------------------------------------------------------- the log
def events_table_rows(result: RunResult, step: int | None = None) -> list[dict[str, Any]]:
    """The event log up to ``step`` (all of it for None), oldest first, for a DataTable.

    Keys: week, date, sender, receiver (display names; "A + B" for both
    principals), kind, sentence, source.
    """
    view = run_view(result)
    rows = []
    for e in view.events:
        if step is not None and int(e["step"]) > step:
            break
        receiver = e.get("receiver") or ""
        rows.append(
            {
                "week": int(e["step"]),
                "date": e.get("date") or date_of(result, int(e["step"])),
                "sender": view.names.get(e.get("sender") or "", e.get("sender") or ""),
                "receiver": " + ".join(view.names.get(r, r) for r in receiver.split("+")) if receiver else "",
                "kind": kind_label(str(e["kind"])),
                "sentence": e.get("text") or "",
                "source": e.get("source") or "",
            }
        )
    return rows
