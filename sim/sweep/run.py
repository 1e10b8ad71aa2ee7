"""Run a sweep into its results folder: lock the folder, check (or rebuild) what it already holds,
run the missing runs a chunk at a time, and record exactly how the sweep ended."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.sweep.execute import (
    EXECUTORS,
    ExecutorError,
    default_chunk_size,
    default_workers,
    execute,
    plan_chunks,
)
from sim.sweep.spec import SweepSpec
from sim.sweep.store import SUMMARY, Store, StoreError, new_manifest, now
from sim.sweep.verify import verify

MAX_WORKERS = 256
MAX_CHUNK = 100_000


@dataclass
class SweepResult:
    """How a sweep ended: its folder, status and run counts, and what --resume repaired.

    Status: "complete" (every expected run stored, some succeeded), "failed" (every run stored
    and every one failed), "interrupted" (Ctrl-C or SIGTERM) or "aborted" (the folder or the
    executor failed); the last two keep every finished part for --resume."""

    out: Any
    status: str
    ok: int
    failed: int
    expected: int
    ran: int
    seconds: float
    set_aside: list[str] = field(default_factory=list)
    rebuilt: bool = False
    first_error: str = ""
    already: bool = False  # the folder already held this sweep, finished: nothing ran or changed

    @property
    def total(self) -> int:
        return self.ok + self.failed


class Interrupted(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: finished parts are kept and the sweep is resumable."""


def run_sweep(
    spec: SweepSpec,
    out: Any,
    executor: str = "process",
    workers: int | None = None,
    chunk_size: int | None = None,
    address: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    quiet: bool = True,
    command: list[str] | None = None,
    security: Any = None,
) -> SweepResult:
    """Run the sweep's missing runs into the store at `out`, a part per finished chunk, holding
    the folder's lock throughout; write summary.csv when every run is stored. A folder fault
    (disk full, read-only, gone) or an executor fault raises StoreError after marking the
    manifest "aborted"; nothing half-written is left and --resume carries on."""
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; expected one of {list(EXECUTORS)}")
    workers = default_workers() if workers is None else workers
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"--workers {workers}: expected 1 to {MAX_WORKERS}")
    if chunk_size is not None and not 1 <= chunk_size <= MAX_CHUNK:
        raise ValueError(f"--chunk-size {chunk_size}: expected 1 to {MAX_CHUNK:,}")
    _check_memory(spec, 1 if executor == "serial" or address else workers)
    store = Store(Path(out))
    store.create()
    with store.lock():
        return _run_locked(
            spec, store, executor, workers, chunk_size, address, resume, overwrite, quiet,
            command, security,
        )  # fmt: skip


def _run_locked(
    spec: SweepSpec,
    store: Store,
    executor: str,
    workers: int,
    chunk_size: int | None,
    address: str | None,
    resume: bool,
    overwrite: bool,
    quiet: bool,
    command: list[str] | None,
    security: Any,
) -> SweepResult:
    started = not store.is_empty()  # something to resume (or to rebuild a record of)
    manifest, set_aside = _open_store(store, spec, resume, overwrite)
    if manifest is not None and not set_aside and _finished(store, manifest):
        return _as_stored(store, manifest)  # nothing to run: the folder is left exactly as it is
    size = chunk_size or default_chunk_size(spec.n_runs, 1 if executor == "serial" else workers)
    settings = {"chunk_size": size, "executor": executor, "workers": workers, "command": command}
    fresh = new_manifest(spec, settings)
    rebuilt = manifest is None and resume and started
    if manifest is None:
        manifest = fresh | ({"rebuilt": now()} if rebuilt else {})
    else:  # keep the first start time; record this invocation's settings
        manifest |= {
            k: fresh[k] for k in ("command", "executor", "workers", "version", "git_commit")
        }
        manifest["sweep"]["chunk_size"] = size
    manifest["status"], manifest["ended"] = "running", None
    result = SweepResult(store.out, "running", 0, 0, spec.n_runs, 0, 0.0, set_aside, rebuilt)
    start = time.perf_counter()
    try:
        store.prepare()
        done, counts = store.done(spec.n_points, spec.replications)
        _set_counts(manifest, counts, spec.n_runs)
        store.write_manifest(manifest)
    except OSError as exc:
        raise StoreError(f"{store.out}: cannot write: {exc.strerror or exc}") from None
    progress = None if quiet else _progress(int((~done).sum()))
    index, fingerprint = store.next_index(), spec.fingerprint()
    error: StoreError | None = None
    previous = _on_sigterm()
    try:
        chunks = plan_chunks(spec, done, size)
        for rows in execute(chunks, executor, workers, address, security):
            store.commit(rows, index, fingerprint)
            index += 1
            result.ran += len(rows)
            for row in rows:
                counts[row["status"]] = counts.get(row["status"], 0) + 1
                if row["status"] != "ok" and not result.first_error:
                    result.first_error = row["error"]
            if progress is not None:
                progress[0].update(progress[1], advance=len(rows))
        stored = counts.get("ok", 0) + counts.get("failed", 0)
        result.status = (
            "aborted" if stored < spec.n_runs else "failed" if not counts.get("ok") else "complete"
        )
    except KeyboardInterrupt:
        result.status = "interrupted"
    except OSError as exc:
        result.status = "aborted"
        error = StoreError(
            f"{store.out}: cannot write part {index:06d}: {exc.strerror or exc}", resumable=True
        )
    except ExecutorError as exc:
        result.status = "aborted"
        error = StoreError(str(exc), resumable=True)
    except BaseException:
        result.status = "aborted"
        raise
    finally:
        _restore_sigterm(previous)
        if progress is not None:
            progress[0].stop()
        _set_counts(manifest, counts, spec.n_runs)
        manifest["status"], manifest["ended"] = result.status, now()
        # If the folder is full or gone this fails too; readers then see a dead "running" sweep.
        with contextlib.suppress(OSError):
            store.write_manifest(manifest)
    result.ok, result.failed = counts.get("ok", 0), counts.get("failed", 0)
    result.seconds = time.perf_counter() - start
    if error is not None:
        error.kept = result.total
        error.expected = spec.n_runs
        raise error
    if result.status in ("complete", "failed"):
        _write_summary(store)
    return result


