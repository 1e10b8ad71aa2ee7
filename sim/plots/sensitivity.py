"""Sensitivity indices as horizontal bar charts: one figure per outcome, one pair of bars per
parameter (Sobol S1 and ST, or Morris μ* and σ), each index with its 95% interval as an error bar,
and the warnings of `sim.sweep.design.index_warnings` about that outcome's rows written under it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.plots.style import LIGHT, MIN_FONT, NEUTRAL, ask, new_axes

if TYPE_CHECKING:
    from sim.scenario.models import Scenario


def draw_indices(
    group: Any, outcome: str, ax: Any = None, notes: list[str] = (), spec: Scenario | None = None
) -> Any:
    """Draw one outcome's indices onto `ax` and return the figure; `notes` (warnings) are printed
    under the chart. Each value is printed past its whisker; on a figure of its own the title asks
    the figure's question. Given the scenario, parameters and the outcome carry its labels
    ('Russia: outside option') instead of their dotted paths."""
    from sim.scenario.words import outcome_words, parameter_label

    own = ax is None
    fig, ax = new_axes(ax, size=(11, min(6.9, 2.6 + 0.6 * len(group))))
    sobol = "ST" in group
    if sobol:
        bars = [("S1", "S1_conf", "first order S1", NEUTRAL),
                ("ST", "ST_conf", "total order ST", LIGHT)]  # fmt: skip
        xlabel = "Sobol index (share of output variance); bars: 95% interval"
    else:
        bars = [("mu_star", "mu_star_conf", "μ* (mean |elementary effect|)", NEUTRAL),
                ("sigma", None, "σ (interactions, non-linearity)", LIGHT)]  # fmt: skip
        xlabel = "Morris elementary effect per full range of the parameter; bars: 95% interval"
    y = np.arange(len(group))
    height = 0.8 / len(bars)
    for i, (key, conf, label, colour) in enumerate(bars):
        err = group[conf].to_numpy() if conf else None
        values = group[key].to_numpy()
        at = y + (i - (len(bars) - 1) / 2) * height
        ax.barh(at, values, height, xerr=err, label=label, color=colour, edgecolor="black",
                linewidth=0.5)  # fmt: skip
        ends = values + (err if err is not None else 0.0)  # past the whisker, never on it
        for x, v, yy in zip(ends, values, at, strict=True):
            ax.annotate(f"{v:.2f}", (max(x, v, 0.0), yy), xytext=(5, 0),
                        textcoords="offset points", va="center", fontsize=MIN_FONT)  # fmt: skip
    names = [str(p) for p in group["parameter"]]
    if spec is not None:
        names = [textwrap.fill(parameter_label(p, spec), 28) for p in names]
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    if sobol:
        ax.axvline(1, color="black", linewidth=0.8, ls="--")
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, borderaxespad=0.2)
    ax.margins(x=0.12)
    words = outcome_words(outcome, spec) if spec is not None else outcome
    if own:
        ask(fig, f"Which parameters matter most for {words}?")
    else:
        ax.set_title(f"What moves {words}")
    if notes:
        text = "\n".join(textwrap.fill("⚠ " + n, 100) for n in notes)
        fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=MIN_FONT, color="#A04000")
    return fig


def plot_sensitivity(
    table: Any,
    folder: str | Path,
    warn: Callable[[Any, str], list[str]] | None = None,
    spec: Scenario | None = None,
) -> list[Path]:
    """Save `sensitivity_<outcome>.png` in `folder` for every outcome of the indices table, in the
    scenario's labels when it is given. Under each chart go `warn(rows, outcome)`: the warnings
    about that outcome's own rows, so a chart never cautions about another outcome."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for outcome, group in table.groupby("outcome", sort=False):
        notes = warn(group, str(outcome)) if warn is not None else []
        fig = draw_indices(group, str(outcome), notes=notes, spec=spec)
        path = folder / f"sensitivity_{str(outcome).replace('.', '_')}.png"
        fig.savefig(path)
        paths.append(path)
    return paths
