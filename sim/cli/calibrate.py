"""The ``summitry calibrate`` command: rejection ABC or ABC-SMC on one case, or a joint fit over several
(sim/experiments/calibration.py, calibration_smc.py, joint.py).

The calibrations are imported when the command runs, not with this module, so that ``summitry --help`` starts fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from summitry.sim import cli
from summitry.sim.cli.help_texts import Address, Executor, TlsCaFile, TlsCert, TlsKey, Workers, fraction_option, path_option
from summitry.sim.cli.shared import (
    check_executor,
    check_method_options,
    check_out,
    interrupted,
    print_backtest_table,
    stage_progress,
    warn_stray_parts,
)
from summitry.sim.errors import InputError
from summitry.sim.outputs import (
    CALIBRATION_RESUME,
    check_fresh_or_resumed,
    check_output_path,
    check_resumable,
    is_summitry_sweep_dir,
)

if TYPE_CHECKING:
    from summitry.sim.scenario.document import Scenario

PPC_FILES = ", predictive.json, predictive.parquet"
"""What the predictive check adds to a calibration's directory (sim.experiments.predictive)."""


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate_cmd)


@dataclass(frozen=True)
class Execution:
    """Where and how a calibration runs, as the options gave it: the same for every method and for a joint fit."""

    executor: str
    workers: int | None
    address: str | None
    security: Any
    tls: tuple[Path | None, Path | None, Path | None]
    resume: bool
    seed: int

    def where(self) -> str:
        """``local, 4 workers`` (the executor; the workers when given), for the line a calibration starts with."""
        return f"{self.executor}{f', {self.workers} workers' if self.workers else ''}"

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments every calibration function takes for these options."""
        return {
            "seed": self.seed,
            "executor": self.executor,
            "workers": self.workers,
            "address": self.address,
            "resume": self.resume,
            "security": self.security,
        }

    def options(self) -> dict[str, Any]:
        """These options in a resume command (sim.cli.resume_command), in the order it writes them."""
        ca, cert, key = self.tls
        return {
            "executor": self.executor,
            "workers": self.workers,
            "address": self.address,
            "tls_ca_file": ca,
            "tls_cert": cert,
            "tls_key": key,
            "seed": self.seed,
        }


def calibrate_cmd(
    scenarios: Annotated[
        list[str],
        typer.Argument(help="Built-in names or paths with patterns; two or more: a joint fit (docs/holdout.md).", metavar="SCENARIO"),
    ],
    out: Annotated[Path, path_option("--out", help="Calibration directory (a sweep store plus the posterior).")] = Path(
        "calibration/latest"
    ),
    method: Annotated[
        str,
        typer.Option(
            "--method", help="smc (sequential Monte Carlo ABC, adaptive tolerances; the default) or rejection (ABC over a sweep)."
        ),
    ] = "smc",
    design: Annotated[str | None, typer.Option("--design", help="rejection: lhs (Latin hypercube, the default) or grid.")] = None,
    points: Annotated[
        int | None,
        typer.Option("--points", help="rejection: design points (grid: levels per parameter; default 2000, a joint fit 200).", min=1),
    ] = None,
    runs_per_point: Annotated[
        int | None,
        typer.Option("--runs-per-point", help="Seeds per point or particle (default: rejection 20, a joint fit 4; smc 1).", min=1),
    ] = None,
    accept: Annotated[
        float | None,
        fraction_option(
            "--accept",
            interval="(0, 1]",
            help="rejection: fraction of runs accepted, the closest to the record (default 0.05, a joint fit 0.1); a point weighs by its share of them.",
        ),
    ] = None,
    population: Annotated[int | None, typer.Option("--population", help="smc: particles per generation (default 200).")] = None,
    generations: Annotated[int | None, typer.Option("--generations", help="smc: at most this many generations (default 6).")] = None,
    quantile: Annotated[
        float | None,
        fraction_option(
            "--quantile", interval="(0, 1)", help="smc: next tolerance = this quantile of the last population's distances (default 0.5)."
        ),
    ] = None,
    min_acceptance: Annotated[
        float | None,
        fraction_option(
            "--min-acceptance", interval="[0, 1)", help="smc: stop when a generation accepts less than this share (default 0.02)."
        ),
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
    executor: Executor = "local",
    workers: Workers = None,
    address: Address = None,
    tls_ca_file: TlsCaFile = None,
    tls_cert: TlsCert = None,
    tls_key: TlsKey = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Continue the calibration that stopped in --out; refuses if --out holds none or the settings changed."
        ),
    ] = False,
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
    from summitry.sim.experiments.executors import dask_security  # lazy: multiprocessing; a fast --help

    check_executor(executor, address)
    security = dask_security(tls_ca_file, tls_cert, tls_key, address)
    smc_only = {"--population": population, "--generations": generations, "--quantile": quantile}
    smc_only |= {"--min-acceptance": min_acceptance, "--pilot": pilot}
    rejection_only = {"--design": design, "--points": points, "--accept": accept}
    check_method_options(method, smc_only, rejection_only)
    run_on = Execution(executor, workers, address, security, (tls_ca_file, tls_cert, tls_key), resume, seed)
    if len(scenarios) > 1:
        if ppc_runs is not None:
            raise InputError("--ppc-runs: applies to one scenario; a joint fit has no predictive check yet")

        flags = {"points": points, "accept": accept, "population": population, "generations": generations, "quantile": quantile}
        flags |= {"min_acceptance": min_acceptance, "pilot": pilot, "runs_per_point": runs_per_point}
        calibrate_joint_cmd(scenarios, out, method, parameters, flags, run_on, design=design, backtest_runs=backtest_runs)
        return
    given: dict[str, Any]
    if method == "smc":
        given = {"population": population, "generations": generations, "runs_per_particle": runs_per_point, "quantile": quantile}
        given |= {"min_acceptance": min_acceptance, "pilot": pilot}
        run = calibrate_smc_cmd
    else:
        given = {"design": design, "points": points, "runs_per_point": runs_per_point, "accept": accept}
        run = calibrate_rejection_cmd
    defaults = {"backtest_runs": 200 if backtest_runs is None else backtest_runs, "ppc_runs": 100 if ppc_runs is None else ppc_runs}
    run(scenarios[0], out, parameters, given, run_on, **defaults)


def case_and_priors(scenario: str, parameters: list[str] | None) -> tuple[Scenario, dict[str, tuple[float, float]]]:
    """The case to calibrate (it must have patterns) and the priors: --parameters as given, or the default handful."""
    from summitry.sim.experiments.backtest import check_patterns  # lazy: the engine (numpy, mesa); a fast --help
    from summitry.sim.experiments.calibration import default_parameters, parse_ranges  # lazy: as above, and pandas
    from summitry.sim.scenario.document import load_scenario  # lazy: numpy and the scenario model; a fast --help

    sc = load_scenario(scenario)
    check_patterns(sc, scenario)
    return sc, (parse_ranges(parameters, sc) if parameters else default_parameters(sc))


def print_outcome(summary: Mapping[str, Any], sc: Scenario, scenario: str, out: Path, files: str, *, medians: str) -> None:
    """The backtests before and after a one-case calibration (``medians``: what "after" runs with), then what was written."""
    for label in ("before", "after"):
        brief = summary.get(label)
        if brief:
            title = f"Backtest {label} calibration ({brief['runs']} runs; " + (
                "default parameters)" if label == "before" else f"{medians})"
            )
            print_backtest_table({**brief, "scenario": sc.name}, title, sc.time.clock.unit)
    cli.say(cli.err, f"wrote {out}/ ({files})")
    cli.say(cli.err, f"use it: summitry run {scenario} --params {out / 'calibrated.yaml'}")


def calibrate_rejection_cmd(
    scenario: str,
    out: Path,
    parameters: list[str] | None,
    given: Mapping[str, Any],
    run_on: Execution,
    *,
    backtest_runs: int,
    ppc_runs: int = 100,
) -> None:
    """Rejection ABC over a sweep of the prior (``calibrate --method rejection``); ``given`` holds the options as typed (None: default)."""
    from summitry.sim.experiments.calibration import REJECTION_DEFAULTS, calibrate  # lazy: the engine and pandas; a fast --help

    cfg = {k: (given[k] if given[k] is not None else v) for k, v in REJECTION_DEFAULTS.items()}
    design, points, runs_per_point, accept = cfg["design"], cfg["points"], cfg["runs_per_point"], cfg["accept"]
    check_output_path(out, "--out")
    if run_on.resume:
        check_resumable(out, "sweep.json", **CALIBRATION_RESUME)
    check_out(out, "sweep")
    if design not in ("lhs", "grid"):
        raise InputError(f"--design {design}: rejection ABC needs a design that samples the prior evenly: lhs or grid")
    if backtest_runs == 1:
        raise InputError("--backtest-runs 1: must be 0 (skip) or at least 2")
    if run_on.resume:
        warn_stray_parts(out)
    sc, priors = case_and_priors(scenario, parameters)
    total = (points ** len(priors) if design == "grid" else points) * runs_per_point
    cli.say(
        cli.err,
        f"calibrate {sc.name} -> {out}: {len(priors)} parameter{'s' if len(priors) != 1 else ''}, {design} design, {total} runs "
        f"({run_on.where()}); accept the best {accept:g} of points",
    )
    try:
        with stage_progress() as progress:
            res = calibrate(
                scenario,
                out,
                priors,
                design=design,
                points=points,
                runs_per_point=runs_per_point,
                accept=accept,
                backtest_runs=backtest_runs,
                ppc_runs=ppc_runs,
                progress=progress,
                **run_on.arguments(),
            )
    except KeyboardInterrupt:
        mine = {"out": out, "method": "rejection", "design": design, "points": points, "runs_per_point": runs_per_point, "accept": accept}
        again = cli.resume_command(
            "calibrate", scenario, **mine, parameters=parameters, **run_on.options(), backtest_runs=backtest_runs, ppc_runs=ppc_runs
        )
        if not is_summitry_sweep_dir(out):
            # stopped before the sweep's sweep.json was written: --resume would be refused (nothing to resume)
            interrupted("nothing was stored yet", again.removesuffix(" --resume"))
        interrupted("finished batches are kept", again)
    print_posterior(res.summary)
    files = "calibrated.yaml, posterior.parquet, calibration.json, posterior.html" + PPC_FILES * bool(ppc_runs)
    print_outcome(res.summary, sc, scenario, out, files, medians="posterior medians")


def print_posterior(summary: Mapping[str, Any]) -> None:
    t = cli.TextTable(
        title=summary.get("title")
        or f"Rejection ABC: the closest {summary['accepted_runs']} of {summary['runs']} runs (distance <= {summary['epsilon']:.3f}), "
        f"at {summary['accepted']} of {summary['points']} points ({_runs(summary['runs_per_point'])} per point)"
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
    cli.print_table(t)


def _runs(n: int) -> str:
    """A count of runs in words.

    >>> _runs(1), _runs(4)
    ('1 run', '4 runs')
    """
    return f"{n} run{'s' if n != 1 else ''}"


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


FEW_PARTICLES = 0.2
"""An SMC posterior whose last generation's effective sample size is below this share of its particles gets a warning."""


