"""Writing files all or nothing: a temporary sibling, renamed into place (ARCHITECTURE principle 6).

Every file summitry writes goes through :func:`write_atomically`; the run
directory (several files) is built in a temporary directory renamed the same
way (:func:`replace_dir_atomically`, used by a run's and a backtest's ``save``). Temporaries that a killed write left
behind are recognised by their shape and age and removed by the next write
of the same path (:func:`remove_stale_temporaries`); nothing else is touched.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from summitry.sim.errors import DiskFullError

STALE_AFTER_SECONDS = 60.0
"""A temporary sibling older than this is taken to be left by a killed write (a live write renews nothing, so
the age is the time since it started; no write of summitry's takes a minute between creating and renaming)."""
_TEMP_TAIL = re.compile(r"\.[A-Za-z0-9_]{8}\.(tmp|old)$")


def remove_stale_temporaries(path: Path, min_age: float = STALE_AFTER_SECONDS) -> list[Path]:
    """Remove the hidden ``.NAME.XXXXXXXX.tmp`` / ``.old`` siblings of ``path`` that summitry's own writes left behind.

    Only names of exactly that shape (``tempfile``'s eight random characters)
    are touched, and only once older than ``min_age`` seconds (a write in
    progress elsewhere keeps its file). Returns what was removed.
    """
    removed: list[Path] = []
    parent = path.parent
    prefix = f".{path.name}"
    try:
        candidates = [p for p in parent.iterdir() if p.name.startswith(prefix) and _TEMP_TAIL.fullmatch(p.name[len(prefix) :])]
    except OSError:
        return removed
    now = time.time()
    for stale in candidates:
        try:
            st = stale.lstat()
        except OSError:
            continue
        if now - st.st_mtime <= min_age:
            continue
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
        removed.append(stale)
    return removed


def write_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Write ``path`` through a temporary sibling renamed into place; a full disk becomes a :class:`DiskFullError`.

    ``write`` is given the temporary file's name and writes the whole content
    there; only then is it renamed over ``path`` (with the permissions a new
    file would get), so a reader never sees half a file. A failure removes
    the temporary file; stale temporaries of earlier killed writes of
    ``path`` are removed first.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomically(target, lambda tmp: Path(tmp).write_text("whole"))
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('whole', ['out.txt'])
    """
    path = Path(path)
    remove_stale_temporaries(path)
    try:
        _write_then_rename(path, write)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFullError(path) from exc
        raise


def _write_then_rename(path: Path, write: Callable[[str], object]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def replace_dir_atomically(directory: Path, fill: Callable[[Path], object]) -> None:
    """Build ``directory`` whole in a hidden temporary sibling, then rename it into place.

    ``fill`` writes the directory's content into the temporary directory it
    is given. An existing ``directory`` (the caller has checked that it may be
    replaced) is moved aside first and removed only once the new one is in
    place, so a crash at any moment leaves the old directory or the new one,
    never a mix; if the new one cannot be renamed into place the old one is
    put back. A full disk becomes a :class:`DiskFullError`.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out"
    >>> replace_dir_atomically(target, lambda tmp: (tmp / "a.txt").write_text("new"))
    >>> sorted(p.name for p in target.iterdir()), sorted(p.name for p in target.parent.iterdir())
    (['a.txt'], ['out'])
    """
    d = Path(directory)
    try:
        d.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(d)
        tmp = Path(tempfile.mkdtemp(prefix=f".{d.name}.", suffix=".tmp", dir=d.parent))
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFullError(d) from exc
        raise
    try:
        fill(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary directory
        old = None
        if os.path.lexists(d):
            old = Path(tempfile.mkdtemp(prefix=f".{d.name}.", suffix=".old", dir=d.parent))
            os.rmdir(old)
            os.replace(d, old)
        try:
            os.replace(tmp, d)
        except BaseException:
            if old is not None:
                os.replace(old, d)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise DiskFullError(d) from exc
        raise
