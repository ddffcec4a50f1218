"""The influence network at one week: edges by weight, this week's signals as arrows, nodes by stance and influence.

:func:`network_figure` draws the nodes as the last trace and this step's signals as arrow traces
(:func:`network_arrow_trace`, :func:`network_node_trace`); the per-step data the dashboard patches in
come from :func:`network_step_data` or, grouped, :func:`network_group_step_data`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from summitry.sim.figures.common import (
    _PRESSURE_DASH,
    _PRESSURE_LABEL,
    _SIGNAL_COLOURS,
    GL_THRESHOLD,
    MAX_ARROWS,
    STANCE_COLOURSCALE,
    _layout,
    _side_label,
)
from summitry.sim.figures.nodes import _group_label, _grouped, _grouped_sizes, aggregate_nodes, network_positions
from summitry.sim.labels import event_sentence, unit_word
from summitry.sim.mechanisms.signals import build_catalogue
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.runview import THIRD_PARTIES, THIRD_PARTY_COLOUR, run_view, short_name, side_colours, step_unit


@functools.lru_cache(maxsize=1)
def _default_catalogue() -> dict[str, Any]:
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

CONTRARIAN_COLOUR = "#7b3294"
"""Contrarian edges (negative weight: the listener moves away from the speaker), dashed in this colour."""
CONTRARIAN_LEGEND = "contrarian edge: pushes the listener away"
"""The legend entry of the contrarian edges, shown only when the run has one."""
CONTRARIAN_WIDTHS = (1.2, 2.2, 3.4)
"""Line widths of the contrarian edges by |weight| in (0, 1/3], (1/3, 2/3], (2/3, 1]: one trace each."""


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
    roles = {a["id"]: str(a.get("role", "")) for a in view.actors}
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
            text = event_sentence(e, view.names, roles) or str(e["kind"])
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
            lines.append("trust: " + ", ".join(trust))
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
            lines.append(("mean trust: " if node["grouped"] else "trust: ") + ", ".join(trust))
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
    there are edges, then :data:`CONTRARIAN_WIDTHS` classes if one of them is contrarian), the three
    arrow-line traces and the arrowhead trace."""
    return network_arrow_trace(result) + len(SIGNAL_CLASSES) + 1


def network_arrow_trace(result: RunResult) -> int:
    """Index of the first arrow-line trace in :func:`network_figure` (one per class, then the heads)."""
    if not result.manifest.get("influence_edges"):
        return 0
    return 4 + (len(CONTRARIAN_WIDTHS) if has_contrarian_edges(result) else 0)


def has_contrarian_edges(result: RunResult) -> bool:
    """Whether the run's influence graph has a contrarian (negative-weight) edge."""
    return any(float(e["weight"]) < 0 for e in result.manifest.get("influence_edges", []))


@dataclass
class _Scene:
    """What :func:`network_figure` draws at one step, individual or grouped."""

    pos: dict[str, tuple[float, float]]  # each actor's position (grouped: its node's)
    node_pos: Mapping[str, tuple[float, float]]  # each drawn node's position
    data: dict[str, Any]  # the nodes' stance, size, outline and hover (the per-step data)
    node_ids: list[str]
    big: bool  # drawn with WebGL, without labels
    links: list[tuple[str, str, float]]  # (speaker, listener, weight) between drawn nodes
    arrows: dict[str, Any]  # this step's signals (:func:`signal_arrows`)
    contrarian: list[tuple[str, str, float]] | None = None  # the contrarian edges drawn; None: the run has none
    labels: Mapping[str, str] | None = None  # the drawn nodes' names in hover texts (None: the actors' names)
    counts: Mapping[tuple[str, str], int] | None = None  # grouped: how many actor edges each contrarian line sums


def _individual_scene(result: RunResult, step: int, positions: Mapping[str, tuple[float, float]] | None) -> _Scene:
    view = run_view(result)
    pos = dict(positions) if positions is not None else network_positions(result)
    edges = [(e["speaker"], e["listener"], float(e["weight"])) for e in result.manifest.get("influence_edges", [])]
    contrarian = [e for e in edges if e[2] < 0]
    return _Scene(
        pos=pos,
        node_pos=pos,
        data=network_step_data(result, step),
        node_ids=[a["id"] for a in view.actors],
        big=len(view.actors) > GL_THRESHOLD,
        links=[e for e in edges if e[2] >= 0] if contrarian else edges,
        arrows=signal_arrows(result, step, pos),
        contrarian=contrarian or None,
    )


