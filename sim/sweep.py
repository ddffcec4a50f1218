"""Parameter sweeps: spec -> design -> executor -> store (EMA Workbench's split).

* **Spec** (:class:`SweepSpec`): YAML, validated like scenarios; parameter
  paths are checked against the scenario's parameter list when loaded.
* **Design** (:func:`design_matrix`): grid, Latin hypercube
  (``scipy.stats.qmc``), Saltelli (Sobol indices) and Morris samples (SALib).
* **Seeds**: run ``(point, replicate)`` gets ``SeedSequence(sweep seed,
  spawn_key=(point, replicate))`` — never worker identity or completion order.
* **Executors**: serial, local processes, Dask (a ``LocalCluster`` or any
  ``tcp://`` scheduler); runs are batched into tasks.
* **Store**: ``sweep.json`` plus ``runs/part-NNNNNN.parquet``, one part per
  batch, each written to a temporary name and renamed, so a killed sweep
  resumes with no run lost and none duplicated.

Analysis (:mod:`sim.sweep_analysis`) reads the store only.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import functools
import hashlib
import itertools
import json
import math
import multiprocessing as mp
import os
import re
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.atomic import write_atomically
from sim.errors import InputError, SweepSpecError
from sim.loading import Loc, close_matches, parse_document, read_text, validation_messages
from sim.outputs import check_out_dir, is_summitry_sweep_dir
from sim.overrides import canonical, parameter_map
from sim.patterns import score_run, weighted_score
from sim.run import RunResult, _jsonable, run_scenario, versions
from sim.scenario import apply_overrides, canonical_json, load_raw, validate_data
from sim.sweep_analysis import load_runs, salib_problem, sensitivity

DEFAULT_BATCH = 20

METRICS: tuple[str, ...] = (
    "summit_held",
    "first_summit_week",
    "summits",
    "cancellations",
    "reinstated",
    "walk_away",
    "agreement",
    "agreement_week",
    "time_to_agreement",
    "escalation",
    "escalation_week",
    "moratorium_survival",
    "moratorium_censored",
    "steps_run",
    "trust_a_to_b",
    "trust_b_to_a",
    "pressure_a",
    "pressure_b",
    "final_tension",
    "final_zone_area",
    "mean_zone_area",
    "hardliner_influence",
    "signals_sent",
)
"""Per-run metrics a sweep can keep (side a/b are the scenario's summit sides in order)."""


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ParameterRange(_Data):
    """A varied parameter: a range [low, high] or a list of levels."""

    low: float | None = Field(None, description="Lower end of the range.")
    high: float | None = Field(None, description="Upper end of the range.")
    levels: list[float] | None = Field(None, min_length=1, description="Explicit levels (grid) instead of a range.")

    @model_validator(mode="after")
    def _one_kind(self) -> ParameterRange:
        if self.levels is None:
            if self.low is None or self.high is None:
                raise ValueError("give low and high, or levels")
            if self.low > self.high:
                raise ValueError(f"low ({self.low}) must be <= high ({self.high})")
        elif self.low is not None or self.high is not None:
            raise ValueError("give either low/high or levels, not both")
        return self


class Trajectories(_Data):
    """Per-step trajectories to keep (off by default: they are large)."""

    keep: bool = Field(False, description="Write a trajectories dataset beside the runs.")
    stride: int = Field(1, ge=1, le=100_000, description="Keep every stride-th step.")
    variables: list[str] | None = Field(None, description="Series variables to keep (all when absent).")


class SweepSpec(_Data):
    """A sweep: which scenario, what varies, how it is sampled and replicated."""

    scenario: str = Field(min_length=1, description="Built-in scenario name or path (relative to the spec file).")
    parameters: dict[str, ParameterRange] = Field(min_length=1, description="Parameter path -> range or levels (see `summitry params`).")
    design: Literal["grid", "lhs", "sobol", "morris"] = Field(description="grid, lhs (Latin hypercube), sobol (Saltelli sampling), morris.")
    points: int = Field(
        10, ge=1, le=10_000_000, description="grid: levels per ranged parameter; lhs: points; sobol: base sample N; morris: trajectories."
    )
    replicates: int = Field(1, ge=1, le=100_000, description="Seeds per design point.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Sweep seed; every run's seed derives from it, the point and the replicate.")
    metrics: list[str] | None = Field(None, description="Metrics to keep (all when absent).")
    trajectories: Trajectories = Field(default_factory=Trajectories)
    mode: Literal["free", "forcing"] | None = Field(None, description="Run mode; the scenario's when absent.")
    steps: int | None = Field(
        None, ge=1, le=100_000, description="Steps per run (of the scenario's clock); the scenario's horizon when absent."
    )
    fixed: dict[str, float] = Field(default_factory=dict, description="Parameter overrides applied to every run.")
    batch_size: int = Field(DEFAULT_BATCH, ge=1, le=100_000, description="Runs per task (and per Parquet part).")
    morris_levels: int = Field(4, ge=2, le=20, description="Grid levels of the Morris design.")
    patterns: bool = Field(
        False,
        description="Also score each run against the scenario's historical patterns: "
        "columns metric.pattern.<id> (a score in [0, 1]; empty where the pattern does not apply) and metric.pattern_score "
        "(weighted; see sim.backtest).",
    )


@dataclass
class LoadedSpec:
    """A validated spec with its scenario and the resolved parameter paths."""

    spec: SweepSpec
    source: str
    scenario_data: dict[str, Any]
    scenario_source: str
    paths: list[str]
    bounds: list[tuple[float, float]]
    integer: list[bool]
    fixed: dict[str, float]
    metrics: list[str]

    @property
    def hash(self) -> str:
        payload = {"spec": self.spec.model_dump(mode="json"), "scenario": json.loads(json.dumps(self.scenario_data, default=str))}
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


# ------------------------------------------------------------------ loading


def load_spec(path: str | Path) -> LoadedSpec:
    """Read and validate a sweep spec, including its parameter paths against the scenario."""
    p = Path(path)
    source = str(path)
    text = read_text(p, "sweep spec", SweepSpecError)
    data, lines = parse_document(text, source, "sweep spec", SweepSpecError)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SweepSpecError(validation_messages(exc, source, lines)) from None
    return resolve_spec(spec, source, lines, base_dir=p.parent)


def _where(source: str, lines: Mapping[Loc, int], loc: Loc) -> str:
    while loc:
        if loc in lines:
            return f"{source}:{lines[loc]}"
        loc = loc[:-1]
    return source


def resolve_spec(spec: SweepSpec, source: str, lines: Mapping[Loc, int] | None = None, base_dir: Path | None = None) -> LoadedSpec:
    """Check a spec against its scenario: real parameter paths, ranges inside bounds, known metrics."""
    lines = lines if lines is not None else {}
    name = spec.scenario
    candidate = (base_dir / name) if base_dir is not None and not Path(name).is_absolute() else Path(name)
    target: str | Path = candidate if candidate.exists() else name
    try:
        raw, raw_lines, scen_source = load_raw(target)
        scenario = validate_data(raw, scen_source, raw_lines)
    except InputError as exc:
        where = _where(source, lines, ("scenario",))
        raise SweepSpecError([f"{where}: scenario: {m}" for m in exc.messages]) from None
    pmap = parameter_map(scenario)
    problems: list[str] = []
    paths: list[str] = []
    bounds: list[tuple[float, float]] = []
    integer: list[bool] = []
    for key, rng in spec.parameters.items():
        where = _where(source, lines, ("parameters", key))
        try:
            path = canonical(scenario, key, pmap)
        except KeyError:
            near = list(dict.fromkeys(close_matches(key, list(pmap) + [q.removeprefix("parameters.") for q in pmap], n=8)))[:5]
            hint = (
                f"; close matches: {', '.join(near)}"
                if near
                else f"; the scenario's parameters include {', '.join(list(pmap)[:8])}, ... (`summitry params {name}` lists all)"
            )
            problems.append(f"{where}: parameters.{key}: no such parameter in scenario {name}{hint}")
            continue
        info = pmap[path][1]
        values = rng.levels if rng.levels is not None else [rng.low, rng.high]
        for v in values:
            assert v is not None
            if not info.low <= v <= info.high:
                problems.append(f"{where}: parameters.{key}: {v:g} is outside the parameter's bounds [{info.low:g}, {info.high:g}]")
                break
        if path in paths:
            problems.append(f"{where}: parameters.{key}: names the same parameter as another entry ({path})")
        paths.append(path)
        finite = [float(v) for v in values if v is not None]
        bounds.append((min(finite), max(finite)))
        integer.append(info.integer)
    fixed: dict[str, float] = {}
    for key, value in spec.fixed.items():
        where = _where(source, lines, ("fixed", key))
        try:
            path = canonical(scenario, key, pmap)
        except KeyError:
            near = close_matches(key, list(pmap), n=3)
            problems.append(f"{where}: fixed.{key}: no such parameter{'; close matches: ' + ', '.join(near) if near else ''}")
            continue
        info = pmap[path][1]
        if not info.low <= value <= info.high:
            problems.append(f"{where}: fixed.{key}: {value:g} is outside the parameter's bounds [{info.low:g}, {info.high:g}]")
        if path in paths:
            problems.append(f"{where}: fixed.{key}: is also varied")
        fixed[path] = value
    metrics = list(spec.metrics) if spec.metrics is not None else list(METRICS)
    for i, m in enumerate(metrics):
        if m not in METRICS:
            near = close_matches(m, METRICS, n=3)
            problems.append(
                f"{_where(source, lines, ('metrics', i))}: metrics[{i}]: unknown metric {m!r}{'; did you mean ' + ', '.join(near) if near else '; metrics are ' + ', '.join(METRICS)}"
            )
    if spec.design == "grid":
        ranged = [k for k, r in spec.parameters.items() if r.levels is None]
        if ranged and spec.points < 2:
            problems.append(f"{_where(source, lines, ('points',))}: points: a grid needs at least 2 levels per ranged parameter")
    elif any(r.levels is not None for r in spec.parameters.values()) and spec.design in ("sobol", "morris"):
        problems.append(f"{_where(source, lines, ('design',))}: design: {spec.design} needs ranges (low/high), not levels")
    if spec.design == "morris" and spec.points < 2:
        problems.append(f"{_where(source, lines, ('points',))}: points: morris needs at least 2 trajectories")
    if not problems:
        n_points, n_runs = design_size(spec)
        if n_runs > MAX_SWEEP_RUNS:
            problems.append(
                f"{_where(source, lines, ('points',))}: points: the {spec.design} design has {n_points:,} points x {spec.replicates:,} "
                f"replicates = {n_runs:,} runs; a sweep is limited to {MAX_SWEEP_RUNS:,} runs (split it, or lower points or replicates)"
            )
    if problems:
        raise SweepSpecError(problems)
    return LoadedSpec(spec, source, raw, scen_source, paths, bounds, integer, fixed, metrics)


MAX_SWEEP_RUNS = 1_000_000
"""Most runs one sweep (or calibration) may have: its run list and design are built in memory (about 200 bytes a run)."""


def design_size(spec: SweepSpec) -> tuple[int, int]:
    """(design points, runs) of a spec, computed from its sizes alone (nothing is built)."""
    D = len(spec.parameters)
    if spec.design == "grid":
        n = 1
        for r in spec.parameters.values():
            n *= len(r.levels) if r.levels is not None else spec.points
    elif spec.design == "lhs":
        n = spec.points
    elif spec.design == "sobol":
        n = spec.points * (D + 2)  # Saltelli without second-order terms
    else:
        n = spec.points * (D + 1)  # Morris trajectories
    return n, n * spec.replicates


# ------------------------------------------------------------------- design


def design_matrix(loaded: LoadedSpec) -> np.ndarray:
    """The design's points, shape (n_points, n_parameters), in the parameters' own units."""
    spec = loaded.spec
    ranges = list(spec.parameters.values())
    D = len(ranges)
    seed = np.random.SeedSequence(spec.seed)
    if spec.design == "grid":
        axes = [np.asarray(r.levels, dtype=float) if r.levels is not None else np.linspace(r.low, r.high, spec.points) for r in ranges]  # type: ignore[arg-type]
        X = np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, D)
    elif spec.design == "lhs":
        from scipy.stats import qmc  # heavy (scipy.stats): only for a Latin hypercube design

        U = qmc.LatinHypercube(d=D, seed=np.random.default_rng(seed)).random(spec.points)
        X = np.empty_like(U)
        for j, r in enumerate(ranges):
            if r.levels is not None:
                idx = np.minimum((U[:, j] * len(r.levels)).astype(int), len(r.levels) - 1)
                X[:, j] = np.asarray(r.levels, dtype=float)[idx]
            else:
                X[:, j] = r.low + U[:, j] * (r.high - r.low)  # type: ignore[operator]
    else:
        problem = salib_problem(loaded)
        salib_seed = int(seed.generate_state(1, np.uint32)[0])
        if spec.design == "sobol":
            from SALib.sample import sobol as sobol_sample  # heavy (SALib): only for Sobol designs

            X = sobol_sample.sample(problem, spec.points, calc_second_order=False, seed=salib_seed)
        else:
            from SALib.sample import morris as morris_sample  # heavy (SALib): only for Morris designs

            X = morris_sample.sample(problem, spec.points, num_levels=spec.morris_levels, seed=salib_seed)
        X = np.asarray(X, dtype=float)
    for j, is_int in enumerate(loaded.integer):
        if is_int:
            X[:, j] = np.round(X[:, j])
    return X


