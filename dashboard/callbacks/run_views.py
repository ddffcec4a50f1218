"""One run on screen: its figures drawn once (:func:`render_run`), then patched week by week (:func:`navigate`), played, and
switched between trust pairs and the individual or grouped network."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from dash import Dash, Input, Output, Patch, State, ctx, html

from summitry.dashboard import ids
from summitry.dashboard.callbacks.choices import searched_options
from summitry.dashboard.callbacks.common import (
    OUTCOME_BADGE,
    Out,
    _emit,
    browser_step,
    dimension_labels,
    error_box,
    pattern_cells,
    record_table,
)
from summitry.dashboard.callbacks.events import _event_rows, _register_events, events_page_rows
from summitry.dashboard.callbacks.fork import fork_event_options
from summitry.dashboard.callbacks.why import _register_why, why_actor_options
from summitry.dashboard.layout import TIMELINE_GRAPHS, isolated, mode_options, step_words
from summitry.dashboard.service import Service, input_messages
from summitry.sim import figures as F
from summitry.sim.analysis.patterns import score_run, weighted_score
from summitry.sim.errors import InputError
from summitry.sim.labels import mode_label, parameter_label, unit_word
from summitry.sim.mechanisms.signals import OUTCOME_KINDS, PLEDGE_AND_TEST_KINDS, SUMMIT_PROCESS_KINDS
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.runview import date_of, run_view, short_name, step_unit, summit_status_at
from summitry.sim.results.summary import outcome_sentence
from summitry.sim.scenario.document import Scenario

# clientside: move the week marker and the veil over the time-series charts (no figure is redrawn)
TIMELINE_JS = """
function(step, info) {
    const graphs = %s;
    const state = window.summitryTimeline = window.summitryTimeline || {step: 0, hooked: new WeakSet()};
    state.step = (step === null || step === undefined) ? 0 : step;
    function place(id) {
        const gd = document.querySelector('#' + id + ' .js-plotly-plot');
        const marker = document.getElementById(id + '-marker');
        const veil = document.getElementById(id + '-veil');
        if (!gd || !marker || !veil || !gd._fullLayout || !gd._fullLayout.xaxis) { return false; }
        if (gd.on && !state.hooked.has(gd)) {
            state.hooked.add(gd);
            gd.on('plotly_afterplot', function () { place(id); });
        }
        const fl = gd._fullLayout, xa = fl.xaxis, size = fl._size;
        const x = xa._offset + xa.l2p(state.step);
        const right = xa._offset + xa._length;
        const left = Math.max(xa._offset, Math.min(right, x));
        marker.style.cssText = 'display:block;left:' + left + 'px;top:' + size.t + 'px;height:' + size.h + 'px;';
        veil.style.cssText = 'display:block;left:' + left + 'px;top:' + size.t + 'px;height:' + size.h + 'px;width:' + Math.max(0, right - left) + 'px;';
        marker.setAttribute('data-step', String(state.step));
        return true;
    }
    let tries = 0;
    function placeAll() {
        const missing = graphs.filter(function (id) { return !place(id); });
        if (missing.length && tries++ < 100) { setTimeout(placeAll, 50); }
    }
    placeAll();
    return window.dash_clientside.no_update;
}
"""
PLAY_LABEL_JS = "function(disabled) { return disabled ? '▶ Play' : '⏸ Pause'; }"
SPEED_JS = "function(ms) { return ms || 400; }"


def step_label(result: RunResult, step: int) -> str:
    """The step on screen in the run's unit: ``week 12 of 49 · 2018-09-03`` (``day 3 of 12 · ...`` on a daily clock)."""
    return f"{unit_word(step_unit(result))} {step} of {run_view(result).last_step} · {date_of(result, step)}"


_HEADLINE_KINDS = (SUMMIT_PROCESS_KINDS - {"offer_rejected"}) | (OUTCOME_KINDS - {"blame"}) | PLEDGE_AND_TEST_KINDS | {"shock"}


