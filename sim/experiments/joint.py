"""Joint calibration: one posterior over the parameters several cases share, fitted to all their records at once.

A parameter is **shared** (one value for every case) unless a case's scenario
file lists it under ``calibration.case_specific``: then each case that has it
gets a parameter of its own, named ``CASE:PATH`` (:func:`split_parameters`).
A path declared case-specific in one case must be declared so in every case
that has it; a shared path must exist in every case.

A joint point is run on every case with the same replicate seeds, each case's
summaries scaled as in its own calibration, and its distance is the **sum of
the cases' distances**: ``1 - weighted pattern score`` per case for the
rejection method (:func:`rejection_distance`; replicate r of every case
makes one joint run, each run is a draw, and a point weighs by the share of
its runs within the tolerance), the scaled distance of
:mod:`summitry.sim.experiments.calibration_smc` per case for ABC-SMC (its
:func:`~sim.experiments.calibration_smc.grouped_distance`).

Rejection draws a Latin hypercube over the joint prior and stores each
finished batch of points as ``points/part-NNNNN.parquet`` (written atomically),
so ``resume`` runs only the batches that are missing; ABC-SMC keeps its
generations in ``smc.db`` as for one case. Either way the posterior depends on
the seed only.

The directory holds ``calibrated.yaml`` (the shared parameters' posterior
medians: ``summitry run CASE --params`` accepts it for every case),
``calibrated-CASE.yaml`` per case (the shared values and that case's own),
``posterior.parquet``, ``calibration.json`` and ``posterior.html``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError
from summitry.sim.experiments.backtest import DEFAULT_CALIBRATION_PARAMETERS, ProgressFn, check_patterns
from summitry.sim.experiments.calibration import (
    abc_reject,
    medians,
    parse_ranges,
    posterior_figure,
    posterior_rows,
    posterior_summary,
    split_range_item,
    write_params_file,
    write_posterior_html,
)
from summitry.sim.experiments.calibration_smc import (
    _PARTICLE,
    SMC_DEFAULTS,
    Simulator,
    SMCProblem,
    SMCStateError,
    _keys,
    check_settings,
    check_smc_settings,
    particle_summaries,
    run_smc,
    summary_names,
    summary_weights,
    weighted_summary,
)
from summitry.sim.experiments.executors import make_executor
from summitry.sim.experiments.provenance import provenance_block
from summitry.sim.outputs import check_fresh_or_resumed
from summitry.sim.results.run_result import _jsonable, versions
from summitry.sim.scenario.document import Scenario, load_raw, load_scenario
from summitry.sim.scenario.overrides import canonical, parameter_map, parameter_table

JOINT_REJECTION_DEFAULTS: dict[str, Any] = {"points": 200, "runs_per_point": 4, "accept": 0.1}
"""The joint rejection method's default budget (200 points x 4 runs per case: a few minutes on two cores for the reference cases)."""
POINTS_PER_TASK = 4
"""Joint points a worker runs per task and per stored part (changes the speed only, never the result)."""


# ------------------------------------------------------------------ the cases


@dataclass(frozen=True)
class Case:
    """A case of a joint fit: as given on the command line, and loaded."""

    arg: str
    scenario: Scenario

    @property
    def name(self) -> str:
        return self.scenario.name


def load_cases(args: Sequence[str]) -> list[Case]:
    """Each case loaded and checked to have patterns that can be scored; InputError for a case given twice."""
    cases = []
    for arg in args:
        sc = load_scenario(arg)
        check_patterns(sc, arg)
        cases.append(Case(arg, sc))
    names = [c.name for c in cases]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"{', '.join(twice)}: given more than once; a joint calibration fits each case once")
    return cases


def declared_specific(sc: Scenario) -> list[str]:
    """The canonical paths the scenario declares case-specific (none without a ``calibration`` block)."""
    if sc.calibration is None:
        return []
    pmap = parameter_map(sc)
    return [canonical(sc, p, pmap) for p in sc.calibration.case_specific]


def _has(sc: Scenario, path: str, pmap: Mapping[str, Any]) -> str | None:
    try:
        return canonical(sc, path, pmap)
    except KeyError:
        return None


@dataclass(frozen=True)
class JointParameters:
    """The joint prior: keys (shared paths, ``CASE:PATH`` for case-specific ones), and each case's key -> its own path."""

    priors: dict[str, tuple[float, float]]
    shared: tuple[str, ...]
    paths: dict[str, dict[str, str]]
    integer: dict[str, bool]

    def specific(self, case: str) -> list[str]:
        return [k for k in self.paths[case] if k not in self.shared]


