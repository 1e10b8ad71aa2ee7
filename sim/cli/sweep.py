"""`negsim sweep` and `negsim sensitivity`: parse options, run the sweep machinery, print tables."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.app import SetOption, app, check_seed, user_errors


class Design(StrEnum):
    grid = "grid"
    lhs = "lhs"
    sobol = "sobol"
    morris = "morris"
    saltelli = "saltelli"


class Executor(StrEnum):
    serial = "serial"
    process = "process"
    dask = "dask"


class Method(StrEnum):
    sobol = "sobol"
    morris = "morris"


VaryOption = Annotated[
    list[str] | None,
    typer.Option(
        "--vary",
        help="Swept parameter: PATH=LOW:HIGH:NUM, PATH=LOW:HIGH (for lhs/sobol/morris) or "
        "PATH=v1,v2,... (repeatable; replaces the file's sweep axes).",
    ),
]
Workers = Annotated[int | None, typer.Option(help="Worker processes (default: one per CPU).")]
Reps = Annotated[int | None, typer.Option("--reps", help="Replications per design point.")]
Seed = Annotated[int | None, typer.Option(help="Root seed of the sweep.")]
Samples = Annotated[int | None, typer.Option(help="Design size for lhs/sobol/morris/saltelli.")]


TlsFile = Annotated[
    Path | None,
    typer.Option(
        help="TLS file for an --address tls://... scheduler (give --tls-ca-file, --tls-cert "
        "and --tls-key together, as for `dask scheduler`).",
        rich_help_panel="Dask cluster",
    ),
]


@app.command()
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML, or a sweep file naming one.")],
    vary: VaryOption = None,
    design: Annotated[Design | None, typer.Option(help="Experimental design.")] = None,
    samples: Samples = None,
    reps: Reps = None,
    seed: Seed = None,
    workers: Workers = None,
    chunk_size: Annotated[int | None, typer.Option(help="Runs per chunk sent to a worker.")] = None,
    executor: Annotated[Executor, typer.Option(help="Where runs execute.")] = Executor.process,
    address: Annotated[
        str | None,
        typer.Option(
            help="Existing Dask scheduler, tcp://HOST:PORT or tls://HOST:PORT (implies dask). "
            "Whoever runs it runs code you send and sends you code: use only your own.",
            rich_help_panel="Dask cluster",
        ),
    ] = None,
    tls_ca_file: TlsFile = None,
    tls_cert: TlsFile = None,
    tls_key: TlsFile = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default: results/<scenario name>).")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Check the parts in --out and run only the missing runs.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option(help="Replace the negsim results in --out (only negsim's own files).")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="Print only errors and the final line.")] = False,
    set_: SetOption = None,
) -> None:
    """Sweep a scenario over parameters and replications into a results folder.

    Example: negsim sweep scenarios/baseline.yaml --vary actors.russia.outside_option=0.2:0.8:7 --reps 200
    """
    from sim.sweep import resolve_sweep

    with user_errors():
        check_seed(seed)
        security = _security(address, tls_ca_file, tls_cert, tls_key)
        spec = resolve_sweep(
            scenario, vary or [], design and design.value, samples, reps, seed, set_ or []
        )
    folder = out or Path("results") / spec.scenario.name
    result = _run(
        spec,
        folder,
        executor="dask" if address else executor.value,
        workers=workers,
        chunk_size=chunk_size,
        address=address,
        resume=resume,
        overwrite=overwrite,
        quiet=quiet,
        security=security,
    )
    _finish(folder, result, quiet)


def _security(address: str | None, ca: Path | None, cert: Path | None, key: Path | None) -> Any:
    """Dask's TLS settings from the three files, or None without them."""
    given = [p for p in (ca, cert, key) if p is not None]
    if not given:
        return None
    if address is None or len(given) != 3:
        raise ValueError("--tls-ca-file, --tls-cert and --tls-key go together, with --address")
    for path in given:
        if not path.is_file():
            raise ValueError(f"{path}: no such file")
    from distributed.security import Security

    return Security(
        tls_ca_file=str(ca),
        tls_client_cert=str(cert),
        tls_client_key=str(key),
        require_encryption=True,
    )


