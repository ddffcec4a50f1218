"""The summit's resolution by hand: who offers what, which offer is signed, why one is refused, and what a summit books.

docs/ODD.md 7.19. Each test rigs the three inputs of the resolution (each
leader's gain over no deal, each side's win-set and each leader's estimate
of the other side's ratification) so that the offers follow from
:func:`summitry.sim.mechanisms.bargaining.best_offer` by hand, then checks what
``_hold_summit`` does with them: the signed point, the logged reason of a
refusal, the summit's bookkeeping, the declaration's trust gain and the
blame after a walk-away.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms import trust as tr
from summitry.sim.scenario.document import Scenario
from tests.strategies import edited as scenario
from tests.strategies import summit_ready


@pytest.fixture(scope="module")
def hanoi() -> Scenario:
    return scenario("hanoi-2019")


def fresh(sc: Scenario, **params: float) -> DiplomacyModel:
    return summit_ready(sc, **params)


def at(model: DiplomacyModel, d: float, r: float) -> int:
    """The grid index of (d, r)."""
    return int(np.flatnonzero(np.isclose(model.grid[:, 0], d) & np.isclose(model.grid[:, 1], r))[0])


US, DPRK = 0, 1  # hanoi-2019's summit sides, in order


def rig(
    model: DiplomacyModel,
    gains: dict[int, dict[int, float]],
    win_sets: dict[int, np.ndarray] | None = None,
    utility: dict[int, np.ndarray] | None = None,
    perceived: dict[int, np.ndarray] | None = None,
) -> None:
    """Fix each leader's gain ({side: {point: gain}}, -1 elsewhere), the win-sets (default: everything)
    and the estimate of each side's ratification (default: perfect, 1 inside its win-set and 0 outside)."""
    G = model.grid.shape[0]
    table = {}
    for c in (US, DPRK):
        g = np.full(G, -1.0)
        for q, v in gains[c].items():
            g[q] = v
        table[c] = g
    ws = win_sets or {US: np.ones(G, dtype=bool), DPRK: np.ones(G, dtype=bool)}
    model.state.win_sets = np.array([ws[US], ws[DPRK]])
    model.deal_gain = lambda c, o: table[c]  # type: ignore[method-assign]
    if perceived is None:
        model.perceived_acceptance = lambda c: model.state.win_sets[c].astype(float)  # type: ignore[method-assign]
    else:
        model.perceived_acceptance = lambda c: perceived[c]  # type: ignore[method-assign]
    if utility is not None:
        model.deal_utility = lambda c: utility[c]  # type: ignore[method-assign]


def events(model: DiplomacyModel, kind: str) -> list[dict]:
    return [e for e in model.events if e["kind"] == kind]


# ------------------------------------------------------------------ which offer is signed


@pytest.mark.parametrize(
    ("joint_favours", "expected_point", "expected_class"),
    [("us", (0.8, 0.6), "comprehensive"), ("dprk", (0.4, 0.3), "interim"), ("sum", (0.8, 0.6), "comprehensive")],
)
def test_of_two_acceptable_offers_the_one_with_the_larger_joint_utility_is_signed(
    hanoi: Scenario, joint_favours: str, expected_point: tuple[float, float], expected_class: str
) -> None:
    model = fresh(hanoi)
    q_us, q_k = at(model, 0.8, 0.6), at(model, 0.4, 0.3)
    # p_accept = expit(gain of the other / tau), tau = sigma_W = 0.1 (sigma_W is its default)
    # US: at q_us .4 x expit(1) = .29, at q_k .1 x expit(4) = .098 -> offers q_us; the DPRK mirrors it -> q_k
    G = model.grid.shape[0]
    u = {US: np.zeros(G), DPRK: np.zeros(G)}
    if joint_favours == "us":
        u[US][q_us], u[DPRK][q_us] = 0.5, 0.1  # joint .6 against .3
        u[US][q_k], u[DPRK][q_k] = 0.1, 0.2
    elif joint_favours == "dprk":
        u[US][q_us], u[DPRK][q_us] = 0.1, 0.1  # joint .2 against .5
        u[US][q_k], u[DPRK][q_k] = 0.2, 0.3
    else:
        # joint .55 against .5: the sum decides, though the proposer's own utility is lower at q_us
        u[US][q_us], u[DPRK][q_us] = 0.1, 0.45
        u[US][q_k], u[DPRK][q_k] = 0.2, 0.3
    rig(model, {US: {q_us: 0.4, q_k: 0.1}, DPRK: {q_us: 0.1, q_k: 0.4}}, utility=u)
    t = model.week
    model._hold_summit(t)
    assert model.summit.offers == {US: q_us, DPRK: q_k}
    assert model.agreement is not None and {k: model.agreement[k] for k in ("type", "week", "point")} == {
        "type": expected_class,
        "week": t,
        "point": pytest.approx({"d": expected_point[0], "r": expected_point[1]}),
    }
    assert model.summit.results[-1] == f"agreement:{expected_class}"
    assert events(model, "offer_rejected") == []
    signed = events(model, "agreement")
    assert [(e["sender"], e["receiver"], e["source"], e["detail"]) for e in signed] == [
        ("trump", "kim", "summit", f"{expected_class}: d={expected_point[0]:.2f}, r={expected_point[1]:.2f}")
    ]


