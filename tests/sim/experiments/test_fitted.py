"""The "fitted" badge: a calibration's parameter files say where their values come from, and a run, its report and the
dashboard opened with such a file show "fitted" with a link to the calibration's report (sim/experiments/provenance.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from summitry.sim.experiments.provenance import provenance_block, read_provenance, run_provenance

PARAMS = {"parameters.kappa": 3.5, "trump.traits.impulsiveness": 0.25}


def calibration_dir(root: Path, block: Any = "default") -> Path:
    """A calibration's directory as `summitry calibrate` leaves it: calibrated.yaml beside posterior.html."""
    root.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"scenario": "hanoi-2019", "description": "by hand", "parameters": PARAMS}
    if block is not None:
        doc["calibration"] = provenance_block("smc", ["hanoi-2019"], 7) if block == "default" else block
    (root / "calibrated.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (root / "posterior.html").write_text("<html><body>the calibration's own report</body></html>")
    return root / "calibrated.yaml"


def test_the_block_resolves_its_report_beside_the_file_and_names_what_set_changed(tmp_path: Path) -> None:
    params = calibration_dir(tmp_path / "cal")
    prov = read_provenance(params)
    assert isinstance(prov, dict) and prov["report_exists"] is True  # the block was read, and its report found beside the file
    assert prov["report"] == str((tmp_path / "cal" / "posterior.html").resolve()) and prov["report_exists"]
    assert (prov["method"], prov["scenarios"], prov["seed"], prov["parameters"]) == ("smc", ["hanoi-2019"], 7, PARAMS)
    # --set names parameters by their short path too; only the fitted ones count as changed
    assert run_provenance(params, {"kappa": "2", "parameters.eta": "1"})["changed"] == ["parameters.kappa"]  # type: ignore[index]
    assert run_provenance(params, {})["changed"] == []  # type: ignore[index]
    assert read_provenance(calibration_dir(tmp_path / "plain", block=None)) is None
    assert run_provenance(None) is None


def test_a_run_with_a_calibrations_file_records_it_and_its_report_shows_the_badge(tmp_path: Path, cli) -> None:
    params = calibration_dir(tmp_path / "cal")
    run = tmp_path / "run"
    r = cli("run", "hanoi-2019", "--params", str(params), "--set", "kappa=2", "--out", str(run), "--report", "-q")
    assert r.code == 0, r.stderr
    prov = json.loads((run / "run.json").read_text())["calibration"]
    assert prov["changed"] == ["parameters.kappa"] and prov["params_file"] == str(params.resolve())
    page = (run / "report.html").read_text()
    assert 'class="fitted-badge"' in page
    assert '<a href="../cal/posterior.html">' in page  # relative to the report, so the pair can be moved together
    assert "changed since by --set: parameters.kappa" in page and "ABC-SMC" in page
    # a parameter file that does not come from a calibration: no badge
    plain = calibration_dir(tmp_path / "plain", block=None)
    r = cli("run", "hanoi-2019", "--params", str(plain), "--out", str(tmp_path / "run2"), "--report", "-q")
    assert r.code == 0, r.stderr
    assert "calibration" not in json.loads((tmp_path / "run2" / "run.json").read_text())
    assert "fitted-badge" not in (tmp_path / "run2" / "report.html").read_text().split("</style>")[-1]


def test_a_backtest_with_a_calibrations_file_reports_fitted_and_links_from_where_the_page_is(tmp_path: Path, cli) -> None:
    params = calibration_dir(tmp_path / "cal")
    bt = tmp_path / "bt"
    r = cli("backtest", "hanoi-2019", "--params", str(params), "--runs", "4", "--workers", "1", "--out", str(bt))
    assert r.code == 0, r.stderr
    assert json.loads((bt / "example-run" / "run.json").read_text())["calibration"]["report"] == str(
        (tmp_path / "cal" / "posterior.html").resolve()
    )
    (tmp_path / "pages").mkdir()
    r = cli("report", str(bt), "--output", str(tmp_path / "pages" / "bt.html"))
    assert r.code == 0, r.stderr
    page = (tmp_path / "pages" / "bt.html").read_text()
    assert 'class="fitted-badge"' in page and '<a href="../cal/posterior.html">' in page  # relative to the page, not the run


def test_a_malformed_block_is_refused_with_its_line(tmp_path: Path, cli) -> None:
    params = calibration_dir(tmp_path / "cal", block=3)
    r = cli("run", "hanoi-2019", "--params", str(params), "-q")
    assert r.code == 2
    line = next(i for i, t in enumerate(params.read_text().splitlines(), 1) if t.startswith("calibration"))
    assert f"{params}:{line}: calibration: must be a mapping" in r.stderr


@pytest.mark.parametrize(
    "block", [{"scenarios": 5}, {"report": "a\x00b"}, {"report": "x" * 300}, {"seed": [7]}], ids=["scenarios", "nul", "long", "seed"]
)
def test_a_block_of_the_wrong_shape_is_no_block_to_the_reader_and_exit_2_to_the_commands(
    tmp_path: Path, cli, block: Any, served: dict[str, Any]
) -> None:
    """read_provenance reads the file as --params does: a bad block is reported by the command that reads the file
    first, and the reader never raises (it was a TypeError, a ValueError of a NUL, an OSError of a name too long)."""
    params = calibration_dir(tmp_path / "cal", block=block)
    assert read_provenance(params) is None and run_provenance(params) is None
    line = next(i for i, t in enumerate(params.read_text().splitlines(), 1) if t.startswith("calibration"))
    r = cli("dashboard", "--params", str(params))
    assert r.code == 2, r.stderr
    assert "app" not in served  # refused before any server was made
    assert f"{params}:" in r.stderr and ": calibration." in r.stderr and "Traceback" not in r.stdout + r.stderr
    assert int(r.stderr.split(f"{params}:", 1)[1].split(":", 1)[0]) >= line


def test_a_report_that_cannot_be_looked_up_is_a_missing_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report path the system refuses once joined to the file's folder (ENAMETOOLONG) shows the badge without a link."""
    import errno

    params = calibration_dir(tmp_path / "cal", block=provenance_block("smc", ["hanoi-2019"], 7, report="deep/posterior.html"))

    def too_long(self: Path) -> bool:
        raise OSError(errno.ENAMETOOLONG, "File name too long", str(self))

    monkeypatch.setattr(Path, "is_file", too_long)
    prov = read_provenance(params)
    assert prov is not None and prov["report_exists"] is False
    assert prov["report"] == str(tmp_path / "cal" / "deep" / "posterior.html")


# ------------------------------------------------------------------ dashboard


@pytest.fixture
def fitted(tmp_path: Path) -> dict[str, Any]:
    from summitry.dashboard.cli import fitted_of

    params = calibration_dir(tmp_path / "cal")
    got = fitted_of(params, "hanoi-2019", PARAMS, None)
    assert isinstance(got, dict) and got["scenario"] == "hanoi-2019" and got["overrides"] == PARAMS
    return got


def test_the_dashboard_badge_follows_the_configuration(fitted: dict[str, Any], tmp_path: Path) -> None:
    from summitry.dashboard.callbacks.fitted import HIDDEN, fitted_badge
    from summitry.dashboard.service import Service

    assert fitted["overrides"] == PARAMS and fitted["scenario"] == "hanoi-2019"
    service = Service("hanoi-2019", upload_dir=tmp_path / "up")
    config = {"scenario": "hanoi-2019", "seed": 3, "mode": None, "overrides": dict(PARAMS)}
    assert fitted_badge(service, config)[1] == HIDDEN  # a server opened without --params shows none
    service.fitted = fitted
    children, style, title = fitted_badge(service, config)
    assert style != HIDDEN and children[0].children == "fitted" and children[1].href == "/calibration-report"
    assert "ABC-SMC" in title and "hanoi-2019" in title
    extra = {**config, "overrides": {**PARAMS, "parameters.eta": 1.0}}
    assert fitted_badge(service, extra)[0][2].children == " and 1 other change"
    for other in (
        {**config, "overrides": {**PARAMS, "parameters.kappa": 3.6}},  # a fitted value moved
        {**config, "overrides": {"parameters.kappa": 3.5}},  # one fitted value back at its default
        {**config, "scenario": "singapore-2018"},
    ):
        assert fitted_badge(service, other)[1] == HIDDEN, other


def test_the_dashboard_serves_the_calibration_report_and_nothing_else(fitted: dict[str, Any], tmp_path: Path) -> None:
    from summitry.dashboard.app import create_app

    app = create_app(default_scenario="hanoi-2019", upload_dir=tmp_path / "up", warm=False, fitted=fitted)
    client = app.server.test_client()
    r = client.get("/calibration-report", headers={"Host": "127.0.0.1"})
    assert r.status_code == 200 and b"the calibration's own report" in r.data
    for path in ("/calibration-report/../calibrated.yaml", "/calibration-report/calibrated.yaml", "/calibration-report?f=calibrated.yaml"):
        assert b"impulsiveness" not in client.get(path, headers={"Host": "127.0.0.1"}).data, path  # the one file, no other
    bare = create_app(default_scenario="hanoi-2019", upload_dir=tmp_path / "up2", warm=False)
    assert bare.server.test_client().get("/calibration-report", headers={"Host": "127.0.0.1"}).status_code == 404
