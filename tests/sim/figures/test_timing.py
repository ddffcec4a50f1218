"""The pattern-timing figure of backtest reports: each event pattern's first week, model beside null model, window shaded."""

from __future__ import annotations

import math

import pandas as pd

from summitry.sim.figures.timing import pattern_timing_figure, timed_patterns

NAN = math.nan
PATTERNS = [
    {"id": "a", "window": [2, 4]},
    {"id": "state", "window": [0, 9], "state": {"agent": "x"}},  # a state pattern has no first week
    {"id": "never", "window": [0, 9], "absent": True},  # "must not happen": its first week is a failure, not a timing
    {"id": "d", "window": [6, 6]},  # happened in no model or null run
    {"id": "e", "window": [0, 1]},
]
RUNS = pd.DataFrame(
    {
        "model": ["model", "model", "model", "null", "null", "null", "quiet"],
        "first.a": [3.0, 5.0, NAN, 10.0, NAN, NAN, 1.0],
        "first.state": [NAN] * 7,
        "first.never": [1.0, NAN, NAN, NAN, NAN, NAN, NAN],
        "first.d": [NAN, NAN, NAN, NAN, NAN, NAN, 2.0],  # only a baseline: not drawn
        "first.e": [NAN, NAN, NAN, 0.0, 1.0, 7.0, NAN],
    }
)


def test_only_event_patterns_that_happened_in_the_model_or_null_runs_are_drawn() -> None:
    assert [p["id"] for p in timed_patterns(RUNS, PATTERNS)] == ["a", "e"]


def test_the_boxes_hold_each_ensembles_first_weeks_and_the_windows_are_shaded_on_their_rows() -> None:
    fig = pattern_timing_figure(RUNS, PATTERNS, unit="day")
    model, null = fig.data
    assert (model.name, null.name) == ("model", "null model")
    assert list(model.x) == [3.0, 5.0] and list(model.y) == ["a", "a"]  # the quiet baseline's week 1 is not there
    assert list(null.x) == [10.0, 0.0, 1.0, 7.0] and list(null.y) == ["a", "e", "e", "e"]
    # one band per row, half a step beyond the window's ends, on the row's category position
    bands = [(s.x0, s.x1, s.y0, s.y1) for s in fig.layout.shapes]
    assert bands == [(1.5, 4.5, -0.45, 0.45), (-0.5, 1.5, 0.55, 1.45)]
    # each row says in how many runs of each ensemble the event happened at all
    assert list(fig.layout.yaxis.tickvals) == ["a", "e"]
    assert "in 67% / 33% of runs" in fig.layout.yaxis.ticktext[0] and "in 0% / 100% of runs" in fig.layout.yaxis.ticktext[1]
    assert fig.layout.xaxis.title.text == "day of the first occurrence"


def test_the_report_section_reads_the_saved_ensemble_and_leaves_out_rows_it_cannot_draw(tmp_path) -> None:
    import json

    from summitry.sim.report.run_report import _saved_ensemble, ensemble_timing

    RUNS.to_parquet(tmp_path / "runs.parquet")
    rows = [1, {"id": 5, "window": [0, 1]}, {"id": "e"}, {"id": "a", "window": [2, 4]}, {"id": "e", "window": [0, 1, 2]}]
    (tmp_path / "backtest.json").write_text(json.dumps({"patterns": rows}))
    warnings: list[str] = []
    saved = _saved_ensemble(tmp_path / "example-run", warnings)
    chart = ensemble_timing(saved, warnings)
    assert chart is not None and not chart.error and warnings == []
    assert list(chart.figure.layout.yaxis.tickvals) == ["a"]  # only the row of the shape a backtest writes
    # a backtest.json that is not a summary: the section is left out with a warning, the report goes on
    (tmp_path / "backtest.json").write_text("[]")
    assert ensemble_timing(saved, warnings) is None and "pattern timing left out" in warnings[0]
    # a run that is not a backtest's example run has no saved ensemble
    assert _saved_ensemble(tmp_path / "elsewhere" / "run", []) is None
