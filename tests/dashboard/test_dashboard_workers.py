"""Ensembles on worker processes (summitry.dashboard.background): the same members, bounded by leases, stoppable.

Every wait here is for observed progress (the pool has nothing queued or
running), never for a time: a busy machine only makes the tests slower.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from summitry.dashboard.background import CHUNK_RUNS, LEASE_RUNS, EnsemblePool
from summitry.dashboard.callbacks import ensemble_cancel, ensemble_start, ensemble_tick
from summitry.dashboard.service import EnsembleJob, Service
from summitry.sim.errors import ScenarioError
from summitry.sim.scenario.document import load_scenario

HANG_GUARD_S = 600.0
"""Only against a hang: a healthy pool goes idle long before."""


def _pool(service: Service) -> EnsemblePool:
    """The service's pool: one worker process per worker asked for (a service of 1 worker has none)."""
    assert isinstance(service.pool, EnsemblePool) and service.pool.workers == service.workers >= 2
    return service.pool


def _idle(service: Service) -> None:
    assert _pool(service).wait_idle(HANG_GUARD_S), "the ensemble workers never went idle"


@pytest.fixture
def pooled(tmp_path: Path) -> Iterator[Service]:
    service = Service("teaching", cache_size=4, upload_dir=tmp_path / "uploads", workers=2)
    yield service
    service.close()


def _finish(service: Service, job: EnsembleJob) -> list[dict[str, Any]]:
    """Grant leases until the job is done (each grant lets the workers run LEASE_RUNS more)."""
    while job.done < job.n:
        before = job.done
        service.advance_job(job)
        if service.pool is not None:
            _idle(service)
        assert job.error is None, job.error
        assert job.done > before, "a grant made no progress"
    return job.members


def _same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    assert len(a) == len(b)
    for ma, mb in zip(a, b, strict=True):
        assert ma.keys() == mb.keys()
        for key in ma:
            va, vb = ma[key], mb[key]
            if isinstance(va, dict):
                assert va.keys() == vb.keys()
                for k in va:
                    np.testing.assert_array_equal(np.asarray(va[k]), np.asarray(vb[k]), err_msg=f"{key}.{k}")
            elif isinstance(va, np.ndarray):
                np.testing.assert_array_equal(va, vb, err_msg=key)
            else:
                assert va == vb or (va != va and vb != vb), key


@pytest.mark.parametrize(
    "config",
    [
        {"scenario": "hanoi-2019", "seed": 3},
        {"scenario": "singapore-2018", "seed": 0, "mode": "forcing"},
        {"scenario": "teaching", "seed": 7, "overrides": {"parameters.kappa": 3.5}},
    ],
    ids=["hanoi", "singapore-forcing", "teaching-override"],
)
def test_workers_give_the_members_the_server_would_compute_itself(tmp_path: Path, config: dict[str, Any]) -> None:
    """Byte for byte, in seed order, whatever order the workers finish in (the scenario's side order included)."""
    n = 2 * CHUNK_RUNS + 1  # chunks of unequal size
    alone = Service("teaching", upload_dir=tmp_path / "a", workers=1)
    pooled = Service("teaching", upload_dir=tmp_path / "b", workers=2)
    try:
        here = _finish(alone, alone.start_ensemble(config, n))
        there = _finish(pooled, pooled.start_ensemble(config, n))
    finally:
        pooled.close()
    _same(here, there)
    assert pooled.runs_computed == 0  # the server process ran none of them
    assert pooled.pool is not None and pooled.pool.runs_submitted == n


