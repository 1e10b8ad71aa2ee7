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
_SEEN = ("ideal", "salience")  # what observers' perceived utilities depend on
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
    return float(min(max(new, low), high))  # np.clip, without its cost on a scalar


def apply_effects(
    effects: list[Effect], arrays: dict[str, np.ndarray], actors: list[str], issues: list[str]
) -> list[dict[str, Any]]:
    """Apply effects in order to per-actor parameter arrays (keyed as in the scenario arrays:
    "outside", "ideal", ...), in place; return what changed (actor, parameter, issue, before,
    after; None where a value is missing, e.g. no outside option)."""
    changes = []
    for effect in effects:
        i = actors.index(effect.actor)
        array = arrays[_ARRAYS[effect.parameter]]
        at: Any = i if effect.issue is None else (i, issues.index(effect.issue))
        before = float(array[at])
        array[at] = changed(before, effect)
        changes.append(
            {
                "actor": effect.actor,
                "parameter": effect.parameter,
                "issue": effect.issue,
                "before": _number(before),
                "after": _number(float(array[at])),
            }
        )
    return changes


class EventBook:
    """The scenario's events for one run: decides which fire each round and applies them."""

    def __init__(self, spec: Scenario, model: BargainingModel) -> None:
        self.spec, self.model = spec, model
        self.pending = list(range(len(spec.events)))
        self.fired: list[dict[str, Any]] = []
        self.order: list[int] = []  # indices of the events that fired, in firing order

    def fire(self, t: int) -> list[dict[str, Any]]:
        """Fire the events due at round t (each at most once); return their entries."""
        fired = []
        for e in list(self.pending):
            event = self.spec.events[e]
            # Every pending hazard event draws every round, so draws do not depend on outcomes.
            due = (
                event.round == t if event.hazard is None else self.model.rng.random() < event.hazard
            )
            if due:
                self.pending.remove(e)
                self.order.append(e)  # first: the model keys what it shares by the events fired
                entry = {"round": t, "name": event.name, **self.apply(e)}
                self.fired.append(entry)
                fired.append(entry)
        return fired

    def apply(self, e: int) -> dict[str, Any]:
        """Apply event e's effects and closures to the model's per-run parameters; return what
        changed: `changes` (actor, parameter, issue, before, after; None where a value is
        missing, e.g. no outside option) and `closed` (issue: value, for issues still open)."""
        m, event = self.model, self.spec.events[e]
        m.own_parameters()
        arrays = {name: getattr(m, name) for name in _ARRAYS.values()}
        changes = apply_effects(event.effects, arrays, m.actor_keys, m.issue_keys)
        closed = {}
        for issue, value in event.close.items():
            k = m.issue_keys.index(issue)
            if np.isnan(m.closed[k]):
                m.close(k, self.spec.issues[issue].value_of(value), agreed=False)
                closed[issue] = value
        m.after_event({m.actor_keys.index(e.actor) for e in event.effects if e.parameter in _SEEN})
        return {"changes": changes, "closed": closed}


def _number(value: float) -> float | None:
    """A finite value, or None (JSON has no NaN or infinity)."""
    return value if np.isfinite(value) else None
