"""Signal costs and effect magnitudes are parameters (issue 14, item 6).

``signals.KIND.cost``, ``signals.KIND.trust.magnitude``, ``signals.KIND.effects.N.delta``, ...
for every kind of the scenario's catalogue (the default kinds too, not only
those the file overrides), through ``--set``, ``--params`` files, sweeps and
calibration, listed by ``summitry params`` with the bounds validation accepts.
"""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pytest
import yaml

from summitry.agents import policy
from summitry.sim.analysis.sweeps import load_runs
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.errors import InputError, ParameterError
from summitry.sim.experiments.calibration import parse_ranges
from summitry.sim.experiments.executors import SerialExecutor
from summitry.sim.experiments.spec import load_spec
from summitry.sim.experiments.sweep import run_sweep
from summitry.sim.mechanisms.signals import DEFAULT_CATALOGUE, build_catalogue
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_raw, load_scenario, validate_data
from summitry.sim.scenario.overrides import parameter_map, parameter_table


def _signal_params(sc):
    return {p: v for p, v in parameter_map(sc).items() if p.startswith("signals.")}


# ------------------------------------------------------------------ the list


def test_every_default_kind_is_listed_even_when_the_file_overrides_none() -> None:
    sc = load_scenario("teaching")
    assert not sc.signals  # the teaching file overrides no kind
    params = _signal_params(sc)
    for kind in DEFAULT_CATALOGUE:
        assert f"signals.{kind}.cost" in params
    # values are the catalogue's
    assert params["signals.threat.cost"][1].value == 0.05
    assert params["signals.threat.trust.magnitude"][1].value == 0.3
    assert params["signals.walk_away.effects.0.delta"][1].value == 0.1
    assert params["signals.summit_cancel.effects.0.delta"][1].value == 1.0
    # listed where the kind uses them only
    assert "signals.icbm_test.breach_probability" in params
    assert "signals.praise.breach_probability" not in params
    assert "signals.praise.trust.magnitude" not in params  # reassuring: kappa * c_eff, no magnitude of its own
    assert "signals.dismantle_site.effects.0.min_verification" in params


def test_the_scenarios_own_kinds_are_listed() -> None:
    params = _signal_params(load_scenario("hanoi-2019"))
    assert params["signals.trip_cancel.trust.magnitude"][1].value == -0.2
    assert params["signals.dismantle_verified.verification"][1].value == 0.8
    assert params["signals.dismantle_verified.effects.0.min_verification"][1].value == 0.7


def test_the_listed_bounds_are_exactly_what_validation_accepts() -> None:
    """Every signal number set to its lowest and to its highest listed value validates; just outside is refused."""
    raw, lines, source = load_raw("hanoi-2019")
    sc = validate_data(raw, source, lines)
    params = _signal_params(sc)
    from summitry.sim.scenario.document import apply_overrides

    for end in ("low", "high"):
        overrides = {path: getattr(info, end) for path, (_, info) in params.items()}
        data = apply_overrides(raw, overrides, source)
        moved = validate_data(data, source, {})
        for path, (_, info) in parameter_map(moved).items():
            if path in overrides:
                assert info.value == overrides[path], path
    for path, below in (("signals.threat.cost", -0.01), ("signals.threat.tie", 1.01), ("signals.walk_away.effects.2.delta", 5.5)):
        with pytest.raises(ParameterError):
            apply_overrides(raw, {path: below}, source)
        # and the model itself refuses that value when written into the file
        entry = {**DEFAULT_CATALOGUE[path.split(".")[1]]}
        with pytest.raises(ValueError):
            if "effects" in path:
                entry["effects"] = [dict(e) for e in entry["effects"]]
                entry["effects"][2]["delta"] = below
            else:
                entry[path.split(".")[2]] = below
            build_catalogue({path.split(".")[1]: entry})


