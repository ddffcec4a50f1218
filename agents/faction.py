"""Factions of a leader's inner circle: hardliners, reformers, staff, ..."""

from __future__ import annotations

from summitry.agents.base import DiplomaticAgent
from summitry.sim.mechanisms.roles import HAWKISH_ROLES


class Faction(DiplomaticAgent):
    """A member of an inner circle: lobbies its leader, sometimes speaks abroad."""

    kind_name = "faction"

    @property
    def hawkish(self) -> bool:
        return self.role in HAWKISH_ROLES
