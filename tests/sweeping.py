"""Helpers for tests that run real sweeps: a small spec, a long sweep run as its own process (so it
can be killed), waiting for its parts, and the processes it started."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from sim.sweep import resolve_sweep

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
CHEAP = ["protocol.deadline=4", "protocol.grid=3"]
VARY = ["actors.russia.outside_option=0.2,0.5", "actors.syria.patience=0.85,0.95"]
CLI = [sys.executable, "-c", "import sim.cli; from sim.cli.app import app; app()"]
# Long enough (4 points x 400 reps, in parts of 4 runs) that a signal sent after the first parts
# lands while the sweep is still running, however fast the machine.
LONG_REPS = 400


def small_spec(reps: int = 3, seed: int = 11) -> Any:
    """4 design points x `reps` cheap runs of the baseline."""
    return resolve_sweep(BASELINE, VARY, replications=reps, seed=seed, overrides=CHEAP)


def long_spec() -> Any:
    """The spec of `long_sweep`'s command line."""
    return resolve_sweep(BASELINE, VARY, replications=LONG_REPS, seed=3, overrides=CHEAP)


def long_sweep(out: Path, *extra: str) -> list[str]:
    """The command line of a 1,600-run sweep into `out`, in parts of 4 runs."""
    sets = [f"--set={s}" for s in CHEAP]
    vary = [f"--vary={v}" for v in VARY]
    return [*CLI, "sweep", str(BASELINE), *vary, *sets, "--reps", str(LONG_REPS), "--seed", "3",
            "--chunk-size", "4", "--out", str(out), "--quiet", *extra]  # fmt: skip


def parts_in(out: Path) -> list[Path]:
    """The part files in a results folder (recorded or not)."""
    return sorted((out / "runs").glob("part-*.parquet"))


def wait_for_parts(out: Path, parts: int = 1, timeout: float = 120) -> None:
    """Wait until a sweep has written `parts` parts."""
    deadline = time.time() + timeout
    while len(parts_in(out)) < parts:
        assert time.time() < deadline, "the sweep wrote nothing"
        time.sleep(0.02)


def children(pid: int) -> list[int]:
    """The child processes of `pid` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    """Every process below `pid`."""
    out, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        out += kids
        todo += kids
    return out


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def all_exit(pids: list[int], timeout: float = 30.0) -> bool:
    """Wait for every pid to end; kill the survivors (and return False) after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.2)
    for p in pids:
        with contextlib.suppress(OSError):
            os.kill(p, signal.SIGKILL)
    return False


def kill_on_point(chunk: Any) -> Any:
    """A chunk task for process_pool that kills its own worker when the chunk holds point 1."""
    from sim.sweep.execute import run_chunk

    if any(point == 1 for point, _ in chunk.runs):
        os.kill(os.getpid(), signal.SIGKILL)
    return run_chunk(chunk)
