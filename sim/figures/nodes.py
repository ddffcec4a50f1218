"""Who is drawn where: the network's fixed placement of actors, and factions grouped one node per side and role.

A group is named ``side:role`` (actor ids cannot hold a colon); its series are the influence-weighted
means of its members' (:func:`group_series`). Above :data:`AGGREGATE_THRESHOLD` actors the dashboard
shows the grouped views by default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from summitry.sim.figures.common import _side_label, is_group
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.runview import run_view, short_name


def _side_rank(view: Any, side: str | None) -> int:
    return view.sides.index(side) if side in view.sides else len(view.sides)


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
    ends; edges between the same two nodes in the same direction are summed,
    the contrarian (negative-weight) ones apart from the others, so that a
    contrarian edge is never hidden in a positive sum.
    Returns ``{"edges": [{"source", "target", "weight", "count"}, ...]}``
    (the non-negative edges, sorted by source and target; edges into an actor
    not in ``actors`` are left out), ``"contrarian"``: the same for the
    negative edges (a negative summed weight each), and ``"internal"``:
    node -> {"weight", "count"} of the edges within one group.
    """
    node_of = network_node_of(actors)
    between: dict[tuple[str, str], list[float]] = {}
    against: dict[tuple[str, str], list[float]] = {}
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
        pair = (against if w < 0 else between).setdefault((src, dst), [0.0, 0])
        pair[0] += w
        pair[1] += 1
    return {
        "edges": [{"source": a, "target": b, "weight": v[0], "count": int(v[1])} for (a, b), v in sorted(between.items())],
        "contrarian": [{"source": a, "target": b, "weight": v[0], "count": int(v[1])} for (a, b), v in sorted(against.items())],
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
