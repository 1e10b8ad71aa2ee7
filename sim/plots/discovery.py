"""Scenario-discovery figures: PRIM's peeling trajectory, the chosen box's limits with their
quasi-p-values, the feature scores, and the design points of the two most important parameters
with the box drawn over them. Colour here means the outcome's share (a sequential map) or nothing
(greys), never an actor."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from sim.plots.style import LIGHT, MIN_FONT, NEUTRAL, SLIDE, ask, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.discovery import Discovery

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def draw_trajectory(d: Discovery, ax) -> None:
    """Coverage against density for every box of the peeling trajectory; the marker says how
    many parameters the box restricts, the ringed point is the chosen box."""
    rows = d.trajectory_rows()
    dims = sorted({r[4] for r in rows})
    for m, count in enumerate(dims):
        pts = [r for r in rows if r[4] == count]
        ax.scatter([r[1] for r in pts], [r[2] for r in pts], marker=MARKERS[m % len(MARKERS)],
                   s=28, color=NEUTRAL, label=f"{count} restricted", zorder=3)  # fmt: skip
    b = d.box()
    ax.scatter([b.coverage], [b.density], s=180, facecolor="none", edgecolor="black", lw=1.5,
               zorder=4)  # fmt: skip
    ax.annotate(f"box {d.chosen}", (b.coverage, b.density), xytext=(8, -18),
                textcoords="offset points", fontsize=MIN_FONT)  # fmt: skip
    ax.set(xlabel="coverage (share of the runs of interest inside)",
           ylabel="density (share of runs inside\nthat are of interest)", xlim=(0, 1.03),
           ylim=(0, 1.03))  # fmt: skip
    ax.legend(title="parameters", loc="lower left")
    ax.set_title("Each box PRIM tried")


def draw_box_limits(d: Discovery, ax, i: int | None = None) -> None:
    """Each parameter's swept range (light) and the box's limits on it (dark), on a 0–1 scale of
    the range, with the limits and quasi-p-values written beside them."""
    from sim.discovery import rounded

    i = d.chosen if i is None else i
    b = d.box(i)
    full = d.trajectory.boxes[0].limits
    qp = d.trajectory.quasi_p(i)
    order = d.ranked()
    for row, j in enumerate(order):
        lo, hi = full[j]
        span = hi - lo if hi > lo else 1.0
        a, z = (b.limits[j] - lo) / span
        ax.barh(row, 1, color=LIGHT, height=0.5)
        ax.barh(row, z - a, left=a, color=NEUTRAL, height=0.5)
        w = d.widths[j]
        ax.text(-0.02, row, rounded(lo, w), ha="right", va="center", fontsize=MIN_FONT)
        ax.text(1.02, row, rounded(hi, w), ha="left", va="center", fontsize=MIN_FONT)
        if j in b.restricted:
            ps = [qp[(j, s)] for s in (0, 1) if (j, s) in qp]
            p = max(ps)
            note = f"{rounded(b.limits[j, 0], w)} to {rounded(b.limits[j, 1], w)}; quasi-p " + (
                "< 0.001" if p < 0.001 else f"{p:.3f}")  # fmt: skip
            ax.text(0.5, row - 0.42, note, ha="center", va="center", fontsize=MIN_FONT)
        else:
            ax.text(0.5, row - 0.42, "not restricted", ha="center", va="center",
                    fontsize=MIN_FONT)  # fmt: skip
    ax.set_yticks(range(len(order)), [textwrap.fill(d.labels[j], 22) for j in order])
    ax.set_ylim(len(order) - 0.4, -0.9)
    ax.set_xlim(-0.45, 1.4)
    ax.set_xticks([])
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.grid(False)
    ax.set_title(f"Box {i}: coverage {b.coverage:.2f}, density {b.density:.2f}")


def draw_scores(d: Discovery, ax) -> None:
    """Extra-trees feature scores, most important first."""
    order = d.ranked()
    from sim.plots.style import label_bars

    scores = [d.scores[j] for j in order]
    bars = ax.barh(range(len(order)), scores, color=NEUTRAL, height=0.6)
    label_bars(ax, bars, scores, fmt="{:.2f}")
    ax.set_yticks(range(len(order)), [textwrap.fill(d.labels[j], 22) for j in order])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("extra-trees importance (sums to 1)")
    ax.set_title("Which parameters matter")


def draw_points(d: Discovery, ax, fig) -> None:
    """Design points of the two most important parameters, shaded by the share of their runs
    showing the outcome, with the chosen box's limits on those two drawn as a rectangle."""
    from matplotlib.patches import Rectangle

    pts = d.points
    share = pts["hits"] / pts["runs"]
    b = d.box()
    if len(d.params) == 1:
        xs = pts[d.params[0]]
        image = ax.scatter(xs, share, c=share, cmap="viridis", vmin=0, vmax=1, s=60,
                           edgecolor="black", linewidth=0.3)  # fmt: skip
        for v in b.limits[0]:
            ax.axvline(v, color="black", ls="--", lw=1.2)
        ax.set(xlabel=d.labels[0], ylabel="share of runs", ylim=(-0.02, 1.02))
    else:
        jx, jy = d.ranked()[:2]
        xs, ys = pts[d.params[jx]], pts[d.params[jy]]
        image = ax.scatter(xs, ys, c=share, cmap="viridis", vmin=0, vmax=1, s=60,
                           edgecolor="black", linewidth=0.3)  # fmt: skip
        (x0, x1), (y0, y1) = b.limits[jx], b.limits[jy]
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="black", lw=1.6, ls="--"))
        ax.set(xlabel=textwrap.fill(d.labels[jx], 34), ylabel=textwrap.fill(d.labels[jy], 30))
    ax.set_title(f"Design points; dashed: box {d.chosen}")
    fig.colorbar(image, ax=ax, label="share of its runs showing it", shrink=0.85)


