"""The backtest section of reports: a summary of any run, backtest, sweep or calibration directory, from saved files only."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from summitry.sim.analysis.patterns import score_run, weighted_score
from summitry.sim.analysis.sweeps import load_manifest, load_runs
from summitry.sim.errors import RunDirError, ScenarioError
from summitry.sim.experiments.backtest import mean_ci, pattern_def, share
from summitry.sim.labels import event_sentence
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.summary import key_events
from summitry.sim.scenario.document import Scenario, builtin_names, load_scenario, validate_data

# -------------------------------------------------------------- for reports


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise RunDirError(f"{path}: cannot read ({exc})") from None
    return data


def _scenario_for(name: str, scenario: Scenario | None, stored: RunResult | Mapping[str, Any] | None = None) -> Scenario | None:
    """The scenario a saved directory was made from: the one given, else the document stored with it, else the built-in of that name."""
    if scenario is not None:
        return scenario
    document = stored.scenario_document if isinstance(stored, RunResult) else stored
    if isinstance(document, Mapping):
        try:
            return validate_data(document, f"{name} (as stored with the results)", {})
        except ScenarioError:  # written by an older engine: fall back to the built-in file, if any
            pass
    if name in builtin_names():
        return load_scenario(name)
    return None


def _record_rows(sc: Scenario | None) -> list[dict[str, Any]]:
    if sc is None:
        return []
    return [
        {"week": int(r.week if r.week is not None else sc.week_of(r.date)), "date": r.date.isoformat(), "text": r.text} for r in sc.record
    ]


def _timeline(sc: Scenario | None, result: RunResult | None) -> list[dict[str, Any]]:
    """Historical record beside a run's key events, one row per week that has either."""
    weeks: dict[int, dict[str, Any]] = {}

    def row(w: int) -> dict[str, Any]:
        date = sc.date_of(w).isoformat() if sc is not None else ""
        return weeks.setdefault(w, {"week": w, "date": date, "historical": [], "simulated": []})

    for r in _record_rows(sc):
        row(r["week"])["historical"].append(r["text"])
    if result is not None:
        actors = result.manifest.get("actors", [])
        names = {a["id"]: a.get("name", a["id"]) for a in actors}
        roles = {a["id"]: str(a.get("role", "")) for a in actors}
        for e in key_events(result, limit=200):
            row(int(e["step"]))["simulated"].append(event_sentence(e, names, roles))
    return [weeks[w] for w in sorted(weeks)]


def _pattern_defs(sc: Scenario) -> list[dict[str, Any]]:
    return [pattern_def(p, sc.time.steps) for p in sc.patterns]


def backtest_section(run_or_sweep_dir: str | Path, scenario: Scenario | None = None) -> dict[str, Any]:
    """What a report shows about a directory's fit to history, from saved files only (never runs anything).

    Accepts a run directory (run.json), a backtest directory
    (backtest.json), a sweep directory (sweep.json; pattern columns when it
    was run with ``patterns: true``) or a calibration directory
    (calibration.json). ``scenario`` is needed only for scenarios that are not
    built in. Returns::

        {"kind": "run" | "backtest" | "sweep" | "calibration",
         "scenario", "title",
         "patterns": [{"id", "text", "window", "scored_weeks", "absent", "weight",
                       "run": 0/1 or None,                      # this run (run directories)
                       "model": {"share", "low", "high", "runs"} or None,
                       "null":  {...} or None,
                       "skill": {"value", "low", "high"} or None,
                       "contribution": {"value", "low", "high", "runs"} or None,   # its part of the overall skill
                       "headroom": float or None}],                           # the skill it would add if matched
         "overall": {"run", "model", "null", "skill"},           # weighted scores (None when unknown)
         "timeline": [{"week", "date", "historical": [...], "simulated": [...]}],
         "calibration": {...} or None,                           # prior vs posterior, before/after
         "comparison": {...},                                    # backtest directories made with --compare only
         "record": {...},                                        # backtest directories made with --record only
         "notes": [...]}

    For a run directory the skill over the null model comes from a
    backtest.json in the directory or its parent (a backtest's example run);
    otherwise it is None and a note says how to get it.
    """
    d = Path(run_or_sweep_dir)
    if not d.is_dir():
        raise RunDirError(f"{d}: not a directory")
    if (d / "calibration.json").exists():
        return _calibration_section(d, scenario)
    if (d / "backtest.json").exists():
        bt = _load_json(d / "backtest.json")
        example_run = _load_example(d / "example-run")
        sc = _scenario_for(str(bt["scenario"]), scenario, example_run)
        return _from_backtest_summary("backtest", bt, bt, sc, example_run)
    if (d / "run.json").exists():
        return _run_section(d, scenario)
    if (d / "sweep.json").exists():
        return _sweep_section(d, scenario)
    raise RunDirError(
        f"{d}: not a run, backtest, sweep or calibration directory (no run.json, backtest.json, sweep.json or calibration.json)"
    )