def test_params_command_lists_signal_paths_with_accepted_and_typical_ranges(cli) -> None:
    r = cli("params", "teaching", "--grep", "signals.walk_away")
    assert r.code == 0, r.stderr
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]] for line in r.stdout.splitlines() if "│" in line}
    assert rows["signals.walk_away.cost"][:3] == ["0.3", "[0, 1]", "[0, 0.6]"]
    assert rows["signals.walk_away.trust.magnitude"][:3] == ["-0.2", "[-5, 5]", "[-0.4, 0]"]
    assert rows["signals.walk_away.effects.0.delta"][:3] == ["0.1", "[-5, 5]", "[0, 0.2]"]
    assert "pressure.economic of the receiver's side" in rows["signals.walk_away.effects.0.delta"][3]


def test_a_scenario_range_for_a_signal_path_is_its_typical_range() -> None:
    raw, lines, source = load_raw("teaching")
    raw = {**raw, "ranges": {"signals.threat.cost": [0.01, 0.3]}}
    sc = validate_data(raw, source, lines)
    table = {p.path: p for p in parameter_table(sc)}
    assert (table["signals.threat.cost"].low, table["signals.threat.cost"].high) == (0.01, 0.3)
    raw["ranges"] = {"signals.threat.cost": [0.1, 0.3]}
    with pytest.raises(InputError, match=r"ranges.signals.threat.cost: range \[0.1, 0.3\] does not contain the value 0.05"):
        validate_data(raw, source, lines)


# ------------------------------------------------------------------ --set


def test_set_lands_in_the_signals_block_and_changes_only_that_number() -> None:
    sc = load_scenario("teaching", {"signals.walk_away.effects[1].delta": 0.4, "signals.threat.cost": 0.2})
    assert sc.signals["threat"] == {"cost": 0.2}
    effects = sc.signals["walk_away"]["effects"]
    assert [e["delta"] for e in effects] == [0.1, 0.4, 0.1]
    assert [e["var"] for e in effects] == ["pressure.economic", "pressure.domestic", "stance"]
    assert sc.catalogue["walk_away"].effects[1].delta == 0.4
    assert sc.catalogue["walk_away"].trust.magnitude == -0.2  # the rest of the kind untouched
    assert sc.catalogue["threat"].tie == 0.1
    # the default catalogue is not mutated by an override
    assert DEFAULT_CATALOGUE["walk_away"]["effects"][1]["delta"] == 0.1
    assert build_catalogue()["walk_away"].effects[1].delta == 0.1


def test_set_of_a_kind_the_file_declares_keeps_its_own_effects() -> None:
    sc = load_scenario("hanoi-2019", {"signals.trip_cancel.effects.0.delta": 0.2, "signals.trip_cancel.trust.magnitude": -1})
    kind = sc.catalogue["trip_cancel"]
    assert kind.effects[0].delta == 0.2
    assert kind.effects[0].roles == ["hardliner"]
    assert (kind.trust.mode, kind.trust.magnitude) == ("shift", -1)
    assert kind.label == "Envoy trip cancelled"


def test_two_overrides_of_one_kind_both_hold() -> None:
    sc = load_scenario("teaching", {"signals.threat.effects.0.delta": 0.3, "signals.threat.effects.2.delta": -0.1, "signals.threat.tie": 0})
    assert [e.delta for e in sc.catalogue["threat"].effects] == [0.3, 0.05, -0.1]
    assert sc.catalogue["threat"].tie == 0


def test_a_higher_cost_lowers_the_decision_rules_value_by_exactly_the_change() -> None:
    """EU_i(threat) carries -c(threat) (ODD 7.16): raising the cost by 0.2 lowers every sender's value by 0.2."""
    base = DiplomacyModel(load_scenario("teaching"), seed=5)
    dear = DiplomacyModel(load_scenario("teaching", {"signals.threat.cost": 0.25}), seed=5)
    j = base.kinds.index("threat") + 1
    for compute in (policy.expected_utilities, policy.expected_utilities_reference):
        eu0, feasible0 = compute(base)
        eu1, feasible1 = compute(dear)
        senders = feasible0[:, j]
        assert senders.sum() >= 4  # both leaders and both hardliners may threaten
        np.testing.assert_array_equal(feasible0, feasible1)
        np.testing.assert_allclose(eu1[senders, j] - eu0[senders, j], -0.2, atol=1e-12)
        other = np.ones(eu0.shape[1], dtype=bool)
        other[j] = False
        np.testing.assert_array_equal(eu1[:, other], eu0[:, other])


