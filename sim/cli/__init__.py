"""The `negsim` command line: one module per command group, registered on one Typer app."""

import sim.cli.run  # noqa: F401  (registers run, validate, schema)
from sim.cli.app import app


def main() -> None:
    """Entry point of the `negsim` console script."""
    app()