def run_seed(sweep_seed: int, point: int, replicate: int) -> int:
    """The seed of run (point, replicate): independent of workers and completion order.

    >>> run_seed(0, 0, 0) == run_seed(0, 0, 0) != run_seed(0, 0, 1)
    True
    """
    ss = np.random.SeedSequence(entropy=sweep_seed, spawn_key=(point, replicate))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


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


# ---------------------------------------------------------------- executors


class _Owned:
    """Executors are context managers; whoever creates one closes it (``run_sweep`` never does)."""

    def close(self) -> None:
        pass

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(_Owned):
    """Runs tasks one after another in this process (for tests and debugging)."""

    name = "serial"

    def map_unordered(self, fn: Callable[[Task], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)


class ProcessExecutor(_Owned):
    """Local worker processes (all cores by default), at most a few tasks in flight each."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("forkserver"))

    def map_unordered(self, fn: Callable[[Task], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        it = iter(tasks)
        pending = {self.pool.submit(fn, t) for t in itertools.islice(it, self.workers * 3)}
        while pending:
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
                nxt = next(it, None)
                if nxt is not None:
                    pending.add(self.pool.submit(fn, nxt))

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(_Owned):
    """A Dask cluster: the given scheduler address, or a LocalCluster started here."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None, security: Any = None) -> None:
        from distributed import Client, LocalCluster  # heavy, optional executor (dask.distributed): only with --executor dask

        self.cluster = None
        if address:
            # what comes back is checked row by row (check_batch_result), but a scheduler can also send pickles:
            # connect only to one you control, over TLS (``security``) when the network is not yours
            self.client = Client(address, timeout="20s", security=security)
        else:
            self.cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
            )
            self.client = Client(self.cluster)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or (workers or 1))

    def map_unordered(self, fn: Callable[[Task], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        from distributed import as_completed  # heavy, optional executor (dask.distributed)

        it = iter(tasks)
        first = [self.client.submit(fn, t, pure=False) for t in itertools.islice(it, self.workers * 3)]
        ac = as_completed(first)
        for fut in ac:
            yield fut.result()
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                ac.add(self.client.submit(fn, nxt, pure=False))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def dask_security(ca_file: Path | None = None, cert: Path | None = None, key: Path | None = None, address: str | None = None) -> Any:
    """A distributed ``Security`` for TLS to a scheduler (None when no TLS option is given); InputError for bad options.

    ``ca_file`` verifies the scheduler's certificate; ``cert`` and ``key`` (together) are this client's own,
    for schedulers that require mutual TLS. TLS needs a ``tls://`` address.
    """
    from sim.errors import InputError

    given = {"--tls-ca-file": ca_file, "--tls-cert": cert, "--tls-key": key}
    if all(v is None for v in given.values()):
        return None
    if address is None or not address.startswith("tls://"):
        raise InputError(f"--tls-ca-file, --tls-cert and --tls-key need a scheduler address tls://HOST:PORT (got {address or 'none'})")
    if ca_file is None:
        raise InputError("--tls-ca-file is needed with TLS: the certificate authority that signed the scheduler's certificate")
    if (cert is None) != (key is None):
        raise InputError("--tls-cert and --tls-key go together (this client's certificate and its private key)")
    for option, path in given.items():
        if path is not None and not Path(path).is_file():
            raise InputError(f"{option} {path}: no such file")
    from distributed.security import Security

    return Security(
        tls_ca_file=str(ca_file),
        tls_client_cert=str(cert) if cert else None,
        tls_client_key=str(key) if key else None,
        require_encryption=True,
    )


def make_executor(kind: str, workers: int | None = None, address: str | None = None, security: Any = None) -> Any:
    from sim.errors import InputError

    if security is not None and (kind != "dask" or address is None):
        raise InputError("the TLS options need --executor dask and --address tls://HOST:PORT")
    if kind == "serial":
        return SerialExecutor()
    if kind == "local":
        return ProcessExecutor(workers)
    if kind == "dask":
        if address is not None and not address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
            raise InputError(f"--address {address}: expected a scheduler address like tcp://HOST:8786")
        try:
            return DaskExecutor(address, workers, security)
        except OSError as exc:
            raise InputError(f"--address {address}: cannot reach the Dask scheduler ({exc})") from None
    raise InputError(f"--executor {kind}: must be serial, local or dask")


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


def part_name(batch: int) -> str:
    return f"part-{batch:06d}.parquet"


def done_batches(out: Path) -> set[int]:
    """Batches whose part file is complete (parts are renamed into place, never half-written)."""
    done = set()
    for p in (out / "runs").glob("part-*.parquet"):
        try:
            done.add(int(p.stem.split("-")[1]))
        except (IndexError, ValueError):
            continue
    return done


def write_manifest(out: Path, manifest: Mapping[str, Any]) -> None:
    text = json.dumps(_jsonable(manifest), indent=2, sort_keys=True) + "\n"
    write_atomically(out / "sweep.json", lambda p: Path(p).write_text(text))


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
    spec_hash = loaded.hash
    manifest_path = out / "sweep.json"
    check_out_dir(out, "--out", owned="sweep")
    if manifest_path.exists():
        try:
            old = json.loads(manifest_path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{manifest_path}: cannot read ({exc}); not a sweep directory") from None
        if not is_summitry_sweep_dir(out):
            raise InputError(f"--out {out}: {manifest_path} was not written by summitry; choose a new directory")
        if not resume:
            raise InputError(f"{out}: already holds a sweep; use --resume to continue it, or choose another --out")
        if old.get("spec_hash") != spec_hash:
            raise InputError(
                f"{out}: the spec (or its scenario) changed since this sweep started "
                f"(hash {str(old.get('spec_hash'))[:12]} vs {spec_hash[:12]}); refusing to mix results — use a new --out"
            )
        started = old.get("started")
    else:
        if out.exists() and any(out.iterdir()):
            raise InputError(f"--out {out}: exists and is not empty; choose a new --out")
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (out / "runs").mkdir(parents=True, exist_ok=True)
    if loaded.spec.trajectories.keep:
        (out / "trajectories").mkdir(exist_ok=True)
    # a killed sweep's half-written parts: only names of summitry's own shape (.part-NNNNNN.parquet.XXXXXXXX.tmp)
    for stale in list((out / "runs").glob(".part-*.parquet.*.tmp")) + list((out / "trajectories").glob(".part-*.parquet.*.tmp")):
        stale.unlink(missing_ok=True)
    done = done_batches(out)
    base = {
        "spec": loaded.spec.model_dump(mode="json"),
        "spec_hash": spec_hash,
        "spec_file": loaded.source,
        "scenario": loaded.scenario_data.get("name"),
        "scenario_source": loaded.scenario_source,
        # the whole scenario file the sweep ran (before each point's overrides), so its report needs no other file
        "scenario_document": json.loads(json.dumps(loaded.scenario_data, default=str)),
        "design": loaded.spec.design,
        "parameters": loaded.paths,
        "fixed": loaded.fixed,
        "metrics": loaded.metrics,
        "points": int(X.shape[0]),
        "versions": versions(),
        "started": started,
        "finished": None,
        "executor": executor.name,
        "counts": {"total": total, "done": None, "failed": None},
    }
    write_manifest(out, base)
    spec_json = loaded.spec.model_copy(
        update={
            "parameters": dict(zip(loaded.paths, loaded.spec.parameters.values(), strict=True)),
            "fixed": loaded.fixed,
            "metrics": loaded.metrics,
        }
    ).model_dump_json()
    # key order matters: it is the order of sides and actors, and so of the random draws
    scenario_json = json.dumps(loaded.scenario_data, default=str)
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
        if traj is not None:
            write_atomically(out / "trajectories" / part_name(batch), functools.partial(_write_parquet, traj))
        # the runs part is written last: its presence marks the batch complete
        write_atomically(out / "runs" / part_name(batch), functools.partial(_write_parquet, table))
        completed += table.num_rows
        statuses = table["status"].to_pylist()
        failed += statuses.count("failed")
        outcomes.update(o for o, s in zip(table["outcome"].to_pylist(), statuses, strict=True) if s == "ok")
        if progress:
            progress(completed, total, outcomes, failed)
    counts = count_rows(out)
    base["counts"] = {"total": total, "done": counts["done"], "failed": counts["failed"]}
    base["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds") if counts["done"] == total else None
    if counts["done"] == total and loaded.spec.design in ("sobol", "morris"):
        base["sensitivity"] = sensitivity(load_runs(out), loaded, X)
    write_manifest(out, base)
    return SweepSummary(total, counts["done"], counts["failed"], skipped, outcomes, time.perf_counter() - t0)


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
    sim.sweep.WorkerResultError: a worker returned a result of the wrong shape (str); nothing of it was stored
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


def _write_parquet(table: pa.Table, path: str) -> None:
    pq.write_table(table, path, compression="zstd")


def count_rows(out: Path) -> dict[str, int]:
    """Rows and failed rows in a sweep's store (reads only two columns)."""
    parts = sorted((out / "runs").glob("part-*.parquet"))
    if not parts:
        return {"done": 0, "failed": 0}
    t = ds.dataset([str(p) for p in parts], format="parquet").to_table(columns=["status"])
    statuses = t["status"].to_pylist()
    return {"done": len(statuses), "failed": statuses.count("failed")}
