"""Calibration by rejection ABC over a sweep: which parameter points reproduce a scenario's history best.

Every run is an ABC draw whose distance is ``1 - weighted pattern score``
(the backtest's, :mod:`summitry.sim.experiments.backtest`); the runs within the
``accept`` quantile of the distances are accepted, and a parameter point
weighs by the share of its runs accepted. Its directory holds
the sweep store, ``calibrated.yaml``, ``posterior.parquet``,
``calibration.json``, ``posterior.html`` and an example run.
"""

from __future__ import annotations

import html
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from summitry.sim.analysis.sweeps import load_runs
from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError, RunDirError
from summitry.sim.experiments.backtest import DEFAULT_CALIBRATION_PARAMETERS, BacktestResult, ProgressFn, backtest, check_patterns
from summitry.sim.experiments.executors import make_executor
from summitry.sim.experiments.predictive import run_predictive
from summitry.sim.experiments.provenance import provenance_block
from summitry.sim.experiments.spec import ParameterRange, SweepSpec, resolve_spec
from summitry.sim.experiments.sweep import run_sweep
from summitry.sim.labels import counted
from summitry.sim.outputs import CALIBRATION_RESUME, check_resumable
from summitry.sim.results.run_result import _jsonable, versions
from summitry.sim.scenario.document import Scenario, load_scenario
from summitry.sim.scenario.loading import close_matches
from summitry.sim.scenario.overrides import canonical, parameter_map, parameter_table

REJECTION_DEFAULTS: dict[str, Any] = {"design": "lhs", "points": 2000, "runs_per_point": 20, "accept": 0.05}
"""``calibrate --method rejection``'s default budget for one case (a joint fit's is ``joint.JOINT_REJECTION_DEFAULTS``)."""

# --------------------------------------------------------------- calibration


