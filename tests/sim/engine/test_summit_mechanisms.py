"""The summit mechanisms as hand-computed tables and checks that fail when a mechanism is wrong.

Covers docs/ODD.md 7.19 (the commitment value, offers, who walks, the
declaration, success and letdown), 7.1 (the learned erosion belief), 7.16
(patience, the separation cost) and 7.4 (a leader's costly signal read by
Bayes' rule), and the ablation switches of the backtest.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats

from summitry.agents import policy
from summitry.agents.leader import Leader
from summitry.sim.engine.model import ABLATIONS, DiplomacyModel
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.mechanisms import pressure as pr
from summitry.sim.mechanisms.signals import Signal
from summitry.sim.scenario.document import Scenario
from tests.strategies import edited as scenario
from tests.strategies import logged


def fresh(sc: Scenario, seed: int = 0, **kw: object) -> DiplomacyModel:
    model = DiplomacyModel(sc, seed=seed, **kw)  # type: ignore[arg-type]
    n = len(model.actor_ids)
    model._u = np.zeros(n)
    model._vindication = np.zeros(n)
    model._received_affect = np.zeros(n)
    return model


@pytest.fixture(scope="module")
def hanoi() -> Scenario:
    return scenario("hanoi-2019")


# ------------------------------------------------------------------ commitment value


@pytest.mark.parametrize(
    ("trust", "h_t", "h_u", "risk"),
    [(1.0, 0.05, 0.5, 0.05), (0.0, 0.05, 0.5, 0.5), (0.5, 0.0, 1.0, 0.5), (0.2, 0.1, 0.6, 0.2 * 0.1 + 0.8 * 0.6)],
)
def test_renege_risk_mixes_the_two_types_hazards(trust: float, h_t: float, h_u: float, risk: float) -> None:
    assert bg.renege_risk(trust, h_t, h_u) == pytest.approx(risk, abs=1e-12)


@pytest.mark.parametrize(
    ("utility", "exposure", "risk", "value"),
    [
        (0.3, 0.5, 0.0, 0.3),  # nobody reneges: the deal is worth its utility
        (0.3, 0.5, 1.0, -0.5),  # certain reneging: the unprotected concession is lost
        (0.3, 0.5, 0.4, 0.6 * 0.3 - 0.4 * 0.5),  # -0.02
        (0.3, 0.0, 0.4, 0.6 * 0.3),  # a fully safeguarded concession risks only the gains
    ],
)
def test_commitment_value_by_hand(utility: float, exposure: float, risk: float, value: float) -> None:
    assert float(bg.commitment_value(np.array([utility]), np.array([exposure]), risk)[0]) == pytest.approx(value, abs=1e-12)


def test_more_trust_and_safeguards_make_a_deal_worth_more(hanoi: Scenario) -> None:
    """Trust enters continuously (no cliff), and a safeguarded dimension needs less of it."""
    model = fresh(hanoi)
    us, dprk = model.side_ids.index("us"), model.side_ids.index("dprk")
    trump = model.index_of["trump"]
    q = int(np.flatnonzero(np.isclose(model.grid[:, 0], 0.35) & np.isclose(model.grid[:, 1], 0.5))[0])
    values = []
    for mu in (0.1, 0.3, 0.5, 0.7, 0.9):
        model._set_trust(np.array([trump]), dprk, np.array([mu]))
        values.append(float(model.acceptance_value(us, dprk)[q]))
    assert all(b > a for a, b in itertools.pairwise(values))
    # by hand at trust 0.3 and Trump's stance 0.3: risk = .3 h_T + .7 h_U; beta = 1*(.5 + .3) = .8 (not 1/.8);
    # U = d - beta r; X = beta * r (r unprotected)
    model._set_trust(np.array([trump]), dprk, np.array([0.3]))
    model.state.stance[trump] = 0.3
    beta = 0.8
    risk = 0.3 * model.params.renege_t + 0.7 * model.params.renege_u
    expected = (1 - risk) * (0.35 - beta * 0.5) - risk * beta * 0.5
    assert float(model.acceptance_value(us, dprk)[q]) == pytest.approx(expected, abs=1e-9)

    def safeguard(data: dict) -> None:
        data["issues"][1]["safeguard"] = 0.8  # relief can be snapped back

    guarded = fresh(scenario("hanoi-2019", safeguard))
    guarded._set_trust(np.array([trump]), dprk, np.array([0.3]))
    guarded.state.stance[trump] = 0.3
    expected_guarded = (1 - risk) * (0.35 - beta * 0.5) - risk * beta * 0.5 * 0.2
    assert float(guarded.acceptance_value(us, dprk)[q]) == pytest.approx(expected_guarded, abs=1e-9)
    assert expected_guarded > expected


def test_no_deal_value_is_minus_weighted_pressure(hanoi: Scenario) -> None:
    model = fresh(hanoi)
    for c in range(len(model.side_ids)):
        assert model.no_deal_value(c) == pytest.approx(-model.params.status_quo_weight * float(model.state.pressure[c]))


def test_a_deal_relieves_pressure_only_as_far_as_it_gives_what_the_side_wants(hanoi: Scenario) -> None:
    model = fresh(hanoi)
    us, dprk = model.side_ids.index("us"), model.side_ids.index("dprk")
    g = model.grid
    p_k = float(model.state.pressure[dprk])
    cv = model.acceptance_value(dprk, us)
    gain = model.deal_gain(dprk, us)
    # the DPRK gains from r: at r = 0 no pressure is relieved, at r = 1 all of it, linearly between
    for r in (0.0, 0.5, 1.0):
        q = int(np.flatnonzero(np.isclose(g[:, 0], 0.2) & np.isclose(g[:, 1], r))[0])
        assert gain[q] == pytest.approx(cv[q] + model.params.status_quo_weight * p_k * r, abs=1e-12)


# ------------------------------------------------------------------ offers and binding dimension


def test_best_offer_maximises_probability_times_gain() -> None:
    gain = np.array([0.5, 0.3, 0.2, 0.9])
    own = np.array([True, True, True, False])
    p = np.array([0.2, 0.5, 0.9, 1.0])
    # .1, .15, .18, (not own) -> index 2
    assert bg.best_offer(gain, own, p) == 2
    # a value on signing at all favours the likeliest point further: (.5+1)*.2=.3, 1.3*.5=.65, 1.2*.9=1.08
    assert bg.best_offer(gain, own, p, theta_acc=1.0) == 2
    assert bg.best_offer(-gain, own, p) is None


@pytest.mark.parametrize(
    ("g", "expected"),
    [
        # the receiver accepts d - g r >= 0.2; from (0.2, 0.5) it needs r down to (0.2 - 0.2)/g = 0 (a move of 0.5)
        # or d up to 0.2 + 0.5 g
        (1.5, "r"),  # d would have to rise by 0.75: relief binds
        (0.5, "d"),  # d needs to rise by only 0.25: denuclearisation binds
    ],
)
def test_binding_dimension_follows_the_receivers_exchange_rate(g: float, expected: str) -> None:
    grid = bg.issue_grid(2, 21)
    ws = grid[:, 0] - g * grid[:, 1] >= 0.2 - 1e-12
    q = int(np.flatnonzero(np.isclose(grid[:, 0], 0.2) & np.isclose(grid[:, 1], 0.5))[0])
    assert not ws[q]
    assert bg.binding_dimension(q, ws, grid, [1.0, -1.0], ["d", "r"]) == expected


# ------------------------------------------------------------------ walk-away versus declaration


def _summit_model(sc: Scenario, **params: float) -> DiplomacyModel:
    sc2 = sc.model_copy(update={"parameters": sc.parameters.model_copy(update=params)})
    return fresh(sc2)


def test_walk_value_by_hand_without_leverage_or_rapport(hanoi: Scenario) -> None:
    model = _summit_model(hanoi, walk_leverage=0.0, walk_audience=0.7)
    vals = model.summit_values(frozenset({0, 1}))  # both rejected the other's offer
    for c in (0, 1):
        mem = model.members[c]
        w = model.state.omega[mem]
        hawk = float(w[model.hawkish[mem]].sum() / w.sum())
        assert vals[c][0] == pytest.approx(0.7 * float(model.audience[c]) * hawk, abs=1e-12)
    # walking away from no offer shows no resolve
    assert model.summit_values(frozenset({1}))[0][0] == pytest.approx(0.0, abs=1e-12)


def test_rapport_counts_once_on_the_declarations_side(hanoi: Scenario) -> None:
    """Walking is compared with declaring: rapport R raises EU(decl) by theta_rapport R and leaves EU(walk) alone."""
    model = _summit_model(hanoi, walk_leverage=0.0, walk_audience=0.7)
    before = model.summit_values(frozenset({0, 1}))
    for c in (0, 1):
        o = 1 - c
        model.state.rapport[model.leader_of[c], o] += 0.5
    after = model.summit_values(frozenset({0, 1}))
    for c in (0, 1):
        assert after[c][0] == pytest.approx(before[c][0], abs=1e-12)
        assert after[c][1] == pytest.approx(before[c][1] + model.params.theta_rapport * 0.5, abs=1e-12)


def _deadlocked(model: DiplomacyModel) -> DiplomacyModel:
    """Both sides can ratify anything but each values only its own half of the space: both offer, both reject."""
    model.state.win_sets[:] = True
    d = model.grid[:, 0]

    def gain(c: int, o: int) -> np.ndarray:
        mine = d > 0.5 if c == 0 else d < 0.5
        return np.where(mine, 0.5, -0.5)

    model.deal_gain = gain  # type: ignore[method-assign]
    return model


@pytest.mark.parametrize(("held", "theta_t"), [(None, 1.0), (3, 2.0)])
def test_declaration_value_by_hand(hanoi: Scenario, held: int | None, theta_t: float) -> None:
    """hanoi starts after one summit without a deal (held 1: the summit being closed is the first, nothing earlier);
    with three held, two came before; theta_T at 2 weighs the trust a declaration builds twice."""
    model = _summit_model(hanoi, declaration_value=2.0, declaration_fatigue=0.25, theta_t=theta_t)
    if held is not None:
        model.summit.held = held
    vals = model.summit_values()
    mu = model.trust_matrix()
    held_before = model.summit.held - 1
    assert held_before == (0 if held is None else 2)
    for c, o in ((0, 1), (1, 0)):
        li, lo = model.leader_of[c], model.leader_of[o]
        base = float(mu[lo, c])
        gain = 1 / (1 + math.exp(-(math.log(base / (1 - base)) + model.params.declaration_gain))) - base
        need = float(model.pressure_weights[c, 1] * model.state.domestic[c])
        expected = 2.0 * 0.25**held_before * (need + (1 - float(model.state.stance[li])) * model.params.theta_t * gain)
        assert vals[c][1] == pytest.approx(expected, abs=1e-12)


def _hold(model: DiplomacyModel) -> list[dict]:
    model._hold_summit(model.week)
    return [e for e in model.events if e["kind"] in ("walk_away", "declaration", "agreement")]


def test_the_leader_whose_walk_beats_declaration_by_more_walks(hanoi: Scenario) -> None:
    # no deal possible (no win-set), walking valued only by audience: the side with the larger A*H walks
    model = _deadlocked(_summit_model(hanoi, walk_leverage=0.0, walk_audience=5.0, declaration_value=0.0))
    vals = model.summit_values(frozenset({0, 1}))
    gaps = {c: vals[c][0] - vals[c][1] for c in (0, 1)}
    out = _hold(model)
    assert [e["kind"] for e in out] == ["walk_away"]
    walker = max(gaps, key=lambda c: gaps[c])
    assert out[0]["sender"] == model.actor_ids[model.leader_of[walker]]
    # reversing the audience capacities reverses who walks
    model2 = _deadlocked(_summit_model(hanoi, walk_leverage=0.0, walk_audience=5.0, declaration_value=0.0))
    model2.audience = model2.audience[::-1].copy()
    vals2 = model2.summit_values(frozenset({0, 1}))
    walker2 = max((0, 1), key=lambda c: vals2[c][0] - vals2[c][1])
    out2 = _hold(model2)
    assert out2[0]["sender"] == model2.actor_ids[model2.leader_of[walker2]]
    assert walker2 != walker


def test_one_leader_preferring_to_walk_is_enough_for_a_walk_away(hanoi: Scenario) -> None:
    """A declaration needs both leaders: if one prefers walking and the other declaring, the first walks."""
    model = _deadlocked(_summit_model(hanoi, walk_leverage=0.0, walk_audience=1.0, declaration_value=0.0))
    model.audience = np.array([1.0, 0.0])  # only side 0's walk shows resolve to an audience
    model.state.rapport[:] = 0.0
    vals = model.summit_values(frozenset({0, 1}))
    assert vals[0][0] - vals[0][1] > 0 >= vals[1][0] - vals[1][1]
    out = _hold(model)
    assert [e["kind"] for e in out] == ["walk_away"]
    assert out[0]["sender"] == model.actor_ids[model.leader_of[0]]


def test_nobody_walks_when_a_declaration_is_worth_more(hanoi: Scenario) -> None:
    model = _deadlocked(_summit_model(hanoi, walk_leverage=0.0, walk_audience=0.0, declaration_value=1.0))
    out = _hold(model)
    assert [e["kind"] for e in out] == ["declaration"]


def test_walk_leverage_sign_follows_coercion_against_backlash(hanoi: Scenario) -> None:
    """Pure coercion (no stance effect, no vindication) can only widen the other side's acceptance."""
    model = _summit_model(hanoi, eta=0.0, alpha_x=0.0)
    us, dprk = model.side_ids.index("us"), model.side_ids.index("dprk")
    gain = model.deal_gain(us, dprk)
    now, after = model.walk_leverage(us, dprk, gain)
    assert after >= now
    # pure backlash (no coercion) can only narrow it
    model = _summit_model(hanoi, alpha_p=0.0)
    gain = model.deal_gain(us, dprk)
    now, after = model.walk_leverage(us, dprk, gain)
    assert after <= now


