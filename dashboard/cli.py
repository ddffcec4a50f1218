"""``summitry dashboard``: serve the dashboard with waitress (a production WSGI server), debug off."""

from __future__ import annotations

import errno
import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from summitry.sim.errors import InputError
from summitry.sim.experiments.provenance import badge_text, read_provenance
from summitry.sim.scenario.overrides import ParamsFile, canonical, other_scenario, parameter_value, read_params


def dashboard_url(host: str, port: int, scenario: str, overrides: dict[str, float], ref: str | None = None) -> str:
    """The dashboard URL that opens ``scenario`` (a name or a file; ``ref`` in the URL when given) with ``overrides``.

    The overrides are checked against the scenario.

    >>> dashboard_url("127.0.0.1", 8050, "teaching", {"kappa": 3})
    'http://127.0.0.1:8050/?scenario=teaching&seed=0&step=0&parameters.kappa=3'
    """
    from summitry.dashboard.callbacks import build_query  # lazy: Dash and plotly; `summitry --help` imports this module

    canon = canonical_values(scenario, overrides)
    return f"http://{host}:{port}/" + build_query({"scenario": ref or scenario, "seed": 0, "mode": None, "overrides": canon}, 0)


def canonical_values(scenario: str, overrides: dict[str, float]) -> dict[str, float | int]:
    """The overrides by canonical path, as the scenario reads them (whole numbers as int): as the dashboard's URL carries them."""
    from summitry.sim.scenario.document import load_scenario  # lazy: numpy and the scenario model; a fast --help

    sc = load_scenario(scenario, {k: str(v) for k, v in overrides.items()}) if overrides else load_scenario(scenario)
    canon = {canonical(sc, k): parameter_value(sc, canonical(sc, k)) for k in overrides}
    return {k: (int(v) if float(v).is_integer() else v) for k, v in canon.items()}


def fitted_of(params: Path, scenario: str, overrides: dict[str, float], ref: str | None) -> dict[str, Any] | None:
    """What the dashboard's "fitted" badge needs of a calibration's parameter file (None for a file without a calibration block)."""
    prov = read_provenance(params)
    if prov is None:
        return None
    report = prov["report"] if prov["report_exists"] else None
    return {"scenario": ref or scenario, "overrides": canonical_values(scenario, overrides), "text": badge_text(prov), "report": report}


def _given_path(value: str | Path) -> Path:
    """The command line's path options' reading (an empty path refused): summitry.sim.cli.help_texts.given_path."""
    from summitry.sim.cli.help_texts import given_path  # cycle: importing summitry.sim.cli imports this module to register it

    return given_path(value)


