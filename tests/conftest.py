"""Shared fixtures: scenarios and an in-process CLI runner."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent

# `make test` draws the same hypothesis examples on every run, so a failure in CI is reproducible and never the luck
# of one draw (a fresh random draw once found a one-ulp tie in CI at the end of a session); `make fuzz` explores
# with fresh random examples (SUMMITRY_HYPOTHESIS_PROFILE=explore). Tests' own max_examples and deadlines still apply.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("SUMMITRY_HYPOTHESIS_PROFILE", "ci"))
SCENARIOS = ROOT / "scenarios"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """Run ``summitry ARGS`` in this process; returns exit code and output."""
    from rich.console import Console

    import summitry.sim.cli as cli

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


class _NotServing:
    """What ``waitress.create_server`` returns in tests: a server that is never started (``run`` returns at once)."""

    def print_listen(self, format_str: str) -> None:
        """The command announces its address itself; nothing to print here."""

    def run(self) -> None:
        """Return at once: no test of the command may hang on a real server."""


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What ``summitry dashboard`` would serve, never serving it: {"app": the WSGI app, "host": ..., "port": ..., ...}.

    The command binds with ``waitress.create_server`` and then runs the server; here nothing is bound and the run
    returns at once, so a test of the command cannot hang on a real server. Empty when the command stopped first.
    """
    import waitress

    got: dict[str, Any] = {}

    def create_server(app: Any, **kwargs: Any) -> _NotServing:
        got["app"] = app
        got.update(kwargs)
        return _NotServing()

    monkeypatch.setattr(waitress, "create_server", create_server)
    return got


@pytest.fixture
def binds(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """``waitress.create_server`` binding for real (a bind error is the system's own), then closed; the binds made.

    Its server is :class:`_NotServing`: the command's run returns, so no test can hang on it.
    """
    import waitress

    real = waitress.create_server
    made: list[dict[str, Any]] = []

    def bind_only(app: Any, **kwargs: Any) -> _NotServing:
        real(app, **kwargs).close()
        made.append(kwargs)
        return _NotServing()

    monkeypatch.setattr(waitress, "create_server", bind_only)
    return made


@pytest.fixture(scope="session")
def teaching():
    from summitry.sim.scenario.document import load_scenario

    return load_scenario("teaching")


@pytest.fixture(autouse=True)
def _no_rich_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, Any]]:
    """A generated 1,000-actor scenario (as `summitry generate --agents 1000 --edges 10000 --sides 2 --seed 1`
    writes), uploaded to a dashboard service: (service, the page's configuration)."""
    import base64

    from summitry.dashboard.callbacks import upload_scenario
    from summitry.dashboard.service import Service
    from summitry.sim.scenario.generate import dump, generate

    service = Service("teaching", cache_size=4, upload_dir=tmp_path_factory.mktemp("uploads"))
    text = dump(generate(1000, 10000, 2, seed=1))
    out = upload_scenario(service, "data:application/x-yaml;base64," + base64.b64encode(text.encode()).decode(), "big.yaml", None)
    assert out.get("errors") == [], out.get("errors")
    return service, out["config"]
