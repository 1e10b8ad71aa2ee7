"""One run, seen: the offers on each issue round by round, the answers against their acceptance
thresholds, and the utility space of two actors with the bargaining solutions (`negsim run
--plot`). This is the one figure drawn from a run record rather than from stored results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.plots.style import LIGHT, anchor_axis, colours_of, new_axes, new_figure, short_name

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.record import RunRecord
    from sim.scenario.models import Scenario


@dataclass
class UtilitySpace:
    """Two actors' view of the package space at the start of a run (before any event fires).

    `points` holds both actors' utilities of every package on the grid; `frontier` indexes the
    packages on these two actors' Pareto frontier (sorted by the first actor's utility);
    `efficient` marks packages Pareto-efficient for all actors; `nash` and `ks` index the Nash and
    Kalai–Smorodinsky packages of the whole (all-actor) problem, as the run record measures them.
    """

    actors: tuple[str, str]
    packages: np.ndarray
    points: np.ndarray
    frontier: np.ndarray
    efficient: np.ndarray
    nash: int | None
    ks: int | None
    disagreement: np.ndarray
    outcome: np.ndarray


def default_pair(spec: Scenario) -> tuple[str, str]:
    """The first two veto players of the most salient issue (saliences normalised per actor and
    summed over actors); the first two actors when no issue has two veto players."""
    weight: dict[str, float] = dict.fromkeys(spec.issues, 0.0)
    for actor in spec.actors.values():
        total = sum(p.salience for p in actor.preferences.values()) or 1.0
        for k, p in actor.preferences.items():
            weight[k] += p.salience / total
    for k in sorted(spec.issues, key=lambda k: -weight[k]):
        if len(spec.issues[k].veto) >= 2:
            first, second = spec.issues[k].veto[:2]
            return first, second
    first, second = list(spec.actors)[:2]
    return first, second


def utility_space(
    spec: Scenario, record: RunRecord, actors: tuple[str, str] | None = None
) -> UtilitySpace:
    """Build the utility-space dataset from the scenario's initial utility tables (the model is
    constructed, not run) and the run's final package."""
    from sim import payoffs
    from sim.analysis.solutions import kalai_smorodinsky, nash_solution, pareto_mask
    from sim.protocols.alternating import BargainingModel

    pair = actors or default_pair(spec)
    for a in pair:
        if a not in spec.actors:
            raise ValueError(f"--actors: unknown actor {a!r}; expected one of {list(spec.actors)}")
    model = BargainingModel(spec, rng=record.seed, trajectory=False)
    tables, d = model.initial_tables, model.initial_disagreement
    keys = list(spec.issues)
    packages = payoffs.package_grid(spec.protocol.grid, np.full(len(keys), np.nan))
    cols = [list(spec.actors).index(a) for a in pair]
    points = tables[:, cols]
    on_front = np.flatnonzero(pareto_mask(points))
    frontier = on_front[np.lexsort((-points[on_front, 1], points[on_front, 0]))]
    final = np.array([[record.issues[k].value for k in keys]])
    outcome = model.utilities(final, model.ideal, model.salience)[0, cols]
    return UtilitySpace(
        actors=pair,
        packages=packages,
        points=points,
        frontier=frontier,
        efficient=pareto_mask(tables),
        nash=nash_solution(tables, d),
        ks=kalai_smorodinsky(tables, d),
        disagreement=d[cols],
        outcome=outcome,
    )


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
        (space.nash, "D", 13, "Nash solution (all actors)"),
        (space.ks, "s", 7, "Kalai–Smorodinsky point (all actors)"),
    ]
    for index, marker, size, label in marks:
        if index is not None:
            ax.plot(*p[index], marker, color="white", mec="black", mew=1.8, ms=size, label=label,
                    zorder=5)  # fmt: skip
    ax.plot(*space.disagreement, "X", color="black", ms=10, mec="white", zorder=5,
            label="disagreement point")  # fmt: skip
    ax.plot(*space.outcome, "*", color="#F0E442", ms=20, mec="black", zorder=6,
            label="outcome reached")  # fmt: skip
    colours = colours_of(spec)
    ax.set_xlabel(f"utility of {spec.actors[a].name}", color=colours[a], fontweight="bold")
    ax.set_ylabel(f"utility of {spec.actors[b].name}", color=colours[b], fontweight="bold")
    ax.set_title("Utility space (at the start of the run)")
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
    anchor_axis(ax, spec.issues[issue].anchors, width=20)
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
