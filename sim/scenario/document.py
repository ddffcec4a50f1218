"""Scenario files: pydantic models, loading with readable errors, JSON Schema.

A scenario is the whole description of a case (docs/scenarios.md): sides with
their leader and factions, third parties, the issue space, who listens to
whom, the signal catalogue's overrides, dated events, the historical record
and the model parameters. Errors name the file, the field and the line::

    scenarios/x.yaml:17: sides.us.factions[2].influence: must be <= 1 (got 1.4)
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from summitry.sim.errors import ParameterError, ScenarioError
from summitry.sim.labels import unit_word
from summitry.sim.mechanisms.clock import UNIT_DAYS, Clock, StepUnit
from summitry.sim.mechanisms.limits import LinearLimit
from summitry.sim.mechanisms.parameters import DEFAULT_RANGES, ModelParameters
from summitry.sim.mechanisms.roles import FACTION_ROLES, FactionRoleName, ThirdPartyRoleName
from summitry.sim.mechanisms.signals import DEFAULT_CATALOGUE, DEFAULT_WORDING, Effect, SignalKind, build_catalogue
from summitry.sim.numeric import NumbersOnly
from summitry.sim.scenario import overrides as parameter_paths
from summitry.sim.scenario.cross_check import cross_check
from summitry.sim.scenario.loading import (
    Loc,
    _clean_loc,
    _humanise,
    builtin_names,
    close_matches,
    format_loc,
    parse_document,
    read_text,
    resolve,
    validation_messages,
)
from summitry.sim.scenario.overrides import accepted_range, canonical, checked_number, parameter_map, shown
from summitry.sim.scenario.pattern_fields import Pattern

Unit = Annotated[float, Field(ge=0, le=1)]
Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")]


class _Data(NumbersOnly):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Acceptance(_Data):
    """A member's acceptance set: the half-plane gains + g*gives >= b, within its stated bounds and constraints (ODD 7.1-7.3)."""

    concession_weight: float = Field(1.0, ge=0, le=10, description="g_k: how much each unit given counts against each unit gained.")
    threshold: float = Field(0.0, ge=-3, le=3, description="b_k^0: the baseline utility a deal must reach.")
    stance_shift: bool = Field(
        True,
        description="Whether the threshold moves with the member's stance (alpha_x (x - 1/2)); false for limits an analyst "
        "states outright, which already include the member's hawkishness.",
    )
    bounds: dict[str, tuple[Unit, Unit]] = Field(
        default_factory=dict,
        description="Per-issue limits, {dimension: [lo, hi]} with 0 <= lo <= hi <= 1: the member accepts only deals "
        "inside every one (e.g. d: [0.3, 1] for 'at least 0.3 on d'). They do not move with stance or pressure.",
    )
    constraints: list[LinearLimit] = Field(
        default_factory=list,
        max_length=20,
        description="Linear limits sum_i a_i q_i >= c that every deal the member accepts must meet (e.g. relief "
        "not ahead of disarmament: {weights: {d: 1, r: -1}, at_least: 0}).",
    )


class Traits(_Data):
    """A leader's personality (ODD 2.2; its traits enter the decision rule, 7.16)."""

    impulsiveness: Unit = Field(0.2, description="iota: weight on last week's affect; shrinks staff influence.")
    ego: Unit = Field(0.3, description="psi: rapport gain from flattery; discounting of a touted pledge's breach.")
    risk_tolerance: Unit = Field(0.6, description="zeta: (1 - zeta) weights escalation risk.")
    patience: float = Field(0.98, ge=0.5, le=1, description="delta: weekly discount factor.")


class FactionTraits(_Data):
    """A faction's temperament (its patience is the faction's own field)."""

    impulsiveness: Unit = Field(0.2, description="iota: weight on last week's affect in its choices.")
    ego: Unit = Field(0.0, description="psi: rapport gain from flattery; discounting of a touted pledge's breach.")
    risk_tolerance: Unit = Field(0.5, description="zeta: (1 - zeta) weights escalation risk in its choices.")


class ThirdPartyTraits(FactionTraits):
    """A third party's temperament."""

    risk_tolerance: Unit = Field(0.6, description="zeta: (1 - zeta) weights escalation risk in its choices.")
    patience: float = Field(0.98, ge=0.5, le=1, description="delta: weekly discount factor.")


