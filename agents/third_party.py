"""Third parties: mediators, patrons and spoilers."""

from __future__ import annotations

from summitry.agents.base import DiplomaticAgent


class ThirdParty(DiplomaticAgent):
    """A leader-only actor outside the table, with a bias and a stake."""

    kind_name = "third_party"

    @property
    def tp_index(self) -> int:
        return self.state_model.tp_index[self.index]

    @property
    def enforcement(self) -> float:
        return float(self.state_model.state.enforcement[self.tp_index])

    @property
    def stake(self) -> float:
        return float(self.state_model.state.stake[self.tp_index])
