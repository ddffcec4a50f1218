"""A summit of several steps (ODD 7.19): one set of rounds a step, the outcome at a deal or at the last step.

teaching.yaml with ``summit.steps: 3``. Each step's rounds are replaced by a
script (which points are accepted when), so the tests read the session's
bookkeeping: when the outcome comes, how the rounds are numbered, what the
other actors may do meanwhile.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from tests.strategies import edited, summit_ready


def session(steps: int, rounds: int = 1) -> DiplomacyModel:
    def edit(data: dict[str, Any]) -> None:
        data["summit"].update({"steps": steps, "rounds": rounds})

    return summit_ready(edited("teaching", edit), mu_min=0.0)


def script(model: DiplomacyModel, accept_on_call: int | None) -> list[int]:
    """Make every round refuse everything except call number ``accept_on_call`` (1-based), which accepts the point
    (d, r) = (0.4, 0.3), an interim agreement. Returns the list of calls, by step."""
    calls: list[int] = []
    q = int(np.flatnonzero(np.isclose(model.grid[:, 0], 0.4) & np.isclose(model.grid[:, 1], 0.3))[0])
    G = model.grid.shape[0]
    gains = {(0, 1): np.zeros(G), (1, 0): np.zeros(G)}

    def round_(t: int) -> tuple:
        calls.append(t)
        accepted = [q] if len(calls) == accept_on_call else []
        return {0: None, 1: None}, None, accepted, set(), set(), gains

    model._summit_round = round_  # type: ignore[method-assign]
    return calls


def kinds_at(model: DiplomacyModel, step: int) -> list[str]:
    return [e["kind"] for e in model.events if e["step"] == step and e["source"] == "summit"]


def advance(model: DiplomacyModel, t: int) -> None:
    """Step 7 of week t for a summit in session (what DiplomacyModel.step does there)."""
    if model.summit.session_end >= t:
        model._session_step(t)


def test_without_a_deal_the_outcome_comes_at_the_last_step() -> None:
    m = session(3)
    calls = script(m, accept_on_call=None)
    m._hold_summit(5)
    assert m.summit.status == "in_session" and m.summit.session_end == 7
    assert m.summit.results == [] and kinds_at(m, 5) == ["summit_held"]
    advance(m, 6)
    assert m.summit.results == [] and kinds_at(m, 6) == ["summit_round"]
    advance(m, 7)
    assert calls == [5, 6, 7]
    assert m.summit.results[-1] in ("declaration", "walk_away")
    assert m.summit.session_end == -1 and m.summit.status == "none"
    assert m.summit.held == 1  # one summit, three steps
    rounds = [e["detail"] for e in m.events if e["kind"] == "summit_round"]
    assert rounds == ["2", "3"]  # the session's rounds are numbered across its steps


def test_a_deal_ends_the_session_at_once() -> None:
    m = session(3)
    calls = script(m, accept_on_call=2)
    m._hold_summit(5)
    advance(m, 6)
    assert calls == [5, 6]
    assert m.agreement is not None and m.agreement["week"] == 6 and m.agreement["type"] == "interim"
    assert m.summit.session_end == -1
    advance(m, 7)
    assert calls == [5, 6]  # nothing held at the step that would have been the last


@pytest.mark.parametrize("rounds", [1, 2])
def test_one_step_summits_are_what_they_were(rounds: int) -> None:
    """steps 1 (the default): the outcome at the summit's own step, rounds numbered from 2 within it."""
    m = session(1, rounds)
    calls = script(m, accept_on_call=None)
    m._hold_summit(5)
    assert calls == [5] * rounds
    assert m.summit.results[-1] in ("declaration", "walk_away")
    assert m.summit.status == "none" and m.summit.session_end == -1
    assert [e["detail"] for e in m.events if e["kind"] == "summit_round"] == [str(k) for k in range(2, rounds + 1)]


def test_no_new_summit_is_offered_or_cancelled_while_one_is_in_session() -> None:
    m = session(3)
    script(m, accept_on_call=None)
    m._hold_summit(5)
    _eu, feasible = policy.expected_utilities(m)
    for kind in ("summit_offer", "summit_accept", "summit_cancel"):
        assert not feasible[:, m.kinds.index(kind) + 1].any(), kind


def test_a_session_runs_through_whole_runs() -> None:
    """Free runs of teaching with the mediator and three-step summits: every summit's outcome is at most 2 steps after it opened."""

    def edit(data: dict[str, Any]) -> None:
        data["summit"].update({"steps": 3, "mediator": "gil"})

    from summitry.sim.run import run_scenario

    sc = edited("teaching", edit)
    seen = 0
    for seed in range(15):
        events = run_scenario(sc, seed=seed).events.to_pylist()
        opened = [e["step"] for e in events if e["kind"] == "summit_held"]
        ended = [e["step"] for e in events if e["kind"] in ("declaration", "walk_away", "agreement")]
        for o in opened:
            later = [x for x in ended if x >= o]
            if later:
                assert later[0] - o <= 2
                seen += 1
    assert seen >= 5