# a walk-away whose every part the leverage reads: an effect on the walker's own side (skipped), two pressure
# channels on the other side, a stance push on every member and one on its hardliners, hawks vindicated
WALK_EFFECTS = [
    {"var": "stance", "who": "sender", "delta": 0.2},
    {"var": "pressure.economic", "who": "receiver", "delta": 0.1},
    {"var": "pressure.military", "who": "receiver", "delta": 0.2},
    {"var": "stance", "who": "receiver", "delta": 0.05},
    {"var": "stance", "who": "receiver", "roles": ["hardliner"], "delta": 0.1},
]


def _walk_case(vindicates: str = "hawks", constrained: bool = False, **kw: object) -> tuple[DiplomacyModel, int, int]:
    def edit(data: dict) -> None:  # type: ignore[type-arg]
        data.setdefault("signals", {})["walk_away"] = {"effects": WALK_EFFECTS, "vindicates": vindicates}
        data.setdefault("parameters", {}).update({"eta": 0.8, "alpha_x": 0.5, "alpha_p": 0.6, "phi": 0.5})
        if constrained:
            # the DPRK's army a veto player, the UFD's limits stated (at least 0.3 of relief), the cabinet's
            # threshold stated outright (no stance shift)
            for f in data["sides"]["dprk"]["factions"]:
                if f["id"] == "kpa":
                    f["veto"] = True
                if f["id"] == "ufd":
                    f["acceptance"]["bounds"] = {"r": [0.3, 1.0]}
                if f["id"] == "cabinet":
                    f["acceptance"]["stance_shift"] = False

    model = fresh(scenario("hanoi-2019", edit), **kw)
    return model, model.side_ids.index("us"), model.side_ids.index("dprk")


