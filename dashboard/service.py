"""The dashboard's server side: configurations -> scenarios -> runs, forks and ensembles.

A *configuration* is the small JSON the browser keeps::

    {"scenario": "hanoi-2019" | "upload:<sha256>", "seed": 0, "mode": null | "free" | "forcing",
     "overrides": {"trump.traits.impulsiveness": 0.3}}

and a *fork spec*::

    {"at": 20, "overrides": {...}, "remove": [3, 7], "add": [{"week": 25, "kind": "praise", "sender": "trump"}]}

Everything else is recomputed from these on demand and kept in bounded
caches (:mod:`summitry.dashboard.cache`). One :class:`Service` per app; it holds no
per-session state, so two browser tabs share nothing but identical results.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from summitry.dashboard.background import EnsemblePool
from summitry.dashboard.cache import LRUCache, canonical, config_hash
from summitry.sim.analysis.patterns import score_run
from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError, ScenarioError
from summitry.sim.figures import carry_forward
from summitry.sim.results.run_result import RunResult, versions
from summitry.sim.results.runview import principals, run_view
from summitry.sim.run import ChoiceExplanation, explain_choice, run_fork, run_scenario
from summitry.sim.scenario.document import (
    Scenario,
    apply_overrides,
    builtin_names,
    load_scenario,
    load_scenario_text,
    validate_data,
)
from summitry.sim.scenario.loading import BUILTIN_DIR
from summitry.sim.scenario.overrides import ParameterInfo, parameter_table

UPLOAD_PREFIX = "upload:"


MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_ACTOR_STEPS = 100_000
"""An uploaded scenario's actors x steps at most: a run's work and its series grow with both (a 20,000-step copy of the
teaching case took 30 s in one request and about 360 MB; the 1,000-actor, 100-step scale case is the largest allowed)."""
RUN_CACHE_BYTES = 1024**3
"""The runs the server keeps (their events and series tables) weigh at most this much, besides their count."""
RESERVED_QUERY = ("scenario", "seed", "mode", "step", "tab")


MAX_UPLOAD_DIR_BYTES = 64 * 1024 * 1024
"""Size budget of a server's upload directory; the least recently stored uploads are removed to stay within it."""
_UPLOAD_NAME = re.compile(r"[0-9a-f]{64}\.(yaml|name)")


