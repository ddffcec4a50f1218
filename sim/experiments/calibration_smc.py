"""Calibration by sequential Monte Carlo ABC (ABC-SMC, pyabc) with adaptive tolerances.

Each generation proposes parameter particles from the previous population
(the prior at first), runs ``runs_per_particle`` replicates of each, and keeps
the particles whose summaries lie within the generation's tolerance: the
``quantile`` of the previous population's weighted distances. The summaries
(:func:`summary_names`) are every pattern's score and, for each event pattern
that should happen, how many weeks its closest event falls outside its
window; each is scaled by its spread across replicates, measured by a pilot
before the first generation (:func:`replicate_scales`).

Determinism: particle ``i`` of generation ``t`` is proposed and simulated
in whatever process runs it, from numpy's global random state seeded from
the SeedSequence (seed, t, i), and its replicates' run seeds come from
(seed, t, i, r); a generation keeps the first ``population`` accepted
particles in index order (:class:`OrderedSampler`). So the populations depend
on the seed only, not on the executor, the number of workers or the order
in which they finish. pyabc keeps every finished generation in ``smc.db``
(SQLite); ``resume`` continues from the last one, and gives the same
populations as a run that was never stopped.

The directory holds ``smc.json`` (settings and the summaries' scales),
``smc.db``, ``posterior.parquet`` (the last population: parameters, weight,
distance), ``populations.parquet`` (every generation), ``calibrated.yaml``
(weighted posterior medians, for ``summitry run --params``),
``calibration.json`` and ``posterior.html``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd

from summitry.sim.analysis.patterns import occurrences, score_patterns, weighted_score
from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError, RunDirError
from summitry.sim.experiments.backtest import BacktestResult, ProgressFn, check_patterns
from summitry.sim.experiments.calibration import (
    CalibrationResult,
    _backtest_brief,
    backtest_before_after,
    calibration_priors,
    medians,
    posterior_figure,
    posterior_rows,
    write_params_file,
    write_posterior_html,
)
from summitry.sim.experiments.calibration import weighted_quantile as weighted_quantile  # re-exported: ABC-SMC's posterior is weighted
from summitry.sim.experiments.calibration import weighted_summary as weighted_summary
from summitry.sim.experiments.executors import make_executor
from summitry.sim.experiments.predictive import run_predictive
from summitry.sim.experiments.provenance import provenance_block
from summitry.sim.labels import counted
from summitry.sim.outputs import check_fresh_or_resumed
from summitry.sim.results.run_result import RunResult, _jsonable, versions
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Scenario, apply_overrides, load_raw, load_scenario, ordered_json, validate_data
from summitry.sim.scenario.overrides import parameter_map
from summitry.sim.scenario.pattern_fields import Pattern

SMC_DEFAULTS: dict[str, Any] = {
    "population": 200,
    "generations": 6,
    "runs_per_particle": 1,
    "quantile": 0.5,
    "min_acceptance": 0.02,
    "pilot": 16,
}
"""The default budget. One run per particle: the record is one history, and the mean of several runs compared with it
targets a posterior that is too sharp (docs/calibration.md, "One run per particle")."""

PILOT_REPLICATES = 4
"""Runs of each pilot draw, or ``runs_per_particle`` when that is more: a spread between replicates needs two or more."""

PARTICLES_PER_TASK = 4
"""Particles a worker simulates per task (changes the speed only, never the result)."""

PATTERN_FLOOR = 0.05
"""Smallest replicate spread assumed for a pattern score (a score that never varies must not weigh without bound)."""
GAP_FLOOR = 0.5
"""Smallest replicate spread assumed for a timing gap, in weeks."""


class SMCStateError(InputError):
    """An SMC calibration directory that does not match the command (resume with other settings, or none to resume)."""


# ----------------------------------------------------------------- summaries


def _timed(p: Pattern) -> bool:
    """Event patterns that should happen (not a restraint, not conditional), whose timing gap is a summary of its own."""
    return p.kind is not None and p.state is None and p.order is None and p.restraint_limit is None and p.given is None


def summary_names(scenario: Scenario) -> list[str]:
    """The summaries of a run: ``pattern.ID`` for every pattern, ``gap.ID`` for every timed event pattern.

    The record's values (:func:`observed`) are 1 for a pattern score and 0
    weeks for a gap.
    """
    names = [f"pattern.{p.id}" for p in scenario.patterns]
    names += [f"gap.{p.id}" for p in scenario.patterns if _timed(p)]
    return names


def summary_kind(name: str) -> str:
    """``pattern`` or ``gap``, with or without a joint fit's ``CASE/`` prefix (``hanoi-2019/gap.walk-away``: ``gap``)."""
    head = name.split(".", 1)[0]
    return head.split("/", 1)[1] if "/" in head else head


