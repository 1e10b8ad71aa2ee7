"""The DEU III test of the bargaining model in CI: the scores' maths against their definitions,
and a regression check of the model's scores on a fixed subset of 40 issues.

`tests/data/deu3_subset.csv` holds the header, the GDP row and 40 rows of `deu3.csv`: test-half
issues (the benchmark's split) drawn with `numpy.random.default_rng(12).choice(sorted keys, 40,
replace=False)`. The full benchmark is `make bench` (`benchmarks/deu3_bargaining.py`).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from deu3_bargaining import (
    Setting,
    council,
    covered,
    crps,
    ensembles,
    scenario,
    scores,
    summary,
)
from deu3_forecast import load_issues

SUBSET = ROOT / "tests" / "data" / "deu3_subset.csv"
SETTING = Setting(rationality=5.0, patience=0.8, silent="yes")  # as tuned by the benchmark
REPLICATIONS = 6
# The subset's scores with SETTING and REPLICATIONS, measured by this test's own computation
# (print `got` below) when the benchmark was added. A change that moves one by more than three
# times its Monte Carlo spread (bootstrap over each issue's runs, computed below) changes what the
# model forecasts: look at the full benchmark and update these figures on purpose.
REFERENCE = {"MAE": 37.41, "CRPS": 32.91, "cover 90%": 0.40}


def test_crps_matches_its_integral_definition() -> None:
    """CRPS(F, y) = ∫ (F(x) − 1{x ≥ y})² dx for the empirical F of an ensemble, integrated on a
    fine grid; a point forecast scores its absolute error."""
    rng = np.random.default_rng(3)
    for _ in range(5):
        ensemble, y = rng.uniform(0, 100, rng.integers(1, 9)), float(rng.uniform(0, 100))
        x = np.linspace(-1, 101, 204_001)
        cdf = (np.sort(ensemble)[None, :] <= x[:, None]).mean(axis=1)
        integral = np.sum((cdf - (x >= y)) ** 2) * (x[1] - x[0])
        assert crps(ensemble, y) == pytest.approx(integral, abs=0.02)
    assert crps(np.array([30.0]), 70.0) == pytest.approx(40.0)


def test_coverage_counts_the_central_interval_with_its_ends() -> None:
    ensemble = np.arange(0.0, 101.0)  # quantiles are the values themselves
    assert covered(ensemble, 25.0, 0.5) and covered(ensemble, 75.0, 0.5)
    assert not covered(ensemble, 24.0, 0.5) and not covered(ensemble, 96.0, 0.9)


def test_the_council_rule_follows_the_period_and_the_procedure() -> None:
    issues, _ = load_issues(SUBSET)
    for issue in issues:
        votes, threshold, members = council(issue, "absent")
        states = [a for a in issue.actors if a not in ("com", "ep")]
        assert sorted(votes) == sorted(states)
        nice = bool(set(states) & {"pl", "cz", "hu", "sk", "si", "lt", "lv", "ee", "cy", "mt"})
        assert all(votes[a] == (29 if nice else 10) for a in ("de", "fr", "it", "uk") if a in votes)
        # Council votes needed, of all votes, by enlargement (Amsterdam, then Nice).
        period = ("cr" in states, bool({"bu", "ro"} & set(states)), nice)
        expected = {(True, True, True): 260 / 352, (False, True, True): 255 / 345}.get(
            period, 232 / 321 if nice else 62 / 87
        )
        assert threshold == pytest.approx(expected)
        assert members == (0.5 if nice else 0.0)
        spec = scenario(issue, SETTING)
        issue_spec = spec.issues["x"]
        assert ("ep" in issue_spec.veto) == (issue.procedure == "COD")
        assert ("ep" in spec.actors) == (issue.procedure == "COD")
        assert spec.protocol.agenda_setter == ("com" if "com" in issue.actors else None)
        if issue.voting == "Unan":
            assert set(states) <= set(issue_spec.veto)
        else:
            assert spec.rule_of("x").type == "qualified_majority"


@pytest.mark.slow
def test_the_bargaining_forecast_of_the_subset_holds_its_scores() -> None:
    issues, _ = load_issues(SUBSET)
    assert len(issues) == 40
    runs = ensembles(issues, list(range(len(issues))), SETTING, REPLICATIONS, workers=1)
    outcome = np.array([issue.outcome for issue in issues])
    got = {k: summary(k, v) for k, v in scores(runs, outcome).items()}
    rng = np.random.default_rng(0)
    spread: dict[str, list[float]] = {k: [] for k in REFERENCE}
    for _ in range(200):
        resampled = scores([rng.choice(e, len(e)) for e in runs], outcome)
        for k in REFERENCE:
            spread[k].append(summary(k, resampled[k]))
    for k, reference in REFERENCE.items():
        tolerance = max(3 * float(np.std(spread[k])), 0.005)  # rounding of REFERENCE
        assert abs(got[k] - reference) <= tolerance, (k, got[k], reference, tolerance)
