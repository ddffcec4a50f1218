"""The signal catalogue (ODD 7.9): kinds, who sends them, costs, effects.

The default catalogue is data (:data:`DEFAULT_CATALOGUE`), validated by the
same pydantic model a scenario uses to override magnitudes or add kinds. Each
kind carries the sentence the narrative (reports, event log) uses for it, so
a new kind cannot lack one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from summitry.sim.mechanisms.effects import EffectVar
from summitry.sim.mechanisms.roles import DOVISH_ROLES, FACTION_ROLES, HAWKISH_ROLES, RoleName
from summitry.sim.numeric import NumbersOnly


@dataclass(frozen=True, order=True)
class Signal:
    """One signal sent in one step.

    ``receiver`` is an agent index, or -1 for "both principals".
    """

    sender: int
    kind: str
    receiver: int
    source: str = "chosen"  # chosen | forced | derived
    note: str = ""


# Kinds of event by what they are about, for the summaries, reports and the
# dashboard's timeline (each picks the categories it shows).
SUMMIT_PROCESS_KINDS: frozenset[str] = frozenset(
    {
        "summit_offer",
        "summit_accept",
        "summit_cancel",
        "summit_scheduled",
        "summit_reinstated",
        "summit_held",
        "summit_round",
        "offer_rejected",
        "mediator_press",
        "side_payment",
        "text_signed",
    }
)
AGREEMENT_LIFE_KINDS: frozenset[str] = frozenset(
    {"ratified", "ratification_failed", "agreement_implemented", "agreement_collapsed", "term_breach", "guarantor_enforces"}
)
"""Events of an agreement's life after signing (ODD 7.20)."""
OUTCOME_KINDS: frozenset[str] = (
    frozenset({"declaration", "agreement", "walk_away", "escalation", "stalemate", "blame"}) | AGREEMENT_LIFE_KINDS
)
PLEDGE_AND_TEST_KINDS: frozenset[str] = frozenset({"moratorium_pledge", "pledge_breach", "srbm_test", "icbm_test", "nuclear_test"})

Receiver = Literal["other_leader", "own_leader", "other_staff", "principals", "client"]
TrustMode = Literal["reassuring", "hostile", "shift", "mediation", "none"]
Scale = Literal["none", "ego", "verification", "audience", "lobby"]
SummitAction = Literal["offer", "accept", "cancel", "reinstate"]


class _Data(NumbersOnly):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Effect(_Data):
    """One numeric effect of a signal on a variable of one side's actors."""

    var: EffectVar = Field(description="The state variable moved (see docs/ODD.md).")
    who: Literal["sender", "receiver", "principals"] = Field(
        description="Whose variable moves: the sender's side, the receiver's side, or both principals."
    )
    roles: list[RoleName] | None = Field(
        default=None,
        description="Restrict to actors of these roles (leader included as 'leader'); all when absent.",
    )
    delta: float = Field(ge=-5, le=5, description="Size of the change (additive; for 'perception' and 'influence' a log-factor).")
    scale: Scale = Field(
        default="none",
        description="Multiply delta by the sender's ego, the signal's verification, the sender's audience cost or the lobbying weight.",
    )
    min_verification: float = Field(default=0.0, ge=0, le=1, description="Apply only when the signal's verification is at least this.")


class TrustEffect(_Data):
    """How receivers update their belief in the sender's side (ODD 7.4-7.8)."""

    mode: TrustMode = Field(
        description="reassuring: +kappa*c_eff; hostile: -kappa_h*h; shift: fixed logit shift; mediation: Kydd relay; none."
    )
    magnitude: float = Field(default=0.0, ge=-5, le=5, description="h for hostile signals, the logit shift for 'shift'.")
    evidence: Literal["type", "cost"] = Field(
        default="type",
        description="How receivers read a leader's reassuring signal of this kind: type = as evidence of the leader's type "
        "under the decision rule (a costly signal, read by Bayes' rule); cost = by its cost alone, kappa*c_eff, as cheap "
        "talk is (talk that costs next to nothing says next to nothing about type). Factions' signals are always read by cost.",
    )


