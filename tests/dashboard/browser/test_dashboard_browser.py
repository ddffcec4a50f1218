"""The dashboard in a real headless Chromium (dash_duo): step, rewind, play, upload, fork, two sessions.

Every test ends with an empty browser console (SEVERE entries).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from summitry.dashboard import ids
from summitry.dashboard.app import create_app
from summitry.sim.figures import trust_matrix_at
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario
from tests.dashboard.browser.support import TIMEOUT, free_port, wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return create_app(upload_dir=tmp_path / "uploads")


def start(dash_duo: Any, app: Any, query: str = "") -> None:
    dash_duo.start_server(app, port=free_port())
    if query:
        dash_duo.driver.get(dash_duo.server_url + "/" + query)
    wait_for(lambda: graph_data(dash_duo.driver, ids.TRUST))
    wait_for(lambda: "week" in step_label(dash_duo.driver))


def graph_data(driver: Any, graph_id: str) -> list[dict[str, Any]] | None:
    return driver.execute_script(
        "var g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
        "return g && g.data && g.data.length ? g.data.map(function (t) { return {y: t.y, z: t.z, meta: t.meta, dash: t.line && t.line.dash}; }) : null;",
        graph_id,
    )


def marker_week(driver: Any, graph_id: str) -> int | None:
    """The week the overlay marker of a time-series chart stands at (and it stands where that week is drawn)."""
    return driver.execute_script(
        "var m = document.getElementById(arguments[0] + '-marker'); var g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
        "if (!m || !g || !g._fullLayout || m.style.display !== 'block') return null;"
        "var s = Number(m.getAttribute('data-step')); var xa = g._fullLayout.xaxis;"
        "return Math.abs(parseFloat(m.style.left) - (xa._offset + xa.l2p(s))) < 1 ? s : null;",
        graph_id,
    )


def step_label(driver: Any) -> str:
    return str(driver.find_element(By.ID, ids.STEP_LABEL).text)


def at_week(driver: Any, week: int) -> bool:
    return step_label(driver).startswith(f"week {week} of") and all(marker_week(driver, g) == week for g in (ids.TRUST, ids.PRESSURE))


def click(driver: Any, id_: str) -> None:
    driver.find_element(By.ID, id_).click()


def heatmap_value(driver: Any, row: int, col: int) -> float | None:
    data = graph_data(driver, ids.HEATMAP)
    return None if not data else data[0]["z"][row][col]


def veil_left(driver: Any, graph_id: str) -> float:
    return float(driver.execute_script("return parseFloat(document.getElementById(arguments[0] + '-veil').style.left)", graph_id))


def assert_trust_trace_matches(driver: Any, result: Any, step: int) -> None:
    """The trust chart's first trace is the leader's trust in the other side; the weeks after ``step`` are veiled."""
    trace = graph_data(driver, ids.TRUST)[0]  # type: ignore[index]
    assert trace["meta"] == ["trust_dprk", "trump", 0]
    assert np.allclose(trace["y"], result.variable("trust_dprk", "trump")[1], atol=1e-9)
    assert marker_week(driver, ids.TRUST) == step
    # the value at this week is the one the chart shows at the marker
    shown = driver.execute_script(
        "var g = document.querySelector('#" + ids.TRUST + " .js-plotly-plot'); return g.data[0].y[arguments[0]];", step
    )
    assert shown == pytest.approx(result.variable("trust_dprk", "trump")[1][step], abs=1e-9)


def test_step_three_times_then_rewind_with_the_slider(dash_duo: Any, app: Any) -> None:
    start(dash_duo, app)
    driver = dash_duo.driver
    result = run_scenario(load_scenario("singapore-2018"), seed=0)
    dash_duo.wait_for_contains_text(f"#{ids.TITLE}", "Singapore 2018", timeout=TIMEOUT)
    for week in (1, 2, 3):
        click(driver, ids.FORWARD)
        wait_for(lambda w=week: at_week(driver, w))
    assert_trust_trace_matches(driver, result, 3)
    veil3 = veil_left(driver, ids.TRUST)
    agents, _, z3 = trust_matrix_at(result, 3)
    row = agents.index("trump")
    wait_for(lambda: heatmap_value(driver, row, 1) == pytest.approx(z3[row][1], abs=1e-6))
    # rewind two weeks with the timeline slider (keyboard on its handle)
    thumb = driver.find_element(By.CSS_SELECTOR, f"#{ids.SLIDER} [role=slider]")
    thumb.send_keys(Keys.ARROW_LEFT)
    thumb.send_keys(Keys.ARROW_LEFT)
    wait_for(lambda: at_week(driver, 1))
    assert_trust_trace_matches(driver, result, 1)
    assert veil_left(driver, ids.TRUST) < veil3  # the veil over the future moved back with the marker
    _, _, z1 = trust_matrix_at(result, 1)
    wait_for(lambda: heatmap_value(driver, row, 1) == pytest.approx(z1[row][1], abs=1e-6))
    assert "step=1" in driver.current_url and "scenario=singapore-2018" in driver.current_url
    assert dash_duo.get_logs() == []


def test_play_then_pause_stops_the_step(dash_duo: Any, app: Any) -> None:
    start(dash_duo, app, "?scenario=hanoi-2019&seed=0&step=0")
    driver = dash_duo.driver
    click(driver, ids.PLAY)
    wait_for(lambda: int(step_label(driver).split()[1]) >= 2)
    click(driver, ids.PLAY)  # pause
    dash_duo.wait_for_text_to_equal(f"#{ids.PLAY}", "▶ Play", timeout=TIMEOUT)
    time.sleep(0.5)  # a tick already on its way may still land
    paused_at = step_label(driver)
    time.sleep(2.0)  # five ticks at the default speed
    assert step_label(driver) == paused_at
    assert int(paused_at.split()[1]) >= 2
    assert dash_duo.get_logs() == []


def test_bad_upload_shows_the_errors_and_keeps_the_run(dash_duo: Any, app: Any, tmp_path: Path) -> None:
    start(dash_duo, app, "?scenario=hanoi-2019&seed=0&step=4")
    driver = dash_duo.driver
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: broken\ntitle: A broken case\nsides: {}\n")
    driver.find_element(By.CSS_SELECTOR, f"#{ids.UPLOAD} input[type=file]").send_keys(str(bad))
    dash_duo.wait_for_contains_text(f"#{ids.ERRORS}", "broken.yaml:1: description: required field is missing", timeout=TIMEOUT)
    assert "broken.yaml is not a valid scenario" in driver.find_element(By.ID, ids.ERRORS).text
    assert driver.find_element(By.ID, ids.TITLE).text.startswith("Hanoi 2019")
    assert at_week(driver, 4)
    assert dash_duo.get_logs() == []


def test_fork_shows_two_branches(dash_duo: Any, app: Any) -> None:
    start(dash_duo, app, "?scenario=hanoi-2019&seed=19&step=30")  # under the shipped defaults its walk-away comes in week 44
    driver = dash_duo.driver
    dash_duo.find_element(f"#{ids.TABS} .tab:nth-child(2)").click()
    dash_duo.select_dcc_dropdown(f"#{ids.FORK_PRESET}", index=0)  # nobody walks away
    dash_duo.wait_for_contains_text("#fork-draft-view", "audience value of walking away = 0", timeout=TIMEOUT)
    click(driver, ids.FORK_RUN)
    dash_duo.wait_for_contains_text(f"#{ids.FORK_STATUS}", "Fork from week 30", timeout=TIMEOUT)
    data = wait_for(lambda: graph_data(driver, ids.FORK_TRUST))
    assert len(data) == 4
    assert [t["dash"] for t in data] == ["solid", "solid", "dash", "dash"]
    assert [t["meta"][2] for t in data] == [0, 0, 1, 1]
    # the branches share the past up to the fork week
    assert np.allclose(data[0]["y"][:30], data[2]["y"][:30])
    table = driver.find_element(By.ID, ids.FORK_COMPARE).text
    assert "base" in table and "fork (from week 30)" in table
    base_outcome, fork_outcome = driver.find_elements(By.CSS_SELECTOR, f"#{ids.FORK_COMPARE} tbody tr:first-child td")
    assert base_outcome.text == "walk-away" and fork_outcome.text != "walk-away"
    assert dash_duo.get_logs() == []


def type_into(driver: Any, id_: str, text: str) -> None:
    """Replace what a box holds with ``text``, typed as a user types it."""
    box = driver.find_element(By.ID, id_)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(text)


def test_a_fork_week_that_is_no_week_of_the_run_is_refused_with_a_message(dash_duo: Any, app: Any) -> None:
    """-1 typed as an added event's week became the week on screen (the box's min made the browser send it as empty),
    999 failed only at Run, in the scenario's own terms; -3 in "At week" forked from the week on screen."""
    start(dash_duo, app, "?scenario=teaching&seed=0&step=4")  # 30 weeks: 0 to 29
    driver = dash_duo.driver
    dash_duo.find_element(f"#{ids.TABS} .tab:nth-child(2)").click()
    dash_duo.select_dcc_dropdown(f"#{ids.FORK_ADD_KIND}", index=0)
    dash_duo.select_dcc_dropdown(f"#{ids.FORK_ADD_SENDER}", index=0)
    for typed in ("-1", "999", "1.5"):
        type_into(driver, ids.FORK_ADD_WEEK, typed)
        click(driver, "fork-add-event")
        wanted = f"Week {typed} is not a week of this run; give a whole number from 0 to 29."
        dash_duo.wait_for_contains_text(f"#{ids.FORK_STATUS}", wanted, timeout=TIMEOUT)
        assert driver.find_element(By.ID, "fork-draft-view").text == "no changes yet"
    type_into(driver, ids.FORK_ADD_WEEK, "29")
    click(driver, "fork-add-event")
    dash_duo.wait_for_contains_text("#fork-draft-view", "+ week 29:", timeout=TIMEOUT)
    type_into(driver, ids.FORK_AT, "-3")
    click(driver, ids.FORK_RUN)
    dash_duo.wait_for_contains_text(f"#{ids.FORK_STATUS}", "At week: -3 is not a whole number of 0 or more", timeout=TIMEOUT)
    assert dash_duo.get_logs() == []


