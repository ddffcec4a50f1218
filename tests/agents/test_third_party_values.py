"""What each third party and faction weighs (ODD 7.16), as hand-computed tables on hanoi-2019.

hanoi-2019's third parties, in actor order: South Korea (mediator, position 0.4, stake 0.9), China (patron of the
DPRK, position 0.8) and Russia (patron of the DPRK, position 0.85); the DPRK sits at position 1. The state each
value reads (pressure, stances, trust, the zone of agreement, the summit's status) is set by hand below, so that
every expected number is plain arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest

from summitry.agents.faction import LOBBY_GAIN, Faction
from summitry.agents.third_party import ThirdParty
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.scenario.document import load_scenario


@pytest.fixture
def model() -> DiplomacyModel:
    m = DiplomacyModel(load_scenario("hanoi-2019"), seed=0)
    s = m.state
    us, dprk = m.side_ids.index("us"), m.side_ids.index("dprk")
    s.pressure[dprk] = 0.5
    s.pressure[us] = 0.25
    s.stance[m.index_of["rok"]] = 0.2
    s.stance[m.index_of["prc"]] = 0.6
    s.stance[m.index_of["rus"]] = 0.4
    s.zone_area = 0.25
    m.summit.status = "none"
    return m


def _rows(m: DiplomacyModel) -> np.ndarray:
    return np.array([m.index_of[k] for k in ("rok", "prc", "rus")])


def test_a_patron_summit_relieves_the_clients_pressure_by_how_close_the_patron_is(model: DiplomacyModel) -> None:
    """closeness (1 - |position - client's|) x theta_P x the client's pressure - cost, with theta_P set to 2: China
    0.8 x 2 x 0.5 - 0.1, Russia 0.85 x 2 x 0.5 - 0.1; the mediator has no client and does not act on it (-inf)."""
    kind = model.catalogue["patron_summit"]
    assert kind.cost == pytest.approx(0.1)
    model.params = model.params.model_copy(update={"theta_p": 2.0})
    got = ThirdParty.value(model, kind, _rows(model), model.trust_matrix())
    np.testing.assert_allclose(got, [-np.inf, 0.8 * 2 * 0.5 - 0.1, 0.85 * 2 * 0.5 - 0.1], rtol=1e-12)


@pytest.mark.parametrize(("status", "extra"), [("none", 0.0), ("scheduled", 0.2)])
def test_interference_is_the_patrons_hawkishness_by_closeness_more_before_a_scheduled_summit(
    model: DiplomacyModel, status: str, extra: float
) -> None:
    """closeness x own stance x 0.5 (+ 0.2 while a summit is scheduled) - 0.2: China 0.8 x 0.6 x 0.5, Russia
    0.85 x 0.4 x 0.5."""
    model.summit.status = status
    kind = model.catalogue["interference"]
    assert kind.cost == 0
    got = ThirdParty.value(model, kind, _rows(model), model.trust_matrix())
    np.testing.assert_allclose(got, [-np.inf, 0.8 * 0.6 * 0.5 + extra - 0.2, 0.85 * 0.4 * 0.5 + extra - 0.2], rtol=1e-12)


def test_a_patron_of_the_first_side_acts_on_it_too(model: DiplomacyModel) -> None:
    """A client is any side, the first (index 0) included: China made a patron of the US (position 0) is 1 - 0.8
    close to it and relieves its pressure 0.25."""
    prc = model.tp_index[model.index_of["prc"]]
    model.tp_client = model.tp_client.copy()
    model.tp_client[prc] = model.side_ids.index("us")
    got = ThirdParty.value(model, model.catalogue["patron_summit"], _rows(model), model.trust_matrix())
    assert got[1] == pytest.approx((1 - 0.8) * 0.25 - 0.1, abs=1e-12)


def test_mediation_by_hand(model: DiplomacyModel) -> None:
    """theta_T kappa_m 0.2 x max(gap, 0) + 0.3 stake (1 - zone) + 0.2 (1 - stance) - cost, where the gap is how much
    more the mediator trusts each side than the other side's leader does: (0.6 - 0.2) + (0.5 - 0.4)."""
    us, dprk = model.side_ids.index("us"), model.side_ids.index("dprk")
    rok, trump, kim = (model.index_of[k] for k in ("rok", "trump", "kim"))
    mu = model.trust_matrix().copy()
    mu[rok, dprk], mu[trump, dprk], mu[rok, us], mu[kim, us] = 0.6, 0.2, 0.5, 0.4
    kind = model.catalogue["mediation"]
    p = model.params
    want = p.theta_t * p.kappa_m * 0.2 * 0.5 + 0.3 * 0.9 * (1 - 0.25) + 0.2 * (1 - 0.2) - kind.cost
    assert want == pytest.approx(0.05 + 0.2025 + 0.16 - 0.05)
    got = ThirdParty.value(model, kind, _rows(model), mu)
    assert got[0] == pytest.approx(want, abs=1e-12)
    # a mediator that already trusts less than the leaders has nothing to relay: the gap counts from 0
    mu[rok, dprk], mu[rok, us] = 0.1, 0.1
    assert ThirdParty.value(model, kind, _rows(model), mu)[0] == pytest.approx(want - p.theta_t * p.kappa_m * 0.2 * 0.5, abs=1e-12)


@pytest.mark.parametrize("name", ["praise", "threat", "summit_offer"])
def test_a_kind_no_third_party_acts_on_is_worth_minus_infinity(model: DiplomacyModel, name: str) -> None:
    got = ThirdParty.value(model, model.catalogue[name], _rows(model), model.trust_matrix())
    assert got.dtype == np.float64
    assert np.all(np.isneginf(got))


@pytest.mark.parametrize(
    ("stance", "leader", "want"),
    [([0.9, 0.5, 0.2], [0.5, 0.5, 0.6], [0.4, 0.0, 0.4]), ([0.0, 1.0], [1.0, 0.25], [1.0, 0.75])],
)
def test_lobbying_is_worth_the_gain_times_the_distance_to_the_leader(stance: list, leader: list, want: list) -> None:
    got = Faction.lobby_value(np.array(stance), np.array(leader))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, LOBBY_GAIN * np.array(want), rtol=1e-12, atol=1e-15)
