"""Malformed scenario files: each ends with exit status 2 and a message naming
the file, the field path and the line (the README's promise: exit status 2, never a traceback).

Most cases mutate a copy of scenarios/teaching.yaml. The expected line is
computed from the mutated text (the line of a marker that the mutation puts
there), so a case keeps testing the same thing when teaching.yaml is edited.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from summitry.sim.errors import ScenarioError
from summitry.sim.scenario.document import load_scenario, load_scenario_text

TEACHING = (Path(__file__).resolve().parents[3] / "scenarios" / "teaching.yaml").read_text()


def mutate(old: str, new: str) -> str:
    """teaching.yaml with ``old`` (which must occur exactly once) replaced by ``new``."""
    assert TEACHING.count(old) == 1, f"teaching.yaml no longer contains {old!r} exactly once; update the test"
    return TEACHING.replace(old, new)


def line_of(text: str, marker: str) -> int:
    """1-based line of the first occurrence of ``marker`` in ``text``."""
    assert marker in text, marker
    return text[: text.index(marker)].count("\n") + 1


BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@dataclass
class Case:
    """One malformed input.

    ``text`` (or ``data`` bytes, or ``make`` for files that are not plain
    text) is written to ``bad.yaml``. ``field`` is the dotted field path the
    message must name; ``marker`` locates the line it must name (the first
    line of the text containing it) -- or ``line`` gives it directly.
    ``expect`` are further fragments the message must contain.
    """

    id: str
    text: str | None = None
    data: bytes | None = None
    make: Callable[[Path], Path] | None = None
    field: str | None = None
    marker: str | None = None
    line: int | None = None
    expect: tuple[str, ...] = ()
    errors: int | None = None  # exact number of error lines, when it matters
    also_run: bool = False  # also check `summitry run FILE`

    def expected_line(self) -> int | None:
        if self.line is not None:
            return self.line
        if self.marker is not None:
            assert self.text is not None
            return line_of(self.text, self.marker)
        return None

    def write(self, tmp_path: Path) -> Path:
        if self.make is not None:
            return self.make(tmp_path)
        path = tmp_path / "bad.yaml"
        if self.data is not None:
            path.write_bytes(self.data)
        else:
            assert self.text is not None
            path.write_text(self.text, encoding="utf-8")
        return path


def _big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.yaml"
    chunk = b"# " + b"x" * (1024 * 1024 - 3) + b"\n"
    with path.open("wb") as f:
        f.write(TEACHING.encode())
        for _ in range(50):
            f.write(chunk)
    return path


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.yaml"
    path.mkdir()
    return path


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "no" / "such.yaml"


UNCLOSED = mutate('title: "Teaching case: two rivals, one go-between"\n', "title: [unclosed\n")
FACTION_1 = "stance: 0.3, influence: 0.5,\n         acceptance: {concession_weight: 0.8"  # alpha-diplomats
FACTION_0 = "stance: 0.8, influence: 0.5,\n         acceptance: {concession_weight: 1.5, threshold: 0.3}"  # alpha-hawks


def with_implementation(block: str) -> str:
    """teaching.yaml with an ``implementation:`` block (life after an agreement) appended."""
    return TEACHING + "implementation:\n" + block


GAMMA_SIDE = """  gamma:
    name: Gamma
    utility: {d: 1.0, r: -1.0}
    leader: {id: gus, name: Premier Gus}
third_parties:
"""


def with_partners(partners: str) -> str:
    """teaching.yaml with a third side, gamma, and a summit block naming ``partners``."""
    text = mutate("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, beta], partners: " + partners + "}")
    return text.replace("third_parties:\n", GAMMA_SIDE, 1)


ALSO_CASES = [
    Case(
        "also-repeats-the-role",
        text=mutate("role: staff,", "role: staff, also: [staff],"),
        field="sides.alpha.factions[1].also[0]",
        marker="also: [staff]",
        expect=("'staff' is already one of its roles",),
        errors=1,
    ),
    Case(
        "also-unknown-role",
        text=mutate("role: staff,", "role: staff, also: [envoy],"),
        field="sides.alpha.factions[1].also[0]",
        marker="also: [envoy]",
        expect=("must be one of 'hardliner', 'reformer', 'staff', 'military', 'intelligence' or 'ratifier' (got 'envoy')",),
        errors=1,
    ),
]
"""An actor's further roles (``also``)."""

RAPPORT_CASES = [
    Case(
        "rapport-with-its-own-side",
        text=mutate("      trust: {beta: 0.45}\n", "      trust: {beta: 0.45}\n      rapport: {alpha: 0.5}\n"),
        field="sides.alpha.leader.rapport.alpha",
        marker="rapport: {alpha: 0.5}",
        expect=("'alpha' is not another side",),
        errors=1,
    ),
    Case(
        "rapport-out-of-range",
        text=mutate("      trust: {beta: 0.45}\n", "      trust: {beta: 0.45}\n      rapport: {beta: 1.5}\n"),
        field="sides.alpha.leader.rapport.beta",
        marker="rapport: {beta: 1.5}",
        expect=("must be <= 1 (got 1.5)",),
        errors=1,
    ),
]
"""A leader's initial rapport (``rapport``)."""


def with_belligerents(belligerents: str) -> str:
    """teaching.yaml with a third side, gamma, and a ``belligerents`` list."""
    text = mutate("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, beta]}\nbelligerents: " + belligerents)
    return text.replace("third_parties:\n", GAMMA_SIDE, 1)


BELLIGERENT_CASES = [
    Case(
        "belligerents-unknown-side",
        text=with_belligerents("[alpha, gama]"),
        field="belligerents[1]",
        marker="belligerents: [alpha, gama]",
        expect=("unknown side 'gama'", "did you mean 'gamma'"),
        errors=1,
    ),
    Case(
        "belligerents-twice",
        text=with_belligerents("[alpha, gamma, alpha]"),
        field="belligerents[2]",
        marker="belligerents: [alpha, gamma, alpha]",
        expect=("'alpha' is listed twice",),
        errors=1,
    ),
    Case(
        "belligerents-one",
        text=with_belligerents("[alpha]"),
        field="belligerents",
        marker="belligerents: [alpha]",
        expect=("at least 2",),
        errors=1,
    ),
]
"""The sides whose hostility makes the tension: known sides, each once, at least two."""

RELIEF_CASES = [
    Case(
        "relieves-unknown-pressure",
        text=mutate("{id: d, label: Disarmament,", "{id: d, relieves: [militray], label: Disarmament,"),
        field="issues[0].relieves[0]",
        marker="relieves: [militray]",
        expect=("'economic', 'domestic' or 'military'",),
        errors=1,
    ),
    Case(
        "relieves-twice",
        text=mutate("{id: d, label: Disarmament,", "{id: d, relieves: [military, economic, military], label: Disarmament,"),
        field="issues[0].relieves",
        marker="relieves: [military, economic, military]",
        expect=("names military more than once",),
        errors=1,
    ),
]
"""The pressures a dimension's delivery ends: known channels, each once."""

