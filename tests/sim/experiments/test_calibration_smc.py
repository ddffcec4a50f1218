"""ABC-SMC calibration (sim/experiments/calibration_smc.py): its summaries and distance by hand, determinism across executors,
resumption after SIGKILL, the command's outputs and its refusals."""

from __future__ import annotations

import itertools
import json
import math
import os
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from summitry.sim.experiments.calibration_smc import (
    PILOT_REPLICATES,
    calibrate_smc,
    iter_generations,
    particle_summaries,
    replicate_scales,
    run_summaries,
    scaled_distance,
    summary_names,
    weighted_quantile,
    weighted_summary,
)
from summitry.sim.scenario.document import load_scenario
from tests.files import tree_bytes

ROOT = Path(__file__).resolve().parents[3]
PRIORS = {"parameters.kappa": (0.5, 5.0), "parameters.lambda_q": (1.0, 20.0)}

# The short case: the teaching case cut to 10 weeks, with a record of three patterns (its typical run: the summit
# scheduled in week 1, held around week 7, Ada's trust in Beta near 0.4 at the end). A calibration of it is a few
# seconds; make test runs every check on it. The same checks on singapore-2018 with more generations and a local
# process pool are `make calibrate-check` (marker "calibration").
SHORT_PATTERNS = [
    {"id": "scheduled", "text": "summit scheduled in week 1", "kind": "summit_scheduled", "window": [1, 1], "tolerance": 2},
    {"id": "held", "text": "summit held in week 7", "kind": "summit_held", "window": [7, 7], "tolerance": 2},
    {
        "id": "trust",
        "text": "Ada's trust in Beta at week 9",
        "state": {"agent": "ada", "variable": "trust_beta", "measure": "mean", "within": [0.3, 0.5], "slack": 0.1},
        "window": [9, 9],
    },
]


@dataclass(frozen=True)
class Case:
    """A calibration the tests run: its scenario, budget and the executors compared with the serial run."""

    scenario: str
    population: int
    generations: int
    executors: tuple[str, ...]

    @property
    def kw(self) -> dict[str, int]:
        return {"population": self.population, "generations": self.generations, "runs_per_particle": 1, "pilot": 2, "backtest_runs": 0}

    @property
    def args(self) -> list[str]:
        """The same budget as command-line flags (one run per particle: the default, so no flag)."""
        out = ["--population", str(self.population), "--generations", str(self.generations)]
        out += ["--pilot", "2", "--backtest-runs", "0", "--parameters", "kappa=0.5:5", "--parameters", "lambda_q=1:20", "--ppc-runs", "4"]
        return out


@pytest.fixture(scope="session")
def short_case(tmp_path_factory: pytest.TempPathFactory) -> str:
    from summitry.sim.scenario.document import load_raw

    raw = dict(load_raw("teaching")[0])
    raw["name"] = "teaching-short"
    raw["time"] = {**raw["time"], "steps": 10}
    raw["patterns"] = SHORT_PATTERNS
    path = tmp_path_factory.mktemp("short") / "teaching-short.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


CASES = [
    pytest.param(Case("short", 8, 2, ("dask",)), id="short"),
    pytest.param(Case("singapore-2018", 10, 3, ("local", "dask")), id="singapore-2018", marks=pytest.mark.calibration),
]


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest, short_case: str) -> Case:
    c: Case = request.param
    return Case(short_case, c.population, c.generations, c.executors) if c.scenario == "short" else c


# ------------------------------------------------------------------ by hand


def test_summaries_are_each_pattern_and_the_gap_of_each_timed_event_pattern() -> None:
    sc = load_scenario("hanoi-2019")
    names = summary_names(sc)
    ids = [p.id for p in sc.patterns]
    assert names[: len(ids)] == [f"pattern.{i}" for i in ids]
    timed = [p.id for p in sc.patterns if p.kind is not None and p.state is None and not p.absent and p.at_most is None and p.given is None]
    assert names[len(ids) :] == [f"gap.{i}" for i in timed]
    assert 0 < len(timed) < len(ids)  # hanoi has state, absent or given patterns too, which get no gap


