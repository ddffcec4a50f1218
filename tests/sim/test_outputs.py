"""Summitry never deletes or overwrites what it did not write; output paths are checked before any work.

Each case puts foreign files (a thesis draft and a subfolder) where an
output goes and checks that the command exits 2 with a message naming the
directory, and that every foreign byte survives.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from summitry.sim.atomic import remove_stale_temporaries
from summitry.sim.errors import RunDirError
from summitry.sim.results.run_result import RunResult
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario
from tests.files import tree_bytes

THESIS = "Chapter 1. Summits and their discontents.\n"


def _foreign_dir(d: Path) -> Path:
    d.mkdir(parents=True)
    (d / "thesis.md").write_text(THESIS)
    (d / "figures").mkdir()
    (d / "figures" / "fig1.txt").write_text("a figure")
    return d


def _assert_foreign_intact(d: Path) -> None:
    assert (d / "thesis.md").read_text() == THESIS
    assert (d / "figures" / "fig1.txt").read_text() == "a figure"


def _error_line(r) -> str:
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in r.stderr
    return " ".join(lines)


@pytest.fixture(scope="module")
def small_run() -> RunResult:
    return run_scenario(load_scenario("teaching"), seed=1, steps=8)


# ------------------------------------------------------------------ run --out


def test_run_out_refuses_a_foreign_directory_and_leaves_it_intact(tmp_path: Path, cli) -> None:
    d = _foreign_dir(tmp_path / "mythesis")
    r = cli("run", "teaching", "--steps", "4", "--out", str(d), "--quiet")
    assert r.code == 2, r.stderr
    msg = _error_line(r)
    assert str(d) in msg and "--overwrite" not in msg  # the message offers no way to delete the user's files
    _assert_foreign_intact(d)
    assert sorted(p.name for p in d.iterdir()) == ["figures", "thesis.md"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary left beside it"


def test_run_out_replaces_its_own_run_directory(tmp_path: Path, cli) -> None:
    d = tmp_path / "run"
    assert cli("run", "teaching", "--steps", "4", "--seed", "1", "--out", str(d), "--quiet").code == 0
    assert json.loads((d / "run.json").read_text())["seed"] == 1
    r = cli("run", "teaching", "--steps", "4", "--seed", "2", "--out", str(d), "--quiet")
    assert r.code == 0, r.stderr
    assert json.loads((d / "run.json").read_text())["seed"] == 2


def test_run_out_refuses_a_run_directory_holding_foreign_files(tmp_path: Path, cli) -> None:
    d = tmp_path / "run"
    assert cli("run", "teaching", "--steps", "4", "--out", str(d), "--quiet").code == 0
    (d / "notes.txt").write_text("mine")
    r = cli("run", "teaching", "--steps", "4", "--seed", "2", "--out", str(d), "--quiet")
    assert r.code == 2
    assert "notes.txt" in _error_line(r)
    assert (d / "notes.txt").read_text() == "mine"


def test_run_out_refuses_a_fake_run_json(tmp_path: Path, cli) -> None:
    """A run.json that summitry did not write (no summitry fields) does not make a directory summitry's."""
    d = _foreign_dir(tmp_path / "fake")
    (d / "run.json").write_text('{"my": "own config"}')
    r = cli("run", "teaching", "--steps", "4", "--out", str(d), "--quiet")
    assert r.code == 2
    _assert_foreign_intact(d)
    assert (d / "run.json").read_text() == '{"my": "own config"}'


def _users_parquet(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"city": ["Hanoi"], "visits": [2]}), path)


# a user's file under one of the names summitry writes in a run directory: the name alone does not make it summitry's
USERS_FILES_UNDER_OUR_NAMES = {
    "report.html": lambda d: (d / "report.html").write_text("<html>my own notes</html>"),
    "report.pdf (a folder)": lambda d: ((d / "report.pdf").mkdir(), (d / "report.pdf" / "thesis.txt").write_text("precious")),
    "report.pdf": lambda d: (d / "report.pdf").write_bytes(b"%PDF-1.7 my own summitry notes"),
    "events.csv": lambda d: (d / "events.csv").write_text("my csv\n"),
    "series.csv": lambda d: (d / "series.csv").write_text('"step","city"\n1,Hanoi\n'),
    "events.parquet": lambda d: _users_parquet(d / "events.parquet"),
    "scenario.json": lambda d: (d / "scenario.json").write_text("[1, 2, 3]"),
}