def _as_stored(store: Store, manifest: dict[str, Any]) -> SweepResult:
    """The result of a finished sweep already in the folder, as its manifest records it."""
    counts = manifest["counts"]
    return SweepResult(
        store.out, manifest["status"], counts["ok"], counts["failed"], counts["expected"], 0, 0.0,
        already=True,
    )  # fmt: skip


def _write_summary(store: Store) -> None:
    from sim.sweep.summary import write_summary

    try:
        write_summary(store)
    except OSError as exc:
        raise StoreError(
            f"{store.out}: every run is stored, but summary.csv could not be written: "
            f"{exc.strerror or exc}",
            resumable=True,
        ) from None


def _check_memory(spec: SweepSpec, processes: int) -> None:
    """Refuse a sweep whose workers together would need more memory than the machine has."""
    from sim.protocols.arrays import memory_limit

    need, limit = spec.search_bytes * processes, memory_limit()
    if processes > 1 and need > limit:
        fit = max(1, limit // max(1, spec.search_bytes))
        raise ValueError(
            f"each worker's runs need about {spec.search_bytes / 1e9:,.1f} GB for the package "
            f"search, so {processes} workers need {need / 1e9:,.1f} GB and this machine has "
            f"{limit / 1e9:,.1f} GB: use --workers {fit} or a smaller protocol.grid"
        )


def _open_store(
    store: Store, spec: SweepSpec, resume: bool, overwrite: bool
) -> tuple[dict[str, Any] | None, list[str]]:
    """Check the folder may be used. Return the manifest to continue (None to start afresh or
    to rebuild it) and the parts --resume set aside, each with the reason. Without --resume or
    --overwrite only a folder already holding this very sweep, finished, may be used (as is)."""
    if resume and overwrite:
        raise ValueError("give --resume or --overwrite, not both")
    if store.is_empty():
        return None, []
    if overwrite:
        if not store.is_negsim():
            raise StoreError(
                f"{store.out} holds files but no negsim manifest: --overwrite replaces only a "
                "negsim results folder; choose another --out"
            )
        store.clear()
        return None, []
    if not store.is_negsim():
        raise ValueError(f"{store.out} holds files but no negsim sweep: choose another --out")
    try:
        manifest: dict[str, Any] | None = store.read_manifest()
    except ValueError:
        manifest = None  # missing or damaged: rebuilt from the spec and the parts
    if manifest is not None and manifest.get("fingerprint") != spec.fingerprint():
        what = (
            "scenario"
            if manifest.get("document") != _jsonable(spec.document)
            else "sweep specification"
        )
        raise ValueError(
            f"{store.out} holds a different sweep (its {what} differs): choose another --out, "
            "or --overwrite to replace it"
        )
    if not resume:
        if manifest is None:
            raise ValueError(
                f"{store.out} holds a negsim sweep whose manifest.json is missing or damaged: "
                "add --resume to rebuild it (if it is this sweep), --overwrite to replace it, "
                "or choose another --out"
            )
        if not _finished(store, manifest):
            raise ValueError(
                f"{store.out} holds this sweep, unfinished: add --resume to finish it, "
                "--overwrite to start it again, or choose another --out"
            )
        return manifest, []
    try:
        return manifest, verify(store, spec, trust_record=manifest is not None)
    except OSError as exc:
        raise StoreError(f"{store.out}: cannot repair: {exc.strerror or exc}") from None


def _finished(store: Store, manifest: dict[str, Any]) -> bool:
    """True when the folder holds every run of its sweep, each recorded part passing its check,
    with the sweep recorded as ended and its summary.csv written: nothing left to run or write."""
    state = store.status()
    return (
        manifest.get("status") in ("complete", "failed")
        and state["stored"] == state["expected"]
        and not state["problems"]
        and manifest.get("counts", {}).get("total") == state["stored"]
        and (store.out / SUMMARY).is_file()
    )


def _set_counts(manifest: dict[str, Any], counts: dict[str, int], expected: int) -> None:
    ok, failed = counts.get("ok", 0), counts.get("failed", 0)
    manifest["counts"] = {"ok": ok, "failed": failed, "total": ok + failed, "expected": expected}


def _on_sigterm() -> Any:
    """Turn SIGTERM into Interrupted while the sweep runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: Any) -> None:
        raise Interrupted

    return signal.signal(signal.SIGTERM, interrupt)


def _restore_sigterm(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def _jsonable(data: Any) -> Any:
    import json

    return json.loads(json.dumps(data, default=str))


def _progress(total: int) -> tuple[Any, Any]:
    """A rich progress bar on stderr: runs done, rate and time left."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        """Runs per second."""

        def render(self, task: Any) -> Text:
            return Text(f"{task.speed or 0:,.0f} runs/s", style="progress.data.speed")

    progress = Progress(
        TextColumn("runs"),
        BarColumn(),
        MofNCompleteColumn(),
        Rate(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,  # gone when the sweep ends: the final line (or the error) says the rest
    )
    task = progress.add_task("sweep", total=total)
    progress.start()
    return progress, task
