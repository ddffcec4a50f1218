"""Sweeps: designs, seeds, executors, the Parquet store, resume, bad specs, sensitivity."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from summitry.sim.analysis.sweeps import load_runs, outcome_table, sensitivity_indices
from summitry.sim.errors import SweepSpecError
from summitry.sim.experiments.executors import SerialExecutor
from summitry.sim.experiments.spec import SweepSpec, design_matrix, load_spec, resolve_spec, run_seed
from summitry.sim.experiments.sweep import batches, run_sweep
from summitry.sim.stats import wilson
from tests.files import tree_bytes, write_spec

ROOT = Path(__file__).resolve().parents[3]


def rows_without_timing(out: Path) -> list[dict]:
    df = load_runs(out).drop(columns=["elapsed"])
    return json.loads(df.to_json(orient="records"))


# ----------------------------------------------------------------- designs


def test_grid_of_3_by_4_levels_gives_12_points(tmp_path: Path) -> None:
    path = write_spec(tmp_path, parameters={"kappa": {"levels": [1, 2, 3]}, "phi": {"levels": [0.0, 0.25, 0.5, 1.0]}})
    X = design_matrix(load_spec(path))
    assert X.shape == (12, 2)
    assert sorted({tuple(r) for r in X.tolist()}) == sorted((a, b) for a in (1, 2, 3) for b in (0.0, 0.25, 0.5, 1.0))


def test_lhs_is_stratified_and_inside_bounds(tmp_path: Path) -> None:
    path = write_spec(tmp_path, design="lhs", points=50, parameters={"kappa": {"low": 0.5, "high": 5}, "phi": {"low": 0, "high": 1}})
    X = design_matrix(load_spec(path))
    assert X.shape == (50, 2)
    for j, (lo, hi) in enumerate([(0.5, 5), (0, 1)]):
        assert X[:, j].min() >= lo and X[:, j].max() <= hi
        bins = np.floor((X[:, j] - lo) / (hi - lo) * 50).astype(int)
        assert sorted(bins.tolist()) == list(range(50))  # one point in each of the 50 strata


def test_sobol_and_morris_sizes(tmp_path: Path) -> None:
    params = {"kappa": {"low": 0.5, "high": 5}, "phi": {"low": 0, "high": 1}, "eta": {"low": 0, "high": 1}}
    sobol = design_matrix(load_spec(write_spec(tmp_path, design="sobol", points=8, parameters=params)))
    assert sobol.shape == (8 * (3 + 2), 3)
    morris = design_matrix(load_spec(write_spec(tmp_path, design="morris", points=5, parameters=params)))
    assert morris.shape == (5 * (3 + 1), 3)
    assert morris[:, 0].min() >= 0.5 and morris[:, 0].max() <= 5


def test_a_directory_beside_the_spec_named_like_the_scenario_does_not_hide_the_builtin(tmp_path: Path) -> None:
    (tmp_path / "teaching").mkdir()  # a run written with --out teaching, beside the spec
    (tmp_path / "teaching" / "run.json").write_text("{}")
    assert load_spec(write_spec(tmp_path)).scenario_data["name"] == "teaching"


def test_run_seeds_depend_on_point_and_replicate_only(tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path))
    X = design_matrix(loaded)
    small = [r for b in batches(loaded, X) for r in b]
    big = [r for b in batches(resolve_spec(loaded.spec.model_copy(update={"batch_size": 1000}), "x"), X) for r in b]
    assert small == big
    seeds = [r[3] for r in small]
    assert len(set(seeds)) == len(seeds)
    assert small[5][3] == run_seed(11, small[5][1], small[5][2])


# ------------------------------------------------------- executors and store


def test_a_local_dask_cluster_serves_on_a_free_local_port_not_on_8787() -> None:
    """Two sweeps (or a user's own Dask) on one machine: with port 8787 taken, the executor starts without a
    warning, and its scheduler's HTTP endpoints listen on 127.0.0.1 only."""
    import socket
    import warnings

    from summitry.sim.experiments.executors import DaskExecutor

    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:
        pass  # something else already holds it, which is the situation under test
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with DaskExecutor(None, 1) as dask:
                link = dask.cluster.dashboard_link
                assert dask.client.submit(sum, [1, 2]).result() == 3
    finally:
        holder.close()
    assert not [w for w in caught if "already in use" in str(w.message)]
    host, port = link.split("//")[1].split("/")[0].rsplit(":", 1)
    assert host == "127.0.0.1" and int(port) != 8787


@pytest.mark.slow
def test_identical_rows_under_serial_local_and_dask(tmp_path: Path) -> None:
    from summitry.sim.experiments.executors import DaskExecutor, ProcessExecutor

    loaded = load_spec(write_spec(tmp_path))
    run_sweep(loaded, tmp_path / "serial", SerialExecutor())
    with ProcessExecutor(2) as local:
        run_sweep(loaded, tmp_path / "local", local)
        run_sweep(loaded, tmp_path / "local-again", local)  # one pool serves two sweeps
    with DaskExecutor(None, 2) as dask:
        run_sweep(loaded, tmp_path / "dask", dask)
    serial = rows_without_timing(tmp_path / "serial")
    assert len(serial) == 12
    assert serial == rows_without_timing(tmp_path / "local") == rows_without_timing(tmp_path / "dask")
    assert serial == rows_without_timing(tmp_path / "local-again")
    manifest = json.loads((tmp_path / "dask" / "sweep.json").read_text())
    assert manifest["counts"] == {"total": 12, "done": 12, "failed": 0}
    assert manifest["finished"] is not None


def test_store_is_readable_by_duckdb_pandas_and_polars(tmp_path: Path) -> None:
    import duckdb
    import polars as pl

    out = tmp_path / "s"
    run_sweep(load_spec(write_spec(tmp_path)), out, SerialExecutor())
    glob = str(out / "runs" / "*.parquet")
    con = duckdb.connect()
    n, walk = con.execute(f"""SELECT count(*), sum("metric.walk_away") FROM read_parquet('{glob}')""").fetchall()[0]
    assert n == 12
    df = pl.read_parquet(glob)
    assert df.height == 12 and df["metric.walk_away"].sum() == walk
    assert set(df["param.parameters.leak0"].unique().to_list()) == {0.0, 0.3}


def _failing_at(monkeypatch: pytest.MonkeyPatch, kappa: float | None) -> None:
    """Runs of the sweep (in this process) raise when kappa is ``kappa`` (every run when None): a fault of the engine.

    A spec whose values break the scenario's rules is refused when it is loaded, so a failed run is an internal one.
    """
    from summitry.sim.experiments import sweep

    real = sweep.run_scenario

    def run(scenario, **kwargs):
        if kappa is None or scenario.parameters.kappa == kappa:
            raise RuntimeError(f"engine fault at kappa {scenario.parameters.kappa:g}")
        return real(scenario, **kwargs)

    monkeypatch.setattr(sweep, "run_scenario", run)


def test_failed_runs_are_rows_and_the_sweep_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_at(monkeypatch, 4.0)
    path = write_spec(tmp_path, parameters={"kappa": {"levels": [2, 4]}}, points=2, steps=3)
    out = tmp_path / "s"
    summary = run_sweep(load_spec(path), out, SerialExecutor())
    assert (summary.done, summary.failed) == (4, 2)
    df = load_runs(out)
    failed = df[df["status"] == "failed"]
    assert set(failed["param.parameters.kappa"]) == {4.0}
    assert failed["error"].str.contains("RuntimeError: engine fault at kappa 4").all()


def test_a_sweep_whose_runs_all_fail_says_so_and_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    """Nothing to tabulate: the summary printed each stored error (the commonest first), not a KeyError."""
    _failing_at(monkeypatch, None)
    path = write_spec(tmp_path, parameters={"kappa": {"levels": [1, 2]}}, replicates=1, steps=3)
    r = cli("sweep", str(path), "--executor", "serial", "--out", str(tmp_path / "out"))
    assert r.code == 1, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert "none of the 2 runs succeeded" in r.stderr
    assert "1 x RuntimeError: engine fault at kappa 1" in r.stderr and "1 x RuntimeError: engine fault at kappa 2" in r.stderr
    assert "2/2 runs stored (2 failed" in r.stderr  # the runs are kept, with their errors


def test_existing_sweep_needs_resume_and_refuses_a_changed_spec(tmp_path: Path, cli) -> None:
    path = write_spec(tmp_path)
    out = tmp_path / "s"
    first = cli("sweep", str(path), "--out", str(out), "--executor", "serial")
    assert first.code == 0, first.stderr
    again = cli("sweep", str(path), "--out", str(out), "--executor", "serial")
    assert again.code == 2 and "--resume" in again.stderr
    resumed = cli("sweep", str(path), "--out", str(out), "--executor", "serial", "--resume")
    assert resumed.code == 0 and "12 from before" in resumed.stderr
    changed = write_spec(tmp_path, replicates=3)
    refused = cli("sweep", str(changed), "--out", str(out), "--executor", "serial", "--resume")
    assert refused.code == 2 and "changed since this sweep started" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize("state", ["missing", "empty", "missing-nested"])
def test_resume_with_nothing_to_resume_exits_2_and_makes_nothing(tmp_path: Path, cli, state: str) -> None:
    path = write_spec(tmp_path)
    out = tmp_path / "new" / "s" if state == "missing-nested" else tmp_path / "s"
    if state == "empty":
        out.mkdir()
    r = cli("sweep", str(path), "--out", str(out), "--executor", "serial", "--resume")
    assert r.code == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    reason = "is empty" if state == "empty" else "does not exist"
    assert r.stderr.strip() == (
        f"error: --out {out}: nothing to resume: the directory {reason}; to start this sweep, run the same command without --resume"
    )
    if state == "empty":
        assert list(out.iterdir()) == []
    else:
        assert not out.exists() and not (tmp_path / "new").exists()


def test_resume_into_a_directory_that_is_not_a_sweep_writes_nothing_there(tmp_path: Path, cli) -> None:
    path = write_spec(tmp_path)
    out = tmp_path / "mine"
    (out / "runs").mkdir(parents=True)
    (out / "notes.txt").write_text("my notes")
    (out / "runs" / "part-000000.parquet").write_text("not a part of summitry's")
    before = tree_bytes(out)
    r = cli("sweep", str(path), "--out", str(out), "--executor", "serial", "--resume")
    assert r.code == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert r.stderr.strip() == (
        f"error: --out {out}: nothing to resume: the directory has no sweep.json, so it is not a sweep directory; "
        "to start this sweep, run the same command without --resume"
    )
    assert tree_bytes(out) == before


def test_open_store_refuses_to_resume_a_missing_directory(tmp_path: Path) -> None:
    """The library's own check, for callers of run_sweep that do not go through the command line."""
    from summitry.sim.errors import InputError

    out = tmp_path / "s"
    with pytest.raises(InputError, match="nothing to resume: the directory does not exist"):
        run_sweep(load_spec(write_spec(tmp_path)), out, SerialExecutor(), resume=True)
    assert not out.exists()


def test_resume_over_a_damaged_part_exits_2_naming_it_and_writes_nothing(tmp_path: Path, cli) -> None:
    """A part cut short after it was stored (a bad copy, a disk fault): --resume names it and says what to do, and
    leaves the whole directory (the part included) as it was; with the part moved aside its batch is run again."""
    path = write_spec(tmp_path)
    out = tmp_path / "s"
    assert cli("sweep", str(path), "--out", str(out), "--executor", "serial").code == 0
    damaged = out / "runs" / "part-000001.parquet"
    whole = damaged.read_bytes()
    damaged.write_bytes(whole[:500])
    (out / "runs" / "part-000002.parquet").unlink()  # a batch still to run: resuming would write
    before = tree_bytes(out)
    r = cli("sweep", str(path), "--out", str(out), "--executor", "serial", "--resume")
    assert r.code == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert f"error: {damaged}: cannot be read as a part of this sweep (" in r.stderr
    assert f"move it out of {out / 'runs'} and run the same command again, which runs its batch again" in r.stderr
    assert tree_bytes(out) == before
    aside = tmp_path / "part-000001.parquet"
    damaged.rename(aside)
    again = cli("sweep", str(path), "--out", str(out), "--executor", "serial", "--resume")
    assert again.code == 0, again.stderr
    assert "12/12 runs stored (0 failed, 4 from before)" in again.stderr
    assert load_runs(out)["run_id"].tolist() == list(range(12))
    assert aside.read_bytes() == whole[:500]


def test_resume_reads_only_summitrys_parts_and_leaves_other_files_alone(tmp_path: Path, cli) -> None:
    """A copy of a part under another name (part-000001-copy.parquet) is named in a warning and neither read nor
    removed; so is a hidden file that only looks like a part's temporary. The runs are counted once."""
    path = write_spec(tmp_path)
    out = tmp_path / "s"
    assert cli("sweep", str(path), "--out", str(out), "--executor", "serial").code == 0
    runs = out / "runs"
    copy = runs / "part-000001-copy.parquet"
    copy.write_bytes((runs / "part-000001.parquet").read_bytes())
    lookalike = runs / ".part-notes.parquet.mine.tmp"
    lookalike.write_text("the user's")
    (runs / "part-000002.parquet").unlink()
    theirs = {p: p.read_bytes() for p in (copy, lookalike)}
    r = cli("sweep", str(path), "--out", str(out), "--executor", "serial", "--resume")
    assert r.code == 0, r.stderr
    assert "12/12 runs stored (0 failed, 8 from before)" in r.stderr
    assert json.loads((out / "sweep.json").read_text())["counts"] == {"total": 12, "done": 12, "failed": 0}
    assert f"warning: {copy}: not a part summitry wrote (its parts are named part-NNNNNN.parquet); left as it is" in r.stderr
    assert load_runs(out)["run_id"].tolist() == list(range(12))
    assert {p: p.read_bytes() for p in theirs} == theirs


def test_a_part_holding_another_parts_runs_is_refused(tmp_path: Path, cli) -> None:
    """A copy of part 0 under part 2's name: --resume exits 2 naming it and the part that holds the same runs, and
    writes nothing; reading the store (the report) refuses the runs stored twice instead of counting them."""
    from summitry.sim.errors import RunDirError

    path = write_spec(tmp_path)
    out = tmp_path / "s"
    assert cli("sweep", str(path), "--out", str(out), "--executor", "serial").code == 0
    runs = out / "runs"
    (runs / "part-000002.parquet").write_bytes((runs / "part-000000.parquet").read_bytes())
    (runs / "part-000001.parquet").unlink()  # a batch still to run: resuming would write
    before = tree_bytes(out)
    r = cli("sweep", str(path), "--out", str(out), "--executor", "serial", "--resume")
    assert r.code == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert (
        f"error: {runs / 'part-000002.parquet'}: not this sweep's part 2: it holds runs 0 to 3, where part 2 holds runs 8 to 11; "
        f"{runs / 'part-000000.parquet'} holds some of them too, which would be counted twice"
    ) in r.stderr
    assert tree_bytes(out) == before
    with pytest.raises(RunDirError, match=r"run 0 is stored in .*part-000000\.parquet and .*part-000002\.parquet"):
        load_runs(out)
    report = cli("report", str(out), "-o", str(tmp_path / "report.html"))
    assert report.code == 2 and "counted" not in report.stderr and "run 0 is stored in" in report.stderr


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["between-parts", "during-a-part"])
def test_resume_after_sigkill_loses_and_duplicates_nothing(tmp_path: Path, stage: str) -> None:
    params = {"trump.traits.impulsiveness": {"low": 0.1, "high": 0.9}, "leak0": {"levels": [0.0, 0.3]}}
    path = write_spec(tmp_path, scenario="hanoi-2019", parameters=params, points=4, replicates=6, batch_size=2)
    out = tmp_path / "s"
    # the kill lands on observed progress, not a clock: the sweep pauses either once its third part is stored
    # (before the fourth is written) or half-way through writing its third part (the temporary file cut in half)
    marker = tmp_path / "paused"
    child = (
        "import sys, time, pathlib\n"
        "import summitry.sim.experiments.store as sw\n"
        "real, stored = sw.write_atomically, [0]\n"
        f"stage, marker = {stage!r}, pathlib.Path({str(marker)!r})\n"
        "def stop():\n"
        "    marker.write_text(stage)\n"
        "    while True:\n"
        "        time.sleep(1)\n"
        "def half(write):\n"
        "    def go(tmp):\n"
        "        write(tmp)\n"
        "        data = pathlib.Path(tmp).read_bytes()\n"
        "        pathlib.Path(tmp).write_bytes(data[: len(data) // 2])\n"
        "        stop()\n"
        "    return go\n"
        "def atomic(path, write):\n"
        "    if path.parent.name != 'runs':\n"
        "        return real(path, write)\n"
        "    stored[0] += 1\n"
        "    if stage == 'during-a-part' and stored[0] == 3:\n"
        "        real(path, half(write))\n"
        "    real(path, write)\n"
        "    if stage == 'between-parts' and stored[0] == 3:\n"
        "        stop()\n"
        "sw.write_atomically = atomic\n"
        "from summitry.sim.cli import main\n"
        f"main(['sweep', {str(path)!r}, '--out', {str(out)!r}, '--workers', '2'])\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", child], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        time.sleep(0.05)  # polling for the marker; nothing asserted depends on how long it takes
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    parts_before = len(list((out / "runs").glob("part-*.parquet")))
    half_written = list((out / "runs").glob(".part-*.parquet.*.tmp"))
    if stage == "between-parts":
        assert (parts_before, half_written) == (3, [])
    else:  # the kill landed while the third part was being written: two parts stored, half of the third in a temporary file
        assert parts_before == 2 and len(half_written) == 1
        with pytest.raises(pa.ArrowInvalid):
            pq.read_table(half_written[0])
    loaded = load_spec(path)
    run_sweep(loaded, out, SerialExecutor(), resume=True)
    ids = load_runs(out)["run_id"].tolist()
    assert ids == list(range(8 * 6))  # each of the design's runs exactly once
    for part in (out / "runs").glob("part-*.parquet"):
        pq.read_table(part)  # no half-written part
    assert not list((out / "runs").glob(".*.tmp"))


