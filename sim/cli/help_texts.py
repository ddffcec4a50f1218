"""Help texts and options shared by more than one command (sweep, calibrate, holdout): what a Dask --address trusts,
the TLS options, the executor and its workers; and the path options and arguments of every command.

An option here is a type for a command's parameter (``executor: Executor = "local"``); Typer copies it for each
command that uses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from summitry.sim.outputs import NO_CWD, needs_missing_cwd


def given_path(value: str | Path) -> Path:
    """A path typed on the command line; an empty one, or a relative one with no current directory, is refused (exit 2 naming the option).

    Converted by Typer, ``''`` (an unset shell variable: ``--out "$DIR"``)
    would become ``Path('')``, which is ``.``: messages would name the current
    directory, and an output could go there.

    >>> given_path("runs/a"), given_path(Path("synthetic.yaml"))
    (PosixPath('runs/a'), PosixPath('synthetic.yaml'))
    >>> try:
    ...     given_path("")
    ... except typer.BadParameter as exc:
    ...     print(exc)
    the path is empty
    """
    if isinstance(value, Path):  # a default, already a Path
        return value
    if value == "":
        raise typer.BadParameter("the path is empty")
    if needs_missing_cwd(value):
        raise typer.BadParameter(f"{value} is a relative path, and {NO_CWD}, or give an absolute path")
    return Path(value)


def path_option(*declarations: str, help: str) -> Any:
    """A path option (``--out``, ``-o``) read by :func:`given_path`; shown as ``<path>`` in --help, like any path."""
    return typer.Option(*declarations, help=help, parser=given_path, metavar="<path>")


def path_argument(help: str) -> Any:
    """A path argument (a sweep spec, a results directory) read by :func:`given_path`."""
    return typer.Argument(help=help, parser=given_path)


ADDRESS_HELP = (
    "Dask scheduler, tcp://HOST:8786 or tls://HOST:8786 (default: start a LocalCluster). Only a scheduler you control: "
    "Dask messages can carry pickles, so a hostile one can run code here; rows it returns are checked before they are stored."
)
TLS_CA_HELP = "TLS: the certificate authority (PEM) that signed the scheduler's certificate; needs a tls:// --address and --tls-cert."
TLS_CERT_HELP = "TLS: this client's certificate (PEM), which a Dask scheduler with TLS asks every client for; with --tls-key."
TLS_KEY_HELP = "TLS: the private key (PEM) of --tls-cert."

Executor = Annotated[str, typer.Option("--executor", help="local (processes), dask, or serial.")]
Workers = Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).", min=1)]
Address = Annotated[str | None, typer.Option("--address", help=ADDRESS_HELP)]
TlsCaFile = Annotated[Path | None, path_option("--tls-ca-file", help=TLS_CA_HELP)]
TlsCert = Annotated[Path | None, path_option("--tls-cert", help=TLS_CERT_HELP)]
TlsKey = Annotated[Path | None, path_option("--tls-key", help=TLS_KEY_HELP)]
