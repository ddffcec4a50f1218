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

import yaml


def provenance_block(method: str, scenarios: Sequence[str], seed: int, report: str = "posterior.html") -> dict[str, Any]:
    """The ``calibration:`` block a calibration writes into its parameter files."""
    return {"method": method, "scenarios": list(scenarios), "seed": int(seed), "report": report}


def read_provenance(params: str | Path) -> dict[str, Any] | None:
    """The calibration a parameter file comes from (None when it has no ``calibration:`` block).

    Returns the block with ``report`` an absolute path (resolved against the
    file's folder), ``params_file`` the file's absolute path, ``report_exists``
    and ``parameters`` (the fitted values). The file has been read by
    :func:`summitry.sim.scenario.overrides.read_params_file`, which checked
    its format; this only reads the block.
    """
    path = Path(params)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    block = data.get("calibration") if isinstance(data, Mapping) else None
    if not isinstance(block, Mapping):
        return None
    report = (path.parent / str(block.get("report") or "posterior.html")).resolve()
    params_values = data.get("parameters") if isinstance(data.get("parameters"), Mapping) else {}
    return {
        "method": str(block.get("method", "")),
        "scenarios": [str(s) for s in block.get("scenarios") or []],
        "seed": block.get("seed"),
        "report": str(report),
        "report_exists": report.exists(),
        "params_file": str(path.resolve()),
        "parameters": {str(k): v for k, v in params_values.items()},
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
