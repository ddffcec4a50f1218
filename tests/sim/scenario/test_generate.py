"""Synthetic scenarios: valid at any size, runnable, with bounded series."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario, validate_data
from summitry.sim.scenario.generate import dump, generate


@pytest.mark.parametrize(
    ("agents", "edges", "sides", "graph"), [(40, 200, 2, "scale-free"), (300, 3000, 3, "small-world"), (2000, 20000, 2, "scale-free")]
)
def test_generated_scenarios_validate_and_have_the_requested_size(agents: int, edges: int, sides: int, graph: str) -> None:
    sc = validate_data(generate(agents, edges, sides, seed=3, graph=graph), "<generated>")  # type: ignore[arg-type]
    assert len(sc.actor_ids()) == agents
    assert len(sc.sides) == sides
    implied = 2 * sum(len(s.factions) for s in sc.sides.values())
    assert len(sc.influence) + implied == pytest.approx(edges, abs=2)
    roles = {f.role for s in sc.sides.values() for f in s.factions}
    assert roles == {"hardliner", "reformer", "staff", "military", "intelligence", "ratifier"}


def test_generated_text_is_yaml_and_loads_from_a_file(tmp_path: Path) -> None:
    data = generate(500, 5000, 2, seed=1)
    text = dump(data)
    assert yaml.safe_load(text)["name"] == data["name"]
    path = tmp_path / "big.yaml"
    path.write_text(text)
    sc = load_scenario(path)
    assert len(sc.actor_ids()) == 500


def test_generation_is_seeded() -> None:
    assert generate(200, 1000, 2, seed=5) == generate(200, 1000, 2, seed=5)
    assert generate(200, 1000, 2, seed=5) != generate(200, 1000, 2, seed=6)


def test_large_run_keeps_influence_rows_normalised_and_state_in_range() -> None:
    model = DiplomacyModel(validate_data(generate(3000, 30000, 2, seed=2, steps=15), "<generated>"), seed=1)
    while model.running:
        model.step()
        sums = np.asarray(model.W.sum(axis=1)).ravel()
        assert np.allclose(sums, 1.0)
        s = model.state
        for arr in (s.stance, s.anchor, s.pressure, s.sanctions, s.hostility, model.trust_matrix()):
            assert np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1


def test_series_stride_bounds_the_series() -> None:
    sc = validate_data(generate(200, 2000, 2, seed=4, steps=40), "<generated>")
    full = run_scenario(sc, seed=1, steps=40, series_stride=1)
    strided = run_scenario(sc, seed=1, steps=40, series_stride=10)
    steps_full = sorted(set(full.series["step"].to_pylist()))
    steps_strided = sorted(set(strided.series["step"].to_pylist()))
    assert steps_strided == [s for s in steps_full if s % 10 == 0] + ([steps_full[-1]] if steps_full[-1] % 10 else [])
    assert strided.series.num_rows < full.series.num_rows / 5
    # the stride changes what is kept, not what happens
    assert strided.outcome == full.outcome and strided.events.num_rows == full.events.num_rows


def test_generate_command_writes_a_valid_file_and_refuses_bad_arguments(tmp_path: Path, cli) -> None:
    out = tmp_path / "g.yaml"
    r = cli("generate", "--agents", "120", "--edges", "900", "--sides", "2", "--seed", "1", "-o", str(out))
    assert r.code == 0, r.stderr
    assert cli("validate", str(out)).code == 0
    assert cli("generate", "--agents", "5", "-o", str(tmp_path / "x.yaml")).code == 2
    bad = cli("generate", "--graph", "lattice", "-o", str(tmp_path / "y.yaml"))
    assert bad.code == 2 and "scale-free or small-world" in bad.stderr
    assert not (tmp_path / "y.yaml").exists()


def test_a_crowd_of_factions_weighs_as_much_as_one_default_sender() -> None:
    data = generate(2_000, 10_000, 2, seed=3)
    sc = validate_data(data, "<generated>")
    cat = sc.catalogue
    hawks = max(sum(1 for f in side.factions if f.role in ("hardliner", "military")) for side in sc.sides.values())
    assert hawks > 300
    # every eligible faction threatening at once adds what one default threat adds
    assert cat["faction_threat"].senders == ["hardliner", "military"] and cat["threat"].senders == ["leader"]
    for crowd, one in zip(cat["faction_threat"].effects, cat["threat"].effects, strict=True):
        assert crowd.var == one.var and crowd.delta * hawks == pytest.approx(one.delta, rel=1e-9)
    assert cat["faction_threat"].trust.magnitude * hawks == pytest.approx(cat["threat"].trust.magnitude, rel=1e-9)
    staff = max(sum(1 for f in side.factions if f.role == "staff") for side in sc.sides.values())
    assert cat["envoy_talks"].verification * staff == pytest.approx(1.0, rel=1e-9)


def test_generated_crowds_do_not_end_every_run_at_once() -> None:
    # with the default catalogue thousands of threats saturated tension and every run escalated by week 3
    sc = validate_data(generate(2_000, 10_000, 2, seed=1, steps=40), "<generated>")
    weeks = [run_scenario(sc, seed=s).manifest["metrics"]["steps_run"] for s in range(3)]
    assert min(weeks) >= 20


def test_a_large_run_json_is_compact_and_loads_back(tmp_path: Path) -> None:
    from summitry.sim.results.run_result import RunResult

    sc = validate_data(generate(1_200, 8_000, 2, seed=2, steps=3), "<generated>")
    result = run_scenario(sc, seed=1)
    assert len(result.manifest["influence_edges"]) > 5_000
    d = result.save(tmp_path / "big")
    text = (d / "run.json").read_text()
    assert text.count("\n") == 1  # one line: no indentation for 8,000 edges
    assert RunResult.load(d).manifest == json.loads(json.dumps(result.manifest, default=float))
    small = run_scenario(load_scenario("teaching"), seed=1).save(tmp_path / "small")
    assert (small / "run.json").read_text().count("\n") > 100  # small runs stay readable


# (agents, edges asked for, edges held). 10 actors: 2 leaders, 2 third parties and 6 factions, whose 12 leader edges
# and the mediator's 2 make 14. 30 actors: 26 factions, at most 26 x 25 = 650 peer edges, + 52 + 2 = 704. 200 actors:
# 196 factions, 392 leader edges, 608 peer edges to reach 1,000, + 2
HELD = [(10, 5, 14), (30, 100_000, 704), (200, 1_000, 1_002)]


@pytest.mark.parametrize(("agents", "edges", "held"), HELD)
def test_the_title_counts_the_edges_the_file_holds_and_the_description_the_edges_asked_for(agents: int, edges: int, held: int) -> None:
    data = generate(agents, edges, 2, seed=1)
    assert len(data["influence"]) + 2 * sum(len(s["factions"]) for s in data["sides"].values()) == held
    assert data["title"] == f"Synthetic case: {agents} actors, {held} edges, 2 sides"
    assert f"{edges} edges asked for" in data["description"]
