"""SPIKE (issue 16): the decision rule for R runs at once. Not used by the engine.

Measures one week's decision (expected utilities of every agent's every
action, then the logit choice with each agent's own uniform) of hanoi-2019
for R = 1, 10, 100, 1000 runs, four ways:

- ``engine``: ``agents.policy.choose`` on each run's model, R calls;
- ``numpy-R``: numpy arrays with a leading replicate axis, one pass per batch;
- ``numba``: a compiled kernel called once per run (no replicate axis);
- ``numba-R``: the same kernel called once per batch, looping over runs inside.

The R states are real: run r is hanoi-2019 (free mode, shipped defaults)
with seed r + 1, advanced 3 + r % 17 weeks by the engine, so the batch mixes
summit statuses, pledges and sanctions. Everything fixed for a run (the
engine's ``PolicyTables``) is stacked once, outside the timing, as a batch
engine would hold it; what is timed starts from the state arrays (stances,
trust log-odds, omega, pressures, summit status...) stacked (R, ...).

Before timing, every variant's expected utilities are checked against the
engine's own ``expected_utilities`` on the same states (to 1e-12, finite
entries; the same -inf and feasibility elsewhere), and its choices against
``choose`` with the same uniforms. The script exits 1 if any disagrees.

The baseline is one step of the bare Mesa model of ``benchmarks/run_cost.py``
(15 agents summing their neighbours), timed in the same process and in the
same round as each variant; a ratio is the per-run cost of one week's
decision / that step, its median and (min, max) over the rounds.

Not covered: forcing mode, the type evidence the leaders' choice leaves for
the receivers (``store_type_evidence``), the Beta trust model, scenarios with
more than 256 factions (the engine splits them into two groups).

Usage: python benchmarks/spikes/batch_decision.py [--runs 1,10,100,1000] [--repeats 7] [--no-numba]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from run_cost import NetworkModel, baseline_graphs

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms import trust as tr
from summitry.sim.scenario.document import load_scenario

try:
    import numba
except ImportError:  # numba is the optional extra "spike" (make spike installs it)
    numba = None

STATUS = {"none": 0, "offered": 1, "scheduled": 2, "cancelled": 3}
TP_NONE, TP_MEDIATION, TP_PATRON, TP_INTERFERE = 0, 1, 2, 3


# ----------------------------------------------------------------------------- the batch's arrays
@dataclass
class Fixed:
    """What is fixed for a batch of runs of one scenario: the engine's PolicyTables, stacked by run."""

    N: int
    C: int
    K: int  # the group's kinds (columns 1.. of the EU table)
    use: np.ndarray  # (K+1,) engine columns
    own: np.ndarray  # (N,)
    in_side: np.ndarray
    summit_side: np.ndarray
    leader_of_own: np.ndarray  # (N,) leader of each row's side
    recv: np.ndarray  # (N, K)
    rl: np.ndarray  # (N, K)
    tables: dict[str, np.ndarray]  # (R, N, K) each
    theta_t: np.ndarray  # (R, N)
    dz_own: np.ndarray  # (K, Q) Q = roles + 1
    dz_recv: np.ndarray
    members: np.ndarray
    side_role: np.ndarray
    member_side: np.ndarray
    Q: int
    valence: np.ndarray
    concil: np.ndarray
    offer: np.ndarray
    accept: np.ndarray
    cancel: np.ndarray
    reinstate: np.ndarray
    feasible0: np.ndarray  # (N, K+1) static feasibility
    pledge_kind: np.ndarray  # (K,) bool
    test_cols: np.ndarray  # (T,)
    test_classes: list[str]
    tighten: int
    ease: int
    lobby: int
    audience_own: np.ndarray  # (N,)
    tp_rows: np.ndarray
    tp_m: np.ndarray
    tp_client: np.ndarray  # (ntp,) client side or -1
    tp_closeness: np.ndarray  # (ntp,)
    tp_mode: np.ndarray  # (K,) TP_*
    kind_cost: np.ndarray  # (K,)
    summit_a: int
    summit_b: int
    leader_a: int
    leader_b: int
    p: dict[str, float]


