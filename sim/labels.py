"""Human labels for the identifiers a user meets: outcomes, event kinds, metrics, parameters, modes.

One table, shared by the dashboard and the reports, so that a run reads the
same in both: ``walk_away`` is "walk-away", ``summit_held`` "summit held",
``parameters.trust_decl`` "trust needed for a declaration".
The identifiers stay what files, URLs and ``--set`` use; only what is shown
to a person changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from summitry.sim.mechanisms.signals import build_catalogue, sentence_for

OUTCOME_LABELS: dict[str, str] = {
    "agreement_comprehensive": "comprehensive agreement",
    "agreement_interim": "interim agreement",
    "declaration": "declaration",
    "walk_away": "walk-away",
    "escalation": "escalation",
    "stalemate": "stalemate",
}
"""Outcome of a run -> label (lower case; :func:`outcome_label` capitalises on request)."""

ENGINE_KIND_LABELS: dict[str, str] = {
    "summit_scheduled": "summit scheduled",
    "summit_reinstated": "summit reinstated",
    "summit_held": "summit held",
    "offer_rejected": "offer rejected",
    "summit_round": "summit round",
    "mediator_press": "mediator presses",
    "side_payment": "side payment",
    "guarantor_enforces": "guarantor enforces",
    "text_signed": "mediator's text signed",
    "agreement": "agreement",
    "declaration": "declaration",
    "blame": "blame",
    "escalation": "escalation",
    "stalemate": "stalemate",
    "shock": "shock",
    "walk_away": "walk-away",
    "pledge_breach": "pledge breach",
}
"""Event kinds the engine logs itself (the signal catalogue's kinds carry their own ``label``)."""

MODE_LABELS: dict[str, str] = {
    "free": "free",
    "forcing": "forcing",
}
"""Run modes, worded the same everywhere: *free* (agents choose) and *forcing* (the record's events are injected)."""

MODE_HELP: dict[str, str] = {
    "free": "free: the agents choose every signal",
    "forcing": "forcing: the record's signals are injected on their dates; leaders and third parties choose nothing, factions still choose",
}

METRIC_LABELS: dict[str, str] = {
    "summit_held": "Summit held",
    "first_summit_week": "First summit (week)",
    "summits": "Summits held",
    "summit_results": "Summit results",
    "cancellations": "Cancellations",
    "reinstated": "Summit reinstated",
    "walk_away": "Walk-away",
    "walked_by": "Walked away",
    "agreement_type": "Agreement type",
    "agreement_week": "Agreement (week)",
    "agreement_point": "Agreement point",
    "time_to_agreement": "Time to agreement (weeks)",
    "agreement_censored": "No agreement by the end",
    "agreements_signed": "Agreements signed",
    "agreement_stage": "How far the latest agreement got",
    "agreement_stages": "Stages of the latest agreement (week)",
    "agreement_ratified": "Agreement ratified",
    "agreement_implemented": "Agreement implemented",
    "agreement_collapsed": "Agreement collapsed",
    "escalation": "Escalation",
    "escalation_week": "Escalation (week)",
    "moratorium_survival": "Moratorium survival (weeks)",
    "moratorium_censored": "Moratorium held to the end",
    "steps_run": "Weeks run",
    "final_trust": "Final trust",
    "final_pressure": "Final pressure",
    "final_tension": "Final tension",
    "final_zone_area": "Final zone of agreement",
    "mean_zone_area": "Mean zone of agreement",
    "hardliner_influence": "Hardliner influence (end)",
    "signals_sent": "Signals sent",
    # a sweep's metrics (sim/experiments/spec.py METRICS) that a run's manifest does not have; side a and b are the
    # scenario's summit sides in order (a sweep report names them when it has the scenario)
    "agreement": "Agreement (any class)",
    "trust_a_to_b": "Final trust of side a's leader in side b",
    "trust_b_to_a": "Final trust of side b's leader in side a",
    "pressure_a": "Final pressure on side a",
    "pressure_b": "Final pressure on side b",
    "pattern_score": "Pattern score (weighted)",
}
"""Run metrics (``run.json``'s ``metrics``) -> label."""

PARAMETER_LABELS: dict[str, str] = {
    "trust_model": "trust model",
    "kappa": "credibility per unit of signal cost",
    "kappa_h": "trust lost per unit of hostility",
    "kappa_b": "trust lost from a pledge breach",
    "phi": "hawks' discount of reassurance",
    "nu": "weekly forgetting of trust",
    "type_prior": "prior chance a leader is trustworthy",
    "kappa_m": "gap a credible mediator closes",
    "beta_n0": "Beta trust: prior strength",
    "beta_w": "Beta trust: weight of a signal",
    "beta_wb": "Beta trust: weight of a breach",
    "beta_decay": "Beta trust: weekly decay",
    "rapport_decl": "rapport needed for a declaration",
    "trust_decl": "trust needed for a declaration",
    "declaration_gain": "trust gained from a declaration",
    "theta_c": "share of a side that must accept a deal",
    "alpha_x": "hawkishness raises the bar for a deal",
    "alpha_p": "pressure lowers the bar for a deal",
    "alpha_eps": "expected sanctions erosion raises the bar",
    "demand_decay": "weekly fading of a public demand",
    "sigma_w": "misreading of the other's win-set",
    "mu_min": "trust needed for a deal",
    "status_quo_weight": "cost of no deal (weight of pressure)",
    "walk_audience": "audience value of walking away",
    "walk_leverage": "leverage value of walking away",
    "declaration_value": "value of a declaration",
    "declaration_fatigue": "value left after each failed summit",
    "declaration_letdown": "letdown after an unmet declaration",
    "letdown_weeks": "weeks until the letdown",
    "erosion_learning": "learning about sanctions erosion",
    "erosion_scale": "erosion read into leakage",
    "theta_acc": "value of signing any deal",
    "tau_prep_min": "fewest weeks to prepare a summit",
    "tau_prep_max": "most weeks to prepare a summit",
    "eta": "speed of factional competition",
    "p_blame": "chance of blaming a faction",
    "susceptibility_leader": "leaders' openness to influence",
    "susceptibility_hawks": "hawks' openness to influence",
    "susceptibility_doves": "doves' openness to influence",
    "delta_e": "weekly approach of economic pain",
    "leak0": "baseline sanctions leakage",
    "delta_m": "weekly decay of hostility",
    "gamma_r": "reaction to the other's hostility",
    "domestic_growth": "weekly growth of the need for a win",
    "domestic_decay": "weekly decay of elite discontent",
    "e_crit": "tension that counts toward escalation",
    "e_weeks": "weeks of high tension to escalate",
    "lambda_q": "rationality of choices",
    "theta_t": "value of the other side's trust",
    "theta_z": "value of a wider zone of agreement",
    "theta_p": "value of pressure (to hawks)",
    "theta_r": "cost of escalation risk",
    "theta_aff": "weight of last week's mood",
    "theta_rapport": "value of rapport",
    "theta_home": "cost at home of a concession",
    "theta_placate": "value of placating a discontented elite",
    "renege_u": "renege risk of an untrustworthy leader",
    "renege_t": "renege risk of a trustworthy leader",
    "activity": "preference for quiet weeks",
    "deal_weight": "weight of what a deal gives away",
    "summit_weight": "weight of what a summit is forecast to bring",
    "summit_relief": "relief of opening talks",
    "reciprocity_match": "how far a gesture is answered in kind",
    "choice_rate": "choices per week",
    "mediator_press": "pressure of a drafting mediator",
    "guarantee_penalty": "guarantor's penalty for a broken term",
}
"""Model parameters (``parameters.NAME``) -> label; the name itself stays visible beside it."""


def outcome_label(outcome: str | None, capital: bool = False) -> str:
    """An outcome's label; also a summit's result as a run's ``summit_results`` records it (``agreement:interim``).

    >>> outcome_label("walk_away"), outcome_label("agreement_interim", capital=True), outcome_label(None)
    ('walk-away', 'Interim agreement', '—')
    >>> outcome_label("agreement:interim")
    'interim agreement'
    """
    if not outcome:
        return "—"
    outcome = outcome.replace(":", "_")
    text = OUTCOME_LABELS.get(outcome, outcome.replace("_", " "))
    return text[:1].upper() + text[1:] if capital else text


def kind_label(kind: str, catalogue: Mapping[str, Any] | None = None) -> str:
    """An event kind's label: the signal catalogue's ``label`` (lower case), the engine's, or the id in words.

    >>> kind_label("summit_held"), kind_label("srbm_test"), kind_label("new_kind")
    ('summit held', 'short-range missile test', 'new kind')
    """
    if kind in ENGINE_KIND_LABELS:
        return ENGINE_KIND_LABELS[kind]
    if catalogue is None:
        catalogue = _catalogue()
    found = catalogue.get(kind)
    if found is not None:
        label = str(getattr(found, "label", "") or "")
        if label:
            return label[:1].lower() + label[1:] if not label[:2].isupper() else label
    return kind.replace("_", " ")


GROUP_SENTENCES: dict[str, str] = {
    "threat": "A threat from {sender} to {receiver}",
    "lobby": "Lobbying of {receiver} by {sender}",
    "mediation": "Shuttle diplomacy by {sender} between the principals",
    "interference": "A call from {sender} to {receiver} to slow down",
    "patron_summit": "A separate summit for {receiver}, hosted by {sender}",
    "mediator_press": "Pressure from {sender} on {receiver} to take the mediator's text (domestic pressure +{detail})",
    "side_payment": "A side payment of {detail} promised by {sender} to {receiver} for signing",
    "guarantor_enforces": "A penalty from {sender} on {receiver} for breaking the agreement's terms (economic pressure +{detail})",
    "text_signed": "The sides sign the text of {sender} at the summit ({detail})",
}
"""Sentences of the events a faction or a third party sends, worded so that no verb agrees with the sender's name:
the log's "{sender} threatens {receiver}" reads wrongly for a plural name ("NSC hawks (Bolton) threatens"). A
leader, one person, keeps the log's sentence."""

REWORDED_SENTENCES: dict[str, str] = {
    "blame": "{sender} blames {receiver} for the failed summit; the faction's influence is halved",
}
"""Sentences of engine events whose log wording refers to an actor by a singular pronoun ("its influence"), whoever sends them."""


def event_sentence(row: Mapping[str, Any], names: Mapping[str, str], roles: Mapping[str, str]) -> str:
    """An event row's sentence for a reader: the log's, unless it is the default wording of a kind that
    :data:`GROUP_SENTENCES` (sent by anyone but a leader) or :data:`REWORDED_SENTENCES` words differently.

    ``names`` and ``roles`` are the run's actors' names and roles by id. A sentence the scenario words itself (its own
    catalogue entry, or the record's words in forcing mode) is kept as the log has it.

    >>> row = {"kind": "threat", "sender": "hawks", "receiver": "kim", "text": "NSC hawks (Bolton) threatens Kim Jong Un"}
    >>> names, roles = {"hawks": "NSC hawks (Bolton)", "kim": "Kim Jong Un", "trump": "Donald Trump"}, {"hawks": "hardliner", "kim": "leader"}
    >>> event_sentence(row, names, roles)
    'A threat from NSC hawks (Bolton) to Kim Jong Un'
    >>> event_sentence({**row, "sender": "trump", "text": "Donald Trump threatens Kim Jong Un"}, names, {**roles, "trump": "leader"})
    'Donald Trump threatens Kim Jong Un'
    >>> event_sentence({**row, "text": "The hawks rattle their sabres"}, names, roles)
    'The hawks rattle their sabres'
    """
    kind, text = str(row.get("kind") or ""), str(row.get("text") or "")
    sender, receiver = str(row.get("sender") or ""), str(row.get("receiver") or "")
    template = REWORDED_SENTENCES.get(kind)
    if template is None and roles.get(sender) != "leader":
        template = GROUP_SENTENCES.get(kind)
    if template is None:
        return text
    fields = {
        "sender": names.get(sender, sender),
        "receiver": "both principals" if "+" in receiver else names.get(receiver, receiver),
        "detail": str(row.get("detail") or ""),
        "week": row.get("step"),
        "date": str(row.get("date") or ""),
    }
    # the log's wording of the kind, filled in as the engine fills it: if the event says anything else, it is the
    # scenario's or the record's own sentence
    if text != sentence_for(kind, dict(_catalogue()), **fields):
        return text
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        return text


def _catalogue() -> Mapping[str, Any]:
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = build_catalogue()
    return _CATALOGUE


_CATALOGUE: Mapping[str, Any] | None = None


def parameter_label(path: str) -> str:
    """A parameter path's label: what it is in words, with its name.

    The path itself (what ``--set`` and the files use) is for tooltips and search, not for the label.

    >>> parameter_label("parameters.trust_decl")
    'trust needed for a declaration'
    >>> parameter_label("trump.traits.risk_tolerance")
    'trump: risk tolerance'
    >>> parameter_label("sides.dprk.factions.2.influence")
    'dprk faction 2: influence'
    """
    parts = path.split(".")
    if parts[0] == "parameters" and len(parts) == 2:
        name = parts[1]
        return PARAMETER_LABELS.get(name, name.replace("_", " "))
    field = parts[-1].replace("_", " ")
    owner = [p for p in parts[:-1] if p not in ("sides", "traits", "acceptance", "initial", "pressure_weights", "third_parties")]
    words = " ".join("faction" if p == "factions" else p for p in owner)
    return f"{words}: {field}" if words else field


def parameter_words(path: str) -> str:
    """A parameter path for a sentence: its label with its name (the path, less ``parameters.``) after it.

    >>> parameter_words("parameters.kappa")
    'credibility per unit of signal cost (kappa)'
    >>> parameter_words("trump.traits.impulsiveness")
    'trump: impulsiveness (trump.traits.impulsiveness)'
    """
    return f"{parameter_label(path)} ({path.removeprefix('parameters.')})"


def joined(words: Sequence[str], conjunction: str = "and") -> str:
    """Words in a sentence's list: ``a``, ``a and b``, ``a, b and c``.

    >>> joined(["a"]), joined(["a", "b"]), joined(["a", "b", "c"]), joined([])
    ('a', 'a and b', 'a, b and c', '')
    """
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and the word, in the singular for one.

    >>> counted(1, "run"), counted(4, "run"), counted(0, "run"), counted(2, "entry", "entries")
    ('1 run', '4 runs', '0 runs', '2 entries')
    """
    return f"{n} {word if n == 1 else plural or word + 's'}"


def mode_label(mode: str | None) -> str:
    """A run mode in the words used everywhere ('free' or 'forcing')."""
    return MODE_LABELS.get(mode or "", mode or "")


EU_PART_LABELS: dict[str, str] = {
    "activity": "nothing",
    "trust": "trust",
    "zone": "zone",
    "pressure": "pressure",
    "cost": "cost",
    "commitment": "tie",
    "separation": "U-type cost",
    "risk": "escalation",
    "affect": "affect",
    "rapport": "rapport",
    "home": "at home",
    "placation": "placation",
    "summit": "summit",
    "pledge": "pledge",
    "lobby": "lobby",
    "third_party": "own goals",
}
"""Short names of the decision rule's terms (summitry.agents.policy.EU_PARTS, in that order; ODD 7.16), for
``summitry explain`` and the dashboard's "why" card."""

EU_PART_NOTES: dict[str, str] = {
    "activity": "the value of staying quiet (activity), on the row of doing nothing alone",
    "trust": "the other side's trust the action is forecast to win (+) or lose (-), times theta_T, discounted by patience "
    "and weighted by (1 - stance)",
    "zone": "the forecast widening (+) or narrowing (-) of the zone of agreement, times theta_z, discounted like trust",
    "pressure": "the forecast change of pressure on the other side, valued by the actor's hawkishness (stance x theta_p)",
    "cost": "the action's catalogue cost (-c)",
    "commitment": "the audience cost the action ties the side to, should it renege (-A x tie x renege risk)",
    "separation": "the extra cost an untrustworthy (U-type) leader bears for costly reassurance (-kappa x c_eff / Lambda_Q)",
    "risk": "the forecast change of escalation risk, weighed by risk aversion (-(1 - zeta) x theta_r x dE)",
    "affect": "impulsive reciprocity: the gestures just received answered in kind (iota x theta_aff x affect x valence x match)",
    "rapport": "rapport with the receiver, for a conciliatory action (theta_rapport x R)",
    "home": "what a concession costs a leader with its own hawks (-H x c)",
    "placation": "what a move that proves its own hawks right is worth to a leader facing a discontented elite",
    "summit": "the summit process: the next summit's forecast value S for an offer, an acceptance or a letter; for a "
    "cancellation (summit_cancel) its negative, -S, less the rapport it breaks, plus the anger it vents: a positive "
    "number there means the summit is forecast to be worth less than nothing (or the anger outweighs it)",
    "pledge": "the cost of breaking one's own active pledge or an agreement's terms (audience cost, trust lost, a guarantor's penalty)",
    "lobby": "a faction's pull on its leader (1.5 x |own stance - the leader's stance|)",
    "third_party": "a mediator's, patron's or spoiler's own value of the action (ODD 7.17), in place of every other term",
}
"""What each term of the decision rule is (ODD 7.16, summitry.agents.policy.EU_PARTS), one line each, for the
footnote of ``summitry explain``."""


UNIT_WORDS: dict[str, tuple[str, str]] = {
    "day": ("day", "days"),
    "week": ("week", "weeks"),
    "month": ("month", "months"),
    "step": ("step", "steps"),
}
"""A scenario's step unit (``time.step``; "step" for an undeclared length) -> its word, singular and plural."""


def unit_word(unit: str | None, plural: bool = False, capital: bool = False) -> str:
    """The word a run's step is called by: its scenario's unit (a week when the run does not say).

    >>> unit_word("day"), unit_word("month", plural=True), unit_word(None, capital=True)
    ('day', 'months', 'Week')
    """
    one, many = UNIT_WORDS.get(unit or "week", UNIT_WORDS["step"])
    word = many if plural else one
    return word[:1].upper() + word[1:] if capital else word


def unit_count(n: int, unit: str | None) -> str:
    """``n`` steps in the run's unit.

    >>> unit_count(7, "week"), unit_count(1, "day"), unit_count(28, "day")
    ('7 weeks', '1 day', '28 days')
    """
    return f"{n} {unit_word(unit, plural=n != 1)}"


def in_unit(text: str, unit: str | None) -> str:
    """A label written for a weekly run, said in the run's unit (``week`` -> ``day``, ``Weeks`` -> ``Days``).

    Only for labels that count steps (an axis, a metric, a step's title);
    a rate stated per week stays weekly whatever the clock.

    >>> in_unit("First summit (week)", "day"), in_unit("Weeks run", "month"), in_unit("Weeks run", "week")
    ('First summit (day)', 'Months run', 'Weeks run')
    """
    if unit in (None, "week"):
        return text
    out = []
    for token in re.split(r"(\b[Ww]eeks?\b)", text):
        if re.fullmatch(r"[Ww]eeks?", token):
            out.append(unit_word(unit, plural=token.lower() == "weeks", capital=token[0] == "W"))
        else:
            out.append(token)
    return "".join(out)


def pattern_window_text(pattern: Mapping[str, Any], unit: str | None = None) -> str:
    """A historical pattern's window as every table shows it (the CLI's backtest table, the reports' fit table).

    ``pattern`` is a pattern's fields (a backtest's pattern row, ``Pattern.model_dump()``). The window is said as the
    scenario gives it, a single step as ``week 6``; an event pattern's tolerance follows it as ``± 3`` (its score falls
    from 1 inside the window to 0 that many steps outside). A restraint (absent, at most N) is ``not`` the window or
    ``at most N in`` it, and a pattern counted only after another event ends ``if`` that event.

    >>> pattern_window_text({"kind": "summit_held", "window": [34, 38], "tolerance": 3})
    '34–38 ± 3'
    >>> pattern_window_text({"kind": "summit_held", "window": [6, 6], "tolerance": 0}), pattern_window_text({"window": [6, 6]}, "day")
    ('week 6', 'day 6')
    >>> pattern_window_text({"kind": "icbm_test", "window": [0, 49], "tolerance": 0, "absent": True})
    'not 0–49'
    >>> pattern_window_text({"kind": "srbm_test", "window": [10, 20], "tolerance": 3, "at_most": 2})
    'at most 2 in 10–20'
    >>> pattern_window_text({"kind": "walk_away", "window": [34, 38], "tolerance": 3, "given": "summit_held"})
    '34–38 ± 3 if summit held'
    >>> pattern_window_text({"kind": None, "state": {"variable": "trust_us"}, "window": [0, 30], "tolerance": 3})
    '0–30'
    """
    lo, hi = (int(w) for w in pattern["window"])
    text = f"{unit_word(unit)} {lo}" if lo == hi else f"{lo}–{hi}"
    tolerance = int(pattern.get("tolerance") or 0)
    at_most = pattern.get("at_most")
    if at_most:
        text = f"at most {at_most} in {text}"
    elif pattern.get("absent") or at_most == 0:
        text = f"not {text}"
    elif pattern.get("kind") and tolerance > 0:
        text = f"{text} ± {tolerance}"
    if pattern.get("given"):
        text += f" if {kind_label(str(pattern['given']))}"
    return text


def metric_label(key: str, unit: str | None = None) -> str:
    """A run metric's label, with the steps it counts in the run's unit.

    >>> metric_label("first_summit_week", "day"), metric_label("steps_run"), metric_label("new_metric")
    ('First summit (day)', 'Weeks run', 'New metric')
    """
    if key.startswith("pattern.") and key not in METRIC_LABELS:  # a sweep's score of one historical pattern
        return f"Pattern score: {key.removeprefix('pattern.')}"
    return in_unit(METRIC_LABELS.get(key, key.replace("_", " ").capitalize()), unit)
