"""The bargaining space at one week: each side's win-set over the summit's issues and the offers made so far.

:func:`issue_space_figure` draws the win-sets as ``data[0]`` (a heatmap of categories) and the offers as
``data[1]`` (earlier) and ``data[2]`` (this step); :func:`issue_space_step_data` gives the same data
for the dashboard's per-step patch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from summitry.sim.figures.common import _layout, _tint
from summitry.sim.labels import unit_word
from summitry.sim.results.run_result import RunResult
from summitry.sim.results.runview import (
    THIRD_PARTIES,
    THIRD_PARTY_COLOUR,
    ZONE_COLOUR,
    offers_until,
    run_view,
    short_name,
    side_colours,
    step_unit,
    win_sets_at,
)


# ----------------------------------------------------------------- issue space
def _issue_categories(result: RunResult, step: int) -> tuple[list[float], list[float], list[list[int]], list[str]]:
    """Axes and the category grid (0 none, 1 first side only, 2 second only, 3 both) projected on the first two dimensions."""
    spec = result.manifest["bargaining"]
    dims = list(spec["dimensions"])
    points = int(spec["grid_points"])
    _, ws = win_sets_at(result, step)
    view = run_view(result)
    a, b = view.summit_sides[0], view.summit_sides[1]
    code = ws[a].astype(int) + 2 * ws[b].astype(int)
    axis = np.linspace(0.0, 1.0, points)
    if len(dims) == 1:
        z = [code.tolist()]
        return axis.tolist(), [0.0], z, dims
    # project on the first two dimensions: a cell shows what any deal with those two coordinates allows
    shape = (points, points, -1)
    in_a = ws[a].reshape(shape).any(axis=2)
    in_b = ws[b].reshape(shape).any(axis=2)
    both = (ws[a] & ws[b]).reshape(shape).any(axis=2)
    cat = np.where(both, 3, in_a.astype(int) + 2 * in_b.astype(int))
    cat = np.where((cat == 3) & ~both, 0, cat)
    # rows of z are the second dimension (y), columns the first (x)
    return axis.tolist(), axis.tolist(), cat.T.tolist(), dims


def _offer_traces(result: RunResult, step: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scatter data (x, y, colours, symbols, text) of earlier offers and this step's offers."""
    view = run_view(result)
    colours = side_colours(result)
    dims = list(result.manifest["dimensions"])
    earlier: dict[str, list[Any]] = {"x": [], "y": [], "color": [], "symbol": [], "text": []}
    now: dict[str, list[Any]] = {"x": [], "y": [], "color": [], "symbol": [], "text": []}
    for o in offers_until(result, step):
        target = now if o["week"] == step else earlier
        x = o["point"][dims[0]]
        y = o["point"][dims[1]] if len(dims) > 1 else 0.0
        side = view.side_of(o["sender"]) or THIRD_PARTIES
        target["x"].append(x)
        target["y"].append(y)
        target["color"].append(ZONE_COLOUR if o["status"] == "agreement" else colours.get(side, THIRD_PARTY_COLOUR))
        target["symbol"].append("star" if o["status"] == "agreement" else "x")
        who = view.names.get(o["sender"], o["sender"])
        target["text"].append(f"{unit_word(step_unit(result))} {o['week']}: {who}'s offer ({o['status']})<br>{o['text']}")
    return earlier, now


def issue_space_title(result: RunResult, step: int) -> str:
    """The issue space's title at ``step``, in the run's unit (``Issue space, week 12``)."""
    return f"Issue space, {unit_word(step_unit(result))} {step}"


