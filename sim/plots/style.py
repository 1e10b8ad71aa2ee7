"""The presentation style every figure uses: made to be projected to a class and printed in a
handout. One question per figure, asked in its title in plain words; fonts sized for the back
of the room; values printed on bars; probability axes from 0; colour means actor.

Sizes: every figure is `SLIDE_WIDTH` inches wide (16:9 at `SLIDE`), and no text is smaller
than `MIN_FONT` points at that width. Projected full width on a 1280-pixel projector that is at
least 23 pixels a line (about 16 pt on a 13.3-inch slide); printed across an A4 or Letter page
(6.7 inches of text width) it is at least 8 pt.

Colours: an actor's colour (Okabe–Ito, colour-blind safe) comes from its position in the
scenario's actor order, so Syria is the same colour in every figure. Everything that is not an
actor (issue values, agreement rates, sensitivity indices, medians, scenarios in a comparison)
is drawn from the separate neutral palette (greys, with hatching where shades alone could be
confused), so it can never be mistaken for an actor. Matplotlib runs headless (Agg).
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
# The neutral palette, for every series that is not an actor: dark to light, each distinct from
# its neighbours in greyscale print.
NEUTRALS = ("#333333", "#9A9A9A", "#5E5E5E", "#C8C8C8", "#000000", "#7A7A7A")
NEUTRAL = NEUTRALS[0]  # one non-actor series (issue values, agreement rates)
LIGHT = "#BBBBBB"  # reverted outcomes, the cloud of feasible packages
HIGHLIGHT = "#F0E442"  # the outcome reached (a yellow star edged in black): one per figure
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

SLIDE_WIDTH = 11.0
SLIDE = (SLIDE_WIDTH, 6.2)
TALLEST = 6.9  # inches at SLIDE_WIDTH: a 16:10 projector still shows the figure full width
MIN_FONT = 13.0
RC: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.15,
    "font.size": 15,
    "axes.titlesize": 16,
    "axes.titleweight": "bold",
    "axes.labelsize": 15,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 13,
    "legend.title_fontsize": 13,
    "legend.frameon": False,
    "figure.titlesize": 20,
    "figure.titleweight": "bold",
    "lines.linewidth": 2.2,
    "lines.markersize": 8,
    "errorbar.capsize": 4,
    # Labels come from scenario files: `$\frac{a}{b $` is drawn as written, never as mathtext.
    "text.parse_math": False,
}


def use_agg() -> None:
    """Select the non-interactive Agg backend (no display needed) and the presentation style."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcParams.update(RC)


def actor_colours(actors: Iterable[str]) -> dict[str, str]:
    """A colour per actor key, by position in the scenario's actor order (cycling past eight)."""
    return {a: OKABE_ITO[i % len(OKABE_ITO)] for i, a in enumerate(actors)}


def colours_of(spec: Scenario) -> dict[str, str]:
    """The scenario's actor colours."""
    return actor_colours(spec.actors)


def neutral(i: int) -> str:
    """The i-th colour of the neutral palette (for series that are not actors)."""
    return NEUTRALS[i % len(NEUTRALS)]


def scenario_style(i: int) -> dict[str, Any]:
    """Bar keywords (face colour, hatch, black edge) for the i-th scenario of a comparison."""
    face, hatch = SCENARIO_STYLES[i % len(SCENARIO_STYLES)]
    return {"facecolor": face, "hatch": hatch, "edgecolor": "black", "linewidth": 0.8}


def new_axes(ax: Any = None, size: tuple[float, float] = SLIDE) -> tuple[Figure, Any]:
    """The figure and axes to draw on: `ax` and its figure when given, a fresh pair otherwise."""
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(size)
    return fig, fig.add_subplot()


def new_figure(size: tuple[float, float] = SLIDE) -> Figure:
    """A fresh headless figure with constrained layout, in the presentation style."""
    use_agg()
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def ask(fig: Any, question: str, context: str = "") -> None:
    """Title a figure with the question it answers (plain words, ending in '?'), and put its
    context (which runs, how to read it) in a smaller line at its foot."""
    import textwrap

    fig.suptitle(textwrap.fill(question, 75), ha="left", x=0.01)
    if context:
        fig.supxlabel(textwrap.fill(context, 110), ha="left", x=0.01, fontsize=MIN_FONT,
                      color="#444444", fontweight="normal")  # fmt: skip


def title_of(fig: Any) -> str:
    """The question a figure asks (its suptitle), for tests and alt text."""
    return fig.get_suptitle() if hasattr(fig, "get_suptitle") else fig._suptitle.get_text()


def percent_axis(ax: Any, axis: str = "y", top: float = 1.0) -> None:
    """A probability or share axis: 0 to `top`, ticks as percentages."""
    import numpy as np
    from matplotlib.ticker import FixedLocator, PercentFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_ylim if axis == "y" else ax.set_xlim)(0, top)
    if top > 1.0:  # room above for labels, but no tick beyond 100%
        target.set_major_locator(FixedLocator(np.linspace(0, 1, 6)))
    target.set_major_formatter(PercentFormatter(1.0, decimals=0))


