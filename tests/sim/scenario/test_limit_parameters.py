"""Stated acceptance limits as parameters: every bound and constraint number reachable from --set, parameter files and sweeps.

A bound ``{dim: [lo, hi]}`` is two parameters, ``ACTOR.acceptance.bounds.DIM.low``
and ``.high``; a constraint's numbers are ``ACTOR.acceptance.constraints.N.at_least``
and ``...constraints.N.weights.DIM`` (docs/scenarios.md, section 14). The win-sets
below are the hand-valued ones of tests/sim/mechanisms/test_stated_limits.py, moved by an
override instead of an edit of the file.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from summitry.sim.analysis.sweeps import load_runs
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.errors import SweepSpecError
from summitry.sim.experiments.executors import SerialExecutor
from summitry.sim.experiments.spec import load_spec
from summitry.sim.experiments.sweep import run_sweep
from summitry.sim.mechanisms.limits import within_limits
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Scenario, apply_overrides, load_raw, validate_data
from summitry.sim.scenario.overrides import parameter_table
from tests.strategies import member


def teaching_data(edit: Any) -> tuple[dict[str, Any], Any, str]:
    data, lines, source = load_raw("teaching")
    data = copy.deepcopy(data)
    data["grid_points"] = 3  # (d, r) in {0, 0.5, 1}^2, d slowest
    edit(data)
    return data, lines, source


def boxed_veto(data: dict[str, Any]) -> None:
    member(data, "alpha-hawks")["veto"] = True
    member(data, "alpha-hawks")["acceptance"]["bounds"] = {"d": [0.0, 0.6]}


def diplomats_cut(data: dict[str, Any]) -> None:
    member(data, "alpha-diplomats")["acceptance"]["constraints"] = [{"weights": {"d": 1.0, "r": -1.0}, "at_least": 0.5}]


def with_overrides(edit: Any, overrides: dict[str, float]) -> Scenario:
    data, lines, source = teaching_data(edit)
    return validate_data(apply_overrides(data, overrides), source, lines)


def alpha_win_set(sc: Scenario) -> list[int]:
    model = DiplomacyModel(sc, seed=0)
    return model.state.win_sets[model.side_ids.index("alpha")].astype(int).tolist()  # type: ignore[no-any-return]


def test_every_number_of_a_stated_limit_is_listed_with_its_value_and_range() -> None:
    def both(data: dict[str, Any]) -> None:
        boxed_veto(data)
        diplomats_cut(data)

    data, lines, source = teaching_data(both)
    table = {i.path: i for i in parameter_table(validate_data(data, source, lines))}
    low, high = table["alpha-hawks.acceptance.bounds.d.low"], table["alpha-hawks.acceptance.bounds.d.high"]
    assert (low.value, high.value) == (0.0, 0.6)
    assert (low.low, low.high, high.low, high.high) == (0.0, 1.0, 0.0, 1.0)
    at_least = table["alpha-diplomats.acceptance.constraints.0.at_least"]
    assert (at_least.value, at_least.low, at_least.high) == (0.5, -10.0, 10.0)
    weights = {d: table[f"alpha-diplomats.acceptance.constraints.0.weights.{d}"] for d in ("d", "r")}
    assert (weights["d"].value, weights["r"].value) == (1.0, -1.0)
    assert (weights["r"].low, weights["r"].high) == (-10.0, 10.0)
    # members without stated limits get no such parameters
    assert not [p for p in table if p.startswith("ada.acceptance.bounds") or p.startswith("ada.acceptance.constraints")]


def test_a_bound_moved_by_an_override_moves_the_win_set_as_by_hand() -> None:
    # the vetoing hawks accept d - 1.5 r >= 0.324: (0.5, 0) and (1, 0); "d at most 0.6" drops (1, 0)
    assert alpha_win_set(with_overrides(boxed_veto, {})) == [0, 0, 0, 1, 0, 0, 0, 0, 0]
    # raising the upper bound to 1 gives (1, 0) back
    assert alpha_win_set(with_overrides(boxed_veto, {"alpha-hawks.acceptance.bounds.d.high": 1.0})) == [0, 0, 0, 1, 0, 0, 1, 0, 0]
    # a lower bound of 0.6 on d drops (0.5, 0): nothing is left
    assert alpha_win_set(with_overrides(boxed_veto, {"alpha-hawks.acceptance.bounds.d.low": 0.6})) == [0] * 9


def test_a_constraint_moved_by_an_override_moves_the_win_set_as_by_hand() -> None:
    # the diplomats' "d - r at least 0.5" keeps (0.5, 0), (1, 0), (1, 0.5) of the six points the majority would ratify
    assert alpha_win_set(with_overrides(diplomats_cut, {})) == [0, 0, 0, 1, 0, 0, 1, 1, 0]
    # at least -1 always holds on the grid: the majority's six points are back
    assert alpha_win_set(with_overrides(diplomats_cut, {"alpha-diplomats.acceptance.constraints[0].at_least": -1.0})) == [
        1,
        0,
        0,
        1,
        1,
        0,
        1,
        1,
        1,
    ]
    # a coefficient: "d - 0 r at least 0.5" keeps (0.5, *) and (1, *) for the diplomats
    sc = with_overrides(diplomats_cut, {"alpha-diplomats.acceptance.constraints.0.weights.r": 0.0})
    model = DiplomacyModel(sc, seed=0)
    k = model.index_of["alpha-diplomats"]
    expected = within_limits(model.grid, ["d", "r"], constraints=[{"weights": {"d": 1.0, "r": 0.0}, "at_least": 0.5}])
    np.testing.assert_array_equal(np.asarray(model.limits)[k], expected)
    assert expected.astype(int).tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 1]


@pytest.mark.parametrize(
    ("setting", "fragment"),
    [
        ("reagan.acceptance.bounds.s.low=1.5", "--set reagan.acceptance.bounds.s.low: must be within [0, 1] (got 1.5)"),
        ("reagan.acceptance.bounds.s.low=0.9", "sides.us.leader.acceptance.bounds.s: must be [lo, hi] with lo <= hi (got [0.9, 0.5])"),
        ("reagan.acceptance.bounds.x.high=0.5", "close matches: reagan.acceptance.bounds.s.high"),
    ],
)
def test_a_bad_bound_on_the_command_line_is_refused_with_exit_2(tmp_path: Path, cli, setting: str, fragment: str) -> None:
    out = tmp_path / "run"
    r = cli("run", "reykjavik-1986", "--steps", "2", "-q", "--set", setting, "--out", str(out))
    assert r.code == 2
    assert fragment in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_a_bound_on_the_command_line_reaches_the_run(tmp_path: Path, cli) -> None:
    out = tmp_path / "run"
    r = cli("run", "reykjavik-1986", "--steps", "2", "-q", "--set", "reagan.acceptance.bounds.s.high=0.7", "--out", str(out))
    assert r.code == 0, r.stderr
    import json

    document = json.loads((out / "scenario.json").read_text())
    assert document["sides"]["us"]["leader"]["acceptance"]["bounds"]["s"] == [0.0, 0.7]


def _spec(tmp_path: Path, parameters: dict[str, Any], fixed: dict[str, float] | None = None) -> Path:
    data, _lines, _source = teaching_data(boxed_veto)
    (tmp_path / "boxed.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    spec = {"scenario": "boxed.yaml", "parameters": parameters, "design": "grid", "points": 2, "replicates": 1, "seed": 5, "steps": 3}
    if fixed:
        spec["fixed"] = fixed
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_a_sweep_over_a_bound_runs_each_level_as_an_override(tmp_path: Path) -> None:
    path = _spec(tmp_path, {"alpha-hawks.acceptance.bounds.d.high": {"levels": [0.6, 1.0]}})
    out = tmp_path / "s"
    run_sweep(load_spec(path), out, SerialExecutor())
    df = load_runs(out)
    col = "param.alpha-hawks.acceptance.bounds.d.high"
    assert sorted(df[col].tolist()) == [0.6, 1.0]
    assert (df["status"] == "ok").all()
    data, lines, source = teaching_data(boxed_veto)
    for _, row in df.iterrows():
        sc = validate_data(apply_overrides(data, {"alpha-hawks.acceptance.bounds.d.high": row[col]}), source, lines)
        result = run_scenario(sc, seed=int(row["seed"]), steps=3)
        assert result.outcome == row["outcome"]
        assert result.scenario_document["sides"]["alpha"]["factions"][0]["acceptance"]["bounds"]["d"] == [0.0, row[col]]


@pytest.mark.parametrize(
    ("parameters", "fixed"),
    [
        ({"alpha-hawks.acceptance.bounds.d.low": {"levels": [0.2, 0.8]}}, None),  # 0.8 > the high end 0.6
        ({"alpha-hawks.acceptance.bounds.d.high": {"low": 0.1, "high": 0.9}}, {"alpha-hawks.acceptance.bounds.d.low": 0.3}),
    ],
)
def test_a_sweep_whose_bound_could_cross_is_refused_at_load(tmp_path: Path, parameters: dict, fixed: dict | None) -> None:
    with pytest.raises(SweepSpecError) as err:
        load_spec(_spec(tmp_path, parameters, fixed))
    assert "every point of the design needs low <= high" in str(err.value)
    assert "alpha-hawks.acceptance.bounds.d" in str(err.value)
