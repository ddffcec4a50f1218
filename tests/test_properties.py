"""Properties every valid scenario must keep, whatever hypothesis draws (tests/strategies.py).

Each property is its own test so that one broken invariant does not hide
another. Examples are kept few (the whole file runs in well under a minute).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from strategies import scenario_data, scenarios, seeds

from sim.model import DiplomacyModel
from sim.recorder import AGENT_VARS, SIDE_VARS
from sim.run import OUTCOMES, run_scenario
from sim.scenario import Scenario, validate_data

SETTINGS = settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

UNIT_VARIABLES = {"stance", "influence", "tension", "zone_area", "enforcement", *SIDE_VARS}
"""Series variables that live in [0, 1] (trust_* and rapport_* are matched by prefix)."""


def _in_unit(name: str) -> bool:
    return name in UNIT_VARIABLES or name.startswith(("trust_", "rapport_"))


def _steps(model: DiplomacyModel):
    """Step the model to its end, yielding after every step."""
    while model.running:
        model.step()
        yield model.week - 1


@SETTINGS
@given(data=scenario_data())
def test_generated_data_is_a_valid_scenario(data) -> None:
    sc = validate_data(data, "<generated>")
    for sid, side in sc.sides.items():
        assert 0 <= len(side.factions) <= 4
        if side.factions:
            assert math.isclose(sum(f.influence for f in side.factions), 1.0, abs_tol=1e-9), sid
    assert 5 <= sc.time.steps <= 40


@SETTINGS
@given(sc=scenarios(), seed=seeds())
def test_any_scenario_runs_to_completion(sc: Scenario, seed: int) -> None:
    result = run_scenario(sc, seed=seed)
    m = result.metrics
    assert result.outcome in OUTCOMES
    assert 1 <= m["steps_run"] <= sc.time.steps
    if m["steps_run"] < sc.time.steps:  # only an agreement or an escalation ends a run early
        assert result.outcome == "escalation" or result.outcome.startswith("agreement_")
    if result.outcome == "stalemate":
        assert m["summit_results"] == [] and m["steps_run"] == sc.time.steps
    # the last recorded step is the last step run
    assert int(pc.max(result.series["step"]).as_py()) == m["steps_run"] - 1


@SETTINGS
@given(sc=scenarios(), seed=seeds())
def test_series_stay_finite_and_in_unit_interval(sc: Scenario, seed: int) -> None:
    result = run_scenario(sc, seed=seed)
    frame = result.series_frame()
    assert np.isfinite(frame["value"].to_numpy()).all(), frame[~np.isfinite(frame["value"])].head()
    unit = frame[frame["variable"].map(_in_unit)]
    assert set(AGENT_VARS) - {"threshold"} <= set(unit["variable"])
    assert {"tension", "zone_area", "pressure", "sanctions"} <= set(unit["variable"])
    bad = unit[(unit["value"] < 0) | (unit["value"] > 1)]
    assert bad.empty, bad.head(10)
    codes = frame.loc[frame["variable"] == "summit_status", "value"]
    assert codes.isin([0.0, 1.0, 2.0, 3.0]).all()
    held = frame.loc[frame["variable"] == "summits_held", "value"].to_numpy()
    assert (held >= 0).all() and (np.diff(held) >= 0).all()


@SETTINGS
@given(sc=scenarios(), seed=seeds())
def test_state_stays_in_unit_interval_every_step(sc: Scenario, seed: int) -> None:
    model = DiplomacyModel(sc, seed=seed)
    for t in _steps(model):
        s = model.state
        mu = model.trust_matrix()
        for name, arr in (
            ("stance", s.stance), ("anchor", s.anchor), ("omega", s.omega), ("trust", mu), ("rapport", s.rapport),
            ("economic", s.economic), ("domestic", s.domestic), ("military", s.military), ("pressure", s.pressure),
            ("sanctions", s.sanctions), ("hostility", s.hostility), ("enforcement", s.enforcement),
            ("tension", np.array([s.tension])), ("zone_area", np.array([s.zone_area])),
        ):  # fmt: skip
            assert np.isfinite(arr).all(), (t, name, arr)
            assert ((arr >= 0) & (arr <= 1)).all(), (t, name, arr)
        assert np.isfinite(s.thresholds).all(), t


@SETTINGS
@given(sc=scenarios(), seed=seeds())
def test_each_sides_influence_sums_to_one_every_step(sc: Scenario, seed: int) -> None:
    """Sum over F_c and L_c of omega_k = 1 (MODEL.md §1), at the start and after every step."""
    model = DiplomacyModel(sc, seed=seed)
    sums = [model.state.omega[mem].sum() for mem in model.members]
    np.testing.assert_allclose(sums, 1.0, atol=1e-9, err_msg="at build")
    for t in _steps(model):
        sums = [model.state.omega[mem].sum() for mem in model.members]
        np.testing.assert_allclose(sums, 1.0, atol=1e-9, err_msg=f"after step {t}")


@SETTINGS
@given(sc=scenarios(), seed=seeds())
def test_influence_matrix_rows_sum_to_one_every_step(sc: Scenario, seed: int) -> None:
    model = DiplomacyModel(sc, seed=seed)
    np.testing.assert_allclose(np.asarray(model.W.sum(axis=1)).ravel(), 1.0, atol=1e-9, err_msg="at build")
    for t in _steps(model):
        W = model.W
        assert (W.data >= 0).all(), t
        np.testing.assert_allclose(np.asarray(W.sum(axis=1)).ravel(), 1.0, atol=1e-9, err_msg=f"after step {t}")


@SETTINGS
@given(sc=scenarios(), seed=seeds())
def test_event_log_steps_are_non_decreasing(sc: Scenario, seed: int) -> None:
    result = run_scenario(sc, seed=seed)
    steps = result.events["step"].to_numpy()
    assert (np.diff(steps) >= 0).all(), steps
    if steps.size:
        assert steps[0] >= 0 and steps[-1] < sc.time.steps
