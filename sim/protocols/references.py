"""The analytic references a run is measured against, on one stated set of preferences.

Every reference (disagreement point, Nash, Kalai–Smorodinsky, and for two equilibrium players the
discounted game's subgame-perfect agreement) and the outcome compared with it use the same
preferences: those the run ended with, which are the scenario's own unless an event changed them
(`basis` says "initial" or "final"). They depend on the scenario and on which events fired, not on
the seed, so they are computed once per scenario and event history and cached with its arrays.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim import payoffs, strategies
from sim.analysis.veto_tables import TableGame
from sim.protocols.arrays import parameters_after, scenario_arrays
from sim.scenario.models import Scenario


def history(spec: Scenario, fired: Sequence[int]) -> tuple[int, ...]:
    """The fired events that changed a parameter, in firing order: what the basis depends on."""
    return tuple(e for e in fired if spec.events[e].effects)


def references(spec: Scenario, fired: Sequence[int] = ()) -> dict[str, Any]:
    """The references of a run of `spec` in which the events `fired` (indices, in firing order)
    fired: basis, the events it reflects, disagreement point, Nash and Kalai–Smorodinsky
    packages with their utilities, and the equilibrium agreement where equilibrium players
    bargain. Cached per scenario object and event history; treat the result as read-only."""
    key = history(spec, fired)
    cache = scenario_arrays(spec).setdefault("references", {})
    if key not in cache:
        content = _content(spec, key)
        if content not in _BY_CONTENT:
            _BY_CONTENT[content] = _compute(spec, key)
            if len(_BY_CONTENT) > 256:
                _BY_CONTENT.popitem(last=False)
        cache[key] = _BY_CONTENT[content]
    return cache[key]


# References by what they depend on, so design points that differ only in other parameters
# (patience, deadline, rationality, noise, strategies...) share them.
_BY_CONTENT: OrderedDict[bytes, dict[str, Any]] = OrderedDict()


def _content(spec: Scenario, fired: tuple[int, ...]) -> bytes:
    """The bytes that determine the references of `spec` after events `fired`."""
    base = scenario_arrays(spec)
    params = parameters_after(spec, fired)
    parts = [params["ideal"], params["salience"], params["outside"], base["rho"], base["gamma"]]
    parts += [base["consent"].astype(float), base["reversion"], *base["options"].values()]
    text = repr((base["issues"], base["actors"], fired, [spec.events[e].name for e in fired]))
    if all(a.strategy.type == "equilibrium" for a in spec.actors.values()):
        parts.append(params["patience"])
        text += repr((spec.protocol.deadline, spec.protocol.order))
    return b"".join(np.ascontiguousarray(p).tobytes() for p in parts) + text.encode()


def _compute(spec: Scenario, fired: tuple[int, ...]) -> dict[str, Any]:
    base = scenario_arrays(spec)
    issues, actors = base["issues"], base["actors"]
    params = parameters_after(spec, fired)
    weight = payoffs.normalise_saliences(params["salience"])
    preferences = (params["ideal"], weight, base["rho"], base["gamma"], base["options"])
    game = TableGame(preferences, base["consent"], base["reversion"], params["outside"])

    def point(package: np.ndarray) -> dict[str, Any]:
        u = game.utility(package)
        return {
            "package": {k: float(package[i]) for i, k in enumerate(issues)},
            "utilities": {a: float(u[i]) for i, a in enumerate(actors)},
        }

    d = game.disagreement()
    equilibrium = None
    if all(a.strategy.type == "equilibrium" for a in spec.actors.values()):
        order = spec.protocol.order or actors
        offers, _ = strategies.equilibrium_path(
            (float(params["ideal"][0, 0]), float(params["ideal"][1, 0])),
            (float(base["rho"][0]), float(base["rho"][1])),
            (float(params["patience"][0]), float(params["patience"][1])),
            (float(d[0]), float(d[1])),
            spec.protocol.deadline,
            first=actors.index(order[0]),
        )
        equilibrium = point(np.array([offers[0]]))
    return {
        "basis": "final" if fired else "initial",
        "events": [spec.events[e].name for e in fired],
        "event_indices": list(fired),
        "disagreement": {a: float(d[i]) for i, a in enumerate(actors)},
        "nash": point(game.solve("nash")),
        "kalai_smorodinsky": point(game.solve("ks")),
        "equilibrium": equilibrium,
    }


def distance(utilities: dict[str, float], reference: dict[str, Any] | None) -> float | None:
    """Euclidean distance in utility space between a run's payoffs and a reference point."""
    if reference is None:
        return None
    keys = list(utilities)
    a = np.array([utilities[k] for k in keys])
    b = np.array([reference["utilities"][k] for k in keys])
    return float(np.linalg.norm(a - b))
