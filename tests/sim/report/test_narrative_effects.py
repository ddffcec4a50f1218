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
        (0.42, 0.31, "Kim Jong Un's trust in United States falls from 0.42 to 0.31"),
        (0.2112, 0.2062, "Kim Jong Un's trust in United States falls from 0.211 to 0.206"),  # not "from 0.21 to 0.21"
        (0.2062, 0.2112, "Kim Jong Un's trust in United States rises from 0.206 to 0.211"),
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
        "Kim Jong Un's trust in United States falls from 0.211 to 0.206; stances shift by 0.05 in total; pressure rises by 0.10"
    )
