"""Large scenarios: the per-actor views grouped by side and role, and the fork's parameter search, without a browser."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dash._utils import to_json

from summitry.dashboard.callbacks import (
    ACTOR_SEARCH_LIMIT,
    FORK_PARAM_LIMIT,
    actor_search,
    build_param_panel,
    check_fork_change,
    events_page,
    events_page_rows,
    fork_param_options,
    fork_param_search,
    network_mode_changed,
    render_run,
)
from summitry.dashboard.service import Service
from summitry.sim import figures as F
from summitry.sim.results.runview import run_view

NAN = float("nan")


# ------------------------------------------------------------ weighted means
def test_weighted_mean_series_by_hand() -> None:
    values = [[0.2, 0.5, NAN, 0.1], [0.6, 0.9, NAN, 0.3], [1.0, NAN, NAN, 0.8]]
    weights = [[1.0, 0.0, 1.0, -2.0], [3.0, 0.0, 1.0, NAN], [0.0, 5.0, 1.0, 0.0]]
    out = F.weighted_mean_series(values, weights)
    # column 0: (0.2*1 + 0.6*3 + 1.0*0) / 4 = 0.5
    assert out[0] == pytest.approx(0.5)
    # column 1: the only weighted member (5.0) has no value; the known ones weigh 0: their plain mean (0.5 + 0.9) / 2
    assert out[1] == pytest.approx(0.7)
    # column 2: nobody known
    assert math.isnan(out[2])
    # column 3: a negative and a NaN weight count 0, and so does the third member's: plain mean (0.1 + 0.3 + 0.8) / 3
    assert out[3] == pytest.approx(0.4)


def test_weighted_mean_series_of_one_member_is_its_series() -> None:
    assert F.weighted_mean_series([[0.3, NAN, 0.7]], [[0.0, 1.0, 2.0]]).tolist()[::2] == [0.3, 0.7]


# ------------------------------------------------------------ grouped views
def _independent_group_mean(result: Any, members: list[str], variable: str, step: int) -> float:
    """Influence-weighted mean straight from the run's tidy series (not through the dashboard's view)."""
    df = result.series.to_pandas()
    at = df[(df["step"] == step) & df["agent"].isin(members)].pivot(index="agent", columns="variable", values="value")
    w = at["influence"].clip(lower=0).fillna(0)
    known = at[variable].notna()
    return float((at[variable][known] * w[known]).sum() / w[known].sum())


def lines(fig: Any) -> list[Any]:
    """A time-series figure's data lines (without the legend entry of the faded future weeks)."""
    return [t for t in fig.data if t.meta[0] != "future"]


def test_a_1000_actor_run_draws_stances_and_trust_matrix_by_group(big: tuple[Service, dict[str, Any]]) -> None:
    service, config = big
    out = render_run(service, config, 3, [])
    result = service.result(config)
    # 2 leaders, 2 sides x 6 faction roles, 2 third parties
    stance = out["stance"]
    assert len(lines(stance)) == 16
    assert [t.name for t in stance.data if t.meta[0] == "future"] == [F.FUTURE_LEGEND]  # the veil says what it is
    by_id = {t.meta[1]: t for t in lines(stance)}
    assert {"side0-leader", "side1-leader", "side0:hardliner", "side1:military", "tp0", "tp1"} <= set(by_id)
    hard = next(n for n in F.grouped_nodes(result) if n["id"] == "side0:hardliner")
    for week in (0, 3, 40):
        assert by_id["side0:hardliner"].y[week] == pytest.approx(_independent_group_mean(result, hard["members"], "stance", week), abs=1e-4)
    # a leader's line is its own series
    assert np.allclose(by_id["side1-leader"].y, result.variable("stance", "side1-leader")[1], atol=5.1e-5)  # rounded to 4 places
    assert by_id["side0:hardliner"].name == f"side0 hardliners ({hard['count']})".replace("side0", run_view(result).side_names["side0"])
    assert len(to_json(stance)) < 40_000  # every actor's lines: about 2 MB

    heat = out["heatmap"].data[0]
    assert len(heat.z) == 16
    row = list(heat.customdata).index([by_id["side0:hardliner"].name] * 2)
    col = 1  # trust in side1
    assert heat.z[row][col] == pytest.approx(_independent_group_mean(result, hard["members"], "trust_side1", 3), abs=1e-4)
    assert heat.z[row][0] is None  # its own side
    # the trust pairs offered are the same nodes: 16 nodes, each with trust in the other side (third parties: in both)
    assert len(out["pair_options"]) == 2 * 7 + 2 * 2 and "side0:hardliner|side1" in {o["value"] for o in out["pair_options"]}


