"""The fast slice of benchmarks/recovery.py (``make recovery`` runs it whole): its coverage arithmetic on a
hand-made table, and a two-history run whose printed lines are well formed and agree with its own CSV."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "recovery.py"


def bench(_name: str) -> ModuleType:
    """benchmarks/recovery.py as a module (benchmarks/ is not a package)."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        spec = importlib.util.spec_from_file_location("bench_recovery", SCRIPT)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPT.parent))


def test_coverage_and_width_by_hand() -> None:
    recovery = bench("recovery")
    rows = pd.DataFrame(
        [
            # x on [0, 10]: intervals hold the truth in histories 0, 1 and 3 (3 at the edge counts), not in 2
            {"history": 0, "parameter": "x", "truth": 5.0, "q05": 4.0, "q95": 6.0, "low": 0.0, "high": 10.0},
            {"history": 1, "parameter": "x", "truth": 1.0, "q05": 0.0, "q95": 4.0, "low": 0.0, "high": 10.0},
            {"history": 2, "parameter": "x", "truth": 9.0, "q05": 2.0, "q95": 8.0, "low": 0.0, "high": 10.0},
            {"history": 3, "parameter": "x", "truth": 3.0, "q05": 3.0, "q95": 5.0, "low": 0.0, "high": 10.0},
            # y on [1, 3]: the whole prior once (width 1), half of it once; both hold the truth
            {"history": 0, "parameter": "y", "truth": 2.0, "q05": 1.0, "q95": 3.0, "low": 1.0, "high": 3.0},
            {"history": 1, "parameter": "y", "truth": 2.5, "q05": 2.0, "q95": 3.0, "low": 1.0, "high": 3.0},
        ]
    )
    t = recovery.coverage_table(rows)
    assert t.loc["x", "coverage90"] == 0.75 and t.loc["y", "coverage90"] == 1.0
    assert t.loc["x", "width_ratio"] == pytest.approx((0.2 + 0.4 + 0.6 + 0.2) / 4)
    assert t.loc["y", "width_ratio"] == pytest.approx(0.75)
    # each coverage with its Wilson 95% interval: 3 of 4 for x, 2 of 2 for y
    assert (t.loc["x", "low"], t.loc["x", "high"]) == pytest.approx((0.3006, 0.9544), abs=1e-4)
    assert (t.loc["y", "low"], t.loc["y", "high"]) == pytest.approx((0.3424, 1.0), abs=1e-4)
    lines = recovery.report(t).splitlines()
    assert lines[-3] == "pooled over parameters: 5 of 6 intervals hold the truth, 0.833 [0.436, 0.970]"
    assert lines[-2] == "coverage90 0.750"  # the minimum over parameters
    assert lines[-1] == f"width_ratio {(0.35 + 0.75) / 2:.3f}"  # the mean over parameters


@pytest.mark.slow
def test_two_tiny_histories_print_well_formed_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recovery = bench("recovery")
    args = ["--histories", "2", "--population", "4", "--generations", "2", "--runs-per-particle", "1", "--pilot", "2"]
    args += ["--record-runs", "2", "--executor", "serial", "--out", str(tmp_path)]
    assert recovery.main(args) == 0
    out = capsys.readouterr().out.splitlines()
    cov = re.fullmatch(r"coverage90 (\d\.\d{3})", out[-2])
    width = re.fullmatch(r"width_ratio (\d\.\d{3})", out[-1])
    assert cov and width, out[-3:]
    # the identifiability block names every calibrated parameter with a share in [0, 1]
    head = next(i for i, line in enumerate(out) if line.startswith("identifiability:"))
    shares = {m.group(1): float(m.group(2)) for line in out[head + 1 :] if (m := re.fullmatch(r"  (\S+)\s+(\d\.\d{3})", line))}
    assert set(shares) == set(pd.read_csv(tmp_path / "recovery.csv")["parameter"]) and all(0 <= v <= 1 for v in shares.values())
    rows = pd.read_csv(tmp_path / "recovery.csv")
    assert sorted(set(rows["history"])) == [0, 1] and len(rows) == 2 * rows["parameter"].nunique()
    assert (rows["q05"] <= rows["q95"]).all() and rows["truth"].between(rows["low"], rows["high"]).all()
    t = recovery.coverage_table(rows)
    assert float(cov.group(1)) == pytest.approx(t["coverage90"].min(), abs=5e-4)
    assert float(width.group(1)) == pytest.approx(t["width_ratio"].mean(), abs=5e-4)
    # each history is a teaching case with patterns: the summit's weeks, the outcome and four trust states
    import yaml

    record = yaml.safe_load((tmp_path / "history-0.yaml").read_text())
    assert sum(1 for p in record["patterns"] if "state" in p) == 4 and len(record["patterns"]) == 8


