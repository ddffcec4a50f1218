"""The fork: change one thing at a chosen week (a parameter, an event removed, a preset), rerun from there and compare."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dash import Dash, Input, Output, State, ctx, html, no_update

from summitry.dashboard import ids
from summitry.dashboard.callbacks.choices import _actor_count, _actor_names, _principal_names, fork_param_options, searched_options
from summitry.dashboard.callbacks.common import (
    OUTCOME_BADGE,
    Out,
    _emit,
    browser_step,
    dimension_labels,
    error_box,
    is_whole_number,
)
from summitry.dashboard.layout import PRESETS, draft_chips, isolated, isolated_text, placeholder
from summitry.dashboard.service import MAX_BROWSER_ITEMS, Service, input_messages, normalise_fork
from summitry.sim import figures as F
from summitry.sim.errors import InputError
from summitry.sim.labels import in_unit, kind_label, outcome_label, unit_word
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.runview import run_view, short_name, step_unit
from summitry.sim.results.summary import outcome_sentence
from summitry.sim.scenario.document import apply_overrides


def check_fork_change(service: Service, config: Mapping[str, Any] | None, param: str | None, value: Any) -> list[str]:
    """Why ``param = value`` cannot be a fork's change (the messages of :func:`~sim.scenario.document.apply_overrides`
    on the run's scenario), or nothing if it can."""
    if not config or not param or value is None or value == "":
        return []

    cfg = service.config(config)
    try:
        sc = service.scenario(cfg["scenario"], cfg["overrides"])
        apply_overrides(sc.model_dump(mode="json"), {param: value}, sc.name)
    except InputError as exc:
        return [m.removeprefix("--set ") for m in input_messages(exc)]
    return []


def added_week_problem(week: Any, last: int, unit: str | None = None) -> str | None:
    """Why ``week`` cannot be the week of an event added to a fork (None if it can): it must be a whole number of the
    run's steps, 0 to ``last`` (in the run's ``unit``: weeks, days...).

    >>> added_week_problem(29, 29) is None, added_week_problem("3", 29) is None
    (True, True)
    >>> added_week_problem(-1, 29)
    'week -1 is not a week of this run; give a whole number from 0 to 29'
    >>> added_week_problem(1.5, 9, "day"), added_week_problem("abc", 9)
    ('day 1.5 is not a day of this run; give a whole number from 0 to 9', "week 'abc' is not a week of this run; give a whole number from 0 to 9")
    """
    if is_whole_number(week, high=last):
        return None
    word = unit_word(unit)
    shown = week if isinstance(week, int | float) and not isinstance(week, bool) else repr(week)
    return f"{word} {shown} is not a {word} of this run; give a whole number from 0 to {last}"


def added_weeks_problems(sc: Any, added: Any, at: Any) -> list[str]:
    """Why the events a fork adds (``added``, as the browser sent them) cannot run: each whose week is not a step of
    the scenario's run (:func:`added_week_problem`); an event without a week falls in the fork's week ``at``."""
    if not isinstance(added, list):
        return []
    last, unit = sc.time.steps - 1, sc.time.clock.unit
    names = _actor_names(sc)
    problems = []
    for i, e in enumerate(added[:MAX_BROWSER_ITEMS], start=1):
        if not isinstance(e, Mapping):
            continue
        problem = added_week_problem(e.get("week", at), last, unit)
        if problem:
            kind, sender = str(e.get("kind")), str(e.get("sender"))
            # named only by what the scenario knows (the browser's strings are not echoed back)
            what = f"{kind_label(kind, sc.catalogue)} by {names[sender]}" if kind in sc.catalogue and sender in names else ""
            problems.append(f"Added event {i}{f' ({what})' if what else ''}: {problem}.")
    return problems


def check_added_week(service: Service, config: Mapping[str, Any] | None, week: Any) -> list[str]:
    """Why an event cannot be added to the fork at ``week`` of the run of ``config`` (nothing if it can)."""
    if not config:
        return []
    cfg = service.config(config)
    try:
        sc = service.scenario(cfg["scenario"], cfg["overrides"])
    except InputError:
        return []
    problem = added_week_problem(week, sc.time.steps - 1, sc.time.clock.unit)
    return [f"{problem[:1].upper()}{problem[1:]}."] if problem else []