def test_the_factions_toggle_draws_every_actor_in_stances_and_trust_matrix(big: tuple[Service, dict[str, Any]]) -> None:
    service, config = big
    out = render_run(service, config, 2, [])
    flip = network_mode_changed(service, "individual", config, out["run_info"], 2, ["side0:hardliner|side1", "side0-leader|side1"])
    assert len(lines(flip["stance"])) == 1000
    assert len(flip["heatmap"].data[0].z) == 1000
    assert len(flip["pair_options"]) > 900
    assert flip["pairs"] == ["side0-leader|side1"]  # a group is not offered with every actor drawn
    back = network_mode_changed(service, "grouped", config, flip["run_info"], 2, flip["pairs"])
    assert len(lines(back["stance"])) == 16 and len(back["heatmap"].data[0].z) == 16
    assert "pairs" not in back  # the leader's pair is offered either way


def test_a_group_trust_pair_draws_the_members_weighted_mean(big: tuple[Service, dict[str, Any]]) -> None:
    service, config = big
    result = service.result(config)
    fig = F.trust_figure(result, 0, pairs=[("side1:reformer", "side0")])
    extra = fig.data[-1]
    assert list(extra.meta) == ["trust_side0", "side1:reformer", 0]
    members = next(n for n in F.grouped_nodes(result) if n["id"] == "side1:reformer")["members"]
    assert extra.y[10] == pytest.approx(_independent_group_mean(result, members, "trust_side0", 10), abs=1e-4)
    assert extra.line.color == "#d62728"  # side1's colour


# ------------------------------------------------------------ fork parameters
def test_the_fork_list_of_a_large_scenario_holds_no_faction_field_up_front(big: tuple[Service, dict[str, Any]]) -> None:
    service, config = big
    panel = build_param_panel(service, config, None)
    values = [o["value"] for o in panel["fork_params"]]
    assert "parameters.kappa" in values and "side0.audience_cost" in values
    assert any(v.startswith("side0-leader.") for v in values) and any(v.startswith("tp0.") for v in values)
    assert not any(v.startswith("side0-f") for v in values)
    table = service.parameter_table(config["scenario"])
    hint = panel["fork_params"][-1]
    assert hint["disabled"] and f"{sum(p.path.startswith(('side0-f', 'side1-f')) for p in table)} faction fields" in hint["label"]
    # the signal catalogue's numbers are found by search too, not listed up front
    assert not any(v.startswith("signals.") for v in values)
    assert f"{sum(p.path.startswith('signals.') for p in table)} signal numbers" in hint["label"]
    # every field: about 700 kB; the model parameters' human labels (and their paths to search by) add about 4 kB
    assert len(to_json(panel["fork_params"])) < 16_000
    found = [o["value"] for o in fork_param_search(service, config, "walk_away delta", None)["fork_params"]]
    assert "signals.walk_away.effects.0.delta" in found


