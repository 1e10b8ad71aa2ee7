"""Bueno de Mesquita's expected-utility model, as read by Scholz, Calbert & Smith (2011): pure numpy.

Every function works on one issue: 1-D arrays of capability ``c``, salience ``s`` (in [0, 1]) and
position ``x``, one entry per actor. Matrices are indexed ``[i, j]`` = "actor i against actor j";
vote tensors ``[k, i, j]`` = "voter k on x_i against x_j". The readings chosen where the paper is
ambiguous are listed in docs/expected_utility.md and selected by `EUSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

ProbabilityRule = Literal["scholz", "pairwise"]
SelectionRule = Literal["scholz", "lowest", "nearest"]

# Offer kinds as seen by the receiver of the offer (codes in `offers`).
NONE, CONFLICT, COMPROMISE, COMPEL = 0, 1, 2, 3
KIND_NAMES = {NONE: "none", CONFLICT: "conflict", COMPROMISE: "compromise", COMPEL: "compel"}


@dataclass(frozen=True)
class EUSettings:
    """Model constants and the readings of the ambiguous steps (defaults: Scholz et al.)."""

    q: float = 1.0  # probability that the status quo holds if nobody challenges
    t: float = 1.0  # probability that, absent a challenge, a change is for the better
    probability: ProbabilityRule = "scholz"
    selection: SelectionRule = "scholz"

    def __post_init__(self) -> None:
        if not (0.0 <= self.q <= 1.0 and 0.0 <= self.t <= 1.0):
            raise ValueError(f"q and t must lie in [0, 1], got q={self.q}, t={self.t}")
        if self.probability not in ("scholz", "pairwise"):
            raise ValueError(
                f"probability must be 'scholz' or 'pairwise', not {self.probability!r}"
            )
        if self.selection not in ("scholz", "lowest", "nearest"):
            raise ValueError(
                f"selection must be 'scholz', 'lowest' or 'nearest', not {self.selection!r}"
            )


def weighted_mean(x: np.ndarray, weight: np.ndarray) -> float:
    """The weight-averaged position (the baseline forecast; weights are capability × salience)."""
    w = np.asarray(weight, dtype=float)
    if w.sum() <= 0:
        return float(np.mean(x))
    return float(np.dot(w, x) / w.sum())


def weighted_median(x: np.ndarray, weight: np.ndarray) -> float:
    """The position that beats every other in pairwise votes with linear losses (the weighted median).

    A position is a median when the weight on either side of it is at most the weight on the other
    side plus its own. When exactly half the weight lies at or below one position, every point up to
    the next position ties and the midpoint of that interval is returned. The weight below is summed
    upwards and the weight above downwards, so reflecting the positions reflects the median exactly.
    """
    x, w = np.asarray(x, dtype=float), np.asarray(weight, dtype=float)
    if w.sum() <= 0:
        w = np.ones_like(x)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    start = np.flatnonzero(np.concatenate(([True], xs[1:] != xs[:-1])))
    values, at = xs[start], np.add.reduceat(w[order], start)  # each position's weight
    below = np.concatenate(([0.0], np.cumsum(at)[:-1]))
    above = np.concatenate((np.cumsum(at[::-1])[:-1][::-1], [0.0]))
    slack = 1e-12 * w.sum()
    median = values[(below <= above + at + slack) & (above <= below + at + slack)]
    return float((median[0] + median[-1]) / 2.0)


def vote_tensor(
    c: np.ndarray, s: np.ndarray, x: np.ndarray, r: np.ndarray, span: float
) -> np.ndarray:
    """``V[k, i, j]``: voter k's vote for x_i over x_j, c_k·s_k·((|x_k−x_j|/Δ)^r_k − (|x_k−x_i|/Δ)^r_k)."""
    dist = (np.abs(x[:, None] - x[None, :]) / span) ** np.asarray(r, dtype=float)[:, None]
    return (c * s)[:, None, None] * (dist[:, None, :] - dist[:, :, None])


def win_probability(votes: np.ndarray, rule: ProbabilityRule = "scholz") -> np.ndarray:
    """``P[i, j]``: probability that i prevails when it challenges j, from a vote tensor.

    The numerator is the vote i's side gathers, Σ_k max(V[k,i,j], 0). "pairwise" divides it by the
    absolute votes cast in that contest (BDM's textbook form, P_ij + P_ji = 1); "scholz" divides it
    by the absolute votes of every voter over every pair of actors (Scholz et al.'s code).
    """
    top = np.clip(votes, 0.0, None).sum(axis=0)
    if rule == "pairwise":
        bottom = np.abs(votes).sum(axis=0)
    else:
        bottom = np.full(top.shape, np.abs(votes).sum())
    p = np.divide(top, bottom, out=np.zeros_like(top), where=bottom > 0)
    np.fill_diagonal(p, 0.0)
    return p


