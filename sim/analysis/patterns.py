"""Scoring one run against a scenario's patterns (pattern-oriented modelling, Grimm et al. 2005).

Pure functions of a run's event log and series, giving each pattern a score
in [0, 1] (timing by distance from its window), or nan where the pattern does
not apply to the run. Sweeps score their runs with these, and backtests and
calibration (:mod:`summitry.sim.experiments.backtest`) aggregate them; this module imports neither.
The steps in which a pattern can earn anything (:func:`pattern_window`, :func:`scored_weeks`) are the scenario's
(:mod:`summitry.sim.scenario.pattern_fields`), which checks them against the run's horizon; they are named here too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow.compute as pc

from summitry.sim.results.run_result import RunResult
from summitry.sim.scenario.document import Scenario
from summitry.sim.scenario.pattern_fields import Pattern
from summitry.sim.scenario.pattern_fields import pattern_window as pattern_window  # named here too (tests, the backtest)
from summitry.sim.scenario.pattern_fields import scored_weeks as scored_weeks


def _rows(events: Any) -> list[Mapping[str, Any]]:
    """Event rows as mappings, from a pyarrow Table, a DataFrame or an iterable of mappings."""
    if hasattr(events, "to_pylist"):
        return list(events.to_pylist())
    if isinstance(events, pd.DataFrame):
        return list(events.to_dict("records"))
    return list(events)


def _ordered(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Rows in the order things happened: by step, ties kept in log order."""
    return sorted(rows, key=lambda r: int(r["step"]))


_PAIR = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)=(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)")


def detail_point(detail: str | None) -> dict[str, float]:
    """The ``dim=value`` pairs of an event's detail (e.g. an offer's), as numbers.

    >>> detail_point("d=0.35, r=0.50; binding: r")
    {'d': 0.35, 'r': 0.5}
    >>> detail_point("")
    {}
    """
    return {m.group(1): float(m.group(2)) for m in _PAIR.finditer(detail or "")}


def deal_class(detail: str | None) -> str | None:
    """The agreement class an agreement event's detail starts with (``interim: d=0.35, ...``); None without one.

    >>> deal_class("interim: d=0.35, r=0.50")
    'interim'
    >>> deal_class("d=0.35, r=0.50; binding: r") is None
    True
    """
    head, sep, _ = (detail or "").partition(":")
    return head.strip() if sep and "=" not in head else None


def _matches(row: Mapping[str, Any], pattern: Pattern, kinds: frozenset[str]) -> bool:
    """Whether an event counts for an event pattern: its kind, sender, receiver, detail, point and deal."""
    if row.get("kind") not in kinds:
        return False
    if pattern.sender is not None and row.get("sender") != pattern.sender:
        return False
    if pattern.receiver is not None and row.get("receiver") != pattern.receiver:
        return False
    text = str(row.get("detail") or "")
    if pattern.detail is not None and re.search(pattern.detail, text) is None:
        return False
    values = detail_point(text) if pattern.point or pattern.deal else {}
    for dim, (lo, hi) in (pattern.point or {}).items():
        v = values.get(dim)
        if v is None or not lo <= v <= hi:
            return False
    deal = pattern.deal
    if deal is not None:
        if deal.agreement_class is not None and deal_class(text) != deal.agreement_class:
            return False
        for dim, target in deal.near.items():
            v = values.get(dim)
            # the detail prints values to two decimals: a distance equal to `within` must count
            if v is None or abs(v - target) > deal.within + 1e-9:
                return False
    return True


def _occurrences(rows: Sequence[Mapping[str, Any]], pattern: Pattern, kinds: frozenset[str], with_filters: bool) -> list[int]:
    """Steps of the events of ``kinds`` after the first ``after`` event and before the first ``before`` event (log order)."""
    steps: list[int] = []
    started = pattern.after is None
    for r in rows:
        if pattern.before is not None and r.get("kind") == pattern.before:
            break
        if not started:
            started = r.get("kind") == pattern.after
            continue
        if with_filters:
            if _matches(r, pattern, kinds):
                steps.append(int(r["step"]))
        elif r.get("kind") in kinds:
            steps.append(int(r["step"]))
    return steps


