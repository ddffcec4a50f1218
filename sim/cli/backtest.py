"""The ``summitry backtest`` and ``summitry calibrate`` commands (sim/experiments/backtest.py).

Like sim/cli/__init__.py, each command imports what it uses when it runs (a fast ``--help``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from summitry.sim.cli.help_texts import ADDRESS_HELP, TLS_CA_HELP, TLS_CERT_HELP, TLS_KEY_HELP

PPC_FILES = ", predictive.json, predictive.parquet"
"""What the predictive check adds to a calibration's directory (sim.experiments.predictive)."""


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest_cmd)
    app.command("calibrate")(calibrate_cmd)


@contextmanager
def _progress() -> Iterator[Any]:
    """Progress per stage on stderr; yields progress(label, done, total).

    In a terminal, a rich bar per stage. Piped or redirected (a log file, CI),
    plain lines instead: one when a stage starts, one at every tenth of it and
    one when it ends, so a long backtest is never silent until it finishes.
    """
    from rich.progress import TimeElapsedColumn

    from summitry.sim.cli import err, plain_progress, progress_bar

    if not err.is_terminal and os.environ.get("SUMMITRY_PROGRESS") != "1":
        yield plain_progress(err)
        return
    with progress_bar(extra=(TimeElapsedColumn(),)) as bar:
        tasks: dict[str, Any] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        yield update


def _executor_args(executor: str, address: str | None) -> None:
    from summitry.sim.errors import InputError

    if executor not in ("local", "dask", "serial"):
        raise InputError(f"--executor {executor}: must be local, dask or serial")
    if address is not None and executor != "dask":
        raise InputError("--address needs --executor dask")


def _check_out(out: Path | None, owned: str) -> None:
    """Refuse an --out that cannot be written, or a directory summitry did not write, before any work."""
    from summitry.sim.outputs import check_out_dir

    if out is not None:
        check_out_dir(out, "--out", owned=owned)


def _ci(d: Mapping[str, Any] | None, key: str = "share") -> Text:
    if not d:
        return Text("-")
    return Text(f"{d[key]:.2f} [{d['low']:.2f}, {d['high']:.2f}]")


def _skill(d: Mapping[str, Any] | None) -> Text:
    """Skill [CI], green when the interval is above 0, red when below."""
    if not d:
        return Text("-")
    style = "green" if d["low"] > 0 else ("red" if d["high"] < 0 else "")
    return Text(f"{d['value']:+.2f} [{d['low']:+.2f}, {d['high']:+.2f}]", style=style)


def print_backtest_table(summary: Mapping[str, Any], title: str | None = None, unit: str | None = None) -> None:
    """The backtest table: pattern, text, steps scored (in the scenario's ``unit``), model share [CI], null share [CI], skill [CI]."""
    from rich.table import Table

    from summitry.sim.cli import print_table
    from summitry.sim.labels import in_unit

    t = Table(
        title=title or f"Backtest of {summary['scenario']}: {summary['runs']} free runs, a null model and baselines on the same seeds"
    )
    t.add_column("pattern", style="bold", no_wrap=True)
    t.add_column("historical pattern", ratio=1, min_width=24)
    t.add_column(in_unit("weeks", unit), justify="right", no_wrap=True)
    t.add_column("weight", justify="right")
    t.add_column("model [95% CI]", justify="right", no_wrap=True)
    t.add_column("null / baseline [95% CI]", justify="right", no_wrap=True)
    t.add_column("skill [95% CI]", justify="right", no_wrap=True)
    for p in summary["patterns"]:
        lo, hi = p["scored_weeks"]
        weeks = f"{'not ' if p['absent'] else ''}{lo}-{hi}"
        if p.get("at_most") is not None:
            weeks = f"<= {p['at_most']} in {lo}-{hi}"
        if p.get("given"):
            weeks += " if " + str(p["given"])
        t.add_row(
            Text(p["id"]),
            Text(p["text"]),
            Text(weeks),
            Text(f"{p['weight']:g}"),
            _ci(p["model"]),
            _ci(p.get("null")),
            _skill(p.get("skill")),
        )
    ov = summary["overall"]
    t.add_section()
    t.add_row(
        Text("overall"),
        Text("weighted mean of the pattern scores per run (skill: paired by seed)"),
        Text(""),
        Text(""),
        _ci(ov["model"], "mean"),
        _ci(ov.get("null"), "mean"),
        _skill(ov.get("skill")),
    )
    baselines = summary.get("baselines") or {}
    if baselines:
        t.add_section()
    for name, b in baselines.items():
        t.add_row(
            Text(name),
            Text(b.get("description", "")),
            Text(""),
            Text(""),
            _ci(ov["model"], "mean"),
            _ci(b["score"], "mean"),
            _skill(b["skill"]),
        )
    print_table(t)