def default_parameters(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """The default calibrated parameters and their prior ranges (the scenario's sweep ranges)."""
    table = {p.path: p for p in parameter_table(scenario)}
    paths = [p for p in DEFAULT_CALIBRATION_PARAMETERS if p in table]
    for sid in scenario.summit.sides:
        path = f"{scenario.sides[sid].leader.id}.traits.impulsiveness"
        if path in table:
            paths.append(path)
    return {p: (table[p].low, table[p].high) for p in paths}


def parse_ranges(items: Sequence[str], scenario: Scenario) -> dict[str, tuple[float, float]]:
    """``PATH=LOW:HIGH`` items as {canonical path: (low, high)}; InputError naming the item otherwise."""
    pmap = parameter_map(scenario)
    out: dict[str, tuple[float, float]] = {}
    problems: list[str] = []
    for item in items:
        parsed = split_range_item(item)
        if isinstance(parsed, str):
            problems.append(parsed)
            continue
        path, lo, hi = parsed
        try:
            key = canonical(scenario, path, pmap)
        except KeyError:
            near = list(dict.fromkeys(close_matches(path, list(pmap) + [q.removeprefix("parameters.") for q in pmap], n=5)))[:5]
            hint = f"; close matches: {', '.join(near)}" if near else f"; `summitry params {scenario.name}` lists them"
            problems.append(f"--parameters {item}: no such parameter in scenario {scenario.name}{hint}")
            continue
        info = pmap[key][1]
        if lo < info.low or hi > info.high:
            problems.append(f"--parameters {item}: outside the parameter's bounds [{info.low:g}, {info.high:g}]")
            continue
        if key in out:
            problems.append(f"--parameters {item}: {key} is given twice")
            continue
        out[key] = (lo, hi)
    if problems:
        raise InputError(problems)
    return out


def split_range_item(item: str) -> tuple[str, float, float] | str:
    """``PATH=LOW:HIGH`` as (path, low, high), or the message saying what is wrong with it.

    >>> split_range_item("kappa=0.5:5"), split_range_item("kappa=5:1")
    (('kappa', 0.5, 5.0), '--parameters kappa=5:1: need finite LOW < HIGH')
    """
    path, sep, rng = item.partition("=")
    lo_s, sep2, hi_s = rng.partition(":")
    if not sep or not sep2 or not path.strip():
        return f"--parameters {item}: expected PATH=LOW:HIGH (e.g. parameters.kappa=0.5:5)"
    try:
        lo, hi = float(lo_s), float(hi_s)
    except ValueError:
        return f"--parameters {item}: LOW and HIGH must be numbers"
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        return f"--parameters {item}: need finite LOW < HIGH"
    return path.strip(), lo, hi


def abc_reject(runs: pd.DataFrame, paths: Sequence[str], accept: float) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Rejection ABC on a sweep's rows: (every point with its summary, the accepted points with their weights, ε).

    Every successful run is one ABC draw, its distance ``1 - weighted pattern
    score``. The closest ``accept`` fraction of the runs is accepted (at least
    one): ε is the largest accepted distance. Runs closer than ε are accepted
    whole; when several runs lie exactly at ε (pattern scores are often
    discrete), each of them counts with the same fraction, the expectation of
    breaking the tie at random, so the order of the rows never matters. A
    point's weight is its accepted runs over its runs (an estimate of the ABC
    likelihood there), normalised over the points.

    A point's runs are not averaged before the comparison: the record is one
    history, and a mean of many runs is far less noisy than one, so accepting
    points by their mean fit keeps where the expected fit is best, a range
    much narrower than the posterior.

    ``distance`` per point is 1 - its mean score (for display and ordering);
    ``accepted_runs`` is its (possibly fractional) count of accepted runs.
    """
    ok = runs[(runs["status"] == "ok") & runs["metric.pattern_score"].notna()]
    if ok.empty:
        raise RunDirError("the calibration sweep has no successful runs to score")
    pcols = [f"param.{p}" for p in paths]
    pat = [c for c in ok.columns if c.startswith("metric.pattern.")]
    run_distance = 1.0 - ok["metric.pattern_score"].to_numpy(dtype=float)
    n_accept = max(1, round(accept * len(run_distance)))
    epsilon = float(np.sort(run_distance, kind="stable")[n_accept - 1])
    closer = run_distance < epsilon
    tied = run_distance == epsilon
    share_of_tie = (n_accept - int(closer.sum())) / int(tied.sum())
    credit = pd.Series(np.where(closer, 1.0, np.where(tied, share_of_tie, 0.0)), index=ok.index)
    g = ok.groupby("point", sort=True)
    points = g[pcols].first()
    points["score"] = g["metric.pattern_score"].mean()
    points["score_sd"] = g["metric.pattern_score"].std(ddof=1)
    points["replicates"] = g.size()
    points["accepted_runs"] = credit.groupby(ok["point"]).sum()
    for c in pat:
        points[c.removeprefix("metric.")] = g[c].mean()
    points["distance"] = 1.0 - points["score"]
    share = points["accepted_runs"] / points["replicates"]
    points["weight"] = share / share.sum()
    points = points.reset_index().sort_values(["distance", "point"], kind="stable").reset_index(drop=True)
    points["rank"] = np.arange(1, len(points) + 1)
    accepted = points[points["accepted_runs"] > 0].copy()
    return points, accepted, epsilon


def posterior_summary(accepted: pd.DataFrame, priors: Mapping[str, tuple[float, float]], integer: Mapping[str, bool]) -> dict[str, Any]:
    """Prior range against the accepted points' weighted median, 5-95% range, min-max and narrowing, per parameter."""
    return weighted_summary(accepted, priors, integer)


def marginal_summary(
    v: np.ndarray, quantile: Callable[[np.ndarray, float], float], prior: tuple[float, float], integer: bool
) -> dict[str, Any]:
    """One parameter's posterior draws ``v``: median, 5/25/75/95% quantiles (by ``quantile(v, q)``), min-max, narrowing.

    Both calibration methods report this: the rejection method with plain
    quantiles of its accepted points, ABC-SMC with its particles' weights.

    >>> r = marginal_summary(np.array([0.0, 1.0, 2.0, 3.0, 4.0]), lambda v, q: float(np.quantile(v, q)), (0.0, 10.0), False)
    >>> r["median"], r["q05"], round(r["range_ratio"], 6)
    (2.0, 0.2, 0.4)
    """
    lo, hi = prior
    q05, q25, med, q75, q95 = (quantile(v, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95))
    width = hi - lo
    return {
        "prior": [lo, hi],
        "median": float(round(med)) if integer else med,
        "q05": q05,
        "q25": q25,
        "q75": q75,
        "q95": q95,
        "min": float(v.min()),
        "max": float(v.max()),
        # a uniform prior's 5-95% range is 0.9 of its width, its IQR half of it
        "range_ratio": (q95 - q05) / (0.9 * width) if width > 0 else math.nan,
        "iqr_ratio": (q75 - q25) / (0.5 * width) if width > 0 else math.nan,
    }


