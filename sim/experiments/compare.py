"""Two backtests of one case compared seed by seed: did a change of parameters (or of the engine) raise the skill?

Every backtest scores its runs on seeds derived from ``--seed`` alone (run i
gets the same seed whatever ``--runs`` is), so two backtests made with the
same ``--seed`` share their seeds. The skill of one seed is its model run's
score minus its null run's; the change of skill is the mean of the per-seed
differences, with a Student-t 95% interval. Pairing removes the part of
the two skills' spread that comes from the seeds themselves: on 200 seeds of
hanoi-2019 the interval of a change of one parameter was ±0.02 to ±0.04
wide, against about ±0.04 for the difference of two skills from unrelated
seeds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from summitry.sim.errors import RunDirError
from summitry.sim.experiments.backtest import paired_skill
from summitry.sim.scenario.document import Scenario

RUN_COLUMNS = ("seed", "model", "score")


@dataclass
class EarlierBacktest:
    """A saved backtest (``summitry backtest --out DIR``): its backtest.json and the seed, ensemble and score of each run."""

    directory: Path
    summary: dict[str, Any]
    runs: pd.DataFrame


def _fail(directory: Path, problem: str) -> RunDirError:
    return RunDirError(f"--compare {directory}: {problem}")


def load_earlier(directory: str | Path, scenario: Scenario, seed: int) -> EarlierBacktest:
    """Read a backtest directory to compare with, and check it can be paired with a backtest of ``scenario`` at ``seed``.

    It must be a backtest of the same case, scored against the same patterns
    (ids and weights, in order), and made with the same ``--seed``; anything
    else is a :class:`RunDirError` naming the directory and what differs, raised
    before any run is made.
    """
    d = Path(directory)
    if not d.is_dir():
        raise _fail(d, "no such directory")
    path = d / "backtest.json"
    if not path.is_file():
        raise _fail(d, "not a backtest directory (no backtest.json; make one with `summitry backtest CASE --out DIR`)")
    try:
        summary = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(d, f"backtest.json cannot be read ({exc})") from None
    if not isinstance(summary, dict):
        raise _fail(d, "backtest.json does not hold a backtest's summary")
    name = summary.get("scenario")
    if name != scenario.name:
        raise _fail(d, f"a backtest of {name!r}, not of {scenario.name!r}")
    theirs = [(p.get("id"), p.get("weight")) for p in summary.get("patterns") or [] if isinstance(p, dict)]
    mine = [(p.id, p.weight) for p in scenario.patterns]
    if theirs != mine:
        raise _fail(d, f"scored against other patterns (id, weight): {theirs} against this scenario's {mine}")
    if summary.get("seed") != seed:
        raise _fail(d, f"made with --seed {summary.get('seed')}; pass --seed {summary.get('seed')} so that the runs pair by seed")
    runs_path = d / "runs.parquet"
    if not runs_path.is_file():
        raise _fail(d, "no runs.parquet (the per-run scores a comparison pairs)")
    try:
        runs = pd.read_parquet(runs_path, columns=list(RUN_COLUMNS))
    except Exception as exc:  # a truncated file, or one that is not Parquet, or lacks a column
        raise _fail(d, f"runs.parquet cannot be read ({exc})") from None
    return EarlierBacktest(d, summary, runs)


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


def compare(runs: pd.DataFrame, earlier: EarlierBacktest) -> dict[str, Any]:
    """This backtest's skill minus the earlier one's, paired by seed, with what the earlier one was (JSON-ready).

    ``change`` holds ``value``, ``low``, ``high`` (Student-t 95%) and ``runs``
    (the seeds both backtests scored); seeds only one of them ran are left out.
    """
    change = paired_skill(seed_skill(runs), seed_skill(earlier.runs), "skill")
    if change["runs"] < 2:
        raise _fail(earlier.directory, f"{change['runs']} seed(s) in common with this backtest; a paired comparison needs at least 2")
    before = (earlier.summary.get("overall") or {}).get("skill") or {}
    return {
        "against": str(earlier.directory),
        "against_overrides": earlier.summary.get("overrides") or {},
        "against_skill": {k: before.get(k, math.nan) for k in ("value", "low", "high")},
        "change": change,
    }
