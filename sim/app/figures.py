"""The app's figures, drawn with the project's plotting functions and house style, sized and
lettered to be read from the back of a classroom."""

from __future__ import annotations

import math
import textwrap
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from matplotlib.lines import Line2D

from sim.plots.run import reference_marks
from sim.plots.style import LIGHT, MIN_FONT, anchor_axis, colours_of, new_figure
from sim.scenario.words import parameter_label, parameter_phrase, short_name

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

    from sim.app.live import LiveRun
    from sim.scenario.models import Scenario

DPI = 90  # a 6.5-inch figure is about as many pixels wide as the page's figure column


class Layers:
    """A figure drawn in two layers: the fixed parts (axes, anchors, legend, the utility space's
    cloud and reference points) are drawn once and kept as pixels; each update pastes them back
    and draws only what moves (the offers so far) over them. Redrawing a whole figure costs
    most of the time between moving a lever and seeing its effect; this keeps it to the moving
    parts. One update at a time: each holds a lock."""

    def __init__(self, fig: Figure) -> None:
        import threading

        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig.set_dpi(DPI)
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.canvas.draw()
        self.fixed = self.canvas.copy_from_bbox(fig.bbox)
        self.lock = threading.Lock()

    def png(self, draw_moving: Callable[[Figure], list[Artist]]) -> bytes:
        """PNG bytes of the fixed layer with what `draw_moving` adds drawn over it (then
        removed again, so the next update starts from the fixed layer alone)."""
        with self.lock:
            self.canvas.restore_region(self.fixed)
            moving = draw_moving(self.fig)
            for artist in moving:
                self.fig.draw_artist(artist)
            image = encode(self.canvas.buffer_rgba())
            for artist in moving:
                artist.remove()
            return image


def encode(rgba: Any) -> bytes:
    """PNG bytes of an RGBA pixel buffer (fast compression: the page is served locally)."""
    import io

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgba)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class LayerCache:
    """The last few fixed layers drawn, by what they depend on (a lever that changes nothing
    fixed reuses them), shared by every session of the server."""

    def __init__(self, size: int = 8) -> None:
        import threading

        self.size = size
        self.items: OrderedDict[Hashable, Layers] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Figure]) -> Layers:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        layers = Layers(build())  # drawn outside the lock: other sessions carry on
        with self.lock:
            self.items[key] = layers
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return layers


OFFERS = LayerCache()
SPACES = LayerCache()


def offers_png(spec: Scenario, run: LiveRun) -> bytes:
    """The offers figure of a negotiation in progress, as PNG bytes: its axes are drawn once per
    set of issues, actors and deadline, the offers over them."""
    key = (
        spec.protocol.deadline,
        tuple((k, i.label, tuple(i.anchors.items())) for k, i in spec.issues.items()),
        tuple((k, a.name) for k, a in spec.actors.items()),
    )
    layers = OFFERS.get(key, lambda: offers_axes(spec))
    return layers.png(lambda fig: draw_offers(fig, spec, run))


def offers_figure(spec: Scenario, run: LiveRun) -> Figure:
    """Offers on each issue by round, each dot in its proposer's colour, on a fixed axis from
    round 1 to the deadline; a settled issue shows the value it closed at (solid line: agreed,
    dotted: reverted)."""
    fig = offers_axes(spec)
    draw_offers(fig, spec, run)
    return fig


def offers_axes(spec: Scenario) -> Figure:
    """The fixed part of the offers figure: an axis per issue labelled with its anchors, rounds
    1 to the deadline, the legend of proposers."""
    colours = colours_of(spec)
    keys = list(spec.issues)
    deadline = spec.protocol.deadline
    height = 2.2 * len(keys) + 1.6
    fig = new_figure((6.5, height))
    # Fixed margins: the layout is drawn once and the offers pasted over it.
    fig.set_layout_engine(None)
    fig.subplots_adjust(left=0.37, right=0.97, top=1 - 0.55 / height, bottom=1.45 / height,
                        hspace=0.85)  # fmt: skip
    axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    for ax, k in zip(axes, keys, strict=True):
        anchor_axis(ax, spec.issues[k].anchors, width=22)
        # From the figure's left edge, leaving room on the right for how the issue ended.
        ax.set_title(textwrap.shorten(spec.issues[k].label, 34, placeholder="…"), loc="left",
                     x=-0.6, pad=20, fontsize=MIN_FONT + 1)  # fmt: skip
    axes[-1].set_xlim(0.5, deadline + 0.5)
    step = max(1, math.ceil(deadline / 12))
    axes[-1].set_xticks(range(1, deadline + 1, step))
    axes[-1].set_xlabel("round")
    handles = [
        Line2D([], [], ls="", marker="o", ms=11, color=colours[a], mec="black",
               label=short_name(spec, a))
        for a in spec.actors
    ]  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncols=min(len(handles), 4),
               title="a dot is an offer by", frameon=False)  # fmt: skip
    return fig


