"""Life after an agreement (ODD 7.20): ratification, terms that bind, compliance, collapse and further talks.

The cases use hanoi-2019 with an ``implementation`` block: the DPRK's
signature binds it not to test (srbm, icbm, nuclear), the US's not to
tighten sanctions; the State Department's vote ratifies for the US.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.experiments.sweep import _metric_row
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.signals import Signal
from summitry.sim.results.summary import outcome_sentence
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Scenario
from tests.strategies import edited, logged

TERMS = [
    {"side": "dprk", "scope": ["srbm", "icbm", "nuclear"], "tie": 0.5},
    {"side": "us", "kinds": ["sanctions_tighten"], "tie": 0.5},
]


def with_life(**block: Any) -> Scenario:
    def edit(data: dict[str, Any]) -> None:
        data["implementation"] = {"comply_weeks": 8, "continue_after": ["interim"], "terms": TERMS, **block}

    return edited("hanoi-2019", edit)


@pytest.fixture(scope="module")
def life() -> Scenario:
    return with_life()


@pytest.fixture(scope="module")
def voted() -> Scenario:
    return with_life(ratifiers={"us": ["state"]}, ratify_weeks=3)


def point(m: DiplomacyModel, d: float, r: float) -> int:
    """The grid index of (d, r)."""
    return int(np.argmin(np.abs(m.grid - np.array([d, r])).sum(axis=1)))


def utility_at(m: DiplomacyModel, actor: str, q: int) -> float:
    i = m.index_of[actor]
    c = int(m.side_of[i])
    return float(bg.member_utility(m.gains[c], m.gives[c], m.state.concession_weight[[i]])[0, q])


def covering(m: DiplomacyModel, deal: int) -> list[tuple[str, frozenset[str], frozenset[str], float]]:
    return [(m.side_ids[pl.side], pl.scope, pl.kinds, pl.tie) for pl in m.pledges if pl.deal == deal and pl.active]


# --------------------------------------------------------------- signing


def test_without_the_block_a_run_ends_at_its_first_agreement_and_with_it_goes_on() -> None:
    """The same seeds: identical up to the signing step, then the run with the block goes on to the horizon."""
    plain = edited("hanoi-2019")
    scenario = with_life()
    checked = 0
    for seed in range(40):
        a = run_scenario(plain, seed=seed)
        if not a.manifest["outcome"].startswith("agreement"):
            continue
        b = run_scenario(scenario, seed=seed)
        week = a.manifest["metrics"]["agreement_week"]
        assert a.manifest["metrics"]["steps_run"] == week + 1
        assert a.manifest["metrics"]["agreement_stage"] == "signed"
        assert b.manifest["metrics"]["steps_run"] == plain.time.steps
        before = [e for e in b.events.to_pylist() if e["step"] <= week]
        assert [(e["step"], e["kind"], e["sender"], e["receiver"]) for e in a.events.to_pylist()] == [
            (e["step"], e["kind"], e["sender"], e["receiver"]) for e in before
        ]
        checked += 1
    assert checked >= 5


def test_signing_puts_the_terms_in_force_at_once_without_ratifiers(life: Scenario) -> None:
    m = DiplomacyModel(life, seed=0)
    m._sign("interim", point(m, 0.5, 0.35), 10)
    deal = m.agreements[0]
    assert deal["stage"] == "in_force"
    assert deal["stages"] == {"signed": 10, "in_force": 10}
    assert covering(m, 0) == [
        ("dprk", frozenset({"srbm", "icbm", "nuclear"}), frozenset(), 0.5),
        ("us", frozenset(), frozenset({"sanctions_tighten"}), 0.5),
    ]
    assert m.summit.status == "none"  # interim: talks go on


def test_after_a_class_not_listed_no_further_summit_is_held(life: Scenario) -> None:
    m = DiplomacyModel(life, seed=0)
    m._sign("comprehensive", point(m, 0.8, 0.6), 10)
    assert m.summit.status == "closed"
    _eu, feasible = policy.expected_utilities(m)
    for kind in ("summit_offer", "summit_accept", "summit_cancel"):
        j = m.kinds.index(kind) + 1
        assert not feasible[:, j].any(), kind


def test_a_later_agreement_supersedes_the_earlier_terms(life: Scenario) -> None:
    m = DiplomacyModel(life, seed=0)
    m._sign("interim", point(m, 0.5, 0.35), 10)
    m._sign("comprehensive", point(m, 0.8, 0.6), 20)
    first, second = m.agreements
    assert first["stage"] == "superseded" and first["stages"]["superseded"] == 20
    assert second["stage"] == "in_force"
    assert covering(m, 0) == []
    assert len(covering(m, 1)) == 2
    assert m.agreement is second


# ---------------------------------------------------------- ratification


@pytest.mark.parametrize(("margin", "stage"), [(0.01, "in_force"), (-0.01, "unratified")])
def test_the_vote_passes_exactly_when_the_ratifier_accepts_the_signed_point(voted: Scenario, margin: float, stage: str) -> None:
    """Hand table: State's threshold set just below (passes) or just above (fails) its utility at the signed point."""
    m = DiplomacyModel(voted, seed=0)
    q = point(m, 0.5, 0.35)
    m._sign("interim", q, 10)
    assert m.agreements[0]["stage"] == "awaiting_ratification"
    assert m.agreements[0]["vote_week"] == 13
    assert covering(m, 0) == []  # not in force before the vote
    m.state.thresholds[m.index_of["state"]] = utility_at(m, "state", q) - margin
    m._implementation_step(12)  # before the vote falls due: nothing
    assert m.agreements[0]["stage"] == "awaiting_ratification"
    m._implementation_step(13)
    assert m.agreements[0]["stage"] == stage
    passed = stage == "in_force"
    assert (m.agreements[0]["stages"].get("ratified") == 13) is passed
    assert (len(covering(m, 0)) == 2) is passed  # the terms bind from the vote
    kinds = [e["kind"] for e in m.events]
    assert ("ratified" in kinds) is passed
    assert ("ratification_failed" in kinds) is not passed


