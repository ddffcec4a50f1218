"""tools/joint_fit.py's --vary: a local fit over named parameters, and what bad specs get (exit 2, one message)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def joint_fit(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # imported by name from tools/ (not from a file spec), so the fit's worker processes can unpickle its functions
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    return importlib.import_module("joint_fit")


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ("kapa=1:2", "kapa is not a model parameter"),
        ("kappa=one:2", "expected NAME=LO:HI with two numbers"),
        ("kappa=2", "expected NAME=LO:HI with two numbers"),
        ("kappa=3:1", "LO must be below HI"),
    ],
)
def test_a_bad_vary_spec_exits_2_with_its_reason(
    joint_fit: ModuleType, vary: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        joint_fit.main(["teaching", "--vary", vary, "--points", "1", "--seeds", "1", "--workers", "1"])
    assert exc.value.code == 2
    assert f"--vary {vary}: {message}" in capsys.readouterr().err


def test_vary_searches_only_the_named_parameters_inside_their_bounds(joint_fit: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "fit.csv"
    code = joint_fit.main(
        ["teaching", "--vary", "kappa=1:1.5", "--vary", "eta=0.2:0.4", "--points", "3", "--seeds", "1", "--workers", "1", "--out", str(out)]
    )
    assert code == 0
    df = pd.read_csv(out)
    assert {"kappa", "eta"} <= set(df.columns) and "lambda_q" not in df.columns  # the other RANGES entries are not searched
    design = df[df["point"] > 0]  # point 0 is the shipped defaults
    assert len(design) == 3
    assert design["kappa"].between(1.0, 1.5).all() and design["eta"].between(0.2, 0.4).all()
    assert len(set(design["kappa"].round(6))) == 3  # a Latin hypercube: one point per stratum
