"""Shared by the spikes: R real hanoi-2019 models and their state stacked with a leading replicate axis.

Run r has seed r + 1 and is advanced 4 + r % 13 weeks (weeks 4..16) by the engine, so the batch mixes summit
statuses and pledges. Everything the decision rule reads is stacked (R, ...); what is fixed for a run (the engine's
own PolicyTables of that run) is stacked too. Nothing here is timed.
"""

from __future__ import annotations

import copy
import pathlib
import time
from dataclasses import dataclass

import numpy as np

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.scenario.document import load_raw, validate_data

ROOT = pathlib.Path(__file__).resolve().parents[2]
STATUS = {"none": 0, "offered": 1, "scheduled": 2, "cancelled": 3}
TABLES = ("pos", "neg", "dz_static", "sanc_own", "sanc_recv", "press_own", "press_recv", "dp_static", "dp_sanc", "de", "cost", "type_gap")


def scenario():
    """hanoi-2019 with reciprocity_match 0: the spike's variants implement the decision rule as it was measured
    (4 December 2026), before a gesture's affect was matched to its cost (ODD 7.16)."""
    data, _, source = load_raw(ROOT / "scenarios" / "hanoi-2019.yaml")
    data = copy.deepcopy(data)
    data.setdefault("parameters", {})["reciprocity_match"] = 0.0
    return validate_data(data, source)


def make_models(R: int, sc=None) -> list[DiplomacyModel]:
    sc = sc or scenario()
    out = []
    for r in range(R):
        m = DiplomacyModel(sc, seed=r + 1)
        for _ in range(4 + r % 13):
            m.step()
        out.append(m)
    return out


@dataclass
class Fixed:
    """Static for a batch (one scenario); per-run tables stacked (R, N, K)."""

    N: int
    C: int
    K: int
    G: int
    own: np.ndarray
    in_side: np.ndarray
    is_leader: np.ndarray  # (N,) leader & in side (PolicyTables.leader)
    leaders: np.ndarray  # rows of leaders
    summit_side: np.ndarray
    recv: np.ndarray  # (N, K)
    rl: np.ndarray  # (N, K)
    members: np.ndarray
    member_side: np.ndarray
    side_role: np.ndarray
    Q: int
    dz_own: np.ndarray  # (K, Q)
    dz_recv: np.ndarray
    dz_own_x: np.ndarray
    dz_recv_x: np.ndarray
    valence: np.ndarray
    concil: np.ndarray
    offer: np.ndarray
    accept: np.ndarray
    cancel: np.ndarray
    reinstate: np.ndarray
    static_feasible: np.ndarray  # (N, K+1)
    pledge_kinds: np.ndarray
    test_cols: np.ndarray  # (T,)
    test_cover: list  # per test: (class, name)
    tighten: int
    ease: int
    lobby: int
    leader_of: np.ndarray  # (C,)
    audience_own: np.ndarray  # (N,) audience[own] (engine: model.audience[own], 0 outside sides is not applied there)
    tp_rows: np.ndarray
    tp_client: np.ndarray  # per tp row: client side or -1
    tp_closeness: np.ndarray
    tp_kinds: list  # (col, mode) mode 0 mediation, 1 patron (cost>0 to client), 2 interference
    tp_cost: np.ndarray  # (K,)
    home: np.ndarray  # (K,) the cost of each kind that stirs the sender's own hawks (PolicyTables.home)
    hawkish: np.ndarray  # (N,) hawkish members
    audience: np.ndarray  # (C,)
    # the summit prospect's grids
    gains: np.ndarray  # (C, G)
    gives: np.ndarray
    exposure: np.ndarray
    theta: np.ndarray  # (C,)
    pressure_weights: np.ndarray  # (C, 3)
    # per run (R, ...)
    tables: dict
    theta_t: np.ndarray  # (R, N)
    limit_share: np.ndarray  # (R, N)
    stance_shift: np.ndarray  # (R, N)
    concession_weight: np.ndarray  # (R, N)
    p: object  # params (the same for every run)


