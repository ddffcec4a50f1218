"""Run and sweep reports (issue 5): content, self-containment, escaping, browser, PDF, bad input."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from summitry.sim import report
from summitry.sim.labels import event_sentence
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.summary import outcome_sentence
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario

# ------------------------------------------------------------------ helpers


class ReportParser(HTMLParser):
    """Collects what the tests check: scripts, links, plot divs, narrative sentences, texts by id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.script_srcs: list[str] = []
        self.link_hrefs: list[str] = []
        self.inline_scripts: list[str] = []
        self.plot_divs: list[str] = []
        self.sentences: list[str] = []
        self.by_id: dict[str, str] = {}
        self.chart_errors = 0
        self.text: list[str] = []
        self._stack: list[tuple[str, str | None, str]] = []  # (tag, id, class)
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self._in_script = True
            if a.get("src"):
                self.script_srcs.append(a["src"] or "")
            self.inline_scripts.append("")
        if tag == "link" and a.get("href"):
            self.link_hrefs.append(a["href"] or "")
        cls = a.get("class") or ""
        if tag == "div" and "plotly-graph-div" in cls.split():
            self.plot_divs.append(a.get("id") or "")
        if "chart-error" in cls.split():
            self.chart_errors += 1
        if tag not in ("br", "meta", "link", "img", "hr", "input"):
            self._stack.append((tag, a.get("id"), cls))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        while self._stack:
            t, _, _ = self._stack.pop()
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_scripts[-1] += data
            return
        self.text.append(data)
        for _tag, ident, _cls in self._stack:
            if ident:
                self.by_id[ident] = self.by_id.get(ident, "") + data
        if self._stack and "sentence" in self._stack[-1][2].split():
            self.sentences.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def parse(path: Path) -> ReportParser:
    p = ReportParser()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def squash(s: str) -> str:
    return " ".join(s.split())


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # a run with a threat, a summit and a walk-away (seed 19 under the shipped defaults: its walk-away is in week 44)
    d = tmp_path_factory.mktemp("h10") / "run"
    run_scenario(load_scenario("hanoi-2019"), seed=19).save(d)
    return d


@pytest.fixture(scope="module")
def run_report(run_dir: Path) -> Path:
    return report.write_run_report(run_dir, run_dir / "report.html")


def make_sweep(d: Path, n: int = 40, failed: int = 7, sensitivity: bool = True) -> Path:
    """A sweep directory by hand (the sweeps contract): two Parquet parts, some failed runs."""
    rng = np.random.default_rng(3)
    d.mkdir(parents=True)
    (d / "runs").mkdir()
    kappa = rng.uniform(0.5, 4.0, n)
    imp = rng.choice([0.0, 0.5, 1.0], n)
    walk = rng.uniform(size=n) < kappa / 4
    outcome = np.where(walk, "walk_away", np.where(imp > 0.4, "declaration", "agreement_interim")).astype(object)
    status = np.array(["ok"] * n, dtype=object)
    status[:failed] = "failed"
    error = np.where(status == "failed", "Traceback ...\nValueError: the win-set is empty", "").astype(object)
    outcome[status == "failed"] = ""
    tension = rng.normal(0.3, 0.1, n)
    tension[status == "failed"] = np.nan
    walk_metric = np.where(status == "failed", np.nan, walk.astype(float))
    table = pa.table(
        {
            "run_id": pa.array(np.arange(n), pa.int64()),
            "point": pa.array(np.arange(n) // 2, pa.int64()),
            "replicate": pa.array(np.arange(n) % 2, pa.int32()),
            "seed": pa.array(rng.integers(0, 2**31, n), pa.int64()),
            "status": pa.array(list(status), pa.string()),
            "error": pa.array(list(error), pa.string()),
            "outcome": pa.array(list(outcome), pa.string()),
            "param.parameters.kappa": pa.array(kappa, pa.float64()),
            "param.trump.traits.impulsiveness": pa.array(imp, pa.float64()),
            "metric.walk_away": pa.array(walk_metric, pa.float64()),
            "metric.final_tension": pa.array(tension, pa.float64()),
            "metric.escalation_week": pa.array(np.full(n, np.nan), pa.float64()),
            "elapsed": pa.array(rng.uniform(0.01, 0.1, n), pa.float64()),
        }
    )
    half = n // 2
    pq.write_table(table.slice(0, half), d / "runs" / "part-000000.parquet")
    pq.write_table(table.slice(half), d / "runs" / "part-000001.parquet")
    manifest: dict[str, Any] = {
        "spec": {
            "scenario": "hanoi-2019",
            "parameters": {"kappa": {"low": 0.5, "high": 4.0}, "trump.traits.impulsiveness": {"levels": [0.0, 0.5, 1.0]}},
            "design": "lhs",
            "points": n // 2,
            "replicates": 2,
            "seed": 3,
            "metrics": ["walk_away", "final_tension", "escalation_week"],
        },
        "spec_hash": "ab" * 32,
        "versions": {"summitry": "0.1.0"},
        "started": "2026-01-01T00:00:00+00:00",
        "finished": "2026-01-01T00:01:00+00:00",
        "counts": {"total": n, "done": n, "failed": failed},
        "design": "lhs",
        "scenario": "hanoi-2019",
        "parameters": ["parameters.kappa", "trump.traits.impulsiveness"],
    }
    if sensitivity:
        manifest["sensitivity"] = {
            "walk_away": {
                "method": "sobol",
                "indices": {
                    "parameters.kappa": {"S1": 0.6, "S1_conf": 0.1, "ST": 0.7, "ST_conf": 0.1},
                    "trump.traits.impulsiveness": {"S1": 0.05, "S1_conf": 0.05, "ST": 0.1, "ST_conf": 0.05},
                },
            }
        }
    (d / "sweep.json").write_text(json.dumps(manifest, indent=2))
    return d


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("sweep") / "s1")


