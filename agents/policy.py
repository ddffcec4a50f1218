"""The decision rule (ODD 7.16-7.19): expected utility and logit quantal response.

Each agent i weighs every feasible action a = (signal kind, its receiver):

    EU_i(a) = (1 - x_i)[theta_T dmu(a) + theta_Z dZ(a)] + x_i theta_P dP(a)
              - c(a) - A_i a(a) p_renege - (1 - zeta_i) theta_R dE(a)
              + iota_i theta_aff aff_i(a) + theta_R' R_i 1[a conciliatory]

and picks with probability proportional to exp(Lambda_Q EU). The forecasts
(dmu, dZ, dP, dE) are made from the catalogue's data with i's view of the
state at week t; docs/ODD.md spells out each one. Everything here is
vectorised over agents: one pass per signal kind, never a loop over agents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from summitry.agents.faction import Faction
from summitry.agents.leader import Leader
from summitry.agents.third_party import ThirdParty
from summitry.sim.mechanisms import trust as tr
from summitry.sim.mechanisms.effects import EFFECTS
from summitry.sim.mechanisms.roles import FORCING_ROLES, THIRD_PARTY_ROLES
from summitry.sim.mechanisms.signals import SignalKind
from summitry.sim.numeric import clip

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

"""Roles that keep choosing in forcing mode (leaders' and third parties' moves are the record)."""


def valence(kind: SignalKind) -> float:
    """+1 for a conciliatory signal, -1 for a hostile one, 0 otherwise."""
    if kind.conciliatory:
        return 1.0
    if kind.trust.mode == "hostile" or (kind.trust.mode == "shift" and kind.trust.magnitude < 0):
        return -1.0
    return 0.0


def static_feasibility(model: DiplomacyModel) -> BoolArray:
    """A[i, k]: may agent i ever send kind k (role, capabilities, a receiver)? Column 0 is 'none'."""
    N = len(model.actor_ids)
    F = np.zeros((N, len(model.kinds) + 1), dtype=bool)
    F[:, 0] = True
    for i, agent in enumerate(model.agent_list):
        caps = model.capabilities[agent.side] if agent.side >= 0 else frozenset()
        for j, name in enumerate(model.kinds, start=1):
            kind = model.catalogue[name]
            F[i, j] = agent.may_send(kind, caps) and model.receiver_of(i, name) is not None
    return F


def _receiver_side(model: DiplomacyModel, kind: SignalKind) -> NDArray[np.int64]:
    side = model.side_of
    safe = np.maximum(side, 0)
    if kind.receiver == "own_leader":
        r = safe
    elif kind.receiver == "client":
        r = np.full(side.size, -1, dtype=np.int64)
        for idx, m in model.tp_index.items():
            r[idx] = model.tp_client[m]
    elif kind.receiver == "principals":
        r = np.full(side.size, int(model.summit_sides[0]), dtype=np.int64)
    else:
        r = model.counterpart_side[safe]
    return np.where(r >= 0, r, 0)


def _trust_shift(model: DiplomacyModel, kind: SignalKind, x_receiver: FloatArray, audience: FloatArray) -> FloatArray:
    p = model.params
    if kind.trust.mode == "reassuring":
        return tr.reassuring_shift(p.kappa, tr.effective_cost(kind.cost, kind.tie, audience) * kind.verification, p.phi, x_receiver)
    if kind.trust.mode == "hostile":
        return tr.hostile_shift(p.kappa_h, kind.trust.magnitude, p.phi, x_receiver)
    if kind.trust.mode == "shift":
        return np.asarray(tr.fixed_shift(kind.trust.magnitude, p.phi, x_receiver), dtype=float)
    return np.zeros_like(x_receiver)


def _effect_forecast(
    model: DiplomacyModel, kind: SignalKind, own: NDArray[np.int64], recv: NDArray[np.int64], omega_by_role: Any, stance_mass: Any
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(dZ, dP on the receiver, dE) forecast from a kind's effects, per agent.

    ``omega_by_role`` and ``stance_mass`` give the weight of the members an
    effect can move (:meth:`DiplomacyModel.omega_by_role`): a stance effect
    moves only thresholds that follow stance.
    """
    s = model.state
    p = model.params
    N = own.size
    dz = np.zeros(N)
    dp = np.zeros(N)
    de = np.zeros(N)
    w = model.pressure_weights
    for eff in kind.effects:
        side = own if eff.who == "sender" else recv
        roles = eff.roles
        d = eff.delta
        spec = EFFECTS[eff.var]
        rule = spec.forecast
        mass = (stance_mass if rule == "stance" else omega_by_role)(side, roles)
        # pressure lowers every member's threshold, so it widens the zone by the weight of the whole side whose
        # thresholds can move (each member's omega times its share inside its stated limits)
        side_mass = omega_by_role(side, None)
        if rule == "stance":
            dz += -p.alpha_x * d * mass
        elif rule in ("threshold", "demand"):
            dz += -d * (mass if rule == "threshold" else 1.0)
        elif rule == "pressure":
            ch = int(spec.channel or 0)
            dz += p.alpha_p * w[side, ch] * d * side_mass
            if eff.who == "receiver":
                dp += w[side, ch] * d
        elif rule == "sanctions":
            eff_d = d * (1 - s.leak[side])
            dz += p.alpha_p * w[side, 0] * eff_d * side_mass
            if eff.who == "receiver":
                dp += w[side, 0] * eff_d
        elif rule == "hostility":
            # what one unit of that side's hostility adds to the tension (0 for a side outside the belligerents)
            share = model.tension_share[side]
            de += d * share
            dp += w[recv, 2] * d * share
        elif rule == "credit" and eff.who == "receiver":
            dp -= w[side, 2] * d
    return dz, dp, de


