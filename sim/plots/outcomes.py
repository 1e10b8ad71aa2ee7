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
    MIN_FONT,
    NEUTRAL,
    anchor_axis,
    ask,
    clear_label,
    colours_of,
    label_bars,
    new_axes,
    new_figure,
    percent_axis,
)
from sim.scenario.words import parameter_label, parameter_phrase, short_name

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
    """Share of runs reaching full agreement in each round, plus "none".

    Columns: round (int as stored, counting from 0; -1 for no full agreement), share.
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


def axis_values(runs: pd.DataFrame, param: str) -> list[Any]:
    """A swept parameter's values in the order of its axis: numbers ascending, names (an issue's
    options, a recognition rule) in the order the sweep listed them, which is the order of its
    design points, never alphabetical."""
    column = runs[param]
    if column.map(lambda v: isinstance(v, str)).any():
        ordered = runs.sort_values("point", kind="stable") if "point" in runs else runs
        return list(dict.fromkeys(ordered[param]))
    return sorted(column.unique())


def sweep_table(runs: pd.DataFrame, spec: Scenario, param: str) -> pd.DataFrame:
    """Outcome statistics at each value of one swept parameter, in long form.

    Columns: x, quantity ("agreed" | "issue.<k>.agreed" | "issue.<k>.value" | "utility.<a>" |
    "issue.<k>.option.<name>" for an issue of named options), kind ("probability": Wilson
    interval, "mean": bootstrap interval), estimate, lo, hi, n. Named values of x are an
    ordered categorical in the axis order (`axis_values`), so sorting by x keeps that order.
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
    groups = dict(tuple(ok.groupby(param, sort=False)))
    for x in axis_values(ok, param):
        group = groups[x]
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
    table = pd.DataFrame(rows)
    if len(table) and isinstance(table["x"].iloc[0], str):
        table["x"] = pd.Categorical(table["x"], categories=axis_values(ok, param), ordered=True)
    return table


def heatmap_table(runs: pd.DataFrame, px: str, py: str, column: str) -> pd.DataFrame:
    """Mean of `column` (a 0/1 flag gives a probability) on the grid of two swept parameters:
    rows are values of `py`, columns values of `px`."""
    ok = ok_rows(runs)
    grid = ok.assign(_v=ok[column].astype(float)).pivot_table(
        index=py, columns=px, values="_v", aggfunc="mean"
    )
    return grid.reindex(index=axis_values(ok, py), columns=axis_values(ok, px))


# --- drawing --------------------------------------------------------------------------------
def draw_value_distribution(
    data: pd.DataFrame,
    spec: Scenario,
    issue: str,
    ax: Any = None,
    offset: float = 0.0,
    width: float = 0.07,
    bar: dict[str, Any] | None = None,
    label: str | None = None,
    markers: bool = True,
    wrap: int = 14,
    names: bool = False,
) -> Figure:
    """Bars of the share of runs at each final value, anchors labelled on the x axis, each bar's
    share printed on it; agreed runs solid, reverted runs light (or one style per scenario when
    `bar` is given, for comparisons). Triangles along the top mark each actor's ideal point (its
    best option, on an issue of named options), a dashed line the reversion point."""
    fig, ax = new_axes(ax)
    x = data["value"].to_numpy() + offset
    total = (data["agreed"] + data["reverted"]).to_numpy()
    if bar is None:
        ax.bar(x, data["agreed"], width, color=NEUTRAL, label="agreed")
        bars = ax.bar(x, data["reverted"], width, bottom=data["agreed"], color=LIGHT,
                      label="reverted (no deal)")  # fmt: skip
        label_bars(ax, bars, total, least=0.01)
    else:
        ax.bar(x, total, width, label=label, **bar)
    depth = draw_positions(spec, issue, ax, names=names) if markers else 0.0
    named = spec.issues[issue].options is not None
    anchor_axis(ax, spec.issues[issue].anchors, axis="x", width=wrap, numbers=not named)
    # The tallest bar and its label stay below the stacked triangles along the top.
    room = 0.84 - depth
    percent_axis(ax, "y", top=max(0.1, min(1.0, float(np.max(total, initial=0.0)))) / room)
    ax.set_title(_wrap(spec.issues[issue].label, 30), fontsize=MIN_FONT + 1)
    return fig


