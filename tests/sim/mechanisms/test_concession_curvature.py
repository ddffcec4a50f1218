"""A side's curved cost of giving (docs/ODD.md 7.1): gives_c(q) = sum_{w < 0} w q^gamma_c.

One curve a side: every member's acceptance, the leader's deal utility and
the exposure the commitment value prices (7.19) all read the same gives_c.
Values by hand on hanoi-2019, where the DPRK's curvature is 2 and the
US's 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.errors import ParameterError, ScenarioError
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.results.runview import run_view, win_sets_at
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario

US, DPRK = 0, 1
SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def at(model: DiplomacyModel, d: float, r: float) -> int:
    return int(np.flatnonzero(np.isclose(model.grid[:, 0], d) & np.isclose(model.grid[:, 1], r))[0])


def test_the_dprk_gives_d_squared_and_the_us_gives_r_in_proportion() -> None:
    sc = load_scenario("hanoi-2019")
    assert (sc.sides["dprk"].concession_curvature, sc.sides["us"].concession_curvature) == (2.0, 1.0)
    model = DiplomacyModel(sc, seed=0)
    q = at(model, 0.35, 0.5)  # Yongbyon for the civilian-economy sanctions
    # DPRK (r: +1, d: -1): gains 0.5, gives -(0.35^2) = -0.1225; no safeguard on d, so all of it is exposed
    assert model.gains[DPRK][q] == pytest.approx(0.5)
    assert model.gives[DPRK][q] == pytest.approx(-0.1225)
    assert model.exposure[DPRK][q] == pytest.approx(0.1225)
    # US (d: +1, r: -1), linear: gains 0.35, gives -0.5, exposure 0.5
    assert (model.gains[US][q], model.gives[US][q], model.exposure[US][q]) == pytest.approx((0.35, -0.5, 0.5))
    # a DPRK member with concession weight 1.5 (the army): u = 0.5 - 1.5 * 0.1225 = 0.31625 (linear: -0.025)
    assert bg.member_utility(model.gains[DPRK], model.gives[DPRK], np.array([1.5]))[0, q] == pytest.approx(0.31625)
    # the leader's deal utility: U = 0.5 - beta * 0.1225, beta = deal_weight (1/2 + x_L) = 1 at Kim's stance 0.5
    kim = int(model.leader_of[DPRK])
    beta = model.params.deal_weight * (0.5 + float(model.state.stance[kim]))
    assert model.deal_utility(DPRK)[q] == pytest.approx(0.5 - beta * 0.1225)


def test_curvature_one_is_the_linear_model_and_can_be_set_per_run() -> None:
    linear = DiplomacyModel(load_scenario("hanoi-2019", {"dprk.concession_curvature": 1.0}), seed=0)
    q = at(linear, 0.35, 0.5)
    assert linear.gives[DPRK][q] == pytest.approx(-0.35)
    assert linear.exposure[DPRK][q] == pytest.approx(0.35)
    # everywhere on the grid: gives = -d exactly, as the plain split of the weights
    assert np.array_equal(linear.gives[DPRK], bg.split_utility(linear.grid, [-1.0, 1.0])[1])
    # the curve widens what the DPRK ratifies at the start: every point its linear win-set holds, and more
    curved = DiplomacyModel(load_scenario("hanoi-2019"), seed=0)
    ws_lin, ws_cur = linear.state.win_sets[DPRK], curved.state.win_sets[DPRK]
    assert ws_lin.sum() < ws_cur.sum() and not (ws_lin & ~ws_cur).any()


def test_a_saved_run_records_the_curve_and_redraws_the_engines_win_sets() -> None:
    result = run_scenario(load_scenario("hanoi-2019"), seed=3, steps=3)
    sides = result.manifest["bargaining"]["sides"]
    assert sides["dprk"]["curvature"] == 2.0 and "curvature" not in sides["us"]
    view = run_view(result)
    for step in (0, 2):
        _, ws = win_sets_at(result, step)
        assert float(ws["dprk"].mean()) == pytest.approx(view.at("win_set_area", "dprk", step), abs=1e-12)
    # a redraw that forgot the curve would draw another set
    del sides["dprk"]["curvature"]
    _, flat = win_sets_at(result, 0)
    assert float(flat["dprk"].mean()) != pytest.approx(view.at("win_set_area", "dprk", 0), abs=1e-12)


@pytest.mark.parametrize("bad", [0.1, 5.0])
def test_a_curvature_set_out_of_bounds_names_the_path_and_the_bounds(bad: float) -> None:
    with pytest.raises(ParameterError, match=rf"--set dprk.concession_curvature: must be within \[0.25, 4\] \(got {bad}\)"):
        load_scenario("hanoi-2019", {"dprk.concession_curvature": bad})


def test_a_curvature_out_of_bounds_in_a_file_names_the_file_field_and_line(tmp_path: Path) -> None:
    text = (SCENARIOS / "hanoi-2019.yaml").read_text()
    bad = text.replace("    concession_curvature: 2.0\n", "    concession_curvature: 9\n")
    line = bad.splitlines().index("    concession_curvature: 9") + 1
    path = tmp_path / "curved.yaml"
    path.write_text(bad)
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(path))
    assert f"{path}:{line}: sides.dprk.concession_curvature: " in str(err.value)
