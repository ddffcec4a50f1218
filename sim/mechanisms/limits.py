"""Stated limits of a member's acceptance set: per-issue bounds and linear constraints (ODD 7.1).

An analyst often states what a member will accept outright: "at least 0.3 on
disarmament, at most 0.6 on relief", or "relief may not run ahead of
disarmament". Member k then accepts q iff q lies in its half-plane
(:mod:`summitry.sim.mechanisms.bargaining`), **and** inside every one of its bounds, **and**
satisfies every one of its constraints ``sum_i a_i q_i >= c``. Its acceptance
set is the intersection. The limits do not move with time, stance or
pressure: over the issue grid they are one fixed boolean mask per member.

Limits are given as plain data (the scenario's ``acceptance.bounds`` and
``acceptance.constraints``, or the same dicts read back from a run's
manifest), so that a saved run can redraw its win-sets without the scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ConfigDict, Field

from summitry.sim.numeric import NumbersOnly

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

EDGE = 1e-9
"""Grid points within this of a bound count as inside it (0.6 on a 21-point grid is 0.6000000000000001)."""

Coefficient = Annotated[float, Field(ge=-10, le=10)]


class LinearLimit(NumbersOnly):
    """One linear constraint of a member's acceptance set: sum_i a_i q_i >= c."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    weights: dict[str, Coefficient] = Field(
        min_length=1,
        description="a_i by dimension id (-10 to 10); dimensions not named have a_i = 0. A negative a_i turns 'at least' into 'at most'.",
    )
    at_least: float = Field(ge=-10, le=10, description="c: the weighted sum of the deal's coordinates must reach it.")
    text: str = Field("", max_length=500, description="The constraint in words (shown nowhere by the engine; for the reader).")


def within_limits(
    grid: FloatArray,
    dims: Sequence[str],
    bounds: Mapping[str, Sequence[float]] | None = None,
    constraints: Sequence[Mapping[str, Any]] = (),
) -> BoolArray:
    """Which grid points satisfy every bound ``{dim: [lo, hi]}`` and every constraint ``{weights, at_least}``.

    >>> from summitry.sim.mechanisms.bargaining import issue_grid
    >>> g = issue_grid(2, 3)  # (d, r) in {0, 0.5, 1}^2, d slowest
    >>> within_limits(g, ["d", "r"], {"d": [0.3, 1.0], "r": [0.0, 0.6]}).astype(int).tolist()
    [0, 0, 0, 1, 1, 0, 1, 1, 0]
    >>> within_limits(g, ["d", "r"], constraints=[{"weights": {"d": 1.0, "r": -1.0}, "at_least": 0.0}]).astype(int).tolist()
    [1, 0, 0, 1, 1, 0, 1, 1, 1]
    """
    ok = np.ones(grid.shape[0], dtype=bool)
    index = {d: i for i, d in enumerate(dims)}
    for d, (lo, hi) in (bounds or {}).items():
        x = grid[:, index[d]]
        ok &= (x >= float(lo) - EDGE) & (x <= float(hi) + EDGE)
    for c in constraints:
        a = np.array([float(c["weights"].get(d, 0.0)) for d in dims])
        ok &= grid @ a >= float(c["at_least"]) - EDGE
    return ok


def has_limits(spec: Mapping[str, Any]) -> bool:
    """Whether a member's limits ``{bounds, constraints}`` say anything."""
    return bool(spec.get("bounds")) or bool(spec.get("constraints"))


def limits_matrix(grid: FloatArray, dims: Sequence[str], specs: Sequence[Mapping[str, Any]]) -> BoolArray | None:
    """(members, grid): each member's mask of points within its limits; None when no member states any.

    >>> from summitry.sim.mechanisms.bargaining import issue_grid
    >>> limits_matrix(issue_grid(1, 3), ["d"], [{}, {"bounds": {"d": [0.5, 1.0]}}]).astype(int).tolist()
    [[1, 1, 1], [0, 1, 1]]
    >>> limits_matrix(issue_grid(1, 3), ["d"], [{}, {"bounds": {}, "constraints": []}]) is None
    True
    """
    if not any(has_limits(s) for s in specs):
        return None
    return np.stack([within_limits(grid, dims, s.get("bounds"), s.get("constraints") or ()) for s in specs])


def limit_spec(acceptance: Any) -> dict[str, Any]:
    """A scenario ``Acceptance``'s limits as plain data, ``{}`` when it states none (what a run's manifest stores)."""
    bounds = {d: [float(lo), float(hi)] for d, (lo, hi) in acceptance.bounds.items()}
    constraints = [{"weights": dict(c.weights), "at_least": float(c.at_least)} for c in acceptance.constraints]
    out: dict[str, Any] = {}
    if bounds:
        out["bounds"] = bounds
    if constraints:
        out["constraints"] = constraints
    return out