def _grouped_scene(result: RunResult, step: int) -> _Scene:
    g = _grouped(result)
    node_pos = g["positions"]
    data = network_group_step_data(result, step)
    pairs: dict[tuple[str, str], float] = {}
    for e in g["edges"]["edges"]:  # one line per pair of nodes: both directions' summed weights
        key = (min(e["source"], e["target"]), max(e["source"], e["target"]))
        pairs[key] = pairs.get(key, 0.0) + e["weight"]
    # contrarian edges stay apart, one dashed line per direction with the summed negative weight
    against = g["edges"]["contrarian"]
    view = run_view(result)
    labels = {n["id"]: (_group_label(view, n) if n["grouped"] else view.names.get(n["id"], n["id"])) for n in g["nodes"]}
    return _Scene(
        pos={m: node_pos[n["id"]] for n in g["nodes"] for m in n["members"]},  # each actor at its node
        node_pos=node_pos,
        data=data,
        node_ids=[n["id"] for n in g["nodes"]],
        big=False,
        links=[(a, b, w) for (a, b), w in pairs.items()],
        arrows=grouped_signal_arrows(result, step, data["size"]),
        contrarian=[(e["source"], e["target"], e["weight"]) for e in against] if has_contrarian_edges(result) else None,
        labels=labels,
        counts={(e["source"], e["target"]): int(e["count"]) for e in against},
    )


def _add_edges(fig: go.Figure, scene: _Scene, trace: Any) -> None:
    """The influence edges in four width classes, by the quartiles of their weights (no trace without edges)."""
    if not scene.links:
        return
    weights = np.array([w for _, _, w in scene.links])
    cuts = np.quantile(weights, [0.25, 0.5, 0.75]) if weights.size > 3 else np.array([0.1, 0.2, 0.3])
    levels = np.searchsorted(cuts, weights, side="right").tolist()
    widths = (0.6, 1.2, 2.0, 3.2)
    node_pos = scene.node_pos
    for level in range(4):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for (speaker, listener, _), lv in zip(scene.links, levels, strict=True):
            if lv != level or listener not in node_pos or speaker not in node_pos:
                continue
            (x0, y0), (x1, y1) = node_pos[speaker], node_pos[listener]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        fig.add_trace(
            trace(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": "rgba(120,120,120,0.35)", "width": widths[level]},
                hoverinfo="skip",
                showlegend=False,
            )
        )


def _add_contrarian_edges(fig: go.Figure, result: RunResult, scene: _Scene, trace: Any) -> None:
    """The contrarian edges, dashed in :data:`CONTRARIAN_COLOUR`, one trace per class of
    :data:`CONTRARIAN_WIDTHS`; hover (at each end and the middle) names the pair and the signed weight.
    No trace when the run has no contrarian edge; the first non-empty class carries the legend entry."""
    if scene.contrarian is None:
        return
    names = scene.labels if scene.labels is not None else run_view(result).names
    node_pos = scene.node_pos
    legend = True
    for level, width in enumerate(CONTRARIAN_WIDTHS):
        xs: list[float | None] = []
        ys: list[float | None] = []
        text: list[str] = []
        for speaker, listener, w in scene.contrarian:
            if min(int(abs(w) * len(CONTRARIAN_WIDTHS) - 1e-9), len(CONTRARIAN_WIDTHS) - 1) != level:
                continue
            if listener not in node_pos or speaker not in node_pos:
                continue
            (x0, y0), (x1, y1) = node_pos[speaker], node_pos[listener]
            xs += [x0, (x0 + x1) / 2, x1, None]
            ys += [y0, (y0 + y1) / 2, y1, None]
            n = scene.counts.get((speaker, listener), 1) if scene.counts is not None else 1
            summed = f"summed weight {w:+.2f} of {n} edges" if n > 1 else f"weight {w:+.2f}"
            said = (
                f"{names.get(listener, listener)} listens against {names.get(speaker, speaker)}: {summed}"
                "<br>contrarian: pushes the listener away from the speaker's stance"
            )
            text += [said, said, said, ""]
        fig.add_trace(
            trace(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": CONTRARIAN_COLOUR, "width": width, "dash": "dash"},
                hovertext=text,
                hoverinfo="text",
                name=CONTRARIAN_LEGEND,
                legendgroup="contrarian",
                showlegend=legend and bool(xs),
            )
        )
        legend = legend and not xs