def weighted_quantile(values: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray, q: float) -> float:
    """The q-quantile of a weighted sample: the smallest value whose cumulative weight reaches q of the total.

    >>> weighted_quantile([3.0, 1.0, 2.0], [0.2, 0.5, 0.3], 0.5)
    1.0
    >>> weighted_quantile([3.0, 1.0, 2.0], [0.2, 0.5, 0.3], 0.6)
    2.0
    >>> weighted_quantile([3.0, 1.0, 2.0], [0.2, 0.5, 0.3], 0.95)
    3.0
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order]) / w.sum()
    k = int(np.searchsorted(cum, q - 1e-12, side="left"))
    return float(v[order][min(k, len(v) - 1)])


def weighted_summary(particles: pd.DataFrame, priors: Mapping[str, tuple[float, float]], integer: Mapping[str, bool]) -> dict[str, Any]:
    """Per parameter: prior, weighted median, 5/25/75/95% quantiles, min-max and the narrowing (as the rejection method's)."""
    w = particles["weight"].to_numpy(dtype=float)
    return {
        path: marginal_summary(
            particles[f"param.{path}"].to_numpy(dtype=float), lambda v, q: weighted_quantile(v, w, q), prior, integer.get(path, False)
        )
        for path, prior in priors.items()
    }


def _round(v: float) -> float:
    return float(f"{v:.4g}")


def write_params_file(
    path: Path, scenario_name: str | None, values: Mapping[str, float], description: str, calibration: Mapping[str, Any] | None = None
) -> None:
    """A parameter file in the format of ``summitry run --params`` (sim.scenario.overrides.load_params_file).

    Without ``scenario_name`` the file names no scenario, and any scenario with these parameters accepts it.
    ``calibration`` is the block that says where the values come from (:mod:`summitry.sim.experiments.provenance`).
    """
    doc: dict[str, Any] = {"scenario": scenario_name} if scenario_name is not None else {}
    doc |= {"description": description, "parameters": {k: v for k, v in values.items()}}
    if calibration is not None:
        doc["calibration"] = dict(calibration)
    text = "# written by `summitry calibrate`; use with: summitry run " + (scenario_name or "SCENARIO") + " --params " + path.name + "\n"
    text += yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    write_atomically(path, lambda p: Path(p).write_text(text))


def posterior_figure(points: pd.DataFrame, accepted: pd.DataFrame, priors: Mapping[str, tuple[float, float]]) -> Any:
    """Marginal histograms (prior sample and accepted points, by weight) on the diagonal, pairwise scatter below it."""
    import plotly.graph_objects as go  # heavy (plotly): only when a calibration draws its posterior
    from plotly.subplots import make_subplots  # heavy (plotly): as above

    paths = list(priors)
    n = len(paths)
    short = [p.removeprefix("parameters.") for p in paths]
    fig = make_subplots(rows=n, cols=n, horizontal_spacing=0.03, vertical_spacing=0.03)
    for i, pi in enumerate(paths):
        lo, hi = priors[pi]
        size = (hi - lo) / 20 if hi > lo else None
        xb = {"start": lo, "end": hi, "size": size} if size else None
        fig.add_trace(
            go.Histogram(
                x=points[f"param.{pi}"],
                xbins=xb,
                histnorm="probability density",
                marker_color="#c8ccd4",
                name="all points (prior)",
                legendgroup="prior",
                showlegend=i == 0,
            ),
            row=i + 1,
            col=i + 1,
        )
        fig.add_trace(
            go.Histogram(
                x=accepted[f"param.{pi}"],
                # each accepted point (or particle) counts with its weight
                y=accepted["weight"] if "weight" in accepted else None,
                histfunc="sum",
                xbins=xb,
                histnorm="probability density",
                marker_color="#1f77b4",
                opacity=0.75,
                name="accepted (posterior)",
                legendgroup="post",
                showlegend=i == 0,
            ),
            row=i + 1,
            col=i + 1,
        )
        fig.update_xaxes(range=[lo, hi], row=i + 1, col=i + 1)
        for j in range(i):
            pj = paths[j]
            fig.add_trace(
                go.Scattergl(
                    x=points[f"param.{pj}"],
                    y=points[f"param.{pi}"],
                    mode="markers",
                    marker={"color": "#c8ccd4", "size": 3},
                    name="all points",
                    legendgroup="prior",
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=i + 1,
                col=j + 1,
            )
            fig.add_trace(
                go.Scattergl(
                    x=accepted[f"param.{pj}"],
                    y=accepted[f"param.{pi}"],
                    mode="markers",
                    marker={
                        "color": accepted["score"],
                        "colorscale": "Viridis",
                        "size": 6,
                        "showscale": i == 1 and j == 0,
                        "colorbar": {"title": "score"},
                    },
                    name="accepted",
                    legendgroup="post",
                    showlegend=False,
                    text=[f"point {int(p)}, score {s:.3f}" for p, s in zip(accepted["point"], accepted["score"], strict=True)],
                ),
                row=i + 1,
                col=j + 1,
            )
            fig.update_xaxes(range=[priors[pj][0], priors[pj][1]], row=i + 1, col=j + 1)
            fig.update_yaxes(range=[lo, hi], row=i + 1, col=j + 1)
    for k in range(n):
        fig.update_xaxes(title_text=short[k], row=n, col=k + 1)
        fig.update_yaxes(title_text=short[k], row=k + 1, col=1)
    fig.update_layout(
        barmode="overlay",
        height=max(420, 230 * n),
        width=max(520, 230 * n + 120),
        title="Rejection ABC: marginal (diagonal) and pairwise distributions of the accepted points",
        template="plotly_white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.0},
    )
    return fig


def posterior_rows(post: Mapping[str, Mapping[str, Any]], calibrated: Mapping[str, float]) -> list[list[str]]:
    """The posterior table of a calibration report: parameter, prior, calibrated value, 5-95% range, range ratio."""
    return [
        [
            k.removeprefix("parameters."),
            f"[{v['prior'][0]:g}, {v['prior'][1]:g}]",
            f"{calibrated[k]:g}",
            f"[{v['q05']:.3g}, {v['q95']:.3g}]",
            f"{v['range_ratio']:.2f}",
        ]
        for k, v in post.items()
    ]


def write_posterior_html(path: Path, fig: Any, title: str, summary_rows: Sequence[Sequence[str]], note: str = "", extra: str = "") -> None:
    """A self-contained page (plotly.js inlined; opens offline) with the figure, a prior/posterior table and ``extra`` HTML after them."""
    body = fig.to_html(full_html=False, include_plotlyjs=True, config={"displaylogo": False})
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ("parameter", "prior", "posterior median", "5-95%", "range ratio"))
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in summary_rows)
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
        + html.escape(title)
        + "</title><style>body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style></head><body><h1>"
        + html.escape(title)
        + "</h1><p>"
        + html.escape(note)
        + "</p><table><tr>"
        + head
        + "</tr>"
        + rows
        + "</table>"
        + body
        + extra
        + "</body></html>"
    )
    write_atomically(path, lambda p: Path(p).write_text(page))


