"""The local executor's worker processes under Ctrl-C and after their sweep is killed: real sweeps, real signals.

Each sweep runs in its own session, and pauses (a marker file says so) once it is about to store a given part;
the signal is sent then, keyed on that observed progress, never on a clock.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from summitry.sim.experiments.executors import ProcessExecutor
from tests.files import write_spec

ROOT = Path(__file__).resolve().parents[3]

# the sweep command, its store patched to pause (forever) before it writes runs part number `pause_at` (1 is the first)
CHILD = """
import pathlib, signal, sys, time
# as in a terminal: a test runner's worker (or a shell's background job) may hand down SIGINT ignored, and Python
# then installs no KeyboardInterrupt handler of its own
signal.signal(signal.SIGINT, signal.default_int_handler)
import summitry.sim.experiments.store as store
marker, pause_at = pathlib.Path(sys.argv[1]), int(sys.argv[2])
real, stored = store.write_atomically, [0]
def atomic(path, write):
    if path.parent.name == "runs":
        stored[0] += 1
        if stored[0] == pause_at:
            marker.write_text("paused")
            while True:
                time.sleep(1)
    return real(path, write)
store.write_atomically = atomic
from summitry.sim.cli import main
main(sys.argv[3:])
"""


def start_paused_sweep(tmp_path: Path, pause_at: int) -> tuple[subprocess.Popen[bytes], Path]:
    """A 12-run sweep of 3 parts on 2 local workers, in a session of its own; returns once it has paused."""
    path = write_spec(tmp_path)
    out = tmp_path / "s"
    marker = tmp_path / "paused"
    command = ["sweep", str(path), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(marker), str(pause_at), *command],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "the sweep ended before it paused")
        time.sleep(0.05)  # polling for the marker; nothing asserted depends on how long it takes
    return proc, out


def group_processes(pgid: int) -> list[int]:
    """Live (not zombie) processes of the process group ``pgid``, from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


def end_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def test_ctrl_c_stops_the_workers_quietly_and_prints_the_resume_hint(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group (parent, forkserver, workers): only the parent acts on it. Paused before
    its last part, every task is done and the workers wait for the next: each one printed its KeyboardInterrupt
    traceback ("Process ForkServerProcess-1:") above the hint."""
    proc, out = start_paused_sweep(tmp_path, pause_at=3)
    try:
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        stderr = err.decode()
        assert proc.returncode == 130, stderr
        assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr and "ForkServerProcess" not in stderr, stderr
        assert f"interrupted; finished batches are kept — continue with:\n  summitry sweep {tmp_path / 'spec.yaml'} --out {out}" in stderr
        assert stderr.rstrip().endswith("--workers 2 --resume")
        assert len(list((out / "runs").glob("part-*.parquet"))) == 2
    finally:
        end_group(proc.pid)


def test_closing_with_a_task_still_running_stops_the_workers_at_once() -> None:
    """The caller stopped reading (Ctrl-C, a refused result) while a task runs: closing does not wait for it."""
    ex = ProcessExecutor(2)
    results = ex.map_unordered(time.sleep, [3600, 0])
    assert next(results) is None  # sleep(0) came back; sleep(3600) is still running
    workers = list(ex.pool._processes.values())
    assert len(workers) == 2 and all(w.is_alive() for w in workers)
    closing = threading.Thread(target=ex.close, daemon=True)
    closing.start()
    closing.join(timeout=120)  # a bound far above a prompt close and far below the task's hour, not a measure of speed
    assert not closing.is_alive(), "close() waited for the running task"
    assert not any(w.is_alive() for w in workers)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the sweep's processes in /proc (Linux)")
def test_the_workers_end_when_their_sweep_is_killed(tmp_path: Path) -> None:
    """kill -9 of the sweep alone (not its group): its workers, and with them the forkserver and the resource tracker,
    ended, where they were left idle for good, re-parented to PID 1."""
    proc, _ = start_paused_sweep(tmp_path, pause_at=2)
    try:
        left = [pid for pid in group_processes(proc.pid) if pid != proc.pid]
        assert len(left) >= 3  # the forkserver, the resource tracker and at least one worker
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        for _ in range(1200):  # polling until they are gone; a generous bound (60 s), not a measure of speed
            left = group_processes(proc.pid)
            if not left:
                break
            time.sleep(0.05)
        assert left == [], f"still running after their sweep was killed: {left}"
    finally:
        end_group(proc.pid)
