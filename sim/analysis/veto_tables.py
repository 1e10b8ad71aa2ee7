"""Bargaining solutions that respect who can veto what, searched over the continuous package space.

Issues with the same veto players form one *table*; only a table's veto players bargain over its
issues. The reference package solves every table's own bargaining problem given the values of
the other tables' issues (the "Nash-in-Nash" solution of Horn & Wolinsky 1988; Collard-Wexler,
Gowrisankaran & Lee 2019): for Nash, table τ's issues maximise Π_{i ∈ V_τ} (U_i − d_i^τ), where
d_i^τ = max(U_i with τ's issues at their reversion, i's outside option) is what i gets if this
table fails. With one table (every actor vetoes every issue) this is Nash's solution itself.

Each table's problem is solved by a zooming grid search over its issues (`zoom_argmax`): issues
on [0, 1] are searched continuously to within `TOL`, issues of named options over every option.
Pure numpy on the payoff parameters of `sim.payoffs`; nothing here knows about scenarios or Mesa.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sim import payoffs
from sim.payoffs import Options

Score = Callable[[list[np.ndarray]], np.ndarray]  # the searched issues' axes -> scores (n,)

TOL = 1e-4  # how finely issues on [0, 1] are resolved
GAIN = 1e-12  # a gain at most this small counts as no gain
_BUDGET = 512  # candidate packages per zoom stage
_SWEEPS = 50  # rounds over the tables before giving up on a fixed point


def tables(veto: np.ndarray) -> list[tuple[list[int], list[int]]]:
    """Issues grouped by their veto players: (issue indices, actor indices) per table, in the
    order each table's first issue appears. `veto` is (issues, actors), boolean."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, row in enumerate(np.asarray(veto, dtype=bool)):
        groups.setdefault(tuple(np.flatnonzero(row).tolist()), []).append(k)
    return [(issues, list(actors)) for actors, issues in groups.items()]


def zoom_argmax(score: Score, options: Sequence[int | None]) -> np.ndarray | None:
    """The values (k,) maximising `score` over the mesh of per-issue axes it is given (first
    issue slowest): options[j] is None for an issue on [0, 1], searched on a grid around the best
    point so far that shrinks until its step is below TOL, or the number of named options, every
    one tried at every stage. Each stage tries about _BUDGET candidates (at least 3 levels per
    issue). Ties go to the first candidate in mesh order. None when every candidate of the first
    stage scores -inf."""
    cont = [j for j, n in enumerate(options) if n is None]
    fixed = int(np.prod([n for n in options if n is not None]))

    def levels(budget: int) -> int:
        return max(3, int((budget / fixed) ** (1.0 / max(len(cont), 1)) + 1e-9))

    def mesh(centre: np.ndarray, half: float, n_levels: int) -> list[np.ndarray]:
        return [
            np.linspace(0.0, 1.0, n)
            if n is not None
            else np.clip(centre[j] + half * np.linspace(-1.0, 1.0, n_levels), 0.0, 1.0)
            for j, n in enumerate(options)
        ]

    def argmax(axes: list[np.ndarray]) -> np.ndarray | None:
        scores = score(axes)
        top = int(np.argmax(scores))
        if not np.isfinite(scores[top]):
            return None
        where = np.unravel_index(top, [len(a) for a in axes])
        return np.array([a[i] for a, i in zip(axes, where, strict=True)])

    # First stage over the whole space, finer (up to 128 times the budget) while nothing scores:
    # a narrow region of gains is missed only if it slips between the finest grid's points.
    n_levels, centre = levels(_BUDGET), np.full(len(options), 0.5)
    for budget in (_BUDGET, 16 * _BUDGET, 128 * _BUDGET):
        best = argmax(mesh(centre, 0.5, levels(budget)))
        if best is not None or not cont:
            break
    if best is None or not cont:
        return best
    half = 0.5 * 2.0 / (levels(budget) - 1)
    shrink = 2.0 / (n_levels - 1) if n_levels >= 5 else 0.5
    while half >= TOL:
        found = argmax(mesh(best, half, n_levels))
        best = best if found is None else found
        half *= shrink
    return best


