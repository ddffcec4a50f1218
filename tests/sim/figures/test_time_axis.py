"""The time axis of a run's figures is ticked at whole steps only, from step 0: a one-step run's axis, from -0.5 to
0.5, was ticked at -0.5, 0 and 0.5 by Plotly, and a run of a few steps at half steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from summitry.sim import figures as F
from summitry.sim.figures.common import FEW_STEPS
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.runview import run_view
from summitry.sim.run import run_fork, run_scenario
from summitry.sim.scenario.document import Scenario, load_scenario_text

TEACHING = (Path(__file__).resolve().parents[3] / "scenarios" / "teaching.yaml").read_text()
WEEKLY_TIME = "time: {start: 2020-01-06, step_days: 7, steps: 30}"


def teaching_of(steps: int) -> Scenario:
    assert TEACHING.count(WEEKLY_TIME) == 1, "teaching.yaml's time line changed; update this test"
    return load_scenario_text(TEACHING.replace(WEEKLY_TIME, f"time: {{start: 2020-01-06, step_days: 7, steps: {steps}}}"), "short.yaml")


def run_of(steps: int) -> RunResult:
    return run_scenario(teaching_of(steps), seed=0)


def time_figures(result: RunResult) -> dict[str, object]:
    return {
        "trust": F.trust_figure(result, 0, until=0),
        "pressure": F.pressure_figure(result, 0, until=0),
        "zone": F.zone_figure(result, 0, until=0),
        "stance": F.stance_figure(result, 0, until=0),
    }


def ticks_of(fig: object) -> list[float]:
    """The ticks a figure's time axis is given (a Plotly axis left to ``auto`` gives none)."""
    axis = fig.layout.xaxis  # type: ignore[attr-defined]
    assert axis.tickmode == "array", "the time axis of a short run is ticked at the steps, not left to Plotly"
    return list(axis.tickvals)


@pytest.mark.parametrize("steps", [1, 2, 3, FEW_STEPS])
def test_a_short_runs_time_axis_is_ticked_at_its_whole_steps(steps: int) -> None:
    result = run_of(steps)
    last = run_view(result).last_step
    assert last == steps - 1
    for name, fig in time_figures(result).items():
        ticks = ticks_of(fig)
        assert ticks == list(range(last + 1)), name
        assert all(t >= 0 and float(t).is_integer() for t in ticks), name
        low, high = fig.layout.xaxis.range  # type: ignore[attr-defined]
        assert low == -0.5 and high == last + 0.5, name  # half a step of room either side of the points, no tick there


def test_a_one_step_ensembles_fan_is_ticked_at_its_step() -> None:
    fig = F.fans_figure([("trust", "#333333", np.zeros((4, 1)))], "t")
    assert ticks_of(fig) == [0]
    fig = F.fans_figure([("trust", "#333333", np.zeros((4, 3)))], "t", steps=[0, 2, 4])
    assert ticks_of(fig) == [0, 1, 2, 3, 4]


def test_a_fork_of_a_short_run_is_ticked_at_the_longer_branchs_steps() -> None:
    sc = teaching_of(3)
    base = run_scenario(sc, seed=0)
    alt = run_fork(sc, 1, sc, seed=0)
    assert ticks_of(F.trust_figure(base, 0, compare=alt)) == [0, 1, 2]


def test_a_longer_runs_time_axis_is_left_to_plotly() -> None:
    """Plotly's own ticks on ten steps or more are whole steps from 0 (at most ten over the axis)."""
    fig = F.trust_figure(run_of(FEW_STEPS + 1), 0)
    assert fig.layout.xaxis.tickmode is None and fig.layout.xaxis.tickvals is None
