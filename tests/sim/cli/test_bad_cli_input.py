"""Bad numbers, parameter files, devices and oversized designs: exit 2 and one line naming the input, never a traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from summitry.sim.errors import ParameterError
from summitry.sim.scenario.document import load_scenario

ROOT = Path(__file__).resolve().parents[3]

BAD_NUMBERS = [
    ("400-digits", "9" * 400, "400 characters"),
    ("5000-digits", "9" * 5000, "5000 characters"),
    ("hex", "0x10", "hexadecimal"),
    ("sexagesimal", "1:30", "not a range or a time"),
    ("overflow", "1e400", "finite"),
    ("word", "abc", "must be a number"),
    ("empty", "", "empty"),
    ("out-of-range", "25", "must be within [0, 20] (got 25)"),
    ("separator", "1_000", "must be a number"),
]


def _one_error_line(r) -> str:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert len(lines[0]) < 300, lines[0]
    return lines[0]


@pytest.mark.parametrize(("value", "fragment"), [(v, f) for _, v, f in BAD_NUMBERS], ids=[i for i, _, _ in BAD_NUMBERS])
def test_set_refuses_bad_numbers(cli, value: str, fragment: str) -> None:
    r = cli("run", "teaching", "--steps", "2", "--quiet", "--set", f"kappa={value}")
    assert r.code == 2
    line = _one_error_line(r)
    assert line.startswith("error: --set kappa:")
    assert fragment in line


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ("9" * 400, "400 characters"),
        ("9" * 5000, "5000 characters"),
        ("0x10", "hexadecimal"),
        ("1:30", "1:30 is read by YAML 1.1 as a base-60 number, 90; write 90"),
        ("010", "010 has a leading zero, which YAML 1.1 reads as octal 8; write 10"),
        ("30", "must be within [0, 20] (got 30)"),
        ("true", "must be a number"),
    ],
    ids=["400-digits", "5000-digits", "hex", "sexagesimal", "leading-zero", "out-of-range", "bool"],
)
def test_params_file_errors_name_the_file_and_line(cli, tmp_path: Path, written: str, fragment: str) -> None:
    f = tmp_path / "cal.yaml"
    f.write_text(f"scenario: teaching\nparameters:\n  trust_decl: 0.1\n  kappa: {written}\n")
    r = cli("run", "teaching", "--steps", "2", "--quiet", "--params", str(f))
    assert r.code == 2
    line = _one_error_line(r)
    assert f"{f}:4" in line, line
    assert "--set" not in line
    assert fragment in line


def test_a_params_file_key_yaml_reads_as_true_is_named_as_written_on_its_line(cli, tmp_path: Path) -> None:
    f = tmp_path / "cal.yaml"
    f.write_text("scenario: teaching\nparameters:\n  kappa: 2\n  TRUE: 3\n")  # was "cal.yaml:1: parameters.True: no such parameter"
    r = cli("run", "teaching", "--steps", "2", "--quiet", "--params", str(f))
    assert r.code == 2
    assert (
        _one_error_line(r)
        == f'error: {f}:4: parameters.TRUE: a key must be text, and YAML reads TRUE as a boolean (true or false); quote it: "TRUE"'
    )


def test_a_params_file_key_on_is_a_word_not_a_boolean(cli, tmp_path: Path) -> None:
    f = tmp_path / "cal.yaml"
    f.write_text("scenario: teaching\nparameters:\n  kappa: 2\n  on: 3\n")  # YAML 1.1 reads on as true; here it is the word
    r = cli("run", "teaching", "--steps", "2", "--quiet", "--params", str(f))
    assert r.code == 2
    assert _one_error_line(r).startswith(f"error: {f}:4: parameters.on: no such parameter")


def test_set_wins_over_the_file_and_is_named_as_set(cli, tmp_path: Path) -> None:
    f = tmp_path / "cal.yaml"
    f.write_text("scenario: teaching\nparameters:\n  kappa: 2\n")
    r = cli("run", "teaching", "--steps", "2", "--quiet", "--params", str(f), "--set", "kappa=99")
    assert r.code == 2
    assert _one_error_line(r).startswith("error: --set kappa: must be within [0, 20]")


def test_empty_params_file_message(cli, tmp_path: Path) -> None:
    f = tmp_path / "empty.yaml"
    f.write_text("")
    r = cli("run", "teaching", "--params", str(f))
    assert r.code == 2
    line = _one_error_line(r)
    assert "file file" not in line and str(f) in line and "empty" in line


def test_plain_numbers_still_work(cli, tmp_path: Path) -> None:
    f = tmp_path / "cal.yaml"
    f.write_text("scenario: teaching\nparameters: {kappa: 2.5e0, trust_decl: .1}\n")
    r = cli("run", "teaching", "--steps", "2", "--quiet", "--params", str(f), "--set", "leak0=+0.2")
    assert r.code == 0, r.stderr


def test_a_tab_indented_json_params_file_reads_like_the_same_file_with_spaces(cli, tmp_path: Path) -> None:
    """Its values are read twice (as parsed, and as written): both readers take JSON's tabs as the whitespace they are."""
    f = tmp_path / "cal.json"
    f.write_text('{\n\t"scenario": "teaching",\n\t"parameters": {\n\t\t"kappa": 2.5\n\t}\n}\n')
    r = cli("run", "teaching", "--steps", "2", "--quiet", "--params", str(f), "--out", str(tmp_path / "run"))
    assert r.code == 0, r.stderr
    assert '"parameters.kappa": 2.5' in (tmp_path / "run" / "run.json").read_text().replace("\n", "")


