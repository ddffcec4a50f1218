"""Shared helpers of the benchmark scripts: timing and the results file."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def record(name: str, entries: list[dict[str, Any]]) -> None:
    """Merge this script's figures into benchmarks/results.json (atomically) and print a table."""
    data: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            data = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            data = {}
    data[name] = entries
    fd, tmp = tempfile.mkstemp(dir=RESULTS.parent, prefix=".results.", suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
    os.replace(tmp, RESULTS)
    width = max(len(e["figure"]) for e in entries)
    print(f"{'figure':<{width}}  {'measured':>12}  {'baseline':>12}  {'ratio':>7}  target")
    for e in entries:
        print(
            f"{e['figure']:<{width}}  {e['measured_ms']:>10.3f}ms  {e['baseline_ms']:>10.3f}ms  {e['ratio']:>7.2f}  {e.get('target', '')}"
        )
