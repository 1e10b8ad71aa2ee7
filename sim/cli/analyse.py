"""`negsim plot`, `negsim compare` and `negsim report`: read stored results, draw, print paths."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.app import app, user_errors

ResultsArg = Annotated[Path, typer.Argument(help="Results folder written by negsim sweep.")]


@app.command()
def plot(
    results: ResultsArg,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the PNGs (default: RESULTS/plots).")
    ] = None,
) -> None:
    """Draw the outcome plots of a results folder and print where they are.

    Distributions, agreement, utilities, rounds, and the sweep curves or heatmaps.

    Example: negsim plot results/baseline
    """
    from sim.plots import load_results
    from sim.plots.outcomes import outcome_figures, save_figures

    with user_errors():
        r = load_results(results)
        paths = save_figures(outcome_figures(r.runs, r.spec, r.name), out or results / "plots")
    for path in paths:
        typer.echo(str(path))


@app.command()
def compare(
    results: Annotated[
        list[Path], typer.Argument(help="Two or more results folders; the first is the reference.")
    ],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="PNG to write (default: FIRST/plots/compare_….png)."),
    ] = None,
) -> None:
    """Draw several results on shared axes and print their differences with 95% intervals.

    Each later folder is compared with the first (A − B); the table is also saved as CSV.

    Example: negsim compare results/baseline results/africa_option -o compare.png
    """
    from sim.plots import load_results
    from sim.plots.compare import (
        compare_figure,
        differences_table,
        format_differences,
        sweep_mismatch,
    )

    with user_errors():
        if len(results) < 2:
            raise ValueError("compare needs at least two results folders")
        loaded = [load_results(p) for p in results]
        names = "_vs_".join(r.name for r in loaded)
        path = output or results[0] / "plots" / f"compare_{names}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        compare_figure(loaded).savefig(path)
        table = differences_table(loaded)
        table.to_csv(path.with_suffix(".csv"), index=False)
    mismatch = sweep_mismatch(loaded)
    if mismatch:
        print(f"warning: {mismatch}", file=sys.stderr)
    for line in format_differences(table):
        typer.echo(line)
    typer.echo(f"comparison written to {path} (table: {path.with_suffix('.csv')})")


@app.command()
def report(
    results: Annotated[list[Path], typer.Argument(help="One or more results folders.")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="HTML file to write (default: FIRST/report.html)."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
) -> None:
    """Write one self-contained HTML report for a class or a briefing.

    Each scenario's assumptions, plots and findings, and the comparison when there are several;
    images are embedded and nothing is fetched from the network.

    Example: negsim report results/baseline results/us_drawdown -o briefing.html
    """
    from sim.plots import load_results
    from sim.report import write_report

    with user_errors():
        loaded = [load_results(p) for p in results]
        path = write_report(loaded, output or results[0] / "report.html", title)
    typer.echo(f"report written to {path}")
