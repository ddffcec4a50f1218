"""A built wheel carries the built-in scenarios and schema.json, found through importlib.resources from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_the_scenarios_and_runs_from_another_directory(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("summitry-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n.removeprefix("sim/builtin_scenarios/") for n in names if n.startswith("sim/builtin_scenarios/"))
    assert shipped == sorted([p.name for p in (ROOT / "scenarios").glob("*.yaml")] + ["schema.json"])

    # a fresh venv: summitry from the wheel; its dependencies seen through a .pth to this venv's site-packages
    # (.pth files there, such as the editable install's finder, are not processed, so the checkout stays invisible)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)], check=True, capture_output=True
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def summitry(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(py), "-c", "import sys; from summitry.sim.cli import main; main(sys.argv[1:])", *args],
            cwd=elsewhere,
            env={**env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            check=False,
        )

    where = subprocess.run(
        [str(py), "-c", "import summitry.sim; print(sim.__file__)"], cwd=elsewhere, capture_output=True, text=True, check=True
    )
    assert Path(where.stdout.strip()).is_relative_to(env_dir), where.stdout
    r = summitry("scenarios")
    assert r.returncode == 0, r.stderr
    for name in ("hanoi-2019", "singapore-2018", "teaching", "reykjavik-1986"):
        assert name in r.stdout
    r = summitry("run", "singapore-2018", "--steps", "3", "--quiet", "--out", "run1")
    assert r.returncode == 0, r.stderr
    assert (elsewhere / "run1" / "run.json").is_file()
    # the ODD description the dashboard's About tab links to is shipped, and the dashboard serves it
    assert "dashboard/docs/ODD.md" in names
    odd = subprocess.run(
        [
            str(py),
            "-c",
            "from summitry.dashboard.app import create_app; from summitry.dashboard.about import ODD_FILE; print(ODD_FILE);"
            "r = create_app('teaching', warm=False).server.test_client().get('/docs/ODD'); print(r.status_code, b'id=\"74-trust-log-odds-form\"' in r.data)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert odd.returncode == 0, odd.stderr
    path, answer = odd.stdout.strip().splitlines()[-2:]
    assert Path(path).is_relative_to(env_dir), path
    assert answer == "200 True"
    r = summitry("--version")
    assert r.stdout.strip() == "summitry 0.1.0" or r.stdout.startswith("summitry ")