@dataclass
class Week:
    """The state one week's decision reads, stacked (R, ...)."""

    stance: np.ndarray  # (R, N)
    trust_logit: np.ndarray  # (R, N, C)
    omega: np.ndarray
    leak: np.ndarray  # (R, C)
    sanctions: np.ndarray
    rapport: np.ndarray  # (R, N, C)
    zeta: np.ndarray
    iota: np.ndarray
    affect: np.ndarray
    patience: np.ndarray
    zone_area: np.ndarray  # (R,)
    domestic: np.ndarray  # (R, C)
    pressure: np.ndarray
    stake: np.ndarray  # (R, M)
    status: np.ndarray  # (R,) STATUS codes
    offered_by: np.ndarray
    summit_week: np.ndarray
    week: np.ndarray
    has_pledges: np.ndarray  # (R,)
    pledged_side: np.ndarray  # (R, C)
    pledge_tie: np.ndarray  # (R, C, T): sum of ties of active pledges covering test class t
    pledge_count: np.ndarray  # (R, C, T)
    uniforms: np.ndarray  # (R, N)


def fixed_of(models: list[DiplomacyModel]) -> Fixed:
    """Stack the engine's PolicyTables of ``models`` (one scenario; the per-run parts differ by type draws)."""
    m0 = models[0]
    tabs = [policy._tables(m) for m in models]
    groups = [t._groups(m) for t, m in zip(tabs, models, strict=True)]
    assert all(len(g) == 1 for g in groups), "the spike covers scenarios the engine computes as one group"
    assert m0.params.trust_model == "logit"
    t0, g0 = tabs[0], groups[0][0]
    assert np.array_equal(g0.rows, np.arange(len(m0.actor_ids)))
    kinds = [m0.catalogue[m0.kinds[c]] for c in g0.cols]
    col = g0.col
    K = g0.cols.size
    tp_rows = g0.tp_local
    tp_m = np.array([m0.tp_index[int(i)] for i in tp_rows], dtype=np.int64)
    tp_client = m0.tp_client[tp_m] if tp_m.size else np.zeros(0, dtype=np.int64)
    tp_closeness = np.array(
        [1 - abs(m0.tp_position[m] - m0.position[c]) if c >= 0 else 0.0 for m, c in zip(tp_m, tp_client, strict=True)], dtype=float
    )
    tp_mode = np.full(K, TP_NONE, dtype=np.int64)
    for j, kd in col["tp_kinds"]:
        if kd.trust.mode == "mediation":
            tp_mode[j] = TP_MEDIATION
        elif kd.receiver == "client":
            tp_mode[j] = TP_PATRON if kd.cost > 0 else TP_INTERFERE
    pledge_kind = np.zeros(K, dtype=bool)
    pledge_kind[col["pledge_kinds"]] = True
    p = m0.params
    a, b = (int(c) for c in m0.summit_sides)
    return Fixed(
        N=len(m0.actor_ids),
        C=len(m0.side_ids),
        K=K,
        use=np.concatenate([[0], g0.cols + 1]),
        own=g0.own,
        in_side=g0.in_side,
        summit_side=g0.summit_side,
        leader_of_own=m0.leader_of[g0.own],
        recv=g0.recv,
        rl=g0.rl,
        tables={k: np.stack([g[0].tables[k] for g in groups]) for k in g0.tables},
        theta_t=np.stack([g[0].theta_t for g in groups]),
        dz_own=col["dz_own"],
        dz_recv=col["dz_recv"],
        members=t0.members,
        side_role=t0.side_role,
        member_side=t0.member_side,
        Q=len(t0.roles),
        valence=col["valence"],
        concil=col["concil"],
        offer=col["summit"]["offer"],
        accept=col["summit"]["accept"],
        cancel=col["summit"]["cancel"],
        reinstate=col["summit"]["reinstate"],
        feasible0=m0.static_feasible[:, np.concatenate([[0], g0.cols + 1])],
        pledge_kind=pledge_kind,
        test_cols=np.array([j for j, _c in col["tests"]], dtype=np.int64),
        test_classes=[c for _j, c in col["tests"]],
        tighten=-1 if col["tighten"] is None else int(col["tighten"]),
        ease=-1 if col["ease"] is None else int(col["ease"]),
        lobby=-1 if col["lobby"] is None else int(col["lobby"]),
        audience_own=np.asarray(m0.audience, dtype=float)[g0.own],
        tp_rows=tp_rows,
        tp_m=tp_m,
        tp_client=tp_client,
        tp_closeness=tp_closeness,
        tp_mode=tp_mode,
        kind_cost=np.array([kd.cost for kd in kinds]),
        summit_a=a,
        summit_b=b,
        leader_a=int(m0.leader_of[a]),
        leader_b=int(m0.leader_of[b]),
        p={
            k: float(getattr(p, k))
            for k in (
                "phi",
                "theta_t",
                "theta_z",
                "theta_p",
                "theta_r",
                "theta_aff",
                "theta_rapport",
                "kappa_b",
                "kappa_m",
                "activity",
                "lambda_q",
                "tau_prep_min",
                "tau_prep_max",
            )
        },
    )


