"""Exogenous shocks (MODEL.md §3): scheduled or hazard events that change parameters mid-run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.scenario.models import Effect, Scenario

if TYPE_CHECKING:
    from sim.protocols.alternating import BargainingModel

# Which per-run array of the model each actor-level parameter lives in.
_ARRAYS = {
    "outside_option": "outside",
    "capability": "capability",
    "patience": "patience",
    "rationality": "rationality",
    "ideal": "ideal",
    "salience": "salience",
}
_BOUNDS = {
    "ideal": (0.0, 1.0),
    "patience": (1e-9, 1.0),
    "salience": (0.0, np.inf),
    "capability": (1e-9, np.inf),
    "rationality": (1e-9, np.inf),
}


def changed(old: float, effect: Effect) -> float:
    """The new value of a parameter after one effect (set, add or scale)."""
    if effect.set is not None:
        new = effect.set
    elif effect.add is not None:
        new = (0.0 if np.isnan(old) else old) + effect.add
    else:
        new = old * (effect.scale if effect.scale is not None else 1.0)
    low, high = _BOUNDS.get(effect.parameter, (-np.inf, np.inf))
    return float(np.clip(new, low, high))


def apply_effects(
    effects: list[Effect], arrays: dict[str, np.ndarray], actors: list[str], issues: list[str]
) -> None:
    """Apply effects in order to per-actor parameter arrays (keyed as in the scenario arrays:
    "outside", "ideal", ...), in place."""
    for effect in effects:
        i = actors.index(effect.actor)
        array = arrays[_ARRAYS[effect.parameter]]
        if effect.issue is not None:
            k = issues.index(effect.issue)
            array[i, k] = changed(array[i, k], effect)
        else:
            array[i] = changed(array[i], effect)


class EventBook:
    """The scenario's events for one run: decides which fire each round and applies them."""

    def __init__(self, spec: Scenario, model: BargainingModel) -> None:
        self.spec, self.model = spec, model
        self.pending = list(range(len(spec.events)))
        self.fired: list[dict[str, Any]] = []
        self.order: list[int] = []  # indices of the events that fired, in firing order

    def fire(self, t: int) -> list[str]:
        """Fire the events due at round t (each at most once); return their names."""
        names = []
        for e in list(self.pending):
            event = self.spec.events[e]
            # Every pending hazard event draws every round, so draws do not depend on outcomes.
            due = (
                event.round == t if event.hazard is None else self.model.rng.random() < event.hazard
            )
            if due:
                self.apply(e)
                self.pending.remove(e)
                self.order.append(e)
                self.fired.append({"round": t, "name": event.name})
                names.append(event.name)
        return names

    def apply(self, e: int) -> None:
        """Apply event e's effects and closures to the model's per-run parameters."""
        m, event = self.model, self.spec.events[e]
        arrays = {name: getattr(m, name) for name in _ARRAYS.values()}
        apply_effects(event.effects, arrays, m.actor_keys, m.issue_keys)
        for issue, value in event.close.items():
            k = m.issue_keys.index(issue)
            if np.isnan(m.closed[k]):
                m.close(k, self.spec.issues[issue].value_of(value), agreed=False)
        m.invalidate(parameters=True)
