"""The Typer application that every command module registers on."""

import typer

app = typer.Typer(
    name="negsim",
    help="Agent-based negotiation scenario simulator: run, sweep, plot and compare scenarios.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
