"""Ensemble runs on worker processes, between the browser's ticks, never beyond a lease the ticks grant.

With one worker (``workers=1``) a dashboard computes an ensemble inside its
ticks: each request runs members until its time budget or
:data:`~summitry.dashboard.service.MAX_RUNS_PER_TICK` runs, so the server is
busy only while a request is being answered. With more, an
:class:`EnsemblePool` keeps that many processes busy between ticks. The
amount of work is still the server's to decide and still bounded per
request: a tick grants its job a lease of at most :data:`LEASE_RUNS` runs
beyond what is done, and the pool never starts a run past the lease. A job
whose browser stops asking (a closed tab) therefore stops within one lease.

Members come back in any order and are kept by their index, so an
ensemble's members, and every figure built from them, are the same whether
they ran here or on any number of workers.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import functools
import hashlib
import json
import multiprocessing as mp
import queue
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import validate_data

if TYPE_CHECKING:
    from summitry.dashboard.service import EnsembleJob

CHUNK_RUNS = 4
"""Runs one task computes (about a quarter of a second for a reference case): small enough that a cancelled or
finished job frees its workers soon, large enough that sending the scenario costs little."""
LEASE_RUNS = 40
"""Most runs a tick lets the workers compute beyond what its job has done."""
IN_FLIGHT_PER_WORKER = 2
"""Tasks queued per worker, so none idles while the next is sent."""
KEPT_SCENARIOS = 32
"""Scenario files the pool keeps for its workers (the least recently used go first, unless a queued task needs them)."""

_SCENARIOS: dict[str, Any] = {}
"""A worker's scenarios by the SHA-256 of their JSON (a few at most): each is read and validated once per worker."""


def run_chunk(
    scenario_file: str, digest: str, content_hash: str, mode: str | None, overrides: dict[str, Any], seeds: list[int]
) -> list[dict[str, Any]]:
    """What an ensemble keeps of the runs of ``seeds`` (in a worker process): a list of ``ensemble_summary`` dicts.

    The scenario is the JSON of the validated scenario the server holds, in
    a file of the pool's own directory (a task's arguments stay a few hundred
    bytes, however large the scenario). The worker checks the file's SHA-256,
    validates the scenario again and refuses it unless it dumps back to the
    same JSON with the server's content hash, so a worker can never run
    another scenario than the one the server would have.
    """
    from summitry.dashboard.service import ensemble_summary  # cycle: the service imports this module for its pool

    sc = _SCENARIOS.get(digest)
    if sc is None:
        text = Path(scenario_file).read_text(encoding="utf-8")
        if hashlib.sha256(text.encode()).hexdigest() != digest:
            raise RuntimeError(f"{scenario_file}: the scenario file of an ensemble changed after the server wrote it")
        sc = validate_data(json.loads(text), "the dashboard's scenario", {})
        # the scenario must come back as it was sent, key order included (sides and actors are indexed in that
        # order; the content hash keeps it too, and the JSON's bytes are the stricter check)
        if sc.content_hash() != content_hash or json.dumps(sc.model_dump(mode="json")) != text:
            raise RuntimeError("the scenario an ensemble worker rebuilt differs from the server's")
        if len(_SCENARIOS) >= 8:
            _SCENARIOS.clear()
        _SCENARIOS[digest] = sc
    return [ensemble_summary(run_scenario(sc, seed=int(s), mode=mode, overrides=overrides), sc) for s in seeds]


class _Task:
    """One submitted chunk: which job, the index of its first member, its scenario's file and its future."""

    __slots__ = ("future", "job", "path", "start")

    def __init__(self, job: EnsembleJob, start: int, path: Path, future: cf.Future[list[dict[str, Any]]]) -> None:
        self.job = job
        self.start = start
        self.path = path
        self.future = future