def register(app: typer.Typer) -> None:
    """Add the ``dashboard`` command to the ``summitry`` CLI."""

    @app.command("dashboard")
    def dashboard_cmd(
        host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8050,
        scenario: Annotated[
            str | None,
            typer.Option(help="Built-in scenario name or scenario file (.yaml/.json) to open on (default: singapore-2018)."),
        ] = None,
        threads: Annotated[
            int,
            typer.Option(
                help="Worker threads; at least the number of concurrent users, so short requests never queue behind ensembles.",
                min=1,
                max=256,
            ),
        ] = 32,
        allowed_host: Annotated[
            list[str] | None,
            typer.Option(
                "--allowed-host",
                help="Host name the browser may use to reach the server, besides the bound address "
                "(repeatable; '*' accepts any). Requests naming any other host are refused (against DNS rebinding).",
            ),
        ] = None,
        params: Annotated[
            Path | None,
            typer.Option(
                "--params",
                help="Parameter file (e.g. a calibration's calibrated.yaml) to open the dashboard with.",
                parser=_given_path,
                metavar="<path>",
            ),
        ] = None,
        workers: Annotated[
            int | None,
            typer.Option(
                help="Processes that compute ensembles between the browser's updates (default: all cores; "
                "1 computes them inside the requests, in the server's own process).",
                min=1,
                max=256,
            ),
        ] = None,
    ) -> None:
        """Serve the dashboard: step, play, rewind and fork a run in the browser."""
        from summitry.dashboard.app import DEFAULT_SCENARIO, create_app, read_scenario_file  # lazy: Dash, the engine; a fast --help
        from summitry.dashboard.security import allowed_host_names  # lazy: Dash; a fast --help
        from summitry.dashboard.service import UPLOAD_PREFIX, UploadStore  # lazy: the engine; a fast --help
        from summitry.sim.scenario.document import builtin_names, load_scenario_text  # lazy: numpy; a fast --help
        from summitry.sim.scenario.loading import close_matches  # lazy: the scenario package; a fast --help

        if scenario == "":  # an unset shell variable (--scenario "$CASE"), not a request for the default
            raise InputError("--scenario: the name or path is empty; give a built-in name or a scenario file")
        name = scenario
        overrides: dict[str, float] = {}
        file_scenario: str | None = None
        got: ParamsFile | None = None
        if params is not None:
            got = read_params(params)
            file_scenario, overrides = got.scenario, dict(got.values)
            if name is None:
                name = file_scenario
        name = name or DEFAULT_SCENARIO
        scenario_file: Path | None = None
        ref: str | None = None
        if name in builtin_names():
            case = name
        else:
            path = Path(name)
            if not path.exists() and path.suffix not in (".yaml", ".yml", ".json"):
                near = close_matches(name, builtin_names())  # as run, explain and the other commands suggest
                hint = f"did you mean {', '.join(near)}?" if near else f"built-in scenarios are {', '.join(builtin_names())}"
                raise InputError(f"--scenario {name}: neither a built-in scenario nor a scenario file; {hint}")
            text, _ = read_scenario_file(path)  # exit 2 with file:line: field: problem when it is not a valid scenario
            scenario_file = path
            ref = UPLOAD_PREFIX + UploadStore.key_of(text)
            case = load_scenario_text(text, str(path)).name
        if got is not None and file_scenario is not None and file_scenario != case:
            raise InputError(other_scenario(got, case))
        url = dashboard_url(host, port, name, overrides, ref)  # validates the overrides against the scenario
        dash_app = create_app(
            default_scenario=DEFAULT_SCENARIO if scenario_file else name,
            scenario_file=scenario_file,
            allowed_hosts=allowed_host_names(host, allowed_host or ()),
            fitted=fitted_of(params, name, overrides, ref) if params is not None else None,
            workers=workers,
        )
        if allowed_host_names(host, allowed_host or ()) is None and "*" not in (allowed_host or ()):
            typer.echo(
                f"note: bound to {host} (every interface) without --allowed-host: any Host header is answered; "
                "name the hosts browsers use with --allowed-host NAME to refuse others",
                err=True,
            )
        server = listen(dash_app.server, host, port, threads)
        shown = f"file {scenario_file}" if scenario_file else name
        typer.echo(f"summitry dashboard on http://{host}:{port}/ (bound to {host}; scenario {shown}); Ctrl+C to stop", err=True)
        if overrides:
            typer.echo(f"open {url} for the parameters of {params}", err=True)
        server.print_listen("Serving on http://{}:{}")
        server.run()


def listen(app: Any, host: str, port: int, threads: int) -> Any:
    """A waitress server bound to ``host``:``port``, not yet serving; InputError naming the option when it cannot bind.

    Bound apart from serving (as ``waitress.serve`` does both) so that only an error of binding, which the options
    cause, is reported as bad input; an error while serving stays an internal one.
    """
    import waitress  # lazy: the WSGI server only to serve; a fast --help

    logging.basicConfig()  # waitress's warnings (a long task queue) reach the terminal, as waitress.serve sets up
    try:
        return waitress.create_server(app, host=host, port=port, threads=threads, ident="summitry", clear_untrusted_proxy_headers=True)
    except ValueError:  # waitress's words for an address getaddrinfo cannot resolve
        raise InputError(f"--host {host}: not an address of this machine nor a host name it can look up") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                f"--port {port}: {host}:{port} is in use by another program ({reason}); stop it or choose another --port"
            ) from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise InputError(
                f"--host {host}: not an address of this machine ({reason}); give one of its own addresses, "
                "127.0.0.1 (this machine only) or 0.0.0.0 (every interface)"
            ) from None
        if exc.errno == errno.EACCES:
            raise InputError(
                f"--port {port}: not allowed to listen on {host}:{port} ({reason}); ports below 1024 need privileges"
            ) from None
        raise InputError(f"--host {host} --port {port}: cannot listen there ({reason})") from None
