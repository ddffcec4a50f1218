"""Help texts and options shared by more than one command (sweep, calibrate, holdout): what a Dask --address trusts,
the TLS options, the executor and its workers.

An option here is a type for a command's parameter (``executor: Executor = "local"``); Typer copies it for each
command that uses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
TlsCaFile = Annotated[Path | None, typer.Option("--tls-ca-file", help=TLS_CA_HELP)]
TlsCert = Annotated[Path | None, typer.Option("--tls-cert", help=TLS_CERT_HELP)]
TlsKey = Annotated[Path | None, typer.Option("--tls-key", help=TLS_KEY_HELP)]
