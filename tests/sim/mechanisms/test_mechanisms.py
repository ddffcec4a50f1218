"""Hand-computed tests of the model's mechanisms: each one fails when its mechanism is wrong.

Every expected number below was worked out by hand (the arithmetic is in the
comments), not by calling the code under test. The mechanisms are those of
docs/ODD.md: the replicator step of factional weights, blame after a failed
summit, coercion through side pressure, the logit quantal response, the
Friedkin-Johnsen update, and the pressure equations. ``make mutate`` uses this
file as part of its focused test selection, and tests/test_mutants.py checks
that hand-made sign-flip, min/max and no-op mutants of these mechanisms fail it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.mechanisms import pressure as pr
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.influence import fj_fixed_point, fj_step, normalise_rows_inplace
from summitry.sim.scenario.document import Scenario, load_raw, load_scenario, validate_data
from tests.strategies import logged

# hanoi-2019 with the few parameters these tests depend on pinned, so a retuned default does not move them
PINNED = {"eta": 0.3, "alpha_p": 0.3}
US_FACTIONS = ["us-hawks", "state", "dod", "ic", "congress"]
DPRK_FACTIONS = ["ufd", "cabinet", "kpa", "mfa", "rgb"]


def hanoi(**parameters: float) -> Scenario:
    data, _, source = load_raw("hanoi-2019")
    data = copy.deepcopy(data)
    data.setdefault("parameters", {}).update({**PINNED, **parameters})
    return validate_data(data, source)


@pytest.fixture(scope="module")
def hanoi_scenario() -> Scenario:
    return hanoi()


def model_with_omega(scenario: Scenario, omega: dict[str, float]) -> DiplomacyModel:
    """A hanoi-2019 model at week 0 whose factional weights are set by hand."""
    model = DiplomacyModel(scenario, seed=0)
    for actor, w in omega.items():
        model.state.omega[model.index_of[actor]] = w
    model._refresh_leader_rows()
    model._vindication = np.zeros(len(model.actor_ids))
    return model


def omegas(model: DiplomacyModel, actors: list[str]) -> list[float]:
    return [float(model.state.omega[model.index_of[a]]) for a in actors]


# US factions 0.18, 0.15, 0.09, 0.06, 0.12 (total 0.6); leader Trump 0.4
US_OMEGA = dict(zip(US_FACTIONS, [0.18, 0.15, 0.09, 0.06, 0.12], strict=True)) | {"trump": 0.4}
# DPRK factions 0.12, 0.10, 0.10, 0.04, 0.04 (total 0.4); leader Kim 0.6
DPRK_OMEGA = dict(zip(DPRK_FACTIONS, [0.12, 0.10, 0.10, 0.04, 0.04], strict=True)) | {"kim": 0.6}


# --------------------------------------------------------------------------- replicator step of factional weights

REPLICATOR_CASES = [
    # vindication of (hawks, state, dod, ic, congress), eta .3 -> omega after, by hand:
    # w = omega e^{eta v}: .18 e^.3 = .242975, .15 e^-.3 = .111123, .09, .06, .12 e^.15 = .139420; sum .643517
    # omega' = w / .643517 * .6
    ([1.0, -1.0, 0.0, 0.0, 0.5], [0.226544, 0.103608, 0.083914, 0.055943, 0.129992]),
    # equal vindication of everybody is no news: e^{eta v} cancels in the normalisation
    ([0.7, 0.7, 0.7, 0.7, 0.7], [0.18, 0.15, 0.09, 0.06, 0.12]),
    # nothing vindicated: unchanged
    ([0.0, 0.0, 0.0, 0.0, 0.0], [0.18, 0.15, 0.09, 0.06, 0.12]),
]


@pytest.mark.parametrize(("vindication", "expected"), REPLICATOR_CASES)
def test_replicator_step_by_hand(hanoi_scenario: Scenario, vindication: list[float], expected: list[float]) -> None:
    model = model_with_omega(hanoi_scenario, US_OMEGA | DPRK_OMEGA)
    for actor, v in zip(US_FACTIONS, vindication, strict=True):
        model._vindication[model.index_of[actor]] = v
    model._update_omega()
    np.testing.assert_allclose(omegas(model, US_FACTIONS), expected, atol=1e-6)
    # the leader's own weight and the other side are untouched
    assert model.state.omega[model.index_of["trump"]] == pytest.approx(0.4, abs=1e-12)
    np.testing.assert_allclose(omegas(model, DPRK_FACTIONS), [0.12, 0.10, 0.10, 0.04, 0.04], atol=1e-12)


def test_vindicated_faction_gains_weight_and_the_leader_listens_more(hanoi_scenario: Scenario) -> None:
    # DPRK: the hardliners (UFD) vindicated by 2, nobody else: w = .12 e^.6 = .218654; sum .218654 + .28 = .498654
    # omega' = w / .498654 * .4: UFD .175395, cabinet and KPA .080216, MFA and RGB .032086
    model = model_with_omega(hanoi_scenario, US_OMEGA | DPRK_OMEGA)
    kim, ufd, kpa = (model.index_of[a] for a in ("kim", "ufd", "kpa"))
    before = model.W[kim, ufd] / model.W[kim, kpa]
    model._vindication[ufd] = 2.0
    model._update_omega()
    np.testing.assert_allclose(omegas(model, DPRK_FACTIONS), [0.175395, 0.080216, 0.080216, 0.032086, 0.032086], atol=1e-6)
    assert sum(omegas(model, DPRK_FACTIONS)) == pytest.approx(0.4, abs=1e-12)
    # Kim's row of W is rewritten from omega: his attention to UFD relative to the KPA grows by e^.6
    assert before == pytest.approx(0.12 / 0.10, rel=1e-9)
    assert model.W[kim, ufd] / model.W[kim, kpa] == pytest.approx(0.12 / 0.10 * math.exp(0.6), rel=1e-9)
    assert float(model.W[kim].sum()) == pytest.approx(1.0, abs=1e-12)


def test_replicator_learning_rate_is_eta() -> None:
    # eta .6 instead of .3, UFD vindicated by 1: the same e^.6 as above, so the same weights
    model = model_with_omega(hanoi(eta=0.6), US_OMEGA | DPRK_OMEGA)
    model._vindication[model.index_of["ufd"]] = 1.0
    model._update_omega()
    np.testing.assert_allclose(omegas(model, DPRK_FACTIONS), [0.175395, 0.080216, 0.080216, 0.032086, 0.032086], atol=1e-6)


def test_a_leaders_row_of_w_is_rewritten_from_omega_by_hand() -> None:
    """Teaching case. Ada's row: her own weight, her hawks' and her diplomats' (staff: times 1 - iota_Ada = 0.5) and the
    envoy's raw edge 0.1, over their sum. A row with nothing left to listen to keeps the leader's own stance."""
    model = DiplomacyModel(load_scenario("teaching"), seed=0)
    ix = model.index_of
    ada, bo = ix["ada"], ix["bo"]
    s = model.state
    s.omega[[ada, ix["alpha-hawks"], ix["alpha-diplomats"]]] = [0.2, 0.6, 0.2]
    model._refresh_leader_rows()
    # 0.2 + 0.6 + 0.2 x 0.5 + 0.1 = 1.0
    row = {model.actor_ids[j]: float(model.W[ada, j]) for j in model.W[ada].indices}
    assert row == pytest.approx({"ada": 0.2, "alpha-hawks": 0.6, "alpha-diplomats": 0.1, "gil": 0.1})
    # Bo's row, untouched: (0.45, 0.275, 0.275, 0.1) / 1.1
    assert float(model.W[bo, bo]) == pytest.approx(0.45 / 1.1) and float(model.W[bo, ix["gil"]]) == pytest.approx(0.1 / 1.1)
    # nobody left to listen to (Bo's weights and the envoy's edge at 0): Bo listens to himself alone
    lo, hi = model.raw_influence.indptr[bo], model.raw_influence.indptr[bo + 1]
    model.raw_influence.data[lo:hi] = 0.0
    s.omega[[bo, ix["beta-hardliners"], ix["beta-reformers"]]] = 0.0
    model._refresh_leader_rows()
    assert float(model.W[bo, bo]) == 1.0 and float(abs(model.W[bo]).sum()) == 1.0


def test_a_leader_who_listens_to_an_actor_listed_before_him_keeps_his_own_weight_on_himself() -> None:
    """Bo also listens to Ada (0.1), who comes first in the actors' order: his own weight must land on his own
    column, not on Ada's. Bo 0.5, hardliners 0.3, reformers 0.2 (each times 1), Ada 0.1, Gil 0.1: sum 1.2."""
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    data["influence"].append({"listener": "bo", "speaker": "ada", "weight": 0.1})
    model = DiplomacyModel(validate_data(data, source), seed=0)
    ix = model.index_of
    bo = ix["bo"]
    assert ix["ada"] < bo
    model.state.omega[[bo, ix["beta-hardliners"], ix["beta-reformers"]]] = [0.5, 0.3, 0.2]
    model._refresh_leader_rows()
    row = {model.actor_ids[j]: float(model.W[bo, j]) for j in model.W[bo].indices}
    expected = {"ada": 0.1, "bo": 0.5, "beta-hardliners": 0.3, "beta-reformers": 0.2, "gil": 0.1}
    assert row == pytest.approx({k: v / 1.2 for k, v in expected.items()})


