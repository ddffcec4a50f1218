"""What a report says around its results: the scenario's description, sources and parameters (from the document saved with
the results, else the built-in file of the same content), and the backtest section when one applies."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from summitry.sim.errors import SummitryError
from summitry.sim.outputs import SCENARIO_FILE
from summitry.sim.report.backtest import backtest_section
from summitry.sim.report.files import _first_line
from summitry.sim.scenario.document import Scenario, builtin_names, load_scenario, validate_data
from summitry.sim.scenario.overrides import parameter_value


@functools.lru_cache(maxsize=8)
def _builtin_scenario(name: str) -> Scenario | None:
    if name not in builtin_names():
        return None
    return load_scenario(name)


def _builtin_or_none(name: str) -> Scenario | None:
    """Today's built-in scenario of that name, or None (not built in, or the built-in folder is unavailable)."""
    try:
        return _builtin_scenario(name)
    except (SummitryError, OSError):
        return None


def scenario_context(
    manifest: Mapping[str, Any], document: Mapping[str, Any] | None = None, source: str = "run directory"
) -> dict[str, Any]:
    """What the report says about the scenario.

    From ``document`` (the run directory's ``scenario.json``: the scenario the
    run used, after overrides) when there is one, so an uploaded or since
    edited scenario is reported as it was run; else, for run directories saved
    before runs kept their scenario, from today's built-in file of that name
    (with a note), else from the manifest alone (with a note saying what is
    missing).
    """
    name = str(manifest.get("scenario", ""))
    ctx: dict[str, Any] = {
        "name": name,
        "title": str(manifest.get("title") or name),
        "description": str(manifest.get("description", "")),
        "sources": list(manifest.get("sources", []) or []),
        "record": [],
        "builtin": False,
        "note": "",
        "defaults": {},
        "scenario": None,
    }
    overrides = dict(manifest.get("overrides") or {})
    want = str(manifest.get("scenario_hash") or "")
    sc: Scenario | None = None
    if document is not None:
        try:
            sc = validate_data(document, f"{source}/{SCENARIO_FILE}", {})
        except SummitryError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            ctx["note"] = f"The scenario stored with this run no longer validates ({first}): description, sources and record are not shown."
            return ctx
        # runs made until 7 December 2026 recorded the hash of sorted mappings (Scenario.legacy_content_hash)
        if want and want not in (sc.content_hash(), sc.legacy_content_hash()):
            ctx["note"] = (
                f"The stored {SCENARIO_FILE} does not match the run's content hash ({want[:12]} in run.json, "
                f"{sc.content_hash()[:12]} in {SCENARIO_FILE}): it was changed after the run."
            )
        builtin = _builtin_or_none(name)
        ctx["builtin"] = builtin is not None
        # defaults of the overridden numbers: only known from the built-in file the run was made from
        if builtin is not None and overrides and _same_run_scenario(name, overrides, want):
            ctx["defaults"] = _defaults(builtin, overrides)
    else:
        sc = _builtin_or_none(name)
        if sc is None:
            ctx["note"] = (
                f"This run directory has no {SCENARIO_FILE} (saved before runs kept their scenario) and {name!r} is not "
                "an available built-in scenario: description, sources and historical record are missing."
            )
            return ctx
        ctx["builtin"] = True
        ctx["defaults"] = _defaults(sc, overrides)
        same = not want or _same_run_scenario(name, overrides, want)
        ctx["note"] = (
            f"This run directory has no {SCENARIO_FILE} (saved before runs kept their scenario): description, sources "
            f"and record are from today's built-in {name!r}"
            + (
                "."
                if same
                else f", which has changed since this run was made (content hash {want[:12]} in the run, "
                f"{_current_hash(name, overrides)[:12] or 'unknown'} now)."
            )
        )
    ctx.update(scenario=sc, description=sc.description, sources=list(sc.sources))
    if not manifest.get("title"):
        ctx["title"] = sc.title
    ctx["record"] = [
        {
            "week": int(r.week if r.week is not None else sc.week_of(r.date)),
            "date": r.date.isoformat(),
            "text": r.text,
            "source": r.source,
        }
        for r in sc.record
    ]
    return ctx


def _defaults(sc: Scenario, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario's own value of each overridden path, for the report's "default" column.

    A path with no readable value in the scenario (an override saved by an older
    version of a file) is left out: the report shows the override alone."""
    out: dict[str, Any] = {}
    for path in overrides:
        try:
            out[path] = parameter_value(sc, path)
        except (KeyError, ValueError, TypeError):
            pass
    return out


def _current_scenario(name: str, overrides: Mapping[str, Any]) -> Scenario | None:
    """Today's built-in ``name`` with ``overrides`` (None when it is gone or they no longer apply)."""
    try:
        if overrides:
            return load_scenario(name, {k: str(v) for k, v in overrides.items()})
        return _builtin_or_none(name)
    except (SummitryError, OSError):  # an override the current file no longer has
        return None


def _current_hash(name: str, overrides: Mapping[str, Any]) -> str:
    """Content hash of today's built-in ``name`` with ``overrides`` ("" when they no longer apply)."""
    found = _current_scenario(name, overrides)
    return found.content_hash() if found is not None else ""


def _same_run_scenario(name: str, overrides: Mapping[str, Any], want: str) -> bool:
    """Whether today's built-in ``name`` with ``overrides`` is the scenario whose hash the run recorded (either kind)."""
    found = _current_scenario(name, overrides)
    return found is not None and want in (found.content_hash(), found.legacy_content_hash())


def _backtest_or_none(directory: str | Path | None, warnings: list[str]) -> dict[str, Any] | None:
    """The backtest section of a saved directory, or None (no patterns, or nothing to score)."""
    if directory is None:
        return None
    try:
        section = backtest_section(directory)
    except Exception as exc:  # a report must render even if the section cannot
        warnings.append(f"backtest section left out: {_first_line(exc)}")
        return None
    return section if section.get("patterns") else None
