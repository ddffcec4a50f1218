"""ABC-SMC calibration (sim/calibration_smc.py): its summaries and distance by hand, determinism across executors,
resumption after SIGKILL, the command's outputs and its refusals."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.calibration_smc import (
    calibrate_smc,
    iter_generations,
    particle_summaries,
    replicate_scales,
    scaled_distance,
    summary_names,
    weighted_quantile,
    weighted_summary,
)
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
# a small, fast calibration: singapore-2018's runs are the cheapest of the reference cases
TINY = ["--population", "10", "--generations", "3", "--runs-per-point", "1", "--pilot", "2", "--backtest-runs", "0"]
TINY += ["--parameters", "kappa=0.5:5", "--parameters", "lambda_q=1:20"]
TINY_KW = {"population": 10, "generations": 3, "runs_per_particle": 1, "pilot": 2, "backtest_runs": 0}
PRIORS = {"parameters.kappa": (0.5, 5.0), "parameters.lambda_q": (1.0, 20.0)}


# ------------------------------------------------------------------ by hand


def test_summaries_are_each_pattern_and_the_gap_of_each_timed_event_pattern() -> None:
    sc = load_scenario("hanoi-2019")
    names = summary_names(sc)
    ids = [p.id for p in sc.patterns]
    assert names[: len(ids)] == [f"pattern.{i}" for i in ids]
    timed = [p.id for p in sc.patterns if p.kind is not None and p.state is None and not p.absent and p.given is None]
    assert names[len(ids) :] == [f"gap.{i}" for i in timed]
    assert 0 < len(timed) < len(ids)  # hanoi has state, absent or given patterns too, which get no gap


def test_the_replicate_scale_is_the_pooled_within_draw_spread_over_root_runs() -> None:
    # draw 1: pattern scores 1, 0 (mean 0.5, squares 0.5); draw 2: 1, 1, 0 (mean 2/3, squares 2/3); a nan does not count
    pilot = [
        [{"pattern.a": 1.0, "gap.a": 0.0}, {"pattern.a": 0.0, "gap.a": 0.0}],
        [{"pattern.a": 1.0, "gap.a": 0.0}, {"pattern.a": 1.0, "gap.a": 0.0}, {"pattern.a": 0.0, "gap.a": math.nan}],
    ]
    s = replicate_scales(pilot, ["pattern.a", "gap.a"], runs_per_particle=4)
    pooled = (0.5 + 2 / 3) / (1 + 2)  # sum of squares over degrees of freedom
    assert s["pattern.a"] == pytest.approx(math.sqrt(pooled) / 2)
    # the gap never varies: its floor (half a week), over sqrt(4)
    assert s["gap.a"] == pytest.approx(0.25)


def test_the_distance_weighs_each_summary_by_its_pattern_and_scale() -> None:
    x = {"pattern.a": 0.6, "gap.a": 2.0, "pattern.b": 1.0}
    x0 = {"pattern.a": 1.0, "gap.a": 0.0, "pattern.b": 1.0}
    scales = {"pattern.a": 0.2, "gap.a": 1.0, "pattern.b": 0.1}
    weights = {"pattern.a": 2.0, "gap.a": 2.0, "pattern.b": 1.0}
    # (2 * (0.4/0.2)^2 + 2 * (2/1)^2 + 1 * 0) / 5 = 16/5
    assert scaled_distance(x, x0, scales, weights) == pytest.approx(math.sqrt(16 / 5))
    # doubling a scale halves that summary's deviation
    assert scaled_distance(x, x0, {**scales, "gap.a": 2.0}, weights) == pytest.approx(math.sqrt((8 + 2) / 5))


def test_particle_means_skip_runs_where_a_pattern_does_not_apply() -> None:
    runs = [{"pattern.a": 0.5, "score": 0.2}, {"pattern.a": math.nan, "score": 0.4}, {"pattern.a": 0.0, "score": math.nan}]
    got = particle_summaries(runs, ["pattern.a"])
    assert got == {"pattern.a": 0.25, "score": pytest.approx(0.3)}


def test_weighted_quantiles_and_the_posterior_summary_by_hand() -> None:
    v = [0.0, 1.0, 2.0, 3.0, 4.0]
    w = [0.1, 0.1, 0.6, 0.1, 0.1]
    assert [weighted_quantile(v, w, q) for q in (0.05, 0.1, 0.15, 0.5, 0.8, 0.85, 0.95)] == [0.0, 0.0, 1.0, 2.0, 2.0, 3.0, 4.0]
    parts = pd.DataFrame({"param.x": v, "weight": w})
    s = weighted_summary(parts, {"x": (0.0, 10.0)}, {"x": False})["x"]
    assert (s["median"], s["q05"], s["q95"], s["q25"], s["q75"]) == (2.0, 0.0, 4.0, 2.0, 2.0)
    assert s["range_ratio"] == pytest.approx(4.0 / 9.0) and s["iqr_ratio"] == 0.0


# --------------------------------------------------------- determinism


@pytest.mark.slow
def test_same_seed_same_populations_on_any_executor(tmp_path: Path) -> None:
    serial = calibrate_smc("singapore-2018", tmp_path / "serial", PRIORS, seed=4, executor="serial", **TINY_KW)
    local = calibrate_smc("singapore-2018", tmp_path / "local", PRIORS, seed=4, executor="local", workers=2, **TINY_KW)
    calibrate_smc("singapore-2018", tmp_path / "dask", PRIORS, seed=4, executor="dask", workers=2, **TINY_KW)  # a LocalCluster
    for name in ("posterior.parquet", "populations.parquet", "calibrated.yaml"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name
    assert serial.calibrated == local.calibrated
    other = calibrate_smc("singapore-2018", tmp_path / "other", PRIORS, seed=5, executor="serial", **TINY_KW)
    assert not other.accepted[["param.parameters.kappa"]].equals(serial.accepted[["param.parameters.kappa"]])
    # the outputs: the last population, weights summing to 1, and the generations' tolerances falling
    pops = pd.read_parquet(tmp_path / "serial" / "populations.parquet")
    assert sorted(set(pops["generation"])) == [0, 1, 2]
    post = pd.read_parquet(tmp_path / "serial" / "posterior.parquet")
    assert len(post) == 10 and post["weight"].sum() == pytest.approx(1.0)
    assert post["param.parameters.kappa"].between(0.5, 5.0).all()
    summary = json.loads((tmp_path / "serial" / "calibration.json").read_text())
    eps = [g["epsilon"] for g in summary["generations"]]
    assert eps[0] is None and eps[1] > eps[2]  # generation 0 takes every prior draw (no tolerance: null in JSON)
    assert summary["calibrated"]["parameters.kappa"] == pytest.approx(
        weighted_quantile(post["param.parameters.kappa"], post["weight"], 0.5), rel=1e-3
    )
    # generation t's tolerance is the weighted median distance of generation t-1 (quantile 0.5)
    g1 = pops[pops["generation"] == 1]
    below = g1.loc[g1["distance"] <= eps[2], "weight"].sum()
    assert g1["distance"].min() <= eps[2] <= g1["distance"].max()
    assert abs(below - 0.5) <= g1["weight"].max() + 1e-9
    # every kept particle of a generation is within its tolerance
    for t in (1, 2):
        assert (pops[pops["generation"] == t]["distance"] <= eps[t] + 1e-12).all()


# ------------------------------------------------------------- SIGKILL


def _calibrate(out: Path, *extra: str) -> subprocess.Popen[str]:
    cmd = [
        str(Path(sys.executable).parent / "summitry"),
        "calibrate",
        "singapore-2018",
        "--method",
        "smc",
        "--out",
        str(out),
        "--seed",
        "2",
    ]
    cmd += [*TINY, "--generations", "4", "--executor", "serial", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_posterior_of_an_uninterrupted_run(tmp_path: Path) -> None:
    whole = _calibrate(tmp_path / "whole")
    _, err = whole.communicate(timeout=600)
    assert whole.returncode == 0, err
    cut = tmp_path / "cut"
    victim = _calibrate(cut)
    seen = 0
    try:
        while victim.poll() is None:  # kill once the database holds a finished generation (observed, not timed)
            seen = len(list(iter_generations(cut)))
            if seen >= 2:
                victim.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        victim.communicate(timeout=600)
    assert victim.returncode == -signal.SIGKILL, "the calibration finished before it could be killed"
    assert 2 <= seen < 4
    assert not (cut / "posterior.parquet").exists()
    again = _calibrate(cut, "--resume")
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert "generation 0:" not in err and "generation 3:" in err  # it went on from the stored generations
    for name in ("posterior.parquet", "populations.parquet", "calibrated.yaml"):
        assert (cut / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


# ------------------------------------------------------------- the command


@pytest.mark.slow
def test_the_command_writes_a_params_file_that_runs_and_refuses_to_overwrite(tmp_path: Path, cli) -> None:
    out = tmp_path / "cal"
    args = ["calibrate", "singapore-2018", "--method", "smc", "--executor", "serial", "--out", str(out), *TINY]
    r = cli(*args)
    assert r.code == 0, r.stderr
    assert "ABC-SMC: 10 particles after 3 generations" in r.stdout
    assert "generation 2: tolerance" in r.stderr and "generation 0: tolerance none (the prior)" in r.stderr
    cal = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert set(cal["parameters"]) == set(PRIORS) and cal["scenario"] == "singapore-2018"
    assert cli("run", "singapore-2018", "--params", str(out / "calibrated.yaml"), "-q").code == 0
    html = (out / "posterior.html").read_text()
    assert "ABC-SMC" in html and "Plotly.newPlot" in html
    r2 = cli(*args)
    assert r2.code == 2 and "--resume" in r2.stderr
    # resuming a finished calibration with other settings is refused; with the same, it rewrites the same posterior
    before = (out / "posterior.parquet").read_bytes()
    r3 = cli(*args, "--population", "12", "--resume")
    assert r3.code == 2 and "population" in r3.stderr
    r4 = cli(*args, "--resume")
    assert r4.code == 0, r4.stderr
    assert (out / "posterior.parquet").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--method", "mcmc"], "--method mcmc: must be rejection or smc"),
        (["--method", "smc", "--points", "10"], "--points: applies to --method rejection only"),
        (["--method", "smc", "--accept", "0.1"], "--accept: applies to --method rejection only"),
        (["--population", "10"], "--population: applies to --method smc only"),
        (["--method", "smc", "--population", "1"], "--population 1"),
        (["--method", "smc", "--quantile", "1"], "--quantile 1"),
        (["--method", "smc", "--min-acceptance", "1.5"], "--min-acceptance 1.5"),
        (["--method", "smc", "--pilot", "1"], "--pilot 1"),
        (["--method", "smc", "--generations", "0"], "--generations 0"),
        (["--method", "smc", "--parameters", "kapa=0:5"], "close matches"),
    ],
)
def test_bad_smc_flags_exit_2_with_a_message(args: list[str], needle: str, cli, tmp_path: Path) -> None:
    r = cli("calibrate", "hanoi-2019", *args, "--out", str(tmp_path / "o"))
    assert r.code == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_smc_refuses_a_directory_it_did_not_write(tmp_path: Path, cli) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    r = cli("calibrate", "hanoi-2019", "--method", "smc", "--out", str(out))
    assert r.code == 2 and "will not touch" in r.stderr
    assert (out / "notes.txt").read_text() == "keep me" and sorted(os.listdir(out)) == ["notes.txt"]


def test_the_replicate_seeds_do_not_depend_on_the_process() -> None:
    from sim.calibration_smc import particle_seed

    seeds = {particle_seed(1, t, i, r) for t in range(3) for i in range(5) for r in range(3)}
    assert len(seeds) == 45
    assert np.all(np.array(sorted(seeds)) >= 0)
