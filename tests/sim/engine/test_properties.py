"""Properties every valid scenario must keep, whatever hypothesis draws (tests/strategies.py).

Each property is its own test so that one broken invariant does not hide
another. Examples are kept few (the whole file runs in well under a minute).
"""

from __future__ import annotations

import copy
import math
import os

import numpy as np
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from strategies import scenario_data, scenarios, seeds

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.engine.recorder import AGENT_VARS, SIDE_VARS
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.results.run_result import OUTCOMES
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Scenario, load_raw, load_scenario, validate_data

# Shrinking a failing model run costs minutes (every candidate is a whole run), so it is off by default and
# the minimal cases found so far are kept as plain tests at the end of this file; set SUMMITRY_SHRINK=1 to shrink.
PHASES = tuple(Phase) if os.environ.get("SUMMITRY_SHRINK") else tuple(p for p in Phase if p not in (Phase.shrink, Phase.explain))
SETTINGS = settings(max_examples=35, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

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
    """Sum over F_c and L_c of omega_k = 1 (ODD 7.1-7.3), at the start and after every step."""
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


# ----------------------------------------------------------------------------- minimal reproductions of what the properties found


def _teaching_variant(edit) -> Scenario:
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    edit(data)
    return validate_data(data, source)


def _no_beta_factions(data) -> None:
    data["sides"]["beta"]["factions"] = []
    data["influence"] = [e for e in data["influence"] if not e["listener"].startswith("beta-") and not e["speaker"].startswith("beta-")]


def test_a_side_without_factions_gives_its_leader_all_the_influence() -> None:
    """Sum of omega over F_c and L_c is 1 (ODD 7.1-7.3): with no factions the leader alone ratifies.

    Fails while DiplomacyModel._build sets a faction-less leader's omega to its self_weight (.45 here):
    the side's win-set is then empty whenever self_weight < theta_c, so no deal can ever be ratified.
    """
    model = DiplomacyModel(_teaching_variant(_no_beta_factions), seed=0)
    beta = model.side_ids.index("beta")
    bo = model.index_of["bo"]
    assert model.state.omega[model.members[beta]].sum() == pytest.approx(1.0)
    # the win-set is the leader's own acceptance set
    leader_accepts = bg.acceptance(
        bg.member_utility(model.gains[beta], model.gives[beta], model.state.concession_weight[[bo]]), model.state.thresholds[[bo]]
    )[0]
    assert leader_accepts.any()
    assert model.state.win_sets[beta].tolist() == leader_accepts.tolist()


def _bo_listens_to_nobody(data) -> None:
    data["sides"]["beta"]["leader"]["self_weight"] = 1.0


def test_a_leader_who_listens_to_nobody_keeps_finite_state() -> None:
    """self_weight 1 leaves beta's factions a total omega of 0; vindicating them must not divide 0 by 0.

    Fails while DiplomacyModel._update_omega computes w / w.sum() * total with w.sum() == 0: omega
    becomes NaN, the NaN enters bo's row of W, and from the next step every stance on beta is NaN.
    """
    model = DiplomacyModel(_teaching_variant(_bo_listens_to_nobody), seed=0)
    beta_factions = [model.index_of["beta-hardliners"], model.index_of["beta-reformers"]]
    for _ in range(10):
        model.step()
        assert np.isfinite(model.state.omega).all(), model.week
        assert np.isfinite(model.state.stance).all(), model.week
        np.testing.assert_allclose(model.state.omega[beta_factions], 0.0)
        assert model.state.omega[model.index_of["bo"]] == pytest.approx(1.0)


def _ada_hears_only_muted_staff(data) -> None:
    alpha = data["sides"]["alpha"]
    alpha["leader"]["self_weight"] = 0.0
    alpha["leader"]["traits"]["impulsiveness"] = 1.0  # staff influence (1 - iota) = 0
    alpha["factions"][0]["role"] = "staff"
    data["influence"] = [e for e in data["influence"] if e["listener"] != "ada"]


def test_other_rows_of_W_never_change_when_leader_rows_are_rewritten() -> None:
    """Only leaders' rows of W change during a run, even when a leader's row has no weight at build."""
    for sc in (load_scenario("teaching"), _teaching_variant(_ada_hears_only_muted_staff)):
        model = DiplomacyModel(sc, seed=1)
        others = np.flatnonzero(~model.is_leader)
        start = model.W[others].toarray()
        structure = (model.W.indptr.copy(), model.W.indices.copy())
        for _ in range(8):
            model.step()
            np.testing.assert_array_equal(model.W[others].toarray(), start)
            assert (model.W.indptr.tolist(), model.W.indices.tolist()) == (structure[0].tolist(), structure[1].tolist())


def test_a_leader_row_without_weight_keeps_a_self_loop() -> None:
    """A leader with self_weight 0 whose only factions are muted staff listens to itself (row sums to 1).

    Fails while DiplomacyModel._refresh_leader_rows leaves a zero-sum leader row at zero after rewriting
    it (the build-time normalisation gives it a self-loop of 1; the first step wipes it).
    """
    model = DiplomacyModel(_teaching_variant(_ada_hears_only_muted_staff), seed=1)
    ada = model.index_of["ada"]
    assert model.W[ada].toarray()[0, ada] == 1.0
    for _ in range(5):
        model.step()
        np.testing.assert_allclose(np.asarray(model.W.sum(axis=1)).ravel(), 1.0, atol=1e-9)
