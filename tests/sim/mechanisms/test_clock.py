"""The declared clock (sim/mechanisms/clock.py, ODD 3.1): a scenario's step, and weekly rates and durations converted to it at load.

Conversions are checked by hand and by compounding (seven daily steps of a
converted rate make one weekly step); the model is checked to use them
(patience, escalation after 28 days of tension, one choice a week); bad
``time.step`` and ``choice_rate`` values exit 2 naming file, line and field;
and the teaching case run daily and weekly ends the same way as often, within
sampling error (the 500-seed version is ``make clock-check``).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2_contingency, norm

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms import pressure as pr
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.clock import PARAMETER_TIME, Clock, per_step_notes, time_kind
from summitry.sim.mechanisms.parameters import ModelParameters
from summitry.sim.scenario.document import Scenario, load_scenario_text
from summitry.sim.stats import wilson

TEACHING = (Path(__file__).resolve().parents[3] / "scenarios" / "teaching.yaml").read_text()
WEEKLY_TIME = "time: {start: 2020-01-06, step_days: 7, steps: 30}"
DAILY_TIME = "time: {start: 2020-01-06, step: day, steps: 210}"
DAY = Clock.of_days(1)


def teaching_text(time_line: str = WEEKLY_TIME, parameters: str = "") -> str:
    """teaching.yaml with another ``time:`` line and, optionally, a ``parameters:`` block."""
    assert TEACHING.count(WEEKLY_TIME) == 1, "teaching.yaml's time line changed; update this test"
    text = TEACHING.replace(WEEKLY_TIME, time_line)
    return text + (f"parameters: {parameters}\n" if parameters else "")


def teaching(time_line: str = WEEKLY_TIME, parameters: str = "") -> Scenario:
    return load_scenario_text(teaching_text(time_line, parameters), source="teaching-variant.yaml")


def run_to_end(sc: Scenario, seed: int) -> DiplomacyModel:
    m = DiplomacyModel(sc, seed=seed)
    while m.running:
        m.step()
    return m


# ------------------------------------------------------------------ conversions


# a parameter whose description speaks of weeks but that must not convert, and why
NOT_CONVERTED = {
    "erosion_scale": "a weekly erosion read against a horizon in weeks: the product enters the threshold",
    "activity": "the utility of the 'none' action, per choice; how often one chooses is choice_rate",
    "theta_aff": "a weight on the affect of the last week, which is pooled over the week's steps (see below)",
}


def test_every_parameter_that_speaks_of_weeks_is_converted() -> None:
    fields = ModelParameters.model_fields
    assert set(PARAMETER_TIME) <= set(fields)
    for name, field in fields.items():
        timed = "week" in (field.description or "").lower() or "weeks" in name or "decay" in name or "growth" in name
        if timed and name not in NOT_CONVERTED:
            assert time_kind(name) != "event", f"{name} is stated per week but sim/mechanisms/clock.py does not convert it"


def test_a_weekly_clock_changes_nothing() -> None:
    p = ModelParameters(nu=0.03, tau_prep_min=5, delta_m=0.2, gamma_r=0.07)
    assert Clock().per_step(p) is p
    w = Clock()
    assert (w.decay(0.3), w.keep(0.98), w.growth(0.01), w.steps(4), w.choice_probability(1.0)) == (0.3, 0.98, 0.01, 4, 1.0)


def test_a_duration_may_be_a_fraction_of_a_week_and_runs_as_the_nearest_whole_number_of_steps() -> None:
    """Two days on a daily clock is 2/7 of a week; a weekly clock rounds a fraction to whole weeks, at least one."""
    p = ModelParameters(tau_prep_min=2 / 7, tau_prep_max=0.5, e_weeks=10 / 7, letdown_weeks=12)
    d = DAY.per_step(p)
    assert (d.tau_prep_min, d.tau_prep_max, d.e_weeks, d.letdown_weeks) == (2, 4, 10, 84)  # 3.5 days: to the even 4
    w = Clock().per_step(p)
    assert w is not p
    assert (w.tau_prep_min, w.tau_prep_max, w.e_weeks, w.letdown_weeks) == (1, 1, 1, 12)
    assert all(isinstance(getattr(w, n), int) for n in ("tau_prep_min", "tau_prep_max", "e_weeks", "letdown_weeks"))
    # a minimum that rounds above the maximum lifts the maximum with it
    lifted = Clock().per_step(ModelParameters(tau_prep_min=2.6, tau_prep_max=2.6))
    assert (lifted.tau_prep_min, lifted.tau_prep_max) == (3, 3)
    notes = per_step_notes(p, Clock())
    assert notes == {"tau_prep_min": "on this clock: 1 week", "tau_prep_max": "on this clock: 1 week", "e_weeks": "on this clock: 1 week"}


def test_the_notes_name_the_steps_in_the_clocks_unit_singular_and_plural() -> None:
    """What `summitry params` prints beside a converted parameter: "1 week", "3 weeks", "1 day", "2 days"."""
    weekly = per_step_notes(ModelParameters(tau_prep_min=1.2, tau_prep_max=2.6), Clock())
    assert weekly == {"tau_prep_min": "on this clock: 1 week", "tau_prep_max": "on this clock: 3 weeks"}
    daily = per_step_notes(ModelParameters(tau_prep_min=1 / 7, tau_prep_max=2 / 7), DAY)
    assert (daily["tau_prep_min"], daily["tau_prep_max"]) == ("on this clock: 1 day", "on this clock: 2 days")
    assert daily["choice_rate"] == "chance of a choice in a day on this clock: 0.1429"
    assert daily["nu"] == "per day on this clock: 0.002882"
    assert "kappa" not in daily  # per signal, not per unit of time


def test_a_step_that_is_no_declared_unit_is_called_a_step() -> None:
    assert (Clock.of_days(7).unit, Clock.of_days(1).unit, Clock.of_days(30).unit, Clock.of_days(14).unit) == (
        "week",
        "day",
        "month",
        "step",
    )


def test_a_weekly_clock_lifts_a_maximum_that_a_larger_minimum_rounds_above() -> None:
    """3.6 and 2.9 weeks (a --set can state them) would run as 4 and 3: both run as 4, since the draw of a preparation
    time needs min <= max."""
    lifted = Clock().per_step(ModelParameters(tau_prep_min=3.6, tau_prep_max=2.9))
    assert (lifted.tau_prep_min, lifted.tau_prep_max) == (4, 4)
    daily = DAY.per_step(ModelParameters(tau_prep_min=3.6, tau_prep_max=2.9))
    assert (daily.tau_prep_min, daily.tau_prep_max) == (25, 25)  # 25.2 and 20.3 days


def test_a_parameter_outside_the_time_table_does_not_convert() -> None:
    assert (time_kind("kappa"), time_kind("no_such_parameter"), time_kind("nu"), time_kind("e_weeks")) == (
        "event",
        "event",
        "decay",
        "duration",
    )


def test_the_stance_update_takes_a_share_of_a_week_and_never_more_than_one_step() -> None:
    """A daily step relaxes stances a seventh of a week's step; a month relaxes them one (weekly) step, not 4.3."""
    assert Clock().relax_share() == 1.0
    assert DAY.relax_share() == pytest.approx(1 / 7, rel=1e-12)
    assert Clock.of_days(30).relax_share() == 1.0


