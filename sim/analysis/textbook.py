"""Recognise the textbook case in a scenario: two equilibrium players splitting one issue with
linear utilities and opposite ideals (a pie), taking turns. There Rubinstein's share of the
first proposer, and the finite-horizon share at the scenario's deadline, are the references a
run should be read against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario.models import Scenario


@dataclass(frozen=True)
class RubinsteinCase:
    """The first proposer, and the issue value at which it gets its Rubinstein share (T → ∞)
    and its finite-horizon share at the scenario's deadline."""

    issue: str
    first: str
    second: str
    share: float
    value: float
    finite_share: float
    finite_value: float


def rubinstein_case(spec: Scenario) -> RubinsteinCase | None:
    """The Rubinstein reference when `spec` is the textbook case, else None."""
    from sim.analysis.shares import finite_horizon_shares, rubinstein_shares

    if len(spec.actors) != 2 or len(spec.issues) != 1 or spec.protocol.recognition != "rotation":
        return None
    (issue, spec_issue), actors = next(iter(spec.issues.items())), spec.actors
    if any(
        a.strategy.type != "equilibrium" or a.rho != 1.0 or a.outside_option is not None
        for a in actors.values()
    ):
        return None
    ideals = {k: a.preferences[issue].ideal for k, a in actors.items()}
    if sorted(ideals.values()) != [0.0, 1.0]:
        return None
    order = spec.protocol.order or list(actors)
    first, second = order[0], order[1] if len(order) > 1 else order[0]
    d1, d2 = actors[first].patience, actors[second].patience
    if d1 * d2 >= 1.0 or first == second:
        return None
    share, _ = rubinstein_shares(d1, d2)
    # After the deadline the issue sits at its reversion: the first proposer then has the
    # utility of that value, the other the rest of the pie.
    reverted = 1.0 - abs(spec_issue.reversion - ideals[first])
    finite, _ = finite_horizon_shares(d1, d2, spec.protocol.deadline, reverted, 1.0 - reverted)

    def value(s: float) -> float:
        return s if ideals[first] == 1.0 else 1.0 - s

    return RubinsteinCase(issue, first, second, share, value(share), finite, value(finite))
