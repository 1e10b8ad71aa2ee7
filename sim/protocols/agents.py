"""The negotiating agents of the alternating-offers model: thin Mesa agents that ask the model
for utilities and the strategy functions for what to demand, offer and accept."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import strategies
from sim.scenario.models import Actor

if TYPE_CHECKING:
    from sim.protocols.alternating import BargainingModel


@dataclass(slots=True)
class Answer:
    """A reply and its reason: the proposal's utility against the threshold and what the
    settlement judged (the issues that would close, as indices) is sure to give against the
    floor; or a walk-out. `p` is the probability with which it accepts such an answer's margin
    (0 or 1 unless λ is finite)."""

    accept: bool
    utility: float
    threshold: float
    walkout: bool = False
    p: float = 0.0
    settlement: list[int] = field(default_factory=list)
    sure: float = math.nan  # what the settlement is sure to give it
    floor: float = math.nan  # what it must be sure of


class Negotiator(mesa.Agent):
    """One actor. It keeps only its strategy state; utilities come from the model's tables."""

    def __init__(self, model: BargainingModel, key: str, index: int, spec: Actor) -> None:
        super().__init__(model)
        self.bargaining = model  # the model, typed (Mesa's `model` is a plain Model)
        self.key, self.index, self.spec = key, index, spec
        self.strategy = spec.strategy  # read every round
        self.aspiration: float | None = None  # reciprocal strategy state
        self.last_seen: float | None = None  # own utility of the last offer made by others
        self.draw: tuple[int, float] | None = None  # this round's uniform draw for noisy answers
        self._threshold: tuple[int, float] | None = None  # this round's threshold

    def demand(self, t: int) -> float:
        """The utility this actor aims for at round t, by its strategy. A concession player's
        depends only on the state and the round, so the scenario's runs share it (with its
        threshold, `threshold`)."""
        m, s = self.bargaining, self.strategy
        if s.type == "concession":
            kept, key = m.state_tables(), ("demand", self.index, t)
            if key not in kept:
                u_max, u_res = m.best_utility(self.index), m.disagreement(self.index)
                tau = m.relative_time(t)
                kept[key] = strategies.concession_aspiration(tau, u_max, u_res, s.e)
            return kept[key]  # type: ignore[no-any-return]
        u_max, u_res = m.best_utility(self.index), m.disagreement(self.index)
        if s.type == "reciprocal":
            return u_max if self.aspiration is None else max(self.aspiration, u_res)
        return m.equilibrium_value(self.index, t)

    def propose(self, t: int) -> tuple[np.ndarray, int | None]:
        """The package to offer (and its grid row, if it is one): as demanding as the strategy
        says, and otherwise as acceptable to the other veto players as possible."""
        m = self.bargaining
        if self.strategy.type == "equilibrium":
            return m.equilibrium_offer(self.index, t), None
        return m.offer(self.index, self.demand(t))

    def walks_out(self) -> bool:
        """Whether its outside option beats anything still on the table (its best utility)."""
        m, i = self.bargaining, self.index
        return m.scalars()["outside"][i] > m.best_utility(i) + 1e-12

    def threshold(self, t: int) -> float:
        """What a proposal must be worth to it at round t: its outside option, what it expects
        from going on (δ × its demand next round), and its disagreement payoff, undiscounted: as
        Faratin's reservation value, a concession or reciprocal player never accepts less. An
        equilibrium player counts the reversion discounted to the deadline, as backward induction
        does."""
        m, i = self.bargaining, self.index
        if self.strategy.type == "concession":
            kept, key = m.state_tables(), ("threshold", i, t)
            if key not in kept:
                kept[key] = self._threshold_now(t)
            return kept[key]  # type: ignore[no-any-return]
        return self._threshold_now(t)

    def _threshold_now(self, t: int) -> float:
        """`threshold`, computed."""
        m, i = self.bargaining, self.index
        scalars = m.scalars()
        outside, delta = scalars["outside"][i], scalars["patience"][i]
        if self.strategy.type == "equilibrium":
            floor = m.reversion_utility(i) * m.patience[i] ** (m.deadline - t)
        else:
            floor = m.disagreement(i)
        continuation = delta * self.demand(t + 1) if t + 1 < m.deadline else -math.inf
        return float(
            strategies.acceptance_threshold(
                -math.inf if math.isnan(outside) else outside, float(floor), continuation
            )
        )

    def floor(self, t: int, completes: bool) -> float:
        """What it must be sure of from a settlement: its disagreement payoff, or, when the
        settlement leaves some issue it vetoes open (so it keeps its outside option should that
        issue fail), the utility of the reversion alone. Equilibrium players: their threshold's
        own floor (the reversion discounted to the deadline, or the outside option)."""
        m, i = self.bargaining, self.index
        if self.strategy.type == "equilibrium":
            outside = -math.inf if np.isnan(m.outside[i]) else float(m.outside[i])
            return max(outside, m.reversion_utility(i) * m.patience[i] ** (m.deadline - t))
        return m.disagreement(i) if completes else m.reversion_utility(i)

    def judge(
        self,
        offer: float,
        sure: float,
        t: int,
        completes: bool = True,
        proposer: bool = False,
        settlement: list[int] | None = None,
    ) -> Answer:
        """Answer a proposal worth `offer` to it when the settlement it would actually get is
        worth at least `sure`: the proposal must clear its threshold and the settlement its floor.
        The answer is yes with probability σ(λ·m) on the smaller margin m (exact when λ = ∞), one
        uniform draw per round. The proposer judges only the settlement, and exactly: the
        proposal is its own. `settlement`: the issues that would close (for the record; kept, not
        copied)."""
        m = self.bargaining
        floor = self.floor(t, completes)
        if proposer:
            threshold, margin, rationality = math.nan, sure - floor, math.inf
        else:
            if self._threshold is None or self._threshold[0] != t:  # fixed within a round
                self._threshold = (t, self.threshold(t))
            threshold = self._threshold[1]
            margin = min(offer - threshold, sure - floor)
            rationality = m.scalars()["rationality"][self.index]
        p = strategies.accept_probability(margin, 0.0, rationality)
        if 0.0 < p < 1.0 and (self.draw is None or self.draw[0] != t):
            self.draw = (t, float(m.rng.random()))
        accept = p >= 1.0 or (p > 0.0 and self.draw is not None and self.draw[1] < p)
        return Answer(
            bool(accept),
            float(offer),
            threshold,
            p=float(p),
            settlement=[] if settlement is None else settlement,
            sure=float(sure),
            floor=float(floor),
        )

    def observe(self, utility: float) -> None:
        """Reciprocal strategy: concede in proportion to what the others just conceded."""
        s = self.strategy
        if s.type == "reciprocal":
            m = self.bargaining
            current = m.best_utility(self.index) if self.aspiration is None else self.aspiration
            gain = 0.0 if self.last_seen is None else utility - self.last_seen
            self.aspiration = strategies.reciprocal_aspiration(
                current, m.disagreement(self.index), gain, s.beta, s.base
            )
        self.last_seen = utility
