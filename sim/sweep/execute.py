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
        spec = _scenario(chunk, point)
        seed = run_seed(chunk.context.root_seed, point, rep)
        try:
            if isinstance(spec, Exception):
                raise spec
            rows.append(_row(chunk, point, rep, seed, run_once(spec, seed).row()))
        except Exception as exc:
            rows.append(_failed_row(chunk, point, rep, f"{type(exc).__name__}: {exc}"))
    return rows


def failed_chunk(chunk: Chunk, reason: str) -> list[dict[str, Any]]:
    """Every run of a chunk as a failed row with `reason` (its worker kept dying)."""
    return [_failed_row(chunk, point, rep, reason) for point, rep in chunk.runs]


def _row(
    chunk: Chunk, point: int, rep: int, seed: int, body: dict[str, Any], error: str = ""
) -> dict[str, Any]:
    """One results row: the run's keys and parameters, then its outcome columns."""
    head: dict[str, Any] = {
        "scenario": chunk.context.name,
        "point": point,
        "rep": rep,
        "seed": seed,
        "status": "failed" if error else "ok",
        "error": error,
    }
    head.update(
        {
            f"param.{p}": v if isinstance(v, str) else float(v)
            for p, v in chunk.params[point].items()
        }
    )
    return head | {k: v for k, v in body.items() if k not in ("scenario", "seed")}


def _failed_row(chunk: Chunk, point: int, rep: int, error: str) -> dict[str, Any]:
    seed = run_seed(chunk.context.root_seed, point, rep)
    return _row(chunk, point, rep, seed, failed_outcome(_scenario(chunk, point)), error)


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
    security: Any = None,
) -> Iterator[list[dict[str, Any]]]:
    """Yield each chunk's rows as it finishes (any order for parallel executors). Closing the
    generator or an exception (KeyboardInterrupt) cancels pending work and stops the workers;
    a dead worker costs only a retry of its chunk. `security` is a distributed.Security for a
    TLS scheduler at `address`."""
    workers = workers or default_workers()
    if executor == "serial":
        for chunk in chunks:
            yield run_chunk(chunk)
    elif executor == "process":
        yield from process_pool(chunks, workers)
    elif executor == "dask":
        yield from _dask(chunks, workers, address, security)
    else:
        raise ValueError(f"unknown executor {executor!r}; expected one of {list(EXECUTORS)}")


class ExecutorError(RuntimeError):
    """The machinery that runs chunks failed: a scheduler that does not answer or went away."""


MAX_DEATHS = 2  # times a chunk may kill the worker running it alone before it is stored failed
CONNECT_TIMEOUT = 10  # seconds to reach a Dask scheduler, and again to find one of its workers