def _leverage_by_hand(
    model: DiplomacyModel, walker: int, other: int, gain: np.ndarray, vindicated: np.ndarray | None, backlash: bool = True
) -> tuple[float, float]:
    """ODD 7.17's walk leverage written out: the best expected offer before and after the walk-away's effects."""
    s, p = model.state, model.params
    mem = model.members[other]
    w = model.ratification_weights(other)
    u = bg.member_utility(model.gains[other], model.gives[other], s.concession_weight[mem])
    tau = max(p.sigma_w, 0.02)
    worth = np.where(s.win_sets[walker], np.maximum(gain, 0.0), 0.0)
    veto, limits, theta = np.isin(mem, model.vetoes(other)), model.member_limits(mem), float(model.theta[other])
    now = bg.smooth_ratification(u, s.thresholds[mem], w / w.sum(), theta, tau=tau, veto=veto, limits=limits)
    pw = model.pressure_weights[other]
    dp = pw[0] * 0.1 + pw[2] * 0.2
    dx = 0.05 + 0.1 * (model.roles[mem] == "hardliner")
    xw = float(s.stance[model.leader_of[walker]])
    pushed = p.alpha_x * model.stance_shift[mem] * dx * (1 - p.phi * xw) if backlash else 0.0
    b_after = s.thresholds[mem] - p.alpha_p * dp * (1 + p.phi * xw) + pushed
    w_after = w.copy()
    if vindicated is not None:
        facs = ~model.is_leader[mem]
        grown = w[facs] * np.exp(p.eta * vindicated[facs].astype(float))
        w_after[facs] = grown / grown.sum() * w[facs].sum()
    after = bg.smooth_ratification(u, b_after, w_after / w_after.sum(), theta, tau=tau, veto=veto, limits=limits)
    return float((now * worth).max()), float((after * worth).max())


@pytest.mark.parametrize(("vindicates", "constrained"), [("hawks", False), ("doves", False), ("none", False), ("hawks", True)])
def test_walk_leverage_by_hand(vindicates: str, constrained: bool) -> None:
    model, us, dprk = _walk_case(vindicates, constrained)
    if constrained:
        mem = model.members[dprk]
        assert model.vetoes(dprk).size == 1 and model.member_limits(mem) is not None and model.stance_shift[mem].min() == 0.0
    gain = model.deal_gain(us, dprk)
    mem = model.members[dprk]
    vind = {"hawks": model.hawkish[mem], "doves": model.dovish[mem], "none": None}[vindicates]
    want = _leverage_by_hand(model, us, dprk, gain, vind)
    got = model.walk_leverage(us, dprk, gain)
    assert got == pytest.approx(want, abs=1e-12)
    assert got[1] != pytest.approx(got[0], abs=1e-6)  # the effects move the best offer
    if vindicates == "hawks":
        # with factions (or the coalition) ablated the factions' weights stay where they are
        for ablation in ("factions", "leader_alone"):
            frozen, _, _ = _walk_case(vindicates, constrained, ablations=frozenset({ablation}))
            g2 = frozen.deal_gain(us, dprk)
            assert frozen.walk_leverage(us, dprk, g2) == pytest.approx(_leverage_by_hand(frozen, us, dprk, g2, None), abs=1e-12)
        # with stances frozen the walk-away pushes no stance: coercion and vindication only
        still, _, _ = _walk_case(vindicates, constrained, ablations=frozenset({"stance"}))
        g3 = still.deal_gain(us, dprk)
        m3 = still.members[dprk]
        assert still.walk_leverage(us, dprk, g3) == pytest.approx(
            _leverage_by_hand(still, us, dprk, g3, still.hawkish[m3], backlash=False), abs=1e-12
        )


def test_walk_leverage_is_nothing_without_a_walk_away_or_a_coalition() -> None:
    model, us, dprk = _walk_case()
    gain = model.deal_gain(us, dprk)
    del model.catalogue["walk_away"]
    assert model.walk_leverage(us, dprk, gain) == (0.0, 0.0)
    model, us, dprk = _walk_case()
    model.state.omega[model.members[dprk]] = 0.0
    assert model.walk_leverage(us, dprk, gain) == (0.0, 0.0)
    # factions of no weight beside a leader who ratifies: nothing to vindicate, the pressure and pushes still count
    model, us, dprk = _walk_case()
    mem = model.members[dprk]
    model.state.omega[mem[~model.is_leader[mem]]] = 0.0
    assert model.walk_leverage(us, dprk, gain) == pytest.approx(_leverage_by_hand(model, us, dprk, gain, None), abs=1e-12)


def test_the_walk_value_adds_the_discounted_leverage_to_the_resolve_shown() -> None:
    """EU(walk) = walk_audience A H 1[rejected] + walk_leverage delta^wait (after - now), wait the mean preparation
    time; the leverage is read from the gains the summit passes in. The DPRK's weights are scaled to sum to 0.7, so
    its hawks' share is their weight over that total."""
    model, us, dprk = _walk_case()
    p = model.params
    calls: list[float] = []

    def leverage(walker: int, other: int, gain: np.ndarray) -> tuple[float, float]:
        calls.append(float(gain[0]))
        return (0.1, 0.35) if walker == us else (0.2, 0.15)

    model.walk_leverage = leverage  # type: ignore[method-assign]
    model.state.omega[model.members[dprk]] *= 0.7
    gains = {(c, o): np.full(model.grid.shape[0], 0.25 + c) for c, o in ((us, dprk), (dprk, us))}
    vals = model.summit_values(frozenset({us, dprk}), gains=gains)
    assert sorted(calls) == [0.25, 1.25]  # the gains passed in, not recomputed
    wait = 0.5 * (p.tau_prep_min + p.tau_prep_max)
    for c, (now, after) in ((us, (0.1, 0.35)), (dprk, (0.2, 0.15))):
        mem = model.members[c]
        w = model.ratification_weights(c)
        hawk = float(w[model.hawkish[mem]].sum() / w.sum())
        delta = float(model.state.patience[model.leader_of[c]])
        want = p.walk_audience * float(model.audience[c]) * hawk + p.walk_leverage * delta**wait * (after - now)
        assert vals[c][0] == pytest.approx(want, abs=1e-12)
    assert wait > 1 and p.walk_leverage > 0