def fixed_of(models: list[DiplomacyModel]) -> Fixed:
    m0 = models[0]
    tabs = [policy._tables(m) for m in models]
    groups = [t._groups(m)[0] for t, m in zip(tabs, models, strict=False)]
    assert all(len(t._groups(m)) == 1 for t, m in zip(tabs, models, strict=False))
    t0, g0 = tabs[0], groups[0]
    N, K = t0.recv.shape
    assert np.array_equal(g0.cols, np.arange(K)), "hanoi: one group with every kind"
    assert m0.partners == {} and m0.limits is None and not m0.veto.any() and not m0.ablations and m0.params.trust_model == "logit"
    for t, m in zip(tabs[1:], models[1:], strict=False):
        for name in ("dz_own", "dz_recv", "dz_own_x", "dz_recv_x", "valence", "concil", "home", "recv"):
            assert np.array_equal(getattr(t, name), getattr(t0, name))
        assert np.array_equal(m.static_feasible, m0.static_feasible)
    col = g0.col
    tp_kinds = []
    for j, kd in col["tp_kinds"]:
        if kd.trust.mode == "mediation":
            tp_kinds.append((j, 0))
        elif kd.receiver == "client":
            tp_kinds.append((j, 1 if kd.cost > 0 else 2))
    tp_rows = g0.tp_local
    tp_client = np.array([m0.tp_client[m0.tp_index[int(i)]] for i in tp_rows], dtype=np.int64)
    tp_closeness = np.array(
        [1 - abs(m0.tp_position[m0.tp_index[int(i)]] - m0.position[c]) if c >= 0 else 0.0 for i, c in zip(tp_rows, tp_client, strict=False)]
    )
    p = m0.params
    return Fixed(
        N=N,
        C=len(m0.side_ids),
        K=K,
        G=m0.grid.shape[0],
        own=t0.own,
        in_side=t0.in_side,
        is_leader=t0.leader,
        leaders=np.flatnonzero(t0.leader),
        summit_side=t0.summit_side,
        recv=t0.recv,
        rl=t0.rl,
        members=t0.members,
        member_side=t0.member_side,
        side_role=t0.side_role,
        Q=len(t0.roles),
        dz_own=t0.dz_own,
        dz_recv=t0.dz_recv,
        dz_own_x=t0.dz_own_x,
        dz_recv_x=t0.dz_recv_x,
        valence=t0.valence,
        concil=t0.concil,
        offer=t0.summit["offer"],
        accept=t0.summit["accept"],
        cancel=t0.summit["cancel"],
        reinstate=t0.summit["reinstate"],
        static_feasible=m0.static_feasible.copy(),
        pledge_kinds=np.array(col["pledge_kinds"], dtype=np.int64),
        test_cols=np.array([j for j, _c, _n in col["tests"]], dtype=np.int64),
        test_cover=[(c, n) for _j, c, n in col["tests"]],
        tighten=col["tighten"],
        ease=col["ease"],
        lobby=col["lobby"],
        leader_of=m0.leader_of.copy(),
        audience_own=m0.audience[t0.own].astype(float),
        tp_rows=tp_rows,
        tp_client=tp_client,
        tp_closeness=tp_closeness,
        tp_kinds=tp_kinds,
        tp_cost=np.array([m0.catalogue[k].cost for k in m0.kinds]),
        home=t0.home.copy(),
        hawkish=m0.hawkish.copy(),
        audience=m0.audience.astype(float),
        gains=m0.gains.copy(),
        gives=m0.gives.copy(),
        exposure=m0.exposure.copy(),
        theta=m0.theta.astype(float),
        pressure_weights=m0.pressure_weights.astype(float),
        tables={k: np.stack([g.tables[k] for g in groups]) for k in TABLES},
        theta_t=np.stack([g.theta_t for g in groups]),
        limit_share=np.stack([m.limit_share for m in models]).astype(float),
        stance_shift=np.stack([m.stance_shift for m in models]).astype(float),
        concession_weight=np.stack([m.state.concession_weight for m in models]).astype(float),
        p=p,
    )


