"""A fast slice of mutation testing for ``make test``: hand-written mutants of the mechanisms must fail their tests.

Each case rewrites one expression of the source in a temporary copy of the
package (a sign flipped, min and max swapped, a mechanism made a no-op, a
parameter ignored) and runs the focused tests (:data:`FOCUSED`) against the copy: the run must fail. A control run of the
unmutated copy must pass, so a failure is the mutant's doing. Each run is a child forked from one server process per test
process (``tests/mutant_server.py``), which holds the third-party imports but has never imported summitry, so the child
imports the copy afresh, as a new interpreter with the copy on ``PYTHONPATH`` would, without paying numpy's, pandas' and
pytest's start-up each time; every run checks that the package it tested was the copy. The full run
over every mutant mutmut generates is ``make mutate``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the test files each mutant's -k expression selects from (paths below tests/)
FOCUSED = (
    "sim/mechanisms/test_mechanisms.py",
    "sim/engine/test_summit_mechanisms.py",
    "sim/mechanisms/test_effects.py",
    "sim/mechanisms/test_roles.py",
    "sim/mechanisms/test_contrarian.py",
    "sim/mechanisms/test_veto.py",
    "sim/mechanisms/test_member_fields.py",
    "sim/engine/test_summit_prospect.py",
    "sim/engine/test_summit_resolution.py",
    "sim/engine/test_mediator_text.py",
    "agents/test_behaviour.py",
    "sim/mechanisms/test_concession_curvature.py",
    "agents/test_policy_fast_path.py",
    "sim/engine/test_agreement_life.py",
    "sim/engine/test_partners.py",
    "agents/test_also_roles.py",
    "sim/engine/test_summit_session.py",
    "sim/engine/test_guarantees.py",
    "agents/test_placation.py",
    "sim/engine/test_relief.py",
    "agents/test_home_cost.py",
)

# (id, file, original text (exactly once in the file), mutated text, -k expression of the focused test files)
MUTANTS = [
    # the commitment problem: trust ignored (a cliff-free constant risk), the renege loss added instead of subtracted,
    # safeguards ignored
    (
        "renege-trust-ignored",
        "sim/mechanisms/bargaining.py",
        "return float(trust * renege_t + (1.0 - trust) * renege_u)",
        "return float(max(renege_t, renege_u))",
        "renege or safeguards",
    ),
    (
        "commitment-sign",
        "sim/mechanisms/bargaining.py",
        "utility, dtype=float) - risk * np.asarray(exposure",
        "utility, dtype=float) + risk * np.asarray(exposure",
        "commitment_value",
    ),
    ("safeguard-ignored", "sim/engine/build.py", "dtype=float) * unprotected, 0.0)", "dtype=float) * 1.0, 0.0)", "safeguards"),
    # a deal relieving pressure whatever it gives the side
    ("relief-ignored", "sim/engine/summit.py", "- self.no_deal_value(c) * share", "- self.no_deal_value(c)", "relieves"),
    # terms that end a pressure: the channel's relief ignored, or granted whatever the deal delivers
    (
        "terms-relieve-nothing",
        "sim/mechanisms/bargaining.py",
        "out = out + weights[k] * channels[k] * np.maximum(levels[k] - share, 0.0)",
        "out = out + 0.0 * weights[k] * channels[k] * np.maximum(levels[k] - share, 0.0)",
        "fighting or declared_channel",
    ),
    (
        "terms-relieve-all",
        "sim/mechanisms/bargaining.py",
        "out = out + weights[k] * channels[k] * np.maximum(levels[k] - share, 0.0)",
        "out = out + weights[k] * channels[k] * np.maximum(1.0 - share, 0.0)",
        "fighting or declared_channel",
    ),
    # a concession's cost at home: ignored, blind to the hawks' weight, or paid by every member
    (
        "home-cost-ignored",
        "agents/policy.py",
        "        value -= np.where(g.leader, Leader.home_cost",
        "        value -= 0.0 * np.where(g.leader, Leader.home_cost",
        "concession",
    ),
    (
        "placation-sign",
        "agents/policy.py",
        'value += np.where(g.leader, Leader.placation_value(model)[own], 0.0)[:, None] * col["placate"]',
        'value -= np.where(g.leader, Leader.placation_value(model)[own], 0.0)[:, None] * col["placate"]',
        "discontent",
    ),
    (
        "placation-relief-no-op",
        "sim/engine/delivery.py",
        "s.domestic[sender_side] = 0.0",
        "s.domestic[sender_side] = s.domestic[sender_side]",
        "discontent",
    ),
    (
        "walk-away-offer-sign",
        "sim/engine/summit.py",
        "s.unreciprocated[c] += -float(self.gives[c, tabled])",
        "s.unreciprocated[c] += float(self.gives[c, tabled])",
        "unreciprocated",
    ),
    (
        "home-cost-hawks-ignored",
        "agents/leader.py",
        "out[c] = p.theta_home * float(model.audience[c]) * hawks[c] / total[c]",
        "out[c] = p.theta_home * float(model.audience[c])",
        "concession or hawks_weight",
    ),
    (
        "home-cost-everyone",
        "agents/policy.py",
        "value -= np.where(g.leader, Leader.home_cost(model)[own], 0.0)",
        "value -= np.where(g.in_side, Leader.home_cost(model)[own], 0.0)",
        "concession",
    ),
    # who walks: the smaller gap instead of the larger; a declaration when either (not both) prefers it
    # a summit's forecast outcome ignored; the worse of deal and declaration taken; the opening relief kept for later summits
    (
        "prospect-ignored",
        "agents/leader.py",
        "(p.summit_weight * model.summit_prospect()[own]",
        "(0.0 * model.summit_prospect()[own]",
        "carries",
    ),
    (
        "prospect-min",
        "sim/engine/summit.py",
        "out[c] = max(deal, decl[c] if available else 0.0)",
        "out[c] = min(deal, decl[c] if available else 0.0)",
        "prospect",
    ),
    (
        "fatigue-forgets-the-last-summit",
        "sim/engine/summit.py",
        "earlier = self.summit.held if upcoming else",
        "earlier = max(self.summit.held - 1, 0) if upcoming else",
        "fatigued",
    ),
    (
        "opening-always",
        "agents/leader.py",
        "opening = p.summit_relief if sm.held == 0 else 0.0\n        summit_value",
        "opening = p.summit_relief\n        summit_value",
        "opening",
    ),
    # opening talks with a broker relieving the war's military pressure too
    (
        "relief-military-always",
        "sim/engine/state_updates.py",
        "if self.summit_sides_are_belligerents:\n            return s.pressure",
        "if True:\n            return s.pressure",
        "broker",
    ),
    ("walker-min", "sim/engine/summit.py", "walker = a if gaps[a] >= gaps[b] else b", "walker = a if gaps[a] <= gaps[b] else b", "walks"),
    ("declaration-any", "sim/engine/summit.py", "max(gaps.values()) <= 0", "min(gaps.values()) <= 0", "walks or declaration or walk_away"),
    # the walker's outlook reversed: hawks expecting coercion to fail
    (
        "outlook-sign",
        "sim/engine/summit.py",
        "coercion = p.alpha_p * dp * (1 + p.phi * xw)",
        "coercion = p.alpha_p * dp * (1 - p.phi * xw)",
        "hawkish_walker",
    ),
    # the binding dimension: the largest move instead of the smallest
    ("binding-max", "sim/mechanisms/bargaining.py", "need < best[0] - 1e-12", "need > best[0] + 1e-12", "binding"),
    # a side's curved cost of giving ignored (every side linear) and the curve dropped from the exposure
    ("curvature-ignored", "sim/engine/build.py", "curvature = float(s.concession_curvature)", "curvature = 1.0", "curvature"),
    (
        "curvature-not-exposed",
        "sim/engine/build.py",
        "bg.split_utility(self.grid, exposed.tolist(), curvature)",
        "bg.split_utility(self.grid, exposed.tolist())",
        "curvature",
    ),
    # on equal moves, the concession the receiver values less instead of more
    ("binding-tie-worse", "sim/mechanisms/bargaining.py", "worth > best[1] + 1e-12", "worth < best[1] - 1e-12", "binding"),
    # the registries: an effect forecast on the wrong pressure channel; the military no longer hawkish;
    # leaders choosing their own moves when the record is forced
    (
        "effect-channel",
        "sim/mechanisms/effects.py",
        '"pressure.domestic": EffectSpec("pressure", 1,',
        '"pressure.domestic": EffectSpec("pressure", 0,',
        "coerce_by_the_channel",
    ),
    (
        "role-leaning",
        "sim/mechanisms/roles.py",
        '"military": RoleSpec("faction", "hawkish",',
        '"military": RoleSpec("faction", "neutral",',
        "leaning_column",
    ),
    (
        "forcing-roles",
        "sim/mechanisms/roles.py",
        '"leader": RoleSpec("leader", "neutral", False,',
        '"leader": RoleSpec("leader", "neutral", True,',
        "forcing_mode_lets",
    ),
    # hardliners learning that sanctions erode in the wrong direction
    ("erosion-sign", "sim/mechanisms/pressure.py", "belief + rate * (target - belief)", "belief - rate * (target - belief)", "erosion"),
    # patience ignored by the decision rule; U types not paying for costly reassurance
    ("patience-ignored", "agents/policy.py", '"trust": (1 - x) * disc * theta_t * dmu,', '"trust": (1 - x) * theta_t * dmu,', "patience"),
    (
        "patience-ignored-zone",
        "agents/policy.py",
        '"zone": (1 - x) * disc * p.theta_z * dz,',
        '"zone": (1 - x) * p.theta_z * dz,',
        "patience",
    ),
    (
        "separation-noop",
        "agents/policy.py",
        "self.cost = self.cost + np.where(Leader.untrustworthy(model)[:, None], sep, 0.0)",
        "self.cost = self.cost + 0.0 * np.where(Leader.untrustworthy(model)[:, None], sep, 0.0)",
        "separates",
    ),
    # pressure widening the zone by the whole side, as if no member had stated limits (the fast path that runs the model)
    (
        "pressure-ignores-limits",
        "agents/policy.py",
        'dz = dz + (tb["sanc_recv"] * keep[recv] + tb["press_recv"]) * side_mass[recv]',
        'dz = dz + (tb["sanc_recv"] * keep[recv] + tb["press_recv"]) * 1.0',
        "fast_path_equals_reference_on_builtin",
    ),
    # the replicator's sign: vindicated factions would lose weight
    ("replicator-sign", "sim/engine/state_updates.py", "np.exp(eta * v)", "np.exp(-eta * v)", "replicator or vindicated"),
    # blame as a no-op, and blame falling on the lightest backer instead of the heaviest
    ("blame-noop", "sim/engine/summit.py", "s.omega[target] *= 0.5", "s.omega[target] *= 1.0", "blame"),
    (
        "blame-argmin",
        "sim/engine/summit.py",
        "target = int(pool[np.argmax(s.omega[pool])])",
        "target = int(pool[np.argmin(s.omega[pool])])",
        "blame",
    ),
    # the summit's resolution (tests/sim/engine/test_summit_resolution.py): the smaller joint utility signed; indifference
    # refused; the trust floor read on the more trusting leader; a declaration costing trust; frozen factions
    # blamed anyway; every summit counted as the first; perception as sharp after envoys as before
    (
        "signed-smaller-joint",
        "sim/engine/summit.py",
        "key=lambda q: (-self.joint_utility(q), q)",
        "key=lambda q: (self.joint_utility(q), q)",
        "joint_utility",
    ),
    ("indifference-refuses", "sim/engine/summit.py", "floor_ok and gain_o >= 0", "floor_ok and gain_o > 0", "exactly_nothing"),
    (
        "trust-floor-max",
        "sim/engine/summit.py",
        "floor_ok = min(mu[la, b], mu[lb, a]) >= p.mu_min",
        "floor_ok = max(mu[la, b], mu[lb, a]) >= p.mu_min",
        "trust_floor",
    ),
    (
        "declaration-costs-trust",
        "sim/engine/summit.py",
        "np.array([li]), other, np.array([p.declaration_gain])",
        "np.array([li]), other, np.array([-p.declaration_gain])",
        "outside_every_agreement_class",
    ),
    (
        "blame-despite-frozen-factions",
        "sim/engine/summit.py",
        'if self.rng.random() < p.p_blame and "factions" not in self.ablations:',
        "if self.rng.random() < p.p_blame:",
        "never_blamed",
    ),
    ("every-summit-first", "sim/engine/summit.py", "        if sm.first_week < 0:\n", "        if True:\n", "books_its_count"),
    (
        "week-zero-not-first",
        "sim/engine/summit.py",
        "        if sm.first_week < 0:\n",
        "        if sm.first_week <= 0:\n",
        "books_its_count",
    ),
    (
        "joint-difference",
        "sim/engine/summit.py",
        "joint = float(self.deal_utility(a)[q] + self.deal_utility(b)[q])",
        "joint = float(self.deal_utility(a)[q] - self.deal_utility(b)[q])",
        "joint_utility",
    ),
    (
        "acceptance-temperature",
        "sim/engine/summit.py",
        "tau = max(p.sigma_w * math.exp(s.perception_log), 0.02)",
        "tau = max(p.sigma_w * math.exp(s.perception_log), 1.02)",
        "wider_perception_temperature",
    ),
    # rapport counted twice against walking away (it belongs to the declaration's side only)
    (
        "rapport-twice",
        "sim/engine/summit.py",
        "walk = resolve + leverage",
        "walk = resolve + leverage - p.theta_rapport * float(s.rapport[li, o])",
        "rapport_counts_once",
    ),
    ("walk-away-to-oneself", "sim/engine/summit.py", "other = b if walker == a else a", "other = b if walker != a else a", "lands_on"),
    (
        "walk-away-softens",
        "sim/engine/summit.py",
        "s.stance = clip(s.stance + self._u, 0, 1)",
        "s.stance = clip(s.stance - self._u, 0, 1)",
        "lands_on",
    ),
    (
        "agreement-letdown",
        "sim/engine/summit.py",
        "self._success(t, declaration=False)",
        "self._success(t, declaration=True)",
        "no_letdown",
    ),
    ("indifference-walks", "sim/engine/summit.py", "max(gaps.values()) <= 0", "max(gaps.values()) < 0", "at_the_edges"),
    (
        "declaration-value-ignored",
        "sim/engine/summit.py",
        "values[c][0] - (values[c][1] if available else 0.0)",
        "values[c][0] - 0.0",
        "walk_or_declare",
    ),
    (
        "perception-state-ignored",
        "sim/engine/summit.py",
        "sigma = self.params.sigma_w * math.exp(s.perception_log)",
        "sigma = self.params.sigma_w",
        "perception_noise",
    ),
    # coercion reversed: pressure would raise thresholds
    ("coercion-sign", "sim/mechanisms/bargaining.py", "- alpha_p * pressure", "+ alpha_p * pressure", "pressure"),
    # the decision rule ignoring its precision Lambda_Q
    (
        "lambda-ignored",
        "agents/policy.py",
        "z = np.where(feasible, lambda_q * np.where(feasible, eu, 0.0), -np.inf)",
        "z = np.where(feasible, np.where(feasible, eu, 0.0), -np.inf)",
        "quantal",
    ),
    # infeasible actions keeping their weight
    ("feasible-ignored", "agents/policy.py", "w = np.where(feasible, np.exp(z), 0.0)", "w = np.exp(np.where(feasible, z, 0.0))", "quantal"),
    # Friedkin-Johnsen with susceptibility and stubbornness swapped
    ("fj-swap", "sim/mechanisms/influence.py", "out = lam * wx + (1 - lam) * x0", "out = (1 - lam) * wx + lam * x0", "fj"),
    # veto players without a veto
    ("veto-ignored", "sim/engine/state_updates.py", "            if vetoes.size:", "            if vetoes.size < 0:", "veto"),
    # a stated limit moving with stance after all
    ("stance-shift-ignored", "sim/engine/state_updates.py", "p.alpha_x * self.stance_shift,", "p.alpha_x,", "stated_limit"),
    # a contrarian edge pulling toward the speaker (its mirror term dropped)
    (
        "contrarian-ignored",
        "sim/mechanisms/influence.py",
        "wx = wx + contrarian\n    out = lam * wx",
        "wx = wx\n    out = lam * wx",
        "contrarian",
    ),
    # Richardson: the others' hostility calming instead of provoking
    ("richardson-sign", "sim/mechanisms/pressure.py", "+ gamma_r * others", "- gamma_r * others", "richardson"),
    # hawks under-reading hostility instead of over-reading it
    ("hostile-hawk-sign", "sim/mechanisms/trust.py", "return -kappa_h * h * (1 + phi", "return -kappa_h * h * (1 - phi", "trust_updates"),
    # a drafting mediator that leans away from the side its position is closer to
    (
        "text-bias-inverted",
        "sim/engine/summit.py",
        "closeness = 1.0 - np.abs(",
        "closeness = 0.0 + np.abs(",
        "leans_to_the_side",
    ),
    # the mediator's press relieving the side that refused its text instead of pressing it
    ("press-sign", "sim/engine/summit.py", "float(s.domestic[c]) + press)", "float(s.domestic[c]) - press)", "presses_the_side"),
    # any signed point logged as the mediator's text
    (
        "text-signed-any-point",
        "sim/engine/summit.py",
        "if text == q and not refused_text:",
        "if not refused_text:",
        "leaders_offer_is_not_logged",
    ),
    # the dZ forecast: a stance effect counting members whose thresholds do not follow stance; stated limits ignored
    (
        "stance-mass-all-members",
        "sim/engine/model.py",
        "weight = s.omega * self.limit_share * (self.stance_shift if stance_moved else 1.0)",
        "weight = s.omega * self.limit_share * (1.0 if stance_moved else 1.0)",
        "stance_effects_skip",
    ),
    (
        "limit-share-ignored",
        "sim/engine/model.py",
        "weight = s.omega * self.limit_share * (",
        "weight = s.omega * 1.0 * (",
        "stance_effects_skip",
    ),
    # a faction's signal read as if the leader had sent it (its voice, omega_k, ignored)
    (
        "faction-voice-ignored",
        "sim/engine/delivery.py",
        "return 1.0 if by_leader else float(self.state.omega[sender])",
        "return 1.0 if by_leader else 1.0 + 0.0 * float(self.state.omega[sender])",
        "factions_signal_moves_trust_by_its_weight",
    ),
    # life after an agreement: a ratifier's refusal ignored; a broken agreement escalating instead of collapsing;
    # terms never lapsing; talks closed after every class; the compliance clock a week late
    ("ratifier-refusal-ignored", "sim/engine/implementation.py", "        if refused:\n", "        if refused and False:\n", "vote_passes"),
    (
        "term-breach-escalates",
        "sim/engine/implementation.py",
        '        self._lapse(k)\n        self._stage(deal, "collapsed", t)',
        '        self._escalate(t, why)\n        self._lapse(k)\n        self._stage(deal, "collapsed", t)',
        "forbid_collapses",
    ),
    (
        "terms-never-lapse",
        "sim/engine/implementation.py",
        "            if pl.deal == k:\n                pl.active = False",
        "            if pl.deal == k:\n                pass",
        "supersedes or forbid_collapses",
    ),
    (
        "talks-always-closed",
        "sim/engine/implementation.py",
        "        if cls not in imp.continue_after:",
        "        if True:",
        "at_once_without_ratifiers",
    ),
    (
        "comply-late",
        "sim/engine/implementation.py",
        't - deal["stages"]["in_force"] >= comply',
        't - deal["stages"]["in_force"] > comply',
        "implemented_after",
    ),
    # co-negotiators: a partner's refusal ignored; its consent left out of the forecasts; the zone without it
    (
        "partner-refusal-ignored",
        "sim/engine/summit.py",
        "            if s.win_sets[p][q]:\n                continue",
        "            if True:\n                continue",
        "signed_only_when_the_partner",
    ),
    (
        "partner-consent-ignored",
        "sim/engine/summit.py",
        "                out = out * self.estimated_ratification(p, tau, points)",
        "                out = out * 1.0",
        "partner",
    ),
    (
        "partner-zone-ignored",
        "sim/engine/state_updates.py",
        "*ws[self.summit_sides], *ws[self.table_partners])",
        "*ws[self.summit_sides])",
        "zone_of_agreement_is_what",
    ),
    # the offers read an ally at the table without the summit's perception error (as the mediator does)
    (
        "partner-read-without-error",
        "sim/engine/summit.py",
        "consent = consent * self.perceived_acceptance(partner)",
        "consent = consent * self.estimated_ratification(partner, tau)",
        "perception_error",
    ),
    # partners who never table an offer of their own; a partner's offer that the summit sides need not take
    (
        "partners-never-propose",
        "sim/engine/summit.py",
        "partner_offers[pt] = bg.best_offer(self.deal_gain(pt, o), s.win_sets[pt], both, p.theta_acc)",
        "partner_offers[pt] = None",
        "tables_its_own_offer",
    ),
    (
        "partner-offer-unchecked",
        "sim/engine/summit.py",
        "refusing = {c for c in (a, b) if self._refuses(t, c, q, gains, int(self.leader_of[pt]), hold[c])}",
        "refusing: set[int] = set()",
        "tables_its_own_offer",
    ),
    # a summit of several steps that decides at its first step
    (
        "session-ends-at-once",
        "sim/engine/summit.py",
        "if not accepted and t < sm.session_end:",
        "if not accepted and t < sm.session_end - 99:",
        "outcome_comes_at_the_last",
    ),
    # no holding out before a session's last step; holding out undiscounted by patience
    (
        "no-hold-out",
        "sim/engine/summit.py",
        "            if remaining > 0:\n                hold[c] =",
        "            if remaining > 999:\n                hold[c] =",
        "holds_out",
    ),
    (
        "hold-out-undiscounted",
        "sim/mechanisms/bargaining.py",
        "return float(patience) ** remaining * max(",
        "return 1.0 * max(",
        "holds_out",
    ),
    # a dated summit (forcing mode) that restarts a session already running
    (
        "dated-summit-restarts-session",
        "sim/engine/model.py",
        "if (forced_summit and not in_session) or by_schedule:",
        "if forced_summit or by_schedule:",
        "dated_summit_inside",
    ),
    # an actor's further roles ignored
    (
        "also-roles-ignored",
        "agents/base.py",
        "if self.role not in kind.senders and not self.also & set(kind.senders):",
        "if self.role not in kind.senders:",
        "further_role",
    ),
    # a guarantee that takes no share of the renege risk; a guarantor that never punishes a breach; its penalty left out
    # of the decision rule's fast path; a guarantor that leaks sanctions like a patron
    (
        "guarantee-ignored",
        "sim/engine/summit.py",
        "p.renege_t, p.renege_u) * (1.0 - self.guarantee(c))",
        "p.renege_t, p.renege_u) * 1.0",
        "guarantee",
    ),
    (
        "guarantor-never-punishes",
        "sim/engine/guarantees.py",
        "s.economic[side] = min(1.0, float(s.economic[side]) + hit)",
        "s.economic[side] = min(1.0, float(s.economic[side]))",
        "breach_is_punished",
    ),
    (
        "guarantor-penalty-not-charged",
        "agents/policy.py",
        "model.audience[own] * pl.tie + g.theta_t * loss + penalty, 0.0)",
        "model.audience[own] * pl.tie + g.theta_t * loss, 0.0)",
        "guarantors_penalty",
    ),
    (
        "guarantor-leaks",
        "sim/engine/build.py",
        "[t.laxity if ROLES[t.role].leaks else 0.0 for t in tps]",
        "[t.laxity for t in tps]",
        "leaks_no_sanctions",
    ),
    # a mediator's side payment that changes nothing; one that buys a statement of nothing; a text anywhere on the grid
    (
        "payment-ignored",
        "sim/engine/summit.py",
        "self.deal_gain(c, o) + pay.get(c, 0.0) * self.agreement_points",
        "self.deal_gain(c, o) + 0.0 * self.agreement_points",
        "closes_the_shortfall",
    ),
    (
        "payment-for-anything",
        "sim/engine/summit.py",
        "self.deal_gain(c, o) + pay.get(c, 0.0) * self.agreement_points",
        "self.deal_gain(c, o) + pay.get(c, 0.0)",
        "counts_only_toward",
    ),
    (
        "text-not-an-agreement",
        "sim/engine/summit.py",
        "acceptance = acceptance * self.agreement_points[None, :]",
        "acceptance = acceptance * 1.0",
        "tables_only_agreements",
    ),
    # mediation as a no-op
    (
        "mediation-noop",
        "sim/mechanisms/trust.py",
        "return t + kappa_m * np.asarray(credibility",
        "return t + 0.0 * kappa_m * np.asarray(credibility",
        "trust_updates",
    ),
]


def _copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    # laid out as the package is imported: summitry/sim and summitry/agents (summitry.dashboard stays the installed one)
    for name in ("sim", "agents"):
        shutil.copytree(ROOT / name, dest / "summitry" / name, ignore=ignore)
    shutil.copytree(ROOT / "scenarios", dest / "scenarios", ignore=ignore)
    # a checkout (scenarios/ beside pyproject.toml) is where the engine looks for its built-in scenarios
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    (dest / "tests").mkdir()
    for name in ("conftest.py", "strategies.py", *FOCUSED):  # strategies.py: the focused tests edit built-in scenarios with it
        (dest / "tests" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "tests" / name, dest / "tests" / name)


@dataclass
class FocusedRun:
    """What a focused run of the tests on a copy gave: pytest's exit status, its output and the package files it imported."""

    returncode: int
    stdout: str
    imported: list[str]


