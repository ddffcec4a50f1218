"""DiplomacyModel: the step order of ODD 3 on numpy arrays.

Agents (Mesa) decide; the arrays in :class:`State` remember. A step is
synchronous: every agent chooses from the state at week t, the signals are
delivered together, and no activation order enters a result.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from agents import policy
from agents.base import DiplomaticAgent
from agents.faction import Faction
from agents.leader import Leader
from agents.third_party import ThirdParty
from sim import bargaining as bg
from sim import pressure as pr
from sim import trust as tr
from sim.batch import DeliveryBatch, Shift
from sim.effects import EFFECTS
from sim.errors import ScenarioError
from sim.eventlog import COLUMNS as EVENT_COLUMNS
from sim.eventlog import FLOAT_COLUMNS, EventLog, SentenceRenderer, merge_block
from sim.influence import fj_fixed_point, fj_step, influence_graph, row_normalise, to_csr
from sim.numeric import clip
from sim.outbox import KindCodes, Outbox
from sim.recorder import Recorder
from sim.roles import DOVISH_ROLES, FORCING_ROLES, HAWKISH_ROLES, THIRD_PARTY_ROLES
from sim.scenario import Scenario
from sim.signals import Effect, Signal, SignalKind, sentence_for

FloatArray = NDArray[np.float64]
EVENT_BULK_COLUMNS = EVENT_COLUMNS[2:-1]  # sender ... detail: the columns _deliver_simple returns
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

ABLATIONS: dict[str, str] = {
    "trust": "trust frozen: beliefs about the other side's type never move from their priors",
    "stance": "stances frozen: no influence, backlash or lobbying moves any stance",
    "factions": "factions frozen: no vindication or blame moves the factions' influence",
    "leader_alone": "leader ratifies alone: each side's win-set is its leader's own acceptance set",
}
"""Mechanisms a run can switch off (the backtest's ablation baselines), with what switching off means."""


@dataclass
class State:
    """Every number of the model, indexed by agent (N), side (C) or third party (M)."""

    stance: FloatArray
    anchor: FloatArray
    susceptibility: FloatArray
    omega: FloatArray
    concession_weight: FloatArray
    threshold0: FloatArray
    threshold_shift: FloatArray
    erosion: FloatArray
    horizon: FloatArray
    iota: FloatArray
    psi: FloatArray
    zeta: FloatArray
    patience: FloatArray
    trust_logit: FloatArray  # (N, C)
    trust_logit0: FloatArray
    beta_a: FloatArray
    beta_b: FloatArray
    beta_a0: FloatArray
    beta_b0: FloatArray
    rapport: FloatArray  # (N, C)
    affect: FloatArray
    economic: FloatArray  # (C,)
    domestic: FloatArray
    military_extra: FloatArray
    military: FloatArray
    sanctions: FloatArray
    sanctions_effective: FloatArray
    leak: FloatArray
    hostility: FloatArray
    credit: FloatArray
    demand: FloatArray
    unreciprocated: FloatArray
    pressure: FloatArray
    is_t: NDArray[np.bool_]
    enforcement: FloatArray  # (M,)
    stake: FloatArray
    tp_domestic: FloatArray
    tension: float = 0.0
    tension_streak: int = 0
    perception_log: float = 0.0
    thresholds: FloatArray = field(default_factory=lambda: np.zeros(0))
    win_sets: NDArray[np.bool_] = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    zone_area: float = 0.0


@dataclass
class SummitState:
    """The summit process between the two summit sides (ODD 7.16-7.19)."""

    status: str = "none"
    offered_by: int = -1
    week: int = -1
    held: int = 0
    first_week: int = -1
    cancellations: int = 0
    reinstated: bool = False
    results: list[str] = field(default_factory=list)
    walked_by: list[str] = field(default_factory=list)
    offers: dict[int, int | None] = field(default_factory=dict)  # side -> grid index at last summit
    letdowns: list[tuple[int, int]] = field(default_factory=list)  # (week, side): a declaration's unmet promise comes due
    values: dict[str, float] = field(default_factory=dict)  # the last summit's compared values (walk, declaration), by leader


@dataclass
class Pledge:
    side: int
    scope: frozenset[str]
    tie: float
    week: int
    active: bool = True
    touted_by: set[int] = field(default_factory=set)


class DiplomacyModel(mesa.Model):
    """A run of one scenario: leaders, factions and third parties exchanging signals.

    Args:
        scenario: a validated scenario.
        seed: the run's seed; all randomness comes from one numpy Generator
            seeded through ``SeedSequence(seed)``.
        mode: ``free`` or ``forcing``; the scenario's mode when None.
        steps: number of weeks; the scenario's horizon when None.
    """

    SMALL_BLOCK = 64  # a week with bulk signals and up to this many rows is logged as dicts, more as a columnar block

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
        self.params = scenario.parameters
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
        self.type_evidence: dict[int, FloatArray] = {}
        self._build()

    # ------------------------------------------------------------------ build
    def _build(self) -> None:
        sc = self.scenario
        p = self.params
        self.side_ids: list[str] = list(sc.sides)
        C = len(self.side_ids)
        side_index = {s: i for i, s in enumerate(self.side_ids)}
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
                        iota=0.2,
                        psi=0.0,
                        zeta=0.5,
                        delta=f.patience,
                        trust=f.trust or L.trust,
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
                dict(x=t.stance, lam=lam, omega=0.0, g=1.0, b0=0.0, eps=0.0, H=0.0, iota=0.2, psi=0.0, zeta=0.6, delta=0.98, trust=t.trust)
            )
        N = len(ids)
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
            patience=col("delta"),
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
        # influence graph -> CSR once; leaders' rows rewritten when omega changes
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
        # issue space
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
        self.members = [np.flatnonzero(self.side_of == c) for c in range(C)]
        # summit, pledges, events
        self.summit = SummitState(
            status=sc.summit.status,
            offered_by=side_index.get(sc.summit.offered_by or "", -1),
            week=sc.summit.week if sc.summit.week is not None else -1,
            held=sc.summit.held,
        )
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
        # agents
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

    def _refresh_leader_rows(self) -> None:
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
            s = self.W.data[lo:hi].sum()
            if s > 0:
                self.W.data[lo:hi] /= s
            else:  # nobody to listen to, not even itself: keep its own stance
                self.W.data[self_pos] = 1.0

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

    def omega_by_role(self) -> Any:
        """A function (side array, roles) -> total omega of those roles on each side."""
        s = self.state
        C = len(self.side_ids)
        table: dict[str, FloatArray] = {}
        for r in self.role_masks:
            table[r] = np.array([s.omega[self.members[c]][self.roles[self.members[c]] == r].sum() for c in range(C)])
        total = np.array([s.omega[self.members[c]].sum() for c in range(C)])
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
            # the null model: the same actors send signals at random, with given weekly rates
            _eu, feasible = policy.expected_utilities(self)
            if self.mode == "forcing":
                feasible[~np.isin(self.roles, list(FORCING_ROLES))] = False
                feasible[:, 0] = True
            choice = policy.random_choice(self._null_table, feasible, uniforms)
        else:
            choice = policy.choose(self, uniforms, self.params.lambda_q, forcing=self.mode == "forcing")
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
        s.stance = fj_step(self.W, s.stance, s.anchor, s.susceptibility, self._u)
        self._update_omega()
        s.affect = clip(self._received_affect, -1, 1)
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
            self._escalate(t, f"tension above {self.params.e_crit:g} for {s.tension_streak} weeks")
        self.week += 1
        if self.escalated_week >= 0 or self.agreement is not None or self.week >= self.horizon:
            self.running = False
            self._finish()
        self.recorder.record(t)

    def _hold_ablated(self) -> bool:
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

    def ratification_weights(self, c: int) -> FloatArray:
        """The weights with which side c's members ratify (the leader's alone under the ``leader_alone`` ablation)."""
        mem = self.members[c]
        if "leader_alone" in self.ablations:
            return np.where(self.is_leader[mem], 1.0, 0.0)
        return self.state.omega[mem]

    def _event_sides(self, ev: Any) -> list[int]:
        if ev.receiver:
            c = int(self.side_of[self.index_of[ev.receiver]])
            return [c] if c >= 0 else []
        return list(range(len(self.side_ids)))

    # --------------------------------------------------------------- signals
    def _deliver(self, signals: list[Signal], t: int) -> None:
        """Deliver a list of signals, in its order (see :meth:`_deliver_outbox`)."""
        self._deliver_outbox(Outbox.of(signals, self._codes), t)

    def _deliver_outbox(self, out: Outbox, t: int) -> None:
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
        self, t: int, is_simple: list[bool], others: list[tuple[int, dict[str, Any]]], bulk: dict[str, Any], lazy: IntArray
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
        self,
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

    def _carried_summit_kind(self, sig: Signal, kind: SignalKind) -> str | None:
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

    def _is_simple(self, kind: SignalKind) -> bool:
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

    def _trust_columns(self, senders: IntArray, receivers: IntArray) -> FloatArray:
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

    def _deliver_simple(self, out: Outbox, t: int, trust: FloatArray) -> tuple[dict[str, Any], IntArray]:
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
        for name in dict.fromkeys(names):
            kind = self.catalogue[name]
            rows = np.flatnonzero(kind_names == name)
            snd, rcv = senders[rows], receivers[rows]
            sside, rside = self.side_of[snd], self.side_of[rcv]
            valence = policy.valence(kind)
            np.add.at(self._side_acc[0], rside, valence)
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
                    factor = s.psi[mem] if eff.scale == "ego" else np.ones(mem.size)
                    if eff.var == "stance":
                        self._u[mem] += per_side[c] * factor
                        stance_change[rows[tside == c]] += np.abs(d[tside == c]) * float(factor.sum())
                    else:
                        s.threshold_shift[mem] += per_side[c] * factor
        side_index = self.side_of[senders]
        audience = np.asarray(self.audience, dtype=float)[side_index]
        cost = np.empty(n)
        for name in dict.fromkeys(names):
            kind = self.catalogue[name]
            rows = np.flatnonzero(kind_names == name)
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

    def _flush_side_accumulators(self) -> None:
        """Spread this step's per-side affect and vindication counts over each side's members."""
        acc = self._side_acc
        if not acc.any():
            return
        inside = self.side_of >= 0
        side = np.maximum(self.side_of, 0)
        self._received_affect += np.where(inside, acc[0, side], 0.0)
        self._vindication += np.where(inside & self.hawkish, acc[1, side], 0.0) + np.where(inside & self.dovish, acc[2, side], 0.0)
        acc[:] = 0.0

    def _receiver_trust(self, sig: Signal) -> float:
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

    def _trust_of(self, receiver: int, c: int, dl: float, da: float, db: float) -> float:
        """Trust of ``receiver`` in side ``c`` after an own move (dl in log-odds; da, db in Beta counts)."""
        s = self.state
        if self.params.trust_model == "beta":
            a, b = s.beta_a[receiver, c] + da, s.beta_b[receiver, c] + db
            return float(a / (a + b))
        if dl == 0.0:
            return float(tr.expit(s.trust_logit[receiver, c]))
        return float(tr.expit(clip(s.trust_logit[receiver, c] + dl, -tr.LOGIT_MAX, tr.LOGIT_MAX)))

    def _members_with_roles(self, c: int, roles: Sequence[str] | None) -> IntArray:
        """Members of side c with one of ``roles`` (all when None), cached."""
        key = (c, tuple(roles) if roles is not None else None)
        found = self._role_cache.get(key)
        if found is None:
            mem = self.members[c]
            found = mem if roles is None else mem[np.isin(self.roles[mem], roles)]
            self._role_cache[key] = found
        return found

    def _apply_signal(self, sig: Signal, kind: SignalKind, t: int, as_part: bool = False) -> None:
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
            key = (self._kind_name[id(kind)], sender_side, bool(self.is_leader[sig.sender]) and not as_part)
            shared = batch.shared(key) if batch is not None else None
            if shared is None:
                updaters = np.flatnonzero(self.side_of != sender_side)
                x = s.stance[updaters]
                # evidence for the Beta variant (ODD 7.4-7.8): alpha += w c_eff, beta += w h
                if kind.trust.mode == "reassuring":
                    c_eff = tr.effective_cost(kind.cost, kind.tie, self.audience[sender_side]) * kind.verification
                    # the choice itself is evidence of the leader's type; the parts a signal carries (a
                    # letter's praise, the acceptance it carries) are read by their costs
                    llr = None if as_part else self._type_evidence_of(sig.sender, kind)
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
                if batch is None:
                    self._shift_trust(updaters, sender_side, shift, evidence)
                else:
                    # the same kind from the same side moves everyone alike this week: compute once, count
                    shared = batch.make(updaters, sender_side, shift, evidence)
                    batch.add_shared(key, shared)
            if shared is not None:
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
        if kind.test_class is not None and sender_side >= 0:
            self._check_breach(sig, kind, sender_side, t)

    def _type_evidence_of(self, sender: int, kind: SignalKind) -> float | None:
        """log P_T - log P_U of ``kind`` from leader ``sender`` this week (None: not a leader's chosen kind)."""
        row = self.type_evidence.get(sender)
        if row is None:
            return None
        name = self._kind_name[id(kind)]
        j = self._chosen_index.get(name)
        return None if j is None else float(row[j + 1])

    def _own_shift(self, sh: Shift, receiver: int) -> None:
        if receiver >= 0:
            dl, da, db = sh.at(receiver)
            self._own[0] += dl
            self._own[1] += da
            self._own[2] += db

    def _shift_trust(self, rows: IntArray, col: int, shift: FloatArray, evidence: FloatArray | None = None, receiver: int = -1) -> None:
        """Move trust of ``rows`` in side ``col``: by a log-odds ``shift``, or in the Beta
        variant by ``evidence`` (positive counts to alpha, negative to beta).

        During a week's delivery the move is collected and applied with the
        week's others (see :mod:`sim.batch`); ``receiver`` is the row whose
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

    def _check_breach(self, sig: Signal, kind: SignalKind, side: int, t: int) -> None:
        s = self.state
        p = self.params
        for pl in self.pledges:
            if not (pl.active and pl.side == side):
                continue
            if self.first_test_after_pledge < 0:
                self.first_test_after_pledge = t
            in_scope = kind.test_class in pl.scope
            p_br = 1.0 if in_scope else kind.breach_probability
            if p_br <= 0:
                continue
            updaters = np.flatnonzero(self.side_of != side)
            touted = np.array([i in pl.touted_by for i in updaters], dtype=float)
            shift = tr.breach_shift(p.kappa_b, p_br, s.psi[updaters], s.rapport[updaters, side], touted)
            # Beta variant: beta += w_b, scaled like the log-odds shift (p_br, touted discount)
            self._shift_trust(
                updaters,
                side,
                shift,
                shift / p.kappa_b * p.beta_wb if p.kappa_b > 0 else -p.beta_wb * p_br * np.ones(updaters.size),
                receiver=sig.receiver,
            )
            if in_scope:
                pl.active = False
                breach = Signal(sender=sig.sender, kind="pledge_breach", receiver=sig.receiver, source="derived")
                outer, outer_own = self._meter, self._own
                self._own = [0.0, 0.0, 0.0]
                tb = self._receiver_trust(breach)
                self._meter = [0.0, 0.0, 0.0]
                bk = self.catalogue["pledge_breach"]
                self._breach_tie = pl.tie
                try:
                    self._apply_signal(breach, bk, t, as_part=True)
                finally:
                    del self._breach_tie
                self._log_signal(breach, t, tb)
                self._meter, self._own = outer, outer_own
                self._escalate(t, f"{self.actor_names[sig.sender]}'s {kind.label.lower()} breaks an active pledge")

    def _apply_effect(
        self, eff: Effect, sender: int, receiver_sides: list[int], kind: SignalKind | None, sig: Signal | None = None
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
            return
        for c in targets_sides:
            mem = self._eff_members.get((id(eff), c))
            if mem is None:
                mem = self._eff_members[(id(eff), c)] = self._members_with_roles(c, eff.roles)
            if var == "stance":
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
                        continue
                self._u[mem] += d
                self._meter[1] += moved
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
            elif var == "pressure.economic":
                s.economic[c] = min(max(s.economic[c] + delta, 0.0), 1.0)
                self._meter[2] += delta
            elif var == "pressure.domestic":
                s.domestic[c] = min(max(s.domestic[c] + delta, 0.0), 1.0)
                self._meter[2] += delta
            elif var == "pressure.military":
                s.military_extra[c] = min(max(s.military_extra[c] + delta, 0.0), 1.0)
                self._meter[2] += delta
            elif var == "hostility":
                s.hostility[c] = min(max(s.hostility[c] + delta, 0.0), 1.0)
                self._meter[2] += delta
            elif var == "sanctions":
                s.sanctions[c] = min(max(s.sanctions[c] + delta, 0.0), 1.0)
                self._meter[2] += delta
            elif var == "exercise_credit":
                s.credit[c] = clip(s.credit[c] + delta, 0, 1)
            elif var == "demand":
                s.demand[c] = clip(s.demand[c] + delta, -1, 1)
            elif var == "enforcement":
                clients = self.tp_client == c
                s.enforcement[clients] = clip(s.enforcement[clients] + delta, 0, 1)
        if var == "perception":
            s.perception_log = float(min(max(s.perception_log + delta, -3.0), 1.0))

    def _mediate(self, mediations: list[Signal], t: int) -> None:
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
                w = self._edge_weight(li, sig.sender)
                cred = tr.mediator_credibility(w, self.tp_position[m], self.position[self.side_of[li]], s.stake[m])
                new = tr.mediation_update(mu[li, other], mu[sig.sender, other], p.kappa_m, cred)
                total[k] += float(new) - mu[li, other]
        for k, (li, other) in enumerate(((leaders[0], b), (leaders[1], a))):
            if total[k] != 0:
                self._set_trust(np.array([li]), other, np.array([mu[li, other] + total[k]]))

    def _edge_weight(self, listener: int, speaker: int) -> float:
        raw = self.raw_influence
        lo, hi = raw.indptr[listener], raw.indptr[listener + 1]
        pos = np.searchsorted(raw.indices[lo:hi], speaker)
        if pos < hi - lo and raw.indices[lo + pos] == speaker:
            return float(raw.data[lo + pos])
        return 0.0

    def _summit_actions(self, actions: list[tuple[Signal, str]], t: int) -> None:
        sm = self.summit
        order = {"offer": 0, "accept": 1, "cancel": 2, "reinstate": 3}
        actions = sorted(actions, key=lambda a: (order[a[1]], a[0].sender))
        cancelled_now = False
        for sig, action in actions:
            side = int(self.side_of[sig.sender])
            if side not in self.summit_sides:
                continue
            other = int(self.counterpart_side[side])
            if action == "accept" and sm.status == "offered" and sm.offered_by != side:
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
                sm.week = max(sm.week, t + 2)
                sm.reinstated = True
                self._log(
                    t, "summit_reinstated", self.actor_ids[sig.sender], self.actor_ids[self.leader_of[other]], "summit", detail=str(sm.week)
                )

    def _schedule(self, t: int, side: int, other: int) -> None:
        sm = self.summit
        p = self.params
        prep = int(self.rng.integers(p.tau_prep_min, p.tau_prep_max + 1))
        sm.status, sm.week = "scheduled", t + prep
        self._log(
            t,
            "summit_scheduled",
            self.actor_ids[self.leader_of[side]],
            self.actor_ids[self.leader_of[other]],
            "summit",
            detail=str(sm.week),
        )

    # -------------------------------------------------------------- pressure
    def _update_pressure(self, t: int) -> None:
        s = self.state
        p = self.params
        C = len(self.side_ids)
        s.leak = pr.leakage(p.leak0, self.tp_laxity, s.enforcement, self.tp_client, C)
        # members who weigh waiting (a horizon) learn how fast sanctions erode from the leakage they see
        inside = self.side_of >= 0
        seen = np.where(inside, s.leak[np.maximum(self.side_of, 0)], 0.0)
        s.erosion = pr.learn_erosion(s.erosion, seen, s.horizon > 0, p.erosion_learning, p.erosion_scale)
        s.sanctions_effective = pr.effective_sanctions(s.sanctions, s.leak)
        s.economic = pr.economic_pain(s.economic, s.sanctions_effective, p.delta_e)
        s.hostility = pr.richardson(s.hostility, p.delta_m, p.gamma_r)
        s.tension = pr.tension(s.hostility, self.summit_sides)
        s.military_extra = s.military_extra * (1 - p.delta_m)
        s.credit = s.credit * 0.98
        s.military = clip(s.tension + s.military_extra - s.credit, 0, 1)
        hl_share = np.array([s.omega[self.members[c]][self.roles[self.members[c]] == "hardliner"].sum() for c in range(C)])
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
        s.tp_domestic = s.tp_domestic + 0.05 * (self.tp_domestic0 - s.tp_domestic)
        s.demand = s.demand * (1 - p.demand_decay)
        s.perception_log *= 0.9
        # forgetting toward prior trust (ODD 7.4-7.8)
        if p.trust_model == "beta":
            s.beta_a, s.beta_b = tr.beta_decay(s.beta_a, s.beta_b, s.beta_a0, s.beta_b0, p.beta_decay)
        else:
            s.trust_logit = tr.forget(s.trust_logit, s.trust_logit0, p.nu)
        self._update_pressure_aggregate()

    def _update_pressure_aggregate(self) -> None:
        s = self.state
        if not s.military.any():
            s.tension = pr.tension(s.hostility, self.summit_sides)
            s.military = clip(s.tension + s.military_extra - s.credit, 0, 1)
        s.pressure = pr.aggregate(self.pressure_weights, s.economic, s.domestic, s.military)

    # ---------------------------------------------------------------- omega
    def _update_omega(self) -> None:
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

    # ------------------------------------------------------------ bargaining
    def member_thresholds(self) -> FloatArray:
        s = self.state
        p = self.params
        side_p = np.where(self.side_of >= 0, s.pressure[np.maximum(self.side_of, 0)], 0.0)
        side_demand = np.where(self.side_of >= 0, s.demand[np.maximum(self.side_of, 0)], 0.0)
        return bg.thresholds(
            s.threshold0, s.stance, side_p, s.erosion, s.horizon, p.alpha_x, p.alpha_p, p.alpha_eps, extra=s.threshold_shift + side_demand
        )

    def _recompute_bargaining(self) -> None:
        s = self.state
        s.thresholds = self.member_thresholds()
        C = len(self.side_ids)
        ws = np.zeros((C, self.grid.shape[0]), dtype=bool)
        for c in range(C):
            mem = self.members[c]
            ws[c] = self.ratification[c].win_set(s.concession_weight[mem], s.thresholds[mem], self.ratification_weights(c), self.theta[c])
        s.win_sets = ws
        s.zone_area = bg.zone_area(*ws[self.summit_sides])

    def perceived_acceptance(self, c: int) -> FloatArray:
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
        u = bg.member_utility(self.gains[c], self.gives[c], s.concession_weight[mem])
        w = self.ratification_weights(c)
        total = float(w.sum())
        if total <= 0:
            return np.zeros(self.grid.shape[0])
        return bg.smooth_ratification(u, noisy, w / total, float(self.theta[c]), tau=max(sigma, 0.02))

    def deal_utility(self, c: int) -> FloatArray:
        li = int(self.leader_of[c])
        return bg.leader_deal_utility(self.gains[c], self.gives[c], self.params.deal_weight, float(self.state.stance[li]))

    # ----------------------------------------------------------------- summit
    def no_deal_value(self, c: int) -> float:
        """V_c: what side c's leader gets from no deal, minus today's pressure (``status_quo_weight`` P_c)."""
        return -self.params.status_quo_weight * float(self.state.pressure[c])

    def deal_gain(self, c: int, other: int) -> FloatArray:
        """What each grid point is worth to side c's leader over no deal, the renege risk priced in.

        A deal relieves the pressure on c in proportion to how much of what c
        wants it gets (gains_c(q) / max gains_c): the commitment value plus
        ``status_quo_weight`` P_c times that share. A deal that gives c
        nothing it wants relieves nothing, however hard c is pressed.
        """
        top = float(self.gains[c].max())
        relief = self.gains[c] / top if top > 0 else np.zeros_like(self.gains[c])
        return self.acceptance_value(c, other) - self.no_deal_value(c) * relief

    def acceptance_value(self, c: int, other: int) -> FloatArray:
        """Side c's leader's expected value of accepting each grid point, pricing the chance ``other`` reneges."""
        p = self.params
        li = int(self.leader_of[c])
        risk = bg.renege_risk(float(self.trust_matrix()[li, other]), p.renege_t, p.renege_u)
        beta = p.deal_weight * (0.5 + float(self.state.stance[li]))
        return bg.commitment_value(self.deal_utility(c), beta * self.exposure[c], risk)

    def walk_leverage(self, walker: int, other: int, gain: FloatArray) -> tuple[float, float]:
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
        now = bg.smooth_ratification(u, b, weights / total, float(self.theta[other]), tau=tau)
        # the walker forecasts with its own worldview: the more hawkish, the more it expects coercion to
        # work and the less it expects backlash (the Jervis factor phi, as in reading signals)
        xw = float(s.stance[self.leader_of[walker]])
        coercion = p.alpha_p * dp * (1 + p.phi * xw)
        backlash = p.alpha_x * dx * (1 - p.phi * xw) if "stance" not in self.ablations else 0.0
        b_after = b - coercion + backlash
        after = bg.smooth_ratification(u, b_after, w_after / float(w_after.sum()), float(self.theta[other]), tau=tau)
        return float((now * worth).max()), float((after * worth).max())

    def summit_values(
        self, rejected: frozenset[int] = frozenset(), gains: dict[tuple[int, int], FloatArray] | None = None
    ) -> dict[int, tuple[float, float]]:
        """{side: (EU of walking away, EU of a declaratory statement)} for the two summit leaders.

        Walking away is worth its audience value (resolve shown to the hawkish
        share of one's own coalition, times the side's audience-cost capacity,
        when it walks away from an offer it rejected: sides in ``rejected``)
        plus the forecast gain in the best offer one could make the other side
        that the walk-away's pressure buys (:meth:`walk_leverage`), discounted
        by patience over the weeks to a next summit, minus the rapport it
        spends. A declaration is
        worth the relief of the side's need for a win and the trust it builds,
        less for each earlier summit that ended without a deal, plus rapport.
        """
        s = self.state
        p = self.params
        a, b = (int(c) for c in self.summit_sides)
        mu = self.trust_matrix()
        wait = 0.5 * (p.tau_prep_min + p.tau_prep_max)
        earlier = max(self.summit.held - 1, 0)
        fatigue = p.declaration_fatigue**earlier
        out: dict[int, tuple[float, float]] = {}
        for c, o in ((a, b), (b, a)):
            li = int(self.leader_of[c])
            lo = int(self.leader_of[o])
            mem = self.members[c]
            w = self.ratification_weights(c)
            hawk_share = float(w[self.hawkish[mem]].sum() / max(float(w.sum()), 1e-12))
            deal_gain = gains[(c, o)] if gains is not None else self.deal_gain(c, o)
            now, after = self.walk_leverage(c, o, deal_gain)
            rapport = float(s.rapport[li, o])
            walk = (
                p.walk_audience * float(self.audience[c]) * hawk_share * (1.0 if c in rejected else 0.0)
                + p.walk_leverage * float(s.patience[li]) ** wait * (after - now)
                - p.theta_rapport * rapport
            )
            base = float(mu[lo, c])
            trust_gain = float(tr.expit(tr.logit(base) + p.declaration_gain)) - base
            need = float(self.pressure_weights[c, 1] * s.domestic[c])
            decl = p.declaration_value * fatigue * (need + (1 - float(s.stance[li])) * p.theta_t * trust_gain) + p.theta_rapport * rapport
            out[c] = (walk, decl)
        return out

    def _hold_summit(self, t: int) -> None:
        s = self.state
        p = self.params
        sm = self.summit
        a, b = (int(c) for c in self.summit_sides)
        la, lb = int(self.leader_of[a]), int(self.leader_of[b])
        names = (self.actor_ids[la], self.actor_ids[lb])
        sm.held += 1
        if sm.first_week < 0:
            sm.first_week = t
        sm.status, sm.offered_by, sm.week = "none", -1, -1
        self._log(t, "summit_held", names[0], names[1], "summit", detail=str(sm.held))
        mu = self.trust_matrix()
        perceived = {a: self.perceived_acceptance(a), b: self.perceived_acceptance(b)}
        # what each grid point is worth to each leader over no deal, the other's renege risk priced in
        gains = {(c, o): self.deal_gain(c, o) for c, o in ((a, b), (b, a))}
        offers: dict[int, int | None] = {}
        tau = max(p.sigma_w, 0.02)
        for c, o in ((a, b), (b, a)):
            # c's estimate that o ratifies q and finds it worth the risk
            p_accept = perceived[o] * tr.expit(gains[(o, c)] / tau)
            offers[c] = bg.best_offer(gains[(c, o)], s.win_sets[c], p_accept, p.theta_acc)
        sm.offers = dict(offers)
        floor_ok = min(mu[la, b], mu[lb, a]) >= p.mu_min
        accepted: list[tuple[float, int]] = []
        rejected: set[int] = set()  # sides that rejected the other's offer
        for c, o in ((a, b), (b, a)):
            q = offers[c]
            if q is None:
                continue
            # the receiver ratifies only inside its win-set, and accepts only if the deal, priced for
            # the risk that the proposer reneges, beats no deal (the commitment problem as a cost)
            gain_o = float(gains[(o, c)][q])
            if s.win_sets[o][q] and floor_ok and gain_o >= 0:
                joint = float(self.deal_utility(c)[q] + self.deal_utility(o)[q])
                accepted.append((-joint, q))
                continue
            rejected.add(o)
            if not s.win_sets[o][q]:
                bind = bg.binding_dimension(q, s.win_sets[o], self.grid, self.utility_weights[o].tolist(), self.dims)
                why = f"; binding: {bind}" if bind is not None else "; outside the win-set"
            elif not floor_ok:
                why = "; too little trust"
            else:
                why = f"; not worth the risk: {gain_o:.2f} against no deal"
            self._log(
                t,
                "offer_rejected",
                self.actor_ids[self.leader_of[c]],
                self.actor_ids[self.leader_of[o]],
                "summit",
                detail=self._describe_point(q) + why,
            )
        if accepted:
            accepted.sort()
            q = accepted[0][1]
            point = self.grid[q]
            cls = bg.classify_agreement(point, self.scenario.agreement, self.dims)
            if cls is not None:
                self.agreement = {"type": cls, "week": t, "point": {d: float(v) for d, v in zip(self.dims, point, strict=False)}}
                sm.results.append(f"agreement:{cls}")
                self._log(t, "agreement", names[0], names[1], "summit", detail=f"{cls}: {self._describe_point(q)}")
                self._success(t, declaration=False)
                return
        values = self.summit_values(frozenset(rejected), gains)
        sm.values = {self.actor_ids[self.leader_of[c]] + "." + k: v for c, (w, d) in values.items() for k, v in (("walk", w), ("decl", d))}
        R = s.rapport
        available = min(mu[la, b], mu[lb, a]) >= p.trust_decl and min(R[la, b], R[lb, a]) >= p.rapport_decl
        gaps = {c: values[c][0] - (values[c][1] if available else 0.0) for c in (a, b)}
        if (accepted and self.agreement is None) or (available and max(gaps.values()) <= 0):
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

    def _success(self, t: int, declaration: bool) -> None:
        """A summit success: audience-driven sides' need for a win resets; a declaration's letdown is booked."""
        s = self.state
        audience = ~self.elite
        s.domestic[audience] = 0.0
        self.summit.letdowns = [(w, c) for w, c in self.summit.letdowns if not audience[c]]
        if declaration:
            for c in np.flatnonzero(audience).tolist():
                self.summit.letdowns.append((t + self.params.letdown_weeks, int(c)))
        self._update_pressure_aggregate()

    def _blame(self, c: int, offer: int | None, t: int) -> None:
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

    def _describe_point(self, q: int) -> str:
        return ", ".join(f"{d}={v:.2f}" for d, v in zip(self.dims, self.grid[q], strict=False))

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

    # ---------------------------------------------------------------- logging
    def _log(self, t: int, kind: str, sender: str | None, receiver: str | None, source: str, detail: str = "", **extra: Any) -> None:
        text = sentence_for(
            kind, self.catalogue, sender=self._name(sender), receiver=self._name(receiver), detail=detail, week=t, date=self.date_of(t)
        )
        row = {
            "step": t,
            "date": self.date_of(t),
            "sender": sender or "",
            "receiver": receiver or "",
            "kind": kind,
            "source": source,
            "cost": 0.0,
            "trust_before": math.nan,
            "trust_after": math.nan,
            "trust_change": 0.0,
            "stance_change": 0.0,
            "pressure_change": 0.0,
            "detail": detail,
            "text": text,
        }
        row.update(extra)
        self._sink.append(row)

    def _name(self, actor: str | None) -> str:
        if actor is None:
            return ""
        i = self.index_of.get(actor)
        return self.actor_names[i] if i is not None else actor

    def _log_signal(self, sig: Signal, t: int, trust_before: float) -> None:
        """One event row for a delivered signal, with the effect metered while applying it."""
        kind = self.catalogue[sig.kind]
        sender_side = self._side_py[sig.sender]
        receiver = sig.receiver
        recv_name = self.actor_ids[receiver] if receiver >= 0 else self._principals_name
        date = self.date_of(t)
        text = sentence_for(
            sig.kind,
            self.catalogue,
            sender=self.actor_names[sig.sender],
            receiver=self.actor_names[receiver] if receiver >= 0 else "both principals",
            week=t,
            date=date,
        )
        self._sink.append(
            {
                "step": t,
                "date": date,
                "sender": self.actor_ids[sig.sender],
                "receiver": recv_name,
                "kind": sig.kind,
                "source": sig.source,
                "cost": float(kind.cost + kind.tie * (self.audience[sender_side] if sender_side >= 0 else 0.0)),
                "trust_before": trust_before,
                "trust_after": self._receiver_trust(sig),
                "trust_change": self._meter[0],
                "stance_change": self._meter[1],
                "pressure_change": self._meter[2],
                "detail": sig.note,
                "text": text,
            }
        )