def ess_warning(generations: Sequence[Mapping[str, Any]]) -> str | None:
    """A warning when the last generation's weights rest on few particles (effective sample size below FEW_PARTICLES of them).

    >>> print(ess_warning([{"accepted": 100, "ess": 100.0}, {"accepted": 100, "ess": 5.0}]))
    warning: the last generation's effective sample size is 5 of 100 particles: its quantiles rest on few of them; a larger --population helps
    >>> ess_warning([{"accepted": 100, "ess": 20.0}]) is None
    True
    """
    if not generations:
        return None
    last = generations[-1]
    n, ess = int(last["accepted"]), float(last["ess"])
    if n <= 0 or ess >= FEW_PARTICLES * n:
        return None
    return (
        f"warning: the last generation's effective sample size is {ess:.0f} of {n} particles: its quantiles rest on few of them; "
        "a larger --population helps"
    )


def _on_generation(g: Mapping[str, Any]) -> None:
    cli.say(cli.err, _generation_line(g))


def calibrate_smc_cmd(
    scenario: str,
    out: Path,
    parameters: list[str] | None,
    given: Mapping[str, Any],
    run_on: Execution,
    *,
    backtest_runs: int,
    ppc_runs: int = 100,
) -> None:
    """ABC-SMC (``calibrate --method smc``); ``given`` holds the options as typed (None: default)."""
    from summitry.sim.experiments.calibration_smc import SMC_DEFAULTS, calibrate_smc, check_smc_settings  # lazy: the engine; a fast --help

    cfg = {k: (v if v is not None else SMC_DEFAULTS[k]) for k, v in given.items()}
    check_smc_settings(**cfg, backtest_runs=backtest_runs)
    check_fresh_or_resumed(out, out / "smc.json", "an SMC calibration", run_on.resume)
    sc, priors = case_and_priors(scenario, parameters)
    cli.say(
        cli.err,
        f"calibrate {sc.name} -> {out}: {len(priors)} parameter{'s' if len(priors) != 1 else ''}, ABC-SMC: up to {cfg['generations']} "
        f"generations of {cfg['population']} particles, {_runs(cfg['runs_per_particle'])} each ({run_on.where()})",
    )
    try:
        with stage_progress() as progress:
            res = calibrate_smc(
                scenario,
                out,
                priors,
                **cfg,
                backtest_runs=backtest_runs,
                ppc_runs=ppc_runs,
                progress=progress,
                on_generation=_on_generation,
                **run_on.arguments(),
            )
    except KeyboardInterrupt:
        mine = {k: given[k] for k in ("population", "generations", "quantile", "min_acceptance", "pilot")}
        again = cli.resume_command(
            "calibrate",
            scenario,
            out=out,
            method="smc",
            runs_per_point=given.get("runs_per_particle"),
            **mine,
            parameters=parameters,
            **run_on.options(),
            backtest_runs=backtest_runs,
            ppc_runs=ppc_runs,
        )
        if not (out / "smc.json").exists():
            # stopped in the pilot, before smc.json: --resume would be refused (nothing to resume)
            interrupted("nothing was stored yet", again.removesuffix(" --resume"))
        interrupted("finished generations are kept", again)
    s = res.summary
    print_posterior({**s, "title": f"ABC-SMC: {s['accepted']} particles after {len(s['generations'])} generations "
                     f"({s['points']} particles simulated, last tolerance {s['epsilon']:.3g}; weighted quantiles)"})  # fmt: skip
    files = "calibrated.yaml, posterior.parquet, populations.parquet, calibration.json, posterior.html" + PPC_FILES * bool(ppc_runs)
    print_outcome(s, sc, scenario, out, files, medians="weighted posterior medians")
    warning = ess_warning(s["generations"])
    if warning:
        cli.say(cli.err, warning)


