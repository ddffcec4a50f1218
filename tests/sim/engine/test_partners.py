"""Co-negotiators (ODD 7.19): a summit side's partners sit at the table with their own win-sets.

teaching.yaml with a third side, gamma, at the table beside alpha: a deal is
signed only when gamma's coalition ratifies it too, and every forecast of a
deal (the offers' chance of acceptance, the summit's prospect, the
mediator's text) counts gamma's consent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.scenario.document import Scenario, load_scenario_text
from tests.strategies import logged, summit_ready

TEACHING = (Path(__file__).resolve().parents[3] / "scenarios" / "teaching.yaml").read_text()
GAMMA = """  gamma:
    name: Gamma
    utility: {d: 1.0, r: -1.0}
    leader: {id: gus, name: Premier Gus, acceptance: {concession_weight: 1.0, threshold: 0.0}}
third_parties:
"""
ALPHA, BETA, GAMMA_SIDE = 0, 1, 2


def teaching_with_gamma(partners: str = "partners: {alpha: [gamma]}") -> Scenario:
    text = TEACHING.replace("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, beta], " + partners + "}")
    return load_scenario_text(text.replace("third_parties:\n", GAMMA, 1), "teaching-gamma.yaml")


def _two_partners() -> DiplomacyModel:
    delta = GAMMA.replace("  gamma:\n    name: Gamma", "  delta:\n    name: Delta").replace(
        "id: gus, name: Premier Gus", "id: dora, name: Premier Dora"
    )
    text = TEACHING.replace("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, beta], partners: {alpha: [gamma, delta]}}")
    sc = load_scenario_text(text.replace("third_parties:\n", GAMMA.replace("third_parties:\n", "") + delta, 1), "teaching-two.yaml")
    return summit_ready(sc, mu_min=0.0, p_blame=0.0)


@pytest.fixture(scope="module")
def table() -> Scenario:
    return teaching_with_gamma()


def rig(model: DiplomacyModel, offers: dict[int, int], gamma_accepts: np.ndarray, gamma_gain: np.ndarray | None = None) -> None:
    """Each principal's gain: 0.4 at its own offer, 0.1 at the other's, -1 elsewhere; gamma's as given (-1 everywhere,
    so that it offers nothing, unless given); both principals' win-sets everything, gamma's as given; perception perfect."""
    G = model.grid.shape[0]
    gains = {GAMMA_SIDE: np.full(G, -1.0) if gamma_gain is None else gamma_gain}
    for c, q in offers.items():
        g = np.full(G, -1.0)
        g[q] = 0.4
        g[offers[1 - c]] = 0.1
        gains[c] = g
    model.state.win_sets = np.array([np.ones(G, bool), np.ones(G, bool), gamma_accepts])
    model.deal_gain = lambda c, o: gains[c]  # type: ignore[method-assign]
    model.perceived_acceptance = lambda c: np.ones(G) if c == GAMMA_SIDE else model.state.win_sets[c].astype(float)  # type: ignore[method-assign]
    # the principals expect gamma to go along (its consent perceived and estimated at 1 everywhere), as a principal
    # who misjudges an ally would; gamma's own win-set then decides at the table
    model.estimated_ratification = lambda c, tau: np.ones(G) if c == GAMMA_SIDE else model.state.win_sets[c].astype(float)  # type: ignore[method-assign]


def test_a_partner_faces_the_side_across_the_table(table: Scenario) -> None:
    m = DiplomacyModel(table, seed=0)
    assert m.partners == {ALPHA: [GAMMA_SIDE]}
    assert int(m.counterpart_side[GAMMA_SIDE]) == BETA
    assert m.receiver_of(m.index_of["gus"], "threat") == m.index_of["bo"]


@pytest.mark.parametrize("gamma_takes", [False, True])
def test_a_deal_is_signed_only_when_the_partner_ratifies_it(table: Scenario, gamma_takes: bool) -> None:
    """Both principals accept each other's offer; gamma's win-set decides whether anything is signed."""
    m = summit_ready(table, mu_min=0.0)
    G = m.grid.shape[0]
    q_a = int(np.flatnonzero(np.isclose(m.grid[:, 0], 0.8) & np.isclose(m.grid[:, 1], 0.6))[0])
    q_b = int(np.flatnonzero(np.isclose(m.grid[:, 0], 0.4) & np.isclose(m.grid[:, 1], 0.3))[0])
    gamma = np.zeros(G, bool)
    if gamma_takes:
        gamma[q_a] = True
    rig(m, {ALPHA: q_a, BETA: q_b}, gamma)
    m._hold_summit(m.week)
    partner_refusals = [e for e in m.events if e["kind"] == "offer_rejected" and "refused by a partner" in e["detail"]]
    if gamma_takes:
        assert m.agreement is not None and m.agreement["grid_index"] == q_a
        assert [e["receiver"] for e in partner_refusals] == ["gus"]  # beta's offer: gamma refuses it
    else:
        assert m.agreement is None
        assert sorted(e["sender"] for e in partner_refusals) == ["ada", "bo"]  # both offers refused by gamma


def test_the_partners_consent_is_their_smooth_ratification(table: Scenario) -> None:
    m = DiplomacyModel(table, seed=0)
    tau = 0.1
    np.testing.assert_allclose(m.partner_consent(tau), m.estimated_ratification(GAMMA_SIDE, tau))
    np.testing.assert_allclose(m.partner_consent(tau, BETA), np.ones(m.grid.shape[0]))  # beta has no partner


def test_a_reluctant_partner_lowers_the_summit_prospect(table: Scenario) -> None:
    """With declarations out of reach (trust_decl 1), the prospect is the best expected deal, which gamma's consent scales."""
    easy = summit_ready(table, trust_decl=1.0)
    hard = summit_ready(table, trust_decl=1.0)
    gus = hard.index_of["gus"]
    hard.state.thresholds[gus] = easy.state.thresholds[gus] + 0.3
    tau = 0.1
    assert (hard.partner_consent(tau) <= easy.partner_consent(tau) + 1e-12).all()
    assert (hard.partner_consent(tau) < easy.partner_consent(tau)).any()
    v_easy, v_hard = easy.summit_prospect(), hard.summit_prospect()
    assert v_easy[ALPHA] > 0 and v_easy[BETA] > 0
    assert v_hard[ALPHA] < v_easy[ALPHA]
    assert v_hard[BETA] < v_easy[BETA]