def draw_offers(fig: Figure, spec: Scenario, run: LiveRun) -> list[Artist]:
    """The moving part of the offers figure, added to `fig`'s axes: every offer so far and the
    value each settled issue closed at."""
    record = run.record()
    colours = colours_of(spec)
    deadline = spec.protocol.deadline
    drawn: list[Artist] = []
    for ax, k in zip(fig.axes, spec.issues, strict=True):
        out = record.issues[k]
        settled = out.round
        # An offer's package holds the issues open in its round only.
        shown = [
            o for o in run.trajectory if k in o.package and (settled is None or o.round <= settled)
        ]
        if shown:
            x = [o.round + 1 for o in shown]
            y = [o.package[k] for o in shown]
            drawn += ax.plot(x, y, "-", color=LIGHT, lw=1.2, zorder=1)
            drawn.append(ax.scatter(x, y, c=[colours[o.proposer] for o in shown], s=90,
                                    edgecolor="black", linewidth=0.6, zorder=3))  # fmt: skip
        if settled is not None and not math.isnan(out.value):
            style = "-" if out.agreed else ":"
            how = f"agreed in round {settled + 1}" if out.agreed else "reverted"
            drawn.append(ax.hlines(out.value, settled + 1, deadline + 0.5, color="black", lw=2.5,
                                   ls=style))  # fmt: skip
            drawn.append(ax.text(1.0, 1.2, how, transform=ax.transAxes, ha="right",
                                 va="bottom", fontsize=MIN_FONT))  # fmt: skip
    return drawn


SEEN: OrderedDict[Hashable, tuple[bytes, bytes]] = OrderedDict()  # the last views drawn


def single_run_pngs(spec: Scenario, run: LiveRun, pair: tuple[str, str]) -> tuple[bytes, bytes]:
    """(utility space, offers) of a negotiation as PNG bytes. A negotiation is fixed by its
    setting, seed and round, so a view seen before (a lever moved back) is served as
    it was drawn."""
    key = (spec.model_dump_json(), run.seed, run.round, pair, bool(run.model.running))
    if key in SEEN:
        SEEN.move_to_end(key)
        return SEEN[key]
    SEEN[key] = (space_png(spec, run, pair), offers_png(spec, run))
    while len(SEEN) > 64:
        SEEN.popitem(last=False)
    return SEEN[key]


def space_png(spec: Scenario, run: LiveRun, pair: tuple[str, str]) -> bytes:
    """The utility-space figure of a negotiation in progress, as PNG bytes: the cloud and the
    frontier are drawn once per preferences and pair (most levers move neither), the reference
    points and the offers over them."""
    import hashlib

    from sim.app.space import utility_space_of

    space = utility_space_of(spec, run.record(), pair)
    over = not run.model.running
    digest = hashlib.sha1()
    for array in (space.points, space.frontier, space.efficient):
        digest.update(array.tobytes())
    key = (
        digest.hexdigest(), pair, space.basis, over, tuple(space.outcome) if over else (),
        tuple(style["label"] for _, _, style in reference_marks(space, spec)),
        tuple(spec.actors[a].name for a in pair),
    )  # fmt: skip
    layers = SPACES.get(key, lambda: space_axes(spec, space, over))
    return layers.png(
        lambda fig: draw_trace(fig, spec, run, pair) + draw_marks(fig, spec, space, over)
    )


def space_figure(spec: Scenario, run: LiveRun, pair: tuple[str, str]) -> Figure:
    """The utility space of two actors with the Pareto frontier, Nash and Kalai–Smorodinsky
    points and the disagreement point, and the trace of the offers so far, numbered by round."""
    from sim.app.space import utility_space_of

    space = utility_space_of(spec, run.record(), pair)
    over = not run.model.running
    fig = space_axes(spec, space, over)
    draw_trace(fig, spec, run, pair)
    draw_marks(fig, spec, space, over)
    return fig


def space_axes(spec: Scenario, space: Any, over: bool) -> Figure:
    """The fixed part of the utility-space figure: the cloud, the frontier, the axes and the
    legend (reference points are drawn by `draw_marks`: they move with most levers)."""
    from sim.plots.run import draw_utility_space

    fig = new_figure((6.5, 10.0))
    ax = fig.add_subplot()
    draw_utility_space(space, spec, ax=ax)
    ax.plot([], [], "-o", color="#555555", mfc="white", mec="black", lw=1, ms=12,
            label="offers so far (numbered by round)")  # fmt: skip
    handles, labels = ax.get_legend_handles_labels()
    if not over:  # no outcome yet: no marker in the legend
        kept = [i for i, label in enumerate(labels) if label != "outcome reached"]
        handles, labels = [handles[i] for i in kept], [labels[i] for i in kept]
    # Below the axes, so it never hides a point.
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=1,
              frameon=False)  # fmt: skip
    marks = {style["label"] for _, _, style in reference_marks(space, spec)}
    for line in list(ax.lines):
        if line.get_label() in marks:
            line.remove()  # the legend keeps its own copy of each marker
    when = "at the start" if space.basis == "initial" else "after the events"
    ax.set_title(textwrap.fill(f"What could they agree on? ({when})", 40))
    return fig