def label_bars(ax: Any, bars: Any, values: Iterable[float], fmt: str = "{:.0%}",
               least: float = 0.005, **kwargs: Any) -> None:  # fmt: skip
    """Print each bar's value at its end (skipping values below `least`, which would only add
    clutter at zero)."""
    labels = [fmt.format(v) if abs(v) >= least else "" for v in values]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=MIN_FONT, **kwargs)


def anchor_axis(
    ax: Any,
    anchors: dict[float, str],
    axis: str = "y",
    width: int = 22,
    numbers: bool = True,
    lines: int | dict[float, int] | None = None,
) -> None:
    """Label an issue axis with its anchors ('0.5: reduced presence…'), wrapped to `width`
    characters and, given `lines` (for all, or per anchor), cut to that many lines with '…' (so
    a long anchor cannot squeeze a small panel); `numbers=False` shows the names alone (named
    options have no scale)."""
    import textwrap

    ticks = list(anchors)
    labels = []
    for p, text in anchors.items():
        rows = textwrap.wrap((f"{p:g}: " if numbers else "") + text, width, break_long_words=False)
        most = lines.get(p) if isinstance(lines, dict) else lines
        if most is not None and len(rows) > most:
            rest = textwrap.shorten(" ".join(rows[most - 1 :]), width, placeholder="…")
            rest = rest[:-1].rstrip(",;: ") + "…"  # 'presence…', never 'presence,…'
            rows = [*rows[: most - 1], rest]
        labels.append("\n".join(rows))
    if axis == "y":
        ax.set_yticks(ticks, labels)
        ax.set_ylim(-0.05, 1.05)
        # The labels at the ends hang inside the axis, not into the title or the panel below.
        for tick, label in zip(ticks, ax.get_yticklabels(), strict=True):
            if "\n" in label.get_text() and tick in (min(ticks), max(ticks)):
                label.set_verticalalignment("top" if tick == max(ticks) else "bottom")
    else:
        ax.set_xticks(ticks, labels)
        ax.set_xlim(-0.1, 1.1)


def fit_anchor_axes(fig: Any, panels: list[tuple[Any, dict[float, str]]], width: int) -> None:
    """Label each panel's issue axis with its anchors (`anchor_axis`, y), then, wherever two of
    them print on each other in the laid-out figure, cut the one with more lines (the longer,
    if equal) by a line with '…', until none touch: small panels keep every anchor readable."""
    cuts: list[dict[float, int]] = [{p: 99 for p in anchors} for _, anchors in panels]
    for _ in range(12):
        for (ax, anchors), most in zip(panels, cuts, strict=True):
            anchor_axis(ax, anchors, width=width, lines=most)
        fig.draw_without_rendering()  # lay out: the labels' boxes are then the final ones
        changed = False
        for (ax, anchors), most in zip(panels, cuts, strict=True):
            labels = dict(zip(anchors, ax.get_yticklabels(), strict=True))
            boxes = {p: t.get_window_extent() for p, t in labels.items()}
            for p, q in [(p, q) for p in anchors for q in anchors if p < q]:
                if not boxes[p].overlaps(boxes[q]):
                    continue
                rows = {r: labels[r].get_text().count("\n") + 1 for r in (p, q)}
                longer = max((p, q), key=lambda r: (rows[r], len(anchors[r])))
                if rows[longer] > 1:
                    most[longer] = rows[longer] - 1
                    changed = True
        if not changed:
            return


def too_small(fig: Any) -> list[tuple[str, float]]:
    """Visible texts smaller than `MIN_FONT` once the figure is fitted to a slide (a figure wider
    than `SLIDE_WIDTH` or taller than `TALLEST` is shrunk, and so are its fonts): what would be
    unreadable from the back of the room. Empty when the figure is fine."""
    from matplotlib.text import Text

    width, height = fig.get_size_inches()
    scale = min(1.0, SLIDE_WIDTH / width, TALLEST / height)
    return [
        (t.get_text(), t.get_fontsize() * scale)
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_fontsize() * scale < MIN_FONT - 1e-6
    ]


def mark_incomplete(fig: Figure, note: str | None) -> Figure:
    """Say on the figure itself that it draws only part of a sweep, e.g. "Incomplete sweep —
    interrupted: 1,200 of 4,000 runs stored" above it (nothing when `note` is None)."""
    if note:
        fig.text(
            0.01, 1.0, f"Incomplete sweep — {note}", ha="left", va="bottom", color=NEUTRAL,
            fontsize=MIN_FONT, fontweight="bold",
        )  # fmt: skip
    return fig


