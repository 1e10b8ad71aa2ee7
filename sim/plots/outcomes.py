"""Outcome distributions over stored runs: each dataset is built by one function and drawn by
another onto an `ax=` it is given; `outcome_figures` builds every figure and `save_figures` writes
them. Probabilities carry Wilson intervals and means bootstrap intervals (both from `sim.stats`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.plots.style import (
    LIGHT,
    NEUTRAL,
    anchor_axis,
    colours_of,
    new_axes,
    new_figure,
    short_name,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.scenario.models import Scenario

CONFIDENCE = 0.95
_OUTLINE: list[Any] = []  # filled on first use: a black outline that keeps medians visible


def _outline() -> list[Any]:
    if not _OUTLINE:
        from matplotlib import patheffects

        _OUTLINE.extend([patheffects.Stroke(linewidth=3, foreground="black"), patheffects.Normal()])
    return _OUTLINE


# --- datasets -------------------------------------------------------------------------------
def ok_rows(runs: pd.DataFrame) -> pd.DataFrame:
    """Completed runs only: failed rows have no outcome to plot."""
    return runs[runs["status"] == "ok"] if "status" in runs.columns else runs


def value_distribution(runs: pd.DataFrame, issue: str) -> pd.DataFrame:
    """Share of runs ending at each final value of `issue`, split into agreed and reverted.

    Values are rounded to 0.001 (package grids are discrete); more than 21 distinct values are
    binned to the nearest 0.05. Columns: value, agreed, reverted (shares of all completed runs).
    """
    import pandas as pd

    ok = ok_rows(runs)
    values = ok[f"issue.{issue}.value"].to_numpy(dtype=float).round(3)
    if len(np.unique(values)) > 21:
        values = (values * 20).round() / 20
    agreed = ok[f"issue.{issue}.agreed"].to_numpy(dtype=bool)
    n = max(len(values), 1)
    rows = [
        {
            "value": v,
            "agreed": np.count_nonzero((values == v) & agreed) / n,
            "reverted": np.count_nonzero((values == v) & ~agreed) / n,
        }
        for v in np.unique(values)
    ]
    return pd.DataFrame(rows, columns=["value", "agreed", "reverted"])


def agreement_table(runs: pd.DataFrame, spec: Scenario) -> pd.DataFrame:
    """Probability that each issue is agreed (and that all are), with Wilson 95% intervals.

    Columns: key ("all" for full agreement), label, k, n, p, lo, hi.
    """
    import pandas as pd

    from sim.stats import wilson_interval

    ok = ok_rows(runs)
    n = len(ok)
    rows = []
    columns = [("all", "All issues (full agreement)", "agreed")] + [
        (k, issue.label, f"issue.{k}.agreed") for k, issue in spec.issues.items()
    ]
    for key, label, col in columns:
        k = int(ok[col].astype(bool).sum())
        lo, hi = wilson_interval(k, n, CONFIDENCE)
        rows.append(
            {"key": key, "label": label, "k": k, "n": n, "p": k / n if n else math.nan}
            | {"lo": lo, "hi": hi}
        )
    return pd.DataFrame(rows)


def utility_samples(runs: pd.DataFrame, spec: Scenario) -> dict[str, np.ndarray]:
    """Each actor's undiscounted utility in every completed run, in the scenario's actor order."""
    ok = ok_rows(runs)
    return {a: ok[f"utility.{a}"].to_numpy(dtype=float) for a in spec.actors}


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean with its percentile-bootstrap 95% interval (seeded, so figures are reproducible)."""
    from sim.stats import bootstrap_mean_interval

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    lo, hi = bootstrap_mean_interval(x, CONFIDENCE, n_boot=1000, rng=0)
    return float(x.mean()), lo, hi


def rounds_distribution(runs: pd.DataFrame) -> pd.DataFrame:
    """Share of runs reaching full agreement in each round (0 = first offer), plus "none".

    Columns: round (int, -1 for no full agreement), share.
    """
    import pandas as pd

    ok = ok_rows(runs)
    n = max(len(ok), 1)
    rounds = np.where(ok["agreed"].to_numpy(dtype=bool), ok["round"].to_numpy(dtype=int), -1)
    values, counts = np.unique(rounds, return_counts=True)
    return pd.DataFrame({"round": values, "share": counts / n})


def swept_parameters(runs: pd.DataFrame) -> list[str]:
    """The `param.*` columns that take more than one value: the axes of the sweep."""
    return [c for c in runs.columns if c.startswith("param.") and runs[c].nunique() > 1]


