"""Closed forms the engine's pure functions must reproduce (ODD 7.1-7.3).

Each test compares a function of sim/ with an independent computation: a
dense linear solve, Bayes' rule, a quadrature, or numbers worked out by hand
in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.mechanisms import pressure as pr
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.influence import fj_fixed_point, fj_step, row_normalise

# --------------------------------------------------------------------------- Friedkin-Johnsen (ODD 7.10-7.11)


def _random_stochastic(n: int, density: float, seed: int) -> sp.csr_matrix:
    """A sparse row-stochastic matrix with self-loops (so no row is empty)."""
    rng = np.random.default_rng(seed)
    m = sp.random(n, n, density=density, format="csr", random_state=rng, data_rvs=lambda k: rng.uniform(0.05, 1.0, k))
    m = (m + sp.diags(rng.uniform(0.05, 1.0, n))).tocsr()
    m.sort_indices()
    return row_normalise(m)


def _dense_fixed_point(W: np.ndarray, x0: np.ndarray, lam: np.ndarray) -> np.ndarray:
    n = W.shape[0]
    return np.linalg.solve(np.eye(n) - np.diag(lam) @ W, (1 - lam) * x0)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 25),
    density=st.floats(0.05, 0.6),
    seed=st.integers(0, 2**32 - 1),
    lam_max=st.floats(0.05, 0.9),
)
def test_fj_iteration_converges_to_the_dense_closed_form(n: int, density: float, seed: int, lam_max: float) -> None:
    rng = np.random.default_rng(seed)
    W = _random_stochastic(n, density, seed)
    np.testing.assert_allclose(np.asarray(W.sum(axis=1)).ravel(), 1.0, atol=1e-12)
    x0 = rng.uniform(0.0, 1.0, n)
    lam = rng.uniform(0.0, lam_max, n)
    expected = _dense_fixed_point(W.toarray(), x0, lam)
    x = rng.uniform(0.0, 1.0, n)  # any start: the fixed point does not depend on it
    # rho(Lambda W) <= max(lambda) <= 0.9, so 400 steps shrink the error below 0.9**400 ~ 5e-19
    for _ in range(400):
        x = fj_step(W, x, x0, lam, u=np.zeros(n))
    np.testing.assert_allclose(x, expected, atol=1e-10)
    np.testing.assert_allclose(fj_fixed_point(W, x0, lam), expected, atol=1e-10)


def test_fj_step_is_one_hand_computed_iteration() -> None:
    # x' = L W x + (I - L) x0 + u with W = [[.5, .5], [.25, .75]], x = (0, 1), x0 = (.2, .6), lam = (.5, .8), u = (.1, -.05)
    # row 0: .5 * .5 + .5 * .2 + .1 = .45; row 1: .8 * .75 + .2 * .6 - .05 = .67
    W = sp.csr_matrix(np.array([[0.5, 0.5], [0.25, 0.75]]))
    out = fj_step(W, np.array([0.0, 1.0]), np.array([0.2, 0.6]), np.array([0.5, 0.8]), np.array([0.1, -0.05]))
    np.testing.assert_allclose(out, [0.45, 0.67], atol=1e-12)
    # and u pushes past 1 is clipped
    out = fj_step(W, np.array([1.0, 1.0]), np.array([1.0, 1.0]), np.array([0.5, 0.5]), np.array([0.3, -2.0]))
    assert out.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("steps", [0, 5])
def test_if_left_alone_is_the_dense_fixed_point_of_the_model(teaching, steps: int) -> None:
    model = DiplomacyModel(teaching, seed=3)
    for _ in range(steps):
        model.step()
    lam = np.minimum(model.state.susceptibility, 0.999)
    expected = _dense_fixed_point(model.W.toarray(), model.state.anchor, lam)
    np.testing.assert_allclose(model.if_left_alone(), expected, atol=1e-12)
    # a fixed point of the update itself (no input, no clipping active)
    again = fj_step(model.W, expected, model.state.anchor, lam)
    np.testing.assert_allclose(again, expected, atol=1e-12)


# --------------------------------------------------------------------------- trust (ODD 7.4-7.8)


@settings(max_examples=60, deadline=None)
@given(
    prior=st.floats(0.01, 0.99),
    p_t=st.floats(0.01, 1.0),
    kappa=st.floats(0.5, 5.0),
    cost=st.floats(0.0, 1.0),
    tie=st.floats(0.0, 1.0),
    audience=st.floats(0.0, 1.0),
    stance=st.floats(0.0, 1.0),
)
def test_reassuring_update_is_bayes_rule_for_costly_signals(
    prior: float, p_t: float, kappa: float, cost: float, tie: float, audience: float, stance: float
) -> None:
    c_eff = float(tr.effective_cost(cost, tie, audience))
    assert c_eff == pytest.approx(cost + audience * tie)
    p_u = p_t * math.exp(-kappa * c_eff)  # a U-type finds the signal costlier (Kydd)
    posterior = tr.bayes_posterior(prior, p_t, p_u)
    bayes_shift = float(tr.logit(posterior) - tr.logit(prior))
    assert bayes_shift == pytest.approx(kappa * c_eff, abs=1e-9)
    # phi = 0: the receiver's stance does not matter and the update is exactly Bayes
    assert float(tr.reassuring_shift(kappa, c_eff, 0.0, stance)) == pytest.approx(bayes_shift, abs=1e-9)
    assert float(tr.expit(tr.logit(prior) + tr.reassuring_shift(kappa, c_eff, 0.0, stance))) == pytest.approx(posterior, abs=1e-9)


def test_bayes_posterior_by_hand() -> None:
    # prior .3, p_T .5, p_U .2: .15 / (.15 + .14) = 15/29
    assert tr.bayes_posterior(0.3, 0.5, 0.2) == pytest.approx(15 / 29, abs=1e-12)


@pytest.mark.parametrize(
    ("fn", "args", "expected"),
    [
        # kappa c_eff (1 - phi x) = 2 * .34 * (1 - .5 * .6) = .476
        (tr.reassuring_shift, (2.0, 0.34, 0.5, 0.6), 0.476),
        # -kappa_h h (1 + phi x) = -1.5 * .3 * (1 + .5 * .6) = -.585
        (tr.hostile_shift, (1.5, 0.3, 0.5, 0.6), -0.585),
        # bare negative shift: -.4 * (1 + .5 * .2) = -.44; bare positive: .2 * (1 - .5 * .2) = .18
        (tr.fixed_shift, (-0.4, 0.5, 0.2), -0.44),
        (tr.fixed_shift, (0.2, 0.5, 0.2), 0.18),
        # -kappa_b p_br (1 - psi R touted / 2) = -2.5 * .2 * (1 - .8 * .5 / 2) = -.4
        (tr.breach_shift, (2.5, 0.2, 0.8, 0.5, True), -0.4),
        (tr.breach_shift, (2.5, 0.2, 0.8, 0.5, False), -0.5),
        # forgetting: .9 * 2 + .1 * (-1) = 1.7
        (tr.forget, (2.0, -1.0, 0.1), 1.7),
        # Kydd relay: .2 + .5 * .3 * (.8 - .2) = .29
        (tr.mediation_update, (0.2, 0.8, 0.5, 0.3), 0.29),
        # credibility: .1 * (1 - |.5 - 1|) * .6 = .03; no stake, none
        (tr.mediator_credibility, (0.1, 0.5, 1.0, 0.6), 0.03),
        (tr.mediator_credibility, (0.1, 0.5, 1.0, 0.0), 0.0),
    ],
)
def test_trust_shifts_by_hand(fn, args, expected: float) -> None:
    assert float(fn(*args)) == pytest.approx(expected, abs=1e-12)


def test_logit_expit_round_trip_and_clipping() -> None:
    p = np.array([1e-6, 0.1, 0.5, 0.73, 1 - 1e-6])
    np.testing.assert_allclose(tr.expit(tr.logit(p)), p, rtol=1e-9)
    assert float(tr.logit(0.75)) == pytest.approx(math.log(3.0), abs=1e-12)
    assert np.isfinite(tr.logit(np.array([0.0, 1.0]))).all()


# --------------------------------------------------------------------------- Beta variant (Josang & Ismail 2002)


@pytest.mark.parametrize(
    ("mu0", "n0", "alpha", "beta", "mean", "var"),
    [
        # alpha = 4 * .5 + 1 = 3, beta = 3: mean .5, var 9 / (36 * 7) = 1/28
        (0.5, 4.0, 3.0, 3.0, 0.5, 1 / 28),
        # alpha = 4 * .3 + 1 = 2.2, beta = 4 * .7 + 1 = 3.8: mean 2.2/6, var 8.36 / (36 * 7)
        (0.3, 4.0, 2.2, 3.8, 2.2 / 6, 8.36 / 252),
        # n0 = 0 is the uniform prior Beta(1, 1): mean 1/2, var 1/12
        (0.9, 0.0, 1.0, 1.0, 0.5, 1 / 12),
        # alpha = 10 * .15 + 1 = 2.5, beta = 10 * .85 + 1 = 9.5: mean 2.5/12, var 23.75 / (144 * 13)
        (0.15, 10.0, 2.5, 9.5, 2.5 / 12, 23.75 / 1872),
    ],
)
def test_beta_prior_mean_variance_by_hand(mu0: float, n0: float, alpha: float, beta: float, mean: float, var: float) -> None:
    a, b = tr.beta_prior(mu0, n0)
    assert (float(a), float(b)) == pytest.approx((alpha, beta), abs=1e-12)
    assert float(tr.beta_mean(a, b)) == pytest.approx(mean, abs=1e-12)
    assert float(tr.beta_variance(a, b)) == pytest.approx(var, abs=1e-12)


def _posterior_moments_by_quadrature(a: float, b: float, successes: int, failures: int) -> tuple[float, float]:
    """Mean and variance of mu under Beta(a, b) prior times a binomial likelihood, by numerical integration."""

    def density(m: float) -> float:
        return m ** (a - 1 + successes) * (1 - m) ** (b - 1 + failures)

    z = integrate.quad(density, 0, 1)[0]
    m1 = integrate.quad(lambda m: m * density(m), 0, 1)[0] / z
    m2 = integrate.quad(lambda m: m * m * density(m), 0, 1)[0] / z
    return m1, m2 - m1 * m1


@pytest.mark.parametrize(("mu0", "n0", "successes", "failures"), [(0.5, 4.0, 3, 1), (0.2, 4.0, 0, 5), (0.3, 10.0, 7, 2), (0.8, 2.0, 1, 6)])
def test_beta_evidence_update_is_the_beta_binomial_posterior(mu0: float, n0: float, successes: int, failures: int) -> None:
    a, b = tr.beta_prior(mu0, n0)
    mean, var = _posterior_moments_by_quadrature(float(a), float(b), successes, failures)
    # the evidence update of the Beta variant: alpha += w * (positive evidence), beta += w * (negative), w = 1
    a1, b1 = a + successes, b + failures
    assert float(tr.beta_mean(a1, b1)) == pytest.approx(mean, abs=1e-8)
    assert float(tr.beta_variance(a1, b1)) == pytest.approx(var, abs=1e-8)


@pytest.mark.parametrize(("successes", "failures"), [(3, 1), (0, 4), (2, 2)])
def test_model_beta_trust_updates_are_the_beta_binomial_posterior(teaching, successes: int, failures: int) -> None:
    """In the model's Beta mode, unit shifts with beta_w = 1 add unit evidence counts."""
    sc = teaching.model_copy(update={"parameters": teaching.parameters.model_copy(update={"trust_model": "beta", "beta_w": 1.0})})
    model = DiplomacyModel(sc, seed=0)
    ada, beta_side = model.index_of["ada"], model.side_ids.index("beta")
    a0, b0 = tr.beta_prior(sc.sides["alpha"].leader.trust["beta"], sc.parameters.beta_n0)  # ada's prior trust in beta
    assert (float(model.state.beta_a[ada, beta_side]), float(model.state.beta_b[ada, beta_side])) == pytest.approx((float(a0), float(b0)))
    for _ in range(successes):
        model._shift_trust(np.array([ada]), beta_side, np.array([1.0]))
    for _ in range(failures):
        model._shift_trust(np.array([ada]), beta_side, np.array([-1.0]))
    mean, _ = _posterior_moments_by_quadrature(float(a0), float(b0), successes, failures)
    assert float(model.trust_matrix()[ada, beta_side]) == pytest.approx(mean, abs=1e-8)


