"""Acceptance sets, win-sets, the zone of agreement, offers (ODD 7.1-7.3).

A deal q lies in the issue space [0, 1]^D, evaluated on a grid. Side c's
utility weights split into what it gains (w > 0) and what it gives (w < 0);
member k accepts q iff gains(q) + g_k * gives(q) >= b_k(t) (gives <= 0).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from summitry.sim.numeric import clip

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def issue_grid(n_dims: int, points: int) -> FloatArray:
    """All grid points of [0, 1]^n_dims, shape (points**n_dims, n_dims), first dimension slowest.

    >>> issue_grid(2, 3)[:4].tolist()
    [[0.0, 0.0], [0.0, 0.5], [0.0, 1.0], [0.5, 0.0]]
    """
    axis = np.linspace(0.0, 1.0, points)
    return np.array(list(itertools.product(axis, repeat=n_dims)), dtype=float).reshape(-1, n_dims)


def split_utility(grid: FloatArray, weights: Sequence[float], curvature: float = 1.0) -> tuple[FloatArray, FloatArray]:
    """(gains, gives) of each grid point for signed dimension weights; gives <= 0.

    gains(q) = sum_{w_i > 0} w_i q_i and gives(q) = sum_{w_i < 0} w_i q_i^gamma,
    gamma = ``curvature``: 1 is linear; above 1 the first steps of what a side
    gives cost it little and the last ones much (a freeze before the arsenal).

    >>> g = issue_grid(2, 3)
    >>> gains, gives = split_utility(g, [1.0, -1.0])
    >>> gains[5], gives[5]
    (np.float64(0.5), np.float64(-1.0))
    >>> split_utility(g, [1.0, -1.0], curvature=2.0)[1][4:6].tolist()  # q = (0.5, 0.5), (0.5, 1): r^2
    [-0.25, -1.0]
    """
    w = np.asarray(weights, dtype=float)
    given = grid if curvature == 1.0 else grid**curvature
    return grid @ np.clip(w, 0, None), given @ np.clip(w, None, 0)


PRESSURE_CHANNELS: tuple[str, ...] = ("economic", "domestic", "military")
"""The pressure channels, in the order of a side's pressure weights (ODD 7.15)."""


def relief_levels(grid: FloatArray, relieves: Sequence[Sequence[str]]) -> FloatArray | None:
    """(3, points): how far each grid point ends each pressure channel; None when no dimension relieves any.

    ``relieves[i]`` names the channels that delivering dimension i ends. A
    point ends channel k as far as it delivers the furthest dimension that
    relieves k (ODD 7.19); a channel no dimension relieves gets 0.

    >>> g = issue_grid(2, 3)
    >>> relief_levels(g, [["military"], []])[:, [1, 5, 6]].tolist()  # q = (0, 0.5), (0.5, 1), (1, 0)
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.5, 1.0]]
    >>> relief_levels(g, [[], []]) is None
    True
    """
    if not any(relieves):
        return None
    out = np.zeros((len(PRESSURE_CHANNELS), grid.shape[0]))
    for i, channels in enumerate(relieves):
        for name in channels:
            k = PRESSURE_CHANNELS.index(name)
            out[k] = np.maximum(out[k], grid[:, i])
    return out


def deal_relief(share: FloatArray, pressure: float, weights: FloatArray, channels: FloatArray, levels: FloatArray | None) -> FloatArray:
    """The part of a side's pressure a deal at each grid point relieves (ODD 7.19).

    A deal relieves the side's whole pressure ``pressure`` (P_c) as far as it
    gives the side what it wants (``share`` = gains_c(q) / max gains_c), and
    each channel k (``channels[k]`` = P^k_c, weighted by ``weights[k]``)
    further, up to how far the deal's terms end that channel
    (``levels[k]``, :func:`relief_levels`): a withdrawal relieves the war's
    military pressure on the side that withdraws, though it gains nothing.

    >>> share = np.array([0.0, 0.2, 1.0])
    >>> levels = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.8, 0.8, 0.0]])
    >>> deal_relief(share, 0.5, np.array([0.4, 0.2, 0.4]), np.array([0.5, 0.25, 0.75]), levels).round(3).tolist()
    [0.24, 0.28, 0.5]
    >>> deal_relief(share, 0.5, np.array([0.4, 0.2, 0.4]), np.array([0.5, 0.25, 0.75]), None).tolist()
    [0.0, 0.1, 0.5]
    """
    out = pressure * share
    if levels is None:
        return out
    for k in range(levels.shape[0]):
        out = out + weights[k] * channels[k] * np.maximum(levels[k] - share, 0.0)
    return out


