"""The negotiating agents of the alternating-offers model: thin Mesa agents that ask the model
for utilities and the strategy functions for what to demand, offer and accept."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import strategies
from sim.scenario.models import Actor

if TYPE_CHECKING:
    from sim.protocols.alternating import BargainingModel


@dataclass
class Answer:
    """A responder's reply and its reason: utility against threshold (or a walk-out), and the
    probability `p` with which it accepts such an offer (0 or 1 unless λ is finite)."""

    accept: bool
    utility: float
    threshold: float
    walkout: bool = False
    p: float = 0.0


class Negotiator(mesa.Agent):
    """One actor. It keeps only its strategy state; utilities come from the model's tables."""

    def __init__(self, model: BargainingModel, key: str, index: int, spec: Actor) -> None:
        super().__init__(model)
        self.key, self.index, self.spec = key, index, spec
        self.aspiration: float | None = None  # reciprocal strategy state
        self.last_seen: float | None = None  # own utility of the last offer made by others

    @property
    def bargaining(self) -> BargainingModel:
        """The model, typed."""
        return self.model  # type: ignore[return-value]

    def demand(self, t: int) -> float:
        """The utility this actor aims for at round t, by its strategy."""
        m, s = self.bargaining, self.spec.strategy
        u_max, u_res = m.best_utility(self.index), m.disagreement(self.index)
        if s.type == "concession":
            return strategies.concession_aspiration(m.relative_time(t), u_max, u_res, s.e)
        if s.type == "reciprocal":
            return u_max if self.aspiration is None else max(self.aspiration, u_res)
        return m.equilibrium_value(self.index, t)

    def propose(self, t: int) -> tuple[np.ndarray, int | None]:
        """The package to offer (and its grid row, if it is one): as demanding as the strategy
        says, and otherwise as acceptable to the other veto players as possible."""
        m = self.bargaining
        if self.spec.strategy.type == "equilibrium":
            return m.equilibrium_offer(self.index, t), None
        own, margins = m.offer_tables(self.index)
        choice = strategies.choose_offer(own, self.demand(t), margins)
        return m.grid[choice], choice

    def respond(self, package: np.ndarray, row: int | None, t: int) -> Answer:
        """Accept or reject by comparing the package's utility with the acceptance threshold."""
        m, i = self.bargaining, self.index
        u = m.utility_of(package, i) if row is None else float(m.true_utilities()[row, i])
        outside, delta = m.outside[i], m.patience[i]
        if outside > m.best_utility(i) + 1e-12:
            return Answer(False, u, float(outside), walkout=True)
        self.observe(u)
        reversion_now = m.reversion_utility(i) * delta ** (m.deadline - t)
        continuation = delta * self.demand(t + 1) if t + 1 < m.deadline else -math.inf
        threshold = strategies.acceptance_threshold(
            -math.inf if np.isnan(outside) else float(outside), reversion_now, continuation
        )
        p = strategies.accept_probability(u, threshold, float(m.rationality[i]))
        accept = p >= 1.0 or (p > 0.0 and m.rng.random() < p)
        return Answer(bool(accept), u, threshold, p=float(p))

    def observe(self, utility: float) -> None:
        """Reciprocal strategy: concede in proportion to what the others just conceded."""
        s = self.spec.strategy
        if s.type == "reciprocal":
            m = self.bargaining
            current = m.best_utility(self.index) if self.aspiration is None else self.aspiration
            gain = 0.0 if self.last_seen is None else utility - self.last_seen
            self.aspiration = strategies.reciprocal_aspiration(
                current, m.disagreement(self.index), gain, s.beta, s.base
            )
        self.last_seen = utility
