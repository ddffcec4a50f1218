"""Two backtests of one case compared seed by seed: did a change of parameters (or of the engine) raise the skill?

Every backtest scores its runs on seeds derived from ``--seed`` alone (run i
gets the same seed whatever ``--runs`` is), so two backtests made with the
same ``--seed`` share their seeds. The skill of one seed is its model run's
score minus its null run's; the change of skill is the mean of the per-seed
differences over the seeds both backtests scored, with a Student-t 95%
interval, beside each backtest's own skill over those same seeds. Pairing
removes the part of the two skills' spread that comes from the seeds
themselves: on hanoi-2019 the interval of a change of one parameter was
±0.02 to ±0.04 wide on 200 seeds and ±0.015 on 500, against about ±0.04 and
±0.027 for the difference of two skills from unrelated seeds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from summitry.sim.errors import RunDirError
from summitry.sim.experiments.backtest import contributions, pattern_def, run_seeds
from summitry.sim.outputs import unreadable
from summitry.sim.results.run_result import _jsonable
from summitry.sim.scenario.document import Scenario
from summitry.sim.scenario.pattern_fields import Pattern
from summitry.sim.stats import mean_t

RUN_COLUMNS = ("seed", "model", "score")


@dataclass
class EarlierBacktest:
    """A saved backtest (``summitry backtest --out DIR``): its backtest.json and the seed, ensemble and score of each run."""

    directory: Path
    summary: dict[str, Any]
    runs: pd.DataFrame


def _fail(directory: Path, problem: str) -> RunDirError:
    return RunDirError(f"--compare {directory}: {problem}")


def _is_number(v: Any) -> bool:
    return v is None or (isinstance(v, int | float) and not isinstance(v, bool))


def _check_summary(d: Path, summary: Any, scenario: Scenario, seed: int, runs: int | None = None) -> dict[str, Any]:
    """backtest.json's fields a comparison reads, each of the shape a backtest writes; the first problem is raised."""
    if not isinstance(summary, dict):
        raise _fail(d, "backtest.json does not hold a backtest's summary")
    name = summary.get("scenario")
    if name != scenario.name:
        raise _fail(d, f"a backtest of {name!r}, not of {scenario.name!r}")
    rows = summary.get("patterns")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise _fail(d, "backtest.json: patterns is not a list of the patterns' definitions")
    # the same yardstick: every field of every pattern's definition (windows, tolerances, weights, ...), in order
    mine = [json.loads(json.dumps(_jsonable(pattern_def(p, scenario.time.steps)))) for p in scenario.patterns]
    theirs = [{k: r.get(k) for k in m} for r, m in zip(rows, mine, strict=False)]
    if len(rows) != len(mine) or theirs != mine:
        diff = next(
            (f"pattern {i + 1} ({m['id']!r})" for i, (t, m) in enumerate(zip(theirs, mine, strict=False)) if t != m),
            "the number of patterns",
        )
        raise _fail(d, f"scored against other patterns than this scenario's ({diff} differs)")
    their_seed = summary.get("seed")
    if not isinstance(their_seed, int) or isinstance(their_seed, bool):
        raise _fail(d, f"backtest.json: seed is {their_seed!r}, not a whole number")
    if their_seed != seed:
        raise _fail(d, f"made with --seed {their_seed}; pass --seed {their_seed} so that the runs pair by seed")
    skill = (summary.get("overall") or {}).get("skill") if isinstance(summary.get("overall"), dict) else None
    if not isinstance(skill, dict) or not all(_is_number(skill.get(k)) for k in ("value", "low", "high")):
        raise _fail(d, "backtest.json: overall.skill is not {value, low, high} as a backtest writes it")
    if not isinstance(summary.get("overrides", {}), dict):
        raise _fail(d, "backtest.json: overrides is not a mapping of parameter paths to values")
    their_runs = summary.get("runs")
    if not isinstance(their_runs, int) or isinstance(their_runs, bool):
        raise _fail(d, f"backtest.json: runs is {their_runs!r}, not a whole number")
    if runs is not None and their_runs != runs:
        # the null model's rates are fitted to the whole model ensemble, so another size gives another null model even
        # for the same model: on hanoi-2019 a 300-run backtest of the shipped model scored +0.016 [+0.007, +0.026]
        # against the 500-run one on the seeds both scored
        raise _fail(
            d,
            f"made with --runs {their_runs}, this one with --runs {runs}: each backtest fits its null model's rates to its whole "
            f"ensemble, so backtests of different sizes differ by their null models even for the same model; pass --runs {their_runs}",
        )
    return summary


def _check_runs(d: Path, runs: pd.DataFrame) -> pd.DataFrame:
    """runs.parquet's seed, model, score and pattern columns, with the types and the uniqueness a backtest writes."""
    if not pd.api.types.is_integer_dtype(runs["seed"]):
        raise _fail(d, "runs.parquet: the seed column does not hold whole numbers")
    for col in [c for c in runs.columns if c == "score" or c.startswith("pattern.")]:
        if not pd.api.types.is_numeric_dtype(runs[col]) or pd.api.types.is_bool_dtype(runs[col]):
            raise _fail(d, f"runs.parquet: the {col} column does not hold numbers")
    twice = runs.duplicated(["seed", "model"])
    if twice.any():
        row = runs[twice].iloc[0]
        raise _fail(d, f"runs.parquet: the {row['model']!r} ensemble has seed {row['seed']} more than once")
    return runs