def test_the_fork_search_finds_faction_fields_and_typed_paths(big: tuple[Service, dict[str, Any]]) -> None:
    service, config = big
    found = fork_param_search(service, config, "side0-f12 influence", None)["fork_params"]
    assert "side0-f12.influence" in [o["value"] for o in found]
    assert "side0-f120.influence" in [o["value"] for o in found]  # every word of the search is in the path
    many = fork_param_search(service, config, "side1-f", None)["fork_params"]
    assert sum(o["value"].startswith("side1-f") for o in many) == FORK_PARAM_LIMIT
    assert many[-1]["disabled"] and "type more of the path" in many[-1]["label"]
    # the full path through the file, resolved as `summitry run --set` does
    sc, _ = service.base_scenario(config["scenario"])
    third = sc.sides["side0"].factions[3].id
    typed = fork_param_search(service, config, "sides.side0.factions.3.influence", None)["fork_params"]
    assert {
        "label": f"sides.side0.factions.3.influence = {third}.influence",
        "value": f"{third}.influence",
        "search": "sides.side0.factions.3.influence",
    } in typed
    # the picked value stays in the list once the search is cleared
    kept = fork_param_options(sc, service.parameter_table(config["scenario"]), "", "side0-f12.influence")
    assert "side0-f12.influence" in [o["value"] for o in kept]


def test_a_bad_fork_path_says_so_with_close_matches(big: tuple[Service, dict[str, Any]]) -> None:
    service, config = big
    bad = fork_param_search(service, config, "side0-f12.influense", None)["fork_params"][-1]
    assert bad["disabled"] and bad["value"] == "note: " + bad["label"]
    assert bad["label"].startswith("side0-f12.influense: no such parameter; close matches: side0-f12.influence")
    # adding a change is checked by the override machinery: unknown path, out of range, not a whole number
    assert check_fork_change(service, config, "side0-f12.influense", 0.1)[0].startswith("side0-f12.influense: no such parameter")
    assert check_fork_change(service, config, "side0-f12.influence", 1.5) == ["side0-f12.influence: must be within [0, 1] (got 1.5)"]
    assert check_fork_change(service, config, "side0-f12.influence", 0.05) == []
    assert check_fork_change(service, config, "parameters.kappa", 99) == ["parameters.kappa: must be within [0, 20] (got 99)"]


def test_small_scenarios_keep_every_fork_parameter_and_no_search(tmp_path: Path) -> None:
    service = Service("hanoi-2019", cache_size=2, upload_dir=tmp_path)
    config = {"scenario": "hanoi-2019", "seed": 0}
    table = service.parameter_table("hanoi-2019")
    panel = build_param_panel(service, config, None)
    assert [o["value"] for o in panel["fork_params"]] == [p.path for p in table]
    # human labels; the path (what --set takes) still finds a parameter when typed
    labels = {o["value"]: o for o in panel["fork_params"]}
    assert labels["parameters.trust_decl"]["label"] == "trust needed for a declaration"
    assert "parameters.trust_decl" in labels["parameters.trust_decl"]["search"]
    assert fork_param_search(service, config, "hawks", None) == {}
    out = render_run(service, config, 5, [])
    assert len(lines(out["stance"])) == len(run_view(service.result(config)).actors)


# ------------------------------------------------------------ the paged event log
def test_events_page_rows_filter_and_page_like_the_table() -> None:
    # 30 rows, newest first: weeks 29..0; A sends the even weeks to B, B the odd ones to "A + C"
    rows = [
        {"week": w, "sender": "A" if w % 2 == 0 else "B", "receiver": "B" if w % 2 == 0 else "A + C", "kind": "talk" if w % 3 else "threat"}
        for w in range(29, -1, -1)
    ]
    for r in rows:
        r["source"] = "s"
    first = events_page_rows(rows, 20, None, None, 0)
    assert [r["week"] for r in first["events"]] == list(range(20, 8, -1))  # 12 rows from week 20 down
    assert first["events_page_count"] == 2 and first["events_page"] == 0  # 21 rows (weeks 0..20)
    assert "source" not in first["events"][0]
    second = events_page_rows(rows, 20, None, None, 1)
    assert [r["week"] for r in second["events"]] == list(range(8, -1, -1))
    # a page past the end is brought back to the last one
    assert events_page_rows(rows, 20, None, None, 7)["events_page"] == 1
    # C is among the receivers of B's (odd) weeks; threats are the weeks divisible by 3
    assert [r["week"] for r in events_page_rows(rows, 20, "C", "threat", 0)["events"]] == [15, 9, 3]
    assert [r["week"] for r in events_page_rows(rows, 5, "A", None, 0)["events"]] == [5, 4, 3, 2, 1, 0]
    assert events_page_rows(rows, 20, "Z", None, 0) == {"events": [], "events_page_count": 1, "events_page": 0}