def test_an_accepted_point_outside_every_agreement_class_ends_in_a_declaration(hanoi: Scenario) -> None:
    """A signed point too small to be an agreement (d < 0.3) is a declaration, and the declaration's
    trust gain is booked both ways: logit mu += declaration_gain for each leader."""
    model = fresh(hanoi)
    q = at(model, 0.1, 0.0)
    rig(model, {US: {q: 0.3}, DPRK: {q: 0.3}})
    la, lb = model.leader_of[US], model.leader_of[DPRK]
    before = (float(model.state.trust_logit[la, DPRK]), float(model.state.trust_logit[lb, US]))
    model._hold_summit(model.week)
    assert model.agreement is None
    assert model.summit.results[-1] == "declaration"
    assert [(e["sender"], e["receiver"], e["source"]) for e in events(model, "declaration")] == [("trump", "kim", "summit")]
    gain = model.params.declaration_gain
    assert float(model.state.trust_logit[la, DPRK]) == pytest.approx(before[0] + gain, abs=1e-12)
    assert float(model.state.trust_logit[lb, US]) == pytest.approx(before[1] + gain, abs=1e-12)


# ------------------------------------------------------------------ why an offer is refused


def _us_win_set(model: DiplomacyModel, g: float, b: float) -> np.ndarray:
    return model.grid[:, 0] - g * model.grid[:, 1] >= b - 1e-12


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        # the US accepts d - 1.5 r >= 0.1: from (0.35, 0.5) r must fall by 0.35 (to 0.15), d rise by 0.5
        ("outside", "binding: r"),
        # the US accepts d - 0.5 r >= 0.4: r must fall all the way (0.5; still short), d rise by 0.3
        ("outside-d", "binding: d"),
        ("trust floor", "too little trust"),
        # inside the US win-set, worth 2d - r - 0.39 to the US: -0.19 at (0.35, 0.5); d must rise by 0.095
        # (0.1 on the grid), r fall by 0.19 (0.2)
        ("not worth it", "not worth the risk: -0.19 against no deal; binding: d"),
        # worth d - 4r + 1.5: -0.15; d must rise by 0.15, r fall by 0.0375 (0.05 on the grid)
        ("not worth it-r", "not worth the risk: -0.15 against no deal; binding: r"),
        # worth d - 2r + 0.61: -0.04; one grid step of either will do (0.05), and the US would rather be
        # given the step on r: (0.35, 0.45) is worth 0.06 to it, (0.4, 0.5) 0.01
        ("not worth it-tie", "not worth the risk: -0.04 against no deal; binding: r"),
        # worth -0.2 at q and -1 everywhere else: no move makes it worth the risk, so no dimension binds
        ("not worth it-nowhere", "not worth the risk: -0.20 against no deal"),
        # the US ratifies nothing: no move of one coordinate reaches its win-set
        ("nowhere", "outside the win-set"),
    ],
)
def test_a_refused_offer_is_logged_with_its_reason(hanoi: Scenario, case: str, reason: str) -> None:
    model = fresh(hanoi, mu_min=0.6 if case == "trust floor" else 0.0)
    q = at(model, 0.35, 0.5)
    G = model.grid.shape[0]
    d, r = model.grid[:, 0], model.grid[:, 1]
    us_ws = {"outside": _us_win_set(model, 1.5, 0.1), "outside-d": _us_win_set(model, 0.5, 0.4), "nowhere": np.zeros(G, dtype=bool)}.get(
        case, np.ones(G, dtype=bool)
    )
    assert us_ws[q] == (case in ("trust floor",) or case.startswith("not worth it"))
    # what each point is worth to the US: 0.05 wherever it ratifies, or a hand-made plane
    us_gain = {
        "not worth it": 2 * d - r - 0.39,
        "not worth it-r": d - 4 * r + 1.5,
        "not worth it-tie": d - 2 * r + 0.61,
        "not worth it-nowhere": np.where(np.arange(G) == q, -0.2, -1.0),
    }.get(case, np.where(us_ws, 0.05, -1.0))
    everything = np.ones(G, dtype=bool)
    # the DPRK gains only from q and believes the US would ratify anything (a misperception), so it offers q
    rig(
        model,
        {US: dict(enumerate(us_gain.tolist())), DPRK: {q: 0.3}},
        win_sets={US: us_ws, DPRK: everything},
        perceived={US: everything * 1.0, DPRK: everything * 1.0},
    )
    if case == "trust floor":
        model._set_trust(np.array([model.leader_of[US]]), DPRK, np.array([0.3]))
    model._hold_summit(model.week)
    assert model.summit.offers[DPRK] == q
    refused = [e for e in events(model, "offer_rejected") if e["sender"] == "kim"]
    assert [(e["receiver"], e["source"]) for e in refused] == [("trump", "summit")]
    assert refused[0]["detail"] == "d=0.35, r=0.50; " + reason
    assert model.agreement is None


