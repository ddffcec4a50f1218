"""``summitry dashboard``: serve the dashboard with waitress (a production WSGI server), debug off."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.overrides import load_params_file


def dashboard_url(host: str, port: int, scenario: str, overrides: dict[str, float]) -> str:
    """The dashboard URL that opens ``scenario`` with ``overrides`` (checked against the scenario).

    >>> dashboard_url("127.0.0.1", 8050, "teaching", {"kappa": 3})
    'http://127.0.0.1:8050/?scenario=teaching&seed=0&step=0&parameters.kappa=3'
    """
    from dashboard.callbacks import build_query
    from sim.overrides import canonical, parameter_value
    from sim.scenario import load_scenario

    sc = load_scenario(scenario, {k: str(v) for k, v in overrides.items()}) if overrides else load_scenario(scenario)
    canon = {canonical(sc, k): parameter_value(sc, canonical(sc, k)) for k in overrides}
    canon = {k: (int(v) if float(v).is_integer() else v) for k, v in canon.items()}
    return f"http://{host}:{port}/" + build_query({"scenario": scenario, "seed": 0, "mode": None, "overrides": canon}, 0)


def register(app: typer.Typer) -> None:
    """Add the ``dashboard`` command to the ``summitry`` CLI."""

    @app.command("dashboard")
    def dashboard_cmd(
        host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8050,
        scenario: Annotated[str | None, typer.Option(help="Built-in scenario to open on (default: singapore-2018).")] = None,
        threads: Annotated[
            int,
            typer.Option(
                help="Worker threads; at least the number of concurrent users, so short requests never queue behind ensembles.",
                min=1,
                max=256,
            ),
        ] = 32,
        params: Annotated[
            Path | None, typer.Option("--params", help="Parameter file (e.g. a calibration's calibrated.yaml) to open the dashboard with.")
        ] = None,
    ) -> None:
        """Serve the dashboard: step, play, rewind and fork a run in the browser."""
        from waitress import serve

        from dashboard.app import DEFAULT_SCENARIO, create_app
        from sim.errors import InputError
        from sim.scenario import builtin_names

        name = scenario
        overrides: dict[str, float] = {}
        if params is not None:
            file_scenario, overrides = load_params_file(params)
            if name is None:
                name = file_scenario
            elif file_scenario is not None and file_scenario != name:
                raise InputError(f"--params {params}: calibrated for scenario {file_scenario!r}, not {name!r}")
        name = name or DEFAULT_SCENARIO
        if name not in builtin_names():
            raise InputError(f"--scenario {name}: not a built-in scenario; built-in scenarios are {', '.join(builtin_names())}")
        url = dashboard_url(host, port, name, overrides)  # validates the overrides against the scenario
        dash_app = create_app(default_scenario=name)
        typer.echo(f"summitry dashboard on http://{host}:{port}/ (bound to {host}; scenario {name}); Ctrl+C to stop", err=True)
        if overrides:
            typer.echo(f"open {url} for the parameters of {params}", err=True)
        serve(dash_app.server, host=host, port=port, threads=threads, ident="summitry", clear_untrusted_proxy_headers=True)
