"""Third-party guarantees (ODD 7.20): a guarantor stands behind an agreement's terms.

A mixin of :class:`summitry.sim.engine.model.DiplomacyModel`. The commitment
problem prices a deal by the chance the other side reneges; a third party
willing and able to enforce the terms makes reneging less likely (Walter
1997: settlements that disarm a side hold when an outsider guarantees them).
A guarantor (a third party whose role ``guarantees``, ODD 2.1) protects its
``client`` side, or every side when it names none, and acts twice:

- at the table, a protected side prices the other's renege risk times
  ``1 - g``, where ``g = 1 - prod(1 - e_G)`` over the guarantors protecting
  it (:meth:`guarantee`): a deal passes at lower trust;
- in force, a side that breaks the agreement's terms is punished by every
  guarantor protecting someone else: its economic pressure rises by
  ``e_G x guarantee_penalty``, and the decision rule charges that penalty
  when it weighs breaking a term (:meth:`breach_penalty`).

Without a guarantor both are exactly what they were: ``g = 0``, penalty 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel


class Guarantees:
    """What guarantors do, as methods of the model (see the module docstring)."""

    def _guarantors_of(self: DiplomacyModel, c: int) -> np.ndarray:
        """Third-party indices of the guarantors protecting side c (their client, or every side when they name none)."""
        return self.guarantors[c]  # fixed for the run: computed at build

    def guarantee(self: DiplomacyModel, c: int) -> float:
        """g_c: the share of the renege risk side c no longer bears, 1 - prod(1 - e_G) over its guarantors."""
        found = self._guarantors_of(c)
        if found.size == 0:
            return 0.0
        return float(1.0 - np.prod(1.0 - self.state.enforcement[found]))

    def _punishers_of(self: DiplomacyModel, side: int) -> np.ndarray:
        """Third-party indices of the guarantors that punish ``side`` for a breach: those protecting any other side."""
        return np.flatnonzero(self.tp_guarantees & (self.tp_client != side))

    def breach_penalty(self: DiplomacyModel, side: int) -> float:
        """What breaking an agreement's terms costs ``side`` in guarantors' punishment: sum of e_G x guarantee_penalty."""
        found = self._punishers_of(side)
        if found.size == 0:
            return 0.0
        return float(self.params.guarantee_penalty * self.state.enforcement[found].sum())

    def _enforce_terms(self: DiplomacyModel, side: int, t: int) -> None:
        """Every guarantor protecting another side punishes ``side`` for breaking the terms: economic pressure up."""
        s = self.state
        for m in self._punishers_of(side).tolist():
            hit = float(self.params.guarantee_penalty * s.enforcement[m])
            if hit <= 0:
                continue
            s.economic[side] = min(1.0, float(s.economic[side]) + hit)
            self._log(
                t,
                "guarantor_enforces",
                self.actor_ids[self.tp_agent[m]],
                self.actor_ids[self.leader_of[side]],
                "summit",
                detail=f"{hit:.3f}",
            )
