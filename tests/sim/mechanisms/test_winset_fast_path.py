"""The win-set without the (members x grid) matrix equals the direct one (ODD 7.1-7.3)."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from summitry.sim.mechanisms import bargaining as bg


def direct_support(gains, gives, g, b, w):  # type: ignore[no-untyped-def]
    return w @ bg.acceptance(bg.member_utility(gains, gives, g), b).astype(float)


weights_1d = st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=int(os.environ.get("SUMMITRY_FUZZ_EXAMPLES", "60")), deadline=None)
@given(
    dims=st.integers(1, 3),
    points=st.integers(2, 9),
    raw_weights=st.lists(weights_1d, min_size=3, max_size=3),
    members=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
    coarse=st.booleans(),
    curvature=st.sampled_from([1.0, 0.5, 2.0, 3.0]),
)
def test_supports_equal_the_direct_sum(dims, points, raw_weights, members, seed, coarse, curvature) -> None:  # type: ignore[no-untyped-def]
    grid = bg.issue_grid(dims, points)
    gains, gives = bg.split_utility(grid, raw_weights[:dims], curvature)
    plan = bg.RatificationPlan(gains, gives)
    rng = np.random.default_rng(seed)
    g = rng.uniform(0, 3, members)
    b = rng.uniform(-1.5, 1.5, members)
    if coarse:
        # thresholds on grid values: many members sit exactly on a boundary
        g = rng.integers(0, 4, members).astype(float)
        b = rng.choice(np.unique(np.concatenate([gains, gains + gives])), members)
    w = rng.dirichlet(np.ones(members))
    fast = plan.supports(g, b, w)
    ref = direct_support(gains, gives, g, b, w)
    assert np.allclose(fast, ref, rtol=0, atol=1e-12)
    # and so the same win-set wherever the support is not within rounding of theta
    theta = float(rng.uniform(0.05, 0.95))
    decided = np.abs(ref - theta) > 1e-9
    got = plan.supports(g, b, w) >= theta - 1e-12
    want = bg.win_set(bg.acceptance(bg.member_utility(gains, gives, g), b), w, theta)
    assert (got[decided] == want[decided]).all()


def test_hand_computed_case() -> None:
    # one dimension gained (w=+1), one given (w=-1) on a 3x3 grid
    grid = bg.issue_grid(2, 3)
    gains, gives = bg.split_utility(grid, [1.0, -1.0])
    plan = bg.RatificationPlan(gains, gives)
    # member 0: u = gains + gives >= 0 ; member 1: u = gains + 0 * gives >= 0.5
    support = plan.supports(np.array([1.0, 0.0]), np.array([0.0, 0.5]), np.array([0.25, 0.75]))
    # points (d0, d1): (0,0) (0,.5) (0,1) (.5,0) (.5,.5) (.5,1) (1,0) (1,.5) (1,1)
    assert support.tolist() == [0.25, 0.0, 0.0, 1.0, 1.0, 0.75, 1.0, 1.0, 1.0]


def test_large_sides_use_the_fast_path_and_agree() -> None:
    grid = bg.issue_grid(2, 21)
    gains, gives = bg.split_utility(grid, [0.8, -0.6])
    plan = bg.RatificationPlan(gains, gives)
    rng = np.random.default_rng(3)
    m = 2_000
    g, b, w = rng.uniform(0, 2, m), rng.uniform(-0.5, 0.8, m), rng.dirichlet(np.ones(m))
    ref = direct_support(gains, gives, g, b, w)
    assert np.allclose(plan.supports(g, b, w), ref, rtol=0, atol=1e-12)
    theta = 0.5
    decided = np.abs(ref - theta) > 1e-9
    assert (plan.win_set(g, b, w, theta)[decided] == (ref >= theta - 1e-12)[decided]).all()
    assert 0 < plan.win_set(g, b, w, theta).sum() < grid.shape[0]
    assert plan.shared is not None and plan.step > 0  # a product grid, evenly spaced: the arithmetic pass
