"""``summitry holdout``: calibrate on part of the record and score the rest (sim/experiments/holdout.py)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from summitry.sim import cli
from summitry.sim.cli.help_texts import Workers, fraction_option, path_option
from summitry.sim.cli.shared import check_method_options, stage_progress
from summitry.sim.errors import InputError
from summitry.sim.outputs import check_out_dir, check_resumable


def register(app: typer.Typer) -> None:
    app.command("holdout")(holdout_cmd)


def holdout_cmd(
    scenario: Annotated[str | None, typer.Argument(help="Built-in name or path, split at --cut.", metavar="SCENARIO")] = None,
    cut: Annotated[
        int | None, typer.Option("--cut", help="Fit the patterns whose window ends before this step; score those after.", min=1)
    ] = None,
    fit: Annotated[str | None, typer.Option("--fit", help="Fit this case's patterns (with --score).")] = None,
    score: Annotated[str | None, typer.Option("--score", help="Score this case's patterns (with --fit).")] = None,
    out: Annotated[Path, path_option("--out", help="Directory for holdout.json, runs.parquet and the fit.")] = Path("holdout/latest"),
    method: Annotated[str, typer.Option("--method", help="Calibration method: smc (ABC-SMC, the default) or rejection.")] = "smc",
    points: Annotated[int | None, typer.Option("--points", help="rejection: Latin hypercube points (default 200).", min=1)] = None,
    accept: Annotated[
        float | None, fraction_option("--accept", interval="(0, 1]", help="rejection: share of runs accepted (default 0.1).")
    ] = None,
    runs_per_point: Annotated[
        int | None, typer.Option("--runs-per-point", help="Runs per point or particle (default: rejection 4, smc 1).", min=1)
    ] = None,
    population: Annotated[int | None, typer.Option("--population", help="smc: particles per generation (default 200).")] = None,
    generations: Annotated[int | None, typer.Option("--generations", help="smc: at most this many generations (default 6).")] = None,
    parameters: Annotated[
        list[str] | None, typer.Option("--parameters", help="PATH=LOW:HIGH, a parameter and its uniform prior (repeatable).")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", help="Scoring runs under each of prior, posterior and defaults.", min=2)] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fit, the draws and the scoring runs.", min=0)] = 0,
    executor: Annotated[str, typer.Option("--executor", help="local (processes) or serial.")] = "local",
    workers: Workers = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the holdout whose fit stopped in --out (Ctrl-C, a kill), with the same options; refuses if --out holds none.",
        ),
    ] = False,
) -> None:
    """Out-of-sample check: calibrate on the record up to --cut (or on --fit) and score the rest (or --score) under prior and posterior."""
    from summitry.sim.experiments.holdout import holdout  # lazy: the engine (numpy, mesa); a fast --help
    from summitry.sim.experiments.joint import budget  # lazy: as above

    if executor not in ("local", "serial"):
        raise InputError(f"--executor {executor}: must be local or serial")
    by_cut = scenario is not None or cut is not None
    by_case = fit is not None or score is not None
    if by_cut == by_case or (by_cut and (scenario is None or cut is None)) or (by_case and (fit is None or score is None)):
        raise InputError("give SCENARIO --cut STEP, or --fit CASE --score CASE (one of the two)")
    smc_only = {"--population": population, "--generations": generations}
    rejection_only = {"--points": points, "--accept": accept}
    check_method_options(method, smc_only, rejection_only)
    settings: dict[str, Any] = (
        {"points": points, "accept": accept, "runs_per_point": runs_per_point}
        if method == "rejection"
        else {"population": population, "generations": generations, "runs_per_particle": runs_per_point}
    )
    budget(method, settings)
    if resume:
        # the fit's folder is made before anything is stored in it: a holdout stopped that early resumes too
        check_resumable(out, "fit/", lacks="holds no holdout to continue", starts="this holdout")
    if not (resume and (out / "fit").is_dir()):
        if (out / "fit").exists():
            raise InputError(f"--out {out}: already holds a holdout's fit; continue it with --resume, or choose another directory")
        check_out_dir(out, "--out", owned="none")
    what = f"{scenario} split at step {cut}" if by_cut else f"fit on {fit}, score {score}"
    cli.say(cli.err, f"holdout: {what} -> {out} ({method}, {runs} scoring runs per arm)")
    with stage_progress() as progress:
        s = holdout(
            out,
            scenario=scenario,
            cut=cut,
            fit=fit,
            score=score,
            parameters=parameters,
            method=method,
            settings=settings,
            runs=runs,
            seed=seed,
            executor=executor,
            workers=workers,
            progress=progress,
            resume=resume,
        )
    print_holdout(s)
    cli.say(cli.err, f"wrote {out}/ (holdout.json, runs.parquet, fit/)")


def _ci(d: Mapping[str, Any]) -> Text:
    return Text(f"{d['mean']:.3f} [{d['low']:.3f}, {d['high']:.3f}]")


def _gain(d: Mapping[str, Any]) -> Text:
    """A paired gain with its interval; a conditional pattern may apply to too few seeds in both arms for one.

    >>> [str(_gain(g)) for g in ({"value": 0.1, "low": 0.02, "high": 0.18, "runs": 40},
    ...  {"value": 1.0, "low": math.nan, "high": math.nan, "runs": 1}, {"value": math.nan, "low": math.nan, "high": math.nan, "runs": 0})]
    ['+0.100 [+0.020, +0.180]', '+1.000 (1 paired seed: no interval)', '- (no seed where it applies in both arms)']
    """
    if d.get("runs", 2) == 0 or math.isnan(d["value"]):
        return Text("- (no seed where it applies in both arms)")
    if math.isnan(d["low"]):
        return Text(f"{d['value']:+.3f} ({d['runs']} paired seed{'s' if d['runs'] != 1 else ''}: no interval)")
    style = "green" if d["low"] > 0 else ("red" if d["high"] < 0 else "")
    return Text(f"{d['value']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]", style=style)


def print_holdout(s: Mapping[str, Any]) -> None:
    """The held-out patterns' scores under prior, posterior and defaults, and the gain of the fit (paired by seed)."""
    where = f"{s['scenario']} after step {s['cut']}" if s["mode"] == "cut" else f"{s['scored_case']}, fitted on {s['fit']}"
    t = cli.TextTable(title=f"Held out: {where} ({s['runs']} runs per arm, the same seeds; 95% intervals)")
    for col in ("pattern", "prior", "posterior", "defaults", "gain (posterior - prior)"):
        t.add_column(col, justify="left" if col == "pattern" else "right", no_wrap=True)
    for pid, p in s["patterns"].items():
        t.add_row(Text(pid), _ci(p["prior"]), _ci(p["posterior"]), _ci(p["defaults"]), _gain(p["gain"]))
    t.add_section()
    sc = s["score"]
    t.add_row(Text("weighted score"), _ci(sc["prior"]), _ci(sc["posterior"]), _ci(sc["defaults"]), _gain(s["gain"]))
    cli.print_table(t)
