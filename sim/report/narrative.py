"""The run told in sentences: which events were significant (they moved trust, stances or pressure by more than a
threshold, or are summit and outcome events), what each did, and the run's turning points."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from summitry.sim.labels import event_sentence, unit_word
from summitry.sim.mechanisms.roles import HAWKISH_ROLES
from summitry.sim.mechanisms.signals import OUTCOME_KINDS, SUMMIT_PROCESS_KINDS
from summitry.sim.results.run_result import RunResult

# --------------------------------------------------------------- significance

TRUST_THRESHOLD = 0.03
"""An event is significant if it moved its receiver's trust in the sender's side by more than this (probability)."""
STANCE_THRESHOLD = 0.05
"""... or moved stances by more than this (sum of |change| over actors) ..."""
PRESSURE_THRESHOLD = 0.05
"""... or moved pressure by more than this (sum of changes over sides, either sign) ..."""
SUMMIT_KINDS = SUMMIT_PROCESS_KINDS | OUTCOME_KINDS | {"pledge_breach"}
"""... or is a summit or outcome event (always significant), as are exogenous shocks."""
EPS = 1e-9
"""Changes must exceed a threshold by more than rounding ("more than 0.05" excludes 0.05000000001)."""
ALWAYS_SOURCES = frozenset({"summit", "derived", "shock"})
TURNING_KINDS = (
    "summit_held",
    "summit_cancel",
    "walk_away",
    "agreement",
    "declaration",
    "escalation",
    "pledge_breach",
    "term_breach",
    "ratification_failed",
    "agreement_collapsed",
)
"""Kinds whose steps are the run's turning points (the network is drawn there)."""
ZONE_KINDS = frozenset({"summit_held", "walk_away", "agreement", "declaration", "summit_cancel", "escalation"})
HAWKISH = HAWKISH_ROLES


# ---------------------------------------------------------------- narrative


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


def _fmt_date(iso: str) -> str:
    try:
        d = dt.date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{d.day} {d:%B %Y}"


def is_significant(
    row: Mapping[str, Any],
    trust: float = TRUST_THRESHOLD,
    stance: float = STANCE_THRESHOLD,
    pressure: float = PRESSURE_THRESHOLD,
) -> bool:
    """Whether an event row is worth a line in the narrative.

    >>> is_significant({"kind": "praise", "source": "chosen", "trust_before": 0.30, "trust_after": 0.31,
    ...                 "stance_change": 0.005, "pressure_change": 0.0})
    False
    >>> is_significant({"kind": "threat", "source": "chosen", "trust_before": 0.35, "trust_after": 0.27,
    ...                 "stance_change": 0.05, "pressure_change": 0.1})
    True
    >>> is_significant({"kind": "summit_held", "source": "summit"})
    True
    """
    if row.get("kind") in SUMMIT_KINDS or row.get("source") in ALWAYS_SOURCES:
        return True
    tb, ta = _num(row.get("trust_before")), _num(row.get("trust_after"))
    if math.isfinite(tb) and math.isfinite(ta):
        if abs(ta - tb) > trust + EPS:
            return True
    elif _num(row.get("trust_change")) > trust + EPS:  # no single receiver (mediation): total movement
        return True
    sc = _num(row.get("stance_change"))
    pc = _num(row.get("pressure_change"))
    return (math.isfinite(sc) and sc > stance + EPS) or (math.isfinite(pc) and abs(pc) > pressure + EPS)


def significant_events(result: RunResult, **thresholds: float) -> list[dict[str, Any]]:
    """Event rows (dicts) that are significant, in log order."""
    return [r for r in result.events.to_pylist() if is_significant(r, **thresholds)]


@dataclass
class _Lookup:
    """Names, sides and series look-ups of one run (for effect sentences)."""

    names: dict[str, str]
    side_of: dict[str, str | None]
    roles: dict[str, str]
    side_names: dict[str, str]
    series: dict[tuple[str, str], tuple[list[int], list[float]]] = field(default_factory=dict)

    @classmethod
    def of(cls, result: RunResult) -> _Lookup:
        m = result.manifest
        actors = m.get("actors", [])
        look = cls(
            names={a["id"]: a.get("name", a["id"]) for a in actors},
            side_of={a["id"]: a.get("side") for a in actors},
            roles={a["id"]: str(a.get("role", "")) for a in actors},
            side_names={sid: (s.get("name") or sid) for sid, s in m.get("sides", {}).items()},
        )
        try:
            t = result.series.filter(pc.is_in(result.series["variable"], value_set=_pa_strings(["zone_area", "influence"])))
            for r in t.to_pylist():
                key = (str(r["agent"]), str(r["variable"]))
                steps, values = look.series.setdefault(key, ([], []))
                steps.append(int(r["step"]))
                values.append(float(r["value"]))
        except Exception:  # the narrative works without the series
            look.series = {}
        return look

    def at(self, agent: str, variable: str, step: int) -> float:
        """The recorded value at ``step`` (or the last recorded step before it)."""
        steps, values = self.series.get((agent, variable), ([], []))
        best = math.nan
        for s, v in zip(steps, values, strict=False):
            if s <= step:
                best = v
            else:
                break
        return best

    def hawk_influence(self, side: str, step: int) -> float:
        ids = [a for a, s in self.side_of.items() if s == side and self.roles.get(a) in HAWKISH]
        vals = [self.at(a, "influence", step) for a in ids]
        return sum(vals) if ids and all(math.isfinite(v) for v in vals) else math.nan


