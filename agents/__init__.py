"""Mesa agents of summitry: leaders, factions and third parties."""

from agents.base import DiplomaticAgent, Signal
from agents.faction import Faction
from agents.leader import Leader
from agents.third_party import ThirdParty

__all__ = ["DiplomaticAgent", "Faction", "Leader", "Signal", "ThirdParty"]
