"""The two other views of scenario discovery, by scikit-learn: a shallow classification tree whose
leaves are boxes in their own right, and extra-trees feature scores (which parameters matter).

Both are fitted on design points weighted by their runs: a point with R runs of which H showed
the outcome is two weighted rows (outcome, weight H) and (no outcome, weight R − H), which is the
same fit as one row per run at a fraction of the size. Seeds are fixed, so results repeat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _weighted_rows(
    x: np.ndarray, runs: np.ndarray, hits: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point twice: labelled 1 with weight `hits` and 0 with weight `runs − hits`."""
    xx = np.vstack([x, x])
    y = np.concatenate([np.ones(len(x), dtype=int), np.zeros(len(x), dtype=int)])
    w = np.concatenate([hits, runs - hits]).astype(float)
    keep = w > 0
    return xx[keep], y[keep], w[keep]


@dataclass(frozen=True)
class Leaf:
    """A leaf of the tree: its limits per parameter (±inf when not split), runs, runs of interest."""

    limits: np.ndarray
    n: int
    k: int

    @property
    def density(self) -> float:
        return self.k / self.n if self.n else float("nan")


def tree_leaves(
    x: np.ndarray, runs: np.ndarray, hits: np.ndarray, depth: int = 3, min_share: float = 0.05
) -> list[Leaf]:
    """The leaves of a classification tree of at most `depth` splits, each holding at least
    `min_share` of the runs, sorted by density (share of runs of interest), highest first."""
    from sklearn.tree import DecisionTreeClassifier

    xx, y, w = _weighted_rows(x, runs, hits)
    if len(np.unique(y)) < 2:
        raise ValueError("the outcome is the same in every run: nothing to split on")
    model = DecisionTreeClassifier(
        max_depth=depth, min_weight_fraction_leaf=min_share, random_state=0
    ).fit(xx, y, sample_weight=w)
    tree = model.tree_
    leaves = []

    def walk(node: int, limits: np.ndarray) -> None:
        if tree.children_left[node] == -1:
            inside = np.all((x > limits[:, 0]) & (x <= limits[:, 1]), axis=1)
            leaves.append(Leaf(limits, int(runs[inside].sum()), int(hits[inside].sum())))
            return
        j, t = tree.feature[node], tree.threshold[node]
        left, right = limits.copy(), limits.copy()
        left[j, 1] = min(left[j, 1], t)  # sklearn sends x <= t to the left child
        right[j, 0] = max(right[j, 0], t)
        walk(tree.children_left[node], left)
        walk(tree.children_right[node], right)

    start = np.column_stack([np.full(x.shape[1], -np.inf), np.full(x.shape[1], np.inf)])
    walk(0, start)
    return sorted(leaves, key=lambda leaf: -leaf.density)


def feature_scores(x: np.ndarray, runs: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """Extra-trees importance of each parameter for the outcome (mean decrease in impurity,
    summing to 1), as EMA Workbench's feature scoring computes it."""
    from sklearn.ensemble import ExtraTreesClassifier

    xx, y, w = _weighted_rows(x, runs, hits)
    if len(np.unique(y)) < 2:
        return np.full(x.shape[1], np.nan)
    model = ExtraTreesClassifier(
        n_estimators=200, max_features=0.6, min_weight_fraction_leaf=0.01, random_state=0
    ).fit(xx, y, sample_weight=w)
    return np.asarray(model.feature_importances_, dtype=float)


def regression_scores(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Extra-trees importance of each parameter for a number measured at each design point (e.g.
    a mean final value), each point weighted by its runs."""
    from sklearn.ensemble import ExtraTreesRegressor

    if np.nanstd(y) == 0:
        return np.full(x.shape[1], np.nan)
    model = ExtraTreesRegressor(
        n_estimators=200, max_features=0.6, min_weight_fraction_leaf=0.01, random_state=0
    ).fit(x, y, sample_weight=weights)
    return np.asarray(model.feature_importances_, dtype=float)
