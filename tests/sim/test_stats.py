"""The one Wilson interval, against scipy's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from summitry.sim.stats import wilson, wilson_bounds


@pytest.mark.parametrize("n", [1, 2, 7, 10, 50, 333])
def test_wilson_matches_scipy_for_every_count(n: int) -> None:
    ks = np.arange(n + 1)
    lo, hi = wilson_bounds(ks, np.full(n + 1, n))
    for k in ks.tolist():
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert (lo[k], hi[k]) == pytest.approx((ci.low, ci.high), abs=1e-12)
        p, low, high = wilson(k, n)
        assert (p, low, high) == pytest.approx((k / n, ci.low, ci.high), abs=1e-12)


def test_other_levels_match_scipy() -> None:
    from scipy.stats import norm

    for level in (0.5, 0.9, 0.99):
        z = float(norm.ppf(0.5 + level / 2))
        ci = binomtest(3, 17).proportion_ci(confidence_level=level, method="wilson")
        assert wilson(3, 17, z)[1:] == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_no_trials_is_the_uninformative_interval() -> None:
    p, lo, hi = wilson(0, 0)
    assert math.isnan(p) and (lo, hi) == (0.0, 1.0)
    lo_a, hi_a = wilson_bounds([0, 4], [0, 4])
    assert lo_a.tolist()[0] == 0.0 and hi_a.tolist() == [1.0, 1.0]
