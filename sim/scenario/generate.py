"""Synthetic scenarios of any size, for scale tests and benchmarks.

``generate(agents=10_000, edges=100_000, sides=2, seed=1)`` returns the data
of a valid scenario: factions of every role, third parties, a scale-free or
small-world influence graph, the default signal catalogue and a few events.

**Crowds of factions.** The default catalogue is written for inner circles
of a handful of factions: one hardliner faction's threat raises its side's
hostility by 0.05. A side of thousands of factions would then saturate
hostility, tension and trust within a week and every run would escalate at
once. So the generated file overrides the kinds factions send to the other
side (:func:`crowd_signals`): a faction's side-level effects and its trust
effect are divided by the number of factions that may send the kind, so in
those effects a crowd in which every eligible faction acts weighs as much as
one sender of the default catalogue. Costs, vindication and affect still
count per sender (a week of many envoy talks raises a side's unreciprocated
concessions by each talk's cost). Leaders keep the default kinds (a faction threat is
its own kind, ``faction_threat``); lobbying, already weighted by the
lobbying faction's influence, is unchanged.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import numpy as np

from summitry.sim.mechanisms.roles import FACTION_ROLES, ROLES
from summitry.sim.mechanisms.signals import DEFAULT_CATALOGUE

ROLE_STANCE = {r: ROLES[r].stance for r in FACTION_ROLES}


def generate(
    agents: int = 1000,
    edges: int = 10_000,
    sides: int = 2,
    seed: int = 1,
    graph: Literal["scale-free", "small-world"] = "scale-free",
    steps: int = 100,
) -> dict[str, Any]:
    """Data of a valid synthetic scenario (validate with sim.scenario.document.validate_data)."""
    if sides < 2:
        raise ValueError("sides must be at least 2")
    n_tp = max(1, sides)
    n_factions = agents - sides - n_tp
    if n_factions < sides:
        raise ValueError(f"agents must be at least {3 * sides + n_tp} for {sides} sides")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    side_ids = [f"side{c}" for c in range(sides)]
    per_side = np.full(sides, n_factions // sides)
    per_side[: n_factions % sides] += 1
    sides_data: dict[str, Any] = {}
    faction_ids: list[list[str]] = []
    for c, sid in enumerate(side_ids):
        factions = _factions(rng, sid, int(per_side[c]))
        faction_ids.append([f["id"] for f in factions])
        sides_data[sid] = _side(rng, c, side_ids, factions)
    leaders = [f"{sid}-leader" for sid in side_ids]
    influence = _influence(rng, faction_ids, leaders, edges, graph)
    # what the file holds: its peer and cross-border edges and the implied faction<->leader pairs (a small graph cannot
    # hold every edge asked for, and every faction has its two leader edges however few were asked)
    made = len(influence) + 2 * int(per_side.sum())
    return {
        "name": f"synthetic-{agents}-{edges}",
        "title": f"Synthetic case: {agents} actors, {made} edges, {sides} sides",
        "description": f"Generated with summitry generate (seed {seed}, {graph} graph, {edges} edges asked for). "
        "For scale tests; no historical record.",
        "mode": "free",
        "time": {"start": "2020-01-06", "step_days": 7, "steps": steps},
        "issues": [{"id": "d", "label": "Disarmament"}, {"id": "r", "label": "Relief"}],
        "grid_points": 21,
        "agreement": {"comprehensive": {"d": [0.7, 1.0]}, "interim": {"d": [0.3, 1.0], "r": [0.01, 1.0]}},
        "summit": {"sides": side_ids[:2]},
        "sides": sides_data,
        "third_parties": _third_parties(n_tp, side_ids),
        "influence": influence,
        "signals": crowd_signals([[f["role"] for f in side["factions"]] for side in sides_data.values()]),
        "events": _events(leaders, steps),
    }


def _factions(rng: np.random.Generator, sid: str, k: int) -> list[dict[str, Any]]:
    """A side's k factions: roles in turn, influence shares from a flat Dirichlet, stances near their role's typical one."""
    roles = [FACTION_ROLES[i % len(FACTION_ROLES)] for i in range(k)]
    shares = rng.dirichlet(np.ones(k))
    shares = np.round(shares, 9)
    shares[-1] = round(1.0 - float(shares[:-1].sum()), 9)
    if shares[-1] < 0:
        shares = np.full(k, 1.0 / k)
    ids = [f"{sid}-f{i}" for i in range(k)]
    factions = []
    for i, (fid, role) in enumerate(zip(ids, roles, strict=True)):
        stance = float(np.clip(ROLE_STANCE[role] + rng.normal(0, 0.1), 0, 1))
        factions.append(
            {
                "id": fid,
                "name": f"{role.capitalize()} {i} of {sid}",
                "role": role,
                "stance": round(stance, 4),
                "influence": float(shares[i]),
                "acceptance": {
                    "concession_weight": round(float(rng.uniform(0.4, 1.5)), 3),
                    "threshold": round(float(rng.uniform(-0.05, 0.3)), 3),
                },
                "listens_to_leader": round(float(rng.uniform(0.2, 0.6)), 3),
            }
        )
    return factions


def _side(rng: np.random.Generator, c: int, side_ids: list[str], factions: list[dict[str, Any]]) -> dict[str, Any]:
    """Side c with its leader and factions; even sides gain on d and sanction, odd sides gain on r and test."""
    sid = side_ids[c]
    gains, gives = ("d", "r") if c % 2 == 0 else ("r", "d")
    return {
        "name": f"Side {c}",
        "audience_cost": round(float(rng.uniform(0.3, 0.9)), 3),
        "utility": {gains: 1.0, gives: -1.0},
        "pressure_weights": {"economic": 0.3, "domestic": 0.4, "military": 0.3},
        "initial": {"economic": 0.2, "domestic": 0.2, "sanctions": 0.5 if c % 2 else 0.0, "hostility": 0.3},
        "domestic": "audience" if c % 2 == 0 else "elite",
        "capabilities": ["sanctions", "relief", "exercises"] if c % 2 == 0 else ["tests", "dismantle"],
        "leader": {
            "id": f"{sid}-leader",
            "name": f"Leader of side {c}",
            "stance": 0.5,
            "self_weight": 0.4,
            "acceptance": {"concession_weight": 0.7, "threshold": 0.0},
            "traits": {"impulsiveness": round(float(rng.uniform(0.1, 0.9)), 3), "ego": 0.5},
            "trust": {other: 0.3 for other in side_ids if other != sid},
        },
        "factions": factions,
    }


def _third_parties(n_tp: int, side_ids: list[str]) -> list[dict[str, Any]]:
    """One mediator, then patrons of the sides after the first, in turn."""
    third = []
    for m in range(n_tp):
        role = "mediator" if m == 0 else "patron"
        entry: dict[str, Any] = {"id": f"tp{m}", "name": f"Third party {m}", "role": role, "position": 0.5, "stake": 0.6}
        if role == "patron":
            entry["client"] = side_ids[1 + (m - 1) % (len(side_ids) - 1)]
        third.append(entry)
    return third


def _influence(rng: np.random.Generator, faction_ids: list[list[str]], leaders: list[str], edges: int, graph: str) -> list[dict[str, Any]]:
    """Influence edges among factions up to ``edges`` in all (the leader edges are implied by the format), and the mediator's."""
    all_factions = [f for ids in faction_ids for f in ids]
    side_of = np.concatenate([np.full(len(ids), c) for c, ids in enumerate(faction_ids)])
    F = len(all_factions)
    implied = 2 * F
    extra = max(0, edges - implied)
    pairs = _edges(rng, F, side_of, extra, graph)
    weights = np.round(rng.uniform(0.02, 0.3, len(pairs)), 3)
    influence = [
        {"listener": all_factions[a], "speaker": all_factions[b], "weight": float(w)} for (a, b), w in zip(pairs, weights, strict=True)
    ]
    influence += [{"listener": leaders[c], "speaker": "tp0", "weight": 0.1} for c in range(2)]
    return influence


