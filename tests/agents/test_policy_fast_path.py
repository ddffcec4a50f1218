"""The vectorised decision rule equals the straightforward one (ODD 7.16-7.19)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.engine.state import Pledge
from summitry.sim.mechanisms.roles import FORCING_ROLES
from summitry.sim.scenario.document import builtin_names, load_scenario, validate_data
from tests.strategies import edited, scenario_data


def assert_same(model: DiplomacyModel) -> None:
    ref, f_ref = policy.expected_utilities_reference(model)
    fast, f_fast = policy.expected_utilities(model)
    assert (f_ref == f_fast).all()
    assert np.allclose(np.where(f_ref, ref, 0.0), np.where(f_fast, fast, 0.0), atol=1e-12)


def test_fast_path_equals_reference_with_weights_off_one_and_every_kind_of_pledge() -> None:
    """The two rules agree where a weight of 1 or an unpledged side would hide a difference.

    theta_P and theta_R away from 1 (a weight divided instead of multiplied gives the same at 1); a side whose own
    pledge has lapsed (it may pledge again) and one bound by an agreement's first term (deal 0, which leaves
    pledging open), each the other way round too.
    """

    def edit(data: dict) -> None:  # type: ignore[type-arg]
        # placation on: its term (a leader's, for kinds that vindicate its own hawks) must agree too
        data.setdefault("parameters", {}).update({"theta_p": 1.7, "theta_r": 0.6, "theta_z": 1.3, "theta_placate": 2.0})

    model = DiplomacyModel(edited("hanoi-2019", edit), seed=3)
    placation = 0.0
    for _ in range(6):
        assert_same(model)
        placation = max(placation, float(np.abs(policy.expected_utility_parts(model)[0]["placation"]).max()))
        model.step()
    assert placation > 1e-4  # the comparison above covered a placation term, not only zeros
    us, dprk = (model.side_ids.index(c) for c in ("us", "dprk"))
    for pledges in (
        [Pledge(dprk, frozenset({"icbm", "nuclear"}), 0.4, 0, active=False)],
        [Pledge(dprk, frozenset(), 0.5, 0, kinds=frozenset({"threat"}), deal=0)],
        [
            Pledge(dprk, frozenset({"icbm", "nuclear"}), 0.4, 0),
            Pledge(us, frozenset(), 0.5, 0, kinds=frozenset({"sanctions_tighten"}), deal=0),
        ],
    ):
        model.pledges = pledges
        assert_same(model)
    # a lapsed pledge, and an agreement's first term, leave the side free to pledge (again), in both rules
    kim, j = model.index_of["kim"], model.kinds.index("moratorium_pledge") + 1
    assert model.static_feasible[kim, j]
    for pledge in (
        Pledge(dprk, frozenset({"icbm", "nuclear"}), 0.4, 0, active=False),
        Pledge(dprk, frozenset(), 0.5, 0, kinds=frozenset({"threat"}), deal=0),
    ):
        model.pledges = [pledge]
        assert policy.expected_utilities_reference(model)[1][kim, j]
    # a kind that moves no trust by itself (a letter, whose parts do) shifts every receiver's by exactly 0
    x = model.state.stance[:4]
    shift = policy._trust_shift(model, model.catalogue["letter"], x, np.ones(4))
    assert shift.shape == (4,) and shift.dtype == float and not shift.any()


def test_fast_path_equals_reference_on_builtin_scenarios_every_step() -> None:
    names = builtin_names()
    assert {"teaching", "singapore-2018", "hanoi-2019"} <= set(names)
    for name in names:
        model = DiplomacyModel(load_scenario(name), seed=5)
        while model.running:
            assert_same(model)
            model.step()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenario_data())
def test_fast_path_equals_reference_on_random_scenarios(data) -> None:
    model = DiplomacyModel(validate_data(data, "<generated>"), seed=1)
    for _ in range(4):
        if not model.running:
            break
        assert_same(model)
        model.step()


def assert_same_choice(model: DiplomacyModel, seed: int) -> None:
    eu, feasible = policy.expected_utilities(model)
    rng = np.random.default_rng(seed)
    for lam in (0.5, 4.0, 40.0):
        u = rng.random(eu.shape[0])
        full = policy.quantal_choice(eu, feasible, lam, u)
        by_group = policy.choose(model, u, lam)
        assert np.array_equal(full, by_group)
        assert feasible[np.arange(full.size), full].all()
        # forcing mode: leaders and third parties may only do nothing
        forced = feasible.copy()
        forced[~np.isin(model.roles, list(FORCING_ROLES))] = False
        forced[:, 0] = True
        assert np.array_equal(policy.quantal_choice(eu, forced, lam, u), policy.choose(model, u, lam, forcing=True))


def test_choice_by_groups_equals_the_full_table_on_a_large_generated_scenario() -> None:
    from summitry.sim.scenario.generate import generate

    data = generate(600, 3_000, 2, seed=4, steps=10)
    model = DiplomacyModel(validate_data(data, "<generated>"), seed=2)
    for week in range(4):
        if not model.running:
            break
        assert len(policy._tables(model)._groups(model)) == 2  # factions apart from leaders and third parties
        assert_same_choice(model, week)
        model.step()


def test_choice_by_groups_equals_the_full_table_on_builtin_scenarios() -> None:
    for name in ("singapore-2018", "hanoi-2019", "reykjavik-1986"):
        model = DiplomacyModel(load_scenario(name), seed=8)
        for week in range(6):
            assert_same_choice(model, week)
            model.step()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenario_data())
def test_choice_by_groups_equals_the_full_table_on_random_scenarios(data) -> None:
    model = DiplomacyModel(validate_data(data, "<generated>"), seed=3)
    for week in range(3):
        if not model.running:
            break
        assert_same_choice(model, week)
        model.step()


def test_fast_path_equals_reference_when_kinds_carry_several_effects_of_one_rule_and_several_parts() -> None:
    """Every table the fast path builds adds each effect to what is already there: a kind with two effects of the
    same rule on the same side, or a letter of several parts of one trust mode, must count them all (and each with
    its sign). Built-in kinds have one effect per rule, so this catalogue doubles them."""

    def edit(data: dict) -> None:  # type: ignore[type-arg]
        hl = ["hardliner", "military"]
        data.setdefault("signals", {}).update(
            {
                "threat": {
                    "effects": [
                        {"var": "pressure.military", "who": "receiver", "delta": 0.05},
                        {"var": "pressure.military", "who": "receiver", "delta": 0.03},
                        {"var": "pressure.domestic", "who": "sender", "delta": 0.02},
                        {"var": "pressure.domestic", "who": "sender", "delta": 0.04},
                        {"var": "hostility", "who": "sender", "delta": 0.05},
                        {"var": "hostility", "who": "sender", "delta": 0.02},
                        {"var": "stance", "who": "receiver", "roles": hl, "delta": 0.05},
                        {"var": "stance", "who": "receiver", "roles": hl, "delta": 0.02},
                        {"var": "threshold", "who": "receiver", "roles": hl, "delta": 0.03},
                        {"var": "threshold", "who": "receiver", "roles": hl, "delta": -0.01},
                        {"var": "threshold", "who": "sender", "roles": hl, "delta": 0.02},
                    ]
                },
                "sanctions_tighten": {
                    "effects": [
                        {"var": "sanctions", "who": "receiver", "delta": 0.1},
                        {"var": "sanctions", "who": "receiver", "delta": 0.05},
                        {"var": "sanctions", "who": "sender", "delta": 0.03},
                    ]
                },
                "demand": {
                    "effects": [
                        {"var": "demand", "who": "sender", "delta": 0.05},
                        {"var": "demand", "who": "sender", "delta": 0.02},
                    ]
                },
                # two parts that shift trust up by a fixed amount, and two hostile ones
                "praise": {"trust": {"mode": "shift", "magnitude": 0.1}},
                "envoy_talks": {"trust": {"mode": "shift", "magnitude": 0.05}},
                "letter": {"parts": ["praise", "envoy_talks", "summit_offer", "threat", "srbm_test", "demand"]},
                # sanctions moved on the sender's own side, where patrons leak them (the DPRK's), so that what leaks
                # is taken off (a forecast that divides by 1 - leak instead of multiplying passes on the US side)
                "dismantle_site": {"effects": [{"var": "sanctions", "who": "sender", "delta": -0.05}]},
            }
        )
        data.setdefault("parameters", {}).update({"theta_p": 1.7, "theta_r": 0.6, "alpha_p": 0.5})

    model = DiplomacyModel(edited("hanoi-2019", edit), seed=2)
    for _ in range(8):
        assert_same(model)
        model.step()


def test_fast_path_equals_reference_when_the_side_without_the_pledge_can_also_breach_it() -> None:
    """A pledge binds its own side only: with both sides able to test, the US leader's tests carry no pledge cost
    (a rule that charged every member of a side at the table would agree with the reference on every built-in case,
    where only the pledging side has the capability)."""

    def edit(data: dict) -> None:  # type: ignore[type-arg]
        data["sides"]["us"]["capabilities"] = [*data["sides"]["us"]["capabilities"], "tests"]

    model = DiplomacyModel(edited("hanoi-2019", edit), seed=4)
    trump, j = model.index_of["trump"], model.kinds.index("srbm_test") + 1
    assert model.static_feasible[trump, j] and any(pl.active for pl in model.pledges)
    for _ in range(6):
        assert_same(model)
        model.step()


@pytest.mark.parametrize("lambda_q", [0.0, 1.0, 8.6])
def test_fast_path_equals_reference_for_untrustworthy_leaders_whose_letter_carries_two_costly_reassurances(lambda_q: float) -> None:
    """A U-type leader pays kappa c_eff / Lambda_Q for each costly reassuring part of a kind, summed over the parts;
    at Lambda_Q 0 (a uniform choice) there is nothing to separate. Lambda_Q 1 divides by one, and a letter of one
    reassuring part sums one term: both would hide a rule that drops the division or keeps only the last part."""

    def edit(data: dict) -> None:  # type: ignore[type-arg]
        for side in ("us", "dprk"):
            data["sides"][side]["leader"]["type"] = "U"
        data.setdefault("signals", {})["letter"] = {"parts": ["praise", "summit_offer", "sanctions_ease", "dismantle_site"]}
        data.setdefault("parameters", {})["lambda_q"] = lambda_q

    model = DiplomacyModel(edited("hanoi-2019", edit), seed=6)
    trump, j = model.index_of["trump"], model.kinds.index("letter") + 1
    reassuring = [q for q in model.catalogue["letter"].parts if model.catalogue[q].trust.mode == "reassuring"]
    assert len(reassuring) >= 2 and model.static_feasible[trump, j]
    for _ in range(4):
        assert_same(model)
        model.step()


def test_fast_path_equals_reference_when_a_faction_may_send_a_concession_that_stirs_its_own_hawks() -> None:
    """The cost at home of a concession falls on leaders only (ODD 7.16): with the State Department allowed to ease
    sanctions too, its expected utilities carry none. Built-in catalogues give these kinds to leaders alone, where
    a rule charging every sender agrees with one charging leaders."""

    def edit(data: dict) -> None:  # type: ignore[type-arg]
        data.setdefault("signals", {})["sanctions_ease"] = {"senders": ["leader", "staff"]}

    model = DiplomacyModel(edited("hanoi-2019", edit), seed=7)
    state, j = model.index_of["state"], model.kinds.index("sanctions_ease") + 1
    assert model.catalogue["sanctions_ease"].stirs_own_hawks and model.static_feasible[state, j]
    for _ in range(4):
        assert_same(model)
        model.step()
