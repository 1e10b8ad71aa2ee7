"""Per-design-point summaries over a results store: `summary.csv`, the table `negsim sweep`
prints, and the outcomes sensitivity analysis looks at; all read in bounded pieces, so a
million-run sweep never sits in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.sweep.store import SUMMARY, Store, write_atomic

MAX_ROWS = 200_000  # runs held at once while summarising


def summary_column_groups(names: list[str], rows: int) -> list[list[str]]:
    """The outcome columns `summarise` reads: all at once for up to MAX_ROWS runs, else in small
    groups (in its output order) so a huge design point is never held whole."""
    flags = [
        c for c in names if c == "agreed" or (c.startswith("issue.") and c.endswith(".agreed"))
    ]
    values = [c for c in names if c.startswith("issue.") and c.endswith((".value", ".option"))]
    utilities = [c for c in names if c.startswith("utility.")]
    discounted = [c for c in names if c.startswith("utility_discounted.")]
    last = [c for c in ("rounds_used", "nash_distance", "equilibrium_distance") if c in names]
    if rows <= MAX_ROWS:
        return [flags + values + utilities + discounted + last]
    # summarise finds issues by their value columns, so the flags travel with the values.
    groups = [flags + values, *([c] for c in utilities), discounted, last]
    return [g for g in groups if g]


def write_summary(store: Store) -> Path | None:
    """summary.csv via sim.stats.summarise. Memory stays bounded however large the sweep: runs
    are read a batch of whole design points (and, for a huge point, a few columns) at a time,
    sorted by (point, rep) so that sums do not depend on the order parts were written in."""
    try:
        from sim.stats import summarise
    except ImportError:
        return None
    import pandas as pd
    import pyarrow.parquet as pq

    parts = store.parts()
    if not parts:
        return None
    names = pq.read_schema(parts[0]).names
    keys = [c for c in ("scenario", "point", "status") if c in names]
    keys += [c for c in names if c.startswith("param.")]
    reps = store.read_manifest()["sweep"]["replications"]
    pieces = []
    for start, stop in store.point_ranges(MAX_ROWS):
        frames: list[Any] = []
        for group in summary_column_groups(names, (stop - start) * reps):
            batch = store.read_points(keys + group, start, stop)
            if batch.empty:
                break
            frame = summarise(batch)
            del batch
            if frames:  # the design point's keys and counts are already in the first frame
                frame = frame.drop(columns=[c for c in frame.columns if c in frames[0].columns])
            frames.append(frame)
        if frames:
            pieces.append(pd.concat(frames, axis=1))
    if not pieces:
        return None
    path = store.out / SUMMARY
    write_atomic(path, pd.concat(pieces, ignore_index=True).to_csv(index=False).encode())
    return path


def point_table(store: Store) -> Any:
    """Per design point: its parameters, runs, p(full agreement) with a Wilson interval, mean
    rounds; built from four small columns of each part, never the whole sweep."""
    import pandas as pd

    manifest = store.read_manifest()
    n_points = manifest["sweep"]["n_points"]
    n, ok, agreed, rounds = (np.zeros(n_points) for _ in range(4))
    for df in store.iter_columns(["point", "status", "agreed", "rounds_used"]):
        good = (df["status"] == "ok").to_numpy()
        pts = df["point"].to_numpy()
        np.add.at(n, pts, 1)
        np.add.at(ok, pts[good], 1)
        np.add.at(agreed, pts[good], df["agreed"].to_numpy()[good].astype(float))
        np.add.at(rounds, pts[good], df["rounds_used"].to_numpy()[good].astype(float))
    from sim.stats import wilson_interval

    lo, hi = wilson_interval(agreed, ok)
    table = pd.DataFrame(
        np.asarray(manifest["points"]).reshape(n_points, -1),
        columns=[f"param.{a['path']}" for a in manifest["sweep"]["axes"]],
    )
    for a in manifest["sweep"]["axes"]:  # a list of names: design values are their indices
        if any(isinstance(v, str) for v in a.get("values") or []):
            col = f"param.{a['path']}"
            table[col] = [a["values"][int(i)] for i in table[col]]
    table.insert(0, "point", np.arange(n_points))
    with np.errstate(invalid="ignore", divide="ignore"):
        table["runs"], table["failed"] = n.astype(int), (n - ok).astype(int)
        table["p_agreement"], table["p_low"], table["p_high"] = agreed / ok, lo, hi
        table["mean_rounds"] = rounds / ok
    return table


def outcome_columns(store: Store) -> list[str]:
    """The outcomes sensitivity analysis looks at: full agreement, issue values, actor utilities."""
    import pyarrow.parquet as pq

    parts = store.parts()
    names = pq.read_schema(parts[0]).names if parts else []
    return ["agreed"] + [
        c
        for c in names
        if c.startswith(("issue.", "utility."))
        and (c.endswith(".value") or c.startswith("utility."))
    ]