def week_of(models: list[DiplomacyModel], fx: Fixed, uniforms: np.ndarray) -> Week:
    """Stack the state of ``models`` at their current week (as a batch engine would hold it)."""
    ss = [m.state for m in models]
    T = fx.test_cols.size
    R = len(models)
    has = np.zeros(R, dtype=bool)
    pledged = np.zeros((R, fx.C), dtype=bool)
    tie = np.zeros((R, fx.C, T))
    count = np.zeros((R, fx.C, T))
    for r, m in enumerate(models):
        for pl in m.pledges:
            if not pl.active:
                continue
            has[r] = True
            pledged[r, pl.side] = True
            for t, cls in enumerate(fx.test_classes):
                if cls in pl.scope:
                    tie[r, pl.side, t] += pl.tie
                    count[r, pl.side, t] += 1
    return Week(
        stance=np.stack([s.stance for s in ss]),
        trust_logit=np.stack([s.trust_logit for s in ss]),
        omega=np.stack([s.omega for s in ss]),
        leak=np.stack([s.leak for s in ss]),
        sanctions=np.stack([s.sanctions for s in ss]),
        rapport=np.stack([s.rapport for s in ss]),
        zeta=np.stack([s.zeta for s in ss]),
        iota=np.stack([s.iota for s in ss]),
        affect=np.stack([s.affect for s in ss]),
        patience=np.stack([s.patience for s in ss]),
        zone_area=np.array([s.zone_area for s in ss], dtype=float),
        domestic=np.stack([s.domestic for s in ss]),
        pressure=np.stack([s.pressure for s in ss]),
        stake=np.stack([s.stake for s in ss]),
        status=np.array([STATUS.get(m.summit.status, 9) for m in models], dtype=np.int64),
        offered_by=np.array([m.summit.offered_by for m in models], dtype=np.int64),
        summit_week=np.array([m.summit.week for m in models], dtype=np.int64),
        week=np.array([m.week for m in models], dtype=np.int64),
        has_pledges=has,
        pledged_side=pledged,
        pledge_tie=tie,
        pledge_count=count,
        uniforms=uniforms,
    )


