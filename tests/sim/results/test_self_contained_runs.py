"""Self-contained runs (issue 13, item 5): a run directory carries the scenario it ran, after overrides.

Reports, re-runs and forks of a saved run read the run directory only: the
user's own scenario file may be gone and the built-in folder unavailable.
Run directories saved before ``scenario.json`` existed still load, and the
report says what it is missing.
"""

from __future__ import annotations

import base64
import json
from html import unescape
from pathlib import Path

import pytest
import yaml

import summitry.sim.scenario.document
import summitry.sim.scenario.loading
from summitry.dashboard.callbacks import export_report
from summitry.dashboard.service import UPLOAD_PREFIX, Service
from summitry.sim import report
from summitry.sim.errors import RunDirError
from summitry.sim.outputs import SCENARIO_FILE
from summitry.sim.results.run_result import RunResult
from summitry.sim.run import run_fork, run_scenario
from summitry.sim.scenario.document import load_scenario
from tests.conftest import SCENARIOS, run_cli

STEPS = 12
DESCRIPTION = "A user's own case, ZEBRA-DESCRIPTION, kept only in its own file."
SOURCE = "ZEBRA-SOURCE: the user's notes (2024)"
RECORD = "ZEBRA-RECORD: the envoys meet"


def user_scenario_text() -> str:
    """The Singapore file renamed and re-described, as a user would write their own case."""
    data = yaml.safe_load((SCENARIOS / "singapore-2018.yaml").read_text())
    data["name"] = "my-own-case"
    data["title"] = "My own case"
    data["description"] = DESCRIPTION
    data["sources"] = [SOURCE]
    data["record"][0]["text"] = RECORD
    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture
def no_builtin_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in scenarios folder is empty from here on (and no cached built-in survives)."""
    empty = tmp_path / "no-builtins"
    empty.mkdir()
    monkeypatch.setattr(summitry.sim.scenario.loading, "BUILTIN_DIR", empty)
    report._builtin_scenario.cache_clear()
    yield
    report._builtin_scenario.cache_clear()


def visible_text(html: str) -> str:
    """The report's text with tags stripped (so a phrase split by markup still matches)."""
    import re

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def rows(events: list[dict]) -> str:
    """Event rows as text (NaN trust of a signal with no receiver equals itself here)."""
    return json.dumps(events, default=str)


def saved_user_run(tmp_path: Path) -> tuple[Path, RunResult]:
    """A run of a user's file with an override, saved; the file is then deleted."""
    path = tmp_path / "mine.yaml"
    path.write_text(user_scenario_text())
    sc = load_scenario(path, {"parameters.kappa": "3.5"})
    result = run_scenario(sc, seed=5, steps=STEPS, overrides={"parameters.kappa": "3.5"})
    run_dir = result.save(tmp_path / "run")
    path.unlink()
    return run_dir, result


def test_scenario_json_is_the_overridden_document(tmp_path: Path) -> None:
    run_dir, result = saved_user_run(tmp_path)
    stored = json.loads((run_dir / SCENARIO_FILE).read_text())
    assert stored["parameters"]["kappa"] == 3.5  # after the override, not the file's value
    assert stored["description"] == DESCRIPTION
    again = RunResult.load(run_dir).scenario()
    assert again is not None
    assert again.content_hash() == result.manifest["scenario_hash"]
    # the stored document is itself a scenario file: validate it through the command line
    assert run_cli("validate", str(run_dir / SCENARIO_FILE)).code == 0


def test_report_of_a_deleted_user_file_shows_description_sources_and_record(tmp_path: Path, no_builtin_folder: None) -> None:
    run_dir, _ = saved_user_run(tmp_path)
    html = report.write_run_report(run_dir, tmp_path / "report.html").read_text()
    text = visible_text(html)
    assert "ZEBRA-DESCRIPTION" in text
    assert "ZEBRA-SOURCE" in text
    assert "ZEBRA-RECORD" in text
    assert 'class="note"' not in html  # nothing to warn about: the run carried its scenario


def test_rerun_and_fork_from_the_run_directory_alone(tmp_path: Path, no_builtin_folder: None) -> None:
    run_dir, original = saved_user_run(tmp_path)
    loaded = report.load_run(run_dir)
    sc = loaded.scenario(run_dir)
    assert sc is not None
    m = loaded.manifest
    again = run_scenario(sc, seed=m["seed"], steps=m["steps"], mode=m["mode"])
    assert rows(again.events.to_pylist()) == rows(original.events.to_pylist())
    assert again.series.equals(original.series)
    # a fork of the saved run that changes nothing reproduces it; one that changes kappa keeps the past only
    same = run_fork(sc, 6, sc, seed=m["seed"], steps=m["steps"], mode=m["mode"])
    assert rows(same.events.to_pylist()) == rows(original.events.to_pylist())
    alt_doc = dict(loaded.scenario_document or {})
    alt_doc["parameters"] = {**alt_doc["parameters"], "kappa": 12.0}
    alt = run_fork(
        sc, 6, summitry.sim.scenario.document.validate_data(alt_doc, "fork", {}), seed=m["seed"], steps=m["steps"], mode=m["mode"]
    )
    past = [e for e in original.events.to_pylist() if e["step"] < 6]
    assert past and rows([e for e in alt.events.to_pylist() if e["step"] < 6]) == rows(past)
    assert alt.manifest["parameters"]["kappa"] == 12.0


