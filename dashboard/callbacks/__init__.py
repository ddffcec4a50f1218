"""Callbacks as plain functions of (service, inputs...) -> dict of outputs; :func:`register` wires them.

Each function returns a dict keyed by output name; a key that is absent
means "leave that output alone" (``dash.no_update``). Unit tests call the
functions directly; :func:`register` binds them to component ids.

Per-step updates (:func:`navigate`) send ``Patch`` objects: the step marker's
x of each time-series figure, the heatmap's z, the network's node colours,
sizes and arrows, the issue space's categories and offers — never whole
figures. Whole figures are drawn once per run (:func:`render_run`).

One module per part of the page, each holding its callbacks and the function that wires
them; this package re-exports the callbacks (``from summitry.dashboard.callbacks import navigate``):

* :mod:`~dashboard.callbacks.common`: what the parts share (``Out``, the error box, badges);
* :mod:`~dashboard.callbacks.choices`: the searchable drop-downs of parameters and actors;
* :mod:`~dashboard.callbacks.url`: the query string and the page's load;
* :mod:`~dashboard.callbacks.configuration`: scenario choice, upload and the parameter table;
* :mod:`~dashboard.callbacks.run_views`: a run drawn, then patched week by week;
* :mod:`~dashboard.callbacks.events`: the events table;
* :mod:`~dashboard.callbacks.fork`: change one thing at a week and compare;
* :mod:`~dashboard.callbacks.ensemble`: many seeds in the background;
* :mod:`~dashboard.callbacks.export`: zip, report and data downloads;
* :mod:`~dashboard.callbacks.page`: the first state and :func:`register`, which wires every part.

Names with a leading underscore are private to the package, not to their module.
"""

from summitry.dashboard.callbacks.choices import ACTOR_SEARCH_LIMIT, FORK_PARAM_LIMIT, fork_param_options, searched_options
from summitry.dashboard.callbacks.common import OUTCOME_BADGE, Out, dimension_labels, error_box
from summitry.dashboard.callbacks.configuration import (
    PANEL_TARGETS,
    PARAM_FILTER_JS,
    apply_parameters,
    build_param_panel,
    choose_scenario,
    collect_overrides,
    decode_upload,
    open_param_groups,
    reset_parameters,
    scenario_options,
    upload_scenario,
)
from summitry.dashboard.callbacks.ensemble import (
    ensemble_cancel,
    ensemble_figures,
    ensemble_start,
    ensemble_survival_figures,
    ensemble_tick,
)
from summitry.dashboard.callbacks.events import EVENTS_FILTER_JS, EVENTS_PAGE_SIZE, events_page, events_page_rows
from summitry.dashboard.callbacks.export import export_data, export_report, export_zip, report_writer
from summitry.dashboard.callbacks.fork import (
    actor_search,
    check_fork_change,
    clear_fork,
    compare_table,
    fork_draft_edit,
    fork_event_options,
    fork_figures,
    fork_invalidate,
    fork_param_search,
    preset_week,
    run_fork_callback,
)
from summitry.dashboard.callbacks.page import initial_state, register
from summitry.dashboard.callbacks.run_views import (
    PLAY_LABEL_JS,
    RENDER_TARGETS,
    SPEED_JS,
    TIMELINE_JS,
    default_network_mode,
    navigate,
    network_mode_changed,
    outcome_so_far,
    pair_options,
    play_pause,
    render_run,
    run_info,
    slider_marks,
    step_label,
    step_views,
    timeline,
    trust_pairs_changed,
)
from summitry.dashboard.callbacks.url import INIT_TARGETS, URL_JS, build_query, init_from_url, parse_query

__all__ = [
    "ACTOR_SEARCH_LIMIT",
    "EVENTS_FILTER_JS",
    "EVENTS_PAGE_SIZE",
    "FORK_PARAM_LIMIT",
    "INIT_TARGETS",
    "OUTCOME_BADGE",
    "PANEL_TARGETS",
    "PARAM_FILTER_JS",
    "PLAY_LABEL_JS",
    "RENDER_TARGETS",
    "SPEED_JS",
    "TIMELINE_JS",
    "URL_JS",
    "Out",
    "actor_search",
    "apply_parameters",
    "build_param_panel",
    "build_query",
    "check_fork_change",
    "choose_scenario",
    "clear_fork",
    "collect_overrides",
    "compare_table",
    "decode_upload",
    "default_network_mode",
    "dimension_labels",
    "ensemble_cancel",
    "ensemble_figures",
    "ensemble_start",
    "ensemble_survival_figures",
    "ensemble_tick",
    "error_box",
    "events_page",
    "events_page_rows",
    "export_data",
    "export_report",
    "export_zip",
    "fork_draft_edit",
    "fork_event_options",
    "fork_figures",
    "fork_invalidate",
    "fork_param_options",
    "fork_param_search",
    "init_from_url",
    "initial_state",
    "navigate",
    "network_mode_changed",
    "open_param_groups",
    "outcome_so_far",
    "pair_options",
    "parse_query",
    "play_pause",
    "preset_week",
    "register",
    "render_run",
    "report_writer",
    "reset_parameters",
    "run_fork_callback",
    "run_info",
    "scenario_options",
    "searched_options",
    "slider_marks",
    "step_label",
    "step_views",
    "timeline",
    "trust_pairs_changed",
    "upload_scenario",
]
