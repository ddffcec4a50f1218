"""The tests mirror the package: a test of sim/engine/ lives in tests/sim/engine/, and so on (CONTRIBUTING.md).

Only the tests of the product as a whole (mutation, reliability, the wheel,
cleaning up, this one) sit at the top of tests/.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHOLE_PRODUCT = {"test_cleanup.py", "test_layout.py", "test_mutants.py", "test_reliability.py", "test_wheel.py"}


def test_every_test_file_sits_where_its_package_does() -> None:
    tests = ROOT / "tests"
    misplaced = []
    for f in sorted(tests.rglob("test_*.py")):
        rel = f.relative_to(tests)
        if len(rel.parts) == 1:
            if rel.name not in WHOLE_PRODUCT:
                misplaced.append(f"{rel}: a test at the top of tests/ must be of the whole product")
            continue
        home = Path(*rel.parts[:-1])
        if home.parts[-1] == "browser":  # the dashboard's browser tests, beside the dashboard's
            home = Path(*home.parts[:-1])
        if not (ROOT / home).is_dir():
            misplaced.append(f"{rel}: no package folder {home}/ to mirror")
    assert not misplaced, "\n".join(misplaced)


def test_the_mirror_is_not_empty() -> None:
    """The rule above holds vacuously for an empty tree: the main folders each hold tests."""
    tests = ROOT / "tests"
    for home in ("agents", "sim/mechanisms", "sim/engine", "sim/scenario", "sim/experiments", "dashboard"):
        assert list((tests / home).glob("test_*.py")), home
