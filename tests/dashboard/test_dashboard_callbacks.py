"""The dashboard's figures, cache and callbacks, called as plain functions (no browser)."""

from __future__ import annotations

import base64
import io
import json
import math
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import summitry.sim.figures.network
from summitry.dashboard import ids
from summitry.dashboard.cache import LRUCache, config_hash
from summitry.dashboard.callbacks import (
    apply_parameters,
    build_param_panel,
    build_query,
    ensemble_start,
    ensemble_survival_figures,
    ensemble_tick,
    export_data,
    navigate,
    open_param_groups,
    parse_query,
    play_pause,
    render_run,
    run_fork_callback,
    upload_scenario,
)
from summitry.dashboard.service import Service
from summitry.sim import figures as F
from summitry.sim.results.runview import run_view, win_sets_at
from summitry.sim.run import run_fork, run_scenario
from summitry.sim.scenario.document import load_scenario
from summitry.sim.stats import wilson

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    return Service("teaching", cache_size=8, upload_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def hanoi():
    return run_scenario(load_scenario("hanoi-2019"), seed=0)


def patch_ops(patch: Any) -> dict[tuple[Any, ...], Any]:
    """A Patch's assignments as {location: value}."""
    ops = patch.to_plotly_json()["operations"]
    return {tuple(op["location"]): op["params"]["value"] for op in ops if op["operation"] == "Assign"}


def upload_contents(text: str) -> str:
    return "data:application/x-yaml;base64," + base64.b64encode(text.encode()).decode()


# ------------------------------------------------------------------ figures
def test_trust_figure_traces_are_the_principals_series(hanoi) -> None:
    fig = F.trust_figure(hanoi, step=12)
    steps, trump = hanoi.variable("trust_dprk", "trump")
    _, kim = hanoi.variable("trust_us", "kim")
    assert list(fig.data[0].meta) == ["trust_dprk", "trump", 0]
    assert np.allclose(fig.data[0].y, trump)
    assert list(fig.data[0].x) == steps.tolist()
    assert np.allclose(fig.data[1].y, kim)
    assert fig.layout.shapes[0].x0 == 12 and fig.layout.shapes[0].x1 == 12
    # one colour per side: the first summit side blue, the second red
    assert fig.data[0].line.color == "#1f77b4" and fig.data[1].line.color == "#d62728"


def test_trust_figure_overlays_a_fork_dashed_and_extra_pairs(hanoi) -> None:
    # seed 0 ends in an agreement in week 22 under the shipped defaults, and a fork from week 20 with kappa 4
    # changes no trust before it (no costly signal in weeks 20-22), so the fork starts in week 15
    sc = load_scenario("hanoi-2019")
    alt = run_fork(sc, 15, load_scenario("hanoi-2019", {"parameters.kappa": "4"}), seed=0)
    fig = F.trust_figure(hanoi, step=18, pairs=[("us-hawks", "dprk")], compare=alt)
    names = [t.name for t in fig.data]
    assert len(fig.data) == 6
    fork_trump = fig.data[3]
    assert fork_trump.line.dash == "dash" and fork_trump.name.endswith("(fork)")
    assert np.allclose(fork_trump.y, alt.variable("trust_dprk", "trump")[1])
    assert np.allclose(fig.data[2].y, hanoi.variable("trust_dprk", "us-hawks")[1]), names
    # the past is shared: identical up to the fork step, different after it
    assert np.allclose(np.asarray(fork_trump.y)[:15], np.asarray(fig.data[0].y)[:15])
    assert not np.allclose(np.asarray(fork_trump.y), np.asarray(fig.data[0].y))
    assert fig.layout.shapes[2].x0 == 15  # the fork marker


def test_trust_heatmap_is_the_matrix_at_the_step(hanoi) -> None:
    step = run_view(hanoi).last_step - 2  # a week inside the run (seed 0 ends in week 22)
    fig = F.trust_heatmap(hanoi, step)
    agents, sides, z = F.trust_matrix_at(hanoi, step)
    assert sides == ["us", "dprk"]
    row = agents.index("kim")
    assert z[row][0] == pytest.approx(hanoi.variable("trust_us", "kim")[1][step], abs=1e-4)
    assert z[row][1] is None  # no trust in one's own side
    assert fig.data[0].z[row][0] == z[row][0]


def test_win_sets_recomputed_from_the_series_match_the_recorded_areas(hanoi) -> None:
    view = run_view(hanoi)
    for step in (0, 10, 22, 33, view.last_step):
        _, ws = win_sets_at(hanoi, step)
        for side in ("us", "dprk"):
            assert ws[side].mean() == pytest.approx(view.at("win_set_area", side, step), abs=1e-12)
        assert (ws["us"] & ws["dprk"]).mean() == pytest.approx(view.at("zone_area", "world", step), abs=1e-12)


def test_issue_space_shows_the_offers_of_the_summit_week(hanoi) -> None:
    rejected = [e for e in hanoi.events.to_pylist() if e["kind"] == "offer_rejected"]
    week = rejected[0]["step"]
    fig = F.issue_space_figure(hanoi, week)
    now = fig.data[2]
    # every offer of the week is drawn, rejected (a cross) or agreed (a star); seed 0's summit in week 22
    # has one of each under the shipped defaults
    offers = [e for e in hanoi.events.to_pylist() if e["step"] == week and e["kind"] in ("offer_rejected", "agreement")]
    assert len(now.x) == len(offers)
    assert list(now.marker.symbol).count("star") == sum(e["kind"] == "agreement" for e in offers)
    # the detail is "d=0.35, r=0.50; binding: r": the point, then why it was rejected
    d, r = (float(v.split("=")[1]) for v in rejected[0]["detail"].split(";")[0].split(", ")[:2])
    assert (d, r) in set(zip(now.x, now.y, strict=True))
    before = F.issue_space_figure(hanoi, week - 1)
    assert len(before.data[2].x) == 0


def test_network_nodes_coloured_by_stance_and_positions_fixed() -> None:
    # a run with a walk-away (seed 15 has one in week 22 under the shipped defaults; the next lines fail if not)
    hanoi = run_scenario(load_scenario("hanoi-2019"), seed=15)
    pos = F.network_positions(hanoi)
    assert pos == F.network_positions(hanoi)
    # the week of the run's first walk-away
    week = next(int(e["step"]) for e in hanoi.events.to_pylist() if e["kind"] == "walk_away")
    fig = F.network_figure(hanoi, week, pos)
    nodes = fig.data[F.network_node_trace(hanoi)]
    order = [a["id"] for a in hanoi.manifest["actors"]]
    k = order.index("kim")
    assert nodes.marker.color[k] == pytest.approx(hanoi.variable("stance", "kim")[1][week], abs=1e-4)
    assert (nodes.x[k], nodes.y[k]) == pos["kim"]
    later = F.network_figure(hanoi, min(week + 10, run_view(hanoi).last_step), pos).data[F.network_node_trace(hanoi)]
    assert later.x == nodes.x and later.y == nodes.y
    # this week's signals are arrows: the walk-away at the summit points from its sender to its receiver
    walk = next(e for e in hanoi.events.to_pylist() if e["kind"] == "walk_away" and e["step"] == week)
    heads = fig.data[F.network_node_trace(hanoi) - 1]
    k = list(heads.hovertext).index(walk["text"])
    start, end = np.array([heads.x[k], heads.y[k]]), np.array([heads.x[k + 1], heads.y[k + 1]])
    sender, receiver = np.array(pos[walk["sender"]]), np.array(pos[walk["receiver"]])
    assert heads.marker.size[k] == 0 and heads.marker.size[k + 1] > 0  # the head is at the receiver's end
    assert np.linalg.norm(end - receiver) < 0.2 and np.linalg.norm(start - sender) < 0.1
    assert np.linalg.norm(end - receiver) < np.linalg.norm(start - receiver)
    n_week = sum(len(str(e["receiver"]).split("+")) for e in hanoi.events.to_pylist() if e["step"] == week and e["sender"])
    assert len(heads.x) == 2 * n_week


def test_network_switches_to_webgl_above_the_threshold(hanoi, monkeypatch: pytest.MonkeyPatch) -> None:
    assert F.network_figure(hanoi, 3).data[-1].type == "scatter"
    monkeypatch.setattr(summitry.sim.figures.network, "GL_THRESHOLD", 5)  # where the network figure reads it
    assert F.network_figure(hanoi, 3).data[-1].type == "scattergl"


def test_pressure_figure_lines_are_side_series_in_side_colours(hanoi) -> None:
    fig = F.pressure_figure(hanoi, 5)
    by_meta = {tuple(t.meta[:2]): t for t in fig.data if t.meta}
    econ = by_meta[("pressure_economic", "dprk")]
    assert np.allclose(econ.y, hanoi.variable("pressure_economic", "dprk")[1])
    assert econ.line.color == "#d62728"
    assert np.allclose(by_meta[("tension", "world")].y, hanoi.variable("tension", "world")[1])


def test_events_table_rows_up_to_a_step(hanoi) -> None:
    rows = F.events_table_rows(hanoi, 10)
    assert len(rows) == sum(1 for e in hanoi.events.to_pylist() if e["step"] <= 10)
    assert set(rows[0]) >= {"week", "date", "sender", "receiver", "kind", "sentence"}
    assert rows[0]["sender"] == "NSC hawks (Bolton)" and rows[0]["date"] == "2018-06-18"
    mediation = next(r for r in rows if r["kind"] == "mediation")
    assert mediation["receiver"] == "Donald Trump + Kim Jong Un"


def test_outcome_figure_has_wilson_intervals() -> None:
    fig = F.outcome_figure(["walk_away"] * 5 + ["declaration"] * 5)
    bar = fig.data[0]
    i = list(bar.meta).index("walk_away")
    assert bar.x[i] == pytest.approx(0.5)
    _, lo, hi = wilson(5, 10)
    assert bar.customdata[i][1] == pytest.approx(lo) and bar.customdata[i][2] == pytest.approx(hi)
    assert bar.error_x.array[i] == pytest.approx(hi - 0.5)
    assert lo == pytest.approx(0.2366, abs=1e-4)


def test_fan_chart_median_and_bands() -> None:
    sc = load_scenario("teaching")
    runs = [run_scenario(sc, seed=s) for s in range(5)]
    fig = F.fan_chart(runs, "trust_beta", "ada")
    values = np.stack([r.variable("trust_beta", "ada")[1] for r in runs])
    assert np.allclose(fig.data[4].y, np.median(values, axis=0))
    assert np.allclose(fig.data[0].y, np.percentile(values, 5, axis=0))
    assert np.allclose(fig.data[3].y, np.percentile(values, 75, axis=0))


# -------------------------------------------------------------------- cache
def test_cache_evicts_the_least_recently_used_at_its_bound() -> None:
    cache: LRUCache[int] = LRUCache(3)
    for k in "abc":
        cache.put(k, ord(k))
    assert cache.get("a") == ord("a")  # now b is the oldest
    cache.put("d", 4)
    assert sorted(cache.keys()) == ["a", "c", "d"]
    assert "b" not in cache and len(cache) == 3 and cache.evictions == 1


def test_cache_computes_a_missing_key_once_for_concurrent_callers() -> None:
    cache: LRUCache[int] = LRUCache(4)
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 4 and len(calls) == 1


def test_different_configurations_hash_differently() -> None:
    base = config_hash("h", {"parameters.kappa": 3}, 1, None)
    assert base == config_hash("h", {"parameters.kappa": 3.0}, 1, None)
    others = {
        config_hash("h", {"parameters.kappa": 3}, 2, None),
        config_hash("h", {"parameters.kappa": 4}, 1, None),
        config_hash("h", {}, 1, None),
        config_hash("other", {"parameters.kappa": 3}, 1, None),
        config_hash("h", {"parameters.kappa": 3}, 1, "forcing"),
        config_hash("h", {"parameters.kappa": 3}, 1, None, {"at": 5, "overrides": {"parameters.eta": 1}}),
    }
    assert base not in others and len(others) == 6


def test_service_keeps_at_most_its_bound_and_recomputes_identically(tmp_path: Path) -> None:
    svc = Service("teaching", cache_size=2, upload_dir=tmp_path)
    first = svc.result({"scenario": "teaching", "seed": 1})
    svc.result({"scenario": "teaching", "seed": 2})
    svc.result({"scenario": "teaching", "seed": 3})
    assert len(svc.runs) == 2
    assert svc.run_key({"scenario": "teaching", "seed": 1}) not in svc.runs
    again = svc.result({"scenario": "teaching", "seed": 1})
    assert again is not first
    assert json.dumps(again.events.to_pylist(), default=str) == json.dumps(first.events.to_pylist(), default=str)


# ---------------------------------------------------------------- callbacks
def test_url_query_round_trip() -> None:
    config, step, tab = parse_query("?scenario=hanoi-2019&seed=7&step=12&trump.traits.impulsiveness=0.3&tab=fork", "teaching")
    assert config == {"scenario": "hanoi-2019", "seed": 7, "mode": None, "overrides": {"trump.traits.impulsiveness": 0.3}}
    assert (step, tab) == (12, "fork")
    assert parse_query(build_query(config, step), "teaching")[:2] == (config, 12)


def test_render_run_draws_every_view_at_the_step(service: Service) -> None:
    out = render_run(service, {"scenario": "teaching", "seed": 3}, 7, [])
    result = service.result({"scenario": "teaching", "seed": 3})
    assert out["step"] == 7 and out["slider_max"] == run_view(result).last_step
    assert out["run_info"]["key"] == service.run_key({"scenario": "teaching", "seed": 3})
    assert np.allclose(out["trust"].data[0].y, result.variable("trust_beta", "ada")[1])
    # the marker and the veil are the page's overlay here, not the figure's shapes
    assert out["trust"].layout.shapes[1].x0 == 7 and not out["trust"].layout.shapes[1].visible
    assert out["step_label"].startswith("week 7 of ")
    # the log is newest first
    assert out["events"][0]["week"] == max(e["step"] for e in result.events.to_pylist())
    # a step beyond the run is clipped
    assert render_run(service, {"scenario": "teaching", "seed": 3}, 10_000, [])["step"] == out["slider_max"]


def test_step_forward_returns_the_next_steps_values(service: Service) -> None:
    config = service.config({"scenario": "teaching", "seed": 3})
    info = render_run(service, config, 3, [])["run_info"]
    result = service.result(config)
    out = navigate(service, ids.FORWARD, 3, info, config, None)
    assert out["step"] == 4
    # the time-series charts are not redrawn: their week marker is an overlay the page moves
    assert not {"trust", "pressure", "stance", "zone"} & set(out)
    heat = patch_ops(out["heatmap"])
    agents, _, _ = F.trust_matrix_at(result, 4)
    z = heat[("data", 0, "z")]
    assert z[agents.index("ada")][1] == pytest.approx(result.variable("trust_beta", "ada")[1][4], abs=1e-4)
    net = patch_ops(out["network"])
    actors = [a["id"] for a in result.manifest["actors"]]
    colours = net[("data", info["node_trace"], "marker", "color")]
    assert colours[actors.index("ada")] == pytest.approx(result.variable("stance", "ada")[1][4], abs=1e-4)
    assert out["step_label"].startswith("week 4 of")


def test_slider_scrub_returns_that_steps_values_without_moving_the_slider(service: Service) -> None:
    config = service.config({"scenario": "teaching", "seed": 3})
    info = render_run(service, config, 0, [])["run_info"]
    result = service.result(config)
    out = navigate(service, ids.SLIDER, 11, info, config, None)
    assert "step" not in out  # the slider is where the user put it
    z = patch_ops(out["heatmap"])[("data", 0, "z")]
    agents, _, _ = F.trust_matrix_at(result, 11)
    assert z[agents.index("ada")][1] == pytest.approx(result.variable("trust_beta", "ada")[1][11], abs=1e-4)
    back = navigate(service, ids.BACK, 11, info, config, None)
    assert back["step"] == 10
    assert navigate(service, ids.RESET, 11, info, config, None)["step"] == 0
    assert navigate(service, ids.END, 11, info, config, None)["step"] == info["last"]


def test_navigation_leaves_figures_alone_while_another_run_is_drawn(service: Service) -> None:
    config = service.config({"scenario": "teaching", "seed": 3})
    info = render_run(service, config, 0, [])["run_info"]
    assert navigate(service, ids.FORWARD, 0, info, {**config, "seed": 4}, None) == {}


def test_play_stops_at_the_end_and_restarts_from_zero(service: Service) -> None:
    config = service.config({"scenario": "teaching", "seed": 3})
    info = render_run(service, config, 0, [])["run_info"]
    last = info["last"]
    tick = navigate(service, ids.TIMER, last - 1, info, config, None)
    assert tick["step"] == last and tick["timer_disabled"] is True
    assert navigate(service, ids.TIMER, last, info, config, None) == {"timer_disabled": True}
    assert play_pause(info, last, True) == {"timer_disabled": False, "step": 0}
    assert play_pause(info, 4, False) == {"timer_disabled": True}


def test_bad_upload_shows_the_file_line_messages_and_keeps_the_run(service: Service) -> None:
    bad = "name: broken\ntitle: x\n"
    before = {"scenario": "teaching", "seed": 3, "mode": None, "overrides": {}}
    out = upload_scenario(service, upload_contents(bad), "bad.yaml", before)
    assert "config" not in out  # the store is not touched: the previous run stays
    text = " ".join(str(c.children) for c in out["errors"])
    assert "bad.yaml:1: description: required field is missing" in text
    assert "bad.yaml:1: sides: required field is missing" in text


def test_oversized_upload_is_refused(service: Service) -> None:
    big = "# " + "x" * (2 * 1024 * 1024 + 10) + "\n"
    out = upload_scenario(service, upload_contents(big), "big.yaml", None)
    assert "config" not in out
    assert "the limit is 2 MiB" in " ".join(str(c.children) for c in out["errors"])


def test_an_upload_whose_run_would_be_too_large_is_refused(tmp_path: Path) -> None:
    """A valid file of 20,000 steps (7 actors: 140,000 actor-steps) took 30 s in one request and about 360 MB a seed."""
    service = Service("teaching", cache_size=8, upload_dir=tmp_path)
    text = (ROOT / "scenarios" / "teaching.yaml").read_text().replace("steps: 30}", "steps: 20000}")
    out = upload_scenario(service, upload_contents(text), "long.yaml", None)
    assert "config" not in out and len(service.runs) == 0  # nothing run
    message = " ".join(str(c.children) for c in out["errors"])
    assert "long.yaml: 7 actors x 20,000 steps = 140,000; the dashboard runs at most 100,000 actor-steps a run" in message
    # the largest allowed: 14,285 steps of the same 7 actors (99,995 actor-steps) is taken
    ok = text.replace("steps: 20000}", "steps: 14285}")
    assert "config" in upload_scenario(service, upload_contents(ok), "long.yaml", None)


def test_the_run_cache_is_bounded_by_the_bytes_of_its_tables(tmp_path: Path) -> None:
    service = Service("teaching", cache_size=8, upload_dir=tmp_path)
    service.runs.max_weight = 1.0  # smaller than any run: only the newest is kept, whatever the count allows
    for seed in (1, 2, 3):
        service.result(service.config({"scenario": "teaching", "seed": seed}))
    assert len(service.runs) == 1 and service.runs.weight > 1.0
    (key,) = service.runs.keys()
    assert service.runs.get(key).manifest["seed"] == 3


def test_good_upload_becomes_the_run(service: Service) -> None:
    text = (ROOT / "scenarios" / "teaching.yaml").read_text().replace("steps: 30", "steps: 12")
    out = upload_scenario(service, upload_contents(text), "short.yaml", {"seed": 5})
    ref = out["config"]["scenario"]
    assert ref.startswith("upload:") and out["config"]["seed"] == 5 and out["scenario"] == ref
    assert run_view(service.result(out["config"])).last_step == 11


def test_parameters_become_overrides_and_bad_values_are_reported(service: Service) -> None:
    config = service.config({"scenario": "teaching", "seed": 0})
    table = {p.path: p for p in service.parameter_table("teaching")}
    ids_ = [{"type": ids.PARAM, "path": "parameters.kappa"}, {"type": ids.PARAM, "path": "parameters.eta"}]
    out = apply_parameters(service, [3.5, table["parameters.eta"].value], ids_, 9, "forcing", config)
    assert out["config"] == {"scenario": "teaching", "seed": 9, "mode": "forcing", "overrides": {"parameters.kappa": 3.5}}
    assert service.result(out["config"]).manifest["parameters"]["kappa"] == 3.5
    bad = apply_parameters(service, [99.0, None], ids_, 9, "default", config)
    assert "config" not in bad
    assert "parameters.kappa" in " ".join(str(c.children) for c in bad["errors"])


def test_parameter_groups_are_built_on_opening_with_the_runs_values(service: Service) -> None:
    config = service.config({"scenario": "teaching", "seed": 0, "overrides": {"parameters.kappa": 3.5}})
    panel = build_param_panel(service, config, None)
    groups = [d.id for d in panel["panel"]]
    assert [g["group"] for g in groups] == ["model", "alpha", "beta", "third parties", "signals"]
    out = open_param_groups(service, {"type": "param-summary", "group": "model"}, "", groups, [], [], [], config)
    assert out["built"] == ["model"] and out["bodies"][1] is None
    sliders = {
        r.children[1].id["path"]: r.children[1].value for r in out["bodies"][0] if hasattr(r, "children") and isinstance(r.children, list)
    }
    assert sliders["parameters.kappa"] == 3.5
    found = open_param_groups(service, None, "impulsiveness", groups, ["model"], [], [], config)
    # leaders', factions' and third parties' traits all match (third parties have traits since issue 14, item 5)
    assert found["built"] == ["model", "alpha", "beta", "third parties"] and found["open"] == [False, True, True, True, False]
    # the signal catalogue's costs and magnitudes (issue 14, item 6), one heading per kind
    costs = open_param_groups(service, None, "walk_away.effects", groups, [], [], [], config)
    assert costs["built"] == ["signals"] and costs["open"] == [False, False, False, False, True]
    body = costs["bodies"][4]
    headings = ["".join(_texts(r)) for r in body if getattr(r, "className", None) == "actor"]
    assert "Walk-away (signal)" in headings and "Verbal threat (signal)" in headings
    labels = " ".join(str(r.children) for r in body)
    assert "effects › 0 › delta" in labels and "walk_away" not in " ".join(headings)


def test_every_model_parameter_has_a_label_in_words() -> None:
    """The parameter panel, the fork chips and the run's title name parameters by their labels: a parameter added
    without one shows as its identifier in words ("summit weight"), so each must have its own."""
    from summitry.sim.labels import PARAMETER_LABELS, parameter_label
    from summitry.sim.mechanisms.parameters import ModelParameters

    names = set(ModelParameters.model_fields)
    assert sorted(names - PARAMETER_LABELS.keys()) == []
    assert sorted(PARAMETER_LABELS.keys() - names) == []  # no label for a parameter that is gone
    assert parameter_label("parameters.reciprocity_match") == "how far a gesture is answered in kind"


def test_fork_runs_the_counterfactual_with_the_same_seed(service: Service) -> None:
    config = service.config({"scenario": "teaching", "seed": 2})
    draft = {"overrides": {"parameters.trust_decl": 0.0, "parameters.rapport_decl": 0.0, "parameters.kappa": 5.0}, "add": []}
    out = run_fork_callback(service, config, 6, draft, [], 6)
    spec = out["fork"]["spec"]
    assert spec["at"] == 6
    alt = service.fork_result(config, spec)
    base = service.result(config)
    fig = out["fork_trust"]
    assert np.allclose(fig.data[0].y, base.variable("trust_beta", "ada")[1])
    assert np.allclose(fig.data[2].y, alt.variable("trust_beta", "ada")[1])
    assert alt.manifest["fork"]["at_step"] == 6 and alt.manifest["seed"] == 2
    past = [json.dumps([e for e in r.events.to_pylist() if e["step"] < 6], default=str) for r in (alt, base)]
    assert past[0] == past[1]
    # a step patches both branches
    info = render_run(service, config, 6, [])["run_info"]
    nav = navigate(service, ids.FORWARD, 6, info, config, out["fork"])
    assert patch_ops(nav["fork_trust"])[("layout", "shapes", 0, "x0")] == 7
    assert ("data", 0, "z") in patch_ops(nav["fork_issues_alt"])


def test_ensemble_advances_in_chunks_and_ends_with_probabilities(service: Service) -> None:
    config = service.config({"scenario": "teaching", "seed": 0})
    state = ensemble_start(service, config, 6)["ensemble"]
    seen = []
    out: dict[str, Any] = {}
    for _ in range(50):
        out = ensemble_tick(service, state, budget_s=0.0)  # one run per tick
        state = out["ensemble"]
        seen.append(state["done"])
        if not state["running"]:
            break
    assert seen == [1, 2, 3, 4, 5, 6]
    assert out["timer_disabled"] is True
    outcomes = [run_scenario(load_scenario("teaching"), seed=s).outcome for s in range(6)]
    bar = out["ens_outcomes"].data[0]
    for outcome, p in zip(bar.meta, bar.x, strict=True):
        assert p == pytest.approx(outcomes.count(outcome) / 6)


def finish_ensemble(service: Service, config: dict[str, Any], n: int, budget_s: float) -> dict[str, Any]:
    """Start an ensemble of ``n`` runs and tick it until it stops (at most 50 ticks); the last tick's outputs."""
    state = ensemble_start(service, config, n)["ensemble"]
    out: dict[str, Any] = {}
    for _ in range(50):
        out = ensemble_tick(service, state, budget_s=budget_s)
        state = out["ensemble"]
        if not state["running"]:
            break
    return out


def km_curve(fig: Any) -> Any:
    (curve,) = [d for d in fig.data if d.meta == "km"]
    return curve


def test_ensemble_kaplan_meier_figures_from_the_members_durations() -> None:
    """Events at weeks 2, 3, 3 and censored at 4, 5, 6: S = 1, 5/6, 1/2, 1/2, 1/2, 1/2 (worked by hand)."""
    members = [
        {"time_to_agreement": w, "agreement_censored": c, "moratorium_survival": m, "moratorium_censored": mc}
        for w, c, m, mc in [
            (2, False, 1, False),
            (3, False, None, None),
            (3, False, 5, True),
            (4, True, None, None),
            (5, True, 2, False),
            (6, True, 4, True),
        ]
    ]
    out = ensemble_survival_figures(members)
    curve = km_curve(out["ens_km_agreement"])
    assert list(curve.x) == [0, 2, 3, 4, 5, 6]
    assert list(curve.y) == pytest.approx([1, 5 / 6, 1 / 2, 1 / 2, 1 / 2, 1 / 2])
    assert [row[0] for row in curve.customdata] == [6, 6, 5, 3, 2, 1]
    assert out["ens_km_agreement"].layout.xaxis2.title.text == "week of the run"
    # moratorium: four pledges (breached after 1 and 2 weeks, held after 4 and 5): S = 3/4 after week 1, 3/4 · 2/3 = 1/2 after week 2
    curve = km_curve(out["ens_km_moratorium"])
    assert list(curve.x) == [0, 1, 2, 4, 5]
    assert list(curve.y) == pytest.approx([1, 3 / 4, 1 / 2, 1 / 2, 1 / 2])
    assert "4 of 6 runs" in out["ens_km_moratorium"].layout.title.text
    assert out["ens_km_moratorium"].layout.xaxis2.title.text == "weeks since the first pledge"


def test_ensemble_tab_ends_with_kaplan_meier_curves_of_its_runs(service: Service) -> None:
    # hanoi-2019 in forcing mode: the record's pledge is breached in every run (an event), agreements are censored
    config = service.config({"scenario": "hanoi-2019", "seed": 0, "mode": "forcing"})
    out = finish_ensemble(service, config, 5, budget_s=5.0)
    metrics = [run_scenario(load_scenario("hanoi-2019"), seed=s, mode="forcing").manifest["metrics"] for s in range(5)]
    assert any(m["moratorium_censored"] is False for m in metrics)  # the moratorium curve has a step to check
    # the expected curves by hand from the runs' own metrics: the product over event weeks of (1 - events / at risk)
    for key, dur, cens in (
        ("ens_km_agreement", "time_to_agreement", "agreement_censored"),
        ("ens_km_moratorium", "moratorium_survival", "moratorium_censored"),
    ):
        runs = [(m[dur], m[cens]) for m in metrics if m[dur] is not None]
        weeks = sorted({w for w, _ in runs} | {0})
        s, expected = 1.0, []
        for w in weeks:
            at_risk = sum(1 for d, _ in runs if d >= w)
            s *= 1 - sum(1 for d, c in runs if d == w and not c) / at_risk
            expected.append(s)
        curve = km_curve(out[key])
        assert list(curve.x) == weeks and list(curve.y) == pytest.approx(expected)
        assert curve.customdata[0][0] == len(runs)


def test_export_data_zips_events_and_series(service: Service) -> None:
    config = service.config({"scenario": "teaching", "seed": 1})
    result = service.result(config)
    out = export_data(service, config, "CSV")["download"]
    assert out["filename"] == "teaching-seed1-csv.zip"
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(out["content"]))) as zf:
        names = zf.namelist()
        events = zf.read("teaching-seed1/events.csv").decode().strip().splitlines()
    assert sorted(names) == ["teaching-seed1/events.csv", "teaching-seed1/run.json", "teaching-seed1/series.csv"]
    assert len(events) == result.events.num_rows + 1


