"""A mediator who drafts, and summits of several rounds, by hand (docs/ODD.md 7.19; docs/scenarios.md).

The scenario's ``summit.mediator`` tables a single negotiating text at every
round: the point maximising the sides' acceptances, weighted by its bias
(:func:`summitry.sim.mechanisms.bargaining.single_text`). ``summit.rounds`` repeats the
offers within the summit's step; between rounds the mediator presses each
side that refused its text (domestic pressure up by ``mediator_press`` times
its stake). Each test fixes the inputs so that the expected text, the
signed point or the pressure follows by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.errors import ScenarioError
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.mechanisms import trust as tr
from summitry.sim.scenario.document import Scenario, load_raw
from tests.strategies import edited, logged, summit_ready

US, DPRK = 0, 1  # hanoi-2019's summit sides, in order
TAU = 0.1  # the acceptance estimates' temperature: sigma_W at its default


def with_mediator(rounds: int = 1, position: float | None = None, **params: float) -> DiplomacyModel:
    """hanoi-2019 with South Korea drafting (position 0.4, stake 0.9 unless changed), at week 0."""

    def edit(data: dict[str, Any]) -> None:
        data["summit"]["mediator"] = "rok"
        data["summit"]["rounds"] = rounds
        if position is not None:
            next(t for t in data["third_parties"] if t["id"] == "rok")["position"] = position
        data.setdefault("parameters", {}).update(params)

    return summit_ready(edited("hanoi-2019", edit))


def at(model: DiplomacyModel, d: float, r: float) -> int:
    return int(np.flatnonzero(np.isclose(model.grid[:, 0], d) & np.isclose(model.grid[:, 1], r))[0])


def rig(model: DiplomacyModel, gains: dict[int, dict[int, float]], ratify: float = 1.0) -> dict[tuple[int, int], np.ndarray]:
    """Fix each leader's gain ({side: {point: gain}}, -1 elsewhere), win-sets that hold everything, a perfect
    estimate of the other side's win-set, and the mediator's estimate of each side's ratification (``ratify`` everywhere)."""
    G = model.grid.shape[0]
    table = {}
    for c in (US, DPRK):
        g = np.full(G, -1.0)
        for q, v in gains[c].items():
            g[q] = v
        table[c] = g
    model.state.win_sets = np.ones((2, G), dtype=bool)
    model.deal_gain = lambda c, o: table[c]  # type: ignore[method-assign]
    model.perceived_acceptance = lambda c: model.state.win_sets[c].astype(float)  # type: ignore[method-assign]
    model.estimated_ratification = lambda c, tau: np.full(G, ratify)  # type: ignore[method-assign]
    return {(US, DPRK): table[US], (DPRK, US): table[DPRK]}


def gain_for(acceptance: float) -> float:
    """The gain whose acceptance estimate expit(gain / tau) is ``acceptance``."""
    return TAU * float(tr.logit(acceptance))


def events(model: DiplomacyModel, kind: str) -> list[dict]:
    return [e for e in model.events if e["kind"] == kind]


# ------------------------------------------------------------------ the text


def test_an_even_handed_text_maximises_the_product_of_the_acceptances() -> None:
    acc = np.array([[0.9, 0.6, 0.2], [0.2, 0.6, 0.9]])
    # products 0.18, 0.36, 0.18: the middle point, which neither side likes best
    assert bg.single_text(acc, np.array([0.5, 0.5])) == 1


def test_a_text_no_side_could_take_is_not_tabled() -> None:
    assert bg.single_text(np.array([[0.9, 0.9], [0.0005, 0.0]]), np.array([0.5, 0.5])) is None
    # the floor itself (an acceptance of 1e-3) is reached: that point can be tabled
    assert bg.single_text(np.array([[0.9, 0.9], [0.0005, 1e-3]]), np.array([0.5, 0.5])) == 1


