"""Runs the focused tests of :mod:`tests.test_mutants` on copies of the package, one forked child per copy.

Started once per test process (``python tests/mutant_server.py``), it imports the
heavy third-party libraries the engine and its tests use, then reads one request a
line on stdin: ``{"tree": DIR, "args": [pytest arguments]}``. For each it forks a
child that has never imported summitry, puts DIR first on ``sys.path`` (as
``PYTHONPATH=DIR`` does for a fresh interpreter), runs pytest there with its output
in ``DIR/focused.log``, and answers one line on stdout: ``{"returncode": N,
"imported": [files of summitry.sim and summitry.agents as the child imported
them]}``. A fresh interpreter per copy would pay those imports every time: about
half of each mutant's run.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import traceback

# third-party modules the engine and the focused tests import; summitry itself is never imported here
PRELOAD = (
    "numpy",
    "scipy.special",
    "scipy.stats",
    "scipy.sparse",
    "pandas",
    "networkx",
    "mesa",
    "pydantic",
    "yaml",
    "pyarrow",
    "pyarrow.parquet",
    "hypothesis",
    "hypothesis.strategies",
    "rich",
    "pytest",
)


def _child(tree: str, args: list[str]) -> int:
    os.chdir(tree)
    log = os.open(os.path.join(tree, "focused.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.path.insert(0, tree)
    importlib.invalidate_caches()
    import pytest

    code = int(pytest.main(args))
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def _imported(tree: str) -> list[str]:
    # which files the child's tests imported as summitry.sim and summitry.agents (both must lie in the copy)
    path = os.path.join(tree, "imported.json")
    try:
        with open(path) as f:
            return list(json.load(f))
    except (OSError, ValueError):
        return []


def serve() -> None:
    for name in PRELOAD:
        # preloading only saves time: a library missing here is imported by the child if a focused test needs it
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    if any(m == "summitry" or m.startswith("summitry.") for m in sys.modules):
        raise RuntimeError("the mutant server imported summitry: its children would test the installed package, not the copy")
    for line in sys.stdin:
        request = json.loads(line)
        tree, args = str(request["tree"]), [str(a) for a in request["args"]]
        pid = os.fork()
        if pid == 0:  # the child: it never returns to this loop
            code = 3
            try:
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                code = _child(tree, args)
                mods = [sys.modules.get("summitry.sim"), sys.modules.get("summitry.agents")]
                with open(os.path.join(tree, "imported.json"), "w") as f:
                    json.dump([getattr(m, "__file__", None) or "" for m in mods], f)
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        print(json.dumps({"returncode": code, "imported": _imported(tree)}), flush=True)


if __name__ == "__main__":
    serve()
