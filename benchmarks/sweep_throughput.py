"""Sweep throughput and memory: runs/s on 1 and 2 local workers and on a 2-worker
Dask LocalCluster, parallel efficiency, and the peak memory of a large sweep.

Targets (issue: sweeps): efficiency >= 0.85 for local processes and >= 0.8 for
Dask on hanoi-2019; a 100,000-run sweep under 1 GiB (run with --big).

Usage: python benchmarks/sweep_throughput.py [--runs N] [--big]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import record

from sim.sweep import DaskExecutor, ProcessExecutor, SerialExecutor, load_spec, run_sweep


def spec_file(tmp: Path, scenario: str, runs: int, steps: int | None = None) -> Path:
    spec = {
        "scenario": scenario,
        "parameters": {"parameters.kappa": {"low": 0.5, "high": 5.0}, "parameters.leak0": {"low": 0.0, "high": 0.3}},
        "design": "lhs",
        "points": runs,
        "replicates": 1,
        "seed": 1,
        "batch_size": 25,
    }
    if steps:
        spec["steps"] = steps
    path = tmp / f"spec-{scenario}-{runs}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def rate(path: Path, executor, out: Path) -> float:  # type: ignore[no-untyped-def]
    loaded = load_spec(path)
    t0 = time.perf_counter()
    summary = run_sweep(loaded, out, executor)
    return summary.done / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=400)
    ap.add_argument("--big", action="store_true", help="also a 100,000-run sweep of teaching (3 steps) for peak memory")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = spec_file(tmp, "hanoi-2019", args.runs)
        serial = rate(path, SerialExecutor(), tmp / "serial")
        one = rate(path, ProcessExecutor(1), tmp / "one")
        two = rate(path, ProcessExecutor(2), tmp / "two")
        dask2 = rate(path, DaskExecutor(None, 2), tmp / "dask")
        entries = [
            {
                "figure": "hanoi-2019 runs/s, serial (in process)",
                "measured_ms": 1e3 / serial,
                "baseline_ms": 1e3 / serial,
                "ratio": 1.0,
                "target": "reference",
            },
            {
                "figure": "ms per run, 1 local worker",
                "measured_ms": 1e3 / one,
                "baseline_ms": 1e3 / serial,
                "ratio": serial / one,
                "target": "~1 (process overhead)",
            },
            {
                "figure": "efficiency, 2 local workers",
                "measured_ms": 1e3 / two,
                "baseline_ms": 1e3 / (2 * one),
                "ratio": two / (2 * one),
                "target": ">= 0.85",
            },
            {
                "figure": "efficiency, Dask LocalCluster x2",
                "measured_ms": 1e3 / dask2,
                "baseline_ms": 1e3 / (2 * one),
                "ratio": dask2 / (2 * one),
                "target": ">= 0.8",
            },
        ]
        print(f"runs/s: serial {serial:.1f}, 1 worker {one:.1f}, 2 workers {two:.1f}, dask x2 {dask2:.1f}")
        if args.big:
            big = spec_file(tmp, "teaching", 100_000, steps=3)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            t0 = time.perf_counter()
            summary = run_sweep(load_spec(big), tmp / "big", ProcessExecutor(2))
            elapsed = time.perf_counter() - t0
            parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(
                f"100,000 runs in {elapsed:.0f} s; peak RSS parent {parent:.0f} MiB (was {before / 1024:.0f}), largest worker {child:.0f} MiB"
            )
            entries.append(
                {
                    "figure": f"peak RSS MiB, 100k-run sweep ({summary.done} runs)",
                    "measured_ms": parent + 2 * child,
                    "baseline_ms": 1024.0,
                    "ratio": (parent + 2 * child) / 1024.0,
                    "target": "< 1 (1 GiB)",
                }
            )
    record("sweep_throughput", entries)


if __name__ == "__main__":
    main()
