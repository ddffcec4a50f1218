"""Spike (a): the decision rule of policy._compute_group for R runs at once, numpy with a leading replicate axis.

Written line for line after agents/policy.py (_compute_group, PolicyTables._mass, patience_discount),
agents/leader.py (summit_terms, type_evidence), agents/third_party.py (value) and sim/engine/summit.py
(summit_prospect, declaration_values, deal_gain, acceptance_value, estimated_ratification): each per-run branch
on the summit status or the pledges becomes a mask over R. The engine's own array functions are called where they
accept a leading axis unchanged (trust.expit/logit, Faction.lobby_value, Leader.type_evidence, policy.quantal_choice
on (R*N, K+1)); bargaining.smooth_ratification does not (threshold[:, None], weights @ member) and is rewritten
here with [..., None] and einsum.
"""

from __future__ import annotations

import numpy as np
from decision_states import Fixed, Week

from summitry.agents import policy
from summitry.agents.faction import Faction
from summitry.agents.leader import Leader
from summitry.sim.mechanisms import trust as tr
from summitry.sim.numeric import clip

BROADCAST_POWER = False  # True: patience ** wait[:, None] as first written (a run's bits then depend on the batch size)
BLAS = False  # True: matmul/einsum as the engine writes it (results then depend on the batch size in the last ulp)


def combine(M: np.ndarray, D: np.ndarray) -> np.ndarray:
    """(R, C, Q) x (K, Q) -> (R, C, K), summed over q in order."""
    out = M[:, :, 0, None] * D[:, 0]
    for q in range(1, D.shape[1]):
        out = out + M[:, :, q, None] * D[:, q]
    return out


def mass(fx: Fixed, w: Week, stance_moved: bool) -> np.ndarray:
    """(R, C, Q): PolicyTables._mass per run, one bincount over (run, side, role)."""
    R = w.stance.shape[0]
    C, Q = fx.C, fx.Q
    weight = w.omega * fx.limit_share * (fx.stance_shift if stance_moved else 1.0)
    wm = weight[:, fx.members]  # (R, members)
    off = (np.arange(R) * (C * Q))[:, None]
    by_role = np.bincount((fx.side_role[None, :] + off).ravel(), weights=wm.ravel(), minlength=R * C * Q).reshape(R, C, Q)
    off2 = (np.arange(R) * C)[:, None]
    by_role[:, :, -1] = np.bincount((fx.member_side[None, :] + off2).ravel(), weights=wm.ravel(), minlength=R * C).reshape(R, C)
    return by_role


def smooth_ratification_b(utility, threshold, weights, theta, kappa_r=20.0, tau=0.05):
    """bargaining.smooth_ratification with a leading replicate axis (no veto, no limits: hanoi has none)."""
    member = 1 / (1 + np.exp(-(utility - threshold[..., None]) / tau))  # (R, M, G)
    support = np.einsum("rm,rmg->rg", weights, member) if BLAS else (weights[..., None] * member).sum(axis=1)
    return 1 / (1 + np.exp(-kappa_r * (support - theta)))