def test_export_report_is_the_html_report_or_else_the_run_directory(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    import summitry.dashboard.callbacks.export as cb  # where export_report looks its writer up

    config = service.config({"scenario": "teaching", "seed": 1})
    monkeypatch.setattr(cb, "report_writer", lambda: None)
    fallback = cb.export_report(service, config)["download"]
    assert fallback["filename"] == "teaching-seed1.zip"
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(fallback["content"]))) as zf:
        assert sorted(zf.namelist()) == [
            "teaching-seed1/events.parquet",
            "teaching-seed1/run.json",
            "teaching-seed1/scenario.json",  # the exported run carries its scenario
            "teaching-seed1/series.parquet",
        ]

    def fake_writer(run_dir: Path, out_path: Path) -> Path:
        manifest = json.loads((Path(run_dir) / "run.json").read_text())
        Path(out_path).write_text(f"<html>{manifest['scenario']} seed {manifest['seed']}</html>")
        return Path(out_path)

    monkeypatch.setattr(cb, "report_writer", lambda: fake_writer)
    report = cb.export_report(service, config)["download"]
    assert report["filename"] == "teaching-seed1-report.html"
    assert base64.b64decode(report["content"]).decode() == "<html>teaching seed 1</html>"


@pytest.mark.parametrize(
    "module",
    [
        "summitry.dashboard.cache",
        "summitry.sim.results.runview",
        "summitry.dashboard.callbacks.url",
        "summitry.dashboard.callbacks.choices",
        "summitry.sim.figures.nodes",
        "summitry.dashboard.service",
        "summitry.dashboard.callbacks.common",
        "summitry.dashboard.callbacks.fork",
        "summitry.dashboard.callbacks.configuration",
        "summitry.dashboard.layout",
    ],
)
def test_docstring_examples_hold(module: str) -> None:
    import doctest
    import importlib

    outcome = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0 and outcome.failed == 0


