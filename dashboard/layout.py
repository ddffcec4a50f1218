"""The page: a top bar, the parameter sidebar, the playback bar and three tabs (run, fork, ensemble).

The layout is static: it holds no run. What is on screen is filled in by
callbacks from the configuration in the URL (or the default scenario).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from dash import dash_table, dcc, html

from summitry.dashboard import ids
from summitry.dashboard.about import about_panel, signal_legend
from summitry.sim.figures import PRESSURE_HEIGHT
from summitry.sim.labels import MODE_HELP, in_unit, kind_label, parameter_label, unit_word

SPEEDS = [
    {"label": "0.5×", "value": 1600},
    {"label": "1×", "value": 800},
    {"label": "2×", "value": 400},
    {"label": "4×", "value": 200},
    {"label": "8×", "value": 100},
]
DEFAULT_SPEED = 400
TAB_STYLE = {"padding": "5px 12px", "height": "32px", "lineHeight": "20px", "fontSize": "13px"}
TAB_SELECTED = {**TAB_STYLE, "fontWeight": "600", "borderTop": "3px solid #2a6f97"}
GRAPH_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "displayModeBar": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian"],
}
EVENT_COLUMNS = [
    {"name": "week", "id": "week", "type": "numeric"},
    {"name": "date", "id": "date"},
    {"name": "sender", "id": "sender"},
    {"name": "receiver", "id": "receiver"},
    {"name": "kind", "id": "kind"},
    {"name": "what happened", "id": "sentence"},
]


def event_columns(unit: str | None = None) -> list[dict[str, Any]]:
    """The event log's columns, the first headed by the run's unit (its id stays ``week``, as the filter has it)."""
    return [{**c, "name": in_unit(c["name"], unit)} for c in EVENT_COLUMNS]


def step_words(unit: str | None = None) -> dict[str, Any]:
    """The page's words that count steps, in the run's unit; the layout starts with a week's, each drawn run sends its own."""
    w = unit_word(unit)
    return {
        "reset_title": f"Back to {w} 0",
        "back_title": f"One {w} back",
        "forward_title": f"One {w} forward",
        "events_heading": f"Event log up to this {w}",
        "events_columns": event_columns(unit),
        "fork_hint": f"From a {w} on, change parameters or events and run the counterfactual with the same seed: both branches share the past.",
        "fork_at_label": f"At {w}",
        "fork_at_placeholder": f"this {w}",
        "fork_add_week_placeholder": w,
        "fork_remove_hint": f"…and remove scheduled events (only those from the fork {w} on can change anything)",
    }


_WEEK = step_words()

PRESETS: dict[str, dict[str, Any]] = {
    "no-walk-away": {
        "label": "Nobody walks away (a declaration instead)",
        "overrides": {"parameters.walk_audience": 0.0, "parameters.walk_leverage": 0.0},
        "prevents": "walk_away",  # cannot change a run after its walk-away (dashboard.callbacks.preset_week)
    },
    "trusting": {"label": "Trust is easier to win (kappa 4)", "overrides": {"parameters.kappa": 4.0}},
    "lower-bar": {"label": "A deal needs less trust (reneging less likely: renege_u 0.2)", "overrides": {"parameters.renege_u": 0.2}},
    "hawks-quiet": {"label": "Hawks lose the argument faster (eta 1)", "overrides": {"parameters.eta": 1.0}},
}


def placeholder(height: int = 300, text: str = "") -> dict[str, Any]:
    """An empty figure of the right size, shown until a run is drawn.

    A plain dict (what ``go.Figure(...).to_plotly_json()`` gives for the same
    layout): the page has fourteen of these, and building them as validated
    figure objects cost over 100 ms on every page load.
    """
    layout: dict[str, Any] = {
        "template": {},
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "plot_bgcolor": "#fff",
        "paper_bgcolor": "#fff",
        "height": height,
    }
    if text:
        layout["annotations"] = [{"font": {"color": "#889", "size": 13}, "showarrow": False, "text": text}]
    return {"data": [], "layout": layout}


