"""``summitry explain``: one actor's decision at one step, term by term (ODD 7.16), and what the same run did."""

from __future__ import annotations

import math

import pytest

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.labels import EU_PART_LABELS, EU_PART_NOTES
from summitry.sim.run import explain_choice, result_of, run_scenario
from summitry.sim.scenario.document import load_scenario


@pytest.fixture(scope="module")
def hanoi():  # type: ignore[no-untyped-def]
    return load_scenario("hanoi-2019")


def test_the_terms_sum_to_the_rules_eu_and_the_chances_are_the_logit_choice(hanoi) -> None:  # type: ignore[no-untyped-def]
    ex = explain_choice(hanoi, "kim", 37, seed=13)
    assert ex.rows[0].action == "nothing" and ex.rows[0].parts == {"activity": pytest.approx(0.42)}
    assert len(ex.rows) >= 5
    for r in ex.rows:
        # the terms come from the straightforward rule, EU from the fast one that runs the model: they agree
        assert sum(r.parts.values()) == pytest.approx(r.eu, abs=1e-9)
    assert sum(r.chance for r in ex.rows) == pytest.approx(1.0, abs=1e-12)
    a, b = ex.rows[0], ex.rows[1]
    assert a.chance / b.chance == pytest.approx(math.exp(ex.lambda_q * (a.eu - b.eu)), rel=1e-9)
    # sorted by chance, and every receiver named
    assert [r.chance for r in ex.rows] == sorted((r.chance for r in ex.rows), reverse=True)
    assert all(r.receiver == "trump" for r in ex.rows[1:])


def test_it_reports_what_the_same_run_did(hanoi) -> None:  # type: ignore[no-untyped-def]
    acted = 0
    for seed in (1, 2, 3):
        run = run_scenario(hanoi, seed=seed).events_frame()
        for week in (w for w in (0, 5, 17, 33) if w <= run.step.max()):
            for actor in ("kim", "trump", "us-hawks"):
                ex = explain_choice(hanoi, actor, week, seed=seed)
                mine = run[(run.step == week) & (run.sender == actor) & (run.source == "chosen")]
                if len(mine):
                    acted += 1
                    assert ex.chosen == f"{mine.iloc[0].kind} -> {mine.iloc[0].receiver}"
                    assert ex.chosen_row is not None and ex.chosen_row.action == mine.iloc[0].kind
                    assert ex.chosen_row.receiver == mine.iloc[0].receiver
                else:
                    assert ex.chosen == "nothing" and ex.chosen_row is None
    assert acted >= 5  # the check above compared real choices, not only quiet weeks


def test_the_rows_of_one_step_are_the_logs_rows_of_that_step(hanoi) -> None:  # type: ignore[no-untyped-def]
    """explain reads what an actor did from its step's rows alone; they must be the whole log's, bulk rows included."""
    model = DiplomacyModel(hanoi, seed=2)
    while model.running:
        model.step()
    every = list(model.events)
    lobbying = 0
    for step in range(model.week + 1):
        rows = list(model.events.rows_of_step(step))
        assert rows == [r for r in every if r["step"] == step]
        lobbying += sum(r["kind"] == "lobby" for r in rows)
    assert lobbying > 10  # bulk rows (lobbying is written as a block) were among those compared


def test_reading_the_choices_every_week_leaves_the_run_unchanged(hanoi) -> None:  # type: ignore[no-untyped-def]
    """The observer computes both rules each week (and could draw from the stream): the run must not notice."""

    def read(m: DiplomacyModel) -> None:
        state = m.rng.bit_generator.state
        policy.expected_utility_parts(m)
        policy.expected_utilities(m)
        m.rng.bit_generator.state = state

    model = DiplomacyModel(hanoi, seed=4)
    model.before_choice = read
    while model.running:
        model.step()
    watched = result_of(model).events_frame()
    plain = run_scenario(hanoi, seed=4).events_frame()
    assert watched.equals(plain)


def test_a_step_after_the_run_ended_is_refused_with_the_runs_end(cli, hanoi) -> None:  # type: ignore[no-untyped-def]
    ends = {seed: run_scenario(hanoi, seed=seed) for seed in range(12)}
    seed, result = next((s, r) for s, r in ends.items() if r.events_frame().step.max() < 40)
    last = int(result.events_frame().step.max())
    r = cli("explain", "hanoi-2019", "--actor", "kim", "--step", str(last + 2), "--seed", str(seed))
    assert r.code == 2 and "Traceback" not in r.stderr
    assert f"--step {last + 2}: seed {seed}'s run of hanoi-2019 ended at week {last} ({result.outcome})" in r.stderr


