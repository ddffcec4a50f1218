"""Plain-language summaries of a saved run (used by the CLI, dashboard and reports)."""

from __future__ import annotations

from typing import Any

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


def outcome_sentence(result: RunResult) -> str:
    """One sentence: what happened, when, and who did it."""
    m = result.manifest
    x = m["metrics"]
    outcome = m["outcome"]
    unit = unit_word(m.get("step_unit"))
    leaders = {a["id"]: a["name"] for a in m["actors"]}
    if outcome.startswith("agreement"):
        point = ", ".join(f"{k}={v:.2f}" for k, v in (x["agreement_point"] or {}).items())
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