class Leader(_Data):
    """The principal of a side."""

    id: Id = Field(description="Unique actor id, used in edges, events and overrides.")
    name: str = Field(min_length=1, max_length=200, description="Display name.")
    stance: Unit = Field(0.5, description="x^0: initial and anchor stance (1 = hawkish).")
    susceptibility: Unit | None = Field(None, description="lambda = 1 - stubbornness; the parameter susceptibility_leader when absent.")
    self_weight: Unit = Field(0.5, description="omega_L: the leader's own weight in the side's ratification and its stance update.")
    acceptance: Acceptance = Field(default_factory=Acceptance)
    traits: Traits = Field(default_factory=Traits)
    type: Literal["T", "U"] | None = Field(
        None, description="True type (Kydd): T reciprocates, U exploits; drawn with type_prior when absent."
    )
    trust: dict[str, Unit] = Field(
        default_factory=dict, description="mu^0: initial trust in each other side, by side id (0.5 when absent)."
    )
    rapport: dict[str, Unit] = Field(
        default_factory=dict,
        description="R^0: initial rapport with each other side's leader, by side id (0 when absent): the personal relation "
        "built before step 0, e.g. at an earlier summit.",
    )


class Faction(_Data):
    """A member of a leader's inner circle."""

    id: Id = Field(description="Unique actor id.")
    name: str = Field(min_length=1, max_length=200, description="Display name.")
    role: FactionRoleName = Field(description="Selects default behaviour.")
    also: list[FactionRoleName] = Field(
        default_factory=list,
        max_length=5,
        description="Further roles it holds: it may also send the signal kinds of these roles (a reformer who is also "
        "the back channel: role reformer, also [staff]); its leaning, defaults and vindication follow its main role.",
    )
    stance: Unit = Field(0.5, description="x^0: initial and anchor stance (1 = hawkish).")
    susceptibility: Unit | None = Field(None, description="lambda; the role's default parameter when absent.")
    influence: Unit = Field(description="This faction's share of the side's non-leader weight (shares of a side sum to 1).")
    acceptance: Acceptance = Field(default_factory=Acceptance)
    patience: float = Field(0.98, ge=0.5, le=1, description="delta: weekly discount factor (hardliners ~0.995).")
    erosion_belief: Unit = Field(0.0, description="eps_hat: believed weekly erosion rate of sanctions on its own side.")
    horizon: float = Field(0.0, ge=0, le=520, description="H: weeks over which it expects the erosion to pay off.")
    listens_to_leader: Unit = Field(0.4, description="Weight of its edge to its own leader.")
    traits: FactionTraits = Field(default_factory=FactionTraits)
    veto: bool = Field(
        False,
        description="A veto player: its side ratifies only deals this member accepts, whatever the weights "
        "(a legislature that must lift statutory sanctions, a coalition partner that can bring the government down).",
    )
    trust: dict[str, Unit] = Field(default_factory=dict, description="Initial trust in other sides; the leader's when absent.")


class InitialState(_Data):
    """A side's initial pressures and stocks, all in [0, 1]."""

    economic: Unit = Field(0.0, description="P^E: economic pain.")
    domestic: Unit = Field(0.0, description="P^D: domestic pressure (need for a win, or elite discontent).")
    military: Unit = Field(0.0, description="P^M before tension is computed.")
    sanctions: Unit = Field(0.0, description="S: sanctions stock on this side.")
    hostility: Unit = Field(0.0, description="H: this side's hostility (Richardson).")
    exercise_credit: Unit = Field(0.0, description="Military pressure relieved by the other side's suspended exercises.")


class PressureWeights(_Data):
    """Weights of the three pressures in the side's aggregate P_c (sum to 1)."""

    economic: Unit = Field(0.0, description="w^E: weight of economic pain P^E.")
    domestic: Unit = Field(0.5, description="w^D: weight of domestic pressure P^D.")
    military: Unit = Field(0.5, description="w^M: weight of military pressure P^M.")


class Side(_Data):
    """A principal at the table: one leader and any number of factions."""

    name: str = Field(min_length=1, max_length=200, description="Display name.")
    description: str = Field("", max_length=2000, description="One line about the side.")
    position: Unit | None = Field(
        None, description="Place on the bias axis third parties are measured against (evenly spaced when absent)."
    )
    audience_cost: Unit = Field(0.5, description="A_c: capacity to generate audience costs (Fearon 1994; Weeks 2008).")
    ratification_threshold: Unit | None = Field(None, description="theta_c for this side; the parameter theta_c when absent.")
    utility: dict[str, float] = Field(description="Signed weight of each issue dimension for this side (+ gains, - gives).")
    concession_curvature: float = Field(
        1.0,
        ge=0.25,
        le=4.0,
        description="gamma_c: what this side gives on a dimension costs it |w| q^gamma (1: linear; above 1 the first steps are "
        "cheap and the last dear, as a freeze before the arsenal; below 1 the first step costs most).",
    )
    pressure_weights: PressureWeights = Field(default_factory=PressureWeights)
    initial: InitialState = Field(default_factory=InitialState)
    domestic: Literal["audience", "elite"] = Field(
        "audience",
        description="audience: need for a win grows with time; elite: discontent = hardliner share x unreciprocated concessions.",
    )
    capabilities: list[str] = Field(
        default_factory=list,
        description="What signals this side can send that need one (e.g. sanctions, relief, exercises, tests, dismantle).",
    )
    leader: Leader
    factions: list[Faction] = Field(default_factory=list)


