"""One run, seen: the offers on each issue round by round, the answers against their acceptance
thresholds, and the utility space of two actors with the bargaining solutions (`negsim run
--plot`). This is the one figure drawn from a run record rather than from stored results.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.utility_space import UtilitySpace, utility_space
from sim.plots.style import LIGHT, anchor_axis, colours_of, new_axes, new_figure, short_name

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.record import RunRecord
    from sim.scenario.models import Scenario


def draw_utility_space(space: UtilitySpace, spec: Scenario, ax: Any = None) -> Figure:
    """The cloud of feasible packages, the Pareto frontier, Nash, Kalai–Smorodinsky, disagreement
    and the outcome reached, in the two actors' utilities."""
    fig, ax = new_axes(ax, size=(6.5, 6))
    p, (a, b) = space.points, space.actors
    ax.scatter(p[:, 0], p[:, 1], s=6, color=LIGHT, label="feasible packages", zorder=1)
    eff = space.efficient
    ax.scatter(p[eff, 0], p[eff, 1], s=8, color="#777777", zorder=2,
               label="efficient for all actors")  # fmt: skip
    f = space.frontier
    ax.plot(p[f, 0], p[f, 1], "-", color="black", lw=1.4, zorder=3,
            label=f"Pareto frontier ({short_name(spec, a)}, {short_name(spec, b)})")  # fmt: skip
    # Reference points in black and white shapes: colour stays reserved for actors. Nash is drawn
    # larger than Kalai–Smorodinsky so both show when they coincide.
    marks = [
        (space.nash, "D", 13, "Nash solution (veto players, each table)"),
        (space.ks, "s", 7, "Kalai–Smorodinsky point (veto players, each table)"),
    ]
    for point, marker, size, label in marks:
        if point is not None:
            ax.plot(*point, marker, color="white", mec="black", mew=1.8, ms=size, label=label,
                    zorder=5)  # fmt: skip
    if space.equilibrium is not None:  # hollow and on top: the outcome often sits right on it
        ax.plot(*space.equilibrium, "P", mfc="none", mec="black", mew=1.8, ms=26, zorder=7)
        ax.plot([], [], "P", mfc="none", mec="black", mew=1.5, ms=10,
                label="equilibrium of the discounted game")  # fmt: skip
    ax.plot(*space.disagreement, "X", color="black", ms=10, mec="white", zorder=5,
            label="disagreement point")  # fmt: skip
    ax.plot(*space.outcome, "*", color="#F0E442", ms=20, mec="black", zorder=6,
            label="outcome reached")  # fmt: skip
    colours = colours_of(spec)
    ax.set_xlabel(f"utility of {spec.actors[a].name}", color=colours[a], fontweight="bold")
    ax.set_ylabel(f"utility of {spec.actors[b].name}", color=colours[b], fontweight="bold")
    when = "at the start of the run" if space.basis == "initial" else "as the run ended"
    ax.set_title(f"Utility space (preferences {when})")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.85, frameon=True)
    return fig


def draw_offers(spec: Scenario, record: RunRecord, issue: str, ax: Any = None) -> Figure:
    """Offers on one issue round by round, each dot in its proposer's colour, while the issue is
    open; then the value it closed at (solid if agreed, dotted if reverted)."""
    fig, ax = new_axes(ax)
    colours = colours_of(spec)
    out = record.issues[issue]
    last = out.round if out.round is not None else record.rounds_used
    shown = [o for o in record.trajectory if o.round <= last]
    if shown:
        x = [o.round for o in shown]
        y = [o.package[issue] for o in shown]
        ax.plot(x, y, "-", color=LIGHT, lw=1, zorder=1)
        ax.scatter(x, y, c=[colours[o.proposer] for o in shown], s=45, edgecolor="black",
                   linewidth=0.5, zorder=3)  # fmt: skip
    end = max(record.rounds_used, 1) - 0.5
    style = "-" if out.agreed else ":"
    how = f"agreed in round {out.round}" if out.agreed else "reverted"
    ax.hlines(out.value, last, end, color="black", lw=2, ls=style, zorder=2)
    ax.annotate(how, (end, out.value), fontsize=8, ha="right", va="bottom",
                xytext=(0, 3), textcoords="offset points")  # fmt: skip
    anchor_axis(
        ax, spec.issues[issue].anchors, width=20, numbers=spec.issues[issue].options is None
    )
    ax.tick_params(axis="y", labelsize=7)
    ax.set_title(spec.issues[issue].label, fontsize=9, loc="left")
    return fig


