"""DiplomacyModel: the step order of ODD 3 on numpy arrays.

Agents (Mesa) decide; the arrays in :class:`State` remember. A step is
synchronous: every agent chooses from the state at week t, the signals are
delivered together, and no activation order enters a result.
"""

from __future__ import annotations

import copy
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from summitry.agents import policy
from summitry.agents.base import DiplomaticAgent
from summitry.agents.faction import Faction
from summitry.agents.leader import Leader
from summitry.agents.third_party import ThirdParty
from summitry.sim.engine.batch import DeliveryBatch
from summitry.sim.engine.delivery import SignalDelivery
from summitry.sim.engine.event_rows import EventRows
from summitry.sim.engine.eventlog import EventLog, SentenceRenderer
from summitry.sim.engine.outbox import KindCodes, Outbox
from summitry.sim.engine.recorder import Recorder
from summitry.sim.engine.state import Pledge, State, SummitState
from summitry.sim.engine.state_updates import StateUpdates
from summitry.sim.engine.summit import SummitProcess
from summitry.sim.errors import ScenarioError
from summitry.sim.labels import unit_count
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.influence import fj_fixed_point, fj_relax, influence_graph, row_normalise, to_csr
from summitry.sim.mechanisms.limits import limit_spec, limits_matrix
from summitry.sim.mechanisms.roles import DOVISH_ROLES, FORCING_ROLES, HAWKISH_ROLES
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