def observed(names: Sequence[str]) -> dict[str, float]:
    """What the record says for each summary: every pattern met (1), every event in its window (0 weeks off)."""
    return {n: (1.0 if summary_kind(n) == "pattern" else 0.0) for n in names}


def timing_gap(steps_of_events: Sequence[int], window: tuple[int, int], horizon: int) -> float:
    """Weeks between the window and the closest event (0 inside it; ``horizon`` when there is none).

    Unlike a pattern's timing score, which is 0 for every event beyond its
    tolerance, the gap still tells a run two weeks late from one twenty weeks late.

    >>> timing_gap([3, 20], (10, 12), 30)
    7.0
    >>> timing_gap([11], (10, 12), 30), timing_gap([], (10, 12), 30)
    (0.0, 30.0)
    """
    lo, hi = window
    gaps = [lo - s if s < lo else max(0, s - hi) for s in steps_of_events]
    return float(min(gaps)) if gaps else float(horizon)


def run_summaries(result: RunResult, scenario: Scenario) -> dict[str, float]:
    """The summaries of one run (nan where a pattern does not apply), and its weighted pattern score as ``score``."""
    rows = result.events.to_pylist()
    series = result.series
    scores = {k: float(v) for k, v in score_patterns(rows, scenario.patterns, series).items()}  # order patterns see the others
    out: dict[str, float] = {f"pattern.{p.id}": scores[p.id] for p in scenario.patterns}
    for p in scenario.patterns:
        if _timed(p):
            out[f"gap.{p.id}"] = timing_gap(occurrences(rows, p), p.window, scenario.time.steps)
    out["score"] = weighted_score(scores, scenario.patterns)
    return out


def particle_summaries(per_run: Sequence[Mapping[str, float]], names: Sequence[str]) -> dict[str, float]:
    """Means over a particle's replicates; a pattern that applies to none of them takes the record's value.

    A pattern that does not apply to a run (nan) does not count, as in the
    backtest's weighted score: it neither brings the particle nearer the
    record nor pushes it away.

    >>> runs = [{"pattern.a": 1.0, "gap.a": 0.0, "score": 1.0}, {"pattern.a": float("nan"), "gap.a": 4.0, "score": 0.5}]
    >>> particle_summaries(runs, ["pattern.a", "gap.a"])
    {'pattern.a': 1.0, 'gap.a': 2.0, 'score': 0.75}
    >>> particle_summaries([{"pattern.a": float("nan"), "score": 0.0}], ["pattern.a"])
    {'pattern.a': 1.0, 'score': 0.0}
    """
    target = observed(names)
    out: dict[str, float] = {}
    for n in [*names, "score"]:
        v = [float(r[n]) for r in per_run if n in r and not math.isnan(float(r[n]))]
        out[n] = float(np.mean(v)) if v else target.get(n, math.nan)
    return out


def replicate_scales(pilot: Sequence[Sequence[Mapping[str, float]]], names: Sequence[str], runs_per_particle: int) -> dict[str, float]:
    """The spread of each summary's particle mean due to the replicates alone.

    ``pilot`` holds, for each pilot draw, the summaries of its replicates.
    The pooled within-draw standard deviation of each summary (floored at
    :data:`PATTERN_FLOOR` or :data:`GAP_FLOOR`) divided by
    ``sqrt(runs_per_particle)``: the standard error of a particle's mean.

    >>> s = replicate_scales([[{"gap.a": 0.0}, {"gap.a": 2.0}], [{"gap.a": 4.0}, {"gap.a": 6.0}]], ["gap.a"], 4)
    >>> round(s["gap.a"], 6)  # pooled variance 2 (each draw's), sd 1.414..., over sqrt(4)
    0.707107
    """
    out: dict[str, float] = {}
    for n in names:
        ss, dof = 0.0, 0
        for draw in pilot:
            v = np.array([float(r[n]) for r in draw if n in r and not math.isnan(float(r[n]))])
            if len(v) > 1:
                ss += float(((v - v.mean()) ** 2).sum())
                dof += len(v) - 1
        sd = math.sqrt(ss / dof) if dof else 0.0
        floor = PATTERN_FLOOR if summary_kind(n) == "pattern" else GAP_FLOOR
        out[n] = max(sd, floor) / math.sqrt(runs_per_particle)
    return out


