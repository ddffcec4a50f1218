"""The effect registry: one row per effect variable, and the forecast each row gives, valued by hand."""

from __future__ import annotations

import numpy as np
import pytest

from summitry.agents.policy import _effect_forecast
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms.effects import EFFECT_VARS, EFFECTS, PRESSURE_CHANNEL
from summitry.sim.mechanisms.signals import SignalKind
from summitry.sim.scenario.document import ScenarioError, load_scenario, validate_data
from tests.strategies import edited, member


def _kind(var: str, who: str = "receiver", delta: float = 0.2, roles: list[str] | None = None) -> SignalKind:
    return SignalKind.model_validate(
        {
            "label": "probe",
            "senders": ["leader"],
            "receiver": "other_leader",
            "cost": 0.0,
            "effects": [{"var": var, "who": who, "delta": delta, **({"roles": roles} if roles else {})}],
            "sentence": "{sender} probes {receiver}",
        }
    )


@pytest.fixture(scope="module")
def model() -> DiplomacyModel:
    return DiplomacyModel(load_scenario("hanoi-2019"), seed=0)


def _forecast(model: DiplomacyModel, kind: SignalKind) -> tuple[float, float, float]:
    """The forecast for the US leader sending ``kind`` to Kim (own side 0, receiving side 1)."""
    own, recv = np.array([0]), np.array([1])
    dz, dp, de = _effect_forecast(model, kind, own, recv, model.omega_by_role(), model.omega_by_role(stance_moved=True))
    return float(dz[0]), float(dp[0]), float(de[0])


def test_pressure_effects_coerce_by_the_channel_weight(model: DiplomacyModel) -> None:
    p = model.params
    w = model.pressure_weights[1]  # the DPRK's (economic, domestic, military) weights: .6, .1, .3
    assert w.tolist() == pytest.approx([0.6, 0.1, 0.3])
    for var, ch in (("pressure.economic", 0), ("pressure.domestic", 1), ("pressure.military", 2)):
        dz, dp, de = _forecast(model, _kind(var))
        # coercion: the zone widens by alpha_P w_ch d; the receiver's pressure rises by w_ch d
        assert dz == pytest.approx(p.alpha_p * w[ch] * 0.2)
        assert dp == pytest.approx(w[ch] * 0.2)
        assert de == 0.0
    # on the sender's own side the same effect widens the zone (its own coalition) but presses nobody abroad
    dz, dp, _ = _forecast(model, _kind("pressure.economic", who="sender"))
    assert dz == pytest.approx(p.alpha_p * model.pressure_weights[0, 0] * 0.2)  # the US weight on economic is 0
    assert dp == 0.0


def test_stance_and_threshold_effects_move_the_zone_by_the_roles_influence(model: DiplomacyModel) -> None:
    p = model.params
    dprk = model.members[1]
    hl = float(model.state.omega[dprk][model.roles[dprk] == "hardliner"].sum())
    dz, dp, de = _forecast(model, _kind("stance", roles=["hardliner"]))
    assert dz == pytest.approx(-p.alpha_x * 0.2 * hl)  # backlash: the receiver's hardliners harden
    assert (dp, de) == (0.0, 0.0)
    dz_anchor, _, _ = _forecast(model, _kind("anchor", roles=["hardliner"]))
    assert dz_anchor == pytest.approx(dz)
    dz_thr, _, _ = _forecast(model, _kind("threshold", roles=["hardliner"]))
    assert dz_thr == pytest.approx(-0.2 * hl)
    dz_dem, _, _ = _forecast(model, _kind("demand"))
    assert dz_dem == pytest.approx(-0.2)  # a demand narrows the zone one for one, whoever holds it


