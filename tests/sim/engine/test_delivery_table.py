"""A week's signal delivery (ODD 7.4-7.9; sim/engine/delivery.py and batch.py) as hand-computed tables.

The teaching scenario (two sides, one mediator) with every belief set to 0.5 (log-odds 0) so that each move is
the shift itself. Default parameters: kappa 2.24, kappa_h 1, kappa_b 2.5, phi 0.5, kappa_m 0.5; Beta variant
beta_w 2, beta_wb 3. Actors (index: id, side, role, stance x, ego psi, weight omega, self-weight iota):

    0 ada             alpha  leader     x 0.5  psi 0.5  omega 0.4    iota 0.5
    1 alpha-hawks     alpha  hardliner  x 0.8           omega 0.3
    2 alpha-diplomats alpha  staff      x 0.3           omega 0.3
    3 bo              beta   leader     x 0.5  psi 0.4  omega 0.45   iota 0.4
    4 beta-hardliners beta   hardliner  x 0.8           omega 0.275
    5 beta-reformers  beta   reformer   x 0.3           omega 0.275
    6 gil             -      mediator   x 0.3  (position 0.5, stake 0.6; ada and bo listen to him with weight 0.1)

Audience costs: alpha 0.8, beta 0.4; positions: alpha 0, beta 1. Every expected number is the arithmetic in its
comment; mutation testing of the two modules (``make mutate MUTANTS="summitry.sim.engine.delivery.*
summitry.sim.engine.batch.*"``) found each of these lines unpinned before.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

from summitry.sim.engine.batch import DeliveryBatch
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.engine.state import Pledge
from summitry.sim.mechanisms.signals import Effect, Signal
from summitry.sim.scenario.document import load_raw, validate_data

ADA, HAWKS, DIPLOMATS, BO, HARDLINERS, REFORMERS, GIL = range(7)
ALPHA, BETA = 0, 1
OUTSIDE_BETA = [ADA, HAWKS, DIPLOMATS, GIL]  # who updates its trust in beta when beta speaks
OUTSIDE_ALPHA = [BO, HARDLINERS, REFORMERS, GIL]


def expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def teaching(signals: dict[str, Any] | None = None, **parameters: object) -> DiplomacyModel:
    """The teaching case with every belief at 0.5 (log-odds 0, or Beta counts 2 and 2) and no hostility."""
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    if parameters:
        data["parameters"] = parameters
    if signals:
        data["signals"] = signals
    model = DiplomacyModel(validate_data(data, source), seed=0)
    assert model.actor_ids == ["ada", "alpha-hawks", "alpha-diplomats", "bo", "beta-hardliners", "beta-reformers", "gil"]
    s = model.state
    s.trust_logit[:] = 0.0
    s.beta_a[:] = 2.0
    s.beta_b[:] = 2.0
    s.hostility[:] = 0.0
    s.military_extra[:] = 0.0
    s.domestic[:] = 0.0
    return model


def deliver(model: DiplomacyModel, *sigs: tuple[int, str, int], t: int = 0) -> list[dict[str, Any]]:
    """Deliver (sender, kind, receiver) signals in one week; the week's new event rows."""
    n = len(model.events)
    model._deliver([Signal(sender=a, kind=k, receiver=b) for a, k, b in sigs], t)
    return list(model.events)[n:]


def row_of(rows: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["kind"] == kind]
    return row


# ----------------------------------------------------------------------------- trust, log-odds form (ODD 7.4)