def test_the_trust_floor_reads_the_lower_of_the_two_leaders_trust(hanoi: Scenario) -> None:
    """min(mu_US->K, mu_K->US) >= mu_min: either leader's distrust alone refuses the deal."""
    for low in (US, DPRK):
        model = fresh(hanoi, mu_min=0.5)
        q = at(model, 0.35, 0.5)
        rig(model, {US: {}, DPRK: {q: 0.3}} if low == US else {US: {q: 0.3}, DPRK: {}})
        model._set_trust(np.array([model.leader_of[US]]), DPRK, np.array([0.3 if low == US else 0.9]))
        model._set_trust(np.array([model.leader_of[DPRK]]), US, np.array([0.3 if low == DPRK else 0.9]))
        model._hold_summit(model.week)
        assert model.agreement is None
        assert events(model, "offer_rejected")[0]["detail"].endswith("; too little trust")
    model = fresh(hanoi, mu_min=0.5)
    q = at(model, 0.35, 0.5)
    rig(model, {US: {q: 0.1}, DPRK: {q: 0.3}})
    for c, o in ((US, DPRK), (DPRK, US)):
        model._set_trust(np.array([model.leader_of[c]]), o, np.array([0.6]))
    model._hold_summit(model.week)
    assert model.agreement is not None and {k: model.agreement[k] for k in ("type", "week", "point")} == {
        "type": "interim",
        "week": model.week,
        "point": pytest.approx({"d": 0.35, "r": 0.5}),
    }
    assert events(model, "offer_rejected") == []


def test_a_receiver_gaining_exactly_nothing_still_accepts(hanoi: Scenario) -> None:
    """The commitment test is gain >= 0 (no deal is the alternative; indifference signs)."""
    model = fresh(hanoi)
    q = at(model, 0.35, 0.5)
    rig(model, {US: {q: 0.0}, DPRK: {q: 0.3}})
    model._hold_summit(model.week)
    assert model.agreement is not None and {k: model.agreement[k] for k in ("type", "week", "point")} == {
        "type": "interim",
        "week": model.week,
        "point": pytest.approx({"d": 0.35, "r": 0.5}),
    }


# ------------------------------------------------------------------ bookkeeping


def test_a_summit_books_its_count_first_week_and_clears_the_schedule(hanoi: Scenario) -> None:
    model = fresh(hanoi)
    sm = model.summit
    held = sm.held
    sm.status, sm.offered_by, sm.week = "scheduled", US, 5
    rig(model, {US: {}, DPRK: {}})  # nothing worth offering on either side
    model._hold_summit(7)
    assert (sm.held, sm.first_week, sm.status, sm.offered_by, sm.week) == (held + 1, 7, "none", -1, -1)
    assert sm.offers == {US: None, DPRK: None}
    assert [(e["step"], e["detail"]) for e in events(model, "summit_held")] == [(7, str(held + 1))]
    rig(model, {US: {}, DPRK: {}})
    model._hold_summit(12)
    assert (sm.held, sm.first_week) == (held + 2, 7)  # the first summit's week stays
    # a first summit in week 0 is a first summit too, and stays the first
    model = fresh(hanoi)
    rig(model, {US: {}, DPRK: {}})
    model._hold_summit(0)
    rig(model, {US: {}, DPRK: {}})
    model._hold_summit(5)
    assert model.summit.first_week == 0
    rows = events(model, "summit_held")
    assert [(e["sender"], e["receiver"], e["source"]) for e in rows] == [("trump", "kim", "summit")] * 2