def test_an_uploaded_scenario_runs_on_the_workers_as_uploaded(tmp_path: Path, pooled: Service) -> None:
    """Sides listed in the other order than the built-in file: another run (side indices), the same content hash.

    The same workers run both, the built-in one first: a worker must not take the upload for the scenario it has.
    """
    data = load_scenario("teaching").model_dump(mode="json")
    data["sides"] = dict(reversed(list(data["sides"].items())))
    key = pooled.uploads.put(json.dumps(data), "reordered.json")
    alone = Service("teaching", upload_dir=tmp_path / "a", workers=1)
    alone.uploads.put(json.dumps(data), "reordered.json")
    runs = {}
    for ref in ("teaching", f"upload:{key}"):
        config = {"scenario": ref, "seed": 0}
        here = _finish(alone, alone.start_ensemble(config, 5))
        _same(here, _finish(pooled, pooled.start_ensemble(config, 5)))
        runs[ref] = [m["outcome"] for m in here] + [float(m["trust"][k][-1]) for m in here for k in sorted(m["trust"])]
    assert runs["teaching"] != runs[f"upload:{key}"]  # the order matters, so the test above can tell them apart


def test_a_scenario_whose_sides_are_listed_in_another_order_gets_its_own_runs(tmp_path: Path) -> None:
    """The server knows runs by the scenario's JSON in its own order: the content hash, which sorts, would serve the
    built-in file's run for the upload."""
    data = load_scenario("teaching").model_dump(mode="json")
    data["sides"] = dict(reversed(list(data["sides"].items())))
    service = Service("teaching", upload_dir=tmp_path / "u")
    key = service.uploads.put(json.dumps(data), "reordered.json")
    builtin, upload = {"scenario": "teaching", "seed": 0}, {"scenario": f"upload:{key}", "seed": 0}
    assert service.run_key(builtin) != service.run_key(upload)
    a, b = service.result(builtin), service.result(upload)
    assert a.outcome == "declaration" and b.outcome == "walk_away"  # seed 0 of each, as run alone


def test_a_tick_lets_the_workers_run_one_lease_and_no_more(pooled: Service) -> None:
    out = ensemble_start(pooled, {"scenario": "teaching", "seed": 0}, 3 * LEASE_RUNS)
    ensemble_tick(pooled, out["ensemble"])
    _idle(pooled)
    job = pooled.job(out["ensemble"]["id"])
    assert job is not None and job.n == 3 * LEASE_RUNS
    # no further tick: the workers stopped at the lease
    assert job.done == LEASE_RUNS and pooled.pool is not None and pooled.pool.runs_submitted == LEASE_RUNS
    # a forged store (done = n, running) changes nothing: the next tick extends the lease from what the server has done
    ensemble_tick(pooled, {**out["ensemble"], "done": job.n, "n": 10**9, "running": True})
    _idle(pooled)
    assert job.done == 2 * LEASE_RUNS and pooled.pool.runs_submitted == 2 * LEASE_RUNS
    assert pooled.runs_computed == 0


def test_the_last_tick_draws_the_figures_once_the_workers_are_done(pooled: Service) -> None:
    out = ensemble_start(pooled, {"scenario": "teaching", "seed": 0}, 6)
    ensemble_tick(pooled, out["ensemble"])  # grants the lease (whether the runs finish before it returns is the machine's affair)
    _idle(pooled)
    tick = ensemble_tick(pooled, out["ensemble"])
    assert tick["timer_disabled"] is True and "ens_outcomes" in tick
    assert tick["ensemble"] == {"id": out["ensemble"]["id"], "n": 6, "done": 6, "running": False, "drawn": 0}


def test_cancelling_stops_the_workers_from_starting_more(pooled: Service) -> None:
    out = ensemble_start(pooled, {"scenario": "teaching", "seed": 0}, 200)
    ensemble_tick(pooled, out["ensemble"])
    ensemble_cancel(pooled, out["ensemble"])
    _idle(pooled)
    sent = _pool(pooled).runs_submitted
    job = pooled.job(out["ensemble"]["id"])
    assert job is not None and not job.running and job.done <= sent <= LEASE_RUNS
    tick = ensemble_tick(pooled, out["ensemble"])  # a late tick of the cancelled job
    assert tick["timer_disabled"] is True
    _idle(pooled)
    assert _pool(pooled).runs_submitted == sent and job.done < job.n