def fork_param_search(service: Service, config: Mapping[str, Any] | None, search: str | None, value: str | None) -> Out:
    """The fork's parameter list for what is typed in it (:func:`fork_param_options`); nothing for a small scenario."""
    if not config or not search:
        return {}
    cfg = service.config(config)
    try:
        sc, _ = service.base_scenario(cfg["scenario"])
    except InputError:
        return {}
    if _actor_count(sc) <= F.AGGREGATE_THRESHOLD:
        return {}
    return {"fork_params": fork_param_options(sc, service.parameter_table(cfg["scenario"]), search, value)}


def actor_search(service: Service, config: Mapping[str, Any] | None, which: str, search: str | None, value: str | None) -> Out:
    """A large run's actor pick-list (``which``: ``events`` for the log's actor filter, ``senders`` for the fork's
    event sender) for what is typed in it (:func:`searched_options`); nothing for a small scenario."""
    if not config or not search:
        return {}
    cfg = service.config(config)
    try:
        sc, _ = service.base_scenario(cfg["scenario"])
    except InputError:
        return {}
    if _actor_count(sc) <= F.AGGREGATE_THRESHOLD:
        return {}
    names = _actor_names(sc)
    if which == "senders":
        every = [{"label": n, "value": a} for a, n in names.items()]
        return {"options": searched_options(every, _principal_names(sc), search, value)}
    every = [{"label": n, "value": n} for n in sorted(set(names.values()))]
    return {"options": searched_options(every, [names[a] for a in _principal_names(sc)], search, value)}


def fork_draft_edit(
    trigger: str | None,
    draft: Mapping[str, Any] | None,
    preset: str | None,
    param: str | None,
    value: Any,
    kind: str | None,
    sender: str | None,
    week: Any,
    fork_at: Any,
) -> Out:
    """Add a parameter change, an event or a preset to the fork being prepared (or clear it)."""
    overrides: dict[str, float] = dict((draft or {}).get("overrides") or {})
    added: list[dict[str, Any]] = list((draft or {}).get("add") or [])
    if trigger == ids.FORK_PRESET and preset in PRESETS:
        overrides.update(PRESETS[preset]["overrides"])
    elif trigger == "fork-add-change" and param and value is not None and value != "":
        try:
            overrides[param] = float(value)
        except (TypeError, ValueError):
            return {}
    elif trigger == "fork-add-event" and kind and sender:
        w = week if week not in (None, "") else fork_at
        added.append({"week": browser_step(w), "kind": kind, "sender": sender})
    elif trigger == ids.FORK_CLEAR:
        overrides, added = {}, []
    else:
        return {}
    d = {"overrides": overrides, "add": added}
    return {"draft": d, "draft_view": draft_chips(d)}


def preset_week(service: Service, config: Mapping[str, Any] | None, preset: str, at: Any) -> Out:
    """Whether a ready-made question can change the run when forked at ``at``; the week to fork from when it can.

    A preset that prevents an event (``PRESETS[...]["prevents"]``) cannot prevent it once its last occurrence
    has happened: the fork then starts at that week instead (``at``), and the status says so. A run
    without the event, or a fork from the last week, is said to change nothing.
    """
    if not config:
        return {}
    try:
        result = service.result(config)
    except InputError:
        return {}
    view = run_view(result)
    week = browser_step(at)
    last = view.last_step
    prevents = PRESETS[preset].get("prevents")
    if prevents:
        weeks = [int(e["step"]) for e in view.events if e["kind"] == prevents]
        what = kind_label(prevents)
        if not weeks:
            return {"status": f"This run has no {what}: “{PRESETS[preset]['label']}” cannot change its outcome."}
        when = max(weeks)  # the last one is the one that decides the outcome
        if week > when:
            return {
                "at": when,
                "status": in_unit(
                    f"The last {what} happened in week {when}, before week {week}, so a fork from week {week} could not "
                    f"prevent it: it will fork from week {when}, where it can.",
                    step_unit(result),
                ),
            }
        return {}
    if week >= last:
        return {
            "status": in_unit(
                f"Week {week} is the run's last week: a fork from there cannot change anything. Pick an earlier week in “At week”.",
                step_unit(result),
            )
        }
    return {}


def fork_event_options(service: Service, config: Mapping[str, Any] | None, fork_at: Any) -> Out:
    """The scenario's dated events from the fork week on, to tick for removal."""
    if not config:
        return {}
    cfg = service.config(config)
    try:
        sc = service.scenario(cfg["scenario"], cfg["overrides"])
    except InputError:
        return {}
    at = browser_step(fork_at)
    mode = cfg["mode"] or sc.mode
    options = []
    for i, ev in enumerate(sc.events):
        week = ev.week if ev.week is not None else (sc.week_of(ev.date) if ev.date else None)
        if week is None or week < at:
            continue
        applies = (ev.mode or ("always" if ev.kind == "shock" else "forcing")) == "always" or mode == "forcing"
        who = f" {ev.sender}" if ev.sender else ""
        note = "" if applies else " (forcing mode only)"
        # the kind's label and the event's text are the scenario's: isolated from the words around them (a checklist's
        # label is a string: layout.isolated_text)
        what, text = isolated_text(kind_label(ev.kind, sc.catalogue)), isolated_text(ev.text or "")
        label = f"{unit_word(sc.time.clock.unit)} {week}: {what}{who} — {text}{note}"
        options.append({"label": label, "value": i})
    return {"options": options}


