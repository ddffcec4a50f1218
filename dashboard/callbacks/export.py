"""Downloads: the run directory as a zip, its HTML report, its data as CSV or JSON."""

from __future__ import annotations

import importlib
import io
import json
import math
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from dash import Dash, Input, Output, State, dcc, no_update

from summitry.dashboard import ids
from summitry.dashboard.callbacks.common import Out
from summitry.dashboard.service import Service
from summitry.sim.errors import InputError
from summitry.sim.results.run_result import RunResult


def _zip_dir(directory: Path, prefix: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(directory.rglob("*")):
            if p.is_file():
                zf.write(p, f"{prefix}/{p.relative_to(directory)}")
    return buf.getvalue()


def _slug(result: RunResult) -> str:
    return f"{result.manifest['scenario']}-seed{result.manifest['seed']}"


def export_zip(service: Service, config: Mapping[str, Any] | None) -> Out:
    """The run directory (run.json, events.parquet, series.parquet) as a zip."""
    if not config:
        return {}
    try:
        result = service.result(config)
    except InputError:  # not a run this server can compute (e.g. an upload it no longer has): nothing to download
        return {}
    with tempfile.TemporaryDirectory(prefix="summitry-export-") as tmp:
        d = result.save(Path(tmp) / _slug(result))
        data = _zip_dir(d, _slug(result))
    return {"download": dcc.send_bytes(data, f"{_slug(result)}.zip")}


def report_writer() -> Callable[[Any, Any], Any] | None:
    """``sim.report.write_run_report`` if the report module exists, else None."""
    try:
        mod = importlib.import_module("summitry.sim.report")
    except ModuleNotFoundError:
        return None
    fn = getattr(mod, "write_run_report", None)
    return fn if callable(fn) else None


def export_report(service: Service, config: Mapping[str, Any] | None) -> Out:
    """The run's HTML report (sim.report), or the run directory as a zip until that exists."""
    if not config:
        return {}
    write = report_writer()
    if write is None:
        return export_zip(service, config)
    try:
        result = service.result(config)
    except InputError:  # not a run this server can compute (e.g. an upload it no longer has): nothing to download
        return {}
    with tempfile.TemporaryDirectory(prefix="summitry-report-") as tmp:
        d = result.save(Path(tmp) / _slug(result))
        path = Path(write(d, Path(tmp) / "report.html") or Path(tmp) / "report.html")
        data = path.read_bytes()
    return {"download": dcc.send_bytes(data, f"{_slug(result)}-report.html")}


def export_data(service: Service, config: Mapping[str, Any] | None, fmt: str | None) -> Out:
    """events and series (and run.json) of the run in CSV, Parquet or JSON, zipped."""
    if not config:
        return {}

    try:
        result = service.result(config)
    except InputError:
        return {}
    fmt = (fmt or "CSV").lower()
    buf = io.BytesIO()
    slug = _slug(result)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{slug}/run.json", json.dumps(result.manifest, indent=2, sort_keys=True) + "\n")
        for name, table in (("events", result.events), ("series", result.series)):
            if fmt == "parquet":
                b = io.BytesIO()
                pq.write_table(table, b, compression="zstd")
                zf.writestr(f"{slug}/{name}.parquet", b.getvalue())
            elif fmt == "json":
                zf.writestr(f"{slug}/{name}.json", json.dumps(table.to_pylist(), default=_json_default) + "\n")
            else:
                b = io.BytesIO()
                pacsv.write_csv(table, b)
                zf.writestr(f"{slug}/{name}.csv", b.getvalue())
    return {"download": dcc.send_bytes(buf.getvalue(), f"{slug}-{fmt}.zip")}


def _json_default(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def _register_export(app: Dash, service: Service) -> None:
    """The callbacks of export."""

    @app.callback(
        Output(ids.DOWNLOAD, "data", allow_duplicate=True),
        Input(ids.EXPORT_ZIP, "n_clicks"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _zip(_n: Any, config: Any) -> Any:
        return export_zip(service, config).get("download", no_update)

    @app.callback(
        Output(ids.DOWNLOAD, "data", allow_duplicate=True),
        Input(ids.EXPORT_REPORT, "n_clicks"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _report(_n: Any, config: Any) -> Any:
        return export_report(service, config).get("download", no_update)

    @app.callback(
        Output(ids.DOWNLOAD, "data", allow_duplicate=True),
        Input(ids.EXPORT_DATA, "n_clicks"),
        State(ids.CONFIG, "data"),
        State(ids.EXPORT_FORMAT, "value"),
        prevent_initial_call=True,
    )
    def _data(_n: Any, config: Any, fmt: Any) -> Any:
        return export_data(service, config, fmt).get("download", no_update)