DURATION_CASES = [
    Case(
        "duration-under-a-day",
        text=mutate("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, beta]}\nparameters: {tau_prep_min: 0.1}"),
        field="parameters.tau_prep_min",
        marker="parameters: {tau_prep_min: 0.1}",
        expect=("must be >= 0.142857 (got 0.1)",),
        errors=1,
    ),
]
"""A duration may be a fraction of a week, but at least a day."""

SESSION_CASES = [
    Case(
        "summit-steps-zero",
        text=mutate("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, beta], steps: 0}"),
        field="summit.steps",
        marker="steps: 0",
        expect=("must be >= 1 (got 0)",),
        errors=1,
    ),
    Case(
        "summit-steps-too-many",
        text=mutate("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, beta], steps: 61}"),
        field="summit.steps",
        marker="steps: 61",
        expect=("must be <= 60 (got 61)",),
        errors=1,
    ),
]
"""A summit of several steps: its length is bounded."""

PARTNER_CASES = [
    Case(
        "partners-unknown-side",
        text=with_partners("{alpha: [gama]}"),
        field="summit.partners.alpha[0]",
        marker="partners: {alpha: [gama]}",
        expect=("unknown side 'gama'", "did you mean 'gamma'"),
        errors=1,
    ),
    Case(
        "partners-of-a-non-summit-side",
        text=with_partners("{gamma: [alpha]}"),
        field="summit.partners.gamma",
        marker="partners: {gamma",
        expect=("'gamma' is not a summit side",),
        errors=1,
    ),
    Case(
        "partners-summit-side",
        text=with_partners("{alpha: [beta]}"),
        field="summit.partners.alpha[0]",
        marker="partners: {alpha: [beta]}",
        expect=("'beta' is a summit side already",),
        errors=1,
    ),
    Case(
        "partners-twice",
        text=with_partners("{alpha: [gamma], beta: [gamma]}"),
        field="summit.partners.beta[0]",
        marker="partners: {alpha",
        expect=("'gamma' is a partner twice",),
        errors=1,
    ),
]
"""Co-negotiators at the table (ODD 7.19): partners are third sides, each seated once."""

IMPLEMENTATION_CASES = [
    Case(
        "implementation-ratifier-side",
        text=with_implementation("  ratifiers: {gamma: [ada]}\n"),
        field="implementation.ratifiers.gamma",
        marker="ratifiers: {gamma",
        expect=("unknown side 'gamma'",),
        errors=1,
    ),
    Case(
        "implementation-ratifier-not-a-member",
        text=with_implementation("  ratifiers: {alpha: [beta-hardliners]}\n"),
        field="implementation.ratifiers.alpha[0]",
        marker="ratifiers: {alpha",
        expect=("'beta-hardliners' is not a member of side 'alpha'",),
        errors=1,
    ),
    Case(
        "implementation-continue-after-class",
        text=with_implementation("  continue_after: [interm]\n"),
        field="implementation.continue_after[0]",
        marker="continue_after",
        expect=("unknown agreement class 'interm'", "did you mean 'interim'"),
        errors=1,
    ),
    Case(
        "implementation-term-test-class",
        text=with_implementation("  terms:\n    - {side: beta, scope: [icmb]}\n"),
        field="implementation.terms[0].scope[0]",
        marker="scope: [icmb]",
        expect=("unknown test class 'icmb'", "did you mean 'icbm'"),
        errors=1,
    ),
    Case(
        "implementation-term-kind",
        text=with_implementation("  terms:\n    - {side: alpha, kinds: [sanctions_tigthen]}\n"),
        field="implementation.terms[0].kinds[0]",
        marker="kinds: [sanctions_tigthen]",
        expect=("unknown signal kind 'sanctions_tigthen'", "did you mean 'sanctions_tighten'"),
        errors=1,
    ),
    Case(
        "implementation-term-empty",
        text=with_implementation("  terms:\n    - {side: alpha, tie: 0.3}\n"),
        field="implementation.terms[0]",
        marker="{side: alpha, tie: 0.3}",
        expect=("a term must name at least one test class (scope) or signal kind (kinds)",),
        errors=1,
    ),
    Case(
        "implementation-comply-weeks",
        text=with_implementation("  comply_weeks: 0\n"),
        field="implementation.comply_weeks",
        marker="comply_weeks: 0",
        expect=("must be >= 1 (got 0)",),
        errors=1,
    ),
]
"""Life after an agreement (ODD 7.20): the block's cross-field rules and bounds."""


def with_patterns(*patterns: str) -> str:
    """teaching.yaml (30 weekly steps) with these patterns."""
    return TEACHING + "patterns:\n" + "".join(f"  - {p}\n" for p in patterns)


HORIZON_CASES = [
    Case(
        # the engine dates every event: a run whose last step falls after 9999-12-31 failed with an OverflowError
        "time-past-the-calendar",
        text=mutate("start: 2020-01-06", "start: 9999-12-01"),
        field="time.start",
        marker="start: 9999-12-01",
        expect=("week 29) would fall after 9999-12-31", "start by 9999-06-11 or run at most 5 weeks"),
        errors=1,
        also_run=True,
    ),
    Case(
        "event-week-and-date",
        text=TEACHING + "events:\n  - {week: 3, date: 2020-02-03, kind: shock, text: both}\n",
        field="events[0].date",
        marker="  - {week: 3",
        expect=("give week or date, not both (week 3; the date 2020-02-03 is step 4)",),
        errors=1,
    ),
    Case(
        "summit-scheduled-past-the-horizon",
        text=mutate("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, beta], status: scheduled, week: 500}"),
        field="summit.week",
        marker="week: 500",
        expect=("falls at step 500, outside the horizon 0..29",),
        errors=1,
    ),
    Case(
        "pattern-window-after-the-run",
        text=with_patterns("{id: late, text: t, kind: walk_away, window: [100, 200]}"),
        field="patterns[0].window",
        marker="  - {id: late",
        expect=("starts at week 100, after the run's last week (29)",),
        errors=1,
    ),
    Case(
        "absent-pattern-window-after-the-run",
        text=with_patterns("{id: late, text: t, kind: walk_away, absent: true, window: [100, 200]}"),
        field="patterns[0].window",
        marker="  - {id: late",
        expect=("starts at week 100, after the run's last week (29)",),
        errors=1,
    ),
    Case(
        "state-pattern-window-before-the-run",
        text=with_patterns("{id: early, text: t, window: [-10, -5], state: {agent: ada, variable: stance, measure: mean, within: [0, 1]}}"),
        field="patterns[0].window[0]",
        marker="  - {id: early",
        expect=("must be >= 0 (got -10)",),
    ),
    Case(
        # an absent pattern is broken only by an event at least one step inside its window (tolerance > 0)
        "absent-pattern-on-the-last-week",
        text=with_patterns("{id: end, text: t, kind: walk_away, absent: true, window: [29, 40]}"),
        field="patterns[0].window",
        marker="  - {id: end",
        expect=("no week of the run can break it", "the run's only week inside it is 29", "tolerance: 0"),
        errors=1,
    ),
    Case(
        "absent-pattern-two-weeks-long",
        text=with_patterns("{id: short, text: t, kind: walk_away, absent: true, window: [5, 6]}"),
        field="patterns[0].window",
        marker="  - {id: short",
        expect=("no week of the run can break it", "weeks inside it are 5 and 6"),
        errors=1,
    ),
]
"""What a run could never reach: dates past the calendar, a step past the horizon, a pattern window outside the run."""


