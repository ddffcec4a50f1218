"""Shared fixtures: scenarios and an in-process CLI runner."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """Run ``summitry ARGS`` in this process; returns exit code and output."""
    from rich.console import Console

    import sim.cli as cli

    so, se = io.StringIO(), io.StringIO()
    old_out, old_err = cli.out, cli.err
    cli.out = Console(file=so, width=200, no_color=True)
    cli.err = Console(file=se, width=200, no_color=True)
    code = 0
    try:
        with redirect_stdout(so), redirect_stderr(se):
            try:
                cli.main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        cli.out, cli.err = old_out, old_err
    return CliResult(code, so.getvalue(), se.getvalue())


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli


@pytest.fixture(scope="session")
def teaching():
    from sim.scenario import load_scenario

    return load_scenario("teaching")


@pytest.fixture(autouse=True)
def _no_rich_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("COLUMNS", "200")
