"""Proposal search and per-run cost (issue 10 §6–7): measured against baselines in the same run.

  1. Baseline runs/s on one core and the identity of every record: `per_run_cost.py`.
  2. Memory across runs: resident memory after each of 20 runs of an 8-issue, 4-actor scenario,
     before and now (now also with the exhaustive search forced).
  3. Choice agreement: every proposal of runs that use the exhaustive search (5 issues, grid 5:
     the baseline and random scenarios) is also made by the trade-off search on the same state:
     how often it is the same package, and by how much the worst-off margin and the proposer's
     own utility differ when it is not.
  4. Scaling: issues 5–10 × actors 4, 8, 12, ms a run (CPU) and the peak memory of a run
     (tracemalloc) for the trade-off search and, where it fits, the exhaustive one.
  5. Distance of agreed outcomes to the continuous Pareto frontier (the largest gain every
     actor could have at once, searched continuously), median, for both searches.
  6. `pareto_mask` on 10,000 outcomes against a plain pairwise check (the ratio).

The exhaustive search is the model's own with `search.EXHAUSTIVE` raised above the grid's size
(the documented way to force it); "before" is the code at --before, run from `git archive`.

    .venv/bin/python benchmarks/search_scaling.py
    .venv/bin/python benchmarks/search_scaling.py --quick      # fewer runs, a smaller table
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

from sim import payoffs
from sim.analysis.solutions import pareto_mask
from sim.analysis.veto_tables import zoom_argmax
from sim.protocols import search
from sim.protocols.alternating import BargainingModel
from sim.protocols.arrays import scenario_arrays
from sim.scenario import load_scenario
from sim.scenario.models import Scenario

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "851feaa"  # main before issue 10 §6–7


def scenario(actors: int, issues: int, seed: int = 0, grid: int = 5) -> dict[str, Any]:
    """A random negotiation: actor a0 (a host) vetoes every issue with one other actor; ideals,
    saliences and ρ drawn from `seed`; a little perception noise and one linkage term."""
    rng = np.random.default_rng(seed)
    names = [f"a{i}" for i in range(actors)]
    return {
        "name": f"random_{actors}x{issues}_{seed}",
        "issues": {
            f"i{j}": {
                "label": f"issue {j}",
                "reversion": float(rng.choice([0.0, 0.5, 1.0])),
                "veto": ["a0", names[1 + j % (actors - 1)]],
            }
            for j in range(issues)
        },
        "actors": {
            a: {
                "name": a,
                "rho": int(rng.choice([1, 2])),
                "rationality": 25,
                "perception_noise": 0.05,
                "strategy": {"type": "concession", "e": float(rng.choice([0.5, 1.0, 2.0]))},
                "preferences": {
                    f"i{j}": {
                        "ideal": round(float(rng.random()), 2),
                        "salience": 0.1 + rng.random(),
                    }
                    for j in range(issues)
                },
                "linkage": [{"issues": ["i0", "i1"], "gamma": 0.1}] if i == 0 else [],
            }
            for i, a in enumerate(names)
        },
        "protocol": {"grid": grid, "deadline": 12, "partial": True, "recognition": "capability"},
    }


class Forced:
    """Within it, the model enumerates every package (`exhaustive`) or never does."""

    def __init__(self, exhaustive: bool) -> None:
        self.limit = math.inf if exhaustive else 0

    def __enter__(self) -> None:
        self.saved, search.EXHAUSTIVE = search.EXHAUSTIVE, self.limit

    def __exit__(self, *_: object) -> None:
        search.EXHAUSTIVE = self.saved


# --- 2: memory across runs, this tree against the code before ------------------------------
MEMORY_SNIPPET = """
import gc, json, sys
from pathlib import Path
from sim.scenario.models import Scenario
from sim.runner import run_once
spec = Scenario.model_validate(json.loads(sys.argv[1]))
if sys.argv[2] == "exhaustive":
    from sim.protocols import search
    search.EXHAUSTIVE = float("inf")
def rss():
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) * 1024
out = []
for s in range(int(sys.argv[3])):
    run_once(spec, s)
    out.append(rss())