@settings(max_examples=60, deadline=None)
# equal columns must tie exactly whatever the weights' scale (a matrix product once broke this tie by one ulp)
@example(acc=[[0.0, 0.0, 0.0, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 0.5, 0.5, 0.0]], w=0.25, scale=0.3984375)
@given(
    acc=st.lists(st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6), min_size=2, max_size=2),
    w=st.floats(0.05, 0.95),
    scale=st.floats(0.1, 10.0),
)
def test_the_text_beats_every_point_both_could_take_and_ignores_the_weights_scale(acc: list, w: float, scale: float) -> None:
    a = np.array(acc)
    weights = np.array([w, 1 - w])
    q = bg.single_text(a, weights)
    reachable = (a >= 1e-3).all(axis=0)
    if q is None:
        assert not reachable.any()
        return
    assert reachable[q]
    score = weights @ np.log(np.maximum(a, 1e-3))
    assert score[q] >= score[reachable].max() - 1e-12
    assert bg.single_text(a, weights * scale) == q


def test_the_mediator_leans_to_the_side_its_position_is_closer_to() -> None:
    # two candidate texts: qa is 0.9 / 0.3 likely to be accepted by the US / the DPRK, qb the reverse
    for position, favoured in ((0.4, "qa"), (0.6, "qb")):
        model = with_mediator(position=position)
        qa, qb = at(model, 0.6, 0.2), at(model, 0.3, 0.5)
        gains = rig(model, {US: {qa: gain_for(0.9), qb: gain_for(0.3)}, DPRK: {qa: gain_for(0.3), qb: gain_for(0.9)}})
        # closeness 1 - |position - side's position|: (0.6, 0.4) at 0.4, so qa scores 0.6 log 0.9 + 0.4 log 0.3 = -0.545
        # against qb's 0.6 log 0.3 + 0.4 log 0.9 = -0.765; at 0.6 the weights and the choice swap
        assert model.mediator_text(gains) == {"qa": qa, "qb": qb}[favoured]


def test_without_a_mediator_there_is_no_text() -> None:
    model = DiplomacyModel(edited("hanoi-2019"), seed=0)
    assert model.summit_mediator == -1
    G = model.grid.shape[0]
    assert model.mediator_text({(US, DPRK): np.ones(G), (DPRK, US): np.ones(G)}) is None


# ------------------------------------------------------------------ the text at the summit


def test_the_text_is_signed_when_both_sides_take_it_though_each_refuses_the_others_offer() -> None:
    model = with_mediator()
    q_us, q_k, q_text = at(model, 0.8, 0.0), at(model, 0.0, 0.8), at(model, 0.4, 0.3)
    # each leader's own offer is worth -1 to the other; the text is worth 0.1 to both, but each leader believes the
    # other side would not ratify it (the mediator, who reads both, knows better)
    rig(model, {US: {q_us: 0.5, q_text: 0.1}, DPRK: {q_k: 0.5, q_text: 0.1}})
    doubt = np.ones(model.grid.shape[0])
    doubt[q_text] = 0.0
    model.perceived_acceptance = lambda c: doubt  # type: ignore[method-assign]
    model._hold_summit(model.week)
    assert model.agreement is not None and {k: model.agreement[k] for k in ("type", "week", "point")} == {
        "type": "interim",
        "week": model.week,
        "point": pytest.approx({"d": 0.4, "r": 0.3}),
    }
    refusals = events(model, "offer_rejected")
    assert sorted((e["sender"], e["receiver"]) for e in refusals) == [("kim", "trump"), ("trump", "kim")]
    assert not [e for e in refusals if e["sender"] == "rok"]
    # the signed point is the mediator's text, and the log says so before the agreement
    signed = events(model, "text_signed")
    assert [(e["sender"], e["receiver"], e["detail"]) for e in signed] == [("rok", "trump", "d=0.40, r=0.30")]
    kinds = [e["kind"] for e in model.events]
    assert kinds.index("text_signed") == kinds.index("agreement") - 1


def test_a_text_one_side_finds_not_worth_the_risk_is_refused_by_that_side_alone() -> None:
    model = with_mediator(p_blame=0.0)
    q_text = at(model, 0.4, 0.3)
    # the text is worth 0.2 to the US and -0.02 to the DPRK: the mediator's estimate for the DPRK is expit(-0.2) = 0.45,
    # still the best product on the grid (-1 elsewhere), and the DPRK refuses it
    rig(model, {US: {q_text: 0.2}, DPRK: {q_text: -0.02}})
    model._hold_summit(model.week)
    assert model.agreement is None
    from_rok = [e for e in events(model, "offer_rejected") if e["sender"] == "rok"]
    assert [(e["receiver"], e["detail"]) for e in from_rok] == [("kim", "d=0.40, r=0.30; not worth the risk: -0.02 against no deal")]
    assert events(model, "text_signed") == []  # a refused text is not signed