def backtest_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in name (see `summitry scenarios`) or a path; it must have patterns.")],
    runs: Annotated[int, typer.Option("--runs", help="Runs of the model (and of the null model and each baseline).", min=2)] = 500,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write backtest.json, runs.parquet and a typical run (example-run/) here.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the ensemble (run i gets a seed derived from it).", min=0)] = 0,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Worker processes (default: all cores; 1 runs in this process).", min=1)
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: PATH=VALUE (repeatable).")] = None,
    params: Annotated[
        Path | None, typer.Option("--params", help="Parameter file (e.g. a calibration's calibrated.yaml); --set wins.")
    ] = None,
) -> None:
    """Score free runs, a null model and baselines against the scenario's historical patterns; print each pattern's score and skill."""
    from summitry.sim.cli import _parse_sets, err, scenario_from_args
    from summitry.sim.errors import InputError
    from summitry.sim.experiments.backtest import backtest, check_patterns
    from summitry.sim.experiments.executors import make_executor
    from summitry.sim.experiments.provenance import run_provenance
    from summitry.sim.outputs import check_output_path

    if out_dir is not None:
        check_output_path(out_dir, "--out")
        if (out_dir / "backtest.json").exists():
            raise InputError(f"--out {out_dir}: already holds a backtest; choose another directory")
    _check_out(out_dir, "none")
    sc, sets = scenario_from_args(scenario, params, set_)
    check_patterns(sc, scenario)
    ex = make_executor("serial" if workers == 1 else "local", workers)
    try:
        with _progress() as progress:
            res = backtest(sc, runs, seed, ex, overrides=sets, progress=progress)
    finally:
        ex.close()
    res.calibration = run_provenance(params, _parse_sets(set_))
    summary = res.summary()
    print_backtest_table(summary, unit=sc.time.clock.unit)
    if out_dir is not None:
        res.save(out_dir)
        err.print(f"wrote {out_dir}/ (backtest.json, runs.parquet, example-run/)", highlight=False)
    err.print(
        f"{runs} runs each of the model, the null model and {len(res.baselines)} baselines "
        f"(and {res.refine} x {res.pilot_runs} pilot null runs) in {res.elapsed:.1f} s",
        highlight=False,
    )