@pytest.mark.parametrize(
    ("block", "field", "fragment"),
    [
        ("{scenarios: 5}", "calibration.scenarios", "input should be a valid list (got 5)"),
        ("{seed: true}", "calibration.seed", "input should be a valid integer"),
        ("{method: [smc]}", "calibration.method", "input should be a valid string"),
        ('{report: "a\\x00b"}', "calibration.report", "a path cannot hold a NUL character"),
        ("{report: " + "x" * 300 + "}", "calibration.report", "a file or folder name of 300 bytes; a name is at most 255 bytes"),
        ("{report: " + "/".join(["x" * 200] * 30) + "}", "calibration.report", "a path of 6029 bytes; the report's path is at most 1024"),
        ("{reprot: posterior.html}", "calibration.reprot", "unknown key"),
    ],
    ids=["scenarios-a-number", "seed-a-bool", "method-a-list", "nul-in-report", "long-name", "long-path", "misspelt-key"],
)
def test_a_params_files_calibration_block_is_checked_before_the_run(cli, tmp_path: Path, block: str, field: str, fragment: str) -> None:
    """A block written by hand with a wrong type or an impossible path: exit 2 at once naming file:line: field, not a
    crash once the run has finished (a TypeError, a ValueError of an embedded NUL, an OSError of a name too long)."""
    f = tmp_path / "cal.yaml"
    f.write_text(f"scenario: teaching\nparameters:\n  kappa: 2\ncalibration: {block}\n")
    r = cli("run", "teaching", "--steps", "2", "--quiet", "--params", str(f), "--out", str(tmp_path / "run"))
    assert r.code == 2, r.stderr
    line = _one_error_line(r)
    assert f"error: {f}:4: {field}: {fragment}" in line, line
    assert not (tmp_path / "run").exists(), "the file is checked before anything runs"
    r = cli("backtest", "hanoi-2019", "--runs", "2", "--params", str(f))
    assert r.code == 2 and f"{f}:4: {field}" in _one_error_line(r)


def test_a_params_files_text_keys_must_be_text(cli, tmp_path: Path) -> None:
    f = tmp_path / "cal.yaml"
    f.write_text("scenario: teaching\ndescription: [a, list]\nparameters:\n  kappa: 2\n")
    r = cli("run", "teaching", "--steps", "2", "--quiet", "--params", str(f))
    assert r.code == 2
    assert f"{f}:2: description: must be text" in _one_error_line(r)


# ----------------------------------------------------------- a file of another kind
SWEEP_SPEC = "scenario: teaching\nparameters:\n  ada.traits.ego: {low: 0.1, high: 0.9}\ndesign: lhs\npoints: 2\n"
PARAMS_FILE = "scenario: teaching\nparameters:\n  kappa: 3\n"