def test_beta_decay_by_hand() -> None:
    # alpha0 + lam (alpha - alpha0) = 2 + .5 * (6 - 2) = 4; beta: 3 + .5 * (3 - 3) = 3
    a, b = tr.beta_decay(6.0, 3.0, 2.0, 3.0, 0.5)
    assert (float(a), float(b)) == (4.0, 3.0)


# --------------------------------------------------------------------------- win-sets (ODD 7.1-7.3)

# issue_grid(2, 3), points (d, r) in this order:
# 0 (0,0)  1 (0,.5)  2 (0,1)  3 (.5,0)  4 (.5,.5)  5 (.5,1)  6 (1,0)  7 (1,.5)  8 (1,1)
GRID = bg.issue_grid(2, 3)
T, F = True, False


def test_issue_grid_order() -> None:
    assert GRID.tolist() == [[0, 0], [0, 0.5], [0, 1], [0.5, 0], [0.5, 0.5], [0.5, 1], [1, 0], [1, 0.5], [1, 1]]


def test_member_utility_us_side_by_hand() -> None:
    gains, gives = bg.split_utility(GRID, [1.0, -1.0])  # US gains d, gives r
    np.testing.assert_allclose(gains, [0, 0, 0, 0.5, 0.5, 0.5, 1, 1, 1])
    np.testing.assert_allclose(gives, [0, -0.5, -1, 0, -0.5, -1, 0, -0.5, -1])
    u = bg.member_utility(gains, gives, np.array([1.0, 2.0]))
    # d - g r with g = 1 and g = 2
    np.testing.assert_allclose(u[0], [0, -0.5, -1, 0.5, 0, -0.5, 1, 0.5, 0])
    np.testing.assert_allclose(u[1], [0, -1, -2, 0.5, -0.5, -1.5, 1, 0, -1])