def _events(leaders: list[str], steps: int) -> list[dict[str, Any]]:
    """An economic shock to the second leader, then the first leader's offer on the record."""
    return [
        {
            "week": min(5, steps - 1),
            "kind": "shock",
            "receiver": leaders[1],
            "text": "An economic shock",
            "effects": [{"var": "pressure.economic", "who": "receiver", "delta": 0.1}],
        },
        {
            "week": min(10, steps - 1),
            "kind": "summit_offer",
            "sender": leaders[0],
            "receiver": leaders[1],
            "text": "An offer on the record",
        },
    ]


def crowd_signals(roles_by_side: list[list[str]]) -> dict[str, dict[str, Any]]:
    """Catalogue overrides for sides of many factions (see the module docstring).

    >>> over = crowd_signals([["hardliner"] * 50 + ["military"] * 50 + ["staff"] * 20] * 2)
    >>> over["threat"]["senders"], over["faction_threat"]["senders"]
    (['leader'], ['hardliner', 'military'])
    >>> [e["delta"] for e in over["faction_threat"]["effects"]], over["faction_threat"]["trust"]["magnitude"]
    ([0.0005, 0.0005, 0.0005], 0.003)
    >>> over["envoy_talks"]["verification"]
    0.05
    """
    out: dict[str, dict[str, Any]] = {}
    for name, kind in DEFAULT_CATALOGUE.items():
        if not kind.get("chosen", True) or name == "lobby":
            continue
        senders = list(kind.get("senders", []))
        crowd_roles = [r for r in senders if r in FACTION_ROLES]
        if not crowd_roles:
            continue
        k = max(sum(1 for r in roles if r in crowd_roles) for roles in roles_by_side)
        if k <= 1:
            continue
        scaled = {key: value for key, value in kind.items()}
        scaled["senders"] = crowd_roles
        scaled["effects"] = [{**e, "delta": float(e["delta"]) / k} for e in kind.get("effects", [])]
        trust = dict(kind.get("trust", {"mode": "none"}))
        if trust.get("mode") in ("hostile", "shift"):
            trust["magnitude"] = float(trust.get("magnitude", 0.0)) / k
        elif trust.get("mode") == "reassuring":
            # c_eff = (cost + A tie) verification: the credibility of one envoy among k
            scaled["verification"] = float(kind.get("verification", 1.0)) / k
        scaled["trust"] = trust
        leaders_too = len(crowd_roles) < len(senders)
        if leaders_too:
            # leaders keep the default kind; the crowd gets its own
            out[name] = {"senders": [r for r in senders if r not in crowd_roles]}
            scaled["label"] = f"{kind.get('label', name)} (faction)"
            out[f"faction_{name}"] = scaled
        else:
            out[name] = scaled
    return out


