"""Bad command-line arguments end with exit status 2 and a message; a good
``--set`` really changes the run (bad input: exit status 2 and a message)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summitry.sim.mechanisms.parameters import ModelParameters
from summitry.sim.scenario.document import builtin_names, load_scenario

ROOT = Path(__file__).resolve().parents[3]


def _run(cli, *args: str):
    """``summitry run teaching --steps 1 -q ARGS`` (one week keeps it fast)."""
    return cli("run", "teaching", "--steps", "1", "-q", *args)


def _refused(r, *fragments: str) -> None:
    assert "Traceback" not in r.stdout + r.stderr
    for fragment in fragments:
        assert fragment in r.stderr, f"{fragment!r} not in {r.stderr!r}"
    assert r.code == 2, f"exit status {r.code}: {r.stderr}"


# ------------------------------------------------------------------ --set


def test_set_unknown_path_lists_close_matches(cli) -> None:
    r = _run(cli, "--set", "ada.trait.impulsiveness=0.3")
    _refused(r, "--set ada.trait.impulsiveness: no such parameter in scenarios/teaching.yaml", "close matches: ada.traits.impulsiveness")
    # the closest match comes first
    hint = r.stderr.split("close matches: ", 1)[1]
    assert hint.split(", ")[0] == "ada.traits.impulsiveness"


def test_set_misspelt_model_parameter_suggests_it(cli) -> None:
    r = _run(cli, "--set", "kapa=3")
    _refused(r, "--set kapa: no such parameter", "kappa")


def test_set_path_with_no_near_match_points_to_params(cli) -> None:
    r = _run(cli, "--set", "zzzzzz=1")
    _refused(r, "--set zzzzzz: no such parameter", "`summitry params SCENARIO` lists them")


def test_a_parameter_file_for_another_scenario_is_refused_at_its_scenario_line(cli, tmp_path: Path) -> None:
    """The message names the file, the line and the field that names the other scenario (line 3 here, after comments)."""
    params = tmp_path / "calibrated.yaml"
    params.write_text("# fitted to hanoi-2019\n# by summitry calibrate\nscenario: hanoi-2019\nparameters:\n  kappa: 3\n")
    r = _run(cli, "--params", str(params))
    _refused(r, f"--params {params}:3: scenario: the file is for 'hanoi-2019', not 'teaching'")


@pytest.mark.parametrize("path", ["parameters.trust_model", "trust_model"])
def test_set_on_a_choice_parameter_says_it_is_a_choice_and_where_to_state_it(cli, path: str) -> None:
    # trust_model is a parameter of every file, but a word: "no such parameter" would send the user astray
    r = _run(cli, "--set", f"{path}=beta")
    _refused(r, f"--set {path}: not a number but a choice (logit or beta)", "parameters: {trust_model: beta}")
    assert "no such parameter" not in r.stderr


def test_set_out_of_range_value(cli) -> None:
    r = _run(cli, "--set", "ada.traits.impulsiveness=1.3")
    _refused(r, "--set ada.traits.impulsiveness: must be within [0, 1] (got 1.3)")


def test_set_out_of_range_model_parameter(cli) -> None:
    r = _run(cli, "--set", "kappa=25")
    _refused(r, "--set kappa: must be within [0, 20] (got 25)")


def test_set_non_numeric_value(cli) -> None:
    r = _run(cli, "--set", "ada.traits.impulsiveness=abc")
    _refused(r, "--set ada.traits.impulsiveness: must be a number (got 'abc')")


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_set_non_finite_value(cli, value: str) -> None:
    # an integer parameter too: int(inf) used to raise OverflowError
    r = _run(cli, "--set", f"tau_prep_min={value}")
    _refused(r, "--set tau_prep_min: must be a finite number (got ")


def test_set_a_duration_to_a_fraction_of_a_week(cli, tmp_path: Path) -> None:
    """Durations are weeks, a fraction allowed (two days are 2/7); the file keeps the number, the run whole steps."""
    out = tmp_path / "run"
    r = _run(cli, "--set", "tau_prep_min=0.4", "--set", "tau_prep_max=2.5", "--out", str(out))
    assert r.code == 0, r.stderr
    manifest = json.loads((out / "run.json").read_text())
    assert (manifest["parameters"]["tau_prep_min"], manifest["parameters"]["tau_prep_max"]) == (0.4, 2.5)
    r = _run(cli, "--set", "tau_prep_min=0")
    _refused(r, "--set tau_prep_min: must be within [0.142857, 52] (got 0)")  # at least a day


def test_set_without_equals_sign(cli) -> None:
    r = _run(cli, "--set", "kappa")
    _refused(r, "--set kappa: expected PATH=VALUE")


def test_set_path_with_colons_is_quoted_as_written(cli) -> None:
    r = _run(cli, "--set", "a:b:c=1")  # ":b:" is rich's emoji code for the B button
    _refused(r, "--set a:b:c: no such parameter")


def test_set_with_empty_path(cli) -> None:
    r = _run(cli, "--set", "=3")
    _refused(r, "--set =3: empty PATH")


def test_set_that_breaks_a_cross_field_rule_names_the_rule(cli) -> None:
    assert ModelParameters().tau_prep_max < 52
    r = _run(cli, "--set", "tau_prep_min=52")
    _refused(r, "scenarios/teaching.yaml (with --set): parameters.tau_prep_min: must be <= tau_prep_max")


def test_set_model_parameter_reaches_run_json(cli, tmp_path: Path) -> None:
    assert ModelParameters().kappa != 3
    out = tmp_path / "run"
    r = _run(cli, "--set", "kappa=3", "--out", str(out))
    assert r.code == 0, r.stderr
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["parameters"]["kappa"] == 3
    assert manifest["overrides"] == {"parameters.kappa": 3.0}


def test_set_actor_field_changes_the_loaded_scenario() -> None:
    base = load_scenario("teaching")
    changed = load_scenario("teaching", {"ada.traits.impulsiveness": "0.9"})
    assert base.sides["alpha"].leader.traits.impulsiveness == 0.5
    assert changed.sides["alpha"].leader.traits.impulsiveness == 0.9
    # nothing else moved
    assert changed.sides["beta"].leader.traits.impulsiveness == base.sides["beta"].leader.traits.impulsiveness
    assert changed.sides["alpha"].leader.traits.ego == base.sides["alpha"].leader.traits.ego


def test_set_full_file_path_spelling_is_the_same_override() -> None:
    short = load_scenario("teaching", {"ada.traits.impulsiveness": "0.9"})
    full = load_scenario("teaching", {"sides.alpha.leader.traits.impulsiveness": "0.9"})
    by_index = load_scenario("teaching", {"sides.alpha.factions.1.influence": "0.5"})
    assert full.content_hash() == short.content_hash()
    assert by_index.content_hash() == load_scenario("teaching").content_hash()


def test_set_actor_field_reaches_the_run(cli, tmp_path: Path) -> None:
    out = tmp_path / "run"
    r = _run(cli, "--set", "ada.traits.impulsiveness=0.9", "--out", str(out))
    assert r.code == 0, r.stderr
    manifest = json.loads((out / "run.json").read_text())
    expected = load_scenario("teaching", {"ada.traits.impulsiveness": "0.9"}).content_hash()
    assert manifest["scenario_hash"] == expected
    assert manifest["scenario_hash"] != load_scenario("teaching").content_hash()


# ------------------------------------------------------- other arguments


def test_run_unknown_scenario_lists_builtin_names(cli) -> None:
    r = cli("run", "nosuchscenario")
    _refused(r, "nosuchscenario: no such scenario file or built-in scenario", "built-in scenarios are")
    for name in builtin_names():
        assert name in r.stderr


def test_run_misspelt_scenario_suggests_the_builtin(cli) -> None:
    r = cli("run", "teachng")
    _refused(r, "teachng: no such scenario file or built-in scenario; did you mean teaching?")


def test_a_file_name_with_an_emoji_code_is_named_as_written(cli) -> None:
    r = cli("validate", "x:thumbs_up:y.yaml")
    _refused(r, "error: x:thumbs_up:y.yaml: no such scenario file")


def test_a_directory_named_like_a_builtin_does_not_hide_it(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _run(cli, "--out", "teaching").code == 0  # a run directory named like the case, in the current directory
    r = cli("validate", "teaching")
    assert r.code == 0, r.stderr
    assert r.stdout.startswith("ok teaching: Teaching case")
    assert _run(cli).code == 0
    (tmp_path / "mine").mkdir()  # a directory that names no built-in is still no scenario file
    _refused(cli("validate", "mine"), "mine: is a directory, not a scenario file")


def test_run_bogus_mode(cli) -> None:
    r = cli("run", "teaching", "--mode", "bogus")
    _refused(r, "--mode bogus: must be 'free' or 'forcing'")


def test_run_bogus_format(cli) -> None:
    r = cli("run", "teaching", "--format", "xlsx")
    _refused(r, "--format xlsx: must be 'parquet' or 'csv'")


def test_run_out_is_a_file(cli, tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("keep me")
    r = cli("run", "teaching", "--steps", "1", "--out", str(f))
    _refused(r, f"--out {f}: exists and is not a directory")
    assert f.read_text() == "keep me"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("run", "teaching", "--steps", "0"), "--steps"),
        (("run", "teaching", "--steps", "many"), "--steps"),
        (("run", "teaching", "--seed", "-1"), "--seed"),
        (("run",), "Missing argument"),
        (("frobnicate",), "frobnicate"),
    ],
    ids=["steps-0", "steps-not-a-number", "negative-seed", "missing-scenario", "unknown-command"],
)
def test_usage_errors_exit_2(cli, args: tuple[str, ...], fragment: str) -> None:
    r = cli(*args)
    _refused(r, fragment)


def test_validate_without_a_file_says_in_one_line_what_it_needs(cli) -> None:
    """It was Typer's usage box, five lines ending in 'Missing argument 'files'.', with neither scenarios nor where to find one."""
    r = cli("validate")
    assert r.code == 2
    assert r.stdout == ""
    assert r.stderr == (
        "error: validate needs one or more scenario files or built-in names (`summitry scenarios` lists the built-in ones)\n"
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("validate", ""), "the scenario's name or path is empty"),
        (("run", ""), "the scenario's name or path is empty"),
        (("schema", "-o", ""), "error: -o: the path is empty"),
        (("generate", "--output", ""), "error: --output: the path is empty"),
        (("run", "teaching", "--out", ""), "error: --out: the path is empty"),
        (("run", "teaching", "--params", ""), "error: --params: the path is empty"),
        (("sweep", ""), "error: spec: the path is empty"),
        (("report", ""), "error: directory: the path is empty"),
        (("report", "somewhere", "-o", ""), "error: -o: the path is empty"),
        (("backtest", "hanoi-2019", "--compare", ""), "error: --compare: the path is empty"),
        (("dashboard", "--params", ""), "error: --params: the path is empty"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_an_empty_path_is_called_empty_not_the_current_directory(cli, args: tuple[str, ...], fragment: str) -> None:
    """'' (an unset shell variable: --out "$DIR") is no path; as a Path it would be ".", and be named so."""
    r = cli(*args)
    _refused(r, fragment)
    assert "is a directory" not in r.stderr


@pytest.mark.parametrize("value", ["0", "-2", "257", "two", ""])
def test_the_dashboard_refuses_a_worker_count_out_of_range_before_serving(cli, served: dict, value: str) -> None:
    _refused(cli("dashboard", "--workers", value), "--workers")
    assert served == {}  # nothing was bound: the command stopped first


def test_the_dashboard_starts_the_ensemble_workers_asked_for(cli, served: dict) -> None:
    r = cli("dashboard", "--workers", "3")
    assert r.code == 0, r.stderr
    service = served["app"].extensions["summitry_service"]
    assert service.workers == 3 and service.pool is not None and service.pool.workers == 3
    served.clear()
    assert cli("dashboard", "--workers", "1").code == 0
    one = served["app"].extensions["summitry_service"]
    assert one.workers == 1 and one.pool is None  # the ticks compute the runs themselves


def test_the_dashboard_refuses_an_empty_scenario_instead_of_serving_the_default(cli, served: dict) -> None:
    _refused(cli("dashboard", "--scenario", ""), "--scenario: the name or path is empty")
    assert served == {}  # nothing was bound: the command stopped first


def test_every_path_option_refuses_an_empty_path() -> None:
    """Each command's Path parameters read their value with given_path (an empty one refused), none with Typer's own Path."""
    import typing

    import summitry.sim.cli as package
    from summitry.dashboard.cli import _given_path
    from summitry.sim.cli.help_texts import given_path

    unchecked = []
    checked = 0
    for command in package.app.registered_commands:
        if command.callback is None:
            continue
        for name, hint in typing.get_type_hints(command.callback, include_extras=True).items():
            base = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint
            if base is not Path and Path not in typing.get_args(base):  # Path or Path | None
                continue
            parsers = [getattr(meta, "parser", None) for meta in getattr(hint, "__metadata__", ())]
            if not set(parsers) & {given_path, _given_path}:
                unchecked.append(f"{command.name} {name}")
            checked += 1
    assert not unchecked, unchecked
    # the walk found the commands' Path parameters (run --out, --params, report's directory, sweep's spec, ...)
    assert checked >= 10, checked


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("run", "teaching", "-q", "--steps", "100001"), "--steps"),
        (("run", "teaching", "-q", "--steps", "100000000000"), "--steps"),
        (("backtest", "hanoi-2019", "--runs", "100001"), "--runs"),
        (("backtest", "hanoi-2019", "--runs", "99999999999999"), "--runs"),
    ],
    ids=["steps-over-the-cap", "steps-endless", "runs-over-the-cap", "runs-endless"],
)
def test_counts_past_their_cap_exit_2_before_any_run(cli, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], fragment: str) -> None:
    """--steps takes what a scenario file's time.steps may say (100,000); --runs at most 100,000 (200 times the default)."""

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a count past its cap must be refused before anything runs")

    monkeypatch.setattr("summitry.sim.run.run_scenario", never)
    monkeypatch.setattr("summitry.sim.experiments.backtest.backtest", never)
    r = cli(*args)
    _refused(r, fragment, "100000")


