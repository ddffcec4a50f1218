"""SPIKE (issue 16): the bulk part of a week's delivery for R runs at once. Not used by the engine.

A week's delivery has two parts. Signals of "simple" kinds (stance and
threshold nudges within a side; in hanoi-2019 that is lobbying, about 70% of
the signals) are delivered in bulk by ``DiplomacyModel._deliver_simple``. The
rest are delivered one by one: trust, pledges, mediation, summit actions and
their event rows. This spike covers the bulk part only. It computes the
stance nudges ``_u``, threshold shifts, the per-side affect and vindication
counts, and each signal's numeric event columns (cost, stance change) for R
runs, three ways:

- ``engine``: ``_deliver_simple`` on each run's model, R calls;
- ``numpy-R``: numpy arrays with a leading replicate axis, one pass per batch;
- ``numba-R``: a compiled kernel looping over runs, one call per batch.

The outbox of run r is what its agents chose this week: ``choose`` with the
same uniforms on the states of ``batch_decision.states``. Before any timing,
each variant is checked against the engine's ``_deliver_simple`` on the same
outboxes (to 1e-12). The script exits 1 if they disagree. The baseline is one
step of the bare Mesa model, measured in the same process.

Not covered: event rows' text and id columns, one-by-one delivery, kinds whose
effects the scenario's simple kinds do not use.

Usage: python benchmarks/spikes/batch_delivery.py [--runs 1,10,100,1000] [--repeats 7] [--no-numba]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_decision import HEADER, line, paired, states
from run_cost import NetworkModel, baseline_graphs

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.engine.outbox import Outbox
from summitry.sim.scenario.document import load_scenario

try:
    import numba
except ImportError:  # the optional extra "spike"
    numba = None

SCALES = {"none": 0, "verification": 1, "lobby": 2, "ego": 3}
VARS = {"stance": 0, "threshold": 1}
ACC_ROW = {"none": -1, "hawks": 1, "doves": 2}


@dataclass
class Simple:
    """The scenario's simple kinds and their effects as arrays (fixed for a batch)."""

    N: int
    C: int
    side_of: np.ndarray  # (N,)
    leader_of: np.ndarray  # (C,)
    audience: np.ndarray  # (C,)
    kind_of_choice: np.ndarray  # (K+1,) simple-kind index of an engine column, -1 if not simple
    valence: np.ndarray  # (S,)
    vind: np.ndarray  # (S,) accumulator row of the receiver side's vindication, -1 none
    vind_sender: np.ndarray  # (S,)
    cost: np.ndarray  # (S,)
    tie: np.ndarray
    # effects, flattened: (E,) each, with the kind they belong to
    eff_kind: np.ndarray
    eff_sender: np.ndarray  # bool: who == sender
    eff_var: np.ndarray
    eff_scale: np.ndarray
    eff_delta: np.ndarray  # delta, times the kind's verification when scaled by it
    eff_members: np.ndarray  # (E, C, N) 1.0 where n is a member of side c with one of the effect's roles
    eff_skip: np.ndarray  # bool: min_verification above the kind's


def simple_of(m: DiplomacyModel) -> Simple:
    names = [k for k in m.kinds if m._simple_kind[k]]
    kinds = [m.catalogue[k] for k in names]
    index = {k: q for q, k in enumerate(names)}
    kind_of_choice = np.array([-1] + [index.get(k, -1) for k in m.kinds], dtype=np.int64)
    N, C = len(m.actor_ids), len(m.side_ids)
    ek, es, ev, esc, ed, em, skip = [], [], [], [], [], [], []
    for q, kd in enumerate(kinds):
        for eff in kd.effects:
            members = np.zeros((C, N))
            for c in range(C):
                members[c, m._members_with_roles(c, eff.roles)] = 1.0
            ek.append(q)
            es.append(eff.who == "sender")
            ev.append(VARS[eff.var])
            esc.append(SCALES[eff.scale] if eff.scale in SCALES else 0)
            ed.append(eff.delta * kd.verification if eff.scale == "verification" else eff.delta)
            em.append(members)
            skip.append(eff.min_verification > kd.verification)
    return Simple(
        N=N,
        C=C,
        side_of=m.side_of.astype(np.int64),
        leader_of=m.leader_of.astype(np.int64),
        audience=np.asarray(m.audience, dtype=float),
        kind_of_choice=kind_of_choice,
        valence=np.array([policy.valence(kd) for kd in kinds]),
        vind=np.array([ACC_ROW[kd.vindicates] for kd in kinds], dtype=np.int64),
        vind_sender=np.array([ACC_ROW[kd.vindicates_sender] for kd in kinds], dtype=np.int64),
        cost=np.array([kd.cost for kd in kinds]),
        tie=np.array([kd.tie for kd in kinds]),
        eff_kind=np.array(ek, dtype=np.int64),
        eff_sender=np.array(es, dtype=bool),
        eff_var=np.array(ev, dtype=np.int64),
        eff_scale=np.array(esc, dtype=np.int64),
        eff_delta=np.array(ed),
        eff_members=np.stack(em) if em else np.zeros((0, C, N)),
        eff_skip=np.array(skip, dtype=bool),
    )


