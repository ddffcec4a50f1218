"""Reliability: fuzzed loaders, long runs, crash-safe outputs, determinism everywhere.

The fuzz tests run ``SUMMITRY_FUZZ_EXAMPLES`` cases per strategy (60 by
default; ``make fuzz`` runs 2,000 per strategy, over 5,000 in all).
"""

from __future__ import annotations

import copy
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summitry.sim.errors import InputError
from summitry.sim.results.run_result import RunResult
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_raw, load_scenario, load_scenario_text, validate_data

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("SUMMITRY_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def load_or_refuse(text: str) -> str:
    """'ok' or 'refused'; anything else (a traceback, a hang) fails the test."""
    t0 = time.perf_counter()
    try:
        load_scenario_text(text, "fuzz.yaml")
        result = "ok"
    except InputError as exc:
        assert exc.messages and all(m.startswith("fuzz.yaml") for m in exc.messages), exc.messages
        result = "refused"
    assert time.perf_counter() - t0 < 2.0
    return result


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_the_loader(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    # every example reaches the YAML parser: bytes that are not UTF-8 are decoded with replacement characters
    load_or_refuse(data.decode("utf-8", errors="replace"))
    # and, as a file, the bytes go through the whole loader: refused with the file's name, or loaded
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"
    path.write_bytes(data)
    try:
        load_scenario(path)
    except InputError as exc:
        assert exc.messages and all(m.startswith(str(path)) for m in exc.messages), exc.messages
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            assert any("UTF-8" in m for m in exc.messages), exc.messages


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)


@FUZZ
@given(yaml_values)
def test_random_yaml_never_crashes_the_loader(value: Any) -> None:
    load_or_refuse(yaml.safe_dump(value))


BASE = {name: load_raw(name)[0] for name in ("teaching", "singapore-2018")}


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


def _get(obj: Any, path: tuple) -> Any:
    for p in path:
        obj = obj[p]
    return obj


@st.composite
def mutated(draw: st.DrawFn) -> str:
    data = copy.deepcopy(BASE[draw(st.sampled_from(sorted(BASE)))])
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        parent = _get(data, path[:-1])
        key = path[-1]
        op = draw(st.sampled_from(["delete", "retype", "out_of_range", "duplicate_id", "empty_list"]))
        value = parent[key]
        if op == "delete":
            del parent[key]
        elif op == "retype":
            parent[key] = draw(st.sampled_from(["text", 3, -1.5, True, None, [], {}]))
        elif op == "out_of_range" and isinstance(value, (int, float)) and not isinstance(value, bool):
            parent[key] = draw(st.sampled_from([value + 10, value - 10, -value - 1, 1e9, -1e9]))
        elif op == "duplicate_id" and isinstance(value, list) and value and isinstance(value[0], dict):
            value.append(copy.deepcopy(value[0]))
        elif op == "empty_list" and isinstance(value, list):
            value.clear()
    return yaml.safe_dump(data, sort_keys=False)


@FUZZ
@given(mutated())
def test_mutated_builtin_scenarios_validate_or_are_refused(text: str) -> None:
    load_or_refuse(text)


@FUZZ
@given(
    spec=st.dictionaries(
        st.sampled_from(["scenario", "parameters", "design", "points", "replicates", "seed", "metrics", "extra"]), yaml_values, max_size=6
    )
)
def test_random_sweep_specs_validate_or_are_refused(spec: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    from summitry.sim.experiments.spec import load_spec

    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    t0 = time.perf_counter()
    try:
        load_spec(path)
    except InputError as exc:
        assert all(str(path) in m for m in exc.messages)
    assert time.perf_counter() - t0 < 2.0


# ------------------------------------------------------------------ long runs

RANGED = (
    "stance",
    "influence",
    "pressure",
    "pressure_economic",
    "pressure_domestic",
    "pressure_military",
    "sanctions",
    "sanctions_effective",
    "hostility",
    "win_set_area",
    "tension",
    "zone_area",
    "enforcement",
)


def assert_series_sane(result: RunResult) -> None:
    df = result.series.to_pandas()
    assert np.isfinite(df["value"]).all()
    ranged = df[df["variable"].isin(RANGED) | df["variable"].str.startswith(("trust_", "rapport_"))]
    assert ranged["value"].between(0, 1).all(), ranged[~ranged["value"].between(0, 1)].head()
    events = result.events.to_pandas()
    for col in ("cost", "trust_change", "stance_change", "pressure_change"):
        assert np.isfinite(events[col]).all()


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["teaching", "singapore-2018", "hanoi-2019", "reykjavik-1986", "agreed-framework-1994", "paris-1973", "dayton-1995", "kargil-1999"],
)
def test_thousand_step_runs_of_builtins_stay_finite_and_in_range(name: str) -> None:
    sc = load_scenario(name, {"parameters.e_crit": "1", "parameters.e_weeks": "52"})  # keep escalation from ending it early
    for seed in (1, 2):
        result = run_scenario(sc, seed=seed, steps=1000, series_stride=5)
        assert_series_sane(result)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 10_000))
