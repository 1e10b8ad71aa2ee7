"""The utility space of a pair of actors for the app: one call to the shared dataset builder,
and the trace of the offers made so far in the same two utilities."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.record import Offer, RunRecord
from sim.scenario.models import Scenario


def utility_space_of(spec: Scenario, record: RunRecord, pair: tuple[str, str]) -> Any:
    """The utility-space dataset (Pareto frontier, Nash, Kalai–Smorodinsky, disagreement point)
    from the builder the run figure and the report share."""
    from sim.analysis.utility_space import utility_space

    return utility_space(spec, record, pair)


def offer_trace(
    spec: Scenario, record: RunRecord, pair: tuple[str, str], offers: list[Offer]
) -> np.ndarray:
    """Each offer so far as a point in the pair's utility space, on the same preferences as the
    record's references and cloud: shape (n_offers, 2). An offer made after an issue closed
    carries the value that issue closed at (its package holds only the open issues)."""
    from sim.analysis.utility_space import basis_utilities

    if not offers:
        return np.zeros((0, 2))
    closed = {k: out.value for k, out in record.issues.items()}
    packages = np.array([[o.package.get(k, closed[k]) for k in spec.issues] for o in offers])
    cols = [list(spec.actors).index(a) for a in pair]
    return basis_utilities(spec, record, packages)[:, cols]
