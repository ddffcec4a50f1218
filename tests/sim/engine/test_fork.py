"""Forks: counterfactual branches that share the past and the seed."""

from __future__ import annotations

import json

import pytest

from summitry.sim.errors import ScenarioError
from summitry.sim.run import run_fork, run_scenario
from summitry.sim.scenario.document import load_scenario


def rows(table) -> str:
    return json.dumps(table.to_pylist(), default=str)


@pytest.mark.parametrize("seed", [0, 3])
def test_fork_without_changes_reproduces_the_run(seed: int) -> None:
    sc = load_scenario("hanoi-2019")
    base = run_scenario(sc, seed=seed)
    same = run_fork(sc, 20, sc, seed=seed)
    assert rows(base.events) == rows(same.events)
    assert rows(base.series) == rows(same.series)


def test_fork_keeps_the_past_and_changes_the_future() -> None:
    sc = load_scenario("hanoi-2019")
    alt_sc = load_scenario("hanoi-2019", {"trump.traits.impulsiveness": "0.1", "parameters.kappa": "4"})
    base = run_scenario(sc, seed=4)
    alt = run_fork(sc, 20, alt_sc, seed=4)
    past = [e for e in base.events.to_pylist() if e["step"] < 20]
    assert json.dumps(past, default=str) == json.dumps([e for e in alt.events.to_pylist() if e["step"] < 20], default=str)
    assert rows(base.events) != rows(alt.events)
    assert alt.manifest["fork"]["at_step"] == 20
    assert alt.manifest["parameters"]["kappa"] == 4


def test_fork_must_keep_the_actors() -> None:
    from summitry.sim.engine.model import DiplomacyModel

    m = DiplomacyModel(load_scenario("hanoi-2019"), seed=1)
    m.step()
    with pytest.raises(ScenarioError, match="same sides and actors"):
        m.fork(load_scenario("teaching"))


def test_a_fork_after_the_runs_end_is_refused_not_redrawn() -> None:
    """hanoi-2019, seed 0 ends in an interim agreement in week 22. A fork at week 23 or later has nothing to change,
    and used to return the base run's end state redrawn under the fork's parameters (zone 0.21 -> 0.07): another
    end state with no step run after the fork. Week 22 is its last week and still forks."""
    from summitry.sim.errors import InputError

    sc = load_scenario("hanoi-2019")
    base = run_scenario(sc, seed=0)
    assert (base.outcome, base.metrics["steps_run"]) == ("agreement_interim", 23)
    alt = load_scenario("hanoi-2019", {"kappa": 7})
    at_end = run_fork(sc, 22, alt, seed=0)
    assert at_end.metrics["steps_run"] == 23
    for week in (23, 999):
        with pytest.raises(InputError, match=rf"fork at week {week}: the run ended in week 22 \(interim agreement\)"):
            run_fork(sc, week, alt, seed=0)