def test_windows_that_overhang_the_end_are_scored_over_the_run(tmp_path: Path) -> None:
    """A window that starts within the run and ends after it is kept; its scored weeks stop at the run's last week."""
    from summitry.sim.scenario.pattern_fields import scored_weeks

    sc = load_scenario_text(
        with_patterns(
            "{id: late, text: t, kind: walk_away, window: [25, 40]}",
            "{id: quiet, text: t, kind: walk_away, absent: true, window: [28, 40]}",
        )
    )
    assert [scored_weeks(p, sc.time.steps) for p in sc.patterns] == [[23, 29], [29, 29]]


# a grid of 201 points over four issues is 1.6e9 points: refused at validation, before run or upload builds it
GRID_BOMB = mutate(
    '  - {id: r, label: Relief, description: "What Alpha gives: 0 = none, 1 = all sanctions lifted"}\n',
    '  - {id: r, label: Relief, description: "What Alpha gives: 0 = none, 1 = all sanctions lifted"}\n'
    "  - {id: e, label: E}\n  - {id: f, label: F}\ngrid_points: 201\n",
)
GRID_CASES = [
    Case(
        "grid-too-large",
        text=GRID_BOMB,
        field="grid_points",
        marker="grid_points: 201",
        expect=("1,632,240,801 grid points", "more than the 200,000"),
        also_run=True,
    ),
]

# a boolean or a quoted number where a number goes was read as 1, 0 or the number (validate said ok); now refused
NUMBER_CASES = [
    Case(
        "bool-for-steps",
        text=mutate("steps: 30}", "steps: true}"),
        field="time.steps",
        marker="steps: true",
        expect=("must be a number, not true",),
        errors=1,
    ),
    Case(
        "bool-for-a-share",
        text=mutate("audience_cost: 0.8", "audience_cost: false"),
        field="sides.alpha.audience_cost",
        marker="audience_cost: false",
        expect=("must be a number, not false",),
        errors=1,
    ),
    Case(
        "quoted-number",
        text=mutate("audience_cost: 0.8", 'audience_cost: "0.8"'),
        field="sides.alpha.audience_cost",
        marker='audience_cost: "0.8"',
        expect=("must be a number, not the text '0.8' (write it without quotes)",),
        errors=1,
    ),
]