def run_fork_callback(
    service: Service,
    config: Mapping[str, Any] | None,
    fork_at: Any,
    draft: Mapping[str, Any] | None,
    remove: Sequence[int] | None,
    step: Any,
) -> Out:
    """Run the counterfactual from ``fork_at`` with the draft's changes and the same seed; draw both branches."""
    if not config:
        return {}
    cfg = service.config(config)
    if fork_at in (None, ""):
        fork_at = step
    elif not is_whole_number(fork_at):
        # it used to fork silently from the week on screen (or week 0) while the box still showed what was typed
        unit = unit_word(step_unit(service.result(cfg)))
        problem = f"At {unit}: {fork_at!r} is not a whole number of 0 or more"
        return {"status": html.Div(error_box([problem], "The fork cannot be run"), className="errors")}
    try:
        sc = service.scenario(cfg["scenario"], cfg["overrides"])
    except InputError as exc:
        return {"status": html.Div(error_box(input_messages(exc), "The fork cannot be run"), className="errors")}
    # the server checks the weeks of the added events itself: the draft is the browser's (normalise_fork would read a
    # week that is no whole number as the fork's week, and one beyond the run was refused in the scenario's own terms)
    problems = added_weeks_problems(sc, (draft or {}).get("add"), fork_at)
    if problems:
        return {"status": html.Div(error_box(problems, "The fork cannot be run"), className="errors")}
    spec = normalise_fork(
        {"at": fork_at, "overrides": (draft or {}).get("overrides"), "add": (draft or {}).get("add"), "remove": remove or []}
    )
    if not spec["overrides"] and not spec["add"] and not spec["remove"]:
        return {"status": "Add a change first: a parameter, an event to add or one to remove."}
    try:
        base = service.result(cfg)
        alt = service.fork_result(cfg, spec)
    except InputError as exc:
        return {"status": html.Div(error_box(input_messages(exc), "The fork cannot be run"), className="errors")}
    s = int(min(max(browser_step(step), 0), max(run_view(base).last_step, run_view(alt).last_step)))
    out = fork_figures(base, alt, s, dimension_labels(service, cfg))
    out["fork"] = {"config": cfg, "spec": spec, "key": service.run_key(cfg, spec)}
    out["status"] = f"Fork from {unit_word(step_unit(base))} {spec['at']}: {outcome_label(base.outcome)} → {outcome_label(alt.outcome)}."
    if base.outcome == alt.outcome and base.metrics == alt.metrics:
        out["status"] += in_unit(
            " The fork changed nothing: same outcome and the same end state. The change may come too late "
            "(after the week it matters) or be too small; try an earlier week.",
            step_unit(base),
        )
    return out


def fork_figures(base: RunResult, alt: RunResult, step: int, labels: Mapping[str, str] | None = None) -> Out:
    # both branches in full: the point of a fork is what happens after it
    f_trust = F.trust_figure(base, step, compare=alt)
    f_trust.update_layout(title={"text": "Trust: base (solid) and fork (dashed)"})
    base_issue = F.issue_space_figure(base, step, labels=labels)
    base_issue.update_layout(title={"text": f"Base: {F.issue_space_title(base, step)}"})
    alt_issue = F.issue_space_figure(alt, step, labels=labels)
    alt_issue.update_layout(title={"text": f"Fork: {F.issue_space_title(alt, step)}"})
    return {
        "fork_trust": f_trust,
        "fork_pressure": F.pressure_figure(base, step, compare=alt),
        "fork_issues_base": base_issue,
        "fork_issues_alt": alt_issue,
        "compare": compare_table(base, alt),
    }