class ThirdParty(_Data):
    """A leader-only actor outside the table: mediator, patron, spoiler or guarantor."""

    id: Id = Field(description="Unique actor id.")
    name: str = Field(min_length=1, max_length=200, description="Display name.")
    role: ThirdPartyRoleName = Field(
        description="mediator: shuttles between the sides; patron: meets, shields and enforces sanctions on its client side; "
        "spoiler: urges its client to slow down; guarantor: stands behind an agreement's terms."
    )
    position: Unit = Field(0.5, description="b: bias on the axis of side positions.")
    stake: Unit = Field(0.5, description="s_m: stake in the issue; a mediator with none has no credibility (Kydd 2006).")
    client: str | None = Field(
        None,
        description="Side it patronises (patrons and spoilers), or the one side a guarantor protects (it protects every side when absent).",
    )
    enforcement: Unit = Field(
        1.0,
        description="e_m: how strictly it enforces sanctions on its client; for a guarantor, how surely it enforces an "
        "agreement's terms (it removes that share of the renege risk a protected side prices).",
    )
    laxity: Unit = Field(0.3, description="chi_m: leakage its lax enforcement causes (patrons and spoilers only).")
    budget: Annotated[float, Field(ge=0, le=5)] = Field(
        0.0,
        description="Side payments a drafting mediator can promise over one summit, in units of a leader's deal utility "
        "(0: none); paid to a side whose leader refuses the text only as not worth the risk.",
    )
    stance: Unit = Field(0.5, description="x^0.")
    susceptibility: Unit | None = Field(None, description="lambda; susceptibility_leader when absent.")
    domestic: Unit = Field(0.0, description="P^D: initial domestic pressure (popularity).")
    traits: ThirdPartyTraits = Field(default_factory=ThirdPartyTraits)
    trust: dict[str, Unit] = Field(default_factory=dict, description="Initial trust in each side (0.5 when absent).")


class Edge(_Data):
    """listener listens to speaker with weight (before row normalisation); a negative weight is a contrarian edge."""

    listener: str = Field(description="Actor id of the one who listens.")
    speaker: str = Field(description="Actor id of the one listened to.")
    weight: Annotated[float, Field(ge=-1, le=1)] = Field(
        description="Weight of the edge in (0, 1]; in [-1, 0) a contrarian edge: the listener moves away from the "
        "speaker's stance (it is pulled toward 1 - x of the speaker with the weight's size)."
    )

    @field_validator("weight")
    @classmethod
    def _not_zero(cls, v: float) -> float:
        if v == 0:
            raise ValueError("an edge of weight 0 has no effect; leave it out (a negative weight is a contrarian edge)")
        return v


class Dimension(_Data):
    """One dimension of the issue space, scaled to [0, 1]."""

    id: Id = Field(description="Dimension id, used in utilities and agreement classes.")
    label: str = Field(min_length=1, max_length=200, description="Display name.")
    description: str = Field("", max_length=2000, description="What 0 and 1 mean on this dimension.")
    safeguard: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of a concession on this dimension that stays protected if the other side reneges "
        "(verification of the other's compliance, or the giver's power to reverse it, e.g. snapback).",
    )
    relieves: list[Literal["economic", "domestic", "military"]] = Field(
        default_factory=list,
        max_length=3,
        description="Pressures that delivering this dimension ends for every side, in proportion to how far a deal "
        "delivers it: a withdrawal or a ceasefire ends the fighting's military pressure even on the side that "
        "withdraws, whatever else it gets (ODD 7.19). Empty: a deal relieves a side's pressure only as far as it "
        "gives the side what it wants.",
    )

    @field_validator("relieves")
    @classmethod
    def _relieves_once(cls, v: list[str]) -> list[str]:
        twice = sorted({k for k in v if v.count(k) > 1})
        if twice:
            raise ValueError(f"names {', '.join(twice)} more than once; name each pressure once")
        return v