def test_the_replicator_moves_a_later_side_past_one_it_cannot_move() -> None:
    """Alpha's factions have no weight left to move (and then none at all); Beta's hardliners vindicated by 1 still
    gain: w = 0.275 e^eta and 0.275, rescaled to their total 0.55."""
    eta = 0.3
    for drop_alpha_factions in (False, True):
        data, _, source = load_raw("teaching")
        data = copy.deepcopy(data)
        data.setdefault("parameters", {})["eta"] = eta
        if drop_alpha_factions:
            data["sides"]["alpha"]["factions"] = []
            data["influence"] = [e for e in data["influence"] if not e["listener"].startswith("alpha-")]
        model = DiplomacyModel(validate_data(data, source), seed=0)
        ix = model.index_of
        model._vindication = np.zeros(len(model.actor_ids))
        if not drop_alpha_factions:
            model.state.omega[[ix["alpha-hawks"], ix["alpha-diplomats"]]] = 0.0
            model._vindication[ix["alpha-hawks"]] = 1.0
        model._vindication[ix["beta-hardliners"]] = 1.0
        model._update_omega()
        w = 0.275 * math.exp(eta)
        expected = [w / (w + 0.275) * 0.55, 0.275 / (w + 0.275) * 0.55]
        np.testing.assert_allclose(omegas(model, ["beta-hardliners", "beta-reformers"]), expected, atol=1e-12)