def draw_answers(spec: Scenario, record: RunRecord, ax: Any = None) -> Figure:
    """Every responder's utility of each offer (solid; filled = accepted, open = rejected, X =
    walk-out) against its acceptance threshold (dashed), in actor colours."""
    fig, ax = new_axes(ax)
    colours = colours_of(spec)
    for a in spec.actors:
        seen = [(o.round, o.answers[a]) for o in record.trajectory if a in o.answers]
        if not seen:
            continue
        t = [r for r, _ in seen]
        u = [ans["utility"] for _, ans in seen]
        thr = [ans["threshold"] for _, ans in seen]
        thr = [v if math.isfinite(v) else np.nan for v in thr]
        c = colours[a]
        ax.plot(t, u, "-", color=c, lw=1.2, label=short_name(spec, a))
        ax.plot(t, thr, "--", color=c, lw=1.2, marker="_", ms=12)
        for r, ans in seen:
            face = c if ans["accept"] else "white"
            marker = "X" if ans["walkout"] else "o"
            ax.plot(r, ans["utility"], marker, color=c, mfc=face, ms=6, zorder=3)
    ax.set_ylabel("utility")
    ax.set_title("Answers: utility of the offer (solid; filled = accept, open = reject)\n"
                 "against the acceptance threshold (dashed)", fontsize=9, loc="left")  # fmt: skip
    return fig


def run_figure(spec: Scenario, record: RunRecord, actors: tuple[str, str] | None = None) -> Figure:
    """The whole single-run figure: offers per issue and answers on the left, utility space and
    a legend of proposers on the right."""
    keys = list(spec.issues)
    rows = len(keys) + 1
    fig = new_figure((15, max(1.75 * rows + 1.2, 7.5)))
    outer = fig.add_gridspec(1, 2, width_ratios=[1.25, 1])
    grid = outer[0, 0].subgridspec(rows, 1)
    first = fig.add_subplot(grid[0])
    left = [first] + [fig.add_subplot(grid[i], sharex=first) for i in range(1, rows)]
    for ax, k in zip(left, keys, strict=False):
        draw_offers(spec, record, k, ax=ax)
        ax.tick_params(axis="x", labelbottom=False)
    draw_answers(spec, record, ax=left[-1])
    left[-1].set_xlabel("round (0 = first offer)")
    from matplotlib.ticker import MaxNLocator

    first.set_xlim(-0.5, max(record.rounds_used, 1) - 0.5)
    first.xaxis.set_major_locator(MaxNLocator(integer=True))
    right = outer[0, 1].subgridspec(2, 1, height_ratios=[3, 1])
    draw_utility_space(utility_space(spec, record, actors), spec, ax=fig.add_subplot(right[0]))
    side = fig.add_subplot(right[1])
    side.axis("off")
    colours = colours_of(spec)
    handles = [
        side.scatter([], [], color=colours[a], edgecolor="black", s=45, label=spec.actors[a].name)
        for a in spec.actors
    ]
    side.legend(
        handles=handles,
        title="actor colours (a dot is an offer by that actor)",
        loc="upper left",
        ncols=2,
    )
    verdict = (
        f"Full agreement in round {record.round}"
        if record.agreed
        else f"No full agreement ({record.breakdown.replace('walkout:', 'walk-out by ')})"
    )
    fired = ", ".join(f"{e.get('name', e)}" for e in record.events) or "none"
    side.text(0, 0.25, f"{verdict}.\nEvents that fired: {fired}.", fontsize=9, va="top",
              transform=side.transAxes, wrap=True)  # fmt: skip
    fig.suptitle(f"{spec.name}: one run (seed {record.seed}), deadline {spec.protocol.deadline}")
    return fig


def plot_run(
    spec: Scenario, record: RunRecord, path: str | Path, actors: tuple[str, str] | None = None
) -> Path:
    """Draw one run (it needs its trajectory) and save it as a PNG at `path`."""
    fig = run_figure(spec, record, actors)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    return out