def scaled_distance(x: Mapping[str, float], x_0: Mapping[str, float], scales: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Root of the weighted mean of squared deviations, each in units of its replicate scale.

    >>> d = scaled_distance({"a": 0.5, "b": 3.0}, {"a": 1.0, "b": 0.0}, {"a": 0.25, "b": 1.0}, {"a": 1.0, "b": 1.0})
    >>> round(d, 6)  # sqrt(((0.5 / 0.25) ** 2 + 3 ** 2) / 2)
    2.54951
    """
    keys = sorted(scales)  # one order of summation, however the scales were stored
    total = sum(weights[k] for k in keys)
    acc = sum(weights[k] * ((float(x[k]) - float(x_0[k])) / scales[k]) ** 2 for k in keys)
    return math.sqrt(acc / total)


def summary_weights(scenario: Scenario, names: Sequence[str]) -> dict[str, float]:
    """Each summary weighs as its pattern does in the backtest's score (a gap as its pattern)."""
    w = {p.id: float(p.weight) for p in scenario.patterns}
    return {n: w[n.split(".", 1)[1]] for n in names}


# ------------------------------------------------------------- the simulator

# the calibration seed's independent streams (the first element of every spawn key)
STREAM_RUNS, STREAM_PROPOSALS, STREAM_PILOT = 1, 2, 3
_PARTICLE: list[tuple[int, int]] = [(0, 0)]  # (generation, index) of the particle this process is simulating
_LOCK = threading.Lock()  # numpy's global random state is per process: one particle at a time
_SIMULATORS: dict[str, Any] = {}


def particle_seed(seed: int, generation: int, index: int, replicate: int) -> int:
    """The run seed of replicate ``replicate`` of particle ``index`` of ``generation`` (replicate -1: its proposal's).

    >>> particle_seed(0, 1, 2, 0) == particle_seed(0, 1, 2, 0) != particle_seed(0, 1, 2, 1)
    True
    """
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(STREAM_RUNS, generation + 1, index, replicate + 1))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def _seed_global(seed: int, *key: int) -> None:
    """Seed numpy's global random state (which pyabc's proposals draw from) from (seed, key)."""
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(STREAM_PROPOSALS, *key))
    np.random.seed(ss.generate_state(4))


@dataclass(frozen=True)
class Simulator:
    """pyabc's model: a particle's parameters -> the mean summaries of its replicates (picklable, runs in any process)."""

    scenario_json: str
    source: str
    keys: tuple[str, ...]  # pyabc's parameter names, in order
    paths: tuple[str, ...]  # the scenario's parameter paths, in the same order
    integer: tuple[bool, ...]
    names: tuple[str, ...]
    runs: int
    seed: int

    def overrides(self, par: Mapping[str, float]) -> dict[str, float]:
        return {
            path: float(round(float(par[k]))) if is_int else float(par[k])
            for k, path, is_int in zip(self.keys, self.paths, self.integer, strict=True)
        }

    def with_runs(self, runs: int) -> Simulator:
        """The same simulator with ``runs`` replicates per particle (the pilot's own count)."""
        return replace(self, runs=runs)

    def replicates(self, values: Mapping[str, float], generation: int, index: int) -> list[dict[str, float]]:
        raw = json.loads(self.scenario_json)
        sc = validate_data(apply_overrides(raw, values, self.source), self.source)
        out = []
        for r in range(self.runs):
            res = run_scenario(sc, seed=particle_seed(self.seed, generation, index, r), mode="free")
            out.append(run_summaries(res, sc))
        return out

    def __call__(self, par: Mapping[str, float]) -> dict[str, float]:
        generation, index = _PARTICLE[0]
        return particle_summaries(self.replicates(self.overrides(par), generation, index), self.names)


@dataclass(frozen=True)
class ParticleTask:
    """Particles of one generation for a worker: pyabc's simulate-one function (cloudpickled) and their indices."""

    batch: int
    simulate: bytes
    digest: str
    seed: int
    generation: int
    indices: tuple[int, ...]


def run_particles(task: ParticleTask) -> tuple[int, list[tuple[int, Any]]]:
    """Propose and simulate each particle of the task from its own seeds (in any process)."""
    import cloudpickle  # pyabc's and Dask's serialiser: pyabc's simulate-one function is a closure

    fn = _SIMULATORS.get(task.digest)
    if fn is None:
        fn = cloudpickle.loads(task.simulate)
        _SIMULATORS.clear()
        _SIMULATORS[task.digest] = fn
    out = []
    with _LOCK:
        state = np.random.get_state()
        try:
            for i in task.indices:
                _seed_global(task.seed, task.generation + 1, i)
                _PARTICLE[0] = (task.generation, i)
                out.append((i, fn()))
        finally:
            np.random.set_state(state)
    return task.batch, out