def test_a_failed_vote_reopens_talks_after_a_final_class(voted: Scenario) -> None:
    m = DiplomacyModel(voted, seed=0)
    q = point(m, 0.8, 0.6)
    m._sign("comprehensive", q, 10)
    assert m.summit.status == "closed"
    m.state.thresholds[m.index_of["state"]] = utility_at(m, "state", q) + 0.01
    m._implementation_step(13)
    assert m.summit.status == "none"
    failed = [e for e in m.events if e["kind"] == "ratification_failed"]
    assert len(failed) == 1 and "State Department" in failed[0]["detail"]


def test_a_vote_is_logged_between_the_summit_leaders_with_every_refuser_named() -> None:
    """Two ratifiers, both refusing, then both accepting: the rows a report and a pattern read."""
    two = with_life(ratifiers={"us": ["state", "congress"]}, ratify_weeks=3)
    m = DiplomacyModel(two, seed=0)
    q = point(m, 0.5, 0.35)
    m._sign("interim", q, 10)
    for who in ("state", "congress"):
        m.state.thresholds[m.index_of[who]] = utility_at(m, who, q) + 0.01
    m._implementation_step(13)
    names = ", ".join(m.actor_names[m.index_of[w]] for w in ("state", "congress"))
    assert logged(m, "ratification_failed") == [
        (13, "trump", "kim", "summit", f"interim agreement fails ratification (refused by {names})")
    ]
    assert m.agreements[0]["stages"] == {"signed": 10, "awaiting_ratification": 10, "unratified": 13}
    m = DiplomacyModel(two, seed=0)
    m._sign("interim", q, 10)
    for who in ("state", "congress"):
        m.state.thresholds[m.index_of[who]] = utility_at(m, who, q)  # on the threshold: accepts (u >= b)
    m._implementation_step(13)
    assert logged(m, "ratified") == [(13, "trump", "kim", "summit", "interim")]


def test_a_ratifier_outside_its_stated_limits_refuses_whatever_its_threshold() -> None:
    """State's bound d <= 0.4 excludes the signed d = 0.5, though its utility there clears its threshold by 0.5."""

    def edit(data: dict[str, Any]) -> None:
        data["implementation"] = {"comply_weeks": 8, "terms": TERMS, "ratifiers": {"us": ["state"]}, "ratify_weeks": 3}
        for f in data["sides"]["us"]["factions"]:
            if f["id"] == "state":
                f["acceptance"]["bounds"] = {"d": [0.0, 0.4]}

    bounded = edited("hanoi-2019", edit)
    for d, passes in ((0.5, False), (0.4, True)):
        m = DiplomacyModel(bounded, seed=0)
        q = point(m, d, 0.2)
        m.state.thresholds[m.index_of["state"]] = utility_at(m, "state", q) - 0.5
        assert m.member_accepts(m.index_of["state"], q) is passes
        m._sign("interim", q, 10)
        m._implementation_step(13)
        assert m.agreements[0]["stage"] == ("in_force" if passes else "unratified")


