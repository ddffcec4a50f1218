"""Shared helpers of the benchmark scripts: timing and the results file."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from summitry.sim.atomic import write_atomically

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


def markdown(data: dict[str, Any], notes: str = "") -> str:
    """Every script's figures as one readable table (benchmarks/results.md), then ``notes``."""
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
    text = "\n".join(lines) + "\n"
    return text + "\n" + notes if notes else text


def written_notes(table: Path) -> str:
    """The sections (from the first ``## `` heading on) written by hand below the generated table."""
    if not table.exists():
        return ""
    text = table.read_text()
    at = text.find("\n## ")
    return text[at + 1 :] if at >= 0 else ""


def record(name: str, entries: list[dict[str, Any]], results: Path | None = None) -> None:
    """Merge this script's figures into ``results`` (benchmarks/results.json; atomically) and print a table.

    The other scripts' keys are kept, and so are the hand-written sections of
    the markdown table beside it."""
    path = RESULTS if results is None else results
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError:
            data = {}
    data[name] = entries
    _write_atomic(path, json.dumps(data, indent=2, sort_keys=True))
    table = path.with_suffix(".md")
    _write_atomic(table, markdown(data, written_notes(table)))
    width = max(len(e["figure"]) for e in entries)
    print(f"{'figure':<{width}}  {'measured':>12}  {'baseline':>12}  {'ratio':>7}  target")
    for e in entries:
        interval = f"  [{e['ratio_95'][0]:.2f}, {e['ratio_95'][1]:.2f}]" if "ratio_95" in e else ""
        print(
            f"{e['figure']:<{width}}  {e['measured_ms']:>10.3f}ms  {e['baseline_ms']:>10.3f}ms  {e['ratio']:>7.2f}{interval}  {e.get('target', '')}"
        )