def reciprocity_share(model: DiplomacyModel, rows: NDArray[np.int64], cost: FloatArray) -> FloatArray:
    """m_i(a) for ``rows`` x kinds of catalogue cost ``cost``: the share of i's affect a kind draws (ODD 7.16).

    Impulsive reciprocity matches value (specific reciprocity, Keohane 1986):
    a gesture invites a return of about its worth, so a kind that costs more
    than the dearest signal of the affect's valence that i received last
    week draws only that fraction of the affect,
    m = 1 - rho_m (1 - min(1, c_recv / c)); a kind that costs nothing draws
    all of it, and rho_m = 0 gives every kind all of it.

    >>> import numpy as np
    >>> from types import SimpleNamespace as NS
    >>> m = NS(params=NS(reciprocity_match=1.0), state=NS(affect=np.array([1.0])), affect_cost=np.array([[0.02], [0.0]]))
    >>> reciprocity_share(m, np.array([0]), np.array([0.02, 0.1, 0.0])).round(2).tolist()  # praise answered: praise, offer, lobby
    [[1.0, 0.2, 1.0]]
    """
    c = np.asarray(cost, dtype=float)[None, :]
    rho = float(model.params.reciprocity_match)
    if rho == 0:
        return np.ones((rows.size, c.shape[1]))
    received = np.where(model.state.affect[rows] >= 0, model.affect_cost[0, rows], model.affect_cost[1, rows])[:, None]
    paid = c > 0
    ratio = np.minimum(1.0, received / np.where(paid, c, 1.0))
    return np.asarray(np.where(paid, 1.0 - rho * (1.0 - ratio), 1.0), dtype=float)


def patience_discount(model: DiplomacyModel) -> FloatArray:
    """delta_i ** w: how much agent i's patience keeps of value that pays off at the next summit.

    w is the number of steps to the scheduled summit, or the mean preparation
    time when none is scheduled: building trust or widening the zone is worth
    something only when the leaders next meet.
    """
    sm = model.summit
    p = model.params
    if sm.status == "scheduled" and sm.week >= model.week:
        wait = float(sm.week - model.week)
    else:
        wait = 0.5 * (p.tau_prep_min + p.tau_prep_max)
    return np.asarray(model.state.patience**wait, dtype=float)


def _stirs_own_hawks(model: DiplomacyModel, kind: SignalKind) -> bool:
    """Whether a kind, or a kind it carries (a letter's parts), hardens the sender's own hawks."""
    return kind.stirs_own_hawks or any(model.catalogue[q].stirs_own_hawks for q in kind.parts)


EU_PARTS: tuple[str, ...] = (
    "activity",
    "trust",
    "zone",
    "pressure",
    "cost",
    "commitment",
    "separation",
    "risk",
    "affect",
    "rapport",
    "home",
    "placation",
    "summit",
    "pledge",
    "lobby",
    "third_party",
)
"""The named terms of the decision rule (ODD 7.16), in the order :func:`expected_utility_parts` sums them.

``activity`` is the value of doing nothing (column 0); ``commitment`` the
audience cost a tie risks (A a p_renege); ``separation`` the extra cost a
U-type leader bears for costly reassurance; ``home`` a concession's cost
with one's own hawks; ``summit`` the summit process (offers, acceptances,
cancellations, letters); ``pledge`` the cost of breaking one's own pledge
or an agreement's terms; ``third_party`` a mediator's, patron's or
spoiler's own value, which replaces every other term on their rows.
"""


