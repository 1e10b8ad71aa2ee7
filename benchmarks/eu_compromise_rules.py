"""Which rule for choosing among compromise offers: the readings compared on the published rounds.

Scholz et al.'s code accepts the compromise with the lowest EU-weighted point, which depends on
which end of the scale is low. This script swaps in each candidate rule (symmetric ones and the
verbatim one) and reports, in one run: the emission-standards medians against the published
replication, DEU III mean and median absolute error, how many DEU III forecasts are identical to
those of Scholz's rule (on the tables as given and reflected, 2 × 353), and how many forecasts
change when the table is reflected. See docs/expected_utility.md.

Usage: .venv/bin/python benchmarks/eu_compromise_rules.py [--data PATH]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from deu3_forecast import DEFAULT_DATA, load_issues, reflect  # noqa: E402
from test_expected_utility import EMISSIONS, PUBLISHED_MEDIANS, TOLERANCE  # noqa: E402

from sim.forecast_table import read_table  # noqa: E402
from sim.protocols import eu_maths  # noqa: E402
from sim.protocols.expected_utility import forecast_issue  # noqa: E402

# Each candidate: (x, |a|, |b|) -> K[i, j], receiver i's sort key for j's compromise (smallest
# first); a = EU_ij (i's loss), b = EU_ji (j's gain), the EU-weighted point is (a·x_i + b·x_j)/(a + b).
Rank = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
SCHOLZ_CODE = "lowest EU-weighted point (Scholz's code)"


def _gap(x: np.ndarray) -> np.ndarray:
    return np.abs(x[None, :] - x[:, None])


CANDIDATES: dict[str, Rank] = {
    SCHOLZ_CODE: lambda x, a, b: (a * x[:, None] + b * x[None, :]) / (a + b),
    "farthest EU-weighted point (default)": lambda x, a, b: -b * _gap(x) / (a + b),
    "nearest EU-weighted point": lambda x, a, b: b * _gap(x) / (a + b),
    "smallest move (nearest target)": lambda x, a, b: a / b * _gap(x),
    "largest move": lambda x, a, b: -a / b * _gap(x),
    "smallest concession fraction |a|/b": lambda x, a, b: a / b,
    "largest sender gain b": lambda x, a, b: -b,
    "largest net gain b - |a|": lambda x, a, b: a - b,
}


def use(rank: Rank) -> None:
    """Make `eu_maths.choose_offers` rank compromises by ``rank`` (only entries with b > 0 count)."""

    def compromise_rank(x, own, other, rule="scholz"):
        a, b = np.abs(own), np.abs(other)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(b > 0, rank(x, a, b), np.inf)

    eu_maths.compromise_rank = compromise_rank


def main(argv: list[str] | None = None) -> None:
    """Print one row per candidate rule."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="deu3.csv (tab-separated)")
    args = parser.parse_args(argv)
    table = read_table(EMISSIONS)
    c, x, s = (np.array(v) for v in (table.capability, table.position, table.salience))
    issues, _ = load_issues(args.data)
    outcome = np.array([issue.outcome for issue in issues])

    def deu(reflected: bool) -> np.ndarray:
        forecasts = []
        for issue in issues:
            position = reflect(issue, issue.position) if reflected else issue.position
            f = forecast_issue(issue.capability, position, issue.salience / 100.0).forecast
            forecasts.append(reflect(issue, f) if reflected else f)
        return np.array(forecasts)

    print(
        "emission medians, rounds 1-8, published:", " ".join(f"{m:.1f}" for m in PUBLISHED_MEDIANS)
    )
    print(
        f"{'compromise rule':<40}{'rounds 1-8':>48}{'match':>7}{'MAE':>7}{'MedAE':>7}"
        f"{'same as code':>14}{'reflection':>12}"
    )
    code: tuple[np.ndarray, np.ndarray] | None = None
    for name, rank in CANDIDATES.items():
        use(rank)
        medians = np.array(forecast_issue(c, x, s, rounds=8).medians[1:])
        match = int(np.sum(np.abs(medians - PUBLISHED_MEDIANS) <= TOLERANCE))
        ahead, back = deu(False), deu(True)
        code = code or (ahead, back)
        same = int(np.sum(np.abs(ahead - code[0]) < 1e-6) + np.sum(np.abs(ahead - code[1]) < 1e-6))
        error = np.abs(ahead - outcome)
        changed = int(np.sum(np.abs(ahead - back) > 1e-6))
        rounds = " ".join(f"{m:5.2f}" for m in medians)
        print(
            f"{name:<40}{rounds:>48}{match:>5}/8{error.mean():>7.2f}{np.median(error):>7.2f}"
            f"{same:>10}/{2 * len(issues)}{changed:>8}/{len(issues)}"
        )


if __name__ == "__main__":
    main()
