"""The utility-space picture of one run, as data: two actors' utilities of every package on the
proposal grid, their Pareto frontier, the run's references and the outcome it reached.

Built from the scenario and the run record alone (no model is constructed, nothing is drawn), so
the run figure, the report and the app show the same picture. The references (Nash,
Kalai–Smorodinsky, the disagreement point and, for two equilibrium players, the discounted game's
agreement) are read from the record; the cloud of packages is computed with the preferences the
record names as its basis ("initial", or "final": after the events that fired).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim import payoffs
from sim.analysis.solutions import pareto_mask

if TYPE_CHECKING:
    from sim.record import RunRecord
    from sim.scenario.models import Scenario


@dataclass
class UtilitySpace:
    """Two actors' view of the package space, on the preferences of the record's basis.

    `points` holds both actors' utilities of every package on the proposal grid (`packages`);
    `frontier` indexes the packages on these two actors' Pareto frontier (sorted by the first
    actor's utility); `efficient` marks packages Pareto-efficient for all actors; `nash`, `ks`
    and `equilibrium` are the two actors' utilities at the record's references (None where there
    is none), `disagreement` their disagreement payoffs and `outcome` their payoffs in the run.
    """

    actors: tuple[str, str]
    basis: str
    packages: np.ndarray
    points: np.ndarray
    frontier: np.ndarray
    efficient: np.ndarray
    nash: np.ndarray | None
    ks: np.ndarray | None
    equilibrium: np.ndarray | None
    disagreement: np.ndarray
    outcome: np.ndarray


def default_pair(spec: Scenario) -> tuple[str, str]:
    """The first two actors in the scenario's `actors:` order: a rule that never changes when
    an actor is added further down (choose others with --actors)."""
    first, second = list(spec.actors)[:2]
    return first, second


def basis_utilities(spec: Scenario, record: RunRecord, packages: np.ndarray) -> np.ndarray:
    """Every actor's utility (n, A) of packages (n, K) on the preferences of the record's basis,
    e.g. to place offers in the same picture as the cloud."""
    from sim.protocols.arrays import parameters_after, scenario_arrays

    base = scenario_arrays(spec)
    fired = (record.references or {}).get("event_indices", [])
    params = parameters_after(spec, fired)
    weight = payoffs.normalise_saliences(params["salience"])
    return payoffs.utilities(
        np.atleast_2d(packages), params["ideal"], weight, base["rho"], base["gamma"],
        base["options"],
    )  # fmt: skip


def utility_space(
    spec: Scenario, record: RunRecord, actors: tuple[str, str] | None = None
) -> UtilitySpace:
    """The utility-space dataset of one run of `spec` for a pair of actors (default:
    `default_pair`). Raises ValueError for an unknown actor or a record without references (the
    expected-utility protocol has none)."""
    from sim.protocols.arrays import full_grid, parameters_after, scenario_arrays

    pair = actors or default_pair(spec)
    for a in pair:
        if a not in spec.actors:
            raise ValueError(f"--actors: unknown actor {a!r}; expected one of {list(spec.actors)}")
    refs = record.references
    if refs is None:
        raise ValueError("this run record has no references: the utility space needs a run of "
                         "the alternating-offers protocol")  # fmt: skip
    base = scenario_arrays(spec)
    params = parameters_after(spec, refs["event_indices"])
    weight = payoffs.normalise_saliences(params["salience"])
    tables = payoffs.grid_utilities(
        base["levels"], params["ideal"], weight, base["rho"], base["gamma"], full_grid(base),
        base["options"],
    )  # fmt: skip
    cols = [list(spec.actors).index(a) for a in pair]
    points = tables[:, cols]
    on_front = np.flatnonzero(pareto_mask(points))
    frontier = on_front[np.lexsort((-points[on_front, 1], points[on_front, 0]))]

    def at(name: str) -> np.ndarray | None:
        ref = refs.get(name)
        return None if ref is None else np.array([ref["utilities"][a] for a in pair])

    return UtilitySpace(
        actors=pair,
        basis=refs["basis"],
        packages=full_grid(base),
        points=points,
        frontier=frontier,
        efficient=pareto_mask(tables),
        nash=at("nash"),
        ks=at("kalai_smorodinsky"),
        equilibrium=at("equilibrium"),
        disagreement=np.array([refs["disagreement"][a] for a in pair]),
        outcome=np.array([record.utilities[a] for a in pair]),
    )
