"""Read access to a :class:`~sim.results.run_result.RunResult` for views: arrays by (variable, agent), names, colours.

Everything here is derived from the result alone (ARCHITECTURE.md, "Data in,
data out"). :func:`run_view` indexes a result's tidy series once and keeps the
index on the result object, so a view of step 40 after a view of step 39 costs
array look-ups, not a pivot.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from summitry.sim.mechanisms.bargaining import acceptance, issue_grid, member_utility, split_utility, win_set
from summitry.sim.mechanisms.limits import within_limits
from summitry.sim.results.run_result import RunResult
from summitry.sim.scenario.document import SUMMIT_CODES

#: One colour per side, everywhere: the first summit side blue, the second red,
#: further sides from the rest of the list; third parties grey.
SIDE_COLOURS: tuple[str, ...] = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
THIRD_PARTY_COLOUR = "#7f7f7f"
#: Things that belong to no side (tension, the zone of agreement).
WORLD_COLOUR = "#333333"
ZONE_COLOUR = "#7b3294"
THIRD_PARTIES = "third parties"

_VIEW_ATTR = "_summitry_run_view"
_POINT = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)=(-?[0-9]*\.?[0-9]+)")


@dataclass
class RunView:
    """A result's series as aligned arrays plus its actors, sides and events."""

    steps: np.ndarray
    rows: dict[tuple[str, str], int]
    values: np.ndarray
    actors: list[dict[str, Any]]
    sides: list[str]
    summit_sides: list[str]
    side_names: dict[str, str]
    leaders: dict[str, str]
    names: dict[str, str]
    events: list[dict[str, Any]]
    events_by_step: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    #: Things views derive once from the run and reuse at every step (e.g. the grouped network's nodes and edges).
    memo: dict[str, Any] = field(default_factory=dict)

    def has(self, variable: str, agent: str) -> bool:
        return (variable, agent) in self.rows

    def series(self, variable: str, agent: str) -> np.ndarray:
        """Values of ``variable`` for ``agent`` at every recorded step (NaN where not recorded)."""
        row = self.rows.get((variable, agent))
        if row is None:
            return np.full(self.steps.shape, np.nan)
        return self.values[row]

    def index_of(self, step: int | None) -> int:
        """Position of the last recorded step <= ``step`` (the last one for None)."""
        n = self.steps.size
        if step is None or n == 0:
            return max(n - 1, 0)
        # plain ints: np.clip on a scalar costs more than the search (this runs for every node and cell of a view)
        return min(max(int(np.searchsorted(self.steps, step, side="right")) - 1, 0), n - 1)

    def values_at(self, variable: str, agents: Sequence[str], step: int | None) -> np.ndarray:
        """Values of ``variable`` for each of ``agents`` at ``step`` as one array (NaN where absent)."""
        out = np.full(len(agents), np.nan)
        if self.steps.size == 0:
            return out
        rows = np.fromiter((self.rows.get((variable, a), -1) for a in agents), dtype=np.int64, count=len(agents))
        have = rows >= 0
        out[have] = self.values[rows[have], self.index_of(step)]
        return out

    def at(self, variable: str, agent: str, step: int | None) -> float:
        """Value of ``variable`` for ``agent`` at ``step`` (NaN if absent)."""
        row = self.rows.get((variable, agent))
        if row is None or self.steps.size == 0:
            return float("nan")
        return float(self.values[row, self.index_of(step)])

    @property
    def last_step(self) -> int:
        return int(self.steps[-1]) if self.steps.size else 0

    def side_of(self, actor: str) -> str | None:
        for a in self.actors:
            if a["id"] == actor:
                return a["side"]
        return None


def step_unit(result: Any) -> str | None:
    """The unit of a run's step (``day``, ``week`` or ``month``, from its manifest); None for a run that does not say (a week)."""
    manifest = getattr(result, "manifest", None) or {}
    unit = manifest.get("step_unit")
    return str(unit) if unit else None


def run_view(result: RunResult) -> RunView:
    """The (memoised) :class:`RunView` of ``result``."""
    view = getattr(result, _VIEW_ATTR, None)
    if view is not None:
        return view
    view = _build_view(result)
    setattr(result, _VIEW_ATTR, view)
    return view