def _run(spec: Any, folder: Path, **options: Any) -> Any:
    """Run the sweep. Ctrl-C exits 130, a folder or cluster fault exits 2, each with the command
    that resumes; parts set aside by --resume are named on stderr."""
    from sim.sweep import run_sweep
    from sim.sweep.store import StoreError, resume_command

    with user_errors():
        try:
            result = run_sweep(spec, folder, command=sys.argv, **options)
        except StoreError as exc:
            if not exc.resumable:
                raise
            raise ValueError(
                f"{exc}; {exc.kept:,} of {exc.expected:,} runs are kept: resume with: "
                f"{resume_command(sys.argv)}"
            ) from None
    for note in result.set_aside:
        print(f"set aside: {note}", file=sys.stderr)
    if result.rebuilt:
        print(f"rebuilt {folder}/manifest.json from the checked parts", file=sys.stderr)
    if result.status == "interrupted":
        print(
            f"interrupted: {result.total:,} of {result.expected:,} runs kept in {folder}; "
            f"resume with: {resume_command(sys.argv)}",
            file=sys.stderr,
        )
        raise typer.Exit(130)
    return result


def _finish(folder: Path, result: Any, quiet: bool) -> None:
    """Print the per-point table and the final line; a sweep whose every run failed exits 1."""
    from sim.sweep.store import Store
    from sim.sweep.summary import point_table

    if not quiet:
        _print_points(point_table(Store(folder)))
    if result.already:
        typer.echo(
            f"{result.status}: {result.total:,} runs already in {folder}/ (this same sweep, "
            "finished; nothing was run or changed); to run it again: add --overwrite"
        )
        if result.status == "failed":
            print(f"error: every run failed; their errors are in {folder}/runs/", file=sys.stderr)
            raise typer.Exit(1)
        return
    failed = f", {result.failed:,} failed" if result.failed else ""
    typer.echo(
        f"{result.status}: {result.total:,} runs ({result.ran:,} new{failed}) in "
        f"{result.seconds:.1f} s; results in {folder}/"
    )
    if result.status == "failed":
        print(f"error: every run failed; the first error: {result.first_error}", file=sys.stderr)
        raise typer.Exit(1)