def parameter_label(column: str, spec: Scenario) -> str:
    """A readable name for a swept path: 'param.actors.russia.outside_option' → 'Russia: outside
    option'."""
    parts = column.removeprefix("param.").split(".")
    if parts[0] == "actors" and len(parts) > 2:
        return f"{short_name(spec, parts[1])}: " + " ".join(parts[2:]).replace("_", " ")
    if parts[0] == "issues" and len(parts) > 2 and parts[1] in spec.issues:
        return f"{spec.issues[parts[1]].label}: " + " ".join(parts[2:]).replace("_", " ")
    return " ".join(parts).replace("_", " ")


def sweep_table(runs: pd.DataFrame, spec: Scenario, param: str) -> pd.DataFrame:
    """Outcome statistics at each value of one swept parameter, in long form.

    Columns: x, quantity ("agreed" | "issue.<k>.agreed" | "issue.<k>.value" | "utility.<a>" |
    "issue.<k>.option.<name>" for an issue of named options), kind ("probability": Wilson
    interval, "mean": bootstrap interval), estimate, lo, hi, n.
    """
    import pandas as pd

    from sim.stats import wilson_interval

    ok = ok_rows(runs)
    flags = ["agreed"] + [f"issue.{k}.agreed" for k in spec.issues]
    means = [f"issue.{k}.value" for k in spec.issues] + [f"utility.{a}" for a in spec.actors]
    # On an issue of named options: the share of runs ending at each option.
    for k, issue in spec.issues.items():
        for point, name in issue.anchors.items() if issue.options is not None else []:
            ok = ok.assign(
                **{f"issue.{k}.option.{name}": (ok[f"issue.{k}.value"] - point).abs() < 1e-6}
            )
            flags.append(f"issue.{k}.option.{name}")
    rows = []
    for x, group in ok.groupby(param, sort=True):
        n = len(group)
        for col in flags:
            k = int(group[col].astype(bool).sum())
            lo, hi = wilson_interval(k, n, CONFIDENCE)
            rows.append(dict(x=x, quantity=col, kind="probability", estimate=k / n, lo=lo, hi=hi))
        for col in means:
            m, lo, hi = mean_interval(group[col].to_numpy(dtype=float))
            rows.append(dict(x=x, quantity=col, kind="mean", estimate=m, lo=lo, hi=hi))
        for row in rows[-len(flags) - len(means) :]:
            row["n"] = n
    return pd.DataFrame(rows)


def heatmap_table(runs: pd.DataFrame, px: str, py: str, column: str) -> pd.DataFrame:
    """Mean of `column` (a 0/1 flag gives a probability) on the grid of two swept parameters:
    rows are values of `py`, columns values of `px`."""
    ok = ok_rows(runs)
    return ok.assign(_v=ok[column].astype(float)).pivot_table(
        index=py, columns=px, values="_v", aggfunc="mean"
    )


# --- drawing --------------------------------------------------------------------------------
def draw_value_distribution(
    data: pd.DataFrame,
    spec: Scenario,
    issue: str,
    ax: Any = None,
    offset: float = 0.0,
    width: float = 0.06,
    bar: dict[str, Any] | None = None,
    label: str | None = None,
    markers: bool = True,
    wrap: int = 16,
) -> Figure:
    """Bars of the share of runs at each final value, anchors labelled on the x axis; agreed runs
    solid, reverted runs light (or one style per scenario when `bar` is given, for comparisons).
    Triangles along the top mark each actor's ideal point (its best option, on an issue of named
    options), a dashed line the reversion point."""
    fig, ax = new_axes(ax)
    x = data["value"].to_numpy() + offset
    if bar is None:
        ax.bar(x, data["agreed"], width, color=NEUTRAL, label="agreed")
        ax.bar(x, data["reverted"], width, bottom=data["agreed"], color=LIGHT, label="reverted")
    else:
        ax.bar(x, data["agreed"] + data["reverted"], width, label=label, **bar)
    if markers:
        draw_positions(spec, issue, ax)
    named = spec.issues[issue].options is not None
    anchor_axis(ax, spec.issues[issue].anchors, axis="x", width=wrap, numbers=not named)
    ax.set_ylim(0, 1.12)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_title(spec.issues[issue].label, fontsize=10)
    ax.set_ylabel("share of runs")
    return fig


