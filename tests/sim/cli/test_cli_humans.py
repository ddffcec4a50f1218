"""A command line for humans: tables that wrap instead of cutting, whole rows when piped, progress that keeps
done/total and the ETA at 80 columns, a backtest that reports progress when piped, resume hints that can be run."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import shlex
import struct
import subprocess
import sys
import termios
import time
from fcntl import ioctl
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from summitry.sim.scenario.document import load_scenario
from summitry.sim.scenario.overrides import parameter_table

ROOT = Path(__file__).resolve().parents[3]
SUMMITRY = Path(sys.executable).parent / "summitry"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def piped(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm"}
    env.pop("SUMMITRY_PROGRESS", None)
    return subprocess.run([str(SUMMITRY), *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


def in_terminal(*args: str, columns: int = 80) -> str:
    """Run the command in a pseudo-terminal ``columns`` wide; its output with escape sequences removed."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm", "COLUMNS": str(columns)}
    proc = subprocess.Popen([str(SUMMITRY), *args], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    return ANSI.sub("", b"".join(chunks).decode("utf-8", errors="replace")).replace("\r", "")


# ------------------------------------------------------------------ tables
def test_params_in_an_80_column_terminal_wraps_paths_instead_of_cutting_them() -> None:
    text = in_terminal("params", "hanoi-2019", "--grep", "trump.")
    lines = text.splitlines()
    assert "…" not in text
    assert max(len(line) for line in lines) <= 80
    first_cells = "".join(line.split("│")[1].strip() for line in lines if line.startswith("│"))
    paths = [p.path for p in parameter_table(load_scenario("hanoi-2019")) if "trump." in p.path]
    assert len(paths) >= 8
    for path in paths:
        assert path in first_cells, path  # whole, folded over lines where it is long


def test_params_piped_prints_every_row_whole_on_one_line() -> None:
    r = piped("params", "hanoi-2019")
    assert r.returncode == 0, r.stderr
    assert "…" not in r.stdout
    lines = r.stdout.splitlines()
    table = parameter_table(load_scenario("hanoi-2019"))
    for p in table:
        row = next((line for line in lines if line.startswith(f"│ {p.path} ")), None)
        assert row is not None, p.path
        assert p.description.strip() in row  # the meaning too, not wrapped onto further lines
    assert len([line for line in lines if line.startswith("│ ")]) == len(table)


def test_the_run_header_keeps_the_mode_in_80_columns() -> None:
    text = in_terminal("run", "hanoi-2019", "--steps", "3")
    assert "free mode" in " ".join(text.split())  # wrapped, not cut


def test_the_backtest_table_fits_the_terminal_and_says_what_its_intervals_are() -> None:
    """Its text column had a minimum width and a ratio, with which rich cropped the table at the terminal's edge: at
    80, 100 and even 140 columns the last columns (part of overall skill, if matched) were cut off, row by row. And
    the table gave intervals without saying which (Wilson, Newcombe, Student-t) or what "if matched" means."""
    from summitry.sim.cli.shared import BACKTEST_CAPTION

    for columns in (80, 100):
        text = in_terminal("backtest", "hanoi-2019", "--runs", "4", "--workers", "1", columns=columns)
        rows = [line for line in text.splitlines() if line[:1] in "┏┃┡│├└"]
        assert len(rows) > 20
        for row in rows:
            assert row.rstrip()[-1] in "┓┃┩│┤┘", row  # every row ends with the table's right border: nothing is cut
            assert len(row) <= columns
        words = " ".join(text.split())
        assert " ".join(BACKTEST_CAPTION.split()) in words
    assert "conservative Wilson 95% interval" in BACKTEST_CAPTION and "Newcombe 95%" in BACKTEST_CAPTION
    assert "Student-t 95%" in BACKTEST_CAPTION and "if matched: how much the overall skill would rise" in BACKTEST_CAPTION


def test_the_backtest_table_piped_ends_with_its_caption(cli) -> None:
    from summitry.sim.cli.shared import BACKTEST_CAPTION

    r = cli("backtest", "hanoi-2019", "--runs", "2", "--workers", "1")
    assert r.code == 0, r.stderr
    assert " ".join(r.stdout.split()).endswith(" ".join(BACKTEST_CAPTION.split()))


# ---------------------------------------------------------------- progress
def rendered_progress(width: int, done: int, total: int, **fields: Any) -> str:
    from rich.progress import TextColumn, TimeElapsedColumn

    from summitry.sim.cli import progress_bar

    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system=None)
    bar = progress_bar(
        "runs", extra=(TextColumn("{task.fields[rate]}"), TimeElapsedColumn()), tail="{task.fields[outcomes]}", console=console
    )
    task = bar.add_task("sweep", total=total, **fields)
    bar.update(task, completed=done // 2)
    time.sleep(0.05)
    bar.update(task, completed=done)
    console.print(bar.get_renderable())
    return str(console.file.getvalue())  # type: ignore[attr-defined]


def test_the_sweep_progress_keeps_done_total_and_eta_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")  # rich draws a dumb terminal 80 wide whatever width it is given
    outcomes = "walk_away 812, declaration 433, stalemate 120, agreement_interim 17, failed 3"
    line = rendered_progress(80, 1385, 20000, rate="51.2 runs/s", outcomes=outcomes).rstrip("\n")
    assert len(line) <= 80
    assert "1385/20000" in line
    assert re.search(r"ETA \d+:\d\d:\d\d", line), line
    wide = rendered_progress(200, 1385, 20000, rate="51.2 runs/s", outcomes=outcomes)
    assert outcomes in wide  # with room, the outcomes are shown whole


def test_backtest_reports_progress_on_stderr_when_piped(cli) -> None:
    r = cli("backtest", "hanoi-2019", "--runs", "4", "--workers", "1")
    assert r.code == 0, r.stderr
    assert "model: started, 4 to do" in r.stderr
    assert re.search(r"model: 4/4 \(100%\) after \d+ s", r.stderr), r.stderr
    assert "null" in r.stderr


def test_a_long_run_reports_progress_on_stderr_when_piped() -> None:
    """`run --steps 20000 > log 2>&1` was silent for half a minute: the rich bar draws nothing when stderr is not a
    terminal. Now a line per tenth, as backtest and sweep print them; -q still prints only the outcome."""
    r = piped("run", "hanoi-2019", "--steps", "400", "--seed", "2")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert lines[0] == "hanoi-2019 seed 2, weeks: started, 400 to do"
    assert re.fullmatch(r"hanoi-2019 seed 2, weeks: 40/400 \(10%\) after \d+ s, about \d+ s left", lines[1]), lines[1]
    assert re.fullmatch(r"hanoi-2019 seed 2, weeks: 400/400 \(100%\) after \d+ s", lines[-1]), lines[-1]
    assert len(lines) == 11
    r = piped("run", "reykjavik-1986", "--steps", "300", "-q")
    assert r.returncode == 0 and r.stderr == ""
    r = piped("run", "reykjavik-1986", "--steps", "300")
    assert r.stderr.startswith("reykjavik-1986 seed 0, days: started, 300 to do\n")


def test_plain_progress_prints_a_line_per_tenth() -> None:
    from summitry.sim.cli import plain_progress

    console = Console(file=io.StringIO(), width=200)
    update = plain_progress(console)
    for done in range(0, 101):
        update("stage", done, 100)
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines[0] == "stage: started, 100 to do"
    assert len(lines) == 1 + 10
    assert lines[-1].startswith("stage: 100/100 (100%)")


# ------------------------------------------------------------ resume hints
def _spec(tmp_path: Path) -> Path:
    path = tmp_path / "my spec.yaml"
    path.write_text(
        yaml.safe_dump(
            {"scenario": "teaching", "parameters": {"leak0": {"levels": [0.0, 0.3]}}, "design": "grid", "points": 2, "replicates": 1}
        )
    )
    return path


def test_a_sweep_reports_progress_on_stderr_when_piped(tmp_path: Path, cli) -> None:
    """Piped (a log file, nohup), a sweep is not silent until it ends: a line when it starts and one per tenth."""
    r = cli("sweep", str(_spec(tmp_path)), "--out", str(tmp_path / "out"), "--executor", "serial")
    assert r.code == 0, r.stderr
    assert "runs: started, 2 to do" in r.stderr
    assert re.search(r"runs: 2/2 \(100%\) after \d+ s", r.stderr), r.stderr


def test_an_interrupted_sweep_says_the_whole_command_to_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    import summitry.sim.experiments.sweep

    real = summitry.sim.experiments.sweep.run_sweep

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        def stop(*_a: Any) -> None:
            raise KeyboardInterrupt

        # Ctrl-C at the first progress report: the sweep's directory and sweep.json are written, no run is stored
        return real(*args, **{**kwargs, "progress": stop})

    monkeypatch.setattr(summitry.sim.experiments.sweep, "run_sweep", interrupted)
    spec, out = _spec(tmp_path), tmp_path / "out dir"
    r = cli("sweep", str(spec), "--out", str(out), "--executor", "serial")
    assert r.code == 130
    assert "finished batches are kept" in r.stderr
    hint = r.stderr.split("continue with:", 1)[1].strip().splitlines()[0]
    assert shlex.split(hint) == ["summitry", "sweep", str(spec), "--out", str(out), "--executor", "serial", "--resume"]
    monkeypatch.setattr(summitry.sim.experiments.sweep, "run_sweep", real)
    again = cli(*shlex.split(hint)[1:])
    assert again.code == 0, again.stderr
    assert "2/2 runs stored" in again.stderr


def test_a_sweep_interrupted_before_storing_anything_says_to_start_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    """--resume would be refused (nothing to resume), so the hint is the command without it."""
    import summitry.sim.experiments.sweep

    def interrupted(*_a: Any, **_k: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(summitry.sim.experiments.sweep, "run_sweep", interrupted)
    spec, out = _spec(tmp_path), tmp_path / "out dir"
    r = cli("sweep", str(spec), "--out", str(out), "--executor", "serial")
    assert r.code == 130
    assert "nothing was stored yet" in r.stderr
    hint = r.stderr.split("continue with:", 1)[1].strip().splitlines()[0]
    assert shlex.split(hint) == ["summitry", "sweep", str(spec), "--out", str(out), "--executor", "serial"]


def _stored_sweep(out: Path) -> None:
    """A sweep.json as a stopped calibration sweep leaves it (summitry's fields), in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    fields = {"spec": {}, "spec_hash": "0", "design": "lhs", "parameters": {}, "counts": {}, "versions": {"summitry": "0"}}
    (out / "sweep.json").write_text(json.dumps(fields))


def test_an_interrupted_calibration_says_the_whole_command_and_it_means_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    import summitry.sim.experiments.calibration

    calls: list[dict[str, Any]] = []

    def interrupted(scenario: str, out: Path, priors: Any, **kw: Any) -> Any:
        kw.pop("progress")  # a fresh callback each time
        calls.append({"scenario": scenario, "out": out, "priors": priors, **kw})
        _stored_sweep(out)  # stopped after the sweep's sweep.json: there is something to resume
        raise KeyboardInterrupt

    monkeypatch.setattr(summitry.sim.experiments.calibration, "calibrate", interrupted)
    out = tmp_path / "cal"
    args = [
        "calibrate",
        "hanoi-2019",
        "--method",
        "rejection",
        "--out",
        str(out),
        "--points",
        "30",
        "--runs-per-point",
        "3",
        "--accept",
        "0.2",
    ]
    args += ["--parameters", "parameters.kappa=1:8", "--parameters", "parameters.eta=0:2", "--seed", "5", "--backtest-runs", "0"]
    r = cli(*args)
    assert r.code == 130, r.stderr
    hint = r.stderr.split("continue with:", 1)[1].strip().splitlines()[0]
    words = shlex.split(hint)
    assert words[:2] == ["summitry", "calibrate"] and words[-1] == "--resume"
    assert "..." not in hint
    # running the hint asks for the same calibration, resumed
    cli(*words[1:])
    first, again = calls
    assert again == {**first, "resume": True}
    assert first["resume"] is False and first["points"] == 30 and first["accept"] == 0.2 and first["seed"] == 5


def test_the_sweep_summary_names_outcomes_in_words(tmp_path: Path, cli) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {"scenario": "hanoi-2019", "parameters": {"leak0": {"levels": [0.0, 0.3]}}, "design": "grid", "points": 2, "replicates": 4}
        )
    )
    r = cli("sweep", str(spec), "--out", str(tmp_path / "out"), "--executor", "serial")
    assert r.code == 0, r.stderr
    # hanoi-2019 ends in walk-aways: its column is headed in words, and no raw outcome id reaches the table
    assert "walk-away" in r.stdout
    for raw in ("walk_away", "agreement_interim", "agreement_comprehensive"):
        assert raw not in r.stdout
    # each share with its interval as the backtest writes one, 'share [low, high]' (it was 'share (low-high)')
    from summitry.sim.analysis.sweeps import load_runs, outcome_table

    table = outcome_table(load_runs(tmp_path / "out")).set_index("point")
    for point in (0, 1):
        row = table.loc[point]
        cell = f"{row['walk_away']:.2f} [{row['walk_away_low']:.2f}, {row['walk_away_high']:.2f}]"
        rows = [[c.strip() for c in line.split("│")[1:-1]] for line in r.stdout.splitlines() if line.startswith("│")]
        assert any(cells[0] == str(point) and cell in cells for cells in rows), (cell, r.stdout)
    assert not re.search(r"\d\.\d\d \(\d", r.stdout)


@pytest.mark.parametrize("method", ["rejection", "smc"])
def test_a_calibration_interrupted_before_storing_anything_says_to_start_again(
    method: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    """Ctrl-C before the calibration's state is written (the sweep's sweep.json, SMC's smc.json after the pilot):
    --resume would be refused (nothing to resume), so the hint is the command without it, and it can be run."""
    import summitry.sim.experiments.calibration
    import summitry.sim.experiments.calibration_smc

    module = summitry.sim.experiments.calibration if method == "rejection" else summitry.sim.experiments.calibration_smc
    name = "calibrate" if method == "rejection" else "calibrate_smc"
    calls: list[bool] = []

    def interrupted(scenario: str, out: Path, priors: Any, **kw: Any) -> Any:
        calls.append(kw["resume"])
        out.mkdir(parents=True, exist_ok=True)  # as SMC leaves it when stopped in the pilot
        raise KeyboardInterrupt

    monkeypatch.setattr(module, name, interrupted)
    out = tmp_path / "cal"
    r = cli("calibrate", "hanoi-2019", "--method", method, "--out", str(out), "--backtest-runs", "0", "--seed", "3")
    assert r.code == 130, r.stderr
    assert "nothing was stored yet" in r.stderr
    words = shlex.split(r.stderr.split("continue with:", 1)[1].strip().splitlines()[0])
    assert words[:4] == ["summitry", "calibrate", "hanoi-2019", "--out"] and "--resume" not in words
    assert cli(*words[1:]).code == 130  # the hint is accepted and starts the same calibration again
    assert calls == [False, False]


def test_the_run_summary_gives_each_quantity_in_words_with_its_first_and_last_value_and_scale() -> None:
    """'trust kim->us 0.40' said nothing of its scale or where it started: each row is now named in words, with its
    value at the first and last recorded step (read back from the series and the metrics) and what it measures."""
    from summitry.sim.results.summary import end_state
    from summitry.sim.run import run_scenario

    result = run_scenario(load_scenario("hanoi-2019"), seed=1)
    rows = {r["quantity"]: r for r in end_state(result)}
    assert list(rows) == [
        "trust: Donald Trump in North Korea",
        "trust: Kim Jong Un in United States",
        "pressure on United States",
        "pressure on North Korea",
        "tension",
        "zone of agreement",
    ]
    series = result.series_frame()

    def at(variable: str, agent: str, step: int) -> float:
        hit = series[(series.variable == variable) & (series.agent == agent) & (series.step == step)]
        return float(hit.value.iloc[0])

    last = result.metrics["steps_run"] - 1
    trust = rows["trust: Kim Jong Un in United States"]
    assert trust["first"] == at("trust_us", "kim", 0) and trust["last"] == pytest.approx(at("trust_us", "kim", last))
    assert trust["last"] == result.metrics["final_trust"]["kim->us"]
    assert rows["pressure on North Korea"]["first"] == at("pressure", "dprk", 0)
    assert rows["tension"]["first"] == at("tension", "world", 0)
    assert rows["zone of agreement"]["last"] == result.metrics["final_zone_area"]
    assert "0 to 1" in trust["meaning"] and "reciprocates cooperation" in trust["meaning"]
    assert rows["tension"]["meaning"].endswith("at 0.7 or above for 4 weeks running, the crisis escalates")
    # printed: the unit's words in the two value columns and the caption, the values to two places
    out = piped("run", "hanoi-2019", "--seed", "1", columns=200).stdout
    assert f"week {last}" in out and "what it measures" in out
    first, final = f"{trust['first']:.2f}", f"{trust['last']:.2f}"
    assert re.search(rf"trust: Kim Jong Un in United States\s*│\s*{first}\s*│\s*{final}", out)
    assert "Each value as recorded at the end of its week, after that week's moves." in out