def test_long_runs_of_random_scenarios_stay_finite_and_in_range(seed: int) -> None:
    from summitry.sim.scenario.generate import generate

    data = generate(60, 400, 2 + seed % 2, seed=seed, steps=1000)
    data["parameters"] = {"e_crit": 1.0, "e_weeks": 52}
    result = run_scenario(validate_data(data, "<generated>"), seed=seed, series_stride=20)
    assert_series_sane(result)


# -------------------------------------------------------------- crash safety


def _complete_run_dir(d: Path) -> bool:
    if not d.exists():
        return False
    json.loads((d / "run.json").read_text())
    pq.read_table(d / "events.parquet")
    pq.read_table(d / "series.parquet")
    return True


# The kills below land on observed progress, never on a clock: the child process
# pauses at a named point of its write (after a file, before or after the rename),
# touches a marker file there and waits to be killed; the test waits for the marker.
_PAUSE_CHILD = """
import os, pathlib, sys, time
import pyarrow.parquet as pq
stage, marker = sys.argv[1], pathlib.Path(sys.argv[2])
argv = sys.argv[3:]

def pause(name):
    if stage == name:
        marker.write_text(name)
        while True:
            time.sleep(1)

written = [0]
real_write_table, real_replace, real_write_text = pq.write_table, os.replace, pathlib.Path.write_text

def write_table(table, where, **kw):
    pause(f"before-file-{written[0] + 1}")
    real_write_table(table, where, **kw)
    written[0] += 1
    pause(f"after-file-{written[0]}")

def replace(a, b):
    pause("before-rename")
    real_replace(a, b)
    pause("after-rename")

def write_text(self, data, *a, **kw):
    if self.name.startswith("."):
        pause("before-write")
        real_write_text(self, data[: len(data) // 2], *a, **kw)
        pause("half-written")
    return real_write_text(self, data, *a, **kw)

pq.write_table, os.replace, pathlib.Path.write_text = write_table, replace, write_text
from summitry.sim.cli import main
main(argv)
"""


