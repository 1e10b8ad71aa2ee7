"""The `negsim` command line: one module per command group, registered on one Typer app."""

# Importing a command module registers its commands on `app`.
import sim.cli.analyse
import sim.cli.forecast
import sim.cli.run
import sim.cli.sweep
from sim.cli.app import app

__all__ = ["app", "main", "sim"]


def main() -> None:
    """Entry point of the `negsim` console script."""
    app()