# ------------------------------------------------------------------ bad specs


@pytest.mark.parametrize(
    ("fields", "raw", "needle"),
    [
        (
            {"parameters": {"kapa": {"low": 1, "high": 2}}},
            None,
            "parameters.kapa: no such parameter in scenario teaching; close matches: kappa",
        ),
        ({"parameters": {"ada.traits.impulsivenes": {"low": 0, "high": 1}}}, None, "ada.traits.impulsiveness"),
        (
            {"parameters": {"trust_model": {"low": 0, "high": 1}}},
            None,
            "parameters.trust_model: not a number but a choice (logit or beta); a sweep varies numbers",
        ),
        ({"parameters": {"kappa": {"low": 1, "high": 50}}}, None, "outside the parameter's bounds [0, 20]"),
        ({"replicates": 0}, None, "replicates: must be >= 1 (got 0)"),
        # a boolean or a quoted number where a number goes (it was read as 1, 0 or the number)
        ({"replicates": True}, None, "replicates: must be a number, not true"),
        ({"parameters": {"kappa": {"low": True, "high": 3}}}, None, "parameters.kappa.low: must be a number, not true"),
        ({"parameters": {"kappa": {"levels": [1, "2"]}}}, None, "must be a number, not the text '2' (write it without quotes)"),
        ({"design": "halton"}, None, "design: must be one of"),
        ({"metrics": ["walkaway"]}, None, "unknown metric 'walkaway'; did you mean walk_away"),
        ({"parameters": {"kappa": {"low": 3, "high": 1}}}, None, "low (3.0) must be <= high (1.0)"),
        ({"scenario": "nosuch"}, None, "no such scenario file or built-in scenario"),
        ({"design": "sobol", "parameters": {"kappa": {"levels": [1, 2]}}}, None, "sobol needs ranges"),
        # SALib would warn on the terminal and sample an unbalanced sequence
        (
            {"design": "sobol", "points": 3},
            None,
            "points: sobol's base sample must be a power of 2 for the Sobol sequence to be balanced (got 3; 2 or 4)",
        ),
        ({"unknown_key": 1}, None, "unknown_key: unknown key"),
        ({"replicate": 3}, None, "replicate: unknown key (not part of the format; did you mean 'replicates'?)"),
        (None, "scenario: teaching\nparameters: {kappa: [1, 2\n", "not valid YAML"),
        (None, "", "empty"),
    ],
)
def test_bad_specs_exit_2_with_a_clear_message(tmp_path: Path, cli, fields, raw, needle) -> None:
    if raw is None:
        path = write_spec(tmp_path, **fields)
    else:
        path = tmp_path / "spec.yaml"
        path.write_text(raw)
    r = cli("sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial")
    assert r.code == 2, r.stdout + r.stderr
    assert needle in r.stderr, r.stderr
    assert str(path) in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out" / "runs").exists()


