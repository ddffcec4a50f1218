"""The pattern language's clauses beyond kind, window and state (issue 14 item 7), scored by hand.

Each table gives a synthetic event log or series and the score worked out by
hand from the rules in docs/scenarios.md 8 and ODD 8c: a receiver; a set of
kinds with at least / at most N events; a deal's class and point with a
tolerance; stance and trust conditions (last, min, max, drift; at least / at
most); an ordering of two patterns; events after an agreement. Bad values of
every new field are refused by ``summitry validate`` with file, line and field.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from summitry.sim.analysis.patterns import (
    deal_class,
    is_restraint,
    met_at,
    order_score,
    pattern_window,
    score_pattern,
    score_patterns,
    state_measure,
)
from summitry.sim.scenario.document import load_scenario, validate_data
from summitry.sim.scenario.pattern_fields import Pattern

ROOT = Path(__file__).resolve().parents[3]
NAN = math.nan


def P(**kw: Any) -> Pattern:
    base: dict[str, Any] = {"id": "p", "text": "a pattern", "kind": "praise", "window": (10, 14), "tolerance": 0}
    base.update(kw)
    return Pattern(**base)


def S(state: dict[str, Any], window: tuple[int, int] = (0, 4), **kw: Any) -> Pattern:
    base: dict[str, Any] = {"id": "s", "text": "a state pattern", "state": state, "window": window}
    return Pattern(**{**base, **kw})


def ev(
    step: int, kind: str = "praise", sender: str = "a", receiver: str = "b", detail: str = "", source: str = "derived"
) -> dict[str, Any]:
    return {"step": step, "kind": kind, "sender": sender, "receiver": receiver, "source": source, "detail": detail}


def acted(step: int, sender: str = "a") -> dict[str, Any]:
    return ev(step, "praise", sender, source="chosen")


def series(points: dict[tuple[str, str], list[float]]) -> list[dict[str, Any]]:
    return [{"step": t, "agent": a, "variable": v, "value": x} for (a, v), xs in points.items() for t, x in enumerate(xs)]


def same(got: float, want: float) -> bool:
    return (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want)


# ------------------------------------------------------------------ receiver


@pytest.mark.parametrize(
    ("log", "score"),
    [
        ([ev(12, receiver="b")], 1.0),
        ([ev(12, receiver="c")], 0.0),  # right kind, right week, wrong receiver
        ([ev(12, sender="x", receiver="b")], 0.0),  # the sender must match too
        ([ev(12, receiver="c"), ev(13, receiver="b")], 1.0),
        ([ev(16, receiver="b")], 0.0),  # tolerance 0: outside the window
    ],
)
def test_receiver_must_match(log: list[dict[str, Any]], score: float) -> None:
    assert score_pattern(log, P(sender="a", receiver="b")) == score


# ------------------------------------------------------- kind sets and counts


@pytest.mark.parametrize(
    ("kinds", "count", "score"),
    [
        (["srbm_test", "icbm_test"], 2, 1.0),  # one of each counts twice
        (["srbm_test"], 2, 0.0),  # only one srbm test
        (["icbm_test", "nuclear_test"], 1, 1.0),
        (["nuclear_test"], 1, 0.0),
        (["srbm_test", "icbm_test"], 3, 0.0),  # the third (an srbm test at week 20) is 6 weeks out, tolerance 0
    ],
)
def test_a_set_of_kinds_counts_any_of_them(kinds: list[str], count: int, score: float) -> None:
    log = [ev(11, "srbm_test"), ev(13, "icbm_test"), ev(20, "srbm_test"), ev(12, "praise")]
    assert score_pattern(log, P(kind=kinds, count=count)) == score


def test_a_set_of_kinds_with_a_tolerance_scores_the_count_th_best() -> None:
    # window 10-14, tolerance 4: week 16 scores 1 - 2/4 = 0.5, week 17 0.25, week 12 1
    p = P(kind=["srbm_test", "icbm_test"], count=2, tolerance=4)
    assert score_pattern([ev(12, "srbm_test"), ev(16, "icbm_test"), ev(17, "srbm_test")], p) == pytest.approx(0.5)
    assert score_pattern([ev(12, "srbm_test"), ev(17, "icbm_test")], p) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("tests", "at_most", "score"),
    [
        ([], 2, 1.0),
        ([11, 12], 2, 1.0),  # two tests are allowed
        ([11, 12, 13], 2, 0.0),  # the third breaks it
        ([11, 12, 30], 2, 1.0),  # the third is after the window
        ([12], 0, 0.0),  # at_most 0 is absent
        ([9, 15], 0, 1.0),  # both outside the window
    ],
)
def test_at_most_n_events_in_the_window(tests: list[int], at_most: int, score: float) -> None:
    p = P(kind=["srbm_test", "icbm_test"], at_most=at_most)
    log = [acted(10), *(ev(s, "srbm_test" if s % 2 else "icbm_test") for s in tests)]
    assert score_pattern(log, p) == score


def test_at_most_is_a_restraint_graded_like_absent() -> None:
    p = P(kind="srbm_test", at_most=1, window=(0, 30), tolerance=3)
    assert is_restraint(p) and pattern_window(p) == (1, 29)
    assert math.isnan(score_pattern([ev(5, "srbm_test"), ev(6, "srbm_test")], p))  # nobody chose anything: no evidence
    on = [acted(10)]
    # the second test breaks it; at week 1 it is 1 week inside the window's edge: breach 1/3
    assert score_pattern([*on, ev(15, "srbm_test"), ev(1, "srbm_test")], p) == pytest.approx(2 / 3)
    assert score_pattern([*on, ev(15, "srbm_test"), ev(16, "srbm_test")], p) == 0.0
    assert score_pattern([*on, ev(15, "srbm_test")], p) == 1.0
    same_as_absent = P(kind="srbm_test", absent=True, count=2, window=(0, 30), tolerance=3)
    for log in ([*on, ev(15, "srbm_test"), ev(1, "srbm_test")], [*on, ev(2, "srbm_test"), ev(28, "srbm_test")]):
        assert score_pattern(log, p) == score_pattern(log, same_as_absent)


# ------------------------------------------------------------------ deals


def agreement(step: int, detail: str) -> dict[str, Any]:
    return ev(step, "agreement", "trump", "kim", detail)


@pytest.mark.parametrize(
    ("detail", "score"),
    [
        ("interim: d=0.35, r=0.50", 1.0),
        ("interim: d=0.45, r=0.50", 1.0),  # 0.10 from 0.35: the tolerance is inclusive
        ("interim: d=0.25, r=0.90", 1.0),
        ("interim: d=0.46, r=0.50", 0.0),  # 0.11 away
        ("interim: d=0.20, r=0.50", 0.0),
        ("comprehensive: d=0.35, r=0.50", 0.0),  # the right point, the wrong class
        ("interim: r=0.50", 0.0),  # no d on the table
    ],
)
def test_deal_class_and_point_within_a_tolerance(detail: str, score: float) -> None:
    p = P(kind="agreement", deal={"class": "interim", "near": {"d": 0.35}, "within": 0.1})
    assert score_pattern([agreement(12, detail)], p) == score


def test_deal_near_on_two_issues_and_offers_without_a_class() -> None:
    p = P(kind="agreement", deal={"near": {"d": 0.3, "r": 0.6}, "within": 0.05})
    assert score_pattern([agreement(12, "comprehensive: d=0.30, r=0.65")], p) == 1.0
    assert score_pattern([agreement(12, "comprehensive: d=0.36, r=0.60")], p) == 0.0  # d is 0.06 away
    assert score_pattern([agreement(12, "comprehensive: d=0.30, r=0.54")], p) == 0.0  # r is 0.06 away
    offer = P(kind="offer_rejected", sender="kim", deal={"near": {"d": 0.35}, "within": 0.1})
    assert score_pattern([ev(12, "offer_rejected", "kim", "trump", "d=0.40, r=0.50; binding: r")], offer) == 1.0
    assert score_pattern([ev(12, "offer_rejected", "kim", "trump", "d=0.50, r=0.50; binding: r")], offer) == 0.0
    assert deal_class("interim: d=0.35") == "interim" and deal_class("d=0.35; binding: r") is None


# ------------------------------------------------------- events after a deal


@pytest.mark.parametrize(
    ("log", "score"),
    [
        ([agreement(12, "interim: d=0.3"), ev(13, "srbm_test")], 1.0),
        ([ev(11, "srbm_test"), agreement(12, "interim: d=0.3")], 0.0),  # before the agreement: does not count
        ([ev(12, "srbm_test"), agreement(12, "interim: d=0.3")], 0.0),  # same week, earlier in the log
        ([agreement(12, "interim: d=0.3"), ev(12, "srbm_test")], 1.0),  # same week, later in the log
        ([ev(13, "srbm_test")], 0.0),  # no agreement at all
    ],
)
def test_after_counts_only_events_after_the_first_such_event(log: list[dict[str, Any]], score: float) -> None:
    assert score_pattern(log, P(kind="srbm_test", after="agreement")) == score


def test_a_second_agreement_after_an_interim_one() -> None:
    """'An interim deal, then a comprehensive one': the first agreement opens the phase and is not itself counted."""
    p = P(kind="agreement", after="agreement", deal={"class": "comprehensive"}, window=(20, 30))
    first = agreement(12, "interim: d=0.3, r=0.2")
    assert score_pattern([first], p) == 0.0
    assert score_pattern([first, agreement(25, "comprehensive: d=0.9, r=0.8")], p) == 1.0
    assert score_pattern([agreement(25, "comprehensive: d=0.9, r=0.8")], p) == 0.0  # the first agreement opens the phase
    quiet = P(kind="srbm_test", after="agreement", absent=True, window=(0, 49))
    assert score_pattern([acted(3), first, ev(20, "srbm_test")], quiet) == 0.0
    assert score_pattern([acted(3), ev(5, "srbm_test"), first], quiet) == 1.0  # the test before the deal breaks nothing


# ------------------------------------------------------ stance and trust


@pytest.mark.parametrize(
    ("measure", "window", "value"),
    [
        ("last", (0, 6), 0.93),
        ("last", (0, 3), 0.80),
        ("last", (20, 49), 0.93),  # the run ended at week 6: its final value
        ("min", (2, 6), 0.80),
        ("max", (0, 6), 0.95),
        ("drift", (0, 6), 0.45),  # max |x_t - x_0| = 0.95 - 0.50
        ("drift", (4, 6), 0.05),  # from 0.90: 0.95 and 0.93
        ("drift", (5, 5), 0.0),
    ],
)
def test_level_and_drift_measures(measure: str, window: tuple[int, int], value: float) -> None:
    pts = list(enumerate([0.50, 0.60, 0.85, 0.80, 0.90, 0.95, 0.93]))
    assert state_measure(pts, window, measure) == pytest.approx(value)


STANCE = series({("kim", "stance"): [0.50, 0.60, 0.85, 0.80, 0.90, 0.95, 0.93], ("trump", "trust_dprk"): [0.40, 0.42, 0.44, 0.38, 0.41]})
ACTIVE = [acted(w) for w in range(7)]


@pytest.mark.parametrize(
    ("state", "window", "score"),
    [
        # "Kim's stance at least 0.9 at the end"
        ({"agent": "kim", "variable": "stance", "measure": "last", "at_least": 0.9}, (6, 6), 1.0),
        ({"agent": "kim", "variable": "stance", "measure": "last", "at_least": 0.95}, (6, 6), 0.0),
        ({"agent": "kim", "variable": "stance", "measure": "last", "at_least": 0.95, "slack": 0.1}, (6, 6), 0.8),  # 0.02 short of 0.1
        # "at least 0.8 throughout weeks 2-6" (min), "never above 0.9" (max)
        ({"agent": "kim", "variable": "stance", "measure": "min", "at_least": 0.8}, (2, 6), 1.0),
        ({"agent": "kim", "variable": "stance", "measure": "min", "at_least": 0.8}, (1, 6), 0.0),
        ({"agent": "kim", "variable": "stance", "measure": "max", "at_most": 0.9}, (0, 6), 0.0),
        ({"agent": "kim", "variable": "stance", "measure": "max", "at_most": 0.9}, (0, 4), 1.0),
        # "trust from the US leader to the DPRK within ±0.05 over weeks 0-4": drift 0.04 (0.44 - 0.40)
        ({"agent": "trump", "variable": "trust_dprk", "measure": "drift", "at_most": 0.05}, (0, 4), 1.0),
        ({"agent": "trump", "variable": "trust_dprk", "measure": "drift", "at_most": 0.03}, (0, 4), 0.0),
        ({"agent": "trump", "variable": "trust_dprk", "measure": "drift", "at_most": 0.03, "slack": 0.02}, (0, 4), 0.5),
        # both bounds given one-sided
        ({"agent": "kim", "variable": "stance", "measure": "mean", "at_least": 0.7, "at_most": 0.8}, (0, 6), 1.0),  # mean 0.790
    ],
)
def test_stance_and_trust_conditions(state: dict[str, Any], window: tuple[int, int], score: float) -> None:
    assert score_pattern(ACTIVE, S(state, window), STANCE) == pytest.approx(score)


def test_which_new_state_conditions_a_motionless_run_meets() -> None:
    flat = series({("kim", "stance"): [0.95] * 8})
    stays = S({"agent": "kim", "variable": "stance", "measure": "drift", "at_most": 0.05}, (0, 6))
    high = S({"agent": "kim", "variable": "stance", "measure": "last", "at_least": 0.9}, (6, 6))
    moves = S({"agent": "kim", "variable": "stance", "measure": "drift", "at_least": 0.1}, (0, 6))
    low = S({"agent": "kim", "variable": "stance", "measure": "min", "at_most": 0.5}, (0, 6))
    pts = [(t, 0.95) for t in range(8)]
    assert [is_restraint(p, pts) for p in (stays, high, moves, low)] == [True, True, False, False]
    assert math.isnan(score_pattern([], stays, flat)) and math.isnan(score_pattern([], high, flat))  # nobody acted
    assert score_pattern([], moves, flat) == 0.0 and score_pattern([], low, flat) == 0.0


# ------------------------------------------------------------------ orders


@pytest.mark.parametrize(
    ("first", "then", "gap", "score"),
    [(3, 5, 1, 1.0), (5, 5, 1, 0.0), (5, 5, 0, 1.0), (6, 5, 0, 0.0), (3, 5, 3, 0.0), (3, 6, 3, 1.0), (3, None, 1, 1.0), (None, 5, 1, 0.0)],
)
def test_order_score_table(first: int | None, then: int | None, gap: int, score: float) -> None:
    assert order_score(first, then, gap) == score


DOVES = P(id="doves", kind=["concession", "praise"], sender="dove", window=(0, 20), weight=0)
HAWKS = P(id="hawks", kind=["concession", "praise"], sender="hawk", window=(0, 20), weight=0)
FIRST = Pattern(id="doves-first", text="the doves move first", order={"first": "doves", "then": "hawks"}, window=(0, 20))


@pytest.mark.parametrize(
    ("log", "score"),
    [
        ([ev(3, "concession", "dove"), ev(7, "praise", "hawk")], 1.0),
        ([ev(7, "concession", "dove"), ev(3, "praise", "hawk")], 0.0),
        ([ev(5, "concession", "dove"), ev(5, "praise", "hawk")], 0.0),  # the same week is not first (gap 1)
        ([ev(3, "concession", "dove")], 1.0),  # the hawks never moved
        ([ev(3, "praise", "hawk")], 0.0),
        ([ev(3, "threat", "dove"), ev(25, "praise", "hawk")], NAN),  # neither moved in the window
        ([ev(30, "concession", "dove"), ev(22, "praise", "hawk")], NAN),
        ([ev(25, "concession", "dove"), ev(9, "praise", "hawk")], 0.0),  # the doves' move falls outside the window
    ],
)
def test_the_doves_move_first(log: list[dict[str, Any]], score: float) -> None:
    got = score_patterns(log, [DOVES, HAWKS, FIRST])
    assert same(got["doves-first"], score)


def test_an_order_of_counts_and_of_a_state_condition() -> None:
    """'Two hawkish signals before the dove's stance falls to 0.4 or below': met at the 2nd signal (week 4) and at week 3."""
    two = P(id="two", kind="threat", sender="hawk", count=2, window=(0, 10))
    falls = S({"agent": "dove", "variable": "stance", "measure": "last", "at_most": 0.4}, (0, 10), id="falls")
    order = Pattern(id="o", text="t", order={"first": "two", "then": "falls", "gap": 0}, window=(0, 10))
    tab = series({("dove", "stance"): [0.6, 0.5, 0.45, 0.4, 0.3, 0.3]})
    log = [ev(1, "threat", "hawk"), ev(4, "threat", "hawk")]
    assert met_at(log, tab, two, (0, 10)) == 4
    assert met_at(log, tab, falls, (0, 10)) == 3
    assert met_at(log, tab, falls, (4, 10)) == 4  # measured from the order's window
    assert score_patterns(log, [two, falls, order], tab)["o"] == 0.0
    early = [ev(1, "threat", "hawk"), ev(2, "threat", "hawk")]
    assert score_patterns(early, [two, falls, order], tab)["o"] == 1.0
    # a change measure is met once the change since the window's start reaches the bound
    drop = S({"agent": "dove", "variable": "stance", "measure": "change", "at_most": -0.2}, (0, 10), id="drop")
    assert met_at([], tab, drop, (0, 10)) == 3  # 0.4 - 0.6 = -0.2 (week 2 only reached -0.15)
    assert met_at([], tab, drop, (1, 10)) == 4  # from 0.5: 0.3 - 0.5 = -0.2 at week 4


