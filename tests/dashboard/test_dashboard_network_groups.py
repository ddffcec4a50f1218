"""The grouped influence network (one node per side and role) and the first page's payload, without a browser."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from dash._utils import to_json

from summitry.dashboard import ids
from summitry.dashboard.app import create_app
from summitry.dashboard.callbacks import navigate, network_mode_changed, render_run
from summitry.dashboard.layout import placeholder
from summitry.dashboard.service import Service
from summitry.sim import figures as F
from summitry.sim.results.runview import run_view

# a small case to compute by hand: side a (leader, two hardliners, a reformer), side b (leader, a hardliner), a mediator
ACTORS = [
    {"id": "la", "side": "a", "role": "leader"},
    {"id": "ah1", "side": "a", "role": "hardliner"},
    {"id": "ah2", "side": "a", "role": "hardliner"},
    {"id": "ar1", "side": "a", "role": "reformer"},
    {"id": "lb", "side": "b", "role": "leader"},
    {"id": "bh1", "side": "b", "role": "hardliner"},
    {"id": "bh2", "side": "b", "role": "hardliner"},
    {"id": "med", "side": None, "role": "mediator"},
]
EDGES = [
    {"speaker": "ah1", "listener": "la", "weight": 0.5},
    {"speaker": "ah2", "listener": "la", "weight": 0.25},
    {"speaker": "ah1", "listener": "ah2", "weight": 0.1},
    {"speaker": "ah2", "listener": "ah1", "weight": 0.2},
    {"speaker": "ar1", "listener": "la", "weight": 0.2},
    {"speaker": "la", "listener": "ah1", "weight": 0.05},
    {"speaker": "la", "listener": "lb", "weight": 0.3},
    {"speaker": "bh1", "listener": "lb", "weight": 0.4},
    {"speaker": "bh2", "listener": "lb", "weight": 0.15},
    {"speaker": "med", "listener": "la", "weight": 0.05},
    {"speaker": "med", "listener": "lb", "weight": 0.05},
    {"speaker": "ghost", "listener": "la", "weight": 9.0},  # not an actor: left out
]
STANCE = {"la": 0.4, "ah1": 0.8, "ah2": 0.5, "ar1": 0.2, "lb": 0.6, "bh1": 0.9, "bh2": 0.7, "med": float("nan")}
INFLUENCE = {"la": 1.0, "ah1": 0.3, "ah2": 0.1, "ar1": 0.4, "lb": 1.0, "bh1": 0.0, "bh2": 0.0, "med": 0.2}
TRUST = {"b": {"la": 0.35, "ah1": 0.2, "ah2": 0.6, "ar1": 0.7, "med": 0.5}, "a": {"lb": 0.3, "bh1": 0.1, "bh2": float("nan"), "med": 0.4}}


def test_factions_group_by_side_and_role_leaders_and_third_parties_stay_single() -> None:
    nodes = {n["id"]: n for n in F.aggregate_nodes(ACTORS, STANCE, INFLUENCE, TRUST)}
    assert list(nodes) == ["la", "a:hardliner", "a:reformer", "lb", "b:hardliner", "med"]
    assert {k: n["count"] for k, n in nodes.items()} == {"la": 1, "a:hardliner": 2, "a:reformer": 1, "lb": 1, "b:hardliner": 2, "med": 1}
    assert nodes["a:hardliner"]["members"] == ["ah1", "ah2"] and nodes["a:hardliner"]["grouped"]
    assert not nodes["la"]["grouped"] and not nodes["med"]["grouped"]


def test_group_values_are_summed_influence_and_influence_weighted_means() -> None:
    nodes = {n["id"]: n for n in F.aggregate_nodes(ACTORS, STANCE, INFLUENCE, TRUST)}
    hard = nodes["a:hardliner"]
    # by hand: influence 0.3 + 0.1; stance (0.8 * 0.3 + 0.5 * 0.1) / 0.4 = 0.725; trust in b (0.2 * 0.3 + 0.6 * 0.1) / 0.4 = 0.3
    assert hard["influence"] == pytest.approx(0.4)
    assert hard["stance"] == pytest.approx(0.725)
    assert hard["trust"] == {"b": pytest.approx(0.3)}
    # no influence at all: the plain mean; an unknown (NaN) value is left out
    b_hard = nodes["b:hardliner"]
    assert b_hard["influence"] == 0.0
    assert b_hard["stance"] == pytest.approx(0.8)
    assert b_hard["trust"] == {"a": pytest.approx(0.1)}
    # a single actor keeps its own values
    assert nodes["la"]["stance"] == pytest.approx(0.4) and nodes["la"]["trust"] == {"b": pytest.approx(0.35)}
    assert math.isnan(nodes["med"]["stance"]) and nodes["med"]["trust"] == {"a": pytest.approx(0.4), "b": pytest.approx(0.5)}


def test_edges_between_groups_are_summed_and_edges_within_a_group_counted_apart() -> None:
    agg = F.aggregate_edges(ACTORS, EDGES)
    edges = {(e["source"], e["target"]): (e["weight"], e["count"]) for e in agg["edges"]}
    assert edges == {
        ("a:hardliner", "la"): (pytest.approx(0.75), 2),
        ("a:reformer", "la"): (pytest.approx(0.2), 1),
        ("b:hardliner", "lb"): (pytest.approx(0.55), 2),
        ("la", "a:hardliner"): (pytest.approx(0.05), 1),
        ("la", "lb"): (pytest.approx(0.3), 1),
        ("med", "la"): (pytest.approx(0.05), 1),
        ("med", "lb"): (pytest.approx(0.05), 1),
    }
    assert agg["internal"] == {"a:hardliner": {"weight": pytest.approx(0.3), "count": 2}}
    whole = F.aggregate_network(ACTORS, EDGES, STANCE, INFLUENCE, TRUST)
    assert whole["edges"] == agg["edges"] and [n["id"] for n in whole["nodes"]][:2] == ["la", "a:hardliner"]


def test_placeholder_is_the_figure_it_replaces() -> None:
    """The page's empty figures are plain dicts (cheap to build); they are what the validated figure object gives."""
    for height, text in ((300, "Issue space, fork"), (338, "")):
        fig = go.Figure()
        fig.update_layout(
            template=None,
            plot_bgcolor="#fff",
            paper_bgcolor="#fff",
            height=height,
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[{"text": text, "showarrow": False, "font": {"color": "#889", "size": 13}}] if text else [],
        )
        assert to_json(placeholder(height, text)) == to_json(fig)


