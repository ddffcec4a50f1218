"""Run and sweep reports: one self-contained HTML file (and a PDF) from saved results.

Reports are built from a run directory (``run.json``, ``events``, ``series``)
or a sweep directory (``sweep.json``, ``runs/part-*.parquet``) only — never
from a live model — so a report can be made years later from the files.

* HTML is rendered by Jinja2 templates (``sim/templates/``) with autoescaping
  on: a scenario title containing ``<script>`` is shown as text.
* plotly.js is inlined once (the copy bundled with plotly); figures are
  embedded as ``<div>`` + ``Plotly.newPlot``; the file makes no network
  request. Run-report charts come from :mod:`sim.figures` (the
  pure figure functions the dashboard shares), sweep charts from
  :mod:`sim.sweep_figures`.
* The PDF is printed by headless Chromium from the HTML (A4 print CSS).
* Single charts can be exported as PNG/SVG through kaleido with the system
  Chromium (never a downloaded one).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml
from markupsafe import Markup

from sim.atomic import write_atomically
from sim.backtest_report import backtest_section
from sim.errors import InputError, RunDirError, SummitryError
from sim.labels import METRIC_LABELS, kind_label, metric_label, outcome_label
from sim.outputs import REPORT_HTML_MARKERS, REPORT_PDF_MARKERS, SCENARIO_FILE, check_out_file, check_output_path
from sim.overrides import parameter_value
from sim.roles import HAWKISH_ROLES
from sim.run import RunResult
from sim.scenario import Scenario, builtin_names, load_scenario, validate_data
from sim.signals import OUTCOME_KINDS, SUMMIT_PROCESS_KINDS
from sim.stats import wilson_bounds
from sim.summary import outcome_sentence
from sim.survival import SurvivalTable, summary_rows, survival_of_runs
from sim.sweep_analysis import load_runs

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

CONTENT_WIDTH = 680
"""Width of the text column and of every chart, in CSS px: A4 (210 mm) less 15 mm margins is 180 mm = 680 px."""
HALF_WIDTH = 330

# --------------------------------------------------------------- significance

TRUST_THRESHOLD = 0.03
"""An event is significant if it moved its receiver's trust in the sender's side by more than this (probability)."""
STANCE_THRESHOLD = 0.05
"""... or moved stances by more than this (sum of |change| over actors) ..."""
PRESSURE_THRESHOLD = 0.05
"""... or moved pressure by more than this (sum of changes over sides, either sign) ..."""
SUMMIT_KINDS = SUMMIT_PROCESS_KINDS | OUTCOME_KINDS | {"pledge_breach"}
"""... or is a summit or outcome event (always significant), as are exogenous shocks."""
EPS = 1e-9
"""Changes must exceed a threshold by more than rounding ("more than 0.05" excludes 0.05000000001)."""
ALWAYS_SOURCES = frozenset({"summit", "derived", "shock"})
TURNING_KINDS = ("summit_held", "summit_cancel", "walk_away", "agreement", "declaration", "escalation", "pledge_breach")
"""Kinds whose steps are the run's turning points (the network is drawn there)."""
ZONE_KINDS = frozenset({"summit_held", "walk_away", "agreement", "declaration", "summit_cancel", "escalation"})
HAWKISH = HAWKISH_ROLES

RUN_FILES = ("run.json", "events", "series")
MANIFEST_FIELDS = ("scenario", "title", "seed", "outcome", "metrics", "actors", "sides")
EVENT_COLUMNS = ("step", "date", "sender", "receiver", "kind", "source", "text")
SERIES_COLUMNS = ("step", "agent", "variable", "value")


class ChromiumNotFoundError(InputError):
    """No Chromium (or Chrome) executable to print a PDF or export a chart with."""


class ExportUnavailableError(SummitryError):
    """Chart export (PNG/SVG) is not possible here: kaleido or Chromium is missing or broken."""


# ------------------------------------------------------------------ loading


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and (path / "run.json").exists()


def is_sweep_dir(path: Path) -> bool:
    return path.is_dir() and (path / "sweep.json").exists()


def is_backtest_dir(path: Path) -> bool:
    """A ``summitry backtest --out`` directory (backtest.json; its typical run in example-run/)."""
    return (path / "backtest.json").is_file()