def member_utility(gains: FloatArray, gives: FloatArray, concession_weight: FloatArray) -> FloatArray:
    """u_k(q) = gains(q) + g_k * gives(q), shape (members, grid)."""
    return gains[None, :] + np.asarray(concession_weight, dtype=float)[:, None] * gives[None, :]


def acceptance(utility: FloatArray, threshold: FloatArray) -> BoolArray:
    """A_k(t) = {q : u_k(q) >= b_k(t)} for each member (rows)."""
    return utility >= np.asarray(threshold, dtype=float)[:, None] - 1e-12


def thresholds(
    b0: FloatArray,
    stance: FloatArray,
    pressure: FloatArray,
    erosion: FloatArray,
    horizon: FloatArray,
    alpha_x: float | FloatArray,
    alpha_p: float,
    alpha_eps: float,
    extra: FloatArray | float = 0.0,
) -> FloatArray:
    """b_k(t) = b_k0 + alpha_x (x_k - 1/2) - alpha_P P_c + alpha_eps eps_k H_k (+ extra).

    ``alpha_x`` may be one number or one per member (0 for a member whose
    stated limits do not move with its stance).

    >>> round(float(thresholds(np.array([0.1]), np.array([1.0]), np.array([0.5]), np.array([0.0]), np.array([0.0]), 0.4, 0.3, 0.5)[0]), 9)
    0.15
    """
    return b0 + alpha_x * (stance - 0.5) - alpha_p * pressure + alpha_eps * erosion * horizon + extra


def win_set(accepts: BoolArray, weights: FloatArray, theta: float) -> BoolArray:
    """W_c = {q : sum_k omega_k 1[q in A_k] >= theta_c}.

    >>> acc = np.array([[True, True, False], [True, False, False]])
    >>> win_set(acc, np.array([0.6, 0.4]), 0.5).tolist()
    [True, True, False]
    """
    support = np.asarray(weights, dtype=float) @ accepts.astype(float)
    return support >= theta - 1e-12


def _exact_start(sg: FloatArray, h: FloatArray, t: FloatArray, start: NDArray[np.int64]) -> NDArray[np.int64]:
    """Move each ``start`` to the first index j with fl(sg[j] + h) >= t (``len(sg)`` if none).

    ``start`` is a guess from exact arithmetic; rounding can put the float
    boundary a step or two away (more over repeated values of ``sg``).
    """
    k = sg.size
    while True:
        back = (start > 0) & (sg[np.maximum(start - 1, 0)] + h >= t)
        if not back.any():
            break
        start = start - back
    while True:
        fwd = (start < k) & (sg[np.minimum(start, k - 1)] + h < t)
        if not fwd.any():
            break
        start = start + fwd
    return start


