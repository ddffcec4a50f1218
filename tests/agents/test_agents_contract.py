"""One contract every agent kind must honour (Axelrod's ``TestPlayer`` discipline).

:class:`AgentContract` holds the checks; each subclass names one actor of a
scenario (a leader, each faction role, each third-party role) and inherits
them all. The teaching scenario has leaders, hardliners, a reformer, staff and
a mediator; ``rich`` adds military, intelligence and ratifier factions, a
patron and a spoiler.

The contract checks behaviour only: which kinds the actor may send, to whom
its signals go, that what it sends in a run is among them, that its rows of
the model's arrays stay in range and move, and identical replay under a seed.
(The agents' read-only properties are not checked: nothing in the engine,
the reports or the dashboard reads them.)
"""

from __future__ import annotations

import copy
import gc
import math
import weakref
from functools import cache
from typing import Any, ClassVar

import mesa
import numpy as np
import pytest

from summitry.agents.base import DiplomaticAgent, Signal
from summitry.agents.faction import Faction
from summitry.agents.leader import Leader
from summitry.agents.third_party import ThirdParty
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.scenario.document import Scenario, load_raw, validate_data


@cache
def scenario(name: str) -> Scenario:
    data, _, source = load_raw("teaching")
    data = copy.deepcopy(data)
    if name == "rich":
        alpha = data["sides"]["alpha"]
        alpha["factions"][0]["influence"] = 0.3
        alpha["factions"][1]["influence"] = 0.3
        alpha["factions"] += [
            {"id": "alpha-army", "name": "Alpha army", "role": "military", "stance": 0.7, "influence": 0.2},
            {"id": "alpha-spies", "name": "Alpha intelligence", "role": "intelligence", "stance": 0.6, "influence": 0.1},
            {"id": "alpha-senate", "name": "Alpha senate", "role": "ratifier", "stance": 0.55, "influence": 0.1},
        ]
        data["third_parties"] += [
            {"id": "pat", "name": "Patron Pat", "role": "patron", "position": 0.9, "stake": 0.5, "client": "beta",
             "enforcement": 0.6, "laxity": 0.3, "stance": 0.7, "trust": {"alpha": 0.3, "beta": 0.7}},
            {"id": "spo", "name": "Spoiler Spo", "role": "spoiler", "position": 1.0, "stake": 0.2, "client": "beta",
             "enforcement": 0.4, "laxity": 0.2, "stance": 0.9},
        ]  # fmt: skip
        data["influence"] += [
            {"listener": "bo", "speaker": "pat", "weight": 0.1},
            {"listener": "bo", "speaker": "spo", "weight": 0.05},
            {"listener": "alpha-army", "speaker": "alpha-hawks", "weight": 0.2},
            {"listener": "alpha-senate", "speaker": "alpha-diplomats", "weight": 0.1},
        ]
    return validate_data(data, f"{source} ({name})")


def _events(model: DiplomacyModel) -> list[tuple[Any, ...]]:
    """The event log as comparable tuples (NaN -> None, so equal logs compare equal)."""
    out = []
    for e in model.events:
        out.append(tuple((k, None if isinstance(v, float) and math.isnan(v) else v) for k, v in sorted(e.items())))
    return out


def _run(name: str, seed: int, steps: int) -> DiplomacyModel:
    model = DiplomacyModel(scenario(name), seed=seed)
    for _ in range(steps):
        model.step()
    return model


