"""The page's address: the configuration and week read from and written to the query string, and the page's load."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from dash import Dash, Input, Output, State

from summitry.dashboard import ids
from summitry.dashboard.callbacks.common import Out, _emit, browser_step, error_box
from summitry.dashboard.callbacks.configuration import scenario_options
from summitry.dashboard.service import RESERVED_QUERY, Service, input_messages, normalise_config
from summitry.sim.errors import InputError


def parse_query(search: str | None, default_scenario: str) -> tuple[dict[str, Any], int, str]:
    """(configuration, step, tab) from a query string like ``?scenario=hanoi-2019&seed=3&step=12&kappa=3``.

    Keys other than scenario, seed, mode, step and tab are parameter overrides.

    >>> parse_query("?scenario=hanoi-2019&seed=3&step=12&parameters.kappa=3", "x")
    ({'scenario': 'hanoi-2019', 'seed': 3, 'mode': None, 'overrides': {'parameters.kappa': 3}}, 12, 'run')
    """
    pairs = parse_qsl((search or "").lstrip("?"), keep_blank_values=False)
    raw: dict[str, Any] = {"overrides": {}}
    step, tab = 0, "run"
    for k, v in pairs:
        if k == "step":
            step = browser_step(v)
        elif k == "tab":
            tab = v if v in ("run", "fork", "ensemble", "about") else "run"
        elif k in RESERVED_QUERY:
            raw[k] = v
        else:
            raw["overrides"][k] = v
    return normalise_config(raw, default_scenario), step, tab


def build_query(config: Mapping[str, Any], step: int) -> str:
    """The query string of a configuration and step (what the clientside callback writes).

    >>> build_query({"scenario": "hanoi-2019", "seed": 3, "mode": None, "overrides": {"parameters.kappa": 3}}, 12)
    '?scenario=hanoi-2019&seed=3&step=12&parameters.kappa=3'
    """
    items: list[tuple[str, Any]] = [("scenario", config["scenario"]), ("seed", config["seed"])]
    if config.get("mode"):
        items.append(("mode", config["mode"]))
    items.append(("step", browser_step(step)))
    items += sorted((config.get("overrides") or {}).items())
    return "?" + urlencode(items, safe=":")


# clientside: keep the URL in step with the configuration and the step, without a round trip
URL_JS = """
function(config, step) {
    if (!config) { return window.dash_clientside.no_update; }
    const p = new URLSearchParams();
    p.set("scenario", config.scenario);
    p.set("seed", config.seed);
    if (config.mode) { p.set("mode", config.mode); }
    p.set("step", step || 0);
    const ov = config.overrides || {};
    Object.keys(ov).sort().forEach(function (k) { p.set(k, ov[k]); });
    const qs = "?" + p.toString().replace(/%3A/g, ":");
    if (window.location.search !== qs) { window.history.replaceState(window.history.state, "", qs); }
    return window.dash_clientside.no_update;
}
"""


def init_from_url(service: Service, search: str | None) -> Out:
    """Page load: the configuration, step and tab in the URL (or the defaults)."""
    config, step, tab = parse_query(search, service.default_scenario)
    errors: list[str] = []
    try:
        service.base_scenario(config["scenario"])
    except InputError as exc:
        errors = input_messages(exc)
        config = {**config, "scenario": service.default_scenario, "overrides": {}}
    else:
        try:
            service.scenario(config["scenario"], config["overrides"])
        except InputError as exc:
            # a value the scenario refuses (kappa=-5): the page opens on the scenario's own values and says why; it
            # used to keep the refused values, and every view stayed empty
            errors = [f"In the link: {m.removeprefix('--set ')}" for m in input_messages(exc)]
            config = {**config, "overrides": {}}
    options = scenario_options(service, config["scenario"])
    return {
        "config": config,
        "step": step,
        "scenario": config["scenario"],
        "scenario_options": options,
        "seed": config["seed"],
        "mode": config["mode"] or "default",
        "tab": tab,
        "errors": error_box(errors),
    }


INIT_TARGETS: dict[str, tuple[str, str]] = {
    "config": (ids.CONFIG, "data"),
    "step": (ids.SLIDER, "value"),
    "scenario": (ids.SCENARIO, "value"),
    "scenario_options": (ids.SCENARIO, "options"),
    "seed": (ids.SEED, "value"),
    "mode": (ids.MODE, "value"),
    "tab": (ids.TABS, "value"),
    "errors": (ids.ERRORS, "children"),
}


def _register_page_load(app: Dash, service: Service) -> None:
    """The callbacks of page load."""
    names = list(INIT_TARGETS)

    @app.callback(
        *[Output(*INIT_TARGETS[n], allow_duplicate=True) for n in names],
        Input(ids.URL, "search"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _init(search: str | None, current: Any) -> tuple[Any, ...]:
        if search is None:  # dcc.Location has not reported the address yet
            return _emit(names, {})
        out = init_from_url(service, search)
        if current and service.config(current) == out["config"]:
            return _emit(names, {})
        return _emit(names, out)

    app.clientside_callback(URL_JS, Output(ids.URL_SINK, "data"), Input(ids.CONFIG, "data"), Input(ids.SLIDER, "value"))
