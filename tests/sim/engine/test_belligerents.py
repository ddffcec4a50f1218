"""The tension's sides (ODD 7.13): the declared belligerents, by default the two summit sides.

A broker's summit with one party to a conflict (the other fighting on,
off the table) must still read the war's tension from the two who fight.
Every number below is computed by hand from the Richardson step and the
mean, not with the engine's helpers.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.scenario.document import load_raw, validate_data

GAMMA = {"name": "Gamma", "utility": {"d": 1.0, "r": -1.0}, "initial": {"hostility": 0.8}, "leader": {"id": "gus", "name": "Premier Gus"}}


def teaching_with_gamma(belligerents: list[str] | None) -> DiplomacyModel:
    """The teaching case with a third side, gamma (hostility 0.8, off the table), and the given belligerents."""
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    data["sides"]["gamma"] = GAMMA
    if belligerents is not None:
        data["belligerents"] = belligerents
    return DiplomacyModel(validate_data(data, source), seed=0)


def hand_tension(model: DiplomacyModel, sides: list[str]) -> float:
    """Richardson's step by hand (each side: kept share plus gamma_R times the others' mean), then the sides' mean."""
    p = model.params
    h = model.state.hostility.copy()
    after = {}
    for c, sid in enumerate(model.side_ids):
        others = (h.sum() - h[c]) / (h.size - 1)
        after[sid] = min(max((1 - p.delta_m) * h[c] + p.gamma_r * others, 0.0), 1.0)
    return sum(after[s] for s in sides) / len(sides)


@pytest.mark.parametrize(("belligerents", "reads"), [(None, ["alpha", "beta"]), (["alpha", "gamma"], ["alpha", "gamma"])])
def test_the_tension_is_the_mean_hostility_of_the_belligerents(belligerents: list[str] | None, reads: list[str]) -> None:
    model = teaching_with_gamma(belligerents)
    expected = hand_tension(model, reads)
    model._update_pressure(0)
    assert model.state.tension == pytest.approx(expected, abs=1e-12)
    # gamma's hostility (0.8) against beta's (0.3): the two readings differ, so reading the wrong sides fails
    assert (
        abs(hand_tension(teaching_with_gamma(None), ["alpha", "beta"]) - hand_tension(teaching_with_gamma(None), ["alpha", "gamma"])) > 0.1
    )


def test_a_threat_forecasts_escalation_only_from_a_belligerent() -> None:
    """The decision rule's escalation forecast (dE) of a threat is its hostility delta times the sender's share of the
    tension: 0.05 / 2 from a belligerent, 0 from a side outside them."""
    model = teaching_with_gamma(["alpha", "gamma"])
    tables = policy._tables(model)
    j = model.kinds.index("threat")
    de = {sid: float(tables.de[int(model.leader_of[c]), j]) for c, sid in enumerate(model.side_ids)}
    assert de == pytest.approx({"alpha": 0.025, "beta": 0.0, "gamma": 0.025}, abs=1e-15)
    # the straightforward implementation agrees, for every agent and kind
    fast, f_fast = policy.expected_utilities(model)
    ref, f_ref = policy.expected_utilities_reference(model)
    assert np.array_equal(f_fast, f_ref)
    assert np.allclose(fast[f_fast], ref[f_ref], atol=1e-12)
    # and beta's threat is worth more than with the default belligerents (alpha, beta), by exactly the escalation
    # cost it no longer forecasts: (1 - zeta) theta_R 0.025 plus the pressure on the receiver it no longer adds
    default = teaching_with_gamma(None)
    i = int(model.leader_of[model.side_ids.index("beta")])
    p, s = model.params, model.state
    recv = int(model.counterpart_side[model.side_ids.index("beta")])
    dp = model.pressure_weights[recv, 2] * 0.05 * 0.5
    gap = (1 - s.zeta[i]) * p.theta_r * 0.025 - s.stance[i] * p.theta_p * dp
    assert fast[i, j + 1] - policy.expected_utilities(default)[0][i, j + 1] == pytest.approx(gap, abs=1e-12)
