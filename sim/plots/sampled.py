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
import textwrap
from typing import TYPE_CHECKING

import numpy as np

from sim.plots.outcomes import CONFIDENCE, ok_rows
from sim.plots.style import LIGHT, MIN_FONT, NEUTRAL, colours_of, new_figure
from sim.scenario.words import parameter_label, parameter_phrase, short_name

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.scenario.models import Scenario

BINS = 8  # bins of each parameter's range for the trend; an LHS of 64 points puts 8 in each
NOTE = "other parameters vary across their ranges"
TREND = "Dots: design points with 95% {} intervals; line: binned mean with a 95% bootstrap band."


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


def _panels(
    table: pd.DataFrame,
    spec: Scenario,
    param: str,
    rows: list[tuple[str, str, str]],
    question: str,
    context: str,
) -> Figure:
    """One question about one parameter: a small panel per quantity (rows: quantity, panel
    title, colour), up to three across, probabilities from 0 to 100%."""
    from sim.plots.style import SLIDE_WIDTH, TALLEST, ask, percent_axis

    across = min(3, len(rows))
    down = math.ceil(len(rows) / across)
    fig = new_figure((SLIDE_WIDTH, min(TALLEST, 1.2 + 2.6 * down)))
    axes = fig.subplots(down, across, squeeze=False, sharex=True, sharey=True).ravel()
    for ax, (quantity, label, colour) in zip(axes, rows, strict=False):
        draw_points_and_trend(table, param, quantity, ax, colour)
        ax.set_title(textwrap.fill(label, 30), fontsize=MIN_FONT + 1)
        if quantity == "agreed" or quantity.endswith(".agreed"):
            percent_axis(ax)
        else:
            ax.set_ylim(-0.05, 1.05)
    for ax in axes[len(rows) :]:
        ax.set_visible(False)
    for ax in axes[(down - 1) * across :]:
        ax.set_xlabel(textwrap.fill(parameter_label(param, spec), 30))
    ask(fig, question, context)
    return fig


def _utilities(table: pd.DataFrame, spec: Scenario, param: str, where: str) -> Figure:
    """Each actor's mean utility against one parameter, in the actors' colours on one axes."""
    from sim.plots.style import SLIDE, ask

    fig = new_figure(SLIDE)
    ax = fig.add_subplot()
    colours = colours_of(spec)
    for a in spec.actors:
        draw_points_and_trend(table, param, f"utility.{a}", ax, colours[a])
        ax.plot([], [], color=colours[a], label=short_name(spec, a))
    ax.set_ylim(min(0.0, ax.get_ylim()[0]), max(1.0, ax.get_ylim()[1]))
    ax.set(xlabel=parameter_label(param, spec), ylabel="mean utility")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ask(fig, f"How does {parameter_phrase(param, spec)} change what each party gets?",
        f"{where}; {NOTE}. {TREND.format('t')}")  # fmt: skip
    return fig


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
    from sim.plots.style import ask

    fig = new_figure((9.5, 6.9))
    ax = fig.add_subplot()
    share = pts["hits"] / pts["runs"]
    image = ax.scatter(x[:, jx], x[:, jy], c=share, cmap="viridis", vmin=0, vmax=1, s=70,
                       edgecolor="black", linewidth=0.3)  # fmt: skip
    fig.colorbar(image, ax=ax, label="share of the point's runs with full agreement")

    def name(j: int) -> str:
        return f"{parameter_label(params[j], spec)} (importance {scores[j]:.2f})"

    ax.set_xlabel(textwrap.fill(name(jx), 50))
    ax.set_ylabel(textwrap.fill(name(jy), 36))
    ask(fig, "Where, over the two parameters that matter most, is a full agreement reached?",
        f"{where}: {len(pts)} design points; {NOTE if len(params) > 2 else 'nothing else is swept'}.")  # fmt: skip
    return fig


def sampled_figures(
    runs: pd.DataFrame, spec: Scenario, params: list[str], where: str
) -> dict[str, Figure]:
    """Every figure for a sampled design, one question each: for each parameter, the chance each
    issue is agreed, where each issue ends and what each party gets; then the pair plot."""
    table = point_estimates(runs, spec, params)
    agreement = [("agreed", "full agreement (every issue)", NEUTRAL)] + [
        (f"issue.{k}.agreed", issue.label, NEUTRAL) for k, issue in spec.issues.items()
    ]
    values = [(f"issue.{k}.value", issue.label, NEUTRAL) for k, issue in spec.issues.items()]
    figures = {}
    for p in params:
        name, stem = parameter_phrase(p, spec), p.removeprefix("param.").replace(".", "_")
        figures[f"sampled_agreement_{stem}"] = _panels(
            table,
            spec,
            p,
            agreement,
            f"How does {name} change the chance each issue is agreed?",
            f"{where}; {NOTE}. {TREND.format('Wilson')}",
        )
        figures[f"sampled_values_{stem}"] = _panels(
            table,
            spec,
            p,
            values,
            f"How does {name} change where each issue ends (0 to 1)?",
            f"{where}; {NOTE}. {TREND.format('t')}",
        )
        figures[f"sampled_utilities_{stem}"] = _utilities(table, spec, p, where)
    if len(params) >= 2:
        figures["sampled_pairs"] = pair_figure(runs, spec, params, where)
    return figures