class RatificationPlan:
    """A side's win-set without the (members x grid) utility matrix.

    Member k accepts q iff fl(gains(q) + fl(g_k gives(q))) >= b_k - 1e-12,
    exactly as :func:`acceptance` of :func:`member_utility` decides it. For
    grid points sharing one ``gives`` value, that sum is non-decreasing in
    ``gains``, so each member accepts a suffix of those points sorted by
    ``gains``: one binary search per member and distinct ``gives`` value
    (plus an exact fix-up of rounding at the boundary) replaces a comparison
    per grid point, and a weighted histogram of where the suffixes start
    gives every point's support. Cost O(members x distinct gives values)
    instead of O(members x grid points).

    The supports are sums in another order than :func:`win_set`'s dot
    product, so they can differ in the last bits: a point whose support is
    within rounding of ``theta`` may be decided differently. :meth:`win_set`
    therefore keeps the direct computation for small sides (all built-in
    scenarios), where the matrix is cheap anyway.
    """

    DIRECT_BELOW = 64  # members; below this the direct computation is used
    CHUNK = 2048  # members per pass of the fast path

    def __init__(self, gains: FloatArray, gives: FloatArray) -> None:
        self.gains = np.asarray(gains, dtype=float)
        self.gives = np.asarray(gives, dtype=float)
        self._prepared = False

    def _prepare(self) -> None:
        """Group the grid by ``gives`` value and sort each group by ``gains`` (once, on first use)."""
        if self._prepared:
            return
        values, inverse = np.unique(self.gives, return_inverse=True)
        self.groups: list[tuple[float, NDArray[np.int64], FloatArray]] = []
        for u, gamma in enumerate(values):
            points = np.flatnonzero(inverse == u)
            order = points[np.argsort(self.gains[points], kind="stable")]
            self.groups.append((float(gamma), order, self.gains[order]))
        # On a product grid every group sorts to the same gains: one 2-D pass then
        first = self.groups[0][2]
        self.shared: FloatArray | None = None
        self.step = 0.0
        if all(sg.shape == first.shape and np.array_equal(sg, first) for _, _, sg in self.groups):
            self.shared = first
            self.gammas = values.astype(float)
            self.orders = np.stack([order for _, order, _ in self.groups])
            gaps = np.diff(first)
            if first.size > 1 and gaps[0] > 0 and np.allclose(gaps, gaps[0], rtol=1e-9, atol=0):
                self.step = float(gaps[0])  # evenly spaced gains: the boundary by arithmetic
        self._prepared = True

    def _starts(self, g: FloatArray, t: FloatArray) -> NDArray[np.int64]:
        """(members, groups): index of each member's first accepted point in the shared sorted gains."""
        sg = self.shared
        assert sg is not None
        k = sg.size
        if self.step > 0:
            # first index with sg >= t - g gamma, by arithmetic: r = ((t - sg0) - g gamma) / step
            # (rearranged to two passes over the chunk); only values within rounding of a grid
            # value (r near an integer) need the exact check
            r = ((t - sg[0]) / self.step)[:, None] - g[:, None] * (self.gammas / self.step)[None, :]
            start = np.ceil(r)
            near = np.nonzero(np.abs(r - np.rint(r)) < 1e-6)
            start = clip(start, 0, k, out=start).astype(np.int64)
        else:
            start = np.searchsorted(sg, (t[:, None] - g[:, None] * self.gammas[None, :]).ravel(), side="left").reshape(-1, self.gammas.size)
            near = np.nonzero(np.ones(start.shape, dtype=bool))
        if near[0].size:
            rows, cols = near
            start[near] = _exact_start(sg, g[rows] * self.gammas[cols], t[rows], start[near])
        return start

    def supports(self, concession_weight: FloatArray, threshold: FloatArray, weights: FloatArray) -> FloatArray:
        """Weighted share of members accepting each grid point, shape (grid,)."""
        self._prepare()
        g = np.asarray(concession_weight, dtype=float)
        t = np.asarray(threshold, dtype=float) - 1e-12
        w = np.asarray(weights, dtype=float)
        out = np.empty(self.gains.size)
        if self.shared is not None:
            k = self.shared.size
            U = self.gammas.size
            hist = np.zeros(U * (k + 1))
            offsets = np.arange(U)[None, :] * (k + 1)
            # members in chunks that keep the (chunk x groups) temporaries in cache
            for lo in range(0, g.size, self.CHUNK):
                hi = min(lo + self.CHUNK, g.size)
                start = self._starts(g[lo:hi], t[lo:hi])
                hist += np.bincount((start + offsets).ravel(), weights=np.repeat(w[lo:hi], U), minlength=U * (k + 1))
            out[self.orders] = np.cumsum(hist.reshape(U, k + 1), axis=1)[:, :k]
            return out
        for gamma, order, sorted_gains in self.groups:
            h = g * gamma
            k = sorted_gains.size
            start = _exact_start(sorted_gains, h, t, np.searchsorted(sorted_gains, t - h, side="left"))
            out[order] = np.cumsum(np.bincount(start, weights=w, minlength=k + 1))[:k]
        return out

    def win_set(self, concession_weight: FloatArray, threshold: FloatArray, weights: FloatArray, theta: float) -> BoolArray:
        """W_c, the same set as ``win_set(acceptance(member_utility(...)), ...)``."""
        if np.size(weights) < self.DIRECT_BELOW:
            acc = acceptance(member_utility(self.gains, self.gives, concession_weight), threshold)
            return win_set(acc, weights, theta)
        return self.supports(concession_weight, threshold, weights) >= theta - 1e-12


