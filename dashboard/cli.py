"""``summitry dashboard``: serve the dashboard with waitress (a production WSGI server), debug off."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``dashboard`` command to the ``summitry`` CLI."""

    @app.command("dashboard")
    def dashboard_cmd(
        host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8050,
        scenario: Annotated[str | None, typer.Option(help="Built-in scenario to open on (default: singapore-2018).")] = None,
        threads: Annotated[int, typer.Option(help="Worker threads.", min=1, max=64)] = 8,
    ) -> None:
        """Serve the dashboard: step, play, rewind and fork a run in the browser."""
        from waitress import serve

        from dashboard.app import DEFAULT_SCENARIO, create_app
        from sim.errors import InputError
        from sim.scenario import builtin_names

        name = scenario or DEFAULT_SCENARIO
        if name not in builtin_names():
            raise InputError(f"--scenario {name}: not a built-in scenario; built-in scenarios are {', '.join(builtin_names())}")
        dash_app = create_app(default_scenario=name)
        typer.echo(f"summitry dashboard on http://{host}:{port}/ (scenario {name}); Ctrl+C to stop", err=True)
        serve(dash_app.server, host=host, port=port, threads=threads, ident="summitry", clear_untrusted_proxy_headers=True)
