"""Durations stated as a fraction of a week (ODD 3.1): a crisis meeting arranged in two days, on a daily clock."""

from __future__ import annotations

import pytest

from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario


@pytest.mark.parametrize(("weeks", "days"), [(2 / 7, 2), (1.0, 7)])
def test_a_summit_meets_the_stated_days_after_its_acceptance(weeks: float, days: int) -> None:
    sc = load_scenario("kargil-1999", {"parameters.tau_prep_min": str(weeks), "parameters.tau_prep_max": str(weeks)})
    gaps = []
    for seed in range(4):
        events = run_scenario(sc, seed=seed, mode="forcing").events.to_pylist()
        for e in events:
            if e["kind"] == "summit_scheduled":
                gaps.append(int(e["detail"]) - int(e["step"]))
    assert gaps and set(gaps) == {days}