class SignalKind(_Data):
    """A kind of signal: who may send it to whom, what it costs, what it does."""

    label: str = Field(description="Human label, e.g. 'Summit offer'.")
    senders: list[RoleName] = Field(min_length=1, description="Roles that may send it.")
    receiver: Receiver = Field(description="Who receives it, relative to the sender.")
    requires: str | None = Field(default=None, description="Capability the sender's side must list (e.g. 'sanctions').")
    chosen: bool = Field(default=True, description="False for derived kinds the engine creates (walk-away, pledge breach).")
    cost: float = Field(default=0.0, ge=0, le=1, description="Sunk cost c (Fearon 1997).")
    tie: float = Field(default=0.0, ge=0, le=1, description="Hand-tying audience cost a (Fearon 1997).")
    verification: float = Field(default=1.0, ge=0, le=1, description="How verifiable a concession is (v); scales its credibility.")
    trust: TrustEffect = Field(default_factory=lambda: TrustEffect(mode="none"))
    effects: list[Effect] = Field(default_factory=list, description="Pressure, stance and other effects.")
    conciliatory: bool = Field(default=False, description="Counts as conciliatory (rapport term, reciprocity).")
    vindicates: Literal["hawks", "doves", "none"] = Field(
        default="none", description="Which factions on the receiving side it vindicates (ODD 7.10-7.11)."
    )
    vindicates_sender: Literal["hawks", "doves", "none"] = Field(
        default="none", description="Which factions on the sending side it vindicates."
    )
    summit: SummitAction | None = Field(default=None, description="Its role in the summit process, if any.")
    pledge_scope: list[str] | None = Field(default=None, description="Creates a pledge covering these test classes.")
    test_class: str | None = Field(default=None, description="Test class, checked against active pledges.")
    breach_probability: float = Field(
        default=0.0, ge=0, le=1, description="p_br when its test class is outside the pledge's scope (1 inside)."
    )
    parts: list[str] = Field(default_factory=list, description="Kinds whose effects it also carries (a letter = praise + threat).")
    sentence: str = Field(description="Narrative template: {sender}, {receiver}, {date}, {week}.")

    @property
    def stirs_own_hawks(self) -> bool:
        """Whether sending it hardens the sender's own hawkish members (a stance effect up on them): a concession its
        coalition resents, which costs a leader at home (ODD 7.16).

        >>> SignalKind(label="x", senders=["leader"], receiver="other_leader", sentence="s",
        ...     effects=[{"var": "stance", "who": "sender", "roles": ["hardliner"], "delta": 0.05}]).stirs_own_hawks
        True
        >>> SignalKind(label="x", senders=["leader"], receiver="other_leader", sentence="s",
        ...     effects=[{"var": "stance", "who": "receiver", "roles": ["hardliner"], "delta": 0.05}]).stirs_own_hawks
        False
        """
        return any(
            e.var == "stance" and e.who == "sender" and e.delta > 0 and (e.roles is None or bool(set(e.roles) & HAWKISH_ROLES))
            for e in self.effects
        )

    @model_validator(mode="after")
    def _check(self) -> SignalKind:
        if self.pledge_scope is not None and not self.pledge_scope:
            raise ValueError("pledge_scope must list at least one test class")
        return self


def _k(**kw: Any) -> dict[str, Any]:
    return kw


HL = ["hardliner"]
HAWKS = sorted(HAWKISH_ROLES)
DOVES = sorted(DOVISH_ROLES)

