"""Guarantors and a mediator's side payments, by hand (docs/ODD.md 7.19 and 7.21).

A guarantor protects its client side (every side when it names none): the
protected side prices the other's renege risk times 1 - g, g = 1 - prod(1 -
e_G), and a side that breaks an agreement's terms is punished by every
guarantor protecting someone else (economic pressure + e_G x
guarantee_penalty, charged in the decision rule as well). A drafting mediator
with a ``budget`` promises a side that refuses its text only as not worth the
risk what closes the shortfall, payable on signing an agreement.

The cases use hanoi-2019 with third parties added: the US and the DPRK are
sides 0 and 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms import pressure as pr
from summitry.sim.mechanisms.signals import Signal
from summitry.sim.scenario.document import Scenario, load_raw
from tests.sim.engine.test_mediator_text import rig  # the same rigged table: gains by hand, perfect perception
from tests.strategies import edited, summit_ready

US, DPRK = 0, 1
TERMS = [
    {"side": "dprk", "scope": ["srbm", "icbm", "nuclear"], "tie": 0.5},
    {"side": "us", "kinds": ["sanctions_tighten"], "tie": 0.5},
]


def guarded(*guarantors: dict[str, Any], life: bool = True, **params: float) -> Scenario:
    """hanoi-2019 with the guarantors given (id, enforcement, optional client) and, by default, terms that bind."""

    def edit(data: dict[str, Any]) -> None:
        for g in guarantors:
            data["third_parties"].append({"name": g["id"].upper(), "role": "guarantor", **g})
        if life:
            data["implementation"] = {"comply_weeks": 8, "continue_after": ["interim"], "terms": TERMS}
        data.setdefault("parameters", {}).update(params)

    return edited("hanoi-2019", edit)


def point(m: DiplomacyModel, d: float, r: float) -> int:
    return int(np.argmin(np.abs(m.grid - np.array([d, r])).sum(axis=1)))


def events(m: DiplomacyModel, kind: str) -> list[dict]:
    return [e for e in m.events if e["kind"] == kind]


# ------------------------------------------------------------------ the guarantee at the table


def test_the_guarantee_combines_its_guarantors_as_independent_chances() -> None:
    # un protects every side (0.6); us-g protects the DPRK only (0.5): the US keeps 0.6, the DPRK 1 - 0.4 x 0.5 = 0.8
    m = DiplomacyModel(guarded({"id": "un", "enforcement": 0.6}, {"id": "usg", "enforcement": 0.5, "client": "dprk"}), seed=0)
    assert m.guarantee(US) == pytest.approx(0.6)
    assert m.guarantee(DPRK) == pytest.approx(0.8)
    assert DiplomacyModel(edited("hanoi-2019"), seed=0).guarantee(US) == 0.0


@pytest.mark.parametrize("e", [0.0, 0.3, 1.0])
def test_a_guarantee_takes_its_share_of_the_renege_risk_a_side_prices(e: float) -> None:
    m = DiplomacyModel(guarded({"id": "un", "enforcement": e}), seed=0)
    p = m.params
    trump = int(m.leader_of[US])
    mu = float(m.trust_matrix()[trump, DPRK])
    risk = (mu * p.renege_t + (1 - mu) * p.renege_u) * (1 - e)
    beta = p.deal_weight * (0.5 + float(m.state.stance[trump]))
    want = (1 - risk) * m.deal_utility(US) - risk * beta * m.exposure[US]
    np.testing.assert_allclose(m.acceptance_value(US, DPRK), want, atol=1e-12)
    # a full guarantee removes the commitment problem: the deal is worth its utility
    if e == 1.0:
        np.testing.assert_allclose(m.acceptance_value(US, DPRK), m.deal_utility(US), atol=1e-12)


def test_a_guarantee_lets_a_deal_pass_that_the_renege_risk_refused() -> None:
    plain = DiplomacyModel(guarded(life=False), seed=0)
    full = DiplomacyModel(guarded({"id": "un", "enforcement": 1.0}, life=False), seed=0)
    # some grid point the US leader would refuse as not worth the risk, yet takes under a full guarantee
    before, after = plain.acceptance_value(US, DPRK), full.acceptance_value(US, DPRK)
    assert ((before < 0) & (after >= 0)).any()
    assert (after >= before - 1e-12).all()  # a guarantee never makes a deal worth less


def test_a_guarantor_leaks_no_sanctions_and_ignores_what_moves_patrons() -> None:
    # a guarantor with a client, lax (0.6) and weak (0.2): a patron so set would leak 0.6 x 0.8 on its client
    m = DiplomacyModel(guarded({"id": "usg", "enforcement": 0.2, "client": "dprk", "laxity": 0.6}, life=False), seed=0)
    k = list(m.tp_guarantees).index(True)
    assert m.tp_laxity[k] == 0.0
    leak = pr.leakage(m.params.leak0, m.tp_laxity, m.state.enforcement, m.tp_client, len(m.side_ids))
    without = np.delete(np.arange(len(m.tp_client)), k)
    leak_others = pr.leakage(m.params.leak0, m.tp_laxity[without], m.state.enforcement[without], m.tp_client[without], 2)
    np.testing.assert_allclose(leak, leak_others)
    # an effect on the DPRK's patrons' enforcement moves China's and Russia's, not the guarantor's
    from summitry.sim.mechanisms.signals import Effect

    m._apply_effect(Effect.model_validate({"var": "enforcement", "who": "receiver", "delta": -0.1}), m.index_of["trump"], [DPRK], None)
    assert m.state.enforcement[k] == pytest.approx(0.2)
    patrons = np.flatnonzero((m.tp_client == DPRK) & m.tp_leaks)
    assert patrons.size and (m.state.enforcement[patrons] < 1.0).all()


# ------------------------------------------------------------------ enforcement of the terms


@pytest.mark.parametrize(
    ("client", "punished"),
    [("us", True), (None, True), ("dprk", False)],
)
def test_a_breach_is_punished_by_a_guarantor_protecting_another_side(client: str | None, punished: bool) -> None:
    g = {"id": "un", "enforcement": 0.5} | ({"client": client} if client else {})
    m = DiplomacyModel(guarded(g), seed=0)
    m._sign("interim", point(m, 0.5, 0.35), 10)
    econ = float(m.state.economic[DPRK])
    m._deliver([Signal(sender=m.index_of["kim"], kind="srbm_test", receiver=m.index_of["trump"])], 11)
    assert m.agreements[0]["stage"] == "collapsed"
    hit = 0.5 * m.params.guarantee_penalty
    enforced = events(m, "guarantor_enforces")
    if punished:
        assert [(e["sender"], e["receiver"], e["detail"]) for e in enforced] == [("un", "kim", f"{hit:.3f}")]
        assert enforced[0]["text"] == f"UN punishes Kim Jong Un for breaking the agreement's terms (economic pressure +{hit:.3f})"
        assert float(m.state.economic[DPRK]) == pytest.approx(min(1.0, econ + hit))
        assert m.breach_penalty(DPRK) == pytest.approx(hit)
    else:
        assert enforced == []
        assert float(m.state.economic[DPRK]) == econ
        assert m.breach_penalty(DPRK) == 0.0


def test_the_decision_rule_charges_the_guarantors_penalty_for_breaking_a_term_in_both_paths() -> None:
    """EU(srbm_test) for Kim under the terms falls by exactly e x guarantee_penalty more when a guarantor stands behind them."""
    eus = []
    for gs in ((), ({"id": "un", "enforcement": 0.8, "client": "us"},)):
        m = DiplomacyModel(guarded(*gs), seed=0)
        m._sign("interim", point(m, 0.5, 0.35), 10)
        eu, feasible = policy.expected_utilities(m)
        ref, _ = policy.expected_utilities_reference(m)
        np.testing.assert_allclose(eu[feasible], ref[feasible], atol=1e-9)
        eus.append((eu, ref, m))
    (eu0, ref0, m0), (eu1, ref1, _) = eus
    kim = m0.index_of["kim"]
    j = m0.kinds.index("srbm_test") + 1
    charge = 0.8 * m0.params.guarantee_penalty
    assert eu0[kim, j] - eu1[kim, j] == pytest.approx(charge, abs=1e-9)
    assert ref0[kim, j] - ref1[kim, j] == pytest.approx(charge, abs=1e-9)
    # the US leader's kinds outside the terms are untouched
    trump = m0.index_of["trump"]
    jp = m0.kinds.index("praise") + 1
    assert eu0[trump, jp] == pytest.approx(eu1[trump, jp], abs=1e-12)


def test_a_pledge_outside_any_agreement_is_not_charged_the_penalty() -> None:
    m = DiplomacyModel(guarded({"id": "un", "enforcement": 0.8}), seed=0)
    a = DiplomacyModel(guarded(), seed=0)
    for model in (m, a):
        model.pledges.clear()
        from summitry.sim.engine.state import Pledge

        model.pledges.append(Pledge(DPRK, frozenset({"srbm"}), 0.4, 0))
    j = m.kinds.index("srbm_test") + 1
    kim = m.index_of["kim"]
    assert policy.expected_utilities(m)[0][kim, j] == pytest.approx(policy.expected_utilities(a)[0][kim, j], abs=1e-12)


# ------------------------------------------------------------------ side payments


def with_budget(budget: float, rounds: int = 2, **params: float) -> DiplomacyModel:
    def edit(data: dict[str, Any]) -> None:
        data["summit"]["mediator"] = "rok"
        data["summit"]["rounds"] = rounds
        next(t for t in data["third_parties"] if t["id"] == "rok")["budget"] = budget
        data.setdefault("parameters", {}).update(params)

    return summit_ready(edited("hanoi-2019", edit))


@pytest.mark.parametrize(
    ("budget", "paid", "signed"),
    [(0.0, None, False), (0.01, "0.010", False), (0.05, "0.030", True)],
)
def test_a_mediator_pays_what_closes_the_shortfall_out_of_its_budget(budget: float, paid: str | None, signed: bool) -> None:
    # the text (0.4, 0.3) is worth 0.2 to the US and -0.03 to the DPRK: round 1 refuses it; the mediator promises the
    # DPRK 0.03 (all of a 0.05 budget it needs, 0.01 when that is all it has); round 2 signs it if the gap is closed
    m = with_budget(budget, p_blame=0.0, mediator_press=0.0)
    q = point(m, 0.4, 0.3)
    rig(m, {US: {q: 0.2}, DPRK: {q: -0.03}})
    m._hold_summit(m.week)
    pays = events(m, "side_payment")
    if paid is None:
        assert pays == []
    else:
        assert [(e["sender"], e["receiver"], e["detail"]) for e in pays] == [("rok", "kim", paid)]
    assert (m.agreement is not None) is signed
    if signed:
        assert m.agreement["point"] == pytest.approx({"d": 0.4, "r": 0.3})
        assert m.agreement["payments"] == {"dprk": 0.03}


def test_no_payment_buys_a_point_outside_the_win_set_or_a_refusal_for_want_of_trust() -> None:
    m = with_budget(1.0, p_blame=0.0, mediator_press=0.0)
    q = point(m, 0.4, 0.3)
    rig(m, {US: {q: 0.2}, DPRK: {q: -0.03}})
    m.state.win_sets[DPRK, q] = False  # the DPRK's coalition would not ratify the text
    m._hold_summit(m.week)
    assert events(m, "side_payment") == [] and m.agreement is None
    t = with_budget(1.0, p_blame=0.0, mediator_press=0.0, mu_min=0.99)  # a trust floor no one meets
    rig(t, {US: {q: 0.2}, DPRK: {q: -0.03}})
    t._hold_summit(t.week)
    assert events(t, "side_payment") == [] and t.agreement is None


def test_a_promised_payment_counts_only_toward_an_agreement() -> None:
    # the only point the DPRK would take with the payment is a statement of nothing (d = 0.05, r = 0: no agreement
    # class); the payment is for signing an agreement, so it does not move that point
    m = with_budget(1.0, rounds=1, p_blame=0.0, mediator_press=0.0)
    m.summit.payments = {DPRK: 0.5}
    q = point(m, 0.05, 0.0)
    rig(m, {US: {q: 0.2}, DPRK: {q: -0.03}})
    _offers, _text, accepted, refused, _refused_text, gains = m._summit_round(m.week)
    assert gains[(DPRK, US)][q] == pytest.approx(-0.03)
    assert q not in accepted and DPRK in refused  # the US offers it; the DPRK still refuses it
    q2 = point(m, 0.4, 0.3)
    assert gains[(DPRK, US)][q2] == pytest.approx(-1.0 + 0.5)


def test_a_drafting_mediator_tables_only_agreements() -> None:
    # every point is equally acceptable to both sides: the text is the lowest grid index in an agreement class, not (0, 0)
    m = with_budget(0.0, rounds=1)
    G = m.grid.shape[0]
    m.estimated_ratification = lambda c, tau: np.ones(G)  # type: ignore[method-assign]
    q = m.mediator_text({(US, DPRK): np.ones(G), (DPRK, US): np.ones(G)})
    # the grid runs d slowly and r fast; hanoi-2019's classes are interim (d >= 0.3, r > 0) and comprehensive
    # (d >= 0.7): the first agreement on the grid is (0.3, 0.05), index 6 x 21 + 1
    assert q == point(m, 0.3, 0.05) == 127


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (
            lambda d: d["third_parties"][1].update(budget=0.2),
            ".yaml:276: third_parties[1].budget: only a mediator makes side payments; this is a patron",
        ),
        (lambda d: d["third_parties"][0].update(budget=-0.1), "third_parties[0].budget"),
        (lambda d: d["third_parties"][0].update(budget=6), "third_parties[0].budget"),
        (lambda d: d["third_parties"].append({"id": "g", "name": "G", "role": "guarantor", "client": "nowhere"}), "unknown side 'nowhere'"),
        (lambda d: d["third_parties"].append({"id": "g", "name": "G", "role": "guarantor", "enforcement": 1.5}), "enforcement"),
        (lambda d: d.setdefault("parameters", {}).update(guarantee_penalty=2), "guarantee_penalty"),
    ],
)
def test_bad_guarantors_and_budgets_are_refused_with_exit_2(tmp_path: Path, cli, edit: Any, fragment: str) -> None:
    data, _, _ = load_raw("hanoi-2019")
    edit(data)
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    r = cli("validate", str(path))
    assert r.code == 2
    assert fragment in r.stderr
    assert "Traceback" not in r.stderr


def test_enforcement_by_several_guarantors_is_logged_once_each_and_keeps_pressure_in_its_bounds() -> None:
    """A guarantor of the US alone protects nobody else; one with no enforcement logs nothing and does not stop the
    next; the DPRK's economic pressure (0.95 before) stops at 1."""
    sc = guarded(
        {"id": "idle", "enforcement": 0.0},
        {"id": "un", "enforcement": 0.5},
        {"id": "usg", "enforcement": 0.4, "client": "us"},
    )
    m = DiplomacyModel(sc, seed=0)
    assert m.guarantee(DPRK) == pytest.approx(0.5)  # idle's 0 and un's 0.5; usg protects the US only
    assert m.guarantee(US) == pytest.approx(1 - 0.5 * 0.6)
    m._sign("interim", point(m, 0.5, 0.35), 10)
    m.state.economic[DPRK] = 0.95
    m._deliver([Signal(sender=m.index_of["kim"], kind="srbm_test", receiver=m.index_of["trump"])], 11)
    enforced = events(m, "guarantor_enforces")
    pen = m.params.guarantee_penalty
    assert [(e["sender"], e["detail"], e["source"]) for e in enforced] == [
        ("un", f"{0.5 * pen:.3f}", "summit"),
        ("usg", f"{0.4 * pen:.3f}", "summit"),
    ]
    assert float(m.state.economic[DPRK]) == 1.0