def test_a_collapse_is_logged_and_reopens_only_closed_talks(life: Scenario) -> None:
    m = DiplomacyModel(life, seed=0)
    m._sign("comprehensive", point(m, 0.8, 0.6), 10)  # not in continue_after: no further summit, talks closed
    assert m.summit.status == "closed"
    m._collapse(0, 20, "a test the terms forbid")
    assert m.agreements[0]["stages"]["collapsed"] == 20
    assert m.summit.status == "none"
    assert logged(m, "agreement_collapsed") == [(20, "trump", "kim", "summit", "comprehensive: a test the terms forbid")]
    # after an interim deal talks stay open, and a collapse leaves a summit already scheduled as it is
    m = DiplomacyModel(life, seed=0)
    m._sign("interim", point(m, 0.5, 0.35), 10)
    m.summit.status = "scheduled"
    m._collapse(0, 20, "a test the terms forbid")
    assert m.summit.status == "scheduled"
    assert covering(m, 0) == []


def test_a_term_named_for_one_class_binds_only_after_a_deal_of_that_class() -> None:
    """The DPRK's test ban is a term of a comprehensive deal only (listed first, so a skipped term must not end the
    list); the US's sanctions term binds after any deal, from the step of signing."""
    terms = [
        {"side": "dprk", "scope": ["srbm", "icbm", "nuclear"], "tie": 0.5, "classes": ["comprehensive"]},
        {"side": "us", "kinds": ["sanctions_tighten"], "tie": 0.5},
    ]
    sc = with_life(terms=terms)
    us_term = ("us", frozenset(), frozenset({"sanctions_tighten"}), 0.5)
    m = DiplomacyModel(sc, seed=0)
    m._sign("interim", point(m, 0.5, 0.35), 10)
    assert covering(m, 0) == [us_term]
    assert [pl.week for pl in m.pledges if pl.deal == 0] == [10]
    m = DiplomacyModel(sc, seed=0)
    m._sign("comprehensive", point(m, 0.8, 0.6), 12)
    assert covering(m, 0) == [("dprk", frozenset({"srbm", "icbm", "nuclear"}), frozenset(), 0.5), us_term]
    assert [pl.week for pl in m.pledges if pl.deal == 0] == [12, 12]


# ------------------------------------------------------- compliance and breach


def test_kept_terms_count_as_implemented_after_comply_weeks(life: Scenario) -> None:
    m = DiplomacyModel(life, seed=0)
    m._sign("interim", point(m, 0.5, 0.35), 10)
    m._implementation_step(17)
    assert m.agreements[0]["stage"] == "in_force"
    m._implementation_step(18)
    assert m.agreements[0]["stage"] == "implemented"
    assert m.agreements[0]["stages"]["implemented"] == 18
    assert logged(m, "agreement_implemented") == [(18, "trump", "kim", "summit", "interim")]


@pytest.mark.parametrize(
    ("sender", "kind", "collapses"), [("kim", "srbm_test", True), ("trump", "sanctions_tighten", True), ("kim", "threat", False)]
)
def test_sending_what_the_terms_forbid_collapses_the_agreement_without_escalation(
    life: Scenario, sender: str, kind: str, collapses: bool
) -> None:
    m = DiplomacyModel(life, seed=0)
    m._sign("interim", point(m, 0.5, 0.35), 10)
    s = m.state
    side = int(m.side_of[m.index_of[sender]])
    receiver = m.index_of["trump" if sender == "kim" else "kim"]
    domestic = float(s.domestic[side])
    m._deliver([Signal(sender=m.index_of[sender], kind=kind, receiver=receiver)], 11)
    deal = m.agreements[0]
    assert (deal["stage"] == "collapsed") is collapses
    assert (covering(m, 0) == []) is collapses  # a broken agreement's terms lapse, both sides'
    assert m.escalated_week == -1
    kinds = [e["kind"] for e in m.events]
    assert ("term_breach" in kinds) is collapses
    assert ("agreement_collapsed" in kinds) is collapses
    if collapses:
        # the breaking side pays the term's audience cost as domestic pressure (A x tie), as for a pledge
        assert float(s.domestic[side]) - domestic == pytest.approx(min(1.0, domestic + m.audience[side] * 0.5) - domestic, abs=1e-9)