@pytest.mark.parametrize(
    ("raw", "line", "needle"),
    [
        (
            "scenario: teaching\ndesign: grid\nparameters:\n  kappa: {levels: [1]}\nfixed:\n  alpha.pressure_weights.domestic: 1\n",
            6,
            "fixed.alpha.pressure_weights.domestic: at 1 (with kappa = 1) the scenario breaks a rule "
            "(sides.alpha.pressure_weights: weights must sum to 1 (got 1.4))",
        ),
        (
            "scenario: teaching\ndesign: grid\nparameters:\n  tau_prep_min: {levels: [0.2, 50]}\n",
            4,
            "parameters.tau_prep_min: at 50 the scenario breaks a rule (parameters.tau_prep_min: must be <= tau_prep_max)",
        ),
        (
            "scenario: teaching\ndesign: lhs\npoints: 3\nparameters:\n  alpha.utility.d: {low: -1, high: 1}\n",
            5,
            "parameters.alpha.utility.d: at -1 the scenario breaks a rule (sides.alpha.utility: needs a dimension it gains",
        ),
        (
            # each range alone is valid with the other at the scenario's value (6 and 14); their corner (10, 8) is not
            "scenario: teaching\ndesign: lhs\npoints: 3\nparameters:\n  tau_prep_min: {low: 2, high: 10}\n  tau_prep_max: {low: 8, high: 20}\n",
            5,
            "parameters.tau_prep_min: at 10 (with tau_prep_max = 8) the scenario breaks a rule",
        ),
    ],
    ids=["fixed-weights", "levels", "range", "corner"],
)
def test_designs_whose_points_break_the_scenarios_rules_exit_2_at_load(tmp_path: Path, cli, raw: str, line: int, needle: str) -> None:
    """Values inside each parameter's bounds that together (or with the fixed values) make an invalid scenario are
    refused when the spec is loaded, at the spec's line, instead of storing runs that all failed."""
    path = tmp_path / "spec.yaml"
    path.write_text(raw)
    r = cli("sweep", str(path), "--executor", "serial", "--out", str(tmp_path / "out"))
    assert r.code == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert f"{path}:{line}: {needle}" in r.stderr, r.stderr
    assert "every point of the design must be a valid scenario" in r.stderr
    assert not (tmp_path / "out" / "runs").exists()


