"""Items 2-3: one week's decision rule (EU table + leaders' type evidence + quantal choice) for R runs of hanoi-2019.

Variants, per run and week:
  engine     policy.choose(model, uniforms, lambda_q) on each of R models (R calls)
  numpy-R    decision_numpy.py: one pass over (R, ...) arrays
  numba-1    decision_numba.py kernel called once per run (R = 1 arrays, pre-sliced outside the timing)
  numba-R    the same kernel called once per batch (loop over runs inside)
  rng-R      drawing each run's uniforms from its own numpy Generator (R calls of Generator.random(N)): what
             byte-identical replicates cost a batch each week, whatever computes the rule
and one step of run_cost.py's bare Mesa baselines, timed in the same round (ratios within a round).

Checks (before timing), on all R_max states: EU against policy.expected_utilities (max abs difference, finite
entries; same -inf pattern), feasibility exactly, choices against policy.choose with the same uniforms, the leaders'
type evidence against what choose stored; and bitwise: each run computed alone (batch of 1) against its row of the
batch of R_max, for numpy and numba.

Usage: OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/spikes/batch_decision.py [--runs 1,10,100,1000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import decision_numpy as eu_numpy
from decision_states import Week, bare_step_timer, engine_reference, fixed_of, make_models, scenario, week_of

from summitry.agents import policy


def sub_fixed(fx, lo, hi):
    g = copy.copy(fx)
    g.tables = {k: np.ascontiguousarray(v[lo:hi]) for k, v in fx.tables.items()}
    for k in ("theta_t", "limit_share", "stance_shift", "concession_weight"):
        setattr(g, k, np.ascontiguousarray(getattr(fx, k)[lo:hi]))
    return g


def sub_week(w, lo, hi):
    return Week(**{k: np.ascontiguousarray(v[lo:hi]) for k, v in dataclasses.asdict(w).items()})


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", default="1,10,100,1000")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--no-numba", action="store_true")
    args = ap.parse_args()
    Rs = [int(x) for x in args.runs.split(",")]
    Rmax = max(Rs)
    sc = scenario()
    t0 = time.perf_counter()
    models = make_models(Rmax, sc)
    print(f"# {Rmax} models built and stepped in {time.perf_counter() - t0:.1f} s", flush=True)
    fx = fixed_of(models)
    N, K, L = fx.N, fx.K, fx.leaders.size
    U = np.stack([np.random.default_rng(10_000 + r).random(N) for r in range(Rmax)])
    w = week_of(models, fx, U)
    print(
        f"# summit status mix (none, offered, scheduled, cancelled): {np.bincount(w.status, minlength=4).tolist()};"
        f" runs with an active pledge: {int(w.has_pledges.sum())}; weeks {w.week.min()}..{w.week.max()}"
    )
    E, F, CH, EV = engine_reference(models, U)
    fin = np.isfinite(E)
    ok = True

    def check(name, eu, f, ch, ev):
        nonlocal ok
        same_inf = np.array_equal(fin, np.isfinite(eu))
        d = float(np.abs(E[fin] - eu[fin]).max())
        bit = int((E[fin] != eu[fin]).sum())
        fe = np.array_equal(F, f)
        ce = int((CH != ch).sum())
        evd = float(np.abs(EV - ev).max())
        good = same_inf and fe and ce == 0 and np.allclose(E[fin], eu[fin], rtol=0, atol=1e-12) and evd < 1e-9
        ok &= good
        print(
            f"check {name:9s}: max|dEU| {d:.3g} (allclose 1e-12: {np.allclose(E[fin], eu[fin], rtol=0, atol=1e-12)});"
            f" entries not bit-equal to the engine {bit}/{fin.sum()}; -inf pattern equal {same_inf}; feasibility equal {fe};"
            f" choices differing {ce}/{CH.size}; max|d type evidence| {evd:.3g} -> {'OK' if good else 'FAIL'}"
        )

    ch, eu, f, ev = eu_numpy.choose_batch(fx, w)
    check("numpy-R", eu, f, ch, ev)
    same = sum(
        all(
            np.array_equal(a[0], b[r])
            for a, b in zip(eu_numpy.choose_batch(sub_fixed(fx, r, r + 1), sub_week(w, r, r + 1)), (ch, eu, f, ev), strict=False)
        )
        for r in range(Rmax)
    )
    print(f"bitwise numpy: run alone (batch of 1) == its row in the batch of {Rmax}: {same}/{Rmax}")
    ok &= same == Rmax
    chunk_same = 0
    for lo in range(0, Rmax, 100):
        c2 = eu_numpy.choose_batch(sub_fixed(fx, lo, lo + 100), sub_week(w, lo, lo + 100))
        chunk_same += all(np.array_equal(a, b[lo : lo + 100]) for a, b in zip(c2, (ch, eu, f, ev), strict=False))
    print(f"bitwise numpy: chunks of 100 == rows of the batch of {Rmax}: {chunk_same}/{(Rmax + 99) // 100}")

    nb = None
    if not args.no_numba:
        t0 = time.perf_counter()
        import decision_numba as nb
        import numba  # noqa: F401

        t_imp = time.perf_counter() - t0
        sa = nb.static_args(fx)
        wa = nb.week_args(w)
        out = nb.outputs(Rmax, N, K, L)
        t0 = time.perf_counter()
        nb.batch(*sa, *wa, *out)
        t_comp = time.perf_counter() - t0
        t0 = time.perf_counter()
        nb.batch(*sa, *wa, *out)
        t_second = time.perf_counter() - t0
        print(f"numba: import {t_imp:.2f} s; first call (compile + {Rmax} runs) {t_comp:.2f} s; second call {t_second * 1e3:.1f} ms")
        eu2, f2, ev2, ch2 = out
        check("numba-R", eu2, f2, ch2, ev2)
        same = 0
        for r in range(Rmax):
            o1 = nb.outputs(1, N, K, L)
            nb.batch(*sub_static(sa, r), *nb.week_args(sub_week(w, r, r + 1)), *o1)
            same += all(np.array_equal(a[0], b[r]) for a, b in zip(o1, out, strict=False))
        print(f"bitwise numba: run alone == its row in the batch of {Rmax}: {same}/{Rmax}")
        ok &= same == Rmax
        nbits = int((eu2[fin] != eu[fin]).sum())
        print(
            f"numba vs numpy-R: max|dEU| {np.abs(eu2[fin] - eu[fin]).max():.3g}, entries not bit-equal {nbits}/{fin.sum()},"
            f" choices differing {int((ch2 != ch).sum())}"
        )
    if not ok:
        print("A CHECK FAILED")
        return 1

    # ------------------------------------------------------------------ timing
    bare = bare_step_timer(sc)
    bare("network")
    bare("bare")
    gens = [np.random.default_rng(10_000 + r) for r in range(Rmax)]
    subsets = {R: (sub_fixed(fx, 0, R), sub_week(w, 0, R)) for R in Rs}
    singles = [(sub_fixed(fx, r, r + 1), sub_week(w, r, r + 1)) for r in range(Rmax)]
    if nb is not None:
        nb_sub = {R: (nb.static_args(subsets[R][0]), nb.week_args(subsets[R][1]), nb.outputs(R, N, K, L)) for R in Rs}
        nb_single = [(nb.static_args(a), nb.week_args(b), nb.outputs(1, N, K, L)) for a, b in singles]
    lam = fx.p.lambda_q

    def t_engine(R):
        for r in range(R):
            policy.choose(models[r], U[r], lam)

    def t_numpy(R):
        eu_numpy.choose_batch(*subsets[R])

    def t_nb1(R):
        for r in range(R):
            a, b, c = nb_single[r]
            nb.batch(*a, *b, *c)

    def t_nbR(R):
        a, b, c = nb_sub[R]
        nb.batch(*a, *b, *c)

    def t_rng(R):
        out = np.empty((R, N))
        for r in range(R):
            out[r] = gens[r].random(N)

    pr_ref = np.stack([m.summit_prospect() for m in models])
    pr_np = eu_numpy.summit_prospect(fx, w, eu_numpy.tr.expit(w.trust_logit))
    print(f"summit prospect alone: numpy-R vs engine max|d| {np.abs(pr_np - pr_ref).max():.3g}")

    def t_np_prospect(R):
        fxR, wR = subsets[R]
        eu_numpy.summit_prospect(fxR, wR, eu_numpy.tr.expit(wR.trust_logit))

    def t_engine_prospect(R):
        for r in range(R):
            models[r].summit_prospect()

    variants = {
        "engine": t_engine,
        "numpy-R": t_numpy,
        "rng-R": t_rng,
        "engine-prospect": t_engine_prospect,
        "numpy-R-prospect": t_np_prospect,
    }
    if nb is not None:

        def t_nb_prospect(R):
            a, b, _c = nb_sub[R]
            nb.prospect_batch(
                a[0],
                a[25],
                a[8],
                a[9],
                a[33],
                a[34],
                a[35],
                a[36],
                a[37],
                b[1],
                b[0],
                b[5],
                b[11],
                b[10],
                b[22],
                b[17],
                b[13],
                b[2],
                b[12],
                a[42],
                prospect_out[R],
            )

        prospect_out = {R: np.empty((R, fx.C)) for R in Rs}
        t_nb_prospect(Rs[0])
        variants.update({"numba-1": t_nb1, "numba-R": t_nbR, "numba-R-prospect": t_nb_prospect})
    res = {(v, R): [] for v in variants for R in Rs}
    base = {"network": [], "bare": []}
    for rnd in range(args.repeats):
        steps = 50
        base["network"].append(min(bare("network") for _ in range(5)) / steps)
        base["bare"].append(min(bare("bare") for _ in range(5)) / steps)
        for R in Rs:
            reps = max(1, 1000 // R)
            for v, fn in variants.items():
                fn(R)  # warm
                t0 = time.perf_counter()
                for _ in range(reps):
                    fn(R)
                res[(v, R)].append((time.perf_counter() - t0) / (reps * R))
        print(f"# round {rnd + 1}/{args.repeats} done", flush=True)
    bn = statistics.median(base["network"])
    bb = statistics.median(base["bare"])
    print(
        f"\nbaseline, one step of bare Mesa (15 agents): Network space {bn * 1e6:.1f} us (run of 50: {bn * 50e3:.2f} ms);"
        f" precomputed lists {bb * 1e6:.1f} us (run of 50: {bb * 50e3:.2f} ms)  [median of {args.repeats} rounds, min of 5 each]"
    )
    print("\nper run and week, microseconds: median [min-max] over rounds; (x) = median / Network-space baseline step")
    head = f"{'R':>6s} " + " ".join(f"{v:>26s}" for v in variants)
    print(head)
    for R in Rs:
        cells = []
        for v in variants:
            xs = [x * 1e6 for x in res[(v, R)]]
            m = statistics.median(xs)
            cells.append(f"{m:8.1f} [{min(xs):.0f}-{max(xs):.0f}] ({m / (bn * 1e6):.2f}x)")
        print(f"{R:6d} " + " ".join(f"{c:>26s}" for c in cells))
    return 0


def sub_static(sa, r):
    """The kernel's static args with the per-run tables sliced to run r (shapes (1, ...))."""
    out = list(sa)
    # indices of the per-run arrays in static_args: T (R axis is 1), theta_t, limit_share, stance_shift, concession_weight
    iT = 38
    out[iT] = np.ascontiguousarray(sa[iT][:, r : r + 1])
    for j in range(iT + 1, iT + 5):
        out[j] = np.ascontiguousarray(sa[j][r : r + 1])
    return tuple(out)


if __name__ == "__main__":
    sys.exit(main())
