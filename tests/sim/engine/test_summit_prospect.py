"""What a leader expects of the next summit (ODD 7.18): the summit's forecast outcome, valued by hand.

A summit is worth offering or accepting for what it is likely to bring:
the best deal the leader could put on the table there (worth ``deal_gain``
over no deal, the other side's renege risk priced in, times the chance the
other side's coalition ratifies it and finds it worth its own risk), or a
declaratory statement where trust and rapport allow one; plus the relief of
being in talks at all (``summit_relief`` times today's pressure). Each
number below is computed from its formula with plain numpy or arithmetic on
the model's state, not with the production helper under test.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.scenario.document import load_raw, validate_data


def expit(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def teaching(**parameters: float) -> DiplomacyModel:
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    data.setdefault("parameters", {}).update(parameters)
    return DiplomacyModel(validate_data(data, source), seed=0)


def deal_term(model: DiplomacyModel, c: int, o: int) -> float:
    """max over c's win-set of Pr(o ratifies q) sigma(gain_o(q)/tau) max(gain_c(q), 0), from the formulas."""
    s = model.state
    p = model.params
    tau = max(p.sigma_w, 0.02)
    mem = model.members[o]
    w = model.ratification_weights(o)
    w = w / w.sum()
    u = model.gains[o][None, :] + s.concession_weight[mem][:, None] * model.gives[o][None, :]
    member = 1 / (1 + np.exp(-(u - s.thresholds[mem][:, None]) / tau))
    ratify = 1 / (1 + np.exp(-20.0 * (w @ member - float(model.theta[o]))))
    gain_c, gain_o = model.deal_gain(c, o), model.deal_gain(o, c)
    worth = ratify / (1 + np.exp(-gain_o / tau)) * np.maximum(gain_c, 0.0)
    return float(np.where(s.win_sets[c], worth, 0.0).max())


def test_without_a_declaration_on_offer_the_prospect_is_the_best_expected_deal() -> None:
    """trust_decl above everyone's trust: no declaration is possible, so V_c is the deal term alone."""
    model = teaching(trust_decl=0.99)
    a, b = (int(c) for c in model.summit_sides)
    v = model.summit_prospect()
    expected = (deal_term(model, a, b), deal_term(model, b, a))
    assert (v[a], v[b]) == pytest.approx(expected, abs=1e-12)
    assert max(expected) > 0.0  # the teaching case has deals worth having at week 0: the check is not 0 == 0


def test_a_declaration_counts_when_it_beats_every_deal() -> None:
    """No trust at all: every deal is worth less than no deal, and a declaration (no floors) is all a summit can bring.

    Side Alpha (audience-driven: domestic weight .6, need .2 at week 0), leader stance x, Beta's trust in Alpha m:
    decl = declaration_value (.6 need + (1 - x) theta_T (expit(logit m + gain) - m)) + theta_R' rapport
    (no earlier summit, so no fatigue).
    """
    model = teaching(renege_u=1.0, renege_t=1.0, status_quo_weight=0.0, declaration_value=2.0, declaration_gain=0.5)
    s = model.state
    a, b = (int(c) for c in model.summit_sides)
    assert deal_term(model, a, b) == 0.0 and deal_term(model, b, a) == 0.0
    mu = model.trust_matrix()
    v = model.summit_prospect()
    for c, o in ((a, b), (b, a)):
        li, lo = int(model.leader_of[c]), int(model.leader_of[o])
        m = float(mu[lo, c])
        need = float(model.pressure_weights[c, 1] * s.domestic[c])
        x = float(s.stance[li])
        decl = 2.0 * (need + (1 - x) * 1.0 * (expit(logit(m) + 0.5) - m)) + 0.3 * float(s.rapport[li, o])
        assert v[c] == pytest.approx(decl, abs=1e-12)
    assert v[a] > v[b] > 0.0  # Alpha's need for a win makes the declaration worth more to it


def test_the_next_declaration_is_fatigued_by_every_summit_held_so_far() -> None:
    """Forecasting the next summit, every summit already held is an earlier one; at a summit, the summit itself is not.

    Same arithmetic as above, with one summit held: the prospect carries fatigue^1, the value at
    the summit (held already counts it) fatigue^0. With fatigue .25 the forecast is a quarter of
    the at-the-summit value, less the rapport term that fatigue does not touch.
    """
    model = teaching(
        renege_u=1.0, renege_t=1.0, status_quo_weight=0.0, declaration_value=2.0, declaration_gain=0.5, declaration_fatigue=0.25
    )
    model.summit.held = 1
    s = model.state
    a, b = (int(c) for c in model.summit_sides)
    mu = model.trust_matrix()
    v = model.summit_prospect()
    at_summit = model.declaration_values()
    for c, o in ((a, b), (b, a)):
        li, lo = int(model.leader_of[c]), int(model.leader_of[o])
        m = float(mu[lo, c])
        need = float(model.pressure_weights[c, 1] * s.domestic[c])
        core = 2.0 * (need + (1 - float(s.stance[li])) * 1.0 * (expit(logit(m) + 0.5) - m))
        rapport = 0.3 * float(s.rapport[li, o])
        assert v[c] == pytest.approx(0.25 * core + rapport, abs=1e-12)
        assert at_summit[c] == pytest.approx(core + rapport, abs=1e-12)
        assert core > 0.0