def declaration_conflicts(cases: Sequence[Case]) -> list[str]:
    """A path one case declares case-specific and another case has without declaring it: one message each."""
    pmaps = {c.name: parameter_map(c.scenario) for c in cases}
    declared = {c.name: declared_specific(c.scenario) for c in cases}
    return sorted(
        {
            f"{d.arg}: calibration.case_specific: {path} is case-specific in {c.arg} but shared in {d.name}; "
            "declare it the same way in every case that has it"
            for c in cases
            for path in declared[c.name]
            for d in cases
            if d is not c and path in pmaps[d.name] and path not in declared[d.name]
        }
    )


class _Split:
    """The joint parameters as they are collected (shared ones once, case-specific ones per case)."""

    def __init__(self, cases: Sequence[Case]) -> None:
        self.cases = cases
        self.pmaps = {c.name: parameter_map(c.scenario) for c in cases}
        self.declared = {c.name: declared_specific(c.scenario) for c in cases}
        self.tables = {c.name: {p.path: p for p in parameter_table(c.scenario)} for c in cases}
        self.priors: dict[str, tuple[float, float]] = {}
        self.shared: list[str] = []
        self.paths: dict[str, dict[str, str]] = {c.name: {} for c in cases}
        self.integer: dict[str, bool] = {}

    def add_shared(self, key: str, per_case: Mapping[str, str], rng: tuple[float, float]) -> None:
        self.priors[key] = rng
        self.shared.append(key)
        for name, path in per_case.items():
            self.paths[name][key] = path
        first = self.cases[0].name
        self.integer[key] = bool(self.pmaps[first][per_case[first]][1].integer)

    def add_specific(self, c: Case, path: str, rng: tuple[float, float]) -> None:
        key = f"{c.name}:{path}"
        self.priors[key] = rng
        self.paths[c.name][key] = path
        self.integer[key] = bool(self.pmaps[c.name][path][1].integer)

    def defaults(self) -> None:
        """The default parameters every case has and none declares (the intersection of their ranges), then the declared ones."""
        specific = {p for ps in self.declared.values() for p in ps}
        for path in DEFAULT_CALIBRATION_PARAMETERS:
            if path in specific or not all(path in self.tables[c.name] for c in self.cases):
                continue
            lo = max(self.tables[c.name][path].low for c in self.cases)
            hi = min(self.tables[c.name][path].high for c in self.cases)
            if lo < hi:
                self.add_shared(path, {c.name: path for c in self.cases}, (lo, hi))
        for c in self.cases:
            for path in self.declared[c.name]:
                self.add_specific(c, path, (self.tables[c.name][path].low, self.tables[c.name][path].high))

    def given(self, item: str) -> list[str]:
        """Add one ``PATH=LOW:HIGH`` item; the problems with it (none when it was added)."""
        parsed = split_range_item(item)
        if isinstance(parsed, str):
            return [parsed]
        where = {c.name: _has(c.scenario, parsed[0], self.pmaps[c.name]) for c in self.cases}
        having = [c for c in self.cases if where[c.name] is not None]
        if not having:
            parse_ranges([item], self.cases[0].scenario)  # raises the first case's message, with its close matches
        problems: list[str] = []
        for c in having:
            try:
                parse_ranges([item], c.scenario)  # the parameter's bounds in each case
            except InputError as exc:
                problems.extend(f"{c.arg}: {m}" for m in exc.messages)
        if problems:
            return problems
        rng = (parsed[1], parsed[2])
        path0 = str(where[having[0].name])
        if path0 in self.declared[having[0].name]:
            for c in having:
                self.add_specific(c, str(where[c.name]), rng)
        elif len(having) < len(self.cases):
            missing = ", ".join(c.arg for c in self.cases if c not in having)
            return [
                f"--parameters {item}: shared, but {missing} has no such parameter; list it under calibration.case_specific "
                f"in {', '.join(c.arg for c in having)} to fit it per case"
            ]
        elif path0 in self.priors:
            return [f"--parameters {item}: {path0} is given twice"]
        else:
            self.add_shared(path0, {c.name: str(where[c.name]) for c in self.cases}, rng)
        return []


