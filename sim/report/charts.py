"""Every chart a report embeds, sized for the A4 text column: the run's (drawn by :mod:`summitry.sim.figures`, which the
dashboard shares), the historical record against the run, survival curves, and a sweep's (:mod:`summitry.sim.figures.sweeps`)."""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow.compute as pc

from summitry.sim.analysis.survival import SurvivalTable, summary_rows, survival_of_runs
from summitry.sim.labels import in_unit, metric_label, outcome_label
from summitry.sim.report.files import _first_line
from summitry.sim.report.narrative import turning_points
from summitry.sim.results.run_result import RunResult
from summitry.sim.scenario.document import Time
from summitry.sim.stats import wilson_bounds

CONTENT_WIDTH = 680
"""Width of the text column and of every chart, in CSS px: A4 (210 mm) less 15 mm margins is 180 mm = 680 px."""
HALF_WIDTH = 330


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


TITLE_ROOM = 40
"""Pixels added above an exported chart for its title."""


def titled_figure(chart: Chart) -> Any:
    """A copy of a chart's figure with the chart's title on it, for export as an image file (which has no caption).

    The report's page shows the title in the numbered caption and draws the figure without one (:func:`_fit`); an
    image written by ``report --charts`` carries it itself, in the room added above the plot.
    """
    import plotly.graph_objects as go  # heavy (plotly): only when charts are exported

    fig = go.Figure(chart.figure)
    top = fig.layout.margin.t if fig.layout.margin.t is not None else 20
    fig.update_layout(
        title=dict(text=html.escape(chart.title), x=0, xanchor="left", xref="paper", y=1, yref="container", yanchor="top", pad=dict(t=10)),
        margin=dict(t=top + TITLE_ROOM),
        height=(fig.layout.height or 420) + TITLE_ROOM,
    )
    return fig


def _figures_module() -> Any:
    try:
        import summitry.sim.figures as figures  # lazy: plotly is heavy, and only reports draw
    except ImportError as exc:
        return exc
    return figures


def run_charts(result: RunResult) -> list[Chart]:
    """The run report's charts, drawn by the figure functions the dashboard uses too (sim/figures/)."""
    figures = _figures_module()
    end = _last_step(result)
    turns_text = turning_points(result)
    turns = [s for s in turns_text if 0 < s < end]
    unit = result.manifest.get("step_unit")

    def said(text: str) -> str:  # titles and captions count steps in the run's unit
        return in_unit(text, unit)

    def fn(name: str) -> Callable[..., Any]:
        if isinstance(figures, Exception):
            raise RuntimeError(f"summitry.sim.figures is not available ({figures})")
        f = getattr(figures, name, None)
        if f is None:
            raise RuntimeError(f"sim.figures has no {name}()")
        return f  # type: ignore[no-any-return]

    charts = [
        _chart(
            "fig-trust",
            "Trust between the principals",
            said("Each leader's belief that the other side is trustworthy (probability of the reciprocating type), week by week."),
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
            said("Share of the issue space both sides' coalitions would ratify, week by week."),
            lambda: fn("zone_figure")(result),
        ),
        _chart(
            "fig-issues",
            said(f"Issue space at the end (week {end})"),
            "Each side's win-set on the grid of possible deals at the last step; their overlap is the zone of agreement.",
            lambda: fn("issue_space_figure")(result, end),
        ),
        _chart(
            "fig-trust-matrix",
            said(f"Trust matrix at the end (week {end})"),
            "Every actor's trust in every side at the last step.",
            lambda: fn("trust_heatmap")(result, end),
        ),
    ]

    def network(step: int) -> Any:
        return fn("network_figure")(result, step)

    net_steps = [0, *turns, end] if end > 0 else [0]
    # read from the manifest, not sim.figures: captions are written even where plotly is missing
    contrarian = any(float(e["weight"]) < 0 for e in result.manifest.get("influence_edges", []))
    edges_said = "edge width is influence weight" + (
        " (dashed purple edges are contrarian: they push the listener away from the speaker)" if contrarian else ""
    )
    for s in dict.fromkeys(net_steps):
        label = "start" if s == 0 else "end" if s == end else f"turning point: {turns_text[s]}"
        charts.append(
            _chart(
                f"fig-network-{s}",
                said(f"Influence network, week {s} ({label})"),
                said(
                    f"Who listens to whom: {edges_said}, node size influence, node colour the actor's stance; "
                    "arrows are the signals of that week (teal conciliatory, orange hostile)."
                ),
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
            xaxis=dict(type="date", showgrid=True, title=dict(text="date", standoff=4)),
            yaxis_title=dict(text="events", standoff=6),
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


def document_unit(manifest: Mapping[str, Any]) -> str | None:
    """The step unit of the scenario a results directory stores (``scenario_document``); None when it does not say (a week)."""
    time = (manifest.get("scenario_document") or {}).get("time")
    try:
        return Time.model_validate(time).clock.unit if isinstance(time, Mapping) else None
    except ValueError:  # pydantic's ValidationError: an unreadable document is drawn in weeks
        return None


def sweep_charts(manifest: Mapping[str, Any], runs: Any) -> dict[str, Any]:
    """Every chart and table of the sweep report, keyed by section."""
    import summitry.sim.figures.sweeps as sf  # lazy: plotly is heavy, and only reports draw

    ok = sf.ok_runs(runs)
    outcomes = sf.outcomes_of(runs)
    params = sf.param_columns(runs)
    metrics = sf.metric_columns(runs)
    sensitivity = manifest.get("sensitivity") or {}
    main = outcomes[0] if outcomes else None
    out: dict[str, Any] = {"main": main, "outcomes": [], "params": [], "heatmaps": [], "sensitivity": [], "metrics": [], "survival": []}
    unit = document_unit(manifest)
    names = sweep_metric_names(manifest)
    if main is None:
        return out
    # pooled over every finished run of the sweep, whatever its design point
    out["survival"] = survival_parts(
        survival_of_runs(ok, prefix="metric."), "fig-km", "finished runs (all design points pooled)", document_unit(manifest)
    )
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
                f"Outcome probabilities against {sf.axis_label(p)}",
                f"Share of finished runs ending in each outcome per {'level' if runs[p].nunique() <= sf.MAX_LEVELS else 'quantile bin'} "
                f"of {sf.axis_label(p)} (other parameters varying); shaded bands are Wilson 95% intervals.",
                functools.partial(sf.outcome_probability_figure, runs, p, outcomes=outcomes),
                height=330,
            )
        )
    # the parameters' effects on the most frequent outcome; when several outcomes share the top count, on which
    # outcome the runs end
    tied = [r["outcome"] for r in out["outcomes"] if r["k"] == out["outcomes"][0]["k"]]
    target = main if len(tied) == 1 else None
    effects = sf.parameter_effects(runs, target, _sensitivity_for(sensitivity, main) if target is not None else None)
    ranked = [e.param for e in effects]
    out["effects"] = effects
    out["tied"] = tied
    out["ranked"] = [sf.axis_label(p) for p in ranked]
    for i, (a, b) in enumerate(sf.top_pairs(ranked, 3)):
        out["heatmaps"].append(
            _chart(
                f"fig-heat-{i}",
                f"P({outcome_label(main)}) over {sf.axis_label(a)} × {sf.axis_label(b)}",
                f"Share of finished runs ending in {outcome_label(main)} in each cell of the two parameters (levels or quantile bins), "
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
                f"{names.get(metric, metric_label(metric, unit))} ({method.capitalize()})",
                "First-order S1 and total ST Sobol indices." if method == "sobol" else "Morris μ* (mean absolute elementary effect) and σ.",
                functools.partial(sf.sensitivity_figure, metric, entry),
                half=True,
            )
        )
    for i, metric in enumerate(metrics):
        summary = sf.metric_summary(runs, metric)
        summary["label"] = names.get(summary["name"]) or metric_label(summary["name"], unit)
        if summary["n"] == 0:
            out["metrics"].append({"summary": summary, "chart": None})
            continue
        out["metrics"].append(
            {
                "summary": summary,
                "chart": _chart(
                    f"fig-metric-{i}",
                    summary["label"],
                    "",
                    functools.partial(sf.metric_distribution_figure, runs, metric, summary["label"]),
                    half=True,
                    height=230,
                ),
            }
        )
    return out