def test_a_dated_summit_inside_a_session_goes_on_with_it_in_forcing_mode() -> None:
    """The record dates the meeting on two days of the same three-day session: one summit, whose rounds run on."""

    def edit(data: dict[str, Any]) -> None:
        data["summit"].update({"steps": 3, "rounds": 1, "status": "none"})
        data.setdefault("events", []).extend(
            [
                {"date": "2020-01-20", "kind": "summit", "text": "The talks open"},
                {"date": "2020-01-27", "kind": "summit", "text": "The talks' second week"},
            ]
        )

    m = DiplomacyModel(edited("teaching", edit), seed=0, mode="forcing")
    calls = script(m, accept_on_call=None)
    for _ in range(6):
        m.step()
    # opened at week 2, in session at 3 and 4 (the dated week 3 did not restart it), decided at its last step, 4
    assert calls == [2, 3, 4]
    assert m.summit.held == 1
    assert [e["step"] for e in m.events if e["kind"] == "summit_held"] == [2]
    assert [e["detail"] for e in m.events if e["kind"] == "summit_round"] == ["2", "3"]


# ------------------------------------------------------------------ holding out until the session's end


def rig_offers(m: DiplomacyModel) -> tuple[int, int, dict[int, float]]:
    """Alpha gains 0.3 at qa and 0.05 at qb, beta the reverse (-1 elsewhere); win-sets hold everything and perception is
    perfect. Each leader's best offer is its own point; returns (qa, qb, each side's best expected gain E*)."""
    from summitry.sim.mechanisms import trust as tr

    G = m.grid.shape[0]
    qa = int(np.flatnonzero(np.isclose(m.grid[:, 0], 0.6) & np.isclose(m.grid[:, 1], 0.3))[0])
    qb = int(np.flatnonzero(np.isclose(m.grid[:, 0], 0.4) & np.isclose(m.grid[:, 1], 0.5))[0])
    table = {0: np.full(G, -1.0), 1: np.full(G, -1.0)}
    table[0][qa], table[0][qb] = 0.3, 0.05
    table[1][qb], table[1][qa] = 0.3, 0.05
    m.state.win_sets = np.ones((2, G), dtype=bool)
    m.deal_gain = lambda c, o: table[c].copy()  # type: ignore[method-assign]
    m.perceived_acceptance = lambda c: np.ones(G)  # type: ignore[method-assign]
    m.estimated_ratification = lambda c, tau: np.ones(G)  # type: ignore[method-assign]
    m._recompute_bargaining = lambda: None  # type: ignore[method-assign]
    tau = max(m.params.sigma_w, 0.02)
    # E*: the best of p_accept x gain, p_accept = expit(the other's gain / tau): 0.3 x expit(0.05 / tau) at one's own point
    best = 0.3 * float(tr.expit(0.05 / tau))
    return qa, qb, {0: best, 1: best}


def test_before_the_last_step_a_leader_holds_out_for_its_best_expected_deal_and_takes_it_at_the_end() -> None:
    m = session(3)
    qa, qb, best = rig_offers(m)
    m._hold_summit(5)
    advance(m, 6)
    for t, remaining in ((5, 2), (6, 1)):
        refusals = [e for e in m.events if e["step"] == t and e["kind"] == "offer_rejected"]
        holds = {
            e["receiver"]: float(m.state.patience[m.index_of[e["receiver"]]]) ** remaining * best[int(m.side_of[m.index_of[e["receiver"]]])]
            for e in refusals
        }
        # each refuses the other's offer, worth 0.05 to it, against delta^R x E* (about 0.18 at these numbers)
        assert sorted(e["receiver"] for e in refusals) == ["ada", "bo"]
        for e in refusals:
            assert e["detail"].endswith(f"holding out: 0.05 against {holds[e['receiver']]:.2f} expected by the session's end")
        assert 0.15 < min(holds.values()) < 0.2
    assert m.agreement is None and m.summit.status == "in_session"
    advance(m, 7)  # the last step: nothing left to wait for, each takes the other's offer
    assert m.agreement is not None and m.agreement["week"] == 7
    assert m.agreement["grid_index"] in (qa, qb)


def test_a_one_step_summit_does_not_hold_out() -> None:
    m = session(1)
    rig_offers(m)
    m._hold_summit(5)
    assert m.agreement is not None and m.agreement["week"] == 5
    assert not [e for e in m.events if "holding out" in (e["detail"] or "")]