def split_parameters(cases: Sequence[Case], given: Sequence[str] | None = None) -> JointParameters:
    """Shared and case-specific parameters of a joint fit, with their uniform priors.

    ``given`` holds ``PATH=LOW:HIGH`` items (``--parameters``). Without them:
    the default calibration parameters that every case has and none declares
    case-specific (prior: the intersection of the cases' sweep ranges), and
    every path each case declares case-specific (prior: its sweep range).
    InputError for a declaration one case makes and another that has the
    path does not, a shared path a case lacks, or a path no case has.
    """
    conflicts = declaration_conflicts(cases)
    if conflicts:
        raise InputError(conflicts)
    split = _Split(cases)
    problems: list[str] = []
    if not given:
        split.defaults()
    for item in given or ():
        problems.extend(split.given(item))
    if problems:
        raise InputError(problems)
    if not split.priors:
        raise InputError("no parameter to calibrate: none of the default parameters is in every case; give --parameters PATH=LOW:HIGH")
    return JointParameters(split.priors, tuple(split.shared), split.paths, split.integer)


# ------------------------------------------------------------- the simulator


@dataclass(frozen=True)
class JointSimulator:
    """A joint point -> every case's summaries, named ``CASE/SUMMARY`` (the simulator of both methods; picklable).

    Each case's :class:`~sim.experiments.calibration_smc.Simulator` reads the
    joint keys it uses; the replicates of every case have the same seeds.
    """

    cases: tuple[Simulator, ...]
    labels: tuple[str, ...]
    keys: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def runs(self) -> int:
        return self.cases[0].runs

    def with_runs(self, runs: int) -> JointSimulator:
        """The same simulator with ``runs`` replicates of every case per point (the pilot's own count)."""
        return replace(self, cases=tuple(c.with_runs(runs) for c in self.cases))

    def overrides(self, par: Mapping[str, float]) -> dict[str, float]:
        return {k: float(par[k]) for k in self.keys}

    def replicates(self, values: Mapping[str, float], generation: int, index: int) -> list[dict[str, float]]:
        """Run ``r`` of the point in every case, as one dict per replicate; ``score`` is the mean of the cases' scores."""
        per_case = [sim.replicates(sim.overrides(values), generation, index) for sim in self.cases]
        out = []
        for r in range(len(per_case[0])):
            row: dict[str, float] = {}
            for label, reps in zip(self.labels, per_case, strict=True):
                row.update({f"{label}/{n}": v for n, v in reps[r].items()})
            row["score"] = float(np.mean([row[f"{label}/score"] for label in self.labels]))
            out.append(row)
        return out

    def __call__(self, par: Mapping[str, float]) -> dict[str, float]:
        generation, index = _PARTICLE[0]
        return particle_summaries(self.replicates(self.overrides(par), generation, index), self.names)


def joint_simulator(cases: Sequence[Case], joint: JointParameters, runs: int, seed: int) -> JointSimulator:
    """The joint simulator; pyabc's keys ``p00, p01, ...`` follow the order of ``joint.priors``."""
    keys = _keys(len(joint.priors))
    key_of = dict(zip(joint.priors, keys, strict=True))
    sims = []
    names: list[str] = []
    for c in cases:
        raw, _, source = load_raw(c.arg)
        own = list(joint.paths[c.name])
        case_names = summary_names(c.scenario)
        names += [f"{c.name}/{n}" for n in case_names]
        sims.append(
            Simulator(
                json.dumps(raw, default=str),
                source,
                tuple(key_of[k] for k in own),
                tuple(joint.paths[c.name][k] for k in own),
                tuple(joint.integer[k] for k in own),
                tuple(case_names),
                runs,
                seed,
            )
        )
    return JointSimulator(tuple(sims), tuple(c.name for c in cases), keys, tuple(names))


def _settings(method: str, cases: Sequence[Case], joint: JointParameters, cfg: Mapping[str, Any], seed: int) -> dict[str, Any]:
    return {
        "method": method,
        "scenario": [c.name for c in cases],
        "scenario_hash": [c.scenario.content_hash() for c in cases],
        "priors": {k: [float(lo), float(hi)] for k, (lo, hi) in joint.priors.items()},
        "paths": joint.paths,
        "seed": seed,
        **cfg,
        # rejection: each run is a draw (the parts hold every run's distance); directories of the former
        # per-point acceptance, whose parts hold means only, are refused on --resume
        **({"acceptance": "each run"} if method == "rejection" else {}),
    }


# ---------------------------------------------------------------- rejection


