"""The historical pattern as written in a scenario file: :class:`Pattern` and its parts, and the rules on its shape.

A pattern (docs/scenarios.md 8) is an event pattern, a state pattern
(:class:`StateCheck`) or an order pattern (:class:`OrderCheck`), and an event
pattern may ask for a deal (:class:`DealCheck`). Kept apart from
:mod:`summitry.sim.scenario.document` (which holds the rest of the scenario document) so that the
scenario module does not grow with every clause the pattern language gains.
:func:`pattern_shape` checks the fields of one pattern against each other and
against the scenario's issues and agreement classes. Scoring is
:mod:`summitry.sim.analysis.patterns`; the names the patterns use (event kinds, actors, series
variables, pattern ids) are checked by :mod:`summitry.sim.scenario.pattern_check`.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from summitry.sim.scenario.loading import Loc, _show, did_you_mean

PatternId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
Step = Annotated[int, Field(ge=0, le=100_000)]
"""A step of a run: 0 is its first; a scenario has at most 100,000 (time.steps)."""


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


class StateCheck(_Fields):
    """What a state pattern measures in the run's series over the pattern's window of steps."""

    agent: str = Field(description="Agent column of the series: an actor id, a side id, or 'world'.")
    variable: str = Field(description="Variable of the series, e.g. trust_<side> (an actor's trust in that side), stance, tension.")
    measure: Literal["range", "change", "mean", "last", "min", "max", "drift"] = Field(
        description="range: max - min over the steps; change: value at the last step - value at the first; mean: the mean; "
        "last: the value at the last step (the run's final value when it ended earlier); min, max: the lowest and highest value; "
        "drift: the largest distance from the value at the first step."
    )
    within: tuple[float, float] | None = Field(
        None, description="[low, high]: the measure the record shows (or give at_least and/or at_most)."
    )
    at_least: float | None = Field(None, ge=-1000, le=1000, description="The measure must be at least this (instead of within).")
    at_most: float | None = Field(None, ge=-1000, le=1000, description="The measure must be at most this (instead of within).")
    slack: float = Field(
        0.0, ge=0, le=1000, description="Score 1 inside the bounds, falling linearly to 0 at `slack` beyond them (0: in or out)."
    )

    @property
    def bounds(self) -> tuple[float, float]:
        """[low, high] the measure must fall in: ``within``, or ``at_least``/``at_most`` with the other side open."""
        if self.within is not None:
            return self.within
        lo = self.at_least if self.at_least is not None else -math.inf
        hi = self.at_most if self.at_most is not None else math.inf
        return lo, hi


class Pattern(_Fields):
    """A historical pattern a run can reproduce (scored by sim.analysis.patterns; see docs/ODD.md, backtest, and docs/scenarios.md 8).

    An **event pattern** (``kind``: one kind or a list of kinds) looks for
    events of those kinds (from ``sender``, to ``receiver``; with a
    ``detail`` matching a regex, ``point`` values in range and a ``deal`` of
    the stated class near the stated point, when given) that come before the
    run's first ``before`` event and after its first ``after`` event.
    Present: an occurrence scores 1 inside the window and falls linearly to
    0 at ``tolerance`` steps outside it; the pattern scores the ``count``-th
    best occurrence (at least ``count`` events). With ``given``, the pattern
    counts only in runs where an event of that kind happens near the window,
    and scores what happened relative to it (who walked away, how a summit
    ended), not the timing again. Absent (``absent: true``, the same as
    ``at_most: 0``) or ``at_most: N``: the (N+1)-th occurrence breaks the
    pattern fully at ``tolerance`` steps or more inside the window, partly
    nearer its edges. A **state pattern** (``state``) measures a series
    variable over the window's steps. An **order pattern** (``order``) says
    that one other pattern is met before another within the window.
    Restraint patterns (absent, at most N, or a state a motionless run would
    meet) count only in runs where someone acted during the window.
    """

    id: PatternId = Field(description="Unique pattern id.")
    text: str = Field(min_length=1, max_length=500, description="The pattern, in words.")
    kind: str | Annotated[list[str], Field(min_length=1, max_length=20)] | None = Field(
        None, description="Event kind to look for in the run's log, or a list of kinds any of which counts (an event pattern)."
    )
    state: StateCheck | None = Field(None, description="A measure of the run's series over the window (a state pattern).")
    order: OrderCheck | None = Field(None, description="Two other patterns, met in this order within the window (an order pattern).")
    sender: str | None = Field(None, description="Actor id the event must come from.")
    receiver: str | None = Field(None, description="Actor id the event must be addressed to.")
    window: tuple[Step, Step] = Field(
        description="Steps [from, to] (from 0, the run's first step): when the event should happen, the steps a state pattern "
        "measures, or where an order is looked for; it must start within the run."
    )
    tolerance: int = Field(
        3, ge=0, le=52, description="Steps over which the score of an event falls from 1 to 0 outside the window (inside it, absent)."
    )
    count: int = Field(1, ge=1, le=1000, description="Occurrences needed: at least this many (absent: occurrences that break the pattern).")
    at_most: int | None = Field(
        None, ge=0, le=1000, description="At most this many occurrences in the window (a restraint; at_most 0 is absent)."
    )
    before: str | None = Field(None, description="Event kind that must not precede it (e.g. summit_held).")
    after: str | None = Field(
        None, description="Event kind that must precede it: only events after the run's first event of this kind count (e.g. agreement)."
    )
    given: str | None = Field(
        None, description="Event kind that must happen near the window for the pattern to count; the pattern then scores relative to it."
    )
    detail: str | None = Field(None, max_length=500, description="Regular expression the event's detail must match (searched).")
    point: dict[str, tuple[float, float]] | None = Field(
        None, description="{dimension: [low, high]}: the event's detail must carry dimension=value pairs in these ranges."
    )
    deal: DealCheck | None = Field(
        None, description="The deal's class and how near its point must lie to a stated one (agreement or offer events)."
    )
    absent: bool = Field(False, description="The event must NOT occur in the window (e.g. no ICBM test).")
    weight: float = Field(1.0, ge=0, le=10, description="Weight of this pattern in the backtest score.")

    @field_validator("kind", mode="before")
    @classmethod
    def _one_kind_or_a_list(cls, value: Any) -> Any:
        """One message for a kind of the wrong shape (pydantic would give one per member of the union)."""
        if value is None or isinstance(value, str):
            return value
        if not isinstance(value, list) or not 1 <= len(value) <= 20 or not all(isinstance(k, str) for k in value):
            raise ValueError(f"must be an event kind or a list of 1 to 20 event kinds (got {_show(value)})")
        return value

    def kinds(self) -> frozenset[str]:
        """The event kinds that count for an event pattern (empty for a state or order pattern)."""
        if self.kind is None:
            return frozenset()
        return frozenset([self.kind] if isinstance(self.kind, str) else self.kind)

    @property
    def restraint_limit(self) -> int | None:
        """For an absent or at-most pattern, the number of occurrences that breaks it; None for a present pattern."""
        if self.at_most is not None:
            return self.at_most + 1
        return self.count if self.absent else None


def pattern_window(pattern: Pattern) -> tuple[int, int]:
    """The weeks [lo, hi] in which an event earns the pattern any credit, or for a restraint (absent, at most N)
    breaks it at all: one at the window's edge does not when the tolerance is above 0 (for display, and for the
    scenario's check that some step of the run counts).

    >>> pattern_window(Pattern(id="a", text="t", kind="k", window=(10, 14), tolerance=3))
    (8, 16)
    >>> pattern_window(Pattern(id="a", text="t", kind="k", window=(0, 30), tolerance=3, absent=True))
    (1, 29)
    >>> pattern_window(Pattern(id="a", text="t", kind="k", window=(10, 14), tolerance=0))
    (10, 14)
    """
    lo, hi = pattern.window
    if pattern.kind is None or pattern.tolerance == 0:
        return lo, hi
    if pattern.restraint_limit is not None:
        return lo + 1, hi - 1
    return lo - pattern.tolerance + 1, hi + pattern.tolerance - 1


def scored_weeks(pattern: Pattern, steps: int) -> list[int]:
    """:func:`pattern_window` clipped to the run's weeks 0..steps-1 (for display).

    >>> scored_weeks(Pattern(id="a", text="t", kind="k", window=(0, 2), tolerance=3), 17)
    [0, 4]
    """
    lo, hi = pattern_window(pattern)
    return [max(0, lo), min(steps - 1, hi)]


# ----------------------------------------------------------------- cross-checks


_EVENT_ONLY = ("sender", "receiver", "tolerance", "count", "at_most", "before", "after", "given", "detail", "point", "deal", "absent")


def pattern_shape(pat: Pattern, i: int, dims: list[str], classes: list[str]) -> list[tuple[Loc, str]]:
    """A pattern's fields that do not fit together (names of kinds, actors and patterns are checked by sim.scenario.pattern_check)."""
    problems: list[tuple[Loc, str]] = []
    loc: Loc = ("patterns", i)
    if pat.window[0] > pat.window[1]:
        problems.append(((*loc, "window"), f"from must be <= to (got from {pat.window[0]}, to {pat.window[1]})"))
    if sum(x is not None for x in (pat.kind, pat.state, pat.order)) != 1:
        problems.append(
            (
                (*loc, "kind"),
                "give one of kind (an event pattern), state (a state pattern) or order (an order pattern), not several or none",
            )
        )
    if pat.state is not None or pat.order is not None:
        # by value, not by which keys were written, so that a dumped scenario (every default spelled out) validates again
        fields = Pattern.model_fields
        shape = "a state pattern has state and window" if pat.state is not None else "an order pattern has order and window"
        for name in (n for n in _EVENT_ONLY if getattr(pat, n) != fields[n].default):
            problems.append(((*loc, name), f"applies to event patterns only; {shape}"))
    if pat.state is not None:
        problems.extend(_state_shape(pat.state, (*loc, "state")))
    if isinstance(pat.kind, list) and len(set(pat.kind)) != len(pat.kind):
        problems.append(((*loc, "kind"), f"lists a kind twice: {sorted({k for k in pat.kind if pat.kind.count(k) > 1})}"))
    if pat.given is not None and pat.restraint_limit is not None:
        problems.append(((*loc, "given"), "an absent or at-most pattern cannot be conditional on another event"))
    if pat.at_most is not None and (pat.absent or pat.count != 1):
        problems.append(((*loc, "at_most"), "give at_most alone, not with absent or count (absent is at_most: 0)"))
    if pat.detail is not None:
        try:
            re.compile(pat.detail)
        except re.error as exc:
            problems.append(((*loc, "detail"), f"not a valid regular expression ({exc})"))
    for dim, (lo, hi) in (pat.point or {}).items():
        if dim not in dims:
            problems.append(((*loc, "point", dim), f"unknown dimension {dim!r}{did_you_mean(dim, dims)}; the issues are {', '.join(dims)}"))
        elif lo > hi:
            problems.append(((*loc, "point", dim), "low must be <= high"))
    if pat.deal is not None:
        problems.extend(_deal_shape(pat, (*loc, "deal"), dims, classes))
    if pat.order is not None and pat.order.first == pat.order.then:
        problems.append(((*loc, "order", "then"), "must name a different pattern from first"))
    return problems


