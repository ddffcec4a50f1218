"""The ensemble: many seeds of the configuration run in the background, ticked into outcome shares, survival curves and fans."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from dash import Dash, Input, Output, State, html

from summitry.dashboard import ids
from summitry.dashboard.callbacks.common import Out, _emit, pattern_cells, record_table, whole_number_problem
from summitry.dashboard.layout import progress_bar
from summitry.dashboard.service import MAX_ENSEMBLE_RUNS, SURVIVAL_METRICS, Service, input_messages, stack
from summitry.sim import figures as F
from summitry.sim.analysis.patterns import weighted_score
from summitry.sim.analysis.survival import survival_of_runs
from summitry.sim.errors import InputError
from summitry.sim.experiments.backtest import mean_ci, share
from summitry.sim.figures.survival import survival_curves, survival_figure
from summitry.sim.labels import unit_word
from summitry.sim.results.runview import run_view, short_name, side_colours, step_unit
from summitry.sim.scenario.document import Scenario

DEFAULT_ENSEMBLE_RUNS = 200
"""The runs of an ensemble whose Runs box is empty."""


def ensemble_start(service: Service, config: Mapping[str, Any] | None, n: Any) -> Out:
    """Start an ensemble on the server; the browser's store gets its id (and copies of n and done, for display only).

    ``n`` is the Runs box: a whole number from 1 to :data:`MAX_ENSEMBLE_RUNS`, or empty for
    :data:`DEFAULT_ENSEMBLE_RUNS` (which the box then shows); anything else is refused with a message and no ensemble
    is started.
    """
    if not config or not isinstance(config, Mapping):
        return {}
    empty = n in (None, "")
    problem = None if empty else whole_number_problem("Runs", n, high=MAX_ENSEMBLE_RUNS, low=1)
    if problem:
        # -5, 0, 2.5 or 6000 ran another count (the default or the limit) while the box kept what was typed
        return {"timer_disabled": True, "progress": progress_bar(0, 1, f"{problem}; no ensemble was started")}
    try:
        job = service.start_ensemble(config, DEFAULT_ENSEMBLE_RUNS if empty else _count(n, default=DEFAULT_ENSEMBLE_RUNS))
    except InputError as exc:
        return {"timer_disabled": True, "progress": progress_bar(0, 1, "; ".join(input_messages(exc)))}
    out: Out = {"ensemble": _ens_store(job), "timer_disabled": False, "progress": progress_bar(0, job.n)}
    if empty:
        out["n"] = job.n  # the box shows the count that runs
    return out


def _count(value: Any, default: int) -> int:
    """A run count from the browser: a whole number of at most 7 digits (else ``default``); the service clamps it."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str) and 0 < len(value.strip()) <= 7 and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return default


def _ens_store(job: Any, drawn: int = 0) -> dict[str, Any]:
    """The browser's copy of a job; ``drawn``: how many runs the early charts it holds show (see :func:`ensemble_tick`)."""
    return {"id": job.id, "n": job.n, "done": job.done, "running": job.running, "drawn": drawn}


PARTIAL_FROM = 100
"""Ensembles of this many runs or more draw their charts as they go, from the runs done so far, so that a long
ensemble shows a picture within seconds; smaller ones draw once, when they are complete."""
PARTIAL_SHARES = (0.1, 0.25, 0.5, 0.75)
"""The shares of an ensemble's runs at which its charts are drawn before the end: a few draws, however many ticks."""


def partial_due(job: Any) -> bool:
    """Whether ``job`` has passed a point of :data:`PARTIAL_SHARES` of its runs since its charts were last drawn.

    >>> class J: n, done, drawn_at = 200, 20, 0
    >>> partial_due(J())
    True
    >>> J.drawn_at = 20; J.done = 49
    >>> partial_due(J())
    False
    >>> J.n = 99; J.done = 60; J.drawn_at = 0  # a small ensemble draws once, at the end
    >>> partial_due(J())
    False
    """
    if job.n < PARTIAL_FROM or job.done >= job.n:
        return False
    passed = [mark for mark in (math.ceil(share * job.n) for share in PARTIAL_SHARES) if mark <= job.done]
    return bool(passed) and max(passed) > job.drawn_at


