"""`negsim run`, `negsim validate` and `negsim schema`: one scenario at a time."""

from __future__ import annotations

import json
from collections.abc import Sized
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sim.cli.app import Format, SetOption, app, check_seed, user_errors

if TYPE_CHECKING:  # imported lazily at run time, for a fast --help
    from sim.record import RunRecord
    from sim.scenario import Scenario


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    seed: Annotated[
        int | None, typer.Option(help="Root seed (default: the scenario's run.seed).")
    ] = None,
    rounds: Annotated[
        int | None, typer.Option(help="Deadline T (overrides protocol.deadline).")
    ] = None,
    set_: SetOption = None,
    protocol: Annotated[
        str | None,
        typer.Option(help="alternating_offers or expected_utility (overrides the file)."),
    ] = None,
    format: Annotated[
        Format, typer.Option("--format", help="text narration or a JSON record.")
    ] = Format.text,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Also draw the run: offers and answers to this PNG, the utility space to "
            "<name>_utility_space.png."
        ),
    ] = None,
    brief: Annotated[
        bool, typer.Option("--brief", help="Print only the cast and the recap.")
    ] = False,
    actors: Annotated[
        str | None,
        typer.Option(
            help="Two actors for the utility-space figure of --plot, e.g. syria,turkey "
            "(default: the first two actors in the scenario file)."
        ),
    ] = None,
) -> None:
    """Run a scenario once and narrate it round by round (or print its JSON record).

    Example: negsim run scenarios/baseline.yaml --seed 1
    """
    from sim.runner import run_once
    from sim.scenario import load_scenario

    overrides = list(set_ or [])
    if rounds is not None:
        overrides.append(f"protocol.deadline={rounds}")
    if protocol is not None:
        overrides.append(f"protocol.type={protocol}")
    with user_errors():
        check_seed(seed)
        spec = load_scenario(scenario, overrides)
        pair = _pair(spec, actors) if actors else None
    record = run_once(spec, spec.run.seed if seed is None else seed, trajectory=True)
    if format is Format.json:
        typer.echo(json.dumps(record.to_dict(), indent=2))
    else:
        _print_text(spec, record, brief)
    if plot is not None:
        paths = _plot(spec, record, plot, pair)
        for path in paths:
            typer.echo(f"figure written to {path}", err=format is Format.json)


def _plot(spec: Scenario, record: RunRecord, plot: Path, pair: tuple[str, str] | None) -> list:
    """The run's figures: offers and utility space, or the expected-utility lens."""
    if record.protocol == "expected_utility":
        from sim.plots.forecast import save, scenario_forecast_figure

        return [save(scenario_forecast_figure(spec, record), plot)]
    from sim.plots.run import plot_run

    return plot_run(spec, record, plot, pair)


def _count(items: Sized, noun: str) -> str:
    """'1 issue', '5 issues'."""
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")


def _pair(spec: Any, text: str) -> tuple[str, str]:
    """Parse --actors A,B against the scenario's actor keys."""
    names = [n.strip() for n in text.split(",")]
    unknown = [n for n in names if n not in spec.actors]
    if len(names) != 2 or unknown or names[0] == names[1]:
        raise ValueError(
            f"--actors {text}: expected two different actors out of {sorted(spec.actors)}"
        )
    return names[0], names[1]


def _print_text(spec: Scenario, record: RunRecord, brief: bool = False) -> None:
    """The narration, then (unless brief) the outcome and utility tables."""
    from rich.console import Console
    from rich.table import Table

    from sim.narration import narrate, words

    console = Console()
    for line in narrate(spec, record, brief=brief):
        console.print(line, highlight=False, soft_wrap=True, markup=False)  # the terminal wraps
    if brief:
        return
    table = Table(title="Outcome")
    table.add_column("issue")
    table.add_column("value", justify="right")
    table.add_column("meaning")
    table.add_column("settled")
    for key, out in record.issues.items():
        how = f"agreed (round {out.round + 1})" if out.agreed else "reverted / imposed"
        if out.forecast_mean is not None:
            how = f"forecast (mean {out.forecast_mean:.2f})"
        said = words(spec.issues[key], out.value).replace('"', "") or out.label
        shown = out.label if spec.issues[key].options is not None else f"{out.value:.2f}"
        table.add_row(spec.issues[key].label, shown, said, how)
    console.print(table)
    table = Table(title="Utilities")
    table.add_column("actor")
    table.add_column("utility", justify="right")
    table.add_column("discounted", justify="right")
    for key, u in record.utilities.items():
        table.add_row(spec.actors[key].name, f"{u:.3f}", f"{record.utilities_discounted[key]:.3f}")
    console.print(table)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files to check.")],
    set_: SetOption = None,
) -> None:
    """Check scenario files (and their sweep: block); print file:line, the field and what was
    expected for each problem.

    Example: negsim validate scenarios/*.yaml
    """
    import sys
    import warnings

    from sim.scenario import ScenarioError, ScenarioWarning, load_scenario
    from sim.sweep.spec import resolve_sweep

    bad = 0
    for file in files:
        try:
            spec = load_scenario(file, set_ or [])
            if spec.sweep is not None:  # its axes and size, against the scenario, as sweep does
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ScenarioWarning)  # already said once
                    resolve_sweep(file)
        except ScenarioError as exc:
            for problem in exc.problems():
                print(f"error: {problem}", file=sys.stderr)
            bad += 1
        else:
            typer.echo(
                f"ok: {file} ({spec.name}: {len(spec.actors)} actors, {_count(spec.issues, 'issue')})"
            )
    if bad:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (point your editor's YAML support at it).

    Example: negsim schema > scenario.schema.json
    """
    from sim.scenario import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))
