"""A long ensemble draws its charts as it goes: at a tenth, a quarter, half and three quarters of its runs.

Each early draw is the ensemble of the runs done so far (the first seeds, in
order), drawn exactly as a finished ensemble of that size would be; a small
ensemble draws once, at the end. Ticks are bounded by a count of runs (a huge
time budget), so which tick draws is decided by progress, never by a clock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from summitry.dashboard.callbacks import ensemble_start, ensemble_tick
from summitry.dashboard.callbacks.ensemble import ensemble_figures
from summitry.dashboard.service import MAX_RUNS_PER_TICK, Service
from summitry.sim.scenario.document import load_raw


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return Service("teaching", cache_size=4, upload_dir=tmp_path / "uploads")


def _short(service: Service) -> dict[str, Any]:
    """The teaching case cut to 8 weeks (an upload): the ensembles below are about the ticks, not the runs."""
    raw = dict(load_raw("teaching")[0])
    raw["time"] = {**raw["time"], "steps": 8}
    key = service.uploads.put(yaml.safe_dump(raw, sort_keys=False), "teaching-short.yaml")
    return {"scenario": f"upload:{key}", "seed": 3}


def _ticks(service: Service, n: int, forged: dict[str, Any] | None = None) -> list[tuple[int, dict[str, Any]]]:
    """(runs done after the tick, its output) for every tick until the ensemble is done."""
    store = ensemble_start(service, _short(service), n)["ensemble"]
    out: list[tuple[int, dict[str, Any]]] = []
    for _ in range(n):
        tick = ensemble_tick(service, {**store, **(forged or {})}, budget_s=1e9)
        store = tick["ensemble"]
        out.append((store["done"], tick))
        if not store["running"] or store["done"] >= n:
            break
    return out


def _bars(figure: Any) -> list[Any]:
    return list(figure.data[0].x)


@pytest.mark.parametrize("forged", [None, {"n": 10**9, "done": 0, "running": True}], ids=["honest", "forged-store"])
def test_a_long_ensemble_draws_the_runs_done_at_each_mark(service: Service, forged: dict[str, Any] | None) -> None:
    """A store that claims another size or progress changes neither the runs nor when the charts are drawn."""
    assert MAX_RUNS_PER_TICK == 20  # the ticks below end at 20, 40, ..., 200 runs
    ticks = _ticks(service, 200, forged)
    drawn = [done for done, tick in ticks if "ens_outcomes" in tick]
    # the first tick past 20, 50, 100 and 150 runs draws (not every tick); the one at 200 draws the finished ensemble
    assert drawn == [20, 60, 100, 160, 200]
    job = service.job(ticks[0][1]["ensemble"]["id"])
    assert job is not None and job.done == 200
    for done, tick in ticks:
        if "ens_outcomes" not in tick:
            continue
        alone = ensemble_figures(service, job.config, done, job.members[:done])
        assert _bars(tick["ens_outcomes"]) == _bars(alone["ens_outcomes"])
        assert f"of {done} runs" in tick["ens_trust"].layout.title.text
        assert [list(t.y) for t in tick["ens_trust"].data] == [list(t.y) for t in alone["ens_trust"].data]
    assert "60 / 200 runs; the charts show the first 60" in str(dict(ticks)[60]["progress"])
    assert "the charts show" not in str(dict(ticks)[80]["progress"])


def test_a_small_ensemble_draws_once_when_it_is_done(service: Service) -> None:
    ticks = _ticks(service, 99)
    assert [done for done, tick in ticks if "ens_outcomes" in tick] == [99]


def test_a_draw_the_browser_did_not_keep_is_sent_again_until_it_does(service: Service) -> None:
    """The browser drops a response that a newer tick overtook, and a draw takes longer than the ticks' interval: the
    early charts go out with every tick whose store does not say it holds them, and with no tick whose store does."""
    store = ensemble_start(service, _short(service), 200)["ensemble"]
    first = ensemble_tick(service, store, budget_s=1e9)  # 20 runs: the tenth is passed, and drawn
    assert first["ensemble"]["drawn"] == 20 and "ens_outcomes" in first
    lost = ensemble_tick(service, store, budget_s=1e9)  # the browser kept neither: its store still says 0
    assert lost["ensemble"]["done"] == 40 and lost["ensemble"]["drawn"] == 20
    assert lost["ens_outcomes"] is first["ens_outcomes"]  # the same charts, not a new draw of 40 runs
    assert "40 / 200 runs; the charts show the first 20" in str(lost["progress"])
    kept = ensemble_tick(service, lost["ensemble"], budget_s=1e9)  # it kept the last one
    assert kept["ensemble"]["done"] == 60 and kept["ensemble"]["drawn"] == 60 and "ens_outcomes" in kept  # the quarter
    quiet = ensemble_tick(service, kept["ensemble"], budget_s=1e9)
    assert quiet["ensemble"]["done"] == 80 and quiet["ensemble"]["drawn"] == 60 and "ens_outcomes" not in quiet


@pytest.mark.parametrize("drawn", ["abc", -5, 10**100, None, [20], 20.0])
def test_a_forged_drawn_count_only_resends_charts_already_drawn(service: Service, drawn: Any) -> None:
    """The store's ``drawn`` is the browser's word; whatever it says, a tick runs at most its runs and draws nothing new."""
    store = ensemble_start(service, _short(service), 200)["ensemble"]
    before = service.runs_computed
    first = ensemble_tick(service, {**store, "drawn": drawn}, budget_s=1e9)
    assert service.runs_computed - before == MAX_RUNS_PER_TICK
    job = service.job(store["id"])
    assert job is not None and job.drawn_at == 20  # the one draw the tenth asks for, not one per forged value
    again = ensemble_tick(service, {**first["ensemble"], "drawn": drawn}, budget_s=1e9)
    assert job.drawn_at == 20 and service.runs_computed - before == 2 * MAX_RUNS_PER_TICK
    if drawn == 20:  # it holds them: nothing is resent
        assert "ens_outcomes" not in again
    else:  # anything else: the same charts again, not a new draw
        assert again["ens_outcomes"] is first["ens_outcomes"]
