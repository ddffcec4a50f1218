"""What a deal relieves (ODD 7.19): the side's pressure as far as the deal gives it what it wants, and each
pressure channel further as far as the deal's terms end that channel's source (a dimension that ``relieves`` it).

In the teaching case beta gives d and gains r. Declaring that d relieves the military pressure (a withdrawal, say)
makes a point that gives beta much d and little r worth more to beta, by exactly status_quo_weight x w_M x P^M x
(d - share), and leaves alpha (who gains d, so its share already reaches d) unchanged. Every number is computed by
hand from the state, not with the engine's helpers.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.scenario.document import load_raw, validate_data


def teaching(relieves: list[str] | None, beta_utility: dict[str, float] | None = None) -> DiplomacyModel:
    """The teaching case, with ``relieves`` on the dimension d (what beta gives) when given, under set pressures."""
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    if relieves is not None:
        data["issues"][0]["relieves"] = relieves
    if beta_utility is not None:
        data["sides"]["beta"]["utility"] = beta_utility
    model = DiplomacyModel(validate_data(data, source), seed=0)
    s = model.state
    s.military = np.array([0.3, 0.6])
    s.economic = np.array([0.0, 0.5])
    s.domestic = np.array([0.2, 0.1])
    model._update_pressure_aggregate()
    return model


def point(model: DiplomacyModel, d: float, r: float) -> int:
    return int(np.flatnonzero((np.abs(model.grid[:, 0] - d) < 1e-9) & (np.abs(model.grid[:, 1] - r) < 1e-9))[0])


@pytest.mark.parametrize(("d", "r"), [(0.8, 0.2), (1.0, 0.0), (0.3, 0.5), (0.2, 0.9)])
def test_terms_that_end_the_fighting_relieve_its_military_pressure_on_the_side_that_gives_them(d: float, r: float) -> None:
    plain, relieved = teaching(None), teaching(["military"])
    alpha, beta = (relieved.side_ids.index(x) for x in ("alpha", "beta"))
    q = point(relieved, d, r)
    p, s = relieved.params, relieved.state
    w = relieved.pressure_weights[beta]
    pressure = w[0] * 0.5 + w[1] * 0.1 + w[2] * 0.6
    assert s.pressure[beta] == pytest.approx(pressure, abs=1e-12)
    share = r  # beta gains r with weight 1: its share of what it wants is r itself
    by_hand = relieved.acceptance_value(beta, alpha)[q] + p.status_quo_weight * (pressure * share + w[2] * 0.6 * max(d - share, 0.0))
    assert relieved.deal_gain(beta, alpha)[q] == pytest.approx(by_hand, abs=1e-12)
    # against the plain case: the difference is the military relief the terms add, nothing else
    extra = p.status_quo_weight * w[2] * 0.6 * max(d - r, 0.0)
    assert relieved.deal_gain(beta, alpha)[q] - plain.deal_gain(beta, alpha)[q] == pytest.approx(extra, abs=1e-12)
    # alpha gains d itself, so its share already reaches how far d is delivered: no change for alpha
    assert relieved.deal_gain(alpha, beta)[q] == pytest.approx(plain.deal_gain(alpha, beta)[q], abs=1e-12)


def test_the_declared_channel_is_the_one_relieved() -> None:
    """Relieving the economic pressure instead: beta's economic pain (0.5) at its weight, not its military pain."""
    plain, relieved = teaching(None), teaching(["economic"])
    alpha, beta = (relieved.side_ids.index(x) for x in ("alpha", "beta"))
    q = point(relieved, 1.0, 0.0)
    w = relieved.pressure_weights[beta]
    extra = relieved.params.status_quo_weight * w[0] * 0.5 * 1.0
    assert relieved.deal_gain(beta, alpha)[q] - plain.deal_gain(beta, alpha)[q] == pytest.approx(extra, abs=1e-12)
    assert extra != pytest.approx(relieved.params.status_quo_weight * w[2] * 0.6, abs=1e-6)


@pytest.mark.parametrize("relieves", [None, ["military"]])
def test_the_share_is_of_the_most_the_side_could_gain(relieves: list[str] | None) -> None:
    """Beta gains r at weight 0.5, so the most it could gain is 0.5 and a point's share is 0.5 r / 0.5 = r, not 0.5 r
    (every side gains something somewhere: a file where it does not is refused, so the maximum is never 0)."""
    model = teaching(relieves, {"r": 0.5, "d": -1.0})
    alpha, beta = (model.side_ids.index(x) for x in ("alpha", "beta"))
    p, pressure = model.params, float(model.state.pressure[beta])
    w = model.pressure_weights[beta]
    for d, r in [(0.8, 0.2), (0.3, 0.5), (0.0, 1.0)]:
        q = point(model, d, r)
        assert model.gains[beta][q] == pytest.approx(0.5 * r, abs=1e-12)
        share = 0.5 * r / 0.5
        relief = pressure * share + (w[2] * 0.6 * max(d - share, 0.0) if relieves else 0.0)
        by_hand = model.acceptance_value(beta, alpha)[q] + p.status_quo_weight * relief
        assert model.deal_gain(beta, alpha)[q] == pytest.approx(by_hand, abs=1e-12)