def test_an_ensemble_run_before_is_served_from_the_cache_without_workers(pooled: Service) -> None:
    config = {"scenario": "teaching", "seed": 11}
    first = _finish(pooled, pooled.start_ensemble(config, 6))
    sent = _pool(pooled).runs_submitted
    assert sent == 6
    again = pooled.start_ensemble(config, 6)
    pooled.advance_job(again)
    assert again.done == 6 and not again.running  # finished within the request: every member was cached
    assert _pool(pooled).runs_submitted == sent
    _same(first, again.members)


def test_a_failing_worker_stops_the_job_with_a_message(pooled: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that cannot rebuild the scenario refuses to run it; the tick says so and stops polling."""
    real = pooled._job_source

    def tampered(job: EnsembleJob) -> tuple[str, str]:
        text, _content_hash = real(job)
        return text, "0" * 64  # the server's hash of another scenario

    monkeypatch.setattr(_pool(pooled), "_source", tampered)
    out = ensemble_start(pooled, {"scenario": "teaching", "seed": 0}, 8)
    ensemble_tick(pooled, out["ensemble"])
    _idle(pooled)
    tick = ensemble_tick(pooled, out["ensemble"])
    assert tick["timer_disabled"] is True
    job = pooled.job(out["ensemble"]["id"])
    assert job is not None and job.done == 0 and job.error is not None
    assert "differs from the server's" in job.error
    assert "differs from the server's" in str(tick["progress"])


def test_killed_workers_stop_their_job_with_a_message_and_new_ones_serve_the_next(pooled: Service) -> None:
    out = ensemble_start(pooled, {"scenario": "hanoi-2019", "seed": 0}, 3 * LEASE_RUNS)
    ensemble_tick(pooled, out["ensemble"])
    pool = _pool(pooled)
    executor = pool._pool
    assert isinstance(executor, cf.ProcessPoolExecutor), "the first tick did not start the workers"
    # the workers start with the first task: wait until every one exists (observed; the clock only guards a hang),
    # then kill them all
    workers: dict[int, Any] = {}
    guard = time.monotonic() + HANG_GUARD_S
    while len(workers) < pool.workers:
        assert time.monotonic() < guard, "the worker processes never started"
        workers = dict(executor._processes or {})
    assert len(workers) == pool.workers == 2
    for proc in workers.values():
        os.kill(proc.pid, signal.SIGKILL)
    _idle(pooled)
    tick = ensemble_tick(pooled, out["ensemble"])
    job = pooled.job(out["ensemble"]["id"])
    assert job is not None and not job.running and job.done < job.n
    assert job.error is not None and "worker processes stopped" in job.error
    assert tick["timer_disabled"] is True and "worker processes stopped" in str(tick["progress"])
    # the next ensemble gets new workers and finishes
    again = pooled.start_ensemble({"scenario": "teaching", "seed": 5}, 6)
    assert len(_finish(pooled, again)) == 6
    assert all(not proc.is_alive() for proc in workers.values())


def test_a_scenario_the_server_lost_stops_its_job_with_the_reason(pooled: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    def forgotten(job: EnsembleJob) -> tuple[str, str]:
        raise ScenarioError("upload:abc: this uploaded scenario is no longer on the server; upload it again")

    monkeypatch.setattr(_pool(pooled), "_source", forgotten)
    out = ensemble_start(pooled, {"scenario": "teaching", "seed": 0}, 8)
    tick = ensemble_tick(pooled, out["ensemble"])  # the tick that found it says so and stops polling
    job = pooled.job(out["ensemble"]["id"])
    assert job is not None and job.done == 0 and not job.running and pooled.pool.runs_submitted == 0
    assert tick["timer_disabled"] is True and "no longer on the server" in str(tick["progress"])


def test_a_pool_needs_two_workers() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        EnsemblePool(1, lambda j: ("", ""), lambda j, i: None, lambda j, i, m: None)
