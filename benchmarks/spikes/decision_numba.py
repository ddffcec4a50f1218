"""Spike (b): the same decision rule (EU table, leaders' type evidence, quantal choice) as a numba @njit kernel.

``run_one`` computes run r of stacked (R, ...) arrays in scalar loops; ``batch`` loops it over r inside the
kernel (one dispatch per batch); calling ``batch`` with R = 1 arrays is the per-run kernel (one dispatch per run).
Every formula of _compute_group, summit_terms, summit_prospect, ThirdParty.value, type_evidence and quantal_choice
is written again in scalar form here: the mechanism modules' array functions cannot be called from the kernel.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from decision_states import Fixed, Week

from summitry.agents.faction import LOBBY_GAIN
from summitry.sim.mechanisms.trust import EPS, LOGIT_MAX

# parameter vector indices
PNAMES = (
    "phi",
    "theta_z",
    "theta_p",
    "theta_t",
    "theta_r",
    "theta_aff",
    "theta_rapport",
    "tau_prep_min",
    "tau_prep_max",
    "summit_weight",
    "summit_relief",
    "kappa_b",
    "kappa_m",
    "activity",
    "lambda_q",
    "trust_decl",
    "rapport_decl",
    "declaration_fatigue",
    "declaration_gain",
    "declaration_value",
    "sigma_w",
    "renege_t",
    "renege_u",
    "deal_weight",
    "status_quo_weight",
)
PI = {n: i for i, n in enumerate(PNAMES)}
S_NONE, S_OFFER, S_ACCEPT, S_CANCEL, S_REINSTATE = 0, 1, 2, 3, 4
TAB = ("pos", "neg", "dz_static", "sanc_own", "sanc_recv", "press_own", "press_recv", "dp_static", "dp_sanc", "de", "cost", "type_gap")
LO, HI = -LOGIT_MAX * 2, LOGIT_MAX * 2


@numba.njit(cache=False, inline="always")
def expit(x):
    return 1.0 / (1.0 + math.exp(-min(max(x, LO), HI)))


@numba.njit(cache=False, inline="always")
def logit(p):
    q = min(max(p, EPS), 1 - EPS)
    return math.log(q / (1 - q))


@numba.njit(cache=False)
def prospect_of(
    r,
    P,
    C,
    G,
    leader_of,
    members,
    member_side,
    gains,
    gives,
    exposure,
    theta,
    pw,
    mu,
    stance,
    rapport,
    domestic,
    pressure,
    held,
    guarantee,
    win_sets,
    omega,
    thresholds,
    concession_weight,
    out,
):
    a, b = 0, 1
    la, lb = leader_of[a], leader_of[b]
    available = min(mu[la, b], mu[lb, a]) >= P[15] and min(rapport[r, la, b], rapport[r, lb, a]) >= P[16]
    fatigue = P[17] ** float(held[r])
    decl = np.empty(2)
    for c in range(2):
        o = 1 - c
        li, lo = leader_of[c], leader_of[o]
        base = mu[lo, c]
        tg = expit(logit(base) + P[18]) - base
        need = pw[c, 1] * domestic[r, c]
        decl[c] = P[19] * fatigue * (need + (1 - stance[r, li]) * P[3] * tg) + P[6] * rapport[r, li, o]
    tau = max(P[20], 0.02)
    gain = np.empty((2, G))
    for c in range(2):
        o = 1 - c
        li = leader_of[c]
        x = stance[r, li]
        t = mu[li, o]
        risk = (t * P[21] + (1.0 - t) * P[22]) * (1.0 - guarantee[r, c])
        beta = P[23] * (0.5 + x)
        top = gains[c, 0]
        for q in range(G):
            top = max(top, gains[c, q])
        nd = -P[24] * pressure[r, c]
        for q in range(G):
            util = gains[c, q] + P[23] * (0.5 + x) * gives[c, q]
            acc = (1.0 - risk) * util - risk * (beta * exposure[c, q])
            rel = gains[c, q] / top if top > 0 else 0.0
            gain[c, q] = acc - nd * rel
    for c in range(2):
        o = 1 - c
        total = 0.0
        for j in range(members.size):
            if member_side[j] == o:
                total += omega[r, members[j]]
        anyw = False
        for q in range(G):
            if win_sets[r, c, q]:
                anyw = True
        deal = 0.0
        if total > 0 and anyw:
            best = -np.inf
            for q in range(G):
                if not win_sets[r, c, q]:
                    worth = 0.0
                else:
                    sup = 0.0
                    for j in range(members.size):
                        if member_side[j] == o:
                            mb = members[j]
                            u = gains[o, q] + concession_weight[r, mb] * gives[o, q]
                            sup += (omega[r, mb] / total) * (1 / (1 + math.exp(-(u - thresholds[r, mb]) / tau)))
                    ratify = 1 / (1 + math.exp(-20.0 * (sup - theta[o])))
                    worth = ratify * expit(gain[o, q] / tau) * max(gain[c, q], 0.0)
                best = max(best, worth)
            deal = best
        out[c] = max(deal, decl[c] if available else 0.0)


@numba.njit(cache=False)
def run_one(
    r,
    P,
    own,
    in_side,
    is_leader,
    leaders,
    summit_side,
    recv,
    rl,
    members,
    member_side,
    side_role,
    Q,
    dz_own,
    dz_recv,
    dz_own_x,
    dz_recv_x,
    valence,
    concil,
    skind,
    static_feasible,
    is_pledge_kind,
    test_of,
    tighten,
    ease,
    lobby,
    leader_of,
    audience_own,
    tp_mode,
    tp_cost,
    is_tp,
    tp_m,
    tp_client,
    tp_closeness,
    gains,
    gives,
    exposure,
    theta,
    pw,
    T,
    theta_t,
    limit_share,
    stance_shift,
    concession_weight,
    stance,
    trust_logit,
    omega,
    leak,
    sanctions,
    rapport,
    zeta,
    iota,
    affect,
    patience,
    pressure,
    domestic,
    thresholds,
    win_sets,
    zone_area,
    stake,
    is_t,
    guarantee,
    status,
    offered_by,
    summit_week,
    week,
    held,
    has_pledges,
    pledged_side,
    pledge_tie,
    pledge_count,
    pledge_penalty,
    uniforms,
    eu,
    feas,
    ev,
    choice,
):
    N, K = recv.shape
    C = leak.shape[1]
    G = gains.shape[1]
    mu = np.empty((N, C))
    for i in range(N):
        for c in range(C):
            mu[i, c] = expit(trust_logit[r, i, c])
    M = np.zeros((C, Q))
    Mx = np.zeros((C, Q))
    for j in range(members.size):
        mb = members[j]
        wgt = omega[r, mb] * limit_share[r, mb]
        M[member_side[j], side_role[j] % Q] += wgt * 1.0
        Mx[member_side[j], side_role[j] % Q] += wgt * stance_shift[r, mb]
    for c in range(C):
        M[c, Q - 1] = 0.0
        Mx[c, Q - 1] = 0.0
    for j in range(members.size):
        mb = members[j]
        wgt = omega[r, mb] * limit_share[r, mb]
        M[member_side[j], Q - 1] += wgt * 1.0
        Mx[member_side[j], Q - 1] += wgt * stance_shift[r, mb]
    prospect = np.zeros(C)
    prospect_of(
        r,
        P,
        C,
        G,
        leader_of,
        members,
        member_side,
        gains,
        gives,
        exposure,
        theta,
        pw,
        mu,
        stance,
        rapport,
        domestic,
        pressure,
        held,
        guarantee,
        win_sets,
        omega,
        thresholds,
        concession_weight,
        prospect,
    )
    st = status[r]
    if st == 2 and summit_week[r] >= week[r]:
        wait = float(summit_week[r] - week[r])
    else:
        wait = 0.5 * (P[7] + P[8])
    opening = P[10] if held[r] == 0 else 0.0
    phi = P[0]
    lam = P[14]
    gap = np.zeros((N, K + 1))
    for i in range(N):
        o = own[i]
        x = stance[r, i]
        voice = 1.0 if is_leader[i] else (omega[r, i] if in_side[i] else 0.0)
        disc = patience[r, i] ** wait
        eu[r, i, 0] = P[13]
        feas[r, i, 0] = static_feasible[i, 0]
        for k in range(K):
            rc = recv[i, k]
            v = -np.inf
            if is_tp[i]:
                md = tp_mode[k]
                if md == 0:
                    a, b = 0, 1
                    g = (mu[i, b] - mu[leader_of[a], b]) + (mu[i, a] - mu[leader_of[b], a])
                    v = P[3] * P[12] * 0.2 * max(g, 0.0) + 0.3 * stake[r, tp_m[i]] * (1 - zone_area[r]) + 0.2 * (1 - x) - tp_cost[k]
                elif md > 0 and tp_client[i] >= 0:
                    if md == 1:
                        v = tp_closeness[i] * P[2] * pressure[r, tp_client[i]] - tp_cost[k]
                    else:
                        v = tp_closeness[i] * x * 0.5 + (0.2 if st == 2 else 0.0) - 0.2
            base = mu[rl[i, k], o]
            xr = stance[r, rl[i, k]]
            shift = (T[0, r, i, k] * (1 - phi * xr) + T[1, r, i, k] * (1 + phi * xr)) * voice
            dmu = expit(logit(base) + shift) - base if in_side[i] else 0.0
            A = 0.0
            B = 0.0
            Ax = 0.0
            Bx = 0.0
            for q in range(Q):
                A += M[o, q] * dz_own[k, q]
                B += M[rc, q] * dz_recv[k, q]
                Ax += Mx[o, q] * dz_own_x[k, q]
                Bx += Mx[rc, q] * dz_recv_x[k, q]
            dz = A + B + T[2, r, i, k]
            dz = dz + Ax + Bx
            dz = dz + (T[3, r, i, k] * (1 - leak[r, o]) + T[5, r, i, k]) * M[o, Q - 1]
            dz = dz + (T[4, r, i, k] * (1 - leak[r, rc]) + T[6, r, i, k]) * M[rc, Q - 1]
            dp = T[7, r, i, k] + T[8, r, i, k] * (1 - leak[r, rc])
            rap = rapport[r, i, rc]
            value = ((1 - x) * disc) * (theta_t[r, i] * dmu + P[1] * dz) + x * P[2] * dp
            value -= T[10, r, i, k]
            gp = T[11, r, i, k] + (((1 - x) * disc * P[3]) * dmu if is_leader[i] else 0.0)
            value -= ((1 - zeta[r, i]) * P[4]) * T[9, r, i, k]
            value += (iota[r, i] * P[5] * affect[r, i]) * valence[k]
            value += P[6] * rap * concil[k]
            f = static_feasible[i, k + 1]
            sk = skind[k]
            if sk != S_NONE:
                sv = (P[9] * prospect[o] + opening * pressure[r, o]) - 0.5 * x * P[2] * (1 - mu[i, rc])
                if sk == S_OFFER:
                    value += sv
                    f = f and summit_side[i] and st == 0
                elif sk == S_ACCEPT:
                    value += sv
                    value += iota[r, i] * P[5] * 0.5
                    f = f and summit_side[i] and ((st == 1 and o != offered_by[r]) or st == 3)
                elif sk == S_CANCEL:
                    value += -sv - P[6] * rap + iota[r, i] * P[5] * min(max(-affect[r, i], 0.0), 1.0)
                    f = f and summit_side[i] and st == 2
                elif sk == S_REINSTATE and ((st == 1 and o != offered_by[r]) or st == 3):
                    value += sv
            if is_pledge_kind[k]:
                if has_pledges[r]:
                    f = f and not (pledged_side[r, o] and in_side[i])
                else:
                    f = f and in_side[i]
            t = test_of[k]
            if t >= 0:
                n = pledge_count[r, o, t]
                if in_side[i] and n > 0:
                    loss = base - expit(logit(base) - P[11])
                    value -= audience_own[i] * pledge_tie[r, o, t] + n * (theta_t[r, i] * loss) + pledge_penalty[r, o, t]
                    if is_leader[i]:
                        gp -= n * (P[3] * loss)
            if k == tighten:
                f = f and sanctions[r, rc] < 0.999
            if k == ease:
                f = f and sanctions[r, rc] > 0.001
            if k == lobby:
                value += LOBBY_GAIN * abs(x - stance[r, leader_of[o]])
            if is_tp[i]:
                value = v
            eu[r, i, k + 1] = value
            feas[r, i, k + 1] = f
            gap[i, k + 1] = gp
        # quantal choice (policy.quantal_choice), the agent's own uniform
        top = -np.inf
        for k in range(K + 1):
            if feas[r, i, k]:
                top = max(top, lam * eu[r, i, k])
        cdf = np.empty(K + 1)
        acc = 0.0
        for k in range(K + 1):
            if feas[r, i, k]:
                acc += math.exp(lam * eu[r, i, k] - top)
            cdf[k] = acc
        cnt = 0
        for k in range(K + 1):
            if cdf[k] / acc < uniforms[r, i]:
                cnt += 1
        choice[r, i] = min(cnt, K)
    # leaders' type evidence (Leader.type_evidence)
    for li in range(leaders.size):
        i = leaders[li]
        sh = 0.0 if is_t[r, own[i]] else 1.0
        for which in range(2):
            top = -np.inf
            for k in range(K + 1):
                if feas[r, i, k]:
                    v = eu[r, i, k] + sh * gap[i, k]
                    if which == 1:
                        v = v - gap[i, k]
                    top = max(top, lam * v)
            s = 0.0
            for k in range(K + 1):
                if feas[r, i, k]:
                    v = eu[r, i, k] + sh * gap[i, k]
                    if which == 1:
                        v = v - gap[i, k]
                    s += math.exp(lam * v - top)
            ls = math.log(s)
            for k in range(K + 1):
                if feas[r, i, k]:
                    v = eu[r, i, k] + sh * gap[i, k]
                    if which == 1:
                        v = v - gap[i, k]
                    lp = lam * v - top - ls
                    ev[r, li, k] = lp if which == 0 else ev[r, li, k] - lp
                else:
                    ev[r, li, k] = 0.0


@numba.njit(cache=False)
def batch(
    P,
    own,
    in_side,
    is_leader,
    leaders,
    summit_side,
    recv,
    rl,
    members,
    member_side,
    side_role,
    Q,
    dz_own,
    dz_recv,
    dz_own_x,
    dz_recv_x,
    valence,
    concil,
    skind,
    static_feasible,
    is_pledge_kind,
    test_of,
    tighten,
    ease,
    lobby,
    leader_of,
    audience_own,
    tp_mode,
    tp_cost,
    is_tp,
    tp_m,
    tp_client,
    tp_closeness,
    gains,
    gives,
    exposure,
    theta,
    pw,
    T,
    theta_t,
    limit_share,
    stance_shift,
    concession_weight,
    stance,
    trust_logit,
    omega,
    leak,
    sanctions,
    rapport,
    zeta,
    iota,
    affect,
    patience,
    pressure,
    domestic,
    thresholds,
    win_sets,
    zone_area,
    stake,
    is_t,
    guarantee,
    status,
    offered_by,
    summit_week,
    week,
    held,
    has_pledges,
    pledged_side,
    pledge_tie,
    pledge_count,
    pledge_penalty,
    uniforms,
    eu,
    feas,
    ev,
    choice,
):
    for r in range(stance.shape[0]):
        run_one(
            r,
            P,
            own,
            in_side,
            is_leader,
            leaders,
            summit_side,
            recv,
            rl,
            members,
            member_side,
            side_role,
            Q,
            dz_own,
            dz_recv,
            dz_own_x,
            dz_recv_x,
            valence,
            concil,
            skind,
            static_feasible,
            is_pledge_kind,
            test_of,
            tighten,
            ease,
            lobby,
            leader_of,
            audience_own,
            tp_mode,
            tp_cost,
            is_tp,
            tp_m,
            tp_client,
            tp_closeness,
            gains,
            gives,
            exposure,
            theta,
            pw,
            T,
            theta_t,
            limit_share,
            stance_shift,
            concession_weight,
            stance,
            trust_logit,
            omega,
            leak,
            sanctions,
            rapport,
            zeta,
            iota,
            affect,
            patience,
            pressure,
            domestic,
            thresholds,
            win_sets,
            zone_area,
            stake,
            is_t,
            guarantee,
            status,
            offered_by,
            summit_week,
            week,
            held,
            has_pledges,
            pledged_side,
            pledge_tie,
            pledge_count,
            pledge_penalty,
            uniforms,
            eu,
            feas,
            ev,
            choice,
        )


def static_args(fx: Fixed) -> tuple:
    """The kernel's static arguments (outside any timing: a batch engine holds them)."""
    p = fx.p
    P = np.array([float(getattr(p, n)) for n in PNAMES])
    K, N = fx.K, fx.N
    skind = np.zeros(K, dtype=np.int64)
    skind[fx.offer], skind[fx.accept], skind[fx.cancel], skind[fx.reinstate] = S_OFFER, S_ACCEPT, S_CANCEL, S_REINSTATE
    is_pk = np.zeros(K, dtype=np.bool_)
    is_pk[fx.pledge_kinds] = True
    test_of = np.full(K, -1, dtype=np.int64)
    test_of[fx.test_cols] = np.arange(fx.test_cols.size)
    tp_mode = np.full(K, -1, dtype=np.int64)
    for j, md in fx.tp_kinds:
        tp_mode[j] = md
    is_tp = np.zeros(N, dtype=np.bool_)
    is_tp[fx.tp_rows] = True
    tp_m = np.zeros(N, dtype=np.int64)
    tp_m[fx.tp_rows] = np.arange(fx.tp_rows.size)
    tp_client = np.full(N, -1, dtype=np.int64)
    tp_client[fx.tp_rows] = fx.tp_client
    tp_cl = np.zeros(N)
    tp_cl[fx.tp_rows] = fx.tp_closeness
    i64 = lambda a: np.ascontiguousarray(a, dtype=np.int64)  # noqa: E731
    return (
        P,
        i64(fx.own),
        fx.in_side.astype(np.bool_),
        fx.is_leader.astype(np.bool_),
        i64(fx.leaders),
        fx.summit_side.astype(np.bool_),
        i64(fx.recv),
        i64(fx.rl),
        i64(fx.members),
        i64(fx.member_side),
        i64(fx.side_role),
        fx.Q,
        fx.dz_own,
        fx.dz_recv,
        fx.dz_own_x,
        fx.dz_recv_x,
        fx.valence,
        fx.concil,
        skind,
        np.ascontiguousarray(fx.static_feasible),
        is_pk,
        test_of,
        -1 if fx.tighten is None else fx.tighten,
        -1 if fx.ease is None else fx.ease,
        -1 if fx.lobby is None else fx.lobby,
        i64(fx.leader_of),
        fx.audience_own,
        tp_mode,
        fx.tp_cost,
        is_tp,
        tp_m,
        tp_client,
        tp_cl,
        fx.gains,
        fx.gives,
        fx.exposure,
        fx.theta,
        fx.pressure_weights,
        np.ascontiguousarray(np.stack([fx.tables[k] for k in TAB])),
        fx.theta_t,
        fx.limit_share,
        fx.stance_shift,
        fx.concession_weight,
    )


