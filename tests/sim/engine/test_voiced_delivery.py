"""A large side's factions' trust signals, summed by voice, move trust as the one-by-one delivery does (ODD 7.4).

On a side of ``LARGE_SIDE`` members or more, a week's faction signals of one
kind share one shift per unit of voice (``DeliveryBatch.make_voiced``) instead
of one shift each. The state they leave must equal the one-by-one delivery's
to rounding, each row's own ``trust_after`` likewise, and each row's
``trust_change`` (read to first order in the faction's voice) must be within
the second-order Taylor bound of the exact one.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from summitry.sim.engine import delivery
from summitry.sim.engine.batch import LARGE_SIDE, DeliveryBatch
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.signals import Signal
from summitry.sim.scenario.document import validate_data
from summitry.sim.scenario.generate import generate

KINDS = ["faction_threat", "envoy_talks", "threat", "praise", "sanctions_tighten", "walk_away", "letter"]
"""Trust-moving kinds with no pledge or test attached: hostile, reassuring and shift readings, and a letter whose
parts (praise and a threat) are read one after the other."""


def large_model(seed: int, beta: bool) -> DiplomacyModel:
    data = generate(160, 1600, 2, seed=seed, steps=20)
    data["parameters"] = {"trust_model": "beta"} if beta else {}
    model = DiplomacyModel(validate_data(data, "synthetic-160"), seed=seed)
    assert min(m.size for m in model.members) >= LARGE_SIDE  # both sides take the voiced path
    rng = np.random.default_rng(seed)
    s = model.state
    s.trust_logit[:] = rng.uniform(-3, 3, s.trust_logit.shape)  # beliefs spread out, so the slopes differ
    s.beta_a[:] = rng.uniform(1, 6, s.beta_a.shape)
    s.beta_b[:] = rng.uniform(1, 6, s.beta_b.shape)
    return model


def week(model: DiplomacyModel, picks: list[tuple[int, int, int]], letter: bool) -> list[Signal]:
    """Faction signals from (side, faction pick, kind pick), each to the other side's leader; with ``letter``, first a
    letter from side 0's leader, whose parts share their kinds with the factions' signals but not their shift."""
    sigs = [Signal(sender=int(model.leader_of[0]), kind="letter", receiver=int(model.leader_of[1]))] if letter else []
    for side, who, k in picks:
        factions = [int(i) for i in model.members[side] if not model.is_leader[i]]
        sigs.append(Signal(sender=factions[who % len(factions)], kind=KINDS[k], receiver=int(model.leader_of[1 - side])))
    return sigs


def deliver(model: DiplomacyModel, sigs: list[Signal]) -> list[dict[str, Any]]:
    n = len(model.events)
    model._deliver(sigs, 0)
    return list(model.events)[n:]


def unit_shifts(model: DiplomacyModel, sig: Signal) -> list[np.ndarray]:
    """The updaters' log-odds shifts per unit of voice for one signal, one per kind read (a letter: its parts)."""
    kind = model.catalogue[sig.kind]
    if kind.parts:
        return [unit_shifts(model, Signal(sender=sig.sender, kind=part, receiver=sig.receiver))[0] for part in kind.parts]
    return [unit_shift(model, sig)]


def unit_shift(model: DiplomacyModel, sig: Signal) -> np.ndarray:
    kind = model.catalogue[sig.kind]
    side = int(model.side_of[sig.sender])
    rows = np.flatnonzero(model.side_of != side)
    x = model.state.stance[rows]
    p = model.params
    if kind.trust.mode == "hostile":
        return tr.hostile_shift(p.kappa_h, kind.trust.magnitude, p.phi, x)
    if kind.trust.mode == "shift":
        return tr.fixed_shift(kind.trust.magnitude, p.phi, x)
    c_eff = tr.effective_cost(kind.cost, kind.tie, model.audience[side]) * kind.verification
    return tr.reassuring_shift(p.kappa, c_eff, p.phi, x)


