"""What every diplomatic actor has (CONTRIBUTING.md, "The layout").

Agents decide; arrays remember. An agent is the identity and interface of
one row of the model's arrays: its properties read that row, and
:meth:`DiplomaticAgent.act` turns the row's choice into a :class:`Signal`.
What only one family weighs when it decides is a static method of that
family's class, computed over all its rows at once (:class:`~summitry.agents.leader.Leader`,
:class:`~summitry.agents.faction.Faction`, :class:`~summitry.agents.third_party.ThirdParty`);
the form every actor shares, and the choice, are in :mod:`summitry.agents.policy`.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from typing import TYPE_CHECKING, Any, ClassVar

import mesa

from summitry.sim.mechanisms.signals import Signal  # the record lives with the signal catalogue; re-exported here for agents

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel
    from summitry.sim.mechanisms.signals import SignalKind

__all__ = ["DiplomaticAgent", "Signal"]


class _AgentNumbers(weakref.WeakKeyDictionary):  # type: ignore[type-arg]
    """Per-model agent-number counters, held weakly, so that a finished model can be freed.

    Mesa 3 numbers agents with ``next(self._ids[model])``, where ``_ids`` is a
    class-level ``defaultdict`` keyed by model: every model ever built would stay
    alive (about 400 kB a run, without bound in a sweep or a long-running
    dashboard). Summitry's agents shadow that attribute with this store: the same
    numbers (one counter per live model, from 1), so runs are unchanged. This is
    the one place summitry touches Mesa's internals; tests/agents/test_agents_contract.py
    checks that Mesa still numbers agents through it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._guard = threading.Lock()

    def __getitem__(self, model: Any) -> Any:
        with self._guard:
            try:
                return super().__getitem__(model)
            except KeyError:
                counter = itertools.count(1)
                self[model] = counter
                return counter


class DiplomaticAgent(mesa.Agent):
    """An actor: a leader, a faction or a third party."""

    kind_name: ClassVar[str] = "actor"
    _ids = _AgentNumbers()  # Mesa's agent-number store, per model and held weakly (see _AgentNumbers)

    def __init__(
        self, model: DiplomacyModel, index: int, actor_id: str, name: str, side: int, role: str, also: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(model)
        self.index = index
        self.actor_id = actor_id
        self.name = name
        self.side = side
        self.role = role
        self.also = also  # further roles whose signal kinds it may send (a faction's ``also``)

    # -- the agent's slice of the model's arrays ---------------------------
    @property
    def state_model(self) -> DiplomacyModel:
        return self.model  # type: ignore[return-value]

    @property
    def stance(self) -> float:
        """x: current stance in [0, 1] (1 = hawkish)."""
        return float(self.state_model.state.stance[self.index])

    @property
    def anchor(self) -> float:
        """x0: the stance it returns to when nobody talks to it."""
        return float(self.state_model.state.anchor[self.index])

    @property
    def susceptibility(self) -> float:
        """lambda = 1 - stubbornness."""
        return float(self.state_model.state.susceptibility[self.index])

    @property
    def influence(self) -> float:
        """omega: weight in its side's ratification (0 for third parties)."""
        return float(self.state_model.state.omega[self.index])

    @property
    def trust(self) -> dict[str, float]:
        """mu: belief that each side is a trustworthy type, by side id."""
        m = self.state_model
        mu = m.trust_matrix()[self.index]
        return {sid: float(mu[c]) for c, sid in enumerate(m.side_ids)}

    # -- behaviour ---------------------------------------------------------
    def may_send(self, kind: SignalKind, capabilities: frozenset[str]) -> bool:
        """Whether this actor's role and its side's capabilities allow ``kind`` at all."""
        if not kind.chosen:
            return False
        if self.role not in kind.senders and not self.also & set(kind.senders):
            return False
        return kind.requires is None or kind.requires in capabilities

    def act(self, kind: str | None) -> Signal | None:
        """The signal this actor sends this step, given the kind it chose.

        The model calls this for every kind delivered one by one; kinds it
        delivers in bulk (lobbying) are addressed for all their senders at
        once by ``DiplomacyModel.receivers_of``, which gives the same receivers.
        """
        if kind is None:
            return None
        receiver = self.state_model.receiver_of(self.index, kind)
        if receiver is None:
            return None
        return Signal(sender=self.index, kind=kind, receiver=receiver, source="chosen")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.actor_id!r}, role={self.role!r})"