@pytest.mark.parametrize("case", sorted(USERS_FILES_UNDER_OUR_NAMES))
def test_run_out_keeps_a_users_file_that_bears_one_of_summitrys_names(tmp_path: Path, cli, case: str) -> None:
    """`run --out` over its own run directory refuses when an entry has summitry's name but not its content."""
    d = tmp_path / "run"
    assert cli("run", "teaching", "--steps", "4", "--seed", "1", "--out", str(d), "--quiet").code == 0
    USERS_FILES_UNDER_OUR_NAMES[case](d)
    before = tree_bytes(d)
    r = cli("run", "teaching", "--steps", "4", "--seed", "2", "--out", str(d), "--quiet", "--report")
    assert r.code == 2, r.stderr
    assert case.split()[0] in _error_line(r)
    assert tree_bytes(d) == before


def test_run_out_replaces_its_own_reports_and_csv_tables(tmp_path: Path, cli) -> None:
    """What summitry wrote under those names is recognised by content, so its own run directory is still replaced."""
    d = tmp_path / "run"
    assert cli("run", "teaching", "--steps", "4", "--seed", "1", "--out", str(d), "--quiet", "--report", "--format", "csv").code == 0
    assert {"report.html", "events.csv", "series.csv"} <= {p.name for p in d.iterdir()}
    r = cli("run", "teaching", "--steps", "4", "--seed", "2", "--out", str(d), "--quiet")
    assert r.code == 0, r.stderr
    assert json.loads((d / "run.json").read_text())["seed"] == 2
    assert sorted(p.name for p in d.iterdir()) == ["events.parquet", "run.json", "scenario.json", "series.parquet"]


@pytest.mark.parametrize("own_run", [False, True])
def test_overwrite_no_longer_deletes_a_foreign_directory(tmp_path: Path, cli, own_run: bool) -> None:
    """--overwrite used to replace the directory, deleting thesis.md; it is refused before any work, with its reason."""
    d = _foreign_dir(tmp_path / "scratch")
    if own_run:  # a run directory of summitry's into which the user put files of their own
        assert cli("run", "teaching", "--steps", "2", "--out", str(tmp_path / "r"), "--quiet").code == 0
        (d / "run.json").write_bytes((tmp_path / "r" / "run.json").read_bytes())
    before = tree_bytes(d)
    r = cli("run", "teaching", "--steps", "4", "--out", str(d), "--quiet", "--overwrite")
    assert r.code == 2, r.stderr
    assert "--overwrite: no longer offered: summitry does not delete files it did not write" in _error_line(r)
    assert tree_bytes(d) == before
    _assert_foreign_intact(d)


def test_run_out_into_an_empty_directory_is_fine(tmp_path: Path, cli) -> None:
    d = tmp_path / "empty"
    d.mkdir()
    assert cli("run", "teaching", "--steps", "4", "--out", str(d), "--quiet").code == 0
    assert (d / "run.json").exists()


def test_save_refuses_a_foreign_directory(tmp_path: Path, small_run: RunResult) -> None:
    d = _foreign_dir(tmp_path / "x")
    with pytest.raises(RunDirError, match="not a run directory"):
        small_run.save(d)
    _assert_foreign_intact(d)


@pytest.mark.parametrize("out", [".", "..", "gone/..", "{work}", "{above}", "figures/.."])
def test_run_out_refuses_the_current_directory_or_one_above_it_before_running(
    tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch, out: str
) -> None:
    """Renaming "." fails at the run's last step (EBUSY, exit 1), and a directory above would be
    replaced with everything it holds."""
    import summitry.sim.run

    def no_work(*_a, **_k):
        raise AssertionError("the run started before --out was checked")

    work = _foreign_dir(tmp_path / "work")
    monkeypatch.chdir(work)
    monkeypatch.setattr(summitry.sim.run, "run_scenario", no_work)
    out = out.format(work=work, above=tmp_path)
    r = cli("run", "teaching", "--out", out, "--quiet")
    assert r.code == 2, r.stderr
    assert f"--out {out}: is the current directory or one above it; a run directory is written whole" in _error_line(r)
    _assert_foreign_intact(work)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_run_out_refuses_a_path_ending_in_dot_dot(tmp_path: Path, cli) -> None:
    d = _foreign_dir(tmp_path / "d")
    r = cli("run", "teaching", "--out", f"{d}/figures/..", "--quiet")
    assert r.code == 2
    assert f"--out {d}/figures/..: ends in '..'" in _error_line(r)
    _assert_foreign_intact(d)