@dataclass
class CalibrationResult:
    out: Path
    calibrated: dict[str, float]
    posterior: dict[str, Any]
    points: pd.DataFrame
    accepted: pd.DataFrame
    before: BacktestResult | None
    after: BacktestResult | None
    summary: dict[str, Any]


def calibrate(
    scenario_arg: str,
    out: str | Path,
    parameters: Mapping[str, tuple[float, float]] | None = None,
    design: str = "lhs",
    points: int = 2000,
    runs_per_point: int = 20,
    accept: float = 0.05,
    seed: int = 0,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    backtest_runs: int = 200,
    batch_size: int = 50,
    progress: ProgressFn | None = None,
    security: Any = None,
    ppc_runs: int = 0,
) -> CalibrationResult:
    """Rejection ABC over a sweep: write calibrated.yaml, posterior.parquet, calibration.json and posterior.html.

    ``scenario_arg`` is a built-in name or a path. ``parameters`` maps parameter
    paths to uniform prior ranges (default :func:`default_parameters`). The sweep is stored in ``out`` like any
    sweep (resumable). With ``backtest_runs`` > 0 the scenario is backtested
    (with its null model) before and after calibration; with ``ppc_runs`` > 0
    checked under the posterior and the prior (sim.experiments.predictive).
    """
    _check_rejection_settings(design, points, runs_per_point, accept, backtest_runs)
    scenario = load_scenario(scenario_arg)
    check_patterns(scenario, scenario_arg)
    priors, integer = calibration_priors(scenario_arg, scenario, parameters)
    out = Path(out)
    if resume:
        check_resumable(out, "sweep.json", **CALIBRATION_RESUME)  # before run_sweep's own check, which speaks of a sweep
    loaded = resolve_spec(_prior_sweep(scenario_arg, priors, design, points, runs_per_point, seed, batch_size), "summitry calibrate")
    ex = make_executor(executor, workers, address, security)  # security: TLS to a Dask scheduler (sim.experiments.executors.dask_security)
    t0 = time.perf_counter()
    try:

        def sweep_progress(done: int, total: int, _outcomes: Counter[str], _failed: int) -> None:
            if progress:
                progress("calibration sweep", done, total)

        summary = run_sweep(loaded, out, ex, resume=resume, progress=sweep_progress)
        if summary.done < summary.total:
            raise RunDirError(f"{out}: the sweep stored {summary.done} of {summary.total} runs; continue with --resume")
        runs = load_runs(out)
        all_points, accepted, epsilon = abc_reject(runs, list(priors), accept)
        post = posterior_summary(accepted, priors, integer)
        calibrated = medians(post, integer)
        before, after = backtest_before_after(scenario, scenario_arg, calibrated, backtest_runs, seed, ex, progress)
        ppc = run_predictive(out, scenario_arg, accepted, priors, integer, ppc_runs, seed, ex)
    finally:
        ex.close()
    how = f"{design}, {counted(runs_per_point, 'run')} per point, seed {seed}"
    kept = f"the closest {round(accepted['accepted_runs'].sum())} of {int(all_points['replicates'].sum())} runs"
    write_params_file(
        out / "calibrated.yaml",
        Path(scenario_arg).stem,
        calibrated,
        f"Posterior medians of rejection ABC on {scenario.name}'s historical patterns: "
        f"{kept}, at {len(accepted)} of {len(all_points)} points ({how}).",
        provenance_block("rejection", [scenario.name], seed),
    )
    write_atomically(out / "posterior.parquet", lambda p: accepted.to_parquet(p, index=False))
    result_summary: dict[str, Any] = {
        "scenario": scenario.name,
        "scenario_arg": scenario_arg,
        "scenario_hash": scenario.content_hash(),
        "design": design,
        "points": len(all_points),
        "runs_per_point": runs_per_point,
        "seed": seed,
        "accept": accept,
        "accepted": len(accepted),
        "accepted_runs": round(accepted["accepted_runs"].sum()),
        "runs": int(all_points["replicates"].sum()),
        "epsilon": epsilon,
        "distance": "1 - weighted pattern score of one run; a point weighs by the share of its runs accepted",
        "score_of_points": {
            "best": float(all_points["score"].max()),
            "median": float(all_points["score"].median()),
            "accepted_mean": float(np.average(accepted["score"], weights=accepted["weight"])),
        },
        "parameters": post,
        "calibrated": calibrated,
        "before": _backtest_brief(before),
        "after": _backtest_brief(after),
        "elapsed": time.perf_counter() - t0,
        "versions": versions(),
    }
    text = json.dumps(_jsonable(result_summary), indent=2, sort_keys=True) + "\n"
    write_atomically(out / "calibration.json", lambda p: Path(p).write_text(text))
    _write_posterior_page(
        out,
        scenario,
        all_points,
        accepted,
        priors,
        post,
        calibrated,
        f"{design} design, {counted(runs_per_point, 'run')} per point",
        kept,
        epsilon,
        ppc,
    )
    if after is not None:
        after.save(out / "backtest-after", example=True)
    if before is not None:
        before.save(out / "backtest-before", example=False)
    return CalibrationResult(out, calibrated, post, all_points, accepted, before, after, result_summary)