def challenge_utility(
    x: np.ndarray,
    s: np.ndarray,
    p: np.ndarray,
    r: np.ndarray | float,
    span: float,
    mu: float,
    q: float = 1.0,
    t: float = 1.0,
) -> np.ndarray:
    """``EU[a, b]``: expected utility of a challenging b, with risk exponents ``r`` (broadcast to n×n).

    EU = s_b[P·U_s + (1−P)·U_f] + (1−s_b)·U_s − Q·U_sq − (1−Q)[T·U_b + (1−T)·U_w], with
    U(z) = 2 − 4·z^r: U_s at z = ½ − ½d, U_f at ½ + ½d, U_sq at ½, U_b and U_w at ½ ∓ ¼(d_μ + d),
    d = |x_a − x_b|/Δ and d_μ = |x_a − μ|/Δ (μ the weighted median).
    """
    n = x.size
    r = np.broadcast_to(np.asarray(r, dtype=float), (n, n))
    d = np.minimum(np.abs(x[:, None] - x[None, :]) / span, 1.0)  # 1 + rounding would give NaN
    d_mu = np.broadcast_to((np.abs(x - mu) / span)[:, None], (n, n))
    u_success = 2 - 4 * (0.5 - 0.5 * d) ** r
    u_failure = 2 - 4 * (0.5 + 0.5 * d) ** r
    u_status_quo = 2 - 4 * 0.5**r
    u_better = 2 - 4 * np.clip(0.5 - 0.25 * (d_mu + d), 0.0, None) ** r
    u_worse = 2 - 4 * (0.5 + 0.25 * (d_mu + d)) ** r
    resist = s[None, :]
    eu = resist * (p * u_success + (1 - p) * u_failure) + (1 - resist) * u_success
    eu -= q * u_status_quo + (1 - q) * (t * u_better + (1 - t) * u_worse)
    np.fill_diagonal(eu, 0.0)
    return eu


def security(eu: np.ndarray) -> np.ndarray:
    """Each actor's danger: the sum of the others' expected utilities of challenging it."""
    return eu.sum(axis=0) - np.diag(eu)


def risk_exponents(danger: np.ndarray) -> np.ndarray:
    """r_i = (1 − R_i/3)/(1 + R_i/3) with R_i = (2·danger_i − max − min)/(max − min), in [½, 2]."""
    lo, hi = float(danger.min()), float(danger.max())
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return np.ones_like(danger)
    big_r = (2 * danger - hi - lo) / (hi - lo)
    return (1 - big_r / 3) / (1 + big_r / 3)