def calibrate_cmd(
    scenarios: Annotated[
        list[str],
        typer.Argument(help="Built-in names or paths with patterns; two or more: a joint fit (docs/holdout.md).", metavar="SCENARIO"),
    ],
    out: Annotated[Path, typer.Option("--out", help="Calibration directory (a sweep store plus the posterior).")] = Path(
        "calibration/latest"
    ),
    method: Annotated[
        str, typer.Option("--method", help="rejection (ABC over a sweep) or smc (sequential Monte Carlo ABC, adaptive tolerances).")
    ] = "rejection",
    design: Annotated[str | None, typer.Option("--design", help="rejection: lhs (Latin hypercube, the default) or grid.")] = None,
    points: Annotated[
        int | None, typer.Option("--points", help="rejection: design points (grid: levels per parameter; default 2000).", min=1)
    ] = None,
    runs_per_point: Annotated[
        int | None, typer.Option("--runs-per-point", help="Seeds per point or particle (default: rejection 20, smc 4).", min=1)
    ] = None,
    accept: Annotated[
        float | None, typer.Option("--accept", help="rejection: fraction of points kept, the closest to the record (default 0.05).")
    ] = None,
    population: Annotated[int | None, typer.Option("--population", help="smc: particles per generation (default 100).")] = None,
    generations: Annotated[int | None, typer.Option("--generations", help="smc: at most this many generations (default 6).")] = None,
    quantile: Annotated[
        float | None,
        typer.Option("--quantile", help="smc: next tolerance = this quantile of the last population's distances (default 0.5)."),
    ] = None,
    min_acceptance: Annotated[
        float | None, typer.Option("--min-acceptance", help="smc: stop when a generation accepts less than this share (default 0.02).")
    ] = None,
    pilot: Annotated[
        int | None, typer.Option("--pilot", help="smc: prior draws whose replicates measure each summary's spread (default 16).")
    ] = None,
    parameters: Annotated[
        list[str] | None,
        typer.Option(
            "--parameters",
            help="PATH=LOW:HIGH, a parameter and its uniform prior (repeatable; default: a handful of the most influential model parameters).",
        ),
    ] = None,
    executor: Annotated[str, typer.Option("--executor", help="local (processes), dask, or serial.")] = "local",
    workers: Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).", min=1)] = None,
    address: Annotated[str | None, typer.Option("--address", help=ADDRESS_HELP)] = None,
    tls_ca_file: Annotated[Path | None, typer.Option("--tls-ca-file", help=TLS_CA_HELP)] = None,
    tls_cert: Annotated[Path | None, typer.Option("--tls-cert", help=TLS_CERT_HELP)] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help=TLS_KEY_HELP)] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue a calibration sweep that stopped.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Sweep seed.", min=0)] = 0,
    backtest_runs: Annotated[
        int | None, typer.Option("--backtest-runs", help="One scenario: backtest runs before and after (default 200; 0 skips).", min=0)
    ] = None,
    ppc_runs: Annotated[
        int | None,
        typer.Option(
            "--ppc-runs",
            help="One scenario: runs of the predictive check under the posterior and the prior, each (default 100; 0 skips; "
            "at most 20000).",
            min=0,
            max=20000,
        ),
    ] = None,
) -> None:
    """Fit parameters to the historical patterns (rejection or SMC ABC); writes calibrated.yaml for `summitry run --params`."""
    from summitry.sim.errors import InputError
    from summitry.sim.experiments.executors import dask_security

    _executor_args(executor, address)
    security = dask_security(tls_ca_file, tls_cert, tls_key, address)
    smc_only = {"--population": population, "--generations": generations, "--quantile": quantile}
    smc_only |= {"--min-acceptance": min_acceptance, "--pilot": pilot}
    rejection_only = {"--design": design, "--points": points, "--accept": accept}
    if method not in ("rejection", "smc"):
        raise InputError(f"--method {method}: must be rejection or smc")
    wrong = [k for k, v in (smc_only if method == "rejection" else rejection_only).items() if v is not None]
    if wrong:
        raise InputError(f"{wrong[0]}: applies to --method {'smc' if method == 'rejection' else 'rejection'} only, not --method {method}")
    tls = (tls_ca_file, tls_cert, tls_key)
    common: dict[str, Any] = {"executor": executor, "workers": workers, "address": address, "security": security, "tls": tls}
    common |= {"resume": resume, "seed": seed}
    if len(scenarios) > 1:
        from summitry.sim.cli.calibrate import calibrate_joint_cmd

        if ppc_runs is not None:
            raise InputError("--ppc-runs: applies to one scenario; a joint fit has no predictive check yet")

        flags = {"points": points, "accept": accept, "population": population, "generations": generations, "quantile": quantile}
        flags |= {"min_acceptance": min_acceptance, "pilot": pilot, "runs_per_point": runs_per_point}
        calibrate_joint_cmd(scenarios, out, method, parameters, flags, design=design, backtest_runs=backtest_runs, **common)
        return
    given: dict[str, Any]
    if method == "smc":
        given = {"population": population, "generations": generations, "runs_per_particle": runs_per_point, "quantile": quantile}
        given |= {"min_acceptance": min_acceptance, "pilot": pilot}
        run = calibrate_smc_cmd
    else:
        given = {"design": design, "points": points, "runs_per_point": runs_per_point, "accept": accept}
        run = calibrate_rejection_cmd
    common["ppc_runs"] = 100 if ppc_runs is None else ppc_runs
    run(scenarios[0], out, parameters, given, backtest_runs=200 if backtest_runs is None else backtest_runs, **common)