def rejection_distance(points: pd.DataFrame, labels: Sequence[str]) -> pd.Series:
    """The joint distance of each point: the sum over cases of ``1 - the case's mean weighted pattern score``.

    >>> df = pd.DataFrame({"a/score": [0.75, 1.0], "b/score": [0.5, 0.25]})
    >>> rejection_distance(df, ["a", "b"]).tolist()
    [0.75, 0.75]
    """
    return sum((1.0 - points[f"{label}/score"] for label in labels), start=pd.Series(0.0, index=points.index))


@dataclass(frozen=True)
class PointTask:
    batch: int
    simulator: JointSimulator
    points: tuple[tuple[int, tuple[float, ...]], ...]


def run_points(task: PointTask) -> tuple[int, list[dict[str, Any]]]:
    """Run each point of the task on every case (in any process): its mean summaries, each case's mean score and each run's joint distance."""
    sim = task.simulator
    extra = [f"{label}/score" for label in sim.labels]
    rows = []
    for i, values in task.points:
        par = dict(zip(sim.keys, values, strict=True))
        reps = sim.replicates(par, 0, i)
        means = particle_summaries(reps, [*sim.names, *extra])
        # replicate r of every case is one joint run: its distance sums the cases' distances
        dist = [sum(1.0 - float(rep[f"{label}/score"]) for label in sim.labels) for rep in reps]
        rows.append({"point": i, **{f"param.{k}": v for k, v in zip(sim.keys, values, strict=True)}, **means, "run_distances": dist})
    return task.batch, rows


def joint_design(priors: Mapping[str, tuple[float, float]], points: int, seed: int) -> np.ndarray:
    """A Latin hypercube of ``points`` over the joint prior, from the seed alone (shape points x parameters)."""
    from scipy.stats import qmc  # heavy (scipy.stats): only when a joint rejection calibration runs

    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(4,)))
    unit = qmc.LatinHypercube(d=len(priors), seed=rng).random(points)
    lo = np.array([a for a, _ in priors.values()])
    hi = np.array([b for _, b in priors.values()])
    return np.asarray(lo + unit * (hi - lo))


def _write_part(path: Path, frame: pd.DataFrame) -> None:
    write_atomically(path, lambda p: frame.to_parquet(p, index=False))


def _parts(out: Path) -> Iterator[tuple[int, Path]]:
    d = out / "points"
    if d.is_dir():
        for p in sorted(d.glob("part-*.parquet")):
            yield int(p.stem.removeprefix("part-")), p


def rejection_stage(
    sim: JointSimulator,
    out: Path,
    priors: Mapping[str, tuple[float, float]],
    settings: Mapping[str, Any],
    cfg: Mapping[str, Any],
    seed: int,
    executor: Any,
    resume: bool,
    progress: ProgressFn | None = None,
) -> pd.DataFrame:
    """Every point of the design, run on every case (the missing batches only, on resume): one row per point."""
    stored = check_settings(out, settings, "joint.json")
    if stored is not None and not resume:
        raise SMCStateError(f"--out {out}: already holds a joint calibration; continue it with --resume, or choose another directory")
    out.mkdir(parents=True, exist_ok=True)
    if stored is None:
        # calibrate_joint starts only in a new or empty --out (outputs.check_fresh_or_resumed): nothing here to clear
        text = json.dumps({**_jsonable(settings), "versions": versions()}, indent=2) + "\n"  # in order (check_settings)
        write_atomically(out / "joint.json", lambda p: Path(p).write_text(text))
    design = joint_design(priors, int(cfg["points"]), seed)
    done = {b for b, _ in _parts(out)}
    items = [(i, tuple(float(x) for x in design[i])) for i in range(len(design))]
    tasks = [
        PointTask(b, sim, tuple(items[k : k + POINTS_PER_TASK]))
        for b, k in enumerate(range(0, len(items), POINTS_PER_TASK))
        if b not in done
    ]
    (out / "points").mkdir(exist_ok=True)
    finished = len(done)
    total = math.ceil(len(items) / POINTS_PER_TASK)
    if progress:
        progress("joint points (batches)", finished, total)
    for b, rows in executor.map_unordered(run_points, tasks):
        _write_part(out / "points" / f"part-{b:05d}.parquet", pd.DataFrame(rows))
        finished += 1
        if progress:
            progress("joint points (batches)", finished, total)
    frames = [pd.read_parquet(p) for _, p in _parts(out)]
    table = pd.concat(frames, ignore_index=True).sort_values("point", kind="stable").reset_index(drop=True)
    # pyabc's keys back to the joint parameters' names
    return table.rename(columns={f"param.{k}": f"param.{path}" for k, path in zip(sim.keys, priors, strict=True)})


