"""Building a run from its scenario (ODD 5, initialisation): actors, their state, the influence graph, the issue
space, the summit process and the Mesa agents.

A mixin of :class:`summitry.sim.engine.model.DiplomacyModel`. Unlike the step's mixins (``delivery``, ``summit``,
``state_updates``), whose methods read the model through ``self: DiplomacyModel``, these methods create the model's
attributes, so they run on ``self`` as this class: the attributes they assign are declared here, and what they read
from the model's constructor is annotated below. Where a build step needs the whole model (the agents, the decision
rule's tables, the recorder), it takes it through ``cast``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import NDArray

from summitry.agents import policy
from summitry.agents.base import DiplomaticAgent
from summitry.agents.faction import Faction
from summitry.agents.leader import Leader
from summitry.agents.third_party import ThirdParty
from summitry.sim.engine.batch import DeliveryBatch
from summitry.sim.engine.eventlog import SentenceRenderer
from summitry.sim.engine.outbox import KindCodes
from summitry.sim.engine.recorder import Recorder
from summitry.sim.engine.state import Pledge, State, SummitState
from summitry.sim.mechanisms import bargaining as bg
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.clock import Clock
from summitry.sim.mechanisms.influence import influence_graph, row_normalise, to_csr
from summitry.sim.mechanisms.limits import limit_spec, limits_matrix
from summitry.sim.mechanisms.parameters import ModelParameters
from summitry.sim.mechanisms.roles import DOVISH_ROLES, HAWKISH_ROLES, ROLES
from summitry.sim.mechanisms.signals import SignalKind
from summitry.sim.scenario.document import Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel


def _acceptance(acc: Any) -> dict[str, Any]:
    """A member's acceptance numbers as the build's row keys: g, b0, whether b follows stance, its stated limits."""
    return dict(g=acc.concession_weight, b0=acc.threshold, shift=acc.stance_shift, limits=limit_spec(acc))


def _traits(traits: Any, patience: float) -> dict[str, float]:
    """An actor's traits as the build's row keys (a faction's patience is its own field, not a trait)."""
    return dict(iota=traits.impulsiveness, psi=traits.ego, zeta=traits.risk_tolerance, delta=patience)


class ModelBuild:
    """The build steps of a run, as methods of the model (see the module docstring)."""

    # set by DiplomacyModel.__init__ before the build
    scenario: Scenario
    params: ModelParameters
    rng: np.random.Generator
    mode: str
    clock: Clock
    ablations: frozenset[str]
    null_rates: dict[str, dict[str, float]] | None
    series_stride: int
    catalogue: dict[str, SignalKind]

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

        def add(actor: Any, side: int, role: str, default_lam: float, **row: Any) -> None:
            ids.append(actor.id)
            names.append(actor.name)
            sides.append(side)
            roles.append(role)
            lam = actor.susceptibility if actor.susceptibility is not None else default_lam
            rows.append(dict(x=actor.stance, lam=lam, **row))

        for sid, side in sc.sides.items():
            c = side_index[sid]
            L = side.leader
            add(
                L,
                c,
                "leader",
                p.susceptibility_leader,
                omega=L.self_weight if side.factions else 1.0,
                **_acceptance(L.acceptance),
                eps=0.0,
                H=0.0,
                **_traits(L.traits, L.traits.patience),
                trust=L.trust,
                rapport=L.rapport,
            )
            for f in side.factions:
                add(
                    f,
                    c,
                    f.role,
                    p.susceptibility_hawks if f.role in HAWKISH_ROLES else p.susceptibility_doves,
                    omega=(1 - L.self_weight) * f.influence,
                    **_acceptance(f.acceptance),
                    eps=f.erosion_belief,
                    H=f.horizon,
                    **_traits(f.traits, f.patience),
                    trust=f.trust or L.trust,
                    veto=f.veto,
                )
        self.tp_index: dict[int, int] = {}
        for m, t in enumerate(sc.third_parties):
            self.tp_index[len(ids)] = m
            add(
                t,
                -1,
                t.role,
                p.susceptibility_leader,
                omega=0.0,
                g=1.0,
                b0=0.0,
                eps=0.0,
                H=0.0,
                **_traits(t.traits, t.traits.patience),
                trust=t.trust,
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
        # who belongs to a side, and each actor's side with third parties read as side 0 (masked by in_side): a
        # side's per-side values are spread over its members every step with these
        self.in_side = self.side_of >= 0
        self.own_side = np.maximum(self.side_of, 0)
        self.roles = np.asarray(roles, dtype=object)
        self.is_leader = self.roles == "leader"
        self.leader_of = np.array([self.index_of[sc.sides[s].leader.id] for s in self.side_ids], dtype=np.int64)
        self.summit_sides = np.array([side_index[s] for s in sc.summit.sides], dtype=np.int64)
        # the sides whose mean hostility is the tension (ODD 7.13): the belligerents, by default the summit sides; a side's
        # share is what one unit of its hostility adds to the tension
        self.tension_sides = np.array([side_index[s] for s in (sc.belligerents or sc.summit.sides)], dtype=np.int64)
        self.summit_sides_are_belligerents = set(sc.belligerents or sc.summit.sides) == set(sc.summit.sides)
        self.tension_share = np.zeros(C)
        self.tension_share[self.tension_sides] = 1.0 / self.tension_sides.size
        # co-negotiators: the sides at the table beside each summit side (ODD 7.19), and every one of them
        self.partners: dict[int, list[int]] = {side_index[c]: [side_index[p] for p in ps] for c, ps in sc.summit.partners.items()}
        self.table_partners = np.array(sorted(p for ps in self.partners.values() for p in ps), dtype=np.int64)
        principal_of = {p: c for c, ps in self.partners.items() for p in ps}
        # the side each side's actors face: the other summit side (a partner faces its principal's), or the first other side
        counter = np.zeros(C, dtype=np.int64)
        for c in range(C):
            seat = principal_of.get(c, c)
            if seat in self.summit_sides:
                counter[c] = int(self.summit_sides[self.summit_sides != seat][0])
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
        # the leaders' rapport with other sides built before step 0 (ODD 7.8); 0 elsewhere
        rapport0 = np.zeros((N, C))
        for i, r in enumerate(rows):
            for s, v in r.get("rapport", {}).items():
                rapport0[i, side_index[s]] = v
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
        # only roles that leak (patrons, spoilers) leak sanctions on their client or follow its patrons' enforcement
        self.tp_leaks = np.array([ROLES[t.role].leaks for t in tps], dtype=bool)
        self.tp_laxity = np.array([t.laxity if ROLES[t.role].leaks else 0.0 for t in tps], dtype=float)
        self.tp_guarantees = np.array([ROLES[t.role].guarantees for t in tps], dtype=bool)
        self.tp_budget = np.array([t.budget for t in tps], dtype=float)
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
            rapport=rapport0,
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
        cast("DiplomacyModel", self)._refresh_leader_rows()

    def _build_issue_space(self) -> None:
        """The issue grid, each side's gains, gives and unprotected exposure, and the ratification plans."""
        sc = self.scenario
        C = len(self.side_ids)
        sc_sides = [sc.sides[s] for s in self.side_ids]
        dims = [d.id for d in sc.issues]
        self.dims = dims
        self.grid = bg.issue_grid(len(dims), sc.grid_points)
        # grid points that are an agreement of some class (what a drafting mediator may table)
        self.agreement_points = bg.agreement_mask(self.grid, sc.agreement, self.dims).astype(float)
        self.gains = np.zeros((C, self.grid.shape[0]))
        self.gives = np.zeros((C, self.grid.shape[0]))
        self.exposure = np.zeros((C, self.grid.shape[0]))
        self.utility_weights = np.zeros((C, len(dims)))
        unprotected = np.array([1.0 - d.safeguard for d in sc.issues])
        for c, s in enumerate(sc_sides):
            w = [s.utility.get(d, 0.0) for d in dims]
            self.utility_weights[c] = w
            curvature = float(s.concession_curvature)
            self.gains[c], self.gives[c] = bg.split_utility(self.grid, w, curvature)
            # what side c loses, unprotected, if the other side reneges after c has given its part: its gives, valued
            # as it values giving, with each dimension's weight cut to the part no safeguard protects
            exposed = np.where(np.asarray(w, dtype=float) < 0, np.asarray(w, dtype=float) * unprotected, 0.0)
            self.exposure[c] = -bg.split_utility(self.grid, exposed.tolist(), curvature)[1]
        self.ratification = [bg.RatificationPlan(self.gains[c], self.gives[c]) for c in range(C)]
        # gains_c(q) / max gains_c, how much of what c wants each point gives it (``deal_gain``'s share): fixed for
        # the run, so computed once; read-only, as every step shares it
        self.gain_share = []
        for c in range(C):
            top = float(self.gains[c].max())
            share = self.gains[c] / top if top > 0 else np.zeros_like(self.gains[c])
            share.flags.writeable = False
            self.gain_share.append(share)
        # (3, grid): how far each point ends each pressure channel (economic, domestic, military) by the terms that
        # deliver a dimension declared to relieve it (ODD 7.19); None when no dimension relieves any
        self.relief_levels = bg.relief_levels(self.grid, [list(d.relieves) for d in sc.issues])
        # (actors, grid) mask of the points within each member's stated limits; None when nobody states any (ODD 7.1)
        self.limits = limits_matrix(self.grid, dims, self.limit_specs)
        # the share of the issue grid within each member's stated limits (1 without limits): how much of a lowered
        # threshold can widen the zone (the decision rule's dZ forecast, ODD 7.16)
        self.limit_share = np.ones(len(self.actor_ids)) if self.limits is None else self.limits.mean(axis=1).astype(float)
        self.members = [np.flatnonzero(self.side_of == c) for c in range(C)]
        # each side's hardliners (the elite's discontent reads their weight every step) and the guarantors
        # protecting it (Guarantees._guarantors_of): both fixed for the run
        self.hardliners = [mem[self.roles[mem] == "hardliner"] for mem in self.members]
        self.guarantors = [np.flatnonzero(self.tp_guarantees & ((self.tp_client == c) | (self.tp_client < 0))) for c in range(C)]

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
        self.summit_steps = sc.summit.steps
        self.pledges: list[Pledge] = [
            Pledge(side_index[pl.side], frozenset(pl.scope), pl.tie, -1, touted_by={self.index_of[a] for a in pl.touted_by})
            for pl in sc.pledges
        ]
        if self.pledges:
            self.first_pledge_week = 0
        self.scheduled_events: dict[int, list[Any]] = {}
        for ev in sc.events:
            week = ev.week if ev.week is not None else sc.week_of(ev.date)  # type: ignore[arg-type]
            if ev.effective_mode == "forcing" and self.mode != "forcing":
                continue
            self.scheduled_events.setdefault(week, []).append(ev)
        self._forced_summits = any(ev.kind == "summit" for evs in self.scheduled_events.values() for ev in evs)

    def _build_agents(self, ids: list[str], names: list[str], sides: list[int], roles: list[str]) -> None:
        model = cast("DiplomacyModel", self)  # the agents, the policy tables and the recorder take the whole model
        """The Mesa agents, the decision rule's tables, the recorder and the delivery caches."""
        C = len(self.side_ids)
        N = len(ids)
        # a faction's further roles (``also``): the signal kinds it may send besides its main role's
        also = {f.id: frozenset(f.also) for side in self.scenario.sides.values() for f in side.factions if f.also}
        self.also_roles: list[frozenset[str]] = [also.get(ids[i], frozenset()) for i in range(N)]
        self.agent_list: list[DiplomaticAgent] = []
        for i in range(N):
            cls: type[DiplomaticAgent]
            if roles[i] == "leader":
                cls = Leader
            elif sides[i] >= 0:
                cls = Faction
            else:
                cls = ThirdParty
            self.agent_list.append(cls(model, i, ids[i], names[i], sides[i], roles[i], also.get(ids[i], frozenset())))
        self.kinds = [k for k, v in self.catalogue.items() if v.chosen]
        self._chosen_index = {k: j for j, k in enumerate(self.kinds)}
        # kinds an agreement's terms forbid (ODD 7.20): sending one is checked against the terms in force
        imp = self.scenario.implementation
        self._term_kinds: frozenset[str] = frozenset(k for term in (imp.terms if imp else []) for k in term.kinds)
        self.static_feasible = policy.static_feasibility(model)
        self._null_table = policy.null_table(model, self.null_rates) if self.null_rates is not None else None
        # whose trust is worth recording: everyone outside side c; rapport: leaders and third parties
        self.trust_rows = [np.flatnonzero(self.side_of != c) for c in range(C)]
        self.rapport_rows = np.flatnonzero(self.is_leader | (self.side_of < 0))
        model._update_pressure_aggregate()
        model._recompute_bargaining()
        self.recorder = Recorder(model, stride=self.series_stride)
        self._u = np.zeros(N)
        self._vindication = np.zeros(N)
        self._received_affect = np.zeros(N)
        self._affect_counted = np.zeros(N)
        self._meter = [0.0, 0.0, 0.0]
        self._own = [0.0, 0.0, 0.0]
        self._batch: DeliveryBatch | None = None
        self._side_acc = np.zeros((3, C))
        # the largest catalogue cost among the conciliatory (row 0) and hostile (row 1) signals each side received since
        # its members' affect was last read, and each member's over the last week (ODD 7.8)
        self._received_cost = np.zeros((2, C))
        self._cost_days: list[FloatArray] = []
        self.affect_cost = np.zeros((2, N))
        # a kind an agreement forbids is delivered one by one, so that each is checked against the terms
        self._simple_kind = {name: model._is_simple(kind) and name not in self._term_kinds for name, kind in self.catalogue.items()}
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

        # the side's envoy: its first staff member, else the first member who also holds the staff role
        def envoy(c: int) -> int | None:
            staff = [int(i) for i in self.members[c] if self.roles[i] == "staff"]
            staff = staff or [int(i) for i in self.members[c] if "staff" in self.also_roles[i]]
            return staff[0] if staff else None

        self._first_staff = {c: envoy(c) for c in range(C)}
        self._principals_name = "+".join(self.actor_ids[self.leader_of[c]] for c in self.summit_sides)
        # initial values the ablations hold fixed (the trust priors are kept in the state already)
        self._frozen = {"stance": self.state.stance.copy(), "omega": self.state.omega.copy()}
        self.running = True
        if self.ablations:
            model._recompute_bargaining()

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
