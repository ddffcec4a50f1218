"""The "why" card: one actor's decision at the step on screen, term by term (``summitry explain`` in the browser)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import Dash, Input, Output, State

from summitry.dashboard import ids
from summitry.dashboard.callbacks.common import Out, _emit, browser_step
from summitry.dashboard.layout import isolated
from summitry.dashboard.service import Service
from summitry.sim import figures as F
from summitry.sim.errors import InputError
from summitry.sim.labels import EU_PART_LABELS, unit_word
from summitry.sim.results.runview import run_view, step_unit
from summitry.sim.run import ChoiceExplanation, summit_end
from summitry.sim.scenario.document import Scenario

#: Terms of an action's expected utility shown beside it, the largest in size first.
WHY_TERMS_SHOWN = 3


def why_rows(ex: ChoiceExplanation) -> list[dict[str, str]]:
    """The card's table: each feasible action with its chance, its expected utility and its largest terms."""
    rows = []
    # in forcing mode a leader or third party sends only the record's signals: the table is then its own rule's choice
    for r in ex.rule_rows if ex.rule_rows is not None else ex.rows:
        terms = sorted(r.parts.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:WHY_TERMS_SHOWN]
        rows.append(
            {
                "action": r.label,
                "to": r.receiver_name or "",
                "chance": f"{r.chance:.1%}",
                "eu": f"{r.eu:+.3f}",
                "terms": " · ".join(f"{EU_PART_LABELS[k]} {v:+.2f}" for k, v in terms),
            }
        )
    return rows


def why_actor_options(sc: Scenario) -> list[dict[str, str]]:
    """Whose decision the card can explain: every actor by name, or for a network too large to list, the leaders
    and third parties."""
    leaders = {sd.leader.id: sd.leader.name for sd in sc.sides.values()}
    third = {tp.id: tp.name for tp in sc.third_parties}
    if len(sc.actor_ids()) > F.AGGREGATE_THRESHOLD:
        named = {**leaders, **third}
    else:
        named = {**leaders, **{f.id: f.name for sd in sc.sides.values() for f in sd.factions}, **third}
    return [{"label": name or actor, "value": actor} for actor, name in named.items()]


def why_choice(service: Service, config: Mapping[str, Any] | None, step: Any, actor: Any) -> Out:
    """The card for ``actor`` at ``step`` of the run on screen: ``why_rows`` and ``why_note`` (text, or the actor's
    reading as a list of text and isolated names).

    The browser names the actor and the step; the server checks the actor
    against the scenario and keeps the step within the steps the run reached,
    so a request costs at most one run of the scenario on screen.
    """
    empty = {"why_rows": [], "why_note": ""}
    if not config or not actor:
        return empty
    cfg = service.config(config)
    try:
        sc = service.scenario(cfg["scenario"], cfg["overrides"])
        result = service.result(cfg)
    except InputError:
        return empty
    if not isinstance(actor, str) or actor not in sc.actor_ids():
        return {"why_rows": [], "why_note": "That actor is not in this scenario."}
    try:
        asked = browser_step(step)
    except (TypeError, ValueError):
        asked = 0
    s = min(max(asked, 0), run_view(result).last_step)
    ex = service.explain(cfg, actor, s)
    unit = step_unit(result)
    # the scenario's names and labels isolated from the card's own words (layout.isolated)
    chosen = ex.chosen_row
    forced = [m for m in ex.moves if m.source == "forced"]
    did: list[Any]
    if ex.rule_rows is not None:
        did = ["chooses no signal itself: in forcing mode it sends only the record's; the table is what its own rule would choose"]
    elif chosen is None:
        did = ["did nothing" if not ex.moves else "chose no signal"]
    else:
        did = ["chose ", isolated(chosen.label.lower()), " (", isolated(chosen.receiver_name), ")"]
    for m in forced:
        did += ["; the record makes it send ", isolated(m.kind.replace("_", " ")), *([" to ", isolated(m.receiver)] if m.receiver else [])]
    end = summit_end([m for m in ex.moves if m.source != "forced"])
    note: list[Any] = [
        isolated(ex.name),
        f", {unit_word(unit)} {s} ({ex.date}): ",
        *did,
        *([". ", end.rstrip(".")] if end else []),
        f". Each chance is exp({ex.lambda_q:g} × expected utility) over its sum for the feasible actions",
    ]
    if ex.chooses < 1:
        note += ["; on this clock ", isolated(ex.name), f" chooses at all with chance {ex.chooses:.2f} each {unit_word(unit)}"]
    return {"why_rows": why_rows(ex), "why_note": [*note, "."]}


def _register_why(app: Dash, service: Service) -> None:
    """The "why" card: recomputed when the step on screen or the chosen actor changes."""

    @app.callback(
        Output(ids.WHY_TABLE, "data"),
        Output(ids.WHY_NOTE, "children"),
        Input(ids.SLIDER, "value"),
        Input(ids.WHY_ACTOR, "value"),
        State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )
    def _why(step: Any, actor: Any, config: Any) -> tuple[Any, ...]:
        return _emit(["why_rows", "why_note"], why_choice(service, config, step, actor))