def test_order_and_at_most_patterns_are_scored_as_the_backtest_scores_them_and_get_no_gap(short_case: str) -> None:
    from summitry.sim.analysis.patterns import score_run
    from summitry.sim.run import run_scenario
    from summitry.sim.scenario.document import load_raw, validate_data

    raw = dict(load_raw(short_case)[0])
    raw["patterns"] = [
        *SHORT_PATTERNS,
        {"id": "in-order", "text": "scheduled, then held", "order": {"first": "scheduled", "then": "held", "gap": 1}, "window": [0, 9]},
        {"id": "few-offers", "text": "at most one summit offer", "kind": "summit_offer", "window": [0, 9], "at_most": 1},
    ]
    sc = validate_data(raw, short_case)
    assert summary_names(sc) == [*(f"pattern.{p['id']}" for p in raw["patterns"]), "gap.scheduled", "gap.held"]
    for seed in range(3):
        res = run_scenario(sc, seed=seed, mode="free")
        got = run_summaries(res, sc)
        want = score_run(res, sc)
        for pid, v in want.items():
            assert (math.isnan(v) and math.isnan(got[f"pattern.{pid}"])) or got[f"pattern.{pid}"] == v, (seed, pid)


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


@dataclass(frozen=True)
class _CountingSim:
    """A stand-in simulator: each replicate reports its own index, so a pilot draw shows how many runs it got."""

    runs: int
    keys: tuple[str, ...] = ("p00",)

    def with_runs(self, runs: int) -> _CountingSim:
        return _CountingSim(runs, self.keys)

    def overrides(self, par: dict[str, float]) -> dict[str, float]:
        return dict(par)

    def replicates(self, values: dict[str, float], generation: int, index: int) -> list[dict[str, float]]:
        return [{"pattern.a": float(r)} for r in range(self.runs)]


@pytest.mark.parametrize(("runs", "expected"), [(1, PILOT_REPLICATES), (2, PILOT_REPLICATES), (6, 6)])
def test_the_pilot_runs_enough_replicates_to_measure_a_spread(runs: int, expected: int) -> None:
    """With one run per particle (the default) a pilot draw still gets PILOT_REPLICATES runs: a spread needs two or more."""
    from summitry.sim.experiments.calibration_smc import _pilot
    from summitry.sim.experiments.executors import SerialExecutor

    pilot = _pilot(_CountingSim(runs), {"x": (0.0, 1.0)}, 3, seed=0, executor=SerialExecutor())  # type: ignore[arg-type]
    assert [len(draw) for draw in pilot] == [expected] * 3
    scale = replicate_scales(pilot, ["pattern.a"], runs_per_particle=runs)["pattern.a"]
    # replicate r reports r: the within-draw spread is the sample sd of 0..n-1, over sqrt(runs per particle)
    assert scale == pytest.approx(float(np.std(np.arange(expected), ddof=1)) / math.sqrt(runs))


def test_a_mean_of_runs_against_one_history_sharpens_the_abc_posterior() -> None:
    """Why a particle is one run by default: the record is one history, so the ABC target compares one run with it.

    A normal mean (y ~ N(theta, 1), prior uniform on [-5, 5]), by rejection at a small tolerance: matching one draw
    to the observation recovers the posterior N(y_obs, 1), whose 90% interval is 3.29 wide and holds the truth 90% of
    the time; matching the mean of four draws targets N(y_obs, 1/4), an interval half as wide that holds the truth
    far less often (2 Phi(1.645 / 2) - 1 = 0.59). The figures are closed form; the sampling here only checks the claim
    on 300 synthetic truths.
    """
    rng = np.random.default_rng(5)
    width_exact = 2 * 1.6449
    for k, width, coverage in ((1, width_exact, 0.9), (4, width_exact / 2, 0.59)):
        hits, widths = 0, []
        for _ in range(300):
            truth = rng.uniform(-2.5, 2.5)  # away from the prior's edges, where the flat prior's interval is N(y_obs, 1)'s
            y_obs = truth + rng.normal()
            theta = rng.uniform(-5, 5, 40_000)
            y = theta + rng.normal(size=(40_000, k)).mean(axis=1)
            kept = theta[np.argpartition(np.abs(y - y_obs), 300)[:300]]
            lo, hi = np.quantile(kept, [0.05, 0.95])
            hits += int(lo <= truth <= hi)
            widths.append(hi - lo)
        assert float(np.mean(widths)) == pytest.approx(width, rel=0.1)
        # binomial standard error of a coverage over 300 truths: about 0.017 at 0.9, 0.028 at 0.59
        assert hits / 300 == pytest.approx(coverage, abs=0.07)


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


