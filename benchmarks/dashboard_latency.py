"""Dashboard latency in a real headless Chromium: step click -> updated figures, and page load.

The app is served by waitress (as ``summitry dashboard`` serves it) in this
process. Each step click is timed in the page: from the click to the moment
every figure of the run tab shows the new week (the week marker over the four
time-series charts, and the heatmap, issue space and network redrawn with the
week's data: their titles name it).
The baseline, measured the same way in the same page and run, is a click on
a button whose callback does nothing but echo its click count: the cost of a
Dash round trip. Page load is timed from navigation to the first run drawn;
its baseline is a one-graph Dash page served the same way. The first load is
the median over several fresh browsers, each on a freshly created app (what
a first visitor meets; one such load varies by a few hundred ms on a busy
machine), and so is its baseline.

The first load of the generated 1,000-actor scenario's page (below) is timed the same way, to every graph
of the run tab drawn and the event log's first rows shown, with its run already computed on the server (as
after the upload that made the link) and computed on request; its baseline is the default page timed to
the same point in the same fresh browsers, taking turns with it.

The same step clicks are timed on a generated 1,000-actor scenario (what
``summitry generate --agents 1000 --edges 10000 --sides 2 --seed 1`` writes,
opened as an upload), whose network opens grouped by side and role.

The ensemble tab is timed from the click on its run button to the progress saying every run is done and
its outcome bars, fan charts and survival curves drawn, for an ensemble of ``--ensemble-runs`` (1,000) runs of
hanoi-2019; its baseline is an ensemble of one run timed the same way.

Targets (issue 3): median click < 100 ms, 95th percentile < 250 ms, first load < 2 s;
1,000 actors: 95th percentile click < 500 ms, first load < 2 s. Issue 16: a 1,000-run ensemble < 3 s.

Usage: python benchmarks/dashboard_latency.py [--clicks 50] [--big-clicks 40] [--first-loads 5] [--ensemble-runs 1000]
       [--scenario singapore-2018] [--screenshots DIR]  (also writes dashboard.png and dashboard-fork.png there)
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import record
from selenium.webdriver.common.by import By

WAIT_JS = r"""
const [target, ids, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
function ready() {
    for (const id of ids.markers) {
        const m = document.getElementById(id + '-marker');
        if (!m || m.getAttribute('data-step') !== String(target)) return false;
    }
    for (const id of ids.titles) {
        const g = document.querySelector('#' + id + ' .js-plotly-plot');
        const m = g && g.layout && g.layout.title ? String(g.layout.title.text).match(/week (\d+)/) : null;
        if (!m || Number(m[1]) !== target) return false;
    }
    return true;
}
const t0 = performance.now();
document.getElementById(ids.button).click();
const obs = new MutationObserver(check);
function check() { if (ready()) { obs.disconnect(); clearInterval(iv); done(performance.now() - t0); } }
obs.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
const iv = setInterval(check, 2);
"""

NOOP_JS = """
const [before, done] = [arguments[0], arguments[arguments.length - 1]];
const out = document.getElementById('bench-noop-out');
const t0 = performance.now();
document.getElementById('bench-noop').click();
function check() { if (out.textContent !== before) { obs.disconnect(); clearInterval(iv); done(performance.now() - t0); } }
const obs = new MutationObserver(check);
obs.observe(out, {subtree: true, childList: true, characterData: true});
const iv = setInterval(check, 2);
"""

NODES_JS = """
const g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
return g && g.data && g.data.length ? g.data[g.data.length - 1].x.length : null;
"""

READY_JS = """
const g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
return (g && g.data && g.data.length) ? performance.now() : null;
"""

# every graph of the run tab drawn (data and a laid-out figure) and the event log's first rows shown
READY_ALL_JS = """
for (const id of arguments[0]) {
    const g = document.querySelector('#' + id + ' .js-plotly-plot');
    if (!(g && g.data && g.data.length && g._fullLayout && g._fullLayout._size)) return null;
}
return document.querySelector('#' + arguments[1] + ' tbody td') ? performance.now() : null;
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: Any) -> tuple[str, Any]:
    from waitress import create_server

    port = free_port()
    server = create_server(app.server, host="127.0.0.1", port=port, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


def dashboard_with_noop(scenario: str) -> Any:
    """The dashboard plus one button whose callback echoes its clicks (the baseline round trip)."""
    from dash import Input, Output, html

    from summitry.dashboard.app import create_app

    app = create_app(default_scenario=scenario)
    serve_layout = app.layout

    def layout() -> Any:
        page = serve_layout()
        page.children.append(
            html.Div([html.Button("noop", id="bench-noop"), html.Span("0", id="bench-noop-out")], style={"display": "none"})
        )
        return page

    app.layout = layout
    noop = html.Div([html.Button("noop", id="bench-noop"), html.Span("0", id="bench-noop-out")])
    app.validation_layout.children.append(noop)  # type: ignore[attr-defined]

    @app.callback(Output("bench-noop-out", "children"), Input("bench-noop", "n_clicks"), prevent_initial_call=True)
    def _noop(n: Any) -> str:
        return str(n)

    return app


def one_graph_app() -> Any:
    import plotly.graph_objects as go
    from dash import Dash, dcc, html

    app = Dash(__name__)
    app.layout = html.Div([dcc.Graph(id="g", figure=go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 3, 2])))])
    return app


