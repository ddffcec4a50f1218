"""What the commands that fit and score against the record share (backtest, calibrate, holdout; sweep the executor
check): progress per stage, the checks of --executor and --out before any work, and the backtest table.

It imports no command module; the consoles and the generic helpers are the package's (``summitry.sim.cli``), read
when a command runs, so that a caller that swaps the package's consoles (the tests do) is printed to.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.text import Text

from summitry.sim import cli
from summitry.sim.errors import InputError
from summitry.sim.labels import in_unit, pattern_window_text
from summitry.sim.outputs import check_out_dir, sweep_parts


@contextmanager
def stage_progress() -> Iterator[Any]:
    """Progress per stage on stderr; yields progress(label, done, total).

    In a terminal, a rich bar per stage. Piped or redirected (a log file, CI),
    plain lines instead: one when a stage starts, one at every tenth of it and
    one when it ends, so a long backtest is never silent until it finishes.
    """
    from rich.progress import TimeElapsedColumn  # lazy: rich's progress display, ~5 ms of summitry --help

    if not cli.err.is_terminal and os.environ.get("SUMMITRY_PROGRESS") != "1":
        yield cli.plain_progress(cli.err)
        return
    with cli.progress_bar(extra=(TimeElapsedColumn(),)) as bar:
        tasks: dict[str, Any] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        yield update


def check_out(out: Path | None, owned: str) -> None:
    """Refuse an --out that cannot be written, or a directory summitry did not write, before any work."""
    if out is not None:
        check_out_dir(out, "--out", owned=owned)


def _ci(d: Mapping[str, Any] | None, key: str = "share") -> Text:
    """Share [CI]; '-' when unknown (a pattern that applies to none of the runs has no share).

    >>> str(_ci({"share": 0.5, "low": 0.25, "high": 0.75})), str(_ci({"share": math.nan, "low": 0.0, "high": 1.0})), str(_ci({"share": None}))
    ('0.50 [0.25, 0.75]', '-', '-')
    """
    value = d.get(key) if d else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Text("-")
    return Text(f"{value:.2f} [{d['low']:.2f}, {d['high']:.2f}]")  # type: ignore[index]


def _skill(d: Mapping[str, Any] | None, digits: int = 2) -> Text:
    """Skill [CI], green when the interval is above 0, red when below; '-' when unknown (no run the pattern applies to).

    >>> str(_skill({"value": 0.1234, "low": 0.01, "high": 0.2}, digits=3)), str(_skill({"value": math.nan, "low": math.nan, "high": math.nan}))
    ('+0.123 [+0.010, +0.200]', '-')
    """
    if not d or d.get("value") is None or math.isnan(d["value"]):
        return Text("-")
    style = "green" if d["low"] > 0 else ("red" if d["high"] < 0 else "")
    f = f"+.{digits}f"
    return Text(f"{d['value']:{f}} [{d['low']:{f}}, {d['high']:{f}}]", style=style)


def _headroom(v: float | None) -> Text:
    """The skill a pattern would add if every model run matched it ('-' when unknown)."""
    if v is None or math.isnan(v):
        return Text("-")
    return Text(f"{v:+.3f}")


def print_backtest_table(summary: Mapping[str, Any], title: str | None = None, unit: str | None = None) -> None:
    """The backtest table: pattern, text, window and tolerance (in the scenario's ``unit``), model share [CI], null share [CI], skill [CI]."""

    t = cli.TextTable(
        title=title or f"Backtest of {summary['scenario']}: {summary['runs']} free runs, a null model and baselines on the same seeds"
    )
    t.add_column("pattern", style="bold", no_wrap=True)
    t.add_column("historical pattern")
    t.add_column(in_unit("weeks", unit), justify="right", no_wrap=True)
    t.add_column("weight", justify="right")
    t.add_column("model [95% CI]", justify="right", no_wrap=True)
    t.add_column("null / baseline [95% CI]", justify="right", no_wrap=True)
    t.add_column("skill [95% CI]", justify="right", no_wrap=True)
    t.add_column("part of overall skill [95% CI]", justify="right", no_wrap=True)
    t.add_column("if matched", justify="right", no_wrap=True)
    for p in summary["patterns"]:
        t.add_row(
            Text(p["id"]),
            Text(p["text"]),
            Text(pattern_window_text(p, unit)),
            Text(f"{p['weight']:g}"),
            _ci(p["model"]),
            _ci(p.get("null")),
            _skill(p.get("skill")),
            _skill(p.get("contribution"), digits=3),
            _headroom(p.get("headroom")),
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
        _skill(ov.get("skill"), digits=3),
        Text(""),
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
            Text(""),
            Text(""),
        )
    t.caption = BACKTEST_CAPTION
    cli.print_table(t)


BACKTEST_CAPTION = (
    "Scores run from 0 to 1. An event pattern's window is followed by ± N, its tolerance: an event scores 1 inside the "
    "window, falling to 0 N steps outside it. model, null / baseline: mean score over the runs a pattern applies to, with a conservative "
    "Wilson 95% interval (overall and baselines: the mean weighted score, normal 95%). skill: model minus null, or minus "
    "the baseline on its row (a pattern: Newcombe 95%; overall and baselines: paired by seed, Student-t 95%). part of overall skill: the pattern's share of "
    "it, paired by seed (Student-t 95%; the parts add up to the overall skill). if matched: how much the overall skill "
    "would rise if every model run matched the pattern where it applies."
)
"""What the backtest table's numbers and intervals are (the report's backtest section says the same)."""


def print_comparison(comparison: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
    """This backtest against an earlier one (``backtest --compare``) over the seeds both scored: a table of three rows."""

    def named(sets: Mapping[str, Any]) -> Text:
        return Text(", ".join(f"{k}={v}" for k, v in sets.items()) or "no overrides")

    n = comparison["seeds"]
    t = cli.TextTable(title=f"Against {comparison['against']}: skill over the null on the {n} seeds both scored, paired by seed")
    t.add_column("", style="bold", no_wrap=True)
    t.add_column("skill [95% CI]", justify="right", no_wrap=True)
    t.add_column("parameters", ratio=1)
    t.add_row(Text("this backtest"), _skill(comparison["skill"], digits=3), named(overrides))
    t.add_row(Text("earlier"), _skill(comparison["against_skill"], digits=3), named(comparison.get("against_overrides") or {}))
    t.add_row(Text("change"), _skill(comparison["change"], digits=3), Text("this minus earlier, seed by seed (Student-t 95%)"))
    cli.print_table(t)
    by_pattern = comparison.get("by_pattern") or []
    if by_pattern:
        p = cli.TextTable(title="The change by pattern: each pattern's part of the skill, this minus earlier, seed by seed")
        p.add_column("pattern", style="bold", no_wrap=True)
        p.add_column("change [95% CI]", justify="right", no_wrap=True)
        for row in by_pattern:
            p.add_row(Text(row["id"]), _skill(row, digits=3))
        cli.print_table(p)


def print_record(record: Mapping[str, Any], model_skill: Mapping[str, Any]) -> None:
    """The record scored as a model (``backtest --record``): its skill over its own null, the model's share, per pattern."""
    t = cli.TextTable(title="The record itself: forcing-mode runs against a null model with the record's rates, on the same seeds")
    t.add_column("pattern", style="bold", no_wrap=True)
    t.add_column("record [95% CI]", justify="right", no_wrap=True)
    t.add_column("its null [95% CI]", justify="right", no_wrap=True)
    t.add_column("skill [95% CI]", justify="right", no_wrap=True)
    for row in record["patterns"]:
        t.add_row(
            Text(row["id"]),
            _ci(row["record"] if row["record"]["runs"] else None),
            _ci(row["null"] if row["null"]["runs"] else None),
            _skill(row["skill"]),
        )
    t.add_section()
    t.add_row(Text("overall"), _ci(record["score"], "mean"), _ci(record["null"], "mean"), _skill(record["skill"], digits=3))
    cli.print_table(t)
    share = record.get("model_share")
    said = "" if share is None or math.isnan(share) else f": {share:.0%} of the record's"
    cli.say(
        cli.out,
        f"The model's skill over its null, {_skill(model_skill, digits=3)}{said}. A pattern the record misses is one "
        "the engine does not produce even given the history.",
    )


def check_method_options(method: str, smc_only: Mapping[str, Any], rejection_only: Mapping[str, Any]) -> None:
    """Refuse an unknown ``--method``, or an option (given: not None) of the other method, saying which method takes it.

    >>> check_method_options("smc", {"--population": None}, {"--points": 5})
    Traceback (most recent call last):
    ...
    summitry.sim.errors.InputError: --points: applies to --method rejection only, not --method smc; add --method rejection to use it
    """
    if method not in ("rejection", "smc"):
        raise InputError(f"--method {method}: must be rejection or smc")
    other = "smc" if method == "rejection" else "rejection"
    wrong = [k for k, v in (smc_only if method == "rejection" else rejection_only).items() if v is not None]
    if wrong:
        raise InputError(f"{wrong[0]}: applies to --method {other} only, not --method {method}; add --method {other} to use it")


def check_executor(executor: str, address: str | None) -> None:
    """--executor is local, dask or serial; --address goes with dask only."""
    if executor not in ("local", "dask", "serial"):
        raise InputError(f"--executor {executor}: must be local, dask or serial")
    if address is not None and executor != "dask":
        raise InputError("--address needs --executor dask")


def warn_stray_parts(out: Path) -> None:
    """Before a sweep store is resumed: name each entry of its runs/ that is not one of summitry's parts (never read,
    left in place), so that runs the user expected to count are not silently left out."""
    for entry in sweep_parts(Path(out) / "runs")[1]:
        cli.say(
            cli.err,
            ("warning:", "yellow"),
            " ",
            f"{entry}: not a part summitry wrote (its parts are named part-NNNNNN.parquet); left as it is, and not read as runs",
        )


def interrupted(kept: str, again: str) -> NoReturn:
    """After Ctrl-C: say what is kept (``kept``: "finished batches are kept") and the command that continues; exit 130."""
    cli.say(cli.err, f"interrupted; {kept} — continue with:\n  {again}")
    raise typer.Exit(130) from None
