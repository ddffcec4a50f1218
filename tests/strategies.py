"""Hypothesis builders for valid scenarios (Axelrod's ``strategies.py`` habit).

:func:`scenario_data` draws a scenario as plain data (what a YAML file
holds): 2-3 sides, each with 0-4 factions of random roles whose influence
shares sum to 1, random third parties, random edges among the actors that
exist, random exogenous shocks, a horizon of 5-40 weeks and model parameters
drawn inside :data:`summitry.sim.mechanisms.parameters.DEFAULT_RANGES`. :func:`scenarios`
validates it with :func:`summitry.sim.scenario.document.validate_data`, so every drawn value is
a scenario a user could have written.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms.parameters import DEFAULT_RANGES
from summitry.sim.mechanisms.roles import FACTION_ROLES, THIRD_PARTY_ROLES
from summitry.sim.scenario.document import Scenario, load_raw, validate_data

DIMENSIONS = ("d", "r", "e")
CAPABILITIES = ("sanctions", "relief", "exercises", "tests", "dismantle")
SHOCK_VARS = (
    "stance",
    "anchor",
    "threshold",
    "pressure.economic",
    "pressure.domestic",
    "pressure.military",
    "hostility",
    "sanctions",
    "exercise_credit",
    "demand",
    "perception",
    "rapport",
)

unit = st.floats(0.0, 1.0, allow_nan=False)
maybe_unit = st.none() | unit


@st.composite
def shares(draw: st.DrawFn, n: int) -> list[float]:
    """n non-negative shares summing to 1 (some may be 0)."""
    raw = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n).filter(lambda xs: sum(xs) > 0))
    total = sum(raw)
    return [x / total for x in raw]


@st.composite
def acceptance(draw: st.DrawFn) -> dict[str, float]:
    return {"concession_weight": draw(st.floats(0.0, 3.0)), "threshold": draw(st.floats(-0.5, 1.0))}


@st.composite
def trust_in(draw: st.DrawFn, others: list[str]) -> dict[str, float]:
    chosen = draw(st.lists(st.sampled_from(others), unique=True)) if others else []
    return {s: draw(st.floats(0.01, 0.99)) for s in chosen}


@st.composite
def side(draw: st.DrawFn, c: int, side_ids: list[str], dims: list[str]) -> dict[str, Any]:
    sid = side_ids[c]
    others = [s for s in side_ids if s != sid]
    # signed utility weights: side 0 gains d and gives r, side 1 the reverse, others at random (one gain, one give at least)
    if c < 2:
        gain, give = ("d", "r") if c == 0 else ("r", "d")
    else:
        gain, give = draw(st.permutations(dims))[:2]
    utility = {gain: draw(st.floats(0.2, 2.0)), give: -draw(st.floats(0.2, 2.0))}
    for d in dims:
        if d not in utility:
            utility[d] = draw(st.floats(-1.0, 1.0))
    w = draw(shares(3))
    n_factions = draw(st.integers(0, 4))
    fshares = draw(shares(n_factions)) if n_factions else []
    factions = []
    for k in range(n_factions):
        factions.append(
            {
                "id": f"{sid}f{k}",
                "name": f"Faction {k} of {sid}",
                "role": draw(st.sampled_from(FACTION_ROLES)),
                "stance": draw(unit),
                "susceptibility": draw(maybe_unit),
                "influence": fshares[k],
                "acceptance": draw(acceptance()),
                "patience": draw(st.floats(0.9, 1.0)),
                "erosion_belief": draw(st.floats(0.0, 0.05)),
                "horizon": draw(st.floats(0.0, 52.0)),
                "listens_to_leader": draw(unit),
                "trust": draw(trust_in(others)),
            }
        )
    return {
        "name": f"Side {sid}",
        "position": draw(maybe_unit),
        "audience_cost": draw(unit),
        "ratification_threshold": draw(st.none() | st.floats(0.3, 0.9)),
        "utility": utility,
        "pressure_weights": {"economic": w[0], "domestic": w[1], "military": w[2]},
        "initial": {k: draw(unit) for k in ("economic", "domestic", "military", "sanctions", "hostility")},
        "domestic": draw(st.sampled_from(["audience", "elite"])),
        "capabilities": draw(st.lists(st.sampled_from(CAPABILITIES), unique=True)),
        "leader": {
            "id": f"{sid}L",
            "name": f"Leader of {sid}",
            "stance": draw(unit),
            "susceptibility": draw(maybe_unit),
            "self_weight": draw(unit),
            "acceptance": draw(acceptance()),
            "traits": {
                "impulsiveness": draw(unit),
                "ego": draw(unit),
                "risk_tolerance": draw(unit),
                "patience": draw(st.floats(0.9, 1.0)),
            },
            "type": draw(st.sampled_from([None, "T", "U"])),
            "trust": draw(trust_in(others)),
        },
        "factions": factions,
    }


@st.composite
def third_party(draw: st.DrawFn, m: int, side_ids: list[str]) -> dict[str, Any]:
    role = draw(st.sampled_from(THIRD_PARTY_ROLES))
    client = draw(st.sampled_from(side_ids)) if role != "mediator" else draw(st.none() | st.sampled_from(side_ids))
    return {
        "id": f"tp{m}",
        "name": f"Third party {m}",
        "role": role,
        "position": draw(unit),
        "stake": draw(unit),
        "client": client,
        "enforcement": draw(unit),
        "laxity": draw(st.floats(0.0, 0.6)),
        "stance": draw(unit),
        "susceptibility": draw(maybe_unit),
        "domestic": draw(unit),
        "trust": draw(trust_in(side_ids)),
    }


@st.composite
def parameters(draw: st.DrawFn) -> dict[str, Any]:
    """A random subset of the sweepable parameters, each inside its DEFAULT_RANGES range."""
    names = draw(st.lists(st.sampled_from(sorted(DEFAULT_RANGES)), unique=True))
    out: dict[str, Any] = {n: draw(st.floats(*DEFAULT_RANGES[n])) for n in names}
    out["trust_model"] = draw(st.sampled_from(["logit", "beta"]))
    # durations in weeks: whole weeks, or a fraction from a day up (ODD 3.1)
    lo = draw(st.one_of(st.integers(1, 10), st.floats(1 / 7, 10)))
    out["tau_prep_min"] = lo
    out["tau_prep_max"] = draw(st.one_of(st.integers(math.ceil(lo), 14), st.floats(lo, 14)))
    out["e_weeks"] = draw(st.one_of(st.integers(1, 6), st.floats(1 / 7, 6)))
    return out


@st.composite
def shock(draw: st.DrawFn, horizon: int, leaders: list[str]) -> dict[str, Any]:
    effects = [
        {
            "var": draw(st.sampled_from(SHOCK_VARS)),
            "who": draw(st.sampled_from(["receiver", "principals"])),
            "delta": draw(st.floats(-0.5, 0.5)),
        }
        for _ in range(draw(st.integers(1, 2)))
    ]
    return {
        "week": draw(st.integers(0, horizon - 1)),
        "kind": "shock",
        "receiver": draw(st.none() | st.sampled_from(leaders)),
        "effects": effects,
        "text": "A shock",
    }


@st.composite
def scenario_data(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario as the plain data a scenario file holds (not yet validated)."""
    n_sides = draw(st.integers(2, 3))
    n_dims = draw(st.integers(2, 3))
    dims = list(DIMENSIONS[:n_dims])
    side_ids = [f"s{c}" for c in range(n_sides)]
    horizon = draw(st.integers(5, 40))
    sides = {sid: draw(side(c, side_ids, dims)) for c, sid in enumerate(side_ids)}
    tps = [draw(third_party(m, side_ids)) for m in range(draw(st.integers(0, 3)))]
    actors = [s["leader"]["id"] for s in sides.values()] + [f["id"] for s in sides.values() for f in s["factions"]] + [t["id"] for t in tps]
    pairs = st.tuples(st.sampled_from(actors), st.sampled_from(actors)).filter(lambda p: p[0] != p[1])
    edges = [{"listener": a, "speaker": b, "weight": draw(st.floats(0.01, 1.0))} for a, b in draw(st.lists(pairs, max_size=8, unique=True))]
    status = draw(st.sampled_from(["none", "offered", "scheduled"]))
    summit: dict[str, Any] = {"sides": ["s0", "s1"], "status": status}
    if status == "offered":
        summit["offered_by"] = draw(st.sampled_from(["s0", "s1"]))
    if status == "scheduled":
        summit["week"] = draw(st.integers(0, horizon - 1))
    leaders = [s["leader"]["id"] for s in sides.values()]
    return {
        "name": "generated",
        "title": "A generated scenario",
        "description": "Drawn by tests/strategies.py.",
        "mode": "free",
        "time": {"start": "2020-01-06", "step_days": 7, "steps": horizon},
        "issues": [{"id": d, "label": d.upper()} for d in dims],
        "grid_points": draw(st.integers(3, 21 if n_dims == 2 else 9)),
        "agreement": {"comprehensive": {"d": [0.7, 1.0]}, "interim": {"d": [0.3, 1.0], "r": [0.01, 1.0]}},
        "summit": summit,
        "sides": sides,
        "third_parties": tps,
        "influence": edges,
        "events": [draw(shock(horizon, leaders)) for _ in range(draw(st.integers(0, 3)))],
        "parameters": draw(parameters()),
    }


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A validated :class:`~sim.scenario.document.Scenario`."""
    return validate_data(draw(scenario_data()), "<generated>")


@st.composite
def seeds(draw: st.DrawFn) -> int:
    return draw(st.integers(0, 2**31 - 1))


# ------------------------------------------------------------------ built-in scenarios, edited by hand


def edited(name: str, edit: Callable[[dict[str, Any]], None] | None = None) -> Scenario:
    """The built-in scenario ``name`` with ``edit`` applied to a copy of its data, validated with the file's lines."""
    data, lines, source = load_raw(name)
    data = copy.deepcopy(data)
    if edit is not None:
        edit(data)
    return validate_data(data, source, lines)


