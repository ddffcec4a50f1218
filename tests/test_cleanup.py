"""Summitry cleans up after itself: Chromium profiles, temporaries of its own naming, uploads within a budget."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from summitry.dashboard.service import UploadStore
from summitry.sim.atomic import write_atomically
from summitry.sim.report import CHROMIUM_PROFILE_PREFIX, chromium_profile, remove_orphan_profiles

ROOT = Path(__file__).resolve().parent.parent

# A child that makes a profile under DIR, prints its path and waits; the test acts on what it printed (no clock).
_HOLD_PROFILE = """
import sys, time
from summitry.sim.cli import _exit_on_sigterm
from summitry.sim.report import chromium_profile
_exit_on_sigterm()
with chromium_profile(sys.argv[1]) as profile:
    print(profile, flush=True)
    while True:
        time.sleep(1)
"""


def _child_with_profile(parent: Path) -> tuple[subprocess.Popen[str], Path]:
    proc = subprocess.Popen([sys.executable, "-c", _HOLD_PROFILE, str(parent)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line, "the child printed no profile"
    profile = Path(line)
    assert profile.is_dir() and profile.parent == parent
    return proc, profile


def test_profile_is_removed_on_return_and_on_exceptions(tmp_path: Path) -> None:
    with chromium_profile(tmp_path) as p:
        (Path(p) / "Default").mkdir()
    assert not Path(p).exists()
    with pytest.raises(RuntimeError), chromium_profile(tmp_path) as p2:
        raise RuntimeError("chromium failed")
    assert not Path(p2).exists()
    with pytest.raises(KeyboardInterrupt), chromium_profile(tmp_path) as p3:
        raise KeyboardInterrupt
    assert not Path(p3).exists()


def test_profile_is_removed_on_sigterm(tmp_path: Path) -> None:
    proc, profile = _child_with_profile(tmp_path)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait() == 143
    assert not profile.exists()


def test_profile_left_by_sigkill_is_removed_by_the_next_one(tmp_path: Path) -> None:
    proc, profile = _child_with_profile(tmp_path)
    proc.kill()
    proc.wait()
    assert profile.exists()  # nothing can run at a SIGKILL
    live = tmp_path / f"{CHROMIUM_PROFILE_PREFIX}{os.getpid()}-abcdefgh"  # a profile of a process that still runs
    live.mkdir()
    foreign = tmp_path / f"{CHROMIUM_PROFILE_PREFIX}notmine"
    foreign.mkdir()
    with chromium_profile(tmp_path):
        assert not profile.exists()
        assert live.exists() and foreign.exists()
    assert remove_orphan_profiles(tmp_path) == []


def test_a_killed_pdfs_temporary_is_removed_at_the_next_write(tmp_path: Path) -> None:
    stale = tmp_path / ".r.pdf.k2j4h6g8.tmp"
    stale.write_bytes(b"%PDF-half")
    os.utime(stale, (10**9, 10**9))
    write_atomically(tmp_path / "r.pdf", lambda p: Path(p).write_bytes(b"%PDF-1.4 whole"))
    assert not stale.exists()
    assert (tmp_path / "r.pdf").read_bytes() == b"%PDF-1.4 whole"


# ------------------------------------------------------------------ uploads


def test_uploads_stay_within_the_directory_budget(tmp_path: Path) -> None:
    store = UploadStore(tmp_path, max_bytes=3500)
    foreign = tmp_path / "notes.txt"
    foreign.write_text("x" * 5000)  # not the store's: never counted, never removed
    keys = []
    for i in range(6):
        key = store.put(f"# upload {i}\n" + "a" * 1000, f"case{i}.yaml")
        keys.append(key)
        for suffix in (".yaml", ".name"):
            os.utime(tmp_path / f"{key}{suffix}", (1000 + i, 1000 + i))  # a definite order of age
        assert store.disk_bytes() <= 3500
    on_disk = {p.name.split(".")[0] for p in tmp_path.glob("*.yaml")}
    assert keys[-1] in on_disk and keys[0] not in on_disk
    assert len(on_disk) == 3
    assert foreign.read_text() == "x" * 5000
    # an upload evicted from disk is still served from memory while the memory cache has it
    assert store.get(keys[0]) == ("# upload 0\n" + "a" * 1000, "case0.yaml")


def test_each_server_gets_its_own_upload_directory() -> None:
    from summitry.dashboard.app import create_app

    a = create_app("teaching", warm=False)
    b = create_app("teaching", warm=False)
    da = a.server.extensions["summitry_service"].uploads.directory
    db = b.server.extensions["summitry_service"].uploads.directory
    assert da != db
    for d in (da, db):
        assert d.name.startswith("summitry-uploads-")
        assert d.stat().st_mode & 0o077 == 0  # private to this user