def test_dashboard_opens_a_calibration_file_through_its_url(tmp_path) -> None:
    """calibrated.yaml (the --params format) becomes a URL whose parameters the dashboard reads back."""
    from summitry.dashboard.callbacks import parse_query
    from summitry.dashboard.cli import dashboard_url

    url = dashboard_url("127.0.0.1", 8050, "hanoi-2019", {"kappa": 2.66, "trump.traits.impulsiveness": 0.44})
    config, step, _ = parse_query(url.split("/", 3)[3].lstrip("/"), "singapore-2018")
    assert config["scenario"] == "hanoi-2019" and step == 0
    assert config["overrides"] == {"parameters.kappa": 2.66, "trump.traits.impulsiveness": 0.44}


def test_dashboard_refuses_a_parameter_file_for_another_scenario(tmp_path, cli) -> None:
    path = tmp_path / "calibrated.yaml"
    path.write_text("scenario: teaching\nparameters:\n  kappa: 3\n")
    r = cli("dashboard", "--scenario", "hanoi-2019", "--params", str(path))
    assert r.code == 2 and f"--params {path}:1: scenario: the file is for 'teaching', not 'hanoi-2019'" in r.stderr
    path.write_text("scenario: hanoi-2019\nparameters:\n  kapa: 3\n")
    r = cli("dashboard", "--params", str(path))
    assert r.code == 2 and "close matches" in r.stderr