def outcome_so_far(result: RunResult, step: int) -> list[Any]:
    """The state of play at ``step`` (summit status, summits held, latest key event); the outcome at the end."""
    view = run_view(result)
    if step >= view.last_step:
        label, colour = OUTCOME_BADGE.get(result.outcome, (result.outcome, "#888"))
        # the sentence names a leader, and an event's text its actors: both isolated (layout.isolated)
        return [html.Span(label, className="badge", style={"background": colour}), html.Span(isolated(outcome_sentence(result)))]
    status = summit_status_at(result, step)
    held = view.at("summits_held", "world", step)
    latest = None
    for s in range(step, -1, -1):
        for e in reversed(view.events_by_step.get(s, [])):
            if e["kind"] in _HEADLINE_KINDS:
                latest = e
                break
        if latest:
            break
    parts = [html.Span("in progress", className="badge", style={"background": "#5b7083"})]
    text = f"Summit: {status}" + (f" · {int(held)} held so far" if held == held else "")
    if latest:
        text += f" · latest ({unit_word(step_unit(result))} {latest['step']}): "
        parts.append(html.Span([text, isolated(latest["text"])]))
    else:
        parts.append(html.Span(text))
    return parts


def record_fit(scenario: Scenario, result: RunResult) -> list[Any]:
    """This run scored against the scenario's historical patterns: one row per pattern, then the weighted score.

    A pattern that does not apply to the run (its condition did not happen, or a restraint while nobody acted)
    shows a dash and does not count. Scenarios without patterns get a hint instead.
    """
    patterns = scenario.patterns
    if not patterns:
        return [html.P("This scenario states no historical patterns, so there is nothing to score the run against.", className="hint")]
    scores = score_run(result, scenario)
    rows = []
    for p in patterns:
        v = float(scores[p.id])
        rows.append(html.Tr([*pattern_cells(p, step_unit(result)), html.Td("—" if math.isnan(v) else f"{v:.2f}")]))
    total = weighted_score(scores, patterns)
    rows.append(html.Tr([html.Td(html.B("weighted score")), html.Td(""), html.Td(html.B("—" if math.isnan(total) else f"{total:.2f}"))]))
    note = [
        "Each pattern scores 1 when the run reproduces the fact in its window, less the further off it is "
        "(0 at its tolerance, the ± after the window). ",
        html.Code(f"summitry backtest {scenario.name}"),
        " scores many runs, a null model and baselines against the same patterns.",
    ]
    headings = ["historical pattern", unit_word(step_unit(result), plural=True), "this run"]
    return record_table(headings, rows, "record-fit-table", note)


def pair_options(result: RunResult, grouped: bool = False) -> list[dict[str, str]]:
    """Trust pairs the user can add: (actor, side) for every actor with trust in that side, or with
    ``grouped`` (a network above the grouping threshold) for each node of the grouped network: leaders,
    third parties and groups of factions by side and role (their influence-weighted mean trust)."""
    view = run_view(result)
    out = []
    if grouped:
        for node in F.grouped_nodes(result):
            series = {s: F.group_series(result, f"trust_{s}")[node["id"]] for s in view.sides}
            for s in view.sides:
                if (~np.isnan(series[s])).any():
                    label = F.node_name(view, node["id"], 26)
                    out.append({"label": f"{label} → {view.side_names[s]}", "value": f"{node['id']}|{s}"})
        return out
    for a in view.actors:
        for s in view.sides:
            if view.has(f"trust_{s}", a["id"]):
                out.append({"label": f"{short_name(a['name'], 26)} → {view.side_names[s]}", "value": f"{a['id']}|{s}"})
    return out


def _pairs(values: Sequence[str] | None) -> list[tuple[str, str]]:
    out = []
    for v in values or []:
        if "|" in v:
            a, s = v.split("|", 1)
            out.append((a, s))
    return out


def timeline(fig: Any) -> Any:
    """A time-series figure for the run tab: its marker and veil are drawn by the page's overlay (TIMELINE_JS)."""
    fig.layout.shapes[0].visible = False
    fig.layout.shapes[1].visible = False
    return fig