def test_a_leaders_threat_by_hand() -> None:
    """bo threatens ada: hostile, h = 0.3; l = -kappa_h h (1 + phi x) for everyone outside beta."""
    model = teaching()
    s = model.state
    rows = deliver(model, (BO, "threat", ADA))
    # ada x 0.5: -0.3 x 1.25 = -0.375; hawks x 0.8: -0.3 x 1.4 = -0.42; diplomats and gil x 0.3: -0.3 x 1.15 = -0.345
    expected = [-0.375, -0.42, -0.345, -0.345]
    assert s.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx(expected, abs=1e-12)
    assert s.trust_logit[[BO, HARDLINERS, REFORMERS], BETA].tolist() == [0.0, 0.0, 0.0]  # beta does not read itself
    assert s.trust_logit[:, ALPHA].tolist() == [0.0] * 7  # nor does anyone's trust in alpha move
    (row,) = rows
    assert row["trust_before"] == 0.5
    assert row["trust_after"] == pytest.approx(expit(-0.375), abs=1e-12)  # the receiver's own move
    # the meter: the summed change of mean trust, |expit(l) - 0.5| over the four updaters
    assert row["trust_change"] == pytest.approx(sum(0.5 - expit(x) for x in expected), abs=1e-12)
    # effects: military pressure +0.05 on alpha, hostility +0.05 on beta (pressure meter 0.1); alpha's hardliner +0.05 stance
    assert s.military_extra.tolist() == pytest.approx([0.05, 0.0], abs=1e-12)
    assert s.hostility.tolist() == pytest.approx([0.0, 0.05], abs=1e-12)
    assert row["pressure_change"] == pytest.approx(0.1, abs=1e-12)
    assert row["stance_change"] == pytest.approx(0.05, abs=1e-12)  # one member moved by 0.05
    assert model._u.tolist() == pytest.approx([0.0, 0.05, 0, 0, 0, 0, 0], abs=1e-12)
    # the cost logged: c + tie x A_beta = 0.05 + 0.1 x 0.4 = 0.09
    assert row["cost"] == pytest.approx(0.09, abs=1e-12)
    # affect -1 on every alpha member; the threat vindicates alpha's hawks (+1 to its hardliner, not its staff)
    model._flush_side_accumulators()
    assert model._received_affect.tolist() == [-1.0, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0]
    assert model._vindication.tolist() == [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert not model._side_acc.any()  # spread once, then emptied


def test_a_third_partys_threat_moves_nobodys_trust() -> None:
    """gil (a mediator, no side) threatens ada: trust is belief about a side's type, so nothing moves; its effects land."""
    model = teaching()
    s = model.state
    (row,) = deliver(model, (GIL, "threat", ADA))
    assert s.trust_logit.tolist() == [[0.0, 0.0]] * 7
    assert row["trust_change"] == 0.0
    assert s.military_extra.tolist() == pytest.approx([0.05, 0.0], abs=1e-12)  # the receiver's side is pressed all the same


def test_two_threats_in_a_week_count_twice_and_each_row_reports_its_own_move() -> None:
    model = teaching()
    s = model.state
    rows = deliver(model, (BO, "threat", ADA), (BO, "threat", ADA))
    # the same shift twice, from the same starting state: ada -0.75, hawks -0.84, diplomats and gil -0.69
    assert s.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([-0.75, -0.84, -0.69, -0.69], abs=1e-12)
    one = sum(0.5 - expit(x) for x in (-0.375, -0.42, -0.345, -0.345))
    for row in rows:
        assert row["trust_before"] == 0.5
        assert row["trust_after"] == pytest.approx(expit(-0.375), abs=1e-12)
        assert row["trust_change"] == pytest.approx(one, abs=1e-12)
        assert row["stance_change"] == pytest.approx(0.05, abs=1e-12)
    assert model._u[HAWKS] == pytest.approx(0.1, abs=1e-12)  # the counted nudge: 2 x 0.05
    assert s.hostility[BETA] == pytest.approx(0.1, abs=1e-12)
    model._flush_side_accumulators()
    assert model._received_affect[ADA] == -2.0  # summed here; clipped to [-1, 1] when read (ODD 7.8)


def test_three_threats_add_three_nudges() -> None:
    model = teaching()
    deliver(model, *[(BO, "threat", ADA)] * 3)
    assert model._u[HAWKS] == pytest.approx(0.15, abs=1e-12)  # 3 x 0.05
    assert model.state.trust_logit[ADA, BETA] == pytest.approx(-3 * 0.375, abs=1e-12)


def test_a_factions_threat_is_read_in_proportion_to_its_weight() -> None:
    """beta's hardliners (omega 0.275) threaten ada: every shift x 0.275 (ODD 7.4, a faction's voice)."""
    model = teaching()
    rows = deliver(model, (HARDLINERS, "threat", ADA), (BO, "threat", ADA))
    shifts = [-0.375, -0.42, -0.345, -0.345]
    assert model.state.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([1.275 * x for x in shifts], abs=1e-12)
    faction, leader = rows
    assert faction["sender"] == "beta-hardliners" and leader["sender"] == "bo"
    assert faction["trust_after"] == pytest.approx(expit(-0.375 * 0.275), abs=1e-12)
    assert faction["trust_change"] == pytest.approx(sum(0.5 - expit(0.275 * x) for x in shifts), abs=1e-12)
    assert leader["trust_after"] == pytest.approx(expit(-0.375), abs=1e-12)


def test_a_leaders_praise_by_hand() -> None:
    """ada praises bo: reassuring; c_eff = (0.02 + A_alpha x 0) x 1 = 0.02; l = kappa c_eff (1 - phi x)."""
    model = teaching()
    s = model.state
    s.unreciprocated[:] = [0.1, 0.5]
    rows = deliver(model, (ADA, "praise", BO))
    # bo x 0.5: 2.24 x 0.02 x 0.75 = 0.0336; hardliners x 0.8: x 0.6 = 0.02688; reformers, gil x 0.3: x 0.85 = 0.03808
    expected = [0.0336, 0.02688, 0.03808, 0.03808]
    assert s.trust_logit[OUTSIDE_ALPHA, ALPHA] == pytest.approx(expected, abs=1e-12)
    (row,) = rows
    assert row["trust_after"] == pytest.approx(expit(0.0336), abs=1e-12)
    assert row["trust_change"] == pytest.approx(sum(expit(x) - 0.5 for x in expected), abs=1e-12)
    # rapport of bo with alpha: +0.1 x psi_bo 0.4; bo's stance input -0.01 x 0.4 (both scaled by his ego)
    assert s.rapport[BO].tolist() == pytest.approx([0.04, 0.0], abs=1e-12)
    assert s.rapport.sum() == pytest.approx(0.04, abs=1e-12)
    assert model._u.tolist() == pytest.approx([0, 0, 0, -0.004, 0, 0, 0], abs=1e-12)
    assert row["stance_change"] == pytest.approx(0.004, abs=1e-12)
    assert row["pressure_change"] == 0.0
    # a costly concession: alpha's unreciprocated concessions +0.02, beta's -0.02
    assert s.unreciprocated.tolist() == pytest.approx([0.12, 0.48], abs=1e-12)
    model._flush_side_accumulators()
    assert model._received_affect.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    assert not model._vindication.any()


def test_unreciprocated_concessions_of_the_receiver_stop_at_zero() -> None:
    model = teaching()
    model.state.unreciprocated[:] = [0.0, 0.01]
    deliver(model, (ADA, "praise", BO))
    assert model.state.unreciprocated.tolist() == pytest.approx([0.02, 0.0], abs=1e-12)  # max(0, 0.01 - 0.02)


def test_a_negative_shift_kind_by_hand() -> None:
    """bo's public demand: trust mode shift, m = -0.1; l = m (1 + phi x) since m < 0."""
    model = teaching()
    s = model.state
    row = row_of(deliver(model, (BO, "demand", ADA)), "demand")
    # ada: -0.1 x 1.25 = -0.125; hawks: -0.1 x 1.4 = -0.14; diplomats, gil: -0.1 x 1.15 = -0.115
    assert s.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([-0.125, -0.14, -0.115, -0.115], abs=1e-12)
    # effects: alpha's domestic pressure +0.03, beta's demand +0.05, alpha's hardliner +0.03 stance
    assert s.domestic.tolist() == pytest.approx([0.03, 0.0], abs=1e-12)
    assert s.demand.tolist() == pytest.approx([0.0, 0.05], abs=1e-12)
    assert row["pressure_change"] == pytest.approx(0.03, abs=1e-12)  # the demand is not a pressure
    assert model._u[HAWKS] == pytest.approx(0.03, abs=1e-12)


# ----------------------------------------------------------------------------- the Beta variant (ODD 7.5)


def test_the_beta_variant_adds_evidence_by_hand() -> None:
    model = teaching(trust_model="beta")
    s = model.state
    rows = deliver(model, (BO, "threat", ADA), (HARDLINERS, "threat", ADA), (ADA, "praise", BO))
    # bo's threat: beta += beta_w h = 2 x 0.3 = 0.6; the hardliners' x omega 0.275 = 0.165: 2 + 0.765 = 2.765
    assert s.beta_b[OUTSIDE_BETA, BETA] == pytest.approx([2.765] * 4, abs=1e-12)
    assert s.beta_a[OUTSIDE_BETA, BETA] == pytest.approx([2.0] * 4, abs=1e-12)
    # ada's praise: alpha += beta_w c_eff = 2 x 0.02 = 0.04 (no phi scaling in the Beta variant)
    assert s.beta_a[OUTSIDE_ALPHA, ALPHA] == pytest.approx([2.04] * 4, abs=1e-12)
    assert s.beta_b[OUTSIDE_ALPHA, ALPHA] == pytest.approx([2.0] * 4, abs=1e-12)
    assert s.beta_a[[BO, HARDLINERS, REFORMERS], BETA].tolist() == [2.0] * 3  # beta does not read itself
    threat, faction, praise = rows
    assert threat["trust_before"] == 0.5
    assert threat["trust_after"] == pytest.approx(2 / 4.6, abs=1e-12)  # alpha / (alpha + beta) = 2 / (2 + 2.6)
    assert threat["trust_change"] == pytest.approx(4 * (0.5 - 2 / 4.6), abs=1e-12)
    assert faction["trust_after"] == pytest.approx(2 / 4.165, abs=1e-12)
    assert faction["trust_change"] == pytest.approx(4 * (0.5 - 2 / 4.165), abs=1e-12)
    assert praise["trust_after"] == pytest.approx(2.04 / 4.04, abs=1e-12)
    assert praise["trust_change"] == pytest.approx(4 * (2.04 / 4.04 - 0.5), abs=1e-12)


def test_the_beta_variant_reads_a_negative_shift_as_counts_against() -> None:
    model = teaching(trust_model="beta")
    s = model.state
    deliver(model, (BO, "demand", ADA))
    # m = -0.1: beta += beta_w |m| = 0.2; alpha unchanged
    assert s.beta_b[OUTSIDE_BETA, BETA] == pytest.approx([2.2] * 4, abs=1e-12)
    assert s.beta_a[OUTSIDE_BETA, BETA] == pytest.approx([2.0] * 4, abs=1e-12)


# ----------------------------------------------------------------------------- pledges and breaches (ODD 7.6)


def test_a_pledge_is_made_once_and_touted_by_the_other_sides_praise() -> None:
    model = teaching()
    deliver(model, (BO, "moratorium_pledge", ADA), t=2)
    (pl,) = model.pledges
    assert (pl.side, pl.scope, pl.tie, pl.week, pl.active) == (BETA, frozenset({"icbm", "nuclear"}), 0.4, 2, True)
    assert model.first_pledge_week == 2
    # a leader's pledge is reassuring by its tie: c_eff = (0 + A_beta 0.4 x 0.4) x 1 = 0.16; ada: 2.24 x 0.16 x 0.75
    assert model.state.trust_logit[ADA, BETA] == pytest.approx(0.2688, abs=1e-12)
    deliver(model, (BO, "moratorium_pledge", ADA), t=3)
    assert len(model.pledges) == 1 and model.first_pledge_week == 2  # one active pledge per side
    deliver(model, (BO, "praise", ADA), t=4)
    assert pl.touted_by == set()  # praise from the pledging side does not tout its own pledge
    deliver(model, (ADA, "praise", BO), t=4)
    assert pl.touted_by == {ADA}
    deliver(model, (ADA, "threat", BO), t=4)
    assert pl.touted_by == {ADA}  # a threat is no touting


def test_a_second_sides_pledge_is_its_own() -> None:
    model = teaching(signals={"moratorium_pledge": {"requires": None}})
    model.pledges.append(Pledge(ALPHA, frozenset({"icbm"}), 0.1, 0))
    deliver(model, (BO, "moratorium_pledge", ADA), t=1)
    assert [(p.side, p.week) for p in model.pledges] == [(ALPHA, 0), (BETA, 1)]
    assert model.first_pledge_week == 1


def test_an_in_scope_test_breaks_a_touted_pledge_by_hand() -> None:
    model = teaching()
    s = model.state
    pl = Pledge(BETA, frozenset({"icbm", "nuclear"}), 0.4, 0)
    pl.touted_by.add(ADA)
    model.pledges.append(pl)
    s.rapport[ADA, BETA] = 0.6
    s.anchor[HAWKS] = 0.5
    rows = deliver(model, (BO, "icbm_test", ADA), t=5)
    # the test's own hostile shift (h = 1): -(1 + 0.5 x) = ada -1.25, hawks -1.4, diplomats and gil -1.15;
    # the breach (p_br 1, in scope): -kappa_b (1 - psi R touted / 2): ada touted with psi 0.5, R 0.6:
    # -2.5 x (1 - 0.5 x 0.6 / 2) = -2.5 x 0.85 = -2.125; the others -2.5
    test_shift = [-1.25, -1.4, -1.15, -1.15]
    breach_shift = [-2.125, -2.5, -2.5, -2.5]
    assert s.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([a + b for a, b in zip(test_shift, breach_shift, strict=True)], abs=1e-12)
    assert not pl.active
    assert model.first_test_after_pledge == 5
    assert model.escalated_week == 5
    test = row_of(rows, "icbm_test")
    breach = row_of(rows, "pledge_breach")
    assert (breach["sender"], breach["receiver"], breach["source"]) == ("bo", "ada", "derived")
    # the test's row carries both moves; the breach's row only its own (none: its trust mode is none)
    assert test["trust_before"] == 0.5
    assert test["trust_after"] == pytest.approx(expit(-1.25 - 2.125), abs=1e-12)
    assert test["trust_change"] == pytest.approx(sum(0.5 - expit(x) for x in test_shift + breach_shift), abs=1e-12)
    assert test["pressure_change"] == pytest.approx(0.6, abs=1e-12)  # hostility +0.4 on beta, military +0.2 on alpha
    assert breach["trust_before"] == 0.5 and breach["trust_after"] == 0.5 and breach["trust_change"] == 0.0
    assert breach["stance_change"] == 0.0  # no stance effect; the test's own +0.15 on alpha's hawks is the test's
    assert test["stance_change"] == pytest.approx(0.15, abs=1e-12)
    # the breach: beta's domestic pressure + A_beta x the pledge's tie = 0.4 x 0.4 = 0.16; alpha's hawks' anchor +0.1
    assert s.domestic.tolist() == pytest.approx([0.0, 0.16], abs=1e-12)
    assert breach["pressure_change"] == pytest.approx(0.16, abs=1e-12)
    assert s.anchor[HAWKS] == pytest.approx(0.6, abs=1e-12)
    assert s.hostility.tolist() == pytest.approx([0.0, 0.4], abs=1e-12)
    # vindication: beta's hardliner +1 (influence effect) +1 (breach proves its hawks right) +1 (so does the test);
    # alpha's hawks +1 (breach) +1 (test)
    model._flush_side_accumulators()
    assert model._vindication.tolist() == pytest.approx([0, 2, 0, 0, 3, 0, 0], abs=1e-12)
    kinds = [r["kind"] for r in rows]
    assert kinds.index("pledge_breach") < kinds.index("icbm_test") and "escalation" in kinds


def test_an_out_of_scope_test_is_read_by_its_breach_probability() -> None:
    model = teaching()
    s = model.state
    pl = Pledge(BETA, frozenset({"icbm", "nuclear"}), 0.4, 0)
    model.pledges.append(pl)
    rows = deliver(model, (BO, "srbm_test", ADA), t=0)
    # srbm: hostile h 0.3 -> ada -0.375, hawks -0.42, others -0.345; breach p_br 0.2: -2.5 x 0.2 = -0.5 each
    assert s.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([-0.875, -0.92, -0.845, -0.845], abs=1e-12)
    assert pl.active and model.escalated_week < 0
    assert model.first_test_after_pledge == 0
    assert [r["kind"] for r in rows] == ["srbm_test"]
    assert rows[0]["trust_after"] == pytest.approx(expit(-0.875), abs=1e-12)
    deliver(model, (BO, "srbm_test", ADA), t=4)
    assert model.first_test_after_pledge == 0  # the first test is remembered, even one in week 0


def test_a_test_without_a_pledge_or_a_breach_probability_is_only_a_test() -> None:
    model = teaching(signals={"srbm_test": {"breach_probability": 0.0}})
    s = model.state
    deliver(model, (BO, "srbm_test", ADA), t=1)
    assert model.first_test_after_pledge == -1  # no pledge: no test after one
    model.pledges.append(Pledge(BETA, frozenset({"icbm"}), 0.4, 0))
    model.pledges.append(Pledge(ALPHA, frozenset({"srbm"}), 0.4, 0))  # alpha's pledge is not beta's to break
    s.trust_logit[:] = 0.0
    deliver(model, (BO, "srbm_test", ADA), t=2)
    assert s.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([-0.375, -0.42, -0.345, -0.345], abs=1e-12)  # p_br 0
    assert model.first_test_after_pledge == 2
    assert all(p.active for p in model.pledges)


def test_the_beta_variant_reads_a_breach_as_counts_against() -> None:
    model = teaching(trust_model="beta")
    s = model.state
    model.pledges.append(Pledge(BETA, frozenset({"icbm"}), 0.4, 0))
    deliver(model, (BO, "srbm_test", ADA), t=1)
    # the test: beta += 2 x 0.3 = 0.6; the breach: beta += beta_wb p_br = 3 x 0.2 = 0.6 (nobody touted)
    assert s.beta_b[OUTSIDE_BETA, BETA] == pytest.approx([3.2] * 4, abs=1e-12)
    assert s.beta_a[OUTSIDE_BETA, BETA] == pytest.approx([2.0] * 4, abs=1e-12)


@pytest.mark.parametrize("kappa_b", [2.5, 0.5, 0.0])
def test_the_beta_variant_breaks_a_touted_pledge_by_hand(kappa_b: float) -> None:
    """The Beta variant's breach evidence does not depend on kappa_b (ODD 7.5), 0 included: at kappa_b 0 the touted
    discount was lost (ada's 2.55 read 3), a bug mutation testing found."""
    model = teaching(trust_model="beta", kappa_b=kappa_b)
    s = model.state
    pl = Pledge(BETA, frozenset({"icbm", "nuclear"}), 0.4, 0)
    pl.touted_by.add(ADA)
    model.pledges.append(pl)
    s.rapport[ADA, BETA] = 0.6
    rows = deliver(model, (BO, "icbm_test", ADA), t=2)
    # the test: beta += beta_w h = 2 x 1.0 = 2; the breach: beta += beta_wb p_br (1 - psi R touted / 2):
    # ada 3 x (1 - 0.5 x 0.6 / 2) = 3 x 0.85 = 2.55, the others 3
    assert s.beta_b[OUTSIDE_BETA, BETA] == pytest.approx([6.55, 7.0, 7.0, 7.0], abs=1e-12)
    assert s.beta_a[OUTSIDE_BETA, BETA] == pytest.approx([2.0] * 4, abs=1e-12)
    test, breach = row_of(rows, "icbm_test"), row_of(rows, "pledge_breach")
    # ada's own move: alpha 2, beta 2 + 2 + 2.55 = 6.55; mean 2 / (2 + 6.55)
    assert test["trust_before"] == 0.5 and test["trust_after"] == pytest.approx(2 / 8.55, abs=1e-12)
    # the breach row reads ada's belief without any move of its own: 2 / (2 + 2)
    assert breach["trust_before"] == 0.5 and breach["trust_after"] == 0.5


def test_the_beta_variant_breach_without_kappa_b() -> None:
    model = teaching(trust_model="beta", kappa_b=0.0)
    s = model.state
    model.pledges.append(Pledge(BETA, frozenset({"icbm"}), 0.4, 0))
    deliver(model, (BO, "srbm_test", ADA), t=1)
    # kappa_b 0: the breach still adds beta_wb p_br = 0.6 of evidence against, as with kappa_b > 0
    assert s.beta_b[OUTSIDE_BETA, BETA] == pytest.approx([3.2] * 4, abs=1e-12)


# ----------------------------------------------------------------------------- mediation (ODD 7.7)


def mediation_case() -> DiplomacyModel:
    """The teaching case before a mediation: ada trusts beta 0.3, bo trusts alpha 0.4; the mediator gil 0.7 and 0.8."""
    model = teaching()
    s = model.state
    s.trust_logit[ADA, BETA] = logit(0.3)
    s.trust_logit[GIL, BETA] = logit(0.7)
    s.trust_logit[BO, ALPHA] = logit(0.4)
    s.trust_logit[GIL, ALPHA] = logit(0.8)
    return model


def test_mediation_by_hand() -> None:
    model = mediation_case()
    s = model.state
    s.tp_domestic[:] = 0.5
    deliver(model, (GIL, "mediation", -1))
    # cred = w (1 - |b_gil - position|) stake = 0.1 x (1 - 0.5) x 0.6 = 0.03 for both leaders (positions 0 and 1)
    # ada: 0.3 + 0.5 x 0.03 x (0.7 - 0.3) = 0.306; bo: 0.4 + 0.5 x 0.03 x (0.8 - 0.4) = 0.406
    mu = model.trust_matrix()
    assert mu[ADA, BETA] == pytest.approx(0.306, abs=1e-12)
    assert mu[BO, ALPHA] == pytest.approx(0.406, abs=1e-12)
    assert mu[GIL, BETA] == pytest.approx(0.7, abs=1e-12)  # only the summit leaders are updated
    assert s.trust_logit[[ADA, BO], [ALPHA, BETA]].tolist() == [0.0, 0.0]  # and only in the other side
    assert mu[HAWKS, BETA] == 0.5
    # the mediator's own effects: its domestic pressure -0.05, both leaders' stance input -0.02
    assert s.tp_domestic.tolist() == pytest.approx([0.45], abs=1e-12)
    assert model._u.tolist() == pytest.approx([-0.02, 0, 0, -0.02, 0, 0, 0], abs=1e-12)
    model._flush_side_accumulators()
    assert model._received_affect.tolist() == [1.0] * 6 + [0.0]  # received by both principals' sides


def test_two_mediations_in_a_week_are_read_from_the_same_state() -> None:
    model = mediation_case()
    deliver(model, (GIL, "mediation", -1), (GIL, "mediation", -1))
    mu = model.trust_matrix()
    assert mu[ADA, BETA] == pytest.approx(0.312, abs=1e-12)  # 0.3 + 2 x 0.006
    assert mu[BO, ALPHA] == pytest.approx(0.412, abs=1e-12)  # 0.4 + 2 x 0.006


def test_a_mediator_the_leader_does_not_listen_to_moves_nothing() -> None:
    model = teaching()
    s = model.state
    s.trust_logit[ADA, BETA] = logit(0.3)
    s.trust_logit[GIL, BETA] = logit(0.7)
    raw = model.raw_influence
    lo, hi = raw.indptr[ADA], raw.indptr[ADA + 1]
    raw.data[lo:hi][raw.indices[lo:hi] == GIL] = -0.1  # ada listens against gil: no credibility
    deliver(model, (GIL, "mediation", -1))
    mu = model.trust_matrix()
    assert mu[ADA, BETA] == pytest.approx(0.3, abs=1e-12)
    assert mu[BO, ALPHA] == pytest.approx(0.5, abs=1e-12)  # 0.5 + 0.015 x (0.5 - 0.5)


# ----------------------------------------------------------------------------- bulk delivery (lobbying)


def test_lobbying_in_bulk_by_hand() -> None:
    """lobby: stance +0.03 x omega_sender (1 - iota_leader) sign(x_sender - x_leader) on the sender's own leader."""
    model = teaching()
    rows = deliver(model, (HAWKS, "lobby", ADA), (HARDLINERS, "lobby", BO), (REFORMERS, "lobby", BO), (REFORMERS, "lobby", BO))
    # alpha's hawks: 0.03 x 0.3 x (1 - 0.5) x sign(0.8 - 0.5) = 0.0045
    # beta's hardliners: 0.03 x 0.275 x (1 - 0.4) x (+1) = 0.00495; its reformers: -0.00495, twice
    assert model._u.tolist() == pytest.approx([0.0045, 0, 0, -0.00495, 0, 0, 0], abs=1e-12)
    assert [r["stance_change"] for r in rows] == pytest.approx([0.0045, 0.00495, 0.00495, 0.00495], abs=1e-12)
    assert [(r["sender"], r["receiver"]) for r in rows] == [
        ("alpha-hawks", "ada"),
        ("beta-hardliners", "bo"),
        ("beta-reformers", "bo"),
        ("beta-reformers", "bo"),
    ]
    for r in rows:  # inside one side: no trust reading
        assert math.isnan(r["trust_before"]) and math.isnan(r["trust_after"])
        assert r["trust_change"] == 0.0 and r["pressure_change"] == 0.0 and r["cost"] == 0.0
    assert model.state.trust_logit.tolist() == np.zeros((7, 2)).tolist()


HECKLE = {
    "label": "Heckle",
    "senders": ["hardliner"],
    "receiver": "other_leader",
    "cost": 0.1,
    "tie": 0.5,
    "trust": {"mode": "none"},
    "conciliatory": False,
    "vindicates": "hawks",
    "vindicates_sender": "doves",
    "verification": 0.5,
    "effects": [
        {"var": "stance", "who": "receiver", "roles": ["leader"], "delta": 0.1, "scale": "verification"},
        {"var": "threshold", "who": "sender", "delta": 0.2},
        {"var": "stance", "who": "receiver", "roles": ["hardliner"], "delta": 0.3, "min_verification": 0.6},
        {"var": "stance", "who": "sender", "roles": ["leader"], "delta": -0.1, "scale": "ego"},
    ],
    "sentence": "{sender} heckles {receiver}",
}


def test_a_simple_kind_in_bulk_by_hand() -> None:
    """A hardliners' heckle across sides: trust unmoved, its effects summed per side, read from the start of delivery."""
    model = teaching(signals={"heckle": HECKLE})
    assert model._simple_kind["heckle"]
    s = model.state
    s.trust_logit[ADA, BETA] = logit(0.3)
    s.trust_logit[BO, ALPHA] = logit(0.6)
    rows = deliver(model, (HARDLINERS, "heckle", ADA), (HAWKS, "heckle", BO), (HARDLINERS, "heckle", ADA))
    # stance of the receiving leader +0.1 x v 0.5 = 0.05 per heckle (ada twice, bo once); the hardliners' +0.3 is
    # skipped (v 0.5 < 0.6); the sending leader's -0.1 x psi (ada 0.5, bo 0.4): bo twice -0.08, ada once -0.05
    assert model._u.tolist() == pytest.approx([0.1 - 0.05, 0, 0, 0.05 - 0.08, 0, 0, 0], abs=1e-12)
    # threshold +0.2 on every member of the sender's side: beta's twice, alpha's once
    assert s.threshold_shift.tolist() == pytest.approx([0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 0.0], abs=1e-12)
    # stance meter per row: 0.05 x one leader + 0.1 x psi of the sending leader
    assert [r["stance_change"] for r in rows] == pytest.approx([0.05 + 0.04, 0.05 + 0.05, 0.05 + 0.04], abs=1e-12)
    assert [r["trust_before"] for r in rows] == pytest.approx([0.3, 0.6, 0.3], abs=1e-12)
    assert [r["trust_after"] for r in rows] == pytest.approx([0.3, 0.6, 0.3], abs=1e-12)
    # cost: c + tie x A_sender: beta 0.1 + 0.5 x 0.4 = 0.3, alpha 0.1 + 0.5 x 0.8 = 0.5
    assert [r["cost"] for r in rows] == pytest.approx([0.3, 0.5, 0.3], abs=1e-12)
    model._flush_side_accumulators()
    # affect 0 (neither conciliatory nor hostile); vindication of the receiving side's hawks, the sending side's doves
    assert not model._received_affect.any()
    # alpha: hawks +2 (two heckles received), diplomats +1 (one sent); beta: hardliners +1, reformers +2
    assert model._vindication.tolist() == pytest.approx([0, 2, 1, 0, 1, 2, 0], abs=1e-12)


def test_a_simple_kind_in_bulk_reads_the_beta_variant() -> None:
    model = teaching(signals={"heckle": HECKLE}, trust_model="beta")
    s = model.state
    s.beta_a[ADA, BETA] = 1.0  # 1 / (1 + 2)
    rows = deliver(model, (HARDLINERS, "heckle", ADA))
    assert rows[0]["trust_before"] == pytest.approx(1 / 3, abs=1e-12)
    assert rows[0]["trust_after"] == pytest.approx(1 / 3, abs=1e-12)


# ----------------------------------------------------------------------------- effects of a third party and of principals


def test_effects_on_the_side_levels_stay_in_the_unit_interval() -> None:
    model = teaching()
    s = model.state
    s.sanctions[:] = [0.0, 0.05]
    s.economic[:] = [0.0, 0.08]
    s.credit[:] = [0.0, 0.95]
    rows = deliver(model, (ADA, "partial_relief", BO))
    # beta's economic pressure 0.08 - 0.1 -> 0 (floored), sanctions 0.05 - 0.1 -> 0, exercise credit 0.95 + 0.1 -> 1
    assert s.economic.tolist() == pytest.approx([0.0, 0.0], abs=1e-12)
    assert s.sanctions.tolist() == pytest.approx([0.0, 0.0], abs=1e-12)
    assert s.credit.tolist() == pytest.approx([0.0, 1.0], abs=1e-12)
    assert rows[0]["pressure_change"] == pytest.approx(-0.2, abs=1e-12)  # the deltas, -0.1 - 0.1, as sent
    assert model._u[HAWKS] == pytest.approx(0.05, abs=1e-12)  # alpha's own hawks resent it
    model._flush_side_accumulators()
    assert model._vindication.tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]  # it vindicates beta's doves (reformers)