def test_config_overrides_from_the_browser_keep_only_finite_numbers() -> None:
    from summitry.dashboard.service import normalise_config

    config = normalise_config(
        {
            "scenario": "teaching",
            "overrides": {"parameters.kappa": "2.5", "parameters.nu": 3.0, "a": "x", "b": None, "c": float("nan"), "d": "inf", "e": [1]},
        },
        "teaching",
    )
    assert config["overrides"] == {"parameters.kappa": 2.5, "parameters.nu": 3}
    assert isinstance(config["overrides"]["parameters.nu"], int)


def test_a_signal_cost_is_a_dashboard_parameter_and_a_fork_change(service: Service) -> None:
    """Issue 14, item 6: the catalogue's numbers go through the dashboard's overrides like any parameter."""
    from summitry.dashboard.callbacks import check_fork_change

    config = service.config({"scenario": "teaching", "seed": 0, "overrides": {"signals.threat.cost": 0.3}})
    result = service.result(config)
    assert result.manifest["overrides"] == {"signals.threat.cost": 0.3}
    assert result.scenario_document["signals"]["threat"] == {"cost": 0.3}
    assert check_fork_change(service, config, "signals.walk_away.effects.0.delta", 0.5) == []
    assert check_fork_change(service, config, "signals.threat.cost", 2) == ["signals.threat.cost: must be within [0, 1] (got 2)"]


