"""`negsim app`: the classroom explorer in the browser, served from this machine only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.app import app, user_errors


@app.command("app")
def explorer(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file to open.")] = Path(
        "scenarios/baseline.yaml"
    ),
    port: Annotated[int, typer.Option(help="Port on this machine (0: any free one).")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the app in the web browser.")
    ] = True,
) -> None:
    """The classroom explorer in the browser, offline: levers, one negotiation step by step.

    Also: what changes the odds (a small sweep of one lever), A against B, and about this
    scenario. Stop it with Ctrl-C.

    Example: negsim app scenarios/baseline.yaml
    """
    import socket

    from sim.app.levers import board_for
    from sim.app.server import free_port, serve

    with user_errors():
        board_for(scenario)  # a bad file is one line and exit 2, before anything starts
        if port == 0:
            port = free_port(host)
        with socket.socket() as probe:
            # As the server binds: a port left in TIME_WAIT by an app just stopped is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                raise ValueError(f"port {port} on {host} is in use: pass --port") from None
    url = f"http://{host}:{port}/"
    typer.echo(f"negsim app: starting {scenario} (a few seconds)...")

    def ready() -> None:
        # Only now: the link answers when clicked (Solara takes seconds to start).
        typer.echo(f"negsim app: ready: {scenario} at {url} (Ctrl-C to stop)")
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    serve(str(scenario), host, port, on_ready=ready)