def graph(id_: str, height: int = 300, text: str = "") -> dcc.Graph:
    return dcc.Graph(id=id_, figure=placeholder(height, text), config=GRAPH_CONFIG, style={"height": f"{height}px"})  # type: ignore[arg-type]


def timeline_graph(id_: str, height: int = 300) -> html.Div:
    """A time-series graph with an overlay for the current week: a marker line and a veil over the weeks to come.

    The overlay is moved in the browser (see ``callbacks.run_views.TIMELINE_JS``), so a
    step costs these charts no redraw at all.
    """
    return html.Div(
        className="timeline",
        children=[
            graph(id_, height),
            html.Div(id=f"{id_}-veil", className="veil"),
            html.Div(id=f"{id_}-marker", className="marker"),
        ],
    )


TIMELINE_GRAPHS = (ids.TRUST, ids.PRESSURE, ids.ZONE, ids.STANCE)


def card(*children: Any, cls: str = "") -> html.Div:
    return html.Div(list(children), className=f"card {cls}".strip())


# ----------------------------------------------------------------- top bar
def top_bar(scenarios: Sequence[str | Mapping[str, str]], default_scenario: str, report_available: bool) -> html.Div:
    return html.Div(
        className="topbar",
        children=[
            html.Div(["summitry", html.Small("summit diplomacy, step by step")], className="brand"),
            html.Label("Scenario", htmlFor=ids.SCENARIO),
            dcc.Dropdown(
                id=ids.SCENARIO,
                options=[s if isinstance(s, Mapping) else {"label": s, "value": s} for s in scenarios],
                value=default_scenario,
                clearable=False,
                searchable=False,
                style={"width": "210px"},
            ),
            dcc.Upload(
                id=ids.UPLOAD,
                children=html.Button("Upload YAML…", className="btn dark", title="Validate and run your own scenario file (at most 2 MiB)"),
                accept=".yaml,.yml,.json",
                max_size=6 * 1024 * 1024,
                multiple=False,
            ),
            html.Div(className="grow"),
            html.Button(
                "Run directory (.zip)", id=ids.EXPORT_ZIP, className="btn dark small", title="run.json, events and series of this run"
            ),
            html.Button(
                "Report (HTML)",
                id=ids.EXPORT_REPORT,
                className="btn dark small",
                style={} if report_available else {"display": "none"},
                title="The run report",
            ),
            dcc.Dropdown(
                id=ids.EXPORT_FORMAT,
                options=[{"label": f, "value": f} for f in ("CSV", "Parquet", "JSON")],
                value="CSV",
                clearable=False,
                searchable=False,
                style={"width": "92px"},
            ),
            html.Button("Data", id=ids.EXPORT_DATA, className="btn dark small", title="events and series in the chosen format"),
            dcc.Download(id=ids.DOWNLOAD),
        ],
    )


# ---------------------------------------------------------------- sidebar
def mode_options(scenario_mode: str | None) -> list[dict[str, str]]:
    """The Mode radio: the scenario's own mode (named), free or forcing -- the words the title and reports use."""
    own = f" as the scenario says ({scenario_mode})" if scenario_mode else " as the scenario says"
    return [
        {"label": own, "value": "default"},
        {"label": " free", "value": "free"},
        {"label": " forcing", "value": "forcing"},
    ]


