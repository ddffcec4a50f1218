"""What a sweep trusts from its workers and its Dask scheduler: every returned row is checked before it is
stored (a forged row is refused and nothing of its batch is written), and TLS options reach a real cluster."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml

from summitry.sim.analysis.sweeps import load_runs
from summitry.sim.errors import InputError
from summitry.sim.experiments.executors import DaskExecutor, SerialExecutor, dask_security
from summitry.sim.experiments.spec import load_spec
from summitry.sim.experiments.sweep import Task, WorkerResultError, run_sweep, run_task


def write_spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    spec = {
        "scenario": "teaching",
        "parameters": {"leak0": {"levels": [0.0, 0.3]}},
        "design": "grid",
        "points": 2,
        "replicates": 2,
        "seed": 3,
        "batch_size": 2,
        "steps": 6,
    }
    path.write_text(yaml.safe_dump(spec))
    return path


class Forging(SerialExecutor):
    """Runs the batches honestly, then lets ``forge`` change the first batch's result before handing it back."""

    def __init__(self, forge: Callable[[Any], Any]) -> None:
        self.forge = forge

    def map_unordered(self, fn: Callable[[Task], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        for i, task in enumerate(tasks):
            result = fn(task)
            yield self.forge(result) if i == 0 else result


def _replace_column(table: pa.Table, name: str, values: list[Any], type_: Any = None) -> pa.Table:
    i = table.column_names.index(name)
    return table.set_column(i, name, pa.array(values, type_ or table.schema.field(name).type))


FORGERIES: dict[str, Callable[[Any], Any]] = {
    "run id of another sweep": lambda r: (r[0], _replace_column(r[1], "run_id", [999, *r[1]["run_id"].to_pylist()[1:]]), r[2]),
    "a row too many": lambda r: (r[0], pa.concat_tables([r[1], r[1].slice(0, 1)]), r[2]),
    "a run twice": lambda r: (r[0], _replace_column(r[1], "run_id", [r[1]["run_id"][0].as_py()] * r[1].num_rows), r[2]),
    "a batch never sent": lambda r: (r[0] + 100, r[1], r[2]),
    "run id as text": lambda r: (r[0], _replace_column(r[1], "run_id", [str(v) for v in r[1]["run_id"].to_pylist()], pa.string()), r[2]),
    "an extra column": lambda r: (r[0], r[1].append_column("x", pa.array([1.0] * r[1].num_rows)), r[2]),
    "other parameter values": lambda r: (r[0], _replace_column(r[1], "param.parameters.leak0", [0.77] * r[1].num_rows), r[2]),
    "another seed": lambda r: (r[0], _replace_column(r[1], "seed", [1] * r[1].num_rows), r[2]),
    "an unknown status": lambda r: (r[0], _replace_column(r[1], "status", ["pwned"] * r[1].num_rows), r[2]),
    "markup as an outcome": lambda r: (r[0], _replace_column(r[1], "outcome", ["<script>x</script>"] * r[1].num_rows), r[2]),
    "a negative run time": lambda r: (r[0], _replace_column(r[1], "elapsed", [-1.0] * r[1].num_rows), r[2]),
    "not a result": lambda r: {"batch": r[0]},
    "not a table": lambda r: (r[0], r[1].to_pydict(), r[2]),
}


@pytest.mark.parametrize("forge", list(FORGERIES), ids=list(FORGERIES))
def test_a_forged_result_is_refused_and_nothing_of_it_is_stored(forge: str, tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path))
    out = tmp_path / "sweep"
    with pytest.raises(WorkerResultError) as info:
        run_sweep(loaded, out, Forging(FORGERIES[forge]))
    assert "nothing of it was stored" in str(info.value)
    assert isinstance(info.value, InputError)  # the CLI reports it as a message, exit 2, no traceback
    assert list((out / "runs").glob("part-*.parquet")) == []


def test_honest_results_pass_the_check_and_are_stored(tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path))
    summary = run_sweep(loaded, tmp_path / "sweep", Forging(lambda r: r))
    assert summary.done == 4
    runs = load_runs(tmp_path / "sweep")
    assert sorted(runs["run_id"].tolist()) == [0, 1, 2, 3]


def test_the_sweep_command_refuses_a_forged_row_with_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    import summitry.sim.experiments.executors

    monkeypatch.setattr(summitry.sim.experiments.executors, "make_executor", lambda *a, **k: Forging(FORGERIES["run id of another sweep"]))
    r = cli("sweep", str(write_spec(tmp_path)), "--out", str(tmp_path / "out"))
    assert r.code == 2, r.stderr
    assert "run id 999 is not one of the batch's runs" in r.stderr
    assert "Traceback" not in r.stderr
    assert list((tmp_path / "out" / "runs").glob("part-*.parquet")) == []


# --------------------------------------------------------------- real Dask
class _Forger:
    """A picklable function a Dask worker runs in place of run_task: the honest batch with a forged run id."""

    def __call__(self, task: Task) -> Any:
        batch, table, traj = run_task(task)
        return batch, _replace_column(table, "run_id", [10**9] * table.num_rows), traj


