"""PRIM, the patient rule induction method (Friedman & Fisher 1999), peeling only, in numpy.

Given design points x (one row per point), how many runs were made at each point and how many of
them showed the outcome of interest, PRIM shrinks a box around the points where the outcome is
common. Each step peels a thin slice (a share `alpha` of the runs still inside) off the lower or
upper end of one parameter, choosing the slice whose removal raises the share of runs of interest
most per run removed (EMA Workbench's default "lenient1" objective; ties go to the box that
restricts fewer parameters). It stops when no peel raises that share or the box would hold fewer
than `mass_min` of all runs. Every box along the way is kept: the peeling trajectory, from which
the analyst picks one by its coverage (share of all runs of interest that fall inside) and density
(share of runs inside that are of interest), as Bryant & Lempert (2010) describe.

Quantiles follow sdtoolkit and EMA Workbench: a lower peel removes every point at or below the
alpha-quantile of the runs inside and sets the new limit halfway to the next value, so ties and
discrete levels are peeled whole. Runs at one design point share its x, so each point is weighted
by its number of runs; the result equals PRIM on one row per run. Pasting is not implemented.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """One box of the peeling trajectory: limits (lower, upper) per parameter and its statistics.

    `n` runs fall inside, `k` of them show the outcome; coverage = k / all runs of interest,
    density = k / n, mass = n / all runs; `restricted` are the parameters whose limits moved.
    """

    limits: np.ndarray
    n: int
    k: int
    coverage: float
    density: float
    mass: float
    restricted: tuple[int, ...]


@dataclass(frozen=True)
class Trajectory:
    """The boxes PRIM visited, from the whole space (box 0) to the last peel, and its inputs."""

    boxes: list[Box]
    x: np.ndarray
    runs: np.ndarray
    hits: np.ndarray

    def inside(self, limits: np.ndarray) -> np.ndarray:
        """Which design points lie within `limits` (bounds included)."""
        return np.all((self.x >= limits[:, 0]) & (self.x <= limits[:, 1]), axis=1)

    def quasi_p(self, i: int) -> dict[tuple[int, int], float]:
        """Quasi-p-value of each moved limit of box i (Bryant & Lempert 2010): a one-sided binomial
        test of the box's density against the density of the box with that one limit reset to its
        initial value. Keys are (parameter index, 0 for the lower / 1 for the upper limit)."""
        from scipy.stats import binomtest

        box, initial = self.boxes[i], self.boxes[0].limits
        out = {}
        for j in box.restricted:
            for side in (0, 1):
                if box.limits[j, side] == initial[j, side]:
                    continue
                relaxed = box.limits.copy()
                relaxed[j, side] = initial[j, side]
                inside = self.inside(relaxed)
                p = self.hits[inside].sum() / self.runs[inside].sum()
                out[(j, side)] = float(binomtest(box.k, box.n, p, alternative="greater").pvalue)
        return out


def _box(limits: np.ndarray, initial: np.ndarray, runs: np.ndarray, hits: np.ndarray) -> Box:
    n, k = int(runs.sum()), int(hits.sum())
    return Box(
        limits=limits,
        n=n,
        k=k,
        coverage=math.nan,  # filled in by peel(), which knows the totals
        density=k / n if n else math.nan,
        mass=math.nan,
        restricted=tuple(int(j) for j in np.flatnonzero(np.any(limits != initial, axis=1))),
    )


def _candidates(
    x: np.ndarray, runs: np.ndarray, inside: np.ndarray, limits: np.ndarray, alpha: float
):
    """Every one-slice peel of the current box: (new inside mask, new limits), upper then lower
    limit of each parameter in turn (the order decides exact ties, as in EMA Workbench)."""
    w = runs[inside]
    total = int(w.sum())
    for j in range(x.shape[1]):
        xs = x[inside, j]
        order = np.argsort(xs, kind="stable")
        sorted_x, cum = xs[order], np.cumsum(w[order])
        distinct = np.unique(xs)
        if distinct.size < 2:
            continue
        # The run at (0-based) position t of the sorted runs sits at the first point whose
        # cumulative count exceeds t.
        upper_v = sorted_x[np.searchsorted(cum, math.ceil((total - 1) * (1 - alpha)), "right")]
        lower_v = sorted_x[np.searchsorted(cum, math.floor((total - 1) * alpha), "right")]
        if upper_v > distinct[0]:
            below = distinct[distinct < upper_v].max()
            new = limits.copy()
            new[j, 1] = (below + upper_v) / 2
            yield inside & (x[:, j] < upper_v), new
        if lower_v < distinct[-1]:
            above = distinct[distinct > lower_v].min()
            new = limits.copy()
            new[j, 0] = (lower_v + above) / 2
            yield inside & (x[:, j] > lower_v), new


def peel(
    x: np.ndarray,
    runs: np.ndarray,
    hits: np.ndarray,
    alpha: float = 0.05,
    mass_min: float = 0.05,
) -> Trajectory:
    """The peeling trajectory for design points `x` (m × d), `runs` made at each point and `hits`,
    how many of them showed the outcome of interest.

    `alpha` is the share of the box's runs each peel removes (at least one distinct value);
    `mass_min` the smallest share of all runs a box may hold.
    """
    x = np.asarray(x, dtype=float)
    runs = np.asarray(runs, dtype=np.int64)
    hits = np.asarray(hits, dtype=np.int64)
    if x.ndim != 2 or len(x) != len(runs) or len(runs) != len(hits):
        raise ValueError("peel needs x of shape (points, parameters) and one count per point")
    if not 0 < alpha < 0.5 or not 0 <= mass_min < 1:
        raise ValueError("peel needs 0 < alpha < 0.5 and 0 <= mass_min < 1")
    if np.any(hits > runs) or np.any(hits < 0):
        raise ValueError("peel needs 0 <= hits <= runs at every point")
    total_n, total_k = int(runs.sum()), int(hits.sum())
    if total_k == 0:
        raise ValueError("no run shows the outcome of interest, so there is no region to find")

    initial = np.column_stack([x.min(axis=0), x.max(axis=0)])
    inside = np.ones(len(x), dtype=bool)
    limits = initial.copy()
    boxes = [_box(limits, initial, runs, hits)]
    while True:
        n_old = runs[inside].sum()
        mean_old = hits[inside].sum() / n_old
        best = None
        for mask, new in _candidates(x, runs, inside, limits, alpha):
            n_new = runs[mask].sum()
            if n_new == 0:
                continue
            gain = (hits[mask].sum() / n_new - mean_old) / (n_old - n_new)
            free = int(np.sum(np.all(new == initial, axis=1)))
            if best is None or (gain, free) > best[0]:
                best = ((gain, free), mask, new)
        if best is None or best[0][0] <= 0 or runs[best[1]].sum() / total_n < mass_min:
            break
        _, inside, limits = best
        boxes.append(_box(limits, initial, runs[inside], hits[inside]))

    boxes = [
        Box(b.limits, b.n, b.k, b.k / total_k, b.density, b.n / total_n, b.restricted)
        for b in boxes
    ]
    return Trajectory(boxes=boxes, x=x, runs=runs, hits=hits)


def balanced_box(trajectory: Trajectory) -> int:
    """The index of the box that best balances coverage against density: the largest product of
    its coverage and its lift, the share of the possible rise in density above the overall rate
    that the box achieves, (density − d0) / (1 − d0). A box that keeps every run scores 0, and so
    does one that keeps almost none; an outcome present in every run gives box 0."""
    base = trajectory.boxes[0].density
    if base >= 1:
        return 0
    scores = [b.coverage * (b.density - base) / (1 - base) for b in trajectory.boxes]
    return int(np.argmax(scores))
