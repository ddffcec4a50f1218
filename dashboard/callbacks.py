"""Callbacks as plain functions of (service, inputs...) -> dict of outputs; :func:`register` wires them.

Each function returns a dict keyed by output name; a key that is absent
means "leave that output alone" (``dash.no_update``). Unit tests call the
functions directly; :func:`register` binds them to component ids.

Per-step updates (:func:`navigate`) send ``Patch`` objects: the step marker's
x of each time-series figure, the heatmap's z, the network's node colours,
sizes and arrows, the issue space's categories and offers — never whole
figures. Whole figures are drawn once per run (:func:`render_run`).
"""

from __future__ import annotations

import base64
import binascii
import importlib
import io
import json
import math
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np
from dash import ALL, Dash, Input, Output, Patch, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.layout import (
    PRESETS,
    TIMELINE_GRAPHS,
    draft_chips,
    matches,
    mode_options,
    param_groups,
    param_panel,
    param_rows,
    placeholder,
    progress_bar,
)
from dashboard.service import (
    MAX_UPLOAD_BYTES,
    RESERVED_QUERY,
    SURVIVAL_METRICS,
    UPLOAD_PREFIX,
    Service,
    input_messages,
    normalise_fork,
    stack,
)
from sim import figures as F
from sim.errors import InputError
from sim.labels import kind_label, mode_label, outcome_label, parameter_label
from sim.run import RunResult
from sim.runview import date_of, run_view, short_name, side_colours, summit_status_at
from sim.signals import OUTCOME_KINDS, PLEDGE_AND_TEST_KINDS, SUMMIT_PROCESS_KINDS
from sim.survival import survival_of_runs
from sim.survival_figure import SURVIVAL_CURVES, survival_figure

Out = dict[str, Any]


# ===================================================================== URL
def parse_query(search: str | None, default_scenario: str) -> tuple[dict[str, Any], int, str]:
    """(configuration, step, tab) from a query string like ``?scenario=hanoi-2019&seed=3&step=12&kappa=3``.

    Keys other than scenario, seed, mode, step and tab are parameter overrides.

    >>> parse_query("?scenario=hanoi-2019&seed=3&step=12&parameters.kappa=3", "x")
    ({'scenario': 'hanoi-2019', 'seed': 3, 'mode': None, 'overrides': {'parameters.kappa': 3}}, 12, 'run')
    """
    from dashboard.service import normalise_config

    pairs = parse_qsl((search or "").lstrip("?"), keep_blank_values=False)
    raw: dict[str, Any] = {"overrides": {}}
    step, tab = 0, "run"
    for k, v in pairs:
        if k == "step":
            try:
                step = max(0, int(float(v)))
            except ValueError:
                step = 0
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
    items.append(("step", int(step)))
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
EVENTS_FILTER_JS = """
function(step, actor, kind, paging) {
    function q(s) { return '"' + String(s).replace(/"/g, '\\\\"') + '"'; }
    if (paging === 'custom') {  // a large run: the server pages the log
        return [window.dash_clientside.no_update, {week: step || 0, actor: actor || null, kind: kind || null}];
    }
    let out = "{week} <= " + (step || 0);
    if (actor) { out += " && ({sender} = " + q(actor) + " || {receiver} contains " + q(actor) + ")"; }
    if (kind) { out += " && {kind} = " + q(kind); }
    return [out, window.dash_clientside.no_update];
}
"""
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
PARAM_FILTER_JS = """
function(text, rowIds) {
    const t = (text || "").trim().toLowerCase();
    return rowIds.map(function (id) { return (!t || id.path.toLowerCase().includes(t)) ? {} : {display: "none"}; });
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


def scenario_options(service: Service, current: str | None = None) -> list[dict[str, str]]:
    options = [{"label": s, "value": s} for s in service.builtin()]
    options += [{"label": f"{name} (file)", "value": UPLOAD_PREFIX + key} for key, (_, name) in service.uploads.pinned.items()]
    if current and current.startswith(UPLOAD_PREFIX) and current[len(UPLOAD_PREFIX) :] not in service.uploads.pinned:
        found = service.uploads.get(current[len(UPLOAD_PREFIX) :])
        name = found[1] if found else "uploaded scenario"
        options.append({"label": f"{name} (uploaded)", "value": current})
    return options


def error_box(messages: Sequence[str], title: str | None = None) -> list[Any]:
    """The error banner's content: the file:line: field: problem lines (empty list hides it)."""
    if not messages:
        return []
    head = [html.Div(title, style={"fontWeight": "700", "fontFamily": "inherit", "marginBottom": "4px"})] if title else []
    return [*head, *[html.Div(m) for m in messages]]