def week_outbox(models: list[DiplomacyModel], uniforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each run's chosen engine column (R, N) and each simple signal's receiver (-1: none or not simple)."""
    choice = np.stack([policy.choose(m, uniforms[r], m.params.lambda_q) for r, m in enumerate(models)])
    receiver = np.full(choice.shape, -1, dtype=np.int64)
    for r, m in enumerate(models):
        senders = np.flatnonzero(choice[r])
        for code in np.unique(choice[r, senders]).tolist():
            name = m.kinds[code - 1]
            if m._simple_kind[name]:
                rows = senders[choice[r, senders] == code]
                receiver[r, rows] = m.receivers_of(rows, name)
    return choice, receiver


# ----------------------------------------------------------------------------- the engine, per run
def outbox_of(m: DiplomacyModel, choice: np.ndarray, receiver: np.ndarray) -> Outbox:
    """One run's simple signals as the engine's step addresses them (sorted as delivered)."""
    senders = np.flatnonzero(receiver >= 0)
    return Outbox.of([], m._codes).extended(senders, m._code_of_chosen[choice[senders] - 1], receiver[senders]).sorted()


def engine_once(m: DiplomacyModel, out: Outbox) -> dict[str, Any]:
    """The engine's bulk delivery of one run's simple signals, from zeroed accumulators."""
    m._u = np.zeros(len(m.actor_ids))
    m._side_acc[:] = 0.0
    before = m.state.threshold_shift.copy()
    bulk, _lazy = m._deliver_simple(out, m.week, np.full(len(out), np.nan))
    dthr = m.state.threshold_shift - before
    m.state.threshold_shift[:] = before
    stance_change = np.zeros(len(m.actor_ids))
    cost = np.zeros(len(m.actor_ids))
    stance_change[out.sender] = bulk["stance_change"]
    cost[out.sender] = bulk["cost"]
    return {"u": m._u.copy(), "threshold": dthr, "acc": m._side_acc.copy(), "stance_change": stance_change, "cost": cost}


# ----------------------------------------------------------------------------- numpy, replicate axis
def deliver_numpy(
    sp: Simple, choice: np.ndarray, receiver: np.ndarray, omega: np.ndarray, iota: np.ndarray, x: np.ndarray, psi: np.ndarray
) -> dict[str, Any]:
    R, N = choice.shape
    C = sp.C
    kind = np.where(receiver >= 0, sp.kind_of_choice[choice], -1)
    sside = np.broadcast_to(np.maximum(sp.side_of, 0), (R, N))  # third parties send no simple kind
    rside = sp.side_of[np.maximum(receiver, 0)]
    run_base = (np.arange(R) * C)[:, None]
    u = np.zeros((R, N))
    thr = np.zeros((R, N))
    acc = np.zeros((R, 3, C))
    stance_change = np.zeros((R, N))
    cost = np.zeros((R, N))
    for q in range(sp.valence.size):
        sent = kind == q
        w = sent.astype(float)
        acc[:, 0] += sp.valence[q] * np.bincount((run_base + rside)[sent], minlength=R * C).reshape(R, C)
        if sp.vind[q] >= 0:
            acc[:, sp.vind[q]] += np.bincount((run_base + rside)[sent], minlength=R * C).reshape(R, C)
        if sp.vind_sender[q] >= 0:
            acc[:, sp.vind_sender[q]] += np.bincount((run_base + sside)[sent], minlength=R * C).reshape(R, C)
        cost += np.where(sent, sp.cost[q] + sp.tie[q] * sp.audience[np.maximum(sp.side_of, 0)], 0.0)
        for e in np.flatnonzero(sp.eff_kind == q).tolist():
            if sp.eff_skip[e]:
                continue
            tside = sside if sp.eff_sender[e] else rside
            d = sp.eff_delta[e] * w
            if sp.eff_scale[e] == SCALES["lobby"]:
                li = sp.leader_of[tside]
                xl = np.take_along_axis(x, li, axis=1)
                d = d * omega * (1 - np.take_along_axis(iota, li, axis=1)) * np.sign(x - xl)
            per_side = np.bincount((run_base + tside).ravel(), weights=d.ravel(), minlength=R * C).reshape(R, C)
            members = sp.eff_members[e]  # (C, N)
            if sp.eff_scale[e] == SCALES["ego"]:
                moved = (per_side @ members) * psi
                factor_sum = (psi @ members.T)[np.arange(R)[:, None], tside]
            else:
                moved = per_side @ members
                factor_sum = members.sum(axis=1)[tside]
            if sp.eff_var[e] == VARS["stance"]:
                u += moved
                stance_change += np.abs(d) * factor_sum
            else:
                thr += moved
    return {"u": u, "threshold": thr, "acc": acc, "stance_change": stance_change, "cost": cost}


# ----------------------------------------------------------------------------- numba, replicate axis
def _kernel_source() -> Callable[..., None]:
    def kernel(
        choice, receiver, omega, iota, x, psi, side_of, leader_of, audience, kind_of_choice, valence, vind, vind_sender,
        kcost, ktie, eff_kind, eff_sender, eff_var, eff_scale, eff_delta, eff_members, eff_skip,
        u, thr, acc, stance_change, cost,
    ):  # fmt: skip
        R, N = choice.shape
        C = leader_of.size
        E = eff_kind.size
        per_side = np.zeros(C)
        d = np.zeros(N)
        for r in range(R):
            for i in range(N):
                if receiver[r, i] < 0:
                    continue
                q = kind_of_choice[choice[r, i]]
                if q < 0:
                    continue
                rs = side_of[receiver[r, i]]
                acc[r, 0, rs] += valence[q]
                if vind[q] >= 0:
                    acc[r, vind[q], rs] += 1.0
                if vind_sender[q] >= 0:
                    acc[r, vind_sender[q], side_of[i]] += 1.0
                cost[r, i] = kcost[q] + ktie[q] * audience[max(side_of[i], 0)]
            for e in range(E):
                if eff_skip[e]:
                    continue
                per_side[:] = 0.0
                for i in range(N):
                    d[i] = 0.0
                    if receiver[r, i] < 0 or kind_of_choice[choice[r, i]] != eff_kind[e]:
                        continue
                    ts = side_of[i] if eff_sender[e] else side_of[receiver[r, i]]
                    di = eff_delta[e]
                    if eff_scale[e] == 2:
                        li = leader_of[ts]
                        di = di * omega[r, i] * (1 - iota[r, li]) * np.sign(x[r, i] - x[r, li])
                    d[i] = di
                    per_side[ts] += di
                for i in range(N):
                    if receiver[r, i] < 0 or kind_of_choice[choice[r, i]] != eff_kind[e]:
                        continue
                    ts = side_of[i] if eff_sender[e] else side_of[receiver[r, i]]
                    fsum = 0.0
                    for n in range(N):
                        if eff_members[e, ts, n] > 0:
                            fsum += psi[r, n] if eff_scale[e] == 3 else 1.0
                    if eff_var[e] == 0:
                        stance_change[r, i] += abs(d[i]) * fsum
                for c in range(C):
                    for n in range(N):
                        if eff_members[e, c, n] > 0:
                            f = psi[r, n] if eff_scale[e] == 3 else 1.0
                            if eff_var[e] == 0:
                                u[r, n] += per_side[c] * f
                            else:
                                thr[r, n] += per_side[c] * f

    return kernel


class NumbaDelivery:
    def __init__(self, sp: Simple) -> None:
        assert numba is not None
        self.sp = sp
        self.kernel = numba.njit(cache=False)(_kernel_source())

    def __call__(
        self, choice: np.ndarray, receiver: np.ndarray, omega: np.ndarray, iota: np.ndarray, x: np.ndarray, psi: np.ndarray
    ) -> dict[str, Any]:
        sp = self.sp
        R, N = choice.shape
        out = {
            "u": np.zeros((R, N)),
            "threshold": np.zeros((R, N)),
            "acc": np.zeros((R, 3, sp.C)),
            "stance_change": np.zeros((R, N)),
            "cost": np.zeros((R, N)),
        }
        self.kernel(
            choice, receiver, omega, iota, x, psi, sp.side_of, sp.leader_of, sp.audience, sp.kind_of_choice, sp.valence, sp.vind,
            sp.vind_sender, sp.cost, sp.tie, sp.eff_kind, sp.eff_sender, sp.eff_var, sp.eff_scale, sp.eff_delta, sp.eff_members,
            sp.eff_skip, out["u"], out["threshold"], out["acc"], out["stance_change"], out["cost"],
        )  # fmt: skip
        return out


def disagreement(got: dict[str, Any], ref: dict[str, Any]) -> str | None:
    for key, want in ref.items():
        worst = float(np.max(np.abs(got[key] - want))) if want.size else 0.0
        if not worst <= 1e-12:
            return f"{key} differs by up to {worst:.3g}"
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="SPIKE: bulk delivery for R runs at once (not used by the engine)")
    ap.add_argument("--runs", default="1,10,100,1000")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--no-numba", action="store_true")
    args = ap.parse_args(argv)
    sizes = [int(v) for v in args.runs.split(",")]
    use_numba = numba is not None and not args.no_numba
    models = states(max(sizes))
    R = len(models)
    sp = simple_of(models[0])
    uniforms = np.random.default_rng(np.random.SeedSequence(16)).random((R, sp.N))
    choice, receiver = week_outbox(models, uniforms)
    ss = [m.state for m in models]
    omega, iota, x, psi = (np.stack([getattr(s, a) for s in ss]) for a in ("omega", "iota", "stance", "psi"))
    outs = [outbox_of(m, choice[r], receiver[r]) for r, m in enumerate(models)]
    per = [engine_once(m, outs[r]) for r, m in enumerate(models)]
    ref = {k: np.stack([p[k] for p in per]) for k in per[0]}
    print(f"{R} runs; simple signals this week: {int((receiver >= 0).sum())} ({(receiver >= 0).sum() / R:.1f} per run)")
    checks = {"numpy-R": disagreement(deliver_numpy(sp, choice, receiver, omega, iota, x, psi), ref)}
    if use_numba:
        nb = NumbaDelivery(sp)
        t0 = time.perf_counter()
        got = nb(choice, receiver, omega, iota, x, psi)
        print(f"numba: first call (compilation) {time.perf_counter() - t0:.2f} s")
        checks["numba-R"] = disagreement(got, ref)
    for name, problem in checks.items():
        print(f"check {name}: {'agrees with the engine (to 1e-12)' if problem is None else problem}")
    if any(checks.values()):
        return 1
    graph, _adj = baseline_graphs(load_scenario("hanoi-2019"))
    bare = NetworkModel(graph, 1)
    print("\nratio: per-run cost of the bulk delivery / one step of the bare Mesa model")
    print(HEADER)
    for n in sizes:
        args_n = (choice[:n], receiver[:n], omega[:n], iota[:n], x[:n], psi[:n])
        variants: dict[str, Callable[[], Any]] = {
            "engine": lambda n=n: [engine_once(m, outs[r]) for r, m in enumerate(models[:n])],
            "numpy-R": lambda a=args_n: deliver_numpy(sp, *a),
        }
        if use_numba:
            variants["numba-R"] = lambda a=args_n: nb(*a)
        for name, fn in variants.items():
            print(line(n, name, paired(fn, n, args.repeats, bare.step)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
