"""Figures for sampled designs (Latin hypercube, Sobol, Morris, Saltelli): every design point is a
new combination of all the swept parameters, so a line joining the points along one parameter is
a saw-tooth of the others' changes. Instead each outcome is drawn against each parameter as a
scatter of design points (each point's runs summarised with its 95% interval) under a binned trend
(the mean over the points in each bin, with a 95% bootstrap band over those points), saying that
the other parameters vary across their ranges; and a pair plot shows the two parameters that
matter most for full agreement, each point shaded by its share of full agreement.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.plots.outcomes import CONFIDENCE, ok_rows, parameter_label
from sim.plots.style import LIGHT, NEUTRAL, anchor_axis, colours_of, new_figure, short_name

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.scenario.models import Scenario

BINS = 8  # bins of each parameter's range for the trend; an LHS of 64 points puts 8 in each
NOTE = "other parameters vary across their ranges"


def is_sampled(runs: pd.DataFrame, params: list[str]) -> bool:
    """True when two or more swept parameters do not form a full grid: a sampled design."""
    if len(params) < 2:
        return False
    ok = ok_rows(runs)
    return ok.groupby(params).ngroups < math.prod(ok[p].nunique() for p in params)


def point_estimates(runs: pd.DataFrame, spec: Scenario, params: list[str]) -> pd.DataFrame:
    """One row per design point and quantity: the point's parameters, the estimate over its runs
    and its 95% interval (Wilson for probabilities; Student's t for means, since a point holds
    few runs and a sampled design has hundreds of points), and its runs.

    Columns: point, <params>, quantity, kind ("probability" | "mean"), estimate, lo, hi, n.
    """
    import pandas as pd
    from scipy.stats import t as student

    from sim.stats import wilson_interval

    ok = ok_rows(runs)
    groups = ok.groupby("point", sort=True)
    where = groups[params].first()
    n = groups.size().to_numpy()
    frames = []
    for col in ["agreed"] + [f"issue.{k}.agreed" for k in spec.issues]:
        hits = groups[col].sum().to_numpy(dtype=float)
        lo, hi = wilson_interval(hits, n, CONFIDENCE)
        frames.append(where.assign(quantity=col, kind="probability", estimate=hits / n, lo=lo,
                                   hi=hi, n=n))  # fmt: skip
    for col in [f"issue.{k}.value" for k in spec.issues] + [f"utility.{a}" for a in spec.actors]:
        m = groups[col].mean().to_numpy()
        c = groups[col].count().to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            half = student.ppf(0.5 + CONFIDENCE / 2, c - 1) * groups[col].std().to_numpy()
            half /= np.sqrt(c)
        frames.append(where.assign(quantity=col, kind="mean", estimate=m, lo=m - half,
                                   hi=m + half, n=n))  # fmt: skip
    return pd.concat(frames).reset_index()


def binned_trend(x: np.ndarray, y: np.ndarray, bins: int = BINS) -> pd.DataFrame:
    """The mean of the design points' estimates in equal-width bins of x, with a 95% bootstrap
    interval that resamples the points (the unit that varies the other parameters).

    Columns: x (bin centre), estimate, lo, hi, points. Bins without points are left out.
    """
    import pandas as pd

    from sim.stats import bootstrap_mean_interval

    edges = np.linspace(np.min(x), np.max(x), bins + 1)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        v = y[(which == b) & np.isfinite(y)]
        if v.size == 0:
            continue
        lo, hi = bootstrap_mean_interval(v, CONFIDENCE, n_boot=1000, rng=0)
        rows.append(dict(x=(edges[b] + edges[b + 1]) / 2, estimate=v.mean(), lo=lo, hi=hi,
                         points=v.size))  # fmt: skip
    return pd.DataFrame(rows)


def draw_points_and_trend(
    table: pd.DataFrame, param: str, quantity: str, ax, colour: str = NEUTRAL
) -> None:
    """One quantity against one parameter: the design points with their intervals (light) and
    the binned trend with its band (dark)."""
    t = table[table["quantity"] == quantity]
    x, y = t[param].to_numpy(dtype=float), t["estimate"].to_numpy(dtype=float)
    ax.vlines(x, t["lo"], t["hi"], color=LIGHT, lw=0.8, zorder=1)
    ax.scatter(x, y, s=9, color=colour, alpha=0.55, lw=0, zorder=2)
    trend = binned_trend(x, y)
    ax.fill_between(trend["x"], trend["lo"], trend["hi"], color=colour, alpha=0.25, lw=0, zorder=3)
    ax.plot(trend["x"], trend["estimate"], color=colour, lw=2, zorder=4)


def _grid(
    table: pd.DataFrame,
    spec: Scenario,
    params: list[str],
    rows: list[tuple[str, str, str]],
    title: str,
    ylabel: str,
) -> Figure:
    """Panels of quantities (rows: quantity, row label, colour) against parameters (columns)."""
    fig = new_figure((3.6 * len(params) + 1.2, 2.4 * len(rows) + 1.2))
    axes = fig.subplots(len(rows), len(params), squeeze=False, sharex="col", sharey="row")
    for i, (quantity, label, colour) in enumerate(rows):
        for j, p in enumerate(params):
            ax = axes[i, j]
            draw_points_and_trend(table, p, quantity, ax, colour)
            if quantity.endswith(".value"):
                key = quantity.split(".")[1]
                if j == 0:
                    anchor_axis(ax, spec.issues[key].anchors, width=14)
                else:
                    ax.set_ylim(-0.05, 1.05)
            elif quantity == "agreed" or quantity.endswith(".agreed"):
                ax.set_ylim(-0.02, 1.02)
            if j == 0:
                ax.set_ylabel(_wrap(label, 22), fontsize=9)
            if i == len(rows) - 1:
                ax.set_xlabel(_wrap(parameter_label(p, spec), 30))
    fig.suptitle(f"{title}\n({NOTE}; {ylabel})")
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return textwrap.fill(text, width)


def pair_figure(runs: pd.DataFrame, spec: Scenario, params: list[str], where: str) -> Figure:
    """The two parameters that matter most for full agreement (extra-trees importance), each
    design point shaded by its share of runs with full agreement."""
    from sim.discovery.outcome import Outcome, point_table
    from sim.discovery.trees import feature_scores

    pts = point_table(runs, params, Outcome("agreed", "agreed"))
    x = pts[params].to_numpy(dtype=float)
    scores = feature_scores(x, pts["runs"].to_numpy(), pts["hits"].to_numpy())
    order = np.argsort(-np.nan_to_num(scores, nan=-1.0), kind="stable")[:2]
    jx, jy = int(order[0]), int(order[1])
    fig = new_figure((6.8, 5.2))
    ax = fig.add_subplot()
    share = pts["hits"] / pts["runs"]
    image = ax.scatter(x[:, jx], x[:, jy], c=share, cmap="viridis", vmin=0, vmax=1, s=30,
                       edgecolor="black", linewidth=0.3)  # fmt: skip
    fig.colorbar(image, ax=ax, label="share of the point's runs with full agreement")

    def name(j: int) -> str:
        return f"{parameter_label(params[j], spec)} (importance {scores[j]:.2f})"

    ax.set(xlabel=name(jx), ylabel=name(jy))
    fig.suptitle(
        f"Full agreement over the two parameters that matter most: {where}\n"
        f"({len(pts)} design points; {NOTE})",
        fontsize=11,
    )
    return fig


def sampled_figures(
    runs: pd.DataFrame, spec: Scenario, params: list[str], where: str
) -> dict[str, Figure]:
    """Every figure for a sampled design: probabilities, mean values and mean utilities against
    each parameter, and the pair plot."""
    table = point_estimates(runs, spec, params)
    agreement = [("agreed", "all issues (full agreement)", NEUTRAL)] + [
        (f"issue.{k}.agreed", issue.label, NEUTRAL) for k, issue in spec.issues.items()
    ]
    values = [(f"issue.{k}.value", issue.label, NEUTRAL) for k, issue in spec.issues.items()]
    colours = colours_of(spec)
    utilities = [(f"utility.{a}", short_name(spec, a), colours[a]) for a in spec.actors]
    figures = {
        "sampled_agreement": _grid(
            table, spec, params, agreement, f"Probability each issue is agreed: {where}",
            "dots: design points with 95% Wilson intervals; line: binned mean, 95% bootstrap band",
        ),
        "sampled_values": _grid(
            table, spec, params, values, f"Mean final value of each issue: {where}",
            "dots: design points with 95% t intervals; line: binned mean, 95% bootstrap band",
        ),
        "sampled_utilities": _grid(
            table, spec, params, utilities, f"Each actor's mean utility: {where}",
            "dots: design points with 95% t intervals; line: binned mean, 95% bootstrap band",
        ),
    }  # fmt: skip
    if len(params) >= 2:
        figures["sampled_pairs"] = pair_figure(runs, spec, params, where)
    return figures