def run_info(service: Service, config: Mapping[str, Any], result: RunResult, network: str = "individual") -> dict[str, Any]:
    """What the browser keeps about the figures on screen: which run they show, its last step and how its network is drawn."""
    cfg = service.config(config)
    return {
        "config": cfg,
        "key": service.run_key(cfg),
        "last": run_view(result).last_step,
        "node_trace": F.network_node_trace(result),
        "network": network,
    }


def _principal_ids(view: Any) -> list[str]:
    return [view.leaders[s] for s in view.sides] + [a["id"] for a in view.actors if a["side"] is None]


def default_network_mode(result: RunResult) -> str:
    """``grouped`` for a network of more than :data:`~sim.figures.AGGREGATE_THRESHOLD` actors, else ``individual``."""
    return "grouped" if len(run_view(result).actors) > F.AGGREGATE_THRESHOLD else "individual"


def slider_marks(last: int) -> dict[str, str]:
    if last <= 0:
        return {"0": "0"}
    every = max(1, math.ceil(last / 50) * 5) if last > 20 else (2 if last > 10 else 1)
    marks = {str(s): str(s) for s in range(0, last + 1, every)}
    marks[str(last)] = str(last)
    return marks


def render_run(service: Service, config: Mapping[str, Any] | None, step: Any, pairs: Sequence[str] | None) -> Out:
    """A new configuration: compute (or fetch) its run and draw every view at ``step`` (clipped to the run)."""
    if not config:
        return {}
    cfg = service.config(config)
    try:
        result = service.result(cfg)
    except InputError as exc:
        return {"errors": error_box(input_messages(exc), "This run cannot be computed")}
    view = run_view(result)
    last = view.last_step
    s = int(min(max(browser_step(step), 0), last))
    pos = F.network_positions(result)
    rows = _event_rows(result)
    actors = sorted({r["sender"] for r in rows if r["sender"]} | {n for r in rows for n in r["receiver"].split(" + ") if n})
    kinds = sorted({r["kind"] for r in rows})  # labels (F.events_table_rows): what the table shows and filters on
    m = result.manifest
    title = m.get("title") or m.get("scenario")
    # the scenario's title isolated from the words the page puts after it (layout.isolated)
    title_text = [
        isolated(title),
        f" — seed {m['seed']}, {mode_label(m['mode'])} mode"
        + (" · changed: " + ", ".join(parameter_label(p) for p in sorted(cfg["overrides"])) if cfg["overrides"] else ""),
    ]
    mode = default_network_mode(result)
    grouped = mode == "grouped"
    if grouped:  # a large run's log is paged by the server (events_page), not sent whole
        events = {"events_paging": "custom", "events_filtering": "none", **events_page_rows(rows, s, None, None, 0)}
    else:
        events = {
            "events": [{k: v for k, v in r.items() if k != "source"} for r in rows],
            "events_paging": "native",
            "events_filtering": "native",
        }
    figures = {
        "trust": timeline(F.trust_figure(result, s, pairs=_pairs(pairs), until=s)),
        "pressure": timeline(F.pressure_figure(result, s, until=s)),
        "zone": timeline(F.zone_figure(result, s, until=s)),
        "stance": timeline(F.stance_figure(result, s, until=s, grouped=grouped)),
    }
    return {
        **figures,
        "network": F.network_figure(result, s, pos, grouped=mode == "grouped"),
        "network_mode": mode,
        # the toggle only where grouping helps: a network too large to read node by node
        "network_mode_style": {} if mode == "grouped" else {"display": "none"},
        "issues": F.issue_space_figure(result, s, labels=dimension_labels(service, cfg)),
        "heatmap": F.trust_heatmap(result, s, grouped=grouped),
        "slider_max": last,
        "slider_marks": slider_marks(last),
        "step": s,
        "step_label": step_label(result, s),
        **events,
        "events_actor_options": (
            searched_options([{"label": a, "value": a} for a in actors], [view.names[a] for a in _principal_ids(view)], None, None)
            if grouped
            else [{"label": a, "value": a} for a in actors]
        ),
        "events_kind_options": [{"label": k, "value": k} for k in kinds],
        "why_actor_options": why_actor_options(service.scenario(cfg["scenario"], cfg["overrides"])),
        "pair_options": pair_options(result, grouped),
        "outcome": outcome_so_far(result, s),
        "record_fit": record_fit(service.scenario(cfg["scenario"], cfg["overrides"]), result),
        "title": title_text,
        "mode_options": mode_options(service.base_scenario(cfg["scenario"])[0].mode),
        "run_info": run_info(service, cfg, result, mode),
        "fork_events": fork_event_options(service, cfg, 0).get("options", []),
        **step_words(step_unit(result)),
        "errors": [],
    }


