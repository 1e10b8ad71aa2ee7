"""A scenario's parameters as arrays, built once per scenario object and shared by its runs."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim import payoffs
from sim.scenario.models import Actor, Scenario

# The per-actor parameters that events can change.
PARAMETERS = ("ideal", "salience", "outside", "patience", "capability", "rationality")

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
            ],
            dtype=float,
        )

    # Issues of named options: each actor's utility of each option (0 without a preference: its
    # salience there is 0 anyway). Their "ideal" is the point of the option it likes best.
    options: dict[int, np.ndarray] = {}
    ideal = per_issue("ideal", 0.5)
    for k, key in enumerate(issues):
        names = spec.issues[key].options
        if names is not None:
            table = np.array([_option_utilities(a, key, names) for a in specs])
            options[k] = table
            ideal[:, k] = table.argmax(axis=1) / (len(names) - 1)
    levels = [spec.issues[k].levels(spec.protocol.grid) for k in issues]

    gamma = np.zeros((len(actors), len(issues), len(issues)))
    for i, a in enumerate(specs):
        for link in a.linkage:
            gamma[i, issues.index(link.issues[0]), issues.index(link.issues[1])] += link.gamma
    arrays: dict[str, Any] = {
        "issues": issues,
        "actors": actors,
        "ideal": ideal,
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
        "reversion": np.array([spec.issues[k].reversion_value for k in issues]),
        "veto": np.array([[a in spec.issues[k].veto for a in actors] for k in issues]),
        "options": options,
        "levels": levels,
        "grid": payoffs.package_grid(levels, np.full(len(issues), np.nan)),
    }
    for value in [*arrays.values(), *options.values()]:
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # shared by every run of this scenario
    _SCENARIOS[id(spec)] = (spec, arrays)
    if len(_SCENARIOS) > 64:
        _SCENARIOS.popitem(last=False)
    return arrays


def _option_utilities(actor: Actor, issue: str, names: list[str]) -> list[float]:
    """An actor's utility of each option of an issue (0 where it states no preference)."""
    pref = actor.preferences.get(issue)
    if pref is None or pref.utilities is None:
        return [0.0] * len(names)
    return [pref.utilities[o] for o in names]


def parameters_after(spec: Scenario, fired: Sequence[int]) -> dict[str, np.ndarray]:
    """Copies of the per-actor parameters (`PARAMETERS`) after the effects of events `fired`
    (indices into `spec.events`, in firing order), as a run that saw them holds them."""
    from sim.events import apply_effects

    base = scenario_arrays(spec)
    params = {name: base[name].copy() for name in PARAMETERS}
    for e in fired:
        apply_effects(spec.events[e].effects, params, base["actors"], base["issues"])
    return params