def _state_shape(st: StateCheck, loc: Loc) -> list[tuple[Loc, str]]:
    """A state check's bounds: within, or at_least and/or at_most, in order."""
    problems: list[tuple[Loc, str]] = []
    one_sided = st.at_least is not None or st.at_most is not None
    if st.within is not None and one_sided:
        problems.append(((*loc, "within"), "give within or at_least/at_most, not both"))
    elif st.within is None and not one_sided:
        problems.append(((*loc, "within"), "give the bounds the measure must meet: within, at_least or at_most"))
    if st.within is not None and st.within[0] > st.within[1]:
        problems.append(((*loc, "within"), "low must be <= high"))
    if st.at_least is not None and st.at_most is not None and st.at_least > st.at_most:
        problems.append(((*loc, "at_least"), "must be <= at_most"))
    return problems


def _deal_shape(pat: Pattern, loc: Loc, dims: list[str], classes: list[str]) -> list[tuple[Loc, str]]:
    """A deal's class (only agreement events carry one; a known class) and the issues it is near."""
    assert pat.deal is not None
    problems: list[tuple[Loc, str]] = []
    cls = pat.deal.agreement_class
    if cls is not None:
        if pat.kinds() != {"agreement"}:
            problems.append(((*loc, "class"), "only agreement events carry a class; give kind: agreement"))
        if cls not in classes:
            problems.append(
                ((*loc, "class"), f"unknown agreement class {cls!r}{did_you_mean(cls, classes)}; the classes are {', '.join(classes)}")
            )
    elif not pat.deal.near:
        problems.append(((*loc,), "give a class, or near with the point the deal should lie near"))
    for dim in pat.deal.near:
        if dim not in dims:
            problems.append(((*loc, "near", dim), f"unknown dimension {dim!r}{did_you_mean(dim, dims)}; the issues are {', '.join(dims)}"))
    return problems
