"""The parts of a historical pattern that are objects of their own: a deal's class and point, an ordering.

Kept apart from :mod:`sim.scenario` (which holds :class:`~sim.scenario.Pattern`
itself) so that the scenario module does not grow with every clause the
pattern language gains. Scoring is :mod:`sim.patterns`; the names these
objects use (classes, issues, pattern ids) are checked by
:mod:`sim.pattern_check` and the scenario's cross-checks.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

PatternId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")]


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)


class DealCheck(_Fields):
    """What a deal must be: its agreement class, and how near its point must lie to a stated one.

    An agreement event's detail reads ``interim: d=0.35, r=0.50``: the class,
    then the point. ``near`` and ``within`` also apply to other events whose
    detail carries a point (an ``offer_rejected``'s offer).
    """

    agreement_class: str | None = Field(
        None,
        alias="class",
        min_length=1,
        max_length=64,
        description="Agreement class the deal must have (a key of the scenario's agreement); only agreement events carry one.",
    )
    near: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=dict, description="{dimension: value}: the point the deal should lie near, on these issues."
    )
    within: float = Field(
        0.05, ge=0, le=1, description="Largest distance from `near` on any named issue (inclusive) at which the deal still counts."
    )


class OrderCheck(_Fields):
    """Two other patterns of the scenario, the first of which must be met before the second (ODD 8c).

    The time an event pattern is met is the step of its ``count``-th event
    in this pattern's window; a state pattern is met at the first step t of
    the window at which its measure over [window start, t] meets its bounds.
    """

    first: PatternId = Field(description="Id of the pattern that must be met first (an event or state pattern, not a restraint).")
    then: PatternId = Field(description="Id of the pattern that must be met afterwards.")
    gap: int = Field(1, ge=0, le=1000, description="Fewest steps from the first to the second (0: the same step counts as in order).")
