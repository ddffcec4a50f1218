"""Fast slices of the benchmark scripts (``make bench`` runs them whole).

No timing is asserted (the machines are shared); what is checked is what
the figures rest on: live models, baselines that do the work they claim,
results merged into the results file, memory summed over a process tree.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def bench(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def test_scale_times_only_live_steps() -> None:
    scale = bench("scale")
    m = scale.model_for(300, 3_000, steps=40)
    assert m.params.e_crit == 1.0  # escalation off, so no timed step is a finished model's no-op
    for _ in range(8):
        m.step()
    assert m.running and m.week == 8
    assert scale.step_cost(300, 3_000, steps=2) > 0


def test_run_cost_baselines_read_their_neighbours() -> None:
    run_cost = bench("run_cost")
    bare = run_cost.BareModel([[1, 2], [0], []])
    bare.step()
    stance = [a.stance for a in bare.by_index]
    assert [a.seen for a in bare.by_index] == pytest.approx([stance[1] + stance[2], stance[0], 0.0])
    import networkx as nx

    net = run_cost.NetworkModel(nx.path_graph(3))
    net.step()
    by_cell = {a.cell.coordinate: a for a in net.agents}
    assert by_cell[1].seen == pytest.approx(by_cell[0].stance + by_cell[2].stance)


def test_record_merges_figures_and_prints_ratios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    common = bench("_common")
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"other": [{"figure": "kept"}]}))
    monkeypatch.setattr(common, "RESULTS", results)
    common.record("mine", [{"figure": "f", "measured_ms": 3.0, "baseline_ms": 1.5, "ratio": 2.0, "target": "t"}])
    data = json.loads(results.read_text())
    assert data["other"] == [{"figure": "kept"}] and data["mine"][0]["ratio"] == 2.0
    assert "2.00" in capsys.readouterr().out
    assert not list(tmp_path.glob(".results.*"))  # the temporary files were renamed into place
    table = (tmp_path / "results.md").read_text()
    assert "| mine | f | 3.000 | 1.500 | 2.00 | t |" in table and "| other | kept |" in table


def test_process_tree_memory_counts_children() -> None:
    sweep = bench("sweep_throughput")
    alone = sweep.tree_rss_mib(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(200 * 2**20); time.sleep(30)"])
    try:
        for _ in range(100):
            with_child = sweep.tree_rss_mib(os.getpid())
            if with_child - alone > 150:
                break
            time.sleep(0.1)
        assert with_child - alone > 150  # the child's 200 MiB are counted
    finally:
        child.kill()
        child.wait()
    assert alone > 10