class Time(_Data):
    """The calendar of a run: its start, its step (the clock, ODD 3.1) and its horizon."""

    start: dt.date = Field(description="Date of step 0.")
    step: StepUnit | None = Field(
        None,
        description="Length of a step: day, week or month (30 days). Rates and durations stated per week are converted to it "
        "at load. When absent, step_days says it (7: week).",
    )
    step_days: int = Field(
        7, ge=1, le=366, description="Days per step; give step instead (step_days must agree with it when both are given)."
    )
    steps: int = Field(ge=1, le=100_000, description="Number of steps T.")

    @model_validator(mode="after")
    def _step_sets_days(self) -> Time:
        if self.step is not None:
            days = UNIT_DAYS[self.step]
            if "step_days" in self.model_fields_set and self.step_days != days:
                raise ValueError(f"step_days {self.step_days} contradicts step {self.step!r} ({days} days a step): give one of them")
            self.step_days = days
        return self

    @property
    def clock(self) -> Clock:
        """The run's clock: the step's length in days and the unit it is named by."""
        return Clock.of_days(self.step_days)

    @property
    def max_steps(self) -> int:
        """The most steps a run from ``start`` can take: every step's date is one the calendar has (by 9999-12-31).

        >>> Time(start=dt.date(9999, 12, 1), steps=1).max_steps
        5
        """
        return (dt.date.max - self.start).days // self.step_days + 1

    def past_calendar(self, steps: int) -> str | None:
        """Why a run of ``steps`` steps cannot be dated (its last step falls after 9999-12-31), or None when it can.

        The engine dates every event of a run, so a clock that runs off the calendar would fail in the
        middle of the run; it is refused when the file (or ``--steps``) is read instead.

        >>> Time(start=dt.date(9999, 12, 1), steps=1).past_calendar(5) is None
        True
        >>> Time(start=dt.date(9999, 12, 1), steps=1).past_calendar(30)
        "the run's last week (week 29) would fall after 9999-12-31, the calendar's last day: start by 9999-06-11 or run at most 5 weeks"
        """
        if steps <= self.max_steps:
            return None
        unit = unit_word(self.clock.unit)
        latest = dt.date.max.toordinal() - (steps - 1) * self.step_days
        start = f"start by {dt.date.fromordinal(latest).isoformat()} or " if latest >= 1 else ""
        return (
            f"the run's last {unit} ({unit} {steps - 1}) would fall after 9999-12-31, the calendar's last day: "
            f"{start}run at most {self.max_steps} {unit_word(self.clock.unit, plural=True)}"
        )


SummitStatus = Literal["none", "offered", "scheduled", "cancelled"]
"""Where the summit process stands."""
SUMMIT_CODES: dict[str, int] = {**{status: code for code, status in enumerate(get_args(SummitStatus))}, "closed": 4, "in_session": 5}
"""The number each status is recorded as in a run's ``summit_status`` series (none 0, offered 1, scheduled 2, cancelled 3,
closed 4: no further summit after an agreement, ODD 7.20; in_session 5: a summit of several steps under way, ODD 7.19)."""


class Summit(_Data):
    """Which sides meet at summits."""

    sides: list[str] = Field(min_length=2, max_length=2, description="The two sides that meet.")
    status: SummitStatus = Field("none", description="Summit status at step 0.")
    offered_by: str | None = Field(None, description="Side whose offer is pending when status is 'offered'.")
    week: int | None = Field(None, ge=0, description="Scheduled step (of the clock) when status is 'scheduled'.")
    held: int = Field(0, ge=0, description="Summits already held before step 0.")
    mediator: str | None = Field(
        None,
        description="A third party with the mediator role who tables a single negotiating text at every round of every summit: "
        "the point that maximises the sides' joint acceptance, weighted by its own bias. None: the sides' offers only.",
    )
    partners: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Co-negotiators: for a summit side, the other sides at the table beside it (an ally with its own say); "
        "a deal is signed only when every partner's coalition ratifies it too.",
    )
    steps: int = Field(
        1,
        ge=1,
        le=60,
        description="Steps of the clock a summit lasts (a negotiation of several days on a daily clock): each step holds "
        "its rounds; the session ends at a deal or at its last step, where it ends in a declaration or a walk-away.",
    )
    rounds: int = Field(
        1,
        ge=1,
        le=10,
        description="Rounds of offers (and the mediator's text) at one summit, all within its step; between rounds the mediator "
        "presses each side that rejected its text (parameter mediator_press).",
    )