def test_a_seed_that_is_no_seed_is_refused_with_a_message(dash_duo: Any, app: Any) -> None:
    """-1 or 1.5 typed in the seed box ran seed 0 without a word while the box still showed it: the box's min and step
    made the browser send them as empty. 1.5 in the box of a parameter of 0 to 1 kept the model's value likewise."""
    start(dash_duo, app, "?scenario=teaching&seed=3&step=0")
    driver = dash_duo.driver
    dash_duo.wait_for_contains_text(f"#{ids.TITLE}", "seed 3,", timeout=TIMEOUT)
    for typed in ("-1", "1.5"):
        type_into(driver, ids.SEED, typed)
        click(driver, ids.RUN)
        wanted = f"Seed: {typed} is not a whole number from 0 to 9,223,372,036,854,775,807"
        dash_duo.wait_for_contains_text(f"#{ids.ERRORS}", wanted, timeout=TIMEOUT)
        assert "This seed cannot be run" in driver.find_element(By.ID, ids.ERRORS).text
        assert "seed 3," in driver.find_element(By.ID, ids.TITLE).text  # the run on screen stays
        assert driver.find_element(By.ID, ids.SEED).get_attribute("value") == typed
    type_into(driver, ids.SEED, "5")
    click(driver, ids.RUN)
    dash_duo.wait_for_contains_text(f"#{ids.TITLE}", "seed 5,", timeout=TIMEOUT)
    wait_for(lambda: driver.find_element(By.ID, ids.ERRORS).text == "")
    # a parameter without a value of its own (gil's susceptibility, 0 to 1) is a number box
    type_into(driver, ids.PARAM_FILTER, "gil.susceptibility")
    box = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f"#{ids.PARAM_PANEL} input[id*='gil.susceptibility']"))[0]
    box.send_keys("1.5")
    click(driver, ids.RUN)
    dash_duo.wait_for_contains_text(f"#{ids.ERRORS}", "gil.susceptibility: must be within [0, 1] (got 1.5)", timeout=TIMEOUT)
    assert "seed 5," in driver.find_element(By.ID, ids.TITLE).text
    assert dash_duo.get_logs() == []