def load_run(run_dir: str | Path) -> RunResult:
    """Load a run directory as a :class:`~sim.run.RunResult`, checking what a report needs.

    Every problem (no such directory, missing or corrupt file, missing field
    or column) is a :class:`~sim.errors.RunDirError` naming the file. Nothing
    outside the directory is read (the scenario comes from its ``scenario.json``).
    """
    d = Path(run_dir)
    if not d.exists():
        raise RunDirError(f"{d}: no such directory")
    if not d.is_dir():
        raise RunDirError(f"{d}: not a directory (expected a run directory with run.json, events and series)")
    if not (d / "run.json").exists():
        raise RunDirError(f"{d}: not a run directory (no run.json)")
    try:
        result = RunResult.load(d)
    except RunDirError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise RunDirError(f"{d}: cannot read the event log or series ({_first_line(exc)})") from None
    m = result.manifest
    if not isinstance(m, dict):
        raise RunDirError(f"{d / 'run.json'}: expected a JSON object, got {type(m).__name__}")
    missing = [k for k in MANIFEST_FIELDS if k not in m]
    if missing:
        raise RunDirError(f"{d / 'run.json'}: missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    for name, table, cols in (("events", result.events, EVENT_COLUMNS), ("series", result.series, SERIES_COLUMNS)):
        lacking = [c for c in cols if c not in table.column_names]
        if lacking:
            raise RunDirError(f"{d}: {name} lacks column{'s' if len(lacking) > 1 else ''} {', '.join(lacking)}")
    return result


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


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
        if want and sc.content_hash() != want:
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
    out: dict[str, Any] = {}
    for path in overrides:
        try:
            out[path] = parameter_value(sc, path)
        except (KeyError, ValueError, TypeError):
            pass
    return out


def _current_hash(name: str, overrides: Mapping[str, Any]) -> str:
    """Content hash of today's built-in ``name`` with ``overrides`` ("" when they no longer apply)."""
    try:
        if overrides:
            return load_scenario(name, {k: str(v) for k, v in overrides.items()}).content_hash()
        found = _builtin_or_none(name)
        return found.content_hash() if found is not None else ""
    except (SummitryError, OSError):  # an override the current file no longer has
        return ""


def _same_run_scenario(name: str, overrides: Mapping[str, Any], want: str) -> bool:
    return _current_hash(name, overrides) == want


# ---------------------------------------------------------------- narrative


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


def _fmt_date(iso: str) -> str:
    try:
        d = dt.date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{d.day} {d:%B %Y}"


def is_significant(
    row: Mapping[str, Any],
    trust: float = TRUST_THRESHOLD,
    stance: float = STANCE_THRESHOLD,
    pressure: float = PRESSURE_THRESHOLD,
) -> bool:
    """Whether an event row is worth a line in the narrative.

    >>> is_significant({"kind": "praise", "source": "chosen", "trust_before": 0.30, "trust_after": 0.31,
    ...                 "stance_change": 0.005, "pressure_change": 0.0})
    False
    >>> is_significant({"kind": "threat", "source": "chosen", "trust_before": 0.35, "trust_after": 0.27,
    ...                 "stance_change": 0.05, "pressure_change": 0.1})
    True
    >>> is_significant({"kind": "summit_held", "source": "summit"})
    True
    """
    if row.get("kind") in SUMMIT_KINDS or row.get("source") in ALWAYS_SOURCES:
        return True
    tb, ta = _num(row.get("trust_before")), _num(row.get("trust_after"))
    if math.isfinite(tb) and math.isfinite(ta):
        if abs(ta - tb) > trust + EPS:
            return True
    elif _num(row.get("trust_change")) > trust + EPS:  # no single receiver (mediation): total movement
        return True
    sc = _num(row.get("stance_change"))
    pc = _num(row.get("pressure_change"))
    return (math.isfinite(sc) and sc > stance + EPS) or (math.isfinite(pc) and abs(pc) > pressure + EPS)


def significant_events(result: RunResult, **thresholds: float) -> list[dict[str, Any]]:
    """Event rows (dicts) that are significant, in log order."""
    return [r for r in result.events.to_pylist() if is_significant(r, **thresholds)]


@dataclass
class _Lookup:
    """Names, sides and series look-ups of one run (for effect sentences)."""

    names: dict[str, str]
    side_of: dict[str, str | None]
    roles: dict[str, str]
    side_names: dict[str, str]
    series: dict[tuple[str, str], tuple[list[int], list[float]]] = field(default_factory=dict)

    @classmethod
    def of(cls, result: RunResult) -> _Lookup:
        m = result.manifest
        actors = m.get("actors", [])
        look = cls(
            names={a["id"]: a.get("name", a["id"]) for a in actors},
            side_of={a["id"]: a.get("side") for a in actors},
            roles={a["id"]: str(a.get("role", "")) for a in actors},
            side_names={sid: (s.get("name") or sid) for sid, s in m.get("sides", {}).items()},
        )
        try:
            t = result.series.filter(pc.is_in(result.series["variable"], value_set=_pa_strings(["zone_area", "influence"])))
            for r in t.to_pylist():
                key = (str(r["agent"]), str(r["variable"]))
                steps, values = look.series.setdefault(key, ([], []))
                steps.append(int(r["step"]))
                values.append(float(r["value"]))
        except Exception:  # the narrative works without the series
            look.series = {}
        return look

    def at(self, agent: str, variable: str, step: int) -> float:
        """The recorded value at ``step`` (or the last recorded step before it)."""
        steps, values = self.series.get((agent, variable), ([], []))
        best = math.nan
        for s, v in zip(steps, values, strict=False):
            if s <= step:
                best = v
            else:
                break
        return best

    def hawk_influence(self, side: str, step: int) -> float:
        ids = [a for a, s in self.side_of.items() if s == side and self.roles.get(a) in HAWKISH]
        vals = [self.at(a, "influence", step) for a in ids]
        return sum(vals) if ids and all(math.isfinite(v) for v in vals) else math.nan


def _pa_strings(values: list[str]) -> Any:
    return pa.array(values, pa.string())


def event_effect(row: Mapping[str, Any], look: _Lookup) -> str:
    """The effect of one event in words ("Kim Jong Un's trust in United States falls from 0.42 to 0.31; ...")."""
    parts: list[str] = []
    tb, ta = _num(row.get("trust_before")), _num(row.get("trust_after"))
    sender, receiver = str(row.get("sender") or ""), str(row.get("receiver") or "")
    if math.isfinite(tb) and math.isfinite(ta) and abs(ta - tb) >= 0.005 and receiver in look.names:
        side = look.side_of.get(sender)
        whom = look.side_names.get(side, side) if side else look.names.get(sender, sender)
        verb = "rises" if ta > tb else "falls"
        parts.append(f"{look.names[receiver]}'s trust in {whom} {verb} from {tb:.2f} to {ta:.2f}")
    elif _num(row.get("trust_change")) >= 0.005 and not (math.isfinite(tb) and math.isfinite(ta)):
        parts.append(f"trust moves by {_num(row.get('trust_change')):.2f} in total")
    sc = _num(row.get("stance_change"))
    if math.isfinite(sc) and sc >= 0.005:
        parts.append(f"stances shift by {sc:.2f} in total")
    pc = _num(row.get("pressure_change"))
    if math.isfinite(pc) and abs(pc) >= 0.005:
        parts.append(f"pressure {'rises' if pc > 0 else 'falls'} by {abs(pc):.2f}")
    kind = str(row.get("kind"))
    step = int(row.get("step") or 0)
    if kind in ZONE_KINDS:
        zone = look.at("world", "zone_area", step)
        if math.isfinite(zone):
            parts.append(f"the zone of agreement covers {zone:.0%} of the issue space")
    if kind in ("summit_cancel", "walk_away", "pledge_breach", "blame", "escalation"):
        for side in (look.side_of.get(receiver), look.side_of.get(sender)):
            if not side:
                continue
            now, before = look.hawk_influence(side, step), look.hawk_influence(side, step - 1)
            if math.isfinite(now) and math.isfinite(before) and abs(now - before) >= 0.01:
                verb = "rises" if now > before else "falls"
                parts.append(f"hawks' influence in {look.side_names.get(side, side)} {verb} to {now:.2f}")
                break
    return "; ".join(parts)


def narrative(result: RunResult, **thresholds: float) -> list[dict[str, Any]]:
    """Significant events as dated sentences with their effects, in order."""
    look = _Lookup.of(result)
    items = []
    for row in significant_events(result, **thresholds):
        step = int(row["step"])
        date = _fmt_date(str(row.get("date") or ""))
        kind = str(row["kind"])
        source = str(row.get("source") or "")
        detail = str(row.get("detail") or "")
        items.append(
            {
                "step": step,
                "date": str(row.get("date") or ""),
                "when": f"Week {step}, {date}" if date else f"Week {step}",
                "text": str(row.get("text") or kind),
                "effect": event_effect(row, look),
                "kind": kind,
                "source": source,
                "record": detail if source == "forced" and detail else "",
                "category": _category(kind, source, row),
            }
        )
    return items


def _category(kind: str, source: str, row: Mapping[str, Any]) -> str:
    if kind in SUMMIT_KINDS:
        return "summit"
    if source == "shock":
        return "shock"
    tb, ta = _num(row.get("trust_before")), _num(row.get("trust_after"))
    if math.isfinite(tb) and math.isfinite(ta) and ta < tb:
        return "hostile"
    return "conciliatory"


def turning_points(result: RunResult, limit: int = 3) -> dict[int, str]:
    """The run's turning points (summits, cancellations, walk-aways, ...): step -> the sentence of its first such event."""
    steps: dict[int, str] = {}
    for r in result.events.to_pylist():
        if r["kind"] in TURNING_KINDS and int(r["step"]) not in steps:
            if len(steps) == limit:
                break
            steps[int(r["step"])] = str(r.get("text") or r["kind"])
    return steps


# ------------------------------------------------------------------ figures


@dataclass
class Chart:
    """One chart of a report: its HTML (div + script) and caption."""

    id: str
    title: str
    caption: str
    html: str = ""
    error: str = ""
    half: bool = False
    figure: Any = None


PLOT_CONFIG = {"displaylogo": False, "responsive": False, "displayModeBar": False}
"""Charts keep hover, drag-to-zoom and double-click-to-reset; no toolbar (it would cover legends, and paper has none)."""


def _chart(cid: str, title: str, caption: str, make: Callable[[], Any], half: bool = False, height: int | None = None) -> Chart:
    """Call a figure function; a failure becomes a visible note in the report, not a crash."""
    chart = Chart(cid, title, caption, half=half)
    try:
        fig = make()
        _fit(fig, HALF_WIDTH if half else CONTENT_WIDTH, height)
        chart.figure = fig
        chart.html = fig.to_html(full_html=False, include_plotlyjs=False, div_id=cid, config=PLOT_CONFIG)
    except Exception as exc:  # a broken figure function must not lose the whole report
        chart.error = f"{type(exc).__name__}: {_first_line(exc)}"
    return chart


def _fit(fig: Any, width: int, height: int | None = None) -> None:
    """Fix a figure's size to the report column so that screen and A4 print agree."""
    h = height or fig.layout.height or (420 if width >= CONTENT_WIDTH else 300)
    fig.update_layout(width=width, height=h, autosize=False)
    if fig.layout.title and fig.layout.title.text:  # the report's numbered caption carries the title
        fig.update_layout(title=None)
    if fig.layout.paper_bgcolor is None:
        fig.update_layout(paper_bgcolor="white")


def _figures_module() -> Any:
    try:
        import sim.figures as figures  # lazy: plotly is heavy, and only reports draw
    except ImportError as exc:
        return exc
    return figures


def run_charts(result: RunResult) -> list[Chart]:
    """The run report's charts, drawn by the figure functions the dashboard uses too (sim/figures.py)."""
    figures = _figures_module()
    end = _last_step(result)
    turns_text = turning_points(result)
    turns = [s for s in turns_text if 0 < s < end]

    def fn(name: str) -> Callable[..., Any]:
        if isinstance(figures, Exception):
            raise RuntimeError(f"sim.figures is not available ({figures})")
        f = getattr(figures, name, None)
        if f is None:
            raise RuntimeError(f"sim.figures has no {name}()")
        return f  # type: ignore[no-any-return]

    charts = [
        _chart(
            "fig-trust",
            "Trust between the principals",
            "Each leader's belief that the other side is trustworthy (probability of the reciprocating type), week by week.",
            lambda: fn("trust_figure")(result),
        ),
        _chart(
            "fig-pressure",
            "Pressure and tension",
            "Economic, domestic and military pressure on each side, and the tension between them.",
            lambda: fn("pressure_figure")(result),
        ),
        _chart(
            "fig-stance",
            "Stances of every actor",
            "Each actor's stance (0 = dovish, 1 = hawkish) over time.",
            lambda: fn("stance_figure")(result),
        ),
        _chart(
            "fig-zone",
            "Zone of possible agreement",
            "Share of the issue space both sides' coalitions would ratify, week by week.",
            lambda: fn("zone_figure")(result),
        ),
        _chart(
            "fig-issues",
            f"Issue space at the end (week {end})",
            "Each side's win-set on the grid of possible deals at the last step; their overlap is the zone of agreement.",
            lambda: fn("issue_space_figure")(result, end),
        ),
        _chart(
            "fig-trust-matrix",
            f"Trust matrix at the end (week {end})",
            "Every actor's trust in every side at the last step.",
            lambda: fn("trust_heatmap")(result, end),
        ),
    ]

    def network(step: int) -> Any:
        return fn("network_figure")(result, step)

    net_steps = [0, *turns, end] if end > 0 else [0]
    for s in dict.fromkeys(net_steps):
        label = "start" if s == 0 else "end" if s == end else f"turning point: {turns_text[s]}"
        charts.append(
            _chart(
                f"fig-network-{s}",
                f"Influence network, week {s} ({label})",
                "Who listens to whom: edge width is influence weight, node size influence, node colour the actor's stance; "
                "arrows are the signals of that week (teal conciliatory, orange hostile).",
                functools.partial(network, s),
                height=400,
            )
        )
    return charts


def _last_step(result: RunResult) -> int:
    try:
        v = pc.max(result.series["step"]).as_py()
        return int(v) if v is not None else 0
    except Exception:
        return int(result.manifest.get("metrics", {}).get("steps_run", 1) or 1) - 1


def history_chart(result: RunResult, record: Sequence[Mapping[str, Any]], items: Sequence[Mapping[str, Any]]) -> Chart:
    """The run's significant events beside the historical record on one date axis."""
    import plotly.graph_objects as go  # heavy (plotly): only when a report is drawn

    def make() -> Any:
        fig = go.Figure()
        rx = [r["date"] for r in record]
        fig.add_trace(
            go.Scatter(
                x=rx,
                y=["Historical record"] * len(rx),
                mode="markers",
                marker=dict(symbol="diamond", size=11, color="#333"),
                text=[html.escape(r["text"]) for r in record],
                hovertemplate="%{x|%d %b %Y}<br>%{text}<extra>record</extra>",
                name="Historical record",
            )
        )
        colours = {"summit": "#2166ac", "hostile": "#b2182b", "conciliatory": "#1b7837", "shock": "#8c510a"}
        for cat, label in (("summit", "summit / outcome"), ("hostile", "hostile"), ("conciliatory", "conciliatory"), ("shock", "shock")):
            sel = [i for i in items if i["category"] == cat]
            if not sel:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[i["date"] for i in sel],
                    y=["This run"] * len(sel),
                    mode="markers",
                    marker=dict(size=9, color=colours[cat], opacity=0.8, line=dict(width=0.5, color="white")),
                    text=[html.escape(i["text"]) for i in sel],
                    hovertemplate="%{x|%d %b %Y}<br>%{text}<extra>" + label + "</extra>",
                    name=f"run: {label}",
                )
            )
        fig.update_layout(
            template="simple_white",
            height=230,
            margin=dict(l=120, r=20, t=10, b=40),
            legend=dict(orientation="h", y=-0.35, x=0),
            yaxis=dict(categoryorder="array", categoryarray=["This run", "Historical record"], showgrid=True),
            xaxis=dict(type="date", showgrid=True),
            font=dict(size=11),
        )
        return fig

    return _chart(
        "fig-history",
        "The run beside the historical record",
        "Top: dated entries of the scenario's historical record. Bottom: this run's significant events. Hover for the text.",
        make,
        height=230,
    )


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


