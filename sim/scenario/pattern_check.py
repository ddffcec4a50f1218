"""Whether a scenario's historical patterns can be scored: known event kinds, actors and series variables.

The rules the backtest applies before scoring, kept below the scenario
module so that validating a file checks them at once (a misspelt name is an
error, not a pattern that silently never matches).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from summitry.sim.labels import unit_word
from summitry.sim.scenario.loading import close_matches, near_or_listed
from summitry.sim.scenario.pattern_fields import scored_weeks
from summitry.sim.series_names import AGENT_VARS, SIDE_VARS, THIRD_VARS, WORLD_VARS

if TYPE_CHECKING:
    from summitry.sim.scenario.document import Scenario
    from summitry.sim.scenario.pattern_fields import Pattern

ENGINE_KINDS: frozenset[str] = frozenset(
    {
        "summit_scheduled",
        "summit_reinstated",
        "summit_held",
        "offer_rejected",
        "summit_round",
        "mediator_press",
        "side_payment",
        "text_signed",
        "agreement",
        "declaration",
        "blame",
        "escalation",
        "stalemate",
        "shock",
        "ratified",
        "ratification_failed",
        "agreement_implemented",
        "agreement_collapsed",
        "guarantor_enforces",
    }
)
"""Event kinds the engine logs besides the signal catalogue's (summits, outcomes, shocks)."""


def pattern_problems(scenario: Scenario) -> list[str]:
    """What stops a scenario's patterns from being scored: unknown kinds or actors, no weight."""
    problems: list[str] = []
    if not scenario.patterns:
        return ["patterns: the scenario has no historical patterns to score (add a patterns: list; see docs/scenarios.md)"]
    kinds = set(scenario.catalogue) | ENGINE_KINDS
    actors = set(scenario.actor_ids())
    seen: set[str] = set()
    for i, p in enumerate(scenario.patterns):
        if p.id in seen:
            problems.append(f"patterns[{i}].id: duplicate pattern id {p.id!r}")
        seen.add(p.id)
        named = [("kind", p.kind)] if isinstance(p.kind, str) or p.kind is None else [(f"kind[{j}]", k) for j, k in enumerate(p.kind)]
        for name, value in (*named, ("before", p.before), ("after", p.after), ("given", p.given)):
            if value is not None and value not in kinds:
                problems.append(f"patterns[{i}].{name}: unknown event kind {value!r}{_near(value, kinds)}")
        for name, value in (("sender", p.sender), ("receiver", p.receiver)):
            if value is not None and value not in actors:
                problems.append(f"patterns[{i}].{name}: {unknown_actor(value, scenario)}")
        problems.extend(_window_problems(scenario, p, i))
        if p.state is not None:
            problems.extend(_state_problems(scenario, p, i))
        if p.order is not None:
            problems.extend(_order_problems(scenario, p, i))
    if sum(p.weight for p in scenario.patterns) <= 0:
        problems.append("patterns: every pattern has weight 0; at least one needs a positive weight")
    return problems


def unknown_actor(name: str, scenario: Scenario) -> str:
    """What to say of ``name`` where an actor id goes and no actor has it: a side's id is named as a side, with its
    leader's id; another id with the ids close to it, or the scenario's ids when none is close."""
    if name in scenario.sides:
        return f"{name!r} is a side, not an actor; name an actor, e.g. its leader {scenario.sides[name].leader.id!r}"
    return f"unknown actor {name!r}{near_or_listed(name, scenario.actor_ids(), 'actors')}"


def series_variables(scenario: Scenario) -> dict[str, set[str]]:
    """{agent of the series: the variables recorded for it} (sim/engine/recorder.py's names), for checking state patterns."""
    side_of = {}
    for sid, side in scenario.sides.items():
        side_of[side.leader.id] = sid
        side_of.update({f.id: sid for f in side.factions})
    out: dict[str, set[str]] = {}
    for a in scenario.actor_ids():
        own = side_of.get(a)
        out[a] = set(AGENT_VARS) | {f"trust_{c}" for c in scenario.sides if c != own}
        if a in side_of and scenario.sides[side_of[a]].leader.id == a:
            out[a] |= {f"rapport_{c}" for c in scenario.sides if c != own}
    for t in scenario.third_parties:
        out[t.id] |= set(THIRD_VARS) | {f"rapport_{c}" for c in scenario.sides}
    for sid in scenario.sides:
        out[sid] = set(SIDE_VARS)
    out["world"] = set(WORLD_VARS)
    return out


