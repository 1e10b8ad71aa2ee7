"""The Typer application that every command module registers on, and the user-error guard."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer

app = typer.Typer(
    name="negsim",
    help="Agent-based negotiation scenario simulator: run, sweep, plot and compare scenarios.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


class Format(StrEnum):
    """Output formats of commands that print a result."""

    text = "text"
    json = "json"


SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Override a scenario value by dotted path: PATH=VALUE (repeatable)."
    ),
]


def _version(value: bool) -> None:
    if value:
        from sim import __version__

        typer.echo(f"negsim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Agent-based negotiation scenario simulator: run, sweep, plot and compare scenarios."""
    import warnings

    warnings.showwarning = _show_warning
    # Every command says it, every time (ScenarioWarning is one; importing it here is slow).
    warnings.simplefilter("always", UserWarning)


def _show_warning(message: Any, *args: Any, **kwargs: Any) -> None:
    """Warnings on the command line are one line on stderr, `warning: file:line: ...`."""
    print(f"warning: {message}", file=sys.stderr)


def check_seed(seed: int | None, option: str = "--seed") -> None:
    """Refuse a seed outside what numpy and the results store hold, naming the option."""
    from sim.scenario.models import SEED_MAX

    if seed is not None and not 0 <= seed <= SEED_MAX:
        raise ValueError(
            f"{option} {seed}: expected a whole number from 0 to {SEED_MAX} (2^63 − 1)"
        )


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn errors the user can fix (bad scenario, bad table, bad option) into one line on
    stderr and exit code 2, never a traceback."""
    try:
        yield
    except ValueError as exc:  # ScenarioError, TableError and friends subclass ValueError
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    except FileNotFoundError as exc:
        print(f"error: {exc.filename}: no such file", file=sys.stderr)
        raise typer.Exit(2) from None
