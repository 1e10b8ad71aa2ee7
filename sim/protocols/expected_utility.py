"""Bueno de Mesquita's expected-utility forecasting model (MODEL.md §2b) as a Mesa model.

The agents are the actors of one issue; each round the model computes risk exponents, pairwise
expected utilities and offers with `sim.protocols.eu_maths`, and every actor then moves at once to
the offer it accepts. Positions are held as offsets from the centre of the initial range, so a
reflected table (x → max + min − x) plays the mirror image of the same rounds, bit for bit. The
model is deterministic; it takes ``rng`` only to fit the Mesa convention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from sim.protocols import eu_maths
from sim.protocols.eu_maths import EUSettings, ProbabilityRule, SelectionRule


class Stakeholder(mesa.Agent):
    """One actor on the issue: fixed capability and salience, a position that moves."""

    model: ExpectedUtilityModel

    def __init__(
        self,
        model: ExpectedUtilityModel,
        index: int,
        capability: float,
        salience: float,
        offset: float,
    ) -> None:
        super().__init__(model)
        self.index, self.capability, self.salience = index, capability, salience
        self.offset = offset  # position minus the model's centre
        self.risk = 1.0  # risk exponent of the last round
        self.accepted_from: int = -1  # index of the actor whose offer it accepted last round

    @property
    def position(self) -> float:
        """The actor's position on the issue's own scale."""
        return self.model.centre + self.offset


@dataclass(frozen=True)
class EUForecast:
    """A finished run: per-round weighted medians and means (round 0 = the input), final values."""

    medians: list[float]
    means: list[float]
    positions: list[list[float]]
    forecast: float
    mean: float

    def to_dict(self) -> dict[str, Any]:
        """The run as plain data: one entry per round, then the forecast and the mean."""
        rounds = [
            {"round": t, "median": m, "mean": a, "positions": p}
            for t, (m, a, p) in enumerate(
                zip(self.medians, self.means, self.positions, strict=True)
            )
        ]
        return {"rounds": rounds, "forecast": self.forecast, "mean": self.mean}


def _check_inputs(capability: Any, position: Any, salience: Any) -> tuple[np.ndarray, ...]:
    """Validate the three arrays and return them as floats (salience scaled to [0, 1])."""
    c, x, s = (np.asarray(a, dtype=float) for a in (capability, position, salience))
    if not (c.ndim == x.ndim == s.ndim == 1 and c.size == x.size == s.size and c.size > 0):
        raise ValueError("capability, position and salience must be 1-D arrays of one length")
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(x)) and np.all(np.isfinite(s))):
        raise ValueError("capability, position and salience must be finite")
    if np.any(c < 0) or np.any(s < 0):
        raise ValueError("capability and salience must not be negative")
    if s.max() > 1.0:  # saliences given on 0-100
        s = s / 100.0
    if np.any(s > 1.0):
        raise ValueError("salience must lie in [0, 1] or [0, 100]")
    return c, x, s


class ExpectedUtilityModel(mesa.Model):
    """Rounds of challenges and offers among the actors of one issue (Scholz et al. 2011)."""

    def __init__(
        self,
        capability: Any,
        position: Any,
        salience: Any,
        rounds: int = 8,
        rng: Any = None,
        q: float = 1.0,
        t: float = 1.0,
        probability: ProbabilityRule = "scholz",
        selection: SelectionRule = "scholz",
    ) -> None:
        super().__init__(rng=rng)
        c, x, s = _check_inputs(capability, position, salience)
        if rounds < 0:
            raise ValueError(f"rounds must be >= 0, got {rounds}")
        self.settings = EUSettings(q=q, t=t, probability=probability, selection=selection)
        self.rounds = rounds
        self.capability, self.salience = c, s
        self.centre = eu_maths.position_centre(x)
        offset = x - self.centre
        self.span = eu_maths.position_span(offset)  # of the offsets, so no distance exceeds it
        self.stakeholders = [
            Stakeholder(self, i, float(c[i]), float(s[i]), float(offset[i])) for i in range(c.size)
        ]
        self.round = 0
        self.medians: list[float] = []
        self.means: list[float] = []
        self.history: list[list[float]] = []
        self._record()

    @property
    def offset(self) -> np.ndarray:
        """Current positions minus the centre, in actor order (what the rounds compute with)."""
        return np.array([a.offset for a in self.stakeholders])

    @property
    def position(self) -> np.ndarray:
        """Current positions, in actor order."""
        return self.centre + self.offset

    def _record(self) -> None:
        z, w = self.offset, self.capability * self.salience
        self.medians.append(self.centre + eu_maths.weighted_median(z, w))
        self.means.append(self.centre + eu_maths.weighted_mean(z, w))
        self.history.append([float(v) for v in self.centre + z])

    def step(self) -> None:
        """Play one round; past the last round nothing happens."""
        if self.round >= self.rounds:
            self.running = False
            return
        result = eu_maths.play_round(
            self.capability, self.salience, self.offset, self.span, self.settings
        )
        for agent in self.stakeholders:
            agent.offset = float(result.position[agent.index])
            agent.risk = float(result.risk[agent.index])
            agent.accepted_from = int(result.sender[agent.index])
        self.round += 1
        self._record()
        self.running = self.round < self.rounds

    def run(self) -> EUForecast:
        """Play the remaining rounds and return the forecast."""
        while self.round < self.rounds:
            self.step()
        return self.result()

    def result(self) -> EUForecast:
        """The record so far as an `EUForecast`."""
        return EUForecast(
            medians=list(self.medians),
            means=list(self.means),
            positions=[list(p) for p in self.history],
            forecast=self.medians[-1],
            mean=self.means[-1],
        )


def forecast_issue(
    capability: Any,
    position: Any,
    salience: Any,
    rounds: int = 8,
    q: float = 1.0,
    t: float = 1.0,
    probability: ProbabilityRule = "scholz",
    selection: SelectionRule = "scholz",
) -> EUForecast:
    """Forecast one issue: run `ExpectedUtilityModel` for ``rounds`` rounds.

    Saliences may be given on [0, 1] or on 0–100 (scaled when any exceeds 1).
    """
    model = ExpectedUtilityModel(
        capability,
        position,
        salience,
        rounds=rounds,
        q=q,
        t=t,
        probability=probability,
        selection=selection,
    )
    return model.run()
