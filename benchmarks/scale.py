"""Scale: the stance update and a whole step at N=10,000 / E=100,000 against
baselines measured side by side, the scaling exponent from N=1,000 to
N=100,000 (E = 10 N), and the peak memory of a 100-step run at N=100,000,
E=1,000,000 with series stride 10.

Targets (issue: scale): stance update within 1.5x of a bare CSR mat-vec; a
step within 10x of Mesa's no-op ``agents.do`` over N agents plus that
mat-vec; exponent <= 1; peak memory < 4 GiB.

Usage: python benchmarks/scale.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import mesa
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of, record

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms.influence import fj_step
from summitry.sim.scenario.document import validate_data
from summitry.sim.scenario.generate import generate


class Noop(mesa.Agent):
    def noop(self) -> None:
        pass


# A timed step of a finished model costs nothing, so every timed step must be
# a live one: escalation is switched off, whatever the seed and size (a
# generated scenario can escalate, and the timings would then depend on when).
NO_ESCALATION = {"e_crit": 1.0, "e_weeks": 52}


def model_for(n: int, e: int, steps: int = 30) -> DiplomacyModel:
    data = generate(n, e, 2, seed=1, steps=steps)
    data["parameters"] = dict(NO_ESCALATION)
    sc = validate_data(data, f"synthetic-{n}")
    return DiplomacyModel(sc, seed=1)


def step_cost(n: int, e: int, steps: int = 5) -> float:
    """Median seconds of ``steps`` live steps after two warm-up steps."""
    m = model_for(n, e, steps=1000)
    m.step()  # warm-up (builds the policy tables)
    m.step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        m.step()
        times.append(time.perf_counter() - t0)
    if not m.running:
        raise SystemExit(f"N={n}: the model stopped at week {m.week} during timing; the timings would be meaningless")
    return float(np.median(times))


MEMORY_CHILD = """
import resource, sys, time
from summitry.sim.scenario.generate import generate
from summitry.sim.scenario.document import validate_data
from summitry.sim.run import run_scenario
data = generate(100_000, 1_000_000, 2, seed=1, steps=100)
data["parameters"] = {"e_crit": 1.0, "e_weeks": 52}  # as NO_ESCALATION: all 100 steps are run
sc = validate_data(data, "synthetic-100k")
t0 = time.perf_counter()
r = run_scenario(sc, seed=1, series_stride=10)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter() - t0, r.manifest["metrics"]["steps_run"])
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the N=100,000 points")
    args = ap.parse_args()
    entries = []
    m = model_for(10_000, 100_000)
    W, s = m.W, m.state
    x = s.stance.copy()
    matvec = best_of(lambda: W @ x, repeat=7, number=50)
    update = best_of(lambda: fj_step(W, x, s.anchor, s.susceptibility, m._u), repeat=7, number=50)
    entries.append(
        {
            "figure": "stance update, N=10k E=100k",
            "measured_ms": update * 1e3,
            "baseline_ms": matvec * 1e3,
            "ratio": update / matvec,
            "target": "<= 1.5x bare CSR mat-vec",
        }
    )
    noop_model = mesa.Model(rng=np.random.default_rng(0))
    for _ in range(10_000):
        Noop(noop_model)
    noop = best_of(lambda: noop_model.agents.do("noop"), repeat=7, number=5)
    step = step_cost(10_000, 100_000)
    entries.append(
        {
            "figure": "whole step, N=10k E=100k",
            "measured_ms": step * 1e3,
            "baseline_ms": (noop + matvec) * 1e3,
            "ratio": step / (noop + matvec),
            "target": "<= 10x Mesa no-op agents.do + mat-vec",
        }
    )
    sizes = [1_000, 3_000, 10_000, 30_000] + ([] if args.quick else [100_000])
    costs = [step_cost(n, 10 * n, steps=3) for n in sizes]
    slope = float(np.polyfit(np.log(sizes), np.log(costs), 1)[0])
    for n, c in zip(sizes, costs, strict=True):
        print(f"N={n:>7}: {c * 1e3:8.1f} ms/step")
    entries.append(
        {
            "figure": f"scaling exponent N={sizes[0]}..{sizes[-1]} (E=10N)",
            "measured_ms": slope,
            "baseline_ms": 1.0,
            "ratio": slope,
            "target": "<= 1 (linear)",
        }
    )
    if not args.quick:
        out = subprocess.run([sys.executable, "-c", MEMORY_CHILD], capture_output=True, text=True, check=True)
        peak, secs, steps_run = (float(v) for v in out.stdout.split())
        print(f"N=100k E=1M: {steps_run:.0f} steps in {secs:.0f} s, peak RSS {peak:.0f} MiB")
        entries.append(
            {
                "figure": "peak RSS MiB, 100 steps N=100k E=1M stride 10",
                "measured_ms": peak,
                "baseline_ms": 4096.0,
                "ratio": peak / 4096.0,
                "target": "< 1 (4 GiB)",
            }
        )
    record("scale", entries)
    print(json.dumps({e["figure"]: round(e["ratio"], 3) for e in entries}, indent=1))


if __name__ == "__main__":
    main()
