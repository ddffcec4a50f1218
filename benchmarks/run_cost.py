"""Cost of a whole run of a built-in scenario against a bare Mesa model, over many seeds.

The baseline is a Mesa model with the same number of agents and steps whose
agents do nothing but sum their neighbours' stances on the same influence
graph (through Mesa's own ``Network`` space); it is measured side by side
with the engine in this process, seed by seed. Rows:

- the baseline itself, and a stricter one (neighbour lists precomputed);
- ``single run``: one run through the public API (``run_scenario``, free
  mode, the scenario's shipped parameters);
- the decision rule and the week's signal delivery within those runs: the
  same runs again with timing wrappers around ``summitry.agents.policy.choose`` and
  ``DiplomacyModel._deliver_outbox`` (installed here, for this process only;
  the engine's files are untouched), per run and per week;
- the rest of the run (run minus decision rule minus delivery).

Each figure is the median over seeds of the per-seed median over repeats;
the interval is a 95% bootstrap over seeds of the median (and of the ratio,
resampling the baseline and the figure by the same seeds). Targets are
issue 16's: a batch of 1,000 runs at most 3x the baseline per run (not built
yet), single runs no slower than today.

Usage: python benchmarks/run_cost.py [--seeds N] [--repeats N] [--results FILE] [SCENARIO ...]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import CellAgent, Network

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, record

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.mechanisms.influence import influence_graph
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Scenario, load_scenario


class Reader(mesa.Agent):
    def __init__(self, model: mesa.Model, neighbours: list[int]) -> None:
        super().__init__(model)
        self.neighbours = neighbours
        self.stance = float(model.rng.random())
        self.seen = 0.0

    def step(self) -> None:
        agents = self.model.by_index  # type: ignore[attr-defined]
        self.seen = sum(agents[j].stance for j in self.neighbours)


class CellReader(CellAgent):
    """Reads its neighbours through Mesa's own network space."""

    def __init__(self, model: mesa.Model, cell: object) -> None:
        super().__init__(model)
        self.cell = cell  # type: ignore[assignment]
        self.stance = float(model.rng.random())
        self.seen = 0.0

    def step(self) -> None:
        self.seen = sum(a.stance for a in self.cell.neighborhood.agents)  # type: ignore[attr-defined]


class NetworkModel(mesa.Model):
    """N agents on a Mesa ``discrete_space.Network`` of the scenario's graph, reading neighbours."""

    def __init__(self, graph: object, seed: int = 0) -> None:
        super().__init__(rng=np.random.default_rng(seed))
        self.space = Network(graph, random=self.random)
        for cell in self.space.all_cells:
            CellReader(self, cell)

    def step(self) -> None:
        self.agents.do("step")


class BareModel(mesa.Model):
    """N agents on the scenario's graph that only read their neighbours."""

    def __init__(self, adjacency: list[list[int]], seed: int = 0) -> None:
        super().__init__(rng=np.random.default_rng(seed))
        self.by_index = [Reader(self, nb) for nb in adjacency]

    def step(self) -> None:
        self.agents.do("step")


def baseline_graphs(sc: Scenario) -> tuple[nx.Graph, list[list[int]]]:
    """The scenario's influence graph as Mesa's Network space wants it, and as neighbour lists."""
    g = influence_graph(sc)
    order = sc.actor_ids()
    idx = {a: i for i, a in enumerate(order)}
    adjacency = [[idx[v] for v in g.successors(a) if v != a] for a in order]
    undirected = nx.Graph(g.to_undirected())
    undirected.remove_edges_from(nx.selfloop_edges(undirected))
    return nx.relabel_nodes(undirected, idx), adjacency