def test_a_design_valid_at_its_corners_loads_with_few_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summitry.sim.experiments import spec as spec_module

    checked = []
    real = spec_module.scenario_problems
    monkeypatch.setattr(spec_module, "scenario_problems", lambda data: checked.append(1) or real(data))
    path = write_spec(
        tmp_path, design="lhs", points=40, parameters={"tau_prep_min": {"low": 2, "high": 5}, "tau_prep_max": {"low": 8, "high": 20}}
    )
    assert load_spec(path).paths == ["parameters.tau_prep_min", "parameters.tau_prep_max"]
    assert len(checked) == 4  # the box's corners, not the 40 points
    many = {f"ada.traits.{k}": {"low": 0.1, "high": 0.9} for k in ("impulsiveness", "ego", "risk_tolerance")}
    many.update({"sides.alpha.factions.0.stance": {"low": 0.1, "high": 0.9}, "ada.traits.patience": {"low": 0.9, "high": 1}})
    many.update({"kappa": {"low": 1, "high": 2}, "leak0": {"low": 0, "high": 0.3}, "phi": {"levels": [0, 0.25, 0.5, 1]}})
    checked.clear()
    path = write_spec(tmp_path, design="lhs", points=40, parameters=many)
    assert len(load_spec(path).paths) == 8
    assert len(checked) == 2 + 2 * 8 + 2  # the two extreme corners, each parameter flipped from each, phi's inner levels
    # a scenario's validation grows with its size: a generated case of 10,000 actors and 100,000 edges (seconds each)
    # gets its two extreme corners checked, the low one first
    design = spec_module.Design({"parameters.kappa": ("kappa", [1.0, 2.0]), "parameters.phi": ("phi", [0.0, 1.0])}, {}, {}, {})
    assert len(spec_module._check_points(design, 20)) == 4
    assert spec_module._check_points(design, 110_000) == [
        {"parameters.kappa": 1.0, "parameters.phi": 0.0},
        {"parameters.kappa": 2.0, "parameters.phi": 1.0},
    ]