def test_a_runs_count_that_is_no_count_is_refused_with_a_message(dash_duo: Any, app: Any) -> None:
    """-5 or 2.5 typed in Runs ran 200 runs, and 6000 ran 5,000: the box's min, step and max made the browser send them
    as empty, and the server put its own count in the box."""
    start(dash_duo, app, "?scenario=teaching&seed=0&step=0")
    driver = dash_duo.driver
    dash_duo.find_element(f"#{ids.TABS} .tab:nth-child(3)").click()
    for typed in ("-5", "2.5", "6000"):
        type_into(driver, ids.ENS_N, typed)
        click(driver, ids.ENS_RUN)
        wanted = f"Runs: {typed} is not a whole number from 1 to 5,000; no ensemble was started"
        dash_duo.wait_for_contains_text(f"#{ids.ENS_PROGRESS}", wanted, timeout=TIMEOUT)
        assert driver.find_element(By.ID, ids.ENS_N).get_attribute("value") == typed
    type_into(driver, ids.ENS_N, "3")
    click(driver, ids.ENS_RUN)
    dash_duo.wait_for_contains_text(f"#{ids.ENS_PROGRESS}", "3 runs done", timeout=TIMEOUT)
    assert dash_duo.get_logs() == []


def test_two_sessions_stepping_at_once_do_not_affect_each_other(dash_duo: Any, app: Any) -> None:
    from selenium import webdriver

    from .conftest import chrome_options

    start(dash_duo, app, "?scenario=singapore-2018&seed=0&step=0")
    first = dash_duo.driver
    second = webdriver.Chrome(options=chrome_options())
    try:
        second.get(dash_duo.server_url + "/?scenario=hanoi-2019&seed=3&step=10")
        wait_for(lambda: at_week(second, 10))
        for _ in range(3):  # interleaved clicks in both sessions
            click(first, ids.FORWARD)
            click(second, ids.BACK)
        wait_for(lambda: at_week(first, 3))
        wait_for(lambda: at_week(second, 7))
        assert first.find_element(By.ID, ids.TITLE).text.startswith("Singapore 2018")
        assert second.find_element(By.ID, ids.TITLE).text.startswith("Hanoi 2019")
        hanoi = run_scenario(load_scenario("hanoi-2019"), seed=3)
        assert_trust_trace_matches(second, hanoi, 7)
        assert_trust_trace_matches(first, run_scenario(load_scenario("singapore-2018"), seed=0), 3)
        assert second.get_log("browser") == []
    finally:
        second.quit()
    assert dash_duo.get_logs() == []


