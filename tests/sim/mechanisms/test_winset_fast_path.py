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


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.7, 1.0]), min_size=1, max_size=12),
    h=st.sampled_from([0.0, 0.1, 0.2, 0.3]),
    t=st.sampled_from([-0.5, 0.0, 0.1, 0.3, 0.30000000000000004, 0.5, 1.3, 2.0]),
    guess=st.integers(0, 12),
)
def test_exact_start_moves_any_guess_to_the_first_accepted_index(values, h, t, guess) -> None:  # type: ignore[no-untyped-def]
    # the guess from exact arithmetic can be off by rounding (several steps over repeated values): whatever it
    # is, the result is the first j with fl(sg[j] + h) >= t, or len(sg) when there is none
    sg = np.sort(np.array(values))
    k = sg.size
    start = np.array([min(guess, k)])
    accepted = np.flatnonzero(sg + h >= t)
    want = int(accepted[0]) if accepted.size else k
    got = bg._exact_start(sg, np.array([h]), np.array([t]), start)
    assert got.tolist() == [want]


def test_exact_start_by_hand() -> None:
    sg = np.array([0.0, 0.1, 0.1, 0.1, 0.5])
    h = np.full(4, 0.0)
    t = np.array([0.1, 0.1, 0.6, -1.0])
    # guesses too high, too low, past the end and at the end; 0.1 is first reached at index 1, never 0.6, always -1.0
    got = bg._exact_start(sg, h, t, np.array([4, 0, 2, 5]))
    assert got.tolist() == [1, 1, 5, 0]
    # fl(0.1 + 0.2) = 0.30000000000000004 >= 0.3: a member with threshold 0.3 accepts the point that exact
    # arithmetic puts on the boundary
    assert bg._exact_start(np.array([0.0, 0.1, 0.2]), np.array([0.2]), np.array([0.3]), np.array([2])).tolist() == [1]


def test_grouped_path_for_gains_that_differ_between_groups() -> None:
    # not a product grid: the points sharing a `gives` value have different gains, so no group's sorted gains
    # serve the others (the groups are the same size, so only their values tell them apart)
    gains = np.array([0.0, 0.4, 0.8, 0.1, 0.5, 0.9, 0.25, 0.35, 0.95])
    gives = np.array([0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0])
    plan = bg.RatificationPlan(gains, gives)
    rng = np.random.default_rng(11)
    m = 300
    g, b, w = rng.uniform(-1, 1, m), rng.uniform(-0.5, 1.0, m), rng.dirichlet(np.ones(m))
    assert np.allclose(plan.supports(g, b, w), direct_support(gains, gives, g, b, w), rtol=0, atol=1e-12)
    assert plan.shared is None


def test_evenly_spaced_gains_that_do_not_start_at_zero() -> None:
    # a product of gains 0.3, 0.4, ..., 0.8 with three `gives` values: the arithmetic pass, counted from the
    # first gain (0.3), not from 0
    gains = np.tile(np.round(np.arange(0.3, 0.85, 0.1), 10), 3)
    gives = np.repeat([0.0, -0.2, -0.6], 6)
    plan = bg.RatificationPlan(gains, gives)
    rng = np.random.default_rng(5)
    m = 400
    g, b, w = rng.uniform(0, 2, m), rng.uniform(-0.5, 1.0, m), rng.dirichlet(np.ones(m))
    assert np.allclose(plan.supports(g, b, w), direct_support(gains, gives, g, b, w), rtol=0, atol=1e-12)
    assert plan.shared is not None and plan.step > 0


