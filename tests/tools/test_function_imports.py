"""tools/function_imports.py: an import inside a function needs a comment on its line saying why (issue 13)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.tools.tool_loader import load_tool

ROOT = Path(__file__).resolve().parents[2]


def _checker():
    return load_tool("function_imports")


SNIPPET = textwrap.dedent(
    """
    from __future__ import annotations

    import os
    from typing import TYPE_CHECKING

    if TYPE_CHECKING:
        from collections.abc import Mapping


    def plain():
        import json
        return json


    def said():
        import plotly  # heavy: plotly only for the figure
        return plotly


    def above():
        # heavy: a comment on the line before does not count
        import pandas
        return pandas


    def wrapped():
        from summitry.sim.scenario.document import (  # lazy: numpy
            load_scenario,
        )
        from summitry.sim.run import (
            run_scenario,  # lazy: the engine
        )
        return load_scenario, run_scenario


    def text():
        s = "# not a comment"; import shlex
        return s, shlex


    class Holder:
        import re

        def method(self):
            import sqlite3
            return sqlite3

        def nested(self):
            def inner():
                from math import tau
                return tau

            return inner
    """
)


def test_lists_each_import_inside_a_function_without_a_comment_on_its_lines() -> None:
    found = _checker().uncommented(SNIPPET)
    lines = SNIPPET.splitlines()
    want = [
        (lines.index("    import json") + 1, "import json"),
        (lines.index("    import pandas") + 1, "import pandas"),
        (lines.index('    s = "# not a comment"; import shlex') + 1, 's = "# not a comment"; import shlex'),
        (lines.index("        import sqlite3") + 1, "import sqlite3"),
        (lines.index("            from math import tau") + 1, "from math import tau"),
    ]
    # not listed: module level (os, TYPE_CHECKING, the class body's re), a same-line comment (plotly), a comment on any
    # line of a wrapped import (load_scenario on its first line, run_scenario on a continuation line)
    assert found == want


def test_a_same_line_comment_is_enough() -> None:
    checker = _checker()
    bare = "def f():\n    import json\n    return json\n"
    assert checker.uncommented(bare) == [(2, "import json")]
    assert checker.uncommented(bare.replace("import json\n", "import json  # heavy: for the test\n")) == []


def test_the_command_fails_on_a_file_with_one_and_passes_without(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from pathlib import Path\n    return Path\n")
    good = tmp_path / "good.py"
    good.write_text("from pathlib import Path\n\n\ndef f():\n    return Path\n")
    tool = [sys.executable, str(ROOT / "tools" / "function_imports.py")]
    r = subprocess.run([*tool, str(bad), str(good)], capture_output=True, text=True, check=False)
    assert (r.returncode, r.stdout) == (1, f"{bad}:2: from pathlib import Path\n")
    assert "1 import(s) inside functions without a comment" in r.stderr
    r = subprocess.run([*tool, str(good)], capture_output=True, text=True, check=False)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = subprocess.run([*tool, str(tmp_path / "missing")], capture_output=True, text=True, check=False)
    assert r.returncode == 2 and "missing: no such file or directory" in r.stderr


@pytest.mark.parametrize("package", ["sim", "agents", "dashboard"])
def test_every_import_inside_a_function_of_the_packages_says_why(package: str) -> None:
    r = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "function_imports.py"), package], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (r.returncode, r.stdout) == (0, ""), r.stdout + r.stderr