@pytest.fixture(scope="module")
def sweep_report(sweep_dir: Path) -> Path:
    return report.write_sweep_report(sweep_dir, sweep_dir / "report.html")


# ------------------------------------------------------------- run report


def test_run_report_has_outcome_every_significant_event_and_the_charts(run_dir: Path, run_report: Path) -> None:
    result = RunResult.load(run_dir)
    p = parse(run_report)
    assert squash(p.by_id["outcome-sentence"]) == squash(outcome_sentence(result))
    significant = report.significant_events(result)
    all_events = result.events.to_pylist()
    # the filter filters: something is left out (weekly lobbying) and something is kept
    assert 0 < len(significant) < len(all_events)
    # each in the log's words, or worded so that no verb agrees with a faction's or third party's name (labels.event_sentence)
    names = {a["id"]: a["name"] for a in result.manifest["actors"]}
    roles = {a["id"]: a["role"] for a in result.manifest["actors"]}
    assert Counter(squash(s) for s in p.sentences) == Counter(squash(event_sentence(r, names, roles)) for r in significant)
    assert "its influence is halved" not in run_report.read_text()  # the blamed faction's, whatever its name's number
    assert "summit_held" in {r["kind"] for r in significant}
    assert not any(r["kind"] == "lobby" and report.is_significant(r) for r in all_events)
    # charts: trust, pressure, stance, zone, issue space, trust matrix, >= 2 networks, history
    scripts = "".join(p.inline_scripts)
    n_plots = scripts.count("Plotly.newPlot(")
    assert p.chart_errors == 0
    assert len(p.plot_divs) == n_plots >= 9
    for cid in ("fig-trust", "fig-pressure", "fig-stance", "fig-zone", "fig-issues", "fig-trust-matrix", "fig-network-0", "fig-history"):
        assert cid in p.plot_divs
    # the event log appendix has every event
    log = re.search(r'<table class="log" id="event-log">(.*?)</table>', run_report.read_text(), re.S)
    assert log is not None and log.group(1).count("<tr>") == len(all_events) + 1


def test_run_report_is_self_contained(run_report: Path) -> None:
    p = parse(run_report)
    for ref in p.script_srcs + p.link_hrefs:
        assert not ref.lower().startswith(("http://", "https://", "//")), ref
    html = run_report.read_text()
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    from plotly.offline import get_plotlyjs

    assert html.count(get_plotlyjs()) == 1  # the whole bundled plotly.js, inlined exactly once
    assert len(re.findall(r"plotly\.js v\d", html)) == 1
    assert "cdn.plot.ly" not in html.split("Plotly.newPlot(")[1]  # figures do not load plotly from a CDN