def test_daily_parameters_by_hand() -> None:
    d = DAY.per_step(ModelParameters())
    assert d.nu == pytest.approx(1 - 0.98 ** (1 / 7), rel=1e-12)  # 0.0028819...
    assert d.nu == pytest.approx(0.0028819, abs=1e-7)
    assert d.beta_decay == pytest.approx(0.98 ** (1 / 7), rel=1e-12)
    assert d.domestic_growth == pytest.approx(0.01 / 7, rel=1e-12)
    assert (d.tau_prep_min, d.tau_prep_max, d.e_weeks, d.letdown_weeks) == (42, 98, 28, 84)
    assert d.choice_rate == 1.0 and DAY.choice_probability(d.choice_rate) == pytest.approx(1 / 7)
    assert d.kappa == ModelParameters().kappa  # a signal's trust effect is per signal, not per week
    month = Clock.of_days(30).per_step(ModelParameters())
    # 6 and 14 weeks are 1.4 and 3.27 months; 4 weeks of tension are 0.93 of a month, at least one step
    assert (month.tau_prep_min, month.tau_prep_max, month.e_weeks) == (1, 3, 1)
    assert Clock.of_days(30).choice_probability(1.0) == 1.0  # one choice a step at most


@settings(max_examples=60, deadline=None)
@given(
    nu=st.floats(0, 0.99),
    delta_e=st.floats(0, 0.99),
    start=st.floats(-3, 3),
    prior=st.floats(-3, 3),
    pain=st.floats(0, 1),
    target=st.floats(0, 1),
)
def test_seven_daily_steps_make_one_weekly_step(nu: float, delta_e: float, start: float, prior: float, pain: float, target: float) -> None:
    d = DAY.per_step(ModelParameters(nu=nu, delta_e=delta_e))
    x = np.array([start])
    e = np.array([pain])
    for _ in range(7):
        x = tr.forget(x, np.array([prior]), d.nu)
        e = pr.economic_pain(e, np.array([target]), d.delta_e)
    assert x[0] == pytest.approx(tr.forget(np.array([start]), np.array([prior]), nu)[0], abs=1e-9)
    assert e[0] == pytest.approx(pr.economic_pain(np.array([pain]), np.array([target]), delta_e)[0], abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(delta_m=st.floats(0.05, 0.5), share=st.floats(0, 1), h0=st.floats(0, 0.4), h1=st.floats(0, 0.4))
def test_richardson_daily_compounds_to_weekly(delta_m: float, share: float, h0: float, h1: float) -> None:
    gamma_r = share * delta_m  # the others' hostility never grows one's own without bound
    d = DAY.per_step(ModelParameters(delta_m=delta_m, gamma_r=gamma_r))
    h = np.array([h0, h1])
    for _ in range(7):
        h = pr.richardson(h, d.delta_m, d.gamma_r)
    weekly = pr.richardson(np.array([h0, h1]), delta_m, gamma_r)
    assert h == pytest.approx(weekly, abs=1e-9)


# ------------------------------------------------------------------ the model uses them


def test_a_daily_model_runs_on_converted_parameters() -> None:
    sc = teaching(DAILY_TIME)
    assert (sc.time.step, sc.time.step_days, sc.time.clock.unit) == ("day", 1, "day")
    m = DiplomacyModel(sc, seed=3)
    assert m.params.nu == pytest.approx(1 - 0.98 ** (1 / 7))
    assert sc.parameters.nu == 0.02  # the scenario keeps what its file says
    ada = m.index_of["ada"]
    hawks = m.index_of["alpha-hawks"]
    assert m.state.patience[ada] == pytest.approx(0.98 ** (1 / 7))
    assert m.state.patience[hawks] == pytest.approx(0.995 ** (1 / 7))
    assert m.date_of(9) == "2020-01-15"


def test_escalation_needs_four_weeks_of_tension_on_either_clock() -> None:
    # e_crit 0: every step counts toward escalation, which comes after e_weeks = 4 weeks (step 3 weekly, step 27 daily)
    weekly = run_to_end(teaching(parameters="{e_crit: 0.0}"), seed=1)
    daily = run_to_end(teaching(DAILY_TIME, parameters="{e_crit: 0.0}"), seed=1)
    assert (weekly.outcome, weekly.escalated_week) == ("escalation", 3)
    assert (daily.outcome, daily.escalated_week) == ("escalation", 27)
    detail = [e["detail"] for e in daily.events if e["kind"] == "escalation"]
    assert detail == ["tension above 0 for 28 days"]


def test_affect_lasts_a_week_on_either_clock() -> None:
    # what an actor received stays its affect for the next week's choices: one step weekly, seven daily
    for sc, steps_felt in ((teaching(), 1), (teaching(DAILY_TIME), 7)):
        m = DiplomacyModel(sc, seed=0)
        n = len(m.actor_ids)
        felt = []
        for step in range(9):
            m._received_affect = np.full(n, 0.5 if step == 0 else 0.0)
            felt.append(float(m._affect_of_the_week()[0]))
        assert felt == [0.5] * steps_felt + [0.0] * (9 - steps_felt), felt


def test_the_cost_behind_the_affect_lasts_a_week_on_either_clock() -> None:
    # the dearest gesture received (ODD 7.8) is kept as long as the affect it came with: one step weekly, seven daily;
    # what a side received goes to each of its members, by valence (row 0 conciliatory, row 1 hostile)
    for sc, steps_felt in ((teaching(), 1), (teaching(DAILY_TIME), 7)):
        m = DiplomacyModel(sc, seed=0)
        beta = m.side_ids.index("beta")
        bo = m.index_of["bo"]
        felt = []
        for step in range(9):
            if step == 0:
                m._received_cost[0, beta] = 0.1
                m._received_cost[1, beta] = 0.05
            cost = m._affect_cost_of_the_week()
            felt.append((float(cost[0, bo]), float(cost[1, bo])))
        assert felt == [(0.1, 0.05)] * steps_felt + [(0.0, 0.0)] * (9 - steps_felt), felt


def _signals_per_week(sc: Scenario, seeds: range) -> float:
    sent = 0
    weeks = 0.0
    for seed in seeds:
        m = DiplomacyModel(sc, seed=seed, steps=sc.time.steps)
        for _ in range(sc.time.steps // 3):  # the first third: before most runs end at a summit
            m.step()
        sent += m.events.count_source(["chosen"])
        weeks += m.week * sc.time.step_days / 7
    return sent / weeks


def test_actors_choose_about_once_a_week_on_a_daily_clock() -> None:
    seeds = range(6)
    weekly = _signals_per_week(teaching(), seeds)
    daily = _signals_per_week(teaching(DAILY_TIME), seeds)
    every_day = _signals_per_week(teaching(DAILY_TIME, parameters="{choice_rate: 7}"), seeds)
    assert 0.75 < daily / weekly < 1.33, (daily, weekly)
    assert every_day / weekly > 3, (every_day, weekly)  # choosing every day would send several times as many


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("time_line", "parameters", "field", "fragment"),
    [
        ("time: {start: 2020-01-06, step: fortnight, steps: 30}", "", "time.step", "'day', 'week' or 'month'"),
        ("time: {start: 2020-01-06, step: day, step_days: 7, steps: 30}", "", "time", "step_days 7 contradicts step 'day'"),
        (WEEKLY_TIME, "{choice_rate: 0}", "parameters.choice_rate", "must be > 0"),
        (WEEKLY_TIME, "{choice_rate: 8}", "parameters.choice_rate", "must be <= 7"),
    ],
)
def test_bad_clock_fields_exit_2(time_line: str, parameters: str, field: str, fragment: str, tmp_path: Path, cli) -> None:
    text = teaching_text(time_line, parameters)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    marker = "choice_rate" if parameters else "time:"
    line = text[: text.index(marker)].count("\n") + 1
    r = cli("validate", str(path))
    assert r.code == 2, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert f"{path}:{line}: {field}: " in r.stderr, r.stderr
    assert fragment in r.stderr, r.stderr


def test_params_says_what_a_weekly_rate_is_per_day(tmp_path: Path, cli) -> None:
    path = tmp_path / "daily.yaml"
    path.write_text(teaching_text(DAILY_TIME))
    r = cli("params", str(path), "--grep", "parameters.")
    assert r.code == 0, r.stderr
    rows = {line.split("│")[1].strip(): line for line in r.stdout.splitlines() if line.count("│") > 3}
    assert "per day on this clock: 0.002882" in rows["parameters.nu"]
    assert "on this clock: 28 days" in rows["parameters.e_weeks"]
    assert "on this clock" not in rows["parameters.kappa"]
    weekly = cli("params", "teaching", "--grep", "parameters.nu")
    assert "on this clock" not in weekly.stdout


# ------------------------------------------------------------------ the same case on two clocks


def outcome_table(seeds: range) -> tuple[Counter[str], Counter[str]]:
    weekly, daily = teaching(), teaching(DAILY_TIME)
    return (Counter(run_to_end(weekly, s).outcome for s in seeds), Counter(run_to_end(daily, s).outcome for s in seeds))


def compare_clocks(n: int) -> tuple[float, dict[str, tuple[float, float]]]:
    """Chi-squared p-value of weekly vs daily outcome counts over seeds 0..n-1, and each outcome's two-proportion z."""
    weekly, daily = outcome_table(range(n))
    outcomes = sorted(set(weekly) | set(daily))
    # outcomes seen fewer than 5 times in both together are pooled, so the test's approximation holds
    common = [o for o in outcomes if weekly[o] + daily[o] >= 5]
    rare = [o for o in outcomes if o not in common]
    rows = [[weekly[o] for o in common], [daily[o] for o in common]]
    if rare:
        rows[0].append(sum(weekly[o] for o in rare))
        rows[1].append(sum(daily[o] for o in rare))
    p = float(chi2_contingency(np.array(rows))[1]) if len(rows[0]) > 1 else 1.0
    report: dict[str, tuple[float, float]] = {}
    for o in outcomes:
        pw, pd_ = weekly[o] / n, daily[o] / n
        pooled = (weekly[o] + daily[o]) / (2 * n)
        se = math.sqrt(2 * pooled * (1 - pooled) / n)
        report[o] = (pw, 0.0 if se == 0 else (pd_ - pw) / se)
        _, lo_w, hi_w = wilson(weekly[o], n)
        _, lo_d, hi_d = wilson(daily[o], n)
        print(f"{o}: weekly {pw:.3f} [{lo_w:.3f}, {hi_w:.3f}]  daily {pd_:.3f} [{lo_d:.3f}, {hi_d:.3f}]")
    print(f"chi-squared p = {p:.3f} (n = {n} seeds a clock)")
    return p, report


def test_daily_and_weekly_teaching_end_alike_small_slice() -> None:
    p, per_outcome = compare_clocks(40)
    assert p > 0.01, per_outcome
    assert per_outcome["walk_away"][0] > 0.5  # the case's usual ending, so the comparison is not of empty tables


@pytest.mark.clock
def test_daily_and_weekly_teaching_end_alike_500_seeds() -> None:
    p, per_outcome = compare_clocks(500)
    assert p > 0.01, per_outcome
    critical = float(norm.ppf(1 - 0.01 / (2 * len(per_outcome))))  # two-sided 0.01 over all outcomes (Bonferroni)
    for outcome, (_share, z) in per_outcome.items():
        assert abs(z) < critical, (outcome, z, critical)


# ------------------------------------------------------------------ words


def test_a_daily_run_is_told_in_days() -> None:
    from summitry.sim.report import metric_rows
    from summitry.sim.results.summary import outcome_sentence
    from summitry.sim.run import run_scenario

    daily = run_scenario(teaching(DAILY_TIME), seed=2)
    assert daily.manifest["step_unit"] == "day"
    sentence = outcome_sentence(daily)
    assert " day " in sentence and "week" not in sentence, sentence
    scheduled = [e["text"] for e in daily.events.to_pylist() if e["kind"] == "summit_scheduled"]
    assert scheduled and all(" is set for day " in t for t in scheduled), scheduled
    labels = dict(metric_rows(daily.manifest))
    assert "Days run" in labels and "Weeks run" not in labels
    weekly = run_scenario(teaching(), seed=2)
    assert "Weeks run" in dict(metric_rows(weekly.manifest))
    assert all(" is set for week " in e["text"] for e in weekly.events.to_pylist() if e["kind"] == "summit_scheduled")