def _edges(rng: np.random.Generator, n: int, side_of: np.ndarray, count: int, graph: str) -> list[tuple[int, int]]:
    """``count`` distinct directed edges (listener, speaker) among n nodes; 90% within a side."""
    if count <= 0 or n < 2:
        return []
    chosen: set[tuple[int, int]] = set()
    order = rng.permutation(n)
    popularity = 1.0 / np.arange(1, n + 1) ** 0.9  # Zipf-like: a few speakers are heard by many
    popularity /= popularity.sum()
    by_side = [np.flatnonzero(side_of == c) for c in range(int(side_of.max()) + 1)]
    guard = 0
    while len(chosen) < count and guard < 50:
        need = count - len(chosen)
        m = int(need * 1.3) + 16
        if graph == "small-world":
            listeners = rng.integers(0, n, m)
            offsets = rng.integers(1, 6, m)
            speakers = (listeners + offsets) % n
            rewire = rng.random(m) < 0.1
            speakers[rewire] = rng.integers(0, n, int(rewire.sum()))
        else:
            listeners = rng.integers(0, n, m)
            speakers = order[rng.choice(n, m, p=popularity)]
        # keep most edges inside the listener's side
        inside = rng.random(m) < 0.9
        for idx in np.flatnonzero(inside & (side_of[listeners] != side_of[speakers])):
            pool = by_side[side_of[listeners[idx]]]
            speakers[idx] = pool[int(rng.integers(0, len(pool)))]
        for a, b in zip(listeners.tolist(), speakers.tolist(), strict=True):
            if a != b:
                chosen.add((a, b))
                if len(chosen) >= count:
                    break
        guard += 1
    return sorted(chosen)[:count] if len(chosen) > count else sorted(chosen)


def dump(data: dict[str, Any]) -> str:
    """Text of generated data: JSON, one edge or actor a line (JSON is YAML, and large
    JSON files load ~50x faster than block YAML)."""
    lines = ["{"]
    items = list(data.items())
    for n, (key, value) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        if key == "influence" or key == "third_parties":
            inner = ",\n".join("    " + json.dumps(v) for v in value)
            lines.append(f'  "{key}": [\n{inner}\n  ]{comma}')
        elif key == "sides":
            parts = []
            for sid, side in value.items():
                body = {k: v for k, v in side.items() if k != "factions"}
                factions = ",\n".join("        " + json.dumps(f) for f in side["factions"])
                head = json.dumps(body)[:-1]
                parts.append(f'    "{sid}": {head}, "factions": [\n{factions}\n    ]}}')
            lines.append('  "sides": {\n' + ",\n".join(parts) + "\n  }" + comma)
        else:
            lines.append(f'  "{key}": {json.dumps(value)}{comma}')
    lines.append("}")
    return "\n".join(lines) + "\n"