def test_save_refuses_the_current_directory(tmp_path: Path, small_run: RunResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RunDirError, match="is the current directory or one above it"):
        small_run.save(".")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------- other commands


def _sweep_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "scenario: teaching\nparameters:\n  kappa: {low: 1, high: 3}\ndesign: grid\npoints: 2\nreplicates: 1\nsteps: 4\nbatch_size: 2\n"
    )
    return spec


def test_sweep_out_refuses_a_foreign_directory_even_with_a_runs_folder(tmp_path: Path, cli) -> None:
    d = _foreign_dir(tmp_path / "data")
    (d / "runs").mkdir()
    (d / "runs" / ".keep.tmp").write_text("my hidden file")
    (d / "runs" / "part-000000.parquet").write_text("not a part of summitry's")
    r = cli("sweep", str(_sweep_spec(tmp_path)), "--out", str(d), "--executor", "serial")
    assert r.code == 2, r.stderr
    assert str(d) in _error_line(r)
    _assert_foreign_intact(d)
    assert (d / "runs" / ".keep.tmp").read_text() == "my hidden file"
    assert (d / "runs" / "part-000000.parquet").read_text() == "not a part of summitry's"
    assert not (d / "sweep.json").exists()


def test_an_output_directory_of_another_kind_is_named_for_what_it_is(tmp_path: Path, cli, small_run: RunResult) -> None:
    """A run directory given to sweep --out (or calibrate --out) is summitry's own: the refusal says what it is, not that
    summitry did not write it, and the directory is left as it was."""
    run_dir = tmp_path / "run"
    small_run.save(run_dir)
    before = sorted((q.name, q.read_bytes()) for q in run_dir.iterdir())
    r = cli("sweep", str(_sweep_spec(tmp_path)), "--out", str(run_dir), "--executor", "serial")
    assert r.code == 2, r.stderr
    assert f"--out {run_dir}: this is summitry's run directory, and --out needs a sweep directory" in _error_line(r)
    assert "did not write" not in r.stderr
    assert sorted((q.name, q.read_bytes()) for q in run_dir.iterdir()) == before


def test_sweep_resumes_its_own_directory(tmp_path: Path, cli) -> None:
    d = tmp_path / "sw"
    spec = _sweep_spec(tmp_path)
    assert cli("sweep", str(spec), "--out", str(d), "--executor", "serial").code == 0
    assert cli("sweep", str(spec), "--out", str(d), "--executor", "serial", "--resume").code == 0


def test_backtest_out_refuses_a_foreign_directory(tmp_path: Path, cli) -> None:
    d = _foreign_dir(tmp_path / "bt")
    (d / "example-run").mkdir()
    (d / "example-run" / "mine.txt").write_text("mine")
    r = cli("backtest", "hanoi-2019", "--runs", "2", "--workers", "1", "--out", str(d))
    assert r.code == 2, r.stderr
    assert str(d) in _error_line(r)
    _assert_foreign_intact(d)
    assert (d / "example-run" / "mine.txt").read_text() == "mine"


@pytest.fixture(scope="module")
def small_backtest():
    from summitry.sim.experiments.backtest import backtest

    return backtest(load_scenario("hanoi-2019"), runs=3, seed=1, refine=1, pilot_runs=3)


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_backtest_save_refuses_a_directory_holding_a_users_files_under_its_names(tmp_path: Path, small_backtest) -> None:
    """The library, not only the command: a user's runs.parquet and example-run/ are not replaced."""
    d = _foreign_dir(tmp_path / "bt")
    (d / "runs.parquet").write_text("my own table")
    (d / "example-run").mkdir()
    (d / "example-run" / "notes.txt").write_text("mine")
    before = _tree(d)
    with pytest.raises(RunDirError, match="holds files summitry did not write"):
        small_backtest.save(d)
    assert _tree(d) == before
    # a lone runs.parquet is refused too: without a backtest.json of summitry's it is taken to be the user's
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "runs.parquet").write_text("my own table")
    with pytest.raises(RunDirError):
        small_backtest.save(lone)
    assert (lone / "runs.parquet").read_text() == "my own table"