def test_sides_larger_than_one_pass_add_up_every_pass() -> None:
    # more members than one pass takes (RatificationPlan.CHUNK): each pass's histogram is added to the last
    grid = bg.issue_grid(2, 11)
    gains, gives = bg.split_utility(grid, [0.8, -0.6])
    plan = bg.RatificationPlan(gains, gives)
    rng = np.random.default_rng(8)
    m = 2 * bg.RatificationPlan.CHUNK + 500
    g, b, w = rng.uniform(0, 2, m), rng.uniform(-0.5, 0.8, m), rng.dirichlet(np.ones(m))
    assert np.allclose(plan.supports(g, b, w), direct_support(gains, gives, g, b, w), rtol=0, atol=1e-12)


def test_a_support_exactly_at_theta_ratifies_on_the_fast_path_too() -> None:
    """128 members (the fast path), each of weight 1/128: the first 64 accept everything, the rest nothing, so the
    support is exactly 0.5 everywhere. At theta 0.5 every point is in the win-set, as the direct rule says (>=
    theta, within rounding); at theta 0.5 + 1/128 none is."""
    grid = bg.issue_grid(2, 5)
    gains, gives = bg.split_utility(grid, [1.0, -1.0])
    plan = bg.RatificationPlan(gains, gives)
    m = 128
    assert m >= plan.DIRECT_BELOW
    g = np.zeros(m)
    b = np.where(np.arange(m) < 64, -10.0, 10.0)
    w = np.full(m, 1.0 / m)
    np.testing.assert_array_equal(plan.supports(g, b, w), np.full(grid.shape[0], 0.5))
    assert plan.win_set(g, b, w, 0.5).all()
    assert not plan.win_set(g, b, w, 0.5 + 1.0 / m).any()
    assert bg.win_set(bg.acceptance(bg.member_utility(gains, gives, g), b), w, 0.5).all()


@settings(max_examples=int(os.environ.get("SUMMITRY_FUZZ_EXAMPLES", "40")), deadline=None)
@given(
    points=st.integers(2, 11),
    raw_weights=st.lists(weights_1d, min_size=2, max_size=2),
    members=st.sampled_from([1, 63, 64, 65, 1023, 1025, 2100]),
    seed=st.integers(0, 2**32 - 1),
    with_limits=st.booleans(),
    with_veto=st.booleans(),
    tau=st.sampled_from([0.02, 0.1, 0.3]),
)
def test_smooth_ratification_without_the_matrix_equals_the_direct_one(  # type: ignore[no-untyped-def]
    points, raw_weights, members, seed, with_limits, with_veto, tau
) -> None:
    """The chunked path of a large side (bargaining.ratification_of) is the direct rule up to single precision in the
    members' acceptances: the same values to 1e-5 at every grid point and at any subset of points asked for (float32
    rounding, about 1e-7 an acceptance, times the outer sigmoid's slope kappa_R / 4 = 5); a side below
    SMOOTH_DIRECT_BELOW members is the direct rule bit for bit."""
    grid = bg.issue_grid(2, points)
    gains, gives = bg.split_utility(grid, raw_weights)
    rng = np.random.default_rng(seed)
    g = rng.uniform(0, 2, members)
    b = rng.uniform(-1, 1, members)
    w = rng.random(members)
    w = w / w.sum()
    limits = rng.random((members, grid.shape[0])) < 0.8 if with_limits else None
    veto = rng.random(members) < 0.01 if with_veto else None
    direct = bg.smooth_ratification(bg.member_utility(gains, gives, g), b, w, 0.5, tau=tau, veto=veto, limits=limits)
    fast = bg.ratification_of(gains, gives, g, b, w, 0.5, tau=tau, veto=veto, limits=limits)
    if members < bg.SMOOTH_DIRECT_BELOW:
        assert np.array_equal(fast, direct)
    np.testing.assert_allclose(fast, direct, rtol=0, atol=1e-5)
    some = rng.permutation(grid.shape[0])[: max(1, grid.shape[0] // 3)]
    np.testing.assert_allclose(
        bg.ratification_of(gains, gives, g, b, w, 0.5, tau=tau, veto=veto, limits=limits, points=some), direct[some], rtol=0, atol=1e-5
    )