# --------------------------------------------------------------------------- blame after a failed summit


def point(model: DiplomacyModel, d: float, r: float) -> int:
    return int(np.flatnonzero(np.isclose(model.grid[:, 0], d) & np.isclose(model.grid[:, 1], r))[0])


def model_for_blame(scenario: Scenario) -> DiplomacyModel:
    """US factions with hand-set concession weights and thresholds, so the backers of each offer are known."""
    model = model_with_omega(scenario, US_OMEGA | DPRK_OMEGA)
    g = dict(zip(US_FACTIONS, [1.5, 0.5, 1.0, 1.2, 1.0], strict=True))
    b = dict(zip(US_FACTIONS, [0.40, 0.00, 0.20, 0.20, 0.25], strict=True))
    for actor in US_FACTIONS:
        i = model.index_of[actor]
        model.state.concession_weight[i] = g[actor]
        model.state.thresholds[i] = b[actor]
    return model


BLAME_CASES = [
    # US utility u_k(d, r) = d - g_k r.
    # Offer (.6, .2): hawks .6 - .3 = .3 < .40 reject; state .5, dod .4, ic .36, congress .4 all accept.
    # The heaviest backer is State (.15), not the heavier hawks: State halved to .075, sum .525, rescaled by .6 / .525
    ((0.6, 0.2), "state", [0.205714, 0.085714, 0.102857, 0.068571, 0.137143]),
    # Offer (1, 0): everybody accepts (u = 1), the heaviest is the hawks: .09, sum .51, rescaled by .6 / .51
    ((1.0, 0.0), "us-hawks", [0.105882, 0.176471, 0.105882, 0.070588, 0.141176]),
    # Offer (0, 1): nobody backs it (u = -g_k < b_k), so the heaviest faction of all takes the blame
    ((0.0, 1.0), "us-hawks", [0.105882, 0.176471, 0.105882, 0.070588, 0.141176]),
    # No offer at all: the same
    (None, "us-hawks", [0.105882, 0.176471, 0.105882, 0.070588, 0.141176]),
]


@pytest.mark.parametrize(("offer", "target", "expected"), BLAME_CASES)
def test_blame_halves_the_heaviest_backer_by_hand(
    hanoi_scenario: Scenario, offer: tuple[float, float] | None, target: str, expected: list[float]
) -> None:
    model = model_for_blame(hanoi_scenario)
    q = point(model, *offer) if offer is not None else None
    model._blame(0, q, t=3)
    np.testing.assert_allclose(omegas(model, US_FACTIONS), expected, atol=1e-6)
    assert sum(omegas(model, US_FACTIONS)) == pytest.approx(0.6, abs=1e-12)
    assert model.state.omega[model.index_of["trump"]] == pytest.approx(0.4, abs=1e-12)
    np.testing.assert_allclose(omegas(model, DPRK_FACTIONS), [0.12, 0.10, 0.10, 0.04, 0.04], atol=1e-12)
    row = [e for e in model.events if e["kind"] == "blame"]
    assert [(e["sender"], e["receiver"], e["step"]) for e in row] == [("trump", target, 3)]
    # the leader's row of W follows: State's weight relative to the KPA-like DoD
    trump = model.index_of["trump"]
    i, j = model.index_of[target], model.index_of["dod"]
    staff = 1 - hanoi_scenario.sides["us"].leader.traits.impulsiveness
    ratio = expected[US_FACTIONS.index(target)] / expected[2] * (staff if target == "state" else 1.0)
    assert model.W[trump, i] / model.W[trump, j] == pytest.approx(ratio, rel=1e-5)


def test_blame_finds_the_heaviest_backer_wherever_it_stands_and_is_logged_at_the_summit(hanoi_scenario: Scenario) -> None:
    """US weights .18, .06, .09, .15, .12: the backers of (.6, .2) are State, DoD, IC and Congress, and the heaviest
    of them is IC (.15), third in line. IC halved to .075, sum .525, rescaled by .6 / .525."""
    model = model_for_blame(hanoi_scenario)
    for actor, w in zip(US_FACTIONS, [0.18, 0.06, 0.09, 0.15, 0.12], strict=True):
        model.state.omega[model.index_of[actor]] = w
    model._blame(0, point(model, 0.6, 0.2), t=4)
    np.testing.assert_allclose(omegas(model, US_FACTIONS), [0.205714, 0.068571, 0.102857, 0.085714, 0.137143], atol=1e-6)
    assert logged(model, "blame") == [(4, "trump", "ic", "summit", "")]
    # factions of no weight at all: the blamed one stays at 0 and nothing is rescaled (no 0 / 0)
    for actor in US_FACTIONS:
        model.state.omega[model.index_of[actor]] = 0.0
    model._blame(0, None, t=5)
    assert omegas(model, US_FACTIONS) == [0.0] * 5