def smooth_ratification(
    utility: FloatArray,
    threshold: FloatArray,
    weights: FloatArray,
    theta: float,
    kappa_r: float = 20.0,
    tau: float = 0.05,
    veto: BoolArray | None = None,
    limits: BoolArray | None = None,
) -> FloatArray:
    """Pr(ratify q) = sigma(kappa_R (sum_k omega_k sigma((u_k - b_k)/tau) - theta_c)) times prod_{v veto} sigma((u_v - b_v)/tau).

    Each veto player's acceptance multiplies the weighted vote: a deal one of
    them surely rejects is surely not ratified, however large the majority.
    ``limits`` (members x grid), where given, marks the points inside each
    member's stated bounds and constraints: these stay hard, so a member
    accepts a point outside them with probability 0 (only the threshold's
    margin is smooth).

    >>> u = np.array([[0.5, -0.5], [0.5, -0.5], [-0.5, 0.5]])  # two members like point 0, the third likes point 1
    >>> smooth_ratification(u, np.zeros(3), np.array([0.4, 0.4, 0.2]), 0.5, tau=0.01).round(2).tolist()
    [1.0, 0.0]
    >>> smooth_ratification(u, np.zeros(3), np.array([0.4, 0.4, 0.2]), 0.5, tau=0.01, veto=np.array([False, False, True])).round(2).tolist()
    [0.0, 0.0]
    >>> smooth_ratification(u, np.zeros(3), np.array([0.4, 0.4, 0.2]), 0.5, tau=0.01, limits=np.array([[False, True]] * 3)).round(2).tolist()
    [0.0, 0.0]
    """
    member = 1 / (1 + np.exp(-(utility - threshold[:, None]) / tau))
    if limits is not None:
        member = member * limits
    support = weights @ member
    out = 1 / (1 + np.exp(-kappa_r * (support - theta)))
    if veto is not None and np.any(veto):
        out = out * np.prod(member[np.asarray(veto, dtype=bool)], axis=0)
    return out


SMOOTH_DIRECT_BELOW = 64  # members; below this the (members x grid) matrix is built whole, as smooth_ratification reads it
SMOOTH_CHUNK = 1024  # members per pass of the chunked path: a (chunk x grid) buffer stays in cache