# ------------------------------------------------------------------ rounds and pressure


def test_between_rounds_the_mediator_presses_the_side_that_refused_its_text() -> None:
    model = with_mediator(rounds=2, p_blame=0.0)
    q_text = at(model, 0.4, 0.3)
    rig(model, {US: {q_text: 0.2}, DPRK: {q_text: -0.02}})
    s = model.state
    before = (s.domestic.copy(), s.pressure.copy(), s.thresholds.copy())
    after: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    press_sides = model._mediator_presses

    def press_and_look(t: int, sides: set[int]) -> None:
        press_sides(t, sides)
        after.append((s.domestic.copy(), s.pressure.copy(), s.thresholds.copy()))

    model._mediator_presses = press_and_look  # type: ignore[method-assign]
    model._hold_summit(model.week)
    press = model.params.mediator_press * 0.9  # rok's stake
    assert [(e["sender"], e["receiver"], e["detail"]) for e in events(model, "mediator_press")] == [("rok", "kim", f"{press:.3f}")]
    assert [e["detail"] for e in events(model, "summit_round")] == ["2"]
    (domestic0, pressure0, thresholds0), [(domestic1, pressure1, thresholds1)] = before, after
    assert domestic1[DPRK] == pytest.approx(domestic0[DPRK] + press)
    assert domestic1[US] == domestic0[US]
    dp = float(model.pressure_weights[DPRK, 1]) * press
    assert pressure1[DPRK] == pytest.approx(pressure0[DPRK] + dp)
    # coercion: every DPRK member's threshold falls by alpha_P times the pressure added; the US's do not move
    kim_side, us_side = model.members[DPRK], model.members[US]
    np.testing.assert_allclose(thresholds1[kim_side], thresholds0[kim_side] - model.params.alpha_p * dp, atol=1e-12)
    np.testing.assert_allclose(thresholds1[us_side], thresholds0[us_side], atol=1e-12)
    # the text was tabled, and refused by the DPRK, in both rounds
    assert len([e for e in events(model, "offer_rejected") if e["sender"] == "rok"]) == 2


def test_the_press_is_logged_at_the_summit_capped_at_full_pressure_and_absent_at_zero() -> None:
    """Direct calls: a press of 0.9 x mediator_press on a side at domestic pressure 0.99 leaves it at 1, not above;
    with mediator_press 0 nothing is pressed and nothing logged."""
    model = with_mediator(rounds=2)
    model.state.domestic[DPRK] = 0.99
    model._mediator_presses(3, {DPRK})
    assert model.state.domestic[DPRK] == 1.0
    press = model.params.mediator_press * 0.9
    assert logged(model, "mediator_press") == [(3, "rok", "kim", "summit", f"{press:.3f}")]
    idle = with_mediator(rounds=2, mediator_press=0.0)
    domestic = idle.state.domestic.copy()
    idle._mediator_presses(3, {US, DPRK})
    assert events(idle, "mediator_press") == []
    np.testing.assert_array_equal(idle.state.domestic, domestic)


def test_one_round_means_no_press_and_no_second_round() -> None:
    # a declaration closes the summit (declaring beats walking for both; the declaration's floor of trust at 0): the
    # DPRK's domestic pressure (an elite side's, which a success does not reset) is what the round left it
    model = with_mediator(rounds=1, p_blame=0.0, trust_decl=0.0)
    q_text = at(model, 0.4, 0.3)
    rig(model, {US: {q_text: 0.2}, DPRK: {q_text: -0.02}})
    domestic = model.state.domestic.copy()
    model.summit_values = lambda rejected=frozenset(), gains=None: {US: (0.0, 1.0), DPRK: (0.0, 1.0)}  # type: ignore[method-assign]
    model._hold_summit(model.week)
    assert events(model, "mediator_press") == [] and events(model, "summit_round") == []
    assert model.state.domestic[DPRK] == domestic[DPRK]


