"""The ``summitry`` command (the README lists its subcommands).

Exit status: 0 success, 2 bad input (a message naming the file, the field
and the line; never a traceback), 1 internal error (with a traceback).

Each command imports the engine, reports or sweeps inside its own function,
when it runs: so that ``summitry --help``, ``scenarios`` and ``validate``
start without loading numpy, Mesa, plotly or pyarrow; each such import says
so in a ``# lazy:`` comment (tools/function_imports.py checks that every
import inside a function has one).

The layout of the package (a contract of ``make lint``): this module holds the
app, the consoles (``out``, ``err``), the helpers every command uses and the
core commands, and it wires the command modules (``register(app)``); the
command modules (sweep, report, backtest, calibrate, holdout) do not import
each other; what several of them share is in ``shared``, the help texts they
share in ``help_texts``, which imports no other module of the package.
"""

from __future__ import annotations

import errno
import importlib
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.style import Style
from rich.table import Column, Table
from rich.text import Text
from typer.core import TyperGroup

from summitry.sim.atomic import write_atomically
from summitry.sim.cli.help_texts import path_option
from summitry.sim.errors import DiskFullError, InputError
from summitry.sim.experiments.provenance import run_provenance
from summitry.sim.labels import unit_word
from summitry.sim.outputs import NO_CWD, check_out_dir, check_out_file, cwd_exists
from summitry.sim.scenario.overrides import accepted_range, other_scenario, parameter_map, parameter_table, read_params

try:  # the parameter classes of this Typer, whose help _flags_render_as_flags and _paths_render_as_path adjust
    from typer.core import TyperArgument, TyperOption
except ImportError:  # another Typer: its help is its own
    TyperArgument = TyperOption = None  # type: ignore[assignment,misc]

if TYPE_CHECKING:  # the engine is imported only by the commands that run it, so `summitry --help` starts fast
    from summitry.sim.results.run_result import RunResult