def test_success_resets_the_need_for_a_win_and_books_a_letdown(hanoi: Scenario) -> None:
    model = _summit_model(hanoi, walk_leverage=0.0, walk_audience=0.0, declaration_value=1.0, letdown_weeks=3)
    us = model.side_ids.index("us")
    model.state.domestic[us] = 0.6
    _deadlocked(model)
    assert [e["kind"] for e in _hold(model)] == ["declaration"]
    assert model.state.domestic[us] == 0.0
    assert model.summit.letdowns == [(model.week + 3, us)]
    # run the pressure update at the due week: the letdown arrives (plus one week of growth)
    model.state.domestic[us] = 0.0
    model._update_pressure(model.week + 3)
    assert model.state.domestic[us] == pytest.approx(model.params.declaration_letdown + model.params.domestic_growth)


def test_a_success_drops_the_pending_letdowns_of_the_sides_it_satisfies_only(hanoi: Scenario) -> None:
    """An audience-driven side's pending letdown is replaced by the success; an elite side's stays booked."""
    model = _summit_model(hanoi, letdown_weeks=3)
    us, dprk = model.side_ids.index("us"), model.side_ids.index("dprk")
    assert not model.elite[us] and model.elite[dprk]
    model.summit.letdowns = [(model.week + 5, us), (model.week + 6, dprk)]
    model._success(model.week, declaration=False)
    assert model.summit.letdowns == [(model.week + 6, dprk)]


def test_each_member_of_the_other_side_is_misread_by_its_own_draw(hanoi: Scenario) -> None:
    """The estimate of a side's ratification reads each member's threshold with its own N(0, sigma_W) error."""
    model = _summit_model(hanoi, sigma_w=0.2)
    dprk = model.side_ids.index("dprk")
    s, mem = model.state, model.members[dprk]
    s.omega[mem] *= 0.7  # the weights are shares of their total, whatever it is
    draws = copy.deepcopy(model.rng).normal(0.0, 1.0, mem.size)
    assert np.ptp(draws) > 0.5
    sigma = 0.2 * math.exp(s.perception_log)
    u = bg.member_utility(model.gains[dprk], model.gives[dprk], s.concession_weight[mem])
    w = model.ratification_weights(dprk)
    want = bg.smooth_ratification(
        u,
        s.thresholds[mem] + draws * sigma,
        w / w.sum(),
        float(model.theta[dprk]),
        tau=max(sigma, 0.02),
        veto=np.isin(mem, model.vetoes(dprk)),
        limits=model.member_limits(mem),
    )
    np.testing.assert_allclose(model.perceived_acceptance(dprk), want, atol=1e-12)
    # a side whose members carry no weight ratifies nothing, at every grid point
    s.omega[mem] = 0.0
    np.testing.assert_array_equal(model.perceived_acceptance(dprk), np.zeros(model.grid.shape[0]))


def test_scheduling_draws_the_preparation_time_and_logs_who_accepted_whose_offer(hanoi: Scenario) -> None:
    """The accepting side's leader is the row's sender, the offering side's the receiver; the detail is the week the
    summit meets, t plus a whole number of weeks drawn from U{tau_prep_min, ..., tau_prep_max}."""
    model = _summit_model(hanoi, tau_prep_min=6, tau_prep_max=14)
    us, dprk = model.side_ids.index("us"), model.side_ids.index("dprk")
    prep = int(copy.deepcopy(model.rng).integers(6, 15))
    model._schedule(4, dprk, us)
    assert logged(model, "summit_scheduled") == [(4, "kim", "trump", "summit", str(4 + prep))]
    assert (model.summit.status, model.summit.week) == ("scheduled", 4 + prep)


def test_a_walk_away_does_not_reset_the_need_for_a_win(hanoi: Scenario) -> None:
    model = _deadlocked(_summit_model(hanoi, walk_leverage=0.0, walk_audience=5.0, declaration_value=0.0))
    us = model.side_ids.index("us")
    model.state.domestic[us] = 0.6
    assert [e["kind"] for e in _hold(model)] == ["walk_away"]
    assert model.state.domestic[us] >= 0.6


# ------------------------------------------------------------------ erosion belief


def test_learn_erosion_by_hand() -> None:
    out = pr.learn_erosion(np.array([0.01, 0.02, 0.01]), np.array([0.5, 0.0, 0.5]), np.array([True, True, False]), 0.1, 0.04)
    # 0.01 + 0.1 (0.02 - 0.01) = 0.011; 0.02 + 0.1 (0 - 0.02) = 0.018; not learning: kept
    np.testing.assert_allclose(out, [0.011, 0.018, 0.01], atol=1e-15)


def test_lax_patrons_teach_hardliners_that_sanctions_erode(hanoi: Scenario) -> None:
    strict = fresh(hanoi)
    lax = fresh(hanoi)
    lax.state.enforcement[:] = 0.0  # patrons stop enforcing: leakage up
    ufd = strict.index_of["ufd"]
    for t in range(20):
        strict._update_pressure(t)
        lax._update_pressure(t)
    assert lax.state.erosion[ufd] > strict.state.erosion[ufd] + 1e-4
    assert lax.member_thresholds()[ufd] > strict.member_thresholds()[ufd]
    cabinet = strict.index_of["cabinet"]  # no horizon: no belief to learn
    assert lax.state.erosion[cabinet] == strict.state.erosion[cabinet]


# ------------------------------------------------------------------ patience and separation


def test_patience_discounts_the_value_of_trust_building(hanoi: Scenario) -> None:
    def with_patience(delta: float) -> tuple[float, dict[str, float]]:
        def edit(data: dict) -> None:
            data["sides"]["us"]["leader"]["traits"]["patience"] = delta

        model = fresh(scenario("hanoi-2019", edit))
        eu, _feasible = policy.expected_utilities_reference(model)
        parts, _ = policy.expected_utility_parts(model)
        i, j = model.index_of["trump"], model.kinds.index("demand") + 1
        p = model.params
        assert model.summit.status == "none"  # no summit scheduled: the wait is the mean preparation time
        wait = 0.5 * (p.tau_prep_min + p.tau_prep_max)
        assert float(policy.patience_discount(model)[i]) == pytest.approx(delta**wait)
        return float(eu[i, j]), {name: float(parts[name][i, j]) for name in policy.EU_PARTS}

    # a demand's value in trust and in the zone pays off at the next summit: both are discounted by delta**wait,
    # its cost and pressure are not
    (eu_hi, hi), (eu_lo, lo) = with_patience(0.999), with_patience(0.9)
    ratio = (0.9 / 0.999) ** (0.5 * (6 + 14))
    assert hi["trust"] < -0.01 and hi["zone"] < -0.01
    assert lo["trust"] == pytest.approx(hi["trust"] * ratio, rel=1e-9)
    assert lo["zone"] == pytest.approx(hi["zone"] * ratio, rel=1e-9)
    for name in ("cost", "pressure", "commitment"):
        assert lo[name] == pytest.approx(hi[name], rel=1e-12)
    # both being costs of the demand, an impatient leader minds them less
    assert eu_lo > eu_hi


def _typed(kim_type: str, us_type: str = "T", theta_t: float | None = None, us_tests: bool = False) -> DiplomacyModel:
    def edit(data: dict) -> None:
        data["sides"]["dprk"]["leader"]["type"] = kim_type
        data["sides"]["us"]["leader"]["type"] = us_type
        # a less sharp choice, so that costly kinds are drawn often enough at week 0 to count them
        # (the evidence must match the draws at any Lambda_Q)
        data.setdefault("parameters", {})["lambda_q"] = 4.0
        if theta_t is not None:
            data["parameters"]["theta_t"] = theta_t
        if us_tests:
            data["sides"]["us"]["capabilities"] = [*data["sides"]["us"]["capabilities"], "tests"]

    return fresh(scenario("hanoi-2019", edit))


