"""The dashboard under load: concurrent HTTP sessions replaying the page's own callback requests.

Starts the production server (``summitry dashboard --port P``, waitress on
127.0.0.1) as a subprocess, then drives N sessions (threads, each with its
own ``requests.Session``) for a fixed time. Each session replays what the
page sends to ``POST /_dash-update-component`` (the callback specs are read
from the server's own ``/_dash-dependencies``): pick a scenario, draw the
run, step forward, scrub the timeline, prepare and run a fork, and run an
ensemble of 50 (start, then ticks until done). Loops are bounded by the
deadline and stop by themselves; only loopback addresses are used.

Checks and figures:

- server errors: any HTTP status >= 500, a callback answer that is not a
  Dash response, a transport error, or a traceback in the server's log;
- isolation: each session has its own seed; every answer must belong to the
  session's configuration (run-info's config, the title's seed, the fork's
  base config, the ensemble's config) and each step's trust matrix must equal
  the one computed in this process for that session's scenario and seed;
- step latency (forward click and slider scrub), p50 and p95: target
  p95 < 300 ms; baseline is a no-op callback (clear the fork) on the idle server;
- server RSS sampled every second: flat after warm-up (bounded caches).

Usage: python benchmarks/dashboard_load.py [--sessions 20] [--seconds 60] [--ensemble 50]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
UPDATE = "/_dash-update-component"


# ------------------------------------------------------------------ server
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def summitry_exe() -> list[str]:
    """The ``summitry`` console script of this interpreter's environment (or ``python -m`` fallback)."""
    exe = Path(sys.executable).with_name("summitry")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("summitry")
    if found:
        return [found]
    return [sys.executable, "-c", "from summitry.sim.cli import app; app()"]


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Terminate the server (kill it if it does not stop within 5 s)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def start_server(extra_args: list[str] | None = None, timeout: float | None = None, log_dir: Path | None = None) -> Server:
    """``summitry dashboard --port P`` on a free port; returns once 127.0.0.1:P accepts connections.

    It waits on the server itself: until it answers, or until its process
    exits (then the log says why). On a loaded machine starting the app can
    take minutes, so by default there is no clock; ``timeout`` (seconds) sets
    one for callers that want it. The caller must call :meth:`Server.stop`
    (in a ``finally``).
    """
    port = free_port()
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="summitry-load-"))
    log_path = log_dir / f"server-{port}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [*summitry_exe(), "dashboard", "--port", str(port), *(extra_args or [])],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
    server = Server(proc, port, log_path)
    end = None if timeout is None else time.monotonic() + timeout
    try:
        while end is None or time.monotonic() < end:
            if proc.poll() is not None:
                raise RuntimeError(f"the dashboard exited with {proc.returncode}:\n{server.log()}")
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    pass
                r = requests.get(server.url + "/_dash-dependencies", timeout=10)
                if r.status_code == 200:
                    return server
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the dashboard did not start within {timeout} s:\n{server.log()}")
    except BaseException:
        server.stop()
        raise


def rss_of(pid: int) -> float:
    """Resident set size of ``pid`` in MiB (psutil, else /proc/PID/status)."""
    try:
        import psutil

        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# --------------------------------------------------------------- callbacks
def split_output(output: str) -> list[dict[str, str]]:
    """The ``outputs`` list of a request from a callback's output string (``..a.p@h...b.q..`` or ``a.p``)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for p in parts:
        cid, prop = p.rsplit(".", 1)
        out.append({"id": cid, "property": prop})
    return out


class Callbacks:
    """The server's callback specs, looked up by their inputs (and an output they write)."""

    def __init__(self, deps: list[dict[str, Any]]) -> None:
        self.deps = [d for d in deps if not d.get("clientside_function")]

    def find(self, inputs: tuple[str, ...], writes: str | None = None) -> dict[str, Any]:
        for d in self.deps:
            if tuple(i["id"] for i in d["inputs"]) == inputs and (writes is None or writes in d["output"]):
                return d
        raise LookupError(f"no callback with inputs {inputs} writing {writes}")

    @staticmethod
    def body(dep: dict[str, Any], inputs: dict[str, Any], state: dict[str, Any], changed: list[str]) -> dict[str, Any]:
        """The request body the page sends: every input and state with its value (keyed ``id.prop``)."""

        def items(specs: list[dict[str, str]], values: dict[str, Any]) -> list[dict[str, Any]]:
            return [{"id": s["id"], "property": s["property"], "value": values.get(f"{s['id']}.{s['property']}")} for s in specs]

        return {
            "output": dep["output"],
            "outputs": split_output(dep["output"]) if dep["output"].startswith("..") else split_output(dep["output"])[0],
            "inputs": items(dep["inputs"], inputs),
            "state": items(dep["state"], state),
            "changedPropIds": changed,
        }