def compare_table(base: RunResult, alt: RunResult) -> html.Table:
    """Outcome and end state of the two branches, side by side."""
    mb, ma = base.metrics, alt.metrics
    view = run_view(base)

    def fmt(v: Any) -> Any:
        if v is None:
            return "—"
        if isinstance(v, float):
            return f"{v:.2f}"
        return v if isinstance(v, html.Bdi) else str(v)

    # the scenario's names (and the sentences that name its leaders) isolated from the table's words (layout.isolated)
    rows: list[tuple[Any, Any, Any]] = [
        ("outcome", OUTCOME_BADGE.get(base.outcome, (base.outcome,))[0], OUTCOME_BADGE.get(alt.outcome, (alt.outcome,))[0]),
        ("in words", isolated(outcome_sentence(base)), isolated(outcome_sentence(alt))),
        (
            "summits",
            ", ".join(outcome_label(r) for r in mb.get("summit_results") or []) or "none",
            ", ".join(outcome_label(r) for r in ma.get("summit_results") or []) or "none",
        ),
    ]
    for k in mb.get("final_trust", {}):
        a, s = k.split("->")
        rows.append(
            (
                ["trust ", isolated(short_name(view.names.get(a, a), 16)), " → ", isolated(short_name(view.side_names.get(s, s), 14))],
                mb["final_trust"][k],
                ma.get("final_trust", {}).get(k),
            )
        )
    for s, v in mb.get("final_pressure", {}).items():
        rows.append((["pressure on ", isolated(short_name(view.side_names.get(s, s), 14))], v, ma.get("final_pressure", {}).get(s)))
    rows.append(("final zone of agreement", mb.get("final_zone_area"), ma.get("final_zone_area")))
    return html.Table(
        className="compare",
        children=[
            html.Thead(
                html.Tr(
                    [
                        html.Th("at the end"),
                        html.Th("base"),
                        html.Th(f"fork (from {unit_word(step_unit(alt))} {alt.manifest.get('fork', {}).get('at_step', '?')})"),
                    ]
                )
            ),
            html.Tbody([html.Tr([html.Th(k), html.Td(fmt(b)), html.Td(fmt(a))]) for k, b, a in rows]),
        ],
    )


def fork_invalidate(config: Mapping[str, Any] | None, fork: Mapping[str, Any] | None, service: Service) -> Out:
    """The run changed under a fork: drop the fork (its base is gone)."""
    if not fork or not config or fork.get("config") == service.config(config):
        return {}
    return clear_fork("The run changed; run the fork again.")


def clear_fork(status: str = "") -> Out:
    return {
        "fork": None,
        "status": status,
        "compare": html.P("No fork yet.", className="hint"),
        "fork_trust": placeholder(300, "Trust: base solid, fork dashed"),
        "fork_pressure": placeholder(300, "Pressure: base solid, fork dashed"),
        "fork_issues_base": placeholder(300, "Issue space, base"),
        "fork_issues_alt": placeholder(300, "Issue space, fork"),
    }


def edit_draft(
    service: Service,
    trigger: Any,
    preset: Any,
    draft: Any,
    param: Any,
    value: Any,
    kind: Any,
    sender: Any,
    week: Any,
    at: Any,
    step: Any,
    config: Any,
) -> Out:
    """The fork's draft after a click (``trigger``): a preset, a change or an added event, or clearing it.

    A change, or an added event's week (a whole step of the run, :func:`check_added_week`), is checked first (its
    problems, if any, are the only output); a preset may move the fork's week (``at``, :func:`preset_week`); the week
    defaults to the one on screen.
    """
    at = at if at not in (None, "") else step
    if trigger == "fork-add-change":
        problems = check_fork_change(service, config, param, value)
        if problems:
            return {"status": error_box(problems, "This change cannot be made")}
    if trigger == "fork-add-event" and kind and sender:
        # refused now, with the box still showing it: -1 became the week on screen and 999 failed only at Run
        problems = check_added_week(service, config, week if week not in (None, "") else at)
        if problems:
            return {"status": error_box(problems, "This event cannot be added")}
    note: Out = {}
    if trigger == ids.FORK_PRESET and preset in PRESETS:
        note = preset_week(service, config, preset, at)
        at = note.get("at", at)
    out = fork_draft_edit(trigger, draft, preset, param, value, kind, sender, week, at)
    if out:
        out = {**out, "status": note.get("status", "")}
        if "at" in note:
            out["at"] = note["at"]
    return out


def _register_fork(app: Dash, service: Service) -> None:
    """The callbacks of the fork: its draft, the searchable lists, the events it may remove, and running it."""
    _register_draft(app, service)
    _register_searches(app, service)
    _register_removable_events(app, service)
    _register_fork_run(app, service)


