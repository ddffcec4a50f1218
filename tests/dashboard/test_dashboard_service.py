"""The dashboard's server side: what its caches hold."""

from __future__ import annotations

from summitry.dashboard.service import Service
from summitry.sim.scenario.document import Scenario
from summitry.sim.scenario.overrides import ParameterInfo


def test_parameter_tables_do_not_share_the_scenario_cache() -> None:
    """A parameter table is not a scenario: it neither sits in the scenario cache nor evicts a scenario from it."""
    service = Service("teaching")
    service.scenarios.maxsize = 1  # room for one scenario: a table stored beside it would push it out
    service.base_scenario("teaching")
    misses = service.scenarios.misses
    table = service.parameter_table("teaching")
    assert table and all(isinstance(p, ParameterInfo) for p in table)
    assert [type(service.scenarios.get(k)[0]) for k in service.scenarios.keys()] == [Scenario]
    service.base_scenario("teaching")
    assert service.scenarios.misses == misses  # still cached
    assert service.parameter_table("teaching") is table  # and the table is cached in its own