@pytest.mark.parametrize(
    ("written", "command", "message"),
    [
        (SWEEP_SPEC, ("run", "{f}"), "{f}:1: this is a sweep spec file, not a scenario file: run it with summitry sweep {f}"),
        (SWEEP_SPEC, ("validate", "{f}"), "{f}:1: this is a sweep spec file, not a scenario file: run it with summitry sweep {f}"),
        (
            PARAMS_FILE,
            ("run", "{f}"),
            "{f}:1: this is a parameter file, not a scenario file: give it with --params (summitry run teaching --params {f})",
        ),
        ("teaching", ("sweep", "{f}", "--out", "{out}"), "{f}:1: this is a scenario file, not a sweep spec file: give it as the scenario"),
        (PARAMS_FILE, ("sweep", "{f}", "--out", "{out}"), "{f}:1: this is a parameter file, not a sweep spec file"),
        ("teaching", ("run", "teaching", "--params", "{f}"), "{f}:1: this is a scenario file, not a parameter file"),
        (SWEEP_SPEC, ("run", "teaching", "--params", "{f}"), "{f}:1: this is a sweep spec file, not a parameter file"),
    ],
    ids=[
        "spec-as-scenario",
        "spec-validated",
        "params-as-scenario",
        "scenario-as-spec",
        "params-as-spec",
        "scenario-as-params",
        "spec-as-params",
    ],
)
def test_a_file_of_another_kind_is_named_as_such_in_one_line(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str, command: tuple[str, ...], message: str
) -> None:
    """A scenario given to `sweep` (or a spec to `run`, a scenario to --params) was refused key by key, a dozen "unknown
    key" and "required field is missing" lines that never said what was wrong; now one line says what the file is."""
    monkeypatch.chdir(tmp_path)
    f = Path("mine.yaml")
    f.write_text((ROOT / "scenarios" / "teaching.yaml").read_text() if written == "teaching" else written)
    out = Path("out")
    r = cli(*(a.format(f=f, out=out) for a in command))
    assert r.code == 2, r.stderr
    assert _one_error_line(r).startswith("error: " + message.format(f=f)), r.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("written", "holds"), [("just a line of notes\n", "one piece of text"), ("- a\n- b\n", "a list"), ("42\n", "a number")]
)
def test_a_file_that_is_not_a_mapping_says_what_it_holds_in_words(cli, tmp_path: Path, written: str, holds: str) -> None:
    """It said "a parameter must be a mapping of keys to values, not str": Python's type name, and "parameter" for the file."""
    f = tmp_path / "notes.txt"
    f.write_text(written)
    for command, kind in (
        (("run", str(f)), "scenario"),
        (("run", "teaching", "--params", str(f)), "parameter"),
        (("sweep", str(f)), "sweep spec"),
    ):
        r = cli(*command)
        assert r.code == 2
        expected = f"error: {f}:1: a {kind} file must be a mapping of keys to values (`key: value` lines); this one holds {holds}"
        assert _one_error_line(r) == expected


# ----------------------------------------------------------- devices, FIFOs


def test_validate_refuses_a_character_device(cli) -> None:
    r = cli("validate", "/dev/zero")
    assert r.code == 2
    assert "/dev/zero: is a character device" in _one_error_line(r)