def draw_positions(spec: Scenario, issue: str, ax: Any) -> None:
    """Each actor's ideal point on an issue (a triangle in its colour along the top of the axes;
    actors who share a point are stacked) and the reversion point (a dashed line)."""
    colours = colours_of(spec)
    seen: dict[float, int] = {}
    options = spec.issues[issue].options
    for a, actor in spec.actors.items():
        pref = actor.preferences.get(issue)
        if pref is None or pref.salience <= 0:
            continue
        point = pref.ideal
        if pref.utilities is not None and options is not None:  # its best option
            point = options.index(max(options, key=pref.utilities.get)) / (len(options) - 1)
        level = seen.get(round(point, 3), 0)
        seen[round(point, 3)] = level + 1
        # One legend entry per actor, whatever kind of issue the marker sits on.
        named = any(i.options is not None for i in spec.issues.values())
        what = "ideal point or best option" if named else "ideal point"
        ax.plot(point, 1.09 - 0.045 * level, "v", color=colours[a], ms=7,
                markeredgecolor="black", markeredgewidth=0.5, clip_on=False,
                label=f"{what}: {short_name(spec, a)}")  # fmt: skip
    reversion = spec.issues[issue].reversion_value
    ax.axvline(reversion, color="black", ls="--", lw=0.9, label="reversion")


def draw_agreement(
    table: pd.DataFrame,
    ax: Any = None,
    offset: float = 0.0,
    height: float = 0.6,
    bar: dict[str, Any] | None = None,
    label: str | None = None,
) -> Figure:
    """Horizontal bars: probability that each issue (and all of them) is agreed, with Wilson 95%
    interval whiskers."""
    fig, ax = new_axes(ax)
    y = np.arange(len(table))[::-1] + offset
    p = table["p"].to_numpy()
    err = np.vstack([p - table["lo"].to_numpy(), table["hi"].to_numpy() - p])
    style = bar or {"color": NEUTRAL}
    ax.barh(y, p, height, xerr=err, capsize=3, label=label, **style)
    ax.set_yticks(np.arange(len(table))[::-1], [_wrap(s, 26) for s in table["label"]])
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability the issue is agreed (bars: 95% Wilson interval)")
    ax.set_title("How often each issue is agreed")
    return fig


def draw_utilities(
    samples: dict[str, np.ndarray],
    spec: Scenario,
    ax: Any = None,
    offset: float = 0.0,
    width: float = 0.6,
    box: dict[str, Any] | None = None,
    label: str | None = None,
) -> Figure:
    """Box plots of each actor's utility (actor colours), with the mean and its bootstrap 95%
    interval as a black dot and bar."""
    fig, ax = new_axes(ax)
    colours = colours_of(spec)
    actors = list(samples)
    pos = np.arange(len(actors)) + offset
    parts = ax.boxplot(
        [samples[a] for a in actors],
        positions=pos,
        widths=width,
        patch_artist=True,
        whis=(0, 100),
        showfliers=False,
        medianprops={"color": "white", "linewidth": 1.5, "path_effects": _outline()},
    )
    for a, patch in zip(actors, parts["boxes"], strict=True):
        style = box or {"facecolor": colours[a], "alpha": 0.75}
        patch.set(**style)
    for p, a in zip(pos, actors, strict=True):
        m, lo, hi = mean_interval(samples[a])
        ax.errorbar(p, m, yerr=[[m - lo], [hi - m]], fmt="o", color="black", ms=4, capsize=3)
    ax.set_xticks(np.arange(len(actors)), [short_name(spec, a) for a in actors])
    for tick, a in zip(ax.get_xticklabels(), actors, strict=True):
        tick.set_color(colours[a])
        tick.set_fontweight("bold")
    ax.set_ylabel("utility of the final outcome (undiscounted)")
    ax.set_title("Each actor's utility (box: quartiles, whiskers: range; dot: mean, 95% CI)")
    if label:
        parts["boxes"][0].set_label(label)
    return fig


def draw_rounds(
    data: pd.DataFrame,
    deadline: int,
    ax: Any = None,
    offset: float = 0.0,
    width: float = 0.8,
    bar: dict[str, Any] | None = None,
    label: str | None = None,
) -> Figure:
    """Bars of the share of runs reaching full agreement in each round; the last bar collects runs
    without full agreement."""
    fig, ax = new_axes(ax)
    share = dict(zip(data["round"], data["share"], strict=True))
    x = np.arange(deadline + 1)
    heights = [share.get(r, 0.0) for r in range(deadline)] + [share.get(-1, 0.0)]
    style = bar or {"color": [NEUTRAL] * deadline + [LIGHT]}
    ax.bar(x + offset, heights, width, label=label, **style)
    step = max(1, math.ceil(deadline / 15))  # at most ~15 round labels
    ticks = list(range(0, deadline, step))
    ax.set_xticks([*ticks, deadline], [str(r) for r in ticks] + ["none"])
    ax.set_xlabel("round of full agreement (0 = first offer; 'none' = no full agreement)")
    ax.set_ylabel("share of runs")
    ax.set_title("When full agreement is reached")
    return fig


