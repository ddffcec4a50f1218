"""Delivering a week's signals (ODD 7.4-7.9): trust, rapport, effects, pledges, breaches and mediation.

A mixin of :class:`summitry.sim.engine.model.DiplomacyModel`: these methods run on the
model's arrays (``self`` is the model). Bulk kinds (stance and threshold
nudges from many senders) go through the vectorised path
(:meth:`SignalDelivery._deliver_simple`); every other signal is applied one
by one (:meth:`SignalDelivery._apply_signal`) in the order of the week's
outbox, so that no activation order enters a result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from summitry.agents import policy
from summitry.sim.engine.batch import LARGE_SIDE, VOICED, DeliveryBatch, Shift
from summitry.sim.engine.eventlog import COLUMNS as EVENT_COLUMNS
from summitry.sim.engine.eventlog import FLOAT_COLUMNS, EventLog, merge_block
from summitry.sim.engine.outbox import Outbox
from summitry.sim.engine.state import Pledge
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.roles import THIRD_PARTY_ROLES
from summitry.sim.mechanisms.signals import Effect, Signal, SignalKind
from summitry.sim.numeric import clip

FloatArray = NDArray[np.float64]
SIDE_LEVEL: dict[str, str] = {
    "pressure.economic": "economic",
    "pressure.domestic": "domestic",
    "pressure.military": "military_extra",
    "hostility": "hostility",
    "sanctions": "sanctions",
}
"""Effect variables that move one number of a side, kept in [0, 1] -> the State array holding it."""
EVENT_BULK_COLUMNS = EVENT_COLUMNS[2:-1]  # sender ... detail: the columns _deliver_simple returns
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel


class SignalDelivery:
    """Signal delivery, as methods of the model (see the module docstring)."""

    SMALL_BLOCK = 64  # a week with bulk signals and up to this many rows is logged as dicts, more as a columnar block

    # the model's attributes this mixin assigns, declared once for the type checker (the model sets them up)
    _batch: DeliveryBatch | None
    _sink: EventLog | list[dict[str, Any]]
    _meter: list[float]
    _side_acc: FloatArray
    _received_cost: FloatArray
    _breach_tie: float
    first_pledge_week: int
    first_test_after_pledge: int

    def _deliver(self: DiplomacyModel, signals: list[Signal], t: int) -> None:
        """Deliver a list of signals, in its order (see :meth:`_deliver_outbox`)."""
        self._deliver_outbox(Outbox.of(signals, self._codes), t)

    def _deliver_outbox(self: DiplomacyModel, out: Outbox, t: int) -> None:
        """Deliver a step's signals together, in the outbox's order.

        Every signal is read against the state at the start of delivery (trust
        moves are collected and applied once). Signals of "simple" kinds
        (stance and threshold effects only, like lobbying) are applied in bulk
        with array operations; the event log keeps the outbox's order.
        """
        mediations: list[Signal] = []
        summit_actions: list[tuple[Signal, str]] = []
        # a simple kind without a receiver (a forced signal nobody can receive) is addressed to
        # both principals, which only the one-by-one delivery handles
        simple = self._simple_by_code[out.kind_code] & (out.receiver >= 0)
        others: list[tuple[int, dict[str, Any]]] = []  # (position, row) of individually delivered signals
        s = self.state
        rows_at = np.flatnonzero(simple)
        bulk_trust = self._trust_columns(out.sender[rows_at], out.receiver[rows_at])  # read at the start of delivery
        self._batch = DeliveryBatch(s.trust_logit, s.beta_a, s.beta_b, self.params.trust_model == "beta", self.params.beta_w)
        try:
            for pos in np.flatnonzero(~simple).tolist():
                self._deliver_one(out.signal(pos), t, pos, others, mediations, summit_actions)
            self._batch.apply(self._u)
        finally:
            self._batch = None
        if rows_at.size:
            bulk, lazy = self._deliver_simple(out.take(rows_at), t, bulk_trust)
            self._log_week(t, simple.tolist(), others, bulk, lazy)
        else:
            self.events.extend([row for _i, row in others])
        if mediations:
            self._mediate(mediations, t)
        self._summit_actions(summit_actions, t)

    def _log_week(
        self: DiplomacyModel, t: int, is_simple: list[bool], others: list[tuple[int, dict[str, Any]]], bulk: dict[str, Any], lazy: IntArray
    ) -> None:
        """Log a week's rows in signal order: one per bulk signal (columns ``bulk``), the
        individually delivered signals' rows (``others``, by signal position) where they fall."""
        per_signal: dict[int, list[dict[str, Any]]] = {}
        for i, row in others:
            per_signal.setdefault(i, []).append(row)
        bulk_pos: list[int] = []
        placed: list[tuple[int, dict[str, Any]]] = []
        pos = 0
        for i, simple in enumerate(is_simple):
            if simple:
                bulk_pos.append(pos)
                pos += 1
            else:
                for row in per_signal.get(i, ()):
                    placed.append((pos, row))
                    pos += 1
        date = self.date_of(t)
        if pos > self.SMALL_BLOCK:
            self.events.add_block(merge_block(t, date, pos, np.asarray(bulk_pos, dtype=np.int64), bulk, lazy, placed, self._renderer))
            return
        # a few rows: plain dicts are cheaper than a block's columns
        rows: list[dict[str, Any] | None] = [None] * pos
        for p_, row in placed:
            rows[p_] = row
        for j, p_ in enumerate(bulk_pos):
            rows[p_] = {
                "step": t,
                "date": date,
                **{name: float(bulk[name][j]) if name in FLOAT_COLUMNS else bulk[name][j] for name in EVENT_BULK_COLUMNS},
                "text": self._renderer(bulk["kind"][j], int(lazy[j, 0]), int(lazy[j, 1]), t, date),
            }
        self.events.extend([r for r in rows if r is not None])

    def _deliver_one(
        self: DiplomacyModel,
        sig: Signal,
        t: int,
        pos: int,
        others: list[tuple[int, dict[str, Any]]],
        mediations: list[Signal],
        summit_actions: list[tuple[Signal, str]],
    ) -> None:
        """Deliver one signal that is not bulk-delivered, collecting its event rows."""
        kind = self.catalogue[sig.kind]
        self._own = [0.0, 0.0, 0.0]
        tb = self._receiver_trust(sig)
        self._meter = [0.0, 0.0, 0.0]
        rows: list[dict[str, Any]] = []
        self._sink = rows
        try:
            self._apply_signal(sig, kind, t)
            for part in kind.parts:
                self._apply_signal(sig, self.catalogue[part], t, as_part=True)
            carried = self._carried_summit_kind(sig, kind)
            if carried is not None:
                self._apply_signal(sig, self.catalogue[carried], t, as_part=True)
            if kind.trust.mode == "mediation":
                mediations.append(sig)
            if kind.summit is not None:
                summit_actions.append((sig, kind.summit))
            self._log_signal(sig, t, tb)
        finally:
            self._sink = self.events
        others.extend((pos, row) for row in rows)

    def _carried_summit_kind(self: DiplomacyModel, sig: Signal, kind: SignalKind) -> str | None:
        """The summit offer or acceptance a signal without its own trust reading carries (a letter that
        puts a cancelled summit back on reads as an acceptance), or None."""
        if kind.trust.mode != "none" or kind.summit is None:
            return None
        side = self._side_py[sig.sender]
        sm = self.summit
        if kind.summit in ("reinstate", "accept") and (sm.status == "cancelled" or (sm.status == "offered" and sm.offered_by != side)):
            name = "summit_accept"
        elif kind.summit == "offer" and sm.status == "none":
            name = "summit_offer"
        else:
            return None
        return name if name in self.catalogue and name != self._kind_name[id(kind)] else None

    def _is_simple(self: DiplomacyModel, kind: SignalKind) -> bool:
        """A kind whose delivery is a sum of stance/threshold nudges from side members."""
        return (
            kind.trust.mode == "none"
            and kind.summit is None
            and kind.pledge_scope is None
            and kind.test_class is None
            and not kind.parts
            and not kind.conciliatory
            and "leader" not in kind.senders
            and not set(kind.senders) & set(THIRD_PARTY_ROLES)
            and kind.receiver in ("own_leader", "other_leader", "other_staff")
            and all(e.var in ("stance", "threshold") and e.who in ("sender", "receiver") for e in kind.effects)
        )

    def _trust_columns(self: DiplomacyModel, senders: IntArray, receivers: IntArray) -> FloatArray:
        """Each receiver's trust in its sender's side, NaN inside one side (as :meth:`_receiver_trust`)."""
        trust = np.full(senders.size, math.nan)
        side_index = self.side_of[senders]
        rside = self.side_of[receivers]
        outside = (side_index >= 0) & (receivers >= 0) & (rside != side_index)
        if outside.any():
            r, c = receivers[outside], side_index[outside]
            if self.params.trust_model == "beta":
                a, b = self.state.beta_a[r, c], self.state.beta_b[r, c]
                trust[outside] = a / (a + b)
            else:
                trust[outside] = tr.expit(self.state.trust_logit[r, c])
        return trust

    def _deliver_simple(self: DiplomacyModel, out: Outbox, t: int, trust: FloatArray) -> tuple[dict[str, Any], IntArray]:
        """Bulk delivery of simple-kind signals; returns their event columns in order and
        (sender, receiver) per row, from which the rows' sentences are rendered when read.
        ``trust`` is each receiver's trust in its sender's side at the start of delivery
        (simple kinds do not move trust, so it is both the rows' before and after)."""
        s = self.state
        n = len(out)
        senders = out.sender
        receivers = out.receiver
        kind_names = out.kind
        names = kind_names.tolist()
        stance_change = np.zeros(n)
        C = len(self.side_ids)
        rows_of = {name: np.flatnonzero(kind_names == name) for name in dict.fromkeys(names)}  # the outbox rows of each kind
        for name, rows in rows_of.items():
            kind = self.catalogue[name]
            snd, rcv = senders[rows], receivers[rows]
            sside, rside = self.side_of[snd], self.side_of[rcv]
            valence = policy.valence(kind)
            np.add.at(self._side_acc[0], rside, valence)
            if valence:
                # what the gesture cost, for the reciprocity it invites (ODD 7.8)
                np.maximum.at(self._received_cost[0 if valence > 0 else 1], rside[rside >= 0], kind.cost)
            if kind.vindicates != "none":
                np.add.at(self._side_acc[1 if kind.vindicates == "hawks" else 2], rside, 1.0)
            if kind.vindicates_sender != "none":
                np.add.at(self._side_acc[1 if kind.vindicates_sender == "hawks" else 2], sside, 1.0)
            for eff in kind.effects:
                tside = sside if eff.who == "sender" else rside
                d = np.full(rows.size, eff.delta)
                if eff.min_verification > kind.verification:
                    continue
                if eff.scale == "verification":
                    d = d * kind.verification
                elif eff.scale == "lobby":
                    li = self.leader_of[tside]
                    d = d * s.omega[snd] * (1 - s.iota[li]) * np.sign(s.stance[snd] - s.stance[li])
                per_side = np.bincount(tside, weights=d, minlength=C)
                for c in np.flatnonzero(np.bincount(tside, minlength=C)):
                    mem = self._members_with_roles(int(c), eff.roles)
                    # each member takes the side's sum times its ego, or as it is (a factor of 1, whose sum is the count)
                    ego = eff.scale == "ego"
                    factor = s.psi[mem] if ego else 1.0
                    if eff.var == "stance":
                        self._u[mem] += per_side[c] * factor
                        at = tside == c
                        stance_change[rows[at]] += np.abs(d[at]) * (float(s.psi[mem].sum()) if ego else float(mem.size))
                    else:
                        s.threshold_shift[mem] += per_side[c] * factor
        side_index = self.side_of[senders]
        audience = np.asarray(self.audience, dtype=float)[side_index]
        cost = np.empty(n)
        for name, rows in rows_of.items():
            kind = self.catalogue[name]
            cost[rows] = kind.cost + kind.tie * audience[rows]
        ids = self._actor_id_array
        bulk = {
            "sender": ids[senders],
            "receiver": ids[receivers],
            "kind": kind_names,
            "source": out.source,
            "cost": cost,
            "trust_before": trust,
            "trust_after": trust,
            "trust_change": np.zeros(n),
            "stance_change": stance_change,
            "pressure_change": np.zeros(n),
            "detail": out.note,
        }
        return bulk, np.column_stack([senders, receivers])

    def _flush_side_accumulators(self: DiplomacyModel) -> None:
        """Spread this step's per-side affect and vindication counts over each side's members."""
        acc = self._side_acc
        if not acc.any():
            return
        inside = self.in_side
        side = self.own_side
        self._received_affect += np.where(inside, acc[0, side], 0.0)
        self._vindication += np.where(inside & self.hawkish, acc[1, side], 0.0) + np.where(inside & self.dovish, acc[2, side], 0.0)
        acc[:] = 0.0

    def _voice(self: DiplomacyModel, sender: int, by_leader: bool) -> float:
        """How much a signal of ``sender`` says about its side's type: 1 for a leader, a faction's weight omega_k."""
        return 1.0 if by_leader else float(self.state.omega[sender])

    def _receiver_trust(self: DiplomacyModel, sig: Signal) -> float:
        """The receiver's trust in the sender's side (NaN when either is not a side's member)."""
        side_py = self._side_py
        c = side_py[sig.sender]
        if sig.receiver < 0 or c < 0 or side_py[sig.receiver] == c:
            return math.nan
        dl, da, db = self._own if self._batch is not None else (0.0, 0.0, 0.0)
        if self._batch is not None:
            # during delivery the state does not move: one value per (receiver, side, own move)
            key = (sig.receiver, c, dl, da, db)
            found = self._batch.seen.get(key)
            if found is None:
                found = self._batch.seen[key] = self._trust_of(sig.receiver, c, dl, da, db)
            return found
        return self._trust_of(sig.receiver, c, dl, da, db)

    def _trust_of(self: DiplomacyModel, receiver: int, c: int, dl: float, da: float, db: float) -> float:
        """Trust of ``receiver`` in side ``c`` after an own move (dl in log-odds; da, db in Beta counts)."""
        s = self.state
        if self.params.trust_model == "beta":
            a, b = s.beta_a[receiver, c] + da, s.beta_b[receiver, c] + db
            return float(a / (a + b))
        if dl == 0.0:
            return float(tr.expit(s.trust_logit[receiver, c]))
        return float(tr.expit(clip(s.trust_logit[receiver, c] + dl, -tr.LOGIT_MAX, tr.LOGIT_MAX)))

    def _members_with_roles(self: DiplomacyModel, c: int, roles: Sequence[str] | None) -> IntArray:
        """Members of side c with one of ``roles`` (all when None), cached."""
        key = (c, tuple(roles) if roles is not None else None)
        found = self._role_cache.get(key)
        if found is None:
            mem = self.members[c]
            found = mem if roles is None else mem[np.isin(self.roles[mem], roles)]
            self._role_cache[key] = found
        return found

    def _apply_signal(self: DiplomacyModel, sig: Signal, kind: SignalKind, t: int, as_part: bool = False) -> None:
        s = self.state
        p = self.params
        side_py = self._side_py
        sender_side = side_py[sig.sender]
        if sig.receiver < 0:
            rsides = self._summit_py
        else:
            rsides = [side_py[sig.receiver]] if side_py[sig.receiver] >= 0 else []
        # trust: everyone outside the sender's side updates its belief in that side
        if sender_side >= 0 and kind.trust.mode in ("reassuring", "hostile", "shift"):
            batch = self._batch
            by_leader = bool(self.is_leader[sig.sender])
            # a large side's factions share one shift per unit of voice (batch.make_voiced); a small side's, one each
            voiced = not by_leader and batch is not None and self.members[sender_side].size >= LARGE_SIDE
            key = (self._kind_name[id(kind)], sender_side, by_leader and not as_part, -1 if by_leader else VOICED if voiced else sig.sender)
            shared = batch.shared(key) if batch is not None else None
            if shared is None:
                updaters = np.flatnonzero(self.side_of != sender_side)
                x = s.stance[updaters]
                # evidence for the Beta variant (ODD 7.4-7.8): alpha += w c_eff, beta += w h
                if kind.trust.mode == "reassuring":
                    c_eff = tr.effective_cost(kind.cost, kind.tie, self.audience[sender_side]) * kind.verification
                    # the choice itself is evidence of the leader's type; the parts a signal carries (a
                    # letter's praise, the acceptance it carries) and cheap talk (evidence: cost) are read by their costs
                    llr = None if as_part or kind.trust.evidence == "cost" else self._type_evidence_of(sig.sender, kind)
                    if llr is None:
                        shift = tr.reassuring_shift(p.kappa, c_eff, p.phi, x)
                    else:
                        # a leader's costly signal: what its choice says about its type, read by Bayes' rule
                        shift = tr.reassuring_shift(1.0, llr, p.phi, x)
                    evidence = np.full(updaters.size, p.beta_w * float(c_eff))
                elif kind.trust.mode == "hostile":
                    shift = tr.hostile_shift(p.kappa_h, kind.trust.magnitude, p.phi, x)
                    evidence = np.full(updaters.size, -p.beta_w * kind.trust.magnitude)
                else:
                    shift = tr.fixed_shift(kind.trust.magnitude, p.phi, x)
                    evidence = np.full(updaters.size, p.beta_w * kind.trust.magnitude)
                # a faction speaks for its side as far as it has a say (ODD 7.4; agents.faction.Faction.voice)
                if voiced:
                    assert batch is not None
                    shared = batch.make_voiced(updaters, sender_side, shift, evidence)  # per unit of voice
                    batch.add_shared(key, shared)
                else:
                    voice = self._voice(sig.sender, by_leader)
                    shift, evidence = shift * voice, evidence * voice
                    if batch is None:
                        self._shift_trust(updaters, sender_side, shift, evidence)
                    else:
                        # the same kind from the same side moves everyone alike this week: compute once, count
                        shared = batch.make(updaters, sender_side, shift, evidence)
                        batch.add_shared(key, shared)
            if shared is not None and shared.voice_sum is not None:
                voice = self._voice(sig.sender, False)
                shared.voice_sum += voice
                self._meter[0] += voice * shared.meter
                self._own_shift(shared, sig.receiver, voice)
            elif shared is not None:
                shared.count += 1
                self._meter[0] += shared.meter
                self._own_shift(shared, sig.receiver)
        # affect of the receivers: +1 conciliation, -1 hostility
        # (accumulated per side and spread over members once per step: additive, so exact)
        valence = self._valence.get(id(kind))
        if valence is None:
            valence = policy.valence(kind)
        acc = self._side_acc
        for c in rsides:
            acc[0, c] += valence
        if valence:
            # what the gesture cost, for the reciprocity it invites (ODD 7.8)
            dearest = self._received_cost[0 if valence > 0 else 1]
            for c in rsides:
                dearest[c] = max(dearest[c], kind.cost)
        if kind.vindicates != "none":
            row = 1 if kind.vindicates == "hawks" else 2
            for c in rsides:
                acc[row, c] += 1.0
        if kind.vindicates_sender != "none" and sender_side >= 0:
            acc[1 if kind.vindicates_sender == "hawks" else 2, sender_side] += 1.0
        for eff in kind.effects:
            self._apply_effect(eff, sig.sender, rsides, kind, sig=sig)
        if as_part:
            return
        # costs: economic cost of costly concessions is borne as domestic pressure on elites
        if sender_side >= 0 and kind.conciliatory and kind.cost > 0:
            s.unreciprocated[sender_side] += kind.cost
            for c in rsides:
                s.unreciprocated[c] = max(0.0, s.unreciprocated[c] - kind.cost)
        # a leader's move that proves its own hawks right answers its elite's discontent (ODD 7.16, placation)
        if (
            kind.vindicates_sender == "hawks"
            and sender_side >= 0
            and self.elite[sender_side]
            and sig.sender == self.leader_of[sender_side]
            and self.params.theta_placate > 0
        ):
            s.domestic[sender_side] = 0.0
        # pledges and tests
        if kind.pledge_scope is not None and sender_side >= 0:
            if not any(pl.active and pl.side == sender_side for pl in self.pledges):
                self.pledges.append(Pledge(sender_side, frozenset(kind.pledge_scope), kind.tie, t))
                if self.first_pledge_week < 0:
                    self.first_pledge_week = t
        if sig.kind == "praise" or (kind.conciliatory and kind.trust.mode == "reassuring" and kind.cost <= 0.02):
            for pl in self.pledges:
                if pl.active and pl.side != sender_side and sender_side >= 0:
                    pl.touted_by.add(sig.sender)
        if sender_side >= 0 and (kind.test_class is not None or sig.kind in self._term_kinds):
            self._check_breach(sig, kind, sender_side, t)

    def _type_evidence_of(self: DiplomacyModel, sender: int, kind: SignalKind) -> float | None:
        """log P_T - log P_U of ``kind`` from leader ``sender`` this week (None: not a leader's chosen kind)."""
        row = self.type_evidence.get(sender)
        if row is None:
            return None
        name = self._kind_name[id(kind)]
        j = self._chosen_index.get(name)
        if j is None or not self.type_evidence_known[sender][j + 1]:
            return None  # not an action the leader could choose this week: read by its cost
        return float(row[j + 1])

    def _own_shift(self: DiplomacyModel, sh: Shift, receiver: int, voice: float | None = None) -> None:
        """Add a shift's move of ``receiver`` (times ``voice`` for a shift per unit of voice) to the signal's own move."""
        if receiver >= 0:
            dl, da, db = sh.at(receiver)
            if voice is not None:
                dl, da, db = voice * dl, voice * da, voice * db
            self._own[0] += dl
            self._own[1] += da
            self._own[2] += db

    def _shift_trust(
        self: DiplomacyModel, rows: IntArray, col: int, shift: FloatArray, evidence: FloatArray | None = None, receiver: int = -1
    ) -> None:
        """Move trust of ``rows`` in side ``col``: by a log-odds ``shift``, or in the Beta
        variant by ``evidence`` (positive counts to alpha, negative to beta).

        During a week's delivery the move is collected and applied with the
        week's others (see :mod:`summitry.sim.engine.batch`); ``receiver`` is the row whose
        own move the event log reports as its ``trust_after``."""
        s = self.state
        if self._batch is not None:
            sh = self._batch.make(rows, col, shift, evidence)
            self._batch.add_single(sh)
            self._meter[0] += sh.meter
            self._own_shift(sh, receiver)
            return
        if self.params.trust_model == "beta":
            before = s.beta_a[rows, col] / (s.beta_a[rows, col] + s.beta_b[rows, col])
            ev = evidence if evidence is not None else self.params.beta_w * shift
            s.beta_a[rows, col] += np.maximum(ev, 0)
            s.beta_b[rows, col] += np.maximum(-ev, 0)
            self._meter[0] += float(np.abs(s.beta_a[rows, col] / (s.beta_a[rows, col] + s.beta_b[rows, col]) - before).sum())
            return
        before = s.trust_logit[rows, col]
        after = clip(before + shift, -tr.LOGIT_MAX, tr.LOGIT_MAX)
        s.trust_logit[rows, col] = after
        self._meter[0] += float(np.abs(tr.expit(after) - tr.expit(before)).sum())

    def _check_breach(self: DiplomacyModel, sig: Signal, kind: SignalKind, side: int, t: int) -> None:
        s = self.state
        p = self.params
        for pl in self.pledges:
            if not (pl.active and pl.side == side):
                continue
            in_scope = pl.covers(sig.kind, kind.test_class)
            if pl.deal >= 0 and not in_scope:
                continue  # an agreement's terms are broken by what they name, nothing else
            if pl.deal < 0 and self.first_test_after_pledge < 0:
                self.first_test_after_pledge = t
            p_br = 1.0 if in_scope else kind.breach_probability
            if p_br <= 0:
                continue
            updaters = np.flatnonzero(self.side_of != side)
            touted = np.array([i in pl.touted_by for i in updaters], dtype=float)
            shift = tr.breach_shift(p.kappa_b, p_br, s.psi[updaters], s.rapport[updaters, side], touted)
            # Beta variant: beta += w_b, scaled like the log-odds shift (p_br, touted discount), whatever kappa_b
            self._shift_trust(
                updaters,
                side,
                shift,
                shift / p.kappa_b * p.beta_wb
                if p.kappa_b > 0
                else tr.breach_shift(1.0, p_br, s.psi[updaters], s.rapport[updaters, side], touted) * p.beta_wb,
                receiver=sig.receiver,
            )
            if in_scope:
                pl.active = False
                derived = "term_breach" if pl.deal >= 0 else "pledge_breach"  # an agreement's terms, or a pledge
                breach = Signal(sender=sig.sender, kind=derived, receiver=sig.receiver, source="derived")
                outer, outer_own = self._meter, self._own
                self._own = [0.0, 0.0, 0.0]
                tb = self._receiver_trust(breach)
                self._meter = [0.0, 0.0, 0.0]
                bk = self.catalogue[derived]
                self._breach_tie = pl.tie
                try:
                    self._apply_signal(breach, bk, t, as_part=True)
                finally:
                    del self._breach_tie
                self._log_signal(breach, t, tb)
                self._meter, self._own = outer, outer_own
                why = f"{self.actor_names[sig.sender]}'s {kind.label.lower()} breaks"
                if pl.deal >= 0:
                    self._enforce_terms(side, t)  # sim/engine/guarantees.py: guarantors punish the breach
                    self._collapse(pl.deal, t, f"{why} its terms")  # sim/engine/implementation.py
                else:
                    self._escalate(t, f"{why} an active pledge")

    def _apply_effect(
        self: DiplomacyModel, eff: Effect, sender: int, receiver_sides: list[int], kind: SignalKind | None, sig: Signal | None = None
    ) -> None:
        s = self.state
        sender_side = self._side_py[sender] if sender >= 0 else -1
        if eff.who == "sender":
            targets_sides = [sender_side] if sender_side >= 0 else []
        elif eff.who == "receiver":
            targets_sides = receiver_sides
        else:
            targets_sides = self._summit_py
        delta = eff.delta
        if kind is not None and eff.min_verification > kind.verification:
            return
        if eff.scale == "verification" and kind is not None:
            delta *= kind.verification
        if eff.scale == "audience" and sender_side >= 0:
            delta *= self.audience[sender_side] * getattr(self, "_breach_tie", kind.tie if kind else 0.0)
        var = eff.var
        # third-party sender: its own variables
        if eff.who == "sender" and sender_side < 0 and sender >= 0:
            m = self.tp_index[sender]
            if var == "enforcement":
                s.enforcement[m] = float(clip(s.enforcement[m] + delta, 0, 1))
            elif var == "pressure.domestic":
                s.tp_domestic[m] = float(clip(s.tp_domestic[m] + delta, 0, 1))
            elif var == "stance":
                self._u[sender] += delta
                self._meter[1] += abs(delta)  # the row's stance_change sums every stance input it adds (ODD 4.11)
            return
        for c in targets_sides:
            mem = self._eff_members.get((id(eff), c))
            if mem is None:
                mem = self._eff_members[(id(eff), c)] = self._members_with_roles(c, eff.roles)
            if var == "stance":
                self._apply_stance(eff, c, mem, delta, sig)
            elif var == "anchor":
                s.anchor[mem] = clip(s.anchor[mem] + delta, 0, 1)
            elif var == "threshold":
                s.threshold_shift[mem] += delta
            elif var == "influence":
                self._vindication[mem] += delta
            elif var == "rapport":
                col = sender_side if sender_side >= 0 else c
                d = np.full(mem.size, delta) * (s.psi[mem] if eff.scale == "ego" else 1.0)
                s.rapport[mem, col] = clip(s.rapport[mem, col] + d, 0, 1)
            elif var in SIDE_LEVEL:
                # a side's pressure, hostility or sanctions stock, kept in [0, 1]
                level = getattr(s, SIDE_LEVEL[var])
                level[c] = min(max(level[c] + delta, 0.0), 1.0)
                self._meter[2] += delta
            elif var == "exercise_credit":
                s.credit[c] = clip(s.credit[c] + delta, 0, 1)
            elif var == "demand":
                s.demand[c] = clip(s.demand[c] + delta, -1, 1)
            elif var == "enforcement":
                clients = (self.tp_client == c) & self.tp_leaks  # the side's patrons, not a guarantor protecting it
                s.enforcement[clients] = clip(s.enforcement[clients] + delta, 0, 1)
        if var == "perception":
            s.perception_log = float(min(max(s.perception_log + delta, -3.0), 1.0))

    def _apply_stance(self: DiplomacyModel, eff: Effect, c: int, mem: IntArray, delta: float, sig: Signal | None) -> None:
        """A stance effect on side c's members ``mem``: scaled by ego or by the lobbying weight, else one cached nudge."""
        s = self.state
        if eff.scale in ("ego", "lobby"):
            d = np.full(mem.size, delta)
            if eff.scale == "ego":
                d = d * s.psi[mem]
            elif sig is not None:
                li = int(self.leader_of[c])
                sign = np.sign(s.stance[sig.sender] - s.stance[li])
                d = d * s.omega[sig.sender] * (1 - s.iota[li]) * sign
            moved = float(np.abs(d).sum())
        else:
            # the same nudge for every member: built (and metered) once per (effect, side, size)
            key = (id(eff), c, delta)
            found = self._nudge_cache.get(key)
            if found is None:
                d = np.full(mem.size, delta)
                found = self._nudge_cache[key] = (d, float(np.abs(d).sum()))
            d, moved = found
            if self._batch is not None:
                # during delivery: count it, and add count x nudge once when the week's signals are in
                self._batch.nudge(key, mem, d)
                self._meter[1] += moved
                return
        self._u[mem] += d
        self._meter[1] += moved

    def _mediate(self: DiplomacyModel, mediations: list[Signal], t: int) -> None:
        """Kydd mediation: relay the mediator's belief; all from the same state, summed."""
        s = self.state
        p = self.params
        mu = self.trust_matrix()
        a, b = (int(c) for c in self.summit_sides)
        total = np.zeros(2)
        leaders = [int(self.leader_of[a]), int(self.leader_of[b])]
        for sig in mediations:
            m = self.tp_index.get(sig.sender)
            if m is None:
                continue
            for k, (li, other) in enumerate(((leaders[0], b), (leaders[1], a))):
                w = max(self._edge_weight(li, sig.sender), 0.0)  # a contrarian listener lends the mediator no credibility
                cred = tr.mediator_credibility(w, self.tp_position[m], self.position[self.side_of[li]], s.stake[m])
                new = tr.mediation_update(mu[li, other], mu[sig.sender, other], p.kappa_m, cred)
                total[k] += float(new) - mu[li, other]
        for k, (li, other) in enumerate(((leaders[0], b), (leaders[1], a))):
            if total[k] != 0:
                self._set_trust(np.array([li]), other, np.array([mu[li, other] + total[k]]))

    def _edge_weight(self: DiplomacyModel, listener: int, speaker: int) -> float:
        raw = self.raw_influence
        lo, hi = raw.indptr[listener], raw.indptr[listener + 1]
        pos = np.searchsorted(raw.indices[lo:hi], speaker)
        if pos < hi - lo and raw.indices[lo + pos] == speaker:
            return float(raw.data[lo + pos])
        return 0.0
