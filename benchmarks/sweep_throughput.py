"""Sweep throughput and memory: runs/s on 1 and 2 local workers and on a 2-worker
Dask LocalCluster, parallel efficiency, and the peak memory of a large sweep.

Targets: efficiency >= 0.9 for local processes and >= 0.85 for
Dask on hanoi-2019; a 100,000-run sweep under 1 GiB (run with --big).

Usage: python benchmarks/sweep_throughput.py [--runs N] [--big]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import record

from summitry.sim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from summitry.sim.experiments.spec import load_spec
from summitry.sim.experiments.sweep import run_sweep


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
    with executor:  # closing the pool is part of the cost
        summary = run_sweep(loaded, out, executor)
    return summary.done / (time.perf_counter() - t0)


def tree_rss_mib(root: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 1024


def big_child() -> None:
    """A 100,000-run sweep (teaching, 3 steps) with the process tree's memory sampled every 0.5 s."""
    import os
    import threading

    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], tree_rss_mib(os.getpid()))

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = spec_file(tmp, "teaching", 100_000, steps=3)
        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        t0 = time.perf_counter()
        with ProcessExecutor(2) as executor:
            summary = run_sweep(load_spec(path), tmp / "big", executor)
        done.set()
        print(summary.done, time.perf_counter() - t0, peak[0])


def main() -> None:
    if "--big-child" in sys.argv:
        big_child()
        return
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
                "target": ">= 0.9",
            },
            {
                "figure": "efficiency, Dask LocalCluster x2",
                "measured_ms": 1e3 / dask2,
                "baseline_ms": 1e3 / (2 * one),
                "ratio": dask2 / (2 * one),
                "target": ">= 0.85",
            },
        ]
        print(f"runs/s: serial {serial:.1f}, 1 worker {one:.1f}, 2 workers {two:.1f}, dask x2 {dask2:.1f}")
        if args.big:
            out = subprocess.run([sys.executable, __file__, "--big-child"], capture_output=True, text=True, check=True)
            runs, secs, peak = (float(v) for v in out.stdout.split()[-3:])
            print(f"{runs:.0f} runs in {secs:.0f} s; peak RSS of the whole process tree (parent, forkserver, workers) {peak:.0f} MiB")
            entries.append(
                {
                    "figure": f"peak RSS MiB of the process tree, {runs:.0f}-run sweep",
                    "measured_ms": peak,
                    "baseline_ms": 1024.0,
                    "ratio": peak / 1024.0,
                    "target": "< 1 (1 GiB)",
                }
            )
    record("sweep_throughput", entries)


if __name__ == "__main__":
    main()
