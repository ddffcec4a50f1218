"""``summitry run``'s printed summary: its key events are the run report's significant events, every one, in order."""

from __future__ import annotations

import pytest

from summitry.sim.cli import MAX_KEY_EVENTS
from summitry.sim.report.narrative import TRUST_THRESHOLD, significant_events
from summitry.sim.results.summary import KEY_KINDS
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario


def key_event_rows(stdout: str) -> list[tuple[int, str, str]]:
    """(step, date, text) of each row of the printed "Key events" table."""
    table = stdout.split("Key events", 1)[1].split("The state, first and last", 1)[0]
    rows = []
    for line in table.splitlines():
        if line.startswith("│"):
            step, date, text = (c.strip() for c in line.strip("│ ").split("│"))
            rows.append((int(step), date, text))
    return rows


@pytest.mark.parametrize(("scenario", "mode"), [("agreed-framework-1994", "forcing"), ("dayton-1995", "free")])
def test_key_events_are_every_event_the_report_counts_significant(cli, scenario: str, mode: str) -> None:  # type: ignore[no-untyped-def]
    result = run_scenario(load_scenario(scenario), seed=0, mode=mode)
    significant = significant_events(result)
    r = cli("run", scenario, "--seed", "0", "--mode", mode)
    assert r.code == 0, r.stderr
    listed = key_event_rows(r.stdout)
    # the significant events and the kinds the summary always lists, in log order, up to MAX_KEY_EVENTS; the rest counted
    expected = [(e["step"], e["date"], e["text"]) for e in result.events.to_pylist() if e in significant or e["kind"] in KEY_KINDS]
    assert listed == expected[:MAX_KEY_EVENTS]
    remaining = iter(listed)
    assert all((e["step"], e["date"], e["text"]) in remaining for e in significant[: len(listed)])
    assert len(significant) > 20
    more = len(expected) - MAX_KEY_EVENTS
    assert (f"... and {more} more key events" in r.stdout) == (more > 0)


def test_a_forced_event_that_moves_first_steps_trust_is_listed(cli) -> None:  # type: ignore[no-untyped-def]
    """The record's first threat moves a leader's trust at month 0 by more than the report's threshold (so the state
    table's first column need not be the scenario's value): it is a key event, as it is in the report."""
    result = run_scenario(load_scenario("agreed-framework-1994"), seed=0, mode="forcing")
    threat = next(e for e in result.events.to_pylist() if e["step"] == 0 and e["source"] == "forced" and e["kind"] == "threat")
    assert threat["kind"] not in KEY_KINDS
    assert threat["trust_before"] == pytest.approx(0.2) and threat["trust_before"] - threat["trust_after"] > TRUST_THRESHOLD
    r = cli("run", "agreed-framework-1994", "--seed", "0", "--mode", "forcing")
    assert r.code == 0, r.stderr
    assert (0, "1994-06-01", threat["text"]) in key_event_rows(r.stdout)