def network_nodes(driver: Any) -> dict[str, Any] | None:
    """The network's node trace (the last one): its ids, colours and title."""
    return driver.execute_script(
        "var g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot'); if (!g || !g.data || !g.data.length) return null;"
        "var t = g.data[g.data.length - 1]; return {ids: t.customdata, color: t.marker.color, type: t.type, title: g.layout.title.text};",
        ids.NETWORK,
    )


def test_a_1000_actor_upload_shows_the_network_grouped_and_the_toggle_shows_every_actor(dash_duo: Any, app: Any, tmp_path: Path) -> None:
    from summitry.sim.scenario.generate import dump, generate

    start(dash_duo, app)
    driver = dash_duo.driver
    big = tmp_path / "synthetic-1000.yaml"
    big.write_text(dump(generate(1000, 10000, 2, seed=1)))  # what `summitry generate --agents 1000 --edges 10000 --sides 2 --seed 1` writes
    driver.find_element(By.CSS_SELECTOR, f"#{ids.UPLOAD} input[type=file]").send_keys(str(big))
    dash_duo.wait_for_contains_text(f"#{ids.TITLE}", "1000 actors", timeout=60)
    nodes = wait_for(lambda: (n := network_nodes(driver)) and len(n["ids"]) < 100 and n, timeout=60, driver=driver)
    # 2 sides x 6 roles of factions, the 2 leaders and the 2 third parties
    assert len(nodes["ids"]) == 16
    assert "side0:hardliner" in nodes["ids"] and "side0-leader" in nodes["ids"] and "tp0" in nodes["ids"]
    assert nodes["title"] == "Influence network, week 0 · factions grouped by side and role"
    assert driver.find_element(By.ID, ids.NETWORK_MODE_BOX).is_displayed()
    # a step patches the grouped nodes
    click(driver, ids.FORWARD)
    nodes = wait_for(lambda: (n := network_nodes(driver)) and "week 1 " in n["title"] and n, driver=driver)
    assert len(nodes["ids"]) == 16 and len(nodes["color"]) == 16
    # the toggle draws every actor, and steps go on patching that view
    driver.find_element(By.CSS_SELECTOR, f"#{ids.NETWORK_MODE} input[value=individual]").click()
    nodes = wait_for(lambda: (n := network_nodes(driver)) and len(n["ids"]) == 1000 and n, timeout=60, driver=driver)
    assert nodes["type"] == "scattergl" and nodes["title"] == "Influence network, week 1"
    click(driver, ids.FORWARD)
    nodes = wait_for(lambda: (n := network_nodes(driver)) and n["title"] == "Influence network, week 2" and n, timeout=60, driver=driver)
    assert len(nodes["color"]) == 1000
    assert dash_duo.get_logs() == []