def draw_sweep(
    table: pd.DataFrame,
    quantity: str,
    ax: Any = None,
    colour: str = NEUTRAL,
    label: str | None = None,
    linestyle: Any = "-",
) -> Figure:
    """One statistic against the swept parameter: a line with its 95% band."""
    fig, ax = new_axes(ax)
    t = table[table["quantity"] == quantity].sort_values("x")
    ax.plot(t["x"], t["estimate"], marker="o", ms=3, color=colour, label=label, ls=linestyle)
    ax.fill_between(t["x"], t["lo"], t["hi"], color=colour, alpha=0.2, lw=0)
    if t["x"].map(lambda v: isinstance(v, str)).any():  # named values: wrap their labels
        ax.set_xticks(range(len(t)), [_wrap(str(v), 14) for v in t["x"]], fontsize=7)
    return fig


def draw_heatmap(grid: pd.DataFrame, ax: Any = None, title: str = "", cbar: str = "") -> Figure:
    """A heatmap of one statistic over two parameters, each cell annotated with its value."""
    fig, ax = new_axes(ax)
    values = grid.to_numpy(dtype=float)
    image = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1)
    show = [f"{v:g}" if not isinstance(v, str) else v for v in grid.columns]
    ax.set_xticks(range(grid.shape[1]), show)
    ax.set_yticks(
        range(grid.shape[0]), [f"{v:g}" if not isinstance(v, str) else v for v in grid.index]
    )
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if v < 0.6 else "black")  # fmt: skip
    ax.grid(False)
    ax.set_title(_wrap(title, 34), fontsize=10)
    fig.colorbar(image, ax=ax, label=cbar, shrink=0.8)
    return fig


def _figure_legend(fig: Figure, axes: Any) -> None:
    """One legend for a grid of panels, collecting every distinct label once, under the title."""
    entries: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    fig.legend(
        entries.values(), entries.keys(), loc="outside lower center", ncols=min(8, len(entries))
    )


def _wrap(text: str, width: int) -> str:
    import textwrap

    return textwrap.fill(text, width)


# --- whole figures --------------------------------------------------------------------------
HEATMAP_LEVELS = 12  # most distinct values per axis for a readable heatmap