def _register_draft(app: Dash, service: Service) -> None:
    @app.callback(
        Output("fork-draft", "data"),
        Output("fork-draft-view", "children"),
        Output(ids.FORK_STATUS, "children", allow_duplicate=True),
        Output(ids.FORK_AT, "value"),
        Input(ids.FORK_PRESET, "value"),
        Input("fork-add-change", "n_clicks"),
        Input("fork-add-event", "n_clicks"),
        Input(ids.FORK_CLEAR, "n_clicks"),
        State("fork-draft", "data"),
        State(ids.FORK_PARAM, "value"),
        State(ids.FORK_VALUE, "value"),
        State(ids.FORK_ADD_KIND, "value"),
        State(ids.FORK_ADD_SENDER, "value"),
        State(ids.FORK_ADD_WEEK, "value"),
        State(ids.FORK_AT, "value"),
        State(ids.SLIDER, "value"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,  # the layout shows the empty draft (layout.draft_chips)
    )
    def _draft(
        preset: Any,
        _c: Any,
        _e: Any,
        _x: Any,
        draft: Any,
        param: Any,
        value: Any,
        kind: Any,
        sender: Any,
        week: Any,
        at: Any,
        step: Any,
        config: Any,
    ) -> tuple[Any, ...]:
        out = edit_draft(service, ctx.triggered_id, preset, draft, param, value, kind, sender, week, at, step, config)
        return _emit(["draft", "draft_view", "status", "at"], out)


def _searchable(app: Dash, component: str, find: Callable[[Any, Any, Any], dict[str, Any]], key: str) -> None:
    """A dropdown whose options the server finds from what is typed into it."""

    @app.callback(
        Output(component, "options", allow_duplicate=True),
        Input(component, "search_value"),
        State(component, "value"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _search(search: Any, value: Any, config: Any) -> Any:
        return find(config, search, value).get(key, no_update)


def _register_searches(app: Dash, service: Service) -> None:
    """The drop-downs found by typing: the events table's actor, the added event's sender, the changed parameter."""
    _searchable(app, "events-actor", lambda config, search, value: actor_search(service, config, "events", search, value), "options")
    _searchable(app, ids.FORK_ADD_SENDER, lambda config, search, value: actor_search(service, config, "senders", search, value), "options")
    _searchable(app, ids.FORK_PARAM, lambda config, search, value: fork_param_search(service, config, search, value), "fork_params")


def _register_removable_events(app: Dash, service: Service) -> None:
    @app.callback(
        Output(ids.FORK_REMOVE, "options", allow_duplicate=True),
        Input(ids.FORK_AT, "value"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _fork_events(at: Any, config: Any) -> Any:
        return fork_event_options(service, config, at).get("options", no_update)


FORK_NAMES = ["fork", "status", "compare", "fork_trust", "fork_pressure", "fork_issues_base", "fork_issues_alt"]


def _register_fork_run(app: Dash, service: Service) -> None:
    """Running the fork, clearing it, and dropping it when the configuration changes (same outputs)."""
    fork_outputs = [
        Output(ids.FORK, "data", allow_duplicate=True),
        Output(ids.FORK_STATUS, "children", allow_duplicate=True),
        Output(ids.FORK_COMPARE, "children", allow_duplicate=True),
        Output(ids.FORK_TRUST, "figure", allow_duplicate=True),
        Output(ids.FORK_PRESSURE, "figure", allow_duplicate=True),
        Output(ids.FORK_ISSUES_BASE, "figure", allow_duplicate=True),
        Output(ids.FORK_ISSUES_ALT, "figure", allow_duplicate=True),
    ]

    @app.callback(
        *fork_outputs,
        Input(ids.FORK_RUN, "n_clicks"),
        State(ids.CONFIG, "data"),
        State(ids.FORK_AT, "value"),
        State("fork-draft", "data"),
        State(ids.FORK_REMOVE, "value"),
        State(ids.SLIDER, "value"),
        prevent_initial_call=True,
    )
    def _run_fork(_n: Any, config: Any, at: Any, draft: Any, remove: Any, step: Any) -> tuple[Any, ...]:
        return _emit(FORK_NAMES, run_fork_callback(service, config, at, draft, remove, step))

    @app.callback(*fork_outputs, Input(ids.FORK_CLEAR, "n_clicks"), prevent_initial_call=True)
    def _clear_fork(_n: Any) -> tuple[Any, ...]:
        return _emit(FORK_NAMES, clear_fork())

    @app.callback(*fork_outputs, Input(ids.CONFIG, "data"), State(ids.FORK, "data"), prevent_initial_call=True)
    def _invalidate(config: Any, fork: Any) -> tuple[Any, ...]:
        return _emit(FORK_NAMES, fork_invalidate(config, fork, service))
