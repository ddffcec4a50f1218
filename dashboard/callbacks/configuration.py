"""The configuration panel: choosing or uploading a scenario, the parameter table (apply, reset, open groups)."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from summitry.dashboard import ids
from summitry.dashboard.callbacks.choices import _actor_count, _actor_names, _principal_names, fork_param_options, searched_options
from summitry.dashboard.callbacks.common import Out, _emit, error_box, whole_number_problem
from summitry.dashboard.layout import matches, param_groups, param_panel, param_rows
from summitry.dashboard.service import MAX_SEED, MAX_UPLOAD_ACTOR_STEPS, MAX_UPLOAD_BYTES, UPLOAD_PREFIX, Service, input_messages
from summitry.sim import figures as F
from summitry.sim.errors import InputError
from summitry.sim.scenario.document import load_scenario_text

PARAM_FILTER_JS = """
function(text, rowIds) {
    const t = (text || "").trim().toLowerCase();
    return rowIds.map(function (id) { return (!t || id.path.toLowerCase().includes(t)) ? {} : {display: "none"}; });
}
"""


def scenario_options(service: Service, current: str | None = None) -> list[dict[str, str]]:
    options = [{"label": s, "value": s} for s in service.builtin()]
    options += [{"label": f"{name} (file)", "value": UPLOAD_PREFIX + key} for key, (_, name) in service.uploads.pinned.items()]
    if current and current.startswith(UPLOAD_PREFIX) and current[len(UPLOAD_PREFIX) :] not in service.uploads.pinned:
        found = service.uploads.get(current[len(UPLOAD_PREFIX) :])
        name = found[1] if found else "uploaded scenario"
        options.append({"label": f"{name} (uploaded)", "value": current})
    return options


def seed_problem(seed: Any) -> str | None:
    """Why the seed box's ``seed`` cannot be run (None if it can): a seed is a whole number from 0 to
    :data:`MAX_SEED`; an empty box runs seed 0.

    >>> seed_problem(7) is None, seed_problem(None) is None, seed_problem("") is None
    (True, True, True)
    >>> seed_problem(-1)
    'Seed: -1 is not a whole number from 0 to 9,223,372,036,854,775,807'
    """
    if seed in (None, ""):
        return None
    return whole_number_problem("Seed", seed, high=MAX_SEED)


def choose_scenario(service: Service, value: str | None, config: Mapping[str, Any] | None, seed: Any) -> Out:
    """A scenario picked in the dropdown: run it with its own values (keeps the seed, if the seed box holds one)."""
    if not value or (config and config.get("scenario") == value):
        return {}
    problem = seed_problem(seed)
    if problem:
        # it ran seed 0 while the box still showed what was typed (-1, 1.5)
        return {"errors": error_box([problem], "This seed cannot be run")}
    try:
        service.base_scenario(value)
    except InputError as exc:
        return {"errors": error_box(input_messages(exc), "This scenario cannot be run")}
    # a new case opens at its beginning, as an upload does (it kept the week the previous case was showing, clamped)
    return {"config": service.config({"scenario": value, "seed": seed, "mode": None, "overrides": {}}), "errors": [], "step": 0}


def decode_upload(contents: str) -> bytes:
    """The bytes of a dcc.Upload ``data:...;base64,...`` string; ValueError if malformed."""
    if not contents or "," not in contents:
        raise ValueError("the upload is empty")
    header, data = contents.split(",", 1)
    if ";base64" not in header:
        raise ValueError("the upload is not base64-encoded")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the upload is not valid base64") from None


def upload_scenario(service: Service, contents: str | None, filename: str | None, config: Mapping[str, Any] | None) -> Out:
    """Validate an uploaded scenario; on success run it, on failure show the messages and keep the run on screen."""
    if not contents:
        return {}
    name = Path(filename or "upload.yaml").name
    try:
        raw = decode_upload(contents)
    except ValueError as exc:
        return {"errors": error_box([f"{name}: {exc}"], "Upload rejected; the previous run stays on screen")}
    if len(raw) > MAX_UPLOAD_BYTES:
        return {
            "errors": error_box(
                [f"{name}: the file is {len(raw) / 2**20:.1f} MiB; the limit is {MAX_UPLOAD_BYTES // 2**20} MiB"],
                "Upload rejected; the previous run stays on screen",
            )
        }
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"errors": error_box([f"{name}: not a UTF-8 text file"], "Upload rejected; the previous run stays on screen")}

    try:
        sc = load_scenario_text(text, name)
    except InputError as exc:
        return {"errors": error_box(input_messages(exc), f"{name} is not a valid scenario; the previous run stays on screen")}
    actors, steps = len(sc.actor_ids()), sc.time.steps
    if actors * steps > MAX_UPLOAD_ACTOR_STEPS:
        # the server, not the file, bounds the work of one request and the memory of one run
        problem = (
            f"{name}: {actors:,} actors x {steps:,} steps = {actors * steps:,}; the dashboard runs at most "
            f"{MAX_UPLOAD_ACTOR_STEPS:,} actor-steps a run (lower time.steps, or run it with `summitry run {name}`)"
        )
        return {"errors": error_box([problem], "Upload rejected; the previous run stays on screen")}
    key = service.uploads.put(text, name)
    ref = UPLOAD_PREFIX + key
    seed = (config or {}).get("seed", 0)
    new = service.config({"scenario": ref, "seed": seed, "mode": None, "overrides": {}})
    # a new case opens at its beginning, not at the week the previous run was showing
    return {"config": new, "errors": [], "scenario_options": scenario_options(service, ref), "scenario": ref, "step": 0}


def collect_overrides(service: Service, scenario: str, values: Sequence[Any], paths: Sequence[str]) -> dict[str, float]:
    """The parameters whose control differs from the scenario's value."""
    table = {p.path: p for p in service.parameter_table(scenario)}
    out: dict[str, float] = {}
    for path, value in zip(paths, values, strict=False):
        info = table.get(path)
        if info is None or value is None or value == "":
            continue
        try:
            v = float(value)
        except (TypeError, ValueError):
            continue
        if math.isnan(info.value) or abs(v - info.value) > 1e-9 * max(1.0, abs(info.value)):
            out[path] = int(v) if info.integer else v
    return out


