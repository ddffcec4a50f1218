"""Parameter sweeps: spec -> design -> executor -> store (EMA Workbench's split).

* **Spec**, **design** and **seeds** (:mod:`summitry.sim.experiments.spec`): the spec file,
  validated like scenarios; grid, Latin hypercube, Saltelli and Morris designs;
  run ``(point, replicate)`` gets ``SeedSequence(sweep seed,
  spawn_key=(point, replicate))`` — never worker identity or completion order.
* **Executors** (:mod:`summitry.sim.experiments.executors`): serial, local processes, Dask
  (a ``LocalCluster`` or any ``tcp://`` scheduler); runs are batched into tasks.
* **Store** (:mod:`summitry.sim.experiments.store`): ``sweep.json`` plus
  ``runs/part-NNNNNN.parquet``, one part per batch, each written to a temporary
  name and renamed, so a killed sweep resumes with no run lost and none duplicated.
  This module runs the tasks, checks each batch a worker returns, and hands it to the store.

Analysis (:mod:`summitry.sim.analysis.sweeps`) reads the store only.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from summitry.sim.analysis.patterns import score_run, weighted_score
from summitry.sim.analysis.sweeps import load_runs, sensitivity
from summitry.sim.errors import InputError
from summitry.sim.experiments.spec import METRICS, LoadedSpec, SweepSpec, design_matrix, run_seed
from summitry.sim.experiments.store import count_rows, done_batches, open_store, start_manifest, store_batch, write_manifest
from summitry.sim.results.run_result import RunResult
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import apply_overrides, validate_data

# -------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class Task:
    """A batch of runs: everything a worker needs, small enough to ship."""

    batch: int
    spec_json: str
    scenario_json: str
    scenario_source: str
    runs: tuple[tuple[int, int, int, int, tuple[float, ...]], ...]  # run_id, point, replicate, seed, values


_SCENARIOS: dict[str, dict[str, Any]] = {}


def _metric_row(result: RunResult, summit_sides: list[str]) -> dict[str, float]:
    m = result.manifest["metrics"]
    trust = list(m["final_trust"].values())
    stages = m.get("agreement_stages") or {}
    pressure = m["final_pressure"]

    def num(v: Any) -> float:
        if v is None:
            return math.nan
        return float(v)

    return {
        "summit_held": num(m["summit_held"]),
        "first_summit_week": num(m["first_summit_week"]),
        "summits": num(m["summits"]),
        "cancellations": num(m["cancellations"]),
        "reinstated": num(m["reinstated"]),
        "walk_away": num(m["walk_away"]),
        "agreement": 1.0 if result.outcome.startswith("agreement") else 0.0,
        "agreement_week": num(m["agreement_week"]),
        "time_to_agreement": num(m["time_to_agreement"]),
        # life after an agreement (ODD 7.20): whether the latest agreement was ratified, implemented, broken
        "agreement_ratified": 1.0 if "ratified" in stages else 0.0,
        "agreement_implemented": 1.0 if "implemented" in stages else 0.0,
        "agreement_collapsed": 1.0 if "collapsed" in stages else 0.0,
        "escalation": num(m["escalation"]),
        "escalation_week": num(m["escalation_week"]),
        "moratorium_survival": num(m["moratorium_survival"]),
        "moratorium_censored": num(m["moratorium_censored"]),
        "steps_run": num(m["steps_run"]),
        "trust_a_to_b": num(trust[0]),
        "trust_b_to_a": num(trust[1]),
        "pressure_a": num(pressure[summit_sides[0]]),
        "pressure_b": num(pressure[summit_sides[1]]),
        "final_tension": num(m["final_tension"]),
        "final_zone_area": num(m["final_zone_area"]),
        "mean_zone_area": num(m["mean_zone_area"]),
        "hardliner_influence": num(m["hardliner_influence"]),
        "signals_sent": num(m["signals_sent"]),
    }


def run_task(task: Task) -> tuple[int, pa.Table, pa.Table | None]:
    """Run a batch (in any process); failures become rows with their error."""
    spec = SweepSpec.model_validate_json(task.spec_json)
    raw = _SCENARIOS.get(task.scenario_json)
    if raw is None:
        raw = json.loads(task.scenario_json)
        _SCENARIOS.clear()
        _SCENARIOS[task.scenario_json] = raw
    paths = list(spec.parameters)
    metrics = spec.metrics if spec.metrics is not None else list(METRICS)
    cols: dict[str, list[Any]] = {k: [] for k in ("run_id", "point", "replicate", "seed", "status", "error", "outcome", "elapsed")}
    pcols: dict[str, list[float]] = {p: [] for p in paths}
    mcols: dict[str, list[float]] = {m: [] for m in metrics}
    pattern_ids = [str(p["id"]) for p in raw.get("patterns") or []] if spec.patterns else []
    for pid in pattern_ids:
        mcols[f"pattern.{pid}"] = []
    if spec.patterns:
        mcols["pattern_score"] = []
    traj: list[pa.Table] = []
    for run_id, point, rep, seed, values in task.runs:
        t0 = time.perf_counter()
        overrides = dict(spec.fixed)
        overrides.update(dict(zip(paths, values, strict=True)))
        status, error, outcome = "ok", "", ""
        row: dict[str, float] = {}
        try:
            data = apply_overrides(raw, overrides, task.scenario_source)
            scenario = validate_data(data, task.scenario_source)
            result = run_scenario(
                scenario,
                seed=seed,
                steps=spec.steps,
                mode=spec.mode,
                series_stride=spec.trajectories.stride if spec.trajectories.keep else 1,
            )
            outcome = result.outcome
            row = _metric_row(result, result.manifest["summit_sides"])
            if spec.patterns:
                scores = score_run(result, scenario)
                row.update({f"pattern.{k}": float(v) for k, v in scores.items()})
                row["pattern_score"] = weighted_score(scores, scenario.patterns)
            if spec.trajectories.keep:
                t = result.series
                if spec.trajectories.variables:
                    t = t.filter(pc.is_in(t["variable"], pa.array(spec.trajectories.variables)))
                traj.append(t.add_column(0, "run_id", pa.array(np.full(t.num_rows, run_id, dtype=np.int64))))
        except Exception as exc:  # a failed run is data, not a crash
            status = "failed"
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
        cols["run_id"].append(run_id)
        cols["point"].append(point)
        cols["replicate"].append(rep)
        cols["seed"].append(seed)
        cols["status"].append(status)
        cols["error"].append(error)
        cols["outcome"].append(outcome)
        cols["elapsed"].append(time.perf_counter() - t0)
        for p, v in zip(paths, values, strict=True):
            pcols[p].append(float(v))
        for m in mcols:
            mcols[m].append(row.get(m, math.nan))
    arrays: dict[str, pa.Array] = {
        "run_id": pa.array(cols["run_id"], pa.int64()),
        "point": pa.array(cols["point"], pa.int64()),
        "replicate": pa.array(cols["replicate"], pa.int32()),
        "seed": pa.array(cols["seed"], pa.int64()),
        "status": pa.array(cols["status"], pa.string()),
        "error": pa.array(cols["error"], pa.string()),
        "outcome": pa.array(cols["outcome"], pa.string()),
    }
    for p in paths:
        arrays[f"param.{p}"] = pa.array(pcols[p], pa.float64())
    for m in mcols:
        arrays[f"metric.{m}"] = pa.array(mcols[m], pa.float64())
    arrays["elapsed"] = pa.array(cols["elapsed"], pa.float64())
    trajectories = pa.concat_tables(traj) if traj else None
    return task.batch, pa.table(arrays), trajectories


# -------------------------------------------------------------------- store


def batches(loaded: LoadedSpec, X: np.ndarray) -> list[list[tuple[int, int, int, int, tuple[float, ...]]]]:
    """Every run of the design, grouped into fixed batches (independent of the executor)."""
    spec = loaded.spec
    runs = []
    for point in range(X.shape[0]):
        values = tuple(float(v) for v in X[point])
        for rep in range(spec.replicates):
            run_id = point * spec.replicates + rep
            runs.append((run_id, point, rep, run_seed(spec.seed, point, rep), values))
    B = spec.batch_size
    return [runs[i : i + B] for i in range(0, len(runs), B)]


@dataclass
class SweepSummary:
    total: int
    done: int
    failed: int
    skipped: int
    outcomes: Counter[str]
    elapsed: float


def run_sweep(
    loaded: LoadedSpec,
    out: Path,
    executor: Any,
    resume: bool = False,
    progress: Callable[[int, int, Counter[str], int], None] | None = None,
) -> SweepSummary:
    """Run (or resume) a sweep into ``out``; returns counts. Results stream to disk.

    The executor is the caller's: it is used, never closed here (use it as a
    context manager), so one pool can serve several sweeps.
    """
    out = Path(out)
    X = design_matrix(loaded)
    all_batches = batches(loaded, X)
    total = sum(len(b) for b in all_batches)
    started = open_store(out, loaded, resume, [[run[0] for run in b] for b in all_batches])
    done = done_batches(out)
    manifest = start_manifest(loaded, X, total, started, executor.name)
    write_manifest(out, manifest)
    spec_json, scenario_json = _task_documents(loaded)
    sent: dict[int, Task] = {}

    def todo_tasks() -> Iterator[Task]:
        for i, b in enumerate(all_batches):
            if i not in done:
                task = Task(i, spec_json, scenario_json, loaded.scenario_source, tuple(b))
                sent[i] = task
                yield task

    todo = todo_tasks()
    schema = expected_schema(spec_json, scenario_json)
    skipped = sum(len(all_batches[i]) for i in done if i < len(all_batches))
    outcomes: Counter[str] = Counter()
    failed = 0
    completed = skipped
    t0 = time.perf_counter()
    if progress:
        progress(completed, total, outcomes, failed)
    for result in executor.map_unordered(run_task, todo):
        # every result is checked before it enters the store: a worker (or a scheduler) is not trusted to send
        # back only the rows it was asked for
        batch, table, traj = check_batch_result(result, sent, schema)
        del sent[batch]
        store_batch(out, batch, table, traj)
        completed += table.num_rows
        statuses = table["status"].to_pylist()
        failed += statuses.count("failed")
        outcomes.update(o for o, s in zip(table["outcome"].to_pylist(), statuses, strict=True) if s == "ok")
        if progress:
            progress(completed, total, outcomes, failed)
    counts = _close_manifest(out, manifest, loaded, X, total)
    return SweepSummary(total, counts["done"], counts["failed"], skipped, outcomes, time.perf_counter() - t0)


def _task_documents(loaded: LoadedSpec) -> tuple[str, str]:
    """The resolved spec and the scenario as the JSON every task carries (so a worker needs no file)."""
    spec_json = loaded.spec.model_copy(
        update={
            "parameters": dict(zip(loaded.paths, loaded.spec.parameters.values(), strict=True)),
            "fixed": loaded.fixed,
            "metrics": loaded.metrics,
        }
    ).model_dump_json()
    # key order matters: it is the order of sides and actors, and so of the random draws
    return spec_json, json.dumps(loaded.scenario_data, default=str)


def _close_manifest(out: Path, manifest: dict[str, Any], loaded: LoadedSpec, X: np.ndarray, total: int) -> dict[str, int]:
    """sweep.json with the stored counts, and once every run is stored its finishing time and sensitivity indices."""
    counts = count_rows(out)
    manifest["counts"] = {"total": total, "done": counts["done"], "failed": counts["failed"]}
    manifest["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds") if counts["done"] == total else None
    if counts["done"] == total and loaded.spec.design in ("sobol", "morris"):
        manifest["sensitivity"] = sensitivity(load_runs(out), loaded, X)
    write_manifest(out, manifest)
    return counts


class WorkerResultError(InputError):
    """A result from a worker that is not what this sweep asked for (a forged or corrupted batch); nothing of it is stored."""


_OUTCOME_ID = re.compile(r"[a-z][a-z_]{0,63}")


def expected_schema(spec_json: str, scenario_json: str) -> pa.Schema:
    """The columns (names and types) of a batch's runs table, as :func:`run_task` builds it."""
    spec = SweepSpec.model_validate_json(spec_json)
    metrics = list(spec.metrics if spec.metrics is not None else METRICS)
    if spec.patterns:
        raw = json.loads(scenario_json)
        metrics += [f"pattern.{p['id']}" for p in raw.get("patterns") or []] + ["pattern_score"]
    fields = [
        ("run_id", pa.int64()),
        ("point", pa.int64()),
        ("replicate", pa.int32()),
        ("seed", pa.int64()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("outcome", pa.string()),
    ]
    fields += [(f"param.{p}", pa.float64()) for p in spec.parameters]
    fields += [(f"metric.{m}", pa.float64()) for m in metrics]
    fields.append(("elapsed", pa.float64()))
    return pa.schema(fields)


def check_batch_result(result: Any, sent: Mapping[int, Task], schema: pa.Schema) -> tuple[int, pa.Table, pa.Table | None]:
    """A worker's (batch, runs, trajectories) checked against the batch this sweep sent, before anything is stored.

    The batch must be one sent and not yet received; the runs table must have exactly the expected
    columns and types, one row per run of the batch (its run ids, points, replicates, seeds and
    parameter values), a known status, an outcome that is an identifier, finite elapsed times; the
    trajectories, if any, must belong to the batch's runs. Anything else raises WorkerResultError.

    >>> check_batch_result("not a result", {}, pa.schema([]))
    Traceback (most recent call last):
    ...
    sim.experiments.sweep.WorkerResultError: a worker returned a result of the wrong shape (str); nothing of it was stored
    """

    def bad(batch: Any, problem: str) -> WorkerResultError:
        return WorkerResultError(
            f"a worker returned batch {batch!r} that this sweep did not ask for as sent: {problem}; nothing of it was stored"
        )

    if not (isinstance(result, tuple) and len(result) == 3):
        raise WorkerResultError(f"a worker returned a result of the wrong shape ({type(result).__name__}); nothing of it was stored")
    batch, table, traj = result
    if isinstance(batch, bool) or not isinstance(batch, int) or batch not in sent:
        raise bad(batch, "no such batch is waiting for its result")
    task = sent[batch]
    if not isinstance(table, pa.Table):
        raise bad(batch, f"the runs are a {type(table).__name__}, not a table")
    if not table.schema.equals(schema):
        raise bad(batch, "its columns are not the sweep's columns (names or types differ)")
    if table.num_rows != len(task.runs):
        raise bad(batch, f"{table.num_rows} rows for {len(task.runs)} runs")
    want = {run_id: (point, rep, seed, tuple(values)) for run_id, point, rep, seed, values in task.runs}
    cols = table.to_pydict()
    params = [c for c in schema.names if c.startswith("param.")]
    seen: set[int] = set()
    for i, run_id in enumerate(cols["run_id"]):
        if run_id not in want or run_id in seen:
            raise bad(batch, f"run id {run_id} is not one of the batch's runs (or appears twice)")
        seen.add(run_id)
        point, rep, seed, values = want[run_id]
        if (cols["point"][i], cols["replicate"][i], cols["seed"][i]) != (point, rep, seed):
            raise bad(batch, f"run {run_id} has the wrong point, replicate or seed")
        if tuple(cols[p][i] for p in params) != tuple(float(v) for v in values):
            raise bad(batch, f"run {run_id} has parameter values other than those sent")
        status, outcome = cols["status"][i], cols["outcome"][i]
        if status not in ("ok", "failed"):
            raise bad(batch, f"run {run_id} has the unknown status {str(status)[:40]!r}")
        if status == "ok" and not (isinstance(outcome, str) and _OUTCOME_ID.fullmatch(outcome)):
            raise bad(batch, f"run {run_id} has an outcome that is not an outcome name")
        elapsed = cols["elapsed"][i]
        if elapsed is None or not math.isfinite(elapsed) or elapsed < 0:
            raise bad(batch, f"run {run_id} has an impossible run time")
        if len(cols["error"][i] or "") > 2000:
            raise bad(batch, f"run {run_id} has an error text longer than a worker writes")
    if traj is not None:
        if not isinstance(traj, pa.Table) or "run_id" not in traj.column_names:
            raise bad(batch, "its trajectories are not a table of runs")
        if not set(traj["run_id"].to_pylist()) <= set(want):
            raise bad(batch, "its trajectories hold runs of another batch")
    return batch, table, traj
