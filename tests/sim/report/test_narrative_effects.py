"""The narrative's effect sentences, read off hand-made event rows."""

from __future__ import annotations

import pytest

from summitry.sim.report.narrative import _Lookup, event_effect

LOOK = _Lookup(
    names={"kim": "Kim Jong Un", "dod": "Department of Defense"},
    side_of={"kim": "dprk", "dod": "us"},
    roles={"kim": "leader", "dod": "military"},
    side_names={"us": "United States", "dprk": "North Korea"},
)


@pytest.mark.parametrize(
    ("before", "after", "text"),
    [
        (0.42, 0.31, "the trust of Kim Jong Un in the sender's side (United States) falls from 0.42 to 0.31"),
        (
            0.2112,
            0.2062,
            "the trust of Kim Jong Un in the sender's side (United States) falls from 0.211 to 0.206",
        ),  # not "from 0.21 to 0.21"
        (0.2062, 0.2112, "the trust of Kim Jong Un in the sender's side (United States) rises from 0.206 to 0.211"),
        (0.2100, 0.2140, ""),  # under 0.005: not worth a clause
    ],
)
def test_a_trust_change_is_printed_with_the_digits_that_show_it(before: float, after: float, text: str) -> None:
    row = {"sender": "dod", "receiver": "kim", "kind": "threat", "step": 7, "trust_before": before, "trust_after": after}
    assert event_effect(row, LOOK) == text


def test_pressure_and_stance_clauses_follow_the_trust_clause() -> None:
    row = {"sender": "dod", "receiver": "kim", "kind": "threat", "step": 7, "trust_before": 0.2112, "trust_after": 0.2062,
           "stance_change": 0.05, "pressure_change": 0.1}  # fmt: skip
    assert event_effect(row, LOOK) == (
        "the trust of Kim Jong Un in the sender's side (United States) falls from 0.211 to 0.206; stances shift by 0.05 in total; "
        "pressure rises by 0.10"
    )


def test_the_hawks_influence_is_said_of_a_side_named_in_brackets() -> None:
    """A walk-away by the US leader strengthens the DPRK's hawks: their side is named where no article has to agree with it."""
    look = _Lookup(
        names={"trump": "Donald Trump", "kim": "Kim Jong Un", "kpa": "Korean People's Army"},
        side_of={"trump": "us", "kim": "dprk", "kpa": "dprk"},
        roles={"trump": "leader", "kim": "leader", "kpa": "military"},
        side_names={"us": "United States", "dprk": "North Korea"},
        series={("kpa", "influence"): ([43, 44], [0.40, 0.54])},
    )
    row = {"sender": "trump", "receiver": "kim", "kind": "walk_away", "step": 44}
    assert event_effect(row, look) == "the hawks' influence on the receiver's side (North Korea) rises to 0.54"
