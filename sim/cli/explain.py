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
from summitry.sim.labels import EU_PART_LABELS, EU_PART_NOTES, unit_word

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
    from summitry.sim.run import RunEndedError, explain_choice, summit_end  # lazy: the engine (numpy, mesa); a fast --help
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
    word = unit_word(unit)
    who = f"{ex.name} ({actor})" if ex.name and ex.name != actor else actor  # the name a reader knows, the id --actor takes
    base = f"{who}, {word} {step} ({ex.date}) of {sc.name}, seed {seed}, {mode or sc.mode} mode"
    # in free mode only the scenario's events of mode always are injected (docs/scenarios.md, "Mode")
    why = "forcing mode" if (mode or sc.mode) == "forcing" else "an event of mode always: it happens in free mode too"
    forced = [m for m in ex.moves if m.source == "forced"]
    summit = [m for m in ex.moves if m.source != "forced"]
    sent = " and ".join(f"{m.kind} to {m.receiver}" if m.receiver else m.kind for m in forced)
    rows = ex.rows
    if ex.rule_rows is not None:
        # forcing mode fixes the run's choice at nothing: show the actor's own rule instead of "nothing" at chance 1
        rows = ex.rule_rows
        cli.say(cli.out, f"{base}: it chooses no signal itself (in forcing mode leaders and third parties send only the record's signals).")
    else:
        cli.say(cli.out, f"{base}: it chose {ex.chosen}" + (f" as its signal this {word}." if summit else "."))
        if forced:
            cli.say(cli.out, f"The record also makes {actor} send {sent} this {word} ({why}).")
    if summit:
        cli.say(cli.out, f"Beyond that choice, the same run this {word}:" if ex.rule_rows is None else f"The same run this {word}:")
        for m in summit:
            cli.say(cli.out, f"  - {m.text}")
        end = summit_end(summit)
        if end:
            cli.say(cli.out, f"  {end}")
        if ex.record_summit is not None:
            # the record's summit, held on its date: the agents' own offers and acceptances did not set it
            named = f": {ex.record_summit.rstrip('.')}" if ex.record_summit else ""
            cli.say(cli.out, f"  The record holds this summit this {word} ({why}){named}.")
    if ex.rule_rows is not None:
        record = (
            f"The record makes {actor} send {sent} this {word} (forcing mode)"
            if forced
            else f"The record has no signal of {actor}'s this {word}"
        )
        cli.say(cli.out, f"{record}; the table below is what {actor}'s own rule would have chosen.")
    shown = [p for p in EU_PART_LABELS if any(p in r.parts for r in rows)]
    title = f"What {who}'s own rule would choose" if ex.rule_rows is not None else f"What {who} could do"
    table = cli.TextTable(title=title)
    for col in ("action", "to", "chance", "EU", *(EU_PART_LABELS[p] for p in shown)):
        table.add_column(col, justify="left" if col in ("action", "to") else "right")
    for r in rows:
        table.add_row(
            r.action,
            r.receiver or "",
            f"{r.chance:.3f}",
            f"{r.eu:+.3f}",
            *(f"{r.parts[p]:+.3f}" if p in r.parts else "" for p in shown),
        )
    cli.print_table(table)
    # the footnote: a line for each column printed (docs/ODD.md 7.16)
    chance = f"exp(Lambda_Q x EU) over its sum for the feasible actions, Lambda_Q = {ex.lambda_q:g} (the logit choice)"
    if ex.rule_rows is not None:
        chance += f"; forcing mode fixes the run's choice of {actor} at nothing: these are the chances of its own rule"
    if ex.chooses < 1:
        chance += f"; on this clock the actor chooses at all with chance {ex.chooses:.3f} this {word}"
    notes = [
        ("action", "a signal kind of the catalogue, or nothing"),
        ("to", "the action's receiver (principals: both summit leaders)"),
        ("chance", chance),
        ("EU", "the action's expected utility, the sum of the columns to its right (docs/ODD.md 7.16)"),
        *((EU_PART_LABELS[p], EU_PART_NOTES[p]) for p in shown),
    ]
    cli.say(cli.out, "Columns:")
    for col, note in notes:
        cli.say(cli.out, f"  {col}: {note}")
