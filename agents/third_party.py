"""Third parties: mediators, patrons and spoilers, and how they decide.

A third party sits at no table and has no type; it acts on goals of its own
(:meth:`ThirdParty.value`): a mediator to close the gap between the two
sides' beliefs and to widen the zone of agreement, a patron or spoiler to
relieve or slow down its client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from summitry.agents.base import DiplomaticAgent

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel
    from summitry.sim.mechanisms.signals import SignalKind

FloatArray = NDArray[np.float64]


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

    # -- how third parties decide, over their rows at once -----------------
    @staticmethod
    def value(model: DiplomacyModel, kind: SignalKind, rows: NDArray[np.int64], mu: FloatArray) -> FloatArray:
        """EU of ``kind`` for each third party in ``rows`` (-inf: not a kind it acts on; ODD 7.17).

        - mediation: the gap between its beliefs and each leader's about the
          other side (what its relay could close), its stake times how small the
          zone of agreement is, and its own dovishness, less the cost;
        - a costly kind to its client (a patron summit): the client's pressure it
          relieves, times how close the two are;
        - a free kind to its client (interference): its own hawkishness, more
          while a summit is scheduled.
        """
        s = model.state
        p = model.params
        out = np.full(rows.size, -np.inf)
        a, b = (int(c) for c in model.summit_sides)
        la, lb = model.leader_of[a], model.leader_of[b]
        # scalar arithmetic on Python floats (the same IEEE operations as on numpy scalars, faster)
        for k, i in enumerate(rows.tolist()):
            m = model.tp_index[i]
            stake = float(s.stake[m])
            if kind.trust.mode == "mediation":
                gap = (float(mu[i, b]) - float(mu[la, b])) + (float(mu[i, a]) - float(mu[lb, a]))
                out[k] = (
                    p.theta_t * p.kappa_m * 0.2 * max(gap, 0.0)
                    + 0.3 * stake * (1 - float(s.zone_area))
                    + 0.2 * (1 - float(s.stance[i]))
                    - kind.cost
                )
            elif kind.receiver == "client":
                client = model.tp_client[m]
                if client < 0:
                    continue
                closeness = 1 - abs(model.tp_position[m] - model.position[client])
                if kind.cost > 0:  # patron summit: relieve the client
                    out[k] = closeness * p.theta_p * s.pressure[client] - kind.cost
                else:  # interference: slow the client down
                    out[k] = closeness * s.stance[i] * 0.5 + (0.2 if model.summit.status == "scheduled" else 0.0) - 0.2
        return out
