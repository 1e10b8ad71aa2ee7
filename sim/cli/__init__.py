"""The `negsim` command line: one module per command group, registered on one Typer app."""

from sim.cli.app import app


def main() -> None:
    """Entry point of the `negsim` console script."""
    app()
