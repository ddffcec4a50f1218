"""Leaders: the principals at the table (ODD 7.1-7.3)."""

from __future__ import annotations

from summitry.agents.base import DiplomaticAgent


class Leader(DiplomaticAgent):
    """A side's principal: proposes, accepts, cancels and walks away."""

    kind_name = "leader"

    @property
    def impulsiveness(self) -> float:
        return float(self.state_model.state.iota[self.index])

    @property
    def ego(self) -> float:
        return float(self.state_model.state.psi[self.index])

    @property
    def risk_tolerance(self) -> float:
        return float(self.state_model.state.zeta[self.index])

    @property
    def trustworthy(self) -> bool:
        """True type (Kydd): T reciprocates cooperation, U exploits it."""
        return bool(self.state_model.state.is_t[self.side])

    @property
    def rapport(self) -> dict[str, float]:
        m = self.state_model
        return {sid: float(m.state.rapport[self.index, c]) for c, sid in enumerate(m.side_ids)}
