"""The calibration's predictive check (sim/experiments/predictive.py): its draws come from the posterior rows by weight,
its runs from seeds derived from the calibration's seed, and its numbers can be recomputed run by run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from summitry.sim.experiments.executors import SerialExecutor
from summitry.sim.experiments.predictive import (
    ARMS,
    posterior_draws,
    ppc_seed,
    predictive_check,
    prior_draws,
    record_outcomes,
    run_predictive,
)
from summitry.sim.stats import wilson

PRIORS = {"parameters.kappa": (0.5, 5.0), "parameters.lambda_q": (1.0, 20.0)}
INTEGER = {"parameters.kappa": False, "parameters.lambda_q": False}
SHORT_PATTERNS = [
    {"id": "held", "text": "summit held in week 7", "kind": "summit_held", "window": [7, 7], "tolerance": 2},
    {
        "id": "trust",
        "text": "Ada's trust in Beta at week 9",
        "state": {"agent": "ada", "variable": "trust_beta", "measure": "mean", "within": [0.3, 0.5], "slack": 0.1},
        "window": [9, 9],
    },
]


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The teaching case cut to 10 weeks, with a state pattern on Ada's trust and one dated record entry (week 3)."""
    from summitry.sim.scenario.document import load_raw

    raw = dict(load_raw("teaching")[0])
    raw["name"] = "teaching-short"
    raw["time"] = {**raw["time"], "steps": 10}
    raw["patterns"] = SHORT_PATTERNS
    start = raw["time"]["start"]
    raw["record"] = [{"date": str(start + dt.timedelta(weeks=3)), "week": 3, "text": "a dated entry of the record"}]
    path = tmp_path_factory.mktemp("ppc") / "teaching-short.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


def test_posterior_draws_follow_the_weights_and_prior_draws_stay_in_their_ranges() -> None:
    post = pd.DataFrame({"param.a": [1.0, 2.0, 3.0], "weight": [0.0, 1.0, 0.0]})
    assert posterior_draws(post, ["a"], {"a": False}, 7, seed=3) == [{"a": 2.0}] * 7
    # equal weights without a weight column; integer parameters rounded as a calibration's runs round them
    post = pd.DataFrame({"param.a": [1.2, 2.7]})
    draws = posterior_draws(post, ["a"], {"a": True}, 400, seed=3)
    values = [d["a"] for d in draws]
    assert set(values) == {1.0, 3.0} and 160 < values.count(1.0) < 240  # a fair coin: 200 +- 40 is 4 sd
    assert draws == posterior_draws(post, ["a"], {"a": True}, 400, seed=3)
    assert draws != posterior_draws(post, ["a"], {"a": True}, 400, seed=4)
    pri = prior_draws(PRIORS, INTEGER, 50, seed=0)
    assert all(0.5 <= d["parameters.kappa"] <= 5.0 and 1.0 <= d["parameters.lambda_q"] <= 20.0 for d in pri)
    assert len({d["parameters.kappa"] for d in pri}) == 50
    # the two arms' seeds differ, and each draw has its own
    seeds = {ppc_seed(0, arm, i) for arm in ARMS for i in range(20)}
    assert len(seeds) == 40


def test_the_check_is_deterministic_and_recomputable_from_the_posterior_rows(short: str) -> None:
    from summitry.sim.results.runview import run_view
    from summitry.sim.run import run_scenario
    from summitry.sim.scenario.document import load_scenario

    # a posterior whose weight is all on one row: every posterior run uses that row's values
    post = pd.DataFrame({"param.parameters.kappa": [4.0, 1.25], "param.parameters.lambda_q": [2.0, 15.0], "weight": [0.0, 1.0]})
    runs = 8
    ppc = predictive_check(short, post, PRIORS, INTEGER, runs, seed=11, executor=SerialExecutor())
    again = predictive_check(short, post, PRIORS, INTEGER, runs, seed=11, executor=SerialExecutor())
    assert ppc.runs.equals(again.runs) and json.dumps(ppc.summary()) == json.dumps(again.summary())
    table = ppc.runs
    assert list(table["arm"]) == ["posterior"] * runs + ["prior"] * runs
    mine = table[table["arm"] == "posterior"]
    assert (mine["param.parameters.kappa"] == 1.25).all() and (mine["param.parameters.lambda_q"] == 15.0).all()
    # each run by hand: the scenario with the draw's values, on the draw's seed, in free mode
    outcomes: dict[str, list[str]] = {arm: [] for arm in ARMS}
    trust9: dict[str, list[float]] = {arm: [] for arm in ARMS}
    for row in table.itertuples(index=False):
        values = {"parameters.kappa": str(row[4]), "parameters.lambda_q": str(row[5])}
        assert row.seed == ppc_seed(11, row.arm, row.draw)
        res = run_scenario(load_scenario(short, values), seed=row.seed, mode="free")
        assert res.outcome == row.outcome
        outcomes[row.arm].append(res.outcome)
        s = run_view(res).series("trust_beta", "ada")
        trust9[row.arm].append(float(s[min(9, len(s) - 1)]))
    summary = ppc.summary()
    assert summary["marked_weeks"] == [3, 9]  # the record's entry and the state pattern's week
    for arm in ARMS:
        got = summary["arms"][arm]
        for o, v in got["outcomes"].items():
            k = outcomes[arm].count(o)
            assert v["count"] == k and (v["share"], v["low"], v["high"]) == pytest.approx(wilson(k, runs)), (arm, o)
        fan = got["trust_at_marked_weeks"]["ada>beta"]
        assert fan["week"] == [3, 9]
        assert fan["q50"][1] == pytest.approx(float(np.percentile(trust9[arm], 50)))
        assert fan["q05"][1] == pytest.approx(float(np.percentile(trust9[arm], 5)))
    # a different seed gives other runs
    other = predictive_check(short, post, PRIORS, INTEGER, runs, seed=12, executor=SerialExecutor())
    assert not other.runs["seed"].equals(table["seed"])