def _calibration_section(d: Path, scenario: Scenario | None) -> dict[str, Any]:
    """A calibration directory: the calibrated backtest (backtest-after), with the prior's scores as 'before'."""
    notes: list[str] = []
    cal = _load_json(d / "calibration.json")
    after = cal.get("after") or {}
    example = d / "backtest-after" / "example-run"
    result = _load_example(example)
    stored = (_load_json(d / "sweep.json") if (d / "sweep.json").exists() else {}).get("scenario_document")
    sc = _scenario_for(str(cal["scenario"]), scenario, stored if stored is not None else result)
    section = _from_backtest_summary("calibration", cal, after, sc, result)
    section["calibration"] = {
        k: cal.get(k)
        for k in (
            "parameters",
            "calibrated",
            "points",
            "runs_per_point",
            "accept",
            "accepted",
            "accepted_runs",
            "runs",
            "epsilon",
            "design",
        )
    }
    section["calibration"]["before"] = {
        "patterns": (cal.get("before") or {}).get("patterns"),
        "overall": (cal.get("before") or {}).get("overall"),
    }
    if after:
        notes.append("Pattern shares and skill are for the calibrated parameters (calibrated.yaml); 'before' holds the defaults'.")
    section["notes"] = notes + section["notes"]
    return section


def _backtest_beside(d: Path, scenario_name: str) -> dict[str, Any] | None:
    """The summary of a backtest of the same scenario in the run's directory or its parent (a backtest's example run)."""
    for cand in (d / "backtest.json", d.parent / "backtest.json"):
        if cand.exists():
            s = _load_json(cand)
            if s.get("scenario") == scenario_name:
                return s
    return None


def _run_section(d: Path, scenario: Scenario | None) -> dict[str, Any]:
    """A run directory: this run's score on each pattern, with the model's shares and skill if a backtest is beside it."""
    notes: list[str] = []
    result = RunResult.load(d)
    name = str(result.manifest.get("scenario"))
    sc = _scenario_for(name, scenario, result)
    if sc is None:
        raise RunDirError(f"{d}: scenario {name!r} is not built in and the run directory has no scenario.json; pass the scenario")
    scores = score_run(result, sc)
    bt_summary = _backtest_beside(d, sc.name)
    by_id = {p["id"]: p for p in (bt_summary or {}).get("patterns", [])}
    pats = []
    for p in _pattern_defs(sc):
        b = by_id.get(p["id"], {})
        pats.append(
            {
                **p,
                "run": _num(scores[p["id"]]),
                "model": b.get("model"),
                "null": b.get("null"),
                "skill": b.get("skill"),
                "contribution": b.get("contribution"),
                "headroom": b.get("headroom"),
            }
        )
    ov = (bt_summary or {}).get("overall", {})
    if bt_summary is None:
        notes.append(
            f"No backtest beside this run: `summitry backtest {sc.name} --out DIR` gives each pattern's share and skill over the null model."
        )
    if result.manifest.get("mode") == "forcing":
        notes.append("This run is in forcing mode (the record was injected): matching patterns is expected, not evidence.")
    return {
        "kind": "run",
        "scenario": sc.name,
        "title": sc.title,
        "patterns": pats,
        "overall": {
            "run": _num(weighted_score(scores, sc.patterns)) if sc.patterns else None,
            "model": ov.get("model"),
            "null": ov.get("null"),
            "skill": ov.get("skill"),
        },
        "baselines": (bt_summary or {}).get("baselines"),
        "timeline": _timeline(sc, result),
        "calibration": None,
        "notes": notes,
    }