def expected_utility_parts(model: DiplomacyModel) -> tuple[dict[str, FloatArray], BoolArray]:
    """Every term of EU[i, k] (:data:`EU_PARTS`, each an agents x (1 + kinds) table) and which actions are feasible now.

    The straightforward implementation of the decision rule, one kind at a
    time: the parts sum to :func:`expected_utilities_reference`, which
    :class:`PolicyTables` computes with precomputed tables (tests check they
    agree). ``summitry explain`` prints these parts for one agent.
    """
    s = model.state
    p = model.params
    N = len(model.actor_ids)
    K = len(model.kinds)
    parts = {name: np.zeros((N, K + 1)) for name in EU_PARTS}
    feasible = model.static_feasible.copy()
    parts["activity"][:, 0] = p.activity
    mu = model.trust_matrix()
    side = model.side_of
    own = np.maximum(side, 0)
    in_side = side >= 0
    x = s.stance
    sm = model.summit
    summit_side = np.isin(side, model.summit_sides)
    theta_t = p.theta_t * np.where(in_side & s.is_t[own], 2.0, 1.0)
    renege = np.where(s.is_t[own], p.renege_t, p.renege_u)
    audience = np.where(in_side, model.audience[own], 0.0)
    disc = patience_discount(model)
    untrustworthy = Leader.untrustworthy(model)
    active_pledge = {pl.side for pl in model.pledges if pl.active and pl.deal < 0}  # an agreement's terms leave pledging open
    tp_rows = np.flatnonzero(~in_side)
    obr = model.omega_by_role()
    obr_stance = model.omega_by_role(stance_moved=True)
    voice = Faction.voice(model)
    prospect = model.summit_prospect()
    opening = p.summit_relief if sm.held == 0 else 0.0  # the relief of opening talks: only before the first summit
    home = Leader.home_cost(model)
    placate = Leader.placation_value(model)
    zero = np.zeros(N)
    for j, name in enumerate(model.kinds, start=1):
        kind = model.catalogue[name]
        col = feasible[:, j]
        if not col.any():
            continue
        recv = _receiver_side(model, kind)
        rl = model.leader_of[recv]
        # the receiver leader's trust in my side, before and after
        base = mu[rl, own]
        shift = _trust_shift(model, kind, x[rl], audience)
        for part in kind.parts:
            shift = shift + _trust_shift(model, model.catalogue[part], x[rl], audience)
        dmu = np.where(in_side, tr.expit(tr.logit(base) + shift * voice) - base, 0.0)
        dz, dp, de = _effect_forecast(model, kind, own, recv, obr, obr_stance)
        for part in kind.parts:
            a, b, c = _effect_forecast(model, model.catalogue[part], own, recv, obr, obr_stance)
            dz, dp, de = dz + a, dp + b, de + c
        val = valence(kind)
        if kind.parts:
            val = 0.0
        term = {
            "trust": (1 - x) * disc * theta_t * dmu,
            "zone": (1 - x) * disc * p.theta_z * dz,
            "pressure": x * p.theta_p * dp,
            "cost": -kind.cost + zero,
            "commitment": -audience * kind.tie * renege,
            "separation": -np.where(untrustworthy, Leader.separation_cost(model, kind, audience), 0.0),
            "risk": -(1 - s.zeta) * p.theta_r * de,
            "affect": s.iota * p.theta_aff * s.affect * val * reciprocity_share(model, np.arange(N), np.array([kind.cost]))[:, 0],
            "rapport": p.theta_rapport * s.rapport[np.arange(N), recv] * (1.0 if kind.conciliatory else 0.0),
        }
        if _stirs_own_hawks(model, kind):
            term["home"] = -np.where(model.is_leader & in_side, home[own], 0.0) * kind.cost
        if kind.vindicates_sender == "hawks":
            # a move that proves one's own hawks right placates a discontented elite (ODD 7.16)
            term["placation"] = np.where(model.is_leader & in_side, placate[own], 0.0)
        # the summit process
        summit_value = (
            p.summit_weight * prospect[own]
            + opening * model.talks_relief_pressure()[own]
            - 0.5 * x * p.theta_p * (1 - mu[np.arange(N), recv])
        )
        if kind.summit == "offer":
            col &= summit_side & (sm.status == "none")
            term["summit"] = summit_value
        elif kind.summit == "accept":
            ok = (sm.status == "offered") & (own != sm.offered_by) | (sm.status == "cancelled")
            col &= summit_side & ok
            term["summit"] = summit_value + s.iota * p.theta_aff * 0.5
        elif kind.summit == "cancel":
            col &= summit_side & (sm.status == "scheduled")
            term["summit"] = -summit_value - p.theta_rapport * s.rapport[np.arange(N), recv] + s.iota * p.theta_aff * clip(-s.affect, 0, 1)
        elif kind.summit == "reinstate":
            # a letter puts a cancelled summit back on or answers the other side's pending offer
            ok = (sm.status == "offered") & (own != sm.offered_by) | (sm.status == "cancelled")
            term["summit"] = np.where(ok, summit_value, 0.0)
        if kind.test_class is not None or name in model._term_kinds:
            # breaking one's own pledge (or an agreement's term) realises its audience cost and a breach's loss of
            # trust (Fearon 1997)
            breach = zero.copy()
            for pl in model.pledges:
                if pl.active and pl.covers(name, kind.test_class):
                    mine = in_side & (own == pl.side)
                    loss = base - tr.expit(tr.logit(base) - p.kappa_b)
                    # an agreement's guarantors punish a breach of its terms (ODD 7.20)
                    penalty = model.breach_penalty(pl.side) if pl.deal >= 0 else 0.0
                    breach = breach - np.where(mine, audience * pl.tie + theta_t * loss + penalty, 0.0)
            term["pledge"] = breach
        if kind.pledge_scope is not None:
            col &= np.array([c not in active_pledge for c in own]) & in_side
        if name == "sanctions_tighten":
            col &= s.sanctions[recv] < 0.999
        if name == "sanctions_ease":
            col &= s.sanctions[recv] > 0.001
        if name == "lobby":
            leader_x = x[model.leader_of[own]]
            term["lobby"] = Faction.lobby_value(x, leader_x)
        for part_name, v in term.items():
            parts[part_name][:, j] = v
        # third parties act on their own goals
        if tp_rows.size:
            for part_name in EU_PARTS:
                parts[part_name][tp_rows, j] = 0.0
            parts["third_party"][tp_rows, j] = ThirdParty.value(model, kind, tp_rows, mu)
        feasible[:, j] = col
    return parts, feasible


