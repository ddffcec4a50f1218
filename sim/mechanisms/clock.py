"""The declared clock (ODD 3.1): the scenario's step, and every rate and duration converted to it once, at load.

A scenario says how long a step is (``time.step``: ``day``, ``week`` or
``month``; a month is 30 days). The model's rates and durations are stated
per week (the unit their defaults were fitted in) and :meth:`Clock.per_step`
turns them into per-step values when a run is built:

- a share that decays or closes a gap each week (forgetting ``nu``, the
  decays, the approach of economic pain) compounds: ``1 - (1 - r) ** w``
  per step of ``w`` weeks;
- a factor kept each week (``beta_decay``, an actor's patience) is raised
  to the power ``w``;
- an amount added each week (``domestic_growth``) is multiplied by ``w``;
- a duration in weeks (preparation time, the letdown's delay, the weeks of
  tension that make an escalation) becomes a whole number of steps, at
  least one;
- an actor's choices per week (``choice_rate``) become the chance that it
  chooses in a step, ``min(1, rate * w)``.

Everything else is per event (a signal's trust effect, a summit's
resolution) and does not depend on the step. On a weekly clock every
conversion is the identity, value for value: the weekly scenarios run
exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from summitry.sim.mechanisms.parameters import ModelParameters

StepUnit = Literal["day", "week", "month"]
UNIT_DAYS: dict[str, int] = {"day": 1, "week": 7, "month": 30}
"""Days in a step of each declared unit (a month step is 30 days: dates advance 30 days a step)."""
RATE_DAYS = 7
"""Rates and durations in parameters are stated per week."""

TimeKind = Literal["decay", "keep", "growth", "duration", "activity", "richardson", "event"]
PARAMETER_TIME: dict[str, TimeKind] = {
    "nu": "decay",
    "beta_decay": "keep",
    "demand_decay": "decay",
    "erosion_learning": "decay",
    "delta_e": "decay",
    "delta_m": "richardson",
    "gamma_r": "richardson",
    "domestic_growth": "growth",
    "domestic_decay": "decay",
    "letdown_weeks": "duration",
    "tau_prep_min": "duration",
    "tau_prep_max": "duration",
    "e_weeks": "duration",
    "choice_rate": "activity",
}
"""How each time-dependent model parameter converts to a step; every other parameter is per event ("event").

``erosion_scale`` and the factions' ``erosion_belief`` are a weekly erosion
read against a horizon in weeks: their product enters the threshold, so
neither converts.
"""

REINSTATE_WEEKS = 2
"""Fewest weeks from a reinstated summit to its meeting."""
CREDIT_KEEP = 0.98
"""Share of a side's reassurance credit (military pressure relieved) kept each week."""
THIRD_PARTY_DOMESTIC_PULL = 0.05
"""Share of the gap to its baseline that a third party's domestic pressure closes each week."""
PERCEPTION_KEEP = 0.9
"""Share of the summit's perception error (log scale) kept each week."""


def time_kind(name: str) -> TimeKind:
    """How parameter ``name`` converts to a step ("event": it does not).

    >>> time_kind("nu"), time_kind("kappa"), time_kind("e_weeks")
    ('decay', 'event', 'duration')
    """
    return PARAMETER_TIME.get(name, "event")


def unit_of(step_days: int) -> str:
    """The unit a step of ``step_days`` days is named by ("step" when it is no declared unit).

    >>> unit_of(7), unit_of(1), unit_of(30), unit_of(14)
    ('week', 'day', 'month', 'step')
    """
    for unit, days in UNIT_DAYS.items():
        if days == step_days:
            return unit
    return "step"