@pytest.mark.parametrize(
    ("leader", "theta_t", "us_tests"),
    [
        ("kim", None, False),
        # theta_T away from 1: the T type's doubled trust weight, divided instead of multiplied, gives the same at 1
        ("kim", 1.6, False),
        # the US leader can test too, under the DPRK's pledge, which binds the DPRK alone: his evidence carries no
        # pledge term
        ("trump", None, True),
    ],
)
def test_type_evidence_is_the_log_ratio_of_the_two_types_choice_probabilities(leader: str, theta_t: float | None, us_tests: bool) -> None:
    """The receivers' likelihood is derived from how each type chooses in the same state."""
    probs = {}
    models = {}
    for typ in ("T", "U"):
        kim_type, us_type = (typ, "T") if leader == "kim" else ("T", typ)
        m = _typed(kim_type, us_type, theta_t, us_tests)
        eu, feasible = policy.expected_utilities(m)
        i = m.index_of[leader]
        z = np.where(feasible[i], m.params.lambda_q * eu[i], -np.inf)
        p = np.exp(z - z.max())
        probs[typ] = p / p.sum()
        models[typ] = m
    if us_tests:
        assert probs["T"][models["T"].kinds.index("srbm_test") + 1] > 0
    for typ in ("T", "U"):
        m = models[typ]
        ev = m.type_evidence[m.index_of[leader]]
        feasible = probs["T"] > 0
        np.testing.assert_allclose(ev[feasible], np.log(probs["T"][feasible] / probs["U"][feasible]), atol=1e-9)


def test_costly_reassurance_separates_types_as_receivers_assume() -> None:
    """An ensemble of draws: U-types send a costly reassuring kind about exp(-evidence) as often as T-types."""
    rng = np.random.default_rng(7)
    n = 40_000
    counts = {}
    evidence = None
    for typ in ("T", "U"):
        m = _typed(typ)
        eu, feasible = policy.expected_utilities(m)
        kim = m.index_of["kim"]
        choice = policy.quantal_choice(
            np.repeat(eu[kim : kim + 1], n, 0), np.repeat(feasible[kim : kim + 1], n, 0), m.params.lambda_q, rng.random(n)
        )
        j = m.kinds.index("summit_offer") + 1 if m.summit.status == "none" else None
        costly = [
            k + 1
            for k, name in enumerate(m.kinds)
            if m.catalogue[name].trust.mode == "reassuring" and m.catalogue[name].cost >= 0.1 and feasible[kim, k + 1]
        ]
        del j
        counts[typ] = {c: int((choice == c).sum()) for c in costly}
        evidence = m.type_evidence[kim]
    assert evidence is not None
    tested = 0
    for c, n_t in counts["T"].items():
        n_u = counts["U"][c]
        if n_t < 200 or n_u < 200:
            continue
        # the observed log ratio and its standard error (delta method on two binomial counts)
        observed = math.log(n_t / n_u)
        se = math.sqrt(1 / n_t + 1 / n_u)
        assert abs(observed - evidence[c]) < 4 * se, (c, observed, evidence[c])
        # and the separation is real: T-types send costly reassurance more often
        assert evidence[c] > 0
        tested += 1
    assert tested >= 1


def test_a_leaders_reassuring_signal_moves_trust_by_its_type_evidence() -> None:
    m = _typed("U")
    policy.expected_utilities(m)  # computes this week's evidence
    kim, trump = m.index_of["kim"], m.index_of["trump"]
    us = m.side_ids.index("us")
    # a summit offer: no summit is on, so the DPRK leader could choose it this week
    j = m.kinds.index("summit_offer")
    assert m.summit.status == "none" and m.type_evidence_known[kim][j + 1]
    ev = float(m.type_evidence[kim][j + 1])
    assert abs(ev) > 0.05
    before = float(m.state.trust_logit[trump, 1 - us])
    m._deliver([Signal(sender=kim, kind="summit_offer", receiver=trump)], 0)
    x = float(m.state.stance[trump])
    expected = ev * (1 - m.params.phi * x)
    # other effects of the kind (none on trust) leave this shift alone
    assert float(m.state.trust_logit[trump, 1 - us]) - before == pytest.approx(expected, abs=1e-9)


def _praise_shift(model: DiplomacyModel) -> tuple[float, float, float]:
    """(Trump's log-odds move from Kim's praise, its cost reading, its type-evidence reading) at week 0."""
    policy.expected_utilities(model)  # computes this week's evidence
    kim, trump = model.index_of["kim"], model.index_of["trump"]
    dprk = model.side_ids.index("dprk")
    j = model.kinds.index("praise")
    assert model.type_evidence_known[kim][j + 1]  # Kim could have chosen it: Bayes' rule would have something to say
    x = float(model.state.stance[trump])
    by_cost = model.params.kappa * model.catalogue["praise"].cost * (1 - model.params.phi * x)
    by_type = float(model.type_evidence[kim][j + 1]) * (1 - model.params.phi * x)
    before = float(model.state.trust_logit[trump, dprk])
    model._deliver([Signal(sender=kim, kind="praise", receiver=trump)], 0)
    return float(model.state.trust_logit[trump, dprk]) - before, by_cost, by_type


def test_a_leaders_praise_is_cheap_talk_read_by_its_cost_not_as_type_evidence() -> None:
    """Praise costs next to nothing (c = 0.02, no tie), so it says next to nothing about the sender's type: receivers
    read it by its cost, kappa c (1 - phi x), as the catalogue declares (trust.evidence: cost; ODD 7.4). Read as type
    evidence, a leader's praise was a U-type's signal (a T type would rather have sent something costlier) and every
    compliment cut the other leader's trust: five of Trump's lowered Kim's from 0.34 to 0.02 in a typical hanoi-2019 run."""
    moved, by_cost, by_type = _praise_shift(_typed("U"))
    # kappa 2.24 x 0.02 x (1 - 0.5 x Trump's stance 0.5) = 0.0336: a small gain, and nothing like the evidence reading
    assert by_cost == pytest.approx(2.24 * 0.02 * 0.75)
    assert moved == pytest.approx(by_cost, abs=1e-12)
    # here the evidence reading is +0.004 (later in a run, after costlier moves became likely, it turns negative):
    # the two readings are 0.03 apart, far beyond the comparison's 1e-12, so the test tells them apart
    assert abs(by_type - by_cost) > 0.02


def test_a_cheap_kind_declared_type_evidence_is_read_by_bayes_rule() -> None:
    """The reading is the catalogue's data, not a rule about praise: the same kind declared evidence: type moves trust
    by what its choice says about the sender's type."""

    def edit(data: dict) -> None:
        data["sides"]["dprk"]["leader"]["type"] = "U"
        data.setdefault("parameters", {})["lambda_q"] = 4.0
        data.setdefault("signals", {})["praise"] = {"trust": {"mode": "reassuring", "evidence": "type"}}

    moved, _by_cost, by_type = _praise_shift(fresh(scenario("hanoi-2019", edit)))
    assert moved == pytest.approx(by_type, abs=1e-12)


