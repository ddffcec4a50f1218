"""A user's own files are first-class (issue 14, item 8): ``summitry report`` of a backtest directory,
``report -o`` into a folder that does not exist yet, YAML syntax slips reported as syntax, and names, titles and
paths printed as written (never read as rich markup or emoji codes)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from summitry.sim.errors import ScenarioError
from summitry.sim.scenario.document import load_scenario, load_scenario_text
from summitry.sim.scenario.loading import BUILTIN_DIR, FAST_PATH_BYTES


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


@pytest.mark.parametrize("flag", ["-o", "--output"])
def test_an_output_error_names_the_option_as_typed(cli, run_dir: Path, tmp_path: Path, flag: str) -> None:
    """report -o DIR said 'DIR: is a directory' without the option; schema and generate said --output when -o was typed."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    (tmp_path / "notes.txt").write_text("keep me")
    expected = {
        (
            "report",
            str(run_dir),
            flag,
            f"{mine}/",
        ): f"error: {flag} {mine}: is a directory; give a file name for the report (e.g. {mine}/report.html)",
        ("report", str(run_dir), flag, str(tmp_path / "notes.txt")): f"error: {flag} {tmp_path / 'notes.txt'}: the file exists and is not "
        "an HTML report written by summitry, so summitry will not replace it; choose another path, or move or remove the file",
        ("schema", flag, str(mine)): f"error: {flag} {mine}: is a directory; give a file name",
        ("generate", flag, str(mine)): f"error: {flag} {mine}: is a directory; give a file name",
    }
    for args, message in expected.items():
        r = cli(*args)
        assert r.code == 2 and flat(r.stderr) == message, (args, r.stderr)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"] and (tmp_path / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("pdf", [False, True])
def test_a_report_named_pdf_is_refused_with_the_html_name_to_use(cli, run_dir: Path, tmp_path: Path, pdf: bool) -> None:
    """report -o r.pdf wrote an HTML file named r.pdf (and with --pdf printed the PDF over it): refused, nothing written."""
    target = tmp_path / "out" / "report.pdf"
    r = cli("report", str(run_dir), "-o", str(target), *(["--pdf"] if pdf else []))
    assert r.code == 2
    assert flat(r.stderr) == (
        f"error: -o {target}: the report is an HTML file, and --pdf prints its PDF beside it; write -o {target.with_suffix('.html')} --pdf"
    )
    assert not (tmp_path / "out").exists()


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


@pytest.mark.parametrize("padded", [False, True], ids=["small", "large-file-read-by-libyaml"])
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "name: Alpha hawks,",
            "name: Alpha hawks, the old guard,",
            "sides.alpha.factions[0].the old guard: YAML syntax: a comma inside the value of name split it; in a flow mapping {...} "
            "a comma ends a plain value, so 'the old guard' was read as a key of its own. "
            'Quote the value: name: "Alpha hawks, the old guard"',
        ),
        (
            "stance: 0.8, influence: 0.5,",
            "stance:0.8, influence: 0.5,",
            "sides.alpha.factions[0].stance:0.8: YAML syntax: a colon needs a space after it; 'stance:0.8' was read as one word "
            "(a key with no value). Write stance: 0.8",
        ),
    ],
    ids=["comma", "colon"],
)
def test_syntax_slips_are_named_in_a_large_file_too(old: str, new: str, message: str, padded: bool) -> None:
    """Past loading.FAST_PATH_BYTES libyaml reads the file, and marks a plain scalar with style "" where PyYAML has None."""
    text = (BUILTIN_DIR / "teaching.yaml").read_text()
    assert old in text
    text = text.replace(old, new, 1)
    line = text[: text.index(new)].count("\n") + 1
    if padded:
        text += "# padding\n" * 60_000
        assert len(text) > FAST_PATH_BYTES
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text(text, "big.yaml")
    assert f"big.yaml:{line}: {message}" in exc.value.messages


def test_an_upload_gets_the_same_syntax_message() -> None:
    text = (BUILTIN_DIR / "teaching.yaml").read_text().replace("name: Alpha hawks,", "name: Alpha hawks, the old guard,", 1)
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text(text, "upload.yaml")
    assert any(m.startswith("upload.yaml:38: ") and "a comma inside the value of name" in m for m in exc.value.messages)


@pytest.mark.parametrize(
    ("old", "new", "key", "meant"),
    [
        ("stance: 0.8, influence: 0.5,", "stance: 0.8, influense: 0.5,", "influense", "influence"),  # a misspelt key with its value
        ("name: Alpha hawks,", "name: Alpha hawks, nmae: x,", "nmae", "name"),  # key: value after a comma is a key the author wrote
    ],
)
def test_a_misspelt_key_still_says_it_is_misspelt(tmp_path: Path, old: str, new: str, key: str, meant: str) -> None:
    path, line = _teaching_with(old, new, tmp_path)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    expected = f"{path}:{line}: sides.alpha.factions[0].{key}: unknown key (not part of the format; did you mean {meant!r}?)"
    assert expected in exc.value.messages


def test_a_comma_in_a_block_mapping_is_just_text(tmp_path: Path) -> None:
    """Outside braces a plain value may hold a comma: no slip to report."""
    text = (BUILTIN_DIR / "teaching.yaml").read_text().replace("name: President Ada", "name: President Ada, the elder", 1)
    assert load_scenario_text(text, "ok.yaml").sides["alpha"].leader.name == "President Ada, the elder"


# ------------------------------------------------------------------ names, titles and paths shown as written

# rich markup that crashes a print ([/x]: a closing tag with nothing open), markup that would vanish ([red]) and an
# emoji code (:thumbs_up:): a user's names, titles and paths carry any of them, and summitry shows them as written
ODD = "[/x] [red]x :thumbs_up:"


