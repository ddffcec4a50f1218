"""The "why" card: one actor's decision at the step on screen (dashboard/callbacks/why.py), called as plain functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from summitry.dashboard.callbacks.why import WHY_TERMS_SHOWN, why_actor_options, why_choice, why_rows
from summitry.dashboard.service import Service
from summitry.sim.run import explain_choice, run_scenario
from summitry.sim.scenario.document import load_scenario

CONFIG = {"scenario": "hanoi-2019", "seed": 13, "mode": "free", "overrides": {}}


def note_text(note: Any) -> str:
    """The card's note as the page reads it: its text and the text of its isolated names (html.Bdi), in order."""
    if isinstance(note, str):
        return note
    return "".join(part if isinstance(part, str) else str(part.children) for part in note)


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return Service("hanoi-2019", cache_size=4, upload_dir=tmp_path / "uploads")


def test_the_card_shows_each_action_with_its_chance_and_largest_terms(service: Service) -> None:
    out = why_choice(service, CONFIG, 37, "kim")
    ex = explain_choice(load_scenario("hanoi-2019"), "kim", 37, seed=13)
    assert out["why_rows"] == why_rows(ex)
    rows = {r["action"]: r for r in out["why_rows"]}
    assert rows["Nothing"] == {
        "action": "Nothing",
        "to": "",
        "chance": f"{ex.rows[0].chance:.1%}",
        "eu": "+0.420",
        "terms": "nothing +0.42",
    }
    test = next(r for r in ex.rows if r.action == "srbm_test")
    shown = rows[test.label]
    assert shown["to"] == "Donald Trump" and shown["eu"] == f"{test.eu:+.3f}"
    # the largest terms in size, at most three: affect -0.20 (the week after the walk-away), then cost -0.05, then pressure +0.028
    terms = sorted(test.parts.items(), key=lambda kv: -abs(kv[1]))[:WHY_TERMS_SHOWN]
    assert shown["terms"].split(" · ")[0] == "affect -0.20"
    assert len(shown["terms"].split(" · ")) == len(terms) == 3
    assert note_text(out["why_note"]).startswith("Kim Jong Un, week 37 (2019-03-04): ")
    assert "exp(8.6 × expected utility)" in note_text(out["why_note"])


def test_the_note_says_what_the_run_did(service: Service) -> None:
    sc = load_scenario("hanoi-2019")
    events = run_scenario(sc, seed=13).events_frame()
    acted = events[(events.sender == "kim") & (events.source == "chosen")]
    week, kind = int(acted.iloc[0].step), str(acted.iloc[0].kind)
    note = note_text(why_choice(service, CONFIG, week, "kim")["why_note"])
    chosen = explain_choice(sc, "kim", week, seed=13).chosen_row
    assert chosen is not None and chosen.action == kind
    assert f": chose {chosen.label.lower()} (Donald Trump)." in note
    quiet = next(w for w in range(int(events.step.max()) + 1) if w not in set(events[events.sender == "kim"].step))
    assert ": did nothing." in note_text(why_choice(service, CONFIG, quiet, "kim")["why_note"])


def test_the_server_checks_the_actor_and_keeps_the_step_within_the_run(service: Service) -> None:
    assert why_choice(service, CONFIG, 3, "nobody") == {"why_rows": [], "why_note": "That actor is not in this scenario."}
    assert why_choice(service, CONFIG, 3, None) == {"why_rows": [], "why_note": ""}
    assert why_choice(service, CONFIG, 3, ["kim"]) == {"why_rows": [], "why_note": "That actor is not in this scenario."}
    # a step past the run's end (or not a number) is read at the run's last step or at 0, one run's work at most
    last = int(run_scenario(load_scenario("hanoi-2019"), seed=13).events_frame().step.max())
    before = service.runs_computed
    far = why_choice(service, CONFIG, 10**9, "kim")
    assert f"week {last} (" in note_text(far["why_note"])
    assert note_text(why_choice(service, CONFIG, "x", "kim")["why_note"]).startswith("Kim Jong Un, week 0 (")
    assert service.runs_computed - before <= 3  # the run itself, then one reading per distinct step
    # a reading is cached: asking again computes nothing
    again = service.runs_computed
    why_choice(service, CONFIG, 10**9, "kim")
    assert service.runs_computed == again


def test_on_a_daily_clock_the_note_gives_the_chance_of_choosing_at_all(service: Service) -> None:
    note = note_text(why_choice(service, {"scenario": "kargil-1999", "seed": 1, "mode": "free", "overrides": {}}, 30, "sharif")["why_note"])
    assert note.startswith("Nawaz Sharif, day 30 (1999-06-23): ")
    assert "on this clock Nawaz Sharif chooses at all with chance 0.14 each day." in note


def test_the_actor_list_names_everyone_of_a_small_scenario_by_name() -> None:
    options = why_actor_options(load_scenario("hanoi-2019"))
    values = [o["value"] for o in options]
    assert sorted(values) == sorted(load_scenario("hanoi-2019").actor_ids())
    assert {"label": "Kim Jong Un", "value": "kim"} in options


def test_the_note_says_who_walked_away_at_a_summit_the_actor_held(service: Service) -> None:
    """A week whose summit ends in a walk-away is no week the leader "did nothing": the card says how the summit ended."""
    sc = load_scenario("hanoi-2019")
    for seed in range(40):
        events = run_scenario(sc, seed=seed).events_frame()
        walks = events[events.kind == "walk_away"]
        if len(walks):
            break
    else:
        pytest.fail("no walk-away in 40 seeds of hanoi-2019")
    step, walker = int(walks.iloc[0].step), str(walks.iloc[0].sender)
    config = {**CONFIG, "seed": seed}
    ex = explain_choice(sc, "kim", step, seed=seed)
    note = note_text(why_choice(service, config, step, "kim")["why_note"])
    assert "did nothing" not in note
    assert (
        f"The summit ended in a walk-away: {next(m.sender_name for m in ex.moves if m.kind == 'walk_away')} ({walker}) walked away" in note
    )


def test_in_forcing_mode_the_card_shows_the_actors_own_rule_and_the_records_move(service: Service) -> None:
    """In forcing mode a leader sends only the record's signals: the card says so, names the record's move, and its table
    is the leader's own rule (not "nothing" at 100%)."""
    sc = load_scenario("hanoi-2019")
    events = run_scenario(sc, seed=1, mode="forcing").events_frame()
    forced = events[(events.sender == "trump") & (events.source == "forced")]
    step, kind = int(forced.iloc[0].step), str(forced.iloc[0].kind)
    config = {**CONFIG, "seed": 1, "mode": "forcing"}
    out = why_choice(service, config, step, "trump")
    note = note_text(out["why_note"])
    assert "chooses no signal itself: in forcing mode it sends only the record's" in note
    assert f"the record makes it send {kind.replace('_', ' ')}" in note
    ex = explain_choice(sc, "trump", step, seed=1, mode="forcing")
    assert ex.rule_rows is not None and len(ex.rule_rows) > 1
    assert [r["action"] for r in out["why_rows"]] == [r.label for r in ex.rule_rows]
    assert out["why_rows"][0]["chance"] != "100.0%"