def load_earlier(directory: str | Path, scenario: Scenario, seed: int, runs: int) -> EarlierBacktest:
    """Read a backtest directory to compare with, and check it can be paired with ``runs`` runs of ``scenario`` at ``seed``.

    It must be a backtest of the same case, scored against the same patterns
    (every field of their definitions), made with the same ``--seed`` and
    ``--runs`` (each backtest fits its null model to its whole ensemble), and
    have at least two of this backtest's seeds scored by both its model and
    its null model. Anything else, or a file of another shape than a backtest
    writes, is a :class:`RunDirError` naming the directory and the problem,
    raised before any run is made.
    """
    d = Path(directory)
    if not d.is_dir():
        raise _fail(d, "no such directory")
    reason = unreadable(d)
    if reason:
        raise _fail(d, f"cannot read the directory ({reason})")
    path = d / "backtest.json"
    if not path.is_file():
        raise _fail(d, "not a backtest directory (no backtest.json; make one with `summitry backtest CASE --out DIR`)")
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(d, f"backtest.json cannot be read ({exc})") from None
    summary = _check_summary(d, data, scenario, seed, runs)
    runs_path = d / "runs.parquet"
    if not runs_path.is_file():
        raise _fail(d, "no runs.parquet (the per-run scores a comparison pairs)")
    try:
        frame = pd.read_parquet(runs_path, columns=[*RUN_COLUMNS, *(f"pattern.{p.id}" for p in scenario.patterns)])
    except Exception as exc:  # a truncated file, or one that is not Parquet, or lacks a column
        raise _fail(d, f"runs.parquet cannot be read ({exc})") from None
    earlier = EarlierBacktest(d, summary, _check_runs(d, frame))
    common = set(seed_skill(earlier.runs)["seed"].tolist()) & set(run_seeds(seed, runs))
    if len(common) < 2:
        raise _fail(
            d, f"{len(common)} of this backtest's seeds scored there by both the model and the null model; a paired comparison needs 2"
        )
    return earlier


def seed_skill(runs: pd.DataFrame) -> pd.DataFrame:
    """Each seed's skill: its model run's score minus its null run's (seeds where either is missing are left out).

    >>> runs = pd.DataFrame({"seed": [1, 2, 1, 2], "model": ["model", "model", "null", "null"], "score": [0.5, 0.7, 0.25, 0.5]})
    >>> seed_skill(runs).to_dict("list")
    {'seed': [1, 2], 'skill': [0.25, 0.19999999999999996]}
    """
    model = runs[runs["model"] == "model"].set_index("seed")["score"]
    null = runs[runs["model"] == "null"].set_index("seed")["score"]
    skill = (model - null.reindex(model.index)).dropna()
    return pd.DataFrame({"seed": skill.index.to_numpy(), "skill": skill.to_numpy(dtype=float)})


def pattern_skill(runs: pd.DataFrame, patterns: Sequence[Pattern]) -> pd.DataFrame:
    """Per seed (the index), each pattern's part of the seed's skill: its part of the model run's weighted score
    minus its part of the null run's (:func:`~summitry.sim.experiments.backtest.contributions`). Over the
    patterns a seed's parts sum to its skill (:func:`seed_skill`); seeds without both runs are left out.
    """
    model, null = (runs[runs["model"] == m] for m in ("model", "null"))
    mine, theirs = contributions(model, patterns), contributions(null, patterns)
    seeds = mine.index.intersection(theirs.index)
    return mine.loc[seeds] - theirs.loc[seeds]


def compare(runs: pd.DataFrame, earlier: EarlierBacktest, patterns: Sequence[Pattern] = ()) -> dict[str, Any]:
    """This backtest against an earlier one over the seeds both scored (JSON-ready).

    ``skill`` and ``against_skill`` are each backtest's mean per-seed skill over
    those seeds, and ``change`` the mean of their per-seed differences (this
    minus earlier), each with a Student-t 95% interval; so ``change.value`` is
    ``skill.value - against_skill.value``. Seeds only one of them scored are
    left out. With the case's ``patterns`` (scored in both), ``by_pattern``
    splits the change: one row per pattern, in the case's order, with the mean
    per-seed change of its part of the skill (:func:`pattern_skill`) and its
    interval; the values sum to ``change.value`` over the seeds where every run
    has a pattern that applies.
    """
    both = seed_skill(runs).merge(seed_skill(earlier.runs), on="seed", suffixes=("", "_earlier"))
    if len(both) < 2:
        raise _fail(earlier.directory, f"{len(both)} seed(s) scored by both backtests; a paired comparison needs 2")
    now, before = both["skill"].to_numpy(), both["skill_earlier"].to_numpy()
    out: dict[str, Any] = {
        "against": str(earlier.directory),
        "against_overrides": dict(earlier.summary.get("overrides") or {}),
        "seeds": len(both),
        "skill": mean_t(now),
        "against_skill": mean_t(before),
        "change": mean_t(now - before),
    }
    if patterns:
        mine, theirs = pattern_skill(runs, patterns), pattern_skill(earlier.runs, patterns)
        seeds = mine.index.intersection(theirs.index)
        diff = mine.loc[seeds] - theirs.loc[seeds]
        out["by_pattern"] = [{"id": p.id, **mean_t(diff[p.id].to_numpy(dtype=float))} for p in patterns]  # in the case's order
    return out
