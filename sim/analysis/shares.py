"""Equilibrium shares of a unit surplus: Rubinstein alternating offers and Baron–Ferejohn.

Two-actor shares are reference points for the equilibrium strategy on one issue; Baron–Ferejohn
values are the reference for multilateral bargaining with random recognition. Pure numpy; scipy is
imported lazily and only when a Baron–Ferejohn tie needs a non-uniform mixing profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_TOL = 1e-10


def _check_discount(delta: float, name: str) -> float:
    """Return ``delta`` as a float after checking it lies in [0, 1]."""
    d = float(delta)
    if not 0.0 <= d <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {delta}")
    return d


def rubinstein_shares(delta1: float, delta2: float) -> tuple[float, float]:
    """Infinite-horizon alternating-offers split, player 1 proposing first (Rubinstein 1982).

    x1 = (1 − δ2)/(1 − δ1·δ2), x2 = 1 − x1; undefined when both players are perfectly patient.
    """
    d1 = _check_discount(delta1, "delta1")
    d2 = _check_discount(delta2, "delta2")
    if d1 * d2 >= 1.0:
        raise ValueError("Rubinstein shares are undefined when delta1 = delta2 = 1")
    x1 = (1.0 - d2) / (1.0 - d1 * d2)
    return x1, 1.0 - x1


def finite_horizon_offers(
    delta1: float,
    delta2: float,
    horizon: int,
    reversion_share1: float = 0.0,
    reversion_share2: float | None = None,
) -> np.ndarray:
    """Equilibrium split (player 1, player 2) agreed at each round t = 0 … T−1, by backward induction.

    Player 1 proposes at even rounds, player 2 at odd ones. After the deadline (round T) player 1
    gets ``reversion_share1`` and player 2 ``reversion_share2`` (default 1 − reversion_share1: the
    issue's reversion point splits the whole pie; pass 0 and 0 for the textbook shrinking pie).
    Row t is in round-t units: the responder is offered its discounted continuation value.
    """
    d1 = _check_discount(delta1, "delta1")
    d2 = _check_discount(delta2, "delta2")
    if int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon must be a positive integer number of rounds, got {horizon}")
    r1 = float(reversion_share1)
    r2 = 1.0 - r1 if reversion_share2 is None else float(reversion_share2)
    if not (0.0 <= r1 <= 1.0 and 0.0 <= r2 <= 1.0 and r1 + r2 <= 1.0 + _TOL):
        raise ValueError(f"reversion shares must lie in [0, 1] and sum to at most 1: {r1}, {r2}")
    offers = np.empty((int(horizon), 2))
    s1, s2 = r1, r2  # continuation values at the round after the one being solved
    for t in range(int(horizon) - 1, -1, -1):
        if t % 2 == 0:  # player 1 proposes and keeps all but player 2's discounted continuation
            s2 = d2 * s2
            s1 = 1.0 - s2
        else:
            s1 = d1 * s1
            s2 = 1.0 - s1
        offers[t] = s1, s2
    return offers


def finite_horizon_shares(
    delta1: float,
    delta2: float,
    horizon: int,
    reversion_share1: float = 0.0,
    reversion_share2: float | None = None,
) -> tuple[float, float]:
    """Round-0 equilibrium split of the T-round alternating-offers game (Ståhl–Rubinstein).

    As T grows the reversion term shrinks by δ1·δ2 every two rounds, so the split tends to
    :func:`rubinstein_shares`.
    """
    s1, s2 = finite_horizon_offers(delta1, delta2, horizon, reversion_share1, reversion_share2)[0]
    return float(s1), float(s2)


@dataclass(frozen=True)
class BFShares:
    """Stationary Baron–Ferejohn equilibrium of divide-the-dollar under a closed rule.

    ``values[i]``: ex-ante continuation value of player i; ``proposer_keeps[i]``: what i keeps when
    recognised; ``partner_share[j]``: what j is paid when included in a coalition (δ·v_j);
    ``coalition_probs[k, j]``: probability that proposer k includes j (one equilibrium mixing
    profile; values are unique, mixing over tied partners is not).
    """

    values: np.ndarray
    proposer_keeps: np.ndarray
    partner_share: np.ndarray
    coalition_probs: np.ndarray


def _cheapest_sums(v: np.ndarray, partners: int) -> np.ndarray:
    """For each proposer k, the sum of the ``partners`` smallest values among the other players."""
    n = v.size
    sums = np.empty(n)
    for k in range(n):
        others = np.sort(np.delete(v, k))
        sums[k] = others[:partners].sum()
    return sums


def _uniform_cheapest(v: np.ndarray, partners: int) -> np.ndarray:
    """Coalition probabilities buying the ``partners`` cheapest others, uniform over marginal ties."""
    n = v.size
    probs = np.zeros((n, n))
    for k in range(n):
        if partners == 0:
            continue
        others = np.delete(np.arange(n), k)
        marginal = np.sort(v[others])[partners - 1]
        below, tied = others[v[others] < marginal], others[v[others] == marginal]
        probs[k, below] = 1.0
        probs[k, tied] = (partners - below.size) / tied.size
    return probs


def _tie_mixing(
    p: np.ndarray, tied: np.ndarray, need: np.ndarray, target: np.ndarray, c: float, tau: float
) -> np.ndarray | None:
    """Mixing over the tied group: π[k, j] in [0, 1], Σ_j π[k, j] = need[k], c·τ·Σ_k p_k π[k, j] = target.

    Tries every proposer mixing uniformly over the tied others first; falls back to a linear
    feasibility problem. Returns an (n, |tied|) array or None when no profile fits.
    """
    n, b = p.size, tied.size
    allowed = np.ones((n, b), dtype=bool)
    allowed[tied, np.arange(b)] = False
    slots = allowed.sum(axis=1)
    uniform = np.where(allowed, (need / np.maximum(slots, 1))[:, None], 0.0)
    scale = max(1.0, abs(tau))
    if np.all(uniform <= 1.0) and np.allclose(
        c * tau * (p @ uniform), target, rtol=0.0, atol=1e-9 * scale
    ):
        return uniform
    from scipy.optimize import linprog

    idx = np.flatnonzero(allowed.ravel())
    a_eq, b_eq = [], []
    for k in range(n):  # each proposer buys exactly need[k] tied votes
        row = np.zeros(n * b)
        row[k * b : (k + 1) * b] = 1.0
        a_eq.append(row[idx])
        b_eq.append(need[k])
    for j in range(b):  # each tied player's inclusion rate keeps its value at tau
        row = np.zeros(n * b)
        row[np.arange(n) * b + j] = c * tau * p
        a_eq.append(row[idx])
        b_eq.append(target[j])
    res = linprog(
        np.zeros(idx.size),
        A_eq=np.array(a_eq),
        b_eq=np.array(b_eq),
        bounds=(0.0, 1.0),
        options={"primal_feasibility_tolerance": 1e-10},
    )
    if res.status != 0:
        return None
    # Near-ties in p need the equalities tighter than HiGHS defaults (1e-7); check them again.
    if not np.allclose(np.array(a_eq) @ res.x, b_eq, rtol=0.0, atol=1e-9 * scale):
        return None
    mix = np.zeros(n * b)
    mix[idx] = np.clip(res.x, 0.0, 1.0)
    return mix.reshape(n, b)


def _try_partition(
    p: np.ndarray, low: np.ndarray, tied: np.ndarray, c: float, q: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Values and coalition probabilities if players in ``low`` are strictly cheapest (always
    bought), ``tied`` share the marginal value τ (bought with mixing) and the rest are never
    bought; None when that pattern is not an equilibrium.
    """
    n, a, b = p.size, low.size, tied.size
    p_low, p_tied = p[low], p[tied].sum()
    # Unknowns (v_low..., τ). Low player j: v_j(1−c) + c·p_j·Σv_low + c·p_j·(q−a)·τ = p_j.
    # Tied group (summed): τ(b − c·X_T + c·P_T·(q−1−a)) + c·P_T·Σv_low = P_T,
    # where X_T = Σ_k p_k·(tied partners of k) = (q−1−a) + P_low.
    m = np.zeros((a + 1, a + 1))
    rhs = np.append(p_low, p_tied)
    m[:a, :a] = c * p_low[:, None] + (1.0 - c) * np.eye(a)
    m[:a, a] = c * p_low * (q - a)
    x_tied = (q - 1 - a) + p_low.sum()
    m[a, :a] = c * p_tied
    m[a, a] = b - c * x_tied + c * p_tied * (q - 1 - a)
    try:
        sol = np.linalg.solve(m, rhs)
    except np.linalg.LinAlgError:
        return None
    v_low, tau = sol[:a], sol[a]
    keep_high = 1.0 - c * v_low.sum() - c * (q - 1 - a) * tau
    v = p * keep_high  # right for the never-bought players; low and tied overwritten below
    v[low], v[tied] = v_low, tau
    high = np.setdiff1d(np.arange(n), np.concatenate([low, tied]))
    if tau < -_TOL or np.any(v_low > tau + _TOL) or np.any(v[high] < tau - _TOL):
        return None
    need = np.where(np.isin(np.arange(n), low), q - a, q - 1 - a).astype(float)
    mix = _tie_mixing(p, tied, need, tau - p[tied] * keep_high, c, tau)
    if mix is None:
        return None
    probs = np.zeros((n, n))
    probs[:, low] = 1.0
    probs[:, tied] = mix
    np.fill_diagonal(probs, 0.0)
    return v, probs


def baron_ferejohn_shares(recognition: Sequence[float], delta: float, quota: int) -> BFShares:
    """Stationary equilibrium of closed-rule Baron–Ferejohn bargaining (Baron & Ferejohn 1989).

    The proposer buys the q−1 cheapest other votes at δ·v_j and keeps the rest; values are unique
    (Eraslan 2002). Candidate patterns (always bought / tied at the margin / never bought) are
    searched in order of recognition probability and each is checked against the fixed point;
    tied partners are bought with mixed probabilities, as the symmetric equilibrium requires.
    """
    p = np.asarray(recognition, dtype=float).reshape(-1)
    n = p.size
    if n == 0 or np.any(p < 0) or not np.isclose(p.sum(), 1.0, atol=1e-9):
        raise ValueError(f"recognition must be non-negative probabilities summing to 1, got {p}")
    p = p / p.sum()
    c = _check_discount(delta, "delta")
    if int(quota) != quota or not 1 <= quota <= n:
        raise ValueError(f"quota must be an integer between 1 and {n} (players), got {quota}")
    q = int(quota)
    if q == 1 or c == 0.0:  # votes are unnecessary or free: the proposer keeps everything
        return BFShares(p.copy(), np.ones(n), c * p, _uniform_cheapest(p, q - 1))
    order = np.argsort(p, kind="stable")
    result = None
    for a in range(q):  # a players always bought, b tied at the margin
        for b in range(q - a, n - a + 1):
            cut_low, cut_high = a, a + b
            splits_tie = (cut_low > 0 and p[order[cut_low - 1]] == p[order[cut_low]]) or (
                cut_high < n and p[order[cut_high - 1]] == p[order[cut_high]]
            )
            if splits_tie:  # equal recognition means equal value (symmetry + uniqueness)
                continue
            result = _try_partition(p, order[:cut_low], order[cut_low:cut_high], c, q)
            if result is not None:
                break
        if result is not None:
            break
    if result is None:
        raise RuntimeError(f"no stationary equilibrium found for p={p}, delta={c}, quota={q}")
    v, probs = result
    keeps = 1.0 - c * _cheapest_sums(v, q - 1)
    inclusion = p @ probs
    residual = v - (p * keeps + c * v * inclusion)
    if not np.allclose(residual, 0.0, rtol=0.0, atol=1e-8) or not np.isclose(
        v.sum(), 1.0, atol=1e-8
    ):
        raise RuntimeError(f"Baron–Ferejohn fixed point failed to verify (residual {residual})")
    return BFShares(v, keeps, c * v, probs)
