"""Predictive checks of a calibration: what the model does under the posterior, beside the record, and under the prior.

A calibration (rejection or ABC-SMC) ends with a sample of parameter values,
its posterior. :func:`predictive_check` draws ``runs`` parameter sets from it
(with replacement, by the particles' weights; equal weights for rejection's
accepted points) and ``runs`` from the uniform prior, and runs the scenario
once per draw in free mode. Draw ``i`` of an arm runs on seed
:func:`ppc_seed` (seed, arm, i): the check depends on the calibration's seed
and its posterior rows only, not on the executor or the order runs finish.

It reports, per arm, the share of each outcome with its Wilson 95% interval,
the share of runs ending as the record did, and the principals' trust and
each summit side's pressure as fans (median, 50% and 90% of runs by week),
with the record's dated entries and the scenario's state patterns on those
variables marked. The files: ``predictive.json`` (the numbers),
``predictive.parquet`` (one row per run: arm, draw, seed, parameters,
outcome) and a section of ``posterior.html``.
"""

from __future__ import annotations

import html
import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

import numpy as np
import pandas as pd

from summitry.sim.atomic import write_atomically
from summitry.sim.labels import counted, outcome_label
from summitry.sim.results.run_result import OUTCOMES, _jsonable
from summitry.sim.results.runview import principals, run_view
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Scenario, apply_overrides, load_raw, validate_data
from summitry.sim.stats import wilson

P = ParamSpec("P")

STREAM_PPC = 7
"""The seed stream of the predictive runs and draws (SMC's runs use 1-3, holdout's draws 5 and 6)."""
ARMS = ("posterior", "prior")
RUNS_PER_TASK = 10
QUANTILES = (5, 25, 50, 75, 95)


def ppc_seed(seed: int, arm: str, index: int) -> int:
    """The run seed of draw ``index`` of ``arm`` (``posterior`` or ``prior``).

    >>> ppc_seed(0, "posterior", 3) == ppc_seed(0, "posterior", 3) != ppc_seed(0, "prior", 3)
    True
    """
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(STREAM_PPC, ARMS.index(arm) + 1, index))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def _rng(seed: int, arm: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(STREAM_PPC, ARMS.index(arm) + 1)))


