"""Analysis of stored sweeps: reads the Parquet store only, never runs anything.

Outcome probabilities with Wilson intervals, per design point or per level
of a parameter, and Sobol/Morris sensitivity indices (SALib).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from summitry.sim.errors import RunDirError
from summitry.sim.outputs import sweep_parts
from summitry.sim.stats import wilson


def load_manifest(sweep_dir: str | Path) -> dict[str, Any]:
    path = Path(sweep_dir) / "sweep.json"
    if not path.exists():
        raise RunDirError(f"{sweep_dir}: not a sweep directory (no sweep.json)")
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise RunDirError(f"{path}: cannot read ({exc})") from None
    return data


def load_runs(sweep_dir: str | Path) -> pd.DataFrame:
    """Every stored run of a sweep as a DataFrame (one row per run, sorted by run_id).

    Only summitry's parts are read (``runs/part-NNNNNN.parquet``, :func:`summitry.sim.outputs.sweep_parts`); another
    file there (``part-000003-copy.parquet``) is not. A run id stored twice is refused (RunDirError naming the parts):
    it would be counted twice.
    """
    runs = Path(sweep_dir) / "runs"
    parts = [p for _, p in sorted(sweep_parts(runs)[0].items())]
    if not parts:
        raise RunDirError(f"{sweep_dir}: no runs stored yet (runs/part-NNNNNN.parquet)")
    try:
        table = ds.dataset([str(p) for p in parts], format="parquet").to_table()
    except Exception as exc:  # corrupt or foreign files
        raise RunDirError(f"{runs}: cannot read the stored runs ({exc})") from None
    df = table.to_pandas()
    if "run_id" in df.columns and df["run_id"].duplicated().any():
        raise RunDirError(_stored_twice(parts, df))
    return df.sort_values("run_id").reset_index(drop=True)


def _stored_twice(parts: list[Path], df: pd.DataFrame) -> str:
    """The message for a store that holds a run twice: the first such run and the parts that hold it."""
    run_id = int(df.loc[df["run_id"].duplicated(), "run_id"].iloc[0])
    where = [str(p) for p in parts if (pq.read_table(p, columns=["run_id"])["run_id"].to_numpy() == run_id).any()]
    n = int(df["run_id"].duplicated().sum())
    held = " and ".join(where) if len(where) > 1 else f"{where[0]} (twice)"
    return (
        f"{Path(parts[0]).parent}: run {run_id} is stored in {held}"
        + (f", and {n - 1} other run{'s' if n > 2 else ''} more than once" if n > 1 else "")
        + "; each run must be stored once (a copy of a part?): move the part that is not the sweep's own out of runs/"
    )


OUTCOMES = ("agreement_comprehensive", "agreement_interim", "declaration", "walk_away", "escalation", "stalemate")


def outcome_table(runs: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Outcome probabilities with Wilson 95% intervals, per group (default: per design point)."""
    ok = runs[runs["status"] == "ok"]
    by = by or ["point"]
    rows = []
    for key, group in ok.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        n = len(group)
        row: dict[str, Any] = dict(zip(by, key, strict=True))
        row["runs"] = n
        counts = group["outcome"].value_counts()
        p, lo, hi = wilson(int(sum(v for k, v in counts.items() if str(k).startswith("agreement"))), n)
        row["agreement"], row["agreement_low"], row["agreement_high"] = p, lo, hi
        for outcome in OUTCOMES:
            p, lo, hi = wilson(int(counts.get(outcome, 0)), n)
            row[outcome] = p
            row[f"{outcome}_low"] = lo
            row[f"{outcome}_high"] = hi
        rows.append(row)
    return pd.DataFrame(rows)


def point_parameters(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per design point with its parameter values."""
    cols = [c for c in runs.columns if c.startswith("param.")]
    return runs.groupby("point", sort=True)[cols].first().reset_index()


def bootstrap_seed(sweep_seed: int) -> int:
    """The seed of the bootstrap behind a sweep's confidence values (``S1_conf``, ``ST_conf``, ``mu_star_conf``).

    SALib resamples with an unseeded generator unless it is given one, so the same stored runs gave other
    confidence values at each analysis. The seed comes from ``SeedSequence(sweep seed, spawn_key=(1,))``: a
    one-word key, never a run's ``(point, replicate)``. It is at least 1 and below 2**32 (SALib seeds only with
    a true value, and older versions through ``np.random.seed``).

    >>> bootstrap_seed(3) == bootstrap_seed(3) != bootstrap_seed(4)
    True
    """
    state = np.random.SeedSequence(entropy=sweep_seed, spawn_key=(1,)).generate_state(1, np.uint32)[0]
    return int(state >> np.uint32(1)) + 1


def sensitivity_indices(
    problem: dict[str, Any], design: str, X: np.ndarray, Y: np.ndarray, num_levels: int = 4, *, seed: int
) -> dict[str, dict[str, float]]:
    """Sobol (S1, ST with confidence) or Morris (mu_star with confidence, sigma) indices of Y over the design X.

    ``seed`` (at least 1) seeds the bootstrap of the confidence values: the same inputs give the same numbers.
    """
    if seed < 1:
        raise ValueError(f"the bootstrap's seed must be at least 1 (got {seed}): SALib leaves a seed of 0 unseeded")
    if design == "sobol":
        from SALib.analyze import sobol  # heavy (SALib): only for Sobol indices

        res = sobol.analyze(problem, Y, calc_second_order=False, print_to_console=False, seed=seed)
        return {
            name: {
                "S1": float(res["S1"][i]),
                "S1_conf": float(res["S1_conf"][i]),
                "ST": float(res["ST"][i]),
                "ST_conf": float(res["ST_conf"][i]),
            }
            for i, name in enumerate(problem["names"])
        }
    from SALib.analyze import morris  # heavy (SALib): only for Morris indices

    res = morris.analyze(problem, X, Y, num_levels=num_levels, print_to_console=False, seed=seed)
    return {
        name: {"mu_star": float(res["mu_star"][i]), "mu_star_conf": float(res["mu_star_conf"][i]), "sigma": float(res["sigma"][i])}
        for i, name in enumerate(problem["names"])
    }


def salib_problem(loaded: Any) -> dict[str, Any]:
    bounds = [[lo, hi if hi > lo else lo + 1e-12] for lo, hi in loaded.bounds]
    return {"num_vars": len(loaded.paths), "names": list(loaded.paths), "bounds": bounds}


def sensitivity(runs: pd.DataFrame, loaded: Any, X: np.ndarray) -> dict[str, Any]:
    """Indices of every metric (mean over replicates per point); metrics without variance are skipped.

    Their confidence values come from a bootstrap seeded by the sweep's seed (:func:`bootstrap_seed`), so the
    same stored runs always give the same ``sweep.json``.
    """
    problem = salib_problem(loaded)
    seed = bootstrap_seed(loaded.spec.seed)
    out: dict[str, Any] = {}
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point", sort=True)[[c for c in ok.columns if c.startswith("metric.")]].mean()
    means = means.reindex(range(X.shape[0]))
    for col in means.columns:
        Y = means[col].to_numpy(dtype=float)
        if not np.all(np.isfinite(Y)) or np.nanstd(Y) == 0:
            continue
        try:
            idx = sensitivity_indices(problem, loaded.spec.design, X, Y, loaded.spec.morris_levels, seed=seed)
        except (ValueError, ZeroDivisionError, FloatingPointError):
            continue
        out[col.removeprefix("metric.")] = {"method": loaded.spec.design, "indices": idx}
    return out