def summit_prospect(fx: Fixed, w: Week, mu: np.ndarray) -> np.ndarray:
    """(R, C): DiplomacyModel.summit_prospect for every run."""
    p = fx.p
    R = mu.shape[0]
    out = np.zeros((R, fx.C))
    a, b = 0, 1
    la, lb = fx.leader_of[a], fx.leader_of[b]
    Rp = w.rapport
    available = (np.minimum(mu[:, la, b], mu[:, lb, a]) >= p.trust_decl) & (np.minimum(Rp[:, la, b], Rp[:, lb, a]) >= p.rapport_decl)
    fatigue = p.declaration_fatigue ** w.held.astype(float)
    decl = {}
    for c, o in ((a, b), (b, a)):
        li, lo = fx.leader_of[c], fx.leader_of[o]
        base = mu[:, lo, c]
        trust_gain = tr.expit(tr.logit(base) + p.declaration_gain) - base
        need = fx.pressure_weights[c, 1] * w.domestic[:, c]
        decl[c] = p.declaration_value * fatigue * (need + (1 - w.stance[:, li]) * p.theta_t * trust_gain) + p.theta_rapport * Rp[:, li, o]
    tau = max(p.sigma_w, 0.02)
    gains = {}
    for c, o in ((a, b), (b, a)):
        li = fx.leader_of[c]
        x = w.stance[:, li][:, None]
        t = mu[:, li, o]
        risk = ((t * p.renege_t + (1.0 - t) * p.renege_u) * (1.0 - w.guarantee[:, c]))[:, None]
        beta = p.deal_weight * (0.5 + x)
        util = fx.gains[c] + p.deal_weight * (0.5 + x) * fx.gives[c]
        acc = (1.0 - risk) * util - risk * (beta * fx.exposure[c])
        top = float(fx.gains[c].max())
        relief = fx.gains[c] / top if top > 0 else np.zeros_like(fx.gains[c])
        gains[(c, o)] = acc - (-p.status_quo_weight * w.pressure[:, c])[:, None] * relief
    for c, o in ((a, b), (b, a)):
        mem = fx.members[fx.member_side == o]
        wts = w.omega[:, mem]
        total = wts.sum(axis=1)
        ok = (total > 0) & w.win_sets[:, c].any(axis=1)
        u = fx.gains[o][None, None, :] + fx.concession_weight[:, mem][:, :, None] * fx.gives[o][None, None, :]
        ratify = smooth_ratification_b(u, w.thresholds[:, mem], wts / np.where(total > 0, total, 1.0)[:, None], fx.theta[o], tau=tau)
        worth = ratify * tr.expit(gains[(o, c)] / tau) * np.maximum(gains[(c, o)], 0.0)
        deal = np.where(ok, np.where(w.win_sets[:, c], worth, 0.0).max(axis=1), 0.0)
        out[:, c] = np.maximum(deal, np.where(available, decl[c], 0.0))
    return out


def home_cost(fx: Fixed, w: Week) -> np.ndarray:
    """(R, C): Leader.home_cost of every run, theta_home x audience x the hawkish share of each side's weights."""
    out = np.zeros((w.omega.shape[0], fx.C))
    for c in range(fx.C):
        mem = fx.members[fx.member_side == c]
        total = w.omega[:, mem].sum(axis=1)
        hawk = w.omega[:, mem[fx.hawkish[mem]]].sum(axis=1)
        out[:, c] = np.where(total > 0, fx.p.theta_home * float(fx.audience[c]) * hawk / np.where(total > 0, total, 1.0), 0.0)
    return out


