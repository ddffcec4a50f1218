"""Backtests: how well does the model reproduce the history it was built from?

Pattern-oriented modelling (Grimm et al. 2005). A scenario's ``patterns``
are data: event patterns (an event kind, optionally its sender, a detail
regex and ``dim=value`` ranges, a window of weeks with a tolerance, a count,
a ``before`` or ``given`` event, ``absent`` for "must not happen") and state
patterns (a measure of one series variable over a window). This module

* scores one run against each pattern (:func:`~sim.patterns.score_pattern`,
  :func:`~sim.patterns.score_run`, in :mod:`sim.patterns`): pure functions of the run's log and series giving a
  score in [0, 1] (timing by distance from the window), or nan where the
  pattern does not apply to the run (a conditional pattern whose event did
  not happen; a restraint pattern where nobody acted);
* runs an ensemble in free mode and reports each pattern's mean score with
  a conservative Wilson 95% interval, and a weighted overall score
  (:func:`backtest`);
* does the same for a **null model**: the same actors sending signals at
  random with the real model's own per-actor, per-kind weekly frequencies
  (estimated from the ensemble, :func:`estimate_null_rates`), so that
  ``skill = model - null`` is the model's skill over chance;
* and for reference **baselines** on the same seeds (:func:`baseline_names`):
  ``quiet`` (nobody acts), ``script`` (a summit offered and accepted in week
  0, nothing else chosen) and one ablation per mechanism; skill over each is
  the mean paired difference by seed (:func:`paired_skill`);
* calibrates by rejection ABC over a sweep (:func:`calibrate`): the distance
  of a parameter point is ``1 - weighted pattern score`` averaged over its
  replicates; the best ``accept`` fraction of points is the posterior sample;
* gives reports a summary of any run, backtest, sweep or calibration
  directory (:func:`backtest_section`), from saved files only.

Directory layouts written here::

    backtest DIR/   backtest.json  runs.parquet  example-run/
    calibrate DIR/  sweep.json  runs/part-*.parquet  (the sweep store)
                    calibrated.yaml  posterior.parquet  calibration.json
                    posterior.html  example-run/
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.atomic import write_atomically
from sim.errors import InputError, RunDirError, ScenarioError
from sim.loading import close_matches
from sim.model import ABLATIONS
from sim.overrides import canonical, parameter_map, parameter_table
from sim.pattern_check import loc_of, pattern_problems
from sim.patterns import first_week, score_pattern, score_run, scored_weeks, weighted_score
from sim.run import RunResult, _jsonable, run_scenario, versions
from sim.scenario import Event, Scenario, _line, builtin_names, load_raw, load_scenario, validate_data
from sim.stats import Z95, wilson
from sim.summary import key_events
from sim.sweep import ParameterRange, SerialExecutor, SweepSpec, make_executor, resolve_spec, run_seed, run_sweep
from sim.sweep_analysis import load_manifest, load_runs

DEFAULT_CALIBRATION_PARAMETERS: tuple[str, ...] = (
    "parameters.kappa",
    "parameters.kappa_h",
    "parameters.lambda_q",
    "parameters.renege_u",
    "parameters.alpha_p",
)
"""Model parameters calibrated by default; the summit leaders' impulsiveness is added per scenario."""

ProgressFn = Callable[[str, int, int], None]
"""progress(label, done, total)."""


def check_patterns(scenario: Scenario, source: str) -> None:
    """Raise ScenarioError naming the file (and line, when the file can be read) and field when the patterns cannot be scored."""
    problems = pattern_problems(scenario)
    if not problems:
        return
    try:
        lines = load_raw(source)[1]
    except Exception:  # a scenario given as data, or a file that moved: name the field without a line
        lines = {}
    msgs = []
    for p in problems:
        line = _line(loc_of(p), lines) if lines else None
        msgs.append(f"{source}:{line}: {p}" if line else f"{source}: {p}")
    raise ScenarioError(msgs)


# ---------------------------------------------------------------- ensembles


@dataclass(frozen=True)
class EnsembleTask:
    """A batch of runs of one scenario: the model, the null model (``null_rates``), a baseline or an ablation."""

    batch: int
    scenario_json: str
    seeds: tuple[int, ...]
    null_rates_json: str | None = None
    ablations: tuple[str, ...] = ()
    script: bool = False


_SCENARIO_CACHE: dict[str, Scenario] = {}


def _scenario_from_json(text: str) -> Scenario:
    sc = _SCENARIO_CACHE.get(text)
    if sc is None:
        sc = Scenario.model_validate_json(text)
        _SCENARIO_CACHE.clear()
        _SCENARIO_CACHE[text] = sc
    return sc


def script_scenario(scenario: Scenario, offerer: int) -> Scenario:
    """The scenario with one scripted exchange at week 0: summit side ``offerer``'s leader offers a summit, the other accepts.

    Both are events of mode ``always`` (injected in free mode too); the
    scenario's other events stay as they are (in free mode only its
    ``always`` events happen).
    """
    sides = list(scenario.summit.sides)
    a = scenario.sides[sides[offerer]].leader.id
    b = scenario.sides[sides[1 - offerer]].leader.id
    script = [
        Event(week=0, kind="summit_offer", sender=a, receiver=b, mode="always", text="script baseline: a summit is offered"),
        Event(week=0, kind="summit_accept", sender=b, receiver=a, mode="always", text="script baseline: the summit is accepted"),
    ]
    return scenario.model_copy(update={"events": [*scenario.events, *script]})


