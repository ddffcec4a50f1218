"""The sweep report: outcome shares, sensitivity, survival and the sweep's charts, from ``sweep.json`` and its Parquet runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from summitry.sim.labels import joined, metric_label, outcome_label, parameter_words
from summitry.sim.outputs import sweep_parts
from summitry.sim.report.charts import Chart, document_unit, sweep_charts
from summitry.sim.report.context import _backtest_or_none, scenario_context
from summitry.sim.report.files import load_sweep
from summitry.sim.report.page import _render, _safe_charts, _write_page
from summitry.sim.report.tables import fmt_value


def render_sweep_report(manifest: Mapping[str, Any], runs: Any, sweep_dir: str | Path | None = None) -> tuple[str, list[str]]:
    """The sweep report's HTML and warnings."""
    import summitry.sim.figures.sweeps as sf  # lazy: plotly is heavy, and only reports draw

    failed = sf.failed_runs(runs)
    counts = dict(manifest.get("counts") or {})
    total = counts.get("total")
    stored = len(runs)
    n_failed = len(failed)
    errors: list[dict[str, Any]] = []
    if n_failed:
        first = failed["error"].fillna("").astype(str).map(lambda e: e.strip().splitlines()[-1] if e.strip() else "(no message)")
        for msg, group in failed.groupby(first, sort=False):
            ids = group["run_id"].astype(int).tolist()
            errors.append({"message": msg, "count": len(ids), "runs": ", ".join(map(str, ids[:8])) + (" …" if len(ids) > 8 else "")})
        errors.sort(key=lambda e: -e["count"])
    parts = sweep_charts(manifest, runs)
    spec = manifest.get("spec") or {}
    scenario_name = str(manifest.get("scenario") or spec.get("scenario") or "")
    document = manifest.get("scenario_document")
    sc = scenario_context({"scenario": scenario_name}, document if isinstance(document, Mapping) else None, str(sweep_dir))
    param_rows = []
    canonical = list(manifest.get("parameters") or [])
    for path, rng in (spec.get("parameters") or {}).items():
        full = [c for c in canonical if c == path or str(c).endswith("." + path)]
        if len(full) == 1 and full[0] != path:
            path = f"{full[0]} ({path})"
        if isinstance(rng, Mapping) and rng.get("levels"):
            what = "levels " + ", ".join(fmt_value(v) for v in rng["levels"])
        elif isinstance(rng, Mapping):
            what = f"[{fmt_value(rng.get('low'))}, {fmt_value(rng.get('high'))}]"
        else:
            what = fmt_value(rng)
        param_rows.append({"path": path, "range": what})
    all_charts: list[Chart] = [parts["share"]] if "share" in parts else []
    for key in ("params", "heatmaps", "sensitivity"):
        all_charts.extend(parts[key])
    all_charts.extend(x["chart"] for x in parts["metrics"] if x["chart"] is not None)
    all_charts.extend(x["chart"] for x in parts["survival"] if x["chart"] is not None)
    warnings = [f"chart {c.title!r} could not be drawn: {c.error}" for c in all_charts if c.error]
    if sweep_dir is not None:
        warnings += [
            f"{entry}: not a part summitry wrote (its parts are named part-NNNNNN.parquet); not read as runs"
            for entry in sweep_parts(Path(sweep_dir) / "runs")[1]
        ]
    numbered = {c.id: d for c, d in zip(all_charts, _safe_charts(all_charts), strict=True)}
    backtest = _backtest_or_none(sweep_dir, warnings)
    page = _render(
        "sweep_report.html.j2",
        backtest=backtest,
        unit=document_unit(manifest),
        title=f"Sweep of {sc['title']}" if scenario_name else "Sweep report",
        manifest=manifest,
        sc=sc,
        spec_yaml=yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, default_flow_style=False).strip() if spec else "",
        param_rows=param_rows,
        total=total,
        stored=stored,
        n_ok=stored - n_failed,
        n_failed=n_failed,
        errors=errors,
        main=parts["main"],
        main_label=outcome_label(parts["main"]),
        main_sentences=main_sentences(parts),
        effects_note=effects_note(parts.get("effects") or [], parts["main"], len(parts.get("tied") or []) > 1),
        ranked=parts.get("ranked", []),
        outcome_rows=parts["outcomes"],
        share=numbered.get("fig-outcomes"),
        param_charts=[numbered[c.id] for c in parts["params"]],
        heatmaps=[numbered[c.id] for c in parts["heatmaps"]],
        sensitivity=[numbered[c.id] for c in parts["sensitivity"]],
        metric_parts=[{"summary": x["summary"], "chart": numbered[x["chart"].id] if x["chart"] else None} for x in parts["metrics"]],
        survival=[{**x, "chart": numbered[x["chart"].id] if x["chart"] else None} for x in parts["survival"]],
        versions=dict(manifest.get("versions") or {}),
        warnings=warnings,
    )
    return page, warnings


