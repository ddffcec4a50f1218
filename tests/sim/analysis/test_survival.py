"""Kaplan–Meier tables of saved runs (sim/analysis/survival.py) and their figure (sim/figures/survival.py), against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from summitry.sim.analysis.survival import kaplan_meier, summary_rows, survival_of_runs
from summitry.sim.figures.survival import risk_weeks, survival_figure
from summitry.sim.stats import Z95


def loglog_band(s: float, greenwood: float) -> tuple[float, float]:
    """The log(−log) 95% band of S by hand: S^exp(±z·sqrt(G)/|log S|), G the Greenwood sum Σ d/(n(n−d))."""
    se = math.sqrt(greenwood) / abs(math.log(s))
    return s ** math.exp(Z95 * se), s ** math.exp(-Z95 * se)


def test_six_runs_events_at_2_3_3_censored_at_4_5_6() -> None:
    t = kaplan_meier([2, 3, 3, 4, 5, 6], [True, True, True, False, False, False])
    # week:          0    2    3    4    5    6
    # at risk:       6    6    5    3    2    1
    # events:        0    1    2    0    0    0
    # S: 1; 1 · (1 − 1/6) = 5/6; 5/6 · (1 − 2/5) = 1/2; censorings leave S at 1/2
    assert t.week.tolist() == [0, 2, 3, 4, 5, 6]
    assert t.at_risk.tolist() == [6, 6, 5, 3, 2, 1]
    assert t.events.tolist() == [0, 1, 2, 0, 0, 0]
    assert t.censored.tolist() == [0, 0, 0, 1, 1, 1]
    assert t.survival.tolist() == pytest.approx([1, 5 / 6, 1 / 2, 1 / 2, 1 / 2, 1 / 2])
    assert (t.n, t.n_events) == (6, 3)
    assert t.median() == 3
    # Greenwood: after week 2, 1/(6·5); after week 3, 1/(6·5) + 2/(5·3)
    lo2, hi2 = loglog_band(5 / 6, 1 / 30)
    lo3, hi3 = loglog_band(1 / 2, 1 / 30 + 2 / 15)
    assert (t.low[1], t.high[1]) == (pytest.approx(lo2), pytest.approx(hi2))
    assert (t.low[2], t.high[2]) == (pytest.approx(lo3), pytest.approx(hi3))
    assert t.low[5] == pytest.approx(lo3) and t.high[5] == pytest.approx(hi3)
    assert (t.low[0], t.high[0]) == (1, 1)
    # lifelines 0.30.3's KaplanMeierFitter gives the same band (checked once by hand): 0.2731–0.9747 and 0.1109–0.8037
    assert (round(t.low[1], 4), round(t.high[1], 4), round(t.low[2], 4), round(t.high[2], 4)) == (0.2731, 0.9747, 0.1109, 0.8037)


def test_step_lookup_and_at_risk_between_rows() -> None:
    t = kaplan_meier([2, 3, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0])
    assert [t.at(w) for w in (0, 1.9, 2, 2.5, 3, 10)] == pytest.approx([1, 1, 5 / 6, 5 / 6, 1 / 2, 1 / 2])
    # at risk at week w: runs whose duration is at least w
    assert [t.at_risk_at(w) for w in (0, 2, 2.5, 3, 3.5, 6, 7)] == [6, 6, 5, 5, 3, 1, 0]
    rows = summary_rows(t, [0, 3, 4])
    assert [(r["week"], r["at_risk"], round(r["survival"], 4)) for r in rows] == [(0, 6, 1.0), (3, 5, 0.5), (4, 3, 0.5)]


def test_censoring_before_an_event_shrinks_the_risk_set() -> None:
    # censored at 1 and 2, events at 3 and 4: S(3) = 1 − 1/2, S(4) = 1/2 · (1 − 1/1) = 0
    t = kaplan_meier([1, 2, 3, 4], [0, 0, 1, 1])
    assert t.survival.tolist() == pytest.approx([1, 1, 1, 0.5, 0.0])
    assert t.at_risk.tolist() == [4, 4, 3, 2, 1]
    # S = 0 after the last run's event: the band collapses onto it (log(−log) is undefined there)
    assert (t.low[-1], t.high[-1]) == (0, 0)
    # without censoring, KM is the empirical survival: 1 − 2/4 after week 3 vs. 1 − 1/2 here: censoring matters
    assert kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1]).survival.tolist() == pytest.approx([1, 0.75, 0.5, 0.25, 0.0])


def test_all_censored_stays_at_one_and_ties_of_event_and_censoring() -> None:
    t = kaplan_meier([5, 5, 7], [0, 0, 0])
    assert t.survival.tolist() == [1, 1, 1] and t.low.tolist() == [1, 1, 1] and t.high.tolist() == [1, 1, 1]
    assert t.n_events == 0 and t.median() is None
    # an event and a censoring at the same week: the censored run is still at risk of that week's event
    t = kaplan_meier([2, 2, 4], [1, 0, 1])
    assert t.at_risk.tolist() == [3, 3, 1]
    assert t.survival.tolist() == pytest.approx([1, 2 / 3, 0])


def test_empty_and_missing_durations() -> None:
    t = kaplan_meier([], [])
    assert t.n == 0 and t.week.size == 0 and math.isnan(t.at(3)) and t.median() is None and t.at_risk_at(0) == 0
    # NaN durations (runs without a pledge) are left out
    t = kaplan_meier([np.nan, 3, np.nan, 6], [np.nan, 1, np.nan, 0])
    assert t.n == 2 and t.survival.tolist() == pytest.approx([1, 0.5, 0.5])
    with pytest.raises(ValueError, match="differ in length"):
        kaplan_meier([1, 2], [1])
    with pytest.raises(ValueError, match="negative"):
        kaplan_meier([-1], [1])


def test_survival_of_sweep_rows_and_ensemble_members() -> None:
    rows = pd.DataFrame(
        {
            "metric.time_to_agreement": [2, 3, 3, 4, 5, 6],
            "metric.agreement": [1, 1, 1, 0, 0, 0],
            # pledges in 5 runs: breached at 1 and 2, held to the end at 2, 3, 4; run 3 made no pledge
            "metric.moratorium_survival": [1, 4, np.nan, 2, 2, 3],
            "metric.moratorium_censored": [0, 1, np.nan, 0, 1, 1],
        }
    )
    tables = survival_of_runs(rows, prefix="metric.")
    assert tables["agreement"].survival.tolist() == pytest.approx([1, 5 / 6, 1 / 2, 1 / 2, 1 / 2, 1 / 2])
    m = tables["moratorium"]
    # S(1) = 4/5; S(2) = 4/5 · 3/4 = 3/5 (4 at risk at week 2: one breach, one censored there)
    assert m.week.tolist() == [0, 1, 2, 3, 4]
    assert m.at_risk.tolist() == [5, 5, 4, 2, 1]
    assert m.survival.tolist() == pytest.approx([1, 0.8, 0.6, 0.6, 0.6])
    # the dashboard's members carry the run's own metrics: agreement_censored instead of an agreement flag
    members = {
        "time_to_agreement": [2, 3, 3, 4, 5, 6],
        "agreement_censored": [0, 0, 0, 1, 1, 1],
        "moratorium_survival": [np.nan] * 6,
        "moratorium_censored": [np.nan] * 6,
    }
    tables = survival_of_runs(members)
    assert tables["agreement"].survival.tolist() == pytest.approx([1, 5 / 6, 1 / 2, 1 / 2, 1 / 2, 1 / 2])
    assert tables["moratorium"].n == 0
    # a store written before the censoring flag was kept: no moratorium curve rather than a wrong one
    old = rows.drop(columns=["metric.moratorium_censored"])
    assert survival_of_runs(old, prefix="metric.")["moratorium"].n == 0


def test_figure_is_the_step_curve_its_band_and_the_number_at_risk() -> None:
    t = kaplan_meier([2, 3, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0])
    fig = survival_figure([("agreement", t)], "Time to agreement", x_title="week of the run")
    (curve,) = [d for d in fig.data if d.meta == "km"]
    assert curve.line.shape == "hv"
    assert list(curve.x) == [0, 2, 3, 4, 5, 6]
    assert list(curve.y) == pytest.approx([1, 5 / 6, 0.5, 0.5, 0.5, 0.5])
    assert [row[0] for row in curve.customdata] == [6, 6, 5, 3, 2, 1]
    band = [d for d in fig.data if d.fill == "tonexty"]
    assert len(band) == 1 and list(band[0].y) == pytest.approx(t.low.tolist())
    (risk,) = [d for d in fig.data if d.meta == "at_risk"]
    # risk weeks 0, 1.2, 2.4, 3.6, 4.8, 6 rounded: 0, 1, 2, 4, 5, 6
    assert risk_weeks([t]) == [0, 1, 2, 4, 5, 6]
    assert list(risk.x) == [0, 1, 2, 4, 5, 6] and list(risk.text) == ["6", "6", "6", "3", "2", "1"]
    assert fig.layout.xaxis2.title.text == "week of the run"
    assert fig.layout.yaxis.title.text and fig.layout.yaxis.range == (0, 1.03)
    empty = survival_figure([("agreement", kaplan_meier([], []))], "none")
    assert not [d for d in empty.data if d.meta == "km"]
    assert empty.layout.annotations[0].text == "no runs to estimate from"
