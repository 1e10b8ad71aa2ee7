"""The expected-utility protocol on a whole scenario: one forecast per issue (MODEL.md §2b).

Each issue is forecast on its own from the actors that care about it (salience > 0): positions
are their ideal points, saliences their per-actor normalised weights, capabilities as given. An
issue of named options is read as ordered as listed, each actor at its best option, and the
forecast is the option nearest the final weighted median.
"""

from __future__ import annotations

import numpy as np

from sim import payoffs
from sim.protocols.arrays import scenario_arrays
from sim.record import IssueOutcome, RunRecord
from sim.scenario.models import Scenario


def run_expected_utility(spec: Scenario) -> RunRecord:
    """Forecast every issue of `spec` and return a run record with per-round medians and means."""
    from sim.protocols.expected_utility import forecast_issue

    base = scenario_arrays(spec)
    actors, issues, ideal = base["actors"], base["issues"], base["ideal"]
    weight = payoffs.normalise_saliences(base["salience"])
    capability = base["capability"]
    outcome, medians, means, results = np.zeros(len(issues)), {}, {}, {}
    positions: dict[str, dict[str, list[float]]] = {}
    for k, key in enumerate(issues):
        who = weight[:, k] > 0
        forecast = forecast_issue(
            capability[who], ideal[who, k], weight[who, k], rounds=spec.protocol.eu_rounds
        )
        issue = spec.issues[key]
        value = float(forecast.forecast)
        if issue.options is not None:  # snap to the nearest option
            value = issue.value_of(issue.option_at(value) or "")
        outcome[k] = value
        medians[key], means[key] = forecast.medians, forecast.means
        movers = [a for a, cares in zip(actors, who, strict=True) if cares]
        positions[key] = {
            a: [float(p[j]) for p in forecast.positions] for j, a in enumerate(movers)
        }
        results[key] = IssueOutcome(
            value=value,
            agreed=False,
            label=issue.label_of(value),
            forecast_mean=float(forecast.mean),
            option=issue.option_at(value),
        )
    u = payoffs.utilities(
        outcome[None, :], ideal, weight, base["rho"], base["gamma"], base["options"]
    )[0]
    return RunRecord(
        scenario=spec.name,
        seed=0,
        protocol="expected_utility",
        agreed=False,
        round=None,
        rounds_used=spec.protocol.eu_rounds,
        breakdown="",
        proposer="",
        issues=results,
        utilities={a: float(u[i]) for i, a in enumerate(actors)},
        utilities_discounted={a: float(u[i]) for i, a in enumerate(actors)},
        events=[],
        medians=medians,
        means=means,
        positions=positions,
    )