CASES = [
    *GRID_CASES,
    *NUMBER_CASES,
    *HORIZON_CASES,
    *IMPLEMENTATION_CASES,
    *PARTNER_CASES,
    *BELLIGERENT_CASES,
    *ALSO_CASES,
    *RAPPORT_CASES,
    *SESSION_CASES,
    *RELIEF_CASES,
    *DURATION_CASES,
    Case(
        "yaml-syntax",
        text=mutate("name: teaching\n", "name: teaching: two\n"),
        marker="name: teaching: two",
        expect=("not valid YAML", "mapping values are not allowed here"),
        also_run=True,
    ),
    Case(
        # PyYAML notices an unclosed bracket a line later; the message must
        # also say where the bracket was opened
        "yaml-unclosed-bracket",
        text=UNCLOSED,
        marker="description: >-",
        expect=("not valid YAML", "expected ',' or ']'", f"while parsing a flow sequence, line {line_of(UNCLOSED, '[unclosed')}"),
    ),
    Case(
        "unknown-top-level-key",
        text=TEACHING + "colour: blue\n",
        field="colour",
        marker="colour:",
        expect=("unknown key",),
        errors=1,
    ),
    Case(
        "unknown-nested-key",
        text=mutate(FACTION_0, FACTION_0.replace("influence", "influense")),
        field="sides.alpha.factions[0].influense",
        marker="influense",
        expect=("unknown key", "sides.alpha.factions[0].influence: required field is missing"),
    ),
    Case(
        "wrong-type",
        text=mutate("audience_cost: 0.8", "audience_cost: high"),
        field="sides.alpha.audience_cost",
        marker="audience_cost: high",
        expect=("must be a number, not the text 'high'",),
        errors=1,
    ),
    Case(
        "out-of-range",
        text=mutate(FACTION_1, FACTION_1.replace("influence: 0.5", "influence: 1.4")),
        field="sides.alpha.factions[1].influence",
        marker="influence: 1.4",
        expect=("sides.alpha.factions[1].influence: must be <= 1 (got 1.4)",),
        errors=1,
        also_run=True,
    ),
    Case(
        "safeguard-out-of-range",
        text=mutate("{id: r, label: Relief, description:", "{id: r, label: Relief, safeguard: 1.5, description:"),
        field="issues[1].safeguard",
        marker="safeguard: 1.5",
        expect=("issues[1].safeguard: must be <= 1 (got 1.5)",),
        errors=1,
    ),
    Case(
        "negative-steps",
        text=mutate("steps: 30", "steps: -5"),
        field="time.steps",
        marker="steps: -5",
        expect=("time.steps: must be >= 1 (got -5)",),
        errors=1,
    ),
    Case(
        "fractional-steps",
        text=mutate("steps: 30", "steps: 12.5"),
        field="time.steps",
        marker="steps: 12.5",
        expect=("valid integer", "(got 12.5)"),
    ),
    Case(
        "dangling-influence-edge",
        text=mutate("{listener: bo, speaker: gil,", "{listener: bo, speaker: gill,"),
        field="influence[1].speaker",
        marker="speaker: gill",
        expect=("unknown actor 'gill' (did you mean 'gil'?)",),
        errors=1,
        also_run=True,
    ),
    Case(
        "duplicate-actor-id",
        text=mutate("id: bo\n", "id: ada\n"),
        field="sides.beta.leader.id",
        marker="id: ada\n      name: Chairman Bo",
        expect=("duplicate id 'ada' (first used at sides.alpha.leader.id)",),
    ),
    Case(
        "actor-id-equals-side-id",
        text=mutate("id: bo\n", "id: beta\n"),
        field="sides.beta.leader.id",
        marker="id: beta",
        expect=("id 'beta' is also a side id",),
    ),
    Case(
        "event-after-horizon",
        text=TEACHING + "events:\n  - {week: 40, kind: shock, text: too late}\n",
        field="events[0].week",
        marker="week: 40",
        expect=("falls at step 40, outside the horizon 0..29",),
        errors=1,
    ),
    Case(
        # 2020-05-26 is step 20 of teaching's weekly clock from 2020-01-06; reports would have placed the entry at step 5
        "record-week-contradicts-its-date",
        text=TEACHING + "record:\n  - {date: 2020-01-13, week: 1, text: agrees}\n  - {date: 2020-05-26, week: 5, text: late}\n",
        field="record[1].week",
        marker="{date: 2020-05-26",
        expect=(
            "week 5 contradicts the date 2020-05-26, which is step 20 (week 20 of the clock from 2020-01-06, 7 days a step); "
            "write week: 20, or leave week out",
        ),
        errors=1,
    ),
    Case(
        "record-week-on-a-daily-clock",
        text=mutate("step_days: 7", "step: day")
        + "record:\n  - {date: 2020-01-06, text: no week}\n  - {date: 2020-01-09, week: 2, text: off by one}\n",
        field="record[1].week",
        marker="{date: 2020-01-09",
        expect=("week 2 contradicts the date 2020-01-09, which is step 3 (day 3 of the clock from 2020-01-06, 1 day a step)",),
        errors=1,
    ),
    Case(
        # a date where the summit's step goes: the step that date falls on under the clock (teaching's weekly, from 2020-01-06)
        "summit-week-given-a-date",
        text=mutate("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, beta], status: scheduled, week: 2020-05-26}"),
        field="summit.week",
        marker="summit:",
        expect=("must be a step number, not a date; 2020-05-26 is step 20 (week 20 of the clock from 2020-01-06): write week: 20",),
        errors=1,
    ),
    Case(
        "summit-date",
        text=mutate("summit: {sides: [alpha, beta]}", "summit:\n  sides: [alpha, beta]\n  status: scheduled\n  date: 2020-01-20\n"),
        field="summit.date",
        marker="  date: 2020-01-20",
        expect=("the summit's step is given as week (a step number), not as a date; 2020-01-20 is step 2", "write week: 2"),
    ),
    Case(
        "summit-week-given-a-date-before-the-start",
        text=mutate("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, beta], status: scheduled, week: 2019-12-30}"),
        field="summit.week",
        marker="summit:",
        expect=("must be a step number, not a date; 2019-12-30 is before the run starts (2020-01-06, step 0)",),
        errors=1,
    ),
    Case(
        "event-unknown-kind",
        text=TEACHING + "events:\n  - {week: 4, kind: threatt, sender: ada}\n",
        field="events[0].kind",
        marker="kind: threatt",
        expect=("unknown kind 'threatt' (did you mean 'threat'",),
    ),
    Case(
        "event-unknown-sender",
        text=TEACHING + "events:\n  - {week: 4, kind: shock, sender: adaa}\n",
        field="events[0].sender",
        marker="sender: adaa",
        expect=("unknown actor 'adaa' (did you mean 'ada'?)",),
        errors=1,
    ),
    Case(
        # no id is close: the message lists the actors there are
        "unknown-actor-lists-the-actors",
        text=mutate("{listener: bo, speaker: gil,", "{listener: bo, speaker: kissinger,"),
        field="influence[1].speaker",
        marker="speaker: kissinger",
        expect=("unknown actor 'kissinger'; the actors are ada, alpha-hawks, alpha-diplomats, bo, beta-hardliners, beta-reformers, gil",),
        errors=1,
    ),
    Case(
        "side-id-where-an-actor-goes",
        text=TEACHING + "events:\n  - {week: 4, kind: praise, sender: alpha, receiver: bo}\n",
        field="events[0].sender",
        marker="sender: alpha",
        expect=("'alpha' is a side, not an actor; name an actor, e.g. its leader 'ada'",),
        errors=1,
    ),
    Case(
        "pledge-touted-by-a-side",
        text=TEACHING + "pledges:\n  - {side: beta, scope: [icbm], touted_by: [alpha]}\n",
        field="pledges[0].touted_by[0]",
        marker="touted_by: [alpha]",
        expect=("'alpha' is a side, not an actor; name an actor, e.g. its leader 'ada'",),
        errors=1,
    ),
    Case(
        "pattern-sender-is-a-side",
        text=TEACHING + "patterns:\n  - {id: p1, text: t, kind: walk_away, sender: beta, window: [1, 2]}\n",
        field="patterns[0].sender",
        marker="  - {id: p1",
        expect=("'beta' is a side, not an actor; name an actor, e.g. its leader 'bo'",),
        errors=1,
    ),
    Case(
        "pattern-state-unknown-agent-lists-the-agents",
        text=TEACHING
        + "patterns:\n  - id: p1\n    text: t\n    window: [1, 2]\n"
        + "    state: {agent: richard, variable: stance, measure: mean, within: [0, 1]}\n",
        field="patterns[0].state.agent",
        marker="    state: {agent: richard",
        expect=(
            "unknown agent 'richard'; the series has actors (ada, alpha-hawks, alpha-diplomats, bo, beta-hardliners, "
            "beta-reformers, gil), sides (alpha, beta) and 'world'",
        ),
        errors=1,
    ),
    Case(
        # the marker file would appear if the tag were ever constructed
        "python-tag",
        text=TEACHING + 'extra: !!python/object/apply:os.system ["touch {marker}"]\n',
        marker="extra: !!python",
        expect=("not valid YAML", "Python tags are not allowed"),
        also_run=True,
    ),
    Case(
        "yaml-alias",
        text=mutate("summit: {sides: [alpha, beta]}", "summit: &s {sides: [alpha, beta]}") + "extra: *s\n",
        marker="extra: *s",
        expect=("aliases (*name) are not allowed",),
    ),
    Case(
        "yaml-merge-key",
        text=mutate(
            "    factions:\n      - {id: alpha-hawks,",
            "    factions:\n      - &hawk {id: alpha-hawks,",
        ).replace("      - {id: alpha-diplomats,", "      - {<<: *hawk, id: alpha-diplomats,"),
        marker="<<: *hawk",
        expect=("aliases (*name) are not allowed",),
    ),
    Case(
        "billion-laughs",
        text=BILLION_LAUGHS,
        line=2,
        expect=("aliases (*name) are not allowed",),
        also_run=True,
    ),
    Case("empty-file", text="", expect=("the scenario file is empty",)),
    Case(
        "only-a-list", text="- name: teaching\n- title: x\n", line=1, expect=("a scenario file must be a mapping", "this one holds a list")
    ),
    Case("only-a-string", text="teaching\n", line=1, expect=("a scenario file must be a mapping", "this one holds one piece of text")),
    Case("only-comments", text="# a comment\n   \n# another\n", expect=("the scenario file is empty",)),
    Case("fifty-megabytes", make=_big_file, expect=("file is 50.0 MiB", "limited to 10 MiB")),
    Case(
        "not-utf8",
        data=mutate("Envoy Gil", "Envoy G\udcffil").encode("utf-8", "surrogateescape"),
        line=line_of(TEACHING, "Envoy Gil"),
        expect=("not UTF-8 text",),
    ),
    Case(
        "nul-character",
        text=mutate("Envoy Gil", "Envoy\x00Gil"),
        marker="Envoy\x00Gil",
        expect=("not valid YAML", "special characters are not allowed"),
    ),
    Case(
        # reported at the side's own line: the field is missing from it
        "missing-required-field",
        text=mutate("    utility: {d: 1.0, r: -1.0}\n", ""),
        field="sides.alpha.utility",
        marker="  alpha:",
        expect=("sides.alpha.utility: required field is missing",),
        errors=1,
        also_run=True,
    ),
    Case(
        "influence-shares-do-not-sum-to-1",
        text=mutate(FACTION_1, FACTION_1.replace("influence: 0.5", "influence: 0.2")),
        field="sides.alpha.factions",
        marker="    factions:",
        expect=("faction influence shares must sum to 1 (got 0.7)",),
        errors=1,
    ),
    Case(
        "pressure-weights-do-not-sum-to-1",
        text=mutate("pressure_weights: {economic: 0.6, domestic: 0.1,", "pressure_weights: {economic: 0.7, domestic: 0.1,"),
        field="sides.beta.pressure_weights",
        marker="pressure_weights: {economic: 0.7",
        expect=("weights must sum to 1 (got 1.1)",),
        errors=1,
    ),
    Case(
        "pattern-window-backwards",
        text=TEACHING + "patterns:\n  - {id: p1, text: t, kind: walk_away, window: [12, 8]}\n",
        field="patterns[0].window",
        marker="  - {id: p1",
        expect=("from must be <= to (got from 12, to 8)",),
        errors=1,
    ),
    Case(
        "utility-unknown-dimension",
        text=mutate("utility: {d: 1.0, r: -1.0}", "utility: {d: 1.0, r: -1.0, x: 0.5}"),
        field="sides.alpha.utility.x",
        marker="x: 0.5",
        expect=("unknown dimension 'x'", "dimensions are ['d', 'r']"),
        errors=1,
    ),
    Case(
        "summit-unknown-side",
        text=mutate("summit: {sides: [alpha, beta]}", "summit: {sides: [alpha, gamma]}"),
        field="summit.sides[1]",
        marker="summit:",
        expect=("unknown side 'gamma'",),
        errors=1,
    ),
    Case(
        "range-without-its-value",
        text=TEACHING + "parameters: {kappa: 2.0}\nranges: {parameters.kappa: [3, 4]}\n",
        field="ranges.parameters.kappa",
        marker="ranges:",
        expect=("range [3.0, 4.0] does not contain the value 2.0",),
        errors=1,
    ),
    Case(
        "nan",
        text=TEACHING + "parameters: {kappa: .nan}\n",
        field="parameters.kappa",
        marker="parameters:",
        expect=("must be a finite number",),
    ),
    Case(
        # a key containing a dot, and a list index, still map to the line
        "inf-in-a-range",
        text=TEACHING + "ranges:\n  parameters.kappa: [0.5, .inf]\n",
        field="ranges.parameters.kappa[1]",
        marker="  parameters.kappa:",
        expect=("must be a finite number",),
    ),
    Case(
        "duplicate-key",
        text=mutate("    audience_cost: 0.4\n", "    audience_cost: 0.4\n    audience_cost: 0.9\n"),
        field="sides.beta.audience_cost",
        marker="audience_cost: 0.9",
        expect=("duplicate key",),
    ),
    Case(
        # the field is named (found from the value's place in the file), and the form a date takes
        "impossible-date",
        text=mutate("start: 2020-01-06", "start: 2020-13-45"),
        field="time.start",
        marker="start: 2020-13-45",
        expect=("not a valid date: cannot read '2020-13-45': month must be in 1..12; write a date as YYYY-MM-DD",),
        errors=1,
    ),
    Case(
        "impossible-date-in-a-block-mapping",
        text=mutate("time: {start: 2020-01-06, step_days: 7, steps: 30}", "time:\n  start: 1972-13-03\n  steps: 30"),
        field="time.start",
        marker="start: 1972-13-03",
        expect=("cannot read '1972-13-03': month must be in 1..12; write a date as YYYY-MM-DD",),
        errors=1,
    ),
    Case(
        "malformed-number-names-its-field",
        text=mutate("steps: 30", "steps: 0b_"),
        field="time.steps",
        marker="steps: 0b_",
        expect=("not valid YAML", "cannot read '0b_'"),
    ),
    # indentation slips: PyYAML notices them a line late; the message names the line that slipped
    Case(
        # the leader's name dedented one level: YAML reads the next line as more of the name's value
        "dedented-key",
        text=mutate("      name: President Ada\n", "    name: President Ada\n"),
        marker="    name: President Ada",
        expect=(
            "not valid YAML: mapping values are not allowed here; check the indentation of this line and the one before:",
            "is indented more than this line's key, name, so YAML read it as more of this line's value",
        ),
        errors=1,
        also_run=True,
    ),
    Case(
        # a key with a value on its line dedented to its parent's level: the next line fits under nothing
        "dedented-key-with-a-flow-value",
        text=mutate("    utility: {d: 1.0, r: -1.0}\n", "  utility: {d: 1.0, r: -1.0}\n"),
        marker="  utility: {d: 1.0, r: -1.0}",
        expect=("check the indentation of this line and the one before", "is indented more than this line (2 spaces)"),
        errors=1,
    ),
    Case(
        # a block key dedented: its nested keys follow it, and PyYAML notices only at the next key of the old level
        "dedented-block-key",
        text=mutate("    leader:\n      id: ada", "  leader:\n      id: ada"),
        marker="  leader:\n      id: ada",
        expect=("check the indentation of this line and the one before",),
        errors=1,
    ),
    Case(
        "dedented-list-item",
        text=mutate("  - {listener: bo, speaker: gil,", "- {listener: bo, speaker: gil,"),
        marker="- {listener: bo, speaker: gil,",
        expect=("check the indentation of this line and the one before: this line (0 spaces) is indented less than",),
        errors=1,
    ),
    Case(
        "folded-text-not-indented",
        text=mutate("  listens to a hardliner", "listens to a hardliner"),
        marker="listens to a hardliner",
        expect=("this line was read as a key; check the indentation of this line and the one before",),
        errors=1,
    ),
    Case(
        "tab-indentation",
        text=mutate("    audience_cost: 0.8", "\taudience_cost: 0.8"),
        marker="\taudience_cost: 0.8",
        expect=("not valid YAML: a tab (column 1); indent with spaces",),
        errors=1,
    ),
    Case(
        "list-as-a-key",
        text=TEACHING + "? [a, b]\n: c\n",
        marker="? [a, b]",
        expect=("not valid YAML", "unhashable key"),
    ),
    Case(
        # square brackets in user text must be shown as typed (not read as markup)
        "brackets-in-a-key",
        text=TEACHING + "'colour[/red]': 1\n",
        field="colour[/red]",
        marker="'colour[/red]'",
        expect=("unknown key",),
    ),
    # a key YAML reads as something other than text: named as written, on its own line (not "[1]" on the root's line)
    Case(
        "boolean-key",
        text=mutate("mode: free\n", "true: free\n"),
        field="true",
        marker="true: free",
        expect=('a key must be text, and YAML reads true as a boolean (true or false); quote it: "true"',),
        errors=1,
    ),
    Case(
        # on, off, yes and no are text (YAML 1.2), not booleans (YAML 1.1): here an unknown key like any other word
        "on-is-a-word-as-a-key",
        text=mutate("mode: free\n", "on: free\n"),
        field="on",
        marker="on: free",
        expect=("unknown key",),
        errors=1,
    ),
    Case(
        "null-key",
        text=mutate("mode: free\n", "~: free\n"),
        field="~",
        marker="~: free",
        expect=("YAML reads ~ as null (no value)",),
        errors=1,
    ),
    Case(
        "number-key",
        text=mutate("  alpha:\n    name: Alpha\n", "  5:\n    name: Alpha\n"),
        field="sides.5",
        marker="  5:\n",
        expect=('YAML reads 5 as a number; quote it: "5"',),
        errors=1,
        also_run=True,
    ),
    Case(
        "no-is-a-word-as-a-key-in-a-flow-mapping",
        text=mutate("trust: {beta: 0.45}", "trust: {no: 0.45}"),
        field="sides.alpha.leader.trust.no",
        marker="trust: {no:",
        expect=("'no' is not another side",),
        errors=1,
    ),
    # numbers YAML 1.1 reads in another base than ten: refused on their own line, with what they would have been
    Case(
        "leading-zero-number",
        text=mutate("steps: 30}", "steps: 030}"),
        field="time.steps",
        marker="steps: 030",
        expect=('030 has a leading zero, which YAML 1.1 reads as octal 24; write 30, or quote it ("030") if it is text',),
        errors=1,
        also_run=True,
    ),
    Case(
        "leading-zero-number-in-a-list",
        text=mutate("comprehensive: {d: [0.7, 1.0]}", "comprehensive: {d: [0.7,\n      010]}"),
        field="agreement.comprehensive.d[1]",
        marker="      010]",
        expect=("010 has a leading zero, which YAML 1.1 reads as octal 8; write 10",),
        errors=1,
    ),
    Case(
        "base-60-number",
        text=mutate("audience_cost: 0.8", "audience_cost: 1:30"),
        field="sides.alpha.audience_cost",
        marker="audience_cost: 1:30",
        expect=('1:30 is read by YAML 1.1 as a base-60 number, 90; write 90, or quote it ("1:30") if it is text (a time, a ratio)',),
        errors=1,
        also_run=True,
    ),
    Case(
        "base-60-text",
        text=mutate("name: Chairman Bo\n", "name: 12:45\n"),
        field="sides.beta.leader.name",
        marker="name: 12:45",
        expect=('12:45 is read by YAML 1.1 as a base-60 number, 765; write 765, or quote it ("12:45") if it is text',),
        errors=1,
    ),
    Case(
        "hexadecimal-number",
        text=mutate("self_weight: 0.45", "self_weight: 0x1F"),
        field="sides.beta.leader.self_weight",
        marker="self_weight: 0x1F",
        expect=('0x1F is hexadecimal, which YAML reads as 31; write 31, or quote it ("0x1F") if it is text',),
        errors=1,
    ),
    Case(
        "every-number-in-another-base-at-once",
        text=mutate("audience_cost: 0.4", "audience_cost: 0b1").replace("steps: 30}", "steps: 0_30}"),
        expect=(
            "time.steps: 0_30 has a leading zero, which YAML 1.1 reads as octal 24; write 30",
            "sides.beta.audience_cost: 0b1 is binary, which YAML reads as 1; write 1",
        ),
        errors=2,
    ),
    Case(
        "pattern-unknown-sender",
        text=TEACHING + "patterns:\n  - {id: p1, text: t, kind: walk_away, sender: nobody, window: [1, 2]}\n",
        field="patterns[0].sender",
        marker="  - {id: p1",
        expect=("unknown actor 'nobody'",),
        errors=1,
        also_run=True,
    ),
    Case(
        "pattern-misspelt-kind",
        text=TEACHING + "patterns:\n  - {id: p1, text: t, kind: walk_awya, window: [1, 2]}\n",
        field="patterns[0].kind",
        marker="  - {id: p1",
        expect=("unknown event kind 'walk_awya'", "did you mean 'walk_away'"),
        errors=1,
    ),
    Case(
        "pattern-unknown-before-kind",
        text=TEACHING + "patterns:\n  - {id: p1, text: t, kind: walk_away, before: summit_hold, window: [1, 2]}\n",
        field="patterns[0].before",
        marker="  - {id: p1",
        expect=("unknown event kind 'summit_hold'", "did you mean 'summit_held'"),
        errors=1,
    ),
    Case(
        "pattern-state-unknown-agent",
        text=TEACHING
        + "patterns:\n  - id: p1\n    text: t\n    window: [1, 2]\n"
        + "    state: {agent: ghost, variable: stance, measure: mean, within: [0, 1]}\n",
        field="patterns[0].state.agent",
        marker="    state: {agent: ghost",
        expect=("unknown agent 'ghost'",),
        errors=1,
    ),
    Case(
        "unknown-capability",
        text=mutate("capabilities: [tests, dismantle]", "capabilities: [tests, dismantel]"),
        field="sides.beta.capabilities[1]",
        marker="capabilities: [tests, dismantel]",
        expect=("unknown capability 'dismantel'", "did you mean 'dismantle'", "signals require"),
        errors=1,
        also_run=True,
    ),
    Case(
        "wording-misspelt-key",
        text=TEACHING + "wording:\n  moratoriun: a freeze on tests\n",
        field="wording.moratoriun",
        marker="  moratoriun:",
        expect=("unknown key",),
    ),
    Case("directory", make=_directory, expect=("is a directory, not a scenario file",)),
    Case("nonexistent-path", make=_missing, expect=("no such scenario file",)),
]


