"""Setting faction shares (`--set`, a params file, a sweep): the shares set are kept, the others share what is left.

A side's faction shares sum to 1. Setting one rescales the side's other factions; setting several at once must keep
every value set (each override used to rescale the others, so a later one silently undid an earlier one and a sweep
stored values it never ran).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from summitry.sim.errors import ParameterError
from summitry.sim.scenario.document import apply_overrides, load_raw

# hanoi-2019's DPRK side: ufd 0.3, cabinet 0.25, kpa 0.25, mfa 0.1, rgb 0.1 (file order)


def _shares(overrides: dict[str, float]) -> dict[str, float]:
    data, _lines, source = load_raw("hanoi-2019")
    out = apply_overrides(data, overrides, source)
    return {f["id"]: f["influence"] for f in out["sides"]["dprk"]["factions"]}


def test_one_share_set_rescales_the_others_in_proportion() -> None:
    got = _shares({"ufd.influence": 0.5})
    # the other four (0.7 of the file's weight) share 0.5 in the file's proportions
    assert got == pytest.approx(
        {"ufd": 0.5, "cabinet": 0.25 / 0.7 * 0.5, "kpa": 0.25 / 0.7 * 0.5, "mfa": 0.1 / 0.7 * 0.5, "rgb": 0.1 / 0.7 * 0.5}
    )


def test_two_shares_set_are_both_kept_whatever_their_order() -> None:
    a = _shares({"ufd.influence": 0.2, "cabinet.influence": 0.4})
    b = _shares({"cabinet.influence": 0.4, "ufd.influence": 0.2})
    # the remaining 0.4 goes to kpa, mfa and rgb (0.25 : 0.1 : 0.1 in the file)
    expected = {"ufd": 0.2, "cabinet": 0.4, "kpa": 0.4 * 0.25 / 0.45, "mfa": 0.4 * 0.1 / 0.45, "rgb": 0.4 * 0.1 / 0.45}
    assert a == pytest.approx(expected) and b == pytest.approx(expected)
    assert sum(a.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"ufd.influence": 0.7, "cabinet.influence": 0.6}, "sum to 1.3, more than 1"),
        (
            {"ufd.influence": 0.2, "cabinet.influence": 0.2, "kpa.influence": 0.2, "mfa.influence": 0.2, "rgb.influence": 0.1},
            "sum to 0.9, not 1",
        ),
    ],
)
def test_shares_that_cannot_sum_to_one_are_refused(overrides: dict[str, float], words: str) -> None:
    with pytest.raises(ParameterError) as err:
        _shares(overrides)
    message = str(err.value)
    assert words in message and "--set ufd.influence" in message and "--set cabinet.influence" in message


def test_every_share_set_to_a_sum_of_one_is_taken_as_given() -> None:
    given = {"ufd": 0.1, "cabinet": 0.5, "kpa": 0.2, "mfa": 0.1, "rgb": 0.1}
    assert _shares({f"{k}.influence": v for k, v in given.items()}) == pytest.approx(given)


def test_the_cli_runs_the_shares_set_and_refuses_a_clash(tmp_path: Path, cli) -> None:
    import json

    out = tmp_path / "run"
    r = cli(
        "run",
        "teaching",
        "--steps",
        "3",
        "-q",
        "--set",
        "alpha-hawks.influence=0.2",
        "--set",
        "alpha-diplomats.influence=0.8",
        "--out",
        str(out),
    )
    assert r.code == 0, r.stderr
    ran = json.loads((out / "scenario.json").read_text())
    assert [f["influence"] for f in ran["sides"]["alpha"]["factions"]] == [0.2, 0.8]
    r = cli("run", "teaching", "--steps", "3", "-q", "--set", "alpha-hawks.influence=0.2", "--set", "alpha-diplomats.influence=0.2")
    assert r.code == 2 and "Traceback" not in r.stderr
    assert "sum to 0.4, not 1" in r.stderr


def test_a_sweep_over_two_shares_of_one_side_is_refused_at_load(tmp_path: Path, cli) -> None:
    """Its corners (0.2, 0.2) and (0.8, 0.8) are no valid scenario: refused before any run, nothing written."""
    spec = tmp_path / "inf.yaml"
    spec.write_text(
        "scenario: teaching\n"
        "parameters:\n"
        "  alpha-hawks.influence: {levels: [0.2, 0.8]}\n"
        "  alpha-diplomats.influence: {levels: [0.2, 0.8]}\n"
        "design: grid\npoints: 2\nsteps: 5\n"
    )
    r = cli("sweep", str(spec), "--out", str(tmp_path / "sw"), "--workers", "1")
    assert r.code == 2 and "Traceback" not in r.stderr
    assert f"{spec}:2: parameters" in r.stderr and "sum to 1.6, not 1" in r.stderr
    assert not (tmp_path / "sw").exists()
