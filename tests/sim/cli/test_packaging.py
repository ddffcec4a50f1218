"""The command line and the package metadata a new user meets first."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
COMMANDS = [
    "scenarios",
    "validate",
    "schema",
    "params",
    "run",
    "generate",
    "sweep",
    "report",
    "backtest",
    "calibrate",
    "holdout",
    "explain",
    "dashboard",
]


def test_version(cli) -> None:
    r = cli("--version")
    assert r.code == 0
    assert r.stdout.strip() == f"summitry {metadata.version('summitry')}"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_flags_render_as_flags_in_help(cli, command: str | None) -> None:
    r = cli(*([command] if command else []), "--help")
    assert r.code == 0, r.stderr
    assert "<bool>" not in r.stdout
    assert "--help" in r.stdout
    if command == "run":
        row = next(line for line in r.stdout.splitlines() if "--quiet" in line)
        assert re.search(r"--quiet\s+-q\s+Print only the outcome", row), row


@pytest.mark.parametrize("command", COMMANDS)
def test_paths_show_as_path_in_help(cli, command: str) -> None:
    """Path arguments showed as <Path> (sweep's spec, report's directory), path options as <path>: now all <path>."""
    r = cli(command, "--help")
    assert r.code == 0, r.stderr
    assert "<Path>" not in r.stdout
    if command in ("sweep", "report"):
        name = {"sweep": "spec", "report": "directory"}[command]
        row = next(line for line in r.stdout.splitlines() if re.search(rf"\b{name}\s+<", line))
        assert re.search(rf"\*\s+{name}\s+<path>\s+", row), row


def test_help_does_not_cite_files_users_do_not_have(cli) -> None:
    for command in COMMANDS:
        assert "MODEL.md" not in cli(command, "--help").stdout
    assert "MODEL.md" not in (ROOT / "README.md").read_text()


def test_pyproject_licence_is_an_spdx_string_and_duckdb_is_a_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert any(re.match(r"duckdb\b", d) for d in project["dependencies"])
    assert "import duckdb" in (ROOT / "README.md").read_text()
    assert metadata.metadata("summitry").get("License-Expression") == "MIT"


def test_nothing_imports_the_packages_by_their_old_top_level_names() -> None:
    # sim, agents and dashboard are installed as summitry.sim, summitry.agents and summitry.dashboard only
    r = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "namespace_imports.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert (r.returncode, r.stdout) == (0, ""), r.stdout + r.stderr


def test_python_dash_m_runs_the_command_with_its_exit_statuses(tmp_path: Path) -> None:
    """``python -m summitry.sim.cli`` is the command where its console script is not on the PATH: the same output
    and the same exit statuses (0, and 2 with a one-line message for bad input)."""
    ok = subprocess.run([sys.executable, "-m", "summitry.sim.cli", "validate", "hanoi-2019"], capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "summitry.sim.cli", "validate", "missing.yaml"], capture_output=True, text=True, cwd=tmp_path
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: missing.yaml: no such scenario file"