# ----------------------------------------------------------------------------- DeliveryBatch by itself


def test_a_batch_shift_reads_its_rows_and_nothing_else() -> None:
    logit_ = np.zeros((4, 2))
    batch = DeliveryBatch(logit_, np.ones((4, 2)), np.ones((4, 2)), False, 2.0)
    sh = batch.make(np.array([1, 3]), 1, np.array([0.2, -0.4]), None)
    assert sh.at(3) == (-0.4, 0.0, 0.0)
    assert sh.at(1) == (0.2, 0.0, 0.0)
    assert sh.at(2) == (0.0, 0.0, 0.0)  # between the rows
    assert sh.at(0) == (0.0, 0.0, 0.0)
    assert sh.at(9) == (0.0, 0.0, 0.0)  # past the last row
    assert sh.at(3) == (-0.4, 0.0, 0.0)  # read again, from its cache
    assert sh.meter == pytest.approx(expit(0.2) - 0.5 + 0.5 - expit(-0.4), abs=1e-12)


def test_a_beta_batch_shift_reads_its_evidence() -> None:
    a = np.full((3, 1), 2.0)
    b = np.full((3, 1), 2.0)
    batch = DeliveryBatch(np.zeros((3, 1)), a, b, True, 2.0)
    sh = batch.make(np.array([0, 2]), 0, np.array([0.5, -0.25]), None)  # no evidence given: beta_w x shift
    assert sh.at(0) == (0.5, 1.0, 0.0)
    assert sh.at(2) == (-0.25, 0.0, 0.5)
    assert sh.at(1) == (0.0, 0.0, 0.0)
    # meter: |3/5 - 1/2| + |2/4.5 - 1/2|
    assert sh.meter == pytest.approx(0.1 + (0.5 - 2 / 4.5), abs=1e-12)
    given = batch.make(np.array([1]), 0, np.array([0.5]), np.array([-3.0]))  # evidence given: used as it is
    assert given.at(1) == (0.5, 0.0, 3.0)
    batch.add_single(sh)
    batch.add_shared(("x", 0, True, -1), given)
    given.count = 2
    batch.apply_trust()
    assert a[:, 0].tolist() == pytest.approx([3.0, 2.0, 2.0], abs=1e-12)
    assert b[:, 0].tolist() == pytest.approx([2.0, 8.0, 2.5], abs=1e-12)  # row 1: 2 + 2 x 3


