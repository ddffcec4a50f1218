"""Crafted payloads to the ensemble callbacks get a bounded answer.

The ensemble's size and progress live on the server under an id it issued;
whatever the browser's store says (a huge ``n``, ``done = n``, negative
numbers, wrong types, someone else's or a made-up id), one request computes
at most ``MAX_RUNS_PER_TICK`` runs. Work is measured by counting the runs the
service computes, never by a clock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from summitry.dashboard.callbacks import ensemble_cancel, ensemble_start, ensemble_tick
from summitry.dashboard.service import MAX_ENSEMBLE_JOBS, MAX_ENSEMBLE_RUNS, MAX_RUNS_PER_TICK, Service


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return Service("teaching", cache_size=4, upload_dir=tmp_path / "uploads")


CONFIG = {"scenario": "teaching", "seed": 0}


def _runs(service: Service, fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, int]:
    before = service.runs_computed
    out = fn(*args, **kwargs)
    return out, service.runs_computed - before


HUGE = 3 * 10**6


@pytest.mark.parametrize(
    "n",
    [HUGE, 10**18, "9" * 5000, -5, 0, "abc", None, [1, 2], {"n": 1}, True, float("inf"), float("nan"), 1e300, "  42 "],
    ids=lambda v: repr(v)[:20],
)
def test_start_refuses_or_bounds_any_n_and_computes_nothing(service: Service, n: Any) -> None:
    """A count that is no whole number from 1 to MAX_ENSEMBLE_RUNS starts nothing; an empty one is the default count."""
    out, runs = _runs(service, ensemble_start, service, CONFIG, n)
    assert runs == 0
    if n in (None, "  42 "):
        job = service.job(out["ensemble"]["id"])
        assert job is not None and job.n == (200 if n is None else 42)
    else:
        assert "ensemble" not in out and out["timer_disabled"] is True
    assert len(service.jobs) == (1 if n in (None, "  42 ") else 0)
    # the service clamps what it is given all the same
    assert service.start_ensemble(CONFIG, HUGE).n == MAX_ENSEMBLE_RUNS


def test_a_tick_is_bounded_by_a_count_whatever_its_time_budget(service: Service) -> None:
    out = ensemble_start(service, CONFIG, MAX_ENSEMBLE_RUNS)
    # a generous time budget: the count still bounds the request
    out, runs = _runs(service, ensemble_tick, service, out["ensemble"], budget_s=1e9)
    assert runs == MAX_RUNS_PER_TICK
    assert out["ensemble"]["done"] == MAX_RUNS_PER_TICK
    assert out["ensemble"]["n"] == MAX_ENSEMBLE_RUNS


@pytest.mark.parametrize(
    "forged",
    [
        {"n": HUGE, "done": 0},
        {"n": 150, "done": 150, "running": True},  # "done = n": used to compute all 150 runs in one request
        {"n": -1, "done": -10},
        {"n": "x", "done": None, "running": "yes"},
        {"n": 10**100, "done": 10**100 - 1},
        {"config": {"scenario": "hanoi-2019", "seed": 10**40}, "n": 10},
    ],
)
def test_forged_store_values_do_not_change_the_work(service: Service, forged: dict[str, Any]) -> None:
    start = ensemble_start(service, CONFIG, 40)["ensemble"]
    store = {**start, **forged}
    out, runs = _runs(service, ensemble_tick, service, store, budget_s=1e9)
    assert runs <= MAX_RUNS_PER_TICK
    job = service.job(start["id"])
    assert job is not None and job.n == 40 and job.config["scenario"] == "teaching"
    assert out["ensemble"] == {"id": start["id"], "n": 40, "done": job.done, "running": job.running, "drawn": 0}
    assert "ens_outcomes" not in out  # 40 runs are not done after one tick


@pytest.mark.parametrize(
    "store",
    [None, {}, [], "abc", 5, {"id": None}, {"id": 12345}, {"id": ["x"]}, {"id": "x" * 10_000}, {"id": "made-up", "n": 150, "done": 150}],
    ids=lambda v: repr(v)[:20],
)
def test_unknown_or_malformed_ids_do_no_work(service: Service, store: Any) -> None:
    out, runs = _runs(service, ensemble_tick, service, store, budget_s=1e9)
    assert runs == 0
    assert out["timer_disabled"] is True
    out, runs = _runs(service, ensemble_cancel, service, store)
    assert runs == 0


def test_finishing_computes_exactly_n_runs_once_and_replays_do_nothing(service: Service) -> None:
    store = ensemble_start(service, {"scenario": "teaching", "seed": 100}, 3)["ensemble"]
    total = 0
    out: dict[str, Any] = {}
    for _ in range(10):
        out, runs = _runs(service, ensemble_tick, service, store, budget_s=1e9)
        total += runs
        store = out["ensemble"]
        if not store["running"]:
            break
    assert total == 3
    assert "ens_outcomes" in out
    for _ in range(3):
        # a replayed tick of a finished ensemble does no runs and builds nothing: it sends the figures already built
        # (a newer tick can overtake the finishing one in the browser, which then keeps only the newer response)
        again, runs = _runs(service, ensemble_tick, service, {**store, "running": True, "done": 0}, budget_s=1e9)
        assert runs == 0
        assert again["ens_outcomes"] is out["ens_outcomes"]


def test_cancel_stops_the_job_on_the_server(service: Service) -> None:
    store = ensemble_start(service, CONFIG, 100)["ensemble"]
    ensemble_tick(service, store, budget_s=0.0)
    ensemble_cancel(service, store)
    out, runs = _runs(service, ensemble_tick, service, {**store, "running": True}, budget_s=1e9)
    assert runs == 0 and out["timer_disabled"] is True


def test_the_server_keeps_a_bounded_number_of_jobs(service: Service) -> None:
    ids = [ensemble_start(service, CONFIG, 10)["ensemble"]["id"] for _ in range(MAX_ENSEMBLE_JOBS + 5)]
    assert service.job(ids[0]) is None
    assert service.job(ids[-1]) is not None
    assert len(set(ids)) == len(ids)


def test_a_busy_job_is_not_advanced_twice_at_once(service: Service) -> None:
    store = ensemble_start(service, CONFIG, 10)["ensemble"]
    job = service.job(store["id"])
    assert job is not None
    with job.lock:  # another request is advancing it
        out, runs = _runs(service, ensemble_tick, service, store, budget_s=1e9)
    assert runs == 0 and out["ensemble"]["done"] == 0


# ----------------------------------------------------- configurations, forks


def test_crafted_configurations_are_normalised_not_raised_on() -> None:
    from summitry.dashboard.service import normalise_config

    big = 10**400  # valid JSON; float() of it overflows and str() of 10**5000 would raise
    cfg = normalise_config(
        {"seed": big, "mode": ["x"], "overrides": {"kappa": big, "leak0": "9" * 5000, "x": [1], "ok": "0.5"}}, "teaching"
    )
    assert cfg == {"scenario": "teaching", "seed": 0, "mode": None, "overrides": {"ok": 0.5}}
    assert normalise_config("not a mapping", "teaching")["seed"] == 0  # type: ignore[arg-type]
    assert normalise_config({"seed": -5}, "teaching")["seed"] == 0
    assert normalise_config({"seed": "12"}, "teaching")["seed"] == 12
    many = {f"p{i}": 1 for i in range(100_000)}
    assert len(normalise_config({"overrides": many}, "teaching")["overrides"]) <= 500


def test_crafted_forks_are_bounded() -> None:
    from summitry.dashboard.service import MAX_BROWSER_ITEMS, normalise_fork

    big = 10**400
    spec = normalise_fork(
        {
            "at": big,
            "remove": [big, "1", "x" * 5000, 3, True, None, *range(10, 100_000)],
            "add": [
                {"kind": big, "sender": "a"},
                {"kind": "praise", "sender": "x" * 5000},
                {"kind": "praise", "sender": "ada", "week": big},
            ]
            + [{"kind": "praise", "sender": "ada"}] * 100_000,
        }
    )
    assert spec["at"] == 0
    assert spec["remove"][:2] == [1, 3] and len(spec["remove"]) <= MAX_BROWSER_ITEMS
    assert spec["add"][0] == {"week": 0, "kind": "praise", "sender": "ada", "receiver": None}
    assert len(spec["add"]) <= MAX_BROWSER_ITEMS
    assert normalise_fork("nonsense") == {"at": 0, "overrides": {}, "remove": [], "add": []}  # type: ignore[arg-type]


def test_a_tick_that_finds_the_job_complete_sends_the_figures(service: Service) -> None:
    """The finishing tick's response can be overtaken in the browser by a tick that did no runs: that one must carry
    the figures too (it builds them once if the finishing tick has not yet)."""
    store = ensemble_start(service, {"scenario": "teaching", "seed": 100}, 3)["ensemble"]
    job = service.job(store["id"])
    assert job is not None
    while job.done < job.n:  # the finishing request computed the runs but its response never arrived
        service.advance_job(job, budget_s=1e9)
    assert not job.running and job.figures is None
    out, runs = _runs(service, ensemble_tick, service, store, budget_s=1e9)
    assert runs == 0
    assert out["timer_disabled"] is True
    assert sum(out["ens_outcomes"].data[0].x) == pytest.approx(1.0)  # the shares of the 3 runs