def test_a_faction_exactly_at_its_threshold_backs_the_offer_and_can_take_the_blame(hanoi_scenario: Scenario) -> None:
    """Acceptance is u_k >= b_k (the win-set's rule), so the hawks, whose threshold is set to exactly their utility
    of 1 at (1, 0), are backers: the heaviest, they are halved (as in the second row of BLAME_CASES). Counting
    only u_k > b_k would blame State, the heaviest of the others."""
    model = model_for_blame(hanoi_scenario)
    model.state.thresholds[model.index_of["us-hawks"]] = 1.0
    model._blame(0, point(model, 1.0, 0.0), t=3)
    assert logged(model, "blame") == [(3, "trump", "us-hawks", "summit", "")]
    np.testing.assert_allclose(omegas(model, US_FACTIONS), [0.105882, 0.176471, 0.105882, 0.070588, 0.141176], atol=1e-6)


def test_a_side_with_one_faction_blames_it_and_keeps_its_weight() -> None:
    """dayton-1995's Croatia has one faction: it takes the blame, and the rescaling to the factions' total gives it
    back its weight (halving a lone faction changes nobody's share)."""
    model = DiplomacyModel(load_scenario("dayton-1995"), seed=0)
    croatia = model.side_ids.index("croatia")
    hdz = model.index_of["hdz-hardliners"]
    before = float(model.state.omega[hdz])
    model._blame(croatia, None, t=2)
    assert float(model.state.omega[hdz]) == pytest.approx(before, abs=1e-12)
    assert [(e["sender"], e["receiver"]) for e in model.events if e["kind"] == "blame"] == [("tudjman", "hdz-hardliners")]


# --------------------------------------------------------------------------- coercion: pressure lowers thresholds


@pytest.mark.parametrize(
    ("p_before", "p_after", "shift"),
    [
        # b = b0 + ... - alpha_P P: raising the DPRK's pressure from .2 to .6 lowers every member's threshold by .3 * .4 = .12
        (0.2, 0.6, -0.12),
        # and relieving it from .5 to 0 raises them by .15
        (0.5, 0.0, 0.15),
    ],
)
def test_side_pressure_moves_member_thresholds_by_alpha_p(hanoi_scenario: Scenario, p_before: float, p_after: float, shift: float) -> None:
    model = DiplomacyModel(hanoi_scenario, seed=0)
    dprk = model.side_ids.index("dprk")
    model.state.pressure[dprk] = p_before
    before = model.member_thresholds()
    model.state.pressure[dprk] = p_after
    after = model.member_thresholds()
    on_side = model.side_of == dprk
    np.testing.assert_allclose((after - before)[on_side], shift, atol=1e-12)
    np.testing.assert_allclose((after - before)[~on_side], 0.0, atol=1e-12)


def test_more_pressure_enlarges_the_pressured_sides_win_set(hanoi_scenario: Scenario) -> None:
    model = DiplomacyModel(hanoi_scenario, seed=0)
    dprk = model.side_ids.index("dprk")
    sizes = []
    sets = []
    for p in (0.0, 0.4, 0.8):
        model.state.pressure[dprk] = p
        model._recompute_bargaining()
        sets.append(model.state.win_sets[dprk].copy())
        sizes.append(int(sets[-1].sum()))
    # nested and strictly growing: every deal acceptable under less pressure stays acceptable under more
    assert sizes[0] < sizes[1] < sizes[2], sizes
    assert not (sets[0] & ~sets[1]).any() and not (sets[1] & ~sets[2]).any()


@pytest.mark.parametrize(
    ("pressure", "expected"),
    [
        # b0 .2, stance .5 (no stance term), no erosion, alpha_P .3: .2 - .3 P
        (0.0, 0.2),
        (0.5, 0.05),
        (1.0, -0.1),
    ],
)
def test_threshold_falls_with_pressure_by_hand(pressure: float, expected: float) -> None:
    b = bg.thresholds(np.array([0.2]), np.array([0.5]), np.array([pressure]), np.zeros(1), np.zeros(1), 0.4, 0.3, 0.5)
    assert float(b[0]) == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- logit quantal response

EU_ROW = np.array([0.0, 0.2, 0.9, 0.35])
FEASIBLE_ROW = np.array([True, True, False, True])  # the best action (.9) is not feasible now


