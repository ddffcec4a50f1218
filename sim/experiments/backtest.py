"""Backtests: how well does the model reproduce the history it was built from?

Pattern-oriented modelling (Grimm et al. 2005). A scenario's ``patterns``
are data: event patterns (an event kind, optionally its sender, a detail
regex and ``dim=value`` ranges, a window of weeks with a tolerance, a count,
a ``before`` or ``given`` event, ``absent`` for "must not happen") and state
patterns (a measure of one series variable over a window). This module

* scores one run against each pattern (:func:`~sim.analysis.patterns.score_pattern`,
  :func:`~sim.analysis.patterns.score_run`, in :mod:`summitry.sim.analysis.patterns`): pure functions of the run's log and series giving a
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
and the pieces calibration (:mod:`summitry.sim.experiments.calibration`, rejection ABC over a
sweep) and the reports' backtest section (:mod:`summitry.sim.report.backtest`) build on.

Directory layouts written here::

    backtest DIR/   backtest.json  runs.parquet  example-run/
    calibrate DIR/  sweep.json  runs/part-*.parquet  (the sweep store)
                    calibrated.yaml  posterior.parquet  calibration.json
                    posterior.html  example-run/
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from summitry.sim.analysis.patterns import first_week, score_patterns, scored_weeks, weighted_score
from summitry.sim.atomic import replace_dir_atomically
from summitry.sim.engine.model import ABLATIONS
from summitry.sim.errors import InputError, RunDirError, ScenarioError
from summitry.sim.experiments.executors import SerialExecutor
from summitry.sim.experiments.spec import run_seed
from summitry.sim.outputs import is_summitry_backtest_dir, unreplaceable_dir
from summitry.sim.results.run_result import _jsonable, versions
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Event, Scenario, load_raw
from summitry.sim.scenario.pattern_check import loc_of, pattern_problems
from summitry.sim.scenario.pattern_fields import Pattern
from summitry.sim.stats import Z95, mean_t, wilson

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
        _data, lines, shown = load_raw(source)  # a built-in is named by its file, as every other message names it
    except Exception:  # a scenario given as data, or a file that moved: name the field without a line
        lines, shown = {}, source
    msgs = []
    for p in problems:
        loc = loc_of(p)
        # the line of the field or of the block holding it; a field the file lacks (no patterns: at all) has none
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
        msgs.append(f"{shown}:{line}: {p}" if line else f"{shown}: {p}")
    raise ScenarioError(msgs)


def check_record(scenario: Scenario, source: str) -> None:
    """Raise ScenarioError naming the file and field when the scenario has no record to force (``backtest --record``)."""
    if not any(ev.effective_mode == "forcing" for ev in scenario.events):
        raise ScenarioError(
            f"{source}: events: no event of the historical record is injected in forcing mode (every event is "
            "'mode: always'), so there is no record to score; --record needs the case's dated signals"
        )


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
    mode: str | None = None  # None: the scenario's own mode; "forcing" for the record (record_ceiling)


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
    """Run a batch (in any process): per-run rows (scores, first weeks) and counts of chosen (actor, kind).

    In forcing mode the record's injected signals count as choices too: they are what history chose.
    """
    scenario = _scenario_from_json(task.scenario_json)
    scripts = [script_scenario(scenario, 0), script_scenario(scenario, 1)] if task.script else []
    null_rates = json.loads(task.null_rates_json) if task.null_rates_json else None
    rows: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    sources = ("chosen", "forced") if task.mode == "forcing" else ("chosen",)
    for seed in task.seeds:
        # the script baseline: which summit side offers alternates with the seed's parity (it knows no history)
        sc = scripts[seed % 2] if scripts else scenario
        result = run_scenario(sc, seed=seed, null_rates=null_rates, ablations=task.ablations, mode=task.mode)
        events = result.events.to_pylist()
        scores = score_patterns(events, scenario.patterns, result.series)
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
        counts.update(f"{e['sender']}\t{e['kind']}" for e in events if e["source"] in sources)
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
    mode: str | None = None,
) -> Ensemble:
    """Run ``scenario`` on each seed (the null model with ``null_rates``; a baseline or ablation) and score every run.

    ``mode="forcing"`` injects the scenario's record (its forcing events); the ensemble's counts then include the
    record's signals (:func:`run_ensemble_task`).
    """
    ex: Any = executor if executor is not None else SerialExecutor()
    text = scenario.model_dump_json()
    rates_json = json.dumps(null_rates, sort_keys=True) if null_rates is not None else None
    tasks = [
        EnsembleTask(i, text, tuple(int(s) for s in seeds[j : j + batch_size]), rates_json, tuple(ablations), script, mode)
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


def share(col: pd.Series) -> dict[str, float]:
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
    both = model[["seed", column]].merge(other[["seed", column]], on="seed", suffixes=("_a", "_b")).dropna()
    return mean_t((both[f"{column}_a"] - both[f"{column}_b"]).to_numpy(dtype=float))


def contributions(runs: pd.DataFrame, patterns: Sequence[Pattern], full: str | None = None) -> pd.DataFrame:
    """Per run (indexed by seed), each pattern's part of the weighted score: w_p s_p / (sum of the weights that apply).

    The parts of a run sum to its ``score`` (:func:`~summitry.sim.analysis.patterns.weighted_score`); a pattern that
    does not apply in a run has part 0 there, and a run where no pattern applies has no row. With ``full`` the
    pattern of that id is scored 1 wherever it applies (the run as it would be if it matched that fact).

    >>> ps = [Pattern(id="a", text="t", kind="k", window=(0, 1)), Pattern(id="b", text="t", kind="k", window=(0, 1), weight=3)]
    >>> runs = pd.DataFrame({"seed": [1, 2], "pattern.a": [1.0, 0.5], "pattern.b": [0.0, float("nan")]})
    >>> contributions(runs, ps).to_dict("list")
    {'a': [0.25, 0.5], 'b': [0.0, 0.0]}
    >>> contributions(runs, ps, full="b").to_dict("list")
    {'a': [0.25, 0.5], 'b': [0.75, 0.0]}
    """
    scores = pd.DataFrame({p.id: runs[f"pattern.{p.id}"].to_numpy(dtype=float) for p in patterns}, index=runs["seed"].to_numpy())
    if full is not None:
        scores[full] = scores[full].where(scores[full].isna(), 1.0)
    weights = pd.Series({p.id: float(p.weight) for p in patterns})
    applies = scores.notna() & (weights > 0)
    total = applies.mul(weights, axis=1).sum(axis=1)
    parts = scores.fillna(0.0).mul(weights, axis=1).where(applies, 0.0).div(total, axis=0)
    return parts[total > 0]


def skill_by_pattern(model: pd.DataFrame, null: pd.DataFrame, patterns: Sequence[Pattern]) -> dict[str, dict[str, float]]:
    """{pattern id: its share of the skill over the null, and the skill it could add}, paired by seed.

    ``value`` [``low``, ``high``] is the mean paired difference of the pattern's part of the weighted score
    (:func:`contributions`), model minus null, with a Student-t 95% interval: over the patterns the values sum to the
    overall skill of :func:`paired_skill`. ``headroom`` is how much the overall skill would rise if the model's runs
    matched that fact wherever it applies (scored 1 there), the other patterns as they are: where skill could still
    come from.
    """
    mine, theirs = contributions(model, patterns), contributions(null, patterns)
    seeds = mine.index.intersection(theirs.index)
    d = mine.loc[seeds] - theirs.loc[seeds]
    n = len(seeds)
    skill = float(d.to_numpy().sum(axis=1).mean()) if n else math.nan
    out: dict[str, dict[str, float]] = {}
    for p in patterns:
        best = contributions(model, patterns, full=p.id).loc[seeds]
        gain = float((best.to_numpy().sum(axis=1) - theirs.loc[seeds].to_numpy().sum(axis=1)).mean()) - skill if n else math.nan
        out[p.id] = {**mean_t(d[p.id].to_numpy(dtype=float)), "headroom": gain}
    return out


def mean_ci(values: pd.Series) -> dict[str, float]:
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
    parts = skill_by_pattern(model, null, scenario.patterns) if null is not None else {}
    for p in scenario.patterns:
        m = share(model[f"pattern.{p.id}"])
        row: dict[str, Any] = {
            **pattern_def(p, scenario.time.steps),
            "count": p.count,
            "before": p.before,
            "model": m,
            "model_weeks": _weeks(model[f"first.{p.id}"]) if f"first.{p.id}" in model else None,
        }
        if null is not None:
            n = share(null[f"pattern.{p.id}"])
            d, dlo, dhi = newcombe(m, n)
            row.update(
                null=n,
                null_weeks=_weeks(null[f"first.{p.id}"]) if f"first.{p.id}" in null else None,
                skill={"value": d, "low": dlo, "high": dhi},
                contribution={k: v for k, v in parts[p.id].items() if k != "headroom"},
                headroom=parts[p.id]["headroom"],
            )
        if baselines:
            row["baselines"] = {k: share(df[f"pattern.{p.id}"]) for k, df in baselines.items()}
        rows.append(row)
    return rows


def overall(model: pd.DataFrame, null: pd.DataFrame | None = None) -> dict[str, Any]:
    """The weighted score's mean over runs, with a normal 95% interval, for the model and the null; skill on paired seeds."""
    out: dict[str, Any] = {"model": mean_ci(model["score"])}
    if null is not None:
        out["null"] = mean_ci(null["score"])
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