# ============================================================= configuration
def choose_scenario(service: Service, value: str | None, config: Mapping[str, Any] | None, seed: Any) -> Out:
    """A scenario picked in the dropdown: run it with its own values (keeps the seed)."""
    if not value or (config and config.get("scenario") == value):
        return {}
    try:
        service.base_scenario(value)
    except InputError as exc:
        return {"errors": error_box(input_messages(exc), "This scenario cannot be run")}
    return {"config": service.config({"scenario": value, "seed": seed, "mode": None, "overrides": {}}), "errors": []}


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
    from sim.scenario import load_scenario_text

    try:
        load_scenario_text(text, name)
    except InputError as exc:
        return {"errors": error_box(input_messages(exc), f"{name} is not a valid scenario; the previous run stays on screen")}
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


def _note(text: str, search: str | None = None) -> dict[str, Any]:
    """A line of a pick-list that says something and cannot be picked. Its value is its text: the dropdown
    indexes options by value, so an empty one would not be shown; ``search``: what was typed (see below)."""
    out: dict[str, Any] = {"label": text, "value": "note: " + text, "disabled": True}
    if search is not None:
        out["search"] = search
    return out


#: At most this many faction fields are offered for one search in the fork's parameter list.
FORK_PARAM_LIMIT = 40


def _actor_count(sc: Any) -> int:
    return sum(1 + len(side.factions) for side in sc.sides.values()) + len(sc.third_parties)


def _fork_param_option(path: str) -> dict[str, str]:
    """A model parameter by its label (its path still finds it when typed); an actor's field by its path."""
    if path.startswith("parameters."):
        label = parameter_label(path)
        return {"label": label, "value": path, "search": f"{path} {label}"}
    return {"label": path, "value": path}


def fork_param_options(sc: Any, table: Sequence[Any], search: str | None = None, value: str | None = None) -> list[dict[str, Any]]:
    """The fork's parameter list for scenario ``sc`` (``table``: its :func:`~sim.overrides.parameter_table`).

    Up to :data:`~sim.figures.AGGREGATE_THRESHOLD` actors, every parameter. Above it, the
    model's parameters and those of sides, leaders and third parties, then the faction fields and
    signal numbers (``signals.KIND...``) that match ``search`` (every word of it, at most :data:`FORK_PARAM_LIMIT`), or, when none does, the
    parameter that ``search`` names in any spelling :func:`~sim.overrides.canonical` accepts
    (``sides.a.factions.3.influence``), or a disabled line saying that no parameter has that name,
    with close matches. ``value`` (the one picked) is always kept in the list.
    """
    every = [_fork_param_option(p.path) for p in table]
    if _actor_count(sc) <= F.AGGREGATE_THRESHOLD:
        return every
    from sim.loading import close_matches
    from sim.overrides import canonical

    factions = {f.id for side in sc.sides.values() for f in side.factions}
    is_faction = [p.path.split(".", 1)[0] in factions for p in table]
    is_signal = [p.path.startswith("signals.") for p in table]
    # faction fields and the signal catalogue's numbers are found by search, not listed up front
    hidden = [f or g for f, g in zip(is_faction, is_signal, strict=True)]
    out: list[dict[str, Any]] = [o for o, f in zip(every, hidden, strict=True) if not f]
    offered = {o["value"] for o in out}
    text = (search or "").strip()
    if value and value not in offered:
        out.append({"label": value, "value": value})
        offered.add(value)
    if not text:
        signals = f" and {sum(is_signal)} signal numbers" if any(is_signal) else ""
        out.append(_note(f"… {sum(is_faction)} faction fields{signals}: type a faction's id, a signal kind or a path to find them"))
        return out
    words = text.lower().split()
    if any(all(w in o["value"].lower() for w in words) for o in out):
        return out  # the list shown already has what was typed
    found = [o for o, f in zip(every, hidden, strict=True) if f and all(w in o["value"].lower() for w in words)]
    # "search": what was typed, so that the dropdown's own filter of the list keeps what the server found for it
    for o in found[:FORK_PARAM_LIMIT]:
        if o["value"] not in offered:
            out.append({**o, "search": text})
    if len(found) > FORK_PARAM_LIMIT:
        out.append(
            {
                "label": f"{text}: {len(found) - FORK_PARAM_LIMIT} more match; type more of the path",
                "value": "",
                "disabled": True,
                "search": text,
            }
        )
    if found:
        return out
    try:
        key = canonical(sc, text)
    except KeyError:
        paths = [p.path for p in table]
        near = close_matches(text, paths + [p.removeprefix("parameters.") for p in paths], n=5)
        hint = f"; close matches: {', '.join(dict.fromkeys(near))}" if near else ""
        out.append(_note(f"{text}: no such parameter{hint}", text))
        return out
    if key not in offered:
        out.append({"label": f"{text} = {key}", "value": key, "search": text})
    return out