def _flags_render_as_flags() -> None:
    """Show on/off options as flags in --help: this Typer labels them ``<bool>``, as if they took a value."""
    if TyperOption is None:
        return
    original = getattr(TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_summitry_flags", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False) and not getattr(self, "count", False):
            return None
        return original(self, ctx)  # type: ignore[no-any-return]

    display_type_rich._summitry_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_render_as_flags()


def _paths_render_as_path() -> None:
    """Show a path argument (a sweep spec, report's directory) as ``<path>`` in --help, as the path options are
    (help_texts.path_option): this Typer labels it by its class, ``<Path>``; its metavar would rename the argument."""
    if TyperArgument is None:
        return
    original = getattr(TyperArgument, "display_type", None)
    if original is None or getattr(original, "_summitry_paths", False):
        return

    def display_type(self: Any, ctx: Any) -> Any:
        shown = original(self, ctx)
        return "<path>" if shown == "<Path>" else shown

    display_type._summitry_paths = True  # type: ignore[attr-defined]
    TyperArgument.display_type = display_type  # type: ignore[method-assign]


_paths_render_as_path()

_RANGE_ERRORS = ("less_than_equal", "less_than", "greater_than_equal", "greater_than")


def bad_value(exc: typer.BadParameter, argv: Sequence[str] | None = None) -> str:
    """A value Typer refused for an option or an argument, as one line in summitry's words: ``--steps: must be within
    [1, 100000] (got 200000)``, the option named as typed (Typer's own is a boxed panel under a usage line).

    A number out of range reads as a field's or ``--set``'s does; the other problems keep Typer's (or summitry's) words.
    """
    param = exc.param
    if param is None:
        name = ""
    elif getattr(param, "param_type_name", "") == "argument" or not getattr(param, "opts", None):
        name = str(param.name)
    else:
        name = as_typed(*param.secondary_opts, *param.opts, argv=argv)
    errors = getattr(exc.__cause__, "errors", None)
    found = errors(include_url=False) if callable(errors) else []  # pydantic's, when Typer converted the value with it
    problem = exc.message.rstrip(".")
    if found:
        kind, got = found[0]["type"], found[0].get("input")
        low, high = getattr(param, "min", None), getattr(param, "max", None)
        if kind in _RANGE_ERRORS and low is not None and high is not None:
            problem = f"must be within [{low}, {high}] (got {got})"
        elif kind in _RANGE_ERRORS:
            problem = f"must be {'>=' if kind.startswith('greater') else '<='} {low if low is not None else high} (got {got})"
        elif kind.startswith("int_"):
            problem = f"must be a whole number (got {got!r})" if got != "" else "the value is empty; give a whole number"
        elif kind.startswith(("float_", "finite_")):
            problem = f"must be a number (got {got!r})" if got != "" else "the value is empty; give a number"
        else:
            problem = f"{problem[:1].lower()}{problem[1:]} (got {got!r})"
    return f"{name}: {problem}" if name else problem


class _Commands(TyperGroup):
    """The command group: a value refused for any command's option or argument is an :class:`InputError` (one line,
    exit status 2), not Typer's boxed usage panel."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.BadParameter as exc:
            if type(exc).__name__ == "MissingParameter":  # nothing given: Typer's usage panel shows what the command takes
                raise
            raise InputError(bad_value(exc)) from None


app = typer.Typer(
    name="summitry",
    cls=_Commands,
    help="Agent-based simulator of summit diplomacy.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# what summitry prints carries names, titles, paths and values from the user's files and arguments: no console of
# summitry's reads a str as rich markup ("[/x]" would crash the print, "[red]" would vanish) or turns ":thumbs_up:" into
# an emoji; messages go through say(), tables are TextTables, and summitry's own styling is passed as styles
out = Console(markup=False, emoji=False)
err = Console(stderr=True, markup=False, emoji=False)
_debug = False
_argv: list[str] = []
"""The command line being run (``main``'s arguments), read by :func:`as_typed`."""
PIPED_WIDTH = 100_000
"""Width a table may take when output is not a terminal: every row whole on one line, nothing cut."""


def plain_progress(console: Any) -> Any:
    """progress(label, done, total) that prints a line per tenth of each stage (for output that is not a terminal)."""
    started: dict[str, float] = {}
    shown: dict[str, int] = {}

    def update(label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if label not in started:
            started[label] = now
            shown[label] = -1
            say(console, f"{label}: started, {total} to do")
        tenth = 10 * done // total if total > 0 else 10
        if tenth <= shown[label] or (done < total and tenth == 0):
            return
        shown[label] = tenth
        elapsed = now - started[label]
        eta = f", about {elapsed * (total - done) / done:.0f} s left" if 0 < done < total else ""
        say(console, f"{label}: {done}/{total} ({100 * done // max(total, 1)}%) after {elapsed:.0f} s{eta}")

    return update


def progress_bar(
    label: str = "{task.description}",
    extra: Sequence[Any] = (),
    tail: str | None = None,
    console: Console | None = None,
    disable: bool = False,
    transient: bool = False,
) -> Any:
    """A rich progress bar that keeps done/total and the ETA in 80 columns.

    Those come first, right after the label; the bar takes the width that is
    left; ``extra`` columns (rate, elapsed) follow, and the free text ``tail``
    (a field template such as ``"{task.fields[outcomes]}"``) comes last and is
    the one cut short when the line is too long. Both show their text as
    written, never as markup (a task's description holds the scenario's name).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn  # lazy: ~5 ms of --help

    columns: list[Any] = [
        TextColumn(label, style="bold", markup=False),
        MofNCompleteColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        BarColumn(bar_width=None, table_column=Column(ratio=1, min_width=6, max_width=40)),
        *extra,
    ]
    if tail:
        columns.append(TextColumn(tail, markup=False, table_column=Column(ratio=3, no_wrap=True, overflow="ellipsis", min_width=0)))
    return Progress(*columns, console=console or err, disable=disable, transient=transient, expand=True)


def resume_command(command: str, *arguments: Any, **options: Any) -> str:
    """The full command line that continues an interrupted job: its arguments and every option given, then --resume.

    Options whose value is None or False are left out, True ones are written as flags, lists repeat the option.

    >>> resume_command("sweep", "my spec.yaml", out="sweeps/a", executor="local", workers=None, address=None)
    "summitry sweep 'my spec.yaml' --out sweeps/a --executor local --resume"
    >>> resume_command("calibrate", "hanoi-2019", method="rejection", parameters=["parameters.kappa=1:8", "parameters.eta=0:2"], accept=0.05)
    'summitry calibrate hanoi-2019 --method rejection --parameters parameters.kappa=1:8 --parameters parameters.eta=0:2 --accept 0.05 --resume'
    """
    words = ["summitry", command, *(str(a) for a in arguments)]
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            words.append(flag)
        elif isinstance(value, list | tuple):
            for v in value:
                words += [flag, str(v)]
        else:
            words += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    words.append("--resume")
    return " ".join(shlex.quote(w) for w in words)


def say(console: Console, *parts: str | Text | tuple[str, str]) -> None:
    """Print one message: each str of ``parts`` exactly as written, a ``(text, style)`` pair styled.

    Every message of summitry's goes through here. Messages quote names,
    titles, paths and values the user wrote; printed as rich Text, none is read
    as markup or as an emoji code, whatever the console. Soft-wrapped: a long
    path stays on one line, to be copied whole.

    >>> say(Console(width=20), ("ok", "green"), " run [/x] :thumbs_up: ", Text("a/b/c/d/e/f/g/h/i/j/k/l"))
    ok run [/x] :thumbs_up: a/b/c/d/e/f/g/h/i/j/k/l
    """
    console.print(Text.assemble(*parts), soft_wrap=True)


def as_typed(*declarations: str, argv: Sequence[str] | None = None) -> str:
    """The spelling of an option (``-o`` or ``--output``) the command line used, the last if both; the last declaration if none.

    Messages name an option as the user typed it; Click keeps the value, not the spelling.

    >>> as_typed("-o", "--output", argv=["report", "run1", "-o", "mine"]), as_typed("-o", "--output", argv=["schema", "--output=s.json"])
    ('-o', '--output')
    >>> as_typed("-o", "--output", argv=["report", "run1", "-omine"]), as_typed("-o", "--output", argv=["report", "run1"])
    ('-o', '--output')
    """
    words = list(_argv if argv is None else argv)
    if "--" in words:
        words = words[: words.index("--")]
    for word in reversed(words):
        for d in declarations:
            if word == d or word.startswith(d + "=") or (not d.startswith("--") and not word.startswith("--") and word.startswith(d)):
                return d
    return declarations[-1]


def print_error(message: str) -> None:
    """``error: MESSAGE`` on stderr, the message as written."""
    say(err, ("error:", "bold red"), " ", message)


def _as_text(value: Any, style: str | Style = "") -> Any:
    """A str as plain Text (in ``style``); anything else as it is."""
    return Text(value, style=style) if isinstance(value, str) else value


class TextTable(Table):
    """A rich Table that shows every str as written: its cells, headers, title and caption are plain text.

    Cells hold scenario names, actor ids, parameter paths and directories: in
    a plain Table a str is read as markup (``[/x]`` crashes the print,
    ``[red]`` vanishes) and ``:thumbs_up:`` as an emoji. Styles still apply,
    given as styles (``add_column(..., style="bold")``).
    """

    def add_column(self, header: RenderableType = "", footer: RenderableType = "", **options: Any) -> None:
        super().add_column(_as_text(header), _as_text(footer), **options)

    def add_row(self, *renderables: RenderableType | None, style: str | Style | None = None, end_section: bool = False) -> None:
        super().add_row(*(_as_text(r) for r in renderables), style=style, end_section=end_section)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # title and caption may be set after the table is made (a caption once the rows are known); a Text is shown
        # without the table's title style, so the style goes into it
        self.title = _as_text(self.title, Style.pick_first(self.title_style, "table.title"))
        self.caption = _as_text(self.caption, Style.pick_first(self.caption_style, "table.caption"))
        yield from super().__rich_console__(console, options)


def print_table(table: Table, console: Console | None = None) -> None:
    """Print a table without cutting what it shows.

    In a terminal the columns wrap to its width, ids and paths folded across
    lines rather than cut with an ellipsis; piped or redirected, each row is
    printed whole on one line (the table takes the width its content needs).
    """
    c = console if console is not None else out
    for col in table.columns:
        if col.overflow in ("ellipsis", "crop"):
            col.overflow = "fold"
        if c.is_terminal:
            col.no_wrap = False
    if c.is_terminal:
        c.print(table)
        return
    width = c.width
    c.width = PIPED_WIDTH  # print(width=...) is capped at the console's own width
    try:
        c.print(table, crop=False)
    finally:
        c.width = width


def _version() -> str:
    try:
        return metadata.version("summitry")
    except metadata.PackageNotFoundError:
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        say(out, f"summitry {_version()}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Print summitry's version and exit.", callback=_show_version, is_eager=True)
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback for internal errors such as a full disk.")] = False,
) -> None:
    """Agent-based simulator of summit diplomacy."""
    global _debug
    _debug = debug


def _parse_sets(values: list[str] | None) -> dict[str, str]:
    sets: dict[str, str] = {}
    for item in values or []:
        if "=" not in item:
            raise InputError(f"--set {item}: expected PATH=VALUE (e.g. --set parameters.kappa=3)")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key:
            raise InputError(f"--set {item}: empty PATH")
        sets[key] = value.strip()
    return sets


def scenario_from_args(scenario: str, params: Path | None, set_: list[str] | None) -> tuple[Any, dict[str, Any]]:
    """The scenario a command runs: a parameter file's values, then ``--set`` on top; with the overrides used."""
    from summitry.sim.scenario.document import load_scenario  # lazy: numpy and the scenario model; a fast --help

    sets: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if params is not None:
        got = read_params(params)
        file_scenario, origins = got.scenario, dict(got.origins)
        if file_scenario is not None and file_scenario != scenario and Path(scenario).stem != file_scenario:
            raise InputError(other_scenario(got, scenario))
        sets.update(got.values)
    from_set = _parse_sets(set_)
    sets.update(from_set)
    for key in from_set:
        origins.pop(key, None)
    return load_scenario(scenario, sets, origins), sets


@app.command("scenarios")
def scenarios_cmd() -> None:
    """List the built-in scenarios: every command that takes a scenario takes their names (a directory of the same name,
    such as a run's --out, does not hide one)."""
    from summitry.sim.scenario.document import builtin_names, load_scenario  # lazy: numpy and the scenario model; a fast --help

    table = TextTable(title="Built-in scenarios", show_lines=False)
    table.add_column("name", style="bold")
    table.add_column("steps", justify="right")
    table.add_column("description")
    for name in builtin_names():
        sc = load_scenario(name)
        first = sc.description.strip().split(". ")[0].rstrip(".") + "."
        table.add_row(name, str(sc.time.steps), first)
    print_table(table)


@app.command("validate")
def validate_cmd(
    files: Annotated[list[str] | None, typer.Argument(help="Scenario files (or built-in names); one or more.", show_default=False)] = None,
) -> None:
    """Exit 0 if every file is a valid scenario, 2 with messages if not."""
    from summitry.sim.scenario.document import load_scenario  # lazy: numpy and the scenario model; a fast --help

    if not files:  # optional to Typer, whose 'Missing argument' box said neither what nor where to find one
        raise InputError("validate needs one or more scenario files or built-in names (`summitry scenarios` lists the built-in ones)")
    bad = 0
    for f in files:
        try:
            sc = load_scenario(f)
        except InputError as exc:
            bad += 1
            for line in exc.messages:
                print_error(line)
        else:
            say(
                out,
                ("ok", "green"),
                f" {f}: {sc.title} ({len(sc.actor_ids())} actors, {sc.time.steps} step{'' if sc.time.steps == 1 else 's'})",
            )
    if bad:
        raise typer.Exit(2)


@app.command("schema")
def schema_cmd(
    output: Annotated[
        Path | None, path_option("-o", "--output", help="Write to this file instead of stdout; a missing folder is created.")
    ] = None,
) -> None:
    """Print (or write) the JSON Schema of scenario files."""
    from summitry.sim.scenario.document import schema_text  # lazy: numpy and the scenario model; a fast --help

    if output is not None:
        check_out_file(output, as_typed("-o", "--output"), (b'"title": "summitry scenario"',), kind="a schema written by `summitry schema`")
    text = schema_text()
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)  # check_out_file has checked that its nearest existing ancestor is writable
        write_atomically(output, lambda p: Path(p).write_text(text))
        say(err, f"wrote {output}")


@app.command("params")
def params_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in name or path.")],
    grep: Annotated[str | None, typer.Option(help="Only paths containing this text.")] = None,
) -> None:
    """List every parameter path of a scenario: its value, what --set accepts, and the typical range sweeps explore."""
    from summitry.sim.mechanisms.clock import per_step_notes  # lazy: numpy; a fast --help
    from summitry.sim.scenario.document import load_scenario  # lazy: numpy and the scenario model; a fast --help

    sc = load_scenario(scenario)
    pmap = parameter_map(sc)
    clock = sc.time.clock
    notes = {f"parameters.{name}": note for name, note in per_step_notes(sc.parameters, clock).items()}
    caption = "accepted: what --set and sweeps accept; typical: the default sweep range"
    if not clock.weekly:
        caption += f"; rates and durations are stated per week and converted to this scenario's step (a {clock.unit}) at load"
    table = TextTable(title=f"Parameters of {sc.name}", caption=caption)
    for col in ("path", "value", "accepted", "typical", "meaning"):
        table.add_column(col)
    for p in parameter_table(sc):
        if grep and grep not in p.path:
            continue
        value = "default" if p.value != p.value else f"{p.value:g}"
        meaning = f"{p.description} ({notes[p.path]})" if p.path in notes else p.description
        table.add_row(p.path, value, accepted_range(pmap[p.path][1]), f"[{p.low:g}, {p.high:g}]", meaning)
    print_table(table)


MAX_STEPS = 100_000
"""Most steps ``run --steps`` takes: the most a scenario file's ``time.steps`` may say (sim/scenario/document.py)."""
PROGRESS_STEPS = 200
"""Steps from which ``run`` shows its progress (a bar in a terminal, a line per tenth when piped)."""


@app.command("run")
def run_cmd(
    scenario: Annotated[
        str,
        typer.Argument(help="Built-in name (see `summitry scenarios`) or a path; a directory named like a built-in does not hide it."),
    ],
    seed: Annotated[int, typer.Option(help="Seed of the run's random stream.", min=0)] = 0,
    steps: Annotated[
        int | None,
        typer.Option(
            help="Steps to run, in the scenario's unit (default: the scenario's horizon); at most 100,000, as in a scenario file.",
            min=1,
            max=MAX_STEPS,
        ),
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: PATH=VALUE (repeatable).")] = None,
    params: Annotated[
        Path | None, path_option("--params", help="Parameter file (e.g. a calibration's calibrated.yaml); --set wins.")
    ] = None,
    mode: Annotated[str | None, typer.Option(help="free (agents choose) or forcing (inject the record).")] = None,
    out_dir: Annotated[
        Path | None,
        path_option("--out", help="Write the run directory here (new, empty, or an earlier run directory of summitry's)."),
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", hidden=True, help="No longer offered (refused with a reason).")] = False,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    series_stride: Annotated[int, typer.Option("--series-stride", help="Keep every K-th step of the series.", min=1)] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the outcome.")] = False,
    report: Annotated[bool, typer.Option("--report", help="Also write report.html into the run directory (needs --out).")] = False,
) -> None:
    """Run one scenario and print a summary; with --out, write run.json, scenario.json, events and series."""
    from summitry.sim.run import run_scenario  # lazy: the engine (numpy, mesa, pyarrow); a fast --help

    if mode not in (None, "free", "forcing"):
        raise InputError(f"--mode {mode}: must be 'free' or 'forcing'")
    if fmt not in ("parquet", "csv"):
        raise InputError(f"--format {fmt}: must be 'parquet' or 'csv'")
    if report and out_dir is None:
        raise InputError("--report needs --out DIR (the report is written into the run directory)")
    if overwrite:
        # it let --out replace a directory of the user's, deleting files summitry never wrote
        raise InputError(
            "--overwrite: no longer offered: summitry does not delete files it did not write. --out takes a new or empty "
            "directory, or replaces a run directory of summitry's; move your files out, or choose a new directory"
        )
    if out_dir is not None:
        check_out_dir(out_dir, "--out", owned="run")
    sc, sets = scenario_from_args(scenario, params, set_)
    calendar = sc.time.past_calendar(steps) if steps is not None else None
    if calendar is not None:
        raise InputError(f"--steps {steps}: {calendar} ({sc.name} starts on {sc.time.start})")
    total = steps or sc.time.steps
    shown = not quiet and total >= PROGRESS_STEPS
    # piped or redirected, a rich bar shows nothing (but a blank line): a line per tenth instead, as backtest and sweep
    lines = plain_progress(err) if shown and not err.is_terminal and os.environ.get("SUMMITRY_PROGRESS") != "1" else None
    label = f"{sc.name} seed {seed}, {unit_word(sc.time.clock.unit, plural=True)}"
    bar = progress_bar("{task.description}: " + unit_word(sc.time.clock.unit), transient=True, disable=not shown or lines is not None)
    with bar as progress:
        task = progress.add_task(f"{sc.name} seed {seed}", total=total)

        def step_done(done: int, _total: int) -> None:
            if lines is not None:
                lines(label, done, total)
            else:
                progress.update(task, completed=done)

        result = run_scenario(sc, seed=seed, steps=steps, mode=mode, series_stride=series_stride, overrides=sets, progress=step_done)
    if params is not None:
        fitted = run_provenance(params, _parse_sets(set_))
        if fitted is not None:  # the file came from a calibration: the run and its report say so ("fitted")
            result.manifest["calibration"] = fitted
    if out_dir is not None:
        result.save(out_dir, fmt=fmt)
    if quiet:
        say(out, result.outcome)
    else:
        print_summary(result)
    if out_dir is not None:
        say(err, f"wrote {out_dir}/ (run.json, scenario.json, events.{fmt}, series.{fmt})")
    if report and out_dir is not None:
        from summitry.sim.report import write_run_report  # lazy: plotly, jinja2, pandas; a fast --help

        path = write_run_report(out_dir, out_dir / "report.html")
        say(err, f"wrote {path}")


@app.command("generate")
def generate_cmd(
    agents: Annotated[int, typer.Option(help="Number of actors (leaders, factions, third parties).", min=10, max=1_000_000)] = 1000,
    edges: Annotated[
        int,
        typer.Option(
            help="Influence edges, counting each faction's two edges with its leader (never fewer than those), "
            "plus two leader-to-mediator edges.",
            min=0,
            max=20_000_000,
        ),
    ] = 10_000,
    sides: Annotated[int, typer.Option(help="Number of sides.", min=2, max=50)] = 2,
    seed: Annotated[int, typer.Option(help="Seed of the generator.", min=0)] = 1,
    graph: Annotated[str, typer.Option(help="scale-free or small-world.")] = "scale-free",
    steps: Annotated[int, typer.Option(help="Horizon in weeks.", min=1, max=100_000)] = 100,
    output: Annotated[Path, path_option("-o", "--output", help="Scenario file to write; a missing folder is created.")] = Path(
        "synthetic.yaml"
    ),
) -> None:
    """Write a valid synthetic scenario of any size (for scale tests and benchmarks)."""
    from summitry.sim.scenario.document import validate_data  # lazy: numpy and the scenario model; a fast --help
    from summitry.sim.scenario.generate import dump, generate  # lazy: numpy; a fast --help

    if graph not in ("scale-free", "small-world"):
        raise InputError(f"--graph {graph}: must be scale-free or small-world")
    check_out_file(
        output, as_typed("-o", "--output"), (b"Generated with summitry generate",), kind="a scenario written by `summitry generate`"
    )
    try:
        data = generate(agents, edges, sides, seed, graph=graph, steps=steps)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InputError(f"generate: {exc}") from None
    sc = validate_data(data, str(output))
    text = dump(data)
    output.parent.mkdir(parents=True, exist_ok=True)  # as for schema -o
    write_atomically(output, lambda p: Path(p).write_text(text))
    n_edges = len(sc.influence) + 2 * sum(len(s.factions) for s in sc.sides.values())
    say(err, f"wrote {output}: {len(sc.actor_ids())} actors, {n_edges} edges, {len(sc.sides)} sides ({len(text) / 2**20:.1f} MiB)")


MAX_KEY_EVENTS = 80
"""Most key events the printed summary lists (the rest are counted)."""


def print_summary(result: RunResult) -> None:
    """A readable summary: outcome, key events by step (in the run's unit), final trust and pressure.

    The key events are those the run report's narrative counts significant (:func:`summitry.sim.report.narrative.is_significant`)
    and those of :data:`summitry.sim.results.summary.KEY_KINDS`, every one, in log order.
    """
    from summitry.sim.report.narrative import is_significant  # lazy: the report package (jinja2, pyarrow); a fast --help
    from summitry.sim.results.summary import KEY_KINDS, end_state, outcome_sentence  # lazy: numpy, pyarrow; a fast --help

    m = result.manifest
    # a line that wraps, not a rule: a rule cuts its title to the terminal's width (and the mode with it)
    say(out, (str(m["title"]), "bold"), f" — seed {m['seed']}, {m['mode']} mode")
    out.rule()
    say(out, ("Outcome:", "bold"), " ", outcome_sentence(result))
    table = TextTable(title="Key events", show_header=True)
    table.add_column(unit_word(m.get("step_unit")), justify="right")
    table.add_column("date")
    table.add_column("event")
    # every event the report's narrative counts as significant (a summit or outcome event, a shock, or a move of trust,
    # stances or pressure above its threshold), and the kinds the summary always lists, all of them, in log order: so
    # that a first step's trust that differs from the scenario's is explained here, as in the report
    rows = [row for row in result.events.to_pylist() if row["kind"] in KEY_KINDS or is_significant(row)]
    # a long run (a mediated negotiation of weeks on a daily clock) can hold hundreds: the first ones, and how many more
    for row in rows[:MAX_KEY_EVENTS]:
        table.add_row(str(row["step"]), row["date"], row["text"])
    print_table(table)
    if len(rows) > MAX_KEY_EVENTS:
        more = len(rows) - MAX_KEY_EVENTS
        say(
            out,
            f"... and {more} more key event{'s' if more != 1 else ''}: every event is in the run's events table (--out) and report (--report)",
        )
    unit = m.get("step_unit")
    last = m["metrics"]["steps_run"] - 1
    t2 = TextTable(title="The state, first and last")
    t2.add_column("quantity")
    t2.add_column(f"{unit_word(unit)} 0", justify="right")
    t2.add_column(f"{unit_word(unit)} {last}", justify="right")
    t2.add_column("what it measures")
    for row in end_state(result):
        shown = "-" if row["first"] is None else f"{row['first']:.2f}"
        t2.add_row(row["quantity"], shown, f"{row['last']:.2f}", row["meaning"])
    t2.caption = f"Each value as recorded at the end of its {unit_word(unit)}, after that {unit_word(unit)}'s moves."
    print_table(t2)


def _register_optional_commands() -> None:
    """Commands that live with their feature: each module has ``register(app)``."""
    for module in (
        "summitry.sim.cli.sweep",
        "summitry.sim.cli.report",
        "summitry.dashboard.cli",
        "summitry.sim.cli.backtest",
        "summitry.sim.cli.calibrate",
        "summitry.sim.cli.holdout",
        "summitry.sim.cli.explain",
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        mod.register(app)


_register_optional_commands()


def _exit_on_sigterm() -> None:
    """SIGTERM raises SystemExit (status 143), so ``finally`` blocks and context managers clean up (temp files, profiles)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:

        def _terminate(_signum: int, _frame: Any) -> None:
            sys.exit(143)

        signal.signal(signal.SIGTERM, _terminate)


def main(argv: list[str] | None = None) -> None:
    """Entry point: 0 success, 2 bad input (message only), 1 internal error (traceback).

    Click's standalone mode turns usage errors into exit 2 and ``typer.Exit``
    into its code; summitry's own input errors are caught here.
    """
    global _debug
    _debug = False
    _argv[:] = sys.argv[1:] if argv is None else argv
    _exit_on_sigterm()
    try:
        app(args=argv, standalone_mode=True)
    except InputError as exc:
        for line in exc.messages:
            print_error(line)
        sys.exit(2)
    except (DiskFullError, OSError) as exc:
        code = 1
        if isinstance(exc, DiskFullError):
            message = str(exc)
        elif exc.errno == errno.ENOSPC:
            message = f"no space left on device while writing {exc.filename or 'an output file'}"
        elif isinstance(exc, FileNotFoundError) and exc.filename is None and not cwd_exists():
            # os.getcwd() failed somewhere (a library's, or starting worker processes): the directory the command was
            # started in has been removed; not a fault of summitry's, and nothing the user gave names it
            message, code = NO_CWD, 2
        else:
            raise
        if _debug:
            raise
        print_error(message)
        sys.exit(code)


if __name__ == "__main__":
    main()
