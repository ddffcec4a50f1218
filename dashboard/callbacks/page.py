"""The whole page: its first state computed on the server (:func:`initial_state`) and every part's callbacks wired (:func:`register`)."""

from __future__ import annotations

from typing import Any

from dash import Dash

from summitry.dashboard import ids
from summitry.dashboard.callbacks.configuration import PANEL_TARGETS, _register_configuration, build_param_panel
from summitry.dashboard.callbacks.ensemble import _register_ensemble
from summitry.dashboard.callbacks.export import _register_export
from summitry.dashboard.callbacks.fitted import _register_fitted, fitted_badge
from summitry.dashboard.callbacks.fork import _register_fork
from summitry.dashboard.callbacks.run_views import RENDER_TARGETS, _register_run_views, render_run
from summitry.dashboard.callbacks.url import INIT_TARGETS, _register_page_load, init_from_url
from summitry.dashboard.service import Service


def initial_state(service: Service, search: str | None) -> dict[tuple[str, str], Any]:
    """Every prop the first page shows for the URL's query: (component id, prop) -> value.

    Serving these with the layout draws the first run without a callback round trip.
    """
    out: dict[tuple[str, str], Any] = {}
    # dcc.Location reports the address when it mounts; knowing it already, it has nothing to report (no round trip to _init)
    out[(ids.URL, "search")] = search or ""
    init = init_from_url(service, search)
    for k, target in INIT_TARGETS.items():
        out[target] = init[k]
    render = render_run(service, init["config"], init["step"], [])
    for k, target in RENDER_TARGETS.items():
        if k in render:
            out[target] = render[k]
    if "step" in render:  # what EVENTS_FILTER_JS gives at this week with no actor or kind picked
        out[(ids.EVENTS, "filter_query")] = f"{{week}} <= {render['step']}"
    if init["errors"]:
        out[(ids.ERRORS, "children")] = init["errors"]
    panel = build_param_panel(service, init["config"], None)
    for k, target in PANEL_TARGETS.items():
        if k in panel:
            out[target] = panel[k]
    badge = fitted_badge(service, init["config"])  # drawn here: the first page needs no server callback
    for prop, value in zip(("children", "style", "title"), badge, strict=True):
        out[(ids.FITTED, prop)] = value
    return out


def register(app: Dash, service: Service) -> None:
    """Bind every callback to ``app``; each closes over ``service`` only."""
    _register_page_load(app, service)
    _register_configuration(app, service)
    _register_run_views(app, service)
    _register_fork(app, service)
    _register_ensemble(app, service)
    _register_export(app, service)
    _register_fitted(app, service)