def events_rows(driver: Any) -> list[dict[str, str]]:
    """The event log's rows on screen: week, sender and kind."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr')).filter(function (tr) { return tr.querySelector('td'); })"
        ".map(function (tr) { var c = tr.querySelectorAll('td'); return {week: c[0].innerText, sender: c[2].innerText, kind: c[4].innerText}; });",
        ids.EVENTS,
    )


def test_a_1000_actor_page_opens_with_grouped_views_and_the_toggle_shows_every_actor(dash_duo: Any, app: Any) -> None:
    """Opened by its address (a bookmarked upload): stances, trust matrix and network by side and role, the log paged
    by the server; the Factions toggle draws every actor in all three."""
    from summitry.sim.scenario.generate import dump, generate

    key = app.server.extensions["summitry_service"].uploads.put(dump(generate(1000, 10000, 2, seed=1)), "synthetic-1000.yaml")
    start(dash_duo, app, f"?scenario=upload:{key}&seed=0&step=5")
    driver = dash_duo.driver
    stance = wait_for(lambda: graph_data(driver, ids.STANCE), timeout=60, driver=driver)
    stance = [t for t in stance if t["meta"][0] != "future"]  # the legend entry of the faded weeks to come
    # 2 leaders, 2 sides x 6 faction roles, 2 third parties
    assert len(stance) == 16
    assert {t["meta"][1] for t in stance} >= {"side0-leader", "side0:hardliner", "side1:reformer", "tp1"}
    assert len(graph_data(driver, ids.HEATMAP)[0]["z"]) == 16  # type: ignore[index]
    assert len(network_nodes(driver)["ids"]) == 16  # type: ignore[index]
    # the log: 12 rows of weeks up to 5, newest first, paged by the server
    rows = wait_for(lambda: events_rows(driver), driver=driver)
    assert len(rows) == 12 and int(rows[0]["week"]) == 5 and all(int(r["week"]) <= 5 for r in rows)
    click(driver, ids.FORWARD)
    rows = wait_for(lambda: (r := events_rows(driver)) and int(r[0]["week"]) == 6 and r, driver=driver)
    # the kind filter asks the server for that kind only (the kind of the log's last row on the first page)
    kind = rows[-1]["kind"]
    assert any(r["kind"] != kind for r in rows)
    driver.find_element(By.ID, "events-kind").click()
    next(o for o in driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option") if o.text == kind).click()
    rows = wait_for(lambda: (r := events_rows(driver)) and all(x["kind"] == kind for x in r) and r, driver=driver)
    assert all(int(r["week"]) <= 6 for r in rows)
    # every actor
    driver.find_element(By.CSS_SELECTOR, f"#{ids.NETWORK_MODE} input[value=individual]").click()
    wait_for(
        lambda: (d := graph_data(driver, ids.STANCE)) and len(d) == 1001, timeout=60, driver=driver
    )  # and the faded-weeks legend entry
    wait_for(lambda: (d := graph_data(driver, ids.HEATMAP)) and len(d[0]["z"]) == 1000, timeout=60, driver=driver)
    wait_for(lambda: (n := network_nodes(driver)) and len(n["ids"]) == 1000, timeout=60, driver=driver)
    # and back
    driver.find_element(By.CSS_SELECTOR, f"#{ids.NETWORK_MODE} input[value=grouped]").click()
    wait_for(lambda: (d := graph_data(driver, ids.STANCE)) and len(d) == 17, timeout=60, driver=driver)
    assert dash_duo.get_logs() == []


def test_an_ensemble_runs_on_the_server_and_draws_its_outcomes_and_survival_curves(dash_duo: Any, app: Any) -> None:
    start(dash_duo, app, "?scenario=hanoi-2019&seed=0&step=0")
    driver = dash_duo.driver
    dash_duo.find_element(f"#{ids.TABS} .tab:nth-child(3)").click()
    box = driver.find_element(By.ID, ids.ENS_N)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("12")
    click(driver, ids.ENS_RUN)
    dash_duo.wait_for_contains_text(f"#{ids.ENS_PROGRESS}", "12 runs done", timeout=TIMEOUT)

    # the outcome bars: shares of 12 runs, which add up to one
    def shares() -> list[float] | None:
        return driver.execute_script(  # type: ignore[no-any-return]
            "var g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
            "return g && g.data && g.data.length ? g.data[0].x : null;",
            ids.ENS_OUTCOMES,
        )

    wait_for(lambda: shares() is not None)
    bars = shares()
    assert bars is not None
    assert sum(bars) == pytest.approx(1.0, abs=1e-9)
    assert all(abs(share * 12 - round(share * 12)) < 1e-9 for share in bars)
    # both survival curves are drawn: each starts at the share of the 12 runs without the event at week 0
    # (a test in the first week ends a moratorium at once) and never rises
    for graph in (ids.ENS_KM_AGREEMENT, ids.ENS_KM_MORATORIUM):
        wait_for(lambda graph=graph: graph_data(driver, graph))
        curve = next(t for t in graph_data(driver, graph) if t.get("meta") == "km")  # type: ignore[union-attr]
        assert 0 < curve["y"][0] <= 1 and abs(curve["y"][0] * 12 - round(curve["y"][0] * 12)) < 1e-9
        assert all(b <= a + 1e-12 for a, b in zip(curve["y"], curve["y"][1:], strict=False))  # never rises
    # the fan charts of trust are there too
    wait_for(lambda: graph_data(driver, ids.ENS_TRUST))
    # and the record card: one row per pattern of hanoi-2019 and the weighted score, each counting the runs it applies to
    rows = driver.find_elements(By.CSS_SELECTOR, "#ensemble-record-table tbody tr")
    patterns = load_scenario("hanoi-2019").patterns
    assert len(rows) == len(patterns) + 1
    applies = [int(r.find_elements(By.TAG_NAME, "td")[-1].text.split(" of ")[0]) for r in rows]
    assert all(0 <= k <= 12 for k in applies) and rows[-1].find_elements(By.TAG_NAME, "td")[-1].text == "12 of 12"
    assert dash_duo.get_logs() == []


def test_the_run_is_scored_against_the_historical_record_in_the_page(dash_duo: Any, app: Any) -> None:
    """The record card shows this run's score on each of the scenario's patterns and their weighted mean."""
    from summitry.sim.analysis.patterns import score_run, weighted_score

    start(dash_duo, app, "?scenario=hanoi-2019&seed=3&step=0")
    driver = dash_duo.driver
    sc = load_scenario("hanoi-2019")
    result = run_scenario(sc, seed=3)
    scores = score_run(result, sc)

    def cells() -> list[str]:
        rows = driver.find_elements(By.CSS_SELECTOR, "#record-fit-table tbody tr")
        return [r.find_elements(By.TAG_NAME, "td")[-1].text for r in rows]

    wait_for(lambda: len(cells()) == len(sc.patterns) + 1)
    shown = cells()
    want = ["—" if np.isnan(scores[p.id]) else f"{scores[p.id]:.2f}" for p in sc.patterns]
    assert shown[:-1] == want
    assert shown[-1] == f"{weighted_score(scores, sc.patterns):.2f}"
    _check_the_why_card(dash_duo, sc)
    assert dash_duo.get_logs() == []


def _check_the_why_card(dash_duo: Any, sc: Any) -> None:
    """On the same page (hanoi-2019, seed 3, week 0): pick an actor, and the "why" card lists its feasible actions
    with their chances, names what it did, and follows the week on screen."""
    from summitry.sim.run import explain_choice

    driver = dash_duo.driver
    dash_duo.select_dcc_dropdown(f"#{ids.WHY_ACTOR}", value="Kim Jong Un")

    def table() -> list[list[str]]:
        rows = driver.find_elements(By.CSS_SELECTOR, f"#{ids.WHY_TABLE} tbody tr")
        return [[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in rows if r.find_elements(By.TAG_NAME, "td")]

    for week in (0, 1):
        if week:
            click(driver, ids.FORWARD)
            wait_for(lambda: at_week(driver, 1))
        ex = explain_choice(sc, "kim", week, seed=3)
        dash_duo.wait_for_contains_text(f"#{ids.WHY_NOTE}", f"Kim Jong Un, week {week} ({ex.date})", timeout=TIMEOUT)
        want = [[r.label, r.receiver_name or "", f"{r.chance:.1%}", f"{r.eu:+.3f}"] for r in ex.rows[:12]]
        wait_for(lambda w=want: [row[:4] for row in table()] == w)
        did = "did nothing" if ex.chosen_row is None else f"chose {ex.chosen_row.label.lower()}"
        assert did in driver.find_element(By.ID, ids.WHY_NOTE).text