def ensemble_tick(service: Service, ens: Mapping[str, Any] | None, budget_s: float = 0.3) -> Out:
    """One bounded chunk of the ensemble named by the store's id; the figures when it is complete.

    The store's ``n``, ``done``, ``running`` and ``config`` are ignored: the
    job on the server says how much is left, and a tick computes at most
    :data:`summitry.dashboard.service.MAX_RUNS_PER_TICK` runs.
    """
    job = service.job(ens.get("id")) if isinstance(ens, Mapping) else None
    if job is None:
        if isinstance(ens, Mapping) and ens.get("id") is not None:
            return {
                "timer_disabled": True,
                "ensemble": None,
                "progress": progress_bar(0, 1, "this ensemble is no longer on the server; run it again"),
            }
        return {"timer_disabled": True}
    if job.error is not None:
        return {"timer_disabled": True, "ensemble": _ens_store(job), "progress": progress_bar(job.done, job.n, job.error)}
    if not job.running and job.done < job.n:
        return {"timer_disabled": True, "ensemble": _ens_store(job)}
    try:
        done = service.advance_job(job, budget_s=budget_s)
    except InputError as exc:
        job.running = False
        return {
            "timer_disabled": True,
            "ensemble": _ens_store(job),
            "progress": progress_bar(0, job.n, "; ".join(input_messages(exc))),
        }
    if job.error is not None:  # the grant itself found the job's scenario gone or the workers broken
        return {"timer_disabled": True, "ensemble": _ens_store(job), "progress": progress_bar(done, job.n, job.error)}
    # which early charts the browser holds: what the last response it kept said (a count it can only make us resend)
    held = _count(ens.get("drawn"), 0) if isinstance(ens, Mapping) else 0
    out: Out = {"ensemble": _ens_store(job, held), "progress": progress_bar(done, job.n)}
    if done < job.n:
        with job.figures_lock:  # one draw per point passed, by whichever tick passes it first
            if partial_due(job):
                members = list(job.members)  # the first runs, in seed order: a smaller ensemble of its own
                job.partial = ensemble_figures(service, job.config, len(members), members)
                job.drawn_at = len(members)
            partial, k = job.partial, job.drawn_at
        # sent until the browser keeps a response that carries them: it drops a response that a newer tick overtook,
        # and a draw takes longer than the ticks' interval
        if partial is not None and held != k:
            out.update(partial)
            out["ensemble"] = _ens_store(job, k)
            out["progress"] = progress_bar(done, job.n, f"{done} / {job.n} runs; the charts show the first {k}")
    if done >= job.n:
        out["timer_disabled"] = True
        # built once per job, by whichever tick first sees it complete: the browser keeps only the newest tick's
        # response, and that may be a tick that did no runs (the finishing one was overtaken on its way back)
        with job.figures_lock:
            if job.figures is None:
                job.figures = ensemble_figures(service, job.config, job.n, job.members)
        out.update(job.figures)
        out["progress"] = progress_bar(job.n, job.n, f"{job.n} runs done")
    return out


def ensemble_cancel(service: Service, ens: Mapping[str, Any] | None) -> Out:
    job = service.job(ens.get("id")) if isinstance(ens, Mapping) else None
    if job is None:
        return {"timer_disabled": True}
    service.cancel_job(job)
    return {
        "timer_disabled": True,
        "ensemble": _ens_store(job),
        "progress": progress_bar(job.done, job.n, "cancelled"),
    }


def ensemble_figures(service: Service, config: Mapping[str, Any], n: int, members: list[dict[str, Any]]) -> Out:
    """Outcome probabilities (Wilson 95%) and fan charts of trust and pressure over an N-seed ensemble's members."""
    base = service.result(config)
    view = run_view(base)
    colours = side_colours(base)
    outcomes = F.outcome_figure([m["outcome"] for m in members])
    bands = []
    for key in members[0]["trust"]:
        a, s = key.split(">")
        side = view.side_of(a) or ""
        bands.append(
            (
                f"{short_name(view.names.get(a, a), 16)} → {view.side_names.get(s, s)}",
                colours.get(side, "#777"),
                stack([m["trust"][key] for m in members]),
            )
        )
    unit = step_unit(base)
    trust = F.fans_figure(bands, f"Trust between the principals: median, 50% and 90% of {n} runs", y_title="trust (0–1)", unit=unit)
    pbands = [(view.side_names.get(s, s), colours.get(s, "#777"), stack([m["pressure"][s] for m in members])) for s in view.summit_sides]
    pressure = F.fans_figure(pbands, f"Pressure per side, {n} runs", y_title="pressure (0–1)", unit=unit)
    return {
        "ens_outcomes": outcomes,
        "ens_trust": trust,
        "ens_pressure": pressure,
        **ensemble_survival_figures(members, unit),
        "ens_record": ensemble_record(service.scenario(config["scenario"], config.get("overrides")), members, unit),
    }