def test_narrative_sentence_carries_the_effect(run_dir: Path) -> None:
    result = RunResult.load(run_dir)
    items = report.narrative(result)
    threat = next(i for i in items if i["kind"] == "threat")
    row = next(r for r in result.events.to_pylist() if r["kind"] == "threat")
    names = {a["id"]: a["name"] for a in result.manifest["actors"]}
    side = next(a["side"] for a in result.manifest["actors"] if a["id"] == row["sender"])
    side_name = result.manifest["sides"][side]["name"]
    verb = "falls" if row["trust_after"] < row["trust_before"] else "rises"
    expected = (
        f"the trust of {names[row['receiver']]} in the sender's side ({side_name}) {verb} from {row['trust_before']:.2f} to "
        f"{row['trust_after']:.2f}"
    )
    if abs(row["trust_after"] - row["trust_before"]) >= 0.005:
        assert threat["effect"].startswith(expected)
    else:  # a move too small to show in two decimals is not reported as one
        assert "trust of" not in threat["effect"]
        assert threat["effect"].startswith("stances shift by") or threat["effect"].startswith("pressure")
    assert threat["when"].startswith(f"Week {row['step']}, ")
    assert re.fullmatch(r"Week \d+, \d{1,2} [A-Z][a-z]+ \d{4}", threat["when"])


def test_historical_record_beside_the_run(run_dir: Path, run_report: Path) -> None:
    sc = load_scenario("hanoi-2019")
    p = parse(run_report)
    history = squash(p.by_id["history"])
    for entry in sc.record:
        assert squash(entry.text) in history
    assert "fig-history" in p.plot_divs


def test_overrides_are_listed_with_their_defaults(tmp_path: Path) -> None:
    sc = load_scenario("hanoi-2019", {"kappa": "3.5"})
    d = tmp_path / "run"
    run_scenario(sc, seed=1, overrides={"kappa": "3.5"}).save(d)
    out = report.write_run_report(d, tmp_path / "r.html")
    text = parse(out).all_text
    default = load_scenario("hanoi-2019").parameters.kappa
    assert f"parameters.kappa 3.5 {default:g}" in text  # value in this run, then the scenario's default
    assert "has changed since this run" not in text


def test_forced_events_quote_the_record(tmp_path: Path) -> None:
    d = tmp_path / "run"
    run_scenario(load_scenario("hanoi-2019"), seed=1, mode="forcing").save(d)
    items = report.narrative(RunResult.load(d))
    forced = [i for i in items if i["source"] == "forced"]
    assert forced and all(i["record"] for i in forced)


def test_hostile_title_is_escaped(run_dir: Path, tmp_path: Path) -> None:
    d = tmp_path / "evil"
    shutil.copytree(run_dir, d)
    (d / "report.html").unlink(missing_ok=True)
    m = json.loads((d / "run.json").read_text())
    m["title"] = "<script>alert(1)</script>"
    m["scenario"] = "evil-case"  # not built-in: the title comes from the manifest
    (d / "run.json").write_text(json.dumps(m))
    events = pq.read_table(d / "events.parquet").to_pylist()
    events[0]["text"] = "<img src=x onerror=alert(2)>"
    pq.write_table(pa.Table.from_pylist(events, schema=pq.read_schema(d / "events.parquet")), d / "events.parquet")
    out = report.write_run_report(d, tmp_path / "evil.html")
    html = out.read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    p = parse(out)
    assert "<script>alert(1)</script>" in p.all_text  # shown, as text
    assert not any("<script>alert" in s for s in p.inline_scripts)


# ----------------------------------------------------------- sweep report


def test_sweep_report_with_failed_runs(sweep_report: Path) -> None:
    p = parse(sweep_report)
    text = p.all_text
    assert squash(p.by_id["failed-count"]) == "7 failed"
    assert "7 of 40 runs failed" in text
    assert "ValueError: the win-set is empty" in text
    assert "33 of 40 stored runs finished" in text
    scripts = "".join(p.inline_scripts)
    # outcome shares, 2 parameters, 1 pair heatmap, 1 sensitivity chart, 2 metric histograms (escalation_week is empty)
    assert p.chart_errors == 0
    assert len(p.plot_divs) == scripts.count("Plotly.newPlot(") == 1 + 2 + 1 + 1 + 2
    assert "fig-heat-0" in p.plot_divs and "fig-sens-0" in p.plot_divs
    assert "no value" in text  # the metric that is undefined everywhere says so
    for ref in p.script_srcs + p.link_hrefs:
        assert not ref.lower().startswith(("http://", "https://", "//"))


