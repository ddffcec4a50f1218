"""Checks of a member's stated acceptance limits (bounds and linear constraints, ODD 7.1) that span fields.

The field bounds themselves are in the models (:class:`summitry.sim.mechanisms.limits.LinearLimit`
and the scenario's ``Acceptance``); what needs the scenario's dimensions is
here: each named dimension exists, each bound is ``[lo, hi]`` with
``lo <= hi``, and some deal in the unit box can meet each constraint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from summitry.sim.scenario.loading import Loc, did_you_mean

if TYPE_CHECKING:
    from summitry.sim.scenario.document import Acceptance


def check_limits(acc: Acceptance, loc: Loc, dims: list[str], problems: list[tuple[Loc, str]]) -> None:
    """A member's stated bounds and constraints: known dimensions, lo <= hi, a constraint some deal can meet."""
    for d, (lo, hi) in acc.bounds.items():
        if d not in dims:
            problems.append(((*loc, "bounds", d), f"unknown dimension {d!r}{did_you_mean(d, dims)}; dimensions are {', '.join(dims)}"))
        elif lo > hi:
            problems.append(((*loc, "bounds", d), f"must be [lo, hi] with lo <= hi (got [{lo}, {hi}])"))
    for j, c in enumerate(acc.constraints):
        for d in c.weights:
            if d not in dims:
                problems.append(
                    (
                        (*loc, "constraints", j, "weights", d),
                        f"unknown dimension {d!r}{did_you_mean(d, dims)}; dimensions are {', '.join(dims)}",
                    )
                )
        # the largest sum_i a_i q_i over the unit box: a constraint above it excludes every deal
        best = sum(max(a, 0.0) for a in c.weights.values())
        if c.at_least > best + 1e-9:
            problems.append(
                ((*loc, "constraints", j, "at_least"), f"no deal in [0, 1] can reach {c.at_least} (the most the weights give is {best:g})")
            )
