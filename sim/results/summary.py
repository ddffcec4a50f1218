"""Plain-language summaries of a saved run (used by the CLI, dashboard and reports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow.compute as pc

from summitry.sim.labels import unit_count, unit_word
from summitry.sim.mechanisms.signals import OUTCOME_KINDS, PLEDGE_AND_TEST_KINDS, SUMMIT_PROCESS_KINDS
from summitry.sim.results.run_result import RunResult

KEY_KINDS = (
    SUMMIT_PROCESS_KINDS
    | OUTCOME_KINDS
    | PLEDGE_AND_TEST_KINDS
    | {"partial_relief", "dismantle_site", "exercise_halt", "letter", "sanctions_tighten", "sanctions_ease", "shock"}
)
"""The events a run's printed summary lists."""


def outcome_sentence(result: RunResult, labels: Mapping[str, str] | None = None) -> str:
    """One sentence: what happened, when, and who did it.

    An agreement's point names each issue dimension by its label (``labels``: id -> label; absent, those of the
    scenario the run kept), ``Denuclearisation 0.55, Sanctions relief 0.40``; a dimension without one by its id, ``d=0.55``.
    """
    m = result.manifest
    x = m["metrics"]
    outcome = m["outcome"]
    unit = unit_word(m.get("step_unit"))
    leaders = {a["id"]: a["name"] for a in m["actors"]}
    if outcome.startswith("agreement"):
        named = {**result.dimension_labels(), **(labels or {})}
        point = ", ".join(
            f"{named[k]} {v:.2f}" if named.get(k, k) != k else f"{k}={v:.2f}" for k, v in (x["agreement_point"] or {}).items()
        )
        signed = f"{x['agreement_type'].capitalize()} agreement at {unit} {x['agreement_week']} ({point})"
        return signed + _life(x.get("agreement_stages") or {}, unit) + "."
    if outcome == "escalation":
        return f"Escalation at {unit} {x['escalation_week']}."
    if outcome == "walk_away":
        who = leaders.get(x["walked_by"][-1], x["walked_by"][-1]) if x["walked_by"] else "a leader"
        return f"Walk-away: {who} walked away from summit {x['summits']} (first summit at {unit} {x['first_summit_week']})."
    if outcome == "declaration":
        return f"Declaratory statement without a substantive deal (first summit at {unit} {x['first_summit_week']})."
    return f"Stalemate: no summit outcome in {unit_count(x['steps_run'], m.get('step_unit'))}."


LIFE_WORDS = (
    ("ratified", "ratified"),
    ("unratified", "rejected in ratification"),
    ("implemented", "implemented"),
    ("collapsed", "collapsed"),
    ("superseded", "superseded"),
)
"""How the stages of an agreement's life after signing (ODD 7.20) are told, in order."""


def _life(stages: dict[str, int], unit: str) -> str:
    """'; ratified at week 16; collapsed at week 30': what happened to an agreement after signing.

    >>> _life({"signed": 12, "in_force": 16, "ratified": 16, "collapsed": 30}, "week")
    '; ratified at week 16; collapsed at week 30'
    >>> _life({"signed": 12}, "week")
    ''
    """
    return "".join(f"; {words} at {unit} {stages[key]}" for key, words in LIFE_WORDS if key in stages)


def key_events(result: RunResult, limit: int = 40) -> list[dict[str, Any]]:
    """The events worth a line in a summary, in order."""
    rows = [r for r in result.events.to_pylist() if r["kind"] in KEY_KINDS]
    return rows[:limit]


def end_state(result: RunResult) -> list[dict[str, Any]]:
    """The run's state in its first and last recorded step, each quantity in words with its scale.

    Rows (``quantity``, ``first``, ``last``, ``meaning``): each summit leader's
    trust in the other side, each side's aggregate pressure, the tension and
    the zone of agreement. ``first`` is read from the series at its first
    recorded step (after that step's moves, as every recorded value is);
    ``last`` is the run's final state (the manifest's metrics).
    """
    m = result.manifest
    x = m["metrics"]
    names = {a["id"]: a["name"] for a in m["actors"]}
    sides = {sid: s["name"] for sid, s in m["sides"].items()}
    first = _first_values(result)
    rows: list[dict[str, Any]] = []
    for key, value in x["final_trust"].items():
        leader, side = key.split("->")
        rows.append(
            {
                "quantity": f"trust: {names.get(leader, leader)} in {sides.get(side, side)}",
                "first": first.get((f"trust_{side}", leader)),
                "last": value,
                "meaning": "the chance the leader gives that the other side's leader reciprocates cooperation (0 to 1)",
            }
        )
    for side, value in x["final_pressure"].items():
        rows.append(
            {
                "quantity": f"pressure on {sides.get(side, side)}",
                "first": first.get(("pressure", side)),
                "last": value,
                "meaning": "economic, domestic and military pressure, by the side's pressure weights (0 to 1); "
                "more pressure widens what its members accept",
            }
        )
    params = m.get("parameters", {})
    e_crit, e_weeks = params.get("e_crit"), params.get("e_weeks")
    rows.append(
        {
            "quantity": "tension",
            "first": first.get(("tension", "world")),
            "last": x["final_tension"],
            "meaning": "the belligerents' mean hostility (0 to 1)"
            + (f"; at {e_crit:g} or above for {e_weeks:g} weeks running, the crisis escalates" if e_crit is not None and e_weeks else ""),
        }
    )
    rows.append(
        {
            "quantity": "zone of agreement",
            "first": first.get(("zone_area", "world")),
            "last": x["final_zone_area"],
            "meaning": "the share of the issue space that every summit side would ratify (0 to 1)",
        }
    )
    return rows


def _first_values(result: RunResult) -> dict[tuple[str, str], float]:
    """{(variable, agent): value} at the series' first recorded step."""
    series = result.series
    if series.num_rows == 0:
        return {}
    step0 = pc.min(series["step"]).as_py()
    rows = series.filter(pc.equal(series["step"], step0)).to_pylist()
    return {(r["variable"], r["agent"]): float(r["value"]) for r in rows}
