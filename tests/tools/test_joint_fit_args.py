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


def test_the_outcome_rule_keeps_points_meeting_every_share_and_ranks_by_the_smaller_skill(joint_fit: ModuleType) -> None:
    df = pd.DataFrame(
        {
            "point": [0, 1, 2, 3, 4],
            "a.skill": [0.20, 0.30, 0.50, 0.25, 0.40],
            "b.skill": [0.10, 0.20, 0.40, 0.25, 0.05],
            "a.free": [0.5, 0.4, 0.1, 0.30, 0.9],
            "b.free": [0.5, 0.6, 0.9, 0.35, 0.9],
            "a.forcing": [1.0, 1.0, 1.0, 0.60, 1.0],
            "b.forcing": [1.0, 0.9, 1.0, 0.70, 0.59],
        }
    )
    ranked = joint_fit.rank_by_outcomes(df, ["a", "b"])
    # point 2 fails a's free share (0.1 < 0.3) and point 4 b's forcing share (0.59 < 0.6); shares at the bounds pass
    assert ranked["point"].tolist() == [3, 1, 0]
    assert ranked["min_skill"].tolist() == pytest.approx([0.25, 0.20, 0.10])


def test_pick_outcomes_needs_a_targets_fit(joint_fit: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fit = tmp_path / "fit.csv"
    pd.DataFrame({"point": [0], "kappa": [2.0], "teaching.model": [0.4], "score": [0.4]}).to_csv(fit, index=False)
    with pytest.raises(SystemExit) as exc:
        joint_fit.main(["teaching", "--rerun", str(fit), "--pick", "outcomes", "--seeds", "1", "--workers", "1", "--vary", "kappa=1:3"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"--pick outcomes: {fit} is not a targets fit of teaching" in err