def _marker_patch(step: int) -> Patch:
    """Move a time-series figure's step marker (shapes[0]) and the veil over the future (shapes[1]) to ``step``."""
    p = Patch()
    p["layout"]["shapes"][0]["x0"] = step
    p["layout"]["shapes"][0]["x1"] = step
    p["layout"]["shapes"][1]["x0"] = step
    return p


def _issue_patch(result: RunResult, step: int, title_prefix: str = "") -> Patch:
    d = F.issue_space_step_data(result, step)
    p = Patch()
    p["data"][0]["z"] = d["z"]
    for i, key in ((1, "earlier"), (2, "now")):
        o = d[key]
        p["data"][i]["x"] = o["x"]
        p["data"][i]["y"] = o["y"]
        p["data"][i]["text"] = o["text"]
        p["data"][i]["marker"]["color"] = o["color"]
        p["data"][i]["marker"]["symbol"] = o["symbol"]
    p["layout"]["title"]["text"] = title_prefix + d["title"]
    return p


def step_views(result: RunResult, step: int, node_trace: int, grouped: bool = False) -> Out:
    """Patches that move every run view to ``step`` (``grouped``: the network is drawn grouped by side and role)."""
    heat = Patch()
    _, _, z = F.trust_matrix_at(result, step, grouped)
    heat["data"][0]["z"] = z
    heat["data"][0]["text"] = [["" if v is None else f"{v:.2f}" for v in row] for row in z]
    heat["layout"]["title"]["text"] = F.trust_matrix_title(result, step)
    net = Patch()
    d = F.network_group_step_data(result, step) if grouped else F.network_step_data(result, step)
    net["data"][node_trace]["marker"]["color"] = d["stance"]
    net["data"][node_trace]["marker"]["size"] = d["size"]
    net["data"][node_trace]["hovertext"] = d["hover"]
    arrows = F.grouped_signal_arrows(result, step, d["size"]) if grouped else F.signal_arrows(result, step)
    first = node_trace - len(F.SIGNAL_CLASSES) - 1
    for i, cls in enumerate(F.SIGNAL_CLASSES):
        net["data"][first + i]["x"], net["data"][first + i]["y"] = arrows["lines"][cls]
    h = arrows["heads"]
    heads = net["data"][first + len(F.SIGNAL_CLASSES)]
    heads["x"], heads["y"], heads["hovertext"] = h["x"], h["y"], h["text"]
    heads["marker"]["size"], heads["marker"]["color"] = h["size"], h["color"]
    net["layout"]["title"]["text"] = F.network_title(step, grouped, step_unit(result))
    return {
        "heatmap": heat,
        "network": net,
        "issues": _issue_patch(result, step),
        "outcome": outcome_so_far(result, step),
        "step_label": step_label(result, step),
    }


