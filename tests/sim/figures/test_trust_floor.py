"""The trust chart's line of the trust a deal needs (parameters.mu_min): drawn where there is a floor, not at 0 (no floor)."""

from __future__ import annotations

from typing import Any

import pytest

from summitry.sim.figures import trust_figure
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario


def floor_lines(fig: Any) -> list[float]:
    """The heights of the horizontal lines across the plot (the floor; the step marker and the veil are not such lines)."""
    return [s.y0 for s in fig.layout.shapes if s.type == "line" and s.xref == "paper" and s.y0 == s.y1]


def floor_notes(fig: Any) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.text == "needed for a deal"]


@pytest.mark.parametrize(("mu_min", "lines"), [("0", []), ("0.25", [0.25])])
def test_the_floor_is_drawn_only_when_there_is_one(mu_min: str, lines: list[float]) -> None:
    result = run_scenario(load_scenario("teaching", {"mu_min": mu_min}), seed=0, steps=3)
    assert result.manifest["parameters"]["mu_min"] == float(mu_min)
    fig = trust_figure(result)
    assert floor_lines(fig) == lines
    assert floor_notes(fig) == ["needed for a deal"] * len(lines)