# ------------------------------------------------------------ bad values


def _event(**kw: Any) -> dict[str, Any]:
    return {"id": "extra", "text": "a new pattern", "window": [0, 30], **kw}


def _state(**kw: Any) -> dict[str, Any]:
    return {
        "id": "extra",
        "text": "a new pattern",
        "window": [0, 30],
        "state": {"agent": "kim", "variable": "stance", "measure": "last", **kw},
    }


def _order(**kw: Any) -> dict[str, Any]:
    return {"id": "extra", "text": "a new pattern", "window": [0, 49], "order": {"first": "second-summit", "then": "srbm-after", **kw}}


@pytest.mark.parametrize(
    ("pattern", "needle", "on_line"),
    [
        (_event(kind="praise", receiver="nobody"), "patterns[12].receiver: unknown actor 'nobody'", "receiver: nobody"),
        (_event(kind=[]), "patterns[12].kind: must be an event kind or a list of 1 to 20 event kinds (got [])", "kind: []"),
        (_event(kind=[f"k{i}" for i in range(21)]), "patterns[12].kind: must be an event kind or a list of 1 to 20", "kind:"),
        (_event(kind=["praise", "praise"]), "patterns[12].kind: lists a kind twice: ['praise']", "kind:"),
        (_event(kind=["praise", "sumit_held"]), "patterns[12].kind[1]: unknown event kind 'sumit_held' (did you mean", "- sumit_held"),
        (_event(kind="praise", at_most=-1), "patterns[12].at_most: must be >= 0 (got -1)", "at_most: -1"),
        (_event(kind="praise", at_most=1001), "patterns[12].at_most: must be <= 1000 (got 1001)", "at_most: 1001"),
        (_event(kind="praise", at_most=2, absent=True), "patterns[12].at_most: give at_most alone", "at_most: 2"),
        (_event(kind="praise", at_most=2, count=3), "patterns[12].at_most: give at_most alone", "at_most: 2"),
        (_event(kind="praise", at_most=2, given="summit_held"), "patterns[12].given: an absent or at-most pattern cannot be", "given:"),
        (_event(kind="praise", after="agreemnt"), "patterns[12].after: unknown event kind 'agreemnt' (did you mean 'agreement'", "after:"),
        (
            _event(kind="agreement", deal={"class": "interm"}),
            "patterns[12].deal.class: unknown agreement class 'interm' (did you mean",
            "class:",
        ),
        (_event(kind="praise", deal={"class": "interim"}), "patterns[12].deal.class: only agreement events carry a class", "class:"),
        (_event(kind="agreement", deal={"near": {"x": 0.3}}), "patterns[12].deal.near.x: unknown dimension 'x'", "x: 0.3"),
        (_event(kind="agreement", deal={"near": {"d": 1.5}}), "patterns[12].deal.near.d: must be <= 1 (got 1.5)", "d: 1.5"),
        (_event(kind="agreement", deal={"near": {"d": 0.3}, "within": -0.1}), "patterns[12].deal.within: must be >= 0", "within:"),
        (_event(kind="agreement", deal={"near": {"d": 0.3}, "within": 1.5}), "patterns[12].deal.within: must be <= 1 (got 1.5)", "within:"),
        (_event(kind="agreement", deal={}), "patterns[12].deal: give a class, or near", "deal: {}"),
        (_event(kind="agreement", deal={"klass": "interim"}), "patterns[12].deal.klass: unknown key", "klass:"),
        (_state(within=[0, 1], at_least=0.5), "patterns[12].state.within: give within or at_least/at_most, not both", "within:"),
        (_state(), "patterns[12].state.within: give the bounds the measure must meet", "state:"),
        (_state(at_least=0.9, at_most=0.5), "patterns[12].state.at_least: must be <= at_most", "at_least: 0.9"),
        (_state(at_most=-1001), "patterns[12].state.at_most: must be >= -1000 (got -1001)", "at_most: -1001"),
        (_state(at_least=0.9, measure="slope"), "patterns[12].state.measure: must be one of 'range', 'change', 'mean', 'last'", "measure:"),
        (_order(then="nope"), "patterns[12].order.then: no other pattern has id 'nope'", "then: nope"),
        (_order(then="second-summit"), "patterns[12].order.then: must name a different pattern from first", "then: second-summit"),
        (_order(first="no-icbm"), "patterns[12].order.first: 'no-icbm' is an absent or at-most pattern", "first: no-icbm"),
        (_order(first="extra"), "patterns[12].order.first: no other pattern has id 'extra'", "first: extra"),
        (_order(gap=-1), "patterns[12].order.gap: must be >= 0 (got -1)", "gap: -1"),
        (_order(gap=1001), "patterns[12].order.gap: must be <= 1000 (got 1001)", "gap: 1001"),
        ({**_order(), "sender": "kim"}, "patterns[12].sender: applies to event patterns only; an order pattern has", "sender: kim"),
        ({**_order(), "kind": "praise"}, "patterns[12].kind: give one of kind (an event pattern), state", "kind: praise"),
        ({**_state(at_least=0.5), "receiver": "kim"}, "patterns[12].receiver: applies to event patterns only", "receiver: kim"),
    ],
)
def test_bad_pattern_clauses_exit_2_with_file_line_and_field(
    pattern: dict[str, Any], needle: str, on_line: str, tmp_path: Path, cli
) -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "hanoi-2019.yaml").read_text())
    assert len(data["patterns"]) == 12
    data["patterns"].append(pattern)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    r = cli("validate", str(path))
    assert r.code == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    line = next(ln for ln in r.stderr.splitlines() if needle in ln)
    number = int(line.split(f"{path}:", 1)[1].split(":", 1)[0])
    assert number > path.read_text().count("\n", 0, path.read_text().index("id: extra"))  # inside the new pattern
    assert on_line in path.read_text().splitlines()[number - 1], (number, line)


