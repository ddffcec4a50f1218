"""Rewrite references to the modules that moved into sub-packages of sim/ (issue 13): ``summitry.sim.summit`` -> ``summitry.sim.engine.summit``.

The layout commit moved about thirty top-level modules of sim/ into packages that show the architecture
(sim/mechanisms/, sim/engine/, sim/cli/, sim/analysis/, and a few into sim/figures/, sim/report/ and sim/results/);
CONTRIBUTING.md, "The layout", says what each holds. ``MOVES`` below is the whole list, old name -> new name.

What is rewritten, in the Python files of sim/, agents/, dashboard/, tests/, tools/ and benchmarks/, in the Markdown
files (README.md, CONTRIBUTING.md, docs/), in pyproject.toml, the Makefile and .ci/run:

- a dotted name, in code or in a string (imports, ``monkeypatch.setattr("summitry.sim.model.x", ...)``, mutant-name
  globs, the mypy overrides): ``summitry.sim.summit`` -> ``summitry.sim.engine.summit``; also the short form of old
  docstrings (``~sim.patterns.score_run`` -> ``~sim.analysis.patterns.score_run``);
- ``from summitry.sim import trust as tr`` -> ``from summitry.sim.mechanisms import trust as tr`` (a module whose
  name changed keeps its old name as the alias: ``from summitry.sim.figures import sweeps as sweep_figures``);
- a file path: ``sim/summit.py`` -> ``sim/engine/summit.py``, ``summitry/sim/trust.py`` ->
  ``summitry/sim/mechanisms/trust.py`` (the mutmut settings), ``sim/cli.py`` -> ``sim/cli/__init__.py``.

The command ``summitry`` is still ``summitry.sim.cli:main``: sim/cli.py became the package's ``__init__.py``, so the
name ``summitry.sim.cli`` (and every ``summitry.sim.cli.<name>``) does not change.

The script is idempotent (no new name matches an old one), so it can be run on a branch again after merging::

    python tools/module_moves.py          # rewrite in place, list the files changed
    python tools/module_moves.py --check  # change nothing; exit 1 and list the files that still use old names

The Python files changed are then sorted and formatted with ruff (``ruff check --select I --fix`` and ``ruff
format``), as ``make lint`` wants them. Recorded measurements (benchmarks/results.md and .json) keep the names they
were measured under and are not rewritten.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rewrite_files import repo_files, rewrite_files

# old module under summitry.sim -> new module under summitry.sim
MOVES: dict[str, str] = {
    # the mechanisms: pure functions and the catalogues they read, below the scenario and the engine
    "trust": "mechanisms.trust",
    "influence": "mechanisms.influence",
    "pressure": "mechanisms.pressure",
    "bargaining": "mechanisms.bargaining",
    "limits": "mechanisms.limits",
    "effects": "mechanisms.effects",
    "signals": "mechanisms.signals",
    "roles": "mechanisms.roles",
    "parameters": "mechanisms.parameters",
    "clock": "mechanisms.clock",
    # the engine: the model, its state and the parts of its step
    "model": "engine.model",
    "state": "engine.state",
    "state_updates": "engine.state_updates",
    "delivery": "engine.delivery",
    "summit": "engine.summit",
    "outbox": "engine.outbox",
    "recorder": "engine.recorder",
    "eventlog": "engine.eventlog",
    "event_rows": "engine.event_rows",
    "batch": "engine.batch",
    # the command line (sim/cli.py is sim/cli/__init__.py: its name does not change)
    "cli_help": "cli.help_texts",
    "backtest_cli": "cli.backtest",
    "calibrate_cli": "cli.calibrate",
    "holdout_cli": "cli.holdout",
    "report_cli": "cli.report",
    "sweep_cli": "cli.sweep",
    # reading stored results only
    "sweep_analysis": "analysis.sweeps",
    "survival": "analysis.survival",
    "patterns": "analysis.patterns",
    # data -> figure, beside the other figures; a report section beside the other reports; a view of a result
    "sweep_figures": "figures.sweeps",
    "survival_figure": "figures.survival",
    "backtest_report": "report.backtest",
    "runview": "results.runview",
}
# file paths whose new form is not the module name's (a module became a package's __init__.py)
PATH_MOVES: dict[str, str] = {"cli": "cli/__init__"}

# files that hold old names on purpose: this script, and its test (the rewrite's inputs)
SKIP = ("tools/module_moves.py", "tests/tools/test_module_moves.py")
TEXT_FILES = ("README.md", "CONTRIBUTING.md", "docs", "pyproject.toml", "Makefile", ".ci/run")

_OLD = "|".join(sorted(MOVES, key=len, reverse=True))
# summitry.sim.<old> (a word boundary after it: `state` is not `state_updates`)
_DOTTED = re.compile(rf"(?<![\w.])summitry\.sim\.({_OLD})\b")
# the short form older docstrings use: ~sim.<old>
_SHORT = re.compile(rf"(?<![\w./])sim\.({_OLD})\b(?!\.py)")
# from summitry.sim import a as b, c  (one line)
_FROM_PACKAGE = re.compile(r"^([ \t]*)from summitry\.sim import ([\w ,]+?)[ \t]*$", re.M)
_PATH_OLD = "|".join(sorted({**MOVES, **PATH_MOVES}, key=len, reverse=True))
_PATH = re.compile(rf"(?<![\w./-])((?:summitry/)?sim/)({_PATH_OLD})\.py\b")


def _from_package(m: re.Match[str]) -> str:
    """``from summitry.sim import x as y, z``: each moved module on its own line, from its new package."""
    indent, names = m[1], [n.strip() for n in m[2].split(",") if n.strip()]
    kept: list[str] = []
    lines: list[str] = []
    for item in names:
        name, _, alias = (part.strip() for part in item.partition(" as "))
        if name not in MOVES:
            kept.append(item)
            continue
        package, _, base = MOVES[name].rpartition(".")
        alias = alias or (name if base != name else "")
        lines.append(f"{indent}from summitry.sim.{package} import {base}" + (f" as {alias}" if alias else ""))
    if kept:
        lines.insert(0, f"{indent}from summitry.sim import {', '.join(kept)}")
    return "\n".join(lines)


def rewrite(text: str) -> str:
    """``text`` with every old module name and path replaced by the new one."""
    text = _FROM_PACKAGE.sub(_from_package, text)
    text = _DOTTED.sub(lambda m: f"summitry.sim.{MOVES[m[1]]}", text)
    text = _SHORT.sub(lambda m: f"sim.{MOVES[m[1]]}", text)
    return _PATH.sub(lambda m: f"{m[1]}{PATH_MOVES.get(m[2], MOVES.get(m[2], '').replace('.', '/'))}.py", text)


def files() -> list[Path]:
    """The files rewritten: the Python files of sim/, agents/, dashboard/, tests/, tools/ and benchmarks/, then the text files."""
    return repo_files(TEXT_FILES, SKIP)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any file still uses an old name")
    args = parser.parse_args(argv)
    left = "still name modules by their old paths (tools/module_moves.py rewrites them)"
    return rewrite_files(files(), lambda _path, text: rewrite(text), check=args.check, left=left)


if __name__ == "__main__":
    sys.exit(main())