# no shrinking: each example builds two models, and a failing one is readable as drawn (mutation testing
# would otherwise spend minutes shrinking every mutant this test kills)
@settings(
    max_examples=int(os.environ.get("SUMMITRY_FUZZ_EXAMPLES", "25")),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    seed=st.integers(0, 2**16),
    beta=st.booleans(),
    picks=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 500), st.integers(0, len(KINDS) - 1)), min_size=1, max_size=12),
    letter=st.booleans(),
)
def test_summed_by_voice_equals_one_by_one(seed: int, beta: bool, picks: list[tuple[int, int, int]], letter: bool) -> None:
    voiced = large_model(seed, beta)
    sigs = week(voiced, picks, letter)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(delivery, "LARGE_SIDE", min(m.size for m in voiced.members))  # a side of exactly this size is large
        rows_v = deliver(voiced, sigs)
    one_by_one = large_model(seed, beta)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(delivery, "LARGE_SIDE", 10**9)
        rows_o = deliver(one_by_one, sigs)
    sv, so = voiced.state, one_by_one.state
    assert np.allclose(sv.trust_logit, so.trust_logit, rtol=0, atol=1e-12)
    assert np.allclose(sv.beta_a, so.beta_a, rtol=0, atol=1e-12)
    assert np.allclose(sv.beta_b, so.beta_b, rtol=0, atol=1e-12)
    assert [r["kind"] for r in rows_v] == [r["kind"] for r in rows_o]
    before = large_model(seed, beta)
    for rv, ro, sig in zip(rows_v, rows_o, sigs, strict=True):
        assert rv["trust_after"] == pytest.approx(ro["trust_after"], abs=1e-12, nan_ok=True)
        if before.is_leader[sig.sender]:
            assert rv["trust_change"] == pytest.approx(ro["trust_change"], abs=1e-12)  # a leader's signal is not voiced
            continue
        if beta:
            # first order in the voice of a ratio of counts; a voice this small keeps it within a few percent
            assert rv["trust_change"] == pytest.approx(ro["trust_change"], rel=0.05, abs=1e-12)
            continue
        hs = [float(before.state.omega[sig.sender]) * u for u in unit_shifts(before, sig)]
        # the voiced row's meter is the first-order one, sum |expit'(l) h| over the updaters and the kinds read (none
        # sits at the clip)
        side = int(before.side_of[sig.sender])
        mu = tr.expit(before.state.trust_logit[before.side_of != side, side])
        first = sum(float(np.abs(mu * (1 - mu) * h).sum()) for h in hs)
        assert rv["trust_change"] == pytest.approx(first, rel=1e-12, abs=1e-15)
        # |expit''| <= 1 / (6 sqrt 3): the first-order meter is within sum(h^2) / (12 sqrt 3) of the exact one
        bound = sum(float((h**2).sum()) for h in hs) / (12 * math.sqrt(3))
        assert abs(rv["trust_change"] - ro["trust_change"]) <= bound + 1e-12


def test_the_first_order_meter_by_hand() -> None:
    """Updaters at log-odds 0, 2, the upper clip, the lower clip (twice); unit shifts +1, -1, +1, -1, +0.5: the meter
    is 0.25 + expit(2) (1 - expit(2)), nothing for the two moves the clip blocks, and the slope at the lower clip
    times 0.5 for the move up from it."""
    logit = np.array([[0.0], [2.0], [tr.LOGIT_MAX], [-tr.LOGIT_MAX], [-tr.LOGIT_MAX]])
    batch = DeliveryBatch(logit, np.ones((5, 1)), np.ones((5, 1)), use_beta=False, beta_w=2.0)
    sh = batch.make_voiced(np.arange(5), 0, np.array([1.0, -1.0, 1.0, -1.0, 0.5]), np.zeros(5))
    mu = 1 / (1 + math.exp(-2.0))
    low = 1 / (1 + math.exp(tr.LOGIT_MAX))
    assert sh.meter == pytest.approx(0.25 + mu * (1 - mu) + 0.5 * low * (1 - low), rel=1e-15, abs=0)
    assert sh.voice_sum == 0.0
    # the sum of voices is what the week applies: 0.3 + 0.2 of the unit shift
    sh.voice_sum = 0.5
    batch.add_shared(("k", 0, False, -2), sh)
    batch.apply_trust()
    assert logit[:, 0] == pytest.approx([0.5, 1.5, tr.LOGIT_MAX, -tr.LOGIT_MAX, 0.25 - tr.LOGIT_MAX], abs=1e-15)


def test_the_first_order_meter_of_the_beta_variant_by_hand() -> None:
    """Counts (a, b) = (2, 2) and (1, 3); evidence +1 and -2 a unit of voice: the slopes of a / (a + b) are
    (1 * 2 - 0 * 2) / 16 = 0.125 and (0 * 3 - 2 * 1) / 16 = -0.125, so the meter is 0.25."""
    a = np.array([[2.0], [1.0]])
    b = np.array([[2.0], [3.0]])
    batch = DeliveryBatch(np.zeros((2, 1)), a, b, use_beta=True, beta_w=2.0)
    sh = batch.make_voiced(np.array([0, 1]), 0, np.zeros(2), np.array([1.0, -2.0]))
    assert sh.meter == pytest.approx(0.25, abs=1e-15)
    sh.voice_sum = 0.5
    batch.add_shared(("k", 0, False, -2), sh)
    batch.apply_trust()
    assert a[:, 0] == pytest.approx([2.5, 1.0], abs=1e-15)
    assert b[:, 0] == pytest.approx([2.0, 4.0], abs=1e-15)