def _window_problems(scenario: Scenario, p: Pattern, i: int) -> list[str]:
    """A window the run cannot score: one that starts after the run's last step, a state pattern's that ends after it,
    or a restraint's with no step that can break it.

    An event or order pattern's window that only runs past the last step is scored over the steps the run has
    (the record can go on after the modelled months); one that lies wholly after it would show every run failing
    a present pattern, and an absent pattern counted in no run at all.
    """
    steps = scenario.time.steps
    unit = unit_word(scenario.time.clock.unit)
    if p.window[0] > steps - 1:
        return [
            f"patterns[{i}].window: starts at {unit} {p.window[0]}, after the run's last {unit} ({steps - 1}); a window must start within the run"
        ]
    if p.state is not None and p.window[1] > steps - 1:
        # a state pattern measures the series at every step of its window: each must be one the run records
        return [f"patterns[{i}].window: {unit} {p.window[1]} is past the run's last {unit} ({steps - 1})"]
    lo, hi = scored_weeks(p, steps)
    if lo > hi:
        # only a restraint with a tolerance: an event at its window's edge breaks it by nothing, so a window of two steps,
        # or one that starts on the run's last step, has no step at which the pattern can be broken
        inside = [str(w) for w in range(p.window[0], min(p.window[1], steps - 1) + 1)]  # one or two: the edges
        which = f"only {unit} inside it is {inside[0]}" if len(inside) == 1 else f"{unit}s inside it are {' and '.join(inside)}"
        return [
            f"patterns[{i}].window: no {unit} of the run can break it: with tolerance {p.tolerance} an event on the window's "
            f"first or last {unit} does not count, and the run's {which}; widen the window or give tolerance: 0"
        ]
    return []


def _state_problems(scenario: Scenario, p: Pattern, i: int) -> list[str]:
    assert p.state is not None
    known = series_variables(scenario)
    agent, var = p.state.agent, p.state.variable
    if agent not in known:
        near = close_matches(agent, sorted(known), n=3)
        if near:
            hint = f" (did you mean {', '.join(repr(k) for k in near)}?)"
        else:
            actors = scenario.actor_ids()
            shown = ", ".join(actors[:12]) + (f" and {len(actors) - 12} more" if len(actors) > 12 else "")
            hint = f"; the series has actors ({shown}), sides ({', '.join(scenario.sides)}) and 'world'"
        return [f"patterns[{i}].state.agent: unknown agent {agent!r}{hint}"]
    if var not in known[agent]:
        return [f"patterns[{i}].state.variable: {agent!r} has no variable {var!r}; it has {', '.join(sorted(known[agent]))}"]
    return []


def _near(word: str, options: set[str]) -> str:
    near = close_matches(word, sorted(options), n=3)
    return f" (did you mean {', '.join(repr(k) for k in near)}?)" if near else ""


def _order_problems(scenario: Scenario, p: Pattern, i: int) -> list[str]:
    """An order pattern's two patterns: ids of the scenario's event or state patterns that can be met at a step."""
    assert p.order is not None
    by_id = {q.id: q for q in scenario.patterns}
    out = []
    for end in ("first", "then"):
        ref = getattr(p.order, end)
        q = by_id.get(ref)
        if q is None or q is p:
            others = set(by_id) - {p.id}
            out.append(f"patterns[{i}].order.{end}: no other pattern has id {ref!r}{_near(ref, others)}")
        elif q.order is not None:
            out.append(f"patterns[{i}].order.{end}: {ref!r} is an order pattern; name an event or state pattern")
        elif q.restraint_limit is not None:
            out.append(f"patterns[{i}].order.{end}: {ref!r} is an absent or at-most pattern, which is never met at a step")
    return out


def loc_of(problem: str) -> tuple[str | int, ...]:
    """The location a problem message starts with: ``patterns[3].state.variable: ...`` -> ("patterns", 3, "state", "variable").

    >>> loc_of("patterns[3].state.variable: unknown")
    ('patterns', 3, 'state', 'variable')
    """
    head = problem.split(": ", 1)[0]
    loc: list[str | int] = []
    for part in head.split("."):
        name, *idx = part.replace("]", "").split("[")
        loc.append(name)
        loc.extend(int(i) for i in idx if i.isdigit())
    return tuple(loc)