def _short_gains(m: DiplomacyModel, q: int, us: float, dprk: float) -> dict[tuple[int, int], np.ndarray]:
    G = m.grid.shape[0]
    gains = {(US, DPRK): np.full(G, -1.0), (DPRK, US): np.full(G, -1.0)}
    gains[(US, DPRK)][q], gains[(DPRK, US)][q] = us, dprk
    m.state.win_sets = np.ones((2, G), dtype=bool)
    return gains


def test_payments_share_the_budget_in_side_order_and_add_to_earlier_promises() -> None:
    # budget 0.06 with 0.01 already promised to the DPRK: 0.05 left. The US (side 0) is paid its 0.03 first; the DPRK
    # then gets what is left, 0.02, on top of its 0.01
    m = with_budget(0.06)
    q = point(m, 0.4, 0.3)
    gains = _short_gains(m, q, -0.03, -0.03)
    m.summit.payments = {DPRK: 0.01}
    m._mediator_pays(7, q, {US, DPRK}, gains)
    assert m.summit.payments == pytest.approx({US: 0.03, DPRK: 0.03})
    pays = [(e["receiver"], e["detail"], e["source"]) for e in events(m, "side_payment")]
    assert pays == [("trump", "0.030", "summit"), ("kim", "0.020", "summit")]


def test_no_payment_without_a_text_for_a_gap_of_zero_or_outside_the_win_set_and_one_at_the_trust_floor() -> None:
    m = with_budget(1.0)
    q = point(m, 0.4, 0.3)
    gains = _short_gains(m, q, 0.0, -0.03)
    m._mediator_pays(7, None, {DPRK}, gains)  # no text: nothing to pay for
    assert events(m, "side_payment") == []
    m.state.win_sets[DPRK, q] = False
    m._mediator_pays(7, q, {US, DPRK}, gains)  # the US's gap is 0; the DPRK would not ratify the text
    assert events(m, "side_payment") == []
    m.state.win_sets[US, q] = False
    m.state.win_sets[DPRK, q] = True
    # trust exactly at the floor is enough (the floor is met, as at the table); the US, outside, is skipped, not a stop
    mu = m.trust_matrix()
    la, lb = int(m.leader_of[US]), int(m.leader_of[DPRK])
    m.params = m.params.model_copy(update={"mu_min": float(min(mu[la, DPRK], mu[lb, US]))})
    m._mediator_pays(7, q, {US, DPRK}, gains)
    assert [(e["receiver"], e["detail"]) for e in events(m, "side_payment")] == [("kim", "0.030")]