def test_a_term_breach_moves_trust_by_the_breach_shift(life: Scenario) -> None:
    """Trump's trust in the DPRK after a covered SRBM test: the test's own hostile shift plus a certain breach (p_br = 1)."""
    a = DiplomacyModel(life, seed=0)
    b = DiplomacyModel(life, seed=0)
    a._sign("interim", point(a, 0.5, 0.35), 10)
    kim, trump = a.index_of["kim"], a.index_of["trump"]
    dprk = int(a.side_of[kim])
    p = a.params
    # the same test without the agreement: the SRBM's own shift and the moratorium pledge's partial-breach shift
    before = float(a.state.trust_logit[trump, dprk])
    b._deliver([Signal(sender=kim, kind="srbm_test", receiver=trump)], 11)
    a._deliver([Signal(sender=kim, kind="srbm_test", receiver=trump)], 11)
    extra = float(a.state.trust_logit[trump, dprk]) - float(b.state.trust_logit[trump, dprk])
    touted = 0.0  # nobody vouched for the agreement's terms
    want = float(tr.breach_shift(p.kappa_b, 1.0, a.state.psi[trump], a.state.rapport[trump, dprk], touted))
    assert before != float(a.state.trust_logit[trump, dprk])
    assert extra == pytest.approx(want, abs=1e-9)


def test_the_decision_rule_charges_a_forbidden_kind_its_audience_cost_and_breach(life: Scenario) -> None:
    """EU(sanctions_tighten) for the US leader drops by A_us x tie + theta_T x (trust lost to a certain breach), in both paths."""
    m = DiplomacyModel(life, seed=0)
    j = m.kinds.index("sanctions_tighten") + 1
    trump = m.index_of["trump"]
    us = int(m.side_of[trump])
    eu0, _ = policy.expected_utilities(m)
    ref0, _ = policy.expected_utilities_reference(m)
    m._sign("interim", point(m, 0.5, 0.35), 10)
    eu1, f1 = policy.expected_utilities(m)
    ref1, _ = policy.expected_utilities_reference(m)
    mu = m.trust_matrix()
    base = float(mu[m.leader_of[int(m.counterpart_side[us])], us])
    theta_t = m.params.theta_t * (2.0 if m.state.is_t[us] else 1.0)
    loss = base - float(tr.expit(tr.logit(base) - m.params.kappa_b))
    charge = float(m.audience[us]) * 0.5 + theta_t * loss
    assert eu0[trump, j] - eu1[trump, j] == pytest.approx(charge, abs=1e-9)
    assert ref0[trump, j] - ref1[trump, j] == pytest.approx(charge, abs=1e-9)
    np.testing.assert_allclose(eu1[f1], ref1[f1], atol=1e-9)


def test_terms_leave_a_side_free_to_pledge(life: Scenario) -> None:
    """Only a side's own pledges close pledging; an agreement's terms do not."""

    def edit(data: dict[str, Any]) -> None:
        data["pledges"] = []
        data["implementation"] = {"terms": TERMS}

    m = DiplomacyModel(edited("hanoi-2019", edit), seed=0)
    j = m.kinds.index("moratorium_pledge") + 1
    kim = m.index_of["kim"]
    _, before = policy.expected_utilities(m)
    m._sign("interim", point(m, 0.5, 0.35), 10)
    _, after = policy.expected_utilities(m)
    assert before[kim, j] and after[kim, j]


# ---------------------------------------------------------- whole runs


def test_runs_record_each_stage_and_tell_it(voted: Scenario) -> None:
    """Over seeds: every signed agreement is voted on ratify_weeks later, and the summary sentence tells the stages."""
    seen: dict[str, int] = {}
    for seed in range(30):
        r = run_scenario(voted, seed=seed)
        x = r.manifest["metrics"]
        if not x["agreements_signed"]:
            assert x["agreement_stage"] is None
            continue
        stages = x["agreement_stages"]
        seen[x["agreement_stage"]] = seen.get(x["agreement_stage"], 0) + 1
        if x["steps_run"] > stages["signed"] + 3:
            assert ("ratified" in stages) or ("unratified" in stages)
            assert stages.get("ratified", stages.get("unratified")) == stages["signed"] + 3
        if "ratified" in stages:
            assert "; ratified at week" in outcome_sentence(r)
        if "implemented" in stages:
            assert stages["implemented"] == stages["in_force"] + 8
        # a sweep's per-run row says the same
        row = _metric_row(r, ["us", "dprk"])
        assert (row["agreement_ratified"], row["agreement_implemented"], row["agreement_collapsed"]) == (
            float("ratified" in stages),
            float("implemented" in stages),
            float("collapsed" in stages),
        )
    assert seen.get("implemented", 0) >= 1


def test_a_fork_carries_the_agreements(voted: Scenario) -> None:
    m = DiplomacyModel(voted, seed=0)
    m._sign("interim", point(m, 0.5, 0.35), 0)
    new = m.fork(voted)
    assert new.agreements == m.agreements
    assert new.agreement is new.agreements[-1]
    assert new.agreements[0] is not m.agreements[0]