def run_ensemble_task(task: EnsembleTask) -> tuple[int, list[dict[str, Any]], dict[str, int]]:
    """Run a batch (in any process): per-run rows (scores, first weeks) and counts of chosen (actor, kind)."""
    scenario = _scenario_from_json(task.scenario_json)
    scripts = [script_scenario(scenario, 0), script_scenario(scenario, 1)] if task.script else []
    null_rates = json.loads(task.null_rates_json) if task.null_rates_json else None
    rows: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for seed in task.seeds:
        # the script baseline: which summit side offers alternates with the seed's parity (it knows no history)
        sc = scripts[seed % 2] if scripts else scenario
        result = run_scenario(sc, seed=seed, null_rates=null_rates, ablations=task.ablations)
        events = result.events.to_pylist()
        scores = {p.id: score_pattern(events, p, result.series) for p in scenario.patterns}
        metrics = result.manifest["metrics"]
        row: dict[str, Any] = {
            "seed": int(seed),
            "outcome": result.outcome,
            "steps_run": int(metrics["steps_run"]),
            "signals": sum(1 for e in events if e["source"] == "chosen"),
            "score": weighted_score(scores, scenario.patterns),
        }
        # the durations of the ensemble's Kaplan–Meier curves (ODD 4.11); NaN where undefined (no pledge)
        for key in ("time_to_agreement", "agreement_censored", "moratorium_survival", "moratorium_censored"):
            row[key] = math.nan if metrics[key] is None else float(metrics[key])
        for pid, v in scores.items():
            row[f"pattern.{pid}"] = v
        for p in scenario.patterns:
            row[f"first.{p.id}"] = first_week(events, p)
        rows.append(row)
        counts.update(f"{e['sender']}\t{e['kind']}" for e in events if e["source"] == "chosen")
    return task.batch, rows, dict(counts)


@dataclass
class Ensemble:
    """Per-run pattern scores of an ensemble and the chosen signals it sent."""

    runs: pd.DataFrame
    counts: dict[tuple[str, str], int]

    @property
    def actor_weeks(self) -> int:
        return int(self.runs["steps_run"].sum())


def run_seeds(seed: int, n: int) -> list[int]:
    """Seeds of an ensemble's runs, derived like a sweep's: (seed, point 0, replicate i)."""
    return [run_seed(seed, 0, i) for i in range(n)]


def ensemble(
    scenario: Scenario,
    seeds: Sequence[int],
    executor: Any = None,
    null_rates: Mapping[str, Mapping[str, float]] | None = None,
    progress: ProgressFn | None = None,
    label: str = "runs",
    batch_size: int = 25,
    ablations: Sequence[str] = (),
    script: bool = False,
) -> Ensemble:
    """Run ``scenario`` on each seed (the null model with ``null_rates``; a baseline or ablation) and score every run."""
    ex: Any = executor if executor is not None else SerialExecutor()
    text = scenario.model_dump_json()
    rates_json = json.dumps(null_rates, sort_keys=True) if null_rates is not None else None
    tasks = [
        EnsembleTask(i, text, tuple(int(s) for s in seeds[j : j + batch_size]), rates_json, tuple(ablations), script)
        for i, j in enumerate(range(0, len(seeds), batch_size))
    ]
    parts: dict[int, list[dict[str, Any]]] = {}
    counts: Counter[tuple[str, str]] = Counter()
    done = 0
    if progress:
        progress(label, 0, len(seeds))
    for batch, rows, c in ex.map_unordered(run_ensemble_task, tasks):
        parts[batch] = rows
        for key, v in c.items():
            actor, kind = key.split("\t", 1)
            counts[(actor, kind)] += v
        done += len(rows)
        if progress:
            progress(label, done, len(seeds))
    rows_all = [r for b in sorted(parts) for r in parts[b]]
    return Ensemble(pd.DataFrame(rows_all), dict(counts))


def estimate_null_rates(ens: Ensemble) -> dict[str, dict[str, float]]:
    """Weekly probability of each (actor, chosen kind) in the model's own ensemble: the null model's rates.

    ``rate[actor][kind] = (times the actor chose the kind) / (weeks run)``,
    summed over the ensemble, so the null model sends each kind as often as
    the model does, but at random weeks, whatever the state.
    """
    weeks = max(1, ens.actor_weeks)
    rates: dict[str, dict[str, float]] = {}
    for (actor, kind), n in sorted(ens.counts.items()):
        rates.setdefault(actor, {})[kind] = n / weeks
    return rates


def refine_null_rates(
    rates: Mapping[str, Mapping[str, float]], model: Ensemble, pilot: Ensemble, cap: float = 5.0
) -> dict[str, dict[str, float]]:
    """One fixed-point step: rescale each rate by (model frequency / pilot null frequency).

    The null model can send a kind only when it is feasible (a summit can be
    accepted only once offered), so raw rates undershoot state-dependent
    kinds; a pilot null ensemble measures by how much. Ratios are capped at
    ``cap`` either way; kinds the pilot never sent keep their rate; an
    actor's rates are scaled down if they would sum past 1.
    """
    mw, pw = max(1, model.actor_weeks), max(1, pilot.actor_weeks)
    out: dict[str, dict[str, float]] = {}
    for actor, kinds in rates.items():
        row = {}
        for kind, r in kinds.items():
            fm = model.counts.get((actor, kind), 0) / mw
            fn = pilot.counts.get((actor, kind), 0) / pw
            ratio = min(cap, max(1 / cap, fm / fn)) if fn > 0 else 1.0
            row[kind] = r * ratio
        total = sum(row.values())
        if total > 1:
            row = {k: v / total for k, v in row.items()}
        out[actor] = row
    return out


def signal_frequencies(ens: Ensemble) -> dict[str, float]:
    """Chosen signals per week, by actor."""
    weeks = max(1, ens.actor_weeks)
    out: Counter[str] = Counter()
    for (actor, _kind), n in ens.counts.items():
        out[actor] += n
    return {a: n / weeks for a, n in sorted(out.items())}


# ------------------------------------------------------------------ tables


def _share(col: pd.Series) -> dict[str, float]:
    """Mean pattern score over the runs where the pattern applies, with a Wilson 95% interval.

    Scores lie in [0, 1]; the variance of such a variable with mean p is at
    most p(1 - p), the Bernoulli variance, so the Wilson interval of
    (sum of scores, runs) is conservative for graded scores and exact for 0/1.
    """
    v = col.dropna().to_numpy(dtype=float)
    n = int(v.size)
    p, lo, hi = wilson(float(v.sum()), n)
    return {"share": p, "low": lo, "high": hi, "runs": n}