def week_args(w: Week) -> tuple:
    i64 = lambda a: np.ascontiguousarray(a, dtype=np.int64)  # noqa: E731
    return (
        w.stance,
        w.trust_logit,
        w.omega,
        w.leak,
        w.sanctions,
        w.rapport,
        w.zeta,
        w.iota,
        w.affect,
        w.patience,
        w.pressure,
        w.domestic,
        w.thresholds,
        w.win_sets,
        w.zone_area,
        w.stake,
        w.is_t,
        w.guarantee,
        i64(w.status),
        i64(w.offered_by),
        i64(w.summit_week),
        i64(w.week),
        i64(w.held),
        w.has_pledges,
        w.pledged_side,
        w.pledge_tie,
        w.pledge_count,
        w.pledge_penalty,
        w.uniforms,
    )


def outputs(R: int, N: int, K: int, L: int) -> tuple:
    return np.empty((R, N, K + 1)), np.empty((R, N, K + 1), dtype=np.bool_), np.zeros((R, L, K + 1)), np.empty((R, N), dtype=np.int64)


@numba.njit(cache=False)
def prospect_batch(
    P,
    leader_of,
    members,
    member_side,
    gains,
    gives,
    exposure,
    theta,
    pw,
    trust_logit,
    stance,
    rapport,
    domestic,
    pressure,
    held,
    guarantee,
    win_sets,
    omega,
    thresholds,
    concession_weight,
    out,
):
    """Only the summit prospect, for every run (to split the kernel's time)."""
    R, N, C = trust_logit.shape
    for r in range(R):
        mu = np.empty((N, C))
        for i in range(N):
            for c in range(C):
                mu[i, c] = expit(trust_logit[r, i, c])
        prospect_of(
            r,
            P,
            C,
            gains.shape[1],
            leader_of,
            members,
            member_side,
            gains,
            gives,
            exposure,
            theta,
            pw,
            mu,
            stance,
            rapport,
            domestic,
            pressure,
            held,
            guarantee,
            win_sets,
            omega,
            thresholds,
            concession_weight,
            out[r],
        )
