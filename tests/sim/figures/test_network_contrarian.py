"""Contrarian edges in the network figure (individual and grouped) and in the report's caption of it.

The teaching scenario with its beta-hardliners -> beta-reformers edge at -0.7
(its one contrarian edge) against the same scenario at +0.7: the contrarian edge
is drawn once, dashed in its own colour, in the widest class, with its signed
weight in the hover and one legend entry; the other edges are drawn as they are
without it; a run without contrarian edges has no such trace, no legend and no
such caption.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

import summitry.sim.figures as F
from summitry.sim.report.charts import run_charts
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.runview import run_view
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Scenario, load_raw, validate_data

SPEAKER, LISTENER = "beta-hardliners", "beta-reformers"


def teaching(weight: float) -> Scenario:
    """The teaching scenario with the speaker -> listener edge at ``weight`` (its other edges are positive)."""
    data, lines, source = load_raw("teaching")
    data = copy.deepcopy(data)
    assert all(e["weight"] > 0 for e in data["influence"])
    hits = [e for e in data["influence"] if (e["speaker"], e["listener"]) == (SPEAKER, LISTENER)]
    assert len(hits) == 1
    hits[0]["weight"] = weight
    return validate_data(data, source, lines)


@pytest.fixture(scope="module")
def contrarian() -> RunResult:
    return run_scenario(teaching(-0.7), seed=0, steps=3)


@pytest.fixture(scope="module")
def plain() -> RunResult:
    return run_scenario(teaching(0.7), seed=0, steps=3)


def _contrarian_traces(fig: Any) -> list[Any]:
    return [t for t in fig.data if t.legendgroup == "contrarian"]


def _segments(trace: Any) -> list[list[tuple[float, float]]]:
    """A line trace's segments (runs of points between Nones)."""
    out: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(trace.x, trace.y, strict=True):
        if x is None:
            out.append([])
        else:
            out[-1].append((x, y))
    return [s for s in out if s]


def test_the_contrarian_edge_is_one_dashed_segment_with_its_weight_and_a_legend(contrarian: RunResult) -> None:
    pos = F.network_positions(contrarian)
    fig = F.network_figure(contrarian, 2, pos)
    traces = _contrarian_traces(fig)
    assert len(traces) == len(F.CONTRARIAN_WIDTHS) == 3
    segments = [(t, s) for t in traces for s in _segments(t)]
    assert len(segments) == 1
    trace, segment = segments[0]
    # from the speaker to the listener, through the midpoint (where the hover is reachable)
    (xs, ys), (xl, yl) = pos[SPEAKER], pos[LISTENER]
    assert segment == [(xs, ys), ((xs + xl) / 2, (ys + yl) / 2), (xl, yl)]
    assert trace.line.dash == "dash" and trace.line.color == F.CONTRARIAN_COLOUR
    assert trace.line.width == F.CONTRARIAN_WIDTHS[2]  # |-0.7| is in the top third
    assert trace.name == F.CONTRARIAN_LEGEND == "contrarian edge: pushes the listener away"
    assert trace.showlegend is True
    assert [t.showlegend for t in traces].count(True) == 1
    assert fig.layout.showlegend is True
    hover = [h for h in trace.hovertext if h]
    assert len(hover) == 3 and len(set(hover)) == 1
    assert "weight -0.70" in hover[0] and "Beta reformers listens against Beta hardliners" in hover[0]
    # no ordinary (grey) edge between the pair
    for t in fig.data[:4]:
        assert t.line.color == "rgba(120,120,120,0.35)" and t.line.dash is None
        for s in _segments(t):
            assert {s[0], s[-1]} != {(xs, ys), (xl, yl)}


def test_ordinary_edges_and_traces_are_unchanged_by_a_contrarian_edge(contrarian: RunResult, plain: RunResult) -> None:
    with_c, without = F.network_figure(contrarian, 2), F.network_figure(plain, 2)
    assert not _contrarian_traces(without)
    assert not without.layout.showlegend and not any(t.showlegend for t in without.data)
    assert F.CONTRARIAN_LEGEND not in {t.name for t in without.data}
    assert len(with_c.data) == len(without.data) + 3
    assert F.network_arrow_trace(plain) == 4 and F.network_arrow_trace(contrarian) == 7
    # the node trace (last) and the arrow traces are where the dashboard's patch looks for them
    for r, fig in ((contrarian, with_c), (plain, without)):
        assert fig.data[F.network_node_trace(r)].name == "actors" == fig.data[-1].name
        assert fig.data[F.network_arrow_trace(r)].name == F.SIGNAL_CLASSES[0]
    # the plain run's one edge between the pair is an ordinary grey line
    (xs, ys), (xl, yl) = F.network_positions(plain)[SPEAKER], F.network_positions(plain)[LISTENER]
    ends = [{s[0], s[-1]} for t in without.data[:4] for s in _segments(t)]
    assert ends.count({(xs, ys), (xl, yl)}) == 1