class EnsemblePool:
    """Worker processes that advance ensemble jobs up to their leases.

    ``source(job)`` gives what a task needs to rebuild the job's scenario
    (its JSON and content hash); ``cached(job, index)`` a member already
    computed (None if not), and ``keep(job, index, member)`` stores a new one
    in the server's cache. A dispatcher thread collects finished tasks and
    sends new ones; requests only grant leases.
    """

    def __init__(
        self,
        workers: int,
        source: Callable[[EnsembleJob], tuple[str, str]],
        cached: Callable[[EnsembleJob, int], dict[str, Any] | None],
        keep: Callable[[EnsembleJob, int, dict[str, Any]], None],
    ) -> None:
        if workers < 2:
            raise ValueError("an ensemble pool needs at least 2 workers (1 computes inside the requests)")
        self.workers = workers
        self._source = source
        self._cached = cached
        self._keep = keep
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._pool: cf.ProcessPoolExecutor | None = None
        self._tasks: list[_Task] = []
        self._jobs: list[EnsembleJob] = []  # jobs with a lease left, in the order they were granted one
        self._finished: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._dir: Path | None = None  # the scenarios' files, created with the first task
        self._files: OrderedDict[str, Path] = OrderedDict()
        self.runs_submitted = 0
        """Runs sent to the workers so far (for tests that bound the work a request allows)."""

    # ------------------------------------------------------------ requests
    def grant(self, job: EnsembleJob) -> None:
        """Let ``job`` run up to :data:`LEASE_RUNS` members beyond what it has done, and start them."""
        with self._lock:
            if self._closed or not job.running:
                return
            job.lease = min(job.n, max(job.lease, job.done + LEASE_RUNS))
            if job not in self._jobs:
                self._jobs.append(job)
            self._pump()

    def cancel(self, job: EnsembleJob) -> None:
        """Start no more of ``job``'s runs; those queued are dropped, those running finish and are kept in the cache."""
        with self._lock:
            job.running = False
            for t in self._tasks:
                if t.job is job:
                    t.future.cancel()
            if job in self._jobs:
                self._jobs.remove(job)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no task is queued or running (True), or ``timeout`` passed (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._tasks, timeout=timeout)

    def close(self) -> None:
        """Cancel what is queued and stop the workers and the dispatcher (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pool, self._pool = self._pool, None
            for t in self._tasks:
                t.future.cancel()
        if pool is not None:
            _stop(pool)
        self._finished.put(None)
        if self._thread is not None:
            self._thread.join()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)  # the pool's own directory, made by mkdtemp

    # -------------------------------------------------------------- inside
    def _start(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: a fresh interpreter forks the workers, never the server with its threads and sockets
            self._pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("forkserver"))
            # registered after multiprocessing's own exit handler (imported by now), so it runs first: the workers
            # are stopped before that handler waits for every child process to end
            atexit.register(self.close)
        if self._thread is None:
            # one dispatcher for the pool's life, whatever broken pools it replaces
            self._thread = threading.Thread(target=self._dispatch, name="summitry-ensembles", daemon=True)
            self._thread.start()
        return self._pool

    def _scenario_file(self, job: EnsembleJob) -> tuple[str, str, str]:
        """(path, SHA-256 of the JSON, content hash) of the file that holds a job's scenario for the workers (the lock is held).

        Written once per scenario into the pool's private directory, which
        keeps the files of the last :data:`KEPT_SCENARIOS` scenarios used and
        is removed when the pool closes.
        """
        text, content_hash = self._source(job)
        digest = hashlib.sha256(text.encode()).hexdigest()
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="summitry-ensembles-"))
        path = self._dir / f"{digest}.json"
        if digest in self._files:
            self._files.move_to_end(digest)
        else:
            write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
            self._files[digest] = path
            busy = {t.path for t in self._tasks}
            for old in [d for d, p in self._files.items() if p not in busy and d != digest][: max(0, len(self._files) - KEPT_SCENARIOS)]:
                self._files.pop(old).unlink(missing_ok=True)
        return str(path), digest, content_hash

    def _retire(self) -> None:
        """Drop a broken pool (the lock is held); the next task starts a new one."""
        pool, self._pool = self._pool, None
        if pool is not None:
            _stop(pool)

    def _pump(self) -> None:
        """Send tasks, job by job, while workers are free and leases allow (the lock is held)."""
        limit = self.workers * IN_FLIGHT_PER_WORKER
        for job in list(self._jobs):
            while len(self._tasks) < limit and job.running and job.error is None:
                start = job.sent
                stop = min(job.lease, start + CHUNK_RUNS)
                if start >= stop:
                    break
                # members already in the server's cache (an ensemble run before) need no worker
                if (member := self._cached(job, start)) is not None:
                    job.sent = start + 1
                    self._store(job, start, member)
                    continue
                try:
                    path, digest, content_hash = self._scenario_file(job)
                except (InputError, OSError) as exc:
                    # the job's scenario is gone (an upload the server forgot) or its file cannot be written
                    job.error = "; ".join(exc.messages) if isinstance(exc, InputError) else f"the ensemble's scenario file: {exc}"
                    job.running = False
                    break
                try:
                    seeds = [job.config["seed"] + i for i in range(start, stop)]
                    args = (path, digest, content_hash, job.config["mode"], dict(job.config["overrides"]), seeds)
                    future = self._start().submit(run_chunk, *args)
                except (cf.BrokenExecutor, OSError) as exc:
                    # the workers died (killed, out of memory) or cannot start: this job says so, and the next grant
                    # starts new ones
                    self._retire()
                    job.error = f"the ensemble's worker processes stopped: {exc}"
                    job.running = False
                    break
                task = _Task(job, start, Path(path), future)
                self._tasks.append(task)
                job.sent = stop
                self.runs_submitted += stop - start
                future.add_done_callback(functools.partial(self._done, task))
            if job.sent >= job.lease or not job.running:
                self._jobs.remove(job)

    def _done(self, task: _Task, _future: cf.Future[list[dict[str, Any]]]) -> None:
        """A task's future finished (in the pool's own thread): hand it to the dispatcher, which does the rest."""
        self._finished.put(task)

    def _store(self, job: EnsembleJob, index: int, member: dict[str, Any]) -> None:
        """Keep a member at its index; members join the job's list in index order (the lock is held)."""
        job.slots[index] = member
        while job.done in job.slots:
            job.members.append(job.slots.pop(job.done))
        if job.done >= job.n:
            job.running = False

    def _dispatch(self) -> None:
        while True:
            task = self._finished.get()
            if task is None:
                return
            with self._lock:
                if task in self._tasks:
                    self._tasks.remove(task)
                job, fut = task.job, task.future
                if not fut.cancelled():
                    exc = fut.exception()
                    if isinstance(exc, cf.BrokenExecutor):
                        self._retire()
                        job.error = f"the ensemble's worker processes stopped: {exc}"
                        job.running = False
                    elif exc is not None:
                        job.error = "; ".join(exc.messages) if isinstance(exc, InputError) else f"an ensemble run failed: {exc}"
                        job.running = False
                    else:
                        for k, member in enumerate(fut.result()):
                            self._keep(job, task.start + k, member)
                            if job.running:
                                self._store(job, task.start + k, member)
                if not self._closed:
                    self._pump()
                if not self._tasks:
                    self._idle.notify_all()


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool's workers outright.

    What they are computing would be dropped anyway, and the pool's own
    manager thread may already be gone (a test harness that kills a
    server's threads kills it too), leaving workers that no shutdown
    message reaches and that the interpreter's exit would wait for forever.
    """
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        proc.terminate()
    for proc in workers:
        proc.join()
