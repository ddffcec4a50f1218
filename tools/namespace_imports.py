"""Rewrite imports of the repository's packages to their installed names: ``sim`` -> ``summitry.sim`` (and ``agents``, ``dashboard``).

The repository keeps ``sim/``, ``agents/`` and ``dashboard/`` at the top level; the wheel installs them as
``summitry.sim``, ``summitry.agents`` and ``summitry.dashboard`` (``[tool.setuptools.package-dir]``), so that no
top-level ``sim``, ``agents`` or ``dashboard`` is installed. Every import names the installed module, absolutely.

What is rewritten, in the Python files of sim/, agents/, dashboard/, tests/, tools/ and benchmarks/, and in the
import snippets of the Markdown files (README.md, CONTRIBUTING.md, docs/):

- ``from sim.x import y`` -> ``from summitry.sim.x import y`` (also inside strings, e.g. a ``python -c`` program);
- ``import sim.x as y`` -> ``import summitry.sim.x as y``; ``import sim.x`` -> ``import summitry.sim.x``, and then, in
  that file, the dotted uses ``sim.x.name`` -> ``summitry.sim.x.name``;
- a string that is exactly a module path of the repository (``"sim.report"``, ``"sim.cli:main"``,
  ``"dashboard.callbacks.export.name"`` as ``monkeypatch.setattr`` takes it) -> the same with ``summitry.``;
- ``python -m sim.cli`` -> ``python -m summitry.sim.cli``; in Markdown, a module or its attribute in code quotes
  (```sim.report.write_run_report```) -> the same with ``summitry.``;
- ``resources.files("sim")`` -> ``resources.files("summitry.sim")``.

File paths (``sim/mechanisms/trust.py``) do not change: the folders stay where they are. The script is idempotent (a
rewritten name starts with ``summitry.``, which no pattern matches again), so it can be run again after merging
work written against the old names::

    python tools/namespace_imports.py          # rewrite in place, list the files changed
    python tools/namespace_imports.py --check  # exit 1 and list the files that still use the old names

A longer name can push an import past the line length: the Python files changed are then sorted and formatted with
ruff (``ruff check --select I --fix`` and ``ruff format``), as ``make lint`` wants them.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rewrite_files import ROOT, repo_files, rewrite_files

PACKAGES = ("sim", "agents", "dashboard")
NAMESPACE = "summitry"
MARKDOWN = ("README.md", "CONTRIBUTING.md", "docs")
# sub-packages mapped from elsewhere in the repository ([tool.setuptools.package-dir]): names a string may hold
MAPPED = {"sim.builtin_scenarios", "dashboard.docs"}

_PKG = "|".join(PACKAGES)
_DOTTED = r"(?:\.[A-Za-z_]\w*)*"
# `from sim.x import` anywhere (a line of code, or a program in a string); never after a dot or a word character
_FROM = re.compile(rf"(?<![\w.])from ({_PKG})({_DOTTED}) import\b")
# `import sim.x` at the start of a statement (a line, or after `;` or an opening quote in a `-c` program)
_IMPORT = re.compile(rf"(^[ \t]*|;\s*|[\"']\s*)import ({_PKG})({_DOTTED})\b(\s+as\s+\w+)?", re.M)
# `python -m sim.cli`, in a command line or an argument list
_DASH_M = re.compile(rf"(-m\s+|[\"']-m[\"'],\s*[\"'])({_PKG})({_DOTTED})\b")
# a package named to importlib.resources: `resources.files("sim")`
_RESOURCE = re.compile(rf"(\bfiles\(\s*)([\"'])({_PKG})\2")
# a string literal that is exactly a dotted name starting with one of the packages (optionally `:attribute`)
_STRING = re.compile(rf"([\"'])({_PKG})((?:\.[A-Za-z_]\w*)+)(:[A-Za-z_]\w*)?\1")


def _is_module(dotted: str) -> bool:
    """Whether ``dotted`` starts with a module or package of the repository (what follows may be an attribute)."""
    parts = dotted.split(".")
    for n in range(len(parts), 1, -1):
        name = ".".join(parts[:n])
        if name in MAPPED:
            return True
        path = ROOT.joinpath(*parts[:n])
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return True
    return False


def rewrite_python(text: str) -> str:
    """The source with every import of ``sim``/``agents``/``dashboard`` naming ``summitry.…`` instead."""
    text = _FROM.sub(lambda m: f"from {NAMESPACE}.{m[1]}{m[2]} import", text)
    bare: set[str] = set()

    def _import(m: re.Match[str]) -> str:
        if not m[4]:
            bare.add(m[2])
        return f"{m[1]}import {NAMESPACE}.{m[2]}{m[3]}{m[4] or ''}"

    text = _IMPORT.sub(_import, text)
    # a plain `import summitry.sim.x` (this run's or an earlier one's) binds `summitry`: dotted uses follow it
    bare.update(re.findall(rf"^\s*import {NAMESPACE}\.({_PKG})\b[\w.]*\s*$", text, re.M))
    if bare:
        use = re.compile(rf"(?<![\w.\"'/])({'|'.join(sorted(bare))})((?:\.[A-Za-z_]\w*)+)")
        text = use.sub(lambda m: f"{NAMESPACE}.{m[1]}{m[2]}" if _is_module(m[1] + m[2]) else m[0], text)
    text = _DASH_M.sub(lambda m: f"{m[1]}{NAMESPACE}.{m[2]}{m[3]}", text)
    text = _RESOURCE.sub(lambda m: f"{m[1]}{m[2]}{NAMESPACE}.{m[3]}{m[2]}", text)
    return _STRING.sub(lambda m: f"{m[1]}{NAMESPACE}.{m[2]}{m[3]}{m[4] or ''}{m[1]}" if _is_module(m[2] + m[3]) else m[0], text)


def rewrite_markdown(text: str) -> str:
    """Import snippets and ``python -m`` lines of a Markdown file (prose naming a file path is left alone)."""
    text = _FROM.sub(lambda m: f"from {NAMESPACE}.{m[1]}{m[2]} import", text)
    # a module or one of its names in code quotes: `sim.report.write_run_report(...)`
    text = re.sub(rf"`({_PKG})((?:\.[A-Za-z_]\w*)+)", lambda m: f"`{NAMESPACE}.{m[1]}{m[2]}" if _is_module(m[1] + m[2]) else m[0], text)
    text = re.sub(rf"(`|^\s*(?:>>> )?)import ({_PKG})({_DOTTED})\b", lambda m: f"{m[1]}import {NAMESPACE}.{m[2]}{m[3]}", text, flags=re.M)
    return _DASH_M.sub(lambda m: f"{m[1]}{NAMESPACE}.{m[2]}{m[3]}", text)


def files() -> list[Path]:
    """The files rewritten: the Python files of sim/, agents/, dashboard/, tests/, tools/ and benchmarks/ (not this
    script), then the Markdown files."""
    return repo_files(MARKDOWN, [Path(__file__).resolve().relative_to(ROOT).as_posix()])


def _rewrite(path: Path, text: str) -> str:
    return rewrite_markdown(text) if path.suffix == ".md" else rewrite_python(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any file still uses the old names")
    args = parser.parse_args(argv)
    return rewrite_files(files(), _rewrite, check=args.check, left="still import sim/agents/dashboard by their old names")


if __name__ == "__main__":
    sys.exit(main())
