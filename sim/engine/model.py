"""DiplomacyModel: the step order of ODD 3 on numpy arrays.

Agents (Mesa) decide; the arrays in :class:`State` remember. A step is
synchronous: every agent chooses from the state at week t, the signals are
delivered together, and no activation order enters a result.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from summitry.agents import policy
from summitry.sim.engine.build import ModelBuild
from summitry.sim.engine.delivery import SignalDelivery
from summitry.sim.engine.event_rows import EventRows
from summitry.sim.engine.eventlog import EventLog
from summitry.sim.engine.guarantees import Guarantees
from summitry.sim.engine.implementation import AgreementLife
from summitry.sim.engine.outbox import Outbox
from summitry.sim.engine.state_updates import StateUpdates
from summitry.sim.engine.summit import SummitProcess
from summitry.sim.errors import ScenarioError
from summitry.sim.labels import unit_count
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.influence import fj_fixed_point, fj_relax
from summitry.sim.mechanisms.roles import FORCING_ROLES
from summitry.sim.mechanisms.signals import Signal, SignalKind
from summitry.sim.numeric import clip
from summitry.sim.scenario.document import Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

ABLATIONS: dict[str, str] = {
    "trust": "trust frozen: beliefs about the other side's type never move from their priors",
    "stance": "stances frozen: no influence, backlash or lobbying moves any stance",
    "factions": "factions frozen: no vindication or blame moves the factions' influence",
    "leader_alone": "leader ratifies alone: each side's win-set is its leader's own acceptance set",
}
"""Mechanisms a run can switch off (the backtest's ablation baselines), with what switching off means."""


class DiplomacyModel(SignalDelivery, SummitProcess, AgreementLife, Guarantees, StateUpdates, EventRows, ModelBuild, mesa.Model):
    """A run of one scenario: leaders, factions and third parties exchanging signals.

    Args:
        scenario: a validated scenario.
        seed: the run's seed; all randomness comes from one numpy Generator
            seeded through ``SeedSequence(seed)``.
        mode: ``free`` or ``forcing``; the scenario's mode when None.
        steps: number of weeks; the scenario's horizon when None.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        mode: str | None = None,
        steps: int | None = None,
        series_stride: int = 1,
        null_rates: dict[str, dict[str, float]] | None = None,
        ablations: frozenset[str] | set[str] | tuple[str, ...] = (),
    ) -> None:
        unknown = set(ablations) - set(ABLATIONS)
        if unknown:
            raise ValueError(f"unknown ablation(s) {sorted(unknown)}; known: {', '.join(ABLATIONS)}")
        self.ablations = frozenset(ablations)
        super().__init__(rng=np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed))))
        self.scenario = scenario
        self.seed = seed
        self.before_choice: Callable[[DiplomacyModel], None] | None = None
        self.mode = mode or scenario.mode
        self.horizon = steps if steps is not None else scenario.time.steps
        self.clock = scenario.time.clock
        self.params = self.clock.per_step(scenario.parameters)  # weekly rates and durations, per step (sim/mechanisms/clock.py)
        self.catalogue: dict[str, SignalKind] = scenario.catalogue
        self.week = 0
        self._dates: dict[int, str] = {}
        self.events = EventLog()
        self._sink: EventLog | list[dict[str, Any]] = self.events
        self.outcome: str | None = None
        self.escalated_week = -1
        self.agreements: list[dict[str, Any]] = []  # every agreement signed, with its stages (ODD 7.20)
        self.first_pledge_week = -1
        self.first_test_after_pledge = -1
        self.series_stride = series_stride
        self.null_rates = null_rates
        self._u = np.zeros(0)
        self._vindication = np.zeros(0)
        self._received_affect = np.zeros(0)
        self._affect_counted = np.zeros(0)  # on a weekly clock: what of _received_affect this step's affect read
        self._affect_days: list[FloatArray] = []  # on a step shorter than a week: the affect of the week's earlier steps
        self._received_cost = np.zeros((2, 0))  # per side: the largest cost received, by valence, since the last read
        self._cost_days: list[FloatArray] = []  # on a step shorter than a week: those of the week's earlier steps
        self.affect_cost = np.zeros((2, 0))  # per agent: the largest cost behind last week's affect, by valence (ODD 7.8)
        self.type_evidence: dict[int, FloatArray] = {}
        self.type_evidence_known: dict[int, BoolArray] = {}  # which of a leader's actions its evidence covers
        self._build()  # sim/engine/build.py

    def fork(self, scenario: Scenario) -> DiplomacyModel:
        """This model at its current week, continuing under ``scenario``.

        ``scenario`` must have the same sides and actors. Its parameters,
        traits and constants apply from now on, and its events from this week
        on; the dynamic state (stances, trust, pressures, summit, pledges,
        the random stream) carries over, so both branches share the past.
        """
        new = DiplomacyModel(scenario, seed=self.seed, mode=self.mode, steps=self.horizon, series_stride=self.series_stride)
        if new.actor_ids != self.actor_ids or new.side_ids != self.side_ids:
            raise ScenarioError("a fork must keep the same sides and actors (change parameters and events only)")
        for name in self.DYNAMIC_STATE:
            value = getattr(self.state, name)
            setattr(new.state, name, value.copy() if isinstance(value, np.ndarray) else value)
        new.rng.bit_generator.state = copy.deepcopy(self.rng.bit_generator.state)
        new.week = self.week
        new.events = self.events.copy()
        new._sink = new.events
        new.summit = copy.deepcopy(self.summit)
        new.pledges = copy.deepcopy(self.pledges)
        new.escalated_week = self.escalated_week
        new.agreements = copy.deepcopy(self.agreements)
        new.first_pledge_week = self.first_pledge_week
        new.first_test_after_pledge = self.first_test_after_pledge
        new._affect_days = list(self._affect_days)
        new._received_affect = self._received_affect.copy()
        new._affect_counted = self._affect_counted.copy()
        new._received_cost = self._received_cost.copy()
        new._cost_days = list(self._cost_days)
        new.affect_cost = self.affect_cost.copy()
        new.outcome = self.outcome
        new.running = self.running
        rec = copy.copy(self.recorder)
        for attr in ("steps", "trust", "rapport"):
            setattr(rec, attr, list(getattr(self.recorder, attr)))
        for attr in ("agent", "side", "world", "third"):
            setattr(rec, attr, {k: list(v) for k, v in getattr(self.recorder, attr).items()})
        rec.model = new
        new.recorder = rec
        new._refresh_leader_rows()
        new._update_pressure_aggregate()
        new._recompute_bargaining()
        return new

    # ----------------------------------------------------------- read access
    def trust_matrix(self) -> FloatArray:
        """mu[i, c]: agent i's belief that side c is a trustworthy type."""
        if self.params.trust_model == "beta":
            return tr.beta_mean(self.state.beta_a, self.state.beta_b)
        return tr.expit(self.state.trust_logit)

    def _set_trust(self, rows: IntArray, col: int, mu: FloatArray) -> None:
        mu = clip(mu, 1e-6, 1 - 1e-6)
        if self.params.trust_model == "beta":
            total = self.state.beta_a[rows, col] + self.state.beta_b[rows, col]
            self.state.beta_a[rows, col] = mu * total
            self.state.beta_b[rows, col] = (1 - mu) * total
        else:
            self.state.trust_logit[rows, col] = tr.logit(mu)

    def receiver_of(self, sender: int, kind: str) -> int | None:
        """The agent that receives ``kind`` from ``sender`` (-1: both principals)."""
        k = self.catalogue[kind]
        c = int(self.side_of[sender])
        if k.receiver == "principals":
            return -1
        if k.receiver == "client":
            m = self.tp_index.get(sender)
            if m is None or self.tp_client[m] < 0:
                return None
            return int(self.leader_of[self.tp_client[m]])
        if c < 0:
            return None
        if k.receiver == "own_leader":
            li = int(self.leader_of[c])
            return None if li == sender else li
        other = int(self.counterpart_side[c])
        if other == c:
            return None
        if k.receiver == "other_staff":
            first = getattr(self, "_first_staff", None)
            if first is not None:
                return first[other]  # type: ignore[no-any-return]
            staff = [int(i) for i in self.members[other] if self.roles[i] == "staff"]
            staff = staff or [int(i) for i in self.members[other] if "staff" in self.also_roles[i]]
            return staff[0] if staff else None
        return int(self.leader_of[other])

    def receivers_of(self, senders: IntArray, kind: str) -> IntArray:
        """:meth:`receiver_of` for many senders of a side-internal or cross-side kind at once (-1: none).

        Only for kinds addressed to a leader or staff (``own_leader``,
        ``other_leader``, ``other_staff``), the kinds delivered in bulk.
        """
        k = self.catalogue[kind]
        if k.receiver not in ("own_leader", "other_leader", "other_staff"):
            raise ValueError(f"receivers_of: kind {kind!r} is addressed to {k.receiver!r}")
        c = self.side_of[senders]
        inside = c >= 0
        cc = np.maximum(c, 0)
        if k.receiver == "own_leader":
            out = np.where(inside, self.leader_of[cc], -1)
            return np.where(out == senders, -1, out).astype(np.int64)
        other = self.counterpart_side[cc]
        ok = inside & (other != cc)
        if k.receiver == "other_staff":
            staff = np.array(
                [-1 if self._first_staff[o] is None else self._first_staff[o] for o in range(len(self.side_ids))], dtype=np.int64
            )
            return np.where(ok, staff[other], -1).astype(np.int64)
        return np.where(ok, self.leader_of[other], -1).astype(np.int64)

    def receiver_sides(self, sig: Signal) -> list[int]:
        if sig.receiver < 0:
            return [int(s) for s in self.summit_sides]
        s = int(self.side_of[sig.receiver])
        return [s] if s >= 0 else []

    def omega_by_role(self, stance_moved: bool = False) -> Any:
        """A function (side array, roles) -> the weight of those roles on each side whose thresholds an effect can move.

        Each member counts with omega times the share of the grid inside its
        stated limits (:attr:`limit_share`); with ``stance_moved`` only members
        whose threshold moves with their stance count (``stance_shift``).
        """
        s = self.state
        C = len(self.side_ids)
        weight = s.omega * self.limit_share * (self.stance_shift if stance_moved else 1.0)
        table: dict[str, FloatArray] = {}
        for r in self.role_masks:
            table[r] = np.array([weight[self.members[c]][self.roles[self.members[c]] == r].sum() for c in range(C)])
        total = np.array([weight[self.members[c]].sum() for c in range(C)])
        zeros = np.zeros(C)

        def mass(side: IntArray, roles: list[str] | None) -> FloatArray:
            if roles is None:
                return total[side]
            out = np.zeros(side.shape)
            for r in roles:
                out = out + table.get(r, zeros)[side]
            return out

        return mass

    def date_of(self, week: int) -> str:
        found = self._dates.get(week)
        if found is None:
            found = self._dates[week] = self.scenario.date_of(week).isoformat()
        return found

    def if_left_alone(self) -> FloatArray:
        """Friedkin-Johnsen fixed point of the current stances (the dashboard's reference line)."""
        return fj_fixed_point(self.W, self.state.anchor, np.minimum(self.state.susceptibility, 0.999))

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """One week, in the order of ODD 3."""
        if not self.running:
            return
        t = self.week
        s = self.state
        self._u = np.zeros(len(self.actor_ids))
        self._vindication = np.zeros(len(self.actor_ids))
        # what reached an actor after last step's affect was read (a summit's walk-away, step 7) counts in this
        # step's affect, as it does on a shorter clock, where the week's earlier steps are summed (ODD 7.8)
        if self.clock.steps(1) == 1:
            self._received_affect = self._received_affect - self._affect_counted
        else:
            self._received_affect = np.zeros(len(self.actor_ids))
        forced_summit = False
        signals: list[Signal] = []
        # 1. calendar and exogenous events
        for ev in self.scheduled_events.get(t, []):
            if ev.kind == "shock":
                for eff in ev.effects:
                    self._apply_effect(
                        eff, sender=self.index_of.get(ev.sender, -1) if ev.sender else -1, receiver_sides=self._event_sides(ev), kind=None
                    )
                self._log(t, "shock", ev.sender, ev.receiver, "shock", detail=ev.text or "exogenous shock")
            elif ev.kind == "summit":
                forced_summit = True
            else:
                sender = self.index_of[ev.sender]
                receiver = self.index_of[ev.receiver] if ev.receiver else self.receiver_of(sender, ev.kind)
                if receiver is None:
                    receiver = -1
                signals.append(Signal(sender=sender, kind=ev.kind, receiver=receiver, source="forced", note=ev.text))
        # an observer of the state the choices read (summitry explain); it must leave the model as it found it
        if self.before_choice is not None:
            self.before_choice(self)
        # 2. every agent chooses from the state at t (one uniform per agent, in index order)
        uniforms = self.rng.random(len(self.actor_ids))
        if self._null_table is not None:
            # the null model: the same actors send signals at random, with given rates per step
            _eu, feasible = policy.expected_utilities(self)
            if self.mode == "forcing":
                feasible[~np.isin(self.roles, list(FORCING_ROLES))] = False
                feasible[:, 0] = True
            choice = policy.random_choice(self._null_table, feasible, uniforms)
        else:
            choice = policy.choose(self, uniforms, self.params.lambda_q, forcing=self.mode == "forcing")
            # after the opening round, on a step shorter than a choice's interval, an agent chooses with this chance
            # (the null model's rates are per step already: measured on the same clock)
            chance = self.clock.choice_probability(self.params.choice_rate)
            if chance < 1 and t > 0:
                choice = np.where(self.rng.random(choice.size) < chance, choice, 0)
        # the agents whose chosen kind is delivered one by one act through their Mesa agent;
        # bulk kinds (lobbying) are addressed for all their senders at once
        chosen = np.flatnonzero(choice)
        bulk = self._bulk_kind[choice[chosen] - 1]
        by_index = self._agent_at
        for i in chosen[~bulk].tolist():
            sig = by_index[i].act(self.kinds[int(choice[i]) - 1])
            if sig is not None:
                signals.append(sig)
        out = Outbox.of(signals, self._codes)
        senders = chosen[bulk]
        if senders.size:
            codes = choice[senders] - 1
            receivers = np.full(senders.size, -1, dtype=np.int64)
            for code in np.unique(codes).tolist():
                rows = codes == code
                receivers[rows] = self.receivers_of(senders[rows], self.kinds[code])
            keep = receivers >= 0
            out = out.extended(senders[keep], self._code_of_chosen[codes[keep]], receivers[keep])
        # 3. deliver signals together
        self._deliver_outbox(out.sorted(), t)
        self._flush_side_accumulators()
        # 4. pressures
        self._update_pressure(t)
        # 5. stances, then factional weights
        s.stance = fj_relax(self.W, s.stance, s.anchor, s.susceptibility, self._u, self.clock.relax_share(), self._contrarian)
        self._update_omega()
        s.affect = clip(self._affect_of_the_week(), -1, 1)
        self.affect_cost = self._affect_cost_of_the_week()
        self._hold_ablated()
        # 6. thresholds, win-sets, zone of agreement
        self._recompute_bargaining()
        # 7. summit logic (in forcing mode with dated summits, summits happen on their dates only)
        by_schedule = self.summit.status == "scheduled" and 0 <= self.summit.week <= t and not self._forced_summits
        # a dated summit that falls inside a session of several steps is that session going on, not a new summit
        in_session = self.summit.session_end >= t
        if (forced_summit and not in_session) or by_schedule:
            self._hold_summit(t)
            if self._hold_ablated():
                self._recompute_bargaining()
        elif in_session:
            self._session_step(t)  # a summit of several steps, still in session
            if self._hold_ablated():
                self._recompute_bargaining()
        # 7b. life after an agreement: votes that fall due, terms kept long enough
        self._implementation_step(t)
        # 8. termination and recording
        if s.tension >= self.params.e_crit:
            s.tension_streak += 1
        else:
            s.tension_streak = 0
        if s.tension_streak >= self.params.e_weeks and self.escalated_week < 0:
            self._escalate(t, f"tension above {self.params.e_crit:g} for {unit_count(s.tension_streak, self.clock.unit)}")
        self.week += 1
        settled = self.agreement is not None and not self.runs_on_after_agreement()
        if self.escalated_week >= 0 or settled or self.week >= self.horizon:
            self.running = False
            self._finish()
        self.recorder.record(t)

    def _event_sides(self, ev: Any) -> list[int]:
        if ev.receiver:
            c = int(self.side_of[self.index_of[ev.receiver]])
            return [c] if c >= 0 else []
        return list(range(len(self.side_ids)))

    # ----------------------------------------------------------------- summit

    def _escalate(self, t: int, why: str) -> None:
        if self.escalated_week < 0:
            self.escalated_week = t
            self._log(t, "escalation", None, None, "summit", detail=why)

    def _finish(self) -> None:
        sm = self.summit
        if self.escalated_week >= 0:
            self.outcome = "escalation"
        elif self.agreement is not None:
            self.outcome = f"agreement_{self.agreement['type']}"
        elif sm.results:
            self.outcome = sm.results[-1].split(":")[0]
        else:
            self.outcome = "stalemate"
            self._log(self.week - 1, "stalemate", None, None, "summit")
