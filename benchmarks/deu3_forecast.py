"""Out-of-sample test of the expected-utility protocol on the DEU III issues with known outcomes.

Forecasts every issue of ``deu3.csv`` that records an outcome, from positions, saliences and GDP
as capability only, and reports, in one run, the mean and median absolute error against the
adopted outcome for every reading of the EU protocol and for the weighted-mean and weighted-median
baselines. It also forecasts each issue's reflected table (x → max + min − x) and counts the
forecasts that are not the reflection of the original: a forecast should not depend on which end
of the scale is called low.

Usage: .venv/bin/python benchmarks/deu3_forecast.py [--data PATH] [--rounds N]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
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
    """One DEU issue: the actors that took a position (their column codes: com, ep, at ...),
    the adopted outcome, and what `benchmarks/deu3_bargaining.py` reads besides: the proposal,
    the Council's voting rule (`counvte`), the procedure (`proc`) and the reversion point (`rp`,
    None where blank)."""

    key: str
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    outcome: float
    actors: tuple[str, ...] = ()
    proposal: str = ""
    voting: str = ""
    procedure: str = ""
    reversion: float | None = None


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
        caps, xs, ss, who = [], [], [], []
        for k in range(n_actors):
            x = row[p0 + k].strip()
            if not x:
                continue
            who.append(header[p0 + k][1:])
            s = row[s0 + k].strip()
            if not s:
                filled += 1
            caps.append(gdp[k])
            xs.append(float(x))
            ss.append(float(s) if s else MISSING_SALIENCE)
        if xs:
            rp = row[header.index("rp")].strip()
            issues.append(
                Issue(
                    row[header.index("isnr")],
                    np.array(caps),
                    np.array(xs),
                    np.array(ss),
                    float(row[out]),
                    tuple(who),
                    row[header.index("prnr")],
                    row[header.index("counvte")],
                    row[header.index("proc")],
                    float(rp) if rp else None,
                )
            )
    return issues, filled


# (probability, selection) of every reading, the default first; "lowest" is Scholz's code verbatim.
READINGS = [
    ("scholz", "scholz"),
    ("scholz", "lowest"),
    ("pairwise", "scholz"),
    ("scholz", "nearest"),
    ("pairwise", "nearest"),
]
Forecaster = Callable[[Issue, np.ndarray], float]


def forecasters(rounds: int) -> dict[str, Forecaster]:
    """Each forecaster by its printed name: f(issue, positions) -> forecast."""

    def weight(issue: Issue) -> np.ndarray:
        return issue.capability * issue.salience / 100.0

    named: dict[str, Forecaster] = {}
    for probability, selection in READINGS:

        def eu(issue: Issue, x: np.ndarray, p: str = probability, s: str = selection) -> float:
            c, w = issue.capability, issue.salience / 100.0
            return forecast_issue(c, x, w, rounds=rounds, probability=p, selection=s).forecast

        named[f"EU {probability}/{selection}"] = eu
    named["weighted mean"] = lambda issue, x: eu_maths.weighted_mean(x, weight(issue))
    named["weighted median"] = lambda issue, x: eu_maths.weighted_median(x, weight(issue))
    return named


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print a small report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="deu3.csv (tab-separated)")
    parser.add_argument("--rounds", type=int, default=8, help="EU rounds per issue")
    args = parser.parse_args(argv)

    issues, filled = load_issues(args.data)
    outcome = np.array([issue.outcome for issue in issues])
    print(f"DEU III: {len(issues)} issues with a recorded outcome ({args.data})")
    print(f"EU rounds={args.rounds}; EU probability/selection as named (default scholz/scholz)")
    print(f"blank saliences beside a position, taken as {MISSING_SALIENCE:g}: {filled}")
    print(f"{'forecast':<22}{'mean |error|':>14}{'median |error|':>16}   changed by reflection")
    changes: dict[str, int] = {}
    for name, forecast in forecasters(args.rounds).items():
        start = time.perf_counter()
        ahead = np.array([forecast(issue, issue.position) for issue in issues])
        elapsed = time.perf_counter() - start
        back = np.array(
            [reflect(issue, forecast(issue, reflect(issue, issue.position))) for issue in issues]
        )
        error = np.abs(ahead - outcome)
        moved = np.abs(ahead - back)
        changed = moved > 1e-6
        changes[name] = int(changed.sum())
        shift = f" (mean {moved[changed].mean():.1f})" if changed.any() else ""
        print(
            f"{name:<22}{error.mean():>14.2f}{np.median(error):>16.2f}"
            f"   {changed.sum()} of {len(issues)}{shift}   [{elapsed:.1f} s]"
        )
    print(
        f"forecasts changed by reflection: {changes['EU scholz/scholz']} of {len(issues)} with the"
        f" default; {changes['EU scholz/lowest']} with Scholz's compromise rule (the default before)"
    )


def reflect(issue: Issue, x: np.ndarray | float) -> np.ndarray | float:
    """Positions (or a forecast) mirrored through the midpoint of the issue's positions."""
    return issue.position.max() + issue.position.min() - x


if __name__ == "__main__":
    main()