def perceived_utilities(
    x: np.ndarray,
    s: np.ndarray,
    p: np.ndarray,
    r: np.ndarray,
    span: float,
    mu: float,
    q: float,
    t: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Both sides' expected utilities as receiver i sees them, each with i's own exponent r_i.

    Returns ``(own, other)`` with own[i, j] = E_i(U_ij) (i challenging j) and other[i, j] = E_i(U_ji)
    (j challenging i), so the pair ``(own[i, j], other[i, j])`` places j in i's quadrant chart.
    """
    own = challenge_utility(x, s, p, r[:, None], span, mu, q, t)
    other = challenge_utility(x, s, p, r[None, :], span, mu, q, t).T
    return own, other


def offers(x: np.ndarray, own: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Classify each pair from the receiver's side and the position each sender demands of it.

    For receiver i and sender j (a = own[i, j], b = other[i, j]): conflict that i loses when
    b > a > 0 (i moves to x_j); compromise when b > 0 > a and b > |a| (i moves the fraction |a|/b of
    the way to x_j); compel when b > 0 > a and |a| > b (i moves to x_j). Every other quadrant —
    i wins, or both expect losses (status quo) — asks nothing of i. Returns ``(kind, target)``.
    """
    a, b = own, other
    distinct = x[:, None] != x[None, :]
    conflict = distinct & (b > a) & (a > 0)
    gives = distinct & (b > 0) & (a < 0)
    compromise = gives & (b > -a)
    compel = gives & (-a > b)
    kind = np.select([conflict, compromise, compel], [CONFLICT, COMPROMISE, COMPEL], NONE)
    ratio = np.divide(np.abs(a), b, out=np.zeros_like(a), where=b > 0)
    shift = x[:, None] + (x[None, :] - x[:, None]) * ratio
    target = np.where(kind == COMPROMISE, shift, np.broadcast_to(x[None, :], a.shape))
    return kind, np.where(kind == NONE, np.nan, target)


def compromise_rank(
    x: np.ndarray, own: np.ndarray, other: np.ndarray, rule: SelectionRule = "scholz"
) -> np.ndarray:
    """``K[i, j]``: receiver i's sort key for a compromise offered by j, smallest accepted first.

    Both rules rank by the EU-weighted point (|a|·x_i + b·x_j)/(|a| + b), the quantity Scholz et
    al.'s code ranks by. "scholz": its distance from x_i, farthest first, so the choice does not
    depend on which end of the scale is low. "lowest": the point itself, lowest first, verbatim from
    Scholz et al.'s code (it favours the low end of the scale).
    """
    a, b = np.abs(own), np.abs(other)
    stake = a + b
    if rule == "lowest":
        point = a * x[:, None] + b * x[None, :]
        return np.divide(point, stake, out=np.zeros_like(a), where=stake > 0)
    pull = b * np.abs(x[None, :] - x[:, None])  # |point − x_i| = b·|x_j − x_i|/(|a| + b)
    return -np.divide(pull, stake, out=np.zeros_like(a), where=stake > 0)


def choose_offers(
    x: np.ndarray,
    kind: np.ndarray,
    target: np.ndarray,
    own: np.ndarray,
    other: np.ndarray,
    rule: SelectionRule = "scholz",
) -> tuple[np.ndarray, np.ndarray]:
    """Each receiver accepts its most credible offer; returns ``(new_positions, sender or -1)``.

    "scholz" and "lowest": a lost conflict beats a compromise, which beats compel; among conflicts
    and compels the nearest target wins, among compromises the first by `compromise_rank`.
    "nearest": the offer needing the smallest move, whatever its kind (the rule as the paper's text
    states it). Ties go to the sender listed first.
    """
    n = x.size
    new_x, sender = x.astype(float).copy(), np.full(n, -1)
    move = np.abs(target - x[:, None])
    if rule != "nearest":
        compromise_key = compromise_rank(x, own, other, rule)
    for i in range(n):
        if rule == "nearest":
            score = np.where(kind[i] != NONE, move[i], np.inf)
        else:
            for k in (CONFLICT, COMPROMISE, COMPEL):
                if np.any(kind[i] == k):
                    key = compromise_key[i] if k == COMPROMISE else move[i]
                    score = np.where(kind[i] == k, key, np.inf)
                    break
            else:
                continue
        j = int(np.argmin(score))
        if np.isfinite(score[j]):
            new_x[i], sender[i] = target[i, j], j
    return new_x, sender


@dataclass(frozen=True)
class RoundResult:
    """What one round computed: risk exponents, offer kinds, who moved whom, new positions."""

    risk: np.ndarray
    kind: np.ndarray
    sender: np.ndarray
    position: np.ndarray


def play_round(
    c: np.ndarray, s: np.ndarray, x: np.ndarray, span: float, settings: EUSettings = EUSettings()
) -> RoundResult:
    """One round: risk exponents from security (all r = 1), then offers with those exponents,
    then every actor moves at once to the offer it accepts."""
    weight = c * s
    mu = weighted_median(x, weight)
    ones = np.ones_like(x)
    p1 = win_probability(vote_tensor(c, s, x, ones, span), settings.probability)
    danger = security(challenge_utility(x, s, p1, 1.0, span, mu, settings.q, settings.t))
    r = risk_exponents(danger)
    p = win_probability(vote_tensor(c, s, x, r, span), settings.probability)
    own, other = perceived_utilities(x, s, p, r, span, mu, settings.q, settings.t)
    kind, target = offers(x, own, other)
    new_x, sender = choose_offers(x, kind, target, own, other, settings.selection)
    return RoundResult(risk=r, kind=kind, sender=sender, position=new_x)


def position_span(x: np.ndarray) -> float:
    """The range Δ that normalises distances (max − min of the initial positions; 1 if all equal)."""
    span = float(np.max(x) - np.min(x))
    return span if span > 0 else 1.0


def position_centre(x: np.ndarray) -> float:
    """The midpoint of the initial range, the origin the model computes from.

    Offsets from it change sign, and nothing else, when the scale is reflected (x → max + min − x),
    so every step of a round mirrors exactly in floating point too.
    """
    return float((np.max(x) + np.min(x)) / 2.0)