def _all_output(r) -> str:
    return r.stdout + r.stderr


def _with_marker_file(case: Case, tmp_path: Path) -> Case:
    """The case with ``{marker}`` in its text naming a file under tmp_path."""
    if case.text is None or "{marker}" not in case.text:
        return case
    return dataclasses.replace(case, text=case.text.replace("{marker}", str(tmp_path / "pwned")))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_refuses_bad_scenario(case: Case, tmp_path: Path, cli) -> None:
    case = _with_marker_file(case, tmp_path)
    path = case.write(tmp_path)
    r = cli("validate", str(path))
    out = _all_output(r)
    assert "Traceback" not in out
    assert f"error: {path}" in r.stderr, r.stderr
    line = case.expected_line()
    if line is not None and case.field is not None:
        assert f"{path}:{line}: {case.field}:" in r.stderr, r.stderr
    elif line is not None:
        assert f"{path}:{line}:" in r.stderr, r.stderr
    elif case.field is not None:
        assert f": {case.field}:" in r.stderr, r.stderr
    for fragment in case.expect:
        assert fragment in r.stderr, f"{fragment!r} not in {r.stderr!r}"
    if case.errors is not None:
        assert r.stderr.count("error: ") == case.errors, r.stderr
    assert not (tmp_path / "pwned").exists(), "a YAML tag executed code"
    assert r.code == 2, f"exit status {r.code} (expected 2) for:\n{r.stderr}"