class Split:
    """Time spent inside the decision rule and the delivery during the runs made while installed."""

    def __init__(self) -> None:
        self.choose = 0.0
        self.deliver = 0.0
        self.weeks = 0

    @contextmanager
    def installed(self) -> Iterator[None]:
        choose = policy.choose
        deliver = DiplomacyModel._deliver_outbox

        @functools.wraps(choose)
        def timed_choose(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return choose(*args, **kwargs)
            finally:
                self.choose += time.perf_counter() - t0
                self.weeks += 1

        @functools.wraps(deliver)
        def timed_deliver(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return deliver(*args, **kwargs)
            finally:
                self.deliver += time.perf_counter() - t0

        policy.choose = timed_choose  # type: ignore[assignment]
        DiplomacyModel._deliver_outbox = timed_deliver  # type: ignore[method-assign]
        try:
            yield
        finally:
            policy.choose = choose  # type: ignore[assignment]
            DiplomacyModel._deliver_outbox = deliver  # type: ignore[method-assign]


def timed(fn: Callable[[int], Any], seed: int) -> float:
    t0 = time.perf_counter()
    fn(seed)
    return time.perf_counter() - t0


def measure(sc: Scenario, seeds: int, repeats: int) -> dict[str, list[float]]:
    """Per seed (1..seeds), the median over ``repeats`` of each quantity, in seconds."""
    graph, adjacency = baseline_graphs(sc)
    steps = sc.time.steps

    def network(seed: int) -> None:
        m = NetworkModel(graph, seed)
        for _ in range(steps):
            m.step()

    def bare(seed: int) -> None:
        m = BareModel(adjacency, seed)
        for _ in range(steps):
            m.step()

    def run(seed: int) -> None:
        run_scenario(sc, seed=seed, mode="free")

    run(1)  # warm-up: imports, caches
    network(1)
    names = ("network", "bare", "run", "run_profiled", "choose", "deliver", "weeks")
    per_seed: dict[str, list[float]] = {n: [] for n in names}
    for seed in range(1, seeds + 1):
        samples: dict[str, list[float]] = {n: [] for n in names}
        for _ in range(repeats):
            samples["network"].append(timed(network, seed))
            samples["bare"].append(timed(bare, seed))
            samples["run"].append(timed(run, seed))
            split = Split()
            with split.installed():
                samples["run_profiled"].append(timed(run, seed))
            samples["choose"].append(split.choose)
            samples["deliver"].append(split.deliver)
            samples["weeks"].append(float(split.weeks))
        for n in names:
            per_seed[n].append(statistics.median(samples[n]))
    return per_seed


def bootstrap(measured: list[float], baseline: list[float], draws: int = 2000) -> tuple[tuple[float, float], tuple[float, float]]:
    """95% intervals of median(measured) and of median(measured) / median(baseline), resampling seeds."""
    m, b = np.asarray(measured), np.asarray(baseline)
    rng = np.random.default_rng(20260416)
    idx = rng.integers(0, m.size, size=(draws, m.size))
    med_m = np.median(m[idx], axis=1)
    ratio = med_m / np.median(b[idx], axis=1)
    q = (2.5, 97.5)
    lo, hi = np.percentile(med_m, q)
    rlo, rhi = np.percentile(ratio, q)
    return (float(lo), float(hi)), (float(rlo), float(rhi))


def row(figure: str, measured: list[float], baseline: list[float], target: str) -> dict[str, Any]:
    """One results row: medians in ms, their ratio, and bootstrap intervals."""
    med, base = statistics.median(measured), statistics.median(baseline)
    (lo, hi), (rlo, rhi) = bootstrap(measured, baseline)
    return {
        "figure": figure,
        "measured_ms": med * 1e3,
        "measured_ms_95": [lo * 1e3, hi * 1e3],
        "baseline_ms": base * 1e3,
        "ratio": med / base,
        "ratio_95": [rlo, rhi],
        "seeds": len(measured),
        "target": target,
    }


def rows_for(name: str, sc: Scenario, t: dict[str, list[float]], repeats: int) -> list[dict[str, Any]]:
    n, steps = len(sc.actor_ids()), sc.time.steps
    how = f"{name}, median over {len(t['run'])} seeds of the median of {repeats}"
    base = t["network"]
    base_step = [b / steps for b in base]
    weeks = t["weeks"]
    choose_week = [c / w for c, w in zip(t["choose"], weeks, strict=True)]
    deliver_week = [d / w for d, w in zip(t["deliver"], weeks, strict=True)]
    rest = [r - c - d for r, c, d in zip(t["run_profiled"], t["choose"], t["deliver"], strict=True)]
    return [
        row(f"baseline: bare Mesa, {n} agents, {steps} steps, summing neighbours ({how})", base, base, "(the baseline)"),
        row(f"baseline with precomputed neighbour lists ({how})", t["bare"], base, "(a stricter baseline, for reference)"),
        row(f"single run ({how}; {statistics.median(weeks):.0f} weeks)", t["run"], base, "<= today's figure (issue 16)"),
        row(f"decision rule within a run (summitry.agents.policy.choose; {how})", t["choose"], base, "(part of the single run)"),
        row(f"delivery within a run (DiplomacyModel._deliver_outbox; {how})", t["deliver"], base, "(part of the single run)"),
        row(f"rest of the run: recording, pressure, stances, bargaining ({how})", rest, base, "(part of the single run)"),
        row(f"decision rule, one week ({how}; baseline: one step)", choose_week, base_step, "(per week)"),
        row(f"delivery, one week ({how}; baseline: one step)", deliver_week, base_step, "(per week)"),
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("scenarios", nargs="*", default=["hanoi-2019"], metavar="SCENARIO")
    ap.add_argument("--seeds", type=int, default=30, help="seeds 1..N (default 30)")
    ap.add_argument("--repeats", type=int, default=3, help="timings per seed, their median is kept (default 3)")
    ap.add_argument("--results", type=Path, default=RESULTS, help="results file (default benchmarks/results.json)")
    args = ap.parse_args(argv)
    if args.seeds < 2 or args.repeats < 1:
        ap.error("--seeds must be at least 2 and --repeats at least 1")
    entries: list[dict[str, Any]] = []
    for name in args.scenarios:
        sc = load_scenario(name)
        entries.extend(rows_for(name, sc, measure(sc, args.seeds, args.repeats), args.repeats))
    record("run_cost", entries, results=args.results)


if __name__ == "__main__":
    main()
