"""Fast slices of the benchmark scripts (``make bench`` runs them whole).

No timing is asserted (the machines are shared); what is checked is what
the figures rest on: live models, baselines that do the work they claim,
results merged into the results file, memory summed over a process tree.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


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


def test_run_cost_split_times_every_week_of_a_run_and_restores_the_engine() -> None:
    run_cost = bench("run_cost")
    from summitry.agents import policy
    from summitry.sim.engine.model import DiplomacyModel
    from summitry.sim.scenario.document import load_scenario

    choose, deliver = policy.choose, DiplomacyModel._deliver_outbox
    model = DiplomacyModel(load_scenario("hanoi-2019"), seed=3, mode="free")
    split = run_cost.Split()
    with split.installed():
        while model.running:
            model.step()
    assert split.weeks == model.week  # one decision per week the run lasted
    assert split.choose > 0 and split.deliver > 0
    assert policy.choose is choose and DiplomacyModel._deliver_outbox is deliver


def test_record_keeps_the_hand_written_sections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    common = bench("_common")
    results = tmp_path / "results.json"
    (tmp_path / "results.md").write_text("# Benchmark results\n\nold table\n\n## Notes\n\nwritten by hand\n")
    common.record("mine", [{"figure": "f", "measured_ms": 3.0, "baseline_ms": 1.5, "ratio": 2.0, "target": "t"}], results=results)
    table = (tmp_path / "results.md").read_text()
    assert "old table" not in table and "| mine | f |" in table
    assert table.endswith("## Notes\n\nwritten by hand\n")


def test_run_cost_script_writes_rows_whose_ratios_match_its_printed_timings(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"scale": [{"figure": "kept"}]}))
    out = subprocess.run(
        [sys.executable, str(BENCH / "run_cost.py"), "--seeds", "2", "--repeats", "1", "--results", str(results)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    data = json.loads(results.read_text())
    assert data["scale"] == [{"figure": "kept"}]
    rows = {e["figure"].split(" (")[0]: e for e in data["run_cost"]}
    assert {
        "baseline: bare Mesa, 15 agents, 50 steps, summing neighbours",
        "single run",
        "decision rule within a run",
        "delivery within a run",
        "rest of the run: recording, pressure, stances, bargaining",
        "decision rule, one week",
        "delivery, one week",
    } <= set(rows)
    printed = {line.split(" (")[0]: line for line in out.splitlines()[1:]}
    for name, e in rows.items():
        assert e["seeds"] == 2
        for key in ("measured_ms", "baseline_ms", "ratio"):
            assert math.isfinite(e[key]) and e[key] > 0, (name, key)
        assert e["ratio"] == pytest.approx(e["measured_ms"] / e["baseline_ms"], rel=1e-9)
        assert 0 < e["ratio_95"][0] <= e["ratio_95"][1]
        shown = re.findall(r"([0-9.]+)ms", printed[name])
        assert [float(v) for v in shown] == pytest.approx([e["measured_ms"], e["baseline_ms"]], abs=1e-3)
        assert f"{e['ratio']:.2f}" in printed[name]
    assert rows["baseline: bare Mesa, 15 agents, 50 steps, summing neighbours"]["ratio"] == 1.0
    # the parts are timed inside the profiled runs, so they add up to less than a run
    parts = rows["decision rule within a run"]["measured_ms"] + rows["delivery within a run"]["measured_ms"]
    assert rows["rest of the run: recording, pressure, stances, bargaining"]["measured_ms"] > 0 and parts > 0


def test_the_batch_decision_spike_still_computes_what_the_engine_does() -> None:
    """The numpy replicate-axis spike agrees with the engine's decision rule (EU to 1e-12, the same choices and
    type evidence) on real states, and a run alone gives the same bits as its row in the batch.

    The spike is a design measurement, not engine code; this keeps it from silently drifting from the engine
    (its check exits 1 when any variant disagrees)."""
    out = subprocess.run(
        [sys.executable, str(BENCH / "spikes" / "batch_decision.py"), "--runs", "1,12", "--repeats", "1", "--no-numba"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    check = next(line for line in out.stdout.splitlines() if line.startswith("check numpy-R"))
    assert check.endswith("-> OK") and "choices differing 0/" in check
    assert "run alone (batch of 1) == its row in the batch of 12: 12/12" in out.stdout
    # the timing table has a row per batch size, each with the engine's and the batch's per-run cost
    rows = [line.split() for line in out.stdout.splitlines() if re.match(r"^\s+(1|12)\s+\d", line)]
    assert [r[0] for r in rows] == ["1", "12"]
