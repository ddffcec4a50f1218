"""Mesa agents of summitry: leaders, factions and third parties."""

from summitry.agents.base import DiplomaticAgent, Signal
from summitry.agents.faction import Faction
from summitry.agents.leader import Leader
from summitry.agents.third_party import ThirdParty

__all__ = ["DiplomaticAgent", "Faction", "Leader", "Signal", "ThirdParty"]