# ------------------------------------------------------- whole scenarios


NEW = [
    {
        "id": "kim-to-trump",
        "text": "Kim writes to the US leader",
        "kind": ["praise", "letter"],
        "sender": "kim",
        "receiver": "trump",
        "window": [0, 30],
        "count": 2,
        "weight": 0,
    },
    {
        "id": "few-tests",
        "text": "At most two short-range tests",
        "kind": ["srbm_test", "icbm_test"],
        "sender": "kim",
        "window": [0, 49],
        "at_most": 2,
        "tolerance": 0,
    },
    {
        "id": "deal",
        "text": "An interim deal near d 0.35",
        "kind": "agreement",
        "deal": {"class": "interim", "near": {"d": 0.35}, "within": 0.1},
        "window": [34, 38],
    },
    {"id": "after-deal", "text": "No test after a deal", "kind": "srbm_test", "after": "agreement", "absent": True, "window": [0, 49]},
    {
        "id": "kim-firm",
        "text": "Kim's stance at least 0.6 at the end",
        "state": {"agent": "kim", "variable": "stance", "measure": "last", "at_least": 0.6},
        "window": [49, 49],
    },
    {
        "id": "trust-steady",
        "text": "US trust within 0.05 over weeks 15-30",
        "state": {"agent": "trump", "variable": "trust_dprk", "measure": "drift", "at_most": 0.05, "slack": 0.05},
        "window": [15, 30],
    },
    {
        "id": "letters-first",
        "text": "Kim writes before the second summit",
        "order": {"first": "kim-to-trump", "then": "second-summit"},
        "window": [0, 49],
    },
]


