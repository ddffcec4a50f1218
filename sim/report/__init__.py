"""Run and sweep reports: one self-contained HTML file (and a PDF) from saved results.

Reports are built from a run directory (``run.json``, ``events``, ``series``)
or a sweep directory (``sweep.json``, ``runs/part-NNNNNN.parquet``) only — never
from a live model — so a report can be made years later from the files.

* HTML is rendered by Jinja2 templates (``sim/templates/``) with autoescaping
  on: a scenario title containing ``<script>`` is shown as text.
* plotly.js is inlined once (the copy bundled with plotly); figures are
  embedded as ``<div>`` + ``Plotly.newPlot``; the file makes no network
  request. Run-report charts come from :mod:`summitry.sim.figures` (the
  pure figure functions the dashboard shares), sweep charts from
  :mod:`summitry.sim.figures.sweeps`.
* The PDF is printed by headless Chromium from the HTML (A4 print CSS).
* Single charts can be exported as PNG/SVG through kaleido with the system
  Chromium (never a downloaded one).

One module per part, re-exported here (``from summitry.sim.report import write_report``):

* :mod:`summitry.sim.report.files`: which kind of results directory a path is; loading a run or a sweep;
* :mod:`summitry.sim.report.context`: the scenario's description, sources and parameters, and the backtest section;
* :mod:`summitry.sim.report.narrative`: the significant events in sentences, and the turning points;
* :mod:`summitry.sim.report.charts`: every chart, sized for the page; :mod:`summitry.sim.report.tables`: the tables;
* :mod:`summitry.sim.report.page`: the templates, plotly.js inlined, the atomic write;
* :mod:`summitry.sim.report.chromium`: PDF printing and PNG/SVG export through the system Chromium;
* :mod:`summitry.sim.report.run_report`, :mod:`summitry.sim.report.sweep_report`: the two reports;
* :mod:`summitry.sim.report.dispatch`: any results directory -> its report or its charts.
"""

from summitry.sim.report.charts import (
    CONTENT_WIDTH,
    HALF_WIDTH,
    PLOT_CONFIG,
    Chart,
    history_chart,
    run_charts,
    survival_parts,
    sweep_charts,
)
from summitry.sim.report.chromium import (
    CHROMIUM_NAMES,
    CHROMIUM_PROFILE_PREFIX,
    ChromiumNotFoundError,
    ExportUnavailableError,
    chromium_profile,
    export_figures,
    find_chromium,
    remove_orphan_profiles,
    write_pdf,
)
from summitry.sim.report.context import _builtin_scenario as _builtin_scenario  # its cache is cleared by tests
from summitry.sim.report.context import scenario_context
from summitry.sim.report.dispatch import export_charts, write_report
from summitry.sim.report.files import (
    EVENT_COLUMNS,
    MANIFEST_FIELDS,
    RUN_FILES,
    SERIES_COLUMNS,
    is_backtest_dir,
    is_run_dir,
    is_sweep_dir,
    load_run,
    load_sweep,
)
from summitry.sim.report.narrative import (
    ALWAYS_SOURCES,
    EPS,
    HAWKISH,
    PRESSURE_THRESHOLD,
    STANCE_THRESHOLD,
    SUMMIT_KINDS,
    TRUST_THRESHOLD,
    TURNING_KINDS,
    ZONE_KINDS,
    event_effect,
    is_significant,
    narrative,
    significant_events,
    turning_points,
)
from summitry.sim.report.page import TEMPLATE_DIR, plotly_js
from summitry.sim.report.run_report import ensemble_survival, render_run_report, write_run_report
from summitry.sim.report.sweep_report import render_sweep_report, write_sweep_report
from summitry.sim.report.tables import event_table, fmt_value, metric_rows

__all__ = [
    "ALWAYS_SOURCES",
    "CHROMIUM_NAMES",
    "CHROMIUM_PROFILE_PREFIX",
    "CONTENT_WIDTH",
    "EPS",
    "EVENT_COLUMNS",
    "HALF_WIDTH",
    "HAWKISH",
    "MANIFEST_FIELDS",
    "PLOT_CONFIG",
    "PRESSURE_THRESHOLD",
    "RUN_FILES",
    "SERIES_COLUMNS",
    "STANCE_THRESHOLD",
    "SUMMIT_KINDS",
    "TEMPLATE_DIR",
    "TRUST_THRESHOLD",
    "TURNING_KINDS",
    "ZONE_KINDS",
    "Chart",
    "ChromiumNotFoundError",
    "ExportUnavailableError",
    "chromium_profile",
    "ensemble_survival",
    "event_effect",
    "event_table",
    "export_charts",
    "export_figures",
    "find_chromium",
    "fmt_value",
    "history_chart",
    "is_backtest_dir",
    "is_run_dir",
    "is_significant",
    "is_sweep_dir",
    "load_run",
    "load_sweep",
    "metric_rows",
    "narrative",
    "plotly_js",
    "remove_orphan_profiles",
    "render_run_report",
    "render_sweep_report",
    "run_charts",
    "scenario_context",
    "significant_events",
    "survival_parts",
    "sweep_charts",
    "turning_points",
    "write_pdf",
    "write_report",
    "write_run_report",
    "write_sweep_report",
]