@pytest.mark.parametrize(
    ("fields", "marker", "needle"),
    [
        (
            {"trajectories": {"keep": True, "variables": ["stance", "bogus_var"]}},
            "- bogus_var",
            "trajectories.variables[1]: teaching's runs record no variable 'bogus_var'; the series records enforcement, hostility",
        ),
        (
            {"trajectories": {"keep": True, "variables": ["trust_alpa"]}},
            "- trust_alpa",
            "trajectories.variables[0]: teaching's runs record no variable 'trust_alpa'; close matches: trust_alpha",
        ),
        (
            {"patterns": True},
            "patterns: true",
            "patterns: true asks for pattern scores, but the scenario has no historical patterns to score",
        ),
    ],
    ids=["unknown-variable", "misspelt-variable", "patterns-without-patterns"],
)
def test_what_a_sweep_keeps_must_exist(tmp_path: Path, cli, fields: dict, marker: str, needle: str) -> None:
    """A kept variable the runs never record, or pattern scores of a scenario without patterns, would be empty columns."""
    path = write_spec(tmp_path, parameters={"kappa": {"levels": [1]}}, replicates=1, steps=2, **fields)
    r = cli("sweep", str(path), "--executor", "serial", "--out", str(tmp_path / "out"))
    assert r.code == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if t.strip().startswith(marker))
    assert f"{path}:{line}: {needle}" in r.stderr, r.stderr


