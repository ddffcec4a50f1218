"""Where a sweep's tasks run: serially, on local processes, or on Dask (a ``LocalCluster`` or any ``tcp://`` scheduler).

Every executor has ``map_unordered(fn, tasks)`` and is a context manager that
closes what it started (and only that). Results come back in completion
order; :mod:`summitry.sim.experiments.sweep` stores each by its batch number, so the order never
enters a result.

Ctrl-C reaches the whole process group, but only this process acts on it: the local workers ignore SIGINT (a
worker waiting for its next task printed its KeyboardInterrupt's traceback above the command's resume hint).
Closing the executor while tasks are still running (the KeyboardInterrupt on its way out) stops its workers at
once instead of waiting for results nobody will read.

The local workers also end with this process, however it ends (``kill -9`` included): each holds the reading end
of a pipe whose only writing end is this process's, and a thread of the worker's exits it when the pipe reaches
its end. (The workers are the forkserver's children, not this process's, so a parent-death signal would not
reach them; and the forkserver itself lives as long as any worker does.)
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import itertools
import multiprocessing as mp
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from summitry.sim.errors import InputError
from summitry.sim.outputs import cwd_exists

_T = TypeVar("_T")  # a task: any picklable value the function takes (a sweep's Task, a calibration's batch)


def _check_cwd() -> None:
    """Worker processes start in the current directory (multiprocessing asks for it): refuse before any is started, or any
    output written, when it has been removed."""
    if not cwd_exists():
        raise InputError(
            "worker processes start in the current directory, which no longer exists (it was removed or renamed); cd somewhere that does"
        )


class _Owned:
    """Executors are context managers; whoever creates one closes it (``run_sweep`` never does)."""

    def close(self) -> None:
        pass

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(_Owned):
    """Runs tasks one after another in this process (for tests and debugging)."""

    name = "serial"

    def map_unordered(self, fn: Callable[[_T], Any], tasks: Iterable[_T]) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)


PARENT_GONE = 75
"""A local worker's exit status when the process that started its pool has ended (EX_TEMPFAIL)."""


def _start_worker(parent: Connection) -> None:
    """A local worker's start (the pool's initializer): Ctrl-C is the parent's to handle, which stops the pool; and
    the worker exits when the parent has ended (``parent``, the reading end of a pipe only the parent writes to,
    reaches its end)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="summitry-parent-watch", daemon=True).start()


def _exit_with_parent(parent: Connection) -> None:
    with contextlib.suppress(EOFError, OSError):
        while True:
            parent.recv_bytes()  # the parent sends nothing: this ends only at the pipe's end (EOFError)
    os._exit(PARENT_GONE)  # at once: a task's result could go nowhere


class ProcessExecutor(_Owned):
    """Local worker processes (all cores by default), at most a few tasks in flight each."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        _check_cwd()
        self.workers = workers or os.cpu_count() or 1
        context = mp.get_context("forkserver")
        # the reading end goes to each worker, the writing end stays here alone (not inheritable, never sent): it closes
        # when this process ends, and the workers exit
        self._parent_r, self._parent_w = context.Pipe(duplex=False)
        self.pool = cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_start_worker, initargs=(self._parent_r,)
        )
        self._in_flight: set[cf.Future[Any]] = set()

    def map_unordered(self, fn: Callable[[_T], Any], tasks: Iterable[_T]) -> Iterator[Any]:
        it = iter(tasks)
        pending = {self.pool.submit(fn, t) for t in itertools.islice(it, self.workers * 3)}
        self._in_flight |= pending  # what close() finds still running, whichever map handed it out
        while pending:
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            self._in_flight -= done
            for fut in done:
                yield fut.result()
                nxt = next(it, None)
                if nxt is not None:
                    sent = self.pool.submit(fn, nxt)
                    pending.add(sent)
                    self._in_flight.add(sent)

    def close(self) -> None:
        """Shut the pool down; with tasks still running (the caller stopped reading: Ctrl-C, an error), stop its workers
        at once: what they compute would be dropped."""
        if not any(not f.done() for f in self._in_flight):
            self.pool.shutdown(wait=True, cancel_futures=True)
        else:
            workers = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for proc in workers:
                proc.terminate()
            for proc in workers:
                proc.join()
            self._in_flight.clear()
        # every worker has ended: the pipe that outlives none of them is closed
        self._parent_w.close()
        self._parent_r.close()


