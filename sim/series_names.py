"""The names of the variables a run's series records (sim/engine/recorder.py), per kind of agent: what state patterns may name."""

from __future__ import annotations

AGENT_VARS = ("stance", "influence", "threshold")
SIDE_VARS = (
    "pressure_economic",
    "pressure_domestic",
    "pressure_military",
    "pressure",
    "sanctions",
    "sanctions_effective",
    "hostility",
    "win_set_area",
)
WORLD_VARS = ("tension", "zone_area", "summit_status", "summits_held")
THIRD_VARS = ("enforcement", "pressure_domestic")