def browser() -> Any:
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
    ):
        options.add_argument(arg)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    driver = webdriver.Chrome(options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    driver.set_script_timeout(30)
    return driver


def load_time(driver: Any, url: str, graph_id: str | list[str]) -> float:
    """Milliseconds from navigation to the graph drawn with data (a list: every one of those graphs drawn and
    laid out, and the event log's first rows shown)."""
    from summitry.dashboard import ids

    driver.get("about:blank")
    driver.get(url)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        t = driver.execute_script(*((READY_JS, graph_id) if isinstance(graph_id, str) else (READY_ALL_JS, graph_id, ids.EVENTS)))
        if t:
            return float(t)
        time.sleep(0.005)
    raise RuntimeError(f"{url}: {graph_id} not drawn within 60 s")


def first_loads(makers: dict[str, Any], graph_ids: dict[str, str | list[str]], n: int) -> dict[str, list[float]]:
    """Milliseconds to the first draw in ``n`` fresh browsers per app maker, each on a freshly created and served app.

    A maker returns an app, or (app, query) for a page other than the default one. The makers take
    turns, so a busy spell of the machine falls on both a page and its baseline.
    """
    times: dict[str, list[float]] = {name: [] for name in makers}
    for _ in range(n):
        for name, make_app in makers.items():
            made = make_app()
            app, query = made if isinstance(made, tuple) else (made, "")
            url, server = serve(app)
            driver = browser()
            try:
                times[name].append(load_time(driver, url + "/" + query, graph_ids[name]))
            finally:
                driver.quit()
                server.close()
    return times


def big_page(scenario: str, computed: bool) -> tuple[Any, str]:
    """A fresh dashboard holding the generated 1,000-actor scenario as an upload, and the query of its page at
    week 0; ``computed``: its run already in the server's cache (as after the upload that made the link)."""
    app = dashboard_with_noop(scenario)
    service = app.server.extensions["summitry_service"]
    key = service.uploads.put(big_scenario_text(), "synthetic-1000.yaml")
    query = f"?scenario=upload:{key}&seed=0&step=0"
    if computed:
        service.result(service.config({"scenario": f"upload:{key}", "seed": 0}))
    return app, query


def page_bytes(app: Any, query: str) -> int:
    """Bytes of the page's layout response (the first run drawn in it) for ``query``."""
    client = app.server.test_client()
    return len(client.get("/_dash-layout", headers={"Referer": "http://localhost/" + query, "Host": "localhost"}).data)


def step_clicks(driver: Any, url: str | None, n: int) -> tuple[list[float], list[float]]:
    """``n`` step clicks (forward to the end, then back, and so on) on the page at ``url`` (None: the page open),
    each followed by a no-op round trip: (click latencies, no-op latencies) in ms."""
    from summitry.dashboard import ids

    if url is not None:
        t0 = time.monotonic()
        driver.get(url)
        end = time.monotonic() + 120
        while not driver.execute_script(READY_JS, ids.NETWORK) or not driver.execute_script(READY_JS, ids.TRUST):
            if time.monotonic() > end:
                raise RuntimeError(f"{url}: not drawn within 120 s")
            time.sleep(0.01)
        print(f"{url}: drawn in {1000 * (time.monotonic() - t0):.0f} ms")
        time.sleep(1.0)
    last = int(driver.execute_script(f"return document.getElementById('{ids.STEP_LABEL}').innerText").split()[3])
    watch = {"markers": [ids.TRUST, ids.PRESSURE, ids.STANCE, ids.ZONE], "titles": [ids.HEATMAP, ids.ISSUES, ids.NETWORK]}
    step = int(driver.execute_script("return new URLSearchParams(window.location.search).get('step') || 0"))
    direction = 1
    clicks: list[float] = []
    noops: list[float] = []
    for i in range(n):
        if not 0 <= step + direction <= last:
            direction = -direction
        step += direction
        button = ids.FORWARD if direction > 0 else ids.BACK
        clicks.append(float(driver.execute_async_script(WAIT_JS, step, {**watch, "button": button})))
        before = driver.execute_script("return document.getElementById('bench-noop-out').textContent")
        noops.append(float(driver.execute_async_script(NOOP_JS, before)))
        if i % 10 == 9:
            time.sleep(0.2)
    return clicks, noops


ENSEMBLE_DRAWN_JS = r"""
const [n, ids] = [arguments[0], arguments[1]];
const progress = document.getElementById(ids.progress);
if (!progress || !progress.innerText.includes(n + ' runs done')) return false;
for (const id of ids.graphs) {
    const g = document.querySelector('#' + id + ' .js-plotly-plot');
    if (!g || !g.data || !g.data.length || !g._fullLayout) return false;
}
return true;
"""


def ensemble_time(driver: Any, url: str, n: int) -> float:
    """Milliseconds from the ensemble's run click to its progress saying ``n`` runs done, with the outcome bars,
    both fan charts and both survival curves drawn (the page at ``url``, its ensemble tab)."""
    from selenium.webdriver.common.keys import Keys

    from summitry.dashboard import ids

    driver.get("about:blank")
    driver.get(url)
    end = time.monotonic() + 60
    while not driver.execute_script(READY_JS, ids.TRUST):
        if time.monotonic() > end:
            raise RuntimeError(f"{url}: not drawn within 60 s")
        time.sleep(0.01)
    driver.find_element(By.CSS_SELECTOR, f"#{ids.TABS} .tab:nth-child(3)").click()
    box = driver.find_element(By.ID, ids.ENS_N)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(n))
    time.sleep(0.5)
    watch = {
        "progress": ids.ENS_PROGRESS,
        "graphs": [ids.ENS_OUTCOMES, ids.ENS_TRUST, ids.ENS_PRESSURE, ids.ENS_KM_AGREEMENT, ids.ENS_KM_MORATORIUM],
    }
    t0 = time.monotonic()
    driver.find_element(By.ID, ids.ENS_RUN).click()
    end = t0 + 3600
    while not driver.execute_script(ENSEMBLE_DRAWN_JS, n, watch):
        if time.monotonic() > end:
            raise RuntimeError(f"{url}: an ensemble of {n} runs not drawn within an hour")
        time.sleep(0.02)
    return 1000 * (time.monotonic() - t0)