def check_fork_change(service: Service, config: Mapping[str, Any] | None, param: str | None, value: Any) -> list[str]:
    """Why ``param = value`` cannot be a fork's change (the messages of :func:`~sim.overrides.apply_overrides`
    on the run's scenario), or nothing if it can."""
    if not config or not param or value is None or value == "":
        return []
    from sim.scenario import apply_overrides

    cfg = service.config(config)
    try:
        sc = service.scenario(cfg["scenario"], cfg["overrides"])
        apply_overrides(sc.model_dump(mode="json"), {param: value}, sc.name)
    except InputError as exc:
        return [m.removeprefix("--set ") for m in input_messages(exc)]
    return []


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


def _actor_names(sc: Any) -> dict[str, str]:
    out = {}
    for side in sc.sides.values():
        out[side.leader.id] = side.leader.name
        for f in side.factions:
            out[f.id] = f.name
    for t in sc.third_parties:
        out[t.id] = t.name
    return out


#: At most this many actors are offered for one search in a large run's actor pick-lists.
ACTOR_SEARCH_LIMIT = 40


def searched_options(
    every: Sequence[Mapping[str, str]], shown: Sequence[str], search: str | None, value: str | None, limit: int = ACTOR_SEARCH_LIMIT
) -> list[dict[str, Any]]:
    """A large pick-list sent in part: the options whose value is in ``shown`` (in ``every``'s order), the one
    picked (``value``), and those whose label holds every word of ``search`` (case aside; at most ``limit``,
    then a disabled line counting the rest), or a disabled line saying nothing matches. Without a search, a
    disabled last line says how many more there are to find by typing.

    >>> every = [{"label": n, "value": n} for n in ("Leader A", "Hawks A1", "Hawks A2", "Doves A1", "Mediator")]
    >>> [o["value"] for o in searched_options(every, ["Leader A", "Mediator"], "hawks", None)]
    ['Leader A', 'Mediator', 'Hawks A1', 'Hawks A2']
    >>> searched_options(every, ["Leader A"], None, "Doves A1")[-1]["label"]
    '… 3 more: type a name to find one'
    """
    keep = set(shown) | ({value} if value else set())
    out: list[dict[str, Any]] = [dict(o) for o in every if o["value"] in keep]
    offered = {o["value"] for o in out}
    text = (search or "").strip()
    if not text:
        out.append(_note(f"… {len(every) - len(offered)} more: type a name to find one"))
        return out
    words = text.lower().split()
    found = [o for o in every if o["value"] not in offered and all(w in o["label"].lower() for w in words)]
    # "search": what was typed, so that the dropdown's own filter of the list keeps what the server found for it
    out += [{**o, "search": text} for o in found[:limit]]
    if len(found) > limit:
        out.append(_note(f"{text}: {len(found) - limit} more match; type more of the name", text))
    elif not found and not any(all(w in o["label"].lower() for w in words) for o in out):
        out.append(_note(f"{text}: no actor of that name", text))
    return out


def _principal_names(sc: Any) -> list[str]:
    """Ids of the leaders and third parties of ``sc`` (what a large scenario's actor lists show before a search)."""
    return [side.leader.id for side in sc.sides.values()] + [t.id for t in sc.third_parties]


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


# ==================================================================== views
def step_label(result: RunResult, step: int) -> str:
    return f"week {step} of {run_view(result).last_step} · {date_of(result, step)}"


OUTCOME_BADGE = {k: (outcome_label(k), colour) for k, colour in F.OUTCOME_COLOURS.items()}
_HEADLINE_KINDS = (SUMMIT_PROCESS_KINDS - {"offer_rejected"}) | (OUTCOME_KINDS - {"blame"}) | PLEDGE_AND_TEST_KINDS | {"shock"}