@dataclass(frozen=True)
class PilotTask:
    batch: int
    simulator: Any  # a Simulator, or a joint fit's (sim.experiments.joint.JointSimulator)
    draws: tuple[tuple[int, tuple[float, ...]], ...]


def run_pilot(task: PilotTask) -> tuple[int, list[tuple[int, list[dict[str, float]]]]]:
    sim = task.simulator
    out = []
    for i, values in task.draws:
        par = dict(zip(sim.keys, values, strict=True))
        out.append((i, sim.replicates(sim.overrides(par), -1, i)))
    return task.batch, out


# ------------------------------------------------------------------ sampler


def _pyabc() -> Any:
    import pyabc  # heavy (pyabc, SQLAlchemy): only when an SMC calibration runs

    logging.getLogger("ABC").setLevel(logging.WARNING)
    return pyabc


def make_sampler(
    executor: Any, seed: int, progress: ProgressFn | None = None, on_generation: Callable[[dict[str, Any]], None] | None = None
) -> Any:
    """A pyabc sampler that keeps the first n accepted particles in index order, simulated on a summitry executor."""
    pyabc = _pyabc()

    class OrderedSampler(pyabc.sampler.Sampler):  # type: ignore[misc, name-defined]
        """Particles are numbered; each is simulated from its own seeds; the first n accepted by number are kept.

        Work goes out in waves sized from the last acceptance rate (a wave
        finishes before the next is planned), so the extra particles past the
        n-th acceptance change the cost, never the sample.
        """

        def __init__(self) -> None:
            super().__init__()
            self.rate = 0.5

        def sample_until_n_accepted(
            self, n: int, simulate_one: Any, t: int, *, max_eval: float = np.inf, all_accepted: bool = False, ana_vars: Any = None
        ) -> Any:
            blob = cloudpickle.dumps(simulate_one)
            digest = hashlib.sha256(blob).hexdigest()
            limit = int(max_eval) if math.isfinite(max_eval) else None
            results: list[Any] = []
            accepted = 0
            label = f"generation {t}"
            if progress:
                progress(label, 0, n)
            workers = max(1, int(getattr(executor, "workers", 1)))
            while accepted < n and (limit is None or len(results) < limit):
                wave = math.ceil((n - accepted) / max(self.rate, 0.02) * 1.1)
                wave = max(wave, PARTICLES_PER_TASK * workers)
                if limit is not None:
                    wave = min(wave, limit - len(results))
                start = len(results)
                idx = list(range(start, start + wave))
                tasks = [
                    ParticleTask(b, blob, digest, seed, t, tuple(idx[k : k + PARTICLES_PER_TASK]))
                    for b, k in enumerate(range(0, len(idx), PARTICLES_PER_TASK))
                ]
                got: dict[int, Any] = {}
                for _b, parts in executor.map_unordered(run_particles, tasks):
                    got.update(parts)
                    if progress:
                        progress(label, min(n, accepted + sum(1 for p in got.values() if p.accepted)), n)
                results.extend(got[i] for i in idx)
                accepted = sum(1 for p in results if p.accepted)
                self.rate = max(accepted / len(results), 1e-3)
            sample = self._create_empty_sample()
            kept = 0
            used = 0
            for p in results:
                if kept == n:
                    break
                sample.append(p)
                used += 1
                kept += int(bool(p.accepted))
            self.nr_evaluations_ = used
            if kept < n:
                sample.ok = False
            if on_generation:
                w = np.array([p.weight for p in sample.accepted_particles], dtype=float)
                ess = float(w.sum() ** 2 / (w**2).sum()) if len(w) and (w**2).sum() > 0 else 0.0
                eps = float(ana_vars.eps(t)) if ana_vars is not None else math.nan
                on_generation({"generation": t, "epsilon": eps, "accepted": kept, "simulated": used, "ess": ess, "ok": kept == n})
            return sample

    return OrderedSampler()


# ------------------------------------------------------------- calibration


def _keys(n: int) -> tuple[str, ...]:
    return tuple(f"p{i:02d}" for i in range(n))


def _settings(scenario: Scenario, priors: Mapping[str, tuple[float, float]], cfg: Mapping[str, Any], seed: int) -> dict[str, Any]:
    return {
        "method": "smc",
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "priors": {k: [float(lo), float(hi)] for k, (lo, hi) in priors.items()},
        "seed": seed,
        **{k: cfg[k] for k in SMC_DEFAULTS},
    }