def member(data: dict[str, Any], actor: str) -> dict[str, Any]:
    """The leader or faction ``actor`` in scenario ``data`` (a dict to edit in place)."""
    for side in data["sides"].values():
        if side["leader"]["id"] == actor:
            return side["leader"]  # type: ignore[no-any-return]
        for f in side.get("factions", []):
            if f["id"] == actor:
                return f  # type: ignore[no-any-return]
    raise KeyError(actor)


def summit_ready(sc: Scenario, **params: float) -> DiplomacyModel:
    """A model of ``sc`` (parameters changed by ``params``) at week 0 with a week's accumulators zeroed, so that a
    summit can be held by hand (``model._hold_summit(model.week)``)."""
    sc2 = sc.model_copy(update={"parameters": sc.parameters.model_copy(update=params)})
    model = DiplomacyModel(sc2, seed=0)
    n = len(model.actor_ids)
    model._u = np.zeros(n)
    model._vindication = np.zeros(n)
    model._received_affect = np.zeros(n)
    return model


def logged(model: DiplomacyModel, kind: str) -> list[tuple[int, str, str, str, str]]:
    """(step, sender, receiver, source, detail) of every event of ``kind`` in a model's log, in order."""
    return [(e["step"], e["sender"], e["receiver"], e["source"], e["detail"]) for e in model.events if e["kind"] == kind]