def outcome_so_far(result: RunResult, step: int) -> list[Any]:
    """The state of play at ``step`` (summit status, summits held, latest key event); the outcome at the end."""
    from sim.summary import outcome_sentence

    view = run_view(result)
    if step >= view.last_step:
        label, colour = OUTCOME_BADGE.get(result.outcome, (result.outcome, "#888"))
        return [html.Span(label, className="badge", style={"background": colour}), html.Span(outcome_sentence(result))]
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
        text += f" · latest (week {latest['step']}): {latest['text']}"
    parts.append(html.Span(text))
    return parts


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


def dimension_labels(service: Service, config: Mapping[str, Any]) -> dict[str, str]:
    """Display labels of the issue dimensions (from the scenario: run manifests carry only their ids)."""
    try:
        sc, _ = service.base_scenario(service.config(config)["scenario"])
    except InputError:
        return {}
    return {d.id: d.label for d in sc.issues}


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
    s = int(min(max(int(step or 0), 0), last))
    pos = F.network_positions(result)
    rows = _event_rows(result)
    actors = sorted({r["sender"] for r in rows if r["sender"]} | {n for r in rows for n in r["receiver"].split(" + ") if n})
    kinds = sorted({r["kind"] for r in rows})  # labels (F.events_table_rows): what the table shows and filters on
    m = result.manifest
    title = m.get("title") or m.get("scenario")
    title_text = f"{title} — seed {m['seed']}, {mode_label(m['mode'])} mode" + (
        " · changed: " + ", ".join(parameter_label(p) for p in sorted(cfg["overrides"])) if cfg["overrides"] else ""
    )
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
        "pair_options": pair_options(result, grouped),
        "outcome": outcome_so_far(result, s),
        "title": title_text,
        "mode_options": mode_options(service.base_scenario(cfg["scenario"])[0].mode),
        "run_info": run_info(service, cfg, result, mode),
        "fork_events": fork_event_options(service, cfg, 0).get("options", []),
        "errors": [],
    }


#: Rows on a page of the event log (the table's page_size).
EVENTS_PAGE_SIZE = 12


def events_page_rows(rows: Sequence[Mapping[str, Any]], week: int, actor: str | None, kind: str | None, page: int) -> Out:
    """Page ``page`` of the event log ``rows`` (newest first) filtered as the table's own filter does for
    small runs (EVENTS_FILTER_JS): weeks up to ``week``, ``actor`` the sender or among the receivers, ``kind``.

    Returns ``events`` (the page's rows, without their source), ``events_page_count`` (at least 1) and
    ``events_page`` (``page`` kept within the pages there are).
    """
    kept = [
        r
        for r in rows
        if r["week"] <= week and (not actor or r["sender"] == actor or actor in r["receiver"]) and (not kind or r["kind"] == kind)
    ]
    count = max(1, math.ceil(len(kept) / EVENTS_PAGE_SIZE))
    page = min(max(int(page or 0), 0), count - 1)
    shown = kept[page * EVENTS_PAGE_SIZE : (page + 1) * EVENTS_PAGE_SIZE]
    return {"events": [{k: v for k, v in r.items() if k != "source"} for r in shown], "events_page_count": count, "events_page": page}


def _event_rows(result: RunResult) -> list[dict[str, Any]]:
    """The run's event log rows, newest first (the table shows what just happened at the top); kept with the
    run's view, read-only (a 10,000-actor run's log takes about 0.5 s to lay out)."""
    view = run_view(result)
    rows = view.memo.get("event_rows")
    if rows is None:
        rows = view.memo["event_rows"] = list(reversed(F.events_table_rows(result)))
    return rows


def events_page(
    service: Service, config: Mapping[str, Any] | None, info: Mapping[str, Any] | None, query: Mapping[str, Any] | None, page: Any
) -> Out:
    """The event log's page for a large run (the table pages on the server): see :func:`events_page_rows`."""
    if not config or not info or not query or info.get("config") != service.config(config):
        return {}
    try:
        result = service.result(config)
    except InputError:
        return {}
    rows = _event_rows(result)
    out = events_page_rows(rows, int(query.get("week") or 0), query.get("actor"), query.get("kind"), int(page or 0))
    if out["events_page"] == page:
        del out["events_page"]
    return out


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
    heat["layout"]["title"]["text"] = f"Trust matrix, week {step}"
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
    net["layout"]["title"]["text"] = F.network_title(step, grouped)
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
    s = int(step or 0)
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
    s = int(min(max(int(step or 0), 0), run_view(result).last_step))
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
        if int(step or 0) >= int(info.get("last", 0)):
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
    s = int(step or 0)
    return {"trust": timeline(F.trust_figure(result, s, pairs=_pairs(pairs), until=s))}