def check_settings(out: Path, settings: Mapping[str, Any], name: str = "smc.json") -> dict[str, Any] | None:
    """The stored settings (``out/name``) when they match ``settings`` (None when there are none); SMCStateError when they differ."""
    path = out / name
    if not path.exists():
        return None
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SMCStateError(f"{path}: not readable as summitry's SMC state ({exc})") from None
    # in order: the priors' order is which parameter each particle's coordinate (p00, p01, ...) is
    diff = [k for k in settings if ordered_json(stored.get(k)) != ordered_json(_jsonable(settings[k]))]
    if diff:
        k = diff[0]
        if k == "scenario_hash":
            raise SMCStateError(
                f"--resume: {path} was written for another version of the scenario (content hash "
                f"{str(stored.get(k))[:12]}, now {str(settings[k])[:12]}): it changed since the calibration started, "
                "or the calibration was started by a summitry of 7 December 2026 or before, whose hash did not record the order of "
                "the scenario's sides; choose another --out"
            )
        reordered = k == "priors" and json.dumps(stored.get(k), sort_keys=True) == json.dumps(_jsonable(settings[k]), sort_keys=True)
        raise SMCStateError(
            f"--resume: {path} was written with {k} = {json.dumps(stored.get(k))}, not {json.dumps(_jsonable(settings[k]))}"
            + (" (the same parameters in another order: give them in the order the calibration started with)" if reordered else "")
            + "; resume with the same settings, or choose another --out"
        )
    return dict(stored)


@dataclass
class SMCRun:
    """What the SMC stage leaves: the populations (every generation) and the generation table."""

    populations: pd.DataFrame
    generations: list[dict[str, Any]] = field(default_factory=list)


def _populations(history: Any, keys: Sequence[str], paths: Sequence[str], integer: Mapping[str, bool]) -> SMCRun:
    rows: list[dict[str, Any]] = []
    gens: list[dict[str, Any]] = []
    table = history.get_all_populations()
    table = table[table["t"] >= 0].sort_values("t")
    for _, g in table.iterrows():
        t = int(g["t"])
        pop = history.get_population(t=t)
        w = np.array([p.weight for p in pop.particles], dtype=float)
        gens.append(
            {
                "generation": t,
                "epsilon": float(g["epsilon"]),
                "simulated": int(g["samples"]),
                "accepted": len(pop.particles),
                "acceptance_rate": len(pop.particles) / int(g["samples"]),
                "ess": float(w.sum() ** 2 / (w**2).sum()),
            }
        )
        for j, p in enumerate(pop.particles):
            row: dict[str, Any] = {"generation": t, "particle": j}
            for k, path in zip(keys, paths, strict=True):
                v = float(p.parameter[k])
                row[f"param.{path}"] = float(round(v)) if integer[path] else v
            row["weight"] = float(p.weight)
            row["distance"] = float(p.distance)
            row["score"] = float(p.sum_stat.get("score", math.nan))
            rows.append(row)
    return SMCRun(pd.DataFrame(rows), gens)


def _pilot(sim: Simulator, priors: Mapping[str, tuple[float, float]], draws: int, seed: int, executor: Any) -> list[list[dict[str, float]]]:
    """The summaries of ``draws`` prior draws, each run ``max(runs_per_particle, PILOT_REPLICATES)`` times."""
    sim = sim.with_runs(max(sim.runs, PILOT_REPLICATES))
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(STREAM_PILOT,)))
    lows = np.array([lo for lo, _ in priors.values()])
    highs = np.array([hi for _, hi in priors.values()])
    X = lows + rng.random((draws, len(priors))) * (highs - lows)
    items = [(i, tuple(float(x) for x in X[i])) for i in range(draws)]
    tasks = [PilotTask(b, sim, tuple(items[k : k + 2])) for b, k in enumerate(range(0, draws, 2))]
    got: dict[int, list[dict[str, float]]] = {}
    for _b, parts in executor.map_unordered(run_pilot, tasks):
        got.update(parts)
    return [got[i] for i in range(draws)]


@dataclass(frozen=True)
class SMCProblem:
    """What the SMC stage fits: a simulator, its summaries and weights, and the groups whose distances add up (a case each)."""

    simulator: Any  # keys, overrides(par), replicates(values, generation, index), __call__(par); picklable
    names: tuple[str, ...]
    weights: Mapping[str, float]
    groups: tuple[tuple[str, ...], ...]
    settings: Mapping[str, Any]
    integer: Mapping[str, bool]


