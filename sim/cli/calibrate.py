"""``summitry calibrate CASE1 CASE2 ...``: a joint calibration over several cases (sim/experiments/joint.py).

``summitry calibrate`` (sim/cli/backtest.py) hands over here when it is given more than one scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import typer


def _joint_settings(
    method: str, given: Mapping[str, Any], design: str | None, backtest_runs: int | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the method's settings as typed, with the defaults filled in); InputError for an option a joint fit does not take."""
    from summitry.sim.errors import InputError
    from summitry.sim.experiments.joint import budget

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
    *,
    design: str | None,
    backtest_runs: int | None,
    executor: str,
    workers: int | None,
    address: str | None,
    security: Any,
    tls: tuple[Path | None, Path | None, Path | None],
    resume: bool,
    seed: int,
) -> None:
    """Check the cases and the budget, fit, print the posterior; ``given`` holds the options as typed (None: default)."""
    from rich.markup import escape

    from summitry.sim.cli import err, resume_command
    from summitry.sim.cli.backtest import _generation_line, _progress, print_posterior
    from summitry.sim.errors import InputError
    from summitry.sim.experiments.joint import calibrate_joint, load_cases, split_parameters
    from summitry.sim.outputs import check_out_dir, check_output_path

    settings, cfg = _joint_settings(method, given, design, backtest_runs)
    check_output_path(out, "--out")
    state = out / ("smc.json" if method == "smc" else "joint.json")
    if not (resume and state.exists()):
        if state.exists():
            raise InputError(f"--out {out}: already holds a joint calibration; continue it with --resume, or choose another directory")
        check_out_dir(out, "--out", owned="none")
    cases = load_cases(scenarios)
    joint = split_parameters(cases, parameters)
    size = (
        f"{cfg['points']} points x {cfg['runs_per_point']} runs per case"
        if method == "rejection"
        else f"up to {cfg['generations']} generations of {cfg['population']} particles, {cfg['runs_per_particle']} runs per case"
    )
    err.print(
        f"calibrate {', '.join(c.name for c in cases)} jointly -> {out}: {len(joint.shared)} shared parameters, "
        + ", ".join(f"{len(joint.specific(c.name))} of {c.name}'s own" for c in cases)
        + f"; {method}: {size} ({executor}{f', {workers} workers' if workers else ''})",
        highlight=False,
    )

    def on_generation(g: Mapping[str, Any]) -> None:
        err.print(_generation_line(g), highlight=False)

    try:
        with _progress() as progress:
            res = calibrate_joint(
                scenarios,
                out,
                parameters,
                method,
                cfg,
                seed=seed,
                executor=executor,
                workers=workers,
                address=address,
                resume=resume,
                progress=progress,
                on_generation=on_generation,
                security=security,
            )
    except KeyboardInterrupt:
        again = resume_command(
            "calibrate",
            *scenarios,
            out=out,
            method=method,
            **{k.replace("runs_per_particle", "runs_per_point"): v for k, v in settings.items()},
            parameters=parameters,
            executor=executor,
            workers=workers,
            address=address,
            tls_ca_file=tls[0],
            tls_cert=tls[1],
            tls_key=tls[2],
            seed=seed,
        )
        err.print(f"interrupted; finished work is kept — continue with:\n  {escape(again)}", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    s = res.summary
    title = (
        f"Joint {method} calibration of {', '.join(s['scenario'])}: {s['accepted']} of {s['points']} points kept "
        f"(summed distance <= {s['epsilon']:.3g}; shared parameters once, CASE:PATH per case)"
    )
    print_posterior({**s, "title": title})
    files = ", ".join(["calibrated.yaml"] * bool(joint.shared) + [f"calibrated-{c}.yaml" for c in s["scenario"]])
    err.print(f"wrote {out}/ ({files}, posterior.parquet, calibration.json, posterior.html)", highlight=False)
    for arg, name in zip(scenarios, s["scenario"], strict=True):
        err.print(f"use it: summitry run {arg} --params {out / f'calibrated-{name}.yaml'}", highlight=False)
