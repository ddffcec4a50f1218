"""A concession costs a leader at home (ODD 7.16): the two-level game on moves, not only on deals.

A kind that hardens the sender's own hawks (in the default catalogue: partial relief, an exercise halt, eased
sanctions) costs its leader, besides its price, theta_home x the side's audience-cost capacity x the hawkish share
of the side's ratification weights x the kind's cost. In the teaching case alpha's coalition is its leader Ada
(weight 0.4), its hawks (0.3) and its diplomats (0.3), with audience capacity 0.8: the hawkish share is 0.3, and at
theta_home = 8 one unit of cost costs Ada 8 x 0.8 x 0.3 = 1.92 more. Every number below is that arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest

from summitry.agents import policy
from summitry.agents.leader import Leader
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.scenario.document import load_scenario

COSTS = {"sanctions_ease": 0.15, "exercise_halt": 0.2, "partial_relief": 0.4}


def eu(model: DiplomacyModel, theta_home: float, reference: bool = False) -> np.ndarray:
    model.params = model.params.model_copy(update={"theta_home": theta_home})
    model._policy_tables = None
    return (policy.expected_utilities_reference if reference else policy.expected_utilities)(model)[0]


@pytest.mark.parametrize("reference", [False, True])
def test_a_concession_costs_the_leader_its_price_times_its_hawkish_coalition(reference: bool) -> None:
    model = DiplomacyModel(load_scenario("teaching"), seed=0)
    ada, hawks, bo = (model.index_of[a] for a in ("ada", "alpha-hawks", "bo"))
    plain, home = eu(model, 0.0, reference), eu(model, 8.0, reference)
    col = {k: model.kinds.index(k) + 1 for k in model.kinds}
    for kind, cost in COSTS.items():
        assert plain[ada, col[kind]] - home[ada, col[kind]] == pytest.approx(8 * 0.8 * 0.3 * cost, abs=1e-12)
    # cheap conciliation and hostile moves stir no hawks at home; factions and the other side's moves are untouched
    for kind in ("praise", "summit_offer", "threat", "sanctions_tighten"):
        assert home[ada, col[kind]] == plain[ada, col[kind]]
    assert np.array_equal(np.nan_to_num(home[hawks]), np.nan_to_num(plain[hawks]))
    # beta's leader Bo: his coalition's hawkish share is 0.275 / 1.0, his capacity 0.4
    assert plain[bo, col["partial_relief"]] - home[bo, col["partial_relief"]] == pytest.approx(8 * 0.4 * 0.275 * 0.4, abs=1e-12)


def test_the_cost_follows_the_hawks_weight_in_the_coalition_and_vanishes_when_the_leader_ratifies_alone() -> None:
    model = DiplomacyModel(load_scenario("teaching"), seed=0)
    ada, hawks, diplomats = (model.index_of[a] for a in ("ada", "alpha-hawks", "alpha-diplomats"))
    j = model.kinds.index("sanctions_ease") + 1
    model.state.omega[[hawks, diplomats]] = [0.45, 0.15]  # the hawks vindicated: share 0.45
    assert eu(model, 0.0)[ada, j] - eu(model, 8.0)[ada, j] == pytest.approx(8 * 0.8 * 0.45 * 0.15, abs=1e-12)
    alone = DiplomacyModel(load_scenario("teaching"), seed=0, ablations=("leader_alone",))
    assert eu(alone, 8.0)[ada, j] == eu(alone, 0.0)[ada, j]


def test_home_cost_by_side_at_a_theta_of_one() -> None:
    """Leader.home_cost per unit of cost: theta x capacity x hawkish share (0.8 x 0.3 for alpha, 0.4 x 0.275 for beta)."""
    model = DiplomacyModel(load_scenario("teaching"), seed=0)
    model.params = model.params.model_copy(update={"theta_home": 1.0})
    assert Leader.home_cost(model).tolist() == pytest.approx([0.8 * 0.3, 0.4 * 0.275], abs=1e-12)
    # weights that do not sum to 1 (Ada 0.4, hawks 0.6, diplomats 0.3): the hawkish share is 0.6 / 1.3
    hawks, diplomats = (model.index_of[a] for a in ("alpha-hawks", "alpha-diplomats"))
    model.state.omega[[hawks, diplomats]] = [0.6, 0.3]
    assert Leader.home_cost(model)[0] == pytest.approx(0.8 * 0.6 / 1.3, abs=1e-12)
    model.params = model.params.model_copy(update={"theta_home": 0.0})
    assert Leader.home_cost(model).tolist() == [0.0, 0.0]