def grouped_distance(
    x: Mapping[str, float],
    x_0: Mapping[str, float],
    scales: Mapping[str, float],
    weights: Mapping[str, float],
    groups: Sequence[Sequence[str]],
) -> float:
    """The sum over groups of :func:`scaled_distance` on each group's summaries (one group: that distance itself).

    >>> x, x0, one = {"a": 0.5, "b": 3.0}, {"a": 1.0, "b": 0.0}, {"a": 1.0, "b": 1.0}
    >>> grouped_distance(x, x0, {"a": 0.25, "b": 1.0}, one, [["a"], ["b"]])  # |0.5 / 0.25| + |3 / 1|
    5.0
    """
    return sum(scaled_distance(x, x_0, {k: scales[k] for k in g}, weights) for g in groups)


def single_problem(scenario_arg: str, priors: Mapping[str, tuple[float, float]], cfg: Mapping[str, Any], seed: int) -> SMCProblem:
    """One scenario's calibration as an :class:`SMCProblem` (one group)."""
    scenario = load_scenario(scenario_arg)
    raw, _, source = load_raw(scenario_arg)
    pmap = parameter_map(scenario)
    paths = tuple(priors)
    integer = {k: bool(pmap[k][1].integer) for k in paths}
    names = tuple(summary_names(scenario))
    sim = Simulator(
        json.dumps(raw, default=str),
        source,
        _keys(len(paths)),
        paths,
        tuple(integer[p] for p in paths),
        names,
        int(cfg["runs_per_particle"]),
        seed,
    )
    return SMCProblem(sim, names, summary_weights(scenario, names), (names,), _settings(scenario, priors, cfg, seed), integer)


def run_smc(
    problem: str | SMCProblem,
    out: Path,
    priors: Mapping[str, tuple[float, float]],
    cfg: Mapping[str, Any],
    seed: int,
    executor: Any,
    resume: bool,
    progress: ProgressFn | None = None,
    on_generation: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[SMCRun, dict[str, Any]]:
    """The ABC-SMC stage of a scenario (or of any :class:`SMCProblem`, e.g. a joint fit): (its populations, its stored settings).

    Every finished generation is in out/smc.db.
    """
    if isinstance(problem, str):
        problem = single_problem(problem, priors, cfg, seed)
    sim, names, settings, integer = problem.simulator, problem.names, problem.settings, problem.integer
    keys, paths = sim.keys, tuple(priors)
    stored = check_settings(out, settings)
    if stored is not None and not resume:
        raise SMCStateError(f"--out {out}: already holds an SMC calibration; continue it with --resume, or choose another directory")
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "smc.db"
    if stored is None:
        # the callers (calibrate_smc, calibrate_joint) start only in a new or empty --out (outputs.check_fresh_or_resumed)
        pilot = _pilot(sim, priors, int(cfg["pilot"]), seed, executor)
        scales = replicate_scales(pilot, names, int(cfg["runs_per_particle"]))
        stored = {**_jsonable(settings), "summaries": list(names), "scales": scales, "versions": versions()}
        text = json.dumps(stored, indent=2) + "\n"  # in order (check_settings)
        write_atomically(out / "smc.json", lambda p: Path(p).write_text(text))
    scales = {k: float(v) for k, v in stored["scales"].items()}
    weights, groups = problem.weights, problem.groups
    x_0 = observed(names)

    pyabc = _pyabc()

    class _Distance(pyabc.Distance):  # type: ignore[misc, name-defined]
        def __call__(self, x: dict, x_0: dict, t: int | None = None, par: dict | None = None) -> float:
            return grouped_distance(x, x_0, scales, weights, groups)

    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo) for k, (lo, hi) in zip(keys, priors.values(), strict=True)})
    db = "sqlite:///" + str(db_path.resolve())
    history = pyabc.History(db) if db_path.exists() else None
    resuming = history is not None and len(history.all_runs()) > 0 and history.n_populations > 0
    # generation 0 takes every prior draw (no tolerance); a resumed run takes its next tolerance from the last stored
    # population ("from_sample" reads it from the database), as the run that stopped would have
    eps = pyabc.QuantileEpsilon(initial_epsilon="from_sample" if resuming else math.inf, alpha=float(cfg["quantile"]), weighted=True)
    sampler = make_sampler(executor, seed, progress, on_generation)
    abc = pyabc.ABCSMC(sim, prior, _Distance(), population_size=int(cfg["population"]), sampler=sampler, eps=eps)
    _seed_global(seed, 0)
    if resuming:
        abc.load(db, 1)
    else:
        if db_path.exists():
            db_path.unlink()  # ours, and holding no finished generation
        abc.new(db, x_0)
    done = abc.history.n_populations
    state_path = out / "smc-state.json"
    stopped = json.loads(state_path.read_text()).get("stopped") if state_path.exists() else None
    last_rate = None
    if done:
        pops = abc.history.get_all_populations()
        last = pops[pops["t"] == abc.history.max_t].iloc[0]
        last_rate = int(cfg["population"]) / int(last["samples"])
    remaining = int(cfg["generations"]) - done
    if remaining > 0 and not stopped and (last_rate is None or last_rate >= float(cfg["min_acceptance"])):
        with warnings.catch_warnings():
            # pyabc compares the first tolerance (inf) with the one before it (none): inf - inf
            warnings.filterwarnings("ignore", "invalid value encountered in scalar subtract", RuntimeWarning)
            abc.run(max_nr_populations=remaining, min_acceptance_rate=float(cfg["min_acceptance"]))
        reason = None
        if abc.history.n_populations < int(cfg["generations"]):
            reason = "acceptance rate below --min-acceptance"
        text = json.dumps({"stopped": reason, "generations": abc.history.n_populations}) + "\n"
        write_atomically(state_path, lambda p: Path(p).write_text(text))
    if abc.history.n_populations == 0:
        raise RunDirError(f"{out}: no generation finished (every particle was rejected); widen the priors or lower --min-acceptance")
    return _populations(abc.history, keys, paths, integer), stored