def test_a_forced_reassuring_signal_the_leader_could_not_choose_is_read_by_its_cost() -> None:
    """Neither type could have chosen it (a second pledge while one is active): Bayes' rule says nothing, so the
    receivers read it by its cost, kappa c_eff (1 - phi x), as they read a faction's signal (ODD 7.4)."""
    m = _typed("U")
    policy.expected_utilities(m)
    kim, trump = m.index_of["kim"], m.index_of["trump"]
    dprk = m.side_ids.index("dprk")
    j = m.kinds.index("moratorium_pledge")
    assert any(pl.active and pl.side == dprk for pl in m.pledges)  # the file's pledge is on: pledging is not a choice
    assert not m.type_evidence_known[kim][j + 1]
    kind = m.catalogue["moratorium_pledge"]
    before = float(m.state.trust_logit[trump, dprk])
    m._deliver([Signal(sender=kim, kind="moratorium_pledge", receiver=trump)], 0)
    x = float(m.state.stance[trump])
    c_eff = (kind.cost + kind.tie * float(m.audience[dprk])) * kind.verification
    expected = m.params.kappa * c_eff * (1 - m.params.phi * x)
    assert expected > 0.1
    assert float(m.state.trust_logit[trump, dprk]) - before == pytest.approx(expected, abs=1e-9)


def test_chi_square_of_quantal_choice_against_its_formula() -> None:
    eu = np.array([[0.0, 0.3, -0.2, 0.5]])
    feasible = np.array([[True, True, True, False]])
    lam = 4.0
    n = 30_000
    choice = policy.quantal_choice(np.repeat(eu, n, 0), np.repeat(feasible, n, 0), lam, np.random.default_rng(3).random(n))
    w = np.exp(lam * eu[0, :3])
    expected = w / w.sum() * n
    observed = np.bincount(choice, minlength=4)
    assert observed[3] == 0
    assert stats.chisquare(observed[:3], expected).pvalue > 1e-3
    flat = np.exp(1.0 * eu[0, :3])
    assert stats.chisquare(observed[:3], flat / flat.sum() * n).pvalue < 1e-6  # lambda matters


# ------------------------------------------------------------------ letter and ablations


def test_a_letter_that_reinstates_a_summit_reassures_and_one_that_does_not_threatens() -> None:
    sc = scenario("singapore-2018")
    live = fresh(sc)
    dead = fresh(sc)
    kim, trump = live.index_of["kim"], live.index_of["trump"]
    dprk = live.side_ids.index("dprk")
    live.summit.status = "cancelled"
    dead.summit.status = "scheduled"
    policy.expected_utilities(live)  # this week's type evidence, read with the summit's status
    policy.expected_utilities(dead)
    b_live = float(live.state.trust_logit[trump, dprk])
    b_dead = float(dead.state.trust_logit[trump, dprk])
    live._deliver([Signal(sender=kim, kind="letter", receiver=trump)], 0)
    dead._deliver([Signal(sender=kim, kind="letter", receiver=trump)], 0)
    assert float(live.state.trust_logit[trump, dprk]) > b_live
    assert float(dead.state.trust_logit[trump, dprk]) < b_dead
    assert live.summit.status == "scheduled" and live.summit.reinstated


@pytest.mark.parametrize("ablation", sorted(ABLATIONS))
def test_each_ablation_freezes_what_it_names(hanoi: Scenario, ablation: str) -> None:
    model = DiplomacyModel(hanoi, seed=3, ablations=(ablation,))
    stance0, omega0, trust0 = model.state.stance.copy(), model.state.omega.copy(), model.trust_matrix().copy()
    for _ in range(40):
        if not model.running:
            break
        model.step()
    free = DiplomacyModel(hanoi, seed=3)
    for _ in range(40):
        if not free.running:
            break
        free.step()
    if ablation == "stance":
        np.testing.assert_array_equal(model.state.stance, stance0)
        assert not np.array_equal(free.state.stance, stance0)
    elif ablation == "factions":
        np.testing.assert_array_equal(model.state.omega, omega0)
        assert not np.array_equal(free.state.omega, omega0)
    elif ablation == "trust":
        np.testing.assert_allclose(model.trust_matrix(), trust0, atol=1e-12)
        assert not np.allclose(free.trust_matrix(), trust0)
    else:
        for c in range(len(model.side_ids)):
            mem = model.members[c]
            leader = model.leader_of[c]
            u = bg.member_utility(model.gains[c], model.gives[c], model.state.concession_weight[[leader]])
            np.testing.assert_array_equal(model.state.win_sets[c], bg.acceptance(u, model.state.thresholds[[leader]])[0])
            del mem


def test_unknown_ablation_is_refused(hanoi: Scenario) -> None:
    with pytest.raises(ValueError, match="unknown ablation"):
        DiplomacyModel(hanoi, ablations=("tru",))


# ------------------------------------------------------------------ small pieces, by hand (mutants of these survived)


def test_patience_discount_counts_the_weeks_to_the_scheduled_summit(hanoi: Scenario) -> None:
    model = fresh(hanoi)
    delta = model.state.patience
    p = model.params
    model.summit.status, model.summit.week, model.week = "none", 30, 10
    np.testing.assert_allclose(policy.patience_discount(model), delta ** (0.5 * (p.tau_prep_min + p.tau_prep_max)))
    model.summit.status = "scheduled"
    np.testing.assert_allclose(policy.patience_discount(model), delta**20)  # 30 - 10 weeks
    model.summit.status, model.summit.week = "offered", 12
    np.testing.assert_allclose(policy.patience_discount(model), delta ** (0.5 * (p.tau_prep_min + p.tau_prep_max)))
    # a summit scheduled for this very week pays off now: nothing is discounted
    model.summit.status, model.summit.week = "scheduled", 10
    np.testing.assert_allclose(policy.patience_discount(model), np.ones_like(delta))


@pytest.mark.parametrize(("us", "kim"), [("T", "U"), ("U", "T"), ("U", "U"), ("T", "T")])
def test_untrustworthy_leaders_are_exactly_the_u_type_leaders(us: str, kim: str) -> None:
    def edit(data: dict) -> None:
        data["sides"]["us"]["leader"]["type"] = us
        data["sides"]["dprk"]["leader"]["type"] = kim

    model = fresh(scenario("hanoi-2019", edit))
    want = {a for a, t in (("trump", us), ("kim", kim)) if t == "U"}
    got = {model.actor_ids[i] for i in np.flatnonzero(Leader.untrustworthy(model))}
    assert got == want


def test_separation_cost_by_hand_and_zero_without_rationality(hanoi: Scenario) -> None:
    model = fresh(hanoi)
    kind = model.catalogue["summit_offer"]
    audience = np.array([0.8, 0.4])
    # kappa (c + tie A) v / lambda_Q
    expected = model.params.kappa * (kind.cost + kind.tie * audience) * kind.verification / model.params.lambda_q
    np.testing.assert_allclose(Leader.separation_cost(model, kind, audience), expected)
    flat = fresh(hanoi.model_copy(update={"parameters": hanoi.parameters.model_copy(update={"lambda_q": 0.0})}))
    threat = model.catalogue["threat"]  # not reassuring: no separation cost
    for zero in (Leader.separation_cost(flat, kind, audience), Leader.separation_cost(model, threat, audience)):
        # one float per leader, not a scalar that only broadcasts to zeros
        assert zero.shape == (2,) and zero.dtype == np.float64
        np.testing.assert_array_equal(zero, [0.0, 0.0])
    # a noisy chooser (Lambda_Q 0.5, below 1) pays twice kappa c_eff v: the cost grows as choices get noisier
    noisy = fresh(hanoi.model_copy(update={"parameters": hanoi.parameters.model_copy(update={"lambda_q": 0.5})}))
    np.testing.assert_allclose(
        Leader.separation_cost(noisy, kind, audience), 2.0 * model.params.kappa * (kind.cost + kind.tie * audience) * kind.verification
    )


