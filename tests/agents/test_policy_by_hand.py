"""The decision rule's expected utilities, valued by hand (ODD 7.16-7.19).

The fast path (``expected_utilities``) and the reference implementation
(``expected_utilities_reference``) share their helpers, so comparing them
cannot catch a wrong formula. Here a small state is set by hand on the
teaching scenario and each expected utility is worked out in the comments,
with plain arithmetic (``math`` only, no production helper), then asserted
against both implementations.

The formula (agents/policy.py):

    EU_i(a) = (1 - x_i) disc_i [theta_T' dmu(a) + theta_Z dZ(a)] + x_i theta_P dP(a)
              - c(a) - A_i tie(a) h_i - [U type] kappa c_eff(a) / Lambda_Q
              - (1 - zeta_i) theta_R dE(a) + iota_i theta_aff affect_i val(a)
              + theta_R' rapport_i[receiver side] 1[a conciliatory]

with theta_T' = 2 theta_T for a trustworthy (T) leader, disc_i = patience_i ** w
(w = 10 weeks, the mean preparation time, when no summit is scheduled), and
h_i the renege hazard of i's type.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.scenario.document import load_raw, validate_data

PARAMETERS = {
    "kappa": 2.0,
    "kappa_h": 1.0,
    "kappa_m": 0.5,
    "phi": 0.5,
    "theta_t": 1.0,
    "theta_z": 1.0,
    "theta_p": 1.0,
    "theta_r": 1.0,
    "theta_aff": 0.5,
    "reciprocity_match": 0.0,  # the table's affect is the whole affect; reciprocity's match has its own test below
    "theta_rapport": 0.3,
    "renege_t": 0.05,
    "renege_u": 0.8,
    "alpha_x": 0.4,
    "alpha_p": 0.5,
    "activity": 0.36,
    "lambda_q": 5.0,
    "tau_prep_min": 6,
    "tau_prep_max": 14,
}
"""Every parameter the hand values use, fixed here (so a change of the shipped defaults does not move them)."""


def expit(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def handmade(ada_is_t: bool, **parameters: float) -> DiplomacyModel:
    """The teaching scenario at week 0 with a state set by hand.

    Alpha (Ada, stance .5, impulsiveness .5, risk tolerance .6, patience .98,
    audience cost .8) faces Beta (Bo, stance .5). Bo trusts Alpha .4; Ada's
    affect is .2 and her rapport with Beta .1. Influence: Bo .5, Beta's
    hardliners .3. Zone of agreement .2. No summit is planned.
    """
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    data["parameters"] = {**PARAMETERS, **parameters}
    model = DiplomacyModel(validate_data(data, source), seed=0)
    s = model.state
    ada, bo, gil = (model.index_of[a] for a in ("ada", "bo", "gil"))
    alpha, beta = model.side_ids.index("alpha"), model.side_ids.index("beta")
    s.is_t[alpha] = ada_is_t
    s.stance[ada] = 0.5
    s.stance[bo] = 0.5
    s.stance[gil] = 0.3
    model._set_trust(np.array([bo]), alpha, np.array([0.4]))
    model._set_trust(np.array([ada]), beta, np.array([0.3]))
    model._set_trust(np.array([gil]), alpha, np.array([0.6]))
    model._set_trust(np.array([gil]), beta, np.array([0.5]))
    s.affect[:] = 0.0
    s.affect[ada] = 0.2
    s.rapport[:] = 0.0
    s.rapport[ada, beta] = 0.1
    s.omega[:] = 0.0
    s.omega[bo] = 0.5
    s.omega[model.index_of["beta-hardliners"]] = 0.3
    s.zone_area = 0.2
    assert model.summit.status == "none"
    return model


DISC = 0.98**10  # Ada's patience over the mean preparation time (6 + 14) / 2 = 10 weeks: 0.817073
BO_TRUST = 0.4

# praise (Ada -> Bo): cost .02, no tie, reassuring, conciliatory; effect forecast: Bo's stance -.01 (leader mass .5)
#   logit shift on Bo's trust: kappa c_eff (1 - phi x_Bo) = 2 * .02 * (1 - .5 * .5) = .03
#   dmu = expit(logit(.4) + .03) - .4 = .407221 - .4 = .007221
#   dZ  = -alpha_x * delta * mass = -.4 * -.01 * .5 = .002
#   T type: .5 * .817073 * (2 * .007221 + .002) - .02 + .5 * .5 * .2 * (+1) + .3 * .1
#         = .5 * .817073 * .016442 - .02 + .05 + .03 = .006717 + .06 = .066717
#   U type: theta_T' = 1, and the separation cost kappa c_eff / Lambda_Q = 2 * .02 / 5 = .008:
#         = .5 * .817073 * (.007221 + .002) - .02 - .008 + .05 + .03 = .003767 + .052 = .055767
PRAISE_DMU = expit(logit(BO_TRUST) + 2 * 0.02 * (1 - 0.5 * 0.5)) - BO_TRUST
PRAISE_T = 0.5 * DISC * (2 * PRAISE_DMU + 0.002) - 0.02 + 0.5 * 0.5 * 0.2 + 0.3 * 0.1
PRAISE_U = 0.5 * DISC * (1 * PRAISE_DMU + 0.002) - 0.02 - 2 * 0.02 / 5 + 0.5 * 0.5 * 0.2 + 0.3 * 0.1

# threat (Ada -> Bo): cost .05, tie .1, hostile magnitude .3, not conciliatory; effects:
#   pressure.military on Beta +.05 (Beta's military weight .3), on the weight of Beta whose thresholds can move
#     (Bo .5 + the hardliners .3 = .8): dZ += alpha_P * .3 * .05 * .8 = .006, dP += .3 * .05 = .015
#   hostility by the sender +.05: dE += .025 and dP += .3 * .025 = .0075 (half of it lands on the receiver's military pressure)
#   Beta's hardliners' stance +.05 (mass .3): dZ += -.4 * .05 * .3 = -.006          -> dZ = 0, dP = .0225, dE = .025
#   logit shift: -kappa_h h (1 + phi x_Bo) = -.3 * 1.25 = -.375; dmu = expit(logit(.4) - .375) - .4 = .314220 - .4 = -.085780
#   T type: .5 * .817073 * (2 * -.085780 + 0) + .5 * 1 * .0225 - .05 - .8 * .1 * .05
#           - (1 - .6) * 1 * .025 + .5 * .5 * .2 * (-1)
#         = -.070089 + .01125 - .05 - .004 - .01 - .05 = -.172839
#   U type: theta_T' = 1, renege hazard .8 (-.8 * .1 * .8 = -.064), no separation cost (nothing reassuring)
#         = .5 * .817073 * (-.085780 + 0) + .01125 - .05 - .064 - .01 - .05 = -.035044 - .16275 = -.197794
THREAT_DMU = expit(logit(BO_TRUST) - 0.3 * (1 + 0.5 * 0.5)) - BO_TRUST
THREAT_REST = 0.5 * 1.0 * 0.0225 - 0.05 - (1 - 0.6) * 1.0 * 0.025 + 0.5 * 0.5 * 0.2 * -1
THREAT_T = 0.5 * DISC * (2 * THREAT_DMU + 0.0) + THREAT_REST - 0.8 * 0.1 * 0.05
THREAT_U = 0.5 * DISC * (1 * THREAT_DMU + 0.0) + THREAT_REST - 0.8 * 0.1 * 0.8

# mediation (Gil, a mediator: its own goals, ODD 7.19): cost .05, kappa_m .5, stake .6, stance .3
#   gap = (mu_Gil,Beta - mu_Ada,Beta) + (mu_Gil,Alpha - mu_Bo,Alpha) = (.5 - .3) + (.6 - .4) = .4
#   EU = theta_T kappa_m .2 gap + .3 stake (1 - zone) + .2 (1 - x_Gil) - c
#      = 1 * .5 * .2 * .4 + .3 * .6 * .8 + .2 * .7 - .05 = .04 + .144 + .14 - .05 = .274
MEDIATION = 0.274

TABLE = [
    # (actor, action, Ada a T type?, expected utility)
    ("ada", "none", True, 0.36),  # the 'none' baseline is the activity parameter
    ("ada", "praise", True, PRAISE_T),
    ("ada", "praise", False, PRAISE_U),
    ("ada", "threat", True, THREAT_T),
    ("ada", "threat", False, THREAT_U),
    ("gil", "mediation", True, MEDIATION),
    ("gil", "none", True, 0.36),
]


def test_the_hand_values_are_the_ones_worked_out_in_the_comments() -> None:
    """The closed forms above, rounded as the comments round them (a slip in the comments shows here)."""
    assert round(DISC, 6) == 0.817073
    assert round(PRAISE_DMU, 6) == 0.007221
    assert round(PRAISE_T, 6) == 0.066717
    assert round(PRAISE_U, 6) == 0.055767
    assert round(THREAT_DMU, 6) == -0.08578
    assert round(THREAT_T, 6) == -0.172839
    assert round(THREAT_U, 6) == -0.197794


@pytest.mark.parametrize("implementation", ["fast", "reference"])
@pytest.mark.parametrize(("actor", "action", "ada_is_t", "expected"), TABLE, ids=[f"{r[0]}-{r[1]}-{'T' if r[2] else 'U'}" for r in TABLE])
def test_expected_utility_by_hand(implementation: str, actor: str, action: str, ada_is_t: bool, expected: float) -> None:
    model = handmade(ada_is_t)
    compute = policy.expected_utilities if implementation == "fast" else policy.expected_utilities_reference
    eu, feasible = compute(model)
    i = model.index_of[actor]
    j = 0 if action == "none" else model.kinds.index(action) + 1
    assert feasible[i, j]
    assert eu[i, j] == pytest.approx(expected, abs=1e-12)


# reciprocity matches value (ODD 7.16): Ada's affect .2 came from a conciliatory gesture that cost .01 (rho_m 1)
#   praise (c .02) draws min(1, .01 / .02) = .5 of it: EU = PRAISE_T - .5 * .5 * .2 * (1 - .5) = PRAISE_T - .025
#   the threat (c .05, hostile) draws .01 / .05 = .2 of its reluctance: EU = THREAT_T + .5 * .5 * .2 * (1 - .2) = THREAT_T + .04
#   at rho_m .5 each share is halfway to 1: praise .75 (PRAISE_T - .0125), the threat .6 (THREAT_T + .02)
RECIPROCITY = [
    (1.0, 0.01, "praise", PRAISE_T - 0.025),
    (1.0, 0.01, "threat", THREAT_T + 0.04),
    (0.5, 0.01, "praise", PRAISE_T - 0.0125),
    (0.5, 0.01, "threat", THREAT_T + 0.02),
    (1.0, 0.05, "praise", PRAISE_T),  # a gesture as dear as the kind, or dearer: the whole affect
    (1.0, 0.05, "threat", THREAT_T),
    (0.0, 0.01, "praise", PRAISE_T),  # no match: the whole affect whatever the gesture cost
]


@pytest.mark.parametrize("implementation", ["fast", "reference"])
@pytest.mark.parametrize(("rho", "received", "action", "expected"), RECIPROCITY)
def test_reciprocity_matches_the_gestures_worth(implementation: str, rho: float, received: float, action: str, expected: float) -> None:
    model = handmade(True, reciprocity_match=rho)
    ada = model.index_of["ada"]
    model.affect_cost[:, ada] = (received, 0.0)  # Ada's affect .2 > 0 reads the conciliatory row
    compute = policy.expected_utilities if implementation == "fast" else policy.expected_utilities_reference
    eu, feasible = compute(model)
    j = model.kinds.index(action) + 1
    assert feasible[ada, j]
    assert eu[ada, j] == pytest.approx(expected, abs=1e-12)


# the share itself (ODD 7.16), m = 1 - rho_m (1 - min(1, c_recv / c)), for kinds that cost 0, .02 and .1, when the
# week brought a conciliatory gesture of .02 and a hostile one of .3: a kind that costs nothing draws the whole
# affect, one that costs no more than the gesture too; a positive affect reads the conciliatory row, a negative one
# the hostile row
SHARES = [
    (1.0, 0.2, [1.0, 1.0, 0.2]),  # .02 / .1
    (0.5, 0.2, [1.0, 1.0, 0.6]),  # halfway to 1
    (1.0, -0.2, [1.0, 1.0, 1.0]),  # the threat's .3 is dearer than any of the kinds
    (0.0, 0.2, [1.0, 1.0, 1.0]),
]


@pytest.mark.parametrize(("rho", "affect", "expected"), SHARES)
def test_reciprocity_share_by_hand(rho: float, affect: float, expected: list[float]) -> None:
    from types import SimpleNamespace as NS

    model = NS(params=NS(reciprocity_match=rho), state=NS(affect=np.array([affect])), affect_cost=np.array([[0.02], [0.3]]))
    share = policy.reciprocity_share(model, np.array([0]), np.array([0.0, 0.02, 0.1]))  # type: ignore[arg-type]
    assert share.shape == (1, 3)
    assert share[0].tolist() == pytest.approx(expected, abs=1e-12)


def test_choice_probabilities_follow_the_hand_values() -> None:
    """With two feasible actions, P(praise) / P(none) = exp(Lambda_Q (EU_praise - EU_none)) = exp(5 (.066717 - .36))."""
    model = handmade(True)
    eu, _ = policy.expected_utilities(model)
    i = model.index_of["ada"]
    j = model.kinds.index("praise") + 1
    only = np.zeros_like(eu, dtype=bool)
    only[i, [0, j]] = True
    p_none = 1 / (1 + math.exp(5 * (PRAISE_T - 0.36)))  # .812512
    # a uniform just below P(none) picks 'none', just above picks praise
    below = policy.quantal_choice(eu[[i]], only[[i]], 5.0, np.array([p_none - 1e-9]))
    above = policy.quantal_choice(eu[[i]], only[[i]], 5.0, np.array([p_none + 1e-9]))
    assert (int(below[0]), int(above[0])) == (0, j)


@pytest.mark.parametrize("implementation", ["fast", "reference"])
def test_a_factions_threat_is_valued_with_its_voice(implementation: str) -> None:
    """Alpha's hardliners (stance .8, side U) threaten Bo. The forecast trust loss is scaled by their weight omega
    (ODD 7.4): dmu(omega) = expit(logit(.4) - .375 omega) - .4, so raising omega from 0 to .5 changes the threat's
    EU by (1 - .8) disc theta_T dmu(.5) = .2 disc (expit(logit(.4) - .1875) - .4) = .2 disc (.355955 - .4) = .2 disc (-.044045), and nothing
    else in the threat's EU moves (its effects hit Beta, whose weights are unchanged)."""
    compute = policy.expected_utilities if implementation == "fast" else policy.expected_utilities_reference
    values = []
    for omega in (0.0, 0.5):
        model = handmade(False)
        hawks = model.index_of["alpha-hawks"]
        model.state.stance[hawks] = 0.8
        model.state.omega[hawks] = omega
        eu, feasible = compute(model)
        j = model.kinds.index("threat") + 1
        assert feasible[hawks, j]
        values.append(float(eu[hawks, j]))
        disc = float(policy.patience_discount(model)[hawks])
    dmu = expit(logit(BO_TRUST) - 0.375 * 0.5) - BO_TRUST
    assert round(dmu, 6) == -0.044045
    assert values[1] - values[0] == pytest.approx(0.2 * disc * dmu, abs=1e-12)