DEFAULT_CATALOGUE: dict[str, dict[str, Any]] = {
    "praise": _k(
        label="Praise",
        senders=["leader"],
        receiver="other_leader",
        cost=0.02,
        # cheap talk: it builds rapport, not belief in the sender's type (ODD 7.4, 7.8)
        trust={"mode": "reassuring", "evidence": "cost"},
        conciliatory=True,
        effects=[
            {"var": "rapport", "who": "receiver", "roles": ["leader"], "delta": 0.1, "scale": "ego"},
            {"var": "stance", "who": "receiver", "roles": ["leader"], "delta": -0.01, "scale": "ego"},
        ],
        sentence="{sender} praises {receiver}",
    ),
    "threat": _k(
        label="Verbal threat",
        senders=["leader", "hardliner", "military"],
        receiver="other_leader",
        cost=0.05,
        tie=0.1,
        trust={"mode": "hostile", "magnitude": 0.3},
        vindicates="hawks",
        effects=[
            {"var": "pressure.military", "who": "receiver", "delta": 0.05},
            {"var": "hostility", "who": "sender", "delta": 0.05},
            {"var": "stance", "who": "receiver", "roles": HL, "delta": 0.05},
        ],
        sentence="{sender} threatens {receiver}",
    ),
    "letter": _k(
        label="Letter",
        senders=["leader"],
        receiver="other_leader",
        cost=0.05,
        tie=0.1,
        parts=["praise", "threat"],
        summit="reinstate",
        trust={"mode": "none"},
        sentence="{sender} sends {receiver} a letter, warm and menacing by turns",
    ),
    "summit_offer": _k(
        label="Summit offer",
        senders=["leader"],
        receiver="other_leader",
        cost=0.1,
        tie=0.3,
        trust={"mode": "reassuring"},
        conciliatory=True,
        summit="offer",
        vindicates="doves",
        effects=[
            {"var": "pressure.domestic", "who": "sender", "delta": 0.05},
            {"var": "stance", "who": "receiver", "roles": ["reformer"], "delta": -0.05},
        ],
        sentence="{sender} offers {receiver} a summit",
    ),
    "summit_accept": _k(
        label="Summit acceptance",
        senders=["leader"],
        receiver="other_leader",
        cost=0.1,
        tie=0.3,
        trust={"mode": "reassuring"},
        conciliatory=True,
        summit="accept",
        vindicates="doves",
        effects=[
            {"var": "pressure.domestic", "who": "sender", "delta": 0.05},
            {"var": "stance", "who": "receiver", "roles": ["reformer"], "delta": -0.05},
        ],
        sentence="{sender} accepts the summit with {receiver}",
    ),
    "summit_cancel": _k(
        label="Summit cancellation",
        senders=["leader"],
        receiver="other_leader",
        cost=0.1,
        tie=0.3,
        trust={"mode": "shift", "magnitude": -0.4},
        summit="cancel",
        vindicates="hawks",
        effects=[
            # the audience cost staked on the offer is realised (Fearon 1997): A_sender * a
            {"var": "pressure.domestic", "who": "sender", "delta": 1.0, "scale": "audience"},
            {"var": "pressure.domestic", "who": "receiver", "delta": 0.1},
            {"var": "stance", "who": "receiver", "roles": HL, "delta": 0.05},
        ],
        sentence="{sender} cancels the summit with {receiver}",
    ),
    "envoy_talks": _k(
        label="Envoy talks",
        senders=["staff"],
        receiver="other_staff",
        cost=0.05,
        trust={"mode": "reassuring"},
        conciliatory=True,
        effects=[{"var": "perception", "who": "principals", "delta": -0.2231}],
        sentence="Envoys of {sender} meet their counterparts ({receiver})",
    ),
    "demand": _k(
        label="Public demand",
        senders=["leader"],
        receiver="other_leader",
        cost=0.02,
        tie=0.2,
        trust={"mode": "shift", "magnitude": -0.1},
        vindicates="hawks",
        effects=[
            {"var": "pressure.domestic", "who": "receiver", "delta": 0.03},
            {"var": "demand", "who": "sender", "delta": 0.05},
            {"var": "stance", "who": "receiver", "roles": HL, "delta": 0.03},
        ],
        sentence="{sender} publicly demands more of {receiver}",
    ),
    "partial_relief": _k(
        label="Partial sanctions relief",
        senders=["leader"],
        receiver="other_leader",
        requires="relief",
        cost=0.4,
        trust={"mode": "reassuring"},
        conciliatory=True,
        vindicates="doves",
        effects=[
            {"var": "pressure.economic", "who": "receiver", "delta": -0.1},
            {"var": "sanctions", "who": "receiver", "delta": -0.1},
            {"var": "exercise_credit", "who": "receiver", "delta": 0.1},
            {"var": "stance", "who": "sender", "roles": HAWKS, "delta": 0.05},
        ],
        sentence="{sender} offers {receiver} partial sanctions relief",
    ),
    "exercise_halt": _k(
        label="Exercise halt",
        senders=["leader"],
        receiver="other_leader",
        requires="exercises",
        cost=0.2,
        trust={"mode": "reassuring"},
        conciliatory=True,
        vindicates="doves",
        effects=[
            {"var": "exercise_credit", "who": "receiver", "delta": 0.1},
            {"var": "stance", "who": "sender", "roles": HAWKS, "delta": 0.05},
        ],
        sentence="{sender} halts military exercises as a gesture to {receiver}",
    ),
    "dismantle_site": _k(
        label="Site dismantled",
        senders=["leader"],
        receiver="other_leader",
        requires="dismantle",
        cost=0.35,
        verification=0.4,
        trust={"mode": "reassuring"},
        conciliatory=True,
        vindicates="doves",
        effects=[{"var": "stance", "who": "receiver", "roles": HAWKS, "delta": -0.03, "min_verification": 0.7}],
        sentence="{sender} dismantles a test site before {receiver}'s eyes",
    ),
    "walk_away": _k(
        label="Walk-away",
        senders=["leader"],
        receiver="other_leader",
        chosen=False,
        cost=0.3,
        trust={"mode": "shift", "magnitude": -0.2},
        vindicates="hawks",
        effects=[
            {"var": "pressure.economic", "who": "receiver", "delta": 0.1},
            {"var": "pressure.domestic", "who": "receiver", "delta": 0.1},
            {"var": "stance", "who": "receiver", "roles": HL, "delta": 0.1},
        ],
        sentence="{sender} walks away from the table, leaving {receiver} without a deal",
    ),
    "moratorium_pledge": _k(
        label="Test moratorium pledge",
        senders=["leader"],
        receiver="other_leader",
        requires="tests",
        tie=0.4,
        trust={"mode": "reassuring"},
        conciliatory=True,
        pledge_scope=["icbm", "nuclear"],
        effects=[{"var": "stance", "who": "sender", "roles": HL, "delta": 0.03}],
        sentence="{sender} pledges to {receiver} {moratorium}",
    ),
    "srbm_test": _k(
        label="Short-range missile test",
        senders=["leader"],
        receiver="other_leader",
        requires="tests",
        cost=0.05,
        trust={"mode": "hostile", "magnitude": 0.3},
        test_class="srbm",
        breach_probability=0.2,
        vindicates="hawks",
        vindicates_sender="hawks",
        effects=[
            {"var": "hostility", "who": "sender", "delta": 0.1},
            {"var": "pressure.military", "who": "receiver", "delta": 0.05},
            {"var": "stance", "who": "receiver", "roles": HAWKS, "delta": 0.05},
        ],
        sentence="{sender} tests short-range missiles, a message to {receiver}",
    ),
    "icbm_test": _k(
        label="ICBM test",
        senders=["leader"],
        receiver="other_leader",
        requires="tests",
        cost=0.2,
        trust={"mode": "hostile", "magnitude": 1.0},
        test_class="icbm",
        breach_probability=1.0,
        vindicates="hawks",
        vindicates_sender="hawks",
        effects=[
            {"var": "hostility", "who": "sender", "delta": 0.4},
            {"var": "pressure.military", "who": "receiver", "delta": 0.2},
            {"var": "stance", "who": "receiver", "roles": HAWKS, "delta": 0.15},
        ],
        sentence="{sender} tests an intercontinental missile, defying {receiver}",
    ),
    "nuclear_test": _k(
        label="Nuclear test",
        senders=["leader"],
        receiver="other_leader",
        requires="tests",
        cost=0.3,
        trust={"mode": "hostile", "magnitude": 1.2},
        test_class="nuclear",
        breach_probability=1.0,
        vindicates="hawks",
        vindicates_sender="hawks",
        effects=[
            {"var": "hostility", "who": "sender", "delta": 0.5},
            {"var": "pressure.military", "who": "receiver", "delta": 0.25},
            {"var": "stance", "who": "receiver", "roles": HAWKS, "delta": 0.2},
        ],
        sentence="{sender} conducts a nuclear test, defying {receiver}",
    ),
    "pledge_breach": _k(
        label="Pledge breach",
        senders=["leader"],
        receiver="other_leader",
        chosen=False,
        trust={"mode": "none"},
        vindicates_sender="hawks",
        vindicates="hawks",
        effects=[
            {"var": "pressure.domestic", "who": "sender", "delta": 1.0, "scale": "audience"},
            {"var": "influence", "who": "sender", "roles": HL, "delta": 1.0},
            {"var": "anchor", "who": "receiver", "roles": HAWKS, "delta": 0.1},
        ],
        sentence="{sender} breaks its test-moratorium pledge to {receiver}",
    ),
    "sanctions_tighten": _k(
        label="Sanctions tightened",
        senders=["leader"],
        receiver="other_leader",
        requires="sanctions",
        cost=0.1,
        trust={"mode": "shift", "magnitude": -0.1},
        vindicates="hawks",
        effects=[
            {"var": "sanctions", "who": "receiver", "delta": 0.1},
            {"var": "stance", "who": "receiver", "roles": HL, "delta": 0.05},
        ],
        sentence="{sender} tightens sanctions on {receiver}",
    ),
    "sanctions_ease": _k(
        label="Sanctions eased",
        senders=["leader"],
        receiver="other_leader",
        requires="sanctions",
        cost=0.15,
        tie=0.1,
        trust={"mode": "reassuring"},
        conciliatory=True,
        vindicates="doves",
        effects=[
            {"var": "sanctions", "who": "receiver", "delta": -0.05},
            {"var": "stance", "who": "sender", "roles": HAWKS, "delta": 0.05},
        ],
        sentence="{sender} withdraws planned sanctions on {receiver}",
    ),
    "mediation": _k(
        label="Mediation",
        senders=["mediator"],
        receiver="principals",
        cost=0.05,
        trust={"mode": "mediation"},
        conciliatory=True,
        effects=[
            {"var": "pressure.domestic", "who": "sender", "delta": -0.05},
            {"var": "stance", "who": "principals", "roles": ["leader"], "delta": -0.02},
        ],
        sentence="{sender} shuttles between the principals",
    ),
    "interference": _k(
        label="Interference",
        senders=["patron", "spoiler"],
        receiver="client",
        trust={"mode": "none"},
        effects=[
            {"var": "enforcement", "who": "sender", "delta": -0.05},
            {"var": "anchor", "who": "receiver", "delta": 0.03},
        ],
        sentence="{sender} urges {receiver} to slow down",
    ),
    "patron_summit": _k(
        label="Patron summit",
        senders=["patron"],
        receiver="client",
        cost=0.1,
        trust={"mode": "none"},
        effects=[
            {"var": "pressure.economic", "who": "receiver", "delta": -0.05},
            {"var": "threshold", "who": "receiver", "delta": 0.03},
        ],
        sentence="{sender} hosts {receiver} for a summit of its own",
    ),
    "lobby": _k(
        label="Lobbying",
        senders=list(FACTION_ROLES),
        receiver="own_leader",
        trust={"mode": "none"},
        effects=[{"var": "stance", "who": "receiver", "roles": ["leader"], "delta": 0.03, "scale": "lobby"}],
        sentence="{sender} lobbies {receiver}",
    ),
}
"""ODD 7.9 as data. Magnitudes are design priors, to be calibrated."""
# breaking an agreement's terms (ODD 7.20) costs what breaking a pledge costs; only its name and words differ
DEFAULT_CATALOGUE["term_breach"] = {
    **DEFAULT_CATALOGUE["pledge_breach"],
    "label": "Agreement breach",
    "sentence": "{sender} breaks the terms of its agreement with {receiver}",
}

