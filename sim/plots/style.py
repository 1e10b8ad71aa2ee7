"""One look for every figure: the Okabe–Ito palette, a fixed colour per actor, figure defaults.

Colour always means *actor*: an actor's colour comes from its position in the scenario's actor
order, so Syria is the same colour in every plot. Scenarios in a comparison are told apart by
grey shades and hatching instead, so they never look like actors. Matplotlib runs headless (Agg).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.scenario.models import Scenario

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision
# deficiencies. Yellow is last because it is hard to see on white.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
NEUTRAL = "#4D4D4D"  # quantities that belong to no actor (issue values, agreement rates)
LIGHT = "#BBBBBB"  # reverted outcomes, the cloud of feasible packages
# Scenario styles for comparisons: (face colour, hatch), distinct in greyscale print too.
SCENARIO_STYLES = (
    ("#303030", ""),
    ("#A8A8A8", ""),
    ("#FFFFFF", "///"),
    ("#707070", ".."),
    ("#FFFFFF", "xx"),
    ("#D8D8D8", "\\\\"),
)
SCENARIO_MARKERS = ("o", "s", "^", "D", "v", "P")
SCENARIO_LINES = ("-", "--", ":", "-.", (0, (5, 1)), (0, (1, 3)))

RC: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
}


def use_agg() -> None:
    """Select the non-interactive Agg backend (no display needed) and the house defaults."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcParams.update(RC)


def actor_colours(actors: Iterable[str]) -> dict[str, str]:
    """A colour per actor key, by position in the scenario's actor order (cycling past eight)."""
    return {a: OKABE_ITO[i % len(OKABE_ITO)] for i, a in enumerate(actors)}


def colours_of(spec: Scenario) -> dict[str, str]:
    """The scenario's actor colours."""
    return actor_colours(spec.actors)


def short_name(spec: Scenario, actor: str) -> str:
    """An actor's display name without its parenthesised gloss: 'Syria (transitional…)' → 'Syria'."""
    return spec.actors[actor].name.split(" (")[0] if actor in spec.actors else actor


def scenario_style(i: int) -> dict[str, Any]:
    """Bar keywords (face colour, hatch, black edge) for the i-th scenario of a comparison."""
    face, hatch = SCENARIO_STYLES[i % len(SCENARIO_STYLES)]
    return {"facecolor": face, "hatch": hatch, "edgecolor": "black", "linewidth": 0.6}


def new_axes(ax: Any = None, size: tuple[float, float] = (6.4, 4.2)) -> tuple[Figure, Any]:
    """The figure and axes to draw on: `ax` and its figure when given, a fresh pair otherwise."""
    if ax is not None:
        return ax.figure, ax
    use_agg()
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def new_figure(size: tuple[float, float]) -> Figure:
    """A fresh headless figure with constrained layout."""
    use_agg()
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def anchor_axis(
    ax: Any, anchors: dict[float, str], axis: str = "y", width: int = 22, numbers: bool = True
) -> None:
    """Label an issue axis with its anchors ('0.5 reduced presence…'), wrapped to `width` chars;
    `numbers=False` shows the names alone (an issue of named options has no scale to show)."""
    import textwrap

    ticks = list(anchors)
    labels = [
        (f"{p:g}: " if numbers else "") + textwrap.fill(text, width, break_long_words=False)
        for p, text in anchors.items()
    ]
    if axis == "y":
        ax.set_yticks(ticks, labels)
        ax.set_ylim(-0.05, 1.05)
    else:
        ax.set_xticks(ticks, labels)
        ax.set_xlim(-0.08, 1.08)