def test_set_of_a_cost_changes_how_often_the_kind_is_sent() -> None:
    """Praise at cost 0.5 instead of 0.02 is chosen far less often over the same 20 seeds (measured: 74 vs 7)."""

    def praise(sets):
        sc = load_scenario("singapore-2018", sets)
        return sum(collections.Counter(run_scenario(sc, seed=s).events.column("kind").to_pylist())["praise"] for s in range(20))

    cheap, dear = praise({}), praise({"signals.praise.cost": 0.5})
    assert cheap >= 25
    assert dear <= cheap // 5


def test_set_bad_signal_path_exits_2_with_close_matches(cli) -> None:
    r = cli("run", "teaching", "--steps", "1", "-q", "--set", "signals.walk_away.efects.0.delta=0.5")
    assert r.code == 2, r.stderr
    assert "--set signals.walk_away.efects.0.delta: no such parameter in scenarios/teaching.yaml" in r.stderr
    assert r.stderr.split("close matches: ", 1)[1].split(", ")[0] == "signals.walk_away.effects.0.delta"
    assert "Traceback" not in r.stderr
    r = cli("run", "teaching", "--steps", "1", "-q", "--set", "signals.thread.cost=0.1")
    assert r.code == 2
    assert "close matches: signals.threat.cost" in r.stderr


def test_set_out_of_range_signal_number_exits_2_with_the_bounds(cli) -> None:
    r = cli("run", "teaching", "--steps", "1", "-q", "--set", "signals.threat.cost=1.5")
    assert r.code == 2
    assert "--set signals.threat.cost: must be within [0, 1] (got 1.5)" in r.stderr
    r = cli("run", "teaching", "--steps", "1", "-q", "--set", "signals.walk_away.effects.0.delta=-7")
    assert r.code == 2
    assert "--set signals.walk_away.effects.0.delta: must be within [-5, 5] (got -7)" in r.stderr


def test_params_file_with_a_signal_path(tmp_path: Path, cli) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("scenario: teaching\nparameters:\n  signals.threat.cost: 0.2\n  signals.threat.effects.0.delta: 9\n")
    r = cli("run", "teaching", "--steps", "1", "-q", "--params", str(p))
    assert r.code == 2
    assert f"{p}:4: parameters.signals.threat.effects.0.delta: must be within [-5, 5] (got 9)" in r.stderr
    p.write_text("scenario: teaching\nparameters:\n  signals.threat.cost: 0.2\n")
    out = tmp_path / "run"
    r = cli("run", "teaching", "--steps", "2", "-q", "--params", str(p), "--out", str(out))
    assert r.code == 0, r.stderr
    import json

    manifest = json.loads((out / "run.json").read_text())
    assert manifest["overrides"] == {"signals.threat.cost": 0.2}
    assert json.loads((out / "scenario.json").read_text())["signals"]["threat"]["cost"] == 0.2


# ------------------------------------------------------------------ sweeps and calibration


def _spec(tmp_path: Path, parameters: dict, scenario: str = "singapore-2018") -> Path:
    spec = {"scenario": scenario, "parameters": parameters, "design": "grid", "points": 2, "replicates": 2, "seed": 3}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_a_sweep_over_an_effect_magnitude_runs_and_stores_the_value(tmp_path: Path) -> None:
    path = _spec(tmp_path, {"signals.walk_away.effects[0].delta": {"levels": [0.0, 1.0]}})
    out = tmp_path / "s"
    run_sweep(load_spec(path), out, SerialExecutor())
    df = load_runs(out)
    col = "param.signals.walk_away.effects.0.delta"
    assert sorted(df[col].tolist()) == [0.0, 0.0, 1.0, 1.0]
    assert (df["status"] == "ok").all()
    for _, row in df.iterrows():
        result = run_scenario(load_scenario("singapore-2018", {"signals.walk_away.effects.0.delta": row[col]}), seed=int(row["seed"]))
        assert result.outcome == row["outcome"]
        assert result.manifest["metrics"]["signals_sent"] == row["metric.signals_sent"]
        assert result.scenario_document["signals"]["walk_away"]["effects"][0]["delta"] == row[col]


