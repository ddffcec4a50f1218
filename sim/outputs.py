"""Where summitry may write: output paths checked before any work, and directories it owns.

Summitry never deletes or overwrites what it did not write. A directory
given to ``--out`` may be new, empty, or one of summitry's own (a run
directory with its ``run.json``, a sweep directory with its ``sweep.json``);
anything else is refused, whatever the flags. Paths are checked before
any run starts: not under a regular file, not in a read-only place, not too
long a name, not in ``/proc``, ``/sys`` or ``/dev``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from summitry.sim.errors import InputError

RUN_FIELDS = frozenset({"scenario", "scenario_hash", "seed", "mode", "steps", "outcome", "metrics", "versions"})
"""Fields every run.json summitry writes has (with ``versions.summitry``)."""
SWEEP_FIELDS = frozenset({"spec", "spec_hash", "design", "parameters", "versions", "counts"})
"""Fields every sweep.json summitry writes has (with ``versions.summitry``)."""
SPECIAL_ROOTS = ("/proc", "/sys", "/dev")
TEMP_SUFFIX_CHARS = 24
"""Room a temporary sibling name needs beyond the final name (a dot, a random part, ``.tmp``)."""
MANIFEST_MAX_BYTES = 64 * 1024 * 1024


NO_CWD = "the current directory no longer exists (it was removed or renamed); cd somewhere that does"
"""The message for work that needs the current directory after it was removed from under the shell."""


def cwd_exists() -> bool:
    """Whether the current directory still exists (``os.getcwd()`` fails once it has been removed)."""
    try:
        os.getcwd()
    except FileNotFoundError:
        return False
    return True


def needs_missing_cwd(path: str | Path) -> bool:
    """Whether ``path`` is relative while there is no current directory to take it from.

    >>> needs_missing_cwd("/tmp/out"), needs_missing_cwd("runs/a")  # here the current directory exists
    (False, False)
    """
    return not Path(path).is_absolute() and not cwd_exists()


def _manifest(path: Path) -> dict[str, Any] | None:
    try:
        if not path.is_file() or path.stat().st_size > MANIFEST_MAX_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _written_by_summitry(data: dict[str, Any] | None, fields: frozenset[str]) -> bool:
    if data is None or not fields <= data.keys():
        return False
    versions = data.get("versions")
    return isinstance(versions, dict) and "summitry" in versions


SCENARIO_FILE = "scenario.json"
"""The run directory's copy of the scenario document (after overrides), so that a run needs no other file."""
RUN_DIR_NAMES = frozenset(
    {"run.json", SCENARIO_FILE, "events.parquet", "series.parquet", "events.csv", "series.csv", "report.html", "report.pdf"}
)
"""What summitry puts in a run directory (``run --out``, ``run --report``, ``report --pdf``)."""


def is_summitry_run_dir(path: Path) -> bool:
    """True if ``path`` is a run directory summitry wrote (its run.json has summitry's fields) holding nothing else."""
    return path.is_dir() and _written_by_summitry(_manifest(path / "run.json"), RUN_FIELDS) and not foreign_entries(path)


BACKTEST_FIELDS = frozenset({"scenario", "scenario_hash", "runs", "seed", "patterns", "overall", "versions"})
"""Fields every backtest.json summitry writes has (with ``versions.summitry``)."""
BACKTEST_DIR_NAMES = frozenset({"backtest.json", "runs.parquet", "example-run"})
"""What summitry puts in a backtest directory."""


def is_summitry_backtest_dir(path: Path) -> bool:
    """True if ``path`` is a backtest directory summitry wrote (its backtest.json has summitry's fields) holding nothing else."""
    if not path.is_dir() or not _written_by_summitry(_manifest(path / "backtest.json"), BACKTEST_FIELDS):
        return False
    try:
        names = [e.name for e in os.scandir(path)]
    except OSError:
        return False
    return all(n in BACKTEST_DIR_NAMES for n in names)


RUN_TABLE_COLUMNS = {
    "events": frozenset({"step", "kind", "sender", "receiver"}),
    "series": frozenset({"step", "agent", "variable", "value"}),
}
"""Columns every events and series table of a run has: a file of that name without them is not summitry's."""


