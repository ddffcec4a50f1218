"""The run report (and a backtest directory's, which is its typical run's): summary, scenario, narrative, charts, record."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from summitry.sim.analysis.survival import survival_of_runs
from summitry.sim.errors import RunDirError
from summitry.sim.experiments.provenance import badge_text, report_link
from summitry.sim.labels import in_unit, outcome_label
from summitry.sim.report.charts import Chart, _chart, history_chart, run_charts, survival_parts
from summitry.sim.report.context import _backtest_or_none, scenario_context
from summitry.sim.report.files import _first_line, is_run_dir, load_run
from summitry.sim.report.narrative import PRESSURE_THRESHOLD, STANCE_THRESHOLD, TRUST_THRESHOLD, narrative
from summitry.sim.report.page import _render, _safe_charts, _write_page
from summitry.sim.report.tables import event_table, fmt_value, metric_rows
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.summary import outcome_sentence

# ---------------------------------------------------------------- run report


def render_run_report(
    result: RunResult, run_dir: str | Path | None = None, backtest_dir: str | Path | None = None, page_dir: str | Path | None = None
) -> tuple[str, list[str]]:
    """The run report's HTML for a loaded :class:`~sim.results.run_result.RunResult`, and warnings (charts that failed).

    With ``backtest_dir`` (a ``summitry backtest --out`` directory whose typical run ``result`` is),
    the page is that backtest's report: its fit-to-history section is the backtest's own (the
    ensemble's pattern shares, the skill over the null model, the baselines), and the run is shown
    as the backtest's typical run.
    """
    m = result.manifest
    sc = scenario_context(m, result.scenario_document, str(run_dir) if run_dir is not None else "run directory")
    items = narrative(result)
    charts = run_charts(result)
    history = None
    if sc["record"]:
        history = _history_rows(sc["record"], items, m)
        charts.append(history_chart(result, sc["record"], items))
    cols, rows = event_table(result)
    saved = ""
    if run_dir is not None and (Path(run_dir) / "run.json").exists():
        saved = dt.datetime.fromtimestamp((Path(run_dir) / "run.json").stat().st_mtime, dt.UTC).strftime("%d %B %Y, %H:%M UTC")
    overrides = [
        {"path": k, "value": fmt_value(v), "default": fmt_value(sc["defaults"].get(k)) if k in sc["defaults"] else "—"}
        for k, v in sorted((m.get("overrides") or {}).items())
    ]
    actors = m.get("actors", [])
    side_names = {sid: s.get("name", sid) for sid, s in (m.get("sides") or {}).items()}
    try:
        sentence = outcome_sentence(result)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
        sentence = f"Outcome: {m.get('outcome')} (the summary sentence could not be formed: {_first_line(exc)})."
    main_charts = [c for c in charts if c.id != "fig-history"]
    warnings = [f"chart {c.title!r} could not be drawn: {c.error}" for c in charts if c.error]
    backtest = _backtest_or_none(backtest_dir if backtest_dir is not None else run_dir, warnings)
    saved_ensemble = _saved_ensemble(run_dir, warnings)
    ensemble = ensemble_survival(run_dir, warnings, m.get("step_unit"), saved=saved_ensemble)
    n_charts = len(main_charts) + (1 if history else 0)
    for x in ensemble:
        if x["chart"] is not None:
            if x["chart"].error:
                warnings.append(f"chart {x['title']!r} could not be drawn: {x['chart'].error}")
            n_charts += 1
            x["chart"] = _safe_charts([x["chart"]], start=n_charts)[0]
    timing_chart = ensemble_timing(saved_ensemble, warnings, m.get("step_unit"))
    timing = None
    if timing_chart is not None:
        if timing_chart.error:
            warnings.append(f"chart {timing_chart.title!r} could not be drawn: {timing_chart.error}")
        n_charts += 1
        timing = _safe_charts([timing_chart], start=n_charts)[0]
    fitted = _fitted(m, page_dir if page_dir is not None else run_dir)  # page_dir: where the page goes, for relative links
    page = _render(
        "run_report.html.j2",
        fitted=fitted,
        report_kind="backtest report" if backtest_dir is not None else "run report",
        unit=m.get("step_unit"),
        backtest=backtest,
        ensemble=ensemble,
        timing=timing,
        m=m,
        sc=sc,
        title=sc["title"],
        outcome=sentence,
        outcome_code=outcome_label(m.get("outcome")),
        metrics=metric_rows(m, result.dimension_labels()),
        items=items,
        thresholds={"trust": TRUST_THRESHOLD, "stance": STANCE_THRESHOLD, "pressure": PRESSURE_THRESHOLD},
        n_events=result.events.num_rows,
        charts=_safe_charts(main_charts),
        history_chart=_safe_charts([c for c in charts if c.id == "fig-history"], start=len(main_charts) + 1),
        history=history,
        n_main=len(main_charts),
        overrides=overrides,
        versions=dict(m.get("versions") or {}),
        saved=saved,
        actors=actors,
        side_names=side_names,
        event_columns=cols,
        event_rows=rows,
        warnings=warnings,
    )
    return page, warnings


def _saved_ensemble(run_dir: str | Path | None, warnings: list[str]) -> tuple[Path, Any] | None:
    """(the backtest directory, its runs.parquet as a DataFrame) of a backtest's example run, read once; None otherwise."""
    if run_dir is None:
        return None
    parent = Path(run_dir).resolve().parent
    if not ((parent / "backtest.json").exists() and (parent / "runs.parquet").exists()):
        return None
    try:
        runs = pq.read_table(parent / "runs.parquet").to_pandas()
    except Exception as exc:  # a report must render even if the section cannot
        warnings.append(f"ensemble sections left out: {parent / 'runs.parquet'}: {_first_line(exc)}")
        return None
    return (parent, runs) if "model" in runs.columns else None


def ensemble_survival(
    run_dir: str | Path | None, warnings: list[str], unit: str | None = None, saved: tuple[Path, Any] | None = None
) -> list[dict[str, Any]]:
    """The Kaplan–Meier curves of the model ensemble a run belongs to (a backtest's example run), from its saved runs.parquet.

    Empty for a run that is not part of a saved ensemble, or whose ensemble was saved before the durations were kept.
    ``saved`` is the ensemble already read (:func:`_saved_ensemble`), if the caller has it.
    """
    saved = saved if saved is not None else _saved_ensemble(run_dir, warnings)
    if saved is None or "time_to_agreement" not in saved[1].columns:
        return []
    runs = saved[1]
    model = runs[runs["model"] == "model"]
    return survival_parts(survival_of_runs(model), "fig-ens-km", "model runs of the backtest's ensemble", unit)


def ensemble_timing(saved: tuple[Path, Any] | None, warnings: list[str], unit: str | None = None) -> Chart | None:
    """When the backtest's model and null model first did what each event pattern records (sim/figures/timing.py).

    From the saved ensemble (:func:`_saved_ensemble`) and the pattern definitions in the backtest.json beside it; None
    for any other run, or when no event pattern happened in any run. Pattern rows not of the shape a backtest writes
    are left out.
    """
    if saved is None:
        return None
    parent, runs = saved
    try:
        stored = json.loads((parent / "backtest.json").read_text()).get("patterns")
    except Exception as exc:  # a report must render even if the section cannot
        warnings.append(f"pattern timing left out: {parent / 'backtest.json'}: {_first_line(exc)}")
        return None
    patterns = [
        p
        for p in (stored if isinstance(stored, list) else [])
        if isinstance(p, dict) and isinstance(p.get("id"), str) and isinstance(p.get("window"), list) and len(p["window"]) == 2
    ]
    from summitry.sim.figures.timing import pattern_timing_figure, timed_patterns  # lazy: plotly only when a report is drawn

    if not timed_patterns(runs, patterns):
        return None
    return _chart(
        "fig-ens-timing",
        "When the model and the null model did what the record did",
        f"For each event pattern, the {in_unit('week', unit)} of its first occurrence in each run of the model (blue) and of the "
        "null model (grey), as box plots (median and quartiles; the whiskers reach the earliest and the latest run); the shaded band is "
        "the pattern's historical window, and the label gives the share of each ensemble's runs in which the event "
        "happened at all. The null model sends each kind as often as the model, so the model's skill comes from how much "
        "more of its box lies in the band.",
        functools.partial(pattern_timing_figure, runs, patterns, unit),
    )


def _history_rows(
    record: Sequence[Mapping[str, Any]], items: Sequence[Mapping[str, Any]], manifest: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One row per week that has a record entry or a significant run event (dated by the run's calendar)."""
    weeks: dict[int, dict[str, Any]] = {}

    def week(n: int) -> dict[str, Any]:
        return weeks.setdefault(n, {"week": n, "record": [], "run": [], "date": _week_date(manifest, n)})

    for r in record:
        week(int(r["week"]))["record"].append(r)
    for i in items:
        week(int(i["step"]))["run"].append(i)
    return [weeks[k] for k in sorted(weeks)]


def _week_date(manifest: Mapping[str, Any], week: int) -> str:
    try:
        start = dt.date.fromisoformat(str(manifest["start"])[:10])
        return (start + dt.timedelta(days=week * int(manifest.get("step_days", 7)))).isoformat()
    except (KeyError, ValueError, TypeError):
        return ""


def write_run_report(run_dir: str | Path, out_path: str | Path, pdf: bool = False) -> Path:
    """Write the HTML report of a saved run (and, with ``pdf``, a PDF beside it); returns the HTML path."""
    return _write_run_report(run_dir, out_path, pdf)[0]


def _write_run_report(run_dir: str | Path, out_path: str | Path, pdf: bool = False) -> tuple[Path, list[str]]:
    result = load_run(run_dir)
    page, warnings = render_run_report(result, run_dir, page_dir=Path(out_path).parent)
    return _write_page(page, out_path, pdf), warnings


def _write_backtest_report(backtest_dir: str | Path, out_path: str | Path, pdf: bool = False) -> tuple[Path, list[str]]:
    """The report of a ``summitry backtest --out`` directory: its typical run (example-run/) with the backtest's fit section."""
    d = Path(backtest_dir)
    example = d / "example-run"
    if not is_run_dir(example):
        raise RunDirError(
            f"{d}: a backtest directory without its typical run ({example}/run.json is missing); "
            "rerun `summitry backtest SCENARIO --out DIR` to write one"
        )
    result = load_run(example)
    page, warnings = render_run_report(result, example, backtest_dir=d, page_dir=Path(out_path).parent)
    return _write_page(page, out_path, pdf), warnings


def _fitted(manifest: Mapping[str, Any], run_dir: str | Path | None) -> dict[str, Any] | None:
    """The "fitted" badge of a run whose parameters came from a calibration (run.json's ``calibration``): its words and link."""
    prov = manifest.get("calibration")
    if not isinstance(prov, Mapping):
        return None
    return {
        "text": badge_text(prov),
        "href": report_link(prov, run_dir),
        "report": str(prov.get("report", "")),
        "exists": bool(prov.get("report_exists")),
        "params_file": str(prov.get("params_file", "")),
    }