def test_a_large_run_sends_one_page_of_its_log(big: tuple[Service, dict[str, Any]]) -> None:
    service, config = big
    out = render_run(service, config, 5, [])
    assert out["events_paging"] == "custom" and out["events_filtering"] == "none"
    assert len(out["events"]) == 12 and out["events"][0]["week"] == 5
    result = service.result(config)
    upto = sum(1 for e in run_view(result).events if int(e["step"]) <= 5)
    assert out["events_page_count"] == math.ceil(upto / 12)
    page = events_page(service, config, out["run_info"], {"week": 40, "actor": None, "kind": None}, 3)
    assert [r["week"] for r in page["events"]] == sorted((r["week"] for r in page["events"]), reverse=True)
    assert page["events_page_count"] == math.ceil(sum(1 for e in run_view(result).events if int(e["step"]) <= 40) / 12)
    assert "events_page" not in page  # page 3 exists: the table stays on it


# ------------------------------------------------------------ actor pick-lists
def test_a_large_run_offers_leaders_and_third_parties_and_finds_factions_by_name(big: tuple[Service, dict[str, Any]]) -> None:
    service, config = big
    out = render_run(service, config, 0, [])
    shown = [o["value"] for o in out["events_actor_options"]]
    principals = {"Leader of side 0", "Leader of side 1", "Third party 0", "Third party 1"}
    assert {"Leader of side 0", "Leader of side 1"} <= set(shown[:-1]) <= principals  # the principals that appear in the log
    assert out["events_actor_options"][-1]["disabled"] and "type a name" in out["events_actor_options"][-1]["label"]
    senders = build_param_panel(service, config, None)["fork_senders"]
    assert [o["value"] for o in senders[:-1]] == ["side0-leader", "side1-leader", "tp0", "tp1"]
    assert senders[-1]["label"] == "… 996 more: type a name to find one"
    # "reformer 1 of side0" and "reformer 1x of side0" hold both words; at most ACTOR_SEARCH_LIMIT are sent
    found = actor_search(service, config, "senders", "reformer 1 side0", None)["options"]
    assert "side0-f1" in [o["value"] for o in found]
    assert all(o.get("search") == "reformer 1 side0" for o in found[4:])
    many = actor_search(service, config, "events", "of side1", None)["options"]
    assert sum(1 for o in many if o["value"].endswith("of side1")) == ACTOR_SEARCH_LIMIT
    assert many[-1]["label"] == f"of side1: {498 - ACTOR_SEARCH_LIMIT} more match; type more of the name"
    none = actor_search(service, config, "events", "nobody here", None)["options"]
    assert none[-1] == {
        "label": "nobody here: no actor of that name",
        "value": "note: nobody here: no actor of that name",
        "disabled": True,
        "search": "nobody here",
    }


def test_small_scenarios_keep_every_actor_in_their_lists(tmp_path: Path) -> None:
    service = Service("hanoi-2019", cache_size=2, upload_dir=tmp_path)
    config = {"scenario": "hanoi-2019", "seed": 0}
    assert actor_search(service, config, "senders", "hawks", None) == {}
    senders = build_param_panel(service, config, None)["fork_senders"]
    sc, _ = service.base_scenario("hanoi-2019")
    assert len(senders) == sum(1 + len(s.factions) for s in sc.sides.values()) + len(sc.third_parties)
    assert not any(o.get("disabled") for o in senders)