def test_app_draws_the_default_page_when_created(tmp_path: Path) -> None:
    """create_app computes the default scenario's run and first page, so the first visit finds them cached."""
    app = create_app(upload_dir=tmp_path / "uploads")
    service = app.server.extensions["summitry_service"]
    assert len(service.runs) == 1 and service.runs.misses == 1
    client = app.server.test_client()
    page = client.get("/_dash-layout", headers={"Referer": "http://localhost/"})
    assert page.status_code == 200
    assert service.runs.misses == 1  # served from what create_app drew
    body = page.get_json()
    assert "Singapore" in to_json(body)
    cold = create_app(upload_dir=tmp_path / "uploads", warm=False)
    assert len(cold.server.extensions["summitry_service"].runs) == 0
    # the page preloads the plotly.js that dcc.Graph loads
    index = client.get("/").get_data(as_text=True)
    assert '<link rel="preload" href="/_dash-component-suites/plotly/package_data/plotly.min.js" as="script">' in index
    assert client.get("/_dash-component-suites/plotly/package_data/plotly.min.js").status_code == 200


# ------------------------------------------------------------- 1,000 agents


def _independent_group_stance(result: Any, members: list[str], step: int) -> float:
    """Influence-weighted mean stance straight from the run's tidy series (not through the dashboard's view)."""
    df = result.series.to_pandas()
    at = df[(df["step"] == step) & df["agent"].isin(members)].pivot(index="agent", columns="variable", values="value")
    w = at["influence"].clip(lower=0).fillna(0)
    return float((at["stance"] * w).sum() / w.sum())


