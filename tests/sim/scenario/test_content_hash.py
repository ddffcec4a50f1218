"""The content hash tells apart scenarios that run differently, and still reads what was recorded before it did.

Sides are indexed in the order a file lists them, so two files that differ
only in that order give different runs from the same seed. The hash recorded
in run, backtest and sweep manifests used to sort every mapping and called
them the same scenario; a sweep resumed with the reordered file mixed the two.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from summitry.sim.experiments.spec import load_spec
from summitry.sim.report.context import scenario_context
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_raw, load_scenario, validate_data

STEPS = 12


def teaching_data(reverse: bool = False) -> dict:
    data, _, _ = load_raw("teaching")
    if reverse:
        data["sides"] = dict(reversed(list(data["sides"].items())))
    return data


def test_reordered_sides_run_differently_and_hash_differently() -> None:
    plain = validate_data(teaching_data(), "teaching")
    flipped = validate_data(teaching_data(reverse=True), "flipped")
    outcomes = [[run_scenario(sc, seed=s).manifest["outcome"] for s in range(5)] for sc in (plain, flipped)]
    assert outcomes[0] != outcomes[1]  # why the order belongs in the hash
    assert plain.content_hash() != flipped.content_hash()
    assert plain.legacy_content_hash() == flipped.legacy_content_hash()  # the old hash could not see it


def test_the_hash_ignores_how_the_file_was_written_but_not_what_it_says(tmp_path: Path) -> None:
    data = teaching_data()
    as_yaml = tmp_path / "a.yaml"
    as_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    as_json = tmp_path / "a.json"
    as_json.write_text(json.dumps(data, indent=4, default=str))
    assert load_scenario(as_yaml).content_hash() == load_scenario(as_json).content_hash() == load_scenario("teaching").content_hash()
    assert load_scenario("teaching", {"parameters.kappa": "3"}).content_hash() != load_scenario("teaching").content_hash()


def test_a_run_records_the_order_aware_hash() -> None:
    flipped = validate_data(teaching_data(reverse=True), "flipped")
    result = run_scenario(flipped, seed=1, steps=STEPS)
    assert result.manifest["scenario_hash"] == flipped.content_hash() != flipped.legacy_content_hash()


def _spec(tmp_path: Path, scenario: Path, parameters: dict) -> Path:
    spec = {"scenario": str(scenario), "parameters": parameters, "design": "grid", "points": 2, "replicates": 1, "seed": 3, "steps": 4}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


PARAMETERS = {"kappa": {"levels": [1.0, 3.0]}, "leak0": {"levels": [0.0, 0.2]}}
SWAPPED = dict(reversed(list(PARAMETERS.items())))


def _swept(tmp_path: Path, cli, reverse_sides: bool = False, parameters: dict = PARAMETERS) -> tuple[Path, Path, Path]:
    """A finished sweep of a scenario file: (scenario file, spec, sweep directory)."""
    scenario = tmp_path / "case.yaml"
    scenario.write_text(yaml.safe_dump(teaching_data(reverse=reverse_sides), sort_keys=False))
    spec = _spec(tmp_path, scenario, parameters)
    out = tmp_path / "s"
    assert cli("sweep", str(spec), "--out", str(out), "--executor", "serial").code == 0
    return scenario, spec, out


def test_a_sweep_refuses_to_resume_with_its_sides_or_parameters_reordered(tmp_path: Path, cli) -> None:
    scenario, spec, out = _swept(tmp_path, cli)
    before = (out / "sweep.json").read_bytes()

    scenario.write_text(yaml.safe_dump(teaching_data(reverse=True), sort_keys=False))
    refused = cli("sweep", str(spec), "--out", str(out), "--executor", "serial", "--resume")
    assert refused.code == 2 and "changed since this sweep started" in refused.stderr, refused.stderr

    scenario.write_text(yaml.safe_dump(teaching_data(), sort_keys=False))
    swapped = _spec(tmp_path, scenario, SWAPPED)
    refused = cli("sweep", str(swapped), "--out", str(out), "--executor", "serial", "--resume")
    assert refused.code == 2 and "changed since this sweep started" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    assert (out / "sweep.json").read_bytes() == before  # nothing of the sweep was touched

    spec = _spec(tmp_path, scenario, PARAMETERS)
    resumed = cli("sweep", str(spec), "--out", str(out), "--executor", "serial", "--resume")
    assert resumed.code == 0 and "4 from before" in resumed.stderr, resumed.stderr


def test_sweep_json_keeps_the_order_of_the_spec_and_the_scenario(tmp_path: Path, cli) -> None:
    _, _, out = _swept(tmp_path, cli, reverse_sides=True, parameters=SWAPPED)
    manifest = json.loads((out / "sweep.json").read_text())
    assert list(manifest["spec"]["parameters"]) == ["leak0", "kappa"]
    assert list(manifest["scenario_document"]["sides"]) == list(teaching_data(reverse=True)["sides"])


def test_a_sweep_started_before_the_order_aware_hash_resumes_with_its_parameters_in_order(tmp_path: Path, cli) -> None:
    scenario, spec, out = _swept(tmp_path, cli)
    # what such a directory looks like: the sorted hash in sweep.json
    manifest = json.loads((out / "sweep.json").read_text())
    manifest["spec_hash"] = load_spec(spec).legacy_hash
    (out / "sweep.json").write_text(json.dumps(manifest))

    swapped = _spec(tmp_path, scenario, SWAPPED)
    assert load_spec(swapped).legacy_hash == manifest["spec_hash"]  # the old check let it through
    refused = cli("sweep", str(swapped), "--out", str(out), "--executor", "serial", "--resume")
    assert refused.code == 2 and "changed since this sweep started" in refused.stderr, refused.stderr

    spec = _spec(tmp_path, scenario, PARAMETERS)
    resumed = cli("sweep", str(spec), "--out", str(out), "--executor", "serial", "--resume")
    assert resumed.code == 0 and "4 from before" in resumed.stderr, resumed.stderr

    other = _spec(tmp_path, scenario, {"kappa": {"levels": [1.0, 4.0]}, "leak0": {"levels": [0.0, 0.2]}})
    refused = cli("sweep", str(other), "--out", str(out), "--executor", "serial", "--resume")
    assert refused.code == 2 and "changed since this sweep started" in refused.stderr, refused.stderr


def test_a_report_accepts_a_run_recorded_with_the_old_hash_and_flags_a_changed_document() -> None:
    sc = load_scenario("teaching")
    document = sc.model_dump(mode="json")
    manifest = {"scenario": "teaching", "scenario_hash": sc.content_hash()}
    assert scenario_context(manifest, document)["note"] == ""
    old = dict(manifest, scenario_hash=sc.legacy_content_hash())
    assert scenario_context(old, document)["note"] == ""
    edited = dict(document, parameters=dict(document["parameters"], kappa=3.0))
    assert "it was changed after the run" in scenario_context(manifest, edited)["note"]
    assert "it was changed after the run" in scenario_context(old, edited)["note"]