@pytest.mark.parametrize(
    ("g", "b", "mask"),
    [
        # d - r >= 0: on or below the diagonal
        (1.0, 0.0, [T, F, F, T, T, F, T, T, T]),
        # d - 2r >= .5
        (2.0, 0.5, [F, F, F, T, F, F, T, F, F]),
        # d - .5 r >= .5
        (0.5, 0.5, [F, F, F, T, F, F, T, T, T]),
        # d >= 1 whatever r (g = 0)
        (0.0, 1.0, [F, F, F, F, F, F, T, T, T]),
        # a negative threshold: d - r >= -.5
        (1.0, -0.5, [T, T, F, T, T, T, T, T, T]),
    ],
)
def test_us_member_acceptance_masks(g: float, b: float, mask: list[bool]) -> None:
    gains, gives = bg.split_utility(GRID, [1.0, -1.0])
    acc = bg.acceptance(bg.member_utility(gains, gives, np.array([g])), np.array([b]))
    assert acc[0].tolist() == mask


@pytest.mark.parametrize(
    ("g", "b", "mask"),
    [
        # DPRK member: r - g d >= b; r - d >= 0 is on or above the diagonal
        (1.0, 0.0, [T, T, T, F, T, T, F, F, T]),
        # r - 2 d >= .5
        (2.0, 0.5, [F, T, T, F, F, F, F, F, F]),
    ],
)
def test_dprk_member_acceptance_masks(g: float, b: float, mask: list[bool]) -> None:
    gains, gives = bg.split_utility(GRID, [-1.0, 1.0])  # gains r, gives d
    acc = bg.acceptance(bg.member_utility(gains, gives, np.array([g])), np.array([b]))
    assert acc[0].tolist() == mask