def _build_view(result: RunResult) -> RunView:
    m = result.manifest
    series = result.series
    step = np.asarray(series["step"].to_numpy(zero_copy_only=False), dtype=np.int64)
    value = np.asarray(series["value"].to_numpy(zero_copy_only=False), dtype=float)
    steps = np.unique(step)
    # (variable, agent) of each row as two small integer codes (Arrow's dictionary encoding), not as strings:
    # a 1,000-actor run has about a million rows, and sorting their strings took most of the view's time
    var_names, var_code = _codes(series["variable"])
    agent_names, agent_code = _codes(series["agent"])
    pair = var_code * max(len(agent_names), 1) + agent_code
    uniq, inverse = np.unique(pair, return_inverse=True)
    col = np.searchsorted(steps, step)
    values = np.full((uniq.size, steps.size), np.nan)
    values[inverse, col] = value
    keys = [(var_names[int(k) // max(len(agent_names), 1)], agent_names[int(k) % max(len(agent_names), 1)]) for k in uniq.tolist()]
    # rows in (variable, agent) order, as they were when the index was built from the joined strings
    rank = sorted(range(len(keys)), key=keys.__getitem__)
    values = values[rank] if rank else values
    rows = {keys[i]: r for r, i in enumerate(rank)}
    sides = list(m["sides"])
    summit_sides = list(m.get("summit_sides") or sides[:2])
    order = summit_sides + [s for s in sides if s not in summit_sides]
    events = result.events.to_pylist()
    by_step: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        by_step.setdefault(int(e["step"]), []).append(e)
    return RunView(
        steps=steps,
        rows=rows,
        values=values,
        actors=list(m["actors"]),
        sides=order,
        summit_sides=summit_sides,
        side_names={sid: str(s["name"]) for sid, s in m["sides"].items()},
        leaders={sid: str(s["leader"]) for sid, s in m["sides"].items()},
        names={a["id"]: str(a["name"]) for a in m["actors"]},
        events=events,
        events_by_step=by_step,
    )


def _codes(column: Any) -> tuple[list[str], np.ndarray]:
    """(distinct values, each row's index into them) of a string column of an Arrow table."""
    encoded = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_dictionary(encoded.type):
        encoded = encoded.dictionary_encode()
    return [str(v) for v in encoded.dictionary.to_pylist()], np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def side_colours(result: RunResult) -> dict[str, str]:
    """Colour of each side id (summit sides first), plus ``"third parties"``."""
    view = run_view(result)
    colours = {sid: SIDE_COLOURS[i % len(SIDE_COLOURS)] for i, sid in enumerate(view.sides)}
    colours[THIRD_PARTIES] = THIRD_PARTY_COLOUR
    return colours


def actor_colour(result: RunResult, actor: str) -> str:
    side = run_view(result).side_of(actor)
    return side_colours(result).get(side or THIRD_PARTIES, THIRD_PARTY_COLOUR)


def principals(result: RunResult) -> list[tuple[str, str]]:
    """(leader, other side) for the two summit sides: whose trust in whom the summit turns on."""
    view = run_view(result)
    a, b = view.summit_sides[0], view.summit_sides[1]
    return [(view.leaders[a], b), (view.leaders[b], a)]


def short_name(name: str, limit: int = 20) -> str:
    """A display name without its parenthesis, cut to ``limit`` characters."""
    base = name.split(" (")[0].strip() or name
    return base if len(base) <= limit else base[: limit - 1].rstrip() + "…"


def date_of(result: RunResult, step: int) -> str:
    """ISO date of ``step`` (the run's start plus step * step_days)."""
    m = result.manifest
    start = dt.date.fromisoformat(str(m["start"]))
    return (start + dt.timedelta(days=int(step) * int(m.get("step_days", 7)))).isoformat()


def parse_point(detail: str | None, dims: Sequence[str]) -> dict[str, float] | None:
    """The deal ``d=0.60, r=0.50`` named in an event's detail, if every dimension is there.

    >>> parse_point("d=0.60, r=0.50, too little trust", ["d", "r"])
    {'d': 0.6, 'r': 0.5}
    >>> parse_point("interim: d=0.4", ["d", "r"]) is None
    True
    """
    if not detail:
        return None
    found = {k: float(v) for k, v in _POINT.findall(detail) if k in dims}
    return found if len(found) == len(dims) else None


def offers_until(result: RunResult, step: int) -> list[dict[str, Any]]:
    """Offers made at summits up to ``step``: week, sender, receiver, point, status (rejected/agreement)."""
    view = run_view(result)
    dims = list(result.manifest["dimensions"])
    out = []
    for e in view.events:
        if int(e["step"]) > step:
            break
        if e["kind"] not in ("offer_rejected", "agreement"):
            continue
        point = parse_point(e.get("detail"), dims)
        if point is None:
            continue
        out.append(
            {
                "week": int(e["step"]),
                "sender": e["sender"],
                "receiver": e["receiver"],
                "point": point,
                "status": "agreement" if e["kind"] == "agreement" else "rejected",
                "text": e.get("text") or "",
            }
        )
    return out


def win_sets_at(result: RunResult, step: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(grid, {side: bool mask}) of each side's win-set at ``step``, recomputed (ODD 7.1-7.3).

    Member k of side c accepts q iff gains(q) + g_k gives(q) >= b_k(t) (gives
    curved by the side's concession curvature, where it has one) and q
    lies within k's stated bounds and constraints; q is in W_c iff the
    influence-weighted share of acceptors reaches theta_c and every veto
    player of c accepts it. The
    thresholds b_k(t) and influences omega_k(t) come from the series.
    """
    view = run_view(result)
    spec = result.manifest["bargaining"]
    dims = list(spec["dimensions"])
    grid = issue_grid(len(dims), int(spec["grid_points"]))
    out: dict[str, np.ndarray] = {}
    for sid, side in spec["sides"].items():
        members = list(side["members"])
        g = np.array([side["members"][k] for k in members], dtype=float)
        b = np.array([view.at("threshold", k, step) for k in members], dtype=float)
        w = np.array([view.at("influence", k, step) for k in members], dtype=float)
        gains, gives = split_utility(grid, [side["utility"].get(d, 0.0) for d in dims], float(side.get("curvature", 1.0)))
        acc = acceptance(member_utility(gains, gives, g), b)
        for k, spec in side.get("limits", {}).items():  # runs saved before stated limits have none
            acc[members.index(k)] &= within_limits(grid, dims, spec.get("bounds"), spec.get("constraints") or ())
        ws = win_set(acc, w, float(side["theta"]))
        # veto players: every ratified deal needs each one's acceptance (runs saved before vetoes have none)
        for k in side.get("vetoes", []):
            ws &= acc[members.index(k)]
        out[sid] = ws
    return grid, out


def summit_status_at(result: RunResult, step: int) -> str:
    """none / offered / scheduled / cancelled at ``step`` (from the series)."""
    code = run_view(result).at("summit_status", "world", step)
    names = {v: k for k, v in SUMMIT_CODES.items()}
    return names.get(int(code), "none") if code == code else "none"


def manifest_actor_names(manifest: Mapping[str, Any]) -> dict[str, str]:
    return {a["id"]: str(a["name"]) for a in manifest["actors"]}