def prior_draws(priors: Mapping[str, tuple[float, float]], integer: Mapping[str, bool], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` independent draws from the uniform priors (integer parameters rounded, as a calibration's runs round them)."""
    u = _rng(seed, "prior").random((n, len(priors)))
    out = []
    for i in range(n):
        d = {k: lo + float(u[i, j]) * (hi - lo) for j, (k, (lo, hi)) in enumerate(priors.items())}
        out.append(_rounded(d, integer))
    return out


def posterior_draws(
    posterior: pd.DataFrame, paths: Sequence[str], integer: Mapping[str, bool], n: int, seed: int
) -> list[dict[str, float]]:
    """``n`` draws of the posterior rows (``param.PATH`` columns), with replacement, by their ``weight`` (equal without one)."""
    if posterior.empty:
        return []
    w = posterior["weight"].to_numpy(dtype=float) if "weight" in posterior else np.ones(len(posterior))
    idx = _rng(seed, "posterior").choice(len(posterior), size=n, p=w / w.sum())
    cols = {k: posterior[f"param.{k}"].to_numpy(dtype=float) for k in paths}
    return [_rounded({k: float(cols[k][i]) for k in paths}, integer) for i in idx]


def _rounded(d: Mapping[str, float], integer: Mapping[str, bool]) -> dict[str, float]:
    return {k: float(round(v)) if integer.get(k) else v for k, v in d.items()}


@dataclass(frozen=True)
class PPCTask:
    """Draws of one arm for a worker: (index, seed, parameter values) each."""

    batch: int
    scenario_json: str
    source: str
    arm: str
    items: tuple[tuple[int, int, tuple[tuple[str, float], ...]], ...]


def run_ppc_task(task: PPCTask) -> tuple[int, list[dict[str, Any]]]:
    """Run each draw once (in any process): its outcome, the principals' trust and the summit sides' pressure by step."""
    raw = json.loads(task.scenario_json)
    out = []
    for i, seed, values in task.items:
        sc = validate_data(apply_overrides(raw, dict(values), task.source), task.source)
        res = run_scenario(sc, seed=seed, mode="free")
        view = run_view(res)
        out.append(
            {
                "arm": task.arm,
                "draw": i,
                "seed": seed,
                "outcome": res.outcome,
                **{f"param.{k}": v for k, v in values},
                "trust": {f"{a}>{s}": view.series(f"trust_{s}", a).tolist() for a, s in principals(res)},
                "pressure": {s: view.series("pressure", s).tolist() for s in view.summit_sides},
                "labels": {
                    **{f"{a}>{s}": f"{view.names.get(a, a)} → {view.side_names.get(s, s)}" for a, s in principals(res)},
                    **{s: view.side_names.get(s, s) for s in view.summit_sides},
                },
                "unit": res.manifest.get("step_unit"),
            }
        )
    return task.batch, out


@dataclass
class Predictive:
    """The predictive runs of a calibration: one row per run, and the trust and pressure matrices (runs x steps) per arm."""

    runs: pd.DataFrame
    trust: dict[str, dict[str, np.ndarray]]
    pressure: dict[str, dict[str, np.ndarray]]
    labels: dict[str, str]
    record_outcomes: list[str]
    record: list[dict[str, Any]]
    states: list[dict[str, Any]]
    seed: int
    unit: str | None = None
    steps: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def outcome_shares(self, arm: str) -> dict[str, dict[str, float]]:
        """Every outcome's count, share and Wilson 95% interval among the arm's runs."""
        col = self.runs.loc[self.runs["arm"] == arm, "outcome"]
        n = len(col)
        names = list(OUTCOMES) + sorted(set(col) - set(OUTCOMES))
        out = {}
        for o in names:
            k = int((col == o).sum())
            share, lo, hi = wilson(k, n)
            out[o] = {"count": k, "share": share, "low": lo, "high": hi}
        return out

    def record_share(self, arm: str) -> dict[str, float] | None:
        """The share of the arm's runs that end as the record did (any of its outcomes), with its Wilson interval."""
        if not self.record_outcomes:
            return None
        col = self.runs.loc[self.runs["arm"] == arm, "outcome"]
        k = int(col.isin(self.record_outcomes).sum())
        share, lo, hi = wilson(k, len(col))
        return {"count": k, "share": share, "low": lo, "high": hi}

    def fans_at(self, matrices: Mapping[str, np.ndarray], weeks: Sequence[int]) -> dict[str, dict[str, list[Any]]]:
        """The 5/25/50/75/95% points of each series at ``weeks`` (a finished run held at its last value)."""
        out: dict[str, dict[str, list[Any]]] = {}
        for key, m in matrices.items():
            cols = [min(max(int(w), 0), m.shape[1] - 1) for w in weeks] if m.size else []
            q = np.nanpercentile(m[:, cols], QUANTILES, axis=0) if cols else np.zeros((len(QUANTILES), 0))
            out[key] = {"week": [int(w) for w in weeks]} | {f"q{p:02d}": [float(v) for v in q[j]] for j, p in enumerate(QUANTILES)}
        return out

    def summary(self) -> dict[str, Any]:
        # the record's dated entries and the weeks its state patterns check
        marked = [int(r["week"]) for r in self.record] + [int(st["window"][1]) for st in self.states]
        weeks = sorted({w for w in marked if 0 <= w <= self.steps})
        arms: dict[str, Any] = {}
        for arm in ARMS:
            n = int((self.runs["arm"] == arm).sum())
            arms[arm] = {
                "runs": n,
                "outcomes": self.outcome_shares(arm),
                "record_outcome_share": self.record_share(arm),
                "trust_at_marked_weeks": self.fans_at(self.trust.get(arm, {}), weeks),
                "pressure_at_marked_weeks": self.fans_at(self.pressure.get(arm, {}), weeks),
            }
        return {
            "seed": self.seed,
            "record_outcomes": self.record_outcomes,
            "state_patterns": self.states,
            "marked_weeks": weeks,
            "labels": self.labels,
            "arms": arms,
            "seeds": "draw i of an arm runs on SeedSequence(seed, spawn_key=(7, arm: 1 posterior, 2 prior, i))",
            **self.extra,
        }


def record_outcomes(scenario: Scenario) -> list[str]:
    """The outcomes the record names: the kinds of the scenario's patterns that are run outcomes and must happen."""
    out = []
    for p in scenario.patterns:
        kind = getattr(p, "kind", None)
        if kind in OUTCOMES and not getattr(p, "absent", False) and kind not in out:
            out.append(str(kind))
    return out


def record_entries(scenario: Scenario) -> list[dict[str, Any]]:
    return [
        {"week": int(r.week if r.week is not None else scenario.week_of(r.date)), "date": r.date.isoformat(), "text": r.text}
        for r in scenario.record
    ]


def state_marks(scenario: Scenario) -> list[dict[str, Any]]:
    """The scenario's state patterns (their window and bounds), to mark beside the fans of the series they name."""
    out = []
    for p in scenario.patterns:
        st = getattr(p, "state", None)
        if st is None:
            continue
        lo, hi = st.bounds
        out.append({"id": p.id, "agent": st.agent, "variable": st.variable, "window": list(p.window), "low": lo, "high": hi})
    return out


def predictive_check(
    scenario_arg: str,
    posterior: pd.DataFrame,
    priors: Mapping[str, tuple[float, float]],
    integer: Mapping[str, bool],
    runs: int,
    seed: int,
    executor: Any,
) -> Predictive:
    """``runs`` runs under posterior draws and ``runs`` under prior draws, each on its own derived seed."""
    from summitry.sim.figures.ensembles import carry_forward  # heavy (plotly): not in the worker processes that import this module

    raw, _, source = load_raw(scenario_arg)
    scenario = validate_data(raw, source)
    text = json.dumps(raw, default=str)
    draws = {"posterior": posterior_draws(posterior, list(priors), integer, runs, seed), "prior": prior_draws(priors, integer, runs, seed)}
    tasks: list[PPCTask] = []
    for arm, ds in draws.items():
        for b in range(0, len(ds), RUNS_PER_TASK):
            items = tuple((i, ppc_seed(seed, arm, i), tuple(ds[i].items())) for i in range(b, min(b + RUNS_PER_TASK, len(ds))))
            tasks.append(PPCTask(len(tasks), text, source, arm, items))
    parts: dict[int, list[dict[str, Any]]] = {}
    for batch, rows in executor.map_unordered(run_ppc_task, tasks):
        parts[batch] = rows
    rows_all = [r for b in sorted(parts) for r in parts[b]]
    labels: dict[str, str] = {}
    trust: dict[str, dict[str, np.ndarray]] = {}
    pressure: dict[str, dict[str, np.ndarray]] = {}
    unit = rows_all[0]["unit"] if rows_all else None
    for arm in ARMS:
        mine = [r for r in rows_all if r["arm"] == arm]
        for r in mine:
            labels.update(r["labels"])
        keys_t = list(mine[0]["trust"]) if mine else []
        keys_p = list(mine[0]["pressure"]) if mine else []
        trust[arm] = {k: carry_forward([np.asarray(r["trust"][k]) for r in mine]) for k in keys_t}
        pressure[arm] = {k: carry_forward([np.asarray(r["pressure"][k]) for r in mine]) for k in keys_p}
    table = pd.DataFrame(
        [{k: v for k, v in r.items() if k not in ("trust", "pressure", "labels", "unit")} for r in rows_all],
        columns=["arm", "draw", "seed", "outcome", *[f"param.{k}" for k in priors]],
    )
    return Predictive(
        table,
        trust,
        pressure,
        labels,
        record_outcomes(scenario),
        record_entries(scenario),
        state_marks(scenario),
        seed,
        unit,
        scenario.time.steps,
    )


# ------------------------------------------------------------------- output


def _marked(fig: Any, ppc: Predictive, variable: str, agents: Mapping[str, tuple[str, str]]) -> Any:
    """The record's dated entries as dotted lines (hover a diamond for the text), and the state patterns on the fan's series."""
    import plotly.graph_objects as go  # heavy (plotly): only when the check draws its figures

    entries = [r for r in ppc.record if 0 <= r["week"] <= ppc.steps]
    for w in sorted({r["week"] for r in entries}):
        fig.add_vline(x=w, line={"color": "#555", "width": 1, "dash": "dot"})
    if entries:
        fig.add_trace(
            go.Scatter(
                x=[r["week"] for r in entries],
                y=[1.0] * len(entries),
                mode="markers",
                marker={"symbol": "diamond", "size": 9, "color": "#333"},
                text=[html.escape(f"{r['date']}: {r['text']}") for r in entries],
                hovertemplate="%{text}<extra>record</extra>",
                name="record (dated entries)",
            )
        )
    for s in ppc.states:
        key = next((k for k, (a, v) in agents.items() if a == s["agent"] and v == s["variable"]), None)
        if key is None:
            continue
        lo, hi = max(s["low"], 0.0), min(s["high"], 1.0)
        mid = (s["window"][0] + s["window"][1]) / 2
        fig.add_trace(
            go.Scatter(
                x=[mid, mid],
                y=[lo, hi],
                mode="lines+markers",
                line={"color": "#000", "width": 3},
                marker={"symbol": "line-ew-open", "size": 12, "color": "#000"},
                name=f"record: pattern {s['id']}",
                hovertemplate=f"pattern {html.escape(s['id'])}: {variable} of {html.escape(ppc.labels.get(key, key))} "
                f"in [{lo:g}, {hi:g}] at week {s['window'][0]}–{s['window'][1]}<extra></extra>",
            )
        )
    return fig


def predictive_figures(ppc: Predictive) -> list[tuple[str, Any]]:
    """(caption, figure) for each arm: outcome shares, trust fans, pressure fans."""
    from summitry.sim.figures.common import OUTCOME_LABELS  # heavy (plotly): only when the check draws its figures
    from summitry.sim.figures.ensembles import fans_figure, outcome_figure  # heavy (plotly): as above

    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    said = ", ".join(OUTCOME_LABELS.get(o, o) for o in ppc.record_outcomes) or "no outcome named by the record's patterns"
    out = []
    for arm in ARMS:
        n = int((ppc.runs["arm"] == arm).sum())
        if not n:
            continue
        counts = {o: int(v["count"]) for o, v in ppc.outcome_shares(arm).items() if v["count"]}
        rec = ppc.record_share(arm)
        tail = f"; record ({said}): {rec['share']:.0%} [{rec['low']:.0%}, {rec['high']:.0%}]" if rec else ""
        out.append(
            (
                f"Outcomes under the {arm}{tail}",
                outcome_figure(counts, f"Outcomes of {counted(n, 'run')} under the {arm} (95% Wilson){tail}"),
            )
        )
        t = ppc.trust.get(arm, {})
        bands = [(ppc.labels.get(k, k), colours[j % 4], m) for j, (k, m) in enumerate(t.items())]
        fig = fans_figure(
            bands,
            f"Trust between the principals under the {arm}: median, 50% and 90% of {counted(n, 'run')}",
            y_title="trust",
            unit=ppc.unit,
        )
        agents = {k: (k.split(">")[0], f"trust_{k.split('>')[1]}") for k in t}
        out.append((f"Trust under the {arm}", _marked(fig, ppc, "trust", agents)))
        p = ppc.pressure.get(arm, {})
        bands = [(ppc.labels.get(k, k), colours[j % 4], m) for j, (k, m) in enumerate(p.items())]
        fig = fans_figure(
            bands,
            f"Pressure per summit side under the {arm}: median, 50% and 90% of {counted(n, 'run')}",
            y_title="pressure",
            unit=ppc.unit,
        )
        out.append((f"Pressure under the {arm}", _marked(fig, ppc, "pressure", {k: (k, "pressure") for k in p})))
    return out


def predictive_html(ppc: Predictive) -> str:
    """The posterior predictive section of a calibration's page (plotly.js is on the page already)."""
    s = ppc.summary()
    rows = []
    for o in [*OUTCOMES, *sorted(set(ppc.runs["outcome"]) - set(OUTCOMES))]:
        cells = []
        for arm in ARMS:
            v = s["arms"][arm]["outcomes"].get(o)
            cells.append(f"{v['share']:.0%} [{v['low']:.0%}, {v['high']:.0%}] ({v['count']})" if v and s["arms"][arm]["runs"] else "—")
        mark = " (record)" if o in ppc.record_outcomes else ""
        rows.append(f"<tr><td>{html.escape(outcome_label(o) + mark)}</td>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    figs = "".join(
        f"<figure aria-label='{html.escape(cap)}'>"
        + fig.update_layout(height=380, margin={"b": 90}, legend={"y": -0.3}).to_html(
            full_html=False, include_plotlyjs=False, config={"displaylogo": False}
        )
        + "</figure>"
        for cap, fig in predictive_figures(ppc)
    )
    n = {arm: s["arms"][arm]["runs"] for arm in ARMS}
    return (
        "<section id='predictive'><h2>Posterior predictive check</h2><p>"
        + html.escape(
            f"{counted(n['posterior'], 'run')} under parameter sets drawn from the posterior (by weight, with replacement) and {n['prior']} under "
            f"draws from the prior, one free run each on a seed derived from the calibration's seed ({ppc.seed}). Outcome shares with "
            "Wilson 95% intervals; the record's outcome is marked. In the fans, dotted lines are the record's dated entries and black "
            "bars the ranges the scenario's state patterns expect. Numbers: predictive.json; runs: predictive.parquet."
        )
        + "</p><table><tr><th>outcome</th><th>posterior</th><th>prior</th></tr>"
        + "".join(rows)
        + "</table>"
        + figs
        + "</section>"
    )


def write_predictive(out: Path, ppc: Predictive) -> str:
    """predictive.json and predictive.parquet in ``out``; the HTML section for posterior.html."""
    text = json.dumps(_jsonable(ppc.summary()), indent=2, sort_keys=True) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "predictive.json", lambda p: Path(p).write_text(text))
    write_atomically(out / "predictive.parquet", lambda p: ppc.runs.to_parquet(p, index=False))
    return predictive_html(ppc)


def _written(check: Callable[P, Predictive]) -> Callable[Concatenate[Path, P], str]:
    """``check`` behind a folder: the folder first, then ``check``'s own arguments; the check run and written there."""
    signature = inspect.signature(check)

    def run(out: Path, /, *args: P.args, **kwargs: P.kwargs) -> str:
        if signature.bind(*args, **kwargs).arguments["runs"] <= 0:
            return ""
        return write_predictive(out, check(*args, **kwargs))

    run.__doc__ = (
        f"``{check.__name__}`` with ``runs`` per arm, written to ``out`` (the first argument, then its arguments); "
        'its HTML section ("" for ``runs`` 0: no check).'
    )
    return run


run_predictive = _written(predictive_check)