def test_names_and_titles_with_brackets_are_shown_as_written(cli, tmp_path: Path) -> None:
    text = (BUILTIN_DIR / "teaching.yaml").read_text()
    text = text.replace("name: President Ada", f'name: "President {ODD} Ada"', 1)
    text = text.replace('title: "Teaching case: two rivals, one go-between"', f'title: "Talks [/] end {ODD}"', 1)
    case = tmp_path / "case.yaml"
    case.write_text(text)
    r = cli("validate", str(case))
    assert (r.code, r.stderr) == (0, "")
    assert f"ok {case}: Talks [/] end {ODD} (7 actors, 30 steps)" in r.stdout
    r = cli("run", str(case), "--steps", "3")  # the header, the outcome sentence and the key events name the leader
    assert r.code == 0, r.stderr
    assert f"Talks [/] end {ODD} — seed 0" in r.stdout
    assert f"President {ODD} Ada offers Chairman Bo a summit" in r.stdout
    assert "Traceback" not in r.stderr


def test_an_out_path_with_brackets_is_written_and_named_as_given(cli, tmp_path: Path) -> None:
    out = tmp_path / f"mk{ODD}"
    r = cli("run", "teaching", "--steps", "1", "-q", "--out", str(out))
    assert r.code == 0, r.stderr
    assert (out / "run.json").is_file()
    assert f"wrote {out}/ (run.json, scenario.json, events.parquet, series.parquet)" in r.stderr


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_run_names_every_file_it_wrote(cli, tmp_path: Path, fmt: str) -> None:
    """The line left out scenario.json, the file that makes a run directory self-contained."""
    out = tmp_path / "r"
    r = cli("run", "teaching", "--steps", "1", "-q", "--out", str(out), "--format", fmt)
    assert r.code == 0, r.stderr
    [line] = [ln for ln in r.stderr.splitlines() if ln.startswith("wrote ")]
    named = line.removeprefix(f"wrote {out}/ (").removesuffix(")").split(", ")
    assert sorted(named) == sorted(p.name for p in out.iterdir())


def test_a_sweep_names_its_spec_and_directory_as_given(cli, tmp_path: Path) -> None:
    spec = tmp_path / f"spec {ODD}.yaml"  # "/" in ODD: a folder "spec [" holds it
    spec.parent.mkdir()
    spec.write_text(json.dumps({"scenario": "teaching", "parameters": {"leak0": {"levels": [0.0, 0.3]}}, "design": "grid", "points": 2}))
    out = tmp_path / f"out {ODD}"
    r = cli("sweep", str(spec), "--out", str(out), "--executor", "serial")
    assert r.code == 0, r.stderr
    assert f"sweep {spec} -> {out} (serial" in r.stderr
    assert f"-> {out}/runs/" in r.stderr


def test_report_warnings_and_paths_are_shown_as_written(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import summitry.sim.report

    html = tmp_path / f"r {ODD}.html"

    def written(directory: Path, output: Path, pdf: bool = False, flag: str = "--output") -> tuple[Path, list[str]]:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("<html></html>")
        return output, [f"{directory}: no example run {ODD}"]

    monkeypatch.setattr(summitry.sim.report, "write_report", written)  # the command's messages, not the report
    r = cli("report", str(tmp_path), "-o", str(html))
    assert r.code == 0, r.stderr
    assert f"warning: {tmp_path}: no example run {ODD}" in r.stderr
    assert f"wrote {html} (0.0 MB)" in r.stderr


def test_holdout_and_calibrate_name_their_cases_and_directories_as_given(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    import summitry.sim.cli as package
    import summitry.sim.experiments.holdout
    from summitry.sim.cli.calibrate import print_outcome
    from summitry.sim.errors import InputError

    def stop(*_a, **_k):
        raise InputError("stopped before any work")

    monkeypatch.setattr(summitry.sim.experiments.holdout, "holdout", stop)
    out = tmp_path / f"h {ODD}"
    r = cli("holdout", f"case {ODD}", "--cut", "5", "--out", str(out), "--executor", "serial")
    assert r.code == 2
    assert f"holdout: case {ODD} split at step 5 -> {out} (smc" in r.stderr
    # the lines after a calibration, printed to a console that reads markup and emoji codes (as rich's default does)
    buffer = io.StringIO()
    monkeypatch.setattr(package, "err", Console(file=buffer, width=200))
    print_outcome({}, load_scenario("teaching"), f"case {ODD}", out, "calibrated.yaml", medians="posterior medians")
    assert f"wrote {out}/ (calibrated.yaml)" in buffer.getvalue()
    assert f"use it: summitry run case {ODD} --params {out / 'calibrated.yaml'}" in buffer.getvalue()


def test_summitry_consoles_read_no_markup_and_no_emoji_codes() -> None:
    import summitry.sim.cli as package

    for console in (package.out, package.err):
        assert console.render_str(ODD).plain == ODD


def test_every_message_goes_through_say_and_every_table_is_a_text_table() -> None:
    """A console.print of an f-string, or a plain rich Table, reads what it shows as markup; only say() and
    print_table() print, and every table is a TextTable, so nothing a user wrote is read as markup."""
    import ast

    root = Path(__file__).resolve().parents[3]
    found = []
    for path in [*sorted((root / "sim" / "cli").glob("*.py")), root / "dashboard" / "cli.py"]:
        tree = ast.parse(path.read_text())
        allowed = {
            line
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name in ("say", "print_table")
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if (name in ("print", "log") and node.lineno not in allowed) or name == "Table":
                found.append(f"{path.relative_to(root)}:{node.lineno}: {name}(...)")
    assert not found, found