def eu_batch(fx: Fixed, w: Week):
    """EU (R, N, K+1), feasible (R, N, K+1), type evidence of the leaders (R, L, K+1)."""
    p = fx.p
    tb = fx.tables
    R = w.stance.shape[0]
    N, K = fx.N, fx.K
    own, recv, in_side = fx.own, fx.recv, fx.in_side
    mu = tr.expit(w.trust_logit)  # (R, N, C)
    M = mass(fx, w, False)
    Mx = mass(fx, w, True)
    x = w.stance
    base = mu[:, fx.rl, own[:, None]]  # (R, N, K)
    xr = x[:, fx.rl]
    voice = np.where(fx.is_leader, 1.0, np.where(in_side, w.omega, 0.0))  # Faction.voice
    shift = (tb["pos"] * (1 - p.phi * xr) + tb["neg"] * (1 + p.phi * xr)) * voice[:, :, None]
    dmu = np.where(in_side[:, None], tr.expit(tr.logit(base) + shift) - base, 0.0)
    keep = 1 - w.leak  # (R, C)
    ks = np.arange(K)[None, :]
    if BLAS:
        dz = (M @ fx.dz_own.T)[:, own] + np.einsum("bcr,kr->bck", M, fx.dz_recv)[:, recv, ks] + tb["dz_static"]
        dz = dz + (Mx @ fx.dz_own_x.T)[:, own] + np.einsum("bcr,kr->bck", Mx, fx.dz_recv_x)[:, recv, ks]
    else:  # (R, C, K) products summed over roles in a fixed order: the same bits whatever R (no BLAS path choice)
        dz = combine(M, fx.dz_own)[:, own] + combine(M, fx.dz_recv)[:, recv, ks] + tb["dz_static"]
        dz = dz + combine(Mx, fx.dz_own_x)[:, own] + combine(Mx, fx.dz_recv_x)[:, recv, ks]
    side_mass = M[:, :, -1]
    dz = dz + (tb["sanc_own"] * keep[:, own][:, :, None] + tb["press_own"]) * side_mass[:, own][:, :, None]
    dz = dz + (tb["sanc_recv"] * keep[:, recv] + tb["press_recv"]) * side_mass[:, recv]
    dp = tb["dp_static"] + tb["dp_sanc"] * keep[:, recv]
    rr = np.arange(N)[:, None]
    rapport = w.rapport[:, rr, recv]
    scheduled = (w.status == 2) & (w.summit_week >= w.week)
    wait = np.where(scheduled, (w.summit_week - w.week).astype(float), 0.5 * (p.tau_prep_min + p.tau_prep_max))
    # np.power takes a different inner loop (SIMD or libm) for a broadcast (R, 1) exponent than for a full one, and the
    # two differ in the last ulp: with a broadcast exponent a run's result depended on the batch size (6 in 1000 runs)
    disc = w.patience ** (np.broadcast_to(wait[:, None], w.patience.shape).copy() if not BROADCAST_POWER else wait[:, None])
    value = ((1 - x) * disc)[:, :, None] * (fx.theta_t[:, :, None] * dmu + p.theta_z * dz) + x[:, :, None] * p.theta_p * dp
    value -= tb["cost"]
    gap = tb["type_gap"] + np.where(fx.is_leader[:, None], ((1 - x) * disc * p.theta_t)[:, :, None] * dmu, 0.0)
    value -= ((1 - w.zeta) * p.theta_r)[:, :, None] * tb["de"]
    value += (w.iota * p.theta_aff * w.affect)[:, :, None] * fx.valence
    value += p.theta_rapport * rapport * fx.concil
    if p.theta_home:
        value -= np.where(fx.is_leader, home_cost(fx, w)[:, own], 0.0)[:, :, None] * fx.home
    f = np.broadcast_to(fx.static_feasible[:, 1:], (R, N, K)).copy()
    # Leader.summit_terms, every run's summit status as a mask
    mu_recv = mu[:, rr, recv]
    opening = np.where(w.held == 0, p.summit_relief, 0.0)
    prospect = summit_prospect(fx, w, mu)
    summit_value = (p.summit_weight * prospect[:, own] + opening[:, None] * w.pressure[:, own])[:, :, None] - 0.5 * x[
        :, :, None
    ] * p.theta_p * (1 - mu_recv)
    value += np.where(fx.offer | fx.accept, summit_value, 0.0)
    value += np.where(fx.accept, (w.iota * p.theta_aff * 0.5)[:, :, None], 0.0)
    value += np.where(
        fx.cancel, -summit_value - p.theta_rapport * rapport + (w.iota * p.theta_aff * clip(-w.affect, 0, 1))[:, :, None], 0.0
    )
    st = w.status[:, None]
    ok_accept = ((st == 1) & (own != w.offered_by[:, None])) | (st == 3)
    # a letter puts a cancelled summit back on or answers the other side's pending offer
    value += np.where(fx.reinstate & ok_accept[:, :, None], summit_value, 0.0)
    f[:, :, fx.offer] &= (fx.summit_side & (st == 0))[:, :, None]
    f[:, :, fx.accept] &= (fx.summit_side & ok_accept)[:, :, None]
    f[:, :, fx.cancel] &= (fx.summit_side & (st == 2))[:, :, None]
    # pledges: per (run, side, test) sums instead of the list of Pledge objects
    pledged = w.pledged_side[:, own] & in_side
    pk = np.where(w.has_pledges[:, None], ~pledged, in_side[None, :])
    for j in fx.pledge_kinds:
        f[:, :, j] &= pk
    for t, j in enumerate(fx.test_cols):
        b = base[:, :, j]
        loss = b - tr.expit(tr.logit(b) - p.kappa_b)
        tie = w.pledge_tie[:, own, t]
        n = w.pledge_count[:, own, t]
        mine = in_side & (n > 0)
        value[:, :, j] -= np.where(mine, fx.audience_own * tie + n * (fx.theta_t * loss) + w.pledge_penalty[:, own, t], 0.0)
        gap[:, :, j] -= np.where(mine & fx.is_leader, n * (p.theta_t * loss), 0.0)
    if fx.tighten is not None:
        f[:, :, fx.tighten] &= w.sanctions[:, recv[:, fx.tighten]] < 0.999
    if fx.ease is not None:
        f[:, :, fx.ease] &= w.sanctions[:, recv[:, fx.ease]] > 0.001
    if fx.lobby is not None:
        value[:, :, fx.lobby] += Faction.lobby_value(x, x[:, fx.leader_of[own]])
    # ThirdParty.value, vectorised over runs and third parties
    if fx.tp_rows.size:
        tp = fx.tp_rows
        value[:, tp] = -np.inf
        a, b = 0, 1
        la, lb = fx.leader_of[a], fx.leader_of[b]
        for j, mode in fx.tp_kinds:
            cost = fx.tp_cost[j]
            if mode == 0:
                g = (mu[:, tp, b] - mu[:, la, b][:, None]) + (mu[:, tp, a] - mu[:, lb, a][:, None])
                v = (
                    p.theta_t * p.kappa_m * 0.2 * np.maximum(g, 0.0)
                    + 0.3 * w.stake[:, : tp.size] * (1 - w.zone_area)[:, None]
                    + 0.2 * (1 - x[:, tp])
                    - cost
                )
            else:
                client = np.maximum(fx.tp_client, 0)
                if mode == 1:
                    v = fx.tp_closeness * p.theta_p * w.pressure[:, client] - cost
                else:
                    v = fx.tp_closeness * x[:, tp] * 0.5 + np.where(w.status == 2, 0.2, 0.0)[:, None] - 0.2
                v = np.where(fx.tp_client >= 0, v, -np.inf)
            value[:, tp, j] = v
    eu = np.empty((R, N, K + 1))
    eu[:, :, 0] = p.activity
    eu[:, :, 1:] = value
    feasible = np.empty((R, N, K + 1), dtype=bool)
    feasible[:, :, 0] = fx.static_feasible[:, 0]
    feasible[:, :, 1:] = f
    # the leaders' type evidence (Leader.store_type_evidence), reading the engine's function on (R * L, K+1)
    L = fx.leaders
    gap_full = np.zeros((R, L.size, K + 1))
    gap_full[:, :, 1:] = gap[:, L]
    ev = Leader.type_evidence(
        eu[:, L].reshape(-1, K + 1), feasible[:, L].reshape(-1, K + 1), gap_full.reshape(-1, K + 1), w.is_t[:, own[L]].ravel(), p.lambda_q
    ).reshape(R, L.size, K + 1)
    ev = np.where(feasible[:, L], ev, 0.0)
    return eu, feasible, ev


def choose_batch(fx: Fixed, w: Week):
    eu, feasible, ev = eu_batch(fx, w)
    R, N, K1 = eu.shape
    choice = policy.quantal_choice(eu.reshape(R * N, K1), feasible.reshape(R * N, K1), fx.p.lambda_q, w.uniforms.ravel()).reshape(R, N)
    return choice, eu, feasible, ev