def sidebar() -> html.Div:
    return html.Div(
        className="sidebar",
        children=[
            html.H3("Run"),
            html.Div(
                className="field",
                children=[
                    html.Label("Seed", htmlFor=ids.SEED),
                    # no min or step: a number the browser holds invalid (-1 under min=0, 1.5 under step=1) reaches the
                    # server as empty, which ran seed 0; the server refuses it with a message instead
                    dcc.Input(id=ids.SEED, type="number", value=0, className="seed", debounce=True),
                    html.Button("Run ▶", id=ids.RUN, className="btn primary", title="Run with these settings"),
                ],
            ),
            html.Div(
                className="field",
                children=[
                    html.Label("Mode", title=f"{MODE_HELP['free']}; {MODE_HELP['forcing']}"),
                    dcc.RadioItems(
                        id=ids.MODE,
                        options=mode_options(None),
                        value="default",
                        inline=True,
                        inputStyle={"marginRight": "2px"},
                        labelStyle={"marginRight": "8px"},
                    ),
                ],
            ),
            html.H3("Parameters"),
            html.Div(
                className="row",
                children=[
                    dcc.Input(
                        id=ids.PARAM_FILTER,
                        type="search",
                        placeholder="filter, e.g. trump, kappa",
                        debounce=0.4,
                        style={"flex": "1", "minWidth": 0},
                    ),
                    html.Button("Reset", id=ids.PARAM_RESET, className="btn small", title="Back to the scenario's values"),
                ],
            ),
            html.P("Change values, then Run. Hover a name for its meaning.", className="muted", style={"margin": "6px 0"}),
            html.Div(id=ids.PARAM_PANEL),
            dcc.Store(id="param-built", data=[]),
        ],
    )


def _step_for(lo: float, hi: float, integer: bool, value: float | None = None) -> float:
    """The slider's step: a hundredth of the span, rounded down to a power of ten, and fine enough to hold ``value``
    exactly (a slider snaps its value to its steps, and a snapped default would be read as a change).

    >>> _step_for(0, 20, False), _step_for(0, 20, False, 2.24), _step_for(0.5, 5, False, 2.24), _step_for(0, 10, True, 3)
    (0.1, 0.01, 0.01, 1)
    """
    if integer:
        return 1
    span = hi - lo
    if span <= 0:
        return 0.01
    exp = math.floor(math.log10(span / 100))
    if value is not None and math.isfinite(value):
        text = f"{value:.10f}".rstrip("0")
        decimals = len(text.split(".")[1]) if "." in text else 0
        exp = min(exp, -decimals)
    return round(10**exp, 10)


def param_control(info: Any, value: float | None) -> html.Div:
    """One parameter: its name and the values it accepts, and a slider with a number box (or a number box alone).

    The slider spans what the scenario accepts (its bounds) where they are finite; the sweep range (``low``/``high``),
    narrower, clamped a typed value that the model accepts (kappa 10 became 5).
    """
    bounds = getattr(info, "bounds", None)
    lo, hi = bounds if bounds is not None and all(map(math.isfinite, bounds)) else (info.low, info.high)
    finite = math.isfinite(lo) and math.isfinite(hi)
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    # the words, not the path: the group heading names the actor; the path (for --set and files) is in the tooltip
    field = info.path.split(".", 1)[1] if "." in info.path else info.path
    if info.path.startswith("signals."):  # the heading names the kind: signals.threat.effects.0.delta -> effects › 0 › delta
        field = info.path.split(".", 2)[2]
    label = parameter_label(info.path) if info.path.startswith("parameters.") else field.replace(".", " › ").replace("_", " ")
    rng = f"{lo:g} – {hi:g}" if finite else ""
    if finite and not missing:
        control: Any = dcc.Slider(
            id={"type": ids.PARAM, "path": info.path},
            min=lo,
            max=hi,
            step=_step_for(lo, hi, info.integer, value),
            value=value,
            marks=None,
            updatemode="mouseup",
            allow_direct_input=True,
        )
    else:
        # no min or max, as the seed box: a value out of them reached the server as empty, and the run kept the
        # scenario's value; the scenario refuses it with a message instead
        control = dcc.Input(
            id={"type": ids.PARAM, "path": info.path},
            type="number",
            value=None if missing else value,
            step="any",
            placeholder="default (from the model)" if missing else "",
            debounce=True,
        )
    return html.Div(
        className="param",
        id={"type": ids.PARAM_ROW, "path": info.path},
        title=f"{info.path}: {info.description}",
        children=[html.Div(className="name", children=[html.Span(label), html.Span(rng, className="range")]), control],
    )


