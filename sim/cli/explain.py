"""The ``summitry explain`` command: one actor's decision in one step of a run, term by term (sim/run.py, ODD 7.16).

The engine is imported when the command runs, not with this module, so that ``summitry --help`` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summitry.sim import cli
from summitry.sim.cli.help_texts import path_option
from summitry.sim.errors import InputError
from summitry.sim.labels import EU_PART_LABELS, unit_word

MAX_LISTED = 20
"""Actor ids an unknown ``--actor`` lists (a 10,000-actor scenario's would fill the screen)."""


def register(app: typer.Typer) -> None:
    app.command("explain")(explain_cmd)


def explain_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in name (see `summitry scenarios`) or a path.")],
    actor: Annotated[str, typer.Option("--actor", help="The actor whose decision to explain (an actor id of the scenario).")],
    step: Annotated[
        int, typer.Option("--step", help="The step, in the scenario's unit, counted from 0 (its calendar applied first).", min=0)
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the run's random stream (as `summitry run --seed`).", min=0)] = 0,
    mode: Annotated[str | None, typer.Option(help="free (agents choose) or forcing (inject the record).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: PATH=VALUE (repeatable).")] = None,
    params: Annotated[
        Path | None, path_option("--params", help="Parameter file (e.g. a calibration's calibrated.yaml); --set wins.")
    ] = None,
) -> None:
    """Why an actor did what it did: every action it could take at a step, with its expected utility split into the
    decision rule's terms and its chance under the logit choice, and what the same run (same seed) did."""
    from summitry.sim.run import RunEndedError, explain_choice  # lazy: the engine (numpy, mesa); a fast --help
    from summitry.sim.scenario.loading import did_you_mean  # lazy: the scenario model; a fast --help

    if mode not in (None, "free", "forcing"):
        raise InputError(f"--mode {mode}: must be 'free' or 'forcing'")
    sc, _sets = cli.scenario_from_args(scenario, params, set_)
    ids = sc.actor_ids()
    if actor not in ids:
        listed = ", ".join(ids[:MAX_LISTED]) + (f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else "")
        raise InputError(f"--actor {actor}: no such actor in {sc.name}{did_you_mean(actor, ids)}; its actors: {listed}")
    unit = sc.time.clock.unit
    if step >= sc.time.steps:
        raise InputError(
            f"--step {step}: {sc.name} has {sc.time.steps} {unit_word(unit, plural=True)}, counted from 0 to {sc.time.steps - 1}"
        )
    try:
        ex = explain_choice(sc, actor, step, seed=seed, mode=mode)
    except RunEndedError as ended:
        raise InputError(
            f"--step {step}: seed {seed}'s run of {sc.name} ended at {unit_word(unit)} {ended.last} ({ended.outcome}); "
            "ask about an earlier step or another --seed"
        ) from None
    cli.say(
        cli.out,
        f"{actor}, {unit_word(unit)} {step} ({ex.date}) of {sc.name}, seed {seed}, {mode or sc.mode} mode: it chose {ex.chosen}.",
    )
    shown = [p for p in EU_PART_LABELS if any(p in r.parts for r in ex.rows)]
    caption = (
        f"chance: exp(Lambda_Q x EU) over its sum for the feasible actions, Lambda_Q = {ex.lambda_q:g}; "
        "EU is the sum of the columns to its right (docs/ODD.md 7.16)"
    )
    if ex.chooses < 1:
        caption += f"; on this clock the actor chooses at all with chance {ex.chooses:.3f} this {unit_word(unit)}"
    table = cli.TextTable(title=f"What {actor} could do", caption=caption)
    for col in ("action", "to", "chance", "EU", *(EU_PART_LABELS[p] for p in shown)):
        table.add_column(col, justify="left" if col in ("action", "to") else "right")
    for r in ex.rows:
        table.add_row(
            r.action,
            r.receiver or "",
            f"{r.chance:.3f}",
            f"{r.eu:+.3f}",
            *(f"{r.parts[p]:+.3f}" if p in r.parts else "" for p in shown),
        )
    cli.print_table(table)
