"""Behaviour worth simulating: ensembles move sensibly when a parameter moves.

Each test compares two fixed-seed ensembles that differ in one parameter.
The sizes were chosen so that the measured effect is several standard
errors wide (numbers in the docstrings were measured when the test was
written), so a small change to the model does not flip the verdict.
"""

from __future__ import annotations

import statistics
from collections import Counter

import pytest
from scipy import stats as stats_test

from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario

pytestmark = pytest.mark.slow


def ensemble(name: str, n: int, **sets: float):
    sc = load_scenario(name, {k: str(v) for k, v in sets.items()})
    return [run_scenario(sc, seed=seed) for seed in range(n)]


@pytest.mark.parametrize("name", ["singapore-2018", "hanoi-2019"])
def test_free_mode_outcomes_spread(name: str) -> None:
    """200 seeds in free mode do not all end the same way (at least 3 outcomes, none above 85%: hanoi-2019's
    runs end in a declaration 82% of the time, at a summit after the walk-away)."""
    counts = Counter(r.outcome for r in ensemble(name, 200))
    assert len(counts) >= 3, counts
    assert max(counts.values()) <= 170, counts


def test_more_impulsive_leader_accepts_faster() -> None:
    """Singapore, Trump's impulsiveness 0 vs 1, with a summit worth less (summit_weight 1).

    At summit_weight 3.37 (the default when this was first measured) a summit is worth so much that both leaders
    accept it at once whatever their impulsiveness (150 seeds each: first scheduling 4.2 vs 3.3 weeks, Mann-Whitney
    p = 0.16), so the trait's effect is measured where the choice is not saturated. Since reciprocity matches value
    (ODD 7.16, 7 December 2026) the affect of cheap praise no longer lends a summit offer or its acceptance its
    whole weight, so the trait does less: first scheduling 8.1 vs 6.8 weeks (150 seeds each, p = 0.012; 9.4 vs 6.0
    before). Runs with a cancellation, at lambda_Q 4 and 400 seeds each, no longer differ (111 vs 112; 105 vs 136
    before): the impulsive leader's extra cancellations came mostly from the summits it had accepted sooner.
    """

    def first_scheduled(runs):
        first = []
        for r in runs:
            weeks = [e["step"] for e in r.events.to_pylist() if e["kind"] == "summit_scheduled"]
            first.append(weeks[0] if weeks else r.manifest["steps"])
        return first

    calm_first = first_scheduled(ensemble("singapore-2018", 150, summit_weight=1.0, **{"trump.traits.impulsiveness": 0.0}))
    rash_first = first_scheduled(ensemble("singapore-2018", 150, summit_weight=1.0, **{"trump.traits.impulsiveness": 1.0}))
    assert statistics.mean(rash_first) < statistics.mean(calm_first) - 1.0
    assert stats_test.mannwhitneyu(rash_first, calm_first, alternative="less").pvalue < 0.05


def test_more_hardliner_influence_narrows_the_zone_and_ends_summits_in_walk_aways() -> None:
    """Teaching case, Beta hardliners' share 0.05 vs 0.95 (measured on 60 seeds): declarations 42 vs 3,
    walk-aways 15 vs 55. A summit is still worth holding for the declaration it may bring, so the talks do not
    stall; the hawkish coalition ends them instead (with the fitted defaults no run reaches an agreement)."""
    soft = ensemble("teaching", 150, **{"beta-hardliners.influence": 0.05})
    hard = ensemble("teaching", 150, **{"beta-hardliners.influence": 0.95})
    walked = [sum(r.outcome == "walk_away" for r in runs) for runs in (soft, hard)]
    assert walked[1] >= walked[0] + 50, walked
    zone = [statistics.mean(r.metrics["mean_zone_area"] for r in runs) for runs in (soft, hard)]
    assert zone[1] < zone[0] / 2, zone


def test_more_sanctions_leakage_less_pressure_on_the_sanctioned_side() -> None:
    """Hanoi, leak0 0 vs 0.3 (60 seeds): mean aggregate pressure on the DPRK 0.31 vs 0.24."""

    def mean_pressure(runs) -> float:
        values = []
        for r in runs:
            _, v = r.variable("pressure", "dprk")
            values.append(float(v.mean()))
        return statistics.mean(values)

    tight = mean_pressure(ensemble("hanoi-2019", 60, leak0=0.0))
    leaky = mean_pressure(ensemble("hanoi-2019", 60, leak0=0.3))
    assert leaky < tight - 0.03, (tight, leaky)