# ----------------------------------------------------------------------------- (i) numpy, replicate axis
def eu_numpy(fx: Fixed, w: Week) -> tuple[np.ndarray, np.ndarray]:
    """EU (R, N, K+1) and feasibility, numpy over the replicate axis (the engine's _compute_group, batched)."""
    p, tb = fx.p, fx.tables
    R, N, K = w.stance.shape[0], fx.N, fx.K
    x = w.stance
    mu = tr.expit(w.trust_logit)  # (R, N, C)
    own, recv, in_side = fx.own, fx.recv, fx.in_side
    base = mu[:, fx.rl, own[:, None]]
    xr = x[:, fx.rl]
    shift = tb["pos"] * (1 - p["phi"] * xr) + tb["neg"] * (1 + p["phi"] * xr)
    dmu = np.where(in_side[None, :, None], tr.expit(tr.logit(base) + shift) - base, 0.0)
    keep = 1 - w.leak
    # omega by (side, role), and by side in the last column
    om = w.omega[:, fx.members]
    M = np.zeros((R, fx.C * fx.Q))
    np.add.at(M, (slice(None), fx.side_role), om)
    M = M.reshape(R, fx.C, fx.Q)
    by_side = np.zeros((R, fx.C))
    np.add.at(by_side, (slice(None), fx.member_side), om)
    M[:, :, -1] = by_side
    dz = (M @ fx.dz_own.T)[:, own] + (M @ fx.dz_recv.T)[:, recv, np.arange(K)[None, :]] + tb["dz_static"]
    dz = dz + tb["sanc_own"] * keep[:, own][:, :, None] + tb["sanc_recv"] * keep[:, recv]
    dp = tb["dp_static"] + tb["dp_sanc"] * keep[:, recv]
    rapport = w.rapport[:, np.arange(N)[:, None], recv]
    default_wait = 0.5 * (p["tau_prep_min"] + p["tau_prep_max"])
    scheduled = w.status == STATUS["scheduled"]
    wait = np.where(scheduled & (w.summit_week >= w.week), (w.summit_week - w.week).astype(float), default_wait)
    disc = w.patience ** wait[:, None]
    value = ((1 - x) * disc)[:, :, None] * (fx.theta_t[:, :, None] * dmu + p["theta_z"] * dz) + x[:, :, None] * p["theta_p"] * dp
    value -= tb["cost"]
    value -= ((1 - w.zeta) * p["theta_r"])[:, :, None] * tb["de"]
    value += (w.iota * p["theta_aff"] * w.affect)[:, :, None] * fx.valence
    value += p["theta_rapport"] * rapport * fx.concil
    f = np.broadcast_to(fx.feasible0[:, 1:], (R, N, K)).copy()
    summit_own = (1 - x) * p["theta_z"] * (w.zone_area[:, None] + w.domestic[:, own]) + 0.5 * w.pressure[:, own]
    summit_value = summit_own[:, :, None] - 0.5 * x[:, :, None] * p["theta_p"] * (1 - mu[:, np.arange(N)[:, None], recv])
    value += np.where(fx.offer | fx.accept, summit_value, 0.0)
    value += np.where(fx.accept, (w.iota * p["theta_aff"] * 0.5)[:, :, None], 0.0)
    cancel_extra = (w.iota * p["theta_aff"] * np.clip(-w.affect, 0, 1))[:, :, None]
    value += np.where(fx.cancel, -summit_value - p["theta_rapport"] * rapport + cancel_extra, 0.0)
    cancelled = (w.status == STATUS["cancelled"])[:, None, None]
    value += np.where(fx.reinstate & cancelled, summit_value, 0.0)
    f[:, :, fx.offer] &= (fx.summit_side & (w.status == STATUS["none"])[:, None])[:, :, None]
    ok_accept = ((w.status == STATUS["offered"])[:, None] & (own != w.offered_by[:, None])) | cancelled[:, :, 0]
    f[:, :, fx.accept] &= (fx.summit_side & ok_accept)[:, :, None]
    f[:, :, fx.cancel] &= (fx.summit_side & scheduled[:, None])[:, :, None]
    pledged = w.pledged_side[:, own] & in_side
    f[:, :, fx.pledge_kind] &= np.where(w.has_pledges[:, None], ~pledged, in_side)[:, :, None]
    for t, j in enumerate(fx.test_cols.tolist()):
        b = base[:, :, j]
        loss = b - tr.expit(tr.logit(b) - p["kappa_b"])
        n = w.pledge_count[:, own, t]
        mine = in_side & (n > 0)
        value[:, :, j] -= np.where(mine, fx.audience_own * w.pledge_tie[:, own, t] + fx.theta_t * loss * n, 0.0)
    if fx.tighten >= 0:
        f[:, :, fx.tighten] &= w.sanctions[:, recv[:, fx.tighten]] < 0.999
    if fx.ease >= 0:
        f[:, :, fx.ease] &= w.sanctions[:, recv[:, fx.ease]] > 0.001
    if fx.lobby >= 0:
        value[:, :, fx.lobby] += 1.5 * np.abs(x - x[:, fx.leader_of_own])
    if fx.tp_rows.size:
        value[:, fx.tp_rows] = -np.inf
        i = fx.tp_rows
        a, b_ = fx.summit_a, fx.summit_b
        la, lb = fx.leader_a, fx.leader_b
        for j in np.flatnonzero(fx.tp_mode).tolist():
            mode, cost = fx.tp_mode[j], fx.kind_cost[j]
            if mode == TP_MEDIATION:
                gap = (mu[:, i, b_] - mu[:, la, b_][:, None]) + (mu[:, i, a] - mu[:, lb, a][:, None])
                v = (
                    p["theta_t"] * p["kappa_m"] * 0.2 * np.maximum(gap, 0.0)
                    + 0.3 * w.stake[:, fx.tp_m] * (1 - w.zone_area[:, None])
                    + 0.2 * (1 - x[:, i])
                    - cost
                )
            elif mode == TP_PATRON:
                v = fx.tp_closeness * p["theta_p"] * w.pressure[:, fx.tp_client] - cost
            else:
                v = fx.tp_closeness * x[:, i] * 0.5 + np.where(scheduled, 0.2, 0.0)[:, None] - 0.2
            value[:, i, j] = np.where(fx.tp_client >= 0, v, -np.inf) if mode != TP_MEDIATION else v
    eu = np.empty((R, N, K + 1))
    eu[:, :, 0] = p["activity"]
    eu[:, :, 1:] = value
    feasible = np.empty(eu.shape, dtype=bool)
    feasible[:, :, 0] = fx.feasible0[:, 0]
    feasible[:, :, 1:] = f
    return eu, feasible


