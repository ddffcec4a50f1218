"""Joint fit of shared mechanism parameters across several cases, scored by the backtest's patterns.

The model's mechanism parameters (not any actor's traits) are shared by every
case, so they are fitted on all reference cases at once: a Latin hypercube
over their documented ranges, each point run on every case with the same
seeds, scored by the mean weighted pattern score of ``summitry backtest``
(sim/experiments/backtest.py), and ranked by the mean over cases. With ``--objective
skill`` a point is ranked by its skill instead: the model's score minus the
null model's on the same seeds, the null's rates estimated from the point's
own ensemble and corrected once with a pilot null ensemble (as the backtest
does), so a point gains only by getting the timing right, not by sending
more or fewer signals. With ``--objective targets`` (which needs a
``--history CASE=RESULT`` for every case) each case adds to its skill the
share of free runs and the share of forcing runs whose first summit ends as
history says (RESULT: ``declaration``, ``agreement`` or ``walk-away by
ACTOR``), so a point that times its signals well but gets the outcome wrong
does not win. The point, its
command and the per-case scores are what docs/ODD.md cites as the provenance
of calibrated defaults.

    python tools/joint_fit.py singapore-2018 hanoi-2019 --points 160 --seeds 16 --out fit.csv
    python tools/joint_fit.py singapore-2018 hanoi-2019 --rerun fit.csv --top 8 --seeds 40 --out rerun.csv
    python tools/joint_fit.py singapore-2018 hanoi-2019 --objective skill --points 60 --seeds 20 --out skill.csv
    python tools/joint_fit.py singapore-2018 hanoi-2019 --objective targets --history singapore-2018=declaration \
        --history "hanoi-2019=walk-away by trump" --points 60 --seeds 20 --out targets.csv
    python tools/joint_fit.py singapore-2018 hanoi-2019 --objective targets ... --vary kappa=0.5:4 --vary lambda_q=3:10
    python tools/joint_fit.py singapore-2018 hanoi-2019 --objective targets ... --rerun targets.csv --pick outcomes --top 6 --seeds 64

A targets fit also prints its points ranked by the outcome rule docs/ODD.md 7.22 chooses defaults by (the points
whose first summit ends as history says in at least 30% of free and 60% of forcing runs in every case, by the
cases' smaller skill); ``--pick outcomes`` re-scores those instead of the best by the summed score.

Results go to a CSV written atomically (a temporary name, then renamed).
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from summitry.sim.analysis.patterns import score_patterns, weighted_score
from summitry.sim.atomic import write_atomically
from summitry.sim.experiments.backtest import ensemble, estimate_null_rates, refine_null_rates, run_seeds
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Scenario, load_scenario

RANGES: dict[str, tuple[float, float]] = {
    "walk_audience": (0.0, 2.0),
    "walk_leverage": (0.0, 3.0),
    "declaration_value": (0.0, 3.0),
    "declaration_fatigue": (0.0, 1.0),
    "status_quo_weight": (0.0, 2.0),
    "renege_u": (0.1, 0.9),
    "lambda_q": (1.0, 20.0),
    "activity": (0.0, 2.0),
    "kappa": (0.5, 5.0),
    "alpha_p": (0.0, 0.8),
    "summit_weight": (0.0, 5.0),
    "summit_relief": (0.0, 2.0),
}


def first_summit_result(events: list[dict[str, Any]]) -> str:
    """How a run's first summit ended: 'declaration', 'agreement', 'walk-away by ACTOR', or 'no summit'."""
    held = [e["step"] for e in events if e["kind"] == "summit_held"]
    if not held:
        return "no summit"
    for e in events:
        if e["step"] == held[0]:
            if e["kind"] == "walk_away":
                return f"walk-away by {e['sender']}"
            if e["kind"] in ("declaration", "agreement"):
                return str(e["kind"])
    return "other"


