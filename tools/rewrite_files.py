"""What tools/namespace_imports.py and tools/module_moves.py share: the files they walk, and rewriting them in place.

Both rewrite the repository's text, file by file, with a function of the text; both then sort and format the Python
files they changed with ruff, and both have a ``--check`` that changes nothing and lists what is left to rewrite.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_DIRS = ("sim", "agents", "dashboard", "tests", "tools", "benchmarks")
"""The folders whose Python files both tools rewrite."""


def repo_files(text_files: Iterable[str], skip: Iterable[str] = (), root: Path = ROOT) -> list[Path]:
    """The Python files of :data:`PYTHON_DIRS`, then each of ``text_files`` (a folder: its Markdown files), in a stable order.

    ``skip`` names files (relative to ``root``) left out; so are the files in ``__pycache__``.
    """
    out: list[Path] = []
    for d in PYTHON_DIRS:
        out.extend(sorted((root / d).rglob("*.py")))
    for name in text_files:
        p = root / name
        out.extend(sorted(p.rglob("*.md")) if p.is_dir() else [p])
    left_out = {(root / name).resolve() for name in skip}
    return [p for p in out if p.is_file() and "__pycache__" not in p.parts and p.resolve() not in left_out]


def rewrite_files(paths: Iterable[Path], rewrite: Callable[[Path, str], str], *, check: bool, left: str, root: Path = ROOT) -> int:
    """Rewrite each file with ``rewrite(path, text)`` and print the name of each file that changed (relative to ``root``).

    With ``check``, nothing is written: the exit status is 1 when a file would change (``left`` is the message that
    follows the count on stderr) and 0 when none would. Without it, the Python files changed are sorted and formatted
    with ruff, as ``make lint`` wants them, and the status is 0.
    """
    changed = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = rewrite(path, text)
        if new != text:
            changed.append(path.relative_to(root).as_posix())
            if not check:
                path.write_text(new, encoding="utf-8")
    for name in changed:
        print(name)
    python = [name for name in changed if name.endswith(".py")]
    if python and not check:
        ruff = [sys.executable, "-m", "ruff"]
        subprocess.run([*ruff, "check", "-q", "--select", "I", "--fix", *python], cwd=root, check=True)
        subprocess.run([*ruff, "format", "-q", *python], cwd=root, check=True)
    if check and changed:
        print(f"{len(changed)} file(s) {left}", file=sys.stderr)
        return 1
    return 0