def test_a_refused_fork_change_fills_the_status_and_leaves_the_draft(service: Service) -> None:
    """The draft's callback answers all four of its outputs when a change is refused: the status shows why,
    and the draft, its view and the fork's week are left alone (before, it answered one value for four outputs,
    which Dash rejects, so the refusal never reached the page)."""
    from dash import no_update

    from summitry.dashboard.callbacks.common import _emit
    from summitry.dashboard.callbacks.fork import edit_draft

    config = service.config({"scenario": "teaching", "seed": 0})
    out = edit_draft(service, "fork-add-change", None, [], "signals.threat.cost", 2, None, None, None, None, 4, config)
    assert list(out) == ["status"]
    assert [div.children for div in out["status"]] == ["This change cannot be made", "signals.threat.cost: must be within [0, 1] (got 2)"]
    emitted = _emit(["draft", "draft_view", "status", "at"], out)
    assert len(emitted) == 4 and emitted[0] is no_update and emitted[1] is no_update and emitted[3] is no_update
    accepted = edit_draft(service, "fork-add-change", None, [], "signals.threat.cost", 0.5, None, None, None, None, 4, config)
    assert accepted["status"] == "" and accepted["draft"] == {"overrides": {"signals.threat.cost": 0.5}, "add": []}


def _texts(component: Any) -> list[str]:
    """The text of a dash html component tree, leaf by leaf, in order."""
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    if children is None:
        return []
    if not isinstance(children, list):
        children = [children]
    return [t for c in children for t in _texts(c)]