def test_sweep_outcome_probabilities_match_a_direct_count(sweep_dir: Path) -> None:
    import summitry.sim.figures.sweeps as sf
    from summitry.sim.analysis.sweeps import load_runs
    from summitry.sim.stats import wilson

    runs = load_runs(sweep_dir)
    table = sf.outcome_probability_table(runs, "param.trump.traits.impulsiveness")
    ok = runs[runs["status"] == "ok"]
    for level in (0.0, 0.5, 1.0):
        sub = ok[ok["param.trump.traits.impulsiveness"] == level]
        k = int((sub["outcome"] == "walk_away").sum())
        row = table[(table["x"] == level) & (table["outcome"] == "walk_away")].iloc[0]
        p, lo, hi = wilson(k, len(sub))
        assert (row["k"], row["n"]) == (k, len(sub))
        assert row["p"] == pytest.approx(p) and row["lo"] == pytest.approx(lo) and row["hi"] == pytest.approx(hi)
    assert sf.rank_parameters(
        runs, "walk_away", {"walk_away": json.loads((sweep_dir / "sweep.json").read_text())["sensitivity"]["walk_away"]}
    )[0] == ("param.parameters.kappa")


# -------------------------------------------------------------- bad input


def test_cli_writes_a_report(cli: Any, run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    r = cli("report", str(run_dir), "-o", str(out))
    assert r.code == 0, r.stderr
    assert out.exists() and out.stat().st_size > 1_000_000


def test_run_with_report_flag(cli: Any, tmp_path: Path) -> None:
    r = cli("run", "teaching", "--seed", "2", "--out", str(tmp_path / "t"), "--report", "-q")
    assert r.code == 0, r.stderr
    p = parse(tmp_path / "t" / "report.html")
    assert p.chart_errors == 0 and len(p.plot_divs) >= 8


def test_not_a_run_or_sweep_dir(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    r = cli("report", str(tmp_path / "empty"))
    assert r.code == 2
    assert "not a run directory (no run.json), a sweep directory (no sweep.json) or a backtest directory" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli("report", str(tmp_path / "nowhere"))
    assert r.code == 2 and "no such directory" in r.stderr
    (tmp_path / "file.txt").write_text("x")
    r = cli("report", str(tmp_path / "file.txt"))
    assert r.code == 2 and "not a directory" in r.stderr


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("no-series", "missing series"),
        ("corrupt-run-json", "run.json: cannot read"),
        ("corrupt-series", "cannot read the event log or series"),
        ("manifest-without-outcome", "missing field outcome"),
    ],
)
def test_damaged_run_dir(cli: Any, run_dir: Path, tmp_path: Path, damage: str, message: str) -> None:
    d = tmp_path / "run"
    shutil.copytree(run_dir, d)
    if damage == "no-series":
        (d / "series.parquet").unlink()
    elif damage == "corrupt-run-json":
        (d / "run.json").write_text('{"scenario": "hanoi-2019", "seed": ')
    elif damage == "corrupt-series":
        (d / "series.parquet").write_bytes(b"PAR1 this is not parquet")
    else:
        m = json.loads((d / "run.json").read_text())
        del m["outcome"]
        (d / "run.json").write_text(json.dumps(m))
    r = cli("report", str(d), "-o", str(tmp_path / "r.html"))
    assert r.code == 2, r.stderr
    assert message in squash(r.stderr) and "Traceback" not in r.stderr
    assert not (tmp_path / "r.html").exists()


def test_damaged_sweep_dir(cli: Any, tmp_path: Path) -> None:
    d = make_sweep(tmp_path / "s")
    (d / "sweep.json").write_text("{not json")
    r = cli("report", str(d))
    assert r.code == 2 and "sweep.json: cannot read" in squash(r.stderr)
    d2 = make_sweep(tmp_path / "s2")
    for part in (d2 / "runs").glob("*.parquet"):
        part.unlink()
    r = cli("report", str(d2))
    assert r.code == 2 and "no runs stored" in squash(r.stderr)