def _looks_like_ours(path: Path, name: str) -> bool:
    """Whether the entry ``name`` of a run directory is what summitry writes under that name, by its content.

    A name alone proves nothing: a user's own ``report.html`` or ``events.csv``
    (or a folder of that name) dropped into a run directory is not summitry's,
    and replacing the directory would delete it.
    """
    if path.is_symlink() or not path.is_file():
        return False
    try:
        if name == "run.json":
            return _written_by_summitry(_manifest(path), RUN_FIELDS)
        if name == SCENARIO_FILE:
            data = _manifest(path)
            return data is not None and "sides" in data
        if name in ("report.html", "report.pdf"):
            markers = REPORT_HTML_MARKERS if name == "report.html" else REPORT_PDF_MARKERS
            return _has_marker(path, markers)
        stem, suffix = name.rsplit(".", 1)
        if suffix == "csv":
            with path.open("rb") as fh:
                header = fh.readline(64 * 1024).decode("utf-8", "replace")
            names = {c.strip().strip('"') for c in header.strip().split(",")}
        else:
            import pyarrow.parquet as pq  # heavy (pyarrow): only when a run directory holding Parquet tables is replaced

            names = set(pq.read_schema(path).names)
        return RUN_TABLE_COLUMNS[stem] <= names
    except Exception:  # an unreadable or malformed file (pyarrow raises its own errors) is not known to be ours
        return False


def foreign_entries(path: Path) -> list[str]:
    """Names in a run directory that summitry did not write there: other names, and summitry's names on other content.

    Hidden temporaries of its own are excepted.
    """
    try:
        names = [e.name for e in os.scandir(path)]
    except OSError:
        return []
    return sorted(
        n
        for n in names
        if not (n.startswith(".report.") and n.endswith(".tmp")) and (n not in RUN_DIR_NAMES or not _looks_like_ours(path / n, n))
    )


def is_summitry_sweep_dir(path: Path) -> bool:
    """True if ``path`` is a sweep (or calibration) directory summitry wrote (its sweep.json has summitry's fields)."""
    return path.is_dir() and _written_by_summitry(_manifest(path / "sweep.json"), SWEEP_FIELDS)


SWEEP_STORE_FOLDERS = ("runs", "trajectories")

_PART = re.compile(r"part-([0-9]{6,})\.parquet")
_PART_TEMPORARY = re.compile(r"\.part-[0-9]{6,}\.parquet\.[A-Za-z0-9_]{8}\.tmp")


def sweep_part_name(batch: int) -> str:
    """The name of a batch's part in a sweep store's ``runs/`` (and ``trajectories/``)."""
    return f"part-{batch:06d}.parquet"


def sweep_part_batch(name: str) -> int | None:
    """The batch of a part named exactly as summitry names it (:func:`sweep_part_name`), else None.

    >>> [sweep_part_batch(n) for n in ("part-000003.parquet", "part-1234567.parquet")]
    [3, 1234567]
    >>> [sweep_part_batch(n) for n in ("part-000003-copy.parquet", "part-0000003.parquet", "part-3.parquet", "part-000003.parquet.bak")]
    [None, None, None, None]
    """
    m = _PART.fullmatch(name)
    if m is None or sweep_part_name(int(m[1])) != name:
        return None
    return int(m[1])


def is_sweep_part_temporary(name: str) -> bool:
    """Whether ``name`` is a part's hidden temporary as summitry writes it (``.part-NNNNNN.parquet.XXXXXXXX.tmp``).

    >>> [is_sweep_part_temporary(n) for n in (".part-000003.parquet.k2j_9xQa.tmp", ".part-mine.parquet.k2j_9xQa.tmp")]
    [True, False]
    """
    return _PART_TEMPORARY.fullmatch(name) is not None


def sweep_parts(folder: Path) -> tuple[dict[int, Path], list[Path]]:
    """A sweep store's folder (``runs/``): summitry's parts by batch, and the entries summitry did not write there.

    A part is a regular file named exactly as summitry names it (``part-NNNNNN.parquet``). Everything else but a
    part's hidden temporary is another's: ``part-000003-copy.parquet``, a folder, a link; it is never read as runs
    and never removed. A missing folder holds nothing.
    """
    parts: dict[int, Path] = {}
    others: list[Path] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return parts, others
    for entry in entries:
        batch = sweep_part_batch(entry.name)
        if batch is not None and entry.is_file(follow_symlinks=False):
            parts[batch] = folder / entry.name
        elif not (is_sweep_part_temporary(entry.name) and entry.is_file(follow_symlinks=False)):
            others.append(folder / entry.name)
    return parts, others


