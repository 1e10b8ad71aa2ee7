"""One run, seen (`negsim run --plot`): the offers on each issue round by round with the
answers against their acceptance thresholds, and the utility space of two actors with the
bargaining solutions and the outcome. These are the figures drawn from a run record rather than
from stored results.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.utility_space import UtilitySpace, utility_space
from sim.plots.style import (
    HIGHLIGHT,
    LIGHT,
    MIN_FONT,
    ask,
    colours_of,
    new_axes,
    new_figure,
)
from sim.scenario.words import short_name

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.record import RunRecord
    from sim.scenario.models import Scenario


def draw_utility_space(space: UtilitySpace, spec: Scenario, ax: Any = None) -> Figure:
    """The cloud of feasible packages, the Pareto frontier, Nash, Kalai–Smorodinsky, disagreement
    and the outcome reached, in the two actors' utilities (axes from 0; the legend outside the
    axes, so it never hides a point). In the textbook case Rubinstein's split is marked too."""

    fig, ax = new_axes(ax, size=(11, 6.9))
    p, (a, b) = space.points, space.actors
    ax.scatter(p[:, 0], p[:, 1], s=14, color=LIGHT, label="possible packages", zorder=1)
    eff = space.efficient
    ax.scatter(p[eff, 0], p[eff, 1], s=18, color="#777777", zorder=2,
               label="efficient for all parties")  # fmt: skip
    f = space.frontier
    ax.plot(p[f, 0], p[f, 1], "-", color="black", lw=2, zorder=3,
            label=f"best for {short_name(spec, a)} and {short_name(spec, b)} together "
            "(Pareto frontier)")  # fmt: skip
    for xy, marker, style in reference_marks(space, spec):
        ax.plot(*xy, marker, **style)
    colours = colours_of(spec)
    ax.set_xlabel(f"utility of {spec.actors[a].name}", color=colours[a], fontweight="bold")
    ax.set_ylabel(f"utility of {spec.actors[b].name}", color=colours[b], fontweight="bold")
    top = max(1.0, float(p.max(initial=0.0)), *space.outcome) * 1.04
    low = min(0.0, float(p.min(initial=0.0)))
    ax.set_xlim(low, top)
    ax.set_ylim(low, top)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return fig


def reference_marks(space: UtilitySpace, spec: Scenario) -> list[tuple[Any, str, dict[str, Any]]]:
    """The utility space's reference points as (point, marker, plot keywords): Nash,
    Kalai–Smorodinsky, Rubinstein's split in the textbook case, no deal and the outcome reached.
    Black and white shapes: colour stays reserved for actors. Nash is drawn larger than
    Kalai–Smorodinsky so both show when they coincide."""
    from sim.analysis.textbook import rubinstein_case

    marks: list[tuple[Any, str, dict[str, Any]]] = []
    for point, marker, size, label in (
        (space.nash, "D", 18, "Nash bargaining solution (each issue's veto parties)"),
        (space.ks, "s", 10, "Kalai–Smorodinsky point (each issue's veto parties)"),
    ):
        if point is not None:
            marks.append((point, marker, {"color": "white", "mec": "black", "mew": 2.2,
                                          "ms": size, "label": label, "zorder": 5}))  # fmt: skip
    a, b = space.actors
    case = rubinstein_case(spec)
    if case is not None and set(space.actors) == {case.first, case.second}:
        split = {case.first: case.share, case.second: 1.0 - case.share}
        marks.append(((split[a], split[b]), "P", {"color": "black", "ms": 16, "mec": "white",
                      "zorder": 8, "label": f"Rubinstein split ({short_name(spec, case.first)} "
                      "proposes first)"}))  # fmt: skip
    marks.append((space.disagreement, "X", {"color": "black", "ms": 15, "mec": "white",
                  "zorder": 5, "label": "no deal (each side's fallback)"}))  # fmt: skip
    marks.append((space.outcome, "*", {"color": HIGHLIGHT, "ms": 28, "mec": "black", "zorder": 7,
                  "label": "outcome reached"}))  # fmt: skip
    return marks