@pytest.mark.parametrize(
    ("win_set", "remaining", "want"),
    [
        ([True, True], 2, 0.9**2 * 0.2),  # the better expected offer: 1.0 x 0.2 against 0.5 x 0.3
        ([True, False], 2, 0.9**2 * 0.15),  # a point outside its own win-set is not an offer it can make
        ([False, False], 2, 0.0),
        ([True, True], 0, 0.0),  # the last step: nothing to wait for
        ([True, True], -1, 0.0),
    ],
)
def test_the_hold_out_value_by_hand(win_set: list[bool], remaining: int, want: float) -> None:
    from summitry.sim.mechanisms import bargaining as bg

    got = bg.hold_out_value(np.array([0.3, 0.2]), np.array(win_set), np.array([0.5, 1.0]), 0.9, remaining)
    assert got == pytest.approx(want, abs=1e-15)


# ------------------------------------------------------------------ one session step, its parts replaced by tables

ALPHA, BETA = 0, 1


def _one_step(rounds_a_step: int = 1, **params: float) -> tuple[DiplomacyModel, int, list[tuple]]:
    """A teaching model at the last step of a session, and the list its rounds return in turn (filled by the test)."""
    params = {"mu_min": 0.0, "p_blame": 0.0, **params}
    model = summit_ready(edited("teaching", lambda d: d["summit"].update({"rounds": rounds_a_step})), **params)
    t = model.week
    model.summit.session_end = t
    rounds: list[tuple] = []
    model._summit_round = lambda t: rounds.pop(0)  # type: ignore[method-assign]
    return model, t, rounds


def _at(model: DiplomacyModel, d: float, r: float) -> int:
    return int(np.flatnonzero(np.isclose(model.grid[:, 0], d) & np.isclose(model.grid[:, 1], r))[0])


def _gains(model: DiplomacyModel, va: float, vb: float) -> dict[tuple[int, int], np.ndarray]:
    G = model.grid.shape[0]
    return {(ALPHA, BETA): np.full(G, va), (BETA, ALPHA): np.full(G, vb)}


def test_a_step_of_two_rounds_keeps_both_rounds_rejections_and_the_mediator_acts_between_them() -> None:
    """Round 1: alpha refuses an offer and beta the mediator's text; round 2: nobody refuses anything. The second
    round is logged; the mediator pays and presses once, between the rounds, with round 1's text, refusers and
    gains; the walk-away comparison reads both rounds' refusers and the last round's gains. With walking worth
    less than declaring to both, the step ends in a declaration, which moves each leader's trust in the other side
    by the declaration's log-odds gain and nothing else."""
    from summitry.sim.mechanisms import trust as tr

    model, t, rounds = _one_step(rounds_a_step=2, trust_decl=0.0)
    q_t = _at(model, 0.6, 0.4)
    g1, g2 = _gains(model, 0.1, 0.2), _gains(model, 0.3, 0.4)
    none = {ALPHA: None, BETA: None}
    rounds += [(none, q_t, [], {ALPHA}, {BETA}, g1), (none, None, [], set(), set(), g2)]
    pays: list[tuple] = []
    presses: list[tuple] = []
    asked: list[tuple] = []
    model._mediator_pays = lambda t, text, sides, gains: pays.append((t, text, sides, gains))  # type: ignore[method-assign]
    model._mediator_presses = lambda t, sides: presses.append((t, sides))  # type: ignore[method-assign]

    def values(rejected: frozenset[int], gains: dict) -> dict[int, tuple[float, float]]:
        asked.append((rejected, gains))
        return {ALPHA: (-1.0, 0.5), BETA: (-1.0, 0.5)}

    model.summit_values = values  # type: ignore[method-assign]
    before = model.trust_matrix().copy()
    model._session_step(t)
    assert [(e["step"], e["sender"], e["receiver"], e["source"], e["detail"]) for e in model.events if e["kind"] == "summit_round"] == [
        (t, "ada", "bo", "summit", "2")
    ]
    assert pays == [(t, q_t, {BETA}, g1)] and presses == [(t, {BETA})]
    assert asked == [(frozenset({ALPHA, BETA}), g2)]
    assert model.summit.results[-1] == "declaration"
    ada, bo = model.index_of["ada"], model.index_of["bo"]
    want = before.copy()
    gain = model.params.declaration_gain
    want[ada, BETA] = tr.expit(tr.logit(before[ada, BETA]) + gain)
    want[bo, ALPHA] = tr.expit(tr.logit(before[bo, ALPHA]) + gain)
    np.testing.assert_allclose(model.trust_matrix(), want, rtol=0, atol=1e-12)


