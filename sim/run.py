"""One run of the engine: a scenario, its overrides and a seed -> a :class:`~sim.results.run_result.RunResult`.

Also a fork of a run at a week (:func:`run_fork`), and the metrics and the
bargaining description a result carries, read from the finished model. What a
result holds, and how it is saved and loaded, is :mod:`summitry.sim.results.run_result`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.errors import InputError
from summitry.sim.labels import outcome_label
from summitry.sim.mechanisms.roles import FORCING_ROLES
from summitry.sim.results.run_result import EVENT_SCHEMA, RunResult, _jsonable, versions
from summitry.sim.scenario.document import Scenario, document_hash
from summitry.sim.scenario.overrides import canonical, parameter_value


def metrics_of(model: DiplomacyModel) -> dict[str, Any]:
    """Per-run outputs of ODD 4.11."""
    sm = model.summit
    s = model.state
    mu = model.trust_matrix()
    a, b = (int(c) for c in model.summit_sides)
    la, lb = int(model.leader_of[a]), int(model.leader_of[b])
    T = model.horizon
    agreement_week = model.agreement["week"] if model.agreement else None
    zone = np.asarray(model.recorder.world["zone_area"], dtype=float)
    hl = [i for i in model.members[b] if model.roles[i] == "hardliner"]
    survival = None
    if model.first_pledge_week >= 0:
        end = model.first_test_after_pledge if model.first_test_after_pledge >= 0 else model.week
        survival = end - model.first_pledge_week
    return {
        "summit_held": sm.held > model.scenario.summit.held,
        "first_summit_week": sm.first_week if sm.first_week >= 0 else None,
        "summits": sm.held - model.scenario.summit.held,
        "summit_results": list(sm.results),
        "cancellations": sm.cancellations,
        "reinstated": sm.reinstated,
        "walk_away": "walk_away" in sm.results,
        "walked_by": list(sm.walked_by),
        "agreement_type": model.agreement["type"] if model.agreement else None,
        "agreement_week": agreement_week,
        "agreement_point": model.agreement["point"] if model.agreement else None,
        "time_to_agreement": agreement_week if agreement_week is not None else T,
        "agreement_censored": agreement_week is None,
        # life after signing (ODD 7.20): how far the latest agreement got, and the step of each stage it reached
        "agreements_signed": len(model.agreements),
        "agreement_stage": model.agreement["stage"] if model.agreement else None,
        "agreement_stages": dict(model.agreement["stages"]) if model.agreement else None,
        "escalation": model.escalated_week >= 0,
        "escalation_week": model.escalated_week if model.escalated_week >= 0 else None,
        "moratorium_survival": survival,
        "moratorium_censored": model.first_test_after_pledge < 0 if model.first_pledge_week >= 0 else None,
        "steps_run": model.week,
        "final_trust": {
            f"{model.actor_ids[la]}->{model.side_ids[b]}": float(mu[la, b]),
            f"{model.actor_ids[lb]}->{model.side_ids[a]}": float(mu[lb, a]),
        },
        "final_pressure": {sid: float(s.pressure[c]) for c, sid in enumerate(model.side_ids)},
        "final_tension": float(s.tension),
        "final_zone_area": float(s.zone_area),
        "mean_zone_area": float(zone.mean()) if zone.size else 0.0,
        "hardliner_influence": float(sum(s.omega[i] for i in hl)),
        "signals_sent": model.events.count_source(("chosen", "forced")),
    }


def canonical_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides by canonical path, with the values the run actually used."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        try:
            path = canonical(scenario, key)
            out[path] = parameter_value(scenario, path)
        except KeyError:
            out[key] = value
    return out


def bargaining_spec(model: DiplomacyModel) -> dict[str, Any]:
    """What a figure needs to redraw each side's win-set from the series (thresholds, influence)."""
    sc = model.scenario
    return {
        "grid_points": sc.grid_points,
        "dimensions": model.dims,
        "agreement": {k: {d: list(v) for d, v in box.items()} for k, box in sc.agreement.items()},
        "sides": {
            sid: {
                "utility": {d: float(sc.sides[sid].utility.get(d, 0.0)) for d in model.dims},
                "theta": float(model.theta[c]),
                "members": {model.actor_ids[i]: float(model.state.concession_weight[i]) for i in model.members[c]},
            }
            # a curved cost of giving only where a side has one (ODD 7.1; other run files keep their bytes)
            | ({"curvature": float(sc.sides[sid].concession_curvature)} if sc.sides[sid].concession_curvature != 1.0 else {})
            # veto players only where a side has them (older run files keep their bytes)
            | ({"vetoes": [model.actor_ids[i] for i in model.vetoes(c)]} if model.vetoes(c).size else {})
            # stated bounds and constraints only where members have them (ODD 7.1; other run files keep their bytes)
            | (
                {"limits": {model.actor_ids[i]: model.limit_specs[i] for i in model.members[c] if model.limit_specs[i]}}
                if any(model.limit_specs[i] for i in model.members[c])
                else {}
            )
            for c, sid in enumerate(model.side_ids)
        },
    }


