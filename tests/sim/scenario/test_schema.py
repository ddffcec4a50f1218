"""The JSON Schema of scenario files: committed copy up to date, every field
described, every built-in scenario valid."""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

import summitry.sim.mechanisms.parameters
import summitry.sim.scenario.document
from summitry.sim.scenario.document import builtin_names, json_schema, load_scenario, schema_text

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "scenarios" / "schema.json"


def test_committed_schema_is_up_to_date() -> None:
    committed = SCHEMA_FILE.read_text()
    assert committed == schema_text(), "scenarios/schema.json is stale: run `make schema` and commit the result"


def test_schema_command_prints_parseable_json(cli) -> None:
    r = cli("schema")
    assert r.code == 0, r.stderr
    schema = json.loads(r.stdout)
    assert "sides" in schema["properties"]
    assert schema["title"] == "summitry scenario"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["required"]) >= {"name", "title", "time", "issues", "sides", "summit"}


def test_schema_command_writes_the_file(cli, tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    r = cli("schema", "-o", str(out))
    assert r.code == 0, r.stderr
    assert out.read_text() == schema_text()


def test_schema_knows_the_bounds() -> None:
    # the bound an error message quotes is the one the schema publishes
    faction = json_schema()["$defs"]["Faction"]["properties"]["influence"]
    assert (faction["minimum"], faction["maximum"]) == (0, 1)
    assert json_schema()["$defs"]["Time"]["properties"]["steps"]["minimum"] == 1


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenario_validates(cli, name: str) -> None:
    r = cli("validate", name)
    assert r.stderr == ""
    assert r.stdout.startswith(f"ok {name}: ")
    assert r.code == 0
    sc = load_scenario(name)
    assert sc.name == name  # the file's name field matches its file name


def test_there_are_builtin_scenarios() -> None:
    assert "teaching" in builtin_names()


# ------------------------------------------------------- field descriptions


def _models(module: types.ModuleType) -> list[type[BaseModel]]:
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj is not BaseModel and obj.__module__ == module.__name__
    ]


def _nested_model(annotation: object) -> bool:
    """True if the annotation is a model, or a list/dict/optional of models."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_nested_model(arg) for arg in typing.get_args(annotation))


MODELS = _models(summitry.sim.scenario.document) + _models(summitry.sim.mechanisms.parameters)


def test_models_were_found() -> None:
    names = {m.__name__ for m in MODELS}
    assert {"Scenario", "Side", "Leader", "Faction", "ThirdParty", "Event", "ModelParameters"} <= names


def test_every_field_is_described() -> None:
    missing = [
        f"{model.__module__}.{model.__name__}.{name}"
        for model in MODELS
        for name, info in model.model_fields.items()
        if not (info.description or "").strip() and not _nested_model(info.annotation)
    ]
    assert missing == [], f"fields without a description (add description=... to their Field): {missing}"


def test_every_described_field_reaches_the_schema() -> None:
    defs = json_schema()["$defs"]
    leader = defs["Leader"]["properties"]
    assert leader["traits"]["$ref"] == "#/$defs/Traits"
    assert defs["Traits"]["properties"]["impulsiveness"]["description"].startswith("iota:")
    assert defs["ModelParameters"]["properties"]["kappa"]["description"].startswith("kappa:")