def test_steps_past_the_calendar_exit_2(cli, tmp_path: Path) -> None:
    """The engine dates every event: a run whose last step falls after 9999-12-31 stopped with an OverflowError."""
    path = tmp_path / "late.yaml"
    text = (ROOT / "scenarios" / "teaching.yaml").read_text()
    path.write_text(text.replace("start: 2020-01-06, step_days: 7, steps: 30", "start: 9999-10-04, step_days: 7, steps: 5"))
    assert cli("run", str(path), "-q", "--steps", "13").code == 0  # its last week, 9999-12-27, is a date
    r = cli("run", str(path), "-q", "--steps", "20")
    _refused(
        r, "--steps 20: the run's last week (week 19) would fall after 9999-12-31", "run at most 13 weeks", "teaching starts on 9999-10-04"
    )


def _option_help(command: object) -> dict[str, str]:
    """{--flag: help text} of a typer command's options, read from its annotations (no process, no --help parsing)."""
    import typing

    out: dict[str, str] = {}
    for hint in typing.get_type_hints(command, include_extras=True).values():
        for meta in getattr(hint, "__metadata__", ()):
            # typer keeps a flag given first as the option's "default" (its declarations), or in param_decls
            decls = [*(getattr(meta, "param_decls", None) or ()), getattr(meta, "default", None)]
            for d in decls:
                if isinstance(d, str) and d.startswith("--"):
                    out[d] = str(meta.help)
    return out