@dataclass(frozen=True)
class Clock:
    """A step of ``step_days`` days, named ``unit``; converts weekly rates and durations to it."""

    step_days: int = 7
    unit: str = "week"

    @classmethod
    def of_days(cls, step_days: int) -> Clock:
        return cls(step_days, unit_of(step_days))

    @property
    def weeks(self) -> float:
        """Length of a step in weeks (1/7 for a day)."""
        return self.step_days / RATE_DAYS

    @property
    def weekly(self) -> bool:
        return self.step_days == RATE_DAYS

    def decay(self, rate: float) -> float:
        """Per-step share of a gap closed, from the weekly share ``rate``: 1 - (1 - rate) ** weeks.

        >>> round(Clock.of_days(1).decay(0.3), 6), Clock.of_days(7).decay(0.3)
        (0.049677, 0.3)
        """
        if self.weekly:
            return rate
        return 1.0 - (1.0 - rate) ** self.weeks

    def keep(self, factor: float) -> float:
        """Per-step share kept, from the weekly share ``factor``: factor ** weeks.

        >>> round(Clock.of_days(1).keep(0.98) ** 7, 12)
        0.98
        """
        if self.weekly:
            return factor
        return float(factor**self.weeks)

    def keep_all(self, factors: NDArray[np.float64]) -> NDArray[np.float64]:
        """:meth:`keep` of every element (actors' patience)."""
        if self.weekly:
            return factors
        return np.asarray(factors**self.weeks, dtype=float)

    def growth(self, amount: float) -> float:
        """Per-step amount, from the weekly amount: amount * weeks."""
        if self.weekly:
            return amount
        return amount * self.weeks

    def steps(self, weeks: float) -> int:
        """A duration of ``weeks`` weeks (a fraction allowed) in whole steps: the nearest, at least one.

        >>> Clock.of_days(1).steps(4), Clock.of_days(7).steps(4), Clock.of_days(30).steps(4)
        (28, 4, 1)
        >>> Clock.of_days(1).steps(2 / 7), Clock.of_days(7).steps(1.4), Clock.of_days(7).steps(0.2)
        (2, 1, 1)
        """
        return max(1, round(weeks / self.weeks))

    def choice_probability(self, rate: float) -> float:
        """Chance an actor that chooses ``rate`` times a week chooses in one step: min(1, rate * weeks).

        >>> Clock.of_days(7).choice_probability(1.0), round(Clock.of_days(1).choice_probability(1.0), 4)
        (1.0, 0.1429)
        """
        return min(1.0, rate * self.weeks)

    def relax_share(self) -> float:
        """Share of a week's full relaxation step (the stance update) taken in one step: min(1, weeks)."""
        return min(1.0, self.weeks)

    def richardson(self, delta_m: float, gamma_r: float) -> tuple[float, float]:
        """Per-step (delta_M, gamma_R) whose two-side Richardson map compounds to the weekly one.

        The weekly map H <- (1 - delta) H + gamma H_other has eigenvalues
        1 - delta + gamma (both sides together) and 1 - delta - gamma (their
        difference); each is raised to the power ``weeks``.

        >>> d, g = Clock.of_days(1).richardson(0.1, 0.05)
        >>> round((1 - d + g) ** 7, 9), round((1 - d - g) ** 7, 9)
        (0.95, 0.85)
        """
        if self.weekly:
            return delta_m, gamma_r
        together = max(1.0 - delta_m + gamma_r, 0.0) ** self.weeks
        apart = max(1.0 - delta_m - gamma_r, 0.0) ** self.weeks
        return 1.0 - 0.5 * (together + apart), 0.5 * (together - apart)

    def per_step(self, params: ModelParameters) -> ModelParameters:
        """The parameters a run of this clock uses: every weekly rate and duration converted to a step.

        The result is not revalidated (a duration of 14 weeks is 98 daily
        steps, above the weekly bound); it is the model's working copy, never
        written back to a file.
        """
        if self.weekly:
            # a weekly clock converts only durations stated with a fraction of a week (to whole weeks)
            whole = {n: self.steps(getattr(params, n)) for n, kind in PARAMETER_TIME.items() if kind == "duration"}
            if all(isinstance(getattr(params, n), int) for n in whole):
                return params
            return params.model_copy(update={**whole, "tau_prep_max": max(whole["tau_prep_max"], whole["tau_prep_min"])})
        update: dict[str, float | int] = {}
        for name, kind in PARAMETER_TIME.items():
            value = getattr(params, name)
            if kind == "decay":
                update[name] = self.decay(value)
            elif kind == "keep":
                update[name] = self.keep(value)
            elif kind == "growth":
                update[name] = self.growth(value)
            elif kind == "duration":
                update[name] = self.steps(value)
        update["delta_m"], update["gamma_r"] = self.richardson(params.delta_m, params.gamma_r)
        if update["tau_prep_max"] < update["tau_prep_min"]:
            update["tau_prep_max"] = update["tau_prep_min"]
        return params.model_copy(update=update)


def per_step_notes(params: ModelParameters, clock: Clock) -> dict[str, str]:
    """What each weekly parameter becomes on ``clock``, in words (on a weekly clock only a fractional duration's).

    >>> notes = per_step_notes(ModelParameters(), Clock.of_days(1))
    >>> notes["nu"], notes["e_weeks"], notes["choice_rate"], "kappa" in notes
    ('per day on this clock: 0.002882', 'on this clock: 28 days', 'chance of a choice in a day on this clock: 0.1429', False)
    """
    if clock.weekly:
        # only a duration stated with a fraction of a week changes: to whole weeks
        return {
            name: f"on this clock: {clock.steps(value)} week{'s' if clock.steps(value) != 1 else ''}"
            for name, kind in PARAMETER_TIME.items()
            if kind == "duration" and not isinstance(value := getattr(params, name), int)
        }
    converted = clock.per_step(params)
    unit = clock.unit
    notes: dict[str, str] = {}
    for name, kind in PARAMETER_TIME.items():
        if kind == "duration":
            n = int(getattr(converted, name))
            notes[name] = f"on this clock: {n} {unit}{'s' if n != 1 else ''}"
        elif kind == "activity":
            notes[name] = f"chance of a choice in a {unit} on this clock: {clock.choice_probability(params.choice_rate):.4g}"
        else:
            notes[name] = f"per {unit} on this clock: {getattr(converted, name):.4g}"
    return notes
