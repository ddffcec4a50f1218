"""A leader's rapport built before step 0 (scenario field ``leader.rapport``, ODD 7.8): where it lands and what it moves."""

from __future__ import annotations

import pytest

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms import trust as tr
from summitry.sim.scenario.document import load_raw, validate_data


def hanoi(rapport: dict[str, float] | None) -> DiplomacyModel:
    raw, _, source = load_raw("hanoi-2019")
    if rapport is not None:
        raw["sides"]["us"]["leader"]["rapport"] = rapport
    return DiplomacyModel(validate_data(raw, source), seed=3)


def test_initial_rapport_sits_in_the_leaders_row_toward_the_named_side_only() -> None:
    m = hanoi({"dprk": 0.6})
    trump, kim = (int(m.leader_of[m.side_ids.index(s)]) for s in ("us", "dprk"))
    dprk, us = m.side_ids.index("dprk"), m.side_ids.index("us")
    assert m.state.rapport[trump, dprk] == 0.6
    assert m.state.rapport[kim, us] == 0.0  # rapport is one leader's, not mutual unless both files say so
    assert m.state.rapport.sum() == pytest.approx(0.6)
    assert hanoi(None).state.rapport.sum() == 0.0  # the default: none


def test_initial_rapport_enters_the_declaration_and_the_breach_discount() -> None:
    """theta_rapport x R in the declaration's value (7.19), and the discount of a touted pledge's breach (7.6), by hand."""
    with_r, without = hanoi({"dprk": 0.6}), hanoi(None)
    us = with_r.side_ids.index("us")
    theta = with_r.params.theta_rapport
    gap = with_r.declaration_values(upcoming=True)[us] - without.declaration_values(upcoming=True)[us]
    assert gap == pytest.approx(theta * 0.6) == pytest.approx(0.18)
    # a touted pledge's breach, read by an ego-0.8 leader with rapport 0.6: -kappa_b p (1 - 0.8 x 0.6 / 2)
    kappa_b, p = with_r.params.kappa_b, 0.2
    assert float(tr.breach_shift(kappa_b, p, 0.8, 0.6, True)) == pytest.approx(-kappa_b * p * (1 - 0.24))


def test_stated_rapport_is_a_parameter_sweeps_and_set_can_move(tmp_path, cli) -> None:
    import yaml

    raw, _, _ = load_raw("hanoi-2019")
    raw["sides"]["us"]["leader"]["rapport"] = {"dprk": 0.2}
    path = tmp_path / "h.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    from summitry.sim.scenario.overrides import parameter_map

    info = parameter_map(validate_data(raw, str(path)))["trump.rapport.dprk"][1]
    assert (info.value, info.low, info.high) == (0.2, 0.0, 1.0) and info.description == "Initial rapport with dprk's leader."
    out = tmp_path / "run"
    assert cli("run", str(path), "--seed", "3", "--steps", "1", "--set", "trump.rapport.dprk=0.7", "--out", str(out), "-q").code == 0
    import json

    assert json.loads((out / "run.json").read_text())["overrides"] == {"trump.rapport.dprk": 0.7}
    import pandas as pd

    series = pd.read_parquet(out / "series.parquet")
    first = series[(series["agent"] == "trump") & (series["variable"] == "rapport_dprk")].sort_values("step")["value"].iloc[0]
    assert 0.7 <= first <= 0.7 + 0.1 * 0.8  # rapport only rises, by at most one praise (0.1 x ego 0.8) in the first week
    bad = cli("run", str(path), "--steps", "1", "--set", "trump.rapport.dprk=1.2")
    assert bad.code == 2 and "trump.rapport.dprk" in bad.stderr