def test_reads_are_bounded_whatever_the_size_claimed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A regular file that grows past the limit after stat() is read only up to the limit (+1 byte)."""
    from summitry.sim.errors import ScenarioError
    from summitry.sim.scenario import loading

    f = tmp_path / "grows.yaml"
    f.write_bytes(b"a: 1\n")
    monkeypatch.setattr(loading, "MAX_BYTES", 1000)
    reads: list[int] = []
    real_open = Path.open

    class Endless:
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def read(self, n: int = -1) -> bytes:
            reads.append(n)
            assert n >= 0, "an unbounded read"
            return b"x" * n

    monkeypatch.setattr(Path, "open", lambda self, *a, **k: Endless() if self == f else real_open(self, *a, **k))
    with pytest.raises(ScenarioError, match="limited to"):
        loading.read_text(f, "scenario", ScenarioError)
    assert reads == [1001]


def test_validate_refuses_a_fifo_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    # opening a FIFO with no writer blocks: the subprocess (with a generous guard) shows it is never opened
    proc = subprocess.run(
        [sys.executable, "-c", f"from summitry.sim.cli import main; main(['validate', {str(fifo)!r}])"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "is a FIFO (named pipe)" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------- design sizes


def test_grid_of_100000_points_over_3_parameters_is_refused_at_load(cli, tmp_path: Path) -> None:
    spec = tmp_path / "grid.yaml"
    spec.write_text(
        "scenario: teaching\nparameters:\n  kappa: {low: 1, high: 3}\n  trust_decl: {low: 0, high: 0.5}\n"
        "  leak0: {low: 0, high: 0.3}\ndesign: grid\npoints: 100000\n"
    )
    r = cli("sweep", str(spec), "--out", str(tmp_path / "sw"), "--executor", "serial")
    assert r.code == 2
    line = _one_error_line(r)
    assert f"{spec}:7: points:" in line
    assert "1,000,000,000,000,000 runs" in line and "limited to 1,000,000 runs" in line
    assert not (tmp_path / "sw").exists()


def test_lhs_of_a_trillion_runs_is_refused_at_load(cli, tmp_path: Path) -> None:
    spec = tmp_path / "lhs.yaml"
    spec.write_text("scenario: teaching\nparameters:\n  kappa: {low: 1, high: 3}\ndesign: lhs\npoints: 10000000\nreplicates: 100000\n")
    r = cli("sweep", str(spec), "--out", str(tmp_path / "sw"), "--executor", "serial")
    assert r.code == 2
    assert "1,000,000,000,000 runs" in _one_error_line(r)


def test_calibrate_design_size_is_checked(cli, tmp_path: Path) -> None:
    r = cli(
        "calibrate", "hanoi-2019", "--method", "rejection", "--out", str(tmp_path / "c"), "--design", "grid", "--points", "1000", "--runs-per-point", "5",
        "--backtest-runs", "0",
    )  # fmt: skip
    assert r.code == 2
    assert "limited to 1,000,000 runs" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------- numeric option values

BAD_OPTION_VALUES = [
    (("calibrate", "hanoi-2019", "--quantile", "1.5"), "--quantile 1.5: must be a fraction in (0, 1)"),
    (("calibrate", "hanoi-2019", "--min-acceptance", "1.5"), "--min-acceptance 1.5: must be a fraction in [0, 1)"),
    (("calibrate", "hanoi-2019", "--population", "1"), "--population 1: must be at least 2 particles"),
    (("calibrate", "hanoi-2019", "--generations", "0"), "--generations 0: must be at least 1"),
    (("calibrate", "hanoi-2019", "--pilot", "1"), "--pilot 1: must be at least 2 draws"),
    (("calibrate", "hanoi-2019", "--backtest-runs", "1"), "--backtest-runs 1: must be 0 (skip) or at least 2"),
    (("calibrate", "hanoi-2019", "--method", "rejection", "--backtest-runs", "1"), "--backtest-runs 1: must be 0 (skip) or at least 2"),
    (("calibrate", "hanoi-2019", "--method", "rejection", "--accept", "1.5"), "--accept 1.5: must be a fraction in (0, 1]"),
    (("holdout", "hanoi-2019", "--cut", "20", "--population", "1"), "--population 1: must be at least 2 particles"),
    (("holdout", "hanoi-2019", "--cut", "20", "--method", "rejection", "--accept", "1.5"), "--accept 1.5: must be a fraction in (0, 1]"),
    # a fraction is named as written: --accept 2 was named '2.0' (the float Typer made of it), --quantile 5 '5.0'
    (("calibrate", "hanoi-2019", "--method", "rejection", "--accept", "2"), "--accept 2: must be a fraction in (0, 1]"),
    (("calibrate", "hanoi-2019", "--quantile", "5"), "--quantile 5: must be a fraction in (0, 1)"),
    (("calibrate", "hanoi-2019", "--min-acceptance", "1"), "--min-acceptance 1: must be a fraction in [0, 1)"),
    (("calibrate", "hanoi-2019", "--quantile", "half"), "--quantile half: must be a fraction in (0, 1)"),
    (("holdout", "hanoi-2019", "--cut", "20", "--method", "rejection", "--accept", "1e3"), "--accept 1e3: must be a fraction in (0, 1]"),
]


@pytest.mark.parametrize(("args", "message"), BAD_OPTION_VALUES, ids=[" ".join(a[2:]) for a, _ in BAD_OPTION_VALUES])
def test_a_bad_numeric_option_value_says_what_it_must_be(cli, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    """Every bad value of a numeric option reads '--OPTION VALUE: must be ...', the value as typed (--quantile said
    'a fraction in (0, 1)', and named 5 as '5.0')."""
    r = cli(*args, "--out", str(tmp_path / "o"))
    assert r.code == 2
    assert _one_error_line(r) == f"error: {message}"
    assert not (tmp_path / "o").exists()


# -------------------------------------------- params shows what --set accepts


def test_params_shows_the_ranges_set_accepts(cli) -> None:
    r = cli("params", "teaching", "--grep", "parameters.")
    assert r.code == 0
    rows = re.findall(r"(parameters\.\w+)\s*│\s*\S+\s*│\s*(\[[^\]]+\]|\[[^)]+\))\s*│\s*(\[[^\]]+\])", r.stdout)
    assert len(rows) >= 10, r.stdout
    shown = {path: accepted for path, accepted, _ in rows}
    assert shown["parameters.kappa"] == "[0, 20]"
    for path, accepted in shown.items():
        lo_text, hi_text = accepted.strip("[]()").split(", ")
        if hi_text != "∞":
            hi = float(hi_text)
            with pytest.raises(ParameterError) as exc:
                load_scenario("teaching", {path: str(hi + 1)})
            assert f"must be within {accepted}" in str(exc.value)
        if lo_text != "-∞":
            lo = float(lo_text)
            with pytest.raises(ParameterError) as exc:
                load_scenario("teaching", {path: str(lo - 1)})
            assert f"must be within {accepted}" in str(exc.value)


@pytest.mark.parametrize(("value", "fragment"), [("-1", "must be within [0, 50] (got -1)"), ("many", "must be a number")])
def test_set_refuses_a_bad_placation_weight(cli, value: str, fragment: str) -> None:
    r = cli("run", "hanoi-2019", "--steps", "2", "--quiet", "--set", f"parameters.theta_placate={value}")
    assert r.code == 2
    line = _one_error_line(r)
    assert line.startswith("error: --set parameters.theta_placate:") and fragment in line


# -------------------------------------------- a current directory that was removed

SUMMITRY = Path(sys.executable).parent / "summitry"
NO_CWD = "the current directory no longer exists (it was removed or renamed); cd somewhere that does"


def in_removed_dir(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``summitry ARGS`` started in a directory that is removed just before (as when a shell's folder is deleted)."""
    gone = tmp_path / "gone"
    gone.mkdir()
    script = 'cd "$1" && rmdir "$1" && shift && exec "$@"'
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    r = subprocess.run(["sh", "-c", script, "sh", str(gone), str(SUMMITRY), *args], capture_output=True, text=True, env=env, timeout=120)
    assert not gone.exists()
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    return r