def ensemble_record(scenario: Scenario, members: Sequence[Mapping[str, Any]], unit: str | None = None) -> list[Any]:
    """The ensemble's mean score on each historical pattern, over the runs it applies to (Wilson 95%), and the weighted score's mean.

    The summaries ``summitry backtest`` gives, of the model's runs only: ``share`` for each pattern (the Wilson
    interval of the scores' sum over the runs, conservative for graded scores and exact for 0/1) and ``mean_ci`` for
    the weighted score (both from :mod:`summitry.sim.experiments.backtest`).
    """
    patterns = scenario.patterns
    if not patterns:
        return [html.P("This scenario states no historical patterns, so there is nothing to score the runs against.", className="hint")]
    n = len(members)
    rows = []
    for p in patterns:
        s = share(pd.Series([m["patterns"][p.id] for m in members], dtype=float))
        cell = f"{s['share']:.2f} [{s['low']:.2f}, {s['high']:.2f}]" if s["runs"] else "—"
        rows.append(html.Tr([*pattern_cells(p, unit), html.Td(cell), html.Td(f"{s['runs']} of {n}")]))
    w = mean_ci(pd.Series([weighted_score(m["patterns"], patterns) for m in members], dtype=float))
    total = f"{w['mean']:.2f} [{w['low']:.2f}, {w['high']:.2f}]" if w["runs"] else "—"
    rows.append(html.Tr([html.Td(html.B("weighted score")), html.Td(""), html.Td(html.B(total)), html.Td(f"{w['runs']} of {n}")]))
    note = [
        "The model's runs only: ",
        html.Code(f"summitry backtest {scenario.name}"),
        " adds a null model and baselines on the same seeds, and the skill over them.",
    ]
    headings = ["historical pattern", unit_word(unit, plural=True), "mean score [95% CI]", "runs it applies to"]
    return record_table(headings, rows, "ensemble-record-table", note)


def ensemble_survival_figures(members: Sequence[Mapping[str, Any]], unit: str | None = None) -> Out:
    """Kaplan–Meier curves of the ensemble's time to agreement and moratorium survival, from the members' stored metrics."""
    columns = {k: [m.get(k) for m in members] for k in SURVIVAL_METRICS}
    tables = survival_of_runs({k: [math.nan if v is None else float(v) for v in vs] for k, vs in columns.items()})
    out: Out = {}
    for key, name in (("agreement", "ens_km_agreement"), ("moratorium", "ens_km_moratorium")):
        title, x_title, y_title, _caption = survival_curves(unit)[key]
        t = tables[key]
        out[name] = survival_figure(
            [(title.split(" (")[0], t)], f"{title}, {t.n} of {len(members)} runs", x_title=x_title, y_title=y_title, unit=unit
        )
    return out


def _register_ensemble(app: Dash, service: Service) -> None:
    """The callbacks of ensemble."""
    ens_names = [
        "ensemble",
        "timer_disabled",
        "progress",
        "ens_outcomes",
        "ens_trust",
        "ens_pressure",
        "ens_km_agreement",
        "ens_km_moratorium",
        "ens_record",
    ]
    ens_outputs = [
        Output(ids.ENSEMBLE, "data", allow_duplicate=True),
        Output(ids.ENS_TIMER, "disabled", allow_duplicate=True),
        Output(ids.ENS_PROGRESS, "children", allow_duplicate=True),
        Output(ids.ENS_OUTCOMES, "figure", allow_duplicate=True),
        Output(ids.ENS_TRUST, "figure", allow_duplicate=True),
        Output(ids.ENS_PRESSURE, "figure", allow_duplicate=True),
        Output(ids.ENS_KM_AGREEMENT, "figure", allow_duplicate=True),
        Output(ids.ENS_KM_MORATORIUM, "figure", allow_duplicate=True),
        Output(ids.ENS_RECORD, "children", allow_duplicate=True),
    ]

    @app.callback(
        *ens_outputs,
        Output(ids.ENS_N, "value", allow_duplicate=True),
        Input(ids.ENS_RUN, "n_clicks"),
        State(ids.CONFIG, "data"),
        State(ids.ENS_N, "value"),
        prevent_initial_call=True,
    )
    def _ens_start(_n: Any, config: Any, n: Any) -> tuple[Any, ...]:
        return _emit([*ens_names, "n"], ensemble_start(service, config, n))

    @app.callback(*ens_outputs, Input(ids.ENS_TIMER, "n_intervals"), State(ids.ENSEMBLE, "data"), prevent_initial_call=True)
    def _ens_tick(_n: Any, ens: Any) -> tuple[Any, ...]:
        return _emit(ens_names, ensemble_tick(service, ens))

    @app.callback(*ens_outputs, Input(ids.ENS_CANCEL, "n_clicks"), State(ids.ENSEMBLE, "data"), prevent_initial_call=True)
    def _ens_cancel(_n: Any, ens: Any) -> tuple[Any, ...]:
        return _emit(ens_names, ensemble_cancel(service, ens))