def big_scenario_text() -> str:
    """The scenario ``summitry generate --agents 1000 --edges 10000 --sides 2 --seed 1`` writes."""
    from summitry.sim.scenario.generate import dump, generate

    return dump(generate(1000, 10000, 2, seed=1))


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clicks", type=int, default=50)
    parser.add_argument("--big-clicks", type=int, default=40, help="step clicks on the 1,000-actor scenario")
    parser.add_argument("--first-loads", type=int, default=5, help="fresh browsers for the first-load figure")
    parser.add_argument("--scenario", default="singapore-2018")
    parser.add_argument("--ensemble-runs", type=int, default=1000, help="runs of the timed ensemble (hanoi-2019)")
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--screenshots-only", action="store_true", help="take the screenshots, measure nothing")
    args = parser.parse_args()
    if args.screenshots_only:
        url, server = serve(dashboard_with_noop(args.scenario))
        driver = browser()
        try:
            screenshots(driver, url, args.screenshots or Path("docs"))
        finally:
            driver.quit()
            server.close()
        return

    from summitry.dashboard import ids

    every_graph = [ids.TRUST, ids.PRESSURE, ids.ZONE, ids.STANCE, ids.HEATMAP, ids.ISSUES, ids.NETWORK]
    loads = first_loads(
        {
            "dashboard": lambda: dashboard_with_noop(args.scenario),
            "baseline": one_graph_app,
            "big": lambda: big_page(args.scenario, computed=True),
            "big-cold": lambda: big_page(args.scenario, computed=False),
            "default-all": lambda: dashboard_with_noop(args.scenario),
        },
        {"dashboard": ids.TRUST, "baseline": "g", "big": every_graph, "big-cold": every_graph, "default-all": every_graph},
        args.first_loads,
    )
    first, base_firsts = loads["dashboard"], loads["baseline"]
    big_app, big_query = big_page(args.scenario, computed=True)
    big_bytes, default_bytes = page_bytes(big_app, big_query), page_bytes(big_app, "")
    print(f"page layout response: 1,000 actors {big_bytes} bytes, default page {default_bytes} bytes")
    app = dashboard_with_noop(args.scenario)
    url, server = serve(app)
    base_url, base_server = serve(one_graph_app())
    driver = browser()
    try:
        warm_loads = [load_time(driver, url + "/", ids.TRUST) for _ in range(5)]
        base_warm = [load_time(driver, base_url + "/", "g") for _ in range(5)]
        clicks, noops = step_clicks(driver, url + f"/?scenario={args.scenario}&seed=0&step=0", args.clicks)
        key = app.server.extensions["summitry_service"].uploads.put(big_scenario_text(), "synthetic-1000.yaml")
        big_clicks, big_noops = step_clicks(driver, url + f"/?scenario=upload:{key}&seed=0&step=0", args.big_clicks)
        grouped = driver.execute_script(NODES_JS, ids.NETWORK)
        print(f"1,000-actor network drawn with {grouped} nodes (grouped by side and role)")
        # the same clicks with every actor drawn (the toggle), for comparison
        driver.find_element(By.CSS_SELECTOR, f"#{ids.NETWORK_MODE} input[value=individual]").click()
        end = time.monotonic() + 60
        while driver.execute_script(NODES_JS, ids.NETWORK) != 1000 and time.monotonic() < end:
            time.sleep(0.02)
        time.sleep(1.0)
        every_clicks, every_noops = step_clicks(driver, None, args.big_clicks // 2)
        # the ensemble tab, from the click to every chart drawn; its baseline is an ensemble of one run the same way
        ensemble_url = url + "/?scenario=hanoi-2019&seed=0&step=0"
        ensemble_one = ensemble_time(driver, ensemble_url, 1)
        ensemble_ms = ensemble_time(driver, ensemble_url, args.ensemble_runs)
        print(f"ensemble of {args.ensemble_runs} runs drawn in {ensemble_ms:.0f} ms; of 1 run in {ensemble_one:.0f} ms")
        logs = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        if args.screenshots is not None:
            screenshots(driver, url, args.screenshots)
    finally:
        driver.quit()
        server.close()
        base_server.close()

    med, p95 = statistics.median(clicks), percentile(clicks, 0.95)
    base_med, base_p95 = statistics.median(noops), percentile(noops, 0.95)
    warm = statistics.median(warm_loads)
    first_load, base_first = statistics.median(first), statistics.median(base_firsts)
    print(f"first loads (ms): {[round(t) for t in first]}; baseline {[round(t) for t in base_firsts]}")
    print(
        f"1,000-actor first loads (ms): {[round(t) for t in loads['big']]}; run computed on request {[round(t) for t in loads['big-cold']]}"
    )
    big_first, big_cold, default_all = (statistics.median(loads[k]) for k in ("big", "big-cold", "default-all"))
    big_med, big_p95 = statistics.median(big_clicks), percentile(big_clicks, 0.95)
    big_base_med, big_base_p95 = statistics.median(big_noops), percentile(big_noops, 0.95)
    every_med, every_p95 = statistics.median(every_clicks), percentile(every_clicks, 0.95)
    entries = [
        {
            "figure": f"step click -> updated figures, median of {len(clicks)} ({args.scenario})",
            "measured_ms": med,
            "baseline_ms": base_med,
            "ratio": med / base_med,
            "target": "< 100 ms (baseline: a no-op Dash callback round trip)",
        },
        {
            "figure": f"step click -> updated figures, 95th percentile ({args.scenario})",
            "measured_ms": p95,
            "baseline_ms": base_p95,
            "ratio": p95 / base_p95,
            "target": "< 250 ms",
        },
        {
            "figure": f"first page load (fresh browser, run drawn), median of {len(first)}",
            "measured_ms": first_load,
            "baseline_ms": base_first,
            "ratio": first_load / base_first,
            "target": "< 2000 ms (baseline: a one-graph Dash page)",
        },
        {
            "figure": f"first page load, 1,000-actor scenario (fresh browser, every graph and the log drawn; run in the server's cache), median of {len(loads['big'])}; page {big_bytes} bytes",
            "measured_ms": big_first,
            "baseline_ms": default_all,
            "ratio": big_first / default_all,
            "target": f"< 2000 ms (baseline: the default page to the same point in the same run; its page {default_bytes} bytes)",
        },
        {
            "figure": f"first page load, 1,000-actor scenario, run computed on request, median of {len(loads['big-cold'])}",
            "measured_ms": big_cold,
            "baseline_ms": default_all,
            "ratio": big_cold / default_all,
            "target": "(a link to an upload the server has not run yet; baseline as above)",
        },
        {
            "figure": "page load, median of 5 reloads",
            "measured_ms": warm,
            "baseline_ms": statistics.median(base_warm),
            "ratio": warm / statistics.median(base_warm),
            "target": "< 2000 ms",
        },
        {
            "figure": f"step click -> updated figures, median of {len(big_clicks)} (1,000 actors, generated; network grouped)",
            "measured_ms": big_med,
            "baseline_ms": big_base_med,
            "ratio": big_med / big_base_med,
            "target": "(baseline: a no-op Dash callback round trip in the same page)",
        },
        {
            "figure": "step click -> updated figures, 95th percentile (1,000 actors, generated; network grouped)",
            "measured_ms": big_p95,
            "baseline_ms": big_base_p95,
            "ratio": big_p95 / big_base_p95,
            "target": "< 500 ms",
        },
        {
            "figure": f"step click -> updated figures, median of {len(every_clicks)} (1,000 actors; network with every actor, the toggle)",
            "measured_ms": every_med,
            "baseline_ms": statistics.median(every_noops),
            "ratio": every_med / statistics.median(every_noops),
            "target": "(for comparison with the grouped view)",
        },
        {
            "figure": "step click -> updated figures, 95th percentile (1,000 actors; network with every actor, the toggle)",
            "measured_ms": every_p95,
            "baseline_ms": percentile(every_noops, 0.95),
            "ratio": every_p95 / percentile(every_noops, 0.95),
            "target": "(for comparison with the grouped view)",
        },
        {
            "figure": f"ensemble of {args.ensemble_runs} runs (hanoi-2019): click -> progress done, outcome bars, fan charts and survival curves drawn",
            "measured_ms": ensemble_ms,
            "baseline_ms": ensemble_one,
            "ratio": ensemble_ms / ensemble_one,
            "target": "< 3000 ms for 1,000 runs (issue 16; baseline: an ensemble of one run, clicked and drawn the same way)",
        },
    ]
    record("dashboard_latency", entries)
    if logs:
        print(f"browser console errors: {logs}", file=sys.stderr)
        sys.exit(1)


def screenshots(driver: Any, url: str, out: Path) -> None:
    """docs/dashboard.png (the default scenario mid-run) and docs/dashboard-fork.png (a fork at Hanoi)."""
    from summitry.dashboard import ids

    out.mkdir(parents=True, exist_ok=True)
    driver.get(url + "/?scenario=singapore-2018&seed=0&step=10")
    while not driver.execute_script(READY_JS, ids.NETWORK):
        time.sleep(0.05)
    time.sleep(1.5)
    driver.save_screenshot(str(out / "dashboard.png"))
    driver.get(url + "/?scenario=hanoi-2019&seed=0&step=30")
    while not driver.execute_script(READY_JS, ids.NETWORK):
        time.sleep(0.05)
    time.sleep(1.0)
    driver.find_elements(By.CSS_SELECTOR, f"#{ids.TABS} .tab")[1].click()
    time.sleep(0.5)
    driver.find_element(By.ID, ids.FORK_PRESET).click()
    time.sleep(0.3)
    driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")[0].click()
    time.sleep(0.5)
    driver.find_element(By.ID, ids.FORK_RUN).click()
    end = time.monotonic() + 30
    while "Fork from week" not in driver.find_element(By.ID, ids.FORK_STATUS).text and time.monotonic() < end:
        time.sleep(0.1)
    time.sleep(1.5)
    driver.execute_script("document.querySelector('.main').scrollTop = 0")
    driver.save_screenshot(str(out / "dashboard-fork.png"))


if __name__ == "__main__":
    main()