peak = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) * 1024
print(json.dumps({"rss": out, "peak": peak}))
"""


def run_in(tree: Path, snippet: str, *args: str) -> dict[str, Any]:
    """Run `snippet` with the `sim` package of `tree` (its working directory) in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", snippet, *args], cwd=tree, capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(f"the snippet failed in {tree}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def before_tree(rev: str, into: Path) -> Path:
    """The `sim` package at git revision `rev`, extracted into `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "sim"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def memory_across_runs(before: Path, runs: int) -> None:
    spec = json.dumps(scenario(4, 8, seed=1))
    print(f"2. memory across {runs} runs of an 8-issue, 4-actor scenario (RSS after each run, MB)")
    for label, tree, how in (
        ("before", before, "default"),
        ("now, exhaustive forced", ROOT, "exhaustive"),
        ("now (trade-off search)", ROOT, "default"),
    ):
        got = run_in(tree, MEMORY_SNIPPET, spec, how, str(runs))
        mb = [r / 1e6 for r in got["rss"]]
        print(
            f"  {label:<24s} after run 1 {mb[0]:6.0f}, after run {runs} {mb[-1]:6.0f}, "
            f"max {max(mb):6.0f}; peak {got['peak'] / 1e6:6.0f}"
        )


# --- 3: choice agreement ----------------------------------------------------------------------
class Both(BargainingModel):
    """The exhaustive search plays; each of its choices is also searched by the trade-off one."""

    found: list[tuple[bool, float, float]]

    def offer(self, proposer: int, aspiration: float) -> tuple[np.ndarray, int | None]:
        package, row = super().offer(proposer, aspiration)
        mesh, d = self._offer_mesh(proposer)
        counts = np.array(mesh.counts)
        grid = np.where(counts > 1, np.rint(package * (counts - 1)), 0).astype(np.int64)
        start = search.best_package(mesh, 0)
        other = search.trade_off_search(mesh, d, aspiration, start)
        u, v = mesh.utilities(np.stack([grid, other]))
        worst = (u[1:] - d).min() - (v[1:] - d).min() if len(d) else 0.0
        self.found.append((bool((grid == other).all()), float(worst), float(u[0] - v[0])))
        return package, row


def agreement(specs: list[Scenario], runs: int) -> None:
    print("3. choice agreement, trade-off against exhaustive search on the same states")
    for spec in specs:
        found: list[tuple[bool, float, float]] = []
        with Forced(exhaustive=True):
            for seed in range(runs):
                m = Both(spec, rng=seed, trajectory=False)
                m.found = found
                m.run()
        same, worst, own = (np.array(x) for x in zip(*found, strict=True))
        print(
            f"  {spec.name}: {len(found)} proposals, identical {same.mean():.1%}; worst-off "
            f"margin lower by at most {worst.max():.4f} (> 0.005 in {int((worst > 0.005).sum())}); "
            f"proposer's own utility lower by at most {own.max():.4f} "
            f"(> 0.005 in {int((own > 0.005).sum())})"
        )


# --- 4: scaling -----------------------------------------------------------------------------
def cost(spec: Scenario, exhaustive: bool, runs: int) -> tuple[float, float]:
    """Milliseconds of CPU a run, and the peak bytes tracemalloc sees in one run."""
    with Forced(exhaustive):
        BargainingModel(spec, rng=0, trajectory=False).run()  # warm the scenario's caches
        start = time.process_time()
        for seed in range(runs):
            BargainingModel(spec, rng=seed, trajectory=False).run()
        ms = 1000 * (time.process_time() - start) / runs
        tracemalloc.start()
        BargainingModel(spec, rng=0, trajectory=False).run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return ms, peak


def scaling(issues: range, actors: list[int], runs: int, cap: int) -> None:
    print(
        f"4. scaling (grid 5; ms of CPU a run over {runs} runs; peak MB of one run): trade-off "
        f"search against the exhaustive one, which runs only up to {cap:,} packages x actors²"
    )
    print(f"  {'issues':>6s} {'actors':>6s} {'trade-off':>18s} {'exhaustive':>18s} {'ratio':>7s}")
    for k in issues:
        for a in actors:
            spec = Scenario.model_validate(scenario(a, k, seed=k * 100 + a))
            ms, peak = cost(spec, False, runs)
            if 5**k * a * a <= cap:
                ms_x, peak_x = cost(spec, True, max(1, runs // 4))
                old = f"{ms_x:8.1f} ms {peak_x / 1e6:6.1f} MB"
                ratio = f"{ms_x / ms:6.1f}x"
            else:
                old, ratio = f"{'not run':>18s}", ""
            print(f"  {k:6d} {a:6d} {ms:8.1f} ms {peak / 1e6:6.1f} MB {old} {ratio:>7s}")
            scenario_arrays(spec).clear()


# --- 5: distance to the continuous Pareto frontier ------------------------------------------
def frontier_gap(spec: Scenario, utilities: np.ndarray) -> float:
    """The largest gain every actor could have at once over `utilities`: max over packages on
    [0, 1]^K (searched continuously, `zoom_argmax`) of min_i (U_i(y) − u_i); 0 on the frontier."""
    base = scenario_arrays(spec)
    weight = payoffs.normalise_saliences(base["salience"])

    def score(axes: list[np.ndarray]) -> np.ndarray:
        u = payoffs.mesh_utilities(axes, base["ideal"], weight, base["rho"], base["gamma"])
        return (u - utilities).min(axis=1)

    best = zoom_argmax(score, [None] * len(base["issues"]))
    u = payoffs.utilities(best[None], base["ideal"], weight, base["rho"], base["gamma"])[0]
    return max(0.0, float((u - utilities).min()))


def pareto_distances(specs: list[Scenario], runs: int) -> None:
    print("5. distance of agreed outcomes to the continuous Pareto frontier (median, agreed runs)")
    for spec in specs:
        out = []
        for exhaustive in (True, False):
            gaps = []
            with Forced(exhaustive):
                for seed in range(runs):
                    r = BargainingModel(spec, rng=seed, trajectory=False).run()
                    if r.agreed:
                        gaps.append(frontier_gap(spec, np.array(list(r.utilities.values()))))
            out.append(f"{statistics.median(gaps):.4f} ({len(gaps)} agreed)" if gaps else "-")
        print(f"  {spec.name}: exhaustive {out[0]}, trade-off {out[1]}")


def pareto_speed() -> None:
    u = np.random.default_rng(7).dirichlet(np.ones(4), size=10_000)
    start = time.process_time()
    assert pareto_mask(u).all()
    fast = time.process_time() - start
    sub = u[:2_000]
    start = time.process_time()
    dominated = [bool(((sub >= x).all(axis=1) & (sub > x).any(axis=1)).any()) for x in sub]
    slow = (time.process_time() - start) * (len(u) / len(sub)) ** 2
    assert not any(dominated)
    print(
        f"6. pareto_mask on 10,000 outcomes: {fast * 1000:.0f} ms; a row-by-row pairwise check "
        f"(timed on 2,000, scaled by n²): {slow * 1000:.0f} ms; ratio {slow / fast:.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="git revision to compare against")
    parser.add_argument("--quick", action="store_true", help="fewer runs, a smaller table")
    args = parser.parse_args()
    quick = args.quick
    print(f"Python {sys.version.split()[0]}; exhaustive up to {search.EXHAUSTIVE:,} packages")
    with tempfile.TemporaryDirectory() as tmp:
        before = before_tree(args.before, Path(tmp))
        memory_across_runs(before, 5 if quick else 20)
    baseline = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    small = [Scenario.model_validate(scenario(a, 5, seed=s)) for a, s in ((4, 1), (6, 2), (8, 3))]
    agreement([baseline, *small], 10 if quick else 50)
    scaling(range(5, 11), [4, 8] if quick else [4, 8, 12], 2 if quick else 5, 5**8 * 4**2)
    mid = [Scenario.model_validate(scenario(4, k, seed=k)) for k in (5, 6, 7)]
    calm = load_scenario(ROOT / "scenarios" / "baseline.yaml", ["events=[]"])  # one basis
    pareto_distances([calm, *mid], 10 if quick else 40)
    pareto_speed()


if __name__ == "__main__":
    main()
