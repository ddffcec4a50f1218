"""``pip install`` of a fresh clone (not editable) into a fresh venv, beside openai-agents: one ``summitry`` import
namespace, the built-in scenarios and schema.json found through importlib.resources, every command from another
directory."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
import venv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# `make install` keeps the wheels of the coexist extra (openai-agents and its dependencies) here
WHEELHOUSE = Path(sys.prefix) / "wheelhouse"


def _fresh_clone(dest: Path) -> Path:
    """The files git tracks (as they are in the work tree, symbolic links as links): what a clone of this checkout holds."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        src, dst = ROOT / name, dest / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            dst.symlink_to(os.readlink(src))
        elif src.is_file():  # a file deleted in the work tree and not yet committed is left out
            shutil.copy2(src, dst)
    return dest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(the fresh venv, a directory outside the checkout, the environment): summitry and openai-agents installed.

    Built once per session: pytest-xdist's workers share it (under a lock) in the session's temporary directory."""
    base = tmp_path_factory.getbasetemp()
    tmp = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "summitry-wheel"
    tmp.mkdir(exist_ok=True)
    with (tmp / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (tmp / "done").exists():
            _install(tmp)
            (tmp / "done").touch()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return tmp / "venv", tmp / "elsewhere", {**env, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}


def _install(tmp: Path) -> None:
    clone = _fresh_clone(tmp / "clone")
    # a fresh venv; summitry's dependencies seen through a .pth to this venv's site-packages (.pth files there, such as
    # the editable install's finder, are not processed, so the checkout stays invisible)
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(py), "install", "-q"]
    r = subprocess.run([*pip, "--no-deps", "--no-build-isolation", str(clone)], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    (pin,) = PYPROJECT["project"]["optional-dependencies"]["coexist"]
    assert WHEELHOUSE.is_dir(), f"no {WHEELHOUSE}: `make install` keeps openai-agents' wheels there"
    r = subprocess.run([*pip, "--no-index", "--find-links", str(WHEELHOUSE), pin], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    (tmp / "elsewhere").mkdir()


def _site(env_dir: Path) -> Path:
    (site,) = (env_dir / "lib").glob("python3*/site-packages")
    return site


@pytest.mark.slow
def test_install_puts_everything_under_one_summitry_namespace(installed: tuple[Path, Path, dict[str, str]]) -> None:
    env_dir, _, _ = installed
    site = _site(env_dir)
    (dist_info,) = site.glob("summitry-*.dist-info")
    record = [line.split(",")[0] for line in (dist_info / "RECORD").read_text().splitlines()]
    assert [name for name in record if name.startswith("../")] == ["../../../bin/summitry"]  # the console script
    tops = {name.split("/")[0] for name in record if not name.startswith("../")}
    assert tops == {"summitry", dist_info.name}, tops  # the package and its metadata: nothing else at the top level
    assert not (site / "summitry" / "__init__.py").exists()  # a namespace: summitry.sim, .agents, .dashboard only
    assert sorted(p.name for p in (site / "summitry").iterdir()) == ["agents", "dashboard", "sim"]
    shipped = sorted(p.name for p in (site / "summitry" / "sim" / "builtin_scenarios").iterdir())
    assert shipped == sorted([p.name for p in (ROOT / "scenarios").glob("*.yaml")] + ["schema.json"])
    assert (site / "summitry" / "dashboard" / "docs" / "ODD.md").is_file()
    script = (env_dir / "bin" / "summitry").read_text()
    assert "from summitry.sim.cli import main" in script


@pytest.mark.slow
def test_openai_agents_and_summitry_agents_import_side_by_side(installed: tuple[Path, Path, dict[str, str]]) -> None:
    env_dir, elsewhere, env = installed
    program = (
        "import importlib.util, json, agents, summitry.agents, summitry.sim.engine.build;"
        "print(json.dumps({'agents': agents.__file__, 'runner': hasattr(agents, 'Runner'), 'leader': hasattr(agents, 'Leader'),"
        "'ours': summitry.agents.__file__, 'ours_leader': summitry.agents.Leader.__module__, 'ours_runner': hasattr(summitry.agents, 'Runner'),"
        "'model_uses': summitry.sim.engine.build.Leader is summitry.agents.Leader,"
        "'top': [n for n in ('sim', 'dashboard') if importlib.util.find_spec(n)]}))"
    )
    r = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", program], cwd=elsewhere, env=env, capture_output=True, text=True, check=False
    )
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout)
    site = _site(env_dir)
    # `agents` is openai's (its Runner, no Leader), installed in the venv; summitry's agents are summitry.agents
    assert Path(seen["agents"]) == site / "agents" / "__init__.py"
    assert seen["runner"] is True and seen["leader"] is False
    assert Path(seen["ours"]) == site / "summitry" / "agents" / "__init__.py"
    assert seen["ours_leader"] == "summitry.agents.leader" and seen["ours_runner"] is False
    assert seen["model_uses"] is True  # the engine builds its leaders from summitry.agents (sim/engine/build.py)
    assert seen["top"] == []  # no top-level sim or dashboard


@pytest.mark.slow
def test_every_command_runs_from_another_directory(
    installed: tuple[Path, Path, dict[str, str]], tmp_path: Path, cli: Callable[..., Any]
) -> None:
    env_dir, elsewhere, env = installed
    exe = str(env_dir / "bin" / "summitry")

    def summitry(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], cwd=elsewhere, env=env, capture_output=True, text=True, check=False)

    r = summitry("--version")
    assert (r.returncode, r.stdout.strip()) == (0, f"summitry {PYPROJECT['project']['version']}"), r.stderr
    r = summitry("scenarios")
    assert r.returncode == 0, r.stderr
    shipped = sorted(f.stem for f in (ROOT / "scenarios").glob("*.yaml"))
    assert {"hanoi-2019", "singapore-2018", "teaching"} <= set(shipped)
    for name in shipped:  # every scenario of the checkout is in the wheel
        assert name in r.stdout
    r = summitry("run", "singapore-2018", "--quiet", "--out", "run1")
    assert r.returncode == 0, r.stderr
    assert json.loads((elsewhere / "run1" / "run.json").read_text())["scenario"] == "singapore-2018"
    # the installed package computes what the checkout computes, byte for byte
    here = tmp_path / "checkout-run"
    assert cli("run", "singapore-2018", "--quiet", "--out", str(here)).code == 0
    for name in ("run.json", "scenario.json", "events.parquet", "series.parquet"):
        assert (elsewhere / "run1" / name).read_bytes() == (here / name).read_bytes(), name
    r = summitry("report", "run1")
    assert r.returncode == 0, r.stderr
    assert "singapore-2018" in (elsewhere / "run1" / "report.html").read_text()

    # the ODD description the dashboard's About tab links to is shipped, and the dashboard serves it
    odd = subprocess.run(
        [
            str(env_dir / "bin" / "python"),
            "-c",
            "from summitry.dashboard.app import create_app; from summitry.dashboard.about import ODD_FILE; print(ODD_FILE);"
            "r = create_app('teaching', warm=False).server.test_client().get('/docs/ODD'); print(r.status_code, b'id=\"74-trust-log-odds-form\"' in r.data)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert odd.returncode == 0, odd.stderr
    path, answer = odd.stdout.strip().splitlines()[-2:]
    assert Path(path).is_relative_to(env_dir), path
    assert answer == "200 True"


@pytest.mark.slow
def test_dashboard_serves_a_scenario_file_from_another_directory(installed: tuple[Path, Path, dict[str, str]]) -> None:
    env_dir, elsewhere, env = installed
    case = elsewhere / "my-case.yaml"
    case.write_text((ROOT / "scenarios" / "teaching.yaml").read_text())
    port = _free_port()
    log = elsewhere / "dashboard.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(env_dir / "bin" / "summitry"), "dashboard", "--scenario", str(case), "--port", str(port)],
            cwd=elsewhere,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        layout = None
        # wait on the server itself: it answers, or it exits (then the log says why); the bound is only a safety net
        for _ in range(6000):
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=30) as page:
                    layout = page.read().decode()
                break
            except OSError:
                time.sleep(0.05)
        assert layout is not None, f"the dashboard never answered on port {port}:\n{log.read_text()}"
        assert "my-case.yaml (file)" in layout  # it opened on the file it was given
    finally:
        server.terminate()
        server.wait(timeout=60)