class AgentContract:
    """The checks; subclasses set the scenario, the actor and what it is."""

    scenario_name: ClassVar[str] = "teaching"
    actor_id: ClassVar[str]
    role: ClassVar[str]
    agent_class: ClassVar[type[DiplomaticAgent]]
    expected_kinds: ClassVar[frozenset[str]]
    """Kinds this actor may send in its scenario (the static feasibility row)."""

    @pytest.fixture
    def model(self) -> DiplomacyModel:
        return DiplomacyModel(scenario(self.scenario_name), seed=11)

    @pytest.fixture
    def agent(self, model: DiplomacyModel) -> DiplomaticAgent:
        return model.agent_list[model.index_of[self.actor_id]]

    # -- identity ------------------------------------------------------------
    def test_is_a_registered_mesa_agent_of_its_kind(self, model: DiplomacyModel, agent: DiplomaticAgent) -> None:
        assert isinstance(agent, mesa.Agent)
        assert type(agent) is self.agent_class
        assert agent in model.agents
        assert agent.model is model
        assert agent.role == self.role
        assert agent.actor_id == self.actor_id
        assert model.actor_ids[agent.index] == self.actor_id
        assert sum(1 for a in model.agents if getattr(a, "actor_id", None) == self.actor_id) == 1

    # -- its rows of the model's arrays, as the run moves them -------------------
    def test_its_stance_and_trust_stay_in_range_and_move(self, model: DiplomacyModel, agent: DiplomaticAgent) -> None:
        """After 12 weeks its stance is in [0, 1], its trust in every side strictly inside (0, 1), and something moved."""
        i = agent.index
        before = (model.state.stance[i], model.trust_matrix()[i].copy())
        for _ in range(12):
            model.step()
        x, mu = model.state.stance[i], model.trust_matrix()[i]
        assert 0.0 <= x <= 1.0
        assert mu.shape == (len(model.side_ids),) and np.all((mu > 0.0) & (mu < 1.0)), mu
        assert x != before[0] or not np.array_equal(mu, before[1]), "nothing about this actor changed in 12 weeks"

    # -- behaviour -----------------------------------------------------------
    def test_act_none_sends_nothing(self, agent: DiplomaticAgent) -> None:
        assert agent.act(None) is None

    def test_feasible_kinds_are_the_roles(self, model: DiplomacyModel, agent: DiplomaticAgent) -> None:
        row = model.static_feasible[agent.index]
        assert row[0]  # "none" is always available
        kinds = {model.kinds[j - 1] for j in np.flatnonzero(row[1:]) + 1}
        assert kinds == self.expected_kinds

    def test_act_sends_each_feasible_kind_to_its_receiver(self, model: DiplomacyModel, agent: DiplomaticAgent) -> None:
        row = model.static_feasible[agent.index]
        for j in np.flatnonzero(row[1:]) + 1:
            kind = model.kinds[j - 1]
            sig = agent.act(kind)
            assert isinstance(sig, Signal), kind
            assert (sig.sender, sig.kind, sig.source) == (agent.index, kind, "chosen")
            assert sig.receiver == model.receiver_of(agent.index, kind)
            receiver_kind = model.catalogue[kind].receiver
            if receiver_kind == "principals":
                assert sig.receiver == -1
            else:
                assert 0 <= sig.receiver < len(model.actor_ids) and sig.receiver != agent.index

    def test_sent_signals_are_feasible_kinds(self) -> None:
        model = _run(self.scenario_name, seed=4, steps=30)
        sent = {e["kind"] for e in model.events if e["sender"] == self.actor_id and e["source"] == "chosen"}
        assert sent <= self.expected_kinds

    # -- reproducibility -----------------------------------------------------
    def test_identical_replay_under_a_seed(self) -> None:
        a, b = _run(self.scenario_name, 23, 10), _run(self.scenario_name, 23, 10)
        assert _events(a) == _events(b)
        assert len(a.events) > 0
        np.testing.assert_array_equal(a.state.stance, b.state.stance)
        np.testing.assert_array_equal(a.trust_matrix(), b.trust_matrix())
        own = [e for e in _events(a) if dict(e)["sender"] == self.actor_id]
        assert own == [e for e in _events(b) if dict(e)["sender"] == self.actor_id]

    def test_different_seeds_give_different_runs(self) -> None:
        base = _events(_run(self.scenario_name, 0, 30))
        assert any(_events(_run(self.scenario_name, seed, 30)) != base for seed in (1, 2, 3))


LEADER_KINDS = frozenset({"praise", "threat", "letter", "summit_offer", "summit_accept", "summit_cancel", "demand"})
ALPHA_KINDS = LEADER_KINDS | {"partial_relief", "exercise_halt", "sanctions_tighten", "sanctions_ease"}
BETA_KINDS = LEADER_KINDS | {"dismantle_site", "moratorium_pledge", "srbm_test", "icbm_test", "nuclear_test"}


