"""tools/module_moves.py: the layout of issue 13 (modules moved into sim/mechanisms, sim/engine, sim/cli, ...).

This file holds old module names on purpose (the rewrite's inputs): the tool skips it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.tools.tool_loader import load_tool

ROOT = Path(__file__).resolve().parents[2]


def _module_moves():
    return load_tool("module_moves")


def test_nothing_names_a_moved_module_by_its_old_path() -> None:
    # issue 13's layout: tools/module_moves.py --check lists the files that still use a module's old name or path
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "module_moves.py"), "--check"], capture_output=True, text=True, check=False)
    assert (r.returncode, r.stdout) == (0, ""), r.stdout + r.stderr


def test_module_moves_rewrites_each_form_once() -> None:
    mm = _module_moves()
    old = "\n".join(
        [
            "from summitry.sim import trust as tr",
            "    from summitry.sim import figures, sweep_figures, bargaining",
            "from summitry.sim.state import State",
            "from summitry.sim.state_updates import StateUpdates",
            'monkeypatch.setattr("summitry.sim.model.DiplomacyModel.step", f)',
            "import summitry.sim.sweep_figures as sf",
            "(:func:`~sim.patterns.score_run`, sim/cli.py, sim/cli_help.py)",
            'only_mutate = ["summitry/sim/summit.py"]  # make mutate MUTANTS="summitry.sim.trust.*"',
            "from summitry.sim.cli import err  # sim/report/page.py, summitry.sim.figures.network, summitry.sim.cli:main",
        ]
    )
    want = "\n".join(
        [
            "from summitry.sim.mechanisms import trust as tr",
            "    from summitry.sim import figures",
            "    from summitry.sim.figures import sweeps as sweep_figures",
            "    from summitry.sim.mechanisms import bargaining",
            "from summitry.sim.engine.state import State",
            "from summitry.sim.engine.state_updates import StateUpdates",
            'monkeypatch.setattr("summitry.sim.engine.model.DiplomacyModel.step", f)',
            "import summitry.sim.figures.sweeps as sf",
            "(:func:`~sim.analysis.patterns.score_run`, sim/cli/__init__.py, sim/cli/help_texts.py)",
            'only_mutate = ["summitry/sim/engine/summit.py"]  # make mutate MUTANTS="summitry.sim.mechanisms.trust.*"',
            "from summitry.sim.cli import err  # sim/report/page.py, summitry.sim.figures.network, summitry.sim.cli:main",
        ]
    )
    assert mm.rewrite(old) == want
    assert mm.rewrite(want) == want  # idempotent: run again after a merge, nothing changes


def test_every_moved_module_exists_at_its_new_name_and_not_at_its_old() -> None:
    mm = _module_moves()
    for old, new in mm.MOVES.items():
        assert (ROOT / "sim" / f"{new.replace('.', '/')}.py").is_file(), new
        assert not (ROOT / "sim" / f"{old}.py").exists(), old