def apply_parameters(
    service: Service,
    values: Sequence[Any],
    control_ids: Sequence[Mapping[str, str]],
    seed: Any,
    mode: str | None,
    config: Mapping[str, Any] | None,
) -> Out:
    """Run: the controls' values, seed and mode become the configuration (if the scenario accepts them)."""
    cfg = service.config(config)
    problem = seed_problem(seed)
    if problem:
        # it ran seed 0 while the box still showed what was typed (-1, 1.5, abc, 1e30)
        return {"errors": error_box([problem], "This seed cannot be run")}
    shown = [i["path"] for i in control_ids]
    # parameters whose group was never opened keep the value the run has
    overrides = {k: v for k, v in cfg["overrides"].items() if k not in set(shown)}
    overrides.update(collect_overrides(service, cfg["scenario"], values, shown))
    new = service.config(
        {"scenario": cfg["scenario"], "seed": seed, "mode": None if mode in (None, "default") else mode, "overrides": overrides}
    )
    try:
        service.scenario(new["scenario"], new["overrides"])
    except InputError as exc:
        return {"errors": error_box(input_messages(exc), "These parameters cannot be run")}
    return {"config": new, "errors": []}


def reset_parameters(service: Service, control_ids: Sequence[Mapping[str, str]], config: Mapping[str, Any] | None) -> Out:
    """Every control back to the scenario's value, and the run without overrides."""
    cfg = service.config(config)
    table = {p.path: p for p in service.parameter_table(cfg["scenario"])}
    values = []
    for i in control_ids:
        info = table.get(i["path"])
        values.append(None if info is None or math.isnan(info.value) else info.value)
    return {"values": values, "config": {**cfg, "overrides": {}}}