def test_the_grouped_view_draws_the_contrarian_edge_between_the_groups_and_keeps_the_trace_order(
    contrarian: RunResult, plain: RunResult
) -> None:
    fig = F.network_figure(contrarian, 2, grouped=True)
    traces = _contrarian_traces(fig)
    assert len(traces) == 3
    assert fig.data[F.network_node_trace(contrarian)].name == "groups" == fig.data[-1].name
    # the teaching case has one faction per role: each is its own node, at its group position
    g = F.aggregate_edges(run_view(contrarian).actors, contrarian.manifest["influence_edges"])
    assert [(e["source"], e["target"], e["count"]) for e in g["contrarian"]] == [("beta:hardliner", "beta:reformer", 1)]
    assert g["contrarian"][0]["weight"] == pytest.approx(-0.7)
    assert all(e["weight"] >= 0 for e in g["edges"])
    segments = [(t, s) for t in traces for s in _segments(t)]
    assert len(segments) == 1
    trace, segment = segments[0]
    node_x, node_y = fig.data[-1].x, fig.data[-1].y
    ends = {segment[0], segment[-1]}
    assert all(any((x, y) == (nx, ny) for nx, ny in zip(node_x, node_y, strict=True)) for x, y in ends)
    assert trace.line.width == F.CONTRARIAN_WIDTHS[2] and trace.line.dash == "dash"
    assert trace.showlegend is True and fig.layout.showlegend is True
    hover = next(h for h in trace.hovertext if h)
    assert "Beta reformers listens against Beta hardliners: weight -0.70" in hover
    # the positive sum between the two groups does not swallow it: no grey line joins them
    for t in fig.data[:4]:
        for s in _segments(t):
            assert {s[0], s[-1]} != ends
    # the same pair at +0.7 is an ordinary grey line and there is no contrarian trace
    plain_fig = F.network_figure(plain, 2, grouped=True)
    assert not _contrarian_traces(plain_fig)
    assert [{s[0], s[-1]} for t in plain_fig.data[:4] for s in _segments(t)].count(ends) == 1


def test_contrarian_edges_between_groups_are_summed_apart_from_the_positive_ones() -> None:
    actors = [
        {"id": "la", "side": "a", "role": "leader"},
        {"id": "h1", "side": "a", "role": "hardliner"},
        {"id": "h2", "side": "a", "role": "hardliner"},
        {"id": "r1", "side": "a", "role": "reformer"},
        {"id": "r2", "side": "a", "role": "reformer"},
    ]
    edges = [
        {"speaker": "h1", "listener": "r1", "weight": -0.4},
        {"speaker": "h2", "listener": "r2", "weight": -0.3},
        {"speaker": "h1", "listener": "r2", "weight": 0.5},
        {"speaker": "r1", "listener": "h1", "weight": 0.2},
    ]
    agg = F.aggregate_edges(actors, edges)
    nodes = {n["id"]: n for n in F.aggregate_nodes(actors, {}, {})}
    hard = next(k for k, n in nodes.items() if n["role"] == "hardliner")
    reform = next(k for k, n in nodes.items() if n["role"] == "reformer")
    # by hand: the two negative edges hardliners -> reformers sum to -0.7 (2 edges); the positive one stays 0.5 (1 edge)
    assert [(e["source"], e["target"], e["count"]) for e in agg["contrarian"]] == [(hard, reform, 2)]
    assert agg["contrarian"][0]["weight"] == pytest.approx(-0.7)
    edges_by_pair = {(e["source"], e["target"]): (e["weight"], e["count"]) for e in agg["edges"]}
    assert edges_by_pair == {(hard, reform): (pytest.approx(0.5), 1), (reform, hard): (pytest.approx(0.2), 1)}


def _network_captions(result: RunResult) -> list[str]:
    charts = [c for c in run_charts(result) if c.id.startswith("fig-network-")]
    assert all(c.error == "" and c.figure is not None for c in charts)
    return [c.caption for c in charts]


def test_the_report_caption_mentions_contrarian_edges_only_when_present(contrarian: RunResult, plain: RunResult) -> None:
    with_c, without = _network_captions(contrarian), _network_captions(plain)
    assert with_c and without
    assert all("dashed purple edges are contrarian: they push the listener away" in c for c in with_c)
    assert not any("contrarian" in c for c in without)


@pytest.mark.parametrize("grouped", [False, True])
def test_the_dashboards_step_patch_finds_nodes_and_arrows_past_the_contrarian_traces(contrarian: RunResult, grouped: bool) -> None:
    from summitry.dashboard.callbacks import step_views

    fig = F.network_figure(contrarian, 2, grouped=grouped)
    ops = step_views(contrarian, 2, F.network_node_trace(contrarian), grouped)["network"].to_plotly_json()["operations"]
    touched = {op["location"][1]: op["location"][2] for op in ops if op["location"][0] == "data"}
    names = {i: fig.data[i].name for i in touched}
    assert names == {7: "conciliatory", 8: "hostile", 9: "neutral", 10: "signals", 11: "groups" if grouped else "actors"}
