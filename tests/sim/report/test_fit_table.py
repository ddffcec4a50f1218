"""The reports' fit-to-history table, read off a sweep directory made by hand: its cells and its words."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from summitry.sim import report
from summitry.sim.scenario.document import load_scenario

NO_RUN = "us-walks"
"""The pattern that applies to none of the sweep's runs (its column is empty)."""


@pytest.fixture(scope="module")
def sweep_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The report of a 6-run sweep of hanoi-2019 made with ``patterns: true``, one of whose patterns applies to no run."""
    d = tmp_path_factory.mktemp("fit") / "sweep"
    (d / "runs").mkdir(parents=True)
    sc = load_scenario("hanoi-2019")
    n = 6
    rng = np.random.default_rng(0)
    columns: dict[str, pa.Array] = {
        "run_id": pa.array(np.arange(n), pa.int64()),
        "point": pa.array(np.arange(n), pa.int64()),
        "replicate": pa.array(np.zeros(n, dtype=int), pa.int32()),
        "seed": pa.array(np.arange(n), pa.int64()),
        "status": pa.array(["ok"] * n, pa.string()),
        "error": pa.array([""] * n, pa.string()),
        "outcome": pa.array(["walk_away", "stalemate"] * 3, pa.string()),
        "param.parameters.kappa": pa.array(np.linspace(0.5, 4, n), pa.float64()),
    }
    for p in sc.patterns:
        values = np.full(n, np.nan) if p.id == NO_RUN else rng.integers(0, 2, n).astype(float)
        columns[f"metric.pattern.{p.id}"] = pa.array(values, pa.float64())
    columns["metric.pattern_score"] = pa.array(rng.uniform(0.3, 0.7, n), pa.float64())
    pq.write_table(pa.table(columns), d / "runs" / "part-000000.parquet")
    spec = {"scenario": "hanoi-2019", "parameters": {"kappa": {"low": 0.5, "high": 4.0}}, "design": "lhs", "points": n, "patterns": True}
    manifest = {
        "spec": spec,
        "design": "lhs",
        "scenario": "hanoi-2019",
        "parameters": ["parameters.kappa"],
        "counts": {"total": n, "done": n, "failed": 0},
    }
    (d / "sweep.json").write_text(json.dumps(manifest))
    return report.write_sweep_report(d, d / "report.html").read_text(encoding="utf-8")


def fit_rows(page: str) -> dict[str, list[str]]:
    """The fit table's rows, by the pattern's text: each cell's text (tags removed, spaces single)."""
    table = page.split('id="backtest"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
        cells = [" ".join(html.unescape(re.sub("<[^>]+>", "", c)).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def text_of(sc_pattern_id: str) -> str:
    return next(p.text for p in load_scenario("hanoi-2019").patterns if p.id == sc_pattern_id)


def test_a_pattern_that_applies_to_no_run_shows_a_dash(sweep_page: str) -> None:
    rows = fit_rows(sweep_page)
    cells = rows[text_of(NO_RUN)]
    assert cells[1] == "—"  # the window, then the sweep's share: none, as the backtest table prints "-"
    assert "nan" not in " ".join(" ".join(c) for c in rows.values()).lower()
    # a pattern that applies to every run keeps its share and interval
    assert re.fullmatch(r"\d\.\d\d \[\d\.\d\d, \d\.\d\d\]", rows[text_of("second-summit")][1])


WINDOWS = {
    "second-summit": "34–38 ± 3",  # the window and its tolerance (the CLI printed 32-40, the window widened by it)
    "walk-away": "34–38 ± 3 if summit held",
    "no-icbm": "not 0–49",  # a restraint: no tolerance outside the window
    "flat-trust-us": "0–30",  # a state pattern: no tolerance
}


def test_the_report_shows_each_window_with_its_tolerance(sweep_page: str) -> None:
    rows = fit_rows(sweep_page)
    for pid, window in WINDOWS.items():
        (cells,) = [cells for text, cells in rows.items() if text.startswith(text_of(pid))]  # then "(must not happen)", a weight
        assert cells[0] == window, pid


def test_the_cli_table_shows_the_same_windows_and_a_single_week_as_a_week(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    import summitry.sim.cli as cli
    from summitry.sim.cli.shared import print_backtest_table
    from summitry.sim.experiments.backtest import pattern_def
    from summitry.sim.scenario.pattern_fields import Pattern

    sc = load_scenario("hanoi-2019")
    week6 = Pattern(id="week-6", text="A summit in week 6", kind="summit_held", window=(6, 6), tolerance=2)
    none = {"model": None, "null": None, "skill": None, "contribution": None, "headroom": None}
    summary = {
        "scenario": sc.name,
        "runs": 2,
        "patterns": [{**pattern_def(p, sc.time.steps), **none} for p in [*sc.patterns, week6]],
        "overall": {"model": None, "null": None, "skill": None},
        "baselines": {},
    }
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buffer, width=400, no_color=True))
    print_backtest_table(summary)
    lines = buffer.getvalue().splitlines()

    def row(pid: str) -> list[str]:
        (found,) = [line for line in lines if line.startswith(f"│ {pid} ")]
        return [c.strip() for c in found.split("│")[1:-1]]

    for pid, window in WINDOWS.items():
        assert row(pid)[2] == window, pid
    assert row("week-6")[2] == "week 6 ± 2"


def test_a_sweeps_fit_section_says_only_what_a_sweep_has(sweep_page: str) -> None:
    """A sweep has no null model: its section has no null, skill or part-of-skill columns, and its words do not explain them."""
    section = sweep_page.split("Fit to the historical record</h2>", 1)[1].split("</table>", 1)[0]
    words = " ".join(html.unescape(re.sub("<[^>]+>", "", section.split("<table", 1)[0])).split())
    assert words.startswith("Each pattern of the scenario's record, scored from 0 to 1:")
    assert (
        "The share is a pattern's mean score over the finished runs of the sweep it applies to, all design points pooled, "
        "with a conservative Wilson 95% interval (— where it applies to none). A sweep has no null model to compare with: "
        "summitry backtest scores one set of parameters against one, and gives the skill over chance."
    ) in words
    assert not re.search(r"[.;] [a-z]", words)  # every sentence starts with a capital
    assert "null columns" not in words and "part of the overall skill" not in words
    head = re.findall(r"<th(?: [^>]*)?>(.*?)</th>", section.split("</thead>", 1)[0])
    assert head == ["pattern", "weeks", "share of the sweep's runs"]
