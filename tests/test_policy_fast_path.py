"""The vectorised decision rule equals the straightforward one (MODEL.md §6)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings

from agents import policy
from sim.model import DiplomacyModel
from sim.scenario import load_scenario, validate_data
from tests.strategies import scenario_data


def assert_same(model: DiplomacyModel) -> None:
    ref, f_ref = policy.expected_utilities_reference(model)
    fast, f_fast = policy.expected_utilities(model)
    assert (f_ref == f_fast).all()
    assert np.allclose(np.where(f_ref, ref, 0.0), np.where(f_fast, fast, 0.0), atol=1e-12)


def test_fast_path_equals_reference_on_builtin_scenarios_every_step() -> None:
    for name in ("teaching", "singapore-2018", "hanoi-2019"):
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
