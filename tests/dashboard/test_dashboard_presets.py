"""Fork presets that say when they cannot change the run, and fork from the week where they can
(dashboard.callbacks.preset_week, run_fork_callback)."""

from __future__ import annotations

import pytest

from summitry.dashboard.callbacks import preset_week, run_fork_callback
from summitry.dashboard.layout import PRESETS
from summitry.dashboard.service import Service
from summitry.sim.results.runview import run_view


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    return Service("hanoi-2019", cache_size=8, upload_dir=tmp_path_factory.mktemp("uploads"))


def walk_weeks(service: Service, config: dict) -> list[int]:
    return [int(e["step"]) for e in service.result(config).events.to_pylist() if e["kind"] == "walk_away"]


def test_after_the_last_walk_away_the_preset_forks_from_its_week(service: Service) -> None:
    # seed 53 walks away twice under the shipped defaults (weeks 30 and 42) and ends in a walk-away
    config = {"scenario": "hanoi-2019", "seed": 53}
    weeks = walk_weeks(service, config)
    assert len(weeks) >= 2  # the test needs a run with more than one walk-away
    last = run_view(service.result(config)).last_step
    out = preset_week(service, config, "no-walk-away", last)
    assert out["at"] == max(weeks)  # the last one decides the outcome, not the first
    assert f"happened in week {max(weeks)}, before week {last}" in out["status"]
    # before the last walk-away the preset can still prevent it: nothing to say, the week stays
    assert preset_week(service, config, "no-walk-away", max(weeks)) == {}
    assert preset_week(service, config, "no-walk-away", weeks[0] + 1) == {}


def test_forked_from_the_week_it_names_the_preset_changes_the_outcome(service: Service) -> None:
    config = {"scenario": "hanoi-2019", "seed": 53}  # the run of the test above
    at = preset_week(service, config, "no-walk-away", run_view(service.result(config)).last_step)["at"]
    out = run_fork_callback(service, config, at, {"overrides": PRESETS["no-walk-away"]["overrides"]}, [], at)
    assert out["status"].startswith(f"Fork from week {at}: walk-away → ")
    assert "walk-away → walk-away" not in out["status"] and "changed nothing" not in out["status"]


def test_a_run_without_a_walk_away_says_the_preset_cannot_change_it(service: Service) -> None:
    config = {"scenario": "singapore-2018", "seed": 1}
    assert walk_weeks(service, config) == []
    out = preset_week(service, config, "no-walk-away", 3)
    assert "at" not in out
    assert out["status"] == f"This run has no walk-away: “{PRESETS['no-walk-away']['label']}” cannot change its outcome."


def test_other_presets_say_the_last_week_changes_nothing(service: Service) -> None:
    config = {"scenario": "hanoi-2019", "seed": 0}
    last = run_view(service.result(config)).last_step
    assert "the run's last week" in preset_week(service, config, "trusting", last)["status"]
    assert preset_week(service, config, "trusting", last - 5) == {}


def test_a_fork_that_changes_nothing_says_so(service: Service) -> None:
    # seed 19 walks away in week 44 and has a quiet last week under the shipped defaults: a fork from its last
    # week cannot change it, a fork from week 2 without the walk-away's motives can
    config = {"scenario": "hanoi-2019", "seed": 19}
    last = run_view(service.result(config)).last_step
    out = run_fork_callback(service, config, last, {"overrides": {"parameters.kappa": 4.0}}, [], last)
    assert "The fork changed nothing: same outcome and the same end state." in out["status"]
    early = run_fork_callback(service, config, 2, {"overrides": {"parameters.walk_audience": 0.0, "parameters.walk_leverage": 0.0}}, [], 2)
    assert "changed nothing" not in early["status"]