def quantal_probabilities(lam: float) -> np.ndarray:
    # exp(lam EU) over the feasible actions; at lam 5: e^0 = 1, e^1 = 2.718282, e^1.75 = 5.754603; sum 9.472885
    # -> .105564, .286954, 0, .607482
    w = np.where(FEASIBLE_ROW, np.exp(lam * EU_ROW), 0.0)
    return w / w.sum()


def draw(lam: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    eu = np.tile(EU_ROW, (n, 1))
    feasible = np.tile(FEASIBLE_ROW, (n, 1))
    choice = policy.quantal_choice(eu, feasible, lam, rng.random(n))
    return np.bincount(choice, minlength=EU_ROW.size)


def test_quantal_probabilities_by_hand() -> None:
    np.testing.assert_allclose(quantal_probabilities(5.0), [0.105564, 0.286954, 0.0, 0.607482], atol=1e-6)


@pytest.mark.parametrize("lam", [0.0, 1.0, 5.0, 20.0])
def test_quantal_choice_frequencies_match_the_logit_law(lam: float) -> None:
    n = 20_000
    counts = draw(lam, n, seed=11)
    assert counts[2] == 0  # infeasible: never chosen, however good
    p = quantal_probabilities(lam)
    keep = p > 0
    assert chisquare(counts[keep], n * p[keep]).pvalue > 1e-3


def test_quantal_choice_uses_its_lambda() -> None:
    # a sample drawn at lam 5 is far from the lam 1 law (.245, .299, 0, .456) and from the uniform one
    n = 20_000
    counts = draw(5.0, n, seed=12)
    for other in (1.0, 0.0):
        p = quantal_probabilities(other)
        keep = p > 0
        assert chisquare(counts[keep], n * p[keep]).pvalue < 1e-9


def test_quantal_choice_depends_on_lambda_times_eu_only() -> None:
    rng = np.random.default_rng(5)
    eu = rng.normal(0, 1, (500, 6))
    feasible = rng.random((500, 6)) < 0.7
    feasible[:, 0] = True
    u = rng.random(500)
    a = policy.quantal_choice(eu, feasible, 4.0, u)
    b = policy.quantal_choice(2.0 * eu, feasible, 2.0, u)
    assert np.array_equal(a, b)
    assert feasible[np.arange(500), a].all()


@pytest.mark.parametrize(
    ("uniform", "expected"),
    [
        # cumulative law at lam 5 over (0, 1, 2, 3): .105564, .392518, .392518, 1
        (0.05, 0),
        (0.1055, 0),
        (0.1056, 1),
        (0.39, 1),
        (0.3926, 3),  # action 2 is infeasible and has no mass of its own
        (0.999999, 3),
        (1.0, 3),
    ],
)
def test_quantal_choice_inverse_cdf_by_hand(uniform: float, expected: int) -> None:
    choice = policy.quantal_choice(EU_ROW[None, :], FEASIBLE_ROW[None, :], 5.0, np.array([uniform]))
    assert choice.tolist() == [expected]


def test_quantal_choice_is_stable_for_large_utilities() -> None:
    # lam EU = 5000: exp would overflow without subtracting the row maximum
    eu = np.array([[0.0, 1000.0, 999.0]])
    u = np.array([0.5])
    assert policy.quantal_choice(eu, np.ones((1, 3), bool), 5.0, u).tolist() == [1]
    # e^-5 / (1 + e^-5) = .006693 is the weight of the 999 action: a uniform of .999 picks action 2
    assert policy.quantal_choice(eu, np.ones((1, 3), bool), 5.0, np.array([0.999])).tolist() == [2]
    # each row is shifted by its own maximum: a row of small utilities beside a row of huge ones keeps its law
    # (row 1: e^0 and e^5, so a uniform of .5 picks action 1; shifted by the other row's 5000 both would underflow to 0)
    eu = np.array([[0.0, 1000.0], [0.0, 1.0]])
    with np.errstate(divide="raise", invalid="raise"):  # underflow of e^-5000 to 0 is expected
        out = policy.quantal_choice(eu, np.ones((2, 2), bool), 5.0, np.array([0.5, 0.5]))
    assert out.tolist() == [1, 1] and out.dtype == np.int64


def test_quantal_choice_is_the_generalised_inverse_cdf() -> None:
    # the smallest k with cdf_k >= u: equal utilities give cdf (.5, 1), and u = .5 exactly picks action 0
    eu = np.zeros((3, 2))
    out = policy.quantal_choice(eu, np.ones((3, 2), bool), 1.0, np.array([0.5, 0.5000001, 0.0]))
    assert out.tolist() == [0, 1, 0]


@pytest.mark.parametrize(
    ("row", "feasible", "uniform", "expected"),
    [
        # rates .2 and .3 of two kinds, the rest (.5) nothing: cumulative .5, .7, 1
        ([0.5, 0.2, 0.3], [True, True, True], 0.45, 0),
        ([0.5, 0.2, 0.3], [True, True, True], 0.65, 1),
        ([0.5, 0.2, 0.3], [True, True, True], 0.75, 2),
        # kind 1 infeasible: .5 / .8 = .625 nothing, then kind 2
        ([0.5, 0.2, 0.3], [True, False, True], 0.6, 0),
        ([0.5, 0.2, 0.3], [True, False, True], 0.63, 2),
        # nothing feasible and no weight for 'nothing': nothing is chosen
        ([0.0, 0.2, 0.3], [True, False, False], 0.9, 0),
    ],
)
def test_null_models_random_choice_by_hand(row: list[float], feasible: list[bool], uniform: float, expected: int) -> None:
    out = policy.random_choice(np.array([row]), np.array([feasible]), np.array([uniform]))
    assert out.tolist() == [expected] and out.dtype == np.int64
    # the same convention as quantal choice: u exactly on a cumulative value picks the lower action
    assert policy.random_choice(np.array([[0.5, 0.5]]), np.ones((1, 2), bool), np.array([0.5])).tolist() == [0]


# --------------------------------------------------------------------------- Friedkin-Johnsen


def test_fj_fixed_point_by_hand() -> None:
    # W = [[.5, .5], [.25, .75]], lam = (.5, .8), x0 = (.2, .6):
    # x1 = .5 (.5 x1 + .5 x2) + .5 * .2  ->  .75 x1 = .25 x2 + .1
    # x2 = .8 (.25 x1 + .75 x2) + .2 * .6 ->  .4 x2 = .2 x1 + .12, x2 = .5 x1 + .3
    # .75 x1 = .125 x1 + .175 -> x1 = .28, x2 = .44
    W = sp.csr_matrix(np.array([[0.5, 0.5], [0.25, 0.75]]))
    lam = np.array([0.5, 0.8])
    x0 = np.array([0.2, 0.6])
    np.testing.assert_allclose(fj_fixed_point(W, x0, lam), [0.28, 0.44], atol=1e-12)
    np.testing.assert_allclose(fj_step(W, np.array([0.28, 0.44]), x0, lam), [0.28, 0.44], atol=1e-12)
    # a stubborn agent (lam 0) stays at its anchor; a fully susceptible one follows its neighbours' average
    np.testing.assert_allclose(fj_step(W, np.array([1.0, 0.0]), x0, np.array([0.0, 1.0])), [0.2, 0.25], atol=1e-12)


# --------------------------------------------------------------------------- trust: the remaining hand cases

TRUST_CASES = [
    # (what, a call giving the log-odds shift or the new trust, expected); receiver's trust .40 unless said.
    # The calls run inside the test, not when the module is collected: mutmut maps each mutant to the tests
    # that call its function while they run, so a call made at collection would be credited to no test of it.
    # mediation: the receiver .40, the mediator's belief .80, kappa_m .5, credibility .6: .40 + .5 * .6 * .4 = .52
    ("mediation", lambda: tr.mediation_update(0.40, 0.80, 0.5, 0.6), 0.52),
    # a mediator more sceptical than the receiver pulls it down: .40 + .5 * 1 * (.10 - .40) = .25
    ("mediation down", lambda: tr.mediation_update(0.40, 0.10, 0.5, 1.0), 0.25),
    # credibility falls with the distance of bias and position: .5 * (1 - |.9 - .2|) * .8 = .12
    ("credibility", lambda: tr.mediator_credibility(0.5, 0.9, 0.2, 0.8), 0.12),
    # forgetting .40 -> prior .60 at nu .25, in log-odds: .75 * logit(.4) + .25 * logit(.6) = -.202733 -> .449490
    ("forget", lambda: tr.expit(tr.forget(tr.logit(0.40), tr.logit(0.60), 0.25)), 0.449490),
    # hostile signal h .3, kappa_h 1, phi .5, a hawk (x .8): -.3 * 1.4 = -.42; .40 -> expit(-.405465 - .42) = .304605
    ("hostile", lambda: tr.expit(tr.logit(0.40) + tr.hostile_shift(1.0, 0.3, 0.5, 0.8)), 0.304605),
    # reassuring: kappa 2, c_eff .1 + .5 * .2 = .2, phi .5, a dove (x .2): 2 * .2 * .9 = .36; .40 -> expit(-.045465) = .488636
    ("reassuring", lambda: tr.expit(tr.logit(0.40) + tr.reassuring_shift(2.0, tr.effective_cost(0.1, 0.2, 0.5), 0.5, 0.2)), 0.488636),
    # breach of an untouted pledge, kappa_b 2.5, p .3: -.75; .40 -> expit(-1.155465) = .239492
    ("breach", lambda: tr.expit(tr.logit(0.40) + tr.breach_shift(2.5, 0.3, 0.9, 0.9, False)), 0.239492),
    # the same breach of a touted pledge by an ego .9 with rapport .9: -.75 (1 - .9 * .9 / 2) = -.44625 -> expit(-.851715) = .299073
    ("touted breach", lambda: tr.expit(tr.logit(0.40) + tr.breach_shift(2.5, 0.3, 0.9, 0.9, True)), 0.299073),
]


@pytest.mark.parametrize(("what", "value", "expected"), TRUST_CASES, ids=[c[0] for c in TRUST_CASES])
def test_trust_updates_from_040_by_hand(what: str, value: Callable[[], np.ndarray], expected: float) -> None:
    assert float(value()) == pytest.approx(expected, abs=1e-6), what


def test_expit_saturates_at_twice_logit_max_by_hand() -> None:
    """expit clips its argument to +-2 LOGIT_MAX = +-40: far-out log-odds give the bounds' values, without overflow."""
    with np.errstate(over="raise", under="raise"):
        # the floor is expit(-40) = 1 / (1 + e^40) = 4.2484e-18 (trust never exactly 0), whatever lies below -40;
        # abs=0, since approx's default absolute tolerance, 1e-12, would accept any value this small
        for x in (-40.0, -41.0, -100.0, -1e6):
            assert float(tr.expit(x)) == pytest.approx(1 / (1 + math.exp(40)), rel=1e-12, abs=0), x
        # the top is 1 / (1 + e^-40): 1 in double precision
        for x in (40.0, 100.0, 1e6):
            assert float(tr.expit(x)) == 1.0, x
        # just inside the bounds the value still moves: expit(-39) = 1 / (1 + e^39)
        assert float(tr.expit(-39.0)) == pytest.approx(1 / (1 + math.exp(39)), rel=1e-12, abs=0)


def test_beta_moments_and_decay_by_hand() -> None:
    # alpha 3, beta 1: mean .75, variance 3 / (16 * 5) = .0375
    assert float(tr.beta_mean(3.0, 1.0)) == pytest.approx(0.75, abs=1e-12)
    assert float(tr.beta_variance(3.0, 1.0)) == pytest.approx(0.0375, abs=1e-12)
    # decay halfway (lambda .5) from (5, 1) toward the prior (1, 3): (3, 2)
    a, b = tr.beta_decay(5.0, 1.0, 1.0, 3.0, 0.5)
    assert (float(a), float(b)) == pytest.approx((3.0, 2.0), abs=1e-12)


# --------------------------------------------------------------------------- pressure: guards and types


def test_pressure_outputs_stay_shares() -> None:
    # out-of-range inputs are clipped into [0, 1], never passed on
    assert pr.economic_pain(np.array([1.0]), np.array([3.0]), 0.5).tolist() == [1.0]
    assert pr.economic_pain(np.array([0.0]), np.array([-1.0]), 0.5).tolist() == [0.0]
    weights = np.array([[0.5, 0.5, 0.5]])
    assert pr.aggregate(weights, np.ones(1), np.ones(1), np.ones(1)).tolist() == [1.0]
    assert pr.aggregate(weights, -np.ones(1), np.zeros(1), np.zeros(1)).tolist() == [0.0]
    # an integer leak0 (a valid number) still gives float leakage that patrons add to
    out = pr.leakage(0, np.array([0.3]), np.array([0.5]), np.array([0]), 2)
    assert out.dtype == np.float64 and out.tolist() == [0.15, 0.0]
    # a lone side: a float array of its decayed hostility
    h = pr.richardson(np.array([0.4]), 0.25, 0.9)
    assert h.dtype == np.float64 and h.shape == (1,)


def test_richardson_reacts_to_the_others_not_to_oneself() -> None:
    # three sides, delta .2, gamma .3: side 0 at .9 feeds the others .3 * .45 = .135 each (mean of itself and a 0)
    # side 0: .8 * .9 + .3 * 0 = .72; sides 1 and 2: .8 * 0 + .3 * (.9 + 0) / 2 = .135
    np.testing.assert_allclose(pr.richardson(np.array([0.9, 0.0, 0.0]), 0.2, 0.3), [0.72, 0.135, 0.135], atol=1e-12)


# --------------------------------------------------------------------------- the null model's rates, row normalisation, smooth ratification


def test_null_table_by_hand(teaching: Scenario) -> None:
    model = DiplomacyModel(teaching, seed=0)
    rates = {
        "nobody": {"praise": 1.0},  # an unknown actor is ignored, and the actors after it still count
        "ada": {"threat": 0.2, "praise": 0.3, "no_such_kind": 0.4},  # an unknown kind is ignored
        "bo": {"praise": 0.7, "letter": 0.6, "threat": -0.1},  # a negative rate counts as 0; the rates exceed 1
    }
    table = policy.null_table(model, rates)
    col = {k: j for j, k in enumerate(model.kinds, start=1)}
    assert table.shape == (len(model.actor_ids), len(model.kinds) + 1)
    ada, bo, gil = (model.index_of[a] for a in ("ada", "bo", "gil"))
    # ada: threat .2, praise .3, nothing 1 - .5 = .5
    assert (table[ada, col["threat"]], table[ada, col["praise"]], table[ada, 0]) == pytest.approx((0.2, 0.3, 0.5), abs=1e-12)
    # bo: praise .7, letter .6, threat 0, nothing max(1 - 1.3, 0) = 0
    assert (table[bo, col["praise"]], table[bo, col["letter"]], table[bo, col["threat"]], table[bo, 0]) == pytest.approx(
        (0.7, 0.6, 0.0, 0.0), abs=1e-12
    )
    # everybody else does nothing, for sure
    assert table[gil].tolist() == [1.0] + [0.0] * len(model.kinds)
    assert table.sum() == pytest.approx(0.5 + 0.5 + 1.3 + (len(model.actor_ids) - 2), abs=1e-12)


def test_random_choice_rows_are_independent_and_never_divide_by_zero() -> None:
    # row 0 draws from (.5, .2, .3); row 1 has no feasible weight at all and does nothing, without a 0/0
    table = np.array([[0.5, 0.2, 0.3], [0.0, 0.2, 0.3]])
    feasible = np.array([[True, True, True], [True, False, False]])
    with np.errstate(divide="raise", invalid="raise"):
        assert policy.random_choice(table, feasible, np.array([0.65, 0.9])).tolist() == [1, 0]


def test_normalise_rows_inplace_by_hand() -> None:
    # rows (1, 3), (0, 0), (2, 2), (.1, .4): rows 0, 1 and 3 asked; row 1 sums to 0 and stays; row 2 not asked;
    # row 3 sums to .5 (below 1) and doubles
    data = np.array([1.0, 3.0, 0.0, 2.0, 2.0, 0.1, 0.4])
    m = sp.csr_matrix((data, (np.array([0, 0, 1, 2, 2, 3, 3]), np.array([0, 1, 0, 0, 1, 0, 1]))), shape=(4, 2))
    normalise_rows_inplace(m, np.array([0, 1, 3]))
    np.testing.assert_allclose(m.toarray(), [[0.25, 0.75], [0.0, 0.0], [2.0, 2.0], [0.2, 0.8]], atol=1e-12)


@pytest.mark.parametrize(
    ("utility", "threshold", "expected"),
    [
        # both members exactly at their thresholds: each sigma(0) = .5, support .5 = theta, Pr = sigma(0) = .5
        ([[0.3], [0.1]], [0.3, 0.1], 0.5),
        # both tau ln 3 above: sigma(ln 3) = .75 each, support .75, Pr = sigma(20 * .25) = .993307
        ([[0.3 + 0.05 * math.log(3)], [0.1 + 0.05 * math.log(3)]], [0.3, 0.1], 0.993307),
        # the first .75, the second tau below: sigma(-1) = .268941; support .6 * .75 + .4 * .268941 = .557577
        # Pr = sigma(20 * .057577) = .759791
        ([[0.3 + 0.05 * math.log(3)], [0.05]], [0.3, 0.1], 0.759791),
    ],
)
def test_smooth_ratification_by_hand(utility: list[list[float]], threshold: list[float], expected: float) -> None:
    out = bg.smooth_ratification(np.array(utility), np.array(threshold), np.array([0.6, 0.4]), 0.5)
    assert float(out[0]) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        # a box d in [.2, .5]: both edges in, a point .3 above the upper edge or .15 below the lower edge out
        (0.2, "partial"),
        (0.5, "partial"),
        (0.8, None),
        (0.05, None),
    ],
)
def test_classify_agreement_upper_edge(d: float, expected: str | None) -> None:
    assert bg.classify_agreement(np.array([d, 0.0]), {"partial": {"d": (0.2, 0.5)}}, ["d", "r"]) == expected


