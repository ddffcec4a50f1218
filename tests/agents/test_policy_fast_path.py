"""The vectorised decision rule equals the straightforward one (ODD 7.16-7.19)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms.roles import FORCING_ROLES
from summitry.sim.scenario.document import builtin_names, load_scenario, validate_data
from tests.strategies import scenario_data


def assert_same(model: DiplomacyModel) -> None:
    ref, f_ref = policy.expected_utilities_reference(model)
    fast, f_fast = policy.expected_utilities(model)
    assert (f_ref == f_fast).all()
    assert np.allclose(np.where(f_ref, ref, 0.0), np.where(f_fast, fast, 0.0), atol=1e-12)


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