EVENT_SENTENCES: dict[str, str] = {
    "summit_scheduled": "A summit between {sender} and {receiver} is set for {unit} {detail}",
    "summit_held": "{sender} and {receiver} meet at the summit",
    "summit_reinstated": "The summit between {sender} and {receiver} is back on",
    "declaration": "{sender} and {receiver} sign a declaratory statement without a substantive deal",
    "agreement": "{sender} and {receiver} reach an agreement ({detail})",
    "offer_rejected": "{receiver} rejects {sender}'s offer at the summit ({detail})",
    "summit_round": "Round {detail} of the summit between {sender} and {receiver}",
    "mediator_press": "{sender} presses {receiver} to take its text (domestic pressure +{detail})",
    "side_payment": "{sender} promises {receiver} a side payment of {detail} for signing",
    "guarantor_enforces": "{sender} punishes {receiver} for breaking the agreement's terms (economic pressure +{detail})",
    "text_signed": "The sides sign {sender}'s text at the summit ({detail})",
    "escalation": "The crisis escalates: {detail}",
    "blame": "{sender} blames {receiver} for the failed summit; its influence is halved",
    "shock": "{detail}",
    "stalemate": "The period ends in stalemate",
    "ratified": "The {detail} agreement between {sender} and {receiver} is ratified and enters into force",
    "ratification_failed": "The {detail}",
    "agreement_implemented": "The {detail} agreement between {sender} and {receiver} has been kept long enough to count as implemented",
    "agreement_collapsed": "The agreement between {sender} and {receiver} collapses ({detail})",
}
"""Sentences for events that are not signals (outcomes, shocks)."""