def _kind_with_shift(teaching: Scenario, magnitude: float):  # type: ignore[no-untyped-def]
    kind = copy.deepcopy(teaching.catalogue["demand"])
    kind.trust.magnitude = magnitude
    return kind


def test_valence_of_signal_kinds(teaching: Scenario) -> None:
    cat = teaching.catalogue
    # conciliatory kinds +1; hostile kinds and negative bare shifts -1; everything else 0
    table = {"praise": 1.0, "summit_offer": 1.0, "threat": -1.0, "icbm_test": -1.0, "summit_cancel": -1.0, "walk_away": -1.0}
    table |= {"letter": 0.0, "pledge_breach": 0.0, "lobby": 0.0}
    assert {k: policy.valence(cat[k]) for k in table} == table
    # a bare shift of 0 or of +.2 that is not conciliatory is neutral
    assert policy.valence(_kind_with_shift(teaching, 0.0)) == 0.0
    assert policy.valence(_kind_with_shift(teaching, 0.2)) == 0.0


@settings(max_examples=60, deadline=None)
@given(
    lo=st.floats(0.0, 1.0),
    width=st.floats(0.0, 1.0),
    lo_r=st.floats(0.0, 1.0),
    points=st.integers(2, 11),
)
def test_the_agreement_mask_is_classify_agreement_for_every_point(lo: float, width: float, lo_r: float, points: int) -> None:
    classes = {"comprehensive": {"d": (lo, min(1.0, lo + width))}, "interim": {"d": (lo / 2, 1.0), "r": (lo_r, 1.0)}}
    grid = bg.issue_grid(2, points)
    want = [bg.classify_agreement(q, classes, ["d", "r"]) is not None for q in grid]
    assert bg.agreement_mask(grid, classes, ["d", "r"]).tolist() == want