def test_a_second_round_can_sign_what_the_first_refused() -> None:
    # the DPRK refuses the text in round 1; the press changes nothing in the rigged gains, so round 2 refuses again, unless
    # the gains answer the press: here the rigged gain of the text to the DPRK rises with the DPRK's domestic pressure
    model = with_mediator(rounds=2, p_blame=0.0)
    q_text = at(model, 0.4, 0.3)
    gains = rig(model, {US: {q_text: 0.2}, DPRK: {q_text: -0.02}})
    base = float(model.state.domestic[DPRK])

    def dprk_gain(c: int, o: int) -> np.ndarray:
        g = gains[(c, o)].copy()
        if c == DPRK:
            g[q_text] = -0.02 + (float(model.state.domestic[DPRK]) - base)  # +0.045 after the press
        return g

    model.deal_gain = dprk_gain  # type: ignore[method-assign]
    model._hold_summit(model.week)
    assert model.agreement is not None and model.agreement["point"] == pytest.approx({"d": 0.4, "r": 0.3})
    assert [e["detail"] for e in events(model, "summit_round")] == ["2"]


# ------------------------------------------------------------------ bad input


def _write(tmp_path: Path, edit: Any) -> Path:
    data, _, _ = load_raw("hanoi-2019")
    edit(data)
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda d: d["summit"].update(mediator="moon"), "summit.mediator: 'moon' is not a third party"),
        (lambda d: d["summit"].update(mediator="prc"), "summit.mediator: 'prc' is a patron, not a mediator"),
        (lambda d: d["summit"].update(rounds=0), "summit.rounds"),
        (lambda d: d["summit"].update(rounds=11), "summit.rounds"),
    ],
)
def test_a_bad_mediator_or_round_count_is_refused_with_exit_2(tmp_path: Path, cli, edit: Any, fragment: str) -> None:
    path = _write(tmp_path, edit)
    r = cli("validate", str(path))
    assert r.code == 2
    assert fragment in r.stderr
    assert f"{path}:" in r.stderr  # the file and its line
    assert "Traceback" not in r.stderr


def test_the_scenario_loader_refuses_a_patron_as_mediator() -> None:
    with pytest.raises(ScenarioError, match="is a patron, not a mediator"):
        edited("hanoi-2019", lambda d: d["summit"].update(mediator="prc"))


def test_a_mediated_scenario_round_trips_its_fields() -> None:
    sc: Scenario = edited("hanoi-2019", lambda d: d["summit"].update(mediator="rok", rounds=3))
    assert (sc.summit.mediator, sc.summit.rounds) == ("rok", 3)
    model = DiplomacyModel(sc, seed=0)
    assert model.summit_mediator == model.index_of["rok"] and model.summit_rounds == 3


def test_an_agreement_on_a_leaders_offer_is_not_logged_as_the_mediators_text() -> None:
    model = with_mediator(p_blame=0.0)
    q_us, q_text = at(model, 0.8, 0.3), at(model, 0.4, 0.3)
    # the US offers its best point (0.6 to it), the DPRK accepts it (0.5), and both take the text (0.5 to each);
    # of the accepted points the US offer has the larger joint utility
    rig(model, {US: {q_us: 0.6, q_text: 0.5}, DPRK: {q_us: 0.5, q_text: 0.5}})
    model.mediator_text = lambda gains: q_text  # type: ignore[method-assign]
    model.joint_utility = lambda q: 1.0 if q == q_us else 0.0  # type: ignore[method-assign]
    model._hold_summit(model.week)
    assert isinstance(model.agreement, dict) and model.agreement["point"] == pytest.approx({"d": 0.8, "r": 0.3})
    assert events(model, "text_signed") == []
    # the same summit with the text the better point for both: the text is signed
    model = with_mediator(p_blame=0.0)
    rig(model, {US: {q_us: 0.5, q_text: 0.5}, DPRK: {q_us: 0.5, q_text: 0.5}})
    model.mediator_text = lambda gains: q_text  # type: ignore[method-assign]
    model.joint_utility = lambda q: 1.0 if q == q_text else 0.0  # type: ignore[method-assign]
    model._hold_summit(model.week)
    assert [e["detail"] for e in events(model, "text_signed")] == ["d=0.40, r=0.30"]


