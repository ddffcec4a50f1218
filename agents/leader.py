"""Leaders: the principals at the table (ODD 7.1-7.3), and what only leaders weigh when they decide.

A leader has a type (T or U, Kydd): :meth:`Leader.untrustworthy` and
:meth:`Leader.separation_cost` are what a U type pays for costly reassurance,
:meth:`Leader.type_evidence` what the leader's choice tells the other side
about its type, and :meth:`Leader.summit_terms` what the summit process adds
to the summit kinds only leaders send. The shared form of the decision rule
is in :mod:`summitry.agents.policy`, which calls these for the leaders' rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from summitry.agents.base import DiplomaticAgent
from summitry.sim.numeric import clip

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel
    from summitry.sim.mechanisms.signals import SignalKind

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


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

    # -- how leaders decide, over every leader's row at once ---------------
    @staticmethod
    def home_cost(model: DiplomacyModel) -> FloatArray:
        """Per side: what a concession that stirs the side's hawks costs its leader at home, per unit of the kind's cost.

        theta_home x the side's audience-cost capacity x the hawkish share of
        its ratification weights (ODD 7.16): the more of the coalition that
        must ratify is hawkish, and the more an audience can punish, the dearer
        a unilateral concession. Under the ``leader_alone`` ablation the
        leader ratifies alone and the share is 0.
        """
        p = model.params
        out = np.zeros(len(model.side_ids))
        if p.theta_home == 0:
            return out
        hawks, total = Leader.coalition_hawks(model)
        for c in np.flatnonzero(total > 0):
            out[c] = p.theta_home * float(model.audience[c]) * hawks[c] / total[c]
        return out

    @staticmethod
    def coalition_hawks(model: DiplomacyModel) -> tuple[FloatArray, FloatArray]:
        """Per side: (the ratification weight of its hawkish members, the weight of all its members).

        Their ratio is the hawkish share of the coalition that must ratify, which
        weighs a concession's cost at home and a test's worth as placation.
        """
        n = len(model.side_ids)
        hawks, total = np.zeros(n), np.zeros(n)
        for c, mem in enumerate(model.members):
            w = model.ratification_weights(c)
            hawks[c], total[c] = float(w[model.hawkish[mem]].sum()), float(w.sum())
        return hawks, total

    @staticmethod
    def placation_value(model: DiplomacyModel) -> FloatArray:
        """Per side: what a move that vindicates the side's own hawks is worth to its leader as placation.

        theta_placate x the side's elite discontent (its domestic pressure,
        for elite-driven sides only) x the hawkish share of its ratification
        weights (ODD 7.16): a leader whose hawks resent unreciprocated
        concessions can buy their acquiescence with a move that proves them
        right (a test, a show of force), and the more of the coalition that
        must ratify is hawkish, the more that is worth. Audience-driven sides
        get 0; under the ``leader_alone`` ablation the share is 0.
        """
        p = model.params
        out = np.zeros(len(model.side_ids))
        if p.theta_placate == 0:
            return out
        hawks, total = Leader.coalition_hawks(model)
        for c in np.flatnonzero(model.elite & (total > 0)):
            out[c] = p.theta_placate * float(model.state.domestic[c]) * hawks[c] / total[c]
        return out

    @staticmethod
    def untrustworthy(model: DiplomacyModel) -> BoolArray:
        """Leaders whose true type is U (types belong to leaders; factions and third parties have none)."""
        own = np.maximum(model.side_of, 0)
        return np.asarray(model.is_leader & (model.side_of >= 0) & ~model.state.is_t[own], dtype=bool)

    @staticmethod
    def separation_cost(model: DiplomacyModel, kind: SignalKind, audience: FloatArray) -> FloatArray:
        """The extra cost a U-type leader bears for a costly reassuring signal: kappa c_eff / Lambda_Q.

        It makes a U type send the signal exp(-kappa c_eff) times as often as a T
        type in the same state (up to the choice's normalisation), the separation
        the receivers' Bayesian update reads (costly signalling, Kydd 2005).
        """
        p = model.params
        if p.lambda_q <= 0:
            return np.zeros_like(audience)
        total = np.zeros_like(audience)
        for part in [kind, *[model.catalogue[q] for q in kind.parts]]:
            if part.trust.mode == "reassuring":
                total = total + p.kappa * (part.cost + part.tie * audience) * part.verification
        return np.asarray(total / p.lambda_q, dtype=float)

    @staticmethod
    def type_evidence(eu: FloatArray, feasible: BoolArray, gap: FloatArray, is_t: BoolArray, lambda_q: float) -> FloatArray:
        """log P_T(a) - log P_U(a) for each action: what seeing a leader choose ``a`` says about its type.

        ``eu`` holds each leader's expected utilities under its true type and
        ``gap`` = EU_T - EU_U, so both types' quantal-response distributions
        follow; a receiver who knows the decision rule updates its log-odds that
        the sender is a T type by exactly this amount (Bayes' rule). Infeasible
        actions get 0.

        >>> import numpy as np
        >>> ev = Leader.type_evidence(np.array([[0.0, 0.0]]), np.ones((1, 2), bool), np.array([[0.0, 0.2]]), np.array([True]), 5.0)
        >>> [round(float(v), 2) for v in ev[0]]  # P_T = (.5, .5); P_U = (e, 1)/(1 + e): log(.5 (1 + e)) - (0, 1)
        [-0.38, 0.62]
        """
        shift = np.where(is_t[:, None], 0.0, 1.0)
        eu_t = eu + shift * gap
        eu_u = eu_t - gap

        def log_p(v: FloatArray) -> FloatArray:
            z = np.where(feasible, lambda_q * v, -np.inf)
            top = z.max(axis=1, keepdims=True)
            return np.asarray(z - top - np.log(np.exp(z - top).sum(axis=1, keepdims=True)), dtype=float)

        with np.errstate(invalid="ignore"):
            out = log_p(eu_t) - log_p(eu_u)
        return np.asarray(np.where(feasible, out, 0.0), dtype=float)

    @staticmethod
    def store_type_evidence(
        model: DiplomacyModel, leaders: NDArray[np.int64], use: NDArray[np.int64], eu: FloatArray, feasible: BoolArray, gap: FloatArray
    ) -> None:
        """Keep each leader's :meth:`type_evidence` of this week, by action column, for the receivers."""
        own = model.side_of[leaders]
        ev = Leader.type_evidence(eu, feasible, gap, model.state.is_t[own], model.params.lambda_q)
        K = len(model.kinds) + 1
        table = model.type_evidence
        known = model.type_evidence_known
        for r, i in enumerate(leaders.tolist()):
            row = np.zeros(K)
            row[use] = ev[r]  # type_evidence is 0 where the action was not feasible
            table[i] = row
            # where the action was not feasible this week (a forced signal), neither type would have chosen it:
            # Bayes' rule says nothing, and the receivers read the signal by its cost
            seen = np.zeros(K, dtype=bool)
            seen[use] = feasible[r]
            known[i] = seen
        model.type_evidence = table
        model.type_evidence_known = known

    @staticmethod
    def summit_terms(
        model: DiplomacyModel,
        rows: NDArray[np.int64],
        own: NDArray[np.int64],
        summit_side: BoolArray,
        mu_recv: FloatArray,
        rapport: FloatArray,
        summit: dict[str, BoolArray],
        value: FloatArray,
        feasible: BoolArray,
    ) -> None:
        """Add the summit process's value to the summit kinds (columns flagged in ``summit``) of ``rows``, in place,
        and allow each only in its state of the summit (ODD 7.16).

        An offer or an acceptance is worth the summit's prospect and, before the
        first summit, the relief of opening talks on one's own pressure, less a
        hawk's distaste for meeting a side it distrusts (``mu_recv``: the row's
        trust in each kind's receiving side); a cancellation is worth the
        opposite, less the rapport it spends. Only leaders send these kinds.
        """
        s = model.state
        p = model.params
        sm = model.summit
        offer, accept, cancel, reinstate = (summit[a] for a in ("offer", "accept", "cancel", "reinstate"))
        x = s.stance[rows]
        # the relief of opening talks counts only before the first summit: later summits are worth what they may bring
        opening = p.summit_relief if sm.held == 0 else 0.0
        summit_value = (p.summit_weight * model.summit_prospect()[own] + opening * model.talks_relief_pressure()[own])[:, None] - 0.5 * x[
            :, None
        ] * p.theta_p * (1 - mu_recv)
        value += np.where(offer | accept, summit_value, 0.0)
        value += np.where(accept, (s.iota[rows] * p.theta_aff * 0.5)[:, None], 0.0)
        value += np.where(
            cancel, -summit_value - p.theta_rapport * rapport + (s.iota[rows] * p.theta_aff * clip(-s.affect[rows], 0, 1))[:, None], 0.0
        )
        ok_accept = ((sm.status == "offered") & (own != sm.offered_by)) | (sm.status == "cancelled")
        # a letter puts a cancelled summit back on or answers the other side's pending offer: it is worth the summit
        value += np.where(reinstate[None, :] & ok_accept[:, None], summit_value, 0.0)
        feasible[:, offer] &= (summit_side & (sm.status == "none"))[:, None]
        feasible[:, accept] &= (summit_side & ok_accept)[:, None]
        feasible[:, cancel] &= (summit_side & (sm.status == "scheduled"))[:, None]