def parent_alive(pid: int) -> bool:
    """Whether process `pid` still runs. A dead process that its own parent has not reaped yet
    (a zombie, as when a caller holds its output pipes) still answers kill(pid, 0), so Linux's
    /proc state is checked too."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process exists under that id
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in (b"Z", b"X")


def _init_worker(sweep_pid: int) -> None:
    """Workers leave Ctrl-C to the parent, which cancels the work and keeps finished chunks; and
    they exit on their own if the sweep process dies (killed outright, its pool cannot stop
    them, and they would otherwise wait on their task queue forever)."""
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while parent_alive(sweep_pid):
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="negsim-parent-watch").start()


def process_pool(
    chunks: Iterable[Chunk], workers: int, task: Any = run_chunk
) -> Iterator[list[dict[str, Any]]]:
    """Run `task` on every chunk in a local process pool, at most 2 × workers chunks in flight.

    When a worker dies (killed, out of memory) the pool breaks and every chunk in flight is
    lost with it: the pool is rebuilt and those chunks are retried one at a time, so that the
    one that kills its worker is known. A chunk that kills MAX_DEATHS workers running alone is
    stored as failed runs with the reason; the sweep goes on."""
    import multiprocessing as mp
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # Never fork: Mesa and numpy threads do not survive it; forkserver starts clean and fast.
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    context = mp.get_context(method)
    if method == "forkserver":
        # Workers fork from a server that has already imported the model: no per-worker imports.
        context.set_forkserver_preload(["sim.sweep.execute", "sim.protocols.alternating"])

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(os.getpid(),)
        )

    pool = new_pool()
    source = iter(chunks)
    suspects: deque[tuple[Chunk, int]] = deque()  # lost with a dead worker: (chunk, deaths alone)
    pending: dict[Any, tuple[Chunk, int, bool]] = {}  # future -> (chunk, deaths, ran alone)
    lost: list[tuple[Chunk, int, bool]] = []

    def submit(chunk: Chunk, deaths: int, alone: bool) -> None:
        try:
            pending[pool.submit(task, chunk)] = (chunk, deaths, alone)
        except BrokenProcessPool:  # it broke since the last wait: this chunk never ran
            lost.append((chunk, deaths, False))

    try:
        while True:
            if suspects and not pending and not lost:
                submit(*suspects.popleft(), True)
            while not suspects and not lost and len(pending) < 2 * workers:
                chunk = next(source, None)
                if chunk is None:
                    break
                submit(chunk, 0, False)
            if not pending and not lost:
                return
            done = wait(pending, return_when=FIRST_COMPLETED).done if pending else set()
            for fut in done:
                item = pending.pop(fut)
                try:
                    rows = fut.result()
                except BrokenProcessPool:
                    lost.append(item)
                    continue
                yield rows
            if not lost:
                continue
            # The pool is broken: whatever else was in it fails too, promptly.
            wait(pending)
            for fut, item in pending.items():
                if fut.exception() is None:
                    yield fut.result()
                else:
                    lost.append(item)
            pending.clear()
            pool.shutdown(wait=True, cancel_futures=True)
            pool = new_pool()
            for chunk, deaths, alone in lost:
                deaths += alone  # only a chunk that ran alone is known to have killed it
                if deaths >= MAX_DEATHS:
                    yield failed_chunk(
                        chunk,
                        f"WorkerDied: the worker process running these runs died {deaths} "
                        "times (killed, or out of memory)",
                    )
                else:
                    suspects.append((chunk, deaths))
            lost.clear()
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(
    chunks: Iterable[Chunk], workers: int, address: str | None, security: Any
) -> Iterator[list[dict[str, Any]]]:
    """Run chunks on a Dask cluster: the scheduler at `address`, or a local one. Dask itself
    retries a chunk whose worker died (its allowed-failures setting); a chunk it gives up on is
    stored as failed runs with the reason."""
    import logging

    from distributed import Client, LocalCluster, wait
    from distributed.scheduler import KilledWorker

    cluster = None
    if address:
        client = _connect(address, security)
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
    pending: dict[Any, Chunk] = {}
    source = iter(chunks)
    try:
        while True:
            while len(pending) < 2 * max(1, slots):
                chunk = next(source, None)
                if chunk is None:
                    break
                pending[client.submit(run_chunk, chunk, pure=False)] = chunk
            if not pending:
                return
            for fut in wait(list(pending), return_when="FIRST_COMPLETED").done:
                chunk = pending.pop(fut)
                try:
                    rows = fut.result()
                except KilledWorker as exc:
                    rows = failed_chunk(
                        chunk, f"KilledWorker: Dask lost its worker repeatedly ({exc})"
                    )
                except Exception as exc:
                    raise ExecutorError(
                        f"the Dask cluster failed: {type(exc).__name__}: {exc}"
                    ) from None
                yield rows
    finally:
        for fut in pending:
            fut.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


def _connect(address: str, security: Any) -> Any:
    """A client of the scheduler at `address` with at least one worker, or an ExecutorError
    within about 2 × CONNECT_TIMEOUT seconds. distributed's own connect waits for the
    scheduler's handshake without a time limit, so a probe with one comes first."""
    import asyncio

    from distributed import Client
    from distributed.comm import connect
    from distributed.security import Security

    args = (security or Security()).get_connection_args("client")

    async def probe() -> None:
        comm = await asyncio.wait_for(connect(address, CONNECT_TIMEOUT, **args), CONNECT_TIMEOUT)
        await comm.close()

    try:
        asyncio.run(probe())
        client = Client(address, timeout=CONNECT_TIMEOUT, security=security)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:  # TypeError: TLS without files
        raise ExecutorError(
            f"cannot reach a Dask scheduler at {address} (gave up after {CONNECT_TIMEOUT} s: "
            f"{type(exc).__name__}{': ' if str(exc) else ''}{exc})"
        ) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ExecutorError(
            f"the Dask scheduler at {address} has no workers (waited {CONNECT_TIMEOUT} s: {exc})"
        ) from None
    return client


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