def test_in_forcing_mode_a_leader_only_sends_the_record(hanoi) -> None:  # type: ignore[no-untyped-def]
    ex = explain_choice(hanoi, "trump", 3, seed=1, mode="forcing")
    assert [r.action for r in ex.rows] == ["nothing"] and ex.rows[0].chance == 1.0
    # a faction still chooses in forcing mode
    assert len(explain_choice(hanoi, "us-hawks", 3, seed=1, mode="forcing").rows) > 1


def test_on_a_daily_clock_the_chance_of_choosing_at_all_is_shown(cli) -> None:  # type: ignore[no-untyped-def]
    ex = explain_choice(load_scenario("kargil-1999"), "sharif", 30, seed=1)
    assert ex.chooses == pytest.approx(1 / 7)
    assert explain_choice(load_scenario("kargil-1999"), "sharif", 0, seed=1).chooses == 1.0  # everyone chooses at step 0
    r = cli("explain", "kargil-1999", "--actor", "sharif", "--step", "30", "--seed", "1")
    assert r.code == 0, r.stderr
    assert r.stdout.startswith("Nawaz Sharif (sharif), day 30 (1999-06-23) of kargil-1999, seed 1, free mode: it chose")
    assert "chooses at all with chance 0.143 this day" in r.stdout


def test_the_command_prints_each_action_with_its_chance_and_terms(cli, hanoi) -> None:  # type: ignore[no-untyped-def]
    ex = explain_choice(hanoi, "kim", 37, seed=13)
    r = cli("explain", "hanoi-2019", "--actor", "kim", "--step", "37", "--seed", "13")
    assert r.code == 0, r.stderr
    # the actor by the name a reader knows, with the id --actor takes
    assert ex.name == "Kim Jong Un"
    assert r.stdout.startswith(f"Kim Jong Un (kim), week 37 (2019-03-04) of hanoi-2019, seed 13, free mode: it chose {ex.chosen}.\n")
    assert "What Kim Jong Un (kim) could do" in r.stdout
    srbm = next(x for x in ex.rows if x.action == "srbm_test")
    line = next(ln for ln in r.stdout.splitlines() if "srbm_test" in ln)
    cells = [c.strip() for c in line.strip("│ ").split("│")]
    assert cells[:4] == ["srbm_test", "trump", f"{srbm.chance:.3f}", f"{srbm.eu:+.3f}"]
    assert f"{srbm.parts['affect']:+.3f}" in cells and f"{srbm.parts['pressure']:+.3f}" in cells
    assert "Lambda_Q = 8.6" in r.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--actor", "kimm"], ["--actor kimm: no such actor in hanoi-2019", "did you mean 'kim'", "its actors: trump, us-hawks,"]),
        (["--actor", "kim", "--step", "50"], ["--step 50: hanoi-2019 has 50 weeks, counted from 0 to 49"]),
        (["--actor", "kim", "--mode", "bold"], ["--mode bold: must be 'free' or 'forcing'"]),
        (["--actor", "kim", "--set", "parameters.lambda_q=-1"], ["parameters.lambda_q"]),
    ],
)
def test_bad_arguments_exit_2_naming_the_option(cli, args: list[str], fragments: list[str]) -> None:  # type: ignore[no-untyped-def]
    r = cli("explain", "hanoi-2019", *args)
    assert r.code == 2, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    for fragment in fragments:
        assert fragment in r.stderr, (fragment, r.stderr)


def test_a_set_override_changes_the_explained_rule(cli) -> None:  # type: ignore[no-untyped-def]
    base = cli("explain", "hanoi-2019", "--actor", "kim", "--step", "37", "--seed", "13")
    quiet = cli("explain", "hanoi-2019", "--actor", "kim", "--step", "37", "--seed", "13", "--set", "parameters.activity=1.5")
    assert base.code == quiet.code == 0
    row = next(ln for ln in quiet.stdout.splitlines() if ln.startswith("│ nothing"))
    assert "+1.500" in row and "+0.420" not in row


