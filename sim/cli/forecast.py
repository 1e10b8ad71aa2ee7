"""`negsim forecast`: Bueno de Mesquita's expected-utility forecast of one issue from a CSV table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.app import Format, app, user_errors


@app.command()
def forecast(
    table: Annotated[
        Path, typer.Argument(help="CSV table with columns actor, capability, position, salience.")
    ],
    rounds: Annotated[int, typer.Option(min=0, help="Rounds of challenges and offers.")] = 8,
    format: Annotated[
        Format, typer.Option("--format", help="A table of rounds, or one JSON object.")
    ] = Format.text,
    plot: Annotated[
        Path | None,
        typer.Option(help="Also draw the positions and the weighted median by round to this PNG."),
    ] = None,
) -> None:
    """Forecast one issue with the expected-utility model (Scholz, Calbert & Smith 2011).

    Example: negsim forecast tests/data/bdm_emissions.csv --rounds 8 --plot forecast.png
    """
    from sim.forecast_table import read_table
    from sim.protocols.expected_utility import forecast_issue

    with user_errors():
        spec = read_table(table)
        result = forecast_issue(spec.capability, spec.position, spec.salience, rounds=rounds)
    if plot is not None:
        from sim.plots.forecast import save, table_forecast_figure

        path = save(table_forecast_figure(spec.actors, result, table.stem), plot)
        typer.echo(f"figure written to {path}", err=format is Format.json)
    if format is Format.json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    grid = Table(title=f"Expected-utility rounds: {table.name}")
    grid.add_column("round", justify="right")
    grid.add_column("weighted median", justify="right")
    grid.add_column("weighted mean", justify="right")
    for t, (median, mean) in enumerate(zip(result.medians, result.means, strict=True)):
        grid.add_row(str(t), f"{median:.3f}", f"{mean:.3f}")
    console = Console()
    console.print(grid)
    console.print(f"forecast (weighted median after {rounds} rounds): {result.forecast:.3f}")
    console.print(f"weighted mean after {rounds} rounds: {result.mean:.3f}")