def test_type_evidence_normalises_each_row_by_its_own_choices() -> None:
    eu = np.array([[0.0, 1.0, 2.0], [10.0, 10.5, 9.0]])
    gap = np.array([[0.0, 0.3, 0.0], [0.2, 0.0, 0.1]])
    feasible = np.array([[True, True, True], [True, True, False]])
    is_t = np.array([True, False])
    ev = Leader.type_evidence(eu, feasible, gap, is_t, 3.0)

    def logp(v: np.ndarray, f: np.ndarray) -> np.ndarray:
        z = np.where(f, 3.0 * v, -np.inf)
        return z - np.log(np.exp(z).sum())

    for r in range(2):
        eu_t = eu[r] + (0.0 if is_t[r] else 1.0) * gap[r]
        f = feasible[r]
        want = np.zeros(eu.shape[1])  # infeasible actions carry no evidence (their log-probabilities are both -inf)
        want[f] = logp(eu_t, f)[f] - logp(eu_t - gap[r], f)[f]
        np.testing.assert_allclose(ev[r], want, atol=1e-12)


def test_type_evidence_when_the_best_action_carries_the_gap_and_rows_differ_by_hundreds() -> None:
    """The two types' best actions differ (the gap sits on the best action), and the second leader's utilities are
    400 above the first's: each row is normalised stably on its own (scipy's log-softmax), so neither a shared
    maximum nor a sign slip in the normalisation goes unnoticed, and nothing underflows to -inf."""
    from scipy.special import log_softmax

    eu = np.array([[0.0, 1.0], [400.0, 401.0]])
    gap = np.array([[0.0, 0.5], [0.5, 0.0]])
    is_t = np.array([True, True])
    ev = Leader.type_evidence(eu, np.ones((2, 2), bool), gap, is_t, 3.0)
    want = log_softmax(3.0 * eu, axis=1) - log_softmax(3.0 * (eu - gap), axis=1)
    assert np.all(np.isfinite(ev))
    np.testing.assert_allclose(ev, want, atol=1e-12)
    # by hand for the first row: P_T = softmax(0, 3), P_U = softmax(0, 1.5)
    assert ev[0, 1] == pytest.approx(3.0 - np.log1p(np.exp(3.0)) - (1.5 - np.log1p(np.exp(1.5))), abs=1e-12)


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        # a receiver that takes d - r >= 0 (a 45-degree boundary): from (0.3, 0.5), d up by 0.2 to (0.5, 0.5) or r
        # down by 0.2 to (0.3, 0.3), equal moves; its leader values the moved points at d - rate * r:
        (2.0, "r"),  # (0.5, 0.5) is worth -0.5, (0.3, 0.3) -0.3: it would rather be given the step on r
        (0.5, "d"),  # 0.25 against 0.15: on d
        (1.0, "d"),  # 0 and 0: a tie again, the first dimension
    ],
)
def test_binding_dimension_on_equal_moves_is_the_concession_the_receiver_would_rather_have(rate: float, expected: str) -> None:
    grid = bg.issue_grid(2, 11)
    ws = grid[:, 0] - grid[:, 1] >= -1e-12
    q = int(np.flatnonzero(np.isclose(grid[:, 0], 0.3) & np.isclose(grid[:, 1], 0.5))[0])
    value = grid[:, 0] - rate * grid[:, 1]
    assert bg.binding_dimension(q, ws, grid, [1.0, -1.0], ["d", "r"], value) == expected
    assert bg.binding_dimension(q, ws, grid, [1.0, -1.0], ["d", "r"]) == "d"  # without values: the first


def test_binding_dimension_in_one_dimension_and_past_an_indifferent_one() -> None:
    # one dimension: the receiver (weight +1) accepts q >= 0.6; from 0.2 only moving up helps
    grid = bg.issue_grid(1, 6)  # 0, .2, .4, .6, .8, 1
    ws = grid[:, 0] >= 0.6 - 1e-12
    assert bg.binding_dimension(1, ws, grid, [1.0], ["d"]) == "d"
    assert bg.binding_dimension(1, np.zeros(6, dtype=bool), grid, [1.0], ["d"]) is None
    # a first dimension the receiver does not care about is skipped, not the end of the search
    g2 = bg.issue_grid(2, 3)
    ws2 = g2[:, 1] <= 0.0 + 1e-12  # accepts only r = 0; weights (0, -1)
    q = int(np.flatnonzero(np.isclose(g2[:, 0], 0.5) & np.isclose(g2[:, 1], 0.5))[0])
    assert bg.binding_dimension(q, ws2, g2, [0.0, -1.0], ["x", "r"]) == "r"
    # the move must be strictly in the receiver's favour: a point already at the edge has no move down
    ws3 = g2[:, 1] >= 1.0 - 1e-12  # a receiver that wants r high (weight +1) accepts only r = 1
    assert bg.binding_dimension(q, ws3, g2, [0.0, 1.0], ["x", "r"]) == "r"
    assert bg.binding_dimension(q, ws3, g2, [0.0, -1.0], ["x", "r"]) is None  # down never reaches r = 1


def test_a_hawkish_walker_expects_more_coercion_and_less_backlash(hanoi: Scenario) -> None:
    """The walker's forecast scales coercion by (1 + phi x) and backlash by (1 - phi x): with phi 1 instead of 0,
    a pure-coercion gamble looks better and a pure-backlash one less bad (x is the walker's stance)."""
    us, dprk = 0, 1

    def after(**params: float) -> float:
        model = _summit_model(hanoi, **params)
        model.state.stance[model.leader_of[us]] = 0.9
        return model.walk_leverage(us, dprk, model.deal_gain(us, dprk))[1]

    coercion = {"eta": 0.0, "alpha_x": 0.0}
    assert after(phi=1.0, **coercion) > after(phi=0.0, **coercion)
    backlash = {"eta": 0.0, "alpha_p": 0.0}
    assert after(phi=1.0, **backlash) > after(phi=0.0, **backlash)


def test_estimated_ratification_reads_the_veto_player_and_the_stated_limits_by_hand() -> None:
    """The DPRK with a veto player (the army) and stated limits (the UFD asks at least 0.3 of relief): the estimate
    is the smooth ratification rule on the members' utilities and thresholds, normalised weights, the veto and the
    limits, and it differs from the same rule without either, so neither can be dropped unnoticed."""
    model, _, dprk = _walk_case(constrained=True)
    s = model.state
    mem = model.members[dprk]
    u = bg.member_utility(model.gains[dprk], model.gives[dprk], s.concession_weight[mem])
    w = model.ratification_weights(dprk)
    veto = np.isin(mem, model.vetoes(dprk))
    limits = model.member_limits(mem)
    assert veto.sum() == 1 and limits is not None and not limits.all()
    theta = float(model.theta[dprk])
    want = bg.smooth_ratification(u, s.thresholds[mem], w / w.sum(), theta, tau=0.1, veto=veto, limits=limits)
    got = model.estimated_ratification(dprk, 0.1)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    for changed in (
        bg.smooth_ratification(u, s.thresholds[mem], w / w.sum(), theta, tau=0.1, veto=None, limits=limits),
        bg.smooth_ratification(u, s.thresholds[mem], w / w.sum(), theta, tau=0.1, veto=veto, limits=None),
    ):
        assert np.abs(changed - got).max() > 1e-3
    # weights that do not sum to 1 are normalised: scaling them changes nothing
    s.omega[mem] = s.omega[mem] * 3.0
    np.testing.assert_allclose(model.estimated_ratification(dprk, 0.1), want, rtol=0, atol=1e-12)
    # a side nobody ratifies for (every weight 0) ratifies nothing, at every grid point
    s.omega[mem] = 0.0
    none = model.estimated_ratification(dprk, 0.1)
    assert none.shape == (model.grid.shape[0],) and not none.any()


