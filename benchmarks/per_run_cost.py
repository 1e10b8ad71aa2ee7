"""Per-run cost (issue 10 §7): this tree against the code at --before, measured in the same run.

  1. Identity: every whole run record (the nested record with its trajectory, every float exactly)
     of `--seeds` seeds of every shipped scenario, of the baseline without perception noise, and
     of random scenarios (4–6 actors, 5 issues, enumerated; 4 actors, 8 issues, searched), before
     and now: how many are the same.
  2. Baseline runs/s on one core (CPU time), two ways: before and now each in its own fresh
     process, `--pairs` times, the two processes of a pair side by side, each pinned to its own
     core and the cores swapped every pair (run in turn where fewer than 2 cores are available):
     a shared machine's speed drifts by a third from one minute to the next, and side by side
     both see the same minutes; and both loaded in one process (each `sim` package under its own
     name in turn), timed in alternating blocks of 20 runs on the same seeds, which shares every
     moment's load between them. The median ratio now / before (target: 2).
  3. ms of CPU a run of the 10-issue, 8-actor random scenario (the scaling table's), before and
     now; with the load average when measured (the machine is shared: only ratios carry over).

"before" is the `sim` package at git revision --before, extracted with `git archive` and run
from its own directory; the random scenarios are `search_scaling.scenario`'s.

    .venv/bin/python benchmarks/per_run_cost.py
    .venv/bin/python benchmarks/per_run_cost.py --pairs 2 --seeds 100     # quicker
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from search_scaling import ROOT, before_tree, run_in, scenario

BEFORE = "78b9f77"  # main before this change
CALM = [f"actors.{a}.perception_noise=0" for a in ("syria", "russia", "turkey", "us")]

RATE_SNIPPET = """
import json, sys, time
from pathlib import Path
from sim.scenario import load_scenario
from sim.scenario.models import Scenario
from sim.runner import run_once
root, n, big = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
spec = load_scenario(root / "scenarios" / "baseline.yaml")
for s in range(20):
    run_once(spec, s).row()
start = time.process_time()
for s in range(n):
    run_once(spec, s).row()
rate = n / (time.process_time() - start)
large = Scenario.model_validate(big)
run_once(large, 0)
start = time.process_time()
for s in range(5):
    run_once(large, s)
