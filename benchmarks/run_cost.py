"""Cost of a whole run of a built-in scenario against a bare Mesa model.

The baseline is a Mesa model with the same number of agents and steps whose
agents do nothing but read their neighbours' state on the same influence
graph; both are measured side by side in this process. Target (issue: the
engine): a run costs no more than 5x the baseline. For reference the script
also times the decision rule alone (one logit choice of every agent per
week): it is the floor of any step of this model.

Usage: python benchmarks/run_cost.py [SCENARIO ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import CellAgent, Network

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of, record

from agents import policy
from sim.influence import influence_graph
from sim.model import DiplomacyModel
from sim.run import run_scenario
from sim.scenario import load_scenario


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


def main(names: list[str]) -> None:
    entries = []
    for name in names:
        sc = load_scenario(name)
        g = influence_graph(sc)
        order = sc.actor_ids()
        idx = {a: i for i, a in enumerate(order)}
        adjacency = [[idx[v] for v in g.successors(a) if v != a] for a in order]
        steps = sc.time.steps

        def bare(adjacency: list[list[int]] = adjacency, steps: int = steps) -> None:
            m = BareModel(adjacency)
            for _ in range(steps):
                m.step()

        def full(sc=sc) -> None:  # type: ignore[no-untyped-def]
            run_scenario(sc, seed=1)

        undirected = nx.Graph(g.to_undirected())
        undirected.remove_edges_from(nx.selfloop_edges(undirected))
        graph = nx.relabel_nodes(undirected, idx)

        def network(graph: nx.Graph = graph, steps: int = steps) -> None:
            m = NetworkModel(graph)
            for _ in range(steps):
                m.step()

        model = DiplomacyModel(sc, seed=1)
        model.step()
        uniforms = np.random.default_rng(0).random(len(order))

        def decide(model: DiplomacyModel = model, steps: int = steps, uniforms: np.ndarray = uniforms) -> None:
            for _ in range(steps):
                policy.choose(model, uniforms, model.params.lambda_q)

        base = best_of(bare, repeat=7, number=5)
        net = best_of(network, repeat=7, number=5)
        cost = best_of(full, repeat=7, number=5)
        rule = best_of(decide, repeat=7, number=5)
        entries.append(
            {
                "figure": f"run {name} ({len(order)} agents, {steps} steps) vs Mesa Network space",
                "measured_ms": cost * 1e3,
                "baseline_ms": net * 1e3,
                "ratio": cost / net,
                "target": "<= 5x bare Mesa reading neighbours",
            }
        )
        entries.append(
            {
                "figure": f"decision rule alone, {steps} weekly choices of {name} vs Mesa Network space",
                "measured_ms": rule * 1e3,
                "baseline_ms": net * 1e3,
                "ratio": rule / net,
                "target": "(a floor: the logit choice over every agent's kinds, nothing else)",
            }
        )
        entries.append(
            {
                "figure": f"run {name} vs precomputed neighbour lists",
                "measured_ms": cost * 1e3,
                "baseline_ms": base * 1e3,
                "ratio": cost / base,
                "target": "(stricter baseline, for reference)",
            }
        )
    record("run_cost", entries)


if __name__ == "__main__":
    main(sys.argv[1:] or ["hanoi-2019", "singapore-2018", "teaching"])