def test_each_receiver_mode_names_the_side_whose_state_a_kind_is_forecast_on(hanoi: Scenario) -> None:
    """A lobby goes to the sender's own leader, a patron's kinds to its client, the rest to the other side."""
    model = fresh(hanoi)
    us, dprk = (model.side_ids.index(c) for c in ("us", "dprk"))
    members = {name: model.index_of[name] for name in ("trump", "us-hawks", "congress", "kim", "ufd", "cabinet")}
    own = {"trump": us, "us-hawks": us, "congress": us, "kim": dprk, "ufd": dprk, "cabinet": dprk}
    lobby = policy._receiver_side(model, model.catalogue["lobby"])
    threat = policy._receiver_side(model, model.catalogue["threat"])
    for name, i in members.items():
        assert lobby[i] == own[name]
        assert threat[i] == (dprk if own[name] == us else us)

    # a patron of each side: Russia made the US's. A third party read by the default rule would get the first side's
    # counterpart (the DPRK), right for China by chance; only the client rule gets Russia right
    def edit(data: dict) -> None:  # type: ignore[type-arg]
        next(tp for tp in data["third_parties"] if tp["id"] == "rus")["client"] = "us"

    other = fresh(scenario("hanoi-2019", edit))
    client = policy._receiver_side(other, other.catalogue["interference"])
    assert client[other.index_of["prc"]] == dprk and client[other.index_of["rus"]] == us


def test_a_kind_is_open_only_to_the_roles_that_may_send_it_even_where_it_would_have_a_receiver(hanoi: Scenario) -> None:
    """Summit offers are the leaders': the hawks have someone to send one to (the other leader) but may not."""
    model = fresh(hanoi)
    hawks, trump = model.index_of["us-hawks"], model.index_of["trump"]
    j = model.kinds.index("summit_offer") + 1
    assert model.receiver_of(hawks, "summit_offer") == model.index_of["kim"]
    feasible = policy.static_feasibility(model)
    assert feasible[trump, j] and not feasible[hawks, j]


def test_a_kind_that_requires_a_capability_is_closed_to_third_parties_which_have_no_side() -> None:
    """A patron may send a kind that needs its side's capability only if it had a side; it has none (ODD 7.16)."""

    def edit(data: dict) -> None:  # type: ignore[type-arg]
        data.setdefault("signals", {})["secondary_sanctions"] = {
            "label": "Secondary sanctions",
            "senders": ["patron"],
            "receiver": "client",
            "requires": "sanctions",
            "cost": 0.1,
            "trust": {"mode": "hostile", "magnitude": 0.1},
            "sentence": "{sender} applies secondary sanctions to {receiver}",
        }
        # both sides can sanction, so a patron reading any side's capabilities would find it
        data["sides"]["dprk"]["capabilities"] = [*data["sides"]["dprk"]["capabilities"], "sanctions"]

    model = fresh(scenario("hanoi-2019", edit))
    j = model.kinds.index("secondary_sanctions") + 1
    prc = model.index_of["prc"]
    # it has a receiver (its client's leader) and its role may send the kind; the capability is its side's, and it
    # has none
    assert model.receiver_of(prc, "secondary_sanctions") == model.index_of["kim"]
    assert not policy.static_feasibility(model)[prc, j]


@pytest.mark.parametrize("rule", [policy.expected_utilities, policy.expected_utilities_reference])
def test_sanctions_are_tightened_only_below_their_cap_and_eased_only_above_their_floor(
    hanoi: Scenario, rule: Callable[[DiplomacyModel], tuple[np.ndarray, np.ndarray]]
) -> None:
    """ODD 7.16: tightening while the receiver's S < 0.999, easing while S > 0.001 (the bounds themselves excluded)."""
    model = fresh(hanoi)
    trump, dprk = model.index_of["trump"], model.side_ids.index("dprk")
    tighten, ease = (model.kinds.index(k) + 1 for k in ("sanctions_tighten", "sanctions_ease"))
    for level, can_tighten, can_ease in ((0.999, False, True), (0.9985, True, True), (0.001, True, False), (0.0015, True, True)):
        model.state.sanctions[dprk] = level
        feasible = rule(model)[1]
        assert (bool(feasible[trump, tighten]), bool(feasible[trump, ease])) == (can_tighten, can_ease), level


@pytest.mark.parametrize(("theta", "added"), [(4.0, 0.5**2), (0.0, 0.0)])
def test_an_elite_sides_offer_at_a_walk_away_is_left_unreciprocated(hanoi: Scenario, theta: float, added: float) -> None:
    """What an elite-driven side offered (DPRK: d 0.5, which it values at -0.5^2 with concession curvature 2) counts as
    an unreciprocated concession when the summit ends in a walk-away; the audience-driven US counts nothing; with
    placation off (theta_placate 0) nothing is counted (ODD 7.14)."""
    model = _deadlocked(_summit_model(hanoi, walk_leverage=0.0, walk_audience=5.0, declaration_value=0.0, theta_placate=theta))
    us, dprk = model.side_ids.index("us"), model.side_ids.index("dprk")
    q = int(np.flatnonzero(np.isclose(model.grid, [0.5, 0.5]).all(axis=1))[0])
    rounds = model._summit_round

    def fixed_offers(t: int):  # type: ignore[no-untyped-def]
        offers, *rest = rounds(t)
        return ({**offers, dprk: q}, *rest)

    model._summit_round = fixed_offers  # type: ignore[method-assign]
    before = model.state.unreciprocated.copy()
    assert [e["kind"] for e in _hold(model)] == ["walk_away"]
    assert model.state.unreciprocated[dprk] - before[dprk] == pytest.approx(added, abs=1e-12)
    assert model.state.unreciprocated[us] == before[us]


def test_a_walk_away_reaches_the_walked_on_sides_affect_the_next_week() -> None:
    """The walk-away is delivered at the summit (step 7), after the week's affect was read (step 5): on a weekly clock
    it counts in the next week's affect, as it does on a daily clock, where the week's steps are summed (ODD 7.8)."""
    sc = scenario("hanoi-2019")
    for seed in range(40):
        m = DiplomacyModel(sc, seed=seed)
        while m.running and not m.summit.walked_by:
            m.step()
        if m.summit.walked_by and m.running:
            break
    else:
        pytest.fail("no walk-away with weeks left in 40 seeds")
    walker = m.index_of[m.summit.walked_by[-1]]
    other = 1 - int(m.side_of[walker])
    # the same model with the late affect dropped (what the engine did before): the only difference
    quiet = m.fork(sc)
    quiet._received_affect = quiet._affect_counted.copy()
    m.step()
    quiet.step()
    members = m.side_of == other
    own = m.side_of == m.side_of[walker]
    diff = m.state.affect - quiet.state.affect
    assert np.all(diff[members] < 0)
    np.testing.assert_array_equal(diff[members], np.clip(quiet.state.affect[members] - 1.0, -1, 1) - quiet.state.affect[members])
    np.testing.assert_array_equal(diff[own], 0.0)