TINY = ["--population", "4", "--generations", "2", "--runs-per-particle", "1", "--pilot", "2", "--record-runs", "2"]
TINY += ["--executor", "serial"]


@pytest.mark.slow
def test_a_stopped_recovery_resumes_to_the_file_an_uninterrupted_one_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recovery = bench("recovery")
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert recovery.main(["--histories", "2", *TINY, "--out", str(whole)]) == 0
    # stopped after its first history, then the same command asks for two: the first is kept, only the second runs
    assert recovery.main(["--histories", "1", *TINY, "--out", str(parts)]) == 0
    assert len(pd.read_csv(parts / "recovery.csv")["history"].unique()) == 1
    capsys.readouterr()
    assert recovery.main(["--histories", "2", *TINY, "--out", str(parts)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"history 0: kept from {parts / 'recovery.csv'}" in lines
    assert sum(line.startswith("history 1: ") and "truths inside" in line for line in lines) == 1
    assert (parts / "recovery.csv").read_bytes() == (whole / "recovery.csv").read_bytes()
    # other settings are refused, naming the setting, and the file is left as it was
    before = (parts / "recovery.csv").read_bytes()
    assert recovery.main(["--histories", "2", *TINY[:1], "5", *TINY[2:], "--out", str(parts)]) == 2
    assert "population was 4, now 5" in capsys.readouterr().err
    assert (parts / "recovery.csv").read_bytes() == before


def test_identifiability_tells_a_parameter_the_distance_follows_from_one_it_ignores(tmp_path: Path) -> None:
    import numpy as np

    recovery = bench("recovery")
    rng = np.random.default_rng(5)
    n = 400
    for h in range(3):
        a, b = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
        # the distance follows a (its quintile means explain (4/5)^2-ish of it); b is noise to it
        d = 3 * a + rng.normal(0, 0.3, n)
        pop = pd.DataFrame({"generation": 0, "particle": range(n), "param.a": a, "param.b": b, "distance": d, "weight": 1.0})
        later = pop.assign(generation=1, distance=0.0)  # later generations are not read
        (tmp_path / f"cal-{h}").mkdir()
        pd.concat([pop, later]).to_parquet(tmp_path / f"cal-{h}" / "populations.parquet")
    t = recovery.identifiability(tmp_path)
    # a: the between-quintile variance of a uniform in 5 bins is 24/25 of Var(3a) = 0.75, over 0.75 + 0.09
    assert t.loc["a", "explained"] == pytest.approx(0.96 * 0.75 / 0.84, abs=0.03)
    # b, and random bins: the correlation ratio of k bins under no effect has mean (k - 1) / (n - 1)
    assert t.loc["b", "explained"] == pytest.approx(4 / 399, abs=0.01)
    assert t["chance"].iloc[0] == pytest.approx(4 / 399, abs=0.002) and t.loc["b", "explained"] < t["chance95"].iloc[0]
    assert recovery.identifiability(tmp_path / "nothing-here") is None