def test_the_leader_whose_walk_beats_the_alternative_by_more_walks_on_the_other() -> None:
    """No declaration is available (its trust floor is 1): each leader compares walking with nothing. Beta's walk
    (0.4) beats alpha's (0.2), so Bo walks away from Ada, and the event row meters the walk-away on Alpha: its
    leader's trust in Beta before and after, the summed change of everyone outside Beta, the two pressures it raises (0.1 each) and
    the stance of Alpha's one hardliner (+0.1)."""
    model, t, rounds = _one_step(trust_decl=1.0)
    rounds.append(({ALPHA: None, BETA: None}, None, [], set(), set(), _gains(model, 0.0, 0.0)))
    model.summit_values = lambda rejected, gains: {ALPHA: (0.2, 0.5), BETA: (0.4, 0.45)}  # type: ignore[method-assign]
    ada = model.index_of["ada"]
    mu_before = model.trust_matrix()[:, BETA].copy()
    model._session_step(t)
    rows = [e for e in model.events if e["kind"] == "walk_away"]
    assert [(e["step"], e["sender"], e["receiver"], e["source"]) for e in rows] == [(t, "bo", "ada", "derived")]
    row = rows[0]
    mu_after = model.trust_matrix()[:, BETA]
    assert mu_after[ada] < mu_before[ada]
    assert row["trust_before"] == pytest.approx(mu_before[ada], abs=1e-12)
    assert row["trust_after"] == pytest.approx(mu_after[ada], abs=1e-12)
    # the change metered is everyone's outside Beta (its own members do not read their side's signal)
    outside = model.side_of != BETA
    assert row["trust_change"] == pytest.approx(float(np.abs(mu_after - mu_before)[outside].sum()), abs=1e-12)
    assert row["trust_change"] > mu_before[ada] - mu_after[ada]
    assert row["pressure_change"] == pytest.approx(0.2, abs=1e-12)
    assert row["stance_change"] == pytest.approx(0.1, abs=1e-12)
    assert model.summit.walked_by == ["bo"]


def test_a_signed_mediators_text_is_logged_and_its_payments_kept_to_six_decimals() -> None:
    """Both sides take the mediator's text, an interim point, with a side payment promised to alpha: the text's
    signing is logged from the mediator to the first principal, and the agreement keeps the payment rounded to
    six decimals."""
    model, t, rounds = _one_step()
    q_t = _at(model, 0.6, 0.4)
    rounds.append(({ALPHA: None, BETA: None}, q_t, [q_t], set(), set(), _gains(model, 0.0, 0.0)))
    model.summit_mediator = model.index_of["gil"]
    model.summit.payments = {ALPHA: 0.1234567}
    model._session_step(t)
    assert [(e["step"], e["sender"], e["receiver"], e["source"], e["detail"]) for e in model.events if e["kind"] == "text_signed"] == [
        (t, "gil", "ada", "summit", model._describe_point(q_t))
    ]
    assert model.agreements[-1]["payments"] == {"alpha": 0.123457}


def test_after_a_walk_away_each_side_blames_the_largest_backer_of_its_own_offer() -> None:
    """Blame is certain (p_blame 1). Alpha offered a point only its diplomats back (the hawks' thresholds are out
    of reach), though the hawks weigh more: Ada blames the diplomats. Beta offered nothing, so Bo blames its
    largest faction. A hardliner already at 0.95 moved by the walk-away's +0.1 stops at 1."""
    model, t, rounds = _one_step(trust_decl=1.0, p_blame=1.0)
    q = _at(model, 0.5, 0.3)
    rounds.append(({ALPHA: q, BETA: None}, None, [], set(), set(), _gains(model, 0.0, 0.0)))
    model.summit_values = lambda rejected, gains: {ALPHA: (0.4, 0.0), BETA: (0.2, 0.0)}  # type: ignore[method-assign]
    s = model.state
    hawks, diplomats = model.index_of["alpha-hawks"], model.index_of["alpha-diplomats"]
    s.thresholds[hawks], s.thresholds[diplomats] = 10.0, -10.0
    s.omega[hawks], s.omega[diplomats] = 0.5, 0.2
    beta_hawks, reformers = model.index_of["beta-hardliners"], model.index_of["beta-reformers"]
    s.omega[beta_hawks], s.omega[reformers] = 0.2, 0.5
    s.stance[beta_hawks] = 0.95
    model._session_step(t)
    assert [(e["sender"], e["receiver"]) for e in model.events if e["kind"] == "walk_away"] == [("ada", "bo")]
    assert s.stance[beta_hawks] == 1.0
    assert [(e["step"], e["sender"], e["receiver"]) for e in model.events if e["kind"] == "blame"] == [
        (t, "ada", "alpha-diplomats"),
        (t, "bo", "beta-reformers"),
    ]
