"""Scenario text is never rendered as HTML: a title and an actor name holding a <script> show as text; and a direction
control in a title or a name (U+202E, which reverses what follows it) stays inside it (real Chromium)."""

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


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: the text after it, to the end of its paragraph, is laid out reversed

# Whether ``word``, in the first text node under ``root`` that holds it, is laid out left to right: its letters from
# left to right on screen (null while no text node holds it)
READS_LEFT_TO_RIGHT = """
const root = arguments[0], word = arguments[1];
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(word);
    if (at < 0) { continue; }
    const range = document.createRange(), lefts = [];
    for (let k = 0; k < word.length; k++) {
        range.setStart(node, at + k);
        range.setEnd(node, at + k + 1);
        lefts.push(range.getBoundingClientRect().left);
    }
    return lefts.every(function (x, k) { return k === 0 || x > lefts[k - 1]; });
}
return null;
"""


def reads_left_to_right(driver: Any, element: Any, word: str) -> bool | None:
    return driver.execute_script(READS_LEFT_TO_RIGHT, element, word)  # type: ignore[no-any-return]


def test_a_direction_control_in_the_title_or_a_name_does_not_reverse_the_pages_words(dash_duo: Any, app: Any, tmp_path: Path) -> None:
    """The title, a side's name and a leader's name of an uploaded case end in U+202E: the page's words after each
    (the seed after the title, the count after the side's name, the week after the leader's name in the "why" card)
    read left to right. They were laid out reversed: "seed 0" showed as "0 dees"."""
    text = (BUILTIN_DIR / "teaching.yaml").read_text(encoding="utf-8")
    text = text.replace('title: "Teaching case: two rivals, one go-between"', f'title: "Teaching case {RLO}of two rivals"', 1)
    text = text.replace("    name: Alpha\n", f'    name: "Alpha {RLO}side"\n', 1)
    text = text.replace("name: President Ada", f'name: "President {RLO}Ada"', 1)
    assert text.count(RLO) == 3
    path = tmp_path / "rlo.yaml"
    path.write_text(text, encoding="utf-8")
    dash_duo.start_server(app, port=free_port())
    driver = dash_duo.driver
    dash_duo.wait_for_contains_text(f"#{ids.TITLE}", "Singapore", timeout=TIMEOUT)
    driver.find_element(By.CSS_SELECTOR, f"#{ids.UPLOAD} input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text(f"#{ids.TITLE}", f"Teaching case {RLO}of two rivals — seed 0", timeout=TIMEOUT)
    title = driver.find_element(By.ID, ids.TITLE)
    assert title.text.startswith("Teaching case")
    assert reads_left_to_right(driver, title, "seed") is True
    # the side's group in the parameter panel: its name, then the count of its parameters
    summary = wait_for(lambda: [e for e in driver.find_elements(By.CSS_SELECTOR, "details.group summary") if "Alpha" in e.text])[0]
    assert reads_left_to_right(driver, summary, "parameters") is True
    # the "why" card names the leader, then the week
    dash_duo.select_dcc_dropdown(f"#{ids.WHY_ACTOR}", value=f"President {RLO}Ada")
    note = driver.find_element(By.ID, ids.WHY_NOTE)
    wait_for(lambda: "expected utility" in note.text)
    assert reads_left_to_right(driver, note, "week") is True
    assert dash_duo.get_logs() == []
