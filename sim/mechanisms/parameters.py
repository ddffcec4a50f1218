"""Model-wide parameters (ODD 7): defaults, sweep ranges, meanings.

These are the mechanism's constants, not any case's: a scenario overrides
values in its ``parameters:`` section and ranges in ``ranges:``. Actor-level
numbers (a leader's impulsiveness, a faction's influence) live in the
scenario itself and are addressed by path (see :mod:`summitry.sim.scenario.overrides`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from summitry.sim.numeric import NumbersOnly


class ModelParameters(NumbersOnly):
    """Every model-wide parameter, with its default and hard bounds."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    # trust (ODD 7.4-7.8)
    trust_model: Literal["logit", "beta"] = Field(
        "logit", description="Bayesian trust in log-odds (Kydd) or the Beta reputation variant (Josang & Ismail)."
    )
    kappa: float = Field(2.24, ge=0, le=20, description="kappa: credibility gain per unit of effective signal cost.")
    kappa_h: float = Field(1.0, ge=0, le=20, description="kappa_h: trust loss per unit of hostility.")
    kappa_b: float = Field(2.5, ge=0, le=20, description="kappa_b: trust loss from a pledge breach.")
    phi: float = Field(0.5, ge=0, le=1, description="phi: how much hawkishness discounts reassurance and amplifies hostility (Jervis).")
    nu: float = Field(0.02, ge=0, le=1, description="nu: weekly forgetting toward the prior trust.")
    type_prior: float = Field(
        0.5, ge=0, le=1, description="pi_T: probability a leader whose type the scenario leaves open is trustworthy (T)."
    )
    kappa_m: float = Field(0.5, ge=0, le=1, description="kappa_m: share of the gap a fully credible mediator closes.")
    mediator_press: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Domestic pressure a drafting mediator adds, between a summit's rounds, to each side that rejected its text "
        "(times the mediator's stake).",
    )
    guarantee_penalty: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Economic pressure a guarantor adds to a side that breaks an agreement's terms (times the guarantor's "
        "enforcement); the decision rule charges the same amount when it weighs breaking a term.",
    )
    beta_n0: float = Field(4.0, ge=0, le=100, description="Beta variant: prior strength n0.")
    beta_w: float = Field(2.0, ge=0, le=100, description="Beta variant: evidence weight w of a unit of signal cost.")
    beta_wb: float = Field(3.0, ge=0, le=100, description="Beta variant: evidence weight w_b of a breach.")
    beta_decay: float = Field(0.98, ge=0.5, le=1, description="Beta variant: weekly decay lambda_f of the evidence counts.")
    rapport_decl: float = Field(
        0.0, ge=0, le=1, description="R_decl: a floor of rapport both ways below which no declaratory statement is possible (0: none)."
    )
    trust_decl: float = Field(
        0.0, ge=0, le=1, description="mu_decl: a floor of trust both ways below which no declaratory statement is possible (0: none)."
    )
    declaration_gain: float = Field(0.2, ge=0, le=2, description="Logit trust gain from a declaratory statement.")
    # bargaining (ODD 7.1-7.3)
    theta_c: float = Field(
        0.5, ge=0.05, le=1, description="theta_c: weighted share of a side that must accept a deal (sides may override)."
    )
    alpha_x: float = Field(0.4, ge=0, le=2, description="alpha_x: how much hawkish stance raises a member's threshold.")
    alpha_p: float = Field(0.4, ge=0, le=2, description="alpha_P: how much pressure lowers a member's threshold (coercion).")
    alpha_eps: float = Field(0.5, ge=0, le=2, description="alpha_eps: weight of expected sanctions erosion on the threshold.")
    demand_decay: float = Field(0.1, ge=0, le=1, description="Weekly decay of a public demand's narrowing of the sender's win-set.")
    sigma_w: float = Field(0.1, ge=0, le=1, description="sigma_W: noise in each leader's estimate of the other's win-set.")
    mu_min: float = Field(
        0.0,
        ge=0,
        le=1,
        description="mu_min: a hard floor of trust both ways below which no offer is accepted (0: none; the commitment "
        "problem is priced by the renege risk instead).",
    )
    status_quo_weight: float = Field(
        0.3, ge=0, le=5, description="Weight of today's pressure in the value of no deal (V_c = -weight * P_c): what a deal escapes."
    )
    walk_audience: float = Field(
        0.47, ge=0, le=5, description="Audience value of walking away: resolve shown to the hawkish part of one's own coalition."
    )
    walk_leverage: float = Field(
        1.28,
        ge=0,
        le=10,
        description="Value of the forecast gain in the other side's support for one's own offer that a walk-away's pressure buys.",
    )
    declaration_value: float = Field(
        1.0, ge=0, le=10, description="Value of a declaratory statement: relief of the domestic need for a win, and trust gained."
    )
    declaration_fatigue: float = Field(
        0.02, ge=0, le=1, description="Share of a declaration's value left after each earlier summit (whatever it ended in)."
    )
    declaration_letdown: float = Field(
        0.15, ge=0, le=1, description="Rise of an audience-driven side's need for a win when a declaration's promise goes unmet."
    )
    letdown_weeks: int | float = Field(
        12, ge=1 / 7, le=104, description="Weeks after a declaration when the letdown arrives unless a deal came (a fraction allowed)."
    )
    erosion_learning: float = Field(
        0.05, ge=0, le=1, description="Weekly rate at which members' belief in sanctions erosion moves toward what leakage shows."
    )
    erosion_scale: float = Field(
        0.03, ge=0, le=1, description="Weekly sanctions erosion a member reads into full leakage (belief target = scale * leak)."
    )
    theta_acc: float = Field(
        0.0, ge=0, le=5, description="theta_acc: value a leader puts on signing any deal at all, beyond what the deal is worth."
    )
    tau_prep_min: int | float = Field(
        6, ge=1 / 7, le=52, description="Fewest weeks from an accepted offer to the summit (a fraction allowed: 2/7 is two days)."
    )
    tau_prep_max: int | float = Field(
        14, ge=1 / 7, le=52, description="Most weeks from an accepted offer to the summit (a fraction allowed)."
    )
    # influence (ODD 7.10-7.11)
    eta: float = Field(0.3, ge=0, le=5, description="eta: speed of factional competition (replicator).")
    p_blame: float = Field(0.3, ge=0, le=1, description="p_blame: chance a leader blames a faction after a failed summit.")
    susceptibility_leader: float = Field(0.3, ge=0, le=1, description="lambda of leaders that do not set their own.")
    susceptibility_hawks: float = Field(0.2, ge=0, le=1, description="lambda of hardliner/military factions that do not set their own.")
    susceptibility_doves: float = Field(0.6, ge=0, le=1, description="lambda of other factions that do not set their own.")
    # pressure (ODD 7.12-7.15)
    delta_e: float = Field(0.04, ge=0, le=1, description="delta_E: weekly approach of economic pain to effective sanctions.")
    leak0: float = Field(0.1, ge=0, le=1, description="leak_0: baseline sanctions leakage.")
    delta_m: float = Field(0.1, ge=0, le=1, description="delta_M: weekly decay of hostility (Richardson fatigue).")
    gamma_r: float = Field(0.05, ge=0, le=1, description="gamma_R: reaction of a side's hostility to the other's (Richardson).")
    domestic_growth: float = Field(0.01, ge=0, le=0.5, description="Weekly growth of an audience-driven side's need for a win.")
    domestic_decay: float = Field(0.05, ge=0, le=1, description="Weekly decay of an elite-driven side's discontent.")
    e_crit: float = Field(0.7, ge=0, le=1, description="E_crit: tension that counts toward escalation.")
    e_weeks: int | float = Field(
        4, ge=1 / 7, le=52, description="m: consecutive weeks above E_crit that make an escalation (a fraction allowed)."
    )
    # decision rule (ODD 7.16-7.19)
    lambda_q: float = Field(8.6, ge=0, le=100, description="Lambda_Q: rationality of the logit quantal response.")
    theta_t: float = Field(1.0, ge=0, le=10, description="theta_T: value of the other side's trust.")
    theta_z: float = Field(1.0, ge=0, le=10, description="theta_Z: value of a wider zone of agreement.")
    summit_weight: float = Field(
        4.49, ge=0, le=10, description="Weight of a summit's forecast outcome (its best deal or declaration) in offering or accepting one."
    )
    summit_relief: float = Field(
        0.86,
        ge=0,
        le=10,
        description="Value of opening talks: the share of today's pressure the first summit relieves (later summits are worth what they may bring).",
    )
    theta_p: float = Field(1.0, ge=0, le=10, description="theta_P: value (to hawks) of pressure on the other side.")
    theta_r: float = Field(1.0, ge=0, le=10, description="theta_R: cost of escalation risk.")
    theta_aff: float = Field(0.5, ge=0, le=10, description="theta_aff: weight of last week's affect for impulsive actors.")
    reciprocity_match: float = Field(
        1.0,
        ge=0,
        le=1,
        description="rho_m: how far impulsive reciprocity matches value (ODD 7.16): a kind of cost c draws min(1, c_recv / c) of "
        "the affect, c_recv the largest cost among the received signals of the affect's valence; 0: every kind draws all of it.",
    )
    theta_rapport: float = Field(0.3, ge=0, le=10, description="theta_R': value of conciliation toward someone one has rapport with.")
    theta_home: float = Field(
        8.0,
        ge=0,
        le=50,
        description="Weight of a leader's own coalition on a concession that stirs its hawks: such a kind costs the leader "
        "theta_home x its side's audience-cost capacity x the hawkish share of its side's ratification weights x the "
        "kind's cost, besides the cost itself (ODD 7.16).",
    )
    theta_placate: float = Field(
        0.0,
        ge=0,
        le=50,
        description="Weight of an elite's discontent on a move that vindicates its hawks: for the leader of an elite-driven "
        "side such a kind is worth theta_placate x the side's discontent x the hawkish share of its ratification weights; "
        "0 (the default) switches the mechanism off: no discontent from a walk-away, no relief by such a move (ODD 7.16).",
    )
    renege_u: float = Field(0.57, ge=0, le=1, description="h_U: renege hazard of an untrustworthy leader.")
    renege_t: float = Field(0.05, ge=0, le=1, description="Renege hazard of a trustworthy leader.")
    activity: float = Field(
        0.42, ge=0, le=10, description="Utility of doing nothing relative to acting (the 'none' baseline); higher means quieter weeks."
    )
    choice_rate: float = Field(
        1.0,
        gt=0,
        le=7,
        description="Choices each actor makes per week: the chance it chooses in a step is min(1, rate x weeks per step) "
        "(1: one choice a week; at most one a step).",
    )
    deal_weight: float = Field(1.0, ge=0, le=5, description="beta0: weight a leader puts on what it gives (beta = beta0*(1/2+x_L)).")