def is_empty_sweep_skeleton(path: Path) -> bool:
    """Whether ``path`` holds only a sweep store's folders, empty: what a sweep that failed before its sweep.json was
    written (a full disk) leaves. A new sweep may start there: nothing in it holds anything."""
    try:
        entries = list(path.iterdir()) if path.is_dir() else []
        return bool(entries) and all(
            e.name in SWEEP_STORE_FOLDERS and e.is_dir() and not e.is_symlink() and not any(e.iterdir()) for e in entries
        )
    except OSError:
        return False


def _is_empty_dir(path: Path) -> bool:
    try:
        with os.scandir(path) as it:
            return next(it, None) is None
    except OSError:
        return False


def check_output_path(path: Path, flag: str) -> None:
    """Refuse an output path that cannot be written, before any work is done (exit 2 with a message)."""
    p = Path(path)
    shown = f"{flag} {p}"
    if needs_missing_cwd(p):
        raise InputError(f"{shown}: a relative path, and {NO_CWD}, or give an absolute path")
    absolute = Path(os.path.abspath(p))
    resolved = absolute
    try:
        resolved = absolute.resolve()
    except (OSError, RuntimeError):
        pass
    for root in SPECIAL_ROOTS:
        for candidate in (absolute, resolved):
            if candidate == Path(root) or Path(root) in candidate.parents:
                raise InputError(f"{shown}: is inside {root}, a system directory; choose a directory of your own")
    try:
        name_max = os.pathconf(_nearest_existing(absolute), "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    for part in absolute.parts[1:]:
        if len(part.encode("utf-8", "surrogateescape")) + TEMP_SUFFIX_CHARS > name_max:
            raise InputError(
                f"{shown}: the name {part[:40]}... is {len(part)} characters; names here are limited to "
                f"{name_max - TEMP_SUFFIX_CHARS} (the file system allows {name_max}, and summitry needs room for a temporary name)"
            )
    if len(str(absolute).encode("utf-8", "surrogateescape")) + TEMP_SUFFIX_CHARS > 4096:
        raise InputError(f"{shown}: the path is too long ({len(str(absolute))} characters)")
    existing = _nearest_existing(absolute.parent)
    if not existing.is_dir():
        raise InputError(f"{shown}: {existing} is a file, not a directory")
    if not _writable(existing):
        raise InputError(f"{shown}: cannot write in {existing} (read-only or no permission)")


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path("/")


def _writable(directory: Path) -> bool:
    """Whether files can be created in ``directory`` (read-only mounts count as not writable, also for root)."""
    try:
        if os.statvfs(directory).f_flag & os.ST_RDONLY:
            return False
    except OSError:
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def unreplaceable_dir(path: Path) -> str | None:
    """Why ``path`` cannot be replaced whole by a renamed directory, or None if it can.

    A run directory is written whole and renamed into place (replacing an
    earlier one). That cannot be done to the current directory or one above it
    (``.``, ``..``, ``/``, or one by its full name): renaming ``.`` fails with
    EBUSY, and an ancestor would be moved from under the shell with everything
    else it holds. Nor to a path whose last part is ``..``, which names no
    entry of its own.

    >>> unreplaceable_dir(Path(".")), unreplaceable_dir(Path("runs/old/..")), unreplaceable_dir(Path("runs/new"))
    ('is the current directory or one above it', "ends in '..'", None)
    """
    p = Path(path)
    try:
        here, there = Path.cwd().resolve(), p.resolve()
        above = there == here or there in here.parents
    except (OSError, RuntimeError):  # no current directory (removed under the shell), a loop of symbolic links
        above = False
    if p.name == "" or above:
        return "is the current directory or one above it"
    if p.name == "..":
        return "ends in '..'"
    return None


CALIBRATION_RESUME = {"lacks": "holds no calibration to continue", "starts": "this calibration"}
"""check_resumable's words for a calibration's --out (calibrate, and the library's calibrate and calibrate_smc)."""


def unreadable(path: Path) -> str | None:
    """Why the directory ``path`` cannot be read ("permission denied"), or None when its entries can be listed and
    opened. Without this a directory the user may not read looked empty, or like one without summitry's files."""
    try:
        with os.scandir(path) as it:
            next(it, None)
        os.stat(os.path.join(path, "."))  # the right to open its entries, not only to list them
    except PermissionError:
        return "permission denied"
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def check_readable_dir(path: Path, shown: str) -> None:
    """Refuse (exit 2) a directory that cannot be read, naming it as ``shown`` ("--out DIR", "DIR")."""
    reason = unreadable(path) if os.path.isdir(path) else None
    if reason:
        raise InputError(f"{shown}: cannot read the directory ({reason})")


def check_resumable(out: Path, state: str, *, lacks: str, starts: str) -> None:
    """With ``--resume``: refuse an ``--out`` that holds nothing to continue: missing, empty, or without ``state``.

    ``state`` is what the command writes first (``sweep.json``, ``smc.json``; a trailing slash: a folder, which a file
    of that name is not), ``lacks`` what a directory without it is not ("is not a sweep directory"), ``starts`` what the
    command would start instead ("this sweep"). Only looks; writes nothing. Whether the state found is this command's
    (same spec, same settings) is the command's own check; an ``--out`` that is not a directory is check_out_dir's.
    """
    p = Path(out)
    check_readable_dir(p, f"--out {p}")
    if not os.path.lexists(p):
        reason = "does not exist"
    elif not p.is_dir():
        return
    elif _is_empty_dir(p):
        reason = "is empty"
    elif not os.path.lexists(os.path.join(p, state)):  # os.path.join keeps the trailing slash of a folder
        reason = f"has no {state}, so it {lacks}"
    else:
        return
    raise InputError(f"--out {p}: nothing to resume: the directory {reason}; to start {starts}, run the same command without --resume")


def check_fresh_or_resumed(out: Path, state: Path, holds: str, resume: bool) -> None:
    """--out is new (or empty), or it holds ``state`` and --resume continues it; ``holds`` names what it holds.

    --resume into an --out without ``state`` (missing, empty, the user's) is refused: it would start afresh; and
    a fresh start into a directory of the user's is refused: summitry would write (and clear) its own names there.
    """
    check_output_path(out, "--out")
    if resume:
        check_resumable(out, state.name, **CALIBRATION_RESUME)
    if not (resume and state.exists()):
        if state.exists():
            raise InputError(f"--out {out}: already holds {holds}; continue it with --resume, or choose another directory")
        check_out_dir(out, "--out", owned="none")


def check_out_dir(path: Path, flag: str, owned: str) -> None:
    """Check a directory output before any work: refuse one that summitry did not write.

    ``owned`` is ``"run"`` (a run directory may be replaced by a new run) or
    ``"sweep"`` (a sweep directory may be resumed), or ``"none"`` (only a
    new or empty directory; an existing output is the command's own affair),
    or ``"backtest"`` (as ``"none"``, and the directory is one that can be
    written whole and renamed into place).
    """
    p = Path(path)
    check_output_path(p, flag)
    reason = unreplaceable_dir(p) if owned in ("run", "backtest") else None
    if reason:
        # the run would fail at its last step, or replace the user's working tree
        kind = "backtest" if owned == "backtest" else "run"
        raise InputError(
            f"{flag} {p}: {reason}; a {kind} directory is written whole and renamed into place, so it cannot go there; "
            f"give a new directory, e.g. {flag} {kind}1"
        )
    if not os.path.lexists(p):
        return
    if not p.is_dir():
        raise InputError(f"{flag} {p}: exists and is not a directory")
    check_readable_dir(p, f"{flag} {p}")
    if not _writable(p):
        raise InputError(f"{flag} {p}: cannot write in {p} (read-only or no permission)")
    if _is_empty_dir(p) or (owned == "sweep" and is_empty_sweep_skeleton(p)):
        return
    if owned == "run" and is_summitry_run_dir(p):
        return
    if owned == "sweep" and is_summitry_sweep_dir(p):
        return
    if owned == "run" and _written_by_summitry(_manifest(p / "run.json"), RUN_FIELDS):
        extra = foreign_entries(p)
        shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        raise InputError(
            f"{flag} {p}: this run directory also holds files summitry did not write ({shown}); "
            "replacing it would delete them — move them, or choose a new directory"
        )
    other = _other_summitry_kind(p, owned)
    if other is not None:
        wanted = {"run": "a run directory", "sweep": "a sweep directory", "backtest": "a new directory"}.get(
            owned, "a new or empty directory"
        )
        raise InputError(f"{flag} {p}: this is summitry's {other} directory, and {flag} needs {wanted}; give a new directory")
    what = {"run": "a run directory of summitry's", "sweep": "a sweep directory of summitry's"}.get(owned, "empty")
    if owned in ("run", "sweep"):
        manifest = "run.json" if owned == "run" else "sweep.json"
        what += f" ({'its ' + manifest + ' was not written by summitry' if os.path.lexists(p / manifest) else 'no ' + manifest})"
    raise InputError(
        f"{flag} {p}: directory exists and is not {what}; summitry will not touch files it did not write; choose a new directory"
    )


def _other_summitry_kind(p: Path, owned: str | None) -> str | None:
    """ "run", "sweep" or "backtest" where ``p`` is summitry's directory of another kind than ``owned``; else None."""
    kinds = (("run", is_summitry_run_dir), ("sweep", is_summitry_sweep_dir), ("backtest", is_summitry_backtest_dir))
    return next((kind for kind, test in kinds if kind != owned and test(p)), None)


REPORT_HTML_MARKERS = (b'<meta name="generator" content="summitry',)
"""Every HTML report summitry writes carries this in its head."""
REPORT_PDF_MARKERS = tuple(
    form
    for kind in ("report", "run report", "sweep report", "backtest report")  # sim/templates: "{title} — summitry {kind}"
    for form in (
        f"summitry {kind}".encode(),
        f"summitry {kind}".encode("utf-16-be"),
        f"summitry {kind}".encode("utf-16-be").hex().upper().encode(),
        f"summitry {kind}".encode("utf-16-be").hex().encode(),
    )
)
"""A report's PDF has the report's title ("… — summitry run report") in its metadata, as text or UTF-16 (Skia writes
either). The whole suffix, not the word "summitry" alone: a PDF of the user's that merely mentions summitry is not ours."""


def _has_marker(path: Path, markers: tuple[bytes, ...], scan: int = 64 * 1024) -> bool:
    """Whether one of ``markers`` occurs in the first or the last ``scan`` bytes of the file (False if it cannot be read)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(scan)
            size = os.fstat(fh.fileno()).st_size
            fh.seek(max(0, size - scan))
            tail = fh.read(scan)
    except OSError:
        return False
    return any(m in head or m in tail for m in markers)


def check_out_file(
    path: Path,
    flag: str,
    markers: tuple[bytes, ...] = (),
    overwrite: bool = False,
    scan: int = 64 * 1024,
    *,
    kind: str,
    overwrite_flag: str | None = None,
) -> None:
    """Check a file output before any work: a directory, or an existing file that is not ``kind``, is refused.

    A file is ``kind`` (what the command writes, e.g. "a scenario written by
    `summitry generate`") when one of ``markers`` occurs in its first ``scan``
    bytes or its last ``scan`` bytes. The message offers ``overwrite_flag``
    only when the command has one: a file summitry wrote of another kind (a
    schema where a scenario goes) is refused as well, so the message says what
    the file is not, never that summitry did not write it.
    """
    p = Path(path)
    check_output_path(p, flag)
    if p.is_dir():
        raise InputError(f"{flag} {p}: is a directory; give a file name")
    if not os.path.lexists(p) or overwrite:
        return
    if not p.is_file():
        raise InputError(f"{flag} {p}: exists and is not a regular file")
    if markers and _has_marker(p, markers, scan):
        return
    remedy = f", or pass {overwrite_flag} to replace it" if overwrite_flag else ""
    raise InputError(
        f"{flag} {p}: the file exists and is not {kind}, so summitry will not replace it; choose another path, "
        f"or move or remove the file{remedy}"
    )


CHARTS_MARKER = ".summitry-charts"
"""Left in a --charts directory after an export, so that a later export may write there again."""


def check_charts_dir(path: Path, flag: str = "--charts") -> None:
    """A chart-export directory must be new, empty, or one summitry exported to before (its marker file)."""
    p = Path(path)
    check_output_path(p, flag)
    if not os.path.lexists(p):
        return
    if not p.is_dir():
        raise InputError(f"{flag} {p}: exists and is not a directory")
    if _is_empty_dir(p) or (p / CHARTS_MARKER).is_file():
        return
    raise InputError(
        f"{flag} {p}: directory exists and holds files summitry did not export there; charts could overwrite them — choose a new or empty directory"
    )
