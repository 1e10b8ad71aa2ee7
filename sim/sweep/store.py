"""The results store: `manifest.json`, `runs/part-NNNNNN.parquet` (each written whole or not at
all) and `summary.csv`, read back in bounded pieces so a million-run sweep never sits in memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sim.sweep.spec import SweepSpec

MANIFEST = "manifest.json"
RUNS = "runs"
SUMMARY = "summary.csv"
OWN = (MANIFEST, RUNS, SUMMARY, "sensitivity.csv", "plots")


def now() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit() -> str | None:
    """The commit of the source tree, or None outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically: a temporary file in the same folder, then os.replace."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def new_manifest(spec: SweepSpec, settings: dict[str, Any]) -> dict[str, Any]:
    """The manifest at the start of a sweep."""
    import sim

    return {
        "scenario": spec.scenario.model_dump(mode="json"),
        "scenario_file": spec.file,
        "document": spec.document,
        "sweep": spec.to_json() | {"chunk_size": settings.get("chunk_size")},
        "points": spec.points.tolist(),
        "fingerprint": spec.fingerprint(),
        "version": sim.__version__,
        "git_commit": git_commit(),
        "command": settings.get("command") or sys.argv,
        "executor": settings.get("executor"),
        "workers": settings.get("workers"),
        "started": now(),
        "ended": None,
        "status": "running",
        "counts": {"ok": 0, "failed": 0, "total": 0, "expected": spec.n_runs},
    }


MAX_ROWS = 200_000  # runs held at once while summarising


class Store:
    """One sweep's results folder."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.runs = self.out / RUNS

    @property
    def manifest_path(self) -> Path:
        return self.out / MANIFEST

    def is_empty(self) -> bool:
        """True when the folder is absent or holds nothing."""
        return not self.out.exists() or not any(self.out.iterdir())

    def read_manifest(self) -> dict[str, Any]:
        """The manifest (a ValueError the user can act on if missing)."""
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(
                f"{self.out}: no {MANIFEST}; is this a negsim results folder?"
            ) from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(self.manifest_path, manifest)

    def clear(self) -> None:
        """Remove negsim's own files from the folder (never anything else)."""
        import shutil

        for name in OWN:
            path = self.out / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()

    def prepare(self) -> None:
        """Create the folders and drop temporary files a killed sweep left behind."""
        self.runs.mkdir(parents=True, exist_ok=True)
        for tmp in self.runs.glob(".*.tmp"):
            tmp.unlink()

    def parts(self) -> list[Path]:
        """The finished parts, in write order."""
        return sorted(self.runs.glob("part-*.parquet"))

    def next_index(self) -> int:
        parts = self.parts()
        return int(parts[-1].stem.split("-")[1]) + 1 if parts else 0

    def write_part(self, rows: list[dict[str, Any]], index: int) -> Path:
        """Write one chunk's rows as part-NNNNNN.parquet, whole or not at all."""
        import pandas as pd

        path = self.runs / f"part-{index:06d}.parquet"
        tmp = self.runs / f".{path.name}.tmp"
        pd.DataFrame(rows).to_parquet(tmp, index=False)
        os.replace(tmp, path)
        return path

    def iter_columns(self, columns: list[str]) -> Iterator[Any]:
        """Each part's `columns` as a DataFrame (only those columns are read)."""
        import pyarrow.parquet as pq

        for part in self.parts():
            names = pq.read_schema(part).names
            yield pq.read_table(part, columns=[c for c in columns if c in names]).to_pandas()

    def done(self, n_points: int, reps: int) -> tuple[np.ndarray, dict[str, int]]:
        """Which (point, rep) runs are stored, and the counts by status."""
        done = np.zeros((n_points, reps), dtype=bool)
        counts = {"ok": 0, "failed": 0}
        for df in self.iter_columns(["point", "rep", "status"]):
            done[df["point"].to_numpy(), df["rep"].to_numpy()] = True
            for status, n in df["status"].value_counts().items():
                counts[str(status)] = counts.get(str(status), 0) + int(n)
        return done, counts

    def point_ranges(self, max_rows: int = MAX_ROWS) -> Iterator[tuple[int, int]]:
        """[start, stop) ranges of design points of about `max_rows` runs each (one point at a
        time when a point alone has more)."""
        manifest = self.read_manifest()
        n_points = manifest["sweep"]["n_points"]
        step = max(1, max_rows // max(1, manifest["sweep"]["replications"]))
        for start in range(0, n_points, step):
            yield start, min(start + step, n_points)

    def read_points(self, columns: list[str], start: int, stop: int) -> Any:
        """`columns` of the runs of points [start, stop), sorted by (point, rep); read part by
        part with pyarrow so only those rows and columns are ever held."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        wanted = columns + [c for c in ("point", "rep") if c not in columns]
        tables = []
        for part in self.parts():
            table = pq.read_table(part, columns=wanted)
            point = table["point"]
            tables.append(
                table.filter(pc.and_(pc.greater_equal(point, start), pc.less(point, stop)))
            )
        order = [("point", "ascending"), ("rep", "ascending")]
        return pa.concat_tables(tables).sort_by(order).to_pandas()


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
    for start, stop in store.point_ranges():
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
    tmp = path.with_name(f".{path.name}.tmp")
    pd.concat(pieces, ignore_index=True).to_csv(tmp, index=False)
    os.replace(tmp, path)
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


def point_means(store: Store, columns: list[str], n_points: int) -> Any:
    """Mean of each column over the ok runs of every design point, part by part."""
    import pandas as pd

    sums = np.zeros((n_points, len(columns)))
    n = np.zeros(n_points)
    for df in store.iter_columns(["point", "status", *columns]):
        df = df[df["status"] == "ok"]
        pts = df["point"].to_numpy()
        np.add.at(n, pts, 1)
        np.add.at(sums, pts, df[columns].to_numpy(dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(sums / n[:, None], columns=columns)


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