@pytest.mark.parametrize(
    ("weights", "theta", "mask"),
    [
        # members: A = d - r >= 0, B = d - 2r >= .5 (both masks above), weights .6 / .4
        ((0.6, 0.4), 0.5, [T, F, F, T, T, F, T, T, T]),  # A alone is enough
        ((0.6, 0.4), 0.7, [F, F, F, T, F, F, T, F, F]),  # both needed: A and B
        ((0.4, 0.6), 0.5, [F, F, F, T, F, F, T, F, F]),  # B alone is enough, and B is inside A
        ((0.5, 0.5), 0.5, [T, F, F, T, T, F, T, T, T]),  # exactly at theta counts
        ((0.5, 0.5), 1.01, [F] * 9),  # unreachable ratification threshold
    ],
)
def test_win_set_masks(weights: tuple[float, float], theta: float, mask: list[bool]) -> None:
    gains, gives = bg.split_utility(GRID, [1.0, -1.0])
    acc = bg.acceptance(bg.member_utility(gains, gives, np.array([1.0, 2.0])), np.array([0.0, 0.5]))
    assert bg.win_set(acc, np.array(weights), theta).tolist() == mask


def test_zone_of_agreement_by_hand() -> None:
    us = np.array([T, F, F, T, T, F, T, T, T])  # d - r >= 0
    dprk = np.array([T, T, T, F, T, T, F, F, T])  # r - d >= 0
    # both: the diagonal (0,0), (.5,.5), (1,1): 3 of 9 points
    assert bg.zone_area(us, dprk) == pytest.approx(3 / 9)
    assert bg.zone_area(us, ~us) == 0.0
    assert bg.zone_area(us) == pytest.approx(6 / 9)