RUN_CASES = [c for c in CASES if c.also_run]


@pytest.mark.parametrize("case", RUN_CASES, ids=[c.id for c in RUN_CASES])
def test_run_refuses_bad_scenario(case: Case, tmp_path: Path, cli) -> None:
    case = _with_marker_file(case, tmp_path)
    path = case.write(tmp_path)
    r = cli("run", str(path), "--steps", "1", "--out", str(tmp_path / "out"))
    assert r.code == 2, r.stderr
    assert "Traceback" not in _all_output(r)
    line = case.expected_line()
    assert f"error: {path}:{line}:" in r.stderr, r.stderr
    for fragment in case.expect:
        assert fragment in r.stderr
    assert not (tmp_path / "out").exists(), "a refused run must not write its directory"
    assert not (tmp_path / "pwned").exists()


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 24
    assert len({c.id for c in CASES}) == len(CASES)


def test_validate_reports_good_and_bad_files_together(tmp_path: Path, cli) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(mutate("steps: 30", "steps: 0"))
    r = cli("validate", "teaching", str(bad))
    assert "ok teaching" in r.stdout
    assert f"error: {bad}:{line_of(bad.read_text(), 'steps: 0')}: time.steps: must be >= 1 (got 0)" in r.stderr
    assert r.code == 2


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path, cli) -> None:
    text = mutate("audience_cost: 0.8", "audience_cost: 1.5").replace("audience_cost: 0.4", "audience_cost: -0.1")
    path = tmp_path / "two.yaml"
    path.write_text(text)
    r = cli("validate", str(path))
    assert f"{path}:{line_of(text, 'audience_cost: 1.5')}: sides.alpha.audience_cost: must be <= 1 (got 1.5)" in r.stderr
    assert f"{path}:{line_of(text, 'audience_cost: -0.1')}: sides.beta.audience_cost: must be >= 0 (got -0.1)" in r.stderr
    assert r.code == 2