def test_record_fit_scores_this_run_against_each_pattern_and_weighs_them(hanoi) -> None:
    """One row per pattern with this run's score (a dash where it does not apply), then the weighted mean of those that apply."""
    from summitry.dashboard.callbacks.run_views import record_fit
    from summitry.sim.analysis.patterns import score_run
    from summitry.sim.labels import pattern_window_text

    sc = load_scenario("hanoi-2019")
    # the first seed whose run has a pattern that does not apply (no second summit, say), besides the fixture's
    other = next(r for r in (run_scenario(sc, seed=s) for s in range(1, 30)) if any(math.isnan(v) for v in score_run(r, sc).values()))
    for result in (hanoi, other):
        table, hint = record_fit(sc, result)
        body = table.children[1].children
        assert len(body) == len(sc.patterns) + 1
        scores = score_run(result, sc)
        used = []
        for row, p in zip(body, sc.patterns, strict=False):
            text, when, score = (_texts(c) for c in row.children)
            assert text[0].startswith(p.text)
            # the window with its tolerance, as the CLI's backtest table and the reports print it
            assert when == [pattern_window_text(p.model_dump(), "week")]
            if p.id == "second-summit":
                assert when == ["34–38 ± 3"]
            v = scores[p.id]
            assert score == (["—"] if math.isnan(v) else [f"{v:.2f}"])
            if not math.isnan(v):
                used.append((p.weight, v))
        total = sum(w * v for w, v in used) / sum(w for w, _ in used)
        assert _texts(body[-1].children[2]) == [f"{total:.2f}"]
        assert "summitry backtest hanoi-2019" in _texts(hint)[1]
    assert "—" in [_texts(row.children[2])[0] for row in record_fit(sc, other)[0].children[1].children]
    # a scenario without patterns gets a hint, not an empty table
    (only,) = record_fit(load_scenario("teaching"), run_scenario(load_scenario("teaching"), seed=0, steps=3))
    assert "no historical patterns" in _texts(only)[0]


def test_ensemble_record_by_hand_and_from_a_real_ensemble(service: Service) -> None:
    """Pattern a (weight 1) applies to every run, b (weight 3) to two: Wilson shares over the runs each applies to, by hand."""
    from types import SimpleNamespace

    from summitry.dashboard.callbacks.ensemble import ensemble_record
    from summitry.dashboard.service import ensemble_summary
    from summitry.sim.analysis.patterns import score_run
    from summitry.sim.scenario.pattern_fields import Pattern
    from summitry.sim.stats import Z95, wilson

    pats = [Pattern(id="a", text="fact a", kind="k", window=(0, 3)), Pattern(id="b", text="fact b", kind="k", window=(2, 5), weight=3)]
    nan = math.nan
    members = [{"patterns": {"a": 1.0, "b": nan}}, {"patterns": {"a": 0.5, "b": 1.0}}, {"patterns": {"a": 0.0, "b": 0.0}}]
    table, _hint = ensemble_record(SimpleNamespace(patterns=pats, name="x"), members)  # type: ignore[arg-type]
    rows = [[_texts(c) for c in row.children] for row in table.children[1].children]
    a, alo, ahi = wilson(1.5, 3)
    b, blo, bhi = wilson(1.0, 2)
    assert rows[0] == [["fact a"], ["0–3 ± 3"], [f"{a:.2f} [{alo:.2f}, {ahi:.2f}]"], ["3 of 3"]]
    assert rows[1] == [["fact b", " (weight 3)"], ["2–5 ± 3"], [f"{b:.2f} [{blo:.2f}, {bhi:.2f}]"], ["2 of 3"]]
    runs = np.array([1.0, (0.5 + 3.0) / 4, 0.0])  # each run's weighted score over the patterns that apply to it
    half = Z95 * runs.std(ddof=1) / math.sqrt(3)
    assert rows[2][2] == [f"{runs.mean():.2f} [{max(0.0, runs.mean() - half):.2f}, {min(1.0, runs.mean() + half):.2f}]"] and rows[2][3] == [
        "3 of 3"
    ]
    # a real ensemble keeps each run's pattern scores, so its record is the runs' scores
    sc = load_scenario("hanoi-2019")
    result = run_scenario(sc, seed=4)
    kept = ensemble_summary(result, sc)["patterns"]
    assert kept.keys() == score_run(result, sc).keys()
    assert all(v == w or (math.isnan(v) and math.isnan(w)) for v, w in zip(kept.values(), score_run(result, sc).values(), strict=True))
    # a scenario without patterns: a hint; the ensemble tab of the teaching case ends with it
    config = service.config({"scenario": "teaching", "seed": 0})
    out = finish_ensemble(service, config, 2, budget_s=0.0)
    (only,) = out["ens_record"]
    assert "no historical patterns" in _texts(only)[0]


def test_a_fork_after_the_runs_end_shows_why_it_cannot_run(service: Service) -> None:
    config = service.config({"scenario": "hanoi-2019", "seed": 0})  # ends in week 22
    draft = {"overrides": {"parameters.kappa": 7.0}, "add": []}
    out = run_fork_callback(service, config, 999, draft, [], 10)
    text = json.dumps(out["status"].to_plotly_json(), default=str)
    assert "The fork cannot be run" in text and "fork at week 999: the run ended in week 22" in text
    assert "fork" not in out  # no branch drawn


@pytest.mark.parametrize("typed", [-3, 2.5, "abc"])
def test_a_fork_week_that_is_no_week_is_refused_not_replaced(service: Service, typed: Any) -> None:
    """-3 or 2.5 in "At week" forked silently from the week on screen while the box showed what was typed."""
    config = service.config({"scenario": "teaching", "seed": 2})
    out = run_fork_callback(service, config, typed, {"overrides": {"parameters.kappa": 5.0}, "add": []}, [], 6)
    text = json.dumps(out["status"].to_plotly_json(), default=str)
    assert f"At week: {typed!r} is not a whole number of 0 or more" in text
    assert "fork" not in out


@pytest.mark.parametrize(("typed", "shown"), [(-1, "-1"), (999, "999"), (30, "30"), (1.5, "1.5"), ("abc", "'abc'")])
def test_an_event_week_that_is_no_week_of_the_run_is_refused_when_added(service: Service, typed: Any, shown: str) -> None:
    """-1 in the added event's week became the week on screen, and 999 was taken and failed only at Run, in the
    scenario's own terms (events[0].week: falls at step 999, outside the horizon 0..29)."""
    from summitry.dashboard.callbacks.fork import edit_draft

    config = service.config({"scenario": "teaching", "seed": 0})  # 30 weeks: 0 to 29
    draft = {"overrides": {}, "add": [{"week": 3, "kind": "praise", "sender": "ada"}]}
    out = edit_draft(service, "fork-add-event", None, draft, None, None, "praise", "bo", typed, None, 4, config)
    assert list(out) == ["status"]  # the draft and its chips stay as they were
    assert [div.children for div in out["status"]] == [
        "This event cannot be added",
        f"Week {shown} is not a week of this run; give a whole number from 0 to 29.",
    ]
    # a week of the run is added; an empty box puts the event in the fork's week (here the week on screen)
    for week, expected in ((29, 29), (0, 0), ("7", 7), (None, 4)):
        added = edit_draft(service, "fork-add-event", None, draft, None, None, "praise", "bo", week, None, 4, config)
        assert added["draft"]["add"][-1] == {"week": expected, "kind": "praise", "sender": "bo"}


