"""The report's tables: parameter and metric values formatted for reading, and the run's event table."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from summitry.sim.labels import METRIC_LABELS, event_sentence, kind_label, metric_label, unit_count
from summitry.sim.report.charts import _figures_module
from summitry.sim.report.narrative import _num
from summitry.sim.results.run_result import RunResult

# -------------------------------------------------------------- formatting


def fmt_value(v: Any) -> str:
    """A metric value for a table cell.

    >>> fmt_value(0.123456), fmt_value(True), fmt_value(None), fmt_value([1, 2]), fmt_value({"d": 0.5})
    ('0.123', 'yes', '—', '1, 2', 'd = 0.5')
    """
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "—"
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, Mapping):
        return "; ".join(f"{k} = {fmt_value(x)}" for k, x in v.items()) or "—"
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt_value(x) for x in v) or "—"
    return str(v)


CENSORED_BY = {"time_to_agreement": "agreement_censored", "moratorium_survival": "moratorium_censored"}
"""The flag that says a duration metric was censored at the run's end (its value is then the steps run, no event)."""


def metric_rows(manifest: Mapping[str, Any], dimensions: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(label, value) for each metric; nested dicts (final trust, pressure) become one row per key.

    ``dimensions`` (issue dimension id -> label) names the dimensions of the agreement's point.
    """
    raw = manifest.get("metrics") or {}
    metrics = {k: raw[k] for k in METRIC_LABELS if k in raw} | {k: v for k, v in raw.items() if k not in METRIC_LABELS}
    names = {a["id"]: a.get("name", a["id"]) for a in manifest.get("actors", [])}
    sides = {sid: s.get("name", sid) for sid, s in (manifest.get("sides") or {}).items()}
    rows: list[tuple[str, str]] = []
    for key, value in metrics.items():
        label = metric_label(key, manifest.get("step_unit"))
        if key == "final_trust" and isinstance(value, Mapping):
            for pair, v in value.items():
                who, _, side = str(pair).partition("->")
                # as the trust chart's legend has it: no article to guess for a side's name ("in United States")
                rows.append((f"Final trust: {names.get(who, who)} → {sides.get(side, side)}", fmt_value(v)))
        elif key == "final_pressure" and isinstance(value, Mapping):
            for side, v in value.items():
                rows.append((f"Final pressure: {sides.get(side, side)}", fmt_value(v)))
        elif key == "agreement_point" and isinstance(value, Mapping):
            rows.append((label, fmt_value({(dimensions or {}).get(str(k), k): v for k, v in value.items()})))
        elif key in ("time_to_agreement", "moratorium_survival") and raw.get(CENSORED_BY[key]) is True:
            # censored at the run's end: no agreement (no first test) in the steps run, not one at that step
            what = "no agreement" if key == "time_to_agreement" else "no test"
            rows.append((label, f"{what} in {unit_count(int(value), manifest.get('step_unit'))} (the whole run; censored)"))
        elif key == "walked_by" and isinstance(value, list):
            rows.append((label, ", ".join(names.get(str(x), str(x)) for x in value) or "—"))
        else:
            rows.append((label, fmt_value(value)))
    return rows


def event_table(result: RunResult) -> tuple[list[str], list[list[str]]]:
    """(columns, rows) of the full event log: the dashboard's events_table_rows plus each event's effect."""
    events = result.events.to_pylist()
    rows: list[Mapping[str, Any]] | None = None
    figures = _figures_module()
    f = None if isinstance(figures, Exception) else getattr(figures, "events_table_rows", None)
    if f is not None:
        try:
            got = list(f(result) or [])
            rows = got if len(got) == len(events) and all(isinstance(r, Mapping) for r in got) else None
        except Exception:
            rows = None
    if rows is None:
        actors = result.manifest.get("actors", [])
        names = {a["id"]: a.get("name", a["id"]) for a in actors}
        roles = {a["id"]: str(a.get("role", "")) for a in actors}
        rows = [
            {
                "week": r["step"],
                "date": r["date"],
                "sender": r["sender"],
                "receiver": r["receiver"],
                "kind": kind_label(str(r["kind"])),
                "sentence": event_sentence(r, names, roles),
                "source": r["source"],
            }
            for r in events
        ]
    # sender and receiver are named in the sentence; the A4 column has room for the sentence and the effect
    columns = [c for c in rows[0] if c not in ("source", "sender", "receiver")] if rows else ["week", "date", "kind", "sentence"]
    columns += ["trust", "Δ stance", "Δ pressure", "source"]
    body = []
    for r, e in zip(rows, events, strict=True):
        tb, ta = _num(e.get("trust_before")), _num(e.get("trust_after"))
        trust = f"{tb:.2f}→{ta:.2f}" if math.isfinite(tb) and math.isfinite(ta) else ""
        extra = {
            "trust": trust,
            "Δ stance": _cell(e.get("stance_change")),
            "Δ pressure": _cell(e.get("pressure_change")),
            "source": r.get("source", e.get("source")),
        }
        body.append([_cell(extra[c]) if c in extra else _cell(r.get(c)) for c in columns])
    return columns, body


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if not math.isfinite(v) else f"{v:.3f}"
    return str(v)