def test_a_batch_sums_counted_shifts_then_clips_once() -> None:
    logit_ = np.array([[0.0], [19.0], [-19.5]])
    batch = DeliveryBatch(logit_, np.zeros((3, 1)), np.zeros((3, 1)), False, 2.0)
    up = batch.make(np.array([0, 1]), 0, np.array([0.5, 0.5]), None)
    down = batch.make(np.array([1, 2]), 0, np.array([-1.5, -1.0]), None)
    batch.add_shared(("up", 0, True, -1), up)
    up.count = 3
    batch.add_single(down)
    assert down.count == 1
    # the meter clips: row 1 from 19 by +0.5 is 19.5; row 2 from -19.5 by -1 stops at -20
    assert down.meter == pytest.approx((expit(19.0) - expit(17.5)) + (expit(-19.5) - expit(-20.0)), abs=1e-15)
    batch.apply_trust()
    # row 0: 3 x 0.5 = 1.5; row 1: 19 + 1.5 - 1.5 = 19 (not 20 - 1.5 = 18.5: summed before clipping); row 2: -20
    assert logit_[:, 0].tolist() == pytest.approx([1.5, 19.0, -20.0], abs=1e-12)


def test_an_empty_batch_moves_nothing_and_nudges_are_counted() -> None:
    logit_ = np.array([[0.3]])
    batch = DeliveryBatch(logit_, np.zeros((1, 1)), np.zeros((1, 1)), False, 2.0)
    u = np.ones(3)  # the inputs already gathered this step
    d = np.array([0.1, 0.1])
    batch.nudge((1, 0, 0.1), np.array([0, 2]), d)
    batch.nudge((1, 0, 0.1), np.array([0, 2]), d)
    batch.nudge((1, 0, 0.1), np.array([0, 2]), d)
    batch.nudge((2, 0, -0.2), np.array([1]), np.array([-0.2]))
    batch.apply(u)
    assert u.tolist() == pytest.approx([1.3, 0.8, 1.3], abs=1e-12)  # 1 + 3 x 0.1 twice, 1 - 0.2 once
    assert logit_.tolist() == [[0.3]]


# ----------------------------------------------------------------------------- what a leader's choice says (type evidence) and the parts of a signal


def with_type_evidence(model: DiplomacyModel, leader: int, kind: str, llr: float, known: bool = True) -> None:
    """Set the log-likelihood ratio log P_T - log P_U of ``kind`` for ``leader`` this week (column 0 is no action)."""
    j = model.kinds.index(kind) + 1
    row = np.zeros(len(model.kinds) + 1)
    row[j] = llr
    seen = np.zeros(len(model.kinds) + 1, dtype=bool)
    seen[j] = known
    model.type_evidence[leader] = row
    model.type_evidence_known[leader] = seen


# the default catalogue reads praise as cheap talk, by its cost (ODD 7.4); these tests declare it a costly signal, read
# by its type evidence, so that the evidence's arithmetic shows against praise's small cost
TYPED_PRAISE = {"trust": {"mode": "reassuring", "evidence": "type"}}


def test_a_leaders_reassuring_choice_is_read_by_its_type_evidence() -> None:
    model = teaching(signals={"praise": TYPED_PRAISE})
    with_type_evidence(model, ADA, "praise", 0.8)
    row = row_of(deliver(model, (ADA, "praise", BO)), "praise")
    # l = llr (1 - phi x): bo 0.8 x 0.75 = 0.6; hardliners 0.8 x 0.6 = 0.48; reformers, gil 0.8 x 0.85 = 0.68
    assert model.state.trust_logit[OUTSIDE_ALPHA, ALPHA] == pytest.approx([0.6, 0.48, 0.68, 0.68], abs=1e-12)
    assert row["trust_after"] == pytest.approx(expit(0.6), abs=1e-12)


def test_a_choice_the_leader_could_not_make_is_read_by_its_cost() -> None:
    model = teaching(signals={"praise": TYPED_PRAISE})
    with_type_evidence(model, ADA, "praise", 0.8, known=False)
    deliver(model, (ADA, "praise", BO))
    assert model.state.trust_logit[OUTSIDE_ALPHA, ALPHA] == pytest.approx([0.0336, 0.02688, 0.03808, 0.03808], abs=1e-12)
    model = teaching(signals={"praise": TYPED_PRAISE})
    with_type_evidence(model, BO, "praise", 0.8)  # the other leader's evidence says nothing of ada
    deliver(model, (ADA, "praise", BO))
    assert model.state.trust_logit[OUTSIDE_ALPHA, ALPHA] == pytest.approx([0.0336, 0.02688, 0.03808, 0.03808], abs=1e-12)


def test_the_parts_of_a_letter_are_read_by_their_costs_and_leave_concessions_alone() -> None:
    model = teaching(signals={"praise": TYPED_PRAISE})
    s = model.state
    s.unreciprocated[:] = [0.1, 0.5]
    with_type_evidence(model, ADA, "praise", 0.8)
    rows = deliver(model, (ADA, "praise", BO), (ADA, "letter", BO))
    # the praise itself by its evidence (0.8 (1 - phi x)); the letter's praise by its cost (2.24 x 0.02 (1 - phi x)),
    # its threat -0.3 (1 + phi x): bo 0.6 + 0.0336 - 0.375; hardliners 0.48 + 0.02688 - 0.42; reformers, gil
    # 0.68 + 0.03808 - 0.345
    expected = [0.2586, 0.08688, 0.37308, 0.37308]
    assert s.trust_logit[OUTSIDE_ALPHA, ALPHA] == pytest.approx(expected, abs=1e-12)
    praise, letter = rows
    assert praise["trust_after"] == pytest.approx(expit(0.6), abs=1e-12)
    assert letter["trust_before"] == 0.5
    assert letter["trust_after"] == pytest.approx(expit(0.0336 - 0.375), abs=1e-12)
    # the letter's row meters both parts: their trust moves, bo's -0.004 and beta's hardliner's +0.05 stance, and the
    # threat's military pressure on beta +0.05 and hostility of alpha +0.05
    parts = [0.0336, 0.02688, 0.03808, 0.03808, -0.375, -0.42, -0.345, -0.345]
    assert letter["trust_change"] == pytest.approx(sum(abs(expit(x) - 0.5) for x in parts), abs=1e-12)
    assert letter["stance_change"] == pytest.approx(0.054, abs=1e-12)
    assert letter["pressure_change"] == pytest.approx(0.1, abs=1e-12)
    # the praise's concession counts once: the letter's parts do not (alpha +0.02, beta -0.02)
    assert s.unreciprocated.tolist() == pytest.approx([0.12, 0.48], abs=1e-12)
    # rapport: +0.1 x psi_bo 0.4 twice (the praise and the letter's praise)
    assert s.rapport[BO, ALPHA] == pytest.approx(0.08, abs=1e-12)
    # the letter's threat part: beta's hardliner stance +0.05; the two praises: bo -0.01 x 0.4 = -0.004 each
    assert model._u.tolist() == pytest.approx([0, 0, 0, -0.008, 0.05, 0, 0], abs=1e-12)
    model._flush_side_accumulators()
    # affect on beta: +1 (praise) + 1 (the letter's praise) - 1 (its threat) + 0 (the letter itself)
    assert model._received_affect.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0]


def test_two_factions_of_a_side_are_read_each_by_its_own_weight() -> None:
    model = teaching(signals={"threat": {"senders": ["leader", "hardliner", "staff"]}})
    s = model.state
    s.omega[DIPLOMATS] = 0.1
    deliver(model, (HAWKS, "threat", BO), (DIPLOMATS, "threat", BO), (ADA, "threat", BO))
    # the leader's threat -0.3 (1 + phi x): bo -0.375, hardliners -0.42, reformers, gil -0.345; x (1 + 0.3 + 0.1)
    assert s.trust_logit[OUTSIDE_ALPHA, ALPHA] == pytest.approx([-0.525, -0.588, -0.483, -0.483], abs=1e-12)


def test_a_faction_and_its_leader_sending_the_same_kind_are_read_apart() -> None:
    model = teaching(signals={"praise": {"senders": ["leader", "staff"], **TYPED_PRAISE}})
    s = model.state
    with_type_evidence(model, ADA, "praise", 0.8)
    rows = deliver(model, (DIPLOMATS, "praise", BO), (ADA, "praise", BO))
    # the diplomats' praise by its cost x omega 0.3: bo 0.0336 x 0.3 = 0.01008; the leader's by its evidence: 0.6
    assert s.trust_logit[BO, ALPHA] == pytest.approx(0.61008, abs=1e-12)
    assert rows[0]["trust_after"] == pytest.approx(expit(0.01008), abs=1e-12)
    assert rows[1]["trust_after"] == pytest.approx(expit(0.6), abs=1e-12)


def test_a_concessions_verification_scales_its_cost_and_gates_its_effects() -> None:
    model = teaching()
    s = model.state
    deliver(model, (BO, "dismantle_site", ADA))
    # c_eff = 0.35 x v 0.4 = 0.14; ada: 2.24 x 0.14 x 0.75 = 0.2352; hawks x 0.6 = 0.18816; others x 0.85 = 0.26656
    assert s.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([0.2352, 0.18816, 0.26656, 0.26656], abs=1e-12)
    assert not model._u.any()  # the hawks' stance effect needs verification 0.7
    model = teaching(signals={"dismantle_site": {"verification": 0.7}})
    deliver(model, (BO, "dismantle_site", ADA))
    assert model._u.tolist() == pytest.approx([0, -0.03, 0, 0, 0, 0, 0], abs=1e-12)  # 0.7 is enough


def test_a_cancellation_realises_the_audience_cost_staked() -> None:
    model = teaching()
    s = model.state
    row = row_of(deliver(model, (ADA, "summit_cancel", BO)), "summit_cancel")
    # alpha's domestic pressure + A_alpha x tie = 0.8 x 0.3 = 0.24; beta's + 0.1
    assert s.domestic.tolist() == pytest.approx([0.24, 0.1], abs=1e-12)
    assert row["pressure_change"] == pytest.approx(0.34, abs=1e-12)
    # shift m = -0.4: bo -0.4 x 1.25 = -0.5
    assert s.trust_logit[BO, ALPHA] == pytest.approx(-0.5, abs=1e-12)


# ----------------------------------------------------------------------------- trust moved outside a week's delivery


def test_trust_moved_outside_delivery_is_applied_at_once_and_metered() -> None:
    model = teaching()
    s = model.state
    s.trust_logit[HAWKS, BETA] = 19.5
    model._meter = [0.25, 0.0, 0.0]  # what the signal being applied has metered so far
    model._shift_trust(np.array([ADA, HAWKS]), BETA, np.array([0.5, 1.0]))
    assert s.trust_logit[[ADA, HAWKS], BETA].tolist() == pytest.approx([0.5, 20.0], abs=1e-12)  # clipped at 20
    assert model._meter == pytest.approx([0.25 + expit(0.5) - 0.5 + expit(20.0) - expit(19.5), 0.0, 0.0], abs=1e-15)


