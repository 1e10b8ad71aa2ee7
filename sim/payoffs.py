"""Utilities, linkage and discounting: pure, vectorised numpy (MODEL.md §1).

U_i(o) = Σ_k w_ik · v_ik(o_k) + Σ_(k,l) γ_ikl · o_k · o_l,   v_ik(x) = 1 − |x − x*_ik|^ρ_i,
with saliences w_ik normalised per actor. An issue of named options has n options at the evenly
spaced points j/(n − 1) of [0, 1], and v_ik there is actor i's stated utility of option j
(`options` maps such an issue's index to a table of shape (actors, n)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
Options = Mapping[int, Array]


def normalise_saliences(salience: Array) -> Array:
    """Scale each actor's saliences (rows) to sum to one; an all-zero row stays zero."""
    salience = np.asarray(salience, dtype=float)
    total = salience.sum(axis=-1, keepdims=True)
    return np.divide(salience, total, out=np.zeros_like(salience), where=total > 0)


def issue_values(
    packages: Array, ideal: Array, rho: Array, options: Options | None = None
) -> Array:
    """v_ik(o_k) = 1 − |o_k − x*_ik|^ρ_i for every package, actor and issue: shape (n, A, K);
    on an issue of named options, the actor's utility of the option at o_k."""
    packages = np.atleast_2d(packages)
    distance = np.abs(packages[:, None, :] - np.asarray(ideal)[None, :, :])
    # ρ = 2 by multiplication (a float power is several times slower), every such actor at once;
    # other exponents but 1 actor by actor, as `**=` treats some exponents specially.
    square, other = _exponents(np.asarray(rho, dtype=float).tobytes())
    if isinstance(square, slice):
        distance *= distance
    elif square is not None:
        np.multiply(distance, distance, out=distance, where=square[None, :, None])
    for i, r in other:
        distance[:, i] **= r
    values = 1.0 - distance
    for k, table in (options or {}).items():
        values[:, :, k] = table[:, option_index(packages[:, k], table.shape[1])].T
    return values


@lru_cache(maxsize=256)
def _exponents(rho: bytes) -> tuple[NDArray[np.bool_] | slice | None, list[tuple[int, float]]]:
    """For the ρ of each actor (float64 bytes): which actors square their distances (a mask, all
    of them as a slice, or None) and the other exponents but 1, by actor."""
    values = np.frombuffer(rho)
    square = values == 2.0
    mask = slice(None) if square.all() else (square if square.any() else None)
    return mask, [(i, np.float64(r)) for i, r in enumerate(values) if r not in (1.0, 2.0)]


def option_index(values: Array, n: int) -> NDArray[np.int64]:
    """The option each value on [0, 1] stands for, when n options sit at j/(n − 1)."""
    return np.rint(np.asarray(values, dtype=float) * (n - 1)).astype(np.int64)


def utilities(
    packages: Array,
    ideal: Array,
    weight: Array,
    rho: Array,
    gamma: Array | None = None,
    options: Options | None = None,
) -> Array:
    """Utility of each package (rows of `packages`, shape (n, K)) to each actor: shape (n, A).

    `weight` (A, K) must already be normalised; `gamma` (A, K, K) holds the linkage terms.
    """
    packages = np.atleast_2d(np.asarray(packages, dtype=float))
    u = (issue_values(packages, ideal, rho, options) * np.asarray(weight)[None]).sum(axis=2)
    if gamma is not None and np.any(gamma):
        u += linkage(packages, gamma)
    return u


def linkage(packages: Array, gamma: Array) -> Array:
    """The linkage part Σ_(k,l) γ_ikl · o_k · o_l of each package's utility to each actor: (n, A).
    It does not depend on perceptions (nobody misperceives γ), so observers can share it."""
    n, k = packages.shape
    pairs = (packages[:, :, None] * packages[:, None, :]).reshape(n, k * k)
    return pairs @ np.asarray(gamma).reshape(len(gamma), k * k).T