class TestLeaderAlpha(AgentContract):
    actor_id = "ada"
    role = "leader"
    agent_class = Leader
    expected_kinds = ALPHA_KINDS


class TestLeaderBeta(AgentContract):
    actor_id = "bo"
    role = "leader"
    agent_class = Leader
    expected_kinds = BETA_KINDS


class TestHardliner(AgentContract):
    actor_id = "beta-hardliners"
    role = "hardliner"
    agent_class = Faction
    expected_kinds = frozenset({"threat", "lobby"})


class TestReformer(AgentContract):
    actor_id = "beta-reformers"
    role = "reformer"
    agent_class = Faction
    expected_kinds = frozenset({"lobby"})


class TestStaff(AgentContract):
    # beta has no staff to meet, so alpha's diplomats can only lobby
    actor_id = "alpha-diplomats"
    role = "staff"
    agent_class = Faction
    expected_kinds = frozenset({"lobby"})


class TestMilitary(AgentContract):
    scenario_name = "rich"
    actor_id = "alpha-army"
    role = "military"
    agent_class = Faction
    expected_kinds = frozenset({"threat", "lobby"})


class TestIntelligence(AgentContract):
    scenario_name = "rich"
    actor_id = "alpha-spies"
    role = "intelligence"
    agent_class = Faction
    expected_kinds = frozenset({"lobby"})


class TestRatifier(AgentContract):
    scenario_name = "rich"
    actor_id = "alpha-senate"
    role = "ratifier"
    agent_class = Faction
    expected_kinds = frozenset({"lobby"})


class TestMediator(AgentContract):
    actor_id = "gil"
    role = "mediator"
    agent_class = ThirdParty
    expected_kinds = frozenset({"mediation"})


class TestPatron(AgentContract):
    scenario_name = "rich"
    actor_id = "pat"
    role = "patron"
    agent_class = ThirdParty
    expected_kinds = frozenset({"interference", "patron_summit"})

    def test_sends_to_its_clients_leader(self, model: DiplomacyModel, agent: ThirdParty) -> None:
        sig = agent.act("interference")
        assert sig is not None and sig.receiver == model.index_of["bo"]


class TestSpoiler(AgentContract):
    scenario_name = "rich"
    actor_id = "spo"
    role = "spoiler"
    agent_class = ThirdParty
    expected_kinds = frozenset({"interference"})


class TestLeaderInRichScenario(AgentContract):
    scenario_name = "rich"
    actor_id = "ada"
    role = "leader"
    agent_class = Leader
    expected_kinds = ALPHA_KINDS


def test_bulk_addressing_gives_the_receivers_each_agent_would_pick() -> None:
    from summitry.sim.scenario.document import load_scenario, validate_data
    from summitry.sim.scenario.generate import generate

    for sc in (load_scenario("hanoi-2019"), validate_data(generate(400, 2_000, 3, seed=5), "<generated>")):
        model = DiplomacyModel(sc, seed=1)
        everyone = np.arange(len(model.actor_ids))
        for kind in ("lobby", "threat", "envoy_talks"):
            want = [model.receiver_of(i, kind) for i in everyone.tolist()]
            got = model.receivers_of(everyone, kind).tolist()
            assert got == [-1 if r is None else r for r in want]
            assert any(r is not None for r in want)


def test_agents_are_numbered_per_model_in_a_store_that_lets_finished_models_go() -> None:
    """Mesa numbers agents through ``self._ids[model]``; summitry's agents shadow it with a weak store (agents/base.py)."""
    model = DiplomacyModel(scenario("hanoi-2019"), seed=0)
    # Mesa still reads the store we give it: this model's counter lives there, not in Mesa's class-level one
    assert model in DiplomaticAgent._ids
    assert model not in getattr(mesa.Agent, "_ids", {})
    # the same numbers as Mesa's own counter would give: 1, 2, ... in the order agents are built
    assert [a.unique_id for a in model.agent_list] == list(range(1, len(model.agent_list) + 1))
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None  # nothing, the store included, keeps a finished model alive
