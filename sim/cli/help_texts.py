"""Help texts shared by more than one command (sweep, calibrate): what a Dask --address trusts, and the TLS options."""

from __future__ import annotations

ADDRESS_HELP = (
    "Dask scheduler, tcp://HOST:8786 or tls://HOST:8786 (default: start a LocalCluster). Only a scheduler you control: "
    "Dask messages can carry pickles, so a hostile one can run code here; rows it returns are checked before they are stored."
)
TLS_CA_HELP = "TLS: the certificate authority (PEM) that signed the scheduler's certificate; needs a tls:// --address."
TLS_CERT_HELP = "TLS: this client's certificate (PEM), for schedulers that require client certificates; with --tls-key."
TLS_KEY_HELP = "TLS: the private key (PEM) of --tls-cert."
