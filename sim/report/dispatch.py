"""Any results directory (a run, a backtest, a sweep) -> its report, or its charts as image files."""

from __future__ import annotations

from pathlib import Path

from summitry.sim.errors import RunDirError
from summitry.sim.outputs import check_readable_dir
from summitry.sim.report.charts import Chart, history_chart, run_charts, sweep_charts, titled_figure
from summitry.sim.report.chromium import export_figures
from summitry.sim.report.context import scenario_context
from summitry.sim.report.files import is_backtest_dir, is_run_dir, is_sweep_dir, load_run, load_sweep
from summitry.sim.report.narrative import narrative
from summitry.sim.report.page import _output_path
from summitry.sim.report.run_report import _write_backtest_report, _write_run_report
from summitry.sim.report.sweep_report import _write_sweep_report


def write_report(
    directory: str | Path, out_path: str | Path | None = None, pdf: bool = False, flag: str = "--output"
) -> tuple[Path, list[str]]:
    """A run, sweep or backtest report of ``directory`` (told apart by run.json / sweep.json / backtest.json): (HTML path, warnings).

    ``flag``: the option that gave ``out_path`` as typed (``-o`` or ``--output``), named by the messages about it.
    """
    d = Path(directory)
    if not d.exists():
        raise RunDirError(f"{d}: no such directory")
    if not d.is_dir():
        raise RunDirError(
            f"{d}: not a directory; give a run directory (run.json, events, series), a sweep directory (sweep.json, runs/) "
            "or a backtest directory (backtest.json, example-run/)"
        )
    check_readable_dir(d, str(d))
    out = Path(out_path) if out_path is not None else d / "report.html"
    _output_path(out, pdf, flag)  # before any work
    if is_run_dir(d):
        return _write_run_report(d, out, pdf=pdf)
    if is_sweep_dir(d):
        return _write_sweep_report(d, out, pdf=pdf)
    if is_backtest_dir(d):
        return _write_backtest_report(d, out, pdf=pdf)
    raise RunDirError(
        f"{d}: not a run directory (no run.json), a sweep directory (no sweep.json) or a backtest directory (no backtest.json); "
        "make one with `summitry run SCENARIO --out DIR`, `summitry sweep SPEC --out DIR` or `summitry backtest SCENARIO --out DIR`"
    )


def export_charts(directory: str | Path, out_dir: str | Path, fmt: str = "png") -> list[Path]:
    """Export every chart of a run's or sweep's report as PNG/SVG files in ``out_dir``."""
    d = Path(directory)
    check_readable_dir(d, str(d))
    charts: list[Chart]
    if not is_run_dir(d) and not is_sweep_dir(d) and is_backtest_dir(d):
        d = d / "example-run"  # a backtest's charts are its typical run's
    if is_run_dir(d):
        result = load_run(d)
        charts = run_charts(result)
        sc = scenario_context(result.manifest, result.scenario_document, str(d))
        if sc["record"]:
            charts.append(history_chart(result, sc["record"], narrative(result)))
    elif is_sweep_dir(d):
        manifest, runs = load_sweep(d)
        parts = sweep_charts(manifest, runs)
        charts = [*([parts["share"]] if "share" in parts else []), *parts["params"], *parts["heatmaps"], *parts["sensitivity"]]
        charts += [x["chart"] for x in parts["metrics"] if x["chart"] is not None]
    else:
        raise RunDirError(
            f"{d}: not a run directory (no run.json), a sweep directory (no sweep.json) or a backtest directory (no backtest.json)"
        )
    # an image file has no caption: each figure carries its chart's title
    figures = {c.id.removeprefix("fig-"): titled_figure(c) for c in charts if c.figure is not None}
    return export_figures(figures, out_dir, fmt)