def test_the_zone_of_agreement_is_what_every_side_at_the_table_accepts(table: Scenario) -> None:
    m = DiplomacyModel(table, seed=0)
    ws = m.state.win_sets
    assert m.state.zone_area == pytest.approx(bg.zone_area(ws[ALPHA], ws[BETA], ws[GAMMA_SIDE]))
    assert m.state.zone_area <= bg.zone_area(ws[ALPHA], ws[BETA])


def test_without_partners_a_third_side_stays_off_the_table() -> None:
    m = DiplomacyModel(teaching_with_gamma("partners: {}"), seed=0)
    assert m.partners == {}
    np.testing.assert_array_equal(m.partner_consent(0.1), np.ones(m.grid.shape[0]))
    ws = m.state.win_sets
    assert m.state.zone_area == pytest.approx(bg.zone_area(ws[ALPHA], ws[BETA]))


def _spy_offers(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    """Record the chance of acceptance each side's best offer is chosen by (in the round's order), and let it choose."""
    from summitry.sim.engine import summit as summit_module

    seen: list[np.ndarray] = []
    real = summit_module.bg.best_offer

    def spy(gain: np.ndarray, win_set: np.ndarray, p_accept: np.ndarray, theta: float) -> int | None:
        seen.append(np.asarray(p_accept).copy())
        return real(gain, win_set, p_accept, theta)

    monkeypatch.setattr(summit_module.bg, "best_offer", spy)
    return seen


def test_the_offers_read_a_partners_consent_through_the_summits_perception_error(table: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """Alpha's chance that its offer passes is beta's perceived acceptance x sigma(beta's gain / tau) x gamma's
    *perceived* acceptance: a principal who misreads its ally (gamma perceived at 0.25 at alpha's best point, though
    gamma's win-set and its smooth estimate take everything) discounts that point accordingly."""
    from summitry.sim.mechanisms import trust as tr

    m = summit_ready(table, mu_min=0.0)
    G = m.grid.shape[0]
    q_a = int(np.flatnonzero(np.isclose(m.grid[:, 0], 0.8) & np.isclose(m.grid[:, 1], 0.6))[0])
    q_b = int(np.flatnonzero(np.isclose(m.grid[:, 0], 0.4) & np.isclose(m.grid[:, 1], 0.3))[0])
    rig(m, {ALPHA: q_a, BETA: q_b}, np.ones(G, bool))
    doubt = np.ones(G)
    doubt[q_a] = 0.25
    m.perceived_acceptance = lambda c: doubt if c == GAMMA_SIDE else m.state.win_sets[c].astype(float)  # type: ignore[method-assign]
    seen = _spy_offers(monkeypatch)
    m._summit_round(m.week)
    tau = max(m.params.sigma_w, 0.02)
    alpha_view = seen[0]  # alpha offers first
    assert alpha_view[q_a] == pytest.approx(float(tr.expit(0.1 / tau)) * 0.25)
    assert alpha_view[q_b] == pytest.approx(float(tr.expit(0.4 / tau)))


@pytest.mark.parametrize("alpha_takes", [True, False])
def test_a_partner_tables_its_own_offer_and_every_side_at_the_table_must_take_it(table: Scenario, alpha_takes: bool) -> None:
    """Each principal's offer is worth -1 to the other; gamma's offer (its best point, worth 0.4 to it) is worth 0.05
    to beta and 0.05 (or -0.05) to alpha: it is signed exactly when alpha takes it too."""
    m = summit_ready(table, mu_min=0.0, p_blame=0.0)
    G = m.grid.shape[0]

    def at(d: float, r: float) -> int:
        return int(np.flatnonzero(np.isclose(m.grid[:, 0], d) & np.isclose(m.grid[:, 1], r))[0])

    q_a, q_b, q_g = at(0.8, 0.6), at(0.2, 0.1), at(0.5, 0.35)
    gains = {c: np.full(G, -1.0) for c in (ALPHA, BETA, GAMMA_SIDE)}
    gains[ALPHA][q_a], gains[BETA][q_b], gains[GAMMA_SIDE][q_g] = 0.4, 0.4, 0.4
    gains[ALPHA][q_g] = 0.05 if alpha_takes else -0.05
    gains[BETA][q_g] = 0.05
    m.state.win_sets = np.ones((3, G), dtype=bool)
    m.deal_gain = lambda c, o: gains[c].copy()  # type: ignore[method-assign]
    m.perceived_acceptance = lambda c: np.ones(G)  # type: ignore[method-assign]
    m.estimated_ratification = lambda c, tau: np.ones(G)  # type: ignore[method-assign]
    m._hold_summit(m.week)
    assert m.summit.offers[GAMMA_SIDE] == q_g
    from_gus = [e for e in m.events if e["kind"] == "offer_rejected" and e["sender"] == "gus"]
    if alpha_takes:
        assert m.agreement is not None and m.agreement["grid_index"] == q_g
        assert from_gus == []
    else:
        assert m.agreement is None
        assert [e["receiver"] for e in from_gus] == ["ada"]


def test_each_partner_that_refuses_is_logged_after_one_that_accepts() -> None:
    """Two partners beside alpha, gamma then delta: gamma's win-set holds the point, delta's does not. The refusal is
    delta's, logged as an offer refused at the summit; a point both hold is refused by nobody."""
    m = _two_partners()
    gamma_side, delta_side = m.side_ids.index("gamma"), m.side_ids.index("delta")
    assert m.table_partners.tolist() == [gamma_side, delta_side]
    G = m.grid.shape[0]
    q = int(np.flatnonzero(np.isclose(m.grid[:, 0], 0.6) & np.isclose(m.grid[:, 1], 0.4))[0])
    m.state.win_sets[gamma_side] = np.ones(G, bool)
    m.state.win_sets[delta_side] = np.zeros(G, bool)
    assert m._partners_refuse(5, q, m.index_of["ada"]) is True
    refusal = (5, "ada", "dora", "summit", m._describe_point(q) + "; refused by a partner at the table")
    assert logged(m, "offer_rejected") == [refusal]
    m.state.win_sets[delta_side] = np.ones(G, bool)
    assert m._partners_refuse(6, q, m.index_of["ada"]) is False
    assert logged(m, "offer_rejected") == [refusal]


def test_a_partners_offer_weighs_both_principals_and_the_other_partners_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gamma's chance that its offer is taken is alpha's perceived acceptance x beta's x sigma(alpha's gain / tau) x
    sigma(beta's gain / tau) x delta's perceived acceptance (the other partner at the table, not gamma itself); delta's
    is the same with gamma's in place of its own. Every factor differs from point to point and from side to side, so a
    factor left out, divided, or taken from the wrong side changes the numbers."""
    from summitry.sim.mechanisms import trust as tr

    m = _two_partners()
    gamma_side, delta_side = m.side_ids.index("gamma"), m.side_ids.index("delta")
    G = m.grid.shape[0]
    rng = np.random.default_rng(7)
    perceived = {c: rng.uniform(0.2, 0.9, G) for c in (ALPHA, BETA, gamma_side, delta_side)}
    gains = {c: rng.uniform(-0.2, 0.3, G) for c in (ALPHA, BETA, gamma_side, delta_side)}
    m.state.win_sets = np.ones((4, G), dtype=bool)
    m.deal_gain = lambda c, o: gains[c].copy()  # type: ignore[method-assign]
    m.perceived_acceptance = lambda c: perceived[c].copy()  # type: ignore[method-assign]
    seen = _spy_offers(monkeypatch)
    m._summit_round(m.week)
    tau = max(m.params.sigma_w, 0.02)
    principals = perceived[ALPHA] * perceived[BETA] * tr.expit(gains[ALPHA] / tau) * tr.expit(gains[BETA] / tau)
    # alpha and beta offer first (seen[0], seen[1]), then gamma and delta in table order
    assert len(seen) == 4
    np.testing.assert_allclose(seen[2], principals * perceived[delta_side], rtol=1e-12)
    np.testing.assert_allclose(seen[3], principals * perceived[gamma_side], rtol=1e-12)
    # and each partner tables the point of its own win-set that is best for it by that chance
    assert m.summit.offers[gamma_side] == int(np.argmax(gains[gamma_side] * seen[2]))
    assert m.summit.offers[delta_side] == int(np.argmax(gains[delta_side] * seen[3]))


class _Round:
    """A summit round run by hand: the offers each side tables (in the round's order: the principals, then the
    partners), who refuses what, and the hold-out values, all fixed; every refusal asked for is recorded."""

    def __init__(self, m: DiplomacyModel, monkeypatch: pytest.MonkeyPatch, offers: list[int | None], refuse: set[tuple[int, int]]):
        from summitry.sim.engine import summit as summit_module

        self.asked: list[tuple[int, int, int, float]] = []
        self.holds: list[float] = []
        queue = list(offers)
        monkeypatch.setattr(summit_module.bg, "best_offer", lambda gain, win_set, p_accept, theta: queue.pop(0))

        def hold_out(gain: np.ndarray, win_set: np.ndarray, p_accept: np.ndarray, patience: float, remaining: int) -> float:
            self.holds.append(0.11 * (len(self.holds) + 1))  # alpha's 0.11, beta's 0.22
            return self.holds[-1]

        monkeypatch.setattr(summit_module.bg, "hold_out_value", hold_out)

        def refuses(t: int, o: int, q: int, gains: object, proposer: int, hold: float = 0.0) -> bool:
            self.asked.append((o, q, proposer, hold))
            return (o, q) in refuse

        m._refuses = refuses  # type: ignore[method-assign]


def test_a_round_collects_every_refusal_and_holds_each_side_to_its_own_hold_out(table: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session step with two more to come. Alpha tables nothing, beta tables a point alpha refuses, gamma tables a
    point beta refuses, and the mediator's text, which both principals take, lies outside gamma's win-set. Then:
    both principals are among the refusers (alpha's refusal is not lost to gamma's offer), nothing is accepted, the
    text counts as refused by both sides with gamma's refusal logged from the mediator, and every refusal was asked
    with the refusing side's own hold-out value."""
    m = summit_ready(table, mu_min=0.0, p_blame=0.0)
    G = m.grid.shape[0]
    t = m.week
    m.summit.session_end = t + 2
    m.summit_mediator = m.index_of["gil"]

    def at(d: float, r: float) -> int:
        return int(np.flatnonzero(np.isclose(m.grid[:, 0], d) & np.isclose(m.grid[:, 1], r))[0])

    q_b, q_g, q_t = at(0.2, 0.1), at(0.5, 0.35), at(0.6, 0.4)
    m.state.win_sets = np.ones((3, G), dtype=bool)
    m.state.win_sets[GAMMA_SIDE][q_t] = False
    m.mediator_text = lambda gains: q_t  # type: ignore[method-assign]
    rnd = _Round(m, monkeypatch, [None, q_b, q_g], {(ALPHA, q_b), (BETA, q_g)})
    offers, text, accepted, refused, refused_text, _ = m._summit_round(t)
    assert offers == {ALPHA: None, BETA: q_b} and text == q_t
    assert rnd.holds == [0.11, 0.22]
    hold = {ALPHA: 0.11, BETA: 0.22}
    bo, gus, gil = (m.index_of[k] for k in ("bo", "gus", "gil"))
    assert rnd.asked == [
        (ALPHA, q_b, bo, hold[ALPHA]),  # beta's offer, asked of alpha
        (ALPHA, q_g, gus, hold[ALPHA]),  # gamma's offer, asked of both principals
        (BETA, q_g, gus, hold[BETA]),
        (ALPHA, q_t, gil, hold[ALPHA]),  # the text, asked of both
        (BETA, q_t, gil, hold[BETA]),
    ]
    assert refused == {ALPHA, BETA}
    assert accepted == []
    assert refused_text == {ALPHA, BETA}
    assert logged(m, "offer_rejected") == [(t, "gil", "gus", "summit", m._describe_point(q_t) + "; refused by a partner at the table")]


@pytest.mark.parametrize("delta_holds", [True, False])
def test_a_partners_offer_that_nobody_refuses_is_signed_unless_another_partner_refuses_it(
    monkeypatch: pytest.MonkeyPatch, delta_holds: bool
) -> None:
    """Two partners beside alpha, on the session's last step (nothing to hold out for). Gamma tables a point both
    principals take: it is accepted exactly when delta's win-set holds it; otherwise delta's refusal is logged as
    refusing gamma's offer at this step."""
    m = _two_partners()
    gamma_side, delta_side = m.side_ids.index("gamma"), m.side_ids.index("delta")
    G = m.grid.shape[0]
    t = m.week
    m.summit.session_end = t  # a summit's last (here its only) step
    q_g = int(np.flatnonzero(np.isclose(m.grid[:, 0], 0.5) & np.isclose(m.grid[:, 1], 0.35))[0])
    m.state.win_sets = np.ones((4, G), dtype=bool)
    m.state.win_sets[delta_side][q_g] = delta_holds
    rnd = _Round(m, monkeypatch, [None, None, q_g, None], set())
    _, _, accepted, refused, _, _ = m._summit_round(t)
    assert rnd.holds == []  # the last step: no hold-out is computed
    assert [a[3] for a in rnd.asked] == [0.0, 0.0]
    assert refused == set()
    if delta_holds:
        assert accepted == [q_g]
        assert logged(m, "offer_rejected") == []
    else:
        assert accepted == []
        assert logged(m, "offer_rejected") == [(t, "gus", "dora", "summit", m._describe_point(q_g) + "; refused by a partner at the table")]
    assert gamma_side in m.summit.offers and m.summit.offers[gamma_side] == q_g