def test_pdf_without_chromium_is_a_clear_input_error(cli: Any, run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("SUMMITRY_CHROMIUM", raising=False)
    out = tmp_path / "r.html"
    r = cli("report", str(run_dir), "-o", str(out), "--pdf")
    assert r.code == 2
    assert "no Chromium found" in squash(r.stderr)
    assert not out.exists() and not out.with_suffix(".pdf").exists()


# ------------------------------------------------------ browser and PDF


def _driver() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    from tests.dashboard.browser.support import CHROME_ARGS

    # make test installs chromium and chromium-driver: a missing one is a failure, not a skip
    assert shutil.which("chromedriver") or Path("/usr/bin/chromedriver").exists(), "chromedriver not installed (make browser-deps)"
    opts = Options()
    for arg in (*CHROME_ARGS, "--window-size=1000,1400"):
        opts.add_argument(arg)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium:
        opts.binary_location = chromium
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver), options=opts)


def _not_blank(png: bytes) -> float:
    """Standard deviation of the grey levels: a blank page is ~0."""
    import io

    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return float(pixels.std())


PLOT_STATE = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => ({
  id: g.id,
  traces: (g.data || []).length,
  points: (g._fullData || []).reduce((n, t) => n + (t._length || (t.z && t.z.length) || 0), 0),
  svg: g.querySelectorAll('svg.main-svg').length,
  drawn: g.querySelectorAll('.plot path, .plot .point, .plot image, .heatmaplayer image, .cartesianlayer path').length,
}));
"""


@pytest.mark.browser
def test_reports_render_in_chromium(run_report: Path, sweep_report: Path) -> None:
    driver = _driver()
    try:
        for page in (run_report, sweep_report):
            expected = len(parse(page).plot_divs)
            driver.get(page.resolve().as_uri())
            plots = driver.execute_script(PLOT_STATE)
            assert len(plots) == expected > 0
            for plot in plots:
                assert plot["traces"] > 0 and plot["points"] > 0 and plot["svg"] > 0 and plot["drawn"] > 0, plot
            severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
            assert severe == [], severe
            assert _not_blank(driver.get_screenshot_as_png()) > 15.0
    finally:
        driver.quit()


@pytest.mark.browser
def test_pdf_has_pages_and_a_rendered_first_page(run_report: Path, tmp_path: Path) -> None:
    report.find_chromium()  # make test installs chromium and poppler-utils: missing ones fail here
    assert shutil.which("pdftoppm"), "pdftoppm not installed (make browser-deps installs poppler-utils)"
    pdf = report.write_pdf(run_report, tmp_path / "report.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages > 1
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    (first,) = tmp_path.glob("page*.png")
    assert _not_blank(first.read_bytes()) > 15.0


@pytest.mark.browser
def test_chart_export_png_through_kaleido(run_dir: Path, tmp_path: Path) -> None:
    result = report.load_run(run_dir)
    charts = [c for c in report.run_charts(result) if c.id in ("fig-trust", "fig-zone")]
    paths = report.export_figures({c.id: c.figure for c in charts}, tmp_path, "png")  # kaleido is a dependency
    assert [p.name for p in paths] == ["fig-trust.png", "fig-zone.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert _not_blank(p.read_bytes()) > 5.0


def test_run_report_has_a_backtest_section_scoring_each_pattern(tmp_path: Path) -> None:
    """Issue: backtest — the run report shows each historical pattern and whether this run reproduces it."""
    from summitry.sim.analysis.patterns import score_run
    from summitry.sim.report import write_run_report
    from summitry.sim.results.run_result import RunResult
    from summitry.sim.run import run_scenario
    from summitry.sim.scenario.document import load_scenario

    sc = load_scenario("hanoi-2019")
    result = run_scenario(sc, seed=7)
    result.save(tmp_path / "run")
    html = write_run_report(tmp_path / "run", tmp_path / "r.html").read_text()
    assert 'id="backtest"' in html
    section = html[html.index('id="backtest"') :]
    scores = score_run(RunResult.load(tmp_path / "run"), sc)
    for pattern in sc.patterns:
        assert pattern.text.replace("'", "&#39;") in section
    # one "this run" cell per pattern: its score to two decimals, or a dash where the pattern does not apply
    import math
    import re

    cells = re.findall(r'<td class="num this-run">([^<]*)</td>', section)
    expected = ["—" if math.isnan(v) else f"{v:.2f}" for v in scores.values()]
    assert cells == expected


def test_report_of_a_backtest_example_shows_graded_scores_and_the_baselines(tmp_path: Path) -> None:
    """The run report of a backtest's example run reads backtest.json: pattern scores, null, and one row per baseline."""
    import json

    from summitry.sim.experiments.backtest import backtest, baseline_names
    from summitry.sim.report import write_run_report
    from summitry.sim.scenario.document import load_scenario

    res = backtest(load_scenario("hanoi-2019"), runs=6, seed=1, refine=1, pilot_runs=6)
    res.save(tmp_path / "bt")
    saved = json.loads((tmp_path / "bt" / "backtest.json").read_text())
    html = write_run_report(tmp_path / "bt" / "example-run", tmp_path / "r.html").read_text()
    assert 'id="backtest"' in html and 'id="baselines"' in html
    table = html[html.index('id="baselines"') :]
    for name in baseline_names():
        assert f"<tr><td>{name} " in table
        skill = saved["baselines"][name]["skill"]["value"]
        assert f"{skill:+.2f}" in table
    section = html[html.index('id="backtest"') : html.index("</table>", html.index('id="baselines"'))]
    assert "nan" not in section.lower()  # patterns that apply to no run show a dash
    # each pattern's part of the overall skill and what matching it would add, as backtest.json holds them
    assert "part of the overall skill" in section and "if matched" in section
    rows = section[: section.index("</table>")].split("<tr><td>")[1:]  # one row per pattern, in the file's order
    assert len(rows) == len(saved["patterns"])
    for p, row in zip(saved["patterns"], rows, strict=True):
        assert f"{p['contribution']['value']:+.3f}" in row and f"{p['headroom']:+.3f}" in row