def calibrate_rejection_cmd(
    scenario: str,
    out: Path,
    parameters: list[str] | None,
    given: Mapping[str, Any],
    *,
    executor: str,
    workers: int | None,
    address: str | None,
    security: Any,
    tls: tuple[Path | None, Path | None, Path | None],
    resume: bool,
    seed: int,
    backtest_runs: int,
    ppc_runs: int = 100,
) -> None:
    """Rejection ABC over a sweep of the prior (``calibrate --method rejection``); ``given`` holds the options as typed (None: default)."""
    from rich.markup import escape

    from summitry.sim.cli import err, resume_command
    from summitry.sim.errors import InputError
    from summitry.sim.experiments.backtest import check_patterns
    from summitry.sim.experiments.calibration import calibrate, default_parameters, parse_ranges
    from summitry.sim.scenario.document import load_scenario

    design = given["design"] if given["design"] is not None else "lhs"
    points = given["points"] if given["points"] is not None else 2000
    runs_per_point = given["runs_per_point"] if given["runs_per_point"] is not None else 20
    accept = given["accept"] if given["accept"] is not None else 0.05
    _check_out(out, "sweep")
    if not 0 < accept <= 1:
        raise InputError(f"--accept {accept}: must be a fraction in (0, 1]")
    if design not in ("lhs", "grid"):
        raise InputError(f"--design {design}: rejection ABC needs a design that samples the prior evenly: lhs or grid")
    if backtest_runs == 1:
        raise InputError("--backtest-runs 1: 0 (skip) or at least 2")
    sc = load_scenario(scenario)
    check_patterns(sc, scenario)
    priors = parse_ranges(parameters, sc) if parameters else default_parameters(sc)
    total = (points ** len(priors) if design == "grid" else points) * runs_per_point
    err.print(
        f"calibrate {sc.name} -> {out}: {len(priors)} parameter{'s' if len(priors) != 1 else ''}, {design} design, {total} runs "
        f"({executor}{f', {workers} workers' if workers else ''}); accept the best {accept:g} of points",
        highlight=False,
    )
    try:
        with _progress() as progress:
            res = calibrate(
                scenario,
                out,
                priors,
                design=design,
                points=points,
                runs_per_point=runs_per_point,
                accept=accept,
                seed=seed,
                executor=executor,
                workers=workers,
                address=address,
                resume=resume,
                backtest_runs=backtest_runs,
                ppc_runs=ppc_runs,
                progress=progress,
                security=security,
            )
    except KeyboardInterrupt:
        again = resume_command(
            "calibrate",
            scenario,
            out=out,
            design=design,
            points=points,
            runs_per_point=runs_per_point,
            accept=accept,
            parameters=parameters,
            executor=executor,
            workers=workers,
            address=address,
            tls_ca_file=tls[0],
            tls_cert=tls[1],
            tls_key=tls[2],
            seed=seed,
            backtest_runs=backtest_runs,
            ppc_runs=ppc_runs,
        )
        err.print(f"interrupted; finished batches are kept — continue with:\n  {escape(again)}", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    print_posterior(res.summary)
    for label in ("before", "after"):
        brief = res.summary.get(label)
        if brief:
            shown = {**brief, "scenario": sc.name}
            title = f"Backtest {label} calibration ({brief['runs']} runs; " + (
                "default parameters)" if label == "before" else "posterior medians)"
            )
            print_backtest_table(shown, title, sc.time.clock.unit)
    err.print(
        f"wrote {out}/ (calibrated.yaml, posterior.parquet, calibration.json, posterior.html{PPC_FILES * bool(ppc_runs)})", highlight=False
    )
    err.print(f"use it: summitry run {scenario} --params {out / 'calibrated.yaml'}", highlight=False)


def print_posterior(summary: Mapping[str, Any]) -> None:
    from rich.table import Table

    from summitry.sim.cli import print_table

    t = Table(
        title=summary.get("title")
        or f"Rejection ABC: {summary['accepted']} of {summary['points']} points accepted "
        f"(distance <= {summary['epsilon']:.3f}; {summary['runs_per_point']} runs per point)"
    )
    for col in ("parameter", "prior", "posterior median", "5-95%", "5-95% / prior"):
        t.add_column(col, justify="right" if col != "parameter" else "left")
    for path, v in summary["parameters"].items():
        t.add_row(
            Text(path),
            Text(f"[{v['prior'][0]:g}, {v['prior'][1]:g}]"),
            Text(f"{summary['calibrated'][path]:g}"),
            Text(f"[{v['q05']:.3g}, {v['q95']:.3g}]"),
            Text(f"{v['range_ratio']:.2f}"),
        )
    print_table(t)


def _generation_line(g: Mapping[str, Any]) -> str:
    """One progress line per finished generation.

    >>> _generation_line({"generation": 2, "epsilon": 1.5, "accepted": 100, "simulated": 250, "ess": 80.4, "ok": True})
    'generation 2: tolerance 1.5, 100 accepted of 250 simulated (40%), effective sample size 80'
    >>> _generation_line({"generation": 0, "epsilon": float("inf"), "accepted": 100, "simulated": 100, "ess": 100.0, "ok": True})
    'generation 0: tolerance none (the prior), 100 accepted of 100 simulated (100%), effective sample size 100'
    """
    eps = "none (the prior)" if g["epsilon"] == float("inf") else f"{g['epsilon']:.4g}"
    line = (
        f"generation {g['generation']}: tolerance {eps}, {g['accepted']} accepted of {g['simulated']} simulated "
        f"({100 * g['accepted'] / max(g['simulated'], 1):.0f}%), effective sample size {g['ess']:.0f}"
    )
    if not g["ok"]:
        line = f"generation {g['generation']}: stopped, {g['accepted']} accepted of {g['simulated']} simulated (below --min-acceptance)"
    return line


def calibrate_smc_cmd(
    scenario: str,
    out: Path,
    parameters: list[str] | None,
    given: Mapping[str, Any],
    *,
    executor: str,
    workers: int | None,
    address: str | None,
    security: Any,
    tls: tuple[Path | None, Path | None, Path | None],
    resume: bool,
    seed: int,
    backtest_runs: int,
    ppc_runs: int = 100,
) -> None:
    from rich.markup import escape

    from summitry.sim.cli import err, resume_command
    from summitry.sim.errors import InputError
    from summitry.sim.experiments.backtest import check_patterns
    from summitry.sim.experiments.calibration import default_parameters, parse_ranges
    from summitry.sim.experiments.calibration_smc import SMC_DEFAULTS, calibrate_smc, check_smc_settings
    from summitry.sim.outputs import check_out_dir, check_output_path

    cfg = {k: (v if v is not None else SMC_DEFAULTS[k]) for k, v in given.items()}
    check_smc_settings(**cfg, backtest_runs=backtest_runs)
    check_output_path(out, "--out")
    if not (resume and (out / "smc.json").exists()):
        if (out / "smc.json").exists():
            raise InputError(f"--out {out}: already holds an SMC calibration; continue it with --resume, or choose another directory")
        check_out_dir(out, "--out", owned="none")
    from summitry.sim.scenario.document import load_scenario

    sc = load_scenario(scenario)
    check_patterns(sc, scenario)
    priors = parse_ranges(parameters, sc) if parameters else default_parameters(sc)
    err.print(
        f"calibrate {sc.name} -> {out}: {len(priors)} parameter{'s' if len(priors) != 1 else ''}, ABC-SMC: up to {cfg['generations']} "
        f"generations of {cfg['population']} particles, {cfg['runs_per_particle']} runs each ({executor}"
        f"{f', {workers} workers' if workers else ''})",
        highlight=False,
    )

    def on_generation(g: Mapping[str, Any]) -> None:
        err.print(_generation_line(g), highlight=False)

    try:
        with _progress() as progress:
            res = calibrate_smc(
                scenario,
                out,
                priors,
                **cfg,
                seed=seed,
                executor=executor,
                workers=workers,
                address=address,
                resume=resume,
                backtest_runs=backtest_runs,
                ppc_runs=ppc_runs,
                progress=progress,
                on_generation=on_generation,
                security=security,
            )
    except KeyboardInterrupt:
        again = resume_command(
            "calibrate",
            scenario,
            out=out,
            method="smc",
            runs_per_point=given.get("runs_per_particle"),
            **{k: given[k] for k in ("population", "generations", "quantile", "min_acceptance", "pilot")},
            parameters=parameters,
            executor=executor,
            workers=workers,
            address=address,
            tls_ca_file=tls[0],
            tls_cert=tls[1],
            tls_key=tls[2],
            seed=seed,
            backtest_runs=backtest_runs,
            ppc_runs=ppc_runs,
        )
        err.print(f"interrupted; finished generations are kept — continue with:\n  {escape(again)}", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    s = res.summary
    print_posterior({**s, "title": f"ABC-SMC: {s['accepted']} particles after {len(s['generations'])} generations "
                     f"({s['points']} particles simulated, last tolerance {s['epsilon']:.3g}; weighted quantiles)"})  # fmt: skip
    for label in ("before", "after"):
        brief = s.get(label)
        if brief:
            title = f"Backtest {label} calibration ({brief['runs']} runs; " + (
                "default parameters)" if label == "before" else "weighted posterior medians)"
            )
            print_backtest_table({**brief, "scenario": sc.name}, title)
    files = "calibrated.yaml, posterior.parquet, populations.parquet, calibration.json, posterior.html" + PPC_FILES * bool(ppc_runs)
    err.print(f"wrote {out}/ ({files})", highlight=False)
    err.print(f"use it: summitry run {scenario} --params {out / 'calibrated.yaml'}", highlight=False)
