"""Joint calibration across cases (sim/experiments/joint.py) and `summitry holdout` (sim/experiments/holdout.py):
which parameters are shared, the joint distance as the sum of the cases', which patterns fall before and after a cut,
determinism, resumption after SIGKILL, and the commands' refusals."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from summitry.sim.errors import InputError
from summitry.sim.experiments.calibration_smc import (
    grouped_distance,
    iter_generations,
    observed,
    particle_seed,
    particle_summaries,
    run_summaries,
    scaled_distance,
    summary_names,
    summary_weights,
)
from summitry.sim.experiments.holdout import split_at_cut
from summitry.sim.experiments.joint import calibrate_joint, joint_simulator, load_cases, rejection_distance, split_parameters
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_raw, load_scenario
from tests.files import tree_bytes

ROOT = Path(__file__).resolve().parents[3]

# two short cases cut from the teaching case (10 weeks; a calibration of both is a few seconds): the same actors, their
# own records, and Ada's impulsiveness declared case-specific in both
PATTERNS_A = [
    {"id": "scheduled", "text": "summit scheduled in week 1", "kind": "summit_scheduled", "window": [1, 1], "tolerance": 2},
    {"id": "held", "text": "summit held in week 7", "kind": "summit_held", "window": [7, 7], "tolerance": 2},
]
PATTERNS_B = [
    {"id": "held-early", "text": "summit held by week 5", "kind": "summit_held", "window": [3, 5], "tolerance": 2},
    {
        "id": "trust",
        "text": "Ada's trust in Beta at week 9",
        "state": {"agent": "ada", "variable": "trust_beta", "measure": "mean", "within": [0.3, 0.5], "slack": 0.1},
        "window": [9, 9],
    },
]
BUDGET = ["--method", "rejection", "--points", "8", "--runs-per-point", "1", "--accept", "0.25", "--parameters", "kappa=0.5:5"]
BUDGET += ["--parameters", "ada.traits.impulsiveness=0:1"]


def _case(folder: Path, name: str, patterns: list[dict[str, Any]], specific: list[str] | None) -> str:
    raw = dict(load_raw("teaching")[0])
    raw["name"] = name
    raw["time"] = {**raw["time"], "steps": 10}
    raw["patterns"] = patterns
    raw.pop("calibration", None)
    if specific is not None:
        raw["calibration"] = {"case_specific": specific}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("joint")
    return {
        "a": _case(d, "short-a", PATTERNS_A, ["ada.traits.impulsiveness"]),
        "b": _case(d, "short-b", PATTERNS_B, ["ada.traits.impulsiveness"]),
        "undeclared": _case(d, "short-c", PATTERNS_B, None),
        "bare": _case(d, "short-bare", [], None),
    }


# ------------------------------------------------------------- shared or case-specific


def test_the_reference_cases_share_the_model_parameters_and_fit_each_leaders_impulsiveness_per_case() -> None:
    joint = split_parameters(load_cases(["singapore-2018", "hanoi-2019"]))
    assert joint.shared == (
        "parameters.kappa",
        "parameters.kappa_h",
        "parameters.lambda_q",
        "parameters.renege_u",
        "parameters.alpha_p",
    )
    assert joint.specific("hanoi-2019") == ["hanoi-2019:trump.traits.impulsiveness", "hanoi-2019:kim.traits.impulsiveness"]
    assert joint.paths["singapore-2018"]["singapore-2018:kim.traits.impulsiveness"] == "kim.traits.impulsiveness"
    assert "hanoi-2019:kim.traits.impulsiveness" not in joint.paths["singapore-2018"]
    assert len(joint.priors) == 5 + 2 + 2
    assert joint.priors["parameters.kappa"] == (0.5, 5.0)


def test_given_parameters_are_shared_unless_declared_and_a_declaration_one_case_lacks_is_refused(cases: dict[str, str]) -> None:
    both = load_cases([cases["a"], cases["b"]])
    joint = split_parameters(both, ["kappa=1:3", "ada.traits.impulsiveness=0:0.5"])
    assert joint.shared == ("parameters.kappa",)
    assert joint.priors == {
        "parameters.kappa": (1.0, 3.0),
        "short-a:ada.traits.impulsiveness": (0.0, 0.5),
        "short-b:ada.traits.impulsiveness": (0.0, 0.5),
    }
    # a leader's trait that short-c does not declare: case-specific in short-a, shared in short-c
    with pytest.raises(InputError, match=r"ada.traits.impulsiveness is case-specific in .*short-a.yaml but shared in short-c"):
        split_parameters(load_cases([cases["a"], cases["undeclared"]]))
    # a path only one case has: fitted for that case when it declares it case-specific, refused when it is shared there
    mixed = load_cases([cases["a"], "singapore-2018"])
    assert list(split_parameters(mixed, ["kim.traits.impulsiveness=0:1"]).priors) == ["singapore-2018:kim.traits.impulsiveness"]
    with pytest.raises(InputError, match=r"trump.traits.ego=0:1: shared, but .*short-a.yaml has no such parameter"):
        split_parameters(mixed, ["trump.traits.ego=0:1"])
    with pytest.raises(InputError, match="close matches"):
        split_parameters(both, ["kapa=1:3"])


# ------------------------------------------------------------------- the distance


def test_the_joint_distance_is_the_sum_of_each_cases_distance_by_hand() -> None:
    # case a: one pattern met half (0.5 off, scale 0.25 -> 2 units); case b: a pattern missed (1 off, scale 0.5 -> 2 units)
    # and its gap 3 weeks (scale 1 -> 3 units), weights 1 and 1: sqrt((2^2 + 3^2) / 2) = 2.5495
    names = ["a/pattern.p", "b/pattern.q", "b/gap.q"]
    x = {"a/pattern.p": 0.5, "b/pattern.q": 0.0, "b/gap.q": 3.0}
    scales = {"a/pattern.p": 0.25, "b/pattern.q": 0.5, "b/gap.q": 1.0}
    weights = dict.fromkeys(names, 1.0)
    d = grouped_distance(x, observed(names), scales, weights, [["a/pattern.p"], ["b/pattern.q", "b/gap.q"]])
    assert d == pytest.approx(2.0 + math.sqrt((4 + 9) / 2))
    # rejection: 1 - score per case, summed
    pts = pd.DataFrame({"a/score": [0.9, 0.2], "b/score": [0.4, 1.0]})
    assert rejection_distance(pts, ["a", "b"]).tolist() == pytest.approx([0.7, 0.8])


def test_a_joint_point_runs_each_case_as_its_own_calibration_would(cases: dict[str, str]) -> None:
    both = load_cases([cases["a"], cases["b"]])
    joint = split_parameters(both, ["kappa=0.5:5", "ada.traits.impulsiveness=0:1"])
    sim = joint_simulator(both, joint, 2, seed=3)
    par = dict(zip(sim.keys, [2.0, 0.1, 0.9], strict=True))  # kappa, short-a's impulsiveness, short-b's
    reps = sim.replicates(par, 1, 4)
    for case, imp in zip(both, (0.1, 0.9), strict=True):
        sc = load_scenario(case.arg, {"parameters.kappa": "2.0", "ada.traits.impulsiveness": str(imp)})
        for r in range(2):
            alone = run_summaries(run_scenario(sc, seed=particle_seed(3, 1, 4, r), mode="free"), sc)
            assert {n: reps[r][f"{case.name}/{n}"] for n in alone} == pytest.approx(alone, nan_ok=True)
    means = particle_summaries(reps, sim.names)
    assert means["score"] == pytest.approx(np.mean([(reps[r]["short-a/score"] + reps[r]["short-b/score"]) / 2 for r in range(2)]))
    # the SMC distance of the joint summaries is the sum of each case's own distance
    scales = dict.fromkeys(sim.names, 0.2)
    weights = {f"{c.name}/{n}": w for c in both for n, w in summary_weights(c.scenario, summary_names(c.scenario)).items()}
    groups = [[n for n in sim.names if n.startswith(f"{c.name}/")] for c in both]
    per_case = [
        scaled_distance(
            {n.split("/", 1)[1]: means[n] for n in g},
            observed([n.split("/", 1)[1] for n in g]),
            {n.split("/", 1)[1]: 0.2 for n in g},
            {n.split("/", 1)[1]: weights[n] for n in g},
        )
        for g in groups
    ]
    assert grouped_distance(means, observed(sim.names), scales, weights, groups) == pytest.approx(sum(per_case))


# -------------------------------------------------------------------- the cut


def test_patterns_before_and_after_a_cut_by_their_windows() -> None:
    sc = load_scenario("hanoi-2019")
    before, after, spanning = split_at_cut(sc.patterns, 31)
    assert [p.id for p in before] == ["stall-cancel", "stall", "flat-trust-us", "flat-trust-dprk"]  # windows 0-30
    assert [p.id for p in after] == ["second-summit", "walk-away", "us-walks", "r-binding", "srbm-after", "trust-drop"]
    assert [p.id for p in spanning] == ["no-icbm", "no-nuclear"]  # 0-49
    # the window 34-38 starts at a cut of 34, spans one of 35; the window 0-30 ends before a cut of 31, not of 30
    assert "second-summit" in [p.id for p in split_at_cut(sc.patterns, 34)[1]]
    assert "second-summit" in [p.id for p in split_at_cut(sc.patterns, 35)[2]]
    assert "stall" in [p.id for p in split_at_cut(sc.patterns, 30)[2]]


# --------------------------------------------------------------- determinism and outputs


def test_same_seed_same_joint_posterior_on_any_executor_and_params_files_every_case_runs(
    cases: dict[str, str], tmp_path: Path, cli
) -> None:
    kw: dict[str, Any] = {
        "parameters": ["kappa=0.5:5", "ada.traits.impulsiveness=0:1"],
        "method": "rejection",
        "settings": {"points": 8, "runs_per_point": 2, "accept": 0.25},
    }
    serial = calibrate_joint([cases["a"], cases["b"]], tmp_path / "serial", seed=4, executor="serial", **kw)
    calibrate_joint([cases["a"], cases["b"]], tmp_path / "local", seed=4, executor="local", workers=2, **kw)
    for name in ("posterior.parquet", "calibrated.yaml", "calibrated-short-a.yaml", "calibrated-short-b.yaml"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    other = calibrate_joint([cases["a"], cases["b"]], tmp_path / "other", seed=5, executor="serial", **kw)
    assert not np.array_equal(other.points["param.parameters.kappa"], serial.points["param.parameters.kappa"])
    # 8 points x 2 joint runs, the closest quarter of the 16 runs accepted: each run's distance sums its cases' 1 - score,
    # and a point's distance (for ordering) is the mean of its runs', the sum of its cases' 1 - mean score
    assert len(serial.points) == 8 and serial.accepted["accepted_runs"].sum() == pytest.approx(4.0)
    assert serial.accepted["weight"].sum() == pytest.approx(1.0)
    assert np.allclose(serial.accepted["weight"], serial.accepted["accepted_runs"] / 4.0)  # two runs at every point
    assert serial.points["distance"].is_monotonic_increasing
    assert np.allclose(serial.points["distance"], 2 - serial.points["short-a/score"] - serial.points["short-b/score"])
    parts = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / "serial" / "points").glob("part-*.parquet"))])
    runs = np.sort(np.concatenate(parts["run_distances"].to_numpy()))
    assert runs.size == 16 and serial.summary["epsilon"] == pytest.approx(runs[3])
    by_point = parts.set_index("point")["run_distances"].map(np.mean)
    assert np.allclose(serial.points.set_index("point")["distance"].sort_index(), by_point.sort_index())
    shared = yaml.safe_load((tmp_path / "serial" / "calibrated.yaml").read_text())
    assert "scenario" not in shared and set(shared["parameters"]) == {"parameters.kappa"}
    own = yaml.safe_load((tmp_path / "serial" / "calibrated-short-b.yaml").read_text())
    assert own["scenario"] == "short-b"
    assert own["parameters"]["ada.traits.impulsiveness"] == serial.calibrated["short-b:ada.traits.impulsiveness"]
    for case in ("a", "b"):
        assert cli("run", cases[case], "--params", str(tmp_path / "serial" / "calibrated.yaml"), "-q").code == 0
    assert cli("run", cases["b"], "--params", str(tmp_path / "serial" / "calibrated-short-b.yaml"), "-q").code == 0


def _kill_when(args: list[str], ready) -> int:
    victim = subprocess.Popen(
        [str(Path(sys.executable).parent / "summitry"), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        while victim.poll() is None:  # kill once the first piece of work is stored (observed, not timed)
            if ready():
                victim.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        victim.communicate(timeout=600)
    return victim.returncode


@pytest.mark.parametrize("method", ["rejection", "smc"])
def test_sigkill_then_resume_gives_the_joint_posterior_of_an_uninterrupted_run(
    method: str, cases: dict[str, str], tmp_path: Path, cli
) -> None:
    flags = BUDGET if method == "rejection" else ["--population", "6", "--generations", "3", "--runs-per-point", "1", "--pilot", "2"]
    flags = [*flags, "--parameters", "kappa=0.5:5", "--parameters", "ada.traits.impulsiveness=0:1"] if method == "smc" else flags

    def args(out: Path) -> list[str]:
        return ["calibrate", cases["a"], cases["b"], "--method", method, "--out", str(out), "--seed", "2", *flags, "--executor", "serial"]

    whole = cli(*args(tmp_path / "whole"))
    assert whole.code == 0, whole.stderr
    cut = tmp_path / "cut"
    if method == "rejection":
        code = _kill_when(
            args(cut), lambda: len(list((cut / "points").glob("part-*.parquet"))) >= 1 if (cut / "points").is_dir() else False
        )
    else:
        code = _kill_when(args(cut), lambda: len(list(iter_generations(cut))) >= 1)
    assert code == -signal.SIGKILL, "the calibration finished before it could be killed"
    assert not (cut / "posterior.parquet").exists()
    assert cli(*args(cut)).code == 2  # without --resume: refused
    again = cli(*args(cut), "--resume")
    assert again.code == 0, again.stderr
    if method == "smc":
        assert "generation 0:" not in again.stderr
    for name in ("posterior.parquet", "calibrated-short-a.yaml", "calibrated-short-b.yaml"):
        assert (cut / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


# ------------------------------------------------------------------- holdout


def test_holdout_scores_the_held_out_patterns_on_paired_seeds(cases: dict[str, str], tmp_path: Path, cli) -> None:
    out = tmp_path / "ho"
    r = cli("holdout", cases["a"], "--cut", "5", *BUDGET, "--runs", "6", "--executor", "serial", "--out", str(out))
    assert r.code == 0, r.stderr
    assert "weighted score" in r.stdout and "gain (posterior - prior)" in r.stdout
    s = json.loads((out / "holdout.json").read_text())
    assert s["fit_patterns"] == ["scheduled"] and s["scored_patterns"] == ["held"]
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs.groupby("arm").size().items()) == [("defaults", 6), ("posterior", 6), ("prior", 6)]
    post = runs[runs["arm"] == "posterior"].set_index("run")["score"]
    prior = runs[runs["arm"] == "prior"].set_index("run")["score"]
    assert s["gain"]["value"] == pytest.approx(float((post - prior).mean()))
    # the defaults arm: run i is the scenario as written, on the seed of run i of every arm
    sc = load_scenario(str(out / "score-scenario.yaml"))
    for i in (0, 5):
        alone = run_summaries(run_scenario(sc, seed=particle_seed(0, 1000, i, 0), mode="free"), sc)
        assert runs[(runs["arm"] == "defaults") & (runs["run"] == i)]["score"].item() == pytest.approx(alone["score"])
    # the fit saw the patterns before the cut only
    assert [p.id for p in load_scenario(str(out / "fit-scenario.yaml")).patterns] == ["scheduled"]


@pytest.mark.parametrize("method", ["rejection", "smc"])
def test_holdout_killed_during_its_fit_then_resumed_gives_the_uninterrupted_results(
    method: str, cases: dict[str, str], tmp_path: Path, cli
) -> None:
    flags = BUDGET if method == "rejection" else ["--population", "6", "--generations", "3", "--runs-per-point", "1"]
    flags = [*flags, "--parameters", "kappa=0.5:5", "--parameters", "ada.traits.impulsiveness=0:1"] if method == "smc" else flags

    def args(out: Path) -> list[str]:
        return ["holdout", cases["a"], "--cut", "5", "--method", method, *flags, "--runs", "4", "--executor", "serial", "--out", str(out)]

    whole = cli(*args(tmp_path / "whole"))
    assert whole.code == 0, whole.stderr
    cut = tmp_path / "cut"
    fit = cut / "fit"
    if method == "rejection":
        code = _kill_when(
            args(cut), lambda: len(list((fit / "points").glob("part-*.parquet"))) >= 1 if (fit / "points").is_dir() else False
        )
    else:
        code = _kill_when(args(cut), lambda: len(list(iter_generations(fit))) >= 1)
    assert code == -signal.SIGKILL, "the holdout finished before it could be killed"
    assert not (cut / "holdout.json").exists()
    refused = cli(*args(cut))
    assert refused.code == 2 and "--resume" in refused.stderr  # without --resume: refused, and told how to go on
    again = cli(*args(cut), "--resume")
    assert again.code == 0, again.stderr
    if method == "smc":  # the stored generations went on, with the tolerances and costs of the uninterrupted fit
        assert list(iter_generations(fit)) == list(iter_generations(tmp_path / "whole" / "fit"))
    assert (cut / "runs.parquet").read_bytes() == (tmp_path / "whole" / "runs.parquet").read_bytes()
    mine, theirs = (json.loads((d / "holdout.json").read_text()) for d in (cut, tmp_path / "whole"))
    assert {k: v for k, v in mine.items() if k != "elapsed"} == {k: v for k, v in theirs.items() if k != "elapsed"}


@pytest.mark.parametrize("method", ["rejection", "smc"])
def test_holdout_stopped_before_its_fit_stored_anything_resumes(method: str, cases: dict[str, str], tmp_path: Path, cli) -> None:
    """What a holdout stopped in its fit's pilot leaves (its fit scenario and an empty fit/): --resume starts the fit
    afresh and gives the uninterrupted results (the fit's own resume check would call an empty fit/ nothing to resume)."""
    flags = [*(BUDGET if method == "rejection" else SMC_BUDGET), "--runs", "4", "--executor", "serial"]

    def args(out: Path) -> list[str]:
        return ["holdout", cases["a"], "--cut", "5", *flags, "--out", str(out)]

    whole = cli(*args(tmp_path / "whole"))
    assert whole.code == 0, whole.stderr
    stopped = tmp_path / "stopped"
    (stopped / "fit").mkdir(parents=True)
    (stopped / "fit-scenario.yaml").write_bytes((tmp_path / "whole" / "fit-scenario.yaml").read_bytes())
    again = cli(*args(stopped), "--resume")
    assert again.code == 0, again.stderr
    assert (stopped / "runs.parquet").read_bytes() == (tmp_path / "whole" / "runs.parquet").read_bytes()
    mine, theirs = (json.loads((d / "holdout.json").read_text()) for d in (stopped, tmp_path / "whole"))
    assert {k: v for k, v in mine.items() if k != "elapsed"} == {k: v for k, v in theirs.items() if k != "elapsed"}


def test_holdout_across_cases_carries_only_the_shared_parameters(cases: dict[str, str], tmp_path: Path, cli) -> None:
    out = tmp_path / "across"
    r = cli("holdout", "--fit", cases["a"], "--score", cases["b"], *BUDGET, "--runs", "4", "--executor", "serial", "--out", str(out))
    assert r.code == 0, r.stderr
    assert "Held out: short-b, fitted on short-a" in r.stdout
    s = json.loads((out / "holdout.json").read_text())
    assert (s["mode"], s["fit"], s["scored_case"]) == ("cases", "short-a", "short-b")
    assert s["scored_patterns"] == ["held-early", "trust"]
    # short-a's own impulsiveness stays with short-a: short-b runs with its own value under every arm
    assert s["not_carried"] == ["short-a:ada.traits.impulsiveness"]
    assert s["parameters"] == {"parameters.kappa": {"prior": [0.5, 5.0], "scored_as": "parameters.kappa"}}


# ----------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["calibrate", "A", "no-such-case"], "no-such-case"),
        (["calibrate", "A", "BARE"], "patterns"),
        (["calibrate", "A", "UNDECLARED"], "is case-specific in"),
        (["calibrate", "A", "A"], "given more than once"),
        (["calibrate", "A", "B", "--backtest-runs", "10"], "--backtest-runs: applies to one scenario"),
        (["calibrate", "A", "B", "--method", "rejection", "--design", "grid"], "--design grid: a joint rejection fit"),
        (["calibrate", "A", "B", "--method", "smc", "--points", "5"], "--points: applies to --method rejection only"),
        (["calibrate", "A", "B", "--method", "rejection", "--accept", "2"], "--accept 2"),
        (
            ["calibrate", "A", "B", "--accept", "0.5"],
            "--accept: applies to --method rejection only, not --method smc; add --method rejection",
        ),
        (["holdout"], "give SCENARIO --cut STEP, or --fit CASE --score CASE"),
        (["holdout", "A", "--cut", "5", "--fit", "A", "--score", "B"], "one of the two"),
        (["holdout", "A", "--cut", "1"], "no pattern of"),
        (["holdout", "--fit", "A", "--score", "A"], "the same case"),
        (["holdout", "--fit", "A", "--score", "BARE"], "patterns"),
        (["holdout", "A", "--cut", "5", "--method", "smc", "--points", "5"], "--points: applies to --method rejection only"),
        (["holdout", "A", "--cut", "5", "--points", "5"], "--points: applies to --method rejection only, not --method smc"),
    ],
)
def test_bad_joint_and_holdout_input_exits_2_with_a_message(
    args: list[str], needle: str, cases: dict[str, str], cli, tmp_path: Path
) -> None:
    named = {"A": cases["a"], "B": cases["b"], "BARE": cases["bare"], "UNDECLARED": cases["undeclared"]}
    r = cli(*[named.get(a, a) for a in args], "--out", str(tmp_path / "o"))
    assert r.code == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