def draw_marks(fig: Figure, spec: Scenario, space: Any, over: bool) -> list[Artist]:
    """The reference points (Nash, Kalai–Smorodinsky, no deal; the outcome once it is over),
    drawn over the offers so the outcome's star shows on its last offer."""
    ax = fig.axes[0]
    drawn: list[Artist] = []
    for xy, marker, style in reference_marks(space, spec):
        if over or style["label"] != "outcome reached":
            drawn += ax.plot(*xy, marker, **style)
    return drawn


def draw_trace(fig: Figure, spec: Scenario, run: LiveRun, pair: tuple[str, str]) -> list[Artist]:
    """The moving part of the utility-space figure: the offers so far, numbered by round."""
    from sim.app.space import offer_trace

    ax = fig.axes[0]
    trace = offer_trace(spec, run.record(), pair, run.trajectory)
    colours = colours_of(spec)
    drawn: list[Artist] = []
    if len(trace):
        drawn += ax.plot(trace[:, 0], trace[:, 1], "-", color="#555555", lw=1, zorder=6)
        for offer, (x, y) in zip(run.trajectory, trace, strict=True):
            drawn += ax.plot(x, y, "o", color=colours[offer.proposer], mec="black", ms=20,
                             zorder=7)  # fmt: skip
            drawn.append(ax.annotate(str(offer.round + 1), (x, y), ha="center", va="center",
                                     fontsize=MIN_FONT, fontweight="bold", color="white",
                                     zorder=8))  # fmt: skip
    return drawn


def odds_figures(runs: pd.DataFrame, spec: Scenario, path: str) -> dict[str, Figure]:
    """Against one lever, one question each: how likely each issue is to be agreed (95% Wilson
    bands) and who gains (the project's sweep figures), and where each issue ends: its mean with
    a 95% bootstrap band, and the middle 50% and 90% of runs (its distribution)."""
    from sim.plots.outcomes import ok_rows, sweep_figures

    param = f"param.{path}"
    where = f"{len(ok_rows(runs)):,} runs"
    whole = sweep_figures(runs, spec, param, where)
    pick = {stem: next(k for k in whole if k.endswith(f"_{stem}")) for stem in ("issues", "actors")}
    return {
        "issues": whole[pick["issues"]],
        "ends": ends_figure(runs, spec, param, where),
        "actors": whole[pick["actors"]],
    }


def ends_figure(runs: pd.DataFrame, spec: Scenario, param: str, where: str) -> Figure:
    """Where each issue ends against one swept parameter: a panel per issue (up to three
    across) with the mean and its 95% band, and dashed and dotted lines holding the middle 50%
    and 90% of runs."""
    from sim.plots.outcomes import (
        draw_sweep,
        ok_rows,
        sweep_table,
    )
    from sim.plots.style import SLIDE_WIDTH, TALLEST, ask

    ok = ok_rows(runs)
    table = sweep_table(runs, spec, param)
    keys = list(spec.issues)
    across = min(3, len(keys))
    down = math.ceil(len(keys) / across)
    fig = new_figure((SLIDE_WIDTH, min(TALLEST, 1.6 + 2.5 * down)))
    axes = fig.subplots(down, across, squeeze=False, sharex=True, sharey=True).ravel()
    for ax, k in zip(axes, keys, strict=False):
        draw_sweep(table, f"issue.{k}.value", ax=ax, label="mean (band: 95% interval)")
        q = ok.groupby(param)[f"issue.{k}.value"].quantile([0.05, 0.25, 0.75, 0.95]).unstack()
        x = q.index.to_numpy(dtype=float)
        for lo, hi, style, label in (
            (0.25, 0.75, "--", "middle 50% of runs"),
            (0.05, 0.95, ":", "middle 90% of runs"),
        ):
            ax.plot(x, q[lo], ls=style, color="black", lw=1.4, label=label)
            ax.plot(x, q[hi], ls=style, color="black", lw=1.4)
        ax.set_ylim(-0.05, 1.05)
        ax.set_title(textwrap.fill(spec.issues[k].label, 30), fontsize=MIN_FONT + 1)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    for i in range(len(keys) - across, len(keys)):  # the lowest panel of each column
        axes[i].set_xlabel(textwrap.fill(parameter_label(param, spec), 30))
        axes[i].tick_params(labelbottom=True)
    handles, labels = axes[0].get_legend_handles_labels()
    spare = axes[-1] if len(keys) < len(axes) else None
    if spare is not None:  # in the empty panel's place
        spare.set_visible(True)
        spare.axis("off")
        spare.legend(handles, labels, loc="center", frameon=False)
    else:
        fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
    ask(fig, f"As {parameter_phrase(param, spec)} changes, where does each issue end?",
        f"{where}; 0 to 1 is each issue's scale (see its anchors in One negotiation).")  # fmt: skip
    return fig


def versus_figure(a: Any, b: Any) -> Figure:
    """A and B side by side: the project's comparison of how often each issue is agreed (drawn
    in the presentation style, already sized for a projector)."""
    from sim.plots.compare import compare_figures

    return compare_figures([a, b])["agreement"]


def png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes (then freed)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    fig.clear()
    return buffer.getvalue()