def paired_skill(model: pd.DataFrame, other: pd.DataFrame, column: str = "score") -> dict[str, float]:
    """Model minus another ensemble on the same seeds: the mean paired difference with a Student-t 95% interval.

    Runs are matched by seed; pairs where either score is missing are left out.

    >>> a = pd.DataFrame({"seed": [1, 2, 3, 4], "score": [0.5, 0.6, 0.7, 0.8]})
    >>> b = pd.DataFrame({"seed": [4, 3, 2, 1], "score": [0.4, 0.4, 0.4, 0.4]})
    >>> {k: round(v, 4) for k, v in paired_skill(a, b).items()}
    {'value': 0.25, 'low': 0.0446, 'high': 0.4554, 'runs': 4}
    """
    from scipy.stats import t as student_t  # heavy (scipy.stats, ~0.3 s): only for the intervals of a paired comparison

    both = model[["seed", column]].merge(other[["seed", column]], on="seed", suffixes=("_a", "_b")).dropna()
    d = (both[f"{column}_a"] - both[f"{column}_b"]).to_numpy(dtype=float)
    n = int(d.size)
    if n == 0:
        return {"value": math.nan, "low": math.nan, "high": math.nan, "runs": 0}
    m = float(d.mean())
    half = float(student_t.ppf(0.975, n - 1)) * float(d.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    return {"value": m, "low": m - half, "high": m + half, "runs": n}


def _mean_ci(values: pd.Series) -> dict[str, float]:
    v = values.dropna().to_numpy(dtype=float)
    n = v.size
    if n == 0:
        return {"mean": math.nan, "low": math.nan, "high": math.nan, "runs": 0}
    m = float(v.mean())
    half = Z95 * float(v.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    return {"mean": m, "low": max(0.0, m - half), "high": min(1.0, m + half), "runs": n}


def newcombe(a: Mapping[str, float], b: Mapping[str, float]) -> tuple[float, float, float]:
    """(difference, low, high): Newcombe's hybrid score interval of a difference of two proportions.

    >>> tuple(round(v, 3) for v in newcombe({"share": 0.5, "low": 0.4, "high": 0.6}, {"share": 0.2, "low": 0.15, "high": 0.26}))
    (0.3, 0.183, 0.412)
    """
    d = a["share"] - b["share"]
    lo = d - math.sqrt((a["share"] - a["low"]) ** 2 + (b["high"] - b["share"]) ** 2)
    hi = d + math.sqrt((a["high"] - a["share"]) ** 2 + (b["share"] - b["low"]) ** 2)
    return d, lo, hi


def _weeks(col: pd.Series) -> dict[str, float | None]:
    v = col.dropna().to_numpy(dtype=float)
    if v.size == 0:
        return {"median": None, "q25": None, "q75": None, "share": 0.0}
    q25, med, q75 = np.quantile(v, [0.25, 0.5, 0.75])
    return {"median": float(med), "q25": float(q25), "q75": float(q75), "share": float(v.size / col.size)}


def pattern_table(
    scenario: Scenario, model: pd.DataFrame, null: pd.DataFrame | None = None, baselines: Mapping[str, pd.DataFrame] | None = None
) -> list[dict[str, Any]]:
    """One row per pattern: its definition, the model's mean score [Wilson CI], the null's, skill [Newcombe CI], timing.

    ``baselines`` add each baseline's mean score per pattern (``baselines: {name: {share, low, high, runs}}``).
    """
    rows = []
    for p in scenario.patterns:
        m = _share(model[f"pattern.{p.id}"])
        row: dict[str, Any] = {
            **_pattern_def(p, scenario.time.steps),
            "count": p.count,
            "before": p.before,
            "model": m,
            "model_weeks": _weeks(model[f"first.{p.id}"]) if f"first.{p.id}" in model else None,
        }
        if null is not None:
            n = _share(null[f"pattern.{p.id}"])
            d, dlo, dhi = newcombe(m, n)
            row.update(
                null=n,
                null_weeks=_weeks(null[f"first.{p.id}"]) if f"first.{p.id}" in null else None,
                skill={"value": d, "low": dlo, "high": dhi},
            )
        if baselines:
            row["baselines"] = {k: _share(df[f"pattern.{p.id}"]) for k, df in baselines.items()}
        rows.append(row)
    return rows


def overall(model: pd.DataFrame, null: pd.DataFrame | None = None) -> dict[str, Any]:
    """The weighted score's mean over runs, with a normal 95% interval, for the model and the null; skill on paired seeds."""
    out: dict[str, Any] = {"model": _mean_ci(model["score"])}
    if null is not None:
        out["null"] = _mean_ci(null["score"])
        out["skill"] = paired_skill(model, null)
    return out


BASELINES: dict[str, str] = {
    "quiet": "nobody chooses any signal (only the scenario's calendar and the engine act)",
    "script": "week 0: one summit leader offers a summit and the other accepts (sides alternate by seed); nothing else is chosen",
}
"""Reference baselines of every backtest besides the null model; ``ablation:<name>`` entries are added per mechanism."""


def baseline_names() -> list[str]:
    """quiet, script and one ablation per mechanism the model can switch off, in that order."""
    return [*BASELINES, *(f"ablation:{k}" for k in ABLATIONS)]


def baseline_description(name: str) -> str:
    return BASELINES[name] if name in BASELINES else "the model with " + ABLATIONS[name.removeprefix("ablation:")]


def baseline_table(model: pd.DataFrame, baselines: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """{name: {description, score: {mean, low, high, runs}, skill: model - baseline on paired seeds}}."""
    return {
        name: {"description": baseline_description(name), "score": _mean_ci(df["score"]), "skill": paired_skill(model, df)}
        for name, df in baselines.items()
    }


def _outcomes(df: pd.DataFrame) -> dict[str, float]:
    counts = df["outcome"].value_counts()
    return {str(k): float(v / len(df)) for k, v in sorted(counts.items())}


@dataclass
class BacktestResult:
    """A backtest: the pattern table, overall scores, the null model's rates and every run's scores."""

    scenario: Scenario
    seed: int
    runs: int
    overrides: dict[str, Any]
    model: Ensemble
    null: Ensemble
    null_rates: dict[str, dict[str, float]]
    elapsed: float = 0.0
    refine: int = 0
    pilot_runs: int = 0
    table: list[dict[str, Any]] = field(default_factory=list)
    overall: dict[str, Any] = field(default_factory=dict)
    baseline_runs: dict[str, Ensemble] = field(default_factory=dict)
    baselines: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Everything but the per-run rows, JSON-ready (what backtest.json holds)."""
        return {
            "scenario": self.scenario.name,
            "title": self.scenario.title,
            "scenario_hash": self.scenario.content_hash(),
            "runs": self.runs,
            "seed": self.seed,
            "mode": "free",
            "overrides": dict(self.overrides),
            "patterns": self.table,
            "overall": self.overall,
            "baselines": self.baselines,
            "outcomes": {
                "model": _outcomes(self.model.runs),
                "null": _outcomes(self.null.runs),
                **{k: _outcomes(v.runs) for k, v in self.baseline_runs.items()},
            },
            "signal_frequency": {"model": signal_frequencies(self.model), "null": signal_frequencies(self.null)},
            "null_rates": self.null_rates,
            "null_model": {
                "method": "actors send each signal kind at random with the model ensemble's weekly frequency "
                "(restricted to what is feasible), rates corrected with pilot null ensembles",
                "refine_iterations": self.refine,
                "pilot_runs": self.pilot_runs,
            },
            "elapsed": self.elapsed,
            "versions": versions(),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }

    def runs_frame(self) -> pd.DataFrame:
        """Every run of every ensemble, with a ``model`` column (model, null, or a baseline's name)."""
        parts = [self.model.runs.assign(model="model"), self.null.runs.assign(model="null")]
        parts += [e.runs.assign(model=name) for name, e in self.baseline_runs.items()]
        return pd.concat(parts, ignore_index=True)

    def typical_seed(self) -> int:
        """A model run whose weighted score is the ensemble's median (the first such seed): an honest example."""
        df = self.model.runs
        med = float(df["score"].median())
        gap = (df["score"] - med).abs()
        return int(df.loc[gap.idxmin(), "seed"])

    def save(self, out: str | Path, example: bool = True) -> Path:
        """Write backtest.json, runs.parquet and (with ``example``) a typical model run in example-run/."""
        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        text = json.dumps(_jsonable(self.summary()), indent=2, sort_keys=True) + "\n"
        frame = self.runs_frame()
        write_atomically(d / "runs.parquet", lambda p: frame.to_parquet(p, index=False))
        if example:
            seed = self.typical_seed()
            res = run_scenario(self.scenario, seed=seed, overrides=self.overrides)
            res.manifest["backtest_example"] = {"why": "a model run with the ensemble's median pattern score", "seed": seed}
            res.save(d / "example-run")
        write_atomically(d / "backtest.json", lambda p: Path(p).write_text(text))
        return d


def backtest(
    scenario: Scenario,
    runs: int = 500,
    seed: int = 0,
    executor: Any = None,
    overrides: Mapping[str, Any] | None = None,
    progress: ProgressFn | None = None,
    refine: int = 3,
    pilot_runs: int = 100,
) -> BacktestResult:
    """Score an ensemble of free runs, a null ensemble and the baselines on the same seeds against the scenario's patterns.

    The null model's rates are estimated from the model ensemble itself
    (:func:`estimate_null_rates`), then corrected ``refine`` times with a
    pilot null ensemble of ``pilot_runs`` runs (:func:`refine_null_rates`) so
    that the null sends each kind about as often as the model does. The
    baselines (:func:`baseline_names`: quiet, script, one ablation per
    mechanism) run on the same seeds; their skill is paired by seed.
    ``overrides`` are only recorded (apply them
    to ``scenario`` before calling). The executor is not closed.
    """
    if runs < 2:
        raise InputError(f"--runs {runs}: a backtest needs at least 2 runs")
    check_patterns(scenario, scenario.name)
    t0 = time.perf_counter()
    seeds = run_seeds(seed, runs)
    model = ensemble(scenario, seeds, executor, progress=progress, label="model")
    rates = estimate_null_rates(model)
    pilot_seeds = seeds[: min(runs, pilot_runs)]
    for i in range(refine):
        pilot = ensemble(scenario, pilot_seeds, executor, null_rates=rates, progress=progress, label=f"null-model rates {i + 1}/{refine}")
        rates = refine_null_rates(rates, model, pilot)
    null = ensemble(scenario, seeds, executor, null_rates=rates, progress=progress, label="null model")
    base: dict[str, Ensemble] = {}
    for name in baseline_names():
        if name.startswith("ablation:"):
            ab = name.removeprefix("ablation:")
            base[name] = ensemble(scenario, seeds, executor, progress=progress, label=f"ablation: {ab}", ablations=(ab,))
        else:
            base[name] = ensemble(
                scenario, seeds, executor, null_rates={}, progress=progress, label=f"baseline: {name}", script=name == "script"
            )
    res = BacktestResult(
        scenario,
        seed,
        runs,
        dict(overrides or {}),
        model,
        null,
        rates,
        time.perf_counter() - t0,
        refine,
        len(pilot_seeds) if refine else 0,
        baseline_runs=base,
    )
    res.table = pattern_table(scenario, model.runs, null.runs, {k: v.runs for k, v in base.items()})
    res.overall = overall(model.runs, null.runs)
    res.baselines = baseline_table(model.runs, {k: v.runs for k, v in base.items()})
    return res


# --------------------------------------------------------------- calibration


def default_parameters(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """The default calibrated parameters and their prior ranges (the scenario's sweep ranges)."""
    table = {p.path: p for p in parameter_table(scenario)}
    paths = [p for p in DEFAULT_CALIBRATION_PARAMETERS if p in table]
    for sid in scenario.summit.sides:
        path = f"{scenario.sides[sid].leader.id}.traits.impulsiveness"
        if path in table:
            paths.append(path)
    return {p: (table[p].low, table[p].high) for p in paths}


def parse_ranges(items: Sequence[str], scenario: Scenario) -> dict[str, tuple[float, float]]:
    """``PATH=LOW:HIGH`` items as {canonical path: (low, high)}; InputError naming the item otherwise."""
    pmap = parameter_map(scenario)
    out: dict[str, tuple[float, float]] = {}
    problems: list[str] = []
    for item in items:
        path, sep, rng = item.partition("=")
        lo_s, sep2, hi_s = rng.partition(":")
        if not sep or not sep2 or not path.strip():
            problems.append(f"--parameters {item}: expected PATH=LOW:HIGH (e.g. parameters.kappa=0.5:5)")
            continue
        try:
            lo, hi = float(lo_s), float(hi_s)
        except ValueError:
            problems.append(f"--parameters {item}: LOW and HIGH must be numbers")
            continue
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            problems.append(f"--parameters {item}: need finite LOW < HIGH")
            continue
        try:
            key = canonical(scenario, path.strip(), pmap)
        except KeyError:
            near = list(dict.fromkeys(close_matches(path, list(pmap) + [q.removeprefix("parameters.") for q in pmap], n=5)))[:5]
            hint = f"; close matches: {', '.join(near)}" if near else f"; `summitry params {scenario.name}` lists them"
            problems.append(f"--parameters {item}: no such parameter in scenario {scenario.name}{hint}")
            continue
        info = pmap[key][1]
        if lo < info.low or hi > info.high:
            problems.append(f"--parameters {item}: outside the parameter's bounds [{info.low:g}, {info.high:g}]")
            continue
        if key in out:
            problems.append(f"--parameters {item}: {key} is given twice")
            continue
        out[key] = (lo, hi)
    if problems:
        raise InputError(problems)
    return out


def abc_reject(runs: pd.DataFrame, paths: Sequence[str], accept: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rejection ABC on a sweep's rows: (every point with its distance, the accepted points).

    A point's distance is ``1 - mean weighted pattern score`` over its
    successful replicates; the ``accept`` fraction of points with the
    smallest distances (at least one; ties broken by point number) is kept.
    """
    ok = runs[(runs["status"] == "ok") & runs["metric.pattern_score"].notna()]
    if ok.empty:
        raise RunDirError("the calibration sweep has no successful runs to score")
    pcols = [f"param.{p}" for p in paths]
    pat = [c for c in ok.columns if c.startswith("metric.pattern.")]
    g = ok.groupby("point", sort=True)
    points = g[pcols].first()
    points["score"] = g["metric.pattern_score"].mean()
    points["score_sd"] = g["metric.pattern_score"].std(ddof=1)
    points["replicates"] = g.size()
    for c in pat:
        points[c.removeprefix("metric.")] = g[c].mean()
    points["distance"] = 1.0 - points["score"]
    points = points.reset_index().sort_values(["distance", "point"], kind="stable").reset_index(drop=True)
    points["rank"] = np.arange(1, len(points) + 1)
    n_accept = max(1, round(accept * len(points)))
    accepted = points.head(n_accept).copy()
    return points, accepted


def posterior_summary(accepted: pd.DataFrame, priors: Mapping[str, tuple[float, float]], integer: Mapping[str, bool]) -> dict[str, Any]:
    """Prior range against the accepted points' median, 5-95% range, min-max and narrowing, per parameter."""
    out: dict[str, Any] = {}
    for path, (lo, hi) in priors.items():
        v = accepted[f"param.{path}"].to_numpy(dtype=float)
        q05, q25, med, q75, q95 = (float(x) for x in np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95]))
        width = hi - lo
        out[path] = {
            "prior": [lo, hi],
            "median": float(round(med)) if integer.get(path) else med,
            "q05": q05,
            "q25": q25,
            "q75": q75,
            "q95": q95,
            "min": float(v.min()),
            "max": float(v.max()),
            # a uniform prior's 5-95% range is 0.9 of its width, its IQR half of it
            "range_ratio": (q95 - q05) / (0.9 * width) if width > 0 else math.nan,
            "iqr_ratio": (q75 - q25) / (0.5 * width) if width > 0 else math.nan,
        }
    return out


def _round(v: float) -> float:
    return float(f"{v:.4g}")


def write_params_file(path: Path, scenario_name: str, values: Mapping[str, float], description: str) -> None:
    """A parameter file in the format of ``summitry run --params`` (sim.overrides.load_params_file)."""
    doc = {"scenario": scenario_name, "description": description, "parameters": {k: v for k, v in values.items()}}
    text = "# written by `summitry calibrate`; use with: summitry run " + scenario_name + " --params " + path.name + "\n"
    text += yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    write_atomically(path, lambda p: Path(p).write_text(text))


def posterior_figure(points: pd.DataFrame, accepted: pd.DataFrame, priors: Mapping[str, tuple[float, float]]) -> Any:
    """Marginal histograms (prior sample and accepted points) on the diagonal, pairwise scatter below it."""
    import plotly.graph_objects as go  # heavy (plotly): only when a calibration draws its posterior
    from plotly.subplots import make_subplots

    paths = list(priors)
    n = len(paths)
    short = [p.removeprefix("parameters.") for p in paths]
    fig = make_subplots(rows=n, cols=n, horizontal_spacing=0.03, vertical_spacing=0.03)
    for i, pi in enumerate(paths):
        lo, hi = priors[pi]
        size = (hi - lo) / 20 if hi > lo else None
        xb = {"start": lo, "end": hi, "size": size} if size else None
        fig.add_trace(
            go.Histogram(
                x=points[f"param.{pi}"],
                xbins=xb,
                histnorm="probability density",
                marker_color="#c8ccd4",
                name="all points (prior)",
                legendgroup="prior",
                showlegend=i == 0,
            ),
            row=i + 1,
            col=i + 1,
        )
        fig.add_trace(
            go.Histogram(
                x=accepted[f"param.{pi}"],
                xbins=xb,
                histnorm="probability density",
                marker_color="#1f77b4",
                opacity=0.75,
                name="accepted (posterior)",
                legendgroup="post",
                showlegend=i == 0,
            ),
            row=i + 1,
            col=i + 1,
        )
        fig.update_xaxes(range=[lo, hi], row=i + 1, col=i + 1)
        for j in range(i):
            pj = paths[j]
            fig.add_trace(
                go.Scattergl(
                    x=points[f"param.{pj}"],
                    y=points[f"param.{pi}"],
                    mode="markers",
                    marker={"color": "#c8ccd4", "size": 3},
                    name="all points",
                    legendgroup="prior",
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=i + 1,
                col=j + 1,
            )
            fig.add_trace(
                go.Scattergl(
                    x=accepted[f"param.{pj}"],
                    y=accepted[f"param.{pi}"],
                    mode="markers",
                    marker={
                        "color": accepted["score"],
                        "colorscale": "Viridis",
                        "size": 6,
                        "showscale": i == 1 and j == 0,
                        "colorbar": {"title": "score"},
                    },
                    name="accepted",
                    legendgroup="post",
                    showlegend=False,
                    text=[f"point {int(p)}, score {s:.3f}" for p, s in zip(accepted["point"], accepted["score"], strict=True)],
                ),
                row=i + 1,
                col=j + 1,
            )
            fig.update_xaxes(range=[priors[pj][0], priors[pj][1]], row=i + 1, col=j + 1)
            fig.update_yaxes(range=[lo, hi], row=i + 1, col=j + 1)
    for k in range(n):
        fig.update_xaxes(title_text=short[k], row=n, col=k + 1)
        fig.update_yaxes(title_text=short[k], row=k + 1, col=1)
    fig.update_layout(
        barmode="overlay",
        height=max(420, 230 * n),
        width=max(520, 230 * n + 120),
        title="Rejection ABC: marginal (diagonal) and pairwise distributions of the accepted points",
        template="plotly_white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.0},
    )
    return fig


def write_posterior_html(path: Path, fig: Any, title: str, summary_rows: Sequence[Sequence[str]], note: str = "") -> None:
    """A self-contained page (plotly.js inlined; opens offline) with the figure and a prior/posterior table."""
    body = fig.to_html(full_html=False, include_plotlyjs=True, config={"displaylogo": False})
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ("parameter", "prior", "posterior median", "5-95%", "range ratio"))
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in summary_rows)
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
        + html.escape(title)
        + "</title><style>body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style></head><body><h1>"
        + html.escape(title)
        + "</h1><p>"
        + html.escape(note)
        + "</p><table><tr>"
        + head
        + "</tr>"
        + rows
        + "</table>"
        + body
        + "</body></html>"
    )
    write_atomically(path, lambda p: Path(p).write_text(page))


@dataclass
class CalibrationResult:
    out: Path
    calibrated: dict[str, float]
    posterior: dict[str, Any]
    points: pd.DataFrame
    accepted: pd.DataFrame
    before: BacktestResult | None
    after: BacktestResult | None
    summary: dict[str, Any]


def calibrate(
    scenario_arg: str,
    out: str | Path,
    parameters: Mapping[str, tuple[float, float]] | None = None,
    design: str = "lhs",
    points: int = 2000,
    runs_per_point: int = 20,
    accept: float = 0.05,
    seed: int = 0,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    backtest_runs: int = 200,
    batch_size: int = 50,
    progress: ProgressFn | None = None,
    security: Any = None,
) -> CalibrationResult:
    """Rejection ABC over a sweep: write calibrated.yaml, posterior.parquet, calibration.json and posterior.html.

    ``scenario_arg`` is a built-in name or a path. ``parameters`` maps
    parameter paths to prior ranges (uniform; default
    :func:`default_parameters`). The sweep is stored in ``out`` like any
    sweep (resumable). With ``backtest_runs`` > 0 the scenario is backtested
    (with its null model) before and after calibration.
    """
    if design not in ("lhs", "grid"):
        raise InputError(f"--design {design}: rejection ABC needs a design that samples the prior evenly: lhs or grid")
    if not 0 < accept <= 1:
        raise InputError(f"--accept {accept}: must be a fraction in (0, 1]")
    if points < 1 or runs_per_point < 1:
        raise InputError("--points and --runs-per-point must be at least 1")
    if backtest_runs == 1 or backtest_runs < 0:
        raise InputError(f"--backtest-runs {backtest_runs}: 0 (skip) or at least 2")
    scenario = load_scenario(scenario_arg)
    check_patterns(scenario, scenario_arg)
    priors = dict(parameters) if parameters else default_parameters(scenario)
    if not priors:
        raise InputError(f"{scenario_arg}: none of the default calibration parameters exist; give --parameters PATH=LOW:HIGH")
    pmap = parameter_map(scenario)
    priors = {canonical(scenario, k, pmap): v for k, v in priors.items()}
    integer = {k: pmap[k][1].integer for k in priors}
    out = Path(out)
    spec = SweepSpec(
        scenario=scenario_arg,
        parameters={k: ParameterRange(low=lo, high=hi) for k, (lo, hi) in priors.items()},
        design=design,  # type: ignore[arg-type]
        points=points,
        replicates=runs_per_point,
        seed=seed,
        mode="free",
        batch_size=batch_size,
        patterns=True,
    )
    loaded = resolve_spec(spec, "summitry calibrate")
    ex = make_executor(executor, workers, address, security)  # security: TLS to a Dask scheduler (sim.sweep.dask_security)
    t0 = time.perf_counter()
    try:

        def sweep_progress(done: int, total: int, _outcomes: Counter[str], _failed: int) -> None:
            if progress:
                progress("calibration sweep", done, total)

        summary = run_sweep(loaded, out, ex, resume=resume, progress=sweep_progress)
        if summary.done < summary.total:
            raise RunDirError(f"{out}: the sweep stored {summary.done} of {summary.total} runs; continue with --resume")
        runs = load_runs(out)
        all_points, accepted = abc_reject(runs, list(priors), accept)
        post = posterior_summary(accepted, priors, integer)
        calibrated = {k: (float(round(v["median"])) if integer[k] else _round(v["median"])) for k, v in post.items()}
        before = after = None
        if backtest_runs:
            before = backtest(scenario, backtest_runs, seed, ex, progress=progress)
            cal_sc = load_scenario(scenario_arg, {k: str(v) for k, v in calibrated.items()})
            after = backtest(cal_sc, backtest_runs, seed, ex, overrides=calibrated, progress=progress)
    finally:
        ex.close()
    name = Path(scenario_arg).stem
    write_params_file(
        out / "calibrated.yaml",
        name,
        calibrated,
        f"Posterior medians of rejection ABC on {scenario.name}'s historical patterns: "
        f"{len(accepted)} of {len(all_points)} points accepted ({design}, {runs_per_point} runs per point, seed {seed}).",
    )
    write_atomically(out / "posterior.parquet", lambda p: accepted.to_parquet(p, index=False))
    result_summary: dict[str, Any] = {
        "scenario": scenario.name,
        "scenario_arg": scenario_arg,
        "scenario_hash": scenario.content_hash(),
        "design": design,
        "points": len(all_points),
        "runs_per_point": runs_per_point,
        "seed": seed,
        "accept": accept,
        "accepted": len(accepted),
        "epsilon": float(accepted["distance"].max()),
        "distance": "1 - weighted pattern score, averaged over a point's replicates",
        "score_of_points": {
            "best": float(all_points["score"].max()),
            "median": float(all_points["score"].median()),
            "accepted_mean": float(accepted["score"].mean()),
        },
        "parameters": post,
        "calibrated": calibrated,
        "before": _backtest_brief(before),
        "after": _backtest_brief(after),
        "elapsed": time.perf_counter() - t0,
        "versions": versions(),
    }
    write_atomically(
        out / "calibration.json", lambda p: Path(p).write_text(json.dumps(_jsonable(result_summary), indent=2, sort_keys=True) + "\n")
    )
    fig = posterior_figure(all_points, accepted, priors)
    rows = [
        [
            k.removeprefix("parameters."),
            f"[{v['prior'][0]:g}, {v['prior'][1]:g}]",
            f"{calibrated[k]:g}",
            f"[{v['q05']:.3g}, {v['q95']:.3g}]",
            f"{v['range_ratio']:.2f}",
        ]
        for k, v in post.items()
    ]
    note = (
        f"{len(accepted)} of {len(all_points)} parameter points accepted ({design} design, {runs_per_point} runs per point): "
        f"distance = 1 - weighted pattern score, at most {result_summary['epsilon']:.3f}. Grey: every point tried (the uniform prior); "
        "blue and coloured: the accepted points. Range ratio: the accepted points' 5-95% range over the prior's (1 = nothing learnt)."
    )
    write_posterior_html(out / "posterior.html", fig, f"Calibration of {scenario.name}", rows, note)
    if after is not None:
        after.save(out / "backtest-after", example=True)
    if before is not None:
        before.save(out / "backtest-before", example=False)
    return CalibrationResult(out, calibrated, post, all_points, accepted, before, after, result_summary)


def _backtest_brief(res: BacktestResult | None) -> dict[str, Any] | None:
    if res is None:
        return None
    s = res.summary()
    return {k: s[k] for k in ("runs", "seed", "overrides", "patterns", "overall", "baselines", "outcomes")}


# -------------------------------------------------------------- for reports


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise RunDirError(f"{path}: cannot read ({exc})") from None
    return data


def _scenario_for(name: str, scenario: Scenario | None, stored: RunResult | Mapping[str, Any] | None = None) -> Scenario | None:
    """The scenario a saved directory was made from: the one given, else the document stored with it, else the built-in of that name."""
    if scenario is not None:
        return scenario
    document = stored.scenario_document if isinstance(stored, RunResult) else stored
    if isinstance(document, Mapping):
        try:
            return validate_data(document, f"{name} (as stored with the results)", {})
        except ScenarioError:  # written by an older engine: fall back to the built-in file, if any
            pass
    if name in builtin_names():
        return load_scenario(name)
    return None


def _record_rows(sc: Scenario | None) -> list[dict[str, Any]]:
    if sc is None:
        return []
    return [
        {"week": int(r.week if r.week is not None else sc.week_of(r.date)), "date": r.date.isoformat(), "text": r.text} for r in sc.record
    ]


def _timeline(sc: Scenario | None, result: RunResult | None) -> list[dict[str, Any]]:
    """Historical record beside a run's key events, one row per week that has either."""
    weeks: dict[int, dict[str, Any]] = {}

    def row(w: int) -> dict[str, Any]:
        date = sc.date_of(w).isoformat() if sc is not None else ""
        return weeks.setdefault(w, {"week": w, "date": date, "historical": [], "simulated": []})

    for r in _record_rows(sc):
        row(r["week"])["historical"].append(r["text"])
    if result is not None:
        for e in key_events(result, limit=200):
            row(int(e["step"]))["simulated"].append(str(e["text"]))
    return [weeks[w] for w in sorted(weeks)]


def _pattern_def(p: Any, steps: int) -> dict[str, Any]:
    """A pattern's definition as stored with results and shown in reports."""
    return {
        "id": p.id,
        "text": p.text,
        "kind": p.kind,
        "state": p.state.model_dump(mode="json") if p.state is not None else None,
        "sender": p.sender,
        "window": list(p.window),
        "tolerance": p.tolerance,
        "scored_weeks": scored_weeks(p, steps),
        "absent": p.absent,
        "given": p.given,
        "detail": p.detail,
        "point": {k: list(v) for k, v in p.point.items()} if p.point else None,
        "weight": p.weight,
    }


def _pattern_defs(sc: Scenario) -> list[dict[str, Any]]:
    return [_pattern_def(p, sc.time.steps) for p in sc.patterns]


def backtest_section(run_or_sweep_dir: str | Path, scenario: Scenario | None = None) -> dict[str, Any]:
    """What a report shows about a directory's fit to history, from saved files only (never runs anything).

    Accepts a run directory (run.json), a backtest directory
    (backtest.json), a sweep directory (sweep.json; pattern columns when it
    was run with ``patterns: true``) or a calibration directory
    (calibration.json). ``scenario`` is needed only for scenarios that are not
    built in. Returns::

        {"kind": "run" | "backtest" | "sweep" | "calibration",
         "scenario", "title",
         "patterns": [{"id", "text", "window", "scored_weeks", "absent", "weight",
                       "run": 0/1 or None,                      # this run (run directories)
                       "model": {"share", "low", "high", "runs"} or None,
                       "null":  {...} or None,
                       "skill": {"value", "low", "high"} or None}],
         "overall": {"run", "model", "null", "skill"},           # weighted scores (None when unknown)
         "timeline": [{"week", "date", "historical": [...], "simulated": [...]}],
         "calibration": {...} or None,                           # prior vs posterior, before/after
         "notes": [...]}

    For a run directory the skill over the null model comes from a
    backtest.json in the directory or its parent (a backtest's example run);
    otherwise it is None and a note says how to get it.
    """
    d = Path(run_or_sweep_dir)
    if not d.is_dir():
        raise RunDirError(f"{d}: not a directory")
    notes: list[str] = []
    if (d / "calibration.json").exists():
        cal = _load_json(d / "calibration.json")
        after = cal.get("after") or {}
        example = d / "backtest-after" / "example-run"
        result = _load_example(example)
        stored = (_load_json(d / "sweep.json") if (d / "sweep.json").exists() else {}).get("scenario_document")
        sc = _scenario_for(str(cal["scenario"]), scenario, stored if stored is not None else result)
        section = _from_backtest_summary("calibration", cal, after, sc, result)
        section["calibration"] = {
            k: cal.get(k) for k in ("parameters", "calibrated", "points", "runs_per_point", "accept", "accepted", "epsilon", "design")
        }
        section["calibration"]["before"] = {
            "patterns": (cal.get("before") or {}).get("patterns"),
            "overall": (cal.get("before") or {}).get("overall"),
        }
        if after:
            notes.append("Pattern shares and skill are for the calibrated parameters (calibrated.yaml); 'before' holds the defaults'.")
        section["notes"] = notes + section["notes"]
        return section
    if (d / "backtest.json").exists():
        bt = _load_json(d / "backtest.json")
        example_run = _load_example(d / "example-run")
        sc = _scenario_for(str(bt["scenario"]), scenario, example_run)
        return _from_backtest_summary("backtest", bt, bt, sc, example_run)
    if (d / "run.json").exists():
        result = RunResult.load(d)
        name = str(result.manifest.get("scenario"))
        sc = _scenario_for(name, scenario, result)
        if sc is None:
            raise RunDirError(f"{d}: scenario {name!r} is not built in and the run directory has no scenario.json; pass the scenario")
        scores = score_run(result, sc)
        bt_summary = None
        for cand in (d / "backtest.json", d.parent / "backtest.json"):
            if cand.exists():
                s = _load_json(cand)
                if s.get("scenario") == sc.name:
                    bt_summary = s
                    break
        by_id = {p["id"]: p for p in (bt_summary or {}).get("patterns", [])}
        pats = []
        for p in _pattern_defs(sc):
            b = by_id.get(p["id"], {})
            pats.append({**p, "run": _num(scores[p["id"]]), "model": b.get("model"), "null": b.get("null"), "skill": b.get("skill")})
        ov = (bt_summary or {}).get("overall", {})
        if bt_summary is None:
            notes.append(
                f"No backtest beside this run: `summitry backtest {sc.name} --out DIR` gives each pattern's share and skill over the null model."
            )
        if result.manifest.get("mode") == "forcing":
            notes.append("This run is in forcing mode (the record was injected): matching patterns is expected, not evidence.")
        return {
            "kind": "run",
            "scenario": sc.name,
            "title": sc.title,
            "patterns": pats,
            "overall": {
                "run": _num(weighted_score(scores, sc.patterns)) if sc.patterns else None,
                "model": ov.get("model"),
                "null": ov.get("null"),
                "skill": ov.get("skill"),
            },
            "baselines": (bt_summary or {}).get("baselines"),
            "timeline": _timeline(sc, result),
            "calibration": None,
            "notes": notes,
        }
    if (d / "sweep.json").exists():
        manifest = load_manifest(d)
        sc = _scenario_for(str(manifest.get("scenario")), scenario, manifest.get("scenario_document"))
        runs = load_runs(d)
        ok = runs[runs["status"] == "ok"]
        pats = []
        defs = _pattern_defs(sc) if sc is not None else []
        if not any(c.startswith("metric.pattern.") for c in ok.columns):
            notes.append("This sweep was run without pattern scores (spec field patterns: true adds them).")
        for p in defs:
            col = f"metric.pattern.{p['id']}"
            pats.append({**p, "run": None, "model": _share(ok[col]) if col in ok else None, "null": None, "skill": None})
        score = _mean_ci(ok["metric.pattern_score"]) if "metric.pattern_score" in ok else None
        notes.append("Shares pool every run of the sweep across its design points; there is no null model for a sweep.")
        return {
            "kind": "sweep",
            "scenario": manifest.get("scenario"),
            "title": sc.title if sc is not None else manifest.get("scenario"),
            "patterns": pats,
            "overall": {"run": None, "model": score, "null": None, "skill": None},
            "baselines": None,
            "timeline": _timeline(sc, None),
            "calibration": None,
            "notes": notes,
        }
    raise RunDirError(
        f"{d}: not a run, backtest, sweep or calibration directory (no run.json, backtest.json, sweep.json or calibration.json)"
    )


def _load_example(path: Path) -> RunResult | None:
    if (path / "run.json").exists():
        return RunResult.load(path)
    return None


def _from_backtest_summary(
    kind: str, top: Mapping[str, Any], bt: Mapping[str, Any], sc: Scenario | None, example: Any | None
) -> dict[str, Any]:
    notes: list[str] = []
    pats = []
    for p in bt.get("patterns") or []:
        pats.append({**p, "run": None})
    if example is not None and sc is not None:
        scores = score_run(example, sc)
        for p in pats:
            if p["id"] in scores:
                p["run"] = _num(scores[p["id"]])
        notes.append(
            f"The simulated timeline is one model run (seed {example.manifest.get('seed')}) whose pattern score is the ensemble's median."
        )
    ov = bt.get("overall") or {}
    return {
        "kind": kind,
        "scenario": top.get("scenario"),
        "title": top.get("title") or (sc.title if sc is not None else top.get("scenario")),
        "patterns": pats,
        "overall": {
            "run": _run_score(pats, sc) if example is not None else None,
            "model": ov.get("model"),
            "null": ov.get("null"),
            "skill": ov.get("skill"),
        },
        "baselines": bt.get("baselines"),
        "timeline": _timeline(sc, example),
        "calibration": None,
        "notes": notes,
    }


def _num(v: float) -> float | None:
    """A pattern score for reports: None where the pattern does not apply to the run."""
    return None if math.isnan(v) else float(v)


def _run_score(pats: Sequence[Mapping[str, Any]], sc: Scenario | None) -> float | None:
    if sc is None:
        return None
    ids = {p["id"] for p in pats}
    if any(p.id not in ids for p in sc.patterns):
        return None
    scores = {p["id"]: (math.nan if p.get("run") is None else p["run"]) for p in pats}
    v = weighted_score(scores, sc.patterns)
    return None if math.isnan(v) else v
