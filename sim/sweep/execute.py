"""Executors: run chunks of a sweep's runs serially, on a local process pool or on Dask, and turn
every run (or its exception) into one results row."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.runner import run_once
from sim.sweep.seeds import run_seed
from sim.sweep.spec import SweepSpec, build_scenario

EXECUTORS = ("serial", "process", "dask")


@dataclass(frozen=True)
class Context:
    """What a worker needs to build any design point's scenario; sent with every chunk (small)."""

    key: str
    file: str
    name: str
    document: dict[str, Any]
    root_seed: int


@dataclass(frozen=True)
class Chunk:
    """A batch of runs: (point, rep) pairs plus the parameter values of the points they touch."""

    context: Context
    runs: tuple[tuple[int, int], ...]
    params: dict[int, dict[str, float | int | str]]


def context_of(spec: SweepSpec) -> Context:
    """The worker context of a sweep."""
    return Context(spec.fingerprint(), spec.file, spec.scenario.name, spec.document, spec.seed)


# Per-process cache of validated scenarios, keyed by (sweep, point): a run then costs only the model.
_SCENARIOS: dict[tuple[str, int], Any] = {}


def _scenario(chunk: Chunk, point: int) -> Any:
    """The cached Scenario (or the ScenarioError) of a design point."""
    key = (chunk.context.key, point)
    if key not in _SCENARIOS:
        if len(_SCENARIOS) > 4096:
            _SCENARIOS.clear()
        try:
            _SCENARIOS[key] = build_scenario(
                chunk.context.file, chunk.context.document, chunk.params[point]
            )
        except Exception as exc:
            _SCENARIOS[key] = exc
    return _SCENARIOS[key]


def run_chunk(chunk: Chunk) -> list[dict[str, Any]]:
    """Run every run of a chunk; a run that raises yields a row with status "failed"."""
    rows = []
    for point, rep in chunk.runs:
        seed = run_seed(chunk.context.root_seed, point, rep)
        spec = _scenario(chunk, point)
        head: dict[str, Any] = {
            "scenario": chunk.context.name,
            "point": point,
            "rep": rep,
            "seed": seed,
            "status": "ok",
            "error": "",
        }
        head.update(
            {
                f"param.{p}": v if isinstance(v, str) else float(v)
                for p, v in chunk.params[point].items()
            }
        )
        try:
            if isinstance(spec, Exception):
                raise spec
            body = run_once(spec, seed).row()
        except Exception as exc:
            head["status"] = "failed"
            head["error"] = f"{type(exc).__name__}: {exc}"
            body = failed_outcome(spec)
        body = {k: v for k, v in body.items() if k not in ("scenario", "seed")}
        rows.append(head | body)
    return rows


def failed_outcome(spec: Any) -> dict[str, Any]:
    """Outcome columns of a failed run: NaN values, no agreement, the same columns as a real row."""
    from sim.record import IssueOutcome, RunRecord

    if isinstance(spec, Exception):
        return {"agreed": False, "round": -1, "rounds_used": -1, "breakdown": "error"}
    nan = math.nan
    record = RunRecord(
        scenario=spec.name,
        seed=0,
        protocol=spec.protocol.type,
        agreed=False,
        round=None,
        rounds_used=-1,
        breakdown="error",
        proposer="",
        issues={k: IssueOutcome(nan, False, "") for k in spec.issues},
        utilities=dict.fromkeys(spec.actors, nan),
        utilities_discounted=dict.fromkeys(spec.actors, nan),
        events=[],
    )
    return record.row()


def plan_chunks(spec: SweepSpec, done: np.ndarray, chunk_size: int) -> Iterator[Chunk]:
    """Chunks of the runs not yet `done` (a bool array (n_points, reps)), in (point, rep) order."""
    context = context_of(spec)
    runs: list[tuple[int, int]] = []
    for point in range(spec.n_points):
        missing = np.flatnonzero(~done[point])
        for rep in missing:
            runs.append((point, int(rep)))
            if len(runs) == chunk_size:
                yield _chunk(spec, context, runs)
                runs = []
    if runs:
        yield _chunk(spec, context, runs)