def _spy_text(model: DiplomacyModel, monkeypatch: pytest.MonkeyPatch) -> list[tuple[np.ndarray, np.ndarray]]:
    """Record what the mediator hands to bargaining.single_text (acceptances, weights), and let it choose."""
    from summitry.sim.engine import summit as summit_module

    seen: list[tuple[np.ndarray, np.ndarray]] = []
    real = summit_module.bg.single_text

    def spy(acceptance: np.ndarray, weights: np.ndarray, floor: float = 1e-3) -> int | None:
        seen.append((np.array(acceptance, dtype=float), np.array(weights, dtype=float)))
        return real(acceptance, weights, floor)

    monkeypatch.setattr(summit_module.bg, "single_text", spy)
    return seen


def test_the_mediators_acceptances_and_weights_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each side's acceptance of each point is its coalition's estimated ratification x sigma(its gain / tau) x its
    own partners' consent, on the points of an agreement class only; the weights are the closeness of the
    mediator's position (0.4) to each side's (the US at 0, the DPRK moved to 0.7, so that the closenesses, 0.6 and
    0.7, do not already sum to 1), normalised. Every factor differs by point and by side."""
    model = with_mediator()
    model.position[DPRK] = 0.7
    G = model.grid.shape[0]
    rng = np.random.default_rng(11)
    ratify = {US: rng.uniform(0.1, 0.9, G), DPRK: rng.uniform(0.1, 0.9, G)}
    consent = {US: rng.uniform(0.5, 1.0, G), DPRK: rng.uniform(0.5, 1.0, G)}
    gains = {(US, DPRK): rng.uniform(-0.2, 0.2, G), (DPRK, US): rng.uniform(-0.2, 0.2, G)}
    model.estimated_ratification = lambda c, tau: ratify[c]  # type: ignore[method-assign]
    asked: list[tuple[float, int | None]] = []

    def partner_consent(tau: float, beside: int | None = None) -> np.ndarray:
        asked.append((tau, beside))
        return consent[beside] if beside is not None else np.ones(G)

    model.partner_consent = partner_consent  # type: ignore[method-assign]
    seen = _spy_text(model, monkeypatch)
    q = model.mediator_text(gains)
    assert asked == [(TAU, US), (TAU, DPRK)]
    (acceptance, weights) = seen[0]
    points = model.agreement_points
    for row, c, o in ((0, US, DPRK), (1, DPRK, US)):
        np.testing.assert_allclose(acceptance[row], ratify[c] * tr.expit(gains[(c, o)] / TAU) * consent[c] * points, rtol=1e-12)
    positions = {t.id: t.position for t in model.scenario.third_parties}
    closeness = np.array([1 - abs(positions["rok"] - model.position[c]) for c in (US, DPRK)])
    np.testing.assert_allclose(closeness, [0.6, 0.7], rtol=1e-12)
    np.testing.assert_allclose(weights, [0.6 / 1.3, 0.7 / 1.3], rtol=1e-12)
    assert q == bg.single_text(acceptance, weights)


def test_a_mediator_as_far_from_both_sides_as_can_be_weighs_them_equally(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both sides at position 1 and the mediator at 0: closeness 0 to each, so the weights fall back to one half
    each (not 0/0)."""

    def edit(data: dict[str, Any]) -> None:
        data["summit"]["mediator"] = "rok"
        next(t for t in data["third_parties"] if t["id"] == "rok")["position"] = 0.0
        for side in data["sides"].values():
            side["position"] = 1.0

    model = summit_ready(edited("hanoi-2019", edit))
    G = model.grid.shape[0]
    model.estimated_ratification = lambda c, tau: np.full(G, 0.8)  # type: ignore[method-assign]
    seen = _spy_text(model, monkeypatch)
    model.mediator_text({(US, DPRK): np.zeros(G), (DPRK, US): np.zeros(G)})
    np.testing.assert_array_equal(seen[0][1], [0.5, 0.5])