def test_a_file_with_every_new_clause_validates_round_trips_and_backtests(tmp_path: Path, cli) -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "hanoi-2019.yaml").read_text())
    data["patterns"].extend(NEW)
    path = tmp_path / "new.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert cli("validate", str(path)).code == 0
    sc = load_scenario(path)
    again = validate_data(json.loads(sc.model_dump_json()), "dumped")  # a dump spells out every default (and deal's class by name)
    assert again.patterns == sc.patterns
    r = cli("backtest", str(path), "--runs", "4", "--out", str(tmp_path / "bt"))
    assert r.code == 0, r.stderr
    assert "at most 2 in 0–49" in r.stdout  # the table shows an at-most pattern's limit
    stored = json.loads((tmp_path / "bt" / "backtest.json").read_text())
    rows = {row["id"]: row for row in stored["patterns"]}
    assert rows["deal"]["deal"] == {"class": "interim", "near": {"d": 0.35}, "within": 0.1}
    assert rows["letters-first"]["order"] == {"first": "kim-to-trump", "then": "second-summit", "gap": 1}
    assert rows["few-tests"]["at_most"] == 2 and rows["kim-to-trump"]["receiver"] == "trump"
    assert "receiver" not in rows["stall"]  # patterns without the new clauses keep their stored shape


