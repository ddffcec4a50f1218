"""One week's pressure step (step 4 of the schedule, ODD 7.12-7.15) as a hand-computed table.

A weekly version of kargil-1999 (three sides: Pakistan elite-driven, the United States and India audience-driven;
the belligerents are India and Pakistan; China is Pakistan's patron), with round rates and a state set by hand.
Every expected number below is the arithmetic in its comment; mutation testing of the step
(``make mutate MUTANTS="summitry.sim.engine.state_updates.*"``) found each of these lines unpinned before.
"""

from __future__ import annotations

import numpy as np
import pytest

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.scenario.document import Scenario, load_raw, load_scenario

RATES = {
    "delta_m": 0.1,
    "gamma_r": 0.05,
    "delta_e": 0.04,
    "domestic_decay": 0.1,
    "domestic_growth": 0.01,
    "demand_decay": 0.1,
    "erosion_learning": 0.1,
    "erosion_scale": 0.04,
    "leak0": 0.1,
    "nu": 0.1,
    "beta_decay": 0.9,
}


def weekly_kargil(**params: object) -> DiplomacyModel:
    data, _, _ = load_raw("kargil-1999")
    data["time"] = {"start": "1999-05-24", "step": "week", "steps": 10}
    data["parameters"] = {**RATES, **params}
    model = DiplomacyModel(Scenario.model_validate(data), seed=0)
    assert model.side_ids == ["pakistan", "us", "india"] and model.tension_sides.tolist() == [2, 0]
    assert model.elite.tolist() == [True, False, False]
    return model


def set_state(model: DiplomacyModel) -> None:
    s = model.state
    ix = model.index_of
    s.hostility = np.array([0.6, 0.2, 0.4])
    s.military_extra = np.array([0.2, 0.0, 0.1])
    s.credit = np.array([0.0, 0.0, 0.2])
    s.sanctions = np.array([0.5, 0.0, 0.0])
    s.economic = np.array([0.5, 0.0, 0.0])
    s.enforcement = np.array([0.6])  # China's: leak on Pakistan = 0.1 + 0.1 x (1 - 0.6) = 0.14
    s.unreciprocated = np.array([0.5, 0.0, 0.0])
    s.domestic = np.array([0.3, 0.2, 0.995])
    s.demand = np.array([0.2, 0.0, 0.0])
    s.tp_domestic = np.array([0.5])
    model.tp_domestic0 = np.array([0.0])
    s.perception_log = 0.5
    s.horizon = np.zeros(len(model.actor_ids))
    s.erosion = np.zeros(len(model.actor_ids))
    for actor, horizon, belief in (("army", 20.0, 0.01), ("militants", 1.0, 0.02), ("congress", 5.0, 0.01), ("china", 5.0, 0.01)):
        s.horizon[ix[actor]], s.erosion[ix[actor]] = horizon, belief
    s.erosion[ix["foreign-office"]] = 0.03  # no horizon: keeps its belief
    s.trust_logit[:] = 0.0
    s.trust_logit0[:] = 0.0
    s.trust_logit[ix["sharif"], model.side_ids.index("us")] = 1.0


def test_one_weeks_pressure_step_by_hand() -> None:
    model = weekly_kargil()
    set_state(model)
    s = model.state
    ix = model.index_of
    hardliners = s.omega[ix["militants"]]  # Pakistan's hardliner share of its ratification weights
    assert hardliners == pytest.approx(0.11)
    model._update_pressure(3)
    # Richardson: h' = 0.9 h + 0.05 x (mean of the others' h)
    assert s.hostility == pytest.approx([0.54 + 0.05 * 0.3, 0.18 + 0.05 * 0.5, 0.36 + 0.05 * 0.4])  # 0.555, 0.205, 0.38
    # tension: the belligerents' (Pakistan and India) mean, not the United States'
    assert s.tension == pytest.approx((0.555 + 0.38) / 2)  # 0.4675 (all three: 0.38)
    # what is left of a strike's pressure decays with delta_M; an exercise credit is kept at 0.98 a week
    assert s.military_extra == pytest.approx([0.18, 0.0, 0.09])
    assert s.credit == pytest.approx([0.0, 0.0, 0.196])
    # military pressure: the tension plus the side's extra, less its credit
    assert s.military == pytest.approx([0.4675 + 0.18, 0.4675, 0.4675 + 0.09 - 0.196])
    # leakage on Pakistan 0.14, elsewhere leak0; economic pain toward S (1 - leak)
    assert s.leak == pytest.approx([0.14, 0.1, 0.1])
    assert s.economic == pytest.approx([0.96 * 0.5 + 0.04 * 0.5 * 0.86, 0.0, 0.0])  # 0.4972
    # an elite-driven side's discontent moves toward 4 x hardliner share x unreciprocated (decayed first, 0.5 -> 0.45)
    assert s.unreciprocated == pytest.approx([0.45, 0.0, 0.0])
    target = 4 * 0.11 * 0.45  # 0.198
    # audience-driven sides' need for a win grows by domestic_growth, capped at 1 (India: 0.995 + 0.01)
    assert s.domestic == pytest.approx([0.9 * 0.3 + 0.1 * target, 0.21, 1.0])
    assert s.demand == pytest.approx([0.18, 0.0, 0.0])
    # a third party's domestic pressure is pulled 5% a week toward its starting value
    assert s.tp_domestic == pytest.approx([0.475])
    assert s.perception_log == pytest.approx(0.45)  # the perception error kept at 0.9 a week
    # members with a horizon learn the erosion rate from the leakage their side sees: e + 0.1 (0.04 leak - e)
    expect = {
        "army": 0.01 + 0.1 * (0.04 * 0.14 - 0.01),
        "militants": 0.02 + 0.1 * (0.04 * 0.14 - 0.02),  # a horizon of one week is a horizon
        "congress": 0.01 + 0.1 * (0.04 * 0.1 - 0.01),
        "china": 0.01 + 0.1 * (0.0 - 0.01),  # outside every side: sees no leakage
        "foreign-office": 0.03,
        "sharif": 0.0,
    }
    for actor, value in expect.items():
        assert s.erosion[ix[actor]] == pytest.approx(value), actor
    # forgetting toward the prior: logit <- 0.9 logit + 0.1 logit0
    us = model.side_ids.index("us")
    assert s.trust_logit[ix["sharif"], us] == pytest.approx(0.9)
    # the aggregate: P_c = w_E P^E + w_D P^D + w_M P^M (Pakistan 0.4, 0.2, 0.4)
    assert s.pressure[0] == pytest.approx(0.4 * 0.4972 + 0.2 * (0.27 + 0.1 * target) + 0.4 * 0.6475)