def build_param_panel(service: Service, config: Mapping[str, Any] | None, panel_scenario: str | None) -> Out:
    """Controls for the configuration's scenario (rebuilt only when the scenario changes), and the pick-lists that depend on it."""
    if not config:
        return {}
    cfg = service.config(config)
    if panel_scenario == cfg["scenario"]:
        return {}
    try:
        sc, _ = service.base_scenario(cfg["scenario"])
    except InputError:
        return {}
    table = service.parameter_table(cfg["scenario"])
    actors = [(a, n) for a, n in _actor_names(sc).items()]
    senders = [{"label": n, "value": a} for a, n in actors]
    if _actor_count(sc) > F.AGGREGATE_THRESHOLD:  # leaders and third parties, the factions by search (actor_search)
        senders = searched_options(senders, _principal_names(sc), None, None)
    kinds = sorted(k for k, v in sc.catalogue.items() if v.chosen)
    return {
        "panel": param_panel(table, cfg["overrides"], sc),
        "built": [],
        "panel_scenario": cfg["scenario"],
        "fork_params": fork_param_options(sc, table),
        "fork_kinds": [{"label": k, "value": k} for k in kinds],
        "fork_senders": senders,
    }


def open_param_groups(
    service: Service,
    trigger: Any,
    filter_text: str | None,
    group_ids: Sequence[Mapping[str, str]],
    built: Sequence[str] | None,
    values: Sequence[Any],
    control_ids: Sequence[Mapping[str, str]],
    config: Mapping[str, Any] | None,
) -> Out:
    """Build the controls of a group opened for the first time, or of every group with a match for the filter.

    Returns ``bodies`` and ``open`` (one entry per group, None = leave alone) and the new ``built`` list.
    """
    if not config:
        return {}
    cfg = service.config(config)
    try:
        sc, _ = service.base_scenario(cfg["scenario"])
    except InputError:
        return {}
    groups = {g: infos for g, _, infos in param_groups(service.parameter_table(cfg["scenario"]), sc)}
    done = list(built or [])
    wanted: list[str] = []
    if isinstance(trigger, Mapping) and trigger.get("type") == "param-summary":
        g = str(trigger.get("group"))
        if g in groups and g not in done:
            wanted = [g]
    elif (filter_text or "").strip():
        wanted = [g for g, infos in groups.items() if g not in done and any(matches(i.path, filter_text) for i in infos)]
    pending = {i["path"]: v for i, v in zip(control_ids, values, strict=False) if v is not None}
    shown = {**cfg["overrides"], **pending}
    bodies: list[Any] = []
    opened: list[Any] = []
    for gid in group_ids:
        g = gid["group"]
        if g in wanted:
            bodies.append(param_rows(g, groups[g], shown, sc, filter_text))
        else:
            bodies.append(None)
        if (filter_text or "").strip() and not isinstance(trigger, Mapping):
            opened.append(any(matches(i.path, filter_text) for i in groups.get(g, [])))
        else:
            opened.append(None)
    if not wanted and all(o is None for o in opened):
        return {}
    return {"bodies": bodies, "open": opened, "built": done + wanted}


PANEL_TARGETS: dict[str, tuple[str, str]] = {
    "panel": (ids.PARAM_PANEL, "children"),
    "built": ("param-built", "data"),
    "panel_scenario": (ids.PANEL_SCENARIO, "data"),
    "fork_params": (ids.FORK_PARAM, "options"),
    "fork_kinds": (ids.FORK_ADD_KIND, "options"),
    "fork_senders": (ids.FORK_ADD_SENDER, "options"),
}


