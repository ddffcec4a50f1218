"""A user's own files are first-class (issue 14, item 8): ``summitry report`` of a backtest directory,
``report -o`` into a folder that does not exist yet, and YAML syntax slips reported as syntax."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from summitry.sim.errors import ScenarioError
from summitry.sim.scenario.document import load_scenario, load_scenario_text
from summitry.sim.scenario.loading import BUILTIN_DIR


def flat(text: str) -> str:
    """Console output with its line wrapping undone."""
    return " ".join(text.split())


# ------------------------------------------------------------------ report of a backtest directory


@pytest.fixture(scope="module")
def backtest_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `summitry backtest hanoi-2019 --out DIR` writes (a small ensemble)."""
    from summitry.sim.experiments.backtest import backtest

    d = tmp_path_factory.mktemp("bt") / "bt"
    backtest(load_scenario("hanoi-2019"), runs=6, seed=1, refine=1, pilot_runs=6).save(d)
    return d


def test_report_of_a_backtest_directory(cli, backtest_dir: Path, tmp_path: Path) -> None:
    d = tmp_path / "bt"
    shutil.copytree(backtest_dir, d)
    r = cli("report", str(d))
    assert r.code == 0, r.stderr
    html = (d / "report.html").read_text()
    saved = json.loads((d / "backtest.json").read_text())
    assert "summitry · backtest report" in html
    assert 'id="backtest-note"' in html and "seed " in html
    section = html[html.index('id="backtest"') : html.index("</table>", html.index('id="backtest"'))]
    # the backtest's own section: the ensemble's shares and the skill over the null, no "this run" column
    assert "this run" not in section
    shown = [p for p in saved["patterns"] if p["model"] is not None and p["model"]["share"] is not None]
    assert len(shown) >= len(saved["patterns"]) // 2  # (a conditional pattern whose condition never held has no share)
    for p in shown:
        assert f"{p['model']['share']:.2f}" in section
    assert 'id="baselines"' in html
    for name, b in saved["baselines"].items():
        assert f"<tr><td>{name} " in html
        assert f"{b['skill']['value']:+.2f}" in html
    # the scenario's description and its record come with it (from the example run's scenario.json)
    assert load_scenario("hanoi-2019").description.split()[0] in html


def test_report_of_a_backtest_directory_without_its_typical_run(cli, backtest_dir: Path, tmp_path: Path) -> None:
    d = tmp_path / "bt"
    shutil.copytree(backtest_dir, d)
    shutil.rmtree(d / "example-run")
    r = cli("report", str(d))
    assert r.code == 2
    assert f"{d}: a backtest directory without its typical run" in flat(r.stderr)
    assert "Traceback" not in r.stderr
    assert not (d / "report.html").exists()


# ------------------------------------------------------------------ -o into a missing folder


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from summitry.sim.run import run_scenario

    d = tmp_path_factory.mktemp("run") / "r"
    run_scenario(load_scenario("teaching"), seed=1).save(d)
    return d


def test_report_into_a_missing_folder_creates_it(cli, run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "r.html"
    r = cli("report", str(run_dir), "-o", str(out))
    assert r.code == 0, r.stderr
    assert out.is_file() and "summitry · run report" in out.read_text()


def test_report_into_a_folder_under_a_file_fails_at_once(cli, run_dir: Path, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "plain").write_text("x")
    import summitry.sim.report.run_report

    def no_work(*a, **k):
        raise AssertionError("the report was built before the output path was checked")

    monkeypatch.setattr(summitry.sim.report.run_report, "load_run", no_work)  # where the run report loads its run
    r = cli("report", str(run_dir), "-o", str(tmp_path / "plain" / "sub" / "r.html"))
    assert r.code == 2
    assert f"{tmp_path / 'plain'} is a file, not a directory" in flat(r.stderr)
    assert "Traceback" not in r.stderr


# ------------------------------------------------------------------ YAML syntax slips


def _teaching_with(old: str, new: str, tmp_path: Path) -> tuple[Path, int]:
    text = (BUILTIN_DIR / "teaching.yaml").read_text()
    assert old in text
    text = text.replace(old, new, 1)
    line = text[: text.index(new)].count("\n") + 1
    path = tmp_path / "case.yaml"
    path.write_text(text)
    return path, line


def test_a_comma_inside_a_name_in_a_flow_mapping_is_a_syntax_message(cli, tmp_path: Path) -> None:
    path, line = _teaching_with("name: Alpha hawks,", "name: Alpha hawks, the old guard,", tmp_path)
    r = cli("validate", str(path))
    assert r.code == 2
    msg = flat(r.stderr)
    assert f"{path}:{line}: sides.alpha.factions[0].the old guard: YAML syntax: a comma inside the value of name split it" in msg
    assert 'Quote the value: name: "Alpha hawks, the old guard"' in msg
    assert "check its spelling" not in msg
    assert "Traceback" not in r.stderr


def test_two_commas_give_the_whole_value_to_quote(tmp_path: Path) -> None:
    path, _ = _teaching_with("name: Alpha hawks,", "name: Alpha hawks, the old guard, and friends,", tmp_path)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert any('Quote the value: name: "Alpha hawks, the old guard, and friends"' in m for m in exc.value.messages)


def test_a_colon_without_a_space_in_a_flow_mapping_is_a_syntax_message(cli, tmp_path: Path) -> None:
    path, line = _teaching_with("stance: 0.8, influence: 0.5,", "stance:0.8, influence: 0.5,", tmp_path)
    r = cli("validate", str(path))
    assert r.code == 2
    msg = flat(r.stderr)
    assert f"{path}:{line}: sides.alpha.factions[0].stance:0.8: YAML syntax: a colon needs a space after it" in msg
    assert "Write stance: 0.8" in msg
    assert "check its spelling" not in msg


def test_an_upload_gets_the_same_syntax_message() -> None:
    text = (BUILTIN_DIR / "teaching.yaml").read_text().replace("name: Alpha hawks,", "name: Alpha hawks, the old guard,", 1)
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text(text, "upload.yaml")
    assert any(m.startswith("upload.yaml:38: ") and "a comma inside the value of name" in m for m in exc.value.messages)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("stance: 0.8, influence: 0.5,", "stance: 0.8, influense: 0.5,", "influense"),  # a misspelt key with its value
        ("name: Alpha hawks,", "name: Alpha hawks, nmae: x,", "nmae"),  # key: value after a comma is a key the author wrote
    ],
)
def test_a_misspelt_key_still_says_check_its_spelling(tmp_path: Path, old: str, new: str, key: str) -> None:
    path, line = _teaching_with(old, new, tmp_path)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert f"{path}:{line}: sides.alpha.factions[0].{key}: unknown key (not part of the format; check its spelling)" in exc.value.messages


def test_a_comma_in_a_block_mapping_is_just_text(tmp_path: Path) -> None:
    """Outside braces a plain value may hold a comma: no slip to report."""
    text = (BUILTIN_DIR / "teaching.yaml").read_text().replace("name: President Ada", "name: President Ada, the elder", 1)
    assert load_scenario_text(text, "ok.yaml").sides["alpha"].leader.name == "President Ada, the elder"
