"""The Dash app factory: ``create_app()`` builds a fresh app with its own caches.

No module-level state: everything an app needs (the run cache, the uploads
store) is created by the factory and reached by its callbacks through a
:class:`~dashboard.service.Service`.

The first page is served with its run already drawn: the layout function
reads the page's query string (the ``Referer`` of the layout request), so the
browser draws the run without waiting for a callback. Should the referrer be
missing, the URL callback draws it instead.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dash import Dash, html
from dash.exceptions import DependencyException
from flask import abort, has_request_context, request

from summitry.dashboard.about import register_docs
from summitry.dashboard.cache import LRUCache
from summitry.dashboard.callbacks import initial_state, register, report_writer
from summitry.dashboard.layout import build_layout
from summitry.dashboard.security import LOOPBACK_NAMES, harden
from summitry.dashboard.service import MAX_UPLOAD_BYTES, UPLOAD_PREFIX, Service, UploadStore
from summitry.dashboard.style import index_page
from summitry.sim.errors import ScenarioError
from summitry.sim.scenario.document import load_scenario_text
from summitry.sim.scenario.loading import read_text

#: The scenario the dashboard opens on.
DEFAULT_SCENARIO = "singapore-2018"
#: Largest request body the server accepts (an upload is base64: 4/3 of the file, plus JSON).
MAX_REQUEST_BYTES = 4 * MAX_UPLOAD_BYTES

log = logging.getLogger(__name__)


def _page_query() -> str | None:
    """The query string of the page asking for its layout (from the Referer header), if known."""
    if not has_request_context() or not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    return "?" + parts.query if parts.query else ""


def _private_upload_dir() -> Path:
    """A fresh upload directory for this server (mode 0700), removed when the process exits normally or on SIGTERM."""
    directory = Path(tempfile.mkdtemp(prefix="summitry-uploads-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def read_scenario_file(path: Path) -> tuple[str, str]:
    """(text, file name) of a scenario file named at startup, validated.

    Raises ScenarioError (file:line: field: problem) when the file cannot be read or is not a valid scenario.
    """
    text = read_text(path, "scenario", ScenarioError)
    load_scenario_text(text, str(path))
    return text, path.name


def create_app(
    default_scenario: str = DEFAULT_SCENARIO,
    cache_size: int = 32,
    upload_dir: str | Path | None = None,
    title: str = "summitry",
    warm: bool = True,
    scenario_file: str | Path | None = None,
    allowed_hosts: frozenset[str] | None = LOOPBACK_NAMES,
    fitted: Mapping[str, Any] | None = None,
    workers: int | None = None,
    **dash_kwargs: Any,
) -> Dash:
    """A new dashboard app.

    Args:
        default_scenario: built-in scenario shown when the URL names none.
        cache_size: how many computed runs (and forks) the server keeps.
        upload_dir: where uploaded scenarios are kept so that a run can be
            rebuilt after the memory cache forgot its upload (None: a fresh
            private temporary directory for this server, removed at exit);
            its size is bounded (:data:`summitry.dashboard.service.MAX_UPLOAD_DIR_BYTES`).
        title: the browser tab's title.
        warm: compute the default scenario's run and first page now (about
            0.2 s), so the first visit is served from the cache.
        scenario_file: a scenario file to open on instead of ``default_scenario``
            (validated now: a bad file raises :class:`~sim.errors.ScenarioError`);
            the server keeps it for its whole life and lists it in the dropdown.
        allowed_hosts: host names a request's ``Host`` header may carry
            (None: any); see :mod:`summitry.dashboard.security`.
        fitted: the calibration the dashboard was opened with (``--params`` of a calibration's file):
            ``scenario`` (as the configuration names it), ``overrides`` (canonical paths), ``text`` and
            ``report`` (a path); while the configuration keeps them the page shows a "fitted" badge.
        workers: processes that compute ensembles between the browser's ticks (None: one per core; 1: none, the
            ticks' requests compute them); see :mod:`summitry.dashboard.background`.
        dash_kwargs: passed to :class:`dash.Dash`.
    """
    if upload_dir is None:
        upload_dir = _private_upload_dir()
    pinned = read_scenario_file(Path(scenario_file)) if scenario_file is not None else None
    if pinned is not None:
        default_scenario = UPLOAD_PREFIX + UploadStore.key_of(pinned[0])
    service = Service(default_scenario, cache_size=cache_size, upload_dir=upload_dir, workers=workers or os.cpu_count() or 1)
    service.fitted = dict(fitted) if fitted else None
    if pinned is not None:
        service.uploads.pin(*pinned)
    elif default_scenario not in service.builtin():
        raise ValueError(f"{default_scenario}: not a built-in scenario ({', '.join(service.builtin())})")
    app = Dash(__name__, title=title, update_title=None, serve_locally=True, **dash_kwargs)  # type: ignore[arg-type]
    # dcc.Graph loads plotly.js from this address when serving locally (dash-renderer sets window._dashPlotlyJSURL to it)
    app.index_string = index_page(app.config.requests_pathname_prefix + "_dash-component-suites/plotly/package_data/plotly.min.js")
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    reload_route = app.config.requests_pathname_prefix + "_reload-hash"

    @app.server.before_request
    def _no_dev_tools() -> Any:
        """Dash always serves ``/_reload-hash`` (hot reload's poll, listing the loaded packages): not without dev tools."""
        if request.path == reload_route and not app._dev_tools.get("hot_reload"):  # type: ignore[attr-defined]
            abort(404)
        return None

    @app.server.errorhandler(DependencyException)
    def _unknown_resource(_exc: DependencyException) -> tuple[str, int]:
        """A component-suite path that is not one of the registered files: not found (Dash answers 500)."""
        return "Not found", 404

    report = report_writer() is not None
    scenarios: list[str | dict[str, str]] = [*service.builtin()]
    scenarios += [{"label": f"{name} (file)", "value": UPLOAD_PREFIX + key} for key, (_, name) in service.uploads.pinned.items()]
    first_pages: LRUCache[dict[tuple[str, str], Any]] = LRUCache(16)

    def serve_layout() -> html.Div:
        layout = build_layout(scenarios, default_scenario, report_available=report)
        query = _page_query()
        if query is None:
            return layout
        try:
            state = first_pages.get_or_compute(query, lambda: initial_state(service, query))
        except Exception:  # the page still works: the URL callback draws the run
            log.exception("could not draw the first run for %s", query)
            return layout
        for (cid, prop), value in state.items():
            setattr(layout[cid], prop, value)
        return layout

    app.layout = serve_layout
    if warm:
        # the default page (no query) drawn now, so that the first visitor does not wait for its run
        try:
            first_pages.get_or_compute("", lambda: initial_state(service, ""))
        except Exception:  # the page still works: its first request computes it
            log.exception("could not draw the default run in advance")
    app.validation_layout = build_layout(scenarios, default_scenario, report_available=report)  # type: ignore[assignment]
    register(app, service)
    register_docs(app)
    harden(app, allowed_hosts)
    app.server.extensions["summitry_service"] = service
    return app
