"""The proposers' package search when the grid is too large to enumerate (docs/model.md, "The
package search").

A proposer wants, among the packages worth at least its aspiration to it, the one whose worst-off
other veto player is best off (as the proposer perceives them), ties going to its own utility
(`strategies.choose_offer`). Up to `EXHAUSTIVE` grid packages the model enumerates them all, which
is exact. Beyond that, `trade_off_search` climbs from the proposer's best package, changing one or
two issues at a time to whichever levels make the package most acceptable under the same rule, so
each step costs O(issues² × levels² × actors) instead of levels^issues. Pure numpy; deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
from numpy.typing import NDArray

from sim import payoffs, strategies
from sim.payoffs import Array, Options

EXHAUSTIVE = 15_625  # grid packages (5^6) up to which proposers enumerate every package
SOFT = 0.001
_WEIGHTS = 64  # weight vectors for the climb's starting points
_STARTS = 3  # climbs from that many of them, and from the proposer's best package
_STEPS = 200  # a bound on the climb's steps (it stops far sooner: each step must gain)

Index = NDArray[np.int64]


@dataclass(frozen=True)
class Mesh:
    """Each issue's candidate values and each actor's weighted value of each: enough to evaluate
    any package of the grid without building the grid. A package is a level index per issue."""

    points: Array  # (K, L): issue k's candidate values, padded by repeating its last one
    counts: tuple[int, ...]  # candidate values per issue (1 for a closed issue)
    table: Array  # (A, K, L): w_ak · v_ak(points[k, l])
    gamma: Array  # (A, K, K): linkage
    pairs: Index  # (P, 2): the issue pairs some actor links

    def values(self, idx: Index) -> Array:
        """The packages (n, K) that level indices (n, K) stand for."""
        return self._flat_points[idx + self._offsets]

    @cached_property
    def _flat_points(self) -> Array:
        return self.points.ravel()

    @cached_property
    def _offsets(self) -> Index:  # where each issue's levels start in `_flat_points`
        return np.arange(self.points.shape[0]) * self.points.shape[1]

    @cached_property
    def _link(self) -> Array:  # (P, A): each actor's linkage weight on each linked pair
        return self.gamma[:, self.pairs[:, 0], self.pairs[:, 1]].T

    def utilities(self, idx: Index) -> Array:
        """Every actor's utility of packages given as level indices (n, K): (n, A)."""
        u = self.table[:, np.arange(idx.shape[1]), idx].sum(axis=2).T
        return u + self._linkage(self.values(idx))

    def neighbours(self, x: Index, moves: Moves) -> Array:
        """Every actor's utility (A, M) of the package x becomes by each move (one column per
        move: `_apply` gives the packages), from x's by the moves' differences. Actor-major, so
        that the minimum over actors and each actor's row are contiguous."""
        here = self.table[:, self._issues, x]  # (A, K)
        gain = (self.table - here[:, :, None]).reshape(len(here), -1)  # (A, K·L)
        u = gain.take(moves.first, axis=1)  # C-ordered, unlike gain[:, moves.first]
        u[:, moves.singles :] += gain.take(moves.second, axis=1)
        linked = self._linkage(self.values(x[None]))
        u += np.reshape(here.sum(axis=1) + linked, (-1, 1))  # x's own, as `utilities` adds them
        if len(self.pairs):
            # Each move's linked issues' values: a table of their levels, then x's own value.
            levels = np.empty((len(x), self.points.shape[1] + 1))
            levels[:, :-1] = self.points
            levels[:, -1] = self.values(x[None])[0]
            values = levels.ravel()[moves.settings(self._linked)]  # (linked issues, M)
            a, b = self._pair_columns
            u += self._by_actor(values[a] * values[b]) - np.reshape(linked, (-1, 1))
        return u

    def _by_actor(self, products: Array) -> Array:
        """The linkage terms (A, n) of pair products (P, n), exactly as `_linkage` sums them: by
        a matrix product, which for one pair is the product with each actor's weight."""
        if len(self.pairs) == 1:
            return self._link.T * products
        return (np.ascontiguousarray(products.T) @ self._link).T

    @cached_property
    def _pair_columns(self) -> Index:  # (2, P): each pair's issues' places in `_linked`
        return np.searchsorted(self._linked, self.pairs.T)

    @cached_property
    def _linked(self) -> tuple[int, ...]:  # the issues some actor links
        return tuple(sorted(set(self.pairs.ravel().tolist())))

    @cached_property
    def _issues(self) -> Index:
        return np.arange(self.points.shape[0])

    def _linkage(self, packages: Array) -> Array | float:
        if not len(self.pairs):
            return 0.0
        a, b = self.pairs[:, 0], self.pairs[:, 1]
        return (packages[:, a] * packages[:, b]) @ self._link


