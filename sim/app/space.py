"""The utility space of a pair of actors for the app: one call to the shared dataset builder,
and the trace of the offers made so far in the same two utilities."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim import payoffs
from sim.record import Offer, RunRecord
from sim.scenario.models import Scenario


def utility_space_of(spec: Scenario, record: RunRecord, pair: tuple[str, str]) -> Any:
    """The utility-space dataset (Pareto frontier, Nash, Kalai–Smorodinsky, disagreement point)
    at the start of the run. The one place the app calls its builder: today
    `sim.plots.run.utility_space`, moving to a pure-data builder under `sim.analysis`."""
    from sim.plots.run import utility_space

    return utility_space(spec, record, pair)


def pair_utilities(spec: Scenario, pair: tuple[str, str], packages: np.ndarray) -> np.ndarray:
    """The two actors' utilities of each package (rows over the scenario's issues), with their
    preferences as written in the scenario, i.e. at the start of the run: shape (n, 2)."""
    issues = list(spec.issues)
    actors = [spec.actors[a] for a in pair]
    ideal = np.array([[a.preferences[k].ideal if k in a.preferences else 0.5 for k in issues]
                      for a in actors])  # fmt: skip
    salience = np.array([[a.preferences[k].salience if k in a.preferences else 0.0
                          for k in issues] for a in actors])  # fmt: skip
    gamma = np.zeros((2, len(issues), len(issues)))
    for i, actor in enumerate(actors):
        for link in actor.linkage:
            gamma[i, issues.index(link.issues[0]), issues.index(link.issues[1])] += link.gamma
    rho = np.array([a.rho for a in actors])
    weight = payoffs.normalise_saliences(salience)
    return payoffs.utilities(np.atleast_2d(packages), ideal, weight, rho, gamma)


def offer_trace(spec: Scenario, pair: tuple[str, str], offers: list[Offer]) -> np.ndarray:
    """Each offer so far as a point in the pair's utility space: shape (n_offers, 2)."""
    if not offers:
        return np.zeros((0, 2))
    packages = np.array([[o.package[k] for k in spec.issues] for o in offers])
    return pair_utilities(spec, pair, packages)
