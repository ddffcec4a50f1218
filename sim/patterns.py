"""Scoring one run against a scenario's patterns (pattern-oriented modelling, Grimm et al. 2005).

Pure functions of a run's event log and series, giving each pattern a score
in [0, 1] (timing by distance from its window), or nan where the pattern does
not apply to the run. Sweeps score their runs with these, and backtests and
calibration (:mod:`sim.backtest`) aggregate them; this module imports neither.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow.compute as pc

from sim.run import RunResult
from sim.scenario import Pattern, Scenario


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


def _matches(row: Mapping[str, Any], kind: str, sender: str | None, detail: str | None, point: Mapping[str, Any] | None) -> bool:
    if row.get("kind") != kind:
        return False
    if sender is not None and row.get("sender") != sender:
        return False
    if detail is not None and re.search(detail, str(row.get("detail") or "")) is None:
        return False
    if point:
        values = detail_point(str(row.get("detail") or ""))
        for dim, (lo, hi) in point.items():
            v = values.get(dim)
            if v is None or not lo <= v <= hi:
                return False
    return True


def _occurrences(rows: Sequence[Mapping[str, Any]], pattern: Pattern, kind: str, with_filters: bool) -> list[int]:
    steps: list[int] = []
    for r in rows:
        if pattern.before is not None and r.get("kind") == pattern.before:
            break
        if with_filters:
            if _matches(r, kind, pattern.sender, pattern.detail, pattern.point):
                steps.append(int(r["step"]))
        elif r.get("kind") == kind:
            steps.append(int(r["step"]))
    return steps


def occurrences(events_rows: Any, pattern: Pattern) -> list[int]:
    """Steps of the events that count for an event pattern anywhere in the run (before the window is applied).

    An event counts when its kind is the pattern's, its sender is the
    pattern's (when one is given), its detail matches ``detail`` and carries
    the ``point`` values (when given), and it comes before the first event of
    the ``before`` kind (in the log's order; when one is given).
    """
    if pattern.kind is None:
        return []
    return _occurrences(_ordered(_rows(events_rows)), pattern, pattern.kind, True)


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


def pattern_window(pattern: Pattern) -> tuple[int, int]:
    """The weeks [lo, hi] in which an event earns the pattern any credit (for display).

    >>> pattern_window(Pattern(id="a", text="t", kind="k", window=(10, 14), tolerance=3))
    (8, 16)
    >>> pattern_window(Pattern(id="a", text="t", kind="k", window=(0, 30), tolerance=3, absent=True))
    (1, 29)
    >>> pattern_window(Pattern(id="a", text="t", kind="k", window=(10, 14), tolerance=0))
    (10, 14)
    """
    lo, hi = pattern.window
    if pattern.state is not None or pattern.tolerance == 0:
        return lo, hi
    if pattern.absent:
        return lo + 1, hi - 1
    return lo - pattern.tolerance + 1, hi + pattern.tolerance - 1


def scored_weeks(pattern: Pattern, steps: int) -> list[int]:
    """:func:`pattern_window` clipped to the run's weeks 0..steps-1 (for display).

    >>> scored_weeks(Pattern(id="a", text="t", kind="k", window=(0, 2), tolerance=3), 17)
    [0, 4]
    """
    lo, hi = pattern_window(pattern)
    return [max(0, lo), min(steps - 1, hi)]


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
    """A state pattern's measure of (step, value) points over the weeks [a, b]; nan when nothing was recorded by week b.

    The value at a week is the last one recorded at or before it (a run that
    has ended keeps its last state).

    >>> pts = [(0, 0.2), (1, 0.25), (2, 0.4), (3, 0.3)]
    >>> [round(state_measure(pts, (1, 3), m), 3) for m in ("range", "change", "mean")]
    [0.15, 0.05, 0.317]
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

    weekly = [at(w) for w in range(a, b + 1)]
    if measure == "range":
        return max(weekly) - min(weekly)
    if measure == "change":
        return weekly[-1] - weekly[0]
    return float(sum(weekly) / len(weekly))


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


def is_restraint(pattern: Pattern, points: Sequence[tuple[int, float]] = ()) -> bool:
    """Whether a run in which nothing moves would earn the pattern: an absent event, or a state met by a flat series.

    >>> is_restraint(Pattern(id="a", text="t", kind="icbm_test", window=(0, 9), absent=True))
    True
    >>> is_restraint(Pattern(id="a", text="t", kind="summit_held", window=(0, 9)))
    False
    """
    if pattern.state is None:
        return pattern.absent
    st = pattern.state
    value = state_measure(points, (pattern.window[0], pattern.window[0]), "mean") if st.measure == "mean" else 0.0
    return within_score(value, st.within, st.slack) > 0


def score_pattern(events_rows: Any, pattern: Pattern, series: Any = None) -> float:
    """How well a run reproduces ``pattern``: a score in [0, 1], or nan when the pattern does not apply to the run.

    Present event patterns score the ``count``-th best :func:`timing_score`
    of their occurrences; with ``given`` they apply only when an event of
    that kind (any sender) has a positive timing score, and score relative to
    the best such event. Absent patterns score 1 minus the ``count``-th
    largest :func:`breach_score`. State patterns score :func:`within_score`
    of :func:`state_measure` over the window. Restraint patterns
    (:func:`is_restraint`) apply only when someone (the pattern's sender, if
    it names one) chose a signal during the window.

    >>> p = Pattern(id="s", text="a summit by week 14", kind="summit_held", window=(10, 14), tolerance=3)
    >>> score_pattern([{"step": 12, "kind": "summit_held", "sender": "a"}], p)
    1.0
    >>> round(score_pattern([{"step": 16, "kind": "summit_held", "sender": "a"}], p), 3)
    0.333
    >>> score_pattern([{"step": 17, "kind": "summit_held", "sender": "a"}], p)
    0.0
    """
    rows = _ordered(_rows(events_rows))
    if pattern.state is not None:
        st = pattern.state
        points = _series_points(series, st.agent, st.variable)
        if is_restraint(pattern, points) and not active_in(rows, pattern.window):
            return math.nan
        return within_score(state_measure(points, pattern.window, st.measure), st.within, st.slack)
    assert pattern.kind is not None
    steps = _occurrences(rows, pattern, pattern.kind, True)
    if pattern.absent:
        if not active_in(rows, pattern.window, pattern.sender):
            return math.nan
        return 1.0 - _kth((breach_score(s, pattern.window, pattern.tolerance) for s in steps), pattern.count)
    score = _kth((timing_score(s, pattern.window, pattern.tolerance) for s in steps), pattern.count)
    if pattern.given is not None:
        base = max(
            (timing_score(s, pattern.window, pattern.tolerance) for s in _occurrences(rows, pattern, pattern.given, False)), default=0.0
        )
        if base <= 0:
            return math.nan
        return min(1.0, score / base)
    return score


def score_run(result: RunResult, scenario: Scenario) -> dict[str, float]:
    """{pattern id: score in [0, 1], or nan where the pattern does not apply} for every pattern of the scenario."""
    rows = _rows(result.events)
    series = getattr(result, "series", None)
    return {p.id: score_pattern(rows, p, series) for p in scenario.patterns}


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