# --- labels placed clear of the data ---------------------------------------------------------
def beside(ha: str = "center") -> list[tuple[float, float, str]]:
    """Where a value label may go, in order of preference: (x, y) offset in points from its
    point and the vertical alignment. Just above or below the point, then beside it on the side
    its text runs (left of the point for `ha="right"`), then further out."""
    side = {"right": -1, "left": 1}.get(ha, 0)
    level = [(12 * side, 0, "center"), (12 * side, 9, "bottom"), (12 * side, -9, "top")]
    near = [(0, 9, "bottom"), (0, -9, "top")] + (level if side else [])
    aside = [(30 * side, 0, "center"), (30 * side, 9, "bottom"), (30 * side, -9, "top")]
    far = [(0, 24, "bottom"), (0, -24, "top")] + (aside if side else [])
    return near + far + [(0, 40, "bottom"), (0, -40, "top")]


def line_points(ax: Any) -> Any:
    """Every visible line and marker of `ax` as display points (segments sampled every two
    pixels), each with its radius in pixels: what a label must not cover."""
    import numpy as np

    chunks = []
    px = ax.figure.dpi / 72
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), float))
        xy = xy[np.isfinite(xy).all(axis=1)]
        if not len(xy):
            continue
        width = line.get_linewidth() * px / 2 if line.get_linestyle() not in ("None", "") else 0
        if width and len(xy) > 1:
            steps = np.maximum(1, (np.hypot(*np.diff(xy, axis=0).T) // 2).astype(int))
            xy_line = np.concatenate([a + (b - a) * np.linspace(0, 1, n + 1)[:, None]
                                      for a, b, n in zip(xy[:-1], xy[1:], steps, strict=True)])  # fmt: skip
            chunks.append(np.c_[xy_line, np.full(len(xy_line), width)])
        else:
            chunks.append(np.c_[xy, np.full(len(xy), width)])
        if line.get_marker() not in ("None", "", None, " "):
            chunks.append(np.c_[xy, np.full(len(xy), line.get_markersize() * px / 2)])
    return np.concatenate(chunks) if chunks else np.zeros((0, 3))


def covered(box: Any, points: Any, pad: float = 1.0) -> int:
    """How many of `points` (display x, y, radius; `line_points`) the box `box` covers or
    touches."""
    x, y, r = points.T  # (0, 3) when there is nothing to cover
    inside = ((x + r + pad > box.x0) & (x - r - pad < box.x1)
              & (y + r + pad > box.y0) & (y - r - pad < box.y1))  # fmt: skip
    return int(inside.sum())


def overlapping(texts: Iterable[Any], renderer: Any = None) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty texts whose boxes overlap: labels printed on each other (in
    the figure as last laid out, unless given the `renderer` of a draw)."""
    shown = [t for t in texts if t.get_visible() and t.get_text().strip()]
    boxes = [t.get_window_extent(renderer) for t in shown]
    return [(shown[i].get_text(), shown[j].get_text()) for i in range(len(shown))
            for j in range(i) if boxes[i].overlaps(boxes[j])]  # fmt: skip


def clear_label(ax: Any, text: str, xy: tuple[Any, float], ha: str = "center",
                offsets: Iterable[tuple[float, float, str]] | None = None, **kwargs: Any) -> Any:  # fmt: skip
    """Print `text` by the data point `xy` at the first of `offsets` (points, with vertical
    alignment; by default `beside(ha)`) where it covers no line or marker of `ax`, stays inside the axes and overlaps no
    label drawn before it; where none is clear, at the one covering least. It is placed when the
    figure is drawn, so in the final layout."""
    from matplotlib.text import Annotation

    class ClearLabel(Annotation):
        def draw(self, renderer: Any) -> None:
            if self.get_visible():
                self._place(renderer)
            super().draw(renderer)

        def _place(self, renderer: Any) -> None:
            points = line_points(ax)
            frame = ax.get_window_extent(renderer)
            before = ax.texts[: ax.texts.index(self)] if self in ax.texts else []
            placed = [t.get_window_extent(renderer) for t in before
                      if t.get_visible() and t.get_text().strip()]  # fmt: skip
            best = None
            for rank, (dx, dy, va) in enumerate(choices):
                self.xyann = (dx, dy)
                self.set_verticalalignment(va)
                box = self.get_window_extent(renderer)
                outside = (box.x0 < frame.x0 - 1 or box.x1 > frame.x1 + 1
                           or box.y0 < frame.y0 - 1 or box.y1 > frame.y1 + 1)  # fmt: skip
                clash = sum(box.overlaps(other) for other in placed)
                score = (1000 * clash + 100 * outside + covered(box, points), rank)
                if best is None or score < best[0]:
                    best = (score, dx, dy, va)
            if best is not None:
                self.xyann = best[1:3]
                self.set_verticalalignment(best[3])

    choices = list(offsets) if offsets is not None else beside(ha)
    dx, dy, va = choices[0]
    label = ClearLabel(text, xy, xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                       **kwargs)  # fmt: skip
    ax._add_text(label)
    return label