def draw_positions(spec: Scenario, issue: str, ax: Any, names: bool = False) -> float:
    """Each actor's ideal point on an issue (a triangle in its colour along the top of the axes,
    named beside it with `names`; actors whose triangles or names would touch are stacked) and
    the reversion point (a dashed line). Returns how far below the top row (a fraction of the
    axes' height) the stack reaches: rows close up so that it never takes more than half."""
    colours = colours_of(spec)
    options = spec.issues[issue].options
    marks: list[tuple[str, float, int]] = []  # actor, point, row
    spans: list[tuple[float, float, int]] = []  # what each row's marks and names cover
    for a, actor in spec.actors.items():
        pref = actor.preferences.get(issue)
        if pref is None or pref.salience <= 0:
            continue
        point = pref.ideal
        if pref.utilities is not None and options is not None:  # its best option
            point = options.index(max(options, key=pref.utilities.get)) / (len(options) - 1)
        # A name runs right of its triangle (left near the right edge): about 0.022 of the
        # axis a letter, in bold at the presentation font on a slide-wide figure.
        reach = 0.04 + 0.022 * len(short_name(spec, a)) if names else 0.0005
        lo, hi = (point - 0.0005, point + reach) if point < 0.8 else (point - reach, point + 0.0005)
        level = 0
        while any(lv == level and lo < end and start < hi for start, end, lv in spans):
            level += 1
        spans.append((lo, hi, level))
        marks.append((a, point, level))
    rows = 1 + max((level for *_, level in marks), default=0)
    step = min(0.1 if names else 0.07, 0.5 / max(rows - 1, 1))
    for a, point, level in marks:
        y = 0.97 - step * level  # axes fraction: along the top
        ax.plot(point, y, "v", color=colours[a], ms=12, markeredgecolor="black",
                markeredgewidth=0.7, clip_on=False, transform=ax.get_xaxis_transform(),
                label=f"wants: {short_name(spec, a)}")  # fmt: skip
        if names:
            right = point < 0.8
            ax.annotate(short_name(spec, a), (point, y), xytext=(10 if right else -10, 0),
                        textcoords="offset points", va="center", ha="left" if right else "right",
                        color=colours[a], fontweight="bold", fontsize=MIN_FONT,
                        xycoords=ax.get_xaxis_transform(), annotation_clip=False)  # fmt: skip
    ax.axvline(spec.issues[issue].reversion_value, color="black", ls="--", lw=1.5,
               label="no-deal value")  # fmt: skip
    return step * (rows - 1)


def draw_agreement(
    table: pd.DataFrame,
    ax: Any = None,
    offset: float = 0.0,
    height: float = 0.6,
    bar: dict[str, Any] | None = None,
    label: str | None = None,
) -> Figure:
    """Horizontal bars: probability that each issue (and all of them) is agreed, printed on the
    bar, with Wilson 95% interval whiskers."""
    fig, ax = new_axes(ax)
    y = np.arange(len(table))[::-1] + offset
    p = table["p"].to_numpy()
    err = np.vstack([p - table["lo"].to_numpy(), table["hi"].to_numpy() - p])
    style = bar or {"color": NEUTRAL}
    bars = ax.barh(y, p, height, xerr=err, label=label, **style)
    ax.bar_label(bars, labels=[f"{v:.0%}" for v in p], label_type="center", fontsize=MIN_FONT,
                 color="white" if bar is None else "black",
                 bbox=None if bar is None else {"facecolor": "white", "edgecolor": "none",
                                                "pad": 1})  # fmt: skip
    ax.set_yticks(np.arange(len(table))[::-1], [_wrap(s, 28) for s in table["label"]])
    percent_axis(ax, "x")
    ax.set_xlabel("probability the issue is agreed (whiskers: 95% interval)")
    ax.grid(axis="y", visible=False)
    return fig


