"""What headless Chromium does for the reports: finding the system's browser, printing the HTML to PDF in a throw-away
profile (and removing profiles a killed run left behind), and exporting single charts as PNG or SVG through kaleido."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError, SummitryError
from summitry.sim.report.charts import CONTENT_WIDTH
from summitry.sim.report.files import _first_line


class ChromiumNotFoundError(InputError):
    """No Chromium (or Chrome) executable to print a PDF or export a chart with."""


class ExportUnavailableError(SummitryError):
    """Chart export (PNG/SVG) is not possible here: kaleido or Chromium is missing or broken."""


# --------------------------------------------------------------------- PDF

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_chromium() -> str:
    """Path of a Chromium/Chrome executable on PATH (``SUMMITRY_CHROMIUM`` overrides)."""
    env = os.environ.get("SUMMITRY_CHROMIUM")
    if env:
        if shutil.which(env):
            return str(shutil.which(env))
        raise ChromiumNotFoundError(f"SUMMITRY_CHROMIUM={env}: no such executable")
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise ChromiumNotFoundError(
        "no Chromium found: --pdf (and chart export) need one of "
        + ", ".join(CHROMIUM_NAMES[:3])
        + " on PATH (Debian: apt-get install chromium); the HTML report was written"
    )


CHROMIUM_PROFILE_PREFIX = "summitry-chromium-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphan_profiles(parent: str | Path | None = None) -> list[Path]:
    """Remove Chromium profiles left by summitry processes that no longer run (killed with SIGKILL, say).

    Only directories named ``summitry-chromium-<pid>-XXXXXXXX`` whose pid is
    gone are removed; a profile of a live process (another report being
    printed) is kept.
    """
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(base.glob(f"{CHROMIUM_PROFILE_PREFIX}*"))
    except OSError:
        return removed
    for entry in entries:
        m = re.fullmatch(rf"{CHROMIUM_PROFILE_PREFIX}(\d+)-[A-Za-z0-9_]{{8}}", entry.name)
        if m is None or not entry.is_dir() or entry.is_symlink() or _pid_alive(int(m.group(1))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


@contextlib.contextmanager
def chromium_profile(parent: str | Path | None = None) -> Iterator[str]:
    """A fresh Chromium profile directory, removed on every way out.

    Normal return, exceptions and Ctrl-C remove it here; SIGTERM does too
    (the command line turns it into an exit); after a SIGKILL nothing can
    run, so the next profile made removes those of processes that are gone.
    """
    remove_orphan_profiles(parent)
    profile = tempfile.mkdtemp(prefix=f"{CHROMIUM_PROFILE_PREFIX}{os.getpid()}-", dir=parent)
    try:
        yield profile
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def write_pdf(html_path: str | Path, pdf_path: str | Path, timeout: float = 120.0) -> Path:
    """Print an HTML report to an A4 PDF with headless Chromium (charts rendered, no toolbar)."""
    chrome = find_chromium()
    src = Path(html_path).resolve()
    target = Path(pdf_path)

    def run(tmp: str) -> None:
        with chromium_profile() as profile:
            cmd = [
                chrome,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-extensions",
                "--no-first-run",
                "--hide-scrollbars",
                "--mute-audio",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                "--run-all-compositor-stages-before-draw",
                "--virtual-time-budget=30000",
                f"--print-to-pdf={tmp}",
                src.as_uri(),
            ]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                raise RuntimeError(f"Chromium did not finish printing {src} within {timeout:.0f} s") from None
            ok = Path(tmp).exists() and Path(tmp).stat().st_size > 0 and Path(tmp).read_bytes()[:5] == b"%PDF-"
            if proc.returncode != 0 or not ok:
                tail = "\n".join((proc.stderr or "").strip().splitlines()[-5:])
                raise RuntimeError(f"Chromium failed to print {src} (exit {proc.returncode}):\n{tail}")

    write_atomically(target, run)
    return target


# ------------------------------------------------------------ chart export


def export_figures(figures: Mapping[str, Any], out_dir: str | Path, fmt: str = "png", scale: float = 2.0) -> list[Path]:
    """Write each figure as ``out_dir/<name>.<fmt>`` through kaleido and the system Chromium.

    Raises :class:`ExportUnavailableError` with a clear message when kaleido is
    not installed or cannot start Chromium; never downloads a browser.
    """
    if fmt not in ("png", "svg"):
        raise InputError(f"--chart-format {fmt}: must be png or svg")
    try:
        import kaleido  # optional: chart export only, and kaleido may be missing or broken
    except ImportError:
        raise ExportUnavailableError("chart export skipped: kaleido is not installed (pip install kaleido)") from None
    try:
        chrome = find_chromium()
    except ChromiumNotFoundError as exc:
        raise ExportUnavailableError(f"chart export skipped: {exc}") from None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("BROWSER_PATH", chrome)  # kaleido (choreographer) uses this Chromium, never its own download
    jobs = []
    paths = []
    for name, fig in figures.items():
        path = out / f"{name}.{fmt}"
        w = int(fig.layout.width or CONTENT_WIDTH)
        h = int(fig.layout.height or 420)
        if w < CONTENT_WIDTH:  # a half-width report chart is exported at full width
            w, h = CONTENT_WIDTH, round(h * 1.4)
        jobs.append(
            {"fig": fig, "path": str(path), "opts": {"format": fmt, "width": w, "height": h, "scale": scale if fmt == "png" else 1}}
        )
        paths.append(path)
    # kaleido returns the renders that failed (one past its wait on a busy machine, for one) instead of raising
    # them: those charts are rendered once more, alone and with a longer wait, before the export gives up
    problems: list[BaseException] = []
    for attempt, wait in enumerate(RENDER_WAITS):
        todo = [job for job in jobs if not _written(Path(job["path"]))]
        if not todo:
            break
        try:
            returned = kaleido.write_fig_from_object_sync(todo, kopts={"timeout": wait})
        except Exception as exc:
            if attempt == 0:
                raise ExportUnavailableError(f"chart export skipped: kaleido could not render with {chrome} ({_first_line(exc)})") from None
            returned = (exc,)
        problems = [e for e in (returned or ()) if isinstance(e, BaseException)]
    missing = [p for p in paths if not _written(p)]
    if missing:
        why = f" ({_first_line(problems[0])})" if problems else ""
        raise ExportUnavailableError(f"chart export failed: kaleido wrote no {', '.join(p.name for p in missing)}{why}")
    return paths


RENDER_WAITS = (90.0, 300.0)
"""Seconds kaleido may spend on one chart: the first pass (kaleido's own default), then the one retry of the charts it did not write."""


def _written(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0
