"""Scenario text is never rendered as HTML: a title and an actor name holding a <script> show as text (real Chromium)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from summitry.dashboard import ids
from summitry.dashboard.app import create_app
from summitry.sim.scenario.loading import BUILTIN_DIR
from tests.dashboard.browser.support import TIMEOUT, free_port, wait_for

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__xss=1</script>"


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return create_app(upload_dir=tmp_path / "uploads")


def test_script_in_title_and_actor_name_shows_as_text(dash_duo: Any, app: Any, tmp_path: Path) -> None:
    text = (BUILTIN_DIR / "teaching.yaml").read_text(encoding="utf-8")
    text = text.replace('title: "Teaching case: two rivals, one go-between"', f'title: "Teaching {SCRIPT} case"', 1)
    text = text.replace("name: President Ada", f'name: "President {SCRIPT} Ada"', 1)
    assert text.count(SCRIPT) == 2
    path = tmp_path / "xss.yaml"
    path.write_text(text, encoding="utf-8")
    dash_duo.start_server(app, port=free_port())
    driver = dash_duo.driver
    dash_duo.wait_for_contains_text(f"#{ids.TITLE}", "Singapore", timeout=TIMEOUT)
    driver.find_element(By.CSS_SELECTOR, f"#{ids.UPLOAD} input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text(f"#{ids.TITLE}", f"Teaching {SCRIPT} case", timeout=TIMEOUT)
    # the actor's name reaches the page too (the parameter groups and pick-lists), as text
    wait_for(lambda: f"President {SCRIPT} Ada" in driver.find_element(By.TAG_NAME, "body").get_attribute("textContent"))
    assert driver.execute_script("return typeof window.__xss") == "undefined"
    # no element was made of the scenario's text: the only scripts are the page's own
    assert driver.execute_script("return Array.from(document.scripts).filter(s => s.textContent.includes('__xss')).length") == 0
    assert dash_duo.get_logs() == []
