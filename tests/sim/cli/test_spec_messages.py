"""A sweep spec's mistakes of shape are told in plain words naming the field, not in pydantic's ("input should be a valid
dictionary or instance of ParameterRange", "dictionary should have at least 1 item after validation")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("parameters:\n  kappa: 2.0\n", ":4: parameters.kappa: must be a range {low: 1, high: 3} or levels {levels: [1, 2, 3]} (got 2.0)"),
        ("parameters: {}\n", ":3: parameters: needs at least 1 entry (has 0)"),
        ("parameters:\n  kappa: {levels: []}\n", ":4: parameters.kappa.levels: needs at least 1 item (has 0)"),
        (
            "parameters:\n  kappa: {levels: [1]}\ntrajectories: 3\n",
            ":5: trajectories: must be a mapping, with keys such as keep, stride, variables (got 3)",
        ),
        ("parameters: [1]\n", ":3: parameters: must be a mapping of names to values (got [1])"),
    ],
)
def test_a_spec_of_the_wrong_shape_is_told_in_plain_words(body: str, message: str, tmp_path: Path, cli: Any) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("scenario: teaching\ndesign: grid\n" + body)
    r = cli("sweep", str(spec), "--executor", "serial", "--out", str(tmp_path / "out"))
    assert r.code == 2
    assert f"error: {spec}{message}" in " ".join(r.stderr.split())
    for pydantic in ("input should be", "instance of", "after validation", "dictionary"):
        assert pydantic not in r.stderr.lower()
