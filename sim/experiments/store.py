"""The sweep store: a sweep's directory, written as the runs come back and resumed after a kill.

A sweep's directory holds ``sweep.json`` (the manifest: the spec, the whole scenario document, versions, counts)
and one Parquet part per batch of runs, ``runs/part-NNNNNN.parquet`` (and ``trajectories/part-NNNNNN.parquet`` when
the spec keeps trajectories). Every file is written to a temporary name and renamed into place, and a batch's runs
part is written after its trajectories: a runs part that exists is a complete batch. So a killed sweep resumes with
no run lost and none duplicated: :func:`done_batches` lists what is stored and :func:`open_store` clears the
half-written temporary files.

Running tasks into the store is :mod:`summitry.sim.experiments.sweep`; reading it for analysis is
:mod:`summitry.sim.analysis.sweeps`, which never writes.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from summitry.sim import outputs
from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError
from summitry.sim.outputs import check_out_dir, is_summitry_sweep_dir, is_sweep_part_temporary, sweep_part_name, sweep_parts
from summitry.sim.results.run_result import _jsonable, versions

if TYPE_CHECKING:
    from summitry.sim.experiments.spec import LoadedSpec


def part_name(batch: int) -> str:
    return sweep_part_name(batch)


def _stored_parts(out: Path) -> dict[int, Path]:
    """The runs parts stored in ``out``, by batch: files named exactly as summitry names them (others are never read)."""
    return sweep_parts(out / "runs")[0]


def done_batches(out: Path) -> set[int]:
    """Batches whose part file is complete (parts are renamed into place, never half-written)."""
    return set(_stored_parts(out))


def stray_entries(out: Path) -> list[Path]:
    """Entries of ``out``'s runs/ that are not summitry's parts (a ``part-000003-copy.parquet``): never read, never removed."""
    return sweep_parts(out / "runs")[1]


def _runs_text(ids: Sequence[int]) -> str:
    """
    >>> [_runs_text(ids) for ids in ([], [7], [4, 5, 6], [4, 9, 4])]
    ['no runs', 'run 7', 'runs 4 to 6', '3 runs with ids from 4 to 9']
    """
    if not ids:
        return "no runs"
    lo, hi = min(ids), max(ids)
    if len(ids) == 1:
        return f"run {lo}"
    if sorted(ids) == list(range(lo, hi + 1)):
        return f"runs {lo} to {hi}"
    return f"{len(ids)} runs with ids from {lo} to {hi}"


def check_stored_parts(out: Path, batch_runs: Sequence[Sequence[int]]) -> None:
    """With ``--resume``: refuse a store whose runs parts are not all this sweep's (InputError naming each; only reads).

    ``batch_runs`` holds the run ids of each of the sweep's batches. Part N must be readable (its footer, and the
    run_id and status columns the sweep reads to count its runs) and hold exactly batch N's runs: a part renamed
    into place is whole, but a disk fault or a cut-short copy can damage it afterwards, and a copy of another part
    (or of another sweep's) under a part's name would count its runs twice, or as runs they are not. Resuming
    would count such a batch as done.
    """
    held: dict[Path, list[int]] = {}
    problems = []
    for _, part in sorted(_stored_parts(out).items()):
        try:
            held[part] = [int(i) for i in pq.read_table(part, columns=["run_id", "status"])["run_id"].to_pylist()]
        except Exception as exc:  # pyarrow's own errors (ArrowInvalid, OSError...) for a damaged or foreign file
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].split(f"'{part}': ", 1)[-1]
            problems.append(f"{part}: cannot be read as a part of this sweep ({reason})")
    holders: dict[int, list[Path]] = {}
    for part, ids in held.items():
        for i in ids:
            holders.setdefault(i, []).append(part)
    for batch, part in sorted(_stored_parts(out).items()):
        if part not in held:
            continue
        ids = held[part]
        want = list(batch_runs[batch]) if batch < len(batch_runs) else []
        if sorted(ids) == want:
            continue
        if batch >= len(batch_runs):
            problem = f"this sweep has {len(batch_runs)} batches, so no part {batch}; it holds {_runs_text(ids)}"
        else:
            problem = f"not this sweep's part {batch}: it holds {_runs_text(ids)}, where part {batch} holds {_runs_text(want)}"
        twice = sorted({str(other) for i in ids for other in holders[i] if other != part})
        if twice:
            where = ", ".join(twice[:3]) + (f" and {len(twice) - 3} more" if len(twice) > 3 else "")
            problem += f"; {where} {'holds' if len(twice) == 1 else 'hold'} some of them too, which would be counted twice"
        elif len(set(ids)) < len(ids):
            problem += "; it holds some of them twice, which would be counted twice"
        problems.append(f"{part}: {problem}")
    if problems:
        one = len(problems) == 1
        raise InputError(
            [
                *problems,
                f"the sweep was not resumed and nothing was written; summitry leaves {'that file' if one else 'those files'} as "
                f"{'it is' if one else 'they are'}: move {'it' if one else 'them'} out of {out / 'runs'} and run the same command "
                f"again, which runs {'its batch' if one else 'their batches'} again",
            ]
        )


def write_manifest(out: Path, manifest: Mapping[str, Any]) -> None:
    # in the order written, not sorted: the spec's parameters and the scenario's sides are read in their order
    text = json.dumps(_jsonable(manifest), indent=2) + "\n"
    write_atomically(out / "sweep.json", lambda p: Path(p).write_text(text))


def check_resumable(out: Path) -> None:
    """With ``--resume``: refuse an ``out`` that holds no sweep to continue (missing, empty, or without sweep.json).

    Only looks; writes nothing. Without this a missing or empty directory was silently given a fresh sweep.
    Whether the sweep found there is this spec's is :func:`open_store`'s check.
    """
    outputs.check_resumable(out, "sweep.json", lacks="is not a sweep directory", starts="this sweep")


def open_store(out: Path, loaded: LoadedSpec, resume: bool, batch_runs: Sequence[Sequence[int]]) -> str | None:
    """Check that ``out`` is a new directory, or (with ``resume``) this very sweep's store; returns when the sweep started.

    ``batch_runs`` holds the run ids of each batch of the sweep, which a resumed store's parts must hold
    (:func:`check_stored_parts`). Makes the store's folders and removes a killed sweep's half-written parts, after
    every check: a refused resume (another spec, a damaged part, a part that is not this sweep's) writes nothing.
    """
    manifest_path = out / "sweep.json"
    if resume:
        check_resumable(out)
    check_out_dir(out, "--out", owned="sweep")
    skeleton = not resume and outputs.is_empty_sweep_skeleton(out)
    if manifest_path.exists():
        try:
            old = json.loads(manifest_path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{manifest_path}: cannot read ({exc}); not a sweep directory") from None
        if not is_summitry_sweep_dir(out):
            raise InputError(f"--out {out}: {manifest_path} was not written by summitry; choose a new directory")
        if not resume:
            raise InputError(f"{out}: already holds a sweep; use --resume to continue it, or choose another --out")
        if not _same_sweep(old, loaded):
            raise InputError(
                f"{out}: the spec (or its scenario) changed since this sweep started "
                f"(hash {str(old.get('spec_hash'))[:12]} vs {loaded.hash[:12]}); refusing to mix results — use a new --out"
            )
        started = old.get("started")
        check_stored_parts(out, batch_runs)
    else:
        if out.exists() and any(out.iterdir()) and not skeleton:
            raise InputError(f"--out {out}: exists and is not empty; choose a new --out")
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (out / "runs").mkdir(parents=True, exist_ok=True)
    if loaded.spec.trajectories.keep:
        (out / "trajectories").mkdir(exist_ok=True)
    # a killed sweep's half-written parts: only names of summitry's own shape (.part-NNNNNN.parquet.XXXXXXXX.tmp)
    for folder in (out / "runs", out / "trajectories"):
        for stale in list(folder.glob(".part-*.tmp")):
            if is_sweep_part_temporary(stale.name) and stale.is_file() and not stale.is_symlink():
                stale.unlink(missing_ok=True)
    return started


def _same_sweep(old: Mapping[str, Any], loaded: LoadedSpec) -> bool:
    """Whether the sweep.json ``old`` was started from ``loaded``'s spec and scenario.

    Sweeps started up to 7 December 2026 recorded a hash of sorted mappings, blind to the order of the
    spec's parameters and of the scenario's sides, which both change the runs; and their sweep.json was
    sorted too. Such a directory resumes when that hash matches and its parameters (recorded as a list)
    are in the order given now. The order of its sides was not recorded and cannot be checked.
    """
    recorded = old.get("spec_hash")
    if recorded == loaded.hash:
        return True
    return recorded == loaded.legacy_hash and list(old.get("parameters") or []) == list(loaded.paths)


def start_manifest(loaded: LoadedSpec, X: np.ndarray, total: int, started: str | None, executor: str) -> dict[str, Any]:
    """sweep.json as the sweep starts: the spec, the whole scenario document, versions; counts come at the end."""
    return {
        "spec": loaded.spec.model_dump(mode="json"),
        "spec_hash": loaded.hash,
        "spec_file": loaded.source,
        "scenario": loaded.scenario_data.get("name"),
        "scenario_source": loaded.scenario_source,
        # the whole scenario file the sweep ran (before each point's overrides), so its report needs no other file
        "scenario_document": json.loads(json.dumps(loaded.scenario_data, default=str)),
        "design": loaded.spec.design,
        "parameters": loaded.paths,
        "fixed": loaded.fixed,
        "metrics": loaded.metrics,
        "points": int(X.shape[0]),
        "versions": versions(),
        "started": started,
        "finished": None,
        "executor": executor,
        "counts": {"total": total, "done": None, "failed": None},
    }


def store_batch(out: Path, batch: int, table: pa.Table, traj: pa.Table | None) -> None:
    """Store a checked batch: its trajectories (if kept), then its runs part, whose presence marks the batch complete."""
    if traj is not None:
        write_atomically(out / "trajectories" / part_name(batch), functools.partial(_write_parquet, traj))
    write_atomically(out / "runs" / part_name(batch), functools.partial(_write_parquet, table))


def _write_parquet(table: pa.Table, path: str) -> None:
    pq.write_table(table, path, compression="zstd")


def count_rows(out: Path) -> dict[str, int]:
    """Rows and failed rows in a sweep's store, reading only the status column, one part at a time.

    Opening every part as one dataset held about 100 KiB a part until the
    process ended (420 MiB for the 4,000 parts of a 100,000-run sweep, measured
    with ``benchmarks/sweep_throughput.py --big``); part by part the memory
    stays flat, for about a millisecond a part.
    """
    done = failed = 0
    for _, part in sorted(_stored_parts(out).items()):
        status = pq.read_table(part, columns=["status"])["status"]
        done += len(status)
        failed += int(pc.sum(pc.equal(status, "failed")).as_py() or 0)
    return {"done": done, "failed": failed}
