"""``summitry dashboard --scenario FILE``: a scenario file, not only a built-in name.

The server is not started: the ``served`` fixture (tests/conftest.py) keeps the
app the command would serve, which the tests then query with Flask's test client.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summitry.dashboard.callbacks import initial_state
from summitry.dashboard.service import UPLOAD_PREFIX, UploadStore

ROOT = Path(__file__).resolve().parents[2]
TEACHING = (ROOT / "scenarios" / "teaching.yaml").read_text()


def my_case(tmp_path: Path) -> Path:
    path = tmp_path / "my-case.yaml"
    path.write_text(TEACHING.replace("name: teaching\n", "name: my-case\n").replace('title: "', 'title: "My case, from a file. ', 1))
    return path


def test_a_scenario_file_opens_and_is_listed(tmp_path: Path, served: dict[str, Any], cli) -> None:
    path = my_case(tmp_path)
    r = cli("dashboard", "--scenario", str(path), "--port", "8799")
    assert r.code == 0, r.stderr
    assert f"scenario file {path}" in r.stderr
    flask_app = served["app"]
    service = flask_app.extensions["summitry_service"]
    ref = UPLOAD_PREFIX + UploadStore.key_of(path.read_text())
    assert service.default_scenario == ref
    assert service.base_scenario(ref)[0].name == "my-case"
    layout = flask_app.test_client().get("/_dash-layout")
    assert layout.status_code == 200
    text = layout.get_data(as_text=True)
    assert json.dumps({"label": "my-case.yaml (file)", "value": ref}, separators=(",", ":")) in text
    # the first page draws the file's run: its title, not the built-in default's
    state = initial_state(service, "")
    assert any("My case, from a file." in str(v) for v in state.values())


def test_the_file_stays_when_uploads_are_forgotten(tmp_path: Path, served: dict[str, Any], cli) -> None:
    path = my_case(tmp_path)
    assert cli("dashboard", "--scenario", str(path)).code == 0
    service = served["app"].extensions["summitry_service"]
    for i in range(80):  # more uploads than the store's memory keeps
        service.uploads.put(TEACHING + f"\n# {i}\n", f"u{i}.yaml")
    ref = service.default_scenario
    kept = service.uploads.get(ref[len(UPLOAD_PREFIX) :])
    assert kept is not None
    text, _name = kept
    assert text == path.read_text()  # the file's own text, not one of the 80 uploads that came after it


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (lambda d: d / "none.yaml", ["none.yaml: no such scenario file"]),
        (lambda d: _write(d, TEACHING.replace("steps: 30", "steps: -3")), ["bad.yaml:", "time.steps:"]),
        (
            lambda d: _write(d, TEACHING.replace("capabilities: [tests, dismantle]", "capabilities: [tests, dismantel]")),
            ["bad.yaml:", "sides.beta.capabilities[1]: unknown capability 'dismantel'"],
        ),
        (lambda d: _write(d, "name: [unclosed\n"), ["bad.yaml:2:", "not valid YAML", "line 1"]),
    ],
    ids=["missing", "bad-field", "bad-capability", "bad-yaml"],
)
def test_a_bad_file_exits_2_with_the_usual_message(make: Any, fragments: list[str], tmp_path: Path, served: dict[str, Any], cli) -> None:
    path = make(tmp_path)
    r = cli("dashboard", "--scenario", str(path))
    assert r.code == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    for fragment in fragments:
        assert fragment in r.stderr, r.stderr
    assert "app" not in served, "a bad file must not start the server"


def test_neither_a_name_nor_a_file_lists_the_built_in_scenarios(served: dict[str, Any], cli) -> None:
    r = cli("dashboard", "--scenario", "singapore")
    assert r.code == 2
    assert "neither a built-in scenario nor a scenario file" in r.stderr and "singapore-2018" in r.stderr
    assert "app" not in served


@pytest.mark.parametrize(
    ("given", "hint"),
    [("hanoi2019", "did you mean hanoi-2019?"), ("xyz", "built-in scenarios are agreed-framework-1994, dayton-1995, hanoi-2019")],
)
def test_a_misspelt_scenario_name_is_suggested_as_run_suggests_it(served: dict[str, Any], cli, given: str, hint: str) -> None:
    """`summitry run hanoi2019` says "did you mean hanoi-2019?"; the dashboard listed every built-in instead."""
    r = cli("dashboard", "--scenario", given)
    assert r.code == 2
    assert r.stderr.startswith(f"error: --scenario {given}: neither a built-in scenario nor a scenario file; {hint}"), r.stderr
    assert "app" not in served


def test_params_for_another_case_are_refused_for_a_file(tmp_path: Path, served: dict[str, Any], cli) -> None:
    params = tmp_path / "calibrated.yaml"
    params.write_text("scenario: hanoi-2019\nparameters:\n  parameters.kappa: 3\n")
    r = cli("dashboard", "--scenario", str(my_case(tmp_path)), "--params", str(params))
    assert r.code == 2
    assert f"--params {params}:1: scenario: the file is for 'hanoi-2019', not 'my-case'" in r.stderr


def _write(d: Path, text: str) -> Path:
    path = d / "bad.yaml"
    path.write_text(text)
    return path
