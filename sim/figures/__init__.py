"""Pure functions: a :class:`~sim.results.run_result.RunResult` (or several) -> a plotly Figure.

Shared by the dashboard and the reports. No function here reads anything but
its arguments, and none mutates them (a result's series index is memoised on
the result by :func:`summitry.sim.results.runview.run_view`, which changes no data).

Conventions the dashboard relies on for its per-step ``Patch`` updates:

* in every time-series figure, the marker of the current step is
  ``layout.shapes[0]`` (a vertical line from ``x0`` to ``x1``) and
  ``layout.shapes[1]`` veils the weeks after ``until`` (from its ``x0`` on);
* :func:`trust_heatmap` has one trace (``data[0]``, its ``z`` and ``text``);
* :func:`issue_space_figure` draws the win-sets as ``data[0]`` (a heatmap of
  categories) and the offers as ``data[1]`` (earlier) and ``data[2]`` (this step);
* :func:`network_figure` draws the nodes as the last trace and this step's
  signals as ``layout.annotations``.

Colours: one per side everywhere (:data:`~sim.results.runview.SIDE_COLOURS`,
the first summit side blue, the second red), third parties grey.

The functions live in one module per thing drawn, and this package re-exports them
(``from summitry.sim.figures import network_figure``):

* :mod:`summitry.sim.figures.common`: colours, the template, the week axis, its step marker and veil;
* :mod:`summitry.sim.figures.nodes`: where actors are placed, and factions grouped by side and role;
* :mod:`summitry.sim.figures.run_views`: one run over time (trust, pressure, stance, zone, events table);
* :mod:`summitry.sim.figures.bargaining_space`: the win-sets and offers over the summit's issues;
* :mod:`summitry.sim.figures.network`: the influence network and this week's signals;
* :mod:`summitry.sim.figures.ensembles`: many runs (outcome shares, fan charts);
* :mod:`summitry.sim.figures.timing`: a backtest's ensembles against the record (each pattern's first week, model and null model).

Names with a leading underscore are private to the package, not to their module.
"""

from summitry.sim.figures.bargaining_space import issue_space_figure, issue_space_step_data, issue_space_title
from summitry.sim.figures.common import _SIGNAL_COLOURS as _SIGNAL_COLOURS  # private names the tests reach
from summitry.sim.figures.common import (
    FUTURE_LEGEND,
    GL_THRESHOLD,
    OUTCOME_COLOURS,
    OUTCOME_LABELS,
    STANCE_COLOURSCALE,
    is_group,
    time_axis_title,
)
from summitry.sim.figures.ensembles import carry_forward, fan_chart, fan_chart_matrix, fans_figure, outcome_figure
from summitry.sim.figures.network import (
    CONTRARIAN_COLOUR,
    CONTRARIAN_LEGEND,
    CONTRARIAN_WIDTHS,
    SIGNAL_CLASSES,
    grouped_signal_arrows,
    has_contrarian_edges,
    network_annotations,
    network_arrow_trace,
    network_figure,
    network_group_step_data,
    network_node_trace,
    network_step_data,
    network_title,
    signal_arrows,
)
from summitry.sim.figures.network import _default_catalogue as _default_catalogue
from summitry.sim.figures.network import _signal_class as _signal_class
from summitry.sim.figures.nodes import (
    AGGREGATE_THRESHOLD,
    aggregate_edges,
    aggregate_network,
    aggregate_nodes,
    group_series,
    grouped_nodes,
    network_node_of,
    network_positions,
    node_name,
    weighted_mean_series,
)
from summitry.sim.figures.nodes import _grouped as _grouped
from summitry.sim.figures.run_views import (
    PRESSURE_HEIGHT,
    events_table_rows,
    pressure_figure,
    stance_figure,
    trust_figure,
    trust_heatmap,
    trust_matrix_at,
    trust_matrix_title,
    zone_figure,
)

__all__ = [
    "AGGREGATE_THRESHOLD",
    "CONTRARIAN_COLOUR",
    "CONTRARIAN_LEGEND",
    "CONTRARIAN_WIDTHS",
    "FUTURE_LEGEND",
    "GL_THRESHOLD",
    "OUTCOME_COLOURS",
    "OUTCOME_LABELS",
    "PRESSURE_HEIGHT",
    "SIGNAL_CLASSES",
    "STANCE_COLOURSCALE",
    "aggregate_edges",
    "aggregate_network",
    "aggregate_nodes",
    "carry_forward",
    "events_table_rows",
    "fan_chart",
    "fan_chart_matrix",
    "fans_figure",
    "group_series",
    "grouped_nodes",
    "grouped_signal_arrows",
    "has_contrarian_edges",
    "is_group",
    "issue_space_figure",
    "issue_space_step_data",
    "issue_space_title",
    "network_annotations",
    "network_arrow_trace",
    "network_figure",
    "network_group_step_data",
    "network_node_of",
    "network_node_trace",
    "network_positions",
    "network_step_data",
    "network_title",
    "node_name",
    "outcome_figure",
    "pressure_figure",
    "signal_arrows",
    "stance_figure",
    "time_axis_title",
    "trust_figure",
    "trust_heatmap",
    "trust_matrix_at",
    "trust_matrix_title",
    "weighted_mean_series",
    "zone_figure",
]
