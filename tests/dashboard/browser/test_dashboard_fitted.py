"""The "fitted" badge in a real headless Chromium (dash_duo): shown beside the title while the configuration is the
calibration's, linking to the calibration's report the server serves; gone once a fitted value is changed."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from selenium.webdriver.common.by import By

from summitry.dashboard import ids
from summitry.dashboard.app import create_app
from summitry.dashboard.cli import dashboard_url, fitted_of
from summitry.sim.experiments.provenance import provenance_block
from tests.dashboard.browser.support import free_port, wait_for

pytestmark = pytest.mark.browser
PARAMS = {"parameters.kappa": 3.5, "trump.traits.impulsiveness": 0.25}


def test_the_badge_shows_for_the_fitted_values_links_to_the_report_and_leaves_when_they_change(dash_duo: Any, tmp_path: Path) -> None:
    cal = tmp_path / "cal"
    cal.mkdir()
    doc = {"scenario": "hanoi-2019", "parameters": PARAMS, "calibration": provenance_block("rejection", ["hanoi-2019"], 4)}
    (cal / "calibrated.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (cal / "posterior.html").write_text("<html><body><h1>posterior of the test calibration</h1></body></html>")
    fitted = fitted_of(cal / "calibrated.yaml", "hanoi-2019", PARAMS, None)
    app = create_app(default_scenario="hanoi-2019", upload_dir=tmp_path / "uploads", warm=False, fitted=fitted)
    port = free_port()
    dash_duo.start_server(app, port=port)
    driver = dash_duo.driver
    # the address `summitry dashboard --params` prints
    url = dashboard_url("127.0.0.1", port, "hanoi-2019", PARAMS)
    driver.get(url)
    wait_for(lambda: "fitted" in driver.find_element(By.ID, ids.FITTED).text)
    badge = driver.find_element(By.ID, ids.FITTED)
    assert badge.is_displayed() and "calibration report" in badge.text
    assert "rejection ABC to hanoi-2019 (seed 4)" in badge.get_attribute("title")
    href = badge.find_element(By.TAG_NAME, "a").get_attribute("href")
    assert href == f"http://127.0.0.1:{port}/calibration-report"
    with urllib.request.urlopen(href) as r:
        assert b"posterior of the test calibration" in r.read()
    # the same scenario with a fitted value changed: no badge
    driver.get(url.replace("parameters.kappa=3.5", "parameters.kappa=2"))
    wait_for(lambda: "kappa=2" in driver.current_url and not driver.find_element(By.ID, ids.FITTED).is_displayed())
    wait_for(lambda: driver.find_element(By.ID, ids.TITLE).text not in ("", "…"))
    assert not driver.find_element(By.ID, ids.FITTED).is_displayed()
    assert dash_duo.get_logs() == []