@pytest.mark.parametrize(
    ("parameters", "needle"),
    [
        ({"signals.walk_away.effect.0.delta": {"levels": [0, 1]}}, "close matches: signals.walk_away.effects.0.delta"),
        ({"signals.threat.cost": {"low": 0, "high": 2}}, "parameters.signals.threat.cost: 2 is outside the parameter's bounds [0, 1]"),
    ],
)
def test_bad_signal_paths_in_a_sweep_spec_exit_2(tmp_path: Path, cli, parameters, needle) -> None:
    path = _spec(tmp_path, parameters, scenario="teaching")
    r = cli("sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial")
    assert r.code == 2, r.stdout + r.stderr
    assert needle in r.stderr, r.stderr
    assert f"{path}:3:" in r.stderr
    assert not (tmp_path / "out" / "runs").exists()


def test_calibration_priors_accept_signal_paths() -> None:
    sc = load_scenario("hanoi-2019")
    got = parse_ranges(["signals.praise.cost=0:0.1", "signals.walk_away.effects[1].delta=0:0.3"], sc)
    assert got == {"signals.praise.cost": (0.0, 0.1), "signals.walk_away.effects.1.delta": (0.0, 0.3)}
    with pytest.raises(InputError, match=r"outside the parameter's bounds \[-5, 5\]"):
        parse_ranges(["signals.walk_away.effects.1.delta=0:6"], sc)


def test_a_calibration_over_a_signal_cost_writes_a_params_file_that_runs(tmp_path: Path, cli) -> None:
    from summitry.sim.experiments.calibration import calibrate, weighted_quantile

    out = tmp_path / "cal"
    priors = {"signals.praise.cost": (0.0, 0.3)}
    res = calibrate("singapore-2018", out, priors, points=6, runs_per_point=2, accept=0.5, seed=2, executor="serial", backtest_runs=0)
    assert res.accepted["accepted_runs"].sum() == pytest.approx(6.0)  # the closest half of 12 runs
    values = res.points["param.signals.praise.cost"]
    assert values.min() >= 0.0 and values.max() <= 0.3 and values.nunique() == 6
    cal = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert list(cal["parameters"]) == ["signals.praise.cost"]
    median = cal["parameters"]["signals.praise.cost"]
    assert median == pytest.approx(weighted_quantile(res.accepted["param.signals.praise.cost"], res.accepted["weight"], 0.5), rel=1e-3)
    run = tmp_path / "run"
    r = cli("run", "singapore-2018", "--steps", "2", "-q", "--params", str(out / "calibrated.yaml"), "--out", str(run))
    assert r.code == 0, r.stderr
    import json

    assert json.loads((run / "run.json").read_text())["overrides"] == {"signals.praise.cost": median}


def test_a_fixed_signal_number_in_a_sweep_spec_reaches_every_run(tmp_path: Path) -> None:
    spec = {
        "scenario": "teaching",
        "parameters": {"kappa": {"levels": [1.0, 3.0]}},
        "fixed": {"signals.threat.effects[2].delta": 0.2},
        "design": "grid",
        "replicates": 1,
        "seed": 5,
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    loaded = load_spec(path)
    assert loaded.fixed == {"signals.threat.effects.2.delta": 0.2}
    out = tmp_path / "s"
    run_sweep(loaded, out, SerialExecutor())
    df = load_runs(out)
    row = df.iloc[0]
    plain = run_scenario(
        load_scenario("teaching", {"kappa": row["param.parameters.kappa"], "signals.threat.effects.2.delta": 0.2}), seed=int(row["seed"])
    )
    assert plain.outcome == row["outcome"] and plain.manifest["metrics"]["signals_sent"] == row["metric.signals_sent"]