def mesh(
    axes: list[Array],
    ideal: Array,
    weight: Array,
    rho: Array,
    gamma: Array,
    options: Options | None = None,
) -> Mesh:
    """The mesh of per-issue candidate values `axes` for actors with these preferences (as in
    `payoffs.utilities`)."""
    points = np.empty((len(axes), max(len(a) for a in axes)))
    for k, a in enumerate(axes):
        points[k, : len(a)] = a
        points[k, len(a) :] = a[-1]
    values = payoffs.issue_values(points.T, ideal, rho, options)  # (L, A, K)
    table = (np.asarray(weight)[None] * values).transpose(1, 2, 0)
    gamma = np.asarray(gamma, dtype=float)
    pairs = np.argwhere(np.any(gamma, axis=0))
    return Mesh(points, tuple(len(a) for a in axes), table, gamma, pairs)


def best_package(m: Mesh, actor: int) -> Index:
    """The package actor `actor` likes best: each issue at its best level, then (only if some
    actor links issues) best responses one issue at a time until none gains. Exact without
    linkage; with it, a package no single-issue change improves."""
    table = _masked(m)[actor]
    idx = table.argmax(axis=1)
    if not len(m.pairs):
        return idx
    u = m.utilities(idx[None])[0, actor]
    moves = _moves(m.counts, pairs=False)
    for _ in range(_STEPS):
        values = m.neighbours(idx, moves)[actor]
        best = int(values.argmax())
        if values[best] <= u + 1e-12:
            break
        idx, u = _apply(idx, moves.rows[best]), float(values[best])
    return idx


def trade_off_search(m: Mesh, disagreement: Array, aspiration: float, start: Index) -> Index:
    """The package (level indices) a proposer offers: row 0 of the mesh is its own utility, rows
    1… the other veto players' as it perceives them, `disagreement` their disagreement payoffs
    as it perceives them. Climbs from `start` (its best package) and from the `_STARTS` most
    acceptable packages that maximise weighted sums of utilities (`_supported`); each step
    moves to the package, among those that differ from the current one on at most two issues,
    that `strategies.choose_offer` picks, while that gains. The best end point by the rule
    wins. The aspiration is capped at the start's own utility, as `choose_offer` falls back to
    the best packages."""
    moves = _moves(m.counts, pairs=True)
    need = min(aspiration, float(m.utilities(start[None])[0, 0]))
    supported = np.array(sorted(set(map(tuple, _supported(m).tolist()))))  # as np.unique(axis=0)
    u = m.utilities(supported)
    score = np.where(u[:, 0] >= need - 1e-12, _worst(u.T, disagreement), -math.inf)
    order = np.argsort(-score, kind="stable")[:_STARTS]
    starts = [start, *supported[order[np.isfinite(score[order])]]]
    steps: dict[bytes, tuple[int, float, Array]] = {}
    ends = np.array([_climb(m, disagreement, need, x, moves, steps) for x in starts])
    u = m.utilities(ends)
    return ends[strategies.choose_offer(u[:, 0], need, _worst(u.T, disagreement))]


def _climb(
    m: Mesh,
    disagreement: Array,
    need: float,
    x: Index,
    moves: Moves,
    steps: dict[bytes, tuple[int, float, Array]],
) -> Index:
    """Steepest ascent from x by `moves` (see `trade_off_search`). `steps` holds, for each
    package a climb of the same search has been at, the move it picks there, that move's
    worst-off margin and its utilities (A,): they do not depend on the path to the package, and
    climbs from different starts often meet."""
    u = m.utilities(x[None])[0]
    now = _worst(u[:, None], disagreement)[0]
    for _ in range(_STEPS):
        key = x.tobytes()
        if key not in steps:
            cand = m.neighbours(x, moves)
            worst = _worst(cand, disagreement)
            pick = strategies.choose_offer(cand[0], need, worst)
            steps[key] = pick, worst[pick], cand[:, pick].copy()
        pick, margin, then = steps[key]
        if not (margin > now + 1e-9 or (margin >= now - 1e-9 and then[0] > u[0] + 1e-12)):
            break
        x, u, now = _apply(x, moves.rows[pick]), then, margin
    return x


