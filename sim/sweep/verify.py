"""What `--resume` trusts: every recorded part is checked against its size and SHA-256; a part
that fails, or that the record does not list, is set aside (moved to set-aside/, named in the
output) and its runs are run again. When the record or the manifest is missing or damaged, the
record is rebuilt from the parts that pass a full check: readable with their page checksums,
carrying this sweep's fingerprint, and holding rows whose keys, seeds and parameters are exactly
the ones this sweep gives them."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from sim.sweep.seeds import run_seed
from sim.sweep.spec import SweepSpec
from sim.sweep.store import Store, StoreError, entry_of


def verify(store: Store, spec: SweepSpec, trust_record: bool) -> list[str]:
    """Check the folder's parts for `spec`, set aside the bad ones, and rewrite the record if
    anything changed. `trust_record` is False when the manifest was missing or damaged: then
    every part is checked in full. Returns one note per part set aside."""
    entries, unreadable = store.entries()
    rebuild = not trust_record or unreadable > 0 or not store.ledger_path.is_file()
    recorded = {e["part"]: e for e in entries}
    kept: list[dict[str, Any]] = []
    bad: list[tuple[str, str]] = []
    foreign: list[str] = []
    if not rebuild:
        for entry in entries:
            reason = store.check(entry)
            if reason is None:
                kept.append(entry)
            elif reason != "missing":
                bad.append((entry["part"], reason))
        bad += [
            (p.name, "not in the record (a sweep stopped before recording it)")
            for p in sorted(store.runs.glob("part-*.parquet"))
            if p.name not in recorded
        ]
    seen = np.zeros((spec.n_points, spec.replications), dtype=bool)
    for path in sorted(store.runs.glob("part-*.parquet")) if rebuild else []:
        entry = recorded.get(path.name)
        reason = store.check(entry) if entry else None
        entry = None
        if reason is None:
            entry, reason = full_check(path.read_bytes(), path.name, spec, seen)
        if entry is not None:
            kept.append(entry)
        elif reason == FOREIGN:
            foreign.append(path.name)
        else:
            bad.append((path.name, reason))
    if foreign and not trust_record:
        raise StoreError(
            f"{store.out}: the manifest is missing or damaged and {', '.join(foreign[:3])}"
            f"{' and others' if len(foreign) > 3 else ''} belong to a different sweep; resume "
            "with the sweep's own scenario and options, or --overwrite to replace it"
        )
    bad += [(name, FOREIGN) for name in foreign]
    notes = []
    for name, reason in bad:
        moved = store.set_aside(name)
        notes.append(f"{store.runs / name} is {reason}: moved to {moved}; its runs run again")
    if bad or rebuild or len(kept) != len(entries):
        store.rewrite_record(sorted(kept, key=lambda e: e["part"]))
    return notes


FOREIGN = "from a different sweep"
REQUIRED = ("scenario", "point", "rep", "seed", "status")


def full_check(
    data: bytes, name: str, spec: SweepSpec, seen: np.ndarray
) -> tuple[dict[str, Any] | None, str]:
    """A part's record entry if its bytes pass every check for `spec` (its runs are then marked
    in `seen`), else None and the reason."""
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(io.BytesIO(data), page_checksum_verification=True).read()
    except Exception as exc:  # pyarrow raises several kinds for damaged files
        return None, f"unreadable ({type(exc).__name__}: {exc})"
    meta = (table.schema.metadata or {}).get(b"negsim")
    try:
        fingerprint = json.loads(meta)["fingerprint"] if meta else None
    except (ValueError, KeyError, TypeError):
        return None, "unreadable (damaged metadata)"
    if fingerprint is not None and fingerprint != spec.fingerprint():
        return None, FOREIGN
    runs = table.to_pandas()
    problem = rows_problem(runs, spec, seen)
    if problem:
        return None, problem
    seen[runs["point"].to_numpy(), runs["rep"].to_numpy()] = True
    return entry_of(name, data, runs["status"]), ""


def rows_problem(runs: Any, spec: SweepSpec, seen: np.ndarray) -> str | None:
    """Why these rows cannot be runs of `spec` not yet seen, or None."""
    missing = [c for c in (*REQUIRED, *(f"param.{p}" for p in spec.paths)) if c not in runs]
    if missing or runs.empty:
        return f"not a part of this sweep (missing {', '.join(missing) or 'rows'})"
    point, rep = runs["point"].to_numpy(), runs["rep"].to_numpy()
    if not (
        np.issubdtype(point.dtype, np.integer)
        and np.issubdtype(rep.dtype, np.integer)
        and ((point >= 0) & (point < spec.n_points) & (rep >= 0) & (rep < spec.replications)).all()
    ):
        return "not a part of this sweep (a point or replication out of range)"
    keys = point * spec.replications + rep
    if len(np.unique(keys)) != len(keys) or seen[point, rep].any():
        return "a repeat of runs already stored"
    if not runs["status"].isin(["ok", "failed"]).all():
        return "damaged (an unknown status)"
    if not (runs["scenario"] == spec.scenario.name).all():
        return FOREIGN
    seeds = [run_seed(spec.seed, int(p), int(r)) for p, r in zip(point, rep, strict=True)]
    if not np.array_equal(runs["seed"].to_numpy(), np.asarray(seeds, dtype=np.int64)):
        return "damaged (a seed differs from the one its run was given)"
    points = np.asarray(spec.points, dtype=float)
    for j, path in enumerate(spec.paths):
        if not np.array_equal(runs[f"param.{path}"].to_numpy(dtype=float), points[point, j]):
            return f"damaged (param.{path} differs from its design point)"
    return None