# ------------------------------------------------------------------ after a walk-away


def _walk(model: DiplomacyModel) -> None:
    # nothing to sign, and no declaration on offer (it needs trust >= trust_decl = 0.5 both ways): a walk-away
    rig(model, {US: {}, DPRK: {}})
    for c, o in ((US, DPRK), (DPRK, US)):
        model._set_trust(np.array([model.leader_of[c]]), o, np.array([1e-3]))
    model._hold_summit(model.week)
    assert model.summit.results[-1] == "walk_away"


@pytest.mark.parametrize(("p_blame", "blamed"), [(0.0, 0), (1.0, 2)])
def test_blame_follows_a_walk_away_with_probability_p_blame_for_each_side(hanoi: Scenario, p_blame: float, blamed: int) -> None:
    model = fresh(hanoi, p_blame=p_blame, trust_decl=0.5)
    _walk(model)
    rows = events(model, "blame")
    assert len(rows) == blamed
    assert sorted(e["sender"] for e in rows) == sorted(["trump", "kim"][:blamed])
    walked = events(model, "walk_away")
    assert len(walked) == 1
    assert model.summit.walked_by == [walked[0]["sender"]]
    assert walked[0]["source"] == "derived"


def test_frozen_factions_are_never_blamed(hanoi: Scenario) -> None:
    model = fresh(hanoi, p_blame=1.0, trust_decl=0.5)
    model.ablations = frozenset({"factions"})
    _walk(model)
    assert events(model, "blame") == []


def test_the_walk_away_moves_the_receivers_trust_as_its_catalogue_says(hanoi: Scenario) -> None:
    """The derived walk-away is delivered like any signal: the other leader's trust in the walker's side
    falls by its catalogued magnitude (the hawk scaling of a fixed shift), and the walker's own does not move."""
    model = fresh(hanoi, p_blame=0.0, trust_decl=0.5)
    kind = model.catalogue["walk_away"]
    assert kind.trust.magnitude < 0
    before = model.state.trust_logit.copy()
    _walk(model)
    walker = model.index_of[model.summit.walked_by[0]]
    w_side = int(model.side_of[walker])
    other_leader = int(model.leader_of[1 - w_side])
    x = float(model.state.stance[other_leader])
    moved = float(model.state.trust_logit[other_leader, w_side] - before[other_leader, w_side])
    # set by _walk to 1e-3 first; the walk-away's shift comes on top of that
    assert moved == pytest.approx(
        tr.logit(1e-3) - before[other_leader, w_side] + float(tr.fixed_shift(kind.trust.magnitude, model.params.phi, x)), abs=1e-9
    )
    assert float(model.state.trust_logit[walker, 1 - w_side]) == pytest.approx(tr.logit(1e-3), abs=1e-9)


# ------------------------------------------------------------------ the estimate of the other side's ratification


def test_perceived_acceptance_without_noise_is_the_smooth_rule_on_the_true_thresholds(hanoi: Scenario) -> None:
    model = fresh(hanoi, sigma_w=0.0)
    for c in (US, DPRK):
        a, b = model.perceived_acceptance(c), model.perceived_acceptance(c)
        np.testing.assert_array_equal(a, b)  # no noise drawn into it
        inside = model.state.win_sets[c]
        # every point of the true win-set is at least as likely as every point outside it
        assert inside.any() and (~inside).any()
        assert a[inside].min() >= a[~inside].max() - 1e-9


def test_perception_noise_scales_with_sigma_w_and_the_perception_state(hanoi: Scenario) -> None:
    def spread(sigma: float, log_scale: float) -> float:
        model = fresh(hanoi, sigma_w=sigma)
        model.state.perception_log = log_scale
        draws = np.array([model.perceived_acceptance(DPRK) for _ in range(40)])
        return float(draws.std(axis=0).mean())

    quiet, noisy = spread(0.05, 0.0), spread(0.2, 0.0)
    assert noisy > quiet > 0
    # envoys sharpen perception (a lower perception_log): the same sigma_W, less spread
    assert spread(0.2, math.log(0.25)) < noisy


# ------------------------------------------------------------------ the offer's own rule