def expected_utilities_reference(model: DiplomacyModel) -> tuple[FloatArray, BoolArray]:
    """EU[i, k] of every action for every agent, and which are feasible now: the sum of :func:`expected_utility_parts`.

    The straightforward implementation, one kind at a time; :class:`PolicyTables`
    computes the same numbers with precomputed tables (tests check they agree).
    """
    parts, feasible = expected_utility_parts(model)
    eu = np.zeros_like(parts["activity"])
    for name in EU_PARTS:
        eu += parts[name]
    return eu, feasible


def quantal_choice(eu: FloatArray, feasible: BoolArray, lambda_q: float, uniforms: FloatArray) -> NDArray[np.int64]:
    """Logit quantal response (McKelvey & Palfrey 1995), one uniform per agent.

    Inverse-CDF sampling with the agent's own uniform, so the choice does
    not depend on the order agents are visited in.

    >>> import numpy as np
    >>> eu = np.array([[0.0, 10.0], [0.0, -10.0]])
    >>> quantal_choice(eu, np.ones((2, 2), bool), 5.0, np.array([0.5, 0.5])).tolist()
    [1, 0]
    """
    # infeasible entries may hold -inf, which Lambda_Q 0 (a uniform choice) would turn into nan
    z = np.where(feasible, lambda_q * np.where(feasible, eu, 0.0), -np.inf)
    z = z - z.max(axis=1, keepdims=True)
    w = np.where(feasible, np.exp(z), 0.0)
    cdf = np.cumsum(w, axis=1)
    cdf /= cdf[:, -1:]
    choice = (cdf < uniforms[:, None]).sum(axis=1)
    return np.minimum(choice, eu.shape[1] - 1).astype(np.int64)


def choose(model: DiplomacyModel, uniforms: FloatArray, lambda_q: float, forcing: bool = False) -> NDArray[np.int64]:
    """Every agent's choice (0: nothing, k: kind k-1), drawn with its own uniform.

    The same as ``quantal_choice(*expected_utilities(model), lambda_q,
    uniforms)`` (with forcing mode's restriction applied to the feasible
    table), computed group by group on the columns each group can use:
    columns a row can never choose carry no weight in its cumulative
    distribution, so leaving them out changes no choice, and the full
    (agents x kinds) tables are never built.
    """
    tables = _tables(model)
    choice = np.zeros(len(model.actor_ids), dtype=np.int64)
    for rows, use, eu, feasible in tables.compute_blocks(model):
        if forcing:
            # leaders and third parties only send the record's forced signals
            feasible[~np.isin(model.roles[rows], list(FORCING_ROLES))] = False
            feasible[:, 0] = True
        choice[rows] = use[quantal_choice(eu, feasible, lambda_q, uniforms[rows])]
    return choice


def expected_utilities(model: DiplomacyModel) -> tuple[FloatArray, BoolArray]:
    """EU[i, k] of every action for every agent, and which are feasible now (fast path)."""
    return _tables(model).compute(model)


def _tables(model: DiplomacyModel) -> PolicyTables:
    tables: PolicyTables | None = getattr(model, "_policy_tables", None)
    if tables is None:
        tables = PolicyTables(model)
        model._policy_tables = tables
    return tables