# ------------------------------------------------------ Kaplan–Meier section


def test_sweep_report_has_kaplan_meier_curves_with_hand_computed_values(tmp_path: Path) -> None:
    """Six finished runs (events at weeks 2, 3, 3; censored at 4, 5, 6) and one failed run, which is left out."""
    d = make_sweep(tmp_path / "km", n=8, failed=1, sensitivity=False)
    parts = sorted((d / "runs").glob("*.parquet"))
    table = pa.concat_tables([pq.read_table(p) for p in parts])
    nan = float("nan")
    extra = {
        # run 0 failed; run 7 also finished and is censored at the horizon, 6
        "metric.time_to_agreement": [nan, 2, 3, 3, 4, 5, 6, 6],
        "metric.agreement": [nan, 1, 1, 1, 0, 0, 0, 0],
        # pledges in runs 1, 2, 4, 5, 6: breached after 1 and 2 weeks, held to the end after 4, 2 and 3; runs 3 and 7 never pledged
        "metric.moratorium_survival": [nan, 1, 4, nan, 2, 2, 3, nan],
        "metric.moratorium_censored": [nan, 0, 1, nan, 0, 1, 1, nan],
    }
    for name, values in extra.items():
        table = table.append_column(name, pa.array(values, pa.float64()))
    for p in parts:
        p.unlink()
    pq.write_table(table, d / "runs" / "part-000000.parquet")
    out = report.write_sweep_report(d, d / "report.html")
    p = parse(out)
    assert p.chart_errors == 0
    assert "fig-km-agreement" in p.plot_divs and "fig-km-moratorium" in p.plot_divs
    page = out.read_text(encoding="utf-8")
    # agreement, 7 runs (durations 2, 3, 3, 4, 5, 6, 6): S = 6/7 after week 2, 6/7 · (1 − 2/6) = 4/7 after week 3;
    # at risk 7 at weeks 0-2, 6 at 3, 4 at 4, 3 at 5, 2 at 6; rows at the risk weeks 0, 1.2, 2.4, 3.6, 4.8, 6 rounded: 0, 1, 2, 4, 5, 6
    lo2, hi2 = _loglog(6 / 7, 1 / (7 * 6))
    lo3, hi3 = _loglog(4 / 7, 1 / (7 * 6) + 2 / (6 * 4))
    assert _km_rows(page, "agreement") == [
        ["0", "7", "1.000", "1.000 – 1.000"],
        ["1", "7", "1.000", "1.000 – 1.000"],
        ["2", "7", "0.857", f"{lo2:.3f} – {hi2:.3f}"],
        ["4", "4", "0.571", f"{lo3:.3f} – {hi3:.3f}"],
        ["5", "3", "0.571", f"{lo3:.3f} – {hi3:.3f}"],
        ["6", "2", "0.571", f"{lo3:.3f} – {hi3:.3f}"],
    ]
    assert "7 runs, 3 with the event; median not reached" in p.all_text
    # moratorium, 5 pledges (1 and 2 breached; 2, 3, 4 held): S = 4/5 after week 1, 4/5 · (1 − 1/4) = 3/5 after week 2;
    # risk weeks 0, 0.8, 1.6, 2.4, 3.2, 4 rounded: 0, 1, 2, 3, 4
    rows = _km_rows(page, "moratorium")
    assert [r[:3] for r in rows] == [
        ["0", "5", "1.000"],
        ["1", "5", "0.800"],
        ["2", "4", "0.600"],
        ["3", "2", "0.600"],
        ["4", "1", "0.600"],
    ]
    assert "5 runs, 2 with the event; median not reached" in p.all_text  # S stays at 0.6


