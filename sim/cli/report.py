"""The ``summitry report`` command: an HTML (and PDF) report of a run, sweep or backtest directory.

The report's modules are imported when the command runs, not with this module, so that ``summitry --help`` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summitry.sim import cli
from summitry.sim.cli.help_texts import path_argument, path_option
from summitry.sim.errors import InputError
from summitry.sim.outputs import CHARTS_MARKER, check_charts_dir


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)


def report_cmd(
    directory: Annotated[
        Path,
        path_argument(
            help="A run directory (run.json, events, series), a sweep directory (sweep.json, runs/) "
            "or a backtest directory (backtest.json, example-run/)."
        ),
    ],
    output: Annotated[
        Path | None, path_option("-o", "--output", help="HTML file to write (default: DIR/report.html); a missing folder is created.")
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print a PDF beside the HTML (needs Chromium).")] = False,
    charts: Annotated[
        Path | None, path_option("--charts", help="Also export every chart as an image into this directory (kaleido + Chromium).")
    ] = None,
    chart_format: Annotated[str | None, typer.Option("--chart-format", help="png (the default) or svg; with --charts.")] = None,
) -> None:
    """Write a self-contained HTML report (opens offline) of a saved run, sweep or backtest; --pdf also prints it to A4."""
    from summitry.sim.report import ExportUnavailableError, export_charts, write_report  # lazy: plotly, jinja2, pandas; a fast --help

    if chart_format is not None and chart_format not in ("png", "svg"):
        raise InputError(f"--chart-format {chart_format}: must be png or svg")
    if chart_format is not None and charts is None:
        # it sets the format of the charts --charts exports; alone it would be ignored without a word
        raise InputError(f"--chart-format {chart_format}: only with --charts DIR, whose image files it sets")
    chart_format = chart_format or "png"
    if output is not None and output.suffix.lower() == ".pdf":
        # the report is HTML; its PDF is printed beside it (same name, .pdf): an HTML file named .pdf opens as nothing
        raise InputError(
            f"{cli.as_typed('-o', '--output')} {output}: the report is an HTML file, and --pdf prints its PDF beside it; "
            f"write {cli.as_typed('-o', '--output')} {output.with_suffix('.html')} --pdf"
        )
    if charts is not None:
        check_charts_dir(charts)
    path, warnings = write_report(directory, output, pdf=pdf, flag=cli.as_typed("-o", "--output"))
    for w in warnings:
        cli.say(cli.err, ("warning:", "yellow"), " ", w)
    size = path.stat().st_size / 1e6
    cli.say(cli.err, f"wrote {path} ({size:.1f} MB)")
    if pdf:
        cli.say(cli.err, f"wrote {path.with_suffix('.pdf')}")
    if charts is not None:
        try:
            written = export_charts(directory, charts, chart_format)
        except ExportUnavailableError as exc:
            cli.say(cli.err, ("warning:", "yellow"), " ", str(exc))
        else:
            (charts / CHARTS_MARKER).write_text("".join(f"{p.name}\n" for p in written), encoding="utf-8")
            cli.say(cli.err, f"wrote {len(written)} charts to {charts}/ ({chart_format})")