class PolicyTables:
    """What of the decision rule is fixed for a run, precomputed as (agent, kind) tables.

    Everything that depends only on the catalogue, the parameters, the sides'
    audience costs and the leaders' types is folded into arrays once; a step
    then costs a few dozen array operations whatever the number of kinds.
    """

    def __init__(self, model: DiplomacyModel) -> None:
        p = model.params
        s = model.state
        kinds = [model.catalogue[k] for k in model.kinds]
        N, K = len(model.actor_ids), len(kinds)
        side = model.side_of
        own = np.maximum(side, 0)
        in_side = side >= 0
        self.own = own
        self.in_side = in_side
        self.recv = np.stack([_receiver_side(model, kd) for kd in kinds], axis=1) if K else np.zeros((N, 0), dtype=np.int64)
        self.rl = model.leader_of[self.recv]
        audience = np.where(in_side, model.audience[own], 0.0)
        self.roles = [*sorted(model.role_masks), "*"]
        role_col = {r: i for i, r in enumerate(self.roles)}
        R = len(self.roles)
        self.pos, self.neg, self.sep = (np.zeros((N, K)) for _ in range(3))
        # per (kind, role): zone effects times the role's mass; the _x tables hold stance effects, whose mass counts
        # only members whose thresholds follow stance
        self.dz_own, self.dz_recv, self.dz_own_x, self.dz_recv_x = (np.zeros((K, R)) for _ in range(4))
        self.dz_static, self.sanc_own, self.sanc_recv = (np.zeros((N, K)) for _ in range(3))
        # pressure terms on the sender's own side and on the receiving side, scaled each step by that side's mass
        self.press_own, self.press_recv = (np.zeros((N, K)) for _ in range(2))
        self.dp_static, self.dp_sanc, self.de = (np.zeros((N, K)) for _ in range(3))
        w = model.pressure_weights
        for j, kd in enumerate(kinds):
            recv = self.recv[:, j]
            for part in [kd, *[model.catalogue[q] for q in kd.parts]]:
                m = part.trust
                if m.mode == "reassuring":
                    self.pos[:, j] += p.kappa * (part.cost + part.tie * audience) * part.verification
                    self.sep[:, j] += p.kappa * (part.cost + part.tie * audience) * part.verification
                elif m.mode == "hostile":
                    self.neg[:, j] += -p.kappa_h * m.magnitude
                elif m.mode == "shift":
                    if m.magnitude >= 0:
                        self.pos[:, j] += m.magnitude
                    else:
                        self.neg[:, j] += m.magnitude
                for eff in part.effects:
                    mine = eff.who == "sender"
                    ref = own if mine else recv
                    table = self.dz_own if mine else self.dz_recv
                    cols = [role_col[r] for r in eff.roles if r in role_col] if eff.roles is not None else [role_col["*"]]
                    d = eff.delta
                    spec = EFFECTS[eff.var]
                    rule = spec.forecast
                    if rule == "stance":
                        table_x = self.dz_own_x if mine else self.dz_recv_x
                        for c in cols:
                            table_x[j, c] += -p.alpha_x * d
                    elif rule == "threshold":
                        for c in cols:
                            table[j, c] += -d
                    elif rule == "demand":
                        self.dz_static[:, j] += -d
                    elif rule == "pressure":
                        ch = int(spec.channel or 0)
                        (self.press_own if mine else self.press_recv)[:, j] += p.alpha_p * w[ref, ch] * d
                        if eff.who == "receiver":
                            self.dp_static[:, j] += w[ref, ch] * d
                    elif rule == "sanctions":
                        (self.sanc_own if mine else self.sanc_recv)[:, j] += p.alpha_p * w[ref, 0] * d
                        if eff.who == "receiver":
                            self.dp_sanc[:, j] += w[ref, 0] * d
                    elif rule == "hostility":
                        # what one unit of that side's hostility adds to the tension (0 outside the belligerents)
                        share = model.tension_share[ref]
                        self.de[:, j] += d * share
                        self.dp_static[:, j] += w[recv, 2] * d * share
                    elif rule == "credit" and eff.who == "receiver":
                        self.dp_static[:, j] -= w[ref, 2] * d
        renege = np.where(s.is_t[own], p.renege_t, p.renege_u)
        tie = np.array([kd.tie for kd in kinds])[None, :]
        self.cost = np.array([kd.cost for kd in kinds])[None, :] + audience[:, None] * tie * renege[:, None]
        # a U-type leader's extra cost of costly reassurance (Leader.separation_cost), and for every
        # leader the part of EU_T - EU_U that does not depend on the state (the type gap)
        self.leader = model.is_leader & in_side
        sep = self.sep / p.lambda_q if p.lambda_q > 0 else np.zeros((N, K))
        self.cost = self.cost + np.where(Leader.untrustworthy(model)[:, None], sep, 0.0)
        self.type_gap = np.where(self.leader[:, None], audience[:, None] * tie * (p.renege_u - p.renege_t) + sep, 0.0)
        self.valence = np.array([0.0 if kd.parts else valence(kd) for kd in kinds])
        self.concil = np.array([1.0 if kd.conciliatory else 0.0 for kd in kinds])
        self.price = np.array([kd.cost for kd in kinds])  # each kind's catalogue cost c, for reciprocity's match
        # the cost of each kind that stirs the sender's own hawks (a concession its coalition resents), 0 for the rest
        self.home = np.array([kd.cost if _stirs_own_hawks(model, kd) else 0.0 for kd in kinds])
        self.placate = np.array([1.0 if kd.vindicates_sender == "hawks" else 0.0 for kd in kinds])
        self.summit = {a: np.array([kd.summit == a for kd in kinds], dtype=bool) for a in ("offer", "accept", "cancel", "reinstate")}
        # kinds a pledge or an agreement's term can forbid: (column, test class, name)
        self.tests = [
            (j, kd.test_class, k)
            for j, (k, kd) in enumerate(zip(model.kinds, kinds, strict=True))
            if kd.test_class is not None or k in model._term_kinds
        ]
        self.pledge_kinds = [j for j, kd in enumerate(kinds) if kd.pledge_scope is not None]
        index = {k: j for j, k in enumerate(model.kinds)}
        self.tighten = index.get("sanctions_tighten")
        self.ease = index.get("sanctions_ease")
        self.lobby = index.get("lobby")
        self.tp_rows = np.flatnonzero(~in_side)
        self.tp_kinds = [(j, kd) for j, kd in enumerate(kinds) if set(kd.senders) & set(THIRD_PARTY_ROLES)]
        self.theta_t = p.theta_t * np.where(in_side & s.is_t[own], 2.0, 1.0)
        self.members = np.flatnonzero(in_side)
        self.member_side = side[self.members]
        self.side_role = self.member_side * R + np.array([role_col[r] for r in model.roles[self.members]], dtype=np.int64)
        self.summit_side = np.isin(side, model.summit_sides)
        self.static_feasible = model.static_feasible
        self._group_cache: list[_Group] | None = None

    def _mass(self, model: DiplomacyModel, stance_moved: bool = False) -> FloatArray:
        """The weight an effect can move (as :meth:`DiplomacyModel.omega_by_role`) of each (side, role) and of each side
        (last column), one bincount."""
        C, R = len(model.side_ids), len(self.roles)
        weight = model.state.omega * model.limit_share * (model.stance_shift if stance_moved else 1.0)
        by_role: FloatArray = np.bincount(self.side_role, weights=weight[self.members], minlength=C * R).astype(float).reshape(C, R)
        by_role[:, -1] = np.bincount(self.member_side, weights=weight[self.members], minlength=C)
        return by_role

    def _groups(self, model: DiplomacyModel) -> list[_Group]:
        """Rows split into factions (few kinds each) and the rest, with their tables sliced once."""
        if self._group_cache is None:
            K = self.recv.shape[1]
            is_faction = self.in_side & ~model.is_leader
            groups = []
            # splitting pays only when factions are many; small models keep one block
            blocks = (np.flatnonzero(~is_faction), np.flatnonzero(is_faction)) if is_faction.sum() > 256 else (np.arange(is_faction.size),)
            for rows in blocks:
                if rows.size == 0:
                    continue
                cols = np.flatnonzero(model.static_feasible[rows, 1:].any(axis=0)) if rows.size else np.arange(K)
                groups.append(_Group.of(self, rows, cols))
            self._group_cache = groups
        return self._group_cache

    def compute_blocks(self, model: DiplomacyModel) -> list[tuple[NDArray[np.int64], NDArray[np.int64], FloatArray, BoolArray]]:
        """Per group: (rows, EU columns, EU, feasible), the columns being nothing (0) and the group's kinds.

        As a side effect, the leaders' type evidence of this state is stored on
        the model (:meth:`Leader.type_evidence`)."""
        p = model.params
        mu = model.trust_matrix()
        M = self._mass(model)
        Mx = self._mass(model, stance_moved=True)
        out = []
        for g in self._groups(model):
            value, f = _compute_group(model, g, mu, M, Mx)
            eu = np.empty((g.rows.size, g.cols.size + 1))
            eu[:, 0] = p.activity
            eu[:, 1:] = value
            feasible = np.empty(eu.shape, dtype=bool)
            feasible[:, 0] = g.feasible0
            feasible[:, 1:] = f
            use = g.use
            out.append((g.rows, use, eu, feasible))
            if g.last_gap is not None and g.any_leader:
                gap = np.zeros(eu.shape)
                gap[:, 1:] = g.last_gap
                Leader.store_type_evidence(model, g.leader_rows, use, eu[g.leader], feasible[g.leader], gap[g.leader])
        return out

    def compute(self, model: DiplomacyModel) -> tuple[FloatArray, BoolArray]:
        """EU and feasibility of every (agent, kind); each group computes only its own kinds."""
        N, K = self.recv.shape
        eu = np.zeros((N, K + 1))
        eu[:, 0] = model.params.activity
        feasible = model.static_feasible.copy()
        for rows, use, e, f in self.compute_blocks(model):
            eu[rows[:, None], use[None, 1:]] = e[:, 1:]
            feasible[rows[:, None], use[None, 1:]] = f[:, 1:]
        return eu, feasible