def test_local_processes_give_the_serial_numbers(short: str, tmp_path: Path) -> None:
    from summitry.sim.experiments.executors import make_executor

    post = pd.DataFrame({"param.parameters.kappa": [4.0, 1.25, 2.5], "param.parameters.lambda_q": [2.0, 15.0, 8.0]})
    run_predictive(tmp_path / "a", short, post, PRIORS, INTEGER, 12, 5, SerialExecutor())
    with make_executor("local", 2) as ex:
        html = run_predictive(tmp_path / "b", short, post, PRIORS, INTEGER, 12, 5, ex)
    for name in ("predictive.json", "predictive.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert "Posterior predictive check" in html and "dated entries" in html
    assert run_predictive(tmp_path / "c", short, post, PRIORS, INTEGER, 0, 5, SerialExecutor()) == ""
    assert not (tmp_path / "c").exists()


def test_the_record_outcome_is_what_the_patterns_say_must_happen() -> None:
    from summitry.sim.scenario.document import load_scenario

    assert record_outcomes(load_scenario("singapore-2018")) == ["declaration"]
    assert record_outcomes(load_scenario("teaching")) == []


def test_the_calibrate_command_writes_the_check_into_its_report(short: str, tmp_path: Path, cli) -> None:
    out = tmp_path / "cal"
    args = ["calibrate", short, "--method", "smc", "--executor", "serial", "--out", str(out), "--population", "6"]
    args += ["--generations", "2", "--runs-per-point", "1", "--pilot", "2", "--backtest-runs", "0", "--seed", "3"]
    args += ["--parameters", "kappa=0.5:5", "--parameters", "lambda_q=1:20", "--ppc-runs", "5"]
    r = cli(*args)
    assert r.code == 0, r.stderr
    assert "predictive.json" in r.stderr
    page = (out / "posterior.html").read_text()
    assert "Posterior predictive check" in page and "Trust under the posterior" in page and "Pressure under the prior" in page
    summary = json.loads((out / "predictive.json").read_text())
    table = pd.read_parquet(out / "predictive.parquet")
    post = pd.read_parquet(out / "posterior.parquet")
    # the posterior arm's values are rows of the last population, drawn by weight (a zero-weight row never)
    rows = {
        (a, b) for a, b, w in zip(post["param.parameters.kappa"], post["param.parameters.lambda_q"], post["weight"], strict=True) if w > 0
    }
    mine = table[table["arm"] == "posterior"]
    assert {(a, b) for a, b in zip(mine["param.parameters.kappa"], mine["param.parameters.lambda_q"], strict=True)} <= rows
    assert summary["arms"]["posterior"]["runs"] == 5 == summary["arms"]["prior"]["runs"]
    assert sum(v["count"] for v in summary["arms"]["prior"]["outcomes"].values()) == 5


def test_a_joint_fit_refuses_ppc_runs(tmp_path: Path, cli) -> None:
    r = cli("calibrate", "singapore-2018", "hanoi-2019", "--out", str(tmp_path / "j"), "--ppc-runs", "5")
    assert r.code == 2 and "--ppc-runs" in r.stderr


@pytest.mark.parametrize("value", ["-1", "20001", "ten"])
def test_a_bad_ppc_run_count_is_refused_before_any_run(tmp_path: Path, cli, value: str) -> None:
    out = tmp_path / "c"
    r = cli("calibrate", "hanoi-2019", "--out", str(out), "--ppc-runs", value)
    assert r.code == 2 and "--ppc-runs" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