def calibrate_smc(
    scenario_arg: str,
    out: str | Path,
    parameters: Mapping[str, tuple[float, float]] | None = None,
    population: int = SMC_DEFAULTS["population"],
    generations: int = SMC_DEFAULTS["generations"],
    runs_per_particle: int = SMC_DEFAULTS["runs_per_particle"],
    quantile: float = SMC_DEFAULTS["quantile"],
    min_acceptance: float = SMC_DEFAULTS["min_acceptance"],
    pilot: int = SMC_DEFAULTS["pilot"],
    seed: int = 0,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    backtest_runs: int = 200,
    progress: ProgressFn | None = None,
    on_generation: Callable[[dict[str, Any]], None] | None = None,
    security: Any = None,
    ppc_runs: int = 0,
) -> CalibrationResult:
    """ABC-SMC on a scenario's historical patterns: write calibrated.yaml, posterior.parquet, calibration.json and posterior.html.

    ``parameters`` maps parameter paths to uniform prior ranges (default
    :func:`summitry.sim.experiments.calibration.default_parameters`). With ``backtest_runs`` > 0
    the scenario is backtested before and after, and with ``ppc_runs`` > 0 checked (sim.experiments.predictive), as by rejection.
    """
    check_smc_settings(population, generations, runs_per_particle, quantile, min_acceptance, pilot, backtest_runs)
    scenario = load_scenario(scenario_arg)
    check_patterns(scenario, scenario_arg)
    priors, integer = calibration_priors(scenario_arg, scenario, parameters)
    cfg: dict[str, Any] = {"population": population, "generations": generations, "runs_per_particle": runs_per_particle}
    cfg |= {"quantile": quantile, "min_acceptance": min_acceptance, "pilot": pilot}
    out = Path(out)
    check_fresh_or_resumed(out, out / "smc.json", "an SMC calibration", resume)
    ex = make_executor(executor, workers, address, security)
    t0 = time.perf_counter()
    before: BacktestResult | None = None
    after: BacktestResult | None = None
    try:
        smc, _stored = run_smc(scenario_arg, out, priors, cfg, seed, ex, resume, progress, on_generation)
        pops = smc.populations
        last_t = int(pops["generation"].max())
        final = pops[pops["generation"] == last_t].reset_index(drop=True)
        post = weighted_summary(final, priors, integer)
        calibrated = medians(post, integer)
        before, after = backtest_before_after(scenario, scenario_arg, calibrated, backtest_runs, seed, ex, progress)
        ppc = run_predictive(out, scenario_arg, final, priors, integer, ppc_runs, seed, ex)
    finally:
        ex.close()
    name = Path(scenario_arg).stem
    total = sum(g["simulated"] for g in smc.generations)
    write_params_file(
        out / "calibrated.yaml",
        name,
        calibrated,
        f"Weighted posterior medians of ABC-SMC on {scenario.name}'s historical patterns: {counted(len(smc.generations), 'generation')} of "
        f"{counted(population, 'particle')} ({counted(runs_per_particle, 'run')} each, seed {seed}).",
        provenance_block("smc", [scenario.name], seed),
    )
    write_atomically(out / "posterior.parquet", lambda p: final.to_parquet(p, index=False))
    write_atomically(out / "populations.parquet", lambda p: pops.to_parquet(p, index=False))
    summary: dict[str, Any] = {
        "method": "smc",
        "scenario": scenario.name,
        "scenario_arg": scenario_arg,
        "scenario_hash": scenario.content_hash(),
        "design": "smc",
        "points": total,
        "runs_per_point": runs_per_particle,
        "seed": seed,
        "accept": None,
        "accepted": len(final),
        "epsilon": smc.generations[-1]["epsilon"],
        "distance": "root weighted mean square of the summaries' deviations from the record, each over its replicate spread",
        "settings": cfg,
        "generations": smc.generations,
        "score_of_points": {"accepted_mean": float(np.average(final["score"], weights=final["weight"]))},
        "parameters": post,
        "calibrated": calibrated,
        "before": _backtest_brief(before),
        "after": _backtest_brief(after),
        "elapsed": time.perf_counter() - t0,
        "versions": versions(),
    }
    write_atomically(
        out / "calibration.json", lambda p: Path(p).write_text(json.dumps(_jsonable(summary), indent=2, sort_keys=True) + "\n")
    )
    first = pops[pops["generation"] == int(pops["generation"].min())]
    _write_smc_page(out, scenario, first, final, priors, post, calibrated, summary, ppc)
    if after is not None:
        after.save(out / "backtest-after", example=True)
    if before is not None:
        before.save(out / "backtest-before", example=False)
    return CalibrationResult(out, calibrated, post, first, final, before, after, summary)


