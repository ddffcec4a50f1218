"""The ``summitry backtest`` command (sim/experiments/backtest.py).

The engine is imported when the command runs, not with this module, so that ``summitry --help`` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summitry.sim import cli
from summitry.sim.cli.help_texts import path_option
from summitry.sim.cli.shared import check_out, print_backtest_table, print_comparison, print_record, stage_progress
from summitry.sim.errors import InputError
from summitry.sim.experiments.provenance import run_provenance
from summitry.sim.outputs import check_output_path

MAX_BACKTEST_RUNS = 100_000
"""Most runs ``backtest --runs`` takes (200 times the default): each run is made about nine times (the model, the null
model, each baseline and ablation) and every run's scores are held in memory, so a larger count is a typo, not a plan."""


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest_cmd)


def backtest_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in name (see `summitry scenarios`) or a path; it must have patterns.")],
    runs: Annotated[
        int,
        typer.Option(
            "--runs", help="Runs of the model (and of the null model and each baseline); 2 to 100,000.", min=2, max=MAX_BACKTEST_RUNS
        ),
    ] = 500,
    out_dir: Annotated[
        Path | None, path_option("--out", help="Write backtest.json, runs.parquet and a typical run (example-run/) here.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the ensemble (run i gets a seed derived from it).", min=0)] = 0,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Worker processes (default: all cores; 1 runs in this process).", min=1)
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: PATH=VALUE (repeatable).")] = None,
    params: Annotated[
        Path | None, path_option("--params", help="Parameter file (e.g. a calibration's calibrated.yaml); --set wins.")
    ] = None,
    compare_dir: Annotated[
        Path | None,
        path_option(
            "--compare",
            help="An earlier backtest directory of the same case and --seed: print the change of skill against it, paired by seed, and split by pattern.",
        ),
    ] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Also score the historical record itself: forcing-mode runs against a null model with the record's own "
            "rates. Its skill is the most a model that reproduced the record would show; a pattern it misses is one the "
            "engine does not produce even given the history.",
        ),
    ] = False,
) -> None:
    """Score free runs, a null model and baselines against the scenario's historical patterns; print each pattern's score and skill."""
    from summitry.sim.experiments.backtest import backtest, check_patterns, check_record  # lazy: the engine; a fast --help
    from summitry.sim.experiments.executors import make_executor  # lazy: multiprocessing; a fast --help

    if out_dir is not None:
        check_output_path(out_dir, "--out")
        if (out_dir / "backtest.json").exists():
            raise InputError(f"--out {out_dir}: already holds a backtest; choose another directory")
    check_out(out_dir, "backtest")
    sc, sets = cli.scenario_from_args(scenario, params, set_)
    check_patterns(sc, scenario)
    if record:
        check_record(sc, scenario)
    earlier = None
    if compare_dir is not None:
        from summitry.sim.experiments.compare import load_earlier  # lazy: pandas; a fast --help

        earlier = load_earlier(compare_dir, sc, seed, runs)  # checked before any run is made
    ex = make_executor("serial" if workers == 1 else "local", workers)
    try:
        with stage_progress() as progress:
            res = backtest(sc, runs, seed, ex, overrides=sets, progress=progress, record=record)
    finally:
        ex.close()
    res.calibration = run_provenance(params, cli._parse_sets(set_))
    problem: InputError | None = None
    if earlier is not None:
        from summitry.sim.experiments.compare import compare  # lazy: pandas; a fast --help

        try:
            res.comparison = compare(res.runs_frame(), earlier, sc.patterns)
        except InputError as exc:  # reported after the results are saved: the runs are not lost
            problem = exc
    summary = res.summary()
    print_backtest_table(summary, unit=sc.time.clock.unit)
    if res.comparison is not None:
        print_comparison(res.comparison, summary["overrides"])
    if res.record is not None:
        print_record(res.record, summary["overall"]["skill"])
    if out_dir is not None:
        res.save(out_dir)
        cli.say(cli.err, f"wrote {out_dir}/ (backtest.json, runs.parquet, example-run/)")
    cli.say(
        cli.err,
        f"{runs} runs each of the model, the null model and {len(res.baselines)} baselines "
        f"(and {res.refine} x {res.pilot_runs} pilot null runs)"
        + (", the record and its null model" if res.record is not None else "")
        + f" in {res.elapsed:.1f} s",
    )
    if problem is not None:
        raise problem