def run_scenario(
    scenario: Scenario,
    seed: int = 0,
    steps: int | None = None,
    mode: str | None = None,
    series_stride: int = 1,
    overrides: Mapping[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    null_rates: dict[str, dict[str, float]] | None = None,
    ablations: frozenset[str] | tuple[str, ...] = (),
) -> RunResult:
    """Run ``scenario`` to its end (or ``steps``) and return the result.

    A pure function of (scenario, seed, steps, mode, engine version). With
    ``null_rates`` (actor id -> kind -> weekly probability) the actors choose
    at random with those rates instead of by the decision rule (the null
    model of backtests). ``ablations`` switches mechanisms off (see
    :data:`summitry.sim.engine.model.ABLATIONS`).
    """
    model = DiplomacyModel(
        scenario, seed=seed, mode=mode, steps=steps, series_stride=series_stride, null_rates=null_rates, ablations=ablations
    )
    total = model.horizon
    while model.running:
        model.step()
        if progress is not None:
            progress(model.week, total)
    return result_of(model, overrides)


def run_fork(
    scenario: Scenario,
    fork_step: int,
    fork_scenario: Scenario,
    seed: int = 0,
    steps: int | None = None,
    mode: str | None = None,
    series_stride: int = 1,
    overrides: Mapping[str, Any] | None = None,
) -> RunResult:
    """A counterfactual: run ``scenario`` to ``fork_step``, then continue under ``fork_scenario``.

    Both branches share the seed and, up to ``fork_step``, every draw; the
    fork changes parameters, traits and future events, not the past.
    """
    model = DiplomacyModel(scenario, seed=seed, mode=mode, steps=steps, series_stride=series_stride)
    while model.running and model.week < fork_step:
        model.step()
    if not model.running:
        # nothing runs after the fork: forking a finished run would only redraw its end state under other parameters
        unit = model.clock.unit
        raise InputError(
            f"fork at {unit} {fork_step}: the run ended in {unit} {model.week - 1} ({outcome_label(model.outcome)}); "
            f"a fork must come at or before its last {unit}"
        )
    forked = model.fork(fork_scenario)
    while forked.running:
        forked.step()
    result = result_of(forked, overrides)
    result.manifest["fork"] = {"from_scenario_hash": scenario.content_hash(), "at_step": int(fork_step)}
    return result


def result_of(model: DiplomacyModel, overrides: Mapping[str, Any] | None = None) -> RunResult:
    """Package a finished model as a :class:`RunResult`."""
    scenario = model.scenario
    seed = model.seed
    total = model.horizon
    series_stride = model.series_stride
    events = model.events.to_table(EVENT_SCHEMA)
    document = scenario.model_dump(mode="json")
    manifest = {
        "scenario": scenario.name,
        "title": scenario.title,
        # Scenario.content_hash() of the document, without dumping the scenario twice
        "scenario_hash": document_hash(document),
        "seed": int(seed),
        "mode": model.mode,
        "steps": total,
        "series_stride": series_stride,
        "start": scenario.time.start.isoformat(),
        "step_days": scenario.time.step_days,
        "step_unit": scenario.time.clock.unit,
        "overrides": canonical_overrides(scenario, overrides or {}),
        "parameters": scenario.parameters.model_dump(mode="json"),
        "sides": {sid: {"name": side.name, "leader": side.leader.id} for sid, side in scenario.sides.items()},
        "actors": [
            {"id": a, "name": n, "side": model.side_ids[c] if c >= 0 else None, "role": str(r)}
            for a, n, c, r in zip(model.actor_ids, model.actor_names, model.side_of.tolist(), model.roles, strict=False)
        ],
        "summit_sides": [model.side_ids[int(c)] for c in model.summit_sides],
        "dimensions": model.dims,
        "influence_edges": [
            {"listener": u, "speaker": v, "weight": float(d["weight"]), "kind": d["kind"]}
            for u, v, d in model.graph.edges(data=True)
            if u != v
        ],
        "bargaining": bargaining_spec(model),
        "true_types": {sid: ("T" if model.state.is_t[c] else "U") for c, sid in enumerate(model.side_ids)},
        "outcome": model.outcome,
        "metrics": metrics_of(model),
        "versions": versions(),
    }
    return RunResult(manifest=_jsonable(manifest), events=events, series=model.recorder.to_table(), scenario_document=document)


class RunEndedError(ValueError):
    """The run ended (an agreement, an escalation) before the step :func:`explain_choice` was asked about."""

    def __init__(self, last: int, outcome: str) -> None:
        super().__init__(f"the run ended at step {last} ({outcome})")
        self.last = last
        self.outcome = outcome


@dataclass(frozen=True)
class ChoiceRow:
    """One action an actor could take in a week: its expected utility, its chance and the terms that make it up."""

    action: str  # "nothing" or a signal kind
    receiver: str | None  # actor id; "principals" for a kind addressed to both summit leaders
    label: str  # the kind's label ("Nothing" for nothing)
    receiver_name: str | None  # the receiver's name ("both principals" for a kind addressed to both)
    eu: float
    chance: float  # of the logit quantal response among the feasible actions (ODD 7.16)
    parts: dict[str, float]  # the nonzero terms of policy.EU_PARTS


@dataclass(frozen=True)
class RunMove:
    """A row of the run's log at the explained step that the actor's own choice did not make (:class:`ChoiceExplanation`)."""

    kind: str
    sender: str
    receiver: str  # an actor id, "a+b" for both principals, or "" for none
    source: str  # "forced" (the record's: in forcing mode, or of mode always), "summit" or "derived" (a walk-away, a pledge breach)
    detail: str
    text: str
    sender_name: str


@dataclass(frozen=True)
class ChoiceExplanation:
    """Why an actor chose what it did in one week of a run (:func:`explain_choice`)."""

    actor: str
    name: str
    week: int
    date: str
    lambda_q: float
    chooses: float  # the chance the actor chooses at all this step (choice_rate on a step shorter than a week)
    rows: list[ChoiceRow]  # the feasible actions, the likeliest first
    chosen: str  # what the run's actor did: "nothing" or "<kind> -> <receiver>"
    chosen_row: ChoiceRow | None  # the row of what it did (None: it did nothing)
    # in forcing mode a leader or third party chooses nothing itself (its ``rows`` are "nothing" alone): what its own
    # rule would have chosen, every action its rule finds feasible, the likeliest first; None where the actor chooses
    rule_rows: list[ChoiceRow] | None = None
    # what the same run did at that step with the actor beyond its own choice, in log order: the record's signals it
    # sends (in forcing mode, or of mode always) and the summit's events it takes part in (a summit held, a walk-away)
    moves: list[RunMove] = field(default_factory=list)
    # the text ("" if it has none) of the record's summit the run holds at that step with the actor, on the record's
    # date (forcing mode, or an event of mode always), not one the agents arranged; None where there is none
    record_summit: str | None = None


def explain_choice(scenario: Scenario, actor: str, week: int, seed: int = 0, mode: str | None = None) -> ChoiceExplanation:
    """The decision rule of ``actor`` at ``week`` of the run (``scenario``, ``seed``, ``mode``), term by term.

    Runs the model to ``week``, applies that week's calendar, and reads the
    state the choices read (ODD 3, step 2): each feasible action's expected
    utility, split into the terms of :data:`summitry.agents.policy.EU_PARTS`,
    and its quantal-response chance. The reading leaves the run as it was
    (its random stream included), so ``chosen`` is what the same run does
    that week, and ``moves`` what else it did with the actor that week (the
    record's signals in forcing mode, the summit's events; ``record_summit``
    if the summit is the record's, held on its date). In forcing mode a
    leader or third party chooses nothing itself; ``rule_rows`` are then what
    its own rule would have chosen.
    """
    if actor not in scenario.actor_ids():
        raise KeyError(actor)
    model = DiplomacyModel(scenario, seed=seed, mode=mode)
    if not 0 <= week < model.horizon:
        raise IndexError(week)
    seen: dict[str, Any] = {}

    def read(m: DiplomacyModel) -> None:
        if m.week != week:
            return
        state = m.rng.bit_generator.state
        parts, _feasible = policy.expected_utility_parts(m)
        eu, fast_feasible = policy.expected_utilities(m)
        m.rng.bit_generator.state = state
        i = m.index_of[actor]
        own = fast_feasible[i].copy()  # what its own rule may choose
        own[0] = True
        f = own.copy()
        record_only = m.mode == "forcing" and m.roles[i] not in FORCING_ROLES
        if record_only:
            f[1:] = False  # leaders and third parties only send the record's signals
        seen.update(i=i, parts=parts, eu=eu[i], feasible=f, chance=_logit(f, eu[i], m.params.lambda_q))
        if record_only:
            seen.update(rule_feasible=own, rule_chance=_logit(own, eu[i], m.params.lambda_q))

    model.before_choice = read
    while model.running and model.week <= week:
        model.step()
    model.before_choice = None
    if not seen:
        raise RunEndedError(model.week - 1, str(result_of(model).outcome))
    i = seen["i"]
    names = ["nothing", *model.kinds]

    def choice_rows(feasible: np.ndarray, chance: np.ndarray) -> list[ChoiceRow]:
        rows = []
        for k in np.flatnonzero(feasible).tolist():
            receiver = None if k == 0 else model.receiver_of(i, names[k])
            rows.append(
                ChoiceRow(
                    action=names[k],
                    receiver=None if receiver is None else "principals" if receiver < 0 else model.actor_ids[receiver],
                    label="Nothing" if k == 0 else model.catalogue[names[k]].label,
                    receiver_name=None if receiver is None else "both principals" if receiver < 0 else model.actor_names[receiver],
                    eu=float(seen["eu"][k]),
                    chance=float(chance[k]),
                    parts={p: float(v[i, k]) for p, v in seen["parts"].items() if v[i, k] != 0.0},
                )
            )
        rows.sort(key=lambda r: (-r.chance, r.action))
        return rows

    rows = choice_rows(seen["feasible"], seen["chance"])
    rule_rows = choice_rows(seen["rule_feasible"], seen["rule_chance"]) if "rule_feasible" in seen else None
    chosen = "nothing"
    chosen_row = None
    logged = list(model.events.rows_of_step(week))
    first = next((r for r in logged if r["sender"] == actor and r["source"] == "chosen"), None)
    if first is not None:
        chosen = f"{first['kind']} -> {first['receiver']}" if first["receiver"] else str(first["kind"])
        chosen_row = next((r for r in rows if r.action == first["kind"]), None)
    names_of = dict(zip(model.actor_ids, model.actor_names, strict=True))
    moves = [
        RunMove(
            kind=str(r["kind"]),
            sender=str(r["sender"] or ""),
            receiver=str(r["receiver"] or ""),
            source=str(r["source"]),
            detail=str(r["detail"] or ""),
            text=str(r["text"] or r["kind"]),
            sender_name=names_of.get(str(r["sender"] or ""), "") or str(r["sender"] or ""),
        )
        for r in logged
        if (r["source"] == "forced" and r["sender"] == actor)
        or (r["source"] in ("summit", "derived") and actor in (r["sender"], *str(r["receiver"] or "").split("+")))
    ]
    held = any(m.kind == "summit_held" for m in moves)
    dated = [str(ev.text or "") for ev in model.scheduled_events.get(week, []) if ev.kind == "summit"]
    return ChoiceExplanation(
        actor=actor,
        name=model.actor_names[i],
        week=week,
        date=model.date_of(week),
        lambda_q=float(model.params.lambda_q),
        chooses=model.clock.choice_probability(model.params.choice_rate) if week > 0 else 1.0,
        rows=rows,
        chosen=chosen,
        chosen_row=chosen_row,
        rule_rows=rule_rows,
        moves=moves,
        record_summit=dated[0] if held and dated else None,
    )


def _logit(feasible: np.ndarray, eu: np.ndarray, lambda_q: float) -> np.ndarray:
    """The chances of the logit quantal response over the feasible actions (ODD 7.16); 0 for the others."""
    z = np.where(feasible, lambda_q * np.where(feasible, eu, 0.0), -np.inf)
    w = np.where(feasible, np.exp(z - z.max()), 0.0)
    return w / w.sum()


def summit_end(moves: Sequence[RunMove]) -> str:
    """How a summit held with the actor at the explained step ended: who walked away, or what was signed; "" if none."""
    for m in moves:
        if m.kind == "walk_away":
            return f"The summit ended in a walk-away: {m.sender_name} ({m.sender}) walked away."
        if m.kind == "agreement":
            return f"The summit ended in an agreement ({m.detail})." if m.detail else "The summit ended in an agreement."
        if m.kind == "declaration":
            return "The summit ended in a declaratory statement without a substantive deal."
    if any(m.kind in ("summit_held", "summit_round") for m in moves):
        return "The summit is still in session at the end of this step."
    return ""