def _write_smc_page(
    out: Path,
    scenario: Scenario,
    first: pd.DataFrame,
    final: pd.DataFrame,
    priors: Mapping[str, tuple[float, float]],
    post: Mapping[str, Any],
    calibrated: Mapping[str, float],
    summary: Mapping[str, Any],
    extra: str = "",
) -> None:
    """posterior.html: the first generation (prior draws) against the last population, and the weighted posterior table."""
    fig = posterior_figure(first, final.rename(columns={"particle": "point"}), priors)
    fig.update_layout(title="ABC-SMC: the first generation (prior draws, grey) and the last population (blue)")
    rows = posterior_rows(post, calibrated)
    cfg = summary["settings"]
    note = (
        f"ABC-SMC: {counted(len(summary['generations']), 'generation')} of {counted(cfg['population'], 'particle')}, "
        f"{counted(summary['points'], 'particle')} simulated ({counted(cfg['runs_per_particle'], 'run')} each); last tolerance {summary['epsilon']:.3g}. Quantiles are weighted by the particles' weights. "
        "Range ratio: the 5-95% range over the prior's 90% (1 = nothing learnt)."
    )
    write_posterior_html(out / "posterior.html", fig, f"Calibration of {scenario.name} (ABC-SMC)", rows, note, extra)


def check_smc_settings(
    population: int, generations: int, runs_per_particle: int, quantile: float, min_acceptance: float, pilot: int, backtest_runs: int
) -> None:
    """InputError naming the flag for a setting out of range."""
    problems = []
    if population < 2:
        problems.append(f"--population {population}: must be at least 2 particles")
    if generations < 1:
        problems.append(f"--generations {generations}: must be at least 1")
    if runs_per_particle < 1:
        problems.append(f"--runs-per-point {runs_per_particle}: must be at least 1")
    if not 0 < quantile < 1:
        problems.append(f"--quantile {quantile}: must be a fraction in (0, 1)")
    if not 0 <= min_acceptance < 1:
        problems.append(f"--min-acceptance {min_acceptance}: must be a fraction in [0, 1)")
    if pilot < 2:
        problems.append(f"--pilot {pilot}: must be at least 2 draws")
    if backtest_runs == 1 or backtest_runs < 0:
        problems.append(f"--backtest-runs {backtest_runs}: must be 0 (skip) or at least 2")
    if problems:
        raise InputError(problems)


def iter_generations(out: Path) -> Iterator[dict[str, Any]]:
    """The generations finished so far in a calibration directory's smc.db (for tests and progress watchers)."""
    path = out / "smc.db"
    if not path.exists():
        return
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for t, eps, samples in con.execute("SELECT t, epsilon, nr_samples FROM populations WHERE t >= 0 ORDER BY t"):
            yield {"generation": int(t), "epsilon": float(eps), "simulated": int(samples)}
    except sqlite3.Error:
        return
    finally:
        con.close()