def disagreement_payoffs(reversion_utility: Array, outside_option: Array) -> Array:
    """The disagreement payoff: the reversion's utility, or the outside option where higher.

    `outside_option` holds NaN for actors without one.
    """
    return np.fmax(np.asarray(reversion_utility, float), np.asarray(outside_option, float))


def discounted(utility: Array, patience: Array, rounds: int | Array) -> Array:
    """Utility received after `rounds` rounds, discounted by δ_i^t."""
    return np.asarray(utility) * np.asarray(patience, float) ** np.asarray(rounds)


def per_issue(levels: int | Sequence[int], n_issues: int) -> list[int]:
    """Levels per issue: one count for every issue, or a count for each."""
    return [levels] * n_issues if isinstance(levels, int) else list(levels)


@lru_cache(maxsize=64)
def grid_levels(n: int) -> Array:
    """The n evenly spaced values 0, 1/(n − 1), …, 1 of an issue's grid (read-only: shared)."""
    axis = np.linspace(0.0, 1.0, n)
    axis.flags.writeable = False
    return axis


def package_grid(levels: int | Sequence[int], fixed: Array) -> Array:
    """Every package on an evenly spaced grid over the open issues (`levels` points per issue, or
    a count for each issue); `fixed` holds NaN for open issues and the closed value elsewhere.
    Shape (Π levels of the open issues, K); the first open issue varies slowest."""
    fixed = np.asarray(fixed, dtype=float)
    counts = per_issue(levels, len(fixed))
    open_ = np.flatnonzero(np.isnan(fixed))
    axes = [grid_levels(counts[k]) for k in open_]
    grid = np.tile(fixed, (int(np.prod([len(a) for a in axes])), 1))
    if len(open_):
        mesh = np.meshgrid(*axes, indexing="ij")
        grid[:, open_] = np.stack(mesh, axis=-1).reshape(-1, len(open_))
    return grid


def grid_utilities(
    levels: int | Sequence[int],
    ideal: Array,
    weight: Array,
    rho: Array,
    gamma: Array,
    grid: Array | None = None,
    options: Options | None = None,
    link: Array | float | None = None,
) -> Array:
    """`utilities(package_grid(levels, all open), ...)`, computed as `mesh_utilities` over each
    issue's evenly spaced levels. Same row order as `package_grid`; pass that grid as `grid` if
    you have it (it is needed only for the linkage terms), or those terms as `link` if you have
    them (`mesh_linkage`)."""
    counts = per_issue(levels, np.shape(ideal)[1])
    axes = [grid_levels(n) for n in counts]
    return mesh_utilities(axes, ideal, weight, rho, gamma, options, grid, link=link)


def mesh_utilities(
    axes: Sequence[Array],
    ideal: Array,
    weight: Array,
    rho: Array,
    gamma: Array,
    options: Options | None = None,
    grid: Array | None = None,
    linear: Array | None = None,
    offset: Array | None = None,
    link: Array | float | None = None,
) -> Array:
    """Utilities (n, A) of every package of the mesh of per-issue values `axes` (one array per
    issue, the first issue varying slowest; an issue held fixed has a one-value axis), without
    building per-package distances: the separable part is an outer sum of per-issue value tables
    (A, len(axis)), which costs O(n·A) instead of O(n·A·K) power evaluations. `grid` may pass
    the mesh's packages if the caller has them (only the linkage terms need them). `linear`
    (A, K) adds Σ_k c_ak·o_k and `offset` (A,) a constant: what linkage with issues held
    elsewhere, and the utility from them, contribute when only some issues are on the mesh.
    `link` passes the linkage terms (`mesh_linkage`) if the caller has them."""
    ideal = np.asarray(ideal, dtype=float)
    n_actors = ideal.shape[0]
    weight = np.asarray(weight)
    rho = np.asarray(rho, dtype=float)
    # Package-major (n, A) from the start: each issue multiplies the rows by its levels, every
    # actor's sum built in the same order (offset, then issue by issue) as one package at a time.
    total = np.zeros((1, n_actors)) if offset is None else np.array(offset, float)[None, :]
    lengths = {len(axis) for axis in axes}
    weighted = None  # every issue's weighted values in one computation when the axes share a length
    if len(lengths) == 1:
        weighted = issue_values(np.stack(axes, axis=1), ideal, rho) * weight[None]  # (L, A, K)
    for k, axis in enumerate(axes):
        axis = np.asarray(axis, dtype=float)
        if options and k in options:
            values = (weight[:, k, None] * options[k][:, option_index(axis, options[k].shape[1])]).T
        elif weighted is not None:
            values = weighted[:, :, k]  # (L, A)
        else:
            values = issue_values(axis[:, None], ideal[:, k : k + 1], rho)[:, :, 0] * weight[:, k]
        if linear is not None:
            values = values + axis[:, None] * linear[None, :, k]
        total = _spread(total, values)
    if link is None:
        link = mesh_linkage(axes, gamma, grid)
    if not np.isscalar(link):
        total += link
    return total