def _joint_settings(
    method: str, given: Mapping[str, Any], design: str | None, backtest_runs: int | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the method's settings as typed, with the defaults filled in); InputError for an option a joint fit does not take."""
    from summitry.sim.experiments.joint import budget  # lazy: the engine (numpy, mesa); a fast --help

    if backtest_runs is not None:
        raise InputError("--backtest-runs: applies to one scenario; a joint fit writes calibrated-CASE.yaml to backtest each case with")
    if design not in (None, "lhs"):
        raise InputError(f"--design {design}: a joint rejection fit samples a Latin hypercube (lhs) only")
    if method == "smc":
        settings = {k: given[k] for k in ("population", "generations", "quantile", "min_acceptance", "pilot")}
        settings["runs_per_particle"] = given["runs_per_point"]
    else:
        settings = {k: given[k] for k in ("points", "runs_per_point", "accept")}
    return settings, budget(method, settings)


def calibrate_joint_cmd(
    scenarios: Sequence[str],
    out: Path,
    method: str,
    parameters: list[str] | None,
    given: Mapping[str, Any],
    run_on: Execution,
    *,
    design: str | None,
    backtest_runs: int | None,
) -> None:
    """Check the cases and the budget, fit, print the posterior; ``given`` holds the options as typed (None: default)."""
    from summitry.sim.experiments.joint import calibrate_joint, load_cases, split_parameters  # lazy: the engine; a fast --help

    settings, cfg = _joint_settings(method, given, design, backtest_runs)
    state = out / ("smc.json" if method == "smc" else "joint.json")
    check_fresh_or_resumed(out, state, "a joint calibration", run_on.resume)
    cases = load_cases(scenarios)
    joint = split_parameters(cases, parameters)
    size = (
        f"{cfg['points']} points x {_runs(cfg['runs_per_point'])} per case"
        if method == "rejection"
        else f"up to {cfg['generations']} generations of {cfg['population']} particles, {_runs(cfg['runs_per_particle'])} per case"
    )
    cli.say(
        cli.err,
        f"calibrate {', '.join(c.name for c in cases)} jointly -> {out}: {len(joint.shared)} shared parameters, "
        + ", ".join(f"{len(joint.specific(c.name))} of {c.name}'s own" for c in cases)
        + f"; {method}: {size} ({run_on.where()})",
    )

    try:
        with stage_progress() as progress:
            res = calibrate_joint(
                scenarios,
                out,
                parameters,
                method,
                cfg,
                progress=progress,
                on_generation=_on_generation,
                **run_on.arguments(),
            )
    except KeyboardInterrupt:
        mine = {k.replace("runs_per_particle", "runs_per_point"): v for k, v in settings.items()}
        again = cli.resume_command("calibrate", *scenarios, out=out, method=method, **mine, parameters=parameters, **run_on.options())
        if not state.exists():
            interrupted("nothing was stored yet", again.removesuffix(" --resume"))
        interrupted("finished work is kept", again)
    s = res.summary
    kept = (
        f"the closest {s['accepted_runs']} of {s['runs']} runs, at {s['accepted']} of {s['points']} points"
        if method == "rejection"
        else f"{s['accepted']} of {s['points']} points kept"
    )
    title = (
        f"Joint {method} calibration of {', '.join(s['scenario'])}: {kept} "
        f"(summed distance <= {s['epsilon']:.3g}; shared parameters once, CASE:PATH per case)"
    )
    print_posterior({**s, "title": title})
    warning = ess_warning(s.get("generations") or [])
    if warning:
        cli.say(cli.err, warning)
    files = ", ".join(["calibrated.yaml"] * bool(joint.shared) + [f"calibrated-{c}.yaml" for c in s["scenario"]])
    cli.say(cli.err, f"wrote {out}/ ({files}, posterior.parquet, calibration.json, posterior.html)")
    for arg, name in zip(scenarios, s["scenario"], strict=True):
        cli.say(cli.err, f"use it: summitry run {arg} --params {out / f'calibrated-{name}.yaml'}")