def occurrences(events_rows: Any, pattern: Pattern) -> list[int]:
    """Steps of the events that count for an event pattern anywhere in the run (before the window is applied).

    An event counts when its kind is one of the pattern's, its sender and
    receiver are the pattern's (when given), its detail matches ``detail``,
    carries the ``point`` values and the ``deal`` (when given), and it comes
    before the first event of the ``before`` kind and after the first event
    of the ``after`` kind (in the log's order; when given).
    """
    return _occurrences(_ordered(_rows(events_rows)), pattern, pattern.kinds(), True)


def timing_score(step: int, window: tuple[int, int], tolerance: int) -> float:
    """1 inside the window, falling linearly to 0 at ``tolerance`` weeks outside it (0 outside when tolerance is 0).

    >>> [round(timing_score(s, (10, 14), 3), 3) for s in (6, 7, 8, 9, 10, 14, 15, 16, 17)]
    [0.0, 0.0, 0.333, 0.667, 1.0, 1.0, 0.667, 0.333, 0.0]
    >>> timing_score(15, (10, 14), 0)
    0.0
    """
    lo, hi = window
    gap = lo - step if step < lo else max(0, step - hi)
    if gap == 0:
        return 1.0
    if tolerance <= 0:
        return 0.0
    return max(0.0, 1.0 - gap / tolerance)


def breach_score(step: int, window: tuple[int, int], tolerance: int) -> float:
    """How fully an event breaks an absent pattern: 1 at ``tolerance`` weeks or more inside the window, less nearer its edges.

    >>> [round(breach_score(s, (0, 30), 3), 3) for s in (-1, 0, 1, 2, 3, 15, 27, 28, 30, 31)]
    [0.0, 0.0, 0.333, 0.667, 1.0, 1.0, 1.0, 0.667, 0.0, 0.0]
    >>> breach_score(0, (0, 16), 0)
    1.0
    """
    lo, hi = window
    if step < lo or step > hi:
        return 0.0
    if tolerance <= 0:
        return 1.0
    return min(1.0, min(step - lo, hi - step) / tolerance)


def _kth(values: Iterable[float], k: int) -> float:
    """The k-th largest value (0 when there are fewer than k)."""
    v = sorted(values, reverse=True)
    return v[k - 1] if len(v) >= k else 0.0


def active_in(rows: Sequence[Mapping[str, Any]], window: tuple[int, int], sender: str | None = None) -> bool:
    """Whether ``sender`` (anyone, when None) chose at least one signal during the window's weeks."""
    lo, hi = window
    for r in rows:
        if r.get("source") != "chosen" or not lo <= int(r["step"]) <= hi:
            continue
        if sender is None or r.get("sender") == sender:
            return True
    return False


def _series_points(series: Any, agent: str, variable: str) -> list[tuple[int, float]]:
    """(step, value) of one agent's variable in a tidy series (pyarrow Table, DataFrame or rows), in step order."""
    if series is None:
        return []
    if hasattr(series, "filter") and hasattr(series, "column") and not isinstance(series, pd.DataFrame):
        t = series.filter(pc.and_(pc.equal(series["agent"], agent), pc.equal(series["variable"], variable)))
        pts = list(zip(t["step"].to_pylist(), t["value"].to_pylist(), strict=True))
    elif isinstance(series, pd.DataFrame):
        t = series[(series["agent"] == agent) & (series["variable"] == variable)]
        pts = list(zip(t["step"].tolist(), t["value"].tolist(), strict=True))
    else:
        pts = [(r["step"], r["value"]) for r in series if r["agent"] == agent and r["variable"] == variable]
    return sorted((int(s), float(v)) for s, v in pts)


def state_measure(points: Sequence[tuple[int, float]], window: tuple[int, int], measure: str) -> float:
    """A state pattern's measure of (step, value) points over the steps [a, b]; nan when nothing was recorded by step b.

    The value at a step is the last one recorded at or before it (a run that
    has ended keeps its last state).

    >>> pts = [(0, 0.2), (1, 0.25), (2, 0.4), (3, 0.3)]
    >>> [round(state_measure(pts, (1, 3), m), 3) for m in ("range", "change", "mean", "last", "min", "max", "drift")]
    [0.15, 0.05, 0.317, 0.3, 0.25, 0.4, 0.15]
    >>> round(state_measure(pts, (2, 9), "change"), 3)
    -0.1
    """
    a, b = window
    known = [(s, v) for s, v in points if s <= b]
    if not known:
        return math.nan

    def at(week: int) -> float:
        prior = [v for s, v in known if s <= week]
        return prior[-1] if prior else known[0][1]

    values = [at(w) for w in range(a, b + 1)]
    if measure == "range":
        return max(values) - min(values)
    if measure == "change":
        return values[-1] - values[0]
    if measure == "last":
        return values[-1]
    if measure == "min":
        return min(values)
    if measure == "max":
        return max(values)
    if measure == "drift":
        return max(abs(v - values[0]) for v in values)
    return float(sum(values) / len(values))


