"""The app's figures, drawn with the project's plotting functions and house style, sized and
lettered to be read from the back of a classroom."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sim.plots.style import LIGHT, MIN_FONT, anchor_axis, colours_of, new_figure, short_name

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.app.live import LiveRun
    from sim.scenario.models import Scenario

# The app is projected. The house style (sim.plots.style) now letters every figure for a
# projector (15 pt body, 13 pt at least), so the app's own figures need no further enlarging;
# the hook stays for figures drawn smaller than the style.
ENLARGE = 1.0


def enlarged(fig: Figure, factor: float = ENLARGE) -> Figure:
    """Scale every text of a figure drawn by the project's plotting functions (constrained
    layout makes room for it when the figure is saved)."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_fontsize(text.get_fontsize() * factor)
    return fig


def offers_figure(spec: Scenario, run: LiveRun) -> Figure:
    """Offers on each issue by round, each dot in its proposer's colour, on a fixed axis from
    round 1 to the deadline; a settled issue shows the value it closed at (solid line: agreed,
    dotted: reverted)."""
    record = run.record()
    colours = colours_of(spec)
    keys = list(spec.issues)
    deadline = spec.protocol.deadline
    height = 1.9 * len(keys) + 1.4
    fig = new_figure((8.5, height))
    # Fixed margins: the constrained layout solver doubles the time to draw this figure, and
    # it is redrawn at every step.
    fig.set_layout_engine(None)
    fig.subplots_adjust(left=0.3, right=0.97, top=1 - 0.35 / height, bottom=1.25 / height,
                        hspace=0.45)  # fmt: skip
    axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    for ax, k in zip(axes, keys, strict=True):
        out = record.issues[k]
        settled = out.round
        # An offer's package holds the issues open in its round only.
        shown = [
            o for o in run.trajectory if k in o.package and (settled is None or o.round <= settled)
        ]
        if shown:
            x = [o.round + 1 for o in shown]
            y = [o.package[k] for o in shown]
            ax.plot(x, y, "-", color=LIGHT, lw=1.2, zorder=1)
            ax.scatter(x, y, c=[colours[o.proposer] for o in shown], s=90,
                       edgecolor="black", linewidth=0.6, zorder=3)  # fmt: skip
        if settled is not None and not math.isnan(out.value):
            style = "-" if out.agreed else ":"
            how = f"agreed in round {settled + 1}" if out.agreed else "reverted"
            ax.hlines(out.value, settled + 1, deadline + 0.5, color="black", lw=2.5, ls=style)
            ax.annotate(how, (deadline + 0.5, out.value), ha="right", va="bottom",
                        xytext=(0, 4), textcoords="offset points", fontsize=10)  # fmt: skip
        anchor_axis(ax, spec.issues[k].anchors, width=24)
        ax.tick_params(axis="y", labelsize=9)
        ax.set_title(spec.issues[k].label, loc="left")
    axes[-1].set_xlim(0.5, deadline + 0.5)
    step = max(1, math.ceil(deadline / 12))
    axes[-1].set_xticks(range(1, deadline + 1, step))
    axes[-1].set_xlabel("round")
    handles = [
        axes[0].scatter([], [], color=colours[a], edgecolor="black", s=90,
                        label=short_name(spec, a))
        for a in spec.actors
    ]  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncols=len(handles),
               title="a dot is an offer by", frameon=False)  # fmt: skip
    return enlarged(fig)