class InitialPledge(_Data):
    """A pledge already in force at step 0 (e.g. a test moratorium)."""

    side: str = Field(description="Side that made the pledge.")
    scope: list[str] = Field(min_length=1, description="Test classes it covers (e.g. icbm, nuclear).")
    tie: Unit = Field(0.4, description="Audience cost a staked on it.")
    touted_by: list[str] = Field(default_factory=list, description="Actor ids who publicly vouched for it (they discount its breach).")


class AgreementTerm(_Data):
    """What signing commits one side to: a pledge that ends the agreement when broken (docs/ODD.md 7.20)."""

    side: str = Field(description="Side bound by the term.")
    classes: list[str] = Field(
        default_factory=list, description="Agreement classes whose signing makes this term (every class when empty)."
    )
    scope: list[str] = Field(default_factory=list, description="Test classes the side may no longer test (e.g. icbm, nuclear).")
    kinds: list[str] = Field(default_factory=list, description="Signal kinds the side may no longer send (e.g. sanctions_tighten).")
    tie: Unit = Field(0.4, description="Audience cost staked on the term: what breaking it costs the side, as for a pledge.")

    @model_validator(mode="after")
    def _covers_something(self) -> AgreementTerm:
        if not self.scope and not self.kinds:
            raise ValueError("a term must name at least one test class (scope) or signal kind (kinds)")
        return self


class Implementation(_Data):
    """Life after an agreement: ratification, terms kept or broken, and talks that go on (docs/ODD.md 7.20).

    Without this block a run ends at its first agreement.
    """

    ratifiers: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per side, the members whose vote ratifies a signed agreement; every one must accept the signed point.",
    )
    ratify_weeks: int = Field(
        4, ge=1, le=520, description="Weeks from signing to the ratification vote (used only when ratifiers are named)."
    )
    comply_weeks: int = Field(26, ge=1, le=1040, description="Weeks of kept terms after which an agreement counts as implemented.")
    continue_after: list[str] = Field(
        default_factory=list,
        description="Agreement classes after which talks go on toward another agreement (e.g. interim); after any other class "
        "no further summit is held.",
    )
    terms: list[AgreementTerm] = Field(default_factory=list, description="What signing commits each side to.")


class Event(_Data):
    """A dated event: a signal from the record, an exogenous shock, or a summit."""

    week: int | None = Field(None, ge=0, description="Step of the event (or give date).")
    date: dt.date | None = Field(None, description="Date of the event; converted to a step.")
    kind: str = Field(description="A signal kind, 'shock' or 'summit'.")
    sender: str | None = Field(None, description="Actor id of the sender.")
    receiver: str | None = Field(None, description="Actor id of the receiver.")
    mode: Literal["forcing", "always"] | None = Field(
        None, description="forcing: injected only in forcing mode (default for signals); always: in both modes (default for shocks)."
    )
    effects: list[Effect] = Field(default_factory=list, description="Effects of a shock.")
    text: str = Field("", max_length=2000, description="What happened, in words.")

    @property
    def effective_mode(self) -> str:
        """'forcing' (injected only in forcing mode) or 'always': ``mode``, or its default for the event's kind."""
        return self.mode or ("always" if self.kind == "shock" else "forcing")


class RecordEntry(_Data):
    """One dated line of the historical record (the scenario's sources)."""

    date: dt.date = Field(description="Date of the entry.")
    week: int | None = Field(
        None, ge=-1000, le=100_000, description="Step of the entry: the step its date falls on (worked out from the date when absent)."
    )
    text: str = Field(min_length=1, max_length=2000, description="What happened, in words.")
    source: str = Field("", max_length=500, description="Where it is documented.")


class Wording(_Data):
    """Case-specific words the engine's event sentences use; the defaults are generic (no case in them)."""

    moratorium: str = Field(
        DEFAULT_WORDING["moratorium"],
        min_length=1,
        max_length=200,
        description="What a test-moratorium pledge promises, in words: '{sender} pledges to {receiver} <moratorium>' "
        "(e.g. 'a moratorium on nuclear and long-range tests').",
    )


