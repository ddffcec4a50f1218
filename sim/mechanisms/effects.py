"""The effect registry (ODD 7.9, 7.16): every variable a signal can move, and how the decision rule forecasts it.

A signal kind's effects (:class:`summitry.sim.mechanisms.signals.Effect`) name a variable of
this table. Each row says, once, what a unit of that effect is expected to
do to the three things an actor forecasts before choosing (ODD 7.16): the
zone of agreement (dZ), the pressure on the receiving side (dP) and the
tension (dE). The engine applies the effect in ``DiplomacyModel._apply_effect``;
the forecast below is what the decision rule's fast path, its reference
path and the walk-away forecast all read, so a new effect variable is a row
here and a branch there:

    >>> sorted(v for v, spec in EFFECTS.items() if spec.forecast == "pressure")
    ['pressure.domestic', 'pressure.economic', 'pressure.military']
    >>> PRESSURE_CHANNEL["pressure.military"]
    2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, TypeAlias

from pydantic import AfterValidator, WithJsonSchema

from summitry.sim.errors import bad_choice

Forecast = Literal["stance", "threshold", "demand", "pressure", "sanctions", "hostility", "credit", "none"]


@dataclass(frozen=True)
class EffectSpec:
    """One effect variable.

    Attributes:
        forecast: how a unit of the effect enters an actor's forecast:
            ``stance`` (and ``threshold``): the zone moves by -alpha_x (by -1)
            per unit for each member of the named roles, weighted by their
            influence; ``demand``: the zone moves by -1 per unit;
            ``pressure``: coercion, the zone moves by alpha_P times the
            target side's weight on the channel, and the receiver's pressure
            by that weight; ``sanctions``: the same on the economic channel,
            after leakage; ``hostility``: tension rises by 1/|B| of a unit (B: the belligerents) and the
            receiver's military pressure with it; ``credit``: a receiver's
            military pressure falls by its weight; ``none``: not forecast.
        channel: the column of a side's (economic, domestic, military)
            pressure weights the effect moves (pressure effects only).
        description: one line for the docs.
    """

    forecast: Forecast
    channel: int | None
    description: str


EFFECTS: dict[str, EffectSpec] = {
    "stance": EffectSpec("stance", None, "Stance input u of the named members (this week's Friedkin-Johnsen step)."),
    "anchor": EffectSpec("stance", None, "Anchor x0 of the named members (where their stance returns to)."),
    "threshold": EffectSpec("threshold", None, "Acceptance threshold shift of the named members."),
    "influence": EffectSpec("none", None, "Vindication of the named factions (the replicator's input), a log-factor."),
    "pressure.economic": EffectSpec("pressure", 0, "Economic pressure on the side."),
    "pressure.domestic": EffectSpec("pressure", 1, "Domestic pressure on the side."),
    "pressure.military": EffectSpec("pressure", 2, "Extra military pressure on the side."),
    "hostility": EffectSpec("hostility", None, "The side's hostility (Richardson); tension is its mean."),
    "sanctions": EffectSpec("sanctions", None, "The sanctions stock on the side."),
    "enforcement": EffectSpec("none", None, "Sanctions enforcement by the side's patrons (or the sender's own)."),
    "exercise_credit": EffectSpec("credit", None, "Credit against the side's military pressure (an exercise halt)."),
    "demand": EffectSpec("demand", None, "The side's public demand, narrowing its own win-set."),
    "perception": EffectSpec("none", None, "Perception error of the other side's win-set, a log-factor."),
    "rapport": EffectSpec("none", None, "Rapport of the named members with the sender's side."),
}

EFFECT_VARS: tuple[str, ...] = tuple(EFFECTS)
PRESSURE_CHANNEL: dict[str, int] = {v: s.channel for v, s in EFFECTS.items() if s.channel is not None}
"""Effect variables on a side's pressures -> the column of its (economic, domestic, military) pressure weights."""


def _known(value: str) -> str:
    """``value`` if it names a row of :data:`EFFECTS`; a ValueError in pydantic's wording otherwise."""
    if value not in EFFECTS:
        raise ValueError(bad_choice(value, EFFECT_VARS))
    return value


EffectVar: TypeAlias = Annotated[str, AfterValidator(_known), WithJsonSchema({"type": "string", "enum": list(EFFECT_VARS)})]
"""An effect variable's name, checked against :data:`EFFECTS` and listed in the JSON Schema."""