def navigate(
    service: Service,
    trigger: str | None,
    step: Any,
    info: Mapping[str, Any] | None,
    config: Mapping[str, Any] | None,
    fork: Mapping[str, Any] | None,
    playing: bool = False,
) -> Out:
    """Step, back, reset, run-to-end, a play tick or the slider: the new step and the patches that show it.

    ``step`` is the slider's value when the event happened; ``info`` says
    which run the figures on screen were drawn from (nothing is patched if
    that is not the current configuration's run: it is being drawn).
    """
    if not info or not config:
        return {}
    cfg = service.config(config)
    if info.get("config") != cfg:
        return {}
    last = int(info.get("last", 0))
    s = browser_step(step)
    out: Out = {}
    if trigger == ids.RESET:
        s = 0
    elif trigger == ids.BACK:
        s = max(0, s - 1)
    elif trigger == ids.FORWARD:
        s = min(last, s + 1)
    elif trigger == ids.END:
        s = last
    elif trigger == ids.TIMER:
        if s >= last:
            return {"timer_disabled": True}
        s = s + 1
        if s >= last:
            out["timer_disabled"] = True
    s = min(max(s, 0), last)
    if trigger != ids.SLIDER:
        out["step"] = s
    try:
        result = service.result(cfg)
    except InputError:
        return out
    out.update(step_views(result, s, int(info.get("node_trace", F.network_node_trace(result))), info.get("network") == "grouped"))
    if fork and fork.get("config") == cfg:
        try:
            alt = service.fork_result(cfg, fork["spec"])
        except InputError:
            return out
        out["fork_trust"] = _marker_patch(s)
        out["fork_pressure"] = _marker_patch(s)
        out["fork_issues_base"] = _issue_patch(result, s, "Base: ")
        out["fork_issues_alt"] = _issue_patch(alt, s, "Fork: ")
    return out


def network_mode_changed(
    service: Service,
    mode: str | None,
    config: Mapping[str, Any] | None,
    info: Mapping[str, Any] | None,
    step: Any,
    pairs: Sequence[str] | None = None,
) -> Out:
    """The user switched the factions between grouped and individual: redraw the network, the stances and the trust
    matrix at ``step`` and offer the matching trust pairs (nothing if they are drawn so already)."""
    if mode not in ("grouped", "individual") or not config or not info or info.get("config") != service.config(config):
        return {}
    if info.get("network", "individual") == mode:
        return {}
    try:
        result = service.result(config)
    except InputError:
        return {}
    s = int(min(max(browser_step(step), 0), run_view(result).last_step))
    grouped = mode == "grouped"
    options = pair_options(result, grouped)
    offered = {o["value"] for o in options}
    out = {
        "network": F.network_figure(result, s, grouped=grouped),
        "stance": timeline(F.stance_figure(result, s, until=s, grouped=grouped)),
        "heatmap": F.trust_heatmap(result, s, grouped=grouped),
        "pair_options": options,
        "run_info": {**info, "network": mode},
    }
    kept = [p for p in pairs or [] if p in offered]
    if kept != list(pairs or []):
        out["pairs"] = kept
    return out


def play_pause(info: Mapping[str, Any] | None, step: Any, disabled: bool) -> Out:
    """Toggle playing; pressing play at the last week starts again from week 0."""
    if not info:
        return {}
    if disabled:
        out: Out = {"timer_disabled": False}
        if browser_step(step) >= int(info.get("last", 0)):
            out["step"] = 0
        return out
    return {"timer_disabled": True}


def trust_pairs_changed(
    service: Service, pairs: Sequence[str] | None, config: Mapping[str, Any] | None, info: Mapping[str, Any] | None, step: Any
) -> Out:
    """The user picked trust pairs: redraw the trust chart with them (and note which series it now shows)."""
    if not config or not info or info.get("config") != service.config(config):
        return {}
    result = service.result(config)
    s = browser_step(step)
    return {"trust": timeline(F.trust_figure(result, s, pairs=_pairs(pairs), until=s))}