def _spread(total: Array, values: Array) -> Array:
    """(m, A) and (L, A) to (m·L, A): total[i, a] + values[l, a] at row i·L + l. A long table is
    tiled L times along its rows and the values added to each row at once: a broadcast whose
    innermost loop runs over only the A actors is several times slower."""
    m, n_actors = total.shape
    if m < 128:
        return (total[:, None, :] + values[None, :, :]).reshape(-1, n_actors)
    out = np.tile(total, (1, len(values)))
    out += values.reshape(1, -1)
    return out.reshape(-1, n_actors)


def mesh_linkage(axes: Sequence[Array], gamma: Array, grid: Array | None = None) -> Array | float:
    """The linkage terms (n, A) of every package of the mesh of `axes` (see `mesh_utilities`),
    or 0.0 when no actor links issues. They depend on neither ideal points nor saliences, so
    runs that differ only in those (perception noise) can share them."""
    pairs = np.argwhere(np.any(gamma, axis=0))
    if not len(pairs):
        return 0.0
    if grid is None:
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(axes))
    products = grid[:, pairs[:, 0]] * grid[:, pairs[:, 1]]
    return products @ gamma[:, pairs[:, 0], pairs[:, 1]].T


def worst_values(ideal: Array, rho: Array, options: Options | None = None) -> Array:
    """Each actor's lowest value v_ik on each issue: at the end of [0, 1] farther from its ideal
    (v falls with distance), or its least-liked option. Shape (A, K)."""
    ideal = np.asarray(ideal, dtype=float)
    far = np.maximum(ideal, 1.0 - ideal) ** np.asarray(rho, dtype=float)[:, None]
    worst = 1.0 - far
    for k, table in (options or {}).items():
        worst[:, k] = table.min(axis=1)
    return worst


_ENDS = np.array([0.0, 1.0])[:, None, None]  # a free issue's range, as (2, 1, 1)


def guaranteed_utilities(
    package: Array,
    free: NDArray[np.bool_],
    ideal: Array,
    weight: Array,
    rho: Array,
    gamma: Array | None = None,
    options: Options | None = None,
    worst: Array | None = None,
) -> Array:
    """What each actor a is sure to get from `package` (K,) whatever values the issues marked
    `free[a]` end at: its utility with each free issue at its worst value, and each linkage term
    γ·o_k·o_l at its lowest over the free issues' range [0, 1]. Exact without linkage on free
    issues; a lower bound with it. Shapes (A, K) in, (A,) out."""
    package = np.asarray(package, dtype=float)
    values = issue_values(package[None], ideal, rho, options)[0]  # (A, K)
    if worst is None:
        worst = worst_values(ideal, rho, options)
    u = (np.asarray(weight) * np.where(free, worst, values)).sum(axis=1)
    if gamma is not None and np.any(gamma):
        ends = np.where(free, _ENDS, package)  # (2, A, K): each issue's lowest and highest value
        corners = (ends[:, None, :, :, None] * ends[None, :, :, None, :]).reshape(
            (4, *free.shape, free.shape[1])
        )  # (4, A, K, K): the product o_k·o_l is bilinear, so its extremes are at corners
        u += (np.asarray(gamma)[None] * corners).min(axis=0).sum(axis=(1, 2))
    return u
