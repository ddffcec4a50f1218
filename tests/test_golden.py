"""Golden files: seeded runs of each built-in scenario.

A change that alters a seeded run fails here; to accept it deliberately,
run ``UPDATE_GOLDEN=1 make unit`` and commit the new files with a note on
why the results changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pytest

from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import builtin_names, load_scenario

GOLDEN = Path(__file__).parent / "golden"
CASES = [
    (name, seed, mode)
    for name in ("singapore-2018", "hanoi-2019", "teaching", "reykjavik-1986")
    for seed, mode in ((7, "free"), (1, "forcing"))
]


def table_digest(table: pa.Table) -> str:
    """Digest of a table's values (not of a file's bytes, so independent of the Parquet writer)."""
    h = hashlib.sha256()
    for name in table.column_names:
        h.update(name.encode())
        h.update(json.dumps(table[name].to_pylist(), default=str).encode())
    return h.hexdigest()


def snapshot(name: str, seed: int, mode: str) -> dict:
    result = run_scenario(load_scenario(name), seed=seed, mode=mode)
    events = result.events.to_pylist()
    return {
        "scenario": name,
        "seed": seed,
        "mode": mode,
        "outcome": result.outcome,
        "metrics": result.manifest["metrics"],
        "events": [f"{e['step']:>3} {e['kind']} {e['sender']}->{e['receiver']}" for e in events],
        "events_digest": table_digest(result.events),
        "series_digest": table_digest(result.series),
        "series_rows": result.series.num_rows,
    }


def test_every_builtin_has_golden_cases() -> None:
    assert {c[0] for c in CASES} == set(builtin_names())


@pytest.mark.parametrize(("name", "seed", "mode"), CASES)
def test_seeded_run_matches_golden(name: str, seed: int, mode: str) -> None:
    path = GOLDEN / f"{name}-seed{seed}-{mode}.json"
    got = snapshot(name, seed, mode)
    if os.environ.get("UPDATE_GOLDEN"):
        # regenerated deliberately (UPDATE_GOLDEN=1), never silently: a missing file fails below
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    if not path.exists():
        pytest.fail(f"missing golden file {path} (regenerate deliberately with UPDATE_GOLDEN=1 and commit it)")
    want = json.loads(path.read_text())
    assert got["outcome"] == want["outcome"]
    assert got["events"] == want["events"]
    assert got["metrics"] == want["metrics"]
    assert got["events_digest"] == want["events_digest"]
    assert got["series_digest"] == want["series_digest"]