def ratification_of(
    gains: FloatArray,
    gives: FloatArray,
    concession_weight: FloatArray,
    threshold: FloatArray,
    weights: FloatArray,
    theta: float,
    tau: float = 0.05,
    veto: BoolArray | None = None,
    limits: BoolArray | None = None,
    kappa_r: float = 20.0,
    points: NDArray[np.int64] | None = None,
) -> FloatArray:
    """:func:`smooth_ratification` of the members' utilities ``gains + g_k gives``, without their whole matrix.

    ``points`` (grid indices), where given, asks for those points only: the
    result holds their values, in that order.

    A side of fewer than :data:`SMOOTH_DIRECT_BELOW` members (every built-in
    scenario) builds the (members x points) utility matrix and calls
    :func:`smooth_ratification` on it: each point's value is computed by the
    same operations whether the others are asked for or not. A larger side (a generated
    10,000-actor scenario) computes each member's smooth acceptance in chunks
    of :data:`SMOOTH_CHUNK` members with the same operations per element, in
    place in one single-precision buffer, and adds up the weighted support
    chunk by chunk in double precision: the result agrees with the direct one
    to about 1e-6 (float32 rounding of each acceptance, times the slope
    kappa_R / 4 of the outer sigmoid), far below what a forecast made with
    perception noise resolves.

    >>> g = np.array([0.0, 0.5, 1.0]); h = np.array([0.0, -0.5, -1.0])
    >>> cw, b = np.linspace(0.2, 1.2, 100), np.linspace(-0.2, 0.3, 100)
    >>> w = np.full(100, 0.01)
    >>> direct = smooth_ratification(member_utility(g, h, cw), b, w, 0.5, tau=0.1)
    >>> bool(np.allclose(ratification_of(g, h, cw, b, w, 0.5, tau=0.1), direct, rtol=0, atol=1e-5))
    True
    >>> bool(np.allclose(ratification_of(g, h, cw, b, w, 0.5, tau=0.1, points=np.array([2, 0])), direct[[2, 0]], rtol=0, atol=1e-5))
    True
    """
    cw = np.asarray(concession_weight, dtype=float)
    b = np.asarray(threshold, dtype=float)
    w = np.asarray(weights, dtype=float)
    if points is not None:
        gains, gives = gains[points], gives[points]
        limits = None if limits is None else limits[:, points]
    if cw.size < SMOOTH_DIRECT_BELOW:
        return smooth_ratification(member_utility(gains, gives, cw), b, w, theta, kappa_r=kappa_r, tau=tau, veto=veto, limits=limits)
    support = np.zeros(gains.size)
    buf = np.empty((min(SMOOTH_CHUNK, cw.size), gains.size), dtype=np.float32)
    # 1 / (1 + exp(-((gains + g_k gives) - b_k) / tau)), as smooth_ratification computes it, with the
    # division by tau and the sign folded into the per-point and per-member terms: six passes over the
    # buffer instead of eight. The members' acceptances are computed in single precision (exp is about
    # twice as fast, and the buffer half the size); each chunk's support is added up in double. An
    # acceptance is a smoothed estimate whose temperature is at least 0.02, so its float32 rounding
    # (about 1e-7) is far below anything the forecast resolves. A member far from its threshold
    # overflows exp to inf, and 1 / inf is its acceptance of 0, as in double precision.
    neg_gives, neg_gains = (-gives / tau).astype(np.float32), (-gains / tau).astype(np.float32)
    cw32, b_tau, w32 = cw.astype(np.float32), (b / tau).astype(np.float32), w.astype(np.float32)
    with np.errstate(over="ignore"):
        for lo in range(0, cw.size, SMOOTH_CHUNK):
            hi = min(lo + SMOOTH_CHUNK, cw.size)
            z = buf[: hi - lo]
            np.multiply(cw32[lo:hi, None], neg_gives[None, :], out=z)
            z += neg_gains[None, :]
            z += b_tau[lo:hi, None]
            np.exp(z, out=z)
            z += 1
            np.reciprocal(z, out=z)
            if limits is not None:
                z *= limits[lo:hi]
            support += (w32[lo:hi] @ z).astype(np.float64)
    out = 1 / (1 + np.exp(-kappa_r * (support - theta)))
    if veto is not None and np.any(veto):
        rows = np.flatnonzero(veto)
        member = 1 / (1 + np.exp(-(member_utility(gains, gives, cw[rows]) - b[rows, None]) / tau))
        if limits is not None:
            member = member * limits[rows]
        out = out * np.prod(member, axis=0)
    return out


def zone_area(*win_sets: BoolArray) -> float:
    """Share of the grid in every win-set: |Z| = |W_1 ∩ W_2 ∩ ...| / |G|.

    >>> zone_area(np.array([True, True, False, False]), np.array([False, True, True, False]))
    0.25
    """
    z = np.logical_and.reduce(win_sets)
    return float(z.mean())


def leader_deal_utility(gains: FloatArray, gives: FloatArray, beta0: float, stance: float) -> FloatArray:
    """U_c(q) = gains + beta gives, beta = beta0 (1/2 + x_L) (ODD 7.1-7.3)."""
    return gains + beta0 * (0.5 + stance) * gives


def best_offer(gain: FloatArray, own_win_set: BoolArray, p_accept: FloatArray, theta_acc: float = 0.0) -> int | None:
    """q_i = argmax_{q in W_i} P-hat(q accepted) * (gain_i(q) + theta_acc); None when nothing is worth offering.

    ``gain`` is what the deal is worth to the proposer over no deal (its
    commitment value minus the no-deal value), ``p_accept`` its estimate
    that the other side accepts, and ``theta_acc`` any value the proposer
    puts on signing a deal at all. Only points of its own win-set with a
    positive expected gain are offered; ties go to the lowest grid index.

    >>> best_offer(np.array([0.5, 0.3, -0.1]), np.array([True, True, True]), np.array([0.2, 0.9, 1.0]))
    1
    >>> best_offer(np.array([-0.5, -0.3]), np.array([True, True]), np.array([1.0, 1.0])) is None
    True
    """
    value = np.asarray(p_accept, dtype=float) * (np.asarray(gain, dtype=float) + theta_acc)
    score = np.where(own_win_set & (value > 0), value, -np.inf)
    if not np.isfinite(score).any():
        return None
    return int(np.argmax(score))