def test_thresholds_by_hand() -> None:
    # b = b0 + ax (x - 1/2) - aP P + ae eps H + extra
    # .1 + .4 * (.9 - .5) - .3 * .5 + .5 * .01 * 20 + .05 = .1 + .16 - .15 + .1 + .05 = .26
    b = bg.thresholds(np.array([0.1]), np.array([0.9]), np.array([0.5]), np.array([0.01]), np.array([20.0]), 0.4, 0.3, 0.5, extra=0.05)
    assert float(b[0]) == pytest.approx(0.26, abs=1e-12)


def test_leader_deal_utility_and_best_offer_by_hand() -> None:
    gains, gives = bg.split_utility(GRID, [1.0, -1.0])
    # beta = 1 * (1/2 + .5) = 1: U = d - r
    U = bg.leader_deal_utility(gains, gives, 1.0, 0.5)
    np.testing.assert_allclose(U, [0, -0.5, -1, 0.5, 0, -0.5, 1, 0.5, 0])
    # beta = 2 * (1/2 + .3) = 1.6 (not 2 / .8): U = d - 1.6 r
    np.testing.assert_allclose(bg.leader_deal_utility(gains, gives, 2.0, 0.3), GRID[:, 0] - 1.6 * GRID[:, 1])
    own = np.array([T, F, F, T, T, F, T, T, T])
    p_accept = np.array([1.0, 1.0, 1.0, 0.2, 0.9, 1.0, 0.1, 0.4, 1.0])
    # gain over a no-deal value of -0.2: U + .2; value = p * gain on own points:
    # (0,0) .2, (.5,0) .14, (.5,.5) .18, (1,0) .12, (1,.5) .28, (1,1) .2 -> (1,.5)
    assert bg.best_offer(U + 0.2, own, p_accept) == 7
    # theta_acc 1 (signing is worth 1 in itself): (0,0) 1.2, (1,.5) .68, (1,1) 1.2 -> the lowest index of the tie
    assert bg.best_offer(U + 0.2, own, p_accept, theta_acc=1.0) == 0
    assert bg.best_offer(np.zeros(9), np.zeros(9, dtype=bool), p_accept) is None
    assert bg.best_offer(U - 5.0, own, p_accept) is None  # nothing worth offering


CLASSES = {"comprehensive": {"d": (0.7, 1.0)}, "interim": {"d": (0.3, 1.0), "r": (0.01, 1.0)}}


@pytest.mark.parametrize(
    ("d", "r", "expected"),
    [
        (0.7, 0.0, "comprehensive"),  # the strongest class wins, r irrelevant
        (1.0, 1.0, "comprehensive"),
        (0.35, 0.5, "interim"),
        (0.3, 0.01, "interim"),  # both lower edges included
        (0.69, 0.2, "interim"),
        (0.3, 0.0, None),  # interim needs r > 0
        (0.25, 0.9, None),
        (0.0, 0.0, None),
    ],
)
def test_classify_agreement_boxes(d: float, r: float, expected: str | None) -> None:
    assert bg.classify_agreement(np.array([d, r]), CLASSES, ["d", "r"]) == expected


# --------------------------------------------------------------------------- pressure (ODD 7.12-7.15)