def test_trust_moved_outside_delivery_in_the_beta_variant() -> None:
    model = teaching(trust_model="beta")
    s = model.state
    s.beta_a[HAWKS, BETA] = 6.0  # mu 0.75
    model._meter = [0.0, 0.0, 0.0]
    model._shift_trust(np.array([ADA, HAWKS]), BETA, np.array([0.5, -1.0]))  # evidence beta_w x shift: +1, -2
    assert s.beta_a[[ADA, HAWKS], BETA].tolist() == pytest.approx([3.0, 6.0], abs=1e-12)
    assert s.beta_b[[ADA, HAWKS], BETA].tolist() == pytest.approx([2.0, 4.0], abs=1e-12)
    # mean: ada 0.5 -> 3/5 = 0.6; hawks 6/8 -> 6/10
    assert model._meter == pytest.approx([0.1 + 0.15, 0.0, 0.0], abs=1e-12)
    model._shift_trust(np.array([GIL]), ALPHA, np.array([9.0]), np.array([-1.0]))  # evidence given: 1 against
    assert (s.beta_a[GIL, ALPHA], s.beta_b[GIL, ALPHA]) == (2.0, 3.0)
    assert model._meter[0] == pytest.approx(0.25 + 0.1, abs=1e-12)  # 0.5 -> 2/5


def test_a_signal_applied_outside_delivery_in_the_beta_variant() -> None:
    model = teaching(trust_model="beta")
    model._apply_signal(Signal(sender=HARDLINERS, kind="threat", receiver=ADA), model.catalogue["threat"], 0)
    # the hostile evidence beta_w h x omega = 2 x 0.3 x 0.275 = 0.165, not beta_w x the log-odds shift
    assert model.state.beta_b[OUTSIDE_BETA, BETA] == pytest.approx([2.165] * 4, abs=1e-12)


def test_a_signal_applied_outside_delivery_moves_trust_at_once() -> None:
    model = teaching()
    model._meter = [0.0, 0.0, 0.0]
    model._apply_signal(Signal(sender=BO, kind="threat", receiver=ADA), model.catalogue["threat"], 0)
    assert model.state.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([-0.375, -0.42, -0.345, -0.345], abs=1e-12)
    assert model._meter[0] == pytest.approx(sum(0.5 - expit(x) for x in (-0.375, -0.42, -0.345, -0.345)), abs=1e-12)
    assert model._u[HAWKS] == pytest.approx(0.05, abs=1e-12)  # the nudge applied at once too
    assert model._meter[1] == pytest.approx(0.05, abs=1e-12)


def test_the_receivers_trust_after_its_own_move_is_clipped_like_the_state() -> None:
    model = teaching()
    model.state.trust_logit[ADA, BETA] = 19.9
    row = row_of(deliver(model, (BO, "dismantle_site", ADA)), "dismantle_site")
    # ada's own move +0.2352 from 19.9 stops at 20
    assert row["trust_after"] == pytest.approx(expit(20.0), abs=1e-15)
    assert model.state.trust_logit[ADA, BETA] == 20.0


# ----------------------------------------------------------------------------- touting, pledges again


TOKENS = {
    "wave": {"cost": 0.02},  # conciliatory, reassuring, cost <= 0.02: touts
    "gift": {"cost": 0.03},  # too dear to count as touting
    "nod": {"cost": 0.0, "conciliatory": False},  # not conciliatory
    "smile": {"cost": 0.0, "trust": {"mode": "shift", "magnitude": 0.1}},  # not reassuring
}


