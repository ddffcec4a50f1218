"""Figures of a sweep: pure functions from a pandas DataFrame of sweep rows.

A sweep row (see ``sim/experiments/sweep.py``) has ``run_id``, ``point``, ``replicate``,
``seed``, ``status`` (``ok``/``failed``), ``error``, ``outcome``, one
``param.<path>`` column per varied parameter and one ``metric.<name>`` column
per metric (booleans as 0/1). Every function here takes such a frame (or
numbers derived from it) and returns data or a plotly figure; none reads
files or holds state, so the sweep report and the dashboard draw the same
pictures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from summitry.sim.labels import metric_label, outcome_label, parameter_words
from summitry.sim.stats import wilson_bounds

PARAM_PREFIX = "param."
METRIC_PREFIX = "metric."
MAX_LEVELS = 12
"""A parameter with at most this many distinct values is shown level by level; more are binned."""

OUTCOME_COLOURS: dict[str, str] = {
    "agreement_comprehensive": "#1b7837",
    "agreement_interim": "#7fbc41",
    "declaration": "#4393c3",
    "walk_away": "#d6604d",
    "escalation": "#762a83",
    "stalemate": "#878787",
}
_FALLBACK = ["#e08214", "#35978f", "#bf812d", "#8073ac", "#c51b7d", "#01665e"]
FONT = dict(family="Helvetica Neue, Helvetica, Arial, sans-serif", size=12, color="#222")


def _base_layout(fig: go.Figure, title: str | None = None, height: int = 340) -> go.Figure:
    fig.update_layout(
        template="simple_white",
        title=dict(text=title, x=0, xanchor="left", font=dict(size=14)) if title else None,
        height=height,
        margin=dict(l=60, r=20, t=50 if title else 20, b=50),
        font=FONT,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left"),
    )
    return fig


def outcome_colour(outcome: str, index: int = 0) -> str:
    """A stable colour per outcome (the engine's outcomes first, others cycled)."""
    return OUTCOME_COLOURS.get(outcome, _FALLBACK[index % len(_FALLBACK)])


def pretty(name: str) -> str:
    """Column name without its prefix, for axis titles."""
    for prefix in (PARAM_PREFIX, METRIC_PREFIX):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def axis_label(name: str) -> str:
    """A column's label for an axis or a caption: a parameter in words with its name, a metric's label.

    >>> axis_label("param.parameters.kappa"), axis_label("metric.final_tension"), axis_label("metric.pattern.stall")
    ('credibility per unit of signal cost (kappa)', 'Final tension', 'Pattern score: stall')
    """
    if name.startswith(PARAM_PREFIX):
        return parameter_words(name[len(PARAM_PREFIX) :])
    if name.startswith(METRIC_PREFIX):
        return metric_label(name[len(METRIC_PREFIX) :])
    return name


def param_columns(df: pd.DataFrame) -> list[str]:
    """The ``param.*`` columns, in frame order."""
    return [c for c in df.columns if c.startswith(PARAM_PREFIX)]


def metric_columns(df: pd.DataFrame) -> list[str]:
    """The ``metric.*`` columns, in frame order."""
    return [c for c in df.columns if c.startswith(METRIC_PREFIX)]


def ok_runs(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of runs that finished (``status == 'ok'``)."""
    if "status" not in df.columns:
        return df
    return df[df["status"] == "ok"]


def failed_runs(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of runs that failed."""
    if "status" not in df.columns:
        return df.iloc[0:0]
    return df[df["status"] != "ok"]


def outcomes_of(df: pd.DataFrame) -> list[str]:
    """Outcomes present among finished runs, most frequent first (ties by name)."""
    ok = ok_runs(df)
    if ok.empty or "outcome" not in ok.columns:
        return []
    counts = ok["outcome"].astype(str).value_counts()
    return sorted(counts.index.tolist(), key=lambda o: (-int(counts[o]), o))


def bin_parameter(values: pd.Series, bins: int = 8) -> tuple[pd.Series, pd.Series]:
    """Group a parameter's values: (group label per row, representative value per group).

    At most :data:`MAX_LEVELS` distinct values are kept as levels; more are
    cut into ``bins`` quantile bins represented by their mean.
    """
    v = pd.to_numeric(values, errors="coerce")
    distinct = v.dropna().unique()
    if len(distinct) <= MAX_LEVELS:
        groups = v
        centres = pd.Series(np.sort(distinct), index=np.sort(distinct))
        return groups, centres
    groups = pd.qcut(v, q=min(bins, len(distinct)), labels=False, duplicates="drop")
    centres = v.groupby(groups).mean()
    return groups, centres


def outcome_probability_table(df: pd.DataFrame, param: str, bins: int = 8, outcomes: Sequence[str] | None = None) -> pd.DataFrame:
    """P(outcome) per level/bin of ``param`` among finished runs, with Wilson 95% bounds.

    Columns: ``x`` (level or bin mean), ``n``, ``outcome``, ``k``, ``p``, ``lo``, ``hi``.
    """
    ok = ok_runs(df)
    cols = ["x", "n", "outcome", "k", "p", "lo", "hi"]
    if ok.empty or param not in ok.columns:
        return pd.DataFrame(columns=cols)
    outcomes = list(outcomes) if outcomes is not None else outcomes_of(ok)
    groups, centres = bin_parameter(ok[param], bins)
    rows = []
    for g, centre in centres.items():
        mask = groups == g
        n = int(mask.sum())
        if n == 0:
            continue
        sub = ok.loc[mask, "outcome"].astype(str)
        for o in outcomes:
            k = int((sub == o).sum())
            lo, hi = wilson_bounds(k, n)
            rows.append({"x": float(centre), "n": n, "outcome": o, "k": k, "p": k / n, "lo": float(lo[0]), "hi": float(hi[0])})
    return pd.DataFrame(rows, columns=cols)


def outcome_probability_figure(df: pd.DataFrame, param: str, bins: int = 8, outcomes: Sequence[str] | None = None) -> go.Figure:
    """Probability of each outcome against one varied parameter, with Wilson 95% bands."""
    table = outcome_probability_table(df, param, bins, outcomes)
    fig = go.Figure()
    for i, o in enumerate(outcomes if outcomes is not None else outcomes_of(df)):
        t = table[table["outcome"] == o].sort_values("x")
        if t.empty:
            continue
        colour = outcome_colour(o, i)
        x = t["x"].to_numpy()
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([x, x[::-1]]),
                y=np.concatenate([t["hi"].to_numpy(), t["lo"].to_numpy()[::-1]]),
                fill="toself",
                fillcolor=_alpha(colour, 0.14),
                mode="lines",
                line=dict(width=0),
                hoverinfo="skip",
                showlegend=False,
                legendgroup=o,
                name=f"{outcome_label(o)} 95% CI",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=t["p"].to_numpy(),
                mode="lines+markers",
                line=dict(color=colour, width=2),
                marker=dict(size=6),
                name=outcome_label(o),
                legendgroup=o,
                customdata=np.stack([t["k"], t["n"], t["lo"], t["hi"]], axis=1),
                hovertemplate=f"{outcome_label(o)}<br>{axis_label(param)} %{{x:.3g}}<br>P=%{{y:.2f}} (%{{customdata[0]}}/%{{customdata[1]}})"
                "<br>95% CI [%{customdata[2]:.2f}, %{customdata[3]:.2f}]<extra></extra>",
            )
        )
    _base_layout(fig, None)
    fig.update_xaxes(title_text=axis_label(param))
    fig.update_yaxes(title_text="probability", range=[-0.02, 1.02])
    return fig


