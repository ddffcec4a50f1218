"""The summit process (ODD 7.18, 7.19): scheduling and cancelling a summit, and resolving it.

A mixin of :class:`summitry.sim.engine.model.DiplomacyModel`: these methods run on the
model's arrays (``self`` is the model) and are kept here so that the model
module holds the step order and the summit holds its own rules: what a deal
is worth to each leader with the renege risk priced in, the offers, the
binding dimension of a rejection, and walk-away against declaration by
expected utility.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.clock import REINSTATE_WEEKS
from summitry.sim.mechanisms.effects import EFFECTS
from summitry.sim.mechanisms.signals import Signal
from summitry.sim.numeric import clip

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel


class SummitProcess:
    """The summit's rules, as methods of the model (see the module docstring)."""

    # the model's attributes this mixin assigns, declared once for the type checker (the model sets them up)
    _meter: list[float]
    _u: FloatArray
    _vindication: FloatArray

    def _summit_actions(self: DiplomacyModel, actions: list[tuple[Signal, str]], t: int) -> None:
        sm = self.summit
        order = {"offer": 0, "accept": 1, "cancel": 2, "reinstate": 3}
        actions = sorted(actions, key=lambda a: (order[a[1]], a[0].sender))
        cancelled_now = False
        for sig, action in actions:
            side = int(self.side_of[sig.sender])
            if side not in self.summit_sides:
                continue
            other = int(self.counterpart_side[side])
            # a letter answering the other side's pending offer carries its acceptance (delivery.py): it schedules too
            if action in ("accept", "reinstate") and sm.status == "offered" and sm.offered_by != side:
                self._schedule(t, side, other)
            elif action == "offer" and sm.status == "none":
                sm.status, sm.offered_by = "offered", side
            elif action == "offer" and sm.status == "offered" and sm.offered_by != side:
                self._schedule(t, side, other)
            elif action == "cancel" and sm.status == "scheduled":
                sm.status = "cancelled"
                sm.cancellations += 1
                cancelled_now = True
            elif action in ("reinstate", "accept") and sm.status == "cancelled" and not cancelled_now:
                sm.status = "scheduled"
                sm.week = max(sm.week, t + self.clock.steps(REINSTATE_WEEKS))
                sm.reinstated = True
                self._log(
                    t, "summit_reinstated", self.actor_ids[sig.sender], self.actor_ids[self.leader_of[other]], "summit", detail=str(sm.week)
                )

    def _schedule(self: DiplomacyModel, t: int, side: int, other: int) -> None:
        sm = self.summit
        p = self.params
        prep = int(self.rng.integers(int(p.tau_prep_min), int(p.tau_prep_max) + 1))  # whole steps (Clock.per_step)
        sm.status, sm.week = "scheduled", t + prep
        self._log(
            t,
            "summit_scheduled",
            self.actor_ids[self.leader_of[side]],
            self.actor_ids[self.leader_of[other]],
            "summit",
            detail=str(sm.week),
        )

    def perceived_acceptance(self: DiplomacyModel, c: int) -> FloatArray:
        """Pr(side c ratifies q) for every grid point, as the other side's leader estimates it.

        The estimate reads c's members' thresholds with this summit's
        perception error (one N(0, sigma_W) draw a member) and is smooth in
        the margin: a point just outside the estimated win-set is still worth
        a try. The smooth ratification rule of the model, with the
        perception noise as its temperature.
        """
        s = self.state
        mem = self.members[c]
        sigma = self.params.sigma_w * math.exp(s.perception_log)
        noisy = s.thresholds[mem] + self.rng.normal(0.0, 1.0, mem.size) * sigma
        w = self.ratification_weights(c)
        total = float(w.sum())
        if total <= 0:
            return np.zeros(self.grid.shape[0])
        veto = self.veto_mask(c)
        return bg.ratification_of(
            self.gains[c],
            self.gives[c],
            s.concession_weight[mem],
            noisy,
            w / total,
            float(self.theta[c]),
            tau=max(sigma, 0.02),
            veto=veto,
            limits=self.member_limits(mem),
        )

    def deal_utility(self: DiplomacyModel, c: int) -> FloatArray:
        li = int(self.leader_of[c])
        return bg.leader_deal_utility(self.gains[c], self.gives[c], self.params.deal_weight, float(self.state.stance[li]))

    def no_deal_value(self: DiplomacyModel, c: int) -> float:
        """V_c: what side c's leader gets from no deal, minus today's pressure (``status_quo_weight`` P_c)."""
        return -self.params.status_quo_weight * float(self.state.pressure[c])

    def deal_gain(self: DiplomacyModel, c: int, other: int) -> FloatArray:
        """What each grid point is worth to side c's leader over no deal, the renege risk priced in.

        A deal relieves the pressure on c in proportion to how much of what c
        wants it gets (gains_c(q) / max gains_c): the commitment value plus
        ``status_quo_weight`` P_c times that share. A deal that gives c
        nothing it wants relieves nothing, however hard c is pressed, unless
        its terms end the source of a pressure (a dimension that ``relieves``
        it, :func:`~summitry.sim.mechanisms.bargaining.deal_relief`).
        """
        share = self.gain_share[c]
        if self.relief_levels is None:
            return self.acceptance_value(c, other) - self.no_deal_value(c) * share
        s = self.state
        channels = np.array([s.economic[c], s.domestic[c], s.military[c]], dtype=float)
        relief = bg.deal_relief(share, float(s.pressure[c]), self.pressure_weights[c], channels, self.relief_levels)
        return self.acceptance_value(c, other) + self.params.status_quo_weight * relief

    def acceptance_value(self: DiplomacyModel, c: int, other: int) -> FloatArray:
        """Side c's leader's expected value of accepting each grid point, pricing the chance ``other`` reneges.

        Guarantors protecting c take their share of that risk (ODD 7.20, :meth:`guarantee`).
        """
        p = self.params
        li = int(self.leader_of[c])
        risk = bg.renege_risk(self._trust_of(li, other, 0.0, 0.0, 0.0), p.renege_t, p.renege_u) * (1.0 - self.guarantee(c))
        beta = p.deal_weight * (0.5 + float(self.state.stance[li]))
        return bg.commitment_value(self.deal_utility(c), beta * self.exposure[c], risk)

    def walk_leverage(self: DiplomacyModel, walker: int, other: int, gain: FloatArray) -> tuple[float, float]:
        """(now, after): the best expected offer ``walker`` could make to ``other``, before and after a walk-away.

        The expected value of offering q is Pr(other's coalition ratifies q)
        times what q is worth to the walker over no deal (``gain``), maximised
        over the walker's own win-set. "After" applies the walk-away's
        catalogued effects on the other side: its pressure (coercion lowers
        thresholds by alpha_P), the stances it pushes (backlash raises them by
        alpha_x) and the factions it vindicates (the replicator), as the
        walker sees them: a hawkish walker (stance x) expects coercion to work
        by (1 + phi x) and backlash by (1 - phi x). Which channel wins is a
        property of the other side's coalition and of the walker's outlook.
        """
        if "walk_away" not in self.catalogue:
            return 0.0, 0.0
        s = self.state
        p = self.params
        kind = self.catalogue["walk_away"]
        mem = self.members[other]
        weights = self.ratification_weights(other)
        total = float(weights.sum())
        if total <= 0:
            return 0.0, 0.0
        dp = 0.0
        dx = np.zeros(mem.size)
        for eff in kind.effects:
            if eff.who != "receiver":
                continue
            spec = EFFECTS[eff.var]
            if spec.forecast == "pressure":
                ch = int(spec.channel or 0)
                dp += float(self.pressure_weights[other, ch]) * eff.delta
            elif eff.var == "stance":  # this week's stance inputs (anchors move too slowly to count here)
                hit = np.ones(mem.size, dtype=bool) if eff.roles is None else np.isin(self.roles[mem], eff.roles)
                dx += np.where(hit, eff.delta, 0.0)
        w_after = weights.copy()
        if kind.vindicates != "none" and "factions" not in self.ablations and "leader_alone" not in self.ablations:
            facs = ~self.is_leader[mem]
            vind = self.hawkish[mem] if kind.vindicates == "hawks" else self.dovish[mem]
            grown = w_after[facs] * np.exp(p.eta * vind[facs].astype(float))
            if grown.sum() > 0:
                w_after[facs] = grown / grown.sum() * w_after[facs].sum()
        u = bg.member_utility(self.gains[other], self.gives[other], s.concession_weight[mem])
        tau = max(p.sigma_w, 0.02)
        worth = np.where(s.win_sets[walker], np.maximum(gain, 0.0), 0.0)
        b = s.thresholds[mem]
        veto = self.veto_mask(other)
        limits = self.member_limits(mem)
        now = bg.smooth_ratification(u, b, weights / total, float(self.theta[other]), tau=tau, veto=veto, limits=limits)
        # the walker forecasts with its own worldview: the more hawkish, the more it expects coercion to
        # work and the less it expects backlash (the Jervis factor phi, as in reading signals)
        xw = float(s.stance[self.leader_of[walker]])
        coercion = p.alpha_p * dp * (1 + p.phi * xw)
        backlash = p.alpha_x * self.stance_shift[mem] * dx * (1 - p.phi * xw) if "stance" not in self.ablations else 0.0
        b_after = b - coercion + backlash
        after = bg.smooth_ratification(
            u, b_after, w_after / float(w_after.sum()), float(self.theta[other]), tau=tau, veto=veto, limits=limits
        )
        return float((now * worth).max()), float((after * worth).max())

    def summit_prospect(self: DiplomacyModel) -> FloatArray:
        """V_c for every side: what side c's leader forecasts the next summit is worth to it.

        The better of the two successes a summit can bring: the best deal c
        could offer there (its value over no deal, renege risk priced in,
        times c's estimate that the other side ratifies it and finds it worth
        the risk: the objective of the offer itself), and a declaratory
        statement (:meth:`declaration_values`) where the trust and rapport a
        declaration needs are there. Read once a week from the state the
        choices see; third parties and sides not at the table get 0.
        """
        s = self.state
        p = self.params
        out = np.zeros(len(self.side_ids))
        a, b = (int(c) for c in self.summit_sides)
        mu = self.trust_matrix()
        la, lb = int(self.leader_of[a]), int(self.leader_of[b])
        R = s.rapport
        available = min(mu[la, b], mu[lb, a]) >= p.trust_decl and min(R[la, b], R[lb, a]) >= p.rapport_decl
        decl = self.declaration_values(upcoming=True) if available else {}  # read only where a declaration is available
        tau = max(p.sigma_w, 0.02)
        gains = {(c, o): self.deal_gain(c, o) for c, o in ((a, b), (b, a))}
        for c, o in ((a, b), (b, a)):
            deal = 0.0
            # only the points of c's win-set where c gains can be worth anything: the others are never computed
            # (on a large side that is most of the cost; the values at these points are the same either way)
            points = np.flatnonzero(s.win_sets[c] & (gains[(c, o)] > 0))
            if float(self.ratification_weights(o).sum()) > 0 and points.size:
                ratify = self.estimated_ratification(o, tau, points) * self.partner_consent(tau, points=points)
                worth = ratify * tr.expit(gains[(o, c)][points] / tau) * gains[(c, o)][points]
                deal = max(float(worth.max()), 0.0)
            out[c] = max(deal, decl[c] if available else 0.0)
        return out

    def declaration_values(self: DiplomacyModel, upcoming: bool = False) -> dict[int, float]:
        """{side: EU of a declaratory statement} for the two summit leaders (see :meth:`summit_values`).

        The fatigue counts the summits held before the one the declaration
        would close: at a summit (``upcoming=False``) the summit itself is
        already counted in ``held``; forecasting the next summit
        (``upcoming=True``, :meth:`summit_prospect`) every summit held so far
        is an earlier one.
        """
        s = self.state
        p = self.params
        a, b = (int(c) for c in self.summit_sides)
        mu = self.trust_matrix()
        earlier = self.summit.held if upcoming else max(self.summit.held - 1, 0)
        fatigue = p.declaration_fatigue**earlier
        out: dict[int, float] = {}
        for c, o in ((a, b), (b, a)):
            li = int(self.leader_of[c])
            lo = int(self.leader_of[o])
            base = float(mu[lo, c])
            trust_gain = float(tr.expit(tr.logit(base) + p.declaration_gain)) - base
            need = float(self.pressure_weights[c, 1] * s.domestic[c])
            rapport = float(s.rapport[li, o])
            out[c] = p.declaration_value * fatigue * (need + (1 - float(s.stance[li])) * p.theta_t * trust_gain) + p.theta_rapport * rapport
        return out

    def summit_values(
        self: DiplomacyModel, rejected: frozenset[int] = frozenset(), gains: dict[tuple[int, int], FloatArray] | None = None
    ) -> dict[int, tuple[float, float]]:
        """{side: (EU of walking away, EU of a declaratory statement)} for the two summit leaders.

        Walking away is worth its audience value (resolve shown to the hawkish
        share of one's own coalition, times the side's audience-cost capacity,
        when it walks away from an offer it rejected: sides in ``rejected``)
        plus the forecast gain in the best offer one could make the other side
        that the walk-away's pressure buys (:meth:`walk_leverage`), discounted
        by patience over the weeks to a next summit. A declaration is
        worth the relief of the side's need for a win and the trust it builds,
        less for each earlier summit (whatever it ended in), plus rapport.
        Rapport counts once, on the declaration's side of the comparison
        (walking is compared with declaring, so it is what walking gives up).
        """
        s = self.state
        p = self.params
        a, b = (int(c) for c in self.summit_sides)
        wait = 0.5 * (p.tau_prep_min + p.tau_prep_max)
        decl_values = self.declaration_values()
        out: dict[int, tuple[float, float]] = {}
        for c, o in ((a, b), (b, a)):
            li = int(self.leader_of[c])
            mem = self.members[c]
            w = self.ratification_weights(c)
            hawk_share = float(w[self.hawkish[mem]].sum() / max(float(w.sum()), 1e-12))
            deal_gain = gains[(c, o)] if gains is not None else self.deal_gain(c, o)
            now, after = self.walk_leverage(c, o, deal_gain)
            resolve = p.walk_audience * float(self.audience[c]) * hawk_share * (1.0 if c in rejected else 0.0)
            leverage = p.walk_leverage * float(s.patience[li]) ** wait * (after - now)
            walk = resolve + leverage
            out[c] = (walk, decl_values[c])
        return out

    def _hold_summit(self: DiplomacyModel, t: int) -> None:
        """A summit opens (step 7): it is counted and logged, and its first step is held (:meth:`_session_step`)."""
        sm = self.summit
        a, b = (int(c) for c in self.summit_sides)
        la, lb = int(self.leader_of[a]), int(self.leader_of[b])
        names = (self.actor_ids[la], self.actor_ids[lb])
        sm.held += 1
        if sm.first_week < 0:
            sm.first_week = t
        sm.status, sm.offered_by, sm.week = "none", -1, -1
        self._log(t, "summit_held", names[0], names[1], "summit", detail=str(sm.held))
        # a summit of several steps stays in session until its last step (summit.steps), one set of rounds a step
        sm.session_end = t + self.summit_steps - 1
        sm.session_rejected = set()
        sm.session_rounds = 0
        sm.payments = {}
        if self.summit_steps > 1:
            sm.status = "in_session"
        self._session_step(t)

    def _session_step(self: DiplomacyModel, t: int) -> None:
        """One step of a summit in session: its rounds, then, on a deal or at the session's last step, the outcome."""
        s = self.state
        p = self.params
        sm = self.summit
        a, b = (int(c) for c in self.summit_sides)
        la, lb = int(self.leader_of[a]), int(self.leader_of[b])
        names = (self.actor_ids[la], self.actor_ids[lb])
        rejected = sm.session_rejected  # sides that rejected an offer or the mediator's text, in any round of the session
        for k in range(self.summit_rounds):
            sm.session_rounds += 1
            if sm.session_rounds > 1:
                self._log(t, "summit_round", names[0], names[1], "summit", detail=str(sm.session_rounds))
            offers, text, accepted, refused, refused_text, gains = self._summit_round(t)
            rejected |= refused | refused_text
            if accepted:
                break
            if k + 1 < self.summit_rounds:
                self._mediator_pays(t, text, refused_text, gains)
                self._mediator_presses(t, refused_text)
        if not accepted and t < sm.session_end:
            # between the session's steps, as between its rounds
            self._mediator_pays(t, text, refused_text, gains)
            self._mediator_presses(t, refused_text)
            return
        sm.session_end = -1
        payments, sm.payments = sm.payments, {}
        if sm.status == "in_session":
            sm.status = "none"
        if accepted:
            # the accepted point best for both: the largest joint deal utility, the lowest grid index on ties
            q = min(accepted, key=lambda q: (-self.joint_utility(q), q))
            point = self.grid[q]
            cls = bg.classify_agreement(point, self.scenario.agreement, self.dims)
            if cls is not None:
                self._sign(cls, q, t)  # sim/engine/implementation.py: what happens to it next
                if payments:
                    self.agreements[-1]["payments"] = {self.side_ids[c]: round(v, 6) for c, v in sorted(payments.items())}
                if text == q and not refused_text:  # the point signed is the mediator's text
                    self._log(t, "text_signed", self.actor_ids[self.summit_mediator], names[0], "summit", detail=self._describe_point(q))
                self._log(t, "agreement", names[0], names[1], "summit", detail=f"{cls}: {self._describe_point(q)}")
                self._success(t, declaration=False)
                return
        mu = self.trust_matrix()
        values = self.summit_values(frozenset(rejected), gains)
        sm.values = {self.actor_ids[self.leader_of[c]] + "." + k: v for c, (w, d) in values.items() for k, v in (("walk", w), ("decl", d))}
        R = s.rapport
        available = min(mu[la, b], mu[lb, a]) >= p.trust_decl and min(R[la, b], R[lb, a]) >= p.rapport_decl
        gaps = {c: values[c][0] - (values[c][1] if available else 0.0) for c in (a, b)}
        # an accepted point that is in no agreement class (a minimal text) is a declaration
        if accepted or (available and max(gaps.values()) <= 0):
            sm.results.append("declaration")
            self._log(t, "declaration", names[0], names[1], "summit")
            for li, other in ((la, b), (lb, a)):
                self._shift_trust(np.array([li]), other, np.array([p.declaration_gain]))
            self._success(t, declaration=True)
            return
        # walk-away: the leader for whom walking beats the alternative by more
        walker = a if gaps[a] >= gaps[b] else b
        other = b if walker == a else a
        sm.results.append("walk_away")
        sm.walked_by.append(self.actor_ids[self.leader_of[walker]])
        if p.theta_placate > 0:
            # what an elite-driven side offered at a summit that ended in a walk-away (what it would have given, as
            # it values it) is a concession left unreciprocated: its elite's discontent builds on it (ODD 7.14, 7.16)
            for c in (a, b):
                tabled = offers.get(c)
                if tabled is not None and self.elite[c]:
                    s.unreciprocated[c] += -float(self.gives[c, tabled])
        sig = Signal(sender=int(self.leader_of[walker]), kind="walk_away", receiver=int(self.leader_of[other]), source="derived")
        tb = self._receiver_trust(sig)
        self._meter = [0.0, 0.0, 0.0]
        self._u = np.zeros(len(self.actor_ids))
        self._vindication = np.zeros(len(self.actor_ids))
        self._apply_signal(sig, self.catalogue["walk_away"], t)
        self._log_signal(sig, t, tb)
        self._flush_side_accumulators()
        s.stance = clip(s.stance + self._u, 0, 1)
        self._update_omega()
        for c in (a, b):
            if self.rng.random() < p.p_blame and "factions" not in self.ablations:
                self._blame(c, offers.get(c), t)
        self._recompute_bargaining()

    def _summit_round(
        self: DiplomacyModel, t: int
    ) -> tuple[dict[int, int | None], int | None, list[int], set[int], set[int], dict[tuple[int, int], FloatArray]]:
        """One round of offers at a summit: (offers, the mediator's text, accepted points, sides that refused an offer, sides that refused the text, gains).

        Each leader proposes its best offer; the mediator, if the scenario
        names one, tables its single negotiating text. An offer passes when
        the receiving side accepts it (:meth:`_refuses`), the text when both
        sides do. Accepted points come as grid indices.
        """
        s = self.state
        p = self.params
        a, b = (int(c) for c in self.summit_sides)
        perceived = {a: self.perceived_acceptance(a), b: self.perceived_acceptance(b)}
        # what each grid point is worth to each leader over no deal, the other's renege risk priced in, with
        # any side payment the mediator has promised it for signing an agreement
        pay = self.summit.payments
        gains = {(c, o): self.deal_gain(c, o) + pay.get(c, 0.0) * self.agreement_points for c, o in ((a, b), (b, a))}
        offers: dict[int, int | None] = {}
        # the temperature of the perceived acceptance (perceived_acceptance): this summit's perception noise
        tau = max(p.sigma_w * math.exp(s.perception_log), 0.02)
        # at the table a principal reads its ally's coalition as it reads the other side's: with this summit's error
        consent = np.ones(self.grid.shape[0])
        for partner in self.table_partners.tolist():
            consent = consent * self.perceived_acceptance(partner)
        hold = {a: 0.0, b: 0.0}
        remaining = self.summit.session_end - t  # steps of the session still to come after this one
        for c, o in ((a, b), (b, a)):
            # c's estimate that o ratifies q and finds it worth the risk (and that every partner at the table ratifies it)
            p_accept = perceived[o] * tr.expit(gains[(o, c)] / tau) * consent
            offers[c] = bg.best_offer(gains[(c, o)], s.win_sets[c], p_accept, p.theta_acc)
            if remaining > 0:
                hold[c] = bg.hold_out_value(gains[(c, o)], s.win_sets[c], p_accept, float(s.patience[self.leader_of[c]]), remaining)
        # every side at the table tables an offer: a partner proposes the point of its own win-set best for it,
        # weighing the chance that both summit sides (and the other partners) take it
        partner_offers: dict[int, int | None] = {}
        for pt in self.table_partners.tolist():
            o = int(self.counterpart_side[pt])
            both = perceived[a] * perceived[b] * tr.expit(gains[(a, b)] / tau) * tr.expit(gains[(b, a)] / tau)
            for other in self.table_partners.tolist():
                if other != pt:
                    both = both * self.perceived_acceptance(other)
            partner_offers[pt] = bg.best_offer(self.deal_gain(pt, o), s.win_sets[pt], both, p.theta_acc)
        self.summit.offers = {**offers, **partner_offers}
        accepted: list[int] = []
        refused: set[int] = set()
        for c, o in ((a, b), (b, a)):
            q = offers[c]
            if q is None:
                continue
            if self._refuses(t, o, q, gains, int(self.leader_of[c]), hold[o]):
                refused.add(o)
            elif self._partners_refuse(t, q, int(self.leader_of[c])):
                refused.add(o)
            else:
                accepted.append(q)
        for pt, q in partner_offers.items():
            if q is None:
                continue
            # both summit sides must take it, and every other partner; each refusal is logged
            refusing = {c for c in (a, b) if self._refuses(t, c, q, gains, int(self.leader_of[pt]), hold[c])}
            refused |= refusing  # (another partner's refusal is logged; it is no summit side's rejection)
            if not refusing and not self._partners_refuse(t, q, int(self.leader_of[pt])):
                accepted.append(q)
        refused_text: set[int] = set()
        text = self.mediator_text(gains)
        if text is not None:
            refused_text = {o for o in (a, b) if self._refuses(t, o, text, gains, self.summit_mediator, hold[o])}
            if not refused_text and self._partners_refuse(t, text, self.summit_mediator):
                refused_text = {a, b}
            if not refused_text:
                accepted.append(text)
        return offers, text, accepted, refused, refused_text, gains

    def partner_consent(self: DiplomacyModel, tau: float, beside: int | None = None, points: IntArray | None = None) -> FloatArray:
        """Pr(every co-negotiator at the table ratifies q), from their thresholds as they stand, for each grid point.

        The partners of summit side ``beside`` only, or of both sides (None).
        Ones when the table has no partners: two sides decide alone. (At the
        table itself the offers read the partners with the summit's
        perception error instead, as they read the other side.)
        """
        out = np.ones(self.grid.shape[0] if points is None else points.size)
        for c, partners in self.partners.items():
            if beside is not None and c != beside:
                continue
            for p in partners:
                out = out * self.estimated_ratification(p, tau, points)
        return out

    def _partners_refuse(self: DiplomacyModel, t: int, q: int, proposer: int) -> bool:
        """Whether a co-negotiator's coalition refuses point q (outside its win-set); each refusal is logged."""
        s = self.state
        refused = False
        for p in self.table_partners.tolist():
            if s.win_sets[p][q]:
                continue
            refused = True
            self._log(
                t,
                "offer_rejected",
                self.actor_ids[proposer],
                self.actor_ids[self.leader_of[p]],
                "summit",
                detail=self._describe_point(q) + "; refused by a partner at the table",
            )
        return refused

    def _refuses(
        self: DiplomacyModel, t: int, o: int, q: int, gains: dict[tuple[int, int], FloatArray], proposer: int, hold: float = 0.0
    ) -> bool:
        """Whether side ``o`` refuses point ``q`` tabled by actor ``proposer``; a refusal is logged with its reason.

        The receiver ratifies only inside its win-set, and accepts only if
        the deal, priced for the risk that the other side reneges, beats no
        deal (the commitment problem as a cost), with the trust floor met.
        Before the last step of a session it also holds out for ``hold``
        (:func:`~summitry.sim.mechanisms.bargaining.hold_out_value`).
        """
        s = self.state
        p = self.params
        a, b = (int(c) for c in self.summit_sides)
        la, lb = int(self.leader_of[a]), int(self.leader_of[b])
        mu = self.trust_matrix()
        floor_ok = min(mu[la, b], mu[lb, a]) >= p.mu_min
        gain_o = float(gains[(o, int(self.counterpart_side[o]))][q])
        if s.win_sets[o][q] and floor_ok and gain_o >= 0 and gain_o >= hold:
            return False
        inside = bool(s.win_sets[o][q])
        if inside and not floor_ok:
            why = "; too little trust"
        elif inside and gain_o >= 0:
            why = f"; holding out: {gain_o:.2f} against {hold:.2f} expected by the session's end"
        else:
            why = f"; not worth the risk: {gain_o:.2f} against no deal" if inside else ""
            # the dimension on which q falls shortest of what o accepts: inside o's win-set and worth the risk to o
            gain = gains[(o, int(self.counterpart_side[o]))]
            bind = bg.binding_dimension(q, s.win_sets[o] & (gain >= 0), self.grid, self.utility_weights[o].tolist(), self.dims, gain)
            if bind is not None:
                why += f"; binding: {bind}"
            elif not inside:
                why += "; outside the win-set"
        self._log(
            t, "offer_rejected", self.actor_ids[proposer], self.actor_ids[self.leader_of[o]], "summit", detail=self._describe_point(q) + why
        )
        return True

    def joint_utility(self: DiplomacyModel, q: int) -> float:
        """U_a(q) + U_b(q): what point q is worth to the two summit leaders together (the tie-break among accepted points)."""
        a, b = (int(c) for c in self.summit_sides)
        joint = float(self.deal_utility(a)[q] + self.deal_utility(b)[q])
        return joint

    def estimated_ratification(self: DiplomacyModel, c: int, tau: float, points: IntArray | None = None) -> FloatArray:
        """Pr(side c ratifies q) for every grid point (or the grid indices ``points`` only), from c's thresholds as they
        stand (no perception error), smooth at ``tau``."""
        s = self.state
        mem = self.members[c]
        w = self.ratification_weights(c)
        total = float(w.sum())
        if total <= 0:
            return np.zeros(self.grid.shape[0] if points is None else points.size)
        veto = self.veto_mask(c)
        return bg.ratification_of(
            self.gains[c],
            self.gives[c],
            s.concession_weight[mem],
            s.thresholds[mem],
            w / total,
            float(self.theta[c]),
            tau=tau,
            veto=veto,
            limits=self.member_limits(mem),
            points=points,
        )

    def mediator_text(self: DiplomacyModel, gains: dict[tuple[int, int], FloatArray]) -> int | None:
        """The mediator's single negotiating text for this round (ODD 7.19); None without a mediator or a point both might take.

        The mediator estimates, for each side, the chance that its coalition
        ratifies a point and its leader finds it worth the risk (the sides'
        thresholds as they stand: a mediator who shuttles between them reads
        them without the sides' error about each other), and tables the point
        that maximises the acceptances' product weighted by its bias: each
        side's weight is its closeness to the mediator's position. Only points
        in an agreement class are drafted (:attr:`agreement_points`).
        """
        m = self.summit_mediator
        if m < 0:
            return None
        tau = max(self.params.sigma_w, 0.02)
        sides = [int(c) for c in self.summit_sides]
        # each side's partners weigh with it: a text its allies would refuse is no text for it
        acceptance = np.array(
            [
                self.estimated_ratification(c, tau)
                * tr.expit(gains[(c, int(self.counterpart_side[c]))] / tau)
                * self.partner_consent(tau, c)
                for c in sides
            ]
        )
        # a text is a draft agreement: points in no agreement class (a statement of nothing) are not tabled
        acceptance = acceptance * self.agreement_points[None, :]
        closeness = 1.0 - np.abs(float(self.tp_position[self.tp_index[m]]) - self.position[sides])
        weights = closeness / closeness.sum() if closeness.sum() > 0 else np.full(len(sides), 1.0 / len(sides))
        return bg.single_text(acceptance, weights)

    def _mediator_pays(self: DiplomacyModel, t: int, text: int | None, sides: set[int], gains: dict[tuple[int, int], FloatArray]) -> None:
        """Between rounds the mediator promises side payments for signing (ODD 7.19), out of its ``budget`` for the summit.

        It pays a side that refused its text only as not worth the risk (inside
        the side's win-set, the trust floor met): what closes that side's
        shortfall at the text, or what is left of the budget. A payment
        cannot buy what a side's coalition would not ratify.
        """
        m = self.summit_mediator
        if m < 0 or text is None or not sides:
            return
        s = self.state
        sm = self.summit
        left = float(self.tp_budget[self.tp_index[m]]) - sum(sm.payments.values())
        if left <= 1e-12:
            return
        mu = self.trust_matrix()
        a, b = (int(c) for c in self.summit_sides)
        la, lb = int(self.leader_of[a]), int(self.leader_of[b])
        if min(mu[la, b], mu[lb, a]) < self.params.mu_min:
            return
        for c in sorted(sides):
            short = -float(gains[(c, int(self.counterpart_side[c]))][text])
            if not s.win_sets[c][text] or short <= 0:
                continue
            # payments come in thousandths: the shortfall rounded up, so the rounding of the sum cannot leave it short
            pay = min(math.ceil(short * 1000.0) / 1000.0, left)
            sm.payments[c] = sm.payments.get(c, 0.0) + pay
            left -= pay
            self._log(t, "side_payment", self.actor_ids[m], self.actor_ids[self.leader_of[c]], "summit", detail=f"{pay:.3f}")
            if left <= 1e-12:
                return

    def _mediator_presses(self: DiplomacyModel, t: int, sides: set[int]) -> None:
        """Between rounds the mediator presses each side that refused its text: domestic pressure up by ``mediator_press`` x stake."""
        m = self.summit_mediator
        if m < 0 or not sides:
            return
        s = self.state
        press = self.params.mediator_press * float(s.stake[self.tp_index[m]])
        if press <= 0:
            return
        for c in sorted(sides):
            s.domestic[c] = min(1.0, float(s.domestic[c]) + press)
            self._log(t, "mediator_press", self.actor_ids[m], self.actor_ids[self.leader_of[c]], "summit", detail=f"{press:.3f}")
        self._update_pressure_aggregate()
        self._recompute_bargaining()

    def _success(self: DiplomacyModel, t: int, declaration: bool) -> None:
        """A summit success: audience-driven sides' need for a win resets; a declaration's letdown is booked."""
        s = self.state
        audience = ~self.elite
        s.domestic[audience] = 0.0
        self.summit.letdowns = [(w, c) for w, c in self.summit.letdowns if not audience[c]]
        if declaration:
            for c in np.flatnonzero(audience).tolist():
                self.summit.letdowns.append((t + int(self.params.letdown_weeks), int(c)))
        self._update_pressure_aggregate()

    def _blame(self: DiplomacyModel, c: int, offer: int | None, t: int) -> None:
        s = self.state
        mem = self.members[c]
        facs = mem[~self.is_leader[mem]]
        if facs.size == 0:
            return
        if offer is not None:
            util = bg.member_utility(self.gains[c], self.gives[c], s.concession_weight[facs])[:, offer]
            backers = facs[util >= s.thresholds[facs]]
            pool = backers if backers.size else facs
        else:
            pool = facs
        target = int(pool[np.argmax(s.omega[pool])])
        total = s.omega[facs].sum()
        s.omega[target] *= 0.5
        if s.omega[facs].sum() > 0:
            s.omega[facs] = s.omega[facs] / s.omega[facs].sum() * total
        self._refresh_leader_rows()
        self._log(t, "blame", self.actor_ids[self.leader_of[c]], self.actor_ids[target], "summit")

    def _describe_point(self: DiplomacyModel, q: int) -> str:
        return ", ".join(f"{d}={v:.2f}" for d, v in zip(self.dims, self.grid[q], strict=False))