def _skill_point(args: tuple[int, dict[str, float], list[str], int, dict[str, str]]) -> dict[str, Any]:
    """The point's skill on each case: model minus null (rates from the point's own ensemble) on the same seeds.

    With ``history`` (case -> result), each case's figure also adds the share of free and of forcing runs whose
    first summit ends as history says."""
    point, values, cases, n_seeds, history = args
    row: dict[str, Any] = {"point": point, **values}
    for name in cases:
        sc = _at_point(name, values)
        seeds = run_seeds(0, n_seeds)
        model = ensemble(sc, seeds)
        rates = estimate_null_rates(model)
        rates = refine_null_rates(rates, model, ensemble(sc, seeds, null_rates=rates))
        null = ensemble(sc, seeds, null_rates=rates)
        both = model.runs[["seed", "score"]].merge(null.runs[["seed", "score"]], on="seed", suffixes=("", "_null"))
        row[f"{name}.model"] = float(both["score"].mean())
        row[f"{name}.skill"] = float((both["score"] - both["score_null"]).mean())
        row[f"{name}.score"] = row[f"{name}.skill"]
        if name in history:
            for mode in ("free", "forcing"):
                hits = [first_summit_result(run_scenario(sc, seed=s, mode=mode).events.to_pylist()) == history[name] for s in seeds]
                row[f"{name}.{mode}"] = float(np.mean(hits))
                row[f"{name}.score"] += row[f"{name}.{mode}"]
    row["score"] = float(np.mean([row[f"{c}.score"] for c in cases]))
    return row


def _at_point(name: str, values: dict[str, float]) -> Scenario:
    base = load_scenario(name)
    return Scenario.model_validate({**base.model_dump(), "parameters": base.parameters.model_copy(update=values).model_dump()})


def _score_point(args: tuple[int, dict[str, float], list[str], int, dict[str, str]]) -> dict[str, Any]:
    point, values, cases, n_seeds, _ = args
    row: dict[str, Any] = {"point": point, **values}
    for name in cases:
        sc = _at_point(name, values)
        scores = []
        outcomes: dict[str, int] = {}
        for seed in run_seeds(0, n_seeds):
            result = run_scenario(sc, seed=seed)
            events = result.events.to_pylist()
            per = score_patterns(events, sc.patterns, result.series)
            scores.append(weighted_score(per, sc.patterns))
            outcomes[str(result.outcome)] = outcomes.get(str(result.outcome), 0) + 1
        row[f"{name}.score"] = float(np.nanmean(scores))
        for k, v in outcomes.items():
            row[f"{name}.outcome.{k}"] = v / n_seeds
    row["score"] = float(np.mean([row[f"{c}.score"] for c in cases]))
    return row