def draw_utilities(
    samples: dict[str, np.ndarray],
    spec: Scenario,
    ax: Any = None,
    offset: float = 0.0,
    width: float = 0.6,
    box: dict[str, Any] | None = None,
    label: str | None = None,
    fallback: bool = True,
) -> Figure:
    """Box plots of each actor's utility (actor colours), with the mean and its bootstrap 95%
    interval as a black dot and bar, the mean printed beside it, and (with `fallback`) each
    actor's fallback, what it gets with no deal, as a dashed black line."""
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
        medianprops={"color": "white", "linewidth": 2, "path_effects": _outline()},
    )
    for a, patch in zip(actors, parts["boxes"], strict=True):
        style = box or {"facecolor": colours[a], "alpha": 0.8}
        patch.set(**style)
    for p, a in zip(pos, actors, strict=True):
        m, lo, hi = mean_interval(samples[a])
        ax.errorbar(p, m, yerr=[[m - lo], [hi - m]], fmt="o", color="black", ms=7)
        if box is None:
            ax.annotate(f"{m:.2f}", (p + width / 2, m), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize=MIN_FONT, fontweight="bold")  # fmt: skip
    if fallback:
        from sim.narration import fallbacks

        fall = fallbacks(spec)
        for p, a in zip(pos, actors, strict=True):
            ax.hlines(fall[a].value, p - width / 2 - 0.08, p + width / 2 + 0.08, color="black",
                      ls="--", lw=2, zorder=4,
                      label="fallback (no deal)" if p == pos[0] else None)  # fmt: skip
    ax.set_xticks(np.arange(len(actors)), [short_name(spec, a) for a in actors])
    for tick, a in zip(ax.get_xticklabels(), actors, strict=True):
        tick.set_color(colours[a])
        tick.set_fontweight("bold")
    top = max([1.0] + [float(np.nanmax(samples[a])) for a in actors if len(samples[a])])
    bottom = min([0.0] + [float(np.nanmin(samples[a])) for a in actors if len(samples[a])])
    ax.set_ylim(bottom, top * 1.05)
    ax.set_ylabel("utility of the outcome")
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
    last: int | None = None,
) -> Figure:
    """Bars of the share of runs reaching full agreement in each round (numbered from 1), the
    share printed on each; the last bar collects runs without full agreement. Rounds after
    `last` (default: the latest round any run agreed in) are left out, so a long deadline does
    not squeeze the bars."""
    fig, ax = new_axes(ax)
    share = dict(zip(data["round"], data["share"], strict=True))
    if last is None:
        last = int(max([r for r in share if r >= 0], default=0))
    shown = min(deadline, last + 1)
    x = np.arange(shown + 1)
    heights = [share.get(r, 0.0) for r in range(shown)] + [share.get(-1, 0.0)]
    style = bar or {"color": [NEUTRAL] * shown + [LIGHT]}
    bars = ax.bar(x + offset, heights, width, label=label, **style)
    if bar is None and shown <= 24:
        label_bars(ax, bars, heights, least=0.01)
    step = max(1, math.ceil(shown / 12))  # at most ~12 round labels
    ticks = list(range(0, shown, step))
    ax.set_xticks([*ticks, shown], [str(r + 1) for r in ticks] + ["none"])
    cut = f"; deadline {deadline}" if shown < deadline else ""
    ax.set_xlabel(f"round of full agreement ('none': no full agreement{cut})")
    ax.set_ylabel("share of runs")
    percent_axis(ax, "y", top=min(1.0, max(heights, default=0) * 1.2 + 0.02))
    ax.grid(axis="x", visible=False)
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
    ax.plot(t["x"], t["estimate"], marker="o", color=colour, label=label, ls=linestyle)
    ax.fill_between(t["x"], t["lo"], t["hi"], color=colour, alpha=0.2, lw=0)
    if t["x"].map(lambda v: isinstance(v, str)).any():  # named values: wrap their labels
        ax.set_xticks(range(len(t)), [_wrap(str(v), 14) for v in t["x"]], fontsize=MIN_FONT)
    return fig


def draw_heatmap(grid: pd.DataFrame, ax: Any = None, title: str = "", cbar: str = "") -> Figure:
    """A heatmap of one statistic over two parameters, in greys (no actor colour), each cell
    annotated with its value when the grid is small enough to read."""
    fig, ax = new_axes(ax)
    values = grid.to_numpy(dtype=float)
    image = ax.imshow(values, origin="lower", aspect="auto", cmap="Greys", vmin=0, vmax=1)
    ax.set_xticks(
        range(grid.shape[1]), [v if isinstance(v, str) else f"{v:g}" for v in grid.columns]
    )
    ax.set_yticks(range(grid.shape[0]), [v if isinstance(v, str) else f"{v:g}" for v in grid.index])
    if max(values.shape) <= 6:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=MIN_FONT,
                        color="white" if v > 0.55 else "black")  # fmt: skip
    ax.grid(False)
    ax.set_title(_wrap(title, 30), fontsize=MIN_FONT + 1)
    if cbar:
        fig.colorbar(image, ax=ax, label=cbar, shrink=0.8)
    return fig


