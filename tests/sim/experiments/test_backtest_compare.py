"""`summitry backtest --compare DIR`: the change of skill against an earlier backtest, paired by seed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from summitry.sim.errors import RunDirError
from summitry.sim.experiments.compare import EarlierBacktest, compare, pattern_skill, seed_skill
from summitry.sim.report.backtest import backtest_section
from summitry.sim.scenario.document import load_scenario
from summitry.sim.scenario.pattern_fields import Pattern
from tests.conftest import run_cli


def _runs(model: dict[int, float], null: dict[int, float]) -> pd.DataFrame:
    rows = [{"seed": s, "model": "model", "score": v} for s, v in model.items()]
    rows += [{"seed": s, "model": "null", "score": v} for s, v in null.items()]
    rows += [{"seed": s, "model": "quiet", "score": 0.0} for s in model]  # baselines do not enter a seed's skill
    return pd.DataFrame(rows)


def test_the_change_is_the_mean_paired_difference_of_per_seed_skills_with_a_student_t_interval() -> None:
    # earlier: per-seed skills 0.3, 0.1, 0.0, 0.2 on seeds 1-4, and seed 9 (which this backtest did not run), rows
    # shuffled with seed 9 first: pairing by position instead of by seed would get every number below wrong
    earlier_runs = _runs({9: 0.9, 1: 0.7, 2: 0.5, 3: 0.4, 4: 0.6}, {9: 0.1, 1: 0.4, 2: 0.4, 3: 0.4, 4: 0.4})
    earlier_runs = earlier_runs.iloc[[0, 3, 1, 4, 2, 5, 8, 6, 9, 7, *range(10, len(earlier_runs))]].reset_index(drop=True)
    earlier = EarlierBacktest(Path("earlier"), {"overrides": {"parameters.kappa": 3.0}}, earlier_runs)
    # now: per-seed skills 0.4, 0.3, 0.3, 0.6 on seeds 1-4; seed 5 has no null run and drops out
    now = _runs({1: 0.8, 2: 0.7, 3: 0.7, 4: 1.0, 5: 1.0}, {1: 0.4, 2: 0.4, 3: 0.4, 4: 0.4})
    assert seed_skill(now)["seed"].tolist() == [1, 2, 3, 4]
    out = compare(now, earlier)
    assert out["seeds"] == 4 and out["against"] == "earlier" and out["against_overrides"] == {"parameters.kappa": 3.0}
    assert out["skill"]["value"] == pytest.approx(0.4) and out["against_skill"]["value"] == pytest.approx(0.15)
    # differences 0.1, 0.2, 0.3, 0.4: mean 0.25, sd 0.129099, t(0.975, 3) = 3.182446 -> half-width 0.205426
    assert out["change"]["runs"] == 4
    assert out["change"]["value"] == pytest.approx(0.25)
    assert out["change"]["low"] == pytest.approx(0.25 - 0.205426, abs=1e-6)
    assert out["change"]["high"] == pytest.approx(0.25 + 0.205426, abs=1e-6)
    # the earlier skills 0.3, 0.1, 0.0, 0.2: mean 0.15, sd 0.129099: the same half-width
    assert out["against_skill"]["low"] == pytest.approx(0.15 - 0.205426, abs=1e-6)


def _scored(model: dict[int, tuple[float, float]], null: dict[int, tuple[float, float]]) -> pd.DataFrame:
    """Runs scored on two patterns, a (weight 1) and b (weight 3): the score is (a + 3 b) / 4."""
    rows = [
        {"seed": s, "model": m, "pattern.a": a, "pattern.b": b, "score": (a + 3 * b) / 4}
        for m, table in (("model", model), ("null", null))
        for s, (a, b) in table.items()
    ]
    return pd.DataFrame(rows)


def test_the_change_splits_by_pattern_into_parts_that_sum_to_it() -> None:
    patterns = [
        Pattern(id="a", text="t", kind="k", window=(0, 1)),
        Pattern(id="b", text="t", kind="k", window=(0, 1), weight=3),
    ]
    # earlier: parts of the skill (model minus null), a: 0.25, 0, 0.25 and b: 0, 0.75, 0.75 on seeds 1-3, rows reversed
    earlier_runs = _scored({1: (1, 0), 2: (0, 1), 3: (1, 1)}, {1: (0, 0), 2: (0, 0), 3: (0, 0)}).iloc[::-1].reset_index(drop=True)
    earlier = EarlierBacktest(Path("earlier"), {}, earlier_runs)
    # now: a: 0, 0.25, 0 and b: 0.75, 0.75, 0.75; seed 4 has no null run and drops out
    now = _scored({1: (1, 1), 2: (1, 1), 3: (0, 1), 4: (1, 1)}, {1: (1, 0), 2: (0, 0), 3: (0, 0)})
    out = compare(now, earlier, patterns)
    # per seed, a changes by -0.25, +0.25, -0.25 (mean -1/12, sd 0.288675, t(0.975, 2) = 4.302653: half-width 0.717109)
    # and b by +0.75, 0, 0 (mean 0.25); the overall skills 0.25, 0.75, 1.0 -> 0.75, 1.0, 0.75 change by 1/6 = -1/12 + 1/4
    assert [row["id"] for row in out["by_pattern"]] == ["a", "b"]
    a, b = out["by_pattern"]
    assert a["value"] == pytest.approx(-1 / 12) and b["value"] == pytest.approx(0.25)
    assert a["low"] == pytest.approx(-1 / 12 - 0.717109, abs=1e-6) and a["high"] == pytest.approx(-1 / 12 + 0.717109, abs=1e-6)
    assert out["change"]["value"] == pytest.approx(1 / 6) == a["value"] + b["value"]
    assert a["runs"] == b["runs"] == 3
    # without the patterns there is no split
    assert "by_pattern" not in compare(now, earlier)


def test_fewer_than_two_common_seeds_is_refused() -> None:
    earlier = EarlierBacktest(Path("e"), {}, _runs({1: 0.5, 2: 0.5}, {1: 0.4, 2: 0.4}))
    with pytest.raises(RunDirError, match=r"--compare e: 1 seed\(s\) scored by both backtests"):
        compare(_runs({2: 0.6, 3: 0.6}, {2: 0.4, 3: 0.4}), earlier)


def _skills(d: Path) -> pd.Series:
    runs = pd.read_parquet(d / "runs.parquet")
    m = runs[runs["model"] == "model"].set_index("seed")["score"]
    n = runs[runs["model"] == "null"].set_index("seed")["score"]
    return (m - n.reindex(m.index)).dropna()


def test_compare_end_to_end_pairs_the_two_directories_by_seed(tmp_path: Path, cli) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli("backtest", "singapore-2018", "--runs", "6", "--seed", "5", "--workers", "1", "--out", str(a)).code == 0
    r = cli(
        "backtest", "singapore-2018", "--runs", "6", "--seed", "5", "--workers", "1", "--set", "parameters.lambda_q=4",
        "--compare", str(a), "--out", str(b),
    )  # fmt: skip
    assert r.code == 0, r.stderr
    summary = json.loads((b / "backtest.json").read_text())
    got = summary["comparison"]
    assert got["against"] == str(a) and got["against_overrides"] == {}
    mine, theirs = _skills(b), _skills(a)
    common = mine.index.intersection(theirs.index)
    assert len(common) == got["seeds"] == got["change"]["runs"] == 6  # the 6 seeds of --seed 5
    assert got["skill"]["value"] == pytest.approx(mine[common].mean())
    assert got["against_skill"]["value"] == pytest.approx(theirs[common].mean())
    assert got["change"]["value"] == pytest.approx((mine[common] - theirs[common]).mean())
    # the change split by pattern, recomputed from the two runs.parquet files, sums to the change
    sc = load_scenario("singapore-2018")
    parts = pattern_skill(pd.read_parquet(b / "runs.parquet"), sc.patterns) - pattern_skill(
        pd.read_parquet(a / "runs.parquet"), sc.patterns
    )
    parts = parts.dropna()
    assert [row["id"] for row in got["by_pattern"]] == [p.id for p in sc.patterns]
    for row in got["by_pattern"]:
        assert row["value"] == pytest.approx(parts[row["id"]].mean(), abs=1e-12)
    assert sum(row["value"] for row in got["by_pattern"]) == pytest.approx(got["change"]["value"], abs=1e-12)
    assert "The change by pattern" in " ".join(r.stdout.split())
    assert "skill over the null on the 6 seeds both scored, paired by seed" in " ".join(r.stdout.split())
    assert f"{got['change']['value']:+.3f} [{got['change']['low']:+.3f}, {got['change']['high']:+.3f}]" in r.stdout
    # the report of the directory shows the comparison beside the baselines
    assert backtest_section(b)["comparison"] == got and "comparison" not in backtest_section(a)
    html = tmp_path / "b.html"
    assert cli("report", str(b), "-o", str(html)).code == 0
    text = html.read_text()
    assert 'id="comparison"' in text and f"against the earlier backtest {a}, on the 6 seeds both scored" in text
    # (and, as every backtest report, when the model and the null model first did what each event pattern records)
    assert 'id="fig-ens-timing-figure"' in text and 'chart-error">' not in text
    assert text.count('class="by-pattern"') == len(sc.patterns) and "of which accepted-early" in text
    assert f'{got["change"]["value"]:+.2f} <span class="muted">[{got["change"]["low"]:+.2f}, {got["change"]["high"]:+.2f}]' in text


def test_a_comparison_that_fails_after_the_runs_still_saves_them(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import summitry.sim.experiments.compare as cmp

    a, b = tmp_path / "a", tmp_path / "b"
    assert cli("backtest", "singapore-2018", "--runs", "3", "--workers", "1", "--out", str(a)).code == 0

    def refuse(runs: pd.DataFrame, earlier: EarlierBacktest, patterns: object = ()) -> dict:
        raise RunDirError(f"--compare {earlier.directory}: refused for the test")

    monkeypatch.setattr(cmp, "compare", refuse)
    r = cli("backtest", "singapore-2018", "--runs", "3", "--workers", "1", "--compare", str(a), "--out", str(b))
    assert r.code == 2 and f"--compare {a}: refused for the test" in r.stderr
    assert (b / "backtest.json").is_file() and "comparison" not in json.loads((b / "backtest.json").read_text())


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


def _spoil(d: Path, how: str) -> None:
    data = json.loads((d / "backtest.json").read_text())
    runs = pd.read_parquet(d / "runs.parquet")
    if how == "no-json":
        (d / "backtest.json").unlink()
    elif how == "bad-json":
        (d / "backtest.json").write_text("{\n")
    elif how == "list-json":
        (d / "backtest.json").write_text("[]")
    elif how == "bad-parquet":
        (d / "runs.parquet").write_text("not parquet")
    elif how == "no-parquet":
        (d / "runs.parquet").unlink()
    elif how == "no-score":
        runs.drop(columns=["score"]).to_parquet(d / "runs.parquet")
    elif how == "text-seed":
        runs.assign(seed=runs["seed"].astype(str)).to_parquet(d / "runs.parquet")
    elif how == "text-score":
        runs.assign(score=runs["score"].astype(str)).to_parquet(d / "runs.parquet")
    elif how == "no-pattern":
        runs.drop(columns=["pattern.moratorium"]).to_parquet(d / "runs.parquet")
    elif how == "text-pattern":
        runs.assign(**{"pattern.moratorium": runs["pattern.moratorium"].astype(str)}).to_parquet(d / "runs.parquet")
    elif how == "twice":
        pd.concat([runs, runs.iloc[:1]]).to_parquet(d / "runs.parquet")
    elif how == "no-null":
        runs[runs["model"] != "null"].to_parquet(d / "runs.parquet")
    else:  # an edit of backtest.json
        if how == "weights":
            data["patterns"][0]["weight"] = 7.0
        elif how == "window":
            data["patterns"][1]["window"] = [0, 40]
        elif how == "patterns-number":
            data["patterns"] = 5
        elif how == "seed-text":
            data["seed"] = "0"
        elif how == "seed-bool":
            data["seed"] = False
        elif how == "overall-list":
            data["overall"] = []
        elif how == "skill-number":
            data["overall"]["skill"] = 0.1
        elif how == "skill-text":
            data["overall"]["skill"]["value"] = "high"
        elif how == "overrides-list":
            data["overrides"] = ["kappa"]
        elif how == "runs-text":
            data["runs"] = "3"
        (d / "backtest.json").write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("case", "spoil", "extra", "fragment"),
    [
        ("singapore-2018", "missing", (), "no such directory"),
        ("singapore-2018", "no-json", (), "not a backtest directory (no backtest.json"),
        ("singapore-2018", "bad-json", (), "backtest.json cannot be read (Expecting"),
        ("singapore-2018", "list-json", (), "backtest.json does not hold a backtest's summary"),
        ("singapore-2018", "patterns-number", (), "backtest.json: patterns is not a list"),
        ("singapore-2018", "weights", (), "scored against other patterns than this scenario's (pattern 1 ('accepted-early') differs)"),
        ("singapore-2018", "window", (), "scored against other patterns than this scenario's (pattern 2 ('moratorium') differs)"),
        ("singapore-2018", "seed-text", (), "backtest.json: seed is '0', not a whole number"),
        ("singapore-2018", "seed-bool", (), "backtest.json: seed is False, not a whole number"),
        ("singapore-2018", "overall-list", (), "backtest.json: overall.skill is not {value, low, high}"),
        ("singapore-2018", "skill-number", (), "backtest.json: overall.skill is not {value, low, high}"),
        ("singapore-2018", "skill-text", (), "backtest.json: overall.skill is not {value, low, high}"),
        ("singapore-2018", "overrides-list", (), "backtest.json: overrides is not a mapping"),
        ("singapore-2018", "bad-parquet", (), "runs.parquet cannot be read"),
        ("singapore-2018", "no-parquet", (), "no runs.parquet"),
        ("singapore-2018", "no-score", (), "runs.parquet cannot be read"),
        ("singapore-2018", "text-seed", (), "runs.parquet: the seed column does not hold whole numbers"),
        ("singapore-2018", "text-score", (), "runs.parquet: the score column does not hold numbers"),
        ("singapore-2018", "twice", (), "runs.parquet: the 'model' ensemble has seed"),
        ("singapore-2018", "no-pattern", (), "runs.parquet cannot be read"),
        ("singapore-2018", "text-pattern", (), "runs.parquet: the pattern.moratorium column does not hold numbers"),
        ("singapore-2018", "no-null", (), "0 of this backtest's seeds scored there by both the model and the null model"),
        ("hanoi-2019", None, (), "a backtest of 'singapore-2018', not of 'hanoi-2019'"),
        ("singapore-2018", None, ("--seed", "3"), "made with --seed 0; pass --seed 0"),
        ("singapore-2018", "runs-text", (), "backtest.json: runs is '3', not a whole number"),
        # the null model is fitted to the whole ensemble: another size is another null model, even for the same model
        ("singapore-2018", None, ("--runs", "4"), "made with --runs 3, this one with --runs 4"),
    ],
)
def test_a_directory_that_cannot_be_paired_is_refused_before_any_run(
    tmp_path: Path, cli, earlier_dir: Path, case: str, spoil: str | None, extra: tuple[str, ...], fragment: str
) -> None:
    d = earlier_dir if spoil is None else tmp_path / "missing"
    if spoil not in (None, "missing"):
        d = _copy(earlier_dir, tmp_path / "spoilt")
        _spoil(d, spoil)
    out = tmp_path / "out"
    r = cli("backtest", case, "--runs", "3", "--workers", "1", "--out", str(out), "--compare", str(d), *extra)
    assert r.code == 2, (r.stdout, r.stderr)
    assert f"--compare {d}: {fragment}" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()  # refused before any run: nothing written