@pytest.mark.parametrize(("forged", "shown"), [(-1, "-1"), (999, "999"), (2.5, "2.5"), ("abc", "'abc'"), (None, "None"), ("²", "'²'")])
def test_the_server_refuses_an_added_events_week_that_is_no_week_of_the_run(service: Service, forged: Any, shown: str) -> None:
    """The run checks the weeks of the draft the browser sends: 999 was refused in the scenario's own terms
    ("teaching (fork at week 2): events[0].week: falls at step 999, outside the horizon 0..29"), -1 likewise, and
    2.5 or "abc" silently became the fork's week."""
    config = service.config({"scenario": "teaching", "seed": 0})
    draft = {"overrides": {}, "add": [{"week": 5, "kind": "praise", "sender": "ada"}, {"week": forged, "kind": "praise", "sender": "bo"}]}
    out = run_fork_callback(service, config, 2, draft, [], 0)
    assert "fork" not in out  # no branch drawn
    assert _texts(out["status"]) == [
        "The fork cannot be run",
        f"Added event 2 (praise by Chairman Bo): week {shown} is not a week of this run; give a whole number from 0 to 29.",
    ]
    ok = run_fork_callback(service, config, 2, {**draft, "add": draft["add"][:1]}, [], 0)
    assert ok["fork"]["spec"]["add"][0]["week"] == 5
    # an event of no known kind or sender is not named by what the browser sent
    odd = run_fork_callback(service, config, 2, {**draft, "add": [{"week": forged, "kind": ["x"], "sender": "<b>"}]}, [], 0)
    assert _texts(odd["status"])[1].startswith(f"Added event 1: week {shown} is not a week of this run")


@pytest.mark.parametrize("forged", ["abc", [3], {"a": 1}, -4, 1e300, True, "--5", "²", "9999999999999999999"])
def test_a_forged_step_is_read_as_week_0_without_a_server_error(service: Service, forged: Any) -> None:
    """A step of "abc" or [3] posted to the callback raised in int() and logged a traceback for every request; so did
    text that str.isdigit takes for digits but int() refuses ("--5", "²")."""
    config = service.config({"scenario": "teaching", "seed": 2})
    info = render_run(service, config, 0, [])["run_info"]
    out = navigate(service, ids.FORWARD, forged, info, config, None)
    assert out["step"] == 1  # forward from week 0


@pytest.mark.parametrize("step", ["1e400", "nan", "abc", "-3"])
def test_a_url_step_that_is_no_step_opens_week_0(step: str) -> None:
    from summitry.dashboard.callbacks.url import parse_query

    assert parse_query(f"?scenario=teaching&step={step}", "teaching")[1] == 0


def test_a_scenario_picked_opens_at_its_beginning(service: Service) -> None:
    """It kept the week the previous case showed: End on a 105-month case, then dayton-1995 opened on its last day."""
    from summitry.dashboard.callbacks import choose_scenario

    before = service.config({"scenario": "teaching", "seed": 4})
    out = choose_scenario(service, "hanoi-2019", before, 4)
    assert out["step"] == 0 and out["config"]["scenario"] == "hanoi-2019" and out["config"]["seed"] == 4
    assert choose_scenario(service, "hanoi-2019", out["config"], 4) == {}  # the same case again changes nothing


def test_a_link_with_a_refused_value_opens_on_the_scenarios_own_values_and_says_why(service: Service) -> None:
    """kappa=-5 in the link kept the refused value: the banner said why, but every view stayed empty ("loading...")."""
    from summitry.dashboard.callbacks.url import init_from_url

    out = init_from_url(service, "?scenario=teaching&seed=3&step=4&parameters.kappa=-5")
    assert out["config"]["overrides"] == {} and out["config"]["seed"] == 3 and out["step"] == 4
    assert "In the link: parameters.kappa: must be within [0, 20] (got -5)" in json.dumps(
        [c.to_plotly_json() for c in out["errors"]], default=str
    )
    assert run_view(service.result(out["config"])).last_step > 0  # the page's run exists


def test_a_parameters_slider_spans_what_the_scenario_accepts_not_its_sweep_range(service: Service) -> None:
    """kappa accepts [0, 20] but its row's slider spanned the sweep range 0.5-5, so typing 10 became 5 (and 0.2, 0.5)."""
    from summitry.dashboard.layout import param_control

    info = {p.path: p for p in service.parameter_table("hanoi-2019")}["parameters.kappa"]
    assert (info.low, info.high, info.bounds) == (0.5, 5.0, (0.0, 20.0))
    row = param_control(info, info.value)
    slider = row.children[1]
    assert (slider.min, slider.max, slider.value) == (0.0, 20.0, info.value)
    assert slider.step == 0.01  # fine enough to hold the scenario's value (2.24): a snapped default would read as a change
    assert row.children[0].children[1].children == "0 – 20"


@pytest.mark.parametrize(
    ("typed", "shown"), [(-5, "-5"), (0, "0"), (2.5, "2.5"), (5001, "5001"), (1e9, "1000000000.0"), ("abc", "'abc'"), (True, "True")]
)
def test_a_runs_count_that_is_no_count_is_refused_not_replaced(service: Service, typed: Any, shown: str) -> None:
    """-5 ran 1 run, 2.5 ran 2, 1e9 ran 5,000 and abc ran 200, and the box was set to that count: what was typed was
    replaced by another count without a word. Now nothing starts and the progress line says why; the box keeps it."""
    config = service.config({"scenario": "teaching", "seed": 0})
    jobs = len(service.jobs)
    out = ensemble_start(service, config, typed)
    assert set(out) == {"timer_disabled", "progress"} and out["timer_disabled"] is True  # no ensemble, the box untouched
    assert _texts(out["progress"]) == [f"Runs: {shown} is not a whole number from 1 to 5,000; no ensemble was started"]
    assert len(service.jobs) == jobs


@pytest.mark.parametrize(("typed", "runs"), [(7, 7), (7.0, 7), ("12", 12), (1, 1), (5000, 5000)])
def test_a_runs_count_runs_as_typed(service: Service, typed: Any, runs: int) -> None:
    out = ensemble_start(service, service.config({"scenario": "teaching", "seed": 0}), typed)
    assert out["ensemble"]["n"] == runs and "n" not in out  # the box keeps what was typed


@pytest.mark.parametrize("typed", [None, ""])
def test_an_empty_runs_box_runs_the_default_count_and_shows_it(service: Service, typed: Any) -> None:
    out = ensemble_start(service, service.config({"scenario": "teaching", "seed": 0}), typed)
    assert out["ensemble"]["n"] == 200 and out["n"] == 200