def rank_by_outcomes(df: pd.DataFrame, cases: list[str], free: float = 0.3, forcing: float = 0.6) -> pd.DataFrame:
    """The rule ODD 7.22 chooses defaults by: among the points whose first summit ends as history says in at least
    ``free`` of free runs and ``forcing`` of forcing runs in every case, the largest of the cases' smaller skill.

    Returns those points, best first, with a ``min_skill`` column (an empty frame when none qualifies).

    >>> df = pd.DataFrame({"point": [0, 1, 2], "a.skill": [0.2, 0.3, 0.5], "b.skill": [0.1, 0.2, 0.4],
    ...                    "a.free": [0.5, 0.4, 0.1], "b.free": [0.5, 0.6, 0.9], "a.forcing": [1, 1, 1], "b.forcing": [1, 0.9, 1]})
    >>> rank_by_outcomes(df, ["a", "b"])[["point", "min_skill"]].values.tolist()
    [[1.0, 0.2], [0.0, 0.1]]
    """
    ok = np.ones(len(df), dtype=bool)
    for c in cases:
        ok &= (df[f"{c}.free"] >= free).to_numpy() & (df[f"{c}.forcing"] >= forcing).to_numpy()
    out = df[ok].assign(min_skill=df[ok][[f"{c}.skill" for c in cases]].min(axis=1))
    return out.sort_values(["min_skill", "point"], ascending=[False, True])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="+", help="built-in scenario names or paths")
    ap.add_argument("--points", type=int, default=160)
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0, help="seed of the Latin hypercube")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", type=Path, default=Path("joint-fit.csv"))
    ap.add_argument("--rerun", type=Path, help="re-score the --top best points of this earlier fit's CSV (and point 0) with --seeds")
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument(
        "--pick",
        choices=("score", "outcomes"),
        default="score",
        help="which points --rerun takes: the best by score, or (a targets fit) by the outcome rule: the points whose "
        "first summit ends as history says in >= 30%% of free and >= 60%% of forcing runs in every case, by the cases' smaller skill",
    )
    ap.add_argument(
        "--objective",
        choices=("score", "skill", "targets"),
        default="score",
        help="rank points by the pattern score, by skill over the null model, or by skill plus the historical outcome's share",
    )
    ap.add_argument("--history", action="append", default=[], metavar="CASE=RESULT", help="how the case's first summit ended in history")
    ap.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="NAME=LO:HI",
        help="search only these parameters, in these bounds (a local fit around the shipped defaults); default: every RANGES entry",
    )
    a = ap.parse_args(argv)
    history = dict(h.split("=", 1) for h in a.history if "=" in h)
    if a.objective == "targets" and set(history) != set(a.cases):
        ap.error("--objective targets needs --history CASE=RESULT for every case")
    if a.objective == "skill":
        history = {}
    ranges = dict(RANGES)
    if a.vary:
        known = set(load_scenario(a.cases[0]).parameters.model_dump())
        ranges = {}
        for spec in a.vary:
            name, _, bounds = spec.partition("=")
            low, _, high = bounds.partition(":")
            try:
                ranges[name] = (float(low), float(high))
            except ValueError:
                ap.error(f"--vary {spec}: expected NAME=LO:HI with two numbers")
            if name not in known:
                ap.error(f"--vary {spec}: {name} is not a model parameter")
            if not ranges[name][0] < ranges[name][1]:
                ap.error(f"--vary {spec}: LO must be below HI")
    names = list(ranges)
    lo = np.array([ranges[n][0] for n in names])
    hi = np.array([ranges[n][1] for n in names])
    if a.rerun is not None and not a.rerun.is_file():
        ap.error(f"--rerun {a.rerun}: no such fit CSV")
    if a.rerun is not None:
        # the winner of a noisy search is optimistic: the best few are scored again on more seeds
        earlier = pd.read_csv(a.rerun).sort_values("score", ascending=False)
        if a.pick == "outcomes":
            missing = [c for c in a.cases if f"{c}.forcing" not in earlier]
            if missing:
                ap.error(f"--pick outcomes: {a.rerun} is not a targets fit of {', '.join(missing)} (no forcing shares)")
            earlier = rank_by_outcomes(earlier, a.cases)
        chosen = pd.concat([earlier.head(a.top), earlier[earlier["point"] == 0]]).drop_duplicates("point")
        tasks = [(int(r["point"]), {n: float(r[n]) for n in names if n in r}, a.cases, a.seeds, history) for _, r in chosen.iterrows()]
    else:
        design = qmc.scale(qmc.LatinHypercube(d=len(names), seed=a.seed).random(a.points), lo, hi)
        # the shipped defaults are point 0, so the fit can only report an improvement over them
        defaults = load_scenario(a.cases[0]).parameters
        points = [{n: float(getattr(defaults, n)) for n in names}] + [dict(zip(names, map(float, r), strict=True)) for r in design]
        tasks = [(i, v, a.cases, a.seeds, history) for i, v in enumerate(points)]
    rows = []
    with ProcessPoolExecutor(a.workers) as ex:
        for done, row in enumerate(ex.map(_score_point if a.objective == "score" else _skill_point, tasks), start=1):
            rows.append(row)
            # each point as it is scored (a long fit can be read, or stopped, before the end)
            print(f"{done}/{len(tasks)} points: " + " ".join(f"{k}={v:.4g}" for k, v in row.items()), file=sys.stderr, flush=True)
    print(file=sys.stderr)
    df = pd.DataFrame(rows).sort_values("score", ascending=False)
    write_atomically(a.out, lambda p: df.to_csv(p, index=False))
    with pd.option_context("display.width", 200, "display.max_columns", 40):
        print(df.head(8).round(3).to_string(index=False))
        print("shipped defaults (point 0):")
        print(df[df["point"] == 0].round(3).to_string(index=False))
        if a.objective == "targets":
            ranked = rank_by_outcomes(df, a.cases)
            print(f"by the outcome rule ({len(ranked)} of {len(df)} points qualify; --rerun ... --pick outcomes re-scores these):")
            print(ranked.head(8).round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
