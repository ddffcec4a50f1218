"""Out-of-sample checks: calibrate on part of the record, score what the fit did not see.

Two splits (:func:`holdout`):

* **at a cut** (``summitry holdout SCENARIO --cut STEP``): the fit sees the
  patterns whose window ends before the cut (:func:`split_at_cut`) and the
  patterns whose window starts at or after it are scored; a pattern whose
  window spans the cut is in neither. (A pattern's tolerance can still let an
  event just after its window count: the split is by window.)
* **across cases** (``--fit A --score B``): the fit sees A's patterns and B's
  are scored. Only the parameters B has, and neither case declares
  case-specific, carry over; the rest of B stays as its file says.

The held-out patterns are scored on ``runs`` free runs under three parameter
sources on the same run seeds: draws from the **prior** (the calibration's
uniform ranges), draws from the **posterior** (its kept points, by weight),
and the scenario's own **defaults**. The gain of the fit is the mean paired
difference posterior - prior, with a Student-t 95% interval
(:func:`summitry.sim.experiments.backtest.paired_skill`). The calibration itself is a
joint calibration of one case (:mod:`summitry.sim.experiments.joint`), kept in ``fit/``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError
from summitry.sim.experiments.backtest import ProgressFn, check_patterns, mean_ci, paired_skill
from summitry.sim.experiments.calibration_smc import Simulator, summary_names
from summitry.sim.experiments.executors import make_executor
from summitry.sim.experiments.joint import Case, JointResult, calibrate_joint, declared_specific
from summitry.sim.results.run_result import _jsonable, versions
from summitry.sim.scenario.document import Scenario, load_raw, load_scenario, validate_data
from summitry.sim.scenario.overrides import canonical, parameter_map
from summitry.sim.scenario.pattern_fields import Pattern

SCORE_GENERATION = 1_000
"""The replicate-seed stream of the scoring runs (the fit's runs use generations 0 and up, its pilot -1)."""
STREAM_PRIOR, STREAM_POSTERIOR = 5, 6
RUNS_PER_TASK = 10
ARMS = ("prior", "posterior", "defaults")


def split_at_cut(patterns: Sequence[Pattern], cut: int) -> tuple[list[Pattern], list[Pattern], list[Pattern]]:
    """(patterns whose window ends before ``cut``, those whose window starts at or after it, those spanning it).

    >>> from summitry.sim.scenario.pattern_fields import Pattern
    >>> ps = [Pattern(id=i, text=i, kind="summit_held", window=w) for i, w in (("a", (0, 14)), ("b", (15, 20)), ("c", (10, 30)))]
    >>> [[p.id for p in part] for part in split_at_cut(ps, 15)]
    [['a'], ['b'], ['c']]
    """
    before = [p for p in patterns if p.window[1] < cut]
    after = [p for p in patterns if p.window[0] >= cut]
    spanning = [p for p in patterns if p not in before and p not in after]
    return before, after, spanning


def with_patterns(scenario_arg: str, keep: Sequence[str], path: Path) -> str:
    """Write a copy of the scenario file holding only the patterns ``keep`` (by id) to ``path``; return the path as a scenario argument."""
    raw, _, source = load_raw(scenario_arg)
    data = dict(raw)
    data["patterns"] = [p for p in raw.get("patterns", []) if str(p.get("id")) in set(keep)]
    validate_data(data, f"{source} (patterns {', '.join(keep)})")  # an order or given pattern may name one left out
    text = f"# written by `summitry holdout`: {source} with the patterns {', '.join(keep)} only\n"
    text += yaml.safe_dump(json.loads(json.dumps(data, default=str)), sort_keys=False, allow_unicode=True, width=120)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda p: Path(p).write_text(text))
    return str(path)


def transfer_map(fit: Case, fit_paths: Mapping[str, str], shared: Sequence[str], score: Scenario, same_case: bool) -> dict[str, str]:
    """Joint key of the fit -> the scored scenario's path, for the parameters that carry over.

    In the same case every fitted parameter does. Across cases, a shared one
    does when the scored scenario has it and declares it case-specific in
    neither file; a case-specific one never does.
    """
    if same_case:
        return dict(fit_paths)
    pmap = parameter_map(score)
    own = set(declared_specific(score)) | set(declared_specific(fit.scenario))
    out = {}
    for key in shared:
        try:
            path = canonical(score, fit_paths[key], pmap)
        except KeyError:
            continue
        if path not in own:
            out[key] = path
    return out


