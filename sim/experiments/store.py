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
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from summitry.sim import outputs
from summitry.sim.atomic import write_atomically
from summitry.sim.errors import InputError
from summitry.sim.outputs import check_out_dir, is_summitry_sweep_dir
from summitry.sim.results.run_result import _jsonable, versions

if TYPE_CHECKING:
    from summitry.sim.experiments.spec import LoadedSpec


def part_name(batch: int) -> str:
    return f"part-{batch:06d}.parquet"


def _stored_parts(out: Path) -> dict[int, Path]:
    """The runs parts stored in ``out``, by batch."""
    parts = {}
    for p in (out / "runs").glob("part-*.parquet"):
        try:
            parts[int(p.stem.split("-")[1])] = p
        except (IndexError, ValueError):
            continue
    return parts


def done_batches(out: Path) -> set[int]:
    """Batches whose part file is complete (parts are renamed into place, never half-written)."""
    return set(_stored_parts(out))


def check_parts_readable(out: Path) -> None:
    """With ``--resume``: refuse a store whose runs parts cannot all be read (InputError naming each; only reads).

    A part is renamed into place whole, but a disk fault, a cut-short copy or a user's edit can still damage it;
    resuming would count its batch as done and fail only when the stored runs are read at the end. Each part's
    footer and its run_id and status columns (what the sweep reads to count its runs) are read.
    """
    problems = []
    for _, part in sorted(_stored_parts(out).items()):
        try:
            pq.read_table(part, columns=["run_id", "status"])
        except Exception as exc:  # pyarrow's own errors (ArrowInvalid, OSError...) for a damaged or foreign file
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].split(f"'{part}': ", 1)[-1]
            problems.append(f"{part}: cannot be read as a part of this sweep ({reason})")
    if problems:
        raise InputError(
            [
                *problems,
                f"the sweep was not resumed and nothing was written; summitry does not remove files it cannot read: move "
                f"{'that part' if len(problems) == 1 else 'those parts'} out of {out / 'runs'} and run the same command again, "
                f"which runs {'its batch' if len(problems) == 1 else 'their batches'} again",
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


def open_store(out: Path, loaded: LoadedSpec, resume: bool) -> str | None:
    """Check that ``out`` is a new directory, or (with ``resume``) this very sweep's store; returns when the sweep started.

    Makes the store's folders and removes a killed sweep's half-written parts, after every check: a refused resume
    (another spec, a damaged part) writes nothing.
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
        check_parts_readable(out)
    else:
        if out.exists() and any(out.iterdir()) and not skeleton:
            raise InputError(f"--out {out}: exists and is not empty; choose a new --out")
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (out / "runs").mkdir(parents=True, exist_ok=True)
    if loaded.spec.trajectories.keep:
        (out / "trajectories").mkdir(exist_ok=True)
    # a killed sweep's half-written parts: only names of summitry's own shape (.part-NNNNNN.parquet.XXXXXXXX.tmp)
    for stale in list((out / "runs").glob(".part-*.parquet.*.tmp")) + list((out / "trajectories").glob(".part-*.parquet.*.tmp")):
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
    for part in sorted((out / "runs").glob("part-*.parquet")):
        status = pq.read_table(part, columns=["status"])["status"]
        done += len(status)
        failed += int(pc.sum(pc.equal(status, "failed")).as_py() or 0)
    return {"done": done, "failed": failed}