def draw_offer_grid(spec: Scenario, record: RunRecord, ax: Any = None) -> Figure:
    """Every offer as a table: a row per issue, a column per round (numbered from 1), each cell
    in its proposer's colour with the value offered printed in it. A thick black edge marks the
    offer that settled the issue; the last column is the final value (bold if agreed)."""
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Rectangle

    fig, ax = new_axes(ax, size=(11, 4))
    colours = colours_of(spec)
    keys = list(spec.issues)
    n = max(len(record.trajectory), 1)
    votes = {k: _votes(spec, k, record.issues[k].coalition) for k in keys}
    end = n + (1.3 if not any(votes.values()) else 2.1)  # the outcome column, set apart
    text = n <= 16
    for o in record.trajectory:
        x = o.round + 1
        for k, value in o.package.items():
            y = keys.index(k)
            colour = colours[o.proposer]
            edge = ("black", 3.5) if k in o.closed else ("white", 1.5)
            ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=colour, alpha=0.9,
                                   edgecolor=edge[0], lw=edge[1], zorder=2))  # fmt: skip
            if text:
                r, g, b = to_rgb(colour)
                dark = 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5  # relative luminance
                ax.text(x, y, _shown(spec, k, value, 12), ha="center", va="center",
                        fontsize=MIN_FONT, color="white" if dark else "black",
                        zorder=3)  # fmt: skip
    for y, k in enumerate(keys):
        out = record.issues[k]
        ax.text(end, y, _shown(spec, k, out.value, 14, 2) + votes[k],
                ha="center", va="center",
                fontsize=MIN_FONT + 1,
                fontweight="bold" if out.agreed else "normal",
                color="black" if out.agreed else "#666666")  # fmt: skip
    ax.axvline(n + 0.65, color="black", lw=1.5)
    import textwrap

    ax.set_yticks(range(len(keys)), [textwrap.fill(spec.issues[k].label, 26) for k in keys])
    step = max(1, math.ceil(n / 16))
    ticks = list(range(1, n + 1, step))
    news = {e["round"] + 1 for e in record.events}
    ax.set_xticks([*ticks, end], [f"{t}*" if t in news else str(t) for t in ticks] + ["final"])
    ax.set_xlim(0.5, end + (0.6 if not any(votes.values()) else 1.4))
    ax.set_ylim(len(keys) - 0.5, -0.5)
    ax.tick_params(axis="x", labeltop=True, labelbottom=False, top=True, bottom=False)
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("round")
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return fig


def _votes(spec: Scenario, issue: str, coalition: list[str] | None) -> str:
    """Under a qualified majority, the votes of the coalition that carried the issue, for the
    final column; "" otherwise."""
    rule = spec.rule_of(issue)
    if rule.type == "unanimity" or not coalition:
        return ""
    held = sum(rule.voters.get(a, 0.0) for a in coalition)
    return f" ({held:g}/{sum(rule.voters.values()):g})"


def draw_answers(spec: Scenario, record: RunRecord, ax: Any = None) -> Figure:
    """Every responder's utility of each offer (solid; filled = accepted, open = rejected, X =
    walk-out) against its acceptance threshold (dashed), in actor colours, rounds from 1; the
    utility axis starts at 0."""
    fig, ax = new_axes(ax)
    colours = colours_of(spec)
    highest = 1.0
    for a in spec.actors:
        seen = [(o.round + 1, o.answers[a]) for o in record.trajectory if a in o.answers]
        if not seen:
            continue
        t = [r for r, _ in seen]
        u = [ans["utility"] for _, ans in seen]
        thr = [ans["threshold"] if math.isfinite(ans["threshold"]) else np.nan for _, ans in seen]
        highest = max(highest, *u, *[v for v in thr if np.isfinite(v)])
        c = colours[a]
        ax.plot(t, u, "-", color=c, lw=2.5, label=short_name(spec, a))
        ax.plot(t, thr, "--", color=c, lw=2, marker="_", ms=16)
        for r, ans in seen:
            face = c if ans["accept"] else "white"
            marker = "X" if ans["walkout"] else "o"
            ax.plot(r, ans["utility"], marker, color=c, mfc=face, mew=2, ms=10, zorder=3)
    ax.set_ylim(0, highest * 1.05)
    ax.set_ylabel("utility")
    ax.set_xlabel("round")
    return fig


