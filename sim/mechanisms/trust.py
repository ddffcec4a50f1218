"""Trust and rapport updates (ODD 7.4-7.8) as pure functions on arrays.

Trust mu_ij = Pr_i(j is a trustworthy type). The default representation is
the log-odds of mu (Kydd 2000, 2005); the Beta reputation variant (Josang &
Ismail 2002) keeps evidence counts instead. Every function returns new
arrays and never changes its inputs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from summitry.sim.numeric import clip

FloatArray = NDArray[np.float64]

EPS = 1e-9
LOGIT_MAX = 20.0


def logit(p: ArrayLike) -> FloatArray:
    """Log-odds of a probability, clipped away from 0 and 1.

    >>> float(logit(0.5))
    0.0
    """
    q = clip(np.asarray(p, dtype=float), EPS, 1 - EPS)
    return np.log(q / (1 - q))


def expit(x: ArrayLike) -> FloatArray:
    """Inverse of :func:`logit`.

    >>> round(float(expit(logit(0.2))), 12)
    0.2
    """
    return 1.0 / (1.0 + np.exp(-clip(np.asarray(x, dtype=float), -LOGIT_MAX * 2, LOGIT_MAX * 2)))


def effective_cost(cost: float, tie: float, audience: ArrayLike) -> FloatArray:
    """c_eff = c_sunk + A_j * a (Fearon 1997).

    >>> round(float(effective_cost(0.1, 0.3, 0.8)), 6)
    0.34
    """
    return cost + np.asarray(audience, dtype=float) * tie


def reassuring_shift(kappa: float, c_eff: ArrayLike, phi: float, stance: ArrayLike) -> FloatArray:
    """l = +kappa * c_eff * (1 - phi * x_i): hawks discount reassurance.

    >>> round(float(reassuring_shift(2.0, 0.34, 0.5, 0.0)), 3)
    0.68
    """
    return kappa * np.asarray(c_eff, dtype=float) * (1 - phi * np.asarray(stance, dtype=float))


def hostile_shift(kappa_h: float, h: float, phi: float, stance: ArrayLike) -> FloatArray:
    """l = -kappa_h * h * (1 + phi * x_i): hawks over-read hostility.

    >>> round(float(hostile_shift(1.0, 0.3, 0.5, 1.0)), 3)
    -0.45
    """
    return -kappa_h * h * (1 + phi * np.asarray(stance, dtype=float))


def fixed_shift(magnitude: float, phi: float, stance: ArrayLike) -> FloatArray:
    """A table's bare logit shift, with the same hawk scaling as its sign."""
    x = np.asarray(stance, dtype=float)
    if magnitude >= 0:
        return magnitude * (1 - phi * x)
    return magnitude * (1 + phi * x)


def breach_shift(kappa_b: float, p_breach: float, ego: ArrayLike, rapport: ArrayLike, touted: ArrayLike) -> FloatArray:
    """l = -kappa_b * p_br * (1 - psi_i * R_ij * touted / 2).

    A receiver who staked his ego on the pledge discounts its breach.

    >>> float(breach_shift(2.5, 1.0, 0.0, 0.0, False))
    -2.5
    >>> float(breach_shift(2.5, 1.0, 1.0, 1.0, True))
    -1.25
    """
    t = np.asarray(touted, dtype=float)
    return -kappa_b * p_breach * (1 - 0.5 * np.asarray(ego, dtype=float) * np.asarray(rapport, dtype=float) * t)


def forget(log_odds: ArrayLike, prior_log_odds: ArrayLike, nu: float) -> FloatArray:
    """logit mu <- (1 - nu) logit mu + nu logit mu0."""
    return (1 - nu) * np.asarray(log_odds, dtype=float) + nu * np.asarray(prior_log_odds, dtype=float)


def bayes_posterior(prior: float, p_if_trustworthy: float, p_if_untrustworthy: float) -> float:
    """Posterior Pr(T | s) for a two-type prior: the closed form the log-odds update equals.

    >>> round(bayes_posterior(0.5, 0.6, 0.3), 6)
    0.666667
    """
    num = prior * p_if_trustworthy
    return num / (num + (1 - prior) * p_if_untrustworthy)


def mediation_update(trust_ij: ArrayLike, trust_mj: ArrayLike, kappa_m: float, credibility: ArrayLike) -> FloatArray:
    """Kydd: mu_ij <- mu_ij + kappa_m * cred_mi * (mu_mj - mu_ij).

    >>> float(mediation_update(0.2, 0.6, 0.5, 0.0))
    0.2
    >>> round(float(mediation_update(0.2, 0.6, 0.5, 1.0)), 6)
    0.4
    """
    t = np.asarray(trust_ij, dtype=float)
    return t + kappa_m * np.asarray(credibility, dtype=float) * (np.asarray(trust_mj, dtype=float) - t)


def mediator_credibility(edge_weight: ArrayLike, bias: float, receiver_position: ArrayLike, stake: float) -> FloatArray:
    """cred_mi = w_mi * (1 - |b_m - b_i|) * s_m: no stake, no credibility (Kydd 2006).

    >>> float(mediator_credibility(0.1, 0.5, 0.0, 0.0))
    0.0
    """
    return np.asarray(edge_weight, dtype=float) * (1 - np.abs(bias - np.asarray(receiver_position, dtype=float))) * stake


# ---------------------------------------------------------------- Beta variant


def beta_prior(mu0: ArrayLike, n0: float) -> tuple[FloatArray, FloatArray]:
    """alpha = n0 mu0 + 1, beta = n0 (1 - mu0) + 1.

    >>> a, b = beta_prior(0.5, 4.0)
    >>> float(a), float(b)
    (3.0, 3.0)
    """
    m = np.asarray(mu0, dtype=float)
    return n0 * m + 1.0, n0 * (1 - m) + 1.0


def beta_mean(alpha: ArrayLike, beta: ArrayLike) -> FloatArray:
    """mu = alpha / (alpha + beta)."""
    a = np.asarray(alpha, dtype=float)
    return a / (a + np.asarray(beta, dtype=float))


def beta_variance(alpha: ArrayLike, beta: ArrayLike) -> FloatArray:
    """Var(mu) = alpha beta / ((alpha + beta)^2 (alpha + beta + 1))."""
    a = np.asarray(alpha, dtype=float)
    b = np.asarray(beta, dtype=float)
    s = a + b
    return a * b / (s * s * (s + 1))


def beta_decay(alpha: ArrayLike, beta: ArrayLike, alpha0: ArrayLike, beta0: ArrayLike, lam: float) -> tuple[FloatArray, FloatArray]:
    """Evidence decays by lambda_f toward the prior counts."""
    a0 = np.asarray(alpha0, dtype=float)
    b0 = np.asarray(beta0, dtype=float)
    return a0 + lam * (np.asarray(alpha, dtype=float) - a0), b0 + lam * (np.asarray(beta, dtype=float) - b0)