def test_a_1000_actor_run_opens_grouped_and_steps_with_small_patches(big: tuple[Service, dict[str, Any]]) -> None:
    service, config = big
    out = render_run(service, config, 3, [])
    result = service.result(config)
    view = run_view(result)
    assert len(view.actors) == 1000
    assert out["network_mode"] == "grouped" and out["network_mode_style"] == {}
    assert out["run_info"]["network"] == "grouped"
    nodes = out["network"].data[out["run_info"]["node_trace"]]
    # 2 sides x 6 roles of factions, 2 leaders, and the third parties on their own
    third = [a["id"] for a in view.actors if a["side"] is None]
    assert len(nodes.x) == 2 * 6 + 2 + len(third)
    assert nodes.type == "scatter"
    groups = {n["id"]: n for n in F._grouped(result)["nodes"]}
    assert sum(n["count"] for n in groups.values()) == 1000
    hard = groups["side0:hardliner"]
    assert hard["count"] == sum(1 for a in view.actors if a["side"] == "side0" and a["role"] == "hardliner") > 50
    k = list(nodes.customdata).index("side0:hardliner")
    assert nodes.marker.color[k] == pytest.approx(_independent_group_stance(result, hard["members"], 3), abs=1e-4)
    assert f"{hard['count']} hardliner factions" in nodes.hovertext[k]
    # summed edge weights: the four width classes hold every pair of nodes linked in the manifest
    node_of = F.network_node_of(view.actors)
    linked = {tuple(sorted((node_of[e["speaker"]], node_of[e["listener"]]))) for e in result.manifest["influence_edges"]}
    linked = {p for p in linked if p[0] != p[1]}
    assert sum(sum(1 for v in t.x if v is None) for t in out["network"].data[:4]) == len(linked)

    step = navigate(service, ids.FORWARD, 3, out["run_info"], config, None)
    assert step["step"] == 4
    patch = step["network"].to_plotly_json()["operations"]
    colours = next(op["params"]["value"] for op in patch if op["location"][-2:] == ["marker", "color"])
    assert len(colours) == len(nodes.x)
    assert colours[k] == pytest.approx(_independent_group_stance(result, hard["members"], 4), abs=1e-4)
    assert len(to_json(step["network"])) < 40_000  # the individual view's patch is about 280 kB


def test_the_toggle_draws_every_actor_and_steps_patch_that_view(big: tuple[Service, dict[str, Any]]) -> None:
    service, config = big
    out = render_run(service, config, 2, [])
    info = out["run_info"]
    assert network_mode_changed(service, "grouped", config, info, 2) == {}  # already drawn so
    flip = network_mode_changed(service, "individual", config, info, 2)
    assert flip["run_info"]["network"] == "individual"
    nodes = flip["network"].data[info["node_trace"]]
    assert len(nodes.x) == 1000 and nodes.type == "scattergl"
    step = navigate(service, ids.FORWARD, 2, flip["run_info"], config, None)
    colours = next(
        op["params"]["value"] for op in step["network"].to_plotly_json()["operations"] if op["location"][-2:] == ["marker", "color"]
    )
    result = service.result(config)
    stance = np.array([run_view(result).at("stance", a["id"], 3) for a in run_view(result).actors])
    assert np.allclose(colours, np.where(np.isnan(stance), 0.5, np.round(stance, 4)))
    back = network_mode_changed(service, "grouped", config, flip["run_info"], 3)
    assert len(back["network"].data[info["node_trace"]].x) < 30


def test_small_networks_open_individual_without_the_toggle(tmp_path: Path) -> None:
    service = Service("teaching", cache_size=2, upload_dir=tmp_path)
    out = render_run(service, {"scenario": "hanoi-2019", "seed": 0}, 5, [])
    assert out["network_mode"] == "individual" and out["network_mode_style"] == {"display": "none"}
    assert out["network"].layout.title.text == "Influence network, week 5"


def test_first_page_needs_no_server_callback(tmp_path: Path) -> None:
    """The page for a URL arrives with its run drawn and every prop an initial callback would set, so loading it
    sends no callback request (only clientside callbacks that place the week marker and tidy the address run)."""
    app = create_app(upload_dir=tmp_path / "uploads")
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    initial = [d for d in deps if not d.get("prevent_initial_call")]
    assert initial and all(d.get("clientside_function") for d in initial)
    assert sorted(d["output"] for d in initial) == ["timeline-sink.data", "url-sink.data"]
    page = client.get("/_dash-layout", headers={"Referer": "http://localhost/?scenario=hanoi-2019&seed=0&step=7"}).get_json()
    assert props_of(page, ids.URL)["search"] == "?scenario=hanoi-2019&seed=0&step=7"
    assert props_of(page, ids.EVENTS)["filter_query"] == "{week} <= 7"
    assert props_of(page, ids.SLIDER)["value"] == 7
    assert props_of(page, "fork-draft-view")["children"][0]["props"]["children"] == "no changes yet"


def props_of(node: Any, component_id: str) -> dict[str, Any]:
    """The props of the component with this id in a layout's JSON."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            if n.get("props", {}).get("id") == component_id:
                return dict(n["props"])
            stack.extend(n.values())
        elif isinstance(n, list):
            stack.extend(n)
    raise KeyError(component_id)
