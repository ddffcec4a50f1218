"""One run -> :class:`RunResult` (manifest, event log, time series); save/load.

A run directory holds ``run.json`` (scenario name and content hash,
parameters, seed, versions, outcome, metrics), ``scenario.json`` (the whole
scenario document the run used, after overrides: itself a valid scenario file),
``events.parquet`` and ``series.parquet`` (or ``.csv`` with ``fmt="csv"``).
Files are written to a temporary name and renamed, so a crash never leaves
half a file. Run directories written before ``scenario.json`` existed still
load; their :attr:`RunResult.scenario_document` is ``None``.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.atomic import remove_stale_temporaries
from sim.errors import DiskFullError, RunDirError
from sim.model import DiplomacyModel
from sim.outputs import SCENARIO_FILE, is_summitry_run_dir
from sim.overrides import canonical, parameter_value
from sim.scenario import Scenario, canonical_json, validate_data

EVENT_SCHEMA = pa.schema(
    [
        ("step", pa.int32()),
        ("date", pa.string()),
        ("sender", pa.string()),
        ("receiver", pa.string()),
        ("kind", pa.string()),
        ("source", pa.string()),
        ("cost", pa.float64()),
        ("trust_before", pa.float64()),
        ("trust_after", pa.float64()),
        ("trust_change", pa.float64()),
        ("stance_change", pa.float64()),
        ("pressure_change", pa.float64()),
        ("detail", pa.string()),
        ("text", pa.string()),
    ]
)

OUTCOMES = ("agreement_comprehensive", "agreement_interim", "declaration", "walk_away", "escalation", "stalemate")


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, str], ...]:
    out = {}
    for pkg in ("summitry", "mesa", "numpy", "scipy", "networkx", "pydantic", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return tuple(out.items())


def versions() -> dict[str, str]:
    """Versions of summitry and the packages a result depends on."""
    return dict(_versions())


@dataclass
class RunResult:
    """Everything a run produced; all views (dashboard, reports) derive from it."""

    manifest: dict[str, Any]
    events: pa.Table
    series: pa.Table
    scenario_document: dict[str, Any] | None = None
    """The scenario document the run used, after overrides (``None`` for run directories saved before it was kept)."""

    @property
    def outcome(self) -> str:
        return str(self.manifest["outcome"])

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.manifest["metrics"])

    def series_frame(self) -> Any:
        return self.series.to_pandas()

    def events_frame(self) -> Any:
        return self.events.to_pandas()

    def variable(self, variable: str, agent: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of one variable of one agent."""
        t = self.series.filter(pc.and_(pc.equal(self.series["variable"], variable), pc.equal(self.series["agent"], agent)))
        return t["step"].to_numpy(), t["value"].to_numpy()

    # ------------------------------------------------------------- save/load
    def save(self, directory: str | Path, fmt: str = "parquet", overwrite: bool = False) -> Path:
        """Write run.json, events and series into ``directory``, all or nothing.

        The files are written into a hidden sibling directory that is renamed
        into place, so a crash at any moment leaves either the complete run
        directory or none (an older run directory of the same name is replaced
        only once the new one is complete). An existing ``directory`` is
        replaced only if it is empty or a run directory summitry wrote, or with
        ``overwrite``; anything else is a :class:`RunDirError` (nothing is touched).
        """
        d = Path(directory)
        if d.exists() and d.is_dir() and not overwrite and any(d.iterdir()) and not is_summitry_run_dir(d):
            raise RunDirError(f"{d}: directory exists and is not a run directory of summitry's (no run.json); not replacing it")
        if d.exists() and not d.is_dir():
            raise RunDirError(f"{d}: exists and is not a directory")
        try:
            d.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(d)
            self._save_into(d, fmt)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DiskFullError(d) from exc
            raise
        return d

    def _save_into(self, d: Path, fmt: str) -> None:
        tmp = Path(tempfile.mkdtemp(prefix=f".{d.name}.", suffix=".tmp", dir=d.parent))
        try:
            if fmt == "csv":
                pacsv.write_csv(self.events, tmp / "events.csv")
                pacsv.write_csv(self.series, tmp / "series.csv")
            else:
                pq.write_table(self.events, tmp / "events.parquet", compression="zstd")
                pq.write_table(self.series, tmp / "series.parquet", compression="zstd")
            # indented for people to read; compact for large networks (a 10,000-agent run.json
            # shrinks from 14 to 9 MB and is written faster)
            big = len(self.manifest.get("influence_edges") or ()) > 5_000
            layout: dict[str, Any] = {"separators": (",", ":")} if big else {"indent": 2}
            (tmp / "run.json").write_text(json.dumps(_jsonable(self.manifest), sort_keys=True, **layout) + "\n")
            if self.scenario_document is not None:
                (tmp / SCENARIO_FILE).write_text(json.dumps(self.scenario_document, indent=None if big else 1) + "\n")
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o777 & ~umask)
            for f in tmp.iterdir():
                os.chmod(f, 0o666 & ~umask)
            old = None
            if d.exists():
                if not d.is_dir():
                    raise RunDirError(f"{d}: exists and is not a directory")
                old = Path(tempfile.mkdtemp(prefix=f".{d.name}.", suffix=".old", dir=d.parent))
                os.rmdir(old)
                os.replace(d, old)
            os.replace(tmp, d)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, directory: str | Path) -> RunResult:
        d = Path(directory)
        if not (d / "run.json").exists():
            raise RunDirError(f"{d}: not a run directory (no run.json)")
        try:
            manifest = json.loads((d / "run.json").read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise RunDirError(f"{d / 'run.json'}: cannot read ({exc})") from None
        tables = {}
        for name in ("events", "series"):
            if (d / f"{name}.parquet").exists():
                tables[name] = pq.read_table(d / f"{name}.parquet")
            elif (d / f"{name}.csv").exists():
                tables[name] = pacsv.read_csv(d / f"{name}.csv")
            else:
                raise RunDirError(f"{d}: missing {name}.parquet")
        document = None
        if (d / SCENARIO_FILE).exists():
            try:
                document = json.loads((d / SCENARIO_FILE).read_text())
            except (OSError, json.JSONDecodeError) as exc:
                raise RunDirError(f"{d / SCENARIO_FILE}: cannot read ({exc})") from None
            if not isinstance(document, dict):
                raise RunDirError(f"{d / SCENARIO_FILE}: expected a JSON object (a scenario document), got {type(document).__name__}")
        return cls(manifest, tables["events"], tables["series"], document)

    def scenario(self, source: str | Path = "run directory") -> Scenario | None:
        """The run's scenario, validated from :attr:`scenario_document` (``None`` when the run did not keep it).

        A document that no longer validates (written by an older engine) is a
        :class:`~sim.errors.ScenarioError` naming ``source``.
        """
        if self.scenario_document is None:
            return None
        return validate_data(self.scenario_document, f"{source}/{SCENARIO_FILE}" if source else SCENARIO_FILE, {})


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return None if not math.isfinite(v) else v
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def metrics_of(model: DiplomacyModel) -> dict[str, Any]:
    """Per-run outputs of ODD 4.11."""
    sm = model.summit
    s = model.state
    mu = model.trust_matrix()
    a, b = (int(c) for c in model.summit_sides)
    la, lb = int(model.leader_of[a]), int(model.leader_of[b])
    T = model.horizon
    agreement_week = model.agreement["week"] if model.agreement else None
    zone = np.asarray(model.recorder.world["zone_area"], dtype=float)
    hl = [i for i in model.members[b] if model.roles[i] == "hardliner"]
    survival = None
    if model.first_pledge_week >= 0:
        end = model.first_test_after_pledge if model.first_test_after_pledge >= 0 else model.week
        survival = end - model.first_pledge_week
    return {
        "summit_held": sm.held > model.scenario.summit.held,
        "first_summit_week": sm.first_week if sm.first_week >= 0 else None,
        "summits": sm.held - model.scenario.summit.held,
        "summit_results": list(sm.results),
        "cancellations": sm.cancellations,
        "reinstated": sm.reinstated,
        "walk_away": "walk_away" in sm.results,
        "walked_by": list(sm.walked_by),
        "agreement_type": model.agreement["type"] if model.agreement else None,
        "agreement_week": agreement_week,
        "agreement_point": model.agreement["point"] if model.agreement else None,
        "time_to_agreement": agreement_week if agreement_week is not None else T,
        "agreement_censored": agreement_week is None,
        "escalation": model.escalated_week >= 0,
        "escalation_week": model.escalated_week if model.escalated_week >= 0 else None,
        "moratorium_survival": survival,
        "moratorium_censored": model.first_test_after_pledge < 0 if model.first_pledge_week >= 0 else None,
        "steps_run": model.week,
        "final_trust": {
            f"{model.actor_ids[la]}->{model.side_ids[b]}": float(mu[la, b]),
            f"{model.actor_ids[lb]}->{model.side_ids[a]}": float(mu[lb, a]),
        },
        "final_pressure": {sid: float(s.pressure[c]) for c, sid in enumerate(model.side_ids)},
        "final_tension": float(s.tension),
        "final_zone_area": float(s.zone_area),
        "mean_zone_area": float(zone.mean()) if zone.size else 0.0,
        "hardliner_influence": float(sum(s.omega[i] for i in hl)),
        "signals_sent": model.events.count_source(("chosen", "forced")),
    }


def canonical_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides by canonical path, with the values the run actually used."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        try:
            path = canonical(scenario, key)
            out[path] = parameter_value(scenario, path)
        except KeyError:
            out[key] = value
    return out


def bargaining_spec(model: DiplomacyModel) -> dict[str, Any]:
    """What a figure needs to redraw each side's win-set from the series (thresholds, influence)."""
    sc = model.scenario
    return {
        "grid_points": sc.grid_points,
        "dimensions": model.dims,
        "agreement": {k: {d: list(v) for d, v in box.items()} for k, box in sc.agreement.items()},
        "sides": {
            sid: {
                "utility": {d: float(sc.sides[sid].utility.get(d, 0.0)) for d in model.dims},
                "theta": float(model.theta[c]),
                "members": {model.actor_ids[i]: float(model.state.concession_weight[i]) for i in model.members[c]},
            }
            # veto players only where a side has them (older run files keep their bytes)
            | ({"vetoes": [model.actor_ids[i] for i in model.vetoes(c)]} if model.vetoes(c).size else {})
            # stated bounds and constraints only where members have them (ODD 7.1; other run files keep their bytes)
            | (
                {"limits": {model.actor_ids[i]: model.limit_specs[i] for i in model.members[c] if model.limit_specs[i]}}
                if any(model.limit_specs[i] for i in model.members[c])
                else {}
            )
            for c, sid in enumerate(model.side_ids)
        },
    }


def run_scenario(
    scenario: Scenario,
    seed: int = 0,
    steps: int | None = None,
    mode: str | None = None,
    series_stride: int = 1,
    overrides: Mapping[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    null_rates: dict[str, dict[str, float]] | None = None,
    ablations: frozenset[str] | tuple[str, ...] = (),
) -> RunResult:
    """Run ``scenario`` to its end (or ``steps``) and return the result.

    A pure function of (scenario, seed, steps, mode, engine version). With
    ``null_rates`` (actor id -> kind -> weekly probability) the actors choose
    at random with those rates instead of by the decision rule (the null
    model of backtests). ``ablations`` switches mechanisms off (see
    :data:`sim.model.ABLATIONS`).
    """
    model = DiplomacyModel(
        scenario, seed=seed, mode=mode, steps=steps, series_stride=series_stride, null_rates=null_rates, ablations=ablations
    )
    total = model.horizon
    while model.running:
        model.step()
        if progress is not None:
            progress(model.week, total)
    return result_of(model, overrides)


def run_fork(
    scenario: Scenario,
    fork_step: int,
    fork_scenario: Scenario,
    seed: int = 0,
    steps: int | None = None,
    mode: str | None = None,
    series_stride: int = 1,
    overrides: Mapping[str, Any] | None = None,
) -> RunResult:
    """A counterfactual: run ``scenario`` to ``fork_step``, then continue under ``fork_scenario``.

    Both branches share the seed and, up to ``fork_step``, every draw; the
    fork changes parameters, traits and future events, not the past.
    """
    model = DiplomacyModel(scenario, seed=seed, mode=mode, steps=steps, series_stride=series_stride)
    while model.running and model.week < fork_step:
        model.step()
    forked = model.fork(fork_scenario)
    while forked.running:
        forked.step()
    result = result_of(forked, overrides)
    result.manifest["fork"] = {"from_scenario_hash": scenario.content_hash(), "at_step": int(fork_step)}
    return result


def result_of(model: DiplomacyModel, overrides: Mapping[str, Any] | None = None) -> RunResult:
    """Package a finished model as a :class:`RunResult`."""
    scenario = model.scenario
    seed = model.seed
    total = model.horizon
    series_stride = model.series_stride
    events = model.events.to_table(EVENT_SCHEMA)
    document = scenario.model_dump(mode="json")
    manifest = {
        "scenario": scenario.name,
        "title": scenario.title,
        # Scenario.content_hash() of the document, without dumping the scenario twice
        "scenario_hash": hashlib.sha256(canonical_json(document).encode()).hexdigest(),
        "seed": int(seed),
        "mode": model.mode,
        "steps": total,
        "series_stride": series_stride,
        "start": scenario.time.start.isoformat(),
        "step_days": scenario.time.step_days,
        "step_unit": scenario.time.clock.unit,
        "overrides": canonical_overrides(scenario, overrides or {}),
        "parameters": scenario.parameters.model_dump(mode="json"),
        "sides": {sid: {"name": side.name, "leader": side.leader.id} for sid, side in scenario.sides.items()},
        "actors": [
            {"id": a, "name": n, "side": model.side_ids[c] if c >= 0 else None, "role": str(r)}
            for a, n, c, r in zip(model.actor_ids, model.actor_names, model.side_of.tolist(), model.roles, strict=False)
        ],
        "summit_sides": [model.side_ids[int(c)] for c in model.summit_sides],
        "dimensions": model.dims,
        "influence_edges": [
            {"listener": u, "speaker": v, "weight": float(d["weight"]), "kind": d["kind"]}
            for u, v, d in model.graph.edges(data=True)
            if u != v
        ],
        "bargaining": bargaining_spec(model),
        "true_types": {sid: ("T" if model.state.is_t[c] else "U") for c, sid in enumerate(model.side_ids)},
        "outcome": model.outcome,
        "metrics": metrics_of(model),
        "versions": versions(),
    }
    return RunResult(manifest=_jsonable(manifest), events=events, series=model.recorder.to_table(), scenario_document=document)
