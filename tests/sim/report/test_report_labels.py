"""Reports name what the scenario names: issue dimensions, metrics and outcomes by their labels, charts with titles."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from summitry.sim import report
from summitry.sim.experiments.predictive import Predictive, predictive_html
from summitry.sim.report import dispatch
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.summary import outcome_sentence
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario


@pytest.fixture(scope="module")
def agreement_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hanoi-2019, seed 0: an interim agreement (its issues are d, Denuclearisation, and r, Sanctions relief)."""
    d = tmp_path_factory.mktemp("labels") / "run"
    run_scenario(load_scenario("hanoi-2019"), seed=0).save(d)
    assert RunResult.load(d).outcome == "agreement_interim"
    return d


def test_the_issue_space_is_drawn_on_the_dimensions_labels(agreement_run: Path) -> None:
    issues = next(c for c in report.run_charts(RunResult.load(agreement_run)) if c.id == "fig-issues")
    assert issues.figure.layout.xaxis.title.text == "Denuclearisation"
    assert issues.figure.layout.yaxis.title.text == "Sanctions relief"
    assert issues.figure.data[0].hovertemplate == "Denuclearisation %{x:.2f}, Sanctions relief %{y:.2f}<extra></extra>"


def test_the_outcome_sentence_names_the_agreement_point_by_labels(agreement_run: Path) -> None:
    result = RunResult.load(agreement_run)
    m = result.manifest["metrics"]
    point = m["agreement_point"]
    expected = f"Interim agreement at week {m['agreement_week']} (Denuclearisation {point['d']:.2f}, Sanctions relief {point['r']:.2f})"
    assert outcome_sentence(result).startswith(expected)
    page = report.write_run_report(agreement_run, agreement_run / "report.html").read_text(encoding="utf-8")
    assert expected in page
    assert f"<td>Denuclearisation = {point['d']:.3g}; Sanctions relief = {point['r']:.3g}</td>" in page  # the metrics table
    # a dimension the scenario gives no label keeps its id
    bare = RunResult(result.manifest, result.events, result.series, None)
    assert outcome_sentence(bare).startswith(f"Interim agreement at week {m['agreement_week']} (d={point['d']:.2f}, r={point['r']:.2f})")


def test_the_history_chart_has_axis_titles(agreement_run: Path) -> None:
    result = RunResult.load(agreement_run)
    sc = report.scenario_context(result.manifest, result.scenario_document)
    fig = report.history_chart(result, sc["record"], report.narrative(result)).figure
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("date", "events")


def test_exported_charts_carry_their_titles(agreement_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An image written by `report --charts` has no caption: each figure is given its chart's title."""
    written: dict[str, Any] = {}

    def capture(figures: dict[str, Any], out_dir: Any, fmt: str = "png") -> list[Path]:
        written.update(figures)
        return []

    monkeypatch.setattr(dispatch, "export_figures", capture)
    report.export_charts(agreement_run, tmp_path / "charts")
    result = RunResult.load(agreement_run)
    titles = {c.id.removeprefix("fig-"): c.title for c in report.run_charts(result)}
    assert written["trust"].layout.title.text == "Trust between the principals"
    assert written["history"].layout.title.text == "The run beside the historical record"
    for key, title in titles.items():
        assert written[key].layout.title.text == html.escape(title)
    # the report's own charts stay untitled: their numbered caption carries the title
    assert all(c.figure.layout.title.text is None for c in report.run_charts(result))


def sweep_of_hanoi(with_document: bool) -> tuple[dict[str, Any], pd.DataFrame]:
    n = 8
    rng = np.random.default_rng(2)
    runs = pd.DataFrame(
        {
            "run_id": np.arange(n),
            "point": np.arange(n),
            "replicate": 0,
            "seed": np.arange(n),
            "status": "ok",
            "error": "",
            "outcome": ["walk_away"] * 5 + ["agreement_interim"] * 3,
            "param.parameters.kappa": np.linspace(0.5, 4, n),
            "metric.trust_a_to_b": rng.uniform(0, 1, n),
            "metric.pressure_b": rng.uniform(0, 1, n),
            "metric.first_summit_week": rng.integers(5, 40, n).astype(float),
            "metric.pattern.stall": rng.integers(0, 2, n).astype(float),
            "metric.pattern_score": rng.uniform(0, 1, n),
        }
    )
    manifest: dict[str, Any] = {
        "spec": {"scenario": "hanoi-2019", "parameters": {"kappa": {"low": 0.5, "high": 4}}, "design": "lhs"},
        "design": "lhs",
        "scenario": "hanoi-2019",
        "parameters": ["parameters.kappa"],
    }
    if with_document:
        manifest["scenario_document"] = json.loads(load_scenario("hanoi-2019").model_dump_json())
    return manifest, runs


def test_sweep_metric_charts_are_captioned_with_labels() -> None:
    parts = report.sweep_charts(*sweep_of_hanoi(with_document=True))
    titles = [m["chart"].title for m in parts["metrics"]]
    assert titles == [
        "Final trust: Donald Trump → North Korea",
        "Final pressure: North Korea",
        "First summit (week)",
        "Pattern score: stall",
        "Pattern score (weighted)",
    ]
    assert [m["chart"].figure.layout.xaxis.title.text for m in parts["metrics"]] == titles
    # without the scenario the sides are a and b
    parts = report.sweep_charts(*sweep_of_hanoi(with_document=False))
    assert parts["metrics"][0]["chart"].title == "Final trust of side a's leader in side b"
    # a parameter's chart and the outcome's name in words
    assert parts["params"][0].title == "Outcome probabilities against credibility per unit of signal cost (kappa)"
    assert parts["params"][0].figure.layout.xaxis.title.text == "credibility per unit of signal cost (kappa)"


def test_sweep_report_names_metrics_and_the_outcome_in_words() -> None:
    page, _ = report.render_sweep_report(*sweep_of_hanoi(with_document=True))
    assert "Two-parameter maps of walk-away</h2>" in page
    assert "<tr><td>Final trust: Donald Trump → North Korea <span" not in page  # not a share
    assert "<tr><td>Final trust: Donald Trump → North Korea</td>" in page
    assert '<tr><td>Pattern score: stall <span class="muted">(share)</span></td>' in page
    assert "trust_a_to_b" not in page.split("<h2>", 1)[1].split('<pre class="spec">')[0]


def test_the_posterior_predictive_table_names_outcomes_in_words() -> None:
    runs = pd.DataFrame(
        {
            "arm": ["posterior"] * 3 + ["prior"] * 3,
            "outcome": ["walk_away", "walk_away", "agreement_interim", "stalemate", "walk_away", "stalemate"],
        }
    )
    ppc = Predictive(runs, {}, {}, {}, ["walk_away"], [], [], seed=0, unit=None, steps=10)
    page = predictive_html(ppc)
    assert "<tr><td>walk-away (record)</td><td>67% [21%, 94%] (2)</td>" in page
    assert "<tr><td>interim agreement</td>" in page and "<tr><td>stalemate</td>" in page
    table = page.split("<table>", 1)[1].split("</table>", 1)[0]
    assert "walk_away" not in table and "agreement_interim" not in table
