"""Placating a discontented elite (ODD 7.14, 7.16): the two-level game after a failed summit.

For the leader of an elite-driven side, a kind that proves its own hawks right (``vindicates_sender: hawks``: in the
default catalogue the tests) is worth, besides everything else, theta_placate x the side's elite discontent (its
domestic pressure) x the hawkish share of its ratification weights. Sending it answers the discontent (the side's
domestic pressure goes to 0, to build again from what stays unreciprocated), and what an elite-driven side offered at
a summit that ended in a walk-away counts as a concession left unreciprocated. In the teaching case beta is elite-
driven; its coalition is Bo and its hardliners (weight 0.275) and reformers, so the hawkish share is 0.275: at
discontent 0.5 and theta_placate 4 a test is worth 4 x 0.5 x 0.275 = 0.55 more to Bo. Every number below is that
arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest

from summitry.agents import policy
from summitry.agents.leader import Leader
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms.signals import Signal
from summitry.sim.scenario.document import load_scenario

TESTS = ("srbm_test", "icbm_test", "nuclear_test")


def eu(model: DiplomacyModel, theta: float, reference: bool = False) -> np.ndarray:
    model.params = model.params.model_copy(update={"theta_placate": theta})
    model._policy_tables = None
    return (policy.expected_utilities_reference if reference else policy.expected_utilities)(model)[0]


def teaching(discontent: float, **kw: object) -> DiplomacyModel:
    model = DiplomacyModel(load_scenario("teaching"), seed=0, **kw)  # type: ignore[arg-type]
    model.state.domestic[model.side_ids.index("beta")] = discontent
    model.state.domestic[model.side_ids.index("alpha")] = discontent  # an audience's need for a win is not discontent
    return model


@pytest.mark.parametrize("reference", [False, True])
def test_a_test_is_worth_theta_times_discontent_times_the_hawkish_share_to_the_elite_sides_leader(reference: bool) -> None:
    model = teaching(0.5)
    ada, bo, hawks = (model.index_of[a] for a in ("ada", "bo", "beta-hardliners"))
    plain, placated = eu(model, 0.0, reference), eu(model, 4.0, reference)
    col = {k: model.kinds.index(k) + 1 for k in model.kinds}
    for kind in TESTS:
        assert placated[bo, col[kind]] - plain[bo, col[kind]] == pytest.approx(4 * 0.5 * 0.275, abs=1e-12)
    # moves that prove nobody's hawks right, the audience-driven side's leader and the factions are untouched
    for kind in ("praise", "threat", "summit_offer", "dismantle_site", "demand"):
        assert placated[bo, col[kind]] == plain[bo, col[kind]]
    for row in (ada, hawks):
        assert np.array_equal(np.nan_to_num(placated[row]), np.nan_to_num(plain[row]))


def test_the_value_by_side_follows_discontent_and_the_hawks_weight_and_vanishes_when_the_leader_ratifies_alone() -> None:
    model = teaching(0.5)
    model.params = model.params.model_copy(update={"theta_placate": 1.0})
    assert Leader.placation_value(model).tolist() == pytest.approx([0.0, 0.5 * 0.275], abs=1e-12)
    hawks, reformers = (model.index_of[a] for a in ("beta-hardliners", "beta-reformers"))
    model.state.omega[[hawks, reformers]] = [0.6, 0.3]  # the hawks vindicated; weights no longer sum to 1
    bo_weight = float(model.state.omega[model.index_of["bo"]])
    assert Leader.placation_value(model)[1] == pytest.approx(0.5 * 0.6 / (bo_weight + 0.9), abs=1e-12)
    model.state.domestic[1] = 0.0
    assert Leader.placation_value(model).tolist() == [0.0, 0.0]
    alone = teaching(0.5, ablations=("leader_alone",))
    assert Leader.placation_value(alone).tolist() == [0.0, 0.0]
    off = teaching(0.5)
    off.params = off.params.model_copy(update={"theta_placate": 0.0})
    assert Leader.placation_value(off).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(("kind", "theta", "left"), [("srbm_test", 4.0, 0.0), ("srbm_test", 0.0, 0.5), ("threat", 4.0, 0.5)])
def test_a_test_answers_the_discontent_and_nothing_else_does(kind: str, theta: float, left: float) -> None:
    """Only a move that proves the hawks right relieves the elite, and only while placation is on (theta > 0)."""
    model = teaching(0.5)
    model.params = model.params.model_copy(update={"theta_placate": theta})
    bo, ada = model.index_of["bo"], model.index_of["ada"]
    model._deliver([Signal(sender=bo, kind=kind, receiver=ada)], 0)
    assert float(model.state.domestic[1]) == left
    assert float(model.state.domestic[0]) == 0.5  # the other side's pressure is not touched


def test_a_faction_cannot_placate_for_its_leader() -> None:
    """The relief is the leader's move: the same kind from anyone else (here Bo's hardliners, allowed to test) does not count."""
    model = teaching(0.5)
    hawks, ada = model.index_of["beta-hardliners"], model.index_of["ada"]
    model._apply_signal(Signal(sender=hawks, kind="srbm_test", receiver=ada), model.catalogue["srbm_test"], 0)
    assert float(model.state.domestic[1]) == 0.5