def outcome_figures(runs: pd.DataFrame, spec: Scenario, name: str = "") -> dict[str, Figure]:
    """Every figure for one results set, keyed by file stem: issue values, agreement, utilities,
    rounds, and the sweep figures (curves for one axis, heatmaps for two)."""
    n = len(ok_rows(runs))
    where = f"{name or spec.name} ({n} runs)"
    figs: dict[str, Figure] = {}
    keys = list(spec.issues)
    cols = min(3, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig = new_figure((4.6 * cols, 3.4 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, k in zip(axes, keys, strict=False):
        draw_value_distribution(value_distribution(runs, k), spec, k, ax=ax)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    _figure_legend(fig, axes[: len(keys)])
    fig.suptitle(f"Final value of each issue: {where}")
    figs["issue_values"] = fig
    fig, _ = new_axes(size=(7.5, 0.55 * len(keys) + 2.2))
    draw_agreement(agreement_table(runs, spec), ax=fig.axes[0])
    fig.suptitle(where, fontsize=10, fontweight="normal")
    figs["agreement"] = fig
    fig, _ = new_axes(size=(1.5 * len(spec.actors) + 3, 4.4))
    draw_utilities(utility_samples(runs, spec), spec, ax=fig.axes[0])
    fig.suptitle(where, fontsize=10, fontweight="normal")
    figs["utilities"] = fig
    fig, _ = new_axes(size=(7.5, 4))
    draw_rounds(rounds_distribution(runs), spec.protocol.deadline, ax=fig.axes[0])
    fig.suptitle(where, fontsize=10, fontweight="normal")
    figs["rounds"] = fig
    params = swept_parameters(ok_rows(runs))
    # Heatmaps need a grid; sampled designs (LHS, Sobol) have a new value at every point.
    on_grid = all(ok_rows(runs)[p].nunique() <= HEATMAP_LEVELS for p in params)
    # --- sampled designs (sim/plots/sampled.py): scatter of points and binned trends ---
    from sim.plots.sampled import is_sampled, sampled_figures

    if is_sampled(runs, params):
        figs.update(sampled_figures(runs, spec, params, where))
    # --- end of sampled designs ---
    elif len(params) == 2 and on_grid:
        figs.update(heatmap_figures(runs, spec, params[0], params[1], where))
    else:
        for p in params:
            figs.update(sweep_figures(runs, spec, p, where, pooled=len(params) > 1))
    return figs


def sweep_figures(
    runs: pd.DataFrame, spec: Scenario, param: str, where: str, pooled: bool = False
) -> dict[str, Figure]:
    """Outcome probabilities (Wilson bands) and means (bootstrap bands) against one parameter."""
    table = sweep_table(runs, spec, param)
    xlabel = parameter_label(param, spec)
    note = " (averaged over the other swept parameters)" if pooled else ""
    stem = "sweep_" + param.removeprefix("param.").replace(".", "_")
    keys = list(spec.issues)
    fig = new_figure((3.3 * len(keys), 6.6))
    axes = fig.subplots(2, len(keys), squeeze=False)
    for j, k in enumerate(keys):
        top, bottom = axes[0, j], axes[1, j]
        draw_sweep(table, f"issue.{k}.agreed", ax=top)
        top.set_ylim(0, 1)
        top.set_title(_wrap(spec.issues[k].label, 30), fontsize=10)
        if spec.issues[k].options is None:
            draw_sweep(table, f"issue.{k}.value", ax=bottom)
            anchor_axis(bottom, spec.issues[k].anchors, width=16)
        else:  # no mean of named options: the probability of each
            for j, name in enumerate(spec.issues[k].options):
                draw_sweep(table, f"issue.{k}.option.{name}", ax=bottom, label=name,
                           linestyle=["-", "--", ":", "-."][j % 4])  # fmt: skip
            bottom.set_ylim(0, 1)
            bottom.set_ylabel("probability of each option\n(band: 95% Wilson)", fontsize=8)
            bottom.legend(fontsize=7, loc="best")
        bottom.set_xlabel(_wrap(xlabel, 30))
    axes[0, 0].set_ylabel("probability agreed\n(band: 95% Wilson)")
    if spec.issues[keys[0]].options is None:
        axes[1, 0].set_ylabel("mean final value\n(band: 95% bootstrap)")
    fig.suptitle(f"Issues against {xlabel}{note}: {where}")
    figures = {f"{stem}_issues": fig}
    fig = new_figure((11, 4.2))
    left, right = fig.subplots(1, 2)
    draw_sweep(table, "agreed", ax=left)
    left.set(ylim=(0, 1), xlabel=xlabel, ylabel="probability (band: 95% Wilson)")
    left.set_title("Full agreement on every issue")
    colours = colours_of(spec)
    for a in spec.actors:
        draw_sweep(table, f"utility.{a}", ax=right, colour=colours[a], label=short_name(spec, a))
    right.set(xlabel=xlabel, ylabel="mean utility (band: 95% bootstrap)")
    right.set_title("Each actor's mean utility")
    right.legend(loc="best")
    fig.suptitle(f"Agreement and utilities against {xlabel}{note}: {where}")
    figures[f"{stem}_actors"] = fig
    return figures


def heatmap_figures(
    runs: pd.DataFrame, spec: Scenario, px: str, py: str, where: str
) -> dict[str, Figure]:
    """Heatmaps over two swept parameters: probability of agreement, and mean final values."""
    xl, yl = parameter_label(px, spec), parameter_label(py, spec)
    keys = list(spec.issues)
    panels = [("agreed", "All issues (full agreement)")] + [
        (f"issue.{k}.agreed", spec.issues[k].label) for k in keys
    ]
    figures = {}
    for stem, items, cbar in (
        ("heatmap_agreement", panels, "probability agreed"),
        (
            "heatmap_values",
            [
                (f"issue.{k}.value", spec.issues[k].label)
                for k in keys
                if spec.issues[k].options is None
            ],  # options have no mean
            "mean final value",
        ),
    ):
        cols = min(3, len(items))
        rows = math.ceil(len(items) / cols)
        fig = new_figure((4.8 * cols, 3.8 * rows))
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax, (col, title) in zip(axes, items, strict=False):
            draw_heatmap(heatmap_table(runs, px, py, col), ax=ax, title=title, cbar=cbar)
            ax.set(xlabel=xl, ylabel=yl)
        for ax in axes[len(items) :]:
            ax.set_visible(False)
        what = "Probability each issue is agreed" if stem.endswith("agreement") else (
            "Mean final value of each issue (0–1 scale of its anchors)")  # fmt: skip
        fig.suptitle(f"{what}: {where}")
        figures[stem] = fig
    return figures


def save_figures(figures: dict[str, Figure], folder: str | Path) -> list[Path]:
    """Write every figure as `folder/<stem>.png` and return the paths, in order."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, fig in figures.items():
        path = out / f"{stem}.png"
        fig.savefig(path)
        paths.append(path)
    return paths