def sweep_metric_names(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Labels of a sweep's metrics about its summit sides (side a and b), with the names the stored scenario gives them.

    Empty when the sweep directory has no scenario document, or its summit sides are not named there.
    """
    document = manifest.get("scenario_document")
    if not isinstance(document, Mapping):
        return {}
    summit, sides = document.get("summit"), document.get("sides")
    ids = summit.get("sides") if isinstance(summit, Mapping) else None
    if not isinstance(sides, Mapping) or not isinstance(ids, list) or len(ids) < 2:
        return {}
    side, leader = {}, {}
    for key, sid in zip("ab", ids[:2], strict=True):
        s = sides.get(sid)
        if not isinstance(s, Mapping):
            return {}
        side[key] = str(s.get("name") or sid)
        lead = s.get("leader")
        leader[key] = str(lead.get("name") or side[key]) if isinstance(lead, Mapping) else side[key]
    return {
        "trust_a_to_b": f"Final trust: {leader['a']} → {side['b']}",
        "trust_b_to_a": f"Final trust: {leader['b']} → {side['a']}",
        "pressure_a": f"Final pressure: {side['a']}",
        "pressure_b": f"Final pressure: {side['b']}",
    }


def survival_parts(
    tables: Mapping[str, SurvivalTable], id_prefix: str, what: str = "runs", unit: str | None = None
) -> list[dict[str, Any]]:
    """The Kaplan–Meier charts and tables (S, band and number at risk at evenly spaced steps) of a report, in the runs' unit."""
    from summitry.sim.figures.survival import risk_weeks, survival_curves, survival_figure  # lazy: plotly only when a report is drawn

    parts = []
    for key, (title, x_title, y_title, caption) in survival_curves(unit).items():
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
                    functools.partial(survival_figure, [(title.split(" (")[0], t)], title, x_title=x_title, y_title=y_title, unit=unit),
                    height=360,
                )
                if t.n
                else None,
            }
        )
    return parts


def _sensitivity_for(sensitivity: Mapping[str, Any], outcome: str) -> dict[str, Any]:
    """Sensitivity entries keyed so that the outcome finds its metric (agreement_* -> agreement), which the entry names."""
    out = dict(sensitivity)
    alias = "agreement" if outcome.startswith("agreement") else outcome
    if outcome not in out and alias in out:
        out[outcome] = {**out[alias], "metric": alias} if isinstance(out[alias], Mapping) else out[alias]
    return out
