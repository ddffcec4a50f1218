"""Acceptance and traits as an analyst states them (issue 14, item 5; docs/ODD.md 7.1).

``acceptance.stance_shift: false`` leaves the stance term out of a member's
threshold; factions and third parties carry traits that reach the decision
rule; the new numbers are overridable; bad values are refused with the file
and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.errors import ScenarioError
from summitry.sim.scenario.document import Scenario, load_raw, load_scenario
from summitry.sim.scenario.overrides import parameter_table
from tests.strategies import edited


def teaching(edit: Any = None) -> Scenario:
    return edited("teaching", edit)


def faction(data: dict[str, Any], fid: str) -> dict[str, Any]:
    for side in data["sides"].values():
        for f in side.get("factions", []):
            if f["id"] == fid:
                return f  # type: ignore[no-any-return]
    raise KeyError(fid)


def test_a_stated_limit_does_not_move_with_stance() -> None:
    def fixed(data: dict[str, Any]) -> None:
        faction(data, "alpha-hawks").setdefault("acceptance", {})["stance_shift"] = False

    moving = DiplomacyModel(teaching(), seed=0)
    stated = DiplomacyModel(teaching(fixed), seed=0)
    k = moving.index_of["alpha-hawks"]
    x = float(moving.state.stance[k])
    assert x == pytest.approx(0.8)
    # b_k = b0 + alpha_x (x - 1/2) - alpha_P P + ...: the stated limit lacks exactly the stance term
    diff = float(moving.member_thresholds()[k] - stated.member_thresholds()[k])
    assert diff == pytest.approx(moving.params.alpha_x * (x - 0.5), abs=1e-12)
    # and keeps lacking it when the stance moves
    for m in (moving, stated):
        m.state.stance[k] = 0.3
    diff = float(moving.member_thresholds()[k] - stated.member_thresholds()[k])
    assert diff == pytest.approx(moving.params.alpha_x * (0.3 - 0.5), abs=1e-12)
    # every other member is untouched
    others = np.arange(len(moving.actor_ids)) != k
    np.testing.assert_allclose(moving.member_thresholds()[others], stated.member_thresholds()[others])


def test_defaults_keep_the_former_constants() -> None:
    model = DiplomacyModel(teaching(), seed=0)
    s = model.state
    for fid in ("alpha-hawks", "alpha-diplomats", "beta-hardliners", "beta-reformers"):
        k = model.index_of[fid]
        assert (s.iota[k], s.psi[k], s.zeta[k]) == (0.2, 0.0, 0.5)
    g = model.index_of["gil"]
    assert (s.iota[g], s.psi[g], s.zeta[g], s.patience[g]) == (0.2, 0.0, 0.6, 0.98)
    assert model.stance_shift.tolist() == [1.0] * len(model.actor_ids)


def test_faction_and_third_party_traits_reach_the_state_and_the_decision_rule() -> None:
    def traits(data: dict[str, Any]) -> None:
        faction(data, "alpha-hawks")["traits"] = {"impulsiveness": 0.9, "ego": 0.4, "risk_tolerance": 0.1}
        data["third_parties"][0]["traits"] = {"impulsiveness": 0.7, "patience": 0.9}

    base = DiplomacyModel(teaching(), seed=0)
    model = DiplomacyModel(teaching(traits), seed=0)
    k = model.index_of["alpha-hawks"]
    g = model.index_of["gil"]
    s = model.state
    assert (s.iota[k], s.psi[k], s.zeta[k]) == (0.9, 0.4, 0.1)
    assert (s.iota[g], s.psi[g], s.zeta[g], s.patience[g]) == (0.7, 0.0, 0.6, 0.9)
    # the affect term iota theta_aff affect valence(kind): with the same affect, the expected
    # utilities of the faction's choices differ by (0.9 - 0.2) theta_aff affect valence, kind by kind
    for m in (base, model):
        m.state.affect[k] = 0.5
        m.state.zeta[k] = 0.1  # the same risk weight in both, so only impulsiveness differs
        m.affect_cost[0, k] = 1.0  # a gesture dearer than any kind: each kind draws the whole affect (ODD 7.16)
    eu_base, feas = policy.expected_utilities(base)
    eu, feas2 = policy.expected_utilities(model)
    np.testing.assert_array_equal(feas[k], feas2[k])
    want = np.array([0.0] + [(0.9 - 0.2) * model.params.theta_aff * 0.5 * policy.valence(model.catalogue[n]) for n in model.kinds])
    cols = feas[k]
    assert cols[1:].any()
    np.testing.assert_allclose((eu[k] - eu_base[k])[cols], want[cols], atol=1e-12)


def test_member_traits_are_overridable_numbers() -> None:
    sc = teaching()
    paths = {p.path: p for p in parameter_table(sc)}
    assert paths["alpha-hawks.traits.impulsiveness"].value == 0.2
    assert (paths["gil.traits.patience"].low, paths["gil.traits.patience"].high) == (0.5, 1.0)
    overridden = load_scenario("teaching", {"alpha-hawks.traits.risk_tolerance": 0.05, "gil.traits.ego": 0.5})
    model = DiplomacyModel(overridden, seed=0)
    assert model.state.zeta[model.index_of["alpha-hawks"]] == 0.05
    assert model.state.psi[model.index_of["gil"]] == 0.5


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "acceptance: {concession_weight: 1.5, threshold: 0.3}, patience: 0.995}",
            "acceptance: {concession_weight: 1.5, threshold: 0.3, stance_shift: perhaps}, patience: 0.995}",
            "stance_shift",
        ),
        (
            "{id: alpha-hawks, name: Alpha hawks, role: hardliner,",
            "{id: alpha-hawks, name: Alpha hawks, role: hardliner, traits: {ego: 2},",
            "ego",
        ),
    ],
)
def test_bad_member_fields_name_the_file_and_line(tmp_path: Path, old: str, new: str, field: str) -> None:
    text = Path(load_raw("teaching")[2]).read_text(encoding="utf-8")
    if old not in text:
        pytest.fail(f"teaching.yaml no longer holds {old!r}; update this test")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(bad))
    message = str(err.value)
    line = text[: text.index(old)].count("\n") + 1
    assert "bad.yaml" in message and field in message
    assert any(f":{n}" in message for n in (line, line + 1)), message