def _add_signals(fig: go.Figure, arrows: Mapping[str, Any], trace: Any) -> None:
    """This step's signals: one line trace per class, then one trace of arrowheads."""
    for cls in SIGNAL_CLASSES:
        xs_, ys_ = arrows["lines"][cls]
        fig.add_trace(
            trace(
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


def _node_labels(result: RunResult, scene: _Scene, grouped: bool) -> tuple[list[str], list[str]]:
    """Each node's label and where it sits: leaders bold above, third parties below, the rest outward of the centre."""
    view = run_view(result)
    labels, where = [], []
    leaders = set(view.leaders.values())
    node_pos = scene.node_pos
    centre = float(np.mean([p[0] for p in node_pos.values()])) if node_pos else 0.0
    nodes_by_id = {n["id"]: n for n in _grouped(result)["nodes"]} if grouped else {}
    for a in scene.node_ids:
        x = node_pos[a][0]
        if scene.big:
            labels.append("")
        elif a in leaders:
            labels.append(f"<b>{short_name(view.names.get(a, a), 18)}</b>")
        elif a in nodes_by_id and nodes_by_id[a]["grouped"]:
            labels.append(f"{_group_label(view, nodes_by_id[a])} ({nodes_by_id[a]['count']})")
        elif len(scene.node_ids) <= 40:
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
    return labels, where


def _add_nodes(fig: go.Figure, result: RunResult, scene: _Scene, grouped: bool, trace: Any) -> None:
    """The nodes, last: coloured by stance, sized by influence, outlined in their side's colour."""
    labels, where = _node_labels(result, scene, grouped)
    big, data, node_ids = scene.big, scene.data, scene.node_ids
    fig.add_trace(
        trace(
            x=[scene.node_pos[a][0] for a in node_ids],
            y=[scene.node_pos[a][1] for a in node_ids],
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


def network_figure(
    result: RunResult, step: int, positions: Mapping[str, tuple[float, float]] | None = None, grouped: bool = False
) -> go.Figure:
    """The influence network at ``step``.

    Nodes are coloured by stance (:data:`STANCE_COLOURSCALE`), sized by
    influence, outlined in their side's colour and placed by
    :func:`network_positions` (fixed across steps); edges are drawn in four
    width classes by weight; contrarian edges (negative weight) are dashed
    in :data:`CONTRARIAN_COLOUR`, wider by |weight|, with a legend entry
    (:data:`CONTRARIAN_LEGEND`) only when the run has one; this step's signals are arrows (teal
    conciliatory, orange hostile, grey neutral; :func:`signal_arrows`) whose
    hover is the event's sentence. Traces: edges, contrarian edges, arrow lines, arrowheads,
    nodes (:func:`network_node_trace`). Above :data:`GL_THRESHOLD` nodes,
    WebGL traces are used.

    ``grouped`` draws the factions one node per side and role instead
    (:func:`aggregate_network`): sized by the group's summed influence,
    coloured by its influence-weighted mean stance, edges between groups
    by their summed weights; leaders and third parties stay single nodes.
    The traces are the same, in the same order, so a step patches either
    view alike (:func:`network_group_step_data`, :func:`grouped_signal_arrows`).
    """
    scene = _grouped_scene(result, step) if grouped else _individual_scene(result, step, positions)
    trace = go.Scattergl if scene.big else go.Scatter
    fig = go.Figure()
    _add_edges(fig, scene, trace)
    _add_contrarian_edges(fig, result, scene, trace)
    _add_signals(fig, scene.arrows, trace)
    _add_nodes(fig, result, scene, grouped, trace)
    big = scene.big
    xs_all = [p[0] for p in scene.node_pos.values()] or [0.0]
    annotations = network_annotations(result, scene.pos)
    n_arrows = len(scene.arrows["heads"]["x"]) // 2
    _layout(fig, network_title(step, grouped, step_unit(result)), legend=any(t.showlegend for t in fig.data))
    if fig.layout.showlegend:  # the contrarian entry, in the bottom left corner of the plot
        fig.update_layout(legend={"x": 0, "y": 0, "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.75)"})
    fig.update_layout(annotations=annotations, meta={"arrows": n_arrows, "grouped": grouped} if grouped else {"arrows": n_arrows})
    fig.update_xaxes(visible=False, range=[min(xs_all) - (0.3 if big else 1.15), max(xs_all) + (0.3 if big else 1.25)])
    fig.update_yaxes(visible=False, range=[-1.25, 1.25], scaleanchor=None)
    fig.update_layout(margin={"l": 6, "r": 6, "t": 34, "b": 6}, dragmode="pan")
    return fig


def network_title(step: int, grouped: bool = False, unit: str | None = None) -> str:
    """The network's title in the run's unit (the per-step patch rewrites it).

    >>> network_title(3), network_title(3, unit="day")
    ('Influence network, week 3', 'Influence network, day 3')
    """
    return f"Influence network, {unit_word(unit)} {step}" + (" · factions grouped by side and role" if grouped else "")