def test_builtin_run_reports_without_the_builtin_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = load_scenario("singapore-2018")
    run_dir = run_scenario(sc, seed=2, steps=STEPS).save(tmp_path / "run")
    empty = tmp_path / "no-builtins"
    empty.mkdir()
    monkeypatch.setattr(summitry.sim.scenario.loading, "BUILTIN_DIR", empty)
    report._builtin_scenario.cache_clear()
    try:
        assert summitry.sim.scenario.document.builtin_names() == []
        html = report.write_run_report(run_dir, tmp_path / "report.html").read_text()
    finally:
        report._builtin_scenario.cache_clear()
    text = visible_text(html)
    assert " ".join(sc.description.split())[:60] in text
    assert sc.record[1].text.split("'")[0] in text
    assert 'class="note"' not in html


def test_old_run_directory_without_scenario_json_still_loads_and_says_so(tmp_path: Path) -> None:
    sc = load_scenario("singapore-2018")
    run_dir = run_scenario(sc, seed=2, steps=STEPS).save(tmp_path / "run")
    (run_dir / SCENARIO_FILE).unlink()
    loaded = report.load_run(run_dir)
    assert loaded.scenario_document is None and loaded.scenario() is None
    report._builtin_scenario.cache_clear()
    text = visible_text(report.write_run_report(run_dir, tmp_path / "report.html").read_text())
    # the built-in file is there: today's description, with a note that it is today's
    assert " ".join(sc.description.split())[:60] in text
    assert "has no scenario.json" in text and "today's built-in" in text


def test_old_user_run_without_scenario_json_names_what_is_missing(tmp_path: Path) -> None:
    run_dir, _ = saved_user_run(tmp_path)
    (run_dir / SCENARIO_FILE).unlink()
    text = visible_text(report.write_run_report(run_dir, tmp_path / "report.html").read_text())
    assert "ZEBRA" not in text
    assert "has no scenario.json" in text
    assert "description, sources and historical record are missing" in text


def test_edited_scenario_json_is_reported_as_changed(tmp_path: Path) -> None:
    run_dir, _ = saved_user_run(tmp_path)
    doc = json.loads((run_dir / SCENARIO_FILE).read_text())
    doc["description"] = "edited afterwards"
    (run_dir / SCENARIO_FILE).write_text(json.dumps(doc))
    text = visible_text(report.write_run_report(run_dir, tmp_path / "report.html").read_text())
    assert "does not match the run's content hash" in text


def test_corrupt_scenario_json_is_bad_input_naming_the_file(tmp_path: Path) -> None:
    run_dir, _ = saved_user_run(tmp_path)
    (run_dir / SCENARIO_FILE).write_text("{ not json")
    with pytest.raises(RunDirError, match=r"scenario\.json: cannot read"):
        report.load_run(run_dir)
    res = run_cli("report", str(run_dir), "-o", str(tmp_path / "r.html"))
    assert res.code == 2
    assert "scenario.json" in res.stderr and "Traceback" not in res.stderr
    (run_dir / SCENARIO_FILE).write_text("[1, 2]")
    with pytest.raises(RunDirError, match="expected a JSON object"):
        report.load_run(run_dir)


def test_dashboard_report_of_an_upload_carries_its_description(tmp_path: Path) -> None:
    service = Service("teaching", upload_dir=tmp_path / "uploads")
    key = service.uploads.put(user_scenario_text(), "mine.yaml")
    config = {"scenario": UPLOAD_PREFIX + key, "seed": 3, "overrides": {}}
    got = export_report(service, config)
    assert "download" in got
    payload = got["download"]
    html = base64.b64decode(payload["content"]).decode() if payload.get("base64") else payload["content"]
    text = visible_text(html)
    assert "ZEBRA-DESCRIPTION" in text and "ZEBRA-SOURCE" in text and "ZEBRA-RECORD" in text


def test_backtest_section_of_a_run_reads_the_patterns_stored_with_it(tmp_path: Path, no_builtin_folder: None) -> None:
    """The fit-to-history section of a run's report needs the scenario's patterns: from scenario.json, not a built-in file."""
    from summitry.sim.report.backtest import backtest_section

    run_dir, result = saved_user_run(tmp_path)
    section = backtest_section(run_dir)
    sc = result.scenario()
    assert sc is not None and sc.patterns
    assert section["kind"] == "run" and section["scenario"] == "my-own-case"
    assert [p["id"] for p in section["patterns"]] == [p.id for p in sc.patterns]
    (run_dir / SCENARIO_FILE).unlink()
    with pytest.raises(RunDirError, match=r"no scenario\.json"):
        backtest_section(run_dir)


def test_sweep_report_of_a_deleted_user_file_shows_its_description(tmp_path: Path, no_builtin_folder: None) -> None:
    """sweep.json keeps the scenario document the sweep ran, so its report describes the scenario without the file."""
    from summitry.sim.experiments.executors import SerialExecutor
    from summitry.sim.experiments.spec import load_spec
    from summitry.sim.experiments.sweep import run_sweep

    path = tmp_path / "mine.yaml"
    path.write_text(user_scenario_text())
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "scenario": str(path),
                "design": "grid",
                "parameters": {"parameters.kappa": {"levels": [2.0, 4.0]}},
                "replicates": 1,
                "steps": 6,
                "seed": 1,
            }
        )
    )
    out = tmp_path / "sweep"
    with SerialExecutor() as executor:
        run_sweep(load_spec(spec), out, executor)
    path.unlink()
    stored = json.loads((out / "sweep.json").read_text())["scenario_document"]
    assert stored["description"] == DESCRIPTION
    html = report.write_sweep_report(out, tmp_path / "sweep.html").read_text()
    assert "ZEBRA-DESCRIPTION" in visible_text(html)