def test_same_seed_same_populations_on_any_executor(case: Case, tmp_path: Path) -> None:
    serial = calibrate_smc(case.scenario, tmp_path / "serial", PRIORS, seed=4, executor="serial", **case.kw)
    for ex in case.executors:  # "dask" is a LocalCluster of two worker processes
        other_ex = calibrate_smc(case.scenario, tmp_path / ex, PRIORS, seed=4, executor=ex, workers=2, **case.kw)
        for name in ("posterior.parquet", "populations.parquet", "calibrated.yaml"):
            assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / ex / name).read_bytes(), (ex, name)
        assert serial.calibrated == other_ex.calibrated
    other = calibrate_smc(case.scenario, tmp_path / "other", PRIORS, seed=5, executor="serial", **case.kw)
    assert not other.accepted[["param.parameters.kappa"]].equals(serial.accepted[["param.parameters.kappa"]])
    # the outputs: the last population, weights summing to 1, and the generations' tolerances falling
    last = case.generations - 1
    pops = pd.read_parquet(tmp_path / "serial" / "populations.parquet")
    assert sorted(set(pops["generation"])) == list(range(case.generations))
    post = pd.read_parquet(tmp_path / "serial" / "posterior.parquet")
    assert len(post) == case.population and post["weight"].sum() == pytest.approx(1.0)
    assert post["param.parameters.kappa"].between(0.5, 5.0).all()
    summary = json.loads((tmp_path / "serial" / "calibration.json").read_text())
    eps = [g["epsilon"] for g in summary["generations"]]
    assert eps[0] is None and eps[1] > 0  # generation 0 takes every prior draw: no tolerance (null)
    assert all(a > b for a, b in itertools.pairwise(eps[1:]))  # later tolerances fall
    assert summary["calibrated"]["parameters.kappa"] == pytest.approx(
        weighted_quantile(post["param.parameters.kappa"], post["weight"], 0.5), rel=1e-3
    )
    # generation t's tolerance is the weighted median distance of generation t-1 (quantile 0.5)
    prev = pops[pops["generation"] == last - 1]
    below = prev.loc[prev["distance"] <= eps[last], "weight"].sum()
    assert prev["distance"].min() <= eps[last] <= prev["distance"].max()
    assert abs(below - 0.5) <= prev["weight"].max() + 1e-9
    # every kept particle of a generation is within its tolerance
    for t in range(1, case.generations):
        assert (pops[pops["generation"] == t]["distance"] <= eps[t] + 1e-12).all()


# ------------------------------------------------------------- SIGKILL