def patch_value(patch: Any, location: list[Any]) -> Any:
    """The value a Dash ``Patch`` assigns at ``location`` (None if it assigns nothing there)."""
    if not isinstance(patch, dict):
        return None
    for op in patch.get("operations", []):
        if op.get("operation") == "Assign" and op.get("location") == location:
            return op["params"]["value"]
    return None


# ----------------------------------------------------------------- sessions
@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    requests: int = 0
    cycles: int = 0
    ensembles: int = 0
    forks: int = 0

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.latency.setdefault(kind, []).append(ms)
            self.requests += 1

    def error(self, msg: str) -> None:
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(msg)
            else:
                self.errors.append("…")

    def leak(self, msg: str) -> None:
        with self.lock:
            self.leaks.append(msg)


class Expected:
    """Trust matrices of each (scenario, seed) at every week, computed in this process (the reference)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[tuple[str, int], Any] = {}

    def matrix(self, scenario: str, seed: int, step: int) -> Any:
        from summitry.sim.figures import trust_matrix_at
        from summitry.sim.run import run_scenario
        from summitry.sim.scenario.document import load_scenario

        with self._lock:
            if (scenario, seed) not in self._runs:
                self._runs[(scenario, seed)] = run_scenario(load_scenario(scenario), seed=seed)
            result = self._runs[(scenario, seed)]
        return json.loads(json.dumps(trust_matrix_at(result, step)[2]))


class Session(threading.Thread):
    """One browser tab: its own HTTP client, scenario and seed; replays the page's callbacks until the deadline."""

    def __init__(
        self,
        index: int,
        base_url: str,
        cbs: Callbacks,
        scenario: str,
        seed: int,
        deadline: float,
        stats: Stats,
        expected: Expected,
        ensemble_n: int,
        steps: int = 10,
        scrubs: int = 5,
        min_cycles: int = 0,
    ) -> None:
        super().__init__(name=f"session-{index}", daemon=True)
        self.index, self.url, self.cbs = index, base_url, cbs
        self.scenario, self.seed, self.deadline = scenario, seed, deadline
        self.min_cycles, self.my_cycles = min_cycles, 0
        self.stats, self.expected, self.ensemble_n = stats, expected, ensemble_n
        self.steps, self.scrubs = steps, scrubs
        self.http = requests.Session()
        self.rng = random.Random(seed)
        self.config: dict[str, Any] | None = None
        self.info: dict[str, Any] | None = None
        self.fork: dict[str, Any] | None = None
        self.step = 0

    # -- one callback round trip
    def call(self, kind: str, dep: dict[str, Any], inputs: dict[str, Any], state: dict[str, Any], changed: list[str]) -> dict[str, Any]:
        body = Callbacks.body(dep, inputs, state, changed)
        t0 = time.perf_counter()
        try:
            r = self.http.post(self.url + UPDATE, json=body, timeout=60)
        except requests.RequestException as exc:
            self.stats.error(f"{self.name} {kind}: {type(exc).__name__}: {exc}")
            return {}
        ms = (time.perf_counter() - t0) * 1000
        if r.status_code == 204:  # PreventUpdate: nothing to change
            self.stats.add(kind, ms)
            return {}
        if r.status_code != 200:
            self.stats.error(f"{self.name} {kind}: HTTP {r.status_code}: {r.text[:200]}")
            return {}
        try:
            data = r.json()["response"]
        except (ValueError, KeyError):
            self.stats.error(f"{self.name} {kind}: not a Dash response: {r.text[:200]}")
            return {}
        self.stats.add(kind, ms)
        return data

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.stats.leak(f"{self.name} (scenario {self.scenario}, seed {self.seed}): {what}")

    # -- the page's actions
    def pick(self) -> None:
        dep = self.cbs.find(("scenario-dropdown",))
        resp = self.call(
            "pick",
            dep,
            {"scenario-dropdown.value": self.scenario},
            {"config-store.data": None, "seed-input.value": self.seed},
            ["scenario-dropdown.value"],
        )
        config = resp.get("config-store", {}).get("data")
        self.check(bool(config) and config["scenario"] == self.scenario and config["seed"] == self.seed, f"picked config {config}")
        self.config = config
        self.fork = None
        self.render()

    def render(self) -> None:
        dep = self.cbs.find(("config-store",), "network-graph.figure")
        resp = self.call(
            "render",
            dep,
            {"config-store.data": self.config},
            {"step-slider.value": 0, "trust-pairs-dropdown.value": []},
            ["config-store.data"],
        )
        info = resp.get("run-info-store", {}).get("data")
        title = resp.get("run-title", {}).get("children", "")
        self.check(bool(info) and info["config"] == self.config, f"render returned run info {info and info.get('config')}")
        self.check(f"seed {self.seed}," in str(title), f"render returned title {title!r}")
        self.info = info
        self.step = 0

    def navigate(self, kind: str, trigger: str, slider: int) -> None:
        dep = self.cbs.find(("reset-button", "back-button", "forward-button", "end-button", "play-interval", "step-slider"))
        prop = "n_intervals" if trigger == "play-interval" else ("value" if trigger == "step-slider" else "n_clicks")
        resp = self.call(
            kind,
            dep,
            {f"{trigger}.{prop}": 1, "step-slider.value": slider},
            {"run-info-store.data": self.info, "config-store.data": self.config, "fork-store.data": self.fork},
            [f"{trigger}.{prop}"],
        )
        if not resp:
            return
        last = int(self.info["last"]) if self.info else 0
        step = resp.get("step-slider", {}).get("value", slider)
        want = min(last, slider + 1) if trigger == "forward-button" else slider
        self.check(step == want, f"{kind} from {slider}: step {step}, expected {want}")
        z = patch_value(resp.get("trust-heatmap", {}).get("figure"), ["data", 0, "z"])
        self.check(z == self.expected.matrix(self.scenario, self.seed, step), f"{kind}: trust matrix at week {step} is not this session's")
        self.step = step

    def run_fork(self) -> None:
        draft_dep = self.cbs.find(("fork-preset-dropdown", "fork-add-change", "fork-add-event", "fork-clear-button"))
        preset = self.rng.choice(["no-walk-away", "trusting", "lower-bar", "hawks-quiet"])
        resp = self.call(
            "fork draft",
            draft_dep,
            {"fork-preset-dropdown.value": preset},
            {"step-slider.value": self.step},
            ["fork-preset-dropdown.value"],
        )
        draft = resp.get("fork-draft", {}).get("data")
        dep = self.cbs.find(("fork-run-button",))
        at = self.rng.randint(0, max(0, int(self.info["last"]) if self.info else 0))
        resp = self.call(
            "fork",
            dep,
            {"fork-run-button.n_clicks": 1},
            {
                "config-store.data": self.config,
                "fork-step-input.value": at,
                "fork-draft.data": draft,
                "fork-remove-checklist.value": [],
                "step-slider.value": self.step,
            },
            ["fork-run-button.n_clicks"],
        )
        fork = resp.get("fork-store", {}).get("data")
        self.check(bool(fork) and fork["config"] == self.config and fork["spec"]["at"] == at, f"fork store {fork}")
        self.fork = fork
        with self.stats.lock:
            self.stats.forks += 1

    def run_ensemble(self) -> None:
        start = self.cbs.find(("ensemble-run-button",))
        resp = self.call(
            "ensemble start",
            start,
            {"ensemble-run-button.n_clicks": 1},
            {"config-store.data": self.config, "ensemble-n.value": self.ensemble_n},
            ["ensemble-run-button.n_clicks"],
        )
        ens = resp.get("ensemble-store", {}).get("data")
        tick = self.cbs.find(("ensemble-interval",))
        ticks = 0
        while ens and ens.get("running") and ticks < 10 * self.ensemble_n and self.going():
            time.sleep(0.25)  # the page's ensemble interval
            resp = self.call(
                "ensemble tick",
                tick,
                {"ensemble-interval.n_intervals": ticks + 1},
                {"ensemble-store.data": ens},
                ["ensemble-interval.n_intervals"],
            )
            ticks += 1
            new = resp.get("ensemble-store", {}).get("data")
            if not new:
                break
            # the store holds the server's ensemble id (the job, its config and progress live on the server)
            self.check(new.get("id") == ens.get("id") and new["n"] == self.ensemble_n, f"ensemble store {new}")
            ens = new
            if not ens.get("running"):
                fig = resp.get("ensemble-outcomes", {}).get("figure")
                self.check(bool(fig and fig.get("data")), "finished ensemble without an outcome figure")
                with self.stats.lock:
                    self.stats.ensembles += 1

    def think(self) -> None:
        time.sleep(self.rng.uniform(0.05, 0.15))

    def going(self) -> bool:
        """Before the deadline, or still short of the cycles this session must complete whatever the time."""
        return time.monotonic() < self.deadline or self.my_cycles < self.min_cycles

    def run(self) -> None:
        try:
            while self.going():
                self.pick()
                last = int(self.info["last"]) if self.info else 0
                for _ in range(self.steps):  # step forward
                    if not self.going():
                        return
                    self.navigate("step", "forward-button", self.step)
                    self.think()
                for _ in range(self.scrubs):  # drag the timeline
                    if not self.going():
                        return
                    self.navigate("scrub", "step-slider", self.rng.randint(0, last))
                    self.think()
                if self.going():
                    self.run_fork()
                    self.navigate("step", "forward-button", self.step)  # stepping with a fork on screen
                if self.going():
                    self.run_ensemble()
                self.my_cycles += 1
                with self.stats.lock:
                    self.stats.cycles += 1
        except Exception as exc:  # a bug in this client is an error too, never a silent stop
            self.stats.error(f"{self.name}: client {type(exc).__name__}: {exc}")
        finally:
            self.http.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def baseline_ms(url: str, cbs: Callbacks, n: int = 30) -> float:
    """Median round trip of a no-op callback (clear the fork) on the idle server."""
    dep = cbs.find(("fork-clear-button",), "fork-store.data")
    body = Callbacks.body(dep, {"fork-clear-button.n_clicks": 1}, {}, ["fork-clear-button.n_clicks"])
    times = []
    with requests.Session() as http:
        for _ in range(n):
            t0 = time.perf_counter()
            http.post(url + UPDATE, json=body, timeout=30).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def run_load(
    sessions: int = 20,
    seconds: float = 60.0,
    ensemble_n: int = 50,
    server: Server | None = None,
    steps: int = 10,
    scrubs: int = 5,
    min_cycles: int = 0,
) -> dict[str, Any]:
    """Drive ``sessions`` concurrent sessions for ``seconds`` against ``server`` (started here if None).

    Each session loops: pick its scenario, ``steps`` forward steps, ``scrubs`` slider drags,
    a fork (and a step with it on screen), an ensemble of ``ensemble_n``. Each completes at
    least ``min_cycles`` whole cycles however long they take (so a test's coverage never
    depends on the machine's speed).
    """
    from summitry.sim.scenario.document import builtin_names

    own = server is None
    server = server or start_server()
    try:
        deps = requests.get(server.url + "/_dash-dependencies", timeout=30).json()
        cbs = Callbacks(deps)
        base = baseline_ms(server.url, cbs)
        scenarios = builtin_names()
        stats, expected = Stats(), Expected()
        plan = [(scenarios[i % len(scenarios)], 1000 + 37 * i) for i in range(sessions)]
        for sc, seed in plan:  # the reference matrices: computed before the clock starts
            expected.matrix(sc, seed, 0)
        rss: list[tuple[float, float]] = []
        t0 = time.monotonic()
        deadline = t0 + seconds
        threads = [
            Session(i, server.url, cbs, sc, seed, deadline, stats, expected, ensemble_n, steps, scrubs, min_cycles)
            for i, (sc, seed) in enumerate(plan)
        ]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            rss.append((time.monotonic() - t0, rss_of(server.proc.pid)))
            if min_cycles == 0 and time.monotonic() > deadline + 120:
                stats.error("sessions still running 120 s after the deadline")
                break
            time.sleep(1.0)
        for t in threads:
            t.join(timeout=5)
        elapsed = time.monotonic() - t0
        rss.append((elapsed, rss_of(server.proc.pid)))
        if server.proc.poll() is not None:
            stats.error(f"the server exited with {server.proc.returncode}")
        log = server.log()
        if "Traceback" in log:
            stats.error("traceback in the server log:\n" + log[log.index("Traceback") :][:2000])
        return {"stats": stats, "rss": rss, "baseline_ms": base, "elapsed": elapsed, "sessions": sessions, "seconds": seconds, "plan": plan}
    finally:
        if own:
            server.stop()