# ------------------------------------------------------------------ outputs


@dataclass
class JointResult:
    out: Path
    calibrated: dict[str, float]
    posterior: dict[str, Any]
    points: pd.DataFrame
    accepted: pd.DataFrame
    summary: dict[str, Any]
    joint: JointParameters


def calibrate_joint(
    case_args: Sequence[str],
    out: str | Path,
    parameters: Sequence[str] | None = None,
    method: str = "smc",
    settings: Mapping[str, Any] | None = None,
    seed: int = 0,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    progress: ProgressFn | None = None,
    on_generation: Callable[[dict[str, Any]], None] | None = None,
    security: Any = None,
) -> JointResult:
    """One posterior over the shared (and each case's own) parameters, fitted to every case's record.

    ``settings`` holds the method's budget (:data:`JOINT_REJECTION_DEFAULTS` or
    ``calibration_smc.SMC_DEFAULTS``, which fill what it leaves out).
    """
    cases = load_cases(case_args)
    joint = split_parameters(cases, parameters)
    cfg = budget(method, settings)
    out = Path(out)
    # the library's own check, as the command's: a resume into nothing would start afresh, and a fresh start into a
    # directory of the user's would write (and clear) summitry's own names there
    check_fresh_or_resumed(out, out / ("joint.json" if method == "rejection" else "smc.json"), "a joint calibration", resume)
    sim = joint_simulator(cases, joint, int(cfg["runs_per_point"] if method == "rejection" else cfg["runs_per_particle"]), seed)
    labels = [c.name for c in cases]
    ex = make_executor(executor, workers, address, security)
    t0 = time.perf_counter()
    try:
        if method == "rejection":
            table = rejection_stage(sim, out, joint.priors, _settings(method, cases, joint, cfg, seed), cfg, seed, ex, resume, progress)
            table["score"] = table[[f"{label}/score" for label in labels]].mean(axis=1)
            # one row per joint run; abc_reject's distance is 1 - its score column, so it is given 1 - the joint distance
            pcols = [f"param.{p}" for p in joint.priors]
            runs = table[["point", *pcols, "run_distances"]].explode("run_distances", ignore_index=True)
            runs = runs.assign(status="ok", **{"metric.pattern_score": 1.0 - runs["run_distances"].astype(float)})
            all_points, accepted, epsilon = abc_reject(runs.drop(columns="run_distances"), list(joint.priors), float(cfg["accept"]))
            scores = table.set_index("point")[[*(f"{label}/score" for label in labels), "score"]]
            all_points = all_points.drop(columns=["score", "score_sd"]).join(scores, on="point")
            # the mean of a point's run distances, which ordered the points, is the distance of its mean scores
            all_points["distance"] = rejection_distance(all_points, labels)
            accepted = all_points[all_points["accepted_runs"] > 0].copy()
            post = posterior_summary(accepted, joint.priors, joint.integer)
            first = all_points
            extra: dict[str, Any] = {
                "accepted": len(accepted),
                "accepted_runs": round(accepted["accepted_runs"].sum()),
                "runs": int(all_points["replicates"].sum()),
                "points": len(all_points),
                "epsilon": epsilon,
            }
        else:
            problem = SMCProblem(
                sim,
                sim.names,
                {f"{c.name}/{n}": w for c in cases for n, w in summary_weights(c.scenario, summary_names(c.scenario)).items()},
                tuple(tuple(n for n in sim.names if n.startswith(f"{c.name}/")) for c in cases),
                _settings(method, cases, joint, cfg, seed),
                joint.integer,
            )
            smc, _ = run_smc(problem, out, joint.priors, cfg, seed, ex, resume, progress, on_generation)
            pops = smc.populations
            first = pops[pops["generation"] == int(pops["generation"].min())].rename(columns={"particle": "point"})
            accepted = pops[pops["generation"] == int(pops["generation"].max())].reset_index(drop=True)
            post = weighted_summary(accepted, joint.priors, joint.integer)
            accepted = accepted.rename(columns={"particle": "point"})
            extra = {
                "accepted": len(accepted),
                "points": sum(g["simulated"] for g in smc.generations),
                "epsilon": smc.generations[-1]["epsilon"],
                "generations": smc.generations,
            }
            write_atomically(out / "populations.parquet", lambda p: pops.to_parquet(p, index=False))
    finally:
        ex.close()
    calibrated = medians(post, joint.integer)
    _write_params(out, cases, joint, calibrated, method, cfg, seed)
    write_atomically(out / "posterior.parquet", lambda p: accepted.to_parquet(p, index=False))
    summary: dict[str, Any] = {
        "method": method,
        "joint": True,
        "scenario": labels,
        "scenario_arg": list(case_args),
        "scenario_hash": [c.scenario.content_hash() for c in cases],
        "shared": list(joint.shared),
        "case_specific": {c.name: joint.specific(c.name) for c in cases},
        "paths": joint.paths,
        "settings": cfg,
        "seed": seed,
        "runs_per_point": cfg.get("runs_per_point", cfg.get("runs_per_particle")),
        "distance": "sum over cases of each case's distance ("
        + ("1 - weighted pattern score" if method == "rejection" else "the scaled distance of its summaries")
        + ")",
        "parameters": post,
        "calibrated": calibrated,
        "elapsed": time.perf_counter() - t0,
        "versions": versions(),
        **extra,
    }
    write_atomically(
        out / "calibration.json", lambda p: Path(p).write_text(json.dumps(_jsonable(summary), indent=2, sort_keys=True) + "\n")
    )
    fig = posterior_figure(first, accepted, joint.priors)
    note = (
        f"Joint calibration of {', '.join(labels)} ({method}): "
        + (
            f"the closest {summary['accepted_runs']} of {summary['runs']} joint runs, at {summary['accepted']} of {summary['points']} points "
            "(a point weighs by the share of its runs accepted); "
            if method == "rejection"
            else f"{summary['accepted']} of {summary['points']} points kept; "
        )
        + "the distance is the sum of the cases' distances. Shared parameters are fitted once; CASE:PATH ones for that case alone."
    )
    write_posterior_html(out / "posterior.html", fig, f"Joint calibration of {', '.join(labels)}", posterior_rows(post, calibrated), note)
    return JointResult(out, calibrated, post, first, accepted, summary, joint)


