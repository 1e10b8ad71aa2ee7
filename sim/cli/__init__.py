"""The `negsim` command line: one module per command group, registered on one Typer app."""

# Importing a command module registers its commands on `app`; `negsim --help` lists them in this
# order, from one run to sweeps, their analysis, and the forecasting lens.
import sim.cli.run  # isort: skip
import sim.cli.sweep  # isort: skip
import sim.cli.analyse  # isort: skip
import sim.cli.forecast  # isort: skip
import sim.cli.explore  # isort: skip
from sim.cli.app import app

__all__ = ["app", "main", "sim"]


def main() -> None:
    """Entry point of the `negsim` console script."""
    app()
