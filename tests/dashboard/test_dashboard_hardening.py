"""HTTP hardening (dashboard/security.py) through Flask's test client: Host check, headers, JSON errors."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from summitry.dashboard.app import create_app
from summitry.dashboard.security import allowed_host_names


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return create_app("teaching", upload_dir=tmp_path_factory.mktemp("uploads"), warm=False)


@pytest.fixture
def client(app: Any) -> Any:
    return app.server.test_client()


# ------------------------------------------------------------------- Host
@pytest.mark.parametrize("host", ["127.0.0.1:8050", "localhost:8050", "LOCALHOST", "[::1]:8050", "127.0.0.1"])
def test_loopback_names_are_answered(client: Any, host: str) -> None:
    assert client.get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example.com", "evil.example.com:8050", "127.0.0.1.evil.example.com", "10.0.0.5:8050"])
def test_other_host_names_are_refused_everywhere(client: Any, host: str) -> None:
    for path in ("/", "/_dash-layout", "/_dash-dependencies"):
        r = client.get(path, headers={"Host": host})
        assert r.status_code == 400, (path, r.status_code)
        assert r.is_json and "Host" in r.get_json()["error"]
        assert "summitry" not in r.get_data(as_text=True).lower() or "--allowed-host" in r.get_json()["error"]
    r = client.post("/_dash-update-component", json={"output": "x"}, headers={"Host": host})
    assert r.status_code == 400


def test_allowed_host_adds_a_name_and_star_turns_the_check_off(tmp_path: Path) -> None:
    named = create_app("teaching", upload_dir=tmp_path / "a", warm=False, allowed_hosts=allowed_host_names("127.0.0.1", ["summit.lan"]))
    c = named.server.test_client()
    assert c.get("/", headers={"Host": "summit.lan:8050"}).status_code == 200
    assert c.get("/", headers={"Host": "localhost:8050"}).status_code == 200
    assert c.get("/", headers={"Host": "other.lan"}).status_code == 400
    anyone = create_app("teaching", upload_dir=tmp_path / "b", warm=False, allowed_hosts=allowed_host_names("127.0.0.1", ["*"]))
    assert anyone.server.test_client().get("/", headers={"Host": "other.lan"}).status_code == 200


def test_a_server_bound_to_one_address_answers_that_address_only() -> None:
    assert allowed_host_names("10.1.2.3") == frozenset({"10.1.2.3"})
    assert allowed_host_names("::1") == frozenset({"::1", "127.0.0.1", "localhost"})
    assert allowed_host_names("0.0.0.0", ["a.lan", " B.lan "]) == frozenset({"a.lan", "b.lan"})


def test_the_command_passes_allowed_hosts_to_the_server(served: dict[str, Any], cli) -> None:
    got = served
    assert cli("dashboard", "--scenario", "teaching", "--allowed-host", "summit.lan").code == 0
    c = got["app"].test_client()
    assert c.get("/_dash-dependencies", headers={"Host": "summit.lan"}).status_code == 200
    assert c.get("/_dash-dependencies", headers={"Host": "evil.example.com"}).status_code == 400
    help_text = cli("dashboard", "--help").stdout
    assert "--allowed-host" in help_text


def _taken_port() -> Any:
    """A socket listening on a free port of 127.0.0.1 (the caller closes it)."""
    import socket

    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    return taken


@pytest.mark.parametrize("case", ["port-in-use", "not-this-machine", "unknown-host"])
def test_an_address_the_server_cannot_bind_exits_2_naming_the_option(
    case: str, binds: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    import socket

    taken = _taken_port()
    try:
        port = taken.getsockname()[1]
        if case == "port-in-use":
            args, needle = ["--port", str(port)], f"--port {port}: 127.0.0.1:{port} is in use by another program"
        elif case == "not-this-machine":
            # 203.0.113.0/24 is TEST-NET-3 (RFC 5737): an address no machine of this suite has
            args, needle = ["--host", "203.0.113.7"], "--host 203.0.113.7: not an address of this machine"
        else:

            def no_such_host(*args: Any, **kwargs: Any) -> Any:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

            monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no DNS query: the lookup fails as it would
            args, needle = ["--host", "bogus.invalid"], "--host bogus.invalid: not an address of this machine nor a host name"
        r = cli("dashboard", "--scenario", "teaching", *args)
    finally:
        taken.close()
    assert r.code == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    assert needle in r.stderr, r.stderr
    assert binds == []  # nothing was bound, so nothing served
    assert "summitry dashboard on" not in r.stderr  # the address is announced only once the server listens


def test_a_free_address_is_bound_and_announced(binds: list[dict[str, Any]], cli) -> None:
    taken = _taken_port()
    port = taken.getsockname()[1]
    taken.close()
    r = cli("dashboard", "--scenario", "teaching", "--port", str(port))
    assert r.code == 0, r.stderr
    assert [(b["host"], b["port"]) for b in binds] == [("127.0.0.1", port)]
    assert f"summitry dashboard on http://127.0.0.1:{port}/" in r.stderr


# ---------------------------------------------------------------- headers
def test_pages_carry_anti_framing_and_a_csp_that_hashes_every_inline_script(client: Any) -> None:
    r = client.get("/")
    assert r.headers["X-Frame-Options"] == "DENY"
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src "))
    assert "'unsafe-inline'" not in script_src  # an injected inline script does not run (tests/dashboard/browser: test_the_csp_blocks...)
    assert "'unsafe-eval'" in script_src  # plotly's WebGL traces build their drawing code at run time (dashboard/security.py)
    page = r.get_data(as_text=True)
    # every executable inline script of the page is allowed by its hash (JSON data blocks do not run)
    inline = [
        body
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
        if "src=" not in attrs and "application/json" not in attrs and body.strip()
    ]
    assert inline, "the page has Dash's renderer script"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src, body[:80]
    for path in ("/_dash-layout", "/_dash-dependencies"):
        assert client.get(path).headers["X-Frame-Options"] == "DENY"


# -------------------------------------------------------------- callbacks
MALFORMED = [
    ("not json", b"{not json", "the body is not JSON"),
    ("a list", b"[1, 2]", "the body must be a JSON object"),
    ("no output", b'{"inputs": []}', "output must be a non-empty string"),
    ("unknown output", b'{"output": "nowhere.children", "inputs": []}', "no callback has the output nowhere.children"),
    ("inputs not a list", b'{"output": "%s", "inputs": 5}', "inputs must be a list"),
    ("input without a property", b'{"output": "%s", "inputs": [{"id": "x"}]}', "every entry of inputs needs an id and a property"),
    ("state of numbers", b'{"output": "%s", "inputs": [], "state": [1, 2]}', "every entry of state needs an id and a property"),
    ("changed ids", b'{"output": "%s", "inputs": [], "changedPropIds": [3]}', "changedPropIds must be a list of strings"),
]


@pytest.mark.parametrize(("label", "body", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_callback_payloads_get_a_short_json_error(app: Any, client: Any, label: str, body: bytes, message: str) -> None:
    output = next(iter(app.callback_map))
    if b"%s" in body:
        body = body.replace(b"%s", output.encode())
    r = client.post("/_dash-update-component", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, (label, r.status_code, r.get_data(as_text=True)[:200])
    assert r.is_json
    assert r.get_json() == {"error": f"malformed callback request: {message}"}
    assert len(r.get_data()) < 300


def test_a_failing_callback_answers_json_500_without_internals(app: Any, client: Any) -> None:
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if any(i["id"] == "forward-button" for i in d["inputs"]))
    cfg = {"scenario": "teaching", "seed": 0, "mode": None, "overrides": {}}
    state_values = {("run-info-store", "data"): {"config": cfg, "last": "not a number"}, ("config-store", "data"): cfg}
    body = {
        "output": dep["output"],
        "outputs": [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in dep["output"].strip(".").split("...")],
        "inputs": [{**i, "value": 1 if i["id"] == "forward-button" else None} for i in dep["inputs"]],
        "state": [{**s, "value": state_values.get((s["id"], s["property"]))} for s in dep["state"]],
        "changedPropIds": ["forward-button.n_clicks"],
    }
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 500
    assert r.get_json() == {"error": "internal error while computing this update"}


def test_a_well_formed_callback_still_works(app: Any, client: Any) -> None:
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if [i["id"] for i in d["inputs"]] == ["scenario-upload"])
    body = {
        "output": dep["output"],
        "outputs": [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in dep["output"].strip(".").split("...")],
        "inputs": [{"id": "scenario-upload", "property": "contents", "value": "data:x;base64,!!!"}],
        "state": [{**s, "value": None} for s in dep["state"]],
        "changedPropIds": ["scenario-upload.contents"],
    }
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert "not valid base64" in r.get_data(as_text=True)


def test_every_interface_without_allowed_hosts_says_the_check_is_off(served: dict[str, Any], cli) -> None:
    got = served
    r = cli("dashboard", "--scenario", "teaching", "--host", "0.0.0.0")
    assert r.code == 0
    assert "any Host header is answered" in r.stderr
    assert got["app"].test_client().get("/_dash-dependencies", headers={"Host": "anything.lan"}).status_code == 200
    r = cli("dashboard", "--scenario", "teaching", "--host", "0.0.0.0", "--allowed-host", "summit.lan")
    assert "any Host header" not in r.stderr
    assert got["app"].test_client().get("/_dash-dependencies", headers={"Host": "anything.lan"}).status_code == 400