def test_calibrate_and_holdout_help_state_the_defaults_the_code_uses() -> None:
    # the help is written out (the commands import nothing heavy for --help); these numbers must follow the code's
    import re

    from summitry.sim.cli.calibrate import calibrate_cmd
    from summitry.sim.cli.holdout import holdout_cmd
    from summitry.sim.experiments.calibration import REJECTION_DEFAULTS
    from summitry.sim.experiments.calibration_smc import SMC_DEFAULTS
    from summitry.sim.experiments.joint import JOINT_REJECTION_DEFAULTS

    def numbers(text: str) -> list[float]:
        return [float(x) for x in re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", text.split("default", 1)[1])]

    one, joint, smc = REJECTION_DEFAULTS, JOINT_REJECTION_DEFAULTS, SMC_DEFAULTS
    cal = _option_help(calibrate_cmd)
    assert numbers(cal["--points"]) == [one["points"], joint["points"]]
    assert numbers(cal["--runs-per-point"]) == [one["runs_per_point"], joint["runs_per_point"], smc["runs_per_particle"]]
    assert numbers(cal["--accept"]) == [one["accept"], joint["accept"]]
    assert "lhs" in cal["--design"] and one["design"] == "lhs"
    for flag, key in (("--population", "population"), ("--generations", "generations"), ("--quantile", "quantile")):
        assert numbers(cal[flag]) == [smc[key]], flag
    assert numbers(cal["--min-acceptance"]) == [smc["min_acceptance"]] and numbers(cal["--pilot"]) == [smc["pilot"]]
    hold = _option_help(holdout_cmd)
    assert numbers(hold["--points"]) == [joint["points"]] and numbers(hold["--accept"]) == [joint["accept"]]
    assert numbers(hold["--runs-per-point"]) == [joint["runs_per_point"], smc["runs_per_particle"]]
    assert numbers(hold["--population"]) == [smc["population"]] and numbers(hold["--generations"]) == [smc["generations"]]


def test_the_executors_are_listed_in_one_order_everywhere(cli, tmp_path: Path) -> None:
    """local, dask, serial in every --help and error; the executors' own check said 'serial, local or dask'."""
    from summitry.sim.cli.calibrate import calibrate_cmd
    from summitry.sim.cli.holdout import holdout_cmd
    from summitry.sim.cli.sweep import sweep_cmd
    from summitry.sim.errors import InputError
    from summitry.sim.experiments.executors import make_executor

    assert _option_help(sweep_cmd)["--executor"] == _option_help(calibrate_cmd)["--executor"] == "local (processes), dask, or serial."
    assert _option_help(holdout_cmd)["--executor"] == "local (processes) or serial."
    with pytest.raises(InputError) as raised:
        make_executor("threads")
    assert str(raised.value) == "--executor threads: must be local, dask or serial"
    spec = tmp_path / "spec.yaml"
    spec.write_text("scenario: teaching\ndesign: grid\nparameters:\n  kappa: {levels: [1]}\n")
    for args in (("sweep", str(spec)), ("calibrate", "hanoi-2019")):
        r = cli(*args, "--executor", "threads", "--out", str(tmp_path / "o"))
        assert r.code == 2 and r.stderr == "error: --executor threads: must be local, dask or serial\n", r.stderr
    r = cli("holdout", "hanoi-2019", "--cut", "20", "--executor", "dask", "--out", str(tmp_path / "o"))
    assert r.code == 2 and r.stderr == "error: --executor dask: must be local or serial\n", r.stderr