class DiplomacyModel(SignalDelivery, SummitProcess, StateUpdates, EventRows, mesa.Model):
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
        self.agreement: dict[str, Any] | None = None
        self.first_pledge_week = -1
        self.first_test_after_pledge = -1
        self.series_stride = series_stride
        self.null_rates = null_rates
        self._u = np.zeros(0)
        self._vindication = np.zeros(0)
        self._received_affect = np.zeros(0)
        self._affect_days: list[FloatArray] = []  # on a step shorter than a week: the affect of the week's earlier steps
        self.type_evidence: dict[int, FloatArray] = {}
        self._build()

    # ------------------------------------------------------------------ build
    def _build(self) -> None:
        """Set the run up from the scenario: actors, state, influence graph, issue space, summit, agents (ODD 5)."""
        sc = self.scenario
        self.side_ids: list[str] = list(sc.sides)
        side_index = {s: i for i, s in enumerate(self.side_ids)}
        ids, names, sides, roles, rows = self._actor_rows(side_index)
        self._index_actors(ids, names, sides, roles, side_index)
        self._initial_state(rows, sides, side_index)
        self._build_influence()
        self._build_issue_space()
        self._build_summit(side_index)
        self._build_agents(ids, names, sides, roles)

    def _actor_rows(self, side_index: dict[str, int]) -> tuple[list[str], list[str], list[int], list[str], list[dict[str, Any]]]:
        """Every actor in index order (each side's leader, then its factions; then the third parties), with its numbers."""
        sc = self.scenario
        p = self.params
        ids: list[str] = []
        names: list[str] = []
        sides: list[int] = []
        roles: list[str] = []
        rows: list[dict[str, Any]] = []
        for sid, side in sc.sides.items():
            c = side_index[sid]
            L = side.leader
            ids.append(L.id)
            names.append(L.name)
            sides.append(c)
            roles.append("leader")
            lam = L.susceptibility if L.susceptibility is not None else p.susceptibility_leader
            rows.append(
                dict(
                    x=L.stance,
                    lam=lam,
                    omega=L.self_weight if side.factions else 1.0,
                    g=L.acceptance.concession_weight,
                    b0=L.acceptance.threshold,
                    eps=0.0,
                    H=0.0,
                    iota=L.traits.impulsiveness,
                    psi=L.traits.ego,
                    zeta=L.traits.risk_tolerance,
                    delta=L.traits.patience,
                    trust=L.trust,
                    shift=L.acceptance.stance_shift,
                    limits=limit_spec(L.acceptance),
                )
            )
            for f in side.factions:
                ids.append(f.id)
                names.append(f.name)
                sides.append(c)
                roles.append(f.role)
                default_lam = p.susceptibility_hawks if f.role in HAWKISH_ROLES else p.susceptibility_doves
                lam = f.susceptibility if f.susceptibility is not None else default_lam
                rows.append(
                    dict(
                        x=f.stance,
                        lam=lam,
                        omega=(1 - L.self_weight) * f.influence,
                        g=f.acceptance.concession_weight,
                        b0=f.acceptance.threshold,
                        eps=f.erosion_belief,
                        H=f.horizon,
                        iota=f.traits.impulsiveness,
                        psi=f.traits.ego,
                        zeta=f.traits.risk_tolerance,
                        delta=f.patience,
                        shift=f.acceptance.stance_shift,
                        limits=limit_spec(f.acceptance),
                        trust=f.trust or L.trust,
                        veto=f.veto,
                    )
                )
        self.tp_index: dict[int, int] = {}
        for m, t in enumerate(sc.third_parties):
            self.tp_index[len(ids)] = m
            ids.append(t.id)
            names.append(t.name)
            sides.append(-1)
            roles.append(t.role)
            lam = t.susceptibility if t.susceptibility is not None else p.susceptibility_leader
            rows.append(
                dict(
                    x=t.stance,
                    lam=lam,
                    omega=0.0,
                    g=1.0,
                    b0=0.0,
                    eps=0.0,
                    H=0.0,
                    iota=t.traits.impulsiveness,
                    psi=t.traits.ego,
                    zeta=t.traits.risk_tolerance,
                    delta=t.traits.patience,
                    trust=t.trust,
                )
            )
        return ids, names, sides, roles, rows

    def _index_actors(self, ids: list[str], names: list[str], sides: list[int], roles: list[str], side_index: dict[str, int]) -> None:
        """Indices, sides, roles and the role masks of the actors; the side each side faces."""
        sc = self.scenario
        C = len(self.side_ids)
        self.actor_ids = ids
        self.actor_names = names
        self._actor_id_array = np.array(ids, dtype=object)
        self._renderer = SentenceRenderer(self.catalogue, names)
        self.index_of = {a: i for i, a in enumerate(ids)}
        self.side_of = np.asarray(sides, dtype=np.int64)
        self.roles = np.asarray(roles, dtype=object)
        self.is_leader = self.roles == "leader"
        self.leader_of = np.array([self.index_of[sc.sides[s].leader.id] for s in self.side_ids], dtype=np.int64)
        self.summit_sides = np.array([side_index[s] for s in sc.summit.sides], dtype=np.int64)
        # the side each side's actors face: the other summit side, or the first other side
        counter = np.zeros(C, dtype=np.int64)
        for c in range(C):
            if c in self.summit_sides:
                counter[c] = int(self.summit_sides[self.summit_sides != c][0])
            else:
                counter[c] = int(self.summit_sides[0])
        self.counterpart_side = counter
        self.hawkish = np.array([r in HAWKISH_ROLES for r in roles])
        self.dovish = np.array([r in DOVISH_ROLES for r in roles])
        self.role_masks: dict[str, NDArray[np.bool_]] = {r: self.roles == r for r in set(roles)}

    def _initial_state(self, rows: list[dict[str, Any]], sides: list[int], side_index: dict[str, int]) -> None:
        """The side-level numbers of the scenario and the initial State (the leaders' types are drawn here)."""
        sc = self.scenario
        p = self.params
        C = len(self.side_ids)
        N = len(rows)

        def col(key: str) -> FloatArray:
            return np.array([float(r[key]) for r in rows], dtype=float)

        mu0 = np.full((N, C), 0.5)
        for i, r in enumerate(rows):
            for s, v in r["trust"].items():
                mu0[i, side_index[s]] = v
        for i in range(N):
            if sides[i] >= 0:
                mu0[i, sides[i]] = 0.95  # belief in one's own side: not used, kept high
        a0, b0 = tr.beta_prior(mu0, p.beta_n0)
        sc_sides = [sc.sides[s] for s in self.side_ids]
        self.audience = np.array([s.audience_cost for s in sc_sides])
        self.theta = np.array([s.ratification_threshold if s.ratification_threshold is not None else p.theta_c for s in sc_sides])
        # veto players: members whose acceptance every ratified deal needs (ODD 7.2)
        self.veto = np.array([bool(r.get("veto", False)) for r in rows], dtype=bool)
        # 1 where a member's threshold moves with its stance, 0 for limits stated outright (ODD 7.1)
        self.stance_shift = np.array([1.0 if r.get("shift", True) else 0.0 for r in rows])
        # stated bounds and constraints, one spec a member ({} when it states none); masked on the grid in _build_issue_space
        self.limit_specs: list[dict[str, Any]] = [r.get("limits", {}) for r in rows]
        pos = [s.position for s in sc_sides]
        self.position = np.array([pv if pv is not None else (c / max(C - 1, 1)) for c, pv in enumerate(pos)])
        self.pressure_weights = np.array(
            [[s.pressure_weights.economic, s.pressure_weights.domestic, s.pressure_weights.military] for s in sc_sides]
        )
        self.elite = np.array([s.domestic == "elite" for s in sc_sides])
        self.capabilities = [frozenset(s.capabilities) for s in sc_sides]
        types = []
        for s in sc_sides:
            if s.leader.type is not None:
                types.append(s.leader.type == "T")
            else:
                types.append(bool(self.rng.random() < p.type_prior))
        tps = sc.third_parties
        self.tp_agent = np.array([self.index_of[t.id] for t in tps], dtype=np.int64)
        self.tp_client = np.array([side_index[t.client] if t.client else -1 for t in tps], dtype=np.int64)
        self.tp_laxity = np.array([t.laxity for t in tps], dtype=float)
        self.tp_position = np.array([t.position for t in tps], dtype=float)
        self.tp_domestic0 = np.array([t.domestic for t in tps], dtype=float)
        init = [s.initial for s in sc_sides]
        self.state = State(
            stance=col("x"),
            anchor=col("x"),
            susceptibility=col("lam"),
            omega=col("omega"),
            concession_weight=col("g"),
            threshold0=col("b0"),
            threshold_shift=np.zeros(N),
            erosion=col("eps"),
            horizon=col("H"),
            iota=col("iota"),
            psi=col("psi"),
            zeta=col("zeta"),
            patience=self.clock.keep_all(col("delta")),
            trust_logit=tr.logit(mu0),
            trust_logit0=tr.logit(mu0),
            beta_a=a0.copy(),
            beta_b=b0.copy(),
            beta_a0=a0,
            beta_b0=b0,
            rapport=np.zeros((N, C)),
            affect=np.zeros(N),
            economic=np.array([i.economic for i in init]),
            domestic=np.array([i.domestic for i in init]),
            military_extra=np.array([i.military for i in init]),
            military=np.zeros(C),
            sanctions=np.array([i.sanctions for i in init]),
            sanctions_effective=np.zeros(C),
            leak=np.zeros(C),
            hostility=np.array([i.hostility for i in init]),
            credit=np.array([i.exercise_credit for i in init]),
            demand=np.zeros(C),
            unreciprocated=np.zeros(C),
            pressure=np.zeros(C),
            is_t=np.array(types, dtype=bool),
            enforcement=np.array([t.enforcement for t in tps], dtype=float),
            stake=np.array([t.stake for t in tps], dtype=float),
            tp_domestic=np.array([t.domestic for t in tps], dtype=float),
        )

    def _build_influence(self) -> None:
        """The influence graph, converted once to CSR; the leaders' rows are rewritten when omega changes."""
        sc = self.scenario
        ids = self.actor_ids
        self.graph = influence_graph(sc)
        raw = to_csr(self.graph, ids)
        self.raw_influence = raw
        self._leader_edges: list[tuple[int, IntArray, IntArray, FloatArray]] = []
        for c, li in enumerate(self.leader_of):
            lo, hi = raw.indptr[li], raw.indptr[li + 1]
            cols = raw.indices[lo:hi]
            facs = np.array([k for k in range(lo, hi) if self.side_of[raw.indices[k]] == c and raw.indices[k] != li], dtype=np.int64)
            fac_agents = raw.indices[facs] if facs.size else np.zeros(0, dtype=np.int64)
            staff = np.array([(1 - self.state.iota[li]) if self.roles[a] == "staff" else 1.0 for a in fac_agents], dtype=float)
            self._leader_edges.append((int(li), facs, fac_agents, staff))
            del cols
        self.W = row_normalise(raw)
        if not np.array_equal(self.W.indptr, raw.indptr):  # pragma: no cover - every row has a self-loop
            raise RuntimeError("influence matrix lost its sparsity pattern")
        self._refresh_leader_rows()

    def _build_issue_space(self) -> None:
        """The issue grid, each side's gains, gives and unprotected exposure, and the ratification plans."""
        sc = self.scenario
        C = len(self.side_ids)
        sc_sides = [sc.sides[s] for s in self.side_ids]
        dims = [d.id for d in sc.issues]
        self.dims = dims
        self.grid = bg.issue_grid(len(dims), sc.grid_points)
        self.gains = np.zeros((C, self.grid.shape[0]))
        self.gives = np.zeros((C, self.grid.shape[0]))
        self.exposure = np.zeros((C, self.grid.shape[0]))
        self.utility_weights = np.zeros((C, len(dims)))
        unprotected = np.array([1.0 - d.safeguard for d in sc.issues])
        for c, s in enumerate(sc_sides):
            w = [s.utility.get(d, 0.0) for d in dims]
            self.utility_weights[c] = w
            self.gains[c], self.gives[c] = bg.split_utility(self.grid, w)
            # what side c loses, unprotected, if the other side reneges after c has given its part
            self.exposure[c] = self.grid @ (np.clip(-np.asarray(w, dtype=float), 0, None) * unprotected)
        self.ratification = [bg.RatificationPlan(self.gains[c], self.gives[c]) for c in range(C)]
        # (actors, grid) mask of the points within each member's stated limits; None when nobody states any (ODD 7.1)
        self.limits = limits_matrix(self.grid, dims, self.limit_specs)
        # the share of the issue grid within each member's stated limits (1 without limits): how much of a lowered
        # threshold can widen the zone (the decision rule's dZ forecast, ODD 7.16)
        self.limit_share = np.ones(len(self.actor_ids)) if self.limits is None else self.limits.mean(axis=1).astype(float)
        self.members = [np.flatnonzero(self.side_of == c) for c in range(C)]

    def _build_summit(self, side_index: dict[str, int]) -> None:
        """The summit's state, the scenario's pledges and the events scheduled by week."""
        sc = self.scenario
        self.summit = SummitState(
            status=sc.summit.status,
            offered_by=side_index.get(sc.summit.offered_by or "", -1),
            week=sc.summit.week if sc.summit.week is not None else -1,
            held=sc.summit.held,
        )
        # the mediator who tables a text at each round (ODD 7.19), as an actor index (-1: none), and the rounds a summit lasts
        self.summit_mediator = self.index_of[sc.summit.mediator] if sc.summit.mediator is not None else -1
        self.summit_rounds = sc.summit.rounds
        self.pledges: list[Pledge] = [
            Pledge(side_index[pl.side], frozenset(pl.scope), pl.tie, -1, touted_by={self.index_of[a] for a in pl.touted_by})
            for pl in sc.pledges
        ]
        if self.pledges:
            self.first_pledge_week = 0
        self.scheduled_events: dict[int, list[Any]] = {}
        for ev in sc.events:
            week = ev.week if ev.week is not None else sc.week_of(ev.date)  # type: ignore[arg-type]
            mode = ev.mode or ("always" if ev.kind == "shock" else "forcing")
            if mode == "forcing" and self.mode != "forcing":
                continue
            self.scheduled_events.setdefault(week, []).append(ev)
        self._forced_summits = any(ev.kind == "summit" for evs in self.scheduled_events.values() for ev in evs)

    def _build_agents(self, ids: list[str], names: list[str], sides: list[int], roles: list[str]) -> None:
        """The Mesa agents, the decision rule's tables, the recorder and the delivery caches."""
        C = len(self.side_ids)
        N = len(ids)
        self.agent_list: list[DiplomaticAgent] = []
        for i in range(N):
            cls: type[DiplomaticAgent]
            if roles[i] == "leader":
                cls = Leader
            elif sides[i] >= 0:
                cls = Faction
            else:
                cls = ThirdParty
            self.agent_list.append(cls(self, i, ids[i], names[i], sides[i], roles[i]))
        self.kinds = [k for k, v in self.catalogue.items() if v.chosen]
        self._chosen_index = {k: j for j, k in enumerate(self.kinds)}
        self.static_feasible = policy.static_feasibility(self)
        self._null_table = policy.null_table(self, self.null_rates) if self.null_rates is not None else None
        # whose trust is worth recording: everyone outside side c; rapport: leaders and third parties
        self.trust_rows = [np.flatnonzero(self.side_of != c) for c in range(C)]
        self.rapport_rows = np.flatnonzero(self.is_leader | (self.side_of < 0))
        self._update_pressure_aggregate()
        self._recompute_bargaining()
        self.recorder = Recorder(self, stride=self.series_stride)
        self._u = np.zeros(N)
        self._vindication = np.zeros(N)
        self._received_affect = np.zeros(N)
        self._meter = [0.0, 0.0, 0.0]
        self._own = [0.0, 0.0, 0.0]
        self._batch: DeliveryBatch | None = None
        self._side_acc = np.zeros((3, C))
        self._simple_kind = {name: self._is_simple(kind) for name, kind in self.catalogue.items()}
        self._kind_name = {id(kind): name for name, kind in self.catalogue.items()}
        self._valence = {id(kind): policy.valence(kind) for kind in self.catalogue.values()}
        self._side_py: list[int] = self.side_of.tolist()
        self._summit_py: list[int] = self.summit_sides.tolist()
        self._eff_members: dict[tuple[int, int], IntArray] = {}
        self._nudge_cache: dict[tuple[int, int, float], tuple[FloatArray, float]] = {}
        self._codes = KindCodes(list(self.catalogue))
        self._code_of_chosen = self._codes.codes(self.kinds)
        self._simple_by_code = np.array([self._simple_kind[k] for k in self._codes.names.tolist()], dtype=bool)
        self._bulk_kind = self._simple_by_code[self._code_of_chosen]  # by chosen-kind index
        self._agent_at = sorted(self.agent_list, key=lambda a: a.index)
        self._role_cache: dict[tuple[int, tuple[str, ...] | None], IntArray] = {}
        self._first_staff = {c: next((int(i) for i in self.members[c] if self.roles[i] == "staff"), None) for c in range(C)}
        self._principals_name = "+".join(self.actor_ids[self.leader_of[c]] for c in self.summit_sides)
        # initial values the ablations hold fixed (the trust priors are kept in the state already)
        self._frozen = {"stance": self.state.stance.copy(), "omega": self.state.omega.copy()}
        self.running = True
        if self.ablations:
            self._recompute_bargaining()

    # ------------------------------------------------------------------ fork
    DYNAMIC_STATE = (
        "stance",
        "anchor",
        "omega",
        "threshold_shift",
        "erosion",
        "trust_logit",
        "beta_a",
        "beta_b",
        "rapport",
        "affect",
        "economic",
        "domestic",
        "military_extra",
        "military",
        "sanctions",
        "sanctions_effective",
        "leak",
        "hostility",
        "credit",
        "demand",
        "unreciprocated",
        "is_t",
        "enforcement",
        "tp_domestic",
        "tension",
        "tension_streak",
        "perception_log",
    )

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
        new.agreement = copy.deepcopy(self.agreement)
        new.first_pledge_week = self.first_pledge_week
        new.first_test_after_pledge = self.first_test_after_pledge
        new._affect_days = list(self._affect_days)
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
        self._hold_ablated()
        # 6. thresholds, win-sets, zone of agreement
        self._recompute_bargaining()
        # 7. summit logic (in forcing mode with dated summits, summits happen on their dates only)
        by_schedule = self.summit.status == "scheduled" and 0 <= self.summit.week <= t and not self._forced_summits
        if forced_summit or by_schedule:
            self._hold_summit(t)
            if self._hold_ablated():
                self._recompute_bargaining()
        # 8. termination and recording
        if s.tension >= self.params.e_crit:
            s.tension_streak += 1
        else:
            s.tension_streak = 0
        if s.tension_streak >= self.params.e_weeks and self.escalated_week < 0:
            self._escalate(t, f"tension above {self.params.e_crit:g} for {unit_count(s.tension_streak, self.clock.unit)}")
        self.week += 1
        if self.escalated_week >= 0 or self.agreement is not None or self.week >= self.horizon:
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
