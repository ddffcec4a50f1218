"""The dashboard's stylesheet, inlined into the page (no assets folder to package), and the page around it."""

from __future__ import annotations

CSS = """
:root { --blue: #1f77b4; --red: #d62728; --ink: #222; --muted: #667; --line: #e3e5ea; --bg: #f5f6f8; --accent: #2a6f97; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: var(--bg); color: var(--ink);
  font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 13px; }
.app { display: grid; grid-template-columns: 268px minmax(0, 1fr); grid-template-rows: 46px minmax(0, 1fr); height: 100vh; }
.topbar { grid-column: 1 / 3; display: flex; align-items: center; gap: 8px; padding: 0 12px; background: #1d2b36; color: #fff;
  overflow: hidden; min-width: 0; }
.brand { font-weight: 700; font-size: 17px; letter-spacing: 0.3px; margin-right: 6px; }
.brand small { font-weight: 400; color: #aab6c2; font-size: 11px; margin-left: 6px; }
.topbar .dash-dropdown, .topbar .Select { color: var(--ink); }
.topbar .grow { flex: 1; }
.topbar label { color: #c9d3dc; font-size: 12px; }
.sidebar { overflow-y: auto; background: #fff; border-right: 1px solid var(--line); padding: 10px 10px 40px; }
.sidebar h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); margin: 10px 0 6px; }
.main { overflow-y: auto; padding: 8px 12px 24px; min-width: 0; }
.btn { border: 1px solid #c5ccd6; background: #fff; color: var(--ink); border-radius: 5px; padding: 4px 10px; cursor: pointer;
  font-size: 13px; line-height: 20px; white-space: nowrap; }
.btn:hover { background: #eef3f8; }
.btn.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
.btn.primary:hover { background: #245d7e; }
.btn.dark { background: #2c3e4d; border-color: #435767; color: #fff; }
.btn.dark:hover { background: #3a5061; }
.btn.small { padding: 2px 8px; font-size: 12px; }
.row { display: flex; align-items: center; gap: 8px; }
.field { display: flex; align-items: center; gap: 6px; margin: 6px 0; }
.field label { color: var(--muted); min-width: 42px; }
.errors { background: #fdecea; border: 1px solid #f5c2c0; color: #8a1c1c; border-radius: 6px; padding: 8px 12px; margin-bottom: 8px;
  font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; white-space: pre-wrap; }
.errors:empty { display: none; }
.errors .close-hint { font-family: inherit; color: #a55; }
.headline { display: flex; align-items: baseline; gap: 12px; margin: 2px 0 6px; flex-wrap: wrap; }
.headline h1 { font-size: 16px; margin: 0; font-weight: 650; }
.outcome { color: var(--muted); font-size: 13px; }
.badge { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 11px; font-weight: 600; color: #fff; margin-right: 6px; background: #888; }
.playbar { display: flex; align-items: center; gap: 6px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 6px 10px; margin-bottom: 8px; }
.playbar .slider-wrap { flex: 1; min-width: 200px; padding: 0 8px; }
.playbar .step-label { min-width: 170px; text-align: right; font-variant-numeric: tabular-nums; color: var(--ink); font-weight: 600; }
.playbar .speed { width: 96px; }
.grid3 { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; }
.grid2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 4px; min-width: 0; }
.card.wide { grid-column: span 2; }
.card.network { position: relative; }
.netmode { position: absolute; top: 6px; right: 70px; z-index: 2; display: flex; align-items: center; gap: 2px; font-size: 12px;
  background: rgba(255,255,255,0.9); border-radius: 4px; padding: 1px 4px; }
.card.full { grid-column: 1 / -1; }
.card.tall { grid-row: span 2; }
.card h4 { margin: 4px 6px 6px; font-size: 14px; font-weight: 600; }
.card .hint { color: var(--muted); font-size: 12px; margin: 0 6px 6px; }
.tabs-bar { margin-bottom: 8px; }
details.group { border: 1px solid var(--line); border-radius: 6px; margin-bottom: 6px; background: #fbfbfc; }
details.group > summary { cursor: pointer; padding: 6px 8px; font-weight: 600; }
details.group > summary .count { color: var(--muted); font-weight: 400; font-size: 11px; margin-left: 4px; }
details.group .actor { font-size: 12px; font-weight: 600; color: #334; margin: 8px 8px 2px; border-bottom: 1px solid var(--line); }
.param { padding: 2px 8px 4px; }
.param .name { font-size: 11.5px; color: #345; display: flex; justify-content: space-between; gap: 6px; }
.param .name span.range { color: #99a; font-size: 10.5px; }
.param .dash-slider, .param .rc-slider { margin: 0; }
.param input[type=number] { width: 100%; }
.param .dash-slider-container { gap: 8px; }
.param .dash-slider-container input.dash-range-slider-input { display: block !important; width: 64px !important; min-width: 64px;
  order: 2; font-size: 12px; padding: 1px 4px; height: 24px; margin: 0; }
.param .dash-slider-wrapper { order: 1; flex: 1; min-width: 0; }
.param.changed .name { color: var(--accent); font-weight: 600; }
.muted { color: var(--muted); }
.chips { display: flex; flex-wrap: wrap; gap: 4px; margin: 6px 0; }
.chip { background: #eef3f8; border: 1px solid #c9d8e6; border-radius: 10px; padding: 1px 8px; font-size: 12px; }
.progress { height: 14px; background: #e9edf2; border-radius: 7px; overflow: hidden; flex: 1; }
.progress > div { height: 100%; background: var(--accent); transition: width .2s; }
table.compare { border-collapse: collapse; width: 100%; font-size: 12px; }
table.compare th, table.compare td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
table.compare th { color: var(--muted); font-weight: 600; }
.events-filters { display: flex; gap: 8px; align-items: center; margin: 0 6px 6px; }
.events-filters > div { width: 220px; }
#events-table th.dash-filter { display: none; }
#events-table tr:has(> th.dash-filter) { display: none; }
.dash-table-container .previous-next-container { font-size: 12px; }
input.seed { width: 90px; }
.signal-legend { font-size: 11.5px; margin: 2px 8px 4px; color: var(--ink); }
.signal-legend ul { list-style: none; margin: 2px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 14px; }
.signal-legend.detailed ul { display: block; }
.signal-legend.detailed li { margin: 4px 0; }
.signal-legend .kinds { color: var(--muted); margin-left: 22px; }
.swatch { display: inline-block; width: 16px; height: 4px; border-radius: 2px; margin-right: 5px; vertical-align: middle; }
.swatch.stance { height: 10px; width: 28px; background: linear-gradient(90deg, #1b9e77, #f2e394, #d95f02); }
.about { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px 16px; max-width: 980px; }
.about h3 { font-size: 15px; margin: 10px 0 6px; }
.about .lead { font-size: 13.5px; }
.mechanisms { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 4px 20px; }
.mechanism h4 { margin: 8px 0 2px; font-size: 13.5px; }
.mechanism p { margin: 0; line-height: 1.45; }
.mechanism a, .about a { color: var(--accent); white-space: nowrap; }
/* a narrow window (1024 x 768): no sideways scroll, the week label whole */
@media (max-width: 1200px) {
  .app { grid-template-columns: 220px minmax(0, 1fr); }
  .grid3 { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .card.wide { grid-column: 1 / -1; }
  .playbar { flex-wrap: wrap; }
  .playbar .slider-wrap { min-width: 160px; flex-basis: 160px; }
  .playbar .step-label { min-width: 0; white-space: nowrap; }
  .mechanisms { grid-template-columns: minmax(0, 1fr); }
  .topbar .brand small { display: none; }
}
.timeline { position: relative; }
.timeline .marker, .timeline .veil { position: absolute; top: 0; left: 0; height: 0; pointer-events: none; display: none; }
.timeline .marker { width: 0; border-left: 1.5px solid rgba(0,0,0,0.5); }
.timeline .veil { background: rgba(255,255,255,0.82); }
"""

INDEX = (
    """<!DOCTYPE html>
<html lang="en">
  <head>
    {%metas%}
    <title>{%title%}</title>
    {%favicon%}
    {%css%}
    <link rel="preload" href="__PLOTLY_JS__" as="script">
    <style>"""
    + CSS
    + """</style>
  </head>
  <body>
    {%app_entry%}
    <footer>
      {%config%}
      {%scripts%}
      {%renderer%}
    </footer>
  </body>
</html>
"""
)


def index_page(plotly_js_url: str) -> str:
    """The page template (:data:`INDEX`) with plotly.js preloaded from ``plotly_js_url``.

    dcc.Graph asks for plotly.js (4.8 MB) only once the layout has arrived and
    been rendered; preloading it from the page's head overlaps its download
    with the layout request and the first render. The URL must be the one
    dcc.Graph loads (``window._dashPlotlyJSURL``), so the browser reuses the
    preloaded response instead of fetching it twice.
    """
    return INDEX.replace("__PLOTLY_JS__", plotly_js_url)
