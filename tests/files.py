"""Helpers for tests about what summitry writes, and what it must leave alone."""

from __future__ import annotations

from pathlib import Path


def tree_bytes(path: Path) -> dict[str, bytes | None]:
    """Every entry under ``path`` with its bytes (None for a directory), to compare before and after."""
    return {str(p.relative_to(path)): (None if p.is_dir() else p.read_bytes()) for p in sorted(path.rglob("*"))}
