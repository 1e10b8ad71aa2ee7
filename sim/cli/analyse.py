"""`negsim plot`, `negsim discover`, `negsim compare` and `negsim report`: read stored results,
analyse and draw them, print what was found and where it was written."""

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
    from sim.plots.style import mark_incomplete

    with user_errors():
        r = load_results(results)
        _warn_incomplete([r])
        figures = outcome_figures(r.runs, r.spec, r.name)
        for fig in figures.values():
            mark_incomplete(fig, r.note)
        paths = save_figures(figures, out or results / "plots")
        _note_outputs(results, paths)
    for path in paths:
        typer.echo(str(path))


@app.command()
def discover(
    results: ResultsArg,
    outcome: Annotated[
        str,
        typer.Option(
            help="The outcome of interest: agreed, breakdown, breakdown=walkout, a true/false "
            "column such as issue.basing.agreed, or a condition such as "
            "'issue.extradition.value>=0.5'."
        ),
    ] = "agreed",
    box: Annotated[
        int | None,
        typer.Option(help="Box of the peeling trajectory to describe (default: best balance)."),
    ] = None,
    alpha: Annotated[float, typer.Option(help="Share of the box's runs each peel removes.")] = 0.05,
    mass_min: Annotated[float, typer.Option(help="Smallest share of all runs a box may hold.")] = (
        0.05
    ),
    out: Annotated[
        Path | None, typer.Option(help="Folder for the figure (default: RESULTS/plots).")
    ] = None,
) -> None:
    """Find where in the swept parameters an outcome happens: PRIM boxes, a tree, feature scores.

    Prints PRIM's peeling trajectory (coverage against density, with the number of restricted
    parameters), the chosen box (each limit with its quasi-p-value), the densest leaves of a
    classification tree and the extra-trees importance of each parameter; draws them in one figure.

    Example: negsim discover results/lhs --outcome 'issue.extradition.value>=0.5' --box 12
    """
    from sim.discovery import discover as find
    from sim.plots import load_results
    from sim.plots.discovery import discovery_figures, discovery_stem
    from sim.plots.style import mark_incomplete

    with user_errors():
        r = load_results(results)
        _warn_incomplete([r])
        d = find(r.runs, r.spec, outcome, box, alpha, mass_min)
    typer.echo(
        f"{d.description}: {d.box(0).k:,} of {d.box(0).n:,} completed runs "
        f"({d.box(0).density:.1%}) at {len(d.points)} design points"
    )
    typer.echo("\nPRIM peeling trajectory (* the box described below)")
    typer.echo(f"{'box':>4} {'coverage':>9} {'density':>8} {'mass':>6} {'restricted':>11}")
    for i, cov, den, mass, dims in d.trajectory_rows():
        mark = " *" if i == d.chosen else ""
        typer.echo(f"{i:>4} {cov:>9.3f} {den:>8.3f} {mass:>6.3f} {dims:>11}{mark}")
    typer.echo("")
    for line in d.box_lines():
        typer.echo(line)
    typer.echo("\nClassification tree, densest leaves:")
    for line in d.leaf_lines():
        typer.echo(f"  {line}")
    typer.echo("\nFeature scores (extra trees):")
    for line in d.score_lines():
        typer.echo(f"  {line}")
    folder = out or results / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, fig in discovery_figures(d, r.name).items():
        paths.append(folder / f"{discovery_stem(d.outcome.text)}{suffix}.png")
        mark_incomplete(fig, r.note).savefig(paths[-1])
    _note_outputs(results, paths)
    typer.echo(f"\nfigures written to {', '.join(str(p) for p in paths)}")


@app.command()
def compare(
    results: Annotated[
        list[Path], typer.Argument(help="Two or more results folders; the first is the reference.")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Name of the figures: -o cmp.png writes cmp_agreement.png, cmp_utilities.png, "
            "… and the table cmp.csv (default: FIRST/plots/compare_A_vs_B).",
        ),
    ] = None,
) -> None:
    """Draw several results on shared axes and print their differences with 95% intervals.

    Each later folder is compared with the first (A − B); one figure per question (each shared
    issue, agreement, utilities, rounds) and the table as CSV.

    Example: negsim compare results/baseline results/africa_option -o compare.png
    """
    from sim.plots import incomplete_note, load_results
    from sim.plots.compare import (
        compare_figures,
        differences_table,
        format_differences,
        sweep_mismatch,
    )
    from sim.plots.style import mark_incomplete

    with user_errors():
        if len(results) < 2:
            raise ValueError("compare needs at least two results folders")
        loaded = [load_results(p) for p in results]
        _warn_incomplete(loaded)
        names = "_vs_".join(r.name for r in loaded)
        base = output or results[0] / "plots" / f"compare_{names}.png"
        base.parent.mkdir(parents=True, exist_ok=True)
        paths, note = [], incomplete_note(loaded)
        for stem, fig in compare_figures(loaded).items():
            paths.append(base.with_name(f"{base.with_suffix('').name}_{stem}.png"))
            mark_incomplete(fig, note).savefig(paths[-1])
        table = differences_table(loaded)
        table.to_csv(base.with_suffix(".csv"), index=False)
        _note_outputs(results[0], [*paths, base.with_suffix(".csv")])
    mismatch = sweep_mismatch(loaded)
    if mismatch:
        print(f"warning: {mismatch}", file=sys.stderr)
    for line in format_differences(table):
        typer.echo(line)
    for path in paths:
        typer.echo(f"figure written to {path}")
    typer.echo(f"table written to {base.with_suffix('.csv')}")


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
        _warn_incomplete(loaded)
        path = write_report(loaded, output or results[0] / "report.html", title, sys.argv)
        _note_outputs(results[0], [path])
    typer.echo(f"report written to {path}")


def _warn_incomplete(loaded: list) -> None:
    """One line on stderr for each folder that holds only part of its sweep."""
    for r in loaded:
        if r.note:
            print(f"warning: {r.path}: {r.note}; the figures and report say so", file=sys.stderr)


def _note_outputs(folder: Path, paths: list[Path]) -> None:
    """Let the results folder know which files negsim wrote into it (for --overwrite)."""
    from sim.sweep.store import Store

    Store(folder).note_outputs(paths)