@pytest.mark.parametrize(("theta_acc", "expected"), [(0.0, (0.5, 0.0)), (1.0, (0.5, 0.5))])
def test_the_proposer_weighs_its_gain_by_the_estimated_acceptance_and_the_value_of_signing(
    hanoi: Scenario, theta_acc: float, expected: tuple[float, float]
) -> None:
    """q = argmax P(accept) (gain + theta_acc), P(accept) = perceived x expit(gain of the other / sigma_W).

    By hand (sigma_W = 0.1): q1 = (0.5, 0): US gain .5, DPRK gain 0 -> P = .5, value .25 (1.5 x .5 = .75 with theta_acc 1);
    q2 = (0.5, 0.5): US gain .1, DPRK gain .3 -> P = expit(3) = .953, value .095 (1.1 x .953 = 1.05)."""
    model = fresh(hanoi, theta_acc=theta_acc)
    q1, q2 = at(model, 0.5, 0.0), at(model, 0.5, 0.5)
    rig(model, {US: {q1: 0.5, q2: 0.1}, DPRK: {q1: 0.0, q2: 0.3}})
    model._hold_summit(model.week)
    assert model.summit.offers[US] == at(model, *expected)


def test_a_wider_perception_temperature_would_change_the_offer(hanoi: Scenario) -> None:
    """The acceptance estimate's temperature is sigma_W (0.1 here): at q1 the DPRK loses .2 -> expit(-2) = .12,
    value .3 x .12 = .036; at q2 it gains .1 -> expit(1) = .73, value .1 x .73 = .073: the US offers q2.
    (A temperature of 1 would make it q1: .3 x .45 = .135 against .1 x .52 = .052.)"""
    model = fresh(hanoi)
    assert model.params.sigma_w == pytest.approx(0.1)
    q1, q2 = at(model, 0.6, 0.0), at(model, 0.6, 0.5)
    rig(model, {US: {q1: 0.3, q2: 0.1}, DPRK: {q1: -0.2, q2: 0.1}})
    model._hold_summit(model.week)
    assert model.summit.offers[US] == q2


# ------------------------------------------------------------------ walk-away or declaration, given the values


def _decide(hanoi: Scenario, values: dict[int, tuple[float, float]], **params: float) -> DiplomacyModel:
    model = fresh(hanoi, p_blame=0.0, **params)
    rig(model, {US: {}, DPRK: {}})
    model.summit_values = lambda rejected=frozenset(), gains=None: values  # type: ignore[method-assign]
    model._hold_summit(model.week)
    return model


@pytest.mark.parametrize(
    ("values", "result", "walker"),
    [
        ({US: (0.3, 1.0), DPRK: (0.2, 0.5)}, "declaration", None),  # both prefer declaring, though walking is worth something
        ({US: (0.3, 0.1), DPRK: (0.2, 0.5)}, "walk_away", "trump"),  # one preferring to walk is enough
        ({US: (0.3, 0.1), DPRK: (0.9, 0.5)}, "walk_away", "kim"),  # the larger gap walks (.4 against .2)
        ({US: (0.5, 0.2), DPRK: (0.6, 0.3)}, "walk_away", "trump"),  # a tie goes to the first side
    ],
)
def test_walk_or_declare_by_hand(hanoi: Scenario, values: dict, result: str, walker: str | None) -> None:
    model = _decide(hanoi, values)
    assert model.summit.results[-1] == result
    assert model.summit.walked_by == ([walker] if walker else [])
    assert model.summit.values == {
        "trump.walk": values[US][0],
        "trump.decl": values[US][1],
        "kim.walk": values[DPRK][0],
        "kim.decl": values[DPRK][1],
    }


def test_without_trust_enough_for_a_declaration_someone_walks_even_at_a_loss(hanoi: Scenario) -> None:
    """With the declaration's trust floor unmet, its value does not count: the larger EU(walk) walks, negative or not."""
    values = {US: (-0.5, 1.0), DPRK: (-0.2, 1.0)}
    model = _decide(hanoi, values, trust_decl=0.5)
    for c, o in ((US, DPRK), (DPRK, US)):
        assert float(model.trust_matrix()[model.leader_of[c], o]) < 0.5
    assert model.summit.results[-1] == "walk_away"
    assert model.summit.walked_by == ["kim"]
    # with the floor met, both prefer declaring
    assert _decide(hanoi, values).summit.results[-1] == "declaration"


