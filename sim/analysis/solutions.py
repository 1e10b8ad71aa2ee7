"""Bargaining solutions over a finite set of outcomes: Pareto, Nash, Kalai–Smorodinsky, utilitarian.

Every function takes ``utilities`` of shape (n_outcomes, n_actors) and returns a row index (or a
mask), so callers can map the answer back to the package that produced it. Ties go to the lowest
index, which keeps the answers deterministic.
"""

from __future__ import annotations

import numpy as np

_CHUNK = 256  # rows compared at once in the Pareto sweep: bounds memory at chunk x frontier


def _as_matrix(utilities: np.ndarray) -> np.ndarray:
    """Validate and return ``utilities`` as a finite float matrix (n_outcomes, n_actors)."""
    u = np.asarray(utilities, dtype=float)
    if u.ndim != 2:
        raise ValueError(f"utilities must have shape (n_outcomes, n_actors), got shape {u.shape}")
    if not np.all(np.isfinite(u)):
        raise ValueError("utilities must be finite (no NaN or inf)")
    return u


def _as_vector(values: np.ndarray | None, n_actors: int, name: str, default: float) -> np.ndarray:
    """Validate a per-actor vector (disagreement point or weights) of length ``n_actors``."""
    if values is None:
        return np.full(n_actors, default)
    v = np.asarray(values, dtype=float).reshape(-1)
    if v.shape != (n_actors,):
        raise ValueError(f"{name} must have one entry per actor ({n_actors}), got {v.shape[0]}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite")
    return v


def pareto_mask(utilities: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows (weakly better for all and strictly for one dominates).

    Duplicated rows do not dominate each other, so every copy of a frontier point stays in the
    mask. Rows are de-duplicated and swept in decreasing lexicographic order, where any dominator
    precedes the row it dominates; each chunk is compared with the frontier found so far and with
    itself. Cost is O(n_outcomes x frontier size), vectorised per chunk.
    """
    u = _as_matrix(utilities)
    n, m = u.shape
    if n == 0:
        return np.zeros(0, dtype=bool)
    unique, inverse = np.unique(u, axis=0, return_inverse=True)
    rows = unique[::-1]  # np.unique sorts ascending lexicographically; we sweep descending
    keep = np.zeros(rows.shape[0], dtype=bool)
    frontier = np.empty((0, m))
    for start in range(0, rows.shape[0], _CHUNK):
        block = rows[start : start + _CHUNK]
        # Earlier rows are lexicographically larger, so column 0 is already >= for all of them;
        # rows are distinct, so ">= in every column" from an earlier row means dominance.
        earlier = np.concatenate([frontier, block])
        ge = np.ones((earlier.shape[0], block.shape[0]), dtype=bool)
        for k in range(1, m):
            ge &= earlier[:, k, None] >= block[None, :, k]
        # Within the block only strictly earlier rows may dominate (upper triangle).
        ge[frontier.shape[0] :] &= np.triu(np.ones((block.shape[0],) * 2, dtype=bool), k=1)
        dominated = ge.any(axis=0)
        keep[start : start + block.shape[0]] = ~dominated
        frontier = np.concatenate([frontier, block[~dominated]])
    keep_unique = keep[::-1]
    return keep_unique[inverse.reshape(-1)]


def _rational_gains(u: np.ndarray, d: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices of individually rational rows (u_i >= d_i - tol for all i) and their gains u - d."""
    rational = np.flatnonzero(np.all(u >= d - tol, axis=1))
    gains = np.maximum(u[rational] - d, 0.0)
    return rational, gains


def nash_solution(
    utilities: np.ndarray,
    disagreement: np.ndarray,
    weights: np.ndarray | None = None,
    tol: float = 1e-12,
) -> int | None:
    """Index of the outcome maximising the (weighted) Nash product Π (u_i − d_i)^{w_i} (Nash 1950).

    Only individually rational outcomes (u_i ≥ d_i − tol for all i) compete; a gain of at most
    ``tol`` for an actor with positive weight makes the product 0. Actors with weight 0 only
    impose individual rationality. Returns None when no outcome is individually rational.
    """
    u = _as_matrix(utilities)
    d = _as_vector(disagreement, u.shape[1], "disagreement", 0.0)
    w = _as_vector(weights, u.shape[1], "weights", 1.0)
    if np.any(w < 0) or not np.any(w > 0):
        raise ValueError("Nash weights must be non-negative and not all zero")
    rational, gains = _rational_gains(u, d, tol)
    if rational.size == 0:
        return None
    positive = w > 0
    with np.errstate(divide="ignore"):
        logs = np.where(gains[:, positive] > tol, np.log(gains[:, positive]), -np.inf)
    # Weights are positive here, so a -inf term makes the row -inf without any 0 * inf = nan.
    score = (logs * w[positive]).sum(axis=1)
    return int(rational[int(np.argmax(score))])


def kalai_smorodinsky(
    utilities: np.ndarray, disagreement: np.ndarray, tol: float = 1e-12
) -> int | None:
    """Index of the individually rational outcome maximising min_i (u_i − d_i)/(ideal_i − d_i).

    Kalai & Smorodinsky (1975) on a finite set: ideal_i is the best u_i among individually
    rational outcomes; ties go to the larger sum of normalised gains, then the lowest index. An
    actor whose ideal equals its disagreement value gains nothing anywhere and is left out of the
    minimum. Returns None when no outcome is individually rational.
    """
    u = _as_matrix(utilities)
    d = _as_vector(disagreement, u.shape[1], "disagreement", 0.0)
    rational, gains = _rational_gains(u, d, tol)
    if rational.size == 0:
        return None
    span = gains.max(axis=0)
    active = span > tol
    if not np.any(active):
        return int(rational[0])
    normalised = gains[:, active] / span[active]
    worst = normalised.min(axis=1)
    total = normalised.sum(axis=1)
    order = np.lexsort((np.arange(rational.size), -total, -worst))
    return int(rational[order[0]])


def utilitarian(utilities: np.ndarray, weights: np.ndarray | None = None) -> int:
    """Index of the outcome maximising the (weighted) sum of utilities; ties go to the lowest index."""
    u = _as_matrix(utilities)
    if u.shape[0] == 0:
        raise ValueError("utilities has no outcomes")
    w = _as_vector(weights, u.shape[1], "weights", 1.0)
    return int(np.argmax(u @ w))


def utility_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two utility vectors (a run's outcome vs the Nash solution)."""
    x = np.asarray(a, dtype=float).reshape(-1)
    y = np.asarray(b, dtype=float).reshape(-1)
    if x.shape != y.shape:
        raise ValueError(f"utility vectors differ in length: {x.shape[0]} vs {y.shape[0]}")
    return float(np.linalg.norm(x - y))