@pytest.mark.parametrize(
    ("leak0", "laxity", "enforcement", "client", "n", "expected"),
    [
        # side 1 has two patrons: .1 + .3 * (1 - .5) + .2 * (1 - 0) = .45; others leak0
        (0.1, [0.3, 0.2], [0.5, 0.0], [1, 1], 3, [0.1, 0.45, 0.1]),
        # a strict patron leaks nothing; a mediator (client -1) never counts
        (0.05, [0.6, 0.4], [1.0, 0.0], [0, -1], 2, [0.05, 0.05]),
        # the total is clipped at 1
        (0.3, [0.6, 0.6], [0.0, 0.0], [0, 0], 2, [1.0, 0.3]),
        # no third parties
        (0.2, [], [], [], 2, [0.2, 0.2]),
    ],
)
def test_leakage_by_hand(leak0: float, laxity, enforcement, client, n: int, expected) -> None:
    out = pr.leakage(leak0, np.array(laxity, dtype=float), np.array(enforcement, dtype=float), np.array(client, dtype=np.int64), n)
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_effective_sanctions_and_economic_pain_by_hand() -> None:
    # S_eff = .6 * (1 - .25) = .45
    s_eff = pr.effective_sanctions(np.array([0.0, 0.6]), np.array([0.1, 0.25]))
    np.testing.assert_allclose(s_eff, [0.0, 0.45], atol=1e-12)
    # P^E = .96 * .5 + .04 * .3 = .492; and .96 * .4 + .04 * .45 = .402
    np.testing.assert_allclose(pr.economic_pain(np.array([0.5, 0.4]), np.array([0.3, 0.45]), 0.04), [0.492, 0.402], atol=1e-12)
    # repeated: pain converges geometrically to S_eff
    pain = np.array([0.0])
    for _ in range(50):
        pain = pr.economic_pain(pain, np.array([0.45]), 0.1)
    assert float(pain[0]) == pytest.approx(0.45 * (1 - 0.9**50), abs=1e-12)


@pytest.mark.parametrize(
    ("hostility", "delta_m", "gamma_r", "expected"),
    [
        # two sides: .9 * .5 + .2 * .2 = .49 and .9 * .2 + .2 * .5 = .28
        ([0.5, 0.2], 0.1, 0.2, [0.49, 0.28]),
        # three sides, others' mean: [.1, .25, .35]; .45 + .02, .18 + .05, 0 + .07
        ([0.5, 0.2, 0.0], 0.1, 0.2, [0.47, 0.23, 0.07]),
        # clipped at 1
        ([1.0, 1.0], 0.0, 0.5, [1.0, 1.0]),
        # a lone side only decays
        ([0.4], 0.25, 0.9, [0.3]),
    ],
)
def test_richardson_by_hand(hostility, delta_m: float, gamma_r: float, expected) -> None:
    np.testing.assert_allclose(pr.richardson(np.array(hostility), delta_m, gamma_r), expected, atol=1e-12)


def test_tension_and_aggregate_pressure_by_hand() -> None:
    # E = mean hostility of the summit sides 0 and 2: (.2 + .6) / 2
    assert pr.tension(np.array([0.2, 0.9, 0.6]), np.array([0, 2])) == pytest.approx(0.4)
    # DPRK weights (E .6, D .1, M .3): .6 * .5 + .1 * .2 + .3 * .4 = .44; US (0, .6, .4): .6 * .5 + .4 * .1 = .34
    weights = np.array([[0.6, 0.1, 0.3], [0.0, 0.6, 0.4]])
    out = pr.aggregate(weights, np.array([0.5, 0.9]), np.array([0.2, 0.5]), np.array([0.4, 0.1]))
    np.testing.assert_allclose(out, [0.44, 0.34], atol=1e-12)


def test_row_normalise_keeps_the_sparsity_structure() -> None:
    """Rows are rescaled in place: stored entries, explicit zeros included, keep their positions.

    The engine rewrites leaders' rows by position after normalising once, so a
    normalisation that drops explicit zeros would shift every later row.
    """
    # row 0: all stored entries zero (self-loop stored); row 1: ordinary; row 2: an explicit zero self-loop
    data = np.array([0.0, 0.0, 1.0, 3.0, 2.0, 0.0])
    rows = np.array([0, 0, 1, 1, 2, 2])
    cols = np.array([0, 1, 0, 1, 0, 2])
    m = sp.csr_matrix((data, (rows, cols)), shape=(3, 3))
    assert m.nnz == 6
    out = row_normalise(m)
    assert out.indptr.tolist() == m.indptr.tolist()
    assert out.indices.tolist() == m.indices.tolist()
    np.testing.assert_allclose(out.toarray(), [[1.0, 0.0, 0.0], [0.25, 0.75, 0.0], [1.0, 0.0, 0.0]])
    assert m.data.tolist() == data.tolist()  # the input is untouched
    # a row of zeros without a stored diagonal gains one
    out = row_normalise(sp.csr_matrix((np.array([0.0, 2.0]), (np.array([0, 1]), np.array([1, 1]))), shape=(2, 2)))
    np.testing.assert_allclose(out.toarray(), [[1.0, 0.0], [0.0, 1.0]])