def _km_rows(page: str, key: str) -> list[list[str]]:
    """The body cells of a report's Kaplan–Meier table, as text."""
    body = page.split(f'id="km-{key}-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [squash(re.sub("<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _loglog(s: float, greenwood: float) -> tuple[float, float]:
    se = math.sqrt(greenwood) / abs(math.log(s))
    return s ** math.exp(1.959963984540054 * se), s ** math.exp(-1.959963984540054 * se)


def test_run_report_of_an_ensemble_member_has_the_ensembles_kaplan_meier_curves(tmp_path: Path) -> None:
    """A backtest's example run: the report reads the model ensemble's saved durations (runs.parquet beside it), not the run."""
    import pandas as pd

    bt = tmp_path / "bt"
    run_scenario(load_scenario("teaching"), seed=0, steps=4).save(bt / "example-run")
    (bt / "backtest.json").write_text(json.dumps({"scenario": "not-this-one"}))  # no pattern section for this run
    nan = float("nan")
    pd.DataFrame(
        {
            "model": ["model"] * 6 + ["null"] * 2,
            "seed": range(8),
            # model runs: events at 2, 3, 3, censored at 4, 5, 6; the null model's runs are left out
            "time_to_agreement": [2, 3, 3, 4, 5, 6, 1, 1],
            "agreement_censored": [0, 0, 0, 1, 1, 1, 0, 0],
            "moratorium_survival": [nan, nan, 3, nan, nan, 5, 1, 1],
            "moratorium_censored": [nan, nan, 0, nan, nan, 1, 0, 0],
        }
    ).to_parquet(bt / "runs.parquet", index=False)
    out = report.write_run_report(bt / "example-run", tmp_path / "r.html")
    page = out.read_text(encoding="utf-8")
    assert 'id="ensemble-survival"' in page and parse(out).chart_errors == 0
    # S = 1, 5/6, 1/2 at weeks 0, 2, 3 (risk weeks 0, 1, 2, 4, 5, 6)
    assert [r[:3] for r in _km_rows(page, "agreement")] == [
        ["0", "6", "1.000"],
        ["1", "6", "1.000"],
        ["2", "6", "0.833"],
        ["4", "3", "0.500"],
        ["5", "2", "0.500"],
        ["6", "1", "0.500"],
    ]
    assert "6 runs, 3 with the event; median week 3" in parse(out).all_text
    # two pledges: a test after 3 weeks (S = 1/2), the other held for 5
    assert [r[:3] for r in _km_rows(page, "moratorium")][:2] == [["0", "2", "1.000"], ["1", "2", "1.000"]]
    assert ["3", "2", "0.500"] in [r[:3] for r in _km_rows(page, "moratorium")]
    # a run report of a run on its own has no such section
    run_scenario(load_scenario("teaching"), seed=0, steps=4).save(tmp_path / "alone")
    assert 'id="ensemble-survival"' not in report.write_run_report(tmp_path / "alone", tmp_path / "a.html").read_text()


def test_ensemble_rows_keep_each_runs_durations() -> None:
    from summitry.sim.experiments.backtest import EnsembleTask, run_ensemble_task

    sc = load_scenario("teaching")
    _, rows, _ = run_ensemble_task(EnsembleTask(0, sc.model_dump_json(), (6, 7)))
    for row in rows:
        m = run_scenario(sc, seed=row["seed"]).manifest["metrics"]
        assert row["time_to_agreement"] == m["time_to_agreement"] and row["agreement_censored"] == float(m["agreement_censored"])
        if m["moratorium_survival"] is None:
            assert math.isnan(row["moratorium_survival"]) and math.isnan(row["moratorium_censored"])
        else:
            assert (row["moratorium_survival"], row["moratorium_censored"]) == (m["moratorium_survival"], float(m["moratorium_censored"]))
