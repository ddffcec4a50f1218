"""`summitry backtest --compare DIR`: the change of skill against an earlier backtest, paired by seed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from summitry.sim.errors import RunDirError
from summitry.sim.experiments.compare import EarlierBacktest, compare, load_earlier, seed_skill
from summitry.sim.report.backtest import backtest_section
from summitry.sim.scenario.document import load_scenario
from tests.conftest import run_cli


def _runs(model: dict[int, float], null: dict[int, float]) -> pd.DataFrame:
    rows = [{"seed": s, "model": "model", "score": v} for s, v in model.items()]
    rows += [{"seed": s, "model": "null", "score": v} for s, v in null.items()]
    rows += [{"seed": s, "model": "quiet", "score": 0.0} for s in model]  # baselines do not enter a seed's skill
    return pd.DataFrame(rows)


def test_the_change_is_the_mean_paired_difference_of_per_seed_skills_with_a_student_t_interval() -> None:
    # earlier: skills 0.1, 0.1, 0.1, 0.1, and seed 9 (which this backtest did not run)
    earlier = EarlierBacktest(
        Path("earlier"),
        {"overall": {"skill": {"value": 0.1, "low": 0.05, "high": 0.15}}, "overrides": {"parameters.kappa": 3.0}},
        _runs({1: 0.5, 2: 0.5, 3: 0.5, 4: 0.5, 9: 0.9}, {1: 0.4, 2: 0.4, 3: 0.4, 4: 0.4, 9: 0.1}),
    )
    # now: skills 0.2, 0.3, 0.4, 0.5 on seeds 1-4; seed 5 has no null run and drops out
    now = _runs({1: 0.6, 2: 0.7, 3: 0.8, 4: 0.9, 5: 1.0}, {1: 0.4, 2: 0.4, 3: 0.4, 4: 0.4})
    assert seed_skill(now)["seed"].tolist() == [1, 2, 3, 4]
    out = compare(now, earlier)
    # differences 0.1, 0.2, 0.3, 0.4: mean 0.25, sd 0.12910, t(0.975, 3) = 3.18245 -> half-width 0.205426
    assert out["change"]["runs"] == 4
    assert out["change"]["value"] == pytest.approx(0.25)
    assert out["change"]["low"] == pytest.approx(0.25 - 0.205426, abs=1e-6)
    assert out["change"]["high"] == pytest.approx(0.25 + 0.205426, abs=1e-6)
    assert out["against_skill"] == {"value": 0.1, "low": 0.05, "high": 0.15}
    assert out["against_overrides"] == {"parameters.kappa": 3.0} and out["against"] == "earlier"


def test_fewer_than_two_common_seeds_is_refused() -> None:
    earlier = EarlierBacktest(Path("e"), {}, _runs({1: 0.5, 2: 0.5}, {1: 0.4, 2: 0.4}))
    with pytest.raises(RunDirError, match=r"--compare e: 1 seed\(s\) in common"):
        compare(_runs({2: 0.6, 3: 0.6}, {2: 0.4, 3: 0.4}), earlier)


def test_compare_end_to_end_pairs_the_two_directories_by_seed(tmp_path: Path, cli) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli("backtest", "singapore-2018", "--runs", "6", "--seed", "5", "--workers", "1", "--out", str(a)).code == 0
    r = cli(
        "backtest", "singapore-2018", "--runs", "8", "--seed", "5", "--workers", "1", "--set", "parameters.lambda_q=4",
        "--compare", str(a), "--out", str(b),
    )  # fmt: skip
    assert r.code == 0, r.stderr
    assert f"Against {a}" in r.stdout and "mean over the 6 seeds both scored" in r.stdout
    summary = json.loads((b / "backtest.json").read_text())
    got = summary["comparison"]
    assert got["against"] == str(a) and got["against_overrides"] == {}
    assert got["against_skill"]["value"] == pytest.approx(json.loads((a / "backtest.json").read_text())["overall"]["skill"]["value"])

    def skills(d: Path) -> pd.Series:
        runs = pd.read_parquet(d / "runs.parquet")
        m = runs[runs["model"] == "model"].set_index("seed")["score"]
        n = runs[runs["model"] == "null"].set_index("seed")["score"]
        return (m - n.reindex(m.index)).dropna()

    diff = (skills(b) - skills(a)).dropna()
    assert len(diff) == got["change"]["runs"] == 6  # the first 6 seeds of --seed 5 are the same whatever --runs is
    assert got["change"]["value"] == pytest.approx(diff.mean())
    assert got["change"]["low"] < got["change"]["value"] < got["change"]["high"]
    # the report of the directory shows the comparison beside the baselines
    assert backtest_section(b)["comparison"] == got and "comparison" not in backtest_section(a)
    html = tmp_path / "b.html"
    assert cli("report", str(b), "-o", str(html)).code == 0
    text = html.read_text()
    assert 'id="comparison"' in text and f"against the earlier backtest {a}" in text
    assert f'{got["change"]["value"]:+.2f} <span class="muted">[{got["change"]["low"]:+.2f}, {got["change"]["high"]:+.2f}]' in text
    # a backtest that is compared with itself changes by exactly 0, with an interval of width 0
    same = compare(pd.read_parquet(a / "runs.parquet"), load_earlier(a, load_scenario("singapore-2018"), 5))["change"]
    assert (same["value"], same["low"], same["high"]) == (0.0, 0.0, 0.0)


@pytest.fixture(scope="module")
def earlier_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("earlier") / "bt"
    assert run_cli("backtest", "singapore-2018", "--runs", "3", "--workers", "1", "--out", str(d)).code == 0
    return d


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for name in ("backtest.json", "runs.parquet"):
        (dst / name).write_bytes((src / name).read_bytes())
    return dst


@pytest.mark.parametrize(
    ("case", "spoil", "extra", "fragment"),
    [
        ("singapore-2018", "missing", (), "no such directory"),
        ("singapore-2018", "no-json", (), "not a backtest directory (no backtest.json"),
        ("singapore-2018", "bad-json", (), "backtest.json cannot be read (Expecting"),
        ("singapore-2018", "list-json", (), "backtest.json does not hold a backtest's summary"),
        ("singapore-2018", "bad-parquet", (), "runs.parquet cannot be read"),
        ("singapore-2018", "no-parquet", (), "no runs.parquet"),
        ("singapore-2018", "weights", (), "scored against other patterns (id, weight)"),
        ("hanoi-2019", None, (), "a backtest of 'singapore-2018', not of 'hanoi-2019'"),
        ("singapore-2018", None, ("--seed", "3"), "made with --seed 0; pass --seed 0"),
    ],
)
def test_a_directory_that_cannot_be_paired_is_refused_before_any_run(
    tmp_path: Path, cli, earlier_dir: Path, case: str, spoil: str | None, extra: tuple[str, ...], fragment: str
) -> None:
    d = earlier_dir if spoil is None else tmp_path / "missing"
    if spoil not in (None, "missing"):
        d = _copy(earlier_dir, tmp_path / "spoilt")
        if spoil == "no-json":
            (d / "backtest.json").unlink()
        elif spoil == "bad-json":
            (d / "backtest.json").write_text("{\n")
        elif spoil == "list-json":
            (d / "backtest.json").write_text("[]")
        elif spoil == "bad-parquet":
            (d / "runs.parquet").write_text("not parquet")
        elif spoil == "no-parquet":
            (d / "runs.parquet").unlink()
        elif spoil == "weights":
            data = json.loads((d / "backtest.json").read_text())
            data["patterns"][0]["weight"] = 7.0
            (d / "backtest.json").write_text(json.dumps(data))
    out = tmp_path / "out"
    r = cli("backtest", case, "--runs", "3", "--workers", "1", "--out", str(out), "--compare", str(d), *extra)
    assert r.code == 2, (r.stdout, r.stderr)
    assert f"--compare {d}: {fragment}" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()  # refused before any run: nothing written