def test_sigkill_then_resume_gives_the_posterior_of_an_uninterrupted_run(case: Case, tmp_path: Path, cli) -> None:
    # one generation more than the case's: the kill lands after the first stored generation, with two still to run
    case = Case(case.scenario, case.population, case.generations + 1, case.executors)

    def args(out: Path) -> list[str]:
        return ["calibrate", case.scenario, "--method", "smc", "--out", str(out), "--seed", "2", *case.args, "--executor", "serial"]

    whole = cli(*args(tmp_path / "whole"))
    assert whole.code == 0, whole.stderr
    cut = tmp_path / "cut"
    victim = subprocess.Popen(
        [str(Path(sys.executable).parent / "summitry"), *args(cut)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    seen = 0
    try:
        while victim.poll() is None:  # kill once the database holds a finished generation (observed, not timed)
            seen = len(list(iter_generations(cut)))
            if seen >= 1:
                victim.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        victim.communicate(timeout=600)
    assert victim.returncode == -signal.SIGKILL, "the calibration finished before it could be killed"
    assert 1 <= seen < case.generations
    assert not (cut / "posterior.parquet").exists()
    again = cli(*args(cut), "--resume")
    assert again.code == 0, again.stderr
    # it went on from the stored generations: generation 0 is not run again, the last one is
    assert "generation 0:" not in again.stderr and f"generation {case.generations - 1}:" in again.stderr
    for name in ("posterior.parquet", "populations.parquet", "calibrated.yaml", "predictive.parquet", "predictive.json"):
        assert (cut / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


# ---------------------------------------------------- a posterior known in closed form


def test_the_sampler_recovers_a_posterior_known_in_closed_form() -> None:
    """A normal mean: prior uniform on [-10, 10], one observation y ~ N(theta, 1) at 1.5.

    The exact posterior is N(1.5, 1) (the prior's truncation is 11 sd away). ABC with a tolerance eps on |y - 1.5|
    gives N(1.5, 1) convolved with a uniform of half-width eps (density Phi(1.5 + eps - theta) - Phi(1.5 - eps - theta),
    variance 1 + eps^2 / 3). Three generations of 150 particles go through the same sampler, distance and seeds as a
    calibration (serial executor); a sampler that drew from anything but that posterior (weights dropped, seeds
    repeated, acceptances miscounted) moves the mean, the spread or the weight inside its 90% interval beyond a
    few Monte Carlo standard errors.
    """
    import pyabc
    from scipy.stats import norm

    from summitry.sim.experiments.calibration_smc import make_sampler
    from summitry.sim.experiments.executors import make_executor

    class Distance(pyabc.Distance):  # type: ignore[misc]
        def __call__(self, x: dict, x_0: dict, t: int | None = None, par: dict | None = None) -> float:
            return scaled_distance(x, x_0, {"y": 1.0}, {"y": 1.0})

    ex = make_executor("serial")
    try:
        abc = pyabc.ABCSMC(
            _normal_model,
            pyabc.Distribution(theta=pyabc.RV("uniform", -10.0, 20.0)),
            Distance(),
            population_size=150,
            sampler=make_sampler(ex, seed=11),
            eps=pyabc.QuantileEpsilon(initial_epsilon=math.inf, alpha=0.5, weighted=True),
        )
        abc.new("sqlite://", {"y": 1.5})  # an in-memory database
        with warnings.catch_warnings():  # pyabc compares the first tolerance (inf) with none before it: inf - inf
            warnings.filterwarnings("ignore", "invalid value encountered in scalar subtract", RuntimeWarning)
            history = abc.run(max_nr_populations=3)
    finally:
        ex.close()
    frame, w = history.get_distribution(t=history.max_t)
    theta = frame["theta"].to_numpy()
    eps = float(history.get_all_populations()["epsilon"].iloc[-1])
    assert 1.0 < eps < 3.5  # the tolerance fell from the prior's spread (about 5); still wide enough to widen the posterior
    # the ABC posterior at this tolerance on a fine grid: density Phi(1.5 + eps - theta) - Phi(1.5 - eps - theta)
    grid = np.linspace(-10.0, 10.0, 20001)
    density = norm.cdf(1.5 + eps - grid) - norm.cdf(1.5 - eps - grid)
    cdf = np.cumsum(density) / density.sum()
    exact_sd = math.sqrt(float(np.sum(density * (grid - 1.5) ** 2) / density.sum()))
    assert exact_sd == pytest.approx(math.sqrt(1 + eps**2 / 3), rel=1e-3) and exact_sd > 1.2  # wider than the exact posterior's 1
    lo, hi = grid[np.searchsorted(cdf, 0.05)], grid[np.searchsorted(cdf, 0.95)]
    mean = float(np.average(theta, weights=w))
    sd = math.sqrt(float(np.average((theta - mean) ** 2, weights=w)))
    ess = w.sum() ** 2 / (w**2).sum()
    assert ess > 75
    assert mean == pytest.approx(1.5, abs=4 * exact_sd / math.sqrt(ess))
    assert sd == pytest.approx(exact_sd, rel=0.15)
    # the sample's weight inside the exact 90% interval is 0.9, within about three binomial standard errors
    inside = float(w[(theta >= lo) & (theta <= hi)].sum() / w.sum())
    assert inside == pytest.approx(0.9, abs=3 * math.sqrt(0.09 / ess))
    s = weighted_summary(pd.DataFrame({"param.theta": theta, "weight": w}), {"theta": (-10.0, 10.0)}, {"theta": False})["theta"]
    assert s["q05"] < 1.5 < s["q95"] and s["range_ratio"] < 0.35  # narrow: about a third of the prior's width at most


def _normal_model(par: dict) -> dict[str, float]:
    """y ~ N(theta, 1), drawn from numpy's global state (seeded per particle by the sampler, as pyabc's proposals)."""
    return {"y": float(par["theta"]) + float(np.random.normal())}


# ------------------------------------------------------------- the command


def test_the_command_writes_a_params_file_that_runs_and_refuses_to_overwrite(short_case: str, tmp_path: Path, cli) -> None:
    out = tmp_path / "cal"
    tiny = Case(short_case, 8, 2, ())
    args = ["calibrate", short_case, "--method", "smc", "--executor", "serial", "--out", str(out), *tiny.args]
    r = cli(*args)
    assert r.code == 0, r.stderr
    assert "ABC-SMC: 8 particles after 2 generations" in r.stdout
    assert "generation 1: tolerance" in r.stderr and "generation 0: tolerance none (the prior)" in r.stderr
    # by default a particle is one run (docs/calibration.md, "One run per particle"), and the pilot still measures
    # spreads: the trust pattern's score varies between runs at one parameter value, so its scale is above the floor
    # (0.05) that one pilot run per draw would leave
    stored = json.loads((out / "smc.json").read_text())
    assert stored["runs_per_particle"] == 1
    assert stored["scales"]["pattern.trust"] > 0.05
    cal = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert set(cal["parameters"]) == set(PRIORS) and cal["scenario"] == "teaching-short"
    assert cli("run", short_case, "--params", str(out / "calibrated.yaml"), "-q").code == 0
    html = (out / "posterior.html").read_text()
    assert "ABC-SMC" in html and "Plotly.newPlot" in html
    # one run per particle is said in the singular, on the page and in the parameter file's description
    assert "(1 run each); last tolerance" in html and "1 runs" not in html
    assert "particles (1 run each, seed 0)." in cal["description"]
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
        (["--method", "rejection", "--population", "10"], "--population: applies to --method smc only"),
        # ABC-SMC is the default method: a rejection option needs --method rejection, and the message says so
        (["--points", "10"], "--points: applies to --method rejection only, not --method smc; add --method rejection"),
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


@pytest.mark.parametrize("method", ["smc", "rejection"])
@pytest.mark.parametrize("state", ["missing", "empty", "mine"])
def test_resume_with_nothing_to_resume_exits_2_and_writes_nothing(method: str, state: str, short_case: str, tmp_path: Path, cli) -> None:
    """--resume into an --out that holds no calibration used to start a fresh one there (smc), or speak of a sweep (rejection)."""
    out = tmp_path / "new" / "cal" if state == "missing" else tmp_path / "cal"
    if state != "missing":
        out.mkdir()
    if state == "mine":  # a directory of the user's, with names the calibrations write themselves
        (out / "notes.txt").write_text("keep me")
        (out / "smc.db").write_bytes(b"the user's database")
        (out / "runs").mkdir()
        (out / "runs" / "part-000000.parquet").write_text("not a part of summitry's")
    before = tree_bytes(out) if out.exists() else None
    budget = ["--population", "4", "--generations", "1", "--pilot", "2"] if method == "smc" else ["--points", "2", "--runs-per-point", "1"]
    r = cli("calibrate", short_case, "--method", method, *budget, "--backtest-runs", "0", "--ppc-runs", "0",
            "--executor", "serial", "--out", str(out), "--resume")  # fmt: skip
    assert r.code == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    state_file = "smc.json" if method == "smc" else "sweep.json"
    reason = {"missing": "does not exist", "empty": "is empty", "mine": f"has no {state_file}, so it holds no calibration to continue"}
    assert r.stderr.strip() == (
        f"error: --out {out}: nothing to resume: the directory {reason[state]}; "
        "to start this calibration, run the same command without --resume"
    )
    if state == "missing":
        assert not (tmp_path / "new").exists()
    else:
        assert tree_bytes(out) == before


@pytest.mark.parametrize("method", ["smc", "rejection"])
def test_the_calibration_functions_refuse_to_resume_a_missing_directory(method: str, short_case: str, tmp_path: Path) -> None:
    """The library's own check, for callers that do not go through the command line (rejection: not the sweep's words)."""
    from summitry.sim.errors import InputError
    from summitry.sim.experiments.calibration import calibrate

    out = tmp_path / "cal"
    with pytest.raises(InputError, match="nothing to resume: the directory does not exist; to start this calibration,"):
        if method == "smc":
            calibrate_smc(short_case, out, PRIORS, population=4, generations=1, pilot=2, backtest_runs=0, executor="serial", resume=True)
        else:
            calibrate(short_case, out, PRIORS, points=2, runs_per_point=1, backtest_runs=0, executor="serial", resume=True)
    assert not out.exists()


def test_the_replicate_seeds_do_not_depend_on_the_process() -> None:
    from summitry.sim.experiments.calibration_smc import particle_seed

    seeds = {particle_seed(1, t, i, r) for t in range(3) for i in range(5) for r in range(3)}
    assert len(seeds) == 45
    assert np.all(np.array(sorted(seeds)) >= 0)


def test_calibrate_smc_refuses_a_fresh_start_in_a_directory_of_the_users(short_case: str, tmp_path: Path) -> None:
    """resume=False into a non-empty directory without smc.json: refused before any work, nothing touched (a fresh
    SMC stage deleted an smc.db it found there)."""
    from summitry.sim.errors import InputError

    out = tmp_path / "cal"
    out.mkdir()
    (out / "smc.db").write_bytes(b"the user's database")
    before = tree_bytes(out)
    with pytest.raises(InputError, match="directory exists and is not empty; summitry will not touch files it did not write"):
        calibrate_smc(short_case, out, PRIORS, population=4, generations=1, pilot=2, backtest_runs=0, executor="serial")
    assert tree_bytes(out) == before


@pytest.mark.parametrize("method", ["smc", "rejection"])
def test_resume_refuses_the_same_parameters_given_in_another_order(method: str, short_case: str, tmp_path: Path, cli) -> None:
    """A particle's coordinates (a design's columns) are the parameters in the order given: resumed in another order, the
    stored draws were read as the other parameters' (kappa came out at 8.5, outside its prior of 0.5-5)."""
    out = tmp_path / "cal"
    budget = ["--population", "4", "--generations", "1", "--pilot", "2"] if method == "smc" else ["--points", "2", "--runs-per-point", "1"]
    common = ["calibrate", short_case, "--method", method, *budget, "--backtest-runs", "0", "--ppc-runs", "0", "--executor", "serial",
              "--out", str(out), "--seed", "3"]  # fmt: skip
    kappa, lam = ["--parameters", "kappa=0.5:5"], ["--parameters", "lambda_q=1:20"]
    assert cli(*common, *kappa, *lam).code == 0
    before = tree_bytes(out)
    swapped = cli(*common, *lam, *kappa, "--resume")
    assert swapped.code == 2, (swapped.stdout, swapped.stderr)
    assert "Traceback" not in swapped.stdout + swapped.stderr
    expected = "the same parameters in another order" if method == "smc" else "changed since this sweep started"
    assert expected in swapped.stderr, swapped.stderr
    assert tree_bytes(out) == before
    again = cli(*common, *kappa, *lam, "--resume")
    assert again.code == 0, again.stderr


def test_resume_refuses_a_scenario_listed_in_another_order_and_says_why(short_case: str, tmp_path: Path, cli) -> None:
    """The same scenario with its sides in another order runs differently: resuming on it is refused, and the message
    names the scenario's content hash (not a setting the user gave), with the two reasons it can differ."""
    case = tmp_path / "case.yaml"
    case.write_text(Path(short_case).read_text())
    out = tmp_path / "cal"
    common = ["calibrate", str(case), "--method", "smc", "--population", "4", "--generations", "1", "--pilot", "2",
              "--backtest-runs", "0", "--ppc-runs", "0", "--executor", "serial", "--out", str(out), "--seed", "3",
              "--parameters", "kappa=0.5:5"]  # fmt: skip
    assert cli(*common).code == 0
    before = tree_bytes(out)
    raw = yaml.safe_load(case.read_text())
    raw["sides"] = dict(reversed(list(raw["sides"].items())))
    case.write_text(yaml.safe_dump(raw, sort_keys=False))
    r = cli(*common, "--resume")
    assert r.code == 2, (r.stdout, r.stderr)
    assert "was written for another version of the scenario (content hash" in r.stderr
    assert "whose hash did not record the order of the scenario's sides" in " ".join(r.stderr.split())
    assert tree_bytes(out) == before