def test_a_walk_away_at_the_summit_is_said_beside_the_choice(cli, hanoi) -> None:  # type: ignore[no-untyped-def]
    """A leader who sent no signal but walked away from the summit that week did something: explain says what."""
    found = None
    for seed in range(60):
        events = run_scenario(hanoi, seed=seed).events_frame()
        for step in events[(events.kind == "walk_away") & (events.sender == "trump")].step:
            if not len(events[(events.step == step) & (events.sender == "trump") & (events.source == "chosen")]):
                found = seed, int(step)
                break
        if found:
            break
    else:
        pytest.fail("no seed of 60 where trump walks away in a week he chose no signal")
    seed, step = found
    r = cli("explain", "hanoi-2019", "--actor", "trump", "--step", str(step), "--seed", str(seed))
    assert r.code == 0, r.stderr
    assert ": it chose nothing as its signal this week.\nBeyond that choice, the same run this week:\n" in r.stdout
    assert "  - Donald Trump walks away from the table, leaving Kim Jong Un without a deal\n" in r.stdout
    assert "  The summit ended in a walk-away: Donald Trump (trump) walked away.\n" in r.stdout
    ex = explain_choice(hanoi, "trump", step, seed=seed)
    assert ex.chosen == "nothing"
    kinds = [m.kind for m in ex.moves]
    assert kinds[0] == "summit_held" and "walk_away" in kinds
    walk = next(m for m in ex.moves if m.kind == "walk_away")
    assert (walk.sender, walk.receiver, walk.source) == ("trump", "kim", "derived")
    # the other leader's reading of that week says who walked too
    other = cli("explain", "hanoi-2019", "--actor", "kim", "--step", str(step), "--seed", str(seed))
    assert other.stdout.startswith("Kim Jong Un (kim), week ")
    assert "  The summit ended in a walk-away: Donald Trump (trump) walked away.\n" in other.stdout


def test_in_forcing_mode_the_records_move_is_said_and_the_table_is_the_actors_own_rule(cli, hanoi) -> None:  # type: ignore[no-untyped-def]
    events = run_scenario(hanoi, seed=1, mode="forcing").events_frame()
    mine = events[(events.sender == "trump") & (events.source == "forced")]
    step = int(mine.step.iloc[0])
    sent = mine[mine.step == step]
    assert len(sent) == 1
    kind, receiver = str(sent.kind.iloc[0]), str(sent.receiver.iloc[0])
    r = cli("explain", "hanoi-2019", "--actor", "trump", "--step", str(step), "--seed", "1", "--mode", "forcing")
    assert r.code == 0, r.stderr
    assert "it chose nothing" not in r.stdout
    assert r.stdout.startswith(f"Donald Trump (trump), week {step} (")
    assert "What Donald Trump (trump)'s own rule would choose" in r.stdout
    assert (
        "forcing mode: it chooses no signal itself (in forcing mode leaders and third parties send only the record's signals)." in r.stdout
    )
    assert (
        f"The record makes trump send {kind} to {receiver} this week (forcing mode); "
        "the table below is what trump's own rule would have chosen." in r.stdout
    )
    ex = explain_choice(hanoi, "trump", step, seed=1, mode="forcing")
    assert [(m.kind, m.receiver, m.source) for m in ex.moves] == [(kind, receiver, "forced")]
    assert [r.action for r in ex.rows] == ["nothing"]  # the run's choice, fixed by forcing mode
    assert ex.rule_rows is not None and len(ex.rule_rows) > 1
    assert kind in [r.action for r in ex.rule_rows]
    assert sum(r.chance for r in ex.rule_rows) == pytest.approx(1.0, abs=1e-12)
    a, b = ex.rule_rows[0], ex.rule_rows[1]
    assert a.chance / b.chance == pytest.approx(math.exp(ex.lambda_q * (a.eu - b.eu)), rel=1e-9)
    nothing = next(ln for ln in r.stdout.splitlines() if ln.startswith("│ nothing"))
    assert f"{ex.rule_rows[[x.action for x in ex.rule_rows].index('nothing')].chance:.3f}" in nothing and "1.000" not in nothing
    assert "forcing mode fixes the run's choice of trump at nothing" in r.stdout
    # a faction still chooses in forcing mode; the record's signal it also sends is said beside its choice
    ufd = events[(events.sender == "ufd") & (events.source == "forced")].iloc[0]
    f = cli("explain", "hanoi-2019", "--actor", "ufd", "--step", str(int(ufd.step)), "--seed", "1", "--mode", "forcing")
    assert f"The record also makes ufd send {ufd.kind} to {ufd.receiver} this week (forcing mode).\n" in f.stdout


