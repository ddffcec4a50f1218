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

import numpy as np
import pyarrow as pa
import pytest

from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import builtin_names, load_scenario

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
CASES = [
    (name, seed, mode)
    for name in (
        "singapore-2018",
        "hanoi-2019",
        "teaching",
        "reykjavik-1986",
        "agreed-framework-1994",
        "paris-1973",
        "dayton-1995",
        "kargil-1999",
    )
    for seed, mode in ((7, "free"), (1, "forcing"))
]


def table_digest(table: pa.Table) -> str:
    """Digest of a table's exact columns: names, text and integers (not of a file's bytes, so independent of the Parquet writer).

    Floating-point columns are left to :func:`float_fingerprint`: numpy's
    elementwise exp and log differ in the last bits between CPUs (their SIMD
    kernels are chosen at import, AVX-512 or AVX2), so a digest of floats
    pins the machine that wrote the file, not the model.
    """
    h = hashlib.sha256()
    for name in table.column_names:
        h.update(name.encode())
        if not pa.types.is_floating(table.schema.field(name).type):
            h.update(json.dumps(table[name].to_pylist(), default=str).encode())
    return h.hexdigest()


def float_fingerprint(table: pa.Table) -> dict[str, list[float]]:
    """For each floating-point column: [NaN count, sum, sum of squares, position-weighted sum], compared to 1e-9.

    A change in any value beyond rounding noise moves the sums; the
    position weights catch values that trade places.
    """
    out: dict[str, list[float]] = {}
    for name in table.column_names:
        if pa.types.is_floating(table.schema.field(name).type):
            x = np.asarray(table[name].to_numpy(zero_copy_only=False), dtype=float)
            ok = ~np.isnan(x)
            v = x[ok]
            w = (np.flatnonzero(ok) + 1.0) / max(x.size, 1)
            out[name] = [float((~ok).sum()), float(v.sum()), float((v * v).sum()), float((w * v).sum())]
    return out


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
        "events_floats": float_fingerprint(result.events),
        "series_floats": float_fingerprint(result.series),
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
    assert got["series_rows"] == want["series_rows"]
    for part in ("events_floats", "series_floats"):
        assert got[part].keys() == want[part].keys()
        for column, stats in want[part].items():
            assert got[part][column] == pytest.approx(stats, rel=1e-9, abs=1e-12), f"{part}: {column}"
