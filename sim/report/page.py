"""One self-contained HTML page from a template: Jinja2 with autoescaping, plotly.js inlined once, the package versions
in the footer; written atomically, and printed to PDF when asked."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError
from summitry.sim.labels import counted, in_unit, pattern_window_text
from summitry.sim.outputs import REPORT_HTML_MARKERS, REPORT_PDF_MARKERS, check_out_file, check_output_path
from summitry.sim.report.charts import CONTENT_WIDTH, Chart
from summitry.sim.report.chromium import find_chromium, write_pdf
from summitry.sim.report.narrative import _fmt_date
from summitry.sim.report.tables import fmt_value

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def _package_versions() -> dict[str, str]:
    out = {}
    for pkg in ("summitry", "plotly", "jinja2"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out


# ---------------------------------------------------------------- templates


@functools.lru_cache(maxsize=1)
def _env() -> Any:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2", "jinja"), default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt_value
    env.filters["counted"] = counted  # n | counted("run"): "1 run", "4 runs"
    env.filters["date"] = _fmt_date
    env.filters["window"] = pattern_window_text  # a pattern's window and tolerance, as the CLI's backtest table prints them
    env.filters["in_unit"] = in_unit  # "weeks" | in_unit(unit): the words that count steps, in the run's unit
    return env


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundled with the plotly package (inlined once per report)."""
    from plotly.offline import get_plotlyjs  # heavy (plotly): only when a report is written

    js: str = get_plotlyjs()
    return js.replace("</script", "<\\/script")


def _render(template: str, **ctx: Any) -> str:
    css = (TEMPLATE_DIR / "report.css").read_text()
    return str(
        _env()
        .get_template(template)
        .render(
            css=Markup(css),
            plotly_js=Markup(plotly_js()),
            generated=dt.datetime.now(dt.UTC).strftime("%d %B %Y, %H:%M UTC"),
            report_versions=_package_versions(),
            content_width=CONTENT_WIDTH,
            **ctx,
        )
    )


def _safe_charts(charts: Sequence[Chart], start: int = 1) -> list[dict[str, Any]]:
    out = []
    for n, c in enumerate(charts, start):
        out.append({"id": c.id, "n": n, "title": c.title, "caption": c.caption, "html": Markup(c.html), "error": c.error, "half": c.half})
    return out


def _write_page(page: str, out_path: str | Path, pdf: bool) -> Path:
    out = _output_path(out_path, pdf)
    if pdf:
        find_chromium()  # fail before writing anything when the PDF cannot be made
    out.parent.mkdir(parents=True, exist_ok=True)  # -o into a folder that does not exist yet (checked writable before any work)
    write_atomically(out, lambda p: Path(p).write_text(page, encoding="utf-8"))
    if pdf:
        write_pdf(out, out.with_suffix(".pdf"))
    return out


def _output_path(out_path: str | Path, pdf: bool = False, flag: str = "--output") -> Path:
    """The report's path, checked: never a directory, never a file (HTML or its PDF) that summitry did not write.

    ``flag``: the option that gave the path, as typed (``-o`` or ``--output``), which the messages name.
    """
    out = Path(out_path)
    check_output_path(out, flag)
    if out.is_dir():
        raise InputError(f"{flag} {out}: is a directory; give a file name for the report (e.g. {out / 'report.html'})")
    # a missing parent folder is created when the report is written; check_output_path has checked that
    # its nearest existing ancestor is a directory summitry can write in
    check_out_file(out, flag, REPORT_HTML_MARKERS, kind="an HTML report written by summitry")
    if pdf:
        check_out_file(out.with_suffix(".pdf"), "--pdf", REPORT_PDF_MARKERS, kind="a PDF report written by summitry")
    return out