def within_score(value: float, within: tuple[float, float], slack: float) -> float:
    """1 inside [low, high], falling linearly to 0 at ``slack`` outside it.

    >>> [round(within_score(v, (0.0, 0.1), 0.1), 6) for v in (0.05, 0.1, 0.15, 0.2, 0.3)]
    [1.0, 1.0, 0.5, 0.0, 0.0]
    >>> within_score(0.0, (-0.1, -0.01), 0.0), within_score(-0.02, (-0.1, -0.01), 0.0)
    (0.0, 1.0)
    """
    if math.isnan(value):
        return 0.0
    lo, hi = within
    gap = lo - value if value < lo else max(0.0, value - hi)
    if gap <= 1e-12:
        return 1.0
    if slack <= 0:
        return 0.0
    return max(0.0, 1.0 - gap / slack)


_SPREADS = frozenset({"range", "change", "drift"})
"""State measures that a series which never moves gives 0."""


def is_restraint(pattern: Pattern, points: Sequence[tuple[int, float]] = ()) -> bool:
    """Whether a run in which nothing moves would earn the pattern: an absent event, or a state met by a flat series.

    >>> is_restraint(Pattern(id="a", text="t", kind="icbm_test", window=(0, 9), absent=True))
    True
    >>> is_restraint(Pattern(id="a", text="t", kind="summit_held", window=(0, 9)))
    False
    """
    if pattern.state is None:
        return pattern.restraint_limit is not None
    st = pattern.state
    # a flat series: no spread, change or drift; every level measure is the value the window starts at
    value = 0.0 if st.measure in _SPREADS else state_measure(points, (pattern.window[0], pattern.window[0]), "mean")
    return within_score(value, st.bounds, st.slack) > 0


def met_at(rows: Sequence[Mapping[str, Any]], series: Any, pattern: Pattern, window: tuple[int, int]) -> int | None:
    """The first step of ``window`` at which ``pattern`` is met, for an order pattern; None if it is not met there.

    An event pattern is met at the step of its ``count``-th counting event in
    the window. A state pattern is met at the first step t at which its
    measure over [window start, t] lies within its bounds (its slack and its
    own window are not used).

    >>> p = Pattern(id="a", text="t", kind="concession", sender="ada", window=(0, 9), count=2)
    >>> met_at([{"step": s, "kind": "concession", "sender": "ada"} for s in (1, 4, 6)], None, p, (2, 9))
    6
    """
    lo, hi = window
    if pattern.state is not None:
        st = pattern.state
        points = _series_points(series, st.agent, st.variable)
        for t in range(lo, hi + 1):
            if within_score(state_measure(points, (lo, t), st.measure), st.bounds, 0.0) == 1.0:
                return t
        return None
    steps = [s for s in _occurrences(rows, pattern, pattern.kinds(), True) if lo <= s <= hi]
    return steps[pattern.count - 1] if len(steps) >= pattern.count else None


def order_score(first: int | None, then: int | None, gap: int) -> float:
    """An order pattern's score from the steps its two patterns are met at (None: not met in the window).

    1 when the first is met at least ``gap`` steps before the second, or the
    first alone is met; 0 when the second comes too soon or alone; nan when
    neither is met (the pattern says nothing about such a run).

    >>> [order_score(a, b, 1) for a, b in ((3, 5), (5, 5), (6, 5), (3, None), (None, 5))]
    [1.0, 0.0, 0.0, 1.0, 0.0]
    >>> order_score(5, 5, 0), order_score(None, None, 1)
    (1.0, nan)
    """
    if first is None and then is None:
        return math.nan
    if then is None:
        return 1.0
    if first is None:
        return 0.0
    return 1.0 if then - first >= gap else 0.0