def run_figures(
    spec: Scenario, record: RunRecord, actors: tuple[str, str] | None = None
) -> dict[str, Figure]:
    """The single-run figures, keyed by name: `offers` (what was offered each round and how the
    others answered) and `utility_space` (how good the outcome is against what was possible)."""
    from matplotlib.patches import Patch

    keys = list(spec.issues)
    n = max(len(record.trajectory), 1)
    grid_height = 0.5 * len(keys) + 0.9
    fig = new_figure((11, min(6.9, grid_height + 3.6)))
    top, bottom = fig.subplots(2, 1, height_ratios=[grid_height, 3.0])
    draw_offer_grid(spec, record, ax=top)
    draw_answers(spec, record, ax=bottom)
    bottom.set_xlim(top.get_xlim())
    step = max(1, math.ceil(n / 16))
    bottom.set_xticks(list(range(1, n + 1, step)))
    bottom.spines["bottom"].set_bounds(0.5, n + 0.5)
    colours = colours_of(spec)
    proposed = {o.proposer for o in record.trajectory}
    proposers = [
        Patch(color=colours[a], label=short_name(spec, a)) for a in spec.actors if a in proposed
    ]
    top.legend(handles=proposers, title="proposer", loc="upper left", bbox_to_anchor=(1.01, 1.0),
               borderaxespad=0, ncol=1 if len(proposers) <= 6 else 2)  # fmt: skip
    from matplotlib.lines import Line2D

    key = [
        Line2D([], [], color="black", lw=2.5, marker="o", ms=9, label="offer's utility, accepted"),
        Line2D([], [], color="black", lw=2.5, marker="o", mfc="white", ms=9, label="… rejected"),
        Line2D([], [], color="black", lw=2, ls="--", label="its threshold"),
    ]
    bottom.legend(handles=key, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ask(fig, "What was offered each round, and how did the others answer?",
        _story(spec, record) + _linkage_note(spec, record))  # fmt: skip
    figures = {"offers": fig}
    space = utility_space(spec, record, actors)
    fig, ax = new_axes(size=(11, 6.9))
    draw_utility_space(space, spec, ax=ax)
    a, b = space.actors
    chosen = "the pair you chose" if actors else (
        "the first two parties in the scenario file; --actors A,B shows another pair")  # fmt: skip
    when = ("Utilities at the start of the run (no event changed a preference)"
            if space.basis == "initial" else
            "Utilities as the run ended, after the events that changed preferences")  # fmt: skip
    ask(fig, "How good is the outcome, compared with what was possible?",
        f"Showing {short_name(spec, a)} and {short_name(spec, b)} ({chosen}). {when}; Nash and "
        "Kalai–Smorodinsky with each issue bargained by its veto parties."
        + _linkage_note(spec, record, space))  # fmt: skip
    figures["utility_space"] = fig
    return figures


def _shown(spec: Scenario, issue: str, value: float, width: int, digits: int = 0) -> str:
    """A value as a cell of the offer grid: the option's name (wrapped to `width`) on an issue
    of named options, else the number (`digits` decimals, or as few as it needs)."""
    import textwrap

    item = spec.issues[issue]
    if item.options is not None:
        return textwrap.fill(item.option_at(value) or "", width)
    return f"{value:.{digits}f}" if digits else f"{round(value, 2):g}"


def _story(spec: Scenario, record: RunRecord) -> str:
    """One sentence on how the run ended, with the events and, in the textbook case, the
    Rubinstein reference."""
    from sim.analysis.textbook import rubinstein_case

    if record.agreed:
        said = f"Every issue agreed by round {(record.round or 0) + 1}"
    else:
        cause = record.breakdown.replace("walkout:", "a walk-out by ")
        said = f"No full agreement ({cause}); open issues reverted"
    said += f" (seed {record.seed}, deadline {spec.protocol.deadline} rounds)."
    for e in record.events:
        said += f" *Round {e['round'] + 1}: {e['name']}."
    said += " Final column: bold = agreed, grey = reverted or imposed."
    if any(spec.rule_of(k).type == "qualified_majority" for k in spec.issues):
        said += " (9/15): the votes of the coalition that carried a qualified-majority issue."
    case = rubinstein_case(spec)
    if case is not None:
        said += (
            f" Textbook case: Rubinstein's split gives the issue {case.value:.3f}; with this "
            f"deadline backward induction gives {case.finite_value:.3f}."
        )
    return said


def _linkage_note(spec: Scenario, record: RunRecord, space: UtilitySpace | None = None) -> str:
    """Where a utility can exceed 1: say so, and why (linkage)."""
    from sim.narration import linkage_bonus

    linked = [short_name(spec, a) for a, actor in spec.actors.items() if linkage_bonus(actor) > 0]
    if space is not None:
        linked = [short_name(spec, a) for a in space.actors if short_name(spec, a) in linked]
    if not linked:
        return ""
    who = " and ".join(linked)
    return (
        f" Utilities above 1 are possible for {who}: linkage makes some issues worth more together."
    )


def plot_run(
    spec: Scenario, record: RunRecord, path: str | Path, actors: tuple[str, str] | None = None
) -> list[Path]:
    """Draw one run (it needs its trajectory): the offers figure at `path` and the utility
    space next to it (`<path stem>_utility_space.png`). Returns both paths."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in run_figures(spec, record, actors).items():
        target = out if name == "offers" else out.with_name(f"{out.stem}_{name}{out.suffix}")
        fig.savefig(target)
        paths.append(target)
    return paths
