"""Parameter recovery with honest coverage: does ABC-SMC's 90% interval hold the truth 90% of the time?

For each of ``--histories`` synthetic histories, parameters are drawn from
the priors of the teaching case's default calibration
(``sim.experiments.calibration.default_parameters``); the teaching case is run at them
(``--record-runs`` seeds) and a typical run becomes the history: the weeks of
its first summit_scheduled, summit_held and walk_away or agreement (an absent
pattern where there was none), and both leaders' trust in the other side at
mid-run and at the end. The history is then calibrated with
``summitry calibrate``'s defaults (ABC-SMC, the default method; no backtest)
and the weighted 5-95% interval of the last population is compared with the
truth.

Prints, per parameter, how much of the spread of the distances of the
prior draws to each history it explains (its identifiability, beside the
share that bins of no effect explain by chance), the coverage of the 90%
interval and its width as a share of the prior's, then
``coverage90 <min over parameters>`` and ``width_ratio <mean over parameters>``. Each history's rows are appended to
``OUT/recovery.csv`` as it finishes (written to a temporary name, then
renamed); ``--summarise`` prints the table of such a file alone.

Twenty default calibrations take over an hour on two cores, so the run is
resumable: run the same command with the same ``--out`` again and the
histories already in ``OUT/recovery.csv`` are kept, a calibration that was
cut short continues from its last stored generation, and the rest are run.
Each history is seeded by (``--seed``, its number) alone, so the file is the
one an uninterrupted run writes. ``OUT/recovery.json`` holds the settings; a
run with other settings is refused (exit 2) rather than mixed in.

    python benchmarks/recovery.py                      # 20 histories, default budget (long: see README)
    python benchmarks/recovery.py --histories 2 --population 10 --generations 2 --runs-per-particle 1
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError
from summitry.sim.experiments.calibration import default_parameters
from summitry.sim.experiments.calibration_smc import SMC_DEFAULTS, calibrate_smc
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import apply_overrides, load_raw, load_scenario, validate_data
from summitry.sim.scenario.overrides import parameter_map

CASE = "teaching"
OUTCOME_KINDS = ("walk_away", "agreement")
TRUST_HALF_WIDTH = 0.05


def draw_truth(priors: Mapping[str, tuple[float, float]], integer: Mapping[str, bool], seed: int, history: int) -> dict[str, float]:
    """Known parameters of one history: uniform on the priors, from SeedSequence(seed, history)."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(history,)))
    out = {}
    for path, (lo, hi) in priors.items():
        v = float(lo + rng.random() * (hi - lo))
        out[path] = float(round(v)) if integer[path] else float(f"{v:.6g}")
    return out


def _first(events: Sequence[Mapping[str, Any]], kind: str) -> int | None:
    return next((int(e["step"]) for e in events if e["kind"] == kind), None)


def _trust(series: pd.DataFrame, agent: str, variable: str, week: int) -> float:
    s = series[(series["agent"] == agent) & (series["variable"] == variable) & (series["step"] <= week)]
    return float(s.sort_values("step")["value"].iloc[-1])


