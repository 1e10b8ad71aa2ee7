"""A scenario's parameters as arrays, built once per scenario object and shared by its runs."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from sim import payoffs
from sim.scenario.models import Scenario

_SCENARIOS: OrderedDict[int, tuple[Scenario, dict[str, Any]]] = OrderedDict()


def scenario_arrays(spec: Scenario) -> dict[str, Any]:
    """A scenario's parameters as arrays, with its package grid and (filled in lazily) its
    seed-independent tables, built once per scenario object: a sweep runs each design point's
    scenario many times. Scenarios are treated as immutable once validated."""
    hit = _SCENARIOS.get(id(spec))
    if hit is not None and hit[0] is spec:
        _SCENARIOS.move_to_end(id(spec))
        return hit[1]
    issues, actors = list(spec.issues), list(spec.actors)
    specs = [spec.actors[a] for a in actors]

    def per_issue(field: str, default: float) -> np.ndarray:
        return np.array(
            [
                [
                    getattr(a.preferences[k], field) if k in a.preferences else default
                    for k in issues
                ]
                for a in specs
            ]
        )

    gamma = np.zeros((len(actors), len(issues), len(issues)))
    for i, a in enumerate(specs):
        for link in a.linkage:
            gamma[i, issues.index(link.issues[0]), issues.index(link.issues[1])] += link.gamma
    arrays: dict[str, Any] = {
        "issues": issues,
        "actors": actors,
        "ideal": per_issue("ideal", 0.5),
        "salience": per_issue("salience", 0.0),
        "rho": np.array([a.rho for a in specs]),
        "gamma": gamma,
        "outside": np.array(
            [np.nan if a.outside_option is None else a.outside_option for a in specs]
        ),
        "patience": np.array([a.patience for a in specs]),
        "capability": np.array([a.capability for a in specs]),
        "rationality": np.array([a.rationality for a in specs]),
        "noise": np.array([a.perception_noise for a in specs]),
        "reversion": np.array([spec.issues[k].reversion for k in issues]),
        "veto": np.array([[a in spec.issues[k].veto for a in actors] for k in issues]),
        "grid": payoffs.package_grid(spec.protocol.grid, np.full(len(issues), np.nan)),
    }
    for value in arrays.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # shared by every run of this scenario
    _SCENARIOS[id(spec)] = (spec, arrays)
    if len(_SCENARIOS) > 64:
        _SCENARIOS.popitem(last=False)
    return arrays