def space_figure(spec: Scenario, run: LiveRun, pair: tuple[str, str]) -> Figure:
    """The utility space of two actors with the Pareto frontier, Nash and Kalai–Smorodinsky
    points and the disagreement point, and the trace of the offers so far, numbered by round."""
    from sim.app.space import offer_trace, utility_space_of
    from sim.plots.run import draw_utility_space

    record = run.record()
    space = utility_space_of(spec, record, pair)
    colours = colours_of(spec)
    fig = new_figure((6.5, 7.6))
    ax = fig.add_subplot()
    draw_utility_space(space, spec, ax=ax)
    if run.running:  # no outcome yet: drop its (empty) marker from the legend
        for line in list(ax.lines):
            if line.get_label() == "outcome reached":
                line.remove()
    trace = offer_trace(spec, record, pair, run.trajectory)
    if len(trace):
        ax.plot(trace[:, 0], trace[:, 1], "-", color="#555555", lw=1, zorder=6,
                label="offers so far (numbered by round)")  # fmt: skip
        for offer, (x, y) in zip(run.trajectory, trace, strict=True):
            ax.plot(x, y, "o", color=colours[offer.proposer], mec="black", ms=20, zorder=7)
            ax.annotate(str(offer.round + 1), (x, y), ha="center", va="center",
                        fontsize=MIN_FONT, fontweight="bold", color="white", zorder=8)  # fmt: skip
    # Below the axes, so it never hides a point; the presentation style already letters the
    # figure for a projector, so it is not enlarged further.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=1, fontsize=MIN_FONT,
              frameon=False)  # fmt: skip
    when = "at the start" if space.basis == "initial" else "after the events"
    ax.set_title(f"Utility space {when} (Nash and KS: each issue's veto players)",
                 fontsize=MIN_FONT + 2)  # fmt: skip
    return fig


def odds_figures(runs: pd.DataFrame, spec: Scenario, path: str) -> dict[str, Figure]:
    """Against one lever, one row per issue: the probability that it is agreed (95% Wilson band)
    and where it ends (mean with its 95% bootstrap band; dashed and dotted lines: the middle 50%
    and 90% of runs); then full agreement and utilities, the project's sweep figure."""
    from sim.plots.outcomes import draw_sweep, ok_rows, parameter_label, sweep_figures, sweep_table

    param = f"param.{path}"
    ok = ok_rows(runs)
    table = sweep_table(runs, spec, param)
    xlabel = parameter_label(param, spec)
    keys = list(spec.issues)
    fig = new_figure((12, 2.9 * len(keys) + 0.8))
    axes = fig.subplots(len(keys), 2, squeeze=False)
    for (left, right), k in zip(axes, keys, strict=True):
        draw_sweep(table, f"issue.{k}.agreed", ax=left)
        left.set(ylim=(0, 1), ylabel="probability agreed")
        left.set_title(spec.issues[k].label, loc="left")
        draw_sweep(table, f"issue.{k}.value", ax=right, label="mean (band: 95% interval)")
        q = ok.groupby(param)[f"issue.{k}.value"].quantile([0.05, 0.25, 0.75, 0.95]).unstack()
        x = q.index.to_numpy(dtype=float)
        for lo, hi, style, label in (
            (0.25, 0.75, "--", "middle 50% of runs"),
            (0.05, 0.95, ":", "middle 90% of runs"),
        ):
            right.plot(x, q[lo], ls=style, color="black", lw=1.2, label=label)
            right.plot(x, q[hi], ls=style, color="black", lw=1.2)
        anchor_axis(right, spec.issues[k].anchors, width=22)
        right.set_title("where it ends", loc="left")
    axes[0, 1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
    for ax in axes[-1]:
        ax.set_xlabel(xlabel)
    fig.suptitle(f"Each issue against {xlabel} ({len(ok)} runs; bands: 95% intervals)")
    figures = {"issues": enlarged(fig)}
    whole = sweep_figures(runs, spec, param, f"{len(ok)} runs")
    figures["actors"] = whole[next(k for k in whole if k.endswith("_actors"))]  # projector-sized
    return figures


def versus_figure(a: Any, b: Any) -> Figure:
    """A and B side by side: the project's comparison of how often each issue is agreed (drawn
    in the presentation style, already sized for a projector)."""
    from sim.plots.compare import compare_figures

    return compare_figures([a, b])["agreement"]


def png(fig: Figure, dpi: int = 90) -> bytes:
    """The figure as PNG bytes (then freed)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    fig.clear()
    return buffer.getvalue()