def issue_space_figure(result: RunResult, step: int, labels: Mapping[str, str] | None = None) -> go.Figure:
    """The issue space at ``step``: each summit side's win-set, the zone of agreement, and the offers.

    The win-sets are recomputed from ``manifest["bargaining"]`` and the
    series' per-member ``threshold`` and ``influence`` (see
    :func:`summitry.sim.results.runview.win_sets_at`). With more than two dimensions the
    picture is the projection on the first two (a cell is coloured if any deal
    with those coordinates is in the set). Offers made at summits are marked
    ×, in the colour of the side that made them (this week's large, earlier
    ones faded); an agreement is a star. ``labels`` names the dimensions on the
    axes (dimension id -> label); absent, the labels of the scenario the run kept
    (:meth:`RunResult.dimension_labels`), else the ids.
    """
    view = run_view(result)
    colours = side_colours(result)
    a, b = view.summit_sides[0], view.summit_sides[1]
    xs, ys, z, dims = _issue_categories(result, step)
    labels_of = {d["id"]: d.get("label", d["id"]) for d in result.manifest.get("issues", [])} if "issues" in result.manifest else {}
    labels_of.update(result.dimension_labels())
    labels_of.update(labels or {})
    named = [labels_of.get(d, d) for d in dims]
    light = {a: _tint(colours[a], 0.35), b: _tint(colours[b], 0.35)}
    cs = [
        [0.0, "#ffffff"],
        [0.125, "#ffffff"],
        [0.125, light[a]],
        [0.375, light[a]],
        [0.375, light[b]],
        [0.625, light[b]],
        [0.625, _tint(ZONE_COLOUR, 0.75)],
        [1.0, _tint(ZONE_COLOUR, 0.75)],
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=xs,
            y=ys,
            z=z,
            zmin=0,
            zmax=4,
            colorscale=cs,
            showscale=False,
            hovertemplate=f"{named[0]} %{{x:.2f}}" + (f", {named[1]} %{{y:.2f}}" if len(dims) > 1 else "") + "<extra></extra>",
            name="win-sets",
        )
    )
    earlier, now = _offer_traces(result, step)
    this_step = f"offers this {unit_word(step_unit(result))}"
    for data, size, opacity, name in ((earlier, 9, 0.45, "earlier offers"), (now, 15, 1.0, this_step)):
        fig.add_trace(
            go.Scatter(
                x=data["x"],
                y=data["y"],
                mode="markers",
                name=name,
                marker={"color": data["color"], "symbol": data["symbol"], "size": size, "line": {"width": 1, "color": "#222"}},
                opacity=opacity,
                text=data["text"],
                hovertemplate="%{text}<extra></extra>",
                showlegend=False,
            )
        )
    for label, colour, symbol in (
        (f"{short_name(view.side_names.get(a, a), 14)} accepts", light[a], "square"),
        (f"{short_name(view.side_names.get(b, b), 14)} accepts", light[b], "square"),
        ("both accept: zone of agreement", _tint(ZONE_COLOUR, 0.75), "square"),
        ("offer", "#555", "x"),
    ):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=label,
                marker={"color": colour, "symbol": symbol, "size": 11, "line": {"width": 0.5, "color": "#999"}},
                hoverinfo="skip",
            )
        )
    _layout(fig, issue_space_title(result, step))
    fig.update_xaxes(title_text=named[0], range=[-0.03, 1.03], constrain="domain", zeroline=False, showgrid=False)
    if len(dims) > 1:
        fig.update_yaxes(title_text=named[1], range=[-0.03, 1.03], zeroline=False, showgrid=False)
    else:
        fig.update_yaxes(visible=False, range=[-0.5, 0.5])
    fig.update_layout(margin={"l": 48, "r": 12, "t": 34, "b": 36})
    fig.update_xaxes(title_standoff=2)
    return fig


def issue_space_step_data(result: RunResult, step: int) -> dict[str, Any]:
    """What changes in :func:`issue_space_figure` from one step to the next (for a Patch)."""
    _, _, z, _ = _issue_categories(result, step)
    earlier, now = _offer_traces(result, step)
    return {"z": z, "earlier": earlier, "now": now, "title": issue_space_title(result, step)}