def test_more_trust_in_the_other_side_makes_a_summit_worth_more() -> None:
    """The renege risk falls with trust, so the best expected deal rises (the commitment problem as a cost)."""
    low, high = teaching(trust_decl=0.99), teaching(trust_decl=0.99)
    a, b = (int(c) for c in low.summit_sides)
    for model, t in ((low, 0.2), (high, 0.8)):
        model._set_trust(np.array([int(model.leader_of[a])]), b, np.array([t]))
        model._recompute_bargaining()
    assert high.summit_prospect()[a] > 1.5 * low.summit_prospect()[a] > 0.0  # measured: 0.0142 against 0.0085


@pytest.mark.parametrize("implementation", ["fast", "reference"])
def test_the_offer_carries_the_prospect_and_the_relief_of_talks(implementation: str) -> None:
    """EU(summit_offer) moves by exactly d(summit_weight) V_c and d(summit_relief) P_c, for the offering leader."""
    compute = policy.expected_utilities if implementation == "fast" else policy.expected_utilities_reference
    base = teaching(summit_weight=1.0, summit_relief=0.5)
    more_v = teaching(summit_weight=3.0, summit_relief=0.5)
    more_p = teaching(summit_weight=1.0, summit_relief=1.5)
    i = base.index_of["ada"]
    j = base.kinds.index("summit_offer") + 1
    a = int(base.side_of[i])
    eu0, f0 = compute(base)
    assert f0[i, j]
    v = float(base.summit_prospect()[a])
    p = float(base.state.pressure[a])
    assert v > 0 and p > 0
    assert compute(more_v)[0][i, j] - eu0[i, j] == pytest.approx(2.0 * v, abs=1e-12)
    assert compute(more_p)[0][i, j] - eu0[i, j] == pytest.approx(1.0 * p, abs=1e-12)


@pytest.mark.parametrize("implementation", ["fast", "reference"])
def test_the_relief_of_opening_talks_is_gone_once_a_summit_was_held(implementation: str) -> None:
    """With one summit behind them, summit_relief no longer moves the offer: later summits are worth what they may bring."""
    compute = policy.expected_utilities if implementation == "fast" else policy.expected_utilities_reference
    values = []
    for relief in (0.5, 1.5):
        model = teaching(summit_relief=relief)
        model.summit.held = 1
        i = model.index_of["ada"]
        j = model.kinds.index("summit_offer") + 1
        values.append(float(compute(model)[0][i, j]))
    assert values[0] == values[1]


def built_in(name: str, **parameters: float) -> DiplomacyModel:
    data, _, source = load_raw(name)
    data = copy.deepcopy(data)
    data.setdefault("parameters", {}).update(parameters)
    return DiplomacyModel(validate_data(data, source), seed=0)


@pytest.mark.parametrize("implementation", ["fast", "reference"])
def test_opening_talks_with_a_broker_relieves_no_military_pressure(implementation: str) -> None:
    """Where the summit sides are not the belligerents (kargil-1999: Pakistan meets the US broker while it fights
    India), a first summit relieves each summit leader's pressure less its military part, w_M P^M: the war's tension
    ends with a deal, not with a meeting. Where they are (teaching), the whole pressure, as before."""
    compute = policy.expected_utilities if implementation == "fast" else policy.expected_utilities_reference
    for name, leader, military_relieved in (("kargil-1999", "clinton", False), ("kargil-1999", "sharif", False), ("teaching", "ada", True)):
        low, high = built_in(name, summit_relief=0.5), built_in(name, summit_relief=1.5)
        i = low.index_of[leader]
        j = low.kinds.index("summit_offer") + 1
        c = int(low.side_of[i])
        e, d, m = (float(w) for w in low.pressure_weights[c])
        s = low.state
        whole = e * float(s.economic[c]) + d * float(s.domestic[c]) + m * float(s.military[c])
        assert whole == pytest.approx(float(s.pressure[c]), abs=1e-12)
        expected = whole if military_relieved else whole - m * float(s.military[c])
        assert m * float(s.military[c]) > 0.05  # the military part is there to leave out (kargil: 0.7 x 0.6 for the US)
        assert compute(high)[0][i, j] - compute(low)[0][i, j] == pytest.approx(expected, abs=1e-12)