@dataclass
class Week:
    """The state one week's decision reads, stacked (R, ...)."""

    stance: np.ndarray
    trust_logit: np.ndarray  # (R, N, C)
    omega: np.ndarray
    leak: np.ndarray
    sanctions: np.ndarray
    rapport: np.ndarray  # (R, N, C)
    zeta: np.ndarray
    iota: np.ndarray
    affect: np.ndarray
    patience: np.ndarray
    pressure: np.ndarray  # (R, C)
    domestic: np.ndarray
    thresholds: np.ndarray  # (R, N)
    win_sets: np.ndarray  # (R, C, G)
    zone_area: np.ndarray  # (R,)
    stake: np.ndarray  # (R, M)
    is_t: np.ndarray  # (R, C)
    guarantee: np.ndarray  # (R, C) (hanoi: no guarantors, 0)
    status: np.ndarray  # (R,) STATUS
    offered_by: np.ndarray
    summit_week: np.ndarray
    week: np.ndarray
    held: np.ndarray
    has_pledges: np.ndarray  # (R,) any active pledge
    pledged_side: np.ndarray  # (R, C) an active pledge with deal < 0
    pledge_tie: np.ndarray  # (R, C, T) summed tie of active pledges of side c covering test t
    pledge_count: np.ndarray  # (R, C, T)
    pledge_penalty: np.ndarray  # (R, C, T) summed breach penalty
    uniforms: np.ndarray  # (R, N)


def week_of(models: list[DiplomacyModel], fx: Fixed, uniforms: np.ndarray) -> Week:
    def st(name):
        return np.stack([np.asarray(getattr(m.state, name), dtype=float) for m in models])

    R, C, T = len(models), fx.C, fx.test_cols.size
    has = np.zeros(R, dtype=bool)
    pledged = np.zeros((R, C), dtype=bool)
    tie = np.zeros((R, C, T))
    cnt = np.zeros((R, C, T))
    pen = np.zeros((R, C, T))
    for r, m in enumerate(models):
        act = [pl for pl in m.pledges if pl.active]
        has[r] = bool(act)
        for pl in act:
            if pl.deal < 0:
                pledged[r, pl.side] = True
            for t, (cls, name) in enumerate(fx.test_cover):
                if pl.covers(name, cls):
                    tie[r, pl.side, t] += pl.tie
                    cnt[r, pl.side, t] += 1
                    pen[r, pl.side, t] += m.breach_penalty(pl.side) if pl.deal >= 0 else 0.0
    return Week(
        stance=st("stance"),
        trust_logit=st("trust_logit"),
        omega=st("omega"),
        leak=st("leak"),
        sanctions=st("sanctions"),
        rapport=st("rapport"),
        zeta=st("zeta"),
        iota=st("iota"),
        affect=st("affect"),
        patience=st("patience"),
        pressure=st("pressure"),
        domestic=st("domestic"),
        thresholds=st("thresholds"),
        win_sets=np.stack([m.state.win_sets for m in models]).astype(bool),
        zone_area=np.array([float(m.state.zone_area) for m in models]),
        stake=st("stake"),
        is_t=np.stack([m.state.is_t for m in models]).astype(bool),
        guarantee=np.array([[m.guarantee(c) for c in range(C)] for m in models]),
        status=np.array([STATUS[m.summit.status] for m in models]),
        offered_by=np.array([m.summit.offered_by for m in models]),
        summit_week=np.array([m.summit.week for m in models]),
        week=np.array([m.week for m in models]),
        held=np.array([m.summit.held for m in models]),
        has_pledges=has,
        pledged_side=pledged,
        pledge_tie=tie,
        pledge_count=cnt,
        pledge_penalty=pen,
        uniforms=uniforms,
    )


def engine_reference(models, uniforms):
    """The engine's EU table, feasibility, choice and leaders' type evidence on each model (R calls)."""
    eus, fs, ch, ev = [], [], [], []
    for r, m in enumerate(models):
        eu, f = policy.expected_utilities(m)
        eus.append(eu)
        fs.append(f)
        ch.append(policy.choose(m, uniforms[r], m.params.lambda_q))
        ev.append(np.stack([m.type_evidence[int(i)] for i in policy._tables(m)._groups(m)[0].rows[policy._tables(m).leader]]))
    return np.stack(eus), np.stack(fs), np.stack(ch), np.stack(ev)


def bare_step_timer(sc):
    """One step of run_cost.py's bare Mesa baselines (Network space; precomputed neighbour lists), for ratios."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run_cost import BareModel, NetworkModel, baseline_graphs

    graph, adjacency = baseline_graphs(sc)

    def run(which, steps=50, seed=1):
        t0 = time.perf_counter()
        m = NetworkModel(graph, seed) if which == "network" else BareModel(adjacency, seed)
        for _ in range(steps):
            m.step()
        return time.perf_counter() - t0

    return run