def _alpha(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


EFFECT_ALPHA = 0.05
"""The level of the association test (before Bonferroni's correction over the varied parameters)."""


@dataclass(frozen=True)
class ParameterEffect:
    """How much one varied parameter moves an outcome, as measured on a sweep.

    ``measure`` is ``"sobol"`` (``size`` the total-order index ST), ``"morris"`` (``size`` the mean absolute elementary
    effect mu*) or ``"association"`` (``size`` Cramér's V of the parameter's levels or quantile bins against the outcome
    over the finished runs, ``p`` its chi-square test's p-value). ``measurable``: the index's 95% interval lies above 0,
    or the test rejects independence at ``level``: :data:`EFFECT_ALPHA` divided by the number of varied parameters.
    ``metric``: the metric whose indices were used (``agreement`` for an agreement of any class).
    """

    param: str
    size: float
    measurable: bool
    measure: str
    p: float | None = None
    level: float | None = None
    metric: str | None = None


def _index_effects(params: Sequence[str], entry: Mapping[str, Any] | None, metric: str | None = None) -> list[ParameterEffect] | None:
    """Effects from the sweep's sensitivity indices of one metric; None unless every parameter has a finite index."""
    if not entry or not isinstance(entry.get("indices"), Mapping):
        return None
    method = str(entry.get("method", "")).lower()
    key = {"sobol": "ST", "morris": "mu_star"}.get(method)
    if key is None:
        return None
    indices = entry["indices"]
    out = []
    for p in params:
        idx = indices.get(pretty(p), indices.get(p))
        value = _finite(idx.get(key)) if isinstance(idx, Mapping) else None
        if value is None:
            return None
        conf = _finite(idx.get(f"{key}_conf"))
        out.append(ParameterEffect(p, value, value > 0 and (conf is None or value - conf > 0), method, metric=metric))
    return out


def _finite(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def association(df: pd.DataFrame, param: str, outcome: str | None = None, bins: int = 8) -> tuple[float, float]:
    """(Cramér's V, p-value of the chi-square test of independence) of a parameter's levels (or quantile bins) against
    the outcome of the finished runs: whether they ended in ``outcome``, or which outcome they ended in (None).

    A parameter with one level, or runs that all ended alike, give (0, 1).

    >>> runs = pd.DataFrame({"status": "ok", "outcome": ["walk_away", "stalemate"] * 20, "param.a": [0.0, 1.0] * 20})
    >>> v, p = association(runs, "param.a", "walk_away")
    >>> round(v, 3), p < 1e-6
    (1.0, True)
    >>> association(runs.assign(**{"param.a": [0.0] * 20 + [1.0] * 20}), "param.a")
    (0.0, 1.0)
    """
    from scipy.stats import chi2_contingency  # heavy (scipy.stats, ~0.3 s): only when a sweep report ranks parameters

    ok = ok_runs(df)
    groups, _ = bin_parameter(ok[param], bins)
    ended = ok["outcome"].astype(str)
    y = ended == outcome if outcome is not None else ended
    table = pd.crosstab(groups, y)
    if table.shape[0] < 2 or table.shape[1] < 2:
        return 0.0, 1.0
    chi2, p, _, _ = chi2_contingency(table.to_numpy(), correction=False)
    n = int(table.to_numpy().sum())
    v = float(np.sqrt(chi2 / (n * (min(table.shape) - 1)))) if n else 0.0
    return v, float(p)


def parameter_effects(
    df: pd.DataFrame, outcome: str | None = None, sensitivity: Mapping[str, Any] | None = None, bins: int = 8
) -> list[ParameterEffect]:
    """Each varied parameter's measured effect on ``outcome`` (None: on which outcome the runs end), largest first.

    The sweep's sensitivity indices (Sobol ST or Morris mu*) of the metric named like the outcome, when the design has
    them for every parameter; otherwise the association of each parameter with the outcome over the finished runs
    (:func:`association`). Parameters with a measurable effect come first, each group by size, ties by name.
    """
    params = param_columns(df)
    entry, metric = None, None
    if outcome is not None and sensitivity:
        for key in (outcome, f"metric.{outcome}"):
            if key in sensitivity:
                entry = sensitivity[key]
                metric = str(entry.get("metric") or key).removeprefix("metric.") if isinstance(entry, Mapping) else None
                break
    effects = _index_effects(params, entry, metric)
    if effects is None:
        alpha = EFFECT_ALPHA / max(len(params), 1)
        effects = []
        for p in params:
            v, pv = association(df, p, outcome, bins)
            effects.append(ParameterEffect(p, v, pv < alpha, "association", pv, alpha))
    return sorted(effects, key=lambda e: (not e.measurable, -e.size, e.param))


def rank_parameters(df: pd.DataFrame, outcome: str, sensitivity: Mapping[str, Any] | None = None, bins: int = 8) -> list[str]:
    """``param.*`` columns, most influential on ``outcome`` first (:func:`parameter_effects`)."""
    return [e.param for e in parameter_effects(df, outcome, sensitivity, bins)]


def top_pairs(ranked: Sequence[str], limit: int = 3) -> list[tuple[str, str]]:
    """The most influential pairs: all pairs among the top parameters, best first."""
    top = list(ranked)[: max(2, int(np.ceil((1 + np.sqrt(1 + 8 * limit)) / 2)))]
    pairs = [(a, b) for i, a in enumerate(top) for b in top[i + 1 :]]
    return pairs[:limit]


def heatmap_bins(n_runs: int) -> int:
    """Bins per axis of a two-parameter map: about eight runs per cell, 3 to 8 bins.

    >>> heatmap_bins(160), heatmap_bins(20), heatmap_bins(100_000)
    (4, 3, 8)
    """
    return int(max(3, min(8, np.sqrt(max(n_runs, 1) / 8))))


def outcome_heatmap(df: pd.DataFrame, px: str, py: str, outcome: str, bins: int | None = None) -> go.Figure:
    """P(outcome) on a two-parameter grid (levels or quantile bins), runs per cell in the hover."""
    ok = ok_runs(df)
    bins = bins or heatmap_bins(len(ok))
    gx, cx = bin_parameter(ok[px], bins)
    gy, cy = bin_parameter(ok[py], bins)
    hit = (ok["outcome"].astype(str) == outcome).astype(float)
    frame = pd.DataFrame({"gx": gx, "gy": gy, "hit": hit})
    agg = frame.groupby(["gy", "gx"])["hit"].agg(["sum", "count"])
    z = np.full((len(cy), len(cx)), np.nan)
    n = np.zeros((len(cy), len(cx)), dtype=int)
    xi = {g: i for i, g in enumerate(cx.index)}
    yi = {g: i for i, g in enumerate(cy.index)}
    for (gyv, gxv), row in agg.iterrows():
        if gxv in xi and gyv in yi and row["count"] > 0:
            z[yi[gyv], xi[gxv]] = row["sum"] / row["count"]
            n[yi[gyv], xi[gxv]] = int(row["count"])
    fig = go.Figure(
        go.Heatmap(
            x=[f"{v:.3g}" for v in cx.to_numpy()],
            y=[f"{v:.3g}" for v in cy.to_numpy()],
            z=z,
            customdata=n,
            zmin=0,
            zmax=1,
            colorscale="Viridis",
            texttemplate="%{z:.2f}",
            textfont=dict(size=11),
            colorbar=dict(title=dict(text=f"P({outcome_label(outcome)})", side="right"), thickness=12),
            hovertemplate=f"{axis_label(px)} %{{x}}<br>{axis_label(py)} %{{y}}<br>P({outcome_label(outcome)}) %{{z:.2f}}"
            "<br>runs: %{customdata}<extra></extra>",
        )
    )
    _base_layout(fig, None, height=360)
    fig.update_xaxes(title_text=axis_label(px), type="category")
    fig.update_yaxes(title_text=axis_label(py), type="category")
    return fig


def sensitivity_figure(metric: str, entry: Mapping[str, Any]) -> go.Figure:
    """Sensitivity indices of one metric as grouped bars (Sobol S1/ST or Morris mu*/sigma)."""
    method = str(entry.get("method", "")).lower()
    indices: Mapping[str, Mapping[str, float]] = entry.get("indices", {})
    names = list(indices)
    keys = (
        ["S1", "ST"]
        if method == "sobol"
        else ["mu_star", "sigma"]
        if method == "morris"
        else sorted({k for v in indices.values() for k in v})
    )
    primary = keys[-1] if method == "sobol" else keys[0] if keys else None
    if primary:
        names.sort(key=lambda p: -float(indices[p].get(primary, 0.0) or 0.0))
    fig = go.Figure()
    colours = ["#4393c3", "#d6604d", "#7fbc41", "#878787"]
    labels = {"S1": "first order S1", "ST": "total ST", "mu_star": "μ*", "sigma": "σ"}
    for i, key in enumerate(keys):
        conf = [indices[p].get(f"{key}_conf") for p in names]
        has_conf = any(c is not None for c in conf)
        fig.add_trace(
            go.Bar(
                x=[indices[p].get(key) for p in names],
                y=names,
                orientation="h",
                name=labels.get(key, key),
                marker_color=colours[i % len(colours)],
                error_x=dict(type="data", array=[c or 0 for c in conf], visible=True) if has_conf else None,
            )
        )
    _base_layout(fig, None, height=max(220, 60 + 34 * len(names)))
    fig.update_layout(barmode="group", margin=dict(l=160, r=20, t=40, b=50))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="index", zeroline=True)
    return fig


def is_binary(values: pd.Series) -> bool:
    """True when a metric only takes the values 0 and 1 (a boolean)."""
    v = pd.to_numeric(values, errors="coerce").dropna().unique()
    return len(v) > 0 and set(np.asarray(v, dtype=float).tolist()) <= {0.0, 1.0}


def metric_summary(df: pd.DataFrame, metric: str) -> dict[str, Any]:
    """n, mean, sd, quantiles (and share true for booleans) of a metric among finished runs."""
    v = pd.to_numeric(ok_runs(df)[metric], errors="coerce").dropna()
    out: dict[str, Any] = {"name": pretty(metric), "n": int(v.size), "binary": is_binary(v)}
    if v.size:
        out.update(
            mean=float(v.mean()),
            sd=float(v.std(ddof=1)) if v.size > 1 else 0.0,
            min=float(v.min()),
            q25=float(v.quantile(0.25)),
            median=float(v.median()),
            q75=float(v.quantile(0.75)),
            max=float(v.max()),
        )
        if out["binary"]:
            lo, hi = wilson_bounds(int(v.sum()), int(v.size))
            out.update(share=float(v.mean()), lo=float(lo[0]), hi=float(hi[0]))
    return out


def metric_distribution_figure(df: pd.DataFrame, metric: str, label: str | None = None) -> go.Figure:
    """Distribution of one metric over finished runs: a histogram, or a share with its CI for booleans.

    ``label`` titles the metric's axis (its :func:`axis_label` when absent)."""
    v = pd.to_numeric(ok_runs(df)[metric], errors="coerce").dropna()
    fig = go.Figure()
    if is_binary(v):
        k, n = int(v.sum()), int(v.size)
        lo, hi = wilson_bounds([n - k, k], [n, n])
        p = np.array([n - k, k]) / max(n, 1)
        fig.add_trace(
            go.Bar(
                x=["false (0)", "true (1)"],
                y=p,
                marker_color=["#bababa", "#4393c3"],
                error_y=dict(type="data", symmetric=False, array=hi - p, arrayminus=p - lo),
                customdata=[n - k, k],
                hovertemplate="%{x}: %{y:.2f} (%{customdata} runs)<extra></extra>",
                showlegend=False,
            )
        )
        fig.update_yaxes(title_text="share of runs", range=[0, 1.05])
    else:
        fig.add_trace(go.Histogram(x=v, nbinsx=min(30, max(5, int(np.sqrt(max(v.size, 1))))), marker_color="#4393c3", showlegend=False))
        if v.size:
            fig.add_vline(x=float(v.median()), line=dict(color="#d6604d", dash="dash", width=1.5))
        fig.update_yaxes(title_text="runs")
    _base_layout(fig, None, height=240)
    fig.update_layout(margin=dict(l=55, r=15, t=15, b=45))
    fig.update_xaxes(title_text=label or axis_label(metric))
    return fig


def outcome_share_figure(df: pd.DataFrame) -> go.Figure:
    """Overall share of each outcome among finished runs, with Wilson 95% error bars."""
    ok = ok_runs(df)
    outcomes = outcomes_of(ok)
    n = len(ok)
    k = np.array([int((ok["outcome"].astype(str) == o).sum()) for o in outcomes])
    p = k / max(n, 1)
    lo, hi = wilson_bounds(k, np.full(len(k), n))
    fig = go.Figure(
        go.Bar(
            x=p,
            y=[outcome_label(o) for o in outcomes],
            orientation="h",
            marker_color=[outcome_colour(o, i) for i, o in enumerate(outcomes)],
            error_x=dict(type="data", symmetric=False, array=hi - p, arrayminus=p - lo),
            customdata=k,
            hovertemplate="%{y}: %{x:.2f} (%{customdata} runs)<extra></extra>",
        )
    )
    _base_layout(fig, None, height=max(180, 60 + 32 * len(outcomes)))
    fig.update_layout(margin=dict(l=170, r=20, t=15, b=45))
    fig.update_xaxes(title_text="share of finished runs", range=[0, 1.02])
    fig.update_yaxes(autorange="reversed")
    return fig