def test_commands_that_need_no_current_directory_work_without_one(tmp_path: Path) -> None:
    r = in_removed_dir(tmp_path, "scenarios")
    assert r.returncode == 0, r.stderr
    assert "teaching" in r.stdout and "hanoi-2019" in r.stdout
    r = in_removed_dir(tmp_path, "schema")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["title"]
    r = in_removed_dir(tmp_path, "validate", "teaching", str(ROOT / "scenarios" / "hanoi-2019.yaml"))
    assert r.returncode == 0, r.stderr
    assert "ok teaching" in r.stdout and "hanoi-2019" in r.stdout
    out = tmp_path / "run"
    r = in_removed_dir(tmp_path, "run", "teaching", "--steps", "2", "-q", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "run.json").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "case.yaml"], f"error: case.yaml: a relative path, and {NO_CWD}, or give an absolute path"),
        (["run", "cases/teaching", "--steps", "2"], f"error: cases/teaching: a relative path, and {NO_CWD}, or give an absolute path"),
        (
            ["generate", "--agents", "10", "--edges", "10"],
            f"error: --output synthetic.yaml: a relative path, and {NO_CWD}, or give an absolute path",
        ),
    ],
    ids=["relative-scenario-file", "relative-name-that-is-no-builtin", "default-output"],
)
def test_a_relative_path_without_a_current_directory_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    r = in_removed_dir(tmp_path, *args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == message


def test_a_relative_path_option_without_a_current_directory_is_a_usage_error(tmp_path: Path) -> None:
    r = in_removed_dir(tmp_path, "schema", "-o", "schema.json")
    assert r.returncode == 2, r.stderr
    assert r.stderr == f"error: -o: schema.json is a relative path, and {NO_CWD}, or give an absolute path\n"


@pytest.mark.parametrize(
    "executor",
    [["--workers", "2"], ["--executor", "dask", "--workers", "2"]],
    ids=["local-processes", "dask-local-cluster"],
)
def test_worker_processes_without_a_current_directory_exit_2_before_writing(tmp_path: Path, executor: list[str]) -> None:
    """Refused before any worker starts, a LocalCluster's (local processes too) as well as a process pool's."""
    spec = tmp_path / "spec.yaml"
    spec.write_text("scenario: teaching\ndesign: grid\nparameters:\n  kappa: {levels: [1, 2]}\nsteps: 2\n")
    out = tmp_path / "sweep"
    r = in_removed_dir(tmp_path, "sweep", str(spec), "--out", str(out), *executor)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().endswith(
        "error: worker processes start in the current directory, which no longer exists (it was removed or renamed); cd somewhere that does"
    )
    assert not out.exists()


def test_a_missing_current_directory_found_anywhere_else_exits_2(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any os.getcwd() that fails (a library's, say) ends in the message and exit 2, not a traceback."""
    import errno as errno_module

    import summitry.sim.cli as cli_module
    import summitry.sim.scenario.document as document

    def getcwd_fails(*_a: object, **_k: object) -> None:
        raise FileNotFoundError(errno_module.ENOENT, "No such file or directory")

    monkeypatch.setattr(document, "load_scenario", getcwd_fails)  # the command imports it when it runs
    monkeypatch.setattr(cli_module, "cwd_exists", lambda: False)
    r = cli("scenarios")
    assert r.code == 2
    assert r.stderr.strip() == f"error: {NO_CWD}"


def test_a_missing_file_is_not_taken_for_a_missing_current_directory(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the current directory there, the same error is a fault of summitry's: it is not hidden behind the message."""
    import errno as errno_module

    import summitry.sim.scenario.document as document

    def fails(*_a: object, **_k: object) -> None:
        raise FileNotFoundError(errno_module.ENOENT, "No such file or directory")

    monkeypatch.setattr(document, "load_scenario", fails)
    with pytest.raises(FileNotFoundError):
        cli("scenarios")


@pytest.mark.parametrize("command", [("backtest", "teaching", "--runs", "2"), ("calibrate", "teaching")])
def test_a_case_without_patterns_is_named_by_its_file_without_a_line_it_lacks(cli, command: tuple[str, ...]) -> None:
    """The message named the built-in by its bare name and a line (3: its `name:`) that holds no patterns."""
    from summitry.sim.scenario.document import load_raw

    shown = load_raw("teaching")[2]  # the built-in's file, as every other message names it
    r = cli(*command)
    assert r.code == 2 and "Traceback" not in r.stderr
    assert f"error: {shown}: patterns: the scenario has no historical patterns to score" in r.stderr
    assert shown != "teaching" and f"{shown}:3:" not in r.stderr


def test_a_runs_manifest_given_as_a_scenario_points_to_the_scenario_beside_it(cli, tmp_path: Path) -> None:
    run = tmp_path / "r"
    assert cli("run", "teaching", "--steps", "2", "-q", "--out", str(run)).code == 0
    r = cli("validate", str(run / "run.json"))
    assert r.code == 2 and "Traceback" not in r.stderr
    # one line naming what the file is and where the scenario is, not thirty unknown keys
    assert r.stderr.strip() == (
        f"error: {run / 'run.json'}:1: this is a run manifest file, not a scenario file: the scenario that run used is beside it, "
        f"{run / 'scenario.json'}; a scenario file has name, title, time, issues, sides (docs/scenarios.md)"
    )
    assert cli("validate", str(run / "scenario.json")).code == 0


def test_chart_format_without_charts_is_refused_not_ignored(cli, tmp_path: Path) -> None:
    run = tmp_path / "r"
    assert cli("run", "teaching", "--steps", "2", "-q", "--out", str(run)).code == 0
    r = cli("report", str(run), "--chart-format", "svg")
    assert r.code == 2 and "--chart-format svg: only with --charts DIR" in r.stderr
    assert not (run / "report.html").exists()  # refused before any work


def test_validate_counts_one_step_in_the_singular(cli, tmp_path: Path) -> None:
    from summitry.sim.scenario.document import load_raw

    text = Path(load_raw("teaching")[2]).read_text().replace("steps: 30}", "steps: 1}")
    path = tmp_path / "one.yaml"
    path.write_text(text)
    r = cli("validate", str(path))
    assert r.code == 0 and "actors, 1 step)" in r.stdout


# ------------------------------------------------ numbers out of range: one line, as summitry's other errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "teaching", "--steps", "200000"), "error: --steps: must be within [1, 100000] (got 200000)"),
        (("run", "teaching", "--steps", "0"), "error: --steps: must be within [1, 100000] (got 0)"),
        (("run", "teaching", "--seed", "-1"), "error: --seed: must be >= 0 (got -1)"),
        (("run", "teaching", "--steps", "many"), "error: --steps: must be a whole number (got 'many')"),
        (("run", "teaching", "--steps="), "error: --steps: the value is empty; give a whole number"),
        (("backtest", "teaching", "--runs", "1"), "error: --runs: must be within [2, 100000] (got 1)"),
        (("explain", "teaching", "--step", "-2"), "error: --step: must be >= 0 (got -2)"),
        (("generate", "--sides", "1"), "error: --sides: must be within [2, 50] (got 1)"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_a_number_out_of_range_is_one_line_naming_the_option(cli, args: tuple[str, ...], message: str) -> None:
    """It was Typer's usage line and a boxed panel ("Invalid value for '--steps': Input should be less than or equal to
    100000"); now one line in the words of a field's or --set's range."""
    r = cli(*args)
    assert r.code == 2
    assert r.stdout == ""
    assert _one_error_line(r) == message


def _bounded_options() -> list[tuple[str, str, int]]:
    """(command, option, a value below its minimum) for every option of every command that has a minimum."""
    import typer

    import summitry.sim.cli as package

    group = typer.main.get_command(package.app)
    found = []
    for name, command in sorted(group.commands.items()):  # type: ignore[attr-defined]
        for param in command.params:
            low = getattr(param, "min", None)
            if getattr(param, "opts", None) and isinstance(low, int) and param.param_type_name == "option":
                found.append((name, max(param.opts, key=len), low - 1))
    return found


@pytest.mark.parametrize(("command", "option", "value"), _bounded_options(), ids=lambda v: str(v))
def test_every_commands_bounded_option_is_refused_in_one_line(cli, served: dict, command: str, option: str, value: int) -> None:
    r = cli(command, option, str(value))
    assert r.code == 2
    line = _one_error_line(r)
    assert line.startswith(f"error: {option}: must be "), line
    assert line.endswith(f"(got {value})"), line
    assert served == {}  # refused before anything was served


# ------------------------------------------------ the JSON Schema given as a scenario


def test_the_json_schema_given_as_a_scenario_is_named_for_what_it_is(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It was refused key by key: "properties: unknown key (... did you mean 'third_parties'?)" and eight missing fields."""
    schema = ROOT / "scenarios" / "schema.json"
    r = cli("validate", str(schema))
    assert r.code == 2
    assert _one_error_line(r) == (
        f"error: {schema}:1: this is a JSON Schema (summitry schema writes it), not a scenario file: it describes scenario "
        "files, for an editor to check one as you type; a scenario file has name, title, time, issues, sides (docs/scenarios.md)"
    )
    monkeypatch.chdir(tmp_path)  # a short name: the line names it
    written = "s.json"
    assert cli("schema", "-o", written).code == 0
    for args, kind in (("sweep", written), "sweep spec"), (("run", "teaching", "--params", written), "parameter"):
        r = cli(*args)
        assert r.code == 2
        assert _one_error_line(r).startswith(f"error: {written}:1: this is a JSON Schema (summitry schema writes it), not a {kind} file")


def test_a_json_scenario_that_names_its_schema_is_no_schema(cli, tmp_path: Path) -> None:
    import yaml

    data = {"$schema": "./schema.json", **yaml.safe_load((ROOT / "scenarios" / "teaching.yaml").read_text())}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, default=str, indent=1))
    r = cli("validate", str(path))
    assert r.code == 2
    assert _one_error_line(r) == f"error: {path}:2: $schema: unknown key (not part of the format; check its spelling)"
