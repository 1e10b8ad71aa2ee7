"""Negotiation strategies as pure functions: how much to demand, which offer to make, when to accept.

Relative time τ = t / (T − 1) ∈ [0, 1], so the last round (t = T − 1) sits at τ = 1.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def concession_aspiration(tau: float, u_max: float, u_res: float, e: float) -> float:
    """Faratin, Sierra & Jennings (1998) time-dependent aspiration.

    a(τ) = u_max − (u_max − u_res)·τ^(1/e): e < 1 Boulware (holds out), e = 1 linear,
    e > 1 conceder (gives ground early). Never below u_res.
    """
    tau = min(max(tau, 0.0), 1.0)
    return u_max - (u_max - u_res) * tau ** (1.0 / e)


def reciprocal_aspiration(
    previous: float, u_res: float, others_concession: float, beta: float, base: float
) -> float:
    """Tit-for-tat: lower the aspiration by β times what the others conceded last round (measured
    in the actor's own utility), plus a small `base` step so that two reciprocators do not
    deadlock (Axelrod's nice, forgiving reciprocity applied to concessions)."""
    return max(u_res, previous - beta * max(others_concession, 0.0) - base)


def choose_offer(own: Array, aspiration: float, worst: Array) -> int:
    """Index of the offer to propose among candidate packages.

    `own` (n,) is the proposer's utility of each package; `worst` (n,) is, as the proposer
    perceives it, the smallest margin of any other veto player (its utility minus its
    disagreement payoff). Among packages worth at least the aspiration (or, if none is, those
    worth the most), pick the one whose worst-off veto player is best off (the most acceptable),
    breaking ties by the proposer's own utility. Cost: O(n) per offer.
    """
    feasible = (own >= aspiration - 1e-12).nonzero()[0]
    if not len(feasible):
        feasible = (own >= own.max() - 1e-12).nonzero()[0]
    score = worst[feasible]
    ties = feasible[score >= score.max() - 1e-9]  # in index order
    return int(ties[own[ties].argmax()])  # the first of the ties' best


def acceptance_threshold(outside: float, reversion_now: float, continuation: float) -> float:
    """What an actor needs to accept now: its outside option (available at any time), the
    reversion it would get at the deadline (already discounted to now), and what it expects
    from going on (already discounted to now), whichever is highest."""
    return max(outside, reversion_now, continuation)


def accept_probability(utility: float, threshold: float, rationality: float) -> float:
    """Noisy acceptance σ(λ·(U − threshold)); λ = ∞ accepts exactly when U ≥ threshold.
    Scalar maths (`math`, not numpy): it is called for every answer."""
    if math.isinf(rationality):
        return 1.0 if utility >= threshold - 1e-12 else 0.0
    z = min(max(rationality * (utility - threshold), -700.0), 700.0)
    return 1.0 / (1.0 + math.exp(-z))


def safety_margin(noise: tuple[float, float]) -> float:
    """How much more than its beliefs say is needed an equilibrium proposer concedes, in issue
    units, when the two players see each other's ideal points with errors of s.d. `noise`. An
    offer misses by the proposer's error about the responder plus (discounted) the responder's
    error about the proposer, which moves what the responder expects from proposing next; the
    margin is two standard deviations of that sum, 2·√(σ₁² + σ₂²), so an offer fails only on a
    large error. Zero without noise (the exact subgame-perfect offer)."""
    return 2.0 * math.hypot(noise[0], noise[1])


def one_issue_offer(
    ideal_proposer: float, ideal_responder: float, rho: float, need: float, margin: float = 0.0
) -> float:
    """The value on one issue closest to the proposer's ideal that still gives a responder with
    v(x) = 1 − |x − x*|^ρ at least `need`: solved exactly, no grid. A `margin` moves the offer
    that much further toward the responder's ideal (never past it)."""
    slack = max(1.0 - need, 0.0) ** (1.0 / rho)
    gap = ideal_proposer - ideal_responder
    return ideal_responder + np.sign(gap) * max(min(abs(gap), slack) - margin, 0.0)


def equilibrium_path(
    ideals: tuple[float, float],
    rhos: tuple[float, float],
    deltas: tuple[float, float],
    disagreement: tuple[float, float],
    horizon: int,
    first: int = 0,
    margin: float = 0.0,
) -> tuple[list[float], list[tuple[float, float]]]:
    """Subgame-perfect offers for two actors splitting one issue over a finite horizon.

    Backward induction (Ståhl 1972; Rubinstein 1982 as T → ∞): after the deadline each side has
    its disagreement payoff; at round t the proposer offers the responder exactly δ_r times its
    value of round t + 1 (plus `margin` in issue units, see `safety_margin`, after which it always
    offers) and keeps the rest. Returns the offer at every round and each actor's value (undiscounted, in that round's
    terms) at every round.
    """

    def utility(who: int, x: float) -> float:
        return 1.0 - abs(x - ideals[who]) ** rhos[who]

    values: list[tuple[float, float]] = [disagreement]
    offers: list[float] = []
    for t in reversed(range(horizon)):
        proposer = (first + t) % 2
        responder = 1 - proposer
        need = deltas[responder] * values[0][responder]
        x = one_issue_offer(ideals[proposer], ideals[responder], rhos[responder], need, margin)
        # The proposer may do better by letting the talks run on (in the exact game: a proposer
        # that shades its offers always offers, or each would wait for the other to shade).
        if margin == 0.0 and utility(proposer, x) < deltas[proposer] * values[0][proposer]:
            value = (deltas[0] * values[0][0], deltas[1] * values[0][1])
        else:
            value = (utility(0, x), utility(1, x))
        offers.insert(0, x)
        values.insert(0, value)
    return offers, values