def choose_numpy(fx: Fixed, w: Week) -> np.ndarray:
    """Engine column chosen by each agent of each run (R, N): quantal response with each agent's uniform."""
    eu, feasible = eu_numpy(fx, w)
    z = np.where(feasible, fx.p["lambda_q"] * eu, -np.inf)
    z = z - z.max(axis=2, keepdims=True)
    wgt = np.where(feasible, np.exp(z), 0.0)
    cdf = np.cumsum(wgt, axis=2)
    cdf /= cdf[:, :, -1:]
    choice = np.minimum((cdf < w.uniforms[:, :, None]).sum(axis=2), fx.K)
    return np.asarray(fx.use[choice])


# ----------------------------------------------------------------------------- (ii, iii) numba kernel
def _kernel_source() -> Callable[..., None]:
    """The kernel as plain Python (numba compiles it): loops over runs, agents and kinds."""

    def kernel(
        x, tl, omega, leak, sanctions, rapport, zeta, iota, affect, patience, zone_area, domestic, pressure, stake,
        status, offered_by, summit_week, week, has_pledges, pledged_side, pledge_tie, pledge_count, uniforms,
        own, in_side, summit_side, leader_of_own, recv, rl, pos, neg, dz_static, sanc_own, sanc_recv, dp_static, dp_sanc,
        de, cost, theta_t, dz_own, dz_recv, members, side_role, member_side, valence, concil, offer, accept, cancel,
        reinstate, feasible0, pledge_kind, test_of_col, tighten, ease, lobby, audience_own, tp_of_row, tp_m, tp_client,
        tp_closeness, tp_mode, kind_cost, sa, sb, la, lb, pv, eu, feasible, choice, use,
    ):  # fmt: skip
        phi, th_t, th_z, th_p, th_r, th_aff, th_rap = pv[0], pv[1], pv[2], pv[3], pv[4], pv[5], pv[6]
        kappa_b, kappa_m, activity, lam, tmin, tmax = pv[7], pv[8], pv[9], pv[10], pv[11], pv[12]
        R, N = x.shape
        C = tl.shape[2]
        K = recv.shape[1]
        Q = dz_own.shape[1]
        lmax = 2 * 20.0
        eps = 1e-9
        M = np.zeros((C, Q))
        mu = np.empty((N, C))
        for r in range(R):
            for i in range(N):
                for c in range(C):
                    v = min(max(tl[r, i, c], -lmax), lmax)
                    mu[i, c] = 1.0 / (1.0 + np.exp(-v))
            M[:, :] = 0.0
            for q in range(members.size):
                M[side_role[q] // Q, side_role[q] % Q] += omega[r, members[q]]
            for c in range(C):
                M[c, Q - 1] = 0.0
            for q in range(members.size):
                M[member_side[q], Q - 1] += omega[r, members[q]]
            if status[r] == 2 and summit_week[r] >= week[r]:
                wait = float(summit_week[r] - week[r])
            else:
                wait = 0.5 * (tmin + tmax)
            for i in range(N):
                xi = x[r, i]
                o = own[i]
                disc = patience[r, i] ** wait
                tpi = tp_of_row[i]
                eu[r, i, 0] = activity
                feasible[r, i, 0] = feasible0[i, 0]
                for k in range(K):
                    rc = recv[i, k]
                    base = mu[rl[i, k], o]
                    # what may be sent now (the same for third parties' rows)
                    f = bool(feasible0[i, k + 1])
                    if offer[k] and not (summit_side[i] and status[r] == 0):
                        f = False
                    if accept[k] and not (summit_side[i] and ((status[r] == 1 and o != offered_by[r]) or status[r] == 3)):
                        f = False
                    if cancel[k] and not (summit_side[i] and status[r] == 2):
                        f = False
                    if pledge_kind[k]:
                        if has_pledges[r]:
                            if pledged_side[r, o] and in_side[i]:
                                f = False
                        elif not in_side[i]:
                            f = False
                    if k == tighten and not sanctions[r, rc] < 0.999:
                        f = False
                    if k == ease and not sanctions[r, rc] > 0.001:
                        f = False
                    if tpi >= 0:
                        mode = tp_mode[k]
                        val = -np.inf
                        if mode == 1:
                            gap = (mu[i, sb] - mu[la, sb]) + (mu[i, sa] - mu[lb, sa])
                            val = (
                                th_t * kappa_m * 0.2 * max(gap, 0.0)
                                + 0.3 * stake[r, tp_m[tpi]] * (1 - zone_area[r])
                                + 0.2 * (1 - xi)
                                - kind_cost[k]
                            )
                        elif mode == 2 and tp_client[tpi] >= 0:
                            val = tp_closeness[tpi] * th_p * pressure[r, tp_client[tpi]] - kind_cost[k]
                        elif mode == 3 and tp_client[tpi] >= 0:
                            val = tp_closeness[tpi] * xi * 0.5 + (0.2 if status[r] == 2 else 0.0) - 0.2
                    else:
                        xr = x[r, rl[i, k]]
                        sh = pos[r, i, k] * (1 - phi * xr) + neg[r, i, k] * (1 + phi * xr)
                        qb = min(max(base, eps), 1 - eps)
                        z = min(max(np.log(qb / (1 - qb)) + sh, -lmax), lmax)
                        dmu = (1.0 / (1.0 + np.exp(-z)) - base) if in_side[i] else 0.0
                        dzo = 0.0
                        dzr = 0.0
                        for q in range(Q):
                            dzo += M[o, q] * dz_own[k, q]
                            dzr += M[rc, q] * dz_recv[k, q]
                        dz = dzo + dzr + dz_static[r, i, k]
                        dz = dz + sanc_own[r, i, k] * (1 - leak[r, o]) + sanc_recv[r, i, k] * (1 - leak[r, rc])
                        dp = dp_static[r, i, k] + dp_sanc[r, i, k] * (1 - leak[r, rc])
                        rap = rapport[r, i, rc]
                        val = (1 - xi) * disc * (theta_t[r, i] * dmu + th_z * dz) + xi * th_p * dp
                        val -= cost[r, i, k]
                        val -= (1 - zeta[r, i]) * th_r * de[r, i, k]
                        val += iota[r, i] * th_aff * affect[r, i] * valence[k]
                        val += th_rap * rap * concil[k]
                        if offer[k] or accept[k] or cancel[k] or reinstate[k]:
                            sv = (1 - xi) * th_z * (zone_area[r] + domestic[r, o]) + 0.5 * pressure[r, o]
                            sv = sv - 0.5 * xi * th_p * (1 - mu[i, rc])
                            if offer[k] or accept[k]:
                                val += sv
                            if accept[k]:
                                val += iota[r, i] * th_aff * 0.5
                            if cancel[k]:
                                val += -sv - th_rap * rap + iota[r, i] * th_aff * min(max(-affect[r, i], 0.0), 1.0)
                            if reinstate[k] and status[r] == 3:
                                val += sv
                        t = test_of_col[k]
                        if t >= 0 and in_side[i] and pledge_count[r, o, t] > 0:
                            qb = min(max(base, eps), 1 - eps)
                            z = min(max(np.log(qb / (1 - qb)) - kappa_b, -lmax), lmax)
                            loss = base - 1.0 / (1.0 + np.exp(-z))
                            val -= audience_own[i] * pledge_tie[r, o, t] + theta_t[r, i] * loss * pledge_count[r, o, t]
                        if k == lobby:
                            val += 1.5 * abs(xi - x[r, leader_of_own[i]])
                    eu[r, i, k + 1] = val
                    feasible[r, i, k + 1] = f
                # quantal response with the agent's own uniform
                top = -np.inf
                for k in range(K + 1):
                    if feasible[r, i, k] and lam * eu[r, i, k] > top:
                        top = lam * eu[r, i, k]
                total = 0.0
                for k in range(K + 1):
                    if feasible[r, i, k]:
                        total += np.exp(lam * eu[r, i, k] - top)
                acc = 0.0
                pick = 0
                for k in range(K + 1):
                    if feasible[r, i, k]:
                        acc += np.exp(lam * eu[r, i, k] - top)
                    if acc / total < uniforms[r, i]:
                        pick = k + 1
                choice[r, i] = use[min(pick, K)]

    return kernel


class NumbaDecision:
    """The compiled kernel and its arguments for a batch (built once, outside the timing)."""

    def __init__(self, fx: Fixed) -> None:
        assert numba is not None
        self.fx = fx
        self.kernel = numba.njit(cache=False)(_kernel_source())
        test_of_col = np.full(fx.K, -1, dtype=np.int64)
        test_of_col[fx.test_cols] = np.arange(fx.test_cols.size)
        tp_of_row = np.full(fx.N, -1, dtype=np.int64)
        tp_of_row[fx.tp_rows] = np.arange(fx.tp_rows.size)
        tb = fx.tables
        pv = fx.p
        self.static = (
            fx.own, fx.in_side, fx.summit_side, fx.leader_of_own, fx.recv, fx.rl, tb["pos"], tb["neg"], tb["dz_static"],
            tb["sanc_own"], tb["sanc_recv"], tb["dp_static"], tb["dp_sanc"], tb["de"], tb["cost"], fx.theta_t, fx.dz_own,
            fx.dz_recv, fx.members, fx.side_role, fx.member_side, fx.valence, fx.concil, fx.offer, fx.accept, fx.cancel,
            fx.reinstate, fx.feasible0, fx.pledge_kind, test_of_col, fx.tighten, fx.ease, fx.lobby, fx.audience_own,
            tp_of_row, fx.tp_m, fx.tp_client, fx.tp_closeness, fx.tp_mode, fx.kind_cost, fx.summit_a, fx.summit_b, fx.leader_a,
            fx.leader_b,             np.array([pv[k] for k in ("phi", "theta_t", "theta_z", "theta_p", "theta_r", "theta_aff", "theta_rapport",
                                      "kappa_b", "kappa_m", "activity", "lambda_q", "tau_prep_min", "tau_prep_max")]),
        )  # fmt: skip

    def __call__(self, w: Week, rows: slice | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """EU, feasibility and choices of the runs ``rows`` (all when None), in one kernel call."""
        fx = self.fx
        sl = slice(None) if rows is None else rows
        state = (
            w.stance[sl], w.trust_logit[sl], w.omega[sl], w.leak[sl], w.sanctions[sl], w.rapport[sl], w.zeta[sl], w.iota[sl],
            w.affect[sl], w.patience[sl], w.zone_area[sl], w.domestic[sl], w.pressure[sl], w.stake[sl], w.status[sl],
            w.offered_by[sl], w.summit_week[sl], w.week[sl], w.has_pledges[sl], w.pledged_side[sl], w.pledge_tie[sl],
            w.pledge_count[sl], w.uniforms[sl],
        )  # fmt: skip
        R = state[0].shape[0]
        static = list(self.static)
        # the per-run tables of these runs
        for at in range(6, 15):
            static[at] = static[at][sl]
        static[15] = static[15][sl]
        eu = np.empty((R, fx.N, fx.K + 1))
        feasible = np.empty((R, fx.N, fx.K + 1), dtype=np.bool_)
        choice = np.empty((R, fx.N), dtype=np.int64)
        self.kernel(*state, *static, eu, feasible, choice, fx.use)
        return eu, feasible, choice


# ----------------------------------------------------------------------------- states, checks, timing
def states(n: int) -> list[DiplomacyModel]:
    """``n`` hanoi-2019 runs (seed r + 1) advanced 3 + r % 17 weeks, all still running."""
    sc = load_scenario("hanoi-2019")
    out: list[DiplomacyModel] = []
    seed = 1
    while len(out) < n:
        m = DiplomacyModel(sc, seed=seed, mode="free")
        for _ in range(3 + (seed - 1) % 17):
            m.step()
        if m.running:
            out.append(m)
        seed += 1
    return out


def engine_outputs(models: list[DiplomacyModel], uniforms: np.ndarray, use: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    eus, fs, cs = [], [], []
    for r, m in enumerate(models):
        eu, f = policy.expected_utilities(m)
        eus.append(eu[:, use])
        fs.append(f[:, use])
        cs.append(policy.choose(m, uniforms[r], m.params.lambda_q))
    return np.stack(eus), np.stack(fs), np.stack(cs)


def disagreement(eu: np.ndarray, f: np.ndarray, choice: np.ndarray, ref: tuple[np.ndarray, np.ndarray, np.ndarray]) -> str | None:
    """None when (eu, f, choice) is the engine's (EU to 1e-12 where finite), else what differs."""
    eu0, f0, c0 = ref
    if not np.array_equal(f, f0):
        return f"feasibility differs at {np.argwhere(f != f0)[:3].tolist()}"
    fin = np.isfinite(eu0)
    if not np.array_equal(fin, np.isfinite(eu)) or not np.array_equal(eu0[~fin], eu[~fin]):
        return "non-finite expected utilities differ"
    worst = float(np.max(np.abs(eu[fin] - eu0[fin]))) if fin.any() else 0.0
    if worst > 1e-12:
        return f"expected utilities differ by up to {worst:.3g}"
    if not np.array_equal(choice, c0):
        return f"choices differ in {int((choice != c0).sum())} of {choice.size}"
    return None


def paired(fn: Callable[[], Any], runs: int, repeats: int, step: Callable[[], Any], steps: int = 20) -> dict[str, float]:
    """Per-run cost of fn() against one baseline step, timed side by side in each of ``repeats`` rounds.

    Each round times ``steps`` baseline steps, then one call of fn (``runs``
    runs); the ratio is taken within the round, so a machine that slows
    down between rounds moves both. Returns medians (seconds) and the
    ratio's median, min and max over the rounds."""
    fn()
    step()
    per, base, ratio = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        b = (time.perf_counter() - t0) / steps
        t0 = time.perf_counter()
        fn()
        f = (time.perf_counter() - t0) / runs
        per.append(f)
        base.append(b)
        ratio.append(f / b)
    return {
        "per_run": statistics.median(per),
        "base": statistics.median(base),
        "ratio": statistics.median(ratio),
        "lo": min(ratio),
        "hi": max(ratio),
    }


HEADER = f"{'R':>5}  {'variant':<8}  {'per run':>10}  {'baseline step':>13}  {'ratio':>7}  (min, max) over repeats"


def line(R: int, name: str, m: dict[str, float]) -> str:
    return (
        f"{R:>5}  {name:<8}  {m['per_run'] * 1e6:>8.1f}us  {m['base'] * 1e6:>11.1f}us  {m['ratio']:>7.2f}  ({m['lo']:.2f}, {m['hi']:.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="SPIKE: the decision rule for R runs at once (not used by the engine)")
    ap.add_argument("--runs", default="1,10,100,1000", help="batch sizes R, comma-separated")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--no-numba", action="store_true", help="leave out the numba variants")
    args = ap.parse_args(argv)
    sizes = [int(v) for v in args.runs.split(",")]
    use_numba = numba is not None and not args.no_numba
    models = states(max(sizes))
    fx = fixed_of(models)
    uniforms = np.random.default_rng(np.random.SeedSequence(16)).random((len(models), fx.N))
    w = week_of(models, fx, uniforms)
    ref = engine_outputs(models, uniforms, fx.use)
    statuses = {s: int((w.status == c).sum()) for s, c in STATUS.items()}
    print(f"{len(models)} states; summit statuses {statuses}; runs with an active pledge {int(w.has_pledges.sum())}")
    eu, f = eu_numpy(fx, w)
    checks = {"numpy-R": disagreement(eu, f, choose_numpy(fx, w), ref)}
    if use_numba:
        nb = NumbaDecision(fx)
        t0 = time.perf_counter()
        nb(w, slice(0, 1))
        print(f"numba: first call (compilation) {time.perf_counter() - t0:.2f} s")
        checks["numba-R"] = disagreement(*nb(w), ref)
        per = [nb(w, slice(r, r + 1)) for r in range(len(models))]
        checks["numba"] = disagreement(*(np.concatenate([p[i] for p in per]) for i in range(3)), ref)
    for name, problem in checks.items():
        print(f"check {name}: {'agrees with the engine (EU to 1e-12, feasibility, choices)' if problem is None else problem}")
    if any(checks.values()):
        return 1
    graph, _adj = baseline_graphs(load_scenario("hanoi-2019"))
    bare = NetworkModel(graph, 1)
    print("\nratio: per-run cost of one week's decision / one step of the bare Mesa model (15 agents summing neighbours)")
    print(HEADER)
    for R in sizes:
        sub = models[:R]
        wr = week_of(sub, fx, uniforms[:R])
        fxr = fixed_of(sub)
        variants: dict[str, Callable[[], Any]] = {
            "engine": lambda sub=sub, R=R: [policy.choose(m, uniforms[r], m.params.lambda_q) for r, m in enumerate(sub)],
            "numpy-R": lambda fxr=fxr, wr=wr: choose_numpy(fxr, wr),
        }
        if use_numba:
            nbr = NumbaDecision(fxr)
            nbr(wr)
            variants["numba"] = lambda nbr=nbr, wr=wr, R=R: [nbr(wr, slice(r, r + 1)) for r in range(R)]
            variants["numba-R"] = lambda nbr=nbr, wr=wr: nbr(wr)
        for name, fn in variants.items():
            print(line(R, name, paired(fn, R, args.repeats, bare.step)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
