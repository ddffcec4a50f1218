"""The events table under the timeline: a page of a run's events up to the week on screen, filtered by actor and kind."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from dash import Dash, Input, Output, State

from summitry.dashboard import ids
from summitry.dashboard.callbacks.common import Out, _emit
from summitry.dashboard.service import Service
from summitry.sim import figures as F
from summitry.sim.errors import InputError
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.runview import run_view

EVENTS_FILTER_JS = """
function(step, actor, kind, paging) {
    function q(s) { return '"' + String(s).replace(/"/g, '\\\\"') + '"'; }
    if (paging === 'custom') {  // a large run: the server pages the log
        return [window.dash_clientside.no_update, {week: step || 0, actor: actor || null, kind: kind || null}];
    }
    let out = "{week} <= " + (step || 0);
    if (actor) { out += " && ({sender} = " + q(actor) + " || {receiver} contains " + q(actor) + ")"; }
    if (kind) { out += " && {kind} = " + q(kind); }
    return [out, window.dash_clientside.no_update];
}
"""


#: Rows on a page of the event log (the table's page_size).
EVENTS_PAGE_SIZE = 12


def events_page_rows(rows: Sequence[Mapping[str, Any]], week: int, actor: str | None, kind: str | None, page: int) -> Out:
    """Page ``page`` of the event log ``rows`` (newest first) filtered as the table's own filter does for
    small runs (EVENTS_FILTER_JS): weeks up to ``week``, ``actor`` the sender or among the receivers, ``kind``.

    Returns ``events`` (the page's rows, without their source), ``events_page_count`` (at least 1) and
    ``events_page`` (``page`` kept within the pages there are).
    """
    kept = [
        r
        for r in rows
        if r["week"] <= week and (not actor or r["sender"] == actor or actor in r["receiver"]) and (not kind or r["kind"] == kind)
    ]
    count = max(1, math.ceil(len(kept) / EVENTS_PAGE_SIZE))
    page = min(max(int(page or 0), 0), count - 1)
    shown = kept[page * EVENTS_PAGE_SIZE : (page + 1) * EVENTS_PAGE_SIZE]
    return {"events": [{k: v for k, v in r.items() if k != "source"} for r in shown], "events_page_count": count, "events_page": page}


def _event_rows(result: RunResult) -> list[dict[str, Any]]:
    """The run's event log rows, newest first (the table shows what just happened at the top); kept with the
    run's view, read-only (a 10,000-actor run's log takes about 0.5 s to lay out)."""
    view = run_view(result)
    rows = view.memo.get("event_rows")
    if rows is None:
        rows = view.memo["event_rows"] = list(reversed(F.events_table_rows(result)))
    return rows


def events_page(
    service: Service, config: Mapping[str, Any] | None, info: Mapping[str, Any] | None, query: Mapping[str, Any] | None, page: Any
) -> Out:
    """The event log's page for a large run (the table pages on the server): see :func:`events_page_rows`."""
    if not config or not info or not query or info.get("config") != service.config(config):
        return {}
    try:
        result = service.result(config)
    except InputError:
        return {}
    rows = _event_rows(result)
    out = events_page_rows(rows, int(query.get("week") or 0), query.get("actor"), query.get("kind"), int(page or 0))
    if out["events_page"] == page:
        del out["events_page"]
    return out


def _register_events(app: Dash, service: Service) -> None:
    """The events table: filtered in the browser for a small run, paged by the server for a large one."""
    app.clientside_callback(
        EVENTS_FILTER_JS,
        Output(ids.EVENTS, "filter_query"),
        Output(ids.EVENTS_QUERY, "data"),
        Input(ids.SLIDER, "value"),
        Input("events-actor", "value"),
        Input("events-kind", "value"),
        State(ids.EVENTS, "page_action"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.EVENTS, "data", allow_duplicate=True),
        Output(ids.EVENTS, "page_count", allow_duplicate=True),
        Output(ids.EVENTS, "page_current", allow_duplicate=True),
        Input(ids.EVENTS_QUERY, "data"),
        Input(ids.EVENTS, "page_current"),
        State(ids.CONFIG, "data"),
        State(ids.RUN_INFO, "data"),
        State(ids.EVENTS, "page_action"),
        prevent_initial_call=True,
    )
    def _events_page(query: Any, page: Any, config: Any, info: Any, paging: Any) -> tuple[Any, ...]:
        names = ["events", "events_page_count", "events_page"]
        if paging != "custom":  # the table pages itself (a small run)
            return _emit(names, {})
        return _emit(names, events_page(service, config, info, query, page))
