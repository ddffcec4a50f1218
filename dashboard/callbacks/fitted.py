"""The "fitted" badge: shown beside the run's title while its parameters are a calibration's (``summitry dashboard --params``).

The server is given the calibration's values, scenario and report when it
starts (:func:`summitry.dashboard.app.create_app`'s ``fitted``). The badge is
shown while the configuration on screen is that scenario with every fitted
value unchanged; it links to the calibration's report, which the server
serves at ``/calibration-report`` (that one file, nothing else).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dash import Dash, Input, Output, html
from flask import abort, send_file

from summitry.dashboard import ids
from summitry.dashboard.service import Service, normalise_config

REPORT_ROUTE = "calibration-report"
HIDDEN = {"display": "none"}
SHOWN = {
    "display": "inline-block",
    "marginLeft": "10px",
    "fontSize": "12px",
    "verticalAlign": "middle",
}
BADGE = {"background": "#1b7837", "color": "#fff", "fontWeight": 600, "padding": "1px 7px", "borderRadius": "3px", "marginRight": "6px"}


def fitted_matches(fitted: Mapping[str, Any], config: Mapping[str, Any] | None, default_scenario: str) -> tuple[bool, list[str]]:
    """(whether the configuration keeps the calibration's scenario and every fitted value, the other parameters it changes)."""
    cfg = normalise_config(config, default_scenario)
    if cfg["scenario"] != fitted["scenario"]:
        return False, []
    values = fitted["overrides"]
    for k, v in values.items():
        got = cfg["overrides"].get(k)
        if got is None or not math.isclose(float(got), float(v), rel_tol=1e-9, abs_tol=1e-12):
            return False, []
    return True, sorted(k for k in cfg["overrides"] if k not in values)


def fitted_badge(service: Service, config: Mapping[str, Any] | None, prefix: str = "/") -> tuple[Any, dict[str, Any], str]:
    """(children, style, title) of the badge for the configuration on screen."""
    fitted = getattr(service, "fitted", None)
    if not fitted:
        return [], HIDDEN, ""
    ok, others = fitted_matches(fitted, config, service.default_scenario)
    if not ok:
        return [], HIDDEN, ""
    words = f" and {len(others)} other change{'s' if len(others) != 1 else ''}" if others else ""
    children = [
        html.Span("fitted", style=BADGE),
        html.A("calibration report", href=prefix + REPORT_ROUTE, target="_blank", rel="noopener") if fitted.get("report") else "",
        html.Span(words, className="muted"),
    ]
    return children, SHOWN, str(fitted.get("text", ""))


def _register_fitted(app: Dash, service: Service) -> None:
    """The badge's callback, and the route that serves the calibration's report."""
    prefix = app.config.requests_pathname_prefix or "/"

    @app.callback(
        Output(ids.FITTED, "children"),
        Output(ids.FITTED, "style"),
        Output(ids.FITTED, "title"),
        Input(ids.CONFIG, "data"),
        prevent_initial_call=True,  # the first page's badge comes with the page (callbacks/page.py initial_state)
    )
    def _badge(config: Any) -> tuple[Any, dict[str, Any], str]:
        return fitted_badge(service, config, prefix)

    @app.server.route(prefix + REPORT_ROUTE)
    def _report() -> Any:
        fitted = getattr(service, "fitted", None)
        report = fitted.get("report") if fitted else None
        if not report:
            abort(404)
        try:
            return send_file(report, mimetype="text/html")
        except OSError:
            abort(404)
