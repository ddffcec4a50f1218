"""The state updates of a step (ODD 3, steps 4-6): pressures, factional weights, thresholds, win-sets and the zone.

A mixin of :class:`summitry.sim.engine.model.DiplomacyModel`: these methods run on the
model's arrays (``self`` is the model). The step order itself, which calls
them, stays in :meth:`summitry.sim.engine.model.DiplomacyModel.step`; delivering signals is
:mod:`summitry.sim.engine.delivery` and the summit's rules :mod:`summitry.sim.engine.summit`. The
ablations (``ABLATIONS`` in :mod:`summitry.sim.engine.model`) hold their frozen state here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.mechanisms import pressure as pr
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.clock import CREDIT_KEEP, PERCEPTION_KEEP, THIRD_PARTY_DOMESTIC_PULL
from summitry.sim.mechanisms.influence import contrarian_mass
from summitry.sim.numeric import clip

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel


class StateUpdates:
    """The updates of a step that follow the delivery, as methods of the model (see the module docstring)."""

    # the model's attribute this mixin assigns, declared once for the type checker (the model sets it up)
    _affect_counted: NDArray[np.float64]
    _received_cost: NDArray[np.float64]
    _cost_days: list[NDArray[np.float64]]

    def _refresh_leader_rows(self: DiplomacyModel) -> None:
        """Rewrite the leaders' rows of the raw influence matrix from omega (in place)."""
        raw = self.raw_influence
        for li, facs, fac_agents, staff in self._leader_edges:
            lo, hi = self.W.indptr[li], self.W.indptr[li + 1]
            # start from the raw weights so repeated rewrites never compound a normalisation
            self.W.data[lo:hi] = raw.data[raw.indptr[li] : raw.indptr[li + 1]]
            if facs.size:
                self.W.data[facs] = self.state.omega[fac_agents] * staff
            lo, hi = self.W.indptr[li], self.W.indptr[li + 1]
            self_pos = lo + int(np.searchsorted(self.W.indices[lo:hi], li))
            self.W.data[self_pos] = self.state.omega[li]
            s = np.abs(self.W.data[lo:hi]).sum()
            if s > 0:
                self.W.data[lo:hi] /= s
            else:  # nobody to listen to, not even itself: keep its own stance
                self.W.data[self_pos] = 1.0
        # the rows' contrarian (negative-edge) mass, None without contrarian edges (the usual case)
        self._contrarian = contrarian_mass(self.W)

    def _affect_of_the_week(self: DiplomacyModel) -> FloatArray:
        """The affect received over the last week: this step's on a weekly clock, the sum of the week's steps on a shorter one."""
        span = self.clock.steps(1)
        if span == 1:
            self._affect_counted = self._received_affect.copy()
            return self._received_affect
        self._affect_days = [*self._affect_days[-(span - 1) :], self._received_affect]
        return np.asarray(np.sum(self._affect_days, axis=0), dtype=float)

    def _affect_cost_of_the_week(self: DiplomacyModel) -> FloatArray:
        """Per member of a side, the largest catalogue cost among the conciliatory (row 0) and hostile (row 1) signals its
        side received over the last week, read with the affect (ODD 7.8); what arrives after the read counts in the next."""
        step = np.where(self.in_side, self._received_cost[:, self.own_side], 0.0)
        self._received_cost = np.zeros_like(self._received_cost)
        span = self.clock.steps(1)
        if span == 1:
            return np.asarray(step, dtype=float)
        self._cost_days = [*self._cost_days[-(span - 1) :], step]
        return np.asarray(np.max(self._cost_days, axis=0), dtype=float)

    def _hold_ablated(self: DiplomacyModel) -> bool:
        """Put the state an ablation freezes back to its initial value; True if anything was frozen."""
        if not self.ablations:
            return False
        s = self.state
        f = self._frozen
        if "stance" in self.ablations:
            s.stance[:] = f["stance"]
        if "trust" in self.ablations:
            s.trust_logit[:] = s.trust_logit0
            s.beta_a[:] = s.beta_a0
            s.beta_b[:] = s.beta_b0
        if "factions" in self.ablations and not np.array_equal(s.omega, f["omega"]):
            s.omega[:] = f["omega"]
            self._refresh_leader_rows()
        return True

    def ratification_weights(self: DiplomacyModel, c: int) -> FloatArray:
        """The weights with which side c's members ratify (the leader's alone under the ``leader_alone`` ablation)."""
        mem = self.members[c]
        if "leader_alone" in self.ablations:
            return np.where(self.is_leader[mem], 1.0, 0.0)
        return self.state.omega[mem]

    def member_limits(self: DiplomacyModel, mem: IntArray) -> BoolArray | None:
        """(members, grid): which points lie within each of these members' stated limits; None when nobody states any."""
        return None if self.limits is None else self.limits[mem]

    def vetoes(self: DiplomacyModel, c: int) -> IntArray:
        """Side c's veto players (none under the ``leader_alone`` ablation, where the leader ratifies alone)."""
        mem = self.members[c]
        if "leader_alone" in self.ablations:
            return mem[:0]
        return mem[self.veto[mem]]

    def veto_mask(self: DiplomacyModel, c: int) -> BoolArray:
        """Which of side c's members are veto players (``np.isin(members[c], vetoes(c))``, by one lookup)."""
        mem = self.members[c]
        if "leader_alone" in self.ablations:
            return np.zeros(mem.size, dtype=bool)
        return self.veto[mem]

    def _update_pressure(self: DiplomacyModel, t: int) -> None:
        s = self.state
        p = self.params
        C = len(self.side_ids)
        s.leak = pr.leakage(p.leak0, self.tp_laxity, s.enforcement, self.tp_client, C)
        # members who weigh waiting (a horizon) learn how fast sanctions erode from the leakage they see
        seen = np.where(self.in_side, s.leak[self.own_side], 0.0)
        s.erosion = pr.learn_erosion(s.erosion, seen, s.horizon > 0, p.erosion_learning, p.erosion_scale)
        s.sanctions_effective = pr.effective_sanctions(s.sanctions, s.leak)
        s.economic = pr.economic_pain(s.economic, s.sanctions_effective, p.delta_e)
        s.hostility = pr.richardson(s.hostility, p.delta_m, p.gamma_r)
        s.tension = pr.tension(s.hostility, self.tension_sides)
        s.military_extra = s.military_extra * (1 - p.delta_m)
        s.credit = s.credit * self.clock.keep(CREDIT_KEEP)
        s.military = clip(s.tension + s.military_extra - s.credit, 0, 1)
        hl_share = np.array([s.omega[hl].sum() for hl in self.hardliners])
        s.unreciprocated = s.unreciprocated * (1 - p.domestic_decay)
        elite_target = clip(hl_share * s.unreciprocated * 4, 0, 1)
        s.domestic = np.where(
            self.elite,
            (1 - p.domestic_decay) * s.domestic + p.domestic_decay * elite_target,
            s.domestic + p.domestic_growth,
        )
        for week, c in self.summit.letdowns:
            if week == t:
                s.domestic[c] += p.declaration_letdown
        s.domestic = clip(s.domestic, 0, 1)
        s.tp_domestic = s.tp_domestic + self.clock.decay(THIRD_PARTY_DOMESTIC_PULL) * (self.tp_domestic0 - s.tp_domestic)
        s.demand = s.demand * (1 - p.demand_decay)
        s.perception_log *= self.clock.keep(PERCEPTION_KEEP)
        # forgetting toward prior trust (ODD 7.4-7.8)
        if p.trust_model == "beta":
            s.beta_a, s.beta_b = tr.beta_decay(s.beta_a, s.beta_b, s.beta_a0, s.beta_b0, p.beta_decay)
        else:
            s.trust_logit = tr.forget(s.trust_logit, s.trust_logit0, p.nu)
        self._update_pressure_aggregate()

    def _update_pressure_aggregate(self: DiplomacyModel) -> None:
        s = self.state
        if not s.military.any():
            s.tension = pr.tension(s.hostility, self.tension_sides)
            s.military = clip(s.tension + s.military_extra - s.credit, 0, 1)
        s.pressure = pr.aggregate(self.pressure_weights, s.economic, s.domestic, s.military)

    def talks_relief_pressure(self: DiplomacyModel) -> NDArray[np.float64]:
        """Each side's pressure that opening talks relieves (ODD 7.16): all of it where the summit sides are the
        belligerents, whose tension a first summit lowers; otherwise the pressure less its military part, because a
        meeting between a broker and one party to a war does not lower the war's tension (only a deal that ends
        the fighting does, through the deal's relief of 7.19)."""
        s = self.state
        if self.summit_sides_are_belligerents:
            return s.pressure
        return s.pressure - self.pressure_weights[:, 2] * s.military

    def _update_omega(self: DiplomacyModel) -> None:
        s = self.state
        eta = self.params.eta
        changed = False
        for _c, mem in enumerate(self.members):
            facs = mem[~self.is_leader[mem]]
            if facs.size == 0:
                continue
            v = self._vindication[facs]
            if not v.any():
                continue
            total = s.omega[facs].sum()
            w = s.omega[facs] * np.exp(eta * v)
            if total <= 0 or w.sum() <= 0:
                continue
            s.omega[facs] = w / w.sum() * total
            changed = True
        if changed:
            self._refresh_leader_rows()

    def member_thresholds(self: DiplomacyModel) -> FloatArray:
        s = self.state
        p = self.params
        side_p = np.where(self.in_side, s.pressure[self.own_side], 0.0)
        side_demand = np.where(self.in_side, s.demand[self.own_side], 0.0)
        return bg.thresholds(
            s.threshold0,
            s.stance,
            side_p,
            s.erosion,
            s.horizon,
            p.alpha_x * self.stance_shift,
            p.alpha_p,
            p.alpha_eps,
            extra=s.threshold_shift + side_demand,
        )

    def _recompute_bargaining(self: DiplomacyModel) -> None:
        s = self.state
        s.thresholds = self.member_thresholds()
        C = len(self.side_ids)
        ws = np.zeros((C, self.grid.shape[0]), dtype=bool)
        for c in range(C):
            mem = self.members[c]
            limits = self.member_limits(mem)
            if limits is not None:  # acceptance sets cut by stated limits: the direct computation (ODD 7.1, 7.2)
                acc = bg.acceptance(bg.member_utility(self.gains[c], self.gives[c], s.concession_weight[mem]), s.thresholds[mem]) & limits
                ws[c] = bg.win_set(acc, self.ratification_weights(c), self.theta[c]) & acc[self.veto_mask(c)].all(axis=0)
                continue
            ws[c] = self.ratification[c].win_set(s.concession_weight[mem], s.thresholds[mem], self.ratification_weights(c), self.theta[c])
            vetoes = self.vetoes(c)
            if vetoes.size:
                u = bg.member_utility(self.gains[c], self.gives[c], s.concession_weight[vetoes])
                ws[c] &= bg.acceptance(u, s.thresholds[vetoes]).all(axis=0)
        s.win_sets = ws
        s.zone_area = bg.zone_area(*ws[self.summit_sides], *ws[self.table_partners])  # every side at the table