class TableGame:
    """One negotiation's bargaining problem as tables: the payoff parameters of `sim.payoffs`
    (ideal points, normalised weights, ρ, linkage γ and option tables), every issue's veto
    players and reversion value, and the actors' outside options (NaN: none)."""

    def __init__(
        self,
        preferences: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Options],
        veto: np.ndarray,
        reversion: np.ndarray,
        outside: np.ndarray,
    ) -> None:
        self.ideal, self.weight, self.rho, self.gamma, self.option_tables = preferences
        self.reversion = np.asarray(reversion, dtype=float)
        self.outside = np.where(np.isnan(outside), -np.inf, np.asarray(outside, dtype=float))
        self.options = [
            self.option_tables[k].shape[1] if k in self.option_tables else None
            for k in range(len(self.reversion))
        ]
        self.tables = tables(veto)
        self._last: dict[tuple[str, tuple[int, ...]], tuple[Any, np.ndarray]] = {}

    def utility(self, package: np.ndarray) -> np.ndarray:
        """Every actor's utility of one package."""
        return payoffs.utilities(
            package[None], self.ideal, self.weight, self.rho, self.gamma, self.option_tables
        )[0]

    def disagreement(self) -> np.ndarray:
        """Every actor's disagreement payoff: max(utility of the reversion, outside option)."""
        return np.maximum(self.utility(self.reversion), self.outside)

    def _gains(self, package: np.ndarray, issues: list[int], actors: list[int]) -> Any:
        """The table's veto players' gains over their disagreement payoffs (the table failing,
        the rest of `package` standing), as a function of the table's issues' axes: a mesh over
        the table's issues only, the rest folded into a constant and linear linkage terms."""
        failed = package.copy()
        failed[issues] = self.reversion[issues]
        d = np.maximum(self.utility(failed)[actors], self.outside[actors])
        rest = np.setdiff1d(np.arange(len(package)), issues)
        x = np.where(np.isin(np.arange(len(package)), rest), package, 0.0)
        gamma = self.gamma[actors]
        offset = payoffs.utilities(
            x[None], self.ideal[actors], self.weight[actors] * np.isin(np.arange(len(x)), rest),
            self.rho[actors], gamma, {k: t[actors] for k, t in self.option_tables.items()},
        )[0]  # fmt: skip
        linear = (gamma @ x + np.einsum("akl,k->al", gamma, x))[:, issues]
        sub = np.ix_(range(len(actors)), issues, issues)
        args = (
            self.ideal[actors][:, issues],
            self.weight[actors][:, issues],
            self.rho[actors],
            gamma[sub],
            {
                j: self.option_tables[k][actors]
                for j, k in enumerate(issues)
                if k in self.option_tables
            },
        )

        def gains(axes: list[np.ndarray]) -> np.ndarray:
            u = payoffs.mesh_utilities(axes, *args, linear=linear, offset=offset)
            return u - d

        # What the gains depend on besides the table's own issues: equal signatures, equal gains.
        signature = np.concatenate([offset - d, linear.ravel()]).round(12).tobytes()
        return gains, signature

    def _solve(self, rule: str, package: np.ndarray, issues: list[int], actors: list[int]):
        """One table's solution under `rule` ("nash" or "ks"), the others held at `package`;
        solved again only if the gains it maximises changed (they depend on the other tables
        only through linkage and binding outside options)."""
        gains, signature = self._gains(package, issues, actors)
        last = self._last.get((rule, tuple(issues)))
        if last is not None and last[0] == signature:
            return last[1]
        values = self._solve_table(rule, gains, issues, actors)
        self._last[(rule, tuple(issues))] = (signature, values)
        return values

    def _solve_table(self, rule: str, gains: Any, issues: list[int], actors: list[int]):
        """Maximise the table's Nash product or Kalai–Smorodinsky criterion over its issues."""
        kinds = [self.options[k] for k in issues]
        if rule == "nash":

            def score(axes: list[np.ndarray]) -> np.ndarray:
                g = gains(axes)
                ok = np.all(g > GAIN, axis=1)
                return np.where(ok, np.log(np.where(ok[:, None], g, 1.0)).sum(axis=1), -np.inf)

        else:
            span = np.array([self._best_gain(gains, kinds, j) for j in range(len(actors))])
            active = span > GAIN

            def score(axes: list[np.ndarray]) -> np.ndarray:
                g = gains(axes)
                ok = np.all(g >= -GAIN, axis=1)
                if not active.any():
                    return np.where(ok, 0.0, -np.inf)
                norm = g[:, active] / span[active]
                # The smallest normalised gain; its sum breaks ties toward efficiency.
                return np.where(ok, norm.min(axis=1) + 1e-9 * norm.sum(axis=1), -np.inf)

        best = zoom_argmax(score, kinds)
        return self.reversion[issues] if best is None else best

    @staticmethod
    def _best_gain(gains: Any, kinds: list[int | None], j: int) -> float:
        """Veto player j's largest gain over the table's individually rational packages."""

        def score(axes: list[np.ndarray]) -> np.ndarray:
            g = gains(axes)
            return np.where(np.all(g >= -GAIN, axis=1), g[:, j], -np.inf)

        best = zoom_argmax(score, kinds)
        return 0.0 if best is None else float(gains([np.array([v]) for v in best])[0, j])

    def solve(self, rule: str) -> np.ndarray:
        """The package where every table's issues solve that table's problem given the others:
        Gauss–Seidel over the tables from the reversion until no value moves by more than TOL."""
        package = self.reversion.copy()
        for _ in range(_SWEEPS):
            moved = 0.0
            for issues, actors in self.tables:
                values = self._solve(rule, package, issues, actors)
                moved = max(moved, float(np.abs(values - package[issues]).max()))
                package[issues] = values
            if moved <= 10 * TOL:
                break
        return package