def discovery_figures(d: Discovery, name: str = "") -> dict[str, Figure]:
    """The two figures of one discovery, one question each, keyed by the suffix of their file
    stem: where the runs showing the outcome are (the box's limits and the design points, "")
    and how PRIM and the trees found it (the peeling trajectory and feature scores, "_search")."""
    where = f"{name}: " if name else ""
    share = (f"{where}{d.box(0).density:.0%} of {d.box(0).n:,} runs at {len(d.points):,} design "
             "points show it")  # fmt: skip
    answer = new_figure(SLIDE)
    left, right = answer.subplots(1, 2, width_ratios=[1, 1.15])
    draw_box_limits(d, left)
    draw_points(d, right, answer)
    ask(answer, f"Where do runs show {d.description}?",
        f"{share}. Left: each parameter's swept range (light) and the box's limits (dark), with "
        "quasi-p-values; right: the design points of the two parameters that matter most.")  # fmt: skip
    search = new_figure(SLIDE)
    left, right = search.subplots(1, 2)
    draw_trajectory(d, left)
    draw_scores(d, right)
    ask(search, f"How sure is the box for {d.description}, and which parameters matter?",
        f"{share}. Left: PRIM's peeling trajectory (coverage against density; the ringed box "
        "is the one described); right: extra-trees feature scores.")  # fmt: skip
    return {"": answer, "_search": search}


def discovery_stem(outcome_text: str) -> str:
    """A file stem for an outcome: 'issue.extradition.value>=0.5' → 'discovery_issue_extradition_value_ge_0_5'."""
    text = outcome_text
    for sym, word in ((">=", "_ge_"), ("<=", "_le_"), ("!=", "_ne_"), ("==", "_eq_"),
                      (">", "_gt_"), ("<", "_lt_"), ("=", "_eq_")):  # fmt: skip
        text = text.replace(sym, word)
    cleaned = "".join(c if c.isalnum() else "_" for c in text)
    while "__" in cleaned:
        cleaned = cleaned.replace("__", "_")
    return "discovery_" + cleaned.strip("_")