def _figure_legend(
    fig: Figure, axes: Any, where: Any = None, ncols: int = 0, title: str | None = None
) -> None:
    """One legend for a grid of panels, collecting every distinct label once: in `where` (a
    spare panel) when given, else under the panels; never over data."""
    entries: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    if where is not None:
        where.set_visible(True)
        where.axis("off")
        where.legend(entries.values(), entries.keys(), loc="center", ncols=ncols or 1,
                     title=title)  # fmt: skip
        return
    fig.legend(entries.values(), entries.keys(), loc="outside lower center",
               ncols=ncols or min(4, len(entries)), title=title)  # fmt: skip


def spread(values: list[float], gap: float) -> list[float]:
    """Label positions near `values`, at least `gap` apart (in the same order), so that direct
    labels at the ends of lines never overlap."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    placed = [0.0] * len(values)
    last = -math.inf
    for i in order:
        placed[i] = max(values[i], last + gap)
        last = placed[i]
    shift = max(0.0, max(placed, default=0.0) - max(values, default=0.0)) / 2
    return [p - shift for p in placed]


def _wrap(text: str, width: int) -> str:
    import textwrap

    return textwrap.fill(text, width)


# --- whole figures --------------------------------------------------------------------------
HEATMAP_LEVELS = 12  # most distinct values per axis for a readable heatmap


def outcome_figures(runs: pd.DataFrame, spec: Scenario, name: str = "") -> dict[str, Figure]:
    """Every figure for one results set, keyed by file stem, each answering one question:
    where issues end up, how often each is agreed, what each party gets, when agreement comes,
    and the sweep figures (curves for one axis, heatmaps for two)."""
    n = len(ok_rows(runs))
    where = f"{name or spec.name}: {n:,} simulated negotiations"
    figs: dict[str, Figure] = {}
    keys = list(spec.issues)
    for k in keys:
        figs[f"issue_{k}"] = issue_figure(value_distribution(runs, k), spec, k, where)
    fig, ax = new_axes(size=(11, min(6.2, 0.6 * len(keys) + 2.6)))
    draw_agreement(agreement_table(runs, spec), ax=ax)
    ask(fig, "How often is each issue agreed?", f"{where}.")
    figs["agreement"] = fig
    fig, ax = new_axes(size=(11, 6.2))
    draw_utilities(utility_samples(runs, spec), spec, ax=ax)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2)
    over = _over_one(utility_samples(runs, spec))
    ask(fig, "How much does each party get, and is it better than no deal?",
        f"{where}. Box: middle half of runs; whiskers: range; dot: mean (printed) with its 95% "
        f"interval (black bar); dashed: the party's fallback.{over}")  # fmt: skip
    figs["utilities"] = fig
    fig, ax = new_axes(size=(11, 4.6))
    draw_rounds(rounds_distribution(runs), spec.protocol.deadline, ax=ax)
    ask(fig, "When is a full agreement reached?", f"{where}.")
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


def issue_figure(data: pd.DataFrame, spec: Scenario, issue: str, where: str = "") -> Figure:
    """Where one issue ends up: the share of runs at each final value (printed on the bars),
    agreed dark and reverted light, with what each party wants and the no-deal value."""
    fig, ax = new_axes(size=(11, 4.6))
    width = min(0.12, 0.5 / max(spec.protocol.grid - 1, 1))
    draw_value_distribution(data, spec, issue, ax=ax, width=width, wrap=24, names=True)
    ax.set_title("")
    ax.set_ylabel("share of runs")
    ax.legend(handles=[h for h, lab in zip(*ax.get_legend_handles_labels(), strict=True)
                       if not lab.startswith("wants")],
              loc="upper left", bbox_to_anchor=(1.0, 0.85))  # fmt: skip
    ask(fig, f"Where does {spec.issues[issue].label} end up?",
        f"{where}. Bars: share of runs ending at each value; dark = agreed, light = reverted. "
        "Triangles: what each party wants.")  # fmt: skip
    return fig


def _over_one(samples: dict[str, np.ndarray]) -> str:
    """A note for figures where a utility exceeds 1 (only linkage can do that)."""
    if any(len(v) and np.nanmax(v) > 1 + 1e-9 for v in samples.values()):
        return " Utilities above 1 come from linkage: issues worth more together."
    return ""


def sweep_figures(
    runs: pd.DataFrame, spec: Scenario, param: str, where: str, pooled: bool = False
) -> dict[str, Figure]:
    """Three questions against one swept parameter: how likely each issue is to be agreed
    (`_issues`), where each ends up on average (`_values`) and who gains (`_actors`)."""
    table = sweep_table(runs, spec, param)
    note = " Averaged over the other swept parameters." if pooled else ""
    stem = "sweep_" + param.removeprefix("param.").replace(".", "_")
    label, phrase = parameter_label(param, spec), parameter_phrase(param, spec)
    figures = {
        f"{stem}_issues": _sweep_agreement(table, spec, label),
        f"{stem}_values": _sweep_values(table, spec, label),
        f"{stem}_actors": _sweep_utilities(table, spec, label),
    }
    asked = {
        "_issues": ("how likely is each issue to be agreed?", "Bands: 95% Wilson intervals."),
        "_values": (
            "where does each issue end up on average?",
            "Lines: mean final value; bands: 95% bootstrap intervals.",
        ),
        "_actors": (
            "who gains and who loses?",
            "Lines: each party's mean utility; bands: 95% bootstrap intervals.",
        ),
    }
    for key, fig in figures.items():
        question, how = asked[key.removeprefix(stem)]
        ask(fig, f"As {phrase} changes, {question}", f"{where}. {how}{note}")
    return figures


def _sweep_agreement(table: pd.DataFrame, spec: Scenario, xlabel: str) -> Figure:
    """Full agreement and each issue's probability of agreement against the parameter, the
    first and last values printed."""
    panels = [("agreed", "All issues (full agreement)")] + [
        (f"issue.{k}.agreed", issue.label) for k, issue in spec.issues.items()
    ]
    rows, cols = math.ceil(len(panels) / 3), min(3, len(panels))
    fig = new_figure((11, 6.2 if rows <= 2 else 6.9))
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True).ravel()
    for ax, (quantity, title) in zip(axes, panels, strict=False):
        draw_sweep(table, quantity, ax=ax)
        percent_axis(ax, "y")
        t = table[table["quantity"] == quantity].sort_values("x")
        for i, ha in ((0, "left"), (-1, "right")):
            x, y = t["x"].iloc[i], t["estimate"].iloc[i]
            clear_label(ax, f"{y:.0%}", (x, y), ha=ha, fontsize=MIN_FONT, fontweight="bold")
        ax.set_title(_wrap(title, 30), fontsize=MIN_FONT + 1)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    fig.supylabel("probability agreed", fontsize=MIN_FONT + 2)
    for ax in axes[: len(panels)][-cols:]:  # the lowest panel of each column shows the values
        ax.tick_params(axis="x", labelbottom=True)
    for ax in axes[(rows - 1) * cols : len(panels)]:  # named under the bottom row only
        ax.set_xlabel(_wrap(xlabel, 28))
    return fig


def _sweep_values(table: pd.DataFrame, spec: Scenario, xlabel: str) -> Figure:
    """Each issue's mean final value against the parameter, its anchors on the axis."""
    keys = list(spec.issues)
    cols = min(2, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig = new_figure((11, 6.2 if rows <= 2 else 6.9))
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True).ravel()
    for ax, k in zip(axes, keys, strict=False):
        if spec.issues[k].options is None:
            draw_sweep(table, f"issue.{k}.value", ax=ax)
            # Three rows leave room for one line an anchor: cut with "…", whole on issue_*.png.
            anchor_axis(ax, spec.issues[k].anchors, width=18 if rows <= 2 else 24,
                        lines=2 if rows <= 2 else 1)  # fmt: skip
        else:  # named options have no mean: the probability of each instead
            for j, name in enumerate(spec.issues[k].options):
                draw_sweep(table, f"issue.{k}.option.{name}", ax=ax, label=name,
                           linestyle=["-", "--", ":", "-."][j % 4])  # fmt: skip
            percent_axis(ax, "y")
        ax.set_title(_wrap(spec.issues[k].label, 44), fontsize=MIN_FONT)  # two titles side by side
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    named = [spec.issues[k].label for k in keys if spec.issues[k].options is not None]
    if named:  # the options' legend in the spare panel, else under the panels: never on data
        spare = axes[len(keys)] if len(keys) < len(axes) else None
        _figure_legend(fig, axes[: len(keys)], spare, title=_wrap(
            f"probability of each option ({', '.join(named)})", 34))  # fmt: skip
    for ax in axes[: len(keys)][-cols:]:  # the lowest panel of each column shows the values
        ax.tick_params(axis="x", labelbottom=True)
    for ax in axes[(rows - 1) * cols : len(keys)]:  # named under the bottom row only: a label
        ax.set_xlabel(_wrap(xlabel, 40))  # in a gap between rows would cost panels height
    return fig


