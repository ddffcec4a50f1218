"""Help texts and options shared by more than one command (sweep, calibrate, holdout): what a Dask --address trusts,
the TLS options, the executor and its workers; the fraction options; and the path options and arguments of every command.

An option here is a type for a command's parameter (``executor: Executor = "local"``); Typer copies it for each
command that uses it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from summitry.sim.errors import InputError
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


def given_fraction(flag: str, interval: str) -> Callable[[str | float], float]:
    """A parser of the fraction option ``flag`` that refuses a value outside ``interval`` ("(0, 1]": 0 excluded, 1 included), naming it as typed.

    Converted by Typer first, ``--accept 2`` would be named ``2.0`` in the message; read here, it is named as written.

    >>> accept = given_fraction("--accept", "(0, 1]")
    >>> accept("0.25"), accept("1")
    (0.25, 1.0)
    >>> for typed in ("2", "0", "1e3", "half"):
    ...     try:
    ...         accept(typed)
    ...     except InputError as exc:
    ...         print(exc)
    --accept 2: must be a fraction in (0, 1]
    --accept 0: must be a fraction in (0, 1]
    --accept 1e3: must be a fraction in (0, 1]
    --accept half: must be a fraction in (0, 1]
    """
    low_open, high_open = interval.startswith("("), interval.endswith(")")

    def parse(value: str | float) -> float:
        if isinstance(value, float):  # a default, already a number
            return value
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        above = number > 0 if low_open else number >= 0
        below = number < 1 if high_open else number <= 1
        if not (above and below):  # nan is neither
            raise InputError(f"{flag} {value}: must be a fraction in {interval}")
        return number

    return parse


def fraction_option(flag: str, *, interval: str, help: str) -> Any:
    """A fraction option (``--accept``, ``--quantile``) read by :func:`given_fraction`; shown as ``<float>`` in --help."""
    return typer.Option(flag, help=help, parser=given_fraction(flag, interval), metavar="<float>")


def path_argument(help: str) -> Any:
    """A path argument (a sweep spec, a results directory) read by :func:`given_path`; shown as ``<path>`` in --help too (sim.cli)."""
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