def history_patterns(raw: Mapping[str, Any], truth: Mapping[str, float], source: str, runs: int, seed: int) -> list[dict[str, Any]]:
    """The patterns of a typical run at ``truth``: the modal outcome's run whose event weeks are nearest the medians."""
    sc = validate_data(apply_overrides(raw, truth, source), source)
    steps = sc.time.steps
    kinds = ("summit_scheduled", "summit_held", *OUTCOME_KINDS)
    found = []
    for s in range(runs):
        r = run_scenario(sc, seed=int(np.random.SeedSequence(entropy=seed, spawn_key=(s,)).generate_state(1)[0]), mode="free")
        ev = r.events.to_pylist()
        found.append((s, r.outcome, {k: _first(ev, k) for k in kinds}, r))
    modal = Counter(f[1] for f in found).most_common(1)[0][0]
    same = [f for f in found if f[1] == modal]
    med = {k: float(np.median([f[2][k] for f in same if f[2][k] is not None] or [0])) for k in kinds}

    def off(f: Any) -> float:
        return sum(abs(f[2][k] - med[k]) if f[2][k] is not None else 0.0 for k in kinds)

    _, _, weeks, run = min(same, key=lambda f: (off(f), f[0]))
    patterns: list[dict[str, Any]] = []
    for k in kinds:
        w = weeks[k]
        if w is None:
            patterns.append(
                {"id": f"no-{k}".replace("_", "-"), "text": f"No {k}", "kind": k, "window": [0, steps - 1], "absent": True, "tolerance": 0}
            )
        else:
            patterns.append({"id": k.replace("_", "-"), "text": f"{k} in week {w}", "kind": k, "window": [w, w], "tolerance": 3})
    series = run.series.to_pandas()
    a, b = sc.summit.sides
    for leader, other in ((sc.sides[a].leader.id, b), (sc.sides[b].leader.id, a)):
        for week in (steps // 2, steps - 1):
            v = _trust(series, leader, f"trust_{other}", week)
            patterns.append(
                {
                    "id": f"trust-{leader}-{week}",
                    "text": f"{leader}'s trust in {other} at week {week}",
                    "state": {
                        "agent": leader,
                        "variable": f"trust_{other}",
                        "measure": "mean",
                        "within": [max(0.0, v - TRUST_HALF_WIDTH), min(1.0, v + TRUST_HALF_WIDTH)],
                        "slack": 0.1,
                    },
                    "window": [week, week],
                }
            )
    return patterns


def resumed_rows(out: Path, settings: Mapping[str, Any]) -> list[dict[str, Any]] | str:
    """The rows of ``out/recovery.csv`` to keep, after checking (or first writing) ``out/recovery.json``; a message if the settings differ."""
    stamp = out / "recovery.json"
    if not stamp.exists():
        if (out / "recovery.csv").exists():
            return f"{out}: holds a recovery.csv without recovery.json; use another --out"
        write_atomically(stamp, lambda tmp: Path(tmp).write_text(json.dumps(dict(settings), sort_keys=True)))
        return []
    before = json.loads(stamp.read_text())
    changed = sorted(k for k in set(before) | set(settings) if before.get(k) != settings.get(k))
    if changed:
        k = changed[0]
        return f"{stamp}: {k} was {before.get(k)!r}, now {settings.get(k)!r}; resume with the same settings or use another --out"
    csv = out / "recovery.csv"
    return pd.read_csv(csv).to_dict("records") if csv.exists() else []


def coverage_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: the share of histories whose 5-95% interval holds the truth, and the interval's mean width over the prior's.

    ``rows`` has one row per (history, parameter): truth, q05, q95, low, high.
    """
    r = rows.assign(
        covered=(rows["q05"] <= rows["truth"]) & (rows["truth"] <= rows["q95"]),
        width=(rows["q95"] - rows["q05"]) / (rows["high"] - rows["low"]),
    )
    g = r.groupby("parameter", sort=True)
    table = pd.DataFrame(
        {"histories": g.size(), "covered": g["covered"].sum(), "coverage90": g["covered"].mean(), "width_ratio": g["width"].mean()}
    )
    ci = [wilson(int(k), int(n)) for k, n in zip(table["covered"], table["histories"], strict=True)]
    return table.assign(low=[c[0] for c in ci], high=[c[1] for c in ci])


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson 95% interval of a coverage of k in n (scipy's binomial test).

    >>> [round(v, 3) for v in wilson(13, 20)]
    [0.433, 0.819]
    """
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def report(table: pd.DataFrame) -> str:
    """The printed table (each coverage with its Wilson 95% interval), the pooled coverage, and the two closing lines."""
    lines = [f"{'parameter':<34} {'histories':>9} {'coverage90':>10} {'95% interval':>14} {'width_ratio':>11}"]
    for p, t in table.iterrows():
        interval = f"[{t['low']:.2f}, {t['high']:.2f}]"
        lines.append(f"{p!s:<34} {int(t['histories']):>9d} {t['coverage90']:>10.2f} {interval:>14} {t['width_ratio']:>11.2f}")
    k, n = int(table["covered"].sum()), int(table["histories"].sum())
    lo, hi = wilson(k, n)
    lines.append(f"pooled over parameters: {k} of {n} intervals hold the truth, {k / n:.3f} [{lo:.3f}, {hi:.3f}]")
    lines.append(f"coverage90 {table['coverage90'].min():.3f}")
    lines.append(f"width_ratio {table['width_ratio'].mean():.3f}")
    return "\n".join(lines)


QUANTILE_BINS = 5


def explained_share(x: np.ndarray, d: np.ndarray, bins: int = QUANTILE_BINS) -> float:
    """The share of the variance of ``d`` that the means of ``d`` within ``bins`` quantile bins of ``x`` explain (0 to 1).

    A parameter that the distance to the history does not depend on explains
    only the chance share of bins of a few hundred draws (:func:`chance_share`).

    >>> x = np.arange(100.0)
    >>> round(explained_share(x, x), 2), explained_share(x, np.ones(100))
    (0.96, 0.0)
    """
    var = float(np.var(d))
    if var <= 0:
        return 0.0
    q = pd.qcut(x, bins, labels=False, duplicates="drop")
    means = pd.Series(d).groupby(q).transform("mean").to_numpy()
    return float(np.var(means) / var)


def chance_share(d: np.ndarray, draws: int = 200, seed: int = 0, bins: int = QUANTILE_BINS) -> np.ndarray:
    """:func:`explained_share` of ``d`` by random bins of equal size: what a parameter with no effect explains."""
    rng = np.random.default_rng(seed)
    labels = np.arange(len(d)) % bins
    return np.array([explained_share(rng.permutation(labels).astype(float), d, bins) for _ in range(draws)])


def identifiability(out: Path) -> pd.DataFrame | None:
    """Per parameter, over the histories' calibrations in ``out`` (cal-N/populations.parquet): how much of the spread
    of generation 0's distances (prior draws, one run each) the parameter explains, and the chance level.

    A parameter near the chance level leaves the distance to a history as it
    is: no sampler can narrow its posterior, which then keeps about 0.9 of its
    prior's width. None when there are no populations to read.
    """
    shares: dict[str, list[float]] = {}
    chance: list[np.ndarray] = []
    for h, path in enumerate(sorted(out.glob("cal-*/populations.parquet"))):
        pop = pd.read_parquet(path)
        g0 = pop[pop["generation"] == 0]
        d = g0["distance"].to_numpy(dtype=float)
        for col in [c for c in g0.columns if c.startswith("param.")]:
            shares.setdefault(col.removeprefix("param."), []).append(explained_share(g0[col].to_numpy(dtype=float), d))
        chance.append(chance_share(d, seed=h))
    if not shares:
        return None
    pooled = np.concatenate(chance)
    table = pd.DataFrame({"explained": {k: float(np.mean(v)) for k, v in shares.items()}})
    return table.assign(chance=float(np.mean(pooled)), chance95=float(np.quantile(pooled, 0.95))).sort_index()


def identifiability_report(table: pd.DataFrame) -> str:
    lines = [
        f"identifiability: share of the prior draws' distance spread each parameter explains "
        f"(chance {table['chance'].iloc[0]:.3f}, its 95th percentile {table['chance95'].iloc[0]:.3f})"
    ]
    lines += [f"  {p!s:<34} {v:.3f}" for p, v in table["explained"].items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--histories", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--record-runs", type=int, default=15, help="runs at the truth from which the typical one is the history")
    ap.add_argument("--out", type=Path, default=None, help="keep the calibrations and recovery.csv here (default: a temporary directory)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--executor", default="local")
    for k, v in SMC_DEFAULTS.items():
        ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=v)
    ap.add_argument("--summarise", type=Path, default=None, help="print the table of an existing recovery.csv and stop")
    args = ap.parse_args(argv)
    if args.summarise is not None:
        ident = identifiability(args.summarise.parent)
        if ident is not None:
            print(identifiability_report(ident))
        print(report(coverage_table(pd.read_csv(args.summarise))))
        return 0
    if args.histories < 1:
        print("--histories: at least 1", file=sys.stderr)
        return 2
    tmp = tempfile.TemporaryDirectory(prefix="recovery-") if args.out is None else None
    out = Path(tmp.name) if tmp is not None else args.out
    out.mkdir(parents=True, exist_ok=True)
    raw, _, source = load_raw(CASE)
    sc = load_scenario(CASE)
    priors = default_parameters(sc)
    pmap = parameter_map(sc)
    integer = {k: bool(pmap[k][1].integer) for k in priors}
    cfg = {k: getattr(args, k) for k in SMC_DEFAULTS}
    print(f"recovery on {CASE}: {args.histories} histories, {len(priors)} parameters, ABC-SMC {json.dumps(cfg)}", flush=True)
    csv = out / "recovery.csv"
    settings = {"case": CASE, "seed": args.seed, "record_runs": args.record_runs, **cfg}
    kept = resumed_rows(out, settings)
    if isinstance(kept, str):
        print(kept, file=sys.stderr)
        return 2
    rows: list[dict[str, Any]] = kept
    done = {int(r["history"]) for r in rows}
    t0 = time.perf_counter()
    for h in range(args.histories):
        if h in done:
            print(f"history {h}: kept from {csv}", flush=True)
            continue
        truth = draw_truth(priors, integer, args.seed, h)
        record = dict(raw)
        record["name"] = f"{CASE}-history-{h}"
        record = apply_overrides(record, truth, source)
        record["patterns"] = history_patterns(raw, truth, source, args.record_runs, args.seed * 1000 + h)
        path = out / f"history-{h}.yaml"
        path.write_text(yaml.safe_dump(record, sort_keys=False))
        cal = out / f"cal-{h}"
        try:
            res = calibrate_smc(str(path), cal, priors, **cfg, seed=args.seed * 1000 + h, executor=args.executor,
                                workers=args.workers, backtest_runs=0, resume=(cal / "smc.json").exists())  # fmt: skip
        except InputError as err:  # e.g. a calibration cut short under an older scenario schema: nothing is deleted
            print(f"history {h}: {err}\n(move {cal} aside to start that history again)", file=sys.stderr)
            return 2
        mine = []
        for p, (lo, hi) in priors.items():
            post = res.posterior[p]
            mine.append({"history": h, "parameter": p, "truth": truth[p], "q05": post["q05"], "q95": post["q95"], "low": lo, "high": hi})
        rows += mine
        table = pd.DataFrame(rows)
        write_atomically(csv, lambda tmp, t=table: t.to_csv(tmp, index=False))
        covered = sum(r["q05"] <= r["truth"] <= r["q95"] for r in mine)
        print(f"history {h}: {covered}/{len(mine)} truths inside their 90% interval, {time.perf_counter() - t0:.0f} s so far", flush=True)
    ident = identifiability(out)
    if ident is not None:
        print(identifiability_report(ident))
    print(report(coverage_table(pd.DataFrame(rows))))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