def budget(method: str, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The method's settings: the given ones over the defaults; InputError for a method, an unknown setting or one out of range.

    >>> budget("smc", {"points": 8})
    Traceback (most recent call last):
    ...
    summitry.sim.errors.InputError: points: a setting of --method rejection, not of --method smc
    """
    given = {k: v for k, v in (given or {}).items() if v is not None}
    methods = {"rejection": JOINT_REJECTION_DEFAULTS, "smc": SMC_DEFAULTS}
    for k in sorted(given):
        if method in methods and k not in methods[method]:
            other = next((m for m, d in methods.items() if m != method and k in d), None)
            where = f"a setting of --method {other}, not of --method {method}" if other else f"not a setting of --method {method}"
            raise InputError(f"{k}: {where}")
    if method == "rejection":
        cfg = {**JOINT_REJECTION_DEFAULTS, **given}
        for key in ("points", "runs_per_point"):
            if int(cfg[key]) < 1:
                raise InputError(f"--{key.replace('_', '-')} {cfg[key]}: must be at least 1")
        if not 0 < float(cfg["accept"]) <= 1:
            raise InputError(f"--accept {cfg['accept']}: must be a fraction in (0, 1]")
        return cfg
    if method == "smc":
        cfg = {**SMC_DEFAULTS, **given}
        check_smc_settings(**{k: cfg[k] for k in SMC_DEFAULTS}, backtest_runs=0)
        return cfg
    raise InputError(f"--method {method}: must be rejection or smc")


def _write_params(
    out: Path,
    cases: Sequence[Case],
    joint: JointParameters,
    calibrated: Mapping[str, float],
    method: str,
    cfg: Mapping[str, Any],
    seed: int,
) -> None:
    """calibrated.yaml (the shared values, for any of the cases) and calibrated-CASE.yaml (the shared values and the case's own)."""
    names = ", ".join(c.name for c in cases)
    how = f"joint {method} calibration of {names} (seed {seed})"
    block = provenance_block(method, [c.name for c in cases], seed)
    shared = {joint.paths[cases[0].name][k]: calibrated[k] for k in joint.shared}
    if shared:
        write_params_file(out / "calibrated.yaml", None, shared, f"Shared parameters: posterior medians of the {how}.", block)
    for c in cases:
        own = {joint.paths[c.name][k]: calibrated[k] for k in joint.paths[c.name]}
        write_params_file(
            out / f"calibrated-{c.name}.yaml",
            Path(c.arg).stem,
            own,
            f"Posterior medians of the {how}: the shared parameters and {c.name}'s own.",
            block,
        )