class MutantServer:
    """One ``tests/mutant_server.py`` process: it keeps the third-party imports and forks a fresh child per copy."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_")) and k != "PYTHONPATH"}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "mutant_server.py")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.proc.stdin is None or self.proc.stdout is None:
            raise RuntimeError("the mutant server was started without its pipes")
        self.requests, self.answers = self.proc.stdin, self.proc.stdout

    def run(self, tree: Path, args: list[str]) -> FocusedRun:
        self.requests.write(json.dumps({"tree": str(tree), "args": args}) + "\n")
        self.requests.flush()
        # no timeout: on a loaded machine a focused run can take minutes, and a clock would make a killed mutant look alive
        line = self.answers.readline()
        if not line:
            raise RuntimeError(f"the mutant server stopped (exit status {self.proc.wait()})")
        answer = json.loads(line)
        log = tree / "focused.log"
        return FocusedRun(int(answer["returncode"]), log.read_text() if log.exists() else "", list(answer["imported"]))

    def close(self) -> None:
        self.requests.close()
        self.proc.wait()


@pytest.fixture(scope="module")
def server() -> Iterator[MutantServer]:
    srv = MutantServer()
    try:
        yield srv
    finally:
        srv.close()


def _run_focused(server: MutantServer, tree: Path, expression: str) -> FocusedRun:
    # -p no:dash: the focused tests use no browser, and Dash's plugin is a third of pytest's start-up
    args = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:dash", "-o", "addopts="]
    args += ["--rootdir", str(tree), *[f"tests/{name}" for name in FOCUSED], "-k", expression]
    run = server.run(tree, args)
    # the tests ran against the copy, not the installed package (the copy is first on the child's sys.path)
    assert len(run.imported) == 2 and all(f and Path(f).resolve().is_relative_to(tree.resolve()) for f in run.imported), run.imported
    return run


def test_unmutated_copy_passes_every_focused_selection(tmp_path: Path, server: MutantServer) -> None:
    _copy_tree(tmp_path)
    expression = " or ".join(sorted({f"({m[4]})" for m in MUTANTS}))
    run = _run_focused(server, tmp_path, expression)
    assert run.returncode == 0, run.stdout[-6000:]


@pytest.mark.parametrize(("name", "path", "old", "new", "expression"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_hand_written_mutant_is_killed(
    tmp_path: Path, server: MutantServer, name: str, path: str, old: str, new: str, expression: str
) -> None:
    _copy_tree(tmp_path)
    copy = tmp_path / "summitry" / path
    source = copy.read_text()
    assert source.count(old) == 1, f"{name}: the text to mutate is not exactly once in {path}; update the mutant"
    copy.write_text(source.replace(old, new))
    run = _run_focused(server, tmp_path, expression)
    # 1: tests ran and failed (not 2, 4 or 5: interrupted, usage error, nothing collected)
    assert run.returncode == 1, f"{name} survived its tests:\n{run.stdout[-6000:]}"
    assert " failed" in run.stdout