class Scenario(_Data):
    """A whole case: everything a run needs besides the seed."""

    name: Id = Field(description="Short name, e.g. hanoi-2019.")
    title: str = Field(min_length=1, max_length=200, description="Display title.")
    description: str = Field(min_length=1, max_length=5000, description="One line first, then any detail.")
    sources: list[str] = Field(default_factory=list, description="Where the record comes from.")
    mode: Literal["free", "forcing"] = Field(
        "free", description="free: agents choose; forcing: the record's events are injected on their dates."
    )
    time: Time
    issues: list[Dimension] = Field(min_length=1, max_length=4, description="The issue space.")
    grid_points: int = Field(21, ge=2, le=201, description="Grid points per dimension.")
    agreement: dict[str, dict[str, tuple[float, float]]] = Field(
        description="Agreement classes, strongest first: class -> {dimension: [lo, hi]}."
    )
    summit: Summit
    belligerents: list[str] | None = Field(
        None,
        min_length=2,
        description="The sides whose mean hostility is the tension E that escalation and military pressure read: the sides "
        "in the conflict, whether or not both sit at the table (a broker's summit with one of them; opening talks then relieves "
        "no summit leader's military pressure). None: the two summit sides.",
    )
    sides: dict[str, Side] = Field(min_length=1)
    third_parties: list[ThirdParty] = Field(default_factory=list)
    influence: list[Edge] = Field(default_factory=list, description="Edges besides faction<->leader (peers, cross-border).")
    signals: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Overrides of the signal catalogue, or new kinds.")
    events: list[Event] = Field(default_factory=list)
    pledges: list[InitialPledge] = Field(default_factory=list, description="Pledges in force at step 0.")
    implementation: Implementation | None = Field(
        None, description="Life after an agreement (ratification, terms, further talks); without it a run ends at its first agreement."
    )
    record: list[RecordEntry] = Field(default_factory=list, description="The historical record.")
    patterns: list[Pattern] = Field(default_factory=list)
    wording: Wording = Field(default_factory=Wording, description="Case-specific words of the event sentences.")
    parameters: ModelParameters = Field(default_factory=ModelParameters)
    ranges: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Sweep ranges by parameter path; defaults for model parameters."
    )
    calibration: parameter_paths.CalibrationDeclaration | None = Field(
        None,
        exclude=True,  # it changes no run: not in the document a run records, nor in the content hash
        description="What a joint calibration (`summitry calibrate CASE1 CASE2 ...`) fits per case; changes no run.",
    )

    @cached_property
    def catalogue(self) -> dict[str, SignalKind]:
        return build_catalogue(self.signals, self.wording.model_dump())

    def actor_ids(self) -> list[str]:
        ids = []
        for side in self.sides.values():
            ids.append(side.leader.id)
            ids.extend(f.id for f in side.factions)
        ids.extend(t.id for t in self.third_parties)
        return ids

    def week_of(self, date: dt.date) -> int:
        return (date - self.time.start).days // self.time.step_days

    def date_of(self, week: int) -> dt.date:
        return self.time.start + dt.timedelta(days=week * self.time.step_days)

    def content_hash(self) -> str:
        """SHA-256 of the scenario's document (:func:`document_hash`): what run, backtest and sweep manifests record."""
        return document_hash(self.model_dump(mode="json"))

    def legacy_content_hash(self) -> str:
        """The content hash summitry recorded until 7 December 2026 (:func:`legacy_document_hash`), to read old outputs."""
        return legacy_document_hash(self.model_dump(mode="json"))


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def ordered_json(data: Any) -> str:
    """Compact JSON that keeps every mapping in its own key order."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True)


def document_hash(data: Any) -> str:
    """SHA-256 of a document's compact JSON, every mapping in its own key order.

    Order is part of what a run is: sides (and everything keyed by them) are
    indexed in the order the file lists them, and two files that differ only
    in that order give different runs from the same seed. A hash of sorted
    JSON called them the same scenario.

    >>> document_hash({"sides": {"a": 1, "b": 2}}) == document_hash({"sides": {"b": 2, "a": 1}})
    False
    """
    return hashlib.sha256(ordered_json(data).encode()).hexdigest()


def legacy_document_hash(data: Any) -> str:
    """SHA-256 of a document's JSON with every mapping sorted: the hash recorded until 7 December 2026.

    Blind to the order of sides; only used to recognise outputs written then.

    >>> legacy_document_hash({"sides": {"a": 1, "b": 2}}) == legacy_document_hash({"sides": {"b": 2, "a": 1}})
    True
    """
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def validate_data(data: Mapping[str, Any], source: str, lines: Mapping[Loc, int] | None = None) -> Scenario:
    """Validate parsed data; raise ScenarioError with every problem found."""
    lines = lines if lines is not None else {}
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_messages(exc, source, lines, model=Scenario, reword=_summit_date(data))) from None
    problems = cross_check(sc)
    if problems:
        msgs = []
        for loc, msg in problems:
            line = _line(loc, lines)
            where = f"{source}:{line}" if line else source
            msgs.append(f"{where}: {format_loc(loc)}: {msg}")
        raise ScenarioError(msgs)
    return sc


def _summit_date(data: Mapping[str, Any]) -> Callable[[Loc, Mapping[str, Any]], str | None]:
    """What to say of a date given for the summit's step (``summit.week: 1972-05-22``, or a key ``summit.date``): the
    summit's step is a step number, and the step that date falls on under the file's clock, when the clock is valid."""

    def step_of(when: dt.date) -> str:
        try:
            time = Time.model_validate(data.get("time"))
        except ValidationError:
            return "give the step that date falls on (0 is time.start)"
        step = (when - time.start).days // time.step_days
        unit = unit_word(time.clock.unit)
        if step < 0:
            return f"{when} is before the run starts ({time.start}, step 0)"
        return f"{when} is step {step} ({unit} {step} of the clock from {time.start}): write week: {step}"

    def reword(loc: Loc, err: Mapping[str, Any]) -> str | None:
        if tuple(loc) == ("summit", "week") and isinstance(err.get("input"), dt.date):
            return f"must be a step number, not a date; {step_of(err['input'])}"
        if tuple(loc) == ("summit", "date") and err["type"] == "extra_forbidden":
            when = err.get("input")
            said = step_of(when) if isinstance(when, dt.date) else "give the step its date falls on (0 is time.start)"
            return f"the summit's step is given as week (a step number), not as a date; {said}"
        return None

    return reword


def scenario_problems(data: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    """The problems of parsed scenario data as (location, message), as :func:`validate_data` finds them: the format's
    first, and only when it passes the rules across fields. Empty for a valid scenario.

    For callers that place each problem themselves (a sweep spec names the entry of its design that caused it).
    """
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        return [(_clean_loc(err["loc"]), _humanise(err, Scenario)) for err in exc.errors(include_url=False)]
    return cross_check(sc)


def _line(loc: Loc, lines: Mapping[Loc, int]) -> int | None:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def load_raw(name_or_path: str | Path) -> tuple[dict[str, Any], dict[Loc, int], str]:
    """Parse a scenario file without validating it: (data, lines, source)."""
    path = resolve(name_or_path)
    source = str(name_or_path) if Path(name_or_path) == path else _display(path)
    text = read_text(path, "scenario", ScenarioError)
    data, lines = parse_document(text, source, "scenario", ScenarioError)
    return data, lines, source


def choice_parameter(path: str) -> tuple[str, ...] | None:
    """The options of a model parameter that is a choice among words (``trust_model``), or None.

    >>> choice_parameter("parameters.trust_model")
    ('logit', 'beta')
    >>> choice_parameter("kappa") is None
    True
    """
    field = ModelParameters.model_fields.get(path.removeprefix("parameters."))
    if field is None:
        return None
    options = get_args(field.annotation)
    return tuple(str(o) for o in options) if options and all(isinstance(o, str) for o in options) else None


def _display(path: Path) -> str:
    """``path`` relative to the current directory when under it, else as it is (also when there is no current directory)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def apply_overrides(
    data: Mapping[str, Any], overrides: Mapping[str, Any], source: str = "scenario", origins: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A copy of raw scenario ``data`` with each ``path: value`` applied.

    Raises ParameterError naming close matches for an unknown path. Each
    message starts with where the override came from: ``origins[path]``
    (e.g. ``cal.yaml:3: parameters.kappa``) or ``--set PATH``.
    """
    sc = Scenario.model_validate(data)
    pmap = parameter_map(sc)
    out = copy.deepcopy(dict(data))
    errors = []
    shares: dict[str | int, dict[int, tuple[float, str]]] = {}  # side -> faction -> (share set, where), rescaled together below
    for path, value in overrides.items():
        where = (origins or {}).get(path, f"--set {path}")
        try:
            key = canonical(sc, path, pmap)
        except KeyError:
            choice = choice_parameter(path)
            if choice is not None:
                # a model switch, not a number: --set, sweeps and calibration vary numbers only
                errors.append(
                    f"{where}: not a number but a choice ({' or '.join(choice)}); "
                    f"state it in the scenario's parameters block (parameters: {{{path.removeprefix('parameters.')}: {choice[-1]}}})"
                )
                continue
            near = list(dict.fromkeys(close_matches(path, list(pmap) + [p.removeprefix("parameters.") for p in pmap], n=8)))[:5]
            hint = f"; close matches: {', '.join(near)}" if near else "; `summitry params SCENARIO` lists them"
            errors.append(f"{where}: no such parameter in {source}{hint}")
            continue
        loc, info = pmap[key]
        try:
            value = checked_number(value, where)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        try:
            as_float = float(value)
        except OverflowError:
            as_float = math.inf if value > 0 else -math.inf
        if isinstance(value, float) and not math.isfinite(value):
            errors.append(f"{where}: must be a finite number (got {value})")
            continue
        if not info.low <= as_float <= info.high or not math.isfinite(as_float):
            errors.append(f"{where}: must be within {accepted_range(info)} (got {shown(value)})")
            continue
        if info.integer and as_float != int(as_float):
            errors.append(f"{where}: must be a whole number (got {shown(value)})")
            continue
        if loc[0] == "signals":
            _signal_block(out, loc)
        node: Any = out
        for part in loc[:-1]:
            if isinstance(node, list):
                node = node[part]  # type: ignore[index]
            else:
                if part not in node or node[part] is None:
                    node[part] = {}
                else:
                    node[part] = copy.copy(node[part])
                node = node[part]
        node[loc[-1]] = int(value) if info.integer else value
        if len(loc) == 5 and loc[0] == "sides" and loc[2] == "factions" and loc[4] == "influence":
            shares.setdefault(loc[1], {})[int(loc[3])] = (float(value), where)
    for side, chosen in shares.items():
        problem = _rescale_shares(out["sides"][side]["factions"], data["sides"][side]["factions"], chosen)  # type: ignore[index]
        if problem:
            errors.append(problem)
    if errors:
        raise ParameterError(errors)
    return out


def _signal_block(data: dict[str, Any], loc: tuple[str | int, ...]) -> None:
    """Give ``data`` a ``signals:`` entry for the kind ``loc`` names, ready to take the override at ``loc``.

    A kind's override replaces ``effects`` and ``trust`` whole (:func:`summitry.sim.mechanisms.signals.build_catalogue`),
    so an override of one effect's delta or of the trust magnitude first copies the kind's list or
    trust from the catalogue into the entry, unless the scenario's entry already has its own.
    """
    kind = str(loc[1])
    signals = dict(data.get("signals") or {})
    data["signals"] = signals
    entry = copy.deepcopy(dict(signals.get(kind) or {}))
    signals[kind] = entry
    if len(loc) > 3 and loc[2] not in entry and loc[2] in DEFAULT_CATALOGUE.get(kind, {}):
        entry[loc[2]] = copy.deepcopy(DEFAULT_CATALOGUE[kind][str(loc[2])])


def _rescale_shares(
    factions: list[dict[str, Any]], original: list[Mapping[str, Any]], chosen: Mapping[int, tuple[float, str]]
) -> str | None:
    """Keep a side's faction shares summing to 1 after some were set (``chosen``: faction index -> (share, where)).

    The shares set keep their values; the other factions keep their proportions in the file and share what is
    left, 1 - the sum of the shares set. Returns the problem when that cannot be done (None when it was): shares
    set together to more than 1, or every share of the side set to a sum other than 1.
    """
    total = sum(v for v, _ in chosen.values())
    others = [i for i in range(len(factions)) if i not in chosen]
    places = " and ".join(w for _, w in chosen.values())
    if not others:
        if abs(total - 1.0) > 0.01:
            return f"{places}: every faction share of the side is set, and they sum to {total:g}, not 1 (±0.01)"
        return None
    if total > 1.0 + 1e-12:
        return f"{places}: the faction shares set sum to {total:g}, more than 1: nothing would be left for the side's other factions"
    rest = sum(float(original[i].get("influence", 0.0)) for i in others)
    for i in others:
        factions[i] = dict(factions[i])
        old = float(original[i].get("influence", 0.0))
        factions[i]["influence"] = (1 - total) * (old / rest if rest > 0 else 1 / len(others))
    return None


def load_scenario(
    name_or_path: str | Path, overrides: Mapping[str, Any] | None = None, origins: Mapping[str, str] | None = None
) -> Scenario:
    """Load, override and validate a scenario (a built-in name or a path); ``origins`` say where each override came from."""
    data, lines, source = load_raw(name_or_path)
    if overrides:
        # validate first so that override errors are about the override only
        validate_data(data, source, lines)
        data = apply_overrides(data, overrides, source, origins)
        return validate_data(data, f"{source} (with --set)", {})
    return validate_data(data, source, lines)


def load_scenario_text(text: str, source: str = "<upload>") -> Scenario:
    """Validate a scenario given as text (uploads)."""
    data, lines = parse_document(text, source, "scenario", ScenarioError)
    return validate_data(data, source, lines)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "summitry scenario"
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def default_ranges() -> dict[str, tuple[float, float]]:
    return dict(DEFAULT_RANGES)


__all__ = [
    "FACTION_ROLES",
    "Faction",
    "Leader",
    "Scenario",
    "Side",
    "ThirdParty",
    "builtin_names",
    "json_schema",
    "load_scenario",
    "load_scenario_text",
    "validate_data",
]
