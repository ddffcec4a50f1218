"""What a run produced, as data: :class:`RunResult` (manifest, event log, time series), saved and loaded.

A run directory holds ``run.json`` (scenario name and content hash,
parameters, seed, versions, outcome, metrics), ``scenario.json`` (the whole
scenario document the run used, after overrides: itself a valid scenario file),
``events.parquet`` and ``series.parquet`` (or ``.csv``). Files are written to a
temporary name and renamed, so a crash never leaves half a file. Nothing here
imports the engine: running a scenario into a result is :mod:`summitry.sim.run`.
"""

from __future__ import annotations

import functools
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from summitry.sim.atomic import replace_dir_atomically
from summitry.sim.errors import RunDirError
from summitry.sim.outputs import SCENARIO_FILE, is_summitry_run_dir, unreplaceable_dir
from summitry.sim.scenario.document import Scenario, validate_data

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
    def save(self, directory: str | Path, fmt: str = "parquet") -> Path:
        """Write run.json, events and series into ``directory``, all or nothing.

        The files are written into a hidden sibling directory that is renamed
        into place, so a crash at any moment leaves either the complete run
        directory or none (an older run directory of the same name is replaced
        only once the new one is complete). An existing ``directory`` is
        replaced only if it is empty or a run directory summitry wrote; anything
        else is a :class:`RunDirError` (nothing is touched).
        """
        d = Path(directory)
        reason = unreplaceable_dir(d)
        if reason:
            raise RunDirError(f"{d}: {reason}; a run directory cannot be renamed into place there")
        if d.exists() and d.is_dir() and any(d.iterdir()) and not is_summitry_run_dir(d):
            raise RunDirError(
                f"{d}: directory exists and is not a run directory of summitry's, or also holds files summitry did not write; not replacing it"
            )
        if d.exists() and not d.is_dir():
            raise RunDirError(f"{d}: exists and is not a directory")
        # creates the parent, removes stale temporaries of earlier killed saves, and turns a full disk into DiskFullError
        replace_dir_atomically(d, lambda tmp: self._write_files(tmp, fmt))
        return d

    def _write_files(self, tmp: Path, fmt: str) -> None:
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
        for f in tmp.iterdir():
            os.chmod(f, 0o666 & ~umask)

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

    def dimension_labels(self) -> dict[str, str]:
        """Each issue dimension's label, by id, as the run's scenario gives them (run.json keeps only the ids); empty
        when the run did not keep its scenario.

        >>> RunResult({}, None, None, {"issues": [{"id": "d", "label": "Denuclearisation"}, {"id": "r"}]}).dimension_labels()
        {'d': 'Denuclearisation', 'r': 'r'}
        """
        issues = (self.scenario_document or {}).get("issues")
        return {
            str(d["id"]): str(d.get("label") or d["id"])
            for d in (issues if isinstance(issues, list) else [])
            if isinstance(d, Mapping) and d.get("id")
        }

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