def test_the_beta_variant_forgets_its_counts_not_the_log_odds() -> None:
    model = weekly_kargil(trust_model="beta")
    s = model.state
    s.beta_a[:], s.beta_b[:] = 3.0, 5.0
    a0, b0 = s.beta_a0.copy(), s.beta_b0.copy()
    logit = s.trust_logit.copy()
    model._update_pressure(3)
    # alpha <- alpha0 + 0.9 (alpha - alpha0)
    assert s.beta_a == pytest.approx(a0 + 0.9 * (3.0 - a0)) and s.beta_b == pytest.approx(b0 + 0.9 * (5.0 - b0))
    assert np.array_equal(s.trust_logit, logit)


def test_the_trust_ablation_holds_the_beta_counts_and_leaves_the_factions_moving() -> None:
    """Freezing trust (the backtest's trust ablation) holds the Beta counts at their priors too; it does not freeze
    the factions' weights, which only the factions ablation holds."""
    data, _, _ = load_raw("hanoi-2019")
    data["parameters"] = {"trust_model": "beta"}
    frozen = DiplomacyModel(Scenario.model_validate(data), seed=3, ablations=("trust",))
    moved_omega = False
    for _ in range(30):
        frozen.step()
        s = frozen.state
        assert np.array_equal(s.beta_a, s.beta_a0) and np.array_equal(s.beta_b, s.beta_b0)
        moved_omega |= not np.allclose(s.omega, frozen._frozen["omega"])
    assert moved_omega


def test_the_aggregate_fills_in_military_pressure_when_none_has_been_computed_yet() -> None:
    """Before the first pressure step (military pressure all 0), the aggregate computes it as the step does:
    the belligerents' tension plus each side's extra, less its credit."""
    model = weekly_kargil()
    s = model.state
    s.military = np.zeros(3)
    s.hostility = np.array([0.6, 0.2, 0.4])
    s.military_extra = np.array([0.2, 0.0, 0.1])
    s.credit = np.array([0.0, 0.0, 0.3])
    s.economic, s.domestic = np.zeros(3), np.zeros(3)
    model._update_pressure_aggregate()
    assert s.tension == pytest.approx(0.5)  # Pakistan 0.6 and India 0.4; the United States' 0.2 does not count
    assert s.military == pytest.approx([0.7, 0.5, 0.3])
    # the aggregate: w_M x military (Pakistan 0.4, the United States 0.7, India 0.5)
    assert s.pressure == pytest.approx([0.28, 0.35, 0.15])


@pytest.mark.parametrize("side", [0, 1])
def test_a_sides_public_demand_raises_its_own_members_thresholds_only(side: int) -> None:
    """A demand narrows the demanding side's own win-set (its demand stock adds to its members' thresholds)."""
    model = DiplomacyModel(load_scenario("teaching"), seed=0)
    s = model.state
    s.demand = np.zeros(len(model.side_ids))
    before = model.member_thresholds()
    s.demand[side] = 0.1
    shift = model.member_thresholds() - before
    for i, actor in enumerate(model.actor_ids):
        if model.side_of[i] == side:
            assert shift[i] == pytest.approx(0.1), actor
        else:
            assert shift[i] == 0.0, actor


def test_military_pressure_and_an_elites_discontent_target_are_capped_at_one() -> None:
    """Tension 0.9 plus an extra 0.5 is military pressure 1, not 1.4; an elite whose hardliners hold 0.5 of the weights,
    with everything unreciprocated, moves toward discontent 1 (4 x 0.5 x 0.9 = 1.8, capped)."""
    model = weekly_kargil()
    s = model.state
    ix = model.index_of
    s.hostility = np.array([1.0, 0.0, 1.0])  # Richardson: 0.9 + 0.05 x 0.5 = 0.925 for both belligerents
    s.military_extra = np.array([0.5 / 0.9, 0.0, 0.0])
    s.credit = np.zeros(3)
    s.unreciprocated = np.array([1.0, 0.0, 0.0])
    s.domestic = np.array([0.0, 0.0, 0.0])
    s.omega[[ix["militants"], ix["army"]]] = [0.5, 0.0]
    model._update_pressure(3)
    assert s.tension == pytest.approx(0.925)
    assert s.military[0] == 1.0 and s.military[1] == pytest.approx(0.925)
    assert s.domestic[0] == pytest.approx(0.1 * 1.0)  # 0.9 x 0 + 0.1 x min(1, 1.8)
    s.military = np.zeros(3)
    s.military_extra = np.array([0.5, 0.0, 0.0])
    model._update_pressure_aggregate()
    assert s.military[0] == 1.0