def _sweep_utilities(table: pd.DataFrame, spec: Scenario, xlabel: str) -> Figure:
    """Each party's mean utility against the parameter, in its colour, named at the line's end
    (labels spread so they never overlap)."""
    fig, ax = new_axes(size=(11, 6.2))
    colours = colours_of(spec)
    ends = {}
    for a in spec.actors:
        draw_sweep(table, f"utility.{a}", ax=ax, colour=colours[a], label=short_name(spec, a))
        t = table[table["quantity"] == f"utility.{a}"].sort_values("x")
        x = t["x"].iloc[-1]  # a name on a categorical axis: matplotlib places it
        ends[a] = (x if isinstance(x, str) else float(x), float(t["estimate"].iloc[-1]))
    top = max(1.0, float(table[table["quantity"].str.startswith("utility")]["hi"].max()))
    for a, y in zip(ends, spread([e[1] for e in ends.values()], 0.045 * top), strict=True):
        ax.annotate(f"{short_name(spec, a)} {ends[a][1]:.2f}", (ends[a][0], y), xytext=(10, 0),
                    textcoords="offset points", va="center", color=colours[a],
                    fontweight="bold", fontsize=MIN_FONT, annotation_clip=False)  # fmt: skip
    ax.set_ylim(0, top)
    ax.set(xlabel=xlabel, ylabel="mean utility of the outcome")
    return fig