print(json.dumps({"rate": rate, "large_ms": 1000 * (time.process_time() - start) / 5}))
"""

RECORDS_SNIPPET = """
import hashlib, json, sys
from pathlib import Path
from sim.scenario import load_scenario
from sim.scenario.models import Scenario
from sim.runner import run_once
root, n, calm, extra = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
specs = {p.stem: load_scenario(p) for p in sorted((root / "scenarios").glob("*.yaml"))}
specs["baseline, no noise"] = load_scenario(root / "scenarios" / "baseline.yaml", calm)
specs.update({d["name"]: Scenario.model_validate(d) for d in extra})
out = {}
for name, spec in specs.items():
    seeds = n if len(spec.issues) <= 6 else max(1, n // 10)
    out[name] = [
        hashlib.sha1(repr(run_once(spec, s, trajectory=True).to_dict()).encode()).hexdigest()
        for s in range(seeds)
    ]
print(json.dumps(out))
"""


INTERLEAVED_SNIPPET = """
import json, statistics, sys, time
from pathlib import Path
trees, blocks, per = json.loads(sys.argv[1]), int(sys.argv[2]), 20
def packages():
    return [k for k in sys.modules if k == "sim" or k.startswith("sim.")]
loaded, specs = {}, {}
for label, path in trees.items():
    for k in packages():
        del sys.modules[k]
    sys.path.insert(0, path)
    import sim.runner, sim.scenario
    assert sim.__file__.startswith(path)
    specs[label] = sim.scenario.load_scenario(Path(trees["now"]) / "scenarios" / "baseline.yaml")
    for s in range(20):  # also imports, from this tree, what `sim` imports lazily
        sim.runner.run_once(specs[label], s).row()
    sys.path.pop(0)
    loaded[label] = {k: sys.modules[k] for k in packages()}
    assert all(m.__file__.startswith(path) for m in loaded[label].values())
def use(label):  # `sim`'s lazy imports must find this tree's modules
    for k in packages():
        del sys.modules[k]
    sys.modules.update(loaded[label])
    return loaded[label]["sim.runner"].run_once
times = {label: [] for label in trees}
for b in range(blocks):
    for label in (list(trees) if b % 2 == 0 else list(trees)[::-1]):
        run_once = use(label)
        start = time.process_time()
        for s in range(b * per, b * per + per):
            run_once(specs[label], s).row()
        times[label].append((time.process_time() - start) / per)
print(json.dumps(times))
"""


def rates(before: Path, runs: int, pairs: int) -> None:
    big = json.dumps(scenario(8, 10, seed=10 * 100 + 8))
    cores = sorted(os.sched_getaffinity(0))[:2]
    how = "side by side on two cores" if len(cores) == 2 else "in turn"
    print(f"2. baseline runs/s on one core (CPU time, {runs} runs, {pairs} pairs {how})")
    got: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
    loads = []
    args = (str(ROOT), str(runs), big)
    for p in range(pairs):
        loads.append(os.getloadavg()[0])
        if len(cores) == 2:
            first, second = cores if p % 2 == 0 else cores[::-1]
            pair = side_by_side([(before, first), (ROOT, second)], RATE_SNIPPET, *args)
        else:
            pair = [run_in(tree, RATE_SNIPPET, *args) for tree in (before, ROOT)]
        for label, result in zip(("before", "now"), pair, strict=True):
            got[label].append(result)
    rate = {k: [g["rate"] for g in v] for k, v in got.items()}
    ratios = [n / b for n, b in zip(rate["now"], rate["before"], strict=True)]
    for label in ("before", "now"):
        r = statistics.median(rate[label])
        print(
            f"  {label:<7s} median {r:7.1f} runs/s ({1000 / r:.2f} ms a run)  "
            f"[{', '.join(f'{x:.0f}' for x in rate[label])}]"
        )
    print(
        f"  now / before: median {statistics.median(ratios):.2f}x "
        f"(pairs: {', '.join(f'{r:.2f}' for r in ratios)}; target >= 2)"
    )
    blocks = 2 * runs // 20
    trees = json.dumps({"before": str(before), "now": str(ROOT)})
    times = run_in(ROOT, INTERLEAVED_SNIPPET, trees, str(blocks))
    ratios = [b / n for b, n in zip(times["before"], times["now"], strict=True)]
    ms = {k: 1000 * statistics.median(v) for k, v in times.items()}
    print(
        f"  in one process, {blocks} alternating blocks of 20 runs: before {ms['before']:.2f} ms "
        f"a run ({1000 / ms['before']:.0f} runs/s), now {ms['now']:.2f} ms "
        f"({1000 / ms['now']:.0f} runs/s); now / before: median {statistics.median(ratios):.2f}x "
        f"(quartiles {' to '.join(f'{q:.2f}' for q in statistics.quantiles(ratios)[::2])})"
    )
    large = {k: statistics.median(g["large_ms"] for g in v) for k, v in got.items()}
    print(
        f"3. 10 issues x 8 actors: {large['before']:.1f} ms a run before, {large['now']:.1f} ms "
        f"now ({large['before'] / large['now']:.2f}x); load average 1 min at the pairs: "
        f"{', '.join(f'{x:.1f}' for x in loads)}"
    )


def side_by_side(jobs: list[tuple[Path, int]], snippet: str, *args: str) -> list[dict[str, Any]]:
    """`run_in` for each (tree, core) at once, each process pinned to its core."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", snippet, *args],
            cwd=tree,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=functools.partial(os.sched_setaffinity, 0, {core}),
        )
        for tree, core in jobs
    ]
    results = []
    for (tree, _), proc in zip(jobs, procs, strict=True):
        out, err = proc.communicate()
        if proc.returncode:
            sys.exit(f"the snippet failed in {tree}:\n{err}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def identity(before: Path, seeds: int) -> None:
    extra = json.dumps([scenario(4, 5, seed=1), scenario(6, 5, seed=2), scenario(4, 8, seed=1)])
    args = (str(ROOT), str(seeds), json.dumps(CALM), extra)
    old, new = run_in(before, RECORDS_SNIPPET, *args), run_in(ROOT, RECORDS_SNIPPET, *args)
    print("1. whole run records (with trajectories) identical to before")
    for name, digests in new.items():
        same = sum(a == b for a, b in zip(digests, old[name], strict=True))
        print(f"  {name:<24s} {same} of {len(digests)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="git revision to compare against")
    parser.add_argument("--runs", type=int, default=300, help="baseline runs per timing")
    parser.add_argument("--pairs", type=int, default=5, help="before/now timings in turn")
    parser.add_argument("--seeds", type=int, default=300, help="seeds per scenario compared")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}; before: {args.before}")
    with tempfile.TemporaryDirectory() as tmp:
        before = before_tree(args.before, Path(tmp))
        identity(before, args.seeds)
        rates(before, args.runs, args.pairs)


if __name__ == "__main__":
    main()