class ForgingDask(DaskExecutor):
    def map_unordered(self, fn: Callable[[Task], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        return super().map_unordered(_Forger(), tasks)


def test_a_row_forged_on_a_real_dask_worker_is_refused(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    loaded = load_spec(write_spec(tmp_path))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0") as cluster:
        ex = ForgingDask.__new__(ForgingDask)
        ex.cluster, ex.client, ex.workers = None, Client(cluster), 1
        try:
            with pytest.raises(WorkerResultError, match="run id 1000000000 is not one of the batch's runs"):
                run_sweep(loaded, tmp_path / "sweep", ex)
        finally:
            ex.client.close()
    assert list((tmp_path / "sweep" / "runs").glob("part-*.parquet")) == []


def _pem_files(tmp_path: Path) -> tuple[Any, Path, Path, Path]:
    from distributed.security import Security

    temp = Security.temporary()
    ca, cert, key = tmp_path / "ca.pem", tmp_path / "client.pem", tmp_path / "client.key"
    ca.write_text(temp.tls_ca_file)
    cert.write_text(temp.tls_client_cert)
    key.write_text(temp.tls_client_key)
    return temp, ca, cert, key


def test_a_sweep_runs_on_a_tls_scheduler_with_the_tls_options(tmp_path: Path, cli) -> None:
    from distributed import LocalCluster

    temp, ca, cert, key = _pem_files(tmp_path)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0", protocol="tls://", security=temp
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://")
        args = ["sweep", str(write_spec(tmp_path)), "--out", str(tmp_path / "out"), "--executor", "dask", "--address", address]
        r = cli(*args, "--tls-ca-file", str(ca), "--tls-cert", str(cert), "--tls-key", str(key))
        assert r.code == 0, r.stderr
    assert len(load_runs(tmp_path / "out")) == 4


@pytest.mark.parametrize(
    ("options", "address", "message"),
    [
        ({"ca_file": "ca"}, "tcp://127.0.0.1:8786", "need a scheduler address tls://HOST:PORT"),
        ({"ca_file": "ca"}, None, "need a scheduler address tls://HOST:PORT"),
        ({"cert": "cert", "key": "key"}, "tls://127.0.0.1:8786", "--tls-ca-file is needed"),
        ({"ca_file": "ca", "cert": "cert"}, "tls://127.0.0.1:8786", "--tls-cert and --tls-key go together"),
        ({"ca_file": "missing", "cert": "cert", "key": "key"}, "tls://127.0.0.1:8786", "missing.pem: no such file"),
        ({"ca_file": "ca"}, "tls://127.0.0.1:8786", "--tls-ca-file needs --tls-cert and --tls-key"),
    ],
)
def test_tls_options_are_checked(options: dict[str, str], address: str | None, message: str, tmp_path: Path) -> None:
    _, ca, cert, key = _pem_files(tmp_path)
    files = {"ca": ca, "cert": cert, "key": key, "missing": tmp_path / "missing.pem"}
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        dask_security(**{k: files[v] for k, v in options.items()}, address=address)


@pytest.mark.parametrize("command", ["sweep", "calibrate"])
def test_a_ca_file_alone_exits_2_before_connecting(tmp_path: Path, cli, command: str) -> None:
    """distributed's TLS is mutual: a Security without a client certificate builds no TLS context (Dask failed with a
    TypeError), and a scheduler started with TLS refuses a client without one; so the CA file alone is refused."""
    _, ca, _, _ = _pem_files(tmp_path)
    target = str(write_spec(tmp_path)) if command == "sweep" else "hanoi-2019"
    args = [command, target, "--out", str(tmp_path / "out"), "--executor", "dask", "--address", "tls://127.0.0.1:1"]
    r = cli(*args, "--tls-ca-file", str(ca))
    assert r.code == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert "--tls-ca-file needs --tls-cert and --tls-key: a Dask scheduler started with TLS asks every client" in r.stderr
    assert not (tmp_path / "out").exists()


def test_tls_files_become_a_security_object(tmp_path: Path) -> None:
    _, ca, cert, key = _pem_files(tmp_path)
    sec = dask_security(ca, cert, key, "tls://10.0.0.1:8786")
    assert sec.require_encryption
    assert (sec.tls_ca_file, sec.tls_client_cert, sec.tls_client_key) == (str(ca), str(cert), str(key))
    assert dask_security(address="tcp://10.0.0.1:8786") is None


def test_help_and_readme_warn_about_the_scheduler(cli) -> None:
    for command in ("sweep", "calibrate"):
        text = " ".join(cli(command, "--help").stdout.split())
        assert "Only a scheduler you control" in text, command
        for option in ("--tls-ca-file", "--tls-cert", "--tls-key"):
            assert option in text
    readme = " ".join((Path(__file__).resolve().parents[3] / "README.md").read_text().split())
    assert "scheduler you control" in readme and "--tls-ca-file" in readme