EFFECT_MEASURES = {
    "sobol": "measured by the sweep's Sobol total-order indices",
    "morris": "measured by the sweep's Morris μ*",
    "association": "measured by a χ² test of independence on the finished runs",
}
"""How a parameter's effect was measured (:class:`summitry.sim.figures.sweeps.ParameterEffect`), in the summary's words."""


def main_sentences(parts: Mapping[str, Any]) -> list[str]:
    """The summary's sentences on the outcomes: the most frequent one (or the tied ones), and the parameters that move it.

    Only parameters with a measurable effect are named, up to three, the largest first; a sweep where none has one
    says so.
    """
    rows = parts.get("outcomes") or []
    if not rows:
        return []
    n = sum(int(r["k"]) for r in rows)
    top = [r for r in rows if r["k"] == rows[0]["k"]]
    share = f"{100 * top[0]['p']:.0f}%"
    ci = f"95% CI {100 * top[0]['lo']:.0f}–{100 * top[0]['hi']:.0f}%"
    if len(top) == 1:
        first = f"The most frequent outcome is {top[0]['outcome']} ({share} of finished runs, {ci})."
        it = "it"
    else:
        first = (
            f"There is no single most frequent outcome: {joined([r['outcome'] for r in top])} each ended "
            f"{top[0]['k']} of the {n} finished runs ({share}, {ci})."
        )
        it = "the outcome"
    return [first, *([effects_sentence(parts["effects"], it)] if parts.get("effects") else [])]


def effects_sentence(effects: Sequence[Any], it: str = "it") -> str:
    """Which varied parameters move the outcome (``it``), by their measured effects (largest first).

    >>> from summitry.sim.figures.sweeps import ParameterEffect as E
    >>> print(effects_sentence([E("param.parameters.kappa", 0.0, False, "morris")]))
    The varied parameter, credibility per unit of signal cost (kappa), has no measurable effect on it (measured by the sweep's Morris μ*).
    >>> print(effects_sentence([E("param.parameters.kappa", 0.4, True, "association"), E("param.parameters.phi", 0.1, False, "association")]))
    Of the 2 varied parameters, only credibility per unit of signal cost (kappa) has a measurable effect on it (measured by a χ² test of independence on the finished runs).
    """
    how = EFFECT_MEASURES.get(effects[0].measure, effects[0].measure) + _of_metric(effects[0])
    words = [parameter_words(e.param.removeprefix("param.")) for e in effects]
    measured = [w for w, e in zip(words, effects, strict=True) if e.measurable]
    n, m = len(effects), len(measured)
    if n == 1:
        return f"The varied parameter, {words[0]}, has {'a' if m else 'no'} measurable effect on {it} ({how})."
    if m == 0:
        return f"None of the {n} varied parameters has a measurable effect on {it} ({how})."
    if m == 1:
        return f"Of the {n} varied parameters, only {measured[0]} has a measurable effect on {it} ({how})."
    text = f"The parameters that move {it} most are {joined(measured[:3])}"
    if m > 3:
        text += f", of the {m} with a measurable effect"
    if m < n:
        text += f"; the other {'one has' if n - m == 1 else f'{n - m} have'} no measurable effect"
    return f"{text} ({how})."


def _of_metric(effect: Any) -> str:
    """ " of walk-away": the metric whose sensitivity indices measured an effect ("" for any other measure)."""
    if effect.measure not in ("sobol", "morris") or not effect.metric:
        return ""
    label = metric_label(effect.metric)
    return f" of {label[:1].lower()}{label[1:]}"


def effects_note(effects: Sequence[Any], main: str | None, tied: bool) -> str:
    """How the parameters were ranked and when an effect counts as measurable, for the two-parameter maps' section."""
    if not effects:
        return ""
    measure = effects[0].measure
    if measure in ("sobol", "morris"):
        index = "total-order index ST" if measure == "sobol" else "μ* (mean absolute elementary effect)"
        return (
            f"ranked by the sweep's {'Sobol' if measure == 'sobol' else 'Morris'} {index}{_of_metric(effects[0])}; "
            "an effect is measurable when the index's 95% interval lies above 0"
        )
    what = "which outcome a run ends in" if tied else f"whether a run ends in {outcome_label(main)}"
    k = len(effects)
    level = f"p < {effects[0].level * k:g}" + (f" / {k} (Bonferroni's correction for {k} varied parameters)" if k > 1 else "")
    return (
        f"ranked by Cramér's V of each parameter's levels (or quantile bins) against {what}, over the finished runs; "
        f"an effect is measurable when a χ² test rejects independence at {level}"
    )


def write_sweep_report(sweep_dir: str | Path, out_path: str | Path, pdf: bool = False) -> Path:
    """Write the HTML report of a saved sweep (and, with ``pdf``, a PDF beside it); returns the HTML path."""
    return _write_sweep_report(sweep_dir, out_path, pdf)[0]


def _write_sweep_report(sweep_dir: str | Path, out_path: str | Path, pdf: bool = False) -> tuple[Path, list[str]]:
    manifest, runs = load_sweep(sweep_dir)
    page, warnings = render_sweep_report(manifest, runs, sweep_dir)
    return _write_page(page, out_path, pdf), warnings