SMC_BUDGET = ["--method", "smc", "--population", "4", "--generations", "1", "--runs-per-point", "1", "--parameters", "kappa=0.5:5"]


@pytest.mark.parametrize("method", ["smc", "rejection"])
@pytest.mark.parametrize("command", ["joint", "holdout"])
@pytest.mark.parametrize("state", ["missing", "empty", "mine"])
def test_resume_with_nothing_to_resume_exits_2_and_writes_nothing(
    command: str, method: str, state: str, cases: dict[str, str], tmp_path: Path, cli
) -> None:
    """--resume into an --out that holds no joint calibration or holdout used to start a fresh one there."""
    out = tmp_path / "new" / "o" if state == "missing" else tmp_path / "o"
    if state != "missing":
        out.mkdir()
    if state == "mine":  # a directory of the user's, with names these commands write themselves
        (out / "notes.txt").write_text("keep me")
        (out / "smc.db").write_bytes(b"the user's database")
        (out / "fit-scenario.yaml").write_text("the user's scenario\n")
        (out / "points").mkdir()
        (out / "points" / "part-00000.parquet").write_text("not a part of summitry's")
    before = tree_bytes(out) if out.exists() else None
    flags = BUDGET if method == "rejection" else SMC_BUDGET
    if command == "joint":
        args = ["calibrate", cases["a"], cases["b"], *flags, *(["--pilot", "2"] if method == "smc" else [])]
    else:
        args = ["holdout", cases["a"], "--cut", "5", *flags, "--runs", "2", "--executor", "serial"]
    r = cli(*args, "--out", str(out), "--resume")
    assert r.code == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    if command == "joint":
        lacks = f"has no {'smc.json' if method == 'smc' else 'joint.json'}, so it holds no calibration to continue"
        starts = "this calibration"
    else:
        lacks, starts = "has no fit/, so it holds no holdout to continue", "this holdout"
    reason = {"missing": "does not exist", "empty": "is empty", "mine": lacks}[state]
    assert r.stderr.strip() == (
        f"error: --out {out}: nothing to resume: the directory {reason}; to start {starts}, run the same command without --resume"
    )
    if state == "missing":
        assert not (tmp_path / "new").exists()
    else:
        assert tree_bytes(out) == before