def test_backtest_save_writes_whole_and_replaces_only_its_own(tmp_path: Path, small_backtest, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "bt"
    d.mkdir()  # an empty directory is fine
    small_backtest.save(d, example=False)
    assert sorted(p.name for p in d.iterdir()) == ["backtest.json", "runs.parquet"]
    first = json.loads((d / "backtest.json").read_text())
    assert first["runs"] == 3 and first["versions"]["summitry"]
    # its own directory is replaced whole: the example run appears, nothing else is left beside it
    small_backtest.save(d)
    assert sorted(p.name for p in d.iterdir()) == ["backtest.json", "example-run", "runs.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bt"]
    before = _tree(d)

    # a crash while writing another backtest's example run leaves the old directory as it was (not the new
    # runs.parquet beside the old backtest.json) and no temporary beside it
    from summitry.sim.experiments.backtest import backtest

    other = backtest(load_scenario("hanoi-2019"), runs=3, seed=2, refine=1, pilot_runs=3)

    def crash(*_a, **_k):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(RunResult, "save", crash)
    with pytest.raises(OSError, match="Input/output"):
        other.save(d)
    assert _tree(d) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bt"]


def test_backtest_out_refuses_the_current_directory_before_running(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty current directory passed the old check and failed only at the save, after every run was made."""
    import summitry.sim.experiments.backtest

    def no_work(*_a, **_k):
        raise AssertionError("the backtest started before --out was checked")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(summitry.sim.experiments.backtest, "backtest", no_work)
    r = cli("backtest", "hanoi-2019", "--runs", "2", "--workers", "1", "--out", ".")
    assert r.code == 2, r.stderr
    assert "--out .: is the current directory or one above it; a backtest directory is written whole" in _error_line(r)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("method", [["--population", "2"], ["--method", "rejection", "--points", "2", "--runs-per-point", "1"]])
def test_calibrate_out_refuses_a_foreign_directory(tmp_path: Path, cli, method: list[str]) -> None:
    d = _foreign_dir(tmp_path / "cal")
    (d / "runs").mkdir()
    r = cli("calibrate", "hanoi-2019", "--out", str(d), *method, "--backtest-runs", "0")
    assert r.code == 2, r.stderr
    assert str(d) in _error_line(r)
    _assert_foreign_intact(d)
    assert sorted(p.name for p in d.iterdir()) == ["figures", "runs", "thesis.md"]


def test_report_output_refuses_a_foreign_file_and_its_pdf_sibling(tmp_path: Path, cli, small_run: RunResult) -> None:
    run = small_run.save(tmp_path / "run")
    target = tmp_path / "thesis.html"
    target.write_text("<html>my thesis</html>")
    r = cli("report", str(run), "-o", str(target))
    assert r.code == 2
    assert str(target) in _error_line(r)
    assert target.read_text() == "<html>my thesis</html>"
    # a report of summitry's may be rewritten
    mine = tmp_path / "r.html"
    assert cli("report", str(run), "-o", str(mine)).code == 0
    assert cli("report", str(run), "-o", str(mine)).code == 0
    # --pdf would write r2.pdf beside r2.html: a foreign PDF there is refused before anything is written
    (tmp_path / "r2.pdf").write_bytes(b"%PDF-1.4 my own pdf")
    r = cli("report", str(run), "-o", str(tmp_path / "r2.html"), "--pdf")
    assert r.code == 2
    assert "r2.pdf" in _error_line(r)
    assert (tmp_path / "r2.pdf").read_bytes() == b"%PDF-1.4 my own pdf"
    assert not (tmp_path / "r2.html").exists()
    # a PDF of the user's that cites summitry (text and its title in UTF-16, as Skia writes it) is not summitry's report
    cites = b"%PDF-1.4 (Simulations with summitry) /Title <FEFF" + "summitry".encode("utf-16-be").hex().upper().encode() + b">"
    (tmp_path / "r3.pdf").write_bytes(cites)
    r = cli("report", str(run), "-o", str(tmp_path / "r3.html"), "--pdf")
    assert r.code == 2 and "r3.pdf" in _error_line(r)
    assert (tmp_path / "r3.pdf").read_bytes() == cites


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("schema", "a schema written by `summitry schema`"),
        ("generate", "a scenario written by `summitry generate`"),
        ("report", "an HTML report written by summitry"),
        ("report --pdf", "a PDF report written by summitry"),
    ],
)
def test_a_file_output_in_the_way_is_named_for_what_it_is_not(tmp_path: Path, cli, command: str, kind: str) -> None:
    """None of these commands has --overwrite: the message does not offer it, and it does not say that a file summitry
    wrote of another kind (here the scenario schema, where a scenario or a report goes) was not written by summitry."""
    theirs = tmp_path / "schema.json"
    assert cli("schema", "-o", str(theirs)).code == 0
    if command == "schema":
        theirs.write_text("{}")  # the user's own JSON
    elif command == "report --pdf":
        theirs = tmp_path / "r.pdf"
        theirs.write_bytes(b"%PDF-1.4 my own pdf")
    before = theirs.read_bytes()
    args = {
        "schema": ["schema", "-o", str(theirs)],
        "generate": ["generate", "-o", str(theirs)],
        "report": ["report", str(tmp_path), "-o", str(theirs)],
        "report --pdf": ["report", str(tmp_path), "-o", str(theirs.with_suffix(".html")), "--pdf"],
    }[command]
    r = cli(*args)
    assert r.code == 2
    msg = _error_line(r)
    assert f"{theirs}: the file exists and is not {kind}" in msg
    assert "choose another path, or move or remove the file" in msg
    assert "--overwrite" not in msg and "not written by summitry" not in msg
    assert theirs.read_bytes() == before


@pytest.mark.parametrize("command", ["schema", "generate"])
def test_a_file_output_into_a_missing_folder_creates_it(tmp_path: Path, cli, command: str) -> None:
    """As report -o does; the write failed with FileNotFoundError (exit 1) making its temporary file there."""
    out = tmp_path / "new" / "deeper" / "out.yaml"
    extra = ["--agents", "10", "--edges", "30"] if command == "generate" else []
    r = cli(command, "-o", str(out), *extra)
    assert r.code == 0, r.stderr
    assert out.is_file() and f"wrote {out}" in r.stderr


# ------------------------------------------------------- paths checked first


def _outputs(tmp_path: Path) -> dict[str, Path]:
    afile = tmp_path / "afile"
    afile.write_text("x")
    return {
        "under-a-file": afile / "out",
        "too-long": tmp_path / ("n" * 300),
        "proc": Path("/proc/summitry-out"),
        "sys": Path("/sys/summitry-out"),
    }


@pytest.mark.parametrize("case", ["under-a-file", "too-long", "proc", "sys"])
def test_bad_output_paths_are_refused_before_any_work(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    import summitry.sim.run

    path = _outputs(tmp_path)[case]

    def no_work(*_a, **_k):
        raise AssertionError("the run started before the output path was checked")

    monkeypatch.setattr(summitry.sim.run, "run_scenario", no_work)
    r = cli("run", "teaching", "--out", str(path), "--quiet")
    assert r.code == 2, (r.stdout, r.stderr)
    msg = _error_line(r)
    assert "--out" in msg
    assert {"under-a-file": "is a file", "too-long": "characters", "proc": "/proc", "sys": "/sys"}[case] in msg


@pytest.mark.parametrize("command", ["report", "sweep", "backtest", "calibrate", "calibrate-rejection", "schema", "generate"])
def test_every_output_option_checks_its_path(tmp_path: Path, cli, command: str, small_run: RunResult) -> None:
    bad = tmp_path / ("n" * 300)
    run = small_run.save(tmp_path / "run")
    args = {
        "report": ["report", str(run), "-o", str(bad)],
        "sweep": ["sweep", str(_sweep_spec(tmp_path)), "--out", str(bad), "--executor", "serial"],
        "backtest": ["backtest", "hanoi-2019", "--runs", "2", "--workers", "1", "--out", str(bad)],
        "calibrate": ["calibrate", "hanoi-2019", "--out", str(bad), "--population", "2", "--backtest-runs", "0"],
        "calibrate-rejection": [
            "calibrate",
            "hanoi-2019",
            "--method",
            "rejection",
            "--out",
            str(bad),
            "--points",
            "2",
            "--backtest-runs",
            "0",
        ],
        "schema": ["schema", "-o", str(bad)],
        "generate": ["generate", "-o", str(bad)],
    }[command]
    r = cli(*args)
    assert r.code == 2, (r.stdout, r.stderr)
    assert "characters" in _error_line(r)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "spec.yaml") == ["run"]


def test_read_only_mount_is_refused(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only file system (statvfs's ST_RDONLY; root writes anywhere else) is named in the message."""
    import summitry.sim.outputs

    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.statvfs

    class _RO:
        def __init__(self, st: os.statvfs_result) -> None:
            self._st = st
            self.f_flag = st.f_flag | os.ST_RDONLY

    monkeypatch.setattr(summitry.sim.outputs.os, "statvfs", lambda p: _RO(real(p)) if Path(p) == ro else real(p))
    r = cli("run", "teaching", "--out", str(ro / "run"), "--quiet")
    assert r.code == 2
    assert "read-only" in _error_line(r) and str(ro) in _error_line(r)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into mode-0555 directories")
def test_read_only_directory_is_refused(tmp_path: Path, cli) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        r = cli("run", "teaching", "--out", str(ro / "run"), "--quiet")
    finally:
        ro.chmod(0o755)
    assert r.code == 2
    assert "read-only" in _error_line(r)


# ---------------------------------------------------------------- full disk


def _enospc(*_a, **_k):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_during_run_save_is_one_line_exit_1(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import summitry.sim.results.run_result

    monkeypatch.setattr(summitry.sim.results.run_result.pq, "write_table", _enospc)
    d = tmp_path / "run"
    r = cli("run", "teaching", "--steps", "4", "--out", str(d), "--quiet")
    assert r.code == 1
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"error: no space left on device while writing {d}"]
    assert not d.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "the temporary directory was removed"


def test_full_disk_with_debug_shows_the_traceback(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import summitry.sim.results.run_result
    from summitry.sim.errors import DiskFullError

    monkeypatch.setattr(summitry.sim.results.run_result.pq, "write_table", _enospc)
    with pytest.raises(DiskFullError):
        cli("--debug", "run", "teaching", "--steps", "4", "--out", str(tmp_path / "run"), "--quiet")


def test_full_disk_during_report_and_sweep(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch, small_run: RunResult) -> None:
    run = small_run.save(tmp_path / "run")
    real_write_text = Path.write_text

    def full(self: Path, *a, **k):
        if self.name.startswith((".r.html.", ".sweep.json.")):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_text(self, *a, **k)

    monkeypatch.setattr(Path, "write_text", full)
    r = cli("report", str(run), "-o", str(tmp_path / "r.html"))
    assert r.code == 1, r.stderr
    assert r.stderr.strip() == f"error: no space left on device while writing {tmp_path / 'r.html'}"
    assert not (tmp_path / "r.html").exists()
    r = cli("sweep", str(_sweep_spec(tmp_path)), "--out", str(tmp_path / "sw"), "--executor", "serial")
    assert r.code == 1
    assert f"no space left on device while writing {tmp_path / 'sw' / 'sweep.json'}" in r.stderr
    assert "Traceback" not in r.stderr
    # what the failed sweep left (its empty store folder) takes the same sweep once there is room again, without --resume
    monkeypatch.setattr(Path, "write_text", real_write_text)
    assert sorted(p.name for p in (tmp_path / "sw").iterdir()) == ["runs"] and not any((tmp_path / "sw" / "runs").iterdir())
    r = cli("sweep", str(_sweep_spec(tmp_path)), "--out", str(tmp_path / "sw"), "--executor", "serial")
    assert r.code == 0, r.stderr
    assert (tmp_path / "sw" / "sweep.json").is_file() and list((tmp_path / "sw" / "runs").glob("part-*.parquet"))


def test_a_folder_called_runs_that_holds_a_file_is_not_an_empty_store(tmp_path: Path, cli) -> None:
    (tmp_path / "sw" / "runs").mkdir(parents=True)
    (tmp_path / "sw" / "runs" / "mine.txt").write_text("mine")
    r = cli("sweep", str(_sweep_spec(tmp_path)), "--out", str(tmp_path / "sw"), "--executor", "serial")
    assert r.code == 2 and "Traceback" not in r.stderr
    assert sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "sw").rglob("*")) == ["sw/runs", "sw/runs/mine.txt"]


# ------------------------------------------------------------ leftover temps


def test_stale_temporaries_of_summitrys_naming_are_removed_at_the_next_write(tmp_path: Path, small_run: RunResult) -> None:
    old = 10**9  # 2001: long past any write in progress
    stale_dir = tmp_path / ".run.ab12cd_3.tmp"
    stale_dir.mkdir()
    (stale_dir / "events.parquet").write_text("half")
    stale_file = tmp_path / ".r.html.zz9x8y7w.tmp"
    stale_file.write_text("half a report")
    fresh = tmp_path / ".run.qwertyui.tmp"  # another write in progress right now
    fresh.mkdir()
    foreign = [tmp_path / ".run.mine.tmp", tmp_path / ".runaway.abcdefgh.tmp", tmp_path / "run.abcdefgh.tmp"]
    for f in foreign:
        f.write_text("not summitry's")
    for p in (stale_dir, stale_file, *foreign):
        os.utime(p, (old, old))
    small_run.save(tmp_path / "run")
    assert not stale_dir.exists()
    assert fresh.exists()
    assert all(f.read_text() == "not summitry's" for f in foreign)
    assert stale_file.exists()  # another name's temporaries wait for that name's next write
    assert remove_stale_temporaries(tmp_path / "r.html") == [stale_file]


@pytest.mark.slow
def test_report_pdf_of_summitrys_own_is_recognised_and_rewritten(tmp_path: Path, cli, small_run: RunResult) -> None:
    """Chromium's PDF carries the report's title (UTF-16 hex) in its metadata: a second --pdf to the same place is allowed."""
    from summitry.sim.outputs import REPORT_PDF_MARKERS

    run = small_run.save(tmp_path / "run")
    for _ in range(2):
        r = cli("report", str(run), "-o", str(tmp_path / "r.html"), "--pdf")
        assert r.code == 0, r.stderr
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert any(m in pdf for m in REPORT_PDF_MARKERS)
    assert not list(tmp_path.glob(".r.*"))


def test_report_charts_refuses_a_foreign_directory_before_any_work(tmp_path: Path, cli, small_run: RunResult) -> None:
    from summitry.sim.outputs import CHARTS_MARKER, check_charts_dir

    run = small_run.save(tmp_path / "run")
    figs = tmp_path / "figs"
    figs.mkdir()
    (figs / "trust.png").write_bytes(b"my own figure")
    r = cli("report", str(run), "--charts", str(figs))
    assert r.code == 2
    assert str(figs) in _error_line(r)
    assert (figs / "trust.png").read_bytes() == b"my own figure"
    assert not (run / "report.html").exists(), "the check came before the report was written"
    (figs / CHARTS_MARKER).write_text("trust.png\n")  # an earlier export of summitry's
    check_charts_dir(figs)


# ------------------------------------------------------- a directory one may not read


def _locked(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """Listing ``locked`` fails as it does for a user without read permission (root reads everything, so it is simulated)."""
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(os.fspath(path)).resolve() == locked.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


@pytest.mark.parametrize("command", ["report", "compare", "resume", "run-out"])
def test_a_directory_that_cannot_be_read_is_named_as_such(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    """Was a PermissionError traceback (report, backtest --compare) or 'has no sweep.json' (sweep --resume)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "run.json").write_text("{}")
    _locked(monkeypatch, locked)
    args = {
        "report": ("report", str(locked), "-o", str(tmp_path / "r.html")),
        "compare": ("backtest", "singapore-2018", "--runs", "2", "--workers", "1", "--compare", str(locked)),
        "resume": ("sweep", str(_sweep_spec(tmp_path)), "--out", str(locked), "--resume", "--executor", "serial"),
        "run-out": ("run", "teaching", "--steps", "2", "-q", "--out", str(locked)),
    }[command]
    r = cli(*args)
    assert r.code == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert f"{locked}: cannot read the directory (permission denied)" in r.stderr