class UploadStore:
    """Uploaded scenario texts by the SHA-256 of their bytes: in memory and in a directory.

    The directory (one per server) lets a run be rebuilt from an upload after
    the memory cache forgot it. It holds at most ``max_bytes``: storing an
    upload removes the oldest uploads (files of the store's own naming only)
    until the directory fits.
    """

    def __init__(self, directory: str | Path | None = None, maxsize: int = 64, max_bytes: int = MAX_UPLOAD_DIR_BYTES) -> None:
        self.directory = Path(directory) if directory else None
        self.max_bytes = max_bytes
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
        self._memory: LRUCache[tuple[str, str]] = LRUCache(maxsize)
        self._lock = threading.Lock()
        self.pinned: dict[str, tuple[str, str]] = {}
        """Scenarios given when the server started (``--scenario FILE``): never forgotten, listed in every page's dropdown."""

    def pin(self, text: str, filename: str) -> str:
        """Keep a scenario text for the server's whole life (a file named at startup); its key."""
        key = self.key_of(text)
        self.pinned[key] = (text, filename)
        return key

    @staticmethod
    def key_of(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def put(self, text: str, filename: str) -> str:
        key = self.key_of(text)
        self._memory.put(key, (text, filename))
        if self.directory is not None:
            with self._lock:
                target = self.directory / f"{key}.yaml"
                if not target.exists():
                    self._make_room(len(text.encode("utf-8")) + len(filename.encode("utf-8")))
                    write_atomically(target, lambda p: Path(p).write_text(text, encoding="utf-8"))
                    write_atomically(self.directory / f"{key}.name", lambda p: Path(p).write_text(filename, encoding="utf-8"))
        return key

    def disk_bytes(self) -> int:
        """Bytes of the store's files in its directory."""
        return sum(size for _, size, _ in self._files())

    def _files(self) -> list[tuple[Path, int, float]]:
        assert self.directory is not None
        out = []
        for p in self.directory.iterdir():
            if _UPLOAD_NAME.fullmatch(p.name):
                try:
                    st = p.stat()
                except OSError:
                    continue
                out.append((p, st.st_size, st.st_mtime))
        return out

    def _make_room(self, incoming: int) -> None:
        """Remove the oldest uploads (their .yaml and .name) until ``incoming`` more bytes fit the budget."""
        files = self._files()
        total = sum(size for _, size, _ in files)
        by_key: dict[str, tuple[float, int]] = {}
        for p, size, mtime in files:
            k = p.name.split(".", 1)[0]
            old_mtime, old_size = by_key.get(k, (mtime, 0))
            by_key[k] = (min(old_mtime, mtime), old_size + size)
        for k, (_, size) in sorted(by_key.items(), key=lambda kv: kv[1][0]):
            if total + incoming <= self.max_bytes:
                break
            for suffix in (".yaml", ".name"):
                (self.directory / f"{k}{suffix}").unlink(missing_ok=True)  # type: ignore[operator]
            total -= size

    def get(self, key: str) -> tuple[str, str] | None:
        if key in self.pinned:
            return self.pinned[key]
        hit = self._memory.get(key)
        if hit is not None:
            return hit
        if self.directory is not None and all(c in "0123456789abcdef" for c in key):
            path = self.directory / f"{key}.yaml"
            if path.exists():
                name_file = self.directory / f"{key}.name"
                name = name_file.read_text(encoding="utf-8") if name_file.exists() else "upload.yaml"
                value = (path.read_text(encoding="utf-8"), name)
                self._memory.put(key, value)
                return value
        return None


def _numbers(mapping: Any) -> dict[str, float | int]:
    """Overrides from the browser, kept only where the value is a finite number (integers as int)."""
    out: dict[str, float | int] = {}
    if not isinstance(mapping, Mapping):
        return out
    for k, v in list(mapping.items())[:MAX_BROWSER_ITEMS]:
        if isinstance(v, str) and len(v) > 40:
            continue  # no parameter needs a longer number; float() of a huge string is work for nothing
        try:
            f = float(v)
        except (TypeError, ValueError, OverflowError):
            continue
        if math.isfinite(f):
            out[str(k)] = int(f) if f.is_integer() and abs(f) < 2**53 else f
    return out


MAX_BROWSER_ITEMS = 500
"""Most overrides, removed events or added events a configuration or fork from the browser may carry (the rest are ignored)."""
MAX_SEED = 2**63 - 1


_BROWSER_INT = re.compile(r"-?[0-9]{1,19}")


def browser_int(value: Any, default: int | None = None) -> int | None:
    """A whole number the browser sent, within 64 bits (``-MAX_SEED`` to ``MAX_SEED``); ``default`` for anything else.

    What a number box, a slider or a store sends is read with this, never with ``int()``: a whole number, a float
    that is one (``3.0``) or its digits as text (``" 7 "``, ``"-2"``) are read; a bool, a fraction, a number beyond
    64 bits and any other text or type give ``default`` (the callers then refuse the value or use their own default).
    Forged text such as ``"--5"`` or ``"²"`` passes ``str.isdigit`` but made ``int()`` raise.

    >>> [browser_int(v) for v in (3, 3.0, " 7 ", "-2", 2**63)]
    [3, 3, 7, -2, None]
    >>> [browser_int(v, 0) for v in (True, 1.5, "1.5", "abc", "--5", "²", "9999999999999999999", None, [3], float("nan"))]
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    """
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _BROWSER_INT.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return default
    return number if abs(number) <= MAX_SEED else default


def normalise_config(config: Mapping[str, Any] | None, default_scenario: str) -> dict[str, Any]:
    """A configuration with every key present and typed (seed int >= 0, overrides floats)."""
    config = dict(config) if isinstance(config, Mapping) else {}
    seed = max(0, browser_int(config.get("seed"), 0) or 0)
    mode = config.get("mode")
    if mode not in ("free", "forcing"):
        mode = None
    overrides = _numbers(config.get("overrides"))
    return {
        "scenario": str(config.get("scenario") or default_scenario),
        "seed": seed,
        "mode": mode,
        "overrides": dict(sorted(overrides.items())),
    }


MAX_ENSEMBLE_RUNS = 5000
"""Largest ensemble the dashboard runs (the Runs box refuses a larger count; the service clamps one it is given)."""
MAX_RUNS_PER_TICK = 20
"""Most ensemble runs one request computes, whatever its time budget (a request is bounded by a count, not a clock)."""
MAX_ENSEMBLE_JOBS = 16
"""Ensembles the server keeps (started, running or finished); the least recently used is forgotten first."""


class EnsembleJob:
    """An ensemble's size and progress, kept on the server under an id it issued.

    The browser holds only the id (and, for display, copies of ``n`` and
    ``done``); how much work a request does is decided here, never by what
    the browser sends.
    """

    def __init__(self, job_id: str, config: dict[str, Any], n: int) -> None:
        self.id = job_id
        self.config = config
        self.n = n
        self.members: list[dict[str, Any]] = []
        self.running = True
        self.lock = threading.Lock()
        # with worker processes (summitry.dashboard.background): how far the ticks let the job run, the next index to
        # send, members that came back ahead of an earlier one, and why the job stopped if a run failed
        self.lease = 0
        self.sent = 0
        self.slots: dict[int, dict[str, Any]] = {}
        self.error: str | None = None
        self.source: tuple[str, str] | None = None
        # the finished ensemble's figures, built once: every later tick sends the same ones without new work, so
        # a finishing response the browser drops (a newer tick overtook it) cannot leave the charts empty
        self.figures: dict[str, Any] | None = None
        self.figures_lock = threading.Lock()
        self.drawn_at = 0
        """How many runs the charts drawn before the end show (0: none yet), and those charts."""
        self.partial: dict[str, Any] | None = None

    @property
    def done(self) -> int:
        return len(self.members)


SURVIVAL_METRICS = ("time_to_agreement", "agreement_censored", "moratorium_survival", "moratorium_censored")
"""The run metrics an ensemble keeps for its Kaplan–Meier curves (ODD 4.11)."""


def ensemble_summary(result: RunResult, scenario: Scenario | None = None) -> dict[str, Any]:
    """What an ensemble keeps of one run: its outcome, the durations of its KM curves, the principals' trust and each side's pressure.

    With ``scenario``, also the run's score on each of its historical patterns (``patterns``: {id: score, nan where
    the pattern does not apply}; empty without patterns).
    """
    view = run_view(result)

    def series(variable: str, entity: str) -> np.ndarray:
        # a copy: the view's series are slices of the whole run's arrays, which an ensemble cache entry must not keep alive
        return np.array(view.series(variable, entity), copy=True)

    trust = {f"{a}>{s}": series(f"trust_{s}", a) for a, s in principals(result)}
    pressure = {s: series("pressure", s) for s in view.sides}
    metrics = result.manifest["metrics"]
    return {
        "outcome": result.outcome,
        **{k: metrics.get(k) for k in SURVIVAL_METRICS},
        "trust": trust,
        "pressure": pressure,
        "tension": series("tension", "world"),
        "zone": series("zone_area", "world"),
        "patterns": score_run(result, scenario) if scenario is not None and scenario.patterns else {},
    }


def scenario_identity(sc: Scenario) -> str:
    """What the server's caches know a scenario's runs by: its content hash, which keeps every mapping in its own
    order (sides are indexed in the order they are listed, so two files that list them in another order run
    differently)."""
    return sc.content_hash()


def run_bytes(result: RunResult) -> float:
    """The memory a cached run holds in its tables (Arrow's own count), its weight in the run cache."""
    return float(result.events.nbytes + result.series.nbytes)


class Service:
    """Scenarios, runs, forks and ensembles for the dashboard, behind bounded caches."""

    def __init__(
        self,
        default_scenario: str,
        cache_size: int = 32,
        upload_dir: str | Path | None = None,
        ensemble_cache_size: int = 20_000,
        workers: int = 1,
    ) -> None:
        self.default_scenario = default_scenario
        self.runs: LRUCache[RunResult] = LRUCache(cache_size, max_weight=RUN_CACHE_BYTES, weigh=run_bytes)
        self.scenarios: LRUCache[tuple[Scenario, str]] = LRUCache(64)
        # a cache of its own: parameter tables kept with the scenarios evicted them and were typed as scenarios
        self.parameter_tables: LRUCache[list[ParameterInfo]] = LRUCache(64)
        self.ensembles: LRUCache[dict[str, Any]] = LRUCache(ensemble_cache_size)
        self.choices: LRUCache[ChoiceExplanation] = LRUCache(64)  # the "why" card's readings of one decision
        self.uploads = UploadStore(upload_dir)
        self.engine = versions().get("summitry", "")
        self._lock = threading.Lock()
        self.jobs: LRUCache[EnsembleJob] = LRUCache(MAX_ENSEMBLE_JOBS)
        self.runs_computed = 0
        self.fitted: dict[str, Any] | None = None  # the calibration the server was opened with (callbacks/fitted.py)
        """Runs this service has computed (any kind; for tests that bound a request's work)."""
        # ensembles on worker processes between ticks (2 or more), or inside the ticks' requests (1)
        self.workers = max(1, int(workers))
        self.pool = EnsemblePool(self.workers, self._job_source, self._cached_member, self._keep_member) if self.workers > 1 else None

    def close(self) -> None:
        """Stop the ensemble workers, if any (what is queued is dropped)."""
        if self.pool is not None:
            self.pool.close()

    # ----------------------------------------------------------- scenarios
    def builtin(self) -> list[str]:
        return builtin_names()

    def _source_key(self, ref: str) -> tuple[str, Any]:
        """What identifies a scenario reference's content: the file's mtime, or the upload's hash."""
        if ref.startswith(UPLOAD_PREFIX):
            return (ref, None)
        path = BUILTIN_DIR / f"{ref}.yaml"
        try:
            return (ref, path.stat().st_mtime_ns)
        except OSError:
            return (ref, None)

    def base_scenario(self, ref: str) -> tuple[Scenario, str]:
        """(scenario, :func:`scenario_identity`) of a built-in name or an upload key, without overrides."""
        key = ("base", self._source_key(ref))

        def load() -> tuple[Scenario, str]:
            if ref.startswith(UPLOAD_PREFIX):
                found = self.uploads.get(ref[len(UPLOAD_PREFIX) :])
                if found is None:
                    raise ScenarioError(f"{ref}: this uploaded scenario is no longer on the server; upload it again")
                text, name = found
                sc = load_scenario_text(text, name)
            else:
                if ref not in builtin_names():
                    raise ScenarioError(f"{ref}: no such built-in scenario; built-in scenarios are {', '.join(builtin_names())}")
                sc = load_scenario(ref)
            return sc, scenario_identity(sc)

        return self.scenarios.get_or_compute(key, load)

    def scenario(self, ref: str, overrides: Mapping[str, Any] | None = None) -> Scenario:
        """The scenario of ``ref`` with ``overrides`` applied (validated; raises InputError)."""
        base, _ = self.base_scenario(ref)
        if not overrides:
            return base
        key = ("with", self._source_key(ref), canonical(dict(overrides)))

        def build() -> tuple[Scenario, str]:
            data = apply_overrides(base.model_dump(mode="json"), dict(overrides), base.name)
            sc = validate_data(data, f"{base.name} (with the dashboard's parameters)", {})
            return sc, scenario_identity(sc)

        return self.scenarios.get_or_compute(key, build)[0]

    def parameter_table(self, ref: str) -> list[ParameterInfo]:
        """Every overridable number of ``ref``'s scenario (cached: 0.1 s for 1,000 actors)."""
        return self.parameter_tables.get_or_compute(self._source_key(ref), lambda: parameter_table(self.base_scenario(ref)[0]))

    # ----------------------------------------------------------------- runs
    def config(self, config: Mapping[str, Any] | None) -> dict[str, Any]:
        return normalise_config(config, self.default_scenario)

    def run_key(self, config: Mapping[str, Any], fork: Mapping[str, Any] | None = None) -> str:
        cfg = self.config(config)
        _, base_hash = self.base_scenario(cfg["scenario"])
        return config_hash(base_hash, cfg["overrides"], cfg["seed"], cfg["mode"], normalise_fork(fork) if fork else None, self.engine)

    def result(self, config: Mapping[str, Any] | None) -> RunResult:
        """The run of ``config``, from the cache or computed now."""
        cfg = self.config(config)
        key = self.run_key(cfg)

        def compute() -> RunResult:
            sc = self.scenario(cfg["scenario"], cfg["overrides"])
            return run_scenario(sc, seed=cfg["seed"], mode=cfg["mode"], overrides=cfg["overrides"])

        return self.runs.get_or_compute(key, compute)

    def explain(self, config: Mapping[str, Any] | None, actor: str, step: int) -> ChoiceExplanation:
        """One actor's decision at ``step`` of the run of ``config`` (summitry.sim.run.explain_choice), cached.

        ``actor`` must be an actor of the scenario and ``step`` a step the run
        reached (the caller checks both against the run, not the browser);
        it costs one run up to ``step``.
        """
        cfg = self.config(config)
        key = ("why", self.run_key(cfg), actor, int(step))

        def compute() -> ChoiceExplanation:
            sc = self.scenario(cfg["scenario"], cfg["overrides"])
            self.runs_computed += 1
            return explain_choice(sc, actor, int(step), seed=cfg["seed"], mode=cfg["mode"])

        return self.choices.get_or_compute(key, compute)

    def fork_scenario(self, config: Mapping[str, Any], fork: Mapping[str, Any]) -> Scenario:
        """The base configuration's scenario with the fork's parameter changes and event edits."""
        cfg = self.config(config)
        spec = normalise_fork(fork)
        base = self.scenario(cfg["scenario"], cfg["overrides"])
        data = base.model_dump(mode="json")
        if spec["overrides"]:
            data = apply_overrides(data, spec["overrides"], f"{base.name} (fork)")
        events = list(data.get("events") or [])
        removed = set(spec["remove"])
        events = [e for i, e in enumerate(events) if i not in removed]
        for e in spec["add"]:
            ev = {k: v for k, v in e.items() if k in ("week", "kind", "sender", "receiver", "text") and v not in (None, "")}
            ev["mode"] = "always"  # an added event happens in both modes: that is the point of adding it
            ev.setdefault("text", f"(fork) {ev.get('kind')}")
            events.append(ev)
        data["events"] = events
        return validate_data(data, f"{base.name} (fork at week {spec['at']})", {})

    def fork_result(self, config: Mapping[str, Any], fork: Mapping[str, Any]) -> RunResult:
        """The counterfactual branch: the base run to ``fork["at"]``, then the fork scenario, same seed."""
        cfg = self.config(config)
        spec = normalise_fork(fork)
        key = self.run_key(cfg, spec)

        def compute() -> RunResult:
            base = self.scenario(cfg["scenario"], cfg["overrides"])
            alt = self.fork_scenario(cfg, spec)
            merged = {**cfg["overrides"], **spec["overrides"]}
            return run_fork(base, spec["at"], alt, seed=cfg["seed"], mode=cfg["mode"], overrides=merged)

        return self.runs.get_or_compute(key, compute)

    # ------------------------------------------------------------ ensembles
    def ensemble_seeds(self, config: Mapping[str, Any], n: int) -> list[int]:
        """Seeds of an N-run ensemble: the configuration's seed and the next N - 1."""
        seed = self.config(config)["seed"]
        return [seed + i for i in range(int(n))]

    def _member_key(self, cfg: Mapping[str, Any], seed: int) -> tuple[str, int]:
        return (self.run_key({**cfg, "seed": 0}), int(seed))

    def _job_source(self, job: EnsembleJob) -> tuple[str, str]:
        """The JSON and content hash of a job's scenario, for a worker to rebuild it (computed once per job)."""
        if job.source is None:
            sc = self.scenario(job.config["scenario"], job.config["overrides"])
            # in the scenario's own key order (not canonical JSON): the order of sides and actors is the order of
            # their indices, which the content hash ignores but a run does not
            job.source = (json.dumps(sc.model_dump(mode="json")), sc.content_hash())
        return job.source

    def _cached_member(self, job: EnsembleJob, index: int) -> dict[str, Any] | None:
        return self.ensembles.get(self._member_key(job.config, job.config["seed"] + index))

    def _keep_member(self, job: EnsembleJob, index: int, member: dict[str, Any]) -> None:
        self.ensembles.put(self._member_key(job.config, job.config["seed"] + index), member)

    def ensemble_member(self, config: Mapping[str, Any], seed: int) -> dict[str, Any]:
        cfg = self.config(config)
        key = self._member_key(cfg, seed)

        def compute() -> dict[str, Any]:
            sc = self.scenario(cfg["scenario"], cfg["overrides"])
            self.runs_computed += 1
            return ensemble_summary(run_scenario(sc, seed=int(seed), mode=cfg["mode"], overrides=cfg["overrides"]), sc)

        return self.ensembles.get_or_compute(key, compute)

    def start_ensemble(self, config: Mapping[str, Any], n: int) -> EnsembleJob:
        """A new ensemble job of ``n`` runs (clamped to 1..MAX_ENSEMBLE_RUNS) under a fresh unguessable id; no run is computed."""
        cfg = self.config(config)
        self.base_scenario(cfg["scenario"])  # an unknown scenario fails now, not at the first tick
        job = EnsembleJob(secrets.token_urlsafe(16), cfg, min(max(int(n), 1), MAX_ENSEMBLE_RUNS))
        self.jobs.put(job.id, job)
        return job

    def job(self, job_id: Any) -> EnsembleJob | None:
        """The ensemble job of ``job_id`` (None for anything else: an unknown, forgotten or malformed id)."""
        if not isinstance(job_id, str) or not 0 < len(job_id) <= 64:
            return None
        return self.jobs.get(job_id)

    def advance_job(self, job: EnsembleJob, budget_s: float = 0.4, max_runs: int = MAX_RUNS_PER_TICK) -> int:
        """Compute the job's next members: at most ``max_runs`` (and stop once ``budget_s`` has passed); returns done.

        A tick that finds the job busy (another request is advancing it) does no work. With worker processes
        (``workers`` of 2 or more) a tick computes nothing itself: it grants the job a lease of
        :data:`summitry.dashboard.background.LEASE_RUNS` runs beyond those done, which the workers compute
        between ticks, and returns at once.
        """
        if self.pool is not None:
            self.pool.grant(job)
            return job.done
        max_runs = max(0, min(int(max_runs), MAX_RUNS_PER_TICK))
        if not job.lock.acquire(blocking=False):
            return job.done
        try:
            seed = job.config["seed"]
            t0 = time.perf_counter()
            for _ in range(max_runs):
                if not job.running or job.done >= job.n:
                    break
                job.members.append(self.ensemble_member(job.config, seed + job.done))
                if time.perf_counter() - t0 > budget_s:
                    break
            if job.done >= job.n:
                job.running = False
            return job.done
        finally:
            job.lock.release()

    def cancel_job(self, job: EnsembleJob) -> None:
        """Stop a job: no further run starts (runs under way on workers finish into the cache)."""
        job.running = False
        if self.pool is not None:
            self.pool.cancel(job)

    def ensemble(self, config: Mapping[str, Any], n: int, progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
        """Every member of an N-run ensemble (recomputing any this worker lacks)."""
        out = []
        for i, s in enumerate(self.ensemble_seeds(config, n)):
            out.append(self.ensemble_member(config, s))
            if progress is not None:
                progress(i + 1)
        return out


def normalise_fork(fork: Mapping[str, Any]) -> dict[str, Any]:
    """A fork spec with every key present: at (int >= 0), overrides, remove (sorted ints), add (list)."""
    fork = fork if isinstance(fork, Mapping) else {}
    at = max(0, browser_int(fork.get("at", 0), 0) or 0)
    overrides = _numbers(fork.get("overrides"))
    removed: list[Any] = fork.get("remove") if isinstance(fork.get("remove"), list) else []  # type: ignore[assignment]
    remove = sorted({i for i in (browser_int(v) for v in removed[:MAX_BROWSER_ITEMS]) if i is not None})
    added: list[Any] = fork.get("add") if isinstance(fork.get("add"), list) else []  # type: ignore[assignment]
    add = []

    def name(v: Any) -> str | None:
        return v if isinstance(v, str) and 0 < len(v) <= 64 else None

    for e in added[:MAX_BROWSER_ITEMS]:
        if not isinstance(e, Mapping) or name(e.get("kind")) is None or name(e.get("sender")) is None:
            continue
        week = browser_int(e.get("week", at), at)
        add.append({"week": week, "kind": e["kind"], "sender": e["sender"], "receiver": name(e.get("receiver"))})
    return {"at": at, "overrides": dict(sorted(overrides.items())), "remove": remove, "add": add}


def stack(values: list[np.ndarray]) -> np.ndarray:
    """Runs of unequal length as a matrix, each continued at its last value."""
    return carry_forward(values)


def input_messages(exc: Exception) -> list[str]:
    """The lines of an InputError (file:line: field: problem), or the exception's text."""
    if isinstance(exc, InputError):
        return list(exc.messages)
    return [str(exc)]
