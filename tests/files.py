"""Helpers for tests about what summitry writes, and what it must leave alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def tree_bytes(path: Path) -> dict[str, bytes | None]:
    """Every entry under ``path`` with its bytes (None for a directory), to compare before and after."""
    return {str(p.relative_to(path)): (None if p.is_dir() else p.read_bytes()) for p in sorted(path.rglob("*"))}


def write_spec(tmp_path: Path, **fields: Any) -> Path:
    """A small sweep spec of the teaching case (a 3 x 2 grid, 2 replicates: 12 runs in parts of 4), ``fields`` on top."""
    spec: dict[str, Any] = {
        "scenario": "teaching",
        "parameters": {"ada.traits.impulsiveness": {"low": 0.1, "high": 0.9}, "leak0": {"levels": [0.0, 0.3]}},
        "design": "grid",
        "points": 3,
        "replicates": 2,
        "seed": 11,
        "batch_size": 4,
    }
    spec.update(fields)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path
