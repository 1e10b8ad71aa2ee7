"""Sweep throughput: negsim's sweep against mesa.batch_run and a direct loop, measured in one run.

Prints runs per second for each way of running the same runs of the baseline scenario, and their
ratios against baselines measured in this same invocation:
  - direct loop in this process (the floor for orchestration overhead),
  - negsim sweep, serial executor (overhead against the loop: the two timed in turn, loop,
    sweep, sweep, loop, over half the runs each, so a machine whose speed drifts weighs on
    both alike; the libraries the store and the summary import are imported first, their
    one-time cost printed apart), and process pool with 1 worker,
  - negsim sweep with 2 workers (speed-up from 1 to 2 workers),
  - mesa.batch_run with the same number of processes on the same model class,
and the peak memory (the whole process tree's resident set, sampled) of a large sweep.

    .venv/bin/python benchmarks/sweep_throughput.py                 # 10,000 runs; memory: 1,000,000
    .venv/bin/python benchmarks/sweep_throughput.py --runs 2000 --memory-runs 100000
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import mesa

from sim.protocols.alternating import BargainingModel
from sim.runner import run_once
from sim.sweep import iter_rows, run_sweep
from sim.sweep.spec import SweepSpec, resolve_sweep

ROOT = Path(__file__).resolve().parent.parent


class CollectingModel(BargainingModel):
    """The same model class with the DataCollector that mesa.batch_run insists on: it collects
    the same outcome columns a negsim row holds, once, when the run ends."""

    def __init__(self, spec: Any, rng: Any = None) -> None:
        super().__init__(spec, rng=rng, trajectory=False)
        self.datacollector = mesa.DataCollector(model_reporters={"row": lambda m: m.record().row()})

    def step(self) -> None:
        super().step()
        if not self.running:
            self.datacollector.collect(self)


def timed(label: str, runs: int, fn: Any) -> float:
    """Run fn(), print and return runs per second."""
    start = time.perf_counter()
    fn()
    rate = runs / (time.perf_counter() - start)
    print(f"  {label:<44s} {rate:8.1f} runs/s", flush=True)
    return rate


def direct_loop(spec: SweepSpec, scenarios: dict[int, Any]) -> None:
    """Every run of the sweep in a plain loop: no chunks, no processes, no store; each design
    point's scenario built once (`scenarios`), as a sweep's worker keeps it."""
    from sim.sweep.seeds import run_seed

    for point in range(spec.n_points):
        if point not in scenarios:
            scenarios[point] = spec.scenario_at(point)
        scenario = scenarios[point]
        for rep in range(spec.replications):
            run_once(scenario, run_seed(spec.seed, point, rep)).row()


def batch_run(spec: SweepSpec, processes: int) -> None:
    """The same number of runs through one mesa.batch_run call (it crosses every seed with every
    parameter set, so the seeds are those of point 0's replications)."""
    from sim.sweep.seeds import run_seed

    seeds = [run_seed(spec.seed, 0, rep) for rep in range(spec.replications)]
    scenarios = [spec.scenario_at(point) for point in range(spec.n_points)]
    mesa.batch_run(
        CollectingModel,
        parameters={"spec": scenarios},
        number_processes=processes,
        rng=seeds,
        max_steps=10_000,
        data_collection_period=-1,
        display_progress=False,
    )


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """Resident memory of a process and all its descendants (MB), from /proc: the plain sum of
    RSS (counts pages that processes share, e.g. imported libraries, once per process) and the
    sum of PSS (shares each shared page out among the processes that map it)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(
                        int(entry)
                    )
            except (OSError, IndexError, ValueError):
                continue
    rss = pss = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


def memory(runs: int, points: int, scenario: Path, workers: int) -> None:
    """Peak memory of a `negsim sweep` of `runs` runs over `points` design points, sampled every
    0.2 s over the sweep's whole process tree."""
    with tempfile.TemporaryDirectory() as tmp:
        vary = f"protocol.deadline=20:{19 + points}:{points}"
        cmd = [
            str(ROOT / ".venv" / "bin" / "negsim"), "sweep", str(scenario),
            "--reps", str(runs // points), "--vary", vary, "--workers", str(workers),
            "--quiet", "--out", f"{tmp}/mem",
        ]  # fmt: skip
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        peak_rss = peak_pss = 0.0
        while proc.poll() is None:
            rss, pss = tree_memory_mb(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        print(
            f"  {runs:,} runs ({points} points) of {scenario.name}, {workers} workers: "
            f"{seconds:.0f} s, {runs / seconds:.0f} runs/s; peak memory of the process tree: "
            f"PSS {peak_pss:.0f} MB, RSS summed over processes {peak_rss:.0f} MB "
            f"(exit {proc.returncode})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="runs per measurement")
    parser.add_argument("--memory-runs", type=int, default=1_000_000)
    parser.add_argument("--memory-points", type=int, default=100, help="design points")
    parser.add_argument(
        "--memory-scenario",
        type=Path,
        default=ROOT / "scenarios" / "rubinstein_two_party.yaml",
        help="a cheap scenario, so a million runs finish in minutes",
    )
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-only", action="store_true")
    args = parser.parse_args()

    if args.memory_only:
        memory(args.memory_runs, args.memory_points, args.memory_scenario, 2)
        return
    base = resolve_sweep(ROOT / "scenarios" / "baseline.yaml")
    spec = resolve_sweep(
        ROOT / "scenarios" / "baseline.yaml", replications=max(1, args.runs // base.n_points)
    )
    n = spec.n_runs
    print(
        f"baseline scenario, {spec.n_points} points x {spec.replications} reps = {n:,} runs, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, Mesa {mesa.__version__}"
    )
    start = time.perf_counter()
    for module in ("pandas", "pyarrow.parquet", "scipy.stats", "statsmodels.stats.proportion"):
        importlib.import_module(module)

    print(
        f"  (one-time imports of the store's and the summary's libraries: "
        f"{time.perf_counter() - start:.1f} s)"
    )
    half = resolve_sweep(ROOT / "scenarios" / "baseline.yaml", replications=spec.replications // 2)
    seconds, scenarios = {"loop": 0.0, "serial": 0.0}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, way in enumerate(("loop", "serial", "serial", "loop")):
            start = time.perf_counter()
            if way == "loop":
                direct_loop(half, scenarios)
            else:
                run_sweep(half, f"{tmp}/s{i}", executor="serial", workers=1)
            seconds[way] += time.perf_counter() - start
    loop, serial = (2 * half.n_runs / seconds[way] for way in ("loop", "serial"))
    print(f"  {'direct loop (in process)':<44s} {loop:8.1f} runs/s")
    print(f"  {'negsim sweep, serial executor':<44s} {serial:8.1f} runs/s")
    with tempfile.TemporaryDirectory() as tmp:
        one = timed(
            "negsim sweep, process pool, 1 worker",
            n,
            lambda: run_sweep(spec, f"{tmp}/p1", executor="process", workers=1),
        )
        two = timed(
            "negsim sweep, process pool, 2 workers",
            n,
            lambda: run_sweep(spec, f"{tmp}/p2", executor="process", workers=2),
        )
    rows = timed(
        "negsim iter_rows, 2 workers (no store)",
        n,
        lambda: sum(1 for _ in iter_rows(spec, executor="process", workers=2)),
    )
    batch = timed("mesa.batch_run, 2 processes", n, lambda: batch_run(spec, 2))
    print("ratios (same invocation):")
    print(f"  negsim 2 workers / mesa.batch_run 2 processes   {two / batch:6.2f}x  (target >= 2)")
    print(
        f"  serial sweep / direct loop                      {serial / loop:6.2f}   "
        f"(overhead {100 * (1 - serial / loop):+.1f}%, target within 10%)"
    )
    print(
        f"  1-worker pool / direct loop                     {one / loop:6.2f}   "
        f"(overhead {100 * (1 - one / loop):+.1f}%)"
    )
    print(f"  2 workers / 1 worker                            {two / one:6.2f}x  (target >= 1.7)")
    print(f"  store cost: iter_rows / sweep, 2 workers        {rows / two:6.2f}")
    if not args.skip_memory:
        print("memory:")
        memory(args.memory_runs, args.memory_points, args.memory_scenario, 2)


if __name__ == "__main__":
    main()