#: Where each output of :func:`render_run` goes.
RENDER_TARGETS: dict[str, tuple[str, str]] = {
    "network": (ids.NETWORK, "figure"),
    "network_mode": (ids.NETWORK_MODE, "value"),
    "network_mode_style": (ids.NETWORK_MODE_BOX, "style"),
    "trust": (ids.TRUST, "figure"),
    "issues": (ids.ISSUES, "figure"),
    "pressure": (ids.PRESSURE, "figure"),
    "zone": (ids.ZONE, "figure"),
    "heatmap": (ids.HEATMAP, "figure"),
    "stance": (ids.STANCE, "figure"),
    "slider_max": (ids.SLIDER, "max"),
    "slider_marks": (ids.SLIDER, "marks"),
    "step": (ids.SLIDER, "value"),
    "step_label": (ids.STEP_LABEL, "children"),
    "events": (ids.EVENTS, "data"),
    "events_paging": (ids.EVENTS, "page_action"),
    "events_filtering": (ids.EVENTS, "filter_action"),
    "events_page_count": (ids.EVENTS, "page_count"),
    "events_page": (ids.EVENTS, "page_current"),
    "events_actor_options": ("events-actor", "options"),
    "events_kind_options": ("events-kind", "options"),
    "why_actor_options": (ids.WHY_ACTOR, "options"),
    "pair_options": (ids.PAIRS, "options"),
    "outcome": (ids.OUTCOME, "children"),
    "record_fit": (ids.RECORD_FIT, "children"),
    "title": (ids.TITLE, "children"),
    "mode_options": (ids.MODE, "options"),
    "run_info": (ids.RUN_INFO, "data"),
    "errors": (ids.ERRORS, "children"),
    "fork_events": (ids.FORK_REMOVE, "options"),
    # the words that count steps, in the run's unit (layout.step_words)
    "reset_title": (ids.RESET, "title"),
    "back_title": (ids.BACK, "title"),
    "forward_title": (ids.FORWARD, "title"),
    "events_heading": (ids.EVENTS_HEADING, "children"),
    "events_columns": (ids.EVENTS, "columns"),
    "fork_hint": (ids.FORK_HINT, "children"),
    "fork_at_label": (ids.FORK_AT_LABEL, "children"),
    "fork_at_placeholder": (ids.FORK_AT, "placeholder"),
    "fork_add_week_placeholder": (ids.FORK_ADD_WEEK, "placeholder"),
    "fork_remove_hint": (ids.FORK_REMOVE_HINT, "children"),
}


def _register_run_views(app: Dash, service: Service) -> None:
    """The callbacks of drawing a run: drawing and moving through weeks, playing, the events table, pairs and network mode."""
    _register_drawing(app, service)
    _register_playback(app)
    _register_events(app, service)
    _register_why(app, service)
    _register_view_choices(app, service)


def _register_drawing(app: Dash, service: Service) -> None:
    """A run drawn when the configuration changes, and patched to the week the controls or the slider ask for."""
    render_names = list(RENDER_TARGETS)

    @app.callback(
        *[Output(*RENDER_TARGETS[n], allow_duplicate=True) for n in render_names],
        Input(ids.CONFIG, "data"),
        State(ids.SLIDER, "value"),
        State(ids.PAIRS, "value"),
        prevent_initial_call=True,
    )
    def _render(config: Any, step: Any, pairs: Any) -> tuple[Any, ...]:
        return _emit(render_names, render_run(service, config, step, pairs))

    nav_names = [
        "step",
        "step_label",
        "heatmap",
        "network",
        "issues",
        "outcome",
        "timer_disabled",
        "fork_trust",
        "fork_pressure",
        "fork_issues_base",
        "fork_issues_alt",
    ]

    @app.callback(
        Output(ids.SLIDER, "value", allow_duplicate=True),
        Output(ids.STEP_LABEL, "children", allow_duplicate=True),
        Output(ids.HEATMAP, "figure", allow_duplicate=True),
        Output(ids.NETWORK, "figure", allow_duplicate=True),
        Output(ids.ISSUES, "figure", allow_duplicate=True),
        Output(ids.OUTCOME, "children", allow_duplicate=True),
        Output(ids.TIMER, "disabled", allow_duplicate=True),
        Output(ids.FORK_TRUST, "figure", allow_duplicate=True),
        Output(ids.FORK_PRESSURE, "figure", allow_duplicate=True),
        Output(ids.FORK_ISSUES_BASE, "figure", allow_duplicate=True),
        Output(ids.FORK_ISSUES_ALT, "figure", allow_duplicate=True),
        Input(ids.RESET, "n_clicks"),
        Input(ids.BACK, "n_clicks"),
        Input(ids.FORWARD, "n_clicks"),
        Input(ids.END, "n_clicks"),
        Input(ids.TIMER, "n_intervals"),
        Input(ids.SLIDER, "value"),
        State(ids.RUN_INFO, "data"),
        State(ids.CONFIG, "data"),
        State(ids.FORK, "data"),
        prevent_initial_call=True,
    )
    def _navigate(_r: Any, _b: Any, _f: Any, _e: Any, _t: Any, step: Any, info: Any, config: Any, fork: Any) -> tuple[Any, ...]:
        return _emit(nav_names, navigate(service, ctx.triggered_id, step, info, config, fork))