def hold_out_value(gain: FloatArray, own_win_set: BoolArray, p_accept: FloatArray, patience: float, remaining: int) -> float:
    """What a leader holds out for before a session's last step: delta^R x its best offer's expected gain (at least 0).

    With R steps of the session still to come, refusing now costs nothing
    but the wait: the leader expects to get at least its own best offer's
    expected gain, max over its win-set of Pr(accepted) x gain, by the
    deadline, discounted by its patience per step. A point worth less is
    refused for now; at the last step (R = 0) nothing is left to wait for,
    and any deal worth more than no deal is taken (the deadline effect).

    >>> round(hold_out_value(np.array([0.4, 0.2]), np.array([True, True]), np.array([0.5, 1.0]), 0.9, 2), 6)
    0.162
    >>> hold_out_value(np.array([0.4, 0.2]), np.array([True, True]), np.array([0.5, 1.0]), 0.9, 0)
    0.0
    >>> hold_out_value(np.array([-0.4]), np.array([True]), np.array([1.0]), 0.9, 3)
    0.0
    """
    if remaining <= 0:
        return 0.0
    expected = np.where(own_win_set, p_accept * gain, 0.0)
    return float(patience) ** remaining * max(float(expected.max()), 0.0)


def agreement_mask(grid: FloatArray, classes: Mapping[str, Mapping[str, tuple[float, float]]], dims: Sequence[str]) -> BoolArray:
    """Which grid points are an agreement of some class: :func:`classify_agreement` is not None, for all points at once.

    >>> grid = np.array([[0.2, 0.0], [0.35, 0.5], [0.8, 0.0]])
    >>> agreement_mask(grid, {"comprehensive": {"d": (0.7, 1)}, "interim": {"d": (0.3, 1), "r": (0.01, 1)}}, ["d", "r"]).tolist()
    [False, True, True]
    """
    index = {d: i for i, d in enumerate(dims)}
    out = np.zeros(grid.shape[0], dtype=bool)
    for box in classes.values():
        inside = np.ones(grid.shape[0], dtype=bool)
        for d, (lo, hi) in box.items():
            col = grid[:, index[d]]
            inside &= (col >= lo - 1e-9) & (col <= hi + 1e-9)
        out |= inside
    return out


def classify_agreement(point: FloatArray, classes: Mapping[str, Mapping[str, tuple[float, float]]], dims: Sequence[str]) -> str | None:
    """The first (strongest) agreement class whose box contains ``point``.

    >>> classify_agreement(np.array([0.35, 0.5]), {"comprehensive": {"d": (0.7, 1)}, "interim": {"d": (0.3, 1), "r": (0.01, 1)}}, ["d", "r"])
    'interim'
    """
    index = {d: i for i, d in enumerate(dims)}
    for name, box in classes.items():
        if all(lo - 1e-9 <= point[index[d]] <= hi + 1e-9 for d, (lo, hi) in box.items()):
            return name
    return None


def renege_risk(trust: float, renege_t: float, renege_u: float) -> float:
    """Chance the other side reneges on a deal: mu h_T + (1 - mu) h_U, mu = Pr(the other is a T type).

    >>> renege_risk(0.25, 0.05, 0.5)
    0.3875
    """
    return float(trust * renege_t + (1.0 - trust) * renege_u)


def commitment_value(utility: FloatArray, exposure: FloatArray, risk: float) -> FloatArray:
    """Expected value of accepting a deal whose other side may renege (the commitment problem as a cost).

    With probability ``1 - risk`` the deal is kept and worth ``utility``; with
    probability ``risk`` the other side reneges, the gains never come, and the
    unprotected part of what one gave (``exposure`` >= 0, already weighted)
    is lost. Safeguards (verification, snapback) shrink ``exposure`` and so
    let a deal pass at lower trust.

    >>> commitment_value(np.array([0.2]), np.array([0.5]), 0.4).round(3).tolist()
    [-0.08]
    """
    return (1.0 - risk) * np.asarray(utility, dtype=float) - risk * np.asarray(exposure, dtype=float)