@dataclass
class _Group:
    """A block of rows (agents) and the columns (kinds) any of them may ever send."""

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    own: NDArray[np.int64]
    in_side: BoolArray
    recv: NDArray[np.int64]
    rl: NDArray[np.int64]
    tables: dict[str, FloatArray]
    col: dict[str, Any]
    summit_side: BoolArray
    theta_t: FloatArray
    tp_local: NDArray[np.int64]
    leader: BoolArray
    # what follows depends only on the rows and columns: sliced once, not every step
    ks: NDArray[np.int64]  # (1, columns): each column's position, to gather per (row, column)
    static_f: BoolArray  # (rows, columns): the static feasibility, copied each step before the state's restrictions
    feasible0: BoolArray  # the static feasibility of doing nothing (column 0)
    use: NDArray[np.int64]  # EU columns: nothing (0) and the group's kinds
    leader_rows: NDArray[np.int64]
    any_leader: bool
    last_gap: FloatArray | None = None

    @classmethod
    def of(cls, t: PolicyTables, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> _Group:
        ix = np.ix_(rows, cols)
        local = {int(c): j for j, c in enumerate(cols)}
        tables = {
            name: getattr(t, name)[ix]
            for name in (
                "pos",
                "neg",
                "dz_static",
                "sanc_own",
                "sanc_recv",
                "press_own",
                "press_recv",
                "dp_static",
                "dp_sanc",
                "de",
                "cost",
                "type_gap",
            )
        }
        col = {
            "dz_own": t.dz_own[cols],
            "dz_recv": t.dz_recv[cols],
            "dz_own_x": t.dz_own_x[cols],
            "dz_recv_x": t.dz_recv_x[cols],
            "valence": t.valence[cols],
            "price": t.price[cols],
            "concil": t.concil[cols],
            "home": t.home[cols],
            "placate": t.placate[cols],
            "summit": {a: m[cols] for a, m in t.summit.items()},
            "any_summit": any(bool(m[cols].any()) for m in t.summit.values()),
            "any_placate": bool(t.placate[cols].any()),
            "tests": [(local[j], c, k) for j, c, k in t.tests if j in local],
            "pledge_kinds": [local[j] for j in t.pledge_kinds if j in local],
            "tighten": local.get(t.tighten) if t.tighten is not None else None,
            "ease": local.get(t.ease) if t.ease is not None else None,
            "lobby": local.get(t.lobby) if t.lobby is not None else None,
            "tp_kinds": [(local[j], kd) for j, kd in t.tp_kinds if j in local],
        }
        tp_local = np.flatnonzero(~t.in_side[rows])
        return cls(
            rows,
            cols,
            t.own[rows],
            t.in_side[rows],
            t.recv[ix],
            t.rl[ix],
            tables,
            col,
            t.summit_side[rows],
            t.theta_t[rows],
            tp_local,
            t.leader[rows],
            np.arange(cols.size)[None, :],
            t.static_feasible[rows[:, None], cols[None, :] + 1],
            t.static_feasible[rows, 0],
            np.concatenate([[0], cols + 1]),
            rows[t.leader[rows]],
            bool(t.leader[rows].any()),
        )


def _compute_group(model: DiplomacyModel, g: _Group, mu: FloatArray, M: FloatArray, Mx: FloatArray) -> tuple[FloatArray, BoolArray]:
    s = model.state
    p = model.params
    rows, own, recv, in_side, tb, col = g.rows, g.own, g.recv, g.in_side, g.tables, g.col
    x_all = s.stance
    x = x_all[rows]
    base = mu[g.rl, own[:, None]]
    xr = x_all[g.rl]
    shift = (tb["pos"] * (1 - p.phi * xr) + tb["neg"] * (1 + p.phi * xr)) * Faction.voice(model)[rows][:, None]
    dmu = np.where(in_side[:, None], tr.expit(tr.logit(base) + shift) - base, 0.0)
    keep = 1 - s.leak
    # M holds one row per side: combine the (few) sides with the kinds first, then gather
    ks = g.ks
    dz = (M @ col["dz_own"].T)[own] + np.einsum("cr,kr->ck", M, col["dz_recv"])[recv, ks] + tb["dz_static"]
    dz = dz + (Mx @ col["dz_own_x"].T)[own] + np.einsum("cr,kr->ck", Mx, col["dz_recv_x"])[recv, ks]
    side_mass = M[:, -1]
    dz = dz + (tb["sanc_own"] * keep[own][:, None] + tb["press_own"]) * side_mass[own][:, None]
    dz = dz + (tb["sanc_recv"] * keep[recv] + tb["press_recv"]) * side_mass[recv]
    dp = tb["dp_static"] + tb["dp_sanc"] * keep[recv]
    rr = rows[:, None]
    rapport = s.rapport[rr, recv]
    disc = patience_discount(model)[rows]
    value = ((1 - x) * disc)[:, None] * (g.theta_t[:, None] * dmu + p.theta_z * dz) + x[:, None] * p.theta_p * dp
    value -= tb["cost"]
    # EU_T - EU_U of each leader's action: T types value the other's trust twice as much (theta_T doubled)
    gap = tb["type_gap"] + np.where(g.leader[:, None], ((1 - x) * disc * p.theta_t)[:, None] * dmu, 0.0)
    value -= ((1 - s.zeta[rows]) * p.theta_r)[:, None] * tb["de"]
    value += (s.iota[rows] * p.theta_aff * s.affect[rows])[:, None] * col["valence"][None, :] * reciprocity_share(model, rows, col["price"])
    value += p.theta_rapport * rapport * col["concil"][None, :]
    if p.theta_home:
        # a leader's concession that stirs its own hawks costs it at home (ODD 7.16)
        value -= np.where(g.leader, Leader.home_cost(model)[own], 0.0)[:, None] * col["home"][None, :]
    if p.theta_placate and col["any_placate"]:
        # a move that proves one's own hawks right placates a discontented elite (ODD 7.16)
        value += np.where(g.leader, Leader.placation_value(model)[own], 0.0)[:, None] * col["placate"][None, :]
    f = g.static_f.copy()
    summit = col["summit"]
    if col["any_summit"]:
        Leader.summit_terms(model, rows, own, g.summit_side, mu[rr, recv], rapport, summit, value, f)
    pledges = [pl for pl in model.pledges if pl.active]
    if pledges:
        pledged_side = np.zeros(len(model.side_ids), dtype=bool)
        pledged_side[[pl.side for pl in pledges if pl.deal < 0]] = True  # an agreement's terms leave pledging open
        pledged = pledged_side[own] & in_side  # own is -1 outside sides, masked by in_side
        for j in col["pledge_kinds"]:
            f[:, j] &= ~pledged
        for j, cls, name in col["tests"]:
            for pl in pledges:
                if pl.covers(name, cls):
                    b = base[:, j]
                    loss = b - tr.expit(tr.logit(b) - p.kappa_b)
                    mine = in_side & (own == pl.side)
                    penalty = model.breach_penalty(pl.side) if pl.deal >= 0 else 0.0
                    value[:, j] -= np.where(mine, model.audience[own] * pl.tie + g.theta_t * loss + penalty, 0.0)
                    gap[:, j] -= np.where(mine & g.leader, p.theta_t * loss, 0.0)
    else:
        for j in col["pledge_kinds"]:
            f[:, j] &= in_side
    if col["tighten"] is not None:
        f[:, col["tighten"]] &= s.sanctions[recv[:, col["tighten"]]] < 0.999
    if col["ease"] is not None:
        f[:, col["ease"]] &= s.sanctions[recv[:, col["ease"]]] > 0.001
    if col["lobby"] is not None:
        value[:, col["lobby"]] += Faction.lobby_value(x, x_all[model.leader_of[own]])
    if g.tp_local.size:
        tp_rows = rows[g.tp_local]
        value[g.tp_local] = -np.inf
        for j, kd in col["tp_kinds"]:
            value[g.tp_local, j] = ThirdParty.value(model, kd, tp_rows, mu)
    g.last_gap = gap
    return value, f


def null_table(model: DiplomacyModel, rates: dict[str, dict[str, float]]) -> FloatArray:
    """P[i, k]: weekly probability that actor i sends kind k in the null model (column 0: nothing)."""
    N, K = len(model.actor_ids), len(model.kinds)
    table = np.zeros((N, K + 1))
    index = {k: j for j, k in enumerate(model.kinds, start=1)}
    for actor, kinds in rates.items():
        i = model.index_of.get(actor)
        if i is None:
            continue
        for kind, p in kinds.items():
            if kind in index:
                table[i, index[kind]] = max(0.0, float(p))
    total = table[:, 1:].sum(axis=1)
    table[:, 0] = np.maximum(1.0 - total, 0.0)
    return table


def random_choice(table: FloatArray, feasible: BoolArray, uniforms: FloatArray) -> NDArray[np.int64]:
    """Sample each actor's kind from fixed rates, restricted to what is feasible now.

    >>> import numpy as np
    >>> t = np.array([[0.5, 0.5], [1.0, 0.0]])
    >>> random_choice(t, np.ones((2, 2), bool), np.array([0.9, 0.9])).tolist()
    [1, 0]
    """
    w = np.where(feasible, table, 0.0)
    w[:, 0] = np.where(w.sum(axis=1) > 0, w[:, 0], 1.0)
    cdf = np.cumsum(w, axis=1)
    cdf /= cdf[:, -1:]
    choice = (cdf < uniforms[:, None]).sum(axis=1)
    return np.minimum(choice, table.shape[1] - 1).astype(np.int64)
