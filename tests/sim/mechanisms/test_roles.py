"""The role registry is the one place roles are defined, and the engine reads its columns."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms.roles import CLIENT_ROLES, DOVISH_ROLES, FACTION_ROLES, FORCING_ROLES, HAWKISH_ROLES, ROLES, THIRD_PARTY_ROLES
from summitry.sim.scenario.document import ScenarioError, load_scenario, validate_data

ROOT = Path(__file__).resolve().parents[3]


def _role_collections(path: Path) -> list[int]:
    """Lines of literal lists, tuples and sets holding two or more distinct role names."""
    tree = ast.parse(path.read_text())
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            names = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value in ROLES}
            if len(names) >= 2:
                lines.append(node.lineno)
    return lines


def test_no_role_set_is_written_out_outside_the_registry() -> None:
    # the signal catalogue names who may send each kind: that is data about kinds, like a scenario file
    found = {}
    for pkg in ("sim", "agents", "dashboard"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if path.name == "roles.py" or path.as_posix().endswith("sim/mechanisms/signals.py"):
                continue
            if lines := _role_collections(path):
                found[str(path.relative_to(ROOT))] = lines
    assert found == {}


def test_derived_sets_follow_the_table() -> None:
    assert set(FACTION_ROLES) | set(THIRD_PARTY_ROLES) | {"leader"} == set(ROLES)
    assert HAWKISH_ROLES == {"hardliner", "military"}
    assert DOVISH_ROLES == {"reformer", "staff"}
    assert not HAWKISH_ROLES & DOVISH_ROLES
    # the record speaks for leaders and third parties; factions keep choosing
    assert FORCING_ROLES == set(FACTION_ROLES)
    assert CLIENT_ROLES == {"patron", "spoiler"}


def test_model_masks_come_from_the_leaning_column() -> None:
    model = DiplomacyModel(load_scenario("hanoi-2019"), seed=0)
    expected_hawk = np.array([r in HAWKISH_ROLES for r in model.roles])
    assert np.array_equal(model.hawkish, expected_hawk)
    # hanoi-2019: hardliners and an army on both sides (four hawkish members); State, the Cabinet and the MFA dovish
    assert int(model.hawkish.sum()) == 4
    assert sorted(np.asarray(model.actor_ids)[model.dovish].tolist()) == ["cabinet", "mfa", "state"]


def test_forcing_mode_lets_only_forcing_roles_choose() -> None:
    model = DiplomacyModel(load_scenario("singapore-2018"), seed=3, mode="forcing")
    for _ in range(20):
        model.step()
    rows = list(model.events)
    chosen = {e["sender"] for e in rows if e["source"] == "chosen"}
    # factions chose moves (three or more of them in twenty weeks); no leader or third party did (the record
    # speaks for them), judged from the model's own arrays, not from the registry under test
    assert len(chosen) >= 3
    index = {a: i for i, a in enumerate(model.actor_ids)}
    assert not any(model.is_leader[index[a]] or model.side_of[index[a]] < 0 for a in chosen)


def test_unknown_role_is_refused_with_the_registry_list() -> None:
    data = load_scenario("hanoi-2019").model_dump(mode="json", exclude_none=True)
    data["sides"]["us"]["factions"][0]["role"] = "guarantor"
    with pytest.raises(ScenarioError) as err:
        validate_data(data, "case.yaml")
    msg = str(err.value)
    assert "role" in msg and "guarantor" not in FACTION_ROLES
    assert "'hardliner', 'reformer', 'staff', 'military', 'intelligence' or 'ratifier'" in msg


def test_a_patron_needs_a_client() -> None:
    data = load_scenario("hanoi-2019").model_dump(mode="json", exclude_none=True)
    data["third_parties"][1].pop("client")
    with pytest.raises(ScenarioError) as err:
        validate_data(data, "case.yaml")
    assert "a patron needs a client side" in str(err.value)