def _check_rejection_settings(design: str, points: int, runs_per_point: int, accept: float, backtest_runs: int) -> None:
    """The rejection method's settings, each refused with the option that gave it."""
    if design not in ("lhs", "grid"):
        raise InputError(f"--design {design}: rejection ABC needs a design that samples the prior evenly: lhs or grid")
    if not 0 < accept <= 1:
        raise InputError(f"--accept {accept}: must be a fraction in (0, 1]")
    if points < 1:
        raise InputError(f"--points {points}: must be at least 1")
    if runs_per_point < 1:
        raise InputError(f"--runs-per-point {runs_per_point}: must be at least 1")
    if backtest_runs == 1 or backtest_runs < 0:
        raise InputError(f"--backtest-runs {backtest_runs}: must be 0 (skip) or at least 2")


def calibration_priors(
    scenario_arg: str, scenario: Scenario, parameters: Mapping[str, tuple[float, float]] | None
) -> tuple[dict[str, tuple[float, float]], dict[str, bool]]:
    """The uniform priors by canonical parameter path (the given ones, or the defaults), and which parameters are integers (both methods)."""
    priors = dict(parameters) if parameters else default_parameters(scenario)
    if not priors:
        raise InputError(f"{scenario_arg}: none of the default calibration parameters exist; give --parameters PATH=LOW:HIGH")
    pmap = parameter_map(scenario)
    priors = {canonical(scenario, k, pmap): v for k, v in priors.items()}
    return priors, {k: bool(pmap[k][1].integer) for k in priors}