def isolated(text: Any) -> html.Bdi:
    r"""Text a scenario supplies (its title, a name, a pattern's or an event's text) as the page shows it: in a
    ``<bdi>``, which keeps the text's own direction, and any direction control it holds, to itself. Without it a
    right-to-left override (U+202E) in an uploaded title reversed the page's own text after it on the line.

    >>> isolated("Ada\u202e").to_plotly_json()["type"], isolated(3).children
    ('Bdi', '3')
    """
    return html.Bdi(str(text))


BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""The characters that set the direction of the text around them: the marks (U+200E, U+200F), the embeddings and
overrides (U+202A to U+202E) and the isolates (U+2066 to U+2069)."""


def isolated_text(text: Any) -> str:
    r""":func:`isolated` where only a string can go (an option's label): the text without its direction controls
    (:data:`BIDI_CONTROLS`), between U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE.

    >>> isolated_text("Ada\u202e speaks")
    '\u2068Ada speaks\u2069'
    """
    return "\u2068" + BIDI_CONTROLS.sub("", str(text)) + "\u2069"


def _actor_names(scenario: Any) -> dict[str, str]:
    names = {}
    for side in scenario.sides.values():
        names[side.leader.id] = side.leader.name
        for f in side.factions:
            names[f.id] = f.name
    for t in scenario.third_parties:
        names[t.id] = t.name
    return names


def param_groups(table: Sequence[Any], scenario: Any) -> list[tuple[str, str, list[Any]]]:
    """(group, title, parameters) in display order: the model, each side (its actors' too), third parties, signal kinds."""
    side_names = {sid: side.name for sid, side in scenario.sides.items()}
    groups: dict[str, list[Any]] = {}
    for info in table:
        groups.setdefault(info.group, []).append(info)
    order = (
        [g for g in ("model",) if g in groups]
        + [s for s in scenario.sides if s in groups]
        + [g for g in groups if g not in scenario.sides and g != "model"]
    )
    return [(g, "Model" if g == "model" else side_names.get(g, g.capitalize()), groups[g]) for g in order]


def matches(path: str, text: str | None) -> bool:
    """Does a parameter path match the filter text (case-insensitive substring)?"""
    t = (text or "").strip().lower()
    return not t or t in path.lower()


def param_rows(group: str, infos: Sequence[Any], values: Mapping[str, Any], scenario: Any, filter_text: str | None = None) -> list[Any]:
    """The controls of one group, with a heading per actor; rows not matching ``filter_text`` hidden."""
    side_names = {sid: side.name for sid, side in scenario.sides.items()}
    actor_names = _actor_names(scenario)
    rows: list[Any] = []
    current = None
    for info in infos:
        parts = info.path.split(".")
        owner = ".".join(parts[:2]) if parts[0] == "signals" else parts[0]
        if group != "model" and owner != current:
            current = owner
            # the labels and names are the scenario's: isolated from the words after them (isolated, above)
            title: list[str | html.Bdi]
            if parts[0] == "signals":  # one heading per signal kind
                kind = scenario.catalogue.get(parts[1])
                title = [isolated(kind.label), " (signal)"] if kind is not None else [parts[1]]
            else:
                title = [isolated(side_names[owner]), " (side)"] if owner in side_names else [isolated(actor_names.get(owner, owner))]
            rows.append(html.Div(title, className="actor"))
        row = param_control(info, values.get(info.path, info.value))
        if not matches(info.path, filter_text):
            row.style = {"display": "none"}  # type: ignore[attr-defined]
        rows.append(row)
    return rows


def param_panel(table: Sequence[Any], overrides: Mapping[str, float], scenario: Any, built: Sequence[str] = ()) -> list[Any]:
    """Controls generated from the scenario's parameter table, one collapsible group per side and for the model.

    A group's controls are built when it is first opened (groups in ``built``
    now): a page with two hundred sliders would take a second to draw.
    """
    out = []
    for g, title, infos in param_groups(table, scenario):
        out.append(
            html.Details(
                className="group",
                id={"type": "param-group", "group": g},
                open=g in built,
                children=[
                    html.Summary(
                        [isolated(title), html.Span(f"{len(infos)} parameters", className="count")],
                        id={"type": "param-summary", "group": g},
                    ),
                    html.Div(param_rows(g, infos, overrides, scenario) if g in built else [], id={"type": "param-body", "group": g}),
                ],
            )
        )
    return out


# --------------------------------------------------------------- playback
def play_bar() -> html.Div:
    return html.Div(
        className="playbar",
        children=[
            html.Button("Reset", id=ids.RESET, className="btn", title=_WEEK["reset_title"]),
            html.Button("◀ Back", id=ids.BACK, className="btn", title=_WEEK["back_title"]),
            html.Button("▶ Play", id=ids.PLAY, className="btn primary", style={"minWidth": "84px"}, title="Play / pause"),
            html.Button("Step ▶", id=ids.FORWARD, className="btn", title=_WEEK["forward_title"]),
            html.Button("End", id=ids.END, className="btn", title="Run to the end"),
            dcc.Dropdown(id=ids.SPEED, options=SPEEDS, value=DEFAULT_SPEED, clearable=False, searchable=False, className="speed"),
            html.Div(
                dcc.Slider(id=ids.SLIDER, min=0, max=1, step=1, value=0, marks=None, updatemode="drag", allow_direct_input=False),
                className="slider-wrap",
            ),
            html.Div(id=ids.STEP_LABEL, className="step-label", children="week 0"),
            dcc.Interval(id=ids.TIMER, interval=DEFAULT_SPEED, disabled=True, n_intervals=0),
        ],
    )


# -------------------------------------------------------------------- tabs
NETWORK_MODES = [
    {"label": " grouped by side and role", "value": "grouped"},
    {"label": " every actor", "value": "individual"},
]


def network_mode_toggle() -> html.Div:
    """Grouped or individual network; shown only for a run whose network is large enough to group (see render_run)."""
    return html.Div(
        id=ids.NETWORK_MODE_BOX,
        className="netmode",
        style={"display": "none"},
        children=[
            html.Span("Factions: ", className="muted"),
            dcc.RadioItems(
                id=ids.NETWORK_MODE,
                options=NETWORK_MODES,
                value="individual",
                inline=True,
                inputStyle={"marginRight": "2px"},
                labelStyle={"marginRight": "8px"},
            ),
        ],
    )


TABLE_CELL = {
    "fontFamily": "Inter, 'Segoe UI', Helvetica, Arial, sans-serif",
    "fontSize": "12px",
    "padding": "3px 6px",
    "textAlign": "left",
    "whiteSpace": "normal",
    "height": "auto",
}
"""The cells of the run view's tables (the event log, the "why" card)."""
TABLE_HEADER = {"fontWeight": "600", "backgroundColor": "#f3f5f8"}

WHY_COLUMNS = [
    {"name": "Action", "id": "action"},
    {"name": "To", "id": "to"},
    {"name": "Chance", "id": "chance"},
    {"name": "Expected utility", "id": "eu"},
    {"name": "Its largest terms", "id": "terms"},
]
"""The "why" card's table: one row per action the chosen actor could take at the step on screen."""


def why_card() -> html.Div:
    """Why an actor did what it did at the step on screen: its feasible actions, their chances and what drives them."""
    return card(
        html.H4("Why did they do that?"),
        html.P(
            "Pick an actor: every action it could take at the step on screen, the chance the decision rule gave it, "
            "and the largest terms of its expected utility (the model description, 7.16).",
            className="hint",
        ),
        dcc.Dropdown(id=ids.WHY_ACTOR, options=[], placeholder="an actor", clearable=True, style={"fontSize": "12px"}),
        html.P(id=ids.WHY_NOTE, className="hint"),
        dash_table.DataTable(  # type: ignore[attr-defined]
            id=ids.WHY_TABLE,
            columns=WHY_COLUMNS,
            data=[],
            page_size=12,
            style_as_list_view=True,
            style_table={"overflowX": "auto"},
            style_cell=TABLE_CELL,
            style_header=TABLE_HEADER,
            style_cell_conditional=[
                {"if": {"column_id": "chance"}, "width": "64px", "textAlign": "right"},
                {"if": {"column_id": "eu"}, "width": "72px", "textAlign": "right"},
            ],
        ),
        cls="full",
    )


def run_tab() -> html.Div:
    return html.Div(
        children=[
            html.Div(
                className="grid3",
                children=[
                    card(network_mode_toggle(), graph(ids.NETWORK, 338, "loading…"), signal_legend(), cls="wide network"),
                    card(
                        timeline_graph(ids.TRUST, 300),
                        dcc.Dropdown(
                            id=ids.PAIRS,
                            options=[],
                            value=[],
                            multi=True,
                            placeholder="+ more pairs (e.g. hawks → other side)",
                            style={"fontSize": "12px"},
                        ),
                    ),
                    card(graph(ids.ISSUES, 300)),
                    card(timeline_graph(ids.PRESSURE, PRESSURE_HEIGHT)),
                    card(timeline_graph(ids.ZONE, PRESSURE_HEIGHT)),
                    card(graph(ids.HEATMAP, 300)),
                    card(timeline_graph(ids.STANCE, 300), cls="wide"),
                    card(
                        html.H4("This run against the historical record"),
                        html.Div(id=ids.RECORD_FIT, children=html.P("loading…", className="hint")),
                    ),
                    card(
                        html.H4(_WEEK["events_heading"], id=ids.EVENTS_HEADING),
                        html.Div(
                            className="events-filters",
                            children=[
                                dcc.Dropdown(id="events-actor", options=[], placeholder="any actor", clearable=True),
                                dcc.Dropdown(id="events-kind", options=[], placeholder="any kind", clearable=True),
                            ],
                        ),
                        dash_table.DataTable(  # type: ignore[attr-defined]
                            id=ids.EVENTS,
                            columns=_WEEK["events_columns"],
                            data=[],
                            filter_action="native",
                            filter_query="{week} <= 0",
                            page_action="native",
                            page_size=12,
                            style_as_list_view=True,
                            style_table={"overflowX": "auto"},
                            style_cell=TABLE_CELL,
                            style_header=TABLE_HEADER,
                            style_cell_conditional=[
                                {"if": {"column_id": "week"}, "width": "48px", "textAlign": "right"},
                                {"if": {"column_id": "date"}, "width": "88px"},
                                {"if": {"column_id": "kind"}, "width": "110px"},
                                {"if": {"column_id": "sender"}, "width": "150px"},
                                {"if": {"column_id": "receiver"}, "width": "150px"},
                            ],
                        ),
                        cls="full",
                    ),
                    why_card(),
                ],
            )
        ]
    )


def fork_tab() -> html.Div:
    return html.Div(
        className="grid3",
        children=[
            card(
                html.H4("Fork this run"),
                html.P(_WEEK["fork_hint"], id=ids.FORK_HINT, className="hint"),
                html.Div(
                    className="field",
                    children=[
                        html.Label(_WEEK["fork_at_label"], id=ids.FORK_AT_LABEL),
                        dcc.Input(  # no min or step, as the added event's week below
                            id=ids.FORK_AT,
                            type="number",
                            value=None,
                            placeholder=_WEEK["fork_at_placeholder"],
                            style={"width": "90px"},
                        ),
                    ],
                ),
                html.Div("What if…", className="muted", style={"margin": "8px 6px 2px"}),
                dcc.Dropdown(
                    id=ids.FORK_PRESET,
                    options=[{"label": v["label"], "value": k} for k, v in PRESETS.items()],
                    placeholder="a ready-made question",
                    clearable=True,
                ),
                html.Div("…or change a parameter", className="muted", style={"margin": "8px 6px 2px"}),
                html.Div(
                    className="row",
                    children=[
                        html.Div(dcc.Dropdown(id=ids.FORK_PARAM, options=[], placeholder="parameter"), style={"flex": "1", "minWidth": 0}),
                        dcc.Input(id=ids.FORK_VALUE, type="number", placeholder="value", step="any", style={"width": "74px"}),
                        html.Button("Add", id="fork-add-change", className="btn small"),
                    ],
                ),
                html.Div("…or add an event", className="muted", style={"margin": "8px 6px 2px"}),
                html.Div(
                    className="row",
                    children=[
                        html.Div(dcc.Dropdown(id=ids.FORK_ADD_KIND, options=[], placeholder="kind"), style={"flex": "1", "minWidth": 0}),
                        html.Div(
                            dcc.Dropdown(id=ids.FORK_ADD_SENDER, options=[], placeholder="sender"), style={"flex": "1", "minWidth": 0}
                        ),
                        # no min or step: a number the browser holds invalid (-1, 1.5) reaches the server as empty,
                        # which would put the event in the fork's week; the server refuses it with a message instead
                        dcc.Input(
                            id=ids.FORK_ADD_WEEK,
                            type="number",
                            placeholder=_WEEK["fork_add_week_placeholder"],
                            style={"width": "60px"},
                        ),
                        html.Button("Add", id="fork-add-event", className="btn small"),
                    ],
                ),
                html.Div(id="fork-draft-view", className="chips", children=draft_chips({})),
                html.Div(
                    _WEEK["fork_remove_hint"],
                    id=ids.FORK_REMOVE_HINT,
                    className="muted",
                    style={"margin": "8px 6px 2px"},
                ),
                html.Div(
                    dcc.Checklist(id=ids.FORK_REMOVE, options=[], value=[], labelStyle={"display": "block", "fontSize": "12px"}),
                    style={"maxHeight": "120px", "overflowY": "auto", "margin": "0 6px"},
                ),
                html.Div(
                    className="row",
                    style={"marginTop": "8px"},
                    children=[
                        html.Button("Run fork ▶", id=ids.FORK_RUN, className="btn primary"),
                        html.Button("Clear", id=ids.FORK_CLEAR, className="btn"),
                    ],
                ),
                html.Div(id=ids.FORK_STATUS, className="muted", style={"margin": "6px"}),
                dcc.Store(id="fork-draft", data={"overrides": {}, "add": []}),
                cls="tall",
            ),
            card(graph(ids.FORK_TRUST, 300, "Trust: base solid, fork dashed"), cls="wide"),
            card(
                html.H4("Outcomes compared"), html.Div(id=ids.FORK_COMPARE, children=html.P("No fork yet.", className="hint")), cls="wide"
            ),
            card(graph(ids.FORK_ISSUES_BASE, 300, "Issue space, base")),
            card(graph(ids.FORK_ISSUES_ALT, 300, "Issue space, fork")),
            card(graph(ids.FORK_PRESSURE, 300, "Pressure: base solid, fork dashed")),
        ],
    )


def draft_chips(draft: Mapping[str, Any]) -> list[Any]:
    """The fork being prepared, as chips: its parameter changes and added events."""
    chips = [html.Span(f"{parameter_label(k)} = {v:g}", className="chip", title=k) for k, v in (draft.get("overrides") or {}).items()]
    chips += [
        html.Span(f"+ week {e['week']}: {e['sender']} {kind_label(e['kind'])}", className="chip", title=e["kind"])
        for e in draft.get("add") or []
    ]
    return chips or [html.Span("no changes yet", className="muted")]


def ensemble_tab() -> html.Div:
    return html.Div(
        className="grid3",
        children=[
            card(
                html.H4("Ensemble"),
                html.P("Run the current settings with many seeds (the run's seed and the next N − 1).", className="hint"),
                html.Div(
                    className="field",
                    children=[
                        html.Label("Runs"),
                        # no min, max or step, as the seed box: the server refuses a count that is none (-5, 2.5, 6000)
                        dcc.Input(id=ids.ENS_N, type="number", value=200, style={"width": "80px"}),
                        html.Button("Run ensemble ▶", id=ids.ENS_RUN, className="btn primary"),
                        html.Button("Cancel", id=ids.ENS_CANCEL, className="btn"),
                    ],
                ),
                html.Div(id=ids.ENS_PROGRESS, children=progress_bar(0, 0)),
                dcc.Interval(id=ids.ENS_TIMER, interval=250, disabled=True, n_intervals=0),
            ),
            card(graph(ids.ENS_OUTCOMES, 300, "Outcome probabilities appear here"), cls="wide"),
            card(graph(ids.ENS_TRUST, 300, "Trust fan chart"), cls="wide"),
            card(graph(ids.ENS_PRESSURE, 300, "Pressure fan chart")),
            card(graph(ids.ENS_KM_AGREEMENT, 360, "Time to agreement (Kaplan–Meier)"), cls="wide"),
            card(graph(ids.ENS_KM_MORATORIUM, 360, "Moratorium survival (Kaplan–Meier)")),
            card(
                html.H4("The ensemble against the historical record"),
                html.Div(id=ids.ENS_RECORD, children=html.P("Run an ensemble to score it against the record.", className="hint")),
                cls="wide",
            ),
        ],
    )


def progress_bar(done: int, total: int, note: str = "") -> html.Div:
    share = 0 if total <= 0 else 100 * done / total
    text = note or (f"{done} / {total} runs" if total else "not started")
    return html.Div(
        className="row",
        style={"margin": "6px"},
        children=[
            html.Div(className="progress", children=html.Div(style={"width": f"{share:.1f}%"})),
            html.Span(text, className="muted", id="ensemble-progress-text"),
        ],
    )


def build_layout(scenarios: Sequence[str | Mapping[str, str]], default_scenario: str, report_available: bool) -> html.Div:
    """The whole page."""
    return html.Div(
        className="app",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.CONFIG, data=None),
            dcc.Store(id=ids.RUN_INFO, data=None),
            dcc.Store(id=ids.FORK, data=None),
            dcc.Store(id=ids.ENSEMBLE, data=None),
            dcc.Store(id=ids.URL_SINK, data=None),
            dcc.Store(id="timeline-sink", data=None),
            dcc.Store(id=ids.EVENTS_QUERY, data=None),
            dcc.Store(id=ids.PANEL_SCENARIO, data=None),
            top_bar(scenarios, default_scenario, report_available),
            sidebar(),
            html.Div(
                className="main",
                children=[
                    html.Div(id=ids.ERRORS, className="errors", children=[]),
                    html.Div(
                        className="headline",
                        children=[
                            html.H1(id=ids.TITLE, children="…"),
                            html.Span(id=ids.FITTED, style={"display": "none"}),
                            html.Div(id=ids.OUTCOME, className="outcome"),
                        ],
                    ),
                    play_bar(),
                    dcc.Tabs(
                        id=ids.TABS,
                        value="run",
                        className="tabs-bar",
                        children=[
                            dcc.Tab(label="Run", value="run", children=run_tab(), style=TAB_STYLE, selected_style=TAB_SELECTED),
                            dcc.Tab(
                                label="Fork (what if?)", value="fork", children=fork_tab(), style=TAB_STYLE, selected_style=TAB_SELECTED
                            ),
                            dcc.Tab(
                                label="Ensemble", value="ensemble", children=ensemble_tab(), style=TAB_STYLE, selected_style=TAB_SELECTED
                            ),
                            dcc.Tab(
                                label="About this model",
                                value="about",
                                children=about_panel(),
                                style=TAB_STYLE,
                                selected_style=TAB_SELECTED,
                            ),
                        ],
                    ),
                ],
            ),
        ],
    )
