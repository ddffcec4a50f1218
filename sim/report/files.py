"""Saved results as a report reads them: which kind of directory a path is, and a run's or a sweep's files loaded with readable errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from summitry.sim.analysis.sweeps import load_runs
from summitry.sim.errors import RunDirError
from summitry.sim.results.run_result import RunResult

RUN_FILES = ("run.json", "events", "series")
MANIFEST_FIELDS = ("scenario", "title", "seed", "outcome", "metrics", "actors", "sides")
EVENT_COLUMNS = ("step", "date", "sender", "receiver", "kind", "source", "text")
SERIES_COLUMNS = ("step", "agent", "variable", "value")


# ------------------------------------------------------------------ loading


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and (path / "run.json").exists()


def is_sweep_dir(path: Path) -> bool:
    return path.is_dir() and (path / "sweep.json").exists()


def is_backtest_dir(path: Path) -> bool:
    """A ``summitry backtest --out`` directory (backtest.json; its typical run in example-run/)."""
    return (path / "backtest.json").is_file()


def load_run(run_dir: str | Path) -> RunResult:
    """Load a run directory as a :class:`~sim.results.run_result.RunResult`, checking what a report needs.

    Every problem (no such directory, missing or corrupt file, missing field
    or column) is a :class:`~sim.errors.RunDirError` naming the file. Nothing
    outside the directory is read (the scenario comes from its ``scenario.json``).
    """
    d = Path(run_dir)
    if not d.exists():
        raise RunDirError(f"{d}: no such directory")
    if not d.is_dir():
        raise RunDirError(f"{d}: not a directory (expected a run directory with run.json, events and series)")
    if not (d / "run.json").exists():
        raise RunDirError(f"{d}: not a run directory (no run.json)")
    try:
        result = RunResult.load(d)
    except RunDirError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise RunDirError(f"{d}: cannot read the event log or series ({_first_line(exc)})") from None
    m = result.manifest
    if not isinstance(m, dict):
        raise RunDirError(f"{d / 'run.json'}: expected a JSON object, got {type(m).__name__}")
    missing = [k for k in MANIFEST_FIELDS if k not in m]
    if missing:
        raise RunDirError(f"{d / 'run.json'}: missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    for name, table, cols in (("events", result.events, EVENT_COLUMNS), ("series", result.series, SERIES_COLUMNS)):
        lacking = [c for c in cols if c not in table.column_names]
        if lacking:
            raise RunDirError(f"{d}: {name} lacks column{'s' if len(lacking) > 1 else ''} {', '.join(lacking)}")
    return result


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def load_sweep(sweep_dir: str | Path) -> tuple[dict[str, Any], Any]:
    """(manifest, runs DataFrame) of a sweep directory; bad input is a RunDirError."""
    d = Path(sweep_dir)
    if not d.exists():
        raise RunDirError(f"{d}: no such directory")
    path = d / "sweep.json"
    if not path.exists():
        raise RunDirError(f"{d}: not a sweep directory (no sweep.json)")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunDirError(f"{path}: cannot read ({_first_line(exc)})") from None
    if not isinstance(manifest, dict):
        raise RunDirError(f"{path}: expected a JSON object, got {type(manifest).__name__}")
    runs = _load_runs(d)
    for col in ("run_id", "status", "outcome"):
        if col not in runs.columns:
            raise RunDirError(f"{d / 'runs'}: the stored runs lack the column {col!r}")
    return manifest, runs


def _load_runs(d: Path) -> Any:
    return load_runs(d)
