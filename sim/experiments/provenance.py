"""Where fitted parameters come from: the ``calibration:`` block of a calibration's parameter files.

``summitry calibrate`` writes, into ``calibrated.yaml`` (and a joint fit's
``calibrated-CASE.yaml``), beside ``scenario``, ``description`` and
``parameters``::

    calibration:
      method: smc            # or rejection
      scenarios: [singapore-2018]
      seed: 0
      report: posterior.html # the calibration's report, relative to this file

It holds no absolute path and no time, so the same calibration in another
directory writes the same bytes. A run, backtest or dashboard given such a
file with ``--params`` reads the block (:func:`read_provenance`), resolves the
report against the file's folder, and shows a "fitted" badge linking to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from summitry.sim.errors import InputError
from summitry.sim.scenario.overrides import read_params


def provenance_block(method: str, scenarios: Sequence[str], seed: int, report: str = "posterior.html") -> dict[str, Any]:
    """The ``calibration:`` block a calibration writes into its parameter files."""
    return {"method": method, "scenarios": list(scenarios), "seed": int(seed), "report": report}


def read_provenance(params: str | Path) -> dict[str, Any] | None:
    """The calibration a parameter file comes from (None when it has no ``calibration:`` block).

    Returns the block with ``report`` an absolute path (resolved against the
    file's folder), ``params_file`` the file's absolute path, ``report_exists``
    and ``parameters`` (the fitted values). The file is read as ``--params``
    reads it (:func:`summitry.sim.scenario.overrides.read_params`, which checks
    the block's fields); a file that does not pass is one without a block here
    (the command that read it first has reported why).
    """
    path = Path(params)
    try:
        got = read_params(path)
    except InputError:
        return None
    block = got.calibration
    if block is None:
        return None
    report = path.parent / block.report
    try:
        # a report that cannot be looked at (a folder that cannot be entered, a path the system finds too long
        # once joined to the file's folder) is one that is not there: the badge shows without its link
        report = report.resolve()
        exists = report.is_file()
    except (OSError, ValueError):
        report, exists = Path(os.path.abspath(report)), False
    return {
        "method": block.method,
        "scenarios": list(block.scenarios),
        "seed": block.seed,
        "report": str(report),
        "report_exists": exists,
        "params_file": str(path.resolve()),
        "parameters": dict(got.values),
    }


def run_provenance(params: str | Path | None, changed: Iterable[str] = ()) -> dict[str, Any] | None:
    """What a run records of its calibration (``run.json``'s ``calibration``): the block, and the fitted paths ``--set`` changed."""
    if params is None:
        return None
    prov = read_provenance(params)
    if prov is None:
        return None
    fitted = set(prov["parameters"])
    named = [k if k in fitted else f"parameters.{k}" for k in changed]  # --set takes parameters' short names too
    prov["changed"] = sorted({k for k in named if k in fitted})
    return prov


def report_link(prov: Mapping[str, Any], page_dir: str | Path | None) -> str:
    """The calibration report's path as a page in ``page_dir`` links to it: relative when it can be, else absolute."""
    report = str(prov.get("report", ""))
    if page_dir is None or not report:
        return report
    try:
        return os.path.relpath(report, Path(page_dir).resolve())
    except ValueError:  # another drive (Windows)
        return report


def badge_text(prov: Mapping[str, Any]) -> str:
    """The words beside a "fitted" badge."""
    how = {"smc": "ABC-SMC", "rejection": "rejection ABC"}.get(str(prov.get("method")), str(prov.get("method") or "a calibration"))
    cases = ", ".join(prov.get("scenarios") or [])
    text = f"parameters fitted by {how}" + (f" to {cases}" if cases else "") + f" (seed {prov.get('seed')})"
    if prov.get("changed"):
        text += "; changed since by --set: " + ", ".join(prov["changed"])
    return text