def heatmap_figures(
    runs: pd.DataFrame, spec: Scenario, px: str, py: str, where: str
) -> dict[str, Figure]:
    """Heatmaps over two swept parameters: probability of agreement, and mean final values."""
    xl, yl = parameter_label(px, spec), parameter_label(py, spec)
    xp, yp = parameter_phrase(px, spec), parameter_phrase(py, spec)
    keys = list(spec.issues)
    panels = [("agreed", "All issues (full agreement)")] + [
        (f"issue.{k}.agreed", spec.issues[k].label) for k in keys
    ]
    questions = {
        "heatmap_agreement": (
            f"How likely is each issue to be agreed, for each value of {xp} and {yp}?",
            "probability agreed",
        ),
        "heatmap_values": (
            f"Where does each issue end up on average, for each value of {xp} and {yp}?",
            "mean final value (0–1 scale of the issue's anchors)",
        ),
    }
    values = [(f"issue.{k}.value", spec.issues[k].label) for k in keys
              if spec.issues[k].options is None]  # named options have no mean  # fmt: skip
    figures = {}
    for stem, items in (("heatmap_agreement", panels), ("heatmap_values", values)):
        if not items:
            continue
        question, cbar = questions[stem]
        cols = min(3, len(items))
        rows = math.ceil(len(items) / cols)
        fig = new_figure((11, 6.2 if rows <= 2 else 6.9))
        axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True).ravel()
        for ax, (col, title) in zip(axes, items, strict=False):
            draw_heatmap(heatmap_table(runs, px, py, col), ax=ax, title=title)
        for ax in axes[len(items) :]:
            ax.set_visible(False)
        for ax in axes[: len(items)][-cols:]:
            ax.set_xlabel(_wrap(xl, 28))
        for ax in axes[: len(items)][::cols]:
            ax.set_ylabel(_wrap(yl, 24))
        fig.colorbar(axes[0].images[0], ax=list(axes[: len(items)]), label=cbar, shrink=0.8)
        ask(fig, question, f"{where}. Darker = higher; the number in a cell is its value.")
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