def rss_summary(rss: list[tuple[float, float]], seconds: float) -> dict[str, float]:
    """RSS at the end of warm-up (first quarter), at the end, its peak after warm-up, and growth after warm-up."""
    warm = [m for t, m in rss if t <= seconds / 4] or [rss[0][1]]
    after = [m for t, m in rss if t > seconds / 4] or [rss[-1][1]]
    return {"start": rss[0][1], "warm": warm[-1], "peak": max(after), "end": after[-1], "growth": max(after) - warm[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--ensemble", type=int, default=50, help="runs per ensemble")
    ap.add_argument("--threads", type=int, default=None, help="the server's worker threads (default: the CLI's)")
    args = ap.parse_args()
    from _common import record

    server = start_server(["--threads", str(args.threads)] if args.threads else None)
    try:
        out = run_load(args.sessions, args.seconds, args.ensemble, server=server)
    finally:
        server.stop()
    stats: Stats = out["stats"]
    base = out["baseline_ms"]
    steps = stats.latency.get("step", []) + stats.latency.get("scrub", [])
    print(
        f"\n{args.sessions} sessions, {out['elapsed']:.0f} s: {stats.requests} callback requests, {stats.cycles} full cycles, "
        f"{stats.forks} forks, {stats.ensembles} ensembles of {args.ensemble}"
    )
    print(f"{'request':<16} {'n':>6} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for kind, vals in sorted(stats.latency.items()):
        print(f"{kind:<16} {len(vals):>6} {percentile(vals, 50):>9.1f} {percentile(vals, 95):>9.1f} {max(vals):>9.1f}")
    print(f"server errors: {len(stats.errors)}; cross-session answers: {len(stats.leaks)}")
    for e in (stats.errors + stats.leaks)[:10]:
        print("  ", e)
    mem = rss_summary(out["rss"], args.seconds)
    print("server RSS (MiB) over time: " + ", ".join(f"{t:.0f}s {m:.0f}" for t, m in out["rss"][:: max(1, len(out["rss"]) // 12)]))
    print(
        f"RSS: start {mem['start']:.0f}, after warm-up {mem['warm']:.0f}, peak after warm-up {mem['peak']:.0f}, end {mem['end']:.0f} MiB\n"
    )
    p50, p95 = percentile(steps, 50), percentile(steps, 95)
    tag = f"{args.sessions} sessions, {args.seconds:.0f} s"
    record(
        "dashboard_load",
        [
            {
                "figure": f"step/scrub callback under load, median ({tag})",
                "measured_ms": p50,
                "baseline_ms": base,
                "ratio": p50 / base,
                "target": "(baseline: a no-op callback on the idle server)",
            },
            {
                "figure": f"step/scrub callback under load, 95th percentile ({tag})",
                "measured_ms": p95,
                "baseline_ms": base,
                "ratio": p95 / base,
                "target": "< 300 ms",
            },
            {
                "figure": f"server errors + cross-session answers in {stats.requests} requests (count, not ms)",
                "measured_ms": float(len(stats.errors) + len(stats.leaks)),
                "baseline_ms": 0.0,
                "ratio": 0.0,
                "target": "0",
            },
            {
                "figure": "server RSS peak after warm-up (MiB, not ms; baseline = RSS after the first quarter)",
                "measured_ms": mem["peak"],
                "baseline_ms": mem["warm"],
                "ratio": mem["peak"] / mem["warm"],
                "target": "flat after warm-up (bounded caches)",
            },
        ],
    )
    if stats.errors or stats.leaks:
        sys.exit(1)


if __name__ == "__main__":
    main()