def test_json_scenario_errors_name_the_json_line(tmp_path: Path) -> None:
    data = load_scenario("teaching").model_dump(mode="json")
    data["sides"]["beta"]["factions"][1]["influence"] = 1.4
    text = json.dumps(data, indent="\t")  # tab-indented JSON is valid JSON
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    # the second "influence": 1.4 in the file is beta's reformers
    line = line_of(text, '"influence": 1.4')
    assert str(info.value) == f"{path}:{line}: sides.beta.factions[1].influence: must be <= 1 (got 1.4)"


def test_tab_indented_json_scenario_loads(tmp_path: Path) -> None:
    sc = load_scenario("teaching")
    path = tmp_path / "teaching.json"
    path.write_text(json.dumps(sc.model_dump(mode="json"), indent="\t"))
    assert load_scenario(path).content_hash() == sc.content_hash()


# ------------------------------------------------ in-process loading (uploads)


def test_load_scenario_text_names_the_source_and_line() -> None:
    text = mutate(FACTION_1, FACTION_1.replace("influence: 0.5", "influence: 1.4"))
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "upload.yaml")
    line = line_of(text, "influence: 1.4")
    assert info.value.messages == [f"upload.yaml:{line}: sides.alpha.factions[1].influence: must be <= 1 (got 1.4)"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("title: [unclosed\nname: x\n", "my-upload.yaml:2: not valid YAML"),
        ("", "my-upload.yaml: the scenario file is empty"),
        ("- 1\n- 2\n", "my-upload.yaml:1: a scenario file must be a mapping"),
        ('x: !!python/object/apply:os.system ["echo hi"]\n', "my-upload.yaml:1: not valid YAML"),
        ("a: &a [1]\nb: *a\n", "my-upload.yaml:2: not valid YAML: YAML aliases"),
        ("name: x\n", "my-upload.yaml:1: title: required field is missing"),
    ],
    ids=["syntax", "empty", "list", "python-tag", "alias", "incomplete"],
)
def test_load_scenario_text_refuses_bad_text(text: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "my-upload.yaml")
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "field", "meant"),
    [
        ("mode: free\n", "mdoe: free\n", "mdoe", "'mode'"),
        ("impulsiveness: 0.5, ego", "impulsivness: 0.5, ego", "sides.alpha.leader.traits.impulsivness", "'impulsiveness'"),
        ("    leader:\n      id: ada", "    leadr:\n      id: ada", "sides.alpha.leadr", "'leader'"),
        ("erosion_belief: 0.01", "erosion_beleif: 0.01", "sides.beta.factions[0].erosion_beleif", "'erosion_belief'"),
        ("{listener: ada, speaker: gil,", "{listener: ada, speakr: gil,", "influence[0].speakr", "'speaker'"),
        ("mode: free\n", "mode: free\nsignals:\n  praise: {recevier: other_leader}\n", "signals.praise.recevier", "'receiver'"),
    ],
    ids=["top-level", "trait", "leader", "faction", "influence-edge", "signal-kind"],
)
def test_a_misspelt_key_names_the_key_it_may_mean(old: str, new: str, field: str, meant: str) -> None:
    """An unknown key said only "check its spelling"; a misspelt key is the commonest slip in a hand-written file, and
    the keys allowed at that place are known: the message names the closest (as --set and actor ids already do)."""
    text = mutate(old, new)
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "mine.yaml")
    line = line_of(text, field.rsplit(".", 1)[-1] + ":")
    assert f"mine.yaml:{line}: {field}: unknown key (not part of the format; did you mean {meant}?)" in info.value.messages


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        (
            "role: staff,",
            "role: staf,",
            "sides.alpha.factions[1].role",
            "must be one of 'hardliner', 'reformer', 'staff', 'military', 'intelligence' or 'ratifier' (got 'staf'; did you mean 'staff'?)",
        ),
        (
            "role: mediator,",
            "role: mediater,",
            "third_parties[0].role",
            "must be one of 'mediator', 'patron', 'spoiler' or 'guarantor' (got 'mediater'; did you mean 'mediator'?)",
        ),
        (
            "mode: free\n",
            "mode: free\nsignals:\n  praise: {effects: [{var: stanse, who: receiver, delta: 0.1}]}\n",
            "signals.praise.effects[0].var",
            "or 'rapport' (got 'stanse'; did you mean 'stance'?)",
        ),
        (
            "mode: free\n",
            "mode: free\nsignals:\n  praise: {trust: {mode: reassuring, evidence: typ}}\n",
            "signals.praise.trust.evidence",
            "must be one of 'type' or 'cost' (got 'typ')",
        ),
    ],
    ids=["faction-role", "third-party-role", "effect-variable", "trust-reading"],
)
def test_a_misspelt_role_or_effect_is_worded_like_every_bad_choice(old: str, new: str, field: str, problem: str) -> None:
    """A bad role said pydantic's "Input should be 'hardliner', ..." (capitalised, without what was written), unlike
    every other bad choice in a file ("must be one of ... (got ...)"); now it says what was written and the closest."""
    text = mutate(old, new)
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "mine.yaml")
    line = line_of(text, new.strip().split("\n")[-1].split(",")[0].strip())
    [message] = [m for m in info.value.messages if f": {field}: " in m]
    assert message.startswith(f"mine.yaml:{line}: {field}: must be one of '"), message
    assert message.endswith(problem), message