def _print_points(table: Any, limit: int = 25, ends: int = 5) -> None:
    """The per-point table; above `limit` points only the first and last `ends` rows (all of them
    are in summary.csv). Headers break only at a path's last dot or a space, never mid-word."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    out = Table(
        title="Per design point", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False
    )
    params = [c for c in table.columns if c.startswith("param.")]
    out.add_column("point", justify="right")
    for p in params:  # the last two parts of a path name it (actors.russia.x -> russia.x)
        out.add_column(".\n".join(p.split(".")[-2:]), justify="right")
    for col in ("runs", "p(agreement)\n[95% Wilson]", "mean\nrounds"):
        out.add_column(col, justify="right", no_wrap=True)
    shown = table if len(table) <= limit else [table.head(ends), None, table.tail(ends)]
    for rows in shown if isinstance(shown, list) else [shown]:
        if rows is None:
            out.add_row("…", *["" for _ in params], "", "", "")
            continue
        for _, row in rows.iterrows():
            out.add_row(
                str(int(row["point"])),
                *[row[p] if isinstance(row[p], str) else f"{row[p]:.4g}" for p in params],
                f"{int(row['runs'])}"
                + (f" ({int(row['failed'])} failed)" if row["failed"] else ""),
                f"{row['p_agreement']:.3f} [{row['p_low']:.3f}, {row['p_high']:.3f}]",
                f"{row['mean_rounds']:.2f}",
            )
    if len(table) > limit:
        out.caption = f"first and last {ends} of {len(table):,} points; all in summary.csv"
    Console().print(out)


@app.command()
def sensitivity(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML, or a sweep file naming one.")],
    vary: VaryOption = None,
    method: Annotated[Method, typer.Option(help="sobol (S1, ST) or morris (mu*, sigma).")] = (
        Method.sobol
    ),
    samples: Samples = None,
    reps: Reps = None,
    seed: Seed = None,
    workers: Workers = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder (default: results/<name>-<method>).")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace a different earlier sweep in the folder.")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="Print only errors and the final line.")] = False,
    set_: SetOption = None,
) -> None:
    """Global sensitivity of the outcomes to the --vary ranges (SALib Sobol or Morris).

    Example: negsim sensitivity scenarios/baseline.yaml --vary actors.russia.patience=0.8:0.99
    --vary actors.syria.patience=0.8:0.99 --method morris --samples 10 --reps 20
    """
    from sim.sweep import resolve_sweep

    with user_errors():
        check_seed(seed)
        spec = resolve_sweep(
            scenario,
            vary or [],
            "saltelli" if method is Method.sobol else "morris",
            samples,
            reps,
            seed,
            set_ or [],
        )
        for axis in spec.axes:
            if axis.values is not None:
                raise ValueError(f"--vary {axis.path}: sensitivity needs a range LOW:HIGH")
    folder = out or Path("results") / f"{spec.scenario.name}-{method.value}"
    # Resuming reuses a finished identical sweep, so re-analysing costs nothing.
    result = _run(
        spec, folder, workers=workers, resume=not overwrite, overwrite=overwrite, quiet=quiet
    )
    with user_errors():
        table, noise = _indices(spec, folder)
    from sim.sweep.design import index_warnings

    warnings = index_warnings(
        table, spec.design, spec.samples, noise, spec.replications, spec.scenario
    )
    if not quiet:
        _print_indices(table, method)
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    from sim.plots.sensitivity import plot_sensitivity

    def warn(rows: Any, outcome: str) -> list[str]:  # one chart's own outcome
        mine = {outcome: noise[outcome]} if outcome in noise else {}
        return index_warnings(
            rows, spec.design, spec.samples, mine, spec.replications, spec.scenario
        )

    paths = plot_sensitivity(table, folder / "plots", warn, spec.scenario)
    from sim.sweep.store import Store

    Store(folder).note_outputs(paths)
    typer.echo(
        f"{result.total:,} runs, {spec.n_points:,} design points; indices in {folder}/sensitivity.csv, "
        f"{len(paths)} plots in {folder}/plots/"
    )


def _indices(spec: Any, folder: Path) -> tuple[Any, dict[str, float]]:
    """One row per (outcome, parameter) with the SALib indices, written to sensitivity.csv, and
    each outcome's replication-noise share (see sim.sweep.design.noise_share)."""
    import numpy as np
    import pandas as pd

    from sim.sweep.design import analyse, noise_share
    from sim.sweep.store import Store
    from sim.sweep.summary import outcome_columns

    store = Store(folder)
    columns = outcome_columns(store)
    sums = np.zeros((spec.n_points, len(columns)))
    squares = np.zeros_like(sums)
    n = np.zeros(spec.n_points)
    for df in store.iter_columns(["point", "status", *columns]):
        df = df[df["status"] == "ok"]
        pts, values = df["point"].to_numpy(), df[columns].to_numpy(dtype=float)
        np.add.at(n, pts, 1)
        np.add.at(sums, pts, values)
        np.add.at(squares, pts, values**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / n[:, None]
        variances = (squares - n[:, None] * means**2) / (n[:, None] - 1)  # unbiased, per point
    rows, noise = [], {}
    for j, col in enumerate(columns):
        y = means[:, j]
        if np.isnan(y).any():
            raise ValueError(f"{col}: some design points have no successful run")
        res = analyse(spec.axes, spec.design, spec.points, y, spec.seed)
        for k, path in enumerate(spec.paths):
            rows.append({"outcome": col, "parameter": path} | {key: v[k] for key, v in res.items()})
        noise[col] = noise_share(y, np.maximum(variances[:, j], 0.0), n)
    table = pd.DataFrame(rows)
    table.to_csv(folder / "sensitivity.csv", index=False)
    return table, noise


def _print_indices(table: Any, method: Method) -> None:
    """One table per outcome: each index with its 95% interval as '0.23 ± 0.05'."""
    from rich.console import Console
    from rich.table import Table

    if method is Method.sobol:
        shown = [("S1", "S1_conf", "S1 (first order) ± 95%"), ("ST", "ST_conf", "ST (total) ± 95%")]
    else:
        shown = [("mu_star", "mu_star_conf", "μ* ± 95%"), ("sigma", None, "σ")]
    console = Console()
    for outcome, group in table.groupby("outcome", sort=False):
        out = Table(title=f"{method.value} indices: {outcome}")
        out.add_column("parameter")
        for _, _, title in shown:
            out.add_column(title, justify="right")
        for _, row in group.iterrows():
            cells = [
                f"{row[key]:.3f}" + (f" ± {row[conf]:.3f}" if conf else "")
                for key, conf, _ in shown
            ]
            out.add_row(row["parameter"], *cells)
        console.print(out)
