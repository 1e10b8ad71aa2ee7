"""Small sweeps in the background, through the project's sweep machinery: "what changes the odds"
(one lever over a range) and "A against B" (two settings of the levers, replications only).

A sweep is specified exactly as `negsim sweep FILE --set ... --vary PATH=LOW:HIGH:NUM --reps N
--seed S` would, so its runs are the same run for run; its rows are kept in memory, cached by the
sweep's fingerprint (the scenario document after the levers, the axis, replications and seed).
Pure logic: no Solara here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.sweep.spec import SweepSpec, resolve_sweep

CACHE_SIZE = 16
_CACHE: OrderedDict[str, Any] = OrderedDict()
_LOCK = threading.Lock()


def odds_spec(
    file: str,
    overrides: Sequence[str],
    path: str,
    low: float,
    high: float,
    points: int = 7,
    reps: int = 200,
    seed: int = 1,
) -> SweepSpec:
    """The sweep of one lever from `low` to `high` in `points` values, every other lever as set
    (a lever's own `--set` gives way to the axis)."""
    others = [o for o in overrides if o.split("=", 1)[0] != path]
    vary = [f"{path}={low!r}:{high!r}:{points}"]
    return resolve_sweep(file, vary, "grid", None, reps, seed, others)


def setting_spec(file: str, overrides: Sequence[str], reps: int = 500, seed: int = 1) -> SweepSpec:
    """Replications of one setting of the levers (no axis)."""
    return resolve_sweep(file, [], "grid", None, reps, seed, list(overrides))


def cached(spec: SweepSpec) -> Any:
    """The stored runs of a sweep already run, or None."""
    with _LOCK:
        runs = _CACHE.get(spec.fingerprint())
        if runs is not None:
            _CACHE.move_to_end(spec.fingerprint())
        return runs


def _store(spec: SweepSpec, runs: Any) -> None:
    with _LOCK:
        _CACHE[spec.fingerprint()] = runs
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)


@dataclass
class SweepJob:
    """One sweep run chunk by chunk on the process pool; `cancel()` stops it after the chunk in
    flight (the pool is shut down), and a cancelled job stores nothing."""

    spec: SweepSpec
    workers: int | None = None
    executor: str = "process"
    done: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)

    @property
    def total(self) -> int:
        return self.spec.n_runs

    def cancel(self) -> None:
        self.cancelled.set()

    def run(self, progress: Callable[[int, int], None] | None = None) -> Any:
        """The runs as a DataFrame sorted by (point, rep), from the cache when this sweep has
        run before; None when cancelled."""
        import pandas as pd

        from sim.sweep.execute import default_chunk_size, default_workers, execute, plan_chunks

        hit = cached(self.spec)
        if hit is not None:
            self.done = self.total
            if progress:
                progress(self.done, self.total)
            return hit
        workers = self.workers or default_workers()
        size = default_chunk_size(self.total, workers)
        todo = np.zeros((self.spec.n_points, self.spec.replications), dtype=bool)
        rows: list[dict[str, Any]] = []
        chunks = execute(plan_chunks(self.spec, todo, size), self.executor, workers)
        try:
            for part in chunks:
                rows.extend(part)
                self.done += len(part)
                if progress:
                    progress(self.done, self.total)
                if self.cancelled.is_set():
                    return None
        finally:
            chunks.close()  # cancels what is pending and stops the workers
        runs = pd.DataFrame(rows).sort_values(["point", "rep"], kind="stable")
        runs = runs.reset_index(drop=True)
        _store(self.spec, runs)
        return runs
