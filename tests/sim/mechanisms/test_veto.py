"""Veto players (docs/ODD.md 7.16): a member whose rejection blocks its side's ratification.

Hand-valued on hanoi-2019's US coalition at week 0: Congress accepts q = (d, r)
iff d - g r >= b. A point the weighted vote carries but Congress rejects is in
the win-set without the veto and outside it with the veto; the leader-alone
ablation ignores vetoes; the smooth estimate the other leader uses goes to 0
there; a saved run redraws the same win-set; a bad value is refused with the
file and line.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.results.runview import win_sets_at
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Scenario, load_raw, validate_data


def hanoi(veto: bool) -> Scenario:
    data, lines, source = load_raw("hanoi-2019")
    data = copy.deepcopy(data)
    for f in data["sides"]["us"]["factions"]:
        if f["id"] == "congress":
            f["veto"] = veto
    return validate_data(data, source, lines)


def point(model: DiplomacyModel, d: float, r: float) -> int:
    dims = model.dims
    target = np.array([d if x == "d" else r for x in dims])
    return int(np.argmin(np.abs(model.grid - target).sum(axis=1)))


def test_a_veto_player_blocks_what_the_majority_would_ratify() -> None:
    plain = DiplomacyModel(hanoi(False), seed=0)
    vetoed = DiplomacyModel(hanoi(True), seed=0)
    us = plain.side_ids.index("us")
    congress = plain.index_of["congress"]
    s = plain.state
    b, g = float(s.thresholds[congress]), float(s.concession_weight[congress])
    # the same state both ways (the veto changes nothing before a summit's choice)
    assert vetoed.state.thresholds[congress] == pytest.approx(b)
    # by hand: Congress accepts (d, r) iff d - g r >= b
    q_in = point(plain, 0.6, 0.2)
    q_out = point(plain, 0.35, 0.5)
    assert 0.6 - g * 0.2 >= b and 0.35 - g * 0.5 < b
    # the weighted vote alone carries both points ...
    assert plain.state.win_sets[us][q_in] and plain.state.win_sets[us][q_out]
    # ... the veto keeps the one Congress accepts and drops the one it rejects
    assert vetoed.state.win_sets[us][q_in]
    assert not vetoed.state.win_sets[us][q_out]
    # and the vetoed win-set is exactly the plain one cut by Congress's half-plane
    accepts = plain.grid[:, plain.dims.index("d")] - g * plain.grid[:, plain.dims.index("r")] >= b - 1e-12
    assert np.array_equal(vetoed.state.win_sets[us], plain.state.win_sets[us] & accepts)
    assert vetoed.state.zone_area < plain.state.zone_area


def test_a_veto_player_who_accepts_everything_adds_nothing_to_the_win_set() -> None:
    """A veto only cuts: with Congress accepting every point, the vetoed win-set is the weighted vote's, not all points."""
    plain = DiplomacyModel(hanoi(False), seed=0)
    vetoed = DiplomacyModel(hanoi(True), seed=0)
    us = plain.side_ids.index("us")
    for model in (plain, vetoed):
        model.state.threshold0[model.index_of["congress"]] = -5.0
        model._recompute_bargaining()
    assert not plain.state.win_sets[us].all()
    assert np.array_equal(vetoed.state.win_sets[us], plain.state.win_sets[us])


def test_the_leader_alone_ablation_ignores_vetoes() -> None:
    alone = DiplomacyModel(hanoi(True), seed=0, ablations=("leader_alone",))
    us = alone.side_ids.index("us")
    assert alone.vetoes(us).size == 0
    trump = alone.index_of["trump"]
    s = alone.state
    own = bg.acceptance(bg.member_utility(alone.gains[us], alone.gives[us], s.concession_weight[[trump]]), s.thresholds[[trump]])[0]
    assert np.array_equal(s.win_sets[us], own)


def test_the_other_leader_estimates_a_vetoed_point_as_unratifiable() -> None:
    plain = DiplomacyModel(hanoi(False), seed=0)
    vetoed = DiplomacyModel(hanoi(True), seed=0)
    us = plain.side_ids.index("us")
    congress = plain.index_of["congress"]
    s = plain.state
    d, r = plain.grid[:, plain.dims.index("d")], plain.grid[:, plain.dims.index("r")]
    margin = d - s.concession_weight[congress] * r - s.thresholds[congress]
    # same seed, same perception draws: only the veto differs
    p_plain = plain.perceived_acceptance(us)
    p_veto = vetoed.perceived_acceptance(us)
    # where the vote likely carries but Congress surely rejects, the veto takes the estimate to zero
    q = int(np.argmax(np.where(margin < -0.3, p_plain, -1.0)))
    assert p_plain[q] > 0.5
    assert p_veto[q] < 0.1 * p_plain[q]
    # where Congress surely accepts, the veto changes the estimate little; it never raises one
    sure = margin > 0.3
    assert np.allclose(p_veto[sure], p_plain[sure], atol=0.05)
    assert np.all(p_veto <= p_plain + 1e-12)


def test_a_saved_run_redraws_the_vetoed_win_set() -> None:
    result = run_scenario(hanoi(True), seed=3, steps=6)
    assert result.manifest["bargaining"]["sides"]["us"]["vetoes"] == ["congress"]
    model = DiplomacyModel(hanoi(True), seed=3, steps=6)
    while model.running:
        model.step()
    _grid, sets = win_sets_at(result, 5)
    assert np.array_equal(sets["us"], model.state.win_sets[model.side_ids.index("us")])
    plain = run_scenario(hanoi(False), seed=3, steps=6)
    assert "vetoes" not in plain.manifest["bargaining"]["sides"]["us"]


def test_a_bad_veto_value_names_the_file_and_line(tmp_path: Path) -> None:
    from summitry.sim.errors import ScenarioError
    from summitry.sim.scenario.document import load_scenario

    text = Path(load_raw("hanoi-2019")[2]).read_text(encoding="utf-8")
    old = "{id: congress, name: Congress, role: ratifier,"
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, old + " veto: maybe,"), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(bad))
    message = str(err.value)
    assert "bad.yaml" in message and "veto" in message
    line = text[: text.index(old)].count("\n") + 1
    assert f":{line}" in message
