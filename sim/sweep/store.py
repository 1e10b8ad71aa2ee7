"""The results store: one sweep's folder, and the only code that writes its files or vouches for
them.

    manifest.json             what the sweep is (scenario, design, seed, settings), how it ended
    parts.jsonl               the manifest's record of committed parts, a line per part: its file,
                              rows, runs by status, size and SHA-256; a part not listed is not
                              part of the sweep
    runs/part-NNNNNN.parquet  the runs of one finished chunk, written whole (temporary file, then
                              rename), with page checksums and the sweep's fingerprint inside
    set-aside/                parts `--resume` found corrupted, truncated or unrecorded
    summary.csv               per design point (sim.sweep.summary)
    .negsim.lock              the writer's lock (sim.sweep.lock)
    .negsim-outputs           files that plot, compare, report and sensitivity wrote here

A part is renamed into place before it is recorded, so a crash at any moment leaves every
recorded part whole and costs only the chunks in flight, which are not recorded and run again.
Readers use only recorded parts whose size and checksum still match.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.sweep.lock import LOCK, folder_lock, holder

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sim.sweep.spec import SweepSpec

MANIFEST = "manifest.json"
LEDGER = "parts.jsonl"
RUNS = "runs"
ASIDE = "set-aside"
SUMMARY = "summary.csv"
OUTPUTS = ".negsim-outputs"
STATUSES = ("running", "complete", "failed", "interrupted", "aborted")


class StoreError(ValueError):
    """The folder cannot be used: full, read-only, missing, a file, or damaged beyond repair.
    `resumable` errors stopped a sweep that kept `kept` of its `expected` runs."""

    def __init__(self, message: str, resumable: bool = False) -> None:
        super().__init__(message)
        self.resumable = resumable
        self.kept: int | None = None
        self.expected: int | None = None


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


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file in the same folder, then os.replace.
    On any failure (disk full, folder gone) the temporary file is removed, not left behind."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically."""
    write_atomic(path, json.dumps(data, indent=2, default=str).encode())


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


