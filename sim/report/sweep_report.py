"""The sweep report: outcome shares, sensitivity, survival and the sweep's charts, from ``sweep.json`` and its Parquet runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from summitry.sim.outputs import sweep_parts
from summitry.sim.report.charts import Chart, document_unit, sweep_charts
from summitry.sim.report.context import _backtest_or_none, scenario_context
from summitry.sim.report.files import load_sweep
from summitry.sim.report.page import _render, _safe_charts, _write_page
from summitry.sim.report.tables import fmt_value


def render_sweep_report(manifest: Mapping[str, Any], runs: Any, sweep_dir: str | Path | None = None) -> tuple[str, list[str]]:
    """The sweep report's HTML and warnings."""
    import summitry.sim.figures.sweeps as sf  # lazy: plotly is heavy, and only reports draw

    failed = sf.failed_runs(runs)
    counts = dict(manifest.get("counts") or {})
    total = counts.get("total")
    stored = len(runs)
    n_failed = len(failed)
    errors: list[dict[str, Any]] = []
    if n_failed:
        first = failed["error"].fillna("").astype(str).map(lambda e: e.strip().splitlines()[-1] if e.strip() else "(no message)")
        for msg, group in failed.groupby(first, sort=False):
            ids = group["run_id"].astype(int).tolist()
            errors.append({"message": msg, "count": len(ids), "runs": ", ".join(map(str, ids[:8])) + (" …" if len(ids) > 8 else "")})
        errors.sort(key=lambda e: -e["count"])
    parts = sweep_charts(manifest, runs)
    spec = manifest.get("spec") or {}
    scenario_name = str(manifest.get("scenario") or spec.get("scenario") or "")
    document = manifest.get("scenario_document")
    sc = scenario_context({"scenario": scenario_name}, document if isinstance(document, Mapping) else None, str(sweep_dir))
    param_rows = []
    canonical = list(manifest.get("parameters") or [])
    for path, rng in (spec.get("parameters") or {}).items():
        full = [c for c in canonical if c == path or str(c).endswith("." + path)]
        if len(full) == 1 and full[0] != path:
            path = f"{full[0]} ({path})"
        if isinstance(rng, Mapping) and rng.get("levels"):
            what = "levels " + ", ".join(fmt_value(v) for v in rng["levels"])
        elif isinstance(rng, Mapping):
            what = f"[{fmt_value(rng.get('low'))}, {fmt_value(rng.get('high'))}]"
        else:
            what = fmt_value(rng)
        param_rows.append({"path": path, "range": what})
    all_charts: list[Chart] = [parts["share"]] if "share" in parts else []
    for key in ("params", "heatmaps", "sensitivity"):
        all_charts.extend(parts[key])
    all_charts.extend(x["chart"] for x in parts["metrics"] if x["chart"] is not None)
    all_charts.extend(x["chart"] for x in parts["survival"] if x["chart"] is not None)
    warnings = [f"chart {c.title!r} could not be drawn: {c.error}" for c in all_charts if c.error]
    if sweep_dir is not None:
        warnings += [
            f"{entry}: not a part summitry wrote (its parts are named part-NNNNNN.parquet); not read as runs"
            for entry in sweep_parts(Path(sweep_dir) / "runs")[1]
        ]
    numbered = {c.id: d for c, d in zip(all_charts, _safe_charts(all_charts), strict=True)}
    backtest = _backtest_or_none(sweep_dir, warnings)
    page = _render(
        "sweep_report.html.j2",
        backtest=backtest,
        unit=document_unit(manifest),
        title=f"Sweep of {sc['title']}" if scenario_name else "Sweep report",
        manifest=manifest,
        sc=sc,
        spec_yaml=yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, default_flow_style=False).strip() if spec else "",
        param_rows=param_rows,
        total=total,
        stored=stored,
        n_ok=stored - n_failed,
        n_failed=n_failed,
        errors=errors,
        main=parts["main"],
        ranked=parts.get("ranked", []),
        outcome_rows=parts["outcomes"],
        share=numbered.get("fig-outcomes"),
        param_charts=[numbered[c.id] for c in parts["params"]],
        heatmaps=[numbered[c.id] for c in parts["heatmaps"]],
        sensitivity=[numbered[c.id] for c in parts["sensitivity"]],
        metric_parts=[{"summary": x["summary"], "chart": numbered[x["chart"].id] if x["chart"] else None} for x in parts["metrics"]],
        survival=[{**x, "chart": numbered[x["chart"].id] if x["chart"] else None} for x in parts["survival"]],
        versions=dict(manifest.get("versions") or {}),
        warnings=warnings,
    )
    return page, warnings


def write_sweep_report(sweep_dir: str | Path, out_path: str | Path, pdf: bool = False) -> Path:
    """Write the HTML report of a saved sweep (and, with ``pdf``, a PDF beside it); returns the HTML path."""
    return _write_sweep_report(sweep_dir, out_path, pdf)[0]


def _write_sweep_report(sweep_dir: str | Path, out_path: str | Path, pdf: bool = False) -> tuple[Path, list[str]]:
    manifest, runs = load_sweep(sweep_dir)
    page, warnings = render_sweep_report(manifest, runs, sweep_dir)
    return _write_page(page, out_path, pdf), warnings