def _prior_sweep(
    scenario_arg: str, priors: Mapping[str, tuple[float, float]], design: str, points: int, runs_per_point: int, seed: int, batch_size: int
) -> SweepSpec:
    """The sweep that samples the prior: free mode, the patterns scored on every run."""
    return SweepSpec(
        scenario=scenario_arg,
        parameters={k: ParameterRange(low=lo, high=hi) for k, (lo, hi) in priors.items()},
        design=design,  # type: ignore[arg-type]
        points=points,
        replicates=runs_per_point,
        seed=seed,
        mode="free",
        batch_size=batch_size,
        patterns=True,
    )


def _write_posterior_page(
    out: Path,
    scenario: Scenario,
    all_points: pd.DataFrame,
    accepted: pd.DataFrame,
    priors: Mapping[str, tuple[float, float]],
    post: Mapping[str, Any],
    calibrated: Mapping[str, float],
    how: str,
    kept: str,
    epsilon: float,
    extra: str = "",
) -> None:
    """posterior.html: every point tried against the accepted ones, and the posterior table."""
    fig = posterior_figure(all_points, accepted, priors)
    rows = posterior_rows(post, calibrated)
    note = (
        f"Accepted: {kept}, at {len(accepted)} of {len(all_points)} parameter points ({how}): "
        f"a run's distance is 1 - its weighted pattern score, accepted at most {epsilon:.3f}; a point weighs by the share of its runs accepted. "
        "Grey: every point tried (the uniform prior); blue and coloured: the accepted points. "
        "Range ratio: the weighted 5-95% range of the accepted points over the prior's (1 = nothing learnt)."
    )
    write_posterior_html(out / "posterior.html", fig, f"Calibration of {scenario.name}", rows, note, extra)


def medians(post: Mapping[str, Mapping[str, Any]], integer: Mapping[str, bool]) -> dict[str, float]:
    """The calibrated values: each posterior median, rounded (to a whole number for an integer parameter).

    >>> medians({"kappa": {"median": 2.23456}, "steps": {"median": 41.6}}, {"kappa": False, "steps": True})
    {'kappa': 2.235, 'steps': 42.0}
    """
    return {k: (float(round(v["median"])) if integer[k] else _round(v["median"])) for k, v in post.items()}


def backtest_before_after(
    scenario: Scenario,
    scenario_arg: str,
    calibrated: Mapping[str, float],
    runs: int,
    seed: int,
    ex: Any,
    progress: ProgressFn | None,
) -> tuple[BacktestResult | None, BacktestResult | None]:
    """The backtest with the scenario's own parameters and with the calibrated ones, on the same seeds (None, None: ``runs`` is 0)."""
    if not runs:
        return None, None
    before = backtest(scenario, runs, seed, ex, progress=progress)
    cal_sc = load_scenario(scenario_arg, {k: str(v) for k, v in calibrated.items()})
    after = backtest(cal_sc, runs, seed, ex, overrides=dict(calibrated), progress=progress)
    return before, after


def _backtest_brief(res: BacktestResult | None) -> dict[str, Any] | None:
    if res is None:
        return None
    s = res.summary()
    return {k: s[k] for k in ("runs", "seed", "overrides", "patterns", "overall", "baselines", "outcomes")}
