"""Figures, reports and the dashboard say the scenario's step (issue 14 item 1): a daily run is told in days.

A daily variant of the teaching case is made here through the loader; its
run's figures (axis titles, hover texts, titles), its report (narrative,
headings, tables) and the dashboard's step words must not say "week", and a
weekly run must still say "week" where it did.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from summitry.dashboard.callbacks import step_label, step_views
from summitry.dashboard.layout import event_columns, step_words
from summitry.sim import figures as F
from summitry.sim.analysis.survival import survival_of_runs
from summitry.sim.figures.survival import survival_curves, survival_figure
from summitry.sim.report import narrative, render_run_report
from summitry.sim.results.run_result import RunResult
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario_text

TEACHING = (Path(__file__).resolve().parents[3] / "scenarios" / "teaching.yaml").read_text()
WEEKLY_TIME = "time: {start: 2020-01-06, step_days: 7, steps: 30}"
DAILY_TIME = "time: {start: 2020-01-06, step: day, steps: 60}"
WEEK = re.compile(r"\bweeks?\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def daily() -> RunResult:
    assert TEACHING.count(WEEKLY_TIME) == 1, "teaching.yaml's time line changed; update this test"
    sc = load_scenario_text(TEACHING.replace(WEEKLY_TIME, DAILY_TIME), source="teaching-daily.yaml")
    assert sc.time.clock.unit == "day"
    return run_scenario(sc, seed=2)


@pytest.fixture(scope="module")
def weekly() -> RunResult:
    return run_scenario(load_scenario_text(TEACHING, source="teaching.yaml"), seed=2)


def _step(result: RunResult) -> int:
    return min(3, int(result.manifest["metrics"]["steps_run"]) - 1)


def _texts(fig: object) -> str:
    """Every piece of text a figure shows: titles, axis titles, trace names, hover templates and texts, annotations."""
    return json.dumps(json.loads(fig.to_json())["layout"]) + json.dumps(  # type: ignore[attr-defined]
        [{k: t.get(k) for k in ("name", "hovertemplate", "hovertext", "text")} for t in json.loads(fig.to_json())["data"]]  # type: ignore[attr-defined]
    )


def test_the_run_figures_of_a_daily_run_say_day(daily: RunResult, weekly: RunResult) -> None:
    s = _step(daily)
    timed = {
        "trust": F.trust_figure(daily, s, until=s),
        "pressure": F.pressure_figure(daily, s, until=s),
        "stance": F.stance_figure(daily, s, until=s),
        "zone": F.zone_figure(daily, s, until=s),
    }
    for name, fig in timed.items():
        assert fig.layout.xaxis.title.text == "day (one step of the run)", name
        assert any(t.hovertemplate and t.hovertemplate.startswith("day %{x}") for t in fig.data), name
        assert any(t.name == "faded: days not yet reached" for t in fig.data), name
    at_step = {
        "issues": F.issue_space_figure(daily, s),
        "heatmap": F.trust_heatmap(daily, s),
        "network": F.network_figure(daily, s),
    }
    assert at_step["issues"].layout.title.text == f"Issue space, day {s}"
    assert at_step["heatmap"].layout.title.text == f"Trust matrix, day {s}"
    assert at_step["network"].layout.title.text == f"Influence network, day {s}"
    for name, fig in {**timed, **at_step}.items():
        found = WEEK.findall(_texts(fig))
        assert not found, (name, found)
    # the same figures of a weekly run are unchanged: they say week
    w = F.trust_figure(weekly, 3, until=3)
    assert w.layout.xaxis.title.text == "week (one step of the run)" and WEEK.search(_texts(w))
    assert F.issue_space_figure(weekly, 3).layout.title.text == "Issue space, week 3"


def test_ensemble_figures_say_the_runs_unit(daily: RunResult) -> None:
    fans = F.fans_figure([("trust", "#333333", np.array([[0.1, 0.2, 0.3], [0.2, 0.3, 0.4]]))], "t", unit="day")
    assert fans.layout.xaxis.title.text == "day (one step of the run)" and not WEEK.findall(_texts(fans))
    assert F.fan_chart([daily], "stance", daily.manifest["actors"][0]["id"]).layout.xaxis.title.text == "day (one step of the run)"
    assert F.fans_figure([("trust", "#333333", np.zeros((2, 3)))], "t").layout.xaxis.title.text == "week (one step of the run)"
    curves = survival_curves("day")
    assert not any(WEEK.search(text) for curve in curves.values() for text in curve)
    assert curves["agreement"][1] == "day of the run" and curves["moratorium"][1] == "days since the first pledge"
    table = survival_of_runs({"time_to_agreement": [3.0, 5.0, np.nan], "agreement_censored": [0.0, 0.0, 1.0]})["agreement"]
    km = survival_figure([("agreement", table)], curves["agreement"][0], x_title=curves["agreement"][1], unit="day")
    assert not WEEK.findall(_texts(km)) and "day %{x}" in _texts(km)


def _visible_text(page: str) -> str:
    """The report's text without its inlined scripts and styles (plotly.js and the CSS hold words of their own)."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    return re.sub(r"<style\b.*?</style>", " ", page, flags=re.S)


def test_the_report_of_a_daily_run_says_day(daily: RunResult, weekly: RunResult) -> None:
    items = narrative(daily)
    assert items and all(i["when"].startswith("Day ") for i in items), [i["when"] for i in items][:5]
    page, warnings = render_run_report(daily)
    assert warnings == []
    text = _visible_text(page)
    assert not WEEK.findall(text), sorted({text[max(0, m.start() - 60) : m.end() + 20] for m in WEEK.finditer(text)})[:8]
    assert "Days run" in text and f"{daily.manifest['steps']} days" in text
    weekly_text = _visible_text(render_run_report(weekly)[0])
    assert "Weeks run" in weekly_text and all(i["when"].startswith("Week ") for i in narrative(weekly))


def test_the_dashboard_says_the_step_in_the_runs_unit(daily: RunResult, weekly: RunResult) -> None:
    s = _step(daily)
    last = int(daily.manifest["metrics"]["steps_run"]) - 1
    assert step_label(daily, s).startswith(f"day {s} of {last} · ")
    assert step_label(weekly, 3).startswith("week 3 of ")
    words = step_words("day")
    shown = {k: v for k, v in words.items() if k != "events_columns"} | {"columns": [c["name"] for c in words["events_columns"]]}
    assert not WEEK.findall(json.dumps(shown)), shown
    assert words["fork_at_label"] == "At day" and words["events_heading"] == "Event log up to this day"
    assert event_columns("day")[0] == {"name": "day", "id": "week", "type": "numeric"}  # the id the filter uses stays
    assert step_words() == step_words("week") and step_words()["back_title"] == "One week back"
    patch = step_views(daily, s, node_trace=len(F.network_figure(daily, s).data) - 1)
    assert patch["step_label"].startswith(f"day {s} of ")
    assert not WEEK.findall(json.dumps(patch["heatmap"].to_plotly_json(), default=str))
    assert not WEEK.findall(json.dumps(patch["network"].to_plotly_json(), default=str))


def test_a_pattern_past_a_daily_horizon_is_refused_in_days() -> None:
    from summitry.sim.errors import ScenarioError

    text = TEACHING.replace(WEEKLY_TIME, DAILY_TIME) + (
        "patterns:\n  - {id: late, text: a late state, window: [0, 70],\n"
        "     state: {agent: ada, variable: stance, measure: last, at_least: 0.5}}\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(text, source="late.yaml")
    assert "patterns[0].window: day 70 is past the run's last day (59)" in str(err.value)
