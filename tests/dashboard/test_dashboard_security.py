"""The dashboard's security guarantees (issue 7): loopback by default, debug off, bounded uploads, no server paths.

The HTTP tests run against the production server (``summitry dashboard --port P``,
waitress) started as a subprocess; it is always stopped in a ``finally``.
"""

from __future__ import annotations

import base64
import html as html_lib
import http.client
import importlib.util
import json
import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psutil
import pytest
import requests

from summitry.dashboard import callbacks as C
from summitry.dashboard.app import MAX_REQUEST_BYTES
from summitry.dashboard.service import MAX_UPLOAD_BYTES, Service

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "dashboard_load.py"
PASSWD = "root:x:0:0"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("summitry_dashboard_load", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


BENCH_MOD = load_bench()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    srv = BENCH_MOD.start_server(log_dir=tmp_path_factory.mktemp("server"))
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def cbs(server: Any) -> Any:
    return BENCH_MOD.Callbacks(requests.get(server.url + "/_dash-dependencies", timeout=30).json())


def raw_get(port: int, path: str) -> tuple[int, str]:
    """GET ``path`` byte for byte (no client-side normalisation of ``..`` or %-escapes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", errors="replace")
    finally:
        conn.close()


def post_callback(
    server: Any, cbs: Any, inputs: tuple[str, ...], values: dict[str, Any], state: dict[str, Any], changed: str
) -> requests.Response:
    dep = cbs.find(inputs)
    return requests.post(server.url + "/_dash-update-component", json=cbs.body(dep, values, state, [changed]), timeout=60)


# ------------------------------------------------------------------ binding
def test_binds_loopback_by_default_and_says_so(server: Any) -> None:
    assert f"on http://127.0.0.1:{server.port}/" in server.log()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5):
        pass
    proc = psutil.Process(server.proc.pid)
    conns = proc.net_connections(kind="inet") if hasattr(proc, "net_connections") else proc.connections(kind="inet")
    listening = [c.laddr for c in conns if c.status == psutil.CONN_LISTEN]
    assert listening, "the server listens on no socket"
    assert all(addr.ip == "127.0.0.1" for addr in listening), listening
    assert {addr.port for addr in listening} == {server.port}


def test_cli_default_host_is_loopback() -> None:
    import typer
    from typer.testing import CliRunner

    from summitry.dashboard.cli import register

    app = typer.Typer()
    register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command so that "dashboard" stays a subcommand
        pass

    result = CliRunner().invoke(app, ["dashboard", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output


# -------------------------------------------------------------------- debug
def test_debug_is_off(server: Any, cbs: Any) -> None:
    # no dev-tools routes (hot reload) and no dev-tools UI in the page's config
    assert requests.get(server.url + "/_reload-hash", timeout=30).status_code == 404
    page = requests.get(server.url + "/", timeout=30).text
    found = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page, re.S)
    assert found
    config = json.loads(html_lib.unescape(found.group(1)))
    assert config.get("ui") is False
    assert not config.get("hot_reload")
    # a callback that fails answers a short JSON 500: no traceback, no debugger, no source paths
    r = post_callback(
        server,
        cbs,
        ("reset-button", "back-button", "forward-button", "end-button", "play-interval", "step-slider"),
        {"forward-button.n_clicks": 1, "step-slider.value": 0},
        {
            "run-info-store.data": {
                "config": {"scenario": "singapore-2018", "seed": 0, "mode": None, "overrides": {}},
                "last": "not a number",
            },
            "config-store.data": {"scenario": "singapore-2018", "seed": 0, "mode": None, "overrides": {}},
        },
        "forward-button.n_clicks",
    )
    assert r.status_code == 500
    for leak in ("Traceback", "__debugger__", "Werkzeug Debugger", 'File "', ".py", "ValueError"):
        assert leak not in r.text
    status, body = raw_get(server.port, "/?__debugger__=yes&cmd=resource&f=debugger.js")
    assert status < 500
    assert "Werkzeug" not in body and "debugger" not in body.lower().replace("__debugger__", "")


# ------------------------------------------------------------------ uploads
def upload_payload(size: int) -> str:
    return "data:application/x-yaml;base64," + base64.b64encode(b"# " + b"x" * (size - 3) + b"\n").decode()


def test_upload_over_2_mib_is_refused_with_a_message(tmp_path: Path) -> None:
    service = Service("singapore-2018", upload_dir=tmp_path / "uploads")
    config = service.config({"scenario": "singapore-2018", "seed": 4})
    out = C.upload_scenario(service, upload_payload(MAX_UPLOAD_BYTES + 1), "big.yaml", config)
    assert "config" not in out  # the run on screen stays
    text = json.dumps(out["errors"], default=lambda o: o.to_plotly_json())
    assert "big.yaml: the file is 2.0 MiB; the limit is 2 MiB" in text
    assert "Upload rejected" in text
    assert list((tmp_path / "uploads").iterdir()) == []  # nothing was stored


def test_upload_over_2_mib_over_http_answers_the_message(server: Any, cbs: Any) -> None:
    contents = upload_payload(3 * 2**20)
    r = post_callback(
        server,
        cbs,
        ("scenario-upload",),
        {"scenario-upload.contents": contents},
        {"scenario-upload.filename": "big.yaml", "config-store.data": None},
        "scenario-upload.contents",
    )
    assert r.status_code == 200
    assert "the limit is 2 MiB" in r.text
    assert "config-store" not in r.json()["response"]


def test_request_body_over_the_server_limit_is_refused(server: Any) -> None:
    r = requests.post(
        server.url + "/_dash-update-component",
        data=b"x" * (MAX_REQUEST_BYTES + 1),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert r.status_code == 413


# -------------------------------------------------------------- server paths
TRAVERSALS = (
    "/../../etc/passwd",
    "/../../../../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "//etc/passwd",
    "/etc/passwd",
    "/assets/../../../../etc/passwd",
    "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/_dash-component-suites/dash/../../../../../../etc/passwd",
    "/_dash-component-suites/dash/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/_dash-component-suites/../../../../../etc/passwd",
    "/_favicon.ico/../../../../etc/passwd",
    "/?scenario=../../../../etc/passwd",
    "/?scenario=upload:../../../../etc/passwd",
    "/_dash-layout?scenario=/etc/passwd",
)


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_route_reads_a_path_given_by_the_browser(server: Any, path: str) -> None:
    status, body = raw_get(server.port, path)
    assert status < 500
    assert PASSWD not in body


def test_downloads_take_no_filename(cbs: Any) -> None:
    """The export callbacks read only the configuration (and a format): never a name or path from the browser."""
    for button in ("export-zip-button", "export-report-button", "export-data-button"):
        dep = cbs.find((button,))
        states = {(s["id"], s["property"]) for s in dep["state"]}
        assert states <= {("config-store", "data"), ("export-format", "value")}, states


BAD_SCENARIOS = ("../../../../etc/passwd", "/etc/passwd", "upload:../../../../etc/passwd", "upload:", "scenarios/../../../etc/passwd")


@pytest.mark.parametrize("scenario", BAD_SCENARIOS)
@pytest.mark.parametrize("button", ["export-zip-button", "export-report-button", "export-data-button"])
def test_download_of_a_tampered_config_reads_no_file(server: Any, cbs: Any, button: str, scenario: str) -> None:
    config = {"scenario": scenario, "seed": 0, "mode": None, "overrides": {}}
    r = post_callback(
        server, cbs, (button,), {f"{button}.n_clicks": 1}, {"config-store.data": config, "export-format.value": "CSV"}, f"{button}.n_clicks"
    )
    assert r.status_code < 500
    assert PASSWD not in r.text
    if r.status_code == 200:  # a download, if any, is of a run, never of the named file
        download = r.json()["response"].get("download", {}).get("data")
        if download:
            assert PASSWD not in base64.b64decode(download["content"]).decode("latin-1")


def test_upload_filename_is_never_read(tmp_path: Path) -> None:
    """An upload's filename only labels messages: the content comes from the browser, never from that path."""
    service = Service("singapore-2018", upload_dir=tmp_path / "uploads")
    out = C.upload_scenario(service, "data:text/yaml;base64," + base64.b64encode(b"name: [").decode(), "../../../../etc/passwd", None)
    text = json.dumps(out, default=lambda o: o.to_plotly_json())
    assert PASSWD not in text
    assert "../" not in text
