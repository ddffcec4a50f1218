"""The dashboard explains itself, in a real headless Chromium at 1024×768 (dash_duo).

The about panel and the legend, axis titles on every chart, no raw identifiers
on the page, a layout without sideways scrolling, fork presets that say when
they cannot change the run, an upload that opens at week 0, and the CSP in
force. Each test ends with an empty browser console. Two tests save the
screenshots in docs/ (the about panel, the legend at 1024×768).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from summitry.dashboard import ids
from summitry.dashboard.about import MECHANISMS, odd_link
from summitry.dashboard.app import create_app
from tests.dashboard.browser.support import TIMEOUT, free_port, wait_for

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[3] / "docs"
RAW_IDS = ("WALK_AWAY", "walk_away", "agreement_interim", "summit_held", "trust_decl", "both: zone")


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return create_app(upload_dir=tmp_path / "uploads")


def start(dash_duo: Any, app: Any, query: str = "") -> Any:
    dash_duo.start_server(app, port=free_port())
    driver = dash_duo.driver
    driver.set_window_size(1024, 768)
    driver.get(dash_duo.server_url + "/" + query)
    wait_for(
        lambda: driver.execute_script("var g = document.querySelector('#trust-graph .js-plotly-plot'); return g && g.data && g.data.length")
    )
    wait_for(lambda: "week" in driver.find_element(By.ID, ids.STEP_LABEL).text)
    return driver


def viewport(driver: Any) -> tuple[int, int]:
    return driver.execute_script("return [window.innerWidth, window.innerHeight];")


def test_at_1024x768_nothing_scrolls_sideways_and_the_week_label_is_whole(dash_duo: Any, app: Any) -> None:
    driver = start(dash_duo, app, "?scenario=hanoi-2019&seed=0&step=0")
    width, _ = viewport(driver)
    assert width <= 1024
    overflow = driver.execute_script(
        "var m = document.querySelector('.main'); var d = document.documentElement;"
        "return [m.scrollWidth - m.clientWidth, d.scrollWidth - d.clientWidth];"
    )
    assert overflow == [0, 0], overflow
    label = driver.find_element(By.ID, ids.STEP_LABEL)
    assert label.text.startswith("week 0 of 22 · ")  # seed 0 ends in an agreement in week 22 under the shipped defaults
    fits = driver.execute_script(
        "var e = arguments[0], r = e.getBoundingClientRect();"
        "return e.scrollWidth <= e.clientWidth + 1 && r.right <= window.innerWidth && r.left >= 0;",
        label,
    )
    assert fits, "the week label is cut"
    # the legend of signal kinds sits under the network, on screen
    legend = driver.find_element(By.ID, "signal-legend")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", legend)
    text = legend.text
    for cls in ("conciliatory", "hostile", "neutral"):
        assert cls in text
    colours = driver.execute_script(
        "return Array.from(document.querySelectorAll('#signal-legend li .swatch')).map(s => getComputedStyle(s).backgroundColor);"
    )
    assert colours[:3] == ["rgb(27, 158, 119)", "rgb(217, 95, 2)", "rgb(102, 102, 102)"]  # the arrows' colours
    if os.environ.get("SUMMITRY_SCREENSHOTS"):
        driver.execute_script("document.querySelector('.main').scrollTop = 0;")
        driver.save_screenshot(str(DOCS / "dashboard-legend-1024.png"))
    assert dash_duo.get_logs() == []


def test_every_chart_has_axis_titles_and_the_faded_future_says_so(dash_duo: Any, app: Any) -> None:
    driver = start(dash_duo, app, "?scenario=hanoi-2019&seed=0&step=5")
    titles = driver.execute_script(
        "var out = {}; ['trust-graph', 'pressure-graph', 'zone-graph', 'stance-graph', 'issue-graph', 'trust-heatmap'].forEach(function (id) {"
        " var g = document.querySelector('#' + id + ' .js-plotly-plot'); var l = g && g._fullLayout;"
        " out[id] = l ? [l.xaxis.title && l.xaxis.title.text, l.yaxis.title && l.yaxis.title.text,"
        "   g.data.map(function (t) { return t.name; })] : null; }); return out;"
    )
    for graph in ("trust-graph", "pressure-graph", "zone-graph", "stance-graph"):
        x, y, names = titles[graph]
        assert x and x.startswith("week"), (graph, x)
        assert y, graph
        assert "faded: weeks not yet reached" in names, (graph, names)
    for graph in ("issue-graph", "trust-heatmap"):
        x, y, _ = titles[graph]
        assert x and y, (graph, x, y)
    assert "both accept: zone of agreement" in titles["issue-graph"][2]
    assert dash_duo.get_logs() == []


def test_no_raw_identifiers_reach_the_page_and_the_mode_is_worded_alike(dash_duo: Any, app: Any) -> None:
    driver = start(dash_duo, app, "?scenario=hanoi-2019&seed=19&step=0")  # ends in a walk-away (week 44) under the shipped defaults
    driver.find_element(By.ID, ids.END).click()
    wait_for(lambda: "walk-away" in driver.find_element(By.ID, ids.OUTCOME).text)
    # the model's parameters, opened in the sidebar
    driver.find_element(By.CSS_SELECTOR, "details.group summary").click()
    wait_for(lambda: "trust needed for a declaration" in driver.find_element(By.ID, ids.PARAM_PANEL).text)
    page = driver.find_element(By.TAG_NAME, "body").text
    for raw in RAW_IDS:
        assert raw not in page, raw
    assert "free mode" in driver.find_element(By.ID, ids.TITLE).text
    assert "as the scenario says (free)" in driver.find_element(By.ID, ids.MODE).text
    assert dash_duo.get_logs() == []


def test_about_panel_explains_each_mechanism_and_links_to_its_odd_section(dash_duo: Any, app: Any) -> None:
    driver = start(dash_duo, app)
    driver.set_window_size(1280, 900)
    dash_duo.find_element(f"#{ids.TABS} .tab:nth-child(4)").click()
    dash_duo.wait_for_contains_text("#about-panel", "About this model", timeout=TIMEOUT)
    panel = driver.find_element(By.ID, "about-panel")
    links = [a.get_attribute("href") for a in panel.find_elements(By.CSS_SELECTOR, ".mechanism a")]
    assert len(links) == len(MECHANISMS) >= 10
    for (_, heading, _), href in zip(MECHANISMS, links, strict=True):
        assert href.endswith(odd_link(heading)), href
    legend = driver.find_element(By.ID, "signal-legend-detailed").text
    assert "summit offer" in legend and "threat" in legend.lower()
    if os.environ.get("SUMMITRY_SCREENSHOTS"):
        driver.save_screenshot(str(DOCS / "dashboard-about.png"))
    # each link lands on its heading of the rendered ODD
    for (_, heading, _), href in list(zip(MECHANISMS, links, strict=True))[:3]:
        driver.get(href)
        anchor = href.split("#", 1)[1]
        found = wait_for(lambda a=anchor: driver.find_elements(By.ID, a))
        assert heading.split(" ", 1)[1] in found[0].text
    assert dash_duo.get_logs() == []


def test_the_walk_away_preset_forks_from_the_week_it_can_change(dash_duo: Any, app: Any) -> None:
    driver = start(dash_duo, app, "?scenario=hanoi-2019&seed=19&step=0")  # ends in a walk-away (week 44) under the shipped defaults
    driver.find_element(By.ID, ids.END).click()
    wait_for(lambda: "walk-away" in driver.find_element(By.ID, ids.OUTCOME).text)
    last = int(driver.find_element(By.ID, ids.STEP_LABEL).text.split()[1])
    dash_duo.find_element(f"#{ids.TABS} .tab:nth-child(2)").click()
    dash_duo.select_dcc_dropdown(f"#{ids.FORK_PRESET}", index=0)  # nobody walks away
    dash_duo.wait_for_contains_text(f"#{ids.FORK_STATUS}", "could not prevent it", timeout=TIMEOUT)
    status = driver.find_element(By.ID, ids.FORK_STATUS).text
    walk_week = int(status.split("walk-away happened in week ")[1].split(",")[0])
    assert walk_week < last
    assert driver.find_element(By.ID, ids.FORK_AT).get_attribute("value") == str(walk_week)
    driver.find_element(By.ID, ids.FORK_RUN).click()
    dash_duo.wait_for_contains_text(f"#{ids.FORK_STATUS}", f"Fork from week {walk_week}: walk-away →", timeout=TIMEOUT)
    assert "walk-away → walk-away" not in driver.find_element(By.ID, ids.FORK_STATUS).text
    assert dash_duo.get_logs() == []


def test_an_uploaded_case_opens_at_week_0(dash_duo: Any, app: Any, tmp_path: Path) -> None:
    driver = start(dash_duo, app, "?scenario=hanoi-2019&seed=0&step=20")
    wait_for(lambda: driver.find_element(By.ID, ids.STEP_LABEL).text.startswith("week 20 of"))
    case = tmp_path / "mine.yaml"
    case.write_text((Path(__file__).resolve().parents[3] / "scenarios" / "teaching.yaml").read_text())
    driver.find_element(By.CSS_SELECTOR, f"#{ids.UPLOAD} input[type=file]").send_keys(str(case))
    wait_for(lambda: driver.find_element(By.ID, ids.TITLE).text.startswith("Teaching case"))
    wait_for(lambda: driver.find_element(By.ID, ids.STEP_LABEL).text.startswith("week 0 of 29"))
    assert dash_duo.get_logs() == []


def test_an_uploaded_daily_case_is_told_in_days(dash_duo: Any, app: Any, tmp_path: Path) -> None:
    driver = start(dash_duo, app, "?scenario=teaching&seed=0&step=0")
    wait_for(lambda: driver.find_element(By.ID, ids.STEP_LABEL).text.startswith("week 0 of"))
    teaching = (Path(__file__).resolve().parents[3] / "scenarios" / "teaching.yaml").read_text()
    weekly_time = "time: {start: 2020-01-06, step_days: 7, steps: 30}"
    assert teaching.count(weekly_time) == 1
    case = tmp_path / "daily.yaml"
    case.write_text(teaching.replace(weekly_time, "time: {start: 2020-01-06, step: day, steps: 60}"))
    driver.find_element(By.CSS_SELECTOR, f"#{ids.UPLOAD} input[type=file]").send_keys(str(case))
    wait_for(lambda: driver.find_element(By.ID, ids.STEP_LABEL).text.startswith("day 0 of"))
    assert driver.find_element(By.ID, ids.EVENTS_HEADING).text == "Event log up to this day"
    wait_for(lambda: driver.find_element(By.CSS_SELECTOR, f"#{ids.TRUST} .xtitle").text == "day (one step of the run)")
    dash_duo.find_element(f"#{ids.TABS} .tab:nth-child(2)").click()  # the fork tab: drawn when shown, with the run's words
    wait_for(lambda: driver.find_element(By.ID, ids.FORK_AT_LABEL).text == "At day")
    assert dash_duo.get_logs() == []


def test_the_csp_blocks_an_injected_inline_script(dash_duo: Any, app: Any) -> None:
    driver = start(dash_duo, app)
    driver.execute_script(
        "window.__ran = false; var s = document.createElement('script'); s.textContent = 'window.__ran = true;';"
        "document.body.appendChild(s);"
    )
    assert driver.execute_script("return window.__ran;") is False
    logs = dash_duo.get_logs()
    # the refusal is the only console message: the page's own scripts all run under the policy
    assert logs and all("Content Security Policy" in entry["message"] for entry in logs), logs
