"""A fast slice of benchmarks/dashboard_load.py: 4 concurrent HTTP sessions for 5 s against the real server."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "dashboard_load.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("summitry_dashboard_load", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up here
    spec.loader.exec_module(mod)
    return mod


def test_concurrent_sessions_no_errors_no_cross_talk(tmp_path: Path) -> None:
    bench = load_bench()
    server = bench.start_server(log_dir=tmp_path)
    try:
        # each session completes one whole cycle however loaded the machine is: what is asserted never depends on a clock
        out = bench.run_load(sessions=4, seconds=5, ensemble_n=10, server=server, steps=4, scrubs=2, min_cycles=1)
    finally:
        server.stop()
    assert server.proc.poll() is not None
    stats = out["stats"]
    assert stats.errors == []
    assert stats.leaks == []
    # every kind of request was made, and each answer was checked
    for kind in ("pick", "render", "step", "scrub", "fork", "ensemble start", "ensemble tick"):
        assert stats.latency.get(kind), f"no {kind} request was made"
    assert stats.forks >= 4 and stats.ensembles >= 4 and stats.cycles >= 4
