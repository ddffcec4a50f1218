"""Statistics shared by analysis, backtests, reports and the dashboard: the Wilson score interval, and a mean's Student-t interval.

One implementation of each; ``tests/sim/test_stats.py`` checks the Wilson
interval against ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

Z95 = 1.959963984540054
"""The standard normal quantile of 0.975: a two-sided 95% interval."""


def wilson_bounds(successes: ArrayLike, trials: ArrayLike, z: float = Z95) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(low, high) of the Wilson score interval of k/n, elementwise; n = 0 gives the uninformative [0, 1].

    >>> lo, hi = wilson_bounds([5, 0, 0], [10, 20, 0])
    >>> [round(float(v), 4) for v in lo], [round(float(v), 4) for v in hi]
    ([0.2366, 0.0, 0.0], [0.7634, 0.1611, 1.0])
    """
    k = np.atleast_1d(np.asarray(successes, dtype=float))
    n = np.atleast_1d(np.asarray(trials, dtype=float))
    some = n > 0
    safe_n = np.where(some, n, 1.0)
    p = np.where(some, k / safe_n, 0.0)
    z2 = z * z
    denom = 1 + z2 / safe_n
    centre = (p + z2 / (2 * safe_n)) / denom
    half = z * np.sqrt(p * (1 - p) / safe_n + z2 / (4 * safe_n**2)) / denom
    lo = np.where(some, np.clip(centre - half, 0.0, 1.0), 0.0)
    hi = np.where(some, np.clip(centre + half, 0.0, 1.0), 1.0)
    return lo, hi


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float, float]:
    """(estimate, low, high) of one proportion; n = 0 gives (nan, 0, 1).

    >>> tuple(round(v, 4) for v in wilson(5, 10))
    (0.5, 0.2366, 0.7634)
    >>> wilson(0, 0)
    (nan, 0.0, 1.0)
    """
    lo, hi = wilson_bounds(successes, n, z)
    return (successes / n if n > 0 else math.nan), float(lo[0]), float(hi[0])


def mean_t(values: Sequence[float] | NDArray[np.float64]) -> dict[str, float]:
    """The mean with a Student-t 95% interval, and how many values: {value, low, high, runs}.

    The interval of a mean of paired differences (a skill over a baseline on
    the same seeds); one value has no interval (nan), none has no mean.

    >>> {k: round(v, 4) for k, v in mean_t([0.1, 0.2, 0.3, 0.4]).items()}
    {'value': 0.25, 'low': 0.0446, 'high': 0.4554, 'runs': 4}
    """
    from scipy.stats import t as student_t  # heavy (scipy.stats, ~0.3 s): only where an interval of a mean is wanted

    v = np.asarray(values, dtype=float)
    n = int(v.size)
    if n == 0:
        return {"value": math.nan, "low": math.nan, "high": math.nan, "runs": 0}
    m = float(v.mean())
    half = float(student_t.ppf(0.975, n - 1)) * float(v.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    return {"value": m, "low": m - half, "high": m + half, "runs": n}