def token(fields: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {
        "label": "Token",
        "senders": ["leader", "mediator"],
        "receiver": "other_leader",
        "trust": {"mode": "reassuring"},
        "conciliatory": True,
        "sentence": "{sender} to {receiver}",
    }
    return {**base, **fields}


@pytest.mark.parametrize(("kind", "touts"), [("wave", True), ("gift", False), ("nod", False), ("smile", False)])
def test_what_touts_a_pledge(kind: str, touts: bool) -> None:
    model = teaching(signals={k: token(v) for k, v in TOKENS.items()})
    pl = Pledge(BETA, frozenset({"icbm"}), 0.4, 0)
    model.pledges.append(pl)
    deliver(model, (ADA, kind, BO), (GIL, kind, BO))  # a third party's token never touts
    assert pl.touted_by == ({ADA} if touts else set())


def test_a_side_whose_pledge_was_broken_can_pledge_again_and_the_first_pledge_week_stays() -> None:
    model = teaching(signals={"moratorium_pledge": {"requires": None}})
    model.pledges.append(Pledge(BETA, frozenset({"icbm"}), 0.4, 0, active=False))
    deliver(model, (BO, "moratorium_pledge", ADA), t=2)
    deliver(model, (ADA, "moratorium_pledge", BO), t=3)
    assert [(p.side, p.week, p.active) for p in model.pledges] == [(BETA, 0, False), (BETA, 2, True), (ALPHA, 3, True)]
    assert model.first_pledge_week == 2


def test_the_escalation_names_the_test_that_broke_the_pledge() -> None:
    model = teaching()
    model.pledges.append(Pledge(BETA, frozenset({"nuclear"}), 0.4, 0))
    rows = deliver(model, (BO, "nuclear_test", ADA), t=1)
    assert row_of(rows, "escalation")["detail"] == "Chairman Bo's nuclear test breaks an active pledge"


# ----------------------------------------------------------------------------- receivers without a side, third parties' own variables


def test_a_mediation_row_has_no_trust_reading_and_costs_no_concession() -> None:
    model = teaching()
    model.state.unreciprocated[:] = [0.3, 0.3]
    (row,) = deliver(model, (GIL, "mediation", -1))
    assert row["receiver"] == "ada+bo"
    assert math.isnan(row["trust_before"]) and math.isnan(row["trust_after"])
    assert row["cost"] == pytest.approx(0.05, abs=1e-12)  # no audience of its own
    assert model.state.unreciprocated.tolist() == [0.3, 0.3]


AID = {
    "label": "Aid",
    "senders": ["mediator"],
    "receiver": "principals",
    "trust": {"mode": "none"},
    "effects": [
        {"var": "enforcement", "who": "sender", "delta": -0.3},
        {"var": "pressure.domestic", "who": "sender", "delta": 0.7},
        {"var": "stance", "who": "sender", "delta": -0.1},
        {"var": "hostility", "who": "sender", "delta": 0.5},
        {"var": "perception", "who": "receiver", "delta": -2.0},
    ],
    "sentence": "{sender} sends aid to {receiver}",
}


def test_a_third_partys_own_variables_and_what_it_cannot_move() -> None:
    model = teaching(signals={"aid": AID})
    s = model.state
    s.tp_domestic[:] = 0.5
    s.perception_log = -0.5
    (row,) = deliver(model, (GIL, "aid", -1))
    assert s.enforcement.tolist() == pytest.approx([0.7], abs=1e-12)  # 1 - 0.3
    assert s.tp_domestic.tolist() == pytest.approx([1.0], abs=1e-12)  # 0.5 + 0.7, clipped at 1
    assert model._u.tolist() == pytest.approx([0, 0, 0, 0, 0, 0, -0.1], abs=1e-12)  # its own stance input
    assert s.hostility.tolist() == [0.0, 0.0]  # a third party has no hostility to raise
    # perception: -0.5 - 2 = -2.5, once (global), not once per receiving side
    assert s.perception_log == pytest.approx(-2.5, abs=1e-12)
    assert row["pressure_change"] == 0.0
    # the row's stance meter sums every stance input the signal adds, the sender's own included: |-0.1| (it read 0)
    assert row["stance_change"] == pytest.approx(0.1, abs=1e-12)
    deliver(model, (GIL, "aid", -1))
    assert s.perception_log == pytest.approx(-3.0, abs=1e-12)  # -4.5, clipped at -3
    assert model._u[GIL] == pytest.approx(-0.2, abs=1e-12)  # its stance input adds up: -0.1 twice
    assert s.enforcement.tolist() == pytest.approx([0.4], abs=1e-12)
    deliver(model, (GIL, "aid", -1), (GIL, "aid", -1))
    assert s.enforcement.tolist() == pytest.approx([0.0], abs=1e-12)  # clipped at 0


EFFECTS = {
    "label": "Everything",
    "senders": ["leader"],
    "receiver": "other_leader",
    "trust": {"mode": "none"},
    "effects": [
        {"var": "anchor", "who": "receiver", "roles": ["hardliner"], "delta": 0.3},
        {"var": "threshold", "who": "receiver", "roles": ["leader"], "delta": -0.2},
        {"var": "influence", "who": "sender", "roles": ["hardliner"], "delta": 0.5},
        {"var": "rapport", "who": "receiver", "roles": ["leader"], "delta": 0.7, "scale": "ego"},
        {"var": "exercise_credit", "who": "receiver", "delta": 0.6},
        {"var": "demand", "who": "sender", "delta": -0.8},
        {"var": "enforcement", "who": "receiver", "delta": 0.4},
        {"var": "sanctions", "who": "principals", "delta": 0.7},
    ],
    "sentence": "{sender} does everything to {receiver}",
}


def test_each_effect_on_a_side_by_hand() -> None:
    model = teaching(signals={"everything": EFFECTS})
    s = model.state
    s.enforcement[:] = 0.2
    s.sanctions[:] = [0.1, 0.5]
    model.tp_client = np.array([ALPHA])
    model.tp_leaks = np.array([True])  # gil as alpha's patron for this test
    deliver(model, (ADA, "everything", BO), (ADA, "everything", BO))
    assert s.anchor[HARDLINERS] == pytest.approx(1.0, abs=1e-12)  # 0.8 + 0.3 + 0.3, clipped at 1
    assert s.anchor[HAWKS] == 0.8
    assert s.threshold_shift.tolist() == pytest.approx([0, 0, 0, -0.4, 0, 0, 0], abs=1e-12)
    assert model._vindication.tolist() == pytest.approx([0, 1.0, 0, 0, 0, 0, 0], abs=1e-12)
    # rapport of bo with alpha: 0.7 x psi 0.4 = 0.28, twice
    assert s.rapport[BO].tolist() == pytest.approx([0.56, 0.0], abs=1e-12)
    assert s.credit.tolist() == pytest.approx([0.0, 1.0], abs=1e-12)  # 1.2, clipped at 1
    assert s.demand.tolist() == pytest.approx([-1.0, 0.0], abs=1e-12)  # -1.6, clipped at -1
    assert s.enforcement.tolist() == pytest.approx([0.2], abs=1e-12)  # gil is alpha's, not beta's
    assert s.sanctions.tolist() == pytest.approx([1.0, 1.0], abs=1e-12)  # both principals, clipped at 1
    deliver(model, (BO, "everything", ADA))
    assert s.enforcement.tolist() == pytest.approx([0.6], abs=1e-12)  # now alpha receives: 0.2 + 0.4
    deliver(model, (BO, "everything", ADA))
    assert s.enforcement.tolist() == pytest.approx([1.0], abs=1e-12)  # 0.6 + 0.4 = 1.0, and no further:
    deliver(model, (BO, "everything", ADA))
    assert s.enforcement.tolist() == pytest.approx([1.0], abs=1e-12)  # clipped at 1
    model.tp_leaks = np.array([False])  # a guarantor protecting alpha is not moved
    s.enforcement[:] = 0.6
    deliver(model, (BO, "everything", ADA))
    assert s.enforcement.tolist() == pytest.approx([0.6], abs=1e-12)


# ----------------------------------------------------------------------------- a letter that carries the summit's acceptance


@pytest.mark.parametrize(
    ("status", "offered_by", "carries"),
    [("cancelled", -1, True), ("offered", ALPHA, True), ("offered", BETA, False), ("none", -1, False), ("scheduled", -1, False)],
)
def test_a_letter_reads_as_an_acceptance_when_there_is_a_summit_to_accept(status: str, offered_by: int, carries: bool) -> None:
    model = teaching()
    s = model.state
    s.unreciprocated[:] = [0.3, 0.3]
    model.summit.status, model.summit.offered_by = status, offered_by
    deliver(model, (BO, "letter", ADA))
    assert s.unreciprocated.tolist() == [0.3, 0.3]  # what a letter carries is applied as a part: no concession counted
    # the letter's praise 2.24 x 0.02 x 0.75 = 0.0336 and threat -0.375 on ada; an acceptance adds its own reading:
    # c_eff = 0.1 + A_beta 0.4 x tie 0.3 = 0.22, 2.24 x 0.22 x 0.75 = 0.3696; and beta's domestic pressure +0.05
    accept = 0.3696 if carries else 0.0
    assert s.trust_logit[ADA, BETA] == pytest.approx(0.0336 - 0.375 + accept, abs=1e-12)
    assert s.domestic.tolist() == pytest.approx([0.0, 0.05 if carries else 0.0], abs=1e-12)


def test_a_kind_with_its_own_reading_carries_nothing() -> None:
    toast = {**token({"cost": 0.02}), "summit": "accept"}
    model = teaching(signals={"toast": toast})
    model.summit.status = "cancelled"
    deliver(model, (BO, "toast", ADA))
    # its own reading only: 2.24 x 0.02 x 0.75 = 0.0336 (no summit acceptance read on top)
    assert model.state.trust_logit[ADA, BETA] == pytest.approx(0.0336, abs=1e-12)
    assert model.state.domestic.tolist() == [0.0, 0.0]


def test_an_offer_without_a_trust_reading_carries_the_offer_once() -> None:
    note = {"label": "Note", "senders": ["leader"], "receiver": "other_leader", "summit": "offer", "sentence": "{sender} writes"}
    model = teaching(signals={"note": note})
    deliver(model, (ADA, "note", BO))
    # read as a summit offer: c_eff = 0.1 + A_alpha 0.8 x 0.3 = 0.34; bo: 2.24 x 0.34 x 0.75 = 0.5712
    assert model.state.trust_logit[BO, ALPHA] == pytest.approx(0.5712, abs=1e-12)
    assert model.state.domestic.tolist() == pytest.approx([0.05, 0.0], abs=1e-12)
    assert model.summit.status == "offered"
    deliver(model, (ADA, "note", BO))  # an offer already stands: nothing more to carry
    assert model.state.trust_logit[BO, ALPHA] == pytest.approx(0.5712, abs=1e-12)
    # an acceptance without a reading of its own is applied once, not carried on top of itself
    model = teaching(signals={"summit_accept": {"trust": {"mode": "none"}}})
    model.summit.status = "cancelled"
    deliver(model, (BO, "summit_accept", ADA))
    assert model.state.domestic.tolist() == pytest.approx([0.0, 0.05], abs=1e-12)
    assert model.state.trust_logit[ADA, BETA] == 0.0


# ----------------------------------------------------------------------------- the receiver's reading, row by row


def test_each_row_reads_the_receivers_trust_after_its_own_move_only() -> None:
    model = teaching()
    threat, demand, threat2 = deliver(model, (BO, "threat", ADA), (BO, "demand", ADA), (BO, "threat", ADA))
    # threat: ada -0.375; demand: -0.1 x 1.25 = -0.125; each row from the start of delivery, 0.5
    assert [threat["trust_before"], demand["trust_before"], threat2["trust_before"]] == [0.5, 0.5, 0.5]
    assert threat["trust_after"] == pytest.approx(expit(-0.375), abs=1e-12)
    assert demand["trust_after"] == pytest.approx(expit(-0.125), abs=1e-12)
    assert threat2["trust_after"] == pytest.approx(expit(-0.375), abs=1e-12)
    assert model.state.trust_logit[ADA, BETA] == pytest.approx(-0.875, abs=1e-12)


def test_a_signal_to_a_third_party_moves_trust_but_no_side_receives_it() -> None:
    model = teaching()
    s = model.state
    (row,) = deliver(model, (BO, "threat", GIL))
    assert s.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([-0.375, -0.42, -0.345, -0.345], abs=1e-12)
    assert row["trust_before"] == 0.5 and row["trust_after"] == pytest.approx(expit(-0.345), abs=1e-12)  # gil's own
    assert s.military_extra.tolist() == [0.0, 0.0] and not model._u.any()  # no receiving side
    assert s.hostility.tolist() == pytest.approx([0.0, 0.05], abs=1e-12)  # the sender's side's own effect
    model._flush_side_accumulators()
    assert not model._received_affect.any() and not model._vindication.any()


def test_a_mediation_sent_by_a_side_moves_no_leader() -> None:
    model = teaching()
    s = model.state
    s.trust_logit[GIL, BETA] = logit(0.9)
    s.domestic[:] = 0.2
    deliver(model, (ADA, "mediation", -1))
    assert model.trust_matrix()[[ADA, BO], [BETA, ALPHA]].tolist() == pytest.approx([0.5, 0.5], abs=1e-12)
    assert s.domestic.tolist() == pytest.approx([0.15, 0.2], abs=1e-12)  # its own effect on its sender's side
    # followed by gil's in the same week: gil's is still read; ada 0.5 + 0.5 x 0.03 x (0.9 - 0.5) = 0.506
    deliver(model, (ADA, "mediation", -1), (GIL, "mediation", -1))
    assert model.trust_matrix()[ADA, BETA] == pytest.approx(0.506, abs=1e-12)


def test_only_the_edge_from_the_mediator_lends_it_credibility() -> None:
    """Beta without factions (bo is the last member of a side, just before the third parties) and a second
    mediator, hal; ada listens to hal, not to gil; bo listens to neither. gil's mediation moves nobody."""
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    data["sides"]["beta"]["factions"] = []
    hal = {**data["third_parties"][0], "id": "hal", "name": "Envoy Hal"}
    data["third_parties"].append(hal)
    data["influence"] = [
        {"listener": "ada", "speaker": "hal", "weight": 0.1},
        {"listener": "alpha-hawks", "speaker": "alpha-diplomats", "weight": 0.2},
    ]
    model = DiplomacyModel(validate_data(data, source), seed=0)
    assert model.actor_ids == ["ada", "alpha-hawks", "alpha-diplomats", "bo", "gil", "hal"]
    s = model.state
    gil = 4
    s.trust_logit[:] = 0.0
    s.trust_logit[gil, :] = [logit(0.8), logit(0.7)]
    s.trust_logit[BO, ALPHA] = 20.0  # a belief at the bound, which a zero move must leave as it is
    deliver(model, (gil, "mediation", -1))
    assert s.trust_logit[ADA, BETA] == 0.0
    assert s.trust_logit[BO, ALPHA] == 20.0


def test_a_leader_without_an_edge_to_the_mediator_gives_it_no_credibility() -> None:
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    data["influence"] = [e for e in data["influence"] if e["listener"] != "bo"]
    model = DiplomacyModel(validate_data(data, source), seed=0)
    s = model.state
    s.trust_logit[:] = 0.0
    s.trust_logit[GIL, :] = [logit(0.8), logit(0.7)]
    deliver(model, (GIL, "mediation", -1))
    mu = model.trust_matrix()
    assert mu[ADA, BETA] == pytest.approx(0.5 + 0.5 * 0.03 * 0.2, abs=1e-12)  # ada still listens: 0.503
    assert mu[BO, ALPHA] == pytest.approx(0.5, abs=1e-12)


# ----------------------------------------------------------------------------- which kinds go in bulk


SIMPLE = {"label": "Simple", "senders": ["hardliner"], "receiver": "other_leader", "sentence": "{sender} to {receiver}"}


@pytest.mark.parametrize(
    ("fields", "simple"),
    [
        ({}, True),
        ({"receiver": "own_leader"}, True),
        ({"receiver": "other_staff"}, True),
        ({"effects": [{"var": "threshold", "who": "sender", "delta": 0.1}, {"var": "stance", "who": "receiver", "delta": 0.1}]}, True),
        ({"trust": {"mode": "hostile", "magnitude": 0.1}}, False),
        ({"summit": "offer"}, False),
        ({"pledge_scope": ["icbm"]}, False),
        ({"test_class": "srbm"}, False),
        ({"parts": ["threat"]}, False),
        ({"conciliatory": True}, False),
        ({"senders": ["hardliner", "leader"]}, False),
        ({"senders": ["mediator"]}, False),
        ({"receiver": "principals"}, False),
        ({"effects": [{"var": "hostility", "who": "receiver", "delta": 0.1}]}, False),
        ({"effects": [{"var": "stance", "who": "principals", "delta": 0.1}]}, False),
    ],
)
def test_which_kinds_are_delivered_in_bulk(fields: dict[str, Any], simple: bool) -> None:
    """Only a kind whose whole delivery is a sum of stance or threshold nudges on sides' members goes in bulk."""
    model = teaching(signals={"simple": {**SIMPLE, **fields}})
    assert model._simple_kind["simple"] is simple


def test_a_factions_test_still_breaks_its_sides_pledge() -> None:
    """A kind with a test class and no trust reading is delivered one by one, so the pledge check sees it."""
    drill = {**SIMPLE, "test_class": "icbm"}
    model = teaching(signals={"drill": drill})
    pl = Pledge(BETA, frozenset({"icbm"}), 0.4, 0)
    model.pledges.append(pl)
    deliver(model, (HARDLINERS, "drill", ADA), t=2)
    assert not pl.active and model.escalated_week == 2
    # the breach alone: -kappa_b = -2.5 for everyone outside beta (nobody touted)
    assert model.state.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([-2.5] * 4, abs=1e-12)


def test_an_agreements_terms_are_broken_only_by_what_they_name() -> None:
    """A term of agreement 0 (deal 0) forbidding icbm tests: an srbm test is no breach of it, whatever its p_br."""
    model = teaching()
    term = Pledge(BETA, frozenset({"icbm"}), 0.4, 0, deal=0)
    model.pledges.append(term)
    deliver(model, (BO, "srbm_test", ADA), t=3)
    # the test's own reading only: ada -0.375, hawks -0.42, others -0.345 (no -kappa_b x 0.2 for a pledge)
    assert model.state.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([-0.375, -0.42, -0.345, -0.345], abs=1e-12)
    assert term.active
    assert model.first_test_after_pledge == -1  # a test after an agreement's terms is not a test after a pledge
    # a pledge of the same side listed after the term is still read: p_br 0.2, -2.5 x 0.2 = -0.5 more
    model.pledges.append(Pledge(BETA, frozenset({"nuclear"}), 0.4, 0))
    model.state.trust_logit[:] = 0.0
    deliver(model, (BO, "srbm_test", ADA), t=4)
    assert model.state.trust_logit[OUTSIDE_BETA, BETA] == pytest.approx([-0.875, -0.92, -0.845, -0.845], abs=1e-12)
    assert model.first_test_after_pledge == 4


def test_a_pledge_the_test_cannot_break_does_not_shield_the_next_one() -> None:
    """Two pledges of beta; an srbm test with breach probability 0 passes the first (icbm) and breaks the second (srbm)."""
    model = teaching(signals={"srbm_test": {"breach_probability": 0.0}})
    icbm = Pledge(BETA, frozenset({"icbm"}), 0.4, 0)
    srbm = Pledge(BETA, frozenset({"srbm"}), 0.4, 0)
    model.pledges += [icbm, srbm]
    deliver(model, (BO, "srbm_test", ADA), t=1)
    assert icbm.active and not srbm.active
    # the test -0.375 (ada) and the second pledge's breach -2.5
    assert model.state.trust_logit[ADA, BETA] == pytest.approx(-2.875, abs=1e-12)


def test_breaking_an_agreements_terms_is_not_a_test_after_a_pledge() -> None:
    """hanoi-2019 with an interim agreement (number 0) whose terms bind the DPRK not to test srbm; no pledge besides."""
    data, _, source = load_raw("hanoi-2019")
    data = copy.deepcopy(data)
    data["implementation"] = {"comply_weeks": 8, "continue_after": ["interim"], "terms": [{"side": "dprk", "scope": ["srbm"], "tie": 0.5}]}
    model = DiplomacyModel(validate_data(data, source), seed=0)
    q = int(np.argmin(np.abs(model.grid - np.array([0.5, 0.35])).sum(axis=1)))
    model._sign("interim", q, 10)
    model.pledges = [p for p in model.pledges if p.deal >= 0]
    (term,) = model.pledges
    assert term.deal == 0
    kim, trump = model.index_of["kim"], model.index_of["trump"]
    rows = deliver(model, (kim, "srbm_test", trump), t=11)
    assert not term.active and model.agreements[0]["stage"] == "collapsed"
    assert "term_breach" in [r["kind"] for r in rows] and model.escalated_week == -1
    assert model.first_test_after_pledge == -1
    name = model.actor_names[kim]
    assert row_of(rows, "agreement_collapsed")["detail"] == f"interim: {name}'s short-range missile test breaks its terms"


def test_a_placating_test_that_breaks_a_pledge_still_pays_the_breach() -> None:
    """theta_placate 4: bo's icbm test answers beta's elite (domestic pressure to 0, ODD 7.16); then the breach of the
    pledge it breaks raises it by A_beta x tie = 0.4 x 0.4 = 0.16 (ODD 7.9's order: effects, placation, breach)."""
    model = teaching(theta_placate=4.0)
    model.state.domestic[:] = [0.3, 0.5]
    model.pledges.append(Pledge(BETA, frozenset({"icbm"}), 0.4, 0))
    deliver(model, (BO, "icbm_test", ADA), t=1)
    assert model.state.domestic.tolist() == pytest.approx([0.3, 0.16], abs=1e-12)


# ----------------------------------------------------------------------------- the week's rows, bulk and one by one


@pytest.mark.parametrize("small_block", [64, 0], ids=["as-dicts", "as-a-block"])
def test_a_weeks_rows_in_full(small_block: int) -> None:
    model = teaching()
    model.SMALL_BLOCK = small_block
    sigs = [
        Signal(sender=HAWKS, kind="lobby", receiver=ADA, source="forced", note="n1"),
        Signal(sender=BO, kind="threat", receiver=ADA, note="n2"),
        Signal(sender=REFORMERS, kind="lobby", receiver=BO),
    ]
    model._deliver(sigs, 3)
    first, threat, last = list(model.events)
    nan = float("nan")
    # week 3 of a weekly run from 2020-01-06; lobbying moves stance by 0.03 x omega (1 - iota) (see above)
    assert first == pytest.approx(
        {
            "step": 3,
            "date": "2020-01-27",
            "sender": "alpha-hawks",
            "receiver": "ada",
            "kind": "lobby",
            "source": "forced",
            "cost": 0.0,
            "trust_before": nan,
            "trust_after": nan,
            "trust_change": 0.0,
            "stance_change": 0.0045,
            "pressure_change": 0.0,
            "detail": "n1",
            "text": "Alpha hawks lobbies President Ada",
        },
        nan_ok=True,
        abs=1e-12,
    )
    assert (threat["step"], threat["date"], threat["kind"], threat["source"], threat["detail"]) == (
        3,
        "2020-01-27",
        "threat",
        "chosen",
        "n2",
    )
    assert threat["text"] == "Chairman Bo threatens President Ada"
    assert (last["sender"], last["receiver"], last["source"], last["detail"]) == ("beta-reformers", "bo", "chosen", "")
    assert last["text"] == "Beta reformers lobbies Chairman Bo"
    assert last["stance_change"] == pytest.approx(0.00495, abs=1e-12)


def test_a_week_without_bulk_signals_logs_its_rows_in_order() -> None:
    model = teaching()
    deliver(model, (BO, "threat", ADA), (ADA, "praise", BO), t=1)
    assert [(e["sender"], e["kind"], e["step"]) for e in model.events] == [("bo", "threat", 1), ("ada", "praise", 1)]


def test_a_third_partys_threat_moves_no_trust() -> None:
    model = teaching()
    s = model.state
    (row,) = deliver(model, (GIL, "threat", ADA))
    assert not s.trust_logit.any()  # third parties' signals never move trust (ODD 7.4)
    assert math.isnan(row["trust_before"]) and math.isnan(row["trust_after"]) and row["trust_change"] == 0.0
    assert row["cost"] == pytest.approx(0.05, abs=1e-12)  # no audience: c only
    assert s.military_extra.tolist() == pytest.approx([0.05, 0.0], abs=1e-12)  # its effect on the receiving side
    assert s.hostility.tolist() == [0.0, 0.0]  # a third party has no hostility of its own to raise
    assert row["pressure_change"] == pytest.approx(0.05, abs=1e-12)
    model._flush_side_accumulators()
    assert model._received_affect.tolist() == [-1.0, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0]


PLEA = {
    "label": "Plea",
    "senders": ["hardliner", "staff"],
    "receiver": "own_leader",
    "conciliatory": True,  # not a bulk kind: delivered one by one
    "effects": [{"var": "stance", "who": "receiver", "roles": ["leader"], "delta": 0.1, "scale": "lobby"}],
    "sentence": "{sender} pleads with {receiver}",
}


def test_a_lobbying_effect_delivered_one_by_one() -> None:
    model = teaching(signals={"plea": PLEA})
    assert not model._simple_kind["plea"]
    rows = deliver(model, (HAWKS, "plea", ADA), (DIPLOMATS, "plea", ADA))
    # hawks: 0.1 x omega 0.3 x (1 - iota_ada 0.5) x sign(0.8 - 0.5) = 0.015; diplomats: x sign(0.3 - 0.5) = -0.015
    assert model._u[ADA] == pytest.approx(0.0, abs=1e-12)
    assert [r["stance_change"] for r in rows] == pytest.approx([0.015, 0.015], abs=1e-12)
    for r in rows:  # inside one side: no trust reading
        assert math.isnan(r["trust_before"]) and math.isnan(r["trust_after"])
    model = teaching(signals={"plea": {**PLEA, "vindicates_sender": "doves"}})
    deliver(model, (HAWKS, "plea", ADA))
    assert model._u.tolist() == pytest.approx([0.015, 0, 0, 0, 0, 0, 0], abs=1e-12)
    model._flush_side_accumulators()
    assert model._vindication.tolist() == [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]  # the sending side's doves (diplomats)


def test_a_third_partys_test_vindicates_the_receivers_hawks_only() -> None:
    model = teaching()
    deliver(model, (GIL, "srbm_test", ADA))
    model._flush_side_accumulators()
    # vindicates (receiving side alpha's hawks) applies; vindicates_sender has no side to vindicate
    assert model._vindication.tolist() == [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert not model.state.trust_logit.any()


def test_only_an_elite_sides_leader_placates() -> None:
    model = teaching(theta_placate=4.0)
    model.state.domestic[:] = [0.5, 0.5]
    deliver(model, (ADA, "srbm_test", BO))  # alpha is audience-driven: its discontent is not answered
    assert model.state.domestic.tolist() == pytest.approx([0.5, 0.5], abs=1e-12)


def test_a_reassuring_kind_no_one_chooses_is_read_by_its_cost() -> None:
    gesture = {**token({"cost": 0.1}), "chosen": False}
    model = teaching(signals={"gesture": gesture})
    model.type_evidence[ADA] = np.full(len(model.kinds) + 1, 0.8)
    model.type_evidence_known[ADA] = np.ones(len(model.kinds) + 1, dtype=bool)
    deliver(model, (ADA, "gesture", BO))
    # not among the kinds a leader chooses: no type evidence; bo 2.24 x 0.1 x 0.75 = 0.168
    assert model.state.trust_logit[BO, ALPHA] == pytest.approx(0.168, abs=1e-12)


def test_a_leaders_letter_and_its_factions_threat_are_read_apart() -> None:
    model = teaching()
    deliver(model, (ADA, "letter", BO), (HAWKS, "threat", BO))
    # bo: the letter's praise 0.0336 and threat -0.375; the hawks' threat -0.375 x omega 0.3 = -0.1125
    assert model.state.trust_logit[BO, ALPHA] == pytest.approx(0.0336 - 0.375 - 0.1125, abs=1e-12)


def test_a_bulk_effect_at_exactly_its_minimum_verification_applies() -> None:
    shout = {
        **SIMPLE,
        "verification": 0.5,
        "effects": [{"var": "stance", "who": "receiver", "roles": ["leader"], "delta": 0.1, "min_verification": 0.5}],
    }
    model = teaching(signals={"shout": shout})
    deliver(model, (HARDLINERS, "shout", ADA))
    assert model._u.tolist() == pytest.approx([0.1, 0, 0, 0, 0, 0, 0], abs=1e-12)


def test_a_shocks_effects_by_hand() -> None:
    """Shocks (no kind, no signal): verification, lobby and min_verification do not apply; audience multiplies by 0
    when a sender is given (ODD 7.9); a shock without a sender moves no sender's side."""
    model = teaching()
    s = model.state
    effects = [
        Effect(var="pressure.domestic", who="sender", delta=0.5, scale="audience"),
        Effect(var="stance", who="receiver", roles=["leader"], delta=0.2, scale="verification", min_verification=0.9),
        Effect(var="stance", who="receiver", roles=["hardliner"], delta=0.1, scale="lobby"),
    ]
    for eff in effects:
        model._apply_effect(eff, sender=ADA, receiver_sides=[BETA], kind=None)
    assert s.domestic.tolist() == [0.0, 0.0]
    assert model._u.tolist() == pytest.approx([0, 0, 0, 0.2, 0.1, 0, 0], abs=1e-12)
    model._apply_effect(Effect(var="hostility", who="sender", delta=0.3), sender=-1, receiver_sides=[BETA], kind=None)
    assert s.hostility.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("small_block", [64, 0], ids=["as-dicts", "as-a-block"])
@pytest.mark.parametrize(
    ("field", "value", "vindicated"),
    [
        ("vindicates", "doves", [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]),  # the receiving side's doves: alpha's diplomats
        ("vindicates_sender", "hawks", [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]),  # the sending side's hawks: beta's hardliners
        ("vindicates_sender", "doves", [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]),  # the sending side's doves: beta's reformers
    ],
)
def test_a_bulk_kinds_vindication_and_its_sentence(small_block: int, field: str, value: str, vindicated: list[float]) -> None:
    cheer = {**SIMPLE, field: value, "sentence": "{sender} cheers {receiver} on {date} (week {week})"}
    model = teaching(signals={"cheer": cheer})
    model.SMALL_BLOCK = small_block
    assert model._simple_kind["cheer"]
    (row,) = deliver(model, (HARDLINERS, "cheer", ADA), t=3)
    assert row["text"] == "Beta hardliners cheers President Ada on 2020-01-27 (week 3)"
    model._flush_side_accumulators()
    assert model._vindication.tolist() == vindicated


def test_a_week_of_several_bulk_kinds_by_hand() -> None:
    grumble = {**SIMPLE, "effects": [{"var": "threshold", "who": "receiver", "roles": ["leader"], "delta": 0.2, "scale": "ego"}]}
    model = teaching(signals={"heckle": HECKLE, "grumble": grumble})
    s = model.state
    s.threshold_shift[:] = 0.1  # shifts already made stay (permanent)
    rows = deliver(model, (HARDLINERS, "heckle", ADA), (HAWKS, "lobby", ADA), (HARDLINERS, "grumble", ADA))
    # each row its own kind's cost: heckle 0.1 + 0.5 x A_beta 0.4 = 0.3; lobbying and grumbling cost nothing
    assert [r["cost"] for r in rows] == pytest.approx([0.3, 0.0, 0.0], abs=1e-12)
    # thresholds: the heckle +0.2 on every beta member; the grumble +0.2 x psi_ada 0.5 = 0.1 on ada
    assert s.threshold_shift.tolist() == pytest.approx([0.2, 0.1, 0.1, 0.3, 0.3, 0.3, 0.1], abs=1e-12)
    # stance: the heckle's 0.1 x v 0.5 on ada and -0.1 x psi 0.4 on bo; the hawks' lobbying 0.0045 on ada
    assert model._u.tolist() == pytest.approx([0.0545, 0, 0, -0.04, 0, 0, 0], abs=1e-12)


def test_a_letter_carrying_an_acceptance_in_the_beta_variant() -> None:
    model = teaching(trust_model="beta")
    model.summit.status = "cancelled"
    (row, *_) = deliver(model, (BO, "letter", ADA))
    # ada's own evidence: the praise part alpha += 2 x 0.02 = 0.04, the carried acceptance alpha += 2 x (0.1 + 0.4 x 0.3)
    # = 0.44, the threat part beta += 2 x 0.3 = 0.6: mean (2 + 0.48) / (2 + 0.48 + 2 + 0.6)
    assert row["kind"] == "letter"
    assert row["trust_after"] == pytest.approx(2.48 / 5.08, abs=1e-12)
    assert model.state.beta_a[ADA, BETA] == pytest.approx(2.48, abs=1e-12)
    assert model.state.beta_b[ADA, BETA] == pytest.approx(2.6, abs=1e-12)


def test_an_acceptance_without_a_reading_of_its_own_carries_the_summit_acceptance() -> None:
    yes = {"label": "Yes", "senders": ["leader"], "receiver": "other_leader", "summit": "accept", "sentence": "{sender} says yes"}
    model = teaching(signals={"yes": yes})
    model.summit.status = "cancelled"
    deliver(model, (BO, "yes", ADA))
    # read as the summit acceptance: c_eff = 0.1 + 0.4 x 0.3 = 0.22; ada 2.24 x 0.22 x 0.75 = 0.3696; beta's P^D +0.05
    assert model.state.trust_logit[ADA, BETA] == pytest.approx(0.3696, abs=1e-12)
    assert model.state.domestic.tolist() == pytest.approx([0.0, 0.05], abs=1e-12)


def test_a_receivers_own_move_of_one_in_log_odds() -> None:
    salute = {**token({"cost": 0.0}), "conciliatory": False, "trust": {"mode": "shift", "magnitude": 1.0}}
    model = teaching(signals={"salute": salute})
    model.state.stance[ADA] = 0.0  # l = m (1 - phi x) = 1.0 exactly
    (row,) = deliver(model, (BO, "salute", ADA))
    assert row["trust_after"] == pytest.approx(expit(1.0), abs=1e-15)


def test_lobbying_a_leader_who_already_agrees_moves_nothing() -> None:
    model = teaching(signals={"plea": PLEA})
    model.state.stance[HAWKS] = 0.5  # ada's own stance: sign(0.5 - 0.5) = 0
    (row,) = deliver(model, (HAWKS, "plea", ADA))
    assert model._u.tolist() == [0.0] * 7
    assert row["stance_change"] == 0.0


def test_a_rows_stance_meter_adds_every_stance_effect() -> None:
    effects = [
        {"var": "stance", "who": "receiver", "roles": ["hardliner"], "delta": 0.05},
        {"var": "stance", "who": "receiver", "roles": ["leader"], "delta": -0.1, "scale": "ego"},
    ]
    model = teaching(signals={"cheers": {**token({"cost": 0.0}), "effects": effects}})
    (row,) = deliver(model, (ADA, "cheers", BO))
    # beta's hardliner +0.05; bo -0.1 x psi 0.4 = -0.04: |0.05| + |-0.04|
    assert model._u.tolist() == pytest.approx([0, 0, 0, -0.04, 0.05, 0, 0], abs=1e-12)
    assert row["stance_change"] == pytest.approx(0.09, abs=1e-12)


def test_a_shock_without_a_sender_moves_no_sides_own_variables() -> None:
    """Without third parties the last actor is a side's member; a shock with no sender still has no sender's side."""
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    data["third_parties"] = []
    data["influence"] = [e for e in data["influence"] if "gil" not in (e["listener"], e["speaker"])]
    model = DiplomacyModel(validate_data(data, source), seed=0)
    model.state.hostility[:] = 0.0
    model._apply_effect(Effect(var="hostility", who="sender", delta=0.3), sender=-1, receiver_sides=[ALPHA], kind=None)
    assert model.state.hostility.tolist() == [0.0, 0.0]


def test_a_verification_scaled_effect_delivered_one_by_one() -> None:
    effects = [
        {"var": "stance", "who": "receiver", "roles": ["leader"], "delta": 0.1, "scale": "verification"},
        {"var": "sanctions", "who": "receiver", "delta": -0.2, "scale": "verification"},
    ]
    model = teaching(signals={"inspect": {**token({"cost": 0.0}), "verification": 0.5, "effects": effects}})
    model.state.sanctions[:] = 0.5
    (row,) = deliver(model, (ADA, "inspect", BO))
    # delta x v 0.5: bo's stance +0.05; beta's sanctions 0.5 - 0.1
    assert model._u.tolist() == pytest.approx([0, 0, 0, 0.05, 0, 0, 0], abs=1e-12)
    assert model.state.sanctions.tolist() == pytest.approx([0.5, 0.4], abs=1e-12)
    assert row["pressure_change"] == pytest.approx(-0.1, abs=1e-12)


SWING = {
    "label": "Swing",
    "senders": ["leader"],
    "receiver": "other_leader",
    "trust": {"mode": "none"},
    "effects": [
        {"var": "rapport", "who": "receiver", "roles": ["leader"], "delta": 0.2},
        {"var": "exercise_credit", "who": "receiver", "delta": -0.1},
        {"var": "demand", "who": "sender", "delta": 0.5},
        {"var": "perception", "who": "receiver", "delta": 2.0},
    ],
    "sentence": "{sender} swings at {receiver}",
}
BOOST = {
    **AID,
    "effects": [{"var": "enforcement", "who": "sender", "delta": 0.5}, {"var": "pressure.domestic", "who": "sender", "delta": -0.7}],
}


def test_effects_stay_within_their_bounds_by_hand() -> None:
    model = teaching(signals={"swing": SWING, "boost": BOOST})
    s = model.state
    s.rapport[BO, ALPHA] = 0.3
    s.credit[:] = [0.0, 0.5]
    s.demand[:] = [0.9, 0.0]
    s.perception_log = 0.5
    s.enforcement[:] = 0.8
    s.tp_domestic[:] = 0.5
    deliver(model, (ADA, "swing", BO), (GIL, "boost", -1))
    assert s.rapport[BO].tolist() == pytest.approx([0.5, 0.0], abs=1e-12)  # 0.3 + 0.2, no ego scaling
    assert s.credit.tolist() == pytest.approx([0.0, 0.4], abs=1e-12)  # 0.5 - 0.1
    assert s.demand.tolist() == pytest.approx([1.0, 0.0], abs=1e-12)  # 0.9 + 0.5, clipped at 1
    assert s.perception_log == pytest.approx(1.0, abs=1e-12)  # 0.5 + 2, clipped at 1
    assert s.enforcement.tolist() == pytest.approx([1.0], abs=1e-12)  # 0.8 + 0.5, clipped at 1
    assert s.tp_domestic.tolist() == pytest.approx([0.0], abs=1e-12)  # 0.5 - 0.7, clipped at 0
    deliver(model, (ADA, "swing", BO), (ADA, "swing", BO), (ADA, "swing", BO))
    assert s.rapport[BO, ALPHA] == pytest.approx(1.0, abs=1e-12)  # 0.5 + 0.6, clipped at 1
    assert s.credit[BETA] == pytest.approx(0.1, abs=1e-12)


def test_each_rows_reading_in_the_beta_variant_is_its_own() -> None:
    model = teaching(trust_model="beta")
    s = model.state
    s.beta_a[GIL, ALPHA] = 1.0  # gil's trust in alpha: 1 / (1 + 2)
    rows = deliver(model, (BO, "threat", ADA), (BO, "demand", ADA), (BO, "threat", GIL), (ADA, "threat", GIL))
    # ada: the threat beta += 0.6 -> 2 / 4.6; the demand beta += 0.2 -> 2 / 4.2 (each row its own move)
    # gil: bo's threat -> 2 / 4.6 in beta; ada's threat, in alpha: 1 / (1 + 2 + 0.6)
    assert [r["trust_before"] for r in rows] == pytest.approx([0.5, 0.5, 0.5, 1 / 3], abs=1e-12)
    assert [r["trust_after"] for r in rows] == pytest.approx([2 / 4.6, 2 / 4.2, 2 / 4.6, 1 / 3.6], abs=1e-12)


def test_an_audience_scaled_effect_is_its_delta_times_the_audience_cost_staked() -> None:
    retract = {**SWING, "tie": 0.2, "effects": [{"var": "pressure.domestic", "who": "sender", "delta": 0.5, "scale": "audience"}]}
    model = teaching(signals={"retract": retract})
    deliver(model, (ADA, "retract", BO))
    # 0.5 x A_alpha 0.8 x tie 0.2 = 0.08
    assert model.state.domestic.tolist() == pytest.approx([0.08, 0.0], abs=1e-12)


def test_the_default_praise_is_read_by_its_cost_whatever_its_type_evidence() -> None:
    """The catalogue's praise is cheap talk (trust.evidence: cost): a known type evidence of 0.8 is not read, its cost
    is: 2.24 x 0.02 x (1 - phi x) = bo 0.0336, hardliners 0.02688, reformers and gil 0.03808 (ODD 7.4)."""
    model = teaching()
    with_type_evidence(model, ADA, "praise", 0.8)
    deliver(model, (ADA, "praise", BO))
    assert model.state.trust_logit[OUTSIDE_ALPHA, ALPHA] == pytest.approx([0.0336, 0.02688, 0.03808, 0.03808], abs=1e-12)


@pytest.mark.parametrize("trust_model", ["logit", "beta"])
def test_after_delivery_a_reading_is_the_state_itself(trust_model: str) -> None:
    """Outside a week's delivery (a summit's own rows) the receiver's trust is read from the state, with no own move."""
    model = teaching(trust_model=trust_model)
    sig = Signal(sender=BO, kind="praise", receiver=ADA)
    deliver(model, (BO, "praise", ADA))
    # logit: ada 2.24 x 0.02 x 0.75 = 0.0336 in the state; Beta: alpha 2 + 2 x 0.02 = 2.04 of 4.04
    expected = expit(0.0336) if trust_model == "logit" else 2.04 / 4.04
    assert model._receiver_trust(sig) == pytest.approx(expected, abs=1e-12)


def test_the_first_sides_leader_placates_its_elite_at_a_small_weight() -> None:
    """alpha made elite-driven, theta_placate 0.5 (any positive weight switches placation on, ODD 7.16): ada's srbm
    test proves alpha's hawks right and answers its elite's discontent (domestic pressure to 0); beta's is untouched."""
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    data["sides"]["alpha"]["domestic"] = "elite"
    data["parameters"] = {"theta_placate": 0.5}
    model = DiplomacyModel(validate_data(data, source), seed=0)
    model.state.domestic[:] = [0.5, 0.5]
    deliver(model, (ADA, "srbm_test", BO))
    assert model.state.domestic.tolist() == pytest.approx([0.0, 0.5], abs=1e-12)


def test_the_first_pledge_week_is_the_first_even_at_week_0() -> None:
    """beta pledges at week 0, breaks the pledge at week 1 and pledges again at week 3: the first pledge's week stays 0."""
    model = teaching()
    deliver(model, (BO, "moratorium_pledge", ADA), t=0)
    deliver(model, (BO, "icbm_test", ADA), t=1)
    assert not model.pledges[0].active
    deliver(model, (BO, "moratorium_pledge", ADA), t=3)
    assert [pl.week for pl in model.pledges] == [0, 3]
    assert model.first_pledge_week == 0


def test_the_dearest_gesture_of_each_valence_is_kept_per_side_for_reciprocity() -> None:
    """ODD 7.8, 7.16: a week's praise (.02) and summit offer (.1) from Ada to Bo, and a threat (.05) from Bo to Ada.

    Beta's members read the dearest conciliatory gesture their side received, .1 (not the praise's .02), and no
    hostile one; Alpha's read the threat's .05 as hostile and nothing conciliatory; Gil, a third party, reads
    nothing. The read empties the week's record."""
    model = teaching()
    i = model.index_of
    deliver(model, (i["ada"], "praise", i["bo"]), (i["bo"], "threat", i["ada"]), (i["ada"], "summit_offer", i["bo"]))
    cost = model._affect_cost_of_the_week()
    alpha, beta = [0.0, 0.0, 0.0], [0.1, 0.1, 0.1]
    assert cost[0].tolist() == pytest.approx([*alpha, *beta, 0.0], abs=1e-15)
    assert cost[1].tolist() == pytest.approx([0.05, 0.05, 0.05, 0.0, 0.0, 0.0, 0.0], abs=1e-15)
    assert not model._received_cost.any()
    assert not model._affect_cost_of_the_week().any()  # the next week starts from nothing