ABLATION_LEAD: dict[str, str] = {"leader_alone": "the model in which each "}
"""The words before an ablation's description where "the model with" does not read ("the model with leader ratifies alone")."""


def baseline_description(name: str) -> str:
    """A baseline in words: a reference baseline's description, or the model with one mechanism switched off.

    >>> baseline_description("ablation:trust")
    "the model with trust frozen: beliefs about the other side's type never move from their priors"
    >>> baseline_description("ablation:leader_alone")
    "the model in which each leader ratifies alone: each side's win-set is its leader's own acceptance set"
    """
    if name in BASELINES:
        return BASELINES[name]
    ablation = name.removeprefix("ablation:")
    return ABLATION_LEAD.get(ablation, "the model with ") + ABLATIONS[ablation]


def baseline_table(model: pd.DataFrame, baselines: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """{name: {description, score: {mean, low, high, runs}, skill: model - baseline on paired seeds}}."""
    return {
        name: {"description": baseline_description(name), "score": mean_ci(df["score"]), "skill": paired_skill(model, df)}
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
    calibration: dict[str, Any] | None = None  # the calibration its parameters come from (sim.experiments.provenance)
    comparison: dict[str, Any] | None = None  # its skill against an earlier backtest's, paired by seed (sim.experiments.compare)
    record: dict[str, Any] | None = None  # the record's own score and skill (record_ceiling), with --record
    record_runs: dict[str, Ensemble] = field(default_factory=dict)

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
            **({"comparison": self.comparison} if self.comparison is not None else {}),
            **({"record": self.record} if self.record is not None else {}),
            "versions": versions(),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }

    def runs_frame(self) -> pd.DataFrame:
        """Every run of every ensemble, with a ``model`` column (model, null, or a baseline's name)."""
        parts = [self.model.runs.assign(model="model"), self.null.runs.assign(model="null")]
        parts += [e.runs.assign(model=name) for name, e in self.baseline_runs.items()]
        parts += [e.runs.assign(model=name) for name, e in self.record_runs.items()]
        return pd.concat(parts, ignore_index=True)

    def typical_seed(self) -> int:
        """A model run whose weighted score is the ensemble's median (the first such seed): an honest example."""
        df = self.model.runs
        med = float(df["score"].median())
        gap = (df["score"] - med).abs()
        return int(df.loc[gap.idxmin(), "seed"])

    def save(self, out: str | Path, example: bool = True) -> Path:
        """Write backtest.json, runs.parquet and (with ``example``) a typical model run in example-run/, all or nothing.

        The directory is built whole in a hidden sibling and renamed into place
        (:func:`~summitry.sim.atomic.replace_dir_atomically`), so a crash leaves
        the complete backtest directory or none. An existing ``out`` is
        replaced only if it is empty or a backtest directory summitry wrote
        (its backtest.json and nothing else); anything else, and a path that
        cannot be renamed (``.``, an ancestor of the current directory), is a
        :class:`~summitry.sim.errors.RunDirError`, and nothing is touched.
        """
        d = Path(out)
        reason = unreplaceable_dir(d)
        if reason:
            raise RunDirError(f"{d}: {reason}; a backtest directory is written whole and renamed into place, so it cannot go there")
        if os.path.lexists(d) and not d.is_dir():
            raise RunDirError(f"{d}: exists and is not a directory")
        if d.is_dir() and any(d.iterdir()) and not is_summitry_backtest_dir(d):
            raise RunDirError(f"{d}: directory holds files summitry did not write there; not replacing it (choose a new directory)")
        text = json.dumps(_jsonable(self.summary()), indent=2, sort_keys=True) + "\n"
        frame = self.runs_frame()
        example_run = None
        if example:
            seed = self.typical_seed()
            example_run = run_scenario(self.scenario, seed=seed, overrides=self.overrides)
            example_run.manifest["backtest_example"] = {"why": "a model run with the ensemble's median pattern score", "seed": seed}
            if self.calibration is not None:  # its report says "fitted"
                example_run.manifest["calibration"] = self.calibration

        def fill(tmp: Path) -> None:
            frame.to_parquet(tmp / "runs.parquet", index=False)
            if example_run is not None:
                example_run.save(tmp / "example-run")
            (tmp / "backtest.json").write_text(text)

        replace_dir_atomically(d, fill)
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
    record: bool = False,
) -> BacktestResult:
    """Score an ensemble of free runs, a null ensemble and the baselines on the same seeds against the scenario's patterns.

    The null model's rates are estimated from the model ensemble itself
    (:func:`estimate_null_rates`), then corrected ``refine`` times with a
    pilot null ensemble of ``pilot_runs`` runs (:func:`refine_null_rates`) so
    that the null sends each kind about as often as the model does. The
    baselines (:func:`baseline_names`: quiet, script, one ablation per
    mechanism) run on the same seeds; their skill is paired by seed. With
    ``record`` the record itself is scored as well (:func:`record_ceiling`).
    ``overrides`` are only recorded (apply them
    to ``scenario`` before calling). The executor is not closed.
    """
    if runs < 2:
        raise InputError(f"--runs {runs}: must be at least 2")
    check_patterns(scenario, scenario.name)
    if record:
        check_record(scenario, scenario.name)
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
    if record:
        res.record, res.record_runs = record_ceiling(scenario, seeds, executor, progress, refine, pilot_seeds)
        res.record["model_share"] = _share_of_ceiling(res.overall["skill"], res.record["skill"])
        res.elapsed = time.perf_counter() - t0
    return res