def _register_configuration(app: Dash, service: Service) -> None:
    """The callbacks of configuration."""

    @app.callback(
        Output(ids.CONFIG, "data", allow_duplicate=True),
        Output(ids.ERRORS, "children", allow_duplicate=True),
        Output(ids.SLIDER, "value", allow_duplicate=True),
        Input(ids.SCENARIO, "value"),
        State(ids.CONFIG, "data"),
        State(ids.SEED, "value"),
        prevent_initial_call=True,
    )
    def _choose(value: str | None, config: Any, seed: Any) -> tuple[Any, ...]:
        return _emit(["config", "errors", "step"], choose_scenario(service, value, config, seed))

    @app.callback(
        Output(ids.CONFIG, "data", allow_duplicate=True),
        Output(ids.ERRORS, "children", allow_duplicate=True),
        Output(ids.SCENARIO, "options", allow_duplicate=True),
        Output(ids.SCENARIO, "value", allow_duplicate=True),
        Output(ids.SLIDER, "value", allow_duplicate=True),
        Input(ids.UPLOAD, "contents"),
        State(ids.UPLOAD, "filename"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _upload(contents: str | None, filename: str | None, config: Any) -> tuple[Any, ...]:
        return _emit(["config", "errors", "scenario_options", "scenario", "step"], upload_scenario(service, contents, filename, config))

    @app.callback(
        Output(ids.CONFIG, "data", allow_duplicate=True),
        Output(ids.ERRORS, "children", allow_duplicate=True),
        Input(ids.RUN, "n_clicks"),
        State({"type": ids.PARAM, "path": ALL}, "value"),
        State({"type": ids.PARAM, "path": ALL}, "id"),
        State(ids.SEED, "value"),
        State(ids.MODE, "value"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _apply(_n: Any, values: list[Any], control_ids: list[Any], seed: Any, mode: Any, config: Any) -> tuple[Any, ...]:
        return _emit(["config", "errors"], apply_parameters(service, values, control_ids, seed, mode, config))

    @app.callback(
        Output({"type": ids.PARAM, "path": ALL}, "value"),
        Output(ids.CONFIG, "data", allow_duplicate=True),
        Input(ids.PARAM_RESET, "n_clicks"),
        State({"type": ids.PARAM, "path": ALL}, "id"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _reset(_n: Any, control_ids: list[Any], config: Any) -> tuple[Any, ...]:
        out = reset_parameters(service, control_ids, config)
        return out["values"], out["config"]

    @app.callback(
        *[Output(*PANEL_TARGETS[n]) for n in PANEL_TARGETS],
        Input(ids.CONFIG, "data"),
        State(ids.PANEL_SCENARIO, "data"),
        prevent_initial_call=True,
    )
    def _panel(config: Any, panel_scenario: Any) -> tuple[Any, ...]:
        return _emit(list(PANEL_TARGETS), build_param_panel(service, config, panel_scenario))

    app.clientside_callback(
        PARAM_FILTER_JS,
        Output({"type": ids.PARAM_ROW, "path": ALL}, "style"),
        Input(ids.PARAM_FILTER, "value"),
        State({"type": ids.PARAM_ROW, "path": ALL}, "id"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output({"type": "param-body", "group": ALL}, "children"),
        Output({"type": "param-group", "group": ALL}, "open"),
        Output("param-built", "data", allow_duplicate=True),
        Input({"type": "param-summary", "group": ALL}, "n_clicks"),
        Input(ids.PARAM_FILTER, "value"),
        State({"type": "param-group", "group": ALL}, "id"),
        State("param-built", "data"),
        State({"type": ids.PARAM, "path": ALL}, "value"),
        State({"type": ids.PARAM, "path": ALL}, "id"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _open_groups(_clicks: Any, text: Any, group_ids: Any, built: Any, values: Any, control_ids: Any, config: Any) -> tuple[Any, ...]:
        out = open_param_groups(service, ctx.triggered_id, text, group_ids, built, values, control_ids, config)
        if not out:
            return [no_update] * len(group_ids), [no_update] * len(group_ids), no_update
        bodies = [no_update if b is None else b for b in out["bodies"]]
        opened = [no_update if o is None else o for o in out["open"]]
        return bodies, opened, out["built"]
