"""Kaplan–Meier survival tables of an ensemble's or a sweep's saved runs (ODD 4.11 and 8).

Two durations per run are stored with its metrics: ``time_to_agreement``
(the agreement week, or the horizon when no agreement was reached: censored)
and ``moratorium_survival`` (weeks from the first pledge to the first test by
a pledged side, or to the end of the run: censored; absent without a
pledge). :func:`kaplan_meier` turns such durations into a survival table
with a pointwise 95% band and the number at risk; it is a pure function of
its inputs and reads nothing but them.

The estimate and its band come from :func:`scipy.stats.ecdf` on
:class:`scipy.stats.CensoredData`, with the log(−log) ("exponential
Greenwood") interval, which is also lifelines' default and stays inside
[0, 1]. lifelines itself is not used: its release 0.30.3 requires
pandas < 3, which would downgrade the pandas summitry runs on.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class SurvivalTable:
    """A Kaplan–Meier table: one row at week 0 and one per week at which some run ended (event or censoring).

    ``survival[k]`` is S(t) just after ``week[k]``; ``low``/``high`` its
    pointwise band at ``confidence``; ``at_risk[k]`` the runs still in the
    risk set at ``week[k]`` (duration ≥ week[k]); ``events``/``censored``
    the runs that ended there with the event or censored.
    """

    week: FloatArray
    survival: FloatArray
    low: FloatArray
    high: FloatArray
    at_risk: IntArray
    events: IntArray
    censored: IntArray
    confidence: float = 0.95

    @property
    def n(self) -> int:
        """Runs with a duration (the risk set at week 0)."""
        return int(self.events.sum() + self.censored.sum())

    @property
    def n_events(self) -> int:
        return int(self.events.sum())

    def at(self, week: float) -> float:
        """S(week): the survival of the last row at or before ``week`` (1 before the first row; NaN without runs)."""
        if self.n == 0:
            return math.nan
        k = int(np.searchsorted(self.week, week, side="right")) - 1
        return 1.0 if k < 0 else float(self.survival[k])

    def at_risk_at(self, week: float) -> int:
        """Runs whose duration is at least ``week`` (still at risk of the event at that week)."""
        k = int(np.searchsorted(self.week, week, side="left"))
        return int(self.events[k:].sum() + self.censored[k:].sum())

    def median(self) -> float | None:
        """The first week at which S(t) ≤ 0.5, or None when the curve never gets there."""
        hit = np.flatnonzero(self.survival <= 0.5)
        return float(self.week[hit[0]]) if hit.size else None

    def rows(self) -> list[dict[str, Any]]:
        """The table as plain rows (week, at_risk, events, censored, survival, low, high)."""
        return [
            {
                "week": float(self.week[k]),
                "at_risk": int(self.at_risk[k]),
                "events": int(self.events[k]),
                "censored": int(self.censored[k]),
                "survival": float(self.survival[k]),
                "low": float(self.low[k]),
                "high": float(self.high[k]),
            }
            for k in range(self.week.size)
        ]


def _empty(confidence: float) -> SurvivalTable:
    f = np.zeros(0, dtype=float)
    i = np.zeros(0, dtype=np.int64)
    return SurvivalTable(f, f, f, f, i, i, i, confidence)


def kaplan_meier(durations: ArrayLike, observed: ArrayLike, confidence: float = 0.95) -> SurvivalTable:
    """The Kaplan–Meier estimate of S(t) = P(duration > t) with its pointwise log(−log) band.

    Args:
        durations: weeks to the event or to censoring, one per run; NaN
            entries (runs without a duration, e.g. no pledge) are left out.
        observed: truthy where the event happened at that duration, falsy
            where the run was censored there (it ended without the event).
        confidence: the band's coverage.

    Six runs with events at weeks 2, 3, 3 and censored at 4, 5, 6: S = 5/6
    after week 2, then 5/6 · 3/5 = 1/2 after week 3, and the censorings
    leave it there.

    >>> t = kaplan_meier([2, 3, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0])
    >>> [(float(w), int(r), round(float(s), 4)) for w, r, s in zip(t.week, t.at_risk, t.survival)]
    [(0.0, 6, 1.0), (2.0, 6, 0.8333), (3.0, 5, 0.5), (4.0, 3, 0.5), (5.0, 2, 0.5), (6.0, 1, 0.5)]
    """
    from scipy.stats import CensoredData, ecdf  # lazy: scipy.stats costs a second to import

    d = np.asarray(durations, dtype=float).ravel()
    e = np.asarray(observed, dtype=float).ravel()
    if d.shape != e.shape:
        raise ValueError(f"durations ({d.size}) and observed ({e.size}) differ in length")
    keep = np.isfinite(d)
    d, ev = d[keep], np.nan_to_num(e[keep], nan=0.0) != 0
    if np.any(d < 0):
        raise ValueError("durations must not be negative")
    if d.size == 0:
        return _empty(confidence)
    weeks = np.unique(d)
    if weeks[0] > 0:
        weeks = np.concatenate([[0.0], weeks])
    events = np.array([int(np.sum(ev & (d == w))) for w in weeks], dtype=np.int64)
    censored = np.array([int(np.sum(~ev & (d == w))) for w in weeks], dtype=np.int64)
    # the risk set at week w: runs still going at w (their duration is at least w); the week-0 row counts every run
    at_risk = np.array([int(np.sum(d >= w)) for w in weeks], dtype=np.int64)
    survival = np.ones(weeks.size)
    low = np.ones(weeks.size)
    high = np.ones(weeks.size)
    if ev.any():
        res = ecdf(CensoredData(uncensored=d[ev], right=d[~ev]))
        with warnings.catch_warnings():
            # undefined where S is 0 (after the last run ends in the event): handled below
            warnings.simplefilter("ignore", RuntimeWarning)
            band = res.sf.confidence_interval(confidence, method="log-log")
        q = np.asarray(res.sf.quantiles, dtype=float)
        # a step function: the value at the last of scipy's quantiles at or before each week (1 before the first)
        k = np.searchsorted(q, weeks, side="right") - 1
        has = k >= 0
        kk = np.clip(k, 0, None)
        survival = np.where(has, np.asarray(res.sf.probabilities, dtype=float)[kk], 1.0)
        low = np.where(has, np.asarray(band.low.probabilities, dtype=float)[kk], 1.0)
        high = np.where(has, np.asarray(band.high.probabilities, dtype=float)[kk], 1.0)
        # the log(-log) band is undefined at S = 0 (and at 1): there it collapses onto the estimate
        low = np.where(np.isfinite(low), low, survival)
        high = np.where(np.isfinite(high), high, survival)
    return SurvivalTable(weeks.astype(float), survival, low, high, at_risk, events, censored, confidence)


def _column(runs: Any, name: str) -> FloatArray:
    if isinstance(runs, Mapping):
        return np.asarray(runs.get(name, []), dtype=float)
    if name not in getattr(runs, "columns", ()):
        return np.full(len(runs), np.nan)
    return np.asarray(runs[name], dtype=float)


def survival_of_runs(runs: Any, prefix: str = "") -> dict[str, SurvivalTable]:
    """Both curves of a table of saved runs: ``"agreement"`` (time to agreement) and ``"moratorium"`` (moratorium survival).

    ``runs`` is a DataFrame or a mapping of columns holding, with an
    optional ``prefix`` (a sweep's rows use ``metric.``),
    ``time_to_agreement`` with ``agreement`` (1 for an agreement, 0 if
    censored) or ``agreement_censored``, and ``moratorium_survival`` with
    ``moratorium_censored`` (1 if the pledge held to the end). A run
    without a pledge has no moratorium duration and is left out of that curve.
    """
    tta = _column(runs, prefix + "time_to_agreement")
    names = runs.keys() if isinstance(runs, Mapping) else getattr(runs, "columns", ())
    if prefix + "agreement" in names:
        agreed = _column(runs, prefix + "agreement")
    else:
        agreed = 1.0 - _column(runs, prefix + "agreement_censored")
    mor = _column(runs, prefix + "moratorium_survival")
    held = _column(runs, prefix + "moratorium_censored")
    mor = np.where(np.isfinite(held), mor, np.nan)  # no censoring flag (an older store): no duration to trust
    return {"agreement": kaplan_meier(tta, agreed), "moratorium": kaplan_meier(mor, 1.0 - np.nan_to_num(held, nan=1.0))}


def summary_rows(table: SurvivalTable, weeks: Sequence[float]) -> list[dict[str, Any]]:
    """S(t), its band and the number at risk at chosen weeks (for a report's table)."""
    out = []
    for w in weeks:
        k = int(np.searchsorted(table.week, w, side="right")) - 1
        s, lo, hi = (1.0, 1.0, 1.0) if k < 0 else (float(table.survival[k]), float(table.low[k]), float(table.high[k]))
        out.append({"week": float(w), "at_risk": table.at_risk_at(w), "survival": s, "low": lo, "high": hi})
    return out