class DaskExecutor(_Owned):
    """A Dask cluster: the given scheduler address, or a LocalCluster started here."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None, security: Any = None) -> None:
        from distributed import Client, LocalCluster  # heavy, optional executor (dask.distributed): only with --executor dask

        self.cluster = None
        if address:
            # what comes back is checked row by row (check_batch_result), but a scheduler can also send pickles:
            # connect only to one you control, over TLS (``security``) when the network is not yours
            self.client = Client(address, timeout="20s", security=security)
        else:
            _check_cwd()  # a LocalCluster's workers are local processes too
            # the scheduler's HTTP endpoints on a free local port: its default, 8787, is taken by any other Dask
            # cluster on the machine (a second sweep, a user's own), and Dask then warns and moves anyway
            self.cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address="127.0.0.1:0",
                silence_logs=40,
            )
            self.client = Client(self.cluster)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or (workers or 1))

    def map_unordered(self, fn: Callable[[_T], Any], tasks: Iterable[_T]) -> Iterator[Any]:
        from distributed import as_completed  # heavy, optional executor (dask.distributed)

        it = iter(tasks)
        first = [self.client.submit(fn, t, pure=False) for t in itertools.islice(it, self.workers * 3)]
        ac = as_completed(first)
        for fut in ac:
            yield fut.result()
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                ac.add(self.client.submit(fn, nxt, pure=False))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def dask_security(ca_file: Path | None = None, cert: Path | None = None, key: Path | None = None, address: str | None = None) -> Any:
    """A distributed ``Security`` for TLS to a scheduler (None when no TLS option is given); InputError for bad options.

    ``ca_file`` verifies the scheduler's certificate; ``cert`` and ``key`` are this client's own. All three are
    needed: distributed's TLS is mutual (a scheduler started with TLS requires every client's certificate, and a
    ``Security`` without a client certificate makes no TLS context at all, so Dask would fail with a TypeError).
    TLS needs a ``tls://`` address.
    """

    given = {"--tls-ca-file": ca_file, "--tls-cert": cert, "--tls-key": key}
    if all(v is None for v in given.values()):
        return None
    if address is None or not address.startswith("tls://"):
        raise InputError(f"--tls-ca-file, --tls-cert and --tls-key need a scheduler address tls://HOST:PORT (got {address or 'none'})")
    if ca_file is None:
        raise InputError("--tls-ca-file is needed with TLS: the certificate authority that signed the scheduler's certificate")
    if (cert is None) != (key is None):
        raise InputError("--tls-cert and --tls-key go together (this client's certificate and its private key)")
    for option, path in given.items():
        if path is not None and not Path(path).is_file():
            raise InputError(f"{option} {path}: no such file")
    if cert is None:
        raise InputError(
            "--tls-ca-file needs --tls-cert and --tls-key: a Dask scheduler started with TLS asks every client for a "
            "certificate (distributed's TLS is mutual), so give this client's certificate and key, signed by an authority "
            "the scheduler trusts"
        )
    from distributed.security import Security  # heavy: dask's distributed, only for --executor dask with TLS

    return Security(
        tls_ca_file=str(ca_file),
        tls_client_cert=str(cert) if cert else None,
        tls_client_key=str(key) if key else None,
        require_encryption=True,
    )


def make_executor(kind: str, workers: int | None = None, address: str | None = None, security: Any = None) -> Any:

    if security is not None and (kind != "dask" or address is None):
        raise InputError("the TLS options need --executor dask and --address tls://HOST:PORT")
    if kind == "serial":
        return SerialExecutor()
    if kind == "local":
        return ProcessExecutor(workers)
    if kind == "dask":
        if address is not None and not address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
            raise InputError(f"--address {address}: expected a scheduler address like tcp://HOST:8786")
        try:
            return DaskExecutor(address, workers, security)
        except OSError as exc:
            raise InputError(f"--address {address}: cannot reach the Dask scheduler ({exc})") from None
    raise InputError(f"--executor {kind}: must be local, dask or serial")  # the order of --help and the commands' checks