def score_pattern(events_rows: Any, pattern: Pattern, series: Any = None, patterns: Sequence[Pattern] = ()) -> float:
    """How well a run reproduces ``pattern``: a score in [0, 1], or nan when the pattern does not apply to the run.

    Present event patterns score the ``count``-th best :func:`timing_score`
    of their occurrences; with ``given`` they apply only when an event of
    that kind (any sender) has a positive timing score, and score relative to
    the best such event. Absent and at-most patterns score 1 minus the
    :attr:`~sim.scenario.pattern_fields.Pattern.restraint_limit`-th largest
    :func:`breach_score`. State patterns score :func:`within_score` of
    :func:`state_measure` over the window. Order patterns score
    :func:`order_score` of the steps at which the two patterns they name
    (found in ``patterns``) are :func:`met_at` in the window. Restraint
    patterns (:func:`is_restraint`) apply only when someone (the pattern's
    sender, if it names one) chose a signal during the window.

    >>> p = Pattern(id="s", text="a summit by week 14", kind="summit_held", window=(10, 14), tolerance=3)
    >>> score_pattern([{"step": 12, "kind": "summit_held", "sender": "a"}], p)
    1.0
    >>> round(score_pattern([{"step": 16, "kind": "summit_held", "sender": "a"}], p), 3)
    0.333
    >>> score_pattern([{"step": 17, "kind": "summit_held", "sender": "a"}], p)
    0.0
    """
    rows = _ordered(_rows(events_rows))
    if pattern.order is not None:
        by_id = {q.id: q for q in patterns}
        first, then = (by_id[pattern.order.first], by_id[pattern.order.then])
        return order_score(met_at(rows, series, first, pattern.window), met_at(rows, series, then, pattern.window), pattern.order.gap)
    if pattern.state is not None:
        st = pattern.state
        points = _series_points(series, st.agent, st.variable)
        if is_restraint(pattern, points) and not active_in(rows, pattern.window):
            return math.nan
        return within_score(state_measure(points, pattern.window, st.measure), st.bounds, st.slack)
    steps = _occurrences(rows, pattern, pattern.kinds(), True)
    limit = pattern.restraint_limit
    if limit is not None:
        if not active_in(rows, pattern.window, pattern.sender):
            return math.nan
        return 1.0 - _kth((breach_score(s, pattern.window, pattern.tolerance) for s in steps), limit)
    score = _kth((timing_score(s, pattern.window, pattern.tolerance) for s in steps), pattern.count)
    if pattern.given is not None:
        base = max(
            (timing_score(s, pattern.window, pattern.tolerance) for s in _occurrences(rows, pattern, frozenset([pattern.given]), False)),
            default=0.0,
        )
        if base <= 0:
            return math.nan
        return min(1.0, score / base)
    return score


def score_patterns(events_rows: Any, patterns: Sequence[Pattern], series: Any = None) -> dict[str, float]:
    """{pattern id: :func:`score_pattern`} for a list of patterns (order patterns look up the patterns they name in it)."""
    rows = _ordered(_rows(events_rows))
    return {p.id: score_pattern(rows, p, series, patterns) for p in patterns}


def score_run(result: RunResult, scenario: Scenario) -> dict[str, float]:
    """{pattern id: score in [0, 1], or nan where the pattern does not apply} for every pattern of the scenario."""
    return score_patterns(result.events, scenario.patterns, getattr(result, "series", None))


def weighted_score(scores: Mapping[str, float], patterns: Sequence[Pattern]) -> float:
    """The weighted mean of the pattern scores that apply (nan scores and weight 0 do not count); nan without weight.

    >>> ps = [Pattern(id="a", text="t", kind="k", window=(0, 1)), Pattern(id="b", text="t", kind="k", window=(0, 1), weight=3)]
    >>> weighted_score({"a": 1, "b": 0}, ps)
    0.25
    >>> weighted_score({"a": 1, "b": float("nan")}, ps)
    1.0
    """
    used = [(p.weight, float(scores[p.id])) for p in patterns if not math.isnan(float(scores[p.id]))]
    total = sum(w for w, _ in used)
    if total <= 0:
        return math.nan
    return float(sum(w * v for w, v in used) / total)


def first_week(events_rows: Any, pattern: Pattern) -> float:
    """Step of the pattern's first occurrence anywhere in the run (nan if none): the simulated timing."""
    steps = occurrences(events_rows, pattern)
    return float(steps[0]) if steps else math.nan
