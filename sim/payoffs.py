"""Utilities, linkage and discounting: pure, vectorised numpy (MODEL.md §1).

U_i(o) = Σ_k w_ik · v_ik(o_k) + Σ_(k,l) γ_ikl · o_k · o_l,   v_ik(x) = 1 − |x − x*_ik|^ρ_i,
with saliences w_ik normalised per actor.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def normalise_saliences(salience: Array) -> Array:
    """Scale each actor's saliences (rows) to sum to one; an all-zero row stays zero."""
    salience = np.asarray(salience, dtype=float)
    total = salience.sum(axis=-1, keepdims=True)
    return np.divide(salience, total, out=np.zeros_like(salience), where=total > 0)


def issue_values(packages: Array, ideal: Array, rho: Array) -> Array:
    """v_ik(o_k) = 1 − |o_k − x*_ik|^ρ_i for every package, actor and issue: shape (n, A, K)."""
    packages = np.atleast_2d(packages)
    distance = np.abs(packages[:, None, :] - np.asarray(ideal)[None, :, :])
    rho = np.asarray(rho, dtype=float)
    # Integer exponents by multiplication: a float power is several times slower.
    for i, r in enumerate(rho):
        if r == 2.0:
            distance[:, i] *= distance[:, i]
        elif r != 1.0:
            distance[:, i] **= r
    return 1.0 - distance


def utilities(
    packages: Array, ideal: Array, weight: Array, rho: Array, gamma: Array | None = None
) -> Array:
    """Utility of each package (rows of `packages`, shape (n, K)) to each actor: shape (n, A).

    `weight` (A, K) must already be normalised; `gamma` (A, K, K) holds the linkage terms.
    """
    packages = np.atleast_2d(np.asarray(packages, dtype=float))
    u = (issue_values(packages, ideal, rho) * np.asarray(weight)[None]).sum(axis=2)
    if gamma is not None and np.any(gamma):
        n, k = packages.shape
        pairs = (packages[:, :, None] * packages[:, None, :]).reshape(n, k * k)
        u += pairs @ np.asarray(gamma).reshape(len(gamma), k * k).T
    return u


def disagreement_payoffs(reversion_utility: Array, outside_option: Array) -> Array:
    """The disagreement payoff: the reversion's utility, or the outside option where higher.

    `outside_option` holds NaN for actors without one.
    """
    return np.fmax(np.asarray(reversion_utility, float), np.asarray(outside_option, float))


def discounted(utility: Array, patience: Array, rounds: int | Array) -> Array:
    """Utility received after `rounds` rounds, discounted by δ_i^t."""
    return np.asarray(utility) * np.asarray(patience, float) ** np.asarray(rounds)


def package_grid(levels: int, fixed: Array) -> Array:
    """Every package on an evenly spaced grid over the open issues; `fixed` holds NaN for open
    issues and the closed value elsewhere. Shape (levels ** n_open, K)."""
    fixed = np.asarray(fixed, dtype=float)
    open_ = np.flatnonzero(np.isnan(fixed))
    axis = np.linspace(0.0, 1.0, levels)
    grid = np.tile(fixed, (levels ** len(open_), 1))
    if len(open_):
        mesh = np.meshgrid(*[axis] * len(open_), indexing="ij")
        grid[:, open_] = np.stack(mesh, axis=-1).reshape(-1, len(open_))
    return grid


def grid_utilities(
    levels: int, ideal: Array, weight: Array, rho: Array, gamma: Array, grid: Array | None = None
) -> Array:
    """`utilities(package_grid(levels, all open), ...)` without building per-package distances:
    the separable part is an outer sum of per-issue value tables (A, K, levels), which costs
    O(n·A) instead of O(n·A·K) power evaluations. Same row order as `package_grid`; pass that
    grid as `grid` if you have it (it is needed only for the linkage terms)."""
    ideal = np.asarray(ideal, dtype=float)
    n_actors, n_issues = ideal.shape
    axis = np.linspace(0.0, 1.0, levels)
    values = issue_values(axis[:, None].repeat(n_issues, axis=1), ideal, rho)  # (L, A, K)
    table = np.asarray(weight)[None] * values
    total = table[:, :, 0].T  # (A, L): first issue varies slowest, as in package_grid
    for k in range(1, n_issues):
        total = (total[:, :, None] + table[:, :, k].T[:, None, :]).reshape(n_actors, -1)
    u = total.T.copy()
    pairs = np.argwhere(np.any(gamma, axis=0))
    if len(pairs):
        if grid is None:
            grid = package_grid(levels, np.full(n_issues, np.nan))
        products = grid[:, pairs[:, 0]] * grid[:, pairs[:, 1]]
        u += products @ gamma[:, pairs[:, 0], pairs[:, 1]].T
    return u