def prior_draws(priors: Mapping[str, tuple[float, float]], keys: Sequence[str], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` independent uniform draws of ``keys`` from their priors."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(STREAM_PRIOR,)))
    u = rng.random((n, len(keys)))
    return [{k: priors[k][0] + float(u[i, j]) * (priors[k][1] - priors[k][0]) for j, k in enumerate(keys)} for i in range(n)]


def posterior_draws(accepted: pd.DataFrame, keys: Sequence[str], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` draws of ``keys`` from the kept points, with replacement, by their weights (equal weights without a weight column)."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(STREAM_POSTERIOR,)))
    w = accepted["weight"].to_numpy(dtype=float) if "weight" in accepted else np.ones(len(accepted))
    idx = rng.choice(len(accepted), size=n, p=w / w.sum())
    return [{k: float(accepted[f"param.{k}"].iloc[i]) for k in keys} for i in idx]


@dataclass(frozen=True)
class ScoreTask:
    batch: int
    simulator: Simulator
    arm: str
    items: tuple[tuple[int, tuple[float, ...]], ...]


def run_scores(task: ScoreTask) -> tuple[int, str, list[dict[str, Any]]]:
    """Run ``i`` of an arm with its parameter values, on the seed of run ``i`` (the same in every arm): its scores."""
    sim = task.simulator
    rows = []
    for i, values in task.items:
        par = dict(zip(sim.keys, values, strict=True))
        (summaries,) = sim.replicates(sim.overrides(par), SCORE_GENERATION, i)
        rows.append({"arm": task.arm, "run": i, **{k: v for k, v in summaries.items() if not k.startswith("gap.")}})
    return task.batch, task.arm, rows


def score_arms(
    score_arg: str, keep: Sequence[str], tmp: Path, draws: Mapping[str, list[dict[str, float]]], seed: int, executor: Any
) -> pd.DataFrame:
    """Every arm's runs scored on the held-out patterns (one row per arm and run)."""
    path = with_patterns(score_arg, keep, tmp)
    sc = load_scenario(path)
    raw, _, source = load_raw(path)
    keys = sorted({k for arm in draws.values() for d in arm for k in d})
    sim = Simulator(
        json.dumps(raw, default=str),
        source,
        tuple(keys),
        tuple(keys),
        tuple(bool(parameter_map(sc)[k][1].integer) for k in keys),
        tuple(summary_names(sc)),
        1,
        seed,
    )
    tasks: list[ScoreTask] = []
    for arm, arm_draws in draws.items():
        for b in range(0, len(arm_draws), RUNS_PER_TASK):
            items = tuple((i, tuple(arm_draws[i].get(k, np.nan) for k in keys)) for i in range(b, min(b + RUNS_PER_TASK, len(arm_draws))))
            tasks.append(ScoreTask(len(tasks), sim, arm, items))
    rows: list[dict[str, Any]] = []
    for _b, _arm, part in executor.map_unordered(run_scores, tasks):
        rows.extend(part)
    return pd.DataFrame(rows).sort_values(["arm", "run"], kind="stable").reset_index(drop=True)


def _defaults_of(sc: Scenario, paths: Sequence[str]) -> dict[str, float]:
    pmap = parameter_map(sc)
    return {p: pmap[p][1].value for p in paths}


def holdout(
    out: str | Path,
    *,
    scenario: str | None = None,
    cut: int | None = None,
    fit: str | None = None,
    score: str | None = None,
    parameters: Sequence[str] | None = None,
    method: str = "smc",
    settings: Mapping[str, Any] | None = None,
    runs: int = 200,
    seed: int = 0,
    executor: str = "local",
    workers: int | None = None,
    progress: ProgressFn | None = None,
    resume: bool = False,
) -> dict[str, Any]:
    """Fit on one part of the record, score the other under prior, posterior and defaults; write holdout.json.

    ``resume``: the fit in ``out/fit`` continues from what it stored; the scoring runs (seed and posterior only) run again."""
    out = Path(out)
    t0 = time.perf_counter()
    if runs < 2:
        raise InputError(f"--runs {runs}: must be at least 2 (the gain's interval needs pairs)")
    if scenario is not None and cut is not None:
        sc = load_scenario(scenario)
        check_patterns(sc, scenario)
        before, after, spanning = split_at_cut(sc.patterns, cut)
        if not before or not after:
            which = "ends before" if not before else "starts at or after"
            raise InputError(f"--cut {cut}: no pattern of {scenario} {which} step {cut}; windows: " + _windows(sc.patterns))
        fit_arg = with_patterns(scenario, [p.id for p in before], out / "fit-scenario.yaml")
        score_arg, scored, same = scenario, [p.id for p in after], True
        split: dict[str, Any] = {"mode": "cut", "scenario": sc.name, "cut": cut, "left_out": [p.id for p in spanning]}
    elif fit is not None and score is not None:
        fit_sc, score_sc = load_scenario(fit), load_scenario(score)
        check_patterns(fit_sc, fit)
        check_patterns(score_sc, score)
        if fit_sc.name == score_sc.name:
            raise InputError(f"--fit {fit} --score {score}: the same case; use SCENARIO --cut STEP to split one case")
        fit_arg, score_arg, scored, same = fit, score, [p.id for p in score_sc.patterns], False
        before = fit_sc.patterns
        split = {"mode": "cases", "fit": fit_sc.name, "scored_case": score_sc.name}
    else:
        raise InputError("give SCENARIO --cut STEP, or --fit CASE --score CASE")
    # a holdout stopped before its fit wrote its state (in the SMC pilot) starts the fit afresh: fit/ is the holdout's own
    fit_state = out / "fit" / ("joint.json" if method == "rejection" else "smc.json")
    res: JointResult = calibrate_joint(
        [fit_arg],
        out / "fit",
        parameters,
        method,
        settings,
        seed=seed,
        executor=executor,
        workers=workers,
        progress=progress,
        resume=resume and fit_state.exists(),
    )
    joint = res.joint
    fit_case = Case(fit_arg, load_scenario(fit_arg))
    score_sc = load_scenario(score_arg)
    carried = transfer_map(fit_case, joint.paths[fit_case.name], joint.shared, score_sc, same)
    if not carried:
        raise InputError(f"no fitted parameter of {fit_case.name} carries over to {score_sc.name}; give --parameters they share")
    keys = list(carried)
    prior = [{carried[k]: v for k, v in d.items()} for d in prior_draws(joint.priors, keys, runs, seed)]
    post = [{carried[k]: v for k, v in d.items()} for d in posterior_draws(res.accepted, keys, runs, seed)]
    defaults = [_defaults_of(score_sc, list(carried.values()))] * runs
    ex = make_executor(executor, workers)
    try:
        table = score_arms(
            score_arg, scored, out / "score-scenario.yaml", {"prior": prior, "posterior": post, "defaults": defaults}, seed, ex
        )
    finally:
        ex.close()
    arms = {a: table[table["arm"] == a].rename(columns={"run": "seed"}) for a in ARMS}
    summary: dict[str, Any] = {
        **split,
        "method": method,
        "fit_patterns": [p.id for p in before],
        "scored_patterns": scored,
        "parameters": {k: {"prior": list(joint.priors[k]), "scored_as": carried[k]} for k in keys},
        "not_carried": [k for k in joint.priors if k not in carried],
        "runs": runs,
        "seed": seed,
        "score": {a: mean_ci(arms[a]["score"]) for a in ARMS},
        "gain": paired_skill(arms["posterior"], arms["prior"]),
        "gain_over_defaults": paired_skill(arms["posterior"], arms["defaults"]),
        "patterns": {
            pid: {a: mean_ci(arms[a][f"pattern.{pid}"]) for a in ARMS}
            | {"gain": paired_skill(arms["posterior"], arms["prior"], f"pattern.{pid}")}
            for pid in scored
        },
        "calibration": {k: res.summary[k] for k in ("settings", "points", "accepted", "epsilon", "calibrated")},
        "elapsed": time.perf_counter() - t0,
        "versions": versions(),
    }
    text = json.dumps(_jsonable(summary), indent=2, sort_keys=True) + "\n"
    write_atomically(out / "holdout.json", lambda p: Path(p).write_text(text))
    write_atomically(out / "runs.parquet", lambda p: table.to_parquet(p, index=False))
    return summary


def _windows(patterns: Sequence[Pattern]) -> str:
    return ", ".join(f"{p.id} {p.window[0]}-{p.window[1]}" for p in patterns)