def record_ceiling(
    scenario: Scenario, seeds: Sequence[int], executor: Any, progress: ProgressFn | None, refine: int, pilot_seeds: Sequence[int]
) -> tuple[dict[str, Any], dict[str, Ensemble]]:
    """The record scored as if it were a model: forcing-mode runs against a null model with the record's own rates.

    The record's dated signals are injected (forcing mode; factions still
    choose), every run is scored against the patterns, and a null model is
    built from the record exactly as the model's is built from the model
    (:func:`estimate_null_rates` over the record's signals and the factions'
    choices, refined with pilot ensembles): the same signals at random weeks.
    The record's skill over that null is the skill a model that reproduced
    the record would show: the reference the model's skill is read against
    (not a hard bound: a model may earn, by another route, a pattern the
    record misses). A pattern the
    record itself misses is one the engine does not produce even given the
    history, so choices that follow the history do not earn it.

    Returns the JSON-ready summary and the two ensembles.
    """
    rec = ensemble(scenario, seeds, executor, progress=progress, label="record (forcing mode)", mode="forcing")
    rates = estimate_null_rates(rec)
    for i in range(refine):
        pilot = ensemble(
            scenario, pilot_seeds, executor, null_rates=rates, progress=progress, label=f"record's null rates {i + 1}/{refine}"
        )
        rates = refine_null_rates(rates, rec, pilot)
    null = ensemble(scenario, seeds, executor, null_rates=rates, progress=progress, label="null model of the record")
    patterns = []
    for p in scenario.patterns:
        r, n = share(rec.runs[f"pattern.{p.id}"]), share(null.runs[f"pattern.{p.id}"])
        d, lo, hi = newcombe(r, n) if r["runs"] and n["runs"] else (math.nan, math.nan, math.nan)
        patterns.append({"id": p.id, "record": r, "null": n, "skill": {"value": d, "low": lo, "high": hi}})
    summary = {
        "description": RECORD_DESCRIPTION,
        "score": mean_ci(rec.runs["score"]),
        "null": mean_ci(null.runs["score"]),
        "skill": paired_skill(rec.runs, null.runs),
        "patterns": patterns,
        "outcomes": {"record": _outcomes(rec.runs), "null": _outcomes(null.runs)},
        "null_rates": rates,
    }
    return summary, {"record": rec, "record-null": null}


RECORD_DESCRIPTION = (
    "the record itself: forcing-mode runs (the case's dated signals injected; factions still choose) against a null "
    "model with the record's own rates of each kind at random weeks; its skill is what a model that reproduced the "
    "record would show"
)


def _share_of_ceiling(model_skill: Mapping[str, float], record_skill: Mapping[str, float]) -> float:
    """The model's skill over its null as a share of the record's skill over its null (nan when the record has none).

    >>> _share_of_ceiling({"value": 0.1}, {"value": 0.4})
    0.25
    >>> import math; math.isnan(_share_of_ceiling({"value": 0.1}, {"value": 0.0}))
    True
    """
    top = float(record_skill["value"])
    return float(model_skill["value"]) / top if top > 0 else math.nan


def pattern_def(p: Any, steps: int) -> dict[str, Any]:
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
        # the clauses added later are stored only when a pattern uses them (earlier results keep their shape)
        **{
            k: v
            for k, v in (
                ("receiver", p.receiver),
                ("at_most", p.at_most),
                ("after", p.after),
                ("deal", p.deal.model_dump(mode="json", by_alias=True) if p.deal is not None else None),
                ("order", p.order.model_dump(mode="json") if p.order is not None else None),
            )
            if v is not None
        },
    }
