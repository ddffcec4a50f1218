"""Factions of a leader's inner circle: hardliners, reformers, staff, ..., and what only factions weigh when they decide.

A faction has no type of its own: it speaks for its side only as far as it
has a say in the side's decision (:meth:`Faction.voice`), and it lobbies its
leader the more, the further their stances are apart
(:meth:`Faction.lobby_value`). The shared form of the decision rule is in
:mod:`summitry.agents.policy`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from summitry.agents.base import DiplomaticAgent
from summitry.sim.mechanisms.roles import HAWKISH_ROLES

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel

FloatArray = NDArray[np.float64]

LOBBY_GAIN = 1.5
"""A faction's value of lobbying per unit of distance between its stance and its leader's (ODD 7.16)."""


class Faction(DiplomaticAgent):
    """A member of an inner circle: lobbies its leader, sometimes speaks abroad."""

    kind_name = "faction"

    @property
    def hawkish(self) -> bool:
        return self.role in HAWKISH_ROLES

    # -- how factions decide, over every faction's row at once -------------
    @staticmethod
    def lobby_value(stance: FloatArray, leader_stance: FloatArray) -> FloatArray:
        """What lobbying its own leader is worth to each faction: LOBBY_GAIN times how far apart their stances are.

        >>> import numpy as np
        >>> Faction.lobby_value(np.array([0.9, 0.5]), np.array([0.5, 0.5])).round(2).tolist()
        [0.6, 0.0]
        """
        return np.asarray(LOBBY_GAIN * np.abs(stance - leader_stance), dtype=float)

    @staticmethod
    def voice(model: DiplomacyModel) -> FloatArray:
        """How much each actor's signals say about its side's type: 1 for a leader, a faction's weight omega_k.

        Trust is a belief about the side's decision maker (ODD 7.4). A leader's
        own signal is read in full; a faction speaks for its side only as far as
        it has a say in what the side decides, so its threats and reassurances
        move the other side's trust by its current weight omega_k times what the
        leader's would. Third parties carry no side's type (their rows are 0 and
        unused).
        """
        s = model.state
        return np.asarray(np.where(model.is_leader, 1.0, np.where(model.in_side, s.omega, 0.0)), dtype=float)