def test_sweep_steps_past_the_calendar_exit_2(tmp_path: Path, cli) -> None:
    late = (
        (ROOT / "scenarios" / "teaching.yaml")
        .read_text()
        .replace("start: 2020-01-06, step_days: 7, steps: 30", "start: 9999-10-04, step_days: 7, steps: 5")
    )
    (tmp_path / "late.yaml").write_text(late)
    path = write_spec(tmp_path, scenario="late.yaml", parameters={"kappa": {"levels": [1]}}, replicates=1, steps=20)
    r = cli("sweep", str(path), "--executor", "serial", "--out", str(tmp_path / "out"))
    assert r.code == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert "steps: the run's last week (week 19) would fall after 9999-12-31" in r.stderr and "run at most 13 weeks" in r.stderr


def test_bad_spec_line_numbers(tmp_path: Path, cli) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("scenario: teaching\ndesign: grid\nparameters:\n  kappa: {low: 1, high: 2}\n  nonsense: {low: 0, high: 1}\n")
    r = cli("sweep", str(path), "--executor", "serial", "--out", str(tmp_path / "o"))
    assert r.code == 2
    assert f"{path}:5: parameters.nonsense: no such parameter" in r.stderr


@pytest.mark.parametrize(
    ("written", "line", "needle"),
    [
        (
            "  kappa: {levels: [1, 2]}\nreplicates: 010\n",
            5,
            "replicates: 010 has a leading zero, which YAML 1.1 reads as octal 8; write 10",
        ),
        ("  kappa: {low: 1, high: 1:30}\n", 4, "parameters.kappa.high: 1:30 is read by YAML 1.1 as a base-60 number, 90; write 90"),
        ("  kappa: {levels: [1,\n    0x2]}\n", 5, "parameters.kappa.levels[1]: 0x2 is hexadecimal, which YAML reads as 2; write 2"),
    ],
    ids=["leading-zero", "base-60", "hexadecimal"],
)
def test_spec_numbers_yaml_reads_in_another_base_exit_2_on_their_line(tmp_path: Path, cli, written: str, line: int, needle: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("scenario: teaching\ndesign: grid\nparameters:\n" + written)
    r = cli("sweep", str(path), "--executor", "serial", "--out", str(tmp_path / "o"))
    assert r.code == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert f"{path}:{line}: {needle}" in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()


def test_a_spec_switch_written_yes_is_read_by_the_field_not_by_yaml(tmp_path: Path) -> None:
    """yes and no are text to the reader (YAML 1.2); a true/false field takes them, a text field keeps the word."""
    path = tmp_path / "spec.yaml"
    path.write_text(
        "scenario: teaching\ndesign: grid\nparameters:\n  kappa: {levels: [1]}\ntrajectories: {keep: yes, variables: [stance]}\n"
    )
    assert load_spec(path).spec.trajectories.keep is True
    path.write_text("scenario: teaching\ndesign: grid\nparameters:\n  kappa: {levels: [1]}\ntrajectories: {keep: maybe}\n")
    with pytest.raises(SweepSpecError, match=rf"^{re.escape(str(path))}:5: trajectories.keep: input should be a valid boolean"):
        load_spec(path)


def test_bad_executor_arguments(tmp_path: Path, cli) -> None:
    path = write_spec(tmp_path)
    r = cli("sweep", str(path), "--executor", "mpi")
    assert r.code == 2 and "must be local, dask or serial" in r.stderr
    r = cli("sweep", str(path), "--executor", "local", "--address", "tcp://127.0.0.1:1")
    assert r.code == 2 and "--address needs --executor dask" in r.stderr


# ------------------------------------------------------------------ analysis


def test_wilson_interval_matches_the_closed_form() -> None:
    p, lo, hi = wilson(8, 10)
    z = 1.959963984540054
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z * np.sqrt(0.8 * 0.2 / 10 + z * z / 400) / (1 + z * z / 10)
    assert (p, lo, hi) == pytest.approx((0.8, centre - half, centre + half))


def test_sensitivity_singles_out_the_only_parameter_that_matters() -> None:
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    X = sobol_sample.sample(problem, 256, calc_second_order=False, seed=1)
    Y = np.sin(3 * X[:, 1]) + X[:, 1] ** 2  # depends on b only
    idx = sensitivity_indices(problem, "sobol", X, Y, seed=1)
    assert idx["b"]["ST"] > 0.9 and idx["a"]["ST"] < 0.05 and idx["c"]["ST"] < 0.05
    Xm = morris_sample.sample(problem, 20, num_levels=4, seed=1)
    Ym = 5 * Xm[:, 2]
    mi = sensitivity_indices(problem, "morris", Xm, Ym, seed=1)
    assert mi["c"]["mu_star"] == pytest.approx(5.0) and mi["a"]["mu_star"] == 0 and mi["b"]["mu_star"] == 0


@pytest.mark.parametrize("design", ["sobol", "morris"])
def test_sensitivity_confidence_values_are_the_same_at_every_analysis(tmp_path: Path, design: str) -> None:
    """The bootstrap behind S1_conf, ST_conf and mu_star_conf is seeded by the sweep's seed: a second analysis of the
    stored runs, and a second sweep of the same spec, give the same confidence values, to the byte in sweep.json."""
    from summitry.sim.analysis.sweeps import sensitivity

    params = {"kappa": {"low": 0.5, "high": 5.0}, "ada.traits.impulsiveness": {"low": 0.1, "high": 0.9}}
    loaded = load_spec(write_spec(tmp_path, design=design, parameters=params, points=4, replicates=1, seed=3))
    for out in ("a", "b"):
        run_sweep(loaded, tmp_path / out, SerialExecutor())
    stored = [json.loads((tmp_path / out / "sweep.json").read_text())["sensitivity"] for out in ("a", "b")]
    confs = [v for entry in stored[0].values() for idx in entry["indices"].values() for k, v in idx.items() if k.endswith("_conf")]
    assert sum(np.isfinite(v) and v > 0 for v in confs) >= 4  # there are confidence values a bootstrap could change
    assert json.dumps(stored[0]) == json.dumps(stored[1])
    runs, X = load_runs(tmp_path / "a"), design_matrix(loaded)
    assert json.dumps(sensitivity(runs, loaded, X)) == json.dumps(sensitivity(runs, loaded, X)) == json.dumps(stored[0])


def test_outcome_table_counts_per_point(tmp_path: Path) -> None:
    out = tmp_path / "s"
    run_sweep(load_spec(write_spec(tmp_path, replicates=4)), out, SerialExecutor())
    runs = load_runs(out)
    table = outcome_table(runs)
    assert len(table) == 6 and (table["runs"] == 4).all()
    for _, row in table.iterrows():
        group = runs[runs["point"] == row["point"]]
        assert row["walk_away"] == pytest.approx((group["outcome"] == "walk_away").mean())


def test_spec_schema_model_forbids_extra_keys() -> None:
    with pytest.raises(Exception, match="extra"):
        SweepSpec.model_validate({"scenario": "teaching", "parameters": {"kappa": {"low": 1, "high": 2}}, "design": "grid", "oops": 1})


def test_a_sweep_row_is_reproduced_by_a_plain_run(tmp_path: Path) -> None:
    """The row's seed and parameter values, given to run_scenario, give the same run."""
    from summitry.sim.run import run_scenario
    from summitry.sim.scenario.document import load_scenario

    params = {"trump.traits.impulsiveness": {"low": 0.1, "high": 0.9}, "leak0": {"levels": [0.0, 0.3]}}
    out = tmp_path / "s"
    run_sweep(load_spec(write_spec(tmp_path, scenario="hanoi-2019", parameters=params, points=2, replicates=2)), out, SerialExecutor())
    df = load_runs(out)
    for _, row in df.iterrows():
        sets = {p.removeprefix("param."): str(row[p]) for p in df.columns if p.startswith("param.")}
        result = run_scenario(load_scenario("hanoi-2019", sets), seed=int(row["seed"]))
        assert result.outcome == row["outcome"]
        assert result.manifest["metrics"]["signals_sent"] == row["metric.signals_sent"]