def single_text(acceptance: FloatArray, weights: FloatArray, floor: float = 1e-3) -> int | None:
    """A mediator's single negotiating text: argmax_q sum_c w_c log A_c(q); None when no point reaches ``floor`` for every side.

    ``acceptance`` (sides x grid) is the mediator's estimate that each side
    accepts each point, ``weights`` its bias toward each side (an unbiased
    mediator weighs them equally). With equal weights the text maximises the
    product of the acceptances, the chance that both sides accept if they
    decide independently; a biased mediator trades some of the other side's
    acceptance for more of its favourite's. Ties go to the lowest grid index.

    >>> acc = np.array([[0.9, 0.5, 0.1], [0.1, 0.5, 0.9]])
    >>> single_text(acc, np.array([0.5, 0.5]))
    1
    >>> single_text(acc, np.array([0.9, 0.1]))
    0
    >>> single_text(np.array([[0.9, 0.5], [0.0, 0.0]]), np.array([0.5, 0.5])) is None
    True
    """
    acc = np.asarray(acceptance, dtype=float)
    w = np.asarray(weights, dtype=float)
    reachable = (acc >= floor).all(axis=0)
    if not reachable.any():
        return None
    # a column-wise sum, the same operations for every point: equal columns score exactly equal, so a tie goes to the
    # lowest index whatever the weights' scale (a matrix product may sum columns in different orders)
    score = (w[:, None] * np.log(np.maximum(acc, floor))).sum(axis=0)
    return int(np.argmax(np.where(reachable, score, -np.inf)))


def binding_dimension(
    q: int,
    receiver_accepts: BoolArray,
    grid: FloatArray,
    receiver_weights: Sequence[float],
    dims: Sequence[str],
    value: FloatArray | None = None,
) -> str | None:
    """The dimension on which an offer the receiver refuses falls shortest.

    For each dimension, the smallest move of that coordinate alone, in the
    receiver's favour (up where its weight is positive, down where negative),
    that brings the point into ``receiver_accepts`` (the points the receiver
    would take); the binding dimension is the one needing the smallest move
    (None when no single-dimension move does). When two moves are equal (on
    the grid, common), the binding dimension is the one whose moved point is
    worth more to the receiver by ``value`` (what it would rather be given);
    without ``value``, or when that ties too, the first dimension.

    >>> g = issue_grid(2, 3)
    >>> w = np.array([False, False, False, True, False, False, True, True, False])  # (0.5,0), (1,0), (1,0.5)
    >>> binding_dimension(4, w, g, [1.0, -1.0], ["d", "r"])  # from (0.5, 0.5): r down by 0.5 or d up by 0.5 -> first
    'd'
    >>> binding_dimension(4, w, g, [1.0, -1.0], ["d", "r"], value=g[:, 0] - 2 * g[:, 1])  # (0.5, 0) is worth 0.5, (1, 0.5) 0
    'r'
    >>> binding_dimension(7, np.array([False] * 8 + [True]), g, [1.0, -1.0], ["d", "r"]) is None
    True
    """
    point = grid[q]
    best: tuple[float, float, int] | None = None
    for i in range(grid.shape[1]):
        w = receiver_weights[i]
        if w == 0:
            continue
        others = np.delete(np.arange(grid.shape[1]), i)
        same = np.all(np.isclose(grid[:, others], point[others]), axis=1) if others.size else np.ones(grid.shape[0], dtype=bool)
        move = grid[:, i] - point[i]
        favour = move > 1e-12 if w > 0 else move < -1e-12
        ok = same & favour & receiver_accepts
        if ok.any():
            dist = np.where(ok, np.abs(move), np.inf)
            j = int(np.argmin(dist))
            need = float(dist[j])
            worth = float(value[j]) if value is not None else 0.0
            if best is None or need < best[0] - 1e-12 or (need <= best[0] + 1e-12 and worth > best[1] + 1e-12):
                best = (need, worth, i)
    return None if best is None else dims[best[2]]