def test_the_walk_away_lands_on_the_other_side(hanoi: Scenario) -> None:
    """Its catalogued effects fall on the side walked away from: that side's hardliners harden and its economic and
    domestic pressures rise (+0.1 each, the walk-away's catalogue); the walker's side is untouched."""
    model = fresh(hanoi, p_blame=0.0, trust_decl=0.5)
    s = model.state
    stance, economic, domestic = s.stance.copy(), s.economic.copy(), s.domestic.copy()
    _walk(model)
    walked = events(model, "walk_away")
    walker = model.index_of[walked[0]["sender"]]
    w_side = int(model.side_of[walker])
    o_side = 1 - w_side
    assert walked[0]["receiver"] == model.actor_ids[model.leader_of[o_side]]
    hard = model.roles == "hardliner"
    theirs, ours = hard & (model.side_of == o_side), hard & (model.side_of == w_side)
    assert (s.stance[theirs] > stance[theirs]).all()
    np.testing.assert_array_equal(s.stance[ours], stance[ours])
    assert s.domestic[o_side] == pytest.approx(domestic[o_side] + 0.1)
    assert s.economic[o_side] == pytest.approx(economic[o_side] + 0.1)
    assert (s.domestic[w_side], s.economic[w_side]) == (domestic[w_side], economic[w_side])


def test_an_agreement_books_no_letdown(hanoi: Scenario) -> None:
    """Only a declaration books the later letdown of an empty statement (docs/ODD.md 7.19); a signed deal does not."""
    model = fresh(hanoi)
    q = at(model, 0.4, 0.3)
    rig(model, {US: {q: 0.3}, DPRK: {q: 0.3}})
    model._hold_summit(model.week)
    assert model.agreement is not None and {k: model.agreement[k] for k in ("type", "week", "point")} == {
        "type": "interim",
        "week": model.week,
        "point": pytest.approx({"d": 0.4, "r": 0.3}),
    }
    assert model.summit.letdowns == []
    declared = fresh(hanoi)
    q = at(declared, 0.1, 0.0)
    rig(declared, {US: {q: 0.3}, DPRK: {q: 0.3}})
    declared._hold_summit(declared.week)
    assert declared.summit.results[-1] == "declaration"
    assert declared.summit.letdowns == [(declared.week + declared.params.letdown_weeks, US)]


@pytest.mark.parametrize(
    ("values", "params", "result", "walker"),
    [
        # a leader indifferent between walking and declaring declares (the rule is "no gap above 0")
        ({US: (0.5, 0.5), DPRK: (0.2, 0.5)}, {}, "declaration", None),
        # trust exactly at the declaration's floor meets it
        ({US: (0.1, 0.5), DPRK: (0.2, 0.5)}, {"trust_decl": 0.5, "at": 0.5}, "declaration", None),
        # below the floor a declaration's value does not count, however it differs between the leaders
        ({US: (-0.5, 0.0), DPRK: (-0.2, 1.0)}, {"trust_decl": 0.5, "at": 0.4}, "walk_away", "kim"),
    ],
)
def test_walk_or_declare_at_the_edges(hanoi: Scenario, values: dict, params: dict, result: str, walker: str | None) -> None:
    params = dict(params)  # the parametrize table is shared by every run of the test (mutmut runs it twice in one process)
    at_trust = params.pop("at", None)
    model = fresh(hanoi, p_blame=0.0, **params)
    rig(model, {US: {}, DPRK: {}})
    if at_trust is not None:
        for c, o in ((US, DPRK), (DPRK, US)):
            model._set_trust(np.array([model.leader_of[c]]), o, np.array([at_trust]))
    model.summit_values = lambda rejected=frozenset(), gains=None: values  # type: ignore[method-assign]
    model._hold_summit(model.week)
    assert model.summit.results[-1] == result
    assert model.summit.walked_by == ([walker] if walker else [])


def test_trust_exactly_at_the_floor_meets_it(hanoi: Scenario) -> None:
    model = fresh(hanoi, mu_min=0.5)
    q = at(model, 0.35, 0.5)
    rig(model, {US: {q: 0.1}, DPRK: {q: 0.3}})
    for c, o in ((US, DPRK), (DPRK, US)):
        model._set_trust(np.array([model.leader_of[c]]), o, np.array([0.5]))
    assert float(model.trust_matrix()[model.leader_of[US], DPRK]) == 0.5
    model._hold_summit(model.week)
    assert model.agreement is not None and {k: model.agreement[k] for k in ("type", "week", "point")} == {
        "type": "interim",
        "week": model.week,
        "point": pytest.approx({"d": 0.35, "r": 0.5}),
    }
