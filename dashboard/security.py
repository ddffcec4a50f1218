"""HTTP hardening of the dashboard's Flask server: Host check, anti-framing and CSP headers, JSON errors for callbacks.

* **Host header.** A page on another site can make a browser send requests to
  ``127.0.0.1:8050`` under its own name (DNS rebinding); refusing any ``Host``
  the server was not told to answer to stops that. The allowed names are the
  bound address, the loopback names when bound to loopback, and whatever
  ``--allowed-host`` adds (``*`` turns the check off).
* **Framing and scripts.** ``X-Frame-Options: DENY`` and CSP ``frame-ancestors
  'none'`` keep the page out of other sites' frames; the CSP allows scripts
  from the server itself and the page's own inline scripts by hash (Dash's
  renderer and the clientside callbacks); no other inline script runs.
  ``'unsafe-eval'`` stays allowed because plotly.js's WebGL traces (the
  network and stance charts above 300 actors) compile their shaders'
  drawing code with ``new Function``; without it those charts show "WebGL is
  not supported". Inline styles stay allowed: plotly.js and Dash's
  components set ``style`` attributes.
* **Callback requests.** A body that is not a callback request (not JSON, a
  wrong shape, an unknown output) gets a short JSON answer with status 400,
  and an internal fault while computing an update a JSON 500, instead of an
  HTML error page.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from typing import Any

from dash import Dash
from flask import jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})


def allowed_host_names(bound: str, extra: Iterable[str] = ()) -> frozenset[str] | None:
    """The host names requests may carry for a server bound to ``bound`` (None: any).

    >>> sorted(allowed_host_names("127.0.0.1"))
    ['127.0.0.1', '::1', 'localhost']
    >>> sorted(allowed_host_names("10.0.0.5", ["summit.example.org"]))
    ['10.0.0.5', 'summit.example.org']
    >>> allowed_host_names("0.0.0.0") is None  # every interface: name the hosts with --allowed-host to check
    True
    >>> allowed_host_names("127.0.0.1", ["*"]) is None
    True
    """
    extra = [e.strip().lower().strip("[]") for e in extra if e.strip()]
    if "*" in extra:
        return None
    bound = bound.strip().lower().strip("[]")
    if bound in ANY_ADDRESS and not extra:
        return None
    names = set(extra)
    if bound not in ANY_ADDRESS:
        names.add(bound)
    if _is_loopback(bound):
        names |= LOOPBACK_NAMES
    return frozenset(names)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name part of a Host header (no port, no IPv6 brackets), lower case.

    >>> host_name("LocalHost:8050"), host_name("[::1]:8050"), host_name("127.0.0.1")
    ('localhost', '::1', '127.0.0.1')
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def content_security_policy(app: Dash) -> str:
    """The page's CSP: own origin only, the page's inline scripts by hash, no framing, no plugins."""
    scripts = " ".join(["'self'", "'unsafe-eval'", *app.csp_hashes()])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def callback_body_problem(body: Any, known_outputs: Iterable[str]) -> str | None:
    """What makes ``body`` not a Dash callback request (None when it is one).

    >>> callback_body_problem({"output": "a.children", "inputs": [{"id": "b", "property": "value"}]}, ["a.children"])
    >>> callback_body_problem([], ["a.children"])
    'the body must be a JSON object'
    >>> callback_body_problem({"output": "x.y", "inputs": []}, ["a.children"])
    'no callback has the output x.y'
    """
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or not output:
        return "output must be a non-empty string"
    if output not in set(known_outputs):
        shown = output if len(output) <= 80 else output[:77] + "..."
        return f"no callback has the output {shown}"
    if "outputs" in body and not isinstance(body["outputs"], dict | list):
        return "outputs must be an object or a list"
    for key in ("inputs", "state"):
        items = body.get(key, [])
        if not isinstance(items, list):
            return f"{key} must be a list"
        for item in items:
            group = item if isinstance(item, list) else [item]
            for entry in group:
                if not isinstance(entry, dict) or "id" not in entry or not isinstance(entry.get("property"), str):
                    return f"every entry of {key} needs an id and a property"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of strings"
    return None


def harden(app: Dash, allowed_hosts: frozenset[str] | None) -> None:
    """Install the Host check, the security headers and the JSON callback errors on ``app``'s server.

    Call after every callback is registered (the CSP hashes the inline scripts then).
    """
    server = app.server
    server.config["SUMMITRY_ALLOWED_HOSTS"] = allowed_hosts
    csp = content_security_policy(app)
    callback_route = app.config.requests_pathname_prefix + "_dash-update-component"

    def json_error(message: str, status: int) -> Any:
        response = jsonify({"error": message})
        response.status_code = status
        return response

    @server.before_request
    def _check_request() -> Any:
        allowed = server.config.get("SUMMITRY_ALLOWED_HOSTS")
        if allowed is not None and host_name(request.host or "") not in allowed:
            return json_error("this server does not answer to that Host name (see summitry dashboard --allowed-host)", 400)
        if request.path == callback_route and request.method == "POST":
            body = request.get_json(silent=True)
            problem = "the body is not JSON" if body is None else callback_body_problem(body, app.callback_map)
            if problem is not None:
                return json_error(f"malformed callback request: {problem}", 400)
        return None

    @server.after_request
    def _headers(response: Any) -> Any:
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = csp
        return response

    @server.errorhandler(InternalServerError)
    def _internal(exc: InternalServerError) -> Any:
        if request.path == callback_route:
            original = getattr(exc, "original_exception", None)
            log.error("callback failed", exc_info=original)
            return json_error("internal error while computing this update", 500)
        return exc

    @server.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if request.path == callback_route and exc.code is not None and exc.code >= 400:
            return json_error(exc.description or exc.name, exc.code)
        return exc