def test_the_guides_pattern_example_validates_on_the_case_it_names() -> None:
    """docs/scenarios.md 8's example block, as the patterns of hanoi-2019 (whose actors it names)."""
    guide = (ROOT / "docs" / "scenarios.md").read_text()
    section = guide[guide.index("## 8. The record and patterns") :]
    block = section[section.index("```yaml\npatterns:") + len("```yaml\n") :]
    block = block[: block.index("```")]
    data = yaml.safe_load((ROOT / "scenarios" / "hanoi-2019.yaml").read_text())
    data["patterns"] = yaml.safe_load(block)["patterns"]
    sc = validate_data(data, "docs/scenarios.md")
    by_id = {p.id: p for p in sc.patterns}
    # every clause of the guide's example is read as the guide says it (a misspelt key would have failed above)
    assert by_id["few-tests"].restraint_limit == 3  # at most two: broken by the third
    assert (by_id["doves-first"].order.first, by_id["doves-first"].order.then) == ("doves", "hawks")
    assert by_id["interim"].receiver == "kim" and by_id["interim"].deal is not None
    assert by_id["interim"].deal.within == 0.1 and dict(by_id["interim"].deal.near) == {"d": 0.35}
    assert by_id["kim-firm"].state is not None and by_id["kim-firm"].state.at_least == 0.9
    assert by_id["interim"].deal is not None and by_id["interim"].deal.agreement_class == "interim"