def _worst(u: Array, disagreement: Array) -> Array:
    """The smallest margin over its disagreement payoff of any actor but the first, for utilities
    by actor (A, n): (n,)."""
    if len(u) == 1:
        return np.zeros(u.shape[1])
    return (u[1:] - disagreement[:, None]).min(axis=0)


def _supported(m: Mesh) -> Index:
    """The packages that maximise weighted sums of the actors' utilities (linkage aside: then
    each issue is set on its own), for `_WEIGHTS` fixed weight vectors: points spread over the
    Pareto frontier, from which to start the climb. (n, K)."""
    n_actors = m.table.shape[0]
    weights = _weights(n_actors)
    table = np.where(np.isinf(_masked(m)), -1e9, m.table)
    return np.einsum("sa,akl->skl", weights, table).argmax(axis=2)


@lru_cache(maxsize=64)
def _weights(n: int) -> Array:
    """`_WEIGHTS` weight vectors over n actors, the same every time (Dirichlet(1) draws from a
    fixed seed): the search's reproducibility does not depend on any run's generator."""
    weights = np.random.default_rng(0).dirichlet(np.ones(n), _WEIGHTS)
    weights.flags.writeable = False
    return weights


def _masked(m: Mesh) -> Array:
    """The value table with the padding levels at −∞."""
    levels = np.arange(m.table.shape[2])
    return np.where(levels[None, None] < np.array(m.counts)[None, :, None], m.table, -math.inf)


def _apply(x: Index, move: Index) -> Index:
    """x with a move (issue, level, issue, level) applied."""
    out = x.copy()
    out[move[0]] = move[1]
    out[move[2]] = move[3]
    return out


@dataclass(frozen=True, eq=False)
class Moves:
    """A set of moves: rows (issue, level, issue, level), the first `singles` of them changing
    one issue (both halves the same), the rest two. For indexing a mesh's table flattened to
    (A, K·L): each row's first change as issue · L + level (`first`), and each two-issue row's
    second change (`second`)."""

    rows: Index
    first: Index
    second: Index
    singles: int
    levels: int  # L, the mesh's levels per issue
    _settings: dict[tuple[int, ...], Index] = field(default_factory=dict)

    def settings(self, issues: tuple[int, ...]) -> Index:
        """Where each move leaves each of `issues`, as an index into a table (K, L + 1) of each
        issue's levels followed by the level it is at now: (len(issues), M)."""
        if issues not in self._settings:
            width = self.levels + 1
            at = np.array(issues)[:, None]
            out = np.repeat(at * width + width - 1, len(self.rows), axis=1)
            for half in (0, 2):  # the second change wins, as in `_apply`
                out = np.where(self.rows[:, half] == at, at * width + self.rows[:, half + 1], out)
            out.flags.writeable = False
            self._settings[issues] = out
        return self._settings[issues]


@lru_cache(maxsize=256)
def _moves(counts: tuple[int, ...], pairs: bool) -> Moves:
    """Every change of one open issue's level (or, with `pairs`, of two issues' levels, which
    includes every single change and no change), on a mesh of these counts."""
    open_ = [k for k, n in enumerate(counts) if n > 1]
    rows = [(k, level, k, level) for k in open_ for level in range(counts[k])]
    singles = len(rows)
    if pairs:
        rows += [
            (k, a, j, b)
            for i, k in enumerate(open_)
            for j in open_[i + 1 :]
            for a in range(counts[k])
            for b in range(counts[j])
        ]
    out = np.array(rows, dtype=np.int64).reshape(-1, 4)
    levels = max(counts)
    first, second = out[:, 0] * levels + out[:, 1], (out[:, 2] * levels + out[:, 3])[singles:]
    moves = Moves(out, first, second, singles, levels)
    for a in (moves.rows, moves.first, moves.second):
        a.flags.writeable = False
    return moves