DEFAULT_RANGES: dict[str, tuple[float, float]] = {
    "kappa": (0.5, 5.0),
    "kappa_h": (0.3, 3.0),
    "kappa_b": (1.0, 5.0),
    "phi": (0.0, 1.0),
    "nu": (0.0, 0.1),
    "type_prior": (0.0, 1.0),
    "kappa_m": (0.0, 1.0),
    "mediator_press": (0.0, 0.3),
    "guarantee_penalty": (0.0, 1.0),
    "theta_c": (0.4, 0.67),
    "eta": (0.0, 1.0),
    "p_blame": (0.0, 1.0),
    "alpha_x": (0.0, 0.8),
    "alpha_p": (0.0, 0.8),
    "alpha_eps": (0.0, 0.8),
    "delta_e": (0.01, 0.1),
    "leak0": (0.0, 0.3),
    "lambda_q": (1.0, 20.0),
    "mu_min": (0.0, 0.7),
    "renege_u": (0.1, 0.9),
    "walk_audience": (0.0, 2.0),
    "walk_leverage": (0.0, 3.0),
    "declaration_value": (0.0, 3.0),
    "declaration_fatigue": (0.0, 1.0),
    "erosion_learning": (0.0, 0.2),
    "sigma_w": (0.0, 0.3),
    "e_crit": (0.5, 0.9),
    "susceptibility_leader": (0.05, 0.9),
    "susceptibility_hawks": (0.05, 0.9),
    "susceptibility_doves": (0.05, 0.9),
    "activity": (0.0, 2.0),
    "summit_weight": (0.0, 5.0),
    "summit_relief": (0.0, 2.0),
    "theta_home": (0.0, 20.0),
    "theta_placate": (0.0, 10.0),
}
"""Sweep ranges of ODD 7; parameters absent here range over their bounds."""