def test_an_unknown_key_like_no_allowed_one_still_says_check_its_spelling() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(TEACHING + "colour: blue\n", "mine.yaml")
    line = line_of(TEACHING + "colour: blue\n", "colour:")
    assert info.value.messages == [f"mine.yaml:{line}: colour: unknown key (not part of the format; check its spelling)"]


def test_load_scenario_text_refuses_oversized_text_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoYaml:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"yaml.{name} used: the size check must come before any parsing")

    import summitry.sim.scenario.loading

    monkeypatch.setattr(summitry.sim.scenario.loading, "yaml", NoYaml())
    text = TEACHING + "#" * (11 * 1024 * 1024)
    with pytest.raises(ScenarioError, match=r"^big\.yaml: scenario is over 10 MiB$"):
        load_scenario_text(text, "big.yaml")


def test_load_scenario_text_accepts_the_teaching_text() -> None:
    sc = load_scenario_text(TEACHING, "upload.yaml")
    assert sc.content_hash() == load_scenario("teaching").content_hash()


# ------------------------------------------------ YAML 1.1's implicit types


def _words_for_booleans(text: str) -> str:
    """teaching.yaml with Beta's leader called ``no``, Alpha named ``yes`` and a faction named ``off``."""
    text = text.replace("id: bo\n", "id: no\n").replace("listener: bo,", "listener: no,")
    return text.replace("name: Alpha\n", "name: yes\n").replace("name: Alpha hawks,", "name: off,")


@pytest.mark.parametrize("padded", [False, True], ids=["small", "large-file-read-by-libyaml"])
def test_yes_no_on_off_are_text_and_only_true_false_are_booleans(padded: bool) -> None:
    text = _words_for_booleans(TEACHING)
    if padded:  # past loading.FAST_PATH_BYTES: read by libyaml's loader, which must resolve the same way
        text += "# padding\n" * 60_000
    sc = load_scenario_text(text, "words.yaml")
    assert sc.sides["beta"].leader.id == "no"
    assert sc.sides["alpha"].name == "yes"
    assert sc.sides["alpha"].factions[0].name == "off"
    assert "no" in {edge.listener for edge in sc.influence}


@pytest.mark.parametrize("padded", [False, True], ids=["small", "large-file-read-by-libyaml"])
def test_a_leading_zero_is_refused_on_its_line_in_a_large_file_too(padded: bool) -> None:
    text = mutate("steps: 30}", "steps: 030}") + ("# padding\n" * 60_000 if padded else "")
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "big.yaml")
    line = line_of(text, "steps: 030")
    assert info.value.messages == [
        f'big.yaml:{line}: time.steps: 030 has a leading zero, which YAML 1.1 reads as octal 24; write 30, or quote it ("030") if it is text'
    ]


def test_quoted_numbers_and_decimal_numbers_are_left_alone() -> None:
    text = mutate("name: Chairman Bo\n", 'name: "12:45"\n').replace("steps: 30}", "steps: 1_0}")
    sc = load_scenario_text(text, "quoted.yaml")
    assert sc.sides["beta"].leader.name == "12:45"
    assert sc.time.steps == 10


def test_the_largest_grid_of_four_issues_the_docs_name_is_accepted(tmp_path: Path, cli) -> None:
    """21 points over four issues (194,481 grid points) stays under the cap that refuses 201 points over four."""
    path = tmp_path / "four.yaml"
    path.write_text(GRID_BOMB.replace("grid_points: 201", "grid_points: 21"))
    r = cli("validate", str(path))
    assert r.code == 0, r.stderr


def test_a_number_in_exponent_form_is_a_number(tmp_path: Path, cli) -> None:
    """YAML 1.1 reads 8e-1 (no point, or no sign in the exponent) as a text; summitry reads it as YAML 1.2 does."""
    path = tmp_path / "exp.yaml"
    path.write_text(mutate("audience_cost: 0.8", "audience_cost: 8e-1"))
    assert cli("validate", str(path)).code == 0
    assert load_scenario(path).sides["alpha"].audience_cost == 0.8


@pytest.mark.parametrize("padded", [False, True], ids=["small", "large-file-read-by-libyaml"])
def test_an_impossible_date_is_refused_on_its_line_in_a_large_file_too(padded: bool) -> None:
    """libyaml's loader (files past loading.FAST_PATH_BYTES) raised a bare ValueError for 2020-13-45: a traceback."""
    text = mutate("start: 2020-01-06", "start: 2020-13-45") + ("# padding\n" * 60_000 if padded else "")
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "big.yaml")
    line = line_of(text, "start: 2020-13-45")
    assert info.value.messages == [
        f"big.yaml:{line}: time.start: not a valid date: cannot read '2020-13-45': month must be in 1..12; "
        "write a date as YYYY-MM-DD (e.g. 1972-05-22)"
    ]