def _register_playback(app: Dash) -> None:
    """Play and pause, and what the browser does alone: the week marker, the play label, the speed."""

    @app.callback(
        Output(ids.TIMER, "disabled", allow_duplicate=True),
        Output(ids.SLIDER, "value", allow_duplicate=True),
        Input(ids.PLAY, "n_clicks"),
        State(ids.RUN_INFO, "data"),
        State(ids.SLIDER, "value"),
        State(ids.TIMER, "disabled"),
        prevent_initial_call=True,
    )
    def _play(_n: Any, info: Any, step: Any, disabled: Any) -> tuple[Any, ...]:
        return _emit(["timer_disabled", "step"], play_pause(info, step, bool(disabled)))

    app.clientside_callback(
        TIMELINE_JS % json.dumps(list(TIMELINE_GRAPHS)),
        Output("timeline-sink", "data"),
        Input(ids.SLIDER, "value"),
        Input(ids.RUN_INFO, "data"),
    )
    # the layout holds these outputs' first values (the play label, the speed, the log's filter at the first week)
    app.clientside_callback(PLAY_LABEL_JS, Output(ids.PLAY, "children"), Input(ids.TIMER, "disabled"), prevent_initial_call=True)
    app.clientside_callback(SPEED_JS, Output(ids.TIMER, "interval"), Input(ids.SPEED, "value"), prevent_initial_call=True)


def _register_view_choices(app: Dash, service: Service) -> None:
    """The trust pairs shown, and the network drawn individual or grouped."""

    @app.callback(
        Output(ids.TRUST, "figure", allow_duplicate=True),
        Output(ids.RUN_INFO, "data", allow_duplicate=True),
        Input(ids.PAIRS, "value"),
        State(ids.CONFIG, "data"),
        State(ids.RUN_INFO, "data"),
        State(ids.SLIDER, "value"),
        prevent_initial_call=True,
    )
    def _pairs_cb(pairs: Any, config: Any, info: Any, step: Any) -> tuple[Any, ...]:
        return _emit(["trust", "run_info"], trust_pairs_changed(service, pairs, config, info, step))

    mode_names = ["network", "stance", "heatmap", "pair_options", "pairs", "run_info"]

    @app.callback(
        Output(ids.NETWORK, "figure", allow_duplicate=True),
        Output(ids.STANCE, "figure", allow_duplicate=True),
        Output(ids.HEATMAP, "figure", allow_duplicate=True),
        Output(ids.PAIRS, "options", allow_duplicate=True),
        Output(ids.PAIRS, "value", allow_duplicate=True),
        Output(ids.RUN_INFO, "data", allow_duplicate=True),
        Input(ids.NETWORK_MODE, "value"),
        State(ids.CONFIG, "data"),
        State(ids.RUN_INFO, "data"),
        State(ids.SLIDER, "value"),
        State(ids.PAIRS, "value"),
        prevent_initial_call=True,
    )
    def _network_mode(mode: Any, config: Any, info: Any, step: Any, pairs: Any) -> tuple[Any, ...]:
        return _emit(mode_names, network_mode_changed(service, mode, config, info, step, pairs))
