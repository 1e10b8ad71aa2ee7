"""Out-of-sample test of the expected-utility protocol on the DEU III issues with known outcomes.

Forecasts every issue of ``deu3.csv`` that records an outcome, from positions, saliences and GDP
as capability only, and reports the mean and median absolute error against the adopted outcome
for the EU protocol and for the weighted-mean and weighted-median baselines, measured in one run.

Usage: .venv/bin/python benchmarks/deu3_forecast.py [--data PATH] [--rounds N] [--selection ...]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.protocols import eu_maths  # noqa: E402
from sim.protocols.expected_utility import forecast_issue  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "deu3.csv"
MISSING_SALIENCE = 50.0  # a position with a blank salience counts as middling salience


@dataclass(frozen=True)
class Issue:
    """One DEU issue: the actors that took a position, and the adopted outcome."""

    key: str
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    outcome: float


def load_issues(path: Path) -> tuple[list[Issue], int]:
    """Issues with a recorded outcome, and how many blank saliences were filled in."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    header = rows[0]
    p0, s0, out = header.index("pcom"), header.index("scom"), header.index("out")
    n_actors = s0 - p0
    gdp = np.array([float(v) for v in rows[1][p0 : p0 + n_actors]])
    issues, filled = [], 0
    for row in rows[2:]:
        if not row[out].strip():
            continue
        caps, xs, ss = [], [], []
        for k in range(n_actors):
            x = row[p0 + k].strip()
            if not x:
                continue
            s = row[s0 + k].strip()
            if not s:
                filled += 1
            caps.append(gdp[k])
            xs.append(float(x))
            ss.append(float(s) if s else MISSING_SALIENCE)
        if xs:
            key = row[header.index("isnr")]
            issues.append(Issue(key, np.array(caps), np.array(xs), np.array(ss), float(row[out])))
    return issues, filled


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print a small report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="deu3.csv (tab-separated)")
    parser.add_argument("--rounds", type=int, default=8, help="EU rounds per issue")
    parser.add_argument("--selection", choices=["scholz", "nearest"], default="scholz")
    parser.add_argument("--probability", choices=["scholz", "pairwise"], default="scholz")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    issues, filled = load_issues(args.data)
    errors: dict[str, list[float]] = {"EU protocol": [], "weighted mean": [], "weighted median": []}
    for issue in issues:
        weight = issue.capability * issue.salience / 100.0
        result = forecast_issue(
            issue.capability,
            issue.position,
            issue.salience / 100.0,
            rounds=args.rounds,
            probability=args.probability,
            selection=args.selection,
        )
        errors["EU protocol"].append(abs(result.forecast - issue.outcome))
        errors["weighted mean"].append(
            abs(eu_maths.weighted_mean(issue.position, weight) - issue.outcome)
        )
        errors["weighted median"].append(
            abs(eu_maths.weighted_median(issue.position, weight) - issue.outcome)
        )
    elapsed = time.perf_counter() - start

    print(f"DEU III: {len(issues)} issues with a recorded outcome ({args.data})")
    print(
        f"EU settings: rounds={args.rounds} probability={args.probability} selection={args.selection}"
    )
    print(f"blank saliences beside a position, taken as {MISSING_SALIENCE:g}: {filled}")
    print(f"{'forecast':<18}{'mean |error|':>14}{'median |error|':>16}")
    for name, errs in errors.items():
        print(f"{name:<18}{np.mean(errs):>14.2f}{np.median(errs):>16.2f}")
    print(f"run time: {elapsed:.1f} s")


if __name__ == "__main__":
    main()