# ===================================================================== fork
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
        added.append({"week": int(w or 0), "kind": kind, "sender": sender})
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
    week = int(at or 0)
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
                "status": f"The last {what} happened in week {when}, before week {week}, so a fork from week {week} could not "
                f"prevent it: it will fork from week {when}, where it can.",
            }
        return {}
    if week >= last:
        return {
            "status": f"Week {week} is the run's last week: a fork from there cannot change anything. Pick an earlier week in “At week”."
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
    at = int(fork_at or 0)
    mode = cfg["mode"] or sc.mode
    options = []
    for i, ev in enumerate(sc.events):
        week = ev.week if ev.week is not None else (sc.week_of(ev.date) if ev.date else None)
        if week is None or week < at:
            continue
        applies = (ev.mode or ("always" if ev.kind == "shock" else "forcing")) == "always" or mode == "forcing"
        who = f" {ev.sender}" if ev.sender else ""
        note = "" if applies else " (forcing mode only)"
        options.append({"label": f"week {week}: {kind_label(ev.kind, sc.catalogue)}{who} — {ev.text or ''}{note}", "value": i})
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
    s = int(min(max(int(step or 0), 0), max(run_view(base).last_step, run_view(alt).last_step)))
    out = fork_figures(base, alt, s, dimension_labels(service, cfg))
    out["fork"] = {"config": cfg, "spec": spec, "key": service.run_key(cfg, spec)}
    out["status"] = f"Fork from week {spec['at']}: {outcome_label(base.outcome)} → {outcome_label(alt.outcome)}."
    if base.outcome == alt.outcome and base.metrics == alt.metrics:
        out["status"] += (
            " The fork changed nothing: same outcome and the same end state. The change may come too late "
            "(after the week it matters) or be too small; try an earlier week."
        )
    return out


def fork_figures(base: RunResult, alt: RunResult, step: int, labels: Mapping[str, str] | None = None) -> Out:
    # both branches in full: the point of a fork is what happens after it
    f_trust = F.trust_figure(base, step, compare=alt)
    f_trust.update_layout(title={"text": "Trust: base (solid) and fork (dashed)"})
    base_issue = F.issue_space_figure(base, step, labels=labels)
    base_issue.update_layout(title={"text": f"Base: Issue space, week {step}"})
    alt_issue = F.issue_space_figure(alt, step, labels=labels)
    alt_issue.update_layout(title={"text": f"Fork: Issue space, week {step}"})
    return {
        "fork_trust": f_trust,
        "fork_pressure": F.pressure_figure(base, step, compare=alt),
        "fork_issues_base": base_issue,
        "fork_issues_alt": alt_issue,
        "compare": compare_table(base, alt),
    }


def compare_table(base: RunResult, alt: RunResult) -> html.Table:
    """Outcome and end state of the two branches, side by side."""
    from sim.summary import outcome_sentence

    mb, ma = base.metrics, alt.metrics
    view = run_view(base)

    def fmt(v: Any) -> str:
        if v is None:
            return "—"
        if isinstance(v, float):
            return f"{v:.2f}"
        return str(v)

    rows: list[tuple[str, Any, Any]] = [
        ("outcome", OUTCOME_BADGE.get(base.outcome, (base.outcome,))[0], OUTCOME_BADGE.get(alt.outcome, (alt.outcome,))[0]),
        ("in words", outcome_sentence(base), outcome_sentence(alt)),
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
                f"trust {short_name(view.names.get(a, a), 16)} → {short_name(view.side_names.get(s, s), 14)}",
                mb["final_trust"][k],
                ma.get("final_trust", {}).get(k),
            )
        )
    for s, v in mb.get("final_pressure", {}).items():
        rows.append((f"pressure on {short_name(view.side_names.get(s, s), 14)}", v, ma.get("final_pressure", {}).get(s)))
    rows.append(("final zone of agreement", mb.get("final_zone_area"), ma.get("final_zone_area")))
    return html.Table(
        className="compare",
        children=[
            html.Thead(
                html.Tr(
                    [
                        html.Th("at the end"),
                        html.Th("base"),
                        html.Th(f"fork (from week {alt.manifest.get('fork', {}).get('at_step', '?')})"),
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


# ================================================================= ensemble
def ensemble_start(service: Service, config: Mapping[str, Any] | None, n: Any) -> Out:
    """Start an ensemble on the server; the browser's store gets its id (and copies of n and done, for display only)."""
    if not config or not isinstance(config, Mapping):
        return {}
    total = _count(n, default=200)
    try:
        job = service.start_ensemble(config, total)
    except InputError as exc:
        return {"timer_disabled": True, "progress": progress_bar(0, 1, "; ".join(input_messages(exc)))}
    return {
        "ensemble": _ens_store(job),
        "timer_disabled": False,
        "progress": progress_bar(0, job.n),
    }


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


def _ens_store(job: Any) -> dict[str, Any]:
    return {"id": job.id, "n": job.n, "done": job.done, "running": job.running}


def ensemble_tick(service: Service, ens: Mapping[str, Any] | None, budget_s: float = 0.3) -> Out:
    """One bounded chunk of the ensemble named by the store's id; the figures when it is complete.

    The store's ``n``, ``done``, ``running`` and ``config`` are ignored: the
    job on the server says how much is left, and a tick computes at most
    :data:`dashboard.service.MAX_RUNS_PER_TICK` runs.
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
    out: Out = {"ensemble": _ens_store(job), "progress": progress_bar(done, job.n)}
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
    job.running = False
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
    trust = F.fans_figure(bands, f"Trust between the principals: median, 50% and 90% of {n} runs", y_title="trust (0–1)")
    pbands = [(view.side_names.get(s, s), colours.get(s, "#777"), stack([m["pressure"][s] for m in members])) for s in view.summit_sides]
    pressure = F.fans_figure(pbands, f"Pressure per side, {n} runs", y_title="pressure (0–1)")
    return {"ens_outcomes": outcomes, "ens_trust": trust, "ens_pressure": pressure, **ensemble_survival_figures(members)}


def ensemble_survival_figures(members: Sequence[Mapping[str, Any]]) -> Out:
    """Kaplan–Meier curves of the ensemble's time to agreement and moratorium survival, from the members' stored metrics."""
    columns = {k: [m.get(k) for m in members] for k in SURVIVAL_METRICS}
    tables = survival_of_runs({k: [math.nan if v is None else float(v) for v in vs] for k, vs in columns.items()})
    out: Out = {}
    for key, name in (("agreement", "ens_km_agreement"), ("moratorium", "ens_km_moratorium")):
        title, x_title, y_title, _caption = SURVIVAL_CURVES[key]
        t = tables[key]
        out[name] = survival_figure([(title.split(" (")[0], t)], f"{title}, {t.n} of {len(members)} runs", x_title=x_title, y_title=y_title)
    return out


# =================================================================== export
def _zip_dir(directory: Path, prefix: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(directory.rglob("*")):
            if p.is_file():
                zf.write(p, f"{prefix}/{p.relative_to(directory)}")
    return buf.getvalue()


def _slug(result: RunResult) -> str:
    return f"{result.manifest['scenario']}-seed{result.manifest['seed']}"


def export_zip(service: Service, config: Mapping[str, Any] | None) -> Out:
    """The run directory (run.json, events.parquet, series.parquet) as a zip."""
    if not config:
        return {}
    try:
        result = service.result(config)
    except InputError:  # not a run this server can compute (e.g. an upload it no longer has): nothing to download
        return {}
    with tempfile.TemporaryDirectory(prefix="summitry-export-") as tmp:
        d = result.save(Path(tmp) / _slug(result))
        data = _zip_dir(d, _slug(result))
    return {"download": dcc.send_bytes(data, f"{_slug(result)}.zip")}


def report_writer() -> Callable[[Any, Any], Any] | None:
    """``sim.report.write_run_report`` if the report module exists, else None."""
    try:
        mod = importlib.import_module("sim.report")
    except ModuleNotFoundError:
        return None
    fn = getattr(mod, "write_run_report", None)
    return fn if callable(fn) else None


def export_report(service: Service, config: Mapping[str, Any] | None) -> Out:
    """The run's HTML report (sim.report), or the run directory as a zip until that exists."""
    if not config:
        return {}
    write = report_writer()
    if write is None:
        return export_zip(service, config)
    try:
        result = service.result(config)
    except InputError:  # not a run this server can compute (e.g. an upload it no longer has): nothing to download
        return {}
    with tempfile.TemporaryDirectory(prefix="summitry-report-") as tmp:
        d = result.save(Path(tmp) / _slug(result))
        path = Path(write(d, Path(tmp) / "report.html") or Path(tmp) / "report.html")
        data = path.read_bytes()
    return {"download": dcc.send_bytes(data, f"{_slug(result)}-report.html")}


def export_data(service: Service, config: Mapping[str, Any] | None, fmt: str | None) -> Out:
    """events and series (and run.json) of the run in CSV, Parquet or JSON, zipped."""
    if not config:
        return {}
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        result = service.result(config)
    except InputError:
        return {}
    fmt = (fmt or "CSV").lower()
    buf = io.BytesIO()
    slug = _slug(result)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{slug}/run.json", json.dumps(result.manifest, indent=2, sort_keys=True) + "\n")
        for name, table in (("events", result.events), ("series", result.series)):
            if fmt == "parquet":
                b = io.BytesIO()
                pq.write_table(table, b, compression="zstd")
                zf.writestr(f"{slug}/{name}.parquet", b.getvalue())
            elif fmt == "json":
                zf.writestr(f"{slug}/{name}.json", json.dumps(table.to_pylist(), default=_json_default) + "\n")
            else:
                b = io.BytesIO()
                pacsv.write_csv(table, b)
                zf.writestr(f"{slug}/{name}.csv", b.getvalue())
    return {"download": dcc.send_bytes(buf.getvalue(), f"{slug}-{fmt}.zip")}


def _json_default(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


# ============================================================ initial state
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
    "pair_options": (ids.PAIRS, "options"),
    "outcome": (ids.OUTCOME, "children"),
    "title": (ids.TITLE, "children"),
    "mode_options": (ids.MODE, "options"),
    "run_info": (ids.RUN_INFO, "data"),
    "errors": (ids.ERRORS, "children"),
    "fork_events": (ids.FORK_REMOVE, "options"),
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
PANEL_TARGETS: dict[str, tuple[str, str]] = {
    "panel": (ids.PARAM_PANEL, "children"),
    "built": ("param-built", "data"),
    "panel_scenario": (ids.PANEL_SCENARIO, "data"),
    "fork_params": (ids.FORK_PARAM, "options"),
    "fork_kinds": (ids.FORK_ADD_KIND, "options"),
    "fork_senders": (ids.FORK_ADD_SENDER, "options"),
}


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
    return out


# ================================================================= register
def _emit(names: Sequence[str], values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(n, no_update) for n in names)


def register(app: Dash, service: Service) -> None:
    """Bind every callback to ``app``; each closes over ``service`` only."""
    _register_page_load(app, service)
    _register_configuration(app, service)
    _register_run_views(app, service)
    _register_fork(app, service)
    _register_ensemble(app, service)
    _register_export(app, service)


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


def _register_configuration(app: Dash, service: Service) -> None:
    """The callbacks of configuration."""

    @app.callback(
        Output(ids.CONFIG, "data", allow_duplicate=True),
        Output(ids.ERRORS, "children", allow_duplicate=True),
        Input(ids.SCENARIO, "value"),
        State(ids.CONFIG, "data"),
        State(ids.SEED, "value"),
        prevent_initial_call=True,
    )
    def _choose(value: str | None, config: Any, seed: Any) -> tuple[Any, ...]:
        return _emit(["config", "errors"], choose_scenario(service, value, config, seed))

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


def _register_run_views(app: Dash, service: Service) -> None:
    """The callbacks of drawing a run."""
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
    app.clientside_callback(
        EVENTS_FILTER_JS,
        Output(ids.EVENTS, "filter_query"),
        Output(ids.EVENTS_QUERY, "data"),
        Input(ids.SLIDER, "value"),
        Input("events-actor", "value"),
        Input("events-kind", "value"),
        State(ids.EVENTS, "page_action"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.EVENTS, "data", allow_duplicate=True),
        Output(ids.EVENTS, "page_count", allow_duplicate=True),
        Output(ids.EVENTS, "page_current", allow_duplicate=True),
        Input(ids.EVENTS_QUERY, "data"),
        Input(ids.EVENTS, "page_current"),
        State(ids.CONFIG, "data"),
        State(ids.RUN_INFO, "data"),
        State(ids.EVENTS, "page_action"),
        prevent_initial_call=True,
    )
    def _events_page(query: Any, page: Any, config: Any, info: Any, paging: Any) -> tuple[Any, ...]:
        names = ["events", "events_page_count", "events_page"]
        if paging != "custom":  # the table pages itself (a small run)
            return _emit(names, {})
        return _emit(names, events_page(service, config, info, query, page))

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


def _register_fork(app: Dash, service: Service) -> None:
    """The callbacks of fork."""

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
        at = at if at not in (None, "") else step
        if ctx.triggered_id == "fork-add-change":
            problems = check_fork_change(service, config, param, value)
            if problems:
                return _emit(["status"], {"status": error_box(problems, "This change cannot be made")})
        note: Out = {}
        if ctx.triggered_id == ids.FORK_PRESET and preset in PRESETS:
            note = preset_week(service, config, preset, at)
            at = note.get("at", at)
        out = fork_draft_edit(ctx.triggered_id, draft, preset, param, value, kind, sender, week, at)
        if out:
            out = {**out, "status": note.get("status", "")}
            if "at" in note:
                out["at"] = note["at"]
        return _emit(["draft", "draft_view", "status", "at"], out)

    def _searchable(component: str, find: Callable[[Any, Any, Any], dict[str, Any]], key: str) -> None:
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

    _searchable("events-actor", lambda config, search, value: actor_search(service, config, "events", search, value), "options")
    _searchable(ids.FORK_ADD_SENDER, lambda config, search, value: actor_search(service, config, "senders", search, value), "options")
    _searchable(ids.FORK_PARAM, lambda config, search, value: fork_param_search(service, config, search, value), "fork_params")

    @app.callback(
        Output(ids.FORK_REMOVE, "options", allow_duplicate=True),
        Input(ids.FORK_AT, "value"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _fork_events(at: Any, config: Any) -> Any:
        return fork_event_options(service, config, at).get("options", no_update)

    fork_names = ["fork", "status", "compare", "fork_trust", "fork_pressure", "fork_issues_base", "fork_issues_alt"]
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
        return _emit(fork_names, run_fork_callback(service, config, at, draft, remove, step))

    @app.callback(*fork_outputs, Input(ids.FORK_CLEAR, "n_clicks"), prevent_initial_call=True)
    def _clear_fork(_n: Any) -> tuple[Any, ...]:
        return _emit(fork_names, clear_fork())

    @app.callback(*fork_outputs, Input(ids.CONFIG, "data"), State(ids.FORK, "data"), prevent_initial_call=True)
    def _invalidate(config: Any, fork: Any) -> tuple[Any, ...]:
        return _emit(fork_names, fork_invalidate(config, fork, service))


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
    ]

    @app.callback(
        *ens_outputs, Input(ids.ENS_RUN, "n_clicks"), State(ids.CONFIG, "data"), State(ids.ENS_N, "value"), prevent_initial_call=True
    )
    def _ens_start(_n: Any, config: Any, n: Any) -> tuple[Any, ...]:
        return _emit(ens_names, ensemble_start(service, config, n))

    @app.callback(*ens_outputs, Input(ids.ENS_TIMER, "n_intervals"), State(ids.ENSEMBLE, "data"), prevent_initial_call=True)
    def _ens_tick(_n: Any, ens: Any) -> tuple[Any, ...]:
        return _emit(ens_names, ensemble_tick(service, ens))

    @app.callback(*ens_outputs, Input(ids.ENS_CANCEL, "n_clicks"), State(ids.ENSEMBLE, "data"), prevent_initial_call=True)
    def _ens_cancel(_n: Any, ens: Any) -> tuple[Any, ...]:
        return _emit(ens_names, ensemble_cancel(service, ens))


def _register_export(app: Dash, service: Service) -> None:
    """The callbacks of export."""

    @app.callback(
        Output(ids.DOWNLOAD, "data", allow_duplicate=True),
        Input(ids.EXPORT_ZIP, "n_clicks"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _zip(_n: Any, config: Any) -> Any:
        return export_zip(service, config).get("download", no_update)

    @app.callback(
        Output(ids.DOWNLOAD, "data", allow_duplicate=True),
        Input(ids.EXPORT_REPORT, "n_clicks"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _report(_n: Any, config: Any) -> Any:
        return export_report(service, config).get("download", no_update)

    @app.callback(
        Output(ids.DOWNLOAD, "data", allow_duplicate=True),
        Input(ids.EXPORT_DATA, "n_clicks"),
        State(ids.CONFIG, "data"),
        State(ids.EXPORT_FORMAT, "value"),
        prevent_initial_call=True,
    )
    def _data(_n: Any, config: Any, fmt: Any) -> Any:
        return export_data(service, config, fmt).get("download", no_update)