def _pa_strings(values: list[str]) -> Any:
    return pa.array(values, pa.string())


def event_effect(row: Mapping[str, Any], look: _Lookup) -> str:
    """The effect of one event in words ("the trust of Kim Jong Un in the sender's side (United States) falls from 0.42
    to 0.31; ...").

    Names stand where no article or verb has to agree with them: a scenario names its sides and actors as labels
    ("United States", "North Korea", "NSC hawks (Bolton)"), whose articles and numbers the sentences cannot know.
    """
    parts: list[str] = []
    tb, ta = _num(row.get("trust_before")), _num(row.get("trust_after"))
    sender, receiver = str(row.get("sender") or ""), str(row.get("receiver") or "")
    if math.isfinite(tb) and math.isfinite(ta) and abs(ta - tb) >= 0.005 and receiver in look.names:
        side = look.side_of.get(sender)
        whom = f"the sender's side ({look.side_names.get(side, side)})" if side else f"the sender ({look.names.get(sender, sender)})"
        verb = "rises" if ta > tb else "falls"
        # two decimals unless they would print the same number twice ("falls from 0.21 to 0.21")
        digits = 2 if f"{tb:.2f}" != f"{ta:.2f}" else 3
        parts.append(f"the trust of {look.names[receiver]} in {whom} {verb} from {tb:.{digits}f} to {ta:.{digits}f}")
    elif _num(row.get("trust_change")) >= 0.005 and not (math.isfinite(tb) and math.isfinite(ta)):
        parts.append(f"trust moves by {_num(row.get('trust_change')):.2f} in total")
    sc = _num(row.get("stance_change"))
    if math.isfinite(sc) and sc >= 0.005:
        parts.append(f"stances shift by {sc:.2f} in total")
    pc = _num(row.get("pressure_change"))
    if math.isfinite(pc) and abs(pc) >= 0.005:
        parts.append(f"pressure {'rises' if pc > 0 else 'falls'} by {abs(pc):.2f}")
    kind = str(row.get("kind"))
    step = int(row.get("step") or 0)
    if kind in ZONE_KINDS:
        zone = look.at("world", "zone_area", step)
        if math.isfinite(zone):
            parts.append(f"the zone of agreement covers {zone:.0%} of the issue space")
    if kind in ("summit_cancel", "walk_away", "pledge_breach", "blame", "escalation"):
        for whose, side in (("receiver", look.side_of.get(receiver)), ("sender", look.side_of.get(sender))):
            if not side:
                continue
            now, before = look.hawk_influence(side, step), look.hawk_influence(side, step - 1)
            if math.isfinite(now) and math.isfinite(before) and abs(now - before) >= 0.01:
                verb = "rises" if now > before else "falls"
                parts.append(f"the hawks' influence on the {whose}'s side ({look.side_names.get(side, side)}) {verb} to {now:.2f}")
                break
    return "; ".join(parts)


def narrative(result: RunResult, **thresholds: float) -> list[dict[str, Any]]:
    """Significant events as dated sentences with their effects, in order."""
    look = _Lookup.of(result)
    unit = (result.manifest or {}).get("step_unit")
    items = []
    for row in significant_events(result, **thresholds):
        step = int(row["step"])
        date = _fmt_date(str(row.get("date") or ""))
        kind = str(row["kind"])
        source = str(row.get("source") or "")
        detail = str(row.get("detail") or "")
        items.append(
            {
                "step": step,
                "date": str(row.get("date") or ""),
                "when": f"{unit_word(unit, capital=True)} {step}, {date}" if date else f"{unit_word(unit, capital=True)} {step}",
                "text": event_sentence(row, look.names, look.roles) or kind,
                "effect": event_effect(row, look),
                "kind": kind,
                "source": source,
                "record": detail if source == "forced" and detail else "",
                "category": _category(kind, source, row),
            }
        )
    return items


def _category(kind: str, source: str, row: Mapping[str, Any]) -> str:
    if kind in SUMMIT_KINDS:
        return "summit"
    if source == "shock":
        return "shock"
    tb, ta = _num(row.get("trust_before")), _num(row.get("trust_after"))
    if math.isfinite(tb) and math.isfinite(ta) and ta < tb:
        return "hostile"
    return "conciliatory"


def turning_points(result: RunResult, limit: int = 3) -> dict[int, str]:
    """The run's turning points (summits, cancellations, walk-aways, ...): step -> the sentence of its first such event."""
    steps: dict[int, str] = {}
    actors = result.manifest.get("actors", [])
    names = {a["id"]: a.get("name", a["id"]) for a in actors}
    roles = {a["id"]: str(a.get("role", "")) for a in actors}
    for r in result.events.to_pylist():
        if r["kind"] in TURNING_KINDS and int(r["step"]) not in steps:
            if len(steps) == limit:
                break
            steps[int(r["step"])] = event_sentence(r, names, roles) or str(r["kind"])
    return steps
