"""Contrarian influence edges (docs/ODD.md 7.10): a negative weight moves the listener away from the speaker.

A contrarian entry of size w pulls its listener toward 1 - x_speaker: hand
tables for one step, the fixed point against the iteration (hypothesis, on
random signed graphs), the "if left alone" line of a scenario with a
contrarian edge, the opposite drift of a run, and bad weights refused with
the file and the line.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.errors import ScenarioError
from summitry.sim.mechanisms.influence import contrarian_mass, fj_fixed_point, fj_step, row_normalise
from summitry.sim.scenario.document import Scenario, load_raw, load_scenario, validate_data


@pytest.mark.parametrize(
    ("row", "x", "lam", "x0", "want"),
    [
        # listens half to itself (0.5), half against a speaker at 0.8: 0.5*0.5 + 0.5*(1 - 0.8) = 0.35
        ([0.5, -0.5], [0.5, 0.8], 1.0, 0.5, 0.35),
        # the same with stubbornness: 0.6*0.35 + 0.4*0.5 = 0.41
        ([0.5, -0.5], [0.5, 0.8], 0.6, 0.5, 0.41),
        # all against a speaker at 0: pulled to 1
        ([0.0, -1.0], [0.3, 0.0], 1.0, 0.3, 1.0),
        # a positive and a contrarian edge to speakers at 0.8: 0.25*0.2 + 0.25*0.8 + 0.5*(1 - 0.8) = 0.35
        ([0.25, 0.25, -0.5], [0.2, 0.8, 0.8], 1.0, 0.2, 0.35),
    ],
)
def test_one_step_by_hand(row: list[float], x: list[float], lam: float, x0: float, want: float) -> None:
    n = len(row)
    dense = np.eye(n)
    dense[0] = row
    W = sp.csr_matrix(dense)
    lam_v = np.array([lam] + [1.0] * (n - 1))
    x0_v = np.array([x0, *x[1:]])
    out = fj_step(W, np.array(x), x0_v, lam_v, contrarian=contrarian_mass(W))
    assert out[0] == pytest.approx(want, abs=1e-12)
    assert out[1:] == pytest.approx(x[1:])


@st.composite
def signed_graphs(draw: st.DrawFn) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 7))
    raw = np.zeros((n, n))
    for i in range(n):
        raw[i, i] = draw(st.floats(0.05, 1.0))
        for j in range(n):
            if i != j and draw(st.booleans()):
                raw[i, j] = draw(st.floats(0.05, 1.0)) * draw(st.sampled_from([-1.0, 1.0]))
    x0 = np.array([draw(st.floats(0.0, 1.0)) for _ in range(n)])
    lam = np.array([draw(st.floats(0.0, 0.95)) for _ in range(n)])
    return row_normalise(sp.csr_matrix(raw)), x0, lam


@settings(max_examples=60, deadline=None)
@given(signed_graphs())
def test_the_iteration_stays_on_the_scale_and_converges_to_the_fixed_point(case: tuple[sp.csr_matrix, np.ndarray, np.ndarray]) -> None:
    W, x0, lam = case
    assert np.allclose(np.abs(W).sum(axis=1), 1.0)
    c = contrarian_mass(W)
    x = x0.copy()
    for _ in range(400):
        # unclipped: a convex mix of stances and mirrored stances never leaves [0, 1]
        raw = lam * (W @ x + (c if c is not None else 0.0)) + (1 - lam) * x0
        assert np.all(raw >= -1e-12) and np.all(raw <= 1 + 1e-12)
        x = fj_step(W, x, x0, lam, contrarian=c)
    star = fj_fixed_point(W, x0, lam)
    assert np.all(star >= -1e-9) and np.all(star <= 1 + 1e-9)
    np.testing.assert_allclose(x, star, atol=1e-6)


def teaching(weight: float) -> Scenario:
    data, lines, source = load_raw("teaching")
    data = copy.deepcopy(data)
    for e in data["influence"]:
        if e["listener"] == "beta-reformers" and e["speaker"] == "beta-hardliners":
            e["weight"] = weight
    return validate_data(data, source, lines)


def test_a_scenario_contrarian_edge_enters_the_matrix_and_the_reference_line() -> None:
    model = DiplomacyModel(teaching(-0.2), seed=0)
    i, j = model.index_of["beta-reformers"], model.index_of["beta-hardliners"]
    assert model.W[i, j] < 0
    assert model._contrarian is not None and model._contrarian[i] == pytest.approx(-model.W[i, j])
    plain = DiplomacyModel(teaching(0.2), seed=0)
    assert plain._contrarian is None
    # the reference line is the fixed point of the model's own update (no inputs)
    s = model.state
    x = s.anchor.copy()
    lam = np.minimum(s.susceptibility, 0.999)
    for _ in range(3000):
        x = fj_step(model.W, x, s.anchor, lam, contrarian=model._contrarian)
    np.testing.assert_allclose(model.if_left_alone(), x, atol=1e-6)
    # listening against the hawkish hardliners leaves the reformers more dovish than listening to them
    assert model.if_left_alone()[i] < plain.if_left_alone()[i] - 0.01


def test_a_run_with_a_contrarian_edge_drifts_the_other_way() -> None:
    hardliners_stance = teaching(0.2).sides["beta"].factions
    hawk = next(f for f in hardliners_stance if f.id == "beta-hardliners")
    assert hawk.stance > 0.5  # the speaker is hawkish, so agreeing pulls up and contrarian pulls down
    ends = {}
    for w in (0.2, -0.2):
        model = DiplomacyModel(teaching(w), seed=5)
        i = model.index_of["beta-reformers"]
        for _ in range(8):
            model.step()
        ends[w] = float(model.state.stance[i])
    assert ends[-0.2] < ends[0.2]


@pytest.mark.parametrize(("value", "words"), [("0", "weight 0"), ("-1.5", "must be >= -1")])
def test_bad_edge_weights_name_the_file_and_line(tmp_path: Path, value: str, words: str) -> None:
    text = Path(load_raw("teaching")[2]).read_text(encoding="utf-8")
    old = "{listener: beta-reformers, speaker: beta-hardliners, weight: 0.2}"
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, old.replace("0.2", value)), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(bad))
    message = str(err.value)
    line = text[: text.index(old)].count("\n") + 1
    assert "bad.yaml" in message and f":{line}" in message and "weight" in message
    assert words in message