def _sweep_section(d: Path, scenario: Scenario | None) -> dict[str, Any]:
    """A sweep directory: each pattern's share over every run of the sweep (no null model, so no skill)."""
    notes: list[str] = []
    manifest = load_manifest(d)
    sc = _scenario_for(str(manifest.get("scenario")), scenario, manifest.get("scenario_document"))
    runs = load_runs(d)
    ok = runs[runs["status"] == "ok"]
    pats = []
    defs = _pattern_defs(sc) if sc is not None else []
    if not any(c.startswith("metric.pattern.") for c in ok.columns):
        notes.append("This sweep was run without pattern scores (spec field patterns: true adds them).")
    for p in defs:
        col = f"metric.pattern.{p['id']}"
        pats.append({**p, "run": None, "model": share(ok[col]) if col in ok else None, "null": None, "skill": None})
    score = mean_ci(ok["metric.pattern_score"]) if "metric.pattern_score" in ok else None
    return {
        "kind": "sweep",
        "scenario": manifest.get("scenario"),
        "title": sc.title if sc is not None else manifest.get("scenario"),
        "patterns": pats,
        "overall": {"run": None, "model": score, "null": None, "skill": None},
        "baselines": None,
        "timeline": _timeline(sc, None),
        "calibration": None,
        "notes": notes,
    }


def _load_example(path: Path) -> RunResult | None:
    if (path / "run.json").exists():
        return RunResult.load(path)
    return None


def _from_backtest_summary(
    kind: str, top: Mapping[str, Any], bt: Mapping[str, Any], sc: Scenario | None, example: Any | None
) -> dict[str, Any]:
    notes: list[str] = []
    pats = []
    for p in bt.get("patterns") or []:
        pats.append({**p, "run": None})
    if example is not None and sc is not None:
        scores = score_run(example, sc)
        for p in pats:
            if p["id"] in scores:
                p["run"] = _num(scores[p["id"]])
        notes.append(
            f"The simulated timeline is one model run (seed {example.manifest.get('seed')}) whose pattern score is the ensemble's median."
        )
    ov = bt.get("overall") or {}
    return {
        "kind": kind,
        "scenario": top.get("scenario"),
        "title": top.get("title") or (sc.title if sc is not None else top.get("scenario")),
        "patterns": pats,
        "overall": {
            "run": _run_score(pats, sc) if example is not None else None,
            "model": ov.get("model"),
            "null": ov.get("null"),
            "skill": ov.get("skill"),
        },
        "baselines": bt.get("baselines"),
        "timeline": _timeline(sc, example),
        "calibration": None,
        **({"comparison": bt["comparison"]} if bt.get("comparison") else {}),
        **({"record": _record_ceiling(bt["record"], pats)} if bt.get("record") else {}),
        "notes": notes,
    }


def _record_ceiling(record: Mapping[str, Any], pats: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """backtest.json's ``record`` for the report: its rows carry their pattern's text, in the table's order."""
    text = {p["id"]: p["text"] for p in pats}
    rows = [{**row, "text": text.get(row["id"], row["id"])} for row in record.get("patterns", [])]
    return {**record, "patterns": rows}


def _num(v: float) -> float | None:
    """A pattern score for reports: None where the pattern does not apply to the run."""
    return None if math.isnan(v) else float(v)


def _run_score(pats: Sequence[Mapping[str, Any]], sc: Scenario | None) -> float | None:
    if sc is None:
        return None
    ids = {p["id"] for p in pats}
    if any(p.id not in ids for p in sc.patterns):
        return None
    scores = {p["id"]: (math.nan if p.get("run") is None else p["run"]) for p in pats}
    v = weighted_score(scores, sc.patterns)
    return None if math.isnan(v) else v