def metric_rows(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) for each metric; nested dicts (final trust, pressure) become one row per key."""
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
                rows.append((f"Final trust of {names.get(who, who)} in {sides.get(side, side)}", fmt_value(v)))
        elif key == "final_pressure" and isinstance(value, Mapping):
            for side, v in value.items():
                rows.append((f"Final pressure on {sides.get(side, side)}", fmt_value(v)))
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
        rows = [
            {
                "week": r["step"],
                "date": r["date"],
                "sender": r["sender"],
                "receiver": r["receiver"],
                "kind": kind_label(str(r["kind"])),
                "sentence": r["text"],
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
    env.filters["date"] = _fmt_date
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


# ---------------------------------------------------------------- run report


def render_run_report(
    result: RunResult, run_dir: str | Path | None = None, backtest_dir: str | Path | None = None
) -> tuple[str, list[str]]:
    """The run report's HTML for a loaded :class:`~sim.run.RunResult`, and warnings (charts that failed).

    With ``backtest_dir`` (a ``summitry backtest --out`` directory whose typical run ``result`` is),
    the page is that backtest's report: its fit-to-history section is the backtest's own (the
    ensemble's pattern shares, the skill over the null model, the baselines), and the run is shown
    as the backtest's typical run.
    """
    m = result.manifest
    sc = scenario_context(m, result.scenario_document, str(run_dir) if run_dir is not None else "run directory")
    items = narrative(result)
    charts = run_charts(result)
    history = None
    if sc["record"]:
        history = _history_rows(sc["record"], items, m)
        charts.append(history_chart(result, sc["record"], items))
    cols, rows = event_table(result)
    saved = ""
    if run_dir is not None and (Path(run_dir) / "run.json").exists():
        saved = dt.datetime.fromtimestamp((Path(run_dir) / "run.json").stat().st_mtime, dt.UTC).strftime("%d %B %Y, %H:%M UTC")
    overrides = [
        {"path": k, "value": fmt_value(v), "default": fmt_value(sc["defaults"].get(k)) if k in sc["defaults"] else "—"}
        for k, v in sorted((m.get("overrides") or {}).items())
    ]
    actors = m.get("actors", [])
    side_names = {sid: s.get("name", sid) for sid, s in (m.get("sides") or {}).items()}
    try:
        sentence = outcome_sentence(result)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
        sentence = f"Outcome: {m.get('outcome')} (the summary sentence could not be formed: {_first_line(exc)})."
    main_charts = [c for c in charts if c.id != "fig-history"]
    warnings = [f"chart {c.title!r} could not be drawn: {c.error}" for c in charts if c.error]
    backtest = _backtest_or_none(backtest_dir if backtest_dir is not None else run_dir, warnings)
    ensemble = ensemble_survival(run_dir, warnings)
    n_charts = len(main_charts) + (1 if history else 0)
    for x in ensemble:
        if x["chart"] is not None:
            if x["chart"].error:
                warnings.append(f"chart {x['title']!r} could not be drawn: {x['chart'].error}")
            n_charts += 1
            x["chart"] = _safe_charts([x["chart"]], start=n_charts)[0]
    page = _render(
        "run_report.html.j2",
        report_kind="backtest report" if backtest_dir is not None else "run report",
        backtest=backtest,
        ensemble=ensemble,
        m=m,
        sc=sc,
        title=sc["title"],
        outcome=sentence,
        outcome_code=outcome_label(m.get("outcome")),
        metrics=metric_rows(m),
        items=items,
        thresholds={"trust": TRUST_THRESHOLD, "stance": STANCE_THRESHOLD, "pressure": PRESSURE_THRESHOLD},
        n_events=result.events.num_rows,
        charts=_safe_charts(main_charts),
        history_chart=_safe_charts([c for c in charts if c.id == "fig-history"], start=len(main_charts) + 1),
        history=history,
        n_main=len(main_charts),
        overrides=overrides,
        versions=dict(m.get("versions") or {}),
        saved=saved,
        actors=actors,
        side_names=side_names,
        event_columns=cols,
        event_rows=rows,
        warnings=warnings,
    )
    return page, warnings


def ensemble_survival(run_dir: str | Path | None, warnings: list[str]) -> list[dict[str, Any]]:
    """The Kaplan–Meier curves of the model ensemble a run belongs to (a backtest's example run), from its saved runs.parquet.

    Empty for a run that is not part of a saved ensemble, or whose ensemble was saved before the durations were kept.
    """
    if run_dir is None:
        return []
    parent = Path(run_dir).resolve().parent
    if not ((parent / "backtest.json").exists() and (parent / "runs.parquet").exists()):
        return []
    try:
        runs = pq.read_table(parent / "runs.parquet").to_pandas()
    except Exception as exc:  # a report must render even if the section cannot
        warnings.append(f"ensemble curves left out: {parent / 'runs.parquet'}: {_first_line(exc)}")
        return []
    if "time_to_agreement" not in runs.columns or "model" not in runs.columns:
        return []
    model = runs[runs["model"] == "model"]
    return survival_parts(survival_of_runs(model), "fig-ens-km", "model runs of the backtest's ensemble")


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


def _history_rows(
    record: Sequence[Mapping[str, Any]], items: Sequence[Mapping[str, Any]], manifest: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One row per week that has a record entry or a significant run event (dated by the run's calendar)."""
    weeks: dict[int, dict[str, Any]] = {}

    def week(n: int) -> dict[str, Any]:
        return weeks.setdefault(n, {"week": n, "record": [], "run": [], "date": _week_date(manifest, n)})

    for r in record:
        week(int(r["week"]))["record"].append(r)
    for i in items:
        week(int(i["step"]))["run"].append(i)
    return [weeks[k] for k in sorted(weeks)]


def _week_date(manifest: Mapping[str, Any], week: int) -> str:
    try:
        start = dt.date.fromisoformat(str(manifest["start"])[:10])
        return (start + dt.timedelta(days=week * int(manifest.get("step_days", 7)))).isoformat()
    except (KeyError, ValueError, TypeError):
        return ""


def write_run_report(run_dir: str | Path, out_path: str | Path, pdf: bool = False) -> Path:
    """Write the HTML report of a saved run (and, with ``pdf``, a PDF beside it); returns the HTML path."""
    return _write_run_report(run_dir, out_path, pdf)[0]


def _write_run_report(run_dir: str | Path, out_path: str | Path, pdf: bool = False) -> tuple[Path, list[str]]:
    result = load_run(run_dir)
    page, warnings = render_run_report(result, run_dir)
    return _write_page(page, out_path, pdf), warnings


def _write_backtest_report(backtest_dir: str | Path, out_path: str | Path, pdf: bool = False) -> tuple[Path, list[str]]:
    """The report of a ``summitry backtest --out`` directory: its typical run (example-run/) with the backtest's fit section."""
    d = Path(backtest_dir)
    example = d / "example-run"
    if not is_run_dir(example):
        raise RunDirError(
            f"{d}: a backtest directory without its typical run ({example}/run.json is missing); "
            "rerun `summitry backtest SCENARIO --out DIR` to write one"
        )
    result = load_run(example)
    page, warnings = render_run_report(result, example, backtest_dir=d)
    return _write_page(page, out_path, pdf), warnings


def _write_page(page: str, out_path: str | Path, pdf: bool) -> Path:
    out = _output_path(out_path, pdf)
    if pdf:
        find_chromium()  # fail before writing anything when the PDF cannot be made
    out.parent.mkdir(parents=True, exist_ok=True)  # -o into a folder that does not exist yet (checked writable before any work)
    write_atomically(out, lambda p: Path(p).write_text(page, encoding="utf-8"))
    if pdf:
        write_pdf(out, out.with_suffix(".pdf"))
    return out


def _output_path(out_path: str | Path, pdf: bool = False) -> Path:
    """The report's path, checked: never a directory, never a file (HTML or its PDF) that summitry did not write."""
    out = Path(out_path)
    check_output_path(out, "-o")
    if out.is_dir():
        raise InputError(f"{out}: is a directory; give a file name for the report (e.g. {out / 'report.html'})")
    # a missing parent folder is created when the report is written; check_output_path has checked that
    # its nearest existing ancestor is a directory summitry can write in
    check_out_file(out, "-o", REPORT_HTML_MARKERS)
    if pdf:
        check_out_file(out.with_suffix(".pdf"), "--pdf", REPORT_PDF_MARKERS)
    return out


# -------------------------------------------------------------- sweep report


def load_sweep(sweep_dir: str | Path) -> tuple[dict[str, Any], Any]:
    """(manifest, runs DataFrame) of a sweep directory; bad input is a RunDirError."""
    d = Path(sweep_dir)
    if not d.exists():
        raise RunDirError(f"{d}: no such directory")
    path = d / "sweep.json"
    if not path.exists():
        raise RunDirError(f"{d}: not a sweep directory (no sweep.json)")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunDirError(f"{path}: cannot read ({_first_line(exc)})") from None
    if not isinstance(manifest, dict):
        raise RunDirError(f"{path}: expected a JSON object, got {type(manifest).__name__}")
    runs = _load_runs(d)
    for col in ("run_id", "status", "outcome"):
        if col not in runs.columns:
            raise RunDirError(f"{d / 'runs'}: the stored runs lack the column {col!r}")
    return manifest, runs


def _load_runs(d: Path) -> Any:
    return load_runs(d)


def sweep_charts(manifest: Mapping[str, Any], runs: Any) -> dict[str, Any]:
    """Every chart and table of the sweep report, keyed by section."""
    import sim.sweep_figures as sf  # lazy: plotly is heavy, and only reports draw

    ok = sf.ok_runs(runs)
    outcomes = sf.outcomes_of(runs)
    params = sf.param_columns(runs)
    metrics = sf.metric_columns(runs)
    sensitivity = manifest.get("sensitivity") or {}
    main = outcomes[0] if outcomes else None
    out: dict[str, Any] = {"main": main, "outcomes": [], "params": [], "heatmaps": [], "sensitivity": [], "metrics": [], "survival": []}
    if main is None:
        return out
    # pooled over every finished run of the sweep, whatever its design point
    out["survival"] = survival_parts(survival_of_runs(ok, prefix="metric."), "fig-km", "finished runs (all design points pooled)")
    n = len(ok)
    for o in outcomes:
        k = int((ok["outcome"].astype(str) == o).sum())
        lo, hi = wilson_bounds(k, n)
        out["outcomes"].append({"outcome": outcome_label(o), "k": k, "p": k / n if n else math.nan, "lo": float(lo[0]), "hi": float(hi[0])})
    out["share"] = _chart(
        "fig-outcomes",
        "Outcomes of all finished runs",
        "Share of each outcome with a Wilson 95% interval.",
        lambda: sf.outcome_share_figure(runs),
    )
    for i, p in enumerate(params):
        out["params"].append(
            _chart(
                f"fig-param-{i}",
                f"Outcome probabilities against {sf.pretty(p)}",
                f"Share of finished runs ending in each outcome per {'level' if runs[p].nunique() <= sf.MAX_LEVELS else 'quantile bin'} "
                f"of {sf.pretty(p)} (other parameters varying); shaded bands are Wilson 95% intervals.",
                functools.partial(sf.outcome_probability_figure, runs, p, outcomes=outcomes),
                height=330,
            )
        )
    ranked = sf.rank_parameters(runs, main, _sensitivity_for(sensitivity, main))
    out["ranked"] = [sf.pretty(p) for p in ranked]
    for i, (a, b) in enumerate(sf.top_pairs(ranked, 3)):
        out["heatmaps"].append(
            _chart(
                f"fig-heat-{i}",
                f"P({main}) over {sf.pretty(a)} × {sf.pretty(b)}",
                f"Share of finished runs ending in {main} in each cell of the two parameters (levels or quantile bins), "
                "pooled over the other parameters; hover for the number of runs.",
                functools.partial(sf.outcome_heatmap, runs, a, b, main),
                height=380,
            )
        )
    for i, (metric, entry) in enumerate(sorted(sensitivity.items())):
        if not isinstance(entry, Mapping) or not entry.get("indices"):
            continue
        method = str(entry.get("method", ""))
        out["sensitivity"].append(
            _chart(
                f"fig-sens-{i}",
                f"{metric} ({method})",
                "First-order S1 and total ST Sobol indices." if method == "sobol" else "Morris μ* (mean absolute elementary effect) and σ.",
                functools.partial(sf.sensitivity_figure, metric, entry),
                half=True,
            )
        )
    for i, metric in enumerate(metrics):
        summary = sf.metric_summary(runs, metric)
        if summary["n"] == 0:
            out["metrics"].append({"summary": summary, "chart": None})
            continue
        out["metrics"].append(
            {
                "summary": summary,
                "chart": _chart(
                    f"fig-metric-{i}",
                    summary["name"],
                    "",
                    functools.partial(sf.metric_distribution_figure, runs, metric),
                    half=True,
                    height=230,
                ),
            }
        )
    return out


def survival_parts(tables: Mapping[str, SurvivalTable], id_prefix: str, what: str = "runs") -> list[dict[str, Any]]:
    """The Kaplan–Meier charts and tables (S, band and number at risk at evenly spaced weeks) of a report."""
    from sim.survival_figure import SURVIVAL_CURVES, risk_weeks, survival_figure  # lazy: plotly only when a report is drawn

    parts = []
    for key, (title, x_title, y_title, caption) in SURVIVAL_CURVES.items():
        t = tables.get(key)
        if t is None:
            continue
        median = t.median()
        parts.append(
            {
                "key": key,
                "title": title,
                "n": t.n,
                "events": t.n_events,
                "median": median,
                "rows": summary_rows(t, risk_weeks([t])) if t.n else [],
                "chart": _chart(
                    f"{id_prefix}-{key}",
                    title,
                    f"{caption} Estimated from {t.n} {what}, {t.n_events} with the event.",
                    functools.partial(survival_figure, [(title.split(" (")[0], t)], title, x_title=x_title, y_title=y_title),
                    height=360,
                )
                if t.n
                else None,
            }
        )
    return parts


def _sensitivity_for(sensitivity: Mapping[str, Any], outcome: str) -> dict[str, Any]:
    """Sensitivity entries keyed so that the outcome finds its metric (agreement_* -> agreement)."""
    out = dict(sensitivity)
    alias = "agreement" if outcome.startswith("agreement") else outcome
    if outcome not in out and alias in out:
        out[outcome] = out[alias]
    return out


def render_sweep_report(manifest: Mapping[str, Any], runs: Any, sweep_dir: str | Path | None = None) -> tuple[str, list[str]]:
    """The sweep report's HTML and warnings."""
    import sim.sweep_figures as sf  # lazy: plotly is heavy, and only reports draw

    failed = sf.failed_runs(runs)
    counts = dict(manifest.get("counts") or {})
    total = counts.get("total")
    stored = len(runs)
    n_failed = len(failed)
    errors: list[dict[str, Any]] = []
    if n_failed:
        first = failed["error"].fillna("").astype(str).map(lambda e: e.strip().splitlines()[-1] if e.strip() else "(no message)")
        for msg, group in failed.groupby(first, sort=False):
            ids = group["run_id"].astype(int).tolist()
            errors.append({"message": msg, "count": len(ids), "runs": ", ".join(map(str, ids[:8])) + (" …" if len(ids) > 8 else "")})
        errors.sort(key=lambda e: -e["count"])
    parts = sweep_charts(manifest, runs)
    spec = manifest.get("spec") or {}
    scenario_name = str(manifest.get("scenario") or spec.get("scenario") or "")
    document = manifest.get("scenario_document")
    sc = scenario_context({"scenario": scenario_name}, document if isinstance(document, Mapping) else None, str(sweep_dir))
    param_rows = []
    canonical = list(manifest.get("parameters") or [])
    for path, rng in (spec.get("parameters") or {}).items():
        full = [c for c in canonical if c == path or str(c).endswith("." + path)]
        if len(full) == 1 and full[0] != path:
            path = f"{full[0]} ({path})"
        if isinstance(rng, Mapping) and rng.get("levels"):
            what = "levels " + ", ".join(fmt_value(v) for v in rng["levels"])
        elif isinstance(rng, Mapping):
            what = f"[{fmt_value(rng.get('low'))}, {fmt_value(rng.get('high'))}]"
        else:
            what = fmt_value(rng)
        param_rows.append({"path": path, "range": what})
    all_charts: list[Chart] = [parts["share"]] if "share" in parts else []
    for key in ("params", "heatmaps", "sensitivity"):
        all_charts.extend(parts[key])
    all_charts.extend(x["chart"] for x in parts["metrics"] if x["chart"] is not None)
    all_charts.extend(x["chart"] for x in parts["survival"] if x["chart"] is not None)
    warnings = [f"chart {c.title!r} could not be drawn: {c.error}" for c in all_charts if c.error]
    numbered = {c.id: d for c, d in zip(all_charts, _safe_charts(all_charts), strict=True)}
    backtest = _backtest_or_none(sweep_dir, warnings)
    page = _render(
        "sweep_report.html.j2",
        backtest=backtest,
        title=f"Sweep of {sc['title']}" if scenario_name else "Sweep report",
        manifest=manifest,
        sc=sc,
        spec_yaml=yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, default_flow_style=False).strip() if spec else "",
        param_rows=param_rows,
        total=total,
        stored=stored,
        n_ok=stored - n_failed,
        n_failed=n_failed,
        errors=errors,
        main=parts["main"],
        ranked=parts.get("ranked", []),
        outcome_rows=parts["outcomes"],
        share=numbered.get("fig-outcomes"),
        param_charts=[numbered[c.id] for c in parts["params"]],
        heatmaps=[numbered[c.id] for c in parts["heatmaps"]],
        sensitivity=[numbered[c.id] for c in parts["sensitivity"]],
        metric_parts=[{"summary": x["summary"], "chart": numbered[x["chart"].id] if x["chart"] else None} for x in parts["metrics"]],
        survival=[{**x, "chart": numbered[x["chart"].id] if x["chart"] else None} for x in parts["survival"]],
        versions=dict(manifest.get("versions") or {}),
        warnings=warnings,
    )
    return page, warnings


def write_sweep_report(sweep_dir: str | Path, out_path: str | Path, pdf: bool = False) -> Path:
    """Write the HTML report of a saved sweep (and, with ``pdf``, a PDF beside it); returns the HTML path."""
    return _write_sweep_report(sweep_dir, out_path, pdf)[0]


def _write_sweep_report(sweep_dir: str | Path, out_path: str | Path, pdf: bool = False) -> tuple[Path, list[str]]:
    manifest, runs = load_sweep(sweep_dir)
    page, warnings = render_sweep_report(manifest, runs, sweep_dir)
    return _write_page(page, out_path, pdf), warnings


def write_report(directory: str | Path, out_path: str | Path | None = None, pdf: bool = False) -> tuple[Path, list[str]]:
    """A run, sweep or backtest report of ``directory`` (told apart by run.json / sweep.json / backtest.json): (HTML path, warnings)."""
    d = Path(directory)
    if not d.exists():
        raise RunDirError(f"{d}: no such directory")
    if not d.is_dir():
        raise RunDirError(
            f"{d}: not a directory; give a run directory (run.json, events, series), a sweep directory (sweep.json, runs/) "
            "or a backtest directory (backtest.json, example-run/)"
        )
    out = Path(out_path) if out_path is not None else d / "report.html"
    _output_path(out, pdf)  # before any work
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
    try:
        kaleido.write_fig_from_object_sync(jobs)
    except Exception as exc:
        raise ExportUnavailableError(f"chart export skipped: kaleido could not render with {chrome} ({_first_line(exc)})") from None
    missing = [p for p in paths if not p.exists() or p.stat().st_size == 0]
    if missing:
        raise ExportUnavailableError(f"chart export failed: kaleido wrote no {', '.join(p.name for p in missing)}")
    return paths


def export_charts(directory: str | Path, out_dir: str | Path, fmt: str = "png") -> list[Path]:
    """Export every chart of a run's or sweep's report as PNG/SVG files in ``out_dir``."""
    d = Path(directory)
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
    figures = {c.id.removeprefix("fig-"): c.figure for c in charts if c.figure is not None}
    return export_figures(figures, out_dir, fmt)