def _kill_at(stage: str, marker: Path, argv: list[str]) -> int | None:
    """Run ``summitry ARGV`` in a child paused at ``stage``; SIGKILL it there. Returns the exit code if it never paused."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _PAUSE_CHILD, stage, str(marker), *argv], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not marker.exists():
            code = proc.poll()
            if code is not None:
                return code
            time.sleep(0.02)  # polling for the marker; no assertion depends on how long this takes
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stage", "complete", "files_in_temp"),
    [
        ("before-file-1", False, 0),  # before writing: the temporary directory exists, nothing in it yet
        ("after-file-1", False, 1),  # during writing: events written, series not
        ("after-file-2", False, 2),
        ("before-rename", False, 4),  # everything written (events, series, run.json, scenario.json), not yet renamed
        ("after-rename", True, None),
        ("never", True, None),
    ],
)
def test_sigkill_never_leaves_a_partial_run_directory(tmp_path: Path, stage: str, complete: bool, files_in_temp: int | None) -> None:
    out = tmp_path / "run"
    marker = tmp_path / "paused"
    code = _kill_at(stage, marker, ["run", "teaching", "--steps", "6", "--seed", "1", "--out", str(out), "--quiet"])
    if stage == "never":
        assert code == 0
    else:
        assert code is None, f"the child ended (exit {code}) without reaching {stage}"
    if files_in_temp is not None:
        # where the kill landed, read from what it left: the half-built hidden directory and how many files it holds
        temps = [p for p in tmp_path.iterdir() if p.name.startswith(".run.") and p.name.endswith(".tmp")]
        assert len(temps) == 1, temps
        assert len(list(temps[0].iterdir())) == files_in_temp
    if complete:
        assert _complete_run_dir(out)
    else:
        assert not out.exists(), f"a run directory appeared though the kill came at {stage}"
    visible = [p for p in tmp_path.iterdir() if not p.name.startswith(".") and p != marker]
    assert all(_complete_run_dir(p) for p in visible)
    # a second run into the same place succeeds (and replaces the first, if any)
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from summitry.sim.cli import main; main(['run', 'teaching', '--steps', '6', '--seed', '2', '--out', {str(out)!r}, '-q'])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "run.json").read_text())["seed"] == 2


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["before-write", "half-written", "before-rename", "after-rename"])
def test_sigkill_never_leaves_a_truncated_report(tmp_path: Path, stage: str) -> None:
    run_scenario(load_scenario("hanoi-2019"), seed=3).save(tmp_path / "run")
    out = tmp_path / "report.html"
    code = _kill_at(stage, tmp_path / "paused", ["report", str(tmp_path / "run"), "-o", str(out)])
    assert code is None, f"the child ended (exit {code}) without reaching {stage}"
    temps = [p.read_text() for p in tmp_path.iterdir() if p.name.startswith(".report.html.") and p.name.endswith(".tmp")]
    if stage == "before-write":  # the kill came before a byte was written: an empty temporary file
        assert temps == [""]
    elif stage == "half-written":  # ... or during the write: half a page in the temporary file
        assert len(temps) == 1 and temps[0].lstrip().startswith("<!DOCTYPE") and not temps[0].rstrip().endswith("</html>")
    if stage == "after-rename":
        assert out.read_text().rstrip().endswith("</html>")
    else:
        assert not out.exists(), f"a report appeared though the kill came at {stage}"
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".html" and not p.read_text().rstrip().endswith("</html>")]


# ---------------------------------------------------------------- determinism


def _bytes_of(result: RunResult) -> bytes:
    out = io.BytesIO()
    for table in (result.events, result.series):
        pq.write_table(table, out, compression="zstd")
    return out.getvalue()


def _run_bytes(name: str, seed: int) -> bytes:
    return _bytes_of(run_scenario(load_scenario(name), seed=seed))


@pytest.mark.slow
def test_same_bytes_in_three_processes_and_under_dask() -> None:
    from distributed import Client, LocalCluster

    code = "import sys; from tests.test_reliability import _run_bytes; sys.stdout.buffer.write(_run_bytes('hanoi-2019', 11))"
    outputs = []
    for hashseed in ("0", "1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        outputs.append(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, check=True).stdout)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0", silence_logs=40) as cluster,
        Client(cluster) as client,
    ):
        outputs.append(client.submit(_run_bytes, "hanoi-2019", 11, pure=False).result())
    outputs.append(_run_bytes("hanoi-2019", 11))
    assert len(outputs[0]) > 1000
    assert all(o == outputs[0] for o in outputs)


def test_property_tests_draw_the_same_examples_on_every_run_unless_told_to_explore() -> None:
    """Under ``make test`` hypothesis is derandomised (tests/conftest.py), so two runs of a property draw the same
    examples and a CI failure can be replayed; ``make fuzz`` sets SUMMITRY_HYPOTHESIS_PROFILE=explore for fresh draws."""
    exploring = os.environ.get("SUMMITRY_HYPOTHESIS_PROFILE", "ci") == "explore"
    assert settings.default.derandomize is not exploring
    assert settings.default.deadline is None  # a busy machine never fails a property on time

    def draws() -> list[float]:
        seen: list[float] = []

        @settings(max_examples=15, database=None)
        @given(st.floats(-1e6, 1e6))
        def prop(v: float) -> None:
            seen.append(v)

        prop()
        return seen

    first, second = draws(), draws()
    assert len(first) == 15
    assert (first == second) is not exploring