def test_the_footnote_says_what_every_printed_column_is(cli) -> None:  # type: ignore[no-untyped-def]
    assert list(EU_PART_NOTES) == list(EU_PART_LABELS) == list(policy.EU_PARTS)
    r = cli("explain", "hanoi-2019", "--actor", "trump", "--step", "41", "--seed", "18")
    assert r.code == 0, r.stderr
    header = next(ln for ln in r.stdout.splitlines() if ln.startswith("┃ action"))
    columns = [c.strip() for c in header.strip("┃ ").split("┃")]
    assert {"summit", "tie", "nothing", "U-type cost"} <= set(columns)  # the columns this reading prints
    foot = r.stdout.split("\nColumns:\n", 1)[1].splitlines()
    # one line per printed column, in the table's order, and nothing else
    assert [ln.split(": ", 1)[0].strip() for ln in foot] == columns
    by = {ln.split(": ", 1)[0].strip(): ln.split(": ", 1)[1] for ln in foot}
    assert by["EU"] == "the action's expected utility, the sum of the columns to its right (docs/ODD.md 7.16)"
    assert by["chance"].startswith("exp(Lambda_Q x EU) over its sum for the feasible actions, Lambda_Q = 8.6")
    labels = {v: k for k, v in EU_PART_LABELS.items()}
    for col in columns[4:]:
        assert by[col] == EU_PART_NOTES[labels[col]]
    assert by["tie"] == "the audience cost the action ties the side to, should it renege (-A x tie x renege risk)"
    assert "for a cancellation (summit_cancel) its negative, -S" in by["summit"]
    assert "a positive number there means the summit is forecast to be worth less than nothing" in by["summit"]


def test_in_free_mode_a_record_event_of_mode_always_is_not_said_to_be_forcing_modes(cli) -> None:  # type: ignore[no-untyped-def]
    """kargil-1999's offensives are events of mode always: a free run injects them too, and explain says so."""
    kargil = load_scenario("kargil-1999")
    events = run_scenario(kargil, seed=1).events_frame()
    mine = events[(events.sender == "vajpayee") & (events.source == "forced")]
    step = int(mine.step.iloc[-1])
    r = cli("explain", "kargil-1999", "--actor", "vajpayee", "--step", str(step), "--seed", "1")
    assert r.code == 0, r.stderr
    assert "forcing mode" not in r.stdout
    assert (
        "free mode: it chose nothing.\nThe record also makes vajpayee send offensive to sharif this day "
        "(an event of mode always: it happens in free mode too).\n" in r.stdout
    )
    # in forcing mode the same event is said to be the record's as forcing mode's
    f = cli("explain", "kargil-1999", "--actor", "vajpayee", "--step", str(step), "--seed", "1", "--mode", "forcing")
    assert f.code == 0, f.stderr
    assert "The record makes vajpayee send offensive to sharif this day (forcing mode); " in f.stdout


def test_in_forcing_mode_the_records_summit_is_said_to_be_the_records(cli, hanoi) -> None:  # type: ignore[no-untyped-def]
    """hanoi-2019's record dates the Hanoi summit: a forcing run holds it on that date, and explain says so."""
    events = run_scenario(hanoi, seed=1, mode="forcing").events_frame()
    step = int(events[events.kind == "summit_held"].step.iloc[0])
    r = cli("explain", "hanoi-2019", "--actor", "trump", "--step", str(step), "--seed", "1", "--mode", "forcing")
    assert r.code == 0, r.stderr
    assert "  - Donald Trump and Kim Jong Un meet at the summit\n" in r.stdout
    assert "  The record holds this summit this week (forcing mode): Hanoi summit.\n" in r.stdout
    assert explain_choice(hanoi, "kim", step, seed=1, mode="forcing").record_summit == "Hanoi summit"
    # a summit the agents arranged themselves (a free run's) is not the record's
    free = run_scenario(hanoi, seed=3).events_frame()
    held = int(free[free.kind == "summit_held"].step.iloc[0])
    f = cli("explain", "hanoi-2019", "--actor", "trump", "--step", str(held), "--seed", "3")
    assert f.code == 0, f.stderr
    assert "  - Donald Trump and Kim Jong Un meet at the summit\n" in f.stdout and "The record holds" not in f.stdout
    assert explain_choice(hanoi, "trump", held, seed=3).record_summit is None