@pytest.mark.parametrize("method", ["smc", "rejection"])
@pytest.mark.parametrize("state", ["missing", "mine"])
def test_calibrate_joint_refuses_to_resume_nothing(method: str, state: str, cases: dict[str, str], tmp_path: Path) -> None:
    """The library's own check, for callers that do not go through the command line: resume=True into a directory
    without the calibration's state started a fresh calibration there (and cleared the part files it found)."""
    out = tmp_path / "new" / "o" if state == "missing" else tmp_path / "o"
    if state == "mine":
        out.mkdir()
        (out / "points").mkdir()
        (out / "points" / "part-00000.parquet").write_text("not a part of summitry's")
    before = tree_bytes(out) if out.exists() else None
    settings = {"points": 2, "runs_per_point": 1} if method == "rejection" else {"population": 4, "generations": 1, "pilot": 2}
    state_file = "joint.json" if method == "rejection" else "smc.json"
    reason = "does not exist" if state == "missing" else f"has no {state_file}, so it holds no calibration to continue"
    with pytest.raises(InputError, match=f"nothing to resume: the directory {reason}"):
        calibrate_joint([cases["a"], cases["b"]], out, method=method, settings=settings, executor="serial", resume=True)
    if state == "missing":
        assert not (tmp_path / "new").exists()
    else:
        assert tree_bytes(out) == before


@pytest.mark.parametrize("method", ["smc", "rejection"])
def test_calibrate_joint_refuses_a_fresh_start_in_a_directory_of_the_users(method: str, cases: dict[str, str], tmp_path: Path) -> None:
    """resume=False into a non-empty directory without the calibration's state: refused before any work, nothing touched
    (a fresh rejection stage cleared the part files it found under points/, a fresh SMC stage its smc.db)."""
    out = tmp_path / "o"
    (out / "points").mkdir(parents=True)
    (out / "points" / "part-00000.parquet").write_text("not a part of summitry's")
    (out / "smc.db").write_bytes(b"the user's database")
    before = tree_bytes(out)
    settings = {"points": 2, "runs_per_point": 1} if method == "rejection" else {"population": 4, "generations": 1, "pilot": 2}
    with pytest.raises(InputError, match="directory exists and is not empty; summitry will not touch files it did not write"):
        calibrate_joint([cases["a"], cases["b"]], out, method=method, settings=settings, executor="serial")
    assert tree_bytes(out) == before