def _chunk(spec: SweepSpec, context: Context, runs: list[tuple[int, int]]) -> Chunk:
    points = sorted({p for p, _ in runs})
    return Chunk(context, tuple(runs), {p: spec.params(p) for p in points})


def default_chunk_size(n_runs: int, workers: int) -> int:
    """About 16 chunks per worker, 1 to 200 runs each: few enough messages, fine enough balance."""
    return max(1, min(200, n_runs // max(1, 16 * workers)))


def default_workers() -> int:
    """One worker per CPU."""
    return os.cpu_count() or 1


def execute(
    chunks: Iterable[Chunk],
    executor: str = "process",
    workers: int | None = None,
    address: str | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Yield each chunk's rows as it finishes (any order for parallel executors). Closing the
    generator or an exception (KeyboardInterrupt) cancels pending work and stops the workers."""
    workers = workers or default_workers()
    if executor == "serial":
        for chunk in chunks:
            yield run_chunk(chunk)
    elif executor == "process":
        yield from _process_pool(chunks, workers)
    elif executor == "dask":
        yield from _dask(chunks, workers, address)
    else:
        raise ValueError(f"unknown executor {executor!r}; expected one of {list(EXECUTORS)}")


def _init_worker(sweep_pid: int) -> None:
    """Workers leave Ctrl-C to the parent, which cancels the work and keeps finished chunks; and
    they exit on their own if the sweep process dies (killed outright, its pool cannot stop
    them, and they would otherwise wait on their task queue forever)."""
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(sweep_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # a process exists under that id
                pass

    threading.Thread(target=watch, daemon=True, name="negsim-parent-watch").start()


def _process_pool(chunks: Iterable[Chunk], workers: int) -> Iterator[list[dict[str, Any]]]:
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # Never fork: Mesa and numpy threads do not survive it; forkserver starts clean and fast.
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    context = mp.get_context(method)
    if method == "forkserver":
        # Workers fork from a server that has already imported the model: no per-worker imports.
        context.set_forkserver_preload(["sim.sweep.execute", "sim.protocols.alternating"])
    pool = ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(os.getpid(),),
    )
    pending: set = set()
    source = iter(chunks)
    try:
        yield from _bounded(
            source,
            pending,
            lambda c: pool.submit(run_chunk, c),
            2 * workers,
            lambda fs: wait(fs, return_when=FIRST_COMPLETED)[0],
        )
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(
    chunks: Iterable[Chunk], workers: int, address: str | None
) -> Iterator[list[dict[str, Any]]]:
    import logging

    from distributed import Client, LocalCluster, wait

    cluster = None
    if address:
        client = Client(address)
        slots = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
    else:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        slots = workers
    pending: set = set()
    try:
        yield from _bounded(
            iter(chunks),
            pending,
            lambda c: client.submit(run_chunk, c, pure=False),
            2 * max(1, slots),
            lambda fs: wait(list(fs), return_when="FIRST_COMPLETED").done,
        )
    finally:
        for fut in pending:
            fut.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


def _bounded(source, pending: set, submit, limit: int, wait_some) -> Iterator[list[dict[str, Any]]]:
    """Keep at most `limit` chunks in flight, so the parent never holds the whole sweep."""
    exhausted = False
    while True:
        while not exhausted and len(pending) < limit:
            chunk = next(source, None)
            if chunk is None:
                exhausted = True
            else:
                pending.add(submit(chunk))
        if not pending:
            return
        for fut in wait_some(pending):
            pending.discard(fut)
            yield fut.result()


def iter_rows(
    spec: SweepSpec,
    executor: str = "serial",
    workers: int | None = None,
    chunk_size: int | None = None,
    address: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every row of a sweep, without a results store (for scripts and overhead measurements)."""
    workers = workers or default_workers()
    size = chunk_size or default_chunk_size(spec.n_runs, workers)
    done = np.zeros((spec.n_points, spec.replications), dtype=bool)
    for rows in execute(plan_chunks(spec, done, size), executor, workers, address):
        yield from rows


@dataclass
class SweepResult:
    """How a sweep ended: its folder, status ("complete" or "interrupted") and run counts."""

    out: Any
    status: str
    ok: int
    failed: int
    expected: int
    ran: int
    seconds: float

    @property
    def total(self) -> int:
        return self.ok + self.failed


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
) -> SweepResult:
    """Run the sweep's missing runs into the store at `out`, a part per finished chunk; Ctrl-C
    keeps every finished part and marks the manifest interrupted (status "interrupted")."""
    import time
    from pathlib import Path

    from sim.sweep.store import Store, new_manifest, now

    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; expected one of {list(EXECUTORS)}")
    workers = workers or default_workers()
    if workers < 1 or (chunk_size is not None and chunk_size < 1):
        raise ValueError("--workers and --chunk-size must be at least 1")
    store = Store(Path(out))
    manifest = _open_store(store, spec, resume, overwrite)
    size = chunk_size or default_chunk_size(spec.n_runs, 1 if executor == "serial" else workers)
    settings = {"chunk_size": size, "executor": executor, "workers": workers, "command": command}
    fresh = new_manifest(spec, settings)
    if manifest is None:
        manifest = fresh
    else:  # keep the first start time; record this invocation's settings
        manifest |= {
            k: fresh[k] for k in ("command", "executor", "workers", "version", "git_commit")
        }
        manifest["sweep"]["chunk_size"] = size
        manifest["status"] = "running"
    store.prepare()
    done, counts = store.done(spec.n_points, spec.replications)
    _set_counts(manifest, counts, spec.n_runs)
    store.write_manifest(manifest)
    todo = int((~done).sum())
    index, ran, start = store.next_index(), 0, time.perf_counter()
    progress = None if quiet else _progress(todo)
    status = "complete"
    try:
        for rows in execute(plan_chunks(spec, done, size), executor, workers, address):
            store.write_part(rows, index)
            index += 1
            ran += len(rows)
            for row in rows:
                counts[row["status"]] = counts.get(row["status"], 0) + 1
            if progress is not None:
                progress[0].update(progress[1], advance=len(rows))
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        if progress is not None:
            progress[0].stop()
        _set_counts(manifest, counts, spec.n_runs)
        manifest["status"] = status
        manifest["ended"] = now()
        store.write_manifest(manifest)
    return SweepResult(
        store.out,
        status,
        counts.get("ok", 0),
        counts.get("failed", 0),
        spec.n_runs,
        ran,
        time.perf_counter() - start,
    )


def _set_counts(manifest: dict[str, Any], counts: dict[str, int], expected: int) -> None:
    ok, failed = counts.get("ok", 0), counts.get("failed", 0)
    manifest["counts"] = {"ok": ok, "failed": failed, "total": ok + failed, "expected": expected}


def _open_store(store: Any, spec: SweepSpec, resume: bool, overwrite: bool) -> dict | None:
    """Check the folder may be used; return the manifest to continue, or None to start afresh."""
    if resume and overwrite:
        raise ValueError("give --resume or --overwrite, not both")
    if store.is_empty():
        return None
    if overwrite:
        store.clear()
        return None
    if not resume:
        raise ValueError(
            f"{store.out} is not empty: add --resume to finish the sweep stored there, "
            "--overwrite to replace it, or choose another --out"
        )
    if not store.manifest_path.exists():
        raise ValueError(f"{store.out} holds files but no manifest.json: it is not a negsim sweep")
    manifest = store.read_manifest()
    if manifest.get("fingerprint") != spec.fingerprint():
        what = (
            "scenario"
            if manifest.get("document") != _jsonable(spec.document)
            else "sweep specification"
        )
        raise ValueError(
            f"{store.out} holds a different sweep (its {what} differs); cannot resume: use "
            "--overwrite to replace it or another --out"
        )
    return manifest


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
    )
    task = progress.add_task("sweep", total=total)
    progress.start()
    return progress, task
