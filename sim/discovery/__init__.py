"""Scenario discovery over stored runs: under which values of the swept parameters does an outcome
happen? Three views, as EMA Workbench offers them: PRIM boxes (`prim`), a classification tree and
extra-trees feature scores (`trees`). `discover` computes them; `Discovery` words them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.discovery.outcome import Outcome, parse_outcome, point_table
from sim.discovery.prim import Trajectory, balanced_box, peel
from sim.discovery.trees import Leaf, feature_scores, tree_leaves

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.models import Scenario

__all__ = ["Discovery", "Outcome", "decimals", "discover", "parse_outcome", "rounded"]


def decimals(width: float) -> int:
    """Decimals that resolve a fiftieth of a parameter's swept range: 0.4–0.9 → 2, 0.8–0.99 → 3."""
    if not width > 0 or not math.isfinite(width):
        return 3
    return max(0, math.ceil(math.log10(50.0 / width)))


def rounded(value: float, width: float) -> str:
    """A parameter value with the digits its range makes meaningful (no '-0')."""
    text = f"{value:.{decimals(width)}f}"
    return text.removeprefix("-") if float(text) == 0 else text


@dataclass
class Discovery:
    """The three views for one outcome over one results set, and the points they came from."""

    outcome: Outcome
    description: str
    params: list[str]
    labels: list[str]
    points: pd.DataFrame
    trajectory: Trajectory
    chosen: int
    leaves: list[Leaf]
    scores: np.ndarray

    @property
    def widths(self) -> np.ndarray:
        """Each parameter's swept range (largest minus smallest value)."""
        lim = self.trajectory.boxes[0].limits
        return lim[:, 1] - lim[:, 0]

    def box(self, i: int | None = None):
        """Box i of the trajectory (default: the chosen one)."""
        return self.trajectory.boxes[self.chosen if i is None else i]

    def ranked(self) -> list[int]:
        """Parameter indices from the most to the least important (extra-trees score)."""
        return [int(j) for j in np.argsort(-np.nan_to_num(self.scores, nan=-1.0), kind="stable")]

    def limit_text(self, j: int, limits: np.ndarray) -> str:
        """A restricted parameter's range in words: 'Russia: outside option ≥ 0.62', or a range."""
        lo, hi = limits[j]
        full = self.trajectory.boxes[0].limits[j]
        w = self.widths[j]
        low_moved = math.isfinite(lo) and lo > full[0]
        high_moved = math.isfinite(hi) and hi < full[1]
        if low_moved and high_moved:
            return f"{self.labels[j]} between {rounded(lo, w)} and {rounded(hi, w)}"
        if low_moved:
            return f"{self.labels[j]} ≥ {rounded(lo, w)}"
        return f"{self.labels[j]} ≤ {rounded(hi, w)}"

    def box_lines(self, i: int | None = None) -> list[str]:
        """The box in words: its conditions, each with its quasi-p-value, and its statistics."""
        i = self.chosen if i is None else i
        b = self.box(i)
        qp = self.trajectory.quasi_p(i)
        lines = [
            f"box {i}: coverage {b.coverage:.2f}, density {b.density:.2f}, mass {b.mass:.2f} "
            f"({b.k:,} of {b.n:,} runs inside show {self.description}; "
            f"{b.k:,} of {self.box(0).k:,} such runs fall inside)"
        ]
        if not b.restricted:
            lines.append("  no parameter is restricted: the whole swept space")
        for j in b.restricted:
            ps = [qp[(j, s)] for s in (0, 1) if (j, s) in qp]
            lines.append(f"  {self.limit_text(j, b.limits)}  (quasi-p {_p(max(ps))})")
        return lines

    def trajectory_rows(self) -> list[tuple[int, float, float, float, int]]:
        """(box, coverage, density, mass, restricted parameters) for every box."""
        return [
            (i, b.coverage, b.density, b.mass, len(b.restricted))
            for i, b in enumerate(self.trajectory.boxes)
        ]

    def leaf_lines(self, limit: int = 3) -> list[str]:
        """The tree's densest leaves in words."""
        out = []
        total_k = self.box(0).k
        for leaf in self.leaves[:limit]:
            conds = [
                self.limit_text(j, leaf.limits)
                for j in range(len(self.params))
                if np.isfinite(leaf.limits[j]).any()
            ]
            where = " and ".join(conds) or "everywhere"
            out.append(
                f"{where}: density {leaf.density:.2f}, coverage "
                f"{leaf.k / total_k:.2f} ({leaf.k:,} of {leaf.n:,} runs)"
            )
        return out

    def score_lines(self) -> list[str]:
        """Parameters ranked by their extra-trees score."""
        return [f"{self.labels[j]}: {self.scores[j]:.2f}" for j in self.ranked()]

    def findings(self) -> list[str]:
        """Plain-language sentences for a report."""
        b = self.box()
        base = self.box(0).density
        conds = [self.limit_text(j, b.limits) for j in b.restricted]
        out = [
            f"Overall {base:.0%} of runs show {self.description}. "
            + (
                f"PRIM finds it in {b.density:.0%} of runs where "
                + " and ".join(conds)
                + f" (box {self.chosen}: {b.coverage:.0%} of all such runs fall there, in "
                f"{b.mass:.0%} of the runs)."
                if conds
                else "PRIM finds no region where it is clearly more common."
            )
        ]
        if self.leaves:
            out.append("The classification tree's densest leaf: " + self.leaf_lines(1)[0] + ".")
        if np.isfinite(self.scores).any():
            ranked = self.ranked()
            out.append(
                "Parameters by importance for it (extra-trees score, summing to 1): "
                + "; ".join(self.score_lines())
                + f". {self.labels[ranked[0]]} matters most."
            )
        return out


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def discover(
    runs: pd.DataFrame,
    spec: Scenario,
    outcome: str | Outcome = "agreed",
    box: int | None = None,
    alpha: float = 0.05,
    mass_min: float = 0.05,
) -> Discovery:
    """PRIM, a classification tree and feature scores for `outcome` over the swept parameters."""
    from sim.plots.outcomes import swept_parameters
    from sim.scenario.words import parameter_label

    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    params = swept_parameters(ok)
    if not params:
        raise ValueError("these results sweep no parameter: there is no region to discover")
    target = outcome if isinstance(outcome, Outcome) else parse_outcome(outcome, list(runs.columns))
    points = point_table(ok, params, target)
    x = points[params].to_numpy(dtype=float)
    n, k = points["runs"].to_numpy(), points["hits"].to_numpy()
    description = target.describe(spec)
    if k.sum() == 0:
        raise ValueError(f"no completed run shows {description}: there is no region to find")
    trajectory = peel(x, n, k, alpha=alpha, mass_min=mass_min)
    chosen = balanced_box(trajectory) if box is None else box
    if not 0 <= chosen < len(trajectory.boxes):
        raise ValueError(
            f"--box {box}: the peeling trajectory has boxes 0 to {len(trajectory.boxes) - 1}"
        )
    leaves = tree_leaves(x, n, k) if 0 < k.sum() < n.sum() else []
    return Discovery(
        outcome=target,
        description=description,
        params=params,
        labels=[parameter_label(p, spec) for p in params],
        points=points,
        trajectory=trajectory,
        chosen=chosen,
        leaves=leaves,
        scores=feature_scores(x, n, k),
    )
