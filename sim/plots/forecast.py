"""The expected-utility lens, seen: each actor's position round by round, with the weighted
median (the forecast) and the weighted mean (`negsim run --protocol expected_utility --plot`,
`negsim forecast TABLE --plot`). Round 0 is where the actors start."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.plots.style import MIN_FONT, ask, colours_of, neutral, new_axes, new_figure
from sim.scenario.words import short_name

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.protocols.expected_utility import EUForecast
    from sim.record import RunRecord
    from sim.scenario.models import Scenario


def draw_forecast(
    medians: list[float],
    means: list[float],
    positions: dict[str, list[float]],
    colours: dict[str, str],
    ax: Any = None,
    names: bool = True,
    markers: dict[str, str] | None = None,
) -> Figure:
    """Positions by round (thin lines, one per actor, in `colours`, with `markers` on their
    points if given), the weighted median (thick black, its last value printed where it covers
    no line) and the weighted mean (dashed grey); with `names`, each line named at its end in
    its colour after its marker's shape (names spread so they never overlap)."""
    from sim.plots.outcomes import spread
    from sim.plots.style import clear_label

    markers = markers or {}
    fig, ax = new_axes(ax)
    rounds = np.arange(len(medians))
    for who, path in positions.items():
        ax.plot(rounds, path, "-", color=colours[who], lw=1.8, alpha=0.9, zorder=2,
                marker=markers.get(who, ""), ms=8)  # fmt: skip
    ax.plot(rounds, medians, "-o", color="black", lw=4, ms=8, zorder=4,
            label="weighted median (the forecast)")  # fmt: skip
    ax.plot(rounds, means, "--", color=neutral(1), lw=3, zorder=3, label="weighted mean")
    clear_label(ax, f"{medians[-1]:.2f}", (rounds[-1], medians[-1]), ha="right",
                fontsize=MIN_FONT + 1, fontweight="bold", zorder=5)  # fmt: skip
    if names and positions:
        low, high = ax.get_ylim()
        ends = [p[-1] for p in positions.values()]
        for who, y in zip(positions, spread(ends, 0.07 * (high - low)), strict=True):
            glyph = GLYPHS.get(markers.get(who, ""), "")
            ax.annotate(f"{glyph} {who}".strip(), (rounds[-1], y), xytext=(14, 0), textcoords="offset points",
                        va="center", fontsize=MIN_FONT, color=colours[who], fontweight="bold",
                        annotation_clip=False)  # fmt: skip
    ax.set_xticks(rounds)
    ax.set_xlabel("round (0 = where the actors start)")
    return fig


def scenario_forecast_figure(spec: Scenario, record: RunRecord) -> Figure:
    """Every issue of a scenario through the expected-utility lens, one panel each, the actors
    in their project colours and the issue's anchors on the axis."""
    from sim.plots.style import fit_anchor_axes

    keys = list(spec.issues)
    cols = min(2, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig = new_figure((11, 6.2 if rows <= 2 else 6.9))
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True).ravel()
    colours = {short_name(spec, a): c for a, c in colours_of(spec).items()}
    for ax, k in zip(axes, keys, strict=False):
        positions = {
            short_name(spec, a): path for a, path in (record.positions or {}).get(k, {}).items()
        }
        medians, means = (record.medians or {})[k], (record.means or {})[k]
        draw_forecast(medians, means, positions, colours, ax=ax, names=False)
        ax.set_title(spec.issues[k].label, fontsize=MIN_FONT + 1)
        ax.set_xlabel("")
    for ax in axes[: len(keys)][-cols:]:
        ax.set_xlabel("round")
        ax.tick_params(axis="x", labelbottom=True)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, lw=2.5, label=a) for a, c in colours.items()]
    handles += axes[0].get_legend_handles_labels()[0]
    if len(keys) < len(axes):
        spare = axes[len(keys)]
        spare.set_visible(True)
        spare.axis("off")
        spare.legend(handles=handles, loc="center")
    else:
        fig.legend(handles=handles, loc="outside right upper")
    ask(fig, "Where does the expected-utility model expect each issue to settle?",
        f"{spec.name}: Bueno de Mesquita's model as read by Scholz et al. (2011), "
        f"{spec.protocol.eu_rounds} rounds; thin lines: each party's position; no vetoes, no "
        "deadline.")  # fmt: skip
    fit_anchor_axes(fig, [(ax, spec.issues[k].anchors) for ax, k in zip(axes, keys, strict=False)],
                    width=30)  # fmt: skip
    return fig


def table_forecast_figure(actors: list[str], result: EUForecast, title: str = "") -> Figure:
    """One issue from a forecast table: a line per actor (actors whose positions never differ
    share one, named together), each in its own colour, marker and dash so it can be told apart
    in greyscale print too, named at its end. `title` names the issue (a file stem's
    underscores read as spaces)."""
    from sim.plots.style import OKABE_ITO

    fig, ax = new_axes(size=(11, 6.2))
    together: dict[tuple[float, ...], list[str]] = {}
    for i, a in enumerate(actors):
        path = tuple(round(float(round_[i]), 9) for round_ in result.positions)
        together.setdefault(path, []).append(a)
    positions = {", ".join(names): list(path) for path, names in together.items()}
    palette = [c for c in OKABE_ITO if c != "#000000"]  # black is the median's
    colours = {who: palette[i % len(palette)] for i, who in enumerate(positions)}
    markers = {who: list(GLYPHS)[i % len(GLYPHS)] for i, who in enumerate(positions)}
    draw_forecast(result.medians, result.means, positions, colours, ax=ax, markers=markers)
    for line, i in zip(ax.lines, range(len(positions)), strict=False):
        line.set_linestyle(DASHES[i % len(DASHES)])

    ax.set_ylabel("position")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14), ncols=2)
    issue = title.replace("_", " ").strip() or "the issue"
    ask(fig, f"Where does the expected-utility model expect {issue} to settle?",
        f"Forecast after {len(result.medians) - 1} rounds: {result.forecast:.3f} (the weighted "
        f"median); weighted mean {result.mean:.3f}. Thin lines: each actor's position, named at "
        "its end (actors that never move apart share a line).")  # fmt: skip
    return fig


# The actors' lines' markers (none the median's circle), each with the glyph that names it in
# the line's label, and their dashes (none the mean's): told apart in greyscale print too.
GLYPHS = {"s": "■", "^": "▲", "D": "◆", "v": "▼", "<": "◀", ">": "▶"}
DASHES = ("-", ":", "-.", (0, (1, 3)), (0, (4, 1, 1, 1, 1, 1)), (0, (8, 2, 2, 2)))


def save(fig: Figure, path: str | Path) -> Path:
    """Write a figure as PNG, creating the folder."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    return out
