"""Shared helpers of the benchmark scripts: timing and the results file."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.atomic import write_atomically

RESULTS = Path(__file__).resolve().parent / "results.json"


def best_of(fn: Callable[[], Any], repeat: int = 5, number: int = 1) -> float:
    """Median of ``repeat`` timings of ``number`` calls, in seconds per call."""
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def _write_atomic(path: Path, text: str) -> None:
    write_atomically(path, lambda p: Path(p).write_text(text))


def markdown(data: dict[str, Any]) -> str:
    """Every script's figures as one readable table (benchmarks/results.md)."""
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (each script updates its own rows). Every figure sits beside a",
        "baseline measured in the same run; the ratio is measured / baseline.",
        "",
        "| script | figure | measured | baseline | ratio | target |",
        "|---|---|---:|---:|---:|---|",
    ]
    for script in sorted(data):
        for e in data[script]:
            lines.append(
                f"| {script} | {e.get('figure', '')} | {e.get('measured_ms', 0):.3f} | {e.get('baseline_ms', 0):.3f} "
                f"| {e.get('ratio', 0):.2f} | {e.get('target', '')} |"
            )
    lines.append("")
    lines.append("Figures are milliseconds unless the figure names another unit (MiB, counts, exponents).")
    return "\n".join(lines) + "\n"


def record(name: str, entries: list[dict[str, Any]]) -> None:
    """Merge this script's figures into benchmarks/results.json (atomically) and print a table."""
    data: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            data = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            data = {}
    data[name] = entries
    _write_atomic(RESULTS, json.dumps(data, indent=2, sort_keys=True))
    _write_atomic(RESULTS.with_suffix(".md"), markdown(data))
    width = max(len(e["figure"]) for e in entries)
    print(f"{'figure':<{width}}  {'measured':>12}  {'baseline':>12}  {'ratio':>7}  target")
    for e in entries:
        print(
            f"{e['figure']:<{width}}  {e['measured_ms']:>10.3f}ms  {e['baseline_ms']:>10.3f}ms  {e['ratio']:>7.2f}  {e.get('target', '')}"
        )