def part_bytes(rows: list[dict[str, Any]], fingerprint: str) -> bytes:
    """One chunk's rows as Parquet bytes, with page checksums and the sweep's fingerprint in the
    file's metadata (so a part can be matched to its sweep even without the manifest)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(pd.DataFrame(rows), preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"negsim"] = json.dumps({"fingerprint": fingerprint}).encode()
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buffer, write_page_checksum=True)
    return buffer.getvalue()


def entry_of(name: str, data: bytes, statuses: Iterable[str]) -> dict[str, Any]:
    """A part's line in the ledger."""
    statuses = list(statuses)
    ok = sum(1 for s in statuses if s == "ok")
    return {
        "part": name,
        "rows": len(statuses),
        "ok": ok,
        "failed": len(statuses) - ok,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


class Store:
    """One sweep's results folder."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.runs = self.out / RUNS
        self._verified: dict[str, tuple[int, int]] = {}  # part -> (size, mtime) checked
        self.problems: list[str] = []  # recorded parts the last read left out, and why

    @property
    def manifest_path(self) -> Path:
        return self.out / MANIFEST

    @property
    def ledger_path(self) -> Path:
        return self.out / LEDGER

    # --- the folder -------------------------------------------------------------------------
    def create(self) -> None:
        """Create the folder (a StoreError the user can act on if impossible)."""
        if self.out.exists() and not self.out.is_dir():
            raise StoreError(f"{self.out} is a file, not a folder: choose another --out")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.out}: {exc.strerror or exc}") from None

    def prepare(self) -> None:
        """Create runs/ and drop the temporary files a killed sweep left behind (only negsim's
        own `.NAME.tmp` files; a finished file is never a temporary one)."""
        self.runs.mkdir(exist_ok=True)
        for tmp in [*self.runs.glob(".part-*.tmp"), *self.out.glob(".*.tmp")]:
            tmp.unlink(missing_ok=True)

    def lock(self) -> AbstractContextManager[None]:
        """The folder's exclusive writer lock (FolderBusy if another process holds it)."""
        return folder_lock(self.out)

    def is_empty(self) -> bool:
        """True when the folder is absent or holds nothing but the lock file."""
        return not self.out.exists() or all(p.name == LOCK for p in self.out.iterdir())

    def is_negsim(self) -> bool:
        """True when the folder holds a negsim manifest or part record (even a damaged one)."""
        if self.ledger_path.is_file():
            return True
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(data, dict) and "fingerprint" in data and "sweep" in data

    def clear(self) -> None:
        """Remove what negsim wrote here, and nothing else: its manifest, record, summaries, parts,
        set-aside parts and the outputs it noted. A user's own files (even in runs/ or plots/)
        stay, and so do folders that still hold them."""
        noted = self._noted_outputs()
        for path in [
            *(self.out / n for n in (MANIFEST, LEDGER, SUMMARY, "sensitivity.csv", OUTPUTS)),
            *self.runs.glob("part-*.parquet"),
            *self.runs.glob(".part-*.tmp"),
            *(self.out / ASIDE).glob("part-*"),
            *self.out.glob(".*.tmp"),
            *noted,
        ]:
            if path.is_file():
                path.unlink()
        for folder in {self.runs, self.out / ASIDE, *(p.parent for p in noted)}:
            if folder.is_dir() and folder != self.out and not any(folder.iterdir()):
                folder.rmdir()

    def note_outputs(self, paths: Iterable[Path]) -> None:
        """Remember files written into this folder by plot, compare, report or sensitivity, so
        that --overwrite removes exactly those (paths outside the folder are ignored)."""
        root = self.out.resolve()
        names = []
        for path in paths:
            try:
                names.append(str(Path(path).resolve().relative_to(root)))
            except ValueError:
                continue
        if names and self.manifest_path.is_file():
            with open(self.out / OUTPUTS, "a", encoding="utf-8") as handle:
                handle.write("".join(f"{n}\n" for n in names))

    def _noted_outputs(self) -> list[Path]:
        try:
            lines = (self.out / OUTPUTS).read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        root = self.out.resolve()
        paths = [(self.out / line).resolve() for line in lines if line.strip()]
        return [p for p in paths if p.is_relative_to(root) and p != root]

    # --- the manifest -----------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any]:
        """The manifest (a ValueError the user can act on if missing or damaged)."""
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(
                f"{self.out}: no {MANIFEST}; if negsim wrote this folder, {REBUILD}"
            ) from None
        except (OSError, ValueError) as exc:
            raise ValueError(f"{self.manifest_path} is damaged ({exc}); {REBUILD}") from None
        if not isinstance(data, dict) or not isinstance(data.get("sweep"), dict):
            raise ValueError(f"{self.manifest_path} is damaged (not a negsim manifest); {REBUILD}")
        return data

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(self.manifest_path, manifest)

    # --- the record of committed parts ------------------------------------------------------
    def entries(self) -> tuple[list[dict[str, Any]], int]:
        """The recorded parts in commit order, and how many lines were unreadable (a crash can
        tear only the last line; more means the record itself was damaged)."""
        try:
            lines = self.ledger_path.read_bytes().splitlines()
        except FileNotFoundError:
            return [], 0
        entries, bad, names = [], 0, set()
        for line in lines:
            try:
                entry = json.loads(line)
                valid = (
                    isinstance(entry, dict)
                    and str(entry.get("part", "")).startswith("part-")
                    and "/" not in entry["part"]
                    and all(
                        isinstance(entry.get(k), int) for k in ("rows", "ok", "failed", "bytes")
                    )
                    and isinstance(entry.get("sha256"), str)
                )
            except ValueError:
                valid = False
            if not valid:
                bad += 1
            elif entry["part"] not in names:
                names.add(entry["part"])
                entries.append(entry)
        return entries, bad

    def record(self, entry: dict[str, Any]) -> None:
        """Append a committed part's line to the record (the commit point of a part)."""
        with open(self.ledger_path, "ab") as handle:
            handle.write(json.dumps(entry).encode() + b"\n")

    def rewrite_record(self, entries: list[dict[str, Any]]) -> None:
        """Replace the record atomically (after --resume set parts aside or rebuilt it)."""
        write_atomic(self.ledger_path, b"".join(json.dumps(e).encode() + b"\n" for e in entries))

    # --- parts ------------------------------------------------------------------------------
    def commit(self, rows: list[dict[str, Any]], index: int, fingerprint: str) -> dict[str, Any]:
        """Write one chunk's rows as part-NNNNNN.parquet, whole or not at all, then record it."""
        name = f"part-{index:06d}.parquet"
        data = part_bytes(rows, fingerprint)
        write_atomic(self.runs / name, data)
        entry = entry_of(name, data, (row["status"] for row in rows))
        self.record(entry)
        stat = (self.runs / name).stat()  # this process wrote it: no need to hash it again
        self._verified[name] = (stat.st_size, stat.st_mtime_ns)
        return entry

    def check(self, entry: dict[str, Any]) -> str | None:
        """Why a recorded part cannot be trusted (missing, truncated, corrupted), or None."""
        path = self.runs / entry["part"]
        try:
            stat = path.stat()
        except OSError:
            return "missing"
        if self._verified.get(entry["part"]) == (stat.st_size, stat.st_mtime_ns):
            return None
        if stat.st_size < entry["bytes"]:
            return f"truncated ({stat.st_size:,} of {entry['bytes']:,} bytes)"
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        if stat.st_size != entry["bytes"] or digest != entry["sha256"]:
            return "corrupted (its checksum does not match the record)"
        self._verified[entry["part"]] = (stat.st_size, stat.st_mtime_ns)
        return None

    def good_entries(self) -> list[dict[str, Any]]:
        """The recorded parts that pass their check; the others are noted in `problems`."""
        entries, _ = self.entries()
        good = []
        self.problems = []
        for entry in entries:
            reason = self.check(entry)
            if reason is None:
                good.append(entry)
            else:
                self.problems.append(f"{entry['part']} is {reason}")
        return good

    def parts(self) -> list[Path]:
        """The committed parts that can be trusted, in commit order."""
        return [self.runs / e["part"] for e in self.good_entries()]

    def next_index(self) -> int:
        """An index above every part recorded or present."""
        names = [e["part"] for e in self.entries()[0]]
        names += [p.name for p in self.runs.glob("part-*.parquet")]
        indices = [_index(n) for n in names]
        return max([i for i in indices if i is not None], default=-1) + 1

    def set_aside(self, name: str) -> Path:
        """Move a part out of runs/ into set-aside/ (never overwriting an earlier one)."""
        folder = self.out / ASIDE
        folder.mkdir(exist_ok=True)
        target, n = folder / name, 1
        while target.exists():
            target, n = folder / f"{name}.{n}", n + 1
        os.replace(self.runs / name, target)
        return target

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

    def point_ranges(self, max_rows: int) -> Iterator[tuple[int, int]]:
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

    # --- what the folder holds --------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """How much of its sweep the folder holds: status (a sweep that died while running is
        "interrupted"), runs stored and expected, ok and failed, and problems with parts."""
        manifest = self.read_manifest()
        good = self.good_entries()
        status = manifest.get("status", "running")
        if status == "running" and holder(self.out) is None:
            status = "interrupted"
        if not self.ledger_path.is_file() and not good:
            self.problems.append(f"no {LEDGER} (written by an older negsim, or deleted)")
        return {
            "status": status,
            "stored": sum(e["rows"] for e in good),
            "ok": sum(e["ok"] for e in good),
            "failed": sum(e["failed"] for e in good),
            "expected": int(manifest["sweep"].get("n_runs", 0)),
            "problems": list(self.problems),
        }


REBUILD = "`negsim sweep` with the sweep's own scenario and options and --resume rebuilds it"


def resume_command(argv: list[str]) -> str:
    """The negsim command line `argv` with --resume in place of --overwrite."""
    import shlex

    again = [a for a in argv[1:] if a not in ("--overwrite", "--resume")]
    return shlex.join(["negsim", *again, "--resume"])


def completeness(state: dict[str, Any]) -> str | None:
    """One line saying what a folder lacks ("interrupted: 1,200 of 4,000 runs stored"), or None
    when it holds every run of its sweep and at least one succeeded."""
    stored, expected = state["stored"], state["expected"]
    problems = "; ".join(state["problems"])
    if stored >= expected and not problems:
        if state["ok"] == 0 and stored:
            return f"failed: all {stored:,} runs failed"
        return None
    status = state["status"] if state["status"] != "complete" else "damaged"
    text = f"{status}: {stored:,} of {expected:,} runs stored"
    return f"{text}; {problems}" if problems else text


def _index(name: str) -> int | None:
    try:
        return int(name.split("-")[1].split(".")[0])
    except (IndexError, ValueError):
        return None
