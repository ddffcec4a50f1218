"""The ``summitry sweep`` command.

The sweep's modules are imported when the command runs, not with this module, so that ``summitry --help`` starts fast.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from summitry.sim import cli
from summitry.sim.cli.help_texts import Address, Executor, TlsCaFile, TlsCert, TlsKey, Workers, path_argument, path_option
from summitry.sim.cli.shared import check_executor, interrupted, warn_stray_parts
from summitry.sim.labels import METRIC_LABELS, outcome_label
from summitry.sim.outputs import check_out_dir, is_summitry_sweep_dir


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep_cmd)


def sweep_cmd(
    spec: Annotated[Path, path_argument(help="Sweep spec (YAML).")],
    out: Annotated[Path, path_option("--out", help="Sweep directory (sweep.json + Parquet dataset).")] = Path("sweeps/latest"),
    executor: Executor = "local",
    workers: Workers = None,
    address: Address = None,
    tls_ca_file: TlsCaFile = None,
    tls_cert: TlsCert = None,
    tls_key: TlsKey = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the sweep that stopped in --out; refuses if --out holds none or the spec changed.")
    ] = False,
) -> None:
    """Run a parameter sweep on all local cores or a Dask cluster, stored as resumable Parquet.

    With --address, use only a Dask scheduler you control: Dask's messages can carry pickles, so a
    hostile scheduler can run code in this process. Every row a worker sends back is checked before
    it is stored. Over a network you do not control, use tls:// with --tls-ca-file, --tls-cert and
    --tls-key (a Dask scheduler with TLS asks every client for its certificate).
    """
    from rich.progress import TextColumn, TimeElapsedColumn  # lazy: rich's progress display, ~5 ms of summitry --help

    from summitry.sim.experiments.executors import dask_security, make_executor  # lazy: multiprocessing; a fast --help
    from summitry.sim.experiments.spec import load_spec  # lazy: pandas, pyarrow; a fast --help
    from summitry.sim.experiments.store import check_resumable  # lazy: pyarrow; a fast --help
    from summitry.sim.experiments.sweep import run_sweep  # lazy: the engine (numpy, mesa); a fast --help

    check_executor(executor, address)
    if resume:
        check_resumable(out)
    check_out_dir(out, "--out", owned="sweep")
    security = dask_security(tls_ca_file, tls_cert, tls_key, address)
    loaded = load_spec(spec)
    if resume:
        warn_stray_parts(out)
    ex = make_executor(executor, workers, address, security)
    n_workers = getattr(ex, "workers", 1)
    cli.say(cli.err, f"sweep {spec} -> {out} ({executor}, {n_workers} worker{'s' if n_workers != 1 else ''})")
    start = [0.0, 0]
    # piped or redirected (a log file, nohup, CI): a plain line per tenth of the runs instead of a bar
    plain = not cli.err.is_terminal and os.environ.get("SUMMITRY_PROGRESS") != "1"
    lines = cli.plain_progress(cli.err) if plain else None
    with cli.progress_bar(
        "runs",
        extra=(TextColumn("{task.fields[rate]}"), TimeElapsedColumn()),
        tail="{task.fields[outcomes]}",
        disable=plain,
    ) as progress:
        task = progress.add_task("sweep", total=None, rate="", outcomes="")

        def update(done: int, total: int, outcomes: Counter[str], failed: int) -> None:
            if lines is not None:
                lines("runs", done, total)
            if not start[0]:
                start[0], start[1] = time.perf_counter(), done
            elapsed = time.perf_counter() - start[0]
            rate = (done - start[1]) / elapsed if elapsed > 0 else 0.0
            top = ", ".join(f"{outcome_label(k)} {v}" for k, v in outcomes.most_common(4))
            if failed:
                top += f", failed {failed}"
            progress.update(task, completed=done, total=total, rate=f"{rate:.1f} runs/s", outcomes=top)

        try:
            with ex:
                summary = run_sweep(loaded, out, ex, resume=resume, progress=update)
        except KeyboardInterrupt:
            again = cli.resume_command(
                "sweep",
                spec,
                out=out,
                executor=executor,
                workers=workers,
                address=address,
                tls_ca_file=tls_ca_file,
                tls_cert=tls_cert,
                tls_key=tls_key,
            )
            if not is_summitry_sweep_dir(out):
                # stopped before the sweep's directory was made: there is nothing to resume, and --resume would be refused
                interrupted("nothing was stored yet", again.removesuffix(" --resume"))
            interrupted("finished batches are kept", again)
    succeeded = print_sweep_summary(out, cli.out)
    cli.say(
        cli.err,
        f"{summary.done}/{summary.total} runs stored ({summary.failed} failed, {summary.skipped} from before) "
        f"in {summary.elapsed:.1f} s -> {out}/runs/",
    )
    if not succeeded:
        # the design was checked against its scenario's rules when the spec was loaded (sim/experiments/spec.py), so
        # runs that all fail are the engine's fault, not the input's: exit 1, as for any internal error
        raise typer.Exit(1)


def column_title(column: str, columns: list[str]) -> str:
    """A parameter column's short title: a model parameter's or an actor field's last name, a signal's path after ``signals.``.

    The whole path when the short title would name two columns.

    >>> cols = ["param.parameters.kappa", "param.signals.walk_away.effects.0.delta", "param.ada.traits.ego", "param.bo.traits.ego"]
    >>> [column_title(c, cols) for c in cols]
    ['kappa', 'walk_away.effects.0.delta', 'ada.traits.ego', 'bo.traits.ego']
    """

    def short(c: str) -> str:
        path = c.removeprefix("param.")
        if path.startswith("signals."):
            return path.removeprefix("signals.")
        return path.removeprefix("parameters.").split(".")[-1]

    title = short(column)
    if sum(short(c) == title for c in columns) > 1:
        return column.removeprefix("param.").removeprefix("parameters.")
    return title


def print_sweep_summary(out: Path, console: object) -> bool:
    """Outcome probabilities per design point (Wilson 95% CI) and sensitivity indices; False when no run succeeded.

    With no successful run there is nothing to tabulate: the errors the runs stored are printed instead, the
    commonest first.
    """
    from summitry.sim.analysis.sweeps import OUTCOMES, load_manifest, load_runs, outcome_table, point_parameters  # lazy: pandas

    manifest = load_manifest(out)
    runs = load_runs(out)
    if not (runs["status"] == "ok").any():
        errors = Counter(str(e).strip().splitlines()[-1] if str(e).strip() else "(no message)" for e in runs["error"])
        cli.print_error(f"none of the {len(runs)} runs succeeded; the errors they stored:")
        for message, n in errors.most_common(3):
            cli.say(cli.err, f"  {n} x {message}")
        if len(errors) > 3:
            cli.say(cli.err, f"  and {len(errors) - 3} other errors; every run's is in the error column of {out}/runs/")
        return False
    table = outcome_table(runs)
    params = point_parameters(runs)
    shown = [o for o in ("agreement", *OUTCOMES[2:]) if o in table.columns and table[o].fillna(0).any()]
    merged = table.merge(params, on="point")
    t = cli.TextTable(
        title=f"Outcome probabilities per design point, with 95% Wilson intervals ({len(merged)} points)", pad_edge=False, padding=(0, 1)
    )
    pcols = [c for c in merged.columns if c.startswith("param.")]
    t.add_column("point", justify="right")
    for c in pcols:
        t.add_column(column_title(c, pcols), justify="right")
    t.add_column("runs", justify="right")
    for o in shown:
        t.add_column(outcome_label(o), justify="right", no_wrap=True)
    limit = 25
    for _, row in merged.head(limit).iterrows():
        cells = [str(int(row["point"]))] + [f"{row[c]:.3g}" for c in pcols] + [str(int(row["runs"]))]
        cells += [f"{row[o]:.2f} [{row[o + '_low']:.2f}, {row[o + '_high']:.2f}]" for o in shown]  # as the backtest writes an interval
        t.add_row(*cells)
    if len(merged) > limit:
        t.caption = f"first {limit} of {len(merged)} points; all are in {out}/runs/"
    cli.print_table(t, console)  # type: ignore[arg-type]
    sens = manifest.get("sensitivity") or {}
    for metric in ("walk_away", "agreement", "summit_held", "escalation"):
        if metric not in sens:
            continue
        method = sens[metric]["method"]
        st = cli.TextTable(title=f"{method.capitalize()} indices of {METRIC_LABELS.get(metric, outcome_label(metric))}")
        st.add_column("parameter")
        keys = list(next(iter(sens[metric]["indices"].values())).keys())
        for k in keys:
            st.add_column(k, justify="right")
        for name, vals in sens[metric]["indices"].items():
            st.add_row(name, *[f"{vals[k]:.3f}" for k in keys])
        cli.print_table(st, console)  # type: ignore[arg-type]
    return True