def test_stance_effects_skip_stated_thresholds_and_limits_shrink_what_an_effect_widens() -> None:
    """The DPRK's hardliners (the UFD) state their threshold outright (``stance_shift: false``) and the army (KPA)
    states a bound d <= 0.5 (11 of the 21 d-columns of the 21 x 21 grid: a share of 11/21). A stance effect on
    hardliners and military then moves only the army's threshold, times its share; a threshold effect moves both,
    the army's times its share."""

    def edit(data: dict) -> None:
        member(data, "ufd")["acceptance"]["stance_shift"] = False
        member(data, "kpa")["acceptance"]["bounds"] = {"d": [0.0, 0.5]}

    m = DiplomacyModel(edited("hanoi-2019", edit), seed=0)
    p = m.params
    ufd, kpa = m.index_of["ufd"], m.index_of["kpa"]
    w_ufd, w_kpa = float(m.state.omega[ufd]), float(m.state.omega[kpa])
    assert float(m.limit_share[kpa]) == pytest.approx(11 / 21) and float(m.limit_share[ufd]) == 1.0
    roles = ["hardliner", "military"]
    dz, _, _ = _forecast(m, _kind("stance", roles=roles))
    assert dz == pytest.approx(-p.alpha_x * 0.2 * w_kpa * 11 / 21, abs=1e-12)
    dz, _, _ = _forecast(m, _kind("threshold", roles=roles))
    assert dz == pytest.approx(-0.2 * (w_ufd + w_kpa * 11 / 21), abs=1e-12)
    # pressure lowers every member's threshold, so it widens the zone by the side's weight that can still move:
    # everyone in full but the army, whose 10/21 outside its bound stay shut (1 - w_kpa 10/21); what it adds to
    # the receiver's pressure does not depend on anyone's limits
    movable = 1 - w_kpa * 10 / 21
    assert movable == pytest.approx(1 - 0.15 * 10 / 21)  # the army weighs 0.15 of the side (0.25 of the circle, 0.6 of it)
    w = m.pressure_weights[1]
    for var, ch in (("pressure.economic", 0), ("pressure.military", 2)):
        dz, dp, _ = _forecast(m, _kind(var))
        assert dz == pytest.approx(p.alpha_p * w[ch] * 0.2 * movable, abs=1e-12)
        assert dp == pytest.approx(w[ch] * 0.2, abs=1e-12)
    dz, _, _ = _forecast(m, _kind("sanctions"))
    assert dz == pytest.approx(p.alpha_p * w[0] * 0.2 * (1 - m.state.leak[1]) * movable, abs=1e-12)


def test_sanctions_hostility_and_credit(model: DiplomacyModel) -> None:
    p = model.params
    s = model.state
    w = model.pressure_weights[1]
    dz, dp, de = _forecast(model, _kind("sanctions"))
    assert dz == pytest.approx(p.alpha_p * w[0] * 0.2 * (1 - s.leak[1]))  # what leaks does not press
    assert dp == pytest.approx(w[0] * 0.2 * (1 - s.leak[1]))
    dz, dp, de = _forecast(model, _kind("hostility"))
    assert (dz, de) == (0.0, pytest.approx(0.1))  # tension is the mean of the two hostilities
    assert dp == pytest.approx(w[2] * 0.1)
    _, dp, _ = _forecast(model, _kind("exercise_credit"))
    assert dp == pytest.approx(-w[2] * 0.2)


@pytest.mark.parametrize("var", [v for v, s in EFFECTS.items() if s.forecast == "none"])
def test_unforecast_effects_forecast_nothing(model: DiplomacyModel, var: str) -> None:
    assert _forecast(model, _kind(var)) == (0.0, 0.0, 0.0)


def test_the_registry_is_the_list_of_effect_variables() -> None:
    assert set(PRESSURE_CHANNEL) == {"pressure.economic", "pressure.domestic", "pressure.military"}
    assert len(EFFECT_VARS) == 14
    data = load_scenario("hanoi-2019").model_dump(mode="json", exclude_none=True)
    data["signals"]["trip_cancel"]["effects"][0]["var"] = "morale"
    with pytest.raises(ScenarioError) as err:
        validate_data(data, "case.yaml")
    assert "var" in str(err.value) and "'stance', 'anchor'" in str(err.value) and "'rapport'" in str(err.value)


def test_two_effects_of_one_kind_add_up_in_the_forecast(model: DiplomacyModel) -> None:
    """A kind raising its sender's hostility twice (0.1 and 0.2) forecasts the tension of both: 0.3 times the side's
    share of the tension, and each pressure effect's coercion likewise adds to the other's."""
    two = SignalKind.model_validate(
        {
            "label": "probe",
            "senders": ["leader"],
            "receiver": "other_leader",
            "effects": [
                {"var": "hostility", "who": "sender", "delta": 0.1},
                {"var": "hostility", "who": "sender", "delta": 0.2},
                {"var": "pressure.economic", "who": "receiver", "delta": 0.1},
                {"var": "pressure.military", "who": "receiver", "delta": 0.2},
            ],
            "sentence": "{sender} probes {receiver}",
        }
    )
    _, _, de_one = _forecast(model, _kind("hostility", who="sender", delta=0.1))
    dz, dp, de = _forecast(model, two)
    assert de_one > 0
    assert de == pytest.approx(3 * de_one)
    w = model.pressure_weights[1]
    share = float(model.tension_share[0])
    assert dp == pytest.approx(w[0] * 0.1 + w[2] * 0.2 + w[2] * 0.3 * share)
    mass = float(model.omega_by_role()(np.array([1]), None)[0])  # the weight of the DPRK members whose thresholds move
    assert dz == pytest.approx(model.params.alpha_p * (w[0] * 0.1 + w[2] * 0.2) * mass)
