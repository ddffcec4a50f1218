"""One run over time: trust, pressure, stance and the zone of agreement by week, the trust heatmap and the events table.

Every time-series figure carries the step marker and the veil of :mod:`summitry.sim.figures.common`; a series
may be an actor's or a group's (``side:role``, :mod:`summitry.sim.figures.nodes`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from summitry.sim.figures.common import (
    _EXTRA_DASH,
    _PRESSURE_DASH,
    _PRESSURE_LABEL,
    GL_THRESHOLD,
    _curtain,
    _dates,
    _fork_marker,
    _future_key,
    _last_step,
    _layout,
    _legend_key,
    _side_label,
    _side_of,
    _step_marker,
    _week_axis,
    is_group,
)
from summitry.sim.figures.nodes import _ROLE_DASH, _group_label, _group_name, _role_rank, _side_rank, _sorted_nodes, group_series
from summitry.sim.labels import event_sentence, kind_label, unit_word
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.runview import (
    THIRD_PARTIES,
    THIRD_PARTY_COLOUR,
    WORLD_COLOUR,
    ZONE_COLOUR,
    date_of,
    principals,
    run_view,
    short_name,
    side_colours,
    step_unit,
)


def _full(result: RunResult, variable: str, agent: str) -> list[float | None]:
    """The whole series of ``variable`` for ``agent`` (or a group ``side:role``, :func:`group_series`)
    as a JSON-ready list (None where not recorded)."""
    values = group_series(result, variable)[agent] if is_group(agent) else run_view(result).series(variable, agent)
    return [None if v != v else float(v) for v in values.tolist()]


def _label(view: Any, actor: str) -> str:
    if is_group(actor):
        side, role = actor.split(":", 1)
        return _group_label(view, {"id": actor, "side": side, "role": role, "grouped": True})
    return short_name(view.names.get(actor, actor), 18)


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
    # the trust a deal needs (parameters.mu_min); at 0 there is no floor, and no line to draw
    mu_min = result.manifest.get("parameters", {}).get("mu_min")
    if mu_min is not None and not float(mu_min) > 0:
        mu_min = None
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
    _future_key(fig, until, step_unit(result))
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


def trust_matrix_title(result: RunResult, step: int) -> str:
    """The trust heatmap's title at ``step``, in the run's unit (the per-step patch rewrites it)."""
    return f"Trust matrix, {unit_word(step_unit(result))} {step}"


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
    _layout(fig, trust_matrix_title(result, step), legend=False)
    fig.update_yaxes(autorange="reversed", tickfont={"size": 10}, automargin=True, title_text="actor")
    fig.update_xaxes(
        side="top", tickfont={"size": 11}, tickangle=0, showline=False, title_text="trust in this side (0–1)", title_standoff=2
    )
    fig.update_yaxes(showline=False)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 56, "b": 10})
    return fig


# -------------------------------------------------------------------- pressure
PRESSURE_HEIGHT = 380
"""The height in pixels of the pressure figure and of the zone figure beside it (the dashboard's cards hold them whole)."""


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
    # taller than the other cards: its legend holds every side, each channel and the veil (one entry a row in a card)
    _layout(
        fig,
        title,
        height=PRESSURE_HEIGHT,
        shapes=[_step_marker(step), _curtain(until, _last_step(result, compare)), *_fork_marker(compare)],
    )
    fig.update_yaxes(range=[0, 1.02], tickformat=".1f", title_text="level (0–1)")  # the card's title names both
    _week_axis(fig, result, compare)
    _future_key(fig, until, step_unit(result))
    return fig


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
    _future_key(fig, until, step_unit(result))
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
    _future_key(fig, until, step_unit(result))
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
    _layout(fig, "Win-sets and zone of agreement", height=PRESSURE_HEIGHT, shapes=[_step_marker(step), _curtain(until, view.last_step)])
    fig.update_yaxes(range=[0, 1], tickformat=".0%", title_text="share of the issue space")
    _week_axis(fig, result)
    _future_key(fig, until, step_unit(result))
    return fig


# -------------------------------------------------------------------- the log
def events_table_rows(result: RunResult, step: int | None = None) -> list[dict[str, Any]]:
    """The event log up to ``step`` (all of it for None), oldest first, for a DataTable.

    Keys: week, date, sender, receiver (display names; "A + B" for both
    principals), kind, sentence (the log's, worded for a reader: :func:`summitry.sim.labels.event_sentence`), source.
    """
    view = run_view(result)
    roles = {a["id"]: str(a.get("role", "")) for a in view.actors}
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
                "sentence": event_sentence(e, view.names, roles),
                "source": e.get("source") or "",
            }
        )
    return rows