DEFAULT_WORDING: dict[str, str] = {"moratorium": "a moratorium on the tests its pledge covers"}
"""Case-specific words the catalogue's sentences leave to the scenario (``wording`` in a scenario file), with generic defaults."""


def _worded(sentence: str, wording: Mapping[str, str]) -> str:
    """A sentence template with the scenario's words put in (``{moratorium}``); the event's own fields stay to fill."""
    for key, words in wording.items():
        sentence = sentence.replace("{" + key + "}", words.replace("{", "{{").replace("}", "}}"))
    return sentence


def build_catalogue(overrides: dict[str, dict[str, Any]] | None = None, wording: Mapping[str, str] | None = None) -> dict[str, SignalKind]:
    """The default catalogue with a scenario's overrides merged in, its sentences in the scenario's ``wording``.

    An override of an existing kind replaces the fields it names (``effects``
    as a whole); a new kind must be complete.

    >>> cat = build_catalogue({"praise": {"cost": 0.05}})
    >>> cat["praise"].cost, cat["threat"].cost
    (0.05, 0.05)
    """
    merged: dict[str, dict[str, Any]] = {k: dict(v) for k, v in DEFAULT_CATALOGUE.items()}
    for name, fields in (overrides or {}).items():
        base = merged.get(name, {})
        base.update(fields)
        merged[name] = base
    words = {**DEFAULT_WORDING, **(wording or {})}
    for fields in merged.values():
        if isinstance(fields.get("sentence"), str):
            fields["sentence"] = _worded(fields["sentence"], words)
    return {name: SignalKind.model_validate(fields) for name, fields in merged.items()}


def sentence_for(kind: str, catalogue: dict[str, SignalKind], **fields: Any) -> str:
    """Plain-language sentence for an event of ``kind``."""
    template = catalogue[kind].sentence if kind in catalogue else EVENT_SENTENCES.get(kind, "{sender}: " + kind)
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        return template