@pytest.mark.parametrize(("typed", "shown"), [(-1, "-1"), (1.5, "1.5"), ("abc", "'abc'"), (1e30, "1e+30")])
def test_a_scenario_picked_with_a_seed_that_is_no_seed_is_refused_not_run_with_seed_0(service: Service, typed: Any, shown: str) -> None:
    """With -1 in the seed box, picking another case ran it with seed 0 while the box still showed -1."""
    from summitry.dashboard.callbacks import choose_scenario

    before = service.config({"scenario": "teaching", "seed": 4})
    out = choose_scenario(service, "hanoi-2019", before, typed)
    assert list(out) == ["errors"]  # the run on screen stays
    assert [div.children for div in out["errors"]] == [
        "This seed cannot be run",
        f"Seed: {shown} is not a whole number from 0 to 9,223,372,036,854,775,807",
    ]
    for seed, runs in ((5, 5), ("6", 6), (None, 0)):  # a seed, or an empty box (seed 0), opens the case
        assert choose_scenario(service, "hanoi-2019", before, seed)["config"]["seed"] == runs


def test_the_number_boxes_let_the_server_see_what_was_typed(service: Service) -> None:
    """The seed, Runs and parameter boxes had min, max or a whole step: Chromium sends a number it holds invalid under
    them (-1 under min=0, 1.5 under step=1, 6000 under max=5000) as empty, so the server ran seed 0, 200 runs or the
    scenario's own value while the box still showed what was typed. No number box of the page may have them (the
    server refuses such values with a message instead); a step of "any" lets every number through."""
    from summitry.dashboard.layout import build_layout, param_control

    def number_boxes(component: Any) -> list[Any]:
        found = [component] if type(component).__name__ == "Input" and getattr(component, "type", None) == "number" else []
        children = getattr(component, "children", None)
        children = children if isinstance(children, list | tuple) else [children] if children is not None else []
        return found + [box for child in children for box in number_boxes(child)]

    info = {p.path: p for p in service.parameter_table("teaching")}["gil.susceptibility"]  # no value: a number box
    boxes = number_boxes(build_layout(["teaching"], "teaching", report_available=False)) + number_boxes(param_control(info, None))
    assert {ids.SEED, ids.ENS_N, ids.FORK_AT, ids.FORK_ADD_WEEK, ids.FORK_VALUE} <= {b.id for b in boxes if isinstance(b.id, str)}
    assert any(isinstance(b.id, dict) and b.id["path"] == "gil.susceptibility" for b in boxes)
    for box in boxes:
        props = box.to_plotly_json()["props"]
        assert "min" not in props and "max" not in props and props.get("step", "any") == "any", box.id


@pytest.mark.parametrize("typed", [-1, 1.5, "abc", 1e30, "²", "9" * 5000])
def test_a_seed_that_is_no_seed_is_refused_not_replaced(service: Service, typed: Any) -> None:
    """The run used seed 0 (the title said so) while the box still showed -1; a forged "²" or 5,000 nines, digits to
    str.isdigit, made int() raise on the server."""
    from summitry.dashboard.callbacks import apply_parameters

    config = service.config({"scenario": "teaching", "seed": 7})
    out = apply_parameters(service, [], [], typed, None, config)
    assert "config" not in out
    assert f"Seed: {repr(typed)[:20]}" in json.dumps([c.to_plotly_json() for c in out["errors"]], default=str, ensure_ascii=False)
    assert "is not a whole number from 0 to" in out["errors"][1].children
    assert apply_parameters(service, [], [], 8, None, config)["config"]["seed"] == 8


def test_a_parameter_box_value_the_scenario_refuses_is_refused_with_its_reason(service: Service) -> None:
    """The box of a parameter without a value (gil.susceptibility, 0 to 1) had min 0 and max 1, so 1.5 reached the
    server as empty and the run kept the model's value; the server sees 1.5 now and the scenario refuses it."""
    from summitry.dashboard.callbacks import apply_parameters

    config = service.config({"scenario": "teaching", "seed": 7})
    path = [{"type": ids.PARAM, "path": "gil.susceptibility"}]
    out = apply_parameters(service, [1.5], path, 7, None, config)
    assert "config" not in out
    assert [div.children for div in out["errors"]] == [
        "These parameters cannot be run",
        "--set gil.susceptibility: must be within [0, 1] (got 1.5)",
    ]
    assert apply_parameters(service, [0.5], path, 7, None, config)["config"]["overrides"] == {"gil.susceptibility": 0.5}
    assert apply_parameters(service, [None], path, 7, None, config)["config"]["overrides"] == {}  # empty: the model's value


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: in a page, the text after it to the end of its paragraph is laid out reversed


def test_the_scenarios_text_is_isolated_from_the_pages_words(service: Service) -> None:
    """A title, a name or an event's text from an uploaded file sits in an html.Bdi (or, in a checklist's label, a
    string, between U+2068 and U+2069 without its direction controls): a U+202E in it reversed the page's words after
    it (the seed after the title, "walked away from summit" after a leader's name...). The browser test
    tests/dashboard/browser/test_dashboard_xss.py reads three of them on screen."""
    from dash import html

    from summitry.dashboard.callbacks.fork import compare_table, fork_event_options
    from summitry.dashboard.callbacks.run_views import outcome_so_far
    from summitry.dashboard.layout import param_rows

    text = (ROOT / "scenarios" / "teaching.yaml").read_text()
    text = text.replace('title: "Teaching case: two rivals, one go-between"', f'title: "Teaching {RLO}case"', 1)
    text = text.replace("    name: Alpha\n", f'    name: "Alpha {RLO}side"\n', 1)
    text = text.replace("name: President Ada", f'name: "President {RLO}Ada"', 1)
    text += f'events:\n  - {{week: 3, kind: praise, sender: ada, receiver: bo, text: "Ada {RLO}praises Bo"}}\n'
    config = upload_scenario(service, upload_contents(text), "rlo.yaml", None)["config"]

    def bdi(component: Any) -> list[str]:
        """The texts of the html.Bdi under ``component``."""
        if isinstance(component, html.Bdi):
            return [component.children]
        children = component if isinstance(component, list) else getattr(component, "children", None)
        children = children if isinstance(children, list) else [] if children is None else [children]
        return [t for c in children if not isinstance(c, str) for t in bdi(c)]

    drawn = render_run(service, config, 0, [])
    assert bdi(drawn["title"]) == [f"Teaching {RLO}case"] and drawn["title"][1].startswith(" — seed 0, ")
    result = service.result(config)
    last = run_view(result).last_step
    assert bdi(outcome_so_far(result, last)) == [outcome_so_far(result, last)[1].children.children]
    latest = outcome_so_far(result, 3)[1]  # "Summit: ... · latest (week 3): " and the event's text, which names the leaders
    (said,) = bdi(latest)
    assert f"President {RLO}Ada" in said and latest.children[0].endswith("latest (week 3): ")
    # the fork's table of both branches: the leader's and the side's names, the sentences in words
    alt = service.fork_result(config, {"at": 2, "overrides": {"parameters.kappa": 5.0}})
    table = compare_table(result, alt)
    assert f"President {RLO}Ada" in bdi(table) and f"Alpha {RLO}side" in bdi(table)
    (label,) = [o["label"] for o in fork_event_options(service, config, 0)["options"]]
    assert RLO not in label and "\u2068Ada praises Bo\u2069" in label
    sc = service.scenario(config["scenario"])
    table_rows = service.parameter_table(config["scenario"])
    headings = param_rows("alpha", [p for p in table_rows if p.group == "alpha"], {}, sc)
    assert f"Alpha {RLO}side" in bdi(headings) and f"President {RLO}Ada" in bdi(headings)
